/*
 * tests/host/test_lib_parse.c - the port-spec grammar of libnetmap (spec §6.1, every row of the
 * §6.3 table) and of the legacy nm_open library (§6.2), checked without a kernel.
 *
 * nmport_parse on a fresh nmport_new() descriptor touches nothing but the descriptor, so every
 * spec is parsed on the host and the resulting request compared field by field: nr_name, mode,
 * ring id, flags, mem id and the ring/slot counts, or the errno (EINVAL, EOPNOTSUPP) and the one
 * message the context received, which must name the offending part.  Also here: length limits,
 * mem id rules, option-list helpers, the extmem and offset option builders, failure leaving the
 * descriptor untouched, and nmport_inject / nm_inject / nm_dispatch / nm_nextpkt on a fake
 * region built in ordinary memory.  What needs the module (share lookups, registering, real
 * rings) is in tests/guest/lib_nmport.c and lib_legacy.c.
 */
#define NETMAP_WITH_LIBS
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libnetmap.h>

#include "../t.h"

/* --- a context that records messages ------------------------------------------------------ */

static char last_msg[2048];
static int nmsgs;

static void record_error(struct nmctx *ctx, const char *msg)
{
	(void)ctx;
	snprintf(last_msg, sizeof(last_msg), "%s", msg);
	nmsgs++;
}

static struct nmctx rec_ctx;

static void reset_msgs(void)
{
	last_msg[0] = '\0';
	nmsgs = 0;
}

/* --- the table ---------------------------------------------------------------------------- */

#define M_ALL	NR_REG_ALL_NIC
#define M_ONE	NR_REG_ONE_NIC
#define M_SW	NR_REG_SW
#define M_NSW	NR_REG_NIC_SW
#define M_OSW	NR_REG_ONE_SW

struct counts {
	uint16_t txr, rxr, htxr, hrxr;
	uint32_t txs, rxs;
};

struct row {
	const char *spec;
	int err;		/* 0, EINVAL or EOPNOTSUPP */
	const char *bad;	/* error: a part the message must name */
	const char *name;	/* success: the kernel name */
	uint32_t mode;
	uint16_t ringid;
	uint64_t flags;
	uint16_t mem_id;
	struct counts c;
};

#define OK(s, n, m, r, f, id)	{ s, 0, NULL, n, m, r, f, id, { 0, 0, 0, 0, 0, 0 } }
#define OKC(s, n, id, ...)	{ s, 0, NULL, n, M_ALL, 0, 0, id, { __VA_ARGS__ } }
#define BAD(s, part)		{ s, EINVAL, part, NULL, 0, 0, 0, 0, { 0, 0, 0, 0, 0, 0 } }
#define NOTSUP(s, part)		{ s, EOPNOTSUPP, part, NULL, 0, 0, 0, 0, { 0, 0, 0, 0, 0, 0 } }

static const struct row rows[] = {
	/* ring selectors */
	OK("netmap:eth0", "eth0", M_ALL, 0, 0, 0),
	OK("netmap:eth0-1", "eth0", M_ONE, 1, 0, 0),
	OK("netmap:eth0-01", "eth0", M_ONE, 1, 0, 0),
	OK("netmap:eth0-4094", "eth0", M_ONE, 4094, 0, 0),
	BAD("netmap:eth0-4095", "4095"),
	BAD("netmap:eth0-", "'-'"),
	BAD("netmap:eth0-x", "-x"),
	OK("netmap:eth0*", "eth0", M_NSW, 0, 0, 0),
	OK("netmap:eth0^", "eth0", M_SW, 0, 0, 0),
	OK("netmap:eth0^1", "eth0", M_OSW, 1, 0, 0),
	OK("netmap:eth0^0", "eth0", M_OSW, 0, 0, 0),
	OK("netmap:eth0^@2", "eth0", M_SW, 0, 0, 2),
	OK("netmap:eth0^/R", "eth0", M_SW, 0, NR_RX_RINGS_ONLY, 0),
	BAD("netmap:eth0*2", "2"),
	BAD("netmap:eth0-1*", "*"),
	BAD("netmap:eth0^-1", "-1"),
	/* flags */
	OK("netmap:eth0/x", "eth0", M_ALL, 0, 0x800, 0),
	OK("netmap:eth0/z", "eth0", M_ALL, 0, 0x400, 0),
	OK("netmap:eth0/r", "eth0", M_ALL, 0, 0x200, 0),
	OK("netmap:eth0/t", "eth0", M_ALL, 0, 0x100, 0),
	OK("netmap:eth0/R", "eth0", M_ALL, 0, 0x2000, 0),
	OK("netmap:eth0/T", "eth0", M_ALL, 0, 0x4000, 0),
	OK("netmap:eth0/xzrtRT", "eth0", M_ALL, 0, 0x6f00, 0),
	OK("netmap:eth0-2/Tx", "eth0", M_ONE, 2, 0x4800, 0),
	BAD("netmap:eth0/", "'/'"),
	BAD("netmap:eth0/q", "'q'"),
	BAD("netmap:eth0/x/z", "/z"),
	OK("netmap:eth0/x@2/z", "eth0", M_ALL, 0, 0xc00, 2),
	OK("netmap:eth0/@2", "eth0", M_ALL, 0, 0, 2),
	/* mem ids */
	OK("netmap:eth0@2", "eth0", M_ALL, 0, 0, 2),
	OK("netmap:eth0@2/R", "eth0", M_ALL, 0, 0x2000, 2),
	OK("netmap:eth0@2/R@2", "eth0", M_ALL, 0, 0x2000, 2),
	OK("netmap:eth0@2@2", "eth0", M_ALL, 0, 0, 2),
	OK("netmap:eth0@65535", "eth0", M_ALL, 0, 0, 65535),
	BAD("netmap:eth0@65536", "@65536"),
	BAD("netmap:eth0@2/R@3", "@3"),
	BAD("netmap:eth0@2@3", "@3"),
	BAD("netmap:eth0@", "'@'"),
	BAD("netmap:eth0@0", "@0"),
	BAD("netmap:eth0@2-1", "-1"),
	BAD("netmap:eth0/R@xxx", "xxx"),
	BAD("netmap:eth0@netmap:lo/R", "netmap"),
	/* conf */
	OKC("netmap:eth0@conf:rings=4,slots=1024", "eth0", 0, 4, 4, 0, 0, 1024, 1024),
	OKC("netmap:eth0@conf:tx-rings=2,host-rings=3", "eth0", 0, 2, 0, 3, 3, 0, 0),
	OKC("netmap:eth0@2@conf:slots=256", "eth0", 2, 0, 0, 0, 0, 256, 256),
	OKC("netmap:eth0@conf:tx_rings=2,host_rings=3", "eth0", 0, 2, 0, 3, 3, 0, 0),
	OKC("netmap:eth0@conf:rx-slots=512,slots=256,tx-rings=1,rings=8", "eth0", 0,
	    1, 8, 0, 0, 256, 512),
	OKC("netmap:eth0@conf:host-tx-rings=2,host-rx-rings=5,tx-slots=7", "eth0", 0,
	    0, 0, 2, 5, 7, 0),
	OKC("netmap:eth0@conf:rings=", "eth0", 0, 0, 0, 0, 0, 0, 0),
	OKC("netmap:eth0@conf:rings=2@conf:slots=64", "eth0", 0, 2, 2, 0, 0, 64, 64),
	BAD("netmap:eth0@conf=4", "conf"),
	BAD("netmap:eth0@conf", "conf"),
	BAD("netmap:eth0@conf:foo=1", "foo"),
	BAD("netmap:eth0@conf:rings=1,rings=2", "rings"),
	BAD("netmap:eth0@conf:rings", "rings"),
	BAD("netmap:eth0@@", "@@"),
	BAD("netmap:eth0@conf:rings=x", "'x'"),
	BAD("netmap:eth0@conf:rings=65536", "65536"),
	BAD("netmap:eth0@conf:", "conf:"),
	BAD("netmap:eth0@conf:rings=1,", "rings=1,"),
	/* offset: disabled by default */
	NOTSUP("netmap:eth0@offset:initial=64", "offset"),
	NOTSUP("netmap:eth0@offset=64", "offset"),
	/* share: what can be checked without a kernel */
	BAD("vale0:1@share", "share"),
	BAD("vale0:1@share=", "port"),
	BAD("vale0:1@share:port=", "port"),
	BAD("vale0:1@share:foo=netmap:eth0", "foo"),
	/* names */
	BAD("netmap:", "netmap:"),
	BAD("netmap:^", "netmap:^"),
	BAD("netmap:{", "netmap:{"),
	BAD("netmap:a{", "netmap:a{"),
	BAD("eth0", "eth0"),
	BAD("netmapXXX:eth0", "netmapXXX:eth0"),
	BAD("", "''"),
	BAD("vale-1:x", "vale-1:x"),
	BAD("vale0", "vale0"),
	BAD("netmap:pipe{1}2", "1}2"),
	BAD("netmap:a}b{c", "b{c"),
	BAD("netmap:pipe{a.b", "a.b"),
	OK("netmap:14", "14", M_ALL, 0, 0, 0),
	OK("netmap:em0.123", "em0.123", M_ALL, 0, 0, 0),
	OK("netmap:eth0&", "eth0&", M_ALL, 0, 0, 0),
	OK("netmap:a:b", "a:b", M_ALL, 0, 0, 0),
	OK("netmap:vale0:0", "vale0:0", M_ALL, 0, 0, 0),
	OK("netmap:{a", "{a", M_ALL, 0, 0, 0),
	OK("netmap:pipe{0", "pipe{0", M_ALL, 0, 0, 0),
	OK("netmap:pipe{in", "pipe{in", M_ALL, 0, 0, 0),
	OK("netmap:pipe{in-7", "pipe{in", M_ONE, 7, 0, 0),
	OK("netmap:foo}3", "foo}3", M_ALL, 0, 0, 0),
	OK("netmap:eth0{1/xT@2", "eth0{1", M_ALL, 0, 0x4800, 2),
	OK("vale0:0", "vale0:0", M_ALL, 0, 0, 0),
	OK("vale:0", "vale:0", M_ALL, 0, 0, 0),
	OK("valeXXX:YYY", "valeXXX:YYY", M_ALL, 0, 0, 0),
	OK("vale_a:b", "vale_a:b", M_ALL, 0, 0, 0),
	OK("valeXXX:YYY-4", "valeXXX:YYY", M_ONE, 4, 0, 0),
	OK("vale0:0{0", "vale0:0{0", M_ALL, 0, 0, 0),
	OK("vale0:port{3", "vale0:port{3", M_ALL, 0, 0, 0),
	OK("vale0:a}b", "vale0:a}b", M_ALL, 0, 0, 0),
	OK("vale0:", "vale0:", M_ALL, 0, 0, 0),
	/* unknown options */
	BAD("netmap:eth0@bogus=1", "bogus"),
	BAD("netmap:eth0@bogus", "bogus"),
};

