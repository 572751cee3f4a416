/*
 * tools/netmap-exporter/netmap-exporter.c - a Prometheus exporter for netmap's counters.
 *
 *   netmap-exporter [-l ADDR] [-p PORT] [--proc DIR] [--sys DIR]
 *   netmap-exporter --once [--proc DIR] [--sys DIR]
 *
 * It owns the translation of what the module publishes into the Prometheus text exposition
 * format (version 0.0.4): the /proc files /proc/netmap_vale (per VALE port), /proc/netmap_generic
 * (per device in netmap mode), /proc/netmap_rings (per ring with a user) and /proc/netmap_mem
 * (per memory allocator), and the sysfs attributes open_files and live_objects of
 * /sys/class/misc/netmap.  Every /proc line is a name and a few fixed fields, then `key value`
 * pairs in the order of the kernel's counter tables (core/counters.h); the pairs are read
 * generically, so a counter the kernel adds later is exported without a change here (under a
 * name derived from its key, with a generic HELP).  Families are collected first and printed
 * once each, HELP and TYPE first, because the format wants a family's samples together.
 *
 * It serves GET /metrics over HTTP (one request per connection, answered then closed; every
 * other path is 404) from a single-threaded loop, 127.0.0.1:9417 by default; a client that is
 * slow to send its request or to read the answer is dropped after CLIENT_TIMEOUT_MS.  --once
 * prints the metrics on stdout instead, for node_exporter's textfile collector.  A missing
 * file contributes no series: with no module loaded only `netmap_up 0` (and the exporter's own
 * error counters) is printed.  The exporter uses libc alone; it never opens /dev/netmap.
 *
 * Exit status: 0 on success (and on SIGTERM or SIGINT), 1 when the socket cannot be set up or
 * stdout cannot be written, 2 on a usage error.
 */
#define _GNU_SOURCE		/* accept4, ppoll */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PORT		9417		/* exporters' range; not on Prometheus's (full) list */
#define DEFAULT_LISTEN		"127.0.0.1"
#define DEFAULT_PROC		"/proc"
#define DEFAULT_SYS		"/sys/class/misc/netmap"
#define CLIENT_TIMEOUT_MS	5000		/* a whole exchange: request in, answer out */
#define REQUEST_MAX		8192		/* the request line and headers */
#define FILE_MAX		(16 << 20)	/* a /proc file larger than this is not netmap's */
#define LINE_TOKENS		128
#define NAME_MAX_LEN		128		/* a metric name */
#define LABELS_MAX_LEN		512		/* a formatted label set */
#define CONTENT_TYPE		"text/plain; version=0.0.4; charset=utf-8"
#define N_OF(a)			(sizeof(a) / sizeof((a)[0]))

static const char *prog = "netmap-exporter";

struct config {
	const char *listen;
	unsigned int port;
	const char *proc;
	const char *sys;
	bool once;
};

/* ---------------------------------------------------------------------------------------- */
/* A growable byte buffer: files read, and the page rendered                                 */

struct buf {
	char *p;
	size_t len, cap;
};

static int buf_reserve(struct buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (b->len + more + 1 <= b->cap)
		return 0;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Appends printf output; the buffer stays NUL-terminated. */
static int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, n))
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
	return 0;
}

static void buf_free(struct buf *b)
{
	free(b->p);
	*b = (struct buf){ 0 };
}

/* ---------------------------------------------------------------------------------------- */
/* The metric store: families in the order they first appear, each with its samples          */

enum mtype { M_COUNTER, M_GAUGE, M_UNTYPED };

static const char *const mtype_name[] = { "counter", "gauge", "untyped" };

struct sample {
	char *labels;		/* formatted and escaped: a="x",b="y" (or empty) */
	char value[24];		/* the kernel's integer, in decimal */
};

struct family {
	char *name, *help;
	enum mtype type;
	struct sample *s;
	size_t n, cap;
};

struct store {
	struct family *f;
	size_t n, cap;
};

/* The family NAME, created on first use: 0, -EEXIST (the name has another type) or -ENOMEM. */
static int store_family(struct store *st, const char *name, enum mtype type, const char *help,
			struct family **out)
{
	struct family *f;
	size_t i;

