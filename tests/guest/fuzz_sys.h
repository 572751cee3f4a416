/*
 * tests/guest/fuzz_sys.h - the common part of the syscall fuzzer (fuzz_syscalls.c): the PRNG, the
 * state shared by the parent and the worker processes (one MAP_SHARED block: counters, flags and
 * each thread's ring of its last operations), the per-thread context, and the one-line op
 * descriptions and errno checks every operation goes through.
 *
 * Determinism: every thread has its own stream, derived from (seed, worker, thread).  Each
 * operation takes exactly one number from it and seeds a private generator for the operation
 * with it, so what operation #i of a thread does depends only on (seed, worker, thread, i),
 * never on what earlier calls returned.  Only the interleaving between threads and processes
 * varies from run to run, and --replay serialises it too.
 */
#ifndef NM_FUZZ_SYS_H
#define NM_FUZZ_SYS_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nm.h"

#define FZ_MAX_WORKERS	16
#define FZ_MAX_THREADS	8
#define FZ_MAX_STREAMS	(FZ_MAX_WORKERS * FZ_MAX_THREADS)
#define FZ_RING		32	/* last operations kept per thread */
#define FZ_LINE		240	/* one operation, described */
#define FZ_SLOTS	6	/* /dev/netmap fds per worker, shared by its threads */
#define FZ_ORPHANS	4	/* mappings kept after their fd was closed, per worker */
#define FZ_ERRNO_MAX	136
#define FZ_CHILD_STEPS	8
#define FZ_HANG_NS	(20LL * 1000000000LL)	/* a call stuck this long fails the run */
#define FZ_PAGE		4096

/* ---- PRNG: splitmix64, one stream per thread, one sub-generator per operation ---- */

struct fz_rng {
	uint64_t s;
};

