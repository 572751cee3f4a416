/*
 * linux/os_linux.c - the kernel implementation of core/os.h.  tests/host/os_user.c is its
 * userspace twin; keep them in step.
 */
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/poll.h>
#include <linux/ktime.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "../core/os.h"

static atomic_long_t nm_live_objects = ATOMIC_LONG_INIT(0);

void *nm_os_malloc(size_t size)
{
	void *p = kvzalloc(size, GFP_KERNEL);

	if (p)
		atomic_long_inc(&nm_live_objects);
	return p;
}

void nm_os_free(void *p)
{
	if (!p)
		return;
	atomic_long_dec(&nm_live_objects);
	kvfree(p);
}

long nm_os_live_objects(void)
{
	return atomic_long_read(&nm_live_objects);
}

void nm_os_log(const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_info("netmap: %pV\n", &vaf);
	va_end(args);
}

/* One budget for everything user programs can trigger: 10 lines per 5 seconds. */
static DEFINE_RATELIMIT_STATE(nm_log_rs, 5 * HZ, 10);

void nm_os_log_ratelimited(const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (!__ratelimit(&nm_log_rs))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_info("netmap: %pV\n", &vaf);
	va_end(args);
}

/*
 * Zeroed vmalloc memory: mmap maps it page by page (vm_insert_page on vmalloc_to_page), so it
 * needs no VM_USERMAP.  __GFP_NOWARN: the caller's log line says which pool failed and which
 * parameter to lower, where the kernel's allocation-failure trace would only alarm.
 */
void *nm_os_region_alloc(size_t size)
{
	void *p = __vmalloc(size, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);

	if (p)
		atomic_long_inc(&nm_live_objects);
	return p;
}

void nm_os_region_free(void *p)
{
	if (!p)
		return;
	atomic_long_dec(&nm_live_objects);
	vfree(p);
}

int nm_os_copy_from_user(void *dst, u64 uptr, size_t len)
{
	return copy_from_user(dst, u64_to_user_ptr(uptr), len) ? -EFAULT : 0;
}

int nm_os_copy_to_user(u64 uptr, const void *src, size_t len)
{
	return copy_to_user(u64_to_user_ptr(uptr), src, len) ? -EFAULT : 0;
}

static DEFINE_MUTEX(nm_ctrl_mutex);

void nm_os_ctrl_lock(void)
{
	mutex_lock(&nm_ctrl_mutex);
}

void nm_os_ctrl_unlock(void)
{
	mutex_unlock(&nm_ctrl_mutex);
}

void nm_os_waitq_init(struct nm_os_waitq *q)
{
	init_waitqueue_head(&q->head);
}

void nm_os_waitq_destroy(struct nm_os_waitq *q)
{
}

void nm_os_waitq_wake(struct nm_os_waitq *q)
{
	wake_up_interruptible_poll(&q->head, EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM);
}

/* The waits are interruptible: the wake-ups they rely on come from nm_os_waitq_wake. */
int nm_os_kloop_sleep(struct nm_os_waitq *q, u32 usec, const bool *stop, const u32 *kicked)
{
	long ret;

	if (!usec) {
		cond_resched();
		return signal_pending(current) ? -EINTR : 0;
	}
	if (usec == NM_OS_SLEEP_FOREVER)
		ret = wait_event_interruptible(q->head, READ_ONCE(*stop) || READ_ONCE(*kicked));
	else
		ret = wait_event_interruptible_hrtimeout(q->head,
							 READ_ONCE(*stop) || READ_ONCE(*kicked),
							 ns_to_ktime((u64)usec * NSEC_PER_USEC));
	return ret == -ERESTARTSYS ? -EINTR : 0;
}

int nm_os_kloop_wait_idle(struct nm_os_waitq *q, const u32 *state)
{
	return wait_event_interruptible(q->head, READ_ONCE(*state) == 0) ? -EINTR : 0;
}

