/*
 * bench/bench.h - what the guest benchmark programs (the C files in bench/) share: the command line, the
 * clock, the test frame, the receive loop's timing rule and the final report.
 *
 * Every program prints pkt-gen's final report (spec section 10.1), so bench/scenarios parses one
 * format whatever produced the numbers:
 *
 *   Sent|Received <P> packets <B> bytes <E> events <S> bytes each in <T> seconds.
 *   Speed: <pps>pps Bandwidth: <bps>bps (raw <rawbps>bps). Average batch: <b> pkts
 *
 * Timing rule, the same as `pkt-gen -f rx -W`:
 *   - a sender sends for -t seconds (or -n packets), as fast as the API lets it;
 *   - a receiver waits for its first packet, then counts until nothing arrives for one second; its
 *     time runs from the first batch it got to the last one (the idle second is not counted).
 */
#ifndef NM_BENCH_H
#define NM_BENCH_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BENCH_MAX_FRAME 1514	/* largest frame without CRC */
#define BENCH_MIN_FRAME 60	/* Ethernet minimum without CRC */
#define BENCH_IDLE_MS 1000	/* a receiver stops after this long without traffic */
#define BENCH_FIRST_WAIT_S 60	/* ... and gives up if nothing at all came for this long */

struct bopt {
	const char *prog;
	int tx;			/* -f tx|rx (some programs add their own functions) */
	const char *fn;
	const char *ifname;	/* -i */
	int len;		/* -l frame length without CRC */
	double secs;		/* -t seconds to send (sender) */
	uint64_t count;		/* -n packets (0 = use -t) */
	int batch;		/* -b packets per system call */
	const char *mode;	/* -m program-specific variant */
	const char *ready;	/* -r FILE: created once the port is open (receivers: bound) */
	const char *netns;	/* -N /var/run/netns/NAME: setns() into it first */
	const char *dst;	/* -d ADDR[:PORT] (UDP), or destination MAC (raw frames) */
	const char *src;	/* -s ADDR (UDP), or source MAC (raw frames) */
	int verbose;		/* -v */
};

static volatile sig_atomic_t bench_stop;

static void bench_on_signal(int sig)
{
	(void)sig;
	bench_stop = 1;
}

/* SIGINT/SIGTERM end the loops cleanly so the report is still printed. */
static inline void bench_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bench_on_signal;	/* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void bench_die(const char *what)
{
	fprintf(stderr, "%s\n", what);
	exit(1);
}

static inline void bench_usage(const struct bopt *o, const char *extra)
{
	fprintf(stderr,
		"usage: %s -f tx|rx -i IF [-l LEN] [-t SECS | -n COUNT] [-b BATCH] [-m MODE]\n"
		"          [-r READYFILE] [-N NETNS-PATH] [-s SRC] [-d DST] [-v]\n%s",
		o->prog, extra ? extra : "");
	exit(2);
}

static inline void bench_parse(struct bopt *o, int argc, char **argv, const char *extra)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->prog = argv[0];
	o->fn = "rx";
	o->len = BENCH_MIN_FRAME;
	o->secs = 3;
	o->batch = 256;
	while ((c = getopt(argc, argv, "f:i:l:t:n:b:m:r:N:s:d:vh")) != -1) {
		switch (c) {
		case 'f': o->fn = optarg; break;
		case 'i': o->ifname = optarg; break;
		case 'l': o->len = atoi(optarg); break;
		case 't': o->secs = atof(optarg); break;
		case 'n': o->count = strtoull(optarg, NULL, 0); break;
		case 'b': o->batch = atoi(optarg); break;
		case 'm': o->mode = optarg; break;
		case 'r': o->ready = optarg; break;
		case 'N': o->netns = optarg; break;
		case 's': o->src = optarg; break;
		case 'd': o->dst = optarg; break;
		case 'v': o->verbose = 1; break;
		default: bench_usage(o, extra);
		}
	}
	if (optind != argc)
		bench_usage(o, extra);
	o->tx = !strcmp(o->fn, "tx");
	if (o->len < 42 || o->len > BENCH_MAX_FRAME) {
		fprintf(stderr, "%s: -l %d: frame length must be 42..%d\n", o->prog, o->len,
			BENCH_MAX_FRAME);
		exit(2);
	}
	if (o->batch < 1)
		o->batch = 1;
	if (o->batch > 1024)
		o->batch = 1024;
	if (o->netns) {
		int fd = open(o->netns, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWNET)) {
			fprintf(stderr, "%s: setns %s: %s\n", o->prog, o->netns, strerror(errno));
			exit(1);
		}
		close(fd);
	}
	bench_signals();
}

/* The port is open (a receiver can take packets, a sender starts): tell the script. */
static inline void bench_ready(const struct bopt *o)
{
	if (o->ready) {
		int fd = open(o->ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0)
			close(fd);
	}
}

