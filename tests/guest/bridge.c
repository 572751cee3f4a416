/*
 * The bridge tool (spec §10.3) between two pipes: a sender writes numbered frames into one pipe,
 * bridge moves them to the other, a receiver checks every frame.  Zero copy when both ports share
 * a region, copy with -c or across regions, and the messages that say which.
 */
#include <signal.h>
#include <sys/wait.h>

#include "nm.h"

#define FRAMES 20000

static pid_t start_bridge(const char *a, const char *b, const char *extra, const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		if (extra)
			execl("/usr/local/bin/bridge", "bridge", "-w", "0", extra, "-i", a, "-i", b, NULL);
		else
			execl("/usr/local/bin/bridge", "bridge", "-w", "0", "-i", a, "-i", b, NULL);
		_exit(127);
	}
	return pid;
}

static int log_has(const char *log, const char *text)
{
	char buf[4096];
	FILE *f = fopen(log, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

/* Sends FRAMES numbered frames on tx while receiving them on rx; returns the good ones. */
static uint32_t run_traffic(struct nmport *tx, struct nmport *rx)
{
	struct netmap_ring *t = NETMAP_TXRING(tx->nifp, 0), *r = NETMAP_RXRING(rx->nifp, 0);
	uint32_t sent = 0, got = 0, idle = 0;

	while (got < FRAMES && idle < 30) {
		struct pollfd pfd[2] = { { .fd = tx->fd, .events = POLLOUT }, { .fd = rx->fd, .events = POLLIN } };

		while (sent < FRAMES && nm_ring_space(t)) {
			struct netmap_slot *s = &t->slot[t->cur];
			char *buf = NETMAP_BUF(t, s->buf_idx);

			memcpy(buf, &sent, 4);
			memset(buf + 4, (char)sent, 56);
			s->len = 60;
			t->head = t->cur = nm_ring_next(t, t->cur);
			sent++;
		}
		if (poll(pfd, 2, 100) <= 0) {
			idle++;
			continue;
		}
		idle = 0;
		while (!nm_ring_empty(r)) {
			const char *buf = NETMAP_BUF(r, r->slot[r->head].buf_idx);
			uint32_t seq;

			memcpy(&seq, buf, 4);
			got += seq == got && r->slot[r->head].len == 60 && buf[59] == (char)seq;
			r->head = r->cur = nm_ring_next(r, r->head);
		}
	}
	return got;
}

static void one_case(const char *name, const char *tx_name, const char *a, const char *b,
		     const char *rx_name, const char *extra, const char *expect)
{
	const char *log = "/tmp/bridge.log";
	struct nmport tx, rx;
	pid_t pid;
	int status;
	uint32_t got;

	nm_open_or_die(&tx, tx_name, NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&rx, rx_name, NR_REG_ALL_NIC, 0, 0);
	pid = start_bridge(a, b, extra, log);
	got = run_traffic(&tx, &rx);
	kill(pid, SIGINT);
	waitpid(pid, &status, 0);
	ok(got == FRAMES, "%s: %u of %u frames through bridge, in order and intact", name, got, FRAMES);
	ok(log_has(log, expect), "%s: bridge says \"%s\"", name, expect);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: bridge exits 0 on SIGINT", name);
	nm_close(&rx);
	nm_close(&tx);
}

int main(void)
{
	one_case("same region", "bra{1", "netmap:bra}1", "netmap:bra{2", "bra}2", NULL,
		 "zerocopy supported");
	one_case("copy forced", "brb{1", "netmap:brb}1", "netmap:brb{2", "brb}2", "-c",
		 "zerocopy NOT supported");
	one_case("two regions", "brc{1", "netmap:brc}1", "netmap:brd{1", "brd}1", NULL,
		 "zerocopy NOT supported");
	return t_exit();
}
