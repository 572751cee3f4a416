/*
 * tests/guest/lib_nmport.c - libnetmap's nmport_* API against the real module, on pipes and null
 * ports: the descriptor fields after nmport_open, one mapping per region and context shared by
 * reference count, nmport_inject (exact bytes, multi-slot packets, 0 when full), clone, the split
 * steps and their undo, @conf reaching the kernel, @share, /T and /R, ONE_NIC on a two-ring pipe,
 * and the messages of failed opens.  Every port is closed again, and the module's counters must
 * come back to where they were.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libnetmap.h>

#include "../t.h"

#define NMSYS "/sys/class/misc/netmap/"

static char last_msg[1024];
static int nmsgs;

static void record_error(struct nmctx *ctx, const char *msg)
{
	(void)ctx;
	snprintf(last_msg, sizeof(last_msg), "%s", msg);
	nmsgs++;
	printf("# message: %s\n", msg);
}

static void reset_msgs(void)
{
	last_msg[0] = '\0';
	nmsgs = 0;
}

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

static struct netmap_ring *txring(struct nmport_d *d, unsigned i)
{
	return NETMAP_TXRING(d->nifp, i);
}

static struct netmap_ring *rxring(struct nmport_d *d, unsigned i)
{
	return NETMAP_RXRING(d->nifp, i);
}

static int count_mem_descs(struct nmctx *ctx)
{
	struct nmem_d *m;
	int n = 0;

	for (m = ctx->mem_descs; m; m = m->next)
		n++;
	return n;
}

/* Reads one packet (possibly several slots) from RX ring r into out; returns its length or -1. */
static long read_packet(struct netmap_ring *r, uint8_t *out, size_t max, int *nslots)
{
	size_t len = 0;
	uint32_t i = r->cur;

	*nslots = 0;
	while (i != r->tail) {
		struct netmap_slot *s = &r->slot[i];

		if (len + s->len > max)
			return -1;
		memcpy(out + len, NETMAP_BUF(r, s->buf_idx), s->len);
		len += s->len;
		(*nslots)++;
		i = nm_ring_next(r, i);
		if (!(s->flags & NS_MOREFRAG)) {
			r->head = r->cur = i;
			return (long)len;
		}
	}
	return -1;
}

