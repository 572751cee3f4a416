/*
 * Host test of a device on a VALE switch (core/vale_nic.c) through the fake device provider
 * (tests/host/fake_dev.h): ATTACH and DETACH, the kernel as the exclusive user of the device's
 * rings, frames both ways between a switch port and the device (NIC rings and host rings), and a
 * device that stops while attached.  The work item runs synchronously in host builds, so every
 * frame has crossed by the time the call that caused it returns.
 */
#include "eth.h"
#include "fake_dev.h"
#include "params.h"
#include "vale.h"
#include "../t.h"

static int attach(const char *name, u32 mode, u32 *port)
{
	struct nmreq_vale_attach body = { .reg = { .nr_mode = mode } };
	int err = app_request(NETMAP_REQ_VALE_ATTACH, name, &body);

	if (port)
		*port = body.port_index;
	return err;
}

static int detach(const char *name)
{
	struct nmreq_vale_detach body = { 0 };

	return app_request(NETMAP_REQ_VALE_DETACH, name, &body);
}

/* A frame dst <- src as the device or the stack would hand it over. */
static void dev_frame(bool host, const u8 *dst, const u8 *src, u32 len, u8 seed)
{
	u8 f[FAKE_DEV_FRAME];

	memset(f, seed, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	fake_dev_rx(host, f, len);
}

static bool sent_is(int host, u32 k, u32 len, u8 seed)
{
	const struct fake_frame *f = &fake_dev.sent[host][k % FAKE_DEV_QLEN];
	u32 i;

	if (f->len != len)
		return false;
	for (i = 12; i < len; i++)
		if (f->data[i] != seed)
			return false;
	return true;
}

static u32 rx_count(struct app *a)
{
	nm_file_sync(a->nf, NM_RX);
	return nm_ring_space(NETMAP_RXRING(a->nifp, 0));
}

static void test_attach_rules(void)
{
	struct app a;
	u32 port = 99;

	ok(app_open(&a, "fd0", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0 && a.reg.nr_tx_rings == 2,
	   "fake device: a program registers it through the device provider");
	app_close(&a);
	ok(attach("vale7:fd0", NR_REG_ALL_NIC, &port) == 0 && port == 0,
	   "ATTACH vale7:fd0: port 0");
	ok(app_open(&a, "fd0", NR_REG_ALL_NIC, 0, 0, 0, 0) == -EBUSY,
	   "REGISTER of the attached device: EBUSY");
	app_close(&a);
	ok(app_open(&a, "vale7:fd0", NR_REG_ALL_NIC, 0, 0, 0, 0) == -EBUSY,
	   "REGISTER of its switch port: EBUSY");
	app_close(&a);
	ok(attach("vale8:fd0", NR_REG_ALL_NIC, NULL) == -EBUSY, "ATTACH to a second switch: EBUSY");
	ok(fake_dev.na && fake_dev.na->krings[NM_TX][0].exclusive &&
	   fake_dev.na->krings[NM_RX][1].nusers == 1,
	   "every device ring has the attachment as its one, exclusive user");
	ok(attach("vale7:nodev", NR_REG_ALL_NIC, NULL) == -EINVAL,
	   "ATTACH of a name no device provider knows: EINVAL");
	ok(detach("vale7:fd0") == 0 && fake_dev.na == NULL, "DETACH gives the device back");
	ok(app_open(&a, "fd0", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0, "the device registers again");
	app_close(&a);
}

static void test_traffic(void)
{
	struct netmap_ring *tx;
	struct app a;
	u32 sent0;

	ok(attach("vale7:fd0", NR_REG_ALL_NIC, NULL) == 0, "traffic: attached");
	ok(app_open(&a, "vale7:a", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0, "traffic: port vale7:a opens");
	tx = NETMAP_TXRING(a.nifp, 0);
	sent0 = fake_dev.nsent[0];
	eth_frame(tx, BCAST, MAC_A, 60, 0x31, 0);
	eth_frame(tx, MAC_B, MAC_A, 100, 0x32, 0);
	nm_file_sync(a.nf, NM_TX);
	ok(fake_dev.nsent[0] == sent0 + 2 && sent_is(0, sent0, 60, 0x31) &&
	   sent_is(0, sent0 + 1, 100, 0x32),
	   "a port's broadcast and unknown unicast leave through the device, intact");
	dev_frame(false, MAC_A, MAC_B, 70, 0x41);
	dev_frame(false, BCAST, MAC_B, 80, 0x42);
	ok(rx_count(&a) == 2, "frames the device receives reach the port (%u)", rx_count(&a));
	{
		struct netmap_ring *rx = NETMAP_RXRING(a.nifp, 0);

		ok(frame_is_eth(rx, rx->head, 70, 0x41) &&
		   frame_is_eth(rx, nm_ring_next(rx, rx->head), 80, 0x42),
		   "and arrive intact, in order");
	}
	sent0 = fake_dev.nsent[0];
	eth_frame(tx, MAC_B, MAC_A, 64, 0x33, 0);
	nm_file_sync(a.nf, NM_TX);
	ok(fake_dev.nsent[0] == sent0 + 1 && sent_is(0, sent0, 64, 0x33),
	   "MAC_B was learned on the device's port: unicast goes there");
	app_close(&a);
	ok(detach("vale7:fd0") == 0, "traffic: detached");
}

static void test_host_rings(void)
{
	struct app a;
	u32 nic0, host0;

	ok(attach("vale7:fd0", NR_REG_NIC_SW, NULL) == 0, "NIC_SW: attached with the host rings");
	ok(app_open(&a, "vale7:b", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0, "NIC_SW: port vale7:b opens");
	ok(detach("vale7:fd0^") == -EBUSY, "the host port cannot be detached alone: EBUSY");
	dev_frame(true, BCAST, MAC_C, 90, 0x51);
	ok(rx_count(&a) == 1 && frame_is_eth(NETMAP_RXRING(a.nifp, 0),
					      NETMAP_RXRING(a.nifp, 0)->head, 90, 0x51),
	   "a frame the stack sends crosses the switch from the host port");
	nic0 = fake_dev.nsent[0];
	host0 = fake_dev.nsent[1];
	eth_frame(NETMAP_TXRING(a.nifp, 0), BCAST, MAC_B, 60, 0x52, 0);
	nm_file_sync(a.nf, NM_TX);
	ok(fake_dev.nsent[0] == nic0 + 1 && fake_dev.nsent[1] == host0 + 1 &&
	   sent_is(1, host0, 60, 0x52),
	   "a broadcast reaches both the device and its stack");
	app_close(&a);
	ok(detach("vale7:fd0") == 0, "DETACH removes both ports");
}

static void test_device_stops(void)
{
	struct app a;
	u32 sent0;

	ok(attach("vale7:fd0", NR_REG_ALL_NIC, NULL) == 0, "stop: attached");
	ok(app_open(&a, "vale7:c", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0, "stop: port vale7:c opens");
	fake_dev_stop();
	sent0 = fake_dev.nsent[0];
	eth_frame(NETMAP_TXRING(a.nifp, 0), BCAST, MAC_C, 60, 0x61, 0);
	nm_file_sync(a.nf, NM_TX);
	ok(fake_dev.nsent[0] == sent0, "a stopped device sends nothing; the switch goes on");
	dev_frame(false, BCAST, MAC_B, 60, 0x62);
	ok(rx_count(&a) == 0, "nor receives");
	app_close(&a);
	ok(detach("vale7:fd0") == 0 && fake_dev.na == NULL, "DETACH of a stopped device works");
}

int main(void)
{
	long base;

	ok(app_core_init() == 0, "core initialised (global region, switches, port providers)");
	fake_dev_add("fd0", 2, 256);
	base = nm_os_live_objects();
	test_attach_rules();
	ok(nm_os_live_objects() == base, "attach rules: nothing left");
	test_traffic();
	ok(nm_os_live_objects() == base, "traffic: nothing left");
	test_host_rings();
	ok(nm_os_live_objects() == base, "host rings: nothing left");
	test_device_stops();
	ok(nm_os_live_objects() == base, "no object leaked by any test");
	fake_dev_remove();
	app_core_fini();
	return t_exit();
}
