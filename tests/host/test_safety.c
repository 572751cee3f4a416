/*
 * Host regression tests for the memory-safety defects of issue 13 that the core alone shows,
 * under AddressSanitizer and UBSan: a use-after-free or an overflow aborts the program, which
 * tests/run-tests counts as a failure.
 *   - a pipe whose creation fails must not free its parent twice;
 *   - a pipe's parent name cannot itself be a pipe (a{b{c{... recursed once per brace);
 *   - a REGISTER that is undone (an option left unconsumed) is never seen by the data path on
 *     the same file, which takes no lock;
 *   - the block copy's real extent (nm_buf_copy_span), which copies into skbs must respect;
 *   - one file takes at most max_extra_bufs buffers from the global region.
 */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "kring.h"
#include "mem.h"
#include "params.h"
#include "port.h"
#include "vale.h"
#include "../host/os_user.h"
#include "app.h"
#include "../t.h"

#define UPTR(p) ((u64)(uintptr_t)(p))

/*
 * A pipe whose rings cannot be set up, on a parent created for it: the parent used to be freed
 * by the pipe's teardown and then again by the lookup (ASan: heap-use-after-free).
 */
static void test_pipe_create_failure(void)
{
	struct nmreq_register reg = { .nr_mode = NR_REG_ALL_NIC, .nr_tx_rings = 64, .nr_rx_rings = 64 };
	struct nmreq_port_info_get info = { .nr_tx_rings = 64, .nr_rx_rings = 64 };
	long base = nm_os_live_objects();
	struct app a;
	int err, again;

	err = app_open_reg(&a, "dbl{1", &reg);
	app_close(&a);
	ok(err == -ENOMEM && nm_os_live_objects() == base,
	   "a pipe whose rings do not fit its new parent's region: ENOMEM, nothing left (got %d)", err);
	again = app_open_reg(&a, "dbl{1", &reg);
	app_close(&a);
	ok(again == err && nm_os_live_objects() == base, "the same request again: the same errno");
	ok(app_request(NETMAP_REQ_PORT_INFO_GET, "dbl}1", &info) == -ENOMEM &&
	   nm_os_live_objects() == base, "PORT_INFO_GET on that pipe: ENOMEM, nothing left");
	ok(app_request(NETMAP_REQ_POOLS_INFO_GET, "dbl{1", &(struct nmreq_pools_info){ 0 }) == 0 &&
	   nm_os_live_objects() == base, "POOLS_INFO_GET on a default pipe of that parent: works");
	ok(app_open(&a, "dbl{1", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0 && a.reg.nr_tx_rings == 1,
	   "the default pipe on that name opens afterwards");
	app_close(&a);
	ok(nm_os_live_objects() == base, "no object left by the failures");
}

/* The parent created with a pipe is sized for that pipe, so the first pipe always fits. */
static void test_pipe_implicit_size(void)
{
	struct nmreq_register reg = { .nr_mode = NR_REG_ALL_NIC, .nr_tx_slots = 4096 };
	long base = nm_os_live_objects();
	struct app m, s;

	ok(app_open_reg(&m, "big{1", &reg) == 0 && m.reg.nr_tx_slots == 4096 &&
	   NETMAP_TXRING(m.nifp, 0)->num_slots == 4096,
	   "a 4096-slot pipe on a new implicit parent opens");
	ok(app_open(&s, "big}1", NR_REG_ALL_NIC, 0, 0, 0, 0) == 0 && s.reg.nr_rx_slots == 4096,
	   "its other end mirrors it");
	tx_frame(NETMAP_TXRING(m.nifp, 0), 60, 0x5a, 0);
	nm_file_sync(m.nf, NM_TX);
	nm_file_sync(s.nf, NM_RX);
	ok(frame_is(NETMAP_RXRING(s.nifp, 0), 0, 60, 0x5a), "and moves a frame");
	app_close(&s);
	app_close(&m);
	ok(nm_os_live_objects() == base, "everything freed");
}

static void test_pipe_nested_names(void)
{
	static const char *const names[] = { "a{b{c{d", "a}b{c", "p{q{1", "{x{1" };
	long base = nm_os_live_objects();
	struct app a;
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int err = app_open(&a, names[i], NR_REG_ALL_NIC, 0, 0, 0, 0);

		app_close(&a);
		ok(err == -EINVAL, "pipe name %s: EINVAL (got %d)", names[i], err);
	}
	ok(nm_os_live_objects() == base, "nothing created by nested names");
}

/* --- REGISTER's undo against the data path of the same file ------------------------------- */

