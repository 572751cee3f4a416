/*
 * tests/host/test_abi_cxx.cc -- the netmap headers must be valid C++.
 *
 * Compiling this file (g++ -std=c++11 -Wall -Wextra -Werror -Iinclude) is
 * the test: it pulls in every header, so the static ABI assertions run
 * through static_assert and the inline helpers go through the C++ front
 * end.  Running it only exercises a few helpers and returns 0.
 */
#include <net/netmap_user.h>
#include <net/netmap.h>
#include <net/netmap_legacy.h>
#include <net/netmap_virt.h>

#include <cstdio>
#include <cstring>

static_assert(sizeof(struct netmap_ring) == 256, "ring header");
static_assert(sizeof(struct nmreq_header) == 88, "nmreq_header");
static_assert(sizeof(struct nmreq) == 60, "legacy nmreq");

/*
 * Never called with a real region: it exists so that the macros, which
 * C accepts more loosely than C++ (void * conversions, const), are
 * expanded and type-checked by the C++ compiler.
 */
static unsigned
use_macros(struct netmap_if *nifp)
{
	struct netmap_ring *tx = NETMAP_TXRING(nifp, 0);
	struct netmap_ring *rx = NETMAP_RXRING(nifp, 0);
	const struct netmap_ring *crx = rx;
	struct netmap_slot *slot = &rx->slot[rx->head];
	char *buf = NETMAP_BUF(rx, slot->buf_idx);
	unsigned n = nm_ring_space(crx) + (unsigned)nm_tx_pending(tx);

	n += (unsigned)NETMAP_BUF_IDX(crx, buf);
	n += (unsigned)NETMAP_ROFFSET(crx, slot);
	NETMAP_WOFFSET(rx, slot, 0);
	buf = NETMAP_BUF_OFFSET(rx, slot);
	n += nm_ring_next(crx, rx->cur) + (unsigned)nm_ring_empty(crx);
	n += (unsigned)NS_RFRAGS(slot);
	if (unlikely(n == 0) || likely(buf == NULL))
		RD(1, "ring %s", nifp->ni_name);
	D("%u", n);
	return n + (NETMAP_IF(nifp, 0) == nifp);
}

int
main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1000)	/* never: see use_macros() */
		return (int)use_macros(NULL);

	struct nm_csb_atok atok;
	struct nm_csb_ktoa ktoa;
	uint32_t hwtail = 0, hwcur = 0;
	char src[128], dst[128];

	std::memset(&atok, 0, sizeof(atok));
	std::memset(&ktoa, 0, sizeof(ktoa));
	nm_sync_kloop_appl_write(&atok, 2, 1);
	nm_sync_kloop_appl_read(&ktoa, &hwtail, &hwcur);

	std::memset(src, 0x33, sizeof(src));
	nm_pkt_copy(src, dst, 64);

	ND("not printed %d", 1);
	bool kloop = atok.head == 1 && atok.cur == 2;
	bool copy = dst[63] == 0x33;
	bool ioctl = NIOCCTRL == 0xc0586997u;

	std::printf("%s - C++: sync-kloop write helper stores head and cur\n", kloop ? "ok" : "not ok");
	std::printf("%s - C++: nm_pkt_copy copies 64 bytes\n", copy ? "ok" : "not ok");
	std::printf("%s - C++: NIOCCTRL is 0xc0586997\n", ioctl ? "ok" : "not ok");
	return kloop && copy && ioctl ? 0 : 1;
}
