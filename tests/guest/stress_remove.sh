#!/bin/sh
# Stress (issue 14): the interface under open ports disappears while pkt-gen moves frames.  This
# file owns the removal scenarios; attaching and detaching devices to VALE is stress_vale.sh's.
#
# veth (3 * NM_STRESS_ITERS times): a veth pair sr0/sr1 with four pkt-gen on it, NIC rings and
#   host rings both ways: tx netmap:sr0 -> rx netmap:sr1, and tx netmap:sr0^ -> the stack, which
#   forwards back out of sr0 -> rx netmap:sr0^ (stress_kill.sh explains the forwarding).  Then
#   `ip link del` of one end (sr0 or sr1 in turn), once frames flow or at a random moment 0-500 ms
#   after the start (while the programs may still be opening).  Every pkt-gen must see the error
#   and exit by itself (spec 7.6: EIO, POLLERR), nothing may stay open and live_objects returns to
#   idle.
# persist (3 * NM_STRESS_ITERS times): a persistent VALE port srp0 on vale6, tx netmap:srp0 ->
#   rx vale6:r.  While it sends: DELIF (vale-ctl -r) fails with EBUSY, `ip link del srp0` is
#   refused, DETACH succeeds under the open port, then DELIF and ATTACH fail with EBUSY (spec 7.2:
#   the port is open) and the sender goes on.  Then the sender is killed with -9 while DELIF is
#   retried in a loop: it must succeed as soon as the port is closed (within 5 s), and the
#   interface must be gone.
# race (6 * NM_STRESS_ITERS times): DELIF and a pkt-gen opening the port start together (or
#   DELIF 0-60 ms later): DELIF either comes first (the program's open fails) or gets EBUSY and
#   succeeds once the program is killed.
. /tests/lib/stress.sh
IP=/sbin/ip
N=$((3 * STRESS_ITERS))
stress_begin remove
iters=0

# --- veth deleted under its open ports ---
fwd0=$(cat /proc/sys/net/ipv4/ip_forward)
echo 1 > /proc/sys/net/ipv4/ip_forward
echo 0 > /proc/sys/net/ipv4/conf/all/send_redirects
stuck=0 hung=0 errs=0
t0=$(stress_ms)
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	$IP link add sr0 type veth peer name sr1
	for d in sr0 sr1; do
		echo 1 > /proc/sys/net/ipv6/conf/$d/disable_ipv6
		echo 0 > /proc/sys/net/ipv4/conf/$d/send_redirects
		$IP link set $d up
	done
	$IP addr add 10.0.0.254/8 dev sr0
	$IP neigh add 10.1.0.1 lladdr 02:00:00:00:0e:01 dev sr0 nud permanent
	pg rx -i netmap:sr1 -f rx
	p1=$pg_pid
	pg tx -i netmap:sr0 -f tx
	p2=$pg_pid
	pg hrx -i 'netmap:sr0^' -f rx
	p3=$pg_pid
	pg htx -i 'netmap:sr0^' -f tx -D "$(cat /sys/class/net/sr0/address)" -s 10.0.0.1 -d 10.1.0.1
	p4=$pg_pid
	if [ $((i % 2)) = 1 ]; then
		for f in rx hrx; do flowing $f || { stuck=$((stuck + 1)); shown $f; }; done
		usleep $((1000 * (RANDOM % 100)))
	else
		usleep $((1000 * (RANDOM % 500)))
	fi
	victim=sr$((i % 2))
	$IP link del $victim || errs=$((errs + 1))
	for p in $p1 $p2 $p3 $p4; do
		reap $p 80 || { hung=$((hung + 1)); echo "# pid $p was still running 8 s after $victim went"; }
	done
	[ -e /sys/class/net/sr0 ] || [ -e /sys/class/net/sr1 ] && errs=$((errs + 1))
	settled || errs=$((errs + 1))
	iters=$((iters + 1))
