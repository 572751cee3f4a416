/*
 * lib/nmreq.c -- the port-spec grammar (API document section 6.1) and NIOCCTRL option lists.
 *
 * A port spec is decoded in three steps, each with its own public function, so that tools can
 * reuse them on their own requests:
 *
 *   "netmap:eth0{in" "-2/Tx@3" "@conf:slots=256@share=netmap:lo"
 *    header_decode    register_decode   options_decode
 *    (nr_name)        (mode, ring id,    (one parser per option name;
 *                      flags, mem id)     nmport_opt.c has the built-in ones)
 *
 * Every decoder fails with errno EINVAL (EOPNOTSUPP for a disabled option) after exactly one
 * message through the context naming the offending part, and leaves its output untouched on
 * failure.  None of them touches the kernel, except nmreq_get_mem_id (PORT_INFO_GET), used by
 * the "share" option.  This file also owns the option-list helpers (push, remove, find, free) and
 * the names of the option types.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libnetmap_int.h"

#define NMREQ_MAX_RINGID	4094	/* "-N": 0 <= N < 4095 */
#define NMREQ_MAX_MEMID		65535

void nmreq_header_init(struct nmreq_header *h, uint16_t reqtype, void *body)
{
	memset(h, 0, sizeof(*h));
	h->nr_version = NETMAP_API;
	h->nr_reqtype = reqtype;
	h->nr_body = (uintptr_t)body;
}

/* --- prefix and port name ----------------------------------------------------------------- */

static int nmreq_is_mode_char(int c)
{
	return c == '-' || c == '*' || c == '^' || c == '/' || c == '@';
}

int nmreq_header_decode(const char **pspec, struct nmreq_header *h, struct nmctx *ctx)
{
	const char *spec = pspec ? *pspec : NULL;
	const char *name, *vp, *s, *brace = NULL;
	size_t len;

	if (!spec)
		return nmlib_fail(ctx, EINVAL, "missing port spec");
	if (strncmp(spec, "netmap:", 7) == 0) {
		name = vp = spec + 7;	/* the kernel gets what follows the prefix */
	} else if (strncmp(spec, "vale", 4) == 0) {
		for (s = spec + 4; nmlib_is_alnum_(*s); s++)
			;
		if (*s != ':')
			return nmlib_fail(ctx, EINVAL,
					  "'%s': invalid VALE switch name: expected 'vale', then "
					  "letters, digits or '_', then ':'", spec);
		name = spec;		/* "valeX:" stays in the kernel name */
		vp = s + 1;
	} else {
		return nmlib_fail(ctx, EINVAL, "'%s': a port spec starts with 'netmap:' or 'vale'",
				  spec);
	}
	for (s = vp; *s && !nmreq_is_mode_char(*s); s++)
		if ((*s == '{' || *s == '}') && !brace)
			brace = s;
	len = (size_t)(s - name);
	if (len == 0)
		return nmlib_fail(ctx, EINVAL, "'%s': empty port name", spec);
	if (len > NETMAP_REQ_IFNAMSIZ - 1)
		return nmlib_fail(ctx, EINVAL,
				  "'%s': port name '%.*s' is too long (%zu characters, at most %d)",
				  spec, (int)len, name, len, NETMAP_REQ_IFNAMSIZ - 1);
	if (brace) {
		const char *id = brace + 1, *c;

		if (id == s)
			return nmlib_fail(ctx, EINVAL, "'%s': empty pipe id after '%c'", spec,
					  *brace);
		for (c = id; c < s; c++)
			if (!nmlib_is_alnum_(*c))
				return nmlib_fail(ctx, EINVAL,
						  "'%s': invalid pipe id '%.*s' (letters, digits "
						  "and '_' only)", spec, (int)(s - id), id);
	}
	memset(h->nr_name, 0, sizeof(h->nr_name));
	memcpy(h->nr_name, name, len);
	*pspec = s;
	return 0;
}

/* --- mode: ring selector, mem id, flags ---------------------------------------------------- */

/*
 * Reads the digits at *ps (advancing past all of them) into *out, saturating at a value above
 * any limit used here.  Returns how many digits there were.
 */
static int nmreq_digits(const char **ps, uint64_t *out)
{
	const char *s = *ps;
	uint64_t v = 0;
	int n = 0;

	for (; nmlib_is_digit(*s); s++, n++)
		v = v > 1000000000u ? v : v * 10 + (uint64_t)(*s - '0');
	*ps = s;
	*out = v;
	return n;
}

