/*
 * core/pipe.c - netmap pipes (spec §7.3): two adapters connected back to back, `parent{id` (master)
 * and `parent}id` (slave), moving slots instead of bytes.
 *
 * For each direction, a TX kring and the peer's RX kring with the same index share one set of n
 * buffers.  The TX ring owns them at the start; the RX ring starts with buffer 0 everywhere.
 *
 *       sender TX ring T                                  receiver RX ring R
 *   txsync: slots [T.hwcur, head) ──copied to same positions──▶ R.slot[]
 *           T.pipe_pub = end of the last complete packet ──────▶ R.hwtail
 *   rxsync:                                                      R.pipe_pub = R.hwcur = head
 *   txsync: T.slot[] ◀──copied back, buffers as R left them── slots R released since the last
 *           T.hwtail = R.pipe_pub - 1                          txsync: [T.hwtail + 1, R.pipe_pub)
 *
 * Each side writes only its own pipe_pub (smp_store_release after its slot writes) and reads the
 * peer's (smp_load_acquire before touching the slots it covers), so the two ends sync concurrently
 * without a lock.  Every slot write is the sender's: the receiver's sync only publishes how far
 * it got, so the receiver - the side a pipe's rate depends on - does no work per frame; the
 * slots it hands back are read once and checked by the sender's next txsync (bad ones are
 * counted in the TX ring's bad_slots, where they are replaced).
 *
 * Both ends, and all their rings, exist from the first open of either end until both are closed:
 * packets sent to an end nobody has open stay queued.  The pipe holds one reference on each end;
 * when a put leaves only those, nm_pipe_orphaned tears the pipe down.
 *
 * The parent is the port named before the brace: a device, a VALE port, ... whose region the
 * pipes share, so that they can swap buffers with it.  When no port has that name, an implicit
 * parent is created on first use (the spec's auto-deleting persistent port, minus its Linux
 * interface): it owns a private region sized for two pipes, or uses the allocator the request
 * names (`name{N@M`: pipes in a NIC's region, for zero-copy fan-out), and disappears with its
 * last pipe.  A request naming another allocator than its parent's gets EINVAL.
 */
#include "port.h"
#include "vale.h"

#define NM_PIPES_PER_PARENT	64
#define NM_PIPE_MAX_RINGS	256
#define NM_PIPE_MAX_SLOTS	4096
#define NM_PIPE_DEFAULT_SLOTS	1024

struct nm_pipe_parent;

struct nm_pipe {
	struct nm_pipe_parent *parent;
	struct nm_adapter *end[2];	/* 0: master `{`, 1: slave `}` */
	char id[NETMAP_REQ_IFNAMSIZ];
	struct nm_ring_user user;	/* the pipe keeps every ring of both ends */
	struct nm_ring_link *links;	/* by end, direction, ring: see nm_pipe_link */
};

struct nm_pipe_parent {
	struct nm_pipe_parent *next;
	char name[NETMAP_REQ_IFNAMSIZ];
	struct nm_adapter *na;		/* the parent port (one reference), or NULL if implicit */
	struct nm_mem *mem;		/* one reference */
	u32 slots;			/* default slots of its pipes */
	struct nm_pipe *pipes[NM_PIPES_PER_PARENT];
	u32 npipes;
};

static struct nm_pipe_parent *nm_pipe_parents;	/* control lock */

/* --- data path ---------------------------------------------------------------------------- */

/* What a slot may hold, in the form nm_pipe_copy_run checks it: buf_idx below nbufs, and the
 * len field of the slot's head word, masked, at most len_max. */
struct nm_pipe_limits {
	u32 nbufs;
	u64 len_mask, len_max;
};

static inline struct nm_pipe_limits nm_pipe_limits(const struct nm_buf_lut *lut)
{
	union nm_slot_head mask = { .f.len = 0xffff };
	union nm_slot_head max = { .f.len = lut->size < 0xffff ? lut->size : 0xffff };

	return (struct nm_pipe_limits){ .nbufs = lut->total, .len_mask = mask.word,
					.len_max = max.word };
}

