/*
 * tests/guest/fuzz_ops.h - the data-path operations of the syscall fuzzer on one fd slot: open,
 * close, dup, mmap and munmap of the region (right size, too big, offsets, read-only, private),
 * random writes into the mapped rings, slots, buffers and netmap_if followed by syncs, and
 * poll/select/epoll.  Each checks the errno the spec allows (§1.2, §4.5-§4.8) and a few of its
 * promises: a bound fd maps [0, nr_memsize), an unbound one gives ENXIO and POLLERR.
 *
 * Memory safety of the fuzzer itself: every write into a mapping is bounds-checked against the
 * mapping, and every value read from shared memory (ring offsets, num_slots, buf_ofs, which other
 * processes and this file scribble on purpose) is read once and checked before use.
 */
#ifndef NM_FUZZ_OPS_H
#define NM_FUZZ_OPS_H

#include <sys/epoll.h>
#include <sys/select.h>

#include "fuzz_req.h"

static const int fz_errs_mmap[] = { EINVAL, ENOMEM, EACCES, EOVERFLOW, 0 };
static const int fz_errs_none[] = { 0 };
static const int fz_errs_poll[] = { ENOMEM, EINTR, 0 };
static const int fz_errs_epoll[] = { EEXIST, ENOENT, EINVAL, ENOMEM, 0 };

/* ---- slots ---- */

/* Keeps a writable mapping whose fd is gone: written to and unmapped by later operations. */
static void fz_orphan_add(struct fz_worker *wk, char *p, size_t len)
{
	int i;

	pthread_mutex_lock(&wk->orphan_lock);
	if (wk->orphan[FZ_ORPHANS - 1].p)
		munmap(wk->orphan[FZ_ORPHANS - 1].p, wk->orphan[FZ_ORPHANS - 1].len);
	for (i = FZ_ORPHANS - 1; i > 0; i--)
		wk->orphan[i] = wk->orphan[i - 1];
	wk->orphan[0].p = p;
	wk->orphan[0].len = len;
	pthread_mutex_unlock(&wk->orphan_lock);
}

/* Drops the slot's mapping: unmapped now, or kept as an orphan (writable ones only). */
static void fz_drop_map(struct fz_ctx *c, struct fz_slot *s, int keep)
{
	if (!s->map)
		return;
	if (keep && s->map_writable) {
		fz_orphan_add(c->wk, s->map, s->maplen);
		fz_desc(c, " orphan");
	} else if (munmap(s->map, s->maplen)) {
		fz_violation(c, "munmap of our own mapping failed: %s", fz_errname(errno));
	}
	s->map = NULL;
}

static int fz_slot_open(struct fz_ctx *c, struct fz_slot *s, int flags)
{
	int fd, err;

	fz_pre(c);
	fd = open("/dev/netmap", flags);
	err = FZ_CHECK(c, "open", fd, fz_errs_open);
	if (!err) {
		s->fd = fd;
		s->oflags = flags;
		s->reg_state = 0;
		s->name[0] = '\0';
	}
	return err;
}

/* Ops that need an fd open one on a closed slot first. */
static int fz_need_fd(struct fz_ctx *c, struct fz_slot *s)
{
	return s->fd >= 0 ? 0 : fz_slot_open(c, s, O_RDWR);
}

static void fz_slot_close(struct fz_ctx *c, struct fz_slot *s)
{
	uint32_t k = fz_below(&c->r, 100);

	if (s->fd < 0)
		return;
	if (k < 50)
		fz_drop_map(c, s, 0);
	fz_pre(c);
	FZ_CHECK(c, "close", close(s->fd), fz_errs_none);
	s->fd = -1;
	s->reg_state = 0;
	fz_drop_map(c, s, k >= 70);
}

static void fz_op_open(struct fz_ctx *c, struct fz_slot *s)
{
	static const int modes[] = { O_RDWR, O_RDWR, O_RDWR, O_RDWR, O_RDWR, O_RDWR, O_RDWR,
				     O_RDONLY, O_WRONLY, O_RDWR | O_NONBLOCK };
	int flags = FZ_PICK(&c->r, modes) | (fz_pct(&c->r, 30) ? O_CLOEXEC : 0);

	fz_slot_close(c, s);
	fz_desc(c, " flags=%#x", flags);
	fz_slot_open(c, s, flags);
}