static const struct {
	char c;
	uint64_t flag;
} nmreq_flag_chars[] = {
	{ 'x', NR_EXCLUSIVE },
	{ 'z', NR_ZCOPY_MON },
	{ 't', NR_MONITOR_TX },
	{ 'r', NR_MONITOR_RX },
	{ 'R', NR_RX_RINGS_ONLY },
	{ 'T', NR_TX_RINGS_ONLY },
};

int nmreq_register_decode(const char **pmode, struct nmreq_register *r, struct nmctx *ctx)
{
	const char *m = pmode ? *pmode : NULL, *s = m;
	uint32_t mode = NR_REG_ALL_NIC;
	uint16_t ringid = 0, mem_id;
	uint64_t flags = 0, n;
	int after_flags = 0;
	size_t i;

	if (!m)
		return nmlib_fail(ctx, EINVAL, "missing port mode");
	mem_id = r->nr_mem_id;
	if (*s == '-' || *s == '^') {
		char sel = *s++;

		if (!nmreq_digits(&s, &n)) {
			if (sel == '-')
				return nmlib_fail(ctx, EINVAL, "'%s': '-' must be followed by a ring "
						  "number", m);
			mode = NR_REG_SW;
		} else if (n > NMREQ_MAX_RINGID) {
			return nmlib_fail(ctx, EINVAL, "'%s': ring number %.*s out of range "
					  "(0 to %d)", m, (int)(s - m - 1), m + 1, NMREQ_MAX_RINGID);
		} else {
			mode = sel == '-' ? NR_REG_ONE_NIC : NR_REG_ONE_SW;
			ringid = (uint16_t)n;
		}
	} else if (*s == '*') {
		s++;
		mode = NR_REG_NIC_SW;
	}
	while (*s) {
		if (*s == '@') {
			const char *at = s++;

			if (*s == '\0')
				return nmlib_fail(ctx, EINVAL, "'%s': '@' at the end", m);
			if (!nmreq_digits(&s, &n)) {
				s = at;		/* "@name": the options start here */
				break;
			}
			if (n == 0 || n > NMREQ_MAX_MEMID)
				return nmlib_fail(ctx, EINVAL, "'%s': invalid memory id '%.*s' "
						  "(1 to %d)", m, (int)(s - at), at, NMREQ_MAX_MEMID);
			if (mem_id && mem_id != n)
				return nmlib_fail(ctx, EINVAL, "'%s': memory id '%.*s' conflicts "
						  "with memory id %u already set", m,
						  (int)(s - at), at, mem_id);
			mem_id = (uint16_t)n;
			after_flags = 0;
		} else if (*s == '/') {
			const char *group = s++;

			if (after_flags)
				return nmlib_fail(ctx, EINVAL, "'%s': flag group '%.*s' directly "
						  "follows another one", m,
						  (int)strcspn(group + 1, "/@") + 1, group);
			if (*s == '\0')
				return nmlib_fail(ctx, EINVAL, "'%s': '/' without flags at the end",
						  m);
			for (; *s && *s != '@' && *s != '/'; s++) {
				for (i = 0; i < sizeof(nmreq_flag_chars) / sizeof(nmreq_flag_chars[0]);
				     i++)
					if (nmreq_flag_chars[i].c == *s)
						break;
				if (i == sizeof(nmreq_flag_chars) / sizeof(nmreq_flag_chars[0]))
					return nmlib_fail(ctx, EINVAL, "'%s': unknown flag '%c' in "
							  "'%.*s' (flags are x z t r R T)", m, *s,
							  (int)strcspn(group + 1, "/@") + 1, group);
				flags |= nmreq_flag_chars[i].flag;
			}
			after_flags = 1;
		} else if (*s == '-' || *s == '*' || *s == '^') {
			return nmlib_fail(ctx, EINVAL, "'%s': unexpected '%s': the ring selector "
					  "(- ^ *) comes once, before any '@' or '/'", m, s);
		} else {
			return nmlib_fail(ctx, EINVAL, "'%s': unexpected '%s'", m, s);
		}
	}
	r->nr_mode = mode;
	r->nr_ringid = ringid;
	r->nr_flags = flags;
	r->nr_mem_id = mem_id;
	*pmode = s;
	return 0;
}

/* --- options ------------------------------------------------------------------------------ */

/* Key names compare with '-' and '_' equal. */
static int nmreq_key_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = *a == '-' ? '_' : *a, cb = *b == '-' ? '_' : *b;

		if (ca != cb)
			return 0;
	}
	return *a == *b;
}

