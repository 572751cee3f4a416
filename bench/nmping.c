/*
 * bench/nmping.c - netmap round-trip latency with percentiles, and a port probe.
 *
 *   nmping -f ping -i PORT [-l LEN] [-t SECS | -n COUNT]   one frame in flight at a time
 *   nmping -f pong -i PORT                                   echoes frames back (MACs swapped)
 *   -m busy: spin on NIOCRXSYNC instead of sleeping in poll() (ping and pong), to tell the
 *            wake-up latency from the rest of the round trip.
 *   -m kloop: spin on the port's CSB instead, its rings synced by an in-kernel sync-kloop
 *            (netmap(4) "CSB mode and the sync-kloop") that pauses 1 us between rounds: the
 *            round trip with no netmap system call (the spinning side yields its CPU to the
 *            loop, which shares it).
 *   nmping -f probe -i PORT                                  can PORT be opened? (exit 0/1)
 *
 * pkt-gen -f ping reports only the minimum and the average RTT, so this program keeps every RTT
 * and prints, after the pkt-gen-style line `RTT over N packets: min X av Y ns`, one line
 *
 *   nmping: n N lost L min X p50 X p90 X p99 X p999 X max X ns
 *
 * A round trip is timed from just before the NIOCTXSYNC that sends the frame to the moment
 * poll() has returned and the frame with the right sequence number is seen in the RX ring; both
 * ends sleep in poll(), as pkt-gen's ping and pong do.  A frame not back within one second counts
 * as lost.  It answers pkt-gen -f pong, and its own pong answers pkt-gen -f ping.
 * Ports are opened with libnetmap's nmport_open().
 */
#include "bench.h"

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>

#include <libnetmap.h>

#define MAX_RTTS (4u << 20)
#define SEQ_OFF 42	/* UDP payload: 8-byte magic+seq */
#define MAGIC 0x6e6d70696e670000ull	/* "nmping\0\0" */

static int busy;	/* -m busy or -m kloop */

/* -m kloop: the CSB of the port's first TX ring (entry 0) and first RX ring (entry 1). */
static struct {
	int want, on, fd, err;	/* want: -m kloop given; on: the loop runs */
	struct nm_csb_atok atok[2] __attribute__((aligned(64)));
	struct nm_csb_ktoa ktoa[2] __attribute__((aligned(64)));
	pthread_t loop;
} kl;

static int kl_ctrl(uint16_t type, void *body, struct nmreq_option *opt)
{
	struct nmreq_header h;

	memset(&h, 0, sizeof(h));
	h.nr_version = NETMAP_API;
	h.nr_reqtype = type;
	h.nr_body = (uintptr_t)body;
	h.nr_options = (uintptr_t)opt;
	return ioctl(kl.fd, NIOCCTRL, &h) ? errno : 0;
}

static void *kl_loop(void *arg)
{
	/*
	 * One microsecond between rounds: the loop gives its CPU back each round.  It shares that
	 * CPU with this process's spinning thread (they inherit one affinity), and a loop that
	 * never slept would keep it for a whole time slice.
	 */
	struct nmreq_sync_kloop_start st = { .sleep_us = 1 };

	(void)arg;
	kl.err = kl_ctrl(NETMAP_REQ_SYNC_KLOOP_START, &st, NULL);
	return NULL;
}

static void kl_start(struct nmport_d *d)
{
	struct nmreq_opt_csb csb;

	memset(&csb, 0, sizeof(csb));
	csb.nro_opt.nro_reqtype = NETMAP_REQ_OPT_CSB;
	csb.csb_atok = (uintptr_t)kl.atok;
	csb.csb_ktoa = (uintptr_t)kl.ktoa;
	kl.fd = d->fd;
	if (d->first_tx_ring != d->last_tx_ring || d->first_rx_ring != d->last_rx_ring)
		bench_die("nmping: -m kloop needs a port with one ring each way");
	if ((kl.err = kl_ctrl(NETMAP_REQ_CSB_ENABLE, NULL, &csb.nro_opt)) ||
	    pthread_create(&kl.loop, NULL, kl_loop, NULL)) {
		fprintf(stderr, "nmping: -m kloop: %s\n", strerror(kl.err ? kl.err : errno));
		exit(1);
	}
	kl.on = 1;
}

