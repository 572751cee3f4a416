/*
 * core/ring_user.c - who uses a kring: attaching and detaching ring users, the rules between them,
 * and the wake-up that tells them the ring moved.  Nothing else edits a kring's user fields.
 *
 * A kring exists in shared memory while at least one user is attached: the first attach creates
 * the ring (ring object, the port type's ring_fill, initial state: spec §4.3), the last detach
 * drains and deletes it.  Users today:
 *   - a file descriptor bound by REGISTER (core/register.c): an application user, exclusive
 *     when it asked for NR_EXCLUSIVE;
 *   - a pipe, which keeps the rings of both its ends alive (core/pipe.c);
 *   - the kernel driving a device's rings on a switch (core/vale_nic.c): exclusive, and told of
 *     every wake-up.
 * The in-kernel sync loop and VALE polling threads are the next ones.
 *
 * A ring also has taps: monitors (core/monitor.c) watching the frames it moves.  They are not
 * users - a monitor does not keep a port in netmap mode - so the last user's detach cuts them.
 *
 * Rules (spec §5.6 "Exclusivity", extended to kernel users): a ring with an exclusive user takes
 * no other user; an exclusive user needs a ring that no application uses.  Other users, such as
 * a pipe, do not count against NR_EXCLUSIVE.
 *
 * Concurrency: attach and detach run under the control lock.  nm_kring_wake runs in any context
 * and walks the user list without a lock, only when some user wants a notify, inside a data-path
 * section:
 *
 *     attach: l->next = head; store-release head = l   ──pairs with──▶  walker's load-acquire
 *     detach: *prev = l->next; then nm_os_wait_data_path() before l is freed (the caller's)
 *
 * Taps follow the same protocol; their walker is the ring's own sync (nm_kring_taps_call).
 */
#include "adapter.h"

/* The ring header as programs read it (spec §3.2). */
static void nm_ring_init_header(struct nm_kring *kr)
{
	struct nm_mem *mem = kr->na->mem;
	struct netmap_ring *ring = kr->ring;

	ring->buf_ofs = (s64)nm_mem_ofs(mem, nm_mem_lut(mem)->base) - (s64)nm_mem_ofs(mem, ring);
	ring->num_slots = kr->num_slots;
	ring->nr_buf_size = nm_mem_buf_size(mem);
	ring->ringid = kr->ring_id;
	ring->dir = kr->dir == NM_TX ? 1 : 0;	/* what programs see on the original (spec §3.2) */
}

/* The first user arrives: the ring appears in shared memory, filled and in its initial state. */
static int nm_kring_create(struct nm_kring *kr)
{
	struct nm_adapter *na = kr->na;
	int err;

	kr->ring = nm_mem_ring_new(na->mem, kr->num_slots);
	if (!kr->ring)
		return -ENOMEM;
	nm_ring_init_header(kr);
	err = na->ops->ring_fill ? na->ops->ring_fill(kr) : nm_kring_fill_bufs(kr);
	if (err) {
		nm_mem_ring_delete(na->mem, kr->ring);
		kr->ring = NULL;
		return err;
	}
	nm_kring_reset(kr);
	kr->stopped = false;
	return 0;
}

/*
 * The last user left: the buffers go back, the taps still there are cut and the ring leaves
 * shared memory.  The port's drain comes first: a monitor ring hands the monitor chained after
 * it (its tap) to what it watched, rather than having it cut.
 */
static void nm_kring_delete(struct nm_kring *kr)
{
	struct nm_adapter *na = kr->na;

	if (na->ops->ring_drain)
		na->ops->ring_drain(kr);
	else
		nm_kring_free_bufs(kr);
	while (kr->taps) {
		struct nm_kring_tap *t = kr->taps;

		WRITE_ONCE(kr->taps, t->next);
		t->cut(t);
	}
	nm_mem_ring_delete(na->mem, kr->ring);
	kr->ring = NULL;
}

int nm_kring_may_attach(const struct nm_kring *kr, const struct nm_ring_user *u)
{
	if (kr->exclusive)
		return -EBUSY;
	if ((u->flags & NM_RING_USER_EXCLUSIVE) && kr->app_users > 0)
		return -EBUSY;
	return 0;
}

