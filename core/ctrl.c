/*
 * core/ctrl.c - the NIOCCTRL request decoder (spec §2.3, §5.1-§5.5).
 *
 * This file owns the journey of one control request between user memory and a handler: it copies
 * the 88-byte header, the body and the option list into one kernel allocation, applies the checks
 * of spec §5.5 in the order the spec gives (the errno and the option statuses an application sees
 * depend on that order), dispatches to the handler table of struct nm_ctrl_ops, enforces the
 * REGISTER leftover-option rule, and writes back exactly what §5.5 rule 7 and §2.3 allow.
 *
 * User memory is read once and every decision is made on the kernel copies; every path frees the
 * one allocation.  Return values are 0 or -errno, and so are handlers' (kernel convention); option
 * statuses are positive errno values, as the ABI wants.
 */
#include "ctrl.h"

/*
 * The budget of §5.5 rule 3, counted as the original counts it (its one copy buffer of 4208
 * bytes starts with two saved user pointers and a table of the 6 known option types): the body,
 * plus 32 bytes per option of any type (its 24-byte header and a saved user pointer), plus the
 * bodies of known options, at most CTRL_TOTAL_MAX; and the body plus the known bodies alone at
 * most NETMAP_REQ_MAXSIZE.
 */
#define CTRL_TOTAL_MAX		(4208 - 2 * 8 - NETMAP_REQ_OPT_MAX * 8)	/* 4144 */
#define CTRL_OPT_COST		(sizeof(struct nmreq_option) + 8)	/* 32 */

/*
 * Room for the request body and the option list within that budget.  Every kernel copy starts
 * 8-byte aligned; only the variable-size SYNC_KLOOP_EVENTFDS body can need rounding up, and it
 * appears at most once, so 8 bytes of slack per known option type are more than enough.
 */
#define CTRL_ARENA_SIZE (CTRL_TOTAL_MAX + 8 * NETMAP_REQ_OPT_MAX)

/* One request, in one allocation: the decoded request handed to handlers, and where it lives. */
struct ctrl_request {
	struct nm_ctrl_req req;
	size_t counted;			/* bytes counted against CTRL_TOTAL_MAX so far */
	size_t data;			/* of which the body and known options' bodies (<= 4096) */
	size_t arena_used;		/* bytes of arena[] handed out, rounded up to 8 */
	u64 arena[CTRL_ARENA_SIZE / sizeof(u64)];
};

#define OPT_HDR_SIZE sizeof(struct nmreq_option)

static const char *const ctrl_req_names[NETMAP_REQ_CSB_ENABLE + 1] = {
	[NETMAP_REQ_REGISTER] = "REGISTER",
	[NETMAP_REQ_PORT_INFO_GET] = "PORT_INFO_GET",
	[NETMAP_REQ_VALE_ATTACH] = "VALE_ATTACH",
	[NETMAP_REQ_VALE_DETACH] = "VALE_DETACH",
	[NETMAP_REQ_VALE_LIST] = "VALE_LIST",
	[NETMAP_REQ_PORT_HDR_SET] = "PORT_HDR_SET",
	[NETMAP_REQ_PORT_HDR_GET] = "PORT_HDR_GET",
	[NETMAP_REQ_VALE_NEWIF] = "VALE_NEWIF",
	[NETMAP_REQ_VALE_DELIF] = "VALE_DELIF",
	[NETMAP_REQ_VALE_POLLING_ENABLE] = "VALE_POLLING_ENABLE",
	[NETMAP_REQ_VALE_POLLING_DISABLE] = "VALE_POLLING_DISABLE",
	[NETMAP_REQ_POOLS_INFO_GET] = "POOLS_INFO_GET",
	[NETMAP_REQ_SYNC_KLOOP_START] = "SYNC_KLOOP_START",
	[NETMAP_REQ_SYNC_KLOOP_STOP] = "SYNC_KLOOP_STOP",
	[NETMAP_REQ_CSB_ENABLE] = "CSB_ENABLE",
};

