/*
 * tests/host/os_user.c - the userspace implementation of core/os.h, used by host tests, fuzzers and
 * micro-benchmarks.  It mirrors linux/os_linux.c function for function; keep them in step.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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
