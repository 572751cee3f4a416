/*
 * Generic adapter on a veth pair (spec §7.6, §7.7): geometry and errors of REGISTER, every frame
 * of netmap:gv0 TX -> netmap:gv1 RX verified (count, length, bytes), multi-slot TX packets,
 * frames freed when the sender closes first, length limits, VLAN tags, stack frames into netmap RX, host rings both ways, the MTU check,
 * EBUSY when a bridge owns the device, and a multi-queue pair.  Prints the rate it measured.
 */
#include "generic.h"

#define A "gv0"
#define B "gv1"

static struct netmap_ring *txr(struct nmport *p, int i) { return NETMAP_TXRING(p->nifp, i); }
static struct netmap_ring *rxr(struct nmport *p, int i) { return NETMAP_RXRING(p->nifp, i); }

/* Puts one frame (split in `frags` slots) in the TX ring; returns 0 if there was no room. */
static int tx_put(struct netmap_ring *r, const uint8_t *frame, uint32_t len, int frags)
{
	uint32_t per = (len + frags - 1) / frags, off = 0;
	int k;

	if (nm_ring_space(r) < (uint32_t)frags)
		return 0;
	for (k = 0; k < frags; k++) {
		struct netmap_slot *s = &r->slot[r->cur];
		uint32_t n = len - off < per ? len - off : per;

		memcpy(NETMAP_BUF(r, s->buf_idx), frame + off, n);
		s->len = n;
		s->flags = k + 1 < frags ? NS_MOREFRAG : 0;
		off += n;
		r->head = r->cur = nm_ring_next(r, r->cur);
	}
	return 1;
}

/* Takes one whole frame out of the RX ring into out[]; returns its length, 0 if none. */
static uint32_t rx_get(struct netmap_ring *r, uint8_t *out, uint32_t max)
{
	uint32_t len = 0;

	while (!nm_ring_empty(r)) {
		struct netmap_slot *s = &r->slot[r->cur];
		int more = s->flags & NS_MOREFRAG;

		if (len + s->len <= max)
			memcpy(out + len, NETMAP_BUF(r, s->buf_idx), s->len);
		len += s->len;
		r->head = r->cur = nm_ring_next(r, r->cur);
		if (!more)
			return len;
	}
	return len;
}

static uint32_t frame_len(uint32_t seq)
{
	return 60 + (seq * 2654435761u >> 7) % (1514 - 60 + 1);
}

static void test_register(void)
{
	struct nmport p;
	int err;

	err = nm_register(&p, A, NR_REG_ALL_NIC, 0, 0);
	ok(err == 0, "REGISTER netmap:%s (%s)", A, strerror(-err));
	ok(p.reg.nr_tx_rings == 1 && p.reg.nr_rx_rings == 1, "one TX and one RX ring (got %u, %u)",
	   p.reg.nr_tx_rings, p.reg.nr_rx_rings);
	ok(p.reg.nr_tx_slots == 1024 && p.reg.nr_rx_slots == 1024,
	   "generic_ringsize slots (got %u, %u)", p.reg.nr_tx_slots, p.reg.nr_rx_slots);
	ok(p.reg.nr_host_tx_rings == 1 && p.reg.nr_host_rx_rings == 1, "one host ring pair");
	ok(p.reg.nr_mem_id == 1, "global allocator (mem id %u)", p.reg.nr_mem_id);
	nm_close(&p);

	err = nm_register(&p, "nosuchif0", NR_REG_ALL_NIC, 0, 0);
	ok(err == -ENXIO, "no such interface: ENXIO (%s)", strerror(-err));
	nm_close(&p);

	memset(&p, 0, sizeof(p));
	p.fd = open("/dev/netmap", O_RDWR);
	nm_hdr_init(&p.hdr, NETMAP_REQ_REGISTER, A, &p.reg);
	p.reg.nr_mode = NR_REG_NIC_SW;
	p.reg.nr_host_tx_rings = 65;
	ok_errno(ioctl(p.fd, NIOCCTRL, &p.hdr), EINVAL, "65 host rings");
	p.reg.nr_host_tx_rings = 2;
	p.reg.nr_host_rx_rings = 3;
	err = ioctl(p.fd, NIOCCTRL, &p.hdr) ? -errno : 0;
	ok(err == 0 && p.reg.nr_host_tx_rings == 2 && p.reg.nr_host_rx_rings == 3,
	   "host rings on request: 2 TX, 3 RX (%s, got %u, %u)", strerror(-err),
	   p.reg.nr_host_tx_rings, p.reg.nr_host_rx_rings);
	nm_close(&p);
}

