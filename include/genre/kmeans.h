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
 * same seed and thread count give the same bits. With the BUILTIN kernel
 * and several restarts, whole restarts run on separate threads instead
 * (same bits, same kept restart); the progress and log calls of a fit then
 * come, in the same order and with the same values, once its restarts are
 * done. docs/threads.md.
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
/** i64, [0, 2^63-1], default 0 (= genre_default_threads(): the CPUs
 *  of the process's affinity mask); above 256 means 256. */
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
GENRE_API void genre_kmeans_free(genre_kmeans *kmeans);

/**
 * Sets an integer parameter (K, N_INIT, MAX_ITER, SEED, N_THREADS,
 * ALGORITHM, DISTANCE_KERNEL). Takes effect at the next fit; values are
 * never clamped (except N_THREADS above 256, see docs/threads.md).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (kmeans NULL, value outside the key's
 *         range or list; the message names key, value and what is
 *         accepted); GENRE_E_UNKNOWN_PARAM (unknown, read-only or
 *         real-valued key).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_kmeans_set_i64(genre_kmeans *kmeans, int32_t key, int64_t value);

/**
 * Sets a real parameter (GENRE_KMEANS_TOL). Takes effect at the next fit.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (kmeans NULL, value negative, above
 *         1e300 or NaN); GENRE_E_UNKNOWN_PARAM (unknown, read-only or
 *         integer key).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_kmeans_set_f64(genre_kmeans *kmeans, int32_t key, double value);

/**
 * Reads an integer parameter or fitted property.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL argument);
 *         GENRE_E_UNKNOWN_PARAM (unknown or real-valued key);
 *         GENRE_E_BAD_STATE (a fitted property before fit).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_kmeans_get_i64(const genre_kmeans *kmeans, int32_t key, int64_t *out);

/**
 * Reads a real parameter (GENRE_KMEANS_TOL) or the fitted
 * GENRE_KMEANS_INERTIA.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL argument);
 *         GENRE_E_UNKNOWN_PARAM; GENRE_E_BAD_STATE (inertia before fit).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_kmeans_get_f64(const genre_kmeans *kmeans, int32_t key, double *out);

/**
 * The inclusive range a settable key accepts, as doubles (no handle
 * needed). For an enumerated key the smallest and largest accepted value
 * (genre_kmeans_param_values() lists the valid ones).
 * @return GENRE_OK; GENRE_E_UNKNOWN_PARAM (unknown or read-only key);
 *         GENRE_E_INVALID_ARG (lo or hi NULL).
 * Thread-safe. @since 1.0
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
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_kmeans_param_values(int32_t key, int64_t *out, size_t cap,
                                                 size_t *n_values);

/**
 * Puts every settable key back to its default; a fitted k-means stays
 * fitted (its fitted properties are unchanged) and the callbacks stay set.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (kmeans NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_kmeans_reset_params(genre_kmeans *kmeans);

/**
 * Sets the progress callback (see the file comment for the phases); fn
 * NULL removes it. user_data is passed back untouched.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (kmeans NULL).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_kmeans_set_progress(genre_kmeans *kmeans, genre_progress_fn fn,
                                                 void *user_data);

/**
 * Sets the log callback (see the file comment for what is logged); fn NULL
 * makes the handle silent. user_data is passed back untouched.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (kmeans NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_kmeans_set_log(genre_kmeans *kmeans, genre_log_fn fn,
                                            void *user_data);

/**
 * Sets the centers the next fits start from, instead of k-means++: each fit
 * then makes one Lloyd run from them (GENRE_KMEANS_N_INIT and
 * GENRE_KMEANS_SEED play no part; GENRE_KMEANS_BEST_RESTART is 0), and x
 * may have fewer rows than clusters. The sweep ignores them. Not saved with
 * the model; genre_kmeans_reset_params() leaves them set.
 * @param[in] centers n_clusters x n_cols row-major, finite; copied. NULL
 *                    removes them (back to k-means++; the counts are then
 *                    ignored).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (kmeans NULL, zero clusters or columns,
 *         more than 2^31 - 1 clusters); GENRE_E_NONFINITE (row, column,
 *         value); GENRE_E_NOMEM. At the fit: GENRE_E_INVALID_ARG when
 *         n_clusters is not GENRE_KMEANS_K, GENRE_E_SHAPE when n_cols is not
 *         x's columns.
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_kmeans_set_initial_centers(genre_kmeans *kmeans, const double *centers,
                                                        size_t n_clusters, size_t n_cols);

/* ---- One fit over several processes ----------------------------------------
 *
 * With a reducer (genre_reduce_fn, genre/common.h) set, genre_kmeans_fit()
 * is one Lloyd run over the rows of every participating process, each
 * passing its own rows: the fit calls the reducer on the calling thread
 * and the reducer leaves in buf the element-wise sums over the processes.
 * The calls, in order (k clusters, d columns):
 *
 * - what = GENRE_KMEANS_REDUCE_SPREAD, step 0, once before the iterations,
 *   len = 1 + 2d: [rows, then per column the sum of (x - s), then per column
 *   the sum of (x - s)^2], s = the mean of the initial centers (the same on
 *   every process, and close to the data, so the squares do not cancel).
 *   The relative tolerance (GENRE_KMEANS_TOL) reads the column variances of
 *   every process's rows from them.
 * - what = GENRE_KMEANS_REDUCE_LLOYD, step = the iteration (1-based), once
 *   per Lloyd iteration after the assignment and before the update,
 *   len = k d + k + 2: [the per-cluster sums of the assigned rows (k x d,
 *   row-major), the per-cluster row counts (k), the assignment inertia, the
 *   number of rows whose label changed]. Every decision reads the reduced
 *   values, so it is the same on every process: the new centers (sums /
 *   counts), the strict convergence (no label changed anywhere), the
 *   tolerance, and the empty clusters -- decided from the reduced counts, a
 *   cluster with no row on any process keeps its center (the farthest-row
 *   rule of a one-process fit needs every process's rows; it is logged as an
 *   empty cluster).
 * - what = GENRE_KMEANS_REDUCE_INERTIA, step = the last iteration, once at
 *   the end, len = 1: the exact inertia of this process's final labels.
 *
 * The fit needs initial centers (genre_kmeans_set_initial_centers(), the
 * same on every process, e.g. from k-means|| or from
 * genre_kmeans_init_from_sample() on a shared sample): without them it
 * fails with GENRE_E_INVALID_ARG. Every process then takes the same
 * iterations and ends with the same centers, GENRE_KMEANS_N_ITER,
 * GENRE_KMEANS_CONVERGED and GENRE_KMEANS_INERTIA (the total); the labels
 * (genre_kmeans_get_labels()) and GENRE_KMEANS_N_SAMPLES are those of its
 * own rows. With no empty cluster on the way, the fit equals the
 * one-process fit of the union from the same centers: the same
 * assignments, centers to rounding. Each process needs at least one row.
 * The sweep ignores the reducer. The reducer is part of the handle, not of
 * the model: save/load does not keep it, and genre_kmeans_reset_params()
 * leaves it set.
 *
 * The partial states below (genre_kmeans_partial_save_to_memory(), _load(), _merge())
 * are the other way to run Lloyd over several processes: they also carry
 * the rows farthest from their centers, so merged in rank order they apply
 * the one-process empty-cluster rule too.
 */

