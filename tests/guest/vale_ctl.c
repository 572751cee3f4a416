/*
 * vale-ctl (spec §10.2) against the kernel.  Child processes hold three ephemeral VALE ports open
 * (vale0:a, vale0:b, vale1:x) while /usr/local/bin/vale-ctl runs; each check compares its exact
 * stdout, stderr and exit status: the listing of every port, -l, -g with its Compat spellings, a
 * persistent port created, attached, detached and removed (while the kernel does not implement
 * those requests, their EOPNOTSUPP message), the failure message of each action, -m, our -s
 * counter table, and the usage errors.  The children
 * are killed and reaped before the end, so no netmap object outlives the test.
 */
#include <signal.h>
#include <sys/wait.h>

#include "nm.h"

#define VALE_CTL "/usr/local/bin/vale-ctl"
#define OUT "/tmp/vale_ctl.out"
#define ERR "/tmp/vale_ctl.err"

struct holder {
	pid_t pid;
	uint16_t mem_id;
};

struct result {
	int status;		/* exit status, -1 if it did not exit */
	char out[4096];
	char err[4096];
};

/* A child registers `name` and waits to be killed; it reports its mem id (0 on failure). */
static void hold(struct holder *h, const char *name)
{
	int p[2];

	h->mem_id = 0;
	h->pid = -1;
	if (pipe(p))
		return;
	h->pid = fork();
	if (h->pid == 0) {
		struct nmport port;
		uint16_t id = 0;

		close(p[0]);
		if (nm_register(&port, name, NR_REG_ALL_NIC, 0, 0) == 0)
			id = port.reg.nr_mem_id;
		if (write(p[1], &id, sizeof(id)) != sizeof(id))
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (h->pid > 0 && read(p[0], &h->mem_id, sizeof(h->mem_id)) != sizeof(h->mem_id))
		h->mem_id = 0;
	close(p[0]);
	ok(h->mem_id != 0, "a child holds %s open (mem id %u)", name, h->mem_id);
}

static void release(struct holder *h)
{
	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
	}
	h->pid = -1;
}

static void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* Runs vale-ctl with `args` (shell words) and captures what it printed. */
static void vc(struct result *r, const char *args)
{
	char cmd[512];
	int st;

	snprintf(cmd, sizeof(cmd), VALE_CTL " %s >" OUT " 2>" ERR, args);
	st = system(cmd);
	r->status = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	slurp(OUT, r->out, sizeof(r->out));
	slurp(ERR, r->err, sizeof(r->err));
}

/* Appends `s` to `buf` on one line: newlines become \n, and long text is cut. */
static void flat(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);

	for (; *s && n + 3 < size; s++) {
		if (*s == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else {
			buf[n++] = *s;
		}
	}
	buf[n] = '\0';
}

/* What vale-ctl did, for a failed check: empty when the check passed. */
static const char *got(int pass, const struct result *r)
{
	static char buf[1024];

	buf[0] = '\0';
	if (pass)
		return buf;
	snprintf(buf, sizeof(buf), " (got exit %d, stdout '", r->status);
	flat(buf, sizeof(buf) - 200, r->out);
	strcat(buf, "', stderr '");
	flat(buf, sizeof(buf) - 4, r->err);
	strcat(buf, "')");
	return buf;
}

/* vale-ctl `args` exits with `status`, prints exactly `out`, and its stderr starts with `err`. */
static void expect(const char *args, int status, const char *out, const char *err)
{
	struct result r;
	int pass;

	vc(&r, args);
	pass = r.status == status && strcmp(r.out, out) == 0 && strncmp(r.err, err, strlen(err)) == 0;
	ok(pass, "vale-ctl %s: exit %d with the expected output%s", *args ? args : "(no arguments)",
	   status, got(pass, &r));
}

/* Usage errors: the usage on stderr, nothing on stdout, exit 1. */
static void expect_usage(const char *args, const char *what)
{
	struct result r;
	int pass;

	vc(&r, args);
	pass = r.status == 1 && r.out[0] == '\0' && strstr(r.err, "usage: vale-ctl") != NULL;
	ok(pass, "%s (vale-ctl %s): usage on stderr, exit 1%s", what, args, got(pass, &r));
}

