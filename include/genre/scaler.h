/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/scaler.h
 * @brief Per-column standardization: (x - mean) / std, fit on training rows.
 *
 * The scaler learns each column's mean and *population* standard deviation
 * (divisor n, as scikit-learn's StandardScaler) from the rows given to
 * genre_scaler_fit(). A column mask leaves chosen columns (categorical
 * codes such as `key` and `mode`) untouched: their shift is 0 and their
 * scale 1, so they pass through transform and inverse transform bit for bit.
 *
 * **Zero-variance columns.** A scaled column whose variance is zero (or at
 * the rounding level of its mean: var <= (n * DBL_EPSILON * |mean|)^2) is
 * never divided by zero: it is centred only (its scale is 1, so it
 * transforms to 0 for every training row), counted in
 * GENRE_SCALER_N_ZERO_VARIANCE and flagged by
 * genre_scaler_get_zero_variance(). This is what scikit-learn does too.
 *
 * **Log** (genre_scaler_set_log): fit sends one GENRE_LOG_WARNING notice
 * when scaled columns have zero variance, naming how many and which
 * (the first few column indices).
 *
 * Threading: see genre/common.h. fit and the setters need exclusive access;
 * transform, inverse transform, the getters and save may run concurrently on
 * one fitted handle.
 */
#ifndef GENRE_SCALER_H
#define GENRE_SCALER_H

#include <genre/common.h>

GENRE_BEGIN_DECLS

/** A standard scaler. Opaque. */
typedef struct genre_scaler genre_scaler;

/* ---- Parameter keys (values frozen, new keys appended) ------------------ */
/** i64, range [0, 1], default 1: subtract the column mean. */
#define GENRE_SCALER_WITH_MEAN 1
/** i64, range [0, 1], default 1: divide by the column standard deviation. */
#define GENRE_SCALER_WITH_STD 2
/** i64, read-only after fit: columns seen by fit. */
#define GENRE_SCALER_N_FEATURES 100
/** i64, read-only after fit: rows seen by fit. */
#define GENRE_SCALER_N_SAMPLES 101
/** i64, read-only after fit: scaled columns whose variance is zero. */
#define GENRE_SCALER_N_ZERO_VARIANCE 102
/** i64, read-only: 1 once fitted (or loaded), else 0. */
#define GENRE_SCALER_FITTED 103

/**
 * Creates an unfitted scaler (with mean, with std, no mask).
 * @param[out] out receives the handle; free it with genre_scaler_free().
 * @return GENRE_OK; GENRE_E_INVALID_ARG (out NULL); GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_scaler_create(genre_scaler **out);

/** Frees a scaler; NULL is a no-op. Needs exclusive access. @since 0.1 */
GENRE_API void genre_scaler_free(genre_scaler *scaler);

/**
 * Sets an integer parameter (GENRE_SCALER_WITH_MEAN, GENRE_SCALER_WITH_STD).
 * Takes effect at the next fit.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (scaler NULL, value outside the key's
 *         range: never clamped); GENRE_E_UNKNOWN_PARAM (unknown, read-only
 *         or f64 key).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_scaler_set_i64(genre_scaler *scaler, int32_t key, int64_t value);

/**
 * Sets a real parameter. The scaler has no f64 key today: every key is
 * GENRE_E_UNKNOWN_PARAM (the call exists so every handle kind answers the
 * same calls).
 * @return GENRE_E_INVALID_ARG (scaler NULL); GENRE_E_UNKNOWN_PARAM.
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_scaler_set_f64(genre_scaler *scaler, int32_t key, double value);

/**
 * Reads an integer parameter or fitted property (any GENRE_SCALER_* key).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (scaler or out NULL);
 *         GENRE_E_UNKNOWN_PARAM; GENRE_E_BAD_STATE (a fitted property of an
 *         unfitted scaler).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_scaler_get_i64(const genre_scaler *scaler, int32_t key, int64_t *out);

/**
 * Reads a real parameter or fitted property. The scaler has no f64 key
 * today: every key is GENRE_E_UNKNOWN_PARAM.
 * @return GENRE_E_INVALID_ARG (scaler or out NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_scaler_get_f64(const genre_scaler *scaler, int32_t key, double *out);

/**
 * The inclusive range a settable key accepts, as doubles (no handle needed).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (lo or hi NULL);
 *         GENRE_E_UNKNOWN_PARAM (unknown or read-only key).
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_scaler_param_bounds(int32_t key, double *lo, double *hi);

/**
 * The values an enumerated key accepts, ascending, into out[cap]; every
 * scaler key is a range (booleans are [0, 1]), so *n_values receives 0.
 * @param[out] out may be NULL with cap 0 (a size query).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (n_values NULL);
 *         GENRE_E_UNKNOWN_PARAM (unknown or read-only key);
 *         GENRE_E_BUFFER_TOO_SMALL (out NULL or cap below *n_values).
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_scaler_param_values(int32_t key, int64_t *out, size_t cap,
                                                 size_t *n_values);

/**
 * Puts every settable key back to its default; the column mask, the log
 * hook and a fitted state are kept.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (scaler NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_scaler_reset_params(genre_scaler *scaler);

/**
 * Sets the log callback (see "Log" above); fn NULL makes the scaler silent.
 * fn and user_data must stay valid while the handle may log.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (scaler NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_scaler_set_log(genre_scaler *scaler, genre_log_fn fn, void *user_data);

/**
 * Chooses which columns are scaled: scale[j] != 0 scales column j,
 * scale[j] == 0 passes it through unchanged (shift 0, scale 1). The array is
 * copied; its length must equal the column count given to fit. NULL with
 * n_cols 0 removes the mask (every column scaled). Takes effect at the next fit.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (scaler NULL, scale NULL with n_cols > 0,
 *         scale non-NULL with n_cols 0); GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_scaler_set_mask(genre_scaler *scaler, const uint8_t *scale,
                                             size_t n_cols);

/**
 * Learns each column's mean and population standard deviation. A failed fit
 * leaves the handle as it was.
 * @param[in] x row-major n_rows x n_cols, row_stride >= n_cols; not kept.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (scaler or x NULL, no rows or columns,
 *         row_stride < n_cols); GENRE_E_NONFINITE (NaN/Inf; the message names
 *         row, column and value); GENRE_E_SHAPE (mask length differs from
 *         n_cols); GENRE_E_NUMERIC (values so large that their column sums
 *         overflow); GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_scaler_fit(genre_scaler *scaler, const double *x, size_t n_rows,
                                        size_t n_cols, size_t row_stride);

/**
 * Writes (x - shift) / scale for each row into out (row-major, n_rows x
 * n_cols, contiguous). out may equal x when row_stride == n_cols (in place).
 * @param[out] out     caller buffer of out_len doubles.
 * @param[out] needed  receives n_rows * n_cols when not NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL scaler or x, no rows, row_stride <
 *         n_cols); GENRE_E_BAD_STATE (not fitted); GENRE_E_SHAPE (n_cols
 *         differs from fit); GENRE_E_NONFINITE; GENRE_E_BUFFER_TOO_SMALL
 *         (out NULL or out_len < n_rows * n_cols).
 * Thread-safe on a const fitted handle. @since 0.1
 */
GENRE_API genre_status genre_scaler_transform(const genre_scaler *scaler, const double *x,
                                              size_t n_rows, size_t n_cols,
                                              size_t row_stride, double *out,
                                              size_t out_len, size_t *needed);

/**
 * The inverse of genre_scaler_transform(): x * scale + shift. Same
 * arguments, statuses and threading.
 * @since 0.1
 */
GENRE_API genre_status genre_scaler_inverse_transform(const genre_scaler *scaler, const double *x,
                                                      size_t n_rows, size_t n_cols,
                                                      size_t row_stride, double *out,
                                                      size_t out_len, size_t *needed);

/**
 * Copies the per-column shift (the mean; 0 for masked columns or without
 * mean) into out[n_features].
 * @param[out] needed receives n_features when not NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (scaler NULL); GENRE_E_BAD_STATE (not
 *         fitted); GENRE_E_BUFFER_TOO_SMALL (out NULL or out_len too small).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_scaler_get_mean(const genre_scaler *scaler, double *out,
                                             size_t out_len, size_t *needed);

/**
 * Copies the per-column scale (population std; 1 for masked, zero-variance
 * columns or without std) into out[n_features]. Statuses as
 * genre_scaler_get_mean(). Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_scaler_get_scale(const genre_scaler *scaler, double *out,
                                              size_t out_len, size_t *needed);

/**
 * Copies the per-column population variance found by fit (also for masked
 * columns) into out[n_features]. Statuses as genre_scaler_get_mean().
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_scaler_get_variance(const genre_scaler *scaler, double *out,
                                                 size_t out_len, size_t *needed);

/**
 * Writes 1 for each scaled column found to have zero variance, else 0, into
 * out[n_features]. Statuses as genre_scaler_get_mean().
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_scaler_get_zero_variance(const genre_scaler *scaler, uint8_t *out,
                                                      size_t out_len, size_t *needed);

/**
 * Saves a fitted scaler to a file (atomically: written whole or not at all;
 * only a regular file is replaced, a symlink is followed: genre/model.h).
 * @param[in] path UTF-8 path.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_BAD_STATE (not
 *         fitted); GENRE_E_IO (also: path is not a regular file);
 *         GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_scaler_save(const genre_scaler *scaler, const char *path);

/**
 * Saves a fitted scaler into buf. *written_or_needed always receives the
 * size, so buf NULL is a size query.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (scaler or written_or_needed NULL);
 *         GENRE_E_BAD_STATE (not fitted); GENRE_E_BUFFER_TOO_SMALL;
 *         GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_scaler_save_to_memory(const genre_scaler *scaler, void *buf,
                                                   size_t cap, size_t *written_or_needed);

/**
 * Loads a scaler saved by genre_scaler_save().
 * @param[out] out receives a new handle (free with genre_scaler_free()).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_IO (also: path is
 *         neither a regular file nor a FIFO with a writer: genre/model.h);
 *         GENRE_E_CORRUPT; GENRE_E_VERSION; GENRE_E_MODEL_KIND (another
 *         kind of model); GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_scaler_load(genre_scaler **out, const char *path);

/**
 * Loads a scaler from memory (buf is not kept). Statuses as
 * genre_scaler_load() without GENRE_E_IO. Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_scaler_load_from_memory(genre_scaler **out, const void *buf,
                                                     size_t len);

/* ==== Partial fits (larger than memory) ================================== */

/**
 * A partial state of the scaler: the row count, the column means and the
 * sums of squared deviations of every row added so far, in O(n_cols)
 * memory whatever the number of rows. Opaque; separate from the model.
 *
 * Use: create, add chunks of rows (any sizes, any number), merge states
 * built elsewhere (other threads, processes or machines; ship them with
 * save/load), then genre_scaler_fit_partial() on a scaler, whose own
 * parameters and mask apply as in genre_scaler_fit().
 *
 * Accuracy: each chunk is reduced as genre_scaler_fit() reduces its rows
 * (blocked sums, corrected two-pass deviations), and chunks are combined by
 * Chan's parallel update with compensated (Kahan) additions. The result
 * equals genre_scaler_fit() on the same rows to about 1e-13 relative (the
 * tests demand 1e-12); bit for bit when one chunk holds every row.
 *
 * Merge order: merge(a, b) makes a the state of a's rows then b's.
 * Associative to rounding; for a given sequence of adds and merges the
 * result is deterministic (the same bits on every run and platform).
 *
 * Threading: add, merge (into), and free need exclusive access to the
 * state; save, fit_partial and merge (from) read it and may share it.
 */
typedef struct genre_scaler_partial genre_scaler_partial;

/**
 * Creates an empty partial state of n_cols columns.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (out NULL, n_cols 0 or above
 *         2^31 - 1); GENRE_E_NOMEM.
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_scaler_partial_create(genre_scaler_partial **out, size_t n_cols);

/**
 * Adds the rows of x (row-major, n_rows x n_cols, row_stride >= n_cols; not
 * kept). A failed add leaves the state as it was.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (partial or x NULL, no rows or columns,
 *         row_stride < n_cols, more than 2^53 rows in all); GENRE_E_SHAPE (n_cols differs from the
 *         state's); GENRE_E_NONFINITE (NaN/Inf: row within this x, column
 *         and value named); GENRE_E_NUMERIC (values so large that their
 *         sums overflow); GENRE_E_NOMEM.
 * Needs exclusive access to partial. @since 1.0
 */
GENRE_API genre_status genre_scaler_partial_add(genre_scaler_partial *partial, const double *x,
                                                size_t n_rows, size_t n_cols,
                                                size_t row_stride);

/**
 * into becomes the state of into's rows followed by from's (from is
 * unchanged). Allocates nothing.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, into == from, more than
 *         2^53 rows in all);
 *         GENRE_E_SHAPE (column counts differ; both named).
 * Needs exclusive access to into. @since 1.0
 */
GENRE_API genre_status genre_scaler_partial_merge(genre_scaler_partial *into,
                                                  const genre_scaler_partial *from);

/**
 * Rows added so far (merged states included) into *out.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL).
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_scaler_partial_n_rows(const genre_scaler_partial *partial,
                                                   int64_t *out);

/**
 * Saves the state into buf (a model-file container of kind GENRE_MODEL_SCALER_PARTIAL,
 * docs/partial-fits.md), so another process or engine can load and merge
 * it. *written_or_needed always receives the size, so buf NULL is a size query.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (partial or written_or_needed NULL);
 *         GENRE_E_BUFFER_TOO_SMALL (buf NULL or cap too small); GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_scaler_partial_save_to_memory(const genre_scaler_partial *partial,
                                                           void *buf, size_t cap,
                                                           size_t *written_or_needed);

/**
 * Loads a state saved by genre_scaler_partial_save_to_memory() (buf is not kept).
 * Every size is checked against the bytes that carry it before anything is
 * allocated; values are checked (finite, counts consistent), so a damaged
 * or crafted buffer is an error, never a crash or a huge allocation.
 * @param[out] out receives a new state (free with genre_scaler_partial_free()).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (out NULL, buf NULL with len > 0);
 *         GENRE_E_CORRUPT; GENRE_E_VERSION (newer container or payload);
 *         GENRE_E_MODEL_KIND (another kind); GENRE_E_NOMEM.
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_scaler_partial_load_from_memory(genre_scaler_partial **out,
                                                             const void *buf, size_t len);

/** Frees a partial state; NULL is a no-op. Needs exclusive access. @since 1.0 */
GENRE_API void genre_scaler_partial_free(genre_scaler_partial *partial);

/**
 * Fits scaler from a partial state: as genre_scaler_fit() on every row the state
 * holds (see "Accuracy" above). The state is only read. A failed fit leaves
 * scaler as it was.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, a state with no rows);
 *         GENRE_E_SHAPE (the mask's length differs from the state's
 *         columns); GENRE_E_NOMEM.
 * Needs exclusive access to scaler. @since 1.0
 */
GENRE_API genre_status genre_scaler_fit_partial(genre_scaler *scaler,
                                                const genre_scaler_partial *partial);

/* ==== end of the partial fits section ==== */

GENRE_END_DECLS

#endif /* GENRE_SCALER_H */
