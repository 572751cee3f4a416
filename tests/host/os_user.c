/*
 * tests/host/os_user.c - the userspace implementation of core/os.h, used by host tests, fuzzers and
 * micro-benchmarks.  It mirrors linux/os_linux.c function for function; keep them in step.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../../core/os.h"

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
 * Region memory comes from mmap, like the kernel's page-backed vmalloc memory.  One page in front
 * records the size for munmap; it is never handed out.
 */
void *nm_os_region_alloc(size_t size)
{
	size_t total = size + PAGE_SIZE;
	char *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	*(size_t *)p = total;
	__atomic_add_fetch(&live_objects, 1, __ATOMIC_RELAXED);
	return p + PAGE_SIZE;
}

void nm_os_region_free(void *p)
{
	char *base;

	if (!p)
		return;
	base = (char *)p - PAGE_SIZE;
	__atomic_sub_fetch(&live_objects, 1, __ATOMIC_RELAXED);
	munmap(base, *(size_t *)base);
}

/*
 * User copies go through process_vm_readv/writev on ourselves: like copy_from_user, they fail
 * with EFAULT on an unmapped address instead of crashing, so tests and fuzzers can hand the core
 * bad pointers.
 */
static int self_copy(void *local, u64 remote, size_t len, int to_remote)
{
	struct iovec l = { .iov_base = local, .iov_len = len };
	struct iovec r = { .iov_base = (void *)(uintptr_t)remote, .iov_len = len };
	ssize_t n;

	if (len == 0)
		return 0;
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

void nm_os_gettimeofday(s64 *sec, s64 *usec)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	*sec = tv.tv_sec;
	*usec = tv.tv_usec;
}
