/*
 * Host test of the control-request decoder (core/ctrl.c) and the legacy translation
 * (core/ctrl_legacy.c): every row of the spec §5.5 table, every copy-back rule of §5.5 rule 7 and
 * §2.3, and the §5.12 translations.  Requests live in ordinary process memory; bad user pointers
 * are unmapped addresses or guard pages, which the userspace os.h turns into -EFAULT.  A fake
 * handler records what it saw and does what each case asks (consume options, fail, edit the name
 * or the body).  Every ioctl is followed by a leak check against nm_os_live_objects().
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ctrl.h"

extern unsigned long nm_os_log_lines;	/* tests/host/os_user.c */

#define SENTINEL 0x5a5a5a5aU		/* an nro_status the decoder never writes */
#define UPTR(p) ((u64)(uintptr_t)(p))

static int failures;
static long baseline;
static int leaks;

static void __attribute__((format(printf, 2, 3))) check(int pass, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", pass ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failures += !pass;
}

/* ---- the fake handler: configuration and what it saw ---- */

static struct {
	int ret;				/* what the handler returns */
	int consume[NETMAP_REQ_OPT_MAX];	/* status to give options of a known type, -1: leave */
	const char *set_name;			/* written into req->hdr.nr_name */
	bool fill_reply;			/* write reply values into the body (see fill_reply) */
	bool scribble_hdr;			/* damage req->hdr pointers and version */
	u64 opt_body_marker;			/* written into consumed known option bodies */
} cfg;

#define MAX_SEEN 8
static struct {
	int calls;
	void *owner;
	struct nmreq_header hdr;
	bool body_null;
	size_t body_size;
	unsigned char body[64];
	unsigned int nopts;
	struct nm_ctrl_opt opts[MAX_SEEN];
	struct nmreq_option opt_hdr[MAX_SEEN];	/* kernel headers at dispatch time */
	u64 opt_body0[MAX_SEEN];		/* first 8 body bytes, if any */
	bool by_type_ok;			/* by_type[] matches the option list */
} seen;

static int undo_calls;
static void *undo_owner;
static int owner_token;

static void reset_fake(void)
{
	int i;

	memset(&cfg, 0, sizeof(cfg));
	for (i = 0; i < NETMAP_REQ_OPT_MAX; i++)
		cfg.consume[i] = -1;
	memset(&seen, 0, sizeof(seen));
	undo_calls = 0;
	undo_owner = NULL;
}

static void fill_reply(u16 type, void *body)
{
	struct nmreq_register *reg = body;
	struct nmreq_port_info_get *info = body;
	struct nmreq_vale_list *list = body;
	struct nmreq_vale_newif *newif = body;

	switch (type) {
	case NETMAP_REQ_REGISTER:
		reg->nr_offset = 0x1000;
		reg->nr_memsize = 0x123456789ULL;	/* > 4 GiB: legacy truncates */
		reg->nr_tx_slots = 1024;
		reg->nr_rx_slots = 512;
		reg->nr_tx_rings = 4;
		reg->nr_rx_rings = 2;
		reg->nr_mem_id = 7;
		reg->nr_extra_bufs = 3;
		reg->nr_ringid = 0xabc;			/* legacy must not report these */
		reg->nr_flags = 0xf0000000;
		break;
	case NETMAP_REQ_PORT_INFO_GET:
		info->nr_memsize = 0x200001234ULL;
		info->nr_tx_slots = 256;
		info->nr_rx_slots = 128;
		info->nr_tx_rings = 8;
		info->nr_rx_rings = 6;
		info->nr_mem_id = 2;
		break;
	case NETMAP_REQ_VALE_ATTACH:
		((struct nmreq_vale_attach *)body)->port_index = 5;
		break;
	case NETMAP_REQ_VALE_LIST:
		list->nr_bridge_idx = 3;
		list->nr_port_idx = 0x10009;
		break;
	case NETMAP_REQ_PORT_HDR_GET:
		((struct nmreq_port_hdr *)body)->nr_hdr_len = 12;
		break;
	case NETMAP_REQ_VALE_NEWIF:
		newif->nr_tx_slots = 2048;
		newif->nr_rx_slots = 1536;
		newif->nr_tx_rings = 3;
		newif->nr_rx_rings = 5;
		newif->nr_mem_id = 9;
		break;
	}
}

static void record_options(struct nm_ctrl_req *req)
{
	unsigned int i;

	seen.by_type_ok = true;
	for (i = 0; i < req->nopts; i++) {
		struct nmreq_option *opt = req->opts[i].opt;
		u32 t = opt->nro_reqtype;

		if (i < MAX_SEEN) {
			seen.opts[i] = req->opts[i];
			seen.opt_hdr[i] = *opt;
			if (req->opts[i].size >= sizeof(*opt) + 8)
				memcpy(&seen.opt_body0[i], opt + 1, 8);
		}
		if (t > 0 && t < NETMAP_REQ_OPT_MAX && req->by_type[t] != opt)
			seen.by_type_ok = false;
	}
}

static void consume_options(struct nm_ctrl_req *req)
{
	unsigned int i;

	for (i = 0; i < req->nopts; i++) {
		struct nmreq_option *opt = req->opts[i].opt;
		u32 t = opt->nro_reqtype;
		int st = t < NETMAP_REQ_OPT_MAX ? cfg.consume[t] : -1;	/* unknown: never */

		if (st < 0)
			continue;
		opt->nro_status = st;
		if (cfg.opt_body_marker && t < NETMAP_REQ_OPT_MAX && req->opts[i].size >= 32)
			memcpy(opt + 1, &cfg.opt_body_marker, 8);
	}
}