static void fz_op_close(struct fz_ctx *c, struct fz_slot *s)
{
	if (s->fd < 0)
		fz_desc(c, " (closed)");
	fz_slot_close(c, s);
}

/* dup the fd; keep the copy in place of the original, or use it once and close it. */
static void fz_op_dup(struct fz_ctx *c, struct fz_slot *s)
{
	uint32_t k = fz_below(&c->r, 3);
	int nfd;

	if (fz_need_fd(c, s))
		return;
	fz_pre(c);
	nfd = fz_pct(&c->r, 50) ? dup(s->fd) : fcntl(s->fd, F_DUPFD_CLOEXEC, 3 + fz_below(&c->r, 60));
	if (FZ_CHECK(c, "dup", nfd, fz_errs_open))
		return;
	if (k == 0) {
		FZ_CHECK(c, "close-orig", close(s->fd), fz_errs_none);
		s->fd = nfd;
		return;
	}
	if (k == 1)
		FZ_CHECK(c, "txsync-dup", ioctl(nfd, NIOCTXSYNC), fz_errs_sync);
	FZ_CHECK(c, "close-dup", close(nfd), fz_errs_none);
}

/* ---- mmap ---- */

static void fz_op_mmap(struct fz_ctx *c, struct fz_slot *s)
{
	struct fz_rng *r = &c->r;
	uint32_t k = fz_below(r, 100);
	uint64_t size = s->reg_state == 1 ? s->reg.nr_memsize : (uint64_t)(1 + fz_below(r, 64)) * FZ_PAGE;
	uint64_t len = size, off = 0, pages = size / FZ_PAGE;
	int prot = PROT_READ | PROT_WRITE, flags = MAP_SHARED, full = 0, err;
	void *p;

	if (fz_need_fd(c, s))
		return;
	if (k < 55) {
		full = 1;
	} else if (k < 63) {
		len = size + FZ_PAGE * (1 + fz_below(r, 4));
	} else if (k < 73 && pages) {
		off = FZ_PAGE * (uint64_t)fz_below(r, (uint32_t)pages);
		len = FZ_PAGE * (uint64_t)(1 + fz_below(r, (uint32_t)(pages - off / FZ_PAGE)));
	} else if (k < 78) {
		off = size - FZ_PAGE * (uint64_t)fz_below(r, 2);
		len = 2 * FZ_PAGE;
	} else if (k < 82) {
		off = 1 + fz_below(r, FZ_PAGE - 1);
	} else if (k < 86) {
		off = FZ_PICK(r, ((const uint64_t[]){ 0xfffffffffffff000ull, 1ull << 62,
						      0x7ffffffffffff000ull }));
		len = FZ_PAGE;
	} else if (k < 90) {
		len = 0;
	} else if (k < 95) {
		full = 1, prot = PROT_READ;
	} else {
		full = 1, flags = MAP_PRIVATE;
	}
	fz_desc(c, " len=%#llx off=%#llx prot=%d %s", (unsigned long long)len,
		(unsigned long long)off, prot, flags == MAP_SHARED ? "shared" : "private");
	fz_pre(c);
	p = mmap(NULL, len, prot, flags, s->fd, (off_t)off);
	err = FZ_CHECK(c, "", p == MAP_FAILED ? -1 : 0, fz_errs_mmap);
	if (err) {
		if (full && s->reg_state == 1 && err != ENOMEM && (s->oflags & O_ACCMODE) == O_RDWR)
			fz_violation(c, "mmap of [0, nr_memsize) on a bound fd failed");
		return;
	}
	if (s->reg_state == 1 && off + len > size)
		fz_violation(c, "mmap beyond nr_memsize (%llu) succeeded", (unsigned long long)size);
	fz_drop_map(c, s, fz_pct(r, 30));
	s->map = p;
	s->maplen = len;
	s->mapoff = off;
	s->map_writable = (prot & PROT_WRITE) && off + len <= size;
}

