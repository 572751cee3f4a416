/*
 * core/counters.h - counters declared once, in a table, and read the same way by every exporter:
 * the /proc files (linux/main.c, linux/generic.c), vale-ctl -s (which reads /proc/netmap_vale) and
 * the coming Prometheus exporter.
 *
 * A table lists the u64 counter fields of one struct: per ring (struct nm_kring), per port
 * (struct nm_vale_stats), per device (struct nm_gen_stats).  An exporter walks the table over
 * an object with nm_counters_each and prints `name value` pairs in table order, so adding a
 * counter is one line in its table and every exporter shows it.  Values are read with READ_ONCE:
 * counters are written by the data path without a lock, and a reader wants a recent value,
 * never a torn one.
 */
#ifndef NM_CORE_COUNTERS_H
#define NM_CORE_COUNTERS_H

#include "os.h"

struct nm_counter {
	const char *name;		/* the key exporters print: lower case, no spaces */
	const char *help;		/* one line, for exporters that describe their metrics */
	size_t offset;			/* of a u64 in the counted struct */
};

#define NM_COUNTER(type, field, help) { #field, help, offsetof(type, field) }
#define NM_COUNTERS_N(table) (sizeof(table) / sizeof((table)[0]))

static inline u64 nm_counter_value(const struct nm_counter *c, const void *obj)
{
	const u64 *p = (const u64 *)((const char *)obj + c->offset);

	return READ_ONCE(*p);
}

typedef void (*nm_counter_fn)(void *arg, const char *name, u64 value);

/* Calls fn with each counter of `table` (n entries) read from obj, in table order. */
static inline void nm_counters_each(const struct nm_counter *table, size_t n, const void *obj,
				    nm_counter_fn fn, void *arg)
{
	size_t i;

	for (i = 0; i < n; i++)
		fn(arg, table[i].name, nm_counter_value(&table[i], obj));
}

/* Per ring (core/kring.c): what the kernel corrected in the application's ring (spec §4.6). */
extern const struct nm_counter nm_kring_counters[];
extern const size_t nm_kring_ncounters;

#endif /* NM_CORE_COUNTERS_H */
