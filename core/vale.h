/*
 * core/vale.h - VALE software switches (spec §7.2): learning Ethernet bridges whose ports are
 * netmap adapters.  Forwarding runs in each sender's TX sync; see core/vale_fwd.c for the
 * protocol that lets several senders fill one destination ring at once (leases).
 */
#ifndef NM_CORE_VALE_H
#define NM_CORE_VALE_H

#include "counters.h"
#include "port.h"

#define NM_BDG_MAXPORTS		254	/* port indices 0..253 */
#define NM_BDG_BROADCAST	254
#define NM_BDG_NOPORT		255
#define NM_VALE_MAX_RINGS	16
#define NM_VALE_MAX_SLOTS	4096
#define NM_VALE_DEFAULT_SLOTS	1024
#define NM_VALE_MAX_EXTRA	(128 * 4096)

/* Per-port counters users can read (sums over the port's rings). */
struct nm_vale_stats {
	u64 tx_pkts, tx_bytes;		/* frames this port sent into the switch */
	u64 rx_pkts, rx_bytes;		/* frames the switch delivered to this port */
	u64 drop_full;			/* frames for this port dropped: its RX ring was full */
	u64 drop_bad;			/* frames this port sent that were invalid (< 14 bytes, fault) */
	u64 drop_unbound;		/* frames for this port dropped: its RX ring not bound */
};

/* Whether a name is a VALE name (only "val" is compared: spec §6.4, Compat). */
static inline bool nm_is_vale_name(const char *name)
{
	return strncmp(name, "val", 3) == 0;
}


/* Sets the virtio-net header length of a VALE port (0, 10 or 12): 0, or -ENXIO if na is not one. */
int nm_vale_set_vnet_hdr(struct nm_adapter *na, u16 len);

/* VALE_LIST (spec §7.2).  By name: switch and port index (port 255 if absent).  By position:
 * the first port at or after (*bridge, *port); writes its name.  0, -EINVAL, -ENOENT. */
int nm_vale_list_name(const char *name, u16 *bridge, u32 *port);
int nm_vale_list_next(u16 *bridge, u32 *port, char *name, size_t size);

/* The table of struct nm_vale_stats (core/counters.h), in /proc/netmap_vale's order. */
extern const struct nm_counter nm_vale_port_counters[];
extern const size_t nm_vale_port_ncounters;

/* Counters of the port named `name` ("valeX:port"): 0 or -ENXIO. */
int nm_vale_port_stats(const char *name, struct nm_vale_stats *st);

/* Calls fn for every port of every switch, with its counters.  Under the control lock. */
typedef void (*nm_vale_port_fn)(void *arg, const char *name, u32 bridge, u32 port,
				const struct nm_vale_stats *st);
void nm_vale_foreach_port(nm_vale_port_fn fn, void *arg);

/*
 * Persistent ports (spec §7.2, core/vale_persist.c): NEWIF creates a port that is also a network
 * interface; it is opened as netmap:NAME, joins a switch with ATTACH valeX:NAME (taking that
 * name while attached) and leaves with DETACH; DELIF destroys it.  -errno as the spec's tables.
 * Opening one by name is nm_vale_persist_provider's (core/port.h).
 */
int nm_vale_newif(const char *ifname, struct nmreq_vale_newif *body);
int nm_vale_delif(const char *ifname);
int nm_vale_delif_check(const char *ifname);	/* DELIF's errors, without the deed */
int nm_vale_attach(const char *name, struct nmreq_vale_attach *body);
/* DETACH in two steps under one hold of the control lock: the check says the port index that
 * the detach will free, so the request can write its reply before anything changes. */
int nm_vale_detach_check(const char *name, struct nmreq_vale_detach *body);
int nm_vale_detach(const char *name);

/* Polling threads for a device on a switch (core/vale_poll.c, spec §7.2); -errno as it says. */
int nm_vale_polling_enable(const char *name, const struct nmreq_vale_polling *req);
int nm_vale_polling_disable(const char *name);

/* Module load/unload.  Before unload, nm_vale_detach_devices (under the control lock) gives every
 * device on a switch back (core/vale_nic.c), while the device adapters still work. */
void nm_vale_init(void);
void nm_vale_detach_devices(void);
void nm_vale_fini(void);

#endif /* NM_CORE_VALE_H */
