/*
 * options.c -- pkt-gen's command line: the usage text, the option parser and the checks and
 * defaults that depend on several options at once (burst per function, link wait for VALE names,
 * the "netmap:" prefix of bare interface names).  Everything lands in struct glob; nothing here
 * opens a port.  Errors print one line on stderr and make pg_parse_args return -1 (exit 1).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkt-gen.h"

static const struct {
	const char *name;
	enum pg_fn fn;
} functions[] = {
	{ "rx", FN_RX }, { "tx", FN_TX }, { "ping", FN_PING }, { "pong", FN_PONG },
	{ "txseq", FN_TXSEQ }, { "rxseq", FN_RXSEQ },
};

enum { LOPT_JSON = 1000, LOPT_TEST_SKIP, LOPT_TEST_SWAP, LOPT_KLOOP };

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, LOPT_JSON },
	{ "test-skip", required_argument, NULL, LOPT_TEST_SKIP },
	{ "test-swap", required_argument, NULL, LOPT_TEST_SWAP },
	{ "kloop", required_argument, NULL, LOPT_KLOOP },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void pg_usage(FILE *f)
{
	fprintf(f,
"Usage: pkt-gen -i port [-f function] [options]\n"
"  -i port      netmap:NAME, valeX:NAME, null, tap:NAME, pcap:NAME; a bare NAME means netmap:NAME\n"
"  -f function  rx (default), tx, ping, pong, txseq, rxseq\n"
"  -n count     packets to send or receive, 0 = forever (0)\n"
"  -l len       frame length without CRC, 16..65536 (60); a second -l is the minimum of a\n"
"               random length range\n"
"  -b burst     packets per batch (512; 1 for ping and pong)\n"
"  -p threads   threads, each on its own ring (1)\n"
"  -c cpus      CPUs to use (1; 0 = all)\n"
"  -a cpu       pin the first thread to cpu, the next ones after it\n"
"  -T ms        report interval (1000)\n"
"  -w s         seconds to wait for the link (2; 0 for vale ports)\n"
"  -R pps       transmit rate limit (0 = unlimited)\n"
"  -s IP[:port][-IP[:port]]  source range (10.0.0.1:1234)\n"
"  -d IP[:port][-IP[:port]]  destination range (10.1.0.1:1234)\n"
"  -S MAC[-MAC] source MAC (the interface's, else 00:00:00:00:00:00)\n"
"  -D MAC[-MAC] destination MAC (ff:ff:ff:ff:ff:ff)\n"
"  -4, -6       IPv4 (default) or IPv6\n"
"  -z, -Z       random source, destination address and port within the range\n"
"  -F n         fragments (slots) per packet, 1..63 (1)\n"
"  -M size      fragment size (the buffer size)\n"
"  -I           use NS_INDIRECT slots (VALE ports)\n"
"  -H len       virtio-net header length: 0, 10 or 12 (0)\n"
"  -P file      send the first frame of a pcap file\n"
"  -X           hex-dump frames; -v verbose; -r send buffers unchanged\n"
"  -W           rx: exit when a 1-second poll finds no traffic\n"
"  -A           add the sliding mean and standard deviation to the reports\n"
"  -B           count 24 bytes of framing per packet in raw and periodic bps\n"
"  -N           do not scale units\n"
"  -C a[,b[,c[,d]]]  (deprecated) tx slots, rx slots, tx rings, rx rings\n"
"  -o bits      1 prefetch, 2 access, 4 copy, 8 memcpy, 16 timestamp, 32 indirect, 64 dump,\n"
"               256 rubbish, 512 random src, 1024 random dst, 2048 pps stats, 4096 checksum\n"
"  --json       also print the periodic statistics as JSON lines on stdout\n"
"  --kloop sleep:US|eventfd|direct  sync the port through an in-kernel sync-kloop (CSB mode),\n"
"               which sleeps US microseconds between rounds, or waits for eventfd kicks, or\n"
"               (direct) has each kick synced by the kicking thread (tx, rx only)\n"
"  -h           this help\n"
"Exit status: 0 ok, 1 error, 2 rx/rxseq did not get -n packets or saw loss or corruption.\n");
}

/* An unsigned number with an optional K, M or G suffix (powers of 1000); exits on garbage. */
uint64_t pg_parse_count(const char *s, const char *what)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (end != s && *end && !end[1]) {
		switch (toupper((unsigned char)*end)) {
		case 'K': mul = 1000; end++; break;
		case 'M': mul = 1000000; end++; break;
		case 'G': mul = 1000000000; end++; break;
		}
	}
	if (errno || end == s || *end || s[0] == '-') {
		fprintf(stderr, "pkt-gen: invalid %s '%s'\n", what, s);
		exit(PG_EXIT_ERROR);
	}
	return (uint64_t)v * mul;
}

