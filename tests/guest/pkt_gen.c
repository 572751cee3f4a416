/*
 * pkt-gen, the real tool (/usr/local/bin/pkt-gen), run as scripts run it: two processes over a
 * pipe and over a VALE switch, with a copy and a zero-copy monitor of the receiver, counts parsed
 * from the final report, the periodic line matched against its documented format, txseq/rxseq
 * catching a skipped and a swapped sequence number (the --test-skip/--test-swap aids), checksums
 * under address ranges, random lengths, IPv6 and multi-slot packets, two threads per side,
 * ping/pong RTT lines, --json lines, the exit status of an rx that falls short of -n, and the
 * static build's missing pcap support.  Every child is reaped (killed after a deadline) before
 * the program exits.
 *
 *   pkt_gen [PKT-GEN]     the binary to test (default /usr/local/bin/pkt-gen)
 */
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "nm.h"

static const char *pktgen = "/usr/local/bin/pkt-gen";

struct proc {
	pid_t pid;
	char name[32];
	int status;		/* exit status, or 128 + signal, or -1 if it had to be killed */
};

static void path_of(char *buf, size_t size, const struct proc *p, const char *ext)
{
	snprintf(buf, size, "/tmp/pg_%s.%s", p->name, ext);
}

/* Starts "pkt-gen ARGS" (split at spaces) with stdout and stderr in /tmp/pg_NAME.{out,err}. */
static void start(struct proc *p, const char *name, const char *args)
{
	char *copy = strdup(args), *argv[40], *save = NULL, *tok, out[64], err[64];
	int argc = 0;

	snprintf(p->name, sizeof(p->name), "%s", name);
	argv[argc++] = (char *)pktgen;
	for (tok = strtok_r(copy, " ", &save); tok && argc < 39; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	path_of(out, sizeof(out), p, "out");
	path_of(err, sizeof(err), p, "err");
	fflush(stdout);
	p->pid = fork();
	if (p->pid == 0) {
		int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fo, 1);
		dup2(fe, 2);
		execv(pktgen, argv);
		_exit(127);
	}
	free(copy);
}

static int status_of(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Waits up to `secs` for p, then sends SIGINT, then SIGKILL: its exit status (-1 if killed). */
static int finish(struct proc *p, double secs)
{
	struct timespec step = { 0, 20 * 1000 * 1000 };
	int st, i, limit = (int)(secs * 50);

	for (i = 0; i < limit + 150; i++) {
		if (waitpid(p->pid, &st, WNOHANG) == p->pid)
			return p->status = (i > limit ? -1 : status_of(st));
		if (i == limit)
			kill(p->pid, SIGINT);
		if (i == limit + 100)
			kill(p->pid, SIGKILL);
		nanosleep(&step, NULL);
	}
	waitpid(p->pid, &st, 0);
	return p->status = -1;
}

/* Sends SIGINT now and reaps: the exit status. */
static int interrupt(struct proc *p)
{
	kill(p->pid, SIGINT);
	return finish(p, 5);
}

/* The whole of /tmp/pg_NAME.EXT (static buffer per call site is not needed: caller frees). */
static char *slurp(const struct proc *p, const char *ext)
{
	char path[64], *buf;
	size_t n = 0, cap = 1 << 16;
	FILE *f;

	path_of(path, sizeof(path), p, ext);
	buf = calloc(1, cap + 1);
	f = fopen(path, "r");
	if (f) {
		size_t r;

		while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
			n += r;
			if (n == cap) {
				buf = realloc(buf, 2 * cap + 1);
				cap *= 2;
			}
		}
		fclose(f);
	}
	if (buf)
		buf[n] = '\0';
	return buf;
}

/* The number after "WORD " in "WORD N packets" of the final report, or -1. */
static long long report_count(const struct proc *p, const char *word)
{
	char *out = slurp(p, "out"), key[32], *s;
	long long v = -1;

	snprintf(key, sizeof(key), "%s ", word);
	s = out ? strstr(out, key) : NULL;
	if (s && sscanf(s + strlen(key), "%lld packets", &v) != 1)
		v = -1;
	free(out);
	return v;
}