static void test_listing(const struct holder *a)
{
	char want[512];

	expect("", 0, "vale0:a bridge_idx 0 port_idx 0\n"
		      "vale0:b bridge_idx 0 port_idx 1\n"
		      "vale1:x bridge_idx 1 port_idx 0\n", "");
	expect("-l vale0:b", 0, "bridge_idx: 0\nport_idx:   1\n", "");
	expect("-l vale1:x", 0, "bridge_idx: 1\nport_idx:   0\n", "");
	expect("-l vale0:nope", 0, "bridge_idx: 0\nport_idx:   255\n", "");
	expect("-l vale7:x", 1, "", "failed to list vale7:x: No such file or directory\n");
	expect("-l foo", 1, "", "invalid vale port name: 'foo'\nusage: vale-ctl");
	snprintf(want, sizeof(want),
		 "memsize:    42369024\ntx_slots:   1024\nrx_slots:   1024\ntx_rings:   1\n"
		 "rx_rings    1\nmem_id:     %u\n", a->mem_id);
	expect("-g vale0:a", 0, want, "");
	expect("-g nosuch0", 1, "", "failed to obtain info for nosuch0: No such device or address\n");
}

/* True if the request failed only because the kernel does not implement it yet. */
static int unsupported(const struct result *r, const char *action, const char *arg)
{
	char want[128];

	snprintf(want, sizeof(want), "failed to %s %s: Operation not supported\n", action, arg);
	return r->status == 1 && r->out[0] == '\0' && strcmp(r->err, want) == 0;
}

/*
 * A persistent port through -n, -a, -d and -r, with -v.  The kernel may not implement NEWIF or
 * ATTACH yet: then the spec's failure message, with EOPNOTSUPP, is what is checked.
 */
static void test_persistent(const struct holder *a)
{
	static const char five[] = "tx_slots:   256\nrx_slots:   256\ntx_rings:   2\nrx_ring:    2\n"
				   "mem_id:     ";
	struct result r;
	char want[512];
	int pass;

	vc(&r, "-v -n vc0 -C 256,256,2");
	if (unsupported(&r, "create", "vc0")) {
		ok(1, "vale-ctl -n vc0: NEWIF not supported yet: the spec's message, exit 1");
		return;
	}
	pass = r.status == 0 && strncmp(r.out, five, strlen(five)) == 0;
	ok(pass, "vale-ctl -v -n vc0 -C 256,256,2: the five lines%s", got(pass, &r));
	snprintf(want, sizeof(want), "tx_slots:   1024\nrx_slots:   1024\ntx_rings:   1\n"
		 "rx_ring:    1\nmem_id:     %u\n", a->mem_id);
	expect("-v -n vc1 -m netmap:vale0:a", 0, want, "");
	expect("-r vc1", 0, "", "");
	expect("-n vc0", 1, "", "failed to create vc0: File exists\n");
	vc(&r, "-v -a vale0:vc0");
	if (unsupported(&r, "attach", "vale0:vc0")) {
		ok(1, "vale-ctl -a vale0:vc0: ATTACH not supported yet: the spec's message, exit 1");
	} else {
		pass = r.status == 0 && strcmp(r.out, "port_index: 2\n") == 0;
		ok(pass, "vale-ctl -v -a vale0:vc0: port_index: 2%s", got(pass, &r));
		expect("-l vale0:vc0", 0, "bridge_idx: 0\nport_idx:   2\n", "");
		expect("", 0, "vale0:a bridge_idx 0 port_idx 0\n"
			      "vale0:b bridge_idx 0 port_idx 1\n"
			      "vale0:vc0 bridge_idx 0 port_idx 2\n"
			      "vale1:x bridge_idx 1 port_idx 0\n", "");
		expect("-r vc0", 1, "", "failed to remove vc0: Device or resource busy\n");
		expect("-v -d vale0:vc0", 0, "port_index: 2\n", "");
	}
	expect("-r vc0", 0, "", "");
	expect("-r vc0", 1, "", "failed to remove vc0: No such device or address\n");
}