static int fake_handler(void *owner, struct nm_ctrl_req *req)
{
	seen.calls++;
	seen.owner = owner;
	seen.hdr = req->hdr;
	seen.body_null = req->body == NULL;
	seen.body_size = req->body_size;
	if (req->body && req->body_size <= sizeof(seen.body))
		memcpy(seen.body, req->body, req->body_size);
	seen.nopts = req->nopts;
	record_options(req);
	consume_options(req);
	if (cfg.set_name) {	/* like strncpy: a 64-character name leaves no NUL */
		memset(req->hdr.nr_name, 0, sizeof(req->hdr.nr_name));
		memcpy(req->hdr.nr_name, cfg.set_name,
		       strnlen(cfg.set_name, sizeof(req->hdr.nr_name)));
	}
	if (cfg.scribble_hdr) {
		req->hdr.nr_options = 0xbad;
		req->hdr.nr_body = 0xbad;
		req->hdr.nr_version = 99;
	}
	if (cfg.fill_reply && req->body)
		fill_reply(req->hdr.nr_reqtype, req->body);
	return cfg.ret;
}

static void fake_undo(void *owner)
{
	undo_calls++;
	undo_owner = owner;
}

static struct nm_ctrl_ops ops;

static void ops_all(void)
{
	int i;

	for (i = 1; i <= NETMAP_REQ_CSB_ENABLE; i++)
		ops.handler[i] = fake_handler;
	ops.register_undo = fake_undo;
}

/* ---- building requests ---- */

static void leak_check(void)
{
	if (nm_os_live_objects() != baseline)
		leaks++;
}

static int ctrl(void *hdr)
{
	int err = nm_ctrl_ioctl(&owner_token, UPTR(hdr), &ops);

	leak_check();
	return err;
}