/* Body size by request type (§5.3).  0 means "no body": VALE_DELIF, SYNC_KLOOP_STOP, CSB_ENABLE. */
static const u8 ctrl_body_sizes[NETMAP_REQ_CSB_ENABLE + 1] = {
	[NETMAP_REQ_REGISTER] = sizeof(struct nmreq_register),
	[NETMAP_REQ_PORT_INFO_GET] = sizeof(struct nmreq_port_info_get),
	[NETMAP_REQ_VALE_ATTACH] = sizeof(struct nmreq_vale_attach),
	[NETMAP_REQ_VALE_DETACH] = sizeof(struct nmreq_vale_detach),
	[NETMAP_REQ_VALE_LIST] = sizeof(struct nmreq_vale_list),
	[NETMAP_REQ_PORT_HDR_SET] = sizeof(struct nmreq_port_hdr),
	[NETMAP_REQ_PORT_HDR_GET] = sizeof(struct nmreq_port_hdr),
	[NETMAP_REQ_VALE_NEWIF] = sizeof(struct nmreq_vale_newif),
	[NETMAP_REQ_VALE_POLLING_ENABLE] = sizeof(struct nmreq_vale_polling),
	[NETMAP_REQ_VALE_POLLING_DISABLE] = sizeof(struct nmreq_vale_polling),
	[NETMAP_REQ_POOLS_INFO_GET] = sizeof(struct nmreq_pools_info),
	[NETMAP_REQ_SYNC_KLOOP_START] = sizeof(struct nmreq_sync_kloop_start),
};

static const char *const ctrl_opt_names[NETMAP_REQ_OPT_MAX] = {
	[NETMAP_REQ_OPT_EXTMEM] = "EXTMEM",
	[NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS] = "SYNC_KLOOP_EVENTFDS",
	[NETMAP_REQ_OPT_CSB] = "CSB",
	[NETMAP_REQ_OPT_SYNC_KLOOP_MODE] = "SYNC_KLOOP_MODE",
	[NETMAP_REQ_OPT_OFFSETS] = "OFFSETS",
};

/* Total size (header included) of the fixed-size known options (§5.4); 0 for the variable one. */
static const u8 ctrl_opt_fixed_sizes[NETMAP_REQ_OPT_MAX] = {
	[NETMAP_REQ_OPT_EXTMEM] = sizeof(struct nmreq_opt_extmem),
	[NETMAP_REQ_OPT_CSB] = sizeof(struct nmreq_opt_csb),
	[NETMAP_REQ_OPT_SYNC_KLOOP_MODE] = sizeof(struct nmreq_opt_sync_kloop_mode),
	[NETMAP_REQ_OPT_OFFSETS] = sizeof(struct nmreq_opt_offsets),
};

static bool ctrl_req_type_known(u16 type)
{
	return type >= NETMAP_REQ_REGISTER && type <= NETMAP_REQ_CSB_ENABLE;
}

static const char *ctrl_req_name(u16 type)
{
	return ctrl_req_type_known(type) ? ctrl_req_names[type] : "unknown request";
}

/*
 * Unknown request types are treated as having no body, so that their options are still walked
 * and get EOPNOTSUPP before dispatch fails with EINVAL (§5.5 table).
 */
static size_t ctrl_body_size(u16 type)
{
	return ctrl_req_type_known(type) ? ctrl_body_sizes[type] : 0;
}

static bool ctrl_opt_type_known(u32 type)
{
	return type > 0 && type < NETMAP_REQ_OPT_MAX;
}

static const char *ctrl_opt_name(u32 type)
{
	return ctrl_opt_type_known(type) ? ctrl_opt_names[type] : "unknown";
}

/*
 * Bytes of a known option after its header.  nro_size is trusted only for the variable-size type,
 * and only after the caller has checked it against NETMAP_REQ_MAXSIZE.
 */
static size_t ctrl_opt_body_size(const struct nmreq_option *opt)
{
	if (opt->nro_reqtype == NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS)
		return opt->nro_size > OPT_HDR_SIZE ? opt->nro_size - OPT_HDR_SIZE : 0;
	return ctrl_opt_fixed_sizes[opt->nro_reqtype] - OPT_HDR_SIZE;
}

/*
 * Hands out the next `size` bytes of the arena, 8-byte aligned.  Callers have already checked the
 * NETMAP_REQ_MAXSIZE budget, which the arena is sized for; the NULL is a last line of defence.
 */
