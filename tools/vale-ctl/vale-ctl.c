/*
 * vale-ctl - inspect and configure VALE software switches (spec §10.2).
 *
 * Each action is one NIOCCTRL request on /dev/netmap, with the struct nmreq_header and its body
 * built here by hand, so the tool depends only on the ABI header: -g PORT_INFO_GET, -a/-h
 * VALE_ATTACH, -d VALE_DETACH, -n VALE_NEWIF, -r VALE_DELIF, -l VALE_LIST by name, -p/-P
 * VALE_POLLING_ENABLE/DISABLE, and with no arguments at all VALE_LIST enumerating every port.
 * The argument goes to the kernel verbatim in nr_name.  The output lines, including their odd
 * spellings (`rx_rings    N` without a colon, `rx_ring:` in the singular), are what scripts written
 * for the original tool parse, so they are kept exactly.
 *
 * Our addition: -s [port] prints the per-port counters of /proc/netmap_vale as a table.
 *
 * Exit status: 0 on success, 1 on a usage error or a failed request (the message is on stderr).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <net/netmap.h>

#define NM_DEV		"/dev/netmap"
#define VALE_PROC	"/proc/netmap_vale"

struct opts {
	int action;		/* option letter of the action, 0 if none */
	const char *arg;	/* the action's argument */
	const char *conf;	/* -C */
	const char *memid;	/* -m */
	int verbose;		/* -v */
	uint32_t slots[2];	/* -C of -n, -a, -h: tx, rx */
	uint16_t rings[2];
	unsigned long poll[3];	/* -C of -p, -P: mode, first CPU, number of CPUs */
};

static const char *prog = "vale-ctl";

static int usage(void)
{
	fprintf(stderr,
		"usage: %s [-v] [action] [-C conf] [-m memid]\n"
		"actions (at most one; with no arguments at all, every port is listed):\n"
		"  -g port          show the port's memory size, rings and slots\n"
		"  -a valeX:if      attach interface if to switch valeX (NIC rings)\n"
		"  -h valeX:if      attach interface if and its host stack to switch valeX\n"
		"  -d valeX:if      detach interface if from switch valeX\n"
		"  -n name          create the persistent VALE port name\n"
		"  -r name          remove the persistent VALE port name\n"
		"  -l valeX:port    show the switch index and port index of a port\n"
		"  -p valeX:if      enable kernel polling threads on an attached interface\n"
		"  -P valeX:if      disable them\n"
		"  -s [port]        show the per-port counters (all ports, or this one)\n"
		"options:\n"
		"  -C conf          -n, -a, -h: tx_slots[,rx_slots[,tx_rings[,rx_rings]]]\n"
		"                   -p: mode[,cpu[,n]] (mode 0: one CPU; otherwise one per ring)\n"
		"  -m memid         -n, -a, -h: allocator id, or netmap:port to share its memory\n"
		"  -v               verbose: print what the kernel returned\n",
		prog);
	return 1;
}

/* `failed to <action> <arg>: <strerror>`, the one failure message of every request. */
static int fail(const char *action, const char *arg, int err)
{
	fprintf(stderr, "failed to %s %s: %s\n", action, arg, strerror(err));
	return 1;
}

/* One NIOCCTRL request.  `name` is copied in and, when it fits, written back (VALE_LIST does). */
static int ctrl(int fd, uint16_t type, char *name, size_t size, void *body)
{
	struct nmreq_header h;

	memset(&h, 0, sizeof(h));
	h.nr_version = NETMAP_API;
	h.nr_reqtype = type;
	if (strlen(name) >= sizeof(h.nr_name))
		return ENAMETOOLONG;
	strcpy(h.nr_name, name);
	h.nr_body = (uintptr_t)body;
	if (ioctl(fd, NIOCCTRL, &h) < 0)
		return errno;
	if (size > 0) {
		h.nr_name[sizeof(h.nr_name) - 1] = '\0';
		snprintf(name, size, "%s", h.nr_name);
	}
	return 0;
}

/* A request whose name is only read: the action's argument, which stays as the user wrote it. */
static int ctrl_ro(int fd, uint16_t type, const char *name, void *body)
{
	char buf[NETMAP_REQ_IFNAMSIZ];

	if (strlen(name) >= sizeof(buf))
		return ENAMETOOLONG;
	strcpy(buf, name);
	return ctrl(fd, type, buf, 0, body);
}

