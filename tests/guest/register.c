/*
 * REGISTER in every mode the core supports today (pipes, null ports), the region mapped and walked
 * exactly as an application walks it, the info requests, the legacy NIOCREGIF, and what an
 * unbound or already bound fd refuses (spec §1.2, §3, §5.5-§5.8, §5.12).
 */
#include "nm.h"

static void walk_region(struct nmport *p, const char *what)
{
	struct netmap_if *nifp = p->nifp;
	uint32_t t, bad = 0, rings = 0;

	for (t = 0; t < nifp->ni_tx_rings + nifp->ni_host_tx_rings + nifp->ni_rx_rings +
		    nifp->ni_host_rx_rings; t++) {
		struct netmap_ring *ring;
		uint32_t i;

		if (!nifp->ring_ofs[t])
			continue;
		ring = (struct netmap_ring *)((char *)nifp + nifp->ring_ofs[t]);
		rings++;
		if ((char *)ring < (char *)p->mem ||
		    (char *)ring + 256 + 16 * ring->num_slots > (char *)p->mem + p->reg.nr_memsize)
			bad++;
		for (i = 0; i < ring->num_slots; i++) {
			char *buf = NETMAP_BUF(ring, ring->slot[i].buf_idx);

			if (buf < (char *)p->mem ||
			    buf + ring->nr_buf_size > (char *)p->mem + p->reg.nr_memsize)
				bad++;
			else
				buf[0] = buf[0];	/* touch it: the page must be mapped */
		}
	}
	ok(rings > 0 && bad == 0, "%s: %u rings, every ring and buffer inside the mapping", what, rings);
}

