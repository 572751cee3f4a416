/*
 * linux/params.c - exposes the core's tunables (core/params.h) as module parameters.  The names
 * and modes are part of the user interface (spec §8): scripts set buf_num, priv_buf_num, admode ...
 * "rw" parameters are 0644, the read-only ones 0444.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "../core/params.h"

#define NM_PARAM_RW(name, field, desc) \
	module_param_named(name, nm_params.field, int, 0644); \
	MODULE_PARM_DESC(name, desc)
#define NM_PARAM_RO(name, field, desc) \
	module_param_named(name, nm_params.field, int, 0444); \
	MODULE_PARM_DESC(name, desc)

NM_PARAM_RW(verbose, verbose, "Extra kernel log lines");
NM_PARAM_RW(no_timestamp, no_timestamp, "1: do not set ring->ts on RX syncs (unless NR_TIMESTAMP)");
NM_PARAM_RW(no_pendintr, no_pendintr, "Always look for new RX packets on sync (accepted)");
NM_PARAM_RW(txsync_retry, txsync_retry, "Retries when a switch destination NIC ring is full");
NM_PARAM_RW(fwd, fwd, "1: transparent forwarding on every ring");
NM_PARAM_RW(admode, admode, "Adapter mode: 0 best, 1 native only, 2 generic only");
NM_PARAM_RW(generic_mit, generic_mit, "Generic RX: least ns between two wake-ups of a ring (<32768: no delay)");
NM_PARAM_RW(generic_ringsize, generic_ringsize, "Default slots per generic adapter ring");
NM_PARAM_RW(generic_rings, generic_rings, "Accepted; unused");
NM_PARAM_RW(generic_txqdisc, generic_txqdisc, "Use a netmap-aware qdisc for generic TX backpressure");
NM_PARAM_RW(generic_hwcsum, generic_hwcsum, "Let the device compute checksums on generic TX");
NM_PARAM_RW(default_pipes, default_pipes, "Accepted; ignored");
NM_PARAM_RW(bridge_batch, bridge_batch, "VALE batch size (at most 1024)");
NM_PARAM_RW(max_extra_bufs, max_extra_bufs, "Extra buffers one file may take from the global allocator (0: no cap)");
NM_PARAM_RO(max_bridges, max_bridges, "VALE switches per network namespace");

NM_PARAM_RW(if_num, pool[NM_POOL_IF].num, "Global allocator: netmap_if objects");
NM_PARAM_RW(if_size, pool[NM_POOL_IF].size, "Global allocator: netmap_if object size");
NM_PARAM_RW(ring_num, pool[NM_POOL_RING].num, "Global allocator: ring objects");
NM_PARAM_RW(ring_size, pool[NM_POOL_RING].size, "Global allocator: ring object size");
NM_PARAM_RW(buf_num, pool[NM_POOL_BUF].num, "Global allocator: buffers");
NM_PARAM_RW(buf_size, pool[NM_POOL_BUF].size, "Global allocator: buffer size");

NM_PARAM_RO(if_curr_num, curr[NM_POOL_IF].num, "Global allocator in use: netmap_if objects");
NM_PARAM_RO(if_curr_size, curr[NM_POOL_IF].size, "Global allocator in use: netmap_if size");
NM_PARAM_RO(ring_curr_num, curr[NM_POOL_RING].num, "Global allocator in use: ring objects");
NM_PARAM_RO(ring_curr_size, curr[NM_POOL_RING].size, "Global allocator in use: ring size");
NM_PARAM_RO(buf_curr_num, curr[NM_POOL_BUF].num, "Global allocator in use: buffers");
NM_PARAM_RO(buf_curr_size, curr[NM_POOL_BUF].size, "Global allocator in use: buffer size");

NM_PARAM_RW(priv_if_num, priv[NM_POOL_IF].num, "Private allocators: minimum netmap_if objects");
NM_PARAM_RW(priv_if_size, priv[NM_POOL_IF].size, "Private allocators: minimum netmap_if size");
NM_PARAM_RW(priv_ring_num, priv[NM_POOL_RING].num, "Private allocators: minimum ring objects");
NM_PARAM_RW(priv_ring_size, priv[NM_POOL_RING].size, "Private allocators: minimum ring size");
NM_PARAM_RW(priv_buf_num, priv[NM_POOL_BUF].num, "Private allocators: minimum buffers");
NM_PARAM_RW(priv_buf_size, priv[NM_POOL_BUF].size, "Private allocators: minimum buffer size");

NM_PARAM_RW(ptnet_vnet_hdr, ptnet_vnet_hdr, "ptnet may use virtio-net headers (not implemented)");
module_param_named(ptnet_gso, nm_params.ptnet_gso, bool, 0644);
MODULE_PARM_DESC(ptnet_gso, "ptnet GSO (not implemented)");
