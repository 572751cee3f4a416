/*
 * tests/host/eth.h - Ethernet frames for host tests of the switch (test_vale, test_vale_nic):
 * a few MAC addresses, a frame writer into a TX ring and a checker of received frames.
 */
#ifndef NM_HOST_ETH_H
#define NM_HOST_ETH_H

#include "app.h"

#define T_UNUSED __attribute__((unused))

static const u8 T_UNUSED BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const u8 T_UNUSED MAC_A[6] = { 2, 0, 0, 0, 0, 0xa };
static const u8 T_UNUSED MAC_B[6] = { 2, 0, 0, 0, 0, 0xb };
static const u8 T_UNUSED MAC_C[6] = { 2, 0, 0, 0, 0, 0xc };
static const u8 T_UNUSED MAC_X[6] = { 2, 0, 0, 0, 0, 0x99 };	/* never a source */

/* Queues an Ethernet frame dst <- src of `len` bytes, payload filled with `seed`. */
static T_UNUSED void eth_frame(struct netmap_ring *ring, const u8 *dst, const u8 *src, u32 len,
			       u8 seed, u16 flags)
{
	struct netmap_slot *slot = &ring->slot[ring->cur];
	u8 *buf = (u8 *)NETMAP_BUF(ring, slot->buf_idx);

	memset(buf, seed, len);
	if (len >= 12) {
		memcpy(buf, dst, 6);
		memcpy(buf + 6, src, 6);
	}
	slot->len = len;
	slot->flags = flags;
	ring->head = ring->cur = nm_ring_next(ring, ring->cur);
}

/* A frame from eth_frame(): length, and the payload after the two MAC addresses. */
static T_UNUSED bool frame_is_eth(struct netmap_ring *ring, u32 i, u32 len, u8 seed)
{
	const u8 *buf = (const u8 *)NETMAP_BUF(ring, ring->slot[i].buf_idx);
	u32 k;

	if (ring->slot[i].len != len)
		return false;
	for (k = 12; k < len; k++)
		if (buf[k] != seed)
			return false;
	return true;
}

#endif /* NM_HOST_ETH_H */
