/*
 * core/ctrl_legacy.c - the legacy NIOCREGIF / NIOCGINFO interface (spec §2.3, §5.12).
 *
 * This file owns the translation of the 60-byte struct nmreq into a NIOCCTRL request and of the
 * reply back into the struct nmreq.  The request runs through the same handler table as NIOCCTRL
 * (struct nm_ctrl_ops); it never carries options.  The struct is read from user memory once and
 * written back whole, even on failure (§2.3).  What the reply may change is listed in §5.12 and
 * encoded in legacy_reply(): in particular nr_ringid and nr_flags are never written back, and
 * nr_memsize is truncated to 32 bits, because that is what programs built against the original
 * observe.
 */
#include "ctrl.h"

/* One translated request in one allocation: the request and the body it points to. */
struct legacy_request {
	struct nm_ctrl_req req;
	union {
		struct nmreq_register reg;
		struct nmreq_port_info_get info;
		struct nmreq_vale_attach attach;
		struct nmreq_vale_detach detach;
		struct nmreq_vale_list list;
		struct nmreq_port_hdr port_hdr;
		struct nmreq_vale_newif newif;
		struct nmreq_vale_polling polling;
	} body;
};

/* How each nr_cmd is carried (§5.12 table).  nr_cmd 0 depends on the ioctl: see legacy_route(). */
struct legacy_cmd {
	const char *name;
	unsigned int ioctl;	/* the ioctl the command must arrive on; 0: either */
	u16 reqtype;		/* NETMAP_REQ_* it becomes; 0 if refused */
	int refusal;		/* -errno when reqtype is 0 */
};

static const struct legacy_cmd legacy_cmds[] = {
	[NETMAP_BDG_ATTACH] = { "NETMAP_BDG_ATTACH", NIOCREGIF, NETMAP_REQ_VALE_ATTACH, 0 },
	[NETMAP_BDG_DETACH] = { "NETMAP_BDG_DETACH", NIOCREGIF, NETMAP_REQ_VALE_DETACH, 0 },
	[NETMAP_BDG_REGOPS] = { "NETMAP_BDG_REGOPS", 0, 0, -EINVAL },	/* kernel-internal */
	[NETMAP_BDG_LIST] = { "NETMAP_BDG_LIST", NIOCGINFO, NETMAP_REQ_VALE_LIST, 0 },
	[NETMAP_BDG_VNET_HDR] = { "NETMAP_BDG_VNET_HDR", NIOCREGIF, NETMAP_REQ_PORT_HDR_SET, 0 },
	[NETMAP_BDG_NEWIF] = { "NETMAP_BDG_NEWIF", NIOCREGIF, NETMAP_REQ_VALE_NEWIF, 0 },
	[NETMAP_BDG_DELIF] = { "NETMAP_BDG_DELIF", NIOCREGIF, NETMAP_REQ_VALE_DELIF, 0 },
	/* Compat: the original fails these with ENOMEM (§5.12); we add a log line. */
	[NETMAP_PT_HOST_CREATE] = { "NETMAP_PT_HOST_CREATE", NIOCREGIF, 0, -ENOMEM },
	[NETMAP_PT_HOST_DELETE] = { "NETMAP_PT_HOST_DELETE", NIOCREGIF, 0, -ENOMEM },
	[NETMAP_BDG_POLLING_ON] = { "NETMAP_BDG_POLLING_ON", NIOCREGIF,
				    NETMAP_REQ_VALE_POLLING_ENABLE, 0 },
	[NETMAP_BDG_POLLING_OFF] = { "NETMAP_BDG_POLLING_OFF", NIOCREGIF,
				     NETMAP_REQ_VALE_POLLING_DISABLE, 0 },
	[NETMAP_VNET_HDR_GET] = { "NETMAP_VNET_HDR_GET", NIOCREGIF, NETMAP_REQ_PORT_HDR_GET, 0 },
};

static const char *legacy_ioctl_name(unsigned int cmd)
{
	return cmd == NIOCREGIF ? "NIOCREGIF" : "NIOCGINFO";
}

