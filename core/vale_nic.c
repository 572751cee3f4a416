/*
 * core/vale_nic.c - a network device on a VALE switch (spec §7.2 ATTACH of an interface, DETACH).
 *
 * ATTACH valeX:eth0 puts eth0 in netmap mode with the kernel as the only user of its rings, and
 * adds a switch port valeX:eth0 standing for them; with NIC_SW a second port, valeX:eth0^,
 * stands for its host rings (the kernel's own stack).  Such a port is a VALE port whose rings
 * live in the device's memory region and are wired to the device's rings:
 *
 *      device RX ring i  --(forwarded like a sender's TX ring i)-->  the switch
 *      the switch  --(port RX ring i, buffers swapped)-->  device TX ring i
 *
 * A port has at most NM_VALE_MAX_RINGS rings a side; a device may have more.  All the device's
 * rings are bound all the same, so none of them silently passes traffic to the stack: RX ring i
 * is forwarded as the port's TX ring i mod 16, and TX rings past 16 stay idle.
 *
 * Both directions run in one deferred work item per attachment (nm_os_work), kicked by every
 * wake-up of a ring involved: frames arriving on the device, transmit completions freeing room,
 * and senders delivering into the port's RX rings.  The work runs in process context, so device
 * receive (softirq) only queues frames and never forwards itself.  With VALE_POLLING_ENABLE
 * (core/vale_poll.c) kernel threads poll a range of the rings instead, and the work leaves those
 * rings alone (nm_vale_nic_set_polled).
 *
 * Lifetime: everything is created and destroyed under the control lock.  The attachment holds one
 * reference on the device adapter and binds its rings exclusively (adapter->kernel_owned makes
 * REGISTER answer EBUSY); each switch port holds its own adapter reference through the switch.
 * DETACH of valeX:eth0, or module unload, takes both ports off and returns the device to its
 * previous state.  If the device disappears while attached, its rings stop; the ports stay until
 * DETACH, dropping what is sent to them.
 *
 * The "device" may also be a persistent VALE port already on another switch (cascaded switches,
 * core/vale_persist.c): its rings are wired to the new switch port exactly like a device's, so
 * frames its first switch delivers to it go out into the second, and the other way round.
 */
#include "vale_priv.h"

/* Passes of both directions in one run of the work before it yields to other work. */
#define NM_VALE_NIC_BUDGET	64

/* One switch port wired to a range of the device's rings. */
struct nm_vale_wire {
	struct nm_vale_port *vp;	/* NULL when not attached */
	u32 hw_first[NM_DIRS];		/* the device's rings: RX (into the switch), TX (out of it) */
	u32 hwn[NM_DIRS];		/* how many of them: all, bound to the kernel */
	u32 nrings[NM_DIRS];		/* vp's TX / RX ring counts: hwn, at most NM_VALE_MAX_RINGS */
	struct nm_ring_link *links;	/* device RX rings, device TX rings, then vp's RX rings */
};

struct nm_vale_nic {
	struct nm_adapter *hw;		/* the device adapter: one reference */
	struct nm_vale_wire wire[2];	/* the NIC rings, the host rings */
	struct nm_ring_user user;	/* the kernel, exclusive user of every ring of the wires */
	bool live;			/* both ports are on the switch: wake-ups kick the work */
	struct nm_os_work work;
	/* Rings polling threads serve, which the work skips: NIC rings [polled_first, +polled_n)
	 * (RX, and TX of the same number), and the host wire if polled_host. */
	u32 polled_first, polled_n;
	bool polled_host;
	struct nm_vale_poll *poll;	/* core/vale_poll.c, or NULL */
	struct nm_vale_nic *next;	/* every attachment, for module unload */
};

static struct nm_vale_nic *nm_vale_nics;

/* --- the data path: the work --------------------------------------------------------------- */

/*
 * Device RX ring -> switch: receives, forwards what arrived and releases it.  Returns whether
 * anything moved.
 */
