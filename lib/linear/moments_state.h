/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the partial state of a kind whose sufficient statistics are one
 * genre__moments (moments.h): the scaler's (diagonal) and the PCA's (full).
 * Creating, adding, merging and the payload are the same for both, so their
 * public functions (scaler_partial.c, pca_partial.c) are one call each into
 * this file, passing their own __func__ for the messages.
 *
 * Payload v1 records (docs/partial-fits.md), d columns:
 *   1 n_features i64 (1 .. the kind's column limit), 2 n_rows i64 (0 .. 2^53),
 *   3 mean f64[d], 4 mean compensation f64[d],
 *   5 co-moments f64[d] (diagonal) or f64[d*d] (full: row-major, exactly
 *   symmetric), 6 their compensation.
 * An empty state (n_rows 0) has every value 0.
 */
#ifndef GENRE_LINEAR_MOMENTS_STATE_H
#define GENRE_LINEAR_MOMENTS_STATE_H

#include "model_file.h"
#include "moments.h"

#include <stddef.h>
#include <stdint.h>

#define GENRE__MSTATE_PAYLOAD_VERSION 1u

typedef struct genre__moments_state {
    genre__moments m;
    genre__moments chunk; /* add's scratch, kept to save reallocations */
    double *block;        /* a full add's centred block (genre__covariance_ex), kept */
    size_t block_cap;     /* doubles it has room for */
} genre__moments_state;

/* GENRE_E_INVALID_ARG (recorded for func) unless 1 <= n_cols <= max_cols. */
genre_status genre__mstate_check_cols(const char *func, size_t n_cols, size_t max_cols);

/* An empty state of d columns. GENRE_E_NOMEM (not recorded; s then holds
 * nothing). */
genre_status genre__mstate_init(genre__moments_state *s, size_t d, int full);
void genre__mstate_free(genre__moments_state *s);

/* The public add: checks x, its columns and the row limit, then merges the
 * chunk's moments. x's values are scanned for NaN and infinity only on a
 * failure (genre__moments_nonfinite_first), with the errors of a scan made
 * first. Failures are recorded for func. */
genre_status genre__mstate_add(genre__moments_state *s, const char *func, const double *x,
                               size_t n_rows, size_t n_cols, size_t row_stride);

/* The public merge: into becomes both states (same state, other column
 * count, row limit: recorded for func). */
genre_status genre__mstate_merge(genre__moments_state *into, const genre__moments_state *from,
                                 const char *func);

/* The payload records; returns the writer's (sticky) status. */
genre_status genre__mstate_put(genre__mf_writer *w, const genre__moments_state *s);

/* Decodes the payload into *s (a full or diagonal state of at most max_cols
 * columns): every size is checked before anything is allocated.
 * GENRE_E_CORRUPT naming func and what; GENRE_E_NOMEM. On failure s holds
 * nothing. */
genre_status genre__mstate_get(const genre__mf_reader *r, const char *func, const char *what,
                               int full, size_t max_cols, genre__moments_state *s);

#endif