/* The request type nr_cmd becomes on this ioctl, or -errno (with a log line) if none. */
static int legacy_route(unsigned int cmd, const struct nmreq *nmr)
{
	const struct legacy_cmd *c;

	if (nmr->nr_cmd == 0)
		return cmd == NIOCREGIF ? NETMAP_REQ_REGISTER : NETMAP_REQ_PORT_INFO_GET;
	if (nmr->nr_cmd >= sizeof(legacy_cmds) / sizeof(legacy_cmds[0]) ||
	    !legacy_cmds[nmr->nr_cmd].name) {
		nm_os_log_ratelimited("%s %s: unknown nr_cmd %u", legacy_ioctl_name(cmd),
				      nmr->nr_name, nmr->nr_cmd);
		return -EINVAL;
	}
	c = &legacy_cmds[nmr->nr_cmd];
	if (c->ioctl && c->ioctl != cmd) {
		nm_os_log_ratelimited("%s %s: nr_cmd %s must be sent with %s",
				      legacy_ioctl_name(cmd), nmr->nr_name, c->name,
				      legacy_ioctl_name(c->ioctl));
		return -EINVAL;
	}
	if (!c->reqtype) {
		nm_os_log_ratelimited("%s %s: nr_cmd %s is not supported", legacy_ioctl_name(cmd),
				      nmr->nr_name, c->name);
		return c->refusal;
	}
	return c->reqtype;
}

/* The NR_REG_* mode: the low bits of nr_flags, or, when they are 0, the nr_ringid bits. */
static u32 legacy_mode(const struct nmreq *nmr)
{
	u32 mode = nmr->nr_flags & NR_REG_MASK;

	if (mode != NR_REG_DEFAULT)
		return mode;
	if (nmr->nr_ringid & NETMAP_SW_RING)
		return NR_REG_SW;
	if (nmr->nr_ringid & NETMAP_HW_RING)
		return NR_REG_ONE_NIC;
	return NR_REG_ALL_NIC;
}

/*
 * Appends `mark` and `ring` in decimal to the port name; -ENOMEM if it would not fit (§5.12).
 * With a 15-character legacy name the longest result is 20 bytes, so the check is defensive.
 */
static int legacy_append_pipe_suffix(char name[NETMAP_REQ_IFNAMSIZ], char mark, unsigned int ring)
{
	char digits[10];
	size_t len = 0, n = 0;

	while (len < NETMAP_REQ_IFNAMSIZ && name[len])
		len++;
	do {
		digits[n++] = '0' + ring % 10;
		ring /= 10;
	} while (ring);
	if (len + 1 + n + 1 > NETMAP_REQ_IFNAMSIZ)
		return -ENOMEM;
	name[len++] = mark;
	while (n)
		name[len++] = digits[--n];
	name[len] = '\0';
	return 0;
}

/* REGISTER (and the register part of VALE_ATTACH) from the legacy fields (§5.12). */
static int legacy_to_register(const struct nmreq *nmr, struct nmreq_register *reg,
			      char name[NETMAP_REQ_IFNAMSIZ])
{
	u32 mode = legacy_mode(nmr);
	u16 ring = nmr->nr_ringid & NETMAP_RING_MASK;
	int err;

	reg->nr_flags = nmr->nr_flags & ~(u32)NR_REG_MASK;
	if (nmr->nr_ringid & NETMAP_NO_TX_POLL)
		reg->nr_flags |= NR_NO_TX_POLL;
	if (nmr->nr_ringid & NETMAP_DO_RX_POLL)
		reg->nr_flags |= NR_DO_RX_POLL;
	if (mode == NR_REG_PIPE_MASTER || mode == NR_REG_PIPE_SLAVE) {
		err = legacy_append_pipe_suffix(name, mode == NR_REG_PIPE_MASTER ? '{' : '}', ring);
		if (err) {
			nm_os_log_ratelimited("legacy register %s: pipe name with ring %u does not "
					      "fit in %d bytes", name, ring, NETMAP_REQ_IFNAMSIZ);
			return err;
		}
		mode = NR_REG_ALL_NIC;
		ring = 0;
	}
	reg->nr_mode = mode;
	reg->nr_ringid = ring;
	reg->nr_mem_id = nmr->nr_arg2;
	reg->nr_extra_bufs = nmr->nr_arg3;
	reg->nr_tx_slots = nmr->nr_tx_slots;
	reg->nr_rx_slots = nmr->nr_rx_slots;
	reg->nr_tx_rings = nmr->nr_tx_rings;
	reg->nr_rx_rings = nmr->nr_rx_rings;
	/*
	 * Outputs of REGISTER; carried in so that ATTACH, whose handler does not write its reg,
	 * hands the caller back its own values (§5.12 write-back).
	 */
	reg->nr_offset = nmr->nr_offset;
	reg->nr_memsize = nmr->nr_memsize;
	return 0;
}

static void legacy_to_polling(const struct nmreq *nmr, struct nmreq_vale_polling *p)
{
	u32 mode = legacy_mode(nmr);

	/* Any other mode is passed on as 0, which the polling handler refuses (EINVAL). */
	if (mode == NR_REG_ONE_NIC)
		p->nr_mode = NETMAP_POLLING_MODE_MULTI_CPU;
	else if (mode == NR_REG_ALL_NIC)
		p->nr_mode = NETMAP_POLLING_MODE_SINGLE_CPU;
	p->nr_first_cpu_id = nmr->nr_ringid & NETMAP_RING_MASK;
	p->nr_num_polling_cpus = nmr->nr_arg1;
}

