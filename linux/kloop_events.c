// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * linux/kloop_events.c - the eventfds of a sync-kloop (core/os.h, nm_os_kloop_events_*).
 *
 * The loop thread sleeps in nm_os_kloop_sleep until *kicked is set.  Three things set it, each
 * through a wait-queue entry of ours whose wake function sets the flag and wakes the loop's task:
 * a write to a ring's ioeventfd (the application kicks the loop: the entry sits on the eventfd's
 * wait queue, placed there through the file's poll method as KVM and vhost do), and a wake-up of
 * a watched ring's own wait queue (frames arrived, or TX slots came back).  The wake functions
 * run wherever the waker is - with the eventfd's lock held and interrupts off, or in softirq -
 * so they only store and call wake_up_process, which takes no wait-queue lock (waking through
 * another wait queue from inside one would nest two locks of one lockdep class).
 *
 * The irqfds are signalled towards the application with eventfd_signal.  Everything is undone in
 * nm_os_kloop_events_free, before the loop returns: remove_wait_queue takes each queue's lock,
 * so no wake function runs after it.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "../core/os.h"

struct nm_kloop_hook {
	wait_queue_entry_t wait;
	wait_queue_head_t *wqh;		/* where the entry sits; NULL: not hooked */
	struct nm_os_kloop_events *ev;
};

struct nm_os_kloop_events {
	u32 n, nwatch, watched;
	u32 *kicked;
	struct task_struct *task;	/* the loop's thread, which made this object */
	struct eventfd_ctx **irq;	/* [n] */
	struct file **io;		/* [n] the ioeventfds' files, held while hooked */
	struct nm_kloop_hook *hooks;	/* [n] ioeventfds, then [nwatch] watched queues */
	struct nm_kloop_hook *placing;	/* the hook nm_kloop_queue_proc places */
	poll_table pt;
};

static int nm_kloop_wake(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct nm_kloop_hook *h = container_of(wait, struct nm_kloop_hook, wait);

	WRITE_ONCE(*h->ev->kicked, 1);
	wake_up_process(h->ev->task);
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

struct nm_os_kloop_events *nm_os_kloop_events_new(u32 n, u32 watch, u32 *kicked)
{
	struct nm_os_kloop_events *ev = nm_os_malloc(sizeof(*ev));
	u32 i;

	if (!ev)
		return ERR_PTR(-ENOMEM);
	ev->irq = nm_os_malloc(sizeof(*ev->irq) * n);
	ev->io = nm_os_malloc(sizeof(*ev->io) * n);
	ev->hooks = nm_os_malloc(sizeof(*ev->hooks) * (n + watch));
	if (!ev->irq || !ev->io || !ev->hooks) {
		nm_os_free(ev->hooks);
		nm_os_free(ev->io);
		nm_os_free(ev->irq);
		nm_os_free(ev);
		return ERR_PTR(-ENOMEM);
	}
	ev->n = n;
	ev->nwatch = watch;
	ev->kicked = kicked;
	ev->task = current;
	for (i = 0; i < n + watch; i++)
		ev->hooks[i].ev = ev;
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

void nm_os_kloop_events_watch(struct nm_os_kloop_events *ev, struct nm_os_waitq *q)
{
	if (ev->watched < ev->nwatch)
		nm_kloop_hook(&ev->hooks[ev->n + ev->watched++], &q->head);
}

void nm_os_kloop_events_irq(struct nm_os_kloop_events *ev, u32 i)
{
	if (ev->irq[i])
		eventfd_signal(ev->irq[i], 1);
}

void nm_os_kloop_events_free(struct nm_os_kloop_events *ev)
{
	u32 i;

	if (IS_ERR_OR_NULL(ev))
		return;
	for (i = 0; i < ev->n + ev->nwatch; i++)
		if (ev->hooks[i].wqh)
			remove_wait_queue(ev->hooks[i].wqh, &ev->hooks[i].wait);
	for (i = 0; i < ev->n; i++) {
		if (ev->io[i])
			fput(ev->io[i]);
		if (ev->irq[i])
			eventfd_ctx_put(ev->irq[i]);
	}
	nm_os_free(ev->hooks);
	nm_os_free(ev->io);
	nm_os_free(ev->irq);
	nm_os_free(ev);
}
