/*
 * linux/generic.c - lifetime of the generic (emulated) adapter (spec §7.6, §7.7): any Linux
 * net_device in netmap mode with its unmodified driver.  This file owns the adapter's life: name
 * lookup in the caller's namespace, geometry, creation on first use and destruction when unused,
 * switching rings into and out of netmap mode (which is when the kernel hooks go in and out),
 * device removal, the counters in /proc/netmap_generic and the module's init/exit for all of it.
 * The data paths are in generic_rx.c and generic_tx.c; the shared state in generic.h.
 *
 * Why these kernel hooks:
 *   - NIC RX uses the device's rx handler (netdev_rx_handler_register), not the netfilter ingress
 *     hook.  The rx handler is the one place where a device is "owned" by one consumer: a bridge,
 *     bond, team, macvlan or openvswitch port cannot be in netmap mode at the same time without one
 *     of them silently losing its frames.  Taking it gives exactly the spec's behaviour (EBUSY, and
 *     we log who holds it).  It also runs after packet taps, so tcpdump still sees what netmap
 *     receives, and it needs no kernel option.  The netfilter ingress hook would run before a
 *     bridge's handler and steal its frames without a word.
 *   - Stack -> host RX ring uses the netfilter egress hook (NF_NETDEV_EGRESS) rather than
 *     replacing the device's netdev_ops: it is per device, coexists with everything else, needs no
 *     write into a driver's structures (which may be const and shared by every device of that
 *     driver), and is removed cleanly even when the driver module is unloading.
 *   - NIC TX frames go straight to the driver's transmit on the ring's queue (netdev_start_xmit
 *     under the queue's lock, as __dev_direct_xmit and pktgen do): it honours the queue index,
 *     reports a full queue (NETDEV_TX_BUSY) instead of dropping in a qdisc, which is our
 *     backpressure, and it bypasses the egress hook, so netmap's own frames are never taken for
 *     stack frames.
 *   - Device removal uses a netdevice notifier.  It runs under rtnl; the control lock is taken
 *     before rtnl everywhere else (hook registration needs rtnl), so the notifier never takes the
 *     control lock and the state it touches is protected by rtnl alone.
 */
#include <linux/ethtool.h>
#include <linux/if_vlan.h>
#include <linux/netfilter.h>
#include <linux/nsproxy.h>
#include <linux/proc_fs.h>
#include <linux/rtnetlink.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "../core/counters.h"
#include "../core/params.h"
#include "../core/port.h"
#include "generic.h"

#define NM_GEN_MAX_HOST_RINGS	64
#define NM_GEN_MAX_RINGS	1024	/* per direction */
#define NM_GEN_MAX_SLOTS	16384

static LIST_HEAD(nm_gen_list);		/* every generic adapter (rtnl) */

/* --- geometry ----------------------------------------------------------------------------- */

/* Spec §7.6: ethtool channels (tx, else combined), else the real queue counts; at least 1. */
static void nm_gen_rings(struct net_device *dev, u32 rings[NM_DIRS])
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };

	rings[NM_TX] = dev->real_num_tx_queues;
	rings[NM_RX] = dev->real_num_rx_queues;
	if (dev->ethtool_ops && dev->ethtool_ops->get_channels) {
		dev->ethtool_ops->get_channels(dev, &ch);
		if (ch.tx_count || ch.combined_count)
			rings[NM_TX] = ch.tx_count ? ch.tx_count : ch.combined_count;
		if (ch.rx_count || ch.combined_count)
			rings[NM_RX] = ch.rx_count ? ch.rx_count : ch.combined_count;
	}
	rings[NM_TX] = clamp_t(u32, rings[NM_TX], 1, NM_GEN_MAX_RINGS);
	rings[NM_RX] = clamp_t(u32, rings[NM_RX], 1, NM_GEN_MAX_RINGS);
}

/* Spec §7.6: generic_ringsize, replaced by the device's ring size (current, else max) if >= 3. */
static void nm_gen_slots(struct net_device *dev, u32 slots[NM_DIRS])
{
	struct ethtool_ringparam rp = { .cmd = ETHTOOL_GRINGPARAM };
	struct kernel_ethtool_ringparam krp = {};
	int def = READ_ONCE(nm_params.generic_ringsize);
	u32 tx, rx;

	tx = rx = def >= 3 ? def : 1024;
	if (dev->ethtool_ops && dev->ethtool_ops->get_ringparam) {
		dev->ethtool_ops->get_ringparam(dev, &rp, &krp, NULL);
		if (rp.tx_pending >= 3 || rp.tx_max_pending >= 3)
			tx = rp.tx_pending >= 3 ? rp.tx_pending : rp.tx_max_pending;
		if (rp.rx_pending >= 3 || rp.rx_max_pending >= 3)
			rx = rp.rx_pending >= 3 ? rp.rx_pending : rp.rx_max_pending;
	}
	slots[NM_TX] = min_t(u32, tx, NM_GEN_MAX_SLOTS);
	slots[NM_RX] = min_t(u32, rx, NM_GEN_MAX_SLOTS);
}