/* Fills the request header and the body of request type `type` from the legacy struct. */
static int legacy_translate(const struct nmreq *nmr, u16 type, struct legacy_request *lr)
{
	struct nm_ctrl_req *req = &lr->req;
	int err = 0;

	req->hdr.nr_version = NETMAP_API;	/* any legacy version >= 14 is treated as 14 */
	req->hdr.nr_reqtype = type;
	memcpy(req->hdr.nr_name, nmr->nr_name, sizeof(nmr->nr_name));
	req->body = &lr->body;
	switch (type) {
	case NETMAP_REQ_REGISTER:
		err = legacy_to_register(nmr, &lr->body.reg, req->hdr.nr_name);
		req->body_size = sizeof(lr->body.reg);
		break;
	case NETMAP_REQ_VALE_ATTACH:
		err = legacy_to_register(nmr, &lr->body.attach.reg, req->hdr.nr_name);
		lr->body.attach.reg.nr_mode = nmr->nr_arg1 & NETMAP_BDG_HOST ? NR_REG_NIC_SW
									  : NR_REG_ALL_NIC;
		req->body_size = sizeof(lr->body.attach);
		break;
	case NETMAP_REQ_PORT_INFO_GET:
		lr->body.info.nr_tx_slots = nmr->nr_tx_slots;
		lr->body.info.nr_rx_slots = nmr->nr_rx_slots;
		lr->body.info.nr_tx_rings = nmr->nr_tx_rings;
		lr->body.info.nr_rx_rings = nmr->nr_rx_rings;
		lr->body.info.nr_mem_id = nmr->nr_arg2;
		req->body_size = sizeof(lr->body.info);
		break;
	case NETMAP_REQ_VALE_DETACH:
		req->body_size = sizeof(lr->body.detach);
		break;
	case NETMAP_REQ_VALE_LIST:
		lr->body.list.nr_bridge_idx = nmr->nr_arg1;
		lr->body.list.nr_port_idx = nmr->nr_arg2;
		req->body_size = sizeof(lr->body.list);
		break;
	case NETMAP_REQ_PORT_HDR_SET:
		lr->body.port_hdr.nr_hdr_len = nmr->nr_arg1;
		req->body_size = sizeof(lr->body.port_hdr);
		break;
	case NETMAP_REQ_PORT_HDR_GET:
		req->body_size = sizeof(lr->body.port_hdr);
		break;
	case NETMAP_REQ_VALE_NEWIF:
		lr->body.newif.nr_tx_slots = nmr->nr_tx_slots;
		lr->body.newif.nr_rx_slots = nmr->nr_rx_slots;
		lr->body.newif.nr_tx_rings = nmr->nr_tx_rings;
		lr->body.newif.nr_rx_rings = nmr->nr_rx_rings;
		lr->body.newif.nr_mem_id = nmr->nr_arg2;
		req->body_size = sizeof(lr->body.newif);
		break;
	case NETMAP_REQ_VALE_POLLING_ENABLE:
	case NETMAP_REQ_VALE_POLLING_DISABLE:
		legacy_to_polling(nmr, &lr->body.polling);
		req->body_size = sizeof(lr->body.polling);
		break;
	default:	/* VALE_DELIF: no body */
		req->body = NULL;
		break;
	}
	return err;
}

static void legacy_reply_register(const struct nmreq_register *reg, struct nmreq *nmr)
{
	nmr->nr_offset = (u32)reg->nr_offset;
	nmr->nr_memsize = (u32)reg->nr_memsize;	/* Compat: truncated to 32 bits */
	nmr->nr_tx_slots = reg->nr_tx_slots;
	nmr->nr_rx_slots = reg->nr_rx_slots;
	nmr->nr_tx_rings = reg->nr_tx_rings;
	nmr->nr_rx_rings = reg->nr_rx_rings;
	nmr->nr_arg2 = reg->nr_mem_id;
	nmr->nr_arg3 = reg->nr_extra_bufs;
}

/* Copies a port name into the 16-byte legacy field: at most 15 characters, zero-padded. */
static void legacy_copy_name(char dst[IFNAMSIZ], const char *src)
{
	size_t i;

	for (i = 0; i < IFNAMSIZ - 1 && src[i]; i++)
		dst[i] = src[i];
	for (; i < IFNAMSIZ; i++)
		dst[i] = '\0';
}