static int legacy(unsigned int cmd, void *nmr)
{
	int err = nm_ctrl_legacy_ioctl(&owner_token, cmd, UPTR(nmr), &ops);

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

/* A page followed by an inaccessible one: returns the first byte past the accessible page. */
static char *guarded_end(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	mprotect(p + pg, pg, PROT_NONE);
	return p + pg;
}


/* ---- §2.3: copying the header in and out ---- */

static void test_header_copy_in(void)
{
	char *end = guarded_end();
	struct nmreq_header *edge = (struct nmreq_header *)(end - sizeof(*edge));
	static struct nmreq_register reg;

	reset_fake();
	check(ctrl(NULL) == -EINVAL && seen.calls == 0, "NIOCCTRL: a NULL header pointer gives EINVAL");
	check(ctrl((void *)8) == -EFAULT, "NIOCCTRL: an unmapped header pointer gives EFAULT");
	check(ctrl(end - 40) == -EFAULT && seen.calls == 0,
	      "NIOCCTRL: a header running into an unmapped page gives EFAULT");
	hdr_init(edge, NETMAP_REQ_REGISTER, &reg, NULL);
	check(ctrl(edge) == 0 && seen.calls == 1,
	      "NIOCCTRL: exactly 88 bytes are read (a header ending at a page boundary works)");
	check(seen.owner == &owner_token, "the handler gets the caller's owner");
	check(seen.hdr.nr_reqtype == NETMAP_REQ_REGISTER && !strcmp(seen.hdr.nr_name, "vale0:a"),
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
	check(ctrl(&h) == 0 && seen.hdr.nr_name[63] == 0 && h.nr_name[63] == 0 && h.nr_name[62] == 'x',
	      "nr_name[63] is forced to NUL in the kernel copy and in the write-back");
	hdr_init(&h, NETMAP_REQ_REGISTER, &reg, NULL);
	memset(h.nr_name, 'x', sizeof(h.nr_name));
	cfg.ret = -ENXIO;
	check(ctrl(&h) == -ENXIO && h.nr_name[63] == 0,
	      "the header is written back when the handler fails (errno kept)");
	h.nr_version = 13;
	memset(h.nr_name, 'x', sizeof(h.nr_name));
	check(ctrl(&h) == -EINVAL && h.nr_name[63] == 0 && h.nr_version == 13,
	      "the header is written back when it is refused");

	reset_fake();
	cfg.set_name = "vale0:port7";
	hdr_init(&h, NETMAP_REQ_VALE_LIST, &list, NULL);
	check(ctrl(&h) == 0 && !strcmp(h.nr_name, "vale0:port7"),
	      "a name the handler writes (VALE_LIST) reaches the caller");
	cfg.set_name = "vale0:0123456789012345678901234567890123456789012345678901234567890123";
	check(ctrl(&h) == 0 && h.nr_name[63] == 0 && h.nr_name[62] == '6',
	      "a 64-character name from the handler still comes back with nr_name[63] = 0");

	reset_fake();
	cfg.scribble_hdr = true;
	hdr_init(&h, NETMAP_REQ_VALE_LIST, &list, &opt);
	opt_init(&opt, 99, 24, NULL);
	check(ctrl(&h) == 0 && h.nr_options == UPTR(&opt) && h.nr_body == UPTR(&list) &&
	      h.nr_version == NETMAP_API,
	      "nr_options, nr_body and the version come back as sent, whatever the handler did");

	reset_fake();
	ro = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hdr_init(ro, NETMAP_REQ_VALE_LIST, &list, NULL);
	mprotect(ro, pg, PROT_READ);
	check(ctrl(ro) == -EFAULT && seen.calls == 1,
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
		check(ctrl(&h) == -EINVAL && seen.calls == 0 && opt.nro_status == SENTINEL,
		      "nr_version %u: EINVAL, options untouched", bad_versions[i]);
	}
	for (v = NETMAP_MIN_API; v <= NETMAP_MAX_API; v++) {
		reset_fake();
		hdr_init(&h, NETMAP_REQ_REGISTER, &reg, NULL);
		h.nr_version = v;
		check(ctrl(&h) == 0 && seen.calls == 1, "nr_version %u is accepted", v);
	}
	reset_fake();
	hdr_init(&h, NETMAP_REQ_REGISTER, &reg, &opt);
	opt_init(&opt, 99, 24, NULL);
	h.nr_reserved = 1;
	check(ctrl(&h) == -EINVAL && seen.calls == 0 && opt.nro_status == SENTINEL,
	      "nr_reserved != 0: EINVAL, options untouched");
	hdr_init(&h, NETMAP_REQ_REGISTER, NULL, &opt);
	check(ctrl(&h) == -EINVAL && seen.calls == 0 && opt.nro_status == SENTINEL,
	      "REGISTER without a body: EINVAL, options untouched");
	for (i = 0; i < sizeof(no_body) / sizeof(no_body[0]); i++) {
		reset_fake();
		hdr_init(&h, no_body[i], &reg, &opt);
		check(ctrl(&h) == -EINVAL && seen.calls == 0 && opt.nro_status == SENTINEL,
		      "type %u with a body: EINVAL, options untouched", no_body[i]);
		hdr_init(&h, no_body[i], NULL, NULL);
		check(ctrl(&h) == 0 && seen.calls == 1 && seen.body_null && seen.body_size == 0,
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
		check(ctrl(&h) == 0 && seen.body_size == sizes[i].size &&
		      !memcmp(seen.body, body, sizes[i].size),
		      "type %u: the handler gets a kernel copy of the %zu-byte body, read exactly",
		      sizes[i].type, sizes[i].size);
	}
	reset_fake();
	hdr_init(&h, NETMAP_REQ_REGISTER, (void *)8, &opt);
	opt_init(&opt, 99, 24, NULL);
	check(ctrl(&h) == -EFAULT && seen.calls == 0 && opt.nro_status == SENTINEL,
	      "an unmapped body gives EFAULT; options untouched");
	hdr_init(&h, NETMAP_REQ_REGISTER, end - 40, NULL);
	check(ctrl(&h) == -EFAULT && seen.calls == 0, "a body running into an unmapped page: EFAULT");
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
		check(ctrl(&h) == -EINVAL && seen.calls == 0 && unk.nro_status == EOPNOTSUPP &&
		      csb.nro_opt.nro_status == EOPNOTSUPP,
		      "unknown request type %u: EINVAL, every option EOPNOTSUPP", types[i]);
	}
	hdr_init(&h, 16, &reg, &unk);
	opt_init(&unk, 99, 24, NULL);
	check(ctrl(&h) == -EINVAL && unk.nro_status == SENTINEL,
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
	check(ctrl(&h) == -EFAULT && seen.calls == 0 && a.nro_status == 0 && a.nro_next == 8,
	      "next option unmapped: EFAULT; the option copied so far gets status 0, next kept");
	opt_init(&a, 99, 24, (void *)0xdead000);
	check(ctrl(&h) == -EFAULT && a.nro_status == 0 && a.nro_next == 0xdead000,
	      "next option at a garbage address: EFAULT");
	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, (void *)8);
	check(ctrl(&h) == -EFAULT && seen.calls == 0, "first option unmapped: EFAULT");

	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, edge);
	opt_init(edge, NETMAP_REQ_OPT_CSB, sizeof(struct nmreq_opt_csb), NULL);
	check(ctrl(&h) == -EFAULT && seen.calls == 0 && edge->nro_status == 0,
	      "a known option whose body is unmapped: EFAULT, its header gets status 0");
	opt_init(edge, 1000, 5000, NULL);
	check(ctrl(&h) == 0 && seen.calls == 1 && seen.nopts == 1 && seen.opts[0].size == 24 &&
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
	check(ctrl(&h) == -EINVAL && seen.calls == 0 && b.nro_status == 0 &&
	      a.nro_opt.nro_status == EINVAL && c.nro_opt.nro_status == SENTINEL,
	      "option type 0: EINVAL; it gets EINVAL, the ones before 0, the walk stops");

	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, &a);
	opt_init(&a, NETMAP_REQ_OPT_CSB, sizeof(a), &b);
	opt_init(&b, 77, 24, &c);
	opt_init(&c, NETMAP_REQ_OPT_CSB, sizeof(c), NULL);
	check(ctrl(&h) == -EINVAL && seen.calls == 0 && a.nro_opt.nro_status == EINVAL &&
	      b.nro_status == 0 && c.nro_opt.nro_status == EINVAL,
	      "duplicate known option: EINVAL on both occurrences");
	check(a.nro_opt.nro_next == UPTR(&b) && b.nro_next == UPTR(&c) && c.nro_opt.nro_next == 0,
	      "nro_next restored after a failed walk");

	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, &a);
	opt_init(&a, NETMAP_REQ_OPT_CSB, sizeof(a), &a);
	check(ctrl(&h) == -EINVAL && a.nro_opt.nro_status == EINVAL && a.nro_opt.nro_next == UPTR(&a),
	      "a loop of one known option hits the duplicate rule: EINVAL");

	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, &b);
	opt_init(&b, 77, 24, &a);
	opt_init(&a, NETMAP_REQ_OPT_CSB, sizeof(a), &b);
	check(ctrl(&h) == -EINVAL && a.nro_opt.nro_status == EINVAL && b.nro_status == 0,
	      "a loop through an unknown and a known option: EINVAL (duplicate)");
}