static void check_row(const struct row *r)
{
	struct nmport_d *d = nmport_new();
	int ret, e;

	if (!d) {
		ok(0, "%s: nmport_new", r->spec);
		return;
	}
	d->ctx = &rec_ctx;
	reset_msgs();
	errno = 0;
	ret = nmport_parse(d, r->spec);
	e = errno;
	if (r->err) {
		ok(ret == -1 && e == r->err, "'%s': fails with %s (got %d, %s)", r->spec,
		   r->err == EINVAL ? "EINVAL" : "EOPNOTSUPP", ret, strerror(e));
		ok(nmsgs == 1 && strstr(last_msg, r->bad) != NULL,
		   "'%s': one message naming %s (%d: \"%s\")", r->spec, r->bad, nmsgs, last_msg);
	} else {
		const struct counts *c = &r->c;

		ok(ret == 0 && nmsgs == 0, "'%s': parses (%d, %s, \"%s\")", r->spec, ret,
		   strerror(e), last_msg);
		ok(strcmp(d->hdr.nr_name, r->name) == 0 && d->reg.nr_mode == r->mode &&
		   d->reg.nr_ringid == r->ringid && d->reg.nr_flags == r->flags &&
		   d->reg.nr_mem_id == r->mem_id,
		   "'%s': name '%s' mode %u ringid %u flags %#llx mem %u (got '%s' %u %u %#llx %u)",
		   r->spec, r->name, r->mode, r->ringid, (unsigned long long)r->flags, r->mem_id,
		   d->hdr.nr_name, d->reg.nr_mode, d->reg.nr_ringid,
		   (unsigned long long)d->reg.nr_flags, d->reg.nr_mem_id);
		ok(d->reg.nr_tx_rings == c->txr && d->reg.nr_rx_rings == c->rxr &&
		   d->reg.nr_host_tx_rings == c->htxr && d->reg.nr_host_rx_rings == c->hrxr &&
		   d->reg.nr_tx_slots == c->txs && d->reg.nr_rx_slots == c->rxs,
		   "'%s': rings %u/%u host %u/%u slots %u/%u (got %u/%u %u/%u %u/%u)", r->spec,
		   c->txr, c->rxr, c->htxr, c->hrxr, c->txs, c->rxs, d->reg.nr_tx_rings,
		   d->reg.nr_rx_rings, d->reg.nr_host_tx_rings, d->reg.nr_host_rx_rings,
		   d->reg.nr_tx_slots, d->reg.nr_rx_slots);
	}
	ok(d->hdr.nr_options == 0 && d->hdr.nr_version == NETMAP_API &&
	   d->hdr.nr_reqtype == NETMAP_REQ_REGISTER && d->hdr.nr_body == (uintptr_t)&d->reg &&
	   d->fd == -1 && !d->register_done, "'%s': header and descriptor state", r->spec);
	nmport_close(d);
}

/* --- more parser rules -------------------------------------------------------------------- */

/* Parses spec on a fresh descriptor with the recording context; returns it (or NULL). */
static struct nmport_d *parse(const char *spec, int *ret, int *err)
{
	struct nmport_d *d = nmport_new();

	if (!d)
		return NULL;
	d->ctx = &rec_ctx;
	reset_msgs();
	errno = 0;
	*ret = nmport_parse(d, spec);
	*err = errno;
	return d;
}

