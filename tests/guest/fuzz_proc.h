/*
 * tests/guest/fuzz_proc.h - the syscall fuzzer's operations that involve more than one thread or
 * process, or the rest of the system: fork with the fd (the child does a few operations and
 * exits), kill -9 of a child in the middle of its operations, close (or munmap) from one thread
 * while another is in a sync, poll, select, epoll_wait or REGISTER on the same fd, veth and
 * persistent-port changes through /sbin/ip, module parameter changes; and the table that picks
 * the next operation and runs it.
 *
 * A forked child of a multi-threaded process may only make system calls: the children here use
 * nothing else (no stdio, no malloc) and report each step in the thread's shared stream.
 */
#ifndef NM_FUZZ_PROC_H
#define NM_FUZZ_PROC_H

#include <signal.h>
#include <sys/wait.h>

#include "fuzz_ops.h"

enum fz_child_what { CW_TXSYNC, CW_RXSYNC, CW_POLL, CW_RINGADV, CW_CLOSE, CW_MUNMAP, CW_REGISTER,
		     CW_OPENREG, CW_MAX };
static const char *const fz_child_names[CW_MAX] = { "txsync", "rxsync", "poll", "ringadv",
						    "close", "munmap", "register", "openreg" };
static const int fz_errs_child_sync[] = { ENXIO, EIO, EBUSY, EBADF, 0 };
static const int fz_errs_child_reg[] = { FZ_E_COMMON, FZ_E_LOOKUP, EIO, EBADF, EACCES, EMFILE, 0 };
static const int fz_errs_fork[] = { EAGAIN, ENOMEM, 0 };
/* A call racing with close may find the fd gone, or its number reused by another file. */
static const int fz_errs_race[] = { ENXIO, EIO, EBUSY, EBADF, ENOTTY, ENOMEM, EINTR, EPERM,
				    EINVAL, 0 };

/* REGISTER of a pool port in mode ALL_NIC, with stack memory only. */
static long fz_child_register(struct fz_rng *r, int fd, struct nmreq_register *reg)
{
	struct nmreq_header h;

	memset(reg, 0, sizeof(*reg));
	reg->nr_mode = NR_REG_ALL_NIC;
	nm_hdr_init(&h, NETMAP_REQ_REGISTER, FZ_PICK(r, fz_port_names), reg);
	return ioctl(fd, NIOCCTRL, &h);
}

/* open + REGISTER + mmap on a new fd; keeps at most 4 of them, closing the oldest. */
static long fz_child_openreg(struct fz_rng *r, int fds[4])
{
	struct nmreq_register reg;
	int fd = open("/dev/netmap", O_RDWR);

	if (fd < 0)
		return -1;
	if (fds[3] >= 0)
		close(fds[3]);
	memmove(fds + 1, fds, 3 * sizeof(int));
	fds[0] = fd;
	if (fz_child_register(r, fd, &reg))
		return -1;
	return mmap(NULL, reg.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ?
	       -1 : 0;
}

/* One step of a forked child: only system calls and arithmetic. */
static void fz_child_step(struct fz_ctx *c, struct fz_slot *s, unsigned int what,
			  struct fz_child_step *rep, int fds[4])
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN | POLLOUT };
	struct nmreq_register reg;
	struct fz_ringref rr;
	long ret = 0;

	errno = 0;
	switch (what) {
	case CW_TXSYNC: ret = ioctl(s->fd, NIOCTXSYNC); break;
	case CW_RXSYNC: ret = ioctl(s->fd, NIOCRXSYNC); break;
	case CW_POLL: ret = poll(&p, 1, (int)fz_below(&c->r, 3)); break;
	case CW_RINGADV:
		if (fz_find_ring(&c->r, s, &rr) && rr.ring->head < rr.n)
			rr.ring->head = rr.ring->cur = (rr.ring->head + 1) % rr.n;
		break;
	case CW_CLOSE: ret = close(s->fd); s->fd = -1; break;
	case CW_MUNMAP:
		if (s->map)
			ret = munmap(s->map, s->maplen);
		s->map = NULL;
		break;
	case CW_REGISTER: ret = fz_child_register(&c->r, s->fd, &reg); break;
	default: ret = fz_child_openreg(&c->r, fds);
	}
	rep->what = (int16_t)what;
	rep->ret = (int32_t)ret;
	rep->err = (int16_t)(ret < 0 ? errno : 0);
}

