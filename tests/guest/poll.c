/*
 * A reader sleeping in poll, select or epoll is woken when a frame arrives, not before and not
 * by busy polling; closing an fd while another thread sleeps in poll on it is safe (spec §4.8,
 * §1.1).
 */
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/time.h>

#include "nm.h"

static double now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static void send_one(struct nmport *tx)
{
	struct netmap_ring *ring = NETMAP_TXRING(tx->nifp, 0);

	ring->slot[ring->cur].len = 60;
	ring->head = ring->cur = nm_ring_next(ring, ring->cur);
	ioctl(tx->fd, NIOCTXSYNC);
}

struct sleeper {
	struct nmport *rx;
	int how;		/* 0 poll, 1 select, 2 epoll */
	double woke;
	int ready;
};

static void *sleep_on_rx(void *arg)
{
	struct sleeper *s = arg;
	int fd = s->rx->fd;

	if (s->how == 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		s->ready = poll(&pfd, 1, 10000) == 1 && (pfd.revents & POLLIN);
	} else if (s->how == 1) {
		fd_set r;
		struct timeval tv = { .tv_sec = 10 };

		FD_ZERO(&r);
		FD_SET(fd, &r);
		s->ready = select(fd + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(fd, &r);
	} else {
		int ep = epoll_create1(0);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, out;

		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		s->ready = epoll_wait(ep, &out, 1, 10000) == 1 && (out.events & EPOLLIN);
		close(ep);
	}
	s->woke = now();
	return NULL;
}

static void test_wakeup(int how, const char *name)
{
	struct nmport tx, rx;
	struct sleeper s = { .rx = &rx, .how = how };
	pthread_t th;
	double sent;
	char mname[32], sname[32];

	snprintf(mname, sizeof(mname), "wake{%d", how);
	snprintf(sname, sizeof(sname), "wake}%d", how);
	nm_open_or_die(&tx, mname, NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&rx, sname, NR_REG_ALL_NIC, 0, 0);
	pthread_create(&th, NULL, sleep_on_rx, &s);
	usleep(300000);
	ok(s.woke == 0, "%s: the reader is still asleep after 300 ms with nothing to read", name);
	sent = now();
	send_one(&tx);
	pthread_join(th, NULL);
	ok(s.ready && s.woke - sent < 2.0, "%s: a frame wakes the reader (after %.0f ms)", name,
	   (s.woke - sent) * 1000);
	nm_close(&rx);
	nm_close(&tx);
}

struct closer {
	int fd;
	int ret;
	short revents;
};

static void *poll_forever(void *arg)
{
	struct closer *c = arg;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	c->ret = poll(&pfd, 1, 3000);
	c->revents = pfd.revents;
	return NULL;
}

static void test_close_while_polling(void)
{
	struct nmport tx, rx;
	struct closer c;
	pthread_t th;

	nm_open_or_die(&tx, "closing{1", NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&rx, "closing}1", NR_REG_ALL_NIC, 0, 0);
	c.fd = rx.fd;
	pthread_create(&th, NULL, poll_forever, &c);
	usleep(200000);
	munmap(rx.mem, rx.reg.nr_memsize);
	close(rx.fd);		/* the poller still holds the file; release waits for it */
	send_one(&tx);
	pthread_join(th, NULL);
	ok(c.ret >= 0, "close while another thread polls: poll returns (%d, revents 0x%x)", c.ret,
	   c.revents);
	nm_close(&tx);
}

static void test_no_tx_poll(void)
{
	struct nmport tx, rx;
	struct pollfd pfd;

	nm_open_or_die(&tx, "ntp{1", NR_REG_ALL_NIC, 0, NR_NO_TX_POLL);
	nm_open_or_die(&rx, "ntp}1", NR_REG_ALL_NIC, 0, 0);
	{
		struct netmap_ring *ring = NETMAP_TXRING(tx.nifp, 0);

		ring->slot[ring->cur].len = 60;
		ring->head = ring->cur = nm_ring_next(ring, ring->cur);
	}
	pfd.fd = tx.fd;
	pfd.events = POLLIN;
	poll(&pfd, 1, 0);
	pfd.fd = rx.fd;
	ok(poll(&pfd, 1, 100) == 0, "NR_NO_TX_POLL: poll(POLLIN) does not transmit");
	pfd.fd = tx.fd;
	pfd.events = POLLOUT;
	poll(&pfd, 1, 0);
	pfd.fd = rx.fd;
	pfd.events = POLLIN;
	ok(poll(&pfd, 1, 1000) == 1, "NR_NO_TX_POLL: poll(POLLOUT) transmits");
	nm_close(&rx);
	nm_close(&tx);
}

int main(void)
{
	test_wakeup(0, "poll");
	test_wakeup(1, "select");
	test_wakeup(2, "epoll (edge-triggered)");
	test_close_while_polling();
	test_no_tx_poll();
	return t_exit();
}
