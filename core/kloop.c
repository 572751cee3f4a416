/*
 * core/kloop.c - CSB mode and the in-kernel sync loop (spec §7.9): a file whose rings are synced
 * by a kernel loop instead of NIOCTXSYNC/NIOCRXSYNC, the application and the loop talking through
 * a "control status block" in the application's memory, one pair of entries per bound ring (TX
 * rings first, then RX rings).
 *
 *   application                       CSB (user memory)                     sync-kloop (kernel)
 *   fills slots, then                 atok[i]: head, cur         ──▶   reads head, then cur,
 *   nm_sync_kloop_appl_write ──────▶   appl_need_kick, sync_flags        then the slots; syncs
 *   nm_sync_kloop_appl_read  ◀──────  ktoa[i]: hwcur, hwtail     ◀──   writes the slots, then
 *   then reads the slots               kern_need_kick                     hwcur, then hwtail
 *
 * The loop runs in the thread that called SYNC_KLOOP_START, inside that ioctl, without the
 * control lock (nm_file_after_ctrl): a round syncs every bound ring, then the loop sleeps
 * sleep_us microseconds or until STOP wakes it.  With OPT_SYNC_KLOOP_EVENTFDS giving every ring an
 * ioeventfd it sleeps instead until kicked: by the application through an ioeventfd, or by one
 * of its rings' own wake-ups (frames arrived, slots came back).  The kick protocol spares both
 * sides needless kicks:
 *
 *   kernel, before sleeping                 application, after publishing head
 *     ktoa.kern_need_kick = 1                  (writes atok.head)
 *     smp_mb()  ─────────── pairs with ──────  full fence
 *     re-reads atok.head: moved? no sleep      reads ktoa.kern_need_kick: 1? write the ioeventfd
 *
 * and the other way: after a sync that moved hwtail the loop issues smp_mb() and reads
 * atok.appl_need_kick, signalling the ring's irqfd if it is set; the application sets it, fences,
 * and re-reads ktoa before it blocks on the irqfd.  It ends on STOP (the sticky flag), a signal
 * (the process is being killed, or interrupted), a close() of the fd by its process
 * (nm_file_flush), a ring that stops (the device went away) or a fault on the CSB; on STOP and
 * close it first syncs every ring once more.  Because it runs inside an ioctl on the file, the
 * file - and the module - stay alive while it runs.
 *
 * Direct modes (OPT_SYNC_KLOOP_MODE, DIRECT_TX and/or DIRECT_RX) need an ioeventfd for every
 * ring.  A kick on a direct ring's ioeventfd is served in the kicking thread itself, as it
 * returns from its write() (linux/kloop_events.c says why not inside the wake-up): one sync, no
 * wake-up of the loop, no change of CPU.  The loop leaves kern_need_kick at 1 on direct rings -
 * every publish is a kick, and every kick a sync - and syncs them itself only when they are
 * pending: woken by their own wait queue (frames arrived, slots came back; the application then
 * hears of it through the irqfd as in eventfd mode) or handed back by a kick it could not serve.
 * So an application drives all three modes with the same code.
 *
 * The CSB arrays are the application's: every entry is read with a user copy each round and
 * checked like a ring's indices (nm_kring_accept); a bad one is counted in bad_syncs, never
 * trusted.  A ring's entry is read and written only while the ring is claimed (nm_kring_tryget),
 * so the loop and a direct sync never publish one ring's indices out of order.
 */
#include "file.h"

#define NM_KLOOP_MAX_SLEEP_US	1000000u	/* spec §5.11 */
#define NM_KLOOP_DIRECT_MODES	(NM_OPT_SYNC_KLOOP_DIRECT_TX | NM_OPT_SYNC_KLOOP_DIRECT_RX)
#define NM_CSB_ALIGN		64u

/* User address of field `f` of CSB entry i of the array at `base`. */
#define NM_CSB_FIELD(base, type, i, f) ((base) + (u64)(i) * sizeof(type) + offsetof(type, f))

