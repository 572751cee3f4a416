/*
 * Host test of the control-request decoder (core/ctrl.c): every row of the spec §5.5 table and
 * every copy-back rule of §5.5 rule 7 and §2.3.  Requests live in ordinary process memory; bad
 * user pointers are unmapped addresses or guard pages, which the userspace os.h turns into
 * -EFAULT.  The fake handler (ctrl_fakes.h) records what it saw and does what each case asks.
 * Every ioctl is followed by a leak check against nm_os_live_objects().  The legacy translation
 * (core/ctrl_legacy.c, §5.12) is tested by test_ctrl_legacy.c.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ctrl.h"
#include "ctrl_fakes.h"
#include "os_user.h"
#include "../t.h"

#define SENTINEL 0x5a5a5a5aU		/* an nro_status the decoder never writes */

/* ---- building requests ---- */

static int ctrl(void *hdr)
{
	int err = nm_ctrl_ioctl(&owner_token, UPTR(hdr), &ops);

	leak_check();
	return err;
}

static void hdr_init(struct nmreq_header *h, u16 type, void *body, void *opts)
{
	memset(h, 0, sizeof(*h));
	h->nr_version = NETMAP_API;
	h->nr_reqtype = type;
	strcpy(h->nr_name, "vale0:a");
	h->nr_body = UPTR(body);
	h->nr_options = UPTR(opts);
}

static void opt_init(void *o, u32 type, u64 size, void *next)
{
	struct nmreq_option *opt = o;

	opt->nro_next = UPTR(next);
	opt->nro_reqtype = type;
	opt->nro_status = SENTINEL;
	opt->nro_size = size;
}

/* ---- §2.3: copying the header in and out ---- */

static void test_header_copy_in(void)
{
	char *end = guarded_end();
	struct nmreq_header *edge = (struct nmreq_header *)(end - sizeof(*edge));
	static struct nmreq_register reg;

	reset_fake();
	ok(ctrl(NULL) == -EINVAL && seen.calls == 0, "NIOCCTRL: a NULL header pointer gives EINVAL");
	ok(ctrl((void *)8) == -EFAULT, "NIOCCTRL: an unmapped header pointer gives EFAULT");
	ok(ctrl(end - 40) == -EFAULT && seen.calls == 0,
	   "NIOCCTRL: a header running into an unmapped page gives EFAULT");
	hdr_init(edge, NETMAP_REQ_REGISTER, &reg, NULL);
	ok(ctrl(edge) == 0 && seen.calls == 1,
	   "NIOCCTRL: exactly 88 bytes are read (a header ending at a page boundary works)");
	ok(seen.owner == &owner_token, "the handler gets the caller's owner");
	ok(seen.hdr.nr_reqtype == NETMAP_REQ_REGISTER && !strcmp(seen.hdr.nr_name, "vale0:a"),
	   "the handler sees the kernel copy of the header");
}

static void test_header_write_back(void)
{
	struct nmreq_header h;
	struct nmreq_register reg = { 0 };
	struct nmreq_vale_list list = { 0 };
	struct nmreq_option opt;
	long pg = sysconf(_SC_PAGESIZE);
	struct nmreq_header *ro;

	reset_fake();
	hdr_init(&h, NETMAP_REQ_VALE_LIST, &list, NULL);
	memset(h.nr_name, 'x', sizeof(h.nr_name));
	ok(ctrl(&h) == 0 && seen.hdr.nr_name[63] == 0 && h.nr_name[63] == 0 && h.nr_name[62] == 'x',
	   "nr_name[63] is forced to NUL in the kernel copy and in the write-back");
	hdr_init(&h, NETMAP_REQ_REGISTER, &reg, NULL);
	memset(h.nr_name, 'x', sizeof(h.nr_name));
	cfg.ret = -ENXIO;
	ok(ctrl(&h) == -ENXIO && h.nr_name[63] == 0,
	   "the header is written back when the handler fails (errno kept)");
	h.nr_version = 13;
	memset(h.nr_name, 'x', sizeof(h.nr_name));
	ok(ctrl(&h) == -EINVAL && h.nr_name[63] == 0 && h.nr_version == 13,
	   "the header is written back when it is refused");

	reset_fake();
	cfg.set_name = "vale0:port7";
	hdr_init(&h, NETMAP_REQ_VALE_LIST, &list, NULL);
	ok(ctrl(&h) == 0 && !strcmp(h.nr_name, "vale0:port7"),
	   "a name the handler writes (VALE_LIST) reaches the caller");
	cfg.set_name = "vale0:0123456789012345678901234567890123456789012345678901234567890123";
	ok(ctrl(&h) == 0 && h.nr_name[63] == 0 && h.nr_name[62] == '6',
	   "a 64-character name from the handler still comes back with nr_name[63] = 0");

	reset_fake();
	cfg.scribble_hdr = true;
	hdr_init(&h, NETMAP_REQ_VALE_LIST, &list, &opt);
	opt_init(&opt, 99, 24, NULL);
	ok(ctrl(&h) == 0 && h.nr_options == UPTR(&opt) && h.nr_body == UPTR(&list) &&
	   h.nr_version == NETMAP_API,
	   "nr_options, nr_body and the version come back as sent, whatever the handler did");

	reset_fake();
	ro = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hdr_init(ro, NETMAP_REQ_VALE_LIST, &list, NULL);
	mprotect(ro, pg, PROT_READ);
	ok(ctrl(ro) == -EFAULT && seen.calls == 1,
	   "a header that cannot be written back gives EFAULT");
	munmap(ro, pg);
}