static inline uint64_t fz_next(struct fz_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline struct fz_rng fz_rng_for(uint64_t seed, unsigned int w, unsigned int t)
{
	struct fz_rng r = { seed ^ ((uint64_t)(w + 1) << 40) ^ ((uint64_t)(t + 1) << 20) };

	fz_next(&r);
	return r;
}

static inline uint32_t fz_below(struct fz_rng *r, uint32_t n)
{
	return n ? (uint32_t)(fz_next(r) % n) : 0;
}

static inline int fz_pct(struct fz_rng *r, unsigned int pct)
{
	return fz_below(r, 100) < pct;
}

#define FZ_PICK(r, arr) ((arr)[fz_below((r), sizeof(arr) / sizeof((arr)[0]))])

/* ---- operations ---- */

enum fz_op {
	OP_OPEN, OP_CLOSE, OP_CTRL, OP_LEGACY, OP_IOCTL, OP_MMAP, OP_MUNMAP, OP_RINGW, OP_SYNC,
	OP_POLL, OP_SELECT, OP_EPOLL, OP_DUP, OP_FORK, OP_KILL, OP_RACE, OP_NETDEV, OP_PARAM,
	OP_MAX
};

static const char *const fz_op_names[OP_MAX] = {
	"OPEN", "CLOSE", "NIOCCTRL", "LEGACY", "IOCTL", "MMAP", "MUNMAP", "RINGW", "SYNC", "POLL",
	"SELECT", "EPOLL", "DUP", "FORK", "KILL", "RACE", "NETDEV", "PARAM",
};

/* ---- state shared by the parent and every worker (one anonymous MAP_SHARED block) ---- */

/* One step a forked child ran, reported back to the thread that forked it. */
struct fz_child_step {
	int16_t what;		/* enum fz_child_what (fuzz_ops.h) */
	int16_t err;		/* errno, 0 on success */
	int32_t ret;
};

struct fz_stream {
	volatile long done;		/* operations completed */
	volatile int64_t op_start;	/* CLOCK_MONOTONIC ns of the running op, 0 if none */
	volatile unsigned int head;	/* ring entries written */
	volatile int nchild;
	struct fz_child_step child[FZ_CHILD_STEPS];
	char ring[FZ_RING][FZ_LINE];
};

struct fz_shared {
	uint64_t seed;
	int workers, threads, replay;
	long ops;			/* per worker */
	volatile int stop;		/* the parent wants everyone out */
	long total;			/* operations done, all threads */
	long by_op[OP_MAX];
	long errnos[FZ_ERRNO_MAX];
	long nerrs;			/* failed calls */
	long violations;		/* errno outside the spec, or a broken promise */
	/* --replay: one operation at a time, in a fixed order */
	pthread_mutex_t turn_lock;
	pthread_cond_t turn_cv;
	long turn;
	struct fz_stream streams[FZ_MAX_STREAMS];
};

static struct fz_shared *fz_sh;

/* ---- per-worker state (private to the worker process, shared by its threads) ---- */

struct fz_slot {
	pthread_mutex_t lock;		/* held for a whole operation on this slot */
	int fd;				/* -1: closed */
	int oflags;			/* open(2) flags */
	int reg_state;			/* 0 not registered, 1 registered (reg valid), -1 unknown */
	struct nmreq_register reg;	/* reply of the REGISTER that bound the fd */
	char name[NETMAP_REQ_IFNAMSIZ];
	char *map;			/* our mapping of the fd's region, or NULL */
	size_t maplen;
	uint64_t mapoff;
	int map_writable;		/* PROT_WRITE, and within the region */
};

struct fz_orphan {
	char *p;
	size_t len;
};

struct fz_worker {
	int w;
	int epfd;			/* long-lived epoll instance: fds get closed while in it */
	struct fz_slot slot[FZ_SLOTS];
	pthread_mutex_t orphan_lock;
	struct fz_orphan orphan[FZ_ORPHANS];
};

/* ---- per-thread context ---- */

struct fz_ctx {
	struct fz_worker *wk;
	struct fz_stream *st;
	int w, t;
	long opno;
	struct fz_rng r;		/* this operation's generator */
	size_t len;
	char line[FZ_LINE];
	char *scratch;			/* 2 pages: requests, options, bodies */
	char *guard;			/* a page followed by a PROT_NONE page */
	char *ro;			/* a page that is read-only while a call runs */
};

static inline int64_t fz_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void fz_sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static inline const char *fz_errname(int e)
{
	static __thread char buf[16];
	const char *n = e ? strerrorname_np(e) : "0";

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/* One write(2) per message, so lines of different processes never interleave. */
static void fz_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fz_say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (n > 0 && write(1, buf, n) < 0)
		return;
}

/* Copies the description so far into this thread's ring entry (the parent may dump it). */
static void fz_ring_update(struct fz_ctx *c)
{
	char *e = c->st->ring[(c->st->head - 1) % FZ_RING];

	memcpy(e, c->line, c->len + 1);
}

/* Appends to the operation's one-line description; the ring entry follows it. */
static void fz_desc(struct fz_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fz_desc(struct fz_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->len >= sizeof(c->line) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(c->line + c->len, sizeof(c->line) - c->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->len += (size_t)n < sizeof(c->line) - c->len ? (size_t)n : sizeof(c->line) - 1 - c->len;
	fz_ring_update(c);
}

/* Starts the description of operation #opno: "[  12.345678] w2 t1 #4711 NAME". */
static void fz_op_begin(struct fz_ctx *c, enum fz_op op)
{
	int64_t now = fz_now_ns();

	c->st->head++;
	c->len = 0;
	c->line[0] = '\0';
	fz_desc(c, "[%5lld.%06lld] w%d t%d #%ld %s", (long long)(now / 1000000000),
		(long long)(now % 1000000000 / 1000), c->w, c->t, c->opno, fz_op_names[op]);
	c->st->op_start = now;
}

/* --replay prints each call's description just before the call is made. */
static inline void fz_pre(struct fz_ctx *c)
{
	if (fz_sh->replay)
		fz_say("#   %s ...\n", c->line);
}

static void fz_violation(struct fz_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fz_violation(struct fz_ctx *c, const char *fmt, ...)
{
	char what[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (__atomic_fetch_add(&fz_sh->violations, 1, __ATOMIC_RELAXED) < 25)
		fz_say("not ok - %s (seed %llu): %s\n", what, (unsigned long long)fz_sh->seed,
		       c->line);
}

static int fz_errno_in(int err, const int *allowed)
{
	for (; *allowed; allowed++)
		if (*allowed == err)
			return 1;
	return 0;
}

/*
 * Records the outcome of one call in the description ("what->0", "what->EINVAL"), counts the
 * errno and checks it against the 0-terminated list the spec allows for this call.  Returns the
 * errno, 0 on success.
 */
static int fz_check(struct fz_ctx *c, const char *what, long ret, int err, const int *allowed)
{
	if (ret >= 0) {
		fz_desc(c, " %s->%ld", what, ret);
		return 0;
	}
	fz_desc(c, " %s->%s", what, fz_errname(err));
	__atomic_fetch_add(&fz_sh->nerrs, 1, __ATOMIC_RELAXED);
	if (err > 0 && err < FZ_ERRNO_MAX)
		__atomic_fetch_add(&fz_sh->errnos[err], 1, __ATOMIC_RELAXED);
	if (!fz_errno_in(err, allowed))
		fz_violation(c, "%s failed with %s, which the spec does not allow here",
			     what[0] ? what : "the call", fz_errname(err));
	return err ? err : -1;
}

/* fz_check() on a call made here: errno is read after the call, not as another argument. */
#define FZ_CHECK(c, what, call, allowed)						\
	__extension__ ({								\
		long _fz_ret = (long)(call);						\
		int _fz_err = errno;							\
		fz_check((c), (what), _fz_ret, _fz_err, (allowed));			\
	})

#endif /* NM_FUZZ_SYS_H */