static const struct nmreq_opt_key *nmreq_key_by_name(const struct nmreq_opt_parser *p,
						     const char *name)
{
	int i;

	for (i = 0; i < p->nr_keys && i < NMREQ_OPT_MAXKEYS; i++)
		if (p->keys[i].key && p->keys[i].id >= 0 && p->keys[i].id < NMREQ_OPT_MAXKEYS &&
		    nmreq_key_eq(p->keys[i].key, name))
			return &p->keys[i];
	return NULL;
}

static const struct nmreq_opt_key *nmreq_default_key(const struct nmreq_opt_parser *p)
{
	int i;

	for (i = 0; i < p->nr_keys && i < NMREQ_OPT_MAXKEYS; i++) {
		const struct nmreq_opt_key *k = &p->keys[i];

		if (!k->key || k->id < 0 || k->id >= NMREQ_OPT_MAXKEYS)
			continue;
		if (p->default_key >= 0 ? k->id == p->default_key : (k->flags & NMREQ_OPTK_DEFAULT))
			return k;
	}
	return NULL;
}

/*
 * One option, "name", "name=value" or "name:k=v,k=v", in a scratch copy `o` that may be cut up;
 * `orig` is the same text in the caller's string and `all` the whole option list, for messages.
 */
static int nmreq_option_decode_one(char *o, const char *orig, const char *all,
				   struct nmreq_opt_parser *parsers, void *token, struct nmctx *ctx)
{
	int olen = (int)strlen(o), seen[NMREQ_OPT_MAXKEYS] = { 0 }, i;
	const struct nmreq_opt_key *k;
	struct nmreq_parse_ctx pctx;
	struct nmreq_opt_parser *p;
	char *sep = o + strcspn(o, "=:"), c = *sep;

	*sep = '\0';
	if (*o == '\0')
		return nmlib_fail(ctx, EINVAL, "'%s': empty option name", all);
	for (p = parsers; p; p = p->next)
		if (p->prefix && strcmp(p->prefix, o) == 0)
			break;
	if (!p)
		return nmlib_fail(ctx, EINVAL, "unknown option '%s' in '@%.*s'", o, olen, orig);
	if (p->flags & NMREQ_OPTF_DISABLED)
		return nmlib_fail(ctx, EOPNOTSUPP, "option '%s' is disabled; a program enables it "
				  "with nmport_enable_option(\"%s\")", o, o);
	memset(&pctx, 0, sizeof(pctx));
	pctx.ctx = ctx;
	pctx.token = token;
	if (c == '\0') {
		if (!(p->flags & NMREQ_OPTF_ALLOWEMPTY))
			return nmlib_fail(ctx, EINVAL, "option '%s' needs a value: '@%s=VALUE' or "
					  "'@%s:KEY=VALUE,...'", o, o, o);
	} else if (c == '=') {
		k = nmreq_default_key(p);
		if (!k)
			return nmlib_fail(ctx, EINVAL, "'@%.*s': option '%s' has no default key; "
					  "write '@%s:KEY=VALUE,...'", olen, orig, o, o);
		if (sep[1] || (k->flags & NMREQ_OPTK_ALLOWEMPTY))
			pctx.keys[k->id] = sep + 1;	/* "key=" alone counts as not given */
	} else {
		char *kv = sep + 1;

		for (;;) {
			char *comma = strchr(kv, ','), *eq;

			if (comma)
				*comma = '\0';
			eq = strchr(kv, '=');
			if (eq)
				*eq = '\0';
			if (*kv == '\0')
				return nmlib_fail(ctx, EINVAL, "'@%.*s': empty key name", olen,
						  orig);
			k = nmreq_key_by_name(p, kv);
			if (!k)
				return nmlib_fail(ctx, EINVAL, "option '%s': unknown key '%s' in "
						  "'@%.*s'", o, kv, olen, orig);
			if (seen[k->id])
				return nmlib_fail(ctx, EINVAL, "option '%s': key '%s' given twice "
						  "in '@%.*s'", o, kv, olen, orig);
			seen[k->id] = 1;
			if (!eq) {
				if (!(k->flags & NMREQ_OPTK_ALLOWEMPTY))
					return nmlib_fail(ctx, EINVAL, "option '%s': key '%s' "
							  "needs a value ('%s=VALUE')", o, kv,
							  kv);
				pctx.keys[k->id] = "";
			} else if (eq[1] || (k->flags & NMREQ_OPTK_ALLOWEMPTY)) {
				pctx.keys[k->id] = eq + 1;
			}
			if (!comma)
				break;
			kv = comma + 1;
		}
	}
	for (i = 0; i < p->nr_keys && i < NMREQ_OPT_MAXKEYS; i++) {
		k = &p->keys[i];
		if (k->key && (k->flags & NMREQ_OPTK_MUSTSET) && k->id >= 0 &&
		    k->id < NMREQ_OPT_MAXKEYS && !pctx.keys[k->id])
			return nmlib_fail(ctx, EINVAL, "'@%.*s': option '%s' needs key '%s'", olen,
					  orig, o, k->key);
	}
	return p->parse ? p->parse(&pctx) : 0;
}

