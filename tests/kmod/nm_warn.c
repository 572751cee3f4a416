/*
 * tests/kmod/nm_warn.c - a module whose only job is to leave a mark in the kernel log when loaded.
 * The harness self-test (tests/vm-selftest) loads it in a guest and checks what the splat
 * detector makes of the mark:
 *   how=warn (default)  WARN(): every run must fail;
 *   how=dump            an explicit dump_stack() from nm_warn_dump, as a few kernel functions
 *                       print on an allocation failure: it fails a run unless a test announced
 *                       `# kernel-dump-expected: nm_warn_dump` (tests/kernel-dumps).
 */
#include <linux/bug.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/string.h>

static char *how = "warn";
module_param(how, charp, 0444);
MODULE_PARM_DESC(how, "warn: WARN(); dump: dump_stack() from nm_warn_dump");

/*
 * The dump's first frame must be this function: noinline, and a call after dump_stack() so that
 * it is not a tail call either.
 */
static noinline void nm_warn_dump(void)
{
	pr_info("nm_warn: intentional stack dump to test the splat detector\n");
	dump_stack();
	pr_info("nm_warn: end of the intentional stack dump\n");
}

static int __init nm_warn_init(void)
{
	if (strcmp(how, "dump") == 0)
		nm_warn_dump();
	else
		WARN(1, "nm_warn: intentional warning to test the splat detector\n");
	return 0;
}

static void __exit nm_warn_exit(void)
{
}

module_init(nm_warn_init);
module_exit(nm_warn_exit);
MODULE_DESCRIPTION("netmap test harness: WARN or dump_stack on load");
MODULE_LICENSE("GPL");
