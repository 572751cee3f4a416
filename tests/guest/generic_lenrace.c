/*
 * Generic TX measures a packet, checks its length against the link header, sizes the skb, and
 * copies: if the copy re-reads slot.len from the shared ring, a program that rewrites len in the
 * meantime gets frames shorter than the Ethernet header to the driver (linux/generic_tx.c).  A
 * thread flips the len of the slots being sent between 60 and a short length, 0 and 7 in turn,
 * as fast as it can while the main thread fills them (len 60) and txsyncs netmap:lr0; an
 * AF_PACKET socket on the peer lr1 counts what arrives.  Frames must keep flowing, slots read as
 * short must be dropped by netmap (tx_drop_len), and the driver must never get a frame under 14
 * bytes: veth drops such a frame itself (veth_xmit's pskb_may_pull) and counts it in lr0's
 * tx_dropped, which must therefore stay put; no frame under 14 bytes may reach lr1 either (with
 * a driver that does not check; an AF_PACKET socket would not show an empty one).
 */
#include <pthread.h>

#include "generic.h"

#define A "lr0"
#define B "lr1"
#define SECONDS		4	/* of sending */
#define BATCH		8	/* slots filled per txsync, the ones the flipper flips */
#define LEN		60
#define SHORT		7	/* the short length that is not 0 */

static struct netmap_ring *ring;
static volatile uint32_t flip_base;	/* first slot of the batch being sent */
static volatile int stop;
static unsigned long flips;

static void *flipper(void *arg)
{
	uint32_t n = ring->num_slots;

	(void)arg;
	while (!stop) {
		uint32_t base = flip_base, k;
		uint16_t runt = flips & 1 ? SHORT : 0;

		/* Each slot spends about half the time short, half at LEN. */
		for (k = 0; k < BATCH; k++)
			*(volatile uint16_t *)&ring->slot[(base + k) % n].len = runt;
		for (k = 0; k < BATCH; k++)
			*(volatile uint16_t *)&ring->slot[(base + k) % n].len = LEN;
		flips++;
	}
	return NULL;
}

static unsigned long frames, ours, runts;
static int min_len = 100000;

/* Counts what arrived on socket s. */
static void drain(int s)
{
	static uint8_t buf[2048];

	for (;;) {
		ssize_t n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0)
			return;
		frames++;
		if (n < 14)
			runts++;
		else if (buf[12] == (T_ETHERTYPE >> 8) && buf[13] == (T_ETHERTYPE & 0xff))
			ours++;
		if (n < min_len)
			min_len = (int)n;
	}
}

static long long tx_dropped(void)
{
	return t_read_long("/sys/class/net/" A "/statistics/tx_dropped");
}

int main(void)
{
	struct nmport p;
	struct tpacket_stats st;
	socklen_t sl = sizeof(st);
	pthread_t th;
	unsigned long syncs = 0;
	int s, rcvbuf = 4 << 20;
	long long drop_len0, tx0, dev0, vdrop0, sent;
	double end;

	if (veth_pair(A, B, NULL)) {
		ok(0, "create veth pair " A "/" B);
		return t_exit();
	}
	s = raw_socket(B);
	ok(s >= 0, "AF_PACKET socket (ETH_P_ALL) bound to " B);
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	nm_open_or_die(&p, A, NR_REG_ONE_NIC, 0, NR_TX_RINGS_ONLY);
	ring = NETMAP_TXRING(p.nifp, 0);
	drop_len0 = gen_counter(A, "tx_drop_len");
	tx0 = gen_counter(A, "tx_pkts");
	dev0 = gen_counter(A, "tx_drop_dev");
	vdrop0 = tx_dropped();
	getsockopt(s, SOL_PACKET, PACKET_STATISTICS, &st, &sl);	/* resets them */
	pthread_create(&th, NULL, flipper, NULL);

	end = now_s() + SECONDS;
	while (now_s() < end) {
		uint32_t k;

		flip_base = ring->cur;
		for (k = 0; k < BATCH && nm_ring_space(ring); k++) {
			struct netmap_slot *slot = &ring->slot[ring->cur];

			t_frame((uint8_t *)NETMAP_BUF(ring, slot->buf_idx), (uint32_t)syncs, LEN);
			slot->len = LEN;
			slot->flags = 0;
			ring->head = ring->cur = nm_ring_next(ring, ring->cur);
		}
		ioctl(p.fd, NIOCTXSYNC);
		syncs++;
		drain(s);
	}
	stop = 1;
	pthread_join(th, NULL);
	usleep(200000);		/* what is still in flight arrives within a moment */
	drain(s);
	memset(&st, 0, sizeof(st));
	getsockopt(s, SOL_PACKET, PACKET_STATISTICS, &st, &sl);
	sent = gen_counter(A, "tx_pkts") - tx0;

	printf("# %lu txsyncs, %lu flip rounds; tx_pkts %lld, tx_drop_len %lld, tx_drop_dev %lld, " A " tx_dropped %lld, socket drops %u\n",
	       syncs, flips, sent, gen_counter(A, "tx_drop_len") - drop_len0,
	       gen_counter(A, "tx_drop_dev") - dev0, tx_dropped() - vdrop0, st.tp_drops);
	ok(ours > 0, "frames of len 60 arrive on " B " while the lengths flip (%lu)", ours);
	ok(gen_counter(A, "tx_drop_len") > drop_len0,
	   "slots read as short are dropped and counted in tx_drop_len (%lld)",
	   gen_counter(A, "tx_drop_len") - drop_len0);
	/* veth drops a frame without a whole Ethernet header (veth_xmit: pskb_may_pull). */
	ok(tx_dropped() == vdrop0, "the driver was handed no frame it had to drop (" A
	   " tx_dropped +%lld)", tx_dropped() - vdrop0);
	ok(runts == 0, "no frame shorter than 14 bytes reaches " B " (%lu of %lu; shortest %d)",
	   runts, frames, min_len);
	ok(ours + st.tp_drops == (unsigned long long)sent,
	   "every frame counted in tx_pkts arrives on " B " (%lu, and %u dropped by the socket, of %lld)",
	   ours, st.tp_drops, sent);
	nm_close(&p);
	close(s);
	sh("/sbin/ip link del " A);
	return t_exit();
}
