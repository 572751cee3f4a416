/*
 * tests/guest/fuzz_req.h - the control requests of the syscall fuzzer: port names, request
 * bodies, option chains, and where the kernel finds them (good memory, NULL, unmapped, kernel
 * addresses, across a page boundary into an unmapped page, read-only pages).  It owns the
 * NIOCCTRL, legacy NIOCREGIF/NIOCGINFO and "other ioctl" operations and the errno lists the spec
 * allows for each request type (spec §2.3, §5, §6.4, §7.2, §7.3).
 *
 * Names are drawn from small pools so that requests meet each other on the same ports.  Requests
 * that create Linux interfaces (NEWIF) only ever get names from FZ_NEWIF_NAMES or names the
 * kernel must refuse, so the parent's cleanup knows every interface the run may have created.
 * Generated garbage never contains upper-case letters or spaces: the module logs request names,
 * and the splat patterns (BUG:, Oops, hung task, ...) must not be forged by a name.
 */
#ifndef NM_FUZZ_REQ_H
#define NM_FUZZ_REQ_H

#include "fuzz_sys.h"

static const char *const fz_port_names[] = {
	"fz{0", "fz{1", "fz{2", "fz{3", "fz}0", "fz}1", "fz}2", "fz}3",
	"vale0:a0", "vale0:a1", "vale0:a2", "vale0:a3", "vale1:b0", "vale1:b1", "vale1:b2", "vale1:b3",
	"veth0", "veth1", "veth0", "veth1", "fzp0", "fzp1", "fzp0{1", "fzp1}1",
	"vale0:a0{1", "vale0:a0}1", "veth0{2", "veth1}2", "vale0:veth0", "vale1:fzp0", "veth2", "veth3",
	"vale0:veth2",
};
/* veth2/veth3 are mostly left to the switches: veth0/veth1 are usually open, so EBUSY. */
static const char *const fz_attach_names[] = {
	"vale0:veth0", "vale0:veth1", "vale1:veth0", "vale1:veth1", "vale0:fzp0", "vale0:fzp1",
	"vale1:fzp0", "vale1:fzp1", "vale0:a0", "vale0:nosuchif", "veth0", "vale0:veth0^",
	"vale0:veth2", "vale0:veth2", "vale1:veth3", "vale1:veth3", "vale0:veth3", "vale1:veth2",
};
/* The names NEWIF is meant to create; the others in fz_newif_names should be refused. */
#define FZ_NEWIF_NAMES "fzp0", "fzp1"
/*
 * Every name NEWIF may have created.  Legacy requests cut names to 15 characters, which makes
 * "fzp-name-too-long" valid; and while NETDEV deletes and recreates the veth pair, a NEWIF of
 * "veth0" can take the name (veth0 then comes back as a persistent port, not a veth).
 */
static const char *const fz_created_names[] = { FZ_NEWIF_NAMES, "fzp-name-too-lo", "veth0", "lo" };
static const char *const fz_newif_names[] = {
	FZ_NEWIF_NAMES, FZ_NEWIF_NAMES, "vale0:x", "veth0", "lo", "fzp-name-too-long", "", "valex",
};
static const char *const fz_delif_names[] = {
	FZ_NEWIF_NAMES, FZ_NEWIF_NAMES, "veth0", "lo", "fz", "nosuchif", "", "vale0:a0",
};
static const char *const fz_list_names[] = { "", "", "", "vale0:a0", "vale1:b1", "vale0:veth0",
					     "vale7:x", "veth0", "valez:" };
static const char fz_garbage_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789{}:^*-@/_.,!#%&\t\n\x7f\xff";

/*
 * Module bugs this fuzzer found, both fixed and checked here since: PORT_HDR_SET on a missing
 * pipe of an existing VALE port ("vale0:a0}1") gave ENODEV where spec §5.9 says ENXIO (d0f979f);
 * a REGISTER whose reply could not be written back failed with EFAULT but left the fd bound
 * (cbd36f3, spec §5.6: a failed REGISTER undoes everything).
 */

/* ---- errno lists (0-terminated) the spec allows for each request type ---- */