static void test_lengths(void)
{
	char spec[128], name63[64], name64[65];
	struct nmport_d *d;
	int ret, err;

	memset(name63, 'a', 63);
	name63[63] = '\0';
	memset(name64, 'b', 64);
	name64[64] = '\0';
	snprintf(spec, sizeof(spec), "netmap:%s", name63);
	d = parse(spec, &ret, &err);
	ok(ret == 0 && strcmp(d->hdr.nr_name, name63) == 0, "63-character name accepted");
	nmport_close(d);
	snprintf(spec, sizeof(spec), "netmap:%s-3/T", name63);
	d = parse(spec, &ret, &err);
	ok(ret == 0 && strcmp(d->hdr.nr_name, name63) == 0 && d->reg.nr_ringid == 3,
	   "63-character name with a mode accepted");
	nmport_close(d);
	snprintf(spec, sizeof(spec), "netmap:%s", name64);
	d = parse(spec, &ret, &err);
	ok(ret == -1 && err == EINVAL && nmsgs == 1 && strstr(last_msg, name64) &&
	   strstr(last_msg, "too long"), "64-character name: EINVAL naming it (\"%s\")", last_msg);
	nmport_close(d);
	/* vale names count whole: "vale" + 59 = 63 */
	snprintf(spec, sizeof(spec), "vale1:%.57s", name63);
	d = parse(spec, &ret, &err);
	ok(ret == 0 && strlen(d->hdr.nr_name) == 63, "63-character VALE name accepted");
	nmport_close(d);
	snprintf(spec, sizeof(spec), "vale1:%.58s", name63);
	d = parse(spec, &ret, &err);
	ok(ret == -1 && err == EINVAL, "64-character VALE name: EINVAL");
	nmport_close(d);
	snprintf(spec, sizeof(spec), "netmap:%.61s{1", name63);
	d = parse(spec, &ret, &err);
	ok(ret == 0 && strlen(d->hdr.nr_name) == 63, "63-character pipe name accepted");
	nmport_close(d);
	snprintf(spec, sizeof(spec), "netmap:%.61s{12", name63);
	d = parse(spec, &ret, &err);
	ok(ret == -1 && err == EINVAL, "64-character pipe name: EINVAL");
	nmport_close(d);
}

static void test_preset_mem_id(void)
{
	struct nmport_d *d = nmport_new();
	int ret;

	d->ctx = &rec_ctx;
	d->reg.nr_mem_id = 5;
	reset_msgs();
	ret = nmport_parse(d, "netmap:eth0");
	ok(ret == 0 && d->reg.nr_mem_id == 5, "a mem id set before parsing is kept");
	ret = nmport_parse(d, "netmap:eth0@5");
	ok(ret == 0 && d->reg.nr_mem_id == 5, "@N equal to the preset mem id is fine");
	errno = 0;
	ret = nmport_parse(d, "netmap:eth0@6");
	ok(ret == -1 && errno == EINVAL && d->reg.nr_mem_id == 5 && strstr(last_msg, "@6"),
	   "@N cannot change a preset mem id (\"%s\")", last_msg);
	nmport_close(d);
}

/* A failed parse leaves every byte of the descriptor as it was. */
static void test_failure_leaves_descriptor(void)
{
	static const char *const bad[] = {
		"netmap:eth1-x", "netmap:eth1@conf:rings=1,foo=2", "netmap:eth1@conf:rings=3@conf=4",
		"netmap:eth1@2@conf:slots=5@bogus", "netmap:eth1@conf:slots=1@share=",
	};
	struct nmport_d *d = nmport_new(), before;
	size_t i;

	d->ctx = &rec_ctx;
	reset_msgs();
	ok(nmport_parse(d, "netmap:eth0-1/T@3@conf:rings=2") == 0, "parse a base spec");
	memcpy(&before, d, sizeof(before));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ok(nmport_parse(d, bad[i]) == -1 && errno == EINVAL &&
		   memcmp(&before, d, sizeof(before)) == 0,
		   "failed parse of '%s' leaves the descriptor unchanged", bad[i]);
	}
	nmport_close(d);
}

static void test_contexts(void)
{
	struct nmctx quiet = rec_ctx, *old;
	struct nmport_d *d;

	ok(nmctx_get() != NULL && nmctx_get()->verbose == 1 && nmctx_get()->lock != NULL,
	   "default context: verbose 1, thread-safe lock installed by the constructor");
	quiet.verbose = 0;
	old = nmctx_set_default(&quiet);
	ok(nmctx_get() == &quiet, "nmctx_set_default installs a context");
	d = nmport_new();
	ok(d && d->ctx == &quiet && d->fd == -1, "nmport_new uses the default context");
	reset_msgs();
	errno = 0;
	ok(nmport_parse(d, "netmap:eth0/q") == -1 && errno == EINVAL && nmsgs == 0,
	   "verbose 0: EINVAL and no message");
	nmport_close(d);
	ok(nmctx_set_default(old) == &quiet && nmctx_get() == old, "old context restored");
	ok(nmctx_set_default(NULL) == old && nmctx_get() == old,
	   "nmctx_set_default(NULL) restores the built-in context");
	nmctx_set_default(old);
	errno = EAGAIN;
	nmctx_ferror(&rec_ctx, "x%dy", 42);
	ok(errno == EAGAIN && strcmp(last_msg, "x42y") == 0, "nmctx_ferror formats, keeps errno");
}

static void test_option_lists(void)
{
	struct nmreq_option a, b, c;
	struct nmreq_header h;
	struct nmreq_option *o;
	int n = 0;

	nmreq_header_init(&h, NETMAP_REQ_PORT_INFO_GET, &a);
	ok(h.nr_version == 14 && h.nr_reqtype == 2 && h.nr_body == (uintptr_t)&a &&
	   h.nr_options == 0 && h.nr_name[0] == 0 && h.nr_reserved == 0, "nmreq_header_init");
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	a.nro_reqtype = NETMAP_REQ_OPT_EXTMEM;
	b.nro_reqtype = NETMAP_REQ_OPT_CSB;
	c.nro_reqtype = NETMAP_REQ_OPT_OFFSETS;
	nmreq_push_option(&h, &a);
	nmreq_push_option(&h, &b);
	nmreq_push_option(&h, &c);
	ok(h.nr_options == (uintptr_t)&c && c.nro_next == (uintptr_t)&b &&
	   b.nro_next == (uintptr_t)&a && a.nro_next == 0, "push puts options at the head");
	nmreq_foreach_option(&h, o)
		n++;
	ok(n == 3, "nmreq_foreach_option visits 3 options");
	ok(nmreq_find_option(&h, NETMAP_REQ_OPT_CSB) == &b &&
	   nmreq_find_option(&h, NETMAP_REQ_OPT_SYNC_KLOOP_MODE) == NULL, "nmreq_find_option");
	nmreq_remove_option(&h, &b);
	ok(h.nr_options == (uintptr_t)&c && c.nro_next == (uintptr_t)&a && b.nro_next == 0,
	   "nmreq_remove_option from the middle");
	nmreq_remove_option(&h, &c);
	nmreq_remove_option(&h, &a);
	ok(h.nr_options == 0, "list empty after removing all");
	o = malloc(sizeof(*o));
	memset(o, 0, sizeof(*o));
	nmreq_push_option(&h, o);
	o = malloc(sizeof(*o));
	memset(o, 0, sizeof(*o));
	nmreq_push_option(&h, o);
	nmreq_free_options(&h);	/* ASan checks the frees */
	ok(h.nr_options == 0, "nmreq_free_options frees and empties the list");
	ok(strcmp(nmreq_option_name(1), "extmem") == 0 &&
	   strcmp(nmreq_option_name(2), "sync-kloop-eventfds") == 0 &&
	   strcmp(nmreq_option_name(3), "csb") == 0 &&
	   strcmp(nmreq_option_name(4), "sync-kloop-mode") == 0 &&
	   strcmp(nmreq_option_name(5), "offsets") == 0 &&
	   strcmp(nmreq_option_name(0), "unknown") == 0 &&
	   strcmp(nmreq_option_name(6), "unknown") == 0, "nmreq_option_name");
}

