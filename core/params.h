/*
 * core/params.h - netmap's tunables (spec §8).  The values live in the core so that host tests can
 * change them; linux/params.c exposes each one as a module parameter under
 * /sys/module/netmap/parameters/ with the exact name users already know.
 *
 * The kernel reads a tunable with READ_ONCE() at the point of use: a user may change it at any time,
 * and a change takes effect at the next point that reads it (for the pools: the next time the
 * allocator is configured while it has no users).
 */
#ifndef NM_CORE_PARAMS_H
#define NM_CORE_PARAMS_H

#include "os.h"

struct nm_pool_params {
	int num;	/* objects requested */
	int size;	/* object size requested, bytes */
};

enum nm_pool_kind { NM_POOL_IF, NM_POOL_RING, NM_POOL_BUF, NM_POOL_KINDS };

struct nm_params {
	int verbose;
	int no_timestamp;
	int no_pendintr;
	int txsync_retry;
	int fwd;
	int admode;
	int generic_mit;
	int generic_ringsize;
	int generic_rings;
	int generic_txqdisc;
	int generic_hwcsum;
	int default_pipes;
	int bridge_batch;
	int max_extra_bufs;	/* per file, from the global allocator; 0: no cap */
	int max_bridges;	/* read only: fixed at load time */
	struct nm_pool_params pool[NM_POOL_KINDS];	/* global allocator request */
	struct nm_pool_params curr[NM_POOL_KINDS];	/* read only: what the global allocator uses */
	struct nm_pool_params priv[NM_POOL_KINDS];	/* minimums for private allocators */
	int ptnet_vnet_hdr;
	bool ptnet_gso;
};

extern struct nm_params nm_params;

/* Restores every tunable to its default (host tests call it between cases). */
void nm_params_reset(void);

#endif /* NM_CORE_PARAMS_H */
