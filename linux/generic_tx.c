/*
 * linux/generic_tx.c - frames out of netmap through the generic adapter (spec §7.6 TX, §7.7 host
 * TX ring -> stack).  This file owns the TX rings' data path and the accounting of frames in
 * flight.
 *
 * NIC TX ring: txsync turns each packet in [hwcur, head) (one or several NS_MOREFRAG slots) into
 * one skb, copied, and hands it straight to the driver on the ring's queue (see "NIC TX ring ->
 * driver" below), not through dev_queue_xmit: it sends on exactly the queue we name, it bypasses
 * the qdisc (which would drop when full) and gets a full device queue reported as NETDEV_TX_BUSY,
 * which we turn into backpressure (hwcur stays, the application sees no new space), and it
 * bypasses the egress hook, so the host-ring capture (generic_rx.c) never sees netmap's own
 * frames.
 *
 * Completion: the slots' data is copied, so the buffers could be reused at once, but tail moves
 * only as the device releases the frames: that is what paces the application to the device.  Each
 * skb gets a destructor (the kernel's one completion signal that every driver honours: it runs
 * when the driver, or whoever the driver passed the frame to, frees it) that counts completions
 * in a small refcounted object (struct nm_gen_tx_comp) rather than in the ring, because a frame can
 * outlive its ring, its adapter and its device.  txsync turns the count into hwtail through a FIFO
 * of where each frame in flight ends.  Pollers are woken every quarter ring of completions and
 * when the last frame in flight completes; a short timer covers "busy with nothing in flight".
 *
 * Frame memory: a frame that fits in a page is built (napi_build_skb) in memory carved, in
 * order, out of a ring of pages this TX ring keeps (num_slots of them at most), instead of a fresh
 * allocation per frame: kmalloc'd skb data is zeroed on allocation on kernels with init_on_alloc,
 * Debian's default, and that was half of the sender's time.  Each frame holds a reference to its
 * page (taken out of a batch of references added when carving starts in the page, so that a
 * frame costs no atomic operation), which the stack drops when it frees the data (clones
 * included).  When the carving comes
 * back to a page it is reused if ours is the only reference left, and otherwise left to whoever
 * still holds it and replaced.  Small frames share pages (eight 60-byte frames to a page), which
 * keeps the memory a busy ring touches small.  Larger frames use alloc_skb.
 *
 * Recycling: on a veth pair whose peer is also in netmap mode, the peer receives the very skb
 * we sent, and generic_rx.c's rxsync copies it into its ring on the application's CPU.  It then
 * completes the frame at once (nm_gen_tx_recycle: the count above, no destructor) and hands the
 * skb back to this ring's `comp->recycle` list; txsync frees one such skb (napi_consume_skb)
 * just before each allocation, which takes the same skb straight back from this CPU's cache.
 * Freed on the receiving CPU instead, every skb went back to the slab, and every new one came
 * out of it zeroed (init_on_alloc): a sixth of the sender's time.  A recycled frame keeps its
 * reference to comp until it is freed; the ring's stop frees what is left, and a frame copied
 * after its ring stopped is freed by the rxsync that copied it.
 *
 * Host TX ring: each packet becomes an skb received on the device (netif_receive_skb with bottom
 * halves off, as a driver's NAPI poll would), marked so that our own rx handler lets it through.
 * The ring is free again at once.
 */
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/dst.h>

#include "generic.h"

/* Frames sent by netmap whose skb is not yet freed, all adapters: module unload waits for 0. */
static atomic_long_t nm_gen_inflight = ATOMIC_LONG_INIT(0);

/* Drops n references to c (frames freed, or the ring's own). */
static void nm_gen_tx_comp_put_many(struct nm_gen_tx_comp *c, u32 n)
{
	if (n && refcount_sub_and_test(n, &c->ref))
		nm_os_free(c);
}

static void nm_gen_tx_comp_put(struct nm_gen_tx_comp *c)
{
	nm_gen_tx_comp_put_many(c, 1);
}

/* One frame of c's ring completed: count it, and wake the ring's pollers when that is due.
 * Inside an RCU read-side section. */