static void test_decoders(void)
{
	struct nmreq_register reg;
	struct nmreq_header h;
	const char *s;

	nmreq_header_init(&h, NETMAP_REQ_REGISTER, &reg);
	s = "netmap:eth0-2@conf:rings=1";
	ok(nmreq_header_decode(&s, &h, &rec_ctx) == 0 && strcmp(h.nr_name, "eth0") == 0 &&
	   strcmp(s, "-2@conf:rings=1") == 0, "nmreq_header_decode advances past the name");
	memset(&reg, 0, sizeof(reg));
	ok(nmreq_register_decode(&s, &reg, &rec_ctx) == 0 && reg.nr_mode == NR_REG_ONE_NIC &&
	   reg.nr_ringid == 2 && strcmp(s, "@conf:rings=1") == 0,
	   "nmreq_register_decode stops at '@' + non-digit");
	s = "netmap:bad-x";
	reset_msgs();
	ok(nmreq_header_decode(&s, &h, &rec_ctx) == 0 && strcmp(s, "-x") == 0,
	   "header_decode does not judge the mode");
	memset(&reg, 0x5a, sizeof(reg));
	errno = 0;
	ok(nmreq_register_decode(&s, &reg, &rec_ctx) == -1 && errno == EINVAL &&
	   reg.nr_mode == 0x5a5a5a5a && strcmp(s, "-x") == 0,
	   "failed register_decode touches neither reg nor the spec pointer");
	s = "eth0";
	errno = 0;
	ok(nmreq_header_decode(&s, &h, &rec_ctx) == -1 && errno == EINVAL &&
	   strcmp(h.nr_name, "bad") == 0, "failed header_decode leaves the header");
}

/* --- an application's own option parsers -------------------------------------------------- */

static int mine_calls, flag_calls, order;
static char mine_vals[3][32];
static int mine_set[3];
static void *seen_token;

static int mine_parse(struct nmreq_parse_ctx *p)
{
	int i;

	mine_calls++;
	order = order * 10 + 2;
	seen_token = p->token;
	for (i = 0; i < 3; i++) {
		mine_set[i] = p->keys[i] != NULL;
		snprintf(mine_vals[i], sizeof(mine_vals[i]), "%s", p->keys[i] ? p->keys[i] : "");
	}
	if (p->keys[2] && strcmp(p->keys[2], "fail") == 0) {
		nmctx_ferror(p->ctx, "mine: gamma says fail");
		errno = ERANGE;
		return -1;
	}
	return 0;
}

static int flag_parse(struct nmreq_parse_ctx *p)
{
	(void)p;
	flag_calls++;
	order = order * 10 + 1;
	return 0;
}

static struct nmreq_opt_parser off_parser = {
	.prefix = "off", .parse = flag_parse, .default_key = -1, .nr_keys = 0,
	.flags = NMREQ_OPTF_DISABLED | NMREQ_OPTF_ALLOWEMPTY, .next = NULL,
};

static struct nmreq_opt_parser flag_parser = {
	.prefix = "flag", .parse = flag_parse, .default_key = -1, .nr_keys = 0,
	.flags = NMREQ_OPTF_ALLOWEMPTY, .next = &off_parser,
};

static struct nmreq_opt_parser mine_parser = {
	.prefix = "mine", .parse = mine_parse, .default_key = -1, .nr_keys = 3, .flags = 0,
	.next = &flag_parser,
	.keys = {
		{ "alpha", 0, NMREQ_OPTK_DEFAULT },
		{ "beta_key", 1, NMREQ_OPTK_ALLOWEMPTY },
		{ "gamma", 2, NMREQ_OPTK_MUSTSET },
	},
};

static int decode(const char *opts)
{
	int token;

	mine_calls = flag_calls = order = 0;
	memset(mine_set, 0, sizeof(mine_set));
	seen_token = NULL;
	reset_msgs();
	errno = 0;
	return nmreq_options_decode(opts, &mine_parser, &token, &rec_ctx) == 0 &&
	       (!mine_calls || seen_token == &token) ? 0 : -1;
}

static void test_custom_parsers(void)
{
	ok(decode("") == 0 && mine_calls == 0 && flag_calls == 0, "empty option list");
	ok(decode("@mine:gamma=1") == 0 && mine_calls == 1 && !mine_set[0] && !mine_set[1] &&
	   mine_set[2] && strcmp(mine_vals[2], "1") == 0, "custom option with one key");
	ok(decode("@mine:gamma=x,alpha=a,beta-key") == 0 && strcmp(mine_vals[0], "a") == 0 &&
	   mine_set[1] && mine_vals[1][0] == 0, "keys in any order; '-' reads as '_'; "
	   "ALLOWEMPTY key alone gives \"\"");
	ok(decode("@mine:gamma=x,beta_key=") == 0 && mine_set[1] && mine_vals[1][0] == 0,
	   "ALLOWEMPTY key with an empty value gives \"\"");
	ok(decode("@mine:alpha=,gamma=2") == 0 && !mine_set[0],
	   "'key=' with an empty value counts as not given");
	ok(decode("@mine=v") == -1 && errno == EINVAL && strstr(last_msg, "gamma") && nmsgs == 1,
	   "DEFAULT flag gives the default key; MUSTSET key missing: EINVAL naming it (\"%s\")",
	   last_msg);
	ok(decode("@mine:gamma=1,alpha") == -1 && errno == EINVAL && strstr(last_msg, "alpha"),
	   "key without a value: EINVAL (\"%s\")", last_msg);
	ok(decode("@flag") == 0 && flag_calls == 1, "ALLOWEMPTY option alone");
	ok(decode("@flag@mine:gamma=3@flag") == 0 && order == 121,
	   "options applied in the order written");
	ok(decode("@off") == -1 && errno == EOPNOTSUPP && strstr(last_msg, "off") && nmsgs == 1,
	   "disabled option: EOPNOTSUPP (\"%s\")", last_msg);
	ok(decode("@mine:gamma=fail") == -1 && errno == ERANGE && nmsgs == 1,
	   "a parser's own errno and message come through");
	ok(decode("flag") == -1 && errno == EINVAL, "option list must start with '@'");
	ok(decode("@flag:") == -1 && errno == EINVAL, "empty key list: EINVAL");
}

