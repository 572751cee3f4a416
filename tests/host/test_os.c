/*
 * Host test of the userspace os.h and the tunables table: leak accounting must count exactly,
 * because every "nothing leaked" assertion in the suite rests on it.
 */
#include <stdio.h>

#include "os.h"
#include "params.h"
#include "../t.h"

int main(void)
{
	long base = nm_os_live_objects();
	unsigned char *a = nm_os_malloc(100), *b = nm_os_malloc(1 << 20);
	int zero = 1, i;

	ok(a && b, "nm_os_malloc returns memory");
	for (i = 0; i < 100; i++)
		zero &= a[i] == 0;
	ok(zero && b[(1 << 20) - 1] == 0, "memory is zeroed");
	ok(nm_os_live_objects() == base + 2, "two allocations are counted");
	nm_os_free(a);
	nm_os_free(NULL);
	ok(nm_os_live_objects() == base + 1, "free uncounts; free(NULL) is a no-op");
	nm_os_free(b);
	ok(nm_os_live_objects() == base, "back to the baseline");

	ok(nm_params.pool[NM_POOL_BUF].num == 163840 && nm_params.pool[NM_POOL_BUF].size == 2048,
	   "global buffer pool defaults: 163840 x 2048");
	ok(nm_params.priv[NM_POOL_RING].num == 4 && nm_params.priv[NM_POOL_RING].size == 20480,
	   "private ring pool defaults: 4 x 20480");
	nm_params.bridge_batch = 7;
	nm_params_reset();
	ok(nm_params.bridge_batch == 1024, "nm_params_reset restores defaults");
	return t_exit();
}