/* Every frame verified, in batches the receive queue always holds; then the rate. */
static void test_traffic(void)
{
	struct nmport tx, rx;
	struct netmap_ring *t, *r;
	static uint8_t frame[65536];
	uint32_t sent = 0, got = 0, bad = 0, foreign = 0, lenbad = 0, total = 20000, n;
	double t0, dt;

	nm_open_or_die(&tx, A, NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&rx, B, NR_REG_ALL_NIC, 0, 0);
	t = txr(&tx, 0);
	r = rxr(&rx, 0);
	while (got < total) {
		uint32_t batch = 0, want;

		while (sent < total && batch < 256) {
			t_frame(frame, sent, frame_len(sent));
			if (!tx_put(t, frame, frame_len(sent), 1))
				break;
			sent++, batch++;
		}
		ioctl(tx.fd, NIOCTXSYNC);
		want = sent;
		while (got < want) {
			uint32_t seq;
			int c;

			if (rx_wait(&rx, r, 2000) <= 0)
				break;
			while ((n = rx_get(r, frame, sizeof(frame))) > 0) {
				c = t_check(frame, n, &seq);
				if (c < 0) {
					foreign++;
					continue;
				}
				if (c > 0 || seq != got)
					bad++;
				else if (n != frame_len(seq))
					lenbad++;
				got++;
			}
		}
		if (got < want)
			break;
	}
	ok(got == total && bad == 0 && lenbad == 0,
	   "%u frames %s -> %s, every byte checked (got %u, corrupt or out of order %u, bad length %u, foreign %u)",
	   total, A, B, got, bad, lenbad, foreign);

	/* Rate: the sender fills the ring, the receiver drains it, in one process. */
	{
		uint32_t lost = 0, total2 = 200000;
		long long skbs = slab_active("skbuff_head_cache");

		sent = got = 0;
		t0 = now_s();
		while (got + lost < total2 && now_s() - t0 < 30) {
			uint32_t before = got;

			while (sent < total2 && sent - got - lost < 1000 && nm_ring_space(t)) {
				struct netmap_slot *s = &t->slot[t->cur];

				s->len = 60;
				t_frame((uint8_t *)NETMAP_BUF(t, s->buf_idx), sent, 60);
				t->head = t->cur = nm_ring_next(t, t->cur);
				sent++;
			}
			ioctl(tx.fd, NIOCTXSYNC);
			ioctl(rx.fd, NIOCRXSYNC);
			while (!nm_ring_empty(r)) {
				r->head = r->cur = nm_ring_next(r, r->cur);
				got++;
			}
			if (got == before && sent > got + lost && rx_wait(&rx, r, 50) <= 0)
				lost = sent - got;	/* dropped on the way: counted, not waited for */
		}
		dt = now_s() - t0;
		printf("# rate %s -> %s: %.0f frames/s (60 bytes, %u received, %u lost, %.2f s, one process alternating TX and RX syncs)\n",
		       A, B, got / dt, got, lost, dt);
		ok(got > 0 && got + lost == sent, "rate measured (%u sent, %u received)", sent, got);
		/*
		 * Received frames are freed as the ring goes on (recycled ones by the sender's
		 * txsync), not kept until it stops: skbs in use stay within the receiver's queue,
		 * the frames in flight and the per-CPU caches.
		 */
		ok(skbs >= 0 && slab_active("skbuff_head_cache") - skbs < 8192,
		   "skbs in use after %u frames: %lld more than before (fewer than 8192)", sent,
		   slab_active("skbuff_head_cache") - skbs);
		ok(gen_counter(A, "tx_pkts") == (long long)(total + sent), "tx_pkts counter (%lld, want %u)",
		   gen_counter(A, "tx_pkts"), total + sent);
	}
	nm_close(&rx);
	nm_close(&tx);
}

/* Receives and checks frames seq, seq+1, ... into RX ring r (one rxsync); returns how many. */
static uint32_t rx_seq(struct nmport *rx, struct netmap_ring *r, uint32_t seq)
{
	static uint8_t frame[2048];
	uint32_t got = 0, n, s;

	ioctl(rx->fd, NIOCRXSYNC);
	while ((n = rx_get(r, frame, sizeof(frame))) > 0)
		if (t_check(frame, n, &s) == 0 && s == seq + got)
			got++;
	ioctl(rx->fd, NIOCRXSYNC);
	return got;
}

