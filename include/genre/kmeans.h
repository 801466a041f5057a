/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/kmeans.h
 * @brief k-means clustering (k-means++ seeding, restarts, Lloyd iterations)
 *        and a sweep over k scored by inertia and silhouette.
 *
 * **Objective.** fit minimises the inertia, the sum over rows of the squared
 * Euclidean distance to the nearest of k centers, by Lloyd's algorithm.
 *
 * **Seeding.** Greedy k-means++ (Arthur & Vassilvitskii; the variant
 * scikit-learn uses): the first center is a uniformly drawn row; each next
 * one is the best, by the potential it leaves, of 2 + floor(ln k) rows
 * drawn with probability proportional to their squared distance to the
 * nearest center chosen so far.
 *
 * **Restarts.** GENRE_KMEANS_N_INIT independent seedings + Lloyd runs; the
 * run of lowest inertia is kept (the first one on ties). Restart i draws
 * only from stream i of GENRE_KMEANS_SEED, whatever the number of restarts
 * or threads, so with the same seed (and thread count) n_init = m + 1 never
 * ends at a higher inertia than n_init = m, and the same seed gives the same
 * labels.
 *
 * **Lloyd iterations** assign every row to its nearest center, then move
 * each center to the mean of its rows. A run stops when no label changes
 * (strict convergence), when the squared center shift summed over centers is
 * at most GENRE_KMEANS_TOL times the mean of the column variances of x (the
 * rule of scikit-learn), or after GENRE_KMEANS_MAX_ITER iterations; in the
 * last two cases a final assignment makes the labels those of the nearest
 * final center. The fitted inertia is computed from the final labels with
 * exact differences (x - c), whatever the distance kernel.
 *
 * **Distances** in the assignment step come from one of two kernels
 * (GENRE_KMEANS_DISTANCE_KERNEL): CBLAS forms |x|^2 - 2 x.c + |c|^2 with one
 * matrix product (OpenBLAS dgemm) per block of rows per iteration; BUILTIN
 * forms |x - c|^2 directly in libgenre's own threaded loop. AUTO picks
 * BUILTIN for up to 8 columns and CBLAS above (the faster kernel on each
 * side of that width when it was chosen: CHANGELOG.md, 0.1.0).
 *
 * **No Elkan / Hamerly bounds**: Lloyd's algorithm is the only one (a
 * Hamerly variant was no faster at 45,000 rows and k up to 20:
 * CHANGELOG.md, 0.1.0).
 *
 * **Empty clusters.** A cluster left without rows after an assignment gets
 * as its new center the row farthest from its own center (the next farthest
 * for the next empty cluster), as scikit-learn does; if every row sits on
 * its center (fewer distinct rows than k) the cluster keeps its center and
 * stays empty.
 *
 * **Threads** (GENRE_KMEANS_N_THREADS): assignment and accumulation run on
 * libgenre's threads; partial sums are combined in a fixed order, so the
 * same seed and thread count give the same bits. docs/threads.md.
 *
 * **Progress** (genre_kmeans_set_progress): phase GENRE_KMEANS_PHASE_LLOYD
 * after every Lloyd iteration (step = iterations so far in the fit, summed
 * over restarts; total -1; objective = that iteration's inertia from the
 * assignment distances); the sweep adds GENRE_KMEANS_PHASE_SWEEP after each
 * k is fit (step = k values done, total = their number, objective = that
 * k's inertia) and then GENRE_KMEANS_PHASE_SILHOUETTE (step / total =
 * rounds of tiles of the pairwise distances done). A non-zero return cancels with GENRE_E_CANCELLED and the
 * handle keeps its previous fitted state.
 *
 * **Log** (genre_kmeans_set_log), on the calling thread, each message naming
 * the call and k: GENRE_LOG_WARNING when the kept restart stopped at
 * GENRE_KMEANS_MAX_ITER without converging, or ends with empty clusters
 * (x has fewer distinct rows than k); GENRE_LOG_INFO for every restart that
 * stopped at GENRE_KMEANS_MAX_ITER and every restart in which empty clusters
 * were moved to the farthest rows.
 *
 * Threading contract: see genre/common.h. fit, sweep, the setters and free
 * need exclusive access; predict, the getters and save may run concurrently
 * on one fitted handle.
 */
#ifndef GENRE_KMEANS_H
#define GENRE_KMEANS_H

#include <genre/common.h>

GENRE_BEGIN_DECLS