static void test_pipe_modes(void)
{
	struct nmport p, q;
	int err;

	nm_open_or_die(&p, "reg{1", NR_REG_ALL_NIC, 0, 0);
	ok(p.reg.nr_tx_rings == 1 && p.reg.nr_rx_rings == 1 && p.reg.nr_tx_slots == 1024 &&
	   p.reg.nr_host_tx_rings == 0 && p.reg.nr_mem_id > 1 && p.reg.nr_memsize == 42369024,
	   "pipe ALL_NIC: reply geometry (1x1024, private region of 42369024 bytes)");
	ok(p.reg.nr_mode == NR_REG_ALL_NIC && p.reg.nr_flags == 0 && p.reg.nr_ringid == 0,
	   "reply leaves nr_mode, nr_ringid, nr_flags as sent");
	ok(strcmp(p.nifp->ni_name, "reg{1") == 0 && p.nifp->ni_flags == NI_PRIV_MEM &&
	   p.nifp->ni_host_tx_rings == 1 && p.nifp->ring_ofs[1] == 0,
	   "netmap_if: name, NI_PRIV_MEM, placeholder host ring entry");
	walk_region(&p, "pipe master");
	err = ioctl(p.fd, NIOCCTRL, &p.hdr);
	ok(err == -1 && errno == EBUSY, "second REGISTER on a bound fd: EBUSY");
	ok(ioctl(p.fd, NIOCTXSYNC) == 0 && ioctl(p.fd, NIOCRXSYNC) == 0, "sync ioctls on a bound fd");
	{
		void *m = mmap(NULL, p.reg.nr_memsize + 4096, PROT_READ, MAP_SHARED, p.fd, 0);

		ok(m == MAP_FAILED && errno == EINVAL, "mmap beyond nr_memsize: EINVAL");
		m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, p.fd, p.reg.nr_memsize - 4096);
		ok(m != MAP_FAILED, "mmap of the last page alone");
		if (m != MAP_FAILED)
			munmap(m, 4096);
	}

	nm_open_or_die(&q, "reg}1", NR_REG_ONE_NIC, 0, 0);
	ok(q.reg.nr_mem_id == p.reg.nr_mem_id, "pipe slave ONE_NIC 0 shares the master's region");
	walk_region(&q, "pipe slave");
	nm_close(&q);
	ok(nm_register(&q, "reg}1", NR_REG_ONE_NIC, 1, 0) == -EINVAL, "ONE_NIC 1 on a 1-ring pipe: EINVAL");
	nm_close(&q);
	ok(nm_register(&q, "reg}1", NR_REG_SW, 0, 0) == -EINVAL, "SW on a pipe (no host rings): EINVAL");
	nm_close(&q);
	ok(nm_register(&q, "reg}1", NR_REG_DEFAULT, 0, 0) == -EINVAL, "NR_REG_DEFAULT on NIOCCTRL: EINVAL");
	nm_close(&q);
	ok(nm_register(&q, "reg}1", NR_REG_PIPE_MASTER, 0, 0) == -EINVAL,
	   "NR_REG_PIPE_MASTER on NIOCCTRL: EINVAL");
	nm_close(&q);
	nm_open_or_die(&q, "reg}1", NR_REG_ALL_NIC, 0, NR_TX_RINGS_ONLY);
	ok(q.nifp->ring_ofs[0] != 0 && q.nifp->ring_ofs[2] == 0, "TX_RINGS_ONLY: no RX ring bound");
	nm_close(&q);
	nm_open_or_die(&q, "reg}1", NR_REG_ALL_NIC, 0, NR_TX_RINGS_ONLY | NR_RX_RINGS_ONLY);
	ok(q.nifp->ring_ofs[0] == 0 && q.nifp->ring_ofs[2] == 0, "both *_RINGS_ONLY: nothing bound, legal");
	nm_close(&q);
	nm_close(&p);

	ok(nm_register(&p, "multi{2", NR_REG_ALL_NIC, 0, 0) == 0, "pipe with default geometry");
	nm_close(&p);
	memset(&p, 0, sizeof(p));
	p.fd = open("/dev/netmap", O_RDWR);
	nm_hdr_init(&p.hdr, NETMAP_REQ_REGISTER, "multi{3", &p.reg);
	p.reg.nr_mode = NR_REG_ONE_NIC;
	p.reg.nr_ringid = 2;
	p.reg.nr_tx_rings = 4;
	p.reg.nr_rx_rings = 3;
	p.reg.nr_tx_slots = 256;
	ok(ioctl(p.fd, NIOCCTRL, &p.hdr) == 0 && p.reg.nr_tx_rings == 4 && p.reg.nr_rx_rings == 3 &&
	   p.reg.nr_tx_slots == 256 && nm_map(&p) == 0, "pipe with 4 TX / 3 RX rings of 256 slots, ONE_NIC 2");
	if (p.nifp) {
		ok(p.nifp->ring_ofs[2] != 0 && p.nifp->ring_ofs[0] == 0 && p.nifp->ring_ofs[3] == 0 &&
		   p.nifp->ring_ofs[4 + 1 + 2] != 0, "ONE_NIC 2 binds exactly TX ring 2 and RX ring 2");
		ok(NETMAP_TXRING(p.nifp, 2)->ringid == 2 && NETMAP_RXRING(p.nifp, 2)->ringid == 2,
		   "ring ids");
	}
	nm_close(&p);
}

static void test_null(void)
{
	struct nmport p;

	ok(nm_register(&p, "nothing", NR_REG_NULL, 0, 0) == -EINVAL, "null port without mem id: EINVAL");
	nm_close(&p);
	memset(&p, 0, sizeof(p));
	p.fd = open("/dev/netmap", O_RDWR);
	nm_hdr_init(&p.hdr, NETMAP_REQ_REGISTER, "nothing", &p.reg);
	p.reg.nr_mode = NR_REG_NULL;
	p.reg.nr_mem_id = 1;
	p.reg.nr_tx_rings = 2;
	p.reg.nr_tx_slots = 64;
	ok(ioctl(p.fd, NIOCCTRL, &p.hdr) == 0 && p.reg.nr_mem_id == 1 && p.reg.nr_tx_rings == 2 &&
	   p.reg.nr_rx_rings == 0 && p.reg.nr_memsize == 343019520,
	   "null port in the global region: exactly the requested rings; memsize 343019520");
	ok(nm_map(&p) == 0 && strcmp(p.nifp->ni_name, "null:nothing") == 0 && p.nifp->ni_flags == 0,
	   "null port: named null:nothing, global region");
	if (p.nifp) {
		walk_region(&p, "null port");
		ok(ioctl(p.fd, NIOCTXSYNC) == 0 && ioctl(p.fd, NIOCRXSYNC) == 0, "null port syncs succeed");
	}
	ok(t_read_long("/sys/module/netmap/parameters/buf_curr_num") == 163840,
	   "buf_curr_num shows the global pool in use (163840)");
	nm_close(&p);
}

