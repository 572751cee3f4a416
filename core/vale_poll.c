/*
 * core/vale_poll.c - polling threads for a device on a VALE switch (spec §7.2
 * VALE_POLLING_ENABLE/DISABLE).
 *
 * A device on a switch is normally served by its attachment's work item, kicked by every wake-up
 * of its rings (core/vale_nic.c).  POLLING_ENABLE valeX:eth0 starts kernel threads that instead
 * poll the device's rings in a loop - lower latency and a steadier rate, for a dedicated CPU:
 *
 *   SINGLE_CPU: one thread, on CPU nr_first_cpu_id, polls every NIC ring and the host rings;
 *   MULTI_CPU:  one thread per NIC ring r in [nr_first_cpu_id, + nr_num_polling_cpus), bound to
 *               CPU r, polls RX ring r into the switch and the port's RX ring r out to TX ring r.
 *
 * The work leaves the polled rings to the threads (nm_vale_nic_set_polled) and still serves the
 * others.  Polled rings map one to one on the port's rings, so two threads never forward into
 * the same port ring: a device with more RX rings than a port may have (NM_VALE_MAX_RINGS) is
 * refused.  POLLING_DISABLE, DETACH (EBUSY while polling) and module unload (through the
 * attachment's removal) stop the threads first, waiting for the pass in progress.
 */
#include "vale_priv.h"

struct nm_vale_poller {
	struct nm_vale_nic *nic;
	u32 first, n;			/* the NIC rings this thread polls */
	bool host;			/* and the host rings */
	struct nm_os_poller *thread;
};

struct nm_vale_poll {
	u32 nthreads;
	struct nm_vale_poller threads[];
};

static void nm_vale_poller_pass(void *arg)
{
	struct nm_vale_poller *p = arg;

	nm_vale_nic_poll_pass(p->nic, p->first, p->n, p->host);
}

static void nm_vale_poll_free(struct nm_vale_poll *poll, u32 started)
{
	while (started--)
		nm_os_poller_stop(poll->threads[started].thread);
	nm_os_free(poll);
}

void nm_vale_poll_stop(struct nm_vale_nic *nic)
{
	struct nm_vale_poll **pp = nm_vale_nic_poll(nic);

	if (!*pp)
		return;
	nm_vale_poll_free(*pp, (*pp)->nthreads);
	*pp = NULL;
	nm_vale_nic_set_polled(nic, 0, 0, false);
}

/* The spec's checks of the body against the device: 0 or -EINVAL. */
static int nm_vale_poll_check(const struct nmreq_vale_polling *req, u32 rings)
{
	u32 first = req->nr_first_cpu_id, n = req->nr_num_polling_cpus;

	if (req->nr_mode != NETMAP_POLLING_MODE_SINGLE_CPU &&
	    req->nr_mode != NETMAP_POLLING_MODE_MULTI_CPU)
		return -EINVAL;
	if (n == 0 || n >= nm_os_online_cpus())
		return -EINVAL;
	if (req->nr_mode == NETMAP_POLLING_MODE_SINGLE_CPU)
		return n == 1 && nm_os_cpu_online(first) ? 0 : -EINVAL;
	if (first >= rings || n > rings - first || !nm_os_cpu_online(first + n - 1))
		return -EINVAL;
	return 0;
}

/* The attachment behind valeX:IF; -EINVAL, -ENXIO or -EOPNOTSUPP as spec §7.2 says. */
static int nm_vale_poll_target(const char *name, struct nm_vale_nic **nicp)
{
	struct nm_vale_port *vp;
	int err = nm_vale_find_port(name, &vp);

	if (err)
		return err;
	if (!vp->nic)
		return -EOPNOTSUPP;	/* a VALE port: nothing to poll */
	*nicp = vp->nic;
	return 0;
}

int nm_vale_polling_enable(const char *name, const struct nmreq_vale_polling *req)
{
	bool single = req->nr_mode == NETMAP_POLLING_MODE_SINGLE_CPU;
	struct nm_vale_nic *nic;
	struct nm_vale_poll *poll;
	u32 rings, i, nthreads;
	char tname[32];
	int err;

	err = nm_vale_poll_target(name, &nic);
	if (err)
		return err;
	if (*nm_vale_nic_poll(nic))
		return -EFAULT;		/* Compat: already polling */
	rings = nm_vale_nic_rx_rings(nic);
	err = nm_vale_poll_check(req, rings);
	if (err)
		return err;
	if (rings > NM_VALE_MAX_RINGS) {
		nm_os_log_ratelimited("%s: polling a device with %u RX rings is not supported (a switch port has at most %u)",
				      name, rings, NM_VALE_MAX_RINGS);
		return -EOPNOTSUPP;
	}
	nthreads = single ? 1 : req->nr_num_polling_cpus;
	poll = nm_os_malloc(sizeof(*poll) + nthreads * sizeof(poll->threads[0]));
	if (!poll)
		return -ENOMEM;
	poll->nthreads = nthreads;
	/* Before the threads start: the work must not serve what they serve. */
	if (single)
		nm_vale_nic_set_polled(nic, 0, rings, true);
	else
		nm_vale_nic_set_polled(nic, req->nr_first_cpu_id, nthreads, false);
	for (i = 0; i < nthreads; i++) {
		struct nm_vale_poller *p = &poll->threads[i];

		p->nic = nic;
		p->first = single ? 0 : req->nr_first_cpu_id + i;
		p->n = single ? rings : 1;
		p->host = single;
		snprintf(tname, sizeof(tname), "nm-poll/%u", req->nr_first_cpu_id + i);
		p->thread = nm_os_poller_start(nm_vale_poller_pass, p, req->nr_first_cpu_id + i,
					       tname);
		if (IS_ERR(p->thread)) {
			err = PTR_ERR(p->thread);
			nm_vale_poll_free(poll, i);
			nm_vale_nic_set_polled(nic, 0, 0, false);
			return err;
		}
	}
	*nm_vale_nic_poll(nic) = poll;
	return 0;
}

int nm_vale_polling_disable(const char *name)
{
	struct nm_vale_nic *nic;
	int err = nm_vale_poll_target(name, &nic);

	if (err)
		return err;
	if (!*nm_vale_nic_poll(nic))
		return -EFAULT;		/* Compat: not polling */
	nm_vale_poll_stop(nic);
	return 0;
}