/* --- extmem and offset builders ----------------------------------------------------------- */

static void test_extmem(void)
{
	char path[] = "/tmp/test_lib_parse.XXXXXX", spec[256];
	struct nmport_d *d, *c, before;
	struct nmreq_pools_info *pi;
	int fd, ret, err;
	char byte = 0;

	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, 65536) < 0) {
		ok(0, "temporary extmem file (%s)", strerror(errno));
		return;
	}
	snprintf(spec, sizeof(spec), "netmap:eth0@extmem:file=%s,if-num=10,if-size=1024,"
		 "ring-num=4,ring-size=4096,buf-num=100,buf-size=2048", path);
	d = parse(spec, &ret, &err);
	pi = nmport_extmem_getinfo(d);
	ok(ret == 0 && d->extmem && pi == &d->extmem->nro_info && pi->nr_memsize == 65536 &&
	   pi->nr_if_pool_objtotal == 10 && pi->nr_if_pool_objsize == 1024 &&
	   pi->nr_ring_pool_objtotal == 4 && pi->nr_ring_pool_objsize == 4096 &&
	   pi->nr_buf_pool_objtotal == 100 && pi->nr_buf_pool_objsize == 2048,
	   "@extmem maps the file and fills the geometry (\"%s\")", last_msg);
	ok(ret == 0 && nmreq_find_option(&d->hdr, NETMAP_REQ_OPT_EXTMEM) == &d->extmem->nro_opt &&
	   d->extmem->nro_opt.nro_size == 96 && d->extmem->nro_usrptr != 0,
	   "the EXTMEM option is on the request");
	if (ret == 0) {
		((char *)(uintptr_t)d->extmem->nro_usrptr)[100] = 'Q';
		ok(pread(fd, &byte, 1, 100) == 1 && byte == 'Q', "the file is mapped shared");
	}
	errno = 0;
	c = nmport_clone(d);
	ok(!c && errno == EINVAL && strstr(last_msg, "clone"),
	   "clone of an unregistered extmem port: EINVAL");
	memcpy(&before, d, sizeof(before));
	errno = 0;
	ok(nmport_parse(d, spec) == -1 && errno == EINVAL && strstr(last_msg, "already") &&
	   memcmp(&before, d, sizeof(before)) == 0, "a second extmem: EINVAL, nothing changed");
	ok(nmport_extmem(d, path, 10) == -1 && errno == EINVAL, "nmport_extmem twice: EINVAL");
	nmport_undo_parse(d);
	ok(d->extmem == NULL && d->hdr.nr_options == 0 && d->clist == NULL &&
	   nmport_extmem_getinfo(d) == NULL, "nmport_undo_parse removes option and mapping");
	nmport_close(d);

	snprintf(spec, sizeof(spec), "netmap:eth0@extmem=%s", path);
	d = parse(spec, &ret, &err);
	ok(ret == 0 && d->extmem && d->extmem->nro_info.nr_memsize == 65536 &&
	   d->extmem->nro_info.nr_buf_pool_objtotal == 0, "@extmem=FILE (default key)");
	nmport_close(d);
	d = parse("netmap:eth0@extmem:if-num=3", &ret, &err);
	ok(ret == -1 && err == EINVAL && strstr(last_msg, "file"), "@extmem without a file");
	nmport_close(d);
	d = parse("netmap:eth0@extmem=/nonexistent/extmem", &ret, &err);
	ok(ret == -1 && err == ENOENT && strstr(last_msg, "/nonexistent/extmem") &&
	   d->extmem == NULL && d->clist == NULL, "@extmem with a missing file: ENOENT naming it");
	nmport_close(d);
	snprintf(spec, sizeof(spec), "netmap:eth0@extmem:file=%s,buf-num=x", path);
	d = parse(spec, &ret, &err);
	ok(ret == -1 && err == EINVAL && strstr(last_msg, "buf-num"), "@extmem bad number");
	nmport_close(d);
	snprintf(spec, sizeof(spec), "netmap:eth0@extmem=%s@conf:foo=1", path);
	d = parse(spec, &ret, &err);
	ok(ret == -1 && err == EINVAL && d->extmem == NULL && d->clist == NULL &&
	   d->hdr.nr_options == 0, "a later bad option undoes the extmem mapping");
	d->register_done = 1;
	ok(nmport_extmem(d, path, 10) == -1 && errno == EINVAL, "nmport_extmem when registered");
	d->register_done = 0;
	nmport_close(d);
	close(fd);
	unlink(path);
}

static void test_offset(void)
{
	struct nmreq_opt_offsets *o;
	struct nmport_d *d;
	int ret, err;

	ok(nmport_enable_option("bogus") == -1 && errno == EOPNOTSUPP,
	   "nmport_enable_option of an unknown name: EOPNOTSUPP");
	nmport_disable_option("bogus");
	ok(nmport_enable_option("offset") == 0, "nmport_enable_option(\"offset\")");
	d = parse("netmap:eth0@offset=64", &ret, &err);
	o = (struct nmreq_opt_offsets *)nmreq_find_option(&d->hdr, NETMAP_REQ_OPT_OFFSETS);
	ok(ret == 0 && o && o->nro_opt.nro_size == 56 && o->nro_initial_offset == 64 &&
	   o->nro_max_offset == 64 && o->nro_offset_bits == 0 && o->nro_min_gap == 0,
	   "enabled @offset=64: OFFSETS option, max = initial, gap 0");
	nmport_close(d);
	d = parse("netmap:eth0@offset:initial=128,bits=16", &ret, &err);
	o = (struct nmreq_opt_offsets *)nmreq_find_option(&d->hdr, NETMAP_REQ_OPT_OFFSETS);
	ok(ret == 0 && o && o->nro_initial_offset == 128 && o->nro_offset_bits == 16,
	   "@offset:initial=128,bits=16");
	nmport_close(d);
	d = parse("netmap:eth0@offset:bits=16", &ret, &err);
	ok(ret == -1 && err == EINVAL && strstr(last_msg, "initial"), "@offset without initial");
	nmport_close(d);
	d = parse("netmap:eth0@offset=64@offset=32", &ret, &err);
	ok(ret == -1 && err == EINVAL && d->hdr.nr_options == 0, "two @offset: EINVAL");
	nmport_close(d);
	d = parse("netmap:eth0@offset:initial=1,bits=65", &ret, &err);
	ok(ret == -1 && err == EINVAL && strstr(last_msg, "65"), "@offset bits above 64");
	nmport_close(d);
	d = parse("netmap:eth0", &ret, &err);
	ok(nmport_offset(d, 10, 5, 0, 0) == -1 && errno == EINVAL,
	   "nmport_offset with initial > max: EINVAL");
	nmport_close(d);
	nmport_disable_option("offset");
	d = parse("netmap:eth0@offset=64", &ret, &err);
	ok(ret == -1 && err == EOPNOTSUPP, "disabled again: EOPNOTSUPP");
	nmport_close(d);
}