u64 nm_os_thread_id(void)
{
	return (u64)(uintptr_t)current;
}

u64 nm_os_files_id(void)
{
	return (u64)(uintptr_t)current->files;
}

struct nm_os_poller {
	struct task_struct *task;
	void (*fn)(void *arg);
	void *arg;
};

static int nm_os_poller_run(void *data)
{
	struct nm_os_poller *p = data;

	while (!kthread_should_stop()) {
		p->fn(p->arg);
		cond_resched();
	}
	return 0;
}

struct nm_os_poller *nm_os_poller_start(void (*fn)(void *arg), void *arg, u32 cpu,
					 const char *name)
{
	struct nm_os_poller *p = nm_os_malloc(sizeof(*p));

	if (!p)
		return ERR_PTR(-ENOMEM);
	p->fn = fn;
	p->arg = arg;
	p->task = kthread_create_on_cpu(nm_os_poller_run, p, cpu, name);
	if (IS_ERR(p->task)) {
		long err = PTR_ERR(p->task);

		nm_os_free(p);
		return ERR_PTR(err);
	}
	wake_up_process(p->task);
	return p;
}

void nm_os_poller_stop(struct nm_os_poller *p)
{
	kthread_stop(p->task);
	nm_os_free(p);
}

u32 nm_os_online_cpus(void)
{
	return num_online_cpus();
}

bool nm_os_cpu_online(u32 cpu)
{
	return cpu < nr_cpu_ids && cpu_online(cpu);
}

void nm_os_gettimeofday(s64 *sec, s64 *usec)
{
	struct timespec64 ts;

	ktime_get_real_ts64(&ts);
	*sec = ts.tv_sec;
	*usec = ts.tv_nsec / NSEC_PER_USEC;
}

/* Bottom halves off: the generic adapter will forward from softirq context into VALE. */
void nm_os_spin_init(struct nm_os_spinlock *l)
{
	spin_lock_init(&l->lock);
}

void nm_os_spin_lock(struct nm_os_spinlock *l)
{
	spin_lock_bh(&l->lock);
}

void nm_os_spin_unlock(struct nm_os_spinlock *l)
{
	spin_unlock_bh(&l->lock);
}

void nm_os_rwlock_init(struct nm_os_rwlock *l)
{
	rwlock_init(&l->lock);
}

void nm_os_read_lock(struct nm_os_rwlock *l)
{
	read_lock_bh(&l->lock);
}

void nm_os_read_unlock(struct nm_os_rwlock *l)
{
	read_unlock_bh(&l->lock);
}

void nm_os_write_lock(struct nm_os_rwlock *l)
{
	write_lock_bh(&l->lock);
}

void nm_os_write_unlock(struct nm_os_rwlock *l)
{
	write_unlock_bh(&l->lock);
}

int nm_os_copy_from_user_nofault(void *dst, u64 uptr, size_t len)
{
	return copy_from_user_nofault(dst, u64_to_user_ptr(uptr), len) ? -EFAULT : 0;
}

static void nm_os_work_run(struct work_struct *work)
{
	struct nm_os_work *w = container_of(work, struct nm_os_work, work);

	w->fn(w->arg);
}

void nm_os_work_init(struct nm_os_work *w, void (*fn)(void *arg), void *arg)
{
	INIT_WORK(&w->work, nm_os_work_run);
	w->fn = fn;
	w->arg = arg;
}

void nm_os_work_kick(struct nm_os_work *w)
{
	queue_work(system_wq, &w->work);	/* a no-op while one is pending */
}

void nm_os_work_stop(struct nm_os_work *w)
{
	cancel_work_sync(&w->work);
}

void nm_os_wait_data_path(void)
{
	synchronize_net();	/* softirqs and RCU readers (completions, rx handler) */
}

void nm_os_data_path_begin(void)
{
	rcu_read_lock();	/* synchronize_net waits for it */
}

void nm_os_data_path_end(void)
{
	rcu_read_unlock();
}