#define FZ_E_COMMON EINVAL, EFAULT, EMSGSIZE, ENOMEM
#define FZ_E_LOOKUP ENXIO, EBUSY, EOPNOTSUPP	/* port name resolution, §6.4 */
static const int fz_errs_ctrl[16][12] = {
	[0] = { FZ_E_COMMON, 0 },						/* unknown */
	[NETMAP_REQ_REGISTER] = { FZ_E_COMMON, FZ_E_LOOKUP, EIO, 0 },
	[NETMAP_REQ_PORT_INFO_GET] = { FZ_E_COMMON, FZ_E_LOOKUP, 0 },
	[NETMAP_REQ_VALE_ATTACH] = { FZ_E_COMMON, EBUSY, EACCES, EOPNOTSUPP, 0 },
	[NETMAP_REQ_VALE_DETACH] = { FZ_E_COMMON, ENXIO, EBUSY, EACCES, 0 },
	[NETMAP_REQ_VALE_LIST] = { FZ_E_COMMON, ENOENT, 0 },
	[NETMAP_REQ_PORT_HDR_SET] = { FZ_E_COMMON, ENXIO, 0 },
	[NETMAP_REQ_PORT_HDR_GET] = { FZ_E_COMMON, FZ_E_LOOKUP, ENODEV, 0 },
	[NETMAP_REQ_VALE_NEWIF] = { FZ_E_COMMON, EEXIST, 0 },
	[NETMAP_REQ_VALE_DELIF] = { FZ_E_COMMON, ENXIO, EBUSY, 0 },
	[NETMAP_REQ_VALE_POLLING_ENABLE] = { FZ_E_COMMON, ENXIO, EOPNOTSUPP, 0 },
	[NETMAP_REQ_VALE_POLLING_DISABLE] = { FZ_E_COMMON, ENXIO, EOPNOTSUPP, 0 },
	/* (EFAULT, in FZ_E_COMMON, is also "already polling" / "not polling": spec §7.2 Compat) */
	[NETMAP_REQ_POOLS_INFO_GET] = { FZ_E_COMMON, FZ_E_LOOKUP, 0 },
	[NETMAP_REQ_SYNC_KLOOP_START] = { FZ_E_COMMON, ENXIO, EBUSY, EOPNOTSUPP, 0 },
	[NETMAP_REQ_SYNC_KLOOP_STOP] = { FZ_E_COMMON, ENXIO, EINTR, EOPNOTSUPP, 0 },
	[NETMAP_REQ_CSB_ENABLE] = { FZ_E_COMMON, EBUSY, EOPNOTSUPP, 0 },
};
/* The legacy ioctls run the translated request (§5.12): the union of what those may give. */
static const int fz_errs_legacy[] = { EINVAL, EFAULT, ENOMEM, ENXIO, EBUSY, EOPNOTSUPP, EIO,
				      EEXIST, ENOENT, ENODEV, EACCES, 0 };
static const int fz_errs_ioctl[] = { EOPNOTSUPP, EINVAL, EFAULT, ENXIO, EIO, EBUSY, 0 };
static const int fz_errs_sync[] = { ENXIO, EIO, EBUSY, 0 };
static const int fz_errs_open[] = { ENOMEM, EMFILE, ENFILE, 0 };

/* ---- names ---- */

static void fz_garbage_name(struct fz_rng *r, char *name, size_t size)
{
	static const char *const stems[] = { "vale", "val", "valexxxxxxxxxxxxxxxxx:a", "vale0:",
					     "{x", "x{", "x{}", "x}{y", "vale0:a0{", "fz{", "}" };
	size_t n, i = 0;

	memset(name, 0, size);
	if (fz_pct(r, 40)) {
		const char *s = FZ_PICK(r, stems);

		i = strlen(s) < size ? strlen(s) : size - 1;	/* legacy names have 16 bytes */
		memcpy(name, s, i);
	}
	n = fz_pct(r, 10) ? size : i + fz_below(r, (uint32_t)(size - i));	/* size: no NUL */
	for (; i < n; i++)
		name[i] = fz_garbage_chars[fz_below(r, sizeof(fz_garbage_chars) - 1)];
}

/* The name a request of type `t` gets: mostly from the pool that suits it, sometimes garbage. */
static void fz_pick_name(struct fz_rng *r, unsigned int t, char *name, size_t size)
{
	const char *s;

	memset(name, 0, size);
	switch (t) {
	case NETMAP_REQ_VALE_NEWIF:
		s = FZ_PICK(r, fz_newif_names);	/* never garbage: it would create interfaces */
		break;
	case NETMAP_REQ_VALE_DELIF:
		s = FZ_PICK(r, fz_delif_names);
		break;
	case NETMAP_REQ_VALE_ATTACH: case NETMAP_REQ_VALE_DETACH:
	case NETMAP_REQ_VALE_POLLING_ENABLE: case NETMAP_REQ_VALE_POLLING_DISABLE:
		s = FZ_PICK(r, fz_attach_names);
		break;
	case NETMAP_REQ_VALE_LIST:
		s = FZ_PICK(r, fz_list_names);
		break;
	default:
		s = FZ_PICK(r, fz_port_names);
	}
	if (t != NETMAP_REQ_VALE_NEWIF && fz_pct(r, 6)) {
		fz_garbage_name(r, name, size);
		return;
	}
	strncpy(name, s, size - 1);
}

/* ---- field generators: mostly valid, sometimes at the edges, rarely anything ---- */

static uint32_t fz_gen_mode(struct fz_rng *r)
{
	static const uint32_t modes[] = {
		NR_REG_ALL_NIC, NR_REG_ALL_NIC, NR_REG_ALL_NIC, NR_REG_ALL_NIC, NR_REG_ALL_NIC,
		NR_REG_ALL_NIC, NR_REG_SW, NR_REG_NIC_SW, NR_REG_ONE_NIC, NR_REG_ONE_NIC,
		NR_REG_ONE_SW, NR_REG_NULL, NR_REG_DEFAULT, NR_REG_PIPE_MASTER, NR_REG_PIPE_SLAVE, 9,
	};

	return fz_pct(r, 3) ? (uint32_t)fz_next(r) : FZ_PICK(r, modes);
}

static uint64_t fz_gen_flags(struct fz_rng *r)
{
	static const uint64_t known[] = {
		NR_MONITOR_TX, NR_MONITOR_RX, NR_ZCOPY_MON, NR_EXCLUSIVE, NR_RX_RINGS_ONLY,
		NR_TX_RINGS_ONLY, NR_ACCEPT_VNET_HDR, NR_DO_RX_POLL, NR_NO_TX_POLL, 0x1000,
	};
	uint64_t f = 0;

	if (fz_pct(r, 60))
		return 0;
	if (fz_pct(r, 5))
		return fz_next(r) & (fz_pct(r, 50) ? 0xffffffffull : ~0ull);
	f |= FZ_PICK(r, known);
	if (fz_pct(r, 30))
		f |= FZ_PICK(r, known);
	return f;
}

