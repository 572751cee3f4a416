/*
 * tests/guest/fuzz_syscalls.c - a syscall fuzzer for /dev/netmap, run in the guest.
 *
 *   fuzz_syscalls [--seed S] [--ops N] [--workers W] [--threads T] [--replay]
 *
 * W worker processes of T threads each issue random but well-typed sequences of calls on
 * /dev/netmap: NIOCCTRL requests of every type with option chains good and bad, the legacy
 * ioctls, mmap/munmap, writes into the mapped rings followed by syncs, poll/select/epoll, fork,
 * kill -9 of children, close while another thread is inside a call on the same fd, dup, veth and
 * module parameter changes (fuzz_req.h, fuzz_ops.h, fuzz_proc.h).  N is the number of operations
 * per worker (default FZ_DEFAULT_OPS, or $NM_FUZZ_OPS), so the run ends by itself.
 *
 * This file owns the program: the worker processes and threads, the parent that watches the
 * kernel log (/dev/kmsg, the splat patterns of vm/run) and the calls in flight (a call running
 * for more than 20 s fails the run), the cleanup (persistent ports deleted, switches detached,
 * parameters restored, veth pair removed) and the final checks: live_objects and open_files
 * back to 0, every errno one the spec allows.
 *
 * Why the parent is the watchdog: a worker stuck in the kernel cannot run its own alarm handler
 * if all its threads are stuck, but the parent never enters netmap.  The parent itself runs its
 * cleanup under alarm(), since that part does call into netmap.
 *
 * Replay: the first line is "seed S".  The same seed and counts give every thread the same
 * sequence of operations (fuzz_sys.h).  --replay also fixes the interleaving: one operation at a
 * time, round robin over the threads, each printed as it runs.  On a failure the program prints
 * the seed, the kernel log lines, and the last FZ_RING operations of every thread.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>

#include "fuzz_proc.h"

#define FZ_DEFAULT_OPS		250
#define FZ_DEFAULT_WORKERS	3
#define FZ_DEFAULT_THREADS	2

/* ---- command line ---- */

static void fz_usage(void)
{
	fprintf(stderr, "usage: fuzz_syscalls [--seed S] [--ops N] [--workers W (1-%d)] "
		"[--threads T (1-%d)] [--replay]\n"
		"  N is per worker (default %d, or $NM_FUZZ_OPS)\n", FZ_MAX_WORKERS, FZ_MAX_THREADS,
		FZ_DEFAULT_OPS);
	exit(2);
}

static void fz_parse_args(int argc, char **argv, struct fz_shared *sh)
{
	const char *env = getenv("NM_FUZZ_OPS");
	int i;

	sh->seed = (uint64_t)fz_now_ns() ^ ((uint64_t)getpid() << 32);
	sh->seed %= 1000000000000ull;	/* short enough to type */
	sh->ops = env && atol(env) > 0 ? atol(env) : FZ_DEFAULT_OPS;
	sh->workers = FZ_DEFAULT_WORKERS;
	sh->threads = FZ_DEFAULT_THREADS;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--replay")) {
			sh->replay = 1;
			continue;
		}
		if (!v)
			fz_usage();
		if (!strcmp(a, "--seed"))
			sh->seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--ops"))
			sh->ops = atol(v);
		else if (!strcmp(a, "--workers"))
			sh->workers = atoi(v);
		else if (!strcmp(a, "--threads"))
			sh->threads = atoi(v);
		else
			fz_usage();
		i++;
	}
	if (sh->ops < 0 || sh->workers < 1 || sh->workers > FZ_MAX_WORKERS || sh->threads < 1 ||
	    sh->threads > FZ_MAX_THREADS)
		fz_usage();
}

/* ---- --replay: operation i of every thread, thread by thread, then i + 1 ---- */

static long fz_ops_of(int stream)
{
	int t = stream % fz_sh->threads;

	return fz_sh->ops / fz_sh->threads + (t < fz_sh->ops % fz_sh->threads);
}

