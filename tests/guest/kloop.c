/*
 * tests/guest/kloop.c - CSB mode and the sync-kloop (spec §7.9): the errors of OPT_CSB,
 * CSB_ENABLE, SYNC_KLOOP_START and STOP; the initial CSB contents; syncs refused (EBUSY) and poll
 * POLLERR in CSB mode; frames moved with no sync ioctl - a pipe sender and a VALE receiver in CSB
 * mode, each driven by a loop thread, 1,000,000 frames sequence-checked; STOP from another thread
 * during traffic returns in under a second; the sticky STOP; and the loop ending when its fd is
 * closed and when its process is killed (run-tests then checks live_objects and the kernel log).
 * The same traffic in direct mode, where a kick is synced by the kicking thread itself - proved
 * by a kicker that the loop thread cannot preempt seeing its sync done when write() returns -
 * and a process killed while its threads kick a direct loop.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>

#include "nm.h"

#define FRAMES 1000000u
#define SLEEP_US 50

struct csb {
	struct nm_csb_atok atok[4] __attribute__((aligned(64)));
	struct nm_csb_ktoa ktoa[4] __attribute__((aligned(64)));
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One request with one option (or none) on fd; 0 or the errno. */
static int ctrl(int fd, uint16_t type, const char *name, void *body, struct nmreq_option *opt)
{
	struct nmreq_header h;

	nm_hdr_init(&h, type, name, body);
	h.nr_options = (uintptr_t)opt;
	return ioctl(fd, NIOCCTRL, &h) ? errno : 0;
}

static void csb_opt(struct nmreq_opt_csb *o, void *atok, void *ktoa)
{
	memset(o, 0, sizeof(*o));
	o->nro_opt.nro_reqtype = NETMAP_REQ_OPT_CSB;
	o->csb_atok = (uintptr_t)atok;
	o->csb_ktoa = (uintptr_t)ktoa;
}

/* REGISTER name (all NIC rings, with flags) in CSB mode, and map it; 0 or the errno. */
static int open_csb(struct nmport *p, const char *name, uint64_t flags, struct csb *c)
{
	struct nmreq_opt_csb o;

	csb_opt(&o, c->atok, c->ktoa);
	memset(p, 0, sizeof(*p));
	p->fd = open("/dev/netmap", O_RDWR);
	nm_hdr_init(&p->hdr, NETMAP_REQ_REGISTER, name, &p->reg);
	p->hdr.nr_options = (uintptr_t)&o;
	p->reg.nr_mode = NR_REG_ALL_NIC;
	p->reg.nr_flags = flags;
	if (ioctl(p->fd, NIOCCTRL, &p->hdr))
		return errno;
	return -nm_map(p);
}

/* OPT_SYNC_KLOOP_EVENTFDS for two rings (TX, RX), and the application's side of them. */
struct efds {
	struct nmreq_option opt;
	struct {
		int32_t ioeventfd, irqfd;
	} fds[2];
	unsigned long kicks, irqs, waits;	/* ioeventfd writes, irqfd counts read, waits */
};

static void efds_init(struct efds *e)
{
	int i;

	memset(e, 0, sizeof(*e));
	e->opt.nro_reqtype = NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS;
	e->opt.nro_size = sizeof(*e) - 3 * sizeof(unsigned long);
	for (i = 0; i < 2; i++) {
		e->fds[i].ioeventfd = eventfd(0, EFD_NONBLOCK);
		e->fds[i].irqfd = eventfd(0, EFD_NONBLOCK);
	}
}

static void efds_close(struct efds *e)
{
	int i;

	for (i = 0; i < 2; i++) {
		close(e->fds[i].ioeventfd);
		close(e->fds[i].irqfd);
	}
}

/* After publishing ring k's head: kick the loop if it asked for it (the fence pairs with the
 * kernel's smp_mb between kern_need_kick and its last look at atok). */
static void efds_kick(struct efds *e, struct csb *c, uint32_t k)
{
	uint64_t one = 1;

	atomic_thread_fence(memory_order_seq_cst);
	if (*(volatile uint32_t *)&c->ktoa[k].kern_need_kick && e &&
	    write(e->fds[k].ioeventfd, &one, sizeof(one)) == sizeof(one))
		e->kicks++;
}

