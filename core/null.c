/*
 * core/null.c - null ports (spec §7.5): rings and buffers reserved in an existing region, with
 * syncs that do nothing.  Each REGISTER in mode NR_REG_NULL creates a fresh one, named
 * "null:<name>", that cannot be found again by name.
 */
#include "port.h"

#define NM_NULL_MAX_RINGS	1024

static int nm_null_sync(struct nm_kring *kr)
{
	(void)kr;
	return 0;
}

static const struct nm_adapter_ops nm_null_ops = {
	.txsync = nm_null_sync,
	.rxsync = nm_null_sync,
};

static struct nm_adapter *nm_null_create(const struct nm_port_req *req)
{
	static const u32 no_host[NM_DIRS];
	char name[NETMAP_REQ_IFNAMSIZ];
	int d;

	if (!req->mem) {
		nm_os_log_ratelimited("null:%s: a null port needs nr_mem_id naming an existing region",
				      req->name);
		return ERR_PTR(-EINVAL);
	}
	/* Zero rings is valid (nothing to bind); a ring needs at least one slot. */
	for (d = 0; d < NM_DIRS; d++) {
		if (req->rings[d] > NM_NULL_MAX_RINGS || (req->rings[d] && !req->slots[d])) {
			nm_os_log_ratelimited("null:%s: %u rings of %u slots: rings must be at most %d and have at least 1 slot",
					      req->name, req->rings[d], req->slots[d], NM_NULL_MAX_RINGS);
			return ERR_PTR(-EINVAL);
		}
	}
	snprintf(name, sizeof(name), "null:%s", req->name);
	nm_mem_get(req->mem);
	return nm_adapter_new(name, &nm_null_ops, req->mem, req->rings, no_host, req->slots);
}

/* Mode NR_REG_NULL makes a null port of any name (spec §6.4 step 1). */
static struct nm_adapter *nm_null_lookup(const struct nm_port_req *req)
{
	return req->mode == NR_REG_NULL ? nm_null_create(req) : NULL;
}

struct nm_port_provider nm_null_provider = {
	.what = "null", .order = NM_PORT_ORDER_NULL, .lookup = nm_null_lookup,
};
