/*
 * core/kring.h - the kernel side of one netmap ring, and the ring protocol (spec §4).
 *
 * A netmap_ring lives in shared memory; the application may write anything into it at any time.
 * The kring is the kernel's own state for that ring, which it never lets the application touch:
 *
 *               kernel-owned                application-owned
 *        ... [hwtail ......... hwcur) [head=rhead ... cur ... tail=rtail) ...
 *
 *   TX: the application fills [head, tail) and advances head; a sync takes [hwcur, head) for
 *       transmission (hwcur = head) and moves tail over the slots whose transmission completed.
 *   RX: the kernel fills slots at hwtail and moves tail past them; the application consumes
 *       [head, tail) and advances head; a sync takes [hwcur, head) back (hwcur = head).
 *
 * One slot always stays empty, so n slots carry at most n - 1 packets.  The kernel reads head and
 * cur once per sync (nm_kring_prologue), checks them against its own copies, and publishes tail
 * from its own copy (nm_kring_finalize): a program that scribbles on tail is silently corrected.
 *
 * All index arithmetic modulo num_slots is written here and nowhere else.
 */
#ifndef NM_CORE_KRING_H
#define NM_CORE_KRING_H

#include "os.h"
#include "../include/net/netmap.h"

enum nm_dir { NM_TX = 0, NM_RX = 1 };
#define NM_DIRS 2

struct nm_adapter;
struct nm_kring;

/*
 * A ring user (core/ring_user.c): whoever attaches to krings, owned by the user.  For each ring
 * it attaches to, the user provides a struct nm_ring_link that it keeps until the detach (and the
 * wait that detach may ask for) is over.
 */
struct nm_ring_user {
	const char *what;		/* for log lines: "file", "pipe", "VALE wire" ... */
	u32 flags;			/* NM_RING_USER_* */
	/* Every wake-up of an attached ring, from any context (softirq included), inside a
	 * data-path section (nm_os_data_path_begin); NULL if not wanted. */
	void (*notify)(struct nm_ring_user *u, struct nm_kring *kr);
};
#define NM_RING_USER_APP	0x1	/* an application's binding: NR_EXCLUSIVE counts it */
#define NM_RING_USER_EXCLUSIVE	0x2	/* refuses every other user of its rings */

struct nm_ring_link {
	struct nm_ring_user *user;
	struct nm_ring_link *next;	/* published with a store-release: walkers take no lock */
};

/*
 * A tap (core/ring_user.c): someone who watches the frames a ring moves without being one of its
 * users - a monitor (core/monitor.c).  A tap does not keep the ring alive: when the ring's last
 * user leaves, every tap is cut first.  Owned by the tapper.
 */
struct nm_kring_tap {
	/*
	 * Called by the thread that holds the ring (busy), inside a data-path section, in any
	 * context, with the frames in slots [from, to):
	 *   done = false: new frames, after a successful sync and before the new tail is
	 *                 published: taken for transmission (TX), or received (RX);
	 *   done = true:  frames the ring is done with, whose buffers the tap may swap: TX slots
	 *                 whose transmission completed (after the sync), RX slots the application
	 *                 released (before the sync hands them back to the port).
	 */
	void (*frames)(struct nm_kring_tap *t, struct nm_kring *kr, u32 from, u32 to);
	/* The ring is about to leave shared memory; the tap is already unlinked.  Control lock. */
	void (*cut)(struct nm_kring_tap *t);
	struct nm_kring_tap *next;	/* published with a store-release, like nm_ring_link */
	bool done;
};

struct nm_kring {
	struct netmap_ring *ring;	/* shared; NULL while no fd binds this ring */
	struct nm_adapter *na;
	enum nm_dir dir;
	u32 ring_id;			/* index within its direction: NIC rings, then host rings */
	u32 num_slots;
	bool is_host;

	/* Private copies (spec §4.2), written only by the thread that holds `busy`. */
	u32 hwcur;
	u32 hwtail;
	u32 rhead, rcur, rtail;

	/* Set while a sync runs; a second syncer skips the ring instead of waiting (spec §4.7). */
	unsigned long busy;
	/* Set when the adapter goes away under its users: syncs fail with EIO, poll with POLLERR. */
	bool stopped;

	/*
	 * Ring users (core/ring_user.c), changed only there, under the control lock.  The ring
	 * exists in shared memory while nusers > 0.  nm_kring_wake walks `users` only while
	 * notifiers > 0.
	 */
	struct nm_ring_link *users;	/* newest first */
	u32 nusers;
	u32 app_users;			/* users with NM_RING_USER_APP */
	u32 notifiers;			/* users with a notify hook */
	bool exclusive;			/* an NM_RING_USER_EXCLUSIVE user is attached */
	struct nm_kring_tap *taps;	/* newest first; ring_user.c, control lock */

