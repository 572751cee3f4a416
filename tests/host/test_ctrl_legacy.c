/*
 * Host test of the legacy translation (core/ctrl_legacy.c): the §5.12 translations of NIOCREGIF
 * and NIOCGINFO with a struct nmreq into the requests the NIOCCTRL handlers see, and of their
 * replies back.  Bad user pointers are unmapped addresses or guard pages, which the userspace
 * os.h turns into -EFAULT.  The fake handler (ctrl_fakes.h) records what it saw and does what
 * each case asks.  Every ioctl is followed by a leak check against nm_os_live_objects().
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ctrl.h"
#include "ctrl_fakes.h"
#include "os_user.h"
#include "../t.h"

/* ---- §5.12: the legacy interface ---- */

static int legacy(unsigned int cmd, void *nmr)
{
	int err = nm_ctrl_legacy_ioctl(&owner_token, cmd, UPTR(nmr), &ops);

	leak_check();
	return err;
}

static void nmreq_init(struct nmreq *r, const char *name, u16 nr_cmd)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->nr_name, sizeof(r->nr_name), "%s", name);
	r->nr_version = NETMAP_API;
	r->nr_cmd = nr_cmd;
}

#define SEEN_BODY(type) ((const type *)seen.body)

static void test_legacy_copy(void)
{
	char *end = guarded_end();
	struct nmreq *edge = (struct nmreq *)(end - sizeof(*edge));
	long pg = sysconf(_SC_PAGESIZE);
	struct nmreq r, before, *ro;

	reset_fake();
	ok(legacy(NIOCREGIF, NULL) == -EINVAL, "legacy: a NULL pointer gives EINVAL");
	ok(legacy(NIOCREGIF, (void *)8) == -EFAULT, "legacy: an unmapped pointer gives EFAULT");
	ok(legacy(NIOCREGIF, end - 30) == -EFAULT, "legacy: a struct running into a hole: EFAULT");
	nmreq_init(edge, "vale0:a", 0);
	ok(legacy(NIOCREGIF, edge) == 0 && seen.calls == 1,
	   "legacy: exactly 60 bytes are read (a struct ending at a page boundary works)");
	ok(legacy(NIOCCTRL, edge) == -EOPNOTSUPP, "legacy: another ioctl number: EOPNOTSUPP");

	nmreq_init(&r, "", 0);
	memset(r.nr_name, 'y', sizeof(r.nr_name));
	r.nr_version = 13;
	r.nr_arg1 = 5;
	before = r;
	before.nr_name[15] = 0;
	ok(legacy(NIOCREGIF, &r) == -EINVAL && !memcmp(&r, &before, sizeof(r)),
	   "legacy nr_version 13: EINVAL; the struct comes back as sent plus nr_name[15] = 0");
	reset_fake();
	nmreq_init(&r, "vale0:a", 0);
	r.nr_version = 16;
	ok(legacy(NIOCREGIF, &r) == 0 && seen.hdr.nr_version == NETMAP_API && seen.nopts == 0 &&
	   seen.hdr.nr_options == 0 && seen.hdr.nr_reqtype == NETMAP_REQ_REGISTER,
	   "legacy nr_version 16 is accepted and runs as a version-14 REGISTER, no options");

	ro = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	nmreq_init(ro, "vale0:a", 0);
	mprotect(ro, pg, PROT_READ);
	ok(legacy(NIOCREGIF, ro) == -EFAULT, "legacy: a struct that cannot be written back: EFAULT");
	munmap(ro, pg);
}

