/*
 * tests/host/ctrl_fakes.h - the fake request handlers shared by test_ctrl.c (the NIOCCTRL decoder)
 * and test_ctrl_legacy.c (the legacy NIOCREGIF/NIOCGINFO translation).  The fake handler records
 * what it saw and does what each case asks (consume options, fail, edit the name or the body);
 * every ioctl a test makes is followed by leak_check() against nm_os_live_objects().  Each test
 * program is its own executable, so the state here is per program.
 */
#ifndef NM_HOST_CTRL_FAKES_H
#define NM_HOST_CTRL_FAKES_H

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ctrl.h"

#define UPTR(p) ((u64)(uintptr_t)(p))

static long baseline;
static int leaks;

/* ---- the fake handler: configuration and what it saw ---- */

static struct {
	int ret;				/* what the handler returns */
	int consume[NETMAP_REQ_OPT_MAX];	/* status to give options of a known type, -1: leave */
	const char *set_name;			/* written into req->hdr.nr_name */
	bool fill_reply;			/* write reply values into the body (see fill_reply) */
	bool scribble_hdr;			/* damage req->hdr pointers and version */
	u64 opt_body_marker;			/* written into consumed known option bodies */
} cfg;

#define MAX_SEEN 8
static struct {
	int calls;
	void *owner;
	struct nmreq_header hdr;
	bool body_null;
	size_t body_size;
	unsigned char body[64];
	unsigned int nopts;
	struct nm_ctrl_opt opts[MAX_SEEN];
	struct nmreq_option opt_hdr[MAX_SEEN];	/* kernel headers at dispatch time */
	u64 opt_body0[MAX_SEEN];		/* first 8 body bytes, if any */
	bool by_type_ok;			/* by_type[] matches the option list */
} seen;

static int undo_calls, commit_calls;
static void *undo_owner, *commit_owner;
static int owner_token;

static inline void reset_fake(void)
{
	int i;

	memset(&cfg, 0, sizeof(cfg));
	for (i = 0; i < NETMAP_REQ_OPT_MAX; i++)
		cfg.consume[i] = -1;
	memset(&seen, 0, sizeof(seen));
	undo_calls = commit_calls = 0;
	undo_owner = commit_owner = NULL;
}

static inline void fill_reply(u16 type, void *body)
{
	struct nmreq_register *reg = body;
	struct nmreq_port_info_get *info = body;
	struct nmreq_vale_list *list = body;
	struct nmreq_vale_newif *newif = body;

	switch (type) {
	case NETMAP_REQ_REGISTER:
		reg->nr_offset = 0x1000;
		reg->nr_memsize = 0x123456789ULL;	/* > 4 GiB: legacy truncates */
		reg->nr_tx_slots = 1024;
		reg->nr_rx_slots = 512;
		reg->nr_tx_rings = 4;
		reg->nr_rx_rings = 2;
		reg->nr_mem_id = 7;
		reg->nr_extra_bufs = 3;
		reg->nr_ringid = 0xabc;			/* legacy must not report these */
		reg->nr_flags = 0xf0000000;
		break;
	case NETMAP_REQ_PORT_INFO_GET:
		info->nr_memsize = 0x200001234ULL;
		info->nr_tx_slots = 256;
		info->nr_rx_slots = 128;
		info->nr_tx_rings = 8;
		info->nr_rx_rings = 6;
		info->nr_mem_id = 2;
		break;
	case NETMAP_REQ_VALE_ATTACH:
		((struct nmreq_vale_attach *)body)->port_index = 5;
		break;
	case NETMAP_REQ_VALE_LIST:
		list->nr_bridge_idx = 3;
		list->nr_port_idx = 0x10009;
		break;
	case NETMAP_REQ_PORT_HDR_GET:
		((struct nmreq_port_hdr *)body)->nr_hdr_len = 12;
		break;
	case NETMAP_REQ_VALE_NEWIF:
		newif->nr_tx_slots = 2048;
		newif->nr_rx_slots = 1536;
		newif->nr_tx_rings = 3;
		newif->nr_rx_rings = 5;
		newif->nr_mem_id = 9;
		break;
	}
}

static inline void record_options(struct nm_ctrl_req *req)
{
	unsigned int i;

	seen.by_type_ok = true;
	for (i = 0; i < req->nopts; i++) {
		struct nmreq_option *opt = req->opts[i].opt;
		u32 t = opt->nro_reqtype;

		if (i < MAX_SEEN) {
			seen.opts[i] = req->opts[i];
			seen.opt_hdr[i] = *opt;
			if (req->opts[i].size >= sizeof(*opt) + 8)
				memcpy(&seen.opt_body0[i], opt + 1, 8);
		}
		if (t > 0 && t < NETMAP_REQ_OPT_MAX && req->by_type[t] != opt)
			seen.by_type_ok = false;
	}
}

static inline void consume_options(struct nm_ctrl_req *req)
{
	unsigned int i;

	for (i = 0; i < req->nopts; i++) {
		struct nmreq_option *opt = req->opts[i].opt;
		u32 t = opt->nro_reqtype;
		int st = t < NETMAP_REQ_OPT_MAX ? cfg.consume[t] : -1;	/* unknown: never */

		if (st < 0)
			continue;
		opt->nro_status = st;
		if (cfg.opt_body_marker && t < NETMAP_REQ_OPT_MAX && req->opts[i].size >= 32)
			memcpy(opt + 1, &cfg.opt_body_marker, 8);
	}
}

static inline int fake_handler(void *owner, struct nm_ctrl_req *req)
{
	seen.calls++;
	seen.owner = owner;
	seen.hdr = req->hdr;
	seen.body_null = req->body == NULL;
	seen.body_size = req->body_size;
	if (req->body && req->body_size <= sizeof(seen.body))
		memcpy(seen.body, req->body, req->body_size);
	seen.nopts = req->nopts;
	record_options(req);
	consume_options(req);
	if (cfg.set_name) {	/* like strncpy: a 64-character name leaves no NUL */
		memset(req->hdr.nr_name, 0, sizeof(req->hdr.nr_name));
		memcpy(req->hdr.nr_name, cfg.set_name,
		       strnlen(cfg.set_name, sizeof(req->hdr.nr_name)));
	}
	if (cfg.scribble_hdr) {
		req->hdr.nr_options = 0xbad;
		req->hdr.nr_body = 0xbad;
		req->hdr.nr_version = 99;
	}
	if (cfg.fill_reply && req->body)
		fill_reply(req->hdr.nr_reqtype, req->body);
	return cfg.ret;
}

/* REGISTER's finish: counts commits (err == 0) and undos, and keeps the result. */
static inline int fake_finish(void *owner, struct nm_ctrl_req *req, int err)
{
	(void)req;
	if (err) {
		undo_calls++;
		undo_owner = owner;
	} else {
		commit_calls++;
		commit_owner = owner;
	}
	return err;
}

static struct nm_ctrl_ops ops;

static inline void ops_all(void)
{
	int i;

	for (i = 1; i <= NETMAP_REQ_CSB_ENABLE; i++)
		ops.handler[i] = fake_handler;
	ops.finish[NETMAP_REQ_REGISTER] = fake_finish;
}

/* ---- leak accounting and user memory ---- */

static inline void leak_check(void)
{
	if (nm_os_live_objects() != baseline)
		leaks++;
}

/* A page followed by an inaccessible one: returns the first byte past the accessible page. */
static inline char *guarded_end(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	mprotect(p + pg, pg, PROT_NONE);
	return p + pg;
}

#endif /* NM_HOST_CTRL_FAKES_H */
