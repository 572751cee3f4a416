#!/bin/sh
# Stress (issue 14): kill -9 of the processes at the two ends of a flow, on every port type
# pkt-gen opens, while pkt-gen moves frames as fast as the port takes them.  Each pair is:
#   pipe      netmap:sk{1 -> netmap:sk}1
#   vale      vale8:s -> vale8:r (ephemeral VALE ports)
#   veth      netmap:sk0 -> netmap:sk1 (the generic adapter at both ends of a veth pair)
#   host      netmap:sk0^ -> the kernel stack -> netmap:sk0^: frames enter the stack through the
#             host TX ring, are forwarded (ip_forward) back out of sk0 and come up the host RX
#             ring, so both host rings carry traffic as fast as the sender goes.  A third pkt-gen
#             holds sk0's NIC rings meanwhile: the stack's frames reach the host RX ring only
#             while the NIC TX ring is in netmap mode (spec 7.7)
#   persist   netmap:skp0 -> netmap:skp1 (persistent VALE ports on switch vale8)
# and each pair is killed three ways, 2 * NM_STRESS_ITERS times each:
#   receiver  the sender runs throughout; receivers start, get traffic and are killed;
#   sender    the receiver runs throughout; senders start, get going and are killed;
#   both      both start, traffic flows, both are killed at once.
# Every second kill comes at a random moment from 0 to 300 ms after the start, whatever the
# process is doing then (opening, mapping, registering); the others come once frames flow.
# After each pair: nothing open, live_objects idle.  The kernel log and the module's unload are
# checked by the runner and vm/run.  This file owns the kill scenarios; stress_close.c owns
# closing a descriptor under a thread that uses it.
. /tests/lib/stress.sh
IP=/sbin/ip
N=$((2 * STRESS_ITERS))
stress_begin kill
kills=0

# One pair killed in one way: kill_loop NAME MODE TX-PORT RX-PORT [EXTRA TX ARGS].
kill_loop() {
	name=$1 mode=$2 txp=$3 rxp=$4 txargs=$5
	stuck=0
	i=0
	t0=$(stress_ms)
	case $mode in
	receiver) pg "$name-tx" -i "$txp" -f tx $txargs; keep=$pg_pid ;;
	sender) pg "$name-rx" -i "$rxp" -f rx; keep=$pg_pid ;;
	*) keep= ;;
	esac
	while [ $i -lt $N ]; do
		i=$((i + 1))
		victims=
		if [ $mode != sender ]; then
			pg "$name-rx" -i "$rxp" -f rx
			victims=$pg_pid
		fi
		if [ $mode != receiver ]; then
			pg "$name-tx" -i "$txp" -f tx $txargs
			victims="$victims $pg_pid"
		fi
		if [ $((i % 2)) = 0 ]; then
			usleep $((1000 * (RANDOM % 300)))
		else
			watch=$name-rx
			[ $mode = sender ] && watch=$name-tx
			flowing $watch || { stuck=$((stuck + 1)); shown $watch; }
			usleep $((1000 * (RANDOM % 50)))
		fi
		kill9 $victims
		kills=$((kills + 1))
	done
	[ -n "$keep" ] && kill9 $keep
	echo "# kill: $name: $N kills of the $mode in $(($(stress_ms) - t0)) ms"
	t "kill: $name, the $mode killed $N times: traffic flowed before every kill meant to wait for it" \
		'[ $stuck = 0 ]'
}

# --- the ports ---
$IP link add sk0 type veth peer name sk1
for d in sk0 sk1; do
	echo 1 > /proc/sys/net/ipv6/conf/$d/disable_ipv6
	$IP link set $d up
done
# host: frames to 10.1.0.1 with sk0's MAC come up sk0's stack and are forwarded back out of it
fwd0=$(cat /proc/sys/net/ipv4/ip_forward)
echo 1 > /proc/sys/net/ipv4/ip_forward
echo 0 > /proc/sys/net/ipv4/conf/all/send_redirects
echo 0 > /proc/sys/net/ipv4/conf/sk0/send_redirects
$IP addr add 10.0.0.254/8 dev sk0
$IP neigh add 10.1.0.1 lladdr 02:00:00:00:0e:01 dev sk0 nud permanent
mac0=$(cat /sys/class/net/sk0/address)

for mode in receiver sender both; do
	kill_loop pipe $mode 'netmap:sk{1' 'netmap:sk}1'
done
check_idle "kill: pipe"
for mode in receiver sender both; do
	kill_loop vale $mode vale8:s vale8:r
done
check_idle "kill: vale"
for mode in receiver sender both; do
	kill_loop veth $mode netmap:sk0 netmap:sk1
done
check_idle "kill: veth"
pg nic -i netmap:sk0 -f rx
nic=$pg_pid
for mode in receiver sender both; do
	kill_loop host $mode 'netmap:sk0^' 'netmap:sk0^' "-D $mac0 -s 10.0.0.1 -d 10.1.0.1"
done
kill9 $nic
check_idle "kill: host rings"
$IP link del sk0
echo "$fwd0" > /proc/sys/net/ipv4/ip_forward

# The persistent ports hold objects of their own while they exist.
vale-ctl -n skp0 && vale-ctl -n skp1 && vale-ctl -a vale8:skp0 && vale-ctl -a vale8:skp1 ||
	echo "not ok - kill: persistent ports skp0 and skp1 on vale8"
persist_idle=$(cat $NMSYS/live_objects)
for mode in receiver sender both; do
	kill_loop persist $mode netmap:skp0 netmap:skp1
done
t "kill: persistent VALE ports: nothing open, live_objects back to $persist_idle" \
	'settled $persist_idle'
vale-ctl -d vale8:skp0
vale-ctl -d vale8:skp1
t "kill: the persistent ports are removed (DELIF) once nobody uses them" \
	'vale-ctl -r skp0 && vale-ctl -r skp1'
stress_end $kills