int nmreq_options_decode(const char *opt, struct nmreq_opt_parser *parsers, void *token,
			 struct nmctx *ctx)
{
	char *buf, *o;
	size_t len;
	int ret = 0, err;

	if (!opt || *opt == '\0')
		return 0;
	if (*opt != '@')
		return nmlib_fail(ctx, EINVAL, "'%s': options start with '@'", opt);
	len = strlen(opt);
	buf = nmctx_malloc(ctx, len + 1);
	if (!buf)
		return nmlib_fail(ctx, ENOMEM, "no memory to parse the options '%s'", opt);
	memcpy(buf, opt, len + 1);
	/* Options are split at every '@': values cannot contain one. */
	for (o = buf + 1;; ) {
		char *end = strchr(o, '@');

		if (end)
			*end = '\0';
		ret = nmreq_option_decode_one(o, opt + (o - buf), opt, parsers, token, ctx);
		if (ret || !end)
			break;
		o = end + 1;
	}
	err = errno;
	nmctx_free(ctx, buf);
	errno = err;
	return ret;
}

int nmreq_get_mem_id(const char **pspec, struct nmctx *ctx)
{
	struct nmreq_port_info_get info;
	struct nmreq_header h;
	const char *s = pspec ? *pspec : NULL;
	int fd, err;

	memset(&info, 0, sizeof(info));
	nmreq_header_init(&h, NETMAP_REQ_PORT_INFO_GET, &info);
	if (nmreq_header_decode(&s, &h, ctx) < 0)
		return -1;
	fd = open(NETMAP_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return nmlib_fail(ctx, errno, "cannot open %s: %s", NETMAP_DEVICE_NAME,
				  strerror(errno));
	if (ioctl(fd, NIOCCTRL, &h) < 0) {
		err = errno;
		close(fd);
		return nmlib_fail(ctx, err, "%s: cannot get port info: %s", h.nr_name,
				  strerror(err));
	}
	close(fd);
	*pspec = s;
	return info.nr_mem_id;
}

/* --- option lists ------------------------------------------------------------------------- */

const char *nmreq_option_name(uint32_t nro_reqtype)
{
	switch (nro_reqtype) {
	case NETMAP_REQ_OPT_EXTMEM:
		return "extmem";
	case NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS:
		return "sync-kloop-eventfds";
	case NETMAP_REQ_OPT_CSB:
		return "csb";
	case NETMAP_REQ_OPT_SYNC_KLOOP_MODE:
		return "sync-kloop-mode";
	case NETMAP_REQ_OPT_OFFSETS:
		return "offsets";
	default:
		return "unknown";
	}
}

void nmreq_push_option(struct nmreq_header *h, struct nmreq_option *o)
{
	o->nro_next = h->nr_options;
	h->nr_options = (uintptr_t)o;
}

void nmreq_remove_option(struct nmreq_header *h, struct nmreq_option *o)
{
	uint64_t *link = &h->nr_options;

	while (*link) {
		struct nmreq_option *cur = (struct nmreq_option *)(uintptr_t)*link;

		if (cur == o) {
			*link = o->nro_next;
			o->nro_next = 0;
			return;
		}
		link = &cur->nro_next;
	}
}

struct nmreq_option *nmreq_find_option(struct nmreq_header *h, uint32_t nro_reqtype)
{
	struct nmreq_option *o;

	nmreq_foreach_option(h, o)
		if (o->nro_reqtype == nro_reqtype)
			return o;
	return NULL;
}

void nmreq_free_options(struct nmreq_header *h)
{
	struct nmreq_option *o = (struct nmreq_option *)(uintptr_t)h->nr_options;

	while (o) {
		struct nmreq_option *next = (struct nmreq_option *)(uintptr_t)o->nro_next;

		free(o);
		o = next;
	}
	h->nr_options = 0;
}
