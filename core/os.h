/*
 * core/os.h - the seam between the portable netmap core and the operating system.
 *
 * Everything under core/ is plain C that includes no OS header except through this file.  The
 * core is written in kernel vocabulary (u32, READ_ONCE, test_and_set_bit_lock, atomic64_t, -errno
 * ...); each OS provides those names in its os_types.h and implements the nm_os_* functions
 * declared below:
 *
 *   linux/os_types.h + linux/os_linux.c          the kernel module
 *   tests/host/os_types.h + tests/host/os_user.c the userspace build used by host tests, fuzzers
 *                                                and micro-benchmarks
 *
 * Add a function here only when the core truly needs the OS; keep each one small and documented,
 * so that both implementations stay easy to check against each other.
 */
#ifndef NM_CORE_OS_H
#define NM_CORE_OS_H

/* The build puts the right directory on the include path: linux/ (Kbuild) or tests/host/. */
#include "os_types.h"

/*
 * Bulk copy between netmap buffers (64-byte aligned, sizes multiples of 64), defined inline in
 * os_types.h:
 *   void nm_os_copy_words(void *dst, const void *src, u32 len);
 * copies len bytes rounded up to whole 8-byte words, the fastest way the OS knows for frames of
 * hundreds of bytes and more (core/mem.h, nm_buf_copy).
 */

/*
 * Accounted memory.  Every object the core allocates goes through these, so that the module can
 * prove at unload (and tests after every case) that nothing leaked: nm_os_live_objects() must be
 * back to its baseline.  Memory is zeroed.  nm_os_free(NULL) is a no-op.
 */
void *nm_os_malloc(size_t size);
void nm_os_free(void *p);
long nm_os_live_objects(void);

/*
 * Logging.  Lines are prefixed with "netmap: ".  nm_os_log_ratelimited() is for anything a user
 * program can trigger repeatedly (bad requests, pool exhaustion): one line per burst, never a flood.
 */
