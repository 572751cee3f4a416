/*
 * core/sync.c - the data path of a bound file descriptor: NIOCTXSYNC/NIOCRXSYNC (spec §4.7) and
 * poll (spec §4.8).  Nothing here takes the control lock; a ring is claimed for one sync at a time
 * with nm_kring_tryget, and a second syncer skips it instead of waiting.
 */
#include "file.h"

enum nm_sync_result { NM_SYNC_OK, NM_SYNC_SKIPPED, NM_SYNC_STOPPED, NM_SYNC_BAD };

/* One ring whose head/cur the caller checked (`valid`): run the port's sync, publish tail.  The
 * ring must be claimed. */
static enum nm_sync_result nm_kring_sync_checked(struct nm_kring *kr, bool valid)
{
	const struct nm_adapter_ops *ops = kr->na->ops;
	bool tapped = unlikely(READ_ONCE(kr->taps) != NULL);	/* monitors */
	struct nm_tap_point tp;
	int err;

	if (kr->dir == NM_TX && !valid)
		return NM_SYNC_BAD;	/* an invalid TX ring is not synced (spec §4.6) */
	if (tapped)
		nm_kring_taps_before(kr, &tp);
	if (kr->dir == NM_TX) {
		err = ops->txsync(kr);
	} else {
		nm_kring_timestamp(kr);
		err = ops->rxsync(kr);	/* with rhead = hwcur when invalid: receive, release nothing */
	}
	if (err)
		return NM_SYNC_BAD;
	if (tapped)
		nm_kring_taps_after(kr, &tp);
	nm_kring_finalize(kr);
	return valid ? NM_SYNC_OK : NM_SYNC_BAD;
}

/* One ring, with head/cur from the shared ring. */
static enum nm_sync_result nm_kring_sync(struct nm_kring *kr)
{
	return nm_kring_sync_checked(kr, nm_kring_prologue(kr));
}

int nm_kring_sync_indices(struct nm_kring *kr, u32 head, u32 cur)
{
	bool valid = nm_kring_accept(kr, head, cur);

	return nm_kring_sync_checked(kr, valid) == NM_SYNC_OK ? 0 : -EINVAL;
}

int nm_kring_kernel_sync(struct nm_kring *kr, u32 head)
{
	bool tapped = unlikely(READ_ONCE(kr->taps) != NULL);
	struct nm_tap_point tp;
	int err;

	WRITE_ONCE(kr->ring->head, head);	/* kept coherent for anyone inspecting the ring */
	WRITE_ONCE(kr->ring->cur, head);
	kr->rhead = kr->rcur = head;
	if (tapped)
		nm_kring_taps_before(kr, &tp);
	err = kr->dir == NM_TX ? kr->na->ops->txsync(kr) : kr->na->ops->rxsync(kr);
	if (err)
		return err;
	if (tapped)
		nm_kring_taps_after(kr, &tp);
	nm_kring_finalize(kr);
	return 0;
}

static enum nm_sync_result nm_kring_try_sync(struct nm_kring *kr)
{
	enum nm_sync_result res;

	if (unlikely(READ_ONCE(kr->stopped)))
		return NM_SYNC_STOPPED;
	if (!nm_kring_tryget(kr))
		return NM_SYNC_SKIPPED;
	res = nm_kring_sync(kr);
	nm_kring_put(kr);
	return res;
}

int nm_file_sync(struct nm_file *nf, enum nm_dir d)
{
	struct nm_adapter *na = smp_load_acquire(&nf->na);	/* pairs with nm_file_register_commit */
	int err = 0;
	u32 i;

	if (!na)
		return -ENXIO;
	if (unlikely(READ_ONCE(nf->kloop.atok)))
		return -EBUSY;		/* CSB mode: the sync-kloop owns the rings (spec §7.9) */
	for (i = nf->first[d]; i < nf->last[d]; i++)
		if (nm_kring_try_sync(&na->krings[d][i]) == NM_SYNC_STOPPED)
			err = -EIO;
	/* Head/cur violations and failing port syncs still return 0 here (spec §4.7). */
	return err;
}

/* Whether the application has something to do on this ring: tail moved past cur. */
static bool nm_kring_ready(const struct nm_kring *kr)
{
	return READ_ONCE(kr->ring->cur) != kr->hwtail;
}

static unsigned int nm_poll_tx(struct nm_file *nf, struct nm_adapter *na, bool want_out)
{
	unsigned int revents = 0;
	bool found_space = false;
	u32 i;

	for (i = nf->first[NM_TX]; i < nf->last[NM_TX]; i++) {
		struct nm_kring *kr = &na->krings[NM_TX][i];
		enum nm_sync_result res;

		/*
		 * Rings with nothing pending need no sync once there is space somewhere, or when
		 * only receiving (no POLLOUT): a monitor's TX ring, whose sync always fails, then
		 * does not turn every POLLIN into POLLERR.
		 */
		if ((found_space || !want_out) && READ_ONCE(kr->ring->head) == kr->hwcur)
			continue;
		res = nm_kring_try_sync(kr);
		if (res == NM_SYNC_BAD || res == NM_SYNC_STOPPED)
			revents |= NM_POLL_ERR;
		if (nm_kring_ready(kr)) {
			found_space = true;
			revents |= NM_POLL_OUT;
		}
	}
	return revents;
}

static unsigned int nm_poll_rx(struct nm_file *nf, struct nm_adapter *na)
{
	unsigned int revents = 0;
	u32 i;

	for (i = nf->first[NM_RX]; i < nf->last[NM_RX]; i++) {
		struct nm_kring *kr = &na->krings[NM_RX][i];
		enum nm_sync_result res = nm_kring_try_sync(kr);

		if (res == NM_SYNC_BAD || res == NM_SYNC_STOPPED)
			revents |= NM_POLL_ERR;
		if (nm_kring_ready(kr))
			revents |= NM_POLL_IN;
	}
	return revents;
}

/* An fd bound to several rings of a direction sleeps on the adapter's queue, else on the ring's. */
static struct nm_os_waitq *nm_poll_queue(struct nm_file *nf, struct nm_adapter *na, enum nm_dir d)
{
	if (nf->last[d] - nf->first[d] > 1)
		return &na->dir_wq[d];
	return &na->krings[d][nf->first[d]].wq;
}

unsigned int nm_file_poll(struct nm_file *nf, unsigned int events, nm_poll_wait_fn wait, void *arg)
{
	struct nm_adapter *na = smp_load_acquire(&nf->na);	/* pairs with nm_file_register_commit */
	bool want_tx = (events & NM_POLL_OUT) || !(nf->nr_flags & NR_NO_TX_POLL);
	bool want_rx = events & NM_POLL_IN;
	unsigned int revents = 0;
	int d;

	if (!na || unlikely(READ_ONCE(nf->kloop.atok)))
		return NM_POLL_ERR;	/* unbound, or in CSB mode (spec §7.9) */
	/* Register first, then check: a wake-up between the two is not lost. */
	for (d = 0; d < NM_DIRS; d++)
		if (nf->last[d] > nf->first[d])
			wait(arg, nm_poll_queue(nf, na, d));
	if (want_tx)
		revents |= nm_poll_tx(nf, na, events & NM_POLL_OUT);
	if (want_rx)
		revents |= nm_poll_rx(nf, na);
	return revents & (events | NM_POLL_ERR);
}

struct nm_mem *nm_file_mem(struct nm_file *nf)
{
	struct nm_adapter *na = smp_load_acquire(&nf->na);

	return na ? na->mem : NULL;
}