static void kl_stop(void)
{
	if (!kl.on)
		return;
	kl_ctrl(NETMAP_REQ_SYNC_KLOOP_STOP, NULL, NULL);
	pthread_join(kl.loop, NULL);
	kl.on = 0;
}

/* What NIOCTXSYNC and NIOCRXSYNC do, through the CSB: publish both rings, take hwtail back. */
static void kl_sync(struct nmport_d *d)
{
	struct netmap_ring *r[2] = { NETMAP_TXRING(d->nifp, d->first_tx_ring),
				     NETMAP_RXRING(d->nifp, d->first_rx_ring) };
	uint32_t hwtail, hwcur;
	int i;

	for (i = 0; i < 2; i++) {
		nm_sync_kloop_appl_write(&kl.atok[i], r[i]->cur, r[i]->head);
		nm_sync_kloop_appl_read(&kl.ktoa[i], &hwtail, &hwcur);
		r[i]->tail = hwtail;
	}
	sched_yield();	/* the loop thread may be waiting for this CPU */
}

/* A sync of the port: the ioctl, or its CSB twin with -m kloop. */
static void sync_port(struct nmport_d *d, unsigned long cmd)
{
	if (kl.on)
		kl_sync(d);
	else
		ioctl(d->fd, cmd, NULL);
}

static struct nmport_d *open_port(const char *name)
{
	struct nmport_d *d = nmport_prepare(name);

	if (d && kl.want)
		d->reg.nr_flags |= NR_EXCLUSIVE;	/* CSB mode needs it */
	if (!d || nmport_open_desc(d) < 0) {
		fprintf(stderr, "nmping: open %s: %s\n", name, strerror(errno));
		exit(1);
	}
	if (kl.want)
		kl_start(d);
	return d;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t pct(const uint32_t *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)n);

	if (i >= n)
		i = n - 1;
	return v[i];
}

static void do_ping(const struct bopt *o)
{
	struct nmport_d *d = open_port(o->ifname);
	struct netmap_ring *tx = NETMAP_TXRING(d->nifp, d->first_tx_ring);
	struct netmap_ring *rx = NETMAP_RXRING(d->nifp, d->first_rx_ring);
	static uint8_t frame[BENCH_MAX_FRAME];
	uint32_t *rtts = calloc(MAX_RTTS, sizeof(*rtts));
	uint64_t seq = 0, lost = 0, sum = 0, t_start;
	size_t n = 0;
	struct pollfd pfd = { .fd = d->fd, .events = POLLIN };

	if (!rtts)
		bench_die("nmping: out of memory");
	bench_frame(frame, o->len, o->dst, o->src);
	bench_ready(o);
	t_start = bench_now_ns();
	while (!bench_tx_done(o, t_start, seq)) {
		uint64_t t0, t1 = 0, tag = MAGIC | (++seq & 0xffff);
		struct netmap_slot *s;
		int got = 0;

		while (nm_ring_empty(tx)) {
			sync_port(d, NIOCTXSYNC);
			if (bench_stop)
				goto out;
		}
		s = &tx->slot[tx->cur];
		memcpy(NETMAP_BUF(tx, s->buf_idx), frame, (size_t)o->len);
		memcpy(NETMAP_BUF(tx, s->buf_idx) + SEQ_OFF, &tag, sizeof(tag));
		s->len = (uint16_t)o->len;
		tx->head = tx->cur = nm_ring_next(tx, tx->cur);
		t0 = bench_now_ns();
		sync_port(d, NIOCTXSYNC);
		while (!got) {
			int r;

			if (busy) {
				sync_port(d, NIOCRXSYNC);
				r = !nm_ring_empty(rx) ? 1 : (bench_now_ns() - t0 > 1000000000ull ? 0 : -1);
				if (r < 0) {
					if (bench_stop)
						break;
					continue;
				}
			} else {
				r = poll(&pfd, 1, 1000);
			}
			if (r <= 0) {
				if (r < 0 && errno == EINTR && !bench_stop)
					continue;
				break;	/* a second without an answer: lost */
			}
			t1 = bench_now_ns();
			while (!nm_ring_empty(rx)) {
				struct netmap_slot *rs = &rx->slot[rx->cur];
				uint64_t v;

				if (rs->len >= SEQ_OFF + sizeof(v)) {
					memcpy(&v, NETMAP_BUF(rx, rs->buf_idx) + SEQ_OFF, sizeof(v));
					if (v == tag)
						got = 1;
				}
				rx->head = rx->cur = nm_ring_next(rx, rx->cur);
			}
		}
		if (!got) {
			lost++;
			if (bench_stop)
				break;
			continue;
		}
		if (n < MAX_RTTS)
			rtts[n++] = (uint32_t)(t1 - t0 > UINT32_MAX ? UINT32_MAX : t1 - t0);
		sum += t1 - t0;
	}
out:
	if (!n) {
		printf("nmping: no answer (%llu sent)\n", (unsigned long long)seq);
		kl_stop();
		nmport_close(d);
		exit(1);
	}
	qsort(rtts, n, sizeof(*rtts), cmp_u32);
	printf("RTT over %zu packets: min %u av %llu ns\n", n, rtts[0],
	       (unsigned long long)(sum / n));
	printf("nmping: n %zu lost %llu min %u p50 %u p90 %u p99 %u p999 %u max %u ns\n", n,
	       (unsigned long long)lost, rtts[0], pct(rtts, n, 0.5), pct(rtts, n, 0.9),
	       pct(rtts, n, 0.99), pct(rtts, n, 0.999), rtts[n - 1]);
	fflush(stdout);
	free(rtts);
	kl_stop();
	nmport_close(d);
}

