/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: mergeable first and second moments of rows, the sufficient
 * statistics of the scaler's, PCA's and LDA's partial fits.
 *
 * A genre__moments holds the row count n, the column means and the
 * co-moment M2 = sum_i (x_i - mean)(x_i - mean)^T, either in full (d x d,
 * row-major, symmetric: PCA and LDA) or its diagonal only (d: the scaler).
 * A chunk of rows is reduced on its own first (two passes over the chunk:
 * blocked sums, then centred products, as the in-memory fits do) and then
 * merged with Chan, Golub and LeVeque's parallel update
 *     n = na + nb, delta = mean_b - mean_a,
 *     mean = mean_a + delta nb / n,
 *     M2 = M2_a + M2_b + delta delta^T na nb / n,
 * where every addition into the state is Kahan-compensated (mean_c and
 * m2_c hold the low-order parts lost so far; the value is x - x_c), so
 * millions of merges lose no more than one chunk's reduction does.
 */
#ifndef GENRE_LINEAR_MOMENTS_H
#define GENRE_LINEAR_MOMENTS_H

#include <genre/error.h>

#include "model_file.h"

#include <stddef.h>
#include <stdint.h>

/* Rows a state may hold: counts stay exact as doubles (and far from
 * int64 overflow when states merge). */
#define GENRE__MOMENTS_MAX_ROWS ((int64_t)1 << 53)

typedef struct genre__moments {
    size_t d;
    int full;      /* 1: M2 is d x d; 0: its diagonal (d values) */
    int64_t n;     /* rows */
    double *mean;  /* d */
    double *mean_c;
    double *m2;    /* d x d or d */
    double *m2_c;
} genre__moments;

/* Values in M2 (d * d or d). */
size_t genre__moments_m2_len(size_t d, int full);

/* An empty state (n 0, every value 0) of d columns. GENRE_E_NOMEM (recorded). */
genre_status genre__moments_init(genre__moments *m, size_t d, int full);
void genre__moments_free(genre__moments *m);

/* The scaler fit's column statistics of rows x[0 .. rows) (rows >= 1, d
 * columns): blocked column sums, then the corrected two-pass sum of squared
 * deviations m2[j] = sum (x_ij - mean_j)^2 - (sum (x_ij - mean_j))^2 / rows.
 * genre_scaler_fit and the diagonal partial state both use it, so a chunk
 * holding every row gives the fit's bits. block and corr: d doubles of
 * scratch. GENRE_E_NUMERIC (not recorded) when a mean is not finite; m2 is
 * then unset. */
genre_status genre__column_moments(const double *x, size_t rows, size_t d, size_t stride,
                                   double *mean, double *m2, double *block, double *corr);

/* Replaces m's statistics by those of rows x[0 .. rows) (rows >= 1, d
 * columns, row_stride >= d).
 * scratch: NULL, or for a full m genre__covariance_scratch_len(rows, d)
 * doubles (linalg.h) used instead of an allocation. GENRE_E_NOMEM (the full
 * co-moment's scratch); GENRE_E_NUMERIC when a value is not finite: a NaN
 * or infinity in the rows, or a sum that overflows (m then holds garbage;
 * genre__check_matrix tells which). */
genre_status genre__moments_of_rows(genre__moments *m, const double *x, size_t rows,
                                    size_t row_stride, double *scratch);

/* into becomes the statistics of both (same d and full; from != into).
 * Allocates nothing, cannot fail. */
void genre__moments_merge(genre__moments *into, const genre__moments *from);

/* into becomes a copy of from (same d and full). */
void genre__moments_copy(genre__moments *into, const genre__moments *from);

/* 1 when every mean and M2 value (with its compensation) is finite. */
int genre__moments_finite(const genre__moments *m);

/* 1, with the first pair (*i < *j) in row order, when a full M2 or its
 * compensation is not exactly symmetric (merges keep both so); else 0. */
int genre__moments_asymmetric(const genre__moments *m, size_t *i, size_t *j);

/* The compensated values: mean[d] and M2 (d * d or d) into caller arrays. */
void genre__moments_values(const genre__moments *m, double *mean, double *m2);

/* ---- The checks of a partial state's public add and merge -----------------
 * Shared by the scaler's, PCA's (moments_state.c) and LDA's (lda_partial.c)
 * partial states; failures are recorded for func. */

/* GENRE_E_SHAPE when n_cols is not the state's d; GENRE_E_INVALID_ARG when
 * n_rows more rows would pass GENRE__MOMENTS_MAX_ROWS (the state holds n). */
genre_status genre__moments_check_add(const char *func, size_t d, int64_t n, size_t n_rows,
                                      size_t n_cols);

/* The adds do not scan x for NaN and infinity before their work: such a
 * value makes a sum non-finite (GENRE_E_NUMERIC). On any failure st they
 * return this instead: x's first non-finite value (GENRE_E_NONFINITE,
 * recorded for func as genre__check_matrix does) if it has one, else st
 * (its record untouched), so the user sees the error of a scan made first. */
genre_status genre__moments_nonfinite_first(const char *func, const double *x, size_t n_rows,
                                            size_t n_cols, size_t row_stride,
                                            genre_status st);

/* GENRE_E_INVALID_ARG when same (into and from are one state) or the merged
 * rows would pass GENRE__MOMENTS_MAX_ROWS; GENRE_E_SHAPE when the column
 * counts differ. */
genre_status genre__moments_check_merge(const char *func, int same, size_t d_into,
                                        int64_t n_into, size_t d_from, int64_t n_from);

/* ---- Saving and loading (the scaler's and PCA's partial payloads) ----------
 * Four f64 array records at tags first, first+1, first+2, first+3: mean,
 * its compensation, M2, its compensation. */
/* Returns the writer's (sticky) status. */
genre_status genre__moments_put(genre__mf_writer *w, uint32_t first, const genre__moments *m);

/* GENRE_OK when the four records hold d, d, M2 length, M2 length values
 * (checked before anything is allocated), else GENRE_E_CORRUPT naming func. */
genre_status genre__moments_expect(const genre__mf_reader *r, const char *func,
                                   uint32_t first, size_t d, int full);

/* Reads the records into m (initialised with the right d and full) and sets
 * m->n = n; GENRE_E_CORRUPT naming func and what when a value is not finite,
 * when a state of no rows holds a non-zero value, or when a full M2 is not
 * exactly symmetric (merges keep it so). */
genre_status genre__moments_get(const genre__mf_reader *r, const char *func,
                                const char *what, uint32_t first, int64_t n, genre__moments *m);

#endif