static uint16_t fz_gen_ringid(struct fz_rng *r)
{
	if (fz_pct(r, 70))
		return 0;
	return fz_pct(r, 80) ? (uint16_t)fz_below(r, 4) : (uint16_t)fz_next(r);
}

static uint16_t fz_gen_memid(struct fz_rng *r)
{
	uint32_t k = fz_below(r, 100);

	return k < 70 ? 0 : k < 85 ? 1 : k < 95 ? (uint16_t)(2 + fz_below(r, 9)) : (uint16_t)fz_next(r);
}

/*
 * Rings and slots.  A VALE port created by a request gets a private region sized from them, so
 * at most one dimension is big at a time (16 rings x 4096 slots would be 400 MB under TCG).
 */
static void fz_gen_geometry(struct fz_rng *r, uint32_t *txs, uint32_t *rxs, uint16_t *txr,
			    uint16_t *rxr)
{
	static const uint32_t small_slots[] = { 1, 2, 3, 64, 128, 256, 1000, 1024 };
	static const uint32_t big_slots[] = { 4096, 4097, 65536, 0xffffffff };
	static const uint16_t big_rings[] = { 16, 17, 255, 0xffff };
	int big_slots_chosen = fz_pct(r, 4);
	uint32_t *s[2] = { txs, rxs };
	uint16_t *g[2] = { txr, rxr };
	int d;

	for (d = 0; d < 2; d++) {
		uint32_t k = fz_below(r, 100);

		*s[d] = k < 75 ? 0 : big_slots_chosen ? FZ_PICK(r, big_slots) : FZ_PICK(r, small_slots);
		k = fz_below(r, 100);
		if (big_slots_chosen)
			*g[d] = (uint16_t)fz_below(r, 3);
		else
			*g[d] = k < 75 ? 0 : k < 96 ? (uint16_t)(1 + fz_below(r, 4)) : FZ_PICK(r, big_rings);
	}
}

static uint32_t fz_gen_extra(struct fz_rng *r, const char *name)
{
	static const uint32_t big[] = { 16384, 16385, 100000, 1u << 20, 0xffffffff };
	uint32_t k = fz_below(r, 100);

	if (k < 80)
		return 0;
	if (k < 92)
		return 1 + fz_below(r, 64);
	/* A VALE port created now would get a region sized for them: keep that small. */
	return strncmp(name, "val", 3) ? FZ_PICK(r, big) : 4096;
}

static void fz_gen_register(struct fz_rng *r, struct nmreq_register *reg, const char *name)
{
	static const uint16_t host[] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 64, 65, 0xffff };

	memset(reg, 0, sizeof(*reg));
	if (fz_pct(r, 3))
		reg->nr_offset = fz_next(r), reg->nr_memsize = fz_next(r);
	fz_gen_geometry(r, &reg->nr_tx_slots, &reg->nr_rx_slots, &reg->nr_tx_rings, &reg->nr_rx_rings);
	reg->nr_host_tx_rings = FZ_PICK(r, host);
	reg->nr_host_rx_rings = FZ_PICK(r, host);
	reg->nr_mem_id = fz_gen_memid(r);
	reg->nr_ringid = fz_gen_ringid(r);
	reg->nr_mode = fz_gen_mode(r);
	if (reg->nr_mode == NR_REG_NULL && fz_pct(r, 60))
		reg->nr_mem_id = fz_pct(r, 80) ? 1 : (uint16_t)fz_next(r);
	reg->nr_extra_bufs = fz_gen_extra(r, name);
	reg->nr_flags = fz_gen_flags(r);
}

/* ---- where the kernel finds an object ---- */

enum fz_where { AT_OK, AT_NULL, AT_UNMAPPED, AT_KERNEL, AT_NONCANON, AT_SPAN, AT_RO, AT_ODD };
static const char *const fz_where_names[] = { "ok", "null", "unmapped", "kernel", "noncanon",
					      "span", "ro", "odd" };

static enum fz_where fz_gen_where(struct fz_rng *r, unsigned int bad_pct)
{
	return fz_pct(r, bad_pct) ? (enum fz_where)(1 + fz_below(r, 7)) : AT_OK;
}

/*
 * Puts a copy of the `size`-byte object `obj` where `where` says and returns the user pointer
 * the kernel gets.  `home` is its normal place in the scratch pages; `ro_ofs` its place in the
 * read-only page.  AT_SPAN keeps only the first bytes, up to the guard page.
 */
