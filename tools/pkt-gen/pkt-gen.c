/*
 * pkt-gen.c -- main() of pkt-gen, the netmap traffic generator and sink.
 *
 * main parses the options, opens the port (libnetmap: prepare, apply -C, NR_ACCEPT_VNET_HDR, open;
 * then PORT_HDR_SET with -H or PORT_HDR_GET), builds the template frame, waits -w seconds for the
 * link and starts one worker thread per -p.  With more than one thread, thread i opens its own
 * descriptor bound to ring i only (ALL_NIC/NIC_SW become ONE_NIC i, SW becomes ONE_SW i).  The main
 * thread then prints the periodic line every -T ms (main_thread), joins the workers, prints the
 * final report and chooses the exit status (0 ok, 1 error, 2 rx/rxseq incomplete or lossy).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pkt-gen.h"

volatile sig_atomic_t pg_stop;

static void on_signal(int sig)
{
	(void)sig;
	pg_stop = 1;
}

uint64_t pg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A worker's counters, published for main_thread (min_space is sampled separately). */
void pg_publish(struct targ *t, const struct pg_ctrs *c)
{
	__atomic_store_n(&t->ctr.pkts, c->pkts, __ATOMIC_RELAXED);
	__atomic_store_n(&t->ctr.bytes, c->bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&t->ctr.events, c->events, __ATOMIC_RELAXED);
	__atomic_store_n(&t->ctr.lost, c->lost, __ATOMIC_RELAXED);
	__atomic_store_n(&t->ctr.reordered, c->reordered, __ATOMIC_RELAXED);
	__atomic_store_n(&t->ctr.corrupt, c->corrupt, __ATOMIC_RELAXED);
	__atomic_store_n(&t->ctr.foreign, c->foreign, __ATOMIC_RELAXED);
}

/* The smallest ring space of the interval; main_thread resets it. */
void pg_sample_space(struct targ *t, uint32_t space)
{
	if (space < __atomic_load_n(&t->ctr.min_space, __ATOMIC_RELAXED))
		__atomic_store_n(&t->ctr.min_space, space, __ATOMIC_RELAXED);
}

void pg_mark_start(struct targ *t)
{
	clock_gettime(CLOCK_MONOTONIC, &t->tic);
	t->have_tic = 1;
}

/* The worker is finished; -W: the second spent waiting for traffic is not part of the run. */
void pg_mark_end(struct targ *t, int idle)
{
	clock_gettime(CLOCK_MONOTONIC, &t->toc);
	if (idle) {
		t->toc.tv_sec -= 1;
		t->idle_exit = 1;
	}
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
}

