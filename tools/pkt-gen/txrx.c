/*
 * txrx.c -- the tx, txseq, rx and rxseq loops over netmap rings, and the pieces ping, pong and
 * the other port types share with them (pacing, the -n budget, the per-frame receive work).
 *
 * A sender waits with poll(POLLOUT), fills every bound TX ring it can within its burst, and lets
 * the next poll push the slots out.  A slot's buffer gets the whole frame the first time the sender
 * sees that buffer (or always with -o 4/8); afterwards only the bytes that change from one packet
 * to the next are rewritten.  At the end it waits until the kernel has taken every slot back.
 * A receiver waits (unboundedly) for the first packet, starts its clock, and then consumes whole
 * packets (NS_MOREFRAG chains) with poll(POLLIN); -W ends it after one second without traffic.
 * The -n budget is shared by all threads (pg_reserve), so a run moves exactly -n packets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pkt-gen.h"

#define PG_MAX_STREAMS	65536
#define FLUSH_TIMEOUT_NS	3000000000ULL

/* ------------------------------------------------------------------------------------------ */
/* Shared helpers                                                                             */

/* poll() on the thread's fd: >0 ready, 0 timeout or signal, -1 error (reported). */
int pg_poll_fd(struct targ *t, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = t->fd, .events = events };
	int r;

	if (t->kloop)
		return pg_kloop_wait(t, events, timeout_ms);
	r = poll(&pfd, 1, timeout_ms);

	if (r < 0) {
		if (errno == EINTR)
			return 0;
		D("poll error on %s: %s", t->g->ifname, strerror(errno));
		return -1;
	}
	if (r > 0 && (pfd.revents & (POLLERR | POLLNVAL))) {
		D("poll reports an error on %s (revents 0x%x)", t->g->ifname, pfd.revents);
		return -1;
	}
	return r;
}

/* NIOCTXSYNC or NIOCRXSYNC, or with --kloop what stands for them: publish, and take hwtail. */
void pg_sync(struct targ *t, unsigned long cmd)
{
	if (t->kloop)
		pg_kloop_wait(t, cmd == NIOCTXSYNC ? POLLOUT : POLLIN, 0);
	else
		ioctl(t->fd, cmd, NULL);
}

