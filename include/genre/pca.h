/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/pca.h
 * @brief Principal component analysis by eigen-decomposition of the
 *        covariance matrix (GSL).
 *
 * fit centres the columns, forms the covariance (divisor n - 1, as
 * scikit-learn's PCA) and keeps the leading eigenvectors as components,
 * sorted by decreasing variance.
 *
 * **Sign convention.** Eigenvectors are defined up to sign; libgenre makes
 * the entry of largest magnitude of each component positive (the first such
 * entry on a tie), so the same data always gives the same components.
 * (scikit-learn fixes the sign from the projected rows instead, so results
 * agree with it up to one sign per component.)
 *
 * **How many components.** At most min(n_features, n_rows - 1): n centred
 * rows span at most n - 1 directions, so PCA also works with fewer rows
 * than columns. GENRE_PCA_N_COMPONENTS asks for a count (0, the default,
 * means that maximum); GENRE_PCA_VARIANCE_FRACTION f in (0, 1) asks for the
 * smallest count whose cumulative explained-variance ratio exceeds f.
 * Setting one clears the other.
 *
 * **Outputs.** explained variance (the eigenvalues; those at rounding
 * level, at most n_features * DBL_EPSILON * the largest, or negative, are
 * reported as exactly 0), explained-variance ratio (eigenvalue / total
 * variance, the trace of the covariance), components (k x n_features, row c
 * is component c), loadings (n_features x k: component entry times the
 * square root of its variance, i.e. the covariance of each feature with each
 * standardized score), and the column means.
 *
 * With GENRE_PCA_WHITEN, transform divides each score by the square root of
 * its variance (so the training scores have unit variance) and the inverse
 * transform multiplies it back.
 *
 * **Log** (genre_pca_set_log): fit sends GENRE_LOG_INFO when fewer rows
 * than columns limit the components to n_rows - 1, and GENRE_LOG_WARNING
 * when kept components have zero variance (x has a lower rank than the
 * count kept), naming the rank.
 *
 * Threading: see genre/common.h. fit and the setters need exclusive access;
 * transform, inverse transform, the getters and save may run concurrently
 * on one fitted handle.
 */
#ifndef GENRE_PCA_H
#define GENRE_PCA_H

#include <genre/common.h>

GENRE_BEGIN_DECLS

/** A PCA model. Opaque. */
typedef struct genre_pca genre_pca;

/* ---- Parameter keys (values frozen, new keys appended) ------------------ */
/** i64, range [0, 2^31-1], default 0 (= min(n_features, n_rows - 1)).
 *  Setting it clears GENRE_PCA_VARIANCE_FRACTION. */
#define GENRE_PCA_N_COMPONENTS 1
/** f64, range [0, 1), default 0 (off); else keep the fewest components
 *  whose cumulative explained-variance ratio exceeds it. Setting it above 0
 *  clears GENRE_PCA_N_COMPONENTS. */
#define GENRE_PCA_VARIANCE_FRACTION 2
/** i64, range [0, 1], default 0: whiten the scores. */
#define GENRE_PCA_WHITEN 3
/** i64, read-only after fit: columns seen by fit. */
#define GENRE_PCA_N_FEATURES 100
/** i64, read-only after fit: rows seen by fit. */
#define GENRE_PCA_N_SAMPLES 101
/** i64, read-only after fit: components kept (k). */
#define GENRE_PCA_N_COMPONENTS_FITTED 102
/** i64, read-only: 1 once fitted (or loaded), else 0. */
#define GENRE_PCA_FITTED 103
/** f64, read-only after fit: total variance (trace of the covariance). */
#define GENRE_PCA_TOTAL_VARIANCE 104

/**
 * Creates an unfitted PCA (all components, no whitening).
 * @param[out] out receives the handle; free it with genre_pca_free().
 * @return GENRE_OK; GENRE_E_INVALID_ARG (out NULL); GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_pca_create(genre_pca **out);

/** Frees a PCA; NULL is a no-op. Needs exclusive access. @since 0.1 */
GENRE_API void genre_pca_free(genre_pca *pca);

/**
 * Sets an integer parameter (GENRE_PCA_N_COMPONENTS, GENRE_PCA_WHITEN).
 * Takes effect at the next fit. A count larger than the data allows is
 * reported by fit.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (pca NULL, value outside the key's
 *         range: never clamped); GENRE_E_UNKNOWN_PARAM (unknown, read-only
 *         or f64 key).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_pca_set_i64(genre_pca *pca, int32_t key, int64_t value);

/**
 * Sets a real parameter (GENRE_PCA_VARIANCE_FRACTION).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (pca NULL, value outside [0, 1) or
 *         NaN); GENRE_E_UNKNOWN_PARAM (unknown, read-only or i64 key).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_pca_set_f64(genre_pca *pca, int32_t key, double value);

/**
 * Reads an integer parameter or fitted property.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_UNKNOWN_PARAM;
 *         GENRE_E_BAD_STATE (a fitted property before fit).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_pca_get_i64(const genre_pca *pca, int32_t key, int64_t *out);

/**
 * Reads a real parameter or fitted property (GENRE_PCA_VARIANCE_FRACTION,
 * GENRE_PCA_TOTAL_VARIANCE).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_UNKNOWN_PARAM;
 *         GENRE_E_BAD_STATE (a fitted property before fit).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_pca_get_f64(const genre_pca *pca, int32_t key, double *out);

/**
 * The inclusive range a settable key accepts, as doubles (no handle
 * needed); GENRE_PCA_VARIANCE_FRACTION's open end answers the largest
 * double below 1.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (lo or hi NULL);
 *         GENRE_E_UNKNOWN_PARAM (unknown or read-only key).
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_pca_param_bounds(int32_t key, double *lo, double *hi);

/**
 * The values an enumerated key accepts, ascending, into out[cap]; every
 * PCA key is a range (booleans are [0, 1]), so *n_values receives 0.
 * @param[out] out may be NULL with cap 0 (a size query).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (n_values NULL);
 *         GENRE_E_UNKNOWN_PARAM (unknown or read-only key);
 *         GENRE_E_BUFFER_TOO_SMALL (an enumerated key, out NULL or cap
 *         below *n_values).
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_pca_param_values(int32_t key, int64_t *out, size_t cap,
                                              size_t *n_values);

/**
 * Puts every settable key back to its default; the log hook and a fitted
 * state are kept.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (pca NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_pca_reset_params(genre_pca *pca);

/**
 * Sets the log callback (see "Log" above); fn NULL makes the PCA silent.
 * fn and user_data must stay valid while the handle may log.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (pca NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_pca_set_log(genre_pca *pca, genre_log_fn fn, void *user_data);

/**
 * Fits the components. A failed fit leaves the handle as it was.
 * @param[in] x row-major n_rows x n_cols, row_stride >= n_cols; not kept.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, no rows or columns,
 *         row_stride < n_cols, fewer than 2 rows, GENRE_PCA_N_COMPONENTS
 *         above min(n_cols, n_rows - 1)); GENRE_E_NONFINITE (NaN/Inf, with
 *         row, column and value); GENRE_E_NUMERIC (every column constant,
 *         whitening a component of zero variance, values so large that
 *         their sums overflow, or the eigen-solver failed); GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_pca_fit(genre_pca *pca, const double *x, size_t n_rows,
                                     size_t n_cols, size_t row_stride);

/**
 * Projects rows onto the components: out = (x - mean) * components^T
 * (divided by sqrt(variance) per component when whitening), row-major
 * n_rows x k, contiguous.
 * @param[out] needed receives n_rows * k when not NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL pca or x, no rows, row_stride
 *         < n_cols); GENRE_E_BAD_STATE (not fitted); GENRE_E_SHAPE (n_cols
 *         differs from fit); GENRE_E_NONFINITE; GENRE_E_BUFFER_TOO_SMALL;
 *         GENRE_E_NOMEM.
 * Thread-safe on a const fitted handle. @since 0.1
 */
GENRE_API genre_status genre_pca_transform(const genre_pca *pca, const double *x, size_t n_rows,
                                           size_t n_cols, size_t row_stride, double *out,
                                           size_t out_len, size_t *needed);

/**
 * Maps scores back to feature space: out = z * components + mean (z first
 * multiplied by sqrt(variance) when whitening). z is n_rows x k (n_cols must
 * be k); out is n_rows x n_features, contiguous. Exact for the span of the
 * components; with k < n_features it is the best rank-k reconstruction.
 * @param[out] needed receives n_rows * n_features when not NULL.
 * @return as genre_pca_transform() (GENRE_E_SHAPE when n_cols != k).
 * Thread-safe on a const fitted handle. @since 0.1
 */
GENRE_API genre_status genre_pca_inverse_transform(const genre_pca *pca, const double *z,
                                                   size_t n_rows, size_t n_cols,
                                                   size_t row_stride, double *out,
                                                   size_t out_len, size_t *needed);

/**
 * Copies the components, k x n_features row-major (row c = component c,
 * unit length, sign as documented above).
 * @param[out] needed receives k * n_features when not NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (pca NULL); GENRE_E_BAD_STATE (not
 *         fitted); GENRE_E_BUFFER_TOO_SMALL (out NULL or too short).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_pca_get_components(const genre_pca *pca, double *out,
                                                size_t out_len, size_t *needed);

/** Copies the k explained variances (eigenvalues, decreasing). Statuses as
 *  genre_pca_get_components(). Thread-safe on a const handle. @since 0.1 */
GENRE_API genre_status genre_pca_get_explained_variance(const genre_pca *pca, double *out,
                                                        size_t out_len, size_t *needed);

/** Copies the k explained-variance ratios (variance / total variance).
 *  Statuses as genre_pca_get_components(). Thread-safe on a const handle.
 *  @since 0.1 */
GENRE_API genre_status genre_pca_get_explained_variance_ratio(const genre_pca *pca, double *out,
                                                              size_t out_len, size_t *needed);

/** Copies the loadings, n_features x k row-major: loadings[j][c] =
 *  components[c][j] * sqrt(variance[c]). Statuses as
 *  genre_pca_get_components(). Thread-safe on a const handle. @since 0.1 */
GENRE_API genre_status genre_pca_get_loadings(const genre_pca *pca, double *out, size_t out_len,
                                              size_t *needed);

/** Copies the n_features column means of the training rows. Statuses as
 *  genre_pca_get_components(). Thread-safe on a const handle. @since 0.1 */
GENRE_API genre_status genre_pca_get_mean(const genre_pca *pca, double *out, size_t out_len,
                                          size_t *needed);

/**
 * Saves a fitted PCA to a file (atomically, replacing only a regular file:
 * genre/model.h).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_BAD_STATE (not
 *         fitted); GENRE_E_IO (also: path is not a regular file);
 *         GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_pca_save(const genre_pca *pca, const char *path);

/**
 * Saves a fitted PCA into buf; *written_or_needed always receives the size
 * (buf NULL is a size query).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL pca or written_or_needed);
 *         GENRE_E_BAD_STATE; GENRE_E_BUFFER_TOO_SMALL; GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_pca_save_to_memory(const genre_pca *pca, void *buf, size_t cap,
                                                size_t *written_or_needed);

/**
 * Loads a PCA saved by genre_pca_save().
 * @param[out] out receives a new handle (free with genre_pca_free()).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_IO (also: path is
 *         neither a regular file nor a FIFO with a writer: genre/model.h);
 *         GENRE_E_CORRUPT; GENRE_E_VERSION; GENRE_E_MODEL_KIND; GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_pca_load(genre_pca **out, const char *path);

/** Loads a PCA from memory (buf not kept). Statuses as genre_pca_load()
 *  without GENRE_E_IO. Thread-safe. @since 0.1 */
GENRE_API genre_status genre_pca_load_from_memory(genre_pca **out, const void *buf,
                                                  size_t len);

/* ==== Partial fits (larger than memory) ================================== */

/**
 * A partial state of the PCA: the row count, the column means and the
 * co-moment matrix sum (x - mean)(x - mean)^T of every row added so far,
 * in O(n_cols^2) memory whatever the number of rows. Opaque; separate from
 * the model. The eigen-decomposition happens once, in
 * genre_pca_fit_partial(), whose PCA parameters (n_components, variance
 * fraction, whiten) apply as in genre_pca_fit().
 *
 * Accuracy: each chunk is reduced as genre_pca_fit() reduces its rows (the
 * blocked dsyrk of centred rows), and chunks are combined by Chan's
 * parallel update with compensated (Kahan) additions. The model equals
 * genre_pca_fit() on the same rows to 1e-12 relative (mean, explained
 * variances and well-separated components; tested), not bit for bit.
 *
 * Merge order, determinism and threading as genre_scaler_partial
 * (genre/scaler.h).
 */
typedef struct genre_pca_partial genre_pca_partial;

/**
 * Creates an empty partial state of n_cols columns.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (out NULL, n_cols 0 or above
 *         65536); GENRE_E_NOMEM.
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_pca_partial_create(genre_pca_partial **out, size_t n_cols);

/**
 * Adds the rows of x (row-major, n_rows x n_cols, row_stride >= n_cols; not
 * kept); scratch memory is bounded (about 1 MiB besides the state). A
 * failed add leaves the state as it was.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (partial or x NULL, no rows or columns,
 *         row_stride < n_cols, more than 2^53 rows in all); GENRE_E_SHAPE (n_cols differs from the
 *         state's); GENRE_E_NONFINITE (row within this x, column and value
 *         named); GENRE_E_NUMERIC (sums overflow); GENRE_E_NOMEM.
 * Needs exclusive access to partial. @since 1.0
 */
GENRE_API genre_status genre_pca_partial_add(genre_pca_partial *partial, const double *x,
                                             size_t n_rows, size_t n_cols, size_t row_stride);

/**
 * into becomes the state of into's rows followed by from's (from is
 * unchanged). Allocates nothing.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, into == from, more than
 *         2^53 rows in all);
 *         GENRE_E_SHAPE (column counts differ; both named).
 * Needs exclusive access to into. @since 1.0
 */
GENRE_API genre_status genre_pca_partial_merge(genre_pca_partial *into,
                                               const genre_pca_partial *from);

/**
 * Rows added so far (merged states included) into *out.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL).
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_pca_partial_n_rows(const genre_pca_partial *partial, int64_t *out);

/**
 * Saves the state into buf (a model-file container of kind GENRE_MODEL_PCA_PARTIAL,
 * docs/partial-fits.md), so another process or engine can load and merge
 * it. *written_or_needed always receives the size, so buf NULL is a size query.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (partial or written_or_needed NULL);
 *         GENRE_E_BUFFER_TOO_SMALL (buf NULL or cap too small); GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_pca_partial_save_to_memory(const genre_pca_partial *partial, void *buf,
                                                        size_t cap, size_t *written_or_needed);

/**
 * Loads a state saved by genre_pca_partial_save_to_memory() (buf is not kept).
 * Every size is checked against the bytes that carry it before anything is
 * allocated; values are checked (finite, counts consistent), so a damaged
 * or crafted buffer is an error, never a crash or a huge allocation.
 * @param[out] out receives a new state (free with genre_pca_partial_free()).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (out NULL, buf NULL with len > 0);
 *         GENRE_E_CORRUPT; GENRE_E_VERSION (newer container or payload);
 *         GENRE_E_MODEL_KIND (another kind); GENRE_E_NOMEM.
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_pca_partial_load_from_memory(genre_pca_partial **out, const void *buf,
                                                          size_t len);

/** Frees a partial state; NULL is a no-op. Needs exclusive access. @since 1.0 */
GENRE_API void genre_pca_partial_free(genre_pca_partial *partial);

/**
 * Fits pca from a partial state: as genre_pca_fit() on every row the state
 * holds (see "Accuracy" above). The state is only read. A failed fit
 * leaves pca as it was.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, fewer than 2 rows,
 *         n_components above min(n_cols, n_rows - 1)); GENRE_E_NUMERIC
 *         (every column constant, whitening a zero-variance component,
 *         sums overflowed); GENRE_E_NOMEM.
 * Needs exclusive access to pca. @since 1.0
 */
GENRE_API genre_status genre_pca_fit_partial(genre_pca *pca, const genre_pca_partial *partial);

/* ==== end of the partial fits section ==== */

GENRE_END_DECLS

#endif /* GENRE_PCA_H */