static uint64_t fz_place(struct fz_ctx *c, enum fz_where where, void *home, const void *obj,
			 size_t size, size_t ro_ofs)
{
	size_t k;

	switch (where) {
	case AT_NULL:
		return 0;
	case AT_UNMAPPED:
		return fz_pct(&c->r, 50) ? 8 : 0xdead0000;
	case AT_KERNEL:
		return fz_pct(&c->r, 50) ? 0xffff888000000000ull : 0xffffffff81000000ull;
	case AT_NONCANON:
		return 0x8000000000000000ull + fz_below(&c->r, 4096);
	case AT_SPAN:
		k = 1 + fz_below(&c->r, size > 1 ? (uint32_t)size - 1 : 1);
		memcpy(c->guard + FZ_PAGE - k, obj, k);
		return (uintptr_t)(c->guard + FZ_PAGE - k);
	case AT_RO:
		mprotect(c->ro, FZ_PAGE, PROT_READ | PROT_WRITE);
		memcpy(c->ro + ro_ofs, obj, size);
		mprotect(c->ro, FZ_PAGE, PROT_READ);
		return (uintptr_t)(c->ro + ro_ofs);
	case AT_ODD:
		k = 1 + fz_below(&c->r, 7);
		memmove((char *)home + k, obj, size);
		return (uintptr_t)home + k;
	default:
		if (home != obj)
			memcpy(home, obj, size);
		return (uintptr_t)home;
	}
}

static void fz_fill(struct fz_rng *r, void *p, size_t n)
{
	unsigned char *b = p;

	while (n--)
		*b++ = (unsigned char)fz_next(r);
}

/* ---- option chains (§5.5) ---- */

struct fz_opt_check {
	int n;
	struct nmreq_option *o[8];	/* options in plain memory, whose nro_next must survive */
	uint64_t next[8];
};

static const uint32_t fz_opt_sizes[NETMAP_REQ_OPT_MAX] = {
	[NETMAP_REQ_OPT_EXTMEM] = sizeof(struct nmreq_opt_extmem),
	[NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS] = sizeof(struct nmreq_opt_sync_kloop_eventfds),
	[NETMAP_REQ_OPT_CSB] = sizeof(struct nmreq_opt_csb),
	[NETMAP_REQ_OPT_SYNC_KLOOP_MODE] = sizeof(struct nmreq_opt_sync_kloop_mode),
	[NETMAP_REQ_OPT_OFFSETS] = sizeof(struct nmreq_opt_offsets),
};
static const char *const fz_opt_names[NETMAP_REQ_OPT_MAX] = { "zero", "extmem", "eventfds",
							      "csb", "kmode", "offsets" };

/* One option: its type, declared size and body.  Returns its size in memory. */
static size_t fz_gen_option(struct fz_ctx *c, struct nmreq_option *o, uint32_t prev_known)
{
	struct fz_rng *r = &c->r;
	uint32_t k = fz_below(r, 100), type;
	size_t mem;

	type = k < 40 ? NETMAP_REQ_OPT_MAX + fz_below(r, 1000) : k < 85 ? 1 + fz_below(r, 5) :
	       k < 90 ? 0 : k < 97 && prev_known ? prev_known : (uint32_t)fz_next(r) | 8;
	memset(o, 0, sizeof(*o));
	o->nro_reqtype = type;
	o->nro_status = fz_pct(r, 10) ? (uint32_t)fz_next(r) : 0;
	mem = type < NETMAP_REQ_OPT_MAX && type ? fz_opt_sizes[type] : sizeof(*o);
	if (type == NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS)
		mem += 8 * fz_below(r, 9);
	fz_fill(r, o + 1, mem - sizeof(*o));
	if (type == NETMAP_REQ_OPT_CSB && fz_pct(r, 50)) {
		struct nmreq_opt_csb *csb = (struct nmreq_opt_csb *)o;

		csb->csb_atok = (uintptr_t)c->scratch + 4096 + 3072;	/* 64-byte aligned */
		csb->csb_ktoa = csb->csb_atok + 512;
	}
	k = fz_below(r, 100);
	o->nro_size = k < 80 ? mem : k < 85 ? 0 : k < 90 ? 4097 : k < 95 ? 1ull << 40 : fz_next(r);
	if (type < NETMAP_REQ_OPT_MAX)
		fz_desc(c, "%s%s", fz_opt_names[type], o->nro_size == mem ? "" : "(size!)");
	else
		fz_desc(c, "unknown(%u)", type);
	return (mem + 7) & ~(size_t)7;
}

/* 100 to 140 unknown options: around the 4096-byte budget (§5.5 rule 3). */
static uint64_t fz_gen_long_chain(struct fz_ctx *c, char *area)
{
	uint32_t i, n = 100 + fz_below(&c->r, 41);
	struct nmreq_option *o = (struct nmreq_option *)area;

	for (i = 0; i < n; i++) {
		memset(&o[i], 0, sizeof(o[i]));
		o[i].nro_reqtype = NETMAP_REQ_OPT_MAX + i;
		o[i].nro_next = i + 1 < n ? (uintptr_t)&o[i + 1] : 0;
	}
	fz_desc(c, "%u unknown]", n);
	return (uintptr_t)area;
}

/*
 * With probability pct, builds a chain in `area` (3 KiB) and returns the pointer for nr_options,
 * else 0.  The end of the chain: 0, a loop back, a bad pointer, or an option straddling the guard
 * page.
 */