static void fz_op_munmap(struct fz_ctx *c, struct fz_slot *s)
{
	struct fz_worker *wk = c->wk;
	uint32_t k = fz_below(&c->r, 100), i;
	struct fz_orphan o = { NULL, 0 };

	if (s->map && k < 60) {
		size_t cut = s->maplen / FZ_PAGE > 1 && k >= 35 ?
			     FZ_PAGE * (1 + fz_below(&c->r, (uint32_t)(s->maplen / FZ_PAGE - 1))) : 0;

		fz_desc(c, " slot cut=%#zx", cut);
		if (cut)
			FZ_CHECK(c, "tail", munmap(s->map + cut, s->maplen - cut), fz_errs_none);
		FZ_CHECK(c, "", munmap(s->map, cut ? cut : s->maplen), fz_errs_none);
		s->map = NULL;
		return;
	}
	pthread_mutex_lock(&wk->orphan_lock);
	for (i = FZ_ORPHANS; i-- > 0 && !o.p;) {
		if (wk->orphan[i].p) {
			o = wk->orphan[i];
			wk->orphan[i].p = NULL;
		}
	}
	pthread_mutex_unlock(&wk->orphan_lock);
	if (!o.p) {
		fz_desc(c, " (nothing mapped)");
		return;
	}
	/* Scribble on a region whose fd is gone (its pages must still be ours), then unmap it. */
	for (i = fz_pct(&c->r, 50) ? 32 : 0; i > 0; i--)
		((uint32_t *)o.p)[fz_below(&c->r, (uint32_t)(o.len / 4))] = (uint32_t)fz_next(&c->r);
	fz_desc(c, " orphan len=%#zx", o.len);
	FZ_CHECK(c, "", munmap(o.p, o.len), fz_errs_none);
}

/* ---- ring writes ---- */

struct fz_ringref {
	char *base;			/* the mapping */
	int64_t size;			/* its writable part: within the mapping and the region */
	struct netmap_if *nifp;
	struct netmap_ring *ring;
	uint32_t n;			/* num_slots, bounded by the mapping */
	uint32_t buf_size, nbufs;	/* as far as the mapping tells */
	int64_t bufpool;		/* offset of buffer 0 in the mapping */
};

/* [ofs, ofs + len) inside the writable part?  Offsets come from shared memory: any value. */
static int fz_inside(const struct fz_ringref *rr, int64_t ofs, uint64_t len)
{
	return ofs >= 0 && ofs <= rr->size && len <= (uint64_t)(rr->size - ofs);
}

static uint32_t fz_min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Picks a ring bound to this fd, starting at a random entry of ring_ofs[]. */
static int fz_pick_ring(struct fz_rng *r, struct fz_ringref *rr, int64_t nifp_ofs)
{
	const struct netmap_if *nifp = rr->nifp;
	uint32_t nrings = fz_min_u32(nifp->ni_tx_rings, 512) + fz_min_u32(nifp->ni_host_tx_rings, 512) +
			  fz_min_u32(nifp->ni_rx_rings, 512) + fz_min_u32(nifp->ni_host_rx_rings, 512);
	uint32_t i, k;

	if (!nrings || !fz_inside(rr, nifp_ofs + (int64_t)sizeof(*nifp), 8ull * nrings))
		return 0;
	for (i = 0, k = fz_below(r, nrings); i < nrings; i++, k = (k + 1) % nrings) {
		int64_t ro = nifp->ring_ofs[k];

		if (ro && ro > -(1ll << 40) && ro < (1ll << 40) &&
		    fz_inside(rr, nifp_ofs + ro, sizeof(struct netmap_ring))) {
			rr->ring = (struct netmap_ring *)(rr->base + nifp_ofs + ro);
			return 1;
		}
	}
	return 0;
}

