/*
 * Extra buffers (spec §5.6) on a device port, which lives in the global allocator (mem id 1)
 * shared by every device: one fd asking for nr_extra_bufs = 1000000 must get at most the per-file
 * cap, the module parameter max_extra_bufs, so that it cannot take every buffer other ports need.
 * The reply's nr_extra_bufs says how many were granted, and the list from nifp->ni_bufs_head
 * (each buffer's first 4 bytes: the next index, 0 ends it) holds exactly that many distinct
 * buffers of the region.  While they are held, and after the fd is closed, another device port
 * still gets its rings.
 */
#include "generic.h"

#define A "eb0"
#define B "eb1"
#define WANT		1000000	/* extra buffers asked for */
#define PARAM		"/sys/module/netmap/parameters/max_extra_bufs"

/* Walks the list; returns its length, or -1 if an index is outside the region or repeats. */
static long walk(struct nmport *p, uint32_t head, uint32_t total, uint32_t *bad_idx)
{
	struct netmap_ring *r = NETMAP_TXRING(p->nifp, 0);
	uint8_t *seen = calloc(total, 1);
	uint32_t idx = head;
	long n = 0;

	while (idx != 0) {
		if (idx < 2 || idx >= total || seen[idx]) {
			*bad_idx = idx;
			free(seen);
			return -1;
		}
		seen[idx] = 1;
		n++;
		idx = *(volatile uint32_t *)NETMAP_BUF(r, idx);
	}
	free(seen);
	return n;
}

static uint32_t buf_total(struct nmport *p)
{
	struct nmreq_header h;
	struct nmreq_pools_info pools;

	memset(&pools, 0, sizeof(pools));
	nm_hdr_init(&h, NETMAP_REQ_POOLS_INFO_GET, A, &pools);
	if (ioctl(p->fd, NIOCCTRL, &h))
		return 0;
	return pools.nr_buf_pool_objtotal;
}

int main(void)
{
	struct nmport p, q;
	long cap = t_read_long(PARAM), len;
	uint32_t granted, total, bad_idx = 0;
	int err;

	ok(cap >= 0, "module parameter max_extra_bufs exists (%s: %ld)", PARAM, cap);
	if (veth_pair(A, B, NULL)) {
		ok(0, "create veth pair " A "/" B);
		return t_exit();
	}
	memset(&p, 0, sizeof(p));
	p.fd = open("/dev/netmap", O_RDWR);
	nm_hdr_init(&p.hdr, NETMAP_REQ_REGISTER, A, &p.reg);
	p.reg.nr_mode = NR_REG_ALL_NIC;
	p.reg.nr_extra_bufs = WANT;
	err = ioctl(p.fd, NIOCCTRL, &p.hdr) ? -errno : 0;
	if (!err)
		err = nm_map(&p);
	if (err) {
		ok(0, "REGISTER " A " with %u extra buffers (%s)", WANT, strerror(-err));
		return t_exit();
	}
	granted = p.reg.nr_extra_bufs;
	total = buf_total(&p);
	ok(p.reg.nr_mem_id == 1, "the port is in the global allocator (mem id %u)", p.reg.nr_mem_id);
	ok(granted > 0 && granted <= WANT, "%u extra buffers granted of %u asked", granted, WANT);
	ok(cap >= 0 && granted <= (uint32_t)cap, "at most max_extra_bufs (%ld) granted (%u)", cap,
	   granted);
	ok(p.nifp->ni_bufs_head != 0, "ni_bufs_head is set (%u)", p.nifp->ni_bufs_head);
	len = walk(&p, p.nifp->ni_bufs_head, total, &bad_idx);
	ok(len == (long)granted, "the list from ni_bufs_head holds exactly %u distinct buffers of the region (%ld%s)",
	   granted, len, len < 0 ? ", a bad or repeated index" : "");
	if (len < 0)
		printf("# bad index %u (region has %u buffers)\n", bad_idx, total);

	err = nm_register(&q, B, NR_REG_ALL_NIC, 0, 0);
	ok(err == 0, "while they are held, another device port (" B ") gets its rings (%s)",
	   err ? strerror(-err) : "0");
	nm_close(&q);
	nm_close(&p);

	err = nm_register(&q, B, NR_REG_ALL_NIC, 0, 0);
	ok(err == 0, "after the close, " B " gets its rings (%s)", err ? strerror(-err) : "0");
	if (!err) {
		err = nm_register(&p, A, NR_REG_ALL_NIC, 0, 0);
		ok(err == 0 && ioctl(q.fd, NIOCTXSYNC) == 0, "and so does " A " (%s)",
		   err ? strerror(-err) : "0");
		nm_close(&p);
	}
	nm_close(&q);
	sh("/sbin/ip link del " A);
	return t_exit();
}
