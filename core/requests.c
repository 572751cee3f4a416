/*
 * core/requests.c - the NIOCCTRL request handlers (spec §5.6-§5.9) and the per-fd state they act
 * on.  core/ctrl.c decodes requests and calls these through nm_requests; every handler runs under
 * the control lock, which the OS glue takes around the whole ioctl.  Request types this build
 * does not implement yet have no handler: the decoder answers EOPNOTSUPP and logs it.
 */
#include "file.h"
#include "port.h"
#include "vale.h"

struct nm_file *nm_file_new(void)
{
	struct nm_file *nf = nm_os_malloc(sizeof(*nf));

	if (nf)
		nm_file_kloop_init(nf);
	return nf;
}

/* No other operation on the file is in flight, so no sync-kloop runs. */
void nm_file_release(struct nm_file *nf)
{
	nm_os_ctrl_lock();
	nm_file_unregister(nf);
	nm_os_ctrl_unlock();
	nm_file_kloop_fini(nf);
	nm_os_free(nf);
}

/* The binding, then the options that act on it (OPT_CSB); a failed option undoes the binding. */
static int nm_req_register(void *owner, struct nm_ctrl_req *req)
{
	int err = nm_file_register(owner, req);

	if (err)
		return err;
	err = nm_csb_register_option(owner, req);
	if (err)
		nm_file_unregister(owner);
	return err;
}

/* REGISTER's second phase (struct nm_ctrl_ops): publish the binding, or undo it. */
static int nm_req_register_finish(void *owner, struct nm_ctrl_req *req, int err)
{
	(void)req;
	if (err)
		nm_file_unregister(owner);
	else
		nm_file_register_commit(owner);
	return err;
}

/* The allocator named by mem_id (0 means the global one), with a reference; NULL if unknown. */
static struct nm_mem *nm_mem_by_id(u16 mem_id)
{
	return nm_mem_find(mem_id ? mem_id : 1);
}

/* Resolves a port for an info request, as a REGISTER in mode ALL_NIC with the body's hints. */
static struct nm_adapter *nm_info_lookup(const char *name, const u32 rings[NM_DIRS],
					 const u32 slots[NM_DIRS], u16 mem_id)
{
	struct nm_port_req preq = {
		.name = name,
		.mode = NR_REG_ALL_NIC,
		.rings = { rings[NM_TX], rings[NM_RX] },
		.slots = { slots[NM_TX], slots[NM_RX] },
		.may_create = true,
	};
	struct nm_adapter *na;

	if (mem_id) {
		preq.mem = nm_mem_find(mem_id);
		if (!preq.mem)
			return ERR_PTR(-EINVAL);
	}
	na = nm_port_lookup(&preq);
	if (preq.mem)
		nm_mem_put(preq.mem);
	return na;
}

static int nm_req_port_info_get(void *owner, struct nm_ctrl_req *req)
{
	struct nmreq_port_info_get *info = req->body;
	const u32 rings[NM_DIRS] = { info->nr_tx_rings, info->nr_rx_rings };
	const u32 slots[NM_DIRS] = { info->nr_tx_slots, info->nr_rx_slots };
	struct nm_adapter *na;
	struct nm_mem *mem;
	int err;

	(void)owner;
	if (req->hdr.nr_name[0] == '\0') {	/* memory only (spec §5.7) */
		mem = nm_mem_by_id(info->nr_mem_id);
		if (!mem)
			return -EINVAL;
		err = nm_mem_config(mem);
		if (!err) {
			info->nr_memsize = nm_mem_size(mem);
			info->nr_mem_id = nm_mem_id(mem);
		}
		nm_mem_put(mem);
		return err;
	}
	na = nm_info_lookup(req->hdr.nr_name, rings, slots, info->nr_mem_id);
	if (IS_ERR(na))
		return PTR_ERR(na);
	err = nm_mem_config(na->mem);
	if (!err) {
		info->nr_memsize = nm_mem_size(na->mem);
		info->nr_tx_slots = na->num_slots[NM_TX];
		info->nr_rx_slots = na->num_slots[NM_RX];
		info->nr_tx_rings = na->num_rings[NM_TX];
		info->nr_rx_rings = na->num_rings[NM_RX];
		info->nr_host_tx_rings = na->num_host_rings[NM_TX];
		info->nr_host_rx_rings = na->num_host_rings[NM_RX];
		info->nr_mem_id = nm_mem_id(na->mem);
	}
	nm_adapter_put(na);
	return err;
}