static long fz_turn_of(int stream, long i)
{
	long turn = 0;
	int s;

	for (s = 0; s < fz_sh->workers * fz_sh->threads; s++) {
		long n = fz_ops_of(s);

		turn += n < i ? n : i;
		if (s < stream && n > i)
			turn++;
	}
	return turn;
}

static int fz_turn_wait(long turn)
{
	struct timespec ts;

	pthread_mutex_lock(&fz_sh->turn_lock);
	while (fz_sh->turn != turn && !fz_sh->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000;
		if (ts.tv_nsec >= 1000000000)
			ts.tv_sec++, ts.tv_nsec -= 1000000000;
		pthread_cond_timedwait(&fz_sh->turn_cv, &fz_sh->turn_lock, &ts);
	}
	pthread_mutex_unlock(&fz_sh->turn_lock);
	return !fz_sh->stop;
}

static void fz_turn_done(void)
{
	pthread_mutex_lock(&fz_sh->turn_lock);
	fz_sh->turn++;
	pthread_cond_broadcast(&fz_sh->turn_cv);
	pthread_mutex_unlock(&fz_sh->turn_lock);
}

/* ---- workers ---- */

struct fz_thread_arg {
	struct fz_worker *wk;
	int t;
};

static char *fz_pages(size_t n)
{
	char *p = mmap(NULL, n * FZ_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fz_say("not ok - fuzz_syscalls: mmap of scratch pages: %s\n", strerror(errno));
		_exit(1);
	}
	return p;
}

static void *fz_thread_main(void *arg)
{
	struct fz_thread_arg *ta = arg;
	int idx = ta->wk->w * fz_sh->threads + ta->t;
	struct fz_ctx c = { .wk = ta->wk, .st = &fz_sh->streams[idx], .w = ta->wk->w, .t = ta->t };
	struct fz_rng stream = fz_rng_for(fz_sh->seed, (unsigned int)c.w, (unsigned int)c.t);
	long i, n = fz_ops_of(idx);

	c.scratch = fz_pages(2);
	c.guard = fz_pages(2);
	mprotect(c.guard + FZ_PAGE, FZ_PAGE, PROT_NONE);
	c.ro = fz_pages(1);
	for (i = 0; i < n && !fz_sh->stop; i++) {
		uint64_t opseed = fz_next(&stream);

		if (fz_sh->replay && !fz_turn_wait(fz_turn_of(idx, i)))
			break;
		c.opno = i;
		c.r.s = opseed;
		fz_run_op(&c);
		if (fz_sh->replay)
			fz_turn_done();
	}
	munmap(c.scratch, 2 * FZ_PAGE);
	munmap(c.guard, 2 * FZ_PAGE);
	munmap(c.ro, FZ_PAGE);
	return NULL;
}

static void fz_worker_main(int w)
{
	static struct fz_worker wk;
	struct fz_thread_arg ta[FZ_MAX_THREADS];
	pthread_t th[FZ_MAX_THREADS];
	int i;

	wk.w = w;
	wk.epfd = epoll_create1(EPOLL_CLOEXEC);
	pthread_mutex_init(&wk.orphan_lock, NULL);
	for (i = 0; i < FZ_SLOTS; i++) {
		pthread_mutex_init(&wk.slot[i].lock, NULL);
		wk.slot[i].fd = -1;
	}
	for (i = 0; i < fz_sh->threads; i++) {
		ta[i].wk = &wk;
		ta[i].t = i;
		if (pthread_create(&th[i], NULL, fz_thread_main, &ta[i])) {
			fz_say("not ok - worker %d: pthread_create failed\n", w);
			_exit(1);
		}
	}
	for (i = 0; i < fz_sh->threads; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < FZ_SLOTS; i++) {
		if (wk.slot[i].map)
			munmap(wk.slot[i].map, wk.slot[i].maplen);
		if (wk.slot[i].fd >= 0)
			close(wk.slot[i].fd);
	}
	for (i = 0; i < FZ_ORPHANS; i++)
		if (wk.orphan[i].p)
			munmap(wk.orphan[i].p, wk.orphan[i].len);
	close(wk.epfd);
	_exit(0);
}

/* ---- the parent: the kernel log ---- */

