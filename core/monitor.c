/*
 * core/monitor.c - monitors (spec §7.4): `PORT/r`, `/t`, `/rt` (copy) and `PORT/z` (zero-copy)
 * open a port of their own that receives the frames another program's port moves.
 *
 * A monitor is an adapter with 1 TX ring (it never sends: its txsync fails) and one RX ring per
 * ring index of the parent, max(parent TX, parent RX) NIC rings plus host rings if the parent has
 * them.  Parent ring k of either direction feeds monitor RX ring k.  The monitor watches a parent
 * ring through a tap (core/ring_user.c) placed when the monitor ring is created (its first user
 * binds it) and removed when it is deleted:
 *
 *   copy:  parent TXSYNC takes [hwcur, head) ─┐ copy, under the monitor ring's lock,
 *          parent RXSYNC receives new frames ─┴─▶ into the slots from prod; store-release prod
 *   zcopy: parent TX completions ─────────────┐ swap buffers with the slots from prod,
 *          parent RX slots the app released ──┴─▶ under the lock; store-release prod
 *
 *   monitor rxsync:  hwtail = load-acquire prod;  store-release cons = hwcur (slots released)
 *   producers:       space = what lies between prod and load-acquire cons
 *
 * The producers are the parent's syncs: the TX and RX ring feeding one monitor ring may sync on
 * two CPUs at once, so they take the monitor ring's lock; the monitor application, the only
 * consumer, takes none.  A monitor never makes its parent wait: when the ring lacks room, the
 * oldest frames of the batch are skipped (spec §7.4) and counted in the monitor ring's `skipped`
 * counter (/proc/netmap_rings).
 *
 * A copy monitor has a private region; a zero-copy monitor shares its parent's, and the parent
 * slot gets the monitor slot's old buffer (with NS_BUF_CHANGED).  Zero-copy monitors of one ring
 * form a chain: the first taps the parent rings, each next one taps the RX ring of the one
 * before and receives what that one's application releases.  A monitor leaving the chain hands
 * its place to the one after it.
 *
 * A tap does not keep its parent in netmap mode.  When the parent ring's last user leaves, the
 * tap is cut: the monitor ring's syncs then fail (the ioctl returns 0, poll reports POLLERR), and
 * so do those of the zero-copy monitors chained after it.  The monitor holds a reference on the
 * parent adapter, so the parent's krings outlive it.
 */
#include "port.h"

#define NM_MON_MAX_SLOTS	4096

struct nm_mon_ring;

/* One watched ring: a parent ring, or the ring of the zero-copy monitor before in the chain. */
struct nm_mon_tap {
	struct nm_kring_tap tap;
	struct nm_mon_ring *mr;
	struct nm_kring *pkr;		/* the watched ring, while tapped (control lock) */
	u16 slot_flags;			/* NS_TXMON for the TX side, 0 for RX */
	bool chained;			/* watches a monitor ring: slot flags pass unchanged */
};

/* One monitor RX ring and its producers. */
struct nm_mon_ring {
	struct nm_kring *mkr;
	struct nm_mon_tap side[NM_DIRS];	/* the parent TX ring k, the parent RX ring k */
	struct nm_os_spinlock lock;	/* the producers: writes prod and the slots from it */
	u32 prod;			/* next slot producers fill: store-release, lock held */
	u32 cons;			/* first slot not yet released: store-release, monitor rxsync */
	bool cut;			/* a watched ring left netmap mode: syncs fail */
};

struct nm_monitor {
	struct nm_adapter *parent;	/* one reference */
	u64 flags;			/* NR_MONITOR_TX, NR_MONITOR_RX, NR_ZCOPY_MON */
	struct nm_mon_ring *rings;	/* one per monitor RX ring */
};

static void nm_mon_zframes(struct nm_kring_tap *tap, struct nm_kring *pkr, u32 from, u32 to);