/** A k-means model. Opaque. */
typedef struct genre_kmeans genre_kmeans;

/* ---- Parameter keys (values frozen, new keys appended) ------------------ */
/* Each key: its type, default and accepted values. "Enumerated" keys accept
 * only the listed values (genre_kmeans_param_values() lists them). */
/** i64, [1, 2^31-1], default 8: number of clusters k (at most the rows at fit). */
#define GENRE_KMEANS_K 1
/** i64, [1, 1000000], default 10: restarts; the lowest inertia is kept. */
#define GENRE_KMEANS_N_INIT 2
/** i64, [1, 10000000], default 300: Lloyd iterations per restart at most. */
#define GENRE_KMEANS_MAX_ITER 3
/** f64, [0, 1e300], default 1e-4: convergence threshold on the summed
 *  squared center shift, relative to the mean column variance of x. */
#define GENRE_KMEANS_TOL 4
/** i64, any value (used as 64 unsigned bits), default 0. */
#define GENRE_KMEANS_SEED 5
/** i64, [0, 2^63-1], default 0 (= all online cores); above 256 means 256. */
#define GENRE_KMEANS_N_THREADS 6
/** i64, enumerated: GENRE_KMEANS_ALGO_LLOYD (the default and only value). */
#define GENRE_KMEANS_ALGORITHM 7
/** i64, enumerated: GENRE_KMEANS_KERNEL_AUTO (default), _CBLAS or _BUILTIN. */
#define GENRE_KMEANS_DISTANCE_KERNEL 8

/* Read-only keys (GENRE_E_BAD_STATE before a fit, except GENRE_KMEANS_FITTED). */
/** i64: columns seen by fit. */
#define GENRE_KMEANS_N_FEATURES 100
/** i64: rows seen by fit. */
#define GENRE_KMEANS_N_SAMPLES 101
/** i64: number of centers of the fitted model. */
#define GENRE_KMEANS_N_CLUSTERS 102
/** i64: Lloyd iterations of the kept restart. */
#define GENRE_KMEANS_N_ITER 103
/** i64: 0-based index of the kept restart. */
#define GENRE_KMEANS_BEST_RESTART 104
/** i64: 1 when the kept restart converged (labels stable or shift <= tol)
 *  before GENRE_KMEANS_MAX_ITER; 0 when it hit the limit (not an error). */
#define GENRE_KMEANS_CONVERGED 105
/** i64: 1 once fitted (or loaded), else 0. */
#define GENRE_KMEANS_FITTED 106
/** f64: inertia of the kept restart (sum of squared distances to the
 *  assigned centers). */
#define GENRE_KMEANS_INERTIA 110

/* Values of GENRE_KMEANS_ALGORITHM. */
/** Lloyd's iterations (the only algorithm; see the file comment on
 *  Hamerly's bounds). */
#define GENRE_KMEANS_ALGO_LLOYD 0

/* Values of GENRE_KMEANS_DISTANCE_KERNEL. */
/** BUILTIN for at most 8 columns, CBLAS above. */
#define GENRE_KMEANS_KERNEL_AUTO 0
/** |x|^2 - 2 x.c + |c|^2 with OpenBLAS dgemm. */
#define GENRE_KMEANS_KERNEL_CBLAS 1
/** |x - c|^2 directly in libgenre's threaded loop. */
#define GENRE_KMEANS_KERNEL_BUILTIN 2

/* Progress phases (see the file comment). */
#define GENRE_KMEANS_PHASE_LLOYD 1
#define GENRE_KMEANS_PHASE_SWEEP 2
#define GENRE_KMEANS_PHASE_SILHOUETTE 3

/**
 * Creates an unfitted k-means with the defaults above.
 * @param[out] out receives the handle; free it with genre_kmeans_free().
 * @return GENRE_OK; GENRE_E_INVALID_ARG (out NULL); GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_kmeans_create(genre_kmeans **out);

/** Frees a k-means; NULL is a no-op. Needs exclusive access. @since 0.1 */
GENRE_API void genre_kmeans_free(genre_kmeans *km);

