/*
 * tests/fuzz/fuzz_ctrl.c - libFuzzer target for the control-request decoder (core/ctrl.c) and the
 * legacy translation (core/ctrl_legacy.c).
 *
 * Each input describes one request: a header, an optional body, and a chain of options laid out
 * in one "user" buffer.  Option next-pointers point inside the buffer (options may overlap, share
 * bytes with the body, loop) or at addresses that fault (8, 0xdead000).  Fake handlers check what
 * the decoder hands them, consume some options, fail or succeed.  After each call the target
 * asserts the decoder's promises: no crash, nothing leaked, the header's pointers come back as
 * sent with nr_name[63] = 0, and every option the decoder could have copied still has the
 * nro_next it had before.  The fake handlers never change option bodies, so this holds whatever
 * the outcome, except where overlapping options put one's nro_status on another's nro_next.  Work per input is bounded: one buffer of 8 KiB, at most 16 option descriptors,
 * and a decoder that stops after NM_CTRL_MAX_OPTS options.
 *
 * Input layout (all little endian; missing bytes read as 0):
 *   0  u8  request type, modulo 18 (0 and 16-17 are unknown types)
 *   1  u8  header bits: 0 body present, 1 body at an unmapped address, 2 bad version, 3 nr_reserved
 *          set, 4 version 15, 5 legacy ioctl instead, 6 legacy on NIOCGINFO, 7 nr_options garbage
 *   2  u8  handler: 0 succeed, 1 fail EBUSY, 2 no handler, 3 succeed and rewrite name and body
 *   3  u8  consume: bit t-1 consumes known option type t, bit 6 unknown types, bit 7 with EINVAL
 *   4  u8  number of option descriptors (modulo 17)
 *   5  u16 body offset in the buffer
 *   7  8 bytes per option descriptor:
 *        u16 offset in the buffer;
 *        u8  type: low 3 bits 0-6 give that type (6 = first unknown), 7 takes the whole byte;
 *        u8  next: low 3 bits 0-3 next descriptor (0 after the last), 4 end, 5 back to descriptor
 *            (byte >> 3) % count, 6 address 8, 7 address 0xdead000;
 *        u32 nro_size: bits 0-12, or 1 << 40 when bit 31 is set
 *   then   the initial buffer contents (bodies, and the legacy struct nmreq at offset 0).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ctrl.h"
#include "os_user.h"

#define BUF_SIZE 8192
#define MAX_DESC 16
#define UPTR(p) ((u64)(uintptr_t)(p))

/*
 * The application's memory, and all of it (nm_os_user_limit): BUF_SIZE bytes of requests and
 * options, a page for the header, then an inaccessible page.  A pointer into anything else, this
 * program's globals and heap included, faults (EFAULT) as it would in a process; without the
 * limit, pointers libFuzzer learns from comparisons let write-backs corrupt the harness.
 */
static u64 *ubuf;
static struct nmreq_header *uhdr;

static void ubuf_map(void)
{
	char *p = mmap(NULL, BUF_SIZE + 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED || mprotect(p + BUF_SIZE + 4096, 4096, PROT_NONE))
		abort();
	ubuf = (u64 *)p;
	uhdr = (struct nmreq_header *)(p + BUF_SIZE);
	nm_os_user_limit(p, BUF_SIZE + 4096);
}

static struct {
	int mode;		/* handler behaviour, see the layout */
	u8 consume;
	int calls;
	int undo_calls;
	int commit_calls;
} run;

#define require(cond) do { if (!(cond)) abort(); } while (0)

/*
 * The decoder's promises about what a handler gets (spec §5.5 rules 2-4), the budget counted as
 * the original does: 32 bytes per option and the known bodies within 4144 with the body, and the
 * body and known bodies alone within 4096.
 */
static void check_request(const struct nm_ctrl_req *req)
{
	size_t total = req->body_size, data = req->body_size;
	unsigned int i, t, present[NETMAP_REQ_OPT_MAX] = { 0 };

	require((req->body != NULL) == (req->body_size != 0) && req->body_size <= 64);
	require(req->nopts <= NM_CTRL_MAX_OPTS && req->hdr.nr_name[63] == 0);
	for (i = 0; i < req->nopts; i++) {
		const struct nmreq_option *opt = req->opts[i].opt;
		size_t body = req->opts[i].size - sizeof(*opt);

		require(req->opts[i].size >= sizeof(*opt) && opt->nro_status == EOPNOTSUPP);
		require(((uintptr_t)opt & 7) == 0);
		total += 32 + body;
		data += body;
		t = opt->nro_reqtype;
		require(t != 0);
		if (t < NETMAP_REQ_OPT_MAX) {
			require(req->by_type[t] == opt && !present[t]++);
			require(opt->nro_size <= NETMAP_REQ_MAXSIZE);
		} else {
			require(body == 0);
		}
	}
	for (t = 1; t < NETMAP_REQ_OPT_MAX; t++)
		require((req->by_type[t] != NULL) == (present[t] != 0));
	require(total <= 4144 && data <= NETMAP_REQ_MAXSIZE);
}