/* Up to `max` comma-separated decimal numbers; returns how many, or -1 if the text is malformed. */
static int parse_numbers(const char *s, unsigned long v[], int max)
{
	int n = 0;

	for (;;) {
		char *end;

		if (n == max || *s < '0' || *s > '9')
			return -1;
		errno = 0;
		v[n++] = strtoul(s, &end, 10);
		if (errno)
			return -1;
		if (*end == '\0')
			return n;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
}

static int bad_conf(const char *conf, const char *why)
{
	fprintf(stderr, "%s: invalid -C '%s': %s\n", prog, conf, why);
	return usage();
}

/*
 * -C for -n, -a and -h: tx_slots[,rx_slots[,tx_rings[,rx_rings]]].  One number sets both slot
 * counts; three numbers set both ring counts from the third.  Without -C every count is 0, which
 * lets the kernel choose.
 */
static int parse_geometry(struct opts *o)
{
	unsigned long v[4];
	int n, i;

	n = parse_numbers(o->conf, v, 4);
	if (n < 0)
		return bad_conf(o->conf, "expected tx_slots[,rx_slots[,tx_rings[,rx_rings]]]");
	for (i = 0; i < n; i++)
		if (v[i] > (i < 2 ? UINT32_MAX : UINT16_MAX))
			return bad_conf(o->conf, "a count is too large");
	o->slots[0] = o->slots[1] = (uint32_t)v[0];
	if (n > 1)
		o->slots[1] = (uint32_t)v[1];
	if (n > 2)
		o->rings[0] = o->rings[1] = (uint16_t)v[2];
	if (n > 3)
		o->rings[1] = (uint16_t)v[3];
	return 0;
}

/*
 * -C for -p and -P: mode[,cpu[,n]].  Mode 0 polls every ring on one CPU; any other mode runs one
 * thread per ring on CPUs cpu..cpu+n-1.  n is accepted only for the latter and defaults to 1;
 * for the former it is always 1 (the original sent 0, which the kernel refuses).
 */
static int parse_polling(struct opts *o)
{
	int n = parse_numbers(o->conf, o->poll, 3);

	if (n < 0)
		return bad_conf(o->conf, "expected mode[,cpu[,n]]");
	if (n == 3 && o->poll[0] == 0)
		return bad_conf(o->conf, "n is allowed only with a non-zero (multi-CPU) mode");
	if (o->poll[1] > UINT32_MAX || o->poll[2] > UINT32_MAX)
		return bad_conf(o->conf, "a number is too large");
	if (o->poll[0] == 0)
		o->poll[2] = 1;
	return 0;
}

/*
 * A port spec given to -m: its kernel name, without a `netmap:` prefix and without the mode and
 * options that may follow it (they start at the first - * ^ / or @, as in the library grammar).
 */
static int port_base(const char *spec, char *name, size_t size)
{
	size_t len;

	if (strncmp(spec, "netmap:", 7) == 0)
		spec += 7;
	len = strcspn(spec, "-*^/@");
	if (len == 0)
		return EINVAL;
	if (len >= size)
		return ENAMETOOLONG;
	memcpy(name, spec, len);
	name[len] = '\0';
	return 0;
}

/* -m: a number is the allocator id; anything else is a port whose allocator is shared. */
static int parse_memid(int fd, const char *spec, uint16_t *id)
{
	struct nmreq_port_info_get info;
	char name[NETMAP_REQ_IFNAMSIZ];
	unsigned long v[1];
	int err;

	*id = 0;
	if (!spec)
		return 0;
	if (parse_numbers(spec, v, 1) == 1) {
		if (v[0] > UINT16_MAX) {
			fprintf(stderr, "%s: invalid -m '%s': allocator ids end at 65535\n", prog, spec);
			return usage();
		}
		*id = (uint16_t)v[0];
		return 0;
	}
	memset(&info, 0, sizeof(info));
	err = port_base(spec, name, sizeof(name));
	if (!err)
		err = ctrl(fd, NETMAP_REQ_PORT_INFO_GET, name, 0, &info);
	if (err)
		return fail("obtain info for", spec, err);
	*id = info.nr_mem_id;
	return 0;
}

/* -g: PORT_INFO_GET.  `rx_rings` has no colon (Compat). */
static int do_info(int fd, const struct opts *o)
{
	struct nmreq_port_info_get info;
	int err;

	memset(&info, 0, sizeof(info));
	err = ctrl_ro(fd, NETMAP_REQ_PORT_INFO_GET, o->arg, &info);
	if (err)
		return fail("obtain info for", o->arg, err);
	printf("memsize:    %llu\n", (unsigned long long)info.nr_memsize);
	printf("tx_slots:   %u\n", info.nr_tx_slots);
	printf("rx_slots:   %u\n", info.nr_rx_slots);
	printf("tx_rings:   %u\n", info.nr_tx_rings);
	printf("rx_rings    %u\n", info.nr_rx_rings);
	printf("mem_id:     %u\n", info.nr_mem_id);
	return 0;
}

/* -a (NIC rings) and -h (NIC and host rings): VALE_ATTACH. */
static int do_attach(int fd, const struct opts *o)
{
	struct nmreq_vale_attach req;
	int err;

	memset(&req, 0, sizeof(req));
	if (parse_memid(fd, o->memid, &req.reg.nr_mem_id))
		return 1;
	req.reg.nr_mode = o->action == 'h' ? NR_REG_NIC_SW : NR_REG_ALL_NIC;
	req.reg.nr_tx_slots = o->slots[0];
	req.reg.nr_rx_slots = o->slots[1];
	req.reg.nr_tx_rings = o->rings[0];
	req.reg.nr_rx_rings = o->rings[1];
	err = ctrl_ro(fd, NETMAP_REQ_VALE_ATTACH, o->arg, &req);
	if (err)
		return fail("attach", o->arg, err);
	if (o->verbose)
		printf("port_index: %u\n", req.port_index);
	return 0;
}

/* -d: VALE_DETACH. */
static int do_detach(int fd, const struct opts *o)
{
	struct nmreq_vale_detach req;
	int err;

	memset(&req, 0, sizeof(req));
	err = ctrl_ro(fd, NETMAP_REQ_VALE_DETACH, o->arg, &req);
	if (err)
		return fail("detach", o->arg, err);
	if (o->verbose)
		printf("port_index: %u\n", req.port_index);
	return 0;
}

/* -n: VALE_NEWIF.  `rx_ring:` is singular (Compat). */
static int do_newif(int fd, const struct opts *o)
{
	struct nmreq_vale_newif req;
	int err;

	memset(&req, 0, sizeof(req));
	if (parse_memid(fd, o->memid, &req.nr_mem_id))
		return 1;
	req.nr_tx_slots = o->slots[0];
	req.nr_rx_slots = o->slots[1];
	req.nr_tx_rings = o->rings[0];
	req.nr_rx_rings = o->rings[1];
	err = ctrl_ro(fd, NETMAP_REQ_VALE_NEWIF, o->arg, &req);
	if (err)
		return fail("create", o->arg, err);
	if (o->verbose) {
		printf("tx_slots:   %u\n", req.nr_tx_slots);
		printf("rx_slots:   %u\n", req.nr_rx_slots);
		printf("tx_rings:   %u\n", req.nr_tx_rings);
		printf("rx_ring:    %u\n", req.nr_rx_rings);
		printf("mem_id:     %u\n", req.nr_mem_id);
	}
	return 0;
}

/* -r: VALE_DELIF, a request without a body. */
static int do_delif(int fd, const struct opts *o)
{
	int err = ctrl_ro(fd, NETMAP_REQ_VALE_DELIF, o->arg, NULL);

	return err ? fail("remove", o->arg, err) : 0;
}

/* -l: VALE_LIST by name.  Port index 255 means the switch exists but the port is not on it. */
static int do_list(int fd, const struct opts *o)
{
	struct nmreq_vale_list req;
	int err;

	memset(&req, 0, sizeof(req));
	err = ctrl_ro(fd, NETMAP_REQ_VALE_LIST, o->arg, &req);
	if (err)
		return fail("list", o->arg, err);
	printf("bridge_idx: %u\n", req.nr_bridge_idx);
	printf("port_idx:   %u\n", req.nr_port_idx);
	return 0;
}

/*
 * No arguments: VALE_LIST with an empty name returns the first port at or after the position in
 * the body, or ENOENT when there is none left.  The position must advance, or we stop.
 */
static int do_list_all(int fd)
{
	struct nmreq_vale_list req;
	char name[NETMAP_REQ_IFNAMSIZ];
	int err;

	memset(&req, 0, sizeof(req));
	for (;;) {
		uint16_t b = req.nr_bridge_idx;
		uint32_t p = req.nr_port_idx;

		name[0] = '\0';
		err = ctrl(fd, NETMAP_REQ_VALE_LIST, name, sizeof(name), &req);
		if (err == ENOENT)
			return 0;
		if (err)
			return fail("list", "all ports", err);
		if (req.nr_bridge_idx < b || (req.nr_bridge_idx == b && req.nr_port_idx < p))
			return 0;
		printf("%s bridge_idx %u port_idx %u\n", name, req.nr_bridge_idx, req.nr_port_idx);
		req.nr_port_idx++;
	}
}

/* -p and -P: VALE_POLLING_ENABLE/DISABLE, with the -C values checked by parse_polling(). */
static int do_polling(int fd, const struct opts *o)
{
	struct nmreq_vale_polling req;
	int err;

	memset(&req, 0, sizeof(req));
	req.nr_mode = o->poll[0] ? NETMAP_POLLING_MODE_MULTI_CPU : NETMAP_POLLING_MODE_SINGLE_CPU;
	req.nr_first_cpu_id = (uint32_t)o->poll[1];
	req.nr_num_polling_cpus = (uint32_t)o->poll[2];
	if (o->action == 'p')
		err = ctrl_ro(fd, NETMAP_REQ_VALE_POLLING_ENABLE, o->arg, &req);
	else
		err = ctrl_ro(fd, NETMAP_REQ_VALE_POLLING_DISABLE, o->arg, &req);
	if (err)
		return fail(o->action == 'p' ? "enable polling on" : "disable polling on", o->arg, err);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* -s: the counters of /proc/netmap_vale as a table                        */

/*
 * Each line of the file is `<name> <key> <value> <key> <value> ...`.  The columns are the keys of
 * the first line, so counters the kernel adds later show up without a change here.
 */
#define ST_MAXCOLS	24

struct st_row {
	char *line;		/* the text read, which the other fields point into */
	char *name;
	int n;
	char *key[ST_MAXCOLS];
	char *val[ST_MAXCOLS];
};

struct st_table {
	struct st_row *row;
	int nrows;
	int ncols;
	const char *col[ST_MAXCOLS];	/* column 0 is the name */
	int width[ST_MAXCOLS];
};

static const char *const st_default_cols[] = {
	"name", "bridge", "port", "tx_pkts", "tx_bytes", "rx_pkts", "rx_bytes",
	"drop_full", "drop_bad", "drop_unbound",
};

/* Splits a line in place into a row; lines without a name are skipped (returns 0). */
static int st_split(char *line, struct st_row *r)
{
	const char *sep = " \t\n";
	char *save, *tok;

	memset(r, 0, sizeof(*r));
	r->line = line;
	r->name = strtok_r(line, sep, &save);
	if (!r->name)
		return 0;
	while ((tok = strtok_r(NULL, sep, &save)) && r->n < ST_MAXCOLS - 1) {
		r->key[r->n] = tok;
		r->val[r->n] = strtok_r(NULL, sep, &save);
		if (!r->val[r->n])
			break;
		r->n++;
	}
	return 1;
}

/* Reads every line of the file into t (the lines are kept: rows point into them). */
static int st_read(FILE *f, struct st_table *t)
{
	char *line = NULL;
	size_t cap = 0;

	while (getline(&line, &cap, f) > 0) {
		struct st_row *rows = realloc(t->row, (t->nrows + 1) * sizeof(*rows));

		if (!rows)
			return ENOMEM;
		t->row = rows;
		if (st_split(line, &t->row[t->nrows])) {
			t->nrows++;
			line = NULL;
			cap = 0;
		}
	}
	free(line);
	return ferror(f) ? EIO : 0;
}

static const char *st_value(const struct st_row *r, int col, const struct st_table *t)
{
	int i;

	if (col == 0)
		return r->name;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->key[i], t->col[col]) == 0)
			return r->val[i];
	return "-";
}

