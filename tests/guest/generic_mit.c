/*
 * Receive wake-up mitigation on the generic adapter (module parameter generic_mit, spec §8;
 * linux/generic_rx.c): a reader is woken when a frame reaches an empty queue, at most once per
 * generic_mit ns; a wake-up due sooner is delayed by a timer, never lost, and the frames that
 * arrive meanwhile come in one batch.  Below 32768 every such frame wakes the reader at once.
 */
#include <pthread.h>

#include "generic.h"

#define A "gm0"
#define B "gm1"
#define MIT_PARAM "/sys/module/netmap/parameters/generic_mit"

static void set_mit(long ns)
{
	sh("echo %ld > " MIT_PARAM, ns);
}

/* Sends `count` test frames from tx's ring 0, starting at sequence seq. */
static void send_frames(struct nmport *tx, uint32_t seq, uint32_t count)
{
	tx_frames(NETMAP_TXRING(tx->nifp, 0), seq, count, 60);
	ioctl(tx->fd, NIOCTXSYNC);
}

/* What the sender thread does while the main thread sleeps in poll(): steps[i] after delay. */
struct step {
	int delay_ms;		/* after the previous step */
	uint32_t seq, count;
};

static struct nmport tx;
static const struct step *steps;

static void *sender(void *arg)
{
	const struct step *st;

	(void)arg;
	for (st = steps; st->count; st++) {
		usleep((useconds_t)st->delay_ms * 1000);
		send_frames(&tx, st->seq, st->count);
	}
	return NULL;
}

/* Seconds until poll() reports frames on rx (-1 after 3 s); leaves them in the ring. */
static double poll_wait(struct nmport *rx)
{
	struct pollfd pfd = { .fd = rx->fd, .events = POLLIN };
	double t0 = now_s();

	if (poll(&pfd, 1, 3000) != 1 || !(pfd.revents & POLLIN))
		return -1;
	return now_s() - t0;
}

/* Sleeps in poll() on rx while the sender thread runs `plan`: seconds until it returned. */
static double poll_while(struct nmport *rx, const struct step *plan)
{
	pthread_t th;
	double t;

	steps = plan;
	if (pthread_create(&th, NULL, sender, NULL))
		return -1;
	t = poll_wait(rx);
	pthread_join(th, NULL);
	return t;
}

/* Releases what the RX ring holds; returns how many test frames that was. */
static uint32_t drain(struct nmport *rx)
{
	struct netmap_ring *r = NETMAP_RXRING(rx->nifp, 0);
	uint32_t n = 0, seq;

	for (; !nm_ring_empty(r); r->head = r->cur = nm_ring_next(r, r->cur))
		n += t_check((uint8_t *)NETMAP_BUF(r, r->slot[r->cur].buf_idx),
			     r->slot[r->cur].len, &seq) == 0;
	ioctl(rx->fd, NIOCRXSYNC);
	return n;
}

int main(void)
{
	static const struct step one[] = { { 100, 0, 1 }, { 0, 0, 0 } };
	static const struct step burst[] = { { 50, 1, 1 }, { 50, 2, 9 }, { 0, 0, 0 } };
	static const struct step again[] = { { 100, 20, 1 }, { 0, 0, 0 } };
	struct nmport rx;
	double first, second;
	uint32_t got;

	setvbuf(stdout, NULL, _IOLBF, 0);
	veth_pair_open(A, B, &tx, &rx);

	set_mit(400000000);	/* 400 ms */
	usleep(500000);		/* longer than that since any earlier wake-up */
	first = poll_while(&rx, one);
	ok(first >= 0 && first < 0.4,
	   "generic_mit 400 ms: a frame 0.1 s into poll() wakes the reader at once (%.3f s)", first);
	got = drain(&rx);
	second = poll_while(&rx, burst);
	ok(second >= 0.25 && second < 1.5,
	   "the next one, right after, waits for the rest of the 400 ms, and comes (%.3f s)", second);
	got += drain(&rx);
	ok(got == 11, "no frame lost; the 10 held back came in one wake-up (%u of 11)", got);

	set_mit(0);
	usleep(100000);
	first = poll_while(&rx, again);
	drain(&rx);
	second = poll_while(&rx, again);
	drain(&rx);
	ok(first >= 0 && first < 0.4 && second >= 0 && second < 0.4,
	   "generic_mit 0: each frame wakes the reader at once (%.3f, %.3f s)", first, second);

	set_mit(100000);
	nm_close(&rx);
	nm_close(&tx);
	sh("/sbin/ip link del " A);
	return t_exit();
}
