/*
 * net/netmap.h -- the netmap API 14 ABI shared by the kernel module and
 * applications.
 *
 * This header owns everything whose binary layout or numeric value crosses
 * the user/kernel boundary: the structures living in the shared memory
 * region (netmap_slot, netmap_ring, netmap_if), the NIOCCTRL request header,
 * bodies and options, the CSB entries, every flag, mode, request and option
 * number, and the ioctl numbers.  Programs built against the original netmap
 * headers run on our module unchanged, so every size and offset below is
 * pinned with a compile-time assertion; a change that trips one of them is
 * an ABI break, not a tidy-up.
 *
 * It compiles as user-space C (gnu99 or later), as C++ (C++11 or later) and
 * inside the Linux kernel (__KERNEL__).  The legacy NIOCREGIF interface lives
 * in netmap_legacy.h, included at the end; user-space helpers live in
 * netmap_user.h.  Targets x86_64 (LP64) only.
 */
#ifndef _NET_NETMAP_H_
#define _NET_NETMAP_H_

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/ioctl.h>
#include <linux/time_types.h>
#else
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#endif

/*
 * The one place where kernel and user space disagree on a type name.
 * netmap_ring.ts is a 16-byte { seconds, microseconds } pair.  User space
 * must see a plain struct timeval (programs copy it into pcap-style headers),
 * but the kernel no longer has struct timeval; its __kernel_old_timeval is
 * the identical 64-bit layout.  The assertion on netmap_ring pins the size.
 */
#ifdef __KERNEL__
#define NM_TIMEVAL	struct __kernel_old_timeval
#else
#define NM_TIMEVAL	struct timeval
#endif

/*
 * Fields the kernel sets up once and the application must only read.  They
 * are const for applications, as in the original, so a stray write fails to
 * compile; the kernel initialises them, so there they are plain.
 */
#if defined(__KERNEL__) || defined(NETMAP_CORE)	/* the core also builds in user space */
#define NM_UCONST
#else
#define NM_UCONST	const
#endif