/* --- steps that would need the kernel ----------------------------------------------------- */

static void test_steps_without_kernel(void)
{
	struct nmctx *old = nmctx_set_default(&rec_ctx);
	struct nmport_d *d, *c;
	int ret, err;

	d = parse("netmap:eth0-1/T@3@conf:rings=2", &ret, &err);
	c = nmport_clone(d);
	ok(c && strcmp(c->hdr.nr_name, "eth0") == 0 && c->hdr.nr_options == 0 &&
	   c->hdr.nr_body == (uintptr_t)&c->reg && memcmp(&c->reg, &d->reg, sizeof(c->reg)) == 0 &&
	   c->ctx == d->ctx && c->fd == -1 && !c->register_done && !c->mmap_done && !c->clist,
	   "nmport_clone copies hdr and reg, no options, not registered");
	nmport_close(c);
	errno = 0;
	ok(nmport_mmap(d) == -1 && errno == EINVAL && strstr(last_msg, "eth0"),
	   "nmport_mmap before registering: EINVAL");
	if (access(NETMAP_DEVICE_NAME, F_OK) != 0) {
		reset_msgs();
		errno = 0;
		ok(nmport_register(d) == -1 && errno == ENOENT && d->fd == -1 && !d->register_done &&
		   nmsgs == 1 && strstr(last_msg, "/dev/netmap") && strstr(last_msg, "eth0"),
		   "nmport_register without /dev/netmap: ENOENT, one message (\"%s\")", last_msg);
		reset_msgs();
		errno = 0;
		ok(nmport_open("netmap:eth0") == NULL && errno == ENOENT && nmsgs == 1,
		   "nmport_open without /dev/netmap: NULL, ENOENT");
		reset_msgs();
		errno = 0;
		ok(nmport_open("vale0:1@share=netmap:eth0") == NULL && errno == ENOENT &&
		   nmsgs == 1 && strstr(last_msg, "/dev/netmap"),
		   "@share needs the kernel: its lookup error comes through (\"%s\")", last_msg);
	}
	nmport_close(d);
	reset_msgs();
	errno = 0;
	ok(nmport_open("netmap:eth0/q") == NULL && errno == EINVAL && nmsgs == 1 &&
	   strstr(last_msg, "'q'"), "nmport_open of a bad spec: NULL, EINVAL, one message");
	ok(nmport_prepare("netmap:") == NULL && errno == EINVAL, "nmport_prepare of a bad spec");
	nmport_close(NULL);
	nmport_undo_prepare(NULL);
	ok(1, "nmport_close(NULL) and nmport_undo_prepare(NULL) are no-ops");
	nmctx_set_default(old);
}

/* --- a fake region for inject / dispatch -------------------------------------------------- */

#define F_SLOTS	8
#define F_BUF	256
#define F_SIZE	(4096 + 4 * F_SLOTS * F_BUF)

/* Two TX rings (0, 1), one RX ring, no host rings: ring_ofs = tx0 tx1 0 rx0 0. */
struct fake {
	char *mem;
	struct netmap_if *nifp;
	struct netmap_ring *tx[2], *rx;
};

static struct netmap_ring *fake_ring(struct fake *f, size_t ofs, uint32_t first_buf, int tx)
{
	struct netmap_ring *r = (struct netmap_ring *)(f->mem + ofs);
	uint32_t i;

	*(int64_t *)&r->buf_ofs = 4096 - (int64_t)ofs;
	*(uint32_t *)&r->num_slots = F_SLOTS;
	*(uint32_t *)&r->nr_buf_size = F_BUF;
	*(uint16_t *)&r->dir = tx ? 1 : 0;
	r->head = r->cur = 0;
	r->tail = tx ? F_SLOTS - 1 : 0;
	for (i = 0; i < F_SLOTS; i++) {
		r->slot[i].buf_idx = first_buf + i;
		r->slot[i].len = F_BUF;
		r->slot[i].flags = 0;
	}
	return r;
}

static void fake_init(struct fake *f)
{
	f->mem = aligned_alloc(4096, F_SIZE);
	memset(f->mem, 0, F_SIZE);
	f->nifp = (struct netmap_if *)f->mem;
	*(uint32_t *)&f->nifp->ni_tx_rings = 2;
	*(uint32_t *)&f->nifp->ni_rx_rings = 1;
	*(uint32_t *)&f->nifp->ni_host_tx_rings = 1;
	*(uint32_t *)&f->nifp->ni_host_rx_rings = 1;
	f->tx[0] = fake_ring(f, 1024, 0, 1);
	f->tx[1] = fake_ring(f, 1536, F_SLOTS, 1);
	f->rx = fake_ring(f, 2048, 2 * F_SLOTS, 0);
	f->nifp->ring_ofs[0] = 1024;
	f->nifp->ring_ofs[1] = 1536;
	f->nifp->ring_ofs[3] = 2048;
}

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 7 + i * 13);
}

static int slot_is(struct netmap_ring *r, uint32_t i, uint16_t len, uint16_t flags,
		   const uint8_t *data)
{
	return r->slot[i].len == len && r->slot[i].flags == flags &&
	       memcmp(NETMAP_BUF(r, r->slot[i].buf_idx), data, len) == 0;
}

/* The same checks for nmport_inject and nm_inject, through `inject`. */
static void check_inject(const char *who, struct fake *f, int (*inject)(void *, const void *,
	size_t), void *d, uint16_t *cur_tx_ring)
{
	struct netmap_ring *r = f->tx[0];
	uint8_t pkt[65 * F_BUF + 1];

	pattern(pkt, sizeof(pkt), 1);
	r->slot[0].flags = NS_MOREFRAG | NS_BUF_CHANGED;	/* stale flags of an earlier use */
	ok(inject(d, pkt, 60) == 60 && slot_is(r, 0, 60, NS_BUF_CHANGED, pkt) && r->head == 1 &&
	   r->cur == 1 && *cur_tx_ring == 0, "%s: 60 bytes into slot 0, head = cur = 1", who);
	ok(inject(d, pkt, 600) == 600 && slot_is(r, 1, 256, NS_MOREFRAG, pkt) &&
	   slot_is(r, 2, 256, NS_MOREFRAG, pkt + 256) && slot_is(r, 3, 88, 0, pkt + 512) &&
	   r->head == 4 && r->cur == 4, "%s: 600 bytes split over 3 slots with NS_MOREFRAG", who);
	ok(inject(d, pkt, 0) == 0 && r->slot[4].len == 0 && r->head == 5,
	   "%s: an empty packet takes one slot", who);
	/* 2 slots left in ring 0 (tail 7): 3 slots do not fit there, so ring 1 takes them */
	ok(inject(d, pkt, 3 * F_BUF) == 3 * F_BUF && r->head == 5 && f->tx[1]->head == 3 &&
	   *cur_tx_ring == 1 && slot_is(f->tx[1], 2, 256, 0, pkt + 512),
	   "%s: no room in ring 0: ring 1, cur_tx_ring = 1", who);
	ok(inject(d, pkt, 2 * F_BUF) == 2 * F_BUF && f->tx[1]->head == 5 && *cur_tx_ring == 1,
	   "%s: starts from cur_tx_ring", who);
	f->tx[1]->tail = f->tx[1]->head;	/* ring 1 full */
	ok(inject(d, pkt, 2 * F_BUF) == 2 * F_BUF && r->head == 7 && *cur_tx_ring == 0,
	   "%s: ring 1 full: back to ring 0", who);
	ok(inject(d, pkt, 1) == 0 && r->head == 7, "%s: no room anywhere: 0", who);
	r->tail = 4;	/* the kernel sent slots 7 .. 3 */
	ok(inject(d, pkt, 520) == 520 && slot_is(r, 7, 256, NS_MOREFRAG, pkt) &&
	   slot_is(r, 0, 256, NS_MOREFRAG | NS_BUF_CHANGED, pkt + 256) &&
	   slot_is(r, 1, 8, 0, pkt + 512) &&
	   r->head == 2 && r->cur == 2, "%s: a packet wraps around the ring end", who);
	r->tail = 1;
	f->tx[1]->tail = f->tx[1]->head - 1;
	ok(inject(d, pkt, 65 * F_BUF) == 0 && r->head == 2,
	   "%s: more than NETMAP_MAX_FRAGS slots: 0", who);
}