/* ---- §5.5 rules 1 and 2: version, reserved, body ---- */

static void test_header_checks(void)
{
	static const u16 bad_versions[] = { 0, 13, 16, 0xffff };
	static const u16 no_body[] = { NETMAP_REQ_VALE_DELIF, NETMAP_REQ_SYNC_KLOOP_STOP,
				       NETMAP_REQ_CSB_ENABLE };
	struct nmreq_header h;
	struct nmreq_register reg = { 0 };
	struct nmreq_option opt;
	unsigned int i;
	u16 v;

	for (i = 0; i < sizeof(bad_versions) / sizeof(bad_versions[0]); i++) {
		reset_fake();
		hdr_init(&h, NETMAP_REQ_REGISTER, &reg, &opt);
		opt_init(&opt, 99, 24, NULL);
		h.nr_version = bad_versions[i];
		ok(ctrl(&h) == -EINVAL && seen.calls == 0 && opt.nro_status == SENTINEL,
		   "nr_version %u: EINVAL, options untouched", bad_versions[i]);
	}
	for (v = NETMAP_MIN_API; v <= NETMAP_MAX_API; v++) {
		reset_fake();
		hdr_init(&h, NETMAP_REQ_REGISTER, &reg, NULL);
		h.nr_version = v;
		ok(ctrl(&h) == 0 && seen.calls == 1, "nr_version %u is accepted", v);
	}
	reset_fake();
	hdr_init(&h, NETMAP_REQ_REGISTER, &reg, &opt);
	opt_init(&opt, 99, 24, NULL);
	h.nr_reserved = 1;
	ok(ctrl(&h) == -EINVAL && seen.calls == 0 && opt.nro_status == SENTINEL,
	   "nr_reserved != 0: EINVAL, options untouched");
	hdr_init(&h, NETMAP_REQ_REGISTER, NULL, &opt);
	ok(ctrl(&h) == -EINVAL && seen.calls == 0 && opt.nro_status == SENTINEL,
	   "REGISTER without a body: EINVAL, options untouched");
	for (i = 0; i < sizeof(no_body) / sizeof(no_body[0]); i++) {
		reset_fake();
		hdr_init(&h, no_body[i], &reg, &opt);
		ok(ctrl(&h) == -EINVAL && seen.calls == 0 && opt.nro_status == SENTINEL,
		   "type %u with a body: EINVAL, options untouched", no_body[i]);
		hdr_init(&h, no_body[i], NULL, NULL);
		ok(ctrl(&h) == 0 && seen.calls == 1 && seen.body_null && seen.body_size == 0,
		   "type %u without a body: the handler gets body NULL, size 0", no_body[i]);
	}
}

