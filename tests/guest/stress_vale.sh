#!/bin/sh
# Stress (issue 14): a VALE switch whose ports come and go while pkt-gen floods it.  This file
# owns the switch's membership changes; a device disappearing under its port is stress_remove.sh's.
#
# Switch vale5 carries, throughout:
#   tx vale5:s (broadcast: every port gets a copy) and rx vale5:r;
#   the veth end sv0 when attached: tx netmap:sv1 sends into sv0 (frames enter the switch there),
#   rx netmap:sv1 takes what the switch sends out of sv0.
# Meanwhile, 20 * NM_STRESS_ITERS times: vale-ctl -a vale5:sv0 (every second time -h, so that
# the host port vale5:sv0^ joins too), 0-100 ms of traffic, vale-ctl -d vale5:sv0.  And in the
# background, until those are done: ephemeral ports vale5:j0..j3 join and leave, a pkt-gen rx or
# tx opening one and being killed (-9 or SIGINT) 0-300 ms later.
# Checks: every attach and detach succeeds, traffic crosses the device port in the attachments
# that last, sv1 (open in netmap mode) cannot be attached (EBUSY), the switch is gone with its
# last port, nothing is left open and live_objects is idle.
. /tests/lib/stress.sh
IP=/sbin/ip
N=$((20 * STRESS_ITERS))
stress_begin vale
iters=0

$IP link add sv0 type veth peer name sv1
for d in sv0 sv1; do
	echo 1 > /proc/sys/net/ipv6/conf/$d/disable_ipv6
	$IP link set $d up
done
pg vs -i vale5:s -f tx
p1=$pg_pid
pg vr -i vale5:r -f rx
p2=$pg_pid
pg nt -i netmap:sv1 -f tx
p3=$pg_pid
pg nr -i netmap:sv1 -f rx
p4=$pg_pid
t "vale: pkt-gen floods vale5 and sends from sv1" 'flowing vr && flowing nt'
t "vale: sv1, open in netmap mode, cannot be attached: EBUSY" \
	'vale-ctl -a vale5:sv1 2>&1 | grep -q "Device or resource busy"'

# Ephemeral ports join and leave in the background; the count goes to /tmp/sv-joins.
rm -f /tmp/sv-stop
(
	j=0
	while [ ! -e /tmp/sv-stop ]; do
		j=$((j + 1))
		f=rx
		[ $((j % 3)) = 0 ] && f=tx
		pkt-gen -T 100 -w 0 -i vale5:j$((j % 4)) -f $f > /dev/null 2>&1 &
		p=$!
		renice -n 19 -p $p > /dev/null
		usleep $((1000 * (RANDOM % 300)))
		if [ $((j % 2)) = 0 ]; then kill -9 $p; else kill -INT $p; fi
		reap $p 50
		echo $j > /tmp/sv-joins
	done
) &
joiner=$!

bad=0 crossed=0
t0=$(stress_ms)
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	how=-a
	[ $((i % 2)) = 0 ] && how=-h
	vale-ctl $how vale5:sv0 || { bad=$((bad + 1)); echo "# vale-ctl $how vale5:sv0 failed"; }
	usleep $((1000 * (RANDOM % 100)))
	# frames entered the switch from the device and left through it
	grep "^vale5:sv0 " /proc/netmap_vale | grep -qv " [tr]x_pkts 0 " && crossed=$((crossed + 1))
	vale-ctl -d vale5:sv0 || { bad=$((bad + 1)); echo "# vale-ctl -d vale5:sv0 failed"; }
	iters=$((iters + 1))
done
echo "# vale: $N attach/detach in $(($(stress_ms) - t0)) ms, traffic crossed the port in $crossed"
touch /tmp/sv-stop
wait $joiner
joins=$(cat /tmp/sv-joins 2>/dev/null || echo 0)
echo "# vale: $joins ephemeral ports joined and left meanwhile"
iters=$((iters + joins))
t "vale: $N attach/detach of sv0 under traffic, every one succeeds" '[ $bad = 0 ]'
t "vale: traffic crossed the device port while attached ($crossed of $N attachments)" \
	'[ $crossed -gt 0 ]'
t "vale: ephemeral ports joined and left meanwhile ($joins)" '[ $joins -gt 0 ]'
t "vale: the senders and receivers are still running" 'kill -0 $p1 && kill -0 $p2 && kill -0 $p3 && kill -0 $p4'
kill9 $p1 $p2 $p3 $p4
t "vale: vale5 is gone with its last port" '! grep -q "^vale5:" /proc/netmap_vale'
$IP link del sv0
stress_end $iters
