/*
 * tests/t.h - the few helpers shared by the host tests (tests/host) and the guest tests
 * (tests/guest).  A test prints one line per check, `ok - what` or `not ok - what (detail)`, which
 * tests/run-tests counts, and ends main with `return t_exit();`.  Tests assert behaviour: bytes,
 * counters, errno values.  Plain C, no dependency beyond libc.
 */
#ifndef NM_TEST_T_H
#define NM_TEST_T_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failures;

static inline void t_report(int pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void t_report(int pass, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", pass ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!pass)
		t_failures++;
}

/* ok(cond, "what") */
#define ok(cond, ...) t_report(!!(cond), __VA_ARGS__)

/* A call that must fail with errno `want`: checks both, reports what happened otherwise. */
#define ok_errno(call, want, what)						\
	do {									\
		errno = 0;							\
		long _r = (long)(call);						\
		int _e = errno;							\
		t_report(_r == -1 && _e == (want), "%s: fails with %s (got %ld, %s)",	\
			 what, #want, _r, strerror(_e));			\
	} while (0)

/* Reads a decimal number from a sysfs/proc file; -1 if it cannot. */
static inline long t_read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/*
 * The value after `key` on the line of file `path` (a /proc table) that starts with `prefix`;
 * -1 if there is no such line or key.  A NULL key asks whether the line exists: 1 or -1.
 */
static inline long t_line_value(const char *path, const char *prefix, const char *key)
{
	FILE *f = fopen(path, "r");
	char line[512];
	long v = -1;

	while (f && fgets(line, sizeof(line), f)) {
		char *k;

		if (strncmp(line, prefix, strlen(prefix)) != 0)
			continue;
		k = key ? strstr(line, key) : NULL;
		if (!key)
			v = 1;
		else if (k)
			v = strtol(k + strlen(key) + 1, NULL, 10);
	}
	if (f)
		fclose(f);
	return v;
}

static inline int t_exit(void)
{
	return t_failures ? 1 : 0;
}

#endif /* NM_TEST_T_H */