static void nm_gen_tx_complete(struct nm_gen_tx_comp *c)
{
	struct nm_kring *kr;
	u32 done;

	done = atomic_inc_return(&c->done);	/* full barrier: pairs with txsync's smp_mb */
	kr = rcu_dereference(c->kr);
	if (kr && (done == READ_ONCE(c->sent) || done % c->wake_every == 0))
		nm_kring_wake(kr);
}

/*
 * Runs wherever the skb is freed: process or softirq context.  The whole body is one RCU
 * read-side section, so that module unload (nm_gen_tx_drain_all), which waits for the in-flight
 * count to reach 0 and then for an RCU grace period, cannot return while a destructor that has
 * just dropped the count is still running module code.
 */
static void nm_gen_tx_destructor(struct sk_buff *skb)
{
	struct nm_gen_tx_comp *c = skb_shinfo(skb)->destructor_arg;

	rcu_read_lock();
	nm_gen_tx_complete(c);
	nm_gen_tx_comp_put(c);
	atomic_long_dec(&nm_gen_inflight);	/* last: module unload waits for this */
	rcu_read_unlock();
}

/* Frees a list of recycled frames (process context), dropping their references to c. */
static void nm_gen_tx_recycled_free(struct nm_gen_tx_comp *c, struct llist_node *list)
{
	struct sk_buff *skb, *next;
	u32 n = 0;

	llist_for_each_entry_safe(skb, next, list, ll_node) {
		consume_skb(skb);
		n++;
	}
	nm_gen_tx_comp_put_many(c, n);
}

/*
 * A frame one of our TX rings sent has been copied into a netmap RX ring (generic_rx.c's
 * rxsync; a veth hands its peer the very skb we sent): it is complete now, and its memory goes
 * back to its TX ring (see "Recycling" above).  False: the frame is not ours.
 */
bool nm_gen_tx_recycle(struct sk_buff *skb)
{
	struct nm_gen_tx_comp *c;

	if (skb->destructor != nm_gen_tx_destructor)
		return false;
	c = skb_shinfo(skb)->destructor_arg;
	skb->destructor = NULL;		/* it keeps its reference to c until it is freed */
	skb_dst_drop(skb);
	rcu_read_lock();
	nm_gen_tx_complete(c);
	rcu_read_unlock();
	atomic_long_dec(&nm_gen_inflight);	/* it no longer points into this module's code */
	llist_add(&skb->ll_node, &c->recycle);	/* full barrier: pairs with nm_gen_tx_ring_stop's smp_mb */
	if (unlikely(!rcu_access_pointer(c->kr)))	/* the ring stopped: nobody else frees it */
		nm_gen_tx_recycled_free(c, llist_del_all(&c->recycle));
	return true;
}

static void nm_gen_tx_ring_retry(struct timer_list *tm)
{
	struct nm_gen_tx_ring *t = from_timer(t, tm, retry);

	nm_kring_wake(t->kr);
}

/* The ring enters netmap mode (control lock + rtnl). */
int nm_gen_tx_ring_start(struct nm_gen_adapter *g, struct nm_gen_tx_ring *t, struct nm_kring *kr)
{
	struct nm_gen_tx_comp *c = nm_os_malloc(sizeof(*c));
	u32 *fe = nm_os_malloc(sizeof(*fe) * kr->num_slots);
	struct page **pg = nm_os_malloc(sizeof(*pg) * kr->num_slots);	/* zeroed */

	if (!c || !fe || !pg) {
		nm_os_free(c);
		nm_os_free(fe);
		nm_os_free(pg);
		return -ENOMEM;
	}
	t->page = pg;
	refcount_set(&c->ref, 1);
	atomic_set(&c->done, 0);
	init_llist_head(&c->recycle);
	c->wake_every = max_t(u32, 1, kr->num_slots / 4);
	rcu_assign_pointer(c->kr, kr);
	t->comp = c;
	t->frame_end = fe;
	t->sent = t->reclaimed = 0;
	t->fifo_w = t->fifo_r = 0;
	t->pg_cur = t->pg_off = t->pg_refs = 0;
	t->recycled = NULL;
	timer_setup(&t->retry, nm_gen_tx_ring_retry, 0);
	return 0;
}

