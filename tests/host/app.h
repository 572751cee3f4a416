/*
 * tests/host/app.h - an "application" for host tests of the core: REGISTER through the same
 * handler the ioctl uses, a contiguous mapping of the region built like the kernel's mmap, and
 * helpers to write and check frames through the pointers an application computes.
 */
#ifndef NM_HOST_APP_H
#define NM_HOST_APP_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "file.h"
#include "params.h"
#include "port.h"
#include "vale.h"
#include "os_user.h"
#include "../../include/net/netmap_user.h"

/* A bound "application": its file state and where it finds its netmap_if. */
struct app {
	struct nm_file *nf;
	struct netmap_if *nifp;
	struct nmreq_register reg;
	char *map;		/* the application's view of the region */
	size_t map_size;
};

static inline int map_piece(void *arg, u64 ofs, void *kaddr, u64 len)
{
	return nm_os_user_map(kaddr, len, (char *)arg + ofs);
}

/* mmap(NULL, nr_memsize, ...) as an application does it: one contiguous view of the region. */
static inline void app_map(struct app *a)
{
	struct nm_mem *mem = nm_file_mem(a->nf);

	a->map_size = nm_mem_size(mem);
	a->map = mmap(NULL, a->map_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->map == MAP_FAILED || nm_mem_map_range(mem, 0, a->map_size, map_piece, a->map)) {
		fprintf(stderr, "cannot map the region\n");
		exit(2);
	}
	a->nifp = NETMAP_IF(a->map, a->reg.nr_offset);
}

/* REGISTER `name` with the body `reg` (mode, flags, geometry...), then map the region.  Not
 * thread-safe: tests open ports from their main thread. */
static inline int app_open_reg(struct app *a, const char *name, const struct nmreq_register *reg)
{
	static struct nm_ctrl_req req;
	int err;

	memset(a, 0, sizeof(*a));
	memset(&req, 0, sizeof(req));
	a->nf = nm_file_new();
	a->reg = *reg;
	strscpy(req.hdr.nr_name, name, sizeof(req.hdr.nr_name));
	req.hdr.nr_version = NETMAP_API;
	req.hdr.nr_reqtype = NETMAP_REQ_REGISTER;
	req.body = &a->reg;
	req.body_size = sizeof(a->reg);
	nm_os_ctrl_lock();
	err = nm_file_register(a->nf, &req);
	if (!err)
		nm_file_register_commit(a->nf);
	nm_os_ctrl_unlock();
	if (!err)
		app_map(a);
	return err;
}

static inline int app_open(struct app *a, const char *name, u32 mode, u32 ringid, u64 flags,
			   u16 mem_id, u32 extra)
{
	struct nmreq_register reg = {
		.nr_mode = mode, .nr_ringid = ringid, .nr_flags = flags,
		.nr_mem_id = mem_id, .nr_extra_bufs = extra,
	};

	return app_open_reg(a, name, &reg);
}

/*
 * What module init and exit do for the core, in a host test's main: parameters at their defaults,
 * the global allocator, the switches, the core's port providers.
 */
static inline int app_core_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	nm_params_reset();
	if (nm_mem_global_init())
		return -ENOMEM;
	nm_vale_init();
	nm_ports_init();
	return 0;
}

static inline void app_core_fini(void)
{
	nm_ports_fini();
	nm_vale_fini();
	nm_mem_global_fini();
}

/*
 * A control request as the decoder runs it, without user memory: the handler, then the finish of a
 * two-phase request.  write_back_err stands for the result of the write-back in between (0, or
 * -EFAULT for a reply that could not be written).
 */
static inline int app_request_wb(u16 type, const char *name, void *body, int write_back_err)
{
	static struct nm_ctrl_req req;
	int err;

	memset(&req, 0, sizeof(req));
	strscpy(req.hdr.nr_name, name, sizeof(req.hdr.nr_name));
	req.hdr.nr_version = NETMAP_API;
	req.hdr.nr_reqtype = type;
	req.body = body;
	err = nm_requests.handler[type](NULL, &req);
	if (!err && nm_requests.finish[type])
		err = nm_requests.finish[type](NULL, &req, write_back_err);
	return err;
}

static inline int app_request(u16 type, const char *name, void *body)
{
	return app_request_wb(type, name, body, 0);
}

static inline void app_close(struct app *a)
{
	nm_file_release(a->nf);
	a->nf = NULL;
	if (a->map)
		munmap(a->map, a->map_size);
	a->map = NULL;
}

/* Writes one frame of `len` bytes filled with `seed` at the ring's cur; advances head and cur. */
static inline void tx_frame(struct netmap_ring *ring, u32 len, u8 seed, u16 flags)
{
	struct netmap_slot *slot = &ring->slot[ring->cur];

	memset(NETMAP_BUF(ring, slot->buf_idx), seed, len);
	slot->len = len;
	slot->flags = flags;
	ring->head = ring->cur = nm_ring_next(ring, ring->cur);
}

static inline bool frame_is(struct netmap_ring *ring, u32 i, u32 len, u8 seed)
{
	const u8 *buf = (const u8 *)NETMAP_BUF(ring, ring->slot[i].buf_idx);
	u32 k;

	if (ring->slot[i].len != len)
		return false;
	for (k = 0; k < len; k++)
		if (buf[k] != seed)
			return false;
	return true;
}

#endif /* NM_HOST_APP_H */
