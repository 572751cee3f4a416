// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * linux/kloop_events.c - the eventfds of a sync-kloop (core/os.h, nm_os_kloop_events_*).
 *
 * The loop thread sleeps in nm_os_kloop_sleep until *kicked is set.  Two kinds of wake-up set it,
 * each through a wait-queue entry of ours (a hook) whose wake function marks its ring pending,
 * sets the flag and wakes the loop's task: a write to a ring's ioeventfd (the application kicks
 * the loop: the hook sits on the eventfd's wait queue, placed there through the file's poll
 * method as KVM and vhost do), and a wake-up of the ring's own wait queue (frames arrived, or TX
 * slots came back).  The wake functions run wherever the waker is - with the eventfd's lock held
 * and interrupts off, or in softirq - so they only store and call wake_up_process, which takes no
 * wait-queue lock (waking through another wait queue from inside one would nest two locks of one
 * lockdep class).
 *
 * Direct rings (OPT_SYNC_KLOOP_MODE) are synced in the kicking thread instead of the loop's.  The
 * sync cannot run inside the wake function itself: VALE takes bottom-half locks, a CSB access can
 * fault and sleep, and a ring wake-up inside eventfd_write would signal an irqfd from inside an
 * eventfd (which the kernel refuses).  So the ioeventfd's hook queues a task_work on the kicker,
 * which runs the sync as the kicker returns to user space from its write() - no other thread is
 * woken, no CPU changes hands.  Only a kicker that shares the loop's address space (where the
 * CSB addresses mean something) gets the work; any other kicker, a ring already claimed, or a
 * failed sync falls back to the loop, which syncs pending direct rings in its next round.
 *
 * Lifetime.  The object is counted: the loop holds one reference, a queued task_work another,
 * and the last put frees it.  A queued task_work also holds the netmap file, so that neither the
 * file nor the module can go before it has run: its final fput is deferred by the kernel until
 * after the callback returns.  nm_os_kloop_events_free, before the loop returns, unhooks every
 * entry (remove_wait_queue takes each queue's lock, so no wake function runs after it), closes
 * the gate (`live`) that task_works pass before touching the loop, and waits for those inside.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/wait.h>

#include "../core/os.h"

struct nm_kloop_hook {
	wait_queue_entry_t wait;
	wait_queue_head_t *wqh;		/* where the entry sits; NULL: not hooked */
	struct nm_os_kloop_events *ev;
	u32 k;				/* the ring it reports */
	bool io;			/* an ioeventfd's hook (else the ring's own queue) */
};

struct nm_os_kloop_events {
	u32 n;
	u32 *kicked;
	struct task_struct *task;	/* the loop's thread, which made this object */
	struct mm_struct *mm;		/* its address space, where the CSB lives */
	struct eventfd_ctx **irq;	/* [n] */
	struct file **io;		/* [n] the ioeventfds' files, held while hooked */
	struct nm_kloop_hook *hooks;	/* [n] ioeventfds, then [n] the rings' queues */
	struct nm_kloop_hook *placing;	/* the hook nm_kloop_queue_proc places */
	poll_table pt;
	unsigned long *pending;		/* [n bits] kicked or woken since the last take */
	unsigned long *direct;		/* [n bits] rings synced by their kicker */
	int (*direct_fn)(void *arg, u32 k);
	void *direct_arg;
	refcount_t refs;
	struct file *pin;		/* the netmap file, pinned by a queued task_work */
	unsigned long queued;		/* bit 0: cb is queued on some kicker */
	struct callback_head cb;
	spinlock_t lock;		/* live and running */
	bool live;			/* the loop still runs: task_works may sync */
	u32 running;			/* task_works past the gate */
	wait_queue_head_t idle;		/* free waits here for running to reach 0 */
};

static void nm_kloop_events_put(struct nm_os_kloop_events *ev)
{
	if (!refcount_dec_and_test(&ev->refs))
		return;
	bitmap_free(ev->direct);
	bitmap_free(ev->pending);
	nm_os_free(ev->hooks);
	nm_os_free(ev->io);
	nm_os_free(ev->irq);
	nm_os_free(ev);
}

static void nm_kloop_kick_loop(struct nm_os_kloop_events *ev, u32 k)
{
	set_bit(k, ev->pending);
	WRITE_ONCE(*ev->kicked, 1);
	wake_up_process(ev->task);
}

/* A context where the ring's sync can run on the way back to user space, with the CSB mapped. */
static bool nm_kloop_kicker_fits(const struct nm_os_kloop_events *ev)
{
	return current->mm == ev->mm &&
	       !(current->flags & (PF_KTHREAD | PF_EXITING | PF_IO_WORKER));
}

/* The task_work: sync the pending direct rings, in the kicker, if the loop still runs. */
static void nm_kloop_direct_run(struct callback_head *cb)
{
	struct nm_os_kloop_events *ev = container_of(cb, struct nm_os_kloop_events, cb);
	struct file *pin = ev->pin;
	bool live;
	u32 k;

	clear_bit(0, &ev->queued);
	smp_mb__after_atomic();	/* queued before pending: pairs with the hook's test_and_set_bit */
	spin_lock(&ev->lock);
	live = ev->live;
	ev->running += live;
	spin_unlock(&ev->lock);
	if (live) {
		for_each_set_bit(k, ev->direct, ev->n) {
			if (!test_and_clear_bit(k, ev->pending))
				continue;
			if (!nm_kloop_kicker_fits(ev) || ev->direct_fn(ev->direct_arg, k))
				nm_kloop_kick_loop(ev, k);	/* the loop retries, or meets the error */
		}
		spin_lock(&ev->lock);
		if (!--ev->running && !ev->live)
			wake_up(&ev->idle);
		spin_unlock(&ev->lock);
	}
	nm_kloop_events_put(ev);
	fput(pin);	/* deferred by the kernel until this callback has returned */
}

/* From an ioeventfd's wake function: queue the sync on the kicker; false if it cannot run it. */
static bool nm_kloop_defer_to_kicker(struct nm_os_kloop_events *ev)
{
	if (!nm_kloop_kicker_fits(ev))
		return false;
	if (test_and_set_bit(0, &ev->queued))
		return true;	/* already queued: that run takes this ring's pending bit too */
	refcount_inc(&ev->refs);
	get_file(ev->pin);
	if (!task_work_add(current, &ev->cb, TWA_RESUME))
		return true;
	clear_bit(0, &ev->queued);
	fput(ev->pin);				/* not the last: ev holds one */
	refcount_dec(&ev->refs);		/* not the last: the loop holds one */
	return false;
}

static int nm_kloop_wake(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct nm_kloop_hook *h = container_of(wait, struct nm_kloop_hook, wait);
	struct nm_os_kloop_events *ev = h->ev;

	if (h->io && test_bit(h->k, ev->direct)) {
		set_bit(h->k, ev->pending);	/* ordered before `queued` by test_and_set_bit */
		if (nm_kloop_defer_to_kicker(ev))
			return 0;
	}
	nm_kloop_kick_loop(ev, h->k);
	return 0;
}

static void nm_kloop_hook(struct nm_kloop_hook *h, wait_queue_head_t *wqh)
{
	init_waitqueue_func_entry(&h->wait, nm_kloop_wake);
	h->wqh = wqh;
	add_wait_queue(wqh, &h->wait);
}

/* The eventfd's poll method hands us its wait queue here. */
static void nm_kloop_queue_proc(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct nm_os_kloop_events *ev = container_of(pt, struct nm_os_kloop_events, pt);

	if (ev->placing && !ev->placing->wqh)
		nm_kloop_hook(ev->placing, wqh);
}

struct nm_os_kloop_events *nm_os_kloop_events_new(u32 n, u32 *kicked, void *os_file)
{
	struct nm_os_kloop_events *ev = nm_os_malloc(sizeof(*ev));
	u32 i;

	if (!ev)
		return ERR_PTR(-ENOMEM);
	ev->irq = nm_os_malloc(sizeof(*ev->irq) * n);
	ev->io = nm_os_malloc(sizeof(*ev->io) * n);
	ev->hooks = nm_os_malloc(sizeof(*ev->hooks) * 2 * n);
	ev->pending = bitmap_zalloc(n, GFP_KERNEL);
	ev->direct = bitmap_zalloc(n, GFP_KERNEL);
	refcount_set(&ev->refs, 1);
	if (!ev->irq || !ev->io || !ev->hooks || !ev->pending || !ev->direct) {
		nm_kloop_events_put(ev);
		return ERR_PTR(-ENOMEM);
	}
	ev->n = n;
	ev->kicked = kicked;
	ev->task = current;
	ev->mm = current->mm;
	ev->pin = os_file;
	ev->live = true;
	spin_lock_init(&ev->lock);
	init_waitqueue_head(&ev->idle);
	init_task_work(&ev->cb, nm_kloop_direct_run);
	for (i = 0; i < 2 * n; i++) {
		ev->hooks[i].ev = ev;
		ev->hooks[i].k = i % n;
		ev->hooks[i].io = i < n;
	}
	init_poll_funcptr(&ev->pt, nm_kloop_queue_proc);
	return ev;
}

static int nm_kloop_set_io(struct nm_os_kloop_events *ev, u32 i, s32 fd)
{
	struct eventfd_ctx *ctx;
	struct file *file = fget(fd);

	if (!file)
		return -EBADF;
	ctx = eventfd_ctx_fileget(file);	/* only to check that it is an eventfd */
	if (IS_ERR(ctx)) {
		fput(file);
		return PTR_ERR(ctx);
	}
	eventfd_ctx_put(ctx);
	ev->io[i] = file;
	ev->placing = &ev->hooks[i];
	vfs_poll(file, &ev->pt);
	ev->placing = NULL;
	return 0;
}

int nm_os_kloop_events_set(struct nm_os_kloop_events *ev, u32 i, s32 ioeventfd, s32 irqfd)
{
	int err;

	if (irqfd >= 0) {
		ev->irq[i] = eventfd_ctx_fdget(irqfd);
		if (IS_ERR(ev->irq[i])) {
			err = PTR_ERR(ev->irq[i]);
			ev->irq[i] = NULL;
			return err;
		}
	}
	return ioeventfd >= 0 ? nm_kloop_set_io(ev, i, ioeventfd) : 0;
}

void nm_os_kloop_events_watch(struct nm_os_kloop_events *ev, u32 i, struct nm_os_waitq *q)
{
	if (!ev->hooks[ev->n + i].wqh)
		nm_kloop_hook(&ev->hooks[ev->n + i], &q->head);
}

void nm_os_kloop_events_direct(struct nm_os_kloop_events *ev, u32 i,
			       int (*fn)(void *arg, u32 i), void *arg)
{
	ev->direct_fn = fn;
	ev->direct_arg = arg;
	set_bit(i, ev->direct);
}

bool nm_os_kloop_events_take(struct nm_os_kloop_events *ev, u32 i)
{
	return test_and_clear_bit(i, ev->pending);
}

void nm_os_kloop_events_kick(struct nm_os_kloop_events *ev, u32 i)
{
	nm_kloop_kick_loop(ev, i);
}

void nm_os_kloop_events_irq(struct nm_os_kloop_events *ev, u32 i)
{
	if (ev->irq[i])
		eventfd_signal(ev->irq[i], 1);
}

static bool nm_kloop_events_idle(struct nm_os_kloop_events *ev)
{
	bool idle;

	spin_lock(&ev->lock);
	idle = !ev->running;
	spin_unlock(&ev->lock);
	return idle;
}

void nm_os_kloop_events_free(struct nm_os_kloop_events *ev)
{
	u32 i;

	if (IS_ERR_OR_NULL(ev))
		return;
	for (i = 0; i < 2 * ev->n; i++)
		if (ev->hooks[i].wqh)
			remove_wait_queue(ev->hooks[i].wqh, &ev->hooks[i].wait);
	spin_lock(&ev->lock);
	ev->live = false;	/* task_works still queued find the gate closed */
	spin_unlock(&ev->lock);
	wait_event(ev->idle, nm_kloop_events_idle(ev));
	for (i = 0; i < ev->n; i++) {
		if (ev->io[i])
			fput(ev->io[i]);
		if (ev->irq[i])
			eventfd_ctx_put(ev->irq[i]);
	}
	nm_kloop_events_put(ev);
}
