/*
 * tools/bridge/bridge.c - forwards packets between two netmap ports, or between a port and its
 * host rings (spec §10.3).
 *
 *   bridge [-v] [-c] [-L] [-b burst] [-w wait] -i A [-i B]
 *   bridge [-v] [-c] [-L] [-b burst] [-w wait] A [B [burst]]
 *
 * When both ports live in one memory region (the same libnetmap mapping), packets move by
 * swapping buffer indices between the slots: no byte is copied.  Otherwise, or with -c, the
 * payload is copied.  The loop is driven by poll(), so the rings are synchronised by the kernel
 * inside poll; SIGINT ends it.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libnetmap.h>
#include <net/netmap_user.h>

#define BURST_DEFAULT	1024
#define BURST_MAX	8192
#define WAIT_DEFAULT	4
#define WAIT_MAX	100

static volatile sig_atomic_t stop;
static int verbose;

static void on_sigint(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bridge [-v] [-c] [-L] [-b burst] [-w wait] -i port1 [-i port2]\n"
		"       bridge [-v] [-c] [-L] [-b burst] [-w wait] port1 [port2 [burst]]\n"
		"  -i port   a netmap port (netmap:eth0, vale0:a, netmap:p{1 ...), twice\n"
		"  -b burst  packets moved per ring pass, 1..%d (default %d)\n"
		"  -w wait   seconds to wait before forwarding (default %d)\n"
		"  -c        always copy, even when zero copy is possible\n"
		"  -L        with one port, loop its traffic back to it\n"
		"  -v        more messages\n"
		"With one port (or twice the same) and no -L, it is bridged with its host rings.\n",
		BURST_MAX, BURST_DEFAULT, WAIT_DEFAULT);
	exit(1);
}

/* Packets waiting in the port's bound RX rings. */
static unsigned int rx_pending(struct nmport_d *d)
{
	unsigned int n = 0, i;

	for (i = d->first_rx_ring; i <= d->last_rx_ring; i++)
		n += nm_ring_space(NETMAP_RXRING(d->nifp, i));
	return n;
}

/* Moves up to `limit` slots from one RX ring to one TX ring; returns how many. */
static unsigned int move_ring(struct netmap_ring *rx, struct netmap_ring *tx, unsigned int limit,
			      int zerocopy)
{
	unsigned int m = nm_ring_space(rx), space = nm_ring_space(tx), j, k;

	if (m > space)
		m = space;
	if (m > limit)
		m = limit;
	j = rx->head;
	k = tx->head;
	for (unsigned int n = 0; n < m; n++) {
		struct netmap_slot *rs = &rx->slot[j], *ts = &tx->slot[k];

		if (zerocopy) {
			uint32_t idx = ts->buf_idx;

			ts->buf_idx = rs->buf_idx;
			rs->buf_idx = idx;
			ts->flags |= NS_BUF_CHANGED;
			rs->flags |= NS_BUF_CHANGED;
		} else if (rs->len <= tx->nr_buf_size) {
			nm_pkt_copy(NETMAP_BUF(rx, rs->buf_idx), NETMAP_BUF(tx, ts->buf_idx), rs->len);
		}
		ts->len = rs->len <= tx->nr_buf_size ? rs->len : 0;
		ts->flags = (ts->flags & ~NS_MOREFRAG) | (rs->flags & NS_MOREFRAG);
		j = nm_ring_next(rx, j);
		k = nm_ring_next(tx, k);
	}
	rx->head = rx->cur = j;
	tx->head = tx->cur = k;
	return m;
}

/* Moves what src received to dst's TX rings, at most `burst` per ring pair. */
static unsigned int move(struct nmport_d *src, struct nmport_d *dst, unsigned int burst,
			 int zerocopy)
{
	unsigned int si = src->cur_rx_ring, di = dst->cur_tx_ring, moved = 0;

	while (si <= src->last_rx_ring && di <= dst->last_tx_ring) {
		struct netmap_ring *rx = NETMAP_RXRING(src->nifp, si);
		struct netmap_ring *tx = NETMAP_TXRING(dst->nifp, di);

		if (nm_ring_empty(rx)) {
			si++;
			continue;
		}
		if (nm_ring_space(tx) == 0) {
			di++;
			continue;
		}
		moved += move_ring(rx, tx, burst, zerocopy);
	}
	return moved;
}