static void test_legacy_register_modes(void)
{
	static const struct {
		u32 flags;
		u16 ringid;
		u32 mode;
		u16 ring;
		u64 reg_flags;
	} t[] = {
		{ 0, 0, NR_REG_ALL_NIC, 0, 0 },
		{ 0, NETMAP_SW_RING | 5, NR_REG_SW, 5, 0 },
		{ 0, NETMAP_HW_RING | 3, NR_REG_ONE_NIC, 3, 0 },
		{ 0, NETMAP_SW_RING | NETMAP_HW_RING | 1, NR_REG_SW, 1, 0 },
		{ NR_REG_NIC_SW, NETMAP_HW_RING | 2, NR_REG_NIC_SW, 2, 0 },
		{ NR_REG_ONE_SW, 0x0fff, NR_REG_ONE_SW, 0x0fff, 0 },
		{ NR_REG_ONE_NIC | NR_EXCLUSIVE, NETMAP_NO_TX_POLL | NETMAP_DO_RX_POLL | 7,
		  NR_REG_ONE_NIC, 7, NR_EXCLUSIVE | NR_NO_TX_POLL | NR_DO_RX_POLL },
		{ NR_REG_NULL | NR_ACCEPT_VNET_HDR, NETMAP_NO_TX_POLL, NR_REG_NULL, 0,
		  NR_ACCEPT_VNET_HDR | NR_NO_TX_POLL },
	};
	const struct nmreq_register *reg = SEEN_BODY(struct nmreq_register);
	struct nmreq r;
	unsigned int i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		reset_fake();
		nmreq_init(&r, "eth0", 0);
		r.nr_flags = t[i].flags;
		r.nr_ringid = t[i].ringid;
		ok(legacy(NIOCREGIF, &r) == 0 && reg->nr_mode == t[i].mode &&
		   reg->nr_ringid == t[i].ring && reg->nr_flags == t[i].reg_flags,
		   "legacy REGISTER nr_flags 0x%x nr_ringid 0x%x: mode %u ring %u flags 0x%llx",
		   t[i].flags, t[i].ringid, t[i].mode, t[i].ring,
		   (unsigned long long)t[i].reg_flags);
	}
	reset_fake();
	nmreq_init(&r, "eth0", 0);
	r.nr_tx_slots = 11, r.nr_rx_slots = 12, r.nr_tx_rings = 13, r.nr_rx_rings = 14;
	r.nr_arg1 = 99, r.nr_arg2 = 3, r.nr_arg3 = 40;
	ok(legacy(NIOCREGIF, &r) == 0 && seen.body_size == 56 && reg->nr_mem_id == 3 &&
	   reg->nr_extra_bufs == 40 && reg->nr_tx_slots == 11 && reg->nr_rx_slots == 12 &&
	   reg->nr_tx_rings == 13 && reg->nr_rx_rings == 14 && reg->nr_host_tx_rings == 0 &&
	   !strcmp(seen.hdr.nr_name, "eth0"),
	   "legacy REGISTER: mem id = nr_arg2, extra bufs = nr_arg3, slots, rings, name");
}

static void test_legacy_pipes(void)
{
	const struct nmreq_register *reg = SEEN_BODY(struct nmreq_register);
	struct nmreq r;

	reset_fake();
	nmreq_init(&r, "pipe0", 0);
	r.nr_flags = NR_REG_PIPE_MASTER;
	r.nr_ringid = 7;
	ok(legacy(NIOCREGIF, &r) == 0 && !strcmp(seen.hdr.nr_name, "pipe0{7") &&
	   reg->nr_mode == NR_REG_ALL_NIC && reg->nr_ringid == 0,
	   "legacy PIPE_MASTER ring 7: name \"pipe0{7\", ALL_NIC ring 0");
	nmreq_init(&r, "abcdefghijklmnopq", 0);
	r.nr_flags = NR_REG_PIPE_SLAVE;
	r.nr_ringid = NETMAP_HW_RING | 4095;
	ok(legacy(NIOCREGIF, &r) == 0 && !strcmp(seen.hdr.nr_name, "abcdefghijklmno}4095") &&
	   reg->nr_mode == NR_REG_ALL_NIC && reg->nr_ringid == 0 && !strcmp(r.nr_name, "abcdefghijklmno"),
	   "legacy PIPE_SLAVE ring 4095, 15-character name: \"...}4095\"; caller's name kept");
	/*
	 * The ENOMEM of §5.12 needs a name longer than 64 bytes, which a 15-character legacy name
	 * plus "}4095" can never reach: the check in ctrl_legacy.c is defensive only.
	 */
}

