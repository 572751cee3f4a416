/*
 * linux/generic_fwd.c - transparent mode on the generic adapter (spec §7.7).
 *
 * An application between a device and its host stack (an inline filter) can let a frame pass
 * without copying it to the other side itself: it sets NS_FORWARD on the frame's slot before
 * releasing it.  At the next RX sync of that ring, before the slots are taken back:
 *
 *      NIC RX ring   slot with NS_FORWARD  -->  up to the stack, as if the device received it
 *      host RX ring  slot with NS_FORWARD  -->  down to the driver, as if the stack sent it
 *
 * Forwarding is on for a ring whose netmap_ring.flags has NR_FORWARD, or for every ring with the
 * module parameter fwd=1, which forwards every released slot, marked or not.  The kernel clears
 * NS_FORWARD on the slots it forwarded.
 *
 * Both directions copy the frame into a new skb.  The spec describes the way down as a buffer
 * swap into the NIC TX rings; here the frame goes straight to the driver instead, marked so that
 * our egress hook lets it pass, and the application's TX rings stay entirely its own (no slots
 * appear in them that it did not write).  Frames going down are not flow-controlled: when the
 * device queue is full they are dropped and counted, as the stack's own would be.
 */
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>

#include "../core/params.h"
#include "generic.h"

/* A frame released from a host RX ring, down to the driver of dev.  True if it was sent. */
static bool nm_gen_fwd_down(struct net_device *dev, const struct nm_buf_lut *lut,
			    const struct nm_gen_pkt *pkt)
{
	struct sk_buff *skb;

	if (pkt->len < ETH_HLEN || pkt->len > dev->mtu + dev->hard_header_len + VLAN_HLEN)
		return false;
	skb = alloc_skb(LL_RESERVED_SPACE(dev) + pkt->len + dev->needed_tailroom,
			GFP_ATOMIC | __GFP_NOWARN);
	if (!skb)
		return false;
	skb_reserve(skb, LL_RESERVED_SPACE(dev));
	nm_gen_pkt_copy(lut, pkt, skb);
	skb->dev = dev;
	skb->priority = NM_PRIO_TO_DRIVER;	/* our egress hook lets it pass */
	skb_reset_mac_header(skb);
	skb_set_network_header(skb, dev->hard_header_len);
	skb->protocol = dev_parse_header_protocol(skb);
	return dev_queue_xmit(skb) == NET_XMIT_SUCCESS;
}

/* A frame released from a NIC RX ring, up to the stack.  True if the stack took it. */
static bool nm_gen_fwd_up(struct net_device *dev, const struct nm_buf_lut *lut,
			  const struct nm_gen_pkt *pkt)
{
	struct sk_buff *skb;

	if (pkt->len < ETH_HLEN)
		return false;
	skb = nm_gen_stack_skb(dev, lut, pkt);
	if (!skb)
		return false;
	local_bh_disable();	/* the stack's receive path expects softirq context */
	netif_receive_skb(skb);
	local_bh_enable();
	return true;
}

void nm_gen_forward_released(struct nm_gen_adapter *g, struct nm_kring *kr)
{
	const struct nm_buf_lut *lut = nm_mem_lut(kr->na->mem);
	struct nm_gen_rx_queue *rq = &g->rxq[kr->ring_id];
	struct netmap_slot *slot = kr->ring->slot;
	u32 head = kr->rhead, i = kr->hwcur;
	bool all = READ_ONCE(nm_params.fwd) == 1;
	struct nm_gen_pkt pkt;
	struct net_device *dev;

	if (i == head || (!all && !(READ_ONCE(kr->ring->flags) & NR_FORWARD)))
		return;
	if (kr->na->kernel_owned)
		return;		/* a device on a switch: the switch decides where frames go */
	rcu_read_lock();
	dev = rcu_dereference(g->dev);
	while (dev && i != head) {
		bool sent;

		if (nm_gen_pkt(kr, lut, i, head, &pkt) == NM_PKT_INCOMPLETE)
			break;	/* a chain cut at head is released, not forwarded */
		if (all || (pkt.flags & NS_FORWARD)) {
			WRITE_ONCE(slot[i].flags, pkt.flags & ~NS_FORWARD);
			if (kr->is_host)
				sent = nm_gen_fwd_down(dev, lut, &pkt);
			else
				sent = nm_gen_fwd_up(dev, lut, &pkt);
			if (sent)
				rq->fwd++;
			else
				rq->fwd_drop++;
		}
		i = pkt.end;
	}
	rcu_read_unlock();
}
