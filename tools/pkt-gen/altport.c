/*
 * altport.c -- the ports that are not netmap ports, and libpcap.
 *
 *   null        no port at all: tx builds its packets and counts them (a generator benchmark);
 *   tap:NAME    a Linux tap device (any -i name beginning with "tap"): one write() per frame
 *               sent, one read() per frame received;
 *   pcap:NAME   a Linux interface through libpcap: pcap_inject() and pcap_dispatch().
 * Also the -P file loader (the first frame of a pcap file).  Built with -DNM_NO_PCAP (the static
 * guest build), pcap:NAME and -P fail with "pcap support not compiled in".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef NM_NO_PCAP
#include <pcap/pcap.h>
#endif

#include "pkt-gen.h"

#define ALT_BUF	(PG_MAX_LEN + 64)

/* What this build and these ports can do, checked before anything is opened. */
int alt_check(const struct glob *g)
{
#ifdef NM_NO_PCAP
	if (g->pcap_file || g->kind == KIND_PCAP) {
		fprintf(stderr, "pkt-gen: pcap support not compiled in\n");
		return -1;
	}
#endif
	if (g->kind == KIND_NETMAP)
		return 0;
	if (g->fn == FN_PING || g->fn == FN_PONG) {
		fprintf(stderr, "pkt-gen: %s needs a netmap port\n", g->fn_name);
		return -1;
	}
	if (g->kind == KIND_NULL && (g->fn == FN_RX || g->fn == FN_RXSEQ)) {
		fprintf(stderr, "pkt-gen: the null port can only send\n");
		return -1;
	}
	if (g->vhdr_req > 0 || (g->options & OPT_INDIRECT) || g->frags > 1)
		fprintf(stderr, "pkt-gen: -H, -I and -F apply to netmap ports only; ignored\n");
	return 0;
}

/* A tap device drops (EIO) what is written to it while it is down: bring it up. */
static void tap_up(const char *name)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0 ||
	    (!(ifr.ifr_flags & IFF_UP) &&
	     (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr) < 0)))
		D("cannot bring %s up: %s", name, strerror(errno));
	if (s >= 0)
		close(s);
}

