/*
 * tests/guest/lib_legacy.c - the header-only legacy library (NETMAP_WITH_LIBS: nm_open, nm_close,
 * nm_mmap, nm_inject, nm_dispatch, nm_nextpkt) against the real module, on the legacy pipe modes
 * "netmap:leg{3" / "netmap:leg}3": descriptor fields, exact bytes through the pipe, the
 * nm_dispatch callback contract (one call per packet, hdr.len, NM_MORE_PKTS on all but the last),
 * nm_nextpkt slot by slot, a parent descriptor with NM_OPEN_NO_MMAP and NM_OPEN_IFNAME reusing
 * the mapping, nm_close results and names that are not netmap names.
 */
#include <sys/ioctl.h>

#define NETMAP_WITH_LIBS
#include <net/netmap_user.h>

#include "../t.h"

#define NMSYS "/sys/class/misc/netmap/"

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 29 + i * 3 + (i >> 9));
}

static const size_t lens[] = { 60, 1514, 3000 };

struct seen {
	int n, bad_bytes;
	uint32_t len[8], caplen[8];
	uint64_t flags[8];
	struct nm_desc *d[8];
};

static void cb(unsigned char *arg, const struct nm_pkthdr *h, const unsigned char *buf)
{
	struct seen *s = (struct seen *)arg;
	uint8_t want[4096];

	if (s->n < 8) {
		s->len[s->n] = h->len;
		s->caplen[s->n] = h->caplen;
		s->flags[s->n] = h->flags;
		s->d[s->n] = h->d;
		pattern(want, sizeof(want), (unsigned)s->n);
		if (h->caplen > sizeof(want) || memcmp(buf, want, h->caplen) != 0 ||
		    buf != h->buf)
			s->bad_bytes++;
	}
	s->n++;
}

