/*
 * tests/host/os_types.h - userspace definitions of the kernel vocabulary the core is written in
 * (see core/os.h).  With these, every core file compiles unchanged into ordinary test programs that
 * run under AddressSanitizer, UBSan, valgrind and libFuzzer.
 */
#ifndef NM_HOST_OS_TYPES_H
#define NM_HOST_OS_TYPES_H

/* The core writes the fields applications see as const (include/net/netmap.h). */
#define NETMAP_CORE 1

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#ifndef __always_inline	/* glibc's sys/cdefs.h has it */
#define __always_inline	inline __attribute__((__always_inline__))
#endif
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

/* Single-copy access to memory another thread (or the application) may change under us. */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))
#define barrier()		__asm__ __volatile__("" ::: "memory")
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)

/* The few atomic operations the core uses, with the kernel's names and ordering. */
static inline bool test_and_set_bit_lock(long nr, unsigned long *addr)
{
	unsigned long bit = 1UL << nr;

	return __atomic_fetch_or(addr, bit, __ATOMIC_ACQUIRE) & bit;
}

static inline void clear_bit_unlock(long nr, unsigned long *addr)
{
	__atomic_fetch_and(addr, ~(1UL << nr), __ATOMIC_RELEASE);
}

typedef struct {
	s64 counter;
} atomic64_t;

static inline void atomic64_add(s64 i, atomic64_t *v)
{
	__atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED);
}

static inline s64 atomic64_read(const atomic64_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

/* The kernel's way of returning an errno through a pointer. */
#define MAX_ERRNO	4095
#define IS_ERR_VALUE(x)	((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline void *ERR_CAST(const void *ptr) { return (void *)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
static inline bool IS_ERR_OR_NULL(const void *ptr) { return !ptr || IS_ERR(ptr); }

#define PAGE_SIZE	4096UL

/* The kernel's bounded string copy: always NUL-terminates; -E2BIG when src did not fit. */
static inline long strscpy(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size);

	if (size == 0)
		return -E2BIG;
	if (len == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, len + 1);
	return (long)len;
}

/* In host tests a wait queue only counts its wake-ups, so tests can assert who was woken. */
struct nm_os_waitq {
	unsigned long wakeups;
};

#include <pthread.h>

struct nm_os_spinlock {
	pthread_mutex_t m;
};

struct nm_os_rwlock {
	pthread_rwlock_t rw;
};

/* Host tests have no worker threads: a kick runs the work at once, unless it is already running. */
struct nm_os_work {
	void (*fn)(void *arg);
	void *arg;
	bool running, again;
};

/* nm_os_copy_words (core/os.h): memcpy here, so that AddressSanitizer checks every byte. */
static inline void nm_os_copy_words(void *dst, const void *src, u32 len)
{
	memcpy(dst, src, (len + 7) & ~7u);
}

#endif /* NM_HOST_OS_TYPES_H */