/** what of the k-means reducer calls (see above). */
#define GENRE_KMEANS_REDUCE_SPREAD 1
#define GENRE_KMEANS_REDUCE_LLOYD 2
#define GENRE_KMEANS_REDUCE_INERTIA 3

/**
 * Sets the reducer of genre_kmeans_fit() (see "One fit over several
 * processes" above); fn NULL removes it (the fit then sees only its own
 * rows, as by default). user_data is passed back untouched.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (kmeans NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_kmeans_set_reducer(genre_kmeans *kmeans, genre_reduce_fn fn,
                                                void *user_data);

/**
 * Clusters the rows of x. On success the new fit replaces the previous one;
 * on any failure or cancellation the handle is left as it was.
 * @param[in] x row-major n_rows x n_cols, row_stride >= n_cols; not kept.
 * @return GENRE_OK;
 *   GENRE_E_INVALID_ARG (kmeans or x NULL, no rows or columns, row_stride <
 *   n_cols, GENRE_KMEANS_K above n_rows without initial centers -- the
 *   message names both; initial centers of another count; a reducer
 *   without initial centers; a reducer that leaves a value no sum over
 *   processes can be -- a non-finite sum, a row or changed-label count
 *   that is not a whole number >= 0 (a total row count below 1), a
 *   negative or non-finite inertia -- the message names the slot and the
 *   iteration);
 *   GENRE_E_SHAPE (initial centers of other columns);
 *   GENRE_E_CANCELLED or the reducer's own GENRE_E_* status (the reducer
 *   returned non-zero: the message names it and the iteration);
 *   GENRE_E_NONFINITE (NaN/Inf, with row, column and value);
 *   GENRE_E_NUMERIC (finite values so large that squared distances
 *   overflow); GENRE_E_CANCELLED (the progress callback asked to stop);
 *   GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_kmeans_fit(genre_kmeans *kmeans, const double *x, size_t n_rows,
                                        size_t n_cols, size_t row_stride);

/**
 * Labels rows with the index of their nearest center (exact squared
 * distances; the lowest index on ties).
 * @param[out] out n_rows labels in [0, k).
 * @param[out] needed receives n_rows when not NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (kmeans or x NULL, no rows, row_stride
 *         < n_cols); GENRE_E_BAD_STATE (not fitted); GENRE_E_SHAPE (n_cols
 *         differs from fit); GENRE_E_NONFINITE; GENRE_E_BUFFER_TOO_SMALL
 *         (out NULL or out_len < n_rows).
 * Thread-safe on a const fitted handle (allocates nothing). @since 0.1
 */
