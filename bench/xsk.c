/*
 * bench/xsk.c - the AF_XDP baseline: an XSK socket through Debian's libxdp (and libbpf).
 *
 *   xsk -f tx -i veth0 [-l LEN] [-t SECS | -n COUNT] [-b BATCH]
 *   xsk -f rx -i veth1 [-m drv|skb] [-r READYFILE]
 *
 * Both ends bind queue 0 in copy mode (XDP_COPY): veth has no zero-copy AF_XDP.
 * - The receiver's socket makes libxdp load its default XDP program (a redirect into the XSK
 *   map) on the interface, in native mode (-m drv, the default: veth runs XDP in its own NAPI
 *   poll) or generic mode (-m skb).  Frames are copied into a 4096-frame UMEM of 2 KiB frames.
 * - The sender's socket is TX-only and loads no program.  It writes the frame into every UMEM
 *   frame once, then queues descriptors and kicks the kernel with sendto(); in copy mode the
 *   kernel builds one skb per descriptor and hands it to veth's transmit routine (at most 32 per
 *   sendto() call, a kernel limit).
 * The report is pkt-gen's.  Any failure to set up prints `xsk: unavailable: <reason>` on stderr and
 * exits with status 3, so that bench/scenarios can report the scenario as not available.
 */
#include "bench.h"

#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#define NUM_FRAMES 4096
#define FRAME_SIZE 2048
#define RING 2048

struct xsk {
	void *area;
	struct xsk_umem *umem;
	struct xsk_socket *sock;
	struct xsk_ring_prod fill, tx;
	struct xsk_ring_cons comp, rx;
};

