/*
 * net/netmap_user.h -- user-space helpers for netmap applications.
 *
 * This header owns the small inline layer applications use on top of the
 * ABI in netmap.h: locating the netmap_if, rings and buffers inside the
 * mapped region, walking ring indices, copying packets, and the D/RD/ND
 * debug macros whose output format the tools and their scripts rely on.
 * It never issues a system call.  The header-only legacy nm_open library
 * (NETMAP_WITH_LIBS) will also live here; it is not written yet.
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
 * The legacy header-only library (nm_open, nm_close, nm_inject,
 * nm_dispatch, nm_nextpkt, ...).  Fail loudly rather than leave a program
 * that asked for it with undefined symbols.
 */
#ifdef NETMAP_WITH_LIBS
#error "legacy nm_open API not implemented yet"
#endif /* NETMAP_WITH_LIBS */

#endif /* _NET_NETMAP_USER_H_ */
