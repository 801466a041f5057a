/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "alloc.h"
#include "error_private.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef GENRE_TESTING
#include <stdatomic.h>
static atomic_long fail_at;   /* 0 = off */
static atomic_long attempts;
static atomic_long live;
static _Atomic size_t largest;

void genre__alloc_fail_at(long n)
{
    atomic_store(&attempts, 0);
    atomic_store(&largest, 0);
    atomic_store(&fail_at, n);
}

size_t genre__alloc_largest(void) { return atomic_load(&largest); }

static void note_request(size_t n_items, size_t item_size)
{
    size_t bytes = item_size != 0 && n_items > SIZE_MAX / item_size ? SIZE_MAX
                                                                    : n_items * item_size;
    size_t seen = atomic_load(&largest);
    while (bytes > seen && !atomic_compare_exchange_weak(&largest, &seen, bytes)) {
    }
}

long genre__alloc_attempts(void) { return atomic_load(&attempts); }
long genre__alloc_live(void) { return atomic_load(&live); }

/* Returns 1 when this attempt must fail. */
static int injected_failure(void)
{
    long k = atomic_fetch_add(&attempts, 1) + 1;
    long n = atomic_load(&fail_at);
    return n > 0 && k == n;
}
#define COUNT_ALLOC() atomic_fetch_add(&live, 1)
#define COUNT_FREE() atomic_fetch_sub(&live, 1)
#else
#define injected_failure() 0
#define COUNT_ALLOC() ((void)0)
#define COUNT_FREE() ((void)0)
#define note_request(n_items, item_size) ((void)0)
#endif

int genre__alloc_should_fail(void)
{
    return injected_failure();
}

void genre__alloc_count_foreign(int delta)
{
#ifdef GENRE_TESTING
    atomic_fetch_add(&live, delta);
#else
    (void)delta;
#endif
}

static void *nomem(size_t n_items, size_t item_size)
{
    genre__fail(GENRE_E_NOMEM, "allocate", "out of memory allocating %zu x %zu bytes",
                n_items, item_size);
    return NULL;
}

static int byte_count(size_t n_items, size_t item_size, size_t *bytes)
{
    note_request(n_items, item_size);
    if (item_size != 0 && n_items > SIZE_MAX / item_size)
        return -1;
    *bytes = n_items * item_size;
    if (*bytes == 0)
        *bytes = 1; /* a unique, freeable pointer for empty arrays */
    return 0;
}

void *genre__alloc_array(size_t n_items, size_t item_size)
{
    size_t bytes;
    if (byte_count(n_items, item_size, &bytes) != 0 || injected_failure())
        return nomem(n_items, item_size);
    void *p = malloc(bytes);
    if (!p)
        return nomem(n_items, item_size);
    COUNT_ALLOC();
    return p;
}

void *genre__calloc_array(size_t n_items, size_t item_size)
{
    size_t bytes;
    if (byte_count(n_items, item_size, &bytes) != 0 || injected_failure())
        return nomem(n_items, item_size);
    void *p = calloc(1, bytes);
    if (!p)
        return nomem(n_items, item_size);
    COUNT_ALLOC();
    return p;
}

int genre__realloc_array(void *p_inout, size_t n_items, size_t item_size)
{
    void **pp = (void **)p_inout;
    size_t bytes;
    if (byte_count(n_items, item_size, &bytes) != 0 || injected_failure()) {
        nomem(n_items, item_size);
        return -1;
    }
    void *q = realloc(*pp, bytes);
    if (!q) {
        nomem(n_items, item_size);
        return -1;
    }
    if (*pp == NULL)
        COUNT_ALLOC();
    *pp = q;
    return 0;
}

char *genre__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = genre__alloc_array(n, 1);
    if (d)
        memcpy(d, s, n);
    return d;
}

void genre__free(void *p)
{
    if (!p)
        return;
    COUNT_FREE();
    free(p);
}
