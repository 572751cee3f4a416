#!/bin/sh
# Transparent mode (spec §7.7, linux/generic_fwd.c) with the module parameter fwd=1: a program
# that only receives on netmap:tv0* (NIC and host rings) sees every frame, and what it releases
# goes on to the other side, so the kernel's ping and TCP still cross the device.  With fwd=0 the
# same program swallows the traffic, which shows the forwarding is what carried it.
. /tests/lib/net.sh
IP=/sbin/ip
FWD=/sys/module/netmap/parameters/fwd
veth_ns tv0 tv1 tvp 10.80.0
t "ping works before netmap" 'ping -c 1 -W 2 10.80.0.2 > /dev/null'

echo 1 > $FWD
pkt-gen -v -w 0 -i 'netmap:tv0*' -f rx > /tmp/tv-rx.out 2>&1 &
rx=$!
wait_line /tmp/tv-rx.out 'bound .*rings' 300
t "pkt-gen -f rx holds the NIC and host rings of tv0" 'grep -q "bound .*rings" /tmp/tv-rx.out'
t "fwd=1: ping crosses the netmap program" 'ping -c 3 -W 3 10.80.0.2 > /dev/null'
t "fwd=1: TCP stack -> peer, 4 MB intact" 'tcp_bulk "" tvp 10.80.0.2 7780 4000000'
t "fwd=1: TCP peer -> stack, 4 MB intact" 'tcp_bulk tvp "" 10.80.0.1 7781 4000000'
t "/proc/netmap_generic counts frames forwarded up and down" \
  '[ "$(gen_counter tv0 fwd_up)" -gt 0 ] && [ "$(gen_counter tv0 fwd_down)" -gt 0 ]'
echo 0 > $FWD
t "fwd=0: the same program swallows the traffic" '! ping -c 2 -W 1 10.80.0.2 > /dev/null'
kill -INT $rx
wait $rx
t "the receiver saw the frames" 'grep -q "^Received [1-9][0-9]* packets" /tmp/tv-rx.out'
t "ping works again without netmap" 'ping -c 1 -W 3 10.80.0.2 > /dev/null'
$IP link del tv0
$IP netns del tvp