static void consume_options(struct nm_ctrl_req *req)
{
	unsigned int i;

	for (i = 0; i < req->nopts; i++) {
		struct nmreq_option *opt = req->opts[i].opt;
		u32 t = opt->nro_reqtype;
		int bit = t < NETMAP_REQ_OPT_MAX ? (int)t - 1 : 6;

		if (run.consume & (1u << bit))
			opt->nro_status = run.consume & 0x80 ? EINVAL : 0;
	}
}

static int fake_handler(void *owner, struct nm_ctrl_req *req)
{
	(void)owner;
	run.calls++;
	check_request(req);
	consume_options(req);
	if (run.mode == 3) {
		memset(req->hdr.nr_name, 'n', sizeof(req->hdr.nr_name));
		if (req->body)
			memset(req->body, 0xa5, req->body_size);
	}
	return run.mode == 1 ? -EBUSY : 0;
}

static int fake_finish(void *owner, struct nm_ctrl_req *req, int err)
{
	(void)owner;
	(void)req;
	if (err)
		run.undo_calls++;
	else
		run.commit_calls++;
	return err;
}

static struct nm_ctrl_ops ops_full, ops_empty = {
	.finish = { [NETMAP_REQ_REGISTER] = fake_finish },
};

/* A little-endian reader that yields zeros past the end of the input. */
struct reader {
	const u8 *p;
	size_t left;
};

static u64 take(struct reader *r, unsigned int bytes)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++) {
		u64 b = r->left ? (r->left--, *r->p++) : 0;

		v |= b << (8 * i);
	}
	return v;
}

struct desc {
	size_t off;
	u32 type;
	u8 next;
	u64 size;
};

static u64 desc_next(const struct desc *d, unsigned int i, unsigned int n)
{
	switch (d[i].next & 7) {
	case 4:
		return 0;
	case 5:
		return UPTR((char *)ubuf + d[(d[i].next >> 3) % n].off);
	case 6:
		return 8;
	case 7:
		return 0xdead000;
	default:
		return i + 1 < n ? UPTR((char *)ubuf + d[i + 1].off) : 0;
	}
}

/* Writes the option headers into the buffer, in descriptor order (later ones may overwrite). */
static u64 lay_out_options(struct reader *r, unsigned int n)
{
	struct desc d[MAX_DESC];
	unsigned int i;

	for (i = 0; i < n; i++) {
		u32 size;

		d[i].off = take(r, 2) % (BUF_SIZE - sizeof(struct nmreq_option));
		d[i].type = (u32)take(r, 1);
		d[i].type = (d[i].type & 7) == 7 ? d[i].type : (d[i].type & 7);
		d[i].next = (u8)take(r, 1);
		size = (u32)take(r, 4);
		d[i].size = size & 0x80000000u ? 1ULL << 40 : (size & 0x1fff);
	}
	/* Buffer contents first, so that the headers below are what the decoder finds. */
	memset(ubuf, 0, BUF_SIZE);
	memcpy(ubuf, r->p, r->left < BUF_SIZE ? r->left : BUF_SIZE);
	for (i = 0; i < n; i++) {
		struct nmreq_option opt = {
			.nro_next = desc_next(d, i, n),
			.nro_reqtype = d[i].type,
			.nro_status = 0x5a5a5a5a,
			.nro_size = d[i].size,
		};

		memcpy((char *)ubuf + d[i].off, &opt, sizeof(opt));
	}
	return n ? UPTR((char *)ubuf + d[0].off) : 0;
}

static bool in_buffer(u64 p)
{
	/* p - ubuf, not p + size: a pointer near 2^64 would wrap past the end test */
	return p >= UPTR(ubuf) && p - UPTR(ubuf) <= BUF_SIZE - sizeof(struct nmreq_option);
}

/* Does the nro_next of the option at a share a byte with the nro_status of the one at b? */
static bool next_overlaps_status(u64 a, u64 b)
{
	u64 status = b + offsetof(struct nmreq_option, nro_status);

	return a < status + sizeof(u32) && status < a + sizeof(u64);
}

/*
 * The chain as it is in memory before the call: every option the decoder could copy, and so
 * write back.  Writing an option's status legitimately changes bytes that an overlapping option
 * uses as its nro_next; such options are left out of the check (*checked = false).
 */