GENRE_API genre_status genre_kmeans_predict(const genre_kmeans *kmeans, const double *x,
                                            size_t n_rows, size_t n_cols, size_t row_stride,
                                            int32_t *out, size_t out_len, size_t *needed);

/**
 * Copies the centers, k x d row-major.
 * @param[out] needed receives k * d when not NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (kmeans NULL); GENRE_E_BAD_STATE (not
 *         fitted); GENRE_E_BUFFER_TOO_SMALL (out NULL or too short).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_kmeans_get_centers(const genre_kmeans *kmeans, double *out,
                                                size_t out_len, size_t *needed);

/**
 * Copies the labels of the training rows (n_samples values in [0, k)).
 * Statuses as genre_kmeans_get_centers(), and GENRE_E_BAD_STATE for a model
 * updated by genre_kmeans_fit_partial() or initialised from a sample (it
 * keeps no training labels). Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_kmeans_get_labels(const genre_kmeans *kmeans, int32_t *out,
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
 * @return GENRE_OK; GENRE_E_INVALID_ARG (kmeans or x NULL, both outputs NULL,
 *   bad matrix, k_min < 2, k_max < k_min, k_max >= n_rows: the silhouette
 *   needs 2 <= k <= n - 1); GENRE_E_BUFFER_TOO_SMALL (an output shorter
 *   than the number of k values); GENRE_E_NONFINITE; GENRE_E_NUMERIC;
 *   GENRE_E_CANCELLED; GENRE_E_NOMEM.
 * Needs exclusive access (it calls the handle's progress callback).
 * @since 0.1
 */
