/*
 * Transparent mode slot by slot (spec §7.7, linux/generic_fwd.c), with the module parameter fwd
 * at 0: on a ring whose flags have NR_FORWARD, exactly the released slots marked NS_FORWARD go on
 * to the other side, intact; without NR_FORWARD the marks are ignored.
 *   - down: frames the stack sends on fw0 (a packet socket) arrive on fw0's host RX ring; the odd
 *     ones are marked, and only they come out of the device (seen on the peer, netmap:fw1);
 *   - up: UDP datagrams sent from the peer arrive on fw0's NIC RX ring; the odd ones are marked,
 *     and only they reach a UDP socket of the stack.
 * tests/guest/transparent.sh covers fwd=1 with the kernel's own ping and TCP.
 */
#include <netinet/in.h>

#include "generic.h"

#define A "fw0"
#define B "fw1"
#define A_IP "10.82.0.1"
#define UDP_PORT 9999
#define N 10

/* The host RX ring of a port opened with NR_REG_NIC_SW: after the NIC rings. */
static struct netmap_ring *host_rx(struct nmport *p)
{
	return NETMAP_RXRING(p->nifp, p->nifp->ni_rx_rings);
}

/* Waits up to ms for n frames in ring; returns how many it holds. */
static uint32_t wait_frames(struct nmport *p, struct netmap_ring *r, uint32_t n, int ms)
{
	double end = now_s() + ms / 1000.0;

	while (nm_ring_space(r) < n && now_s() < end) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

		poll(&pfd, 1, 50);
	}
	return nm_ring_space(r);
}

/*
 * Marks NS_FORWARD on the frames of r whose sequence number is odd (tells seq with `seq_of`), sets
 * or clears NR_FORWARD on the ring, releases every frame and syncs.
 */
static void release_marked(struct nmport *p, struct netmap_ring *r, int nr_forward,
			   int (*seq_of)(const uint8_t *buf, uint32_t len, uint32_t *seq))
{
	uint32_t seq;

	for (; !nm_ring_empty(r); r->head = r->cur = nm_ring_next(r, r->cur)) {
		struct netmap_slot *s = &r->slot[r->cur];

		if (seq_of((uint8_t *)NETMAP_BUF(r, s->buf_idx), s->len, &seq) && (seq & 1))
			s->flags |= NS_FORWARD;
	}
	if (nr_forward)
		r->flags |= NR_FORWARD;
	else
		r->flags &= ~NR_FORWARD;
	ioctl(p->fd, NIOCRXSYNC);
}

static int test_seq(const uint8_t *buf, uint32_t len, uint32_t *seq)
{
	return t_check(buf, len, seq) == 0;
}

/* Frames that reach netmap:fw1 within ms: a bit per intact test frame seen, by seq. */
static uint32_t seen_on_peer(struct nmport *b, int ms, uint32_t *corrupt)
{
	struct netmap_ring *r = NETMAP_RXRING(b->nifp, 0);
	double end = now_s() + ms / 1000.0;
	uint32_t seen = 0, seq;

	*corrupt = 0;
	while (now_s() < end) {
		struct pollfd pfd = { .fd = b->fd, .events = POLLIN };

		poll(&pfd, 1, 50);
		for (; !nm_ring_empty(r); r->head = r->cur = nm_ring_next(r, r->cur)) {
			struct netmap_slot *s = &r->slot[r->cur];
			int c = t_check((uint8_t *)NETMAP_BUF(r, s->buf_idx), s->len, &seq);

			if (c == 0 && seq < 32)
				seen |= 1u << seq;
			else if (c > 0)
				(*corrupt)++;
		}
	}
	return seen;
}

static void test_down(struct nmport *a, struct nmport *b)
{
	struct netmap_ring *h = host_rx(a);
	long long fwd0 = gen_counter(A, "fwd_down");
	uint32_t i, corrupt, seen, odd = 0;
	uint8_t frame[200];
	int s = raw_socket(A);

	ok(s >= 0, "a packet socket on %s", A);
	for (i = 0; i < N; i++) {
		t_frame(frame, i, sizeof(frame));
		send(s, frame, sizeof(frame), 0);
		odd |= (i & 1) << i;
	}
	ok(wait_frames(a, h, N, 3000) >= N, "the stack's %d frames are on %s's host RX ring", N, A);
	release_marked(a, h, 1, test_seq);
	seen = seen_on_peer(b, 1000, &corrupt);
	ok(seen == odd && corrupt == 0,
	   "NR_FORWARD: exactly the NS_FORWARD frames went down to the device, intact (seen %#x, want %#x, corrupt %u)",
	   seen, odd, corrupt);
	ok(gen_counter(A, "fwd_down") == fwd0 + N / 2, "fwd_down counts them (%lld, want %lld)",
	   gen_counter(A, "fwd_down"), fwd0 + N / 2);

	for (i = 0; i < N; i++) {
		t_frame(frame, i, sizeof(frame));
		send(s, frame, sizeof(frame), 0);
	}
	ok(wait_frames(a, h, N, 3000) >= N, "again %d frames on the host RX ring", N);
	release_marked(a, h, 0, test_seq);
	seen = seen_on_peer(b, 500, &corrupt);
	ok(seen == 0, "without NR_FORWARD the marks are ignored: nothing went down (seen %#x)", seen);
	close(s);
}

