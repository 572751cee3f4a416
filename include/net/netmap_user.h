/*
 * net/netmap_user.h -- user-space helpers for netmap applications.
 *
 * This header owns the small inline layer applications use on top of the
 * ABI in netmap.h: locating the netmap_if, rings and buffers inside the
 * mapped region, walking ring indices, copying packets, and the D/RD/ND
 * debug macros whose output format the tools and their scripts rely on.
 * Those helpers never issue a system call.  With NETMAP_WITH_LIBS defined
 * before inclusion, it also provides the header-only legacy library
 * (nm_open, nm_close, nm_mmap, nm_inject, nm_dispatch, nm_nextpkt).
 *
 * User space only; it includes netmap.h (and so netmap_legacy.h).  Valid
 * as C (gnu99 or later) and C++11.
 */
#ifndef _NET_NETMAP_USER_H_
#define _NET_NETMAP_USER_H_

#ifdef __KERNEL__
#error "net/netmap_user.h is for user space; the kernel uses net/netmap.h"
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>		/* D() */
#include <string.h>		/* nm_pkt_copy() */
#include <sys/time.h>		/* D(), RD() */
#include <sys/types.h>
/*
 * What the original header includes and real clients rely on: libpcap's pcap-netmap.c uses
 * struct ifreq and IFF_PROMISC with only this header.  Before netmap.h, so that <net/if.h>
 * defines IFNAMSIZ first (netmap.h defines it only when missing).
 */
#include <sys/socket.h>
#include <net/if.h>

#include "netmap.h"

#define NETMAP_DEVICE_NAME	"/dev/netmap"

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

/*
 * Everything in the region is addressed by offsets (nr_offset, ring_ofs[],
 * buf_ofs) so that each process can map it anywhere.  These macros turn
 * the offsets back into pointers.
 */
#define _NETMAP_OFFSET(type, ptr, offset)				\
	((type)(void *)((char *)(ptr) + (offset)))

/* The fd's netmap_if, from the mmap base and nmreq_register.nr_offset. */
#define NETMAP_IF(_base, _ofs)	_NETMAP_OFFSET(struct netmap_if *, _base, _ofs)

/* TX ring i; host TX ring j is i = ni_tx_rings + j. */
#define NETMAP_TXRING(nifp, index)					\
	_NETMAP_OFFSET(struct netmap_ring *, nifp, (nifp)->ring_ofs[index])

/* RX ring i; RX entries follow all TX entries, host ones included. */
#define NETMAP_RXRING(nifp, index)					\
	_NETMAP_OFFSET(struct netmap_ring *, nifp,			\
		(nifp)->ring_ofs[(index) + (nifp)->ni_tx_rings +	\
				 (nifp)->ni_host_tx_rings])

/*
 * Buffer i of the region, reached from any of its rings.  The size_t cast
 * keeps index * size from wrapping at 4 GiB in large regions.
 */
#define NETMAP_BUF(ring, index)						\
	((char *)(ring) + (ring)->buf_ofs +				\
	 ((size_t)(index) * (ring)->nr_buf_size))

/* Inverse of NETMAP_BUF: the index of the buffer starting at buf. */
#define NETMAP_BUF_IDX(ring, buf)					\
	(((char *)(buf) - ((char *)(ring) + (ring)->buf_ofs)) /		\
	 (ring)->nr_buf_size)

/* Slot offsets (OPT_OFFSETS): low bits of slot->ptr under offset_mask. */
#define NETMAP_ROFFSET(ring, slot)					\
	((slot)->ptr & (ring)->offset_mask)

#define NETMAP_WOFFSET(ring, slot, offset)				\
	do {								\
		(slot)->ptr = ((slot)->ptr & ~(ring)->offset_mask) |	\
			      ((offset) & (ring)->offset_mask);		\
	} while (0)

#define NETMAP_BUF_OFFSET(ring, slot)					\
	(NETMAP_BUF(ring, (slot)->buf_idx) + NETMAP_ROFFSET(ring, slot))

/* Index after i; rings need not have a power-of-two size, so no masking. */
static inline uint32_t
nm_ring_next(const struct netmap_ring *r, uint32_t i)
{
	return unlikely(i + 1 == r->num_slots) ? 0 : i + 1;
}

