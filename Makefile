# netmap for Linux - top-level build.
#
#   make            netmap.ko, libnetmap, tools, and the static guest programs
#   make check      host tests (ASan/UBSan), then the guest suite in QEMU; ends with `N passed, N failed`
#   make demo       boots a guest and shows netmap at work
#   make install    installs on a real Linux machine (set KDIR to its kernel's build tree)
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
GUEST_C_TESTS := $(patsubst tests/guest/%.c,$(B)/guest/tests/guest/%,$(wildcard tests/guest/*.c))
GUEST_SH_TESTS := $(patsubst tests/guest/%.sh,$(B)/guest/tests/guest/%,$(wildcard tests/guest/*.sh))

.PHONY: all deps module userspace host-tests guest-progs test-kmods vm-image check demo install clean

all: module userspace guest-progs

deps:
	@scripts/deps

module: | deps
	$(MAKE) -C $(KDIR) M=$(CURDIR) NM_KCFLAGS="$(NM_KCFLAGS)" modules

test-kmods: | deps
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kmod modules

userspace: host-tests

# --- host tests: core + the userspace os.h, under AddressSanitizer and UBSan ---
host-tests: $(HOST_TESTS) $(HOST_CXX_TESTS)

HOST_OBJS := $(patsubst %.c,$(B)/host/obj/%.o,$(CORE_SRCS) tests/host/os_user.c)
HDRS = $(wildcard core/*.h tests/host/*.h include/net/*.h include/*.h)

$(B)/host/obj/%.o: %.c $(HDRS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(NM_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

$(B)/host/libnmcore.a: $(HOST_OBJS)
	rm -f $@
	ar rcs $@ $^

$(B)/host/%: tests/host/%.c $(B)/host/libnmcore.a
	$(CC) $(NM_CFLAGS) $(SAN_FLAGS) -Icore -o $@ $< $(B)/host/libnmcore.a -lpthread

$(B)/host/%: tests/host/%.cc $(wildcard include/net/*.h)
	@mkdir -p $(B)/host
	$(CXX) -std=c++11 -O2 -Wall -Wextra -Werror -Iinclude -o $@ $<

# --- static programs for the guest ---
guest-progs: $(GUEST_C_TESTS) $(GUEST_SH_TESTS)

$(B)/guest/tests/guest/%: tests/guest/%.c $(wildcard tests/guest/*.h include/net/*.h) | deps
	@mkdir -p $(dir $@)
	$(CC) $(NM_CFLAGS) -static -o $@ $< -lpthread

$(B)/guest/tests/guest/%: tests/guest/%.sh
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

# --- the guest image (vm/run builds or refreshes it through this target) ---
vm-image: module test-kmods guest-progs
	@mkdir -p $(B)/guest/kmods
	@cp -p tests/kmod/*.ko $(B)/guest/kmods/
	@cp -p tests/run-tests $(B)/guest/tests/run-tests
	@if [ ! -f $(B)/vm/initramfs.cpio.gz ] || \
	    [ -n "$$(find netmap.ko $(B)/guest vm/init vm/mkimage -newer $(B)/vm/initramfs.cpio.gz | head -n 1)" ]; then \
	  echo "  IMAGE   $(B)/vm/initramfs.cpio.gz"; \
	  vm/mkimage $(B)/vm/initramfs.cpio.gz $(KVER) netmap.ko --tests $(B)/guest/tests \
	    --kmods $(B)/guest/kmods; \
	fi

check: all vm-image
	@tests/check

demo: all vm-image
	@tests/demo

PREFIX ?= /usr/local
install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	install -d $(DESTDIR)$(PREFIX)/include/net
	install -m 0644 include/net/*.h $(DESTDIR)$(PREFIX)/include/net/

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null 2>&1
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kmod clean >/dev/null 2>&1
	rm -rf $(B)