/*
 * A frame netmap sent on a veth and netmap received on its peer goes back to the sending ring
 * to be freed there (generic_tx.c, "Recycling").  When the sending ring stops first, either
 * before the receiver copied its frames or after, the frames are freed all the same: skbs in
 * use do not grow round after round (either case alone would leak 2000).
 */
static void test_recycle(void)
{
	struct nmport tx, rx;
	struct netmap_ring *r;
	long long skbs = slab_active("skbuff_head_cache");
	uint32_t round, got_late = 0, got_early = 0;

	nm_open_or_die(&rx, B, NR_REG_ALL_NIC, 0, 0);
	r = rxr(&rx, 0);
	for (round = 0; round < 4; round++) {
		/* the sender closes while its frames wait in the receiver's queue */
		nm_open_or_die(&tx, A, NR_REG_ALL_NIC, 0, 0);
		tx_frames(txr(&tx, 0), 0, 500, 60);
		ioctl(tx.fd, NIOCTXSYNC);
		usleep(20000);
		nm_close(&tx);
		got_late += rx_seq(&rx, r, 0);
		/* the receiver copied them, then the sender closes without sending again */
		nm_open_or_die(&tx, A, NR_REG_ALL_NIC, 0, 0);
		tx_frames(txr(&tx, 0), 0, 500, 60);
		ioctl(tx.fd, NIOCTXSYNC);
		usleep(20000);
		got_early += rx_seq(&rx, r, 0);
		nm_close(&tx);
	}
	nm_close(&rx);
	ok(got_late == 2000 && got_early == 2000,
	   "frames received whole whether the sender closed before (%u of 2000) or after (%u of 2000) the receiver copied them",
	   got_late, got_early);
	ok(skbs >= 0 && slab_active("skbuff_head_cache") - skbs < 1000,
	   "and freed: skbs in use %lld more than before (fewer than 1000)",
	   slab_active("skbuff_head_cache") - skbs);
}

/* Multi-slot TX packets are assembled into one frame; frames too long or too short refused. */
static void test_frags_and_limits(void)
{
	struct nmport tx, rx;
	struct netmap_ring *t, *r;
	static uint8_t frame[8192], in[8192];
	uint32_t n, seq;
	long long before;

	nm_open_or_die(&tx, A, NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&rx, B, NR_REG_ALL_NIC, 0, 0);
	t = txr(&tx, 0);
	r = rxr(&rx, 0);

	t_frame(frame, 777, 1000);
	tx_put(t, frame, 1000, 3);
	ioctl(tx.fd, NIOCTXSYNC);
	rx_wait(&rx, r, 2000);
	n = rx_get(r, in, sizeof(in));
	ok(n == 1000 && t_check(in, n, &seq) == 0 && seq == 777,
	   "a 3-slot TX packet arrives as one 1000-byte frame (got %u bytes)", n);

	before = gen_counter(A, "tx_drop_len");
	t_frame(frame, 778, 1600);	/* MTU 1500 + 14 + 4 = 1518 at most */
	tx_put(t, frame, 1600, 2);
	t_frame(frame, 779, 10);	/* shorter than an Ethernet header */
	tx_put(t, frame, 10, 1);
	t_frame(frame, 780, 1518);	/* the longest accepted */
	tx_put(t, frame, 1518, 1);
	ioctl(tx.fd, NIOCTXSYNC);
	rx_wait(&rx, r, 2000);
	n = rx_get(r, in, sizeof(in));
	ok(n == 1518 && t_check(in, n, &seq) == 0 && seq == 780,
	   "1600- and 10-byte frames refused, 1518 sent (next frame: %u bytes)", n);
	ok(gen_counter(A, "tx_drop_len") == before + 2, "tx_drop_len counted both (%lld -> %lld)",
	   before, gen_counter(A, "tx_drop_len"));
	ioctl(tx.fd, NIOCTXSYNC);
	ok(nm_tx_pending(t) == 0, "TX ring free again once everything completed");

	/* An 802.1Q frame: the receiver untags it into the skb, we put the tag back. */
	t_frame(frame, 781, 200);
	memmove(frame + 16, frame + 12, 188);
	frame[12] = 0x81, frame[13] = 0x00, frame[14] = 0x00, frame[15] = 0x2a;	/* VID 42 */
	tx_put(t, frame, 204, 1);
	ioctl(tx.fd, NIOCTXSYNC);
	rx_wait(&rx, r, 2000);
	n = rx_get(r, in, sizeof(in));
	ok(n == 204 && !memcmp(in, frame, 204), "a VLAN-tagged frame arrives with its tag (%u bytes)", n);
	nm_close(&rx);
	nm_close(&tx);
}