/* Column names and widths for the rows that will be printed (only `port` if not NULL). */
static void st_layout(struct st_table *t, const char *port)
{
	int i, c;

	t->ncols = sizeof(st_default_cols) / sizeof(st_default_cols[0]);
	for (c = 0; c < t->ncols; c++)
		t->col[c] = st_default_cols[c];
	if (t->nrows > 0) {
		t->ncols = t->row[0].n + 1;
		for (c = 1; c < t->ncols; c++)
			t->col[c] = t->row[0].key[c - 1];
	}
	for (c = 0; c < t->ncols; c++)
		t->width[c] = (int)strlen(t->col[c]);
	for (i = 0; i < t->nrows; i++) {
		if (port && strcmp(port, t->row[i].name) != 0)
			continue;
		for (c = 0; c < t->ncols; c++) {
			int w = (int)strlen(st_value(&t->row[i], c, t));

			if (w > t->width[c])
				t->width[c] = w;
		}
	}
}

/* The name is left-aligned, the numbers right-aligned, two spaces between columns. */
static void st_print_line(const struct st_table *t, const struct st_row *r)
{
	int c;

	for (c = 0; c < t->ncols; c++) {
		const char *s = r ? st_value(r, c, t) : t->col[c];

		if (c == 0)
			printf("%-*s", t->width[c], s);
		else
			printf("  %*s", t->width[c], s);
	}
	putchar('\n');
}

