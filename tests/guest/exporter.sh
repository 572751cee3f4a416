#!/bin/sh
# tests/guest/exporter.sh - netmap-exporter --once against the real module.  pkt-gen -f tx sends
# 1000 frames from vale0:exa to pkt-gen -f rx on vale0:exb, with a copy monitor on vale0:exb;
# pkt-gen -f rx holds netmap:exv1, a veth end, while 100 frames arrive from netmap:exv0.  With
# the receivers still open, the exporter must report exactly those counts, netmap_up 1, the open
# files and live objects, the rings in use and, from /proc/netmap_mem, buffers in use; once
# everything is closed, fewer buffers in use and no open file.
#
# A second pkt-gen keeps vale0:exa open with its RX rings only (/R), so the port outlives the
# sender but its TX ring does not: the port's TX counters must survive their ring.
#
# The page is printed between `# exporter-output-begin` and `# exporter-output-end`, each line
# prefixed with `#| `, for tests/metrics/guest-exporter to check with promtool on the host.
. /tests/lib/net.sh
IP=/sbin/ip
N=1000
NV=100
OUT=/tmp/exporter.prom

# val FILE SERIES: the value of the series written exactly as SERIES (name{labels}).
val() { S=$2 awk '$1 == ENVIRON["S"] { print $2 }' "$1"; }
vale() { val $OUT "netmap_vale_port_$1_total{switch=\"vale0\",port=\"$2\"}"; }
# bufs_in_use FILE: buffers in use (objects - free) summed over every allocator.
bufs_in_use() {
	awk '/^netmap_mem_objects\{.*pool="buf"/ { n += $2 }
	     /^netmap_mem_objects_free\{.*pool="buf"/ { n -= $2 } END { print n + 0 }' "$1"
}
# stop PID: SIGINT (pkt-gen prints its report) and waits up to 10 s.
stop() {
	kill -INT "$1" 2>/dev/null
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

if ! command -v netmap-exporter > /dev/null; then
	echo "not ok - netmap-exporter is in the image (build/guest/tools)"
	exit 1
fi

# --- VALE: vale0:exa -> vale0:exb, a monitor of exb, and a holder of exa ------------------------
pkt-gen -w 0 -i vale0:exb -f rx > /tmp/ex-rx.out 2>&1 &
rx=$!
wait_line /proc/netmap_rings '^vale0:exb rx0 ' 300
pkt-gen -w 0 -i vale0:exb/r -f rx > /tmp/ex-mon.out 2>&1 &
mon=$!
pkt-gen -w 0 -i vale0:exa/R -f rx > /dev/null 2>&1 &
hold=$!
wait_line /proc/netmap_rings '^vale0:exb/r#[0-9]* rx0 ' 300
wait_line /proc/netmap_rings '^vale0:exa rx0 ' 300
t "vale0:exa and vale0:exb are on vale0, a monitor on exb" \
	'grep -q "^vale0:exa " /proc/netmap_vale && grep -q "^vale0:exb " /proc/netmap_vale &&
	 grep -q "^vale0:exb/r#" /proc/netmap_rings'
pkt-gen -w 0 -i vale0:exa -f tx -n $N > /tmp/ex-tx.out 2>&1
t "pkt-gen sent $N frames from vale0:exa" "grep -q '^Sent $N packets' /tmp/ex-tx.out"
# The switch counts a frame when it is in the receiver's ring; wait for the last one.
_i=0
while [ "$(proc_counter /proc/netmap_vale vale0:exb rx_pkts)" != $N ] && [ $_i -lt 100 ]; do
	sleep 0.1
	_i=$((_i + 1))
done

# --- generic: pkt-gen -f rx holds netmap:exv1 ---------------------------------------------------
modprobe veth
$IP link add exv0 type veth peer name exv1
for d in exv0 exv1; do
	echo 1 > /proc/sys/net/ipv6/conf/$d/disable_ipv6
	$IP link set $d up
done
pkt-gen -w 0 -i netmap:exv1 -f rx > /tmp/ex-vrx.out 2>&1 &
vrx=$!
wait_line /proc/netmap_rings '^exv1 rx0 ' 300
pkt-gen -w 0 -i netmap:exv0 -f tx -n $NV -R 2000 > /dev/null 2>&1
_i=0
while [ "$(gen_counter exv1 rx_pkts)" != $NV ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done

# --- the page, with the receivers open ---------------------------------------------------------
netmap-exporter --once > $OUT 2> /tmp/exporter.err
st=$?
echo "# exporter-output-begin"
sed 's/^/#| /' $OUT
echo "# exporter-output-end"
t "netmap-exporter --once exits 0 (status $st), nothing on stderr" \
	"[ $st = 0 ] && [ ! -s /tmp/exporter.err ]"
t "netmap_up 1" '[ "$(val $OUT netmap_up)" = 1 ]'
t "netmap_open_files: 4 files open (2 rx, monitor, veth rx: $(val $OUT netmap_open_files))" \
	'[ "$(val $OUT netmap_open_files)" = 4 ]'
t "netmap_live_objects is the module's count ($(val $OUT netmap_live_objects))" \
	'[ "$(val $OUT netmap_live_objects)" -gt 0 ]'
t "vale0:exa tx_packets $N, tx_bytes $((N * 60)) ($(vale tx_packets exa), $(vale tx_bytes exa))" \
	'[ "$(vale tx_packets exa)" = $N ] && [ "$(vale tx_bytes exa)" = $((N * 60)) ]'
t "vale0:exb rx_packets $N, rx_bytes $((N * 60)) ($(vale rx_packets exb), $(vale rx_bytes exb))" \
	'[ "$(vale rx_packets exb)" = $N ] && [ "$(vale rx_bytes exb)" = $((N * 60)) ]'
t "no VALE drops on vale0:exb (drop_full $(vale drop_full exb), drop_unbound $(vale drop_unbound exb))" \
	'[ "$(vale drop_full exb)" = 0 ] && [ "$(vale drop_unbound exb)" = 0 ]'
t "the exporter's values are /proc/netmap_vale's" \
	'[ "$(vale tx_bytes exa)" = "$(proc_counter /proc/netmap_vale vale0:exa tx_bytes)" ] &&
	 [ "$(vale rx_packets exb)" = "$(proc_counter /proc/netmap_vale vale0:exb rx_pkts)" ]'
t "netmap_ring_users of vale0:exb rx0 is 1" \
	'[ "$(val $OUT "netmap_ring_users{port=\"vale0:exb\",direction=\"rx\",ring=\"0\"}")" = 1 ]'
t "the monitor of vale0:exb has netmap_ring_monitor_skipped_total" \
	'grep -q "^netmap_ring_monitor_skipped_total{port=\"vale0:exb/r#[0-9]*\",monitored=\"vale0:exb\",direction=\"rx\",ring=\"0\"} [0-9]*$" $OUT'
t "generic: netmap:exv1 received $NV frames ($(val $OUT 'netmap_generic_rx_packets_total{ifname="exv1"}'))" \
	'[ "$(val $OUT "netmap_generic_rx_packets_total{ifname=\"exv1\"}")" = $NV ] &&
	 [ "$(val $OUT "netmap_generic_device_gone{ifname=\"exv1\"}")" = 0 ]'
t "no scrape error" '! grep "^netmap_exporter_scrape_errors_total" $OUT | grep -qv " 0$"'
open_bufs=$(bufs_in_use $OUT)
t "mem: /proc/netmap_mem is there, and every allocator in it is exported" \
	'[ "$(grep -c . /proc/netmap_mem)" -gt 0 ] &&
	 [ "$(grep -c "^netmap_mem_size_bytes{" $OUT)" = "$(grep -c . /proc/netmap_mem)" ]'
t "mem: buffers in use while ports are open ($open_bufs)" '[ "$open_bufs" -gt 2 ]'
t "mem: buffer size, region size, users and failures of the global allocator" \
	'grep -q "^netmap_mem_buffer_size_bytes{mem_id=\"[0-9]*\",kind=\"global\"} [1-9]" $OUT &&
	 grep -q "^netmap_mem_size_bytes{mem_id=\"[0-9]*\",kind=\"global\"} [1-9]" $OUT &&
	 grep -q "^netmap_mem_active_users{mem_id=\"[0-9]*\",kind=\"global\"} [1-9]" $OUT &&
	 grep -q "^netmap_mem_alloc_failures_total{mem_id=\"[0-9]*\",kind=\"global\",pool=\"buf\"} 0$" $OUT'

# --- everything closed -----------------------------------------------------------------------------
stop $vrx
stop $mon
stop $hold
stop $rx
t "pkt-gen -f rx on vale0:exb received the $N frames" "grep -q '^Received $N packets' /tmp/ex-rx.out"
$IP link del exv0
netmap-exporter --once > /tmp/exporter-idle.prom
t "idle: no VALE port, no ring, no open file" \
	'! grep -Eq "^(netmap_vale_port|netmap_ring_)" /tmp/exporter-idle.prom &&
	 [ "$(val /tmp/exporter-idle.prom netmap_open_files)" = 0 ]'
t "mem: fewer buffers in use once everything is closed ($(bufs_in_use /tmp/exporter-idle.prom) < $open_bufs)" \
	'[ "$(bufs_in_use /tmp/exporter-idle.prom)" -lt "$open_bufs" ]'