static const int *fz_child_errs(unsigned int what)
{
	static const int closing[] = { EBADF, 0 };

	switch (what) {
	case CW_TXSYNC: case CW_RXSYNC: return fz_errs_child_sync;
	case CW_POLL: return fz_errs_poll;
	case CW_CLOSE: return closing;
	case CW_MUNMAP: case CW_RINGADV: return fz_errs_none;
	default: return fz_errs_child_reg;	/* REGISTER; open + REGISTER + mmap */
	}
}

/* fork with the slot's fd and mapping: the child does a few steps on them and exits. */
static void fz_op_fork(struct fz_ctx *c, struct fz_slot *s)
{
	struct fz_stream *st = c->st;
	uint32_t i, n = 1 + fz_below(&c->r, 6);
	int status, fds[4] = { -1, -1, -1, -1 };
	pid_t pid;

	if (fz_need_fd(c, s))
		return;
	if (fz_pct(&c->r, 50))
		fz_bind_and_map(c, s);
	st->nchild = 0;
	fz_pre(c);
	pid = fork();
	if (pid < 0) {
		FZ_CHECK(c, "fork", -1, fz_errs_fork);
		return;
	}
	if (pid == 0) {
		for (i = 0; i < n; i++) {
			fz_child_step(c, s, fz_below(&c->r, CW_MAX), &st->child[i], fds);
			st->nchild = (int)i + 1;
		}
		_exit(0);
	}
	waitpid(pid, &status, 0);
	fz_desc(c, " child[");
	for (i = 0; i < (uint32_t)st->nchild && i < FZ_CHILD_STEPS; i++) {
		struct fz_child_step *cs = &st->child[i];
		char what[24];

		snprintf(what, sizeof(what), "%s", fz_child_names[cs->what % CW_MAX]);
		fz_check(c, what, cs->ret, cs->err, fz_child_errs((unsigned int)cs->what));
		if (cs->what == CW_REGISTER && s->reg_state == 0)
			s->reg_state = -1;	/* the child may have bound our file */
	}
	fz_desc(c, " ] status=%#x", status);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fz_violation(c, "a forked child ended with status %#x", status);
}

/* A child loops over operations until it gets SIGKILL, 0 to 40 ms after it was forked. */
static void fz_op_kill(struct fz_ctx *c, struct fz_slot *s)
{
	struct fz_stream *st = c->st;
	struct fz_child_step rep;
	int status, fds[4] = { -1, -1, -1, -1 };
	long delay = (long)fz_below(&c->r, 40000);
	pid_t pid;

	if (fz_need_fd(c, s))
		return;
	st->nchild = 0;
	fz_pre(c);
	pid = fork();
	if (pid < 0) {
		FZ_CHECK(c, "fork", -1, fz_errs_fork);
		return;
	}
	if (pid == 0) {
		for (;;) {
			unsigned int what = fz_pct(&c->r, 30) ? CW_OPENREG : fz_below(&c->r, CW_MAX);

			fz_child_step(c, s, what, &rep, fds);
			st->nchild++;
		}
	}
	fz_sleep_us(delay);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	s->reg_state = s->reg_state ? s->reg_state : -1;
	fz_desc(c, " after %ldus: %d steps, %s", delay, st->nchild,
		WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? "killed" : "died otherwise");
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		fz_violation(c, "a child looping on netmap calls ended with status %#x", status);
}

struct fz_race {
	int fd, how;
	volatile int entered, stop;
	long ret;
	int err, calls;
	short revents;
};

static const char *const fz_race_names[] = { "poll", "txsync", "rxsync", "select", "epoll",
					     "register" };

/* The other thread: one blocking call, or syncs until told to stop. */
static void *fz_race_helper(void *arg)
{
	struct fz_race *h = arg;
	struct pollfd p = { .fd = h->fd, .events = POLLIN | POLLOUT };
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct nmreq_register reg;
	struct fz_rng r = { (uint64_t)h->fd };
	fd_set rs;
	struct timeval tv = { 0, 30000 };
	int ep;

	h->entered = 1;
	errno = 0;
	switch (h->how) {
	case 0: h->ret = poll(&p, 1, 40); h->revents = p.revents; break;
	case 1: case 2:
		do
			h->ret = ioctl(h->fd, h->how == 1 ? NIOCTXSYNC : NIOCRXSYNC);
		while (!h->stop && ++h->calls < 200 && h->ret == 0);
		break;
	case 3:
		FD_ZERO(&rs);
		FD_SET(h->fd, &rs);
		h->ret = select(h->fd + 1, &rs, NULL, NULL, &tv);
		break;
	case 4:
		ep = epoll_create1(EPOLL_CLOEXEC);
		h->ret = epoll_ctl(ep, EPOLL_CTL_ADD, h->fd, &ev);
		if (!h->ret)
			h->ret = epoll_wait(ep, &out, 1, 30);
		h->err = errno;
		close(ep);
		errno = h->err;
		break;
	default: h->ret = fz_child_register(&r, h->fd, &reg);
	}
	h->err = h->ret < 0 ? errno : 0;
	return NULL;
}