static bool nm_vale_wire_rx(struct nm_vale_wire *w, u32 r, struct nm_adapter *hw)
{
	struct nm_kring *hk = &hw->krings[NM_RX][w->hw_first[NM_RX] + r];
	u32 from;

	if (READ_ONCE(hk->stopped) || !nm_kring_tryget(hk))
		return false;
	/* Receive without releasing anything: [hwcur, hwtail) are frames not yet forwarded. */
	if (nm_kring_kernel_sync(hk, hk->hwcur) || hk->hwcur == hk->hwtail) {
		nm_kring_put(hk);
		return false;
	}
	from = hk->hwcur;
	/* A device with more RX rings than a port may have shares the port's TX rings' scratch
	 * space; the work is single-threaded, so they never use it at once. */
	nm_vale_forward_slots(w->vp, r % w->nrings[NM_RX], hk, from, hk->hwtail);
	nm_kring_kernel_sync(hk, hk->hwtail);	/* release them (and maybe receive more) */
	nm_kring_put(hk);
	return true;
}

/* Slots of whole packets from slot i, at most `room` slots, before `end`. */
static u32 nm_vale_whole_packets(const struct nm_kring *kr, u32 i, u32 end, u32 room)
{
	u32 n = kr->num_slots, taken = 0, pkt = 0;

	while (i != end && taken + pkt < room) {
		u16 flags = READ_ONCE(kr->ring->slot[i].flags);

		pkt++;
		i = nm_next(i, n);
		if (!(flags & NS_MOREFRAG)) {
			taken += pkt;
			pkt = 0;
		}
	}
	return taken;
}

/* Moves `count` slots from the port's RX ring (at vi) to the device's TX ring (at hi). */
static void nm_vale_swap_slots(struct nm_kring *vk, u32 vi, struct nm_kring *hk, u32 hi,
			       u32 count)
{
	while (count--) {
		struct netmap_slot *vs = &vk->ring->slot[vi], *hs = &hk->ring->slot[hi];
		u32 idx = hs->buf_idx;

		hs->buf_idx = vs->buf_idx;	/* both rings are in the device's region */
		hs->len = vs->len;
		hs->flags = (vs->flags & NS_MOREFRAG) | NS_BUF_CHANGED;
		vs->buf_idx = idx;
		vs->flags = NS_BUF_CHANGED;
		vi = nm_next(vi, vk->num_slots);
		hi = nm_next(hi, hk->num_slots);
	}
}

/*
 * Switch -> device TX ring: the frames senders delivered to the port's RX ring r go out through
 * the device, as many whole packets as the device ring has room for; the rest wait for a
 * completion to kick the work again.  Returns whether anything moved.
 */
static bool nm_vale_wire_tx(struct nm_vale_wire *w, u32 r, struct nm_adapter *hw)
{
	struct nm_kring *vk = &w->vp->na->krings[NM_RX][r];
	struct nm_kring *hk = &hw->krings[NM_TX][w->hw_first[NM_TX] + r];
	bool stopped = READ_ONCE(hk->stopped);
	u32 n = 0;

	if (!nm_kring_tryget(vk))
		return false;
	if (stopped || nm_kring_tryget(hk)) {
		nm_kring_kernel_sync(vk, vk->hwcur);	/* what the switch published */
		if (!stopped) {
			nm_kring_kernel_sync(hk, hk->rhead);	/* reclaim completed slots */
			n = nm_vale_whole_packets(vk, vk->hwcur, vk->hwtail,
						  nm_dist(hk->rhead, hk->hwtail, hk->num_slots));
			nm_vale_swap_slots(vk, vk->hwcur, hk, hk->rhead, n);
			nm_kring_kernel_sync(hk, nm_advance(hk->rhead, n, hk->num_slots));
			nm_kring_put(hk);
		} else {
			n = nm_dist(vk->hwcur, vk->hwtail, vk->num_slots);	/* dropped */
		}
		nm_kring_kernel_sync(vk, nm_advance(vk->hwcur, n, vk->num_slots));
	}
	nm_kring_put(vk);
	return n > 0;
}