static void test_legacy_register_reply(void)
{
	struct nmreq r, before;

	reset_fake();
	cfg.fill_reply = true;
	nmreq_init(&r, "eth0", 0);
	r.nr_ringid = NETMAP_HW_RING | 3;
	r.nr_flags = NR_EXCLUSIVE;
	r.nr_arg1 = 77;
	r.spare2[0] = 0x99;
	ok(legacy(NIOCREGIF, &r) == 0 && r.nr_offset == 0x1000 && r.nr_memsize == 0x23456789 &&
	   r.nr_tx_slots == 1024 && r.nr_rx_slots == 512 && r.nr_tx_rings == 4 &&
	   r.nr_rx_rings == 2 && r.nr_arg2 == 7 && r.nr_arg3 == 3,
	   "legacy REGISTER reply: offset, memsize truncated to 32 bits, slots, rings, mem id, "
	   "extra bufs");
	ok(r.nr_ringid == (NETMAP_HW_RING | 3) && r.nr_flags == NR_EXCLUSIVE && r.nr_arg1 == 77 &&
	   r.spare2[0] == 0x99, "legacy REGISTER reply: nr_ringid and nr_flags never written back");
	ok(commit_calls == 1 && commit_owner == &owner_token && undo_calls == 0,
	   "legacy REGISTER: committed once (it has no options to fail on)");

	reset_fake();
	cfg.fill_reply = true;
	cfg.ret = -EBUSY;
	nmreq_init(&r, "eth0", 0);
	r.nr_tx_slots = 5;
	before = r;
	ok(legacy(NIOCREGIF, &r) == -EBUSY && !memcmp(&r, &before, sizeof(r)),
	   "legacy REGISTER failure: nothing written back, the errno is the handler's");
	ok(commit_calls == 0, "legacy REGISTER failure: not committed");

	/* The struct is read, the handler succeeds, the write-back faults: undone, EFAULT. */
	reset_fake();
	{
		long pg = sysconf(_SC_PAGESIZE);
		struct nmreq *ro = mmap(NULL, pg, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		nmreq_init(ro, "eth0", 0);
		mprotect(ro, pg, PROT_READ);
		ok(legacy(NIOCREGIF, ro) == -EFAULT && seen.calls == 1 && undo_calls == 1 &&
		   commit_calls == 0,
		   "legacy REGISTER whose struct cannot be written back: EFAULT, undone");
		munmap(ro, pg);
	}
}

static void test_legacy_info(void)
{
	const struct nmreq_port_info_get *info = SEEN_BODY(struct nmreq_port_info_get);
	struct nmreq r;

	reset_fake();
	cfg.fill_reply = true;
	nmreq_init(&r, "eth1", 0);
	r.nr_arg2 = 4, r.nr_tx_slots = 1, r.nr_rx_rings = 2, r.nr_offset = 0x77, r.nr_arg3 = 8;
	ok(legacy(NIOCGINFO, &r) == 0 && seen.hdr.nr_reqtype == NETMAP_REQ_PORT_INFO_GET &&
	   info->nr_mem_id == 4 && info->nr_tx_slots == 1 && info->nr_rx_rings == 2 &&
	   info->nr_host_tx_rings == 0 && info->nr_host_rx_rings == 0,
	   "legacy NIOCGINFO: PORT_INFO_GET, mem id = nr_arg2, host rings 0");
	ok(r.nr_memsize == 0x1234 && r.nr_tx_slots == 256 && r.nr_rx_slots == 128 &&
	   r.nr_tx_rings == 8 && r.nr_rx_rings == 6 && r.nr_arg2 == 2 && r.nr_offset == 0x77 &&
	   r.nr_arg3 == 8, "legacy NIOCGINFO reply: memsize (32 bits), slots, rings, nr_arg2");
}

static void test_legacy_attach_detach(void)
{
	const struct nmreq_vale_attach *att = SEEN_BODY(struct nmreq_vale_attach);
	struct nmreq r, before;

	reset_fake();
	cfg.fill_reply = true;
	nmreq_init(&r, "vale0:eth0", NETMAP_BDG_ATTACH);
	r.nr_arg1 = NETMAP_BDG_HOST, r.nr_arg2 = 6, r.nr_offset = 0x10, r.nr_memsize = 0x20;
	r.nr_tx_slots = 1, r.nr_rx_slots = 2, r.nr_tx_rings = 3, r.nr_rx_rings = 4, r.nr_arg3 = 5;
	before = r;
	ok(legacy(NIOCREGIF, &r) == 0 && seen.hdr.nr_reqtype == NETMAP_REQ_VALE_ATTACH &&
	   seen.body_size == 64 && att->reg.nr_mode == NR_REG_NIC_SW && att->reg.nr_mem_id == 6,
	   "legacy BDG_ATTACH with NETMAP_BDG_HOST: VALE_ATTACH, mode NIC_SW, mem id nr_arg2");
	ok(!memcmp(&r, &before, sizeof(r)),
	   "legacy BDG_ATTACH reply: the register fields carry the request's own values");
	r.nr_arg1 = 0;
	ok(legacy(NIOCREGIF, &r) == 0 && att->reg.nr_mode == NR_REG_ALL_NIC,
	   "legacy BDG_ATTACH without NETMAP_BDG_HOST: mode ALL_NIC");
	ok(legacy(NIOCGINFO, &r) == -EINVAL, "legacy BDG_ATTACH on NIOCGINFO: EINVAL");

	nmreq_init(&r, "vale0:eth0", NETMAP_BDG_DETACH);
	before = r;
	ok(legacy(NIOCREGIF, &r) == 0 && seen.hdr.nr_reqtype == NETMAP_REQ_VALE_DETACH &&
	   seen.body_size == 8 && !memcmp(&r, &before, sizeof(r)),
	   "legacy BDG_DETACH: VALE_DETACH, nothing written back");
	nmreq_init(&r, "vale0:x", NETMAP_BDG_DELIF);
	ok(legacy(NIOCREGIF, &r) == 0 && seen.hdr.nr_reqtype == NETMAP_REQ_VALE_DELIF &&
	   seen.body_null && seen.body_size == 0, "legacy BDG_DELIF: VALE_DELIF without a body");
	nmreq_init(&r, "vale0:x", NETMAP_BDG_NEWIF);
	r.nr_tx_slots = 100, r.nr_rx_rings = 2, r.nr_arg2 = 3;
	ok(legacy(NIOCREGIF, &r) == 0 && SEEN_BODY(struct nmreq_vale_newif)->nr_tx_slots == 100 &&
	   SEEN_BODY(struct nmreq_vale_newif)->nr_rx_rings == 2 &&
	   SEEN_BODY(struct nmreq_vale_newif)->nr_mem_id == 3,
	   "legacy BDG_NEWIF: VALE_NEWIF with slots, rings, mem id = nr_arg2");
	ok(r.nr_tx_slots == 2048 && r.nr_rx_slots == 1536 && r.nr_tx_rings == 3 &&
	   r.nr_rx_rings == 5 && r.nr_arg2 == 9, "legacy BDG_NEWIF reply: slots, rings, nr_arg2");
}

static void test_legacy_list_hdr(void)
{
	const struct nmreq_vale_list *list = SEEN_BODY(struct nmreq_vale_list);
	struct nmreq r;

	reset_fake();
	cfg.fill_reply = true;
	cfg.set_name = "vale1:averyveryverylongname";
	nmreq_init(&r, "", NETMAP_BDG_LIST);
	r.nr_arg1 = 1, r.nr_arg2 = 2;
	ok(legacy(NIOCGINFO, &r) == 0 && list->nr_bridge_idx == 1 && list->nr_port_idx == 2,
	   "legacy BDG_LIST: VALE_LIST with bridge = nr_arg1, port = nr_arg2");
	ok(!strcmp(r.nr_name, "vale1:averyvery") && r.nr_arg1 == 3 && r.nr_arg2 == 9,
	   "legacy BDG_LIST reply: name truncated to 15 characters, nr_arg1, nr_arg2");
	ok(legacy(NIOCREGIF, &r) == -EINVAL, "legacy BDG_LIST on NIOCREGIF: EINVAL");

	reset_fake();
	cfg.fill_reply = true;
	nmreq_init(&r, "vale0:a", NETMAP_BDG_VNET_HDR);
	r.nr_arg1 = 10;
	ok(legacy(NIOCREGIF, &r) == 0 && seen.hdr.nr_reqtype == NETMAP_REQ_PORT_HDR_SET &&
	   SEEN_BODY(struct nmreq_port_hdr)->nr_hdr_len == 10 && r.nr_arg1 == 10,
	   "legacy BDG_VNET_HDR: PORT_HDR_SET with nr_hdr_len = nr_arg1");
	nmreq_init(&r, "vale0:a", NETMAP_VNET_HDR_GET);
	ok(legacy(NIOCREGIF, &r) == 0 && seen.hdr.nr_reqtype == NETMAP_REQ_PORT_HDR_GET &&
	   r.nr_arg1 == 12, "legacy VNET_HDR_GET: PORT_HDR_GET, nr_arg1 = header length");
}

static void test_legacy_refusals(void)
{
	const struct nmreq_vale_polling *poll = SEEN_BODY(struct nmreq_vale_polling);
	static const u16 bad_cmds[] = { 13, 200, 0xffff };
	struct nmreq r;
	unsigned long lines;
	unsigned int i;

	reset_fake();
	nmreq_init(&r, "vale0:a", NETMAP_BDG_REGOPS);
	ok(legacy(NIOCREGIF, &r) == -EINVAL && legacy(NIOCGINFO, &r) == -EINVAL &&
	   seen.calls == 0, "legacy BDG_REGOPS: EINVAL on either ioctl");
	for (i = NETMAP_PT_HOST_CREATE; i <= NETMAP_PT_HOST_DELETE; i++) {
		nmreq_init(&r, "vale0:a", i);
		lines = nm_os_log_lines;
		ok(legacy(NIOCREGIF, &r) == -ENOMEM && seen.calls == 0 && nm_os_log_lines > lines,
		   "legacy nr_cmd %u (PT_HOST_*): ENOMEM and a log line", i);
	}
	for (i = 0; i < sizeof(bad_cmds) / sizeof(bad_cmds[0]); i++) {
		nmreq_init(&r, "vale0:a", bad_cmds[i]);
		ok(legacy(NIOCREGIF, &r) == -EINVAL && legacy(NIOCGINFO, &r) == -EINVAL &&
		   seen.calls == 0, "legacy unknown nr_cmd %u: EINVAL", bad_cmds[i]);
	}

	nmreq_init(&r, "vale0:", NETMAP_BDG_POLLING_ON);
	r.nr_ringid = NETMAP_HW_RING | 2, r.nr_arg1 = 3;
	ok(legacy(NIOCREGIF, &r) == 0 &&
	   seen.hdr.nr_reqtype == NETMAP_REQ_VALE_POLLING_ENABLE &&
	   poll->nr_mode == NETMAP_POLLING_MODE_MULTI_CPU && poll->nr_first_cpu_id == 2 &&
	   poll->nr_num_polling_cpus == 3, "legacy POLLING_ON, ONE_NIC: MULTI_CPU from ring 2");
	nmreq_init(&r, "vale0:", NETMAP_BDG_POLLING_OFF);
	ok(legacy(NIOCREGIF, &r) == 0 &&
	   seen.hdr.nr_reqtype == NETMAP_REQ_VALE_POLLING_DISABLE &&
	   poll->nr_mode == NETMAP_POLLING_MODE_SINGLE_CPU, "legacy POLLING_OFF, ALL_NIC: SINGLE");
	nmreq_init(&r, "vale0:", NETMAP_BDG_POLLING_ON);
	r.nr_ringid = NETMAP_SW_RING;
	ok(legacy(NIOCREGIF, &r) == 0 && poll->nr_mode == 0,
	   "legacy POLLING_ON in another mode: nr_mode 0, left for the handler to refuse");

	ops.handler[NETMAP_REQ_VALE_POLLING_ENABLE] = NULL;
	seen.calls = 0;
	ok(legacy(NIOCREGIF, &r) == -EOPNOTSUPP && seen.calls == 0,
	   "legacy command whose request has no handler: EOPNOTSUPP");
	ops.handler[NETMAP_REQ_VALE_POLLING_ENABLE] = fake_handler;
}

int main(void)
{
	baseline = nm_os_live_objects();
	ops_all();
	test_legacy_copy();
	test_legacy_register_modes();
	test_legacy_pipes();
	test_legacy_register_reply();
	test_legacy_info();
	test_legacy_attach_detach();
	test_legacy_list_hdr();
	test_legacy_refusals();
	ok(leaks == 0, "no request leaked memory (%d leaking calls)", leaks);
	ok(nm_os_live_objects() == baseline, "nm_os_live_objects() is back to its baseline");
	return t_exit();
}