/* IPv4 UDP frame peer -> fw0 (dst MAC `mac`) carrying seq, checksummed IP, UDP checksum 0. */
static uint32_t udp_frame(uint8_t *f, const uint8_t mac[6], uint32_t seq)
{
	static const uint8_t src_mac[6] = { 2, 0, 0, 0, 0, 0x99 };
	uint8_t *ip = f + 14, *udp = ip + 20;
	uint32_t sum = 0, i;

	memset(f, 0, 14 + 20 + 8 + 4);
	memcpy(f, mac, 6);
	memcpy(f + 6, src_mac, 6);
	f[12] = 0x08;
	ip[0] = 0x45, ip[3] = 20 + 8 + 4, ip[8] = 64, ip[9] = 17;
	ip[12] = 10, ip[13] = 82, ip[14] = 0, ip[15] = 2;	/* 10.82.0.2 */
	ip[16] = 10, ip[17] = 82, ip[18] = 0, ip[19] = 1;	/* A_IP */
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8), ip[11] = (uint8_t)~sum;
	udp[0] = 9998 >> 8, udp[1] = 9998 & 0xff, udp[2] = UDP_PORT >> 8, udp[3] = UDP_PORT & 0xff;
	udp[5] = 8 + 4;
	memcpy(udp + 8, &seq, 4);
	return 14 + 20 + 8 + 4;
}

static int udp_seq(const uint8_t *f, uint32_t len, uint32_t *seq)
{
	if (len < 46 || f[12] != 0x08 || f[13] != 0 || f[23] != 17)
		return 0;
	memcpy(seq, f + 42, 4);
	return 1;
}

static void test_up(struct nmport *a, struct nmport *b)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(UDP_PORT) };
	struct timeval tv = { .tv_sec = 0, .tv_usec = 500000 };
	struct netmap_ring *t = NETMAP_TXRING(b->nifp, 0), *r = NETMAP_RXRING(a->nifp, 0);
	long long fwd0 = gen_counter(A, "fwd_up");
	uint32_t i, seq, got = 0, odd = 0;
	uint8_t mac[6];
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	FILE *f = fopen("/sys/class/net/" A "/address", "r");

	ok(f && fscanf(f, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3],
			&mac[4], &mac[5]) == 6, "%s's MAC address", A);
	if (f)
		fclose(f);
	inet_pton(AF_INET, A_IP, &sin.sin_addr);
	ok(u >= 0 && bind(u, (struct sockaddr *)&sin, sizeof(sin)) == 0, "a UDP socket on %s:%d",
	   A_IP, UDP_PORT);
	setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (i = 0; i < N; i++) {
		struct netmap_slot *s = &t->slot[t->cur];

		s->len = udp_frame((uint8_t *)NETMAP_BUF(t, s->buf_idx), mac, i);
		t->head = t->cur = nm_ring_next(t, t->cur);
		odd |= (i & 1) << i;
	}
	ioctl(b->fd, NIOCTXSYNC);
	ok(wait_frames(a, r, N, 3000) >= N, "the peer's %d datagrams are on %s's NIC RX ring", N, A);
	release_marked(a, r, 1, udp_seq);
	while (recv(u, &seq, sizeof(seq), 0) == sizeof(seq))
		if (seq < 32)
			got |= 1u << seq;
	ok(got == odd, "NR_FORWARD: exactly the NS_FORWARD datagrams reached the stack (got %#x, want %#x)",
	   got, odd);
	ok(gen_counter(A, "fwd_up") == fwd0 + N / 2, "fwd_up counts them (%lld, want %lld)",
	   gen_counter(A, "fwd_up"), fwd0 + N / 2);
	close(u);
}

int main(void)
{
	struct nmport a, b;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (veth_pair(A, B, NULL) || sh("/sbin/ip addr add " A_IP "/24 dev " A)) {
		ok(0, "create veth pair %s/%s with %s", A, B, A_IP);
		return t_exit();
	}
	sh("echo 0 > /sys/module/netmap/parameters/fwd");
	nm_open_or_die(&a, A, NR_REG_NIC_SW, 0, 0);
	nm_open_or_die(&b, B, NR_REG_ALL_NIC, 0, 0);
	test_down(&a, &b);
	test_up(&a, &b);
	nm_close(&b);
	nm_close(&a);
	sh("/sbin/ip link del " A);
	return t_exit();
}