static int nmport_inject_fn(void *d, const void *buf, size_t size)
{
	return nmport_inject(d, buf, size);
}

static int nm_inject_fn(void *d, const void *buf, size_t size)
{
	return nm_inject(d, buf, size);
}

static void test_nmport_inject(void)
{
	struct nmport_d *d = nmport_new();
	struct fake f;

	fake_init(&f);
	ok(nmport_inject(d, "x", 1) == 0, "nmport_inject on an unmapped port: 0");
	d->nifp = f.nifp;
	d->mmap_done = 1;	/* by hand: no nmem_d, undone by hand too */
	d->first_tx_ring = 0;
	d->last_tx_ring = 1;
	d->cur_tx_ring = 0;
	check_inject("nmport_inject", &f, nmport_inject_fn, d, &d->cur_tx_ring);
	d->mmap_done = 0;
	d->nifp = NULL;
	nmport_close(d);
	free(f.mem);
}

/* --- legacy library ----------------------------------------------------------------------- */

static struct nm_desc *fake_desc(struct fake *f)
{
	struct nm_desc *d = calloc(1, sizeof(*d));

	d->self = d;
	d->fd = -1;
	d->nifp = f->nifp;
	d->first_tx_ring = 0;
	d->last_tx_ring = 1;
	return d;
}

struct seen {
	int n;
	uint32_t len[8], caplen[8];
	uint64_t flags[8];
	const unsigned char *buf[8];
	long sec[8];
};

static void dispatch_cb(unsigned char *arg, const struct nm_pkthdr *h, const unsigned char *buf)
{
	struct seen *s = (struct seen *)arg;

	if (s->n < 8) {
		s->len[s->n] = h->len;
		s->caplen[s->n] = h->caplen;
		s->flags[s->n] = h->flags;
		s->buf[s->n] = buf;
		s->sec[s->n] = h->ts.tv_sec;
	}
	s->n++;
}

/* RX: A = slots 0,1 (contiguous, first full), B = 2,3 (not contiguous), C = 4, D = 5,6
 * (contiguous but first not full). */
static void fill_rx(struct netmap_ring *r)
{
	static const struct { uint32_t idx; uint16_t len, flags; } s[7] = {
		{ 16, 256, NS_MOREFRAG }, { 17, 10, 0 },
		{ 20, 256, NS_MOREFRAG }, { 18, 50, 0 },
		{ 19, 30, 0 },
		{ 22, 100, NS_MOREFRAG }, { 23, 20, 0 },
	};
	int i;

	for (i = 0; i < 7; i++) {
		r->slot[i].buf_idx = s[i].idx;
		r->slot[i].len = s[i].len;
		r->slot[i].flags = s[i].flags;
	}
	r->head = r->cur = 0;
	r->tail = 7;
	r->ts.tv_sec = 1234;
}

static void test_legacy_data(void)
{
	struct nm_desc *d, bad;
	struct nm_pkthdr h;
	struct seen s;
	struct fake f;
	unsigned char *b;

	fake_init(&f);
	d = fake_desc(&f);
	check_inject("nm_inject", &f, nm_inject_fn, d, &d->cur_tx_ring);

	fill_rx(f.rx);
	memset(&s, 0, sizeof(s));
	ok(nm_dispatch(d, 0, dispatch_cb, (unsigned char *)&s) == 4 && s.n == 4,
	   "nm_dispatch(cnt 0): 4 packets");
	ok(s.len[0] == 266 && s.caplen[0] == 266 && s.len[1] == 306 && s.caplen[1] == 256 &&
	   s.len[2] == 30 && s.caplen[2] == 30 && s.len[3] == 120 && s.caplen[3] == 100,
	   "len sums fragments; caplen grows only over full, contiguous buffers");
	ok(s.flags[0] == NM_MORE_PKTS && s.flags[1] == NM_MORE_PKTS &&
	   s.flags[2] == NM_MORE_PKTS && s.flags[3] == 0, "NM_MORE_PKTS on all but the last");
	ok(s.buf[0] == (unsigned char *)NETMAP_BUF(f.rx, 16) &&
	   s.buf[3] == (unsigned char *)NETMAP_BUF(f.rx, 22) && s.sec[0] == 1234,
	   "callback gets the first buffer and ring->ts");
	ok(f.rx->head == 7 && f.rx->cur == 7, "head = cur past the last packet");
	memset(&s, 0, sizeof(s));
	ok(nm_dispatch(d, -1, dispatch_cb, (unsigned char *)&s) == 0 && s.n == 0,
	   "nm_dispatch on empty rings: 0, no callback");

	fill_rx(f.rx);
	memset(&s, 0, sizeof(s));
	ok(nm_dispatch(d, 2, dispatch_cb, (unsigned char *)&s) == 2 && s.n == 2 &&
	   s.flags[0] == NM_MORE_PKTS && s.flags[1] == 0 && f.rx->head == 4,
	   "nm_dispatch(cnt 2): 2 packets, the last without NM_MORE_PKTS");
	memset(&h, 0, sizeof(h));
	b = nm_nextpkt(d, &h);
	ok(b == (unsigned char *)NETMAP_BUF(f.rx, 19) && h.len == 30 && h.caplen == 30 &&
	   h.ts.tv_sec == 1234 && f.rx->head == 5 && f.rx->cur == 5,
	   "nm_nextpkt: next slot, len = caplen, head = cur + 1");
	b = nm_nextpkt(d, &h);
	ok(b == (unsigned char *)NETMAP_BUF(f.rx, 22) && h.len == 100 && f.rx->head == 6,
	   "nm_nextpkt goes slot by slot");
	ok(nm_nextpkt(d, &h) != NULL && nm_nextpkt(d, &h) == NULL && f.rx->head == 7,
	   "nm_nextpkt: NULL when the rings are empty");
	d->first_rx_ring = 0;
	d->last_rx_ring = 0;
	f.nifp->ring_ofs[3] = 0;	/* a TX-only binding */
	fill_rx(f.rx);
	ok(nm_nextpkt(d, &h) == NULL && nm_dispatch(d, 0, dispatch_cb, (unsigned char *)&s) == 0,
	   "unbound RX ring (ring_ofs 0) is never read");
	ok(nm_close(d) == 0, "nm_close of a valid descriptor: 0");
	memset(&bad, 0, sizeof(bad));
	ok(nm_close(NULL) == EINVAL && nm_close(&bad) == EINVAL, "nm_close of a bad descriptor: "
	   "EINVAL");
	free(f.mem);
}

