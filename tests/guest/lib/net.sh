# tests/guest/lib/net.sh - helpers the guest shell tests source (installed as /tests/lib/net.sh;
# not a test itself).  They drive the kernel's own traffic across a netmap path and check it.

# t NAME CMD: one TAP line for NAME, ok when the shell command CMD succeeds.
t() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }

# in_ns NS CMD...: runs CMD in network namespace NS, or here when NS is empty.
in_ns() {
	_ns=$1
	shift
	if [ -n "$_ns" ]; then /sbin/ip netns exec "$_ns" "$@"; else "$@"; fi
}

# veth_ns IF PEER NS NET: a veth pair IF <-> PEER with PEER in a new network namespace NS; IF gets
# NET.1/24 and PEER NET.2/24 (NET is three octets), both up, and NS's loopback too.
veth_ns() {
	modprobe veth
	/sbin/ip netns add "$3"
	/sbin/ip link add "$1" type veth peer name "$2"
	/sbin/ip link set "$2" netns "$3"
	/sbin/ip addr add "$4.1/24" dev "$1"
	/sbin/ip link set "$1" up
	in_ns "$3" /sbin/ip addr add "$4.2/24" dev "$2"
	in_ns "$3" /sbin/ip link set "$2" up
	in_ns "$3" /sbin/ip link set lo up
}

# wait_line FILE REGEX [TENTHS]: waits (default 10 s) until FILE has a line matching REGEX.
wait_line() {
	_i=0
	while [ $_i -lt "${3:-100}" ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# tcp_bulk FROM_NS TO_NS ADDR PORT BYTES: one TCP connection from namespace FROM_NS to a server
# at ADDR:PORT in TO_NS ("" is this namespace) carries BYTES random bytes; true when all of them
# arrive intact within 60 s.
#
# busybox `nc -l` quits as soon as its own stdin ends, dropping a connection still in progress
# (that once looked like a stalled transfer): the server reads a FIFO that this shell holds open
# until the transfer is over.
tcp_bulk() {
	_from=$1 _to=$2 _addr=$3 _port=$4 _bytes=$5
	head -c "$_bytes" /dev/urandom > /tmp/tcp-send
	rm -f /tmp/tcp-recv /tmp/tcp-hold
	mkfifo /tmp/tcp-hold
	exec 9<> /tmp/tcp-hold
	in_ns "$_to" nc -l -p "$_port" < /tmp/tcp-hold > /tmp/tcp-recv 2>/dev/null &
	_srv=$!
	_i=0
	# the listener is up when its port shows in /proc/net/tcp (hex, state 0A = LISTEN)
	_hex=$(printf ':%04X 00000000:0000 0A' "$_port")
	while [ $_i -lt 50 ] && ! in_ns "$_to" grep -q "$_hex" /proc/net/tcp; do
		sleep 0.1
		_i=$((_i + 1))
	done
	in_ns "$_from" nc -w 30 "$_addr" "$_port" < /tmp/tcp-send > /dev/null 2>&1
	_i=0
	while [ $_i -lt 600 ] && [ "$(wc -c < /tmp/tcp-recv)" -lt "$_bytes" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	exec 9>&-
	kill $_srv 2>/dev/null
	wait $_srv 2>/dev/null
	rm -f /tmp/tcp-hold
	echo "# tcp_bulk: $(wc -c < /tmp/tcp-recv) of $_bytes bytes arrived"
	cmp -s /tmp/tcp-send /tmp/tcp-recv
}

# proc_counter FILE NAME KEY: the value after KEY on the line of FILE that starts with NAME
# (/proc/netmap_generic and /proc/netmap_vale are both "name key value key value ...").
proc_counter() {
	awk -v p="$2" -v k="$3" '$1 == p { for (i = 2; i < NF; i++) if ($i == k) print $(i + 1) }' "$1"
}

# gen_counter IFNAME KEY: a counter of IFNAME in /proc/netmap_generic.
gen_counter() { proc_counter /proc/netmap_generic "$1" "$2"; }