static void test_body_copy(void)
{
	static const struct { u16 type; size_t size; } sizes[] = {
		{ NETMAP_REQ_REGISTER, 56 }, { NETMAP_REQ_PORT_INFO_GET, 32 },
		{ NETMAP_REQ_VALE_ATTACH, 64 }, { NETMAP_REQ_VALE_DETACH, 8 },
		{ NETMAP_REQ_VALE_LIST, 8 }, { NETMAP_REQ_PORT_HDR_SET, 8 },
		{ NETMAP_REQ_PORT_HDR_GET, 8 }, { NETMAP_REQ_VALE_NEWIF, 16 },
		{ NETMAP_REQ_VALE_POLLING_ENABLE, 16 }, { NETMAP_REQ_VALE_POLLING_DISABLE, 16 },
		{ NETMAP_REQ_POOLS_INFO_GET, 64 }, { NETMAP_REQ_SYNC_KLOOP_START, 8 },
	};
	char *end = guarded_end();
	struct nmreq_header h;
	struct nmreq_option opt;
	unsigned int i, j;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *body = (unsigned char *)end - sizes[i].size;

		reset_fake();
		for (j = 0; j < sizes[i].size; j++)
			body[j] = (unsigned char)(i * 16 + j);
		hdr_init(&h, sizes[i].type, body, NULL);
		ok(ctrl(&h) == 0 && seen.body_size == sizes[i].size &&
		   !memcmp(seen.body, body, sizes[i].size),
		   "type %u: the handler gets a kernel copy of the %zu-byte body, read exactly",
		   sizes[i].type, sizes[i].size);
	}
	reset_fake();
	hdr_init(&h, NETMAP_REQ_REGISTER, (void *)8, &opt);
	opt_init(&opt, 99, 24, NULL);
	ok(ctrl(&h) == -EFAULT && seen.calls == 0 && opt.nro_status == SENTINEL,
	   "an unmapped body gives EFAULT; options untouched");
	hdr_init(&h, NETMAP_REQ_REGISTER, end - 40, NULL);
	ok(ctrl(&h) == -EFAULT && seen.calls == 0, "a body running into an unmapped page: EFAULT");
}

static void test_unknown_request_type(void)
{
	static const u16 types[] = { 0, 16, 0xffff };
	struct nmreq_header h;
	struct nmreq_opt_csb csb;
	struct nmreq_option unk;
	struct nmreq_register reg;
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		reset_fake();
		hdr_init(&h, types[i], NULL, &unk);
		opt_init(&unk, 99, 24, &csb);
		opt_init(&csb, NETMAP_REQ_OPT_CSB, sizeof(csb), NULL);
		ok(ctrl(&h) == -EINVAL && seen.calls == 0 && unk.nro_status == EOPNOTSUPP &&
		   csb.nro_opt.nro_status == EOPNOTSUPP,
		   "unknown request type %u: EINVAL, every option EOPNOTSUPP", types[i]);
	}
	hdr_init(&h, 16, &reg, &unk);
	opt_init(&unk, 99, 24, NULL);
	ok(ctrl(&h) == -EINVAL && unk.nro_status == SENTINEL,
	   "unknown request type with a body: EINVAL, options untouched");
}

/* ---- §5.5 rule 3: the option walk ---- */

static void test_option_faults(void)
{
	char *end = guarded_end();
	struct nmreq_option *edge = (struct nmreq_option *)(end - sizeof(*edge));
	struct nmreq_port_info_get info = { 0 };
	struct nmreq_header h;
	struct nmreq_option a;

	reset_fake();
	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, &a);
	opt_init(&a, 99, 24, (void *)8);
	ok(ctrl(&h) == -EFAULT && seen.calls == 0 && a.nro_status == 0 && a.nro_next == 8,
	   "next option unmapped: EFAULT; the option copied so far gets status 0, next kept");
	opt_init(&a, 99, 24, (void *)0xdead000);
	ok(ctrl(&h) == -EFAULT && a.nro_status == 0 && a.nro_next == 0xdead000,
	   "next option at a garbage address: EFAULT");
	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, (void *)8);
	ok(ctrl(&h) == -EFAULT && seen.calls == 0, "first option unmapped: EFAULT");

	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, edge);
	opt_init(edge, NETMAP_REQ_OPT_CSB, sizeof(struct nmreq_opt_csb), NULL);
	ok(ctrl(&h) == -EFAULT && seen.calls == 0 && edge->nro_status == 0,
	   "a known option whose body is unmapped: EFAULT, its header gets status 0");
	opt_init(edge, 1000, 5000, NULL);
	ok(ctrl(&h) == 0 && seen.calls == 1 && seen.nopts == 1 && seen.opts[0].size == 24 &&
	   edge->nro_status == EOPNOTSUPP,
	   "an unknown option is kept without reading a body; it ends with EOPNOTSUPP");
}

