/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Huge-page advice for large scattered arrays: see huge_pages.h. */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include "huge_pages.h"

#include <stdint.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

void genre__advise_huge_pages(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (!p || bytes < 2 * huge)
        return;
    const uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    const uintptr_t e = ((uintptr_t)p + bytes) & ~(huge - 1);
    if (e > a)
        (void)madvise((void *)a, (size_t)(e - a), MADV_HUGEPAGE); /* a hint: errors ignored */
#else
    (void)p, (void)bytes;
#endif
}
