/*
 * core/vale_fwd.c - the VALE data path (spec §7.2 "Forwarding"): it runs in the sender's TX sync.
 *
 *  1. collect   up to bridge_batch slots of the sender's TX ring into fragments and packets,
 *               reading each slot once;
 *  2. look up   each packet's destination in the learning table (learning its source MAC);
 *  3. deliver   per destination ring: reserve slots under the ring's short lock (a lease), copy
 *               without the lock, then publish completed leases in reservation order.
 *
 * Several senders can therefore fill one destination ring at the same time on different CPUs:
 * they serialise only to reserve and to publish.  The whole sync holds the switch's lock for
 * reading, so no port or ring disappears while it is used (see core/vale_priv.h).
 */
#include "params.h"
#include "vale_priv.h"

#define NM_MAC_MASK	0xffffffffffffULL

/*
 * A MAC address as a 48-bit key: the six bytes in memory order, loaded with one unaligned 64-bit
 * read (the Ethernet header is 14 bytes, so the source MAC's read stays inside it).  Only equality
 * and hashing use the key, so its byte order does not matter; the group bit is checked on bytes.
 */
static inline u64 nm_mac_key(const u8 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v & NM_MAC_MASK;
}

/* The group (broadcast/multicast) bit: bit 0 of the first byte, the key's lowest byte on the
 * little-endian machines this module builds for. */
static inline bool nm_mac_group(u64 key)
{
	return key & 1;
}

static inline u32 nm_mac_hash(u64 mac)
{
	mac ^= mac >> 23;
	mac *= 0x2127599bf4325c37ULL;
	mac ^= mac >> 47;
	return (u32)mac & (NM_VALE_HT_SIZE - 1);
}

/* --- 1. collect --------------------------------------------------------------------------- */

/* Reads one TX slot; a length past the buffer, or an indirect slot with no pointer, is empty. */
static void nm_vale_take_slot(struct nm_kring *kr, struct netmap_slot *slot,
			      const struct nm_buf_lut *lut, struct nm_vale_frag *f)
{
	u32 idx = READ_ONCE(slot->buf_idx);
	u16 flags = READ_ONCE(slot->flags);

	f->len = READ_ONCE(slot->len);
	f->more = flags & NS_MOREFRAG;
	f->no_learn = flags & NS_NO_LEARN;
	f->indirect = flags & NS_INDIRECT;
	if (f->indirect) {
		f->src = READ_ONCE(slot->ptr);
		if (!f->src)
			f->len = 0;
	} else {
		f->src = (u64)(uintptr_t)nm_buf_lut_addr(lut, idx);
	}
	if (f->len > lut->size) {
		f->len = 0;
		kr->bad_slots++;
	}
	if (flags & NS_BUF_CHANGED)
		WRITE_ONCE(slot->flags, flags & ~NS_BUF_CHANGED);
}

/*
 * Collects packets from slot i up to head, at most `batch` fragments.  A chain still open at head
 * is cut there (spec §4.10); a chain the batch cannot finish waits for the next batch unless it
 * is the only packet.  Returns the slot after the last one taken.
 */
static u32 nm_vale_collect(struct nm_kring *kr, struct nm_vale_txq *q, u32 i, u32 head, u32 batch,
			   u32 *npkts)
{
	const struct nm_buf_lut *lut = nm_mem_lut(kr->na->mem);
	struct netmap_slot *slots = kr->ring->slot;
	u32 n = kr->num_slots, nf = 0, np = 0, pkt_start = i;
	struct nm_vale_pkt *p = NULL;

	while (i != head && nf < batch) {
		struct nm_vale_frag *f = &q->frag[nf];

		if (!p) {
			p = &q->pkt[np];
			p->first = nf;
			p->nfrags = 0;
			p->len = 0;
			pkt_start = i;
		}
		nm_vale_take_slot(kr, &slots[i], lut, f);
		p->nfrags++;
		p->len += f->len;
		nf++;
		i = nm_next(i, n);
		if (!f->more || p->nfrags == NETMAP_MAX_FRAGS || i == head) {
			f->more = false;	/* cut at head or at the fragment limit */
			np++;
			p = NULL;
		}
	}
	if (p) {			/* the batch ended inside a packet */
		if (np > 0)
			i = pkt_start;	/* take it whole next time */
		else
			np = 1, q->frag[nf - 1].more = false;
	}
	*npkts = np;
	q->single = nf == np;	/* every packet one slot: the fast paths below apply */
	return i;
}