void nm_file_kloop_init(struct nm_file *nf)
{
	nm_os_waitq_init(&nf->kloop.wq);
	nm_os_waitq_init(&nf->kloop.idle_wq);
}

void nm_file_kloop_fini(struct nm_file *nf)
{
	nm_os_waitq_destroy(&nf->kloop.idle_wq);
	nm_os_waitq_destroy(&nf->kloop.wq);
}

static u32 nm_kloop_nrings(const struct nm_file *nf, enum nm_dir d)
{
	return nf->last[d] - nf->first[d];
}

/* The CSB index of ring i of direction d: TX rings first, then RX rings. */
static u32 nm_csb_index(const struct nm_file *nf, enum nm_dir d, u32 i)
{
	return (d == NM_TX ? 0 : nm_kloop_nrings(nf, NM_TX)) + i - nf->first[d];
}

static int nm_csb_put(u64 uptr, u32 v)
{
	return nm_os_copy_to_user(uptr, &v, sizeof(v));
}

/* Spec §7.9: atok from the kernel's copy of head/cur, both kicks wanted, ktoa from hwcur/hwtail. */
static int nm_csb_init_entries(struct nm_file *nf, struct nm_adapter *na, u64 atok, u64 ktoa)
{
	int d;
	u32 i;

	for (d = 0; d < NM_DIRS; d++) {
		for (i = nf->first[d]; i < nf->last[d]; i++) {
			const struct nm_kring *kr = &na->krings[d][i];
			u32 k = nm_csb_index(nf, d, i);
			struct nm_csb_atok a = { .head = kr->rhead, .cur = kr->rcur,
						 .appl_need_kick = 1, .sync_flags = 1 };
			struct nm_csb_ktoa t = { .hwcur = kr->hwcur, .hwtail = kr->hwtail,
						 .kern_need_kick = 1 };

			if (nm_os_copy_to_user(atok + (u64)k * sizeof(a), &a, sizeof(a)) ||
			    nm_os_copy_to_user(ktoa + (u64)k * sizeof(t), &t, sizeof(t)))
				return -EFAULT;
		}
	}
	return 0;
}

/* Enters CSB mode with the arrays of `opt` (checks of spec §7.9); na is the binding. */
static int nm_csb_enable(struct nm_file *nf, struct nm_adapter *na,
			 const struct nmreq_opt_csb *opt)
{
	u64 atok = opt->csb_atok, ktoa = opt->csb_ktoa;
	int err;

	if (!na)
		return 0;	/* nothing bound: nothing to do */
	if (!(nf->nr_flags & NR_EXCLUSIVE)) {
		nm_os_log_ratelimited("%s: CSB mode needs a registration with NR_EXCLUSIVE", na->name);
		return -EINVAL;
	}
	if (!atok || !ktoa || atok % NM_CSB_ALIGN || ktoa % NM_CSB_ALIGN) {
		nm_os_log_ratelimited("%s: CSB arrays must be 64-byte aligned (atok %#llx, ktoa %#llx)",
				      na->name, (unsigned long long)atok, (unsigned long long)ktoa);
		return -EINVAL;
	}
	if (nf->kloop.state != NM_KLOOP_IDLE)
		return -EBUSY;
	err = nm_csb_init_entries(nf, na, atok, ktoa);
	if (err)
		return err;
	nf->kloop.ktoa = ktoa;
	WRITE_ONCE(nf->kloop.atok, atok);	/* the syncs and poll now refuse (core/sync.c) */
	return 0;
}

/* OPT_CSB of a REGISTER whose binding nm_file_register has just built (not yet committed). */
int nm_csb_register_option(struct nm_file *nf, struct nm_ctrl_req *req)
{
	struct nmreq_option *opt = req->by_type[NETMAP_REQ_OPT_CSB];
	int err;

	if (!opt)
		return 0;
	err = nm_csb_enable(nf, nf->bound, (const struct nmreq_opt_csb *)opt);
	opt->nro_status = -err;
	return err;
}