	for (i = 0; i < st->n; i++) {
		if (strcmp(st->f[i].name, name) == 0) {
			*out = &st->f[i];
			return st->f[i].type == type ? 0 : -EEXIST;
		}
	}
	if (st->n == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 32;

		f = realloc(st->f, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		st->f = f;
		st->cap = cap;
	}
	f = &st->f[st->n];
	*f = (struct family){ .name = strdup(name), .help = strdup(help), .type = type };
	if (!f->name || !f->help) {
		free(f->name);
		free(f->help);
		return -ENOMEM;
	}
	st->n++;
	*out = f;
	return 0;
}

/*
 * Adds one sample.  A label set the family already has is a duplicate: the kernel lists an
 * object twice only when a device went away while a program kept its port and a device of the
 * same name came back.  The first sample is kept unless `replace` (the live object) says
 * otherwise, because Prometheus rejects a page with two identical series.
 */
static int store_add(struct store *st, const char *name, enum mtype type, const char *help,
		     const char *value, const char *labels, bool replace)
{
	struct family *f;
	struct sample *s;
	size_t i;
	int err = store_family(st, name, type, help, &f);

	if (err)
		return err;
	for (i = 0; i < f->n; i++) {
		if (strcmp(f->s[i].labels, labels) == 0) {
			if (replace)
				snprintf(f->s[i].value, sizeof(f->s[i].value), "%s", value);
			return 0;
		}
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 8;

		s = realloc(f->s, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		f->s = s;
		f->cap = cap;
	}
	s = &f->s[f->n];
	s->labels = strdup(labels);
	if (!s->labels)
		return -ENOMEM;
	snprintf(s->value, sizeof(s->value), "%s", value);
	f->n++;
	return 0;
}

static void store_free(struct store *st)
{
	size_t i, j;

	for (i = 0; i < st->n; i++) {
		for (j = 0; j < st->f[i].n; j++)
			free(st->f[i].s[j].labels);
		free(st->f[i].s);
		free(st->f[i].name);
		free(st->f[i].help);
	}
	free(st->f);
	*st = (struct store){ 0 };
}

/* HELP text escapes backslash and newline; label values also escape the double quote. */
static int put_escaped(struct buf *b, const char *s, bool quote)
{
	int err = 0;

	for (; *s && !err; s++) {
		if (*s == '\\')
			err = buf_printf(b, "\\\\");
		else if (*s == '\n')
			err = buf_printf(b, "\\n");
		else if (*s == '"' && quote)
			err = buf_printf(b, "\\\"");
		else
			err = buf_printf(b, "%c", *s);
	}
	return err;
}

/* The exposition format: per family, HELP, TYPE, then its samples. */
static int store_render(const struct store *st, struct buf *out)
{
	size_t i, j;
	int err = 0;

	for (i = 0; i < st->n && !err; i++) {
		const struct family *f = &st->f[i];

		err = buf_printf(out, "# HELP %s ", f->name);
		err = err ?: put_escaped(out, f->help, false);
		err = err ?: buf_printf(out, "\n# TYPE %s %s\n", f->name, mtype_name[f->type]);
		for (j = 0; j < f->n && !err; j++)
			err = buf_printf(out, *f->s[j].labels ? "%s{%s} %s\n" : "%s%s %s\n",
					 f->name, f->s[j].labels, f->s[j].value);
	}
	return err;
}

/*
 * Formats label pairs (name, value, ..., NULL) into out, values escaped: a="x",b="y".
 * -ENAMETOOLONG when they do not fit in LABELS_MAX_LEN.
 */
static int labels_fmt(char *out, const char *first, ...)
{
	struct buf b = { 0 };
	const char *k, *v;
	va_list ap;
	int err = 0;

	va_start(ap, first);
	for (k = first; k && !err; k = va_arg(ap, const char *)) {
		v = va_arg(ap, const char *);
		err = buf_printf(&b, "%s%s=\"", b.len ? "," : "", k);
		err = err ?: put_escaped(&b, v, true);
		err = err ?: buf_printf(&b, "\"");
	}
	va_end(ap);
	if (!err && b.len >= LABELS_MAX_LEN)
		err = -ENAMETOOLONG;
	if (!err)
		memcpy(out, b.p ? b.p : "", b.len + 1);
	buf_free(&b);
	return err;
}

/* ---------------------------------------------------------------------------------------- */
/* Sources, and the errors met reading them                                                  */

enum source { SRC_SYSFS, SRC_VALE, SRC_GENERIC, SRC_RINGS, SRC_MEM, SRC_N };

static const char *const source_name[SRC_N] = { "sysfs", "vale", "generic", "rings", "mem" };

/*
 * Lines or files that could not be parsed, per source, since the exporter started.  A message
 * is printed when a source starts failing, not on every scrape of a file that stays broken.
 */
static unsigned long long scrape_errors[SRC_N];
static bool source_failing[SRC_N];

struct scrape {
	struct store st;
	const struct config *cfg;
	enum source src;	/* the source being read */
	int errors;		/* in it, this scrape */
};

static void scrape_error(struct scrape *sc, const char *fmt, ...)
{
	va_list ap;

	scrape_errors[sc->src]++;
	if (sc->errors++ || source_failing[sc->src])
		return;
	fprintf(stderr, "%s: %s: ", prog, source_name[sc->src]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void scrape_begin(struct scrape *sc, enum source src)
{
	sc->src = src;
	sc->errors = 0;
}

static void scrape_end(struct scrape *sc)
{
	source_failing[sc->src] = sc->errors > 0;
}

/* Reads DIR/NAME whole into b (NUL-terminated).  -ENOENT when it does not exist. */
static int read_source(const char *dir, const char *name, struct buf *b)
{
	char path[PATH_MAX];
	ssize_t n = -1;
	int fd, err = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	b->len = 0;
	do {
		err = buf_reserve(b, 4096);
		if (err)
			break;
		n = read(fd, b->p + b->len, b->cap - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		else
			b->len += n;
		if (b->len > FILE_MAX)
			err = -EFBIG;
	} while (!err && n != 0);
	close(fd);
	if (!err)
		b->p[b->len] = '\0';
	return err;
}

/* Splits a line in place at blanks; the number of tokens, or -E2BIG. */
static int split(char *line, char *tok[LINE_TOKENS])
{
	char *save = NULL, *t;
	int n = 0;

	for (t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (n == LINE_TOKENS)
			return -E2BIG;
		tok[n++] = t;
	}
	return n;
}

/* A counter or count: decimal digits only, into canonical form.  -EINVAL or -ERANGE. */
static int parse_u64(const char *s, char out[24], unsigned long long *v)
{
	unsigned long long x;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno)
		return -ERANGE;
	if (out)
		snprintf(out, 24, "%llu", x);
	if (v)
		*v = x;
	return 0;
}

/*
 * A kernel key as a piece of a metric name: [A-Za-z0-9_] only, and the word `pkts` spelled
 * `packets`, the Prometheus way (rx_pkts -> rx_packets).  -EINVAL for anything else.
 */
static int metric_key(const char *key, char *out, size_t size)
{
	const char *p, *w;
	size_t len = 0;
	int n;

	if (!*key)
		return -EINVAL;
	for (p = key; *p; p++)
		if (!(*p == '_' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z')))
			return -EINVAL;
	for (p = key; *p; p = *w ? w + 1 : w) {
		w = p + strcspn(p, "_");
		if (w - p == 4 && strncmp(p, "pkts", 4) == 0)
			n = snprintf(out + len, size - len, "packets%s", *w ? "_" : "");
		else
			n = snprintf(out + len, size - len, "%.*s", (int)(w - p + !!*w), p);
		if (n < 0 || (size_t)n >= size - len)
			return -ENAMETOOLONG;
		len += n;
	}
	return 0;
}

/* The `key value` pairs of a line from tok[first] on: all keys valid, all values numbers. */
static bool pairs_valid(char **tok, int ntok, int first)
{
	char name[NAME_MAX_LEN], v[24];
	int i;

	if (ntok < first || (ntok - first) % 2)
		return false;
	for (i = first; i < ntok; i += 2)
		if (metric_key(tok[i], name, sizeof(name)) || parse_u64(tok[i + 1], v, NULL))
			return false;
	return true;
}

struct key_help {
	const char *key, *help;
};

static const char *help_of(const struct key_help *table, const char *key)
{
	for (; table->key; table++)
		if (strcmp(table->key, key) == 0)
			return table->help;
	return NULL;
}

/*
 * Exports each pair from tok[first] on as the counter PREFIX_<key>_total with the given labels.
 * Keys not in `table` (counters newer than this exporter) get a HELP that says so.
 */
static int put_counters(struct scrape *sc, char **tok, int ntok, int first, const char *prefix,
			const struct key_help *table, const char *labels, bool replace)
{
	char key[NAME_MAX_LEN], name[NAME_MAX_LEN + 64], help[256], v[24];
	const char *h;
	int i, err = 0;

	for (i = first; i < ntok && !err; i += 2) {
		metric_key(tok[i], key, sizeof(key));
		parse_u64(tok[i + 1], v, NULL);
		snprintf(name, sizeof(name), "%s_%s_total", prefix, key);
		h = help_of(table, tok[i]);
		if (!h) {
			snprintf(help, sizeof(help), "Counter %s of /proc/netmap_%s (not described "
				 "by this version of netmap-exporter).", tok[i], source_name[sc->src]);
			h = help;
		}
		err = store_add(&sc->st, name, M_COUNTER, h, v, labels, replace);
	}
	return err;
}

/* Parses and exports one line of a /proc file, split into tokens: 0 or -errno. */
typedef int (*line_fn)(struct scrape *sc, char **tok, int ntok);

/* What was wrong with a line, for the message; `format` is the form the source's lines have. */
static const char *line_error(int err, const char *format)
{
	static char msg[256];

	switch (err) {
	case -EINVAL:
		snprintf(msg, sizeof(msg), "not of the form '%s'", format);
		return msg;
	case -E2BIG: return "more fields than the exporter takes (128)";
	case -ENAMETOOLONG: return "a name too long for a label";
	case -EEXIST: return "a key whose metric name another metric type has";
	default: return strerror(-err);
	}
}

/*
 * Calls fn on each non-empty line of DIR/FILE.  A line fn rejects is a scrape error; since each
 * fn checks a whole line before it exports any of it, a malformed line contributes nothing.
 * Only -ENOMEM stops the walk.  A missing file is no error: the module is not loaded, or is
 * older than the file.
 */
static int for_each_line(struct scrape *sc, const char *file, const char *format, line_fn fn)
{
	struct buf b = { 0 };
	char *tok[LINE_TOKENS], *line, *next;
	int lineno = 0, n, err;

	err = read_source(sc->cfg->proc, file, &b);
	if (err == -ENOENT) {
		buf_free(&b);
		return 0;
	}
	if (err) {
		scrape_error(sc, "cannot read %s/%s: %s", sc->cfg->proc, file, strerror(-err));
		buf_free(&b);
		return err == -ENOMEM ? err : 0;
	}
	for (line = b.p; line && *line && err != -ENOMEM; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		n = split(line, tok);
		if (n == 0)
			continue;
		err = n < 0 ? n : fn(sc, tok, n);
		if (err && err != -ENOMEM)
			scrape_error(sc, "%s/%s line %d: %s", sc->cfg->proc, file, lineno,
				     line_error(err, format));
	}
	buf_free(&b);
	return err == -ENOMEM ? err : 0;
}

/* ---------------------------------------------------------------------------------------- */
/* /proc/netmap_vale: `<switch>:<port> bridge <b> port <p>` and the port's counters           */

static const struct key_help vale_help[] = {
	{ "tx_pkts", "Frames this VALE port sent into the switch." },
	{ "tx_bytes", "Bytes this VALE port sent into the switch." },
	{ "rx_pkts", "Frames the switch delivered to this VALE port." },
	{ "rx_bytes", "Bytes the switch delivered to this VALE port." },
	{ "drop_full", "Frames for this VALE port dropped: its RX ring was full." },
	{ "drop_bad", "Frames this VALE port sent that were invalid, dropped." },
	{ "drop_unbound", "Frames for this VALE port dropped: its RX ring was not bound." },
	{ NULL, NULL }
};

static int vale_line(struct scrape *sc, char **tok, int ntok)
{
	char labels[LABELS_MAX_LEN], info[LABELS_MAX_LEN], b[24], p[24];
	char *colon = strchr(tok[0], ':');
	int err;

	if (ntok < 5 || strcmp(tok[1], "bridge") || strcmp(tok[3], "port") || !colon ||
	    colon == tok[0] || !colon[1] || parse_u64(tok[2], b, NULL) ||
	    parse_u64(tok[4], p, NULL) || !pairs_valid(tok, ntok, 5))
		return -EINVAL;
	*colon = '\0';		/* a port name is valeX:port, split at the first colon */
	err = labels_fmt(labels, "switch", tok[0], "port", colon + 1, NULL);
	err = err ?: labels_fmt(info, "switch", tok[0], "port", colon + 1, "switch_index", b,
				"port_index", p, NULL);
	err = err ?: store_add(&sc->st, "netmap_vale_port_info", M_GAUGE,
			       "A port of a VALE switch, with its switch and port indices (1).",
			       "1", info, false);
	return err ?: put_counters(sc, tok, ntok, 5, "netmap_vale_port", vale_help, labels, false);
}

/* ---------------------------------------------------------------------------------------- */
/* /proc/netmap_generic: `<ifname>[ (gone)]` and the device's counters                       */

static const struct key_help generic_help[] = {
	{ "rx_pkts", "Frames received into the NIC RX rings of a generic adapter." },
	{ "rx_bytes", "Bytes received into the NIC RX rings of a generic adapter." },
	{ "rx_drop_full", "Frames dropped: NIC RX ring full." },
	{ "rx_drop_big", "Frames dropped: more than NETMAP_MAX_FRAGS slots." },
	{ "tx_pkts", "Frames sent from the NIC TX rings of a generic adapter." },
	{ "tx_bytes", "Bytes sent from the NIC TX rings of a generic adapter." },
	{ "tx_drop_len", "TX frames dropped: shorter than a link header or over the MTU." },
	{ "tx_drop_frags", "TX frames dropped: more than NETMAP_MAX_FRAGS slots." },
	{ "tx_drop_dev", "TX frames the driver dropped." },
	{ "tx_busy", "Times the device queue was full (backpressure)." },
	{ "tx_nomem", "TX frames delayed: no memory for an skb." },
	{ "rx_drop_offload", "NIC RX frames dropped: offloads the ring cannot carry." },
	{ "host_rx_pkts", "Frames the stack sent into the host RX rings." },
	{ "host_rx_drop_full", "Frames from the stack dropped: host RX ring full." },
	{ "host_rx_drop_offload", "Frames from the stack dropped: offloads the ring cannot carry." },
	{ "host_rx_drop_closed", "Frames from the stack dropped: host ring closed." },
	{ "host_tx_pkts", "Frames the host TX rings gave to the stack." },
	{ "host_tx_drop", "Host TX frames dropped (invalid, no memory)." },
	{ "fwd_up", "Frames forwarded NIC RX to the stack (transparent mode)." },
	{ "fwd_down", "Frames forwarded host RX to the driver (transparent mode)." },
	{ "fwd_drop", "Frames transparent mode could not forward." },
	{ NULL, NULL }
};

/* A device that went away under an open port stays listed, `(gone)`, until the port closes. */
static int generic_line(struct scrape *sc, char **tok, int ntok)
{
	char labels[LABELS_MAX_LEN];
	bool gone = ntok > 1 && strcmp(tok[1], "(gone)") == 0;
	int first = gone ? 2 : 1, err;

	if (!pairs_valid(tok, ntok, first))
		return -EINVAL;
	err = labels_fmt(labels, "ifname", tok[0], NULL);
	err = err ?: store_add(&sc->st, "netmap_generic_device_gone", M_GAUGE,
			       "1 when the device of a generic adapter went away while a program "
			       "still has its port open, else 0.", gone ? "1" : "0", labels, !gone);
	return err ?: put_counters(sc, tok, ntok, first, "netmap_generic", generic_help, labels,
				   !gone);
}

/* ---------------------------------------------------------------------------------------- */
/* /proc/netmap_rings: `<port> <tx|rx><index> users <n>` and the ring's counters             */

static const struct key_help ring_help[] = {
	{ "bad_syncs", "Syncs whose head or cur was invalid, corrected by the kernel." },
	{ "bad_slots", "Slots whose buf_idx or len the kernel replaced." },
	{ NULL, NULL }
};

/*
 * A monitor's port is named `<monitored>/[z][r][t]#<n>` (core/monitor.c): the length of the
 * monitored port's name, or 0 when this is no monitor.
 */
static size_t monitor_parent(const char *port)
{
	const char *slash = strrchr(port, '/'), *p;

	if (!slash || slash == port)
		return 0;
	p = slash + 1;
	p += *p == 'z';
	p += *p == 'r';
	p += *p == 't';
	if (*p++ != '#' || !*p || strspn(p, "0123456789") != strlen(p))
		return 0;
	return slash - port;
}

/*
 * `skipped` counts frames a monitor ring dropped for lack of room; it is always 0 on other
 * rings, so it is exported for monitor rings only, as netmap_ring_monitor_skipped_total with
 * the monitored port as a label.
 */
static int ring_skipped(struct scrape *sc, const char *port, const char *dir, const char *idx,
			const char *value)
{
	char labels[LABELS_MAX_LEN], parent[256], v[24];
	size_t len = monitor_parent(port);
	int err;

	if (!len)
		return 0;
	parse_u64(value, v, NULL);		/* checked by the caller: canonical form only */
	snprintf(parent, sizeof(parent), "%.*s", (int)len, port);
	err = labels_fmt(labels, "port", port, "monitored", parent, "direction", dir, "ring", idx,
			 NULL);
	return err ?: store_add(&sc->st, "netmap_ring_monitor_skipped_total", M_COUNTER,
				"Frames a monitor ring skipped (dropped, the oldest of a batch) "
				"for lack of room.", v, labels, false);
}

static int ring_line(struct scrape *sc, char **tok, int ntok)
{
	char labels[LABELS_MAX_LEN], users[24], idx[24], dir[3], *rest[LINE_TOKENS];
	int i, n = 0, err;

	if (ntok < 4 || (strncmp(tok[1], "tx", 2) && strncmp(tok[1], "rx", 2)) ||
	    parse_u64(tok[1] + 2, idx, NULL) || strcmp(tok[2], "users") ||
	    parse_u64(tok[3], users, NULL) || !pairs_valid(tok, ntok, 4))
		return -EINVAL;
	snprintf(dir, sizeof(dir), "%.2s", tok[1]);
	err = labels_fmt(labels, "port", tok[0], "direction", dir, "ring", idx, NULL);
	err = err ?: store_add(&sc->st, "netmap_ring_users", M_GAUGE,
			       "Users of a ring: file descriptors, pipes, the kernel.", users,
			       labels, false);
	for (i = 4; i < ntok && !err; i += 2) {
		if (strcmp(tok[i], "skipped") == 0) {
			err = ring_skipped(sc, tok[0], dir, idx, tok[i + 1]);
		} else {
			rest[n++] = tok[i];
			rest[n++] = tok[i + 1];
		}
	}
	return err ?: put_counters(sc, rest, n, 0, "netmap_ring", ring_help, labels, false);
}

/* ---------------------------------------------------------------------------------------- */
/* /proc/netmap_mem: `<id> <global|private>` and the allocator's `key value` pairs           */

/* Keys of one value per allocator. */
static const struct {
	const char *key, *name, *help;
} mem_scalar[] = {
	{ "refs", "netmap_mem_references", "References held on the allocator." },
	{ "active", "netmap_mem_active_users", "Users of the allocator's memory (bound ports)." },
	{ "memsize", "netmap_mem_size_bytes", "Size of the allocator's shared region." },
	{ "buf_size", "netmap_mem_buffer_size_bytes", "Size of one packet buffer." },
};

/* Keys <pool>_total, <pool>_free, <pool>_failures: one series per pool (if, ring, buf). */
static const struct {
	const char *suffix, *name, *help;
	enum mtype type;
} mem_pool[] = {
	{ "_total", "netmap_mem_objects", "Objects in an allocator's pool (0 until first used; "
	  "buffers 0 and 1 are reserved and count as in use).", M_GAUGE },
	{ "_free", "netmap_mem_objects_free", "Free objects in an allocator's pool.", M_GAUGE },
	{ "_failures", "netmap_mem_alloc_failures_total", "Allocations that failed because the "
	  "pool was exhausted.", M_COUNTER },
};

/* One pair of an allocator: a scalar, a pool's series, or a key unknown to this version. */
static int mem_pair(struct scrape *sc, const char *id, const char *kind, const char *key,
		    const char *value)
{
	char labels[LABELS_MAX_LEN], name[NAME_MAX_LEN + 16], help[256], pool[NAME_MAX_LEN];
	size_t i, klen = strlen(key), slen;
	int err;

	err = labels_fmt(labels, "mem_id", id, "kind", kind, NULL);
	if (err)
		return err;
	for (i = 0; i < N_OF(mem_scalar); i++)
		if (strcmp(key, mem_scalar[i].key) == 0)
			return store_add(&sc->st, mem_scalar[i].name, M_GAUGE, mem_scalar[i].help,
					 value, labels, false);
	for (i = 0; i < N_OF(mem_pool); i++) {
		slen = strlen(mem_pool[i].suffix);
		if (klen <= slen || strcmp(key + klen - slen, mem_pool[i].suffix))
			continue;
		snprintf(pool, sizeof(pool), "%.*s", (int)(klen - slen), key);
		err = labels_fmt(labels, "mem_id", id, "kind", kind, "pool", pool, NULL);
		return err ?: store_add(&sc->st, mem_pool[i].name, mem_pool[i].type,
					mem_pool[i].help, value, labels, false);
	}
	/* Neither gauge nor counter is known for a new key: untyped, under its own name. */
	metric_key(key, pool, sizeof(pool));
	snprintf(name, sizeof(name), "netmap_mem_%s", pool);
	snprintf(help, sizeof(help), "Value %s of /proc/netmap_mem (not described by this "
		 "version of netmap-exporter).", key);
	return store_add(&sc->st, name, M_UNTYPED, help, value, labels, false);
}

static int mem_line(struct scrape *sc, char **tok, int ntok)
{
	char id[24], v[24];
	int i, err = 0;

	if (ntok < 2 || parse_u64(tok[0], id, NULL) || strspn(tok[1], "abcdefghijklmnopqrstuvwxyz")
	    != strlen(tok[1]) || !pairs_valid(tok, ntok, 2))
		return -EINVAL;
	for (i = 2; i < ntok && !err; i += 2) {
		parse_u64(tok[i + 1], v, NULL);
		err = mem_pair(sc, id, tok[1], tok[i], v);
	}
	return err;
}

/* ---------------------------------------------------------------------------------------- */
/* sysfs: netmap_up, open_files, live_objects                                                */

static int sysfs_gauge(struct scrape *sc, const char *file, const char *name, const char *help)
{
	struct buf b = { 0 };
	long long v;
	char *end, val[24];
	int err;

	err = read_source(sc->cfg->sys, file, &b);
	if (err == -ENOENT)
		goto out;
	if (err) {
		scrape_error(sc, "cannot read %s/%s: %s", sc->cfg->sys, file, strerror(-err));
		goto out;
	}
	errno = 0;
	v = strtoll(b.p, &end, 10);
	if (end == b.p || errno || strspn(end, " \n") != strlen(end)) {
		scrape_error(sc, "%s/%s: not an integer", sc->cfg->sys, file);
		goto out;
	}
	snprintf(val, sizeof(val), "%lld", v);
	err = store_add(&sc->st, name, M_GAUGE, help, val, "", false);
out:
	buf_free(&b);
	return err == -ENOMEM ? err : 0;
}

static int collect_sysfs(struct scrape *sc)
{
	struct stat s;
	bool up = stat(sc->cfg->sys, &s) == 0 && S_ISDIR(s.st_mode);
	int err;

	err = store_add(&sc->st, "netmap_up", M_GAUGE,
			"1 when the netmap module is loaded (its sysfs directory exists), else 0.",
			up ? "1" : "0", "", false);
	if (err || !up)
		return err;
	err = sysfs_gauge(sc, "open_files", "netmap_open_files",
			  "File descriptors open on /dev/netmap.");
	return err ?: sysfs_gauge(sc, "live_objects", "netmap_live_objects",
				  "Objects the netmap core has allocated and not yet freed.");
}

/* ---------------------------------------------------------------------------------------- */
/* A scrape: every source into the store, then the page                                      */

static const struct {
	const char *file, *format;
	line_fn fn;
} proc_sources[] = {
	[SRC_VALE] = { "netmap_vale", "SWITCH:PORT bridge N port N [KEY N]...", vale_line },
	[SRC_GENERIC] = { "netmap_generic", "IFNAME [(gone)] [KEY N]...", generic_line },
	[SRC_RINGS] = { "netmap_rings", "PORT tx|rxN users N [KEY N]...", ring_line },
	[SRC_MEM] = { "netmap_mem", "ID KIND [KEY N]...", mem_line },
};

static int put_scrape_errors(struct scrape *sc)
{
	char labels[LABELS_MAX_LEN], v[24];
	int s, err = 0;

	for (s = 0; s < SRC_N && !err; s++) {
		snprintf(v, sizeof(v), "%llu", scrape_errors[s]);
		err = labels_fmt(labels, "source", source_name[s], NULL);
		err = err ?: store_add(&sc->st, "netmap_exporter_scrape_errors_total", M_COUNTER,
				       "Lines or files of a source the exporter could not parse "
				       "or read.", v, labels, false);
	}
	return err;
}

/* Renders the metrics page into out.  Only -ENOMEM fails it: a bad source is an error count. */
static int collect(const struct config *cfg, struct buf *out)
{
	struct scrape sc = { .cfg = cfg };
	int s, err;

	scrape_begin(&sc, SRC_SYSFS);
	err = collect_sysfs(&sc);
	scrape_end(&sc);
	for (s = SRC_VALE; s < SRC_N && !err; s++) {
		scrape_begin(&sc, s);
		err = for_each_line(&sc, proc_sources[s].file, proc_sources[s].format,
				    proc_sources[s].fn);
		scrape_end(&sc);
	}
	err = err ?: put_scrape_errors(&sc);
	out->len = 0;
	err = err ?: store_render(&sc.st, out);
	store_free(&sc.st);
	return err;
}

/* ---------------------------------------------------------------------------------------- */
/* HTTP: one request per connection, within CLIENT_TIMEOUT_MS                                */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Waits for `events` on the client socket until the deadline: 0, or -ETIMEDOUT. */
static int wait_client(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left;
	int n;

	do {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

/*
 * Reads until the blank line that ends the headers (or EOF).  The length read, -ETIMEDOUT,
 * -EMSGSIZE for a request larger than REQUEST_MAX, or another -errno.
 */
static int read_request(int fd, char *req, long long deadline)
{
	size_t len = 0;
	ssize_t n;
	int err;

	while (len < REQUEST_MAX - 1) {
		err = wait_client(fd, POLLIN, deadline);
		if (err)
			return err;
		n = recv(fd, req + len, REQUEST_MAX - 1 - len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		len += n;
		req[len] = '\0';
		if (n == 0 || strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			return len;
	}
	return -EMSGSIZE;
}

static int send_all(int fd, const char *p, size_t len, long long deadline)
{
	ssize_t n;
	int err;

	while (len) {
		err = wait_client(fd, POLLOUT, deadline);
		if (err)
			return err;
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

/* The status of a request line "METHOD TARGET HTTP/x.y"; *head for a HEAD request. */
static int route(char *req, bool *head)
{
	char *save = NULL, *method, *target, *version;

	req[strcspn(req, "\r\n")] = '\0';
	method = strtok_r(req, " ", &save);
	target = strtok_r(NULL, " ", &save);
	version = strtok_r(NULL, " ", &save);
	if (!method || !target || !version || strtok_r(NULL, " ", &save) ||
	    strncmp(version, "HTTP/", 5))
		return 400;
	*head = strcmp(method, "HEAD") == 0;
	if (!*head && strcmp(method, "GET"))
		return 405;
	target[strcspn(target, "?#")] = '\0';
	return strcmp(target, "/metrics") ? 404 : 200;
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	default: return "Internal Server Error";
	}
}

/* The whole answer: status line, headers, and (but for HEAD) the body. */
static int respond(int fd, int status, bool head, const struct buf *body, long long deadline)
{
	struct buf r = { 0 };
	int err;

	err = buf_printf(&r, "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
			 "Connection: close\r\n\r\n", status, status_text(status),
			 status == 200 ? CONTENT_TYPE : "text/plain; charset=utf-8", body->len,
			 status == 405 ? "Allow: GET, HEAD\r\n" : "");
	err = err ?: send_all(fd, r.p, r.len, deadline);
	if (!err && !head && body->len)
		err = send_all(fd, body->p, body->len, deadline);
	buf_free(&r);
	return err;
}

static void serve_client(int fd, const struct config *cfg)
{
	long long deadline = now_ms() + CLIENT_TIMEOUT_MS;
	struct buf body = { 0 };
	char req[REQUEST_MAX];
	bool head = false;
	int n, status;

	n = read_request(fd, req, deadline);
	if (n == -EMSGSIZE)
		status = 431;
	else if (n <= 0)
		return;		/* timed out or gone: nobody to answer */
	else
		status = route(req, &head);
	if (status == 200 && collect(cfg, &body)) {
		fprintf(stderr, "%s: out of memory rendering the metrics\n", prog);
		status = 500;
	}
	if (status != 200) {
		body.len = 0;
		if (buf_printf(&body, "%d %s\n", status, status_text(status)))
			body.len = 0;
	}
	respond(fd, status, head, &body, deadline);
	shutdown(fd, SHUT_WR);
	buf_free(&body);
}

/* ---------------------------------------------------------------------------------------- */
/* The daemon                                                                                */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* A listening socket on ADDR:PORT (IPv4 or IPv6 literal), or -errno with a message printed. */
static int listen_on(const struct config *cfg)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, one = 1, err;

	if (inet_pton(AF_INET, cfg->listen, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(cfg->port);
		len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, cfg->listen, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(cfg->port);
		len = sizeof(*in6);
	} else {
		fprintf(stderr, "%s: --listen %s: not an IPv4 or IPv6 address\n", prog, cfg->listen);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		err = -errno;
		fprintf(stderr, "%s: cannot listen on %s port %u: %s\n", prog, cfg->listen,
			cfg->port, strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	/* With -p 0 the kernel picked the port: say which (tests start the daemon this way). */
	fprintf(stderr, "%s: serving http://%s%s%s:%u/metrics\n", prog,
		ss.ss_family == AF_INET6 ? "[" : "", cfg->listen, ss.ss_family == AF_INET6 ? "]" : "",
		ntohs(ss.ss_family == AF_INET6 ? in6->sin6_port : in4->sin_port));
	return fd;
}

/*
 * SIGTERM and SIGINT are blocked but inside ppoll, so a signal either ends the wait or waits
 * until the current client is answered; it can never slip in between the flag check and the
 * wait and leave the loop asleep.
 */
static int serve(const struct config *cfg)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;
	int lfd, fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	lfd = listen_on(cfg);
	if (lfd < 0)
		return 1;
	while (!stop_signal) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };

		if (ppoll(&p, 1, NULL, &orig) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", prog, strerror(errno));
			close(lfd);
			return 1;
		}
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			continue;	/* the client left already, or no fd: the next one may do */
		serve_client(fd, cfg);
		close(fd);
	}
	close(lfd);
	fprintf(stderr, "%s: %s, exiting\n", prog, strsignal(stop_signal));
	return 0;
}

static int print_once(const struct config *cfg)
{
	struct buf out = { 0 };
	int err = collect(cfg, &out);

	if (err) {
		fprintf(stderr, "%s: out of memory rendering the metrics\n", prog);
		buf_free(&out);
		return 1;
	}
	if (fwrite(out.p, 1, out.len, stdout) != out.len || fflush(stdout)) {
		fprintf(stderr, "%s: cannot write the metrics to stdout: %s\n", prog,
			strerror(errno));
		buf_free(&out);
		return 1;
	}
	buf_free(&out);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Options                                                                                   */

static int usage(FILE *f, int status)
{
	fprintf(f,
		"usage: %s [-l ADDR] [-p PORT] [--proc DIR] [--sys DIR]\n"
		"       %s --once [--proc DIR] [--sys DIR]\n"
		"Exports netmap's counters in the Prometheus text format on GET /metrics.\n"
		"  -l, --listen ADDR  IPv4 or IPv6 address to listen on (default %s)\n"
		"  -p, --port PORT    TCP port, 0 for any free one (default %u)\n"
		"      --once         print the metrics on stdout and exit (textfile collector)\n"
		"      --proc DIR     where netmap_vale, netmap_generic, netmap_rings and\n"
		"                     netmap_mem are (default %s)\n"
		"      --sys DIR      netmap's sysfs directory (default %s)\n"
		"  -h, --help         this text\n",
		prog, prog, DEFAULT_LISTEN, DEFAULT_PORT, DEFAULT_PROC, DEFAULT_SYS);
	return status;
}

/* Parses argv into cfg: 0, or the exit status of a usage error (the message printed). */
static int parse_args(int argc, char **argv, struct config *cfg)
{
	enum { OPT_ONCE = 256, OPT_PROC, OPT_SYS };
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "proc", required_argument, NULL, OPT_PROC },
		{ "sys", required_argument, NULL, OPT_SYS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long long port;
	int ch;

	while ((ch = getopt_long(argc, argv, "hl:p:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': cfg->listen = optarg; break;
		case 'p':
			if (parse_u64(optarg, NULL, &port) || port > 65535) {
				fprintf(stderr, "%s: --port %s: not a port number (0-65535)\n",
					prog, optarg);
				return 2;
			}
			cfg->port = port;
			break;
		case OPT_ONCE: cfg->once = true; break;
		case OPT_PROC: cfg->proc = optarg; break;
		case OPT_SYS: cfg->sys = optarg; break;
		case 'h': exit(usage(stdout, 0));
		default: return usage(stderr, 2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		return usage(stderr, 2);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct config cfg = {
		.listen = DEFAULT_LISTEN, .port = DEFAULT_PORT,
		.proc = DEFAULT_PROC, .sys = DEFAULT_SYS,
	};
	int status = parse_args(argc, argv, &cfg);

	if (status)
		return status;
	return cfg.once ? print_once(&cfg) : serve(&cfg);
}
