/*
 * lib/nmctx.c -- libnetmap contexts: error reporting, memory allocation and locking.
 *
 * Every descriptor carries the context it was created with, and every message, allocation and
 * lock of the library goes through it.  This file owns the built-in default context (verbose 1,
 * messages on stderr followed by a newline, malloc/free, no lock), the pointer to the current
 * default, the helpers that fall back to the built-in behaviour when a context leaves a callback
 * NULL, and the mutex that nmctx_set_threadsafe() installs (the constructor in libnetmap.h calls
 * it unless the program defines LIBNETMAP_NOTHREADSAFE).  It also has the two tiny helpers the
 * other files use to fail with a message and to read numbers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "libnetmap_int.h"

/* Messages longer than this are truncated; port names are at most 63 characters. */
#define NMCTX_MSG_MAX	1024

static void nmctx_default_error(struct nmctx *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s\n", msg);
}

static void *nmctx_default_malloc(struct nmctx *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void nmctx_default_free(struct nmctx *ctx, void *p)
{
	(void)ctx;
	free(p);
}

static struct nmctx nmctx_builtin = {
	.verbose = 1,
	.error = nmctx_default_error,
	.malloc = nmctx_default_malloc,
	.free = nmctx_default_free,
	.lock = NULL,
	.mem_descs = NULL,
};

static struct nmctx *nmctx_current = &nmctx_builtin;

struct nmctx *nmctx_get(void)
{
	return __atomic_load_n(&nmctx_current, __ATOMIC_ACQUIRE);
}

struct nmctx *nmctx_set_default(struct nmctx *ctx)
{
	return __atomic_exchange_n(&nmctx_current, ctx ? ctx : &nmctx_builtin, __ATOMIC_ACQ_REL);
}

static pthread_mutex_t nmctx_mutex = PTHREAD_MUTEX_INITIALIZER;

static void nmctx_mutex_lock(struct nmctx *ctx, int on)
{
	(void)ctx;
	if (on)
		pthread_mutex_lock(&nmctx_mutex);
	else
		pthread_mutex_unlock(&nmctx_mutex);
}

/* Idempotent: the header's constructor runs once per translation unit that includes it. */
void nmctx_set_threadsafe(void)
{
	nmctx_get()->lock = nmctx_mutex_lock;
}

void nmctx_ferror(struct nmctx *ctx, const char *fmt, ...)
{
	char msg[NMCTX_MSG_MAX];
	int saved = errno;
	va_list ap;

	if (!ctx)
		ctx = nmctx_get();
	if (ctx->verbose == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctx->error)
		ctx->error(ctx, msg);
	else
		nmctx_default_error(ctx, msg);
	errno = saved;	/* reporting never changes what the caller will see */
}

void *nmctx_malloc(struct nmctx *ctx, size_t size)
{
	if (!ctx)
		ctx = nmctx_get();
	return ctx->malloc ? ctx->malloc(ctx, size) : malloc(size);
}

void nmctx_free(struct nmctx *ctx, void *p)
{
	if (!ctx)
		ctx = nmctx_get();
	if (ctx->free)
		ctx->free(ctx, p);
	else
		free(p);
}

void nmctx_lock(struct nmctx *ctx)
{
	if (ctx && ctx->lock)
		ctx->lock(ctx, 1);
}

void nmctx_unlock(struct nmctx *ctx)
{
	if (ctx && ctx->lock)
		ctx->lock(ctx, 0);
}

int nmlib_fail(struct nmctx *ctx, int err, const char *fmt, ...)
{
	char msg[NMCTX_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nmctx_ferror(ctx, "%s", msg);
	errno = err;
	return -1;
}

int nmlib_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !nmlib_is_digit(*s))
		return -1;
	for (; *s; s++) {
		if (!nmlib_is_digit(*s))
			return -1;
		if ((uint64_t)(*s - '0') > max || v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;	/* would exceed max (and never wraps) */
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}