void pg_set_affinity(struct targ *t)
{
	cpu_set_t set;

	if (t->affinity < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(t->affinity, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		D("cannot pin thread %d to cpu %d", t->id, t->affinity);
	else if (t->g->verbose)
		D("thread %d on cpu %d", t->id, t->affinity);
}

/* ------------------------------------------------------------------------------------------ */
/* Opening the port                                                                           */

/* -C: tx slots, rx slots, tx rings, rx rings (one slot count sets both; so does one ring count). */
static void apply_conf(const struct glob *g, struct nmport_d *d)
{
	if (g->nconf >= 1)
		d->reg.nr_tx_slots = d->reg.nr_rx_slots = (uint32_t)g->conf[0];
	if (g->nconf >= 2)
		d->reg.nr_rx_slots = (uint32_t)g->conf[1];
	if (g->nconf >= 3)
		d->reg.nr_tx_rings = d->reg.nr_rx_rings = (uint16_t)g->conf[2];
	if (g->nconf >= 4)
		d->reg.nr_rx_rings = (uint16_t)g->conf[3];
}

/* PORT_HDR_SET with -H N (N > 0), otherwise PORT_HDR_GET; sets g->vhdr. */
static int port_hdr(struct glob *g)
{
	struct nmreq_header h;
	struct nmreq_port_hdr ph;
	int set = g->vhdr_req > 0;

	memset(&ph, 0, sizeof(ph));
	nmreq_header_init(&h, set ? NETMAP_REQ_PORT_HDR_SET : NETMAP_REQ_PORT_HDR_GET, &ph);
	snprintf(h.nr_name, sizeof(h.nr_name), "%s", g->nmd->hdr.nr_name);
	ph.nr_hdr_len = set ? (uint32_t)g->vhdr_req : 0;
	if (ioctl(g->nmd->fd, NIOCCTRL, &h) < 0) {
		if (set) {
			D("Unable to set the virtio-net header length of %s to %d: %s", g->ifname,
			  g->vhdr_req, strerror(errno));
			return -1;
		}
		if (g->verbose)
			D("PORT_HDR_GET on %s: %s; assuming no virtio-net header", g->ifname,
			  strerror(errno));
		ph.nr_hdr_len = 0;
	}
	g->vhdr = (int)ph.nr_hdr_len;
	if (g->vhdr && g->verbose)
		D("%s has a %d-byte virtio-net header", g->ifname, g->vhdr);
	return 0;
}

/* Rings the threads divide among themselves: NIC rings, or host rings in SW mode. */
static int thread_rings(const struct glob *g)
{
	const struct nmreq_register *r = &g->nmd->reg;
	int sw = r->nr_mode == NR_REG_SW;
	int tx = sw ? r->nr_host_tx_rings : r->nr_tx_rings;
	int rx = sw ? r->nr_host_rx_rings : r->nr_rx_rings;

	if (g->fn == FN_TX || g->fn == FN_TXSEQ)
		return tx;
	if (g->fn == FN_RX || g->fn == FN_RXSEQ)
		return rx;
	return tx < rx ? tx : rx;
}

/* Thread i's descriptor: the main one, or a clone bound to ring i. */
static int open_thread_port(struct glob *g, struct targ *t)
{
	struct nmport_d *c;
	uint32_t mode = g->nmd->reg.nr_mode;

	if (g->nthreads == 1) {
		t->nmd = g->nmd;
		t->fd = g->nmd->fd;
		return 0;
	}
	c = nmport_clone(g->nmd);
	if (!c)
		return -1;
	c->reg.nr_mode = mode == NR_REG_SW ? NR_REG_ONE_SW : NR_REG_ONE_NIC;
	c->reg.nr_ringid = (uint16_t)t->id;
	if (nmport_open_desc(c) < 0) {
		D("Unable to open ring %d of %s: %s", t->id, g->ifname, strerror(errno));
		nmport_close(c);
		return -1;
	}
	t->nmd = c;
	t->fd = c->fd;
	return 0;
}

static int check_threads(const struct glob *g)
{
	uint32_t mode = g->nmd->reg.nr_mode;
	int rings = thread_rings(g);

	if (g->nthreads == 1)
		return 0;
	if (mode != NR_REG_ALL_NIC && mode != NR_REG_NIC_SW && mode != NR_REG_SW) {
		D("-p %d needs a port bound to all its rings (not %s)", g->nthreads, g->ifname);
		return -1;
	}
	if (g->nthreads > rings) {
		D("bad nthreads %d, %s has only %d rings", g->nthreads, g->ifname, rings);
		return -1;
	}
	return 0;
}

static void show_port(const struct glob *g)
{
	const struct nmport_d *d = g->nmd;

	D("%s: %u tx rings x %u slots, %u rx rings x %u slots, %u host rings, mem id %u, %llu bytes",
	  g->ifname, d->reg.nr_tx_rings, d->reg.nr_tx_slots, d->reg.nr_rx_rings, d->reg.nr_rx_slots,
	  d->reg.nr_host_tx_rings, d->reg.nr_mem_id, (unsigned long long)d->reg.nr_memsize);
	D("bound tx rings %u..%u, rx rings %u..%u, buffers of %u bytes", d->first_tx_ring,
	  d->last_tx_ring, d->first_rx_ring, d->last_rx_ring, g->buf_size);
}

static int open_netmap(struct glob *g)
{
	struct nmport_d *d = nmport_prepare(g->ifname);

	if (!d) {
		D("Unable to open %s: %s", g->ifname, strerror(errno));
		return -1;
	}
	apply_conf(g, d);
	d->reg.nr_flags |= NR_ACCEPT_VNET_HDR;
	if (g->kloop)
		d->reg.nr_flags |= NR_EXCLUSIVE;	/* CSB mode needs it */
	if (nmport_open_desc(d) < 0) {
		D("Unable to open %s: %s", g->ifname, strerror(errno));
		nmport_undo_prepare(d);
		return -1;
	}
	g->nmd = d;
	if (d->first_tx_ring <= d->last_tx_ring)
		g->buf_size = NETMAP_TXRING(d->nifp, d->first_tx_ring)->nr_buf_size;
	else if (d->first_rx_ring <= d->last_rx_ring)
		g->buf_size = NETMAP_RXRING(d->nifp, d->first_rx_ring)->nr_buf_size;
	if (g->buf_size == 0) {
		D("%s has no rings", g->ifname);
		return -1;
	}
	if (g->verbose)
		show_port(g);
	if (port_hdr(g) < 0 || check_threads(g) < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Set-up that needs the open port                                                            */

/* Slots per packet: -F, -M, and more slots when a frame does not fit in one buffer. */
static int setup_frags(struct glob *g)
{
	int total = g->vhdr + g->len;

	if (g->kind != KIND_NETMAP)
		return 0;
	if (g->frag_size_set && (uint32_t)g->frag_size > g->buf_size) {
		D("-M %d is larger than the buffers (%u bytes)", g->frag_size, g->buf_size);
		return -1;
	}
	if (!g->frag_size_set)
		g->frag_size = g->frags > 1 ? (total + g->frags - 1) / g->frags : total;
	if ((uint32_t)g->frag_size > g->buf_size)
		g->frag_size = (int)g->buf_size;
	g->frags = (total + g->frag_size - 1) / g->frag_size;
	if (g->frags > NETMAP_MAX_FRAGS) {
		D("a %d-byte frame needs %d slots of %d bytes, more than %d", total, g->frags,
		  g->frag_size, NETMAP_MAX_FRAGS);
		return -1;
	}
	if (g->frags > 1 && (g->options & OPT_INDIRECT)) {
		D("-I cannot be used with multi-slot packets");
		return -1;
	}
	if (g->frags > 1 && g->verbose)
		D("%d slots of up to %d bytes per packet", g->frags, g->frag_size);
	return 0;
}

static int check_lengths(struct glob *g)
{
	int need = pkt_min_len(g);

	if (g->pcap_file || !(g->fn == FN_TXSEQ || g->fn == FN_PING || (g->options & OPT_TS)))
		return 0;
	if (g->minlen >= need)
		return 0;
	if (g->nlens) {
		D("-l %d is too short for %s: at least %d bytes are needed", g->minlen, g->fn_name,
		  need);
		return -1;
	}
	g->len = g->minlen = need;
	return 0;
}

static int init_threads(struct glob *g)
{
	int i;

	g->targs = calloc((size_t)g->nthreads, sizeof(*g->targs));
	if (!g->targs)
		return -1;
	for (i = 0; i < g->nthreads; i++) {
		struct targ *t = &g->targs[i];

		t->g = g;
		t->id = i;
		t->fd = -1;
		t->alt_fd = -1;
		t->ctr.min_space = PG_NO_SPACE;
		t->affinity = -1;
		if (g->affinity >= 0)
			t->affinity = (g->affinity + (g->cpus_set ? i % g->cpus : i)) % g->system_cpus;
		if (g->kind == KIND_NETMAP ? open_thread_port(g, t) < 0 : alt_open(g, t) < 0)
			return -1;
		if (g->kloop && (g->kind != KIND_NETMAP || pg_kloop_open(t) < 0)) {
			if (g->kind != KIND_NETMAP)
				D("--kloop needs a netmap port");
			return -1;
		}
		if (pkt_thread_init(&t->pkt, g, i) < 0)
			return -1;
		if ((g->fn == FN_TX || g->fn == FN_TXSEQ || g->fn == FN_PING || g->fn == FN_PONG) &&
		    g->kind == KIND_NETMAP && pg_tx_state_init(t) < 0)
			return -1;
	}
	return 0;
}

typedef void *(*pg_body_fn)(void *);

static pg_body_fn worker(const struct glob *g)
{
	int tx = g->fn == FN_TX || g->fn == FN_TXSEQ;

	if (g->kind != KIND_NETMAP)
		return tx ? alt_tx_body : alt_rx_body;
	switch (g->fn) {
	case FN_TX:
	case FN_TXSEQ:
		return pg_tx_body;
	case FN_PING:
		return pg_ping_body;
	case FN_PONG:
		return pg_pong_body;
	default:
		return pg_rx_body;
	}
}

static int start_threads(struct glob *g)
{
	int i;

	for (i = 0; i < g->nthreads; i++) {
		struct targ *t = &g->targs[i];

		if (pthread_create(&t->tid, NULL, worker(g), t)) {
			D("cannot start thread %d", i);
			pg_stop = 1;
			return -1;
		}
		t->started = 1;
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Reporting                                                                                  */

static void collect(struct glob *g, struct pg_totals *s, int reset_space)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->min_space = PG_NO_SPACE;
	for (i = 0; i < g->nthreads; i++) {
		struct pg_ctrs *c = &g->targs[i].ctr;
		uint32_t ms;

		s->pkts += __atomic_load_n(&c->pkts, __ATOMIC_RELAXED);
		s->bytes += __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
		s->events += __atomic_load_n(&c->events, __ATOMIC_RELAXED);
		s->lost += __atomic_load_n(&c->lost, __ATOMIC_RELAXED);
		s->reordered += __atomic_load_n(&c->reordered, __ATOMIC_RELAXED);
		s->corrupt += __atomic_load_n(&c->corrupt, __ATOMIC_RELAXED);
		s->foreign += __atomic_load_n(&c->foreign, __ATOMIC_RELAXED);
		ms = reset_space ? __atomic_exchange_n(&c->min_space, PG_NO_SPACE, __ATOMIC_RELAXED)
				 : __atomic_load_n(&c->min_space, __ATOMIC_RELAXED);
		if (ms < s->min_space)
			s->min_space = ms;
	}
}

static int threads_done(struct glob *g)
{
	int i;

	for (i = 0; i < g->nthreads; i++)
		if (g->targs[i].started && !__atomic_load_n(&g->targs[i].done, __ATOMIC_ACQUIRE))
			return 0;
	return 1;
}

/* Sleeps until deadline_ns, waking early when every worker has finished: returns that. */
static int wait_interval(struct glob *g, uint64_t deadline_ns)
{
	for (;;) {
		uint64_t now = pg_now_ns(), step = 50000000;

		if (threads_done(g))
			return 1;
		if (now >= deadline_ns)
			return 0;
		if (deadline_ns - now < step)
			step = deadline_ns - now;
		usleep((useconds_t)(step / 1000 + 1));
	}
}

/*
 * Every -T ms, until the workers are done (the last, shorter interval included):
 *   SSS.UUUUUU main_thread [LINE] <pps>pps <stats>(<pkts>pkts <bps>bps in <usec> usec)
 *   <avg> avg_batch <min> min_space
 */
static void main_thread(struct glob *g)
{
	struct pg_totals prev, cur, d;
	uint64_t t_prev = pg_now_ns(), t_now, usec;
	char b1[40], b2[40], b3[40], b4[100];
	int done = 0;
	double pps;

	memset(&prev, 0, sizeof(prev));
	while (!done) {
		done = wait_interval(g, t_prev + (uint64_t)g->report_ms * 1000000ULL);
		t_now = pg_now_ns();
		collect(g, &cur, 1);
		d = cur;
		d.pkts -= prev.pkts;
		d.bytes -= prev.bytes;
		d.events -= prev.events;
		usec = (t_now - t_prev) / 1000;
		if (usec == 0)
			usec = 1;
		pps = d.pkts * 1e6 / usec;
		pg_stats_window(g, pps, b4, sizeof(b4));
		D("%spps %s(%spkts %sbps in %llu usec) %.2f avg_batch %d min_space",
		  pg_norm(b1, sizeof(b1), pps, g->normalize), b4,
		  pg_norm(b2, sizeof(b2), (double)d.pkts, g->normalize),
		  pg_norm(b3, sizeof(b3), (d.bytes + (double)d.pkts * g->framing) * 8e6 / usec,
			  g->normalize),
		  (unsigned long long)usec, d.events ? (double)d.pkts / d.events : 0.0,
		  (int)d.min_space);
		if (g->json)
			pg_json_periodic(g, &cur, &d, usec);
		prev = cur;
		t_prev = t_now;
	}
}

static double ts_sec(const struct timespec *ts)
{
	return (double)ts->tv_sec + ts->tv_nsec / 1e9;
}

/* The run time: first start to last end over the threads that started timing. */
static double run_seconds(const struct glob *g)
{
	double start = 0, end = 0;
	int i, any = 0;

	for (i = 0; i < g->nthreads; i++) {
		const struct targ *t = &g->targs[i];

		if (!t->have_tic)
			continue;
		if (!any || ts_sec(&t->tic) < start)
			start = ts_sec(&t->tic);
		if (!any || ts_sec(&t->toc) > end)
			end = ts_sec(&t->toc);
		any = 1;
	}
	return any && end > start ? end - start : 0;
}

static void rtt_summary(const struct glob *g)
{
	uint64_t n = 0, sum = 0, min = 0;
	int i;

	for (i = 0; i < g->nthreads; i++) {
		const struct targ *t = &g->targs[i];

		if (t->rtt_count && (n == 0 || t->rtt_min < min))
			min = t->rtt_min;
		n += t->rtt_count;
		sum += t->rtt_sum;
	}
	D("RTT over %llu packets: min %llu av %llu ns", (unsigned long long)n,
	  (unsigned long long)min, (unsigned long long)(n ? sum / n : 0));
}

/* 0, 1 if a worker failed, 2 if a receiver fell short of -n or saw loss or corruption. */
static int exit_status(const struct glob *g, const struct pg_totals *tot)
{
	int i;

	for (i = 0; i < g->nthreads; i++)
		if (g->targs[i].failed)
			return PG_EXIT_ERROR;
	if (g->fn == FN_RX || g->fn == FN_RXSEQ) {
		if (g->npkts && tot->pkts < g->npkts) {
			D("received %llu of %llu packets", (unsigned long long)tot->pkts,
			  (unsigned long long)g->npkts);
			return PG_EXIT_TRAFFIC;
		}
		if (tot->lost || tot->reordered || tot->corrupt)
			return PG_EXIT_TRAFFIC;
	}
	if (g->fn == FN_PING && tot->lost)
		return PG_EXIT_TRAFFIC;
	return PG_EXIT_OK;
}

static void cleanup(struct glob *g)
{
	int i;

	for (i = 0; g->targs && i < g->nthreads; i++) {
		struct targ *t = &g->targs[i];

		if (t->started)
			pthread_join(t->tid, NULL);
		pg_kloop_close(t);
		pg_tx_state_fini(t);
		pkt_thread_fini(&t->pkt);
		free(t->scratch);
		free(t->expect);
		if (t->nmd && t->nmd != g->nmd)
			nmport_close(t->nmd);
		alt_close(t);
	}
	free(g->targs);
	nmport_close(g->nmd);
	free(g->tmpl.frame);
}

static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;	/* a second Ctrl-C kills at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void wait_link(const struct glob *g)
{
	uint64_t end;

	if (g->wait_link <= 0)
		return;
	D("Wait %d secs for link to come up...", g->wait_link);
	end = pg_now_ns() + (uint64_t)g->wait_link * 1000000000ULL;
	while (!pg_stop && pg_now_ns() < end)
		usleep(20000);
}

/* Everything before the threads start; -1 on an error already reported. */
static int setup(struct glob *g)
{
	if (alt_check(g) < 0)
		return -1;
	if (g->kind == KIND_NETMAP) {
		if (open_netmap(g) < 0)
			return -1;
	} else {
		g->buf_size = 2048;
		if (g->nthreads > 1 && g->kind != KIND_NULL) {
			D("-p %d: tap and pcap ports take a single thread", g->nthreads);
			return -1;
		}
	}
	if (check_lengths(g) < 0 || pkt_build(g) < 0 || setup_frags(g) < 0)
		return -1;
	g->remaining = g->npkts;
	if (g->fn == FN_TXSEQ && g->test_skip != PG_NONE)
		D("test aid: txseq skips sequence number %llu", (unsigned long long)g->test_skip);
	if (g->fn == FN_TXSEQ && g->test_swap != PG_NONE)
		D("test aid: txseq swaps sequence numbers %llu and %llu",
		  (unsigned long long)g->test_swap, (unsigned long long)g->test_swap + 1);
	return init_threads(g);
}

static void join_threads(struct glob *g)
{
	int i;

	for (i = 0; i < g->nthreads; i++) {
		if (g->targs[i].started) {
			pthread_join(g->targs[i].tid, NULL);
			g->targs[i].started = 0;
		}
	}
}

int main(int argc, char **argv)
{
	static struct glob g;
	struct pg_totals tot;
	int status, failed;

	if (pg_parse_args(&g, argc, argv) < 0)
		return PG_EXIT_ERROR;
	setup_signals();
	if (setup(&g) < 0) {
		cleanup(&g);
		return PG_EXIT_ERROR;
	}
	wait_link(&g);
	failed = start_threads(&g) < 0;
	main_thread(&g);
	join_threads(&g);
	collect(&g, &tot, 0);
	pg_final_report(&g, &tot, run_seconds(&g));
	if (g.fn == FN_PING)
		rtt_summary(&g);
	status = failed ? PG_EXIT_ERROR : exit_status(&g, &tot);
	cleanup(&g);
	return status;
}