static const char *const fz_splat[] = {
	"BUG:", "WARNING:", "Oops", "general protection", "KASAN", "UBSAN", "refcount_t:",
	"list_add corruption", "list_del corruption", "hung task", "blocked for more than",
	"Call Trace",
};

struct fz_kmsg {
	int fd, checks, hits, context, nlines;
	char lines[60][200];
};

/* A splat pattern, or one of the module's own "netmap: mem N: bug:" reports. */
static int fz_is_splat(const char *msg)
{
	unsigned int i;

	for (i = 0; i < sizeof(fz_splat) / sizeof(fz_splat[0]); i++)
		if (strstr(msg, fz_splat[i]))
			return 1;
	return !strncmp(msg, "netmap: mem ", 12) && strstr(msg, ": bug:");
}

/* Reads the records added since the last call; keeps the splats and the lines after them. */
static void fz_kmsg_scan(struct fz_kmsg *k)
{
	char rec[2048];
	ssize_t n;

	k->checks++;
	while (k->fd >= 0) {
		char *msg, *end;
		unsigned long long ts = 0;

		n = read(k->fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* records overwritten before we read them */
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		*msg++ = '\0';
		if ((end = strchr(msg, '\n')))
			*end = '\0';
		sscanf(rec, "%*u,%*u,%llu", &ts);
		if (fz_is_splat(msg)) {
			k->hits++;
			k->context = 30;
		}
		if (k->context > 0 && k->nlines < 60) {
			k->context--;
			snprintf(k->lines[k->nlines++], sizeof(k->lines[0]), "[%5llu.%06llu] %s",
				 ts / 1000000, ts % 1000000, msg);
		}
	}
}

/* Every thread's last operations, oldest first; '*' marks one still running. */
static void fz_dump_ops(void)
{
	int s, j;

	fz_say("# last operations of every thread (oldest first, * = running); replay with:\n"
	       "#   fuzz_syscalls --seed %llu --ops %ld --workers %d --threads %d [--replay]\n",
	       (unsigned long long)fz_sh->seed, fz_sh->ops, fz_sh->workers, fz_sh->threads);
	for (s = 0; s < fz_sh->workers * fz_sh->threads; s++) {
		struct fz_stream *st = &fz_sh->streams[s];
		unsigned int head = st->head, first = head > FZ_RING ? head - FZ_RING : 0;

		for (j = (int)first; j < (int)head; j++)
			fz_say("# %c %.*s\n", j == (int)head - 1 && st->op_start ? '*' : ' ',
			       FZ_LINE, st->ring[j % FZ_RING]);
	}
}

static void fz_report_splat(struct fz_kmsg *k)
{
	int i;

	fz_say("not ok - kernel splat while fuzzing (seed %llu)\n", (unsigned long long)fz_sh->seed);
	for (i = 0; i < k->nlines; i++)
		fz_say("# kernel: %s\n", k->lines[i]);
	fz_dump_ops();
}

/* A call in flight for more than FZ_HANG_NS: report it once. */
static int fz_find_hang(void)
{
	int64_t now = fz_now_ns();
	int s;

	for (s = 0; s < fz_sh->workers * fz_sh->threads; s++) {
		struct fz_stream *st = &fz_sh->streams[s];
		int64_t start = st->op_start;

		if (start && now - start > FZ_HANG_NS) {
			fz_say("not ok - a call has been running for %lld s (seed %llu): %.*s\n",
			       (long long)((now - start) / 1000000000), (unsigned long long)fz_sh->seed,
			       FZ_LINE, st->ring[(st->head - 1) % FZ_RING]);
			return 1;
		}
	}
	return 0;
}

/* ---- the parent: watching the workers ---- */

struct fz_outcome {
	int splat, hang, worker_failed;
	int64_t start, end;
};

/* Reaps finished workers; returns how many are still running. */
static int fz_reap(pid_t *pids, struct fz_outcome *out)
{
	int w, alive = 0, status;

	for (w = 0; w < fz_sh->workers; w++) {
		if (pids[w] <= 0)
			continue;
		if (waitpid(pids[w], &status, WNOHANG) != pids[w]) {
			alive++;
			continue;
		}
		pids[w] = 0;
		if (out->hang)
			continue;	/* we killed it */
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fz_say("not ok - worker %d ended with status %#x (seed %llu)\n", w, status,
			       (unsigned long long)fz_sh->seed);
			if (!out->worker_failed++)
				fz_dump_ops();
			fz_sh->stop = 1;
		}
	}
	return alive;
}

