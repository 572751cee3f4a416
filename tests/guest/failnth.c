/*
 * tests/guest/failnth.c - every allocation failure of every control request that allocates.
 *
 * The kernel's per-task fault injection (/proc/thread-self/fail-nth, CONFIG_FAULT_INJECTION with
 * failslab and fail_page_alloc) fails the N-th allocation of this task.  For each request below,
 * N = 1, 2, ... until the request completes without reaching its N-th allocation: each injected
 * failure must give a clean errno (or be tolerated: the request succeeds), leave no half state
 * (after close, netmap's live_objects is back to where it was, and the same request without
 * injection then succeeds) and no splat, which tests/run-tests checks after the program (less
 * the sysctl stack dumps announced in main).
 *
 * NM_FAILNTH_ONLY=TEXT[,TEXT...] runs only the cases whose name contains one of the TEXTs.
 *
 * Debian's production kernel has no fault injection: there this program says so and skips
 * (make check); make check-debug boots a kernel that has it.  Vmalloc'd region pages carry
 * __GFP_HIGHMEM and stay excluded (ignore-gfp-highmem), or a 42 MB region would be 10,000
 * injection points; the vmalloc bookkeeping around them is still counted.
 */
#include <stdbool.h>
#include <sys/wait.h>

#include "generic.h"

#define FI_DEBUGFS "/sys/kernel/debug/"
#define FI_MAX_POINTS 2000	/* a request with more injection points than this is a bug */

struct fi_ctx {
	int fd, fd2;		/* the request's fd; one a setup holds open */
	struct nmport hold;	/* a port a setup holds open */
	struct nmreq_register reg;
	union {
		struct nmreq_vale_attach attach;
		struct nmreq_vale_detach detach;
		struct nmreq_vale_newif newif;
		struct nmreq_port_info_get info;
		struct nmreq_pools_info pools;
	} b;
	struct nmreq_option opt;
	struct nmreq hdr_legacy;
};

/*
 * One request under test.  setup and teardown run without injection; call is the one request
 * whose allocations fail one by one; undo cleans up after a call that succeeded.  want is what
 * the call returns when nothing fails (0 or a negative errno, e.g. the leftover-option case).
 */
struct fi_case {
	const char *name;
	void (*setup)(struct fi_ctx *c);
	int (*call)(struct fi_ctx *c);
	void (*undo)(struct fi_ctx *c);
	void (*teardown)(struct fi_ctx *c);
	int want;
	/*
	 * The call registers a network interface, and the kernel's register_netdevice answers some
	 * allocation failures with other errnos: ENOBUFS (its sysctl tables) or EINVAL (a kobject
	 * name it could not set).  netmap passes them on: they are clean, not netmap's to rename.
	 */
	bool netdev;
};