/* --- netmap mode on and off, per ring ------------------------------------------------------ */

/* Who holds the rx handler, for the EBUSY log line (spec §7.6 Improve). */
static const char *nm_gen_holder_kind(const struct net_device *dev)
{
	if (netif_is_bridge_port(dev))
		return "a bridge";
	if (netif_is_bond_slave(dev))
		return "a bond";
	if (netif_is_macvlan_port(dev))
		return "macvlan/macvtap";
	if (netif_is_ovs_port(dev))
		return "openvswitch";
	if (netif_is_team_port(dev))
		return "a team";
	return "another rx handler";
}

static int nm_gen_hook_rx(struct nm_gen_adapter *g, struct net_device *dev)
{
	int err = netdev_rx_handler_register(dev, nm_gen_rx_handler, g);

	if (err == -EBUSY) {
		struct net_device *master = netdev_master_upper_dev_get(dev);

		nm_os_log_ratelimited("%s: cannot enter netmap mode: its receive path is owned by %s%s%s (rx handler %ps); detach it first",
				      dev->name, nm_gen_holder_kind(dev), master ? " " : "",
				      master ? master->name : "", rtnl_dereference(dev->rx_handler));
	} else if (err) {
		nm_os_log_ratelimited("%s: cannot register the rx handler (error %d)", dev->name, err);
	} else {
		g->rx_hooked = true;
	}
	return err;
}

static int nm_gen_hook_tx(struct nm_gen_adapter *g, struct net_device *dev)
{
	int err;

	g->egress = (struct nf_hook_ops) {
		.hook = nm_gen_egress_hook,
		.dev = dev,
		.priv = g,
		.pf = NFPROTO_NETDEV,
		.hooknum = NF_NETDEV_EGRESS,
		.priority = INT_MAX,	/* last: after tc and nftables have had their say */
	};
	err = nf_register_net_hook(dev_net(dev), &g->egress);
	if (err)
		nm_os_log_ratelimited("%s: cannot register the egress hook for the host rings (error %d)",
				      dev->name, err);
	else
		g->tx_hooked = true;
	return err;
}

/* Under rtnl.  The rx handler's removal waits for running handlers itself; the netfilter hook's
 * does not, so the caller waits (synchronize_net) before freeing anything a hook may touch. */
static void nm_gen_unhook(struct nm_gen_adapter *g, bool rx, bool tx)
{
	if (rx && g->rx_hooked) {
		netdev_rx_handler_unregister(g->dev_ref);
		g->rx_hooked = false;
	}
	if (tx && g->tx_hooked) {
		nf_unregister_net_hook(dev_net(g->dev_ref), &g->egress);
		g->tx_hooked = false;
	}
}

/* Spec §5.6 step 9 / §7.6: the first RX ring in netmap mode needs the MTU to fit a buffer. */
static int nm_gen_check_mtu(struct nm_gen_adapter *g, struct net_device *dev, u32 buf_size)
{
	if (dev->mtu <= buf_size)
		return 0;
	nm_os_log_ratelimited("%s: MTU %u does not fit one netmap buffer (buf_size %u): raise the buf_size parameter or lower the MTU",
			      dev->name, dev->mtu, buf_size);
	return -EINVAL;
}

