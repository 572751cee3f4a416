/*
 * pingpong.c -- round trips: ping sends numbered, timestamped frames and measures how long each
 * takes to come back; pong sends every frame it receives back with source and destination (MAC,
 * IP, UDP port) exchanged.
 *
 * ping works in rounds of -b packets (1 by default): it sends a round, then waits until every reply
 * of the round is back or one second has passed (the missing ones count as lost), and starts the
 * next.  The timestamp travels in the frame's marker (CLOCK_MONOTONIC ns), so only replies to this
 * ping thread (same stream id) count.  Every second it prints, through D(),
 *   count <n> RTT: min <ns> av <ns> ns
 * and a histogram line with log2 buckets ("2^12:5" means 5 round trips of 4096..8191 ns); main()
 * prints "RTT over <n> packets: min <ns> av <ns> ns" at the end.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>

#include "pkt-gen.h"

#define PING_TIMEOUT_NS	1000000000ULL
#define SEC_NS		1000000000ULL

struct ping_stats {
	uint64_t count, sum, min;
	uint64_t hist[64];
};

static void rtt_add(struct targ *t, struct ping_stats *s, uint64_t rtt)
{
	if (s->count == 0 || rtt < s->min)
		s->min = rtt;
	s->count++;
	s->sum += rtt;
	s->hist[63 - __builtin_clzll(rtt | 1)]++;
	if (t->rtt_count == 0 || rtt < t->rtt_min)
		t->rtt_min = rtt;
	t->rtt_count++;
	t->rtt_sum += rtt;
}

/* The per-second lines; the statistics start again. */
static void ping_print(struct ping_stats *s)
{
	char line[64 * 24];
	int i, n = 0, lo = 64, hi = -1;

	D("count %llu RTT: min %llu av %llu ns", (unsigned long long)s->count,
	  (unsigned long long)s->min, (unsigned long long)(s->count ? s->sum / s->count : 0));
	for (i = 0; i < 64; i++) {
		if (s->hist[i]) {
			lo = lo < i ? lo : i;
			hi = i;
		}
	}
	line[0] = '\0';
	for (i = lo; i <= hi; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " 2^%d:%llu", i,
			      (unsigned long long)s->hist[i]);
	D("RTT histogram (log2 ns):%s", hi < 0 ? " empty" : line);
	memset(s, 0, sizeof(*s));
}

/* One ping frame in the next TX slot, timestamped now: 1, or 0 if the ring is full. */
static int ping_send(struct targ *t, struct netmap_ring *ring)
{
	struct netmap_slot *slot;
	int total;

	if (nm_ring_space(ring) == 0)
		return 0;
	total = t->pkt.vhdr + pg_prepare(t);
	slot = &ring->slot[ring->head];
	nm_pkt_copy(t->pkt.frame, NETMAP_BUF(ring, slot->buf_idx), total);
	slot->len = (uint16_t)total;
	slot->flags = 0;
	if (t->g->options & OPT_DUMP)
		pkt_dump("ping", t->pkt.frame, total, ring->ringid, (int)ring->head);
	ring->head = ring->cur = nm_ring_next(ring, ring->head);
	t->ready = 0;
	return 1;
}

/* Replies in the RX ring: RTTs; *late counts replies to rounds already given up. */
static uint32_t ping_recv(struct targ *t, struct pg_ctrs *c, struct netmap_ring *ring,
			  struct ping_stats *s, uint32_t round_first, uint32_t *late)
{
	uint32_t got = 0, stream, seq;
	uint64_t ts, now = pg_now_ns();
	int vh = t->g->vhdr;

	while (!nm_ring_empty(ring)) {
		struct netmap_slot *slot = &ring->slot[ring->head];
		const uint8_t *data = (const uint8_t *)NETMAP_BUF(ring, slot->buf_idx) + vh;
		int len = slot->len - vh;

		if (t->g->options & OPT_DUMP)
			pkt_dump("pong", data, len > 0 ? len : 0, ring->ringid, (int)ring->head);
		if (!(slot->flags & NS_MOREFRAG) && len > 0 &&
		    pkt_check(data, len, &stream, &seq, &ts) == 0 && stream == (uint32_t)t->id) {
			rtt_add(t, s, now > ts ? now - ts : 0);
			c->pkts++;
			c->bytes += (uint64_t)len;
			if ((int32_t)(seq - round_first) >= 0)
				got++;
			else
				(*late)++;
		}
		ring->head = ring->cur = nm_ring_next(ring, ring->head);
	}
	return got;
}

/* Sends the next round: how many packets went out (0: the -n budget is spent). */
static uint32_t ping_round(struct targ *t, struct netmap_ring *ring)
{
	uint32_t want = (uint32_t)pg_reserve(t->g, (uint64_t)t->g->burst), n = 0;

	while (n < want && ping_send(t, ring))
		n++;
	pg_unreserve(t->g, want - n);
	ioctl(t->fd, NIOCTXSYNC, NULL);
	return n;
}

