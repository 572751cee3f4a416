/*
 * lib/nmport_opt.c -- the options nmport_parse understands, and the option builders behind them.
 *
 *   @share=PORT                      use the mem id of another port (PORT_INFO_GET on it)
 *   @conf:rings=N,slots=N,...        fill the REGISTER ring and slot counts
 *   @extmem:file=F,if-num=N,...      the region lives in the file F, mapped here (an EXTMEM
 *                                    option; the kernel side is a later feature)
 *   @offset:initial=N,bits=N         an OFFSETS option; disabled until the program calls
 *                                    nmport_enable_option("offset") (kernel side later too)
 *
 * This file owns those four parsers (a linked list handed to nmreq_options_decode), switching
 * them on and off by name, and the public builders nmport_extmem, nmport_extmem_from_file,
 * nmport_extmem_getinfo and nmport_offset.  Every option or mapping it adds to a descriptor comes
 * with a clean-up entry, so that nmport_undo_parse (and a failed nmport_parse) removes it again.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libnetmap_int.h"

/* --- builders ----------------------------------------------------------------------------- */

struct nmport_extmem_c {
	struct nmport_cleanup_d up;
	struct nmreq_opt_extmem opt;
};

static void nmport_extmem_cleanup(struct nmport_cleanup_d *c, struct nmport_d *d)
{
	struct nmport_extmem_c *e = (struct nmport_extmem_c *)c;

	nmreq_remove_option(&d->hdr, &e->opt.nro_opt);
	if (d->extmem == &e->opt)
		d->extmem = NULL;
	nmctx_free(d->ctx, e);
}

int nmport_extmem(struct nmport_d *d, void *base, size_t size)
{
	struct nmport_extmem_c *e;

	if (d->register_done)
		return nmlib_fail(d->ctx, EINVAL, "%s: cannot add external memory to a registered "
				  "port", d->hdr.nr_name);
	if (d->extmem)
		return nmlib_fail(d->ctx, EINVAL, "%s: external memory already set",
				  d->hdr.nr_name);
	e = nmctx_malloc(d->ctx, sizeof(*e));
	if (!e)
		return nmlib_fail(d->ctx, ENOMEM, "%s: no memory for the extmem option",
				  d->hdr.nr_name);
	memset(e, 0, sizeof(*e));
	e->opt.nro_opt.nro_reqtype = NETMAP_REQ_OPT_EXTMEM;
	e->opt.nro_opt.nro_size = sizeof(e->opt);
	e->opt.nro_usrptr = (uintptr_t)base;
	e->opt.nro_info.nr_memsize = size;
	nmreq_push_option(&d->hdr, &e->opt.nro_opt);
	d->extmem = &e->opt;
	e->up.cleanup = nmport_extmem_cleanup;
	nmport_push_cleanup(d, &e->up);
	return 0;
}

struct nmport_filemap_c {
	struct nmport_cleanup_d up;
	void *mem;
	size_t size;
};

static void nmport_filemap_cleanup(struct nmport_cleanup_d *c, struct nmport_d *d)
{
	struct nmport_filemap_c *f = (struct nmport_filemap_c *)c;

	munmap(f->mem, f->size);
	nmctx_free(d->ctx, f);
}