/* Finds a bound ring of the slot's mapping; 0 if there is none we can safely write. */
static int fz_find_ring(struct fz_rng *r, struct fz_slot *s, struct fz_ringref *rr)
{
	int64_t nifp_ofs = (int64_t)s->reg.nr_offset, ring_ofs, b;
	uint64_t size = s->maplen;

	if (!s->map || !s->map_writable || s->mapoff || s->reg_state != 1)
		return 0;
	if (s->reg.nr_memsize < size)
		size = s->reg.nr_memsize;
	rr->base = s->map;
	rr->size = (int64_t)size;
	if (!fz_inside(rr, nifp_ofs, sizeof(struct netmap_if)))
		return 0;
	rr->nifp = (struct netmap_if *)(s->map + nifp_ofs);
	if (!fz_pick_ring(r, rr, nifp_ofs))
		return 0;
	ring_ofs = (char *)rr->ring - rr->base;
	rr->n = fz_min_u32(rr->ring->num_slots,
			   (uint32_t)((rr->size - ring_ofs - sizeof(struct netmap_ring)) / 16));
	rr->buf_size = rr->ring->nr_buf_size;
	b = rr->ring->buf_ofs;
	rr->bufpool = b > -(1ll << 40) && b < (1ll << 40) ? ring_ofs + b : -1;
	rr->nbufs = 1024;
	if (rr->buf_size >= 64 && rr->buf_size <= 65536 && rr->bufpool > 0 && rr->bufpool < rr->size)
		rr->nbufs = (uint32_t)((rr->size - rr->bufpool) / rr->buf_size);
	return rr->n > 0;
}

static char *fz_buf(const struct fz_ringref *rr, uint32_t idx, size_t len)
{
	int64_t ofs = rr->bufpool + (int64_t)idx * rr->buf_size;

	if (rr->bufpool < 0 || rr->buf_size < 64 || rr->buf_size > 65536 || !fz_inside(rr, ofs, len))
		return NULL;
	return rr->base + ofs;
}

static uint32_t fz_gen_bufidx(struct fz_rng *r, const struct fz_ringref *rr)
{
	uint32_t k = fz_below(r, 100);

	if (k < 60 && rr->nbufs > 2)
		return 2 + fz_below(r, rr->nbufs - 2);
	if (k < 75)
		return rr->ring->slot[fz_below(r, rr->n)].buf_idx;	/* the same buffer twice */
	return FZ_PICK(r, ((const uint32_t[]){ 0, 1, rr->nbufs, rr->nbufs + 1, 0xffffffff,
					       (uint32_t)fz_next(r) }));
}

/* A frame for VALE's learning bridge and the veth pair: few MACs, so lookups hit. */
static void fz_write_frame(struct fz_ctx *c, const struct fz_ringref *rr, struct netmap_slot *sl)
{
	uint16_t len = (uint16_t)(60 + fz_below(&c->r, 1455));
	char *b = fz_buf(rr, sl->buf_idx, len < 64 ? 64 : len);	/* 64 bytes are written */
	int i;

	if (!b)
		return;
	memset(b, 0xff, 6);
	if (fz_pct(&c->r, 60))
		memcpy(b, ((const char[]){ 2, 0, 0, 0, 0, (char)fz_below(&c->r, 8) }), 6);
	memcpy(b + 6, ((const char[]){ 2, 0, 0, 0, 0, (char)fz_below(&c->r, 8) }), 6);
	b[12] = (char)0x88, b[13] = (char)0xb5;
	for (i = 14; i < 64; i++)
		b[i] = (char)fz_next(&c->r);
	sl->len = len;
	sl->flags = 0;
}

static void fz_write_slot(struct fz_ctx *c, const struct fz_ringref *rr, struct netmap_slot *sl)
{
	static const uint16_t lens[] = { 0, 1, 13, 14, 60, 1514, 2047, 2048, 2049, 65535 };
	static const uint16_t flags[] = { 0, NS_BUF_CHANGED, NS_REPORT, NS_FORWARD, NS_NO_LEARN,
					  NS_INDIRECT, NS_MOREFRAG, NS_TXMON, 0x0300 };
	struct fz_rng *r = &c->r;

	if (fz_pct(r, 50))
		sl->buf_idx = fz_gen_bufidx(r, rr);
	sl->len = fz_pct(r, 80) ? FZ_PICK(r, lens) : (uint16_t)fz_next(r);
	sl->flags = fz_pct(r, 90) ? FZ_PICK(r, flags) | FZ_PICK(r, flags) : (uint16_t)fz_next(r);
	if (sl->flags & NS_INDIRECT)
		sl->ptr = FZ_PICK(r, ((const uint64_t[]){ (uintptr_t)c->scratch, 0, 8,
			  0xffff888000000000ull, (uintptr_t)rr->base, (uintptr_t)c->guard + FZ_PAGE - 8 }));
	else if (fz_pct(r, 10))
		sl->ptr = fz_next(r);
}