static struct nmport_d *open_port(const char *spec)
{
	struct nmport_d *d = nmport_open(spec);

	if (!d) {
		D("cannot open %s: %s", spec, strerror(errno));
		exit(1);
	}
	return d;
}

/* Parses the options into the two port names, the burst and the wait. */
static void parse_args(int argc, char **argv, const char **a, const char **b, int *burst,
		       int *wait, int *copy, int *loop)
{
	int ch;

	while ((ch = getopt(argc, argv, "hi:b:w:cLv")) != -1) {
		switch (ch) {
		case 'i':
			if (!*a)
				*a = optarg;
			else if (!*b)
				*b = optarg;
			else
				D("%s ignored, already have 2 interfaces", optarg);
			break;
		case 'b':
			*burst = atoi(optarg);
			break;
		case 'w':
			*wait = atoi(optarg);
			break;
		case 'c':
			*copy = 1;
			break;
		case 'L':
			*loop = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0 && !*a)
		*a = argv[0];
	if (argc > 1 && !*b)
		*b = argv[1];
	if (argc > 2)
		*burst = atoi(argv[2]);
	if (!*a)
		usage();
	if (*burst < 1 || *burst > BURST_MAX) {
		D("invalid burst %d, set to %d", *burst, BURST_DEFAULT);
		*burst = BURST_DEFAULT;
	}
	if (*wait > WAIT_MAX) {
		D("invalid wait %d, set to %d", *wait, WAIT_DEFAULT);
		*wait = WAIT_DEFAULT;
	}
}

int main(int argc, char **argv)
{
	const char *a = NULL, *b = NULL;
	int burst = BURST_DEFAULT, wait = WAIT_DEFAULT, copy = 0, loop = 0, zerocopy;
	char host_spec[256];
	struct nmport_d *pa, *pb;
	struct pollfd pfd[2];

	parse_args(argc, argv, &a, &b, &burst, &wait, &copy, &loop);
	if (!b || strcmp(a, b) == 0) {
		if (loop) {
			b = a;
		} else {		/* the port and its host rings */
			snprintf(host_spec, sizeof(host_spec), "%s^", a);
			b = host_spec;
		}
	}
	pa = open_port(a);
	pb = loop && strcmp(a, b) == 0 ? pa : open_port(b);
	zerocopy = !copy && pa->mem == pb->mem;
	D("------- zerocopy %ssupported", zerocopy ? "" : "NOT ");
	if (wait > 0) {
		D("Wait %d secs for link to come up...", wait);
		sleep(wait);
	}
	D("Ready to go, %s 0x%x/%d <-> %s 0x%x/%d.", a, pa->first_rx_ring, pa->reg.nr_rx_rings, b,
	  pb->first_rx_ring, pb->reg.nr_rx_rings);
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);

	while (!stop) {
		unsigned int na = rx_pending(pa), nb = pb == pa ? na : rx_pending(pb);
		int n;

		/* Wait for input where there is none; for room where input is waiting. */
		pfd[0] = (struct pollfd){ .fd = pa->fd, .events = nb ? POLLOUT : POLLIN };
		pfd[1] = (struct pollfd){ .fd = pb->fd, .events = na ? POLLOUT : POLLIN };
		n = poll(pfd, pb == pa ? 1 : 2, 2500);
		if (n < 0 && errno != EINTR) {
			D("poll error: %s", strerror(errno));
			break;
		}
		if (n <= 0) {
			if (verbose)
				D("poll timeout, pending %u / %u", na, nb);
			continue;
		}
		if ((pfd[0].revents | pfd[1].revents) & POLLERR)
			D("poll reported an error on a port");
		if (pb == pa) {
			move(pa, pa, burst, zerocopy);
			continue;
		}
		if (pfd[1].revents & POLLOUT)
			move(pa, pb, burst, zerocopy);
		if (pfd[0].revents & POLLOUT)
			move(pb, pa, burst, zerocopy);
	}
	if (pb != pa)
		nmport_close(pb);
	nmport_close(pa);
	return 0;
}