static void test_option_sizes(void)
{
	static struct {
		struct nmreq_opt_extmem extmem;
		struct nmreq_opt_sync_kloop_eventfds fds;
		u64 fds_body[2];
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
	o.fds_body[0] = 0x2222;
	opt_init(&o.csb, NETMAP_REQ_OPT_CSB, 0, &o.mode);
	o.csb.csb_atok = 0x3333;
	opt_init(&o.mode, NETMAP_REQ_OPT_SYNC_KLOOP_MODE, 0, &o.offsets);
	o.mode.mode = 0x4444;
	opt_init(&o.offsets, NETMAP_REQ_OPT_OFFSETS, 0, &o.unknown);
	o.offsets.nro_max_offset = 0x5555;
	opt_init(&o.unknown, 123, 500, NULL);
	check(ctrl(&h) == 0 && seen.nopts == 6 && seen.by_type_ok,
	      "six options reach the handler, by_type[] points at the known ones");
	check(seen.opts[0].size == 96 && seen.opts[1].size == 40 && seen.opts[2].size == 40 &&
	      seen.opts[3].size == 32 && seen.opts[4].size == 56 && seen.opts[5].size == 24,
	      "option sizes: EXTMEM 96, EVENTFDS nro_size, CSB 40, MODE 32, OFFSETS 56, unknown 24");
	check(seen.opt_body0[0] == 0x1111 && seen.opt_body0[1] == 0x2222 &&
	      seen.opt_body0[2] == 0x3333 && (u32)seen.opt_body0[3] == 0x4444 &&
	      seen.opt_body0[4] == 0x5555, "known option bodies are copied after their headers");
	check(seen.opts[0].uptr == UPTR(&o.extmem) && seen.opts[5].uptr == UPTR(&o.unknown),
	      "each option records its user address");
	for (i = 0; i < 6; i++)
		if (seen.opt_hdr[i].nro_status != EOPNOTSUPP)
			break;
	check(i == 6, "when the handler runs, every option's status is EOPNOTSUPP");
	check(o.extmem.nro_opt.nro_status == EOPNOTSUPP && o.unknown.nro_status == EOPNOTSUPP,
	      "unconsumed options come back EOPNOTSUPP; other requests ignore leftovers");

	reset_fake();
	hdr_init(&h, NETMAP_REQ_SYNC_KLOOP_START, &start, &o.fds);
	opt_init(&o.fds, NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS, 10, NULL);
	check(ctrl(&h) == 0 && seen.opts[0].size == 24,
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
	check(ctrl(&h) == 0 && info.nr_memsize == 0x200001234ULL && info.nr_mem_id == 2,
	      "success: the body is written back");
	check(off.nro_opt.nro_status == 0 && csb.nro_opt.nro_status == EINVAL &&
	      unk.nro_status == EOPNOTSUPP, "success: every option status is written back");
	check(off.nro_max_offset == 0xfeed && csb.csb_atok == 2,
	      "success: an option body goes back only when its status is 0");
	check(off.nro_opt.nro_next == UPTR(&csb) && csb.nro_opt.nro_next == UPTR(&unk) &&
	      unk.nro_next == 0 && off.nro_opt.nro_size == 0 && unk.nro_size == 24,
	      "success: nro_next (and the rest of each header) restored");

	setup_copy_back(&h, &info, &off, &csb, &unk);
	cfg.ret = -EBUSY;
	check(ctrl(&h) == -EBUSY && info.nr_memsize == 0 && info.nr_mem_id == 0,
	      "failure: the handler's errno; the body is not written back");
	check(off.nro_opt.nro_status == 0 && csb.nro_opt.nro_status == EINVAL &&
	      unk.nro_status == EOPNOTSUPP, "failure: option statuses are still written back");
	check(off.nro_max_offset == 1 && off.nro_opt.nro_next == UPTR(&csb),
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
	check(ctrl(&h) == -EFAULT && seen.calls == 1,
	      "a body or option that cannot be written back gives EFAULT");
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
	check(ctrl(&h) == -EOPNOTSUPP && seen.calls == 1 && undo_calls == 1 &&
	      undo_owner == &owner_token, "REGISTER with an unconsumed option: undone, EOPNOTSUPP");
	check(csb.nro_opt.nro_status == EOPNOTSUPP && reg.nr_memsize == 0 && nm_os_log_lines > lines,
	      "REGISTER leftover: status EOPNOTSUPP, body not written back, a log line");

	reset_fake();
	hdr_init(&h, NETMAP_REQ_REGISTER, &reg, &unk);
	opt_init(&unk, 4242, 24, NULL);
	check(ctrl(&h) == -EOPNOTSUPP && undo_calls == 1 && unk.nro_status == EOPNOTSUPP,
	      "REGISTER with an unknown option type: undone, EOPNOTSUPP");

	reset_fake();
	cfg.fill_reply = true;
	cfg.consume[NETMAP_REQ_OPT_CSB] = 0;
	hdr_init(&h, NETMAP_REQ_REGISTER, &reg, &csb);
	opt_init(&csb, NETMAP_REQ_OPT_CSB, 0, NULL);
	check(ctrl(&h) == 0 && undo_calls == 0 && csb.nro_opt.nro_status == 0 &&
	      reg.nr_memsize == 0x123456789ULL, "REGISTER whose options are all consumed succeeds");

	reset_fake();
	cfg.ret = -ENOMEM;
	opt_init(&csb, NETMAP_REQ_OPT_CSB, 0, NULL);
	check(ctrl(&h) == -ENOMEM && undo_calls == 0 && csb.nro_opt.nro_status == EOPNOTSUPP,
	      "a failed REGISTER keeps its errno and is not undone again");

	reset_fake();
	ops.handler[NETMAP_REQ_SYNC_KLOOP_STOP] = NULL;
	hdr_init(&h, NETMAP_REQ_SYNC_KLOOP_STOP, NULL, &csb);
	opt_init(&csb, NETMAP_REQ_OPT_CSB, 0, NULL);
	lines = nm_os_log_lines;
	check(ctrl(&h) == -EOPNOTSUPP && seen.calls == 0 && nm_os_log_lines > lines &&
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
	struct nmreq_opt_offsets off;
	struct nmreq_header h;

	reset_fake();
	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, chain);
	make_chain(169, 99);
	check(ctrl(&h) == 0 && seen.nopts == 169, "32-byte body + 169 option headers = 4088: accepted");
	make_chain(170, 99);
	check(ctrl(&h) == -EMSGSIZE && chain_untouched(170),
	      "32-byte body + 170 option headers = 4112: EMSGSIZE, no header written back");
	hdr_init(&h, NETMAP_REQ_VALE_DELIF, NULL, chain);
	make_chain(170, 99);
	check(ctrl(&h) == 0 && seen.nopts == 170, "no body + 170 option headers = 4080: accepted");
	make_chain(171, 99);
	check(ctrl(&h) == -EMSGSIZE && chain_untouched(171), "171 option headers: EMSGSIZE");

	make_chain(1, 99);
	chain[0].nro_next = UPTR(&chain[0]);
	check(ctrl(&h) == -EMSGSIZE && chain_untouched(1) && chain[0].nro_next == UPTR(&chain[0]),
	      "an endless loop of one unknown option: EMSGSIZE, nothing written back");
	make_chain(2, 99);
	chain[1].nro_next = UPTR(&chain[0]);
	check(ctrl(&h) == -EMSGSIZE && chain_untouched(2), "a two-option unknown loop: EMSGSIZE");

	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, chain);
	make_chain(168, 99);
	chain[167].nro_next = UPTR(&off);
	opt_init(&off, NETMAP_REQ_OPT_OFFSETS, 56, NULL);
	check(ctrl(&h) == -EMSGSIZE && chain_untouched(168) && off.nro_opt.nro_status == SENTINEL,
	      "a known option body that crosses 4096 bytes: EMSGSIZE");

	opt_init(&off, NETMAP_REQ_OPT_OFFSETS, 4097, NULL);
	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, &off);
	check(ctrl(&h) == -EMSGSIZE && off.nro_opt.nro_status == SENTINEL,
	      "a known option with nro_size > 4096: EMSGSIZE");
	make_chain(1, 99);
	chain[0].nro_size = 1ULL << 40;
	hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, &info, chain);
	check(ctrl(&h) == 0, "an unknown option's nro_size is ignored");

	opt_init(fds, NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS, 4096, NULL);
	hdr_init(&h, NETMAP_REQ_VALE_DELIF, NULL, fds);
	check(ctrl(&h) == 0 && seen.opts[0].size == 4096, "a 4096-byte EVENTFDS option alone fits");
	hdr_init(&h, NETMAP_REQ_SYNC_KLOOP_START, &start, fds);
	check(ctrl(&h) == -EMSGSIZE, "the same option after an 8-byte body: EMSGSIZE");
}