static u32 nm_max(u32 a, u32 b)
{
	return a > b ? a : b;
}

static u32 nm_min(u32 a, u32 b)
{
	return a < b ? a : b;
}

/* --- data path ---------------------------------------------------------------------------- */

/*
 * Copies one parent slot into monitor slot m.  Both slots are read once; an index outside a
 * region resolves to the scratch buffer (nm_buf_lut_addr) and the length is clamped to both
 * buffer sizes, so a parent application scribbling on its ring spoils only its own frames.
 */
static void nm_mon_copy_slot(const struct nm_buf_lut *plut, const struct netmap_slot *ps,
			     const struct nm_buf_lut *mlut, struct netmap_slot *ms, u16 txmon)
{
	u32 len = READ_ONCE(ps->len);
	u16 flags = READ_ONCE(ps->flags);

	if (len > plut->size)
		len = plut->size;
	if (len > mlut->size)
		len = mlut->size;
	nm_buf_copy(nm_buf_lut_addr(mlut, READ_ONCE(ms->buf_idx)),
		    nm_buf_lut_addr(plut, READ_ONCE(ps->buf_idx)), len);
	WRITE_ONCE(ms->len, len);
	WRITE_ONCE(ms->flags, (flags & ~NS_TXMON) | txmon);
}

/*
 * Room for count new frames starting at *from, with the monitor ring's lock held: returns how
 * many fit, after skipping (and counting) the oldest of the others.
 */
static u32 nm_mon_room(struct nm_mon_ring *mr, u32 *from, u32 count, u32 pn)
{
	struct nm_kring *mkr = mr->mkr;
	u32 mn = mkr->num_slots;
	/* Pairs with the store-release of cons in nm_mon_rxsync: the slots are free again. */
	u32 space = mn - 1 - nm_dist(smp_load_acquire(&mr->cons), mr->prod, mn);

	if (count <= space)
		return count;
	WRITE_ONCE(mkr->skipped, mkr->skipped + count - space);	/* keep the newest (§7.4) */
	*from = nm_advance(*from, count - space, pn);
	return space;
}

/* Publishes the slots filled up to prod, drops the ring lock and wakes the monitor. */
static void nm_mon_publish_unlock(struct nm_mon_ring *mr, u32 prod)
{
	/* Pairs with the load-acquire in nm_mon_rxsync: the slots are written before prod moves. */
	smp_store_release(&mr->prod, prod);
	nm_os_spin_unlock(&mr->lock);
	nm_kring_wake(mr->mkr);
}

/* Copy monitor tap: the watched ring took or received the frames in [from, to). */
static void nm_mon_frames(struct nm_kring_tap *tap, struct nm_kring *pkr, u32 from, u32 to)
{
	struct nm_mon_tap *t = container_of(tap, struct nm_mon_tap, tap);
	struct nm_mon_ring *mr = t->mr;
	struct nm_kring *mkr = mr->mkr;
	/* Copied into locals: the compiler may not keep them across the slot accesses. */
	const struct nm_buf_lut plut = *nm_mem_lut(pkr->na->mem);
	const struct nm_buf_lut mlut = *nm_mem_lut(mkr->na->mem);
	struct netmap_slot *pslot = pkr->ring->slot, *mslot = mkr->ring->slot;
	u32 pn = pkr->num_slots, mn = mkr->num_slots;
	u16 txmon = t->slot_flags;
	u32 count, prod;

	nm_os_spin_lock(&mr->lock);
	prod = mr->prod;
	for (count = nm_mon_room(mr, &from, nm_dist(from, to, pn), pn); count; count--) {
		nm_mon_copy_slot(&plut, &pslot[from], &mlut, &mslot[prod], txmon);
		from = nm_next(from, pn);
		prod = nm_next(prod, mn);
	}
	nm_mon_publish_unlock(mr, prod);
}