/*
 * Copies the n slots src[0, n) to dst[0, n), neither array wrapping, each field read once:
 * buffer index and length must stay inside the region, so that the peer application can trust
 * what it receives (bad ones are counted in kr's bad_slots, never logged).  NS_BUF_CHANGED does
 * not cross; when `sending`, the flags are also written back to src (the change was seen).
 * Returns how many slots from the start end with a complete packet (none: 0).
 */
static __always_inline u32 nm_pipe_copy_run(struct nm_kring *kr, struct netmap_slot *dst,
					    struct netmap_slot *src, u32 n,
					    const struct nm_pipe_limits lim, bool sending)
{
	static const union nm_slot_head changed = { .f.flags = NS_BUF_CHANGED };
	u32 i, complete = 0;

	for (i = 0; i < n; i++) {
		union nm_slot_head h = nm_slot_head_read(&src[i]);
		u64 ptr = READ_ONCE(src[i].ptr);

		/* Word operations on the copy: the compiler keeps it in one register. */
		h.word &= ~changed.word;
		if (unlikely(h.f.buf_idx >= lim.nbufs || (h.word & lim.len_mask) > lim.len_max)) {
			kr->bad_slots++;
			if (h.f.buf_idx >= lim.nbufs)
				h.f.buf_idx = 0;
			h.f.len = 0;
		}
		nm_slot_head_write(&dst[i], h);
		WRITE_ONCE(dst[i].ptr, ptr);
		if (sending) {
			WRITE_ONCE(src[i].flags, h.f.flags);
			if (!(h.f.flags & NS_MOREFRAG))
				complete = i + 1;
		}
	}
	return complete;
}

/* Copies the slots [from, to) of src to the same positions of dst (rings of n slots), as
 * nm_pipe_copy_run; returns the position after the last complete packet, or `complete`. */
static inline u32 nm_pipe_copy(struct nm_kring *kr, struct netmap_slot *dst,
			       struct netmap_slot *src, u32 from, u32 to, u32 n, u32 complete,
			       const struct nm_pipe_limits lim, bool sending)
{
	while (from != to) {
		u32 run = (to > from ? to : n) - from;
		u32 done = nm_pipe_copy_run(kr, &dst[from], &src[from], run, lim, sending);

		if (done)
			complete = nm_advance(from, done, n);
		from = nm_advance(from, run, n);
	}
	return complete;
}

static int nm_pipe_txsync(struct nm_kring *tx)
{
	struct nm_kring *rx = tx->pipe_peer;
	const struct nm_pipe_limits lim = nm_pipe_limits(nm_mem_lut(tx->na->mem));
	struct netmap_slot *ts = tx->ring->slot, *rs = rx->ring->slot;
	u32 n = tx->num_slots, head = tx->rhead, complete, released;

	complete = nm_pipe_copy(tx, rs, ts, tx->hwcur, head, n, tx->pipe_pub, lim, true);
	tx->hwcur = head;
	if (complete != tx->pipe_pub) {
		smp_store_release(&tx->pipe_pub, complete);	/* pairs with the acquire in rxsync */
		nm_kring_wake(rx);
	}
	released = smp_load_acquire(&rx->pipe_pub);	/* pairs with rxsync's release */
	nm_pipe_copy(tx, ts, rs, nm_next(tx->hwtail, n), released, n, 0, lim, false);
	tx->hwtail = nm_prev(released, n);
	return 0;
}

static int nm_pipe_rxsync(struct nm_kring *rx)
{
	struct nm_kring *tx = rx->pipe_peer;
	u32 head = rx->rhead;

	if (head != rx->hwcur) {
		rx->hwcur = head;
		/* Pairs with the acquire in txsync: the slots up to head are the sender's again. */
		smp_store_release(&rx->pipe_pub, head);
		nm_kring_wake(tx);
	}
	rx->hwtail = smp_load_acquire(&tx->pipe_pub);	/* pairs with txsync's release */
	return 0;
}