/* A frame the stack sends on gv1 reaches netmap:gv0's RX ring. */
static void test_stack_to_nic_rx(void)
{
	struct nmport p;
	struct netmap_ring *r;
	static uint8_t frame[2048], in[2048];
	uint32_t n = 0, seq;
	int s = raw_socket(B);

	nm_open_or_die(&p, A, NR_REG_ALL_NIC, 0, 0);
	r = rxr(&p, 0);
	t_frame(frame, 4242, 300);
	ok(s >= 0 && send(s, frame, 300, 0) == 300, "raw socket sends 300 bytes on %s", B);
	while (rx_wait(&p, r, 2000) > 0) {
		n = rx_get(r, in, sizeof(in));
		if (t_check(in, n, &seq) >= 0)
			break;
	}
	ok(n == 300 && !memcmp(in, frame, 300), "the stack's frame arrives on netmap:%s RX (%u bytes)",
	   A, n);
	close(s);
	nm_close(&p);
}

/* Host rings: stack -> host RX only while NIC TX is in netmap mode; host TX -> stack. */
static void test_host_rings(void)
{
	struct nmport sw, all, peer;
	struct netmap_ring *hr, *ht, *nr;
	static uint8_t frame[2048], in[2048];
	uint32_t n = 0, seq;
	int s = raw_socket(A), got_stack = 0, k;
	struct pollfd pfd;

	/* netmap:gv0^ alone: the stack's frames still go to the driver (spec §7.7 Compat). */
	nm_open_or_die(&sw, A, NR_REG_SW, 0, 0);
	nm_open_or_die(&peer, B, NR_REG_ALL_NIC, 0, 0);
	hr = NETMAP_RXRING(sw.nifp, sw.reg.nr_rx_rings);
	nr = rxr(&peer, 0);
	t_frame(frame, 5000, 120);
	ok(s >= 0 && send(s, frame, 120, 0) == 120, "raw socket sends on %s", A);
	rx_wait(&peer, nr, 2000);
	n = rx_get(nr, in, sizeof(in));
	ok(n == 120 && t_check(in, n, &seq) == 0 && seq == 5000,
	   "with only %s^ open, the stack's frame reaches the peer (%u bytes)", A, n);
	ioctl(sw.fd, NIOCRXSYNC);
	ok(nm_ring_empty(hr), "and the host RX ring stays empty");
	nm_close(&sw);

	/* netmap:gv0* binds NIC TX too: the stack's frames go to the host RX ring. */
	nm_open_or_die(&all, A, NR_REG_NIC_SW, 0, 0);
	hr = NETMAP_RXRING(all.nifp, all.reg.nr_rx_rings);
	ht = NETMAP_TXRING(all.nifp, all.reg.nr_tx_rings);
	t_frame(frame, 5001, 1400);
	send(s, frame, 1400, 0);
	rx_wait(&all, hr, 2000);
	n = rx_get(hr, in, sizeof(in));
	ok(n == 1400 && !memcmp(in, frame, 1400), "%s*: the stack's frame is on the host RX ring (%u bytes)",
	   A, n);
	ioctl(peer.fd, NIOCRXSYNC);
	ok(nm_ring_empty(nr), "and it did not reach the driver");

	/* Host TX ring -> the stack, as if received on gv0: the packet socket sees it; netmap's own
	 * NIC RX ring does not take it back. */
	t_frame(frame, 5002, 222);
	tx_put(ht, frame, 222, 1);
	t_frame(frame, 5003, 8);	/* too short: dropped */
	tx_put(ht, frame, 8, 1);
	ioctl(all.fd, NIOCTXSYNC);
	ok(nm_tx_pending(ht) == 0, "host TX ring free again at once");
	t_frame(frame, 5002, 222);
	pfd.fd = s;
	pfd.events = POLLIN;
	for (k = 0; k < 20 && !got_stack; k++) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t m;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		m = recvfrom(s, in, sizeof(in), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (m == 222 && from.sll_pkttype != PACKET_OUTGOING && !memcmp(in, frame, 222))
			got_stack = 1;
	}
	ok(got_stack, "a host TX frame is received by the stack on %s", A);
	ioctl(all.fd, NIOCRXSYNC);
	n = 0;
	while (!nm_ring_empty(rxr(&all, 0))) {
		n = rx_get(rxr(&all, 0), in, sizeof(in));
		if (t_check(in, n, &seq) == 0 && seq == 5002)
			break;
		n = 0;
	}
	ok(n == 0, "and the NIC RX ring does not capture it again");
	ok(gen_counter(A, "host_tx_drop") >= 1, "the 8-byte host frame was dropped and counted");
	close(s);
	nm_close(&all);
	nm_close(&peer);
}

