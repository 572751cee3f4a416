/*
 * Host TX ring -> stack with a zero-length fragment (linux/generic_tx.c nm_gen_stack_skb): the
 * packet [65 bytes | NS_MOREFRAG, 0 | NS_MOREFRAG, 1] is a 66-byte frame.  The skb the stack gets
 * is sized for 66 bytes; the block copy of the first slot fills its tailroom exactly, and a copy
 * of the empty slot that still moved a whole 64-byte block wrote one byte past the end of the
 * data, into skb_shared_info.flags: byte 63 of the empty slot's buffer, 0x01 here, which is
 * SKBFL_ZEROCOPY_ENABLE.  The frames go in on hf0 (netmap:hf0^, NR_REG_SW) and an AF_PACKET
 * socket bound to hf0 receives each of them: every one must arrive, 66 bytes long, byte for byte
 * as sent; the runner checks the kernel log.
 *
 * The overflow stays inside the skb head's allocation, so neither the frame nor KASAN can show
 * it.  What it does: with that flag set, the stack takes skb_shared_info's destructor_arg for a
 * zero-copy completion and calls through it (the taps' skb_orphan_frags, kfree_skb).  On Debian's
 * kernel the head of so small a skb comes from kmalloc-512, zeroed on allocation
 * (init_on_alloc), so destructor_arg is NULL and the flag is ignored: this test then passes even
 * with the overflow.  It fails where the flag has an effect (a garbage destructor_arg: a fault
 * in the tap path, or frames missing) and keeps the path's behaviour pinned down.
 */
#include "generic.h"

#define A "hf0"
#define B "hf1"
#define FRAMES		3000	/* test frames sent */
#define BATCH		32	/* frames per txsync */
#define LEN1		65	/* bytes in the first slot; the third has 1 */
#define FRAME_LEN	(LEN1 + 1)
#define SHINFO_BYTE	0x01	/* byte 63 of the empty slot's buffer */

/* The expected frame seq: broadcast, T_ETHERTYPE, seq, then a pattern. */
static void expect(uint8_t *f, uint32_t seq)
{
	t_frame(f, seq, FRAME_LEN);
	memset(f, 0xff, 6);
}

/* Queues test frame seq as the three slots; 0 if there is no room. */
static int put(struct netmap_ring *r, uint32_t seq)
{
	uint8_t f[FRAME_LEN];
	struct netmap_slot *s[3];
	uint8_t *b[3];
	uint32_t i, k, c = r->cur;

	if (nm_ring_space(r) < 3)
		return 0;
	for (k = 0; k < 3; k++) {
		s[k] = &r->slot[c];
		b[k] = (uint8_t *)NETMAP_BUF(r, s[k]->buf_idx);
		c = nm_ring_next(r, c);
	}
	expect(f, seq);
	/* Bytes past each slot's len hold patterns too: they must never show up anywhere. */
	for (k = 0; k < 3; k++)
		for (i = 0; i < 128; i++)
			b[k][i] = (uint8_t)(0xa5 ^ (i * 29) ^ (k << 6) ^ seq);
	memcpy(b[0], f, LEN1);
	b[1][63] = SHINFO_BYTE;
	b[2][0] = f[LEN1];
	b[2][63] = SHINFO_BYTE;
	s[0]->len = LEN1;
	s[0]->flags = NS_MOREFRAG;
	s[1]->len = 0;
	s[1]->flags = NS_MOREFRAG;
	s[2]->len = 1;
	s[2]->flags = 0;
	r->head = r->cur = c;
	return 1;
}

static struct {
	uint32_t got, bad_len, bad_bytes, seq_gap, next, last_len;
} rx;

/* Receives what arrived on socket s (the host TX ring delivers synchronously). */
static void drain(int s)
{
	static uint8_t buf[2048];
	uint8_t want[FRAME_LEN];

	for (;;) {
		ssize_t n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
		uint32_t seq;

		if (n < 0)
			return;
		if (n < 14 || buf[12] != (T_ETHERTYPE >> 8) || buf[13] != (T_ETHERTYPE & 0xff))
			continue;	/* not ours */
		rx.got++;
		if (n != FRAME_LEN) {
			rx.bad_len++;
			rx.last_len = (uint32_t)n;
			continue;
		}
		memcpy(&seq, buf + 14, 4);
		if (seq != rx.next)
			rx.seq_gap++;
		rx.next = seq + 1;
		expect(want, seq);
		if (memcmp(buf, want, FRAME_LEN))
			rx.bad_bytes++;
	}
}

/* One txsync, then what it delivered; 0 on error. */
static int sync_drain(struct nmport *p, int s)
{
	if (ioctl(p->fd, NIOCTXSYNC)) {
		ok(0, "NIOCTXSYNC on the host TX ring (%s)", strerror(errno));
		return 0;
	}
	drain(s);
	return 1;
}

int main(void)
{
	struct nmport p;
	struct netmap_ring *t;
	uint32_t sent = 0;
	int s, rcvbuf = 4 << 20, alive = 1;
	long long host_tx0;

	if (veth_pair(A, B, NULL)) {
		ok(0, "create veth pair " A "/" B);
		return t_exit();
	}
	s = raw_socket(A);
	ok(s >= 0, "AF_PACKET socket (ETH_P_ALL) bound to " A);
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	nm_open_or_die(&p, A, NR_REG_SW, 0, 0);
	ok(p.reg.nr_host_tx_rings == 1 && p.nifp->ring_ofs[p.nifp->ni_tx_rings] != 0,
	   "netmap:" A "^ (NR_REG_SW) binds the host TX ring");
	t = NETMAP_TXRING(p.nifp, p.nifp->ni_tx_rings);
	host_tx0 = gen_counter(A, "host_tx_pkts");

	while (alive && sent < FRAMES) {
		uint32_t k;

		for (k = 0; k < BATCH && sent < FRAMES && put(t, sent); k++)
			sent++;
		if (!k)
			break;		/* the host TX ring is free again after every txsync */
		alive = sync_drain(&p, s);
	}
	ok(sent == FRAMES, "%u frames of 3 slots [65|MOREFRAG, 0|MOREFRAG, 1] sent", sent);
	ok(gen_counter(A, "host_tx_pkts") - host_tx0 == sent, "host_tx_pkts counts them (%lld)",
	   gen_counter(A, "host_tx_pkts") - host_tx0);
	ok(rx.got == sent, "the AF_PACKET socket on " A " received all of them (%u of %u)", rx.got,
	   sent);
	ok(rx.bad_len == 0, "every one is %u bytes long (%u not; last %u)", FRAME_LEN, rx.bad_len,
	   rx.last_len);
	ok(rx.bad_bytes == 0, "every one is byte for byte the frame sent (%u differ)", rx.bad_bytes);
	ok(rx.seq_gap == 0, "in order, none missing (%u gaps)", rx.seq_gap);
	nm_close(&p);
	close(s);
	sh("/sbin/ip link del " A);
	return t_exit();
}
