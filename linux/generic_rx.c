/*
 * linux/generic_rx.c - frames into netmap through the generic adapter (spec §7.6 RX, §7.7
 * stack -> host RX ring).  This file owns the two capture points and the RX rings they feed:
 *
 *   device ingress --rx handler--> NIC RX queue k  --rxsync--> NIC RX ring k
 *   stack egress --nf egress hook--> host RX queue --rxsync--> host RX ring
 *
 * Capture only queues the skb (no copy in softirq): at most num_slots frames per ring, more are
 * dropped and counted.  rxsync copies queued frames into the slots from hwtail on, several slots
 * per frame when it is larger than a buffer (NS_MOREFRAG), with an offloaded VLAN tag written
 * back into the frame while copying.  The copy happens in the application's context, which is
 * where the cost belongs.
 *
 * Where frames are freed: a frame a netmap TX ring sent (a veth pair with netmap at both ends)
 * goes back to that ring (generic_tx.c, "Recycling"); any other is freed by rxsync.
 *
 * Why these hooks (see also generic.c):
 *   - the rx handler (netdev_rx_handler_register) owns the device's receive path: exactly one
 *     consumer, which is what netmap mode means, and the spec's EBUSY when a bridge/bond/macvlan
 *     already owns it.  It runs in the receive softirq after packet taps, with the MAC header in
 *     front of skb->data;
 *   - the netfilter egress hook (NF_NETDEV_EGRESS) sees every frame the stack transmits through
 *     dev_queue_xmit before the qdisc, per device, without touching the driver's netdev_ops.
 *     Frames netmap sends on NIC TX rings go straight to the driver's ndo_start_xmit
 *     (generic_tx.c) and never pass through it.
 * Frames netmap injects are marked in skb->priority (generic.h) so neither hook takes them back.
 */
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>

#include "../core/params.h"
#include "generic.h"

static enum hrtimer_restart nm_gen_rx_queue_mit_fire(struct hrtimer *timer)
{
	struct nm_gen_rx_queue *rq = container_of(timer, struct nm_gen_rx_queue, mit_timer);

	WRITE_ONCE(rq->last_wake_ns, ktime_get_ns());
	nm_kring_wake(rq->kr);
	return HRTIMER_NORESTART;
}