/* ---- §5.12: the legacy interface ---- */

static void nmreq_init(struct nmreq *r, const char *name, u16 nr_cmd)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->nr_name, sizeof(r->nr_name), "%s", name);
	r->nr_version = NETMAP_API;
	r->nr_cmd = nr_cmd;
}

#define SEEN_BODY(type) ((const type *)seen.body)

static void test_legacy_copy(void)
{
	char *end = guarded_end();
	struct nmreq *edge = (struct nmreq *)(end - sizeof(*edge));
	long pg = sysconf(_SC_PAGESIZE);
	struct nmreq r, before, *ro;

	reset_fake();
	check(legacy(NIOCREGIF, NULL) == -EINVAL, "legacy: a NULL pointer gives EINVAL");
	check(legacy(NIOCREGIF, (void *)8) == -EFAULT, "legacy: an unmapped pointer gives EFAULT");
	check(legacy(NIOCREGIF, end - 30) == -EFAULT, "legacy: a struct running into a hole: EFAULT");
	nmreq_init(edge, "vale0:a", 0);
	check(legacy(NIOCREGIF, edge) == 0 && seen.calls == 1,
	      "legacy: exactly 60 bytes are read (a struct ending at a page boundary works)");
	check(legacy(NIOCCTRL, edge) == -EOPNOTSUPP, "legacy: another ioctl number: EOPNOTSUPP");

	nmreq_init(&r, "", 0);
	memset(r.nr_name, 'y', sizeof(r.nr_name));
	r.nr_version = 13;
	r.nr_arg1 = 5;
	before = r;
	before.nr_name[15] = 0;
	check(legacy(NIOCREGIF, &r) == -EINVAL && !memcmp(&r, &before, sizeof(r)),
	      "legacy nr_version 13: EINVAL; the struct comes back as sent plus nr_name[15] = 0");
	reset_fake();
	nmreq_init(&r, "vale0:a", 0);
	r.nr_version = 16;
	check(legacy(NIOCREGIF, &r) == 0 && seen.hdr.nr_version == NETMAP_API && seen.nopts == 0 &&
	      seen.hdr.nr_options == 0 && seen.hdr.nr_reqtype == NETMAP_REQ_REGISTER,
	      "legacy nr_version 16 is accepted and runs as a version-14 REGISTER, no options");

	ro = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	nmreq_init(ro, "vale0:a", 0);
	mprotect(ro, pg, PROT_READ);
	check(legacy(NIOCREGIF, ro) == -EFAULT, "legacy: a struct that cannot be written back: EFAULT");
	munmap(ro, pg);
}

