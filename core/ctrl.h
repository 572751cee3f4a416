/*
 * core/ctrl.h - the NIOCCTRL request decoder and the legacy NIOCREGIF/NIOCGINFO translation
 * (spec §2.3, §5.5, §5.12).
 *
 * The decoder owns everything about user memory in a control request: it copies the 88-byte
 * header, the body and the option list into the kernel exactly once, checks them, dispatches to a
 * handler that sees only kernel copies, then writes back what the spec says, in the order it says.
 * Handlers never touch user memory and never re-read anything the application could change.
 *
 * Handlers are supplied by the caller (struct nm_ctrl_ops), so the decoder is tested and fuzzed on
 * its own with fake handlers.
 */
#ifndef NM_CORE_CTRL_H
#define NM_CORE_CTRL_H

#include "os.h"
#include "../include/net/netmap.h"

/* Option headers plus bodies plus the request body: at most NETMAP_REQ_MAXSIZE (4096) bytes. */
#define NM_CTRL_MAX_OPTS (NETMAP_REQ_MAXSIZE / sizeof(struct nmreq_option))

/* One option of the request, as copied in. */
struct nm_ctrl_opt {
	u64 uptr;			/* where its header lives in user memory */
	struct nmreq_option *opt;	/* kernel copy: the 24-byte header followed by its body */
	size_t size;			/* bytes copied (header + body) */
};

/* A decoded request.  Handlers read hdr and body and may write body (it is copied back on
 * success), and set opt->nro_status of the options they consume (0 or an errno). */
struct nm_ctrl_req {
	struct nmreq_header hdr;	/* kernel copy; nr_name[63] is 0 */
	void *body;			/* kernel copy of the body, NULL for requests without one */
	size_t body_size;
	unsigned int nopts;
	struct nm_ctrl_opt opts[NM_CTRL_MAX_OPTS];
	/* Known option types present in the request, by type; NULL if absent. */
	struct nmreq_option *by_type[NETMAP_REQ_OPT_MAX];
};

/* A handler returns 0 or -errno.  It must use req->body and req->by_type/opts: hdr.nr_body and
 * hdr.nr_options still hold the application's user addresses. */
typedef int (*nm_ctrl_handler)(void *owner, struct nm_ctrl_req *req);

/* Handlers by request type.  A NULL entry for a type the spec defines means "not implemented in
 * this build": the request fails with EOPNOTSUPP and a log line. */
struct nm_ctrl_ops {
	nm_ctrl_handler handler[NETMAP_REQ_CSB_ENABLE + 1];
	/*
	 * Requests that change state are two-phase, because a handler succeeds before the decoder
	 * knows whether the request as a whole does: an option left unconsumed undoes a REGISTER
	 * (spec §5.5 rule 6), and the reply may not reach user memory (a fault writing it back).
	 * Rule: a request that fails leaves everything as it was; nothing a request builds is
	 * published to lock-free readers before it is committed.
	 *
	 * When handler[type] succeeded and finish[type] is set, the decoder writes the reply back and
	 * then calls finish[type] exactly once, with the same owner and request and the result so far
	 * (0, or the -errno of a leftover option or a fault writing back).  With err == 0 it commits:
	 * REGISTER publishes the binding; a request that removes something (DELIF, DETACH) removes
	 * it only here, after its reply is written, and may still fail.  With err != 0 it undoes what
	 * the handler built (REGISTER unbinds, NEWIF deletes, ATTACH detaches).  It returns the
	 * request's result.
	 */
	int (*finish[NETMAP_REQ_CSB_ENABLE + 1])(void *owner, struct nm_ctrl_req *req, int err);
};

/*
 * NIOCCTRL: decode the request whose header is at user address uhdr, dispatch it with `owner`
 * (the per-fd state), write back.  Returns 0 or -errno; the header is copied back in every case
 * (a copy-back fault gives -EFAULT).
 */
int nm_ctrl_ioctl(void *owner, u64 uhdr, const struct nm_ctrl_ops *ops);

/*
 * True when a request whose handler succeeded must be finished (ops->finish[type] is set), and
 * then nm_ctrl_finish ends it after the write-back.  For both decoders (this one and the legacy one).
 */
bool nm_ctrl_needs_finish(const struct nm_ctrl_ops *ops, u16 type);
int nm_ctrl_finish(void *owner, const struct nm_ctrl_ops *ops, u16 type, struct nm_ctrl_req *req,
		   int err);

/*
 * NIOCREGIF / NIOCGINFO: translate the 60-byte struct nmreq at user address unmreq into a request,
 * dispatch it through the same handlers, translate the reply back (spec §5.12).
 */
int nm_ctrl_legacy_ioctl(void *owner, unsigned int cmd, u64 unmreq, const struct nm_ctrl_ops *ops);

#endif /* NM_CORE_CTRL_H */