/* Every action fails with `failed to <action> <arg>: <strerror>` and exit 1. */
static void test_failures(void)
{
	expect("-n vale0", 1, "", "failed to create vale0: ");
	expect("-n vc1 -m netmap:nosuch0", 1, "",
	       "failed to obtain info for netmap:nosuch0: No such device or address\n");
	expect("-r nosuch0", 1, "", "failed to remove nosuch0: ");
	expect("-d vale0:a", 1, "", "failed to detach vale0:a: ");
	expect("-a vale0:nosuch0", 1, "", "failed to attach vale0:nosuch0: ");
	expect("-h vale0:nosuch0", 1, "", "failed to attach vale0:nosuch0: ");
	expect("-p vale0:a", 1, "", "failed to enable polling on vale0:a: ");
	expect("-P vale0:a -C 1,0,1", 1, "", "failed to disable polling on vale0:a: ");
}

/* Whatever a failed check left behind: persistent ports would keep the module busy. */
static void cleanup(void)
{
	if (system(VALE_CTL " -d vale0:vc0 >/dev/null 2>&1; " VALE_CTL " -r vc0 >/dev/null 2>&1; "
		   VALE_CTL " -r vc1 >/dev/null 2>&1") == -1)
		printf("# cleanup could not run\n");
}

/* Number of space-separated fields of the first line starting with `start`, or -1. */
static int fields(const char *text, const char *start)
{
	const char *p = text;
	int n = 0, in = 0;

	while (p && strncmp(p, start, strlen(start)) != 0) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	if (!p)
		return -1;
	for (; *p && *p != '\n'; p++) {
		n += *p != ' ' && !in;
		in = *p != ' ';
	}
	return n;
}

static void test_counters(void)
{
	struct result r;
	int pass;

	vc(&r, "-s");
	pass = r.status == 0 && strncmp(r.out, "name ", 5) == 0 && fields(r.out, "name ") == 10 &&
	       fields(r.out, "vale0:a ") == 10 && fields(r.out, "vale0:b ") == 10 &&
	       fields(r.out, "vale1:x ") == 10 && strstr(r.out, "drop_unbound\n") != NULL;
	ok(pass, "vale-ctl -s: a header and a row of 10 columns per port%s", got(pass, &r));
	vc(&r, "-s vale0:b");
	pass = r.status == 0 && fields(r.out, "vale0:b ") == 10 && fields(r.out, "vale0:a ") < 0 &&
	       fields(r.out, "vale1:x ") < 0;
	ok(pass, "vale-ctl -s vale0:b: the header and only that port%s", got(pass, &r));
	expect("-s vale0:none", 1, "",
	       "failed to show counters of vale0:none: No such device or address\n");
}

static void test_usage(void)
{
	expect_usage("-l vale0:a extra", "an extra positional argument");
	expect_usage("extra", "a positional argument without an action");
	expect_usage("-s vale0:a vale0:b", "two ports after -s");
	expect_usage("-v", "no action");
	expect_usage("-g vale0:a -l vale0:a", "two actions");
	expect_usage("-g", "an action without its argument");
	expect_usage("-x", "an unknown option");
	expect_usage("-n vc2 -C 1,2,3,4,5", "-C with five numbers");
	expect_usage("-p vale0:a -C 0,1,2", "-C mode 0 with a CPU count");
}

/* After the children are gone the listing is empty (their ports may take a moment to close). */
static void test_empty(void)
{
	struct result r;
	int i, pass;

	for (i = 0; i < 20; i++) {
		vc(&r, "");
		if (r.status != 0 || r.out[0] == '\0')
			break;
		usleep(100000);
	}
	pass = r.status == 0 && r.out[0] == '\0' && r.err[0] == '\0';
	ok(pass, "vale-ctl with no port on any switch: prints nothing, exit 0%s", got(pass, &r));
}

int main(void)
{
	struct holder h[3];
	int i;

	setvbuf(stdout, NULL, _IONBF, 0);
	hold(&h[0], "vale0:a");
	hold(&h[1], "vale0:b");
	hold(&h[2], "vale1:x");
	test_listing(&h[0]);
	test_persistent(&h[0]);
	test_failures();
	test_counters();
	test_usage();
	cleanup();
	for (i = 2; i >= 0; i--)
		release(&h[i]);
	test_empty();
	unlink(OUT);
	unlink(ERR);
	return t_exit();
}