/* Called under the control lock.  Takes rtnl: the order is always control -> rtnl. */
static int nm_gen_ring_on(struct nm_gen_adapter *g, struct nm_kring *kr)
{
	struct nm_adapter *na = g->na;
	struct net_device *dev;
	int err = 0;

	rtnl_lock();
	dev = g->dev_ref;
	if (g->dead || !dev) {
		err = -ENXIO;
		goto out;
	}
	if (kr->dir == NM_RX) {
		if (g->rx_on == 0) {
			err = nm_gen_check_mtu(g, dev, nm_mem_buf_size(na->mem));
			if (err)
				goto out;
			g->rx_buf_size = nm_mem_buf_size(na->mem);
		}
		if (!kr->is_host && g->nic_rx_on == 0) {
			err = nm_gen_hook_rx(g, dev);
			if (err)
				goto out;
		}
		nm_gen_rx_queue_set_active(&g->rxq[kr->ring_id], true);
		g->rx_on++;
		if (!kr->is_host)
			g->nic_rx_on++;
	} else if (!kr->is_host) {
		struct nm_gen_tx_ring *t = &g->txr[kr->ring_id];

		err = nm_gen_tx_ring_start(g, t, kr);
		if (err)
			goto out;
		if (g->nic_tx_on == 0) {
			err = nm_gen_hook_tx(g, dev);
			if (err) {
				nm_gen_tx_ring_stop(g, t);
				goto out;
			}
		}
		WRITE_ONCE(t->active, true);
		g->nic_tx_on++;
		g->need_sync = true;
	}
	/* host TX rings need no hook: they inject into the stack at txsync */
out:
	rtnl_unlock();
	return err;
}

static void nm_gen_ring_off(struct nm_gen_adapter *g, struct nm_kring *kr)
{
	bool sync = false;

	rtnl_lock();
	if (kr->dir == NM_RX) {
		g->rx_on--;
		if (!kr->is_host && --g->nic_rx_on == 0)
			nm_gen_unhook(g, true, false);
		nm_gen_rx_queue_set_active(&g->rxq[kr->ring_id], false);
	} else if (!kr->is_host) {
		struct nm_gen_tx_ring *t = &g->txr[kr->ring_id];

		WRITE_ONCE(t->active, false);
		if (--g->nic_tx_on == 0 && g->tx_hooked) {
			nm_gen_unhook(g, false, true);
			sync = true;
		}
		nm_gen_tx_ring_stop(g, t);
	}
	rtnl_unlock();
	if (sync)
		synchronize_net();	/* no egress hook runs with our state any more */
}

static int nm_gen_ring_fill(struct nm_kring *kr)
{
	struct nm_gen_adapter *g = nm_gen_adapter(kr->na);
	int err = nm_kring_fill_bufs(kr);

	if (err)
		return err;
	err = nm_gen_ring_on(g, kr);
	if (err)
		nm_kring_free_bufs(kr);
	return err;
}

static void nm_gen_ring_drain(struct nm_kring *kr)
{
	nm_gen_ring_off(nm_gen_adapter(kr->na), kr);
	nm_kring_free_bufs(kr);
}

/* --- device state changes (netdevice notifier, under rtnl, never the control lock) ---------- */

static void nm_gen_set_stopped(struct nm_gen_adapter *g, bool stop)
{
	struct nm_adapter *na = g->na;
	int d;
	u32 i;

	for (d = 0; d < NM_DIRS; d++) {
		for (i = 0; i < nm_adapter_all_rings(na, d); i++) {
			struct nm_kring *kr = &na->krings[d][i];

			WRITE_ONCE(kr->stopped, stop);
			if (stop)
				nm_kring_wake(kr);	/* pollers see POLLERR */
		}
	}
}

/*
 * The device is being unregistered: stop every ring (syncs give EIO, poll POLLERR), take the
 * hooks out, forget the device and drop our reference, so that unregistration can complete.
 * The adapter itself stays until its last user closes; the fds and mappings stay valid.
 */
static void nm_gen_detach(struct nm_gen_adapter *g)
{
	struct net_device *dev = g->dev_ref;
	u32 i;

	g->dead = true;
	nm_gen_set_stopped(g, true);
	RCU_INIT_POINTER(g->dev, NULL);
	nm_gen_unhook(g, true, true);
	synchronize_net();		/* no sync or hook uses the device any more */
	for (i = 0; i < nm_adapter_all_rings(g->na, NM_RX); i++)
		nm_gen_rx_queue_set_active(&g->rxq[i], false);
	g->dev_ref = NULL;
	dev_put(dev);
	nm_os_log("%s: device unregistered while in netmap mode: rings stopped", g->ifname);
}