/* Reads len bytes at offset off of a fragment, from the region or (NS_INDIRECT) user memory. */
static int nm_vale_read(const struct nm_vale_frag *f, u32 off, void *dst, u32 len)
{
	if (f->indirect)
		return nm_os_copy_from_user_nofault(dst, f->src + off, len);
	memcpy(dst, (const void *)(uintptr_t)(f->src + off), len);
	return 0;
}

/* --- 2. look up --------------------------------------------------------------------------- */

/*
 * Finds the Ethernet header behind a virtio-net header of vh bytes (spec §7.2.2): the virtio-net
 * header lies in the first fragment, either followed by the frame or filling the fragment of a
 * multi-slot packet.  Also tells whether that header asks for segmentation (gso_type, byte 1).
 */
static const u8 *nm_vale_eth_header(const struct nm_vale_txq *q, struct nm_vale_pkt *p,
				     u8 copy[14])
{
	const struct nm_vale_frag *f = &q->frag[p->first];
	u32 vh = q->vnet_hdr, off = 0;
	u8 gso_type = 0;

	p->gso = false;
	if (vh) {
		if (f->len < vh || nm_vale_read(f, 1, &gso_type, 1))
			return NULL;
		p->gso = gso_type != 0;
		if (f->len == vh) {
			if (p->nfrags < 2)
				return NULL;
			f++;
		} else {
			off = vh;
		}
	}
	if (f->len < off + 14)
		return NULL;		/* shorter than an Ethernet header */
	if (!f->indirect)
		return (const u8 *)(uintptr_t)(f->src + off);	/* in the region: read in place */
	return nm_os_copy_from_user_nofault(copy, f->src + off, 14) ? NULL : copy;
}

/* The destination of a packet; *bad when it is invalid (too short, or its header faults). */
static u8 nm_vale_lookup_dst(struct nm_vale_port *src, struct nm_vale_txq *q,
			     struct nm_vale_pkt *p, bool *bad)
{
	struct nm_bridge *b = src->bdg;
	const struct nm_vale_frag *f = &q->frag[p->first];
	const u8 *hdr;
	u8 copy[14];
	u64 smac, dmac, e;

	hdr = nm_vale_eth_header(q, p, copy);
	*bad = !hdr;
	if (*bad)
		return NM_BDG_NOPORT;
	dmac = nm_mac_key(hdr);
	smac = nm_mac_key(hdr + 6);
	if (!f->no_learn && !nm_mac_group(smac) && smac != READ_ONCE(src->last_smac)) {
		WRITE_ONCE(src->last_smac, smac);
		WRITE_ONCE(b->ht[nm_mac_hash(smac)], smac | (u64)(src->index + 1) << 48);
	}
	if (nm_mac_group(dmac))
		return NM_BDG_BROADCAST;	/* broadcast and multicast */
	e = READ_ONCE(b->ht[nm_mac_hash(dmac)]);
	if (e && (e & NM_MAC_MASK) == dmac) {
		u8 port = (u8)((e >> 48) - 1);

		return port == src->index ? NM_BDG_NOPORT : port;	/* never back to the sender */
	}
	return NM_BDG_BROADCAST;		/* unknown unicast is flooded */
}

/* --- 3. deliver --------------------------------------------------------------------------- */


/*
 * Reserves room for the selected packets, in order, stopping at the first one that does not fit
 * whole: that one and the rest are dropped (counted).  Returns the lease slot, or -1 when nothing
 * was reserved; *taken is how many of the selected packets got room.
 */