/* The write-back of §5.12, for a request that succeeded.  nr_ringid and nr_flags: never. */
static void legacy_reply(const struct legacy_request *lr, struct nmreq *nmr)
{
	const struct nm_ctrl_req *req = &lr->req;

	switch (req->hdr.nr_reqtype) {
	case NETMAP_REQ_REGISTER:
		legacy_reply_register(&lr->body.reg, nmr);
		break;
	case NETMAP_REQ_VALE_ATTACH:
		legacy_reply_register(&lr->body.attach.reg, nmr);
		break;
	case NETMAP_REQ_PORT_INFO_GET:
		nmr->nr_memsize = (u32)lr->body.info.nr_memsize;
		nmr->nr_tx_slots = lr->body.info.nr_tx_slots;
		nmr->nr_rx_slots = lr->body.info.nr_rx_slots;
		nmr->nr_tx_rings = lr->body.info.nr_tx_rings;
		nmr->nr_rx_rings = lr->body.info.nr_rx_rings;
		nmr->nr_arg2 = lr->body.info.nr_mem_id;
		break;
	case NETMAP_REQ_VALE_LIST:
		legacy_copy_name(nmr->nr_name, req->hdr.nr_name);
		nmr->nr_arg1 = lr->body.list.nr_bridge_idx;
		nmr->nr_arg2 = (u16)lr->body.list.nr_port_idx;
		break;
	case NETMAP_REQ_PORT_HDR_SET:
	case NETMAP_REQ_PORT_HDR_GET:
		nmr->nr_arg1 = (u16)lr->body.port_hdr.nr_hdr_len;
		break;
	case NETMAP_REQ_VALE_NEWIF:
		nmr->nr_tx_slots = lr->body.newif.nr_tx_slots;
		nmr->nr_rx_slots = lr->body.newif.nr_rx_slots;
		nmr->nr_tx_rings = lr->body.newif.nr_tx_rings;
		nmr->nr_rx_rings = lr->body.newif.nr_rx_rings;
		nmr->nr_arg2 = lr->body.newif.nr_mem_id;
		break;
	default:	/* DETACH, DELIF, POLLING_*: nothing to report */
		break;
	}
}

/* §2.3: the whole struct goes back even on failure. */
static int legacy_write_back(u64 unmreq, const struct nmreq *nmr, int err)
{
	if (nm_os_copy_to_user(unmreq, nmr, sizeof(*nmr)))
		return -EFAULT;
	return err;
}

/*
 * Translates, runs, translates back and writes back; last, the finish of a staged request (see
 * struct nm_ctrl_ops), so that a fault writing back leaves nothing behind.
 */
static int legacy_run(void *owner, unsigned int cmd, u64 unmreq, struct nmreq *nmr,
		      const struct nm_ctrl_ops *ops)
{
	struct legacy_request *lr;
	nm_ctrl_handler handler;
	bool staged = false;
	int type, err;

	type = legacy_route(cmd, nmr);
	if (type < 0)
		return legacy_write_back(unmreq, nmr, type);
	lr = nm_os_malloc(sizeof(*lr));
	if (!lr)
		return legacy_write_back(unmreq, nmr, -ENOMEM);
	err = legacy_translate(nmr, type, lr);
	if (err)
		goto write_back;
	handler = ops->handler[type];
	if (!handler) {
		nm_os_log_ratelimited("%s %s: nr_cmd %u needs request %u, not implemented in this "
				      "build", legacy_ioctl_name(cmd), nmr->nr_name, nmr->nr_cmd,
				      type);
		err = -EOPNOTSUPP;
		goto write_back;
	}
	err = handler(owner, &lr->req);
	staged = !err && nm_ctrl_needs_finish(ops, type);
	if (!err)
		legacy_reply(lr, nmr);
write_back:
	err = legacy_write_back(unmreq, nmr, err);
	if (staged)
		err = nm_ctrl_finish(owner, ops, type, &lr->req, err);
	nm_os_free(lr);
	return err;
}

int nm_ctrl_legacy_ioctl(void *owner, unsigned int cmd, u64 unmreq, const struct nm_ctrl_ops *ops)
{
	struct nmreq nmr;

	if (cmd != NIOCREGIF && cmd != NIOCGINFO)
		return -EOPNOTSUPP;	/* §2.3 rule 4: not a command this function knows */
	if (!unmreq)
		return -EINVAL;
	if (nm_os_copy_from_user(&nmr, unmreq, sizeof(nmr)))
		return -EFAULT;
	nmr.nr_name[sizeof(nmr.nr_name) - 1] = '\0';

	if (nmr.nr_version < NETMAP_API) {
		nm_os_log_ratelimited("%s %s: nr_version %u is too old; use %d or later",
				      legacy_ioctl_name(cmd), nmr.nr_name, nmr.nr_version,
				      NETMAP_API);
		return legacy_write_back(unmreq, &nmr, -EINVAL);
	}
	return legacy_run(owner, cmd, unmreq, &nmr, ops);
}
