# netmap for Linux - top-level build.
#
#   make            netmap.ko, libnetmap, tools, and the static guest programs
#   make check      host tests (ASan/UBSan), then the guest suite in QEMU; ends with `N passed, N failed`
#   make check-debug  the guest suite on a debug kernel (KASAN, lockdep, UBSAN, kmemleak, ...) built
#                   once from Debian's linux-source into build/debug-kernel/ (tests/check-debug)
#   make demo       boots a guest and shows netmap at work
#   make install    installs on a real Linux machine (set KDIR to its kernel's build tree)
#   make deb        Debian packages in build/deb/: netmap-dkms, libnetmap1, libnetmap-dev, netmap-tools
#
# Missing Debian packages are installed first (scripts/deps).  KDIR defaults to the headers of the
# Debian kernel the guest boots (scripts/kver); override it for a real machine:
#   make KDIR=/lib/modules/$(uname -r)/build
# Variables are expanded lazily (=, not :=) so that they are computed after deps has run.

KVER = $(shell scripts/kver)
KDIR = /usr/src/linux-headers-$(KVER)
NM_KCFLAGS ?= -Werror

CC ?= cc
CFLAGS ?= -O2 -g
NM_CFLAGS = $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -Iinclude
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
B = build

CORE_SRCS := $(wildcard core/*.c)
HOST_TESTS := $(patsubst tests/host/%.c,$(B)/host/%,$(wildcard tests/host/test_*.c))
HOST_CXX_TESTS := $(patsubst tests/host/%.cc,$(B)/host/%,$(wildcard tests/host/test_*.cc))
LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(patsubst lib/%.c,$(B)/lib/%.o,$(LIB_SRCS))
LIB_HOST_OBJS := $(patsubst lib/%.c,$(B)/host/lib/%.o,$(LIB_SRCS))
TOOLS := $(patsubst tools/%/,%,$(wildcard tools/*/))
# Per-tool extra libraries; guest (static) builds may need different ones.
TOOL_LIBS_pkt-gen = -lpcap
TOOL_GUEST_FLAGS_pkt-gen = -DNM_NO_PCAP
FUZZERS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 10
GUEST_C_TESTS := $(patsubst tests/guest/%.c,$(B)/guest/tests/guest/%,$(wildcard tests/guest/*.c))
GUEST_SH_TESTS := $(patsubst tests/guest/%.sh,$(B)/guest/tests/guest/%,$(wildcard tests/guest/*.sh))

.PHONY: all deps module userspace host-tests fuzzers fuzz-smoke guest-progs test-kmods vm-image check check-debug demo install clean

all: module userspace guest-progs

deps:
	@scripts/deps

module: | deps
	$(MAKE) -C $(KDIR) M=$(CURDIR) NM_KCFLAGS="$(NM_KCFLAGS)" modules

test-kmods: | deps
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kmod modules

userspace: host-tests fuzzers lib tools

# --- libnetmap: static and shared, plus a sanitized copy that host tests link ---
.PHONY: lib tools
lib: $(B)/lib/libnetmap.a $(if $(LIB_SRCS),$(B)/lib/libnetmap.so)

$(B)/lib/%.o: lib/%.c $(HDRS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(NM_CFLAGS) -fPIC -c -o $@ $<

# An empty archive is valid: lib/ may have no sources yet.
$(B)/lib/libnetmap.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(if $^,ar rcs $@ $^,printf '!<arch>\n' > $@)

$(B)/lib/libnetmap.so: $(LIB_OBJS)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libnetmap.so.1 -o $@.1 $^ -lpthread
	ln -sf libnetmap.so.1 $@

$(B)/host/lib/%.o: lib/%.c $(HDRS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(NM_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

$(B)/host/libnetmap-san.a: $(LIB_HOST_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(if $^,ar rcs $@ $^,printf '!<arch>\n' > $@)

# --- tools: one folder each under tools/, linked with libnetmap ---
.SECONDEXPANSION:
tools: $(addprefix $(B)/tools/,$(TOOLS))

$(B)/tools/%: $$(wildcard tools/%/*.c tools/%/*.h) $(B)/lib/libnetmap.a
	@mkdir -p $(dir $@)
	$(CC) $(NM_CFLAGS) $(LDFLAGS) -o $@ $(filter %.c,$^) $(B)/lib/libnetmap.a -lpthread $(TOOL_LIBS_$*)

$(B)/guest/tools/%: $$(wildcard tools/%/*.c tools/%/*.h) $(LIB_SRCS) $(HDRS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(NM_CFLAGS) -static $(TOOL_GUEST_FLAGS_$*) -o $@ $(filter %.c,$^) -lpthread

# --- host tests: core + the userspace os.h, under AddressSanitizer and UBSan ---
host-tests: $(HOST_TESTS) $(HOST_CXX_TESTS)

HOST_OBJS := $(patsubst %.c,$(B)/host/obj/%.o,$(CORE_SRCS) tests/host/os_user.c)
# Where the core finds os_types.h (core/os.h): the userspace one here, linux/ in the module.
HOST_OS = -Itests/host
HDRS = $(wildcard core/*.h tests/host/*.h include/net/*.h include/*.h lib/*.h) tests/t.h

$(B)/host/obj/%.o: %.c $(HDRS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(NM_CFLAGS) $(SAN_FLAGS) $(HOST_OS) -c -o $@ $<

$(B)/host/libnmcore.a: $(HOST_OBJS)
	rm -f $@
	ar rcs $@ $^

$(B)/host/%: tests/host/%.c $(B)/host/libnmcore.a $(B)/host/libnetmap-san.a
	$(CC) $(NM_CFLAGS) $(SAN_FLAGS) -Icore $(HOST_OS) -o $@ $< $(B)/host/libnmcore.a $(B)/host/libnetmap-san.a -lpthread

$(B)/host/%: tests/host/%.cc $(wildcard include/net/*.h)
	@mkdir -p $(B)/host
	$(CXX) -std=c++11 -O2 -Wall -Wextra -Werror -Iinclude -o $@ $<

# --- libFuzzer targets: the core with clang's fuzzer, ASan and UBSan ---
fuzzers: $(FUZZERS)

$(B)/fuzz/%: tests/fuzz/%.c $(CORE_SRCS) tests/host/os_user.c $(HDRS) | deps
	@mkdir -p $(dir $@)
	clang -g -O1 -std=gnu11 -Wall -Wextra -Werror -Iinclude -Icore $(HOST_OS) \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  -o $@ $< $(CORE_SRCS) tests/host/os_user.c -lpthread

# A few seconds per target: enough to catch a regression, not a fuzzing campaign.
fuzz-smoke: fuzzers
	@tests/fuzz/run $(FUZZ_SECONDS) $(abspath $(FUZZERS))

# --- host micro-benchmarks of the core's hot paths (bench/host): not part of make check ---
.PHONY: bench-host
bench-host: $(B)/bench/micro
	@bench/host/run $(B)/bench/micro

$(B)/bench/micro: bench/host/micro.c $(CORE_SRCS) tests/host/os_user.c $(HDRS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(NM_CFLAGS) -O2 -Icore $(HOST_OS) -o $@ $< $(CORE_SRCS) tests/host/os_user.c -lpthread

# --- guest benchmarks (bench/): `make bench` (about 10 minutes), `make bench-smoke` (seconds) ---
# bench/*.c are built static into $(B)/guest/tools/bench/ with bench/scenarios, so the guest image
# has them under /usr/local/bin/bench/.  xsk (AF_XDP) links Debian's libxdp and libbpf statically.
# bench/run and bench/smoke boot one guest each through vm/run; bench/README.md explains the method.
BENCH_PROGS := $(patsubst bench/%.c,$(B)/guest/tools/bench/%,$(wildcard bench/*.c))
BENCH_SRCS_nmping = $(LIB_SRCS)
BENCH_LIBS_xsk = -lxdp -lbpf -lelf -lz -lzstd
.PHONY: bench bench-smoke bench-progs bench-vs-reference
bench-progs: $(BENCH_PROGS) $(B)/guest/tools/bench/scenarios

$(B)/guest/tools/bench/%: bench/%.c bench/bench.h $(LIB_SRCS) $(HDRS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(NM_CFLAGS) -static -o $@ $< $(BENCH_SRCS_$*) -lpthread $(BENCH_LIBS_$*)

$(B)/guest/tools/bench/scenarios: bench/scenarios
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

vm-image: bench-progs

bench: vm-image
	@bench/run

bench-smoke: vm-image
	@bench/smoke

# Ours against the original module (../shared/reference/netmap-upstream) in one boot (bench/README).
bench-vs-reference: vm-image
	@bench/vs-reference
# --- end of the benchmark block ---

# --- static programs for the guest ---
guest-progs: $(GUEST_C_TESTS) $(GUEST_SH_TESTS) \
	     $(patsubst tests/guest/lib/%,$(B)/guest/tests/lib/%,$(wildcard tests/guest/lib/*.sh)) \
	     $(addprefix $(B)/guest/tools/,$(TOOLS))

$(B)/guest/tests/guest/%: tests/guest/%.c tests/t.h $(wildcard tests/guest/*.h include/net/*.h) | deps
	@mkdir -p $(dir $@)
	$(CC) $(NM_CFLAGS) -static -o $@ $< $(LIB_SRCS) -lpthread

$(B)/guest/tests/guest/%: tests/guest/%.sh
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

# Shell helpers the tests source (/tests/lib/ in the guest); not tests themselves.
$(B)/guest/tests/lib/%.sh: tests/guest/lib/%.sh
	@mkdir -p $(dir $@)
	install -m 0644 $< $@

# --- the guest image (vm/run builds or refreshes it through this target) ---
PCAP_LIB = $(B)/libpcap-netmap/lib/libpcap.so.0.8
vm-image: module test-kmods guest-progs $(PCAP_LIB)
	@mkdir -p $(B)/guest/kmods
	@cp -p tests/kmod/*.ko $(B)/guest/kmods/
	@cp -p tests/run-tests tests/kernel-dumps $(B)/guest/tests/
	@if [ ! -f $(B)/vm/initramfs.cpio.gz ] || \
	    [ -n "$$(find netmap.ko $(B)/guest $(PCAP_LIB) vm/init vm/mkimage -newer $(B)/vm/initramfs.cpio.gz | head -n 1)" ]; then \
	  echo "  IMAGE   $(B)/vm/initramfs.cpio.gz"; \
	  mkdir -p $(B)/guest/tools; \
	  vm/mkimage $(B)/vm/initramfs.cpio.gz $(KVER) netmap.ko --tests $(B)/guest/tests \
	    --kmods $(B)/guest/kmods --tools $(B)/guest/tools --pcap $(dir $(PCAP_LIB)); \
	fi

# --- libpcap with netmap support (scripts/libpcap-netmap): Debian's source, our headers ---
# `LD_LIBRARY_PATH=/usr/local/lib/netmap-pcap tcpdump -i netmap:eth0` after the install target.
.PHONY: libpcap-netmap libpcap-netmap-install
libpcap-netmap: $(PCAP_LIB)
$(PCAP_LIB): include/net/netmap_user.h include/net/netmap.h scripts/libpcap-netmap | deps
	@echo "  LIBPCAP $@"
	@scripts/libpcap-netmap > /dev/null
	@touch $@
libpcap-netmap-install: $(PCAP_LIB)
	scripts/libpcap-netmap --install /usr/local/lib/netmap-pcap

check: all vm-image
	@tests/check

# Builds its own netmap.ko and image under build/debug-kernel/ (netmap.ko and build/vm/ stay
# those of `make check`); only the static guest programs are shared.
check-debug: guest-progs $(PCAP_LIB)
	@tests/check-debug

demo: all vm-image
	@tests/demo

PREFIX ?= /usr/local
# DKMS: the module's sources in /usr/src/netmap-VERSION, built and installed for the running
# kernel now and rebuilt by DKMS after every kernel update (dkms/dkms.conf.in).
VERSION := $(shell cat VERSION)
.PHONY: dkms-install dkms-remove
dkms-install:
	scripts/dkms-tree /usr/src/netmap-$(VERSION)
	dkms add netmap/$(VERSION)
	dkms install netmap/$(VERSION)
dkms-remove:
	dkms remove netmap/$(VERSION) --all
	rm -rf /usr/src/netmap-$(VERSION)

# Debian packages (debian/): netmap-dkms, libnetmap1, libnetmap-dev, netmap-tools, built from a
# copy of the tree's files (git's, untracked ones too; not build/ or ignored files) in
# $(B)/deb/src so that dpkg-buildpackage leaves the tree alone.  The .debs land in $(B)/deb/.
.PHONY: deb
deb: | deps
	rm -rf $(B)/deb
	mkdir -p $(B)/deb/src
	git ls-files -z --cached --others --exclude-standard | \
	  tar --null -T - --ignore-failed-read -cf - | tar -xf - -C $(B)/deb/src
	cd $(B)/deb/src && dpkg-buildpackage -us -uc -b
	rm -rf $(B)/deb/src
	@ls -1 $(B)/deb/*.deb

install: module lib tools
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) CONFIG_MODULE_SIG_ALL= modules_install
	install -d $(DESTDIR)$(PREFIX)/include/net $(DESTDIR)$(PREFIX)/share/man/man4 \
	  $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/bin
	install -m 0644 include/net/*.h $(DESTDIR)$(PREFIX)/include/net/
	install -m 0644 man/*.4 $(DESTDIR)$(PREFIX)/share/man/man4/
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man3
	install -m 0644 include/libnetmap.h $(DESTDIR)$(PREFIX)/include/
	install -m 0644 $(B)/lib/libnetmap.a $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(B)/lib/libnetmap.so.1 $(DESTDIR)$(PREFIX)/lib/
	ln -sf libnetmap.so.1 $(DESTDIR)$(PREFIX)/lib/libnetmap.so
	sed 's|@PREFIX@|$(PREFIX)|g' lib/libnetmap.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libnetmap.pc
	for p in lib/*.3; do [ -f "$$p" ] && install -m 0644 $$p $(DESTDIR)$(PREFIX)/share/man/man3/ || true; done
	for t in $(TOOLS); do \
	  install -m 0755 $(B)/tools/$$t $(DESTDIR)$(PREFIX)/bin/ && \
	  install -m 0644 tools/$$t/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/; \
	done
	install -d $(DESTDIR)$(PREFIX)/share/netmap
	install -m 0644 tools/netmap-exporter/grafana-dashboard.json $(DESTDIR)$(PREFIX)/share/netmap/

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null 2>&1
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kmod clean >/dev/null 2>&1
	rm -rf $(B)