static uint64_t fz_gen_options(struct fz_ctx *c, char *area, struct fz_opt_check *chk,
			       unsigned int pct)
{
	struct fz_rng *r = &c->r;
	struct nmreq_option *o[6];
	uint32_t i, n, prev_known = 0, k;
	size_t ofs = 0;

	chk->n = 0;
	if (!fz_pct(r, pct))
		return 0;
	fz_desc(c, " opts=[");
	if (fz_pct(r, 4))
		return fz_gen_long_chain(c, area);
	n = 1 + fz_below(r, 5);
	for (i = 0; i < n; i++) {
		o[i] = (struct nmreq_option *)(area + ofs);
		if (i)
			fz_desc(c, ",");
		ofs += fz_gen_option(c, o[i], prev_known);
		if (o[i]->nro_reqtype && o[i]->nro_reqtype < NETMAP_REQ_OPT_MAX)
			prev_known = o[i]->nro_reqtype;
		if (i)
			o[i - 1]->nro_next = (uintptr_t)o[i];
	}
	k = fz_below(r, 100);
	if (k < 80) {
		o[n - 1]->nro_next = 0;
	} else if (k < 88) {
		i = fz_below(r, n);
		o[n - 1]->nro_next = (uintptr_t)o[i];
		fz_desc(c, ",loop->%u", i);
	} else if (k < 95) {
		o[n - 1]->nro_next = fz_place(c, (enum fz_where)(AT_UNMAPPED + fz_below(r, 3)), NULL,
					      NULL, 0, 0);
		fz_desc(c, ",next=%#llx", (unsigned long long)o[n - 1]->nro_next);
	} else {
		/* The last option again, straddling the guard page: header or body cut short. */
		size_t sz = (ofs - ((char *)o[n - 1] - area)), cut = 1 + fz_below(r, sz - 1);

		o[n - 1]->nro_next = 0;
		memcpy(c->guard + FZ_PAGE - cut, o[n - 1], cut);
		if (n > 1)
			o[n - 2]->nro_next = (uintptr_t)(c->guard + FZ_PAGE - cut);
		else
			o[0] = (struct nmreq_option *)(c->guard + FZ_PAGE - cut);
		fz_desc(c, ",span(%zu of %zu)", cut, sz);
		n--;
	}
	fz_desc(c, "]");
	for (i = 0; i < n && chk->n < 8; i++) {
		chk->o[chk->n] = o[i];
		chk->next[chk->n++] = o[i]->nro_next;
	}
	return (uintptr_t)o[0];
}

/* ---- request bodies ---- */

union fz_body {
	struct nmreq_register reg;
	struct nmreq_port_info_get info;
	struct nmreq_vale_attach attach;
	struct nmreq_vale_list list;
	struct nmreq_port_hdr hdr;
	struct nmreq_vale_newif newif;
	struct nmreq_vale_polling polling;
	struct nmreq_pools_info pools;
	struct nmreq_sync_kloop_start kloop;
	char raw[64];
};

static const char *const fz_req_names[16] = {
	"type0", "REGISTER", "PORT_INFO_GET", "VALE_ATTACH", "VALE_DETACH", "VALE_LIST",
	"PORT_HDR_SET", "PORT_HDR_GET", "VALE_NEWIF", "VALE_DELIF", "POLLING_ENABLE",
	"POLLING_DISABLE", "POOLS_INFO_GET", "KLOOP_START", "KLOOP_STOP", "CSB_ENABLE",
};

static unsigned int fz_gen_reqtype(struct fz_rng *r)
{
	static const uint8_t cut[] = { 35, 45, 52, 58, 63, 67, 71, 76, 81, 83, 85, 90, 92, 94, 96 };
	uint32_t k = fz_below(r, 100), t;

	for (t = 0; t < sizeof(cut); t++)
		if (k < cut[t])
			return t + 1;
	return fz_pct(r, 70) ? (fz_pct(r, 50) ? 0 : 16) : (uint16_t)fz_next(r);
}

/* Non-printable bytes of a name as \xNN, so that a description stays one line. */
static void fz_desc_name(struct fz_ctx *c, const char *name, size_t size)
{
	char out[4 * NETMAP_REQ_IFNAMSIZ + 1];
	size_t i, o = 0;

	for (i = 0; i < size && name[i]; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch > ' ' && ch < 0x7f)
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, 5, "\\x%02x", ch);
	}
	out[o] = '\0';
	fz_desc(c, " '%s'", out);
}

