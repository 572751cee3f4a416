/*
 * tests/guest/nm.h - raw netmap calls for guest tests: NIOCCTRL requests built by hand, so the
 * tests exercise the ABI exactly as any application binary does, with no library in between.
 */
#ifndef NM_TEST_NM_H
#define NM_TEST_NM_H

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <net/netmap_user.h>

#include "../t.h"

#define NMSYS "/sys/class/misc/netmap/"

struct nmport {
	int fd;
	struct nmreq_header hdr;
	struct nmreq_register reg;
	void *mem;
	struct netmap_if *nifp;
};

static inline void nm_hdr_init(struct nmreq_header *h, uint16_t type, const char *name, void *body)
{
	memset(h, 0, sizeof(*h));
	h->nr_version = NETMAP_API;
	h->nr_reqtype = type;
	strncpy(h->nr_name, name, sizeof(h->nr_name) - 1);
	h->nr_body = (uintptr_t)body;
}

/* One NIOCCTRL request on a fresh fd, closed again; 0 or the errno (not negated). */
static inline int nm_ctrl_once(uint16_t type, const char *name, void *body)
{
	struct nmreq_header h;
	int fd = open("/dev/netmap", O_RDWR), err;

	nm_hdr_init(&h, type, name, body);
	err = ioctl(fd, NIOCCTRL, &h) ? errno : 0;
	close(fd);
	return err;
}

/*
 * REGISTER `name` on a new fd (no mmap), with `slots` per ring (0: the port's) in allocator
 * mem_id (0: the port's own).  Returns 0 or -errno; p->fd stays open either way.
 */
static inline int nm_register_in(struct nmport *p, const char *name, uint32_t mode,
				 uint16_t ringid, uint64_t flags, uint32_t slots, uint16_t mem_id)
{
	memset(p, 0, sizeof(*p));
	p->fd = open("/dev/netmap", O_RDWR);
	if (p->fd < 0)
		return -errno;
	nm_hdr_init(&p->hdr, NETMAP_REQ_REGISTER, name, &p->reg);
	p->reg.nr_mode = mode;
	p->reg.nr_ringid = ringid;
	p->reg.nr_flags = flags;
	p->reg.nr_tx_slots = p->reg.nr_rx_slots = slots;
	p->reg.nr_mem_id = mem_id;
	return ioctl(p->fd, NIOCCTRL, &p->hdr) ? -errno : 0;
}

/* REGISTER `name` on a new fd (no mmap).  Returns 0 or -errno; p->fd stays open either way. */
static inline int nm_register(struct nmport *p, const char *name, uint32_t mode, uint16_t ringid,
			      uint64_t flags)
{
	return nm_register_in(p, name, mode, ringid, flags, 0, 0);
}

/* nm_register_in of all NIC rings, then mapped. */
static inline int nm_open_in(struct nmport *p, const char *name, uint64_t flags, uint32_t slots,
			     uint16_t mem_id);

/* The value of `key` on the /proc/netmap_rings line of ring "<port> <ring>"; -1 if absent. */
static inline long nm_ring_counter(const char *port, const char *ring, const char *key)
{
	char want[128];

	snprintf(want, sizeof(want), "%s %s ", port, ring);
	return t_line_value("/proc/netmap_rings", want, key);
}

static inline int nm_map(struct nmport *p)
{
	p->mem = mmap(NULL, p->reg.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (p->mem == MAP_FAILED) {
		p->mem = NULL;
		return -errno;
	}
	p->nifp = NETMAP_IF(p->mem, p->reg.nr_offset);
	return 0;
}

static inline int nm_open_in(struct nmport *p, const char *name, uint64_t flags, uint32_t slots,
			     uint16_t mem_id)
{
	int err = nm_register_in(p, name, NR_REG_ALL_NIC, 0, flags, slots, mem_id);

	return err ? err : nm_map(p);
}

/* Register and map; exits the test on failure, since nothing after it could run. */
static inline void nm_open_or_die(struct nmport *p, const char *name, uint32_t mode,
				  uint16_t ringid, uint64_t flags)
{
	int err = nm_register(p, name, mode, ringid, flags);

	if (!err)
		err = nm_map(p);
	if (err) {
		printf("not ok - open %s: %s\n", name, strerror(-err));
		exit(1);
	}
}

static inline void nm_close(struct nmport *p)
{
	if (p->mem)
		munmap(p->mem, p->reg.nr_memsize);
	if (p->fd >= 0)
		close(p->fd);
	p->mem = NULL;
	p->fd = -1;
}

#endif /* NM_TEST_NM_H */