/* Ring k has nothing for the application (no frame, no free slot) as of `hwtail`: wait for the
 * loop's irqfd, announcing it in appl_need_kick and looking once more before blocking. */
static void efds_wait(struct efds *e, struct csb *c, uint32_t k, uint32_t hwtail)
{
	struct pollfd pfd = { .fd = e->fds[k].irqfd, .events = POLLIN };
	uint64_t cnt;

	*(volatile uint32_t *)&c->atok[k].appl_need_kick = 1;
	atomic_thread_fence(memory_order_seq_cst);
	if (*(volatile uint32_t *)&c->ktoa[k].hwtail == hwtail) {
		e->waits++;
		poll(&pfd, 1, 1000);
	}
	if (read(e->fds[k].irqfd, &cnt, sizeof(cnt)) == sizeof(cnt))
		e->irqs += cnt;
	*(volatile uint32_t *)&c->atok[k].appl_need_kick = 0;
}

/* OPT_SYNC_KLOOP_MODE `mode` ahead of the eventfds option `e`, for a START. */
static struct nmreq_option *direct_opt(struct nmreq_opt_sync_kloop_mode *m, uint32_t mode,
				       struct efds *e)
{
	memset(m, 0, sizeof(*m));
	m->nro_opt.nro_reqtype = NETMAP_REQ_OPT_SYNC_KLOOP_MODE;
	m->nro_opt.nro_next = (uintptr_t)&e->opt;
	m->mode = mode;
	return &m->nro_opt;
}

struct loop_arg {
	int fd;
	int cpu;		/* pin the loop thread there, if >= 0 */
	uint32_t sleep_us;
	struct nmreq_option *opt;	/* options of the START */
	int err;		/* START's errno, 0 on success */
	double ended;		/* when START returned */
};

