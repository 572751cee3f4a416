/*
 * kloop.c -- pkt-gen's --kloop mode: the thread's port in CSB mode, its rings synced by an
 * in-kernel sync-kloop (netmap(4), "CSB mode and the sync-kloop") instead of NIOCTXSYNC,
 * NIOCRXSYNC and poll(), so the rate can be compared with the syscall path.
 *
 * Each worker thread enables CSB mode on its own fd (CSB_ENABLE: the port was registered with
 * NR_EXCLUSIVE for it) and starts a helper thread that sits in SYNC_KLOOP_START until the end.
 * The worker keeps using its netmap rings as before; pg_kloop_publish copies each ring's head and
 * cur into the CSB (nm_sync_kloop_appl_write) and kicks the loop if it asked for it, and
 * pg_kloop_wait takes hwtail back into ring->tail (nm_sync_kloop_appl_read) and waits:
 *   --kloop sleep:US  the loop wakes every US microseconds; the worker yields the CPU while it
 *                     has nothing to do;
 *   --kloop eventfd   the loop sleeps until kicked through an ioeventfd; the worker blocks on an
 *                     irqfd, announcing it with appl_need_kick (the protocol the man page gives);
 *   --kloop direct    the same with OPT_SYNC_KLOOP_MODE DIRECT_TX | DIRECT_RX: every publish is a
 *                     kick (kern_need_kick stays 1), synced inside the worker's own write().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pkt-gen.h"

#define KL_MAX_RINGS	1024	/* bound rings of one thread, both directions */

struct pg_kloop {
	struct nm_csb_atok *atok;	/* one per bound ring: TX rings first, then RX */
	struct nm_csb_ktoa *ktoa;
	struct netmap_ring *ring[KL_MAX_RINGS];
	int nrings, ntx;
	int efd[KL_MAX_RINGS][2];	/* ioeventfd, irqfd; -1 without --kloop eventfd */
	struct nmreq_opt_sync_kloop_eventfds *efd_opt;
	pthread_t loop;
	int loop_err;			/* START's errno, written before loop_ended */
	atomic_int loop_ended;		/* START returned: nothing syncs the rings any more */
	int started;
};

static int kl_ctrl(int fd, uint16_t type, void *body, struct nmreq_option *opt)
{
	struct nmreq_header h;

	memset(&h, 0, sizeof(h));
	h.nr_version = NETMAP_API;
	h.nr_reqtype = type;
	h.nr_body = (uintptr_t)body;
	h.nr_options = (uintptr_t)opt;
	return ioctl(fd, NIOCCTRL, &h) ? errno : 0;
}

