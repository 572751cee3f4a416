/*
 * Host test of registration, ring validation, pipes and null ports, driven the way an application
 * drives them: REGISTER, then the netmap_if and rings found through ring_ofs, then syncs and poll.
 * On the host the region is ordinary memory, so the test reads rings through the same pointers
 * an application would compute from its mapping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "file.h"
#include "kring.h"
#include "mem.h"
#include "params.h"
#include "port.h"
#include "../host/os_user.h"
#include "app.h"
#include "../../include/net/netmap_user.h"
#include "../t.h"

static void test_pipe_basic(void)
{
	struct app m, s;
	struct netmap_ring *mtx, *srx;
	u32 first_buf, i;

	ok(app_open(&m, "pipe{1", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0, "pipe: master opens");
	ok(app_open(&s, "pipe}1", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0, "pipe: slave opens");
	ok(m.reg.nr_tx_rings == 1 && m.reg.nr_rx_rings == 1 && m.reg.nr_tx_slots == 1024 &&
	   m.reg.nr_host_tx_rings == 0 && m.reg.nr_mem_id >= 2,
	   "pipe: default geometry 1 ring x 1024 slots, no host rings, private region");
	ok(m.reg.nr_mem_id == s.reg.nr_mem_id && m.reg.nr_memsize == 42369024,
	   "pipe: both ends share the parent's region (42,369,024 bytes)");
	ok(strcmp(m.nifp->ni_name, "pipe{1") == 0 && strcmp(s.nifp->ni_name, "pipe}1") == 0,
	   "pipe: adapter names");
	ok(m.nifp->ni_host_tx_rings == 1 && m.nifp->ni_host_rx_rings == 1 &&
	   m.nifp->ring_ofs[1] == 0 && m.nifp->ring_ofs[0] != 0 && m.nifp->ring_ofs[2] != 0,
	   "pipe: placeholder host entries are 0, bound rings have offsets");
	mtx = NETMAP_TXRING(m.nifp, 0);
	srx = NETMAP_RXRING(s.nifp, 0);
	ok(mtx->num_slots == 1024 && mtx->dir == 1 && srx->dir == 0 && mtx->tail == 1023 &&
	   srx->tail == 0 && nm_ring_space(mtx) == 1023,
	   "pipe: initial ring state (TX tail n-1, RX empty, dir 1/0)");

	first_buf = mtx->slot[0].buf_idx;
	for (i = 0; i < 3; i++)
		tx_frame(mtx, 60 + i, 0xa0 + i, 0);
	ok(nm_file_sync(m.nf, NM_TX) == 0, "pipe: txsync");
	ok(nm_file_sync(s.nf, NM_RX) == 0 && nm_ring_space(srx) == 3,
	   "pipe: receiver sees 3 frames after rxsync");
	ok(frame_is(srx, 0, 60, 0xa0) && frame_is(srx, 1, 61, 0xa1) && frame_is(srx, 2, 62, 0xa2),
	   "pipe: every byte and length arrives");
	ok(srx->slot[0].buf_idx == first_buf, "pipe: zero copy (the receiver gets the sender's buffer)");
	ok(nm_ring_space(mtx) == 1020 && mtx->tail == 1023,
	   "pipe: sender's space shrinks until the receiver releases");

	srx->head = srx->cur = srx->tail;
	nm_file_sync(s.nf, NM_RX);
	nm_file_sync(m.nf, NM_TX);
	ok(nm_ring_space(mtx) == 1023 && !nm_tx_pending(mtx),
	   "pipe: released slots return to the sender");

	/* A two-slot packet is published only once complete. */
	tx_frame(mtx, 100, 1, NS_MOREFRAG);
	nm_file_sync(m.nf, NM_TX);
	nm_file_sync(s.nf, NM_RX);
	ok(nm_ring_space(srx) == 0, "pipe: an incomplete packet is held back");
	tx_frame(mtx, 50, 2, 0);
	nm_file_sync(m.nf, NM_TX);
	nm_file_sync(s.nf, NM_RX);
	ok(nm_ring_space(srx) == 2 && (srx->slot[srx->head].flags & NS_MOREFRAG),
	   "pipe: both fragments arrive together");
	srx->head = srx->cur = srx->tail;
	nm_file_sync(s.nf, NM_RX);

	/* Closing one end leaves the other working, with its ring state. */
	app_close(&s);
	tx_frame(mtx, 64, 7, 0);
	nm_file_sync(m.nf, NM_TX);
	ok(app_open(&s, "pipe}1", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0, "pipe: slave reopens");
	srx = NETMAP_RXRING(s.nifp, 0);
	nm_file_sync(s.nf, NM_RX);
	ok(nm_ring_space(srx) == 1 && frame_is(srx, srx->head, 64, 7),
	   "pipe: a frame sent while the peer was closed is delivered when it reopens");
	app_close(&s);
	app_close(&m);
}