/* --- rings -------------------------------------------------------------------------------- */

/* TX rings own the buffers; RX rings start with buffer 0 in every slot (the object is zeroed). */
static int nm_pipe_ring_fill(struct nm_kring *kr)
{
	return kr->dir == NM_TX ? nm_kring_fill_bufs(kr) : 0;
}

/* Runs for TX rings before any RX ring is deleted (nm_pipe_free): every buffer is either in
 * the TX ring or, for slots sent and not yet copied back by a txsync (in flight, or released
 * since the last txsync: [hwtail + 1, pipe_pub)), in the peer RX ring. */
static void nm_pipe_ring_drain(struct nm_kring *kr)
{
	struct nm_kring *rx = kr->pipe_peer;
	u32 i, n = kr->num_slots, first = nm_next(kr->hwtail, n), held;

	if (kr->dir != NM_TX)
		return;
	held = nm_dist(first, kr->pipe_pub, n);
	for (i = 0; i < n; i++) {
		bool at_peer = rx->ring && nm_dist(first, i, n) < held;
		const struct netmap_slot *s = at_peer ? &rx->ring->slot[i] : &kr->ring->slot[i];

		nm_mem_buf_free(kr->na->mem, READ_ONCE(s->buf_idx));
	}
}

/* --- lifetime ----------------------------------------------------------------------------- */

static void nm_pipe_parent_put(struct nm_pipe_parent *parent)
{
	struct nm_pipe_parent **pp;

	if (parent->npipes > 0)
		return;
	for (pp = &nm_pipe_parents; *pp; pp = &(*pp)->next) {
		if (*pp == parent) {
			*pp = parent->next;
			break;
		}
	}
	nm_mem_put(parent->mem);
	if (parent->na)
		nm_adapter_put(parent->na);
	nm_os_free(parent);
}

/* The pipe's link for ring i of direction d of end e: end 0 TX, RX, then end 1 TX, RX. */
static struct nm_ring_link *nm_pipe_link(struct nm_pipe *p, int e, enum nm_dir d, u32 i)
{
	const struct nm_adapter *m = p->end[0];
	u32 k = e == 0 ? 0 : m->num_rings[NM_TX] + m->num_rings[NM_RX];

	if (d == NM_RX)
		k += p->end[e]->num_rings[NM_TX];
	return &p->links[k + i];
}

/* Detaches the pipe from one direction of one end; true if the links need a wait (ring_user.c). */
static bool nm_pipe_unuse_rings(struct nm_pipe *p, int e, enum nm_dir d)
{
	struct nm_adapter *na = p->end[e];
	bool wait = false;
	u32 i;

	for (i = 0; p->links && i < na->num_rings[d]; i++) {
		struct nm_ring_link *l = nm_pipe_link(p, e, d, i);

		if (l->user)	/* a failed nm_pipe_connect stops half way */
			wait |= nm_kring_detach(&na->krings[d][i], l);
	}
	return wait;
}

/*
 * Takes the pipe off its parent and frees it with both ends.  The parent is left to the caller:
 * it may still hold it (a failed creation, whose caller puts the parent once).
 */
static void nm_pipe_free(struct nm_pipe *p)
{
	struct nm_pipe_parent *parent = p->parent;
	struct nm_mem *mem = p->end[0]->mem;
	bool wait;
	u32 i;

	for (i = 0; i < parent->npipes; i++) {
		if (parent->pipes[i] == p) {
			parent->pipes[i] = parent->pipes[--parent->npipes];
			break;
		}
	}
	/* TX rings first: their drain reads the peer RX rings. */
	wait = nm_pipe_unuse_rings(p, 0, NM_TX);
	wait |= nm_pipe_unuse_rings(p, 1, NM_TX);
	wait |= nm_pipe_unuse_rings(p, 0, NM_RX);
	wait |= nm_pipe_unuse_rings(p, 1, NM_RX);
	if (wait)
		nm_os_wait_data_path();
	nm_os_free(p->links);
	nm_mem_deactivate(mem);
	p->end[0]->priv = p->end[1]->priv = NULL;
	nm_adapter_put(p->end[0]);
	nm_adapter_put(p->end[1]);
	nm_os_free(p);
}