/* Does the text of stream EXT match the extended regex (line by line)? */
static int matches(const struct proc *p, const char *ext, const char *re)
{
	char *text = slurp(p, ext);
	regex_t rx;
	int r;

	if (regcomp(&rx, re, REG_EXTENDED | REG_NEWLINE | REG_NOSUB)) {
		free(text);
		return 0;
	}
	r = text && regexec(&rx, text, 0, NULL, 0) == 0;
	regfree(&rx);
	free(text);
	return r;
}

/* Waits up to 10 s for `text` to appear in a child's output: 1, or 0. */
static int wait_for_text(const struct proc *p, const char *ext, const char *text)
{
	struct timespec step = { 0, 20 * 1000 * 1000 };
	int i, found = 0;

	for (i = 0; i < 500 && !found; i++) {
		char *s = slurp(p, ext);

		found = s && strstr(s, text);
		free(s);
		if (!found)
			nanosleep(&step, NULL);
	}
	return found;
}

/* Shows a child's output after a failed check. */
static void show(const struct proc *p)
{
	char *o = slurp(p, "out"), *e = slurp(p, "err");

	printf("# --- %s (status %d) stdout:\n%s# --- stderr:\n%.3000s\n", p->name, p->status,
	       o ? o : "", e ? e : "");
	free(o);
	free(e);
}

/* Waits until /proc/netmap_vale lists `port` (the receiver is bound): 1, or 0 after 10 s. */
static int vale_port_up(const char *port)
{
	struct timespec step = { 0, 20 * 1000 * 1000 };
	char line[512];
	int i;

	for (i = 0; i < 500; i++) {
		FILE *f = fopen("/proc/netmap_vale", "r");
		int found = 0;

		while (f && fgets(line, sizeof(line), f))
			found |= strncmp(line, port, strlen(port)) == 0 && line[strlen(port)] == ' ';
		if (f)
			fclose(f);
		if (found)
			return 1;
		nanosleep(&step, NULL);
	}
	return 0;
}

#define PERIODIC_RE "^[0-9]{3}\\.[0-9]{6} main_thread \\[[0-9]+\\] [0-9.]+ [KMGT]?pps \\(" \
	"[0-9.]+ [KMGT]?pkts [0-9.]+ [KMGT]?bps in [0-9]+ usec\\) [0-9]+\\.[0-9]{2} avg_batch " \
	"[0-9]+ min_space$"
#define REPORT_RE(w) "^" w " [0-9]+ packets [0-9]+ bytes [0-9]+ events [0-9]+ bytes each in " \
	"[0-9]+\\.[0-9]{2} seconds\\.\nSpeed: [0-9.]+ [KMGT]?pps Bandwidth: [0-9.]+ [KMGT]?bps " \
	"\\(raw [0-9.]+ [KMGT]?bps\\)\\. Average batch: [0-9]+\\.[0-9]{2} pkts$"

static void print_rate(const struct proc *p)
{
	char *out = slurp(p, "out"), *s = out ? strstr(out, "Speed: ") : NULL;

	if (s)
		printf("# %s: %.*s\n", p->name, (int)strcspn(s, "\n"), s);
	free(out);
}

static void test_pipe(void)
{
	struct proc rx, tx;
	int srx, stx;

	start(&rx, "pipe_rx", "-i netmap:pg}1 -f rx -n 100000");
	start(&tx, "pipe_tx", "-i netmap:pg{1 -f tx -n 100000 -l 60");
	stx = finish(&tx, 20);
	srx = finish(&rx, 10);
	ok(srx == 0 && report_count(&rx, "Received") == 100000,
	   "pipe: rx -n 100000 receives exactly 100000 packets and exits 0 (status %d, %lld)", srx,
	   report_count(&rx, "Received"));
	ok(stx == 0 && report_count(&tx, "Sent") == 100000, "pipe: tx -n 100000 sends 100000 (status %d)",
	   stx);
	ok(matches(&tx, "err", PERIODIC_RE) && matches(&rx, "err", PERIODIC_RE),
	   "the periodic line has the documented format");
	ok(matches(&tx, "out", REPORT_RE("Sent")) && matches(&rx, "out", REPORT_RE("Received")),
	   "the final report has the documented format");
	if (srx || stx) {
		show(&rx);
		show(&tx);
	}
	print_rate(&tx);
	print_rate(&rx);
}

