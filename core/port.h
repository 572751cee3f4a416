/*
 * core/port.h - from a port name to an adapter (spec §6.4).  Every request that names a port goes
 * through nm_port_lookup, which asks the port providers in a fixed order; the first that claims
 * the name decides.  A provider is registered by whoever implements the port type: the core's
 * own (null ports, monitors, pipes, VALE, persistent VALE ports) by nm_ports_init, device
 * adapters by the OS layer (linux/generic.c), fakes by host tests.
 */
#ifndef NM_CORE_PORT_H
#define NM_CORE_PORT_H

#include "adapter.h"

/* What a request asks of the port it names: REGISTER's body, or PORT_INFO_GET's hints. */
struct nm_port_req {
	const char *name;		/* as the kernel sees it: no "netmap:" prefix */
	u32 mode;			/* NR_REG_* */
	u64 flags;			/* NR_* */
	u32 rings[NM_DIRS];		/* wanted NIC rings of a port created now (0: default) */
	u32 slots[NM_DIRS];		/* wanted slots per ring (0: default) */
	u32 host_rings[NM_DIRS];	/* wanted host rings of a device port not yet open (0: 1) */
	u32 extra_bufs;
	struct nm_mem *mem;		/* the allocator named by nr_mem_id, or NULL */
	bool may_create;		/* REGISTER and info requests may create ports; lookups may not */
};

/* The order of spec §6.4: who gets to claim a name first. */
enum nm_port_order {
	NM_PORT_ORDER_NULL = 10,	/* mode NR_REG_NULL, whatever the name */
	NM_PORT_ORDER_MONITOR = 20,	/* NR_MONITOR_TX/RX, NR_ZCOPY_MON */
	NM_PORT_ORDER_PIPE = 30,	/* a '{' or '}' in the name */
	NM_PORT_ORDER_VALE = 40,	/* valeX:port */
	NM_PORT_ORDER_VALE_PERSIST = 50,	/* the interface of a persistent VALE port */
	NM_PORT_ORDER_NATIVE = 60,	/* a device with a native adapter */
	NM_PORT_ORDER_GENERIC = 70,	/* any other network device */
};

struct nm_port_provider {
	const char *what;		/* for log lines */
	enum nm_port_order order;
	bool device;			/* resolves network devices (VALE ATTACH asks only these) */
	/*
	 * NULL when the name is not this provider's; otherwise a new adapter reference, or
	 * ERR_PTR(-errno) with the spec's errno for the name.  Under the control lock.
	 */
	struct nm_adapter *(*lookup)(const struct nm_port_req *req);
	struct nm_port_provider *next;	/* core/port.c */
};

/* Adds or removes a provider; each takes the control lock. */
void nm_port_provider_add(struct nm_port_provider *p);
void nm_port_provider_del(struct nm_port_provider *p);

/* The core's providers: at load, before the first lookup; at unload, after the last. */
void nm_ports_init(void);
void nm_ports_fini(void);

/* Returns a new adapter reference, or ERR_PTR(-errno) with the spec's errno for the name. */
struct nm_adapter *nm_port_lookup(const struct nm_port_req *req);
/* The same, asking only the device providers (native, then generic). */
struct nm_adapter *nm_port_device_lookup(const struct nm_port_req *req);

/* The core's providers (core/null.c, monitor.c, pipe.c, vale.c, vale_persist.c). */
extern struct nm_port_provider nm_null_provider, nm_monitor_provider, nm_pipe_provider;
extern struct nm_port_provider nm_vale_provider, nm_vale_persist_provider;
/* A monitor's adapter ops: how REGISTER recognises one (core/monitor.c). */
extern const struct nm_adapter_ops nm_monitor_ops;

#endif /* NM_CORE_PORT_H */
