/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the one allocation wrapper all library code uses, so a test build
 * (GENRE_TESTING) can fail the N-th allocation and count live blocks.
 * Allocation functions record GENRE_E_NOMEM as the last error on failure, so
 * callers only need `if (!p) return GENRE_E_NOMEM;`.
 */
#ifndef GENRE_ALLOC_H
#define GENRE_ALLOC_H

#include <stddef.h>

/* malloc of n_items * item_size bytes, overflow-checked; NULL on failure
 * (with the last error set). A zero-byte request returns a unique pointer. */
void *genre__alloc_array(size_t n_items, size_t item_size);
/* Zero-filled variant. */
void *genre__calloc_array(size_t n_items, size_t item_size);
/* Resizes *p to n_items * item_size bytes; on failure *p is untouched and
 * still owned by the caller. Returns 0 or -1. */
int genre__realloc_array(void *p_inout, size_t n_items, size_t item_size);
/* Copies a NUL-terminated string; NULL on failure. */
char *genre__strdup(const char *s);
/* Frees what the functions above returned; NULL is a no-op. */
void genre__free(void *p);

/* Convenience for one object: T *x = GENRE_NEW(T); */
#define GENRE_NEW(type) ((type *)genre__calloc_array(1, sizeof(type)))

/* For memory another library allocates (GSL objects): counts one attempt
 * against the test build's failure injection and returns 1 when that
 * attempt must fail (always 0 outside GENRE_TESTING). Records nothing: the
 * caller reports GENRE_E_NOMEM as for a real failure. */
int genre__alloc_should_fail(void);
/* Counts a block another library allocated (+1) or freed (-1) as live, so
 * the test build's leak checks see it; a no-op outside GENRE_TESTING. */
void genre__alloc_count_foreign(int delta);

#ifdef GENRE_TESTING
/* Fails the n-th allocation counted from this call (1 = the next one);
 * 0 turns failure injection off. Also resets the attempt counter. */
void genre__alloc_fail_at(long n);
/* Allocation attempts since the last genre__alloc_fail_at(). */
long genre__alloc_attempts(void);
/* Blocks allocated and not yet freed, process-wide. */
long genre__alloc_live(void);
/* The largest request in bytes (SIZE_MAX for one whose size overflows),
 * granted or not, since the last genre__alloc_fail_at(), process-wide: a
 * loader test checks that a crafted file asked for nothing above its size. */
size_t genre__alloc_largest(void);
#endif

#endif