struct lrow {
	const char *name;
	int err;
	const char *nr_name;
	uint32_t nr_flags;	/* mode | flags */
	uint16_t ringid, arg2;
};

static const struct lrow lrows[] = {
	{ "netmap:eth0", 0, "eth0", NR_REG_ALL_NIC, 0, 0 },
	{ "netmap:eth0-3", 0, "eth0", NR_REG_ONE_NIC, 3, 0 },
	{ "netmap:eth0{3", 0, "eth0", NR_REG_PIPE_MASTER, 3, 0 },
	{ "netmap:eth0}3", 0, "eth0", NR_REG_PIPE_SLAVE, 3, 0 },
	{ "netmap:eth0^", 0, "eth0", NR_REG_SW, 0, 0 },
	{ "netmap:eth0*", 0, "eth0", NR_REG_NIC_SW, 0, 0 },
	{ "netmap:eth0/xT@3", 0, "eth0", NR_REG_ALL_NIC | 0x4800, 0, 3 },
	{ "netmap:eth0@3/R", 0, "eth0", NR_REG_ALL_NIC | 0x2000, 0, 3 },
	{ "netmap:eth0{1/rt", 0, "eth0", NR_REG_PIPE_MASTER | 0x300, 1, 0 },
	{ "netmap:abcdefghijklmno", 0, "abcdefghijklmno", NR_REG_ALL_NIC, 0, 0 },
	{ "vale0:p1", 0, "vale0:p1", NR_REG_ALL_NIC, 0, 0 },
	{ "vale:p_1{2", 0, "vale:p_1", NR_REG_PIPE_MASTER, 2, 0 },
	{ "vale0:p1-1/z", 0, "vale0:p1", NR_REG_ONE_NIC | 0x400, 1, 0 },
	{ "netmap:eth0^1", EINVAL, NULL, 0, 0, 0 },
	{ "netmap:eth0*1", EINVAL, NULL, 0, 0, 0 },
	{ "netmap:eth0{", EINVAL, NULL, 0, 0, 0 },
	{ "netmap:eth0{x", EINVAL, NULL, 0, 0, 0 },
	{ "netmap:eth0-", EINVAL, NULL, 0, 0, 0 },
	{ "netmap:eth0-4095", EINVAL, NULL, 0, 0, 0 },
	{ "netmap:eth0@3@3", EINVAL, NULL, 0, 0, 0 },
	{ "netmap:eth0@0", EINVAL, NULL, 0, 0, 0 },
	{ "netmap:eth0@", EINVAL, NULL, 0, 0, 0 },
	{ "netmap:eth0/", EINVAL, NULL, 0, 0, 0 },
	{ "netmap:eth0/q", EINVAL, NULL, 0, 0, 0 },
	{ "netmap:eth0-1-2", EINVAL, NULL, 0, 0, 0 },
	{ "netmap:", EINVAL, NULL, 0, 0, 0 },
	{ "netmap:abcdefghijklmnop", EINVAL, NULL, 0, 0, 0 },
	{ "vale0:", EINVAL, NULL, 0, 0, 0 },
	{ "vale0:a.b", EINVAL, NULL, 0, 0, 0 },
	{ "vale-1:x", EINVAL, NULL, 0, 0, 0 },
	{ "vale0x", EINVAL, NULL, 0, 0, 0 },
	{ "vale0:abcdefghij", EINVAL, NULL, 0, 0, 0 },
};

static void test_legacy_names(void)
{
	struct nmreq req, r;
	char msg[NM_ERRBUF_SIZE];
	size_t i;
	int err;

	for (i = 0; i < sizeof(lrows) / sizeof(lrows[0]); i++) {
		const struct lrow *l = &lrows[i];

		memset(&r, 0, sizeof(r));
		msg[0] = '\0';
		err = nm_legacy_parse_(l->name, &r, msg, sizeof(msg));
		if (l->err)
			ok(err == l->err && msg[0], "legacy '%s': EINVAL (%s)", l->name, msg);
		else
			ok(err == 0 && strcmp(r.nr_name, l->nr_name) == 0 &&
			   r.nr_flags == l->nr_flags && r.nr_ringid == l->ringid &&
			   r.nr_arg2 == l->arg2, "legacy '%s': '%s' flags %#x ringid %u arg2 %u (got "
			   "%d '%s' %#x %u %u %s)", l->name, l->nr_name, l->nr_flags, l->ringid,
			   l->arg2, err, r.nr_name, r.nr_flags, r.nr_ringid, r.nr_arg2, msg);
	}
	errno = 1;
	ok(nm_open("eth0", NULL, 0, NULL) == NULL && errno == 0, "nm_open(\"eth0\"): NULL, errno 0");
	errno = 1;
	ok(nm_open("pcap:eth0", NULL, 0, NULL) == NULL && errno == 0, "nm_open(\"pcap:eth0\"): "
	   "not a netmap name");
	errno = 1;
	ok(nm_open("netma:x", NULL, 0, NULL) == NULL && errno == 0, "nm_open(\"netma:x\"): not a "
	   "netmap name");
	/* Names are parsed before /dev/netmap is opened: no ENOENT here even without a module. */
	errno = 0;
	ok(nm_open("netmap:abcdefghijklmnop", NULL, 0, NULL) == NULL && errno == EINVAL,
	   "nm_open of a 16-character name: EINVAL before opening /dev/netmap");
	errno = 0;
	ok(nm_open("netmap:eth0^1", NULL, 0, NULL) == NULL && errno == EINVAL,
	   "nm_open(\"netmap:eth0^1\"): EINVAL");
	if (access(NETMAP_DEVICE_NAME, F_OK) != 0) {
		errno = 0;
		ok(nm_open("netmap:eth0{3", NULL, 0, NULL) == NULL && errno == ENOENT,
		   "a good name gets as far as opening /dev/netmap (ENOENT here)");
		memset(&req, 0, sizeof(req));
		errno = 0;
		ok(nm_open("netmap:this-name-is-not-parsed", &req, NM_OPEN_IFNAME, NULL) == NULL &&
		   errno == ENOENT, "NM_OPEN_IFNAME: the name is not parsed");
	}
}

int main(void)
{
	size_t i;

	rec_ctx.verbose = 1;
	rec_ctx.error = record_error;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_row(&rows[i]);
	test_lengths();
	test_preset_mem_id();
	test_failure_leaves_descriptor();
	test_contexts();
	test_option_lists();
	test_decoders();
	test_custom_parsers();
	test_extmem();
	test_offset();
	test_steps_without_kernel();
	test_nmport_inject();
	test_legacy_names();
	test_legacy_data();
	return t_exit();
}