static void test_pair(struct nmctx *ctx)
{
	struct nmport_d *m, *s, *c;
	struct netmap_ring *tx, *rx;
	static uint8_t pkt[8192], got[8192];
	uint32_t space, n, k;
	long files0 = t_read_long(NMSYS "open_files");
	int nslots;
	long len;

	m = nmport_open("netmap:lib{1");
	s = nmport_open("netmap:lib}1");
	ok(m && s, "nmport_open of both pipe ends (%s)", strerror(errno));
	if (!m || !s)
		exit(t_exit());
	ok(m->fd >= 0 && s->fd >= 0 && m->fd != s->fd && m->register_done && m->mmap_done &&
	   s->register_done && s->mmap_done && m->ctx == ctx,
	   "fds open, register_done and mmap_done set, default context");
	ok(t_read_long(NMSYS "open_files") == files0 + 2, "two files open on /dev/netmap");
	ok(m->reg.nr_tx_rings == 1 && m->reg.nr_rx_rings == 1 && m->reg.nr_tx_slots > 0 &&
	   m->reg.nr_host_tx_rings == 0 && m->reg.nr_host_rx_rings == 0 &&
	   m->reg.nr_mem_id > 1 && m->reg.nr_memsize > 0 && m->reg.nr_mode == NR_REG_ALL_NIC,
	   "reg holds the kernel's reply (rings 1/1, slots %u, mem id %u, memsize %llu)",
	   m->reg.nr_tx_slots, m->reg.nr_mem_id, (unsigned long long)m->reg.nr_memsize);
	ok(m->first_tx_ring == 0 && m->last_tx_ring == 0 && m->first_rx_ring == 0 &&
	   m->last_rx_ring == 0 && m->cur_tx_ring == 0 && m->cur_rx_ring == 0,
	   "one TX and one RX ring bound, cur = first");
	ok(m->mem && m->mem == s->mem && m->mem->refcount == 2 &&
	   m->mem->mem_id == m->reg.nr_mem_id && m->mem->size == m->reg.nr_memsize &&
	   !m->mem->is_extmem && ctx->mem_descs == m->mem && count_mem_descs(ctx) == 1,
	   "both ends share one nmem_d (refcount 2) in the context's list");
	ok(m->nifp == (struct netmap_if *)((char *)m->mem->mem + m->reg.nr_offset) &&
	   s->nifp == (struct netmap_if *)((char *)s->mem->mem + s->reg.nr_offset) &&
	   m->nifp != s->nifp && strcmp(m->nifp->ni_name, "lib{1") == 0 &&
	   strcmp(s->nifp->ni_name, "lib}1") == 0, "nifp = mem + nr_offset, one per fd");

	/* one small packet */
	tx = txring(m, 0);
	rx = rxring(s, 0);
	pattern(pkt, sizeof(pkt), 1);
	k = tx->head;
	ok(nmport_inject(m, pkt, 60) == 60 && tx->head == nm_ring_next(tx, k) &&
	   tx->cur == tx->head && tx->slot[k].len == 60 && !(tx->slot[k].flags & NS_MOREFRAG),
	   "nmport_inject of 60 bytes: one slot, head = cur advanced, no system call");
	ok(rx->tail == rx->head, "nothing reaches the peer before a TXSYNC");
	ioctl(m->fd, NIOCTXSYNC);
	ioctl(s->fd, NIOCRXSYNC);
	len = read_packet(rx, got, sizeof(got), &nslots);
	ok(len == 60 && nslots == 1 && memcmp(got, pkt, 60) == 0, "the peer reads the exact 60 bytes");

	/* a packet larger than a buffer */
	pattern(pkt, sizeof(pkt), 2);
	k = tx->head;
	ok(nmport_inject(m, pkt, 5000) == 5000 && tx->slot[k].flags & NS_MOREFRAG &&
	   tx->slot[k].len == tx->nr_buf_size &&
	   !(tx->slot[(k + 2) % tx->num_slots].flags & NS_MOREFRAG) &&
	   tx->slot[(k + 2) % tx->num_slots].len == 5000 - 2 * tx->nr_buf_size,
	   "5000 bytes split over 3 slots with NS_MOREFRAG (buffers of %u)", tx->nr_buf_size);
	ioctl(m->fd, NIOCTXSYNC);
	ioctl(s->fd, NIOCRXSYNC);
	len = read_packet(rx, got, sizeof(got), &nslots);
	ok(len == 5000 && nslots == 3 && memcmp(got, pkt, 5000) == 0,
	   "the pipe passes the 3-slot packet: exact bytes");
	ioctl(s->fd, NIOCRXSYNC);

	/* fill the ring: inject returns 0 when no slot is left */
	ioctl(m->fd, NIOCTXSYNC);
	space = nm_ring_space(tx);
	for (n = 0; n < space + 5; n++) {
		pattern(pkt, 64, n);
		if (nmport_inject(m, pkt, 64) != 64)
			break;
	}
	ok(n == space && space == tx->num_slots - 1 && nmport_inject(m, pkt, 64) == 0 &&
	   nm_ring_space(tx) == 0, "%u packets fill the ring (%u slots), then inject returns 0",
	   n, tx->num_slots);
	ioctl(m->fd, NIOCTXSYNC);
	ioctl(s->fd, NIOCRXSYNC);
	for (k = 0; k < n; k++) {
		pattern(pkt, 64, k);
		len = read_packet(rx, got, sizeof(got), &nslots);
		if (len != 64 || memcmp(got, pkt, 64) != 0)
			break;
	}
	ok(k == n && rx->cur == rx->tail, "the peer receives all %u in order, bytes intact", n);
	ioctl(s->fd, NIOCRXSYNC);
	ioctl(m->fd, NIOCTXSYNC);
	ok(nmport_inject(m, pkt, 64) == 64, "room again after the peer released the slots");
	ioctl(m->fd, NIOCTXSYNC);
	ioctl(s->fd, NIOCRXSYNC);

	/* clone: same port, same mapping, its own fd and nifp */
	c = nmport_clone(m);
	ok(c && c->fd == -1 && !c->register_done && c->hdr.nr_options == 0 &&
	   strcmp(c->hdr.nr_name, "lib{1") == 0 && c->ctx == ctx,
	   "nmport_clone: a new, unregistered descriptor of the same port");
	ok(c && nmport_open_desc(c) == 0 && c->mem == m->mem && m->mem->refcount == 3 &&
	   c->nifp != m->nifp && c->fd != m->fd, "the clone opens and reuses the mapping (refcount 3)");
	nmport_close(c);
	ok(m->mem->refcount == 2 && count_mem_descs(ctx) == 1, "closing the clone drops a reference");

	reset_msgs();
	errno = 0;
	ok(nmport_register(m) == -1 && errno == EINVAL && nmsgs == 1 && strstr(last_msg, "lib{1"),
	   "nmport_register twice: EINVAL with a message");
	errno = 0;
	ok(nmport_mmap(m) == -1 && errno == EINVAL, "nmport_mmap twice: EINVAL");

	/* closing the end that made the mapping leaves the other working */
	nmport_close(m);
	ok(s->mem->refcount == 1 && ctx->mem_descs == s->mem, "after closing one end: refcount 1");
	pattern(pkt, 100, 9);
	tx = txring(s, 0);
	k = tx->cur;
	ok(nmport_inject(s, pkt, 100) == 100 &&
	   memcmp(NETMAP_BUF(tx, tx->slot[k].buf_idx), pkt, 100) == 0,
	   "the remaining end still uses the shared mapping");
	nmport_close(s);
	ok(ctx->mem_descs == NULL, "closing both ends unmaps: the context has no mapping left");
	ok(t_read_long(NMSYS "open_files") == files0, "open_files back to %ld", files0);
}

