/*
 * tests/host/os_user.c - the userspace implementation of core/os.h, used by host tests, fuzzers and
 * micro-benchmarks.  It mirrors linux/os_linux.c function for function; keep them in step.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../../core/os.h"
#include "os_user.h"

static long live_objects;

void *nm_os_malloc(size_t size)
{
	void *p = calloc(1, size);

	if (p)
		__atomic_add_fetch(&live_objects, 1, __ATOMIC_RELAXED);
	return p;
}

void nm_os_free(void *p)
{
	if (!p)
		return;
	__atomic_sub_fetch(&live_objects, 1, __ATOMIC_RELAXED);
	free(p);
}

long nm_os_live_objects(void)
{
	return __atomic_load_n(&live_objects, __ATOMIC_RELAXED);
}

/* Tests set this to see the log; by default it stays quiet so test output is readable. */
int nm_os_log_to_stderr;
unsigned long nm_os_log_lines;

static void vlog(const char *fmt, va_list ap)
{
	nm_os_log_lines++;
	if (!nm_os_log_to_stderr)
		return;
	fputs("netmap: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void nm_os_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void nm_os_log_ratelimited(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

/*
 * Region memory comes from a memfd mapped shared, so that nm_os_user_map() can map the very same
 * pages a second time, contiguously, the way the kernel's mmap shows the region to applications.
 * A small list remembers each region's memfd and size.
 */
struct region {
	struct region *next;
	char *base;
	size_t size;
	int fd;
};
static struct region *regions;
static pthread_mutex_t regions_lock = PTHREAD_MUTEX_INITIALIZER;

void *nm_os_region_alloc(size_t size)
{
	struct region *r = malloc(sizeof(*r));
	int fd = memfd_create("nm-region", MFD_CLOEXEC);
	void *p;

	if (!r || fd < 0 || ftruncate(fd, size) != 0)
		goto fail;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	r->base = p;
	r->size = size;
	r->fd = fd;
	pthread_mutex_lock(&regions_lock);
	r->next = regions;
	regions = r;
	pthread_mutex_unlock(&regions_lock);
	__atomic_add_fetch(&live_objects, 1, __ATOMIC_RELAXED);
	return p;
fail:
	if (fd >= 0)
		close(fd);
	free(r);
	return NULL;
}

void nm_os_region_free(void *p)
{
	struct region **rp, *r = NULL;

	if (!p)
		return;
	pthread_mutex_lock(&regions_lock);
	for (rp = &regions; *rp; rp = &(*rp)->next) {
		if ((*rp)->base == p) {
			r = *rp;
			*rp = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&regions_lock);
	if (!r)
		abort();	/* freeing something that is not a region: a core bug */
	munmap(r->base, r->size);
	close(r->fd);
	free(r);
	__atomic_sub_fetch(&live_objects, 1, __ATOMIC_RELAXED);
}

int nm_os_user_map(void *kaddr, size_t len, void *at)
{
	struct region *r;
	int err = -EINVAL;

	pthread_mutex_lock(&regions_lock);
	for (r = regions; r; r = r->next) {
		char *k = kaddr;

		if (k >= r->base && k + len <= r->base + r->size) {
			void *m = mmap(at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, r->fd,
				       k - r->base);

			err = m == MAP_FAILED ? -errno : 0;
			break;
		}
	}
	pthread_mutex_unlock(&regions_lock);
	return err;
}

/*
 * User copies go through process_vm_readv/writev on ourselves: like copy_from_user, they fail
 * with EFAULT on an unmapped address instead of crashing, so tests and fuzzers can hand the core
 * bad pointers.
 */
static uintptr_t user_lo, user_hi;	/* nm_os_user_limit; user_hi == 0: no limit */

void nm_os_user_limit(const void *lo, size_t len)
{
	user_lo = (uintptr_t)lo;
	user_hi = user_lo + len;
}

static int self_copy(void *local, u64 remote, size_t len, int to_remote)
{
	struct iovec l = { .iov_base = local, .iov_len = len };
	struct iovec r = { .iov_base = (void *)(uintptr_t)remote, .iov_len = len };
	ssize_t n;

	if (len == 0)
		return 0;
	if (user_hi && (remote < user_lo || remote > user_hi || len > user_hi - remote))
		return -EFAULT;
	n = to_remote ? process_vm_writev(getpid(), &l, 1, &r, 1, 0)
		      : process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	return n == (ssize_t)len ? 0 : -EFAULT;
}

int nm_os_copy_from_user(void *dst, u64 uptr, size_t len)
{
	return self_copy(dst, uptr, len, 0);
}

int nm_os_copy_to_user(u64 uptr, const void *src, size_t len)
{
	return self_copy((void *)src, uptr, len, 1);
}

static pthread_mutex_t ctrl_lock = PTHREAD_MUTEX_INITIALIZER;

void nm_os_ctrl_lock(void)
{
	pthread_mutex_lock(&ctrl_lock);
}

void nm_os_ctrl_unlock(void)
{
	pthread_mutex_unlock(&ctrl_lock);
}

void nm_os_waitq_init(struct nm_os_waitq *q)
{
	q->wakeups = 0;
}

void nm_os_waitq_destroy(struct nm_os_waitq *q)
{
	(void)q;
}

void nm_os_waitq_wake(struct nm_os_waitq *q)
{
	__atomic_add_fetch(&q->wakeups, 1, __ATOMIC_RELAXED);
}

/* Host tests have no signals to deliver: the sleep polls *stop every 100 microseconds. */
int nm_os_kloop_sleep(struct nm_os_waitq *q, u32 usec, const bool *stop, const u32 *kicked)
{
	u32 slept = 0;

	(void)q;
	do {
		if (__atomic_load_n(stop, __ATOMIC_ACQUIRE) || __atomic_load_n(kicked, __ATOMIC_ACQUIRE))
			return 0;
		usleep(usec < 100 ? usec : 100);
		slept += 100;
	} while (slept < usec);
	return 0;
}

int nm_os_kloop_wait_idle(struct nm_os_waitq *q, const u32 *state)
{
	(void)q;
	while (__atomic_load_n(state, __ATOMIC_ACQUIRE) != 0)
		usleep(100);
	return 0;
}

u64 nm_os_thread_id(void)
{
	return (u64)pthread_self();
}

u64 nm_os_files_id(void)
{
	return (u64)getpid();
}

/* Host tests have no eventfds: a loop with OPT_SYNC_KLOOP_EVENTFDS is refused. */
struct nm_os_kloop_events *nm_os_kloop_events_new(u32 n, u32 *kicked, void *os_file)
{
	(void)n, (void)kicked, (void)os_file;
	return ERR_PTR(-EOPNOTSUPP);
}

int nm_os_kloop_events_set(struct nm_os_kloop_events *ev, u32 i, s32 ioeventfd, s32 irqfd)
{
	(void)ev, (void)i, (void)ioeventfd, (void)irqfd;
	return -EOPNOTSUPP;
}

void nm_os_kloop_events_watch(struct nm_os_kloop_events *ev, u32 i, struct nm_os_waitq *q)
{
	(void)ev, (void)i, (void)q;
}

void nm_os_kloop_events_direct(struct nm_os_kloop_events *ev, u32 i,
			       int (*fn)(void *arg, u32 i), void *arg)
{
	(void)ev, (void)i, (void)fn, (void)arg;
}

bool nm_os_kloop_events_take(struct nm_os_kloop_events *ev, u32 i)
{
	(void)ev, (void)i;
	return false;
}

void nm_os_kloop_events_kick(struct nm_os_kloop_events *ev, u32 i)
{
	(void)ev, (void)i;
}

void nm_os_kloop_events_irq(struct nm_os_kloop_events *ev, u32 i)
{
	(void)ev, (void)i;
}

void nm_os_kloop_events_free(struct nm_os_kloop_events *ev)
{
	(void)ev;
}

/* Host pollers are plain threads; the CPU is not enforced. */
struct nm_os_poller {
	pthread_t thread;
	void (*fn)(void *arg);
	void *arg;
	int stop;
};

static void *nm_os_poller_run(void *data)
{
	struct nm_os_poller *p = data;

	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		p->fn(p->arg);
		sched_yield();
	}
	return NULL;
}

struct nm_os_poller *nm_os_poller_start(void (*fn)(void *arg), void *arg, u32 cpu,
					 const char *name)
{
	struct nm_os_poller *p = nm_os_malloc(sizeof(*p));

	(void)cpu, (void)name;
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->fn = fn;
	p->arg = arg;
	if (pthread_create(&p->thread, NULL, nm_os_poller_run, p)) {
		nm_os_free(p);
		return ERR_PTR(-EAGAIN);
	}
	return p;
}

void nm_os_poller_stop(struct nm_os_poller *p)
{
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
	pthread_join(p->thread, NULL);
	nm_os_free(p);
}

u32 nm_os_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (u32)n : 1;
}

bool nm_os_cpu_online(u32 cpu)
{
	return cpu < nm_os_online_cpus();
}

void nm_os_gettimeofday(s64 *sec, s64 *usec)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	*sec = tv.tv_sec;
	*usec = tv.tv_usec;
}