/* Slots the application owns: [head, tail), modulo num_slots. */
static inline uint32_t
nm_ring_space(const struct netmap_ring *r)
{
	int ret = (int)(r->tail - r->head);

	if (ret < 0)
		ret += (int)r->num_slots;
	return (uint32_t)ret;
}

/*
 * On a TX ring the kernel keeps one slot empty, so everything has been
 * sent exactly when tail sits just before head.
 */
static inline int
nm_tx_pending(const struct netmap_ring *r)
{
	return nm_ring_next(r, r->tail) != r->head;
}

/*
 * Copy a packet between buffers.  Short whole-cache-line lengths, the
 * common case for small frames, are copied in fixed 64-byte steps that the
 * compiler turns into plain word moves instead of a libc call; fixed-size
 * memcpy keeps that free of alignment and aliasing assumptions, since
 * callers may pass buffers at odd offsets (e.g. after a virtio header).
 */
static inline void
nm_pkt_copy(const void *_src, void *_dst, int l)
{
	const char *src = (const char *)_src;
	char *dst = (char *)_dst;

	if (unlikely(l <= 0))
		return;		/* a negative length would mean a huge memcpy */
	if (unlikely(l >= 1024 || (l % 64) != 0)) {
		memcpy(dst, src, (size_t)l);
		return;
	}
	for (; l > 0; l -= 64, src += 64, dst += 64)
		memcpy(dst, src, 64);
}

/*
 * Debug output.  The "SSS.UUUUUU func [line] " prefix is parsed by scripts
 * reading tool output, so keep it exactly.  A program that defines ND
 * before including this header provides its own D, RD and ND.
 */
#ifndef ND
#define ND(_fmt, ...)	do {} while (0)

