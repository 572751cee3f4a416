/*
 * core/mem.h - netmap memory allocators (spec §1.2, §7.1).
 *
 * An allocator owns one region: the if pool (netmap_if objects) at offset 0, the ring pool right
 * after it, the buffer pool after that, laid end to end in one offset space of nr_memsize bytes that
 * applications mmap.  Each pool is one page-backed allocation (nm_os_region_alloc), so an object's
 * address is pool base + index * object size, and every pool starts on a page boundary (pool sizes
 * are whole clusters, and clusters are whole pages).
 *
 *   offset 0          if pool            ring pool              buffer pool          nr_memsize
 *   |  if | if | ...  | ring+slots | ... | buf0 | buf1 | buf2 ... buf[objtotal-1]     |
 *
 * Buffers 0 and 1 are reserved: never allocated.  Buffer 0 is the scratch buffer the kernel uses for
 * any out-of-range index (nm_buf_lut_addr).
 *
 * Two kinds of reference, on purpose:
 *   - nm_mem_get/put: keeps the allocator object (and its mem id) alive.  Adapters, file
 *     descriptors and lookups hold these.  A private allocator is destroyed with its last one; the
 *     global one (mem id 1) lives until nm_mem_global_fini().
 *   - nm_mem_activate/deactivate: keeps the pool memory alive.  The memory is allocated (zeroed) at
 *     the first activation and freed at the last deactivation, which also reclaims every buffer a
 *     careless program leaked.  Geometry is (re)computed at first activation from the parameters.
 *
 * Locking: every function here is called with the control lock held (nm_os_ctrl_lock), except
 * nm_buf_lut_addr() and the nm_mem_buf_* data-path helpers, which only read geometry that cannot
 * change while the caller holds an activation.
 */
#ifndef NM_CORE_MEM_H
#define NM_CORE_MEM_H

#include "os.h"
#include "params.h"
#include "../include/net/netmap.h"

struct nm_mem;

/* Fast buffer lookup for the data path: valid while the caller holds an activation. */
struct nm_buf_lut {
	char *base;	/* buffer 0 */
	u32 size;	/* nr_buf_size */
	u32 total;	/* objtotal, including buffers 0 and 1 */
};

/* Address of buffer idx; any index outside the pool resolves to the scratch buffer 0. */
static inline void *nm_buf_lut_addr(const struct nm_buf_lut *lut, u32 idx)
{
	if (unlikely(idx >= lut->total))
		idx = 0;
	return lut->base + (size_t)idx * lut->size;
}

/*
 * Copies a frame of len bytes between two netmap buffers.  Short frames go in whole 64-byte
 * blocks, so up to 63 bytes past len: only for buffers of a region (not NS_INDIRECT user memory),
 * which start 64-byte aligned and whose size is a multiple of 64 (NM_OBJ_ALIGN), so a len that
 * fits in both buffers keeps the rounded-up copy inside them too.  Why: below about 512 bytes
 * fixed-size blocks (moves the compiler picks for the target) beat the string instruction the
 * kernel's memcpy uses, which has a start-up cost on hardware (measured on the build host: 60 B
 * 1.2 vs 2.5 ns, 256 B 5.9 vs 8.6 ns; from 512 B on rep movsb wins) and runs a byte at a time
 * under emulation.  The barrier keeps the compiler from merging the blocks into a memcpy call.
 * Longer frames go in whole 8-byte words (nm_os_copy_words: as fast as memcpy on hardware, 8
 * times fewer steps under emulation), so up to 7 bytes past len.
 */
#define NM_BUF_COPY_BLOCKS_MAX 512

static __always_inline void nm_buf_copy(void *dst, const void *src, u32 len)
{
	u8 *d = dst;
	const u8 *s = src;

	if (len >= NM_BUF_COPY_BLOCKS_MAX) {
		nm_os_copy_words(dst, src, len);
		return;
	}
	for (;;) {	/* len 0 copies one block too: every buffer has one */
		__builtin_memcpy(d, s, 64);
		barrier();
		if (len <= 64)
			return;
		len -= 64, d += 64, s += 64;
	}
}

/*
 * How many bytes nm_buf_copy(dst, src, len) writes at dst (and reads at src): len rounded up to
 * whole 64-byte blocks, one block even for len 0, below NM_BUF_COPY_BLOCKS_MAX; to whole 8-byte
 * words from there on.  A copy into memory that is not a netmap buffer (an skb) may use nm_buf_copy only when
 * this many bytes fit there.
 */
static inline u32 nm_buf_copy_span(u32 len)
{
	if (len >= NM_BUF_COPY_BLOCKS_MAX)
		return (len + 7) & ~7u;
	return len <= 64 ? 64 : (len + 63) & ~63u;
}

/* Module load and unload: create and destroy the global allocator (mem id 1). */
int nm_mem_global_init(void);
void nm_mem_global_fini(void);