static void *ctrl_arena_take(struct ctrl_request *cr, size_t size)
{
	size_t rounded = (size + 7) & ~(size_t)7;
	void *p;

	if (rounded > sizeof(cr->arena) - cr->arena_used)
		return NULL;
	p = (char *)cr->arena + cr->arena_used;
	cr->arena_used += rounded;
	return p;
}

/* §5.5 rules 1 and 2, on the header alone: nothing is allocated for a request that fails here. */
static int ctrl_check_header(const struct nmreq_header *hdr)
{
	const char *name = ctrl_req_name(hdr->nr_reqtype);

	if (hdr->nr_version < NETMAP_MIN_API || hdr->nr_version > NETMAP_MAX_API) {
		nm_os_log_ratelimited("%s %s: nr_version %u is not supported; use %d to %d",
				      name, hdr->nr_name, hdr->nr_version, NETMAP_MIN_API,
				      NETMAP_MAX_API);
		return -EINVAL;
	}
	if (hdr->nr_reserved != 0) {
		nm_os_log_ratelimited("%s %s: nr_reserved must be 0 (is %u)", name, hdr->nr_name,
				      hdr->nr_reserved);
		return -EINVAL;
	}
	if (ctrl_body_size(hdr->nr_reqtype) != 0 && hdr->nr_body == 0) {
		nm_os_log_ratelimited("%s %s: nr_body is 0 but the request needs a %zu-byte body",
				      name, hdr->nr_name, ctrl_body_size(hdr->nr_reqtype));
		return -EINVAL;
	}
	if (ctrl_body_size(hdr->nr_reqtype) == 0 && hdr->nr_body != 0) {
		nm_os_log_ratelimited("%s (type %u) %s: takes no body, but nr_body is set", name,
				      hdr->nr_reqtype, hdr->nr_name);
		return -EINVAL;
	}
	return 0;
}

static int ctrl_copy_body(struct ctrl_request *cr)
{
	struct nm_ctrl_req *req = &cr->req;
	size_t size = ctrl_body_size(req->hdr.nr_reqtype);

	if (size == 0)
		return 0;
	req->body = ctrl_arena_take(cr, size);
	if (!req->body)
		return -EMSGSIZE;
	req->body_size = size;
	cr->counted += size;
	cr->data += size;
	return nm_os_copy_from_user(req->body, req->hdr.nr_body, size);
}

static int ctrl_option_too_big(const struct nm_ctrl_req *req, const char *why)
{
	nm_os_log_ratelimited("%s %s: option list too big (%s; body and options must fit in %d "
			      "bytes)", ctrl_req_name(req->hdr.nr_reqtype), req->hdr.nr_name, why,
			      NETMAP_REQ_MAXSIZE);
	return -EMSGSIZE;
}

/*
 * The checks of §5.5 rule 3 for an option whose header has been copied, in the spec's order.
 * A known type gets its body copied right after its header.
 */
static int ctrl_check_option(struct ctrl_request *cr, struct nm_ctrl_opt *o)
{
	struct nm_ctrl_req *req = &cr->req;
	struct nmreq_option *opt = o->opt;
	u32 type = opt->nro_reqtype;
	size_t body;

	if (type == 0) {
		opt->nro_status = EINVAL;
		nm_os_log_ratelimited("%s %s: option number %u in the list has type 0 (invalid)",
				      ctrl_req_name(req->hdr.nr_reqtype), req->hdr.nr_name, req->nopts);
		return -EINVAL;
	}
	if (!ctrl_opt_type_known(type))
		return 0;	/* kept, no body; it ends with EOPNOTSUPP unless a handler knows it */
	if (req->by_type[type]) {
		req->by_type[type]->nro_status = EINVAL;
		opt->nro_status = EINVAL;
		nm_os_log_ratelimited("%s %s: option %s given twice (or the list loops)",
				      ctrl_req_name(req->hdr.nr_reqtype), req->hdr.nr_name,
				      ctrl_opt_name(type));
		return -EINVAL;
	}
	req->by_type[type] = opt;
	if (opt->nro_size > NETMAP_REQ_MAXSIZE)
		return ctrl_option_too_big(req, "nro_size of a known option above the limit");
	body = ctrl_opt_body_size(opt);
	if (body > CTRL_TOTAL_MAX - cr->counted || body > NETMAP_REQ_MAXSIZE - cr->data)
		return ctrl_option_too_big(req, "total size");
	/* The header is 24 bytes, so the next arena bytes are exactly those after it. */
	if (!ctrl_arena_take(cr, body))
		return ctrl_option_too_big(req, "arena");
	cr->counted += body;
	cr->data += body;
	o->size += body;
	return nm_os_copy_from_user(opt + 1, o->uptr + OPT_HDR_SIZE, body);
}