/* Sender's stop condition, checked between batches. */
static inline int bench_tx_done(const struct bopt *o, uint64_t t0, uint64_t sent)
{
	if (bench_stop)
		return 1;
	if (o->count)
		return sent >= o->count;
	return bench_now_ns() - t0 >= (uint64_t)(o->secs * 1e9);
}

static inline int bench_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static inline uint16_t bench_csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/*
 * The frame every raw sender uses: Ethernet + IPv4 + UDP 10.0.0.1:1234 -> 10.1.0.1:1234, the
 * payload filled with a pattern, `len` bytes without CRC.  The default destination MAC is a
 * unicast address no interface owns (02:00:00:00:00:02), so the stack behind a veth discards a
 * copy it gets at once (PACKET_OTHERHOST) and only the API under test does real work.
 */
static inline void bench_frame(uint8_t *f, int len, const char *dmac, const char *smac)
{
	static const uint8_t d0[6] = { 0x02, 0, 0, 0, 0, 0x02 }, s0[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	uint8_t *ip = f + 14, *udp = f + 34;
	int i;

	memset(f, 0, (size_t)len);
	memcpy(f, d0, 6);
	memcpy(f + 6, s0, 6);
	if (dmac && bench_parse_mac(dmac, f))
		bench_die("bad destination MAC");
	if (smac && bench_parse_mac(smac, f + 6))
		bench_die("bad source MAC");
	f[12] = 0x08;
	f[13] = 0x00;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((len - 14) >> 8);
	ip[3] = (uint8_t)(len - 14);
	ip[6] = 0x40;	/* DF */
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10, ip[13] = 0, ip[14] = 0, ip[15] = 1;
	ip[16] = 10, ip[17] = 1, ip[18] = 0, ip[19] = 1;
	memcpy(ip + 10, (uint16_t[]){ bench_csum(ip, 20) }, 2);
	udp[0] = 1234 >> 8, udp[1] = 1234 & 0xff;
	udp[2] = 1234 >> 8, udp[3] = 1234 & 0xff;
	udp[4] = (uint8_t)((len - 34) >> 8);
	udp[5] = (uint8_t)(len - 34);
	for (i = 42; i < len; i++)
		f[i] = (uint8_t)(i & 0xff);
}

/* pkt-gen's number format (spec 10.1): "%.3f <prefix>" scaled by 1000 up to T. */
static inline const char *bench_norm(char *buf, size_t n, double v)
{
	static const char *units[] = { "", "K", "M", "G", "T" };
	int i = 0;

	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	snprintf(buf, n, "%.3f %s", v, units[i]);
	return buf;
}

/*
 * The final report, in pkt-gen's format.  `ns` is the measured time (see the timing rule above),
 * `events` the system calls that moved packets.
 */
static inline void bench_report(int tx, uint64_t pkts, uint64_t bytes, uint64_t events, uint64_t ns)
{
	char a[32], b[32], c[32];
	double secs = (double)ns / 1e9;

	if (!pkts) {
		printf("%s nothing.\n", tx ? "Sent" : "Received");
		fflush(stdout);
		return;
	}
	if (secs <= 0)
		secs = 1e-9;
	printf("%s %llu packets %llu bytes %llu events %llu bytes each in %.2f seconds.\n",
	       tx ? "Sent" : "Received", (unsigned long long)pkts, (unsigned long long)bytes,
	       (unsigned long long)events, (unsigned long long)(bytes / pkts), secs);
	printf("Speed: %spps Bandwidth: %sbps (raw %sbps). Average batch: %.2f pkts\n",
	       bench_norm(a, sizeof(a), (double)pkts / secs),
	       bench_norm(b, sizeof(b), (double)bytes * 8 / secs),
	       bench_norm(c, sizeof(c), (double)bytes * 8 / secs),
	       events ? (double)pkts / (double)events : 0.0);
	/* The exact figures, for scripts that want more than three digits. */
	printf("bench: %s pkts %llu ns %llu\n", tx ? "tx" : "rx", (unsigned long long)pkts,
	       (unsigned long long)ns);
	fflush(stdout);
}

/*
 * Receiver bookkeeping for the timing rule.  Call bench_rx_got() after every batch with n > 0;
 * the loop ends when bench_rx_idle() says so (pass the time poll last returned with nothing).
 */
/*
 * The sendmmsg() sender shared by the AF_PACKET and UDP baselines: sends the prepared messages
 * (o->batch of them, all the same frame) until bench_tx_done(), then prints the TX report.  A
 * full queue (ENOBUFS, EAGAIN), a signal, and for UDP an ICMP error from a receiver not yet bound
 * (ECONNREFUSED) are retried after a yield; any other error ends the run.
 */
static inline void bench_sendmmsg_loop(int fd, struct mmsghdr *msgs, const struct bopt *o)
{
	uint64_t sent = 0, events = 0, t0 = bench_now_ns();

	while (!bench_tx_done(o, t0, sent)) {
		unsigned int n = (unsigned int)o->batch;
		int r;

		if (o->count && o->count - sent < n)
			n = (unsigned int)(o->count - sent);
		r = sendmmsg(fd, msgs, n, 0);
		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR ||
			    errno == ECONNREFUSED) {
				sched_yield();
				continue;
			}
			perror("sendmmsg");
			break;
		}
		sent += (uint64_t)r;
		events++;
	}
	bench_report(1, sent, sent * (uint64_t)o->len, events, bench_now_ns() - t0);
}