/* Whether ring r of wire k is a polling thread's (READ_ONCE: the work races with ENABLE). */
static bool nm_vale_nic_is_polled(const struct nm_vale_nic *nic, int k, u32 r)
{
	u32 n = READ_ONCE(nic->polled_n);

	if (k == 1)
		return READ_ONCE(nic->polled_host);
	return n && r - READ_ONCE(nic->polled_first) < n;
}

/* One pass over wire k's rings [first, first + n) both ways, skipping polled ones if asked. */
static bool nm_vale_wire_pass(struct nm_vale_nic *nic, int k, u32 first, u32 n, bool skip_polled)
{
	struct nm_vale_wire *w = &nic->wire[k];
	bool moved = false;
	u32 r;

	if (!w->vp)
		return false;
	for (r = first; r < first + n; r++) {
		if (skip_polled && nm_vale_nic_is_polled(nic, k, r))
			continue;
		if (r < w->hwn[NM_RX])
			moved |= nm_vale_wire_rx(w, r, nic->hw);
		if (r < w->nrings[NM_TX])
			moved |= nm_vale_wire_tx(w, r, nic->hw);
	}
	return moved;
}

static u32 nm_vale_wire_span(const struct nm_vale_wire *w)
{
	return w->hwn[NM_RX] > w->nrings[NM_TX] ? w->hwn[NM_RX] : w->nrings[NM_TX];
}

static void nm_vale_nic_work(void *arg)
{
	struct nm_vale_nic *nic = arg;
	u32 pass;
	int k;

	for (pass = 0; pass < NM_VALE_NIC_BUDGET; pass++) {
		bool moved = false;

		for (k = 0; k < 2; k++)
			moved |= nm_vale_wire_pass(nic, k, 0, nm_vale_wire_span(&nic->wire[k]), true);
		if (!moved)
			return;
	}
	nm_os_work_kick(&nic->work);	/* still busy: run again after others had their turn */
}

/* --- for the polling threads (core/vale_poll.c) --------------------------------------------- */

u32 nm_vale_nic_rx_rings(const struct nm_vale_nic *nic)
{
	return nic->wire[0].hwn[NM_RX];
}

struct nm_vale_poll **nm_vale_nic_poll(struct nm_vale_nic *nic)
{
	return &nic->poll;
}

/* Control lock.  Rings a thread polls are left by the work from now on; n == 0: none. */
void nm_vale_nic_set_polled(struct nm_vale_nic *nic, u32 first, u32 n, bool host)
{
	WRITE_ONCE(nic->polled_first, first);
	WRITE_ONCE(nic->polled_n, n);
	WRITE_ONCE(nic->polled_host, host);
	if (!n)
		nm_os_work_kick(&nic->work);	/* the work serves every ring again */
}

bool nm_vale_nic_poll_pass(struct nm_vale_nic *nic, u32 first, u32 n, bool host)
{
	bool moved = nm_vale_wire_pass(nic, 0, first, n, false);

	if (host)
		moved |= nm_vale_wire_pass(nic, 1, 0, nm_vale_wire_span(&nic->wire[1]), false);
	return moved;
}

/* The user's notify hook: any wake-up of a wired ring (device or port side). */
static void nm_vale_nic_kick(struct nm_ring_user *u, struct nm_kring *kr)
{
	struct nm_vale_nic *nic = container_of(u, struct nm_vale_nic, user);

	(void)kr;
	if (READ_ONCE(nic->live))
		nm_os_work_kick(&nic->work);
}

/* --- attach and detach (control lock) ------------------------------------------------------ */

