/*
 * linux/generic_pkt.c - a packet of a netmap ring becomes an skb: the one place that reads a
 * packet's slots from shared memory (nm_gen_pkt, each field once, into struct nm_gen_pkt) and
 * copies its bytes into an skb.  Three paths use it: NIC TX rings to the driver (generic_tx.c),
 * host TX rings to the stack (generic_tx.c), and transparent forwarding both ways
 * (generic_fwd.c).
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "generic.h"

enum nm_gen_pkt_state nm_gen_pkt(struct nm_kring *kr, const struct nm_buf_lut *lut, u32 i, u32 head,
				 struct nm_gen_pkt *pkt)
{
	struct netmap_slot *slot = kr->ring->slot;
	u32 n = 0;

	pkt->len = 0;
	while (i != head) {
		u16 flags = READ_ONCE(slot[i].flags);
		u32 l = READ_ONCE(slot[i].len);

		if (unlikely(l > lut->size)) {	/* an empty fragment (spec §4.6) */
			kr->bad_slots++;
			l = 0;
		}
		if (n == 0)
			pkt->flags = flags;
		pkt->frag[n].idx = READ_ONCE(slot[i].buf_idx);
		pkt->frag[n].len = l;
		pkt->len += l;
		i = nm_next(i, kr->num_slots);
		n++;
		if (!(flags & NS_MOREFRAG) || n == NETMAP_MAX_FRAGS) {
			pkt->end = i;
			pkt->nfrags = n;
			return flags & NS_MOREFRAG ? NM_PKT_TOO_LONG : NM_PKT_OK;
		}
	}
	return NM_PKT_INCOMPLETE;	/* held back until the application completes it */
}

/*
 * Appends l bytes of a netmap buffer to skb.  The block copy writes nm_buf_copy_span(l) bytes,
 * up to 64 past the l appended (even for l = 0): it is used only when the skb's tailroom holds
 * them, which it always does for NIC TX frames (generic_tx.c, "Frame memory"); host-TX and
 * forwarded skbs are sized exactly and take memcpy when it does not.
 */
static void nm_gen_copy_to_skb(struct sk_buff *skb, const void *buf, u32 l)
{
	void *dst = __skb_put(skb, l);	/* the skb was sized for the packet */

	if (likely(nm_buf_copy_span(l) - l <= skb_tailroom(skb)))
		nm_buf_copy(dst, buf, l);
	else
		memcpy(dst, buf, l);
}

void nm_gen_pkt_copy(const struct nm_buf_lut *lut, const struct nm_gen_pkt *pkt,
		     struct sk_buff *skb)
{
	u32 k;

	/* out-of-range indices read the scratch buffer (spec §4.6) */
	for (k = 0; k < pkt->nfrags; k++)
		nm_gen_copy_to_skb(skb, nm_buf_lut_addr(lut, pkt->frag[k].idx), pkt->frag[k].len);
}

/* A copy of the packet as a frame received on dev (see generic.h). */
struct sk_buff *nm_gen_stack_skb(struct net_device *dev, const struct nm_buf_lut *lut,
				 const struct nm_gen_pkt *pkt)
{
	struct sk_buff *skb = __netdev_alloc_skb_ip_align(dev, pkt->len, GFP_ATOMIC | __GFP_NOWARN);

	if (unlikely(!skb))
		return NULL;
	nm_gen_pkt_copy(lut, pkt, skb);
	if (dev->type == ARPHRD_ETHER) {
		skb->protocol = eth_type_trans(skb, dev);
	} else {
		skb->dev = dev;
		skb_reset_mac_header(skb);
		skb->protocol = dev_parse_header_protocol(skb);
	}
	skb->priority = NM_PRIO_TO_STACK;	/* our rx handler lets it pass */
	return skb;
}