static unsigned int snapshot_chain(u64 first, u64 *addr, u64 *next, bool *checked)
{
	unsigned int i, j, n = 0;
	u64 p = first;

	while (n <= NM_CTRL_MAX_OPTS && in_buffer(p)) {
		addr[n] = p;
		memcpy(&next[n], (void *)(uintptr_t)p, sizeof(u64));
		p = next[n++];
	}
	for (i = 0; i < n; i++) {
		checked[i] = true;
		for (j = 0; j < n; j++)
			if (next_overlaps_status(addr[i], addr[j]))
				checked[i] = false;
	}
	return n;
}

static void fuzz_ctrl(const struct nmreq_header *in, bool is_register)
{
	static u64 addr[NM_CTRL_MAX_OPTS + 1], next[NM_CTRL_MAX_OPTS + 1];
	static bool checked[NM_CTRL_MAX_OPTS + 1];
	struct nmreq_header hdr = *in;
	unsigned int i, n = snapshot_chain(hdr.nr_options, addr, next, checked);
	long base = nm_os_live_objects();
	const struct nm_ctrl_ops *ops = run.mode == 2 ? &ops_empty : &ops_full;
	int err;

	*uhdr = hdr;
	err = nm_ctrl_ioctl(&run, UPTR(uhdr), ops);
	hdr = *uhdr;
	require(nm_os_live_objects() == base);
	require(err == 0 || err == -EINVAL || err == -EFAULT || err == -EMSGSIZE ||
		err == -EOPNOTSUPP || err == -EBUSY);
	require(hdr.nr_options == in->nr_options && hdr.nr_body == in->nr_body);
	require(hdr.nr_version == in->nr_version && hdr.nr_name[63] == 0);
	require(err != 0 || run.calls == 1);
	require(run.undo_calls == 0 || (is_register && (err == -EOPNOTSUPP || err == -EFAULT)));
	/* A REGISTER whose handler succeeded is committed or undone, never both; others neither. */
	require(run.commit_calls == 0 || (is_register && err == 0));
	require(run.commit_calls + run.undo_calls ==
		(is_register && run.calls == 1 && run.mode != 1 ? 1 : 0));
	for (i = 0; i < n; i++) {
		u64 now;

		memcpy(&now, (void *)(uintptr_t)addr[i], sizeof(now));
		require(now == next[i] || !checked[i]);
	}
}

static void fuzz_legacy(unsigned int cmd)
{
	struct nmreq before, *nmr = (struct nmreq *)ubuf;
	long base = nm_os_live_objects();
	const struct nm_ctrl_ops *ops = run.mode == 2 ? &ops_empty : &ops_full;
	int err;

	before = *nmr;
	before.nr_name[15] = 0;
	err = nm_ctrl_legacy_ioctl(&run, cmd, UPTR(nmr), ops);
	require(nm_os_live_objects() == base);
	require(err == 0 || err == -EINVAL || err == -ENOMEM || err == -EOPNOTSUPP ||
		err == -EBUSY);
	require(nmr->nr_ringid == before.nr_ringid && nmr->nr_flags == before.nr_flags);
	require(nmr->nr_name[15] == 0 && nmr->nr_version == before.nr_version);
	require(err == 0 || !memcmp(nmr, &before, sizeof(before)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct nmreq_header hdr = { .nr_version = NETMAP_API };
	u8 hbits;
	unsigned int i, ndesc;
	size_t body_off;

	if (!ubuf)
		ubuf_map();
	for (i = 1; i <= NETMAP_REQ_CSB_ENABLE; i++)
		ops_full.handler[i] = fake_handler;
	ops_full.finish[NETMAP_REQ_REGISTER] = fake_finish;
	memset(&run, 0, sizeof(run));

	hdr.nr_reqtype = take(&r, 1) % 18;
	hbits = (u8)take(&r, 1);
	run.mode = take(&r, 1) & 3;
	run.consume = (u8)take(&r, 1);
	ndesc = take(&r, 1) % (MAX_DESC + 1);
	body_off = take(&r, 2) % (BUF_SIZE - 64);
	hdr.nr_options = lay_out_options(&r, ndesc);

	if (hbits & 0x20) {
		fuzz_legacy(hbits & 0x40 ? NIOCGINFO : NIOCREGIF);
		return 0;
	}
	if (hbits & 1)
		hdr.nr_body = hbits & 2 ? 8 : UPTR((char *)ubuf + body_off);
	if (hbits & 4)
		hdr.nr_version = hbits & 0x10 ? 16 : 13;
	else if (hbits & 0x10)
		hdr.nr_version = NETMAP_MAX_API;
	if (hbits & 8)
		hdr.nr_reserved = 1;
	if (hbits & 0x80)
		hdr.nr_options = 0xdead000;
	strcpy(hdr.nr_name, "vale0:fuzz");
	fuzz_ctrl(&hdr, hdr.nr_reqtype == NETMAP_REQ_REGISTER);
	return 0;
}