	/*
	 * Pipes: the kring this one is connected to, and the index this ring publishes to it.  A TX
	 * ring publishes how far the peer RX ring may read (the end of the last complete packet); an
	 * RX ring publishes how far it has released slots back to the peer TX ring.  Each side writes
	 * only its own `pipe_pub` (store-release) and reads the peer's (load-acquire).
	 */
	struct nm_kring *pipe_peer;
	u32 pipe_pub;

	/* Statistics users can read; never logged per slot. */
	u64 bad_syncs;			/* head/cur violations (spec §4.6) */
	u64 bad_slots;			/* slots whose buf_idx or len the kernel had to replace */
	u64 skipped;			/* monitor rings: frames dropped for lack of room */

	struct nm_os_waitq wq;		/* poll() of an fd bound to just this ring sleeps here */
	char name[NETMAP_REQ_IFNAMSIZ + 16];	/* "<port> TX0", for log lines */
};

/* i + 1, wrapping at n. */
static inline u32 nm_next(u32 i, u32 n)
{
	return i + 1 == n ? 0 : i + 1;
}

/* i - 1, wrapping at n. */
static inline u32 nm_prev(u32 i, u32 n)
{
	return i == 0 ? n - 1 : i - 1;
}

/* i + k, wrapping at n, for i in [0, n) and k <= n. */
static inline u32 nm_advance(u32 i, u32 k, u32 n)
{
	return i + k >= n ? i + k - n : i + k;
}

/* (b - a) mod n, for a, b in [0, n): the number of slots from a up to b. */
static inline u32 nm_dist(u32 a, u32 b, u32 n)
{
	return b >= a ? b - a : b + n - a;
}

/* Whether x lies in the circular range [a, b], for indices in [0, n) (spec §4.5). */
static inline bool nm_between(u32 a, u32 x, u32 b, u32 n)
{
	return nm_dist(a, x, n) <= nm_dist(a, b, n);
}

/*
 * A slot's first eight bytes - buf_idx, len, flags - as one value, for the paths that move
 * whole slots (pipes): one load and one store instead of three each.  The fields are read from
 * the union, so the layout, not the byte order, decides where each one is (pinned by the ABI
 * header's NM_ABI_FIELD checks).
 */
union nm_slot_head {
	u64 word;
	struct {
		u32 buf_idx;
		u16 len;
		u16 flags;
	} f;
};
typedef u64 __attribute__((may_alias)) nm_slot_word_t;	/* the slot seen as words */

static inline union nm_slot_head nm_slot_head_read(const struct netmap_slot *s)
{
	union nm_slot_head h;

	h.word = READ_ONCE(*(const nm_slot_word_t *)s);
	return h;
}

static inline void nm_slot_head_write(struct netmap_slot *s, union nm_slot_head h)
{
	WRITE_ONCE(*(nm_slot_word_t *)s, h.word);
}

/* Claims the ring for one sync; false if another thread is syncing it. */
static inline bool nm_kring_tryget(struct nm_kring *kr)
{
	return !test_and_set_bit_lock(0, &kr->busy);	/* acquire: pairs with nm_kring_put */
}

static inline void nm_kring_put(struct nm_kring *kr)
{
	clear_bit_unlock(0, &kr->busy);	/* release: pairs with nm_kring_tryget */
}

/*
 * Validates a head and cur proposed by the ring's user against the kernel's own copies (spec
 * §4.5), wherever they were read: the shared ring (nm_kring_prologue), or a CSB.  Returns true
 * and sets rhead/rcur when they are valid.  On a violation it sanitises the ring (spec §4.6),
 * counts it, logs one rate-limited line, and returns false: the caller must not sync a TX ring;
 * an RX ring still receives, with rhead = hwcur so that no slot is released.
 */
bool nm_kring_accept(struct nm_kring *kr, u32 head, u32 cur);

/* nm_kring_accept of the head and cur in the shared ring, each read once; corrects its tail. */
bool nm_kring_prologue(struct nm_kring *kr);

/* After a successful sync: tail = rtail = hwtail (spec §4.7). */
void nm_kring_finalize(struct nm_kring *kr);

/* Sets ring->ts on an RX sync unless no_timestamp is set and the ring lacks NR_TIMESTAMP. */
void nm_kring_timestamp(struct nm_kring *kr);

/* Initial state of a ring that has just been created (spec §4.3), in the kring and the ring. */
void nm_kring_reset(struct nm_kring *kr);

#endif /* NM_CORE_KRING_H */
