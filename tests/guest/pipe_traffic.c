/*
 * Traffic through a pipe between two processes: the sender writes a sequence number and a
 * position-dependent pattern into every byte of every frame; the receiver checks each frame's
 * length, sequence number and every byte.  Zero loss and zero corruption are required.  Both sides
 * are driven by poll(), as applications are.  Prints the rate it measured.
 *
 *   pipe_traffic                 the default suite (several sizes, fixed and random lengths)
 *   pipe_traffic COUNT LEN       one run; LEN 0 means random lengths in [60, 2048]
 */
#include <sys/time.h>
#include <sys/wait.h>

#include "nm.h"

#define MIN_LEN 60
#define MAX_LEN 2048

/* Length of frame `seq` in a run of random lengths: a cheap hash both sides compute. */
static uint32_t frame_len(uint64_t seq, uint32_t len)
{
	if (len)
		return len;
	return MIN_LEN + (uint32_t)((seq * 2654435761u) >> 7) % (MAX_LEN - MIN_LEN + 1);
}

static inline uint8_t pattern(uint64_t seq, uint32_t i)
{
	return (uint8_t)(seq * 31 + i);
}

static double now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static int sender(const char *port, uint64_t count, uint32_t len)
{
	struct nmport p;
	struct netmap_ring *ring;
	struct pollfd pfd;
	uint64_t seq = 0;

	nm_open_or_die(&p, port, NR_REG_ALL_NIC, 0, 0);
	ring = NETMAP_TXRING(p.nifp, 0);
	pfd.fd = p.fd;
	pfd.events = POLLOUT;
	while (seq < count) {
		uint32_t space;

		if (poll(&pfd, 1, 5000) <= 0 || (pfd.revents & POLLERR)) {
			printf("not ok - sender: poll failed or timed out at frame %llu\n",
			       (unsigned long long)seq);
			return 1;
		}
		for (space = nm_ring_space(ring); space > 0 && seq < count; space--, seq++) {
			struct netmap_slot *slot = &ring->slot[ring->cur];
			uint8_t *buf = (uint8_t *)NETMAP_BUF(ring, slot->buf_idx);
			uint32_t l = frame_len(seq, len), i;

			memcpy(buf, &seq, sizeof(seq));
			for (i = sizeof(seq); i < l; i++)
				buf[i] = pattern(seq, i);
			slot->len = l;
			ring->head = ring->cur = nm_ring_next(ring, ring->cur);
		}
	}
	ioctl(p.fd, NIOCTXSYNC);
	nm_close(&p);
	return 0;
}

/* Returns the number of corrupt frames; *received counts what arrived before the deadline. */
static uint64_t receive(const char *port, uint64_t count, uint32_t len, uint64_t *received)
{
	struct nmport p;
	struct netmap_ring *ring;
	struct pollfd pfd;
	uint64_t seq = 0, bad = 0;

	nm_open_or_die(&p, port, NR_REG_ALL_NIC, 0, 0);
	ring = NETMAP_RXRING(p.nifp, 0);
	pfd.fd = p.fd;
	pfd.events = POLLIN;
	while (seq < count) {
		if (poll(&pfd, 1, 5000) <= 0 || (pfd.revents & POLLERR))
			break;
		while (!nm_ring_empty(ring)) {
			struct netmap_slot *slot = &ring->slot[ring->head];
			const uint8_t *buf = (const uint8_t *)NETMAP_BUF(ring, slot->buf_idx);
			uint32_t l = frame_len(seq, len), i;
			uint64_t got;

			memcpy(&got, buf, sizeof(got));
			if (slot->len != l || got != seq) {
				bad++;
			} else {
				for (i = sizeof(seq); i < l; i++)
					if (buf[i] != pattern(seq, i))
						break;
				bad += i != l;
			}
			seq++;
			ring->head = ring->cur = nm_ring_next(ring, ring->head);
		}
	}
	*received = seq;
	nm_close(&p);
	return bad;
}

static void run(uint64_t count, uint32_t len)
{
	char master[32], slave[32];
	static int id;
	uint64_t received = 0, bad;
	double t0, t1;
	pid_t pid;
	int status;

	snprintf(master, sizeof(master), "traffic{%d", id);
	snprintf(slave, sizeof(slave), "traffic}%d", id++);
	t0 = now();
	pid = fork();
	if (pid == 0)
		_exit(sender(master, count, len));
	bad = receive(slave, count, len, &received);
	t1 = now();
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "sender of %llu frames (len %s%u) finished",
	   (unsigned long long)count, len ? "" : "random up to ", len ? len : MAX_LEN);
	ok(received == count && bad == 0, "%llu of %llu frames received in order, %llu corrupt",
	   (unsigned long long)received, (unsigned long long)count, (unsigned long long)bad);
	printf("# pipe %s bytes: %.3f Mpps (%llu frames in %.2f s)\n",
	       len ? "fixed" : "random", received / (t1 - t0) / 1e6, (unsigned long long)received, t1 - t0);
}

int main(int argc, char **argv)
{
	if (argc == 3) {
		run(strtoull(argv[1], NULL, 0), (uint32_t)strtoul(argv[2], NULL, 0));
		return t_exit();
	}
	run(10000000, 60);	/* the bar: 10 million 60-byte frames, zero loss */
	run(300000, 1514);
	run(300000, 0);
	run(200000, 2048);
	return t_exit();
}