/* The MTU must fit a buffer when RX rings enter netmap mode (spec §5.6 step 9). */
static void test_mtu(void)
{
	struct nmport p;
	int err;

	ok(sh("/sbin/ip link set " B " mtu 3000") == 0, "MTU 3000 on %s", B);
	err = nm_register(&p, B, NR_REG_ALL_NIC, 0, 0);
	ok(err == -EINVAL, "RX rings with MTU 3000 > buf_size 2048: EINVAL (%s)", strerror(-err));
	nm_close(&p);
	err = nm_register(&p, B, NR_REG_ALL_NIC, 0, NR_TX_RINGS_ONLY);
	ok(err == 0, "TX rings only: no MTU check (%s)", strerror(-err));
	nm_close(&p);
	sh("/sbin/ip link set " B " mtu 1500");
	nm_open_or_die(&p, B, NR_REG_ALL_NIC, 0, 0);
	ok(sh("/sbin/ip link set " B " mtu 3000 2>/dev/null") != 0,
	   "while in netmap mode, an MTU larger than a buffer is refused");
	nm_close(&p);
}

/* A bridge owns gv1's receive path: EBUSY. */
static void test_bridge_busy(void)
{
	struct nmport p;
	int err;

	sh("modprobe bridge 2>/dev/null");
	if (sh("/sbin/ip link add gvbr type bridge && /sbin/ip link set " B " master gvbr")) {
		ok(0, "bridge setup");
		return;
	}
	err = nm_register(&p, B, NR_REG_ALL_NIC, 0, 0);
	ok(err == -EBUSY, "a bridge port: EBUSY (%s)", strerror(-err));
	nm_close(&p);
	err = nm_register(&p, B, NR_REG_ALL_NIC, 0, NR_TX_RINGS_ONLY);
	ok(err == 0, "TX rings only do not need the rx handler (%s)", strerror(-err));
	nm_close(&p);
	sh("/sbin/ip link del gvbr");
}

/* Two queues each way: two rings; frames sent on both TX rings all arrive. */
static void test_multiqueue(void)
{
	struct nmport tx, rx;
	static uint8_t frame[2048], in[2048];
	uint32_t got = 0, seq, n, i;
	int q;

	if (veth_pair("gmq0", "gmq1", "numtxqueues 2 numrxqueues 2")) {
		ok(0, "multi-queue veth pair");
		return;
	}
	nm_open_or_die(&tx, "gmq0", NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&rx, "gmq1", NR_REG_ALL_NIC, 0, 0);
	ok(tx.reg.nr_tx_rings == 2 && tx.reg.nr_rx_rings == 2, "2 TX and 2 RX rings (got %u, %u)",
	   tx.reg.nr_tx_rings, tx.reg.nr_rx_rings);
	if (tx.reg.nr_tx_rings != 2 || rx.reg.nr_rx_rings != 2)
		goto out;
	for (i = 0; i < 200; i++) {
		t_frame(frame, i, 100);
		tx_put(txr(&tx, i % 2), frame, 100, 1);
	}
	ioctl(tx.fd, NIOCTXSYNC);
	for (i = 0; i < 20 && got < 200; i++) {
		struct pollfd pfd = { .fd = rx.fd, .events = POLLIN };

		poll(&pfd, 1, 100);
		for (q = 0; q < 2; q++)
			while ((n = rx_get(rxr(&rx, q), in, sizeof(in))) > 0)
				if (t_check(in, n, &seq) == 0)
					got++;
	}
	ok(got == 200, "200 frames over two TX rings all arrive (%u)", got);
out:
	nm_close(&rx);
	nm_close(&tx);
	sh("/sbin/ip link del gmq0");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (veth_pair(A, B, NULL)) {
		ok(0, "create veth pair %s/%s", A, B);
		return t_exit();
	}
	test_register();
	test_traffic();
	test_recycle();
	test_frags_and_limits();
	test_stack_to_nic_rx();
	test_host_rings();
	test_mtu();
	test_bridge_busy();
	test_multiqueue();
	sh("/sbin/ip link del " A);
	return t_exit();
}