int nm_req_csb_enable(void *owner, struct nm_ctrl_req *req)
{
	struct nm_file *nf = owner;
	struct nmreq_option *opt = req->by_type[NETMAP_REQ_OPT_CSB];
	int err;

	if (!opt) {
		nm_os_log_ratelimited("CSB_ENABLE %s: the request carries no CSB option",
				      req->hdr.nr_name);
		return -EINVAL;
	}
	err = nm_csb_enable(nf, nf->bound, (const struct nmreq_opt_csb *)opt);
	opt->nro_status = -err;
	return err;
}

/* --- the loop ------------------------------------------------------------------------------- */

/*
 * One ring, one round.  head before cur, and both before the slots: the reads pair with the
 * release fences of nm_sync_kloop_appl_write (cur, fence, head).  The slots the sync wrote before
 * hwcur, and hwcur before hwtail: the writes pair with the acquire fences of
 * nm_sync_kloop_appl_read (hwtail, fence, hwcur, fence, slots).
 */
static int nm_kloop_ring_claimed(struct nm_file *nf, struct nm_kring *kr, u32 k)
{
	u64 atok = nf->kloop.atok, ktoa = nf->kloop.ktoa;
	u32 head, cur, hwtail = kr->hwtail, want;

	if (nm_os_copy_from_user(&head, NM_CSB_FIELD(atok, struct nm_csb_atok, k, head), 4))
		return -EFAULT;
	smp_rmb();
	if (nm_os_copy_from_user(&cur, NM_CSB_FIELD(atok, struct nm_csb_atok, k, cur), 4))
		return -EFAULT;
	smp_rmb();
	/* -EINVAL is counted in bad_syncs: the ring stays as it was, its indices are published. */
	nm_kring_sync_indices(kr, head, cur);
	smp_wmb();
	if (nm_csb_put(NM_CSB_FIELD(ktoa, struct nm_csb_ktoa, k, hwcur), kr->hwcur))
		return -EFAULT;
	smp_wmb();
	if (nm_csb_put(NM_CSB_FIELD(ktoa, struct nm_csb_ktoa, k, hwtail), kr->hwtail))
		return -EFAULT;
	if (!nf->kloop.ev || kr->hwtail == hwtail)
		return 0;
	smp_mb();	/* hwtail before appl_need_kick: pairs with the application's fence */
	if (nm_os_copy_from_user(&want, NM_CSB_FIELD(atok, struct nm_csb_atok, k, appl_need_kick), 4))
		return -EFAULT;
	if (want)
		nm_os_kloop_events_irq(nf->kloop.ev, k);
	return 0;
}

/* -EIO when the ring stopped (its device is going away), -EAGAIN when another syncer holds it,
 * -EFAULT when the CSB cannot be accessed. */
static int nm_kloop_ring(struct nm_file *nf, struct nm_kring *kr, u32 k)
{
	int err;

	if (unlikely(READ_ONCE(kr->stopped)))
		return -EIO;
	if (!nm_kring_tryget(kr))
		return -EAGAIN;
	err = nm_kloop_ring_claimed(nf, kr, k);
	nm_kring_put(kr);
	return err;
}

static bool nm_kloop_dir_direct(const struct nm_file *nf, enum nm_dir d)
{
	return nf->kloop.direct &
	       (d == NM_TX ? NM_OPT_SYNC_KLOOP_DIRECT_TX : NM_OPT_SYNC_KLOOP_DIRECT_RX);
}

/* The direction of CSB entry k. */
static enum nm_dir nm_csb_dir(const struct nm_file *nf, u32 k)
{
	return k < nm_kloop_nrings(nf, NM_TX) ? NM_TX : NM_RX;
}

/* A direct sync of CSB entry k, in the thread that kicked it (nm_os_kloop_events_direct). */
static int nm_kloop_direct_sync(void *arg, u32 k)
{
	struct nm_file *nf = arg;
	enum nm_dir d = nm_csb_dir(nf, k);
	u32 i = nf->first[d] + k - (d == NM_TX ? 0 : nm_kloop_nrings(nf, NM_TX));

	return nm_kloop_ring(nf, &nf->na->krings[d][i], k);
}