/* How a zero-copy tap passes frames on. */
struct nm_mon_swap {
	u32 nbufs, size;	/* buffers 2 .. nbufs+1 are the region's (0 and 1 are no one's) */
	u16 keep, add;		/* the monitor slot's flags: (parent flags & keep) | add */
};

/*
 * Swaps the buffers of up to n parent slots ps[] with the monitor slots ms[], neither array
 * wrapping, and returns how many it swapped: it stops before the first pair whose buffer indices
 * are not both in the region (the caller skips that pair).  Each field is read once.
 */
static u32 nm_mon_swap_run(struct netmap_slot *ps, struct netmap_slot *ms, u32 n,
			   const struct nm_mon_swap sw)
{
	u32 i;

	for (i = 0; i < n; i++) {
		u32 pidx = READ_ONCE(ps[i].buf_idx), midx = READ_ONCE(ms[i].buf_idx);
		u32 len = READ_ONCE(ps[i].len);
		u16 flags = READ_ONCE(ps[i].flags);

		if (unlikely(pidx - 2 >= sw.nbufs || midx - 2 >= sw.nbufs))
			break;
		WRITE_ONCE(ms[i].buf_idx, pidx);
		WRITE_ONCE(ms[i].len, len > sw.size ? sw.size : len);
		WRITE_ONCE(ms[i].flags, (flags & sw.keep) | sw.add);
		WRITE_ONCE(ps[i].buf_idx, midx);
		WRITE_ONCE(ps[i].flags, flags | NS_BUF_CHANGED);
	}
	return i;
}

/*
 * Zero-copy tap: the watched ring is done with the frames in [from, to).  Each goes to the
 * monitor by swapping buffers, in runs where neither ring wraps.
 */
static void nm_mon_zframes(struct nm_kring_tap *tap, struct nm_kring *pkr, u32 from, u32 to)
{
	struct nm_mon_tap *t = container_of(tap, struct nm_mon_tap, tap);
	struct nm_mon_ring *mr = t->mr;
	struct nm_kring *mkr = mr->mkr;
	const struct nm_buf_lut *lut = nm_mem_lut(mkr->na->mem);
	/* Read once into locals: the compiler may not keep them across the slot accesses. */
	struct netmap_slot *pslot = pkr->ring->slot, *mslot = mkr->ring->slot;
	u32 pn = pkr->num_slots, mn = mkr->num_slots, count, prod, skipped = 0;
	const struct nm_mon_swap sw = {
		.nbufs = lut->total - 2, .size = lut->size,
		.keep = t->chained ? 0xffff : (u16)~NS_TXMON, .add = t->chained ? 0 : t->slot_flags,
	};

	nm_os_spin_lock(&mr->lock);
	prod = mr->prod;
	count = nm_mon_room(mr, &from, nm_dist(from, to, pn), pn);
	while (count) {
		u32 run = nm_min(count, nm_min(pn - from, mn - prod));
		u32 done = nm_mon_swap_run(&pslot[from], &mslot[prod], run, sw);
		u32 bad = done < run;	/* the pair after the swapped ones: skipped */

		skipped += bad;
		from = nm_advance(from, done + bad, pn);
		prod = nm_advance(prod, done, mn);
		count -= done + bad;
	}
	if (skipped)
		WRITE_ONCE(mkr->skipped, mkr->skipped + skipped);
	nm_mon_publish_unlock(mr, prod);
}

static int nm_mon_txsync(struct nm_kring *kr)
{
	(void)kr;
	return -EINVAL;		/* a monitor never sends (spec §7.4) */
}

static int nm_mon_rxsync(struct nm_kring *kr)
{
	struct nm_monitor *mon = kr->na->priv;
	struct nm_mon_ring *mr = &mon->rings[kr->ring_id];

	if (READ_ONCE(mr->cut))
		return -ENXIO;
	kr->hwcur = kr->rhead;
	/* Pairs with the load-acquire in nm_mon_room: we are done with the released slots. */
	smp_store_release(&mr->cons, kr->hwcur);
	kr->hwtail = smp_load_acquire(&mr->prod);	/* pairs with nm_mon_publish_unlock */
	return 0;
}

