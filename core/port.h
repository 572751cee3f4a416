/*
 * core/port.h - from a port name to an adapter (spec §6.4): null ports, pipes, and (later) VALE
 * ports and Linux devices.  Every request that names a port goes through nm_port_lookup.
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

/* Returns a new adapter reference, or ERR_PTR(-errno) with the spec's errno for the name. */
struct nm_adapter *nm_port_lookup(const struct nm_port_req *req);

/* Port types (core/null.c, core/pipe.c). */
struct nm_adapter *nm_null_create(const struct nm_port_req *req);
/* `brace` points at the '{' or '}' that splits the parent name from the pipe id. */
struct nm_adapter *nm_pipe_lookup(const struct nm_port_req *req, const char *brace);

#endif /* NM_CORE_PORT_H */
