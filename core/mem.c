/*
 * core/mem.c - netmap memory allocators (spec §1.2, §7.1; contract in core/mem.h).
 *
 * This file owns every allocator: the global one (mem id 1) and the private ones, the list that
 * nm_mem_find() searches, mem id assignment, the pool geometry (cluster rounding, limits, the
 * private sizing rules), the pool memory itself and the free bitmaps of its three pools, and the
 * log lines that tell a user which pool ran out and which module parameter to raise.
 *
 * Each pool is one nm_os_region_alloc() allocation, so object i lives at base + i * objsize and a
 * region offset maps to a kernel address with one subtraction.  Free objects are tracked by a
 * bitmap (bit set = free) searched from a cursor that only moves forward and wraps, so a run of
 * allocations costs amortised O(1) words each.
 *
 * An activation does not hold a reference: whoever activates must already hold one (an adapter,
 * a file), and keep it until after its deactivation.  Dropping the last reference of an active
 * private allocator is a caller bug; it is logged and the memory freed.
 *
 * Locking: every function runs under the control lock (see mem.h), so reference and activation
 * counts are plain integers.  nm_mem_bufs_alloc/nm_mem_buf_free/nm_mem_extra_* change the buffer
 * bitmap and are control-path functions too; only the getters and the lut are data-path safe.
 */
#include "os.h"
#include "params.h"
#include "mem.h"

#define NM_OBJ_ALIGN	64u		/* object sizes are rounded up to this (§7.1) */
#define NM_CLUSTER_MAX	(4u << 20)	/* a cluster is at most 4 MiB */
#define NM_NO_OBJ	0xffffffffu	/* "no object" from nm_pool_take() */
#define NM_GLOBAL_ID	1

static const char *const nm_pool_name[NM_POOL_KINDS] = { "if", "ring", "buf" };

/* Spec §7.1 pool limits.  Index [0] of the counts is the global allocator, [1] a private one. */
static const struct nm_pool_limits {
	u32 size_min, size_max;
	u32 num_min[2], num_max[2];
} nm_pool_limits[NM_POOL_KINDS] = {
	[NM_POOL_IF] = { 56, 4096, { 10, 1 }, { 10000, 100 } },
	[NM_POOL_RING] = { 256, 131072, { 2, 2 }, { 1024, 1024 } },
	[NM_POOL_BUF] = { 64, 65536, { 4, 4 }, { 1000000, 1000000 } },
};

struct nm_pool {
	/* Geometry: set by nm_mem_config(), fixed while the memory is active. */
	u32 objsize;		/* a multiple of NM_OBJ_ALIGN */
	u32 objtotal;		/* whole clusters */
	u64 ofs;		/* where the pool starts in the region */
	u64 memsize;		/* bytes, a multiple of PAGE_SIZE */
	/* Memory: non-NULL only while the allocator is active. */
	char *base;
	u32 *freemap;		/* one bit per object, set = free */
	u32 nfree;
	u32 cursor;		/* freemap word where the next search starts */
};

struct nm_mem {
	struct nm_mem *next;	/* nm_mem_list */
	u16 id;
	bool priv;
	u32 refs;		/* nm_mem_get/put */
	u32 active;		/* nm_mem_activate/deactivate */
	struct nm_mem_priv_req req;	/* private only: what the port needs */
	struct nm_pool pool[NM_POOL_KINDS];
	struct nm_buf_lut lut;
	u64 exhausted[NM_POOL_KINDS];	/* requests refused for lack of objects (/proc/netmap_mem) */
};

static struct nm_mem *nm_mem_list;
static struct nm_mem *nm_mem_global;
static u16 nm_mem_last_id;	/* most recently assigned id */

/* --- small arithmetic helpers (the kernel's min/max/round_up are not in the host build) --- */

static u64 nm_max_u64(u64 a, u64 b) { return a > b ? a : b; }
static u64 nm_min_u64(u64 a, u64 b) { return a < b ? a : b; }
static u64 nm_round_up(u64 v, u64 mult) { return (v + mult - 1) / mult * mult; }