done
echo "$fwd0" > /proc/sys/net/ipv4/ip_forward
echo "# remove: veth: $N deletions under 4 open ports in $(($(stress_ms) - t0)) ms"
t "remove: veth: traffic flowed before every deletion meant to wait for it" '[ $stuck = 0 ]'
t "remove: veth: every pkt-gen exits by itself once its device is gone ($hung did not)" '[ $hung = 0 ]'
t "remove: veth: $N deletions, each leaves nothing open and live_objects idle" '[ $errs = 0 ]'

# --- a persistent VALE port: DELIF, ip link del, DETACH and ATTACH under an open port ---
busy() { vale-ctl "$@" 2>&1 | grep -q "Device or resource busy"; }
bad=0 slow=0
t0=$(stress_ms)
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	vale-ctl -n srp0 && vale-ctl -a vale6:srp0 || bad=$((bad + 1))
	pg prx -i vale6:r -f rx
	p1=$pg_pid
	pg ptx -i netmap:srp0 -f tx
	p2=$pg_pid
	flowing prx || { bad=$((bad + 1)); shown prx; }
	busy -r srp0 || { bad=$((bad + 1)); echo "# DELIF of an attached, open port did not fail with EBUSY"; }
	$IP link del srp0 2>/dev/null && { bad=$((bad + 1)); echo "# ip link del srp0 succeeded"; }
	vale-ctl -d vale6:srp0 || { bad=$((bad + 1)); echo "# DETACH under the open port failed"; }
	busy -r srp0 || { bad=$((bad + 1)); echo "# DELIF of an open port did not fail with EBUSY"; }
	busy -a vale6:srp0 || { bad=$((bad + 1)); echo "# ATTACH of an open port did not fail with EBUSY"; }
	kill -0 $p2 || { bad=$((bad + 1)); echo "# the sender died"; shown ptx; }
	kill -9 $p2
	j=0
	until vale-ctl -r srp0 2>/dev/null; do
		j=$((j + 1))
		[ $j -lt 500 ] || { slow=$((slow + 1)); break; }
		usleep 10000
	done
	wait $p2 2>/dev/null
	kill9 $p1
	[ -e /sys/class/net/srp0 ] && { bad=$((bad + 1)); echo "# srp0 still exists"; vale-ctl -r srp0; }
	settled || bad=$((bad + 1))
	iters=$((iters + 1))
done
echo "# remove: persist: $N rounds in $(($(stress_ms) - t0)) ms"
t "remove: persist: under the sender DELIF and ATTACH give EBUSY, ip link del is refused, DETACH works" \
	'[ $bad = 0 ]'
t "remove: persist: DELIF retried while the sender is killed succeeds within 5 s, $N times" \
	'[ $slow = 0 ]'

# --- DELIF racing with a program that opens the port: whoever comes first wins, cleanly ---
bad=0 won=0
t0=$(stress_ms)
i=0
while [ $i -lt $((2 * N)) ]; do
	i=$((i + 1))
	vale-ctl -n srq0 || bad=$((bad + 1))
	if [ $((i % 2)) = 0 ]; then
		vale-ctl -r srq0 2>/dev/null &
		d=$!
		pg race -i netmap:srq0 -f tx
		p1=$pg_pid
	else
		pg race -i netmap:srq0 -f tx
		p1=$pg_pid
		usleep $((1000 * (RANDOM % 60)))
		vale-ctl -r srq0 2>/dev/null &
		d=$!
	fi
	if wait $d; then
		won=$((won + 1))	# DELIF first: the open fails (ENXIO) or never happened
		reap $p1 50 || { bad=$((bad + 1)); echo "# pkt-gen still runs on a deleted port"; }
	else
		kill9 $p1
		vale-ctl -r srq0 || bad=$((bad + 1))
	fi
	[ -e /sys/class/net/srq0 ] && { bad=$((bad + 1)); echo "# srq0 still exists"; vale-ctl -r srq0; }
	settled || bad=$((bad + 1))
	iters=$((iters + 1))
done
echo "# remove: race: $((2 * N)) rounds in $(($(stress_ms) - t0)) ms, DELIF came first $won times"
t "remove: race: DELIF against a program opening the port, $((2 * N)) times: one wins, nothing left" \
	'[ $bad = 0 ]'
stress_end $iters