static int nm_gen_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct nm_gen_adapter *g;

	ASSERT_RTNL();
	list_for_each_entry(g, &nm_gen_list, link) {
		if (g->dev_ref != dev)
			continue;
		switch (event) {
		case NETDEV_GOING_DOWN:
		case NETDEV_DOWN:
			nm_gen_set_stopped(g, true);
			break;
		case NETDEV_UP:
			nm_gen_set_stopped(g, false);
			break;
		case NETDEV_UNREGISTER:
			nm_gen_detach(g);
			break;
		case NETDEV_CHANGEMTU:
			/* The MTU is already set; refusing makes the kernel put the old one back
			 * (PRECHANGEMTU does not carry the new value). */
			if (g->rx_on && dev->mtu > g->rx_buf_size) {
				nm_os_log_ratelimited("%s: MTU %u refused: the port is in netmap mode and its buffers hold %u bytes",
						      dev->name, dev->mtu, g->rx_buf_size);
				return notifier_from_errno(-EINVAL);
			}
			break;
		default:
			break;
		}
	}
	return NOTIFY_DONE;
}

static struct notifier_block nm_gen_notifier = {
	.notifier_call = nm_gen_netdev_event,
};

/* --- adapter lifetime --------------------------------------------------------------------- */

static void nm_gen_free(struct nm_gen_adapter *g)
{
	u32 i;

	if (g->na)
		for (i = 0; i < nm_adapter_all_rings(g->na, NM_RX); i++)
			skb_queue_purge(&g->rxq[i].q);	/* already empty: rings purge when they stop */
	nm_os_free(g->rxq);
	nm_os_free(g->txr);
	nm_os_free(g);
}

/* Last reference gone (control lock): every ring has left netmap mode already. */
static void nm_gen_dtor(struct nm_adapter *na)
{
	struct nm_gen_adapter *g = nm_gen_adapter(na);

	rtnl_lock();
	list_del(&g->link);
	nm_gen_unhook(g, true, true);	/* nothing left normally */
	if (g->dev_ref) {
		dev_put(g->dev_ref);
		g->dev_ref = NULL;
	}
	rtnl_unlock();
	/* A frame completing now may still be waking a kring it found before the ring left
	 * netmap mode; the krings are freed right after this returns. */
	if (g->need_sync)
		synchronize_net();
	nm_gen_free(g);
	na->priv = NULL;
}

static const struct nm_adapter_ops nm_gen_ops = {
	.txsync = nm_gen_txsync,
	.rxsync = nm_gen_rxsync,
	.ring_fill = nm_gen_ring_fill,
	.ring_drain = nm_gen_ring_drain,
	.dtor = nm_gen_dtor,
};

/* Under rtnl and the control lock. */
static struct nm_adapter *nm_gen_create(struct net_device *dev, const struct nm_port_req *req)
{
	u32 rings[NM_DIRS], slots[NM_DIRS], host[NM_DIRS];
	struct nm_adapter *na;
	struct nm_mem *mem;
	struct nm_gen_adapter *g;
	int d;
	u32 i;

	for (d = 0; d < NM_DIRS; d++) {
		host[d] = req->host_rings[d] ? req->host_rings[d] : 1;
		if (host[d] > NM_GEN_MAX_HOST_RINGS) {
			nm_os_log_ratelimited("%s: %u host %s rings requested: at most %d",
					      dev->name, req->host_rings[d], d == NM_TX ? "TX" : "RX",
					      NM_GEN_MAX_HOST_RINGS);
			return ERR_PTR(-EINVAL);
		}
	}
	nm_gen_rings(dev, rings);
	nm_gen_slots(dev, slots);
	g = nm_os_malloc(sizeof(*g));
	if (!g)
		return ERR_PTR(-ENOMEM);
	g->rxq = nm_os_malloc(sizeof(*g->rxq) * (rings[NM_RX] + host[NM_RX]));
	g->txr = nm_os_malloc(sizeof(*g->txr) * rings[NM_TX]);
	if (!g->rxq || !g->txr) {
		nm_gen_free(g);
		return ERR_PTR(-ENOMEM);
	}
	if (req->mem) {
		mem = req->mem;
		nm_mem_get(mem);
	} else {
		mem = nm_mem_global_get();
	}
	na = nm_adapter_new(dev->name, &nm_gen_ops, mem, rings, host, slots);
	if (IS_ERR(na)) {
		nm_gen_free(g);
		return na;
	}
	g->na = na;
	na->priv = g;
	strscpy(g->ifname, dev->name, sizeof(g->ifname));
	for (i = 0; i < nm_adapter_all_rings(na, NM_RX); i++)
		nm_gen_rx_queue_init(&g->rxq[i], &na->krings[NM_RX][i]);
	for (i = 0; i < na->num_rings[NM_TX]; i++)
		g->txr[i].kr = &na->krings[NM_TX][i];
	atomic64_set(&g->host_rx_drop_offload, 0);
	atomic64_set(&g->host_rx_drop_closed, 0);
	dev_hold(dev);
	g->dev_ref = dev;
	rcu_assign_pointer(g->dev, dev);
	list_add_tail(&g->link, &nm_gen_list);
	nm_os_log_ratelimited("%s: using emulated adapter (tx %u rings x %u, rx %u rings x %u)",
			      dev->name, rings[NM_TX], slots[NM_TX], rings[NM_RX], slots[NM_RX]);
	return na;
}

