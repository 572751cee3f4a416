/*
 * bench/host/micro.c - micro-benchmarks of the core's hot paths, run on the host through the
 * userspace os.h: the same C that runs in the kernel, without a guest.
 *
 *   micro pipe|vale60|vale1514|vale60-mon|vale60-zmon [ROUNDS]
 *
 * vale60-mon and vale60-zmon add a copy (/r) or zero-copy (/z) monitor of the receiver, whose
 * application takes every frame each round: the difference to vale60 is what a monitor costs,
 * its own RXSYNC included.
 *
 * Each scenario moves ROUNDS batches of BATCH packets through the core with the sync calls an
 * application makes (txsync on the sender, rxsync on the receiver, release, rxsync, txsync) and
 * prints packets and nanoseconds per packet.  Run under
 *   valgrind --tool=callgrind --toggle-collect=nm_file_sync ./micro SCENARIO
 * it yields instructions per packet spent inside the syncs: a repeatable number on a noisy
 * machine (bench/host/run does this).  The application side writes only lengths and headers, so
 * what is counted is netmap's own work: validation, slot moves, learning, lookups and copies.
 */
#include <time.h>

#include "../../tests/host/app.h"
#include "mem.h"
#include "params.h"
#include "port.h"
#include "vale.h"

#define BATCH 256

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Queues BATCH frames of len bytes with the given MACs (only the headers are written). */
static void fill(struct netmap_ring *t, u32 len, const u8 *dst, const u8 *src)
{
	u32 k;

	for (k = 0; k < BATCH; k++) {
		struct netmap_slot *slot = &t->slot[t->cur];

		if (dst) {
			u8 *buf = (u8 *)NETMAP_BUF(t, slot->buf_idx);

			memcpy(buf, dst, 6);
			memcpy(buf + 6, src, 6);
		}
		slot->len = len;
		t->head = t->cur = nm_ring_next(t, t->cur);
	}
}

static void release(struct netmap_ring *r)
{
	r->head = r->cur = r->tail;
}

/* One round: send a batch, receive it, give the slots back; a monitor, if any, takes its copy. */
static u64 round_trip(struct app *tx, struct app *rx, struct app *mon, u32 len, const u8 *dst,
		      const u8 *src)
{
	struct netmap_ring *t = NETMAP_TXRING(tx->nifp, 0), *r = NETMAP_RXRING(rx->nifp, 0);
	u64 got;

	fill(t, len, dst, src);
	nm_file_sync(tx->nf, NM_TX);
	nm_file_sync(rx->nf, NM_RX);
	got = nm_ring_space(r);
	release(r);
	nm_file_sync(rx->nf, NM_RX);
	nm_file_sync(tx->nf, NM_TX);
	if (mon) {
		nm_file_sync(mon->nf, NM_RX);
		release(NETMAP_RXRING(mon->nifp, 0));
		nm_file_sync(mon->nf, NM_RX);
	}
	return got;
}

static int run(const char *scenario, u32 rounds)
{
	static const u8 mac_a[6] = { 2, 0, 0, 0, 0, 0xa }, mac_b[6] = { 2, 0, 0, 0, 0, 0xb };
	const u8 *dst = NULL, *src = NULL;
	struct app tx, rx, mon, *m = NULL;
	u64 pkts = 0;
	u32 len = 60, i;
	double t0;

	if (strcmp(scenario, "pipe") == 0) {
		app_open(&tx, "bench{0", NR_REG_ALL_NIC, 0, 0, 0, 0);
		app_open(&rx, "bench}0", NR_REG_ALL_NIC, 0, 0, 0, 0);
	} else if (strncmp(scenario, "vale", 4) == 0) {
		len = (u32)atoi(scenario + 4);
		app_open(&tx, "vale0:a", NR_REG_ALL_NIC, 0, 0, 0, 0);
		app_open(&rx, "vale0:b", NR_REG_ALL_NIC, 0, 0, 0, 0);
		dst = mac_b, src = mac_a;
		/* Let the switch learn b, so the measured frames are unicast. */
		fill(NETMAP_TXRING(rx.nifp, 0), 60, mac_a, mac_b);
		nm_file_sync(rx.nf, NM_TX);
		if (strstr(scenario, "-mon") || strstr(scenario, "-zmon")) {
			m = &mon;
			if (app_open(m, "vale0:b", NR_REG_ALL_NIC, 0,
				     strstr(scenario, "-zmon") ? NR_ZCOPY_MON : NR_MONITOR_RX, 0, 0)) {
				fprintf(stderr, "micro: cannot open the monitor of vale0:b\n");
				return 1;
			}
		}
	} else {
		fprintf(stderr, "usage: micro pipe|vale60|vale1514|vale60-mon|vale60-zmon [ROUNDS]\n");
		return 2;
	}
	if (len < 60 || len > 2048) {
		fprintf(stderr, "micro: bad frame length %u\n", len);
		return 2;
	}
	t0 = now_ns();
	for (i = 0; i < rounds; i++)
		pkts += round_trip(&tx, &rx, m, len, dst, src);
	printf("%s packets %llu ns_per_packet %.1f\n", scenario, (unsigned long long)pkts,
	       (now_ns() - t0) / (pkts ? pkts : 1));
	if (m)
		app_close(m);
	app_close(&rx);
	app_close(&tx);
	return pkts == (u64)rounds * BATCH ? 0 : 1;
}

int main(int argc, char **argv)
{
	u32 rounds = argc > 2 ? (u32)atoi(argv[2]) : 2000;
	int err;

	if (argc < 2) {
		fprintf(stderr, "usage: micro pipe|vale60|vale1514|vale60-mon|vale60-zmon [ROUNDS]\n");
		return 2;
	}
	nm_params_reset();
	nm_mem_global_init();
	nm_vale_init();
	nm_ports_init();
	err = run(argv[1], rounds);
	nm_ports_fini();
	nm_vale_fini();
	nm_mem_global_fini();
	return err;
}