void nm_os_spin_init(struct nm_os_spinlock *l)
{
	pthread_mutex_init(&l->m, NULL);
}

void nm_os_spin_lock(struct nm_os_spinlock *l)
{
	pthread_mutex_lock(&l->m);
}

void nm_os_spin_unlock(struct nm_os_spinlock *l)
{
	pthread_mutex_unlock(&l->m);
}

void nm_os_rwlock_init(struct nm_os_rwlock *l)
{
	pthread_rwlock_init(&l->rw, NULL);
}

void nm_os_read_lock(struct nm_os_rwlock *l)
{
	pthread_rwlock_rdlock(&l->rw);
}

void nm_os_read_unlock(struct nm_os_rwlock *l)
{
	pthread_rwlock_unlock(&l->rw);
}

void nm_os_write_lock(struct nm_os_rwlock *l)
{
	pthread_rwlock_wrlock(&l->rw);
}

void nm_os_write_unlock(struct nm_os_rwlock *l)
{
	pthread_rwlock_unlock(&l->rw);
}

int nm_os_copy_from_user_nofault(void *dst, u64 uptr, size_t len)
{
	return self_copy(dst, uptr, len, 0);
}

/* Host tests: persistent ports get a fake interface, remembered by name so EEXIST works. */
static char fake_netdevs[64][16];