static void test_option_rules(void)
{
	struct nmreq_port_info_get info = { 0 };
	struct nmreq_header h;
	struct nmreq_opt_csb a, c;
	struct nmreq_option b;

	reset_fake();
	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, &b);
	opt_init(&b, 99, 24, &a);
	opt_init(&a, 0, sizeof(a), &c);
	opt_init(&c, NETMAP_REQ_OPT_CSB, sizeof(c), NULL);
	ok(ctrl(&h) == -EINVAL && seen.calls == 0 && b.nro_status == 0 &&
	   a.nro_opt.nro_status == EINVAL && c.nro_opt.nro_status == SENTINEL,
	   "option type 0: EINVAL; it gets EINVAL, the ones before 0, the walk stops");

	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, &a);
	opt_init(&a, NETMAP_REQ_OPT_CSB, sizeof(a), &b);
	opt_init(&b, 77, 24, &c);
	opt_init(&c, NETMAP_REQ_OPT_CSB, sizeof(c), NULL);
	ok(ctrl(&h) == -EINVAL && seen.calls == 0 && a.nro_opt.nro_status == EINVAL &&
	   b.nro_status == 0 && c.nro_opt.nro_status == EINVAL,
	   "duplicate known option: EINVAL on both occurrences");
	ok(a.nro_opt.nro_next == UPTR(&b) && b.nro_next == UPTR(&c) && c.nro_opt.nro_next == 0,
	   "nro_next restored after a failed walk");

	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, &a);
	opt_init(&a, NETMAP_REQ_OPT_CSB, sizeof(a), &a);
	ok(ctrl(&h) == -EINVAL && a.nro_opt.nro_status == EINVAL && a.nro_opt.nro_next == UPTR(&a),
	   "a loop of one known option hits the duplicate rule: EINVAL");

	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, &b);
	opt_init(&b, 77, 24, &a);
	opt_init(&a, NETMAP_REQ_OPT_CSB, sizeof(a), &b);
	ok(ctrl(&h) == -EINVAL && a.nro_opt.nro_status == EINVAL && b.nro_status == 0,
	   "a loop through an unknown and a known option: EINVAL (duplicate)");
}

static void test_option_sizes(void)
{
	static struct {
		struct nmreq_opt_extmem extmem;
		struct { struct nmreq_option hdr; u64 body[2]; } fds;	/* two eventfd pairs */
		struct nmreq_opt_csb csb;
		struct nmreq_opt_sync_kloop_mode mode;
		struct nmreq_opt_offsets offsets;
		struct nmreq_option unknown;
	} o;
	struct nmreq_sync_kloop_start start = { 0 };
	struct nmreq_header h;
	int i;

	reset_fake();
	hdr_init(&h, NETMAP_REQ_SYNC_KLOOP_START, &start, &o.extmem);
	opt_init(&o.extmem, NETMAP_REQ_OPT_EXTMEM, 0, &o.fds);
	o.extmem.nro_usrptr = 0x1111;
	opt_init(&o.fds, NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS, 24 + 16, &o.csb);
	o.fds.body[0] = 0x2222;
	opt_init(&o.csb, NETMAP_REQ_OPT_CSB, 0, &o.mode);
	o.csb.csb_atok = 0x3333;
	opt_init(&o.mode, NETMAP_REQ_OPT_SYNC_KLOOP_MODE, 0, &o.offsets);
	o.mode.mode = 0x4444;
	opt_init(&o.offsets, NETMAP_REQ_OPT_OFFSETS, 0, &o.unknown);
	o.offsets.nro_max_offset = 0x5555;
	opt_init(&o.unknown, 123, 500, NULL);
	ok(ctrl(&h) == 0 && seen.nopts == 6 && seen.by_type_ok,
	   "six options reach the handler, by_type[] points at the known ones");
	ok(seen.opts[0].size == 96 && seen.opts[1].size == 40 && seen.opts[2].size == 40 &&
	   seen.opts[3].size == 32 && seen.opts[4].size == 56 && seen.opts[5].size == 24,
	   "option sizes: EXTMEM 96, EVENTFDS nro_size, CSB 40, MODE 32, OFFSETS 56, unknown 24");
	ok(seen.opt_body0[0] == 0x1111 && seen.opt_body0[1] == 0x2222 &&
	   seen.opt_body0[2] == 0x3333 && (u32)seen.opt_body0[3] == 0x4444 &&
	   seen.opt_body0[4] == 0x5555, "known option bodies are copied after their headers");
	ok(seen.opts[0].uptr == UPTR(&o.extmem) && seen.opts[5].uptr == UPTR(&o.unknown),
	   "each option records its user address");
	for (i = 0; i < 6; i++)
		if (seen.opt_hdr[i].nro_status != EOPNOTSUPP)
			break;
	ok(i == 6, "when the handler runs, every option's status is EOPNOTSUPP");
	ok(o.extmem.nro_opt.nro_status == EOPNOTSUPP && o.unknown.nro_status == EOPNOTSUPP,
	   "unconsumed options come back EOPNOTSUPP; other requests ignore leftovers");

	reset_fake();
	hdr_init(&h, NETMAP_REQ_SYNC_KLOOP_START, &start, &o.fds);
	opt_init(&o.fds, NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS, 10, NULL);
	ok(ctrl(&h) == 0 && seen.opts[0].size == 24,
	   "EVENTFDS with nro_size below 24 is copied as a bare header");
}