static void *kl_loop(void *arg)
{
	struct targ *t = arg;
	struct pg_kloop *k = t->kloop;
	struct nmreq_sync_kloop_start st = { .sleep_us = t->g->kloop_sleep_us };
	struct nmreq_opt_sync_kloop_mode mode = {
		.nro_opt = { .nro_reqtype = NETMAP_REQ_OPT_SYNC_KLOOP_MODE },
		.mode = NM_OPT_SYNC_KLOOP_DIRECT_TX | NM_OPT_SYNC_KLOOP_DIRECT_RX,
	};
	struct nmreq_option *opts = k->efd_opt ? &k->efd_opt->nro_opt : NULL;
	sigset_t all;

	/* A signal would end the loop (the kernel's rule); SIGINT and the like are for the other
	 * threads, which stop it with STOP when they are done. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (t->g->kloop_direct) {
		mode.nro_opt.nro_next = (uintptr_t)opts;
		opts = &mode.nro_opt;
	}
	k->loop_err = kl_ctrl(t->fd, NETMAP_REQ_SYNC_KLOOP_START, &st, opts);
	atomic_store_explicit(&k->loop_ended, 1, memory_order_release);
	return NULL;
}

static int kl_eventfds(struct pg_kloop *k)
{
	size_t size = sizeof(*k->efd_opt) + (size_t)k->nrings * sizeof(k->efd_opt->eventfds[0]);
	int i;

	k->efd_opt = calloc(1, size);
	if (!k->efd_opt)
		return -1;
	k->efd_opt->nro_opt.nro_reqtype = NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS;
	k->efd_opt->nro_opt.nro_size = size;
	for (i = 0; i < k->nrings; i++) {
		k->efd[i][0] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		k->efd[i][1] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (k->efd[i][0] < 0 || k->efd[i][1] < 0)
			return -1;
		k->efd_opt->eventfds[i].ioeventfd = k->efd[i][0];
		k->efd_opt->eventfds[i].irqfd = k->efd[i][1];
	}
	return 0;
}

int pg_kloop_open(struct targ *t)
{
	struct nmport_d *d = t->nmd;
	struct nmreq_opt_csb csb;
	struct pg_kloop *k = calloc(1, sizeof(*k));
	int i, err;

	if (!k)
		return -1;
	t->kloop = k;
	memset(k->efd, -1, sizeof(k->efd));
	if ((d->last_tx_ring + 1 - d->first_tx_ring) + (d->last_rx_ring + 1 - d->first_rx_ring) >
	    KL_MAX_RINGS) {
		D("--kloop: too many rings on one thread (use -p)");
		return -1;
	}
	for (i = d->first_tx_ring; i <= d->last_tx_ring; i++)
		k->ring[k->nrings++] = NETMAP_TXRING(d->nifp, i);
	k->ntx = k->nrings;
	for (i = d->first_rx_ring; i <= d->last_rx_ring; i++)
		k->ring[k->nrings++] = NETMAP_RXRING(d->nifp, i);
	k->atok = aligned_alloc(64, (size_t)k->nrings * sizeof(*k->atok));
	k->ktoa = aligned_alloc(64, (size_t)k->nrings * sizeof(*k->ktoa));
	if (!k->atok || !k->ktoa || (t->g->kloop_eventfd && kl_eventfds(k) < 0)) {
		D("--kloop: out of memory or eventfds");
		return -1;
	}
	memset(&csb, 0, sizeof(csb));
	csb.nro_opt.nro_reqtype = NETMAP_REQ_OPT_CSB;
	csb.csb_atok = (uintptr_t)k->atok;
	csb.csb_ktoa = (uintptr_t)k->ktoa;
	err = kl_ctrl(t->fd, NETMAP_REQ_CSB_ENABLE, NULL, &csb.nro_opt);
	if (err) {
		D("--kloop: CSB_ENABLE on %s: %s", t->g->ifname, strerror(err));
		return -1;
	}
	if (pthread_create(&k->loop, NULL, kl_loop, t)) {
		D("--kloop: cannot start the loop thread");
		return -1;
	}
	k->started = 1;
	return 0;
}

void pg_kloop_close(struct targ *t)
{
	struct pg_kloop *k = t->kloop;
	int i;

	if (!k)
		return;
	if (k->started) {
		kl_ctrl(t->fd, NETMAP_REQ_SYNC_KLOOP_STOP, NULL, NULL);
		pthread_join(k->loop, NULL);
		if (k->loop_err)
			D("--kloop: SYNC_KLOOP_START on %s: %s", t->g->ifname, strerror(k->loop_err));
	}
	for (i = 0; i < KL_MAX_RINGS; i++) {
		if (k->efd[i][0] >= 0)
			close(k->efd[i][0]);
		if (k->efd[i][1] >= 0)
			close(k->efd[i][1]);
	}
	free(k->efd_opt);
	free(k->atok);
	free(k->ktoa);
	free(k);
	t->kloop = NULL;
}

/* Every ring's head and cur into the CSB; a kick where the loop asked for one. */
void pg_kloop_publish(struct targ *t)
{
	struct pg_kloop *k = t->kloop;
	uint64_t one = 1;
	int i;

	for (i = 0; i < k->nrings; i++)
		nm_sync_kloop_appl_write(&k->atok[i], k->ring[i]->cur, k->ring[i]->head);
	if (!t->g->kloop_eventfd)
		return;
	atomic_thread_fence(memory_order_seq_cst);	/* heads before kern_need_kick */
	for (i = 0; i < k->nrings; i++)
		if (*(volatile uint32_t *)&k->ktoa[i].kern_need_kick &&
		    write(k->efd[i][0], &one, sizeof(one)) < 0)
			D("--kloop: kick: %s", strerror(errno));
}

/* hwtail into ring->tail; whether a ring of interest has work: room (TX) or frames (RX). */
static int kl_ready(struct pg_kloop *k, short events)
{
	uint32_t hwtail, hwcur;
	int i, ready = 0;

	for (i = 0; i < k->nrings; i++) {
		struct netmap_ring *r = k->ring[i];

		nm_sync_kloop_appl_read(&k->ktoa[i], &hwtail, &hwcur);
		r->tail = hwtail;
		if ((i < k->ntx && (events & POLLOUT) && nm_ring_space(r)) ||
		    (i >= k->ntx && (events & POLLIN) && r->tail != r->cur))
			ready = 1;
	}
	return ready;
}

/* Eventfd mode: block on the irqfds of the rings of interest, announced by appl_need_kick. */
static void kl_block(struct pg_kloop *k, short events, int timeout_ms)
{
	struct pollfd pfd[KL_MAX_RINGS];
	uint64_t cnt;
	int i, n = 0;

	for (i = 0; i < k->nrings; i++) {
		if (!(events & (i < k->ntx ? POLLOUT : POLLIN)))
			continue;
		*(volatile uint32_t *)&k->atok[i].appl_need_kick = 1;
		pfd[n++] = (struct pollfd){ .fd = k->efd[i][1], .events = POLLIN };
	}
	atomic_thread_fence(memory_order_seq_cst);	/* need_kick before the last look */
	if (!kl_ready(k, events))
		poll(pfd, n, timeout_ms);
	for (i = 0; i < n; i++)
		if (read(pfd[i].fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
			D("--kloop: irqfd: %s", strerror(errno));
	for (i = 0; i < k->nrings; i++)
		*(volatile uint32_t *)&k->atok[i].appl_need_kick = 0;
}

/* pg_poll_fd's CSB twin: >0 ready, 0 timeout or stopping, -1 the loop ended (on an error, or
 * before this thread stopped: a signal to the loop's thread ends it too, with no error). */
int pg_kloop_wait(struct targ *t, short events, int timeout_ms)
{
	struct pg_kloop *k = t->kloop;
	uint64_t deadline = pg_now_ns() + (uint64_t)timeout_ms * 1000000ULL;

	pg_kloop_publish(t);
	while (!pg_stop) {
		if (kl_ready(k, events))
			return 1;
		if (atomic_load_explicit(&k->loop_ended, memory_order_acquire)) {
			D("--kloop: the loop ended: %s",
			  k->loop_err ? strerror(k->loop_err) : "START returned 0 before STOP");
			return -1;
		}
		if (pg_now_ns() >= deadline)
			return 0;
		if (t->g->kloop_eventfd)
			kl_block(k, events, timeout_ms);
		else
			sched_yield();
	}
	return 0;
}