static void nm_pipe_orphaned(struct nm_adapter *na)
{
	struct nm_pipe *p = na->priv;

	struct nm_pipe_parent *parent = p->parent;

	if (p->end[0]->refcount > 1 || p->end[1]->refcount > 1)
		return;			/* the other end is still in use */
	nm_pipe_free(p);
	nm_pipe_parent_put(parent);	/* freed with its last pipe */
}

static const struct nm_adapter_ops nm_pipe_ops = {
	.txsync = nm_pipe_txsync,
	.rxsync = nm_pipe_rxsync,
	.ring_fill = nm_pipe_ring_fill,
	.ring_drain = nm_pipe_ring_drain,
	.orphaned = nm_pipe_orphaned,
};

/* --- creation ----------------------------------------------------------------------------- */

/* Connects ring k of `a`'s direction d to ring k of `b`'s opposite direction, and creates every
 * ring: the pipe itself is their first user, for its whole life. */
static int nm_pipe_connect(struct nm_pipe *p)
{
	struct nm_adapter *m = p->end[0], *s = p->end[1];
	u32 i, nlinks = 0;
	int d, e, err;

	for (e = 0; e < 2; e++)
		for (d = 0; d < NM_DIRS; d++)
			nlinks += p->end[e]->num_rings[d];
	p->links = nm_os_malloc(sizeof(*p->links) * nlinks);
	if (!p->links)
		return -ENOMEM;
	p->user.what = "pipe";
	for (d = 0; d < NM_DIRS; d++) {
		for (i = 0; i < m->num_rings[d]; i++) {
			m->krings[d][i].pipe_peer = &s->krings[!d][i];
			s->krings[!d][i].pipe_peer = &m->krings[d][i];
		}
	}
	for (e = 0; e < 2; e++) {
		for (d = 0; d < NM_DIRS; d++) {
			for (i = 0; i < p->end[e]->num_rings[d]; i++) {
				err = nm_kring_attach(&p->end[e]->krings[d][i], &p->user,
						      nm_pipe_link(p, e, d, i));
				if (err)
					return err;	/* nm_pipe_free undoes what was done */
			}
		}
	}
	return 0;
}

static struct nm_adapter *nm_pipe_end_new(struct nm_pipe *p, int e, const u32 rings[NM_DIRS],
					  const u32 slots[NM_DIRS])
{
	static const u32 no_host[NM_DIRS];
	char name[NETMAP_REQ_IFNAMSIZ];

	/* The request's own name had the same length, so it fits. */
	if (snprintf(name, sizeof(name), "%s%c%s", p->parent->name, e == 0 ? '{' : '}',
		     p->id) >= (int)sizeof(name))
		return ERR_PTR(-EINVAL);
	nm_mem_get(p->parent->mem);
	return nm_adapter_new(name, &nm_pipe_ops, p->parent->mem, rings, no_host, slots);
}

