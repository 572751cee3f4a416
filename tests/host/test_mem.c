/*
 * Host test of core/mem.c, the memory allocators (spec §1.2, §5.6, §5.8, §7.1): the exact layouts
 * the spec works out, mem ids, activation and leak accounting, the buffer, ring and if pools, extra
 * buffer chains, region offsets, mmap ranges, global reconfiguration and the parameter limits.
 * It also checks the text of the ENOMEM log lines, since telling the user which parameter to
 * raise is the point of them.  NM_TEST_VERBOSE=1 shows every log line on stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "params.h"
#include "../t.h"

extern int nm_os_log_to_stderr;		/* tests/host/os_user.c */

static int verbose;

/* --- log capture: stderr goes to a temporary file while the core logs --- */

static FILE *cap_file;
static int cap_saved_fd = -1;
static char cap_buf[8192];

static void capture_begin(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	cap_saved_fd = dup(2);
	dup2(fileno(cap_file), 2);
	nm_os_log_to_stderr = 1;
}

static const char *capture_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(cap_saved_fd, 2);
	close(cap_saved_fd);
	nm_os_log_to_stderr = verbose;
	rewind(cap_file);
	n = fread(cap_buf, 1, sizeof(cap_buf) - 1, cap_file);
	cap_buf[n] = 0;
	fclose(cap_file);
	if (verbose)
		fputs(cap_buf, stderr);
	return cap_buf;
}

/* printf into a static buffer, for expected log lines that contain a mem id */
static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt(const char *f, ...)
{
	static char buf[512];
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	return buf;
}

static int logged(const char *log, const char *want)
{
	if (strstr(log, want))
		return 1;
	printf("# expected log line containing: %s\n# got: %s\n", want, log);
	return 0;
}

/* --- helpers --- */

static struct nm_mem *priv_new(u32 txr, u32 rxr, u32 txd, u32 rxd, u32 extra, u32 npipes)
{
	struct nm_mem_priv_req req = {
		.tx_rings = txr, .rx_rings = rxr, .tx_slots = txd, .rx_slots = rxd,
		.extra_bufs = extra, .npipes = npipes,
	};

	return nm_mem_private_new(&req);
}

/* A private allocator with no rings: its pools are exactly the priv_* parameters. */
static struct nm_mem *small_new(int bufs)
{
	nm_params.priv[NM_POOL_BUF].num = bufs;
	return priv_new(0, 0, 0, 0, 0, 0);
}

/* --- layouts (spec §7.1 worked examples) --- */

static void test_global_layout(void)
{
	struct nm_mem *g = nm_mem_global_get();
	struct nmreq_pools_info pi;

	ok(g && nm_mem_id(g) == 1 && !nm_mem_is_private(g), "global allocator has mem id 1");
	ok(nm_params.curr[NM_POOL_BUF].num == 0, "buf_curr_num is 0 until configured");
	ok(nm_mem_config(g) == 0, "global allocator configures with the defaults");
	nm_mem_pools_info(g, &pi);
	ok(pi.nr_mem_id == 1 && pi.nr_memsize == 343019520 && nm_mem_size(g) == 343019520,
	   "global nr_memsize 343,019,520");
	ok(pi.nr_if_pool_offset == 0 && pi.nr_if_pool_objtotal == 100 &&
	   pi.nr_if_pool_objsize == 1024, "global if pool: 100 x 1024 at 0");
	ok(pi.nr_ring_pool_offset == 102400 && pi.nr_ring_pool_objtotal == 200 &&
	   pi.nr_ring_pool_objsize == 36864, "global ring pool: 200 x 36,864 at 102,400");
	ok(pi.nr_buf_pool_offset == 7475200 && pi.nr_buf_pool_objtotal == 163840 &&
	   pi.nr_buf_pool_objsize == 2048, "global buf pool: 163,840 x 2048 at 7,475,200");
	ok(nm_mem_buf_size(g) == 2048 && nm_mem_buf_total(g) == 163840, "global buffer getters");
	ok(nm_params.curr[NM_POOL_IF].num == 100 && nm_params.curr[NM_POOL_IF].size == 1024 &&
	   nm_params.curr[NM_POOL_RING].num == 200 &&
	   nm_params.curr[NM_POOL_RING].size == 36864 &&
	   nm_params.curr[NM_POOL_BUF].num == 163840 &&
	   nm_params.curr[NM_POOL_BUF].size == 2048, "*_curr_* parameters show the global pools");
	nm_mem_put(g);
}