static void *loop_thread(void *v)
{
	struct loop_arg *a = v;
	struct nmreq_sync_kloop_start st = { .sleep_us = a->sleep_us };

	if (a->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(a->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	a->err = ctrl(a->fd, NETMAP_REQ_SYNC_KLOOP_START, "", &st, a->opt);
	a->ended = now();
	return NULL;
}

/* Spec §5.5 rule 3 as the original counts: 99 unknown options then EVENTFDS of 1000 bytes. */
static void option_budget(void)
{
	static struct nmreq_option unknown[99];
	static uint64_t fds[1000 / 8];
	struct nmreq_option *ev = (struct nmreq_option *)fds;
	struct nmreq_register reg = { .nr_mode = NR_REG_ALL_NIC };
	int fd = open("/dev/netmap", O_RDWR), i;

	for (i = 0; i < 99; i++) {
		unknown[i].nro_reqtype = NETMAP_REQ_OPT_MAX + 10;
		unknown[i].nro_next = i < 98 ? (uintptr_t)&unknown[i + 1] : (uintptr_t)ev;
	}
	ev->nro_reqtype = NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS;
	ev->nro_size = 1000;
	ok(ctrl(fd, NETMAP_REQ_REGISTER, "kb{1", &reg, unknown) == EMSGSIZE,
	   "REGISTER with 99 unknown options and a 1000-byte EVENTFDS option: EMSGSIZE");
	unknown[70].nro_next = (uintptr_t)ev;	/* 71 unknown: 56 + 72 x 32 + 976 = 3336 */
	ok(ctrl(fd, NETMAP_REQ_REGISTER, "kb{1", &reg, unknown) == EOPNOTSUPP,
	   "with 71 unknown options it fits, and fails for the options nobody consumed");
	close(fd);
}

static void errors(void)
{
	struct nmreq_sync_kloop_start st = { .sleep_us = 100 };
	struct nmreq_opt_csb o;
	static struct csb c;
	struct nmport p, q;
	int fd = open("/dev/netmap", O_RDWR), err;

	csb_opt(&o, c.atok, c.ktoa);
	ok(ctrl(fd, NETMAP_REQ_SYNC_KLOOP_START, "", &st, NULL) == ENXIO,
	   "SYNC_KLOOP_START on an unbound fd: ENXIO");
	ok(ctrl(fd, NETMAP_REQ_CSB_ENABLE, "", NULL, NULL) == EINVAL,
	   "CSB_ENABLE without a CSB option: EINVAL");
	ok(ctrl(fd, NETMAP_REQ_CSB_ENABLE, "", NULL, &o.nro_opt) == 0 && o.nro_opt.nro_status == 0,
	   "CSB_ENABLE with nothing bound does nothing and succeeds");
	close(fd);

	ok(open_csb(&p, "ke{1", 0, &c) == EINVAL, "OPT_CSB without NR_EXCLUSIVE: EINVAL");
	ok(nm_ctrl_once(NETMAP_REQ_SYNC_KLOOP_STOP, "", NULL) == ENXIO, "STOP on an unbound fd: ENXIO");
	nm_close(&p);
	err = nm_register(&p, "ke{1", NR_REG_ALL_NIC, 0, NR_EXCLUSIVE);
	ok(err == 0, "the same registration without the option then succeeds (nothing was left bound)");
	ok(ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_START, "", &st, NULL) == EINVAL,
	   "SYNC_KLOOP_START without CSB mode: EINVAL");
	csb_opt(&o, (char *)c.atok + 4, c.ktoa);
	ok(ctrl(p.fd, NETMAP_REQ_CSB_ENABLE, "", NULL, &o.nro_opt) == EINVAL &&
	   o.nro_opt.nro_status == EINVAL, "CSB_ENABLE with a misaligned atok array: EINVAL");
	csb_opt(&o, (void *)0x40, c.ktoa);
	ok(ctrl(p.fd, NETMAP_REQ_CSB_ENABLE, "", NULL, &o.nro_opt) == EFAULT,
	   "CSB_ENABLE with an array in unmapped memory: EFAULT");
	ok(ioctl(p.fd, NIOCTXSYNC, NULL) == 0, "syncs still work after the failed attempts");
	csb_opt(&o, c.atok, c.ktoa);
	ok(ctrl(p.fd, NETMAP_REQ_CSB_ENABLE, "", NULL, &o.nro_opt) == 0, "CSB_ENABLE after REGISTER");
	ok(c.atok[0].appl_need_kick == 1 && c.atok[0].sync_flags == 1 &&
	   c.ktoa[0].kern_need_kick == 1 && c.ktoa[1].kern_need_kick == 1 &&
	   c.ktoa[0].hwtail == p.reg.nr_tx_slots - 1 && c.ktoa[1].hwcur == 0,
	   "the CSB is initialised: kicks wanted, TX hwtail %u, RX hwcur %u", c.ktoa[0].hwtail,
	   c.ktoa[1].hwcur);
	ok_errno(ioctl(p.fd, NIOCTXSYNC, NULL), EBUSY, "NIOCTXSYNC in CSB mode");
	ok_errno(ioctl(p.fd, NIOCRXSYNC, NULL), EBUSY, "NIOCRXSYNC in CSB mode");
	{
		struct pollfd pfd = { .fd = p.fd, .events = POLLIN | POLLOUT };

		ok(poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR), "poll in CSB mode: POLLERR");
	}
	st.sleep_us = 1000001;
	ok(ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_START, "", &st, NULL) == EINVAL,
	   "sleep_us above 1000000: EINVAL");
	ok(ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_STOP, "", NULL, NULL) == 0, "STOP with no loop running");
	st.sleep_us = 100;
	ok(ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_START, "", &st, NULL) == 0,
	   "so the next START returns at once (the sticky stop)");
	{
		struct loop_arg a = { .fd = p.fd, .sleep_us = 1000 };
		pthread_t t;
		double t0;

		pthread_create(&t, NULL, loop_thread, &a);
		usleep(200000);
		ok(ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_START, "", &st, NULL) == EBUSY,
		   "a second START while one runs: EBUSY");
		ok(open_csb(&q, "ke}1", NR_EXCLUSIVE, &c) == 0, "the peer opens (CSB on another fd)");
		nm_close(&q);
		t0 = now();
		ok(ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_STOP, "", NULL, NULL) == 0, "STOP");
		pthread_join(t, NULL);
		ok(a.err == 0 && a.ended - t0 < 1.0, "the loop ended and START returned 0 (%.3f s after STOP)",
		   a.ended - t0);
	}
	nm_close(&p);
}

/* The application side of a CSB TX ring: free slots are [head, hwtail).  With eventfds, it
 * kicks the loop and waits for room as the protocol says; without, it spins. */
