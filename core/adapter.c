/*
 * core/adapter.c - adapter lifetime (spec §3.6), and the default way a new ring gets its buffers.
 * Who uses a ring, and when it exists in shared memory, is core/ring_user.c.
 */
#include "adapter.h"

static struct nm_adapter *nm_adapters;	/* every adapter, newest first (control lock) */

static void nm_krings_init(struct nm_adapter *na, enum nm_dir d)
{
	u32 i, n = nm_adapter_all_rings(na, d);

	for (i = 0; i < n; i++) {
		struct nm_kring *kr = &na->krings[d][i];

		kr->na = na;
		kr->dir = d;
		kr->ring_id = i;
		kr->num_slots = na->num_slots[d];
		kr->is_host = i >= na->num_rings[d];
		nm_os_waitq_init(&kr->wq);
		snprintf(kr->name, sizeof(kr->name), "%s %s%u", na->name,
			 d == NM_TX ? "TX" : "RX", i);
	}
}

struct nm_adapter *nm_adapter_new(const char *name, const struct nm_adapter_ops *ops,
				  struct nm_mem *mem, const u32 rings[NM_DIRS],
				  const u32 host_rings[NM_DIRS], const u32 slots[NM_DIRS])
{
	struct nm_adapter *na;
	int d;

	na = nm_os_malloc(sizeof(*na));
	if (!na)
		goto put_mem;
	strscpy(na->name, name, sizeof(na->name));
	na->ops = ops;
	na->mem = mem;
	na->refcount = 1;
	for (d = 0; d < NM_DIRS; d++) {
		na->num_rings[d] = rings[d];
		na->num_host_rings[d] = host_rings[d];
		na->num_slots[d] = slots[d];
		nm_os_waitq_init(&na->dir_wq[d]);
		if (nm_adapter_all_rings(na, d) == 0)
			continue;
		na->krings[d] = nm_os_malloc(sizeof(struct nm_kring) * nm_adapter_all_rings(na, d));
		if (!na->krings[d])
			goto free_krings;
		nm_krings_init(na, d);
	}
	na->next_all = nm_adapters;
	nm_adapters = na;
	return na;

free_krings:
	nm_os_free(na->krings[NM_TX]);
	nm_os_free(na);
put_mem:
	nm_mem_put(mem);
	return ERR_PTR(-ENOMEM);
}

void nm_adapter_get(struct nm_adapter *na)
{
	na->refcount++;
}

void nm_adapter_put(struct nm_adapter *na)
{
	struct nm_adapter **pp;
	int d;

	na->refcount--;
	if (na->refcount == 1 && na->ops->orphaned) {
		na->ops->orphaned(na);	/* may drop the last reference itself */
		return;
	}
	if (na->refcount > 0)
		return;
	for (pp = &nm_adapters; *pp != na; pp = &(*pp)->next_all)
		;
	*pp = na->next_all;
	if (na->ops->dtor)
		na->ops->dtor(na);
	for (d = 0; d < NM_DIRS; d++) {
		u32 i;

		for (i = 0; i < nm_adapter_all_rings(na, d); i++)
			nm_os_waitq_destroy(&na->krings[d][i].wq);
		nm_os_waitq_destroy(&na->dir_wq[d]);
		nm_os_free(na->krings[d]);
	}
	nm_mem_put(na->mem);
	nm_os_free(na);
}

void nm_adapter_foreach(void (*fn)(void *arg, struct nm_adapter *na), void *arg)
{
	struct nm_adapter *na;

	for (na = nm_adapters; na; na = na->next_all)
		fn(arg, na);
}

int nm_kring_fill_bufs(struct nm_kring *kr)
{
	struct nm_mem *mem = kr->na->mem;
	struct netmap_slot *slot = kr->ring->slot;
	u32 i, n = kr->num_slots;
	u32 *idx;
	int err;

	idx = nm_os_malloc(sizeof(*idx) * n);
	if (!idx)
		return -ENOMEM;
	err = nm_mem_bufs_alloc(mem, idx, n);
	if (!err) {
		for (i = 0; i < n; i++) {
			slot[i].buf_idx = idx[i];
			slot[i].len = nm_mem_buf_size(mem);
		}
	}
	nm_os_free(idx);
	return err;
}

void nm_kring_free_bufs(struct nm_kring *kr)
{
	u32 i;

	for (i = 0; i < kr->num_slots; i++)
		nm_mem_buf_free(kr->na->mem, READ_ONCE(kr->ring->slot[i].buf_idx));
}
