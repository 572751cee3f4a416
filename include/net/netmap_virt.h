/*
 * net/netmap_virt.h -- ptnet (netmap passthrough to virtual machines).
 *
 * Placeholder.  This header will own the ABI between a ptnet guest driver
 * and the host side (device registers, CSB layout use, feature bits), which
 * the spec tags LATER.  It exists now only because it is one of the
 * installed headers and programs may include it; it declares nothing yet.
 */
#ifndef _NET_NETMAP_VIRT_H_
#define _NET_NETMAP_VIRT_H_

#include "netmap.h"

#endif /* _NET_NETMAP_VIRT_H_ */