#define RACE_ROUNDS 3000

static struct {
	struct nm_file *nf;
	int stop;
	unsigned long calls, bound_seen;
} race;

static void race_wait(void *arg, struct nm_os_waitq *q)
{
	(void)arg;
	(void)q;
}

/* What another thread does with the fd meanwhile: syncs, poll, and the mmap check. */
static void *race_data_path(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&race.stop, __ATOMIC_ACQUIRE)) {
		if (nm_file_sync(race.nf, NM_TX) != -ENXIO)
			race.bound_seen++;
		if (nm_file_sync(race.nf, NM_RX) != -ENXIO)
			race.bound_seen++;
		if (nm_file_poll(race.nf, NM_POLL_IN | NM_POLL_OUT, race_wait, NULL) != NM_POLL_ERR)
			race.bound_seen++;
		if (nm_file_mem(race.nf))
			race.bound_seen++;
		race.calls += 4;
	}
	return NULL;
}

/* REGISTER through the decoder, with an option nobody consumes: always undone (EOPNOTSUPP). */
static int register_with_leftover(struct nm_file *nf, const char *name)
{
	struct nmreq_register reg = { .nr_mode = NR_REG_ALL_NIC };
	struct nmreq_option opt = { .nro_reqtype = 1000, .nro_size = sizeof(opt) };
	struct nmreq_header hdr = {
		.nr_version = NETMAP_API,
		.nr_reqtype = NETMAP_REQ_REGISTER,
		.nr_body = UPTR(&reg),
		.nr_options = UPTR(&opt),
	};
	int err;

	strscpy(hdr.nr_name, name, sizeof(hdr.nr_name));
	nm_os_ctrl_lock();
	err = nm_ctrl_ioctl(nf, UPTR(&hdr), &nm_requests);
	nm_os_ctrl_unlock();
	return err;
}

static void test_register_undo_race(void)
{
	static const char *const names[] = { "race{1", "vale9:race" };
	long base = nm_os_live_objects();
	unsigned long wrong;
	pthread_t th;
	unsigned int n, k;
	int err = 0;

	for (k = 0; k < 2; k++) {
		race.nf = nm_file_new();
		race.stop = 0;
		race.calls = race.bound_seen = 0;
		wrong = 0;
		pthread_create(&th, NULL, race_data_path, NULL);
		for (n = 0; n < RACE_ROUNDS; n++)
			if ((err = register_with_leftover(race.nf, names[k])) != -EOPNOTSUPP)
				wrong++;
		__atomic_store_n(&race.stop, 1, __ATOMIC_RELEASE);
		pthread_join(th, NULL);
		ok(wrong == 0, "%s: %u REGISTERs with a leftover option all fail EOPNOTSUPP (%lu: %d)",
		   names[k], RACE_ROUNDS, wrong, err);
		ok(race.calls > 0 && race.bound_seen == 0,
		   "%s: %lu syncs, polls and mmap checks meanwhile never saw the undone binding (%lu did)",
		   names[k], race.calls, race.bound_seen);
		nm_file_release(race.nf);
	}
	ok(nm_os_live_objects() == base, "undone registrations leave nothing behind");
}

/*
 * A REGISTER whose reply cannot be written back (the body is in a read-only page) fails with
 * EFAULT, and the fd is left unbound: the binding is committed only after the write-back.
 */