static void fz_kill_workers(pid_t *pids)
{
	int w;

	for (w = 0; w < fz_sh->workers; w++)
		if (pids[w] > 0)
			kill(pids[w], SIGKILL);
}

/*
 * Until every worker is done: the kernel log every 256 operations or every second, hung calls,
 * progress every 10 s.  A splat or a hang stops the workers at once, so that their last
 * operations are still those around it.
 */
static void fz_monitor(pid_t *pids, struct fz_kmsg *k, struct fz_outcome *out)
{
	int64_t last_scan = fz_now_ns(), last_note = last_scan, hang_at = 0;
	long last_total = 0;

	while (fz_reap(pids, out) > 0) {
		int64_t now = fz_now_ns();
		long total = fz_sh->total;

		fz_sleep_us(50000);
		if (total - last_total >= 256 || now - last_scan >= 1000000000LL) {
			int hits = k->hits;

			fz_kmsg_scan(k);
			last_total = total;
			last_scan = now;
			if (k->hits > hits && !out->splat++) {
				fz_sh->stop = 1;
				fz_report_splat(k);
			}
		}
		if (!out->hang && fz_find_hang()) {
			out->hang = 1;
			hang_at = now;
			fz_sh->stop = 1;
			fz_dump_ops();
			fz_kill_workers(pids);
		}
		if (out->hang && now - hang_at > 10000000000LL) {
			fz_say("# workers still stuck 10 s after SIGKILL: giving up on them\n");
			break;
		}
		if (now - last_note > 10000000000LL) {
			last_note = now;
			fz_say("# progress: %ld operations, %lld s\n", total,
			       (long long)((now - out->start) / 1000000000));
		}
	}
}

/* ---- the parent: setup and cleanup ---- */

static char fz_saved_params[sizeof(fz_params) / sizeof(fz_params[0])][32];

static void fz_params_io(int restore)
{
	unsigned int i;

	for (i = 0; i < sizeof(fz_params) / sizeof(fz_params[0]); i++) {
		char path[128];
		int fd;
		ssize_t n;

		snprintf(path, sizeof(path), "/sys/module/netmap/parameters/%s", fz_params[i].name);
		fd = open(path, restore ? O_WRONLY : O_RDONLY);
		if (fd < 0)
			continue;
		if (restore && fz_saved_params[i][0]) {
			n = write(fd, fz_saved_params[i], strlen(fz_saved_params[i]));
		} else if (!restore) {
			n = read(fd, fz_saved_params[i], sizeof(fz_saved_params[i]) - 1);
			fz_saved_params[i][n > 0 ? n : 0] = '\0';
		}
		close(fd);
	}
}