static u64 nm_roundup_pow2(u64 v)
{
	u64 p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* Parameter names differ only by prefix: buf_num for the global allocator, priv_buf_num else. */
static const char *nm_param_prefix(const struct nm_mem *mem)
{
	return mem->priv ? "priv_" : "";
}

/* --- geometry --- */

/*
 * Objects per cluster: the smallest count whose total is a page multiple.  PAGE_SIZE is a power
 * of two, so that count is PAGE_SIZE / (largest power of two dividing objsize, at most a page).
 * A few ring sizes (64 x an odd number above 1024) would need more than 4 MiB; their cluster is
 * capped at what fits 4 MiB, and the pool is padded to a page at its end instead, which keeps
 * object addresses linear (the spec does not say what happens then).
 */
static u32 nm_cluster_objs(u32 objsize)
{
	u32 low = objsize & -objsize;
	u32 n = PAGE_SIZE / (u32)nm_min_u64(low, PAGE_SIZE);

	if ((u64)n * objsize > NM_CLUSTER_MAX)
		n = NM_CLUSTER_MAX / objsize;
	return n;
}

/* What a pool is asked for, before limits and rounding (signed: parameters are ints). */
struct nm_pool_want {
	s64 num, size;
};

/*
 * Anything above 2^31 is refused by the limits anyway.  Capping the factors keeps the u64
 * arithmetic from wrapping, and capping the results keeps the casts to s64 positive.
 */
static u64 nm_cap(u64 v)
{
	return nm_min_u64(v, 1u << 31);
}

/*
 * The global allocator asks for the pool parameters.  A private one asks for the priv_*
 * parameters raised to the minimums of spec §7.1 for the port it serves.
 */
static void nm_mem_want(const struct nm_mem *mem, struct nm_pool_want want[NM_POOL_KINDS])
{
	const struct nm_mem_priv_req *r = &mem->req;
	u64 min[NM_POOL_KINDS][2];	/* [kind][0 = num, 1 = size] */
	u64 p = r->npipes, rxbufs, txbufs;
	int k;

	if (!mem->priv) {
		for (k = 0; k < NM_POOL_KINDS; k++) {
			want[k].num = READ_ONCE(nm_params.pool[k].num);
			want[k].size = READ_ONCE(nm_params.pool[k].size);
		}
		return;
	}
	rxbufs = nm_cap(4 * p + r->rx_rings + 1) * nm_cap(r->rx_slots);
	txbufs = nm_cap(4 * p + r->tx_rings + 1) * nm_cap(r->tx_slots);
	min[NM_POOL_IF][0] = 2 + 4 * p;
	min[NM_POOL_IF][1] = 56 + 8 * (((u64)r->tx_rings + 1) + ((u64)r->rx_rings + 1));
	min[NM_POOL_RING][0] = ((u64)r->tx_rings + 1) + ((u64)r->rx_rings + 1) + 8 * p;
	min[NM_POOL_RING][1] = 256 + 16 * nm_max_u64(r->tx_slots, r->rx_slots);
	min[NM_POOL_BUF][0] = rxbufs + txbufs + 2 + r->extra_bufs;
	min[NM_POOL_BUF][1] = 0;
	for (k = 0; k < NM_POOL_KINDS; k++) {
		s64 num = READ_ONCE(nm_params.priv[k].num), size = READ_ONCE(nm_params.priv[k].size);

		s64 min_num = nm_cap(min[k][0]), min_size = nm_cap(min[k][1]);

		want[k].num = num > min_num ? num : min_num;
		want[k].size = size > min_size ? size : min_size;
	}
}

/* Checks one pool against the limits and fills in its geometry (not its offset). */
static int nm_pool_geometry(const struct nm_mem *mem, int k, const struct nm_pool_want *w,
			    struct nm_pool *p)
{
	const struct nm_pool_limits *lim = &nm_pool_limits[k];
	const char *pre = nm_param_prefix(mem);

	if (w->size < lim->size_min || w->size > lim->size_max ||
	    w->num < lim->num_min[mem->priv] || w->num > lim->num_max[mem->priv]) {
		nm_os_log_ratelimited("mem %u: %s pool of %lld objects of %lld bytes is outside the limits (%u..%u objects of %u..%u bytes); check %s%s_num and %s%s_size%s",
				      mem->id, nm_pool_name[k], (long long)w->num, (long long)w->size,
				      lim->num_min[mem->priv], lim->num_max[mem->priv],
				      lim->size_min, lim->size_max, pre, nm_pool_name[k], pre,
				      nm_pool_name[k], mem->priv ?
				      ", and the port's rings, slots, pipes and extra buffers" : "");
		return -EINVAL;
	}
	p->objsize = nm_round_up(w->size, NM_OBJ_ALIGN);
	p->objtotal = nm_round_up(w->num, nm_cluster_objs(p->objsize));
	p->memsize = nm_round_up((u64)p->objtotal * p->objsize, PAGE_SIZE);
	return 0;
}

int nm_mem_config(struct nm_mem *mem)
{
	struct nm_pool_want want[NM_POOL_KINDS];
	struct nm_pool geo[NM_POOL_KINDS];
	u64 ofs = 0;
	int k, err;

	if (mem->active)
		return 0;	/* the geometry in use cannot change under its users */
	memset(geo, 0, sizeof(geo));
	nm_mem_want(mem, want);
	for (k = 0; k < NM_POOL_KINDS; k++) {
		err = nm_pool_geometry(mem, k, &want[k], &geo[k]);
		if (err)
			return err;	/* the previous geometry stays */
		geo[k].ofs = ofs;
		ofs += geo[k].memsize;
	}
	/* Inactive pools hold no memory, so the zeroed runtime fields of geo[] are right. */
	memcpy(mem->pool, geo, sizeof(geo));
	if (!mem->priv) {
		for (k = 0; k < NM_POOL_KINDS; k++) {
			WRITE_ONCE(nm_params.curr[k].num, (int)geo[k].objtotal);
			WRITE_ONCE(nm_params.curr[k].size, (int)geo[k].objsize);
		}
	}
	return 0;
}

/* --- pool memory and free bitmaps --- */

static u32 nm_pool_words(const struct nm_pool *p)
{
	return (p->objtotal + 31) / 32;
}

/* Allocates the pool's memory (zeroed) and a bitmap with every object free. */
static int nm_pool_populate(const struct nm_mem *mem, struct nm_pool *p, int k)
{
	u32 w, words = nm_pool_words(p);

	p->base = nm_os_region_alloc(p->memsize);
	if (!p->base) {
		nm_os_log_ratelimited("mem %u: cannot allocate %llu bytes for the %s pool; lower %s%s_num or %s%s_size",
				      mem->id, (unsigned long long)p->memsize, nm_pool_name[k],
				      nm_param_prefix(mem), nm_pool_name[k], nm_param_prefix(mem),
				      nm_pool_name[k]);
		return -ENOMEM;
	}
	p->freemap = nm_os_malloc((size_t)words * sizeof(u32));
	if (!p->freemap)
		goto free_region;
	for (w = 0; w < words; w++)
		p->freemap[w] = ~0u;
	if (p->objtotal % 32)	/* bits past the last object must never look free */
		p->freemap[words - 1] = (1u << (p->objtotal % 32)) - 1;
	p->nfree = p->objtotal;
	p->cursor = 0;
	return 0;

free_region:
	nm_os_region_free(p->base);
	p->base = NULL;
	return -ENOMEM;
}

static void nm_pool_depopulate(struct nm_pool *p)
{
	nm_os_region_free(p->base);
	nm_os_free(p->freemap);
	p->base = NULL;
	p->freemap = NULL;
	p->nfree = 0;
	p->cursor = 0;
}

static inline void *nm_pool_addr(const struct nm_pool *p, u32 idx)
{
	return p->base + (size_t)idx * p->objsize;
}

/* Takes the first free object at or after the cursor, wrapping; NM_NO_OBJ if none is free. */
static u32 nm_pool_take(struct nm_pool *p)
{
	u32 w = p->cursor, words = nm_pool_words(p), bit;

	if (unlikely(p->nfree == 0))
		return NM_NO_OBJ;
	while (!p->freemap[w])	/* terminates: nfree > 0 means some bit is set */
		w = (w + 1 == words) ? 0 : w + 1;
	bit = __builtin_ctz(p->freemap[w]);
	p->freemap[w] &= ~(1u << bit);
	p->nfree--;
	p->cursor = w;
	return w * 32 + bit;
}

/* Returns an object to the pool; false if idx is out of range or already free. */
static bool nm_pool_give(struct nm_pool *p, u32 idx)
{
	u32 *word, mask = 1u << (idx % 32);

	if (unlikely(!p->freemap || idx >= p->objtotal))
		return false;
	word = &p->freemap[idx / 32];
	if (unlikely(*word & mask))
		return false;
	*word |= mask;
	p->nfree++;
	return true;
}

static bool nm_pool_is_free(const struct nm_pool *p, u32 idx)
{
	return p->freemap[idx / 32] & (1u << (idx % 32));
}

/* Index of the object that starts at obj, or NM_NO_OBJ if obj is not one of this pool's. */
static u32 nm_pool_index(const struct nm_pool *p, const void *obj)
{
	uintptr_t off = (uintptr_t)obj - (uintptr_t)p->base;

	if (!p->base || off >= (u64)p->objtotal * p->objsize || off % p->objsize)
		return NM_NO_OBJ;
	return off / p->objsize;
}

/* --- activation --- */

int nm_mem_activate(struct nm_mem *mem)
{
	struct nm_pool *bufs = &mem->pool[NM_POOL_BUF];
	int k, err;

	if (mem->active) {
		mem->active++;
		return 0;
	}
	err = nm_mem_config(mem);
	if (err)
		return err;
	for (k = 0; k < NM_POOL_KINDS; k++) {
		err = nm_pool_populate(mem, &mem->pool[k], k);
		if (err)
			goto depopulate_pools;
	}
	/* Buffers 0 and 1 are reserved (spec §1.2): never handed out. */
	bufs->freemap[0] &= ~3u;
	bufs->nfree -= 2;
	mem->lut.base = bufs->base;
	mem->lut.size = bufs->objsize;
	mem->lut.total = bufs->objtotal;
	mem->active = 1;
	return 0;

depopulate_pools:
	while (--k >= 0)
		nm_pool_depopulate(&mem->pool[k]);
	return err;
}

/* The last deactivation frees the memory, and with it every buffer a program leaked. */
void nm_mem_deactivate(struct nm_mem *mem)
{
	int k;

	if (unlikely(!mem->active)) {
		nm_os_log("mem %u: bug: deactivated more often than activated", mem->id);
		return;
	}
	if (--mem->active)
		return;
	for (k = 0; k < NM_POOL_KINDS; k++)
		nm_pool_depopulate(&mem->pool[k]);
	memset(&mem->lut, 0, sizeof(mem->lut));
}

/* --- allocator objects, ids and references --- */

static struct nm_mem *nm_mem_lookup(u16 id)
{
	struct nm_mem *mem;

	for (mem = nm_mem_list; mem; mem = mem->next)
		if (mem->id == id)
			return mem;
	return NULL;
}

static void nm_mem_link(struct nm_mem *mem)
{
	mem->next = nm_mem_list;
	nm_mem_list = mem;
}

static void nm_mem_unlink(struct nm_mem *mem)
{
	struct nm_mem **pp;

	for (pp = &nm_mem_list; *pp; pp = &(*pp)->next) {
		if (*pp == mem) {
			*pp = mem->next;
			return;
		}
	}
}

/* The next id after the most recently assigned one that is not in use, skipping 0; 0 if none. */
static u16 nm_mem_free_id(void)
{
	u16 id = nm_mem_last_id;
	u32 tries;

	for (tries = 0; tries < 0xffff; tries++) {
		id++;		/* u16: wraps from 65535 to 0 */
		if (id == 0)
			id = 1;
		if (!nm_mem_lookup(id))
			return id;
	}
	return 0;
}

int nm_mem_global_init(void)
{
	struct nm_mem *mem;

	if (nm_mem_global) {
		nm_os_log("mem %u: bug: global allocator initialised twice", NM_GLOBAL_ID);
		return -EBUSY;
	}
	mem = nm_os_malloc(sizeof(*mem));
	if (!mem)
		return -ENOMEM;
	mem->id = NM_GLOBAL_ID;
	mem->refs = 1;		/* the module's, dropped by nm_mem_global_fini() */
	nm_mem_last_id = NM_GLOBAL_ID;
	nm_mem_link(mem);
	nm_mem_global = mem;
	return 0;
}

/*
 * Anything still using an allocator at unload is a bug elsewhere.  Freeing memory that someone
 * may still touch would turn it into a crash, so it is logged and leaked instead; the module's
 * live-object check at unload then reports the leak.
 */
void nm_mem_global_fini(void)
{
	struct nm_mem *mem = nm_mem_global, *m;

	if (!mem)
		return;
	nm_mem_global = NULL;
	nm_mem_unlink(mem);
	for (m = nm_mem_list; m; m = m->next)
		nm_os_log("mem %u: bug: private allocator still alive at unload (%u references)",
			  m->id, m->refs);
	if (mem->active || mem->refs != 1) {
		nm_os_log("mem %u: bug: global allocator still in use at unload (%u references, 1 expected; %u active users); leaking it",
			  mem->id, mem->refs, mem->active);
		return;
	}
	nm_os_free(mem);
}

struct nm_mem *nm_mem_private_new(const struct nm_mem_priv_req *req)
{
	struct nm_mem *mem;
	int err;

	mem = nm_os_malloc(sizeof(*mem));
	if (!mem)
		return ERR_PTR(-ENOMEM);
	mem->priv = true;
	mem->req = *req;
	mem->refs = 1;
	mem->id = nm_mem_free_id();
	if (!mem->id) {
		nm_os_log_ratelimited("cannot create a private allocator: all 65535 mem ids are in use");
		err = -ENOMEM;
		goto free_mem;
	}
	/* Refuse a port the limits cannot hold now rather than at its first REGISTER. */
	err = nm_mem_config(mem);
	if (err)
		goto free_mem;
	nm_mem_last_id = mem->id;
	nm_mem_link(mem);
	return mem;

free_mem:
	nm_os_free(mem);
	return ERR_PTR(err);
}

struct nm_mem *nm_mem_global_get(void)
{
	if (nm_mem_global)
		nm_mem_get(nm_mem_global);
	return nm_mem_global;
}

struct nm_mem *nm_mem_find(u16 mem_id)
{
	struct nm_mem *mem = nm_mem_lookup(mem_id);

	if (mem)
		nm_mem_get(mem);
	return mem;
}

void nm_mem_get(struct nm_mem *mem)
{
	mem->refs++;
}

/* A private allocator dies with its last reference; the global one waits for global_fini. */
void nm_mem_put(struct nm_mem *mem)
{
	int k;

	if (unlikely(mem->refs == 0)) {
		nm_os_log("mem %u: bug: reference count underflow", mem->id);
		return;
	}
	if (--mem->refs)
		return;
	if (unlikely(!mem->priv)) {	/* the module's own reference went too */
		nm_os_log("mem %u: bug: global allocator lost all its references", mem->id);
		return;
	}
	if (unlikely(mem->active)) {
		nm_os_log("mem %u: bug: last reference dropped with %u active users", mem->id,
			  mem->active);
		for (k = 0; k < NM_POOL_KINDS; k++)
			nm_pool_depopulate(&mem->pool[k]);
	}
	nm_mem_unlink(mem);
	nm_os_free(mem);
}

/* --- geometry getters --- */

u16 nm_mem_id(const struct nm_mem *mem)
{
	return mem->id;
}

bool nm_mem_is_private(const struct nm_mem *mem)
{
	return mem->priv;
}

u64 nm_mem_size(const struct nm_mem *mem)
{
	const struct nm_pool *bufs = &mem->pool[NM_POOL_BUF];

	return bufs->ofs + bufs->memsize;
}

u32 nm_mem_buf_size(const struct nm_mem *mem)
{
	return mem->pool[NM_POOL_BUF].objsize;
}

u32 nm_mem_buf_total(const struct nm_mem *mem)
{
	return mem->pool[NM_POOL_BUF].objtotal;
}

void nm_mem_pools_info(const struct nm_mem *mem, struct nmreq_pools_info *info)
{
	const struct nm_pool *p = mem->pool;

	memset(info, 0, sizeof(*info));
	info->nr_memsize = nm_mem_size(mem);
	info->nr_mem_id = mem->id;
	info->nr_if_pool_offset = p[NM_POOL_IF].ofs;
	info->nr_if_pool_objtotal = p[NM_POOL_IF].objtotal;
	info->nr_if_pool_objsize = p[NM_POOL_IF].objsize;
	info->nr_ring_pool_offset = p[NM_POOL_RING].ofs;
	info->nr_ring_pool_objtotal = p[NM_POOL_RING].objtotal;
	info->nr_ring_pool_objsize = p[NM_POOL_RING].objsize;
	info->nr_buf_pool_offset = p[NM_POOL_BUF].ofs;
	info->nr_buf_pool_objtotal = p[NM_POOL_BUF].objtotal;
	info->nr_buf_pool_objsize = p[NM_POOL_BUF].objsize;
}

void nm_mem_foreach_usage(nm_mem_usage_fn fn, void *arg)
{
	struct nm_mem_usage u;
	const struct nm_mem *mem;
	int k;

	for (mem = nm_mem_list; mem; mem = mem->next) {
		memset(&u, 0, sizeof(u));
		u.id = mem->id;
		u.priv = mem->priv;
		u.refs = mem->refs;
		u.active = mem->active;
		u.memsize = mem->active ? nm_mem_size(mem) : 0;
		u.buf_size = mem->pool[NM_POOL_BUF].objsize;
		for (k = 0; k < NM_POOL_KINDS; k++) {
			u.pool[k].name = nm_pool_name[k];
			u.pool[k].total = mem->active ? mem->pool[k].objtotal : 0;
			u.pool[k].nfree = mem->pool[k].nfree;
			u.pool[k].exhausted = mem->exhausted[k];
		}
		fn(arg, &u);
	}
}

/* --- objects --- */

/*
 * A request for `need` objects of pool k found too few free: counted (an operator's dashboard
 * shows a pool running out before anyone reads the log) and logged as spec §5.6 "Improve" asks:
 * which pool, which allocator, needed and free, what to raise and to what.
 */
static void nm_mem_exhausted(struct nm_mem *mem, int k, u32 need)
{
	const struct nm_pool *p = &mem->pool[k];
	const char *pre = nm_param_prefix(mem);
	u32 max = nm_pool_limits[k].num_max[mem->priv];
	u64 want = nm_roundup_pow2((u64)p->objtotal + need - p->nfree);

	mem->exhausted[k]++;
	if (p->objtotal >= max) {
		nm_os_log_ratelimited("mem %u: %s pool exhausted: need %u, %u free of %u; the pool is at its limit of %u objects",
				      mem->id, nm_pool_name[k], need, p->nfree, p->objtotal, max);
		return;
	}
	nm_os_log_ratelimited("mem %u: %s pool exhausted: need %u, %u free of %u; raise %s%s_num (e.g. %s%s_num=%llu)",
			      mem->id, nm_pool_name[k], need, p->nfree, p->objtotal, pre,
			      nm_pool_name[k], pre, nm_pool_name[k],
			      (unsigned long long)nm_min_u64(want, max));
}

/* An object of `need` bytes does not fit this pool's objects: say which size to set. */
static void nm_mem_log_too_big(const struct nm_mem *mem, int k, u64 need)
{
	const struct nm_pool *p = &mem->pool[k];
	const char *pre = nm_param_prefix(mem);
	u32 max = nm_pool_limits[k].size_max;

	if (need > max) {
		nm_os_log_ratelimited("mem %u: %s object of %llu bytes needed, above the %u-byte limit; use fewer slots or rings",
				      mem->id, nm_pool_name[k], (unsigned long long)need, max);
		return;
	}
	nm_os_log_ratelimited("mem %u: %s objects are %u bytes, %llu needed; raise %s%s_size (e.g. %s%s_size=%llu)",
			      mem->id, nm_pool_name[k], p->objsize, (unsigned long long)need, pre,
			      nm_pool_name[k], pre, nm_pool_name[k],
			      (unsigned long long)nm_round_up(need, NM_OBJ_ALIGN));
}

/* One zeroed object of pool k, or NULL (logged). */
static void *nm_mem_obj_new(struct nm_mem *mem, int k)
{
	struct nm_pool *p = &mem->pool[k];
	void *obj;
	u32 idx;

	if (unlikely(!p->base)) {
		nm_os_log("mem %u: bug: %s object requested while the memory is inactive", mem->id,
			  nm_pool_name[k]);
		return NULL;
	}
	idx = nm_pool_take(p);
	if (unlikely(idx == NM_NO_OBJ)) {
		nm_mem_exhausted(mem, k, 1);
		return NULL;
	}
	obj = nm_pool_addr(p, idx);
	memset(obj, 0, p->objsize);	/* the previous user's contents must not leak */
	return obj;
}

static void nm_mem_obj_delete(struct nm_mem *mem, int k, const void *obj)
{
	struct nm_pool *p = &mem->pool[k];

	if (unlikely(!nm_pool_give(p, nm_pool_index(p, obj))))
		nm_os_log("mem %u: bug: freeing %s object %p that is not allocated here", mem->id,
			  nm_pool_name[k], obj);
}

struct netmap_if *nm_mem_if_new(struct nm_mem *mem, size_t size)
{
	if (unlikely(size > mem->pool[NM_POOL_IF].objsize)) {
		nm_mem_log_too_big(mem, NM_POOL_IF, size);
		return NULL;
	}
	return nm_mem_obj_new(mem, NM_POOL_IF);
}

void nm_mem_if_delete(struct nm_mem *mem, struct netmap_if *nifp)
{
	nm_mem_obj_delete(mem, NM_POOL_IF, nifp);
}

struct netmap_ring *nm_mem_ring_new(struct nm_mem *mem, u32 nslots)
{
	u64 need = sizeof(struct netmap_ring) + (u64)nslots * sizeof(struct netmap_slot);

	if (unlikely(need > mem->pool[NM_POOL_RING].objsize)) {
		nm_mem_log_too_big(mem, NM_POOL_RING, need);
		return NULL;
	}
	return nm_mem_obj_new(mem, NM_POOL_RING);
}

void nm_mem_ring_delete(struct nm_mem *mem, struct netmap_ring *ring)
{
	nm_mem_obj_delete(mem, NM_POOL_RING, ring);
}

/* A pointer outside every pool is a caller bug: logged, and 0 returned. */
u64 nm_mem_ofs(const struct nm_mem *mem, const void *obj)
{
	int k;

	for (k = 0; k < NM_POOL_KINDS; k++) {
		const struct nm_pool *p = &mem->pool[k];
		uintptr_t off = (uintptr_t)obj - (uintptr_t)p->base;

		if (p->base && off < p->memsize)
			return p->ofs + off;
	}
	nm_os_log("mem %u: bug: %p is not in the region", mem->id, obj);
	return 0;
}

/* --- buffers --- */

const struct nm_buf_lut *nm_mem_lut(const struct nm_mem *mem)
{
	return &mem->lut;
}

int nm_mem_bufs_alloc(struct nm_mem *mem, u32 *idx, u32 n)
{
	struct nm_pool *p = &mem->pool[NM_POOL_BUF];
	u32 i;

	if (unlikely(n > p->nfree)) {	/* checked first, so the loop cannot fail half-way */
		nm_mem_exhausted(mem, NM_POOL_BUF, n);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		idx[i] = nm_pool_take(p);
	return 0;
}

bool nm_mem_buf_free(struct nm_mem *mem, u32 idx)
{
	if (unlikely(idx < 2))	/* reserved: never allocated, so never freed */
		return false;
	return nm_pool_give(&mem->pool[NM_POOL_BUF], idx);
}

u32 nm_mem_bufs_free_count(const struct nm_mem *mem)
{
	return mem->pool[NM_POOL_BUF].nfree;
}

/* The chain is built head-first: each new buffer links to the previous head, the first to 0. */
u32 nm_mem_extra_alloc(struct nm_mem *mem, u32 n, u32 *head)
{
	struct nm_pool *p = &mem->pool[NM_POOL_BUF];
	u32 i, idx, h = 0;

	*head = 0;
	if (unlikely(!p->base))
		return 0;
	if (unlikely(n > p->nfree))	/* "need n, m free": the reply carries the m */
		nm_mem_exhausted(mem, NM_POOL_BUF, n);
	for (i = 0; i < n; i++) {
		idx = nm_pool_take(p);
		if (idx == NM_NO_OBJ)
			break;
		*(u32 *)nm_pool_addr(p, idx) = h;
		h = idx;
	}
	*head = h;
	return i;
}

/*
 * The links live in memory the application writes, so each is read once and checked before it
 * is followed.  Every step frees one buffer and an already-free buffer ends the walk, so even a
 * looping chain terminates.
 */
void nm_mem_extra_free(struct nm_mem *mem, u32 head)
{
	struct nm_pool *p = &mem->pool[NM_POOL_BUF];
	u32 idx = head, next, freed = 0;

	if (unlikely(!p->base))
		return;
	while (idx != 0) {
		if (idx < 2 || idx >= p->objtotal || nm_pool_is_free(p, idx)) {
			nm_os_log_ratelimited("mem %u: extra buffer list broken at index %u after %u buffers; the rest is reclaimed when the last user leaves",
					      mem->id, idx, freed);
			return;
		}
		next = READ_ONCE(*(u32 *)nm_pool_addr(p, idx));
		nm_pool_give(p, idx);
		freed++;
		idx = next;
	}
}

/* --- mmap --- */

int nm_mem_map_range(const struct nm_mem *mem, u64 ofs, u64 len,
		     int (*map)(void *arg, u64 ofs, void *kaddr, u64 len), void *arg)
{
	u64 size = nm_mem_size(mem), end = ofs + len;
	int k, err;

	if (unlikely(!mem->active)) {
		nm_os_log("mem %u: bug: mapping inactive memory", mem->id);
		return -EINVAL;
	}
	if (len == 0 || ((ofs | len) & (PAGE_SIZE - 1)) || len > size || ofs > size - len) {
		nm_os_log_ratelimited("mem %u: cannot map %llu bytes at offset %llu: the region has %llu bytes and both must be page multiples",
				      mem->id, (unsigned long long)len, (unsigned long long)ofs,
				      (unsigned long long)size);
		return -EINVAL;
	}
	for (k = 0; k < NM_POOL_KINDS; k++) {
		const struct nm_pool *p = &mem->pool[k];
		u64 from = nm_max_u64(ofs, p->ofs), to = nm_min_u64(end, p->ofs + p->memsize);

		if (from >= to)
			continue;
		err = map(arg, from, p->base + (from - p->ofs), to - from);
		if (err)
			return err;
	}
	return 0;
}