/* head/cur moves: forward inside [head, tail) mostly, anywhere or past the ring sometimes. */
static void fz_write_indices(struct fz_ctx *c, struct netmap_ring *ring, uint32_t n)
{
	struct fz_rng *r = &c->r;
	uint32_t head = ring->head, tail = ring->tail, k = fz_below(r, 100), space, h, cur;

	if (k < 65 && head < n && tail < n) {
		space = (tail + n - head) % n;
		h = (head + fz_below(r, space + 1)) % n;
		cur = fz_pct(r, 70) ? h : (h + fz_below(r, (tail + n - h) % n + 1)) % n;
	} else if (k < 85) {
		h = fz_below(r, n), cur = fz_below(r, n);
	} else {
		h = n + fz_below(r, 3), cur = fz_pct(r, 50) ? h : 0xffffffff;
	}
	ring->cur = cur;
	ring->head = h;
	if (fz_pct(r, 10))
		ring->tail = fz_pct(r, 50) ? fz_below(r, n) : (uint32_t)fz_next(r);
	fz_desc(c, " h=%u c=%u", h, cur);
}

/* The netmap_if and the extra-buffer list: the kernel must trust neither (§5.6). */
static void fz_write_nifp(struct fz_ctx *c, const struct fz_ringref *rr)
{
	struct fz_rng *r = &c->r;
	uint32_t head = rr->nifp->ni_bufs_head;
	char *b = fz_buf(rr, head, 4);

	if (b && head >= 2 && fz_pct(r, 60)) {
		*(uint32_t *)b = FZ_PICK(r, ((const uint32_t[]){ head, 0, 1, (uint32_t)fz_next(r),
			rr->ring->slot[0].buf_idx, 2 + fz_below(r, rr->nbufs > 2 ? rr->nbufs - 2 : 1) }));
		fz_desc(c, " xbuf[%u]=%u", head, *(uint32_t *)b);
		return;
	}
	rr->nifp->ni_bufs_head = fz_gen_bufidx(r, rr);
	fz_desc(c, " bufs_head=%u", rr->nifp->ni_bufs_head);
}

/* Fields only the kernel writes: it must never read them back (§3.2, §4.2). */
static void fz_write_const(struct fz_ctx *c, const struct fz_ringref *rr)
{
	uint32_t *w = (uint32_t *)rr->ring + fz_below(&c->r, 18);	/* the first 72 bytes */

	*w = (uint32_t)fz_next(&c->r);
	fz_desc(c, " const+%u", (unsigned int)((char *)w - (char *)rr->ring));
}

static void fz_ring_action(struct fz_ctx *c, const struct fz_ringref *rr)
{
	struct fz_rng *r = &c->r;
	struct netmap_ring *ring = rr->ring;
	uint32_t k = fz_below(r, 100), i = fz_below(r, rr->n), j;

	if (k < 30) {
		fz_write_indices(c, ring, rr->n);
	} else if (k < 50) {
		fz_write_slot(c, rr, &ring->slot[i]);
		fz_desc(c, " slot%u=%u/%u/%#x", i, ring->slot[i].buf_idx, ring->slot[i].len,
			ring->slot[i].flags);
	} else if (k < 75) {
		for (j = 0, i = ring->head; j < 1 + fz_below(r, 8) && i < rr->n; j++, i = (i + 1) % rr->n)
			fz_write_frame(c, rr, &ring->slot[i]);
		if (fz_pct(r, 40) && i < rr->n)
			ring->slot[(i + rr->n - 1) % rr->n].flags |= NS_MOREFRAG;
		ring->head = ring->cur = i;
		fz_desc(c, " frames->%u", i);
	} else if (k < 82) {
		ring->flags = FZ_PICK(r, ((const uint32_t[]){ 0, NR_TIMESTAMP, NR_FORWARD,
						   NR_TIMESTAMP | NR_FORWARD, (uint32_t)fz_next(r) }));
		fz_desc(c, " rflags=%#x", ring->flags);
	} else if (k < 90) {
		fz_write_nifp(c, rr);
	} else if (k < 93) {
		fz_write_const(c, rr);
	} else {
		for (j = 0; j < 1 + fz_below(r, 70) && j < rr->n; j++)	/* up to 70 fragments */
			ring->slot[(ring->head + j) % rr->n].flags = NS_MOREFRAG;
		ring->head = ring->cur = (ring->head + j) % rr->n;
		fz_desc(c, " frags=%u", j);
	}
}

