#!/bin/sh
# tests/guest/vale_polling.sh - VALE_POLLING_ENABLE/DISABLE (spec §7.2) through vale-ctl -p/-P:
# a veth end (pv0) on switch vale3 with polling threads moves frames both ways between the other
# end (pv1, pkt-gen through the generic adapter) and a VALE port, the threads exist on the CPUs
# asked for and go on DISABLE; every error the spec lists; DETACH refused while polling; and
# rmmod with polling active stops the threads (the module is loaded again afterwards).
. /tests/lib/net.sh

NMSYS=/sys/class/misc/netmap
idle=$(cat $NMSYS/live_objects)
modprobe veth
/sbin/ip link add pv0 type veth peer name pv1
/sbin/ip link set pv0 up
/sbin/ip link set pv1 up
echo 1 > /proc/sys/net/ipv6/conf/pv0/disable_ipv6
echo 1 > /proc/sys/net/ipv6/conf/pv1/disable_ipv6

# pollers: the names of the running polling threads, sorted, on one line.
pollers() { cat /proc/[0-9]*/comm 2>/dev/null | grep '^nm-poll/' | sort | xargs; }
# fails ERRNO-TEXT CMD...: CMD fails and says strerror(ERRNO) (vale-ctl prints it).
fails() {
	_want=$1
	shift
	_out=$("$@" 2>&1) && return 1
	case $_out in *"$_want"*) return 0 ;; esac
	echo "# $*: $_out"
	return 1
}

t "vale-ctl -a vale3:pv0 (the veth end on a switch)" "vale-ctl -a vale3:pv0"
t "not polling yet: -P gives EFAULT (Compat)" "fails 'Bad address' vale-ctl -P vale3:pv0"
t "SINGLE_CPU on a CPU that is not online: EINVAL" "fails 'Invalid argument' vale-ctl -p vale3:pv0 -C 0,7"
t "MULTI_CPU from ring 1 of a one-ring device: EINVAL" \
	"fails 'Invalid argument' vale-ctl -p vale3:pv0 -C 1,1,1"
t "as many CPUs as are online: EINVAL" "fails 'Invalid argument' vale-ctl -p vale3:pv0 -C 1,0,2"
t "a name without the VALE prefix: EINVAL" "fails 'Invalid argument' vale-ctl -p pv0 -C 0,1"
t "a port not on the switch: ENXIO" "fails 'No such device' vale-ctl -p vale3:nope -C 0,1"
pkt-gen -i vale3:held -f rx -w 0 > /dev/null 2>&1 &
held=$!
sleep 1
t "a VALE port: EOPNOTSUPP" "fails 'Operation not supported' vale-ctl -p vale3:held -C 0,1"
kill -INT $held
wait $held

t "vale-ctl -p vale3:pv0 -C 0,1: one thread for every ring, on CPU 1" \
	"vale-ctl -p vale3:pv0 -C 0,1 && [ \"\$(pollers)\" = nm-poll/1 ]"
t "enabling twice: EFAULT (Compat)" "fails 'Bad address' vale-ctl -p vale3:pv0 -C 0,1"
t "DETACH while polling: EBUSY" "fails 'Device or resource busy' vale-ctl -d vale3:pv0"

# One direction at a time (pkt-gen's frames are broadcast: a switch floods them to every port).
got() { sed -n 's/^Received \([0-9][0-9]*\) packets.*/\1/p' "$1" | tail -n 1; }
# through RX TX: pkt-gen -f rx on RX for 20000 frames that pkt-gen -f tx sends on TX, both on
# CPU 0: the polling thread has CPU 1 to itself.
through() {
	taskset 1 pkt-gen -i "$1" -f rx -n 20000 -w 0 > /tmp/poll-rx.out 2>&1 &
	_rx=$!
	sleep 2
	taskset 1 pkt-gen -i "$2" -f tx -n 20000 -R 10000 -w 0 > /dev/null 2>&1
	_i=0
	while kill -0 $_rx 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	kill -INT $_rx 2>/dev/null
	wait $_rx
	got /tmp/poll-rx.out
}
n=$(through vale3:pr netmap:pv1)
t "polled in: pv1's 20000 frames reach the VALE port through pv0 ($n)" "[ '$n' = 20000 ]"
n=$(through netmap:pv1 vale3:ps)
t "polled out: the VALE port's 20000 frames reach pv1 through pv0 ($n)" "[ '$n' = 20000 ]"

t "vale-ctl -P vale3:pv0: the thread is gone" "vale-ctl -P vale3:pv0 && [ -z \"\$(pollers)\" ]"
t "MULTI_CPU ring 0 on CPU 0: one thread, nm-poll/0" \
	"vale-ctl -p vale3:pv0 -C 1,0,1 && [ \"\$(pollers)\" = nm-poll/0 ]"
t "DISABLE, then DETACH succeeds" "vale-ctl -P vale3:pv0 && vale-ctl -d vale3:pv0"

# Unload with a polling thread running: the attachment goes, and its thread with it.
vale-ctl -a vale3:pv0 && vale-ctl -p vale3:pv0 -C 0,1
t "rmmod netmap with polling active: the module unloads and the thread is gone" \
	"[ \"\$(pollers)\" = nm-poll/1 ] && rmmod netmap && [ -z \"\$(pollers)\" ]"
t "the module loads again" "insmod /lib/netmap/netmap.ko"
/sbin/ip link del pv0
t "live_objects back to idle ($idle)" "[ \"\$(cat $NMSYS/live_objects)\" = $idle ]"
