/*
 * core/file.h - what one open /dev/netmap file descriptor is to the core: an optional binding to a
 * set of rings of one adapter (spec §1.1, §5.6), and the operations that need it (sync, poll, the
 * mmap range check).  The OS glue owns the file itself and calls these.
 *
 * The binding is made in two steps, both under the control lock.  REGISTER builds it in `bound`,
 * where only control-path code sees it, and may still undo it (an option left unconsumed, spec
 * §5.5 rule 6).  Once the request can no longer fail, the decoder commits it: `na` is published
 * with a store-release.  The data path (syncs, poll, mmap), which takes no lock, reads only `na`
 * with a load-acquire and then trusts the rest, which never changes until release.  So a binding
 * the data path has seen is never torn down while the file is open: release runs when no other
 * operation on the file can be in flight.
 */
#ifndef NM_CORE_FILE_H
#define NM_CORE_FILE_H

#include "adapter.h"
#include "ctrl.h"

/*
 * CSB mode and the sync-kloop of one file (core/kloop.c, spec §7.9).  The arrays live in the
 * application's memory; only their addresses are kept.  state moves IDLE -> CLAIMED (START
 * committed, under the control lock) -> RUNNING (the claiming thread, outside the lock) -> IDLE
 * (the loop ended).  stop is sticky: STOP sets it whether or not a loop runs, the end of the next
 * loop consumes it.
 */
enum nm_kloop_state { NM_KLOOP_IDLE, NM_KLOOP_CLAIMED, NM_KLOOP_RUNNING };

struct nm_kloop {
	u64 atok, ktoa;		/* (k) user addresses of the CSB arrays; atok 0: not in CSB mode */
	u32 state;		/* (k) enum nm_kloop_state */
	bool stop;		/* (k) sticky STOP */
	u32 sleep_us;		/* (k) between rounds */
	u64 claimer;		/* (k) nm_os_thread_id of the thread that claimed the loop */
	u64 files;		/* (k) its nm_os_files_id: a close() there stops the loop */
	struct nm_os_kloop_events *ev;	/* (k) OPT_SYNC_KLOOP_EVENTFDS of the claimed loop, or NULL */
	bool ev_wait;		/* (k) every ring has an ioeventfd: sleep until kicked */
	u32 direct;		/* (k) OPT_SYNC_KLOOP_MODE of the claimed loop: NM_OPT_SYNC_KLOOP_DIRECT_* */
	u32 kicked;		/* (k) set by ev's wake-ups, cleared by the loop before each round */
	struct nm_os_waitq wq;	/* the loop sleeps here; STOP wakes it */
	struct nm_os_waitq idle_wq;	/* STOP waits here for the loop to end */
};

struct nm_file {
	struct nm_adapter *bound;	/* (k, control lock) the binding, from REGISTER on */
	struct nm_adapter *na;		/* (k) `bound` once committed: the data path's view */
	u32 first[NM_DIRS], last[NM_DIRS];	/* bound krings: [first, last) per direction */
	struct nm_ring_user user;	/* the file as the user of those krings */
	struct nm_ring_link *links;	/* one per bound kring: TX rings, then RX rings */
	struct netmap_if *nifp;
	u64 nr_flags;
	/* Spec's NR_FORWARD/poll behaviour and exclusivity come from these flags. */
	struct nm_kloop kloop;
	void *os_file;			/* (k) the OS glue's handle of this file (Linux: struct file) */
};

/* Poll events in the core's words; the OS glue translates them. */
#define NM_POLL_IN	0x1
#define NM_POLL_OUT	0x2
#define NM_POLL_ERR	0x4

struct nm_file *nm_file_new(void);
/* Closes the binding (under the control lock) and frees the file state. */
void nm_file_release(struct nm_file *nf);

/* The request handlers of NIOCCTRL and the legacy ioctls (core/requests.c). */
extern const struct nm_ctrl_ops nm_requests;

/*
 * REGISTER (spec §5.6), the handler behind nm_requests: builds the binding without publishing it.
 * Then exactly one of: commit (publish it to the data path; cannot fail), or unregister (undo).
 * nm_file_unregister also releases a committed binding, at close.
 */
int nm_file_register(struct nm_file *nf, struct nm_ctrl_req *req);
void nm_file_register_commit(struct nm_file *nf);
void nm_file_unregister(struct nm_file *nf);

/* NIOCTXSYNC / NIOCRXSYNC (spec §4.7): 0, -ENXIO when unbound, -EIO when a ring is stopped,
 * -EBUSY in CSB mode (the sync-kloop owns the rings). */
int nm_file_sync(struct nm_file *nf, enum nm_dir d);

/*
 * A sync of a ring the caller claimed (nm_kring_tryget) whose head and cur come from the caller
 * (a CSB entry) instead of the ring: 0, or -EINVAL when they were invalid (counted in bad_syncs).
 */
int nm_kring_sync_indices(struct nm_kring *kr, u32 head, u32 cur);

/*
 * CSB mode and the sync-kloop (core/kloop.c).  The request handlers run under the control lock:
 * OPT_CSB of a REGISTER (after the binding is built), CSB_ENABLE, SYNC_KLOOP_START (claims the
 * loop for the calling thread; its finish commits the claim) and SYNC_KLOOP_STOP (waits for the
 * loop to end).  The OS glue calls nm_file_after_ctrl after every successful NIOCCTRL, without
 * the lock: if this thread has just claimed a loop, the loop runs there until it stops.
 * nm_file_flush is a close() of the file by the thread's process: a loop it runs stops.
 */
void nm_file_kloop_init(struct nm_file *nf);
void nm_file_kloop_fini(struct nm_file *nf);
int nm_csb_register_option(struct nm_file *nf, struct nm_ctrl_req *req);
int nm_req_csb_enable(void *owner, struct nm_ctrl_req *req);
int nm_req_kloop_start(void *owner, struct nm_ctrl_req *req);
int nm_req_kloop_start_finish(void *owner, struct nm_ctrl_req *req, int err);
int nm_req_kloop_stop(void *owner, struct nm_ctrl_req *req);
int nm_file_after_ctrl(struct nm_file *nf);
void nm_file_flush(struct nm_file *nf, u64 files);

/*
 * poll (spec §4.8).  `wait` registers the caller on a wait queue (the OS's poll_wait); it is called
 * for every queue the fd may be woken on, before the rings are checked, so no wake-up is lost.
 * Returns NM_POLL_* bits.
 */
typedef void (*nm_poll_wait_fn)(void *arg, struct nm_os_waitq *q);
unsigned int nm_file_poll(struct nm_file *nf, unsigned int events, nm_poll_wait_fn wait, void *arg);

/* The allocator an mmap of this fd maps, or NULL if the fd is not bound (mmap gives EINVAL). */
struct nm_mem *nm_file_mem(struct nm_file *nf);

#endif /* NM_CORE_FILE_H */