static void test_private_layout(void)
{
	long base = nm_os_live_objects();
	struct nm_mem *m = priv_new(1, 1, 1024, 1024, 0, 2);
	struct nmreq_pools_info pi;

	ok(!IS_ERR(m) && nm_mem_is_private(m) && nm_mem_id(m) == 2,
	   "first private allocator has mem id 2");
	nm_mem_pools_info(m, &pi);
	ok(pi.nr_mem_id == 2 && pi.nr_memsize == 42369024 && nm_mem_size(m) == 42369024,
	   "default VALE port nr_memsize 42,369,024");
	ok(pi.nr_if_pool_offset == 0 && pi.nr_if_pool_objtotal == 12 &&
	   pi.nr_if_pool_objsize == 1024, "VALE if pool: 12 x 1024 at 0 (10 rounded to 4)");
	ok(pi.nr_ring_pool_offset == 12288 && pi.nr_ring_pool_objtotal == 20 &&
	   pi.nr_ring_pool_objsize == 20480, "VALE ring pool: 20 x 20,480 at 12,288");
	ok(pi.nr_buf_pool_offset == 421888 && pi.nr_buf_pool_objtotal == 20482 &&
	   pi.nr_buf_pool_objsize == 2048, "VALE buf pool: 20,482 x 2048 at 421,888");
	ok(nm_params.curr[NM_POOL_BUF].num == 163840, "a private allocator leaves *_curr_* alone");
	nm_mem_put(m);
	ok(nm_os_live_objects() == base, "private allocator freed with its last reference");

	/* 300 x 100-byte objects: 128 bytes each, clusters of 32, so 320 objects in 10 pages. */
	nm_params.priv[NM_POOL_BUF].num = 300;
	nm_params.priv[NM_POOL_BUF].size = 100;
	m = priv_new(0, 0, 0, 0, 0, 0);
	nm_mem_pools_info(m, &pi);
	ok(pi.nr_buf_pool_objsize == 128 && pi.nr_buf_pool_objtotal == 320,
	   "sizes round up to 64 and counts to whole clusters (300 x 100 -> 320 x 128)");
	nm_mem_put(m);

	/* 65,600 = 64 x 1025: a page-multiple cluster would be 64 objects (4.2 MB), above 4 MiB, so
	 * the cluster is the 63 objects that fit and the pool is padded to a page at its end. */
	nm_params_reset();
	nm_params.priv[NM_POOL_RING].size = 65600;
	m = priv_new(0, 0, 0, 0, 0, 0);
	nm_mem_pools_info(m, &pi);
	ok(pi.nr_ring_pool_objtotal == 63 && pi.nr_ring_pool_offset == 4096 &&
	   pi.nr_buf_pool_offset == 4096 + 4132864,
	   "a cluster over 4 MiB is capped (63 x 65,600) and the pool padded to a page");
	nm_mem_put(m);
	nm_params_reset();
}

/* --- ids --- */

static void test_ids(void)
{
	long base = nm_os_live_objects();
	struct nm_mem *a, *b, *c, *d, *e, *f, *g, *m, *found;
	u16 id;

	/* A fresh global allocator starts the sequence again at 1. */
	nm_mem_global_fini();
	nm_mem_global_init();
	a = priv_new(0, 0, 0, 0, 0, 0);
	b = priv_new(0, 0, 0, 0, 0, 0);
	c = priv_new(0, 0, 0, 0, 0, 0);
	ok(nm_mem_id(a) == 2 && nm_mem_id(b) == 3 && nm_mem_id(c) == 4,
	   "private allocators get ids 2, 3, 4");
	found = nm_mem_find(3);
	ok(found == b, "nm_mem_find(3) finds the allocator");
	nm_mem_put(found);
	found = nm_mem_find(1);
	ok(found && nm_mem_id(found) == 1, "nm_mem_find(1) finds the global allocator");
	nm_mem_put(found);
	ok(!nm_mem_find(0) && !nm_mem_find(777), "nm_mem_find of unknown ids gives NULL");
	nm_mem_put(b);
	ok(!nm_mem_find(3), "an allocator is gone after its last put");
	d = priv_new(0, 0, 0, 0, 0, 0);
	ok(nm_mem_id(d) == 5, "the next id follows the most recent one, not the freed one");

	/* Keep 4 and 5 alive, free 2, then cycle ids up to 65535. */
	nm_mem_put(a);
	for (id = 0; id != 65535;) {
		m = priv_new(0, 0, 0, 0, 0, 0);
		id = nm_mem_id(m);
		nm_mem_put(m);
	}
	e = priv_new(0, 0, 0, 0, 0, 0);
	f = priv_new(0, 0, 0, 0, 0, 0);
	g = priv_new(0, 0, 0, 0, 0, 0);
	ok(nm_mem_id(e) == 2, "after 65535 ids wrap, skipping 0 and the global 1 (got %u)",
	   nm_mem_id(e));
	ok(nm_mem_id(f) == 3 && nm_mem_id(g) == 6,
	   "freed ids are reused and ids in use (4, 5) are skipped (got %u, %u)",
	   nm_mem_id(f), nm_mem_id(g));
	nm_mem_put(c);
	nm_mem_put(d);
	nm_mem_put(e);
	nm_mem_put(f);
	nm_mem_put(g);
	ok(nm_os_live_objects() == base, "no allocator leaked by the id cycle");
}