/* --- taps: placed when a monitor ring appears, removed when it goes ----------------------- */

/* The parent ring of direction d that feeds monitor RX ring k, or NULL if it has none. */
static struct nm_kring *nm_mon_parent_ring(struct nm_adapter *mna, u32 k, enum nm_dir d)
{
	struct nm_monitor *mon = mna->priv;
	struct nm_adapter *pa = mon->parent;
	u32 nics = mna->num_rings[NM_RX];

	if (k < nics)
		return k < pa->num_rings[d] ? &pa->krings[d][k] : NULL;
	k -= nics;
	return k < pa->num_host_rings[d] ? &pa->krings[d][pa->num_rings[d] + k] : NULL;
}

/* The zero-copy monitor ring that taps ring kr (the next in a chain), or NULL. */
static struct nm_mon_ring *nm_mon_next_in_chain(struct nm_kring *kr)
{
	struct nm_kring_tap *t;

	for (t = kr->taps; t; t = t->next)
		if (t->frames == nm_mon_zframes)
			return container_of(t, struct nm_mon_tap, tap)->mr;
	return NULL;
}

/* A watched ring left netmap mode: this ring's syncs fail, and those of the chain after it. */
static void nm_mon_ring_cut(struct nm_mon_ring *mr)
{
	for (; mr; mr = nm_mon_next_in_chain(mr->mkr)) {
		WRITE_ONCE(mr->cut, true);
		nm_kring_wake(mr->mkr);		/* a poller learns at once (POLLERR) */
	}
}

static void nm_mon_cut(struct nm_kring_tap *tap)
{
	struct nm_mon_tap *t = container_of(tap, struct nm_mon_tap, tap);

	t->pkr = NULL;
	nm_mon_ring_cut(t->mr);
}

static void nm_mon_tap(struct nm_mon_ring *mr, enum nm_dir side, struct nm_kring *kr, bool chained)
{
	struct nm_monitor *mon = mr->mkr->na->priv;
	struct nm_mon_tap *t = &mr->side[side];

	t->mr = mr;
	t->slot_flags = side == NM_TX ? NS_TXMON : 0;
	t->chained = chained;
	t->tap.frames = mon->flags & NR_ZCOPY_MON ? nm_mon_zframes : nm_mon_frames;
	t->tap.done = mon->flags & NR_ZCOPY_MON;
	t->tap.cut = nm_mon_cut;
	t->pkr = kr;
	nm_kring_tap_add(kr, &t->tap);
}

static bool nm_mon_untap(struct nm_mon_tap *t)
{
	if (!t->pkr)
		return false;
	nm_kring_tap_del(t->pkr, &t->tap);
	t->pkr = NULL;
	return true;
}

/*
 * Taps what monitor ring mr watches: the parent's TX and RX ring with its index, as the flags
 * say; for a zero-copy monitor, the ring of the last zero-copy monitor already chained there.
 * A parent ring that is not in netmap mode has nothing to show and is not tapped.
 */
static void nm_mon_place(struct nm_mon_ring *mr)
{
	struct nm_adapter *mna = mr->mkr->na;
	struct nm_monitor *mon = mna->priv;
	struct nm_mon_ring *last = NULL, *next;
	int d;

	for (d = 0; d < NM_DIRS && (mon->flags & NR_ZCOPY_MON) && !last; d++) {
		struct nm_kring *pkr = nm_mon_parent_ring(mna, mr->mkr->ring_id, d);

		if (pkr && pkr->ring)
			last = nm_mon_next_in_chain(pkr);
	}
	if (last) {
		while ((next = nm_mon_next_in_chain(last->mkr)))
			last = next;
		nm_mon_tap(mr, NM_RX, last->mkr, true);
		return;
	}
	for (d = 0; d < NM_DIRS; d++) {
		struct nm_kring *pkr = nm_mon_parent_ring(mna, mr->mkr->ring_id, d);

		if ((mon->flags & (d == NM_TX ? NR_MONITOR_TX : NR_MONITOR_RX)) && pkr && pkr->ring)
			nm_mon_tap(mr, d, pkr, false);
	}
}

