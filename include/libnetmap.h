/*
 * libnetmap.h -- the netmap port library (nmport_*), API 14.
 *
 * This header owns the library's public contract: the port descriptor
 * struct nmport_d, the context struct nmctx that carries error reporting,
 * memory allocation and locking, the mapping descriptor struct nmem_d, the
 * types of the option parsers (for applications that parse their own
 * "@name:key=value" options), and every nmport_*, nmreq_* and nmctx_*
 * function.  Applications read several fields of nmport_d, nmctx and
 * nmem_d directly, so their layouts are pinned below like the kernel ABI in
 * net/netmap.h.
 *
 * A port is opened from a port spec such as "netmap:eth0-1/T@conf:slots=256"
 * (grammar in the netmap API document, section 6.1).  nmport_open() does it
 * in one call; the split steps nmport_new/parse/register/mmap let programs
 * adjust the request between steps, and each step has an undo function.
 *
 * Thread safety: unless LIBNETMAP_NOTHREADSAFE is defined before this header
 * is included, a constructor installs a mutex in the default context
 * (nmctx_set_threadsafe), so that descriptors opened by several threads can
 * share mappings safely.  This also pulls the lock code into static links.
 *
 * Valid as C (gnu99 or later) and C++11.  x86_64 (LP64) only.
 */
#ifndef _LIBNETMAP_H_
#define _LIBNETMAP_H_

#include <stddef.h>
#include <stdint.h>

#include <net/netmap_user.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------- */
/* Contexts                                                               */

struct nmctx;
struct nmem_d;
struct nmport_cleanup_d;	/* private to the library */

typedef void (*nmctx_error_cb)(struct nmctx *ctx, const char *msg);
typedef void *(*nmctx_malloc_cb)(struct nmctx *ctx, size_t size);
typedef void (*nmctx_free_cb)(struct nmctx *ctx, void *p);
typedef void (*nmctx_lock_cb)(struct nmctx *ctx, int on);

/*
 * Where the library reports errors, gets memory and serialises access to
 * its list of mappings.  A NULL callback means the default one (NULL lock:
 * no locking).  mem_descs is the list of regions mapped through this
 * context; ports sharing a region share one entry.
 */
struct nmctx {
	int verbose;			/* 0: no messages */
	nmctx_error_cb error;		/* one message, no trailing newline */
	nmctx_malloc_cb malloc;
	nmctx_free_cb free;
	nmctx_lock_cb lock;		/* lock(ctx, 1) / lock(ctx, 0) */
	struct nmem_d *mem_descs;
};
NM_ABI_SIZE(struct nmctx, 48, 8);
NM_ABI_FIELD(struct nmctx, verbose, 0, 4);
NM_ABI_FIELD(struct nmctx, error, 8, 8);
NM_ABI_FIELD(struct nmctx, malloc, 16, 8);
NM_ABI_FIELD(struct nmctx, free, 24, 8);
NM_ABI_FIELD(struct nmctx, lock, 32, 8);
NM_ABI_FIELD(struct nmctx, mem_descs, 40, 8);

/* One mapped region, shared by every port of a context using mem_id. */
struct nmem_d {
	uint16_t mem_id;
	int refcount;			/* ports using this mapping */
	void *mem;			/* base address */
	size_t size;			/* bytes mapped */
	int is_extmem;			/* user memory: never munmapped here */
	struct nmem_d *next;
	struct nmem_d *prev;
};
NM_ABI_SIZE(struct nmem_d, 48, 8);
NM_ABI_FIELD(struct nmem_d, mem_id, 0, 2);
NM_ABI_FIELD(struct nmem_d, refcount, 4, 4);
NM_ABI_FIELD(struct nmem_d, mem, 8, 8);
NM_ABI_FIELD(struct nmem_d, size, 16, 8);
NM_ABI_FIELD(struct nmem_d, is_extmem, 24, 4);
NM_ABI_FIELD(struct nmem_d, next, 32, 8);
NM_ABI_FIELD(struct nmem_d, prev, 40, 8);

struct nmctx *nmctx_get(void);
struct nmctx *nmctx_set_default(struct nmctx *ctx);	/* NULL: built-in */
void nmctx_set_threadsafe(void);
void nmctx_ferror(struct nmctx *ctx, const char *fmt, ...)
	__attribute__((__format__(__printf__, 2, 3)));
void *nmctx_malloc(struct nmctx *ctx, size_t size);
void nmctx_free(struct nmctx *ctx, void *p);
void nmctx_lock(struct nmctx *ctx);
void nmctx_unlock(struct nmctx *ctx);

/* ---------------------------------------------------------------------- */
/* Port descriptors                                                       */

/*
 * hdr.nr_body points to reg and hdr.nr_options to the option list.  After
 * nmport_mmap the ring ranges are inclusive and empty when first > last;
 * RX host ring j is nr_rx_rings + j, as with NETMAP_RXRING().
 */