/* Fills the body of request type t; returns its size, 0 for types without a body. */
static size_t fz_gen_body(struct fz_ctx *c, unsigned int t, union fz_body *b, const char *name)
{
	struct fz_rng *r = &c->r;

	memset(b, 0, sizeof(*b));
	switch (t) {
	case NETMAP_REQ_REGISTER:
		fz_gen_register(r, &b->reg, name);
		fz_desc(c, " mode=%u ringid=%#x flags=%#llx mem=%u slots=%u/%u rings=%u/%u host=%u/%u extra=%u",
			b->reg.nr_mode, b->reg.nr_ringid, (unsigned long long)b->reg.nr_flags,
			b->reg.nr_mem_id, b->reg.nr_tx_slots, b->reg.nr_rx_slots, b->reg.nr_tx_rings,
			b->reg.nr_rx_rings, b->reg.nr_host_tx_rings, b->reg.nr_host_rx_rings,
			b->reg.nr_extra_bufs);
		return sizeof(b->reg);
	case NETMAP_REQ_PORT_INFO_GET:
		fz_gen_geometry(r, &b->info.nr_tx_slots, &b->info.nr_rx_slots, &b->info.nr_tx_rings,
				&b->info.nr_rx_rings);
		b->info.nr_mem_id = fz_gen_memid(r);
		fz_desc(c, " mem=%u", b->info.nr_mem_id);
		return sizeof(b->info);
	case NETMAP_REQ_VALE_ATTACH:
		b->attach.reg.nr_mode = fz_pct(r, 85) ? (fz_pct(r, 70) ? NR_REG_ALL_NIC : NR_REG_NIC_SW)
					: fz_gen_mode(r);
		b->attach.reg.nr_ringid = fz_gen_ringid(r);
		b->attach.reg.nr_mem_id = fz_gen_memid(r);
		fz_desc(c, " mode=%u ringid=%#x mem=%u", b->attach.reg.nr_mode,
			b->attach.reg.nr_ringid, b->attach.reg.nr_mem_id);
		return sizeof(b->attach);
	case NETMAP_REQ_VALE_DETACH:
		return sizeof(struct nmreq_vale_detach);
	case NETMAP_REQ_VALE_LIST:
		b->list.nr_bridge_idx = fz_pct(r, 80) ? (uint16_t)fz_below(r, 10) : (uint16_t)fz_next(r);
		b->list.nr_port_idx = fz_pct(r, 80) ? fz_below(r, 256) : (uint32_t)fz_next(r);
		fz_desc(c, " bridge=%u port=%u", b->list.nr_bridge_idx, b->list.nr_port_idx);
		return sizeof(b->list);
	case NETMAP_REQ_PORT_HDR_SET: case NETMAP_REQ_PORT_HDR_GET: {
		static const uint32_t lens[] = { 0, 10, 12, 0, 10, 12, 1, 14, 0xffffffff };

		b->hdr.nr_hdr_len = FZ_PICK(r, lens);
		fz_desc(c, " len=%u", b->hdr.nr_hdr_len);
		return sizeof(b->hdr);
	}
	case NETMAP_REQ_VALE_NEWIF:
		fz_gen_geometry(r, &b->newif.nr_tx_slots, &b->newif.nr_rx_slots,
				&b->newif.nr_tx_rings, &b->newif.nr_rx_rings);
		b->newif.nr_mem_id = fz_gen_memid(r);
		fz_desc(c, " slots=%u/%u rings=%u/%u mem=%u", b->newif.nr_tx_slots,
			b->newif.nr_rx_slots, b->newif.nr_tx_rings, b->newif.nr_rx_rings,
			b->newif.nr_mem_id);
		return sizeof(b->newif);
	case NETMAP_REQ_VALE_POLLING_ENABLE: case NETMAP_REQ_VALE_POLLING_DISABLE:
		b->polling.nr_mode = fz_below(r, 4);
		b->polling.nr_first_cpu_id = fz_below(r, 3);
		b->polling.nr_num_polling_cpus = fz_below(r, 3);
		return sizeof(b->polling);
	case NETMAP_REQ_POOLS_INFO_GET:
		b->pools.nr_mem_id = fz_gen_memid(r);
		fz_desc(c, " mem=%u", b->pools.nr_mem_id);
		return sizeof(b->pools);
	case NETMAP_REQ_SYNC_KLOOP_START:
		b->kloop.sleep_us = fz_pct(r, 80) ? fz_below(r, 1000) : (uint32_t)fz_next(r);
		return sizeof(b->kloop);
	default:
		return 0;
	}
}

/*
 * After a REGISTER (or legacy register) on slot s: record the binding, or check that a failed
 * one left the fd unbound (§5.6: "everything done so far is undone"), which a TXSYNC tells
 * (ENXIO on an unbound fd).
 */
static void fz_after_register(struct fz_ctx *c, struct fz_slot *s, int err,
			      const struct nmreq_register *reply, const char *name)
{
	long ret;

	if (!err) {
		if (s->reg_state == 1)
			fz_violation(c, "a second REGISTER on a bound fd succeeded");
		s->reg_state = 1;
		s->reg = *reply;
		memcpy(s->name, name, sizeof(s->name) - 1);
		return;
	}
	if (s->reg_state != 0)
		return;
	ret = ioctl(s->fd, NIOCTXSYNC);
	if (ret == 0 || errno != ENXIO) {
		fz_desc(c, " probe:TXSYNC->%s", ret == 0 ? "0" : fz_errname(errno));
		fz_violation(c, "a REGISTER that failed with %s left the fd bound", fz_errname(err));
		s->reg_state = -1;
	}
}

/* What the kernel must leave alone in a header it copies back (§2.3, §5.5 rule 7). */
static void fz_check_copyback(struct fz_ctx *c, const struct nmreq_header *sent,
			      const struct nmreq_header *back, const struct fz_opt_check *chk)
{
	int i;

	if (back->nr_options != sent->nr_options || back->nr_body != sent->nr_body ||
	    back->nr_version != sent->nr_version || back->nr_reqtype != sent->nr_reqtype ||
	    back->nr_name[NETMAP_REQ_IFNAMSIZ - 1] != '\0')
		fz_violation(c, "the header came back changed");
	for (i = 0; i < chk->n; i++)
		if (chk->o[i]->nro_next != chk->next[i])
			fz_violation(c, "option %d came back with nro_next %#llx", i,
				     (unsigned long long)chk->o[i]->nro_next);
}

/*
 * Appendix A.3: mode, ring id and flags come back as sent; a zero-copy monitor adds both monitor
 * flags.  NR_REG_NULL is resolved before the monitor flags (§6.4): that is a null port.
 */