static int nm_req_pools_info_get(void *owner, struct nm_ctrl_req *req)
{
	struct nmreq_pools_info *pools = req->body;
	static const u32 none[NM_DIRS];
	struct nm_adapter *na;
	int err;

	(void)owner;
	if (req->hdr.nr_name[0] == '\0')
		return -ENXIO;	/* Compat (spec §5.8) */
	na = nm_info_lookup(req->hdr.nr_name, none, none, pools->nr_mem_id);
	if (IS_ERR(na))
		return PTR_ERR(na);
	/* The layout is that of a finalised allocator: allocate for the duration of the call. */
	err = nm_mem_activate(na->mem);
	if (!err) {
		nm_mem_pools_info(na->mem, pools);
		nm_mem_deactivate(na->mem);
	}
	nm_adapter_put(na);
	return err;
}

static int nm_req_port_hdr_get(void *owner, struct nm_ctrl_req *req)
{
	struct nmreq_port_hdr *hdr = req->body;
	struct nm_port_req preq = {
		.name = req->hdr.nr_name,
		.mode = NR_REG_ALL_NIC,
		.may_create = false,	/* spec §5.9: nothing is created */
	};
	struct nm_adapter *na = nm_port_lookup(&preq);

	(void)owner;
	if (IS_ERR(na))
		return PTR_ERR(na);
	hdr->nr_hdr_len = na->vnet_hdr_len;
	nm_adapter_put(na);
	return 0;
}

/*
 * PORT_HDR_SET (spec §5.9): 0, 10 or 12 bytes, on a port currently on a switch, named valeX:port.
 * Nothing is created.  The switch lock orders the change against forwarding.
 */
static int nm_req_port_hdr_set(void *owner, struct nm_ctrl_req *req)
{
	struct nmreq_port_hdr *hdr = req->body;
	struct nm_port_req preq = {
		.name = req->hdr.nr_name,
		.mode = NR_REG_ALL_NIC,
		.may_create = false,
	};
	struct nm_adapter *na;
	int err;

	(void)owner;
	if (hdr->nr_hdr_len != 0 && hdr->nr_hdr_len != 10 && hdr->nr_hdr_len != 12)
		return -EINVAL;
	if (!nm_is_vale_name(req->hdr.nr_name))
		return -ENXIO;
	na = nm_port_lookup(&preq);
	/*
	 * A pipe of a VALE port ("vale0:a}1") that does not exist is ENODEV to a lookup, but it is
	 * not a port on a switch either, existing or not: SET answers ENXIO for both.
	 */
	if (PTR_ERR(na) == -ENODEV)
		return -ENXIO;
	if (IS_ERR(na))
		return PTR_ERR(na);
	err = nm_vale_set_vnet_hdr(na, hdr->nr_hdr_len);
	nm_adapter_put(na);
	return err;
}

/* VALE_LIST (spec §7.2): by name, or the next port from a position (the name is written back). */
static int nm_req_vale_list(void *owner, struct nm_ctrl_req *req)
{
	struct nmreq_vale_list *list = req->body;
	u16 bridge = list->nr_bridge_idx;
	u32 port = list->nr_port_idx;
	int err;

	(void)owner;
	if (req->hdr.nr_name[0])
		err = nm_vale_list_name(req->hdr.nr_name, &bridge, &port);
	else
		err = nm_vale_list_next(&bridge, &port, req->hdr.nr_name, sizeof(req->hdr.nr_name));
	if (!err) {
		list->nr_bridge_idx = bridge;
		list->nr_port_idx = port;
	}
	return err;
}

/*
 * The VALE configuration requests are two-phase (struct nm_ctrl_ops): a request whose reply
 * cannot be written back leaves the switches as they were.  NEWIF and ATTACH act in the handler
 * and are undone in the finish; DELIF and DETACH only check in the handler and act in the finish.
 * The control lock is held from the handler to the finish, so what was checked still holds.
 */
static int nm_req_vale_newif(void *owner, struct nm_ctrl_req *req)
{
	(void)owner;
	return nm_vale_newif(req->hdr.nr_name, req->body);
}