static int nm_mon_ring_fill(struct nm_kring *kr)
{
	struct nm_monitor *mon = kr->na->priv;
	struct nm_mon_ring *mr;
	int err;

	err = nm_kring_fill_bufs(kr);	/* a zero-copy monitor's come from the parent's region */
	if (err || kr->dir == NM_TX)
		return err;
	mr = &mon->rings[kr->ring_id];
	mr->mkr = kr;
	mr->prod = mr->cons = 0;	/* the ring starts empty (spec §4.3) */
	mr->cut = false;
	mr->side[NM_TX].pkr = mr->side[NM_RX].pkr = NULL;
	nm_mon_place(mr);
	return 0;
}

/*
 * Monitor ring mr leaves: it stops watching, and the zero-copy monitor chained after it, if any,
 * takes its place in the chain.  Returns whether a tap was removed.
 */
static bool nm_mon_leave(struct nm_mon_ring *mr)
{
	struct nm_mon_ring *next = nm_mon_next_in_chain(mr->mkr);
	struct nm_kring *up[NM_DIRS] = { mr->side[NM_TX].pkr, mr->side[NM_RX].pkr };
	bool chained = mr->side[NM_RX].chained, removed;
	int d;

	removed = nm_mon_untap(&mr->side[NM_TX]);
	removed |= nm_mon_untap(&mr->side[NM_RX]);
	if (!next)
		return removed;
	nm_mon_untap(&next->side[NM_RX]);	/* it was on mr's ring */
	for (d = 0; d < NM_DIRS; d++)
		if (up[d])
			nm_mon_tap(next, d, up[d], chained);
	if (!up[NM_TX] && !up[NM_RX])
		nm_mon_ring_cut(next);		/* mr had been cut already */
	return true;
}

static void nm_mon_ring_drain(struct nm_kring *kr)
{
	struct nm_monitor *mon = kr->na->priv;

	/* A parent sync may still be filling this ring: it must end before the ring goes. */
	if (kr->dir == NM_RX && nm_mon_leave(&mon->rings[kr->ring_id]))
		nm_os_wait_data_path();
	nm_kring_free_bufs(kr);
}

static void nm_mon_dtor(struct nm_adapter *na)
{
	struct nm_monitor *mon = na->priv;

	nm_adapter_put(mon->parent);
	nm_os_free(mon->rings);
	nm_os_free(mon);
}

const struct nm_adapter_ops nm_monitor_ops = {
	.txsync = nm_mon_txsync,
	.rxsync = nm_mon_rxsync,
	.ring_fill = nm_mon_ring_fill,
	.ring_drain = nm_mon_ring_drain,
	.dtor = nm_mon_dtor,
};

/* --- lookup: `PORT/r`, `/t`, `/rt` ---------------------------------------------------------- */

/*
 * The region a new monitor's rings live in, with a reference: a zero-copy monitor swaps buffers
 * with its parent, so it shares the parent's region (spec §7.4); a copy monitor gets a private
 * one sized for its rings.
 */
static struct nm_mem *nm_mon_mem(struct nm_adapter *pa, bool zcopy, const u32 rings[NM_DIRS],
				 const u32 host_rings[NM_DIRS], const u32 slots[NM_DIRS])
{
	struct nm_mem_priv_req mreq = {
		.tx_rings = rings[NM_TX] + host_rings[NM_TX],
		.rx_rings = rings[NM_RX] + host_rings[NM_RX],
		.tx_slots = slots[NM_TX], .rx_slots = slots[NM_RX],
	};

	if (!zcopy)
		return nm_mem_private_new(&mreq);
	nm_mem_get(pa->mem);
	return pa->mem;
}

