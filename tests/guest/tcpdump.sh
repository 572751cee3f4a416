#!/bin/sh
# tests/guest/tcpdump.sh - Debian's tcpdump, unmodified, captures from netmap ports through
# Debian's libpcap rebuilt with netmap support (scripts/libpcap-netmap; the image has it in
# /usr/local/lib/netmap-pcap): on a VALE port, on a veth through the generic adapter, with a BPF
# filter, and on a monitor of a port pkt-gen owns.  Each capture is written with -w, read back
# with -r and compared with what pkt-gen sent: count, addresses, ports, lengths.
. /tests/lib/net.sh

TCPDUMP=/usr/bin/tcpdump
export LD_LIBRARY_PATH=/usr/local/lib/netmap-pcap
if [ ! -x $TCPDUMP ] || [ ! -e $LD_LIBRARY_PATH/libpcap.so.0.8 ]; then
	echo "not ok - tcpdump and the netmap libpcap are in the image (vm/mkimage --pcap)"
	exit 1
fi

# capture NAME IFACE FILTER COUNT: tcpdump -c COUNT -w /tmp/NAME.pcap in the background; waits
# until it listens.
capture() {
	# shellcheck disable=SC2086
	$TCPDUMP -Z root -nn -c "$4" -w "/tmp/$1.pcap" -i "$2" $3 > "/tmp/$1.out" 2>&1 &
	echo $! > "/tmp/$1.pid"
	wait_line "/tmp/$1.out" 'listening on' 100
}

# finish NAME: waits up to 20 s for tcpdump NAME to exit; its status.
finish() {
	_pid=$(cat "/tmp/$1.pid")
	_i=0
	while kill -0 "$_pid" 2>/dev/null && [ $_i -lt 200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill "$_pid" 2>/dev/null
	wait "$_pid"
}

# frames NAME PATTERN: how many frames of /tmp/NAME.pcap, read back, match PATTERN.
frames() {
	$TCPDUMP -Z root -nn -r "/tmp/$1.pcap" 2>/dev/null | grep -c -E "$2"
}

# pkt-gen's default frames: UDP 10.0.0.1:1234 -> 10.1.0.1:1234, 60 bytes on the wire.
UDP='IP 10\.0\.0\.1\.1234 > 10\.1\.0\.1\.1234: UDP, length 18$'

# VALE port: tcpdump opens vale0:tb itself.
capture vale vale0:tb "" 100
t "tcpdump listens on vale0:tb" "grep -q 'listening on vale0:tb' /tmp/vale.out"
pkt-gen -i vale0:ta -f tx -n 100 -w 0 > /dev/null 2>&1
finish vale
t "tcpdump -c 100 -w on vale0:tb: 100 frames, each pkt-gen's UDP frame ($(frames vale "$UDP"))" \
	"[ $(frames vale "$UDP") = 100 ] && [ $(frames vale .) = 100 ]"

# A veth through the generic adapter: netmap:tv1 while pkt-gen sends on netmap:tv0.
modprobe veth
/sbin/ip link add tv0 type veth peer name tv1
echo 1 > /proc/sys/net/ipv6/conf/tv0/disable_ipv6
echo 1 > /proc/sys/net/ipv6/conf/tv1/disable_ipv6
/sbin/ip link set tv0 up
/sbin/ip link set tv1 up
capture veth netmap:tv1 "" 100
pkt-gen -i netmap:tv0 -f tx -n 100 -R 2000 -w 0 > /dev/null 2>&1
finish veth
t "tcpdump -c 100 -w on netmap:tv1: 100 frames, each pkt-gen's UDP frame ($(frames veth "$UDP"))" \
	"[ $(frames veth "$UDP") = 100 ]"

# A BPF filter: 50 frames to port 5678 first, then 50 to 1234 (both from port 1234); only the
# second 50 are kept.  libpcap's netmap module counts the frames its filter drops towards -c
# (pcap-netmap.c returns nm_dispatch's count of frames seen), so -c 100 ends after both batches.
capture filter netmap:tv1 "udp dst port 1234" 100
pkt-gen -i netmap:tv0 -f tx -n 50 -R 2000 -w 0 -d 10.1.0.1:5678 > /dev/null 2>&1
pkt-gen -i netmap:tv0 -f tx -n 50 -R 2000 -w 0 > /dev/null 2>&1
finish filter
t "tcpdump 'udp dst port 1234' on netmap:tv1: the 50 frames to 1234, none of the 50 to 5678 ($(frames filter "$UDP"), $(frames filter 5678))" \
	"[ $(frames filter "$UDP") = 50 ] && [ $(frames filter 5678) = 0 ]"

# A monitor: pkt-gen owns netmap:tv1, tcpdump watches it as netmap:tv1/rt.
pkt-gen -i netmap:tv1 -f rx -n 100 -w 0 > /tmp/rx.out 2>&1 &
rx=$!
wait_line /proc/netmap_rings '^tv1 rx0 ' 100
capture mon netmap:tv1/rt "" 100
pkt-gen -i netmap:tv0 -f tx -n 100 -R 2000 -w 0 > /dev/null 2>&1
finish mon
_i=0
while kill -0 $rx 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
kill $rx 2>/dev/null
wait $rx
t "tcpdump on the monitor netmap:tv1/rt: pkt-gen's 100 frames ($(frames mon "$UDP"))" \
	"[ $(frames mon "$UDP") = 100 ]"
t "and pkt-gen, which owns netmap:tv1, received its 100" "grep -q 'Received 100 packets' /tmp/rx.out"
/sbin/ip link del tv0
