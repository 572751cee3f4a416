/*
 * lib/nmport.c -- port descriptors: from a port spec to bound, mapped rings, and back.
 *
 * nmport_open(spec) runs four steps, each a public function with its undo:
 *
 *   nmport_new       descriptor, REGISTER header        nmport_delete
 *   nmport_parse     spec into hdr/reg/options          nmport_undo_parse  (runs d->clist)
 *   nmport_register  open /dev/netmap, REGISTER         nmport_undo_register (close, and put
 *                                                       back the request the reply replaced)
 *   nmport_mmap      map the region, find the rings    nmport_undo_mmap
 *
 * (prepare = new + parse, open_desc = register + mmap, close = all undos.)  Mappings belong to the
 * context, one struct nmem_d per mem id in ctx->mem_descs, refcounted: ports of one context that
 * share a region share one mapping and have equal d->mem.  The list is walked and changed under
 * nmctx_lock.  This file also owns nmport_clone and nmport_inject, the copy of a packet into the
 * next free TX slots with no system call.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libnetmap_int.h"

/* --- clean-up list ------------------------------------------------------------------------ */

void nmport_push_cleanup(struct nmport_d *d, struct nmport_cleanup_d *c)
{
	c->next = d->clist;
	d->clist = c;
}

void nmport_run_cleanups(struct nmport_d *d, struct nmport_cleanup_d *upto)
{
	while (d->clist && d->clist != upto) {
		struct nmport_cleanup_d *c = d->clist;

		d->clist = c->next;
		c->cleanup(c, d);
	}
}

/* --- new, parse --------------------------------------------------------------------------- */

struct nmport_d *nmport_new(void)
{
	struct nmctx *ctx = nmctx_get();
	struct nmport_d *d = nmctx_malloc(ctx, sizeof(*d));

	if (!d) {
		nmlib_fail(ctx, ENOMEM, "no memory for a port descriptor");
		return NULL;
	}
	memset(d, 0, sizeof(*d));
	nmreq_header_init(&d->hdr, NETMAP_REQ_REGISTER, &d->reg);
	d->reg.nr_mode = NR_REG_ALL_NIC;
	d->ctx = ctx;
	d->fd = -1;
	return d;
}

void nmport_delete(struct nmport_d *d)
{
	if (d)
		nmctx_free(d->ctx, d);
}

/*
 * While the mode and the options are parsed, messages go through this context, which puts the
 * whole spec in front: "netmap:eth0-x: '-x': '-' must be followed by a ring number".
 */
struct nmport_spec_ctx {
	struct nmctx ctx;
	struct nmctx *real;
	const char *spec;
};

static void nmport_spec_error(struct nmctx *ctx, const char *msg)
{
	struct nmport_spec_ctx *sc = (struct nmport_spec_ctx *)ctx;

	nmctx_ferror(sc->real, "%s: %s", sc->spec, msg);
}

static void *nmport_spec_malloc(struct nmctx *ctx, size_t size)
{
	return nmctx_malloc(((struct nmport_spec_ctx *)ctx)->real, size);
}

static void nmport_spec_free(struct nmctx *ctx, void *p)
{
	nmctx_free(((struct nmport_spec_ctx *)ctx)->real, p);
}

int nmport_parse(struct nmport_d *d, const char *spec)
{
	struct nmport_cleanup_d *mark = d->clist;
	struct nmreq_header hdr = d->hdr;
	struct nmreq_register reg = d->reg;
	struct nmport_spec_ctx sc;
	const char *s = spec;
	int err;

	memset(&sc, 0, sizeof(sc));
	sc.ctx.verbose = d->ctx->verbose;
	sc.ctx.error = nmport_spec_error;
	sc.ctx.malloc = nmport_spec_malloc;
	sc.ctx.free = nmport_spec_free;
	sc.real = d->ctx;
	sc.spec = spec;
	if (nmreq_header_decode(&s, &d->hdr, d->ctx) == 0 &&
	    nmreq_register_decode(&s, &d->reg, &sc.ctx) == 0 &&
	    nmreq_options_decode(s, nmport_builtin_parsers(), d, &sc.ctx) == 0)
		return 0;
	/* Leave d as it was: options and mappings added so far go, hdr and reg come back. */
	err = errno;
	nmport_run_cleanups(d, mark);
	d->hdr = hdr;
	d->reg = reg;
	errno = err;
	return -1;
}