/* A new monitor of pa (whose reference it takes over); ERR_PTR(-errno) on failure. */
static struct nm_adapter *nm_mon_create(struct nm_adapter *pa, const struct nm_port_req *req)
{
	u32 rings[NM_DIRS] = { 1, nm_max(pa->num_rings[NM_TX], pa->num_rings[NM_RX]) };
	u32 host = nm_max(pa->num_host_rings[NM_TX], pa->num_host_rings[NM_RX]);
	u32 host_rings[NM_DIRS] = { host ? 1 : 0, host };
	bool zcopy = req->flags & NR_ZCOPY_MON;
	char name[NETMAP_REQ_IFNAMSIZ + 16];	/* nm_adapter_new truncates what does not fit */
	struct nm_monitor *mon;
	struct nm_adapter *na;
	struct nm_mem *mem;
	u32 slots[NM_DIRS];
	int d, err = -ENOMEM;

	for (d = 0; d < NM_DIRS; d++)
		slots[d] = nm_geom(req->slots[d], pa->num_slots[d], NM_MON_MAX_SLOTS);
	mon = nm_os_malloc(sizeof(*mon));
	if (!mon)
		goto put_parent;
	mon->rings = nm_os_malloc(sizeof(*mon->rings) * (rings[NM_RX] + host));
	if (!mon->rings)
		goto free_mon;
	for (d = 0; d < (int)(rings[NM_RX] + host); d++)
		nm_os_spin_init(&mon->rings[d].lock);
	mon->parent = pa;
	mon->flags = req->flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON);
	if (zcopy)	/* both directions (spec §7.4) */
		mon->flags |= NR_MONITOR_TX | NR_MONITOR_RX;
	mem = nm_mon_mem(pa, zcopy, rings, host_rings, slots);
	if (IS_ERR(mem)) {
		err = PTR_ERR(mem);
		goto free_rings;
	}
	snprintf(name, sizeof(name), "%s/%s%s%s#%u", pa->name, zcopy ? "z" : "",
		 mon->flags & NR_MONITOR_RX ? "r" : "", mon->flags & NR_MONITOR_TX ? "t" : "",
		 pa->monitors_opened++);
	na = nm_adapter_new(name, &nm_monitor_ops, mem, rings, host_rings, slots);
	if (IS_ERR(na)) {	/* it dropped the region's reference */
		err = PTR_ERR(na);
		goto free_rings;
	}
	na->priv = mon;
	return na;

free_rings:
	nm_os_free(mon->rings);
free_mon:
	nm_os_free(mon);
put_parent:
	nm_adapter_put(pa);
	return ERR_PTR(err);
}

static struct nm_adapter *nm_monitor_lookup(const struct nm_port_req *req)
{
	u64 mflags = req->flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON);
	struct nm_port_req preq = *req;
	struct nm_adapter *pa;

	if (!mflags)
		return NULL;
	/*
	 * The parent is resolved as REGISTER would (spec §6.4 step 2), creating it if its kind is
	 * created on open; one just created has no file and fails the check below, and the put
	 * destroys it again.
	 */
	preq.flags &= ~mflags;
	pa = nm_port_lookup(&preq);
	if (IS_ERR(pa))
		return pa;
	if (pa->ops == &nm_monitor_ops || (!pa->bindings && !pa->kernel_owned)) {
		nm_os_log_ratelimited("%s: a monitor needs a port that another file has open in netmap mode (and that is not a monitor)",
				      req->name);
		nm_adapter_put(pa);
		return ERR_PTR(-EINVAL);
	}
	return nm_mon_create(pa, req);
}

struct nm_port_provider nm_monitor_provider = {
	.what = "monitor", .order = NM_PORT_ORDER_MONITOR, .lookup = nm_monitor_lookup,
};