static void st_free(struct st_table *t)
{
	int i;

	for (i = 0; i < t->nrows; i++)
		free(t->row[i].line);
	free(t->row);
}

/* -s [port]: the table of every port, or of one port (ENXIO if it is not on any switch). */
static int do_stats(const char *port)
{
	struct st_table t;
	FILE *f = fopen(VALE_PROC, "r");
	int i, found = 0, err;

	if (!f)
		return fail("read", VALE_PROC, errno);
	memset(&t, 0, sizeof(t));
	err = st_read(f, &t);
	fclose(f);
	if (err) {
		st_free(&t);
		return fail("read", VALE_PROC, err);
	}
	for (i = 0; i < t.nrows; i++)
		found += !port || strcmp(port, t.row[i].name) == 0;
	if (port && !found) {
		st_free(&t);
		return fail("show counters of", port, ENXIO);
	}
	st_layout(&t, port);
	st_print_line(&t, NULL);
	for (i = 0; i < t.nrows; i++)
		if (!port || strcmp(port, t.row[i].name) == 0)
			st_print_line(&t, &t.row[i]);
	st_free(&t);
	return 0;
}

/* ---------------------------------------------------------------------- */

/* What can be checked before the device is opened: the -l name and the syntax of -C. */
static int check_args(struct opts *o)
{
	o->poll[2] = 1;
	if (o->action == 'l' && strncmp(o->arg, NM_BDG_NAME, strlen(NM_BDG_NAME)) != 0) {
		fprintf(stderr, "invalid vale port name: '%s'\n", o->arg);
		return usage();
	}
	if (!o->conf)
		return 0;
	if (strchr("nah", o->action))
		return parse_geometry(o);
	if (strchr("pP", o->action))
		return parse_polling(o);
	return 0;
}