/* Claims up to `want` packets of the -n budget: how many this thread may move. */
uint64_t pg_reserve(struct glob *g, uint64_t want)
{
	uint64_t cur, take;

	if (g->npkts == 0)
		return want;
	cur = __atomic_load_n(&g->remaining, __ATOMIC_RELAXED);
	do {
		take = cur < want ? cur : want;
		if (take == 0)
			return 0;
	} while (!__atomic_compare_exchange_n(&g->remaining, &cur, cur - take, 0,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return take;
}

int pg_budget_left(struct glob *g)
{
	return g->npkts == 0 || __atomic_load_n(&g->remaining, __ATOMIC_RELAXED) > 0;
}

/* Gives back what was claimed and not sent (the run is being cut short). */
void pg_unreserve(struct glob *g, uint64_t n)
{
	if (g->npkts && n)
		__atomic_add_fetch(&g->remaining, n, __ATOMIC_RELAXED);
}

/*
 * -R: the nanoseconds between bursts of each thread, with the burst cut to at most a millisecond
 * worth of packets so that the traffic is smooth; 0 without a rate.
 */
uint64_t pg_tx_period(const struct glob *g, int *burst)
{
	double rate = g->tx_rate / g->nthreads;
	int max_burst;

	if (rate <= 0)
		return 0;
	max_burst = (int)(rate / 1000);
	if (max_burst < 1)
		max_burst = 1;
	if (*burst > max_burst)
		*burst = max_burst;
	return (uint64_t)(*burst * 1e9 / rate);
}

/* Sleeps until *next_ns, then moves it one period on; never bursts to catch up a long delay. */
void pg_pace(uint64_t *next_ns, uint64_t period_ns)
{
	uint64_t now = pg_now_ns();

	if (*next_ns > now) {
		struct timespec ts = {
			.tv_sec = (time_t)(*next_ns / 1000000000ULL),
			.tv_nsec = (long)(*next_ns % 1000000000ULL),
		};

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !pg_stop)
			;
	} else if (now - *next_ns > 100000000ULL) {
		*next_ns = now;
	}
	*next_ns += period_ns;
}

/* The sequence number of packet k: --test-skip leaves one out, --test-swap exchanges two. */
static uint32_t seq_of(const struct glob *g, uint64_t k)
{
	if (g->test_skip != PG_NONE && k >= g->test_skip)
		k++;
	if (g->test_swap != PG_NONE) {
		if (k == g->test_swap)
			k++;
		else if (k == g->test_swap + 1)
			k--;
	}
	return (uint32_t)k;
}

/* Prepares the thread's next packet (addresses, length, marker): its Ethernet length. */
int pg_prepare(struct targ *t)
{
	struct glob *g = t->g;
	uint64_t ts = 0;

	if (!t->ready) {
		if (g->fn == FN_PING || (g->options & OPT_TS))
			ts = pg_now_ns();
		t->cur_len = pkt_update(&t->pkt, (uint32_t)t->id, seq_of(g, t->txk), ts);
		t->txk++;
		t->ready = 1;
	}
	return t->cur_len;
}

/* ------------------------------------------------------------------------------------------ */
/* Sending                                                                                    */

int pg_tx_state_init(struct targ *t)
{
	struct glob *g = t->g;
	struct nmport_d *d = t->nmd;
	int i, n = d->last_tx_ring - d->first_tx_ring + 1;
	size_t stride = ((size_t)g->tmpl_len + 63) & ~(size_t)63;

	if (n <= 0)
		return 0;
	t->txs = calloc((size_t)n, sizeof(*t->txs));
	if (!t->txs)
		return -1;
	t->ntxs = n;
	for (i = 0; i < n; i++) {
		struct netmap_ring *ring = NETMAP_TXRING(d->nifp, d->first_tx_ring + i);

		t->txs[i].known = calloc(ring->num_slots, sizeof(uint32_t));
		if (!t->txs[i].known)
			return -1;
		if ((g->options & OPT_INDIRECT) && t->pkt.varies) {
			if (stride * ring->num_slots > (256u << 20)) {
				D("-I: %zu bytes of user buffers would be needed", stride * ring->num_slots);
				return -1;
			}
			t->txs[i].ibuf = malloc(stride * ring->num_slots);
			if (!t->txs[i].ibuf)
				return -1;
		}
	}
	return 0;
}

void pg_tx_state_fini(struct targ *t)
{
	int i;

	for (i = 0; i < t->ntxs; i++) {
		free(t->txs[i].known);
		free(t->txs[i].ibuf);
	}
	free(t->txs);
	t->txs = NULL;
	t->ntxs = 0;
}

/* -I: the slot points at a user copy of the frame. */
static void put_indirect(struct targ *t, struct netmap_slot *slot, int ri, uint32_t si, int total)
{
	struct txring_state *s = &t->txs[ri];
	uint8_t *b = t->pkt.frame;

	if (s->ibuf) {
		b = s->ibuf + si * (((size_t)t->g->tmpl_len + 63) & ~(size_t)63);
		memcpy(b, t->pkt.frame, (size_t)total);
	}
	slot->ptr = (uint64_t)(uintptr_t)b;
	slot->flags = NS_INDIRECT;
}

/* One packet in one slot. */
static void put_one(struct targ *t, struct netmap_ring *ring, int ri, uint32_t si, int total)
{
	struct netmap_slot *slot = &ring->slot[si];
	struct txring_state *s = &t->txs[ri];
	struct pkt *p = &t->pkt;
	int o = t->g->options;
	uint8_t *buf = (uint8_t *)NETMAP_BUF(ring, slot->buf_idx);

	slot->len = (uint16_t)total;
	if (o & OPT_INDIRECT) {
		put_indirect(t, slot, ri, si, total);
		return;
	}
	slot->flags = 0;
	if (o & OPT_RUBBISH)
		return;
	if (o & OPT_MEMCPY) {
		memcpy(buf, p->frame, (size_t)total);
	} else if ((o & OPT_COPY) || s->known[si] != slot->buf_idx) {
		int all = p->vhdr + p->maxlen;	/* later packets may be longer */

		nm_pkt_copy(p->frame, buf, all < (int)ring->nr_buf_size ? all : (int)ring->nr_buf_size);
		s->known[si] = slot->buf_idx;
	} else if (p->varies) {
		memcpy(buf, p->frame, (size_t)(p->varies < total ? p->varies : total));
	}
	if (o & OPT_PREFETCH)
		__builtin_prefetch(NETMAP_BUF(ring, ring->slot[nm_ring_next(ring, si)].buf_idx));
}

/* One packet over several slots (NS_MOREFRAG on all but the last): returns the next slot. */
static uint32_t put_frags(struct targ *t, struct netmap_ring *ring, int ri, uint32_t si, int total)
{
	int off = 0, fs = t->g->frag_size;

	while (off < total) {
		struct netmap_slot *slot = &ring->slot[si];
		int n = total - off < fs ? total - off : fs;

		if (!(t->g->options & OPT_RUBBISH))
			memcpy(NETMAP_BUF(ring, slot->buf_idx), t->pkt.frame + off, (size_t)n);
		t->txs[ri].known[si] = 0;
		slot->len = (uint16_t)n;
		off += n;
		slot->flags = off < total ? NS_MOREFRAG : 0;
		si = nm_ring_next(ring, si);
	}
	return si;
}

/*
 * The common case: a frame that never changes and fits in one slot, with no option that works on
 * every packet.  Then a packet is just a slot's length and flags (put_one's copy happens once per
 * buffer), and tx_ring fills the ring in one tight loop.
 */
static int tx_fixed(const struct targ *t, int total)
{
	const int per_packet = OPT_INDIRECT | OPT_RUBBISH | OPT_MEMCPY | OPT_COPY | OPT_DUMP |
			       OPT_PREFETCH;

	return !t->pkt.hdr_dirty && total <= t->g->frag_size && !(t->g->options & per_packet);
}

/* n copies of the fixed frame of len bytes from *head on, which moves past them. */
static void put_fixed(struct targ *t, struct pg_ctrs *c, struct netmap_ring *ring, int ri,
		      uint32_t *head, uint32_t n, int len)
{
	uint32_t *known = t->txs[ri].known, si = *head, k;
	int total = t->pkt.vhdr + len, all = t->pkt.vhdr + t->pkt.maxlen;

	if (all > (int)ring->nr_buf_size)
		all = (int)ring->nr_buf_size;
	for (k = 0; k < n; k++) {
		struct netmap_slot *slot = &ring->slot[si];

		if (known[si] != slot->buf_idx) {
			nm_pkt_copy(t->pkt.frame, NETMAP_BUF(ring, slot->buf_idx), all);
			known[si] = slot->buf_idx;
		}
		slot->len = (uint16_t)total;
		slot->flags = 0;
		si = nm_ring_next(ring, si);
	}
	*head = si;
	t->txk += n - 1;	/* pg_prepare counted the first */
	t->ready = 0;
	c->bytes += (uint64_t)len * n;
}

/* Packets one by one, up to `limit` in `space` slots, from *head on: how many it queued. */
static uint32_t put_each(struct targ *t, struct pg_ctrs *c, struct netmap_ring *ring, int ri,
			 uint32_t *head, uint32_t space, uint32_t limit)
{
	struct glob *g = t->g;
	uint32_t sent = 0;

	while (sent < limit) {
		int len = pg_prepare(t), total = t->pkt.vhdr + len;
		uint32_t need = (uint32_t)((total + g->frag_size - 1) / g->frag_size);
		uint32_t first = *head;

		if (space < need)
			break;
		if (need == 1) {
			put_one(t, ring, ri, *head, total);
			*head = nm_ring_next(ring, *head);
		} else {
			*head = put_frags(t, ring, ri, *head, total);
		}
		if (g->options & OPT_DUMP)
			pkt_dump("tx", t->pkt.frame, total, ring->ringid, (int)first);
		t->ready = 0;
		space -= need;
		sent++;
		c->bytes += (uint64_t)len;
	}
	return sent;
}

/* Fills one TX ring with up to `limit` packets: how many it queued. */
static uint32_t tx_ring(struct targ *t, struct pg_ctrs *c, struct netmap_ring *ring, int ri,
			uint32_t limit)
{
	uint32_t head = ring->head, space = nm_ring_space(ring), sent;
	int len = pg_prepare(t);

	pg_sample_space(t, space);
	if (tx_fixed(t, t->pkt.vhdr + len)) {
		sent = limit < space ? limit : space;
		if (sent)
			put_fixed(t, c, ring, ri, &head, sent, len);
	} else {
		sent = put_each(t, c, ring, ri, &head, space, limit);
	}
	if (sent) {	/* a completion hint on the batch's last slot, as NIC drivers like */
		ring->slot[head == 0 ? ring->num_slots - 1 : head - 1].flags |= NS_REPORT;
		ring->head = ring->cur = head;
	}
	if (sent < limit)
		ring->cur = ring->tail;	/* wake me when there is room */
	return sent;
}

/* Queues up to `quota` packets over the thread's TX rings. */
static uint32_t tx_rings(struct targ *t, struct pg_ctrs *c, uint32_t quota)
{
	struct nmport_d *d = t->nmd;
	uint32_t done = 0;
	int i;

	for (i = d->first_tx_ring; i <= d->last_tx_ring && done < quota; i++)
		done += tx_ring(t, c, NETMAP_TXRING(d->nifp, i), i - d->first_tx_ring, quota - done);
	return done;
}

/* Slots of the thread's TX rings still owned by the kernel. */
static uint32_t tx_pending(struct targ *t)
{
	struct nmport_d *d = t->nmd;
	uint32_t n = 0;
	int i;

	for (i = d->first_tx_ring; i <= d->last_tx_ring; i++) {
		struct netmap_ring *r = NETMAP_TXRING(d->nifp, i);

		if (nm_tx_pending(r))
			n += r->num_slots - 1 - nm_ring_space(r);
	}
	return n;
}

/* Waits until the kernel has taken back every slot, giving up after 3 s without progress. */
void pg_tx_flush(struct targ *t)
{
	uint64_t last = pg_now_ns();
	uint32_t prev = UINT32_MAX, n;

	for (;;) {
		pg_sync(t, NIOCTXSYNC);
		n = tx_pending(t);
		if (n == 0 || pg_stop)
			return;
		if (n != prev) {
			prev = n;
			last = pg_now_ns();
		} else if (pg_now_ns() - last > FLUSH_TIMEOUT_NS) {
			D("%u slots still pending on %s after 3 s without progress; giving up", n,
			  t->g->ifname);
			return;
		}
		usleep(500);
	}
}

/* tx and txseq. */
void *pg_tx_body(void *arg)
{
	struct targ *t = arg;
	struct glob *g = t->g;
	struct pg_ctrs c = { 0 };
	int burst = g->burst;
	uint64_t period = pg_tx_period(g, &burst), next = pg_now_ns();

	pg_set_affinity(t);
	pg_mark_start(t);
	while (!pg_stop && pg_budget_left(g)) {
		uint32_t quota = (uint32_t)pg_reserve(g, (uint64_t)burst);

		if (period)
			pg_pace(&next, period);
		while (quota && !pg_stop) {
			int r = pg_poll_fd(t, POLLOUT, 1000);
			uint32_t m;

			if (r < 0) {
				t->failed = 1;
				goto out;
			}
			if (r == 0) {
				if (g->verbose)
					RD(1, "poll timeout: no room in the TX rings of %s", g->ifname);
				continue;
			}
			c.events++;
			m = tx_rings(t, &c, quota);
			quota -= m;
			c.pkts += m;
			pg_publish(t, &c);
		}
		pg_unreserve(g, quota);
	}
	pg_tx_flush(t);
out:
	pg_publish(t, &c);
	pg_mark_end(t, 0);
	return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Receiving                                                                                  */

/* rxseq: the marker's stream and sequence number against what the stream expects. */
static void seq_check(struct targ *t, struct pg_ctrs *c, uint32_t stream, uint32_t seq)
{
	uint32_t *exp = &t->expect[stream];
	int32_t diff = (int32_t)(seq - *exp);

	if (diff == 0) {
		(*exp)++;
	} else if (diff > 0) {
		c->lost += (uint64_t)diff;
		RD(5, "rxseq: stream %u: expected %u, got %u: %d lost", stream, *exp, seq, diff);
		*exp = seq + 1;
	} else {
		c->reordered++;
		if (c->lost)
			c->lost--;	/* it was counted as lost when the gap appeared */
		RD(5, "rxseq: stream %u: %u arrived after %u (out of order)", stream, seq, *exp - 1);
	}
}

/*
 * The work done on every received frame (without its virtio-net header): 1 if it counts, 0 if
 * rxseq ignores it as traffic that is not pkt-gen's.
 */
int pg_rx_frame(struct targ *t, struct pg_ctrs *c, const uint8_t *data, int len, int ring,
		int slot)
{
	struct glob *g = t->g;

	if (g->options & OPT_DUMP)
		pkt_dump("rx", data, len, ring, slot);
	if (g->fn == FN_RXSEQ) {
		uint32_t stream, seq;
		uint64_t ts;
		int r = pkt_check(data, len, &stream, &seq, &ts);

		if (r == PKT_FOREIGN) {
			c->foreign++;
			RD(1, "rxseq: ignoring a frame that pkt-gen did not send (%d bytes)", len);
			return 0;
		}
		if (r == PKT_CORRUPT) {
			c->corrupt++;
			RD(5, "rxseq: corrupt frame of %d bytes", len);
		} else {
			seq_check(t, c, stream, seq);
		}
	}
	c->pkts++;
	c->bytes += (uint64_t)len;
	if (g->options & OPT_ACCESS) {
		volatile uint8_t sink = 0;
		int i;

		for (i = 0; i < len; i += 64)
			sink ^= data[i];
		(void)sink;
	}
	return 1;
}

/* Packets (complete NS_MOREFRAG chains) available in an RX ring, up to `max`. */
static uint32_t rx_count(struct netmap_ring *ring, uint32_t max)
{
	uint32_t i = ring->head, n = 0;

	while (i != ring->tail && n < max) {
		uint32_t j = i;

		while (j != ring->tail && (ring->slot[j].flags & NS_MOREFRAG))
			j = nm_ring_next(ring, j);
		if (j == ring->tail)
			break;	/* incomplete chain: wait for the rest */
		i = nm_ring_next(ring, j);
		n++;
	}
	return n;
}

/* One packet starting at slot *si: hands it to pg_rx_frame, moves *si past it; 1 if counted. */
static int rx_packet(struct targ *t, struct pg_ctrs *c, struct netmap_ring *ring, uint32_t *si)
{
	struct netmap_slot *slot = &ring->slot[*si];
	const uint8_t *data = (const uint8_t *)NETMAP_BUF(ring, slot->buf_idx);
	int len = slot->len, vh = t->g->vhdr, first = (int)*si, r;
	int cap = NETMAP_MAX_FRAGS * (int)t->g->buf_size;

	if (slot->flags & NS_MOREFRAG) {	/* gather the chain, at most cap bytes */
		len = 0;
		for (;;) {
			int n;

			slot = &ring->slot[*si];
			n = slot->len < cap - len ? slot->len : cap - len;
			memcpy(t->scratch + len, NETMAP_BUF(ring, slot->buf_idx), (size_t)n);
			len += n;
			if (!(slot->flags & NS_MOREFRAG))
				break;
			*si = nm_ring_next(ring, *si);
		}
		data = t->scratch;
	}
	if (len > vh)
		r = pg_rx_frame(t, c, data + vh, len - vh, ring->ringid, first);
	else
		r = pg_rx_frame(t, c, data, 0, ring->ringid, first);
	*si = nm_ring_next(ring, *si);
	return r;
}

/* Up to a burst of packets from one ring, within the -n budget. */
static void rx_ring(struct targ *t, struct pg_ctrs *c, struct netmap_ring *ring)
{
	uint32_t n = (uint32_t)pg_reserve(t->g, rx_count(ring, (uint32_t)t->g->burst));
	uint32_t si = ring->head, ignored = 0;

	while (n--)
		ignored += !rx_packet(t, c, ring, &si);
	ring->head = ring->cur = si;
	pg_unreserve(t->g, ignored);
}

static int rx_init(struct targ *t)
{
	t->scratch = malloc((size_t)NETMAP_MAX_FRAGS * t->g->buf_size);
	if (!t->scratch)
		return -1;
	if (t->g->fn == FN_RXSEQ) {
		t->expect = calloc(PG_MAX_STREAMS, sizeof(*t->expect));
		if (!t->expect)
			return -1;
	}
	return 0;
}

/* Waits for the first packet: 1 when traffic arrived, 0 when stopped, -1 on error. */
static int wait_first(struct targ *t)
{
	while (!pg_stop && pg_budget_left(t->g)) {
		int r = pg_poll_fd(t, POLLIN, 1000);

		if (r != 0)
			return r;
		RD(1, "waiting for initial packets, poll returns %d", r);
	}
	return 0;
}

/* rx and rxseq. */
void *pg_rx_body(void *arg)
{
	struct targ *t = arg;
	struct glob *g = t->g;
	struct nmport_d *d = t->nmd;
	struct pg_ctrs c = { 0 };
	int r, i, idle = 0;

	pg_set_affinity(t);
	if (rx_init(t) < 0 || (r = wait_first(t)) < 0) {
		t->failed = 1;
		pg_mark_end(t, 0);
		return NULL;
	}
	pg_mark_start(t);
	while (r > 0 && !pg_stop && pg_budget_left(g)) {
		r = pg_poll_fd(t, POLLIN, 1000);
		if (r < 0) {
			t->failed = 1;
			break;
		}
		if (r == 0) {
			idle = g->idle_exit;
			r = !idle;
			continue;
		}
		c.events++;
		for (i = d->first_rx_ring; i <= d->last_rx_ring; i++)
			rx_ring(t, &c, NETMAP_RXRING(d->nifp, i));
		pg_publish(t, &c);
	}
	pg_sync(t, NIOCRXSYNC);	/* give the consumed slots back (a pipe's sender waits) */
	pg_publish(t, &c);
	pg_mark_end(t, idle);
	return NULL;
}
