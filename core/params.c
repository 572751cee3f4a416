/*
 * core/params.c - the default value of every tunable, in one table that matches spec §8.
 */
#include "params.h"

/* One initializer for both the live values and the defaults they are reset to. */
#define NM_PARAMS_DEFAULT { \
	.verbose = 0, \
	.no_timestamp = 0, \
	.no_pendintr = 1, \
	.txsync_retry = 2, \
	.fwd = 0, \
	.admode = 0, \
	.generic_mit = 100000, \
	.generic_ringsize = 1024, \
	.generic_rings = 1, \
	.generic_txqdisc = 1, \
	.generic_hwcsum = 0, \
	.default_pipes = 0, \
	.bridge_batch = 1024, \
	.max_extra_bufs = 16384, \
	.max_bridges = 8, \
	.pool = { \
		[NM_POOL_IF] = { .num = 100, .size = 1024 }, \
		[NM_POOL_RING] = { .num = 200, .size = 36864 }, \
		[NM_POOL_BUF] = { .num = 163840, .size = 2048 }, \
	}, \
	.priv = { \
		[NM_POOL_IF] = { .num = 2, .size = 1024 }, \
		[NM_POOL_RING] = { .num = 4, .size = 20480 }, \
		[NM_POOL_BUF] = { .num = 4098, .size = 2048 }, \
	}, \
	.ptnet_vnet_hdr = 1, \
	.ptnet_gso = true, \
}

static const struct nm_params nm_params_default = NM_PARAMS_DEFAULT;
struct nm_params nm_params = NM_PARAMS_DEFAULT;

void nm_params_reset(void)
{
	nm_params = nm_params_default;
}