int nmport_extmem_from_file(struct nmport_d *d, const char *fname)
{
	struct nmport_cleanup_d *mark = d->clist;
	struct nmport_filemap_c *f;
	struct stat st;
	void *mem;
	int fd, err;

	fd = open(fname, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return nmlib_fail(d->ctx, errno, "extmem: cannot open '%s': %s", fname,
				  strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_size <= 0) {
		err = fstat(fd, &st) < 0 ? errno : EINVAL;
		close(fd);
		return nmlib_fail(d->ctx, err, "extmem: '%s': %s", fname,
				  err == EINVAL ? "empty file" : strerror(err));
	}
	mem = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	err = errno;
	close(fd);
	if (mem == MAP_FAILED)
		return nmlib_fail(d->ctx, err, "extmem: cannot map '%s': %s", fname,
				  strerror(err));
	f = nmctx_malloc(d->ctx, sizeof(*f));
	if (!f) {
		munmap(mem, (size_t)st.st_size);
		return nmlib_fail(d->ctx, ENOMEM, "extmem: no memory");
	}
	f->mem = mem;
	f->size = (size_t)st.st_size;
	f->up.cleanup = nmport_filemap_cleanup;
	nmport_push_cleanup(d, &f->up);
	if (nmport_extmem(d, mem, (size_t)st.st_size) < 0) {
		err = errno;
		nmport_run_cleanups(d, mark);
		errno = err;
		return -1;
	}
	return 0;
}

struct nmreq_pools_info *nmport_extmem_getinfo(struct nmport_d *d)
{
	return d->extmem ? &d->extmem->nro_info : NULL;
}

struct nmport_offset_c {
	struct nmport_cleanup_d up;
	struct nmreq_opt_offsets opt;
};

static void nmport_offset_cleanup(struct nmport_cleanup_d *c, struct nmport_d *d)
{
	struct nmport_offset_c *o = (struct nmport_offset_c *)c;

	nmreq_remove_option(&d->hdr, &o->opt.nro_opt);
	nmctx_free(d->ctx, o);
}

int nmport_offset(struct nmport_d *d, uint64_t initial, uint64_t maxoff, uint64_t bits,
		  uint64_t mingap)
{
	struct nmport_offset_c *o;

	if (d->register_done)
		return nmlib_fail(d->ctx, EINVAL, "%s: cannot add offsets to a registered port",
				  d->hdr.nr_name);
	if (nmreq_find_option(&d->hdr, NETMAP_REQ_OPT_OFFSETS))
		return nmlib_fail(d->ctx, EINVAL, "%s: offsets already set", d->hdr.nr_name);
	if (initial > maxoff)
		return nmlib_fail(d->ctx, EINVAL, "%s: initial offset %llu above the maximum %llu",
				  d->hdr.nr_name, (unsigned long long)initial,
				  (unsigned long long)maxoff);
	if (bits > 64)
		return nmlib_fail(d->ctx, EINVAL, "%s: offset bits %llu above 64", d->hdr.nr_name,
				  (unsigned long long)bits);
	o = nmctx_malloc(d->ctx, sizeof(*o));
	if (!o)
		return nmlib_fail(d->ctx, ENOMEM, "%s: no memory for the offsets option",
				  d->hdr.nr_name);
	memset(o, 0, sizeof(*o));
	o->opt.nro_opt.nro_reqtype = NETMAP_REQ_OPT_OFFSETS;
	o->opt.nro_opt.nro_size = sizeof(o->opt);
	o->opt.nro_max_offset = maxoff;
	o->opt.nro_initial_offset = initial;
	o->opt.nro_offset_bits = (uint32_t)bits;
	o->opt.nro_min_gap = mingap;
	nmreq_push_option(&d->hdr, &o->opt.nro_opt);
	o->up.cleanup = nmport_offset_cleanup;
	nmport_push_cleanup(d, &o->up);
	return 0;
}

/* --- parsers ------------------------------------------------------------------------------ */

/* Reads key `id` of p as a number up to max into *v; 0 if absent, 1 if read, -1 on error. */
static int nmport_opt_num(struct nmreq_parse_ctx *p, const char *opt, const char *key, int id,
			  uint64_t max, uint64_t *v)
{
	if (!p->keys[id])
		return 0;
	if (nmlib_parse_u64(p->keys[id], max, v) < 0)
		return nmlib_fail(p->ctx, EINVAL, "option '%s': invalid value '%s' for key '%s' "
				  "(a number from 0 to %llu)", opt, p->keys[id], key,
				  (unsigned long long)max);
	return 1;
}

enum { OFF_INITIAL, OFF_BITS };

static int nmport_opt_offset(struct nmreq_parse_ctx *p)
{
	uint64_t initial = 0, bits = 0;

	if (nmport_opt_num(p, "offset", "initial", OFF_INITIAL, UINT64_MAX, &initial) < 0 ||
	    nmport_opt_num(p, "offset", "bits", OFF_BITS, 64, &bits) < 0)
		return -1;
	return nmport_offset(p->token, initial, initial, bits, 0);
}

static struct nmreq_opt_parser nmport_opt_offset_parser = {
	.prefix = "offset",
	.parse = nmport_opt_offset,
	.default_key = OFF_INITIAL,
	.nr_keys = 2,
	.flags = NMREQ_OPTF_DISABLED,
	.next = NULL,
	.keys = {
		{ "initial", OFF_INITIAL, NMREQ_OPTK_DEFAULT | NMREQ_OPTK_MUSTSET },
		{ "bits", OFF_BITS, 0 },
	},
};

enum { EXT_FILE, EXT_IF_NUM, EXT_IF_SIZE, EXT_RING_NUM, EXT_RING_SIZE, EXT_BUF_NUM,
       EXT_BUF_SIZE, EXT_NKEYS };

static const char *const nmport_extmem_keys[EXT_NKEYS] = {
	"file", "if-num", "if-size", "ring-num", "ring-size", "buf-num", "buf-size",
};

static int nmport_opt_extmem(struct nmreq_parse_ctx *p)
{
	struct nmport_d *d = p->token;
	uint64_t v[EXT_NKEYS] = { 0 };
	struct nmreq_pools_info *pi;
	int k;

	for (k = EXT_IF_NUM; k < EXT_NKEYS; k++)
		if (nmport_opt_num(p, "extmem", nmport_extmem_keys[k], k, UINT32_MAX, &v[k]) < 0)
			return -1;
	if (nmport_extmem_from_file(d, p->keys[EXT_FILE]) < 0)
		return -1;
	pi = nmport_extmem_getinfo(d);
	pi->nr_if_pool_objtotal = (uint32_t)v[EXT_IF_NUM];
	pi->nr_if_pool_objsize = (uint32_t)v[EXT_IF_SIZE];
	pi->nr_ring_pool_objtotal = (uint32_t)v[EXT_RING_NUM];
	pi->nr_ring_pool_objsize = (uint32_t)v[EXT_RING_SIZE];
	pi->nr_buf_pool_objtotal = (uint32_t)v[EXT_BUF_NUM];
	pi->nr_buf_pool_objsize = (uint32_t)v[EXT_BUF_SIZE];
	return 0;
}

static struct nmreq_opt_parser nmport_opt_extmem_parser = {
	.prefix = "extmem",
	.parse = nmport_opt_extmem,
	.default_key = EXT_FILE,
	.nr_keys = EXT_NKEYS,
	.flags = 0,
	.next = &nmport_opt_offset_parser,
	.keys = {
		{ "file", EXT_FILE, NMREQ_OPTK_DEFAULT | NMREQ_OPTK_MUSTSET },
		{ "if_num", EXT_IF_NUM, 0 },
		{ "if_size", EXT_IF_SIZE, 0 },
		{ "ring_num", EXT_RING_NUM, 0 },
		{ "ring_size", EXT_RING_SIZE, 0 },
		{ "buf_num", EXT_BUF_NUM, 0 },
		{ "buf_size", EXT_BUF_SIZE, 0 },
	},
};

/* The general keys first: the specific ones, applied after, override them. */
enum { CONF_RINGS, CONF_HOST_RINGS, CONF_SLOTS, CONF_TX_RINGS, CONF_RX_RINGS, CONF_HOST_TX_RINGS,
       CONF_HOST_RX_RINGS, CONF_TX_SLOTS, CONF_RX_SLOTS, CONF_NKEYS };

static const char *const nmport_conf_keys[CONF_NKEYS] = {
	"rings", "host-rings", "slots", "tx-rings", "rx-rings", "host-tx-rings", "host-rx-rings",
	"tx-slots", "rx-slots",
};

static int nmport_opt_conf(struct nmreq_parse_ctx *p)
{
	struct nmport_d *d = p->token;
	struct nmreq_register *r = &d->reg;
	uint64_t v[CONF_NKEYS];
	int set[CONF_NKEYS], k;

	for (k = 0; k < CONF_NKEYS; k++) {
		uint64_t max = (k == CONF_SLOTS || k == CONF_TX_SLOTS || k == CONF_RX_SLOTS) ?
			       UINT32_MAX : UINT16_MAX;

		set[k] = nmport_opt_num(p, "conf", nmport_conf_keys[k], k, max, &v[k]);
		if (set[k] < 0)
			return -1;
	}
	if (set[CONF_RINGS])
		r->nr_tx_rings = r->nr_rx_rings = (uint16_t)v[CONF_RINGS];
	if (set[CONF_HOST_RINGS])
		r->nr_host_tx_rings = r->nr_host_rx_rings = (uint16_t)v[CONF_HOST_RINGS];
	if (set[CONF_SLOTS])
		r->nr_tx_slots = r->nr_rx_slots = (uint32_t)v[CONF_SLOTS];
	if (set[CONF_TX_RINGS])
		r->nr_tx_rings = (uint16_t)v[CONF_TX_RINGS];
	if (set[CONF_RX_RINGS])
		r->nr_rx_rings = (uint16_t)v[CONF_RX_RINGS];
	if (set[CONF_HOST_TX_RINGS])
		r->nr_host_tx_rings = (uint16_t)v[CONF_HOST_TX_RINGS];
	if (set[CONF_HOST_RX_RINGS])
		r->nr_host_rx_rings = (uint16_t)v[CONF_HOST_RX_RINGS];
	if (set[CONF_TX_SLOTS])
		r->nr_tx_slots = (uint32_t)v[CONF_TX_SLOTS];
	if (set[CONF_RX_SLOTS])
		r->nr_rx_slots = (uint32_t)v[CONF_RX_SLOTS];
	return 0;
}

static struct nmreq_opt_parser nmport_opt_conf_parser = {
	.prefix = "conf",
	.parse = nmport_opt_conf,
	.default_key = -1,
	.nr_keys = CONF_NKEYS,
	.flags = 0,
	.next = &nmport_opt_extmem_parser,
	.keys = {
		{ "rings", CONF_RINGS, 0 },
		{ "host_rings", CONF_HOST_RINGS, 0 },
		{ "slots", CONF_SLOTS, 0 },
		{ "tx_rings", CONF_TX_RINGS, 0 },
		{ "rx_rings", CONF_RX_RINGS, 0 },
		{ "host_tx_rings", CONF_HOST_TX_RINGS, 0 },
		{ "host_rx_rings", CONF_HOST_RX_RINGS, 0 },
		{ "tx_slots", CONF_TX_SLOTS, 0 },
		{ "rx_slots", CONF_RX_SLOTS, 0 },
	},
};

enum { SHARE_PORT };

static int nmport_opt_share(struct nmreq_parse_ctx *p)
{
	struct nmport_d *d = p->token;
	const char *port = p->keys[SHARE_PORT], *rest = port;
	int id = nmreq_get_mem_id(&rest, p->ctx);

	if (id < 0)
		return -1;
	if (*rest)
		return nmlib_fail(p->ctx, EINVAL, "option 'share': unexpected '%s' after the port "
				  "name in '%s'", rest, port);
	if (d->reg.nr_mem_id && d->reg.nr_mem_id != id)
		return nmlib_fail(p->ctx, EINVAL, "option 'share': port '%s' uses memory id %d, "
				  "but memory id %u is already set", port, id, d->reg.nr_mem_id);
	d->reg.nr_mem_id = (uint16_t)id;
	return 0;
}

static struct nmreq_opt_parser nmport_opt_share_parser = {
	.prefix = "share",
	.parse = nmport_opt_share,
	.default_key = SHARE_PORT,
	.nr_keys = 1,
	.flags = 0,
	.next = &nmport_opt_conf_parser,
	.keys = {
		{ "port", SHARE_PORT, NMREQ_OPTK_DEFAULT | NMREQ_OPTK_MUSTSET },
	},
};

struct nmreq_opt_parser *nmport_builtin_parsers(void)
{
	return &nmport_opt_share_parser;
}

static struct nmreq_opt_parser *nmport_find_parser(const char *opt)
{
	struct nmreq_opt_parser *p;

	for (p = nmport_builtin_parsers(); opt && p; p = p->next)
		if (strcmp(p->prefix, opt) == 0)
			return p;
	return NULL;
}

int nmport_enable_option(const char *opt)
{
	struct nmreq_opt_parser *p = nmport_find_parser(opt);

	if (!p)
		return nmlib_fail(NULL, EOPNOTSUPP, "nmport_enable_option: unknown option '%s'",
				  opt ? opt : "(null)");
	__atomic_and_fetch(&p->flags, ~(unsigned int)NMREQ_OPTF_DISABLED, __ATOMIC_RELAXED);
	return 0;
}

void nmport_disable_option(const char *opt)
{
	struct nmreq_opt_parser *p = nmport_find_parser(opt);

	if (p)
		__atomic_or_fetch(&p->flags, NMREQ_OPTF_DISABLED, __ATOMIC_RELAXED);
}
