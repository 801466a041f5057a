/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: what the linear fits share: the non-finite diagnosis a fit runs
 * when its first pass went non-finite (genre__lin_nonfinite) and the
 * deterministic sign convention of fitted components (genre__lin_fix_sign).
 */
#ifndef GENRE_LINEAR_FIT_H
#define GENRE_LINEAR_FIT_H

#include "error_private.h"
#include "linalg.h"

#include <math.h>
#include <stddef.h>

/* GENRE_E_NUMERIC for finite x whose column sums (or squares) overflow,
 * naming the entry of largest magnitude (first on ties): the column to look
 * at. */
static inline genre_status genre__lin_overflow(const char *func, const double *x,
                                               size_t n_rows, size_t n_cols,
                                               size_t row_stride)
{
    size_t row = 0, col = 0;
    double big = -1.0;
    for (size_t i = 0; i < n_rows; i++)
        for (size_t j = 0; j < n_cols; j++) {
            double a = fabs(x[i * row_stride + j]);
            if (a > big) {
                big = a;
                row = i;
                col = j;
            }
        }
    return genre__fail(GENRE_E_NUMERIC, func,
                       "the column sums of x overflow (values too large to average): "
                       "the largest is %g at row %zu, column %zu",
                       n_rows ? x[row * row_stride + col] : 0.0, row, col);
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
    return genre__lin_overflow(func, x, n_rows, n_cols, row_stride);
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