static int fz_sh_cmd(const char *cmd)
{
	int rc = system(cmd);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* veth0/veth1 for ports, veth2/veth3 mostly for switches. */
static int fz_setup_veth(void)
{
	fz_sh_cmd("modprobe veth 2>/dev/null; "
		  "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null; "
		  "/sbin/ip link del veth0 >/dev/null 2>&1; /sbin/ip link del veth2 >/dev/null 2>&1");
	return fz_sh_cmd("/sbin/ip link add veth0 type veth peer name veth1 && "
			 "/sbin/ip link set veth0 up && /sbin/ip link set veth1 up && "
			 "/sbin/ip link add veth2 type veth peer name veth3 && "
			 "/sbin/ip link set veth2 up && /sbin/ip link set veth3 up");
}

/* A NIOCCTRL the cleanup needs; returns 0 or errno. */
static int fz_ctrl(int fd, uint16_t type, const char *name, void *body)
{
	struct nmreq_header h;

	nm_hdr_init(&h, type, name, body);
	return ioctl(fd, NIOCCTRL, &h) ? errno : 0;
}

/* Detaches whatever the run may have attached, deletes what it may have created. */
static int fz_cleanup_ports(void)
{
	static const char *const sw[] = { "vale0:", "vale1:" };
	static const char *const ifs[] = { "veth0", "veth1", "veth2", "veth3", "fzp0", "fzp1",
					   "fzp-name-too-lo", "lo" };
	struct nmreq_vale_detach det;
	struct nmreq_vale_polling poll;
	char name[32];
	unsigned int i, j, pass, tries;
	int fd = open("/dev/netmap", O_RDWR), err, left = 0;

	if (fd < 0)
		return -1;
	memset(&poll, 0, sizeof(poll));
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < 2; i++)
			for (j = 0; j < sizeof(ifs) / sizeof(ifs[0]); j++) {
				snprintf(name, sizeof(name), "%s%s", sw[i], ifs[j]);
				/* polling threads keep a device attached (EBUSY) */
				fz_ctrl(fd, NETMAP_REQ_VALE_POLLING_DISABLE, name, &poll);
				fz_ctrl(fd, NETMAP_REQ_VALE_DETACH, name, &det);
			}
	for (i = 0; i < sizeof(fz_created_names) / sizeof(fz_created_names[0]); i++) {
		for (tries = 0; tries < 30; tries++) {
			err = fz_ctrl(fd, NETMAP_REQ_VALE_DELIF, fz_created_names[i], NULL);
			if (err != EBUSY)
				break;
			fz_sleep_us(100000);
		}
		if (err && err != ENXIO && err != EINVAL) {
			fz_say("# cleanup: DELIF %s: %s\n", fz_created_names[i], fz_errname(err));
			left++;
		}
	}
	close(fd);
	return left;
}

/*
 * Waits up to 5 s (killed children may still be closing) for open_files to reach 0 and
 * live_objects its value before the run: the loaded module alone holds a few objects.
 */
static int fz_counters_settle(long live0, long *live, long *files)
{
	int i;

	for (i = 0; i < 50; i++) {
		*live = t_read_long(NMSYS "live_objects");
		*files = t_read_long(NMSYS "open_files");
		if (*live == live0 && *files == 0)
			return 1;
		fz_sleep_us(100000);
	}
	return 0;
}

static void fz_alarm(int sig)
{
	(void)sig;
	fz_say("not ok - the cleanup after fuzzing hung for 120 s (seed %llu)\n",
	       (unsigned long long)fz_sh->seed);
	_exit(1);
}

/* ---- the parent: results ---- */

static void fz_print_totals(const struct fz_outcome *out)
{
	char types[600], errs[600];
	size_t n = 0, m = 0;
	double secs = (double)(out->end - out->start) / 1e9;
	int i;

	types[0] = errs[0] = '\0';
	for (i = 0; i < OP_MAX; i++)
		n += (size_t)snprintf(types + n, sizeof(types) - n, "%s%s %ld", i ? ", " : "",
				      fz_op_names[i], fz_sh->by_op[i]);
	for (i = 1; i < FZ_ERRNO_MAX && m < sizeof(errs) - 32; i++)
		if (fz_sh->errnos[i])
			m += (size_t)snprintf(errs + m, sizeof(errs) - m, "%s%s %ld", m ? ", " : "",
					      fz_errname(i), fz_sh->errnos[i]);
	fz_say("fuzz: %ld operations executed (by type: %s), %ld errnos seen (%s), seed %llu\n",
	       fz_sh->total, types, fz_sh->nerrs, errs, (unsigned long long)fz_sh->seed);
	fz_say("# %ld operations in %.1f s: %.1f operations/s\n", fz_sh->total, secs,
	       secs > 0 ? (double)fz_sh->total / secs : 0.0);
}

