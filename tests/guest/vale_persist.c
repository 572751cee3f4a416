/*
 * Persistent VALE ports in the kernel (spec §7.2 NEWIF/DELIF/ATTACH/DETACH): the port is a real
 * network interface while it exists, it is opened as netmap:NAME, joins and leaves a switch, and
 * DELIF removes the interface and the module reference it held.
 */
#include <sys/stat.h>

#include "nm.h"

static int iface_exists(const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/net/%s", name);
	return stat(path, &st) == 0;
}

static long module_refs(void)
{
	return t_read_long("/sys/module/netmap/refcnt");
}

int main(void)
{
	struct nmreq_vale_newif nif = { .nr_tx_slots = 256, .nr_rx_slots = 256 };
	struct nmreq_vale_attach att = { .reg = { .nr_mode = NR_REG_ALL_NIC } };
	struct nmreq_vale_detach det = { 0 };
	long refs0 = module_refs();
	struct nmport p, x;

	ok(nm_ctrl_once(NETMAP_REQ_VALE_NEWIF, "vpers0", &nif) == 0 && nif.nr_tx_slots == 256,
	   "NEWIF vpers0 (256 slots)");
	ok(iface_exists("vpers0"), "vpers0 is a network interface");
	ok(module_refs() == refs0 + 1, "the persistent port holds a module reference");
	ok(nm_ctrl_once(NETMAP_REQ_VALE_NEWIF, "vpers0", &nif) == EEXIST, "NEWIF again: EEXIST");
	ok(nm_ctrl_once(NETMAP_REQ_VALE_NEWIF, "lo", &nif) == EEXIST, "NEWIF lo: EEXIST");
	ok(system("/sbin/ip link set vpers0 up && /sbin/ip link set vpers0 mtu 9000") == 0,
	   "the interface comes up and accepts an MTU change");
	/* No answer is expected (the ARP request goes nowhere), so the status is of no interest. */
	(void)!system("/sbin/ip addr add 10.99.0.2/24 dev vpers0 && ping -c 1 -W 1 10.99.0.1 >/dev/null 2>&1");
	ok(t_read_long("/sys/class/net/vpers0/statistics/tx_dropped") >= 1,
	   "frames the stack sends to it are dropped and counted (tx_dropped %ld)",
	   t_read_long("/sys/class/net/vpers0/statistics/tx_dropped"));

	ok(nm_ctrl_once(NETMAP_REQ_VALE_ATTACH, "vale7:vpers0", &att) == 0, "ATTACH vale7:vpers0");
	ok(nm_ctrl_once(NETMAP_REQ_VALE_DELIF, "vpers0", NULL) == EBUSY, "DELIF while attached: EBUSY");
	nm_open_or_die(&p, "vpers0", NR_REG_ALL_NIC, 0, 0);	/* netmap:vpers0 */
	nm_open_or_die(&x, "vale7:x", NR_REG_ALL_NIC, 0, 0);
	ok(strcmp(p.nifp->ni_name, "vale7:vpers0") == 0 && p.reg.nr_tx_slots == 256,
	   "netmap:vpers0 opens the port (named vale7:vpers0 while attached)");
	{
		struct netmap_ring *t = NETMAP_TXRING(x.nifp, 0);
		char *buf = NETMAP_BUF(t, t->slot[t->cur].buf_idx);

		memset(buf, 0xff, 6);
		memset(buf + 6, 2, 6);
		t->slot[t->cur].len = 60;
		t->head = t->cur = nm_ring_next(t, t->cur);
		ioctl(x.fd, NIOCTXSYNC);
		ioctl(p.fd, NIOCRXSYNC);
		ok(nm_ring_space(NETMAP_RXRING(p.nifp, 0)) == 1, "a frame from the switch reaches it");
	}
	ok(nm_ctrl_once(NETMAP_REQ_VALE_DETACH, "vale7:vpers0", &det) == 0 && det.port_index == 0,
	   "DETACH");
	ok(nm_ctrl_once(NETMAP_REQ_VALE_DELIF, "vpers0", NULL) == EBUSY, "DELIF while open: EBUSY");
	nm_close(&x);
	nm_close(&p);
	ok(nm_ctrl_once(NETMAP_REQ_VALE_DELIF, "vpers0", NULL) == 0 && !iface_exists("vpers0"),
	   "DELIF removes the interface");
	ok(module_refs() == refs0, "and its module reference");
	ok(nm_ctrl_once(NETMAP_REQ_VALE_DELIF, "vpers0", NULL) == ENXIO, "DELIF again: ENXIO");
	ok(nm_ctrl_once(NETMAP_REQ_VALE_DELIF, "lo", NULL) == EINVAL, "DELIF lo: EINVAL");
	return t_exit();
}