/* --- activation --- */

static void test_activation(void)
{
	long base = nm_os_live_objects(), before;
	struct nm_mem *m = small_new(100);
	const struct nm_buf_lut *lut = nm_mem_lut(m);
	const unsigned char *bytes;
	int zero = 1;
	u32 i;

	before = nm_os_live_objects();
	ok(nm_mem_activate(m) == 0, "activation succeeds");
	ok(nm_os_live_objects() == before + 6, "activation allocates 3 pools and 3 bitmaps");
	ok(lut->base && lut->size == 2048 && lut->total == 100, "the lut describes the buffers");
	bytes = (const unsigned char *)lut->base;
	for (i = 0; i < 100 * 2048; i++)
		zero &= bytes[i] == 0;
	ok(zero, "buffer memory is zeroed");
	ok(nm_mem_bufs_free_count(m) == 98, "98 of 100 buffers are free (0 and 1 reserved)");
	ok(nm_buf_lut_addr(lut, 5) == lut->base + 5 * 2048 &&
	   nm_buf_lut_addr(lut, 100) == lut->base && nm_buf_lut_addr(lut, ~0u) == lut->base,
	   "nm_buf_lut_addr resolves bad indices to buffer 0");
	ok(nm_mem_activate(m) == 0 && nm_os_live_objects() == before + 6,
	   "a second activation shares the memory");
	nm_mem_deactivate(m);
	ok(lut->base && nm_os_live_objects() == before + 6,
	   "memory stays while one activation is left");
	nm_mem_deactivate(m);
	ok(nm_os_live_objects() == before && !lut->base,
	   "the last deactivation frees the pools");
	nm_mem_put(m);
	ok(nm_os_live_objects() == base, "back to the baseline");
	nm_params_reset();
}

/* --- buffers --- */

static void test_buffers(void)
{
	long base = nm_os_live_objects();
	struct nm_mem *m = small_new(100);
	static u32 idx[200];
	static char seen[100];
	const char *log;
	int bad = 0, i;

	nm_mem_activate(m);
	for (i = 0; i < 98; i++) {
		if (nm_mem_bufs_alloc(m, &idx[i], 1) || idx[i] < 2 || idx[i] >= 100 || seen[idx[i]])
			bad = 1;
		else
			seen[idx[i]] = 1;
	}
	ok(!bad, "98 distinct buffers, none of them 0 or 1");
	capture_begin();
	i = nm_mem_bufs_alloc(m, &idx[98], 1);
	log = capture_end();
	ok(i == -ENOMEM, "an empty pool gives -ENOMEM");
	ok(logged(log, fmt("netmap: mem %u: buf pool exhausted: need 1, 0 free of 100; raise priv_buf_num (e.g. priv_buf_num=128)",
			      nm_mem_id(m))),
	   "the ENOMEM log names pool, mem id, need, free and priv_buf_num");
	for (i = 0; i < 10; i++)
		nm_mem_buf_free(m, idx[i]);
	ok(nm_mem_bufs_alloc(m, idx, 11) == -ENOMEM && nm_mem_bufs_free_count(m) == 10,
	   "bufs_alloc is all or nothing: 11 of 10 takes none");
	ok(nm_mem_bufs_alloc(m, idx, 10) == 0 && nm_mem_bufs_free_count(m) == 0,
	   "10 of 10 succeeds");
	ok(nm_mem_bufs_alloc(m, idx, 0) == 0, "allocating 0 buffers succeeds");
	ok(!nm_mem_buf_free(m, 0) && !nm_mem_buf_free(m, 1), "freeing buffer 0 or 1 is refused");
	ok(!nm_mem_buf_free(m, 100) && !nm_mem_buf_free(m, ~0u),
	   "freeing an index out of range is refused");
	ok(nm_mem_buf_free(m, idx[0]) && !nm_mem_buf_free(m, idx[0]) &&
	   nm_mem_bufs_free_count(m) == 1, "a double free is refused");
	nm_mem_deactivate(m);
	ok(nm_mem_activate(m) == 0 && nm_mem_bufs_free_count(m) == 98,
	   "reactivation starts with every buffer free (leaks reclaimed)");
	nm_mem_deactivate(m);
	ok(!nm_mem_buf_free(m, 5) && nm_mem_bufs_alloc(m, idx, 1) == -ENOMEM,
	   "inactive memory frees and allocates nothing");
	nm_mem_put(m);
	ok(nm_os_live_objects() == base, "nothing leaked");
	nm_params_reset();
}