/* ktoa.kern_need_kick of every direct ring (1 all along: every publish kicks), or of every ring
 * the loop syncs. */
static int nm_kloop_need_kick(struct nm_file *nf, bool direct, u32 v)
{
	u32 k, n = nm_kloop_nrings(nf, NM_TX) + nm_kloop_nrings(nf, NM_RX);

	for (k = 0; k < n; k++) {
		u64 at = NM_CSB_FIELD(nf->kloop.ktoa, struct nm_csb_ktoa, k, kern_need_kick);

		if (nm_kloop_dir_direct(nf, nm_csb_dir(nf, k)) == direct && nm_csb_put(at, v))
			return -EFAULT;
	}
	return 0;
}

/* Whether the application published, on a ring the loop syncs, a head the last round did not
 * see (1), or not (0). */
static int nm_kloop_app_moved(struct nm_file *nf, struct nm_adapter *na)
{
	u32 i, head;
	int d;

	for (d = 0; d < NM_DIRS; d++) {
		if (nm_kloop_dir_direct(nf, d))
			continue;
		for (i = nf->first[d]; i < nf->last[d]; i++) {
			u64 at = NM_CSB_FIELD(nf->kloop.atok, struct nm_csb_atok,
					      nm_csb_index(nf, d, i), head);

			if (nm_os_copy_from_user(&head, at, 4))
				return -EFAULT;
			if (head != na->krings[d][i].rhead)
				return 1;
		}
	}
	return 0;
}

/* Eventfd mode: announce the sleep, look once more, sleep until kicked or stopped. */
static int nm_kloop_wait_kick(struct nm_file *nf, struct nm_adapter *na)
{
	struct nm_kloop *kl = &nf->kloop;
	int err = nm_kloop_need_kick(nf, false, 1);

	smp_mb();	/* kern_need_kick before atok: see the diagram above */
	if (!err)
		err = nm_kloop_app_moved(nf, na);
	if (!err)
		err = nm_os_kloop_sleep(&kl->wq, NM_OS_SLEEP_FOREVER, &kl->stop, &kl->kicked);
	if (err >= 0)
		err = nm_kloop_need_kick(nf, false, 0);
	return err;
}

/* Every ring the loop syncs, and the direct rings that are pending (all of them in the first
 * round: a kick the application made before START hooked its ioeventfd is not lost). */
static int nm_kloop_round(struct nm_file *nf, struct nm_adapter *na, bool first)
{
	int d, err;
	u32 i, k;

	for (d = 0; d < NM_DIRS; d++) {
		for (i = nf->first[d]; i < nf->last[d]; i++) {
			k = nm_csb_index(nf, d, i);
			if (nm_kloop_dir_direct(nf, d) && !nm_os_kloop_events_take(nf->kloop.ev, k) &&
			    !first)
				continue;
			err = nm_kloop_ring(nf, &na->krings[d][i], k);
			if (err == -EAGAIN && nm_kloop_dir_direct(nf, d))
				nm_os_kloop_events_kick(nf->kloop.ev, k);	/* held: again */
			else if (err && err != -EAGAIN)
				return err;	/* -EAGAIN: the next round syncs it */
		}
	}
	return 0;
}