void nmport_undo_parse(struct nmport_d *d)
{
	nmport_run_cleanups(d, NULL);	/* options the program pushed itself stay */
}

struct nmport_d *nmport_prepare(const char *spec)
{
	struct nmport_d *d = nmport_new();
	int err;

	if (!d)
		return NULL;
	if (nmport_parse(d, spec) < 0) {
		err = errno;
		nmport_delete(d);
		errno = err;
		return NULL;
	}
	return d;
}

void nmport_undo_prepare(struct nmport_d *d)
{
	if (!d)
		return;
	nmport_undo_parse(d);
	nmport_delete(d);
}

/* --- register ----------------------------------------------------------------------------- */

/*
 * The request as it was before the kernel replied into d->reg, kept on the clean-up list while
 * the port is registered: nmport_undo_register puts it back, so that registering again asks for
 * the same thing (the reply's mem id, for one, may name a region that is gone by then).
 */
struct nmport_saved_reg_c {
	struct nmport_cleanup_d up;
	struct nmreq_register reg;
};

static void nmport_saved_reg_cleanup(struct nmport_cleanup_d *c, struct nmport_d *d)
{
	nmctx_free(d->ctx, c);
}

int nmport_register(struct nmport_d *d)
{
	struct nmport_saved_reg_c *saved;
	struct nmreq_option *o;
	int err, reported = 0;

	if (d->register_done)
		return nmlib_fail(d->ctx, EINVAL, "%s: port already registered", d->hdr.nr_name);
	saved = nmctx_malloc(d->ctx, sizeof(*saved));
	if (!saved)
		return nmlib_fail(d->ctx, ENOMEM, "%s: no memory", d->hdr.nr_name);
	saved->up.cleanup = nmport_saved_reg_cleanup;
	saved->reg = d->reg;
	d->fd = open(NETMAP_DEVICE_NAME, O_RDWR);
	if (d->fd < 0) {
		err = errno;
		nmctx_free(d->ctx, saved);
		return nmlib_fail(d->ctx, err, "%s: cannot open %s: %s", d->hdr.nr_name,
				  NETMAP_DEVICE_NAME, strerror(err));
	}
	d->hdr.nr_body = (uintptr_t)&d->reg;	/* in case the descriptor was copied */
	if (ioctl(d->fd, NIOCCTRL, &d->hdr) < 0) {
		err = errno;
		nmreq_foreach_option(&d->hdr, o) {
			if (o->nro_status == 0)
				continue;
			nmctx_ferror(d->ctx, "%s: option %s: %s", d->hdr.nr_name,
				     nmreq_option_name(o->nro_reqtype), strerror((int)o->nro_status));
			reported = 1;
		}
		if (!reported)
			nmctx_ferror(d->ctx, "%s: %s", d->hdr.nr_name, strerror(err));
		close(d->fd);
		d->fd = -1;
		d->reg = saved->reg;	/* a failed request returns no body anyway */
		nmctx_free(d->ctx, saved);
		errno = err;
		return -1;
	}
	nmport_push_cleanup(d, &saved->up);
	d->register_done = 1;
	return 0;
}

void nmport_undo_register(struct nmport_d *d)
{
	struct nmport_cleanup_d **pc;

	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (!d->register_done)
		return;
	d->register_done = 0;
	for (pc = &d->clist; *pc; pc = &(*pc)->next) {
		if ((*pc)->cleanup == nmport_saved_reg_cleanup) {
			struct nmport_saved_reg_c *saved = (struct nmport_saved_reg_c *)*pc;

			*pc = saved->up.next;
			d->reg = saved->reg;
			nmctx_free(d->ctx, saved);
			break;
		}
	}
}

/* --- mmap --------------------------------------------------------------------------------- */

