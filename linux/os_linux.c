/*
 * linux/os_linux.c - the kernel implementation of core/os.h.  tests/host/os_user.c is its
 * userspace twin; keep them in step.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>

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