static void send_frames(struct nmport *p, struct csb *c, uint32_t frames, struct efds *e)
{
	struct netmap_ring *r = NETMAP_TXRING(p->nifp, 0);
	uint32_t head = c->atok[0].head, n = r->num_slots, sent = 0, hwtail, hwcur;
	double deadline = now() + 120;

	while (sent < frames && now() < deadline) {
		nm_sync_kloop_appl_read(&c->ktoa[0], &hwtail, &hwcur);
		if (head == hwtail) {
			if (e)
				efds_wait(e, c, 0, hwtail);
			else
				sched_yield();
			continue;
		}
		while (head != hwtail && sent < frames) {
			struct netmap_slot *s = &r->slot[head];

			memcpy(NETMAP_BUF(r, s->buf_idx), &sent, sizeof(sent));
			s->len = 60;
			sent++;
			head = head + 1 == n ? 0 : head + 1;
		}
		nm_sync_kloop_appl_write(&c->atok[0], head, head);
		if (e)
			efds_kick(e, c, 0);
	}
}

/*
 * The application side of a CSB RX ring: received slots are [head, hwtail).  The sequence number
 * is at byte 14; a switch may drop frames when the ring is full but never reorders them.
 */
static uint32_t receive_frames(struct nmport *p, struct csb *c, uint32_t frames, uint32_t *bad,
			       struct efds *e)
{
	struct netmap_ring *r = NETMAP_RXRING(p->nifp, 0);
	uint32_t k = p->reg.nr_tx_rings, head = c->atok[k].head, n = r->num_slots, got = 0;
	uint32_t hwtail, hwcur, seq, last = 0;
	double deadline = now() + 120;

	while (got < frames && now() < deadline) {
		nm_sync_kloop_appl_read(&c->ktoa[k], &hwtail, &hwcur);
		if (head == hwtail) {
			if (e)
				efds_wait(e, c, k, hwtail);
			else
				sched_yield();
			continue;
		}
		while (head != hwtail) {
			memcpy(&seq, NETMAP_BUF(r, r->slot[head].buf_idx) + 14, sizeof(seq));
			if (got && seq <= last)
				(*bad)++;
			last = seq;
			got++;
			head = head + 1 == n ? 0 : head + 1;
		}
		nm_sync_kloop_appl_write(&c->atok[k], head, head);
		if (e)
			efds_kick(e, c, k);
	}
	return got;
}

/* A pipe whose sender is in CSB mode: the receiver uses plain poll() and checks the order. */
static void *pipe_receiver(void *v)
{
	struct nmport *q = v;
	struct netmap_ring *r = NETMAP_RXRING(q->nifp, 0);
	uint32_t got = 0, seq, bad = 0;
	double deadline = now() + 60;

	while (got < FRAMES && now() < deadline) {
		struct pollfd pfd = { .fd = q->fd, .events = POLLIN };

		poll(&pfd, 1, 1000);
		while (r->head != r->tail) {
			memcpy(&seq, NETMAP_BUF(r, r->slot[r->head].buf_idx), sizeof(seq));
			bad += seq != got;
			got++;
			r->head = r->cur = nm_ring_next(r, r->head);
		}
	}
	q->reg.nr_extra_bufs = got;	/* results, in fields the test no longer needs */
	q->reg.nr_mem_id = bad ? 1 : 0;
	return NULL;
}

/* How the loop of a traffic test syncs, for the check messages. */
static const char *mode_name(const struct efds *e, uint32_t direct)
{
	return direct ? "direct mode" : e ? "eventfd mode" : "sleep mode";
}

/* The START options of a traffic test: none, the eventfds, or the mode and the eventfds. */
static struct nmreq_option *start_opts(struct nmreq_opt_sync_kloop_mode *m, struct efds *e,
				       uint32_t direct)
{
	return direct ? direct_opt(m, direct, e) : e ? &e->opt : NULL;
}

/* The application's side of the eventfd protocol did not kick or get woken needlessly (in
 * direct mode every publish is a kick, by design). */
static void check_kicks(const char *what, const struct efds *e, uint32_t frames, uint32_t direct)
{
	if (!e || direct)
		return;
	ok(e->kicks < frames / 8 && e->irqs <= e->waits + 2,
	   "%s: %lu kicks for %u frames (only when the loop asked), %lu irqfd signals for %lu waits",
	   what, e->kicks, frames, e->irqs, e->waits);
}