int nm_os_vale_netdev_create(const char *name, void **handle)
{
	int i, free_slot = -1;

	for (i = 0; i < 64; i++) {
		if (fake_netdevs[i][0] && strcmp(fake_netdevs[i], name) == 0)
			return -EEXIST;
		if (!fake_netdevs[i][0] && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -ENOMEM;
	strscpy(fake_netdevs[free_slot], name, sizeof(fake_netdevs[free_slot]));
	*handle = fake_netdevs[free_slot];
	__atomic_add_fetch(&live_objects, 1, __ATOMIC_RELAXED);
	return 0;
}

void nm_os_vale_netdev_destroy(void *handle)
{
	((char *)handle)[0] = '\0';
	__atomic_sub_fetch(&live_objects, 1, __ATOMIC_RELAXED);
}

bool nm_os_netdev_exists(const char *name)
{
	int i;

	for (i = 0; i < 64; i++)
		if (fake_netdevs[i][0] && strcmp(fake_netdevs[i], name) == 0)
			return true;
	return strcmp(name, "lo") == 0;	/* a device that is not a VALE port */
}

void nm_os_work_init(struct nm_os_work *w, void (*fn)(void *arg), void *arg)
{
	w->fn = fn;
	w->arg = arg;
	w->running = w->again = false;
}

/* Runs the work now; a kick from inside the run makes it run once more afterwards. */
void nm_os_work_kick(struct nm_os_work *w)
{
	if (w->running) {
		w->again = true;
		return;
	}
	w->running = true;
	do {
		w->again = false;
		w->fn(w->arg);
	} while (w->again);
	w->running = false;
}

void nm_os_work_stop(struct nm_os_work *w)
{
	(void)w;
}

void nm_os_wait_data_path(void)
{
}

/* Host tests run the data path and the control path from one thread, or join their threads. */
void nm_os_data_path_begin(void)
{
}

void nm_os_data_path_end(void)
{
}
