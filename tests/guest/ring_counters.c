/*
 * tests/guest/ring_counters.c - the per-ring counters users can read: /proc/netmap_rings lists
 * every ring that exists with its users, bad_syncs (head/cur violations) and bad_slots (slots
 * whose buf_idx or len the kernel replaced), spec §4.6.  The test provokes both on a pipe and
 * reads them back.
 */
#include "nm.h"

int main(void)
{
	struct nmport m, s;
	struct netmap_ring *tx;
	uint32_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	nm_open_or_die(&m, "rc{1", NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&s, "rc}1", NR_REG_ALL_NIC, 0, 0);
	tx = NETMAP_TXRING(m.nifp, 0);
	n = tx->num_slots;
	ok(nm_ring_counter("rc{1", "tx0", "users") == 2 &&
	   nm_ring_counter("rc{1", "tx0", "bad_slots") == 0 &&
	   nm_ring_counter("rc}1", "rx0", "bad_syncs") == 0,
	   "/proc/netmap_rings lists the pipe's rings: 2 users (the pipe, the fd), no errors");

	tx->slot[tx->cur].buf_idx = 0x7fffffff;	/* outside the region */
	tx->slot[tx->cur].len = 60;
	tx->slot[nm_ring_next(tx, tx->cur)].len = 65535;	/* longer than any buffer */
	tx->head = tx->cur = nm_ring_next(tx, nm_ring_next(tx, tx->cur));
	ok(ioctl(m.fd, NIOCTXSYNC, NULL) == 0, "a TX sync with two bad slots succeeds");
	ok(nm_ring_counter("rc{1", "tx0", "bad_slots") == 2,
	   "bad_slots counts them (%ld)", nm_ring_counter("rc{1", "tx0", "bad_slots"));

	tx->head = n + 5;			/* out of range */
	ioctl(m.fd, NIOCTXSYNC, NULL);
	tx->head = tx->cur = tx->tail;		/* and after the correction: behind hwcur */
	ioctl(m.fd, NIOCTXSYNC, NULL);
	ok(nm_ring_counter("rc{1", "tx0", "bad_syncs") >= 1, "bad_syncs counts head/cur violations (%ld)",
	   nm_ring_counter("rc{1", "tx0", "bad_syncs"));
	ok(nm_ring_counter("rc}1", "rx0", "bad_syncs") == 0 &&
	   nm_ring_counter("rc}1", "rx0", "bad_slots") == 0,
	   "the peer's counters are its own (still 0)");
	nm_close(&s);
	nm_close(&m);
	ok(nm_ring_counter("rc{1", "tx0", "users") == -1, "a ring with no user is no longer listed");
	return t_exit();
}