static void pipe_traffic(struct efds *e, uint32_t direct)
{
	static struct csb c;
	struct nmreq_opt_sync_kloop_mode m;
	struct loop_arg a;
	struct nmport p, q;
	pthread_t lt, rt;
	double t0;

	ok(open_csb(&p, "kp{1", NR_EXCLUSIVE, &c) == 0, "pipe sender kp{1 in CSB mode (%s)",
	   mode_name(e, direct));
	nm_open_or_die(&q, "kp}1", NR_REG_ALL_NIC, 0, 0);
	a = (struct loop_arg){ .fd = p.fd, .cpu = -1, .sleep_us = SLEEP_US,
			       .opt = start_opts(&m, e, direct) };
	pthread_create(&lt, NULL, loop_thread, &a);
	pthread_create(&rt, NULL, pipe_receiver, &q);
	t0 = now();
	send_frames(&p, &c, FRAMES, e);
	pthread_join(rt, NULL);
	ok(q.reg.nr_extra_bufs == FRAMES && q.reg.nr_mem_id == 0,
	   "pipe, %s: %u frames sent through the sync-kloop, %u received in order (%.2f s)",
	   mode_name(e, direct), FRAMES, q.reg.nr_extra_bufs, now() - t0);
	check_kicks("pipe", e, FRAMES, direct);
	t0 = now();
	ok(ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_STOP, "", NULL, NULL) == 0, "pipe: STOP");
	pthread_join(lt, NULL);
	ok(a.err == 0 && a.ended - t0 < 1.0, "pipe: START returned 0, %.3f s after STOP", a.ended - t0);
	nm_close(&q);
	nm_close(&p);
}

/* A VALE pair whose receiver is in CSB mode; the sender uses plain TXSYNC. STOP comes from the
 * main thread while frames still flow. */
