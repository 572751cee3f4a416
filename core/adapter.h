/*
 * core/adapter.h - a netmap adapter: one port's set of rings and how to sync them.
 *
 * Every port type (null, pipe end, later VALE port and Linux device) is an nm_adapter plus its own
 * state behind `priv`.  The adapter owns its krings: for each direction, num_rings[d] NIC rings
 * followed by num_host_rings[d] host rings.  Rings are created in shared memory when their first
 * user binds them and deleted when their last user goes (nm_adapter_bind/unbind); a port type may
 * take its own extra reference on its rings (pipes do, so that queued packets survive a close).
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
	u16 vnet_hdr_len;

	/* poll() of an fd bound to several rings of one direction sleeps here (spec §4.8). */
	struct nm_os_waitq dir_wq[NM_DIRS];

	void *priv;			/* the port type's state */
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

/*
 * Ring users.  The first user of a kring creates its ring in shared memory (ring object, then
 * ops->ring_fill) and puts the kring in its initial state; the last one drains and deletes it.
 * The allocator must be active.  nm_kring_use returns 0 or -ENOMEM.
 */
int nm_kring_use(struct nm_kring *kr);
void nm_kring_unuse(struct nm_kring *kr);

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

/* Wakes whoever polls this ring: its own queue and its adapter's queue for the direction. */
void nm_kring_wake(struct nm_kring *kr);

#endif /* NM_CORE_ADAPTER_H */
