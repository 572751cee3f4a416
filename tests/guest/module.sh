#!/bin/sh
# The module is loaded, /dev/netmap is a root-only character device, and every module parameter
# the spec lists exists with its default value.
t() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }

t "netmap is loaded" '[ -d /sys/module/netmap ] && grep -q "^netmap " /proc/modules'
t "/dev/netmap is a character device" '[ -c /dev/netmap ]'
t "/dev/netmap has mode 0600" '[ "$(stat -c %a /dev/netmap)" = 600 ]'
t "/dev/netmap is owned by root" '[ "$(stat -c %u:%g /dev/netmap)" = 0:0 ]'
t "/dev/netmap is a misc device" '[ "$(stat -c %t /dev/netmap)" = a ]'

p=/sys/module/netmap/parameters
for kv in verbose=0 no_timestamp=0 no_pendintr=1 txsync_retry=2 fwd=0 admode=0 \
	generic_mit=100000 generic_ringsize=1024 generic_rings=1 generic_txqdisc=1 \
	generic_hwcsum=0 default_pipes=0 bridge_batch=1024 max_bridges=8 \
	if_num=100 if_size=1024 ring_num=200 ring_size=36864 buf_num=163840 buf_size=2048 \
	priv_if_num=2 priv_if_size=1024 priv_ring_num=4 priv_ring_size=20480 \
	priv_buf_num=4098 priv_buf_size=2048 ptnet_vnet_hdr=1 ptnet_gso=Y; do
	name=${kv%%=*} want=${kv#*=}
	t "parameter $name defaults to $want" '[ "$(cat $p/$name 2>/dev/null)" = "$want" ]'
done
# The *_curr_* values are 0 until the global region is first configured, then what it uses;
# an earlier test in the same boot may have configured it.
for kv in if_curr_num=100 if_curr_size=1024 ring_curr_num=200 ring_curr_size=36864 \
	buf_curr_num=163840 buf_curr_size=2048; do
	name=${kv%%=*} want=${kv#*=}
	t "parameter $name is 0 or $want" \
		'v=$(cat $p/$name 2>/dev/null); [ "$v" = 0 ] || [ "$v" = "$want" ]'
done
t "max_bridges is read-only (0444)" '[ "$(stat -c %a $p/max_bridges)" = 444 ]'
t "buf_curr_num is read-only (0444)" '[ "$(stat -c %a $p/buf_curr_num)" = 444 ]'
t "buf_num is writable (0644)" '[ "$(stat -c %a $p/buf_num)" = 644 ]'