static void vale_traffic(struct efds *e, uint32_t direct)
{
	static struct csb c;
	struct nmreq_opt_sync_kloop_mode m;
	struct loop_arg a;
	struct nmport p, q;
	struct netmap_ring *tx;
	uint32_t got, bad = 0, sent = 0;
	pthread_t lt;
	double t0;
	pid_t pid;

	ok(open_csb(&q, "vale0:kr", NR_EXCLUSIVE, &c) == 0, "VALE receiver vale0:kr in CSB mode (%s)",
	   mode_name(e, direct));
	nm_open_or_die(&p, "vale0:ks", NR_REG_ALL_NIC, 0, 0);
	a = (struct loop_arg){ .fd = q.fd, .cpu = -1, .sleep_us = SLEEP_US,
			       .opt = start_opts(&m, e, direct) };
	pthread_create(&lt, NULL, loop_thread, &a);
	tx = NETMAP_TXRING(p.nifp, 0);
	pid = fork();
	if (pid == 0) {		/* the sender, paced by the receiver: a full destination drops */
		for (;;) {	/* until killed */
			while (tx->head != tx->tail) {
				struct netmap_slot *s = &tx->slot[tx->head];
				char *b = NETMAP_BUF(tx, s->buf_idx);
				uint32_t seq = sent++;

				memset(b, 0xff, 6);	/* broadcast: flooded to kr */
				memcpy(b + 6, "\x02\0\0\0\0\x01", 6);
				memcpy(b + 14, &seq, sizeof(seq));
				s->len = 60;
				tx->head = tx->cur = nm_ring_next(tx, tx->head);
			}
			ioctl(p.fd, NIOCTXSYNC, NULL);
			usleep(200);
		}
		_exit(0);
	}
	t0 = now();
	got = receive_frames(&q, &c, FRAMES, &bad, e);
	ok(got >= FRAMES && bad == 0, "VALE, %s: %u frames received through the sync-kloop in order (%.2f s)",
	   mode_name(e, direct), got, now() - t0);
	check_kicks("VALE", e, got, direct);
	t0 = now();
	ok(ctrl(q.fd, NETMAP_REQ_SYNC_KLOOP_STOP, "", NULL, NULL) == 0,
	   "VALE: STOP while the sender still sends");
	pthread_join(lt, NULL);
	ok(a.err == 0 && a.ended - t0 < 1.0, "VALE: START returned 0, %.3f s after STOP", a.ended - t0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	nm_close(&p);
	nm_close(&q);
}

/* The START options' errors: EVENTFDS of the wrong size or not eventfds; direct modes. */
static void start_options(void)
{
	struct nmreq_sync_kloop_start st = { .sleep_us = 100 };
	struct nmreq_opt_sync_kloop_mode m;
	static struct csb c;
	struct nmport p;
	struct efds e;
	int devnull = open("/dev/null", O_RDONLY), real;

	ok(open_csb(&p, "ko{1", NR_EXCLUSIVE, &c) == 0, "ko{1 in CSB mode");
	efds_init(&e);
	e.opt.nro_size -= 8;
	ok(ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_START, "", &st, &e.opt) == EINVAL &&
	   e.opt.nro_status == EINVAL, "EVENTFDS for one ring of two: EINVAL");
	e.opt.nro_size += 8;
	real = e.fds[1].irqfd;
	e.fds[1].irqfd = devnull;
	ok(ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_START, "", &st, &e.opt) == EINVAL,
	   "an irqfd that is not an eventfd: EINVAL");
	e.fds[1].irqfd = 999;
	ok(ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_START, "", &st, &e.opt) == EBADF,
	   "an irqfd that is no descriptor: EBADF");
	e.fds[1].irqfd = real;
	memset(&m, 0, sizeof(m));
	m.nro_opt.nro_reqtype = NETMAP_REQ_OPT_SYNC_KLOOP_MODE;
	m.mode = 4;
	ok(ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_START, "", &st, &m.nro_opt) == EINVAL &&
	   m.nro_opt.nro_status == EINVAL, "SYNC_KLOOP_MODE with an unknown bit: EINVAL");
	m.mode = NM_OPT_SYNC_KLOOP_DIRECT_TX;
	ok(ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_START, "", &st, &m.nro_opt) == EINVAL &&
	   m.nro_opt.nro_status == EINVAL, "direct mode without eventfds: EINVAL");
	real = e.fds[0].ioeventfd;
	e.fds[0].ioeventfd = -1;
	direct_opt(&m, NM_OPT_SYNC_KLOOP_DIRECT_RX, &e);
	ok(ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_START, "", &st, &m.nro_opt) == EINVAL &&
	   m.nro_opt.nro_status == EINVAL, "direct mode with a ring lacking an ioeventfd: EINVAL");
	e.fds[0].ioeventfd = real;
	ok(ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_STOP, "", NULL, NULL) == 0 &&
	   ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_START, "", &st, &e.opt) == 0 && e.opt.nro_status == 0,
	   "after STOP, a START with eventfds returns at once and releases them");
	efds_close(&e);
	close(devnull);
	nm_close(&p);
}

/* A close() of the fd by another thread of the process ends the loop. */
static void close_ends_loop(void)
{
	static struct csb c;
	struct loop_arg a;
	struct nmport p;
	pthread_t lt;
	double t0;

	ok(open_csb(&p, "kc{1", NR_EXCLUSIVE, &c) == 0, "kc{1 in CSB mode");
	munmap(p.mem, p.reg.nr_memsize);
	a = (struct loop_arg){ .fd = p.fd, .sleep_us = 1000 };
	pthread_create(&lt, NULL, loop_thread, &a);
	usleep(200000);
	t0 = now();
	close(p.fd);
	pthread_join(lt, NULL);
	ok(a.err == 0 && a.ended - t0 < 1.0, "closing the fd ends the loop (%.3f s)", a.ended - t0);
}

/*
 * STOP honours what was published before it: the loop sleeps (0.5 s pacing), the application
 * puts 10 frames on its TX ring, publishes them and calls STOP at once; the loop's last round
 * must still pass them to the pipe's other end.  Without that round the peer gets nothing.
 */