static void test_validation(void)
{
	struct app m, s;
	struct netmap_ring *mtx, *srx;
	struct nm_kring *kr;
	u64 bad;

	app_open(&m, "val{x", NR_REG_ALL_NIC, 0, 0, 0, 0);	/* "val{x" is a pipe: braces win */
	ok(m.nf->na != NULL, "validation: a name with a brace resolves as a pipe before VALE");
	app_open(&s, "val}x", NR_REG_ALL_NIC, 0, 0, 0, 0);
	mtx = NETMAP_TXRING(m.nifp, 0);
	srx = NETMAP_RXRING(s.nifp, 0);
	kr = &m.nf->na->krings[NM_TX][0];

	bad = kr->bad_syncs;
	mtx->head = mtx->cur = 5;
	mtx->tail = 77;			/* scribbled */
	ok(nm_file_sync(m.nf, NM_TX) == 0 && mtx->tail == 1023 && kr->hwcur == 5,
	   "validation: a valid sync restores a scribbled tail");
	mtx->head = 3;
	ok(nm_file_sync(m.nf, NM_TX) == 0 && kr->bad_syncs == bad + 1 && kr->hwcur == 5 &&
	   mtx->head == 3, "validation: head moved backwards: ioctl returns 0, ring not synced, head kept");
	mtx->head = 2000;
	mtx->cur = 5;
	nm_file_sync(m.nf, NM_TX);
	ok(mtx->head == 5 && mtx->cur == 5 && mtx->tail == 1023 && kr->bad_syncs == bad + 2,
	   "validation: head >= num_slots resets head = cur = hwcur, tail = hwtail");
	mtx->head = mtx->cur = 5;
	mtx->slot[5].buf_idx = 999999;
	mtx->slot[6].len = 60000;
	mtx->head = 7;
	mtx->cur = 6;		/* cur behind head: invalid, slots get sanitised */
	nm_file_sync(m.nf, NM_TX);
	ok(mtx->slot[5].buf_idx == 0 && mtx->slot[5].len == 0 && mtx->slot[6].len == 0,
	   "validation: a violation sanitises bad buf_idx and len");
	{
		struct nm_kring *rk = &s.nf->na->krings[NM_RX][0];
		u64 rb = rk->bad_syncs;

		srx->head = 9;	/* beyond what was received */
		ok(nm_file_sync(s.nf, NM_RX) == 0 && rk->bad_syncs == rb + 1 && rk->hwcur == 0,
		   "validation: RX head past tail: 0, counted, nothing released");
		srx->head = srx->cur = 0;
	}
	/* A hostile sender's out-of-range buffer never reaches the peer. */
	mtx->head = mtx->cur = 5;
	mtx->slot[5].buf_idx = 0x7fffffff;
	mtx->slot[5].len = 60;
	mtx->head = mtx->cur = 6;
	nm_file_sync(m.nf, NM_TX);
	nm_file_sync(s.nf, NM_RX);
	ok(srx->slot[5].buf_idx == 0 && srx->slot[5].len == 0 && kr->bad_slots > 0,
	   "validation: out-of-range buf_idx from a sender arrives as buffer 0, length 0, counted");
	app_close(&s);
	app_close(&m);
}

/*
 * The slot copy of both directions (sender to receiver, released slots back to the sender):
 * fields cross whole, lengths are checked at the buffer size's edge, NS_BUF_CHANGED is consumed,
 * a packet whose fragments straddle the end of the ring is published only once complete, and a
 * receiver's bad release reaches the sender sanitised and counted.
 */