/* The ring leaves netmap mode.  Frames still in flight keep `comp` alive and only count. */
void nm_gen_tx_ring_stop(struct nm_gen_adapter *g, struct nm_gen_tx_ring *t)
{
	struct nm_gen_tx_comp *c = t->comp;
	u32 i;

	del_timer_sync(&t->retry);
	RCU_INIT_POINTER(c->kr, NULL);	/* the adapter's dtor waits a grace period */
	smp_mb();	/* kr cleared before recycle is emptied: pairs with nm_gen_tx_recycle */
	nm_gen_tx_recycled_free(c, t->recycled);
	t->recycled = NULL;
	nm_gen_tx_recycled_free(c, llist_del_all(&c->recycle));
	t->comp = NULL;
	nm_gen_tx_comp_put(c);
	nm_os_free(t->frame_end);
	t->frame_end = NULL;
	if (t->page[t->pg_cur])
		page_ref_sub(t->page[t->pg_cur], t->pg_refs);
	for (i = 0; i < t->kr->num_slots; i++)
		if (t->page[i])
			put_page(t->page[i]);	/* frames still in flight hold their own */
	nm_os_free(t->page);
	t->page = NULL;
}

void nm_gen_tx_drain_all(void)
{
	int i;

	for (i = 0; atomic_long_read(&nm_gen_inflight) > 0; i++) {
		if (i % 500 == 0)
			pr_info("netmap: unload waits for %ld frames still held by the network stack\n",
				atomic_long_read(&nm_gen_inflight));
		msleep(10);
	}
	synchronize_net();	/* the last destructor has returned */
}

/* --- NIC TX ring -> driver ------------------------------------------------------------------ */

/*
 * txsync works in batches of up to NM_GEN_TX_BATCH frames: it builds their skbs, then hands them
 * to the driver under one hold of the queue's transmit lock, each but the last marked "more to
 * come" (xmit_more), so that a NIC rings its doorbell once per batch, the way the kernel's own
 * pktgen sends.  This replaces __dev_direct_xmit, which would validate each skb (ours need
 * nothing: linear, no GSO, no checksum to finish) and take the lock per frame; like it, frames
 * bypass the qdisc and the packet taps.  Bottom halves stay off for the whole batch and come back
 * on between batches: for a veth, that runs the peer's receive path once per batch (the
 * backlog's NAPI weight is 64) instead of once per frame.
 */

/*
 * References taken on a page at once when carving starts in it, as many as frames it can hold
 * (each takes more than an aligned skb_shared_info): a frame then takes its own without an
 * atomic operation, and the ones left are given back when carving moves on.
 */
#define NM_GEN_TX_PAGE_REFS (PAGE_SIZE / SKB_DATA_ALIGN(sizeof(struct skb_shared_info)))

/*
 * size bytes for a frame's data and skb_shared_info, carved in order out of the ring's pages (see
 * "Frame memory" above).  Each frame holds a reference to its page.
 */
static void *nm_gen_tx_frag(struct nm_gen_tx_ring *t, u32 size)
{
	struct page **pp = &t->page[t->pg_cur];
	void *data;

	if (!*pp || t->pg_off + size > PAGE_SIZE) {
		if (*pp) {
			page_ref_sub(*pp, t->pg_refs);
			t->pg_cur = nm_next(t->pg_cur, t->kr->num_slots);
			pp = &t->page[t->pg_cur];
		}
		if (*pp && page_ref_count(*pp) != 1) {
			put_page(*pp);	/* the stack still holds frames in it: it frees the page */
			*pp = NULL;
		}
		if (!*pp) {
			*pp = alloc_page(GFP_ATOMIC | __GFP_NOWARN);
			if (!*pp)
				return NULL;
		}
		page_ref_add(*pp, NM_GEN_TX_PAGE_REFS);
		t->pg_refs = NM_GEN_TX_PAGE_REFS;
		t->pg_off = 0;
	}
	t->pg_refs--;
	data = page_address(*pp) + t->pg_off;
	t->pg_off += size;
	return data;
}