/* Walks a chain like the kernel does on close; returns its length, or -1 if it is malformed. */
static int chain_len(const struct nm_buf_lut *lut, u32 head, char *seen)
{
	int n = 0;

	memset(seen, 0, lut->total);
	for (; head; head = *(u32 *)nm_buf_lut_addr(lut, head), n++)
		if (head < 2 || head >= lut->total || seen[head]++)
			return -1;
	return n;
}

enum bad_link { BAD_RANGE, BAD_RESERVED, BAD_FREE, BAD_LOOP };

/* A 10-buffer chain whose 5th link is corrupted: extra_free must stop after 5 buffers. */
static void broken_chain(struct nm_mem *m, enum bad_link how, const char *what)
{
	const struct nm_buf_lut *lut = nm_mem_lut(m);
	u32 head, fifth, bad = 0, j;

	nm_mem_extra_alloc(m, 10, &head);
	for (fifth = head, j = 0; j < 4; j++)
		fifth = *(u32 *)nm_buf_lut_addr(lut, fifth);
	switch (how) {
	case BAD_RANGE:
		bad = lut->total;
		break;
	case BAD_RESERVED:
		bad = 1;
		break;
	case BAD_FREE:
		nm_mem_bufs_alloc(m, &bad, 1);
		nm_mem_buf_free(m, bad);
		break;
	case BAD_LOOP:
		bad = head;
		break;
	}
	*(u32 *)nm_buf_lut_addr(lut, fifth) = bad;
	nm_mem_extra_free(m, head);
	ok(nm_mem_bufs_free_count(m) == 98 - 10 + 5,
	   "a chain whose 5th link is %s stops after 5 buffers", what);
	nm_mem_deactivate(m);	/* reclaim the 5 lost buffers */
	nm_mem_activate(m);
}

static void test_extra(void)
{
	long base = nm_os_live_objects();
	struct nm_mem *m = small_new(100);
	const struct nm_buf_lut *lut = nm_mem_lut(m);
	static char seen[100];
	u32 head, n;
	const char *log;

	nm_mem_activate(m);
	n = nm_mem_extra_alloc(m, 10, &head);
	ok(n == 10 && chain_len(lut, head, seen) == 10 && nm_mem_bufs_free_count(m) == 88,
	   "10 extra buffers in one chain of distinct valid indices ending in 0");
	nm_mem_extra_free(m, head);
	ok(nm_mem_bufs_free_count(m) == 98, "extra_free returns the whole chain");

	capture_begin();
	n = nm_mem_extra_alloc(m, 200, &head);
	log = capture_end();
	ok(n == 98 && chain_len(lut, head, seen) == 98 && nm_mem_bufs_free_count(m) == 0,
	   "a shortfall allocates what is free (98 of 200)");
	ok(logged(log, "buf pool exhausted: need 200, 98 free of 100; raise priv_buf_num (e.g. priv_buf_num=256)"),
	   "the shortfall is logged");
	nm_mem_extra_free(m, head);
	ok(nm_mem_extra_alloc(m, 0, &head) == 0 && head == 0, "0 extra buffers: empty list");

	broken_chain(m, BAD_RANGE, "out of range");
	broken_chain(m, BAD_RESERVED, "the reserved 1");
	broken_chain(m, BAD_FREE, "a free buffer");
	broken_chain(m, BAD_LOOP, "a loop back to the head");
	nm_mem_extra_free(m, 0);
	nm_mem_extra_free(m, 1);
	nm_mem_extra_free(m, 12345);
	ok(nm_mem_bufs_free_count(m) == 98, "freeing chains with heads 0, 1, 12345 frees nothing");
	nm_mem_deactivate(m);
	nm_mem_put(m);
	ok(nm_os_live_objects() == base, "nothing leaked");
	nm_params_reset();
}

/* --- rings and netmap_if objects --- */