static int nm_vale_reserve(struct nm_vale_rxq *rxq, u32 n, const struct nm_vale_txq *q,
			   const u16 *sel, u32 nsel, u32 *start, u32 *taken)
{
	u32 free, i, frags = 0;
	int lid = -1;

	nm_os_spin_lock(&rxq->lock);
	free = rxq->lease_count < NM_VALE_MAX_LEASES ?
	       n - 1 - nm_dist(rxq->released, rxq->lease_tail, n) : 0;
	if (q->single) {
		i = frags = nsel < free ? nsel : free;
	} else {
		for (i = 0; i < nsel && frags + q->pkt[sel[i]].nfrags <= free; i++)
			frags += q->pkt[sel[i]].nfrags;
	}
	rxq->drop_full += nsel - i;
	if (frags) {
		lid = (rxq->lease_head + rxq->lease_count) % NM_VALE_MAX_LEASES;
		*start = rxq->lease_tail;
		rxq->lease_tail = nm_advance(rxq->lease_tail, frags, n);
		rxq->lease[lid].end = rxq->lease_tail;
		rxq->lease[lid].done = false;
		rxq->lease_count++;
	}
	nm_os_spin_unlock(&rxq->lock);
	*taken = i;
	return lid;
}

/* Marks a lease complete and publishes every completed lease at the head, in order. */
static void nm_vale_publish(struct nm_vale_rxq *rxq, int lid, u32 pkts, u64 bytes)
{
	nm_os_spin_lock(&rxq->lock);
	rxq->lease[lid].done = true;
	while (rxq->lease_count && rxq->lease[rxq->lease_head].done) {
		rxq->published = rxq->lease[rxq->lease_head].end;
		rxq->lease_head = (rxq->lease_head + 1) % NM_VALE_MAX_LEASES;
		rxq->lease_count--;
	}
	rxq->rx_pkts += pkts;
	rxq->rx_bytes += bytes;
	nm_os_spin_unlock(&rxq->lock);
}

/*
 * The common case of nm_vale_copy_frag, small enough to inline into the per-slot loop: a
 * fragment in the region (not NS_INDIRECT), no virtio-net header on either side.
 */
static __always_inline u16 nm_vale_copy_plain(const struct nm_vale_frag *f,
					       struct netmap_slot *slot, const struct nm_buf_lut *dlut)
{
	if (f->len > dlut->size)
		return 0;
	nm_buf_copy(nm_buf_lut_addr(dlut, READ_ONCE(slot->buf_idx)), (const void *)(uintptr_t)f->src,
		    f->len);	/* f->len <= the source buffer's size */
	return f->len;
}

/*
 * Copies one fragment into a destination slot; what does not fit, or faults, becomes empty.  On
 * the first fragment, a virtio-net header of sh bytes becomes one of dh bytes (spec §7.2.10): the
 * common prefix is kept, the rest zeroed, and a 12-byte header says one buffer (num_buffers = 1).
 */
static u16 nm_vale_copy_frag(const struct nm_vale_frag *f, struct netmap_slot *slot,
			     const struct nm_buf_lut *dlut, u32 sh, u32 dh)
{
	u8 *dst;
	u32 len = f->len - sh + dh;

	if (likely(!sh && !dh && !f->indirect))
		return nm_vale_copy_plain(f, slot, dlut);
	dst = nm_buf_lut_addr(dlut, READ_ONCE(slot->buf_idx));
	if (f->len < sh || len > dlut->size)
		return 0;
	if (sh != dh) {
		memset(dst, 0, dh);
		if (nm_vale_read(f, 0, dst, sh < dh ? sh : dh))
			return 0;
		if (dh == 12)
			dst[10] = 1, dst[11] = 0;
	}
	return nm_vale_read(f, sh, dst + dh, f->len - sh) ? 0 : (u16)len;
}