static struct nm_pipe *nm_pipe_create(struct nm_pipe_parent *parent, const char *id, int opened,
				      const struct nm_port_req *req)
{
	u32 rings[2][NM_DIRS], slots[2][NM_DIRS];
	struct nm_pipe *p;
	int d, e, err;

	if (parent->npipes >= NM_PIPES_PER_PARENT) {
		nm_os_log_ratelimited("%s: at most %d pipes per parent", parent->name,
				      NM_PIPES_PER_PARENT);
		return ERR_PTR(-EINVAL);
	}
	/* The end being opened gets the requested geometry; the other mirrors it. */
	for (d = 0; d < NM_DIRS; d++) {
		rings[opened][d] = nm_geom(req->rings[d], 1, NM_PIPE_MAX_RINGS);
		slots[opened][d] = nm_geom(req->slots[d], parent->slots, NM_PIPE_MAX_SLOTS);
		rings[!opened][!d] = rings[opened][d];
		slots[!opened][!d] = slots[opened][d];
	}
	p = nm_os_malloc(sizeof(*p));
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->parent = parent;
	strscpy(p->id, id, sizeof(p->id));
	err = nm_mem_activate(parent->mem);
	if (err)
		goto free_pipe;
	for (e = 0; e < 2; e++) {
		p->end[e] = nm_pipe_end_new(p, e, rings[e], slots[e]);
		if (IS_ERR(p->end[e])) {
			err = PTR_ERR(p->end[e]);
			goto free_ends;
		}
		p->end[e]->priv = p;
	}
	parent->pipes[parent->npipes++] = p;
	err = nm_pipe_connect(p);
	if (err) {
		nm_pipe_free(p);	/* the caller still holds the parent and puts it */
		return ERR_PTR(err);
	}
	return p;

free_ends:
	if (e == 1)
		nm_adapter_put(p->end[0]);
	nm_mem_deactivate(parent->mem);
free_pipe:
	nm_os_free(p);
	return ERR_PTR(err);
}

static struct nm_pipe_parent *nm_pipe_parent_alloc(const char *name, struct nm_mem *mem,
						   struct nm_adapter *na, u32 slots)
{
	struct nm_pipe_parent *parent = nm_os_malloc(sizeof(*parent));

	if (!parent)
		return NULL;
	strscpy(parent->name, name, sizeof(parent->name));
	parent->mem = mem;
	parent->na = na;
	parent->slots = slots;
	parent->next = nm_pipe_parents;
	nm_pipe_parents = parent;
	return parent;
}

/*
 * The implicit parent (see the top of this file): a private region sized for two pipes with the
 * geometry of the request that creates it (at least the default), so that the first pipe always
 * fits; a later pipe asking for more than that gets ENOMEM from the ring setup.
 */
static struct nm_pipe_parent *nm_pipe_parent_implicit(const char *name,
						      const struct nm_port_req *req)
{
	struct nm_mem_priv_req mreq = { .tx_rings = 1, .rx_rings = 1, .npipes = 2 };
	struct nm_pipe_parent *parent;
	struct nm_mem *mem;
	u32 slots = NM_PIPE_DEFAULT_SLOTS;
	int d;

	/* The spec's implicit parent is a Linux interface: its name rules apply. */
	if (strncmp(name, "vale", 4) == 0 || strlen(name) >= 16)
		return ERR_PTR(-ENXIO);
	for (d = 0; d < NM_DIRS; d++) {
		u32 want = nm_geom(req->slots[d], 0, NM_PIPE_MAX_SLOTS);

		if (want > slots)
			slots = want;
	}
	mreq.tx_slots = mreq.rx_slots = slots;
	if (req->mem) {		/* `name{N@M`: the pipes live in allocator M (spec §7.3) */
		mem = req->mem;
		nm_mem_get(mem);
	} else {
		mem = nm_mem_private_new(&mreq);
		if (IS_ERR(mem))
			return ERR_CAST(mem);
	}
	parent = nm_pipe_parent_alloc(name, mem, NULL, NM_PIPE_DEFAULT_SLOTS);
	if (!parent) {
		nm_mem_put(mem);
		return ERR_PTR(-ENOMEM);
	}
	return parent;
}

/*
 * The parent named `name` (spec §7.3): an existing port resolved by its full name (a device, a
 * persistent or ephemeral VALE port, ...), whose region the pipes share; or, when no port has
 * that name, an implicit one, in the region the request names if it names one.
 */
static struct nm_pipe_parent *nm_pipe_parent_find(const char *name, const struct nm_port_req *req)
{
	struct nm_port_req preq = { .name = name, .mode = NR_REG_ALL_NIC, .may_create = false };
	struct nm_pipe_parent *parent;
	struct nm_adapter *na;