static void fz_sync_any(struct fz_ctx *c, struct fz_slot *s, uint32_t how)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN | POLLOUT };

	fz_pre(c);
	if (how == 0)
		FZ_CHECK(c, "TXSYNC", ioctl(s->fd, NIOCTXSYNC), fz_errs_sync);
	else if (how == 1)
		FZ_CHECK(c, "RXSYNC", ioctl(s->fd, NIOCRXSYNC), fz_errs_sync);
	else if (how == 2)
		FZ_CHECK(c, "poll", poll(&pfd, 1, 0), fz_errs_poll);
}

/*
 * A REGISTER that should mostly work, with a full mapping, so that data-path operations have
 * rings: sometimes host rings, a monitor of a port others have open, extra buffers, a null port.
 */
static void fz_gen_bind(struct fz_rng *r, struct nmreq_register *reg, const char **name)
{
	static const uint32_t modes[] = { NR_REG_ALL_NIC, NR_REG_ALL_NIC, NR_REG_ALL_NIC,
					  NR_REG_NIC_SW, NR_REG_SW, NR_REG_ONE_NIC, NR_REG_ONE_SW };
	static const uint64_t mon[] = { NR_MONITOR_TX, NR_MONITOR_RX, NR_MONITOR_TX | NR_MONITOR_RX,
					NR_ZCOPY_MON };
	uint32_t k = fz_below(r, 100);

	memset(reg, 0, sizeof(*reg));
	*name = FZ_PICK(r, fz_port_names);
	reg->nr_mode = strncmp(*name, "veth", 4) ? NR_REG_ALL_NIC : FZ_PICK(r, modes);
	if (k < 15)
		reg->nr_flags |= FZ_PICK(r, mon);
	else if (k < 20)
		reg->nr_flags |= NR_EXCLUSIVE;
	else if (k < 25)
		reg->nr_mode = NR_REG_NULL, reg->nr_mem_id = 1, reg->nr_tx_rings = reg->nr_rx_rings = 1;
	if (fz_pct(r, 20))
		reg->nr_flags |= NR_NO_TX_POLL;
	if (fz_pct(r, 25))
		reg->nr_extra_bufs = fz_gen_extra(r, *name) | 1;
}