/* The wire's link for device ring i of direction d, and for its port's RX ring i. */
static struct nm_ring_link *nm_vale_hw_link(struct nm_vale_wire *w, enum nm_dir d, u32 i)
{
	return &w->links[(d == NM_TX ? w->hwn[NM_RX] : 0) + i];
}

static struct nm_ring_link *nm_vale_port_link(struct nm_vale_wire *w, u32 i)
{
	return &w->links[w->hwn[NM_RX] + w->hwn[NM_TX] + i];
}

/*
 * Releases the rings of a wire, from ring `upto` of direction `upto_dir` down.  Returns whether
 * the caller must wait for the data path before freeing the links (nm_kring_detach).
 */
static bool nm_vale_wire_unbind(struct nm_vale_wire *w, struct nm_adapter *hw, int upto_dir,
				u32 upto)
{
	bool wait = false;
	int d;
	u32 i;

	for (d = 0; d <= upto_dir && d < NM_DIRS; d++) {
		u32 end = d == upto_dir ? upto : w->hwn[d];

		for (i = 0; i < end; i++) {
			wait |= nm_kring_detach(&hw->krings[d][w->hw_first[d] + i],
						nm_vale_hw_link(w, d, i));
			if (i >= w->nrings[d])
				continue;	/* a device ring beyond the port's: no port side */
			if (d == NM_TX) {	/* and the port RX ring swapping with it */
				wait |= nm_kring_detach(&w->vp->na->krings[NM_RX][i],
							nm_vale_port_link(w, i));
			} else {
				nm_os_free(w->vp->txq[i]);
				w->vp->txq[i] = NULL;
			}
		}
	}
	return wait;
}

/*
 * Unbinds the wire (as nm_vale_wire_unbind) and frees its links, after waiting for any wake-up
 * that may still be walking them: the attachment has a notify hook, so one can be running even
 * before the wire is live.  `wait` adds a detach the caller made itself.
 */
static void nm_vale_wire_release(struct nm_vale_wire *w, struct nm_adapter *hw, int upto_dir,
				 u32 upto, bool wait)
{
	if (nm_vale_wire_unbind(w, hw, upto_dir, upto) || wait)
		nm_os_wait_data_path();
	nm_os_free(w->links);
	w->links = NULL;
}

/* The port's side of device ring i of direction d: an RX ring to swap with, or scratch space. */
static int nm_vale_wire_bind_port(struct nm_vale_wire *w, struct nm_ring_user *u, enum nm_dir d,
				  u32 i)
{
	if (i >= w->nrings[d])
		return 0;	/* bound, idle on TX; RX shares a port ring's scratch */
	if (d == NM_TX)
		return nm_kring_attach(&w->vp->na->krings[NM_RX][i], u, nm_vale_port_link(w, i));
	w->vp->txq[i] = nm_os_malloc(sizeof(struct nm_vale_txq));
	return w->vp->txq[i] ? 0 : -ENOMEM;
}

/*
 * Binds the device rings of a wire and the port's side of each, with u (the attachment) as their
 * one, exclusive user.
 */
static int nm_vale_wire_bind(struct nm_vale_wire *w, struct nm_adapter *hw, struct nm_ring_user *u)
{
	bool wait = false;
	int d, err;
	u32 i;

	w->links = nm_os_malloc(sizeof(*w->links) *
				(w->hwn[NM_RX] + w->hwn[NM_TX] + w->nrings[NM_TX]));
	if (!w->links)
		return -ENOMEM;
	for (d = 0; d < NM_DIRS; d++) {
		for (i = 0; i < w->hwn[d]; i++) {
			struct nm_kring *hk = &hw->krings[d][w->hw_first[d] + i];

			err = nm_kring_attach(hk, u, nm_vale_hw_link(w, d, i));
			if (err)
				goto unbind;
			err = nm_vale_wire_bind_port(w, u, d, i);
			if (err) {
				wait = nm_kring_detach(hk, nm_vale_hw_link(w, d, i));
				goto unbind;
			}
		}
	}
	return 0;

unbind:
	nm_vale_wire_release(w, hw, d, i, wait);
	return err;
}

