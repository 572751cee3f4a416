/*
 * Host test of the zero-copy monitor's buffer swap (core/monitor.c, nm_mon_zframes): the frames
 * a pipe's receiver releases reach a `/z` monitor of that end by swapping buffers, in order, with
 * no buffer held twice; slots whose buffer index a hostile receiver spoiled are skipped, counted
 * in the monitor ring's `skipped`, and left alone; the runs split where either ring wraps.
 */
#include "../../include/net/netmap_user.h"
#include "../t.h"
#include "app.h"

#define NSLOTS 1024

/* Whether buffer b is in the region's pool (0 and 1 belong to no one). */
static bool buf_ok(const struct app *a, u32 b)
{
	return b >= 2 && b < nm_mem_lut(nm_file_mem(a->nf))->total;
}

/* Counts how often each buffer index appears in the slots of rings r[0..n) (seen[] zeroed). */
static u32 dup_bufs(u8 *seen, u32 total, struct netmap_ring **r, u32 n)
{
	u32 dups = 0, i, k;

	for (k = 0; k < n; k++) {
		for (i = 0; i < r[k]->num_slots; i++) {
			u32 b = r[k]->slot[i].buf_idx;

			if (b >= 2 && b < total && seen[b]++)
				dups++;
		}
	}
	return dups;
}

