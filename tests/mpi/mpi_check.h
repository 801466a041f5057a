/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the MPI test programs share: this rank's place, the failure count a
 * program's exit status comes from, a CHECK_OK that records a failing call
 * with its status and message, and a seeded generator for their tables.
 * Header-only: each program is one translation unit. */
#ifndef GENRE_TEST_MPI_CHECK_H
#define GENRE_TEST_MPI_CHECK_H

#include <genre/genre.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

static int rank_, size_, failures;

static inline void failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "rank %d of %d: FAIL: ", rank_, size_);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    failures++;
}

#define CHECK_OK(call)                                                                 \
    do {                                                                               \
        genre_status st_ = (call);                                                     \
        if (st_ != GENRE_OK)                                                           \
            failf("%s: %s (%s)", #call, genre_status_name(st_), genre_last_error());   \
    } while (0)

/* splitmix64: the tables are the same on every rank and every run. */
static inline uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static inline double uniform(uint64_t *s) { return (double)(mix(s) >> 11) * 0x1.0p-53; }

#endif
