/*
 * core/vale.c - VALE switches and their ports (spec §6.4, §7.2): names, creation on first use,
 * lifetime, listing and counters.  The data path is in core/vale_fwd.c; the locking rules are in
 * core/vale_priv.h.
 *
 * Switches live in a table of max_bridges entries (fixed at module load).  A switch is created by
 * the first request that names it and freed with its last port.  A port created by REGISTER on
 * `valeX:name` is ephemeral: its adapter (and its private region) goes away with its last user.
 */
#include "params.h"
#include "vale_priv.h"

static struct nm_bridge *nm_bridges;	/* nm_params.max_bridges entries */
static u32 nm_nbridges;

void nm_vale_init(void)
{
	u32 i, n = READ_ONCE(nm_params.max_bridges);

	nm_bridges = nm_os_malloc(sizeof(*nm_bridges) * (n ? n : 1));
	nm_nbridges = nm_bridges ? n : 0;
	for (i = 0; i < nm_nbridges; i++)
		nm_os_rwlock_init(&nm_bridges[i].lock);
}

void nm_vale_fini(void)
{
	nm_os_free(nm_bridges);
	nm_bridges = NULL;
	nm_nbridges = 0;
}

/*
 * Splits "valeX:port" (spec §6.4): the switch part (letters, digits, '_') ends at the first ':',
 * which must be within the first 16 characters; the port part is at most 15 characters.
 */