/* Allocator references.  nm_mem_find returns a new reference, or NULL if no allocator has that id. */
struct nm_mem *nm_mem_global_get(void);
struct nm_mem *nm_mem_find(u16 mem_id);
void nm_mem_get(struct nm_mem *mem);
void nm_mem_put(struct nm_mem *mem);

/*
 * What a private allocator must hold (spec §7.1 sizing rules): the port's NIC rings and slots per
 * direction, its extra buffers, and the pipes it must leave room for (2 for VALE ports, 0 for
 * monitors).  The priv_* parameters are the minimums.
 */
struct nm_mem_priv_req {
	u32 tx_rings, rx_rings;
	u32 tx_slots, rx_slots;
	u32 extra_bufs;
	u32 npipes;
};

/* A new private allocator with the next free mem id, holding one reference; ERR_PTR on failure. */
struct nm_mem *nm_mem_private_new(const struct nm_mem_priv_req *req);

/*
 * What /proc/netmap_mem (and the exporter reading it) shows of each allocator: a snapshot taken
 * under the control lock.  Objects are counted only while the memory exists (active users > 0);
 * buffers 0 and 1 are reserved, so they are never free.  `exhausted` counts requests refused
 * because the pool had too few free objects, since the allocator was created.
 */
struct nm_mem_usage {
	u16 id;
	bool priv;
	u32 refs, active;
	u64 memsize;		/* bytes of the region, 0 while inactive */
	u32 buf_size;
	struct {
		const char *name;	/* "if", "ring", "buf" */
		u32 total, nfree;
		u64 exhausted;
	} pool[NM_POOL_KINDS];
};
typedef void (*nm_mem_usage_fn)(void *arg, const struct nm_mem_usage *u);
void nm_mem_foreach_usage(nm_mem_usage_fn fn, void *arg);

/* Activation (see above).  -ENOMEM with a log line naming the pool and parameter; -EINVAL when
 * the parameters are outside the spec's limits. */
int nm_mem_activate(struct nm_mem *mem);
void nm_mem_deactivate(struct nm_mem *mem);

/*
 * Geometry.  nm_mem_config() computes it from the current parameters if the allocator has no
 * active users (otherwise keeps what is in use); it does not allocate memory.  The getters are
 * valid after nm_mem_config() or nm_mem_activate().
 */
int nm_mem_config(struct nm_mem *mem);
u16 nm_mem_id(const struct nm_mem *mem);
bool nm_mem_is_private(const struct nm_mem *mem);
u64 nm_mem_size(const struct nm_mem *mem);
u32 nm_mem_buf_size(const struct nm_mem *mem);
u32 nm_mem_buf_total(const struct nm_mem *mem);
void nm_mem_pools_info(const struct nm_mem *mem, struct nmreq_pools_info *info);

/* Objects.  The memory must be active.  Objects come back zeroed.  On exhaustion they return NULL
 * (rings: also when nslots does not fit the ring object size) after a rate-limited log line
 * that names the pool, the mem id, what was needed and free, and the parameter to raise. */
struct netmap_if *nm_mem_if_new(struct nm_mem *mem, size_t size);
void nm_mem_if_delete(struct nm_mem *mem, struct netmap_if *nifp);
struct netmap_ring *nm_mem_ring_new(struct nm_mem *mem, u32 nslots);
void nm_mem_ring_delete(struct nm_mem *mem, struct netmap_ring *ring);

/* Offset of an object (netmap_if, ring, buffer) in the region: what applications add to their
 * mapping's base address. */
u64 nm_mem_ofs(const struct nm_mem *mem, const void *obj);

/* The buffer pool. */
const struct nm_buf_lut *nm_mem_lut(const struct nm_mem *mem);
/* Allocates n buffers into idx[] (all or nothing): 0 or -ENOMEM (logged). */
int nm_mem_bufs_alloc(struct nm_mem *mem, u32 *idx, u32 n);
/* Frees one buffer.  Indices < 2, >= total or already free are ignored and return false. */
bool nm_mem_buf_free(struct nm_mem *mem, u32 idx);
u32 nm_mem_bufs_free_count(const struct nm_mem *mem);

/* Extra buffers (spec §5.6): up to n buffers chained through their first 4 bytes, last link 0.
 * Returns how many were allocated (never fails; logs a shortfall) and the list head in *head. */
u32 nm_mem_extra_alloc(struct nm_mem *mem, u32 n, u32 *head);
/* Frees a chain, following links while they are in [2, total) and not already free. */
void nm_mem_extra_free(struct nm_mem *mem, u32 head);

/*
 * mmap support: calls map(arg, ofs, kaddr, len) for each piece of [ofs, ofs + len) in pool order,
 * where kaddr is the kernel address of region offset ofs and the piece lies in one pool.  ofs and
 * len must be page multiples with ofs + len <= nm_mem_size() (-EINVAL otherwise).  Stops at, and
 * returns, the first non-zero return of map.
 */
int nm_mem_map_range(const struct nm_mem *mem, u64 ofs, u64 len,
		     int (*map)(void *arg, u64 ofs, void *kaddr, u64 len), void *arg);

#endif /* NM_CORE_MEM_H */
