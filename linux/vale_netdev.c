/*
 * linux/vale_netdev.c - the Linux side of persistent VALE ports (spec §7.2 NEWIF/DELIF): a plain
 * Ethernet interface that exists so users can see, name and delete the port with the usual tools.
 * Its data path is netmap's, not the stack's: frames the stack sends to it are dropped (and counted
 * in tx_dropped), MTU changes are accepted and have no effect.  Each one holds a reference on the
 * module, so netmap cannot be unloaded while a persistent port exists.
 *
 * Lock order: these run under netmap's control lock and take rtnl inside register_netdev and
 * unregister_netdev.  Nothing may take the control lock while holding rtnl.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>

#include "../core/os.h"

static netdev_tx_t nm_vale_netdev_xmit(struct sk_buff *skb, struct net_device *dev)
{
	dev->stats.tx_dropped++;
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops nm_vale_netdev_ops = {
	.ndo_start_xmit = nm_vale_netdev_xmit,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

int nm_os_vale_netdev_create(const char *name, void **handle)
{
	struct net_device *dev;
	int err;

	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	dev = alloc_etherdev(0);
	if (!dev) {
		err = -ENOMEM;
		goto put_module;
	}
	strscpy(dev->name, name, sizeof(dev->name));
	dev->netdev_ops = &nm_vale_netdev_ops;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;
	eth_hw_addr_random(dev);
	err = register_netdev(dev);
	if (err)
		goto free_dev;
	*handle = dev;
	return 0;

free_dev:
	free_netdev(dev);
put_module:
	module_put(THIS_MODULE);
	return err;
}

void nm_os_vale_netdev_destroy(void *handle)
{
	struct net_device *dev = handle;

	unregister_netdev(dev);
	free_netdev(dev);
	module_put(THIS_MODULE);
}

bool nm_os_netdev_exists(const char *name)
{
	struct net_device *dev = dev_get_by_name(current->nsproxy->net_ns, name);

	if (!dev)
		return false;
	dev_put(dev);
	return true;
}
