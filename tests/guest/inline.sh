#!/bin/sh
# The inline-filter case (issue 5): bridge between netmap:ilv0 and its host rings carries the
# kernel's own ping and TCP traffic through user space, and it still works: 4 MB each way over
# one TCP connection, byte for byte.
. /tests/lib/net.sh
IP=/sbin/ip
veth_ns ilv0 ilv1 peer 10.77.0
t "ping works before netmap" 'ping -c 1 -W 2 10.77.0.2 >/dev/null'
bridge -w 0 -i netmap:ilv0 >/tmp/inline-bridge.log 2>&1 &
br=$!
wait_line /tmp/inline-bridge.log "Ready to go"
t "bridge runs between netmap:ilv0 and ilv0^" 'kill -0 $br && grep -q "Ready to go" /tmp/inline-bridge.log'
t "ping through the user-space bridge" 'ping -c 3 -W 2 10.77.0.2 >/dev/null'
t "TCP through the bridge, stack -> peer: 4 MB intact" 'tcp_bulk "" peer 10.77.0.2 7777 4000000'
t "TCP through the bridge, peer -> stack: 4 MB intact" 'tcp_bulk peer "" 10.77.0.1 7778 4000000'
# veth hands the peer's TSO frames on whole: the adapter must segment them, not drop them
t "no frame lost to offloads (rx_drop_offload, host_rx_drop_offload 0)" \
  '[ "$(gen_counter ilv0 rx_drop_offload)" = 0 ] && [ "$(gen_counter ilv0 host_rx_drop_offload)" = 0 ]'
kill -INT $br
wait $br
t "bridge exits cleanly" '[ $? = 0 ]'
t "ping works again without netmap" 'ping -c 1 -W 2 10.77.0.2 >/dev/null'
$IP link del ilv0
$IP netns del peer