static void do_pong(const struct bopt *o)
{
	struct nmport_d *d = open_port(o->ifname);
	struct netmap_ring *tx = NETMAP_TXRING(d->nifp, d->first_tx_ring);
	struct netmap_ring *rx = NETMAP_RXRING(d->nifp, d->first_rx_ring);
	struct pollfd pfd = { .fd = d->fd, .events = POLLIN };
	struct brx r;

	bench_rx_init(&r);
	bench_ready(o);
	while (!bench_rx_done(o, &r)) {
		uint64_t n = 0, bytes = 0;

		if (nm_ring_empty(rx)) {
			if (busy)
				sync_port(d, NIOCRXSYNC);
			else
				poll(&pfd, 1, 100);
			continue;
		}
		while (!nm_ring_empty(rx)) {
			struct netmap_slot *rs = &rx->slot[rx->cur];

			if (!nm_ring_empty(tx)) {
				struct netmap_slot *ts = &tx->slot[tx->cur];
				uint8_t *src = (uint8_t *)NETMAP_BUF(rx, rs->buf_idx);
				uint8_t *dst = (uint8_t *)NETMAP_BUF(tx, ts->buf_idx);

				memcpy(dst, src, rs->len);
				if (rs->len >= 12) {
					memcpy(dst, src + 6, 6);
					memcpy(dst + 6, src, 6);
				}
				ts->len = rs->len;
				tx->head = tx->cur = nm_ring_next(tx, tx->cur);
			}
			n++;
			bytes += rs->len;
			rx->head = rx->cur = nm_ring_next(rx, rx->cur);
		}
		sync_port(d, NIOCTXSYNC);
		bench_rx_got(&r, n, bytes);
	}
	printf("nmping: pong answered %llu packets\n", (unsigned long long)r.pkts);
	kl_stop();
	nmport_close(d);
}

int main(int argc, char **argv)
{
	struct bopt o;

	bench_parse(&o, argc, argv, "  -f ping|pong|probe   -m poll|busy|kloop (poll)\n");
	busy = o.mode && (!strcmp(o.mode, "busy") || !strcmp(o.mode, "kloop"));
	kl.want = o.mode && !strcmp(o.mode, "kloop") && o.fn && strcmp(o.fn, "probe");
	if (!o.ifname)
		bench_usage(&o, NULL);
	if (!strcmp(o.fn, "ping")) {
		do_ping(&o);
	} else if (!strcmp(o.fn, "pong")) {
		do_pong(&o);
	} else if (!strcmp(o.fn, "probe")) {
		nmport_close(open_port(o.ifname));
		printf("nmping: %s opens\n", o.ifname);
	} else {
		bench_usage(&o, NULL);
	}
	return 0;
}