/* The loop, in the thread that claimed it; ends as the header comment says. */
static int nm_kloop_run(struct nm_file *nf)
{
	struct nm_adapter *na = smp_load_acquire(&nf->na);	/* committed before the claim */
	struct nm_kloop *kl = &nf->kloop;
	int err = kl->direct ? nm_kloop_need_kick(nf, true, 1) : 0;
	bool first = true;

	while (!READ_ONCE(kl->stop) && !err) {
		WRITE_ONCE(kl->kicked, 0);	/* before the round: a kick during it is kept */
		err = nm_kloop_round(nf, na, first);
		first = false;
		if (err)
			break;
		if (kl->ev_wait)
			err = nm_kloop_wait_kick(nf, na);
		else
			err = nm_os_kloop_sleep(&kl->wq, kl->sleep_us, &kl->stop, &kl->kicked);
	}
	/* Asked to stop (STOP, or a close of the fd): one more round of every ring, so that what
	 * the application published before it asked - its last frames, its last releases - still
	 * reaches the rings.  Without it a sender that STOPs right after publishing loses the
	 * batch, and a receiver that STOPs right after releasing leaves its peer's ring full. */
	if (!err)
		err = nm_kloop_round(nf, na, true);
	if (err == -EFAULT)
		nm_os_log_ratelimited("%s: sync-kloop stopped: the CSB is no longer accessible",
				      na->name);
	nm_os_kloop_events_free(kl->ev);
	kl->ev = NULL;
	WRITE_ONCE(kl->stop, false);		/* consumed */
	smp_store_release(&kl->state, NM_KLOOP_IDLE);	/* pairs with the wait in STOP */
	nm_os_waitq_wake(&kl->idle_wq);
	return err == -EINTR ? 0 : err;
}

/* OPT_SYNC_KLOOP_MODE: which directions are direct (kl->direct). */
static int nm_kloop_mode_option(struct nm_file *nf, struct nm_ctrl_req *req)
{
	struct nmreq_option *opt = req->by_type[NETMAP_REQ_OPT_SYNC_KLOOP_MODE];
	u32 mode;

	if (!opt)
		return 0;
	mode = ((const struct nmreq_opt_sync_kloop_mode *)opt)->mode;
	opt->nro_status = mode & ~NM_KLOOP_DIRECT_MODES ? EINVAL : 0;
	if (!opt->nro_status)
		nf->kloop.direct = mode;
	return -(int)opt->nro_status;
}

/* Direct modes serve kicks: every ring needs an ioeventfd (as in the original). */
static int nm_kloop_check_direct(struct nm_file *nf, struct nm_ctrl_req *req)
{
	if (!nf->kloop.direct || nf->kloop.ev_wait)
		return 0;
	nm_os_log_ratelimited("SYNC_KLOOP_START %s: direct mode (%#x) needs OPT_SYNC_KLOOP_EVENTFDS with an ioeventfd for every ring",
			      nf->bound->name, nf->kloop.direct);
	req->by_type[NETMAP_REQ_OPT_SYNC_KLOOP_MODE]->nro_status = EINVAL;
	nm_os_kloop_events_free(nf->kloop.ev);
	nf->kloop.ev = NULL;
	return -EINVAL;
}

/*
 * OPT_SYNC_KLOOP_EVENTFDS: one {ioeventfd, irqfd} per bound ring, taken now, in the thread that
 * will run the loop; the loop also watches every bound ring's wait queue, and hands the kicks of
 * direct rings to their kickers.
 */
static int nm_kloop_eventfds_option(struct nm_file *nf, struct nm_ctrl_req *req)
{
	struct nmreq_option *opt = req->by_type[NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS];
	const struct nmreq_opt_sync_kloop_eventfds *efd = (const void *)opt;
	u32 n = nm_kloop_nrings(nf, NM_TX) + nm_kloop_nrings(nf, NM_RX), i, io = 0;
	struct nm_os_kloop_events *ev;
	struct nm_adapter *na = nf->bound;
	int d, err = 0;

	if (!opt)
		return 0;
	if (opt->nro_size != sizeof(*efd) + (u64)n * sizeof(efd->eventfds[0])) {
		nm_os_log_ratelimited("SYNC_KLOOP_START %s: the EVENTFDS option holds %llu bytes, not 24 + 8 x %u bound rings",
				      na->name, (unsigned long long)opt->nro_size, n);
		err = -EINVAL;
		goto out;
	}
	ev = nm_os_kloop_events_new(n, &nf->kloop.kicked, nf->os_file);
	if (IS_ERR(ev)) {
		err = PTR_ERR(ev);
		goto out;
	}
	for (i = 0; i < n && !err; i++) {
		err = nm_os_kloop_events_set(ev, i, efd->eventfds[i].ioeventfd,
					     efd->eventfds[i].irqfd);
		io += efd->eventfds[i].ioeventfd >= 0;
	}
	if (err) {
		nm_os_kloop_events_free(ev);
		goto out;
	}
	for (d = 0; d < NM_DIRS; d++) {
		for (i = nf->first[d]; i < nf->last[d]; i++) {
			u32 k = nm_csb_index(nf, d, i);

			nm_os_kloop_events_watch(ev, k, &na->krings[d][i].wq);
			if (nm_kloop_dir_direct(nf, d))
				nm_os_kloop_events_direct(ev, k, nm_kloop_direct_sync, nf);
		}
	}
	nf->kloop.ev = ev;
	nf->kloop.ev_wait = io == n;
out:
	opt->nro_status = -err;
	return err;
}