/* ---- §5.5 rule 7: what goes back ---- */

static void setup_copy_back(struct nmreq_header *h, struct nmreq_port_info_get *info,
			    struct nmreq_opt_offsets *off, struct nmreq_opt_csb *csb,
			    struct nmreq_option *unk)
{
	reset_fake();
	memset(info, 0, sizeof(*info));
	hdr_init(h, NETMAP_REQ_PORT_INFO_GET, info, off);
	opt_init(off, NETMAP_REQ_OPT_OFFSETS, 0, csb);
	off->nro_max_offset = 1;
	opt_init(csb, NETMAP_REQ_OPT_CSB, 0, unk);
	csb->csb_atok = 2;
	opt_init(unk, 99, 24, NULL);
	cfg.consume[NETMAP_REQ_OPT_OFFSETS] = 0;
	cfg.consume[NETMAP_REQ_OPT_CSB] = EINVAL;
	cfg.opt_body_marker = 0xfeed;
	cfg.fill_reply = true;
}

static void test_copy_back(void)
{
	struct nmreq_port_info_get info;
	struct nmreq_opt_offsets off;
	struct nmreq_opt_csb csb;
	struct nmreq_option unk;
	struct nmreq_header h;

	setup_copy_back(&h, &info, &off, &csb, &unk);
	ok(ctrl(&h) == 0 && info.nr_memsize == 0x200001234ULL && info.nr_mem_id == 2,
	   "success: the body is written back");
	ok(off.nro_opt.nro_status == 0 && csb.nro_opt.nro_status == EINVAL &&
	   unk.nro_status == EOPNOTSUPP, "success: every option status is written back");
	ok(off.nro_max_offset == 0xfeed && csb.csb_atok == 2,
	   "success: an option body goes back only when its status is 0");
	ok(off.nro_opt.nro_next == UPTR(&csb) && csb.nro_opt.nro_next == UPTR(&unk) &&
	   unk.nro_next == 0 && off.nro_opt.nro_size == 0 && unk.nro_size == 24,
	   "success: nro_next (and the rest of each header) restored");

	setup_copy_back(&h, &info, &off, &csb, &unk);
	cfg.ret = -EBUSY;
	ok(ctrl(&h) == -EBUSY && info.nr_memsize == 0 && info.nr_mem_id == 0,
	   "failure: the handler's errno; the body is not written back");
	ok(off.nro_opt.nro_status == 0 && csb.nro_opt.nro_status == EINVAL &&
	   unk.nro_status == EOPNOTSUPP, "failure: option statuses are still written back");
	ok(off.nro_max_offset == 1 && off.nro_opt.nro_next == UPTR(&csb),
	   "failure: no option body is written back; nro_next restored");
}