/* Compile-time ABI checks that work in C (any gnu mode) and in C++11. */
#ifdef __cplusplus
#define NM_ABI_ASSERT(cond, msg)	static_assert(cond, msg)
#else
/* __extension__ keeps -std=c99 -pedantic users quiet. */
#define NM_ABI_ASSERT(cond, msg)	__extension__ _Static_assert(cond, msg)
#endif
#define NM_ABI_SIZE(type, size, align)					\
	NM_ABI_ASSERT(sizeof(type) == (size) &&				\
		      __alignof__(type) == (align),			\
		      "netmap ABI: size/alignment of " #type)
#define NM_ABI_FIELD(type, field, off, size)				\
	NM_ABI_ASSERT(offsetof(type, field) == (off) &&			\
		      sizeof(((type *)0)->field) == (size),		\
		      "netmap ABI: offset/size of " #type "." #field)
/* Flexible array member: where it starts and how big one entry is. */
#define NM_ABI_FLEX(type, field, off, esize)				\
	NM_ABI_ASSERT(offsetof(type, field) == (off) &&			\
		      sizeof(((type *)0)->field[0]) == (esize),		\
		      "netmap ABI: offset/entry size of " #type "." #field)

/* ---------------------------------------------------------------------- */
/* Versions                                                               */

#define NETMAP_API	14	/* what our headers and libraries speak */
#define NETMAP_MIN_API	14	/* NIOCCTRL accepts nr_version in [MIN, MAX] */
#define NETMAP_MAX_API	15

/* ---------------------------------------------------------------------- */
/* Limits and miscellaneous constants                                     */

#ifndef IFNAMSIZ
#define IFNAMSIZ	16	/* same tokens as <linux/if.h>, so no clash */
#endif
#define NETMAP_REQ_IFNAMSIZ	64	/* nmreq_header.nr_name */
#define NETMAP_REQ_MAXSIZE	4096	/* body + all options of one request */
#define NM_CACHE_ALIGN		128	/* alignment of netmap_ring.sem */
#define NETMAP_MAX_FRAGS	64	/* slots per multi-slot packet */
#define NM_BDG_NAME		"vale"	/* prefix of VALE switch names */

#define NETMAP_POLLING_MODE_SINGLE_CPU	1
#define NETMAP_POLLING_MODE_MULTI_CPU	2

#define NM_OPT_SYNC_KLOOP_DIRECT_TX	1
#define NM_OPT_SYNC_KLOOP_DIRECT_RX	2

/* ---------------------------------------------------------------------- */
/* Shared memory: slots, rings, interfaces                                */

/*
 * Writer legend for shared-memory fields:
 *   (k)   only the kernel writes it,
 *   (u)   only the application writes it,
 *   (k/u) whoever currently owns the slot or ring part writes it.
 * Ownership of slots follows the ring protocol: [head, tail) belongs to
 * the application, [tail, head) to the kernel.
 */

struct netmap_slot {
	uint32_t buf_idx;	/* (k/u) a swapped-in buffer must be flagged
				 * NS_BUF_CHANGED so drivers remap it */
	uint16_t len;		/* (k/u) bytes in this fragment */
	uint16_t flags;		/* (k/u) NS_*; bits 8-15 count fragments on
				 * VALE RX */
	uint64_t ptr;		/* (u) NS_INDIRECT payload address, or the
				 * buffer offset under offset_mask */
};
NM_ABI_SIZE(struct netmap_slot, 16, 8);
NM_ABI_FIELD(struct netmap_slot, buf_idx, 0, 4);
NM_ABI_FIELD(struct netmap_slot, len, 4, 2);
NM_ABI_FIELD(struct netmap_slot, flags, 6, 2);
NM_ABI_FIELD(struct netmap_slot, ptr, 8, 8);

/* netmap_slot.flags */
#define NS_BUF_CHANGED	0x0001	/* (u, k on swaps) buf_idx changed */
#define NS_REPORT	0x0002	/* (u) ask for a TX completion event */
#define NS_FORWARD	0x0004	/* (u) transparent mode: pass it on */
#define NS_NO_LEARN	0x0008	/* (u) VALE: skip MAC learning */
#define NS_INDIRECT	0x0010	/* (u) VALE TX: payload is at slot.ptr */
#define NS_MOREFRAG	0x0020	/* (k/u) packet continues in next slot */
#define NS_TXMON	0x0040	/* (k) monitor: frame seen on TX side */
#define NS_PORT_SHIFT	8
#define NS_PORT_MASK	(0xff << NS_PORT_SHIFT)
/* VALE RX: number of fragments of the packet this slot belongs to. */
#define NS_RFRAGS(_slot)	(((_slot)->flags >> 8) & 0xff)

/*
 * A ring: a 256-byte header followed by num_slots slots.  buf_ofs is
 * relative to the ring itself so that every process, whatever address it
 * mapped the region at, finds buffer i at the same place.
 */
struct netmap_ring {
	NM_UCONST int64_t buf_ofs;	/* (k) buffer pool - this ring */
	NM_UCONST uint32_t num_slots;	/* (k) any value, not only 2^n */
	NM_UCONST uint32_t nr_buf_size;	/* (k) */
	NM_UCONST uint16_t ringid;	/* (k) NIC rings first, then host */
	NM_UCONST uint16_t dir;		/* (k) 1 = TX, 0 = RX: what the
					 * original kernel really writes */

	uint32_t head;			/* (u) first slot owned by the app */
	uint32_t cur;			/* (u) poll wakes when tail passes it */
	uint32_t tail;			/* (k) first slot owned by the kernel */

	uint32_t flags;			/* (u) NR_TIMESTAMP, NR_FORWARD */

	NM_TIMEVAL ts;			/* (k) time of the last RX sync */

	NM_UCONST uint64_t offset_mask;	/* (k) bits of slot.ptr holding the
					 * buffer offset; 0 without offsets */
	NM_UCONST uint64_t buf_align;	/* (k) TX start alignment with
					 * offsets; 0 otherwise */

	/*
	 * Opaque and never touched by the kernel.  Its alignment is what
	 * makes the header exactly 256 bytes and the slots start at 256.
	 */
	uint8_t sem[128] __attribute__((__aligned__(NM_CACHE_ALIGN)));

	/* __extension__: C++ has no flexible arrays, g++ and clang++ do. */
	__extension__ struct netmap_slot slot[]; /* (k/u) num_slots entries */
};
NM_ABI_SIZE(struct netmap_ring, 256, 128);
NM_ABI_FIELD(struct netmap_ring, buf_ofs, 0, 8);
NM_ABI_FIELD(struct netmap_ring, num_slots, 8, 4);
NM_ABI_FIELD(struct netmap_ring, nr_buf_size, 12, 4);
NM_ABI_FIELD(struct netmap_ring, ringid, 16, 2);
NM_ABI_FIELD(struct netmap_ring, dir, 18, 2);
NM_ABI_FIELD(struct netmap_ring, head, 20, 4);
NM_ABI_FIELD(struct netmap_ring, cur, 24, 4);
NM_ABI_FIELD(struct netmap_ring, tail, 28, 4);
NM_ABI_FIELD(struct netmap_ring, flags, 32, 4);
NM_ABI_FIELD(struct netmap_ring, ts, 40, 16);
NM_ABI_FIELD(struct netmap_ring, offset_mask, 56, 8);
NM_ABI_FIELD(struct netmap_ring, buf_align, 64, 8);
NM_ABI_FIELD(struct netmap_ring, sem, 128, 128);
NM_ABI_FLEX(struct netmap_ring, slot, 256, 16);

/* netmap_ring.flags */
#define NR_TIMESTAMP	0x0002	/* set ts on every RX sync, whatever the
				 * no_timestamp module parameter says */
#define NR_FORWARD	0x0004	/* honour NS_FORWARD on this RX ring */

/*
 * One netmap_if per registered file descriptor.  ring_ofs[] lists NIC TX,
 * host TX, NIC RX, host RX rings in that order; an entry is 0 when the
 * ring is not bound to this fd, which is how libraries find their rings.
 */
struct netmap_if {
	char ni_name[IFNAMSIZ];		/* (k) adapter name, NUL-terminated */
	NM_UCONST uint32_t ni_version;	/* (k) unused, 0 */
	NM_UCONST uint32_t ni_flags;	/* (k) NI_PRIV_MEM */
	NM_UCONST uint32_t ni_tx_rings;	/* (k) NIC TX rings of the adapter */
	NM_UCONST uint32_t ni_rx_rings;	/* (k) NIC RX rings of the adapter */
	uint32_t ni_bufs_head;		/* (k/u) extra-buffer list, 0 = none */
	NM_UCONST uint32_t ni_host_tx_rings; /* (k) always >= 1, so RX entries
					 * of ring_ofs[] are found the same
					 * way for every port type */
	NM_UCONST uint32_t ni_host_rx_rings; /* (k) always >= 1 */
	uint32_t ni_spare1[3];		/* reserved, 0 */
	__extension__ ssize_t ring_ofs[]; /* (k) ring - this netmap_if, or 0 */
};
NM_ABI_SIZE(struct netmap_if, 56, 8);
NM_ABI_FIELD(struct netmap_if, ni_name, 0, 16);
NM_ABI_FIELD(struct netmap_if, ni_version, 16, 4);
NM_ABI_FIELD(struct netmap_if, ni_flags, 20, 4);
NM_ABI_FIELD(struct netmap_if, ni_tx_rings, 24, 4);
NM_ABI_FIELD(struct netmap_if, ni_rx_rings, 28, 4);
NM_ABI_FIELD(struct netmap_if, ni_bufs_head, 32, 4);
NM_ABI_FIELD(struct netmap_if, ni_host_tx_rings, 36, 4);
NM_ABI_FIELD(struct netmap_if, ni_host_rx_rings, 40, 4);
NM_ABI_FIELD(struct netmap_if, ni_spare1, 44, 12);
NM_ABI_FLEX(struct netmap_if, ring_ofs, 56, 8);

/* netmap_if.ni_flags */
#define NI_PRIV_MEM	0x1	/* this fd's region is not the global one */

/* True when the application owns no slot of the ring. */
static inline int
nm_ring_empty(const struct netmap_ring *ring)
{
	return ring->head == ring->tail;
}

/* ---------------------------------------------------------------------- */
/* NIOCCTRL: request header, options, request types                       */

/*
 * Every control request is this header plus an optional body (nr_body)
 * and an optional chain of options (nr_options).  Pointers travel as u64
 * so the layout does not depend on the pointer size.
 */
struct nmreq_header {
	uint16_t nr_version;		/* in: NETMAP_API */
	uint16_t nr_reqtype;		/* in: NETMAP_REQ_* */
	uint32_t nr_reserved;		/* in: must be 0 */
	char nr_name[NETMAP_REQ_IFNAMSIZ]; /* in/out: port, no "netmap:" */
	uint64_t nr_options;		/* in: first nmreq_option, or 0 */
	uint64_t nr_body;		/* in: request body, or 0 */
};
NM_ABI_SIZE(struct nmreq_header, 88, 8);
NM_ABI_FIELD(struct nmreq_header, nr_version, 0, 2);
NM_ABI_FIELD(struct nmreq_header, nr_reqtype, 2, 2);
NM_ABI_FIELD(struct nmreq_header, nr_reserved, 4, 4);
NM_ABI_FIELD(struct nmreq_header, nr_name, 8, 64);
NM_ABI_FIELD(struct nmreq_header, nr_options, 72, 8);
NM_ABI_FIELD(struct nmreq_header, nr_body, 80, 8);

/* nmreq_header.nr_reqtype */
#define NETMAP_REQ_REGISTER		1
#define NETMAP_REQ_PORT_INFO_GET	2
#define NETMAP_REQ_VALE_ATTACH		3
#define NETMAP_REQ_VALE_DETACH		4
#define NETMAP_REQ_VALE_LIST		5
#define NETMAP_REQ_PORT_HDR_SET		6
#define NETMAP_REQ_PORT_HDR_GET		7
#define NETMAP_REQ_VALE_NEWIF		8
#define NETMAP_REQ_VALE_DELIF		9	/* no body */
#define NETMAP_REQ_VALE_POLLING_ENABLE	10
#define NETMAP_REQ_VALE_POLLING_DISABLE	11
#define NETMAP_REQ_POOLS_INFO_GET	12
#define NETMAP_REQ_SYNC_KLOOP_START	13
#define NETMAP_REQ_SYNC_KLOOP_STOP	14	/* no body */
#define NETMAP_REQ_CSB_ENABLE		15	/* no body; needs OPT_CSB */

/* Header common to all options; the option body follows it directly. */
struct nmreq_option {
	uint64_t nro_next;		/* in: next option, 0 ends the list */
	uint32_t nro_reqtype;		/* in: NETMAP_REQ_OPT_* */
	uint32_t nro_status;		/* out: 0 if accepted, else an errno */
	uint64_t nro_size;		/* in: total size, header included */
};
NM_ABI_SIZE(struct nmreq_option, 24, 8);
NM_ABI_FIELD(struct nmreq_option, nro_next, 0, 8);
NM_ABI_FIELD(struct nmreq_option, nro_reqtype, 8, 4);
NM_ABI_FIELD(struct nmreq_option, nro_status, 12, 4);
NM_ABI_FIELD(struct nmreq_option, nro_size, 16, 8);

/* nmreq_option.nro_reqtype; 0 is invalid on purpose. */
#define NETMAP_REQ_OPT_EXTMEM			1
#define NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS	2
#define NETMAP_REQ_OPT_CSB			3
#define NETMAP_REQ_OPT_SYNC_KLOOP_MODE		4
#define NETMAP_REQ_OPT_OFFSETS			5
#define NETMAP_REQ_OPT_MAX			6	/* first unknown type */

/* ---------------------------------------------------------------------- */
/* REGISTER                                                               */

struct nmreq_register {
	uint64_t nr_offset;		/* out: this fd's netmap_if in region */
	uint64_t nr_memsize;		/* out: bytes to mmap */
	uint32_t nr_tx_slots;		/* in/out: 0 = default */
	uint32_t nr_rx_slots;		/* in/out */
	uint16_t nr_tx_rings;		/* in/out */
	uint16_t nr_rx_rings;		/* in/out */
	uint16_t nr_host_tx_rings;	/* in/out: 0 in = keep current */
	uint16_t nr_host_rx_rings;	/* in/out */
	uint16_t nr_mem_id;		/* in/out: 0 in = port's default */
	uint16_t nr_ringid;		/* in: for ONE_NIC and ONE_SW */
	uint32_t nr_mode;		/* in: NR_REG_* */
	uint32_t nr_extra_bufs;		/* in: wanted, out: allocated */
	uint64_t nr_flags;		/* in: NR_* below */
};
NM_ABI_SIZE(struct nmreq_register, 56, 8);
NM_ABI_FIELD(struct nmreq_register, nr_offset, 0, 8);
NM_ABI_FIELD(struct nmreq_register, nr_memsize, 8, 8);
NM_ABI_FIELD(struct nmreq_register, nr_tx_slots, 16, 4);
NM_ABI_FIELD(struct nmreq_register, nr_rx_slots, 20, 4);
NM_ABI_FIELD(struct nmreq_register, nr_tx_rings, 24, 2);
NM_ABI_FIELD(struct nmreq_register, nr_rx_rings, 26, 2);
NM_ABI_FIELD(struct nmreq_register, nr_host_tx_rings, 28, 2);
NM_ABI_FIELD(struct nmreq_register, nr_host_rx_rings, 30, 2);
NM_ABI_FIELD(struct nmreq_register, nr_mem_id, 32, 2);
NM_ABI_FIELD(struct nmreq_register, nr_ringid, 34, 2);
NM_ABI_FIELD(struct nmreq_register, nr_mode, 36, 4);
NM_ABI_FIELD(struct nmreq_register, nr_extra_bufs, 40, 4);
NM_ABI_FIELD(struct nmreq_register, nr_flags, 48, 8);

/* nmreq_register.nr_mode */
#define NR_REG_DEFAULT		0	/* legacy only */
#define NR_REG_ALL_NIC		1
#define NR_REG_SW		2
#define NR_REG_NIC_SW		3
#define NR_REG_ONE_NIC		4
#define NR_REG_PIPE_MASTER	5	/* legacy only */
#define NR_REG_PIPE_SLAVE	6	/* legacy only */
#define NR_REG_NULL		7
#define NR_REG_ONE_SW		8
#define NR_REG_MASK		0xf	/* mode bits of legacy nmreq.nr_flags */

/* nmreq_register.nr_flags; the low 4 bits stay free for the legacy mode. */
#define NR_MONITOR_TX		0x100
#define NR_MONITOR_RX		0x200
#define NR_ZCOPY_MON		0x400
#define NR_EXCLUSIVE		0x800
/*				0x1000 unused */
#define NR_RX_RINGS_ONLY	0x2000
#define NR_TX_RINGS_ONLY	0x4000
#define NR_ACCEPT_VNET_HDR	0x8000
#define NR_DO_RX_POLL		0x10000
#define NR_NO_TX_POLL		0x20000

/* ---------------------------------------------------------------------- */
/* PORT_INFO_GET, POOLS_INFO_GET, PORT_HDR_SET/GET                        */

struct nmreq_port_info_get {
	uint64_t nr_memsize;		/* out */
	uint32_t nr_tx_slots;		/* in: hint, out: actual */
	uint32_t nr_rx_slots;
	uint16_t nr_tx_rings;
	uint16_t nr_rx_rings;
	uint16_t nr_host_tx_rings;
	uint16_t nr_host_rx_rings;
	uint16_t nr_mem_id;
	uint16_t pad[3];
};
NM_ABI_SIZE(struct nmreq_port_info_get, 32, 8);
NM_ABI_FIELD(struct nmreq_port_info_get, nr_memsize, 0, 8);
NM_ABI_FIELD(struct nmreq_port_info_get, nr_tx_slots, 8, 4);
NM_ABI_FIELD(struct nmreq_port_info_get, nr_rx_slots, 12, 4);
NM_ABI_FIELD(struct nmreq_port_info_get, nr_tx_rings, 16, 2);
NM_ABI_FIELD(struct nmreq_port_info_get, nr_rx_rings, 18, 2);
NM_ABI_FIELD(struct nmreq_port_info_get, nr_host_tx_rings, 20, 2);
NM_ABI_FIELD(struct nmreq_port_info_get, nr_host_rx_rings, 22, 2);
NM_ABI_FIELD(struct nmreq_port_info_get, nr_mem_id, 24, 2);
NM_ABI_FIELD(struct nmreq_port_info_get, pad, 26, 6);

/* Region layout; also the body of the extmem option. */
struct nmreq_pools_info {
	uint64_t nr_memsize;
	uint16_t nr_mem_id;
	uint16_t pad1[3];
	uint64_t nr_if_pool_offset;	/* always 0 */
	uint32_t nr_if_pool_objtotal;
	uint32_t nr_if_pool_objsize;
	uint64_t nr_ring_pool_offset;
	uint32_t nr_ring_pool_objtotal;
	uint32_t nr_ring_pool_objsize;
	uint64_t nr_buf_pool_offset;
	uint32_t nr_buf_pool_objtotal;	/* includes reserved buffers 0, 1 */
	uint32_t nr_buf_pool_objsize;
};
NM_ABI_SIZE(struct nmreq_pools_info, 64, 8);
NM_ABI_FIELD(struct nmreq_pools_info, nr_memsize, 0, 8);
NM_ABI_FIELD(struct nmreq_pools_info, nr_mem_id, 8, 2);
NM_ABI_FIELD(struct nmreq_pools_info, pad1, 10, 6);
NM_ABI_FIELD(struct nmreq_pools_info, nr_if_pool_offset, 16, 8);
NM_ABI_FIELD(struct nmreq_pools_info, nr_if_pool_objtotal, 24, 4);
NM_ABI_FIELD(struct nmreq_pools_info, nr_if_pool_objsize, 28, 4);
NM_ABI_FIELD(struct nmreq_pools_info, nr_ring_pool_offset, 32, 8);
NM_ABI_FIELD(struct nmreq_pools_info, nr_ring_pool_objtotal, 40, 4);
NM_ABI_FIELD(struct nmreq_pools_info, nr_ring_pool_objsize, 44, 4);
NM_ABI_FIELD(struct nmreq_pools_info, nr_buf_pool_offset, 48, 8);
NM_ABI_FIELD(struct nmreq_pools_info, nr_buf_pool_objtotal, 56, 4);
NM_ABI_FIELD(struct nmreq_pools_info, nr_buf_pool_objsize, 60, 4);

struct nmreq_port_hdr {
	uint32_t nr_hdr_len;		/* virtio-net header: 0, 10 or 12 */
	uint32_t pad1;
};
NM_ABI_SIZE(struct nmreq_port_hdr, 8, 4);
NM_ABI_FIELD(struct nmreq_port_hdr, nr_hdr_len, 0, 4);
NM_ABI_FIELD(struct nmreq_port_hdr, pad1, 4, 4);

/* ---------------------------------------------------------------------- */
/* VALE switch requests                                                   */

struct nmreq_vale_attach {
	struct nmreq_register reg;	/* in: mode, ringid, mem id only */
	uint32_t port_index;		/* out */
	uint32_t pad1;
};
NM_ABI_SIZE(struct nmreq_vale_attach, 64, 8);
NM_ABI_FIELD(struct nmreq_vale_attach, reg, 0, 56);
NM_ABI_FIELD(struct nmreq_vale_attach, port_index, 56, 4);
NM_ABI_FIELD(struct nmreq_vale_attach, pad1, 60, 4);

struct nmreq_vale_detach {
	uint32_t port_index;		/* out */
	uint32_t pad1;
};
NM_ABI_SIZE(struct nmreq_vale_detach, 8, 4);
NM_ABI_FIELD(struct nmreq_vale_detach, port_index, 0, 4);
NM_ABI_FIELD(struct nmreq_vale_detach, pad1, 4, 4);

struct nmreq_vale_list {
	uint16_t nr_bridge_idx;		/* in/out: also the scan cursor */
	uint16_t pad1;
	uint32_t nr_port_idx;		/* in/out */
};
NM_ABI_SIZE(struct nmreq_vale_list, 8, 4);
NM_ABI_FIELD(struct nmreq_vale_list, nr_bridge_idx, 0, 2);
NM_ABI_FIELD(struct nmreq_vale_list, pad1, 2, 2);
NM_ABI_FIELD(struct nmreq_vale_list, nr_port_idx, 4, 4);

struct nmreq_vale_newif {
	uint32_t nr_tx_slots;		/* in/out */
	uint32_t nr_rx_slots;
	uint16_t nr_tx_rings;
	uint16_t nr_rx_rings;
	uint16_t nr_mem_id;
	uint16_t pad1;
};
NM_ABI_SIZE(struct nmreq_vale_newif, 16, 4);
NM_ABI_FIELD(struct nmreq_vale_newif, nr_tx_slots, 0, 4);
NM_ABI_FIELD(struct nmreq_vale_newif, nr_rx_slots, 4, 4);
NM_ABI_FIELD(struct nmreq_vale_newif, nr_tx_rings, 8, 2);
NM_ABI_FIELD(struct nmreq_vale_newif, nr_rx_rings, 10, 2);
NM_ABI_FIELD(struct nmreq_vale_newif, nr_mem_id, 12, 2);
NM_ABI_FIELD(struct nmreq_vale_newif, pad1, 14, 2);

struct nmreq_vale_polling {
	uint32_t nr_mode;		/* NETMAP_POLLING_MODE_* */
	uint32_t nr_first_cpu_id;
	uint32_t nr_num_polling_cpus;
	uint32_t pad1;
};
NM_ABI_SIZE(struct nmreq_vale_polling, 16, 4);
NM_ABI_FIELD(struct nmreq_vale_polling, nr_mode, 0, 4);
NM_ABI_FIELD(struct nmreq_vale_polling, nr_first_cpu_id, 4, 4);
NM_ABI_FIELD(struct nmreq_vale_polling, nr_num_polling_cpus, 8, 4);
NM_ABI_FIELD(struct nmreq_vale_polling, pad1, 12, 4);

/* ---------------------------------------------------------------------- */
/* CSB and sync-kloop (declared now, implemented later)                   */

struct nmreq_sync_kloop_start {
	uint32_t sleep_us;		/* between rounds without eventfds */
	uint32_t pad1;
};
NM_ABI_SIZE(struct nmreq_sync_kloop_start, 8, 4);
NM_ABI_FIELD(struct nmreq_sync_kloop_start, sleep_us, 0, 4);
NM_ABI_FIELD(struct nmreq_sync_kloop_start, pad1, 4, 4);

/*
 * CSB entries replace the ring indices while a sync-kloop runs.  Each is
 * padded to 64 bytes so that the two writers never share a cache line.
 */
struct nm_csb_atok {			/* application to kernel */
	uint32_t head;			/* (u) */
	uint32_t cur;			/* (u) */
	uint32_t appl_need_kick;	/* (u) */
	uint32_t sync_flags;		/* (u) */
	uint32_t pad[12];
};
NM_ABI_SIZE(struct nm_csb_atok, 64, 4);
NM_ABI_FIELD(struct nm_csb_atok, head, 0, 4);
NM_ABI_FIELD(struct nm_csb_atok, cur, 4, 4);
NM_ABI_FIELD(struct nm_csb_atok, appl_need_kick, 8, 4);
NM_ABI_FIELD(struct nm_csb_atok, sync_flags, 12, 4);
NM_ABI_FIELD(struct nm_csb_atok, pad, 16, 48);

struct nm_csb_ktoa {			/* kernel to application */
	uint32_t hwcur;			/* (k) */
	uint32_t hwtail;		/* (k) */
	uint32_t kern_need_kick;	/* (k) */
	uint32_t pad[13];
};
NM_ABI_SIZE(struct nm_csb_ktoa, 64, 4);
NM_ABI_FIELD(struct nm_csb_ktoa, hwcur, 0, 4);
NM_ABI_FIELD(struct nm_csb_ktoa, hwtail, 4, 4);
NM_ABI_FIELD(struct nm_csb_ktoa, kern_need_kick, 8, 4);
NM_ABI_FIELD(struct nm_csb_ktoa, pad, 12, 52);

/* ---------------------------------------------------------------------- */
/* Option bodies (all LATER features)                                     */

struct nmreq_opt_extmem {
	struct nmreq_option nro_opt;
	uint64_t nro_usrptr;		/* in: user memory holding the region */
	struct nmreq_pools_info nro_info; /* in: wanted geometry, out: actual */
};
NM_ABI_SIZE(struct nmreq_opt_extmem, 96, 8);
NM_ABI_FIELD(struct nmreq_opt_extmem, nro_opt, 0, 24);
NM_ABI_FIELD(struct nmreq_opt_extmem, nro_usrptr, 24, 8);
NM_ABI_FIELD(struct nmreq_opt_extmem, nro_info, 32, 64);

struct nmreq_opt_csb {
	struct nmreq_option nro_opt;
	uint64_t csb_atok;		/* in: nm_csb_atok[bound rings] */
	uint64_t csb_ktoa;		/* in: nm_csb_ktoa[bound rings] */
};
NM_ABI_SIZE(struct nmreq_opt_csb, 40, 8);
NM_ABI_FIELD(struct nmreq_opt_csb, nro_opt, 0, 24);
NM_ABI_FIELD(struct nmreq_opt_csb, csb_atok, 24, 8);
NM_ABI_FIELD(struct nmreq_opt_csb, csb_ktoa, 32, 8);

/* Variable size: nro_opt.nro_size = 24 + 8 * (bound rings). */
struct nmreq_opt_sync_kloop_eventfds {
	struct nmreq_option nro_opt;
	__extension__ struct {
		int32_t ioeventfd;	/* -1 = none */
		int32_t irqfd;		/* -1 = none */
	} eventfds[];			/* TX rings first, then RX */
};
NM_ABI_SIZE(struct nmreq_opt_sync_kloop_eventfds, 24, 8);
NM_ABI_FIELD(struct nmreq_opt_sync_kloop_eventfds, nro_opt, 0, 24);
NM_ABI_FLEX(struct nmreq_opt_sync_kloop_eventfds, eventfds, 24, 8);

struct nmreq_opt_sync_kloop_mode {
	struct nmreq_option nro_opt;
	uint32_t mode;			/* NM_OPT_SYNC_KLOOP_DIRECT_* */
};
NM_ABI_SIZE(struct nmreq_opt_sync_kloop_mode, 32, 8);
NM_ABI_FIELD(struct nmreq_opt_sync_kloop_mode, nro_opt, 0, 24);
NM_ABI_FIELD(struct nmreq_opt_sync_kloop_mode, mode, 24, 4);

struct nmreq_opt_offsets {
	struct nmreq_option nro_opt;
	uint64_t nro_max_offset;	/* in/out */
	uint64_t nro_initial_offset;	/* in */
	uint32_t nro_offset_bits;	/* in: 0 means 64 */
	uint32_t nro_tx_align;		/* in */
	uint64_t nro_min_gap;		/* in: 0 = no buffer sharing */
};
NM_ABI_SIZE(struct nmreq_opt_offsets, 56, 8);
NM_ABI_FIELD(struct nmreq_opt_offsets, nro_opt, 0, 24);
NM_ABI_FIELD(struct nmreq_opt_offsets, nro_max_offset, 24, 8);
NM_ABI_FIELD(struct nmreq_opt_offsets, nro_initial_offset, 32, 8);
NM_ABI_FIELD(struct nmreq_opt_offsets, nro_offset_bits, 40, 4);
NM_ABI_FIELD(struct nmreq_opt_offsets, nro_tx_align, 44, 4);
NM_ABI_FIELD(struct nmreq_opt_offsets, nro_min_gap, 48, 8);

/* ---------------------------------------------------------------------- */
/* ioctls                                                                 */

#define NIOCCTRL	_IOWR('i', 151, struct nmreq_header)
#define NIOCTXSYNC	_IO('i', 148)	/* argument ignored */
#define NIOCRXSYNC	_IO('i', 149)	/* argument ignored */

/* ---------------------------------------------------------------------- */
/* Sync-kloop helpers for applications (user space only)                  */

#ifndef __KERNEL__
#ifdef __cplusplus
#include <atomic>
#define NM_FENCE_RELEASE() std::atomic_thread_fence(std::memory_order_release)
#define NM_FENCE_ACQUIRE() std::atomic_thread_fence(std::memory_order_acquire)
#else
#include <stdatomic.h>
#define NM_FENCE_RELEASE() atomic_thread_fence(memory_order_release)
#define NM_FENCE_ACQUIRE() atomic_thread_fence(memory_order_acquire)
#endif

/*
 * The first fence publishes the slot contents before the indices move.
 * cur is stored before head so that a reader taking head and then cur
 * never sees cur lagging behind head.  The volatile accesses stop the
 * compiler from caching or merging them across the caller's loop.
 */
static inline void
nm_sync_kloop_appl_write(struct nm_csb_atok *atok, uint32_t cur,
			 uint32_t head)
{
	NM_FENCE_RELEASE();
	*(volatile uint32_t *)&atok->cur = cur;
	NM_FENCE_RELEASE();
	*(volatile uint32_t *)&atok->head = head;
}

/*
 * hwtail, then hwcur; the final acquire fence keeps the caller's reads of
 * newly received slots from being hoisted above the index loads.
 */
static inline void
nm_sync_kloop_appl_read(struct nm_csb_ktoa *ktoa, uint32_t *hwtail,
			uint32_t *hwcur)
{
	*hwtail = *(volatile uint32_t *)&ktoa->hwtail;
	NM_FENCE_ACQUIRE();
	*hwcur = *(volatile uint32_t *)&ktoa->hwcur;
	NM_FENCE_ACQUIRE();
}
#endif /* !__KERNEL__ */

/* Programs that use struct nmreq with only this header keep compiling. */
#include "netmap_legacy.h"

#endif /* _NET_NETMAP_H_ */