static void fz_bind_and_map(struct fz_ctx *c, struct fz_slot *s)
{
	struct nmreq_header h;
	struct nmreq_register reg;
	const char *name;
	void *p;

	if (s->reg_state == 0) {
		fz_gen_bind(&c->r, &reg, &name);
		nm_hdr_init(&h, NETMAP_REQ_REGISTER, name, &reg);
		fz_desc(c, " bind '%s' mode=%u flags=%#llx extra=%u", name, reg.nr_mode,
			(unsigned long long)reg.nr_flags, reg.nr_extra_bufs);
		fz_pre(c);
		fz_after_register(c, s, FZ_CHECK(c, "", ioctl(s->fd, NIOCCTRL, &h),
						 fz_errs_ctrl[NETMAP_REQ_REGISTER]), &reg, name);
	}
	if (s->reg_state != 1 || s->map)
		return;
	fz_pre(c);
	p = mmap(NULL, s->reg.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (FZ_CHECK(c, "mmap", p == MAP_FAILED ? -1 : 0, fz_errs_mmap))
		return;
	s->map = p;
	s->maplen = s->reg.nr_memsize;
	s->mapoff = 0;
	s->map_writable = 1;
}

static void fz_op_ringw(struct fz_ctx *c, struct fz_slot *s)
{
	struct fz_ringref rr;
	uint32_t n;

	if (fz_need_fd(c, s))
		return;
	if (!s->map && fz_pct(&c->r, 80))
		fz_bind_and_map(c, s);
	if (!fz_find_ring(&c->r, s, &rr)) {
		fz_desc(c, " (no ring)");
		fz_sync_any(c, s, fz_below(&c->r, 3));
		return;
	}
	fz_desc(c, " ring+%#lx n=%u", (unsigned long)((char *)rr.ring - rr.base), rr.n);
	for (n = 1 + fz_below(&c->r, 6); n > 0; n--)
		fz_ring_action(c, &rr);
	fz_sync_any(c, s, fz_below(&c->r, 4));
}

/*
 * A sync or poll on the fd of a slot whose lock another thread may hold: it races with whatever
 * that thread does to the fd (REGISTER, close, mmap).  The fd may be closed, or its number reused
 * by another file (ENOTTY, POLLNVAL), by the time the call runs.
 */
static void fz_unlocked_sync(struct fz_ctx *c)
{
	static const int errs[] = { ENXIO, EIO, EBUSY, EBADF, ENOTTY, ENOMEM, EINTR, 0 };
	uint32_t si = fz_below(&c->r, FZ_SLOTS), how = fz_below(&c->r, 3);
	int fd = __atomic_load_n(&c->wk->slot[si].fd, __ATOMIC_RELAXED);
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

	fz_desc(c, " unlocked s%u fd=%d", si, fd);
	if (fd < 0)
		return;
	fz_pre(c);
	if (how == 2)
		FZ_CHECK(c, "poll", poll(&pfd, 1, (int)fz_below(&c->r, 5)), fz_errs_poll);
	else
		FZ_CHECK(c, how ? "RXSYNC" : "TXSYNC", ioctl(fd, how ? NIOCRXSYNC : NIOCTXSYNC), errs);
}

/* A sync on a bound fd never says ENXIO; on an unbound one it always does (§4.7). */
static void fz_op_sync(struct fz_ctx *c, struct fz_slot *s)
{
	int tx = fz_pct(&c->r, 50), err;

	if (fz_pct(&c->r, 25)) {
		fz_unlocked_sync(c);
		return;
	}
	if (fz_need_fd(c, s))
		return;
	fz_pre(c);
	err = FZ_CHECK(c, tx ? "TXSYNC" : "RXSYNC", ioctl(s->fd, tx ? NIOCTXSYNC : NIOCRXSYNC),
		       fz_errs_sync);
	if (s->reg_state == 0 && err != ENXIO)
		fz_violation(c, "a sync on an unbound fd did not fail with ENXIO");
	if (s->reg_state == 1 && err == ENXIO)
		fz_violation(c, "a sync on a bound fd failed with ENXIO");
}

/* ---- poll, select, epoll ---- */

static short fz_gen_events(struct fz_rng *r)
{
	static const short ev[] = { POLLIN, POLLOUT, POLLIN | POLLOUT, 0, POLLIN | POLLPRI,
				    POLLRDNORM, POLLWRNORM, POLLIN | POLLOUT | POLLRDHUP };

	return fz_pct(r, 90) ? FZ_PICK(r, ev) : (short)fz_next(r);
}

/* poll on the slot's fd, plus the fds of other slots no other thread holds right now. */
static void fz_op_poll(struct fz_ctx *c, struct fz_slot *s)
{
	struct fz_rng *r = &c->r;
	struct fz_slot *other[2];
	struct pollfd pfd[3];
	int i, n = 1, no = 0, timeout = fz_pct(r, 40) ? 0 : 1 + (int)fz_below(r, 20);

	if (fz_need_fd(c, s))
		return;
	pfd[0].fd = s->fd;
	pfd[0].events = fz_gen_events(r);
	for (i = 0; i < 2 && fz_pct(r, 30); i++) {
		struct fz_slot *o = &c->wk->slot[fz_below(r, FZ_SLOTS)];

		if (o == s || pthread_mutex_trylock(&o->lock))
			continue;
		if (o->fd < 0) {
			pthread_mutex_unlock(&o->lock);
			continue;
		}
		other[no++] = o;
		pfd[n].fd = o->fd;
		pfd[n++].events = fz_gen_events(r);
	}
	fz_desc(c, " nfds=%d ev=%#x timeout=%d", n, (unsigned short)pfd[0].events, timeout);
	fz_pre(c);
	FZ_CHECK(c, "", poll(pfd, (nfds_t)n, timeout), fz_errs_poll);
	fz_desc(c, " rev=%#x", (unsigned short)pfd[0].revents);
	for (i = 0; i < n; i++)
		if (pfd[i].revents & POLLNVAL)
			fz_violation(c, "poll says POLLNVAL on an open fd");
	if (s->reg_state == 0 && !(pfd[0].revents & POLLERR))
		fz_violation(c, "poll on an unbound fd did not report POLLERR");
	while (no > 0)
		pthread_mutex_unlock(&other[--no]->lock);
}

static void fz_op_select(struct fz_ctx *c, struct fz_slot *s)
{
	struct fz_rng *r = &c->r;
	struct timeval tv = { 0, fz_pct(r, 40) ? 0 : (long)fz_below(r, 20000) };
	fd_set sets[3];
	int i, which = 1 + (int)fz_below(r, 7);

	if (fz_need_fd(c, s))
		return;
	for (i = 0; i < 3; i++) {
		FD_ZERO(&sets[i]);
		if (which & (1 << i))
			FD_SET(s->fd, &sets[i]);
	}
	fz_desc(c, " sets=%d timeout=%ldus", which, (long)tv.tv_usec);
	fz_pre(c);
	FZ_CHECK(c, "", select(s->fd + 1, &sets[0], &sets[1], &sets[2], &tv), fz_errs_poll);
}

static uint32_t fz_gen_epoll_events(struct fz_rng *r)
{
	static const uint32_t bits[] = { EPOLLIN, EPOLLOUT, EPOLLET, EPOLLONESHOT, EPOLLRDHUP,
					 EPOLLPRI, EPOLLIN | EPOLLOUT, EPOLLIN | EPOLLET, EPOLLEXCLUSIVE };

	return FZ_PICK(r, bits) | (fz_pct(r, 50) ? FZ_PICK(r, bits) : 0);
}

/* The worker's long-lived epoll instance (fds get closed while in it), or a short-lived one. */
static void fz_op_epoll(struct fz_ctx *c, struct fz_slot *s)
{
	struct fz_rng *r = &c->r;
	struct epoll_event ev = { .events = fz_gen_epoll_events(r) }, out[8];
	uint32_t k = fz_below(r, 100);
	int ep = c->wk->epfd, op, timeout = fz_pct(r, 40) ? 0 : 1 + (int)fz_below(r, 20);

	if (k >= 70 && k < 85) {
		fz_desc(c, " wait timeout=%d", timeout);
		fz_pre(c);
		FZ_CHECK(c, "", epoll_wait(ep, out, 8, timeout), fz_errs_poll);
		return;
	}
	if (fz_need_fd(c, s))
		return;
	if (k >= 85) {
		fz_pre(c);
		ep = epoll_create1(EPOLL_CLOEXEC);
		if (FZ_CHECK(c, "create", ep, fz_errs_open))
			return;
		FZ_CHECK(c, "add", epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev), fz_errs_epoll);
		FZ_CHECK(c, "wait", epoll_wait(ep, out, 8, timeout), fz_errs_poll);
		FZ_CHECK(c, "close", close(ep), fz_errs_none);
		return;
	}
	op = k < 40 ? EPOLL_CTL_ADD : k < 55 ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
	fz_desc(c, " ctl=%d ev=%#x", op, ev.events);
	fz_pre(c);
	FZ_CHECK(c, "", epoll_ctl(ep, op, s->fd, &ev), fz_errs_epoll);
}

#endif /* NM_FUZZ_OPS_H */