static void test_register_copy_back_fault(void)
{
	long pg = sysconf(_SC_PAGESIZE), base = nm_os_live_objects();
	struct nmreq_register *reg = mmap(NULL, pg, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct nmreq_header hdr = {
		.nr_version = NETMAP_API,
		.nr_reqtype = NETMAP_REQ_REGISTER,
		.nr_body = UPTR(reg),
	};
	struct nm_file *nf = nm_file_new();
	int err;

	strscpy(hdr.nr_name, "ro{1", sizeof(hdr.nr_name));
	reg->nr_mode = NR_REG_ALL_NIC;
	mprotect(reg, pg, PROT_READ);
	nm_os_ctrl_lock();
	err = nm_ctrl_ioctl(nf, UPTR(&hdr), &nm_requests);
	nm_os_ctrl_unlock();
	ok(err == -EFAULT && nm_file_sync(nf, NM_TX) == -ENXIO && nm_file_mem(nf) == NULL,
	   "REGISTER with a read-only body: EFAULT, and the fd is not bound (%d)", err);
	nm_file_release(nf);
	munmap(reg, pg);
	ok(nm_os_live_objects() == base, "and nothing is left of it");
}

/* --- the block copy's extent --------------------------------------------------------------- */

/*
 * nm_buf_copy writes exactly nm_buf_copy_span(len) bytes: copied into a heap block of exactly
 * that size, ASan aborts on one byte more; and a canary past it stays intact.
 */
static void test_buf_copy_span(void)
{
	static u8 src[2048] __attribute__((aligned(64)));
	unsigned int bad = 0;
	u32 len;

	for (len = 0; len < sizeof(src); len++)
		src[len] = (u8)(len * 7 + 1);
	for (len = 0; len <= 1100; len++) {
		u32 span = nm_buf_copy_span(len);
		u8 *exact = malloc(span);
		u8 *canary = malloc(span + 64);

		nm_buf_copy(exact, src, len);
		memset(canary, 0xee, span + 64);
		nm_buf_copy(canary, src, len);
		if (span < len || memcmp(exact, src, len) != 0 || canary[span] != 0xee ||
		    span % (len < NM_BUF_COPY_BLOCKS_MAX ? 64 : 8) != 0)
			bad++;
		free(exact);
		free(canary);
	}
	ok(bad == 0, "nm_buf_copy writes nm_buf_copy_span(len) bytes, no more, for len 0..1100");
	ok(nm_buf_copy_span(0) == 64 && nm_buf_copy_span(1) == 64 && nm_buf_copy_span(65) == 128 &&
	   nm_buf_copy_span(511) == 512 && nm_buf_copy_span(512) == 512 &&
	   nm_buf_copy_span(513) == 520 && nm_buf_copy_span(1514) == 1520 &&
	   nm_buf_copy_span(2048) == 2048,
	   "nm_buf_copy_span: 64 for 0 and 1, 128 for 65, whole 8-byte words from 512 on");
	/* The skb rule of linux/generic_tx.c: tailroom >= span - len; 63 is not enough for len 0. */
	ok(nm_buf_copy_span(0) - 0 > 63, "a zero-length fragment needs 64 bytes of room, not 63");
}

/* --- extra buffers from the global region --------------------------------------------------- */

/* The length of an extra-buffer chain, read through the kernel's view of the region. */
static u32 chain_length(struct app *a, u32 head)
{
	const struct nm_buf_lut *lut = nm_mem_lut(nm_file_mem(a->nf));
	u32 n = 0;

	while (head && n < 1000000) {
		head = *(u32 *)nm_buf_lut_addr(lut, head);
		n++;
	}
	return n;
}

static void test_extra_bufs_cap(void)
{
	long base = nm_os_live_objects();
	struct nm_mem *mem = nm_mem_global_get();
	struct app a;
	u32 free0;

	nm_mem_activate(mem);
	free0 = nm_mem_bufs_free_count(mem);
	ok(nm_params.max_extra_bufs == 16384, "max_extra_bufs defaults to 16384");
	nm_params.max_extra_bufs = 10;
	ok(app_open(&a, "x", NR_REG_NULL, 0, 0, 1, 1000) == 0 && a.reg.nr_extra_bufs == 10 &&
	   chain_length(&a, a.nifp->ni_bufs_head) == 10,
	   "global region: 1000 asked, max_extra_bufs = 10 given, a chain of 10");
	app_close(&a);
	ok(nm_mem_bufs_free_count(mem) == free0, "they are back in the pool after close");
	nm_params.max_extra_bufs = 0;
	ok(app_open(&a, "x", NR_REG_NULL, 0, 0, 1, 1000) == 0 && a.reg.nr_extra_bufs == 1000,
	   "max_extra_bufs = 0: no cap");
	app_close(&a);
	nm_params.max_extra_bufs = 10;
	ok(app_open(&a, "cap{1", NR_REG_ALL_NIC, 0, 0, 0, 100) == 0 && a.reg.nr_extra_bufs == 100,
	   "a private region (a pipe's) is not capped: 100 asked, 100 given");
	app_close(&a);
	nm_params_reset();
	nm_mem_deactivate(mem);
	nm_mem_put(mem);
	ok(nm_os_live_objects() == base, "nothing left");
}

int main(void)
{
	long base;

	ok(app_core_init() == 0, "core initialised (global region, switches, port providers)");
	base = nm_os_live_objects();
	test_pipe_create_failure();
	test_pipe_implicit_size();
	test_pipe_nested_names();
	test_register_undo_race();
	test_register_copy_back_fault();
	test_buf_copy_span();
	test_extra_bufs_cap();
	ok(nm_os_live_objects() == base, "no object leaked by any test");
	app_core_fini();
	return t_exit();
}
