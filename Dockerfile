# Placeholder until the deployment issue: lxcfs in a privileged container is built and
# tested there (multi-stage build, watchdog entrypoint). This builds the binaries only.
ARG BASE=debian:bookworm
FROM ${BASE}
RUN apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config \
    libfuse3-dev fuse3 libinih-dev libjson-c-dev libcurl4-openssl-dev && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN make -C /src && make -C /src install PREFIX=/usr/local
ENTRYPOINT ["/usr/local/bin/lxcfs", "-f"]
