/*
 * libFuzzer target for ring validation and the pipe data path: a hostile application writes
 * whatever the input says into head, cur, tail and slots of both ends of a pipe, in any order
 * with any syncs.  After every step the kernel's invariants must hold:
 *   - its private indices (hwcur, hwtail, rhead, rcur, rtail) stay inside the ring;
 *   - after a sync, the shared tail is inside the ring (a bad one never survives);
 *   - every slot the receiver owns points inside the region with a length that fits a buffer,
 *     whatever the sender wrote;
 * and at the end everything is freed.  ASan/UBSan catch any access outside the region.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "file.h"
#include "mem.h"
#include "params.h"
#include "port.h"

static struct nm_file *open_end(const char *name, u32 slots)
{
	static struct nm_ctrl_req req;
	static struct nmreq_register reg;
	struct nm_file *nf = nm_file_new();

	memset(&req, 0, sizeof(req));
	memset(&reg, 0, sizeof(reg));
	strscpy(req.hdr.nr_name, name, sizeof(req.hdr.nr_name));
	reg.nr_mode = NR_REG_ALL_NIC;
	reg.nr_tx_slots = reg.nr_rx_slots = slots;
	req.body = &reg;
	nm_os_ctrl_lock();
	if (nm_file_register(nf, &req))
		abort();
	nm_file_register_commit(nf);
	nm_os_ctrl_unlock();
	return nf;
}

static void check_kring(const struct nm_kring *kr)
{
	u32 n = kr->num_slots;

	if (kr->hwcur >= n || kr->hwtail >= n || kr->rhead >= n || kr->rcur >= n || kr->rtail >= n)
		abort();
}

static void check_end(struct nm_file *nf)
{
	struct nm_adapter *na = nf->na;
	const struct nm_buf_lut *lut = nm_mem_lut(na->mem);
	struct nm_kring *rx = &na->krings[NM_RX][0];
	u32 i;

	check_kring(&na->krings[NM_TX][0]);
	check_kring(rx);
	for (i = rx->hwcur; i != rx->hwtail; i = nm_next(i, rx->num_slots)) {
		const struct netmap_slot *s = &rx->ring->slot[i];

		if (s->buf_idx >= lut->total || s->len > lut->size)
			abort();	/* a sender reached its peer with a bad slot */
	}
}

static void sync_and_check(struct nm_file *nf, enum nm_dir d)
{
	struct nm_kring *kr = &nf->na->krings[d][0];

	nm_file_sync(nf, d);
	if (READ_ONCE(kr->ring->tail) >= kr->num_slots)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static long base = -1;
	struct nm_file *end[2];
	size_t pos;

	if (base < 0) {
		nm_params_reset();
		nm_mem_global_init();
		nm_ports_init();
		base = nm_os_live_objects();
	}
	/* A small ring makes wrap-around and full-ring cases reachable. */
	end[0] = open_end("fz{1", 16);
	end[1] = open_end("fz}1", 16);
	for (pos = 0; pos + 8 <= size && pos < 8 * 512; pos += 8) {
		const uint8_t *op = data + pos;
		struct nm_file *nf = end[op[0] & 1];
		enum nm_dir d = (op[0] >> 1) & 1;
		struct netmap_ring *ring = nf->na->krings[d][0].ring;
		u32 v = op[2] | op[3] << 8 | (u32)op[4] << 16 | (u32)op[5] << 24;

		switch ((op[0] >> 2) % 6) {
		case 0:		/* head and cur, mostly near the ring, sometimes far outside */
			WRITE_ONCE(ring->head, op[1] & 0x80 ? v : op[1] % 20);
			WRITE_ONCE(ring->cur, op[6] & 0x80 ? v >> 3 : op[6] % 20);
			break;
		case 1:		/* a TX slot's buffer and length: what a sender hands its peer */
			ring = nf->na->krings[NM_TX][0].ring;
			WRITE_ONCE(ring->slot[op[1] % 16].buf_idx, op[6] & 1 ? v : v % 64);
			WRITE_ONCE(ring->slot[op[1] % 16].len, (u16)(v >> 8));
			WRITE_ONCE(ring->slot[op[1] % 16].flags, op[7]);
			break;
		case 2:
			WRITE_ONCE(ring->tail, v);
			break;
		case 3:
		case 4:
			sync_and_check(nf, d);
			break;
		case 5:		/* the "move head to tail" a well-behaved program does */
			WRITE_ONCE(ring->head, READ_ONCE(ring->tail) % 16);
			WRITE_ONCE(ring->cur, READ_ONCE(ring->head));
			sync_and_check(nf, d);
			break;
		}
		check_end(end[0]);
		check_end(end[1]);
	}
	nm_file_release(end[0]);
	nm_file_release(end[1]);
	if (nm_os_live_objects() != base)
		abort();	/* the pipe, its parent or its region leaked */
	return 0;
}