static void test_slot_copy(void)
{
	struct app m, s;
	struct netmap_ring *mtx, *srx;
	struct nm_kring *kr;
	u32 size, i, b5;
	u64 bad;

	app_open(&m, "cp{1", NR_REG_ALL_NIC, 0, 0, 0, 0);
	app_open(&s, "cp}1", NR_REG_ALL_NIC, 0, 0, 0, 0);
	mtx = NETMAP_TXRING(m.nifp, 0);
	srx = NETMAP_RXRING(s.nifp, 0);
	kr = &m.nf->na->krings[NM_TX][0];
	size = mtx->nr_buf_size;
	bad = kr->bad_slots;

	tx_frame(mtx, size, 1, NS_BUF_CHANGED | NS_REPORT);
	mtx->slot[0].ptr = 0x1122334455667788ull;
	tx_frame(mtx, 60, 2, 0);
	mtx->slot[1].len = size + 1;		/* one byte too long */
	nm_file_sync(m.nf, NM_TX);
	nm_file_sync(s.nf, NM_RX);
	ok(nm_ring_space(srx) == 2 && srx->slot[0].len == size && srx->slot[0].flags == NS_REPORT &&
	   srx->slot[0].ptr == 0x1122334455667788ull && srx->slot[0].buf_idx == mtx->slot[0].buf_idx,
	   "copy: a full-size frame crosses whole, NS_BUF_CHANGED stays behind");
	ok(mtx->slot[0].flags == NS_REPORT, "copy: the sender's NS_BUF_CHANGED is consumed");
	ok(srx->slot[1].len == 0 && srx->slot[1].buf_idx == mtx->slot[1].buf_idx &&
	   kr->bad_slots == bad + 1, "copy: a length one past the buffer size arrives as 0, counted");

	/* The receiver gives slot 0 back intact and slot 1 with a foreign buffer index. */
	b5 = srx->slot[0].buf_idx;
	srx->slot[1].buf_idx = 0xfffffff0;
	srx->head = srx->cur = 2;
	nm_file_sync(s.nf, NM_RX);
	nm_file_sync(m.nf, NM_TX);
	ok(mtx->slot[0].buf_idx == b5 && mtx->slot[0].len == size && mtx->slot[1].buf_idx == 0 &&
	   kr->bad_slots == bad + 2 && nm_ring_space(mtx) == 1023,
	   "copy: released slots come back, a bad index as buffer 0, counted");

	/* Fragments over the end of the ring: slots 1022, 1023 and 0. */
	mtx->slot[1].buf_idx = b5;		/* the sender repairs its ring */
	for (i = 2; i < 1022; i++)
		tx_frame(mtx, 60, 3, 0);
	nm_file_sync(m.nf, NM_TX);
	nm_file_sync(s.nf, NM_RX);
	srx->head = srx->cur = srx->tail;
	nm_file_sync(s.nf, NM_RX);
	nm_file_sync(m.nf, NM_TX);
	tx_frame(mtx, 60, 4, NS_MOREFRAG);
	tx_frame(mtx, 60, 5, NS_MOREFRAG);
	nm_file_sync(m.nf, NM_TX);
	nm_file_sync(s.nf, NM_RX);
	ok(srx->head == 1022 && nm_ring_space(srx) == 0, "copy: fragments up to the ring's end wait");
	tx_frame(mtx, 60, 6, 0);
	nm_file_sync(m.nf, NM_TX);
	nm_file_sync(s.nf, NM_RX);
	ok(nm_ring_space(srx) == 3 && srx->tail == 1 && frame_is(srx, 1022, 60, 4) &&
	   frame_is(srx, 1023, 60, 5) && frame_is(srx, 0, 60, 6),
	   "copy: the packet is published whole once its last fragment wraps to slot 0");

	/* A batch whose last packet ends on the ring's last slot: published up to slot 0. */
	srx->head = srx->cur = srx->tail;
	nm_file_sync(s.nf, NM_RX);
	nm_file_sync(m.nf, NM_TX);
	for (i = 0; i < 1023; i++)
		tx_frame(mtx, 60, 7, 0);
	nm_file_sync(m.nf, NM_TX);
	nm_file_sync(s.nf, NM_RX);
	ok(nm_ring_space(srx) == 1023 && srx->tail == 0 && frame_is(srx, 1023, 60, 7),
	   "copy: 1023 frames ending on the last slot: all published, tail wraps to 0");
	app_close(&s);
	app_close(&m);
}