static void test_legacy_register_modes(void)
{
	static const struct {
		u32 flags;
		u16 ringid;
		u32 mode;
		u16 ring;
		u64 reg_flags;
	} t[] = {
		{ 0, 0, NR_REG_ALL_NIC, 0, 0 },
		{ 0, NETMAP_SW_RING | 5, NR_REG_SW, 5, 0 },
		{ 0, NETMAP_HW_RING | 3, NR_REG_ONE_NIC, 3, 0 },
		{ 0, NETMAP_SW_RING | NETMAP_HW_RING | 1, NR_REG_SW, 1, 0 },
		{ NR_REG_NIC_SW, NETMAP_HW_RING | 2, NR_REG_NIC_SW, 2, 0 },
		{ NR_REG_ONE_SW, 0x0fff, NR_REG_ONE_SW, 0x0fff, 0 },
		{ NR_REG_ONE_NIC | NR_EXCLUSIVE, NETMAP_NO_TX_POLL | NETMAP_DO_RX_POLL | 7,
		  NR_REG_ONE_NIC, 7, NR_EXCLUSIVE | NR_NO_TX_POLL | NR_DO_RX_POLL },
		{ NR_REG_NULL | NR_ACCEPT_VNET_HDR, NETMAP_NO_TX_POLL, NR_REG_NULL, 0,
		  NR_ACCEPT_VNET_HDR | NR_NO_TX_POLL },
	};
	const struct nmreq_register *reg = SEEN_BODY(struct nmreq_register);
	struct nmreq r;
	unsigned int i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		reset_fake();
		nmreq_init(&r, "eth0", 0);
		r.nr_flags = t[i].flags;
		r.nr_ringid = t[i].ringid;
		check(legacy(NIOCREGIF, &r) == 0 && reg->nr_mode == t[i].mode &&
		      reg->nr_ringid == t[i].ring && reg->nr_flags == t[i].reg_flags,
		      "legacy REGISTER nr_flags 0x%x nr_ringid 0x%x: mode %u ring %u flags 0x%llx",
		      t[i].flags, t[i].ringid, t[i].mode, t[i].ring,
		      (unsigned long long)t[i].reg_flags);
	}
	reset_fake();
	nmreq_init(&r, "eth0", 0);
	r.nr_tx_slots = 11, r.nr_rx_slots = 12, r.nr_tx_rings = 13, r.nr_rx_rings = 14;
	r.nr_arg1 = 99, r.nr_arg2 = 3, r.nr_arg3 = 40;
	check(legacy(NIOCREGIF, &r) == 0 && seen.body_size == 56 && reg->nr_mem_id == 3 &&
	      reg->nr_extra_bufs == 40 && reg->nr_tx_slots == 11 && reg->nr_rx_slots == 12 &&
	      reg->nr_tx_rings == 13 && reg->nr_rx_rings == 14 && reg->nr_host_tx_rings == 0 &&
	      !strcmp(seen.hdr.nr_name, "eth0"),
	      "legacy REGISTER: mem id = nr_arg2, extra bufs = nr_arg3, slots, rings, name");
}

static void test_legacy_pipes(void)
{
	const struct nmreq_register *reg = SEEN_BODY(struct nmreq_register);
	struct nmreq r;

	reset_fake();
	nmreq_init(&r, "pipe0", 0);
	r.nr_flags = NR_REG_PIPE_MASTER;
	r.nr_ringid = 7;
	check(legacy(NIOCREGIF, &r) == 0 && !strcmp(seen.hdr.nr_name, "pipe0{7") &&
	      reg->nr_mode == NR_REG_ALL_NIC && reg->nr_ringid == 0,
	      "legacy PIPE_MASTER ring 7: name \"pipe0{7\", ALL_NIC ring 0");
	nmreq_init(&r, "abcdefghijklmnopq", 0);
	r.nr_flags = NR_REG_PIPE_SLAVE;
	r.nr_ringid = NETMAP_HW_RING | 4095;
	check(legacy(NIOCREGIF, &r) == 0 && !strcmp(seen.hdr.nr_name, "abcdefghijklmno}4095") &&
	      reg->nr_mode == NR_REG_ALL_NIC && reg->nr_ringid == 0 && !strcmp(r.nr_name, "abcdefghijklmno"),
	      "legacy PIPE_SLAVE ring 4095, 15-character name: \"...}4095\"; caller's name kept");
	/*
	 * The ENOMEM of §5.12 needs a name longer than 64 bytes, which a 15-character legacy name
	 * plus "}4095" can never reach: the check in ctrl_legacy.c is defensive only.
	 */
}

static void test_legacy_register_reply(void)
{
	struct nmreq r, before;

	reset_fake();
	cfg.fill_reply = true;
	nmreq_init(&r, "eth0", 0);
	r.nr_ringid = NETMAP_HW_RING | 3;
	r.nr_flags = NR_EXCLUSIVE;
	r.nr_arg1 = 77;
	r.spare2[0] = 0x99;
	check(legacy(NIOCREGIF, &r) == 0 && r.nr_offset == 0x1000 && r.nr_memsize == 0x23456789 &&
	      r.nr_tx_slots == 1024 && r.nr_rx_slots == 512 && r.nr_tx_rings == 4 &&
	      r.nr_rx_rings == 2 && r.nr_arg2 == 7 && r.nr_arg3 == 3,
	      "legacy REGISTER reply: offset, memsize truncated to 32 bits, slots, rings, mem id, "
	      "extra bufs");
	check(r.nr_ringid == (NETMAP_HW_RING | 3) && r.nr_flags == NR_EXCLUSIVE && r.nr_arg1 == 77 &&
	      r.spare2[0] == 0x99, "legacy REGISTER reply: nr_ringid and nr_flags never written back");

	reset_fake();
	cfg.fill_reply = true;
	cfg.ret = -EBUSY;
	nmreq_init(&r, "eth0", 0);
	r.nr_tx_slots = 5;
	before = r;
	check(legacy(NIOCREGIF, &r) == -EBUSY && !memcmp(&r, &before, sizeof(r)),
	      "legacy REGISTER failure: nothing written back, the errno is the handler's");
}

