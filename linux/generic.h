/*
 * linux/generic.h - the generic (emulated) adapter's shared state: any Linux net_device in netmap
 * mode through its unmodified driver (spec §7.6), plus its host-stack rings (spec §7.7).
 *
 * The adapter is split by concept:
 *   generic.c     lifetime: lookup by name, geometry, switching rings into and out of netmap mode
 *                 (which is when the kernel hooks are installed and removed), device removal
 *                 (netdevice notifier), counters in /proc/netmap_generic, module init/exit;
 *   generic_rx.c  frames into netmap: the device's rx handler (NIC RX rings), the netfilter
 *                 egress hook (stack -> host RX rings), the queues between them and rxsync;
 *   generic_tx.c  frames out of netmap: NIC TX rings to the driver with completion accounting
 *                 and backpressure, host TX rings to the stack;
 *   generic_fwd.c transparent mode: released RX slots marked NS_FORWARD go on to the other side.
 *
 * Locking, outermost first:
 *   control lock (nm_os_ctrl_lock)  every REGISTER and close, hence ring_fill/ring_drain;
 *   rtnl                             the adapter list, the device pointer and reference, which
 *                                    hooks are installed, `dead`.  The netdevice notifier runs
 *                                    under rtnl and therefore never takes the control lock;
 *   a queue's spinlock               its skb list and its `active` flag (softirq vs rxsync);
 *   the kring's busy bit (core)      the per-ring sync state (txsync/rxsync own it).
 * The data path reads the device through RCU (`dev`), so device removal only has to clear the
 * pointer and wait for a grace period before it drops its reference.
 */
#ifndef NM_LINUX_GENERIC_H
#define NM_LINUX_GENERIC_H

#include <linux/hrtimer.h>
#include <linux/llist.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <linux/timer.h>

#include "../core/adapter.h"

/*
 * Marks on frames netmap itself injects, so that its own hooks never capture them again
 * (spec §7.6, loop prevention).  The values are the original's, so that tools which know them
 * keep working.
 */
#define NM_PRIO_TO_STACK	0xad86d30fU	/* host TX ring -> stack (rx handler lets it pass) */
#define NM_PRIO_TO_DRIVER	0xad86d310U	/* NIC TX ring -> driver (egress hook lets it pass) */

/* A queue of captured frames waiting for the rxsync of one RX kring (NIC or host). */
struct nm_gen_rx_queue {
	struct sk_buff_head q;		/* its lock protects the list and `active` */
	bool active;			/* the kring is in netmap mode: capture for it */
	u32 limit;			/* at most num_slots frames queued (spec §7.6) */
	u64 last_wake_ns;		/* generic_mit rate limiting */
	struct hrtimer mit_timer;	/* a wake-up deferred by generic_mit */
	struct nm_kring *kr;
	/* counters: drop_full under q.lock, the rest owned by the ring's rxsync */
	u64 drop_full;
	u64 drop_big;
	u64 pkts;
	u64 bytes;
	u64 fwd;			/* transparent mode: released frames sent on (up or down) */
	u64 fwd_drop;			/* ... that could not be (too short or long, no memory) */
};

/*
 * Completion accounting of one NIC TX ring incarnation.  Every frame in flight holds a
 * reference (its skb destructor drops it), so this outlives the ring, the adapter and even the
 * device when a driver or a peer keeps a frame for a while.  `kr` is cleared (RCU) when the ring
 * leaves netmap mode, after which completions only count.
 */
struct nm_gen_tx_comp {
	refcount_t ref;			/* the ring's + one per frame in flight */
	atomic_t done;			/* frames whose skb has been released */
	u32 sent;			/* frames handed to the driver (published by txsync) */
	u32 wake_every;			/* wake pollers every this many completions, and at idle */
	struct nm_kring __rcu *kr;
	struct llist_head recycle;	/* frames an RX ring copied, for txsync to free (generic_tx.c) */
};

/* Frames txsync builds, then hands to the driver under one hold of the queue lock. */
#define NM_GEN_TX_BATCH 64

struct nm_gen_tx_batch {
	u32 n;
	struct sk_buff *skb[NM_GEN_TX_BATCH];
	u32 start[NM_GEN_TX_BATCH];	/* the frame's first slot */
	u32 end[NM_GEN_TX_BATCH];	/* the slot after its last */
	u32 len[NM_GEN_TX_BATCH];
};

/*
 * A packet of a ring as the kernel read it: nm_gen_pkt reads each of its slots' flags, len and
 * buf_idx exactly once, into this kernel copy, and everything after (length checks, the skb's
 * size, the copy) uses the copy only.  An application that rewrites its slots meanwhile can
 * change nothing the kernel has checked.
 */
struct nm_gen_pkt {
	u32 end;			/* the slot after its last */
	u32 len;			/* bytes: the sum of the fragments' */
	u16 flags;			/* its first slot's flags */
	u32 nfrags;
	struct {
		u32 idx;		/* buffer index as read; out of range reads the scratch buffer */
		u32 len;		/* 0 for a len the buffer cannot hold (a bad slot) */
	} frag[NETMAP_MAX_FRAGS];
};

