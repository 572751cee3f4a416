/*
 * tests/guest/stress.h - what the C stress scenarios (stress_*.c, issue 14) share with each other
 * and with the shell ones (lib/stress.sh): the scale NM_STRESS_ITERS, the idle checks, the
 * running total of iterations printed as "stress: N iterations", the smaller global region they
 * run with (lib/stress.sh says why), and pkt-gen peers started, watched and killed.
 */
#ifndef NM_TEST_STRESS_H
#define NM_TEST_STRESS_H

#include <regex.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "nm.h"

#define NMPAR "/sys/module/netmap/parameters/"
#define STRESS_TOTAL "/tmp/nm-stress-total"
#define STRESS_BUF_NUM 32768
#define PKTGEN "/usr/local/bin/pkt-gen"

static const char *st_name;
static long st_idle, st_buf_num;
static double st_t0;

static __attribute__((unused)) double st_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static __attribute__((unused)) void st_msleep(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static __attribute__((unused)) int st_write(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f)
		return -1;
	err = fprintf(f, "%ld\n", v) < 0;
	return fclose(f) || err ? -1 : 0;
}

static __attribute__((unused)) int st_sh(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static __attribute__((unused)) int st_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	return system(cmd);
}

/* NM_STRESS_ITERS, at least 1 (default 1). */
static __attribute__((unused)) int st_iters(void)
{
	const char *s = getenv("NM_STRESS_ITERS");
	int n = s ? atoi(s) : 1;

	return n > 0 ? n : 1;
}

/*
 * Waits up to 5 s until no netmap file is open and live_objects is `idle`: 1, or 0 (and a
 * comment with what was found).
 */
static __attribute__((unused)) int st_settled(long idle)
{
	long files = -1, objs = -1;
	int i;

	for (i = 0; i < 250; i++) {
		files = t_read_long(NMSYS "open_files");
		objs = t_read_long(NMSYS "live_objects");
		if (files == 0 && objs == idle)
			return 1;
		st_msleep(20);
	}
	printf("# open_files %ld, live_objects %ld (idle %ld)\n", files, objs, idle);
	return 0;
}

static __attribute__((unused)) void st_begin(const char *name)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	st_name = name;
	st_t0 = st_now();
	st_idle = t_read_long(NMSYS "live_objects");
	st_buf_num = t_read_long(NMPAR "buf_num");
	st_write(NMPAR "buf_num", STRESS_BUF_NUM);
	st_sh("modprobe veth 2>/dev/null; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6");
	printf("# %s: NM_STRESS_ITERS=%d, idle live_objects %ld\n", name, st_iters(), st_idle);
}

/* The closing lines: idle check, iterations, guest time, running total. */
static __attribute__((unused)) int st_end(long iterations)
{
	long total = t_read_long(STRESS_TOTAL);

	if (st_buf_num > 0)
		st_write(NMPAR "buf_num", st_buf_num);
	ok(st_settled(st_idle), "%s: %ld iterations, then nothing open and live_objects %ld", st_name,
	   iterations, st_idle);
	printf("# %s: %ld iterations in %.3f s of guest time\n", st_name, iterations,
	       st_now() - st_t0);
	total = (total > 0 ? total : 0) + iterations;
	st_write(STRESS_TOTAL, total);
	printf("stress: %ld iterations\n", total);
	return t_exit();
}

/* --- pkt-gen peers ------------------------------------------------------------------------ */

struct st_peer {
	pid_t pid;
	char out[64];
};

/* Starts "pkt-gen -T 100 -w 0 ARGS" (split at spaces) with its output in /tmp/st-NAME.out. */
static __attribute__((unused)) void st_pktgen(struct st_peer *p, const char *name, const char *args)
{
	char *copy = strdup(args), *argv[40], *save = NULL, *tok;
	int argc = 0;

	snprintf(p->out, sizeof(p->out), "/tmp/st-%s.out", name);
	argv[argc++] = (char *)PKTGEN;
	argv[argc++] = (char *)"-T";
	argv[argc++] = (char *)"100";
	argv[argc++] = (char *)"-w";
	argv[argc++] = (char *)"0";
	for (tok = strtok_r(copy, " ", &save); tok && argc < 39; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	fflush(stdout);
	p->pid = fork();
	if (p->pid == 0) {
		int fd = open(p->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		/* nice 19, as lib/stress.sh's pg(): the test itself must not wait for a CPU */
		if (nice(19) == -1)
			perror("nice");
		dup2(fd, 1);
		dup2(fd, 2);
		execv(PKTGEN, argv);
		_exit(127);
	}
	free(copy);
}

/* Waits up to 15 s until the peer reports a non-zero packet rate: 1, or 0. */
static __attribute__((unused)) int st_flowing(const struct st_peer *p)
{
	regex_t rx;
	char line[512];
	int i, found = 0;

	regcomp(&rx, "main_thread \\[[0-9]+\\] [0-9.]*[1-9]", REG_EXTENDED | REG_NOSUB);
	for (i = 0; i < 750 && !found; i++) {
		FILE *f = fopen(p->out, "r");

		while (f && !found && fgets(line, sizeof(line), f))
			found = regexec(&rx, line, 0, NULL, 0) == 0;
		if (f)
			fclose(f);
		if (!found)
			st_msleep(20);
	}
	regfree(&rx);
	if (!found)
		printf("# %s: no traffic reported\n", p->out);
	return found;
}

static __attribute__((unused)) void st_kill(struct st_peer *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
	}
	p->pid = 0;
}

#endif /* NM_TEST_STRESS_H */
