/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the caller-buffer rule (genre__lin_out, genre__lin_copy_out: size
 * reported through *needed, short or NULL buffer is GENRE_E_BUFFER_TOO_SMALL),
 * overflow-checked element counts (genre__lin_count), the non-finite input
 * check fits run after their first pass (genre__lin_nonfinite) and the sign
 * convention of fitted components (genre__lin_fix_sign).
 */
#ifndef GENRE_LINEAR_UTIL_H
#define GENRE_LINEAR_UTIL_H

#include "error_private.h"
#include "linalg.h"

#include <stdint.h>
#include <string.h>

/* The caller-buffer rule: *needed (when given) receives the element count;
 * out NULL or too short is GENRE_E_BUFFER_TOO_SMALL. */
static inline genre_status genre__lin_out(const char *func, const void *out, size_t out_len,
                                          size_t need, size_t *needed)
{
    if (needed)
        *needed = need;
    if (out == NULL || out_len < need)
        return genre__fail(GENRE_E_BUFFER_TOO_SMALL, func,
                           "output buffer holds %zu element(s), %zu needed",
                           out == NULL ? (size_t)0 : out_len, need);
    return GENRE_OK;
}

/* n_rows * k without overflow (GENRE_E_INVALID_ARG otherwise). */
static inline genre_status genre__lin_count(const char *func, size_t n_rows, size_t k,
                                            size_t *count)
{
    if (k != 0 && n_rows > SIZE_MAX / sizeof(double) / k)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "%zu rows x %zu outputs is too large", n_rows, k);
    *count = n_rows * k;
    return GENRE_OK;
}

/* Copies a fitted vector out through the caller-buffer rule. */
static inline genre_status genre__lin_copy_out(const char *func, const double *src,
                                               size_t n, double *out, size_t out_len,
                                               size_t *needed)
{
    genre_status st = genre__lin_out(func, out, out_len, n, needed);
    if (st != GENRE_OK)
        return st;
    if (n)
        memcpy(out, src, n * sizeof *src);
    return GENRE_OK;
}

/* Fits check shapes first and finiteness after their first pass: a NaN or
 * infinity in x makes the column sums non-finite, and only then is x scanned
 * to name the row, column and value (one pass over x saved on the good
 * path). Finite values whose sums overflow are GENRE_E_NUMERIC. */
static inline genre_status genre__lin_nonfinite(const char *func, const double *x,
                                                size_t n_rows, size_t n_cols,
                                                size_t row_stride)
{
    genre_status st = genre__check_matrix(func, "x", x, n_rows, n_cols, row_stride, 1);
    if (st != GENRE_OK)
        return st;
    return genre__fail(GENRE_E_NUMERIC, func,
                       "the column sums of x overflow (values too large to average)");
}

/* Makes the entry of largest magnitude (first one on ties) of v[0], v[inc],
 * ..., v[(n-1)*inc] positive by flipping the whole vector: the library's
 * deterministic sign convention. Returns 1 when flipped. */
static inline int genre__lin_fix_sign(double *v, size_t n, size_t inc)
{
    size_t best = 0;
    double best_abs = -1.0;
    for (size_t i = 0; i < n; i++) {
        double a = v[i * inc] < 0 ? -v[i * inc] : v[i * inc];
        if (a > best_abs) {
            best_abs = a;
            best = i;
        }
    }
    if (n == 0 || v[best * inc] >= 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        v[i * inc] = -v[i * inc];
    return 1;
}

#endif