/* One NIC TX ring. */
struct nm_gen_tx_ring {
	struct nm_gen_tx_comp *comp;	/* NULL while the ring is not in netmap mode */
	u32 *frame_end;			/* per frame in flight (FIFO by `sent`): slot after it */
	struct page **page;		/* the ring of pages frames are carved from (num_slots) */
	u32 pg_cur, pg_off;		/* where the next frame goes in it */
	u32 pg_refs;			/* references taken on page[pg_cur] no frame holds yet */
	struct llist_node *recycled;	/* taken from comp->recycle, not yet freed (txsync) */
	struct nm_gen_tx_batch batch;	/* owned by txsync */
	struct nm_gen_pkt pkt;		/* owned by txsync: the packet being built */
	u32 sent, reclaimed;		/* frame counts, owned by txsync */
	u32 fifo_w, fifo_r;		/* frame_end positions of the next sent / reclaimed */
	bool active;			/* READ_ONCE by the egress hook */
	struct timer_list retry;	/* wakes pollers after the device said busy / no memory */
	struct nm_kring *kr;
	/* counters, owned by txsync */
	u64 pkts, bytes;
	u64 drop_len;			/* shorter than a link header, longer than MTU + header */
	u64 drop_frags;			/* more than NETMAP_MAX_FRAGS slots */
	u64 drop_dev;			/* the driver or the stack dropped it */
	u64 busy;			/* the device queue was full: backpressure, retried */
	u64 nomem;
};

struct nm_gen_adapter {
	struct list_head link;		/* nm_gen_list (rtnl) */
	struct nm_adapter *na;		/* the core adapter; its priv is this */
	struct net_device __rcu *dev;	/* NULL once the device is gone (rtnl + RCU) */
	struct net_device *dev_ref;	/* our reference, dropped at unregistration (rtnl) */
	char ifname[IFNAMSIZ];
	bool dead;			/* the device was unregistered (rtnl) */
	bool rx_hooked, tx_hooked;	/* rx handler / egress hook installed (rtnl) */
	bool offload_warned;		/* the one log line about offloads was written */
	bool need_sync;			/* destructors may still look at our krings (control) */
	u32 rx_on;			/* RX krings (NIC + host) in netmap mode (control + rtnl) */
	u32 nic_rx_on, nic_tx_on;	/* NIC rings in netmap mode (control + rtnl) */
	u32 rx_buf_size;		/* buffer size when rx_on > 0: MTU changes are checked */
	struct nf_hook_ops egress;
	struct nm_gen_rx_queue *rxq;		/* one per RX kring: NIC rings, then host rings */
	struct nm_gen_tx_ring *txr;		/* one per NIC TX kring */
	/* host rings */
	u64 host_tx_pkts;		/* owned by the host txsync */
	u64 host_tx_drop;
	atomic64_t host_rx_drop_offload;	/* egress hook */
	atomic64_t rx_drop_offload;	/* NIC RX frames whose checksum could not be completed */
	atomic64_t host_rx_drop_closed;		/* NIC TX in netmap mode, host RX ring not */
};

static inline struct nm_gen_adapter *nm_gen_adapter(const struct nm_adapter *na)
{
	return na->priv;
}

/* generic_rx.c */
rx_handler_result_t nm_gen_rx_handler(struct sk_buff **pskb);
unsigned int nm_gen_egress_hook(void *priv, struct sk_buff *skb, const struct nf_hook_state *st);
int nm_gen_rxsync(struct nm_kring *kr);
void nm_gen_rx_queue_init(struct nm_gen_rx_queue *rq, struct nm_kring *kr);
void nm_gen_rx_queue_set_active(struct nm_gen_rx_queue *rq, bool active);	/* off also purges */

/* generic_tx.c */
int nm_gen_txsync(struct nm_kring *kr);
/* rxsync copied skb: if one of our TX rings sent it, complete it and take it back (true). */
bool nm_gen_tx_recycle(struct sk_buff *skb);
enum nm_gen_pkt_state { NM_PKT_OK, NM_PKT_INCOMPLETE, NM_PKT_TOO_LONG };
/* Reads the packet starting at slot i of a ring, up to head (see struct nm_gen_pkt). */
enum nm_gen_pkt_state nm_gen_pkt(struct nm_kring *kr, const struct nm_buf_lut *lut, u32 i, u32 head,
				 struct nm_gen_pkt *pkt);
/* Appends the packet's bytes to skb, which has room for pkt->len more. */
void nm_gen_pkt_copy(const struct nm_buf_lut *lut, const struct nm_gen_pkt *pkt,
		     struct sk_buff *skb);
/* A copy of that packet as a frame received on dev, ready for netif_receive_skb (BHs off);
 * NULL when out of memory.  pkt->len >= ETH_HLEN. */
struct sk_buff *nm_gen_stack_skb(struct net_device *dev, const struct nm_buf_lut *lut,
				 const struct nm_gen_pkt *pkt);

/* generic_fwd.c: transparent mode, from nm_gen_rxsync before it takes slots back */
void nm_gen_forward_released(struct nm_gen_adapter *g, struct nm_kring *kr);
int nm_gen_tx_ring_start(struct nm_gen_adapter *g, struct nm_gen_tx_ring *t, struct nm_kring *kr);
void nm_gen_tx_ring_stop(struct nm_gen_adapter *g, struct nm_gen_tx_ring *t);
/* Waits (sleeping) until no frame sent by netmap is in flight any more: module unload. */
void nm_gen_tx_drain_all(void);

/* main.c: prints one counter of a table (core/counters.h) on a /proc line (a seq_file) */
void nm_proc_counter(void *arg, const char *name, u64 value);

/* generic.c: module init/exit (linux/main.c) */
int nm_generic_init(void);
void nm_generic_fini(void);

#endif /* NM_LINUX_GENERIC_H */
