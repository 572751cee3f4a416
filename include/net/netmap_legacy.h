/*
 * net/netmap_legacy.h -- the pre-NIOCCTRL control interface of netmap.
 *
 * This header owns struct nmreq and struct nm_ifreq, the legacy ioctls
 * NIOCGINFO, NIOCREGIF and NIOCCONFIG, the nr_cmd switch commands and the
 * nr_ringid bits.  Old programs and the header-only nm_open library still
 * use them; the kernel translates every legacy request into a NIOCCTRL
 * request and back.  Like netmap.h, it is shared by kernel and user space
 * and its layouts are pinned.  netmap.h includes it at its end, and it
 * includes netmap.h first, so either may be included on its own.
 */
#ifndef _NET_NETMAP_LEGACY_H_
#define _NET_NETMAP_LEGACY_H_

#include "netmap.h"	/* types, IFNAMSIZ, NM_ABI_* (no-op if already in) */

/*
 * Legacy request.  nr_ringid and nr_flags are never written back, and
 * nr_memsize is the region size truncated to 32 bits: both quirks are what
 * programs built against the original observe.
 */
struct nmreq {
	char		nr_name[IFNAMSIZ];	/* in/out: nr_name[15] forced 0 */
	uint32_t	nr_version;		/* in: >= 14, treated as 14 */
	uint32_t	nr_offset;		/* out: netmap_if in region */
	uint32_t	nr_memsize;		/* out: truncated to 32 bits */
	uint32_t	nr_tx_slots;		/* in/out */
	uint32_t	nr_rx_slots;		/* in/out */
	uint16_t	nr_tx_rings;		/* in/out */
	uint16_t	nr_rx_rings;		/* in/out */
	uint16_t	nr_ringid;		/* in: ring | NETMAP_*_RING bits */
	uint16_t	nr_cmd;			/* in: 0 or NETMAP_BDG_* */
	uint16_t	nr_arg1;		/* in/out: command argument */
	uint16_t	nr_arg2;		/* in/out: mem id */
	uint32_t	nr_arg3;		/* in/out: extra buffers */
	uint32_t	nr_flags;		/* in: NR_REG_* | NR_* flags */
	uint32_t	spare2[1];
};
NM_ABI_SIZE(struct nmreq, 60, 4);
NM_ABI_FIELD(struct nmreq, nr_name, 0, 16);
NM_ABI_FIELD(struct nmreq, nr_version, 16, 4);
NM_ABI_FIELD(struct nmreq, nr_offset, 20, 4);
NM_ABI_FIELD(struct nmreq, nr_memsize, 24, 4);
NM_ABI_FIELD(struct nmreq, nr_tx_slots, 28, 4);
NM_ABI_FIELD(struct nmreq, nr_rx_slots, 32, 4);
NM_ABI_FIELD(struct nmreq, nr_tx_rings, 36, 2);
NM_ABI_FIELD(struct nmreq, nr_rx_rings, 38, 2);
NM_ABI_FIELD(struct nmreq, nr_ringid, 40, 2);
NM_ABI_FIELD(struct nmreq, nr_cmd, 42, 2);
NM_ABI_FIELD(struct nmreq, nr_arg1, 44, 2);
NM_ABI_FIELD(struct nmreq, nr_arg2, 46, 2);
NM_ABI_FIELD(struct nmreq, nr_arg3, 48, 4);
NM_ABI_FIELD(struct nmreq, nr_flags, 52, 4);
NM_ABI_FIELD(struct nmreq, spare2, 56, 4);

/*
 * nmreq.nr_ringid.  When the mode bits of nr_flags are 0 the mode is
 * derived from SW_RING / HW_RING; the poll bits map to NR_NO_TX_POLL and
 * NR_DO_RX_POLL.
 */
#define NETMAP_RING_MASK	0x0fff	/* ring number */
#define NETMAP_NO_TX_POLL	0x1000
#define NETMAP_SW_RING		0x2000
#define NETMAP_HW_RING		0x4000
#define NETMAP_DO_RX_POLL	0x8000

/* nmreq.nr_cmd: switch commands carried over the legacy ioctls. */
#define NETMAP_BDG_ATTACH	1	/* NIOCREGIF -> VALE_ATTACH */
#define NETMAP_BDG_DETACH	2	/* NIOCREGIF -> VALE_DETACH */
#define NETMAP_BDG_REGOPS	3	/* kernel-internal; EINVAL here */
#define NETMAP_BDG_LIST		4	/* NIOCGINFO -> VALE_LIST */
#define NETMAP_BDG_VNET_HDR	5	/* NIOCREGIF -> PORT_HDR_SET */
#define NETMAP_BDG_NEWIF	6	/* NIOCREGIF -> VALE_NEWIF */
#define NETMAP_BDG_DELIF	7	/* NIOCREGIF -> VALE_DELIF */
#define NETMAP_PT_HOST_CREATE	8	/* unsupported */
#define NETMAP_PT_HOST_DELETE	9	/* unsupported */
#define NETMAP_BDG_POLLING_ON	10	/* -> VALE_POLLING_ENABLE */
#define NETMAP_BDG_POLLING_OFF	11	/* -> VALE_POLLING_DISABLE */
#define NETMAP_VNET_HDR_GET	12	/* NIOCREGIF -> PORT_HDR_GET */

/* nmreq.nr_arg1 of NETMAP_BDG_ATTACH: also attach the host stack. */
#define NETMAP_BDG_HOST		1

/* Argument of NIOCCONFIG, handed verbatim to an external switch module. */
#define NM_IFRDATA_LEN		256
struct nm_ifreq {
	char	nifr_name[IFNAMSIZ];
	char	data[NM_IFRDATA_LEN];
};
NM_ABI_SIZE(struct nm_ifreq, 272, 1);
NM_ABI_FIELD(struct nm_ifreq, nifr_name, 0, 16);
NM_ABI_FIELD(struct nm_ifreq, data, 16, 256);

#define NIOCGINFO	_IOWR('i', 145, struct nmreq)
#define NIOCREGIF	_IOWR('i', 146, struct nmreq)
#define NIOCCONFIG	_IOWR('i', 150, struct nm_ifreq)

#endif /* _NET_NETMAP_LEGACY_H_ */
