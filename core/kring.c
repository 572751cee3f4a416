/*
 * core/kring.c - validation of what the application hands back on every sync (spec §4.3-§4.6,
 * §4.9).  The shared ring is read once per field; decisions are made on the kernel's own copies.
 */
#include "kring.h"
#include "adapter.h"
#include "counters.h"
#include "params.h"

void nm_kring_reset(struct nm_kring *kr)
{
	struct netmap_ring *ring = kr->ring;
	u32 n = kr->num_slots;

	kr->hwcur = 0;
	kr->hwtail = kr->dir == NM_TX ? n - 1 : 0;
	kr->rhead = kr->rcur = 0;
	kr->rtail = kr->hwtail;
	kr->pipe_pub = 0;
	WRITE_ONCE(ring->head, 0);
	WRITE_ONCE(ring->cur, 0);
	WRITE_ONCE(ring->tail, kr->rtail);
}

/* Replaces every slot whose buffer index or length would reach outside the region (spec §4.6.1). */
static void nm_kring_sanitize_slots(struct nm_kring *kr)
{
	const struct nm_buf_lut *lut = nm_mem_lut(kr->na->mem);
	struct netmap_slot *slot = kr->ring->slot;
	u32 i;

	for (i = 0; i < kr->num_slots; i++) {
		u32 idx = READ_ONCE(slot[i].buf_idx);
		u16 len = READ_ONCE(slot[i].len);

		if (idx < 2 || idx >= lut->total) {
			WRITE_ONCE(slot[i].buf_idx, 0);
			WRITE_ONCE(slot[i].len, 0);
			kr->bad_slots++;
		} else if (len > lut->size) {
			WRITE_ONCE(slot[i].len, 0);
			kr->bad_slots++;
		}
	}
}

static void nm_kring_violation(struct nm_kring *kr, u32 head, u32 cur, u32 tail, u32 lo, u32 hi)
{
	struct netmap_ring *ring = kr->ring;
	u32 n = kr->num_slots;

	kr->bad_syncs++;
	nm_os_log_ratelimited("%s: invalid head/cur (h=%u c=%u t=%u; allowed %u..%u, %u slots)",
			      kr->name, head, cur, tail, lo, hi, n);
	nm_kring_sanitize_slots(kr);
	/* Only out-of-range indices are reset; a merely misordered head is left as it is. */
	if (head >= n || cur >= n || tail >= n) {
		kr->rhead = kr->rcur = kr->hwcur;
		kr->rtail = kr->hwtail;
		WRITE_ONCE(ring->head, kr->hwcur);
		WRITE_ONCE(ring->cur, kr->hwcur);
		WRITE_ONCE(ring->tail, kr->hwtail);
	}
	if (kr->dir == NM_RX)
		kr->rhead = kr->rcur = kr->hwcur;	/* still receive, release nothing */
}

bool nm_kring_accept(struct nm_kring *kr, u32 head, u32 cur)
{
	u32 n = kr->num_slots;
	/* TX may move head up to the tail last published; RX up to what the kernel filled. */
	u32 lo = kr->dir == NM_TX ? kr->rhead : kr->hwcur;
	u32 hi = kr->dir == NM_TX ? kr->rtail : kr->hwtail;

	if (unlikely(head >= n || cur >= n || !nm_between(lo, head, hi, n) ||
		     !nm_between(head, cur, hi, n))) {
		nm_kring_violation(kr, head, cur, READ_ONCE(kr->ring->tail), lo, hi);
		return false;
	}
	kr->rhead = head;
	kr->rcur = cur;
	return true;
}

bool nm_kring_prologue(struct nm_kring *kr)
{
	struct netmap_ring *ring = kr->ring;

	if (!nm_kring_accept(kr, READ_ONCE(ring->head), READ_ONCE(ring->cur)))
		return false;
	if (unlikely(READ_ONCE(ring->tail) != kr->rtail))
		WRITE_ONCE(ring->tail, kr->rtail);	/* a scribbled tail is silently corrected */
	return true;
}

void nm_kring_finalize(struct nm_kring *kr)
{
	kr->rtail = kr->hwtail;
	/* Slot contents written by the sync become visible before the new tail. */
	smp_store_release(&kr->ring->tail, kr->hwtail);
}

void nm_kring_timestamp(struct nm_kring *kr)
{
	struct netmap_ring *ring = kr->ring;
	s64 sec, usec;

	if (READ_ONCE(nm_params.no_timestamp) && !(READ_ONCE(ring->flags) & NR_TIMESTAMP))
		return;
	nm_os_gettimeofday(&sec, &usec);
	ring->ts.tv_sec = sec;
	ring->ts.tv_usec = usec;
}

const struct nm_counter nm_kring_counters[] = {
	NM_COUNTER(struct nm_kring, bad_syncs, "syncs whose head or cur was invalid (spec 4.6)"),
	NM_COUNTER(struct nm_kring, bad_slots, "slots whose buf_idx or len the kernel replaced"),
	NM_COUNTER(struct nm_kring, skipped, "monitor rings: frames skipped for lack of room (the oldest of a batch)"),
};
const size_t nm_kring_ncounters = NM_COUNTERS_N(nm_kring_counters);
