/*
 * A hostile program can only spoil its own packets: bad requests get the spec's errno, bad ring
 * indices are refused or reset (spec §4.5-§4.6), bad slots never reach outside the region nor
 * reach the peer, and a process killed in the middle of traffic leaves nothing behind.  The
 * runner also checks the kernel log and netmap's object counters after this program.
 */
#include <signal.h>
#include <sys/wait.h>

#include "nm.h"

static void test_requests(void)
{
	int fd = open("/dev/netmap", O_RDWR);
	struct nmreq_header h;
	struct nmreq_register reg;
	struct nmreq_option o1, o2, o3;

	memset(&reg, 0, sizeof(reg));
	nm_hdr_init(&h, NETMAP_REQ_REGISTER, "h{1", (void *)8);
	ok_errno(ioctl(fd, NIOCCTRL, &h), EFAULT, "nr_body pointing at unmapped memory");
	nm_hdr_init(&h, NETMAP_REQ_REGISTER, "h{1", &reg);
	reg.nr_mode = NR_REG_ALL_NIC;
	h.nr_options = 0xdead0000;
	ok_errno(ioctl(fd, NIOCCTRL, &h), EFAULT, "nr_options pointing at unmapped memory");

	memset(&o1, 0, sizeof(o1));
	h.nr_options = (uintptr_t)&o1;	/* type 0 */
	ok_errno(ioctl(fd, NIOCCTRL, &h), EINVAL, "an option of type 0");
	ok(o1.nro_status == EINVAL, "its status is EINVAL");

	o1.nro_reqtype = 77;		/* unknown type, looping on itself */
	o1.nro_next = (uintptr_t)&o1;
	ok_errno(ioctl(fd, NIOCCTRL, &h), EMSGSIZE, "an endless list of unknown options");
	ok(o1.nro_next == (uintptr_t)&o1, "nro_next is left as the program wrote it");

	memset(&o2, 0, sizeof(o2));
	memset(&o3, 0, sizeof(o3));
	o2.nro_reqtype = NETMAP_REQ_OPT_MAX + 3;	/* unknown: kept, not consumed */
	h.nr_options = (uintptr_t)&o2;
	ok_errno(ioctl(fd, NIOCCTRL, &h), EOPNOTSUPP, "REGISTER with an option nobody consumes");
	ok(o2.nro_status == EOPNOTSUPP, "its status is EOPNOTSUPP");

	h.nr_options = 0;
	h.nr_version = 13;
	ok_errno(ioctl(fd, NIOCCTRL, &h), EINVAL, "nr_version 13");
	h.nr_version = NETMAP_API;
	h.nr_reserved = 1;
	ok_errno(ioctl(fd, NIOCCTRL, &h), EINVAL, "nr_reserved not 0");
	h.nr_reserved = 0;
	h.nr_reqtype = 200;
	h.nr_body = 0;
	ok_errno(ioctl(fd, NIOCCTRL, &h), EINVAL, "an unknown request type");

	/* After all that, the fd still registers normally. */
	nm_hdr_init(&h, NETMAP_REQ_REGISTER, "h{1", &reg);
	ok(ioctl(fd, NIOCCTRL, &h) == 0, "the same fd registers after the refused requests");
	close(fd);
}

static void test_rings(void)
{
	struct nmport tx, rx;
	struct netmap_ring *t, *r;
	uint32_t n;

	nm_open_or_die(&tx, "evil{1", NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&rx, "evil}1", NR_REG_ALL_NIC, 0, 0);
	t = NETMAP_TXRING(tx.nifp, 0);
	r = NETMAP_RXRING(rx.nifp, 0);
	n = t->num_slots;

	t->head = t->cur = n + 5;	/* past the ring */
	ok(ioctl(tx.fd, NIOCTXSYNC) == 0 && t->head == 0 && t->cur == 0 && t->tail == n - 1,
	   "head past the ring: 0, indices reset to hwcur/hwtail");
	{
		struct pollfd pfd = { .fd = tx.fd, .events = POLLOUT };

		t->head = 0xffffffff;
		ok(poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR), "the same violation in poll: POLLERR");
	}
	t->head = t->cur = 3;
	t->slot[0].buf_idx = 0xfffffff0;	/* out of range */
	t->slot[0].len = 60;
	t->slot[1].buf_idx = 1;			/* reserved */
	t->slot[1].len = 60;
	t->slot[2].len = 65535;			/* longer than a buffer */
	ok(ioctl(tx.fd, NIOCTXSYNC) == 0 && ioctl(rx.fd, NIOCRXSYNC) == 0 && nm_ring_space(r) == 3,
	   "three bad slots are sent without error");
	ok(r->slot[0].buf_idx == 0 && r->slot[0].len == 0, "an out-of-range buffer reaches the peer as buffer 0, len 0");
	ok(r->slot[2].len == 0, "an oversized length reaches the peer as 0");
	r->head = r->cur = 3;
	ioctl(rx.fd, NIOCRXSYNC);
	t->head = 1;			/* behind hwcur (3) */
	t->cur = 1;
	ok(ioctl(tx.fd, NIOCTXSYNC) == 0 && t->head == 1, "head behind hwcur: 0, ring not synced, head kept");
	t->head = t->cur = 3;
	ioctl(tx.fd, NIOCTXSYNC);
	r->head = 1000;			/* past what arrived */
	ok(ioctl(rx.fd, NIOCRXSYNC) == 0, "RX head past tail: 0");
	r->head = r->cur = r->tail;
	t->tail = 12345;		/* scribbled */
	ioctl(tx.fd, NIOCTXSYNC);
	ok(t->tail < n, "a scribbled tail is restored");
	nm_close(&rx);
	nm_close(&tx);
}

static void test_kill(void)
{
	struct nmport rx;
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct nmport tx;
		struct netmap_ring *t;

		nm_open_or_die(&tx, "killme{1", NR_REG_ALL_NIC, 0, 0);
		t = NETMAP_TXRING(tx.nifp, 0);
		for (;;) {
			struct pollfd pfd = { .fd = tx.fd, .events = POLLOUT };

			poll(&pfd, 1, 100);
			while (nm_ring_space(t)) {
				t->slot[t->cur].len = 60;
				t->head = t->cur = nm_ring_next(t, t->cur);
			}
		}
	}
	nm_open_or_die(&rx, "killme}1", NR_REG_ALL_NIC, 0, 0);
	{
		struct netmap_ring *r = NETMAP_RXRING(rx.nifp, 0);
		struct pollfd pfd = { .fd = rx.fd, .events = POLLIN };
		int rounds = 0;

		while (rounds++ < 50 && poll(&pfd, 1, 2000) == 1)
			r->head = r->cur = r->tail;
		ok(rounds > 10, "traffic flows before the kill (%d rounds)", rounds);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ok(WIFSIGNALED(status), "the sender died of SIGKILL in the middle of traffic");
	ok(ioctl(rx.fd, NIOCRXSYNC) == 0, "the receiver's end keeps working");
	nm_close(&rx);
}

int main(void)
{
	test_requests();
	test_rings();
	test_kill();
	return t_exit();
}