static void stop_syncs_last_publish(void)
{
	static struct csb c;
	struct loop_arg a;
	struct nmport p, q;
	struct netmap_ring *tx, *rx;
	uint32_t i, hwtail, hwcur;
	pthread_t lt;

	ok(open_csb(&p, "ks{1", NR_EXCLUSIVE, &c) == 0, "ks{1 in CSB mode");
	nm_open_or_die(&q, "ks}1", NR_REG_ALL_NIC, 0, 0);
	a = (struct loop_arg){ .fd = p.fd, .cpu = -1, .sleep_us = 500000 };
	pthread_create(&lt, NULL, loop_thread, &a);
	usleep(200000);		/* the first round is done: the loop sleeps */
	tx = NETMAP_TXRING(p.nifp, 0);
	for (i = 0; i < 10; i++) {
		memcpy(NETMAP_BUF(tx, tx->slot[i].buf_idx), &i, sizeof(i));
		tx->slot[i].len = 60;
	}
	nm_sync_kloop_appl_write(&c.atok[0], 10, 10);
	ok(ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_STOP, "", NULL, NULL) == 0, "STOP right after publishing");
	pthread_join(lt, NULL);
	nm_sync_kloop_appl_read(&c.ktoa[0], &hwtail, &hwcur);
	rx = NETMAP_RXRING(q.nifp, 0);
	ioctl(q.fd, NIOCRXSYNC, NULL);
	ok(a.err == 0 && hwcur == 10 && nm_ring_space(rx) == 10,
	   "the loop's last round synced the 10 frames published before STOP (hwcur %u, peer got %u)",
	   hwcur, nm_ring_space(rx));
	nm_close(&q);
	nm_close(&p);
}

/*
 * kill -9 of a child while child(fd) runs a sync-kloop on pipe `port`; the child writes one byte
 * to fd once the loop is about to start (or is running).  No object of the pipe may remain.
 */
static void kill_child_loop(const char *what, const char *port, void (*child)(int fd))
{
	int fds[2], st = 0;
	pid_t pid;
	char ch;

	if (pipe(fds))
		return;
	pid = fork();
	if (pid == 0) {
		child(fds[1]);
		_exit(3);
	}
	ok(read(fds[0], &ch, 1) == 1, "a child %s", what);
	usleep(300000);
	kill(pid, SIGKILL);
	ok(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	   "kill -9 ends it: the child dies of SIGKILL");
	ok(nm_ring_counter(port, "tx0", "users") == -1, "and its pipe's rings are gone with it");
	close(fds[0]);
	close(fds[1]);
}

/* A thread sitting in SYNC_KLOOP_START of a loop that never sleeps. */
static void busy_loop_child(int fd)
{
	static struct csb c;
	struct nmreq_sync_kloop_start s = { .sleep_us = 0 };	/* busy: never sleeps */
	struct nmport p;

	if (open_csb(&p, "kk{1", NR_EXCLUSIVE, &c) == 0 && write(fd, "r", 1) == 1)
		ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_START, "", &s, NULL);
}

/* This thread alone on CPU 0, above every SCHED_OTHER thread there (on = 0: back as it was). */
static int own_cpu0(int on)
{
	struct sched_param sp = { .sched_priority = on ? 10 : 0 };
	static cpu_set_t saved;
	cpu_set_t set;
	int err;

	if (on) {
		pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved);
		CPU_ZERO(&set);
		CPU_SET(0, &set);
		err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
		return err ? err : pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	}
	err = pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
	return err ? err : pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
}

/*
 * Whether a kick is synced by the kicker: the loop thread sits on CPU 0 under this thread, which
 * runs there SCHED_FIFO and never blocks, so the loop cannot run until the test ends.  After
 * each publish and kick, the TX ring's ktoa.hwcur must already show the new head in direct mode;
 * in eventfd mode (direct 0, the control) it must not.
 */