static void test_copy_back_fault(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct nmreq_port_info_get *info;
	struct nmreq_option *opt;
	struct nmreq_header h;

	reset_fake();
	info = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	opt = (struct nmreq_option *)(info + 1);
	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, info, opt);
	opt_init(opt, 99, 24, NULL);
	mprotect(info, pg, PROT_READ);
	ok(ctrl(&h) == -EFAULT && seen.calls == 1,
	   "a body or option that cannot be written back gives EFAULT");
	munmap(info, pg);

	/* A REGISTER is finished only after the write-back: a fault there undoes it. */
	reset_fake();
	cfg.fill_reply = true;
	info = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hdr_init(&h, NETMAP_REQ_REGISTER, info, NULL);
	mprotect(info, pg, PROT_READ);
	ok(ctrl(&h) == -EFAULT && seen.calls == 1 && undo_calls == 1 && commit_calls == 0,
	   "a REGISTER whose reply cannot be written back: EFAULT, undone, never committed");
	munmap(info, pg);
}

static void test_register_leftovers(void)
{
	struct nmreq_register reg;
	struct nmreq_opt_csb csb;
	struct nmreq_option unk;
	struct nmreq_header h;
	unsigned long lines;

	reset_fake();
	memset(&reg, 0, sizeof(reg));
	cfg.fill_reply = true;
	hdr_init(&h, NETMAP_REQ_REGISTER, &reg, &csb);
	opt_init(&csb, NETMAP_REQ_OPT_CSB, 0, NULL);
	lines = nm_os_log_lines;
	ok(ctrl(&h) == -EOPNOTSUPP && seen.calls == 1 && undo_calls == 1 &&
	   undo_owner == &owner_token, "REGISTER with an unconsumed option: undone, EOPNOTSUPP");
	ok(commit_calls == 0, "REGISTER with an unconsumed option: never committed (published)");
	ok(csb.nro_opt.nro_status == EOPNOTSUPP && reg.nr_memsize == 0 && nm_os_log_lines > lines,
	   "REGISTER leftover: status EOPNOTSUPP, body not written back, a log line");

	reset_fake();
	hdr_init(&h, NETMAP_REQ_REGISTER, &reg, &unk);
	opt_init(&unk, 4242, 24, NULL);
	ok(ctrl(&h) == -EOPNOTSUPP && undo_calls == 1 && commit_calls == 0 &&
	   unk.nro_status == EOPNOTSUPP,
	   "REGISTER with an unknown option type: undone, not committed, EOPNOTSUPP");

	reset_fake();
	cfg.fill_reply = true;
	cfg.consume[NETMAP_REQ_OPT_CSB] = 0;
	hdr_init(&h, NETMAP_REQ_REGISTER, &reg, &csb);
	opt_init(&csb, NETMAP_REQ_OPT_CSB, 0, NULL);
	ok(ctrl(&h) == 0 && undo_calls == 0 && csb.nro_opt.nro_status == 0 &&
	   reg.nr_memsize == 0x123456789ULL, "REGISTER whose options are all consumed succeeds");
	ok(commit_calls == 1 && commit_owner == &owner_token,
	   "a successful REGISTER is committed once, with its owner");

	reset_fake();
	cfg.ret = -ENOMEM;
	opt_init(&csb, NETMAP_REQ_OPT_CSB, 0, NULL);
	ok(ctrl(&h) == -ENOMEM && undo_calls == 0 && commit_calls == 0 &&
	   csb.nro_opt.nro_status == EOPNOTSUPP,
	   "a failed REGISTER keeps its errno, is not undone again nor committed");

	reset_fake();
	ops.handler[NETMAP_REQ_SYNC_KLOOP_STOP] = NULL;
	hdr_init(&h, NETMAP_REQ_SYNC_KLOOP_STOP, NULL, &csb);
	opt_init(&csb, NETMAP_REQ_OPT_CSB, 0, NULL);
	lines = nm_os_log_lines;
	ok(ctrl(&h) == -EOPNOTSUPP && seen.calls == 0 && nm_os_log_lines > lines &&
	   csb.nro_opt.nro_status == EOPNOTSUPP,
	   "a defined type without a handler: EOPNOTSUPP and a log line");
	ops.handler[NETMAP_REQ_SYNC_KLOOP_STOP] = fake_handler;
}

/* ---- §5.5: the 4096-byte budget and endless lists ---- */

static struct nmreq_option chain[200];

static void make_chain(unsigned int n, u32 type)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		opt_init(&chain[i], type, 24, i + 1 < n ? &chain[i + 1] : NULL);
}

static bool chain_untouched(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (chain[i].nro_status != SENTINEL)
			return false;
	return true;
}