/*
 * An empty skb for a frame of len bytes, with the device's headroom and 64 bytes of tailroom
 * (nm_gen_copy_to_skb's block copy may write up to 63 past the frame).
 */
static struct sk_buff *nm_gen_tx_skb(struct nm_gen_tx_ring *t, struct net_device *dev, u32 len)
{
	u32 room = LL_RESERVED_SPACE(dev) + len + max_t(u32, dev->needed_tailroom, 64);
	u32 size = SKB_DATA_ALIGN(room) + SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	struct sk_buff *skb;

	if (size <= PAGE_SIZE) {
		void *data = nm_gen_tx_frag(t, size);

		skb = data ? napi_build_skb(data, size) : NULL;	/* per-CPU head cache: BHs are off */
		if (unlikely(data && !skb))
			skb_free_frag(data);
	} else {
		skb = alloc_skb(room, GFP_ATOMIC | __GFP_NOWARN);
	}
	if (likely(skb))
		skb_reserve(skb, LL_RESERVED_SPACE(dev));
	return skb;
}

/* hwtail from the completions counted so far. */
static void nm_gen_tx_reclaim(struct nm_kring *kr, struct nm_gen_tx_ring *t)
{
	struct nm_gen_tx_comp *c = t->comp;
	u32 n = kr->num_slots, done, last = 0;
	bool moved = false;

	WRITE_ONCE(c->sent, t->sent);
	smp_mb();	/* publish `sent` before reading `done`: pairs with the destructor */
	done = atomic_read(&c->done);
	while (t->reclaimed != t->sent && (s32)(done - t->reclaimed) > 0) {
		last = t->frame_end[t->fifo_r];
		t->fifo_r = nm_next(t->fifo_r, n);
		t->reclaimed++;
		moved = true;
	}
	if (t->reclaimed == t->sent)
		kr->hwtail = nm_prev(kr->hwcur, n);	/* nothing in flight */
	else if (moved)
		kr->hwtail = nm_prev(last, n);
}

/*
 * The references n new frames in flight hold, less those of `freed` recycled frames just freed,
 * taken once per batch rather than per frame: these counters are written by the destructor on
 * whichever CPU frees a frame.
 */
static void nm_gen_tx_hold(struct nm_gen_tx_ring *t, u32 n, u32 freed)
{
	if (n > freed)
		refcount_add(n - freed, &t->comp->ref);
	else
		nm_gen_tx_comp_put_many(t->comp, freed - n);	/* never the last: the ring holds one */
	if (n)
		atomic_long_add(n, &nm_gen_inflight);
}

/*
 * Frees one frame the receiver gave back (nm_gen_tx_recycle) just before the next allocation,
 * which takes its skb straight back from this CPU's cache.  Returns how many it freed (0 or 1);
 * their references to comp are the caller's to drop.  BHs are off.
 */
static u32 nm_gen_tx_recycle_one(struct nm_gen_tx_ring *t)
{
	struct llist_node *n = t->recycled;

	if (!n) {
		if (llist_empty(&t->comp->recycle))
			return 0;
		n = llist_del_all(&t->comp->recycle);
	}
	t->recycled = n->next;
	napi_consume_skb(llist_entry(n, struct sk_buff, ll_node), 1);
	return 1;
}

/*
 * Builds the skbs of the packets from slot *i on (up to head, at most NM_GEN_TX_BATCH) into
 * t->batch, each counted in flight with its completion destructor; bad packets are skipped and
 * counted.  *i ends after the last packet looked at.  Returns false when out of memory.
 */
