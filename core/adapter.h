/*
 * core/adapter.h - a netmap adapter: one port's set of rings and how to sync them.
 *
 * Every port type (null, pipe end, VALE port, Linux device) is an nm_adapter plus its own state
 * behind `priv`.  The adapter owns its krings: for each direction, num_rings[d] NIC rings
 * followed by num_host_rings[d] host rings.  Rings are created in shared memory when their first
 * user attaches and deleted when their last user detaches (nm_kring_attach/detach below); a port
 * type may be a user of its own rings (pipes are, so that queued packets survive a close).
 *
 * Lifetime: `refcount` counts lookups, bindings and port-type links, under the control lock.  At
 * zero, the port type's dtor runs, then the krings and the allocator reference are dropped.
 */
#ifndef NM_CORE_ADAPTER_H
#define NM_CORE_ADAPTER_H

#include "kring.h"
#include "mem.h"

struct nm_adapter;

struct nm_adapter_ops {
	/* Data path: sync one ring, after a successful prologue.  Return 0 or -errno. */
	int (*txsync)(struct nm_kring *kr);
	int (*rxsync)(struct nm_kring *kr);
	/*
	 * Fills the slots of a ring that was just created in shared memory.  NULL means "allocate a
	 * buffer for every slot" (nm_kring_fill_bufs).  Pipes use their own: one side of a
	 * connected pair owns the buffers.
	 */
	int (*ring_fill)(struct nm_kring *kr);
	/* Releases a ring's buffers before the ring is deleted; NULL means nm_kring_free_bufs. */
	void (*ring_drain)(struct nm_kring *kr);
	/*
	 * For adapters that belong to a container holding one reference (each end of a pipe): called
	 * when a put leaves only that reference, so the container can decide to tear itself down.
	 * May be NULL.
	 */
	void (*orphaned)(struct nm_adapter *na);
	/* Frees the port type's own state when the last reference goes.  May be NULL. */
	void (*dtor)(struct nm_adapter *na);
};

struct nm_adapter {
	char name[NETMAP_REQ_IFNAMSIZ];
	const struct nm_adapter_ops *ops;
	struct nm_mem *mem;		/* one allocator reference */

	u32 num_rings[NM_DIRS];		/* NIC rings */
	u32 num_host_rings[NM_DIRS];	/* 0 for ports without host rings */
	u32 num_slots[NM_DIRS];
	struct nm_kring *krings[NM_DIRS];	/* num_rings + num_host_rings each */

	int refcount;			/* control lock */
	u32 bindings;			/* file descriptors bound to this adapter (control lock) */
	bool kernel_owned;		/* a device on a switch: REGISTER gets EBUSY (control lock) */
	u32 monitors_opened;		/* for monitor names, `<port>/r#<N>` (control lock) */
	u16 vnet_hdr_len;

	/* poll() of an fd bound to several rings of one direction sleeps here (spec §4.8). */
	struct nm_os_waitq dir_wq[NM_DIRS];

	void *priv;			/* the port type's state */
	struct nm_adapter *next_all;	/* every adapter, for exporters (control lock) */
};

/* A requested ring or slot count: 0 asks for the default, more than max is clamped to max. */
static inline u32 nm_geom(u32 requested, u32 dflt, u32 max)
{
	u32 v = requested ? requested : dflt;

	return v > max ? max : v;	/* a default taken from a parent can exceed max too */
}

/* All rings of direction d, NIC then host. */
static inline u32 nm_adapter_all_rings(const struct nm_adapter *na, enum nm_dir d)
{
	return na->num_rings[d] + na->num_host_rings[d];
}

/*
 * Creates an adapter with the given geometry, taking over the caller's allocator reference.
 * It starts with one reference, owned by the caller.  ERR_PTR(-ENOMEM) on failure (the allocator
 * reference is then dropped).
 */
struct nm_adapter *nm_adapter_new(const char *name, const struct nm_adapter_ops *ops,
				  struct nm_mem *mem, const u32 rings[NM_DIRS],
				  const u32 host_rings[NM_DIRS], const u32 slots[NM_DIRS]);
void nm_adapter_get(struct nm_adapter *na);
void nm_adapter_put(struct nm_adapter *na);

/* Calls fn for every adapter that exists, under the control lock (the /proc exporters). */
void nm_adapter_foreach(void (*fn)(void *arg, struct nm_adapter *na), void *arg);

/*
 * Ring users (core/ring_user.c): the one place that binds a kring to whoever uses it, and owns
 * the rules between users.  The first attach creates the ring in shared memory (ring object,
 * then ops->ring_fill) in its initial state; the last detach drains and deletes it.  The
 * allocator must be active.  All under the control lock.
 *
 * nm_kring_may_attach: 0, or -EBUSY when the rules refuse u (a ring with an exclusive user takes
 * nobody else; an exclusive user needs a ring no application uses).
 * nm_kring_attach: the same check, then 0, -EBUSY or -ENOMEM; l is u's link for this ring.
 * nm_kring_detach: returns true when a concurrent nm_kring_wake may still be walking l: the caller
 * must then call nm_os_wait_data_path() before it frees l or its user (once for many detaches).
 */
int nm_kring_may_attach(const struct nm_kring *kr, const struct nm_ring_user *u);
int nm_kring_attach(struct nm_kring *kr, struct nm_ring_user *u, struct nm_ring_link *l);
bool nm_kring_detach(struct nm_kring *kr, struct nm_ring_link *l);

/*
 * Taps (core/ring_user.c): watchers of a ring's frames that are not its users (struct
 * nm_kring_tap).  nm_kring_tap_add needs a ring that exists (kr->ring); nm_kring_tap_del unlinks
 * t if it is still there (a cut tap is not); after it, call nm_os_wait_data_path() before freeing
 * t or anything its frames hook touches.  Both under the control lock.
 *
 * The sync paths (core/sync.c) call the taps when kr->taps is set: nm_kring_taps_before after a
 * valid prologue and before the port's sync, nm_kring_taps_after after a successful one and
 * before nm_kring_finalize, with what _before saw.
 */
struct nm_tap_point {
	u32 hwcur, rtail;		/* before the sync */
};
void nm_kring_tap_add(struct nm_kring *kr, struct nm_kring_tap *t);
void nm_kring_tap_del(struct nm_kring *kr, struct nm_kring_tap *t);
void nm_kring_taps_before(struct nm_kring *kr, struct nm_tap_point *p);
void nm_kring_taps_after(struct nm_kring *kr, const struct nm_tap_point *p);

/* Default ring_fill / ring_drain: one fresh buffer per slot, len = buffer size. */
int nm_kring_fill_bufs(struct nm_kring *kr);
void nm_kring_free_bufs(struct nm_kring *kr);

/*
 * The kernel as the user of a ring nobody else binds (a device on a switch): sets head and cur to
 * `head`, runs the port's sync and publishes tail, like NIOC*SYNC.  The caller holds the ring
 * (nm_kring_tryget) and knows `head` to be valid: in [hwcur, hwtail] (spec §4.5).  Returns the
 * sync's 0 or -errno.  (core/sync.c)
 */
int nm_kring_kernel_sync(struct nm_kring *kr, u32 head);

/*
 * Wakes whoever waits on this ring: users with a notify hook, then pollers of the ring's own
 * queue and of its adapter's queue for the direction.  Any context.
 */
void nm_kring_wake(struct nm_kring *kr);

#endif /* NM_CORE_ADAPTER_H */