/*
 * The context's mapping of mem_id, with a new reference, or a new one.  Returns NULL with errno
 * set; the caller reports.  Called with the context locked.
 */
static struct nmem_d *nmport_mem_get(struct nmport_d *d)
{
	struct nmctx *ctx = d->ctx;
	uint16_t id = d->reg.nr_mem_id;
	struct nmem_d *m;
	void *mem;
	size_t size;

	for (m = ctx->mem_descs; m; m = m->next) {
		if (m->mem_id == id && m->size >= d->reg.nr_memsize) {
			m->refcount++;
			return m;
		}
	}
	if (d->extmem) {
		mem = (void *)(uintptr_t)d->extmem->nro_usrptr;
		size = d->extmem->nro_info.nr_memsize;
	} else {
		size = d->reg.nr_memsize;
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, 0);
		if (mem == MAP_FAILED)
			return NULL;
	}
	m = nmctx_malloc(ctx, sizeof(*m));
	if (!m) {
		if (!d->extmem)
			munmap(mem, size);
		errno = ENOMEM;
		return NULL;
	}
	memset(m, 0, sizeof(*m));
	m->mem_id = id;
	m->refcount = 1;
	m->mem = mem;
	m->size = size;
	m->is_extmem = d->extmem != NULL;
	m->next = ctx->mem_descs;
	if (m->next)
		m->next->prev = m;
	ctx->mem_descs = m;
	return m;
}

/* Drops a reference; the last one unmaps (except user memory).  Context locked. */
static void nmport_mem_put(struct nmctx *ctx, struct nmem_d *m)
{
	if (--m->refcount > 0)
		return;
	if (m->prev)
		m->prev->next = m->next;
	else
		ctx->mem_descs = m->next;
	if (m->next)
		m->next->prev = m->prev;
	if (!m->is_extmem)
		munmap(m->mem, m->size);
	nmctx_free(ctx, m);
}

/*
 * The bound rings of one direction: the non-zero entries among ring_ofs[base, base + n).  Ring
 * selection always binds a contiguous range; an empty one is first = 1 > last = 0.
 */
static void nmport_scan_rings(const struct netmap_if *nifp, uint32_t base, uint32_t n,
			      uint16_t *first, uint16_t *last)
{
	uint32_t i;
	int found = 0;

	*first = 1;
	*last = 0;
	for (i = 0; i < n; i++) {
		if (nifp->ring_ofs[base + i] == 0)
			continue;
		if (!found)
			*first = (uint16_t)i;
		*last = (uint16_t)i;
		found = 1;
	}
}

int nmport_mmap(struct nmport_d *d)
{
	struct nmctx *ctx = d->ctx;
	struct netmap_if *nifp;
	struct nmem_d *m;
	uint32_t ntx, nrx;
	int err;

	if (!d->register_done)
		return nmlib_fail(ctx, EINVAL, "%s: cannot map a port that is not registered",
				  d->hdr.nr_name);
	if (d->mmap_done)
		return nmlib_fail(ctx, EINVAL, "%s: port already mapped", d->hdr.nr_name);
	nmctx_lock(ctx);
	m = nmport_mem_get(d);
	err = errno;
	nmctx_unlock(ctx);
	if (!m)
		return nmlib_fail(ctx, err, "%s: cannot map %llu bytes of memory id %u: %s",
				  d->hdr.nr_name, (unsigned long long)d->reg.nr_memsize,
				  d->reg.nr_mem_id, strerror(err));
	if (d->reg.nr_offset + sizeof(struct netmap_if) > m->size) {
		nmctx_lock(ctx);
		nmport_mem_put(ctx, m);
		nmctx_unlock(ctx);
		return nmlib_fail(ctx, EINVAL, "%s: netmap_if offset %llu outside the %zu-byte "
				  "region", d->hdr.nr_name, (unsigned long long)d->reg.nr_offset,
				  m->size);
	}
	d->mem = m;
	d->nifp = nifp = NETMAP_IF(m->mem, d->reg.nr_offset);
	ntx = nifp->ni_tx_rings + nifp->ni_host_tx_rings;
	nrx = nifp->ni_rx_rings + nifp->ni_host_rx_rings;
	nmport_scan_rings(nifp, 0, ntx, &d->first_tx_ring, &d->last_tx_ring);
	nmport_scan_rings(nifp, ntx, nrx, &d->first_rx_ring, &d->last_rx_ring);
	d->cur_tx_ring = d->first_tx_ring;
	d->cur_rx_ring = d->first_rx_ring;
	d->mmap_done = 1;
	return 0;
}