static bool nm_gen_tx_build(struct nm_gen_tx_ring *t, struct nm_kring *kr,
			    const struct nm_buf_lut *lut, struct net_device *dev, u32 *i, u32 head)
{
	struct nm_gen_tx_batch *b = &t->batch;
	u32 minlen = max_t(u32, dev->hard_header_len, 1);
	u32 maxlen = dev->mtu + dev->hard_header_len + VLAN_HLEN;
	struct nm_gen_pkt *pkt = &t->pkt;
	u32 len, freed = 0;

	for (b->n = 0; *i != head && b->n < NM_GEN_TX_BATCH; *i = pkt->end) {
		enum nm_gen_pkt_state st = nm_gen_pkt(kr, lut, *i, head, pkt);
		struct sk_buff *skb;

		if (st == NM_PKT_INCOMPLETE)
			break;
		if (unlikely(st == NM_PKT_TOO_LONG)) {
			t->drop_frags++;
			continue;
		}
		len = pkt->len;
		if (unlikely(len < minlen || len > maxlen)) {
			t->drop_len++;	/* never handed to the driver: the slots are free again */
			continue;
		}
		freed += nm_gen_tx_recycle_one(t);
		skb = nm_gen_tx_skb(t, dev, len);
		if (unlikely(!skb)) {
			t->nomem++;
			nm_gen_tx_hold(t, b->n, freed);
			return false;
		}
		nm_gen_pkt_copy(lut, pkt, skb);
		skb->dev = dev;
		skb->priority = NM_PRIO_TO_DRIVER;
		skb_reset_mac_header(skb);
		skb_set_network_header(skb, dev->hard_header_len);
		skb->protocol = dev_parse_header_protocol(skb);
		skb->ip_summed = CHECKSUM_NONE;
		skb_shinfo(skb)->destructor_arg = t->comp;
		skb->destructor = nm_gen_tx_destructor;
		b->skb[b->n] = skb;
		b->start[b->n] = *i;
		b->end[b->n] = pkt->end;
		b->len[b->n] = len;
		b->n++;
	}
	nm_gen_tx_hold(t, b->n, freed);
	return true;
}

/* A built frame that will not be sent after all: no completion will come for it. */
static void nm_gen_tx_unbuild(struct nm_gen_tx_ring *t, struct sk_buff *skb)
{
	skb->destructor = NULL;
	kfree_skb(skb);
	refcount_dec(&t->comp->ref);	/* the ring's own reference remains */
	atomic_long_dec(&nm_gen_inflight);
}

/* Frame k of the batch is the driver's now (sent, or dropped by it: rc tells). */
static void nm_gen_tx_taken(struct nm_gen_tx_ring *t, struct nm_kring *kr, u32 k, int rc)
{
	t->frame_end[t->fifo_w] = t->batch.end[k];
	t->fifo_w = nm_next(t->fifo_w, kr->num_slots);
	t->sent++;
	if (likely(rc == NETDEV_TX_OK)) {
		t->pkts++;
		t->bytes += t->batch.len[k];
	} else {
		t->drop_dev++;	/* freed already: its completion has been counted */
	}
}

/*
 * Hands the batch to the driver on queue q (BHs off).  Returns how many frames it took; the
 * others were taken back unsent (the queue is full or stopped: backpressure).
 */
static u32 nm_gen_tx_send(struct nm_gen_tx_ring *t, struct nm_kring *kr, struct net_device *dev,
			  u16 q)
{
	struct nm_gen_tx_batch *b = &t->batch;
	struct netdev_queue *txq = netdev_get_tx_queue(dev, q);
	u32 k = 0, taken;

	if (unlikely(!netif_running(dev) || !netif_carrier_ok(dev))) {
		for (; k < b->n; k++) {	/* dropped, as __dev_direct_xmit would */
			kfree_skb(b->skb[k]);
			nm_gen_tx_taken(t, kr, k, NET_XMIT_DROP);
		}
		return b->n;
	}
	dev_xmit_recursion_inc();
	HARD_TX_LOCK(dev, txq, smp_processor_id());
	for (; k < b->n && !netif_xmit_frozen_or_drv_stopped(txq); k++) {
		struct sk_buff *skb = b->skb[k];
		int rc;

		skb_set_queue_mapping(skb, q);
		rc = netdev_start_xmit(skb, dev, txq, k + 1 < b->n);
		if (unlikely(rc == NETDEV_TX_BUSY))
			break;
		nm_gen_tx_taken(t, kr, k, rc);
	}
	HARD_TX_UNLOCK(dev, txq);
	dev_xmit_recursion_dec();
	for (taken = k; k < b->n; k++)
		nm_gen_tx_unbuild(t, b->skb[k]);
	return taken;
}