static void test_info(void)
{
	struct nmreq_header h;
	struct nmreq_port_info_get info;
	struct nmreq_pools_info pools;
	int fd = open("/dev/netmap", O_RDWR);

	memset(&info, 0, sizeof(info));
	nm_hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, "", &info);
	ok(ioctl(fd, NIOCCTRL, &h) == 0 && info.nr_mem_id == 1 && info.nr_memsize == 343019520,
	   "PORT_INFO_GET with an empty name: global memory 343019520");
	info.nr_mem_id = 999;
	ok(ioctl(fd, NIOCCTRL, &h) == -1 && errno == EINVAL, "PORT_INFO_GET, unknown mem id: EINVAL");
	memset(&info, 0, sizeof(info));
	nm_hdr_init(&h, NETMAP_REQ_PORT_INFO_GET, "info{0", &info);
	ok(ioctl(fd, NIOCCTRL, &h) == 0 && info.nr_tx_rings == 1 && info.nr_tx_slots == 1024 &&
	   info.nr_memsize == 42369024 && info.nr_host_tx_rings == 0,
	   "PORT_INFO_GET on a pipe: geometry without binding");
	memset(&pools, 0, sizeof(pools));
	nm_hdr_init(&h, NETMAP_REQ_POOLS_INFO_GET, "info{0", &pools);
	ok(ioctl(fd, NIOCCTRL, &h) == 0 && pools.nr_if_pool_offset == 0 &&
	   pools.nr_if_pool_objtotal == 12 && pools.nr_ring_pool_offset == 12288 &&
	   pools.nr_ring_pool_objtotal == 20 && pools.nr_buf_pool_offset == 421888 &&
	   pools.nr_buf_pool_objtotal == 20482 && pools.nr_buf_pool_objsize == 2048,
	   "POOLS_INFO_GET: the spec's default VALE-sized layout");
	nm_hdr_init(&h, NETMAP_REQ_POOLS_INFO_GET, "", &pools);
	ok(ioctl(fd, NIOCCTRL, &h) == -1 && errno == ENXIO, "POOLS_INFO_GET with an empty name: ENXIO");
	{
		struct nmreq_port_hdr ph = { 0 };

		nm_hdr_init(&h, NETMAP_REQ_PORT_HDR_GET, "nopipe{9", &ph);
		ok(ioctl(fd, NIOCCTRL, &h) == -1 && errno == ENODEV,
		   "PORT_HDR_GET on a pipe that does not exist: ENODEV");
	}
	nm_hdr_init(&h, NETMAP_REQ_REGISTER, "eth99", NULL);
	ok(ioctl(fd, NIOCCTRL, &h) == -1 && errno == EINVAL, "REGISTER without a body: EINVAL");
	close(fd);
}

