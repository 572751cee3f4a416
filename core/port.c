/*
 * core/port.c - port name resolution (spec §6.4) through the registered port providers, in the
 * spec's order: the first provider that claims a name decides.  Port types that do not exist yet
 * in this build say so with EOPNOTSUPP and a log line rather than pretending the port is missing.
 */
#include "port.h"

static struct nm_port_provider *nm_port_providers;	/* by order; control lock */

void nm_port_provider_add(struct nm_port_provider *p)
{
	struct nm_port_provider **pp;

	nm_os_ctrl_lock();
	for (pp = &nm_port_providers; *pp && (*pp)->order <= p->order; pp = &(*pp)->next)
		;
	p->next = *pp;
	*pp = p;
	nm_os_ctrl_unlock();
}

void nm_port_provider_del(struct nm_port_provider *p)
{
	struct nm_port_provider **pp;

	nm_os_ctrl_lock();
	for (pp = &nm_port_providers; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	nm_os_ctrl_unlock();
}

void nm_ports_init(void)
{
	nm_port_provider_add(&nm_null_provider);
	nm_port_provider_add(&nm_monitor_provider);
	nm_port_provider_add(&nm_pipe_provider);
	nm_port_provider_add(&nm_vale_provider);
	nm_port_provider_add(&nm_vale_persist_provider);
}

void nm_ports_fini(void)
{
	nm_port_provider_del(&nm_vale_persist_provider);
	nm_port_provider_del(&nm_vale_provider);
	nm_port_provider_del(&nm_pipe_provider);
	nm_port_provider_del(&nm_monitor_provider);
	nm_port_provider_del(&nm_null_provider);
}

static struct nm_adapter *nm_port_ask(const struct nm_port_req *req, bool devices_only)
{
	struct nm_port_provider *p;

	for (p = nm_port_providers; p; p = p->next) {
		struct nm_adapter *na;

		if (devices_only && !p->device)
			continue;
		na = p->lookup(req);
		if (na)
			return na;
	}
	return ERR_PTR(-ENXIO);		/* nobody has that name */
}

struct nm_adapter *nm_port_lookup(const struct nm_port_req *req)
{
	return nm_port_ask(req, false);
}

struct nm_adapter *nm_port_device_lookup(const struct nm_port_req *req)
{
	return nm_port_ask(req, true);
}
