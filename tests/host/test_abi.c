/*
 * tests/host/test_abi.c -- run-time check of the netmap ABI headers.
 *
 * The headers already pin layouts with static assertions; this program
 * checks them again independently, against the numbers of the spec
 * (netmap-api.md sections 2, 3, 5 and 9), so that a wrong
 * assertion in a header cannot hide a wrong layout.  It also checks every
 * constant and ioctl number, and exercises the user-space helpers on a fake
 * region built in ordinary memory.  No kernel and no /dev/netmap needed.
 *
 * Output: one "ok N - what" or "not ok N - what" line per check group,
 * preceded on failure by "# ..." lines saying what differed.  The exit
 * status is 1 if any group failed.
 *
 * Build: gcc -std=gnu99 -Wall -Wextra -Werror -Iinclude \
 *            -o test_abi tests/host/test_abi.c
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <net/netmap_user.h>
#include <net/netmap.h>

static int group_failures;	/* failed checks in the current group */
static int groups_run;
static int groups_failed;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			group_failures++;				\
			printf("# %s:%d: check failed: %s\n",		\
			       __FILE__, __LINE__, #cond);		\
		}							\
	} while (0)

/* Equality of two integer expressions, printing both values on failure. */
#define CHECK_EQ(a, b)							\
	do {								\
		unsigned long long _a = (unsigned long long)(a);	\
		unsigned long long _b = (unsigned long long)(b);	\
		if (_a != _b) {						\
			group_failures++;				\
			printf("# %s:%d: %s == %#llx, expected %s"	\
			       " == %#llx\n", __FILE__, __LINE__,	\
			       #a, _a, #b, _b);				\
		}							\
	} while (0)

/* Offset and size of a member. */
#define FIELD(type, f, off, size)					\
	do {								\
		CHECK_EQ(offsetof(type, f), off);			\
		CHECK_EQ(sizeof(((type *)0)->f), size);			\
	} while (0)

/* (T)-1 > (T)0 holds only for unsigned T; avoids -Wtype-limits noise. */
#define IS_SIGNED(x)	(!((__typeof__(x))-1 > (__typeof__(x))0))

/* Same, plus whether the (element) type is signed: 's' or 'u'. */
#define SFIELD(type, f, off, size, sign)				\
	do {								\
		FIELD(type, f, off, size);				\
		CHECK_EQ(IS_SIGNED(((type *)0)->f), (sign) == 's');	\
	} while (0)

/* An array member: offset, element size, element count. */
#define AFIELD(type, f, off, esize, count)				\
	do {								\
		CHECK_EQ(offsetof(type, f), off);			\
		CHECK_EQ(sizeof(((type *)0)->f[0]), esize);		\
		CHECK_EQ(sizeof(((type *)0)->f) / (esize), count);	\
	} while (0)

#define STRUCT(type, size, align)					\
	do {								\
		CHECK_EQ(sizeof(type), size);				\
		CHECK_EQ(__alignof__(type), align);			\
	} while (0)

static void
group_end(const char *desc)
{
	groups_run++;
	if (group_failures) {
		groups_failed++;
		printf("not ok %d - %s\n", groups_run, desc);
	} else {
		printf("ok %d - %s\n", groups_run, desc);
	}
	group_failures = 0;
	fflush(stdout);
}

/* ------------------------------------------------------------------ */
/* Layouts (spec 3.1-3.3, 5.1-5.12)                                   */

static void
test_slot(void)
{
	STRUCT(struct netmap_slot, 16, 8);
	SFIELD(struct netmap_slot, buf_idx, 0, 4, 'u');
	SFIELD(struct netmap_slot, len, 4, 2, 'u');
	SFIELD(struct netmap_slot, flags, 6, 2, 'u');
	SFIELD(struct netmap_slot, ptr, 8, 8, 'u');
	group_end("struct netmap_slot layout (16 bytes)");
}

static void
test_ring(void)
{
	STRUCT(struct netmap_ring, 256, 128);
	SFIELD(struct netmap_ring, buf_ofs, 0, 8, 's');
	SFIELD(struct netmap_ring, num_slots, 8, 4, 'u');
	SFIELD(struct netmap_ring, nr_buf_size, 12, 4, 'u');
	SFIELD(struct netmap_ring, ringid, 16, 2, 'u');
	SFIELD(struct netmap_ring, dir, 18, 2, 'u');
	SFIELD(struct netmap_ring, head, 20, 4, 'u');
	SFIELD(struct netmap_ring, cur, 24, 4, 'u');
	SFIELD(struct netmap_ring, tail, 28, 4, 'u');
	SFIELD(struct netmap_ring, flags, 32, 4, 'u');
	FIELD(struct netmap_ring, ts, 40, 16);
	FIELD(struct netmap_ring, ts.tv_sec, 40, 8);
	FIELD(struct netmap_ring, ts.tv_usec, 48, 8);
	SFIELD(struct netmap_ring, offset_mask, 56, 8, 'u');
	SFIELD(struct netmap_ring, buf_align, 64, 8, 'u');
	AFIELD(struct netmap_ring, sem, 128, 1, 128);
	CHECK_EQ(offsetof(struct netmap_ring, slot), 256);
	CHECK_EQ(sizeof(((struct netmap_ring *)0)->slot[0]), 16);
	group_end("struct netmap_ring layout (256-byte header, slot[] at 256)");
}

static void
test_if(void)
{
	STRUCT(struct netmap_if, 56, 8);
	AFIELD(struct netmap_if, ni_name, 0, 1, 16);
	SFIELD(struct netmap_if, ni_version, 16, 4, 'u');
	SFIELD(struct netmap_if, ni_flags, 20, 4, 'u');
	SFIELD(struct netmap_if, ni_tx_rings, 24, 4, 'u');
	SFIELD(struct netmap_if, ni_rx_rings, 28, 4, 'u');
	SFIELD(struct netmap_if, ni_bufs_head, 32, 4, 'u');
	SFIELD(struct netmap_if, ni_host_tx_rings, 36, 4, 'u');
	SFIELD(struct netmap_if, ni_host_rx_rings, 40, 4, 'u');
	AFIELD(struct netmap_if, ni_spare1, 44, 4, 3);
	CHECK_EQ(offsetof(struct netmap_if, ring_ofs), 56);
	CHECK_EQ(sizeof(((struct netmap_if *)0)->ring_ofs[0]), 8);
	CHECK(IS_SIGNED(((struct netmap_if *)0)->ring_ofs[0]));
	group_end("struct netmap_if layout (56-byte header, ring_ofs[] at 56)");
}

static void
test_header_option(void)
{
	STRUCT(struct nmreq_header, 88, 8);
	SFIELD(struct nmreq_header, nr_version, 0, 2, 'u');
	SFIELD(struct nmreq_header, nr_reqtype, 2, 2, 'u');
	SFIELD(struct nmreq_header, nr_reserved, 4, 4, 'u');
	AFIELD(struct nmreq_header, nr_name, 8, 1, 64);
	SFIELD(struct nmreq_header, nr_options, 72, 8, 'u');
	SFIELD(struct nmreq_header, nr_body, 80, 8, 'u');

	STRUCT(struct nmreq_option, 24, 8);
	SFIELD(struct nmreq_option, nro_next, 0, 8, 'u');
	SFIELD(struct nmreq_option, nro_reqtype, 8, 4, 'u');
	SFIELD(struct nmreq_option, nro_status, 12, 4, 'u');
	SFIELD(struct nmreq_option, nro_size, 16, 8, 'u');
	group_end("struct nmreq_header (88) and nmreq_option (24) layout");
}

static void
test_register(void)
{
	STRUCT(struct nmreq_register, 56, 8);
	SFIELD(struct nmreq_register, nr_offset, 0, 8, 'u');
	SFIELD(struct nmreq_register, nr_memsize, 8, 8, 'u');
	SFIELD(struct nmreq_register, nr_tx_slots, 16, 4, 'u');
	SFIELD(struct nmreq_register, nr_rx_slots, 20, 4, 'u');
	SFIELD(struct nmreq_register, nr_tx_rings, 24, 2, 'u');
	SFIELD(struct nmreq_register, nr_rx_rings, 26, 2, 'u');
	SFIELD(struct nmreq_register, nr_host_tx_rings, 28, 2, 'u');
	SFIELD(struct nmreq_register, nr_host_rx_rings, 30, 2, 'u');
	SFIELD(struct nmreq_register, nr_mem_id, 32, 2, 'u');
	SFIELD(struct nmreq_register, nr_ringid, 34, 2, 'u');
	SFIELD(struct nmreq_register, nr_mode, 36, 4, 'u');
	SFIELD(struct nmreq_register, nr_extra_bufs, 40, 4, 'u');
	SFIELD(struct nmreq_register, nr_flags, 48, 8, 'u');
	group_end("struct nmreq_register layout (56 bytes)");
}

static void
test_info_bodies(void)
{
	STRUCT(struct nmreq_port_info_get, 32, 8);
	SFIELD(struct nmreq_port_info_get, nr_memsize, 0, 8, 'u');
	SFIELD(struct nmreq_port_info_get, nr_tx_slots, 8, 4, 'u');
	SFIELD(struct nmreq_port_info_get, nr_rx_slots, 12, 4, 'u');
	SFIELD(struct nmreq_port_info_get, nr_tx_rings, 16, 2, 'u');
	SFIELD(struct nmreq_port_info_get, nr_rx_rings, 18, 2, 'u');
	SFIELD(struct nmreq_port_info_get, nr_host_tx_rings, 20, 2, 'u');
	SFIELD(struct nmreq_port_info_get, nr_host_rx_rings, 22, 2, 'u');
	SFIELD(struct nmreq_port_info_get, nr_mem_id, 24, 2, 'u');
	AFIELD(struct nmreq_port_info_get, pad, 26, 2, 3);

	STRUCT(struct nmreq_pools_info, 64, 8);
	SFIELD(struct nmreq_pools_info, nr_memsize, 0, 8, 'u');
	SFIELD(struct nmreq_pools_info, nr_mem_id, 8, 2, 'u');
	AFIELD(struct nmreq_pools_info, pad1, 10, 2, 3);
	SFIELD(struct nmreq_pools_info, nr_if_pool_offset, 16, 8, 'u');
	SFIELD(struct nmreq_pools_info, nr_if_pool_objtotal, 24, 4, 'u');
	SFIELD(struct nmreq_pools_info, nr_if_pool_objsize, 28, 4, 'u');
	SFIELD(struct nmreq_pools_info, nr_ring_pool_offset, 32, 8, 'u');
	SFIELD(struct nmreq_pools_info, nr_ring_pool_objtotal, 40, 4, 'u');
	SFIELD(struct nmreq_pools_info, nr_ring_pool_objsize, 44, 4, 'u');
	SFIELD(struct nmreq_pools_info, nr_buf_pool_offset, 48, 8, 'u');
	SFIELD(struct nmreq_pools_info, nr_buf_pool_objtotal, 56, 4, 'u');
	SFIELD(struct nmreq_pools_info, nr_buf_pool_objsize, 60, 4, 'u');

	STRUCT(struct nmreq_port_hdr, 8, 4);
	SFIELD(struct nmreq_port_hdr, nr_hdr_len, 0, 4, 'u');
	SFIELD(struct nmreq_port_hdr, pad1, 4, 4, 'u');
	group_end("port_info_get (32), pools_info (64), port_hdr (8) layout");
}

static void
test_vale_bodies(void)
{
	STRUCT(struct nmreq_vale_attach, 64, 8);
	FIELD(struct nmreq_vale_attach, reg, 0, 56);
	SFIELD(struct nmreq_vale_attach, port_index, 56, 4, 'u');
	SFIELD(struct nmreq_vale_attach, pad1, 60, 4, 'u');

	STRUCT(struct nmreq_vale_detach, 8, 4);
	SFIELD(struct nmreq_vale_detach, port_index, 0, 4, 'u');
	SFIELD(struct nmreq_vale_detach, pad1, 4, 4, 'u');

	STRUCT(struct nmreq_vale_list, 8, 4);
	SFIELD(struct nmreq_vale_list, nr_bridge_idx, 0, 2, 'u');
	SFIELD(struct nmreq_vale_list, pad1, 2, 2, 'u');
	SFIELD(struct nmreq_vale_list, nr_port_idx, 4, 4, 'u');

	STRUCT(struct nmreq_vale_newif, 16, 4);
	SFIELD(struct nmreq_vale_newif, nr_tx_slots, 0, 4, 'u');
	SFIELD(struct nmreq_vale_newif, nr_rx_slots, 4, 4, 'u');
	SFIELD(struct nmreq_vale_newif, nr_tx_rings, 8, 2, 'u');
	SFIELD(struct nmreq_vale_newif, nr_rx_rings, 10, 2, 'u');
	SFIELD(struct nmreq_vale_newif, nr_mem_id, 12, 2, 'u');
	SFIELD(struct nmreq_vale_newif, pad1, 14, 2, 'u');

	STRUCT(struct nmreq_vale_polling, 16, 4);
	SFIELD(struct nmreq_vale_polling, nr_mode, 0, 4, 'u');
	SFIELD(struct nmreq_vale_polling, nr_first_cpu_id, 4, 4, 'u');
	SFIELD(struct nmreq_vale_polling, nr_num_polling_cpus, 8, 4, 'u');
	SFIELD(struct nmreq_vale_polling, pad1, 12, 4, 'u');
	group_end("VALE bodies: attach (64), detach, list (8), newif, polling (16)");
}

static void
test_later_structs(void)
{
	STRUCT(struct nmreq_sync_kloop_start, 8, 4);
	SFIELD(struct nmreq_sync_kloop_start, sleep_us, 0, 4, 'u');
	SFIELD(struct nmreq_sync_kloop_start, pad1, 4, 4, 'u');

	STRUCT(struct nm_csb_atok, 64, 4);
	SFIELD(struct nm_csb_atok, head, 0, 4, 'u');
	SFIELD(struct nm_csb_atok, cur, 4, 4, 'u');
	SFIELD(struct nm_csb_atok, appl_need_kick, 8, 4, 'u');
	SFIELD(struct nm_csb_atok, sync_flags, 12, 4, 'u');
	AFIELD(struct nm_csb_atok, pad, 16, 4, 12);

	STRUCT(struct nm_csb_ktoa, 64, 4);
	SFIELD(struct nm_csb_ktoa, hwcur, 0, 4, 'u');
	SFIELD(struct nm_csb_ktoa, hwtail, 4, 4, 'u');
	SFIELD(struct nm_csb_ktoa, kern_need_kick, 8, 4, 'u');
	AFIELD(struct nm_csb_ktoa, pad, 12, 4, 13);

	STRUCT(struct nmreq_opt_extmem, 96, 8);
	FIELD(struct nmreq_opt_extmem, nro_opt, 0, 24);
	SFIELD(struct nmreq_opt_extmem, nro_usrptr, 24, 8, 'u');
	FIELD(struct nmreq_opt_extmem, nro_info, 32, 64);

	STRUCT(struct nmreq_opt_csb, 40, 8);
	FIELD(struct nmreq_opt_csb, nro_opt, 0, 24);
	SFIELD(struct nmreq_opt_csb, csb_atok, 24, 8, 'u');
	SFIELD(struct nmreq_opt_csb, csb_ktoa, 32, 8, 'u');

	STRUCT(struct nmreq_opt_sync_kloop_eventfds, 24, 8);
	FIELD(struct nmreq_opt_sync_kloop_eventfds, nro_opt, 0, 24);
	CHECK_EQ(offsetof(struct nmreq_opt_sync_kloop_eventfds, eventfds), 24);
	FIELD(struct nmreq_opt_sync_kloop_eventfds, eventfds[0], 24, 8);
	SFIELD(struct nmreq_opt_sync_kloop_eventfds, eventfds[0].ioeventfd,
	       24, 4, 's');
	SFIELD(struct nmreq_opt_sync_kloop_eventfds, eventfds[0].irqfd,
	       28, 4, 's');
	CHECK_EQ(offsetof(struct nmreq_opt_sync_kloop_eventfds, eventfds[3]),
		 24 + 8 * 3);

	STRUCT(struct nmreq_opt_sync_kloop_mode, 32, 8);
	FIELD(struct nmreq_opt_sync_kloop_mode, nro_opt, 0, 24);
	SFIELD(struct nmreq_opt_sync_kloop_mode, mode, 24, 4, 'u');

	STRUCT(struct nmreq_opt_offsets, 56, 8);
	FIELD(struct nmreq_opt_offsets, nro_opt, 0, 24);
	SFIELD(struct nmreq_opt_offsets, nro_max_offset, 24, 8, 'u');
	SFIELD(struct nmreq_opt_offsets, nro_initial_offset, 32, 8, 'u');
	SFIELD(struct nmreq_opt_offsets, nro_offset_bits, 40, 4, 'u');
	SFIELD(struct nmreq_opt_offsets, nro_tx_align, 44, 4, 'u');
	SFIELD(struct nmreq_opt_offsets, nro_min_gap, 48, 8, 'u');
	group_end("LATER structs: kloop_start, csb atok/ktoa, option bodies");
}

static void
test_legacy_structs(void)
{
	STRUCT(struct nmreq, 60, 4);
	AFIELD(struct nmreq, nr_name, 0, 1, 16);
	SFIELD(struct nmreq, nr_version, 16, 4, 'u');
	SFIELD(struct nmreq, nr_offset, 20, 4, 'u');
	SFIELD(struct nmreq, nr_memsize, 24, 4, 'u');
	SFIELD(struct nmreq, nr_tx_slots, 28, 4, 'u');
	SFIELD(struct nmreq, nr_rx_slots, 32, 4, 'u');
	SFIELD(struct nmreq, nr_tx_rings, 36, 2, 'u');
	SFIELD(struct nmreq, nr_rx_rings, 38, 2, 'u');
	SFIELD(struct nmreq, nr_ringid, 40, 2, 'u');
	SFIELD(struct nmreq, nr_cmd, 42, 2, 'u');
	SFIELD(struct nmreq, nr_arg1, 44, 2, 'u');
	SFIELD(struct nmreq, nr_arg2, 46, 2, 'u');
	SFIELD(struct nmreq, nr_arg3, 48, 4, 'u');
	SFIELD(struct nmreq, nr_flags, 52, 4, 'u');
	AFIELD(struct nmreq, spare2, 56, 4, 1);

	STRUCT(struct nm_ifreq, 272, 1);
	AFIELD(struct nm_ifreq, nifr_name, 0, 1, 16);
	AFIELD(struct nm_ifreq, data, 16, 1, 256);
	group_end("legacy struct nmreq (60) and nm_ifreq (272) layout");
}

/* ------------------------------------------------------------------ */
/* Numbers (spec 2, 3.4, 3.5, 3.7, 5.3, 5.4, 5.6, 5.12)               */

static void
test_ioctls(void)
{
	CHECK_EQ(NIOCCTRL, 0xc0586997u);
	CHECK_EQ(NIOCTXSYNC, 0x00006994u);
	CHECK_EQ(NIOCRXSYNC, 0x00006995u);
	CHECK_EQ(NIOCGINFO, 0xc03c6991u);
	CHECK_EQ(NIOCREGIF, 0xc03c6992u);
	CHECK_EQ(NIOCCONFIG, 0xc1106996u);
	group_end("ioctl numbers (NIOCCTRL, NIOC[TR]XSYNC, NIOCGINFO/REGIF/CONFIG)");
}

static void
test_versions(void)
{
	CHECK_EQ(NETMAP_API, 14);
	CHECK_EQ(NETMAP_MIN_API, 14);
	CHECK_EQ(NETMAP_MAX_API, 15);
#if NETMAP_API != 14 || NETMAP_MIN_API > NETMAP_API || NETMAP_MAX_API < NETMAP_API
	CHECK(!"version macros not usable in #if");
#endif
	group_end("version constants NETMAP_API/MIN_API/MAX_API");
}

static void
test_slot_ring_if_flags(void)
{
	struct netmap_slot s;

	CHECK_EQ(NS_BUF_CHANGED, 0x0001);
	CHECK_EQ(NS_REPORT, 0x0002);
	CHECK_EQ(NS_FORWARD, 0x0004);
	CHECK_EQ(NS_NO_LEARN, 0x0008);
	CHECK_EQ(NS_INDIRECT, 0x0010);
	CHECK_EQ(NS_MOREFRAG, 0x0020);
	CHECK_EQ(NS_TXMON, 0x0040);
	CHECK_EQ(NS_PORT_SHIFT, 8);
	CHECK_EQ(NS_PORT_MASK, 0xff00);
	memset(&s, 0, sizeof(s));
	s.flags = (uint16_t)((37 << 8) | NS_MOREFRAG);
	CHECK_EQ(NS_RFRAGS(&s), 37);
	s.flags = 0xffff;
	CHECK_EQ(NS_RFRAGS(&s), 0xff);
	s.flags = NS_MOREFRAG;
	CHECK_EQ(NS_RFRAGS(&s), 0);

	CHECK_EQ(NR_TIMESTAMP, 0x0002);
	CHECK_EQ(NR_FORWARD, 0x0004);
	CHECK_EQ(NI_PRIV_MEM, 0x1);
	group_end("slot flags NS_*, NS_RFRAGS, ring flags NR_TIMESTAMP/NR_FORWARD, NI_PRIV_MEM");
}

static void
test_reg_modes_flags(void)
{
	CHECK_EQ(NR_REG_DEFAULT, 0);
	CHECK_EQ(NR_REG_ALL_NIC, 1);
	CHECK_EQ(NR_REG_SW, 2);
	CHECK_EQ(NR_REG_NIC_SW, 3);
	CHECK_EQ(NR_REG_ONE_NIC, 4);
	CHECK_EQ(NR_REG_PIPE_MASTER, 5);
	CHECK_EQ(NR_REG_PIPE_SLAVE, 6);
	CHECK_EQ(NR_REG_NULL, 7);
	CHECK_EQ(NR_REG_ONE_SW, 8);
	CHECK_EQ(NR_REG_MASK, 0xf);

	CHECK_EQ(NR_MONITOR_TX, 0x100);
	CHECK_EQ(NR_MONITOR_RX, 0x200);
	CHECK_EQ(NR_ZCOPY_MON, 0x400);
	CHECK_EQ(NR_EXCLUSIVE, 0x800);
	CHECK_EQ(NR_RX_RINGS_ONLY, 0x2000);
	CHECK_EQ(NR_TX_RINGS_ONLY, 0x4000);
	CHECK_EQ(NR_ACCEPT_VNET_HDR, 0x8000);
	CHECK_EQ(NR_DO_RX_POLL, 0x10000);
	CHECK_EQ(NR_NO_TX_POLL, 0x20000);
	/* the legacy mode lives in the low bits: no flag may overlap it */
	CHECK_EQ((NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON | NR_EXCLUSIVE |
		  NR_RX_RINGS_ONLY | NR_TX_RINGS_ONLY | NR_ACCEPT_VNET_HDR |
		  NR_DO_RX_POLL | NR_NO_TX_POLL) & NR_REG_MASK, 0);
	/* spec 6.3: /xzrtRT gives 0x6f00 */
	CHECK_EQ(NR_EXCLUSIVE | NR_ZCOPY_MON | NR_MONITOR_RX | NR_MONITOR_TX |
		 NR_RX_RINGS_ONLY | NR_TX_RINGS_ONLY, 0x6f00);
	group_end("register modes NR_REG_* and flags NR_*");
}

static void
test_req_types(void)
{
	CHECK_EQ(NETMAP_REQ_REGISTER, 1);
	CHECK_EQ(NETMAP_REQ_PORT_INFO_GET, 2);
	CHECK_EQ(NETMAP_REQ_VALE_ATTACH, 3);
	CHECK_EQ(NETMAP_REQ_VALE_DETACH, 4);
	CHECK_EQ(NETMAP_REQ_VALE_LIST, 5);
	CHECK_EQ(NETMAP_REQ_PORT_HDR_SET, 6);
	CHECK_EQ(NETMAP_REQ_PORT_HDR_GET, 7);
	CHECK_EQ(NETMAP_REQ_VALE_NEWIF, 8);
	CHECK_EQ(NETMAP_REQ_VALE_DELIF, 9);
	CHECK_EQ(NETMAP_REQ_VALE_POLLING_ENABLE, 10);
	CHECK_EQ(NETMAP_REQ_VALE_POLLING_DISABLE, 11);
	CHECK_EQ(NETMAP_REQ_POOLS_INFO_GET, 12);
	CHECK_EQ(NETMAP_REQ_SYNC_KLOOP_START, 13);
	CHECK_EQ(NETMAP_REQ_SYNC_KLOOP_STOP, 14);
	CHECK_EQ(NETMAP_REQ_CSB_ENABLE, 15);
	group_end("request types NETMAP_REQ_*");
}

static void
test_opt_types(void)
{
	CHECK_EQ(NETMAP_REQ_OPT_EXTMEM, 1);
	CHECK_EQ(NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS, 2);
	CHECK_EQ(NETMAP_REQ_OPT_CSB, 3);
	CHECK_EQ(NETMAP_REQ_OPT_SYNC_KLOOP_MODE, 4);
	CHECK_EQ(NETMAP_REQ_OPT_OFFSETS, 5);
	CHECK_EQ(NETMAP_REQ_OPT_MAX, 6);
	CHECK_EQ(NM_OPT_SYNC_KLOOP_DIRECT_TX, 1);
	CHECK_EQ(NM_OPT_SYNC_KLOOP_DIRECT_RX, 2);
	group_end("option types NETMAP_REQ_OPT_* and NM_OPT_SYNC_KLOOP_DIRECT_*");
}

static void
test_misc_constants(void)
{
	CHECK_EQ(IFNAMSIZ, 16);
	CHECK_EQ(NETMAP_REQ_IFNAMSIZ, 64);
	CHECK_EQ(NETMAP_REQ_MAXSIZE, 4096);
	CHECK_EQ(NM_CACHE_ALIGN, 128);
	CHECK_EQ(NETMAP_MAX_FRAGS, 64);
	CHECK(strcmp(NM_BDG_NAME, "vale") == 0);
	CHECK_EQ(sizeof(NM_BDG_NAME), 5);
	CHECK_EQ(NETMAP_POLLING_MODE_SINGLE_CPU, 1);
	CHECK_EQ(NETMAP_POLLING_MODE_MULTI_CPU, 2);
	CHECK(strcmp(NETMAP_DEVICE_NAME, "/dev/netmap") == 0);
	group_end("limits and constants (IFNAMSIZ, NETMAP_REQ_*SIZE, NM_*, device name)");
}

static void
test_legacy_constants(void)
{
	CHECK_EQ(NETMAP_RING_MASK, 0x0fff);
	CHECK_EQ(NETMAP_NO_TX_POLL, 0x1000);
	CHECK_EQ(NETMAP_SW_RING, 0x2000);
	CHECK_EQ(NETMAP_HW_RING, 0x4000);
	CHECK_EQ(NETMAP_DO_RX_POLL, 0x8000);

	CHECK_EQ(NETMAP_BDG_ATTACH, 1);
	CHECK_EQ(NETMAP_BDG_DETACH, 2);
	CHECK_EQ(NETMAP_BDG_REGOPS, 3);
	CHECK_EQ(NETMAP_BDG_LIST, 4);
	CHECK_EQ(NETMAP_BDG_VNET_HDR, 5);
	CHECK_EQ(NETMAP_BDG_NEWIF, 6);
	CHECK_EQ(NETMAP_BDG_DELIF, 7);
	CHECK_EQ(NETMAP_PT_HOST_CREATE, 8);
	CHECK_EQ(NETMAP_PT_HOST_DELETE, 9);
	CHECK_EQ(NETMAP_BDG_POLLING_ON, 10);
	CHECK_EQ(NETMAP_BDG_POLLING_OFF, 11);
	CHECK_EQ(NETMAP_VNET_HDR_GET, 12);
	CHECK_EQ(NETMAP_BDG_HOST, 1);
	CHECK_EQ(NM_IFRDATA_LEN, 256);
	group_end("legacy constants: nr_ringid bits, NETMAP_BDG_* commands, NM_IFRDATA_LEN");
}

/* ------------------------------------------------------------------ */
/* Helpers (spec 3.7)                                                 */

/*
 * The test plays kernel, so it must write fields that are const for
 * applications; go through the offset rather than cast away const.
 */
#define KSET(ptr, type, field, ftype, val)				\
	(*(ftype *)((char *)(ptr) + offsetof(type, field)) = (ftype)(val))
#define KSET_RING(r, field, ftype, val)					\
	KSET(r, struct netmap_ring, field, ftype, val)
#define KSET_IF(n, field, val)						\
	KSET(n, struct netmap_if, field, uint32_t, val)

/* A ring header with no slots, on the heap so its 128 alignment holds. */
static struct netmap_ring *
ring_alloc(uint32_t num_slots)
{
	void *p = NULL;

	if (posix_memalign(&p, NM_CACHE_ALIGN, sizeof(struct netmap_ring)))
		abort();
	memset(p, 0, sizeof(struct netmap_ring));
	KSET_RING(p, num_slots, uint32_t, num_slots);
	return (struct netmap_ring *)p;
}

static void
test_ring_next(void)
{
	struct netmap_ring *r = ring_alloc(8);
	uint32_t i, j;

	CHECK_EQ(nm_ring_next(r, 0), 1);
	CHECK_EQ(nm_ring_next(r, 6), 7);
	CHECK_EQ(nm_ring_next(r, 7), 0);
	free(r);

	/* not a power of two: wrap exactly at num_slots */
	r = ring_alloc(5);
	for (i = 0, j = 0; j < 12; j++)
		i = nm_ring_next(r, i);
	CHECK_EQ(i, 12 % 5);
	CHECK_EQ(nm_ring_next(r, 4), 0);
	CHECK_EQ(nm_ring_next(r, 3), 4);
	free(r);

	r = ring_alloc(1);
	CHECK_EQ(nm_ring_next(r, 0), 0);
	free(r);
	group_end("nm_ring_next wraps at num_slots (8, 5, 1 slots)");
}

static void
test_ring_space(void)
{
	struct netmap_ring *r = ring_alloc(8);

	r->head = 2; r->tail = 5;
	CHECK_EQ(nm_ring_space(r), 3);
	r->head = 6; r->tail = 2;		/* wrapped */
	CHECK_EQ(nm_ring_space(r), 4);
	r->head = 3; r->tail = 3;
	CHECK_EQ(nm_ring_space(r), 0);
	CHECK(nm_ring_empty(r));
	r->head = 0; r->tail = 7;		/* initial TX ring: n - 1 */
	CHECK_EQ(nm_ring_space(r), 7);
	CHECK(!nm_ring_empty(r));
	r->head = 1; r->tail = 0;
	CHECK_EQ(nm_ring_space(r), 7);
	free(r);

	r = ring_alloc(1000);
	r->head = 990; r->tail = 10;
	CHECK_EQ(nm_ring_space(r), 20);
	CHECK(!nm_ring_empty(r));
	free(r);
	group_end("nm_ring_space with and without wrap, nm_ring_empty");
}

static void
test_tx_pending(void)
{
	struct netmap_ring *r = ring_alloc(8);

	/* TX initial state: head 0, tail n - 1: nothing in flight */
	r->head = 0; r->cur = 0; r->tail = 7;
	CHECK(!nm_tx_pending(r));
	/* app queued 3 slots, kernel still holds them */
	r->head = 3; r->cur = 3; r->tail = 7;
	CHECK(nm_tx_pending(r));
	/* kernel completed all: tail == head - 1 */
	r->tail = 2;
	CHECK(!nm_tx_pending(r));
	/* partially completed */
	r->tail = 1;
	CHECK(nm_tx_pending(r));
	/* wrap: head 0, tail 7 again after a full turn */
	r->head = 0; r->tail = 6;
	CHECK(nm_tx_pending(r));
	free(r);
	group_end("nm_tx_pending (true while the kernel owns queued TX slots)");
}

/*
 * A fake region, laid out like the kernel's: netmap_if at 0, rings next,
 * buffers last.  F_NTX/F_NRX NIC rings plus F_HTX/F_HRX host rings, all
 * bound.  Returns the base, the netmap_if in *nifpp and ring k (ring_ofs
 * order) in rings[k].  Distinct host TX and RX counts catch a macro that
 * uses the wrong one.
 */
#define F_NTX		2
#define F_NRX		3
#define F_HTX		2
#define F_HRX		1
#define F_NRINGS	(F_NTX + F_HTX + F_NRX + F_HRX)
#define F_SLOTS		16
#define F_BUFSZ		2048
#define F_NBUFS		64
#define F_RING_OBJ	(256 + 16 * F_SLOTS)
#define F_IF_SIZE	4096
#define F_BUF_OFS	(F_IF_SIZE + F_NRINGS * F_RING_OBJ)
#define F_TOTAL		(F_BUF_OFS + F_NBUFS * F_BUFSZ)

static char *
fake_region(struct netmap_if **nifpp, struct netmap_ring *rings[F_NRINGS])
{
	void *base = NULL;
	struct netmap_if *nifp;
	int k;

	if (posix_memalign(&base, 4096, F_TOTAL))
		abort();
	memset(base, 0, F_TOTAL);
	nifp = (struct netmap_if *)base;
	KSET_IF(nifp, ni_tx_rings, F_NTX);
	KSET_IF(nifp, ni_rx_rings, F_NRX);
	KSET_IF(nifp, ni_host_tx_rings, F_HTX);
	KSET_IF(nifp, ni_host_rx_rings, F_HRX);
	for (k = 0; k < F_NRINGS; k++) {
		size_t ofs = F_IF_SIZE + (size_t)k * F_RING_OBJ;
		struct netmap_ring *r = (struct netmap_ring *)
			((char *)base + ofs);
		int tx = k < F_NTX + F_HTX;

		nifp->ring_ofs[k] = (ssize_t)ofs;
		KSET_RING(r, buf_ofs, int64_t,
			  (int64_t)F_BUF_OFS - (int64_t)ofs);
		KSET_RING(r, num_slots, uint32_t, F_SLOTS);
		KSET_RING(r, nr_buf_size, uint32_t, F_BUFSZ);
		KSET_RING(r, ringid, uint16_t, tx ? k : k - (F_NTX + F_HTX));
		KSET_RING(r, dir, uint16_t, tx ? 1 : 0);
		rings[k] = r;
	}
	*nifpp = nifp;
	return (char *)base;
}

static void
test_ring_lookup(void)
{
	struct netmap_ring *rings[F_NRINGS];
	struct netmap_if *nifp;
	char *base = fake_region(&nifp, rings);
	int i;

	CHECK(NETMAP_IF(base, 0) == nifp);
	CHECK((char *)NETMAP_IF(base, 4096) == base + 4096);
	CHECK((char *)_NETMAP_OFFSET(struct netmap_ring *, nifp, 256) ==
	      (char *)nifp + 256);

	for (i = 0; i < F_NTX + F_HTX; i++) {
		struct netmap_ring *r = NETMAP_TXRING(nifp, i);

		CHECK(r == rings[i]);
		CHECK_EQ(r->ringid, i);
		CHECK_EQ(r->dir, 1);
	}
	for (i = 0; i < F_NRX + F_HRX; i++) {
		struct netmap_ring *r = NETMAP_RXRING(nifp, i);

		CHECK(r == rings[F_NTX + F_HTX + i]);
		CHECK_EQ(r->ringid, i);
		CHECK_EQ(r->dir, 0);
	}
	/* host TX ring j is TXRING(ni_tx_rings + j); RX skips host TX too */
	CHECK(NETMAP_TXRING(nifp, F_NTX + 1) == rings[F_NTX + 1]);
	CHECK(NETMAP_RXRING(nifp, 0) != NETMAP_TXRING(nifp, F_NTX));
	CHECK(NETMAP_RXRING(nifp, F_NRX) == rings[F_NRINGS - 1]);
	free(base);
	group_end("NETMAP_IF, NETMAP_TXRING/RXRING indexing with ni_host_tx_rings");
}

static void
test_buf(void)
{
	struct netmap_ring *rings[F_NRINGS];
	struct netmap_if *nifp;
	char *base = fake_region(&nifp, rings);
	uint32_t i;
	int k;

	for (k = 0; k < F_NRINGS; k++) {
		struct netmap_ring *r = rings[k];

		for (i = 0; i < F_NBUFS; i++) {
			char *b = NETMAP_BUF(r, i);

			/* one index space for the whole region */
			CHECK(b == base + F_BUF_OFS + (size_t)i * F_BUFSZ);
			CHECK_EQ(NETMAP_BUF_IDX(r, b), i);
		}
	}
	/* a write through one ring is seen through another */
	memset(NETMAP_BUF(rings[0], 7), 0x5a, F_BUFSZ);
	CHECK(NETMAP_BUF(rings[F_NRINGS - 1], 7)[F_BUFSZ - 1] == 0x5a);
	CHECK(NETMAP_BUF(rings[F_NRINGS - 1], 8)[0] == 0);
	/*
	 * index * size must not wrap at 32 bits (only the address is
	 * computed here, never dereferenced).
	 */
	CHECK_EQ((uint64_t)(NETMAP_BUF(rings[0], 3000000u) -
			    ((char *)rings[0] + rings[0]->buf_ofs)),
		 3000000ull * F_BUFSZ);
	free(base);
	group_end("NETMAP_BUF / NETMAP_BUF_IDX round trip on a fake region");
}

static void
test_offsets(void)
{
	struct netmap_ring *rings[F_NRINGS];
	struct netmap_if *nifp;
	char *base = fake_region(&nifp, rings);
	struct netmap_ring *r = rings[0];
	struct netmap_slot *s = &r->slot[3];

	/* without offsets the mask is 0: no offset whatever ptr holds */
	s->buf_idx = 5;
	s->ptr = 0x1234;
	CHECK_EQ(NETMAP_ROFFSET(r, s), 0);
	CHECK(NETMAP_BUF_OFFSET(r, s) == NETMAP_BUF(r, 5));

	KSET_RING(r, offset_mask, uint64_t, 0xfff);
	s->ptr = 0xabcd000000000000ull;
	NETMAP_WOFFSET(r, s, 0x42);
	CHECK_EQ(s->ptr, 0xabcd000000000042ull);
	CHECK_EQ(NETMAP_ROFFSET(r, s), 0x42);
	CHECK(NETMAP_BUF_OFFSET(r, s) == NETMAP_BUF(r, 5) + 0x42);
	/* bits of the new offset outside the mask are dropped */
	NETMAP_WOFFSET(r, s, 0x12345);
	CHECK_EQ(s->ptr, 0xabcd000000000345ull);
	CHECK_EQ(NETMAP_ROFFSET(r, s), 0x345);
	free(base);
	group_end("NETMAP_ROFFSET / NETMAP_WOFFSET / NETMAP_BUF_OFFSET");
}

static void
test_pkt_copy(void)
{
	static const int lens[] = { 60, 64, 128, 1500, 2048, 0, 960, 1024 };
	enum { GUARD = 64, BUFLEN = 2048 + 2 * GUARD };
	unsigned char *src = (unsigned char *)malloc(BUFLEN);
	unsigned char *dst = (unsigned char *)malloc(BUFLEN);
	size_t t;
	int i;

	if (!src || !dst)
		abort();
	for (i = 0; i < BUFLEN; i++)
		src[i] = (unsigned char)(i * 7 + 1);
	for (t = 0; t < sizeof(lens) / sizeof(lens[0]); t++) {
		int len = lens[t];

		memset(dst, 0xee, BUFLEN);
		nm_pkt_copy(src + GUARD, dst + GUARD, len);
		CHECK(memcmp(dst + GUARD, src + GUARD, (size_t)len) == 0);
		/* exactly len bytes: nothing before, nothing after */
		for (i = 0; i < GUARD; i++)
			CHECK(dst[i] == 0xee);
		for (i = GUARD + len; i < BUFLEN; i++)
			if (dst[i] != 0xee) {
				printf("# len %d: byte %d overwritten\n",
				       len, i - GUARD);
				group_failures++;
				break;
			}
	}
	/* odd source alignment (e.g. after a 10-byte virtio header) */
	memset(dst, 0xee, BUFLEN);
	nm_pkt_copy(src + 10, dst + GUARD, 128);
	CHECK(memcmp(dst + GUARD, src + 10, 128) == 0);
	CHECK(dst[GUARD + 128] == 0xee);
	free(src);
	free(dst);
	group_end("nm_pkt_copy for lengths 60, 64, 128, 1500, 2048 (and 0, 960, 1024)");
}

static void
test_kloop_helpers(void)
{
	struct nm_csb_atok atok;
	struct nm_csb_ktoa ktoa;
	uint32_t hwtail = 0, hwcur = 0;

	memset(&atok, 0, sizeof(atok));
	memset(&ktoa, 0, sizeof(ktoa));
	nm_sync_kloop_appl_write(&atok, 11, 7);
	CHECK_EQ(atok.cur, 11);
	CHECK_EQ(atok.head, 7);
	CHECK_EQ(atok.appl_need_kick, 0);
	ktoa.hwcur = 3;
	ktoa.hwtail = 9;
	nm_sync_kloop_appl_read(&ktoa, &hwtail, &hwcur);
	CHECK_EQ(hwtail, 9);
	CHECK_EQ(hwcur, 3);
	group_end("nm_sync_kloop_appl_write / nm_sync_kloop_appl_read");
}

/*
 * Run fn with stderr redirected to a temporary file and return what it
 * printed (malloc'd, NUL-terminated).
 */
static char *
capture_stderr(void (*fn)(void *), void *arg)
{
	FILE *tmp = tmpfile();
	int saved;
	long n;
	char *out;

	if (!tmp)
		abort();
	fflush(stderr);
	saved = dup(2);
	if (saved < 0 || dup2(fileno(tmp), 2) < 0)
		abort();
	fn(arg);
	fflush(stderr);
	if (dup2(saved, 2) < 0)
		abort();
	close(saved);
	/* fd 2 shared tmp's file offset, so the end is what was written */
	n = (long)lseek(fileno(tmp), 0, SEEK_END);
	if (n < 0)
		abort();
	out = (char *)calloc(1, (size_t)n + 1);
	if (!out)
		abort();
	if (n > 0 && pread(fileno(tmp), out, (size_t)n, 0) != n)
		abort();
	fclose(tmp);
	return out;
}

static int d_line;

static void
emit_d(void *arg)
{
	(void)arg;
	D("hello %d %s", 42, "x"); d_line = __LINE__;
	D("plain");
	ND("never %d", 1);
}

static void
emit_rd(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 10; i++)
		RD(2, "siteA %d", i);
	for (i = 0; i < 10; i++)
		RD(2, "siteB %d", i);
}