/* Copies in the option header at `uptr` (status 0), appends it to the request and checks it. */
static int ctrl_copy_option(struct ctrl_request *cr, u64 uptr)
{
	struct nm_ctrl_req *req = &cr->req;
	struct nmreq_option *opt;
	struct nm_ctrl_opt *o;

	/* Every option counts, so this bound also ends a list that loops through unknown types. */
	if (req->nopts == NM_CTRL_MAX_OPTS || CTRL_OPT_COST > CTRL_TOTAL_MAX - cr->counted)
		return ctrl_option_too_big(req, "too many options, or a loop");
	opt = ctrl_arena_take(cr, OPT_HDR_SIZE);
	if (!opt)
		return ctrl_option_too_big(req, "arena");
	if (nm_os_copy_from_user(opt, uptr, OPT_HDR_SIZE))
		return -EFAULT;
	cr->counted += CTRL_OPT_COST;
	opt->nro_status = 0;
	o = &req->opts[req->nopts++];
	o->uptr = uptr;
	o->opt = opt;
	o->size = OPT_HDR_SIZE;
	return ctrl_check_option(cr, o);
}

/* §5.5 rules 3 and 4.  On EMSGSIZE *write_back_opts is cleared: §5.5 rule 7. */
static int ctrl_walk_options(struct ctrl_request *cr, bool *write_back_opts)
{
	struct nm_ctrl_req *req = &cr->req;
	u64 next = req->hdr.nr_options;
	unsigned int i;
	int err;

	while (next) {
		err = ctrl_copy_option(cr, next);
		if (err) {
			if (err == -EMSGSIZE)
				*write_back_opts = false;
			return err;
		}
		next = req->opts[req->nopts - 1].opt->nro_next;
	}
	for (i = 0; i < req->nopts; i++)
		req->opts[i].opt->nro_status = EOPNOTSUPP;
	return 0;
}

bool nm_ctrl_needs_finish(const struct nm_ctrl_ops *ops, u16 type)
{
	return type <= NETMAP_REQ_CSB_ENABLE && ops->finish[type];
}

/*
 * See struct nm_ctrl_ops: after the write-back, commit (err == 0) or undo.  `type` is the one the
 * request was dispatched as: a handler may rewrite the request, and it is not trusted to keep it.
 */
int nm_ctrl_finish(void *owner, const struct nm_ctrl_ops *ops, u16 type, struct nm_ctrl_req *req,
		   int err)
{
	return ops->finish[type](owner, req, err);
}

/*
 * §5.5 rule 6: a REGISTER with leftover options fails (the caller undoes it); for the others,
 * leftover options are only worth a log line.
 */
static int ctrl_check_leftover_options(struct nm_ctrl_req *req)
{
	bool is_register = req->hdr.nr_reqtype == NETMAP_REQ_REGISTER;
	unsigned int i, leftovers = 0;

	for (i = 0; i < req->nopts; i++) {
		const struct nmreq_option *opt = req->opts[i].opt;

		if (opt->nro_status != EOPNOTSUPP)
			continue;
		leftovers++;
		nm_os_log_ratelimited("%s %s: option %s (type %u) is not supported here%s",
				      ctrl_req_name(req->hdr.nr_reqtype), req->hdr.nr_name,
				      ctrl_opt_name(opt->nro_reqtype), opt->nro_reqtype,
				      is_register ? "; registration undone" : " and was ignored");
	}
	return is_register && leftovers ? -EOPNOTSUPP : 0;
}

/*
 * §5.5 rules 5 and 6.  *staged is set when a handler succeeded whose request must be finished
 * (nm_ctrl_finish, after the write-back).
 */