/*
 * Spec §6.4 step 5: the interface of that name in the caller's network namespace, through the
 * generic adapter, created on first use.  NULL when there is no such interface (the name is
 * nobody's).  Under the control lock.  There are no native adapters in this build, so admode 1
 * is refused and 0 and 2 both mean generic.
 */
static struct nm_adapter *nm_gen_lookup(const struct nm_port_req *req)
{
	struct net *net = current->nsproxy->net_ns;
	struct nm_adapter *na = NULL;
	struct net_device *dev;
	struct nm_gen_adapter *g;

	if (strnlen(req->name, IFNAMSIZ) >= IFNAMSIZ)
		return NULL;
	rtnl_lock();
	dev = __dev_get_by_name(net, req->name);
	if (!dev)
		goto out;
	if (READ_ONCE(nm_params.admode) == 1) {
		nm_os_log_ratelimited("%s: admode=1 asks for a native adapter, and this build has none (set admode=0 or 2)",
				      dev->name);
		na = ERR_PTR(-EOPNOTSUPP);
		goto out;
	}
	list_for_each_entry(g, &nm_gen_list, link) {
		if (g->dev_ref == dev && !g->dead) {
			/* Compat: host ring counts and the allocator apply to ports not yet open. */
			na = g->na;
			nm_adapter_get(na);
			goto out;
		}
	}
	na = nm_gen_create(dev, req);
out:
	rtnl_unlock();
	return na;
}

static struct nm_port_provider nm_gen_provider = {
	.what = "generic adapter", .order = NM_PORT_ORDER_GENERIC, .device = true,
	.lookup = nm_gen_lookup,
};

/* --- counters: /proc/netmap_generic, one line per adapter --------------------------------- */

/* One device's counters, summed over its rings: the columns of /proc/netmap_generic. */
struct nm_gen_stats {
	u64 rx_pkts, rx_bytes, rx_drop_full, rx_drop_big;
	u64 tx_pkts, tx_bytes, tx_drop_len, tx_drop_frags, tx_drop_dev, tx_busy, tx_nomem;
	u64 rx_drop_offload;
	u64 host_rx_pkts, host_rx_drop_full, host_rx_drop_offload, host_rx_drop_closed;
	u64 host_tx_pkts, host_tx_drop;
	u64 fwd_up, fwd_down, fwd_drop;
};

#define NM_GEN_COUNTER(field, help) NM_COUNTER(struct nm_gen_stats, field, help)
static const struct nm_counter nm_gen_counters[] = {
	NM_GEN_COUNTER(rx_pkts, "frames received into NIC RX rings"),
	NM_GEN_COUNTER(rx_bytes, "bytes received into NIC RX rings"),
	NM_GEN_COUNTER(rx_drop_full, "frames dropped: NIC RX ring full"),
	NM_GEN_COUNTER(rx_drop_big, "frames dropped: more than NETMAP_MAX_FRAGS slots"),
	NM_GEN_COUNTER(tx_pkts, "frames sent from NIC TX rings"),
	NM_GEN_COUNTER(tx_bytes, "bytes sent from NIC TX rings"),
	NM_GEN_COUNTER(tx_drop_len, "TX frames shorter than a link header or over the MTU"),
	NM_GEN_COUNTER(tx_drop_frags, "TX frames of more than NETMAP_MAX_FRAGS slots"),
	NM_GEN_COUNTER(tx_drop_dev, "TX frames the driver dropped"),
	NM_GEN_COUNTER(tx_busy, "times the device queue was full (backpressure)"),
	NM_GEN_COUNTER(tx_nomem, "TX frames delayed: no memory for an skb"),
	NM_GEN_COUNTER(rx_drop_offload, "NIC RX frames dropped: offloads the ring cannot carry"),
	NM_GEN_COUNTER(host_rx_pkts, "frames the stack sent into host RX rings"),
	NM_GEN_COUNTER(host_rx_drop_full, "frames from the stack dropped: host RX ring full"),
	NM_GEN_COUNTER(host_rx_drop_offload, "frames from the stack dropped: offloads"),
	NM_GEN_COUNTER(host_rx_drop_closed, "frames from the stack dropped: host ring closed"),
	NM_GEN_COUNTER(host_tx_pkts, "frames host TX rings gave to the stack"),
	NM_GEN_COUNTER(host_tx_drop, "host TX frames dropped (invalid, no memory)"),
	NM_GEN_COUNTER(fwd_up, "frames forwarded NIC RX -> stack (transparent mode)"),
	NM_GEN_COUNTER(fwd_down, "frames forwarded host RX -> driver (transparent mode)"),
	NM_GEN_COUNTER(fwd_drop, "frames transparent mode could not forward"),
};

