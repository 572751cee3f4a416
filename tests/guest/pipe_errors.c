/*
 * Pipe creation that fails half way (core/pipe.c nm_pipe_create): the pipe is destroyed, and the
 * parent with it when it was its only pipe; the lookup must not put that parent a second time.
 * Each way of failing is tried twice in a row and must give the same clean answer (success, or
 * ENOMEM), and nothing may be left behind (once every fd is closed, live_objects is back to its
 * value at the start, when nothing was open):
 *   - an implicit parent (`pex{1`: no such interface) with 4096 TX slots, through REGISTER and
 *     PORT_INFO_GET (rings that big do not fit the parent's ring objects); POOLS_INFO_GET has no
 *     slot hint, so on that name it only has to work and leave nothing behind;
 *   - a VALE port as parent whose region another fd emptied with extra buffers, through
 *     REGISTER, PORT_INFO_GET and POOLS_INFO_GET (the pipe's TX rings find no buffers).
 * Nested pipe names (`a{b{c{d`, a pipe end as parent) are refused with EINVAL, without recursing
 * through the lookup once per brace.
 * The checks that cannot crash run first: on a module with the double put, the first failing
 * creation may take the guest kernel down.
 */
#include "nm.h"

#define TRIES		2	/* identical calls per failure path */
#define BIG_SLOTS	4096	/* pipe TX slots: more than the parent's ring objects hold */
#define GREEDY_EXTRA	1000000	/* extra buffers asked to empty a region */

/* One NIOCCTRL request on fd; 0 or errno. */
static int ctrl(int fd, uint16_t type, const char *name, void *body)
{
	struct nmreq_header h;

	nm_hdr_init(&h, type, name, body);
	return ioctl(fd, NIOCCTRL, &h) ? errno : 0;
}

/* REGISTER of name on a new fd with TX slots `slots`; 0 or errno.  *fd stays open either way. */
static int reg_slots(int *fd, const char *name, uint32_t slots, uint32_t extra,
		     struct nmreq_register *out)
{
	struct nmreq_register reg;

	memset(&reg, 0, sizeof(reg));
	reg.nr_mode = NR_REG_ALL_NIC;
	reg.nr_tx_slots = slots;
	reg.nr_extra_bufs = extra;
	*fd = open("/dev/netmap", O_RDWR);
	if (*fd < 0)
		return errno;
	{
		int err = ctrl(*fd, NETMAP_REQ_REGISTER, name, &reg);

		if (out)
			*out = reg;
		return err;
	}
}

static int port_info(const char *name, uint32_t slots)
{
	struct nmreq_port_info_get info;
	int fd = open("/dev/netmap", O_RDWR), err;

	memset(&info, 0, sizeof(info));
	info.nr_tx_slots = slots;
	err = ctrl(fd, NETMAP_REQ_PORT_INFO_GET, name, &info);
	close(fd);
	return err;
}

static int pools_info(const char *name)
{
	struct nmreq_pools_info pools;
	int fd = open("/dev/netmap", O_RDWR), err;

	memset(&pools, 0, sizeof(pools));
	err = ctrl(fd, NETMAP_REQ_POOLS_INFO_GET, name, &pools);
	close(fd);
	return err;
}

static long live0;	/* live_objects at the start, nothing open */

static long live(void)
{
	return t_read_long(NMSYS "live_objects");
}

/* A failure path tried TRIES times: every answer 0 or ENOMEM, and all the same. */
static void same_answers(const char *what, const int *errs)
{
	int k, clean = 1, same = 1;

	for (k = 0; k < TRIES; k++) {
		clean &= errs[k] == 0 || errs[k] == ENOMEM;
		same &= errs[k] == errs[0];
	}
	ok(clean, "%s: success or ENOMEM (first: %s)", what, errs[0] ? strerror(errs[0]) : "0");
	ok(same, "%s: %d identical calls answer the same (last: %s)", what, TRIES,
	   errs[TRIES - 1] ? strerror(errs[TRIES - 1]) : "0");
}