static int ctrl_dispatch(void *owner, struct nm_ctrl_req *req, const struct nm_ctrl_ops *ops,
			 bool *staged)
{
	u16 type = req->hdr.nr_reqtype;
	int err;

	if (!ctrl_req_type_known(type)) {
		nm_os_log_ratelimited("%s: unknown request type %u", req->hdr.nr_name, type);
		return -EINVAL;
	}
	if (!ops->handler[type]) {
		nm_os_log_ratelimited("%s %s: this request is not implemented in this build",
				      ctrl_req_name(type), req->hdr.nr_name);
		return -EOPNOTSUPP;
	}
	err = ops->handler[type](owner, req);
	if (err)
		return err;
	*staged = nm_ctrl_needs_finish(ops, type);
	return ctrl_check_leftover_options(req);
}

/*
 * §5.5 rule 7, except the header (the caller writes it last).  `err` is the result of the request
 * so far; a fault while writing back turns it into -EFAULT, but the remaining writes still happen
 * so that as many statuses as possible reach the application.
 */
static int ctrl_copy_back(const struct nm_ctrl_req *req, u64 ubody, int err, bool write_back_opts)
{
	bool fault = false;
	unsigned int i;

	if (!err && req->body_size)
		fault |= nm_os_copy_to_user(ubody, req->body, req->body_size) != 0;
	for (i = 0; write_back_opts && i < req->nopts; i++) {
		const struct nm_ctrl_opt *o = &req->opts[i];

		/* The kernel copy still holds the user's nro_next: it is "restored" as it was. */
		fault |= nm_os_copy_to_user(o->uptr, o->opt, OPT_HDR_SIZE) != 0;
		if (!err && o->opt->nro_status == 0 && o->size > OPT_HDR_SIZE)
			fault |= nm_os_copy_to_user(o->uptr + OPT_HDR_SIZE, o->opt + 1,
						    o->size - OPT_HDR_SIZE) != 0;
	}
	return fault ? -EFAULT : err;
}

/* §2.3: the header goes back even on failure; only nr_name can differ from the input. */
static int ctrl_write_header(u64 uhdr, struct nmreq_header *hdr, int err)
{
	hdr->nr_name[sizeof(hdr->nr_name) - 1] = '\0';
	if (nm_os_copy_to_user(uhdr, hdr, sizeof(*hdr)))
		return -EFAULT;
	return err;
}

/*
 * Everything after the header checks: copy in, dispatch, copy back, and last the finish of a
 * staged request, so that a request that failed anywhere, even writing back, leaves nothing
 * behind.  `hdr` is the user's header as copied in; nr_name goes back as the handler left it in
 * the request (VALE_LIST writes a port name there).
 */
static int ctrl_run(void *owner, u64 uhdr, struct nmreq_header *hdr, const struct nm_ctrl_ops *ops)
{
	struct ctrl_request *cr;
	bool write_back_opts = true, staged = false;
	int err;

	cr = nm_os_malloc(sizeof(*cr));
	if (!cr) {
		nm_os_log_ratelimited("%s %s: no memory for the request (%zu bytes)",
				      ctrl_req_name(hdr->nr_reqtype), hdr->nr_name, sizeof(*cr));
		return ctrl_write_header(uhdr, hdr, -ENOMEM);
	}
	cr->req.hdr = *hdr;
	err = ctrl_copy_body(cr);
	if (!err)
		err = ctrl_walk_options(cr, &write_back_opts);
	if (!err)
		err = ctrl_dispatch(owner, &cr->req, ops, &staged);
	err = ctrl_copy_back(&cr->req, hdr->nr_body, err, write_back_opts);
	memcpy(hdr->nr_name, cr->req.hdr.nr_name, sizeof(hdr->nr_name));
	err = ctrl_write_header(uhdr, hdr, err);
	if (staged)
		err = nm_ctrl_finish(owner, ops, hdr->nr_reqtype, &cr->req, err);
	nm_os_free(cr);
	return err;
}

int nm_ctrl_ioctl(void *owner, u64 uhdr, const struct nm_ctrl_ops *ops)
{
	struct nmreq_header hdr;
	int err;

	if (!uhdr)
		return -EINVAL;
	if (nm_os_copy_from_user(&hdr, uhdr, sizeof(hdr)))
		return -EFAULT;
	hdr.nr_name[sizeof(hdr.nr_name) - 1] = '\0';

	err = ctrl_check_header(&hdr);
	if (err)
		return ctrl_write_header(uhdr, &hdr, err);
	return ctrl_run(owner, uhdr, &hdr, ops);
}