/* netmap_if objects of an active allocator with the default 1024-byte if objects */
static void test_ifs(struct nm_mem *m)
{
	struct netmap_if *nifp, *nifp2;
	const char *log;

	nifp = nm_mem_if_new(m, 56 + 8 * 4);
	nifp->ni_bufs_head = 42;
	nifp->ring_ofs[3] = 1234;
	nm_mem_if_delete(m, nifp);
	nifp2 = nm_mem_if_new(m, 56 + 8 * 4);
	ok(nifp2 == nifp && nifp2->ni_bufs_head == 0 && nifp2->ring_ofs[3] == 0,
	   "a reused netmap_if comes back zeroed");
	nm_mem_if_delete(m, nifp2);
	capture_begin();
	nifp = nm_mem_if_new(m, 1025);
	log = capture_end();
	ok(!nifp && logged(log, "raise priv_if_size (e.g. priv_if_size=1088)"),
	   "a netmap_if larger than the if objects is refused");
}

static void test_objects(void)
{
	long base = nm_os_live_objects();
	struct nm_mem *m = small_new(100);	/* rings 4 x 20,480, ifs 2 x 1024 (rounded to 4) */
	struct netmap_ring *r, *r2, *rings[4];
	const char *log;
	int i, zero = 1;

	nm_mem_activate(m);
	capture_begin();
	r = nm_mem_ring_new(m, 1265);
	log = capture_end();
	ok(!r, "a ring of 1265 slots does not fit 20,480-byte objects");
	ok(logged(log, fmt("mem %u: ring objects are 20480 bytes, 20496 needed; raise priv_ring_size (e.g. priv_ring_size=20544)",
			      nm_mem_id(m))),
	   "the log names priv_ring_size and a size that fits");
	capture_begin();
	r = nm_mem_ring_new(m, ~0u);
	log = capture_end();
	ok(!r && logged(log, "above the 131072-byte limit"), "an impossible ring is refused");

	r = nm_mem_ring_new(m, 1264);
	ok(r != NULL, "a ring of 1264 slots fits");
	r->head = 7;
	r->slot[1263].buf_idx = 9;
	nm_mem_ring_delete(m, r);
	r2 = nm_mem_ring_new(m, 1264);
	for (i = 0; i < 20480; i++)
		zero &= ((unsigned char *)r2)[i] == 0;
	ok(r2 == r && zero, "a reused ring object comes back zeroed");
	nm_mem_ring_delete(m, r2);

	for (i = 0; i < 4; i++)
		rings[i] = nm_mem_ring_new(m, 16);
	capture_begin();
	r = nm_mem_ring_new(m, 16);
	log = capture_end();
	ok(rings[3] && !r, "the fifth ring of a 4-ring pool fails");
	ok(logged(log, fmt("mem %u: ring pool exhausted: need 1, 0 free of 4; raise priv_ring_num (e.g. priv_ring_num=8)",
			      nm_mem_id(m))),
	   "the log names priv_ring_num");
	for (i = 0; i < 4; i++)
		nm_mem_ring_delete(m, rings[i]);
	capture_begin();
	nm_mem_ring_delete(m, (struct netmap_ring *)((char *)rings[0] + 64));
	nm_mem_ring_delete(m, rings[0]);
	log = capture_end();
	ok(logged(log, "bug: freeing ring object"), "bad ring frees are logged, not fatal");
	test_ifs(m);

	nm_mem_deactivate(m);
	ok(!nm_mem_ring_new(m, 16) && !nm_mem_if_new(m, 64), "no objects from inactive memory");
	nm_mem_put(m);
	ok(nm_os_live_objects() == base, "nothing leaked");
	nm_params_reset();
}

/* --- offsets and mmap ranges, on the default VALE layout --- */

struct piece {
	u64 ofs, len;
	void *kaddr;
};

static struct piece pieces[8];
static int npieces, fail_at = -1;

static int record(void *arg, u64 ofs, void *kaddr, u64 len)
{
	(void)arg;
	if (npieces == fail_at)
		return -EFAULT;
	pieces[npieces++] = (struct piece){ ofs, len, kaddr };
	return 0;
}

static int piece_is(int i, u64 ofs, void *kaddr, u64 len)
{
	return pieces[i].ofs == ofs && pieces[i].kaddr == kaddr && pieces[i].len == len;
}