void nmport_undo_mmap(struct nmport_d *d)
{
	if (!d->mmap_done)
		return;
	nmctx_lock(d->ctx);
	nmport_mem_put(d->ctx, d->mem);
	nmctx_unlock(d->ctx);
	d->mem = NULL;
	d->nifp = NULL;
	d->first_tx_ring = d->last_tx_ring = d->cur_tx_ring = 0;
	d->first_rx_ring = d->last_rx_ring = d->cur_rx_ring = 0;
	d->mmap_done = 0;
}

/* --- open, close, clone ------------------------------------------------------------------- */

int nmport_open_desc(struct nmport_d *d)
{
	int err;

	if (nmport_register(d) < 0)
		return -1;
	if (nmport_mmap(d) < 0) {
		err = errno;
		nmport_undo_register(d);
		errno = err;
		return -1;
	}
	return 0;
}

void nmport_undo_open_desc(struct nmport_d *d)
{
	nmport_undo_mmap(d);
	nmport_undo_register(d);
}

struct nmport_d *nmport_open(const char *spec)
{
	struct nmport_d *d = nmport_prepare(spec);
	int err;

	if (!d)
		return NULL;
	if (nmport_open_desc(d) < 0) {
		err = errno;
		nmport_undo_prepare(d);
		errno = err;
		return NULL;
	}
	return d;
}

void nmport_close(struct nmport_d *d)
{
	if (!d)
		return;
	nmport_undo_open_desc(d);
	nmport_undo_prepare(d);
}

struct nmport_d *nmport_clone(struct nmport_d *d)
{
	struct nmport_d *c;

	/* Only a registered extmem port knows the mem id the clone must use instead. */
	if (d->extmem && !d->register_done) {
		nmlib_fail(d->ctx, EINVAL, "%s: cannot clone a port with external memory before "
			   "it is registered", d->hdr.nr_name);
		return NULL;
	}
	c = nmctx_malloc(d->ctx, sizeof(*c));
	if (!c) {
		nmlib_fail(d->ctx, ENOMEM, "%s: no memory for a port descriptor", d->hdr.nr_name);
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->hdr = d->hdr;
	c->hdr.nr_options = 0;
	c->hdr.nr_body = (uintptr_t)&c->reg;
	c->reg = d->reg;
	c->ctx = d->ctx;
	c->fd = -1;
	return c;
}

/* --- inject ------------------------------------------------------------------------------- */

int nmport_inject(struct nmport_d *d, const void *buf, size_t size)
{
	uint32_t k, nrings, ri;
	int done;

	if (!d->mmap_done || d->first_tx_ring > d->last_tx_ring)
		return 0;
	nrings = (uint32_t)(d->last_tx_ring - d->first_tx_ring) + 1;
	ri = d->cur_tx_ring;
	for (k = 0; k < nrings; k++, ri = ri >= d->last_tx_ring ? d->first_tx_ring : ri + 1) {
		struct netmap_ring *ring;

		if (ri < d->first_tx_ring || ri > d->last_tx_ring)
			ri = d->first_tx_ring;
		if (d->nifp->ring_ofs[ri] == 0)
			continue;
		ring = NETMAP_TXRING(d->nifp, ri);
		done = nm_ring_inject_(ring, buf, size);
		if (done < 0) {
			errno = EMSGSIZE;	/* would never fit: no packet has more slots */
			return 0;
		}
		if (done == 0)
			continue;
		d->cur_tx_ring = (uint16_t)ri;
		return (int)size;
	}
	return 0;
}
