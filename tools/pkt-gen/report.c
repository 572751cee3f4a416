/*
 * report.c -- what pkt-gen prints about its traffic, in the formats scripts parse (netmap API
 * document, section 10.1): the scaled number format ("14.880 M", or "14880000 " with -N), the
 * sliding mean and standard deviation of -A, the final "Sent|Received ..." report, and the JSON
 * lines of --json (one object per line on stdout, flushed at once).  The periodic text line itself
 * is printed by main_thread() in pkt-gen.c, because D() names the function that calls it.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "pkt-gen.h"

#define STATS_WIN	16	/* intervals in the -A window */

/* "%.3f <unit>" with the value divided by 1000 until below 1000 (up to T), or "%.0f ". */
const char *pg_norm(char *buf, size_t size, double val, int normalize)
{
	static const char *const units[] = { "", "K", "M", "G", "T" };
	int i = 0;

	if (!normalize) {
		snprintf(buf, size, "%.0f ", val);
		return buf;
	}
	while (val >= 1000 && i < 4) {
		val /= 1000;
		i++;
	}
	snprintf(buf, size, "%.3f %s", val, units[i]);
	return buf;
}

/* Square root by Newton's method: the tools link without libm. */
static double pg_sqrt(double x)
{
	double r = x > 1 ? x : 1;
	int i;

	if (x <= 0)
		return 0;
	for (i = 0; i < 200; i++) {
		double n = (r + x / r) / 2;

		if (n >= r)
			break;
		r = n;
	}
	return r;
}

/* -A: "[avg/std X/Y pps]" over the last STATS_WIN intervals, else "". Main thread only. */
void pg_stats_window(struct glob *g, double pps, char *out, size_t size)
{
	static double win[STATS_WIN];
	static int n, pos;
	double sum = 0, sq = 0, avg, std;
	char a[32], s[32];
	int i;

	out[0] = '\0';
	if (!(g->options & OPT_PPS_STATS))
		return;
	win[pos] = pps;
	pos = (pos + 1) % STATS_WIN;
	if (n < STATS_WIN)
		n++;
	for (i = 0; i < n; i++)
		sum += win[i];
	avg = sum / n;
	for (i = 0; i < n; i++)
		sq += (win[i] - avg) * (win[i] - avg);
	std = n > 1 ? pg_sqrt(sq / (n - 1)) : 0;
	snprintf(out, size, "[avg/std %s/%s pps]", pg_norm(a, sizeof(a), avg, g->normalize),
		 pg_norm(s, sizeof(s), std, g->normalize));
}

/* A JSON string (quotes included). */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* ,"vale":{"tx_pkts":N,...} from /proc/netmap_vale when the port is a VALE port. */
static void json_vale_counters(const struct glob *g)
{
	char line[512], *tok, *save = NULL, *key = NULL;
	const char *name;
	size_t n;
	FILE *f;
	int first = 1;

	if (!g->nmd || strncmp(g->nmd->hdr.nr_name, "vale", 4))
		return;
	name = g->nmd->hdr.nr_name;
	n = strlen(name);
	f = fopen("/proc/netmap_vale", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, n) || line[n] != ' ')
			continue;
		printf(",\"vale\":{");
		for (tok = strtok_r(line + n, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			if (!key) {
				key = tok;
				continue;
			}
			printf("%s\"%s\":%s", first ? "" : ",", key, tok);
			first = 0;
			key = NULL;
		}
		putchar('}');
		break;
	}
	fclose(f);
}

static void json_head(const struct glob *g, const char *type)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	printf("{\"type\":\"%s\",\"time\":%ld.%06ld,\"function\":\"%s\",\"port\":", type,
	       (long)tv.tv_sec, (long)tv.tv_usec, g->fn_name);
	json_str(g->ifname);
}