/**
 * Sets an integer parameter (K, N_INIT, MAX_ITER, SEED, N_THREADS,
 * ALGORITHM, DISTANCE_KERNEL). Takes effect at the next fit; values are
 * never clamped (except N_THREADS above 256, see docs/threads.md).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (km NULL, value outside the key's
 *         range or list; the message names key, value and what is
 *         accepted); GENRE_E_UNKNOWN_PARAM (unknown, read-only or
 *         real-valued key).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_kmeans_set_i64(genre_kmeans *km, int32_t key, int64_t value);

/**
 * Sets a real parameter (GENRE_KMEANS_TOL). Takes effect at the next fit.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (km NULL, value negative, above
 *         1e300 or NaN); GENRE_E_UNKNOWN_PARAM (unknown, read-only or
 *         integer key).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_kmeans_set_f64(genre_kmeans *km, int32_t key, double value);

/**
 * Reads an integer parameter or fitted property.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL argument);
 *         GENRE_E_UNKNOWN_PARAM (unknown or real-valued key);
 *         GENRE_E_BAD_STATE (a fitted property before fit).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_kmeans_get_i64(const genre_kmeans *km, int32_t key, int64_t *out);

/**
 * Reads a real parameter (GENRE_KMEANS_TOL) or the fitted
 * GENRE_KMEANS_INERTIA.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL argument);
 *         GENRE_E_UNKNOWN_PARAM; GENRE_E_BAD_STATE (inertia before fit).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_kmeans_get_f64(const genre_kmeans *km, int32_t key, double *out);

/**
 * The inclusive range a settable key accepts, as doubles (no handle
 * needed). For an enumerated key the smallest and largest accepted value
 * (genre_kmeans_param_values() lists the valid ones).
 * @return GENRE_OK; GENRE_E_UNKNOWN_PARAM (unknown or read-only key);
 *         GENRE_E_INVALID_ARG (lo or hi NULL).
 * Thread-safe. @since 0.4
 */
GENRE_API genre_status genre_kmeans_param_bounds(int32_t key, double *lo, double *hi);

/**
 * The values an enumerated key accepts, ascending, into out[cap] (no handle
 * needed); *n_values receives their count. A settable key that takes any
 * value in its range answers *n_values = 0.
 * @param[out] out      caller-owned, cap entries; may be NULL for a size query.
 * @param[out] n_values receives the number of values (also when the buffer
 *                      is short).
 * @return GENRE_OK; GENRE_E_BUFFER_TOO_SMALL (out NULL or cap short for an
 *         enumerated key); GENRE_E_UNKNOWN_PARAM (unknown or read-only key);
 *         GENRE_E_INVALID_ARG (n_values NULL).
 * Thread-safe. @since 0.4
 */
GENRE_API genre_status genre_kmeans_param_values(int32_t key, int64_t *out, size_t cap,
                                                 size_t *n_values);

/**
 * Puts every settable key back to its default; a fitted k-means stays
 * fitted (its fitted properties are unchanged) and the callbacks stay set.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (km NULL).
 * Needs exclusive access. @since 0.4
 */
GENRE_API genre_status genre_kmeans_reset_params(genre_kmeans *km);

/**
 * Sets the progress callback (see the file comment for the phases); fn
 * NULL removes it. user_data is passed back untouched.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (km NULL).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_kmeans_set_progress(genre_kmeans *km, genre_progress_fn fn,
                                                 void *user_data);

/**
 * Sets the log callback (see the file comment for what is logged); fn NULL
 * makes the handle silent. user_data is passed back untouched.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (km NULL).
 * Needs exclusive access. @since 0.4
 */
GENRE_API genre_status genre_kmeans_set_log(genre_kmeans *km, genre_log_fn fn,
                                            void *user_data);

/**
 * Clusters the rows of x. On success the new fit replaces the previous one;
 * on any failure or cancellation the handle is left as it was.
 * @param[in] x row-major n_rows x n_cols, row_stride >= n_cols; not kept.
 * @return GENRE_OK;
 *   GENRE_E_INVALID_ARG (km or x NULL, no rows or columns, row_stride <
 *   n_cols, GENRE_KMEANS_K above n_rows -- the message names both);
 *   GENRE_E_NONFINITE (NaN/Inf, with row, column and value);
 *   GENRE_E_NUMERIC (finite values so large that squared distances
 *   overflow); GENRE_E_CANCELLED (the progress callback asked to stop);
 *   GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_kmeans_fit(genre_kmeans *km, const double *x, size_t n_rows,
                                        size_t n_cols, size_t row_stride);

/**
 * Labels rows with the index of their nearest center (exact squared
 * distances; the lowest index on ties).
 * @param[out] out n_rows labels in [0, k).
 * @param[out] needed receives n_rows when not NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (km or x NULL, no rows, row_stride
 *         < n_cols); GENRE_E_BAD_STATE (not fitted); GENRE_E_SHAPE (n_cols
 *         differs from fit); GENRE_E_NONFINITE; GENRE_E_BUFFER_TOO_SMALL
 *         (out NULL or out_len < n_rows).
 * Thread-safe on a const fitted handle (allocates nothing). @since 0.1
 */
