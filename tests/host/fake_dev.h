/*
 * tests/host/fake_dev.h - a network device for host tests, registered as a device port provider
 * (core/port.h), so that code that drives devices (core/vale_nic.c today; monitors and the sync
 * loop later) runs under ASan/UBSan without a kernel.
 *
 * The device has NIC rings and host rings like a real one, in the global region.  Its "wire" is
 * the test: txsync records what the device sent (NIC TX: to the wire; host TX: to the stack),
 * completing it at once; rxsync hands over frames the test queued with fake_dev_rx (from the
 * wire, or from the stack on the host RX ring) and wakes the ring like a device interrupt would.
 * fake_dev_stop plays a device that goes away: every ring stops, as nm_gen_set_stopped does.
 */
#ifndef NM_HOST_FAKE_DEV_H
#define NM_HOST_FAKE_DEV_H

#include "port.h"

#define FAKE_DEV_QLEN	64
#define FAKE_DEV_FRAME	128

struct fake_frame {
	u32 len;
	u8 data[FAKE_DEV_FRAME];
};

struct fake_dev {
	char name[16];
	u32 rings, slots;
	struct nm_adapter *na;		/* while any reference exists */
	/* per direction of the wire: [0] NIC rings, [1] host rings */
	struct fake_frame sent[2][FAKE_DEV_QLEN];
	u32 nsent[2];
	struct fake_frame rxq[2][FAKE_DEV_QLEN];
	u32 rx_head[2], rx_tail[2];
};

static struct fake_dev fake_dev;

static int fake_dev_txsync(struct nm_kring *kr)
{
	const struct nm_buf_lut *lut = nm_mem_lut(kr->na->mem);
	int h = kr->is_host;
	u32 i;

	for (i = kr->hwcur; i != kr->rhead; i = nm_next(i, kr->num_slots)) {
		const struct netmap_slot *s = &kr->ring->slot[i];
		struct fake_frame *f = &fake_dev.sent[h][fake_dev.nsent[h] % FAKE_DEV_QLEN];

		f->len = s->len < FAKE_DEV_FRAME ? s->len : FAKE_DEV_FRAME;
		memcpy(f->data, nm_buf_lut_addr(lut, s->buf_idx), f->len);
		fake_dev.nsent[h]++;
	}
	kr->hwcur = kr->rhead;
	kr->hwtail = nm_prev(kr->hwcur, kr->num_slots);	/* sent and completed at once */
	return 0;
}

static int fake_dev_rxsync(struct nm_kring *kr)
{
	const struct nm_buf_lut *lut = nm_mem_lut(kr->na->mem);
	u32 n = kr->num_slots;
	int h = kr->is_host;

	kr->hwcur = kr->rhead;		/* released slots */
	while (fake_dev.rx_head[h] != fake_dev.rx_tail[h] && nm_next(kr->hwtail, n) != kr->hwcur) {
		struct fake_frame *f = &fake_dev.rxq[h][fake_dev.rx_head[h]++ % FAKE_DEV_QLEN];
		struct netmap_slot *s = &kr->ring->slot[kr->hwtail];

		memcpy(nm_buf_lut_addr(lut, s->buf_idx), f->data, f->len);
		s->len = f->len;
		s->flags = 0;
		kr->hwtail = nm_next(kr->hwtail, n);
	}
	return 0;
}

static void fake_dev_dtor(struct nm_adapter *na)
{
	(void)na;
	fake_dev.na = NULL;
}

static const struct nm_adapter_ops fake_dev_ops = {
	.txsync = fake_dev_txsync,
	.rxsync = fake_dev_rxsync,
	.dtor = fake_dev_dtor,
};

/* The device provider: the device's one adapter, created on first lookup, like the generic one. */
static struct nm_adapter *fake_dev_lookup(const struct nm_port_req *req)
{
	const u32 rings[NM_DIRS] = { fake_dev.rings, fake_dev.rings };
	const u32 host[NM_DIRS] = { 1, 1 };
	const u32 slots[NM_DIRS] = { fake_dev.slots, fake_dev.slots };
	struct nm_adapter *na;

	if (!fake_dev.name[0] || strcmp(req->name, fake_dev.name) != 0)
		return NULL;
	if (fake_dev.na) {
		nm_adapter_get(fake_dev.na);
		return fake_dev.na;
	}
	na = nm_adapter_new(fake_dev.name, &fake_dev_ops, nm_mem_global_get(), rings, host, slots);
	if (!IS_ERR(na))
		fake_dev.na = na;
	return na;
}

static struct nm_port_provider fake_dev_provider = {
	.what = "fake device", .order = NM_PORT_ORDER_GENERIC, .device = true,
	.lookup = fake_dev_lookup,
};

static inline void fake_dev_add(const char *name, u32 rings, u32 slots)
{
	memset(&fake_dev, 0, sizeof(fake_dev));
	strscpy(fake_dev.name, name, sizeof(fake_dev.name));
	fake_dev.rings = rings;
	fake_dev.slots = slots;
	nm_port_provider_add(&fake_dev_provider);
}

static inline void fake_dev_remove(void)
{
	nm_port_provider_del(&fake_dev_provider);
	fake_dev.name[0] = '\0';
}

/* The device receives a frame (host: the stack sends one) on ring 0, and says so. */
static inline void fake_dev_rx(bool host, const u8 *data, u32 len)
{
	struct fake_frame *f = &fake_dev.rxq[host][fake_dev.rx_tail[host]++ % FAKE_DEV_QLEN];
	struct nm_kring *kr;

	f->len = len;
	memcpy(f->data, data, len);
	if (fake_dev.na) {
		kr = &fake_dev.na->krings[NM_RX][host ? fake_dev.rings : 0];
		if (kr->nusers)
			nm_kring_wake(kr);	/* the interrupt */
	}
}

/* The device goes away under its users: every ring stops (syncs give EIO). */
static inline void fake_dev_stop(void)
{
	int d;
	u32 i;

	for (d = 0; d < NM_DIRS; d++) {
		for (i = 0; i < nm_adapter_all_rings(fake_dev.na, d); i++) {
			WRITE_ONCE(fake_dev.na->krings[d][i].stopped, true);
			nm_kring_wake(&fake_dev.na->krings[d][i]);
		}
	}
}

#endif /* NM_HOST_FAKE_DEV_H */
