/*
 * core/vale_priv.h - the inside of a VALE switch, shared by its control side (core/vale.c:
 * switches, ports, names, lifetime) and its data path (core/vale_fwd.c: learning and forwarding).
 *
 * Locking, from the outside in:
 *   control lock       creating/destroying switches and ports (core/vale.c)
 *   bridge->lock (rw)  forwarding holds it for reading; adding or removing a port, and making a
 *                      port's RX ring able (or unable) to receive, take it for writing.  So while
 *                      a sender holds it, every port and ring it sees stays alive.
 *   rxq->lock          one destination RX ring's slot reservations (leases), held only to
 *                      reserve and to publish, never while copying.
 */
#ifndef NM_CORE_VALE_PRIV_H
#define NM_CORE_VALE_PRIV_H

#include "vale.h"

#define NM_VALE_BATCH		1024	/* bridge_batch is clamped to this */
#define NM_VALE_HT_SIZE		1024	/* learning table entries */
#define NM_VALE_MAX_LEASES	64	/* senders filling one ring at the same time */

/*
 * A destination RX ring, as senders see it.  Slots [released, lease_tail) are reserved or filled
 * but not yet released by the receiver; [published, lease_tail) are being copied.  A lease is a
 * reserved range; leases complete in any order but are published in reservation order, so the
 * receiver only ever sees whole, finished frames.
 */
struct nm_vale_rxq {
	struct nm_os_spinlock lock;
	bool active;			/* the ring exists and is bound: bridge write lock */
	u32 lease_tail;			/* next slot to reserve */
	u32 published;			/* the receiver's hwtail */
	u32 released;			/* the receiver's hwcur */
	u32 lease_head, lease_count;
	struct {
		u32 end;
		bool done;
	} lease[NM_VALE_MAX_LEASES];
	/* Counters, under lock. */
	u64 rx_pkts, rx_bytes, drop_full;
};

/* One fragment taken from a sender's TX ring, read once. */
struct nm_vale_frag {
	u64 src;			/* kernel address of the payload, or a user address */
	u16 len;
	bool indirect;			/* src is a user address (NS_INDIRECT) */
	bool more;			/* NS_MOREFRAG */
	bool no_learn;			/* NS_NO_LEARN (first fragment) */
};

struct nm_vale_pkt {
	u32 first;			/* index in frag[] */
	u16 nfrags;
	u8 dst;				/* port index, NM_BDG_BROADCAST or NM_BDG_NOPORT */
	bool gso;			/* its virtio-net header asks for segmentation */
	u32 len;
};

/* A sender TX ring's scratch space, used only by the thread that holds the ring. */
struct nm_vale_txq {
	u32 vnet_hdr;			/* the sender's virtio-net header length for this batch */
	bool single;			/* every packet of this batch is one slot */
	struct nm_vale_frag frag[NM_VALE_BATCH];
	struct nm_vale_pkt pkt[NM_VALE_BATCH];
	u16 sel[NM_VALE_BATCH];		/* the packets going to one destination */
	u64 tx_pkts, tx_bytes, drop_bad;
};

struct nm_bridge;
struct nm_vale_nic;
struct nm_vale_poll;

struct nm_vale_port {
	struct nm_adapter *na;
	struct nm_bridge *bdg;		/* NULL for a persistent port on no switch */
	/* Persistent ports (NEWIF): their interface, and the list of them (control lock). */
	void *netdev;
	char ifname[16];
	struct nm_vale_port *next_persistent;
	/* A device on the switch (core/vale_nic.c): the attachment whose NIC or host rings stand
	 * behind this port's, or NULL. */
	struct nm_vale_nic *nic;
	u32 index;			/* in bdg->ports[] */
	u64 last_smac;			/* last source MAC learned from this port */
	atomic64_t drop_unbound;	/* frames for this port while its ring was not bound */
	struct nm_vale_rxq rxq[NM_VALE_MAX_RINGS];
	struct nm_vale_txq *txq[NM_VALE_MAX_RINGS];
	/* What TX rings that are gone had counted (control lock): a port's counters never go back. */
	u64 gone_tx_pkts, gone_tx_bytes, gone_drop_bad;
};

struct nm_bridge {
	char name[NETMAP_REQ_IFNAMSIZ];	/* "vale0" */
	bool in_use;
	struct nm_os_rwlock lock;
	u32 nports;
	struct nm_vale_port *ports[NM_BDG_MAXPORTS];
	/* Learning table: MAC in the low 48 bits, port index + 1 above (0 = empty), so one aligned
	 * 64-bit store updates an entry and concurrent learners never tear it. */
	u64 ht[NM_VALE_HT_SIZE];
};

int nm_vale_txsync(struct nm_kring *kr);
int nm_vale_rxsync(struct nm_kring *kr);
void nm_vale_forward_slots(struct nm_vale_port *vp, u32 ring, struct nm_kring *src, u32 i,
			   u32 head);

/* core/vale.c internals shared with core/vale_persist.c (all under the control lock). */
extern const struct nm_adapter_ops nm_vale_ops;
bool nm_vale_split(const char *name, char bname[NETMAP_REQ_IFNAMSIZ], const char **port);
struct nm_bridge *nm_bridge_find(const char *bname, bool create);
void nm_bridge_release(struct nm_bridge *b);
struct nm_vale_port *nm_bridge_port(struct nm_bridge *b, const char *name);
int nm_bridge_attach(struct nm_bridge *b, struct nm_vale_port *vp);
void nm_bridge_detach(struct nm_vale_port *vp);
struct nm_adapter *nm_vale_port_create(const char *name, const u32 rings[NM_DIRS],
				       const u32 slots[NM_DIRS], u32 extra, struct nm_mem *mem);

/* core/vale_nic.c: devices on a switch (control lock).  _attach looks the device up by name;
 * _attach_adapter wires the adapter given (whose reference it takes over): a persistent port
 * already on another switch, for cascading. */
int nm_vale_nic_attach(struct nm_bridge *b, const char *name, const char *ifname, bool host,
		       u32 *port_index);
int nm_vale_nic_attach_adapter(struct nm_bridge *b, const char *name, struct nm_adapter *hw,
			       bool host, u32 *port_index);
/* DETACH of a device: only through its NIC port (vp == wire[0].vp), which takes both ports away. */
/* For the polling threads (core/vale_poll.c). */
u32 nm_vale_nic_rx_rings(const struct nm_vale_nic *nic);
struct nm_vale_poll **nm_vale_nic_poll(struct nm_vale_nic *nic);
void nm_vale_nic_set_polled(struct nm_vale_nic *nic, u32 first, u32 n, bool host);
bool nm_vale_nic_poll_pass(struct nm_vale_nic *nic, u32 first, u32 n, bool host);
/* core/vale_poll.c: stops the attachment's polling threads, if any (control lock). */
void nm_vale_poll_stop(struct nm_vale_nic *nic);
/* core/vale_persist.c: the port valeX:IF on its switch (-EINVAL without the VALE prefix, -ENXIO
 * if there is no such switch or port). */
int nm_vale_find_port(const char *name, struct nm_vale_port **vpp);
bool nm_vale_nic_detachable(const struct nm_vale_port *vp);
void nm_vale_nic_detach(struct nm_vale_port *vp);

#endif /* NM_CORE_VALE_PRIV_H */