static void test_ofs_and_map(void)
{
	long base = nm_os_live_objects();
	struct nm_mem *m = priv_new(1, 1, 1024, 1024, 0, 2);
	struct netmap_if *if0, *if1;
	struct netmap_ring *r0, *r1;
	char *bufs;
	int err;

	ok(nm_mem_map_range(m, 0, 4096, record, NULL) == -EINVAL,
	   "inactive memory cannot be mapped");
	nm_mem_activate(m);
	if0 = nm_mem_if_new(m, 100);
	if1 = nm_mem_if_new(m, 100);
	r0 = nm_mem_ring_new(m, 1024);
	r1 = nm_mem_ring_new(m, 1024);
	bufs = nm_mem_lut(m)->base;
	ok(nm_mem_ofs(m, if0) == 0 && nm_mem_ofs(m, if1) == 1024, "if objects at 0 and 1024");
	ok(nm_mem_ofs(m, r0) == 12288 && nm_mem_ofs(m, r1) == 12288 + 20480,
	   "rings at 12,288 and 32,768");
	ok(nm_mem_ofs(m, &r1->slot[0]) == 12288 + 20480 + 256, "a pointer inside a ring");
	ok(nm_mem_ofs(m, bufs) == 421888 && nm_mem_ofs(m, bufs + 20481 * 2048) ==
	   421888 + 20481ull * 2048, "buffers 0 and 20,481");

	npieces = 0;
	err = nm_mem_map_range(m, 0, 42369024, record, NULL);
	ok(!err && npieces == 3 && piece_is(0, 0, if0, 12288) &&
	   piece_is(1, 12288, r0, 409600) && piece_is(2, 421888, bufs, 41947136),
	   "the whole region maps as three pool pieces");
	npieces = 0;
	err = nm_mem_map_range(m, 8192, 8192, record, NULL);
	ok(!err && npieces == 2 && piece_is(0, 8192, (char *)if0 + 8192, 4096) &&
	   piece_is(1, 12288, r0, 4096), "a range across the if/ring boundary splits there");
	npieces = 0;
	err = nm_mem_map_range(m, 421888 + 4096, 8192, record, NULL);
	ok(!err && npieces == 1 && piece_is(0, 421888 + 4096, bufs + 4096, 8192),
	   "a range inside the buf pool is one piece");
	npieces = 0;
	fail_at = 1;
	err = nm_mem_map_range(m, 0, 42369024, record, NULL);
	fail_at = -1;
	ok(err == -EFAULT && npieces == 1, "the first callback error stops the walk");
	ok(nm_mem_map_range(m, 100, 4096, record, NULL) == -EINVAL &&
	   nm_mem_map_range(m, 0, 100, record, NULL) == -EINVAL &&
	   nm_mem_map_range(m, 0, 0, record, NULL) == -EINVAL &&
	   nm_mem_map_range(m, 42369024, 4096, record, NULL) == -EINVAL &&
	   nm_mem_map_range(m, 4096, 42369024, record, NULL) == -EINVAL &&
	   nm_mem_map_range(m, 4096, -4096ull, record, NULL) == -EINVAL,
	   "unaligned, empty, past-the-end and overflowing ranges are refused");
	nm_mem_deactivate(m);
	nm_mem_put(m);
	ok(nm_os_live_objects() == base, "nothing leaked");
}

/* --- global reconfiguration and limits --- */

