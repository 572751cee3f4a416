# tests/guest/lib/stress.sh - what the stress scenarios (tests/guest/stress_*.sh, issue 14) share;
# installed as /tests/lib/stress.sh, not a test itself.  It owns the scale, the bookkeeping and
# the end-of-scenario checks, so that every scenario is measured and judged the same way:
#
#   NM_STRESS_ITERS   scale of every scenario (default 1: all of them take about a minute of
#                     guest time in `make check`; `make check-debug` sets hundreds)
#   stress_begin NAME / stress_end NAME N
#                     the first notes the idle live_objects and the time; the second waits for
#                     every netmap file to be closed, checks live_objects is back to that idle
#                     value, prints the scenario's iteration count and guest time, and adds N to
#                     the boot's running total, printed last as "stress: N iterations" (so the
#                     suite's last stress line is the total of all scenarios).
#
# The idle live_objects of a loaded module is not 0 (the global allocator's descriptor and the
# generic adapter's state exist from insmod on): "back to idle" is what nothing-open means.
#
# The scenarios shrink the global region (buf_num) while they run: a cold open of a device port
# then maps 64 MB instead of 335 MB (1.1 s instead of 2 s under TCG, 0.2 s instead of 0.5 s when
# the region is already in use), so far more kills and closes fit in the same time.  The default
# geometry is what every other guest test covers; stress_end puts the value back.
. /tests/lib/net.sh

NMSYS=/sys/class/misc/netmap
NMPAR=/sys/module/netmap/parameters
STRESS_ITERS=${NM_STRESS_ITERS:-1}
STRESS_TOTAL=/tmp/nm-stress-total
STRESS_BUF_NUM=32768

# The guest's uptime in milliseconds (no fork: under full-speed senders a fork costs 100 ms).
stress_ms() {
	read -r _up _ < /proc/uptime
	echo $((${_up%.*} * 1000 + 1${_up#*.} * 10 - 1000))	# "1" keeps "08" from being octal
}

stress_begin() {
	stress_name=$1
	stress_t0=$(stress_ms)
	stress_idle=$(cat $NMSYS/live_objects)
	stress_buf_num=$(cat $NMPAR/buf_num)
	echo $STRESS_BUF_NUM > $NMPAR/buf_num
	modprobe veth 2>/dev/null
	echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null
	echo "# $stress_name: NM_STRESS_ITERS=$STRESS_ITERS, idle live_objects $stress_idle"
}

# settled [IDLE]: waits up to 5 s until no netmap file is open and live_objects is IDLE (default:
# the value stress_begin saw).  A process killed with -9 closes its files as it exits, and a
# thread's last fput may run after its sibling returned.
settled() {
	_want=${1:-$stress_idle}
	_i=0
	while [ $_i -lt 50 ]; do
		[ "$(cat $NMSYS/open_files)" = 0 ] && [ "$(cat $NMSYS/live_objects)" = "$_want" ] &&
			return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "# open_files $(cat $NMSYS/open_files), live_objects $(cat $NMSYS/live_objects) (idle $_want)"
	return 1
}

# check_idle WHAT: one TAP line, ok when everything is closed and live_objects is idle again.
check_idle() { t "$1: nothing open, live_objects back to $stress_idle" settled; }

# stress_end N: the scenario's closing lines.
stress_end() {
	_ms=$(($(stress_ms) - stress_t0))
	echo "$stress_buf_num" > $NMPAR/buf_num
	t "$stress_name: $1 iterations, then nothing open and live_objects $stress_idle" settled
	echo "# $stress_name: $1 iterations in $((_ms / 1000)).$(printf %03d $((_ms % 1000))) s of guest time"
	_total=$(($(cat $STRESS_TOTAL 2>/dev/null || echo 0) + $1))
	echo $_total > $STRESS_TOTAL
	echo "stress: $_total iterations"
}

# pg NAME ARGS...: starts pkt-gen in the background with its output (periodic lines every 100 ms
# included) in /tmp/st-NAME.out; its pid is in $pg_pid.  It runs at nice 19: senders at full
# speed take every cycle of the guest's two CPUs, and at nice 0 the script driving the scenario
# (vale-ctl, ip, its own sleeps) waited seconds for a CPU; they still get all the time left.
pg() {
	_n=$1
	shift
	pkt-gen -T 100 -w 0 "$@" > "/tmp/st-$_n.out" 2>&1 &
	pg_pid=$!
	renice -n 19 -p $pg_pid > /dev/null
}

# flowing NAME [TENTHS]: waits (default 15 s) until pkt-gen NAME reports a non-zero packet rate
# in a periodic line: frames really move through its port.
flowing() { wait_line "/tmp/st-$1.out" 'main_thread \[[0-9]*\] [0-9.]*[1-9]' "${2:-150}"; }

# shown NAME: the last lines of pkt-gen NAME's output, as comments.
shown() { tail -n 4 "/tmp/st-$1.out" | sed "s/^/#   $1: /"; }

# reap PID [TENTHS]: waits (default 5 s) for PID to end, then kills it with -9; 0 if it ended
# by itself.
reap() {
	_i=0
	while [ $_i -lt "${2:-50}" ] && kill -0 "$1" 2>/dev/null; do
		sleep 0.1
		_i=$((_i + 1))
	done
	_killed=0
	kill -0 "$1" 2>/dev/null && { kill -9 "$1"; _killed=1; }
	wait "$1" 2>/dev/null
	return $_killed
}

# kill9 PID...: SIGKILL and reap.
kill9() {
	kill -9 "$@" 2>/dev/null
	for _p in "$@"; do wait "$_p" 2>/dev/null; done
	return 0
}