/* Copies the selected packets into ring `ring` of port dp, in order. */
static void nm_vale_deliver(struct nm_vale_port *dp, u32 ring, const struct nm_vale_txq *q,
			    const u16 *sel, u32 nsel)
{
	struct nm_kring *kr = &dp->na->krings[NM_RX][ring];
	struct nm_vale_rxq *rxq = &dp->rxq[ring];
	const struct nm_buf_lut *dlut = nm_mem_lut(dp->na->mem);
	u32 n = kr->num_slots, dh = dp->na->vnet_hdr_len, start = 0, taken, i, j, k;
	u64 bytes = 0;
	int lid;

	if (!READ_ONCE(rxq->active)) {
		atomic64_add(nsel, &dp->drop_unbound);
		return;
	}
	lid = nm_vale_reserve(rxq, n, q, sel, nsel, &start, &taken);
	if (lid < 0)
		return;
	if (q->single && !q->vnet_hdr && !dh) {
		for (i = 0, j = start; i < taken; i++) {
			struct netmap_slot *slot = &kr->ring->slot[j];
			const struct nm_vale_frag *f = &q->frag[q->pkt[sel[i]].first];
			u16 len = likely(!f->indirect) ? nm_vale_copy_plain(f, slot, dlut) :
							 nm_vale_copy_frag(f, slot, dlut, 0, 0);

			WRITE_ONCE(slot->len, len);
			WRITE_ONCE(slot->flags, 1 << 8);	/* one fragment */
			bytes += len;
			j = nm_next(j, n);
		}
		goto publish;
	}
	for (i = 0, j = start; i < taken; i++) {
		const struct nm_vale_pkt *p = &q->pkt[sel[i]];

		for (k = 0; k < p->nfrags; k++) {
			struct netmap_slot *slot = &kr->ring->slot[j];
			u16 len = nm_vale_copy_frag(&q->frag[p->first + k], slot, dlut,
						    k == 0 ? q->vnet_hdr : 0, k == 0 ? dh : 0);

			WRITE_ONCE(slot->len, len);
			WRITE_ONCE(slot->flags, (u16)(p->nfrags << 8) |
				   (k + 1 < p->nfrags ? NS_MOREFRAG : 0));
			bytes += len;
			j = nm_next(j, n);
		}
	}
publish:
	nm_vale_publish(rxq, lid, taken, bytes);
	nm_kring_wake(kr);
}

/* The packets of the batch that go to dp, in batch order; GSO frames a port without a virtio-net
 * header cannot take are counted as bad instead (no software segmentation yet). */
static u32 nm_vale_select(struct nm_vale_txq *q, u32 npkts, const struct nm_vale_port *dp)
{
	bool no_gso = q->vnet_hdr && dp->na->vnet_hdr_len == 0;
	u32 i, nsel = 0;

	for (i = 0; i < npkts; i++) {
		const struct nm_vale_pkt *p = &q->pkt[i];

		if (p->dst != dp->index && p->dst != NM_BDG_BROADCAST)
			continue;
		if (no_gso && p->gso)
			q->drop_bad++;
		else
			q->sel[nsel++] = i;
	}
	return nsel;
}

/*
 * The port a broadcast reaches when it is the only one besides the sender: on a switch of two
 * ports, the other one (known already if a unicast packet named it).  NM_BDG_NOPORT otherwise.
 * The usual benchmark, as pkt-gen's default destination is ff:ff:ff:ff:ff:ff.
 */
static u32 nm_vale_other_port(const struct nm_bridge *b, const struct nm_vale_port *src, u32 known)
{
	u32 i;

	if (b->nports != 2)
		return NM_BDG_NOPORT;
	if (known != NM_BDG_NOPORT)
		return known;
	for (i = 0; i < NM_BDG_MAXPORTS; i++)
		if (b->ports[i] && i != src->index)
			return i;
	return NM_BDG_NOPORT;
}

/* Delivers a batch to every destination it names: unicast to ring (source ring mod the
 * destination's rings), broadcast to ring 0 of every other port. */
