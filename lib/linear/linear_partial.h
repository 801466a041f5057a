/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the finishing steps of the scaler, PCA and LDA fits, shared by
 * their in-memory fits (scaler.c, pca.c, lda.c) and the fits from partial
 * states (lib/linear/: scaler_partial.c, pca_partial.c, lda_partial.c), so both end in the same code. Each
 * replaces the model's fitted state only on success, returns a status and
 * records messages naming func, the public function called.
 */
#ifndef GENRE_LINEAR_PARTIAL_H
#define GENRE_LINEAR_PARTIAL_H

#include <genre/lda.h>
#include <genre/pca.h>
#include <genre/scaler.h>

#include <stddef.h>
#include <stdint.h>

/* From the column means and co-moments m2[j] = sum (x_ij - mean_j)^2 of
 * n_rows >= 1 rows of d columns. GENRE_E_SHAPE (mask length), GENRE_E_NOMEM
 * (not recorded). */
genre_status genre__scaler_fit_moments(genre_scaler *s, const char *func, const double *mean,
                                       const double *m2, size_t d, int64_t n_rows);

/* From the column means and the covariance (ddof 1; d x d, both triangles,
 * destroyed) of n_rows rows. GENRE_E_INVALID_ARG (fewer than 2 rows,
 * n_components too large), GENRE_E_NUMERIC, GENRE_E_NOMEM. */
genre_status genre__pca_fit_moments(genre_pca *p, const char *func, const double *mean,
                                    double *cov, size_t d, int64_t n_rows);

/* From K classes (labels ascending), their row counts, means (K x d) and
 * the within-class scatter (d x d, the sum of the classes' co-moments).
 * GENRE_E_INVALID_ARG (K < 2, a class below 2 rows, n_components too
 * large), GENRE_E_SHAPE (priors), GENRE_E_NUMERIC, GENRE_E_NOMEM. */
genre_status genre__lda_fit_classes(genre_lda *l, const char *func, size_t K,
                                    const int32_t *classes, const int64_t *counts,
                                    const double *means, const double *within, size_t d);

#endif