/*
 * Creates the switch port of one wire: named `name`, with the device's ring and slot counts
 * crossed over (device RX rings feed the port's TX side), in the device's region.
 */
static int nm_vale_wire_create(struct nm_vale_wire *w, struct nm_adapter *hw, const char *name,
			       bool host, struct nm_ring_user *u)
{
	u32 rings[NM_DIRS], slots[NM_DIRS];
	struct nm_adapter *na;
	int d, err;

	for (d = 0; d < NM_DIRS; d++) {
		u32 n = host ? hw->num_host_rings[d] : hw->num_rings[d];

		w->hw_first[d] = host ? hw->num_rings[d] : 0;
		w->hwn[d] = n;
		w->nrings[d] = n < NM_VALE_MAX_RINGS ? n : NM_VALE_MAX_RINGS;
	}
	rings[NM_TX] = w->nrings[NM_RX];
	rings[NM_RX] = w->nrings[NM_TX];
	slots[NM_TX] = hw->num_slots[NM_RX];
	slots[NM_RX] = hw->num_slots[NM_TX];
	if (!rings[NM_TX] || !rings[NM_RX])
		return -EINVAL;
	na = nm_vale_port_create(name, rings, slots, 0, hw->mem);
	if (IS_ERR(na))
		return PTR_ERR(na);
	if (na->num_slots[NM_RX] != slots[NM_RX]) {	/* the device ring is larger than VALE's */
		nm_adapter_put(na);
		return -EINVAL;
	}
	na->kernel_owned = true;	/* nobody registers on it: its rings are wired */
	w->vp = na->priv;
	err = nm_vale_wire_bind(w, hw, u);
	if (err) {
		nm_adapter_put(na);
		w->vp = NULL;
	}
	return err;
}

/* Undoes nm_vale_wire_create, after the port has left the switch and the work has stopped. */
static void nm_vale_wire_destroy(struct nm_vale_wire *w, struct nm_adapter *hw)
{
	if (!w->vp)
		return;
	nm_vale_wire_release(w, hw, NM_DIRS, 0, false);
	nm_adapter_put(w->vp->na);
	w->vp = NULL;
}

/* Gives the device back: undoes nm_vale_nic_claim. */
static void nm_vale_nic_unclaim(struct nm_adapter *hw)
{
	hw->kernel_owned = false;
	hw->bindings--;
	nm_mem_deactivate(hw->mem);
	nm_adapter_put(hw);
}

static void nm_vale_nic_free(struct nm_vale_nic *nic)
{
	int k;

	for (k = 1; k >= 0; k--)
		nm_vale_wire_destroy(&nic->wire[k], nic->hw);
	nm_vale_nic_unclaim(nic->hw);
	nm_os_free(nic);
}

/* Makes the kernel the only user of adapter hw, taking over the caller's reference. */
static struct nm_adapter *nm_vale_nic_claim(struct nm_adapter *hw, bool host)
{
	int err;

	err = -EBUSY;			/* open by netmap, or on a switch already */
	if (hw->bindings || hw->kernel_owned)
		goto put;
	err = -EINVAL;			/* NIC_SW needs host rings */
	if (host && (!hw->num_host_rings[NM_TX] || !hw->num_host_rings[NM_RX]))
		goto put;
	err = nm_mem_activate(hw->mem);
	if (err)
		goto put;
	hw->kernel_owned = true;
	hw->bindings++;
	return hw;

put:
	nm_adapter_put(hw);
	return ERR_PTR(err);
}

