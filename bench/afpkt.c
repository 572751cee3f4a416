/*
 * bench/afpkt.c - the AF_PACKET baselines: a raw packet socket on one interface.
 *
 *   afpkt -f tx -i veth0 -m mmsg|mmap [-l LEN] [-t SECS | -n COUNT] [-b BATCH]
 *   afpkt -f rx -i veth1 -m mmsg|mmap [-r READYFILE]
 *
 * -m mmsg (default): sendmmsg()/recvmmsg() of BATCH frames per call on a SOCK_RAW socket, with a
 *                    4 MiB receive buffer (SO_RCVBUFFORCE).
 * -m mmap:           the PACKET_MMAP rings, TPACKET_V2: the sender fills up to BATCH frames of a
 *                    TX ring (1024 frames of 2 KiB) and kicks the kernel with one send(); the
 *                    receiver reads an RX ring (2048 frames of 2 KiB = 4 MiB) after poll().
 * Senders set PACKET_QDISC_BYPASS, as netmap bypasses the qdisc too.  The report is pkt-gen's.
 */
#include "bench.h"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#define RX_BUF (4 << 20)
#define FRAME_SZ 2048
#define TX_FRAMES 1024
#define RX_FRAMES 2048

static int open_sock(const struct bopt *o, int proto)
{
	struct sockaddr_ll sll;
	int fd = socket(AF_PACKET, SOCK_RAW, proto);

	if (fd < 0) {
		perror("socket(AF_PACKET)");
		exit(1);
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = (uint16_t)proto;
	sll.sll_ifindex = (int)if_nametoindex(o->ifname);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "afpkt: %s: no such interface\n", o->ifname);
		exit(1);
	}
	if (o->tx) {
		int one = 1;

		if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
			perror("PACKET_QDISC_BYPASS (continuing)");
	}
	/* The mmap variant binds after the ring is set up (setsockopt order the kernel wants). */
	if (strcmp(o->mode, "mmap") && bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("bind");
		exit(1);
	}
	return fd;
}

static void bind_now(const struct bopt *o, int fd, int proto)
{
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = (uint16_t)proto;
	sll.sll_ifindex = (int)if_nametoindex(o->ifname);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("bind");
		exit(1);
	}
}

static void tx_mmsg(const struct bopt *o)
{
	static uint8_t frame[BENCH_MAX_FRAME];
	struct mmsghdr msgs[1024];
	struct iovec iov;
	int fd = open_sock(o, 0), i;

	bench_frame(frame, o->len, o->dst, o->src);
	iov.iov_base = frame;
	iov.iov_len = (size_t)o->len;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < o->batch; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	bench_ready(o);
	bench_sendmmsg_loop(fd, msgs, o);
	close(fd);
}

static void rx_mmsg(const struct bopt *o)
{
	static uint8_t bufs[1024][2048];
	struct mmsghdr msgs[1024];
	struct iovec iovs[1024];
	int fd = open_sock(o, htons(ETH_P_ALL)), i, sz = RX_BUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < o->batch; i++) {
		iovs[i].iov_base = bufs[i];
		iovs[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	bench_recvmmsg_loop(fd, msgs, o, 0);
	close(fd);
}

static void *setup_ring(int fd, int opt, unsigned int frames)
{
	int v = TPACKET_V2;
	struct tpacket_req req;
	void *ring;

	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v))) {
		perror("PACKET_VERSION");
		exit(1);
	}
	memset(&req, 0, sizeof(req));
	req.tp_block_size = 4096 * 16;
	req.tp_frame_size = FRAME_SZ;
	req.tp_block_nr = frames / (req.tp_block_size / FRAME_SZ);
	req.tp_frame_nr = frames;
	if (setsockopt(fd, SOL_PACKET, opt, &req, sizeof(req))) {
		perror(opt == PACKET_TX_RING ? "PACKET_TX_RING" : "PACKET_RX_RING");
		exit(1);
	}
	ring = mmap(NULL, (size_t)req.tp_block_size * req.tp_block_nr, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, fd, 0);
	if (ring == MAP_FAILED) {
		perror("mmap(PACKET ring)");
		exit(1);
	}
	return ring;
}

static void tx_mmap(const struct bopt *o)
{
	static uint8_t frame[BENCH_MAX_FRAME];
	uint64_t sent = 0, events = 0, t0;
	unsigned int cur = 0, i;
	int fd = open_sock(o, 0);
	uint8_t *ring = setup_ring(fd, PACKET_TX_RING, TX_FRAMES);
	size_t data_off = TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);

	bind_now(o, fd, 0);
	bench_frame(frame, o->len, o->dst, o->src);
	/* Frames are written once: the sender then only flips status words, as pkt-gen does. */
	for (i = 0; i < TX_FRAMES; i++)
		memcpy(ring + (size_t)i * FRAME_SZ + data_off, frame, (size_t)o->len);
	bench_ready(o);
	t0 = bench_now_ns();
	while (!bench_tx_done(o, t0, sent)) {
		unsigned int queued = 0;

		while (queued < (unsigned int)o->batch) {
			struct tpacket2_hdr *h = (void *)(ring + (size_t)cur * FRAME_SZ);

			if (o->count && sent + queued >= o->count)
				break;
			if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE)
				break;
			h->tp_len = (uint32_t)o->len;
			__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
			cur = (cur + 1) % TX_FRAMES;
			queued++;
		}
		/* Blocking send(): returns once the queued frames went out (or were dropped). */
		if (send(fd, NULL, 0, 0) < 0 && errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
			perror("send(PACKET_TX_RING)");
			break;
		}
		if (!queued) {
			sched_yield();
			continue;
		}
		sent += queued;
		events++;
	}
	/* Let the last frames leave before the socket is closed (closing discards them). */
	send(fd, NULL, 0, 0);
	bench_report(1, sent, sent * (uint64_t)o->len, events, bench_now_ns() - t0);
	close(fd);
}

static void rx_mmap(const struct bopt *o)
{
	int fd = open_sock(o, htons(ETH_P_ALL));
	uint8_t *ring = setup_ring(fd, PACKET_RX_RING, RX_FRAMES);
	unsigned int cur = 0;
	struct pollfd pfd;
	struct brx r;

	bind_now(o, fd, htons(ETH_P_ALL));
	pfd.fd = fd;
	pfd.events = POLLIN;
	bench_rx_init(&r);
	bench_ready(o);
	while (!bench_rx_done(o, &r)) {
		uint64_t n = 0, bytes = 0;

		for (;;) {
			struct tpacket2_hdr *h = (void *)(ring + (size_t)cur * FRAME_SZ);

			if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
				break;
			bytes += h->tp_len;
			n++;
			__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
			cur = (cur + 1) % RX_FRAMES;
			if (n >= (uint64_t)RX_FRAMES)
				break;
		}
		if (n)
			bench_rx_got(&r, n, bytes);
		else
			poll(&pfd, 1, 100);
	}
	bench_rx_report(&r);
	close(fd);
}

int main(int argc, char **argv)
{
	struct bopt o;

	bench_parse(&o, argc, argv, "  -m mmsg|mmap   sendmmsg/recvmmsg, or the PACKET_MMAP rings\n");
	if (!o.ifname)
		bench_usage(&o, NULL);
	if (!o.mode)
		o.mode = "mmsg";
	if (!strcmp(o.mode, "mmsg"))
		o.tx ? tx_mmsg(&o) : rx_mmsg(&o);
	else if (!strcmp(o.mode, "mmap"))
		o.tx ? tx_mmap(&o) : rx_mmap(&o);
	else
		bench_usage(&o, NULL);
	return 0;
}