GENRE_API genre_status genre_kmeans_sweep(genre_kmeans *kmeans, const double *x, size_t n_rows,
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
GENRE_API genre_status genre_kmeans_save(const genre_kmeans *kmeans, const char *path);

/**
 * Saves a fitted k-means into buf; *written_or_needed always receives the
 * size (buf NULL is a size query).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (kmeans or written_or_needed NULL);
 *         GENRE_E_BAD_STATE; GENRE_E_BUFFER_TOO_SMALL; GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_kmeans_save_to_memory(const genre_kmeans *kmeans, void *buf,
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

/* ---- Partial fits (larger than memory) ------------------------------------
 *
 * A Lloyd pass over a table read in chunks. The pass is a partial state,
 * genre_kmeans_partial: the centers it assigns to (fixed when it is
 * created), and for the rows added so far the per-center sums and counts,
 * the assignment inertia, the per-column count / mean / M2 (for the relative
 * tolerance) and the k rows farthest from their centers (for empty
 * clusters). Its size is O(k d), whatever the number of rows.
 *
 *     genre_kmeans_partial_create_from_model(&p, kmeans);      // kmeans has centers
 *     for each chunk: genre_kmeans_partial_add(p, chunk, ...);
 *     genre_kmeans_fit_partial(kmeans, p);                       // one Lloyd update
 *     genre_kmeans_get_i64(kmeans, GENRE_KMEANS_CONVERGED, &c);  // loop until 1
 *
 * **Equal to the in-memory iterations.** Rows are assigned by the distance
 * kernel of the in-memory fit (GENRE_KMEANS_DISTANCE_KERNEL of the model the
 * state was created from; AUTO otherwise), the update is the in-memory one:
 * each center moves to the mean of its rows; an empty cluster takes the row
 * farthest from its center (the next farthest for the next empty cluster,
 * the earliest row on ties, rows on their center never), or keeps its center
 * when no such row is left. From the same centers, streamed passes so give
 * the same assignments as genre_kmeans_fit's iterations and centers equal to
 * rounding (the sums are added chunk by chunk with compensation; one chunk
 * holding every row on one thread gives the same bits). A pass converges
 * when the squared center shift summed over centers is at most
 * GENRE_KMEANS_TOL times the mean column variance of the pass's rows, as the
 * in-memory rule. The in-memory fit also stops when no label changes, which
 * a stream cannot see; the pass after that moves no center (exactly, when
 * the passes cut and merge the rows alike; else by rounding only), so it
 * converges and the iteration counts agree. With GENRE_KMEANS_TOL 0 and
 * passes cut differently, that shift may stay a rounding error above 0:
 * bound the passes yourself.
 *
 * **Merge order.** genre_kmeans_partial_merge(into, from) gives the state of
 * into's rows followed by from's rows ("row order" decides ties among
 * farthest rows). Merging is associative: counts and farthest rows exactly,
 * sums and inertia to rounding; a given merge order gives the same bits.
 * Both states must hold the same centers (bit for bit): partial states of
 * one pass, created from the same model or centers.
 *
 * **Initialisation without the whole table**: a seeded reservoir sample
 * (genre_kmeans_sample) of m rows, then greedy k-means++ on it
 * (genre_kmeans_init_from_sample): the model's GENRE_KMEANS_K and
 * GENRE_KMEANS_SEED (stream 0, the in-memory fit's first restart). A sample
 * whose capacity is at least the number of rows holds every row in order,
 * and then gives exactly the initial centers of genre_kmeans_fit's first
 * restart.
 *
 * Thread-safety: a partial state or sample needs exclusive access to be
 * changed (add, merge into, free); const ones may be read (merge from, save,
 * fit_partial) concurrently. */

/** A partial Lloyd pass. Opaque. @since 1.0 */
typedef struct genre_kmeans_partial genre_kmeans_partial;

/** f64, read-only (@since 1.0): squared center shift summed over centers of
 *  the last genre_kmeans_fit_partial() (NaN after genre_kmeans_fit() and
 *  after genre_kmeans_init_from_sample()). */
#define GENRE_KMEANS_CENTER_SHIFT 111

/**
 * An empty pass that assigns rows to the given centers, with the AUTO
 * distance kernel and genre_default_threads() threads.
 * @param[in] centers n_clusters x n_cols row-major, finite; copied.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, zero clusters or columns,
 *         n_clusters above 2^31 - 1); GENRE_E_NONFINITE (a center's value:
 *         row, column, value); GENRE_E_NOMEM. Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_kmeans_partial_create(genre_kmeans_partial **out, size_t n_cols,
                                                   const double *centers, size_t n_clusters);

/**
 * An empty pass over the centers of a fitted (or initialised) k-means, with
 * its GENRE_KMEANS_DISTANCE_KERNEL and GENRE_KMEANS_N_THREADS.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_BAD_STATE (kmeans has no
 *         centers); GENRE_E_NOMEM. Thread-safe on a const kmeans. @since 1.0
 */
GENRE_API genre_status genre_kmeans_partial_create_from_model(genre_kmeans_partial **out,
                                                              const genre_kmeans *kmeans);

/**
 * Adds rows to the pass: assigns each to its nearest center and accumulates.
 * On failure the state is unchanged.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, no rows, row_stride <
 *         n_cols); GENRE_E_SHAPE (n_cols differs from the state's);
 *         GENRE_E_NONFINITE (row, column, value; rows of this call);
 *         GENRE_E_NUMERIC (sums overflow); GENRE_E_NOMEM.
 * Needs exclusive access to partial. @since 1.0
 */
GENRE_API genre_status genre_kmeans_partial_add(genre_kmeans_partial *partial, const double *x,
                                                size_t n_rows, size_t n_cols,
                                                size_t row_stride);

/**
 * into becomes the pass over into's rows followed by from's (see "Merge
 * order" above). On failure into is unchanged.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, into == from); GENRE_E_SHAPE
 *         (other columns or clusters: the message names both);
 *         GENRE_E_BAD_STATE (other centers: not the same pass);
 *         GENRE_E_NOMEM. Needs exclusive access to into. @since 1.0
 */
GENRE_API genre_status genre_kmeans_partial_merge(genre_kmeans_partial *into,
                                                  const genre_kmeans_partial *from);

/**
 * Saves the state (model-file container, kind GENRE_MODEL_KMEANS_PARTIAL)
 * into buf[cap]; *written_or_needed always receives the size (buf NULL: a size query).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (partial or written_or_needed NULL);
 *         GENRE_E_BUFFER_TOO_SMALL; GENRE_E_NOMEM. Thread-safe on a const p.
 * @since 1.0
 */
GENRE_API genre_status genre_kmeans_partial_save_to_memory(const genre_kmeans_partial *partial,
                                                           void *buf, size_t cap,
                                                           size_t *written_or_needed);

/**
 * Loads a state saved by genre_kmeans_partial_save_to_memory() (buf not kept). A
 * damaged, truncated or inconsistent state is refused before any allocation
 * it cannot justify.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_CORRUPT;
 *         GENRE_E_VERSION; GENRE_E_MODEL_KIND; GENRE_E_NOMEM. Thread-safe.
 * @since 1.0
 */
GENRE_API genre_status genre_kmeans_partial_load_from_memory(genre_kmeans_partial **out,
                                                             const void *buf, size_t len);

/** Frees a state; NULL is a no-op. @since 1.0 */
GENRE_API void genre_kmeans_partial_free(genre_kmeans_partial *partial);

/**
 * One Lloyd update from a whole pass: kmeans's centers become the means of the
 * pass's clusters (empty clusters as above); GENRE_KMEANS_N_SAMPLES the
 * pass's rows, GENRE_KMEANS_INERTIA the pass's assignment inertia (against
 * the centers it assigned to), GENRE_KMEANS_CENTER_SHIFT the squared shift,
 * GENRE_KMEANS_CONVERGED 1 when the shift is at most GENRE_KMEANS_TOL times
 * the mean column variance, GENRE_KMEANS_N_ITER one more (0 after
 * initialisation; at most GENRE_KMEANS_MAX_ITER). The model keeps no
 * training labels (genre_kmeans_get_labels() is GENRE_E_BAD_STATE; predict
 * them). kmeans's parameters other than GENRE_KMEANS_TOL play no part; kmeans need
 * not hold the pass's centers. On failure kmeans is unchanged.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL; fewer rows than clusters);
 *         GENRE_E_NUMERIC (column variances overflow); GENRE_E_NOMEM.
 * Needs exclusive access to kmeans. @since 1.0
 */
GENRE_API genre_status genre_kmeans_fit_partial(genre_kmeans *kmeans,
                                                const genre_kmeans_partial *partial);

/** A seeded reservoir sample of rows (initialisation). Opaque. @since 1.0 */
typedef struct genre_kmeans_sample genre_kmeans_sample;

/**
 * An empty reservoir of at most capacity rows of n_cols columns (Vitter's
 * algorithm R, seeded: row t of the stream, 0-based, is kept when t <
 * capacity, else replaces slot j = uniform [0, t] when j < capacity). The
 * same seed and rows give the same sample, whatever the chunking.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, zero columns or capacity, a
 *         sample above 2^31 rows or not addressable); GENRE_E_NOMEM
 *         (capacity x n_cols doubles are allocated up front).
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_kmeans_sample_create(genre_kmeans_sample **out, size_t n_cols,
                                                  size_t capacity, int64_t seed);

/**
 * Offers rows to the reservoir. On failure the sample is unchanged.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, no rows, row_stride <
 *         n_cols); GENRE_E_SHAPE; GENRE_E_NONFINITE (row, column, value).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_kmeans_sample_add(genre_kmeans_sample *sample, const double *x,
                                               size_t n_rows, size_t n_cols,
                                               size_t row_stride);

/** Frees a sample; NULL is a no-op. @since 1.0 */
GENRE_API void genre_kmeans_sample_free(genre_kmeans_sample *sample);

/**
 * Initial centers by greedy k-means++ on the sample's rows (in slot order),
 * GENRE_KMEANS_K clusters, GENRE_KMEANS_SEED stream 0: kmeans becomes fitted
 * with those centers (N_ITER 0, CONVERGED 0, N_SAMPLES the sample's rows,
 * INERTIA the sample's potential, no training labels), ready for
 * genre_kmeans_partial_create_from_model(). On failure kmeans is unchanged.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL; fewer sampled rows than
 *         GENRE_KMEANS_K); GENRE_E_NUMERIC (distances overflow); GENRE_E_NOMEM.
 * Needs exclusive access to kmeans. @since 1.0
 */
GENRE_API genre_status genre_kmeans_init_from_sample(genre_kmeans *kmeans,
                                                     const genre_kmeans_sample *sample);

GENRE_END_DECLS

#endif /* GENRE_KMEANS_H */
