/*
 * linux/os_types.h - the kernel's answer to the vocabulary core/os.h promises the core: fixed-width
 * types, errno values, READ_ONCE and friends, memcpy.  The core includes it only through core/os.h.
 */
#ifndef NM_LINUX_OS_TYPES_H
#define NM_LINUX_OS_TYPES_H

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/stddef.h>
#include <linux/compiler.h>
#include <asm/barrier.h>

#endif /* NM_LINUX_OS_TYPES_H */