static void direct_in_kicker(uint32_t direct)
{
	static struct csb c;
	struct nmreq_opt_sync_kloop_mode m;
	struct loop_arg a;
	struct nmport p, q;
	struct netmap_ring *r;
	uint32_t head, i, synced = 0, rounds = 100, hwtail, hwcur;
	struct efds e;
	pthread_t lt;
	int err;

	efds_init(&e);
	ok(open_csb(&p, "kx{1", NR_EXCLUSIVE, &c) == 0, "kx{1 in CSB mode (%s)", mode_name(&e, direct));
	nm_open_or_die(&q, "kx}1", NR_REG_ALL_NIC, 0, 0);
	r = NETMAP_TXRING(p.nifp, 0);
	a = (struct loop_arg){ .fd = p.fd, .cpu = 0, .opt = start_opts(&m, &e, direct) };
	pthread_create(&lt, NULL, loop_thread, &a);
	usleep(300000);		/* the loop runs its first round and goes to sleep */
	head = c.atok[0].head;
	err = own_cpu0(1);
	ok(err == 0, "the kicker owns CPU 0 (SCHED_FIFO), above the loop thread (%s)", strerror(err));
	if (err)
		rounds = 0;
	for (i = 0; i < rounds; i++) {
		r->slot[head].len = 60;
		head = nm_ring_next(r, head);
		nm_sync_kloop_appl_write(&c.atok[0], head, head);
		efds_kick(&e, &c, 0);
		nm_sync_kloop_appl_read(&c.ktoa[0], &hwtail, &hwcur);
		synced += hwcur == head;
	}
	own_cpu0(0);
	if (direct)
		ok(synced == rounds && e.kicks == rounds,
		   "direct mode: %u of %u kicks were synced before write() returned", synced, rounds);
	else
		ok(synced == 0, "eventfd mode (the control): %u of %u kicks synced before write() returned",
		   synced, rounds);
	/* The loop, free to run again, syncs what it was kicked for; a STOP before that round would
	 * end it with the frames unsent. */
	for (i = 0; i < 1000; i++) {
		nm_sync_kloop_appl_read(&c.ktoa[0], &hwtail, &hwcur);
		if (hwcur == head)
			break;
		usleep(1000);
	}
	ok(ctrl(p.fd, NETMAP_REQ_SYNC_KLOOP_STOP, "", NULL, NULL) == 0, "STOP");
	pthread_join(lt, NULL);
	ok(a.err == 0, "START returned 0");
	{
		struct netmap_ring *rx = NETMAP_RXRING(q.nifp, 0);

		ioctl(q.fd, NIOCRXSYNC, NULL);
		ok(nm_ring_space(rx) == rounds, "the peer received the %u frames (%u)", rounds,
		   nm_ring_space(rx));
	}
	efds_close(&e);
	nm_close(&q);
	nm_close(&p);
}

/* kill -9 of a process whose threads kick a direct loop as fast as they can: kicks queued on
 * dying threads must neither sync into a dead address space nor outlive the module. */
static void kick_direct_child(int fd)
{
	static struct csb c;
	struct nmreq_opt_sync_kloop_mode m;
	struct loop_arg a;
	struct nmport p;
	struct efds e;
	pthread_t lt;
	uint32_t head;

	efds_init(&e);
	if (open_csb(&p, "kz{1", NR_EXCLUSIVE, &c))
		return;
	a = (struct loop_arg){ .fd = p.fd, .cpu = -1,
			       .opt = direct_opt(&m, NM_OPT_SYNC_KLOOP_DIRECT_TX |
						 NM_OPT_SYNC_KLOOP_DIRECT_RX, &e) };
	pthread_create(&lt, NULL, loop_thread, &a);
	if (write(fd, "r", 1) != 1)
		return;
	head = c.atok[0].head;
	for (;;) {	/* no peer: the ring fills, then every kick syncs nothing */
		head = nm_ring_next(NETMAP_TXRING(p.nifp, 0), head);
		nm_sync_kloop_appl_write(&c.atok[0], head, head);
		efds_kick(&e, &c, 0);
		efds_kick(&e, &c, 1);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	option_budget();
	errors();
	pipe_traffic(NULL, 0);
	vale_traffic(NULL, 0);
	{
		struct efds e;

		uint32_t both = NM_OPT_SYNC_KLOOP_DIRECT_TX | NM_OPT_SYNC_KLOOP_DIRECT_RX;

		efds_init(&e);
		pipe_traffic(&e, 0);
		efds_close(&e);
		efds_init(&e);
		vale_traffic(&e, 0);
		efds_close(&e);
		efds_init(&e);
		pipe_traffic(&e, NM_OPT_SYNC_KLOOP_DIRECT_TX);
		efds_close(&e);
		efds_init(&e);
		vale_traffic(&e, both);
		efds_close(&e);
	}
	direct_in_kicker(0);
	direct_in_kicker(NM_OPT_SYNC_KLOOP_DIRECT_TX);
	kill_child_loop("kicks a direct sync-kloop in a tight loop", "kz{1", kick_direct_child);
	start_options();
	close_ends_loop();
	stop_syncs_last_publish();
	kill_child_loop("runs a busy sync-kloop (sleep_us 0)", "kk{1", busy_loop_child);
	return t_exit();
}