static void test_steps(struct nmctx *ctx)
{
	struct nmport_d *d = nmport_prepare("netmap:lib2{1");
	void *first;

	ok(d && d->fd == -1 && !d->register_done, "nmport_prepare: parsed, not registered");
	if (!d)
		return;
	ok(nmport_register(d) == 0 && d->fd >= 0 && d->register_done && !d->mmap_done &&
	   d->nifp == NULL, "nmport_register: fd bound, nothing mapped");
	ok(nmport_mmap(d) == 0 && d->mmap_done && d->nifp && d->mem->refcount == 1,
	   "nmport_mmap");
	first = d->mem->mem;
	nmport_undo_mmap(d);
	ok(!d->mmap_done && d->mem == NULL && d->nifp == NULL && ctx->mem_descs == NULL &&
	   d->register_done, "nmport_undo_mmap unmaps, stays registered");
	ok(nmport_mmap(d) == 0 && d->nifp && d->mem, "mapped again (%s)",
	   d->mem && d->mem->mem == first ? "same address" : "new address");
	nmport_undo_open_desc(d);
	ok(d->fd == -1 && !d->register_done && !d->mmap_done, "nmport_undo_open_desc");
	ok(d->reg.nr_mem_id == 0 && d->reg.nr_tx_rings == 0 && d->reg.nr_memsize == 0 &&
	   d->reg.nr_mode == NR_REG_ALL_NIC, "nmport_undo_register puts back the request the reply "
	   "replaced (the region it named is gone)");
	ok(nmport_open_desc(d) == 0 && d->mmap_done, "the descriptor opens again");
	nmport_close(d);
	ok(ctx->mem_descs == NULL, "nothing mapped after close");
}

