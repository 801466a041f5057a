/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Private: the exact silhouette kernel (silhouette.c): the mean and
 * per-row silhouettes of several labellings of the same rows in one
 * threaded pass over the pairwise distances. */
#ifndef GENRE_SILHOUETTE_H
#define GENRE_SILHOUETTE_H

#include <genre/common.h>

#include <stddef.h>
#include <stdint.h>

/*
 * The exact silhouettes of m labellings of the rows of x (see
 * genre/metrics.h), all from one pass over the pairwise distances.
 * labels: m x n (labelling q at labels + q * n). x must already be checked
 * (shape and finiteness). n_threads >= 1 (resolved). means (m entries)
 * and/or samples (n entries, of labelling 0) may be NULL.
 * fn (may be NULL) is called with `phase` between rounds of tiles.
 * Returns GENRE_OK; GENRE_E_INVALID_ARG (fewer than 2 or more than n - 1
 * distinct labels); GENRE_E_NUMERIC (a distance overflowed);
 * GENRE_E_CANCELLED; GENRE_E_NOMEM. func names the public caller.
 */
genre_status genre__silhouette_run(const char *func, const double *x, size_t n, size_t d,
                                   size_t stride, const int32_t *labels, size_t m,
                                   int n_threads, double *means, double *samples,
                                   genre_progress_fn fn, void *user_data, int32_t phase);

#endif