static void nm_gen_stats_rx(const struct nm_gen_adapter *g, struct nm_gen_stats *st)
{
	const struct nm_adapter *na = g->na;
	u32 i;

	for (i = 0; i < nm_adapter_all_rings(na, NM_RX); i++) {
		const struct nm_gen_rx_queue *rq = &g->rxq[i];

		if (i < na->num_rings[NM_RX]) {
			st->rx_pkts += READ_ONCE(rq->pkts);
			st->rx_bytes += READ_ONCE(rq->bytes);
			st->rx_drop_full += READ_ONCE(rq->drop_full);
			st->fwd_up += READ_ONCE(rq->fwd);
		} else {
			st->host_rx_pkts += READ_ONCE(rq->pkts);
			st->host_rx_drop_full += READ_ONCE(rq->drop_full);
			st->fwd_down += READ_ONCE(rq->fwd);
		}
		st->rx_drop_big += READ_ONCE(rq->drop_big);
		st->fwd_drop += READ_ONCE(rq->fwd_drop);
	}
}

/* Sums a device's ring counters and reads its atomic ones. */
static void nm_gen_stats(const struct nm_gen_adapter *g, struct nm_gen_stats *st)
{
	u32 i;

	memset(st, 0, sizeof(*st));
	nm_gen_stats_rx(g, st);
	for (i = 0; i < g->na->num_rings[NM_TX]; i++) {
		const struct nm_gen_tx_ring *t = &g->txr[i];

		st->tx_pkts += READ_ONCE(t->pkts);
		st->tx_bytes += READ_ONCE(t->bytes);
		st->tx_drop_len += READ_ONCE(t->drop_len);
		st->tx_drop_frags += READ_ONCE(t->drop_frags);
		st->tx_drop_dev += READ_ONCE(t->drop_dev);
		st->tx_busy += READ_ONCE(t->busy);
		st->tx_nomem += READ_ONCE(t->nomem);
	}
	st->rx_drop_offload = atomic64_read(&g->rx_drop_offload);
	st->host_rx_drop_offload = atomic64_read(&g->host_rx_drop_offload);
	st->host_rx_drop_closed = atomic64_read(&g->host_rx_drop_closed);
	st->host_tx_pkts = READ_ONCE(g->host_tx_pkts);
	st->host_tx_drop = READ_ONCE(g->host_tx_drop);
}

/* /proc/netmap_generic: one line per device in netmap mode, "<ifname>[ (gone)]" + counters. */
static int nm_gen_show(struct seq_file *m, void *v)
{
	struct nm_gen_stats st;
	struct nm_gen_adapter *g;

	rtnl_lock();
	list_for_each_entry(g, &nm_gen_list, link) {
		nm_gen_stats(g, &st);
		seq_printf(m, "%s%s", g->ifname, g->dead ? " (gone)" : "");
		nm_counters_each(nm_gen_counters, NM_COUNTERS_N(nm_gen_counters), &st,
				 nm_proc_counter, m);
		seq_putc(m, '\n');
	}
	rtnl_unlock();
	return 0;
}

/* --- module init / exit ------------------------------------------------------------------- */

int nm_generic_init(void)
{
	int err;

	if (!proc_create_single("netmap_generic", 0444, NULL, nm_gen_show))
		return -ENOMEM;
	err = register_netdevice_notifier(&nm_gen_notifier);
	if (err) {
		remove_proc_entry("netmap_generic", NULL);
		return err;
	}
	nm_port_provider_add(&nm_gen_provider);
	return 0;
}

/* No fd is open any more, so no adapter exists; frames we sent may still be in flight. */
void nm_generic_fini(void)
{
	nm_port_provider_del(&nm_gen_provider);
	unregister_netdevice_notifier(&nm_gen_notifier);
	remove_proc_entry("netmap_generic", NULL);
	nm_gen_tx_drain_all();
}