static void test_nested_names(void)
{
	static const char *const names[] = { "a{b{c{d", "a}b{c", "pn{x{y" };
	char deep[NETMAP_REQ_IFNAMSIZ];
	unsigned int k;
	int fd, err;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		err = reg_slots(&fd, names[k], 0, 0, NULL);
		close(fd);
		ok(err == EINVAL, "REGISTER %s: EINVAL (got %s)", names[k], err ? strerror(err) : "0");
	}
	/* 31 braces: a lookup that recursed once per brace would go 31 deep. */
	for (k = 0; k + 2 < sizeof(deep); k += 2) {
		deep[k] = 'a';
		deep[k + 1] = '{';
	}
	deep[k] = 'z';
	deep[k + 1] = '\0';
	err = reg_slots(&fd, deep, 0, 0, NULL);
	close(fd);
	ok(err == EINVAL, "REGISTER of a name with %u braces: EINVAL (got %s)", k / 2,
	   err ? strerror(err) : "0");
	err = port_info("a{b{c{d", 0);
	ok(err == EINVAL, "PORT_INFO_GET a{b{c{d: EINVAL (got %s)", err ? strerror(err) : "0");
	err = pools_info("a{b{c{d");
	ok(err == EINVAL, "POOLS_INFO_GET a{b{c{d: EINVAL (got %s)", err ? strerror(err) : "0");

	/* A pipe end that exists is not a parent either. */
	{
		int held, fd2;

		err = reg_slots(&held, "pn{b", 0, 0, NULL);
		ok(err == 0, "pipe pn{b opens (%s)", err ? strerror(err) : "0");
		err = reg_slots(&fd2, "pn{b{c", 0, 0, NULL);
		close(fd2);
		ok(err == EINVAL, "REGISTER pn{b{c while pn{b is open: EINVAL (got %s)",
		   err ? strerror(err) : "0");
		close(held);
	}
	ok(live() == live0, "live_objects back to %ld after the nested names (%ld)", live0, live());
}

/* An implicit parent whose only pipe cannot get rings of BIG_SLOTS slots. */
static void test_implicit_parent(void)
{
	int errs[TRIES], fds[TRIES], k;

	for (k = 0; k < TRIES; k++)
		errs[k] = reg_slots(&fds[k], "pex{1", BIG_SLOTS, 0, NULL);
	same_answers("REGISTER pex{1 with 4096 TX slots", errs);
	for (k = 0; k < TRIES; k++)
		close(fds[k]);
	ok(live() == live0, "live_objects back to %ld after closing (%ld)", live0, live());

	for (k = 0; k < TRIES; k++)
		errs[k] = port_info("pex{1", BIG_SLOTS);
	same_answers("PORT_INFO_GET pex{1 with 4096 TX slots", errs);
	for (k = 0; k < TRIES; k++)
		errs[k] = pools_info("pex{1");
	ok(errs[0] == 0 && errs[1] == 0, "POOLS_INFO_GET pex{1 works, twice (%s)",
	   errs[1] ? strerror(errs[1]) : "0");
	ok(live() == live0, "live_objects back to %ld after the info requests (%ld)", live0, live());

	/* The name still works normally afterwards. */
	for (k = 0; k < TRIES; k++) {
		errs[k] = reg_slots(&fds[k], "pex{1", 0, 0, NULL);
		close(fds[k]);
	}
	ok(errs[0] == 0 && errs[1] == 0, "REGISTER pex{1 with default slots then works (%s)",
	   errs[1] ? strerror(errs[1]) : "0");
	ok(live() == live0, "live_objects back to %ld at the end (%ld)", live0, live());
}

/*
 * A VALE port as parent, its region emptied by extra buffers of a second fd: the pipe's TX rings
 * find no buffers.  (With a per-file cap on extra buffers the region may keep some, and the pipe
 * is then created: that is a success, as good as ENOMEM.)
 */
static void test_vale_parent(void)
{
	struct nmreq_register greedy;
	int port, hog, errs[TRIES], fds[TRIES], k, err;

	err = reg_slots(&port, "vale0:pev", 0, 0, NULL);
	ok(err == 0, "VALE port vale0:pev opens (%s)", err ? strerror(err) : "0");
	err = reg_slots(&hog, "vale0:pev", 0, GREEDY_EXTRA, &greedy);
	ok(err == 0, "a second fd on vale0:pev asks for %u extra buffers: granted %u (%s)",
	   GREEDY_EXTRA, greedy.nr_extra_bufs, err ? strerror(err) : "0");

	for (k = 0; k < TRIES; k++)
		errs[k] = reg_slots(&fds[k], "vale0:pev{1", 0, 0, NULL);
	same_answers("REGISTER vale0:pev{1 on the emptied region", errs);
	for (k = 0; k < TRIES; k++)
		close(fds[k]);
	for (k = 0; k < TRIES; k++)
		errs[k] = port_info("vale0:pev{1", 0);
	same_answers("PORT_INFO_GET vale0:pev{1 on the emptied region", errs);
	for (k = 0; k < TRIES; k++)
		errs[k] = pools_info("vale0:pev{1");
	same_answers("POOLS_INFO_GET vale0:pev{1 on the emptied region", errs);

	/* The parent port is intact: a sync on it still works. */
	ok(ioctl(port, NIOCTXSYNC) == 0 && ioctl(port, NIOCRXSYNC) == 0,
	   "vale0:pev still syncs after the failed pipes");
	close(hog);
	close(port);
	ok(live() == live0, "live_objects back to %ld after closing everything (%ld)", live0, live());
	ok(!system("! grep -q '^vale0:pev' /proc/netmap_vale"), "vale0:pev is gone");
}

int main(void)
{
	live0 = live();
	ok(live0 >= 0, "live_objects at the start: %ld", live0);
	test_nested_names();
	test_implicit_parent();
	test_vale_parent();
	return t_exit();
}
