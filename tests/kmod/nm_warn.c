/*
 * tests/kmod/nm_warn.c - a module whose only job is to WARN when loaded.  The harness self-test
 * loads it in a guest and expects vm/run to fail: proof that the splat detector works.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init nm_warn_init(void)
{
	WARN(1, "nm_warn: intentional warning to test the splat detector\n");
	return 0;
}

static void __exit nm_warn_exit(void)
{
}

module_init(nm_warn_init);
module_exit(nm_warn_exit);
MODULE_DESCRIPTION("netmap test harness: WARN on load");
MODULE_LICENSE("GPL");