static int nm_req_vale_newif_finish(void *owner, struct nm_ctrl_req *req, int err)
{
	(void)owner;
	if (err)
		nm_vale_delif(req->hdr.nr_name);
	return err;
}

static int nm_req_vale_delif(void *owner, struct nm_ctrl_req *req)
{
	(void)owner;
	return nm_vale_delif_check(req->hdr.nr_name);
}

static int nm_req_vale_delif_finish(void *owner, struct nm_ctrl_req *req, int err)
{
	(void)owner;
	return err ? err : nm_vale_delif(req->hdr.nr_name);
}

static int nm_req_vale_attach(void *owner, struct nm_ctrl_req *req)
{
	(void)owner;
	return nm_vale_attach(req->hdr.nr_name, req->body);
}

static int nm_req_vale_attach_finish(void *owner, struct nm_ctrl_req *req, int err)
{
	(void)owner;
	if (err)
		nm_vale_detach(req->hdr.nr_name);
	return err;
}

static int nm_req_vale_detach(void *owner, struct nm_ctrl_req *req)
{
	(void)owner;
	return nm_vale_detach_check(req->hdr.nr_name, req->body);
}

static int nm_req_vale_detach_finish(void *owner, struct nm_ctrl_req *req, int err)
{
	(void)owner;
	return err ? err : nm_vale_detach(req->hdr.nr_name);
}

static int nm_req_vale_polling_enable(void *owner, struct nm_ctrl_req *req)
{
	(void)owner;
	return nm_vale_polling_enable(req->hdr.nr_name, req->body);
}

/* The reply could not be written: the threads go again. */
static int nm_req_vale_polling_enable_finish(void *owner, struct nm_ctrl_req *req, int err)
{
	(void)owner;
	if (err)
		nm_vale_polling_disable(req->hdr.nr_name);
	return err;
}

static int nm_req_vale_polling_disable(void *owner, struct nm_ctrl_req *req)
{
	(void)owner;
	return nm_vale_polling_disable(req->hdr.nr_name);
}

const struct nm_ctrl_ops nm_requests = {
	.handler = {
		[NETMAP_REQ_REGISTER] = nm_req_register,
		[NETMAP_REQ_PORT_INFO_GET] = nm_req_port_info_get,
		[NETMAP_REQ_POOLS_INFO_GET] = nm_req_pools_info_get,
		[NETMAP_REQ_PORT_HDR_GET] = nm_req_port_hdr_get,
		[NETMAP_REQ_VALE_LIST] = nm_req_vale_list,
		[NETMAP_REQ_PORT_HDR_SET] = nm_req_port_hdr_set,
		[NETMAP_REQ_VALE_NEWIF] = nm_req_vale_newif,
		[NETMAP_REQ_VALE_DELIF] = nm_req_vale_delif,
		[NETMAP_REQ_VALE_ATTACH] = nm_req_vale_attach,
		[NETMAP_REQ_VALE_DETACH] = nm_req_vale_detach,
		[NETMAP_REQ_CSB_ENABLE] = nm_req_csb_enable,
		[NETMAP_REQ_SYNC_KLOOP_START] = nm_req_kloop_start,
		[NETMAP_REQ_SYNC_KLOOP_STOP] = nm_req_kloop_stop,
		[NETMAP_REQ_VALE_POLLING_ENABLE] = nm_req_vale_polling_enable,
		[NETMAP_REQ_VALE_POLLING_DISABLE] = nm_req_vale_polling_disable,
	},
	.finish = {
		[NETMAP_REQ_REGISTER] = nm_req_register_finish,
		[NETMAP_REQ_VALE_NEWIF] = nm_req_vale_newif_finish,
		[NETMAP_REQ_VALE_DELIF] = nm_req_vale_delif_finish,
		[NETMAP_REQ_VALE_ATTACH] = nm_req_vale_attach_finish,
		[NETMAP_REQ_VALE_DETACH] = nm_req_vale_detach_finish,
		[NETMAP_REQ_SYNC_KLOOP_START] = nm_req_kloop_start_finish,
		[NETMAP_REQ_VALE_POLLING_ENABLE] = nm_req_vale_polling_enable_finish,
	},
};
