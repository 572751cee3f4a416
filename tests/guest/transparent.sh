#!/bin/sh
# Transparent mode (spec §7.7, linux/generic_fwd.c) with the module parameter fwd=1: a program
# that only receives on netmap:tv0* (NIC and host rings) sees every frame, and what it releases
# goes on to the other side, so the kernel's ping and TCP still cross the device.  With fwd=0 the
# same program swallows the traffic, which shows the forwarding is what carried it.
IP=/sbin/ip
FWD=/sys/module/netmap/parameters/fwd
t() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
counter() {
	awk -v p="$1" -v k="$2" '$1 == p { for (i = 2; i < NF; i++) if ($i == k) print $(i + 1) }' \
		/proc/netmap_generic
}
modprobe veth
$IP netns add tvp
$IP link add tv0 type veth peer name tv1
$IP link set tv1 netns tvp
$IP addr add 10.80.0.1/24 dev tv0
$IP link set tv0 up
$IP netns exec tvp $IP addr add 10.80.0.2/24 dev tv1
$IP netns exec tvp $IP link set tv1 up
t "ping works before netmap" 'ping -c 1 -W 2 10.80.0.2 > /dev/null'

echo 1 > $FWD
pkt-gen -v -w 0 -i 'netmap:tv0*' -f rx > /tmp/tv-rx.out 2>&1 &
rx=$!
i=0
while [ $i -lt 300 ] && ! grep -q 'bound .*rings' /tmp/tv-rx.out; do sleep 0.1; i=$((i + 1)); done
t "pkt-gen -f rx holds the NIC and host rings of tv0" 'grep -q "bound .*rings" /tmp/tv-rx.out'
t "fwd=1: ping crosses the netmap program" 'ping -c 3 -W 3 10.80.0.2 > /dev/null'
$IP netns exec tvp nc -l -p 7780 > /tmp/tv-recv 2>/dev/null &
srv=$!
sleep 0.5
head -c 1000 /dev/urandom > /tmp/tv-send
nc -w 3 10.80.0.2 7780 < /tmp/tv-send
i=0
while [ $i -lt 100 ] && kill -0 $srv 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
kill $srv 2>/dev/null
t "fwd=1: a TCP connection delivers 1000 bytes intact" 'cmp -s /tmp/tv-send /tmp/tv-recv'
t "/proc/netmap_generic counts frames forwarded up and down" \
  '[ "$(counter tv0 fwd_up)" -gt 0 ] && [ "$(counter tv0 fwd_down)" -gt 0 ]'
echo 0 > $FWD
t "fwd=0: the same program swallows the traffic" '! ping -c 2 -W 1 10.80.0.2 > /dev/null'
kill -INT $rx
wait $rx
t "the receiver saw the frames" 'grep -q "^Received [1-9][0-9]* packets" /tmp/tv-rx.out'
t "ping works again without netmap" 'ping -c 1 -W 3 10.80.0.2 > /dev/null'
$IP link del tv0
$IP netns del tvp
