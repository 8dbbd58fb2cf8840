# lxcfs + lxcfs-toolkit in a privileged container that serves the host (see
# deploy/docker/entrypoint.sh for what it does at start, and installer/README.md).
#
#   podman build --build-arg BASE=debian:bookworm -t lxcfs .
#   podman run -d --name lxcfs --privileged --pid=host --cgroupns=host --network=host \
#     -v /var/lib:/host/var/lib:rshared -v /sys/fs/cgroup:/sys/fs/cgroup \
#     -v /run/lxcfs:/run/lxcfs lxcfs
#
# The volume is the PARENT of the mount point (a crashed daemon leaves /var/lib/lxcfs a dead
# FUSE mount that no runtime could bind); it must be on a shared mount (it is on systemd hosts;
# else `mount --bind /var/lib /var/lib && mount --make-rshared /var/lib`). /run/lxcfs holds the
# pidfile and the container registry that the host's hooks write.
# Offline: BASE can be any Debian bookworm image, e.g. one made by deploy/docker/make-base.sh
# and `podman import`.
ARG BASE=debian:bookworm

# ---- builder: compilers and -dev packages
FROM ${BASE} AS builder
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends make gcc libc6-dev pkg-config libfuse3-dev libinih-dev \
	libjson-c-dev libcurl4-openssl-dev libsystemd-dev scdoc && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY common ./common
COPY lxcfs ./lxcfs
COPY toolkit ./toolkit
COPY deploy/man ./deploy/man
RUN make -j"$(nproc)" all && ./build/lxcfs --version && ./build/lxcfs-toolkit --version

# ---- runtime: the runtime libraries, the two binaries and their man pages only
FROM ${BASE}
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends libfuse3-3 fuse3 libinih1 libjson-c5 libcurl4 libsystemd0 util-linux \
	&& rm -rf /var/lib/apt/lists/*
COPY --from=builder /src/build/lxcfs /src/build/lxcfs-toolkit /usr/local/bin/
COPY --from=builder /src/build/man/ /usr/local/share/man/
COPY deploy/lxcfs.conf.example /etc/lxcfs/lxcfs.conf.example
COPY deploy/docker/entrypoint.sh /usr/local/bin/lxcfs-entrypoint
RUN lxcfs --version && lxcfs-toolkit --version
ENTRYPOINT ["/usr/local/bin/lxcfs-entrypoint"]
