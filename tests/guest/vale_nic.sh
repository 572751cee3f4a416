#!/bin/sh
# A device on a VALE switch (spec §7.2 ATTACH/DETACH of an interface; core/vale_nic.c):
#   - vale-ctl -a valeX:vn0 puts a veth end on a switch; frames go both ways between it and a VALE
#     port, every one checked by sequence number (pkt-gen txseq/rxseq), and the port's counters
#     in /proc/netmap_vale count them;
#   - while attached, netmap:vn0 and a second attach answer EBUSY;
#   - vale-ctl -h adds the host stack as port valeX:vn0^: the kernel's own ping and 4 MB of TCP
#     each way cross the switch; the host port cannot be detached alone;
#   - after -d the device is a plain interface again; deleting the veth while it is attached
#     hurts nothing and DETACH still works.
. /tests/lib/net.sh
IP=/sbin/ip
peer() { $IP netns exec vnp "$@"; }

# Waits (up to 30 s: opening a device maps the global region, slow under TCG) for pkt-gen -v's
# "bound" line in file $1.
bound() { wait_line "$1" 'bound .*rings' 300; }

# Waits up to $2 s for process $1 to end; kills it if it does not.
reap() {
	i=0
	while [ $i -lt $(($2 * 10)) ] && kill -0 "$1" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -INT "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# One direction: rxseq on $1 (run with prefix $2), txseq of N frames at 2000 pps on $3 (prefix $4).
seq_test() {
	rxp=$1 rxpre=$2 txp=$3 txpre=$4 n=$5
	$rxpre pkt-gen -v -w 0 -i "$rxp" -f rxseq -n "$n" > /tmp/vn-rx.out 2>&1 &
	rx=$!
	bound /tmp/vn-rx.out || { echo "# receiver on $rxp did not come up"; sed "s/^/#   /" /tmp/vn-rx.out; }
	$txpre pkt-gen -v -w 0 -i "$txp" -f txseq -n "$n" -R 2000 > /tmp/vn-tx.out 2>&1
	reap $rx 30
	grep -q "^Received $n packets" /tmp/vn-rx.out &&
		grep -q '^Sequence check: 0 lost, 0 out of order, 0 corrupt' /tmp/vn-rx.out ||
		{ sed 's/^/#   rx: /' /tmp/vn-rx.out | tail -n 5; sed 's/^/#   tx: /' /tmp/vn-tx.out | tail -n 3; false; }
}

# The value of counter $2 on the /proc/netmap_vale line of port $1.
counter() { proc_counter /proc/netmap_vale "$1" "$2"; }

modprobe veth
echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null
$IP netns add vnp
peer sh -c 'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null
$IP link add vn0 type veth peer name vn1
$IP link set vn1 netns vnp
$IP link set vn0 up
peer $IP link set vn1 up
peer $IP link set lo up

# --- the NIC alone ---
t "vale-ctl -a vale1:vn0 attaches the device" 'vale-ctl -a vale1:vn0'
t "vale-ctl lists it as port 0 of vale1" 'vale-ctl | grep -q "^vale1:vn0 bridge_idx [0-9]* port_idx 0$"'
t "netmap:vn0 while attached: EBUSY" \
  'pkt-gen -w 0 -i netmap:vn0 -f rx -n 1 2>&1 | grep -q "Unable to open netmap:vn0: Device or resource busy"'
t "vale1:vn0 cannot be registered by a program: EBUSY" \
  'pkt-gen -w 0 -i vale1:vn0 -f rx -n 1 2>&1 | grep -q "Device or resource busy"'
t "attaching it to a second switch: EBUSY" \
  'vale-ctl -a vale2:vn0 2>&1 | grep -q "Device or resource busy"'
t "a VALE port -> the device: 2000 frames, in order, intact" \
  'seq_test netmap:vn1 peer vale1:p "" 2000'
t "the device -> a VALE port: 2000 frames, in order, intact" \
  'seq_test vale1:p "" netmap:vn1 peer 2000'
t "/proc/netmap_vale counts both directions on vale1:vn0" \
  '[ "$(counter vale1:vn0 rx_pkts)" -ge 2000 ] && [ "$(counter vale1:vn0 tx_pkts)" -ge 2000 ]'
t "vale-ctl -d vale1:vn0 detaches it" 'vale-ctl -d vale1:vn0'
t "vale1 is gone with its last port" '! grep -q "^vale1:" /proc/netmap_vale'
t "netmap:vn0 opens again after the detach" \
  'pkt-gen -v -w 0 -i netmap:vn0 -f rx -n 1 > /tmp/vn-open.out 2>&1 & p=$!; bound /tmp/vn-open.out; r=$?; kill -INT $p; wait $p; [ $r = 0 ]'

# --- the NIC and its host stack: the kernel's traffic crosses the switch ---
$IP addr add 10.79.0.1/24 dev vn0
peer $IP addr add 10.79.0.2/24 dev vn1
t "vale-ctl -h vale2:vn0 attaches the device and its host stack" 'vale-ctl -h vale2:vn0'
t "both ports are listed: vale2:vn0 and vale2:vn0^" \
  'vale-ctl | grep -q "^vale2:vn0 " && vale-ctl | grep -q "^vale2:vn0^ "'
t "ping through the switch (stack -> host port -> NIC port -> peer, and back)" \
  'ping -c 3 -W 3 10.79.0.2 > /dev/null'
t "TCP through the switch, stack -> peer: 4 MB intact" 'tcp_bulk "" vnp 10.79.0.2 7779 4000000'
t "TCP through the switch, peer -> stack: 4 MB intact" 'tcp_bulk vnp "" 10.79.0.1 7780 4000000'
t "the host port cannot be detached alone: EBUSY" \
  'vale-ctl -d "vale2:vn0^" 2>&1 | grep -q "Device or resource busy"'
t "detaching vale2:vn0 removes both ports" \
  'vale-ctl -d vale2:vn0 && ! grep -q "^vale2:" /proc/netmap_vale'
t "ping works again without netmap" 'ping -c 1 -W 3 10.79.0.2 > /dev/null'

# --- a device with more queues than a port has rings (20 > 16) ---
$IP link add mq0 numtxqueues 20 numrxqueues 20 type veth peer name mq1 numtxqueues 20 numrxqueues 20
$IP link set mq0 up
$IP link set mq1 up
t "vale-ctl -a vale4:mq0 attaches a device with 20 queues" 'vale-ctl -a vale4:mq0'
# netmap TX ring 17 of mq1 sends on queue 17, which mq0 receives on a ring past the port's 16
t "frames the device receives on a ring past 16 reach the switch: 500, in order, intact" \
  'seq_test vale4:p "" netmap:mq1-17 "" 500'
t "vale-ctl -d vale4:mq0" 'vale-ctl -d vale4:mq0'
$IP link del mq0

# --- the device disappears while attached ---
t "vale-ctl -a vale3:vn0 (again)" 'vale-ctl -a vale3:vn0'
$IP link del vn0
t "the veth is deleted while attached; DETACH still works" 'vale-ctl -d vale3:vn0'
t "nothing is left on any switch" '! grep -q "vn0" /proc/netmap_vale'
$IP netns del vnp