static void test_legacy(void)
{
	struct nmreq req;
	int fd = open("/dev/netmap", O_RDWR);
	void *mem;

	memset(&req, 0, sizeof(req));
	strcpy(req.nr_name, "leg");
	req.nr_version = 16;	/* anything >= 14 is taken as 14 */
	req.nr_flags = NR_REG_PIPE_MASTER;
	req.nr_ringid = 5;	/* pipe id 5: "leg{5" */
	ok(ioctl(fd, NIOCREGIF, &req) == 0 && req.nr_tx_rings == 1 && req.nr_tx_slots == 1024 &&
	   req.nr_arg2 > 1 && req.nr_memsize == 42369024, "legacy NIOCREGIF of pipe master leg{5");
	ok(req.nr_ringid == 5 && req.nr_flags == NR_REG_PIPE_MASTER,
	   "legacy: nr_ringid and nr_flags are never written back");
	mem = mmap(NULL, req.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ok(mem != MAP_FAILED && strcmp(NETMAP_IF(mem, req.nr_offset)->ni_name, "leg{5") == 0,
	   "legacy: the netmap_if names the pipe leg{5");
	if (mem != MAP_FAILED)
		munmap(mem, req.nr_memsize);
	close(fd);
	fd = open("/dev/netmap", O_RDWR);
	req.nr_version = 13;
	ok(ioctl(fd, NIOCREGIF, &req) == -1 && errno == EINVAL, "legacy version 13: EINVAL");
	close(fd);
}

/* Extra buffers (spec §5.6): a chain through the first 4 bytes, freed at close. */
static void test_extra_and_exclusive(void)
{
	struct nmport p, q;
	struct netmap_ring *r;
	uint32_t idx, n = 0, inside = 1;

	memset(&p, 0, sizeof(p));
	p.fd = open("/dev/netmap", O_RDWR);
	nm_hdr_init(&p.hdr, NETMAP_REQ_REGISTER, "xb{1", &p.reg);
	p.reg.nr_mode = NR_REG_ALL_NIC;
	p.reg.nr_extra_bufs = 200;
	ok(ioctl(p.fd, NIOCCTRL, &p.hdr) == 0 && p.reg.nr_extra_bufs == 200 && nm_map(&p) == 0,
	   "REGISTER with 200 extra buffers: 200 granted");
	r = NETMAP_TXRING(p.nifp, 0);
	for (idx = p.nifp->ni_bufs_head; idx && n < 1000; n++) {
		char *buf = NETMAP_BUF(r, idx);

		inside &= buf >= (char *)p.mem && buf + r->nr_buf_size <= (char *)p.mem + p.reg.nr_memsize;
		idx = *(uint32_t *)buf;
	}
	ok(n == 200 && inside, "the chain from ni_bufs_head has 200 buffers inside the region, ending in 0");
	/* Swap one extra buffer into a slot, as applications do, keeping the list consistent. */
	{
		uint32_t head = p.nifp->ni_bufs_head, next = *(uint32_t *)NETMAP_BUF(r, head);

		*(uint32_t *)NETMAP_BUF(r, r->slot[0].buf_idx) = next;
		p.nifp->ni_bufs_head = r->slot[0].buf_idx;
		r->slot[0].buf_idx = head;
		r->slot[0].flags = NS_BUF_CHANGED;
		ok(ioctl(p.fd, NIOCTXSYNC) == 0, "a slot swapped with an extra buffer syncs");
	}

	ok(nm_register(&q, "xb{1", NR_REG_ALL_NIC, 0, NR_EXCLUSIVE) == -EBUSY,
	   "NR_EXCLUSIVE on rings another fd holds: EBUSY");
	nm_close(&q);
	nm_close(&p);
	ok(nm_register(&p, "xb{1", NR_REG_ALL_NIC, 0, NR_EXCLUSIVE) == 0, "NR_EXCLUSIVE once they are free");
	ok(nm_register(&q, "xb{1", NR_REG_ALL_NIC, 0, 0) == -EBUSY, "then a second fd: EBUSY");
	nm_close(&q);
	nm_close(&p);
	ok(nm_register(&q, "xb{1", NR_REG_ALL_NIC, 0, 0) == 0, "the exclusive mark goes with its fd");
	nm_close(&q);
}

static void test_unbound(void)
{
	int fd = open("/dev/netmap", O_RDWR);

	ok_errno(ioctl(fd, NIOCTXSYNC), ENXIO, "NIOCTXSYNC before REGISTER");
	ok_errno(ioctl(fd, NIOCRXSYNC), ENXIO, "NIOCRXSYNC before REGISTER");
	ok(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EINVAL,
	   "mmap before REGISTER: EINVAL");
	ok_errno(ioctl(fd, NIOCCTRL, NULL), EINVAL, "NIOCCTRL with a NULL argument");
	ok_errno(ioctl(fd, NIOCCTRL, (void *)16), EFAULT, "NIOCCTRL with an unmapped argument");
	close(fd);
}

int main(void)
{
	test_pipe_modes();
	test_null();
	test_info();
	test_legacy();
	test_extra_and_exclusive();
	test_unbound();
	return t_exit();
}