/* A decimal int within [lo, hi]; -1 with a message otherwise. */
static int parse_int(const char *s, const char *what, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "pkt-gen: invalid %s '%s' (allowed %d..%d)\n", what, s, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static void set_function(struct glob *g, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
		if (strcmp(name, functions[i].name) == 0) {
			g->fn = functions[i].fn;
			g->fn_name = functions[i].name;
			return;
		}
	}
	fprintf(stderr, "pkt-gen: unrecognised function '%s', keeping '%s'\n", name, g->fn_name);
}

/* -C a[,b[,c[,d]]] */
static int parse_conf(struct glob *g, const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int n = 0, ret = 0;

	fprintf(stderr, "pkt-gen: -C is deprecated, use @conf:tx-slots=..,rx-slots=..,"
		"tx-rings=..,rx-rings=.. in the port name\n");
	for (tok = strtok_r(copy, ",", &save); tok && ret == 0; tok = strtok_r(NULL, ",", &save)) {
		if (n == 4) {
			fprintf(stderr, "pkt-gen: -C takes at most 4 numbers\n");
			ret = -1;
		} else {
			ret = parse_int(tok, "-C value", 0, 1 << 20, &g->conf[n++]);
		}
	}
	g->nconf = n;
	free(copy);
	return ret;
}

static void set_defaults(struct glob *g)
{
	memset(g, 0, sizeof(*g));
	g->fn = FN_RX;
	g->fn_name = "rx";
	g->nlens = 0;
	g->len = g->minlen = 60;
	g->burst = 512;
	g->nthreads = 1;
	g->cpus = 1;
	g->affinity = -1;
	g->system_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (g->system_cpus < 1)
		g->system_cpus = 1;
	g->report_ms = 1000;
	g->wait_link = 2;
	g->af = 4;
	g->frags = 1;
	g->vhdr_req = -1;
	g->normalize = 1;
	g->test_skip = g->test_swap = PG_NONE;
}

/* -i: null, tap..., pcap:NAME, netmap:..., vale...; anything else gets "netmap:". */
static int set_port(struct glob *g, const char *name)
{
	int n;

	g->kind = KIND_NETMAP;
	if (strcmp(name, "null") == 0) {
		g->kind = KIND_NULL;
	} else if (strncmp(name, "tap", 3) == 0) {
		g->kind = KIND_TAP;
		g->altname = strncmp(name, "tap:", 4) == 0 ? name + 4 : name;
	} else if (strncmp(name, "pcap:", 5) == 0) {
		g->kind = KIND_PCAP;
		g->altname = name + 5;
	}
	if (g->kind == KIND_NETMAP && strncmp(name, "netmap:", 7) && strncmp(name, "vale", 4))
		n = snprintf(g->ifname, sizeof(g->ifname), "netmap:%s", name);
	else
		n = snprintf(g->ifname, sizeof(g->ifname), "%s", name);
	if (n < 0 || (size_t)n >= sizeof(g->ifname)) {
		fprintf(stderr, "pkt-gen: port name too long\n");
		return -1;
	}
	return 0;
}

/* --kloop sleep:US | eventfd | direct */
static int parse_kloop(struct glob *g, const char *arg)
{
	int us;

	g->kloop = 1;
	if (strcmp(arg, "eventfd") == 0 || strcmp(arg, "direct") == 0) {
		g->kloop_eventfd = 1;
		g->kloop_direct = arg[0] == 'd';
		return 0;
	}
	if (strncmp(arg, "sleep:", 6) == 0 && parse_int(arg + 6, "--kloop sleep:", 0, 1000000, &us) == 0) {
		g->kloop_sleep_us = (uint32_t)us;
		return 0;
	}
	fprintf(stderr, "pkt-gen: --kloop takes sleep:MICROSECONDS, eventfd or direct, not '%s'\n",
		arg);
	return -1;
}

