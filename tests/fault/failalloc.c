/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A failing allocator for LD_PRELOAD: interposes the C allocation functions
 * for every library in the process (libgenre, GSL, zlib, libdeflate,
 * OpenBLAS, libc itself) and fails the n-th call made while a window is
 * open. Outside the window every call passes straight to glibc.
 *
 * glibc exports __libc_malloc and friends, so no dlsym(RTLD_NEXT) is needed
 * (dlsym itself allocates, which would recurse). The driver (fault_walk.c)
 * finds failalloc_arm / failalloc_disarm with dlsym; see failalloc.h.
 *
 * Live blocks allocated inside the window are tracked in a fixed
 * open-addressed table so the driver can report leaks; the table is sized
 * for the small steps of the walk and stops tracking (and says so) when full.
 */
#define _GNU_SOURCE
#include "failalloc.h"

#include <errno.h>
#include <malloc.h>
#include <execinfo.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);
void *__libc_memalign(size_t align, size_t n);
void *__libc_valloc(size_t n);
void *__libc_pvalloc(size_t n);

#define EXPORT __attribute__((visibility("default")))

static atomic_int armed;        /* window open */
static atomic_long fail_at;     /* 0 = count only */
static atomic_long calls;       /* allocation calls in the window */
static atomic_int failed_once;  /* the injected failure happened */
static int report_fd = -1;      /* where the failure site goes */
/* our own backtrace() must not count; initial-exec: no __tls_get_addr,
 * which may allocate, inside malloc */
static _Thread_local int inside __attribute__((tls_model("initial-exec")));

/* ---- live-block table ---------------------------------------------------- */
#define TABLE_BITS 16
#define TABLE_SIZE (1u << TABLE_BITS)
#define TOMBSTONE ((uintptr_t)1)
static _Atomic uintptr_t table[TABLE_SIZE];
static atomic_long live;
static atomic_int table_full;
static atomic_int table_used;

static size_t slot_of(uintptr_t p)
{
    return (size_t)((p >> 4) * UINT64_C(0x9E3779B97F4A7C15) >> (64 - TABLE_BITS));
}

static void track(void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    size_t i = slot_of(p);
    for (size_t probe = 0; probe < TABLE_SIZE; probe++, i = (i + 1) & (TABLE_SIZE - 1)) {
        uintptr_t cur = atomic_load(&table[i]);
        if ((cur == 0 || cur == TOMBSTONE) &&
            atomic_compare_exchange_strong(&table[i], &cur, p)) {
            atomic_fetch_add(&live, 1);
            return;
        }
    }
    atomic_store(&table_full, 1);
}

static void untrack(void *ptr)
{
    if (ptr == NULL || atomic_load(&live) == 0)
        return;
    uintptr_t p = (uintptr_t)ptr;
    size_t i = slot_of(p);
    for (size_t probe = 0; probe < TABLE_SIZE; probe++, i = (i + 1) & (TABLE_SIZE - 1)) {
        uintptr_t cur = atomic_load(&table[i]);
        if (cur == 0)
            return;
        if (cur == p && atomic_compare_exchange_strong(&table[i], &cur, TOMBSTONE)) {
            atomic_fetch_sub(&live, 1);
            return;
        }
    }
}

/* ---- the decision ------------------------------------------------------- */

/* Writes the failing call's stack (raw addresses; the driver, a fork
 * parent with the same mappings, names them) to report_fd. */
static void report_site(void)
{
    if (report_fd < 0)
        return;
    failalloc_site site;
    memset(&site, 0, sizeof site);
    site.index = atomic_load(&calls);
    inside = 1;
    int n = backtrace(site.frames, FAILALLOC_MAX_FRAMES);
    inside = 0;
    site.n_frames = n > 0 ? n : 0;
    ssize_t w = write(report_fd, &site, sizeof site);
    (void)w;
}

/* 1 when this call must fail. Counts only inside the window. */
static int should_fail(void)
{
    if (!atomic_load_explicit(&armed, memory_order_relaxed) || inside)
        return 0;
    long k = atomic_fetch_add(&calls, 1) + 1;
    if (k != atomic_load(&fail_at))
        return 0;
    atomic_store(&failed_once, 1);
    report_site();
    return 1;
}

static void *tracked(void *p)
{
    if (p != NULL && atomic_load_explicit(&armed, memory_order_relaxed) && !inside)
        track(p);
    return p;
}

/* ---- the interposed functions ------------------------------------------- */

EXPORT void *malloc(size_t n)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return tracked(__libc_malloc(n));
}

EXPORT void *calloc(size_t n, size_t size)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return tracked(__libc_calloc(n, size));
}

EXPORT void *realloc(void *p, size_t n)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL; /* p stays valid, as after a real failure */
    }
    void *q = __libc_realloc(p, n);
    if (q != NULL || n == 0)
        untrack(p);
    return tracked(q);
}

EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, n * size);
}

EXPORT void free(void *p)
{
    untrack(p);
    __libc_free(p);
}

static int valid_alignment(size_t align)
{
    return align != 0 && (align & (align - 1)) == 0;
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    if (!valid_alignment(align) || align % sizeof(void *) != 0)
        return EINVAL;
    if (should_fail())
        return ENOMEM; /* *out untouched, as glibc does */
    void *p = __libc_memalign(align, n);
    if (p == NULL)
        return ENOMEM;
    *out = tracked(p);
    return 0;
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
    if (!valid_alignment(align)) {
        errno = EINVAL;
        return NULL;
    }
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return tracked(__libc_memalign(align, n));
}

EXPORT void *memalign(size_t align, size_t n)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return tracked(__libc_memalign(align, n));
}

EXPORT void *valloc(size_t n)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return tracked(__libc_valloc(n));
}

EXPORT void *pvalloc(size_t n)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return tracked(__libc_pvalloc(n));
}

/* ---- the driver's interface ---------------------------------------------- */

EXPORT void failalloc_arm(long n, int fd)
{
    report_fd = fd;
    atomic_store(&calls, 0);
    atomic_store(&failed_once, 0);
    atomic_store(&table_full, 0);
    /* a fresh child inherits an empty table: clear only a used one (every
     * child would otherwise copy all its pages) */
    if (atomic_exchange(&table_used, 1))
        for (size_t i = 0; i < TABLE_SIZE; i++)
            atomic_store_explicit(&table[i], 0, memory_order_relaxed);
    atomic_store(&live, 0);
    atomic_store(&fail_at, n);
    atomic_store(&armed, 1);
}

EXPORT void failalloc_disarm(failalloc_stats *out)
{
    atomic_store(&armed, 0);
    if (out) {
        out->calls = atomic_load(&calls);
        out->failed = atomic_load(&failed_once);
        out->live = atomic_load(&live);
        out->untracked = atomic_load(&table_full);
    }
}

/* backtrace() loads libgcc_s on first use (an allocation); do it now, with
 * the window closed, so a failure site never allocates. */
__attribute__((constructor)) static void warm_backtrace(void)
{
    void *frame[2];
    backtrace(frame, 2);
}
