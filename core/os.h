/*
 * core/os.h - the seam between the portable netmap core and the operating system.
 *
 * Everything under core/ is plain C that includes no OS header except through this file.  The
 * core is written in kernel vocabulary (u32, READ_ONCE, -errno ...); each OS provides those names
 * in its os_types.h and implements the nm_os_* functions declared below:
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

#ifdef __KERNEL__
#include "../linux/os_types.h"
#else
#include "../tests/host/os_types.h"
#endif

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

#endif /* NM_CORE_OS_H */
