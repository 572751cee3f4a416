/*
 * core/vale_persist.c - persistent VALE ports (spec §7.2 NEWIF, DELIF, ATTACH, DETACH).
 *
 * A persistent port is a VALE adapter that outlives its users, paired with a network interface of
 * the same name (nm_os_vale_netdev_create).  The list below holds one reference on each adapter.
 * It is found as a device (`netmap:NAME`); ATTACH `valeX:NAME` puts it on a switch under the name
 * valeX:NAME, DETACH takes it off again.  Everything here runs under the control lock.
 *
 * Cascade: ATTACH `valeY:NAME` of a port already on valeX wires the port to a new port valeY:NAME
 * as a device would be (core/vale_nic.c), joining the two switches through it: frames valeX
 * sends to NAME come out of valeY and the other way round.  Each attachment is undone by its own
 * DETACH, in either order; DELIF waits until both are gone (the wire holds a reference).
 *
 * ATTACH of any other interface puts the device itself on the switch (core/vale_nic.c).
 */
#include "vale_priv.h"

static struct nm_vale_port *nm_persistent;

static struct nm_vale_port *nm_persistent_find(const char *ifname)
{
	struct nm_vale_port *vp;

	for (vp = nm_persistent; vp; vp = vp->next_persistent)
		if (strcmp(vp->ifname, ifname) == 0)
			return vp;
	return NULL;
}

/* A network interface that is one of our persistent ports (spec §6.4 step 4). */
static struct nm_adapter *nm_vale_persistent_lookup(const struct nm_port_req *req)
{
	struct nm_vale_port *vp = nm_persistent_find(req->name);

	if (!vp)
		return NULL;
	nm_adapter_get(vp->na);
	return vp->na;
}

struct nm_port_provider nm_vale_persist_provider = {
	.what = "persistent VALE port", .order = NM_PORT_ORDER_VALE_PERSIST,
	.lookup = nm_vale_persistent_lookup,
};

int nm_vale_newif(const char *ifname, struct nmreq_vale_newif *body)
{
	const u32 rings[NM_DIRS] = { body->nr_tx_rings, body->nr_rx_rings };
	const u32 slots[NM_DIRS] = { body->nr_tx_slots, body->nr_rx_slots };
	struct nm_mem *mem = NULL;
	struct nm_vale_port *vp;
	struct nm_adapter *na;
	int err;

	if (strncmp(ifname, "vale", 4) == 0 || strlen(ifname) >= 16 || !ifname[0])
		return -EINVAL;
	if (nm_os_netdev_exists(ifname))
		return -EEXIST;
	if (body->nr_mem_id) {
		mem = nm_mem_find(body->nr_mem_id);
		if (!mem)
			return -EINVAL;
	}
	na = nm_vale_port_create(ifname, rings, slots, 0, mem);
	if (mem)
		nm_mem_put(mem);
	if (IS_ERR(na))
		return PTR_ERR(na);
	vp = na->priv;
	err = nm_os_vale_netdev_create(ifname, &vp->netdev);
	if (err) {
		nm_adapter_put(na);
		return err;
	}
	strscpy(vp->ifname, ifname, sizeof(vp->ifname));
	vp->next_persistent = nm_persistent;
	nm_persistent = vp;
	body->nr_tx_rings = na->num_rings[NM_TX];
	body->nr_rx_rings = na->num_rings[NM_RX];
	body->nr_tx_slots = na->num_slots[NM_TX];
	body->nr_rx_slots = na->num_slots[NM_RX];
	body->nr_mem_id = nm_mem_id(na->mem);
	return 0;
}

/* The persistent port DELIF would destroy: it must be on no switch and open by no one. */
static int nm_vale_delif_port(const char *ifname, struct nm_vale_port **vpp)
{
	struct nm_vale_port *vp = nm_persistent_find(ifname);

	if (!vp)
		return nm_os_netdev_exists(ifname) ? -EINVAL : -ENXIO;
	if (vp->bdg || vp->na->refcount > 1)
		return -EBUSY;		/* attached to a switch, or open by someone */
	*vpp = vp;
	return 0;
}

int nm_vale_delif_check(const char *ifname)
{
	struct nm_vale_port *vp;

	return nm_vale_delif_port(ifname, &vp);
}

int nm_vale_delif(const char *ifname)
{
	struct nm_vale_port **pp, *vp;
	int err = nm_vale_delif_port(ifname, &vp);

	if (err)
		return err;
	for (pp = &nm_persistent; *pp != vp; pp = &(*pp)->next_persistent)
		;
	*pp = vp->next_persistent;
	nm_os_vale_netdev_destroy(vp->netdev);
	nm_adapter_put(vp->na);
	return 0;
}