static void test_pipe(void)
{
	struct nm_desc *m, *s, *c, *c2;
	struct netmap_ring *rx;
	struct nm_pkthdr h;
	struct seen seen;
	uint8_t pkt[4096];
	unsigned char *b;
	size_t i;

	m = nm_open("netmap:leg{3", NULL, 0, NULL);
	s = nm_open("netmap:leg}3", NULL, 0, NULL);
	ok(IS_NETMAP_DESC(m) && IS_NETMAP_DESC(s), "nm_open of both legacy pipe ends (%s)",
	   strerror(errno));
	if (!m || !s)
		exit(t_exit());
	ok(m->fd >= 0 && NETMAP_FD(m) == m->fd && m->done_mmap && m->mem &&
	   m->memsize == m->req.nr_memsize && m->nifp == NETMAP_IF(m->mem, m->req.nr_offset) &&
	   strcmp(m->nifp->ni_name, "leg{3") == 0 && strcmp(s->nifp->ni_name, "leg}3") == 0,
	   "fd, mapping and nifp set; the kernel opened leg{3 and leg}3");
	ok(strcmp(m->req.nr_name, "leg") == 0 &&
	   (m->req.nr_flags & NR_REG_MASK) == NR_REG_PIPE_MASTER &&
	   (s->req.nr_flags & NR_REG_MASK) == NR_REG_PIPE_SLAVE && m->req.nr_ringid == 3 &&
	   m->req.nr_tx_rings == 1 && m->req.nr_rx_rings == 1 && m->req.nr_arg2 > 1 &&
	   m->req.nr_arg2 == s->req.nr_arg2, "request: name 'leg', pipe modes, ring id 3; reply "
	   "mem id %u for both", m->req.nr_arg2);
	ok(m->first_tx_ring == 0 && m->last_tx_ring == 0 && m->first_rx_ring == 0 &&
	   m->last_rx_ring == 0 && m->cur_tx_ring == 0 && m->cur_rx_ring == 0,
	   "pipe modes bind ring 0");
	ok(m->some_ring == NETMAP_RXRING(m->nifp, 0) &&
	   m->buf_start == NETMAP_BUF(m->some_ring, 0) &&
	   m->buf_end == (char *)m->mem + m->memsize, "some_ring, buf_start, buf_end");

	/* three packets, the last over two buffers */
	for (i = 0; i < 3; i++) {
		pattern(pkt, lens[i], (unsigned)i);
		if (nm_inject(m, pkt, lens[i]) != (int)lens[i])
			break;
	}
	ok(i == 3, "nm_inject of 60, 1514 and 3000 bytes");
	ioctl(m->fd, NIOCTXSYNC);
	ioctl(s->fd, NIOCRXSYNC);
	rx = NETMAP_RXRING(s->nifp, 0);
	ok(nm_ring_space(rx) == 4, "4 slots arrive (the 3000-byte packet takes 2)");
	memset(&seen, 0, sizeof(seen));
	ok(nm_dispatch(s, 0, cb, (unsigned char *)&seen) == 3 && seen.n == 3,
	   "nm_dispatch: 3 packets, 3 callbacks");
	ok(seen.len[0] == 60 && seen.len[1] == 1514 && seen.len[2] == 3000 &&
	   seen.caplen[0] == 60 && seen.caplen[1] == 1514 &&
	   (seen.caplen[2] == 3000 || seen.caplen[2] == rx->nr_buf_size),
	   "hdr.len = packet length; caplen %u for the 2-slot packet", seen.caplen[2]);
	ok(seen.flags[0] == NM_MORE_PKTS && seen.flags[1] == NM_MORE_PKTS && seen.flags[2] == 0,
	   "NM_MORE_PKTS on all but the last callback");
	ok(seen.bad_bytes == 0 && seen.d[0] == s, "the callback sees the exact bytes, hdr.d = d");
	ok(rx->head == rx->tail && rx->cur == rx->tail, "nm_dispatch released every slot");
	ioctl(s->fd, NIOCRXSYNC);

	/* nm_nextpkt: slot by slot */
	for (i = 0; i < 2; i++) {
		pattern(pkt, 100 + i, (unsigned)i);
		nm_inject(m, pkt, 100 + i);
	}
	ioctl(m->fd, NIOCTXSYNC);
	ioctl(s->fd, NIOCRXSYNC);
	memset(&h, 0, sizeof(h));
	b = nm_nextpkt(s, &h);
	pattern(pkt, 100, 0);
	ok(b && h.len == 100 && h.caplen == 100 && memcmp(b, pkt, 100) == 0,
	   "nm_nextpkt: first packet, len = caplen = 100");
	b = nm_nextpkt(s, &h);
	pattern(pkt, 101, 1);
	ok(b && h.len == 101 && memcmp(b, pkt, 101) == 0, "nm_nextpkt: second packet");
	ok(nm_nextpkt(s, &h) == NULL && rx->head == rx->tail, "nm_nextpkt: NULL when empty");
	ioctl(s->fd, NIOCRXSYNC);

	/* a parent descriptor: the mapping is reused, not made again */
	c = nm_open("netmap:leg}3", NULL, NM_OPEN_NO_MMAP, m);
	ok(IS_NETMAP_DESC(c) && c->mem == m->mem && !c->done_mmap && c->fd != m->fd &&
	   c->nifp == NETMAP_IF(c->mem, c->req.nr_offset) && c->nifp != s->nifp &&
	   strcmp(c->nifp->ni_name, "leg}3") == 0,
	   "NM_OPEN_NO_MMAP with a parent of the same mem id reuses its mapping");
	ok(nm_close(c) == 0, "nm_close of the child: 0");
	pattern(pkt, 60, 0);
	ok(nm_inject(m, pkt, 60) == 60, "the parent's mapping survives the child's close");
	ioctl(m->fd, NIOCTXSYNC);
	ioctl(s->fd, NIOCRXSYNC);
	memset(&seen, 0, sizeof(seen));
	ok(nm_dispatch(s, 1, cb, (unsigned char *)&seen) == 1 && seen.bad_bytes == 0 &&
	   seen.flags[0] == 0, "nm_dispatch(cnt 1) after that: one packet, flags 0");
	ioctl(s->fd, NIOCRXSYNC);

	c = nm_open("netmap:ignored", NULL, NM_OPEN_IFNAME | NM_OPEN_NO_MMAP, m);
	ok(IS_NETMAP_DESC(c) && strcmp(c->req.nr_name, "leg") == 0 &&
	   (c->req.nr_flags & NR_REG_MASK) == NR_REG_PIPE_MASTER && c->mem == m->mem &&
	   strcmp(c->nifp->ni_name, "leg{3") == 0,
	   "NM_OPEN_IFNAME: name, ring id and flags from the parent");
	nm_close(c);

	c2 = nm_open("netmap:leg{4", NULL, NM_OPEN_NO_MMAP, NULL);
	ok(IS_NETMAP_DESC(c2) && c2->mem == NULL && !c2->done_mmap,
	   "NM_OPEN_NO_MMAP without a parent maps nothing");
	ok(c2 && nm_mmap(c2, NULL) == 0 && c2->mem && c2->done_mmap &&
	   strcmp(c2->nifp->ni_name, "leg{4") == 0, "nm_mmap maps it afterwards");
	ok(nm_close(c2) == 0, "nm_close unmaps it");

	ok(nm_close(m) == 0 && nm_close(s) == 0, "nm_close of both ends: 0");
}

int main(void)
{
	long live0 = t_read_long(NMSYS "live_objects"), files0 = t_read_long(NMSYS "open_files");
	struct nm_desc bad;

	ok(live0 >= 0 && files0 >= 0, "module counters readable");
	test_pipe();
	memset(&bad, 0, sizeof(bad));
	ok(nm_close(NULL) == EINVAL && nm_close(&bad) == EINVAL,
	   "nm_close of a bad descriptor: EINVAL");
	errno = 1;
	ok(nm_open("eth0", NULL, 0, NULL) == NULL && errno == 0,
	   "\"eth0\" is not a netmap name: NULL, errno 0");
	errno = 0;
	ok(nm_open("netmap:nosuchdev0", NULL, 0, NULL) == NULL && errno == ENXIO,
	   "unknown device: NULL, ENXIO");
	errno = 0;
	ok(nm_open("netmap:leg^1", NULL, 0, NULL) == NULL && errno == EINVAL,
	   "bad legacy name: NULL, EINVAL");
	ok(t_read_long(NMSYS "live_objects") == live0 && t_read_long(NMSYS "open_files") == files0,
	   "live_objects and open_files back to %ld and %ld", live0, files0);
	return t_exit();
}