static void test_conf_and_rings(struct nmctx *ctx)
{
	struct nmport_d *d, *p, *s, *t, *r;
	static uint8_t pkt[256], got[256];
	int nslots;

	d = nmport_open("netmap:libc{1@conf:rings=2,slots=256");
	ok(d && d->reg.nr_tx_rings == 2 && d->reg.nr_rx_rings == 2 && d->reg.nr_tx_slots == 256 &&
	   d->reg.nr_rx_slots == 256, "@conf:rings=2,slots=256 reaches the kernel (reply %u/%u "
	   "rings, %u/%u slots)", d ? d->reg.nr_tx_rings : 0, d ? d->reg.nr_rx_rings : 0,
	   d ? d->reg.nr_tx_slots : 0, d ? d->reg.nr_rx_slots : 0);
	ok(d && d->first_tx_ring == 0 && d->last_tx_ring == 1 && d->first_rx_ring == 0 &&
	   d->last_rx_ring == 1 && txring(d, 1)->num_slots == 256,
	   "two rings per direction bound, 256 slots each");
	nmport_close(d);

	/* ONE_NIC ring 1 of a two-ring pipe */
	p = nmport_open("netmap:libo{1-1@conf:rings=2");
	s = nmport_open("netmap:libo}1");
	ok(p && s && p->reg.nr_mode == NR_REG_ONE_NIC && p->reg.nr_ringid == 1 &&
	   p->first_tx_ring == 1 && p->last_tx_ring == 1 && p->first_rx_ring == 1 &&
	   p->last_rx_ring == 1 && p->cur_tx_ring == 1 && p->nifp->ring_ofs[0] == 0,
	   "'-1' on a two-ring pipe binds ring 1 only");
	if (p && s) {
		pattern(pkt, sizeof(pkt), 5);
		ok(nmport_inject(p, pkt, 200) == 200 && p->cur_tx_ring == 1, "inject uses ring 1");
		ioctl(p->fd, NIOCTXSYNC);
		ioctl(s->fd, NIOCRXSYNC);
		ok(s->first_rx_ring == 0 && s->last_rx_ring == 1 &&
		   nm_ring_empty(rxring(s, 0)) &&
		   read_packet(rxring(s, 1), got, sizeof(got), &nslots) == 200 &&
		   memcmp(got, pkt, 200) == 0, "the peer gets it on its RX ring 1");
	}
	nmport_close(p);
	nmport_close(s);

	/* TX only / RX only */
	t = nmport_open("netmap:libt{1/T");
	r = nmport_open("netmap:libt}1/R");
	ok(t && t->first_tx_ring == 0 && t->last_tx_ring == 0 &&
	   t->first_rx_ring > t->last_rx_ring && t->nifp->ring_ofs[2] == 0,
	   "/T binds only TX rings (RX range empty)");
	ok(r && r->first_rx_ring == 0 && r->last_rx_ring == 0 &&
	   r->first_tx_ring > r->last_tx_ring && r->nifp->ring_ofs[0] == 0,
	   "/R binds only RX rings (TX range empty)");
	if (t && r) {
		pattern(pkt, sizeof(pkt), 6);
		ok(nmport_inject(r, pkt, 10) == 0, "inject on an RX-only port: 0");
		ok(nmport_inject(t, pkt, 77) == 77, "inject on the TX-only port");
		ioctl(t->fd, NIOCTXSYNC);
		ioctl(r->fd, NIOCRXSYNC);
		ok(read_packet(rxring(r, 0), got, sizeof(got), &nslots) == 77 &&
		   memcmp(got, pkt, 77) == 0, "the RX-only end receives it");
	}
	nmport_close(t);
	nmport_close(r);
	ok(ctx->mem_descs == NULL, "no mapping left");
}

static void test_share(struct nmctx *ctx)
{
	struct nmport_d *a, *b, *o, *n, *x;
	char spec[128];

	a = nmport_open("netmap:libs{1");
	ok(a != NULL, "open netmap:libs{1");
	if (!a)
		return;
	b = nmport_open("netmap:libs{2@share=netmap:libs{1");
	ok(b && b->reg.nr_mem_id == a->reg.nr_mem_id && b->mem == a->mem &&
	   a->mem->refcount == 2, "@share=netmap:libs{1 on another pipe: same mem id %u, same "
	   "mapping", a->reg.nr_mem_id);
	nmport_close(b);

	/* a null port placed in the region of libs{1 */
	n = nmport_prepare("netmap:libnull@share=netmap:libs{1@conf:rings=1,slots=64");
	ok(n && n->reg.nr_mem_id == a->reg.nr_mem_id, "@share puts the mem id in reg before "
	   "registering");
	if (n) {
		n->reg.nr_mode = NR_REG_NULL;
		ok(nmport_open_desc(n) == 0 && n->reg.nr_mem_id == a->reg.nr_mem_id &&
		   n->mem == a->mem && n->first_tx_ring == 0 && n->last_tx_ring == 0 &&
		   txring(n, 0)->num_slots == 64, "a null port in that region shares the mapping");
		nmport_close(n);
	}

	/* a new pipe of another parent is created in the shared region (spec §7.3, `{N@M`) */
	o = nmport_open("netmap:libz{1@share=netmap:libs{1");
	ok(o && o->reg.nr_mem_id == a->reg.nr_mem_id && o->mem == a->mem,
	   "a new pipe of another parent lives in the shared region, same mapping (%u)",
	   o ? o->reg.nr_mem_id : 0);
	nmport_close(o);

	/* @share contradicting a mem id already set */
	reset_msgs();
	snprintf(spec, sizeof(spec), "netmap:libs{3@%u@share=netmap:libs{1",
		 a->reg.nr_mem_id == 65535 ? 1u : a->reg.nr_mem_id + 1u);
	errno = 0;
	x = nmport_open(spec);
	ok(!x && errno == EINVAL && nmsgs == 1 && strstr(last_msg, "share"),
	   "@share contradicting @N: EINVAL (\"%s\")", last_msg);
	nmport_close(x);
	reset_msgs();
	errno = 0;
	x = nmport_open("netmap:libs{3@share=netmap:nosuchdev0");
	ok(!x && errno == ENXIO && nmsgs == 1 && strstr(last_msg, "nosuchdev0"),
	   "@share of a port that does not exist: ENXIO naming it (\"%s\")", last_msg);
	nmport_close(x);
	nmport_close(a);
	ok(ctx->mem_descs == NULL, "no mapping left");
}