static bool nm_mem_id_exists(u16 id)
{
	struct nm_mem *mem = nm_mem_find(id);

	if (mem)
		nm_mem_put(mem);
	return mem != NULL;
}

/* Splits valeX:IF into its switch (created if needed) and IF; ENOMEM for an invalid name. */
static int nm_vale_attach_target(const char *name, bool create, struct nm_bridge **b,
				 const char **ifname)
{
	char bname[NETMAP_REQ_IFNAMSIZ];

	if (!nm_is_vale_name(name))
		return -EINVAL;
	if (!nm_vale_split(name, bname, ifname))
		return create ? -ENOMEM : -ENXIO;
	*b = nm_bridge_find(bname, create);
	if (!*b)
		return create ? -ENOMEM : -ENXIO;
	return 0;
}

int nm_vale_attach(const char *name, struct nmreq_vale_attach *body)
{
	struct nm_vale_port *vp;
	struct nm_bridge *b;
	const char *ifname;
	int err;

	err = nm_vale_attach_target(name, true, &b, &ifname);
	if (err)
		return err;
	if (body->reg.nr_mem_id && !nm_mem_id_exists(body->reg.nr_mem_id))
		err = -EINVAL;
	else if (nm_bridge_port(b, name))
		err = -EBUSY;		/* a port with this name is already on the switch */
	else if (body->reg.nr_ringid != 0 ||
		 (body->reg.nr_mode != NR_REG_ALL_NIC && body->reg.nr_mode != NR_REG_NIC_SW))
		err = -EINVAL;
	if (err)
		goto release;
	vp = nm_persistent_find(ifname);
	if (!vp) {	/* a device, if a device provider knows the name: EINVAL otherwise */
		err = nm_vale_nic_attach(b, name, ifname, body->reg.nr_mode == NR_REG_NIC_SW,
					 &body->port_index);
		if (err)
			goto release;
		return 0;
	}
	if (vp->bdg) {		/* on another switch: join the two through it (cascade) */
		nm_adapter_get(vp->na);
		err = nm_vale_nic_attach_adapter(b, name, vp->na, body->reg.nr_mode == NR_REG_NIC_SW,
						 &body->port_index);
		if (err)
			goto release;
		return 0;
	}
	if (vp->na->bindings && !vp->na->kernel_owned) {
		err = -EBUSY;		/* in use by netmap (a cascade's wire may use it) */
		goto release;
	}
	err = nm_bridge_attach(b, vp);
	if (err)
		goto release;
	strscpy(vp->na->name, name, sizeof(vp->na->name));	/* it takes the switch name */
	body->port_index = vp->index;
	return 0;

release:
	nm_bridge_release(b);
	return err;
}

int nm_vale_find_port(const char *name, struct nm_vale_port **vpp)
{
	struct nm_bridge *b;
	const char *ifname;
	int err;

	err = nm_vale_attach_target(name, false, &b, &ifname);
	if (err)
		return err;
	*vpp = nm_bridge_port(b, name);
	return *vpp ? 0 : -ENXIO;
}

/* The port DETACH would detach: one attached with ATTACH (a NIC or a persistent port). */
static int nm_vale_detach_port(const char *name, struct nm_vale_port **vpp)
{
	struct nm_vale_port *vp;
	int err = nm_vale_find_port(name, &vp);

	if (err)
		return err;
	if (vp->nic ? !nm_vale_nic_detachable(vp) : !vp->netdev)
		return -EBUSY;	/* a NIC's host port, or an ephemeral port */
	if (vp->nic && *nm_vale_nic_poll(vp->nic))
		return -EBUSY;	/* polling threads run on it: POLLING_DISABLE first */
	*vpp = vp;
	return 0;
}

int nm_vale_detach_check(const char *name, struct nmreq_vale_detach *body)
{
	struct nm_vale_port *vp;
	int err = nm_vale_detach_port(name, &vp);

	if (!err)
		body->port_index = vp->index;
	return err;
}

int nm_vale_detach(const char *name)
{
	struct nm_vale_port *vp;
	int err = nm_vale_detach_port(name, &vp);

	if (err)
		return err;
	if (vp->nic) {
		nm_vale_nic_detach(vp);
		return 0;
	}
	nm_bridge_detach(vp);
	strscpy(vp->na->name, vp->ifname, sizeof(vp->ifname));	/* back to its own name */
	return 0;
}
