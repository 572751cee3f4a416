/*
 * tests/host/os_user.h - what the userspace os.h offers tests beyond core/os.h.
 */
#ifndef NM_HOST_OS_USER_H
#define NM_HOST_OS_USER_H

#include <stddef.h>

/* Maps the region pages at kernel-side address kaddr (len bytes, page multiples) again at user
 * address `at` (MAP_FIXED): what the kernel's mmap does with vm_insert_page.  0 or -errno. */
int nm_os_user_map(void *kaddr, size_t len, void *at);

/*
 * Limits "user memory" to [lo, lo + len): copies to or from anything else fail with EFAULT, as for
 * an address the process has not mapped.  For harnesses whose requests come from untrusted input
 * (tests/fuzz): without it a pointer the fuzzer learns points the core's write-backs into the
 * harness itself.  By default every mapped address of this process is user memory.
 */
void nm_os_user_limit(const void *lo, size_t len);

/* Log switches (see os_user.c). */
extern int nm_os_log_to_stderr;
extern unsigned long nm_os_log_lines;

#endif /* NM_HOST_OS_USER_H */
