/*
 * linux/generic.c - Linux network devices in netmap mode through the generic (emulated) adapter
 * (spec §7.6, §7.7).  Not written yet: no interface name resolves.
 */
#include "../core/port.h"

struct nm_adapter *nm_os_netdev_lookup(const struct nm_port_req *req)
{
	return ERR_PTR(-ENXIO);
}
