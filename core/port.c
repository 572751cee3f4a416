/*
 * core/port.c - port name resolution (spec §6.4), in the spec's order: the first rule that matches
 * decides.  Port types that do not exist yet in this build say so with EOPNOTSUPP and a log line
 * rather than pretending the port is missing.
 */
#include "port.h"
#include "vale.h"

static const char *nm_pipe_brace(const char *name)
{
	const char *brace = strrchr(name, '{');

	return brace ? brace : strrchr(name, '}');
}

struct nm_adapter *nm_port_lookup(const struct nm_port_req *req)
{
	struct nm_adapter *na;
	const char *brace;

	if (req->mode == NR_REG_NULL)
		return nm_null_create(req);
	if (req->flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON)) {
		nm_os_log_ratelimited("%s: monitors are not supported by this build yet", req->name);
		return ERR_PTR(-EOPNOTSUPP);
	}
	brace = nm_pipe_brace(req->name);
	if (brace)
		return nm_pipe_lookup(req, brace);
	if (nm_is_vale_name(req->name))
		return nm_vale_lookup(req);
	/* A network interface: one of our persistent VALE ports, or any other device. */
	na = nm_vale_persistent_lookup(req->name);
	if (na)
		return na;
	return nm_os_netdev_lookup(req);
}