void nm_os_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void nm_os_log_ratelimited(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Region memory: the pools applications map.  Page-aligned, zeroed and page-backed, so that it can
 * be mapped into user space page by page; not necessarily physically contiguous (no DMA).  Each
 * region allocation counts as one live object.
 */
void *nm_os_region_alloc(size_t size);
void nm_os_region_free(void *p);

/*
 * User memory.  `uptr` is a user-space address carried in a u64 (the spec's "uptr").  Both return
 * 0, or -EFAULT when any byte cannot be accessed; they never crash on a bad address.
 */
int nm_os_copy_from_user(void *dst, u64 uptr, size_t len);
int nm_os_copy_to_user(u64 uptr, const void *src, size_t len);

/*
 * The control lock serialises every control-path operation: requests, registration, close.  It
 * may sleep.  The data path (syncs, poll) never takes it.
 */
void nm_os_ctrl_lock(void);
void nm_os_ctrl_unlock(void);

/*
 * Wait queues (struct nm_os_waitq comes from os_types.h).  poll() sleeps on them in the OS glue;
 * the core only wakes them.
 */
void nm_os_waitq_init(struct nm_os_waitq *q);
void nm_os_waitq_destroy(struct nm_os_waitq *q);
void nm_os_waitq_wake(struct nm_os_waitq *q);

/*
 * Data-path locks (types in os_types.h).  Both are short, never sleep while held, and may be
 * taken from softirq context later (NIC receive), so the kernel disables bottom halves with them.
 *   spinlock: a VALE destination ring's slot reservations.
 *   rwlock:   a VALE switch; forwarding holds it for reading, changes to its ports and rings
 *             take it for writing.
 */
void nm_os_spin_init(struct nm_os_spinlock *l);
void nm_os_spin_lock(struct nm_os_spinlock *l);
void nm_os_spin_unlock(struct nm_os_spinlock *l);
void nm_os_rwlock_init(struct nm_os_rwlock *l);
void nm_os_read_lock(struct nm_os_rwlock *l);
void nm_os_read_unlock(struct nm_os_rwlock *l);
void nm_os_write_lock(struct nm_os_rwlock *l);
void nm_os_write_unlock(struct nm_os_rwlock *l);

/*
 * Deferred work (struct nm_os_work comes from os_types.h): fn(arg) runs later in process context,
 * where it may take its time.  A kick from any context (softirq included) makes sure one run
 * starts after it; kicks that come while a run is pending are merged into it.  nm_os_work_stop
 * cancels a pending run and waits for a running one; nothing may kick the work after it starts.
 * A device on a switch forwards its frames in such a run (core/vale_nic.c).
 */
void nm_os_work_init(struct nm_os_work *w, void (*fn)(void *arg), void *arg);
void nm_os_work_kick(struct nm_os_work *w);
void nm_os_work_stop(struct nm_os_work *w);

/*
 * Waits until every data-path call that started before it has returned: softirq receive,
 * transmit completions, timers.  After unlinking something such code reads (a ring user,
 * core/ring_user.c), call this before freeing it.  May sleep.
 */
void nm_os_wait_data_path(void);

/*
 * Marks a section of code that nm_os_wait_data_path waits for, in a caller that may not already
 * be one of the data-path contexts above (a process that can be preempted).  Never sleeps inside.
 * nm_kring_wake calls the ring users' notify hooks in one, whoever calls it.
 */
void nm_os_data_path_begin(void);
void nm_os_data_path_end(void);

/* Like nm_os_copy_from_user, but never sleeps (usable under the locks above): a page that is
 * not present counts as a fault.  0 or -EFAULT. */
int nm_os_copy_from_user_nofault(void *dst, u64 uptr, size_t len);

/*
 * The sync-kloop (core/kloop.c) runs inside SYNC_KLOOP_START, in the thread that called it, and
 * sleeps between rounds:
 *   nm_os_kloop_sleep: sleeps up to usec microseconds on q (0: only yields the CPU;
 *     NM_OS_SLEEP_FOREVER: no limit), returning early when *stop or *kicked becomes nonzero;
 *     -EINTR when the thread has a signal pending (killed, or interrupted), else 0.
 *   nm_os_kloop_wait_idle: sleeps on q until *state is 0 (STOP waits for the loop to end);
 *     -EINTR if a signal interrupts the wait.
 *   nm_os_thread_id: the calling thread: who claimed a loop must be who runs it.
 *   nm_os_files_id: the calling thread's table of file descriptors, as the OS names it to a
 *     file's flush: a close() of the loop's fd by its own process stops the loop.
 */
#define NM_OS_SLEEP_FOREVER 0xffffffffu
int nm_os_kloop_sleep(struct nm_os_waitq *q, u32 usec, const bool *stop, const u32 *kicked);
int nm_os_kloop_wait_idle(struct nm_os_waitq *q, const u32 *state);
u64 nm_os_thread_id(void);
u64 nm_os_files_id(void);

/*
 * The eventfds of a sync-kloop (OPT_SYNC_KLOOP_EVENTFDS), one object per loop, made by the thread
 * that will run the loop.  Ring i is the CSB's index (TX rings first):
 *   nm_os_kloop_events_new: room for n rings; a wake-up through any of their hooks marks the ring
 *     pending, sets *kicked and wakes that thread.  os_file is the file the loop runs on (the
 *     OS glue's handle, nm_file.os_file), which direct syncs pin.  ERR_PTR(-ENOMEM).
 *   nm_os_kloop_events_set: ring i's ioeventfd (the application kicks the loop through it) and
 *     irqfd (the loop notifies the application), -1 for none; -EBADF or -EINVAL when a
 *     descriptor is not an eventfd.
 *   nm_os_kloop_events_watch: wakes the loop also when q, ring i's wait queue, is woken.
 *   nm_os_kloop_events_direct: ring i is direct: a kick on its ioeventfd runs fn(arg, i) in the
 *     kicking thread, on its way back to user space, when that thread shares the loop's address
 *     space; otherwise, and when fn returns nonzero, the ring is left pending for the loop.
 *     fn never runs after nm_os_kloop_events_free has returned.
 *   nm_os_kloop_events_take: whether ring i was kicked or woken since the last take (clears it).
 *   nm_os_kloop_events_kick: marks ring i pending again and wakes the loop, as a hook would.
 *   nm_os_kloop_events_irq: signals ring i's irqfd, if it has one.
 *   nm_os_kloop_events_free: unhooks everything, waits for direct syncs in progress, and drops
 *     the references (no wake-up and no fn runs after it).  Accepts NULL.
 */
struct nm_os_kloop_events;
struct nm_os_kloop_events *nm_os_kloop_events_new(u32 n, u32 *kicked, void *os_file);
int nm_os_kloop_events_set(struct nm_os_kloop_events *ev, u32 i, s32 ioeventfd, s32 irqfd);
void nm_os_kloop_events_watch(struct nm_os_kloop_events *ev, u32 i, struct nm_os_waitq *q);
void nm_os_kloop_events_direct(struct nm_os_kloop_events *ev, u32 i,
			       int (*fn)(void *arg, u32 i), void *arg);
bool nm_os_kloop_events_take(struct nm_os_kloop_events *ev, u32 i);
void nm_os_kloop_events_kick(struct nm_os_kloop_events *ev, u32 i);
void nm_os_kloop_events_irq(struct nm_os_kloop_events *ev, u32 i);
void nm_os_kloop_events_free(struct nm_os_kloop_events *ev);

/*
 * Polling threads (VALE_POLLING_ENABLE, core/vale_poll.c):
 *   nm_os_poller_start: a kernel thread named `name`, bound to CPU `cpu`, that calls fn(arg)
 *     over and over, giving the CPU to other runnable work between calls.  ERR_PTR on failure.
 *   nm_os_poller_stop: ends it, waiting for the call in progress.
 *   nm_os_online_cpus: how many CPUs are online; nm_os_cpu_online: whether cpu is one of them.
 */
struct nm_os_poller;
struct nm_os_poller *nm_os_poller_start(void (*fn)(void *arg), void *arg, u32 cpu,
					 const char *name);
void nm_os_poller_stop(struct nm_os_poller *p);
u32 nm_os_online_cpus(void);
bool nm_os_cpu_online(u32 cpu);

/*
 * Persistent VALE ports (spec §7.2 NEWIF/DELIF) are real network interfaces.  The OS creates one
 * named `name` (random MAC; frames the stack sends to it are dropped; it holds a module
 * reference) and returns a handle: 0, -EEXIST when the name is taken, or another -errno.
 * nm_os_netdev_exists() tells whether any interface has that name (for EEXIST/EINVAL answers).
 */
int nm_os_vale_netdev_create(const char *name, void **handle);
void nm_os_vale_netdev_destroy(void *handle);
bool nm_os_netdev_exists(const char *name);

/* Wall-clock time (CLOCK_REALTIME), for netmap_ring.ts. */
void nm_os_gettimeofday(s64 *sec, s64 *usec);

#endif /* NM_CORE_OS_H */
