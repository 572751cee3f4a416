/*
 * core/register.c - REGISTER (spec §5.6): binding a file descriptor to rings of a port, building
 * its netmap_if, and undoing all of it on close.  Runs under the control lock.  The steps follow
 * the spec's order; the first failure undoes everything done so far, in reverse.  A successful
 * REGISTER is not visible to the data path until the decoder commits it (core/file.h).
 */
#include "file.h"
#include "params.h"
#include "port.h"

/* Ring selection for one direction (spec §5.6 table); the EINVAL cases are checked by the caller. */
static void nm_select_dir(const struct nm_adapter *na, enum nm_dir d, u32 mode, u32 id,
			  u32 *first, u32 *last)
{
	u32 n = na->num_rings[d], h = na->num_host_rings[d];

	switch (mode) {
	case NR_REG_SW:
		*first = n, *last = n + h;
		break;
	case NR_REG_NIC_SW:
		*first = 0, *last = n + h;
		break;
	case NR_REG_ONE_NIC:
		*first = id < n ? id : 0;
		*last = n ? *first + 1 : 0;
		break;
	case NR_REG_ONE_SW:
		*first = n + (id < h ? id : 0);
		*last = h ? *first + 1 : n;
		break;
	default:	/* NR_REG_ALL_NIC, NR_REG_NULL */
		*first = 0, *last = n;
		break;
	}
}

