/*
 * tests/kmod-debug/nm_kbug.c - a module that commits, when loaded, the bug its parameter names,
 * so that tests/check-debug can prove each detector of the debug kernel fails a run:
 *   bug=oob     reads one byte past a 16-byte kmalloc        (KASAN: slab-out-of-bounds)
 *   bug=leak    kmallocs 64 bytes and forgets the pointer    (kmemleak: unreferenced object)
 *   bug=order   takes two mutexes in both orders, one thread (lockdep: circular locking)
 *   bug=sleep   kmallocs with GFP_KERNEL, a spinlock held    (sleeping function called from
 *                                                             invalid context)
 * Built only against the debug kernel: Debian's kernel has none of these detectors.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

static char *bug = "";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "oob, leak, order or sleep");

static DEFINE_MUTEX(nm_kbug_a);
static DEFINE_MUTEX(nm_kbug_b);
static DEFINE_SPINLOCK(nm_kbug_lock);
static volatile int nm_kbug_index = 16;

static int __init nm_kbug_init(void)
{
	if (!strcmp(bug, "oob")) {
		char *p = kmalloc(16, GFP_KERNEL);

		if (!p)
			return -ENOMEM;
		pr_info("nm_kbug: read past the end: %d\n", ((volatile char *)p)[nm_kbug_index]);
		kfree(p);
	} else if (!strcmp(bug, "leak")) {
		void *p = kmalloc(64, GFP_KERNEL);

		pr_info("nm_kbug: leaking 64 bytes at %px\n", p);
	} else if (!strcmp(bug, "order")) {
		mutex_lock(&nm_kbug_a);
		mutex_lock(&nm_kbug_b);
		mutex_unlock(&nm_kbug_b);
		mutex_unlock(&nm_kbug_a);
		mutex_lock(&nm_kbug_b);
		mutex_lock(&nm_kbug_a);
		mutex_unlock(&nm_kbug_a);
		mutex_unlock(&nm_kbug_b);
	} else if (!strcmp(bug, "sleep")) {
		void *p;

		spin_lock(&nm_kbug_lock);
		p = kmalloc(64, GFP_KERNEL);
		spin_unlock(&nm_kbug_lock);
		kfree(p);
	} else {
		return -EINVAL;
	}
	return 0;
}

static void __exit nm_kbug_exit(void)
{
}

module_init(nm_kbug_init);
module_exit(nm_kbug_exit);
MODULE_DESCRIPTION("netmap test harness: commit a bug the debug kernel must report");
MODULE_LICENSE("GPL");
