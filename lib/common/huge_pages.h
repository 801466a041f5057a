/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: asks the kernel to back a large array with huge pages (Linux
 * transparent huge pages in "madvise" mode), for arrays read and written at
 * scattered rows -- the sparse MLP's first layer, its optimiser moments and
 * gradient rows -- where 4 KiB pages cost a TLB miss and, on first touch, a
 * page fault per row. A hint only: the values are unchanged, and nothing
 * happens elsewhere or when the kernel declines.
 */
#ifndef GENRE_HUGE_PAGES_H
#define GENRE_HUGE_PAGES_H

#include <stddef.h>

/* Advises the whole 2 MiB-aligned huge pages inside [p, p + bytes); blocks
 * under 4 MiB are left alone. Thread-safe; never fails (errors ignored). */
void genre__advise_huge_pages(void *p, size_t bytes);

#endif