static void test_modes(void)
{
	struct app a, b;

	ok(app_open(&a, "p{m", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0 && a.reg.nr_mode == NR_REG_ALL_NIC,
	   "modes: reply keeps nr_mode");
	app_close(&a);
	ok(app_open(&a, "p{m", NR_REG_SW, 0, 0, 0, 0) == -EINVAL, "modes: SW on a pipe: EINVAL");
	app_close(&a);
	ok(app_open(&a, "p{m", NR_REG_NIC_SW, 0, 0, 0, 0) == -EINVAL, "modes: NIC_SW on a pipe: EINVAL");
	app_close(&a);
	ok(app_open(&a, "p{m", 99, 0, 0, 0, 0) == -EINVAL, "modes: unknown mode: EINVAL");
	app_close(&a);
	ok(app_open(&a, "p{m", NR_REG_ONE_NIC, 1, 0, 0, 0) == -EINVAL,
	   "modes: ONE_NIC past the rings: EINVAL");
	app_close(&a);
	ok(app_open(&a, "p{m", NR_REG_ALL_NIC, 0, NR_TX_RINGS_ONLY, 0, 0) == 0 &&
	   a.nf->last[NM_RX] == 0 && a.nifp->ring_ofs[2] == 0 && a.nifp->ring_ofs[0] != 0,
	   "modes: TX_RINGS_ONLY binds no RX ring");
	ok(app_open(&b, "p{m", NR_REG_ALL_NIC, 0, NR_EXCLUSIVE, 0, 0) == -EBUSY,
	   "modes: NR_EXCLUSIVE on a ring in use: EBUSY");
	app_close(&b);
	app_close(&a);
	ok(app_open(&a, "p{m", NR_REG_ALL_NIC, 0, NR_EXCLUSIVE, 0, 0) == 0, "modes: exclusive open");
	ok(app_open(&b, "p{m", NR_REG_ALL_NIC, 0, NR_RX_RINGS_ONLY, 0, 0) == -EBUSY,
	   "modes: a ring held exclusively refuses others: EBUSY");
	app_close(&b);
	app_close(&a);
	ok(app_open(&a, "p{m", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0, "modes: exclusivity ends with close");
	ok(app_open(&b, "p{m", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0 &&
	   a.nf->nifp != b.nf->nifp && a.reg.nr_offset != b.reg.nr_offset,
	   "modes: two fds share rings, each with its own netmap_if");
	app_close(&b);
	app_close(&a);
	ok(app_open(&a, "{x", NR_REG_ALL_NIC, 0, 0, 0, 0) == -EINVAL &&
	   app_open(&b, "x{", NR_REG_ALL_NIC, 0, 0, 0, 0) == -EINVAL,
	   "modes: pipe names with an empty parent or id: EINVAL");
	app_close(&a);
	app_close(&b);
	ok(app_open(&a, "vale0{1", NR_REG_ALL_NIC, 0, 0, 0, 0) == -ENXIO &&
	   (app_close(&a), app_open(&a, "abcdefghijklmnop{1", NR_REG_ALL_NIC, 0, 0, 0, 0)) == -ENXIO,
	   "modes: an implicit parent named vale* or of 16+ characters: ENXIO");
	app_close(&a);
	ok(app_open(&a, "eth0", NR_REG_ALL_NIC, 0, 0, 0, 0) == -ENXIO, "modes: unknown device: ENXIO");
	app_close(&a);
}

static void test_null_and_extra(void)
{
	struct app a;
	u32 free0, n, idx;
	struct nm_mem *mem;

	ok(app_open(&a, "x", NR_REG_NULL, 0, 0, 0, 0) == -EINVAL, "null: needs a mem id: EINVAL");
	app_close(&a);
	ok(app_open(&a, "x", NR_REG_NULL, 0, 0, 77, 0) == -EINVAL, "null: unknown mem id: EINVAL");
	app_close(&a);
	ok(app_open(&a, "x", NR_REG_NULL, 0, 0, 1, 0) == 0 && a.reg.nr_tx_rings == 0 &&
	   a.reg.nr_mem_id == 1 && strcmp(a.nifp->ni_name, "null:x") == 0,
	   "null: zero rings in the global region, named null:x");
	app_close(&a);

	mem = nm_mem_global_get();
	nm_mem_activate(mem);
	free0 = nm_mem_bufs_free_count(mem);
	ok(app_open(&a, "e{1", NR_REG_ALL_NIC, 0, 0, 0, 100) == 0 && a.reg.nr_extra_bufs == 100,
	   "extra buffers: 100 granted");
	{
		struct netmap_ring *r = NETMAP_TXRING(a.nifp, 0);

		for (n = 0, idx = a.nifp->ni_bufs_head; idx && n < 1000; n++)
			idx = *(u32 *)NETMAP_BUF(r, idx);
		ok(n == 100, "extra buffers: the chain from ni_bufs_head has 100 links ending in 0");
	}
	app_close(&a);
	ok(nm_mem_bufs_free_count(mem) == free0, "global region untouched by a pipe's extra buffers");
	nm_mem_deactivate(mem);
	nm_mem_put(mem);

}

/*
 * A receiver that swaps a received buffer for one of its extra buffers and releases the slot:
 * when the pipe goes away before the sender syncs again, the buffer the receiver left in its
 * slot - not the one the sender sent - goes back to the region, and nothing is lost.  A null
 * port keeps the pipe's region alive to count its free buffers afterwards.
 */
static void test_drain_after_swap(void)
{
	struct app m, s, z;
	struct netmap_ring *mtx, *srx;
	struct nm_mem *mem;
	u32 i, x, e;

	ok(app_open(&m, "pd{1", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0 &&
	   app_open(&s, "pd}1", NR_REG_ALL_NIC, 0, 0, 0, 4) == 0 && s.reg.nr_extra_bufs == 4 &&
	   app_open(&z, "x", NR_REG_NULL, 0, 0, m.reg.nr_mem_id, 0) == 0,
	   "drain: a pipe, 4 extra buffers for its receiver, a null port in its region");
	mem = nm_file_mem(z.nf);
	mtx = NETMAP_TXRING(m.nifp, 0);
	srx = NETMAP_RXRING(s.nifp, 0);
	for (i = 0; i < 4; i++)
		tx_frame(mtx, 60, (u8)i, 0);
	nm_file_sync(m.nf, NM_TX);
	nm_file_sync(s.nf, NM_RX);
	x = srx->slot[0].buf_idx;
	e = s.nifp->ni_bufs_head;
	s.nifp->ni_bufs_head = *(u32 *)NETMAP_BUF(srx, e);	/* take e off the list... */
	*(u32 *)NETMAP_BUF(srx, x) = s.nifp->ni_bufs_head;	/* ...and put x on it */
	s.nifp->ni_bufs_head = x;
	srx->slot[0].buf_idx = e;
	srx->slot[0].flags |= NS_BUF_CHANGED;
	srx->head = srx->cur = srx->tail;
	nm_file_sync(s.nf, NM_RX);
	app_close(&s);
	app_close(&m);
	ok(nm_mem_bufs_free_count(mem) == nm_mem_lut(mem)->total - 2,
	   "drain: every buffer of the region is free again (%u of %u)", nm_mem_bufs_free_count(mem),
	   nm_mem_lut(mem)->total - 2);
	app_close(&z);
}

static unsigned long waits;
static void count_wait(void *arg, struct nm_os_waitq *q)
{
	(void)arg;
	(void)q;
	waits++;
}

static void test_poll(void)
{
	struct app m, s;
	struct netmap_ring *mtx;
	unsigned int rev;

	{
		struct nm_file *nf = nm_file_new();

		ok(nm_file_poll(nf, NM_POLL_IN | NM_POLL_OUT, count_wait, NULL) == NM_POLL_ERR,
		   "poll: an unbound fd reports POLLERR");
		ok(nm_file_sync(nf, NM_TX) == -ENXIO, "sync: an unbound fd gives ENXIO");
		nm_file_release(nf);
	}
	app_open(&m, "q{1", NR_REG_ALL_NIC, 0, 0, 0, 0);
	app_open(&s, "q}1", NR_REG_ALL_NIC, 0, 0, 0, 0);
	mtx = NETMAP_TXRING(m.nifp, 0);
	waits = 0;
	rev = nm_file_poll(s.nf, NM_POLL_IN, count_wait, NULL);
	ok(rev == 0 && waits == 2, "poll: nothing to read; waits on the TX and RX queues");
	ok(nm_file_poll(m.nf, NM_POLL_OUT, count_wait, NULL) == NM_POLL_OUT, "poll: TX space is POLLOUT");
	{
		struct nm_kring *rk = &s.nf->na->krings[NM_RX][0];
		unsigned long w = rk->wq.wakeups;

		tx_frame(mtx, 60, 3, 0);
		nm_file_poll(m.nf, NM_POLL_OUT, count_wait, NULL);	/* poll txsyncs */
		ok(rk->wq.wakeups == w + 1, "poll: a send wakes the receiver's ring queue");
	}
	ok(nm_file_poll(s.nf, NM_POLL_IN, count_wait, NULL) == NM_POLL_IN, "poll: a frame is POLLIN");
	app_close(&s);
	app_close(&m);
}

int main(void)
{
	long base;

	ok(app_core_init() == 0, "core initialised (global region, switches, port providers)");
	base = nm_os_live_objects();
	test_pipe_basic();
	ok(nm_os_live_objects() == base, "pipe: everything freed after both ends close");
	test_validation();
	test_slot_copy();
	test_modes();
	test_null_and_extra();
	test_drain_after_swap();
	test_poll();
	ok(nm_os_live_objects() == base, "no object leaked by any test");
	app_core_fini();
	return t_exit();
}