static void test_size_limits(void)
{
	static u64 fds[4096 / 8];
	struct nmreq_port_info_get info = { 0 };
	struct nmreq_sync_kloop_start start = { 0 };
	struct nmreq_register reg = { 0 };
	struct nmreq_opt_offsets off;
	struct nmreq_header h;

	reset_fake();
	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, chain);
	/* Spec §5.5 rule 3: 32 bytes per option, within 4144 with the body. */
	make_chain(128, 99);
	ok(ctrl(&h) == 0 && seen.nopts == 128, "32-byte body + 128 options x 32 = 4128: accepted");
	make_chain(129, 99);
	ok(ctrl(&h) == -EMSGSIZE && chain_untouched(129),
	   "32-byte body + 129 options x 32 = 4160: EMSGSIZE, no header written back");
	hdr_init(&h, NETMAP_REQ_VALE_DELIF, NULL, chain);
	make_chain(129, 99);
	ok(ctrl(&h) == 0 && seen.nopts == 129, "no body + 129 options x 32 = 4128: accepted");
	make_chain(130, 99);
	ok(ctrl(&h) == -EMSGSIZE && chain_untouched(130), "130 options: EMSGSIZE");

	make_chain(1, 99);
	chain[0].nro_next = UPTR(&chain[0]);
	ok(ctrl(&h) == -EMSGSIZE && chain_untouched(1) && chain[0].nro_next == UPTR(&chain[0]),
	   "an endless loop of one unknown option: EMSGSIZE, nothing written back");
	make_chain(2, 99);
	chain[1].nro_next = UPTR(&chain[0]);
	ok(ctrl(&h) == -EMSGSIZE && chain_untouched(2), "a two-option unknown loop: EMSGSIZE");

	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, chain);
	make_chain(127, 99);
	chain[126].nro_next = UPTR(&off);
	opt_init(&off, NETMAP_REQ_OPT_OFFSETS, 56, NULL);
	ok(ctrl(&h) == -EMSGSIZE && chain_untouched(127) && off.nro_opt.nro_status == SENTINEL,
	   "a known option whose body crosses 4144 bytes (32 + 128 x 32 + 32): EMSGSIZE");

	opt_init(&off, NETMAP_REQ_OPT_OFFSETS, 4097, NULL);
	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, &off);
	ok(ctrl(&h) == -EMSGSIZE && off.nro_opt.nro_status == SENTINEL,
	   "a known option with nro_size > 4096: EMSGSIZE");
	make_chain(1, 99);
	chain[0].nro_size = 1ULL << 40;
	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, chain);
	ok(ctrl(&h) == 0, "an unknown option's nro_size is ignored");

	opt_init(fds, NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS, 4096, NULL);
	hdr_init(&h, NETMAP_REQ_VALE_DELIF, NULL, fds);
	ok(ctrl(&h) == 0 && seen.opts[0].size == 4096, "a 4096-byte EVENTFDS option alone fits");
	hdr_init(&h, NETMAP_REQ_SYNC_KLOOP_START, &start, fds);
	ok(ctrl(&h) == 0, "after an 8-byte body too: 8 + 32 + 4072 = 4112 (data 4080)");
	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, fds);
	ok(ctrl(&h) == -EMSGSIZE,
	   "after a 32-byte body: the body and known bodies, 4104, cross 4096: EMSGSIZE");

	/* The original's control tests: 99 unknown options, then EVENTFDS of nro_size 1000. */
	make_chain(99, 99);
	chain[98].nro_next = UPTR(fds);
	opt_init(fds, NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS, 1000, NULL);
	hdr_init(&h, NETMAP_REQ_REGISTER, &reg, chain);
	ok(ctrl(&h) == -EMSGSIZE,
	   "REGISTER + 99 unknown options + EVENTFDS of 1000 bytes = 4232: EMSGSIZE (not EOPNOTSUPP)");
}

int main(void)
{
	baseline = nm_os_live_objects();
	ops_all();
	test_header_copy_in();
	test_header_write_back();
	test_header_checks();
	test_body_copy();
	test_unknown_request_type();
	test_option_faults();
	test_option_rules();
	test_option_sizes();
	test_copy_back();
	test_copy_back_fault();
	test_register_leftovers();
	test_size_limits();
	ok(leaks == 0, "no request leaked memory (%d leaking calls)", leaks);
	ok(nm_os_live_objects() == baseline, "nm_os_live_objects() is back to its baseline");
	return t_exit();
}