/* Parses the command line; returns 0, or 1 after printing the usage. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt(argc, argv, "g:a:h:d:n:r:l:p:P:sC:m:v")) != -1) {
		switch (c) {
		case 'C':
			o->conf = optarg;
			break;
		case 'm':
			o->memid = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case '?':
			return usage();
		default:
			if (o->action) {
				fprintf(stderr, "%s: only one action at a time\n", prog);
				return usage();
			}
			o->action = c;
			o->arg = c == 's' ? NULL : optarg;
		}
	}
	/* -s alone takes an optional port; nothing else takes a positional argument. */
	if (o->action == 's' && optind == argc - 1)
		o->arg = argv[optind++];
	if (optind < argc || !o->action)
		return usage();
	return check_args(o);
}

static int run(int fd, const struct opts *o)
{
	switch (o->action) {
	case 'g':
		return do_info(fd, o);
	case 'a':
	case 'h':
		return do_attach(fd, o);
	case 'd':
		return do_detach(fd, o);
	case 'n':
		return do_newif(fd, o);
	case 'r':
		return do_delif(fd, o);
	case 'l':
		return do_list(fd, o);
	default:
		return do_polling(fd, o);
	}
}

int main(int argc, char **argv)
{
	struct opts o;
	int fd, ret;

	if (argc > 1 && parse_args(argc, argv, &o))
		return 1;
	if (argc > 1 && o.action == 's')
		return do_stats(o.arg);
	fd = open(NM_DEV, O_RDWR);
	if (fd < 0)
		return fail("open", NM_DEV, errno);
	ret = argc > 1 ? run(fd, &o) : do_list_all(fd);
	close(fd);
	if (fflush(stdout) != 0)
		ret = 1;
	return ret;
}
