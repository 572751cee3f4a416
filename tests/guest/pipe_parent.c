/*
 * tests/guest/pipe_parent.c - a pipe whose parent is a device with rings larger than a pipe may
 * have (4096 slots): its default geometry is the parent's, clamped to the pipe maximum.  Before
 * the clamp, `dev{1` took the device's 8000 slots as they were (issue 13).
 */
#include "generic.h"

#define PARAMS "/sys/module/netmap/parameters/"

static void param_set(const char *name, long v)
{
	sh("echo %ld > " PARAMS "%s", v, name);
}

int main(void)
{
	long ring_size = t_read_long(PARAMS "ring_size");
	long ringsize = t_read_long(PARAMS "generic_ringsize");
	struct nmport dev, m, s;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Ring objects large enough for 8000 slots, and veth rings of 8000 slots. */
	param_set("ring_size", 131072);
	param_set("generic_ringsize", 8000);
	if (veth_pair("pp0", "pp1", NULL)) {
		ok(0, "create veth pair pp0/pp1");
		return t_exit();
	}
	err = nm_register(&dev, "pp0", NR_REG_ALL_NIC, 0, 0);
	ok(err == 0 && dev.reg.nr_tx_slots == 8000, "the parent device has 8000-slot rings (%d, %u)",
	   err, dev.reg.nr_tx_slots);
	err = nm_register(&m, "pp0{1", NR_REG_ALL_NIC, 0, 0);
	ok(err == 0 && m.reg.nr_tx_slots == 4096 && m.reg.nr_rx_slots == 4096,
	   "its pipe pp0{1 gets the pipe maximum, 4096 slots (%d, %u/%u)", err, m.reg.nr_tx_slots,
	   m.reg.nr_rx_slots);
	err = nm_register(&s, "pp0}1", NR_REG_ALL_NIC, 0, 0);
	ok(err == 0 && s.reg.nr_tx_slots == 4096 && s.reg.nr_mem_id == dev.reg.nr_mem_id,
	   "the other end mirrors it, in the device's region (%d)", err);
	nm_close(&s);
	nm_close(&m);
	nm_close(&dev);
	sh("/sbin/ip link del pp0");
	param_set("ring_size", ring_size);
	param_set("generic_ringsize", ringsize);
	return t_exit();
}