static long live_objects(void)
{
	return t_read_long(NMSYS "live_objects");
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

/*
 * This thread's fail-nth file, opened once: opening it after arming would itself allocate and
 * use up the count.
 */
static int fail_nth_fd = -1;

/* Arms the N-th allocation of this thread to fail; 0 disarms. */
static void fail_nth_set(unsigned int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", n);
	/*
	 * Disarming copies "0" in from user memory, which is itself an injection point when the
	 * armed count was not used up: a fault there (EFAULT) is the injection firing, and it
	 * leaves fail-nth disarmed too.
	 */
	if (pwrite(fail_nth_fd, buf, strlen(buf), 0) < 0 && !(n == 0 && errno == EFAULT))
		ok(0, "write fail-nth: %s", strerror(errno));
}

/* Whether the armed failure was injected (the file reads 0 then); disarms in any case. */
static bool fail_nth_injected(void)
{
	char buf[16] = "";

	if (pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		buf[0] = '1';
	fail_nth_set(0);
	return atoi(buf) == 0;
}

/* Allocations that may sleep count too (by default the kernel only fails atomic ones). */
static int fi_configure(void)
{
	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fail_nth_fd < 0)
		return -1;
	system("mount -t debugfs none /sys/kernel/debug 2>/dev/null");
	write_str(FI_DEBUGFS "failslab/ignore-gfp-wait", "N");
	write_str(FI_DEBUGFS "fail_page_alloc/ignore-gfp-wait", "N");
	write_str(FI_DEBUGFS "fail_page_alloc/min-order", "0");
	write_str(FI_DEBUGFS "fail_page_alloc/ignore-gfp-highmem", "Y");
	/* Each injected failure logs a stack trace by default: keep the log for real reports. */
	write_str(FI_DEBUGFS "failslab/verbose", "0");
	write_str(FI_DEBUGFS "fail_usercopy/verbose", "0");
	write_str(FI_DEBUGFS "fail_page_alloc/verbose", "0");
	return 0;
}

static int ctrl(int fd, uint16_t type, const char *name, void *body, void *opts)
{
	struct nmreq_header h;

	nm_hdr_init(&h, type, name, body);
	h.nr_options = (uintptr_t)opts;
	return ioctl(fd, NIOCCTRL, &h) ? -errno : 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* --- the requests ------------------------------------------------------------------------- */

static void open_fd(struct fi_ctx *c)
{
	c->fd = open("/dev/netmap", O_RDWR);
}

static void close_all(struct fi_ctx *c)
{
	close_fd(&c->fd);
	close_fd(&c->fd2);
	nm_close(&c->hold);
}

static void nothing(struct fi_ctx *c)
{
	(void)c;
}

static int reg(struct fi_ctx *c, const char *name, uint32_t mode, uint32_t extra, void *opts)
{
	memset(&c->reg, 0, sizeof(c->reg));
	c->reg.nr_mode = mode;
	c->reg.nr_extra_bufs = extra;
	if (mode == NR_REG_NULL)
		c->reg.nr_mem_id = 1;
	return ctrl(c->fd, NETMAP_REQ_REGISTER, name, &c->reg, opts);
}

static int reg_flags(struct fi_ctx *c, const char *name, uint64_t flags, uint16_t mem_id)
{
	memset(&c->reg, 0, sizeof(c->reg));
	c->reg.nr_mode = NR_REG_ALL_NIC;
	c->reg.nr_flags = flags;
	c->reg.nr_mem_id = mem_id;
	return ctrl(c->fd, NETMAP_REQ_REGISTER, name, &c->reg, NULL);
}

static int reg_pipe_new(struct fi_ctx *c) { return reg(c, "fi{1", NR_REG_ALL_NIC, 0, NULL); }
static int reg_pipe_peer(struct fi_ctx *c) { return reg(c, "fi}1", NR_REG_ALL_NIC, 0, NULL); }
static int reg_vale_new(struct fi_ctx *c) { return reg(c, "vale3:fi", NR_REG_ALL_NIC, 0, NULL); }
static int reg_vale_join(struct fi_ctx *c) { return reg(c, "vale3:fj", NR_REG_ALL_NIC, 0, NULL); }
static int reg_null(struct fi_ctx *c) { return reg(c, "fi", NR_REG_NULL, 0, NULL); }
static int reg_veth(struct fi_ctx *c) { return reg(c, "fi0", NR_REG_ALL_NIC, 64, NULL); }
static int reg_veth_host(struct fi_ctx *c) { return reg(c, "fi0", NR_REG_NIC_SW, 0, NULL); }

static int reg_leftover(struct fi_ctx *c)
{
	memset(&c->opt, 0, sizeof(c->opt));
	c->opt.nro_reqtype = 1000;	/* nobody consumes it: REGISTER is undone, EOPNOTSUPP */
	c->opt.nro_size = sizeof(c->opt);
	return reg(c, "fl{1", NR_REG_ALL_NIC, 0, &c->opt);
}

static void hold_pipe(struct fi_ctx *c)
{
	open_fd(c);
	nm_register(&c->hold, "fi{1", NR_REG_ALL_NIC, 0, 0);
}

static void hold_vale(struct fi_ctx *c)
{
	open_fd(c);
	nm_register(&c->hold, "vale3:fi", NR_REG_ALL_NIC, 0, 0);
}

/* Monitors of the held VALE port: a copy one (private region) and a zero-copy one. */
static int reg_monitor(struct fi_ctx *c)
{
	return reg_flags(c, "vale3:fi", NR_MONITOR_TX | NR_MONITOR_RX, 0);
}

static int reg_zmonitor(struct fi_ctx *c)
{
	return reg_flags(c, "vale3:fi", NR_ZCOPY_MON, 0);
}

/* A new pipe in the held VALE port's region, by mem id (`fa{1@M`). */
static int reg_pipe_in(struct fi_ctx *c)
{
	return reg_flags(c, "fa{1", 0, c->hold.reg.nr_mem_id);
}

static int legacy_regif(struct fi_ctx *c)
{
	memset(&c->hdr_legacy, 0, sizeof(c->hdr_legacy));
	c->hdr_legacy.nr_version = NETMAP_API;
	strcpy(c->hdr_legacy.nr_name, "vale5:leg");
	return ioctl(c->fd, NIOCREGIF, &c->hdr_legacy) ? -errno : 0;
}

static int port_info(struct fi_ctx *c)
{
	memset(&c->b.info, 0, sizeof(c->b.info));
	return ctrl(c->fd, NETMAP_REQ_PORT_INFO_GET, "fi{2", &c->b.info, NULL);
}

static int pools_info(struct fi_ctx *c)
{
	memset(&c->b.pools, 0, sizeof(c->b.pools));
	return ctrl(c->fd, NETMAP_REQ_POOLS_INFO_GET, "vale6:p", &c->b.pools, NULL);
}

static int newif(struct fi_ctx *c)
{
	memset(&c->b.newif, 0, sizeof(c->b.newif));
	return ctrl(c->fd, NETMAP_REQ_VALE_NEWIF, "fip0", &c->b.newif, NULL);
}

static int delif(struct fi_ctx *c)
{
	return ctrl(c->fd, NETMAP_REQ_VALE_DELIF, "fip0", NULL, NULL);
}

static void newif_setup(struct fi_ctx *c)
{
	open_fd(c);
	newif(c);
}

static void delif_teardown(struct fi_ctx *c)
{
	delif(c);	/* ENXIO when the call deleted it */
	close_all(c);
}

static int attach(struct fi_ctx *c)
{
	memset(&c->b.attach, 0, sizeof(c->b.attach));
	c->b.attach.reg.nr_mode = NR_REG_ALL_NIC;
	return ctrl(c->fd, NETMAP_REQ_VALE_ATTACH, "vale4:fi0", &c->b.attach, NULL);
}

static int detach(struct fi_ctx *c)
{
	memset(&c->b.detach, 0, sizeof(c->b.detach));
	return ctrl(c->fd, NETMAP_REQ_VALE_DETACH, "vale4:fi0", &c->b.detach, NULL);
}

/*
 * The global region stays in use (a null port in it on a second fd) during ATTACH and DETACH:
 * otherwise every iteration builds and zeroes the whole 320 MB region again, which under KASAN
 * and TCG takes minutes per point.  REGISTER of the veth covers the region's own failures.
 */
static void hold_region(struct fi_ctx *c)
{
	struct nmreq_register r = { .nr_mode = NR_REG_NULL, .nr_mem_id = 1 };

	open_fd(c);
	c->fd2 = open("/dev/netmap", O_RDWR);
	ctrl(c->fd2, NETMAP_REQ_REGISTER, "fihold", &r, NULL);
}

static void attach_setup(struct fi_ctx *c)
{
	hold_region(c);
	attach(c);
}

static void detach_teardown(struct fi_ctx *c)
{
	detach(c);	/* an error when the call detached it */
	close_all(c);
}

static void undo_close(struct fi_ctx *c) { close_fd(&c->fd); open_fd(c); }
static void undo_detach(struct fi_ctx *c) { detach(c); }
static void undo_delif(struct fi_ctx *c) { delif(c); }
static void undo_newif(struct fi_ctx *c) { newif(c); }
static void undo_attach(struct fi_ctx *c) { attach(c); }

static const struct fi_case cases[] = {
	{ "REGISTER pipe, new parent", open_fd, reg_pipe_new, undo_close, close_all, 0, false },
	{ "REGISTER pipe, other end of an open pipe", hold_pipe, reg_pipe_peer, undo_close,
	  close_all, 0, false },
	{ "REGISTER VALE port, new switch", open_fd, reg_vale_new, undo_close, close_all, 0, false },
	{ "REGISTER VALE port, existing switch", hold_vale, reg_vale_join, undo_close, close_all,
	  0, false },
	{ "REGISTER null port", open_fd, reg_null, undo_close, close_all, 0, false },
	{ "REGISTER veth, 64 extra buffers", open_fd, reg_veth, undo_close, close_all, 0, false },
	{ "REGISTER veth NIC+host rings", open_fd, reg_veth_host, undo_close, close_all, 0, false },
	{ "REGISTER with an unconsumed option", open_fd, reg_leftover, undo_close, close_all,
	  -EOPNOTSUPP, false },
	{ "legacy NIOCREGIF VALE port", open_fd, legacy_regif, undo_close, close_all, 0, false },
	{ "REGISTER copy monitor /rt", hold_vale, reg_monitor, undo_close, close_all, 0, false },
	{ "REGISTER zero-copy monitor /z", hold_vale, reg_zmonitor, undo_close, close_all, 0,
	  false },
	{ "REGISTER pipe in a VALE port's region", hold_vale, reg_pipe_in, undo_close, close_all,
	  0, false },
	{ "PORT_INFO_GET pipe", open_fd, port_info, nothing, close_all, 0, false },
	{ "POOLS_INFO_GET VALE port", open_fd, pools_info, nothing, close_all, 0, false },
	{ "VALE_NEWIF", open_fd, newif, undo_delif, delif_teardown, 0, true },
	{ "VALE_DELIF", newif_setup, delif, undo_newif, delif_teardown, 0, true },
	{ "VALE_ATTACH veth", hold_region, attach, undo_detach, detach_teardown, 0, false },
	{ "VALE_DETACH veth", attach_setup, detach, undo_attach, detach_teardown, 0, false },
};

/* --- the driver --------------------------------------------------------------------------- */

static bool errno_clean(const struct fi_case *fc, int err)
{
	if (fc->netdev && (err == -ENOBUFS || err == -EINVAL))
		return true;
	return err == -ENOMEM || err == -EFAULT;	/* EFAULT: injected user-copy faults */
}

/*
 * Runs one case through every injection point.  Returns the number of failures injected; the
 * checks it makes are reported once per case (with the first offending N), not per point.
 */
static unsigned int fi_run(const struct fi_case *fc)
{
	struct fi_ctx c = { .fd = -1, .fd2 = -1, .hold = { .fd = -1 } };
	unsigned int n, injected = 0, tolerated = 0, bad_errno = 0, half = 0, leaks = 0;
	long base = live_objects();
	int err, again, first_bad = 0, first_half = 0, half_n = 0, half_err = 0;

	for (n = 1; n <= FI_MAX_POINTS; n++) {
		bool hit;

		fc->setup(&c);
		fail_nth_set(n);
		err = fc->call(&c);
		hit = fail_nth_injected();
		if (hit && err == fc->want)
			tolerated++;
		else if (hit && !errno_clean(fc, err) && bad_errno++ == 0)
			first_bad = err;
		if (err == fc->want)
			fc->undo(&c);	/* the undo runs uninjected: it must work */
		/* No half state: the identical request now succeeds. */
		if (hit && (again = fc->call(&c)) != fc->want && half++ == 0) {
			first_half = again;
			half_n = n;
			half_err = err;
		}
		fc->teardown(&c);
		if (live_objects() != base)
			leaks++;
		if (!hit)
			break;
		injected++;
	}
	ok(n <= FI_MAX_POINTS, "%s: ends after %u injection points", fc->name, n - 1);
	ok(bad_errno == 0, "%s: %u injected failures all give ENOMEM/EFAULT%s or are tolerated (%u)%s",
	   fc->name, injected, fc->netdev ? "/ENOBUFS/EINVAL" : "", tolerated,
	   bad_errno ? " - first other errno:" : "");
	if (bad_errno)
		printf("#   %s: %s\n", fc->name, strerror(-first_bad));
	ok(half == 0, "%s: the same request succeeds after each failure (%u did not)", fc->name,
	   half);
	if (half)
		printf("#   %s: after failure %u (%s), the request gave %s\n", fc->name, half_n,
		       strerror(-half_err), strerror(-first_half));
	ok(leaks == 0, "%s: live_objects back to %ld after each (%u times not)", fc->name, base,
	   leaks);
	return injected;
}

/* Whether name contains one of the comma-separated texts in `only`. */
static bool fi_selected(const char *name, const char *only)
{
	char list[256], *t, *save = NULL;

	snprintf(list, sizeof(list), "%s", only);
	for (t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (strstr(name, t))
			return true;
	return false;
}

int main(void)
{
	const char *only = getenv("NM_FAILNTH_ONLY");	/* run the cases whose name has this */
	unsigned int i, total = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fi_configure()) {
		ok(1, "fault injection: no /proc/thread-self/fail-nth on this kernel # SKIP "
		   "(CONFIG_FAULT_INJECTION; make check-debug runs it)");
		return t_exit();
	}
	/*
	 * A failed allocation inside register_netdevice's sysctl registration (NEWIF's interface
	 * gets IPv4/IPv6 conf tables) makes __register_sysctl_table call dump_stack(): the kernel's
	 * own way of saying so, not a report.  tests/run-tests drops exactly those stacks.
	 */
	printf("# kernel-dump-expected: __register_sysctl_table\n");
	if (veth_pair("fi0", "fi1", NULL)) {
		ok(0, "create veth pair fi0/fi1");
		return t_exit();
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int k;

		if (only && !fi_selected(cases[i].name, only))
			continue;
		k = fi_run(&cases[i]);

		printf("# fault injection: %-45s %4u failures injected\n", cases[i].name, k);
		total += k;
	}
	sh("/sbin/ip link del fi0");
	printf("# summary: fault-injection points exercised: %u\n", total);
	ok(total > 0, "fault injection: %u failures injected in all", total);
	return t_exit();
}