void *pg_ping_body(void *arg)
{
	struct targ *t = arg;
	struct glob *g = t->g;
	struct nmport_d *d = t->nmd;
	struct netmap_ring *txr = NETMAP_TXRING(d->nifp, d->first_tx_ring);
	struct netmap_ring *rxr = NETMAP_RXRING(d->nifp, d->first_rx_ring);
	static struct ping_stats zero;
	struct ping_stats s = zero;
	struct pg_ctrs c = { 0 };
	uint64_t round_start = 0, last_print;
	uint32_t outstanding = 0, round_first = 0, late = 0;

	pg_set_affinity(t);
	if (g->frags > 1) {
		D("ping: a frame must fit in one slot");
		t->failed = 1;
		pg_mark_end(t, 0);
		return NULL;
	}
	pg_mark_start(t);
	last_print = pg_now_ns();
	while (!pg_stop) {
		uint64_t now = pg_now_ns();
		int r;

		if (outstanding == 0 || now - round_start > PING_TIMEOUT_NS) {
			c.lost += outstanding;
			round_first = (uint32_t)t->txk;
			outstanding = ping_round(t, txr);
			round_start = now;
			if (outstanding == 0 && !pg_budget_left(g))
				break;
		}
		r = pg_poll_fd(t, POLLIN, 100);
		if (r < 0) {
			t->failed = 1;
			break;
		}
		if (r > 0) {
			uint32_t got = ping_recv(t, &c, rxr, &s, round_first, &late);

			c.events++;
			outstanding -= got < outstanding ? got : outstanding;
			c.lost -= late < c.lost ? late : c.lost;
			late = 0;
		}
		pg_publish(t, &c);
		if (pg_now_ns() - last_print >= SEC_NS) {
			ping_print(&s);
			last_print += SEC_NS;
		}
	}
	ioctl(t->fd, NIOCRXSYNC, NULL);	/* release the replies consumed */
	pg_publish(t, &c);
	pg_mark_end(t, 0);
	return NULL;
}

/* Copies one received packet (its chain of slots) to the TX ring, addresses exchanged. */
static void pong_copy(struct targ *t, struct netmap_ring *rx, struct netmap_ring *tx, uint32_t nslots,
		      struct pg_ctrs *c)
{
	int vh = t->g->vhdr, total = 0;
	uint32_t i, first = tx->head;

	for (i = 0; i < nslots; i++) {
		struct netmap_slot *rs = &rx->slot[rx->head], *ts = &tx->slot[tx->head];

		nm_pkt_copy(NETMAP_BUF(rx, rs->buf_idx), NETMAP_BUF(tx, ts->buf_idx), rs->len);
		ts->len = rs->len;
		ts->flags = rs->flags & NS_MOREFRAG;
		total += rs->len;
		rx->head = nm_ring_next(rx, rx->head);
		tx->head = nm_ring_next(tx, tx->head);
	}
	if (tx->slot[first].len > vh) {
		uint8_t *e = (uint8_t *)NETMAP_BUF(tx, tx->slot[first].buf_idx) + vh;

		pkt_swap_addrs(e, tx->slot[first].len - vh);
		if (t->g->options & OPT_DUMP)
			pkt_dump("pong", e, tx->slot[first].len - vh, tx->ringid, (int)first);
	}
	c->pkts++;
	c->bytes += (uint64_t)(total > vh ? total - vh : 0);
}

/* Slots of the complete packet at the ring's head, 0 if it is not complete yet. */
static uint32_t chain_len(const struct netmap_ring *r)
{
	uint32_t i = r->head, n = 1;

	while (i != r->tail && (r->slot[i].flags & NS_MOREFRAG)) {
		i = nm_ring_next(r, i);
		n++;
	}
	return i == r->tail ? 0 : n;
}

/* Reflects what an RX ring holds, as far as the TX ring has room. */
static void pong_ring(struct targ *t, struct pg_ctrs *c, struct netmap_ring *rx,
		      struct netmap_ring *tx)
{
	uint32_t n;

	while (!nm_ring_empty(rx) && (n = chain_len(rx)) > 0) {
		if (nm_ring_space(tx) < n) {
			ioctl(t->fd, NIOCTXSYNC, NULL);
			if (nm_ring_space(tx) < n)
				break;
		}
		if (pg_reserve(t->g, 1) == 0)
			break;
		pong_copy(t, rx, tx, n, c);
	}
	rx->cur = rx->head;
	tx->cur = tx->head;
}

void *pg_pong_body(void *arg)
{
	struct targ *t = arg;
	struct glob *g = t->g;
	struct nmport_d *d = t->nmd;
	struct pg_ctrs c = { 0 };
	int i, started = 0, idle = 0;

	pg_set_affinity(t);
	while (!pg_stop && pg_budget_left(g)) {
		int r = pg_poll_fd(t, POLLIN, 1000);

		if (r < 0) {
			t->failed = 1;
			break;
		}
		if (r == 0) {
			if (started && g->idle_exit) {
				idle = 1;
				break;
			}
			continue;
		}
		if (!started) {
			pg_mark_start(t);
			started = 1;
		}
		c.events++;
		for (i = d->first_rx_ring; i <= d->last_rx_ring; i++) {
			int ti = i <= d->last_tx_ring ? i : d->last_tx_ring;

			pong_ring(t, &c, NETMAP_RXRING(d->nifp, i), NETMAP_TXRING(d->nifp, ti));
		}
		ioctl(t->fd, NIOCTXSYNC, NULL);
		pg_publish(t, &c);
	}
	ioctl(t->fd, NIOCRXSYNC, NULL);
	if (!t->failed)
		pg_tx_flush(t);
	pg_publish(t, &c);
	pg_mark_end(t, idle);
	return NULL;
}