void nm_gen_rx_queue_init(struct nm_gen_rx_queue *rq, struct nm_kring *kr)
{
	skb_queue_head_init(&rq->q);
	rq->kr = kr;
	rq->limit = kr->num_slots;
	hrtimer_init(&rq->mit_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	rq->mit_timer.function = nm_gen_rx_queue_mit_fire;
}

/*
 * Off also drops whatever is still queued and any wake-up still pending: after it, nothing
 * touches the kring (the timer is armed only under q.lock with the ring active).  Under rtnl
 * (ring on/off, device removal).
 */
void nm_gen_rx_queue_set_active(struct nm_gen_rx_queue *rq, bool active)
{
	struct sk_buff_head purge;

	__skb_queue_head_init(&purge);
	spin_lock_bh(&rq->q.lock);
	rq->active = active;
	if (!active)
		skb_queue_splice_init(&rq->q, &purge);
	spin_unlock_bh(&rq->q.lock);
	if (!active)
		hrtimer_cancel(&rq->mit_timer);
	__skb_queue_purge(&purge);
}

/*
 * Wake-ups (spec §8, generic_mit).  A reader sleeps only with the queue empty (poll runs rxsync
 * before it sleeps), so only the frame that makes the queue non-empty needs to wake it: later
 * ones are taken by the same rxsync.  With generic_mit >= 32768 those wake-ups come at most once
 * per generic_mit ns: one due sooner is left to a timer, and the frames that arrive meanwhile make
 * the reader's batch larger.  Only these transitions read the clock, never every frame.
 * Under q.lock with the ring active; true: wake now (the caller does it after unlocking).
 */
static bool nm_gen_rx_queue_wake_due(struct nm_gen_rx_queue *rq)
{
	int mit = READ_ONCE(nm_params.generic_mit);
	u64 now, next;

	if (mit < 32768)
		return true;
	if (hrtimer_is_queued(&rq->mit_timer))
		return false;	/* a wake-up is on its way */
	now = ktime_get_ns();
	next = READ_ONCE(rq->last_wake_ns) + mit;
	if ((s64)(now - next) >= 0) {
		WRITE_ONCE(rq->last_wake_ns, now);
		return true;
	}
	hrtimer_start(&rq->mit_timer, ns_to_ktime(next - now), HRTIMER_MODE_REL_SOFT);
	return false;
}

/*
 * Queues skb for the ring (taking it) unless the ring is not in netmap mode (false: the caller
 * keeps skb).  `push` bytes in front of skb->data are made part of the frame.  BHs are off.
 */
static bool nm_gen_rx_queue_enqueue(struct nm_gen_rx_queue *rq, struct sk_buff *skb,
				    unsigned int push)
{
	bool wake;

	spin_lock(&rq->q.lock);
	if (unlikely(!rq->active)) {
		spin_unlock(&rq->q.lock);
		return false;
	}
	if (unlikely(skb_queue_len(&rq->q) >= rq->limit)) {
		rq->drop_full++;
		spin_unlock(&rq->q.lock);
		kfree_skb(skb);
		return true;
	}
	if (push)
		__skb_push(skb, push);
	wake = skb_queue_empty(&rq->q) && nm_gen_rx_queue_wake_due(rq);
	__skb_queue_tail(&rq->q, skb);
	spin_unlock(&rq->q.lock);
	if (wake)
		nm_kring_wake(rq->kr);
	return true;
}

/*
 * Drops a frame whose offload could not be resolved in software, counting it in `counter`; the
 * first time, one log line says what to turn off.
 */
static void nm_gen_offload_drop(struct nm_gen_adapter *g, atomic64_t *counter, struct sk_buff *skb,
				const char *what)
{
	atomic64_inc(counter);
	if (!READ_ONCE(g->offload_warned)) {
		WRITE_ONCE(g->offload_warned, true);
		nm_os_log_ratelimited("%s: dropping frames that need %s, which could not be done in software; run `ethtool -K %s tx off gso off tso off gro off`",
				      g->ifname, what, g->ifname);
	}
	kfree_skb(skb);
}

/* --- NIC RX: the device's rx handler ------------------------------------------------------- */

/*
 * A GSO frame: veth (and other virtual devices) hand their peer's TSO/GSO frames on whole, up to
 * 64 KB.  A netmap ring holds frames as they would be on the wire, and a checksum left for a
 * device to finish cannot be finished on one (skb_checksum_help refuses GSO frames): cut it into
 * MTU-sized frames here, checksums computed in software (features 0).
 */
static rx_handler_result_t nm_gen_rx_gso(struct nm_gen_adapter *g, struct nm_gen_rx_queue *rq,
					 struct sk_buff *skb)
{
	struct sk_buff *segs, *next;

	__skb_push(skb, skb->data - skb_mac_header(skb));	/* segmentation starts at the MAC header */
	segs = __skb_gso_segment(skb, 0, false);
	if (IS_ERR_OR_NULL(segs)) {
		nm_gen_offload_drop(g, &g->rx_drop_offload, skb, "segmentation offload (GSO/TSO/GRO)");
		return RX_HANDLER_CONSUMED;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		if (!nm_gen_rx_queue_enqueue(rq, skb, 0))
			kfree_skb(skb);	/* the ring left netmap mode meanwhile */
	}
	return RX_HANDLER_CONSUMED;
}

rx_handler_result_t nm_gen_rx_handler(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct nm_gen_adapter *g;
	struct nm_gen_rx_queue *rq;
	u32 nrx, q;

	if (unlikely(skb->priority == NM_PRIO_TO_STACK)) {
		skb->priority = 0;	/* ours, from a host TX ring: the stack takes it */
		return RX_HANDLER_PASS;
	}
	g = rcu_dereference(skb->dev->rx_handler_data);
	nrx = g->na->num_rings[NM_RX];
	q = skb_rx_queue_recorded(skb) ? skb_get_rx_queue(skb) % nrx : 0;
	rq = &g->rxq[q];
	if (!READ_ONCE(rq->active))
		return RX_HANDLER_PASS;	/* this ring is not in netmap mode (spec §7.6) */
	skb = skb_share_check(skb, GFP_ATOMIC);	/* we move skb->data back to the MAC header */
	if (!skb)
		return RX_HANDLER_CONSUMED;
	*pskb = skb;
	if (skb_is_gso(skb))
		return nm_gen_rx_gso(g, rq, skb);
	/*
	 * A frame from a virtual device (veth, tun) may arrive with its checksum left for a device
	 * to finish (CHECKSUM_PARTIAL).  In a netmap ring nobody would finish it, and a program that
	 * passes it on (to the host ring, to another port) would deliver a corrupt frame: finish it
	 * here, in software.
	 */
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) {
		nm_gen_offload_drop(g, &g->rx_drop_offload, skb, "checksum offload");
		return RX_HANDLER_CONSUMED;
	}
	if (!nm_gen_rx_queue_enqueue(rq, skb, skb->data - skb_mac_header(skb)))
		return RX_HANDLER_PASS;
	return RX_HANDLER_CONSUMED;
}