/* The device, under rcu_read_lock; NULL once it is gone, and then the ring is stopped. */
static struct net_device *nm_gen_tx_dev(struct nm_gen_adapter *g, struct nm_kring *kr)
{
	struct net_device *dev = rcu_dereference(g->dev);

	if (unlikely(!dev))
		WRITE_ONCE(kr->stopped, true);
	return dev;
}

static int nm_gen_nic_txsync(struct nm_gen_adapter *g, struct nm_kring *kr)
{
	struct nm_gen_tx_ring *t = &g->txr[kr->ring_id];
	const struct nm_buf_lut *lut = nm_mem_lut(kr->na->mem);
	u32 head = kr->rhead, i = kr->hwcur;
	struct net_device *dev;
	bool retry = false;
	u16 q;

	rcu_read_lock();
	dev = nm_gen_tx_dev(g, kr);
	if (unlikely(!dev)) {
		rcu_read_unlock();
		return -EIO;
	}
	q = kr->ring_id < dev->real_num_tx_queues ? kr->ring_id :
		kr->ring_id % dev->real_num_tx_queues;
	while (i != head && !retry) {
		u32 from = i, taken;

		local_bh_disable();
		retry = !nm_gen_tx_build(t, kr, lut, dev, &i, head);
		taken = nm_gen_tx_send(t, kr, dev, q);
		if (unlikely(taken < t->batch.n)) {
			i = t->batch.start[taken];	/* hwcur stays at the first frame not taken */
			t->busy++;
			retry = true;
		}
		local_bh_enable();	/* the softirqs this batch raised run here */
		if (i == from)
			break;		/* an incomplete packet at head */
	}
	rcu_read_unlock();
	kr->hwcur = i;
	nm_gen_tx_reclaim(kr, t);
	if (unlikely(retry))
		mod_timer(&t->retry, jiffies + 1);
	return 0;
}

/* --- host TX ring -> stack ------------------------------------------------------------------- */

static int nm_gen_host_txsync(struct nm_gen_adapter *g, struct nm_kring *kr)
{
	const struct nm_buf_lut *lut = nm_mem_lut(kr->na->mem);
	u32 head = kr->rhead, i = kr->hwcur;
	struct nm_gen_pkt pkt;
	struct net_device *dev;

	rcu_read_lock();
	dev = nm_gen_tx_dev(g, kr);
	if (unlikely(!dev)) {
		rcu_read_unlock();
		return -EIO;
	}
	local_bh_disable();	/* the stack's receive path expects softirq context */
	while (i != head) {
		enum nm_gen_pkt_state st = nm_gen_pkt(kr, lut, i, head, &pkt);
		struct sk_buff *skb;

		if (st == NM_PKT_INCOMPLETE)
			break;
		i = pkt.end;
		if (unlikely(st == NM_PKT_TOO_LONG || pkt.len < ETH_HLEN || pkt.len > 65535)) {
			g->host_tx_drop++;
			continue;
		}
		skb = nm_gen_stack_skb(dev, lut, &pkt);
		if (unlikely(!skb)) {
			g->host_tx_drop++;	/* the ring is free at once: no retry */
			continue;
		}
		netif_receive_skb(skb);
		g->host_tx_pkts++;
	}
	local_bh_enable();
	rcu_read_unlock();
	kr->hwcur = i;
	kr->hwtail = nm_prev(i, kr->num_slots);	/* free again at once (spec §7.7) */
	return 0;
}

int nm_gen_txsync(struct nm_kring *kr)
{
	struct nm_gen_adapter *g = nm_gen_adapter(kr->na);

	if (kr->is_host)
		return nm_gen_host_txsync(g, kr);
	return nm_gen_nic_txsync(g, kr);
}
