#!/bin/sh
# tests/guest/pkt_gen_kloop.sh - pkt-gen --kloop: the sender, the receiver or both drive their port
# through an in-kernel sync-kloop (CSB mode) instead of sync ioctls and poll(), in sleep mode,
# eventfd mode and direct mode, on a pipe (lossless: every frame must arrive) and on VALE (best effort: every
# frame either arrives or is counted in the port's drop_full).
. /tests/lib/net.sh

got() { sed -n 's/^Received \([0-9][0-9]*\) packets.*/\1/p' "$1" | tail -n 1; }
# run N RXPORT RXOPTS TXPORT TXOPTS: frames received out of N sent.  A sender whose receiver stops
# taking frames would wait for room forever: after 120 s it is stopped (SIGINT), and both programs'
# last lines go to stderr for the failure's diagnosis.
run() {
	pkt-gen -i "$2" -f rx -n "$1" -w 0 $3 > /tmp/kl-rx.out 2>&1 &
	_rx=$!
	sleep 1
	timeout -s INT 120 pkt-gen -i "$4" -f tx -n "$1" -w 0 $5 > /tmp/kl-tx.out 2>&1
	cat /proc/netmap_rings > /tmp/kl-rings.out 2>&1
	_i=0
	while kill -0 $_rx 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	kill -INT $_rx 2>/dev/null
	_i=0
	while kill -0 $_rx 2>/dev/null && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	kill -0 $_rx 2>/dev/null && echo "# the receiver ignored SIGINT for 5 s: killed" >&2 && kill -KILL $_rx
	wait $_rx
	_n=$(got /tmp/kl-rx.out)
	if [ "$_n" != "$1" ]; then
		tail -n 5 /tmp/kl-tx.out /tmp/kl-rx.out | sed 's/^/# /' >&2
		sed 's/^/# rings: /' /tmp/kl-rings.out >&2
	fi
	echo "$_n"
}

n=$(run 300000 netmap:kl}1 "" netmap:kl{1 "--kloop sleep:50")
t "pipe: the sender on a sync-kloop (sleep 50 us): 300000 of 300000 ($n)" "[ '$n' = 300000 ]"
n=$(run 300000 netmap:kl}2 "--kloop sleep:0" netmap:kl{2 "")
t "pipe: the receiver on a busy sync-kloop (sleep 0): 300000 of 300000 ($n)" "[ '$n' = 300000 ]"
n=$(run 300000 netmap:kl}3 "--kloop eventfd" netmap:kl{3 "--kloop eventfd")
t "pipe: both on sync-kloops in eventfd mode: 300000 of 300000 ($n)" "[ '$n' = 300000 ]"
n=$(run 300000 netmap:kl}5 "--kloop direct" netmap:kl{5 "--kloop direct")
t "pipe: both on sync-kloops in direct mode: 300000 of 300000 ($n)" "[ '$n' = 300000 ]"
pkt-gen -i vale0:klb -f rx -w 0 --kloop eventfd > /tmp/kl-rx.out 2>&1 &
rx=$!
sleep 1
pkt-gen -i vale0:kla -f tx -n 50000 -R 50000 -w 0 > /dev/null 2>&1
sleep 2
drop=$(proc_counter /proc/netmap_vale vale0:klb drop_full)
rxp=$(proc_counter /proc/netmap_vale vale0:klb rx_pkts)
kill -INT $rx
wait $rx
n=$(got /tmp/kl-rx.out)
t "VALE: a receiver on a sync-kloop (eventfd) got $n of 50000 paced frames; the switch delivered $rxp and dropped $drop for a full ring" \
	"[ '$n' -gt 0 ] && [ '$n' = '$rxp' ] && [ \$((rxp + drop)) = 50000 ]"
t "--kloop with -f ping is refused" "! pkt-gen -i netmap:kl{4 -f ping --kloop eventfd -n 1 2>/dev/null"
t "--kloop with a bad mode is refused" "! pkt-gen -i netmap:kl{4 -f tx --kloop fast -n 1 2>/dev/null"