/*
 * Close (or munmap, sync, REGISTER) from this thread while a helper thread is inside a call on
 * the same fd (spec §1.1: close must be safe while another thread sleeps in poll).  A helper
 * doing REGISTER never races with close: after the close its fd number may belong to another
 * slot, which it must not bind behind that slot's back.
 */
static void fz_op_race(struct fz_ctx *c, struct fz_slot *s)
{
	static const char *const actions[] = { "close", "close", "close", "close", "munmap",
					       "txsync", "register" };
	struct fz_race h = { .how = (int)fz_below(&c->r, 6) };
	uint32_t act = fz_below(&c->r, 7), spins = 0;
	struct nmreq_register reg;
	pthread_t th;

	if (fz_need_fd(c, s))
		return;
	if (fz_pct(&c->r, 70))
		fz_bind_and_map(c, s);
	if (h.how == 5 && act < 5)
		act = 5;
	h.fd = s->fd;
	fz_desc(c, " helper=%s action=%s", fz_race_names[h.how], actions[act]);
	fz_pre(c);
	if (pthread_create(&th, NULL, fz_race_helper, &h))
		return;
	while (!h.entered && spins++ < 100000)
		sched_yield();
	fz_sleep_us((long)fz_below(&c->r, 15000));
	if (act < 4) {
		FZ_CHECK(c, "close", close(s->fd), fz_errs_none);
		s->fd = -1;
		s->reg_state = 0;
		fz_drop_map(c, s, fz_pct(&c->r, 50));
	} else if (act == 4) {
		fz_drop_map(c, s, 0);
	} else if (act == 5) {
		FZ_CHECK(c, "txsync", ioctl(s->fd, NIOCTXSYNC), fz_errs_sync);
	} else {
		FZ_CHECK(c, "register", fz_child_register(&c->r, s->fd, &reg),
			 fz_errs_ctrl[NETMAP_REQ_REGISTER]);
	}
	h.stop = 1;
	pthread_join(th, NULL);
	if ((h.how == 5 || act == 6) && s->fd >= 0 && s->reg_state == 0)
		s->reg_state = -1;
	fz_desc(c, " calls=%d rev=%#x", h.calls, (unsigned short)h.revents);
	fz_check(c, "helper", h.ret, h.err, h.how == 5 ? fz_errs_child_reg : fz_errs_race);
}

/* ---- the rest of the system ---- */

static const char *const fz_netdev_cmds[] = {
	"link set veth0 down", "link set veth0 up", "link set veth1 down", "link set veth1 up",
	"link set veth1 mtu 3000", "link set veth1 mtu 1500", "link set fzp0 up",
	"link set fzp0 down", "link del fzp0",
	"link del veth0; /sbin/ip link add veth0 type veth peer name veth1; "
	"/sbin/ip link set veth0 up; /sbin/ip link set veth1 up",
	"link set veth2 down", "link set veth2 up",
	"link del veth2; /sbin/ip link add veth2 type veth peer name veth3; "
	"/sbin/ip link set veth2 up; /sbin/ip link set veth3 up",
};

static void fz_op_netdev(struct fz_ctx *c)
{
	const char *cmd = FZ_PICK(&c->r, fz_netdev_cmds);
	char line[300];

	snprintf(line, sizeof(line), "{ /sbin/ip %s; } >/dev/null 2>&1", cmd);
	fz_desc(c, " ip %.40s", cmd);
	fz_pre(c);
	fz_desc(c, " rc=%d", system(line));
}

struct fz_param {
	const char *name;
	int values[4];
};