/* One periodic JSON line on stdout: the interval's numbers and the running totals. */
void pg_json_periodic(const struct glob *g, const struct pg_totals *cur,
		      const struct pg_totals *d, uint64_t usec)
{
	double sec = usec ? usec / 1e6 : 1e-6;

	json_head(g, "periodic");
	printf(",\"interval_usec\":%llu,\"pkts\":%llu,\"bytes\":%llu,\"events\":%llu,"
	       "\"pps\":%.3f,\"bps\":%.3f,\"avg_batch\":%.2f,\"min_space\":%u,"
	       "\"total_pkts\":%llu,\"total_bytes\":%llu,\"lost\":%llu,\"reordered\":%llu,"
	       "\"corrupt\":%llu,\"foreign\":%llu",
	       (unsigned long long)usec, (unsigned long long)d->pkts, (unsigned long long)d->bytes,
	       (unsigned long long)d->events, d->pkts / sec,
	       (d->bytes + (double)d->pkts * g->framing) * 8 / sec,
	       d->events ? (double)d->pkts / d->events : 0.0, d->min_space,
	       (unsigned long long)cur->pkts, (unsigned long long)cur->bytes,
	       (unsigned long long)cur->lost, (unsigned long long)cur->reordered,
	       (unsigned long long)cur->corrupt, (unsigned long long)cur->foreign);
	json_vale_counters(g);
	printf("}\n");
	fflush(stdout);
}

static void json_final(const struct glob *g, const struct pg_totals *t, double sec)
{
	json_head(g, "final");
	printf(",\"pkts\":%llu,\"bytes\":%llu,\"events\":%llu,\"seconds\":%.6f,\"pps\":%.3f,"
	       "\"bps\":%.3f,\"raw_bps\":%.3f,\"avg_batch\":%.2f,\"lost\":%llu,\"reordered\":%llu,"
	       "\"corrupt\":%llu,\"foreign\":%llu",
	       (unsigned long long)t->pkts, (unsigned long long)t->bytes,
	       (unsigned long long)t->events, sec, t->pkts / sec, t->bytes * 8.0 / sec,
	       (t->bytes + (double)t->pkts * g->framing) * 8 / sec,
	       t->events ? (double)t->pkts / t->events : 0.0, (unsigned long long)t->lost,
	       (unsigned long long)t->reordered, (unsigned long long)t->corrupt,
	       (unsigned long long)t->foreign);
	json_vale_counters(g);
	printf("}\n");
	fflush(stdout);
}

/*
 * The final report on stdout:
 *   Sent|Received P packets B bytes E events S bytes each in T seconds.
 *   Speed: <pps>pps Bandwidth: <bps>bps (raw <raw>bps). Average batch: <b> pkts
 * or "Sent nothing." / "Received nothing.".  Only the tx and rx kinds of function print it.
 */
void pg_final_report(const struct glob *g, const struct pg_totals *t, double sec)
{
	int sender = g->fn == FN_TX || g->fn == FN_TXSEQ;
	const char *what = sender ? "Sent" : "Received";
	char b1[40], b2[40], b3[40];

	if (sec < 1e-6)
		sec = 1e-6;
	if (g->fn == FN_PING || g->fn == FN_PONG) {
		if (g->json)
			json_final(g, t, sec);
		return;
	}
	if (t->pkts == 0) {
		printf("%s nothing.\n", what);
	} else {
		printf("%s %llu packets %llu bytes %llu events %llu bytes each in %.2f seconds.\n",
		       what, (unsigned long long)t->pkts, (unsigned long long)t->bytes,
		       (unsigned long long)t->events, (unsigned long long)(t->bytes / t->pkts), sec);
		printf("Speed: %spps Bandwidth: %sbps (raw %sbps). Average batch: %.2f pkts\n",
		       pg_norm(b1, sizeof(b1), t->pkts / sec, g->normalize),
		       pg_norm(b2, sizeof(b2), t->bytes * 8.0 / sec, g->normalize),
		       pg_norm(b3, sizeof(b3), (t->bytes + (double)t->pkts * g->framing) * 8 / sec,
			       g->normalize),
		       t->events ? (double)t->pkts / t->events : 0.0);
	}
	if (g->fn == FN_RXSEQ)
		printf("Sequence check: %llu lost, %llu out of order, %llu corrupt.\n",
		       (unsigned long long)t->lost, (unsigned long long)t->reordered,
		       (unsigned long long)t->corrupt);
	if (g->json)
		json_final(g, t, sec);
	fflush(stdout);
}