static void test_legacy_info(void)
{
	const struct nmreq_port_info_get *info = SEEN_BODY(struct nmreq_port_info_get);
	struct nmreq r;

	reset_fake();
	cfg.fill_reply = true;
	nmreq_init(&r, "eth1", 0);
	r.nr_arg2 = 4, r.nr_tx_slots = 1, r.nr_rx_rings = 2, r.nr_offset = 0x77, r.nr_arg3 = 8;
	check(legacy(NIOCGINFO, &r) == 0 && seen.hdr.nr_reqtype == NETMAP_REQ_PORT_INFO_GET &&
	      info->nr_mem_id == 4 && info->nr_tx_slots == 1 && info->nr_rx_rings == 2 &&
	      info->nr_host_tx_rings == 0 && info->nr_host_rx_rings == 0,
	      "legacy NIOCGINFO: PORT_INFO_GET, mem id = nr_arg2, host rings 0");
	check(r.nr_memsize == 0x1234 && r.nr_tx_slots == 256 && r.nr_rx_slots == 128 &&
	      r.nr_tx_rings == 8 && r.nr_rx_rings == 6 && r.nr_arg2 == 2 && r.nr_offset == 0x77 &&
	      r.nr_arg3 == 8, "legacy NIOCGINFO reply: memsize (32 bits), slots, rings, nr_arg2");
}

static void test_legacy_attach_detach(void)
{
	const struct nmreq_vale_attach *att = SEEN_BODY(struct nmreq_vale_attach);
	struct nmreq r, before;

	reset_fake();
	cfg.fill_reply = true;
	nmreq_init(&r, "vale0:eth0", NETMAP_BDG_ATTACH);
	r.nr_arg1 = NETMAP_BDG_HOST, r.nr_arg2 = 6, r.nr_offset = 0x10, r.nr_memsize = 0x20;
	r.nr_tx_slots = 1, r.nr_rx_slots = 2, r.nr_tx_rings = 3, r.nr_rx_rings = 4, r.nr_arg3 = 5;
	before = r;
	check(legacy(NIOCREGIF, &r) == 0 && seen.hdr.nr_reqtype == NETMAP_REQ_VALE_ATTACH &&
	      seen.body_size == 64 && att->reg.nr_mode == NR_REG_NIC_SW && att->reg.nr_mem_id == 6,
	      "legacy BDG_ATTACH with NETMAP_BDG_HOST: VALE_ATTACH, mode NIC_SW, mem id nr_arg2");
	check(!memcmp(&r, &before, sizeof(r)),
	      "legacy BDG_ATTACH reply: the register fields carry the request's own values");
	r.nr_arg1 = 0;
	check(legacy(NIOCREGIF, &r) == 0 && att->reg.nr_mode == NR_REG_ALL_NIC,
	      "legacy BDG_ATTACH without NETMAP_BDG_HOST: mode ALL_NIC");
	check(legacy(NIOCGINFO, &r) == -EINVAL, "legacy BDG_ATTACH on NIOCGINFO: EINVAL");

	nmreq_init(&r, "vale0:eth0", NETMAP_BDG_DETACH);
	before = r;
	check(legacy(NIOCREGIF, &r) == 0 && seen.hdr.nr_reqtype == NETMAP_REQ_VALE_DETACH &&
	      seen.body_size == 8 && !memcmp(&r, &before, sizeof(r)),
	      "legacy BDG_DETACH: VALE_DETACH, nothing written back");
	nmreq_init(&r, "vale0:x", NETMAP_BDG_DELIF);
	check(legacy(NIOCREGIF, &r) == 0 && seen.hdr.nr_reqtype == NETMAP_REQ_VALE_DELIF &&
	      seen.body_null && seen.body_size == 0, "legacy BDG_DELIF: VALE_DELIF without a body");
	nmreq_init(&r, "vale0:x", NETMAP_BDG_NEWIF);
	r.nr_tx_slots = 100, r.nr_rx_rings = 2, r.nr_arg2 = 3;
	check(legacy(NIOCREGIF, &r) == 0 && SEEN_BODY(struct nmreq_vale_newif)->nr_tx_slots == 100 &&
	      SEEN_BODY(struct nmreq_vale_newif)->nr_rx_rings == 2 &&
	      SEEN_BODY(struct nmreq_vale_newif)->nr_mem_id == 3,
	      "legacy BDG_NEWIF: VALE_NEWIF with slots, rings, mem id = nr_arg2");
	check(r.nr_tx_slots == 2048 && r.nr_rx_slots == 1536 && r.nr_tx_rings == 3 &&
	      r.nr_rx_rings == 5 && r.nr_arg2 == 9, "legacy BDG_NEWIF reply: slots, rings, nr_arg2");
}