static int tap_open(struct targ *t, const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);

	if (fd < 0) {
		D("Unable to open /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		D("Unable to attach to tap device %s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	t->alt_fd = t->fd = fd;
	tap_up(ifr.ifr_name);
	return 0;
}

#ifndef NM_NO_PCAP
static int pcap_port_open(struct targ *t, const char *name)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_create(name, err);

	if (!p) {
		D("Unable to open pcap:%s: %s", name, err);
		return -1;
	}
	pcap_set_snaplen(p, 65535);
	pcap_set_promisc(p, 1);
	pcap_set_immediate_mode(p, 1);
	if (pcap_activate(p) < 0 || pcap_setnonblock(p, 1, err) < 0) {
		D("Unable to open pcap:%s: %s", name, pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	t->alt_pcap = p;
	t->fd = pcap_get_selectable_fd(p);
	return 0;
}
#endif

int alt_open(struct glob *g, struct targ *t)
{
	t->scratch = malloc(ALT_BUF);
	if (!t->scratch)
		return -1;
	if (g->fn == FN_RXSEQ && !(t->expect = calloc(65536, sizeof(*t->expect))))
		return -1;
	switch (g->kind) {
	case KIND_TAP:
		return tap_open(t, g->altname);
#ifndef NM_NO_PCAP
	case KIND_PCAP:
		return pcap_port_open(t, g->altname);
#endif
	default:
		return 0;
	}
}

void alt_close(struct targ *t)
{
	if (t->alt_fd >= 0)
		close(t->alt_fd);
	t->alt_fd = -1;
#ifndef NM_NO_PCAP
	if (t->alt_pcap)
		pcap_close(t->alt_pcap);
#endif
	t->alt_pcap = NULL;
}

/* One frame out: 0, or -1 on an error (reported). */
static int alt_send(struct targ *t, const uint8_t *frame, int len)
{
	switch (t->g->kind) {
	case KIND_TAP:
		while (write(t->fd, frame, (size_t)len) < 0) {
			if ((errno != EAGAIN && errno != ENOBUFS && errno != EINTR) || pg_stop) {
				D("write to %s: %s", t->g->ifname, strerror(errno));
				return -1;
			}
			poll(&(struct pollfd){ .fd = t->fd, .events = POLLOUT }, 1, 10);
		}
		return 0;
#ifndef NM_NO_PCAP
	case KIND_PCAP:
		if (pcap_inject(t->alt_pcap, frame, (size_t)len) < 0) {
			D("pcap_inject on %s: %s", t->g->ifname, pcap_geterr(t->alt_pcap));
			return -1;
		}
		return 0;
#endif
	default:
		return 0;	/* null: the packet was built, nothing more */
	}
}

void *alt_tx_body(void *arg)
{
	struct targ *t = arg;
	struct glob *g = t->g;
	struct pg_ctrs c = { 0 };
	int burst = g->burst;
	uint64_t period = pg_tx_period(g, &burst), next = pg_now_ns();

	pg_set_affinity(t);
	pg_mark_start(t);
	while (!pg_stop && pg_budget_left(g)) {
		uint64_t i, n = pg_reserve(g, (uint64_t)burst);

		if (period)
			pg_pace(&next, period);
		c.events++;
		for (i = 0; i < n && !pg_stop; i++) {
			int len = pg_prepare(t);
			const uint8_t *f = t->pkt.frame + t->pkt.vhdr;

			t->ready = 0;
			if (g->options & OPT_DUMP)
				pkt_dump("tx", f, len, 0, 0);
			if (alt_send(t, f, len) < 0) {
				t->failed = 1;
				break;
			}
			c.pkts++;
			c.bytes += (uint64_t)len;
		}
		pg_unreserve(g, n - i);
		pg_publish(t, &c);
		if (t->failed)
			break;
	}
	pg_publish(t, &c);
	pg_mark_end(t, 0);
	return NULL;
}

#ifndef NM_NO_PCAP
struct pcap_ctx {
	struct targ *t;
	struct pg_ctrs *c;
	uint64_t got;		/* frames that counted */
};

static void pcap_cb(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
	struct pcap_ctx *x = (struct pcap_ctx *)arg;

	x->got += (uint64_t)pg_rx_frame(x->t, x->c, data, (int)h->caplen, 0, 0);
}
#endif

/* Whatever the port holds, up to a burst: -1 on an error. */
static int alt_recv(struct targ *t, struct pg_ctrs *c)
{
	uint64_t n = pg_reserve(t->g, (uint64_t)t->g->burst), got = 0;

	while (t->g->kind == KIND_TAP && got < n) {
		ssize_t r = read(t->fd, t->scratch, ALT_BUF);

		if (r < 0)
			break;
		got += (uint64_t)pg_rx_frame(t, c, t->scratch, (int)r, 0, 0);
	}
#ifndef NM_NO_PCAP
	while (t->g->kind == KIND_PCAP && got < n) {	/* one call reads one kernel block */
		struct pcap_ctx x = { t, c, 0 };
		int r = pcap_dispatch(t->alt_pcap, (int)(n - got), pcap_cb, (u_char *)&x);

		got += x.got;
		if (r < 0) {
			D("pcap_dispatch on %s: %s", t->g->ifname, pcap_geterr(t->alt_pcap));
			pg_unreserve(t->g, n - got);
			return -1;
		}
		if (r == 0)
			break;
	}
#endif
	pg_unreserve(t->g, n - got);
	return 0;
}

void *alt_rx_body(void *arg)
{
	struct targ *t = arg;
	struct glob *g = t->g;
	struct pg_ctrs c = { 0 };
	int r = 0, started = 0, idle = 0;

	pg_set_affinity(t);
	while (!pg_stop && pg_budget_left(g)) {
		r = pg_poll_fd(t, POLLIN, 1000);
		if (r < 0)
			break;
		if (r == 0) {
			if (started && g->idle_exit) {
				idle = 1;
				break;
			}
			if (!started)
				RD(1, "waiting for initial packets, poll returns %d", r);
			continue;
		}
		if (!started) {
			pg_mark_start(t);
			started = 1;
		}
		c.events++;
		if ((r = alt_recv(t, &c)) < 0)
			break;
		pg_publish(t, &c);
	}
	t->failed = r < 0;
	pg_publish(t, &c);
	pg_mark_end(t, idle);
	return NULL;
}

/* -P: the first frame of the file, in a malloc'ed buffer. */
int pg_load_pcap_file(struct glob *g, uint8_t **frame, int *len)
{
#ifdef NM_NO_PCAP
	(void)frame;
	(void)len;
	fprintf(stderr, "pkt-gen: pcap support not compiled in (-P %s)\n", g->pcap_file);
	return -1;
#else
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p = pcap_open_offline(g->pcap_file, err);

	if (!p) {
		D("Unable to read %s: %s", g->pcap_file, err);
		return -1;
	}
	if (pcap_next_ex(p, &h, &data) != 1 || h->caplen < 14 || h->caplen > PG_MAX_LEN) {
		D("%s: no usable frame (need 14..%d bytes)", g->pcap_file, PG_MAX_LEN);
		pcap_close(p);
		return -1;
	}
	*len = (int)h->caplen;
	*frame = malloc(h->caplen);
	if (*frame)
		memcpy(*frame, data, h->caplen);
	pcap_close(p);
	if (!*frame)
		return -1;
	if (g->nlens)
		D("-l ignored: the frame from %s has %d bytes", g->pcap_file, *len);
	return 0;
#endif
}