int nm_kring_attach(struct nm_kring *kr, struct nm_ring_user *u, struct nm_ring_link *l)
{
	int err = nm_kring_may_attach(kr, u);

	if (err)
		return err;
	if (kr->nusers == 0) {
		err = nm_kring_create(kr);
		if (err)
			return err;
	}
	kr->nusers++;
	if (u->flags & NM_RING_USER_APP)
		kr->app_users++;
	if (u->flags & NM_RING_USER_EXCLUSIVE)
		kr->exclusive = true;
	l->user = u;
	l->next = kr->users;
	smp_store_release(&kr->users, l);	/* pairs with the acquire in nm_kring_notify_users */
	if (u->notify)
		WRITE_ONCE(kr->notifiers, kr->notifiers + 1);
	return 0;
}

bool nm_kring_detach(struct nm_kring *kr, struct nm_ring_link *l)
{
	struct nm_ring_user *u = l->user;
	/* A walker may be on l; or, when this is the last user, on a tap it cuts. */
	bool walked = kr->notifiers > 0 || (kr->nusers == 1 && kr->taps);
	struct nm_ring_link **pp;

	for (pp = &kr->users; *pp != l; pp = &(*pp)->next)
		;
	WRITE_ONCE(*pp, l->next);
	if (u->notify)
		WRITE_ONCE(kr->notifiers, kr->notifiers - 1);
	if (u->flags & NM_RING_USER_EXCLUSIVE)
		kr->exclusive = false;
	if (u->flags & NM_RING_USER_APP)
		kr->app_users--;
	if (--kr->nusers == 0)
		nm_kring_delete(kr);
	return walked;
}

/*
 * Calls every user's notify hook.  Callers include a device notifier in process context: the
 * data-path section makes a detacher's nm_os_wait_data_path wait for a walk that reached l.
 */
static void nm_kring_notify_users(struct nm_kring *kr)
{
	struct nm_ring_link *l;

	nm_os_data_path_begin();
	for (l = smp_load_acquire(&kr->users); l; l = smp_load_acquire(&l->next)) {
		struct nm_ring_user *u = READ_ONCE(l->user);

		if (u->notify)
			u->notify(u, kr);
	}
	nm_os_data_path_end();
}

void nm_kring_wake(struct nm_kring *kr)
{
	if (unlikely(READ_ONCE(kr->notifiers)))
		nm_kring_notify_users(kr);
	nm_os_waitq_wake(&kr->wq);
	nm_os_waitq_wake(&kr->na->dir_wq[kr->dir]);
}

void nm_kring_tap_add(struct nm_kring *kr, struct nm_kring_tap *t)
{
	t->next = kr->taps;
	smp_store_release(&kr->taps, t);	/* pairs with the acquire in nm_kring_taps_call */
}

void nm_kring_tap_del(struct nm_kring *kr, struct nm_kring_tap *t)
{
	struct nm_kring_tap **pp;

	for (pp = &kr->taps; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			WRITE_ONCE(*pp, t->next);
			return;
		}
	}
}

/* Calls the taps of one kind (done or not) with [from, to), if that is not empty. */
static void nm_kring_taps_call(struct nm_kring *kr, bool done, u32 from, u32 to)
{
	struct nm_kring_tap *t;

	if (from == to)
		return;
	nm_os_data_path_begin();
	for (t = smp_load_acquire(&kr->taps); t; t = smp_load_acquire(&t->next))
		if (t->done == done)
			t->frames(t, kr, from, to);
	nm_os_data_path_end();
}

void nm_kring_taps_before(struct nm_kring *kr, struct nm_tap_point *p)
{
	p->hwcur = kr->hwcur;
	p->rtail = kr->rtail;
	if (kr->dir == NM_RX)	/* released by the application: [hwcur, head) */
		nm_kring_taps_call(kr, true, kr->hwcur, kr->rhead);
}

void nm_kring_taps_after(struct nm_kring *kr, const struct nm_tap_point *p)
{
	u32 n = kr->num_slots;

	if (kr->dir == NM_RX) {
		nm_kring_taps_call(kr, false, p->rtail, kr->hwtail);	/* received */
		return;
	}
	nm_kring_taps_call(kr, false, p->hwcur, kr->hwcur);		/* taken */
	/* Completed: the slots tail moves over, up to the one it now stops before (kring.h). */
	nm_kring_taps_call(kr, true, nm_next(p->rtail, n), nm_next(kr->hwtail, n));
}