static void test_legacy_list_hdr(void)
{
	const struct nmreq_vale_list *list = SEEN_BODY(struct nmreq_vale_list);
	struct nmreq r;

	reset_fake();
	cfg.fill_reply = true;
	cfg.set_name = "vale1:averyveryverylongname";
	nmreq_init(&r, "", NETMAP_BDG_LIST);
	r.nr_arg1 = 1, r.nr_arg2 = 2;
	check(legacy(NIOCGINFO, &r) == 0 && list->nr_bridge_idx == 1 && list->nr_port_idx == 2,
	      "legacy BDG_LIST: VALE_LIST with bridge = nr_arg1, port = nr_arg2");
	check(!strcmp(r.nr_name, "vale1:averyvery") && r.nr_arg1 == 3 && r.nr_arg2 == 9,
	      "legacy BDG_LIST reply: name truncated to 15 characters, nr_arg1, nr_arg2");
	check(legacy(NIOCREGIF, &r) == -EINVAL, "legacy BDG_LIST on NIOCREGIF: EINVAL");

	reset_fake();
	cfg.fill_reply = true;
	nmreq_init(&r, "vale0:a", NETMAP_BDG_VNET_HDR);
	r.nr_arg1 = 10;
	check(legacy(NIOCREGIF, &r) == 0 && seen.hdr.nr_reqtype == NETMAP_REQ_PORT_HDR_SET &&
	      SEEN_BODY(struct nmreq_port_hdr)->nr_hdr_len == 10 && r.nr_arg1 == 10,
	      "legacy BDG_VNET_HDR: PORT_HDR_SET with nr_hdr_len = nr_arg1");
	nmreq_init(&r, "vale0:a", NETMAP_VNET_HDR_GET);
	check(legacy(NIOCREGIF, &r) == 0 && seen.hdr.nr_reqtype == NETMAP_REQ_PORT_HDR_GET &&
	      r.nr_arg1 == 12, "legacy VNET_HDR_GET: PORT_HDR_GET, nr_arg1 = header length");
}

static void test_legacy_refusals(void)
{
	const struct nmreq_vale_polling *poll = SEEN_BODY(struct nmreq_vale_polling);
	static const u16 bad_cmds[] = { 13, 200, 0xffff };
	struct nmreq r;
	unsigned long lines;
	unsigned int i;

	reset_fake();
	nmreq_init(&r, "vale0:a", NETMAP_BDG_REGOPS);
	check(legacy(NIOCREGIF, &r) == -EINVAL && legacy(NIOCGINFO, &r) == -EINVAL &&
	      seen.calls == 0, "legacy BDG_REGOPS: EINVAL on either ioctl");
	for (i = NETMAP_PT_HOST_CREATE; i <= NETMAP_PT_HOST_DELETE; i++) {
		nmreq_init(&r, "vale0:a", i);
		lines = nm_os_log_lines;
		check(legacy(NIOCREGIF, &r) == -ENOMEM && seen.calls == 0 && nm_os_log_lines > lines,
		      "legacy nr_cmd %u (PT_HOST_*): ENOMEM and a log line", i);
	}
	for (i = 0; i < sizeof(bad_cmds) / sizeof(bad_cmds[0]); i++) {
		nmreq_init(&r, "vale0:a", bad_cmds[i]);
		check(legacy(NIOCREGIF, &r) == -EINVAL && legacy(NIOCGINFO, &r) == -EINVAL &&
		      seen.calls == 0, "legacy unknown nr_cmd %u: EINVAL", bad_cmds[i]);
	}

	nmreq_init(&r, "vale0:", NETMAP_BDG_POLLING_ON);
	r.nr_ringid = NETMAP_HW_RING | 2, r.nr_arg1 = 3;
	check(legacy(NIOCREGIF, &r) == 0 &&
	      seen.hdr.nr_reqtype == NETMAP_REQ_VALE_POLLING_ENABLE &&
	      poll->nr_mode == NETMAP_POLLING_MODE_MULTI_CPU && poll->nr_first_cpu_id == 2 &&
	      poll->nr_num_polling_cpus == 3, "legacy POLLING_ON, ONE_NIC: MULTI_CPU from ring 2");
	nmreq_init(&r, "vale0:", NETMAP_BDG_POLLING_OFF);
	check(legacy(NIOCREGIF, &r) == 0 &&
	      seen.hdr.nr_reqtype == NETMAP_REQ_VALE_POLLING_DISABLE &&
	      poll->nr_mode == NETMAP_POLLING_MODE_SINGLE_CPU, "legacy POLLING_OFF, ALL_NIC: SINGLE");
	nmreq_init(&r, "vale0:", NETMAP_BDG_POLLING_ON);
	r.nr_ringid = NETMAP_SW_RING;
	check(legacy(NIOCREGIF, &r) == 0 && poll->nr_mode == 0,
	      "legacy POLLING_ON in another mode: nr_mode 0, left for the handler to refuse");

	ops.handler[NETMAP_REQ_VALE_POLLING_ENABLE] = NULL;
	seen.calls = 0;
	check(legacy(NIOCREGIF, &r) == -EOPNOTSUPP && seen.calls == 0,
	      "legacy command whose request has no handler: EOPNOTSUPP");
	ops.handler[NETMAP_REQ_VALE_POLLING_ENABLE] = fake_handler;
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
	test_legacy_copy();
	test_legacy_register_modes();
	test_legacy_pipes();
	test_legacy_register_reply();
	test_legacy_info();
	test_legacy_attach_detach();
	test_legacy_list_hdr();
	test_legacy_refusals();
	check(leaks == 0, "no request leaked memory (%d leaking calls)", leaks);
	check(nm_os_live_objects() == baseline, "nm_os_live_objects() is back to its baseline");
	return failures != 0;
}