#define D(_fmt, ...)							\
	do {								\
		struct timeval _nm_d_tv;				\
		gettimeofday(&_nm_d_tv, NULL);				\
		fprintf(stderr, "%03d.%06d %s [%d] " _fmt "\n",		\
			(int)(_nm_d_tv.tv_sec % 1000),			\
			(int)_nm_d_tv.tv_usec,				\
			__func__, __LINE__, ##__VA_ARGS__);		\
	} while (0)

/*
 * Like D, at most lps lines per second.  The counters are static in the
 * expansion, so each call site has its own budget (not thread-safe; a
 * race only lets an extra line through).
 */
#define RD(lps, _fmt, ...)						\
	do {								\
		static time_t _nm_rd_sec;				\
		static int _nm_rd_cnt;					\
		struct timeval _nm_rd_tv;				\
		gettimeofday(&_nm_rd_tv, NULL);				\
		if (_nm_rd_sec != _nm_rd_tv.tv_sec) {			\
			_nm_rd_sec = _nm_rd_tv.tv_sec;			\
			_nm_rd_cnt = 0;					\
		}							\
		if (_nm_rd_cnt < (lps)) {				\
			_nm_rd_cnt++;					\
			D(_fmt, ##__VA_ARGS__);				\
		}							\
	} while (0)
#endif /* !ND */

/*
 * The legacy header-only library (API document section 9.2): nm_open,
 * nm_close, nm_mmap, nm_inject, nm_dispatch and nm_nextpkt, compiled into
 * the application as static functions.  It talks to the kernel with the
 * legacy NIOCREGIF and parses names with the legacy grammar (section 6.2):
 *
 *   netmap:NAME[-N | {N | }N | ^ | *][/xztrRT][@MEMID]     NAME < 16 chars
 *   valeB:PORT[...same...]
 *
 * The ring ranges come from the mode, not from scanning ring_ofs[]; the
 * functions that walk rings still skip entries that are 0 (unbound), so a
 * TX-only binding never makes them touch a ring that is not there.
 */
/*
 * Copies one packet of `size` bytes into `ring` at cur, split over as many slots as its buffers
 * require (NS_MOREFRAG on all but the last), and advances head and cur past it.  Returns 1, or 0
 * when the ring has no room, or -1 when the packet would need more than NETMAP_MAX_FRAGS slots.
 * No system call.  The one implementation behind nmport_inject() and the legacy nm_inject().
 */
static inline int
nm_ring_inject_(struct netmap_ring *ring, const void *buf, size_t size)
{
	const char *src = (const char *)buf;
	size_t left = size, bsize = ring->nr_buf_size;
	size_t need = size ? (size + bsize - 1) / bsize : 1;
	uint32_t i;

	if (need > NETMAP_MAX_FRAGS)
		return -1;
	if (nm_ring_space(ring) < need)
		return 0;
	for (i = ring->cur;; i = nm_ring_next(ring, i)) {
		struct netmap_slot *slot = &ring->slot[i];
		size_t l = left < bsize ? left : bsize;

		memcpy(NETMAP_BUF(ring, slot->buf_idx), src, l);
		slot->len = (uint16_t)l;
		left -= l;
		src += l;
		slot->flags = (uint16_t)((slot->flags & NS_BUF_CHANGED) |
					 (left ? NS_MOREFRAG : 0));
		if (!left)
			break;
	}
	ring->head = ring->cur = nm_ring_next(ring, i);
	return 1;
}

#ifdef NETMAP_WITH_LIBS

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define NM_ERRBUF_SIZE	512

/* nm_pkthdr.flags: more packets follow in this nm_dispatch call. */
#define NM_MORE_PKTS	1

/* What nm_dispatch and nm_nextpkt report; the first three fields match pcap_pkthdr. */
struct nm_desc;
struct nm_pkthdr {
	struct timeval ts;		/* ring->ts of the ring the packet came from */
	uint32_t caplen;		/* bytes readable at buf */
	uint32_t len;			/* bytes in the packet */
	uint64_t flags;			/* NM_MORE_PKTS */
	struct nm_desc *d;
	struct netmap_slot *slot;	/* its first slot */
	uint8_t *buf;			/* its first byte */
};
NM_ABI_SIZE(struct nm_pkthdr, 56, 8);
NM_ABI_FIELD(struct nm_pkthdr, ts, 0, 16);
NM_ABI_FIELD(struct nm_pkthdr, caplen, 16, 4);
NM_ABI_FIELD(struct nm_pkthdr, len, 20, 4);
NM_ABI_FIELD(struct nm_pkthdr, flags, 24, 8);
NM_ABI_FIELD(struct nm_pkthdr, d, 32, 8);
NM_ABI_FIELD(struct nm_pkthdr, slot, 40, 8);
NM_ABI_FIELD(struct nm_pkthdr, buf, 48, 8);

/* pcap_stat-compatible counters. */
struct nm_stat {
	uint32_t ps_recv;
	uint32_t ps_drop;
	uint32_t ps_ifdrop;
};
NM_ABI_SIZE(struct nm_stat, 12, 4);

struct nm_desc {
	struct nm_desc *self;		/* == this descriptor while valid */
	int fd;
	void *mem;			/* the region */
	size_t memsize;
	int done_mmap;			/* this descriptor mapped mem */
	struct netmap_if *nifp;
	uint16_t first_tx_ring, last_tx_ring, cur_tx_ring;
	uint16_t first_rx_ring, last_rx_ring, cur_rx_ring;
	struct nmreq req;		/* the NIOCREGIF request and reply */
	struct nm_pkthdr hdr;		/* what nm_dispatch hands out */
	const struct netmap_ring *some_ring;	/* a bound ring, for buffers */
	const void *buf_start;		/* buffer 0 */
	const void *buf_end;		/* end of the mapping */
	int snaplen;			/* pcap compatibility */
	int promisc;
	int to_ms;
	char *errbuf;
	uint32_t if_flags;
	uint32_t if_reqcap;
	uint32_t if_curcap;
	struct nm_stat st;
	char msg[NM_ERRBUF_SIZE];
};
NM_ABI_SIZE(struct nm_desc, 760, 8);
NM_ABI_FIELD(struct nm_desc, self, 0, 8);
NM_ABI_FIELD(struct nm_desc, fd, 8, 4);
NM_ABI_FIELD(struct nm_desc, mem, 16, 8);
NM_ABI_FIELD(struct nm_desc, memsize, 24, 8);
NM_ABI_FIELD(struct nm_desc, done_mmap, 32, 4);
NM_ABI_FIELD(struct nm_desc, nifp, 40, 8);
NM_ABI_FIELD(struct nm_desc, first_tx_ring, 48, 2);
NM_ABI_FIELD(struct nm_desc, last_tx_ring, 50, 2);
NM_ABI_FIELD(struct nm_desc, cur_tx_ring, 52, 2);
NM_ABI_FIELD(struct nm_desc, first_rx_ring, 54, 2);
NM_ABI_FIELD(struct nm_desc, last_rx_ring, 56, 2);
NM_ABI_FIELD(struct nm_desc, cur_rx_ring, 58, 2);
NM_ABI_FIELD(struct nm_desc, req, 60, 60);
NM_ABI_FIELD(struct nm_desc, hdr, 120, 56);
NM_ABI_FIELD(struct nm_desc, some_ring, 176, 8);
NM_ABI_FIELD(struct nm_desc, buf_start, 184, 8);
NM_ABI_FIELD(struct nm_desc, buf_end, 192, 8);
NM_ABI_FIELD(struct nm_desc, snaplen, 200, 4);
NM_ABI_FIELD(struct nm_desc, promisc, 204, 4);
NM_ABI_FIELD(struct nm_desc, to_ms, 208, 4);
NM_ABI_FIELD(struct nm_desc, errbuf, 216, 8);
NM_ABI_FIELD(struct nm_desc, if_flags, 224, 4);
NM_ABI_FIELD(struct nm_desc, if_reqcap, 228, 4);
NM_ABI_FIELD(struct nm_desc, if_curcap, 232, 4);
NM_ABI_FIELD(struct nm_desc, st, 236, 12);
NM_ABI_FIELD(struct nm_desc, msg, 248, NM_ERRBUF_SIZE);

#define P2NMD(p)		((struct nm_desc *)(p))
#define IS_NETMAP_DESC(d)	((d) && P2NMD(d)->self == P2NMD(d))
#define NETMAP_FD(d)		(P2NMD(d)->fd)

/* The nm_dispatch callback; pcap_handler-compatible. */
typedef void (*nm_cb_t)(unsigned char *arg, const struct nm_pkthdr *h,
			const unsigned char *buf);

/*
 * nm_open flags.  The low 16 bits are reserved for nmreq data: the
 * NETMAP_NO_TX_POLL and NETMAP_DO_RX_POLL bits given here go to nr_ringid.
 */
#define NM_OPEN_NO_MMAP		0x040000	/* reuse the parent's mapping */
#define NM_OPEN_IFNAME		0x080000	/* name, ringid, flags: parent */
#define NM_OPEN_ARG1		0x100000	/* nr_arg1 from the parent */
#define NM_OPEN_ARG2		0x200000	/* nr_arg2 (mem id) from it */
#define NM_OPEN_ARG3		0x400000	/* nr_arg3 (extra bufs) from it */
#define NM_OPEN_RING_CFG	0x800000	/* ring and slot counts from it */

/* Every function below is static: a program that uses only some of them
 * must still build with -Wall -Werror. */
#define NM_LEGACY_FN	static __attribute__((__unused__))

NM_LEGACY_FN int
nm_legacy_identchar_(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* Digits at *p into *out (at most max); 0, or -1 if none or too large. */
NM_LEGACY_FN int
nm_legacy_number_(const char **p, unsigned long max, unsigned long *out)
{
	const char *s = *p;
	unsigned long v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -1;
	}
	*p = s;
	*out = v;
	return 0;
}

/*
 * The legacy grammar into r (name, mode bits of nr_flags, flags, ring id,
 * nr_arg2).  0, or an errno with a message in msg.
 */
NM_LEGACY_FN int
nm_legacy_parse_(const char *ifname, struct nmreq *r, char *msg, size_t len)
{
	const char *name, *p;
	uint32_t mode = NR_REG_ALL_NIC, flags = 0;
	unsigned long n, ringid = 0;
	size_t namelen;
	int memid_seen = 0;

	if (strncmp(ifname, "vale", 4) == 0) {
		name = ifname;
		for (p = ifname + 4; nm_legacy_identchar_(*p); p++)
			;
		if (*p != ':') {
			snprintf(msg, len, "%s: invalid VALE switch name "
				 "(expected valeXXX:PORT)", ifname);
			return EINVAL;
		}
		for (p++; nm_legacy_identchar_(*p); p++)
			;
		if (p[-1] == ':' ||
		    (*p && !strchr("-*^{}/@", *p))) {
			snprintf(msg, len, "%s: the VALE port part must be "
				 "letters, digits or '_'", ifname);
			return EINVAL;
		}
	} else {
		name = ifname + 7;	/* "netmap:" */
		for (p = name; *p && !strchr("-*^{}/@", *p); p++)
			;
	}
	namelen = (size_t)(p - name);
	if (namelen == 0) {
		snprintf(msg, len, "%s: empty port name", ifname);
		return EINVAL;
	}
	if (namelen >= IFNAMSIZ) {
		snprintf(msg, len, "%s: name '%.*s' too long (at most %d "
			 "characters)", ifname, (int)namelen, name, IFNAMSIZ - 1);
		return EINVAL;
	}
	switch (*p) {
	case '-':
	case '{':
	case '}':
		mode = *p == '-' ? NR_REG_ONE_NIC : *p == '{' ?
		       NR_REG_PIPE_MASTER : NR_REG_PIPE_SLAVE;
		p++;
		if (nm_legacy_number_(&p, NETMAP_RING_MASK - 1, &ringid)) {
			snprintf(msg, len, "%s: '%c' needs a ring number from 0 "
				 "to %d", ifname, p[-1], NETMAP_RING_MASK - 1);
			return EINVAL;
		}
		break;
	case '^':
		mode = NR_REG_SW;
		p++;
		break;
	case '*':
		mode = NR_REG_NIC_SW;
		p++;
		break;
	}
	while (*p) {
		if (*p == '/') {
			if (!p[1] || p[1] == '/' || p[1] == '@') {
				snprintf(msg, len, "%s: '/' without flags", ifname);
				return EINVAL;
			}
			for (p++; *p && *p != '/' && *p != '@'; p++) {
				switch (*p) {
				case 'x': flags |= NR_EXCLUSIVE; break;
				case 'z': flags |= NR_ZCOPY_MON; break;
				case 't': flags |= NR_MONITOR_TX; break;
				case 'r': flags |= NR_MONITOR_RX; break;
				case 'R': flags |= NR_RX_RINGS_ONLY; break;
				case 'T': flags |= NR_TX_RINGS_ONLY; break;
				default:
					snprintf(msg, len, "%s: unknown flag '%c'",
						 ifname, *p);
					return EINVAL;
				}
			}
		} else if (*p == '@') {
			p++;
			if (memid_seen ||
			    nm_legacy_number_(&p, 0xffff, &n) || n == 0) {
				snprintf(msg, len, "%s: '@' needs one memory id "
					 "from 1 to 65535", ifname);
				return EINVAL;
			}
			memid_seen = 1;
			r->nr_arg2 = (uint16_t)n;
		} else {
			snprintf(msg, len, "%s: unexpected '%s'", ifname, p);
			return EINVAL;
		}
	}
	memset(r->nr_name, 0, sizeof(r->nr_name));
	memcpy(r->nr_name, name, namelen);
	r->nr_ringid = (uint16_t)ringid;
	r->nr_flags = (r->nr_flags & ~(uint32_t)NR_REG_MASK) | mode | flags;
	return 0;
}

/*
 * Maps the region, or reuses the mapping of parent if it is a valid mapped
 * descriptor of the same mem id; then finds nifp, some_ring and the buffer
 * bounds.  0, or an errno.
 */
NM_LEGACY_FN int
nm_mmap(struct nm_desc *d, const struct nm_desc *parent)
{
	uint32_t rx;

	if (IS_NETMAP_DESC(parent) && parent->mem &&
	    parent->req.nr_arg2 == d->req.nr_arg2) {
		d->mem = parent->mem;
		d->memsize = parent->memsize;
		d->done_mmap = 0;
	} else {
		d->memsize = d->req.nr_memsize;
		d->mem = mmap(NULL, d->memsize, PROT_READ | PROT_WRITE,
			      MAP_SHARED, d->fd, 0);
		if (d->mem == MAP_FAILED) {
			int err = errno;

			snprintf(d->msg, sizeof(d->msg), "mmap of %zu bytes "
				 "failed: %s", d->memsize, strerror(err));
			d->mem = NULL;
			errno = err;
			return err;
		}
		d->done_mmap = 1;
	}
	d->nifp = NETMAP_IF(d->mem, d->req.nr_offset);
	rx = d->first_rx_ring + d->nifp->ni_tx_rings +
	     d->nifp->ni_host_tx_rings;
	if (d->nifp->ring_ofs[rx])
		d->some_ring = NETMAP_RXRING(d->nifp, d->first_rx_ring);
	else
		d->some_ring = NETMAP_TXRING(d->nifp, d->first_tx_ring);
	d->buf_start = NETMAP_BUF(d->some_ring, 0);
	d->buf_end = (char *)d->mem + d->memsize;
	return 0;
}

NM_LEGACY_FN int
nm_close(struct nm_desc *d)
{
	if (!IS_NETMAP_DESC(d))
		return EINVAL;
	if (d->done_mmap && d->mem)
		munmap(d->mem, d->memsize);
	if (d->fd >= 0)
		close(d->fd);
	memset(d, 0, sizeof(*d));	/* self = NULL: no longer valid */
	free(d);
	return 0;
}

/* Rings bound according to the registration mode, inclusive. */
NM_LEGACY_FN void
nm_legacy_rings_(struct nm_desc *d)
{
	uint32_t mode = d->req.nr_flags & NR_REG_MASK;
	uint16_t ntx = d->req.nr_tx_rings, nrx = d->req.nr_rx_rings;
	uint16_t id = d->req.nr_ringid & NETMAP_RING_MASK;

	if (mode == NR_REG_DEFAULT)
		mode = (d->req.nr_ringid & NETMAP_SW_RING) ? NR_REG_SW :
		       (d->req.nr_ringid & NETMAP_HW_RING) ? NR_REG_ONE_NIC :
		       NR_REG_ALL_NIC;
	switch (mode) {
	case NR_REG_SW:
		d->first_tx_ring = d->last_tx_ring = ntx;
		d->first_rx_ring = d->last_rx_ring = nrx;
		break;
	case NR_REG_ALL_NIC:
		d->first_tx_ring = d->first_rx_ring = 0;
		d->last_tx_ring = ntx ? ntx - 1 : 0;
		d->last_rx_ring = nrx ? nrx - 1 : 0;
		break;
	case NR_REG_NIC_SW:
		d->first_tx_ring = d->first_rx_ring = 0;
		d->last_tx_ring = ntx;
		d->last_rx_ring = nrx;
		break;
	case NR_REG_ONE_NIC:
		d->first_tx_ring = d->last_tx_ring = id;
		d->first_rx_ring = d->last_rx_ring = id;
		break;
	default:
		d->first_tx_ring = d->last_tx_ring = 0;
		d->first_rx_ring = d->last_rx_ring = 0;
		break;
	}
	d->cur_tx_ring = d->first_tx_ring;
	d->cur_rx_ring = d->first_rx_ring;
}

NM_LEGACY_FN struct nm_desc *
nm_open(const char *ifname, const struct nmreq *req, uint64_t new_flags,
	const struct nm_desc *arg)
{
	const struct nm_desc *parent = IS_NETMAP_DESC(arg) ? arg : NULL;
	char msg[NM_ERRBUF_SIZE];
	struct nm_desc *d;
	struct nmreq r;
	int err;

	if (!ifname || (strncmp(ifname, "netmap:", 7) != 0 &&
			strncmp(ifname, "vale", 4) != 0)) {
		errno = 0;	/* not a netmap name: the caller may try others */
		return NULL;
	}
	if (req)
		r = *req;
	else
		memset(&r, 0, sizeof(r));
	if (!(new_flags & NM_OPEN_IFNAME)) {
		err = nm_legacy_parse_(ifname, &r, msg, sizeof(msg));
		if (err) {
			fprintf(stderr, "nm_open: %s\n", msg);
			errno = err;
			return NULL;
		}
	}
	r.nr_version = NETMAP_API;
	r.nr_ringid &= NETMAP_RING_MASK;
	if (parent && new_flags) {
		r.nr_arg1 = (new_flags & NM_OPEN_ARG1) ? parent->req.nr_arg1 : 4;
		if (new_flags & NM_OPEN_ARG2)
			r.nr_arg2 = parent->req.nr_arg2;
		r.nr_arg3 = (new_flags & NM_OPEN_ARG3) ? parent->req.nr_arg3 : 0;
		if (new_flags & NM_OPEN_RING_CFG) {
			r.nr_tx_slots = parent->req.nr_tx_slots;
			r.nr_rx_slots = parent->req.nr_rx_slots;
			r.nr_tx_rings = parent->req.nr_tx_rings;
			r.nr_rx_rings = parent->req.nr_rx_rings;
		}
		if (new_flags & NM_OPEN_IFNAME) {
			memcpy(r.nr_name, parent->req.nr_name, sizeof(r.nr_name));
			r.nr_ringid = parent->req.nr_ringid;
			r.nr_flags = parent->req.nr_flags;
		}
	}
	r.nr_ringid |= (uint16_t)(new_flags & (NETMAP_NO_TX_POLL |
					       NETMAP_DO_RX_POLL));

	d = (struct nm_desc *)calloc(1, sizeof(*d));
	if (!d) {
		fprintf(stderr, "nm_open: %s: out of memory\n", ifname);
		errno = ENOMEM;
		return NULL;
	}
	d->self = d;
	d->req = r;
	d->fd = open(NETMAP_DEVICE_NAME, O_RDWR);
	if (d->fd < 0) {
		err = errno;
		snprintf(d->msg, sizeof(d->msg), "cannot open %s: %s",
			 NETMAP_DEVICE_NAME, strerror(err));
		goto fail;
	}
	if (ioctl(d->fd, NIOCREGIF, &d->req) < 0) {
		err = errno;
		snprintf(d->msg, sizeof(d->msg), "NIOCREGIF failed: %s",
			 strerror(err));
		goto fail;
	}
	nm_legacy_rings_(d);
	if (!(new_flags & NM_OPEN_NO_MMAP) || parent) {
		err = nm_mmap(d, parent);
		if (err)
			goto fail;
	}
	return d;

fail:
	fprintf(stderr, "nm_open: %s: %s\n", ifname, d->msg);
	nm_close(d);
	errno = err ? err : EINVAL;
	return NULL;
}

/* Bound TX ring i, or NULL. */
NM_LEGACY_FN struct netmap_ring *
nm_legacy_txring_(const struct nm_desc *d, uint32_t i)
{
	if (i >= d->nifp->ni_tx_rings + d->nifp->ni_host_tx_rings ||
	    d->nifp->ring_ofs[i] == 0)
		return NULL;
	return NETMAP_TXRING(d->nifp, i);
}

/* Bound RX ring i, or NULL. */
NM_LEGACY_FN struct netmap_ring *
nm_legacy_rxring_(const struct nm_desc *d, uint32_t i)
{
	uint32_t base = d->nifp->ni_tx_rings + d->nifp->ni_host_tx_rings;

	if (i >= d->nifp->ni_rx_rings + d->nifp->ni_host_rx_rings ||
	    d->nifp->ring_ofs[base + i] == 0)
		return NULL;
	return NETMAP_RXRING(d->nifp, i);
}

/*
 * Copies one packet into the first bound TX ring with room, from
 * cur_tx_ring on; splits it with NS_MOREFRAG over several buffers if
 * needed.  No system call.  Returns size, or 0 if no ring has room.
 */
NM_LEGACY_FN int
nm_inject(struct nm_desc *d, const void *buf, size_t size)
{
	uint32_t k, n, ri;
	int done;

	if (!d->nifp || d->first_tx_ring > d->last_tx_ring)
		return 0;
	n = (uint32_t)(d->last_tx_ring - d->first_tx_ring) + 1;
	ri = d->cur_tx_ring;
	for (k = 0; k < n; k++, ri = ri >= d->last_tx_ring ?
				     d->first_tx_ring : ri + 1) {
		struct netmap_ring *ring;

		if (ri < d->first_tx_ring || ri > d->last_tx_ring)
			ri = d->first_tx_ring;
		ring = nm_legacy_txring_(d, ri);
		if (!ring)
			continue;
		done = nm_ring_inject_(ring, buf, size);
		if (done < 0)
			return 0;
		if (done == 0)
			continue;
		d->cur_tx_ring = (uint16_t)ri;
		return (int)size;
	}
	return 0;
}

/*
 * The first bound RX ring with something to read, from *ri on (at most one
 * round); *ri becomes its index.  NULL if all are empty.
 */
NM_LEGACY_FN struct netmap_ring *
nm_legacy_next_rx_(const struct nm_desc *d, uint32_t *ri)
{
	uint32_t k, n, i = *ri;

	if (!d->nifp || d->first_rx_ring > d->last_rx_ring)
		return NULL;
	n = (uint32_t)(d->last_rx_ring - d->first_rx_ring) + 1;
	for (k = 0; k < n; k++, i = i >= d->last_rx_ring ?
				    d->first_rx_ring : i + 1) {
		struct netmap_ring *ring;

		if (i < d->first_rx_ring || i > d->last_rx_ring)
			i = d->first_rx_ring;
		ring = nm_legacy_rxring_(d, i);
		if (ring && ring->cur != ring->tail) {
			*ri = i;
			return ring;
		}
	}
	return NULL;
}

/*
 * pcap-style receive: up to cnt packets (0 or -1: all available), draining
 * the bound RX rings round-robin from cur_rx_ring.  A packet is a run of
 * slots ending with one without NS_MOREFRAG; len sums them, caplen covers
 * the bytes readable at buf (fragments stay counted while each buffer was
 * full and the next one follows it in memory).  Each packet is released
 * (head = cur past it) before cb sees it; hdr.flags is NM_MORE_PKTS except
 * on the last call.  No system call.  Returns the number of packets.
 */
NM_LEGACY_FN int
nm_dispatch(struct nm_desc *d, int cnt, nm_cb_t cb, unsigned char *arg)
{
	uint32_t ri = d->cur_rx_ring;
	struct netmap_ring *ring = nm_legacy_next_rx_(d, &ri);
	int got = 0;

	if (cnt == 0)
		cnt = -1;
	while (ring && (cnt < 0 || got < cnt)) {
		uint32_t i = ring->cur, j;
		struct netmap_slot *slot = &ring->slot[i];
		uint8_t *buf = (uint8_t *)NETMAP_BUF(ring, slot->buf_idx);
		const char *prev = (const char *)buf;
		uint32_t prevlen = slot->len;
		int contiguous = 1;

		d->hdr.ts = ring->ts;
		d->hdr.len = d->hdr.caplen = slot->len;
		for (j = nm_ring_next(ring, i);
		     (ring->slot[i].flags & NS_MOREFRAG) && j != ring->tail;
		     i = j, j = nm_ring_next(ring, j)) {
			struct netmap_slot *s = &ring->slot[j];
			const char *b = NETMAP_BUF(ring, s->buf_idx);

			d->hdr.len += s->len;
			if (contiguous && prevlen == ring->nr_buf_size &&
			    b == prev + ring->nr_buf_size)
				d->hdr.caplen += s->len;
			else
				contiguous = 0;
			prev = b;
			prevlen = s->len;
		}
		ring->head = ring->cur = j;
		got++;
		d->hdr.d = d;
		d->hdr.slot = slot;
		d->hdr.buf = buf;
		ring = (cnt < 0 || got < cnt) ? nm_legacy_next_rx_(d, &ri) : NULL;
		d->hdr.flags = ring ? NM_MORE_PKTS : 0;
		d->cur_rx_ring = (uint16_t)ri;
		cb(arg, &d->hdr, buf);
	}
	return got;
}

/*
 * The next slot of the bound RX rings, round-robin from cur_rx_ring: fills
 * ts, len and caplen (both the slot's len), releases the slot and returns
 * its buffer; NULL if every ring is empty.  No system call.
 */
NM_LEGACY_FN unsigned char *
nm_nextpkt(struct nm_desc *d, struct nm_pkthdr *hdr)
{
	uint32_t ri = d->cur_rx_ring;
	struct netmap_ring *ring = nm_legacy_next_rx_(d, &ri);
	struct netmap_slot *slot;
	unsigned char *buf;

	if (!ring)
		return NULL;
	slot = &ring->slot[ring->cur];
	buf = (unsigned char *)NETMAP_BUF(ring, slot->buf_idx);
	hdr->ts = ring->ts;
	hdr->len = hdr->caplen = slot->len;
	hdr->flags = 0;
	hdr->d = d;
	hdr->slot = slot;
	hdr->buf = buf;
	ring->head = ring->cur = nm_ring_next(ring, ring->cur);
	d->cur_rx_ring = (uint16_t)ri;
	return buf;
}

#endif /* NETMAP_WITH_LIBS */

#endif /* _NET_NETMAP_USER_H_ */
