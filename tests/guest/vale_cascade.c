/*
 * tests/guest/vale_cascade.c - cascaded VALE switches (spec §7.2): ATTACH valeB:v0 of a persistent
 * port already on valeA joins the two switches through it.  A table of operations, each with the
 * errno it must give, drives NEWIF, ATTACH, DETACH and DELIF through every order the issue names
 * (double create, double attach, DELIF while attached anywhere, detach in either order, create
 * again after destroy); frames cross from vale0 to vale1 through v0 and back.  tests/run-tests
 * checks that nothing is left behind, vm/run that the module unloads.
 */
#include "generic.h"

enum op { NEWIF, DELIF, ATTACH, DETACH, TRAFFIC };

struct step {
	enum op op;
	const char *name;
	int want;		/* 0 or the errno */
};

static const char *op_name[] = { "NEWIF", "DELIF", "ATTACH", "DETACH", "frames" };

/* Frames a -> b and b -> a across the cascade; 0 if all 50 arrive each way. */
static int traffic(const char *a, const char *b)
{
	struct nmport pa, pb;
	int lost = 0, k;

	nm_open_or_die(&pa, a, NR_REG_ALL_NIC, 0, 0);
	nm_open_or_die(&pb, b, NR_REG_ALL_NIC, 0, 0);
	for (k = 0; k < 2; k++) {
		struct nmport *tx = k ? &pb : &pa, *rx = k ? &pa : &pb;
		struct netmap_ring *r = NETMAP_RXRING(rx->nifp, 0);
		uint32_t got = 0, seq;

		tx_frames(NETMAP_TXRING(tx->nifp, 0), 0, 50, 60);
		ioctl(tx->fd, NIOCTXSYNC, NULL);
		while (got < 50 && rx_wait(rx, r, 2000) > 0) {
			for (; !nm_ring_empty(r); r->head = r->cur = nm_ring_next(r, r->cur))
				got += t_check((uint8_t *)NETMAP_BUF(r, r->slot[r->cur].buf_idx),
					       r->slot[r->cur].len, &seq) == 0;
		}
		printf("# %s -> %s: %u of 50 frames\n", tx == &pa ? a : b, rx == &pa ? a : b, got);
		lost += 50 - got;
	}
	nm_close(&pb);
	nm_close(&pa);
	return lost ? EIO : 0;
}

static int run_step(const struct step *s)
{
	struct nmreq_vale_newif newif = { 0 };
	struct nmreq_vale_attach attach = { .reg.nr_mode = NR_REG_ALL_NIC };
	struct nmreq_vale_detach detach = { 0 };

	switch (s->op) {
	case NEWIF:
		return nm_ctrl_once(NETMAP_REQ_VALE_NEWIF, s->name, &newif);
	case DELIF:
		return nm_ctrl_once(NETMAP_REQ_VALE_DELIF, s->name, NULL);
	case ATTACH:
		return nm_ctrl_once(NETMAP_REQ_VALE_ATTACH, s->name, &attach);
	case DETACH:
		return nm_ctrl_once(NETMAP_REQ_VALE_DETACH, s->name, &detach);
	case TRAFFIC:
		return traffic("vale0:ca", "vale1:cb");
	}
	return EINVAL;
}

/* Cascade first on vale0, then vale1; undone in both orders; then the other way round. */
static const struct step table[] = {
	{ NEWIF, "v0", 0 },
	{ NEWIF, "v0", EEXIST },		/* double create */
	{ ATTACH, "vale0:v0", 0 },
	{ ATTACH, "vale0:v0", EBUSY },		/* double attach, same switch */
	{ ATTACH, "vale1:v0", 0 },		/* the cascade */
	{ ATTACH, "vale1:v0", EBUSY },
	{ ATTACH, "vale2:v0", EBUSY },		/* a third switch: one wire per port */
	{ DELIF, "v0", EBUSY },			/* attached twice */
	{ TRAFFIC, "vale0:ca <-> vale1:cb", 0 },
	{ DETACH, "vale0:v0", 0 },		/* the first switch first */
	{ DELIF, "v0", EBUSY },			/* still on vale1 */
	{ DETACH, "vale0:v0", ENXIO },
	{ DETACH, "vale1:v0", 0 },
	{ DELIF, "v0", 0 },
	{ DELIF, "v0", ENXIO },
	{ NEWIF, "v0", 0 },			/* create again after destroy */
	{ ATTACH, "vale1:v0", 0 },
	{ ATTACH, "vale0:v0", 0 },		/* the cascade the other way */
	{ TRAFFIC, "vale0:ca <-> vale1:cb", 0 },
	{ DETACH, "vale0:v0", 0 },		/* the second switch first */
	{ DELIF, "v0", EBUSY },
	{ ATTACH, "vale0:v0", 0 },		/* and back again */
	{ TRAFFIC, "vale0:ca <-> vale1:cb", 0 },
	{ DETACH, "vale1:v0", 0 },		/* now the wire is what stays */
	{ ATTACH, "vale2:v0", 0 },		/* as a port of vale2: vale2 <-> vale0 */
	{ DETACH, "vale0:v0", 0 },
	{ DETACH, "vale2:v0", 0 },
	{ DELIF, "v0", 0 },
};

int main(void)
{
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct step *s = &table[i];
		int err = run_step(s);

		ok(err == s->want, "step %2u: %s %s: %s (want %s)", i + 1, op_name[s->op], s->name,
		   err ? strerror(err) : "ok", s->want ? strerror(s->want) : "ok");
	}
	return t_exit();
}