static void unavailable(const char *what, int err)
{
	fprintf(stderr, "xsk: unavailable: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(3);
}

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void xsk_open(struct xsk *x, const struct bopt *o)
{
	struct xsk_umem_config uc = {
		.fill_size = NUM_FRAMES,
		.comp_size = RING,
		.frame_size = FRAME_SIZE,
		.frame_headroom = 0,
		.flags = 0,
	};
	struct xsk_socket_config sc;
	int err;

	memset(x, 0, sizeof(*x));
	x->area = mmap(NULL, (size_t)NUM_FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (x->area == MAP_FAILED)
		unavailable("mmap UMEM", errno);
	err = xsk_umem__create(&x->umem, x->area, (uint64_t)NUM_FRAMES * FRAME_SIZE, &x->fill,
			       &x->comp, &uc);
	if (err)
		unavailable("xsk_umem__create", err);
	memset(&sc, 0, sizeof(sc));
	sc.rx_size = o->tx ? 0 : RING;
	sc.tx_size = o->tx ? RING : 0;
	sc.bind_flags = XDP_COPY;
	if (o->tx) {
		sc.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
	} else {
		sc.xdp_flags = (o->mode && !strcmp(o->mode, "skb")) ? XDP_FLAGS_SKB_MODE
								     : XDP_FLAGS_DRV_MODE;
	}
	err = xsk_socket__create(&x->sock, o->ifname, 0, x->umem, o->tx ? NULL : &x->rx,
				 o->tx ? &x->tx : NULL, &sc);
	if (err)
		unavailable(o->tx ? "xsk_socket__create (tx, copy mode)"
				  : "xsk_socket__create (rx, copy mode, default XDP program)", err);
}

static void xsk_close(struct xsk *x)
{
	xsk_socket__delete(x->sock);
	xsk_umem__delete(x->umem);
	munmap(x->area, (size_t)NUM_FRAMES * FRAME_SIZE);
}

static void do_rx(const struct bopt *o)
{
	struct xsk x;
	struct pollfd pfd;
	struct brx r;
	uint32_t idx, i;

	xsk_open(&x, o);
	/* Hand every UMEM frame to the kernel for receiving. */
	if (xsk_ring_prod__reserve(&x.fill, NUM_FRAMES, &idx) != NUM_FRAMES)
		unavailable("fill ring reserve", ENOSPC);
	for (i = 0; i < NUM_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&x.fill, idx++) = (uint64_t)i * FRAME_SIZE;
	xsk_ring_prod__submit(&x.fill, NUM_FRAMES);
	pfd.fd = xsk_socket__fd(x.sock);
	pfd.events = POLLIN;
	bench_rx_init(&r);
	bench_ready(o);
	while (!bench_rx_done(o, &r)) {
		uint32_t idx_rx = 0, idx_fq = 0, n;
		uint64_t bytes = 0;

		n = xsk_ring_cons__peek(&x.rx, (uint32_t)o->batch, &idx_rx);
		if (!n) {
			poll(&pfd, 1, 100);
			continue;
		}
		while (xsk_ring_prod__reserve(&x.fill, n, &idx_fq) != n)
			;	/* cannot fail: the fill ring holds every frame */
		for (i = 0; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x.rx, idx_rx + i);

			bytes += d->len;
			*xsk_ring_prod__fill_addr(&x.fill, idx_fq + i) = xsk_umem__extract_addr(d->addr);
		}
		xsk_ring_prod__submit(&x.fill, n);
		xsk_ring_cons__release(&x.rx, n);
		bench_rx_got(&r, n, bytes);
	}
	bench_rx_report(&r);
	xsk_close(&x);
}

static void do_tx(const struct bopt *o)
{
	struct xsk x;
	uint64_t sent = 0, events = 0, t0, next = 0;
	uint32_t outstanding = 0, i;
	int fd;

	xsk_open(&x, o);
	fd = xsk_socket__fd(x.sock);
	for (i = 0; i < NUM_FRAMES; i++)
		bench_frame((uint8_t *)x.area + (size_t)i * FRAME_SIZE, o->len, o->dst, o->src);
	bench_ready(o);
	t0 = bench_now_ns();
	while (!bench_tx_done(o, t0, sent)) {
		uint32_t idx, n, done;

		done = xsk_ring_cons__peek(&x.comp, RING, &idx);
		if (done) {
			xsk_ring_cons__release(&x.comp, done);
			outstanding -= done;
		}
		n = (uint32_t)o->batch;
		if (n > RING - outstanding)
			n = RING - outstanding;
		if (o->count && o->count - sent < n)
			n = (uint32_t)(o->count - sent);
		if (n)
			n = xsk_ring_prod__reserve(&x.tx, n, &idx);
		for (i = 0; i < n; i++) {
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&x.tx, idx + i);

			d->addr = (next++ % NUM_FRAMES) * FRAME_SIZE;
			d->len = (uint32_t)o->len;
		}
		if (n) {
			xsk_ring_prod__submit(&x.tx, n);
			outstanding += n;
			sent += n;
		}
		/* Copy mode transmits inside this call (32 descriptors per call at most). */
		if (sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EAGAIN &&
		    errno != EBUSY && errno != ENOBUFS && errno != EINTR) {
			perror("sendto(xsk)");
			break;
		}
		events++;
	}
	/* Drain: what is still queued when the socket closes is never sent, so do not count it. */
	for (i = 0; i < 1000 && outstanding; i++) {
		uint32_t idx, done;

		sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
		done = xsk_ring_cons__peek(&x.comp, RING, &idx);
		xsk_ring_cons__release(&x.comp, done);
		outstanding -= done;
	}
	sent -= outstanding;
	bench_report(1, sent, sent * (uint64_t)o->len, events, bench_now_ns() - t0);
	xsk_close(&x);
}

int main(int argc, char **argv)
{
	struct bopt o;

	bench_parse(&o, argc, argv, "  -m drv|skb   XDP mode of the receiver's program (drv)\n");
	if (!o.ifname)
		bench_usage(&o, NULL);
	libbpf_set_print(quiet_libbpf);
	if (o.tx)
		do_tx(&o);
	else
		do_rx(&o);
	return 0;
}