struct nmport_d {
	struct nmreq_header hdr;
	struct nmreq_register reg;	/* the kernel's reply once registered */
	struct nmem_d *mem;		/* equal for ports sharing a region */
	struct nmctx *ctx;
	int register_done;
	int mmap_done;
	struct nmreq_opt_extmem *extmem;	/* or NULL */
	int fd;				/* /dev/netmap, -1 if not open */
	struct netmap_if *nifp;
	uint16_t first_tx_ring;
	uint16_t last_tx_ring;
	uint16_t first_rx_ring;
	uint16_t last_rx_ring;
	uint16_t cur_tx_ring;		/* where nmport_inject starts */
	uint16_t cur_rx_ring;
	struct nmport_cleanup_d *clist;	/* undone by nmport_undo_parse */
};
NM_ABI_SIZE(struct nmport_d, 216, 8);
NM_ABI_FIELD(struct nmport_d, hdr, 0, 88);
NM_ABI_FIELD(struct nmport_d, reg, 88, 56);
NM_ABI_FIELD(struct nmport_d, mem, 144, 8);
NM_ABI_FIELD(struct nmport_d, ctx, 152, 8);
NM_ABI_FIELD(struct nmport_d, register_done, 160, 4);
NM_ABI_FIELD(struct nmport_d, mmap_done, 164, 4);
NM_ABI_FIELD(struct nmport_d, extmem, 168, 8);
NM_ABI_FIELD(struct nmport_d, fd, 176, 4);
NM_ABI_FIELD(struct nmport_d, nifp, 184, 8);
NM_ABI_FIELD(struct nmport_d, first_tx_ring, 192, 2);
NM_ABI_FIELD(struct nmport_d, last_tx_ring, 194, 2);
NM_ABI_FIELD(struct nmport_d, first_rx_ring, 196, 2);
NM_ABI_FIELD(struct nmport_d, last_rx_ring, 198, 2);
NM_ABI_FIELD(struct nmport_d, cur_tx_ring, 200, 2);
NM_ABI_FIELD(struct nmport_d, cur_rx_ring, 202, 2);
NM_ABI_FIELD(struct nmport_d, clist, 208, 8);

/* All in one: nmport_prepare + nmport_open_desc.  NULL with errno set. */
struct nmport_d *nmport_open(const char *portspec);
void nmport_close(struct nmport_d *d);			/* NULL is fine */

/* Copies one packet into a bound TX ring, no system call: size or 0. */
int nmport_inject(struct nmport_d *d, const void *buf, size_t size);

/* The split steps (0 / -1 with errno, one message through d->ctx). */
struct nmport_d *nmport_new(void);
int nmport_parse(struct nmport_d *d, const char *portspec);
int nmport_register(struct nmport_d *d);
int nmport_mmap(struct nmport_d *d);
void nmport_delete(struct nmport_d *d);
void nmport_undo_parse(struct nmport_d *d);
void nmport_undo_register(struct nmport_d *d);
void nmport_undo_mmap(struct nmport_d *d);

struct nmport_d *nmport_prepare(const char *portspec);	/* new + parse */
int nmport_open_desc(struct nmport_d *d);		/* register + mmap */
void nmport_undo_prepare(struct nmport_d *d);
void nmport_undo_open_desc(struct nmport_d *d);

/* Same context, copies of hdr and reg, no options, not registered. */
struct nmport_d *nmport_clone(struct nmport_d *d);

/*
 * External memory and slot offsets: the library builds the options; the
 * kernel side of both is a later feature and refuses them (EOPNOTSUPP,
 * reported by nmport_register as "<port>: option <name>: ...").
 */
int nmport_extmem(struct nmport_d *d, void *base, size_t size);
int nmport_extmem_from_file(struct nmport_d *d, const char *fname);
struct nmreq_pools_info *nmport_extmem_getinfo(struct nmport_d *d);
int nmport_offset(struct nmport_d *d, uint64_t initial, uint64_t maxoff,
		  uint64_t bits, uint64_t mingap);

/* Option parsers by name ("share", "conf", "extmem", "offset"). */
int nmport_enable_option(const char *opt);	/* -1, EOPNOTSUPP if unknown */
void nmport_disable_option(const char *opt);

/* ---------------------------------------------------------------------- */
/* Requests and the port-spec grammar                                     */

/* Zero h, version NETMAP_API, the given type and body. */
void nmreq_header_init(struct nmreq_header *h, uint16_t reqtype, void *body);

/*
 * "netmap:NAME" or "valeX:NAME" into h->nr_name; *pspec moves past the
 * name.  Touches nothing on failure (-1, EINVAL).
 */
int nmreq_header_decode(const char **pspec, struct nmreq_header *h,
			struct nmctx *ctx);

/*
 * The mode part (-N ^ ^N * @N /flags) into nr_mode, nr_ringid, nr_flags
 * and nr_mem_id; stops at an '@' that does not start a number.
 */
int nmreq_register_decode(const char **pmode, struct nmreq_register *r,
			  struct nmctx *ctx);

