# lxcfs + lxcfs-toolkit. `make deps` once on a fresh Debian machine (root), then `make`.
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
MANDIR     ?= $(PREFIX)/share/man
VERSION    := 0.1.0
B          := build

CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 \
	   -DLXCFS_VERSION=\"$(VERSION)\" -I. -MMD -MP
SAN     ?=
CFLAGS  += $(SAN)
LDFLAGS += $(SAN)

PKGS_CORE := fuse3 inih libsystemd json-c
PKGS_TK   := json-c inih # and libcurl, loaded on first use (toolkit/lib/curl_dl.c)
CFLAGS    += $(shell pkg-config --cflags fuse3 inih json-c libcurl libsystemd 2>/dev/null)
LIBS_CORE := $(shell pkg-config --libs $(PKGS_CORE) 2>/dev/null) -lpthread
LIBS_TK   := $(shell pkg-config --libs $(PKGS_TK) 2>/dev/null) -lpthread

COMMON_SRC := $(wildcard common/*.c)
CORE_SRC := $(filter-out lxcfs/main.c,$(wildcard lxcfs/*.c lxcfs/*/*.c))
TK_SRC   := $(filter-out toolkit/main.c,$(wildcard toolkit/*.c toolkit/lib/*.c))
obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
BENCH_SRC := $(wildcard tests/bench/*.c)

BINS := $(B)/lxcfs
ifneq ($(wildcard toolkit/main.c),)
BINS += $(B)/lxcfs-toolkit
endif

.PHONY: all man deps check unit tools e2e v2 install uninstall asan tsan clean format format-check
# keep every object (make would delete the unit tests' objects as intermediates after the run,
# printing a line after the test runner's closing line)
.SECONDARY:
all: $(BINS) man

# Man pages: deploy/man/NAME.SECTION.scd -> build/man/manSECTION/NAME.SECTION (scdoc), so
# MANPATH=build/man finds them
MAN_SRC   := $(wildcard deploy/man/*.scd)
MAN_PAGES := $(foreach f,$(MAN_SRC),$(B)/man/man$(subst .,,$(suffix $(basename $(f))))/$(notdir $(basename $(f))))
man: $(MAN_PAGES)
$(B)/man/man1/%: deploy/man/%.scd
	@mkdir -p $(dir $@)
	@command -v scdoc >/dev/null || { echo "scdoc is missing: run make deps" >&2; exit 1; }
	scdoc <$< >$@.tmp && mv $@.tmp $@
$(B)/man/man5/%: deploy/man/%.scd
	@mkdir -p $(dir $@)
	@command -v scdoc >/dev/null || { echo "scdoc is missing: run make deps" >&2; exit 1; }
	scdoc <$< >$@.tmp && mv $@.tmp $@

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<
# the daemon's files (and its tests) name its headers from lxcfs/ ("cgroup/cgroup.h"); the
# toolkit sees only common/ and its own tree
$(B)/obj/lxcfs/%.o $(B)/obj/tests/%.o: CFLAGS += -Ilxcfs

# common/: what the daemon and the toolkit share; libcore.a: the daemon without main();
# libtk.a: the toolkit without main()
$(B)/libcommon.a: $(call obj,$(COMMON_SRC))
	@rm -f $@; ar rcs $@ $^
$(B)/libcore.a: $(call obj,$(CORE_SRC))
	@rm -f $@; ar rcs $@ $^
$(B)/libtk.a: $(call obj,$(TK_SRC))
	@rm -f $@; ar rcs $@ $^ $(if $^,,$(B)/obj/common/error.o)

$(B)/lxcfs: $(B)/obj/lxcfs/main.o $(B)/libcore.a $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CORE)

$(B)/lxcfs-toolkit: $(B)/obj/toolkit/main.o $(B)/libtk.a $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TK)

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(B)/libtk.a $(B)/libcore.a $(B)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LIBS_CORE) $(LIBS_TK)

unit: $(UNIT_BIN)

# programs the end-to-end tests run inside containers: static, for any rootfs
TOOLS := $(B)/tools/lxcfs-reader $(B)/tools/lxcfs-pidns $(B)/tools/lxcfs-latency \
	 $(B)/tools/sysinfo-print $(B)/tools/notify-send $(B)/tools/sysinfo-lat \
	 $(B)/tools/psi-poll
$(B)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -static -o $@ $<
tools: $(TOOLS)

# Debian packages the build and every test needs (idempotent; the second DEB_TEST line: make deb
# and make rpm, which tests/e2e/450-packages.bats runs, and lintian).
DEB_BUILD := build-essential pkg-config libfuse3-dev fuse3 libinih-dev libjson-c-dev libsystemd-dev \
	     libcurl4-openssl-dev libcmocka-dev clang-format valgrind scdoc \
	     clang-14 libfuzzer-14-dev libclang-rt-14-dev
DEB_TEST  := bats bats-support bats-assert procps util-linux python3-psutil runc podman \
	     debhelper dpkg-dev fakeroot rpm scdoc lintian \
	     busybox-static qemu-system-x86 cpio e2fsprogs iproute2 strace jq \
	     debootstrap yamllint python3-yaml systemd git man-db shfmt \
	     docker.io lxc
deps:
	@missing=""; for p in $(DEB_BUILD) $(DEB_TEST); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends $$missing; \
	else echo "all build and test packages present"; fi

check: all unit tools
	tests/run-all.sh

# every e2e file (but tests/run-all.sh's ASAN_SKIP) against the ASan+UBSan build (make asan)
.PHONY: check-asan
check-asan: all unit tools
	tests/run-all.sh asan-all

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/lxcfs $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 0644 deploy/lxcfs.conf.example $(DESTDIR)$(SYSCONFDIR)/lxcfs/lxcfs.conf.example
	install -m 0644 $(B)/man/man1/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(B)/man/man5/*.5 $(DESTDIR)$(MANDIR)/man5/
	@# the LXC snippet (lxc.include), naming this PREFIX's binary
	install -d $(DESTDIR)$(PREFIX)/share/lxcfs/lxc
	sed -e 's|/usr/local/bin/|$(BINDIR)/|g' -e 's|/usr/local/|$(PREFIX)/|g' deploy/lxc/lxcfs.conf >$(DESTDIR)$(PREFIX)/share/lxcfs/lxc/lxcfs.conf
	chmod 0644 $(DESTDIR)$(PREFIX)/share/lxcfs/lxc/lxcfs.conf

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/lxcfs $(DESTDIR)$(BINDIR)/lxcfs-toolkit \
	      $(DESTDIR)$(SYSCONFDIR)/lxcfs/lxcfs.conf.example \
	      $(DESTDIR)$(PREFIX)/share/lxcfs/lxc/lxcfs.conf \
	      $(addprefix $(DESTDIR)$(MANDIR)/,$(patsubst $(B)/man/%,%,$(MAN_PAGES)))

# ASan + UBSan build in its own directory. libubsan linked in statically: the shared one next
# to libasan ignores UBSAN_OPTIONS' log_path and reports on stderr only.
ASAN_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	    -static-libubsan
asan:
	CFLAGS="-O1 -g" $(MAKE) B=build/asan SAN="$(ASAN_SAN)" all unit

# libFuzzer targets (tests/fuzz/fuzz_*.c) with ASan+UBSan, built by clang-14 in build/fuzz;
# `make fuzz` runs each FUZZ_S seconds (default 60) from its seeds in tests/fuzz/corpus (the
# corpus it grows stays in build/fuzz/corpus); `make check` runs each 10 s (tests/run-all.sh fuzz).
FUZZ_CC  ?= clang-14
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))
FUZZ_S   ?= 60
$(B)/fuzz/%: $(B)/obj/tests/fuzz/%.o $(B)/libtk.a $(B)/libcore.a $(B)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS_CORE) $(LIBS_TK)
fuzz-bins: $(FUZZ_BIN)
.PHONY: fuzz fuzz-build fuzz-bins
fuzz-build:
	@# (clang warns of designated initializers that leave fields out: gcc, which builds the
	@# programs, does not, and C says what they are)
	CFLAGS="-O1 -g" $(MAKE) B=build/fuzz CC=$(FUZZ_CC) \
		SAN="$(FUZZ_SAN) -Wno-missing-field-initializers" fuzz-bins
fuzz: fuzz-build
	B=build/fuzz tests/fuzz/run.sh $(FUZZ_S)

# the lock-free code's unit test under ThreadSanitizer (tests/run-all.sh unit runs it)
tsan:
	CFLAGS="-O1 -g" $(MAKE) B=build/tsan SAN="-fsanitize=thread" build/tsan/tests/test_hostsnap

FMT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FMT_FILES)
format-check:
	clang-format --dry-run --Werror $(FMT_FILES)

clean:
	rm -rf $(B)

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# Benchmark (tests/bench): the load generator, the bare libfuse3 floor, and the driver.
BENCH_FLOOR := tests/bench/floor.c
BENCH_GEN   := $(filter-out $(BENCH_FLOOR),$(BENCH_SRC))
$(B)/bench/lxcfs-bench: $(call obj,$(BENCH_GEN)) $(B)/obj/lxcfs/cgroup/cpuset.o $(B)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lm
$(B)/bench/lxcfs-bench-floor: $(call obj,$(BENCH_FLOOR)) $(B)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CORE)
.PHONY: bench
bench: all $(B)/bench/lxcfs-bench $(B)/bench/lxcfs-bench-floor $(B)/tools/sysinfo-lat
	B=$(B) tests/bench/run.sh

# the soak (tests/soak/run.sh): containers started and stopped with readers in them, limits
# changed, the daemon upgraded under them, for SOAK_S seconds; what it holds must stay flat
SOAK_S ?= 180
.PHONY: soak
soak: all tools
	B=$(B) SOAK_S=$(SOAK_S) tests/soak/run.sh

# Release tarball for hosts without a compiler: the two binaries, install.sh (installs the
# runtime libraries with apt-get when missing), systemd units, hook files, example config,
# man pages.
DIST := lxcfs-$(VERSION)-$(shell uname -m)
.PHONY: dist
dist: all
	rm -rf $(B)/dist/$(DIST)
	install -d $(B)/dist/$(DIST)/bin $(B)/dist/$(DIST)/systemd $(B)/dist/$(DIST)/hooks/oci-hooks.d \
		$(B)/dist/$(DIST)/man/man1 $(B)/dist/$(DIST)/man/man5 $(B)/dist/$(DIST)/lxc
	install -m 0755 $(B)/lxcfs $(B)/lxcfs-toolkit $(B)/dist/$(DIST)/bin/
	install -m 0755 installer/install.sh $(B)/dist/$(DIST)/
	install -m 0644 installer/README.md $(B)/dist/$(DIST)/README.md
	install -m 0644 deploy/systemd/*.service deploy/systemd/*.timer $(B)/dist/$(DIST)/systemd/
	install -m 0644 deploy/hooks/isulad-hookspec.json $(B)/dist/$(DIST)/hooks/
	install -m 0644 deploy/hooks/oci-hooks.d/*.json $(B)/dist/$(DIST)/hooks/oci-hooks.d/
	install -m 0644 deploy/lxcfs.conf.example $(B)/dist/$(DIST)/
	install -m 0644 deploy/lxc/lxcfs.conf $(B)/dist/$(DIST)/lxc/
	install -m 0644 $(B)/man/man1/*.1 $(B)/dist/$(DIST)/man/man1/
	install -m 0644 $(B)/man/man5/*.5 $(B)/dist/$(DIST)/man/man5/
	tar -C $(B)/dist --owner=0 --group=0 --sort=name -czf $(B)/$(DIST).tar.gz.tmp $(DIST)
	mv $(B)/$(DIST).tar.gz.tmp $(B)/$(DIST).tar.gz
	@echo "wrote $(B)/$(DIST).tar.gz"

# Debian and RPM packages lxcfs and lxcfs-toolkit (deploy/packages): build/deb/*.deb and
# build/rpm/RPMS/ARCH/*.rpm, built with PREFIX=/usr from a copy of the tree's sources.
# PKG_RELEASE is the packaging revision: `make deb PKG_RELEASE=2` rebuilds VERSION as
# VERSION-2, which upgrades VERSION-1.
PKG_RELEASE ?= 1
PKG_SRC     := Makefile common lxcfs toolkit deploy
PKG_DEB     := $(B)/deb/lxcfs-$(VERSION)
.PHONY: deb rpm
deb:
	rm -rf $(PKG_DEB) $(B)/deb/*_$(VERSION)-$(PKG_RELEASE)_* && mkdir -p $(PKG_DEB)
	tar -cf - $(PKG_SRC) | tar -xf - -C $(PKG_DEB)
	cp -r deploy/packages/debian $(PKG_DEB)/debian
	@# another revision than the changelog's: a rebuild entry on top
	cd $(PKG_DEB) && v=$$(dpkg-parsechangelog -S Version) && \
	if [ "$$v" != $(VERSION)-$(PKG_RELEASE) ]; then \
		{ printf 'lxcfs (%s) unstable; urgency=medium\n\n  * Rebuild of %s.\n\n -- %s  %s\n\n' \
			$(VERSION)-$(PKG_RELEASE) "$$v" "$$(dpkg-parsechangelog -S Maintainer)" "$$(date -R)"; \
		  cat debian/changelog; } >debian/changelog.new && mv debian/changelog.new debian/changelog; \
	fi
	@# the build tree's own make: not this one's command line (B=, PKG_RELEASE=)
	cd $(PKG_DEB) && env -u MAKEFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b >../build.log 2>&1 || { tail -40 ../build.log; exit 1; }
	@ls $(B)/deb/*_$(VERSION)-$(PKG_RELEASE)_*.deb

PKG_RPM := $(abspath $(B)/rpm)
# on a dpkg machine the BuildRequires are Debian packages rpm cannot see (make deps has them)
RPMBUILD_FLAGS ?= $(if $(wildcard /var/lib/dpkg/status),--nodeps)
rpm:
	rm -rf $(PKG_RPM) && mkdir -p $(PKG_RPM)/SOURCES
	tar -czf $(PKG_RPM)/SOURCES/lxcfs-$(VERSION).tar.gz --transform 's,^,lxcfs-$(VERSION)/,' \
		--owner=0 --group=0 $(PKG_SRC)
	env -u MAKEFLAGS -u MAKELEVEL rpmbuild -bb $(RPMBUILD_FLAGS) --define "_topdir $(PKG_RPM)" \
		--define "pkg_version $(VERSION)" --define "pkg_release $(PKG_RELEASE)" \
		$(if $(wildcard deploy/man),--define "with_man 1") \
		deploy/packages/rpm/lxcfs.spec >$(PKG_RPM)/build.log 2>&1 || { tail -40 $(PKG_RPM)/build.log; exit 1; }
	@ls $(PKG_RPM)/RPMS/*/*.rpm