int nm_vale_nic_attach(struct nm_bridge *b, const char *name, const char *ifname, bool host,
		       u32 *port_index)
{
	struct nm_port_req req = {
		.name = ifname,
		.mode = host ? NR_REG_NIC_SW : NR_REG_ALL_NIC,
		.may_create = true,
	};
	struct nm_adapter *hw = nm_port_device_lookup(&req);

	if (IS_ERR(hw))
		return PTR_ERR(hw) == -ENXIO ? -EINVAL : PTR_ERR(hw);
	return nm_vale_nic_attach_adapter(b, name, hw, host, port_index);
}

int nm_vale_nic_attach_adapter(struct nm_bridge *b, const char *name, struct nm_adapter *hw,
			       bool host, u32 *port_index)
{
	char host_name[NETMAP_REQ_IFNAMSIZ];
	struct nm_vale_nic *nic;
	int err, k;

	if (host && b->nports + 3 >= NM_BDG_MAXPORTS) {
		nm_adapter_put(hw);
		return -ENOMEM;		/* room for both ports, or neither */
	}
	snprintf(host_name, sizeof(host_name), "%s^", name);
	hw = nm_vale_nic_claim(hw, host);
	if (IS_ERR(hw))
		return PTR_ERR(hw);
	nic = nm_os_malloc(sizeof(*nic));
	if (!nic) {
		err = -ENOMEM;
		goto unclaim;
	}
	nic->hw = hw;
	nic->user.what = "VALE wire";
	nic->user.flags = NM_RING_USER_EXCLUSIVE;
	nic->user.notify = nm_vale_nic_kick;
	nm_os_work_init(&nic->work, nm_vale_nic_work, nic);
	err = nm_vale_wire_create(&nic->wire[0], hw, name, false, &nic->user);
	if (!err && host)
		err = nm_vale_wire_create(&nic->wire[1], hw, host_name, true, &nic->user);
	for (k = 0; !err && k < 2; k++) {
		struct nm_vale_wire *w = &nic->wire[k];

		if (!w->vp)
			continue;
		w->vp->nic = nic;
		err = nm_bridge_attach(b, w->vp);
	}
	if (err)
		goto detach;
	*port_index = nic->wire[0].vp->index;
	nic->next = nm_vale_nics;
	nm_vale_nics = nic;
	WRITE_ONCE(nic->live, true);
	nm_os_work_kick(&nic->work);	/* frames may have arrived already */
	return 0;

detach:
	for (k = 1; k >= 0; k--) {
		struct nm_vale_wire *w = &nic->wire[k];

		if (w->vp && w->vp->bdg)
			nm_bridge_detach(w->vp);
	}
	nm_os_work_stop(&nic->work);	/* never kicked: not live */
	nm_vale_nic_free(nic);
	return err;
unclaim:
	nm_vale_nic_unclaim(hw);
	return err;
}

/* Takes both ports of an attachment off their switch and gives the device back. */
static void nm_vale_nic_remove(struct nm_vale_nic *nic)
{
	struct nm_vale_nic **pp;
	int k;

	for (pp = &nm_vale_nics; *pp != nic; pp = &(*pp)->next)
		;
	*pp = nic->next;
	nm_vale_poll_stop(nic);		/* its threads use the rings below */
	WRITE_ONCE(nic->live, false);
	for (k = 1; k >= 0; k--) {
		struct nm_vale_wire *w = &nic->wire[k];

		if (w->vp)
			nm_bridge_detach(w->vp);	/* no sender delivers to it after this */
	}
	nm_os_wait_data_path();		/* no wake-up that saw `live` kicks after this */
	nm_os_work_stop(&nic->work);
	nm_vale_nic_free(nic);
}

bool nm_vale_nic_detachable(const struct nm_vale_port *vp)
{
	return vp == vp->nic->wire[0].vp;	/* the host port goes with its NIC port */
}

void nm_vale_nic_detach(struct nm_vale_port *vp)
{
	nm_vale_nic_remove(vp->nic);
}

void nm_vale_detach_devices(void)
{
	while (nm_vale_nics)
		nm_vale_nic_remove(nm_vale_nics);
}