static void fz_check_reg_reply(struct fz_ctx *c, const struct nmreq_register *sent,
			       const struct nmreq_register *back)
{
	uint64_t flags = sent->nr_flags;

	if ((flags & NR_ZCOPY_MON) && sent->nr_mode != NR_REG_NULL)
		flags |= NR_MONITOR_TX | NR_MONITOR_RX;
	if (back->nr_mode != sent->nr_mode || back->nr_ringid != sent->nr_ringid ||
	    back->nr_flags != flags)
		fz_violation(c, "REGISTER replied mode %u ringid %#x flags %#llx", back->nr_mode,
			     back->nr_ringid, (unsigned long long)back->nr_flags);
}

/*
 * A SYNC_KLOOP_START that finds its fd in CSB mode runs a loop until something stops it: while
 * it is in the kernel, this thread sends SYNC_KLOOP_STOP on the same fd every millisecond (the
 * slot lock keeps the fd open meanwhile).
 */
struct fz_stopper {
	int fd;
	volatile int done;
};

static void *fz_stopper_run(void *v)
{
	struct fz_stopper *st = v;
	struct nmreq_header h;

	while (!st->done) {
		usleep(1000);
		nm_hdr_init(&h, NETMAP_REQ_SYNC_KLOOP_STOP, "", NULL);
		ioctl(st->fd, NIOCCTRL, &h);
	}
	return NULL;
}

/* NIOCCTRL: a random request on the slot's fd. */
static void fz_op_ctrl(struct fz_ctx *c, struct fz_slot *s)
{
	static const uint16_t versions[] = { 0, 13, 16, 0xffff, 15, 15 };
	struct fz_rng *r = &c->r;
	unsigned int t = fz_gen_reqtype(r);
	enum fz_where hw = fz_gen_where(r, 4), bw = fz_gen_where(r, 6);
	struct nmreq_header h;
	struct fz_opt_check chk;
	union fz_body b;
	uint64_t uhdr;
	size_t bsize;
	long ret;
	int err;

	memset(&h, 0, sizeof(h));
	h.nr_version = fz_pct(r, 92) ? NETMAP_API : FZ_PICK(r, versions);
	h.nr_reqtype = (uint16_t)t;
	h.nr_reserved = fz_pct(r, 2) ? (uint32_t)fz_next(r) : 0;
	fz_pick_name(r, t, h.nr_name, sizeof(h.nr_name));
	fz_desc(c, " %s", t < 16 ? fz_req_names[t] : "type");
	if (t >= 16 || h.nr_version != NETMAP_API || h.nr_reserved)
		fz_desc(c, "(t=%u v=%u res=%u)", t, h.nr_version, h.nr_reserved);
	fz_desc_name(c, h.nr_name, sizeof(h.nr_name));
	bsize = fz_gen_body(c, t, &b, h.nr_name);
	if (fz_pct(r, 3)) {		/* a body where none belongs, or none where one does */
		bsize = bsize ? 0 : sizeof(b);
		fz_desc(c, " body!");
	}
	h.nr_body = bsize ? fz_place(c, bw, c->scratch + FZ_PAGE + 512, &b, bsize, 512) : 0;
	/* Other requests ignore options: most of them get none, so that they get somewhere. */
	h.nr_options = fz_gen_options(c, c->scratch, &chk, t == NETMAP_REQ_REGISTER ? 35 : 20);
	uhdr = fz_place(c, hw, c->scratch + FZ_PAGE, &h, sizeof(h), 0);
	if (hw != AT_OK || (bsize && bw != AT_OK))
		fz_desc(c, " hdr@%s body@%s", fz_where_names[hw], fz_where_names[bw]);
	fz_pre(c);
	if (t == NETMAP_REQ_SYNC_KLOOP_START) {
		struct fz_stopper st = { .fd = s->fd };
		pthread_t stopper;
		int guarded = pthread_create(&stopper, NULL, fz_stopper_run, &st) == 0;

		ret = ioctl(s->fd, NIOCCTRL, (void *)(uintptr_t)uhdr);
		st.done = 1;
		if (guarded)
			pthread_join(stopper, NULL);
	} else {
		ret = ioctl(s->fd, NIOCCTRL, (void *)(uintptr_t)uhdr);
	}
	err = FZ_CHECK(c, "", ret, fz_errs_ctrl[t < 16 ? t : 0]);
	if (hw == AT_OK)
		fz_check_copyback(c, &h, (struct nmreq_header *)(uintptr_t)uhdr, &chk);
	if (t == NETMAP_REQ_REGISTER) {
		const struct nmreq_register *reply = (struct nmreq_register *)(uintptr_t)h.nr_body;

		if (!err)
			fz_check_reg_reply(c, &b.reg, reply);
		fz_after_register(c, s, err, reply, h.nr_name);
	}
}

