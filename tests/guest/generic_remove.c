/*
 * Device removal under the generic adapter (spec §7.6): a veth pair brought down and up while
 * open (rings stopped, then working again), then deleted while a process has both ends open in
 * netmap mode with frames queued: syncs give EIO, poll POLLERR, the mapping stays readable,
 * close is clean, and nothing leaks (the runner checks the counters and the kernel log; the
 * module must unload afterwards).
 */
#include "generic.h"

#define A "gd0"
#define B "gd1"

int main(void)
{
	struct nmport tx, rx;
	struct netmap_ring *t, *r;
	struct pollfd pfd;
	uint32_t got = 0;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	veth_pair_open(A, B, &tx, &rx);
	t = NETMAP_TXRING(tx.nifp, 0);
	r = NETMAP_RXRING(rx.nifp, 0);

	/* Down: rings stopped.  Up: working again. */
	sh("/sbin/ip link set " A " down");
	errno = 0;
	err = ioctl(tx.fd, NIOCTXSYNC);
	ok(err == -1 && errno == EIO, "TXSYNC on a device that is down: EIO (%d, %s)", err,
	   strerror(errno));
	sh("/sbin/ip link set " A " up");
	ok(ioctl(tx.fd, NIOCTXSYNC) == 0, "TXSYNC once it is up again: 0");
	tx_frames(t, 0, 10, 64);
	ioctl(tx.fd, NIOCTXSYNC);
	if (rx_wait(&rx, r, 2000) > 0)
		got = nm_ring_space(r);
	ok(got == 10, "traffic flows after down/up (%u frames)", got);

	/* Frames queued for the receiver, others in flight, then the pair disappears. */
	tx_frames(t, 0, 500, 100);
	ioctl(tx.fd, NIOCTXSYNC);
	ok(sh("/sbin/ip link del " A) == 0, "delete %s while both ends are open in netmap mode", A);

	errno = 0;
	err = ioctl(tx.fd, NIOCTXSYNC);
	ok(err == -1 && errno == EIO, "TXSYNC after removal: EIO (%d, %s)", err, strerror(errno));
	errno = 0;
	err = ioctl(rx.fd, NIOCRXSYNC);
	ok(err == -1 && errno == EIO, "RXSYNC after removal: EIO (%d, %s)", err, strerror(errno));
	pfd.fd = rx.fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	err = poll(&pfd, 1, 1000);
	ok(err == 1 && (pfd.revents & POLLERR), "poll after removal: POLLERR at once (revents %#x)",
	   pfd.revents);
	pfd.fd = tx.fd;
	pfd.events = POLLOUT;
	pfd.revents = 0;
	err = poll(&pfd, 1, 1000);
	ok(err == 1 && (pfd.revents & POLLERR), "TX poll after removal: POLLERR (revents %#x)",
	   pfd.revents);
	ok(r->num_slots == 1024 && t->num_slots == 1024, "the mapping stays readable");
	ok(gen_gone(A) && gen_gone(B), "/proc/netmap_generic shows both adapters as gone");

	err = nm_register(&tx, A, NR_REG_ALL_NIC, 0, 0);
	ok(err == -ENXIO, "REGISTER of the deleted name: ENXIO (%s)", strerror(-err));
	nm_close(&tx);
	nm_close(&rx);

	/* The name can be reused at once by a new device and a new adapter. */
	if (veth_pair(A, B, NULL) == 0) {
		nm_open_or_die(&tx, A, NR_REG_ALL_NIC, 0, 0);
		ok(ioctl(tx.fd, NIOCTXSYNC) == 0, "a new %s works in netmap mode", A);
		/* Closing while the device is deleted right after: nothing left behind. */
		sh("/sbin/ip link del " A);
		nm_close(&tx);
	} else {
		ok(0, "re-create the veth pair");
	}
	return t_exit();
}