/* One option letter (and its argument); -1 on a bad value. */
static int one_option(struct glob *g, int ch, const char *arg)
{
	switch (ch) {
	case '4': g->af = 4; return 0;
	case '6': g->af = 6; return 0;
	case 'A': g->options |= OPT_PPS_STATS; return 0;
	case 'B': g->framing = PG_FRAMING; return 0;
	case 'C': return parse_conf(g, arg);
	case 'D': g->dmac_arg = arg; return 0;
	case 'F':
		if (parse_int(arg, "-F", 1, 63, &g->frags) < 0) {
			fprintf(stderr, "pkt-gen: ignoring -F %s\n", arg);
			g->frags = 1;
		}
		return 0;
	case 'H': return parse_int(arg, "-H", 0, 12, &g->vhdr_req);
	case 'I': g->options |= OPT_INDIRECT; return 0;
	case 'M': g->frag_size_set = 1; return parse_int(arg, "-M", 1, 65535, &g->frag_size);
	case 'N': g->normalize = 0; return 0;
	case 'P': g->pcap_file = arg; return 0;
	case 'R': g->tx_rate = (double)pg_parse_count(arg, "-R rate"); return 0;
	case 'S': g->smac_arg = arg; return 0;
	case 'T': return parse_int(arg, "-T", 1, 3600000, &g->report_ms);
	case 'W': g->idle_exit = 1; return 0;
	case 'X': g->options |= OPT_DUMP; return 0;
	case 'Z': g->options |= OPT_RANDOM_DST; return 0;
	case 'z': g->options |= OPT_RANDOM_SRC; return 0;
	case 'a': return parse_int(arg, "-a", 0, g->system_cpus - 1, &g->affinity);
	case 'b': g->burst_set = 1; return parse_int(arg, "-b", 1, 1 << 20, &g->burst);
	case 'c': g->cpus_set = 1; return parse_int(arg, "-c", 0, g->system_cpus, &g->cpus);
	case 'd': g->dst_arg = arg; return 0;
	case 'f': set_function(g, arg); return 0;
	case 'i': return set_port(g, arg);
	case 'l':
		if (g->nlens == 2) {
			fprintf(stderr, "pkt-gen: -l given more than twice\n");
			return -1;
		}
		return parse_int(arg, "-l", 16, PG_MAX_LEN, &g->lens[g->nlens++]);
	case 'n': g->npkts = pg_parse_count(arg, "-n count"); return 0;
	case 'o':
		if (parse_int(arg, "-o", 0, 0xffff, &ch) < 0)
			return -1;
		g->options |= ch;	/* adds to -I, -X, -r, -z, -Z, -A */
		return 0;
	case 'p': return parse_int(arg, "-p", 1, PG_MAX_THREADS, &g->nthreads);
	case 'r': g->options |= OPT_RUBBISH; return 0;
	case 's': g->src_arg = arg; return 0;
	case 'v': g->verbose++; return 0;
	case 'w': g->wait_set = 1; return parse_int(arg, "-w", 0, 3600, &g->wait_link);
	case LOPT_JSON: g->json = 1; return 0;
	case LOPT_TEST_SKIP: g->test_skip = pg_parse_count(arg, "--test-skip"); return 0;
	case LOPT_TEST_SWAP: g->test_swap = pg_parse_count(arg, "--test-swap"); return 0;
	case LOPT_KLOOP: return parse_kloop(g, arg);
	}
	return -1;
}

/* Lengths, burst, link wait and option bits that depend on the whole command line. */
static int finish(struct glob *g)
{
	int o = g->options;

	if (g->nlens >= 1)
		g->len = g->minlen = g->lens[0];
	if (g->nlens == 2) {
		g->minlen = g->lens[1];
		if (g->minlen > g->len) {
			int x = g->len;

			g->len = g->minlen;
			g->minlen = x;
		}
	}
	if (!g->burst_set && (g->fn == FN_PING || g->fn == FN_PONG))
		g->burst = 1;
	if (!g->wait_set && (strncmp(g->ifname, "vale", 4) == 0 || g->kind == KIND_NULL))
		g->wait_link = 0;
	if (g->cpus == 0)
		g->cpus = g->system_cpus;
	if ((o & OPT_RUBBISH) && (g->fn == FN_TXSEQ || g->fn == FN_PING)) {
		fprintf(stderr, "pkt-gen: -r cannot be used with %s\n", g->fn_name);
		return -1;
	}
	if (g->vhdr_req > 0 && g->vhdr_req != 10 && g->vhdr_req != 12) {
		fprintf(stderr, "pkt-gen: -H must be 0, 10 or 12\n");
		return -1;
	}
	if (g->pcap_file && (g->fn == FN_TXSEQ || g->fn == FN_PING || (o & OPT_TS))) {
		fprintf(stderr, "pkt-gen: -P sends its frame unchanged: it cannot carry the "
			"sequence numbers or timestamps of %s\n", g->fn_name);
		return -1;
	}
	if ((g->test_skip != PG_NONE || g->test_swap != PG_NONE) && g->fn != FN_TXSEQ) {
		fprintf(stderr, "pkt-gen: --test-skip and --test-swap need -f txseq\n");
		return -1;
	}
	if (g->kloop && (g->fn == FN_PING || g->fn == FN_PONG)) {
		fprintf(stderr, "pkt-gen: --kloop works with -f tx, rx, txseq and rxseq\n");
		return -1;
	}
	return 0;
}

int pg_parse_args(struct glob *g, int argc, char **argv)
{
	int ch;

	set_defaults(g);
	while ((ch = getopt_long(argc, argv, "46ABC:D:F:H:IM:NP:R:S:T:WXZa:b:c:d:f:hi:l:n:o:p:rs:vw:z",
				 long_opts, NULL)) != -1) {
		if (ch == 'h') {
			pg_usage(stdout);
			exit(PG_EXIT_OK);
		}
		if (ch == '?' || one_option(g, ch, optarg) < 0) {
			if (ch == '?')
				pg_usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pkt-gen: unexpected argument '%s'\n", argv[optind]);
		pg_usage(stderr);
		return -1;
	}
	if (g->ifname[0] == '\0') {
		fprintf(stderr, "pkt-gen: missing -i port\n");
		pg_usage(stderr);
		return -1;
	}
	return finish(g);
}
