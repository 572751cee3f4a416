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
 * Monitors, the in-kernel sync loop and VALE polling threads are the next ones.
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

/* The last user left: the buffers go back and the ring leaves shared memory. */
static void nm_kring_delete(struct nm_kring *kr)
{
	struct nm_adapter *na = kr->na;

	if (na->ops->ring_drain)
		na->ops->ring_drain(kr);
	else
		nm_kring_free_bufs(kr);
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
	bool walked = kr->notifiers > 0;	/* a walker may be on l */
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