static void nm_vale_forward(struct nm_vale_port *src, u32 src_ring, struct nm_vale_txq *q,
			    u32 npkts)
{
	struct nm_bridge *b = src->bdg;
	u8 seen[NM_BDG_MAXPORTS] = { 0 };
	u32 i, left, ndst = 0, last = NM_BDG_NOPORT;
	bool bcast = false, nowhere = false;

	for (i = 0; i < npkts; i++) {
		u8 d = q->pkt[i].dst;

		if (d == NM_BDG_BROADCAST) {
			bcast = true;
		} else if (d == NM_BDG_NOPORT) {
			nowhere = true;
		} else if (!seen[d]) {
			seen[d] = 1;
			ndst++;
			last = d;
		}
	}
	/* The common case: the whole batch goes to one port, and needs no selection pass. */
	if (!q->vnet_hdr && !nowhere && ndst <= 1) {
		u32 d = bcast ? nm_vale_other_port(b, src, last) : last;
		struct nm_vale_port *dp = d != NM_BDG_NOPORT ? b->ports[d] : NULL;

		if (dp) {
			for (i = 0; i < npkts; i++)
				q->sel[i] = i;
			nm_vale_deliver(dp, ndst ? src_ring % dp->na->num_rings[NM_RX] : 0, q,
					q->sel, npkts);
			return;
		}
	}
	for (i = 0, left = b->nports; i < NM_BDG_MAXPORTS && left; i++) {
		struct nm_vale_port *dp = b->ports[i];
		u32 nsel;

		if (!dp)
			continue;
		left--;
		if (i == src->index || !(seen[i] || bcast))
			continue;
		nsel = nm_vale_select(q, npkts, dp);
		if (nsel)
			nm_vale_deliver(dp, seen[i] ? src_ring % dp->na->num_rings[NM_RX] : 0, q,
					q->sel, nsel);
	}
}

/*
 * Forwards the packets in slots [i, head) of kring `src`, on behalf of port vp and its TX ring
 * `ring` (whose scratch space and counters are used).  `src` is vp's own TX ring for a sender, or
 * a device's RX ring when a device is on the switch (core/vale_nic.c); the caller holds it.
 */
void nm_vale_forward_slots(struct nm_vale_port *vp, u32 ring, struct nm_kring *src, u32 i,
			   u32 head)
{
	struct nm_vale_txq *q = vp->txq[ring];
	struct nm_bridge *b = READ_ONCE(vp->bdg);
	u32 batch = READ_ONCE(nm_params.bridge_batch);
	u32 npkts, k;

	if (batch == 0 || batch > NM_VALE_BATCH)
		batch = NM_VALE_BATCH;
	if (!b)
		return;			/* a persistent port on no switch: nowhere to go */
	nm_os_read_lock(&b->lock);
	if (vp->bdg != b) {		/* detached while we were getting the lock */
		nm_os_read_unlock(&b->lock);
		return;
	}
	q->vnet_hdr = READ_ONCE(vp->na->vnet_hdr_len);	/* stable under the switch lock */
	while (i != head) {
		i = nm_vale_collect(src, q, i, head, batch, &npkts);
		for (k = 0; k < npkts; k++) {
			struct nm_vale_pkt *p = &q->pkt[k];
			bool bad;

			p->dst = nm_vale_lookup_dst(vp, q, p, &bad);
			if (bad) {
				q->drop_bad++;
			} else {
				q->tx_pkts++;
				q->tx_bytes += p->len;
			}
		}
		nm_vale_forward(vp, ring, q, npkts);
	}
	nm_os_read_unlock(&b->lock);
}

int nm_vale_txsync(struct nm_kring *kr)
{
	u32 head = kr->rhead;

	nm_vale_forward_slots(kr->na->priv, kr->ring_id, kr, kr->hwcur, head);
	/* Everything was copied or dropped: the whole ring is free again (spec §7.2.8). */
	kr->hwcur = head;
	kr->hwtail = nm_prev(head, kr->num_slots);
	return 0;
}

int nm_vale_rxsync(struct nm_kring *kr)
{
	struct nm_vale_port *vp = kr->na->priv;
	struct nm_vale_rxq *rxq = &vp->rxq[kr->ring_id];

	nm_os_spin_lock(&rxq->lock);
	rxq->released = kr->rhead;	/* senders may now refill what the receiver gave back */
	kr->hwtail = rxq->published;
	nm_os_spin_unlock(&rxq->lock);
	kr->hwcur = kr->rhead;
	return 0;
}