struct nmreq_opt_parser;

/* The "@opt..." list with the given parsers; token goes to each parse(). */
int nmreq_options_decode(const char *opt, struct nmreq_opt_parser *parsers,
			 void *token, struct nmctx *ctx);

/* PORT_INFO_GET on the named port: its mem id, or -1 with errno. */
int nmreq_get_mem_id(const char **pspec, struct nmctx *ctx);

const char *nmreq_option_name(uint32_t nro_reqtype);
void nmreq_push_option(struct nmreq_header *h, struct nmreq_option *o);
void nmreq_remove_option(struct nmreq_header *h, struct nmreq_option *o);
struct nmreq_option *nmreq_find_option(struct nmreq_header *h,
				       uint32_t nro_reqtype);
void nmreq_free_options(struct nmreq_header *h);	/* free() on each */

#define nmreq_foreach_option(h_, o_)					\
	for ((o_) = (struct nmreq_option *)(uintptr_t)(h_)->nr_options;	\
	     (o_) != NULL;						\
	     (o_) = (struct nmreq_option *)(uintptr_t)(o_)->nro_next)

/* ---------------------------------------------------------------------- */
/* Option parsers                                                         */

/*
 * An option is "@name", "@name=value" (value of the default key) or
 * "@name:key=value,key=value".  Dashes in key names read as underscores.
 * The parser's parse() finds the value of key k in ctx->keys[k's id], or
 * NULL if it was not given; it returns 0, or -1 with errno set after one
 * message through ctx->ctx.
 */
#define NMREQ_OPT_MAXKEYS	16

#define NMREQ_OPTK_ALLOWEMPTY	1	/* "key" alone or "key=" is a value */
#define NMREQ_OPTK_MUSTSET	2	/* the option fails without it */
#define NMREQ_OPTK_DEFAULT	4	/* the key of "@name=value" */

#define NMREQ_OPTF_DISABLED	1	/* EOPNOTSUPP until enabled */
#define NMREQ_OPTF_ALLOWEMPTY	2	/* "@name" alone is accepted */

struct nmreq_opt_key {
	const char *key;		/* with '_', never '-' */
	int id;				/* index into nmreq_parse_ctx.keys */
	unsigned int flags;		/* NMREQ_OPTK_* */
};
NM_ABI_SIZE(struct nmreq_opt_key, 16, 8);
NM_ABI_FIELD(struct nmreq_opt_key, key, 0, 8);
NM_ABI_FIELD(struct nmreq_opt_key, id, 8, 4);
NM_ABI_FIELD(struct nmreq_opt_key, flags, 12, 4);

struct nmreq_parse_ctx {
	struct nmctx *ctx;
	void *token;			/* from nmreq_options_decode */
	const char *keys[NMREQ_OPT_MAXKEYS];	/* values, by key id */
};
NM_ABI_SIZE(struct nmreq_parse_ctx, 144, 8);
NM_ABI_FIELD(struct nmreq_parse_ctx, ctx, 0, 8);
NM_ABI_FIELD(struct nmreq_parse_ctx, token, 8, 8);
NM_ABI_FIELD(struct nmreq_parse_ctx, keys, 16, 128);

struct nmreq_opt_parser {
	const char *prefix;		/* the option name */
	int (*parse)(struct nmreq_parse_ctx *ctx);
	int default_key;		/* key id, or -1 */
	int nr_keys;			/* entries used in keys[] */
	unsigned int flags;		/* NMREQ_OPTF_* */
	struct nmreq_opt_parser *next;	/* list given to options_decode */
	struct nmreq_opt_key keys[NMREQ_OPT_MAXKEYS];
} __attribute__((__aligned__(16)));
NM_ABI_SIZE(struct nmreq_opt_parser, 304, 16);
NM_ABI_FIELD(struct nmreq_opt_parser, prefix, 0, 8);
NM_ABI_FIELD(struct nmreq_opt_parser, parse, 8, 8);
NM_ABI_FIELD(struct nmreq_opt_parser, default_key, 16, 4);
NM_ABI_FIELD(struct nmreq_opt_parser, nr_keys, 20, 4);
NM_ABI_FIELD(struct nmreq_opt_parser, flags, 24, 4);
NM_ABI_FIELD(struct nmreq_opt_parser, next, 32, 8);
NM_ABI_FIELD(struct nmreq_opt_parser, keys, 40, 256);

#ifdef __cplusplus
}
#endif

/*
 * The constructor of the thread-safe default context.  It lives in every
 * translation unit that includes this header, so a program gets it unless
 * it opts out, whether it links libnetmap statically or dynamically; it is
 * idempotent.
 */
#ifndef LIBNETMAP_NOTHREADSAFE
static void nmctx_threadsafe_ctor_(void)
	__attribute__((__constructor__, __unused__));
static void nmctx_threadsafe_ctor_(void)
{
	nmctx_set_threadsafe();
}
#endif

#endif /* _LIBNETMAP_H_ */
