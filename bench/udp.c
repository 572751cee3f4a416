/*
 * bench/udp.c - the plain-socket baseline: UDP datagrams with sendmmsg()/recvmmsg().
 *
 *   udp -f tx -d 10.0.0.2:9000 [-s 10.0.0.1] [-l FRAMELEN] [-t SECS | -n COUNT] [-b BATCH]
 *   udp -f rx -d 0.0.0.0:9000 [-N /var/run/netns/NAME] [-r READYFILE]
 *
 * -l is the Ethernet frame length the datagram makes on the wire (14 + 20 + 8 + payload, without
 * CRC), so `-l 60` is an 18-byte payload and `-l 1514` a 1472-byte one: the same frames as the raw
 * senders.  The receiver binds the address and port of -d and has a 4 MiB receive buffer.
 * Bytes in the report are frame bytes, to compare with the raw senders.
 */
#include "bench.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#define RX_BUF (4 << 20)

static void parse_addr(const char *s, struct sockaddr_in *a)
{
	char host[64];
	const char *colon = strchr(s, ':');

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(9000);
	if (colon) {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
		a->sin_port = htons((uint16_t)atoi(colon + 1));
	} else {
		snprintf(host, sizeof(host), "%s", s);
	}
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1) {
		fprintf(stderr, "udp: bad address %s\n", s);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	static uint8_t bufs[1024][2048];
	struct mmsghdr msgs[1024];
	struct iovec iovs[1024];
	struct sockaddr_in dst;
	struct bopt o;
	int fd, i, payload;

	bench_parse(&o, argc, argv, "  -d ADDR:PORT  destination (tx) or bound address (rx)\n");
	if (!o.dst)
		bench_usage(&o, NULL);
	parse_addr(o.dst, &dst);
	payload = o.len - 42;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < o.batch; i++) {
		memset(bufs[i], 0x5a, sizeof(bufs[i]));
		iovs[i].iov_base = bufs[i];
		iovs[i].iov_len = o.tx ? (size_t)payload : sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	if (o.tx) {
		if (o.src) {
			struct sockaddr_in src;

			parse_addr(o.src, &src);
			src.sin_port = 0;
			if (bind(fd, (struct sockaddr *)&src, sizeof(src))) {
				perror("bind");
				return 1;
			}
		}
		if (connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
			perror("connect");
			return 1;
		}
		bench_ready(&o);
		bench_sendmmsg_loop(fd, msgs, &o);
	} else {
		int sz = RX_BUF;

		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		if (bind(fd, (struct sockaddr *)&dst, sizeof(dst))) {
			perror("bind");
			return 1;
		}
		bench_recvmmsg_loop(fd, msgs, &o, 42);
	}
	close(fd);
	return 0;
}
