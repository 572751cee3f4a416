/*
 * linux/os_types.h - the kernel's answer to the vocabulary core/os.h promises the core: fixed-width
 * types, errno values, READ_ONCE and friends, memcpy.  The core includes it only through core/os.h.
 */
#ifndef NM_LINUX_OS_TYPES_H
#define NM_LINUX_OS_TYPES_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/stddef.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/wait.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <asm/barrier.h>
#include <asm/page.h>

struct nm_os_waitq {
	wait_queue_head_t head;
};

struct nm_os_spinlock {
	spinlock_t lock;
};

struct nm_os_rwlock {
	rwlock_t lock;
};

struct nm_os_work {
	struct work_struct work;
	void (*fn)(void *arg);
	void *arg;
};

#endif /* NM_LINUX_OS_TYPES_H */