static void test_global_reconfig(void)
{
	long base = nm_os_live_objects();
	struct nm_mem *g = nm_mem_global_get();
	static u32 idx[64];
	const char *log;
	int err;

	nm_params.pool[NM_POOL_BUF].num = 64;
	ok(nm_mem_activate(g) == 0 && nm_mem_buf_total(g) == 64 &&
	   nm_params.curr[NM_POOL_BUF].num == 64, "activation picks up buf_num=64");
	nm_params.pool[NM_POOL_BUF].num = 130;
	nm_params.pool[NM_POOL_BUF].size = 1000;
	ok(nm_mem_config(g) == 0 && nm_mem_activate(g) == 0 && nm_mem_buf_total(g) == 64 &&
	   nm_params.curr[NM_POOL_BUF].num == 64, "no change while the allocator is active");
	nm_mem_bufs_alloc(g, idx, 62);
	capture_begin();
	err = nm_mem_bufs_alloc(g, idx, 1);
	log = capture_end();
	ok(err == -ENOMEM && logged(log, "mem 1: buf pool exhausted: need 1, 0 free of 64; raise buf_num (e.g. buf_num=128)"),
	   "global exhaustion names buf_num");
	nm_mem_deactivate(g);
	nm_mem_deactivate(g);
	ok(nm_mem_config(g) == 0 && nm_mem_buf_total(g) == 132 && nm_mem_buf_size(g) == 1024 &&
	   nm_params.curr[NM_POOL_BUF].num == 132 && nm_params.curr[NM_POOL_BUF].size == 1024,
	   "with no active users 130 x 1000 becomes 132 x 1024, and curr follows");

	nm_params.pool[NM_POOL_BUF].size = 32;
	ok(nm_mem_config(g) == -EINVAL && nm_mem_activate(g) == -EINVAL,
	   "buf_size=32 gives -EINVAL");
	ok(nm_mem_buf_size(g) == 1024 && nm_params.curr[NM_POOL_BUF].size == 1024,
	   "a refused configuration keeps the previous one");
	nm_params_reset();
	nm_params.pool[NM_POOL_BUF].num = 1000001;
	ok(nm_mem_config(g) == -EINVAL, "buf_num=1,000,001 gives -EINVAL");
	nm_params.pool[NM_POOL_BUF].num = 1000000;
	ok(nm_mem_config(g) == 0 && nm_mem_buf_total(g) == 1000000, "buf_num=1,000,000 is fine");
	nm_params_reset();
	nm_params.pool[NM_POOL_IF].num = 9;
	ok(nm_mem_config(g) == -EINVAL, "if_num=9 gives -EINVAL for the global allocator");
	nm_params_reset();
	nm_params.pool[NM_POOL_RING].size = 131073;
	ok(nm_mem_config(g) == -EINVAL, "ring_size=131073 gives -EINVAL");
	nm_params_reset();
	nm_params.pool[NM_POOL_BUF].size = -2048;
	ok(nm_mem_config(g) == -EINVAL, "a negative buf_size gives -EINVAL");
	nm_params_reset();
	ok(nm_mem_config(g) == 0 && nm_mem_size(g) == 343019520, "defaults again");
	nm_mem_put(g);
	ok(nm_os_live_objects() == base, "nothing leaked");
}

static void test_private_limits(void)
{
	long base = nm_os_live_objects();
	struct nm_mem *m;

	nm_params.priv[NM_POOL_BUF].size = 32;
	m = priv_new(0, 0, 0, 0, 0, 0);
	ok(IS_ERR(m) && PTR_ERR(m) == -EINVAL, "priv_buf_size=32 gives -EINVAL");
	nm_params_reset();
	m = priv_new(1, 1, 9000, 9000, 0, 2);
	ok(IS_ERR(m) && PTR_ERR(m) == -EINVAL, "9000-slot rings exceed the ring size limit");
	m = priv_new(1, 1, 1024, 1024, 0, 25);
	ok(IS_ERR(m) && PTR_ERR(m) == -EINVAL, "25 pipes exceed the private if pool limit");
	m = priv_new(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff);
	ok(IS_ERR(m) && PTR_ERR(m) == -EINVAL, "an absurd request is refused without overflow");
	m = priv_new(0, 0, 0, 0, 0xffffffff, 0);
	ok(IS_ERR(m) && PTR_ERR(m) == -EINVAL, "4 billion extra buffers exceed the buf pool limit");
	m = priv_new(1, 1, 512, 512, 100, 0);
	ok(!IS_ERR(m) && nm_mem_buf_total(m) == 4098,
	   "the priv_buf_num minimum of 4098 wins over a smaller need");
	nm_params.priv[NM_POOL_BUF].num = 1000001;
	ok(nm_mem_activate(m) == -EINVAL, "invalid priv_* at activation gives -EINVAL");
	nm_params_reset();
	nm_mem_put(m);
	m = priv_new(2, 2, 2048, 2048, 500, 0);
	ok(!IS_ERR(m) && nm_mem_buf_total(m) == 3 * 2048 * 2 + 2 + 500 &&
	   nm_mem_buf_size(m) == 2048, "buffers: (rxr+1)*rxd + (txr+1)*txd + 2 + E");
	nm_mem_put(m);
	ok(nm_os_live_objects() == base, "nothing leaked by refused allocators");
}

/* nm_buf_copy: the frame arrives intact, and nothing past the 64-byte block that holds its end
 * is written (the contract that keeps a rounded-up copy inside a netmap buffer). */
static void test_buf_copy(void)
{
	static uint64_t src[2048 / 8], dst[2048 / 8];
	unsigned char *s = (unsigned char *)src, *d = (unsigned char *)dst;
	u32 lens[] = { 0, 1, 14, 60, 63, 64, 65, 127, 128, 1514, 1984, 2048 };
	int good = 1;
	size_t k, i;

	for (i = 0; i < sizeof(src); i++)
		s[i] = (unsigned char)(i * 7 + 3);
	for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		u32 len = lens[k], end = len ? (len + 63) / 64 * 64 : 64;

		memset(dst, 0xee, sizeof(dst));
		nm_buf_copy(dst, src, len);
		if (memcmp(d, s, len) != 0)
			good = 0;
		for (i = end; i < sizeof(dst); i++)
			if (d[i] != 0xee)
				good = 0;
	}
	ok(good, "nm_buf_copy copies every length intact and writes nothing past its last block");
}

