# tests/pkg-lib.sh - shell helpers that the packaging tests (tests/pkg/dkms, tests/pkg/deb) source.
# Not a test itself: it lives outside tests/pkg/, whose every file tests/check runs.  Bash; the
# caller sets $top, the top of the tree.
# shellcheck shell=bash disable=SC2154

# t NAME COMMAND: prints `ok - NAME` if COMMAND (eval'd) succeeds, `not ok - NAME` otherwise, and
# counts the latter in nm_failed (a test ends with `[ "$nm_failed" = 0 ]`: its exit status).
nm_failed=0
t() {
	if eval "$2"; then
		echo "ok - $1"
	else
		echo "not ok - $1"
		nm_failed=$((nm_failed + 1))
	fi
}

# The Debian packages debian/control defines, with the -dbgsym packages debhelper adds.
nm_debs() {
	local p
	for p in $(sed -n 's/^Package: *//p' "$top/debian/control"); do
		echo "$p"
		echo "$p-dbgsym"
	done
}

# nm_pkg_clean VERSION: leaves no netmap module source behind: purges the netmap Debian packages
# (make deb) if any is installed, then removes netmap/VERSION from DKMS and /usr/src/netmap-VERSION
# (make dkms-install, tests/pkg/dkms).  Both tests start and end with it, so that either can run
# after the other, or after a run of either that was killed.
nm_pkg_clean() {
	local ver=$1 p st installed=""
	for p in $(nm_debs); do
		st=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null)
		[ -n "$st" ] && [ "$st" != not-installed ] && installed="$installed $p"
	done
	if [ -n "$installed" ]; then
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq $installed > /dev/null 2>&1 ||
			dpkg --purge $installed > /dev/null 2>&1
	fi
	dkms remove "netmap/$ver" --all > /dev/null 2>&1
	rm -rf "/usr/src/netmap-$ver"
}

# nm_pkg_boot KVER MODULE DIR: boots the guest of make check with MODULE as its netmap.ko (the
# image is written in DIR), checks that the guest loaded that very file (md5) and moves 20000
# frames over a pipe with pkt-gen.  Prints ok/not ok lines.
nm_pkg_boot() {
	local kver=$1 mod=$2 dir=$3 sum out st
	sum=$(md5sum < "$mod" | cut -d' ' -f1)
	make -s guest-progs test-kmods > /dev/null
	mkdir -p "$dir/kmods"
	cp -p "$top"/tests/kmod/*.ko "$dir/kmods/"
	"$top/vm/mkimage" "$dir/initramfs.cpio.gz" "$kver" "$mod" --tests "$top/build/guest/tests" \
		--tools "$top/build/guest/tools" --kmods "$dir/kmods"
	out=$(NM_GUEST_IMAGE=$dir/initramfs.cpio.gz "$top/vm/run" --timeout 300 -- sh -c "
		echo module \$(md5sum < /lib/netmap/netmap.ko)
		pkt-gen -i netmap:dk}1 -f rx -n 20000 -w 0 > /tmp/rx.out 2>&1 &
		sleep 1
		pkt-gen -i netmap:dk{1 -f tx -n 20000 -w 0 > /dev/null 2>&1
		wait
		grep -o 'Received [0-9]* packets' /tmp/rx.out" 2>&1)
	st=$?
	t "the guest loaded that module (md5 $sum)" "grep -q 'module $sum' <<< \"\$out\""
	t "pkt-gen moves 20000 frames over a pipe with it" "grep -q 'Received 20000 packets' <<< \"\$out\""
	t "the guest run ends cleanly (no splat, rmmod; vm/run status $st)" "[ $st = 0 ]"
}