static int
count_substr(const char *s, const char *needle)
{
	int n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static void
test_debug_macros(void)
{
	char *out = capture_stderr(emit_d, NULL);
	char func[64], msg[64];
	int sec = -1, usec = -1, line = -1, consumed = 0;
	int a, b;

	/* "SSS.UUUUUU func [line] msg\n" with exactly 3 + 6 digits */
	CHECK(sscanf(out, "%3d.%6d %63s [%d] %n", &sec, &usec, func, &line,
		     &consumed) == 4);
	CHECK(strlen(out) > 10 && out[3] == '.' && out[10] == ' ');
	CHECK(sec >= 0 && sec < 1000);
	CHECK(usec >= 0 && usec < 1000000);
	CHECK(strcmp(func, "emit_d") == 0);
	CHECK_EQ(line, d_line);
	CHECK(sscanf(out + consumed, "%63[^\n]", msg) == 1 &&
	      strcmp(msg, "hello 42 x") == 0);
	CHECK(strstr(out, "] plain\n") != NULL);
	CHECK(strstr(out, "never") == NULL);
	CHECK_EQ(count_substr(out, "\n"), 2);
	free(out);

	/*
	 * Each RD call site has its own budget of lps (2) lines per second.
	 * A loop may straddle a second boundary, so count per second.
	 */
	out = capture_stderr(emit_rd, NULL);
	{
		int per_sec[2][2] = { { 0, 0 }, { 0, 0 } };
		int first_sec[2] = { -1, -1 };
		const char *p;

		a = b = 0;
		for (p = out; *p; p = strchr(p, '\n') + 1) {
			char site;
			int k, idx;

			if (sscanf(p, "%3d.%*6d %*s [%*d] site%c %d", &sec,
				   &site, &idx) != 3 ||
			    (site != 'A' && site != 'B') ||
			    strchr(p, '\n') == NULL) {
				CHECK(!"unexpected RD line");
				break;
			}
			k = site == 'B';
			if (first_sec[k] < 0)
				first_sec[k] = sec;
			if (sec == first_sec[k])
				per_sec[k][0]++;
			else
				per_sec[k][1]++;
			if (k)
				b++;
			else
				a++;
		}
		CHECK(per_sec[0][0] <= 2 && per_sec[0][1] <= 2);
		CHECK(per_sec[1][0] <= 2 && per_sec[1][1] <= 2);
		/* a second site is not silenced by the first one's budget */
		CHECK(a >= 2 && b >= 2);
	}
	CHECK(strstr(out, "siteA 0\n") != NULL);
	CHECK(strstr(out, "siteB 0\n") != NULL);
	if (group_failures)
		printf("# captured: %s", out);
	free(out);

	CHECK(likely(1) == 1 && likely(7) == 1 && unlikely(0) == 0);
	group_end("D / RD / ND output format and rate limit, likely/unlikely");
}

int
main(void)
{
	test_slot();
	test_ring();
	test_if();
	test_header_option();
	test_register();
	test_info_bodies();
	test_vale_bodies();
	test_later_structs();
	test_legacy_structs();
	test_ioctls();
	test_versions();
	test_slot_ring_if_flags();
	test_reg_modes_flags();
	test_req_types();
	test_opt_types();
	test_misc_constants();
	test_legacy_constants();
	test_ring_next();
	test_ring_space();
	test_tx_pending();
	test_ring_lookup();
	test_buf();
	test_offsets();
	test_pkt_copy();
	test_kloop_helpers();
	test_debug_macros();

	if (groups_failed)
		fprintf(stderr, "%d of %d check groups failed\n",
			groups_failed, groups_run);
	return groups_failed ? 1 : 0;
}