/* --- stack -> host RX ring: the egress hook ------------------------------------------------ */

/* The queue the stack would pick; the egress hook runs before the stack picks it. */
static u16 nm_gen_stack_txq(struct net_device *dev, struct sk_buff *skb)
{
	const struct net_device_ops *ops = dev->netdev_ops;

	if (dev->real_num_tx_queues <= 1)
		return 0;
	if (ops->ndo_select_queue)
		return ops->ndo_select_queue(dev, skb, NULL);
	return netdev_pick_tx(dev, skb, NULL);
}

/* Checksum offload resolved in software unless generic_hwcsum lets the frame go as it is. */
static int nm_gen_host_csum(struct sk_buff *skb)
{
	if (skb->ip_summed != CHECKSUM_PARTIAL || READ_ONCE(nm_params.generic_hwcsum))
		return 0;
	return skb_checksum_help(skb);
}

static void nm_gen_host_queue(struct nm_gen_adapter *g, struct nm_gen_rx_queue *rq,
			      struct sk_buff *skb)
{
	if (nm_gen_host_csum(skb)) {
		nm_gen_offload_drop(g, &g->host_rx_drop_offload, skb, "checksum offload");
		return;
	}
	if (!nm_gen_rx_queue_enqueue(rq, skb, 0)) {
		/* NIC TX ring in netmap mode, host RX ring not: the stack is cut off (spec §7.7) */
		atomic64_inc(&g->host_rx_drop_closed);
		kfree_skb(skb);
	}
}

unsigned int nm_gen_egress_hook(void *priv, struct sk_buff *skb, const struct nf_hook_state *st)
{
	struct nm_gen_adapter *g = priv;
	struct nm_adapter *na = g->na;
	struct net_device *dev = skb->dev;
	struct nm_gen_rx_queue *rq;
	u16 q;

	if (unlikely(skb->priority == NM_PRIO_TO_DRIVER))
		return NF_ACCEPT;
	q = nm_gen_stack_txq(dev, skb);
	/* Only while the corresponding NIC TX ring is in netmap mode (spec §7.7). */
	if (!READ_ONCE(g->txr[q % na->num_rings[NM_TX]].active))
		return NF_ACCEPT;
	rq = &g->rxq[na->num_rings[NM_RX] + q % na->num_host_rings[NM_RX]];
	if (skb_is_gso(skb)) {
		/* Segment in software (features 0: checksums computed too), one frame per slot. */
		struct sk_buff *segs = skb_gso_segment(skb, 0), *next;

		if (IS_ERR_OR_NULL(segs)) {
			nm_gen_offload_drop(g, &g->host_rx_drop_offload, skb,
					    "segmentation offload (GSO/TSO)");
			return NF_STOLEN;
		}
		consume_skb(skb);
		skb_list_walk_safe(segs, skb, next) {
			skb_mark_not_on_list(skb);
			nm_gen_host_queue(g, rq, skb);
		}
		return NF_STOLEN;
	}
	nm_gen_host_queue(g, rq, skb);
	return NF_STOLEN;
}

/* --- rxsync: queued frames -> slots --------------------------------------------------------- */

/*
 * Copies `len` bytes of the frame from offset `ofs` to dst.  With a VLAN tag (tag != NULL) the
 * frame is the skb's data with the 4-byte tag inserted after the two MAC addresses.
 */