/* A VALE counter of a port from one --json line: "drop_full":N inside "vale":{...}, or -1. */
static long long json_counter(const char *line, const char *key)
{
	char k[48];
	const char *v = strstr(line, "\"vale\":{");
	long long n = -1;

	snprintf(k, sizeof(k), "\"%s\":", key);
	v = v ? strstr(v, k) : NULL;
	if (v)
		sscanf(v + strlen(k), "%lld", &n);
	return n;
}

/* Every line of stdout that starts with '{' is one flat-enough JSON object with the keys. */
static int json_lines_ok(const struct proc *p, int *periodic, char *last, size_t size)
{
	char *out = slurp(p, "out"), *line, *save = NULL;
	int good = 1;

	*periodic = 0;
	for (line = out ? strtok_r(out, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		int depth = 0, i;

		if (line[0] != '{')
			continue;
		for (i = 0; line[i]; i++)
			depth += line[i] == '{' ? 1 : line[i] == '}' ? -1 : 0;
		good &= depth == 0 && line[strlen(line) - 1] == '}' && strstr(line, "\"pps\":") &&
			strstr(line, "\"pkts\":");
		if (strstr(line, "\"type\":\"periodic\"")) {
			(*periodic)++;
			good &= strstr(line, "\"total_pkts\":") && strstr(line, "\"interval_usec\":") != NULL;
		}
		snprintf(last, size, "%s", line);
	}
	free(out);
	return good && out;
}

static void test_vale(void)
{
	struct proc rx, tx;
	char last[2048] = "";
	int srx, stx, periodic, jok;
	long long got, drops;

	start(&rx, "vale_rx", "-i vale0:rx@conf:slots=4096 -f rx -n 25000 --json");
	ok(vale_port_up("vale0:rx"), "vale0:rx is on the switch");
	start(&tx, "vale_tx", "-i vale0:tx -f tx -n 25000 -R 25000");
	stx = finish(&tx, 20);
	srx = finish(&rx, 10);
	got = report_count(&rx, "Received");
	jok = json_lines_ok(&rx, &periodic, last, sizeof(last));
	ok(jok && periodic >= 1,
	   "--json: %d periodic JSON objects, one per line, on stdout", periodic);
	drops = json_counter(last, "drop_full");
	ok(srx == 0 && stx == 0 && got == 25000,
	   "VALE: tx -R 25000 -n 25000 into rx -n 25000 (4096 slots): all received (status %d/%d, "
	   "got %lld, drop_full %lld)", stx, srx, got, drops);
	ok(drops == 0, "--json carries the port's VALE counters (drop_full %lld)", drops);
	if (srx || stx || got != 25000) {
		show(&rx);
		show(&tx);
	}
	print_rate(&tx);
	print_rate(&rx);
}

/* Whether /proc/netmap_rings has a line starting with `prefix`. */
static int ring_listed(const char *prefix)
{
	return t_line_value("/proc/netmap_rings", prefix, NULL) == 1;
}

/* Waits up to 10 s for ring_listed(prefix). */
static int ring_up(const char *prefix)
{
	int i;

	for (i = 0; i < 100 && !ring_listed(prefix); i++)
		usleep(100000);
	return ring_listed(prefix);
}

/* pkt-gen -f rx on a copy and on a zero-copy monitor of the receiving VALE port (spec §7.4). */
static void test_monitor(void)
{
	struct proc rx, mr, mz, tx;
	int srx, smr, smz, stx;

	start(&rx, "mon_rx", "-i vale0:mb@conf:slots=4096 -f rx -n 20000");
	ok(vale_port_up("vale0:mb"), "monitor: vale0:mb is on the switch");
	start(&mr, "mon_r", "-i vale0:mb/r@conf:slots=4096 -f rx -n 20000");
	start(&mz, "mon_z", "-i vale0:mb/z@conf:slots=4096 -f rx -n 20000");
	ok(ring_up("vale0:mb/r#") && ring_up("vale0:mb/zrt#"),
	   "monitor: pkt-gen opened vale0:mb/r and vale0:mb/z");
	start(&tx, "mon_tx", "-i vale0:ma -f tx -n 20000 -R 20000");
	stx = finish(&tx, 20);
	srx = finish(&rx, 10);
	smr = finish(&mr, 10);
	smz = finish(&mz, 10);
	ok(stx == 0 && srx == 0 && report_count(&rx, "Received") == 20000,
	   "monitor: vale0:mb received the 20000 frames (status %d/%d, got %lld)", stx, srx,
	   report_count(&rx, "Received"));
	ok(smr == 0 && report_count(&mr, "Received") == 20000,
	   "monitor: pkt-gen -f rx -i vale0:mb/r received them too (status %d, got %lld)", smr,
	   report_count(&mr, "Received"));
	ok(smz == 0 && report_count(&mz, "Received") == 20000,
	   "monitor: pkt-gen -f rx -i vale0:mb/z received them too (status %d, got %lld)", smz,
	   report_count(&mz, "Received"));
	if (smr || smz || srx) {
		show(&mr);
		show(&mz);
		show(&rx);
	}
}

/* An unlimited VALE sender: what the switch moves at 60 bytes (received <= sent, no check). */
static void test_vale_rate(void)
{
	struct proc rx, tx;

	start(&rx, "vale_rx2", "-i vale0:rx2 -f rx -W");
	vale_port_up("vale0:rx2");
	start(&tx, "vale_tx2", "-i vale0:tx2 -f tx -n 100000");
	finish(&tx, 20);
	finish(&rx, 10);
	ok(report_count(&rx, "Received") > 0 &&
	   report_count(&rx, "Received") <= report_count(&tx, "Sent"),
	   "VALE unlimited: received %lld <= sent %lld", report_count(&rx, "Received"),
	   report_count(&tx, "Sent"));
	print_rate(&tx);
	print_rate(&rx);
}

/* txseq into rxseq over a pipe with extra tx arguments: rxseq's status and its summary line. */
static int seq_run(const char *pipe, const char *txargs, const char *rxargs, int count,
		   const char *summary)
{
	struct proc rx, tx;
	char a[256];
	int srx;

	snprintf(a, sizeof(a), "-i netmap:%s}1 -f rxseq -n %d -w 0 %s", pipe, count, rxargs);
	start(&rx, "seq_rx", a);
	snprintf(a, sizeof(a), "-i netmap:%s{1 -f txseq -n %d -w 0 %s", pipe, count, txargs);
	start(&tx, "seq_tx", a);
	finish(&tx, 20);
	srx = finish(&rx, 10);
	if (!matches(&rx, "out", summary)) {
		show(&rx);
		show(&tx);
		return -1;
	}
	return srx;
}

static void test_seq(void)
{
	int s;

	s = seq_run("sq", "", "", 10000, "^Sequence check: 0 lost, 0 out of order, 0 corrupt\\.$");
	ok(s == 0, "txseq -> rxseq: 10000 in order, exit 0 (status %d)", s);
	s = seq_run("sq", "--test-skip 777", "", 2000, "^Sequence check: 1 lost, 0 out of order");
	ok(s == 2, "rxseq reports the sequence number txseq skipped and exits 2 (status %d)", s);
	s = seq_run("sq", "--test-swap 500", "", 2000, "^Sequence check: 0 lost, 1 out of order");
	ok(s == 2, "rxseq reports two swapped sequence numbers and exits 2 (status %d)", s);
	s = seq_run("sq", "-s 10.0.0.1:1000-10.0.0.7:1003 -d 10.9.0.1-10.9.0.3 -l 60 -l 1514", "",
		    5000, "^Sequence check: 0 lost, 0 out of order, 0 corrupt\\.$");
	ok(s == 0, "IPv4 address/port ranges and random lengths: every checksum right (status %d)", s);
	s = seq_run("sq", "-6 -d [fd00::1]:5000-[fd00::4]:5003 -z -l 200", "", 5000,
		    "^Sequence check: 0 lost, 0 out of order, 0 corrupt\\.$");
	ok(s == 0, "IPv6 with ranges and random sources: every checksum right (status %d)", s);
	s = seq_run("sq", "-F 3 -l 3000", "", 1000,
		    "^Sequence check: 0 lost, 0 out of order, 0 corrupt\\.$");
	ok(s == 0, "3000-byte frames in 3 slots (NS_MOREFRAG) are reassembled intact (status %d)", s);
}

/* Two threads per side on a 2-ring pipe: thread i owns ring i; the -n budget is shared. */
static void test_threads(void)
{
	struct proc rx, tx;
	int srx, stx;

	start(&tx, "mt_tx", "-i netmap:mt{1@conf:rings=2 -f txseq -p 2 -n 20000 -w 0 -v");
	/* the master must create the pipe (with 2 rings) before the slave opens it */
	ok(wait_for_text(&tx, "err", "bound tx rings 0..1"), "txseq -p 2 opened a 2-ring pipe");
	start(&rx, "mt_rx", "-i netmap:mt}1 -f rxseq -p 2 -n 20000 -w 0");
	stx = finish(&tx, 20);
	srx = finish(&rx, 10);
	ok(stx == 0 && srx == 0 && report_count(&rx, "Received") == 20000 &&
	   matches(&rx, "out", "^Sequence check: 0 lost, 0 out of order, 0 corrupt\\.$"),
	   "-p 2 on both sides of a 2-ring pipe: 20000 packets, in order per stream (%d/%d)", stx,
	   srx);
	if (stx || srx) {
		show(&tx);
		show(&rx);
	}
}

static void test_pingpong(void)
{
	struct proc pong, ping;
	int sping, spong;

	start(&pong, "pong", "-i netmap:pp}1 -f pong -w 0");
	start(&ping, "ping", "-i netmap:pp{1 -f ping -w 0");
	sleep(2);
	sping = interrupt(&ping);
	spong = interrupt(&pong);
	ok(sping == 0 && spong == 0, "ping and pong stop cleanly on SIGINT (%d/%d)", sping, spong);
	ok(matches(&ping, "err", " ping_print \\[[0-9]+\\] count [0-9]+ RTT: min [0-9]+ av [0-9]+ ns$"),
	   "ping prints a per-second RTT line");
	ok(matches(&ping, "err", " RTT over [1-9][0-9]* packets: min [0-9]+ av [0-9]+ ns$"),
	   "ping prints 'RTT over N packets: min X av Y ns' at the end");
	if (sping || spong || !matches(&ping, "err", "RTT over [1-9]"))
		show(&ping);
	else {
		char *e = slurp(&ping, "err"), *s = strstr(e, "RTT over");

		printf("# ping over a pipe: %.*s\n", (int)strcspn(s, "\n"), s);
		free(e);
	}
}

static void test_short_rx(void)
{
	struct proc rx, tx;
	int srx;

	start(&rx, "short_rx", "-i netmap:sh}1 -f rx -n 1000 -W -w 0");
	start(&tx, "short_tx", "-i netmap:sh{1 -f tx -n 500 -w 0");
	finish(&tx, 20);
	srx = finish(&rx, 10);
	ok(srx == 2 && report_count(&rx, "Received") == 500,
	   "rx -n 1000 -W exits 2 when only 500 packets came (status %d, %lld)", srx,
	   report_count(&rx, "Received"));
}

static void test_no_pcap(void)
{
	struct proc p;
	int s;

	start(&p, "pcap", "-i null -f tx -n 1 -P /tmp/none.pcap");
	s = finish(&p, 10);
	ok(s == 1 && matches(&p, "err", "pcap support not compiled in"),
	   "-P in the static build: 'pcap support not compiled in', exit 1 (status %d)", s);
	start(&p, "badopt", "-i null -f tx -l 8");
	s = finish(&p, 10);
	ok(s == 1, "-l 8 is refused with exit 1 (status %d)", s);
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs one group of checks and says how long it took. */
static void run(const char *name, void (*fn)(void))
{
	double t0 = now_sec();

	fn();
	printf("# %s: %.1f s\n", name, now_sec() - t0);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		pktgen = argv[1];
	if (access(pktgen, X_OK)) {
		printf("not ok - %s is not there\n", pktgen);
		return 1;
	}
	run("pipe", test_pipe);
	run("vale", test_vale);
	run("vale unlimited", test_vale_rate);
	run("monitor", test_monitor);
	run("txseq/rxseq", test_seq);
	run("threads", test_threads);
	run("ping/pong", test_pingpong);
	run("short rx", test_short_rx);
	run("no pcap", test_no_pcap);
	return t_exit();
}