bool nm_vale_split(const char *name, char bname[NETMAP_REQ_IFNAMSIZ], const char **port)
{
	const char *colon = strchr(name, ':');
	size_t i, blen;

	if (!colon || colon - name >= 16 || strlen(colon + 1) > 15)
		return false;
	blen = colon - name;
	for (i = 0; i < blen; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	memcpy(bname, name, blen);
	bname[blen] = '\0';
	*port = colon + 1;
	return true;
}

struct nm_bridge *nm_bridge_find(const char *bname, bool create)
{
	struct nm_bridge *free_slot = NULL;
	u32 i;

	for (i = 0; i < nm_nbridges; i++) {
		struct nm_bridge *b = &nm_bridges[i];

		if (b->in_use && strcmp(b->name, bname) == 0)
			return b;
		if (!b->in_use && !free_slot)
			free_slot = b;
	}
	if (!create || !free_slot)
		return NULL;
	strscpy(free_slot->name, bname, sizeof(free_slot->name));
	free_slot->in_use = true;
	free_slot->nports = 0;
	memset(free_slot->ht, 0, sizeof(free_slot->ht));
	return free_slot;
}

/* A switch with no ports disappears. */
void nm_bridge_release(struct nm_bridge *b)
{
	if (b->nports == 0)
		b->in_use = false;
}

struct nm_vale_port *nm_bridge_port(struct nm_bridge *b, const char *name)
{
	u32 i;

	for (i = 0; i < NM_BDG_MAXPORTS; i++)
		if (b->ports[i] && strcmp(b->ports[i]->na->name, name) == 0)
			return b->ports[i];
	return NULL;
}

/* Takes the lowest free index; the spec refuses a port when active ports + 2 >= 254. */
int nm_bridge_attach(struct nm_bridge *b, struct nm_vale_port *vp)
{
	u32 i;

	if (b->nports + 2 >= NM_BDG_MAXPORTS) {
		nm_os_log_ratelimited("%s: switch %s is full (%u ports)", vp->na->name, b->name,
				      b->nports);
		return -ENOMEM;
	}
	for (i = 0; b->ports[i]; i++)
		;
	nm_os_write_lock(&b->lock);
	vp->bdg = b;
	vp->index = i;
	b->ports[i] = vp;
	b->nports++;
	nm_os_write_unlock(&b->lock);
	return 0;
}

void nm_bridge_detach(struct nm_vale_port *vp)
{
	struct nm_bridge *b = vp->bdg;
	u32 i;

	nm_os_write_lock(&b->lock);
	b->ports[vp->index] = NULL;
	b->nports--;
	WRITE_ONCE(vp->bdg, NULL);	/* senders re-check it under the lock */
	/* Forget what was learned on this port, so its index can be reused safely. */
	for (i = 0; i < NM_VALE_HT_SIZE; i++)
		if (b->ht[i] >> 48 == vp->index + 1)
			b->ht[i] = 0;
	nm_os_write_unlock(&b->lock);
	nm_bridge_release(b);
}

/* --- rings: an RX ring receives only while it exists, which the bridge lock makes atomic --- */

/* Excludes forwarders from a port's rings; a port on no switch has none to exclude. */
static void nm_vale_port_lock(struct nm_vale_port *vp)
{
	if (vp->bdg)
		nm_os_write_lock(&vp->bdg->lock);
}

static void nm_vale_port_unlock(struct nm_vale_port *vp)
{
	if (vp->bdg)
		nm_os_write_unlock(&vp->bdg->lock);
}

static int nm_vale_ring_fill(struct nm_kring *kr)
{
	struct nm_vale_port *vp = kr->na->priv;
	int err = nm_kring_fill_bufs(kr);

	if (err)
		return err;
	if (kr->dir == NM_TX) {
		vp->txq[kr->ring_id] = nm_os_malloc(sizeof(struct nm_vale_txq));
		if (!vp->txq[kr->ring_id]) {
			nm_kring_free_bufs(kr);
			return -ENOMEM;
		}
	} else {
		struct nm_vale_rxq *rxq = &vp->rxq[kr->ring_id];

		nm_vale_port_lock(vp);
		rxq->lease_tail = rxq->published = rxq->released = 0;
		rxq->lease_head = rxq->lease_count = 0;
		rxq->active = true;
		nm_vale_port_unlock(vp);
	}
	return 0;
}

static void nm_vale_ring_drain(struct nm_kring *kr)
{
	struct nm_vale_port *vp = kr->na->priv;

	if (kr->dir == NM_TX) {
		struct nm_vale_txq *q = vp->txq[kr->ring_id];

		if (q) {	/* counters are forever, the ring is not */
			vp->gone_tx_pkts += q->tx_pkts;
			vp->gone_tx_bytes += q->tx_bytes;
			vp->gone_drop_bad += q->drop_bad;
		}
		nm_os_free(q);
		vp->txq[kr->ring_id] = NULL;
	} else {
		/* After this, no sender is copying into the ring, and none will start. */
		nm_vale_port_lock(vp);
		vp->rxq[kr->ring_id].active = false;
		nm_vale_port_unlock(vp);
	}
	nm_kring_free_bufs(kr);
}

static void nm_vale_dtor(struct nm_adapter *na)
{
	struct nm_vale_port *vp = na->priv;

	if (!vp)
		return;
	if (vp->bdg)
		nm_bridge_detach(vp);
	nm_os_free(vp);
}

const struct nm_adapter_ops nm_vale_ops = {
	.txsync = nm_vale_txsync,
	.rxsync = nm_vale_rxsync,
	.ring_fill = nm_vale_ring_fill,
	.ring_drain = nm_vale_ring_drain,
	.dtor = nm_vale_dtor,
};

/* A VALE port on no switch yet, with the spec's geometry limits (§7.2) in its own private region,
 * or in `mem` when given. */
struct nm_adapter *nm_vale_port_create(const char *name, const u32 req_rings[NM_DIRS],
					      const u32 req_slots[NM_DIRS], u32 extra,
					      struct nm_mem *mem)
{
	static const u32 no_host[NM_DIRS];
	u32 rings[NM_DIRS], slots[NM_DIRS];
	struct nm_vale_port *vp;
	struct nm_adapter *na;
	int d;

	for (d = 0; d < NM_DIRS; d++) {
		rings[d] = nm_geom(req_rings[d], 1, NM_VALE_MAX_RINGS);
		slots[d] = nm_geom(req_slots[d], NM_VALE_DEFAULT_SLOTS, NM_VALE_MAX_SLOTS);
	}
	if (mem) {
		nm_mem_get(mem);
	} else {
		struct nm_mem_priv_req mreq = {
			.tx_rings = rings[NM_TX], .rx_rings = rings[NM_RX],
			.tx_slots = slots[NM_TX], .rx_slots = slots[NM_RX],
			.extra_bufs = extra > NM_VALE_MAX_EXTRA ? NM_VALE_MAX_EXTRA : extra,
			.npipes = 2,
		};

		mem = nm_mem_private_new(&mreq);
		if (IS_ERR(mem))
			return ERR_CAST(mem);
	}
	vp = nm_os_malloc(sizeof(*vp));
	if (!vp) {
		nm_mem_put(mem);
		return ERR_PTR(-ENOMEM);
	}
	na = nm_adapter_new(name, &nm_vale_ops, mem, rings, no_host, slots);
	if (IS_ERR(na)) {
		nm_os_free(vp);
		return na;
	}
	for (d = 0; d < NM_VALE_MAX_RINGS; d++)
		nm_os_spin_init(&vp->rxq[d].lock);
	vp->na = na;
	na->priv = vp;
	return na;
}

/* An ephemeral port (REGISTER on valeX:name): created on switch b, gone with its last user. */
static struct nm_adapter *nm_vale_port_new(struct nm_bridge *b, const struct nm_port_req *req)
{
	struct nm_adapter *na;
	int err;

	na = nm_vale_port_create(req->name, req->rings, req->slots, req->extra_bufs, req->mem);
	if (IS_ERR(na))
		return na;
	err = nm_bridge_attach(b, na->priv);
	if (err) {
		nm_adapter_put(na);	/* not on a switch: the dtor only frees */
		return ERR_PTR(err);
	}
	return na;
}

/* Resolves (and with may_create, creates) the switch and the ephemeral port a name designates. */
static struct nm_adapter *nm_vale_port_lookup(const struct nm_port_req *req)
{
	char bname[NETMAP_REQ_IFNAMSIZ];
	struct nm_vale_port *vp;
	struct nm_adapter *na;
	struct nm_bridge *b;
	const char *port;

	if (!nm_vale_split(req->name, bname, &port)) {
		nm_os_log_ratelimited("%s: invalid VALE name (want valeX:port, switch part of letters, digits and _ up to 15, port part up to 15)",
				      req->name);
		return ERR_PTR(req->may_create ? -ENOMEM : -ENXIO);	/* Compat */
	}
	b = nm_bridge_find(bname, req->may_create);
	if (!b) {
		if (!req->may_create)
			return ERR_PTR(-ENXIO);
		nm_os_log_ratelimited("%s: no free switch (max_bridges=%u)", req->name, nm_nbridges);
		return ERR_PTR(-ENOMEM);
	}
	vp = nm_bridge_port(b, req->name);
	if (vp) {
		nm_adapter_get(vp->na);
		return vp->na;
	}
	if (!req->may_create) {
		nm_bridge_release(b);
		return ERR_PTR(-ENXIO);
	}
	na = nm_vale_port_new(b, req);
	if (IS_ERR(na))
		nm_bridge_release(b);
	return na;
}

/* valeX:port names a VALE port (spec §6.4 step 3). */
static struct nm_adapter *nm_vale_lookup(const struct nm_port_req *req)
{
	return nm_is_vale_name(req->name) ? nm_vale_port_lookup(req) : NULL;
}

struct nm_port_provider nm_vale_provider = {
	.what = "VALE", .order = NM_PORT_ORDER_VALE, .lookup = nm_vale_lookup,
};

int nm_vale_set_vnet_hdr(struct nm_adapter *na, u16 len)
{
	struct nm_vale_port *vp = na->priv;

	if (na->ops != &nm_vale_ops || !vp)
		return -ENXIO;
	nm_os_write_lock(&vp->bdg->lock);
	na->vnet_hdr_len = len;
	nm_os_write_unlock(&vp->bdg->lock);
	return 0;
}

/* --- listing and counters ----------------------------------------------------------------- */

int nm_vale_list_name(const char *name, u16 *bridge, u32 *port)
{
	char bname[NETMAP_REQ_IFNAMSIZ];
	struct nm_vale_port *vp;
	struct nm_bridge *b;
	const char *pname;

	if (strncmp(name, "vale", 4) != 0)
		return -EINVAL;
	if (!nm_vale_split(name, bname, &pname))
		return -EINVAL;
	b = nm_bridge_find(bname, false);
	if (!b)
		return -ENOENT;
	vp = nm_bridge_port(b, name);
	*bridge = b - nm_bridges;
	*port = vp ? vp->index : NM_BDG_NOPORT;
	return 0;
}

int nm_vale_list_next(u16 *bridge, u32 *port, char *name, size_t size)
{
	u32 bi, pi = *port;

	for (bi = *bridge; bi < nm_nbridges; bi++, pi = 0) {
		struct nm_bridge *b = &nm_bridges[bi];

		if (!b->in_use)
			continue;
		for (; pi < NM_BDG_MAXPORTS; pi++) {
			if (b->ports[pi]) {
				strscpy(name, b->ports[pi]->na->name, size);
				*bridge = bi;
				*port = pi;
				return 0;
			}
		}
	}
	return -ENOENT;
}

static void nm_vale_sum(const struct nm_vale_port *vp, struct nm_vale_stats *st)
{
	u32 i;

	memset(st, 0, sizeof(*st));
	st->tx_pkts = vp->gone_tx_pkts;
	st->tx_bytes = vp->gone_tx_bytes;
	st->drop_bad = vp->gone_drop_bad;
	for (i = 0; i < NM_VALE_MAX_RINGS; i++) {
		const struct nm_vale_txq *q = vp->txq[i];

		st->rx_pkts += vp->rxq[i].rx_pkts;
		st->rx_bytes += vp->rxq[i].rx_bytes;
		st->drop_full += vp->rxq[i].drop_full;
		if (q) {
			st->tx_pkts += q->tx_pkts;
			st->tx_bytes += q->tx_bytes;
			st->drop_bad += q->drop_bad;
		}
	}
	st->drop_unbound = atomic64_read(&vp->drop_unbound);
}

int nm_vale_port_stats(const char *name, struct nm_vale_stats *st)
{
	u32 bi;

	for (bi = 0; bi < nm_nbridges; bi++) {
		struct nm_vale_port *vp;

		if (!nm_bridges[bi].in_use)
			continue;
		vp = nm_bridge_port(&nm_bridges[bi], name);
		if (vp) {
			nm_vale_sum(vp, st);
			return 0;
		}
	}
	return -ENXIO;
}

void nm_vale_foreach_port(nm_vale_port_fn fn, void *arg)
{
	u32 bi, pi;

	for (bi = 0; bi < nm_nbridges; bi++) {
		struct nm_bridge *b = &nm_bridges[bi];

		for (pi = 0; b->in_use && pi < NM_BDG_MAXPORTS; pi++) {
			struct nm_vale_stats st;

			if (!b->ports[pi])
				continue;
			nm_vale_sum(b->ports[pi], &st);
			fn(arg, b->ports[pi]->na->name, bi, pi, &st);
		}
	}
}

const struct nm_counter nm_vale_port_counters[] = {
	NM_COUNTER(struct nm_vale_stats, tx_pkts, "frames this port sent into the switch"),
	NM_COUNTER(struct nm_vale_stats, tx_bytes, "bytes this port sent into the switch"),
	NM_COUNTER(struct nm_vale_stats, rx_pkts, "frames the switch delivered to this port"),
	NM_COUNTER(struct nm_vale_stats, rx_bytes, "bytes the switch delivered to this port"),
	NM_COUNTER(struct nm_vale_stats, drop_full, "frames for this port dropped: RX ring full"),
	NM_COUNTER(struct nm_vale_stats, drop_bad, "frames this port sent that were invalid"),
	NM_COUNTER(struct nm_vale_stats, drop_unbound, "frames for this port: RX ring not bound"),
};
const size_t nm_vale_port_ncounters = NM_COUNTERS_N(nm_vale_port_counters);