int nm_req_kloop_start(void *owner, struct nm_ctrl_req *req)
{
	const struct nmreq_sync_kloop_start *start = req->body;
	struct nm_file *nf = owner;
	int err;

	if (!nf->bound)
		return -ENXIO;
	if (!nf->kloop.atok) {
		nm_os_log_ratelimited("SYNC_KLOOP_START %s: the file is not in CSB mode (OPT_CSB, CSB_ENABLE)",
				      nf->bound->name);
		return -EINVAL;
	}
	if (nf->kloop.state != NM_KLOOP_IDLE)
		return -EBUSY;
	if (start->sleep_us > NM_KLOOP_MAX_SLEEP_US)
		return -EINVAL;
	nf->kloop.direct = 0;
	nf->kloop.ev_wait = false;
	err = nm_kloop_mode_option(nf, req);
	if (!err)
		err = nm_kloop_eventfds_option(nf, req);
	if (!err)
		err = nm_kloop_check_direct(nf, req);
	return err;
}

/* START committed: claim the loop for this thread, unless a STOP came first (spec §7.9 Compat:
 * the next START then returns at once). */
int nm_req_kloop_start_finish(void *owner, struct nm_ctrl_req *req, int err)
{
	const struct nmreq_sync_kloop_start *start = req->body;
	struct nm_kloop *kl = &((struct nm_file *)owner)->kloop;

	if (err || kl->stop) {
		nm_os_kloop_events_free(kl->ev);	/* no loop will run them */
		kl->ev = NULL;
		if (!err)
			WRITE_ONCE(kl->stop, false);
		return err;
	}
	kl->sleep_us = start->sleep_us;
	kl->claimer = nm_os_thread_id();
	kl->files = nm_os_files_id();
	WRITE_ONCE(kl->state, NM_KLOOP_CLAIMED);
	return 0;
}

int nm_file_after_ctrl(struct nm_file *nf)
{
	struct nm_kloop *kl = &nf->kloop;

	if (likely(READ_ONCE(kl->state) != NM_KLOOP_CLAIMED) || kl->claimer != nm_os_thread_id())
		return 0;
	WRITE_ONCE(kl->state, NM_KLOOP_RUNNING);
	return nm_kloop_run(nf);
}

/* Spec §7.9: sets the sticky stop and waits for a running loop to end (one sleep at most). */
int nm_req_kloop_stop(void *owner, struct nm_ctrl_req *req)
{
	struct nm_kloop *kl = &((struct nm_file *)owner)->kloop;

	(void)req;
	if (!((struct nm_file *)owner)->bound)
		return -ENXIO;
	WRITE_ONCE(kl->stop, true);
	nm_os_waitq_wake(&kl->wq);
	return nm_os_kloop_wait_idle(&kl->idle_wq, &kl->state);
}

void nm_file_flush(struct nm_file *nf, u64 files)
{
	struct nm_kloop *kl = &nf->kloop;

	if (READ_ONCE(kl->state) == NM_KLOOP_IDLE || kl->files != files)
		return;
	WRITE_ONCE(kl->stop, true);
	nm_os_waitq_wake(&kl->wq);
}