static void test_errors(void)
{
	char path[] = "/tmp/lib_nmport.XXXXXX", spec[128];
	struct nmport_d *d;
	int fd;

	reset_msgs();
	errno = 0;
	d = nmport_open("netmap:lib{1/q");
	ok(!d && errno == EINVAL && nmsgs == 1 && strstr(last_msg, "'q'") &&
	   strstr(last_msg, "netmap:lib{1/q"), "bad spec: NULL, EINVAL, one message naming it");
	reset_msgs();
	errno = 0;
	d = nmport_open("netmap:nosuchdev0");
	ok(!d && errno == ENXIO && nmsgs == 1 && strstr(last_msg, "nosuchdev0") &&
	   strstr(last_msg, strerror(ENXIO)), "unknown device: ENXIO, \"<name>: <strerror>\" "
	   "(\"%s\")", last_msg);
	reset_msgs();
	errno = 0;
	d = nmport_open("netmap:lib{1^");
	ok(!d && errno == EINVAL && nmsgs == 1, "pipe in SW mode: the kernel's EINVAL");
	ok(nmport_enable_option("offset") == 0, "enable the offset option");
	reset_msgs();
	errno = 0;
	d = nmport_open("netmap:libf{1@offset=64");
	ok(!d && errno == EOPNOTSUPP && nmsgs == 1 && strstr(last_msg, "option offsets") &&
	   strstr(last_msg, "libf{1"), "OFFSETS refused by the kernel: \"<name>: option offsets: "
	   "...\" (\"%s\")", last_msg);
	nmport_disable_option("offset");
	fd = mkstemp(path);
	if (fd >= 0 && ftruncate(fd, 1 << 20) == 0) {
		snprintf(spec, sizeof(spec), "netmap:libg{1@extmem=%s", path);
		reset_msgs();
		errno = 0;
		d = nmport_open(spec);
		ok(!d && errno == EOPNOTSUPP && nmsgs == 1 && strstr(last_msg, "option extmem"),
		   "extmem (kernel side not there yet): EOPNOTSUPP, \"option extmem\" (\"%s\")",
		   last_msg);
		nmport_close(d);
		unlink(path);
	} else {
		ok(0, "temporary file for extmem (%s)", strerror(errno));
	}
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	long live0 = t_read_long(NMSYS "live_objects"), files0 = t_read_long(NMSYS "open_files");
	struct nmctx ctx = *nmctx_get();

	ok(live0 >= 0 && files0 >= 0, "module counters readable (live %ld, files %ld)", live0,
	   files0);
	ctx.error = record_error;
	ctx.mem_descs = NULL;
	nmctx_set_default(&ctx);
	test_pair(&ctx);
	test_steps(&ctx);
	test_conf_and_rings(&ctx);
	test_share(&ctx);
	test_errors();
	ok(t_read_long(NMSYS "live_objects") == live0 && t_read_long(NMSYS "open_files") == files0,
	   "live_objects and open_files back to %ld and %ld", live0, files0);
	return t_exit();
}