GENRE_API genre_status genre_kmeans_predict(const genre_kmeans *km, const double *x,
                                            size_t n_rows, size_t n_cols, size_t row_stride,
                                            int32_t *out, size_t out_len, size_t *needed);

/**
 * Copies the centers, k x d row-major.
 * @param[out] needed receives k * d when not NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (km NULL); GENRE_E_BAD_STATE (not
 *         fitted); GENRE_E_BUFFER_TOO_SMALL (out NULL or too short).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_kmeans_get_centers(const genre_kmeans *km, double *out,
                                                size_t out_len, size_t *needed);

/**
 * Copies the labels of the training rows (n_samples values in [0, k)).
 * Statuses as genre_kmeans_get_centers(). Thread-safe on a const handle.
 * @since 0.1
 */
GENRE_API genre_status genre_kmeans_get_labels(const genre_kmeans *km, int32_t *out,
                                               size_t out_len, size_t *needed);

/**
 * The k-sweep: for k = k_min ... k_max fits a k-means with the handle's
 * parameters (GENRE_KMEANS_K aside) and scores its labels by inertia and
 * by the exact mean silhouette (as genre_metrics_silhouette(); the
 * silhouettes of all k come from one pass over the pairwise distances, so
 * the sweep costs about one silhouette, not k_max - k_min + 1). The
 * handle's own fitted state is not changed. Memory: the labels of every k
 * and the silhouette's per-thread sums, O(n (k_min + ... + k_max)) doubles
 * per thread.
 * @param[out] inertia,silhouette k_max - k_min + 1 values each (entry i
 *             for k = k_min + i); either may be NULL when not wanted, but
 *             not both. A k whose clustering has a single non-empty cluster
 *             has silhouette NaN.
 * @param[out] needed receives k_max - k_min + 1 when not NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (km or x NULL, both outputs NULL,
 *   bad matrix, k_min < 2, k_max < k_min, k_max >= n_rows: the silhouette
 *   needs 2 <= k <= n - 1); GENRE_E_BUFFER_TOO_SMALL (an output shorter
 *   than the number of k values); GENRE_E_NONFINITE; GENRE_E_NUMERIC;
 *   GENRE_E_CANCELLED; GENRE_E_NOMEM.
 * Needs exclusive access (it calls the handle's progress callback).
 * @since 0.1
 */
GENRE_API genre_status genre_kmeans_sweep(genre_kmeans *km, const double *x, size_t n_rows,
                                          size_t n_cols, size_t row_stride, int32_t k_min,
                                          int32_t k_max, double *inertia, double *silhouette,
                                          size_t cap, size_t *needed);

/**
 * Saves a fitted k-means (centers, training labels, parameters) to a file,
 * atomically, replacing only a regular file (genre/model.h).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_BAD_STATE (not
 *         fitted); GENRE_E_IO (also: path is not a regular file);
 *         GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_kmeans_save(const genre_kmeans *km, const char *path);

/**
 * Saves a fitted k-means into buf; *written_or_needed always receives the
 * size (buf NULL is a size query).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (km or written_or_needed NULL);
 *         GENRE_E_BAD_STATE; GENRE_E_BUFFER_TOO_SMALL; GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_kmeans_save_to_memory(const genre_kmeans *km, void *buf,
                                                   size_t cap, size_t *written_or_needed);

/**
 * Loads a k-means saved by genre_kmeans_save(); it has the saved
 * parameters, no progress or log callback and N_THREADS 0.
 * @param[out] out receives a new handle (free with genre_kmeans_free()).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_IO (also: path is
 *         neither a regular file nor a FIFO with a writer: genre/model.h);
 *         GENRE_E_CORRUPT; GENRE_E_VERSION; GENRE_E_MODEL_KIND;
 *         GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_kmeans_load(genre_kmeans **out, const char *path);

/** Loads a k-means from memory (buf not kept). Statuses as
 *  genre_kmeans_load() without GENRE_E_IO. Thread-safe. @since 0.1 */
GENRE_API genre_status genre_kmeans_load_from_memory(genre_kmeans **out, const void *buf,
                                                     size_t len);

GENRE_END_DECLS

#endif /* GENRE_KMEANS_H */