static int nm_select_rings(const struct nm_adapter *na, u32 mode, u32 id, u64 flags,
			   u32 first[NM_DIRS], u32 last[NM_DIRS])
{
	bool has_host = na->num_host_rings[NM_TX] || na->num_host_rings[NM_RX];
	int d;

	switch (mode) {
	case NR_REG_ALL_NIC:
	case NR_REG_NULL:
		break;
	case NR_REG_SW:
	case NR_REG_NIC_SW:
		if (!has_host)
			return -EINVAL;
		break;
	case NR_REG_ONE_NIC:
		if (id >= na->num_rings[NM_TX] && id >= na->num_rings[NM_RX])
			return -EINVAL;
		break;
	case NR_REG_ONE_SW:
		if (!has_host || (id >= na->num_host_rings[NM_TX] && id >= na->num_host_rings[NM_RX]))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	for (d = 0; d < NM_DIRS; d++) {
		if ((d == NM_RX && (flags & NR_TX_RINGS_ONLY)) ||
		    (d == NM_TX && (flags & NR_RX_RINGS_ONLY)))
			first[d] = last[d] = 0;
		else
			nm_select_dir(na, d, mode, id, &first[d], &last[d]);
	}
	return 0;
}

/* The file's link for kring i of direction d (links are laid out TX rings first). */
static struct nm_ring_link *nm_file_link(struct nm_file *nf, const u32 first[NM_DIRS],
					 const u32 last[NM_DIRS], enum nm_dir d, u32 i)
{
	return &nf->links[(d == NM_RX ? last[NM_TX] - first[NM_TX] : 0) + i - first[d]];
}

/* Exclusivity (spec §5.6), checked on every selected ring before any is created. */
static int nm_check_exclusive(struct nm_adapter *na, const u32 first[NM_DIRS],
			      const u32 last[NM_DIRS], const struct nm_ring_user *u)
{
	int d, err;
	u32 i;

	for (d = 0; d < NM_DIRS; d++) {
		for (i = first[d]; i < last[d]; i++) {
			err = nm_kring_may_attach(&na->krings[d][i], u);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Detaches the file from its rings, up to (not including) ring `upto` of direction `upto_dir`. */
static void nm_unbind_rings(struct nm_file *nf, struct nm_adapter *na, const u32 first[NM_DIRS],
			    const u32 last[NM_DIRS], int upto_dir, u32 upto)
{
	bool wait = false;
	int d;
	u32 i;

	for (d = 0; d <= upto_dir && d < NM_DIRS; d++) {
		u32 end = d == upto_dir ? upto : last[d];

		for (i = first[d]; i < end; i++)
			wait |= nm_kring_detach(&na->krings[d][i], nm_file_link(nf, first, last, d, i));
	}
	if (wait)
		nm_os_wait_data_path();
	nm_os_free(nf->links);
	nf->links = NULL;
}

static int nm_bind_rings(struct nm_file *nf, struct nm_adapter *na, const u32 first[NM_DIRS],
			 const u32 last[NM_DIRS])
{
	u32 n = last[NM_TX] - first[NM_TX] + last[NM_RX] - first[NM_RX];
	int d, err;
	u32 i;

	nf->links = nm_os_malloc(sizeof(*nf->links) * (n ? n : 1));
	if (!nf->links)
		return -ENOMEM;
	for (d = 0; d < NM_DIRS; d++) {
		for (i = first[d]; i < last[d]; i++) {
			err = nm_kring_attach(&na->krings[d][i], &nf->user,
					      nm_file_link(nf, first, last, d, i));
			if (err) {
				nm_unbind_rings(nf, na, first, last, d, i);
				return err;
			}
		}
	}
	return 0;
}

/* The fd's netmap_if (spec §1.3, §3.3): ring offsets for the bound rings, 0 elsewhere. */
static struct netmap_if *nm_new_if(struct nm_adapter *na, const u32 first[NM_DIRS],
				   const u32 last[NM_DIRS])
{
	u32 ntx = na->num_rings[NM_TX], nrx = na->num_rings[NM_RX];
	u32 htx = na->num_host_rings[NM_TX] ? na->num_host_rings[NM_TX] : 1;
	u32 hrx = na->num_host_rings[NM_RX] ? na->num_host_rings[NM_RX] : 1;
	size_t size = sizeof(struct netmap_if) + sizeof(ssize_t) * (ntx + htx + nrx + hrx);
	struct netmap_if *nifp = nm_mem_if_new(na->mem, size);
	u64 base;
	int d;
	u32 i;

	if (!nifp)
		return NULL;
	strscpy(nifp->ni_name, na->name, sizeof(nifp->ni_name));
	nifp->ni_flags = nm_mem_is_private(na->mem) ? NI_PRIV_MEM : 0;
	nifp->ni_tx_rings = ntx;
	nifp->ni_rx_rings = nrx;
	nifp->ni_host_tx_rings = htx;
	nifp->ni_host_rx_rings = hrx;
	base = nm_mem_ofs(na->mem, nifp);
	for (d = 0; d < NM_DIRS; d++) {
		u32 skip = d == NM_TX ? 0 : ntx + htx;

		for (i = first[d]; i < last[d]; i++)
			nifp->ring_ofs[skip + i] = nm_mem_ofs(na->mem, na->krings[d][i].ring) - base;
	}
	return nifp;
}

static void nm_register_reply(struct nm_file *nf, struct nmreq_register *reg, u32 extra)
{
	struct nm_adapter *na = nf->bound;

	reg->nr_offset = nm_mem_ofs(na->mem, nf->nifp);
	reg->nr_memsize = nm_mem_size(na->mem);
	reg->nr_tx_slots = na->num_slots[NM_TX];
	reg->nr_rx_slots = na->num_slots[NM_RX];
	reg->nr_tx_rings = na->num_rings[NM_TX];
	reg->nr_rx_rings = na->num_rings[NM_RX];
	reg->nr_host_tx_rings = na->num_host_rings[NM_TX];
	reg->nr_host_rx_rings = na->num_host_rings[NM_RX];
	reg->nr_mem_id = nm_mem_id(na->mem);
	reg->nr_extra_bufs = extra;
	/* nr_mode, nr_ringid and nr_flags come back exactly as sent (spec Appendix A.3), but a
	 * zero-copy monitor watches both directions and says so. */
	if (na->ops == &nm_monitor_ops && (reg->nr_flags & NR_ZCOPY_MON))
		reg->nr_flags |= NR_MONITOR_TX | NR_MONITOR_RX;
}

/*
 * How many of the extra buffers asked for one file may take (spec §5.6: fewer is not an error).
 * The global allocator's buffers are shared by every device port, so one file gets at most
 * max_extra_bufs of them; a private region was sized for the request that created it.
 */
static u32 nm_extra_bufs_allowed(const struct nm_adapter *na, const struct nm_ctrl_req *req)
{
	const struct nmreq_register *reg = req->body;
	u32 cap = READ_ONCE(nm_params.max_extra_bufs);

	if (nm_mem_is_private(na->mem) || cap == 0 || reg->nr_extra_bufs <= cap)
		return reg->nr_extra_bufs;
	nm_os_log_ratelimited("REGISTER %s: %u extra buffers asked, at most %u allowed: one file takes at most max_extra_bufs from the global region (raise /sys/module/netmap/parameters/max_extra_bufs)",
			      req->hdr.nr_name, reg->nr_extra_bufs, cap);
	return cap;
}

int nm_file_register(struct nm_file *nf, struct nm_ctrl_req *req)
{
	struct nmreq_register *reg = req->body;
	struct nm_port_req preq = {
		.name = req->hdr.nr_name,
		.mode = reg->nr_mode,
		.flags = reg->nr_flags,
		.rings = { reg->nr_tx_rings, reg->nr_rx_rings },
		.slots = { reg->nr_tx_slots, reg->nr_rx_slots },
		.host_rings = { reg->nr_host_tx_rings, reg->nr_host_rx_rings },
		.extra_bufs = reg->nr_extra_bufs,	/* sizes a private region made for it */
		.may_create = true,
	};
	u32 first[NM_DIRS], last[NM_DIRS], extra = 0;
	struct nm_adapter *na;
	int err;

	if (nf->bound)
		return -EBUSY;
	if (reg->nr_mem_id) {
		preq.mem = nm_mem_find(reg->nr_mem_id);
		if (!preq.mem)
			return -EINVAL;
	}
	na = nm_port_lookup(&preq);
	if (IS_ERR(na)) {
		err = PTR_ERR(na);
		goto put_mem;
	}
	if (na->kernel_owned) {		/* a device on a switch, or its switch port */
		err = -EBUSY;
		goto put_adapter;
	}
	/* Frames on this port carry a virtio-net header: the application must expect it. */
	if (na->vnet_hdr_len && !(reg->nr_flags & NR_ACCEPT_VNET_HDR)) {
		err = -EIO;
		goto put_adapter;
	}
	err = nm_mem_activate(na->mem);
	if (err)
		goto put_adapter;
	err = nm_select_rings(na, reg->nr_mode, reg->nr_ringid, reg->nr_flags, first, last);
	if (err)
		goto deactivate;
	nf->user.what = "file";
	nf->user.flags = NM_RING_USER_APP |
			 (reg->nr_flags & NR_EXCLUSIVE ? NM_RING_USER_EXCLUSIVE : 0);
	err = nm_check_exclusive(na, first, last, &nf->user);
	if (err)
		goto deactivate;
	err = nm_bind_rings(nf, na, first, last);
	if (err)
		goto deactivate;
	nf->nifp = nm_new_if(na, first, last);
	if (!nf->nifp) {
		err = -ENOMEM;
		goto unbind;
	}
	if (reg->nr_extra_bufs)
		extra = nm_mem_extra_alloc(na->mem, nm_extra_bufs_allowed(na, req),
					   &nf->nifp->ni_bufs_head);
	memcpy(nf->first, first, sizeof(first));
	memcpy(nf->last, last, sizeof(last));
	nf->nr_flags = reg->nr_flags;
	na->bindings++;
	nf->bound = na;		/* not published yet: see nm_file_register_commit */
	nm_register_reply(nf, reg, extra);
	if (preq.mem)
		nm_mem_put(preq.mem);
	return 0;

unbind:
	nm_unbind_rings(nf, na, first, last, NM_DIRS, 0);
deactivate:
	nm_mem_deactivate(na->mem);
put_adapter:
	nm_adapter_put(na);
put_mem:
	if (preq.mem)
		nm_mem_put(preq.mem);
	return err;
}

/* The request can no longer fail: from now on the data path may use the binding. */
void nm_file_register_commit(struct nm_file *nf)
{
	smp_store_release(&nf->na, nf->bound);	/* pairs with the acquire in the data path */
}

/*
 * Undoes REGISTER: at close, when nothing else can use the file, or before the commit, when the
 * data path has never seen the binding.
 */
void nm_file_unregister(struct nm_file *nf)
{
	struct nm_adapter *na = nf->bound;

	if (!na)
		return;
	nm_mem_extra_free(na->mem, READ_ONCE(nf->nifp->ni_bufs_head));
	nm_mem_if_delete(na->mem, nf->nifp);
	nf->nifp = NULL;
	nm_unbind_rings(nf, na, nf->first, nf->last, NM_DIRS, 0);
	na->bindings--;
	nm_mem_deactivate(na->mem);
	nf->bound = NULL;
	WRITE_ONCE(nf->na, NULL);
	WRITE_ONCE(nf->kloop.atok, 0);	/* CSB mode ends with the binding */
	nf->kloop.ktoa = 0;
	nm_adapter_put(na);
}