/* Legacy NIOCREGIF / NIOCGINFO with a random struct nmreq (§5.12). */
static void fz_op_legacy(struct fz_ctx *c, struct fz_slot *s)
{
	struct fz_rng *r = &c->r;
	static const uint32_t versions[] = { 0, 13, 16, 16, 0xffffffff };
	static const uint16_t cmd_req[13] = { 1, 3, 4, 0, 5, 6, 8, 9, 0, 0, 10, 11, 7 };
	enum fz_where where = fz_gen_where(r, 5);
	unsigned long cmd = fz_pct(r, 70) ? NIOCREGIF : NIOCGINFO;
	struct nmreq q, *uq;
	uint16_t sub;
	long ret;
	int err;

	memset(&q, 0, sizeof(q));
	sub = fz_pct(r, 55) ? 0 : fz_pct(r, 90) ? (uint16_t)(1 + fz_below(r, 12)) : (uint16_t)fz_next(r);
	q.nr_cmd = sub;
	fz_pick_name(r, sub < 13 ? cmd_req[sub] : 1, q.nr_name, sizeof(q.nr_name));
	q.nr_version = fz_pct(r, 85) ? NETMAP_API : FZ_PICK(r, versions);
	fz_gen_geometry(r, &q.nr_tx_slots, &q.nr_rx_slots, &q.nr_tx_rings, &q.nr_rx_rings);
	q.nr_ringid = fz_gen_ringid(r);
	if (fz_pct(r, 30))
		q.nr_ringid |= (uint16_t)(fz_next(r) & 0xf000);
	q.nr_flags = (fz_gen_mode(r) & NR_REG_MASK) | (uint32_t)(fz_gen_flags(r) & ~0xfull);
	if (sub == 0 && fz_pct(r, 20)) {	/* a legacy pipe: the ring id is the pipe id */
		strcpy(q.nr_name, "fz");
		q.nr_flags = (q.nr_flags & ~NR_REG_MASK) | (fz_pct(r, 50) ? NR_REG_PIPE_MASTER : NR_REG_PIPE_SLAVE);
	}
	q.nr_arg1 = fz_pct(r, 70) ? (uint16_t)fz_below(r, 2) : (uint16_t)fz_next(r);
	q.nr_arg2 = fz_gen_memid(r);
	q.nr_arg3 = fz_gen_extra(r, q.nr_name);
	fz_desc(c, " %s cmd=%u", cmd == NIOCREGIF ? "NIOCREGIF" : "NIOCGINFO", sub);
	fz_desc_name(c, q.nr_name, sizeof(q.nr_name));
	fz_desc(c, " v=%u ringid=%#x flags=%#x arg1=%u arg2=%u arg3=%u", q.nr_version, q.nr_ringid,
		q.nr_flags, q.nr_arg1, q.nr_arg2, q.nr_arg3);
	uq = (struct nmreq *)(uintptr_t)fz_place(c, where, c->scratch + FZ_PAGE, &q, sizeof(q), 0);
	if (where != AT_OK)
		fz_desc(c, " req@%s", fz_where_names[where]);
	fz_pre(c);
	ret = ioctl(s->fd, cmd, uq);
	err = FZ_CHECK(c, "", ret, fz_errs_legacy);
	/* §5.12: nr_ringid and nr_flags are never written back; nr_name[15] is forced to 0. */
	if ((where == AT_OK || where == AT_ODD) &&
	    (uq->nr_ringid != q.nr_ringid || uq->nr_flags != q.nr_flags || uq->nr_name[15]))
		fz_violation(c, "the legacy request came back with ringid %#x flags %#x",
			     uq->nr_ringid, uq->nr_flags);
	if (cmd == NIOCREGIF && sub == 0) {
		struct nmreq_register reply = { 0 };

		if (!err) {
			reply.nr_offset = uq->nr_offset;
			reply.nr_memsize = uq->nr_memsize;
		}
		fz_after_register(c, s, err, &reply, q.nr_name);
	}
}

/* Other ioctls: NULL and bad arguments, unknown numbers, NIOCCONFIG, syncs with an argument. */
static void fz_op_ioctl(struct fz_ctx *c, struct fz_slot *s)
{
	struct fz_rng *r = &c->r;
	unsigned long cmd;
	uint64_t arg = 0;
	uint32_t nr;
	long ret;

	switch (fz_below(r, 6)) {
	case 0:
		cmd = FZ_PICK(r, ((const unsigned long[]){ NIOCCTRL, NIOCREGIF, NIOCGINFO }));
		break;
	case 1:
		cmd = fz_pct(r, 50) ? NIOCCTRL : NIOCREGIF;
		arg = fz_place(c, (enum fz_where)(AT_UNMAPPED + fz_below(r, 4)), c->scratch, c->scratch,
			       sizeof(struct nmreq_header), 0);
		break;
	case 2:
		do
			nr = fz_below(r, 256);
		while (nr >= 145 && nr <= 151);
		cmd = _IOC(fz_below(r, 4), 'i', nr, fz_below(r, 512));
		arg = (uintptr_t)c->scratch;
		break;
	case 3:
		cmd = NIOCCONFIG;
		fz_fill(r, c->scratch, sizeof(struct nm_ifreq));
		arg = (uintptr_t)c->scratch;
		break;
	case 4:
		cmd = fz_pct(r, 50) ? NIOCTXSYNC : NIOCRXSYNC;
		arg = fz_next(r);
		break;
	default:	/* our numbers with another size or direction */
		nr = FZ_PICK(r, ((const uint32_t[]){ 145, 146, 148, 149, 151 }));
		cmd = _IOC(fz_below(r, 4), 'i', nr, fz_below(r, 300));
		if (cmd == NIOCCTRL || cmd == NIOCREGIF || cmd == NIOCGINFO || cmd == NIOCTXSYNC ||
		    cmd == NIOCRXSYNC)
			cmd ^= 1u << 16;
		arg = (uintptr_t)c->scratch;
	}
	fz_desc(c, " cmd=%#lx arg=%#llx", cmd, (unsigned long long)arg);
	fz_pre(c);
	ret = ioctl(s->fd, cmd, (void *)(uintptr_t)arg);
	FZ_CHECK(c, "", ret, fz_errs_ioctl);
}

#endif /* NM_FUZZ_REQ_H */