/* Behaviour knobs only: pool sizes could ask the 2 GB guest for gigabytes. */
static const struct fz_param fz_params[] = {
	{ "admode", { 0, 1, 2, 7 } }, { "generic_ringsize", { 64, 1024, 3, 100000 } },
	{ "generic_mit", { 0, 100000, 50000, -1 } }, { "no_timestamp", { 0, 1, 0, 1 } },
	{ "fwd", { 0, 1, 0, 1 } }, { "bridge_batch", { 1, 1024, 5000, 0 } },
	{ "txsync_retry", { 0, 2, 100, -1 } }, { "max_extra_bufs", { 0, 16384, 10, 16384 } },
	{ "generic_txqdisc", { 0, 1, 0, 1 } }, { "generic_hwcsum", { 0, 1, 0, 1 } },
	{ "buf_size", { 1024, 2048, 2048, 2048 } },
};

static void fz_op_param(struct fz_ctx *c)
{
	const struct fz_param *p = &FZ_PICK(&c->r, fz_params);
	int v = p->values[fz_below(&c->r, 4)], fd;
	char path[128], val[16];
	long ret;

	snprintf(path, sizeof(path), "/sys/module/netmap/parameters/%s", p->name);
	snprintf(val, sizeof(val), "%d\n", v);
	fz_desc(c, " %s=%d", p->name, v);
	fz_pre(c);
	fd = open(path, O_WRONLY);
	ret = fd < 0 ? -1 : write(fd, val, strlen(val));
	fz_desc(c, " ->%s", ret < 0 ? fz_errname(errno) : "0");
	if (fd >= 0)
		close(fd);
}

/* ---- picking and running the next operation ---- */

/* Per mille; must add up to 1000. */
static const uint16_t fz_op_weight[OP_MAX] = {
	[OP_OPEN] = 60, [OP_CLOSE] = 50, [OP_CTRL] = 290, [OP_LEGACY] = 50, [OP_IOCTL] = 25,
	[OP_MMAP] = 70, [OP_MUNMAP] = 25, [OP_RINGW] = 130, [OP_SYNC] = 80, [OP_POLL] = 50,
	[OP_SELECT] = 15, [OP_EPOLL] = 40, [OP_DUP] = 25, [OP_FORK] = 20, [OP_KILL] = 20,
	[OP_RACE] = 40, [OP_NETDEV] = 5, [OP_PARAM] = 5,
};

static enum fz_op fz_pick_op(struct fz_rng *r)
{
	uint32_t k = fz_below(r, 1000), op;

	for (op = 0; op < OP_MAX - 1 && k >= fz_op_weight[op]; op++)
		k -= fz_op_weight[op];
	return (enum fz_op)op;
}

typedef void (*fz_slot_fn)(struct fz_ctx *, struct fz_slot *);
static const fz_slot_fn fz_slot_ops[OP_MAX] = {
	[OP_OPEN] = fz_op_open, [OP_CLOSE] = fz_op_close, [OP_CTRL] = fz_op_ctrl,
	[OP_LEGACY] = fz_op_legacy, [OP_IOCTL] = fz_op_ioctl, [OP_MMAP] = fz_op_mmap,
	[OP_MUNMAP] = fz_op_munmap, [OP_RINGW] = fz_op_ringw, [OP_SYNC] = fz_op_sync,
	[OP_POLL] = fz_op_poll, [OP_SELECT] = fz_op_select, [OP_EPOLL] = fz_op_epoll,
	[OP_DUP] = fz_op_dup, [OP_FORK] = fz_op_fork, [OP_KILL] = fz_op_kill, [OP_RACE] = fz_op_race,
};

/* Runs operation c->opno, whose generator c->r is already seeded. */
static void fz_run_op(struct fz_ctx *c)
{
	enum fz_op op = fz_pick_op(&c->r);
	uint32_t si = fz_below(&c->r, FZ_SLOTS);
	struct fz_slot *s = &c->wk->slot[si];

	fz_op_begin(c, op);
	if (op == OP_NETDEV) {
		fz_op_netdev(c);
	} else if (op == OP_PARAM) {
		fz_op_param(c);
	} else {
		fz_desc(c, " s%u", si);
		pthread_mutex_lock(&s->lock);
		if (op != OP_CTRL && op != OP_LEGACY && op != OP_IOCTL)
			fz_slot_ops[op](c, s);
		else if (!fz_need_fd(c, s))
			fz_slot_ops[op](c, s);
		pthread_mutex_unlock(&s->lock);
	}
	c->st->op_start = 0;
	c->st->done++;
	__atomic_fetch_add(&fz_sh->total, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&fz_sh->by_op[op], 1, __ATOMIC_RELAXED);
	if (fz_sh->replay)
		fz_say("# %s\n", c->line);
}

#endif /* NM_FUZZ_PROC_H */