	for (parent = nm_pipe_parents; parent; parent = parent->next)
		if (strcmp(parent->name, name) == 0)
			return parent;
	na = nm_port_lookup(&preq);
	if (IS_ERR(na))
		return PTR_ERR(na) == -ENXIO ? nm_pipe_parent_implicit(name, req) : ERR_CAST(na);
	/* A persistent port on a switch answers to valeX:NAME, not NAME: it is attached. */
	if (strcmp(na->name, name) != 0 && !nm_is_vale_name(name)) {
		nm_adapter_put(na);
		return ERR_PTR(-EBUSY);
	}
	nm_mem_get(na->mem);
	parent = nm_pipe_parent_alloc(name, na->mem, na, na->num_slots[NM_TX]);
	if (!parent) {
		nm_mem_put(na->mem);
		nm_adapter_put(na);
		return ERR_PTR(-ENOMEM);
	}
	return parent;
}

/* The parent, if its pipes live where the request says: they share one region, so a request
 * naming another (`@M`) cannot join them. */
static struct nm_pipe_parent *nm_pipe_parent_get(const char *name, const struct nm_port_req *req)
{
	struct nm_pipe_parent *parent = nm_pipe_parent_find(name, req);

	if (IS_ERR(parent) || !req->mem || req->mem == parent->mem)
		return parent;
	nm_os_log_ratelimited("%s{: the pipes of %s live in mem id %u, not %u", name, name,
			      nm_mem_id(parent->mem), nm_mem_id(req->mem));
	nm_pipe_parent_put(parent);	/* frees it if it was made just now */
	return ERR_PTR(-EINVAL);
}

static struct nm_adapter *nm_pipe_lookup_brace(const struct nm_port_req *req, const char *brace)
{
	int opened = *brace == '{' ? 0 : 1;
	char pname[NETMAP_REQ_IFNAMSIZ];
	struct nm_pipe_parent *parent;
	const char *id = brace + 1;
	struct nm_pipe *p = NULL;
	size_t plen = brace - req->name;
	u32 i;

	if (plen == 0 || *id == '\0')
		return ERR_PTR(-EINVAL);
	/* A pipe's parent is never itself a pipe: resolving `a{b{c{...` would recurse once per brace. */
	if (memchr(req->name, '{', plen) || memchr(req->name, '}', plen)) {
		nm_os_log_ratelimited("%s: a pipe's parent name cannot contain '{' or '}'", req->name);
		return ERR_PTR(-EINVAL);
	}
	if (req->mode != NR_REG_ALL_NIC && req->mode != NR_REG_ONE_NIC)
		return ERR_PTR(-EINVAL);
	memcpy(pname, req->name, plen);
	pname[plen] = '\0';
	parent = nm_pipe_parent_get(pname, req);
	if (IS_ERR(parent))
		return ERR_CAST(parent);
	for (i = 0; i < parent->npipes; i++)
		if (strcmp(parent->pipes[i]->id, id) == 0)
			p = parent->pipes[i];
	if (!p) {
		if (!req->may_create) {
			nm_pipe_parent_put(parent);
			return ERR_PTR(-ENODEV);
		}
		p = nm_pipe_create(parent, id, opened, req);
		if (IS_ERR(p)) {
			nm_pipe_parent_put(parent);
			return ERR_CAST(p);
		}
	}
	nm_adapter_get(p->end[opened]);
	return p->end[opened];
}

/* A name with a brace is a pipe: the last '{', else the last '}', splits parent and id. */
static struct nm_adapter *nm_pipe_lookup(const struct nm_port_req *req)
{
	const char *brace = strrchr(req->name, '{');

	if (!brace)
		brace = strrchr(req->name, '}');
	return brace ? nm_pipe_lookup_brace(req, brace) : NULL;
}

struct nm_port_provider nm_pipe_provider = {
	.what = "pipe", .order = NM_PORT_ORDER_PIPE, .lookup = nm_pipe_lookup,
};
