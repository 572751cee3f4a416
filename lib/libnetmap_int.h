/*
 * lib/libnetmap_int.h -- what the files of libnetmap share and applications do not see.
 *
 * nmctx.c (contexts), nmreq.c (the port-spec grammar and option lists), nmport_opt.c (the
 * built-in options) and nmport.c (port descriptors) talk through the public header plus the few
 * declarations below: the clean-up list a parse leaves on a descriptor, the built-in parser list,
 * and small helpers for reporting errors and reading numbers.
 */
#ifndef LIBNETMAP_INT_H
#define LIBNETMAP_INT_H

/* The library itself must not carry the application's constructor. */
#define LIBNETMAP_NOTHREADSAFE
#include <libnetmap.h>

/* Shared between the library's files, not exported from libnetmap.so. */
#define NMLIB_HIDDEN	__attribute__((__visibility__("hidden")))

/*
 * Something nmport_parse (or nmport_extmem, nmport_offset) did to a descriptor that
 * nmport_undo_parse must undo: an option to unlink and free, a file mapping to unmap.  cleanup()
 * undoes it and frees the entry.  Entries are pushed at the head, so undoing runs in reverse.
 */
struct nmport_cleanup_d {
	struct nmport_cleanup_d *next;
	void (*cleanup)(struct nmport_cleanup_d *c, struct nmport_d *d);
};

NMLIB_HIDDEN void nmport_push_cleanup(struct nmport_d *d, struct nmport_cleanup_d *c);
/* Undoes entries from the head until `upto` (NULL: all). */
NMLIB_HIDDEN void nmport_run_cleanups(struct nmport_d *d, struct nmport_cleanup_d *upto);

/* The options nmport_parse understands: share, conf, extmem, offset. */
NMLIB_HIDDEN struct nmreq_opt_parser *nmport_builtin_parsers(void);

/* Reports one message through ctx, then sets errno = err.  Returns -1. */
NMLIB_HIDDEN int nmlib_fail(struct nmctx *ctx, int err, const char *fmt, ...)
	__attribute__((__format__(__printf__, 3, 4)));

/* A decimal number making up all of s, at most max.  0, or -1 (errno untouched). */
NMLIB_HIDDEN int nmlib_parse_u64(const char *s, uint64_t max, uint64_t *out);

static inline int nmlib_is_alnum_(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static inline int nmlib_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

#endif /* LIBNETMAP_INT_H */