struct brx {
	uint64_t pkts, bytes, events;
	uint64_t first_ns, last_ns;
	uint64_t start_ns;
};

static inline void bench_rx_init(struct brx *r)
{
	memset(r, 0, sizeof(*r));
	r->start_ns = bench_now_ns();
}

static inline void bench_rx_got(struct brx *r, uint64_t n, uint64_t bytes)
{
	uint64_t now = bench_now_ns();

	if (!r->pkts)
		r->first_ns = now;
	r->last_ns = now;
	r->pkts += n;
	r->bytes += bytes;
	r->events++;
}

/* True when the receiver should stop: a signal, -n reached, or no traffic for BENCH_IDLE_MS. */
static inline int bench_rx_done(const struct bopt *o, const struct brx *r)
{
	uint64_t now = bench_now_ns();

	if (bench_stop)
		return 1;
	if (o->count && r->pkts >= o->count)
		return 1;
	if (!r->pkts)
		return now - r->start_ns > (uint64_t)BENCH_FIRST_WAIT_S * 1000000000ull;
	return now - r->last_ns >= (uint64_t)BENCH_IDLE_MS * 1000000ull;
}

static inline void bench_rx_report(const struct brx *r)
{
	bench_report(0, r->pkts, r->bytes, r->events, r->last_ns - r->first_ns);
}

/*
 * The recvmmsg() receiver shared by the AF_PACKET and UDP baselines: drains up to o->batch
 * messages per call without blocking, sleeps in poll() when the socket is empty, and stops by
 * bench_rx_done().  @hdr is added to each message's length to count frame bytes (42 for UDP:
 * the Ethernet, IPv4 and UDP headers the socket strips; 0 for a packet socket).
 */
static inline void bench_recvmmsg_loop(int fd, struct mmsghdr *msgs, const struct bopt *o,
				       unsigned int hdr)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct brx r;

	bench_rx_init(&r);
	bench_ready(o);
	while (!bench_rx_done(o, &r)) {
		uint64_t bytes = 0;
		int i, n;

		n = recvmmsg(fd, msgs, (unsigned int)o->batch, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				perror("recvmmsg");
				break;
			}
			poll(&pfd, 1, 100);
			continue;
		}
		for (i = 0; i < n; i++)
			bytes += msgs[i].msg_len + hdr;
		bench_rx_got(&r, (uint64_t)n, bytes);
	}
	bench_rx_report(&r);
}

#endif