static void test_swap_and_bad_slots(void)
{
	struct app m, s, z;
	struct netmap_ring *mtx, *srx, *zrx;
	struct nm_kring *zk;
	u32 orig[8], i, k, got;
	bool in_order = true, changed = true, fresh = true;

	ok(app_open(&m, "mon{1", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0, "pipe master mon{1 opens");
	ok(app_open(&s, "mon}1", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0, "pipe slave mon}1 opens");
	ok(app_open(&z, "mon}1", NR_REG_ALL_NIC, 0, NR_ZCOPY_MON, 0, 0) == 0,
	   "a zero-copy monitor of mon}1 opens");
	mtx = NETMAP_TXRING(m.nifp, 0);
	srx = NETMAP_RXRING(s.nifp, 0);
	zrx = NETMAP_RXRING(z.nifp, 0);
	zk = &z.nf->na->krings[NM_RX][0];

	for (i = 0; i < 8; i++)
		tx_frame(mtx, 60, (u8)(i + 1), 0);
	nm_file_sync(m.nf, NM_TX);
	nm_file_sync(s.nf, NM_RX);
	ok(nm_ring_space(srx) == 8, "the receiver gets 8 frames (%u)", nm_ring_space(srx));
	for (i = 0; i < 8; i++)
		orig[i] = srx->slot[srx->head + i].buf_idx;
	srx->slot[srx->head + 3].buf_idx = 0;		/* no one's buffer */
	srx->slot[srx->head + 5].buf_idx = 0xffffffff;	/* outside the region */
	srx->head = srx->cur = srx->tail;		/* released: the monitor's turn */
	nm_file_sync(s.nf, NM_RX);
	nm_file_sync(z.nf, NM_RX);
	got = nm_ring_space(zrx);
	ok(got == 6, "the monitor gets the 6 frames with good buffers (%u)", got);
	for (i = 0, k = 0; i < 8 && k < got; i++) {
		struct netmap_slot *zs = &zrx->slot[zrx->head + k];

		if (i == 3 || i == 5)
			continue;
		in_order &= zs->buf_idx == orig[i] && frame_is(zrx, zrx->head + k, 60, (u8)(i + 1)) &&
			    !(zs->flags & NS_TXMON);
		k++;
	}
	ok(in_order, "it holds the receiver's own buffers, in order, frames intact, NS_TXMON clear");
	ok(zk->skipped == 2, "the 2 spoiled slots are counted as skipped (%llu)",
	   (unsigned long long)zk->skipped);
	ok(srx->slot[3].buf_idx == 0 && srx->slot[5].buf_idx == 0xffffffff,
	   "the spoiled slots are left as the receiver wrote them");
	for (i = 0; i < 8; i++) {
		if (i == 3 || i == 5)
			continue;
		changed &= (srx->slot[i].flags & NS_BUF_CHANGED) != 0;
		for (k = 0; k < 8; k++)
			fresh &= srx->slot[i].buf_idx != orig[k];
		fresh &= buf_ok(&s, srx->slot[i].buf_idx);
	}
	ok(changed && fresh, "the good slots got the monitor's spare buffers, with NS_BUF_CHANGED");
	zrx->head = zrx->cur = zrx->tail;
	nm_file_sync(z.nf, NM_RX);
	app_close(&z);
	app_close(&s);
	app_close(&m);
}

/*
 * 300 rounds of 7 frames through a 1024-slot ring, one spoiled slot in the first round only (the
 * sender then restores the buffer): the monitor trails the receiver by one slot from there on,
 * so their rings wrap at different frames.
 */
static void test_wrap(void)
{
	struct app m, s, z;
	struct netmap_ring *mtx, *srx, *zrx, *rings[2];
	u32 round, i, got = 0, bad = 0, total, pos = 0, spoiled = 0;
	u8 *seen;

	ok(app_open(&m, "monw{1", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0 &&
	   app_open(&s, "monw}1", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0 &&
	   app_open(&z, "monw}1", NR_REG_ALL_NIC, 0, NR_ZCOPY_MON, 0, 0) == 0,
	   "wrap: a pipe and a zero-copy monitor of its slave");
	mtx = NETMAP_TXRING(m.nifp, 0);
	srx = NETMAP_RXRING(s.nifp, 0);
	zrx = NETMAP_RXRING(z.nifp, 0);
	ok(srx->num_slots == NSLOTS && zrx->num_slots == NSLOTS, "wrap: both rings have %u slots",
	   NSLOTS);
	for (round = 0; round < 300; round++) {
		for (i = 0; i < 7; i++)
			tx_frame(mtx, 60, (u8)(round * 7 + i), 0);
		nm_file_sync(m.nf, NM_TX);
		nm_file_sync(s.nf, NM_RX);
		if (round == 0) {
			pos = srx->head;
			spoiled = srx->slot[pos].buf_idx;
			srx->slot[pos].buf_idx = 1;
		}
		srx->head = srx->cur = srx->tail;
		nm_file_sync(s.nf, NM_RX);
		nm_file_sync(m.nf, NM_TX);
		if (round == 0) {	/* the sender takes its buffer back, or buffer 1 would come round */
			mtx->slot[pos].buf_idx = spoiled;
			mtx->slot[pos].flags |= NS_BUF_CHANGED;
		}
		nm_file_sync(z.nf, NM_RX);
		for (i = zrx->head; i != zrx->tail; i = nm_ring_next(zrx, i)) {
			u32 seq = got + 1;	/* frame 0 of round 0 was spoiled */

			bad += !frame_is(zrx, i, 60, (u8)seq);
			got++;
		}
		zrx->head = zrx->cur = zrx->tail;
		nm_file_sync(z.nf, NM_RX);
	}
	ok(got == 300 * 7 - 1 && bad == 0, "wrap: the monitor got %u of %u frames, %u corrupt", got,
	   300 * 7 - 1, bad);
	total = nm_mem_lut(nm_file_mem(s.nf))->total;
	seen = calloc(total, 1);
	/* The pipe's buffers live in the sender's TX slots (the receiver's RX slots are copies). */
	rings[0] = mtx, rings[1] = zrx;
	ok(seen && dup_bufs(seen, total, rings, 2) == 0,
	   "wrap: no buffer is in two slots of the pipe's TX ring and the monitor's ring");
	free(seen);
	app_close(&z);
	app_close(&s);
	app_close(&m);
}

int main(void)
{
	long base;

	ok(app_core_init() == 0, "core initialised");
	base = nm_os_live_objects();
	test_swap_and_bad_slots();
	test_wrap();
	ok(nm_os_live_objects() == base, "no object leaked by any test");
	app_core_fini();
	return t_exit();
}
