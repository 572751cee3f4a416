/*
 * tests/guest/mem_usage.c - /proc/netmap_mem, where operators see how full each allocator is:
 * one line per allocator, "<id> <global|private>" and name-value pairs (refs, active, memsize,
 * buf_size, and per pool if/ring/buf: _total, _free, _failures).  The test opens a pipe in the
 * global allocator (nr_mem_id 1) and a VALE port in its private one, checks the buffers they
 * take show up as used, then asks a pipe of the VALE port for more extra buffers than its region
 * holds and checks the shortage is counted in buf_failures - the pool running out, which users
 * otherwise only meet as ENOMEM.
 */
#include "nm.h"

#define PROC_MEM "/proc/netmap_mem"

/* The value of key on allocator mem_id's line; -1 if the line or the key is absent. */
static long mem_value(uint16_t mem_id, const char *key)
{
	char want[32], k[40];

	snprintf(want, sizeof(want), "%u %s ", mem_id, mem_id == 1 ? "global" : "private");
	snprintf(k, sizeof(k), " %s", key);	/* a whole key: " buf_free", not "...buf_free" */
	return t_line_value(PROC_MEM, want, k);
}

static long bufs_used(uint16_t mem_id)
{
	return mem_value(mem_id, "buf_total") - mem_value(mem_id, "buf_free");
}

/* REGISTER of `name` in allocator mem_id with `extra` extra buffers; 0 or -errno. */
static int register_extra(struct nmport *p, const char *name, uint32_t extra, uint16_t mem_id)
{
	memset(p, 0, sizeof(*p));
	p->fd = open("/dev/netmap", O_RDWR);
	if (p->fd < 0)
		return -errno;
	nm_hdr_init(&p->hdr, NETMAP_REQ_REGISTER, name, &p->reg);
	p->reg.nr_mode = NR_REG_ALL_NIC;
	p->reg.nr_extra_bufs = extra;
	p->reg.nr_mem_id = mem_id;
	return ioctl(p->fd, NIOCCTRL, &p->hdr) ? -errno : 0;
}

int main(void)
{
	struct nmport a, b, v, big;
	long used0, used1, fail0, total;
	int err;
	uint16_t vid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ok(mem_value(1, "refs") >= 1 && mem_value(1, "active") == 0 &&
	   mem_value(1, "buf_failures") == 0,
	   "the global allocator is listed, unused (refs %ld, active %ld)", mem_value(1, "refs"),
	   mem_value(1, "active"));

	ok(nm_open_in(&a, "mu{1", 0, 0, 1) == 0 && a.reg.nr_mem_id == 1,
	   "a pipe end in the global allocator");
	used0 = bufs_used(1);
	ok(mem_value(1, "active") >= 1 && mem_value(1, "buf_size") == 2048 &&
	   mem_value(1, "memsize") == (long)a.reg.nr_memsize && used0 > 2,
	   "a pipe end activates it: memsize %ld as REGISTER said, %ld buffers in use",
	   mem_value(1, "memsize"), used0);
	ok(register_extra(&b, "mu}1", 100, 1) == 0 && b.reg.nr_extra_bufs == 100,
	   "the other end with 100 extra buffers");
	used1 = bufs_used(1);
	ok(used1 - used0 == 100, "its 100 extra buffers count as used (%ld more; the pipe's rings "
	   "came with the first end)", used1 - used0);
	nm_close(&b);
	ok(bufs_used(1) == used0, "closing it gives them back (%ld in use)", bufs_used(1));

	nm_open_or_die(&v, "vale0:mu", NR_REG_ALL_NIC, 0, 0);
	vid = v.reg.nr_mem_id;
	ok(vid != 1 && mem_value(vid, "active") == 1 && bufs_used(vid) > 2 &&
	   mem_value(vid, "ring_total") - mem_value(vid, "ring_free") == 2 &&
	   mem_value(vid, "if_total") - mem_value(vid, "if_free") == 1,
	   "a VALE port's private allocator %u: its 2 rings, 1 netmap_if and buffers in use", vid);

	/*
	 * One file takes at most max_extra_bufs from the global region, but a pipe of the VALE
	 * port lives in the port's region, sized for the port: asking there for more extra
	 * buffers than it holds runs it out.
	 */
	fail0 = mem_value(vid, "buf_failures");
	total = mem_value(vid, "buf_total");
	err = register_extra(&big, "vale0:mu{1", (uint32_t)total, 0);
	ok(err == 0 && big.reg.nr_mem_id == vid && big.reg.nr_extra_bufs < total,
	   "asking for all %ld buffers of allocator %u as extra buffers gets fewer (%u)", total,
	   vid, big.reg.nr_extra_bufs);
	ok(mem_value(vid, "buf_failures") == fail0 + 1 && mem_value(vid, "buf_free") == 0,
	   "the shortage is counted in buf_failures (%ld), no buffer is left",
	   mem_value(vid, "buf_failures"));
	ok(mem_value(1, "buf_failures") == 0, "the global allocator's count did not move");
	nm_close(&big);
	nm_close(&v);
	ok(mem_value(vid, "refs") == -1, "the VALE port's allocator goes with the port");
	nm_close(&a);
	ok(mem_value(1, "active") == 0 && bufs_used(1) == 0,
	   "all closed: the global allocator is inactive and holds no objects");
	return t_exit();
}