static int fz_summary(const struct fz_outcome *out, const struct fz_kmsg *k, int ports_left,
		      int settled, long live0, long live, long files)
{
	unsigned long long seed = (unsigned long long)fz_sh->seed;

	fz_print_totals(out);
	ok(fz_sh->violations == 0, "every call returned success or an errno the spec allows, "
	   "and kept its promises (%ld violations, seed %llu)", fz_sh->violations, seed);
	ok(!out->hang, "no call ran for more than 20 s (seed %llu)", seed);
	ok(k->fd >= 0 && !k->hits, "no kernel splat (%d checks of the kernel log, seed %llu)",
	   k->checks, seed);
	ok(!out->worker_failed, "every worker finished (%d processes x %d threads, seed %llu)",
	   fz_sh->workers, fz_sh->threads, seed);
	ok(!ports_left, "persistent ports deleted and switches detached after the run");
	ok(settled, "live_objects %ld (%ld before the run) and open_files %ld (must be 0) after the run",
	   live, live0, files);
	return t_exit();
}

/*
 * The shared block sits between two PROT_NONE pages: a stray write of the fuzzer (it writes into
 * mappings next to it) faults at once instead of corrupting the results.
 */
static struct fz_shared *fz_shared_new(void)
{
	size_t size = (sizeof(struct fz_shared) + FZ_PAGE - 1) / FZ_PAGE * FZ_PAGE;
	char *p = mmap(NULL, size + 2 * FZ_PAGE, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct fz_shared *sh = (struct fz_shared *)(p + FZ_PAGE);
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;

	if (p == MAP_FAILED || mprotect(sh, size, PROT_READ | PROT_WRITE)) {
		printf("not ok - fuzz_syscalls: no shared memory: %s\n", strerror(errno));
		exit(1);
	}
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&sh->turn_lock, &ma);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_cond_init(&sh->turn_cv, &ca);
	return sh;
}

int main(int argc, char **argv)
{
	struct fz_kmsg k = { .fd = -1 };
	struct fz_outcome out = { 0 };
	pid_t pids[FZ_MAX_WORKERS] = { 0 };
	long live0, live = -1, files = -1;
	int w, left, settled;

	fz_sh = fz_shared_new();
	fz_parse_args(argc, argv, fz_sh);
	fz_say("seed %llu\n", (unsigned long long)fz_sh->seed);
	fz_say("# fuzz_syscalls --seed %llu --ops %ld --workers %d --threads %d%s\n",
	       (unsigned long long)fz_sh->seed, fz_sh->ops, fz_sh->workers, fz_sh->threads,
	       fz_sh->replay ? " --replay" : "");
	if (fz_setup_veth())
		fz_say("# could not create veth0-veth3: their ports will only give errors\n");
	fz_params_io(0);
	k.fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (k.fd >= 0)
		lseek(k.fd, 0, SEEK_END);
	live0 = t_read_long(NMSYS "live_objects");
	fz_say("# live_objects %ld, open_files %ld before the run\n", live0,
	       t_read_long(NMSYS "open_files"));
	fflush(stdout);
	out.start = fz_now_ns();
	for (w = 0; w < fz_sh->workers; w++) {
		pids[w] = fork();
		if (pids[w] == 0)
			fz_worker_main(w);
		if (pids[w] < 0)
			fz_say("not ok - fork of worker %d: %s\n", w, strerror(errno));
	}
	fz_monitor(pids, &k, &out);
	out.end = fz_now_ns();
	signal(SIGALRM, fz_alarm);
	alarm(120);
	left = fz_cleanup_ports();
	fz_params_io(1);
	fz_sh_cmd("/sbin/ip link del veth0 >/dev/null 2>&1; /sbin/ip link del veth2 >/dev/null 2>&1");
	settled = fz_counters_settle(live0, &live, &files);
	if (!settled)	/* what is left: ports, interfaces, module users, open or mapped files */
		fz_sh_cmd("{ cat /proc/netmap_vale /proc/netmap_generic; /sbin/ip -o link show; "
			  "grep '^netmap ' /proc/modules; ls -l /proc/[0-9]*/fd 2>/dev/null | "
			  "grep netmap; grep -l netmap /proc/[0-9]*/maps; } 2>&1 | sed 's/^/# left: /'");
	alarm(0);
	fz_kmsg_scan(&k);
	if (k.hits && !out.splat)
		fz_report_splat(&k);
	return fz_summary(&out, &k, left, settled, live0, live, files);
}