/* Reachable (and volatile, so the store stays), so LeakSanitizer accepts the deliberate leak. */
static struct nm_mem *volatile kept;

/* --- the usage snapshot behind /proc/netmap_mem --- */

struct usage_find {
	u16 id;
	int found;
	struct nm_mem_usage u;
};

static void usage_find_one(void *arg, const struct nm_mem_usage *u)
{
	struct usage_find *f = arg;

	if (u->id == f->id) {
		f->found++;
		f->u = *u;
	}
}

static struct nm_mem_usage usage_of(u16 id, int *found)
{
	struct usage_find f = { .id = id };

	nm_mem_foreach_usage(usage_find_one, &f);
	*found = f.found;
	return f.u;
}

static void test_usage(void)
{
	long base = nm_os_live_objects();
	struct nm_mem *m = small_new(100);
	u16 id = nm_mem_id(m);
	struct nm_mem_usage u;
	u32 idx[8], head;
	int found;

	u = usage_of(id, &found);
	ok(found == 1 && u.priv && u.refs == 1 && u.active == 0 && u.memsize == 0 &&
	   u.pool[NM_POOL_BUF].total == 0 && !strcmp(u.pool[NM_POOL_BUF].name, "buf"),
	   "an inactive private allocator is listed once, with no objects");
	nm_mem_activate(m);
	nm_mem_bufs_alloc(m, idx, 8);
	u = usage_of(id, &found);
	ok(u.active == 1 && u.memsize == nm_mem_size(m) && u.buf_size == nm_mem_buf_size(m) &&
	   u.pool[NM_POOL_BUF].total == 100 && u.pool[NM_POOL_BUF].nfree == 90,
	   "active: 100 buffers, 90 free (8 taken, 2 reserved); memsize %llu",
	   (unsigned long long)u.memsize);
	capture_begin();
	nm_mem_bufs_alloc(m, idx, 91);
	nm_mem_extra_alloc(m, 91, &head);
	capture_end();
	u = usage_of(id, &found);
	ok(u.pool[NM_POOL_BUF].exhausted == 2 && u.pool[NM_POOL_IF].exhausted == 0 &&
	   u.pool[NM_POOL_BUF].nfree == 0,
	   "each refused request counts once in its pool's exhausted (%llu)",
	   (unsigned long long)u.pool[NM_POOL_BUF].exhausted);
	nm_mem_deactivate(m);
	nm_mem_activate(m);
	u = usage_of(id, &found);
	ok(u.pool[NM_POOL_BUF].exhausted == 2 && u.pool[NM_POOL_BUF].nfree == 98,
	   "the count outlives a reactivation; the buffers come back");
	nm_mem_deactivate(m);
	nm_mem_put(m);
	u = usage_of(id, &found);
	ok(found == 0 && nm_os_live_objects() == base, "a destroyed allocator is no longer listed");
	nm_params_reset();
}

int main(void)
{
	long base = nm_os_live_objects();

	setvbuf(stdout, NULL, _IOLBF, 0);	/* keep every line if a sanitizer aborts */
	verbose = getenv("NM_TEST_VERBOSE") != NULL;
	nm_os_log_to_stderr = verbose;
	nm_params_reset();
	ok(nm_mem_global_init() == 0, "global allocator created");
	ok(nm_os_live_objects() == base + 1, "creating it allocates no pool memory");
	test_global_layout();
	test_private_layout();
	test_ids();
	test_activation();
	test_buffers();
	test_extra();
	test_objects();
	test_ofs_and_map();
	test_global_reconfig();
	test_private_limits();
	test_buf_copy();
	test_usage();
	nm_mem_global_fini();
	ok(nm_os_live_objects() == base, "global_fini frees the global allocator");

	/* Unloading while someone holds the global allocator: logged, and leaked rather than freed. */
	nm_mem_global_init();
	kept = nm_mem_global_get();
	capture_begin();
	nm_mem_global_fini();
	ok(logged(capture_end(), "still in use at unload") && nm_os_live_objects() == base + 1,
	   "global_fini with a user logs and leaks instead of freeing");
	return t_exit();
}
