/*
 * Host test of the VALE switch: learning, unicast and flooding, fragments, invalid frames, full
 * and unbound destinations, NS_NO_LEARN, the port limit, listing, and two sender threads filling
 * one receiver at once with every frame verified.
 */
#include <pthread.h>

#include "../t.h"
#include "app.h"
#include "eth.h"
#include "mem.h"
#include "params.h"
#include "port.h"
#include "vale.h"

static u32 rx_count(struct app *a)
{
	nm_file_sync(a->nf, NM_RX);
	return nm_ring_space(NETMAP_RXRING(a->nifp, 0));
}

static void rx_drain(struct app *a)
{
	struct netmap_ring *r = NETMAP_RXRING(a->nifp, 0);

	nm_file_sync(a->nf, NM_RX);
	r->head = r->cur = r->tail;
	nm_file_sync(a->nf, NM_RX);
}

static void tx_sync(struct app *a)
{
	nm_file_sync(a->nf, NM_TX);
}

static struct nm_vale_stats stats(const char *name)
{
	struct nm_vale_stats st;

	memset(&st, 0, sizeof(st));
	nm_vale_port_stats(name, &st);
	return st;
}

static void test_learning(void)
{
	struct app a, b, c;
	struct netmap_ring *ta, *tb, *tc, *rb;

	ok(app_open(&a, "vale0:a", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0 &&
	   app_open(&b, "vale0:b", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0 &&
	   app_open(&c, "vale0:c", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0, "three ports on vale0");
	ok(a.reg.nr_mem_id != b.reg.nr_mem_id && a.nifp->ni_flags == NI_PRIV_MEM &&
	   a.reg.nr_memsize == 42369024, "each ephemeral port has its own private region");
	ta = NETMAP_TXRING(a.nifp, 0);
	tb = NETMAP_TXRING(b.nifp, 0);
	tc = NETMAP_TXRING(c.nifp, 0);
	rb = NETMAP_RXRING(b.nifp, 0);

	eth_frame(ta, BCAST, MAC_A, 60, 1, 0);
	tx_sync(&a);
	ok(rx_count(&b) == 1 && rx_count(&c) == 1 && rx_count(&a) == 0,
	   "broadcast reaches both other ports, never the sender");
	ok(frame_is_eth(rb, rb->head, 60, 1), "the broadcast frame arrives intact");
	rx_drain(&b);
	rx_drain(&c);

	eth_frame(tb, MAC_A, MAC_B, 100, 2, 0);	/* A was learned from the broadcast */
	tx_sync(&b);
	ok(rx_count(&a) == 1 && rx_count(&c) == 0, "unicast to a learned MAC reaches only its port");
	rx_drain(&a);

	eth_frame(tc, MAC_X, MAC_C, 64, 3, 0);
	tx_sync(&c);
	ok(rx_count(&a) == 1 && rx_count(&b) == 1, "unknown unicast is flooded");
	rx_drain(&a);
	rx_drain(&b);

	eth_frame(ta, MAC_A, MAC_A, 64, 4, 0);
	tx_sync(&a);
	ok(rx_count(&b) == 0 && rx_count(&c) == 0 && rx_count(&a) == 0,
	   "a frame to the sender's own MAC goes nowhere");

	eth_frame(ta, BCAST, MAC_A, 13, 5, 0);
	tx_sync(&a);
	ok(rx_count(&b) == 0 && stats("vale0:a").drop_bad == 1, "a 13-byte frame is dropped and counted");

	eth_frame(tc, BCAST, MAC_X, 60, 6, NS_NO_LEARN);	/* X must not be learned */
	tx_sync(&c);
	rx_drain(&a);
	rx_drain(&b);
	eth_frame(ta, MAC_X, MAC_A, 60, 7, 0);
	tx_sync(&a);
	ok(rx_count(&b) == 1 && rx_count(&c) == 1, "NS_NO_LEARN: the source is not learned");
	rx_drain(&b);
	rx_drain(&c);

	/* A three-fragment packet arrives as three slots carrying the fragment count. */
	eth_frame(ta, MAC_B, MAC_A, 60, 8, NS_MOREFRAG);
	tx_frame(ta, 500, 9, NS_MOREFRAG);
	tx_frame(ta, 40, 10, 0);
	tx_sync(&a);
	ok(rx_count(&b) == 3 && (rb->slot[rb->head].flags & NS_MOREFRAG) &&
	   NS_RFRAGS(&rb->slot[rb->head]) == 3 && !(rb->slot[(rb->head + 2) % 1024].flags & NS_MOREFRAG) &&
	   frame_is(rb, (rb->head + 1) % 1024, 500, 9), "fragments: 3 slots, NS_MOREFRAG on the first two, count 3");
	rx_drain(&b);

	/* A full destination ring drops whole frames and counts them. */
	{
		u32 i, sent = 0;

		for (i = 0; i < 3; i++) {
			u32 k;

			for (k = 0; k < 700; k++, sent++)
				eth_frame(ta, MAC_B, MAC_A, 60, 11, 0);
			tx_sync(&a);
		}
		ok(rx_count(&b) == 1023 && stats("vale0:b").drop_full == sent - 1023,
		   "a full ring: 1023 delivered, %u counted as drop_full", sent - 1023);
		rx_drain(&b);
	}
	ok(nm_ring_space(ta) == 1023, "the sender's ring is entirely free after each sync");

	app_close(&c);
	eth_frame(ta, BCAST, MAC_A, 60, 12, 0);
	tx_sync(&a);
	ok(rx_count(&b) == 1, "a port that left no longer receives; the others still do");
	app_close(&b);
	app_close(&a);
}

/*
 * Which receive ring: a unicast frame goes to the sender's ring number (mod the destination's
 * rings), a broadcast to ring 0, also on a switch of two ports, where every frame has the one
 * destination and the switch takes its single-destination path.
 */
static void test_two_port_rings(void)
{
	struct nmreq_register two = { .nr_mode = NR_REG_ALL_NIC, .nr_tx_rings = 2, .nr_rx_rings = 2 };
	struct app a, b;
	struct netmap_ring *ta1, *rb0, *rb1;
	u32 i;

	ok(app_open_reg(&a, "vale7:a", &two) == 0 && app_open_reg(&b, "vale7:b", &two) == 0 &&
	   a.reg.nr_tx_rings == 2 && b.reg.nr_rx_rings == 2, "two ports with two ring pairs on vale7");
	ta1 = NETMAP_TXRING(a.nifp, 1);
	rb0 = NETMAP_RXRING(b.nifp, 0);
	rb1 = NETMAP_RXRING(b.nifp, 1);
	for (i = 0; i < 5; i++)
		eth_frame(ta1, BCAST, MAC_A, 60, (u8)(10 + i), 0);
	tx_sync(&a);
	nm_file_sync(b.nf, NM_RX);
	ok(nm_ring_space(rb0) == 5 && nm_ring_space(rb1) == 0 && frame_is_eth(rb0, rb0->head, 60, 10),
	   "broadcasts from TX ring 1 arrive on RX ring 0 (%u, %u)", nm_ring_space(rb0),
	   nm_ring_space(rb1));
	for (i = 0; i < 3; i++)
		eth_frame(ta1, MAC_B, MAC_A, 70, 20, 0);
	tx_sync(&a);
	nm_file_sync(b.nf, NM_RX);
	ok(nm_ring_space(rb0) == 8 && nm_ring_space(rb1) == 0,
	   "unicast to a MAC not yet learned is flooded: RX ring 0 (%u, %u)", nm_ring_space(rb0),
	   nm_ring_space(rb1));
	eth_frame(NETMAP_TXRING(b.nifp, 0), BCAST, MAC_B, 60, 30, 0);	/* B learned */
	tx_sync(&b);
	for (i = 0; i < 4; i++)
		eth_frame(ta1, MAC_B, MAC_A, 80, 40, 0);
	tx_sync(&a);
	nm_file_sync(b.nf, NM_RX);
	ok(nm_ring_space(rb1) == 4 && frame_is_eth(rb1, rb1->head, 80, 40),
	   "unicast to a learned MAC from TX ring 1 arrives on RX ring 1 (%u)", nm_ring_space(rb1));
	app_close(&b);
	app_close(&a);
}

static void test_unbound_and_list(void)
{
	struct app a, t;
	struct nmreq_register reg = { .nr_mode = NR_REG_ALL_NIC, .nr_flags = NR_TX_RINGS_ONLY };
	u16 bi;
	u32 pi;
	char name[64];

	app_open(&a, "vale1:a", NR_REG_ALL_NIC, 0, 0, 0, 0);
	app_open_reg(&t, "vale1:t", &reg);
	eth_frame(NETMAP_TXRING(a.nifp, 0), BCAST, MAC_A, 60, 1, 0);
	tx_sync(&a);
	ok(stats("vale1:t").drop_unbound == 1, "a port with no RX ring bound: counted as drop_unbound");

	ok(nm_vale_list_name("vale1:t", &bi, &pi) == 0 && pi == 1, "LIST by name: vale1:t is port 1");
	ok(nm_vale_list_name("vale1:zz", &bi, &pi) == 0 && pi == NM_BDG_NOPORT,
	   "LIST by name: a port not on the switch is 255");
	ok(nm_vale_list_name("vale9:x", &bi, &pi) == -ENOENT, "LIST by name: unknown switch: ENOENT");
	ok(nm_vale_list_name("valx:x", &bi, &pi) == -EINVAL, "LIST by name: no vale prefix: EINVAL");
	bi = 0, pi = 0;
	ok(nm_vale_list_next(&bi, &pi, name, sizeof(name)) == 0 && strcmp(name, "vale1:a") == 0,
	   "LIST enumeration: first port vale1:a");
	pi++;
	ok(nm_vale_list_next(&bi, &pi, name, sizeof(name)) == 0 && strcmp(name, "vale1:t") == 0,
	   "LIST enumeration: then vale1:t");
	pi++;
	ok(nm_vale_list_next(&bi, &pi, name, sizeof(name)) == -ENOENT, "LIST enumeration: then ENOENT");
	app_close(&t);
	app_close(&a);
	bi = 0, pi = 0;
	ok(nm_vale_list_next(&bi, &pi, name, sizeof(name)) == -ENOENT, "the switch is gone with its ports");
}

static void test_names_and_limits(void)
{
	struct app a;
	static struct app many[260];
	struct nmreq_register reg = {
		.nr_mode = NR_REG_ALL_NIC, .nr_mem_id = 1, .nr_tx_slots = 8, .nr_rx_slots = 8,
		.nr_tx_rings = 1, .nr_rx_rings = 1,
	};
	int i, opened = 0, err = 0;
	char name[64];

	ok(app_open(&a, "vale-x:a", NR_REG_ALL_NIC, 0, 0, 0, 0) == -ENOMEM,
	   "an invalid switch name: ENOMEM (Compat)");
	app_close(&a);
	ok(app_open(&a, "vale0:0123456789abcdef", NR_REG_ALL_NIC, 0, 0, 0, 0) == -ENOMEM,
	   "a port part over 15 characters: ENOMEM");
	app_close(&a);
	{
		struct nmreq_register big = { .nr_mode = NR_REG_ALL_NIC, .nr_tx_rings = 40,
					      .nr_tx_slots = 8, .nr_rx_slots = 8 };

		ok(app_open_reg(&a, "vale0:big", &big) == 0 && a.reg.nr_tx_rings == 16 &&
		   a.reg.nr_rx_rings == 1, "rings clamp to 16; 0 means 1");
		app_close(&a);
		big.nr_tx_rings = 1;
		big.nr_tx_slots = 9000;
		ok(app_open_reg(&a, "vale0:big", &big) == 0 && a.reg.nr_tx_slots == 4096,
		   "slots clamp to 4096");
		app_close(&a);
	}

	/* 2 rings and a netmap_if per port, all in the global region. */
	nm_params.pool[NM_POOL_RING].num = 1024;
	nm_params.pool[NM_POOL_IF].num = 1000;
	for (i = 0; i < 260 && !err; i++) {
		snprintf(name, sizeof(name), "vale2:p%d", i);
		err = app_open_reg(&many[i], name, &reg);
		if (!err)
			opened++;
	}
	ok(opened == 252 && err == -ENOMEM, "a switch takes 252 ports; the next gets ENOMEM (%d)", opened);
	for (i = 0; i <= opened; i++)
		app_close(&many[i]);
	nm_params_reset();
}

/* Two threads send numbered frames into one receiver through the same switch at once. */
static int senders_done;
struct sender {
	struct app *port;
	const u8 *mac;
	u32 count;
};

static void *send_numbered(void *arg)
{
	struct sender *s = arg;
	struct netmap_ring *t = NETMAP_TXRING(s->port->nifp, 0);
	u32 seq = 0;

	while (seq < s->count) {
		u32 k;

		for (k = 0; k < 64 && seq < s->count; k++, seq++) {
			struct netmap_slot *slot = &t->slot[t->cur];
			u8 *buf = (u8 *)NETMAP_BUF(t, slot->buf_idx);
			u32 i;

			memcpy(buf, MAC_C, 6);
			memcpy(buf + 6, s->mac, 6);
			memcpy(buf + 12, &seq, 4);
			for (i = 16; i < 128; i++)
				buf[i] = (u8)(seq + i);
			slot->len = 128;
			t->head = t->cur = nm_ring_next(t, t->cur);
		}
		nm_file_sync(s->port->nf, NM_TX);
	}
	__atomic_add_fetch(&senders_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_parallel_senders(void)
{
	struct app a, b, c;
	struct sender sa = { &a, MAC_A, 200000 }, sb = { &b, MAC_B, 200000 };
	struct netmap_ring *rc;
	pthread_t th[2];
	u32 next[2] = { 0, 0 }, got = 0, bad = 0, order = 0;

	app_open(&a, "vale3:a", NR_REG_ALL_NIC, 0, 0, 0, 0);
	app_open(&b, "vale3:b", NR_REG_ALL_NIC, 0, 0, 0, 0);
	app_open(&c, "vale3:c", NR_REG_ALL_NIC, 0, 0, 0, 0);
	rc = NETMAP_RXRING(c.nifp, 0);
	eth_frame(NETMAP_TXRING(c.nifp, 0), BCAST, MAC_C, 60, 0, 0);	/* learn C */
	tx_sync(&c);
	rx_drain(&a);
	rx_drain(&b);
	pthread_create(&th[0], NULL, send_numbered, &sa);
	pthread_create(&th[1], NULL, send_numbered, &sb);
	for (;;) {
		bool finished = __atomic_load_n(&senders_done, __ATOMIC_ACQUIRE) == 2;

		nm_file_sync(c.nf, NM_RX);
		while (!nm_ring_empty(rc)) {
			const u8 *buf = (const u8 *)NETMAP_BUF(rc, rc->slot[rc->head].buf_idx);
			int who = buf[11] == 0xa ? 0 : 1;
			u32 seq, i;

			memcpy(&seq, buf + 12, 4);
			for (i = 16; i < 128; i++)
				bad += buf[i] != (u8)(seq + i);
			bad += rc->slot[rc->head].len != 128;
			order += seq < next[who];
			next[who] = seq + 1;
			got++;
			rc->head = rc->cur = nm_ring_next(rc, rc->head);
		}
		if (finished)
			break;	/* both were done before this last drain: nothing more can come */
	}
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	rx_drain(&c);
	ok(bad == 0 && order == 0, "two parallel senders: no corrupt or reordered frame (%u received)", got);
	ok(got + stats("vale3:c").drop_full == sa.count + sb.count,
	   "delivered (%u) + drop_full (%llu) = sent (%u)", got,
	   (unsigned long long)stats("vale3:c").drop_full, sa.count + sb.count);
	app_close(&c);
	app_close(&b);
	app_close(&a);
}

/* Ports with different virtio-net header lengths still exchange correct frames (spec §7.2.10). */
static int set_hdr(const char *name, u32 len)
{
	static struct nm_ctrl_req req;
	static struct nmreq_port_hdr ph;

	memset(&req, 0, sizeof(req));
	strscpy(req.hdr.nr_name, name, sizeof(req.hdr.nr_name));
	ph.nr_hdr_len = len;
	req.body = &ph;
	return nm_requests.handler[NETMAP_REQ_PORT_HDR_SET](NULL, &req);
}

static void test_vnet_hdr(void)
{
	struct app a, b, a2;
	struct nmreq_register acc = { .nr_mode = NR_REG_ALL_NIC, .nr_flags = NR_ACCEPT_VNET_HDR };
	struct netmap_ring *ta, *rb, *ra;
	struct netmap_slot *s;
	u8 *buf;

	app_open(&a, "vale4:a", NR_REG_ALL_NIC, 0, 0, 0, 0);
	app_open(&b, "vale4:b", NR_REG_ALL_NIC, 0, 0, 0, 0);
	ok(set_hdr("vale4:a", 11) == -EINVAL, "PORT_HDR_SET 11: EINVAL");
	ok(set_hdr("vale4:zz", 12) == -ENXIO && set_hdr("pipe{1", 12) == -ENXIO,
	   "PORT_HDR_SET on a missing or non-VALE port: ENXIO");
	ok(set_hdr("vale4:a}1", 12) == -ENXIO,
	   "PORT_HDR_SET on a missing pipe of an existing VALE port: ENXIO, not ENODEV");
	ok(set_hdr("vale4:a", 12) == 0, "PORT_HDR_SET 12 on vale4:a");
	ok(app_open(&a2, "vale4:a", NR_REG_ALL_NIC, 0, 0, 0, 0) == -EIO,
	   "REGISTER of a port with a header, without NR_ACCEPT_VNET_HDR: EIO");
	app_close(&a2);
	ok(app_open_reg(&a2, "vale4:a", &acc) == 0, "... and with NR_ACCEPT_VNET_HDR: ok");
	app_close(&a2);

	/* a (12-byte header) -> b (none): the header is removed. */
	ta = NETMAP_TXRING(a.nifp, 0);
	s = &ta->slot[ta->cur];
	buf = (u8 *)NETMAP_BUF(ta, s->buf_idx);
	memset(buf, 0, 12);
	memcpy(buf + 12, BCAST, 6);
	memcpy(buf + 18, MAC_A, 6);
	memset(buf + 24, 0x5a, 48);
	s->len = 72;
	ta->head = ta->cur = nm_ring_next(ta, ta->cur);
	tx_sync(&a);
	rb = NETMAP_RXRING(b.nifp, 0);
	ok(rx_count(&b) == 1 && rb->slot[rb->head].len == 60 &&
	   memcmp(NETMAP_BUF(rb, rb->slot[rb->head].buf_idx), BCAST, 6) == 0,
	   "12-byte header -> no header: the frame arrives as 60 bytes starting with the MACs");
	rx_drain(&b);

	/* b (none) -> a (12): a header is added, saying one buffer. */
	eth_frame(NETMAP_TXRING(b.nifp, 0), MAC_A, MAC_B, 60, 3, 0);
	tx_sync(&b);
	ra = NETMAP_RXRING(a.nifp, 0);
	buf = (u8 *)NETMAP_BUF(ra, ra->slot[ra->head].buf_idx);
	ok(rx_count(&a) == 1 && ra->slot[ra->head].len == 72 && buf[10] == 1 && buf[0] == 0 &&
	   memcmp(buf + 12, MAC_A, 6) == 0, "no header -> 12-byte header: 72 bytes, num_buffers 1");
	rx_drain(&a);

	/* A GSO frame cannot go to a port without a header: dropped, not corrupted. */
	s = &ta->slot[ta->cur];
	buf = (u8 *)NETMAP_BUF(ta, s->buf_idx);
	memset(buf, 0, 12);
	buf[1] = 1;	/* gso_type TCPv4 */
	memcpy(buf + 12, MAC_B, 6);
	memcpy(buf + 18, MAC_A, 6);
	s->len = 72;
	ta->head = ta->cur = nm_ring_next(ta, ta->cur);
	tx_sync(&a);
	ok(rx_count(&b) == 0 && stats("vale4:a").drop_bad == 1,
	   "a GSO frame is not delivered to a port without a header, and is counted");
	app_close(&b);
	app_close(&a);
}

static void test_persistent(void)
{
	struct nmreq_vale_newif nif = { .nr_tx_rings = 2, .nr_tx_slots = 512 };
	struct nmreq_vale_attach att = { .reg = { .nr_mode = NR_REG_ALL_NIC } };
	struct nmreq_vale_detach det = { 0 };
	struct app p, x;
	u16 bi;
	u32 pi;

	ok(app_request(NETMAP_REQ_VALE_NEWIF, "vp0", &nif) == 0 && nif.nr_tx_rings == 2 &&
	   nif.nr_rx_rings == 1 && nif.nr_tx_slots == 512 && nif.nr_rx_slots == 1024 && nif.nr_mem_id > 1,
	   "NEWIF vp0: geometry and a private region in the reply");
	ok(app_request(NETMAP_REQ_VALE_NEWIF, "vp0", &nif) == -EEXIST, "NEWIF of an existing name: EEXIST");
	ok(app_request(NETMAP_REQ_VALE_NEWIF, "vale0", &nif) == -EINVAL, "NEWIF of a vale* name: EINVAL");
	ok(app_request(NETMAP_REQ_VALE_NEWIF, "sixteen_chars_xx", &nif) == -EINVAL, "NEWIF of 16 characters: EINVAL");
	ok(app_request(NETMAP_REQ_VALE_ATTACH, "vale5:vp0", &att) == 0 && att.port_index == 0,
	   "ATTACH vale5:vp0: port 0");
	ok(app_request(NETMAP_REQ_VALE_ATTACH, "vale5:vp0", &att) == -EBUSY, "ATTACH again: EBUSY");
	ok(app_request(NETMAP_REQ_VALE_ATTACH, "vale5:nosuch", &att) == -EINVAL, "ATTACH of no interface: EINVAL");
	ok(app_request(NETMAP_REQ_VALE_ATTACH, "vale5:lo", &att) == -EINVAL &&
	   !nm_vale_list_name("vale5:lo", &bi, &pi) && pi == NM_BDG_NOPORT,
	   "ATTACH of an interface with no netmap adapter (the host build has no devices): EINVAL, no port");
	ok(app_request(NETMAP_REQ_VALE_DELIF, "vp0", NULL) == -EBUSY, "DELIF while attached: EBUSY");

	ok(app_open(&p, "vp0", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0 &&
	   strcmp(p.nifp->ni_name, "vale5:vp0") == 0 && p.reg.nr_tx_rings == 2,
	   "netmap:vp0 opens the port, named vale5:vp0 while attached");
	app_open(&x, "vale5:x", NR_REG_ALL_NIC, 0, 0, 0, 0);
	eth_frame(NETMAP_TXRING(x.nifp, 0), BCAST, MAC_A, 60, 1, 0);
	tx_sync(&x);
	ok(rx_count(&p) == 1, "an ephemeral port's broadcast reaches the persistent port");
	ok(app_request(NETMAP_REQ_VALE_DETACH, "vale5:x", &det) == -EBUSY, "DETACH of an ephemeral port: EBUSY");
	ok(app_request(NETMAP_REQ_VALE_DETACH, "vale5:none", &det) == -ENXIO, "DETACH of a missing port: ENXIO");
	ok(app_request(NETMAP_REQ_VALE_DETACH, "vale5:vp0", &det) == 0 && det.port_index == 0, "DETACH vale5:vp0");
	eth_frame(NETMAP_TXRING(x.nifp, 0), BCAST, MAC_A, 60, 2, 0);
	tx_sync(&x);
	ok(rx_count(&p) == 1, "after DETACH it no longer receives from the switch");
	eth_frame(NETMAP_TXRING(p.nifp, 0), BCAST, MAC_B, 60, 3, 0);
	tx_sync(&p);
	ok(nm_ring_space(NETMAP_TXRING(p.nifp, 0)) == 511, "on no switch, its TX ring still drains");
	ok(app_request(NETMAP_REQ_VALE_DELIF, "vp0", NULL) == -EBUSY, "DELIF while open: EBUSY");
	app_close(&x);
	app_close(&p);
	ok(app_request(NETMAP_REQ_VALE_DELIF, "vp0", NULL) == 0, "DELIF vp0");
	ok(app_request(NETMAP_REQ_VALE_DELIF, "vp0", NULL) == -ENXIO, "DELIF again: ENXIO");
	ok(app_request(NETMAP_REQ_VALE_DELIF, "lo", NULL) == -EINVAL, "DELIF of a device that is not ours: EINVAL");
}

/* A pipe's parent is resolved as a port first: pipes share the region of a VALE port. */
/*
 * A VALE configuration request whose reply cannot be written back (EFAULT) leaves everything as
 * it was, so the same request then succeeds (found by failnth's fail-nth on the usercopy).
 */
static void test_write_back_fault(void)
{
	struct nmreq_vale_newif nif = { 0 };
	struct nmreq_vale_attach att = { .reg = { .nr_mode = NR_REG_ALL_NIC } };
	struct nmreq_vale_detach det = { 0 };
	u16 bi;
	u32 pi;

	/* The reply's nr_mem_id names the region just undone: ask again with a zeroed body. */
	ok(app_request_wb(NETMAP_REQ_VALE_NEWIF, "vf0", &nif, -EFAULT) == -EFAULT &&
	   app_request(NETMAP_REQ_VALE_NEWIF, "vf0", memset(&nif, 0, sizeof(nif))) == 0,
	   "NEWIF whose reply faults: EFAULT, no interface; the same NEWIF then succeeds");
	ok(app_request_wb(NETMAP_REQ_VALE_ATTACH, "vale7:vf0", &att, -EFAULT) == -EFAULT &&
	   nm_vale_list_name("vale7:vf0", &bi, &pi) == -ENOENT,
	   "ATTACH whose reply faults: EFAULT, not on the switch (which is gone again)");
	ok(app_request(NETMAP_REQ_VALE_ATTACH, "vale7:vf0", &att) == 0 &&
	   !nm_vale_list_name("vale7:vf0", &bi, &pi) && pi == att.port_index,
	   "... and the same ATTACH then succeeds");
	ok(app_request_wb(NETMAP_REQ_VALE_DETACH, "vale7:vf0", &det, -EFAULT) == -EFAULT &&
	   !nm_vale_list_name("vale7:vf0", &bi, &pi) && pi == att.port_index,
	   "DETACH whose reply faults: EFAULT, still on the switch");
	det.port_index = 99;
	ok(app_request(NETMAP_REQ_VALE_DETACH, "vale7:vf0", &det) == 0 && det.port_index == att.port_index,
	   "... and the same DETACH then succeeds, with the port index in its reply");
	ok(app_request_wb(NETMAP_REQ_VALE_DELIF, "vf0", NULL, -EFAULT) == -EFAULT &&
	   app_request(NETMAP_REQ_VALE_DELIF, "vf0", NULL) == 0,
	   "DELIF whose reply faults: EFAULT, the interface stays; the same DELIF then succeeds");
}

static void test_pipe_parents(void)
{
	struct nmreq_vale_newif nif = { 0 };
	struct nmreq_vale_attach att = { .reg = { .nr_mode = NR_REG_ALL_NIC } };
	struct nmreq_vale_detach det = { 0 };
	struct app v, m, p;

	app_open(&v, "vale6:p", NR_REG_ALL_NIC, 0, 0, 0, 0);
	ok(app_open(&m, "vale6:p{1", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0 &&
	   m.reg.nr_mem_id == v.reg.nr_mem_id && strcmp(m.nifp->ni_name, "vale6:p{1") == 0,
	   "a pipe on an ephemeral VALE port lives in that port's region");
	app_close(&m);
	app_close(&v);
	ok(app_open(&m, "vale6:gone{1", NR_REG_ALL_NIC, 0, 0, 0, 0) == -ENXIO,
	   "a pipe on a VALE port that does not exist: ENXIO");
	app_close(&m);

	app_request(NETMAP_REQ_VALE_NEWIF, "vp9", &nif);
	app_request(NETMAP_REQ_VALE_ATTACH, "vale6:vp9", &att);
	ok(app_open(&m, "vp9{1", NR_REG_ALL_NIC, 0, 0, 0, 0) == -EBUSY,
	   "a pipe on a persistent port attached to a switch: EBUSY");
	app_close(&m);
	app_request(NETMAP_REQ_VALE_DETACH, "vale6:vp9", &det);
	app_open(&p, "vp9", NR_REG_ALL_NIC, 0, 0, 0, 0);
	ok(app_open(&m, "vp9{1", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0 && m.reg.nr_mem_id == nif.nr_mem_id &&
	   m.reg.nr_mem_id == p.reg.nr_mem_id, "a pipe on a persistent port shares its region");
	app_close(&m);
	app_close(&p);
	ok(app_request(NETMAP_REQ_VALE_DELIF, "vp9", NULL) == 0, "the parent can be removed once its pipes are gone");
}

int main(void)
{
	long base;

	ok(app_core_init() == 0, "core initialised (global region, switches, port providers)");
	base = nm_os_live_objects();
	test_learning();
	test_two_port_rings();
	test_unbound_and_list();
	test_names_and_limits();
	test_parallel_senders();
	test_vnet_hdr();
	test_persistent();
	test_write_back_fault();
	test_pipe_parents();
	ok(nm_os_live_objects() == base, "no object leaked (switches, ports, regions)");
	app_core_fini();
	return t_exit();
}