static void nm_gen_frame_copy(const struct sk_buff *skb, const u8 *tag, u32 ofs, u8 *dst, u32 len)
{
	const u32 split = 2 * ETH_ALEN;
	u32 n;

	if (!tag) {
		skb_copy_bits(skb, ofs, dst, len);
		return;
	}
	if (ofs < split) {
		n = min(len, split - ofs);
		skb_copy_bits(skb, ofs, dst, n);
		ofs += n, dst += n, len -= n;
	}
	if (len && ofs < split + VLAN_HLEN) {
		n = min(len, split + VLAN_HLEN - ofs);
		memcpy(dst, tag + (ofs - split), n);
		ofs += n, dst += n, len -= n;
	}
	if (len)
		skb_copy_bits(skb, ofs - VLAN_HLEN, dst, len);
}

/* Slots a frame of len bytes takes. */
static inline u32 nm_gen_nslots(u32 len, u32 buf_size)
{
	return len ? DIV_ROUND_UP(len, buf_size) : 1;
}

/* Copies one frame into slots from kr->hwtail on; the caller checked there is room. */
static void nm_gen_rx_frame(struct nm_kring *kr, const struct nm_buf_lut *lut, struct sk_buff *skb,
			    u32 len)
{
	struct netmap_slot *slot = kr->ring->slot;
	u8 tag[VLAN_HLEN], *tagp = NULL;
	u32 i = kr->hwtail, ofs = 0;

	if (skb_vlan_tag_present(skb) && skb->len >= 2 * ETH_ALEN) {
		*(__be16 *)tag = skb->vlan_proto;
		*(__be16 *)(tag + 2) = htons(skb_vlan_tag_get(skb));
		tagp = tag;
	}
	do {
		u32 idx = READ_ONCE(slot[i].buf_idx);
		u32 n = min(len - ofs, lut->size);

		if (unlikely(idx < 2))
			idx = 0;	/* a bad index gets the scratch buffer: data is lost */
		nm_gen_frame_copy(skb, tagp, ofs, nm_buf_lut_addr(lut, idx), n);
		ofs += n;
		WRITE_ONCE(slot[i].len, n);
		WRITE_ONCE(slot[i].flags, ofs < len ? NS_MOREFRAG : 0);
		i = nm_next(i, kr->num_slots);
	} while (ofs < len);
	kr->hwtail = i;
}

int nm_gen_rxsync(struct nm_kring *kr)
{
	struct nm_gen_adapter *g = nm_gen_adapter(kr->na);
	struct nm_gen_rx_queue *rq = &g->rxq[kr->ring_id];
	const struct nm_buf_lut *lut = nm_mem_lut(kr->na->mem);
	u32 n = kr->num_slots, space, taken;
	struct sk_buff_head batch;
	struct sk_buff *skb;

	nm_gen_forward_released(g, kr);	/* transparent mode, before the slots are reused */
	kr->hwcur = kr->rhead;	/* the application gave [hwcur, head) back */
	space = n - 1 - nm_dist(kr->hwcur, kr->hwtail, n);
	if (!space || skb_queue_empty_lockless(&rq->q))
		return 0;
	/* Every frame takes at least one slot: never take more frames than there are slots. */
	__skb_queue_head_init(&batch);
	spin_lock_bh(&rq->q.lock);
	for (taken = 0; taken < space && (skb = __skb_dequeue(&rq->q)); taken++)
		__skb_queue_tail(&batch, skb);
	spin_unlock_bh(&rq->q.lock);

	while ((skb = __skb_dequeue(&batch))) {
		u32 len = skb->len + (skb_vlan_tag_present(skb) ? VLAN_HLEN : 0);
		u32 need = nm_gen_nslots(len, lut->size);

		if (unlikely(need > NETMAP_MAX_FRAGS)) {
			rq->drop_big++;
			kfree_skb(skb);
			continue;
		}
		if (need > space) {
			__skb_queue_head(&batch, skb);
			break;
		}
		nm_gen_rx_frame(kr, lut, skb, len);
		space -= need;
		rq->pkts++;
		rq->bytes += len;
		if (!nm_gen_tx_recycle(skb))	/* a netmap sender's frame goes back to its ring */
			consume_skb(skb);
	}
	if (unlikely(!skb_queue_empty(&batch))) {
		/* Frames that did not fit go back to the front, in order. */
		spin_lock_bh(&rq->q.lock);
		if (rq->active)
			skb_queue_splice_init(&batch, &rq->q);
		spin_unlock_bh(&rq->q.lock);
		__skb_queue_purge(&batch);	/* only if the ring stopped meanwhile */
	}
	return 0;
}
