/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/tsne.h
 * @brief t-distributed stochastic neighbour embedding (t-SNE): exact,
 *        Barnes-Hut and FFT-accelerated interpolation (FIt-SNE scheme).
 *
 * **Input affinities.** For every row i a Gaussian conditional p(j|i) over
 * its neighbours is calibrated by binary search on its precision so that its
 * entropy is log2(perplexity) bits (to 1e-10 nats or 200 steps), then
 * P = (P_cond + P_cond^T) / sum. Squared Euclidean distances, as
 * scikit-learn. With GENRE_TSNE_METHOD_EXACT every other row is a neighbour
 * (dense P); with the approximate methods the k = min(n - 1,
 * floor(3 * perplexity)) exact nearest neighbours are found with a
 * vantage-point tree for inputs of up to 5 columns, or by an exact blocked
 * brute force (pruned along the column of largest variance) for wider
 * inputs, where a tree prunes poorly (ties broken by row index in both).
 *
 * **Gradient convention.** libgenre minimises KL(P || Q) with the gradient
 * written *without* the factor 4 of van der Maaten's paper:
 *   g_i = sum_j (e p_ij - q_ij) (1 + |y_i - y_j|^2)^-1 (y_i - y_j)
 * (e = the current exaggeration), as openTSNE and FIt-SNE do. A learning
 * rate L here therefore equals L / 4 in scikit-learn (whose gradient has the
 * 4) and L in openTSNE. GENRE_TSNE_LEARNING_RATE = 0 ("auto", the default)
 * means max(n / early_exaggeration, 200) for the whole run: exactly
 * scikit-learn 1.2's learning_rate="auto" (max(n / early_exaggeration / 4,
 * 50) in its convention) and openTSNE's learning_rate="auto" during early
 * exaggeration. Equivalent peer settings for the defaults here:
 * scikit-learn 1.2 `TSNE(perplexity=30, early_exaggeration=12,
 * learning_rate="auto", n_iter=1000, init="pca", method="barnes_hut",
 * angle=0.5)`; openTSNE `TSNE(perplexity=30, learning_rate=n/12,
 * early_exaggeration=12, early_exaggeration_iter=250, n_iter=750,
 * initial_momentum=0.5, final_momentum=0.8)` (openTSNE counts the 250
 * exaggerated iterations separately).
 *
 * **Optimisation** (scikit-learn's and bhtsne's scheme): GENRE_TSNE_MAX_ITER
 * iterations in total, the first GENRE_TSNE_EXAGGERATION_ITER with P
 * multiplied by GENRE_TSNE_EARLY_EXAGGERATION and momentum
 * GENRE_TSNE_MOMENTUM, the rest with momentum GENRE_TSNE_FINAL_MOMENTUM.
 * Per-coordinate gains: +0.2 when the gradient changes sign against the
 * previous update, x0.8 otherwise, never below GENRE_TSNE_MIN_GAIN;
 * update = momentum * update - rate * gain * g. When the exaggeration ends
 * the gains return to 1 and the update to 0, as in scikit-learn (which runs
 * a second gradient descent from there).
 *
 * **Methods.** EXACT: O(n^2) per iteration, any dimension 1..3. BARNES_HUT:
 * quadtree (2-D) / octree (3-D) walked once per group of 32 neighbouring
 * points; a cell of width w is summarised for the group only when
 * w < GENRE_TSNE_THETA * r with r the distance from the cell's centre of
 * mass to the group's bounding box, so w < theta * r holds for every point
 * of the group (at least as accurate as the per-point rule; theta = 0 is
 * exact). Summarised cells, and for theta > 0 the points summed directly,
 * are evaluated in single precision relative to the group's centre.
 * FFT (2-D only): the repulsive sums are interpolated (3 Lagrange nodes per
 * box and dimension, boxes of width <= 1 embedding unit, at least 50 per
 * dimension) onto an equispaced grid and convolved with the kernel by 2-D
 * FFTs (libgenre's own, single-precision grids). Its repulsive forces are
 * less accurate than Barnes-Hut's at theta 0.5 (a few % against ~1-2%
 * relative error), which ends real-data fits at a higher KL divergence
 * (docs/tsne.md). AUTO (default): EXACT below 500 rows (and in 1-D), else
 * Barnes-Hut. FFT stays available for larger inputs, whose cost it scales
 * better.
 *
 * **Initialisation.** GENRE_TSNE_INIT_PCA (default): the first
 * n_components principal components (genre_pca), scaled so the first has
 * standard deviation 1e-4 (scikit-learn 1.2). GENRE_TSNE_INIT_RANDOM:
 * N(0, 1e-4^2) from the handle's generator.
 *
 * **Divergence** (a non-finite coordinate, gradient or normaliser) stops the
 * fit with GENRE_E_NUMERIC; a NaN embedding is never returned.
 *
 * **Reproducibility.** The same data, parameters, GENRE_TSNE_SEED and
 * GENRE_TSNE_N_THREADS give the same embedding bit for bit. PCA
 * initialisation uses BLAS, whose results may depend on OpenBLAS's own
 * thread count (docs/threads.md).
 *
 * **Progress** (genre_tsne_set_progress): phase GENRE_TSNE_PHASE_AFFINITIES
 * once after the affinities (step 1 of 1, objective NaN), then phase
 * GENRE_TSNE_PHASE_OPTIMIZE every GENRE_TSNE_REPORT_EVERY iterations and
 * after the last (step = iterations done, total = max_iter, objective = the
 * KL divergence with the normaliser of the current method, so approximate
 * for Barnes-Hut and FFT). A non-zero return cancels.
 *
 * **Log** (genre_tsne_set_log), on the calling thread, by
 * genre_tsne_fit_embed: GENRE_LOG_INFO for the method GENRE_TSNE_METHOD_AUTO
 * chose and the learning rate "auto" resolved to; GENRE_LOG_WARNING when an
 * approximate method's 3 x perplexity neighbours exceed the other rows, so
 * every row uses all n - 1 others (the affinities are then those of a
 * perplexity too large for the rows).
 *
 * **Persistence.** t-SNE has no transform for new rows; save/load keep the
 * parameters and the fitted embedding with its KL divergence, so a result
 * can be stored and reloaded with its provenance.
 *
 * **Shared affinities** (genre_tsne_affinity): the neighbours and input
 * affinities depend only on x, the perplexity and the neighbour scheme
 * (every other row for EXACT, the 3 x perplexity nearest for Barnes-Hut and
 * FFT), not on n_components, the seed, theta or the thread count. An
 * affinity handle computed once serves any number of fits of the same rows
 * (genre_tsne_fit_embed_affinity), e.g. a 2-D and a 3-D embedding; one
 * computed for a larger perplexity serves a smaller one
 * (genre_tsne_affinity_derive) by taking each row's first neighbours, since
 * the search is exact: a row's k nearest (ties by row index) are the first k
 * of its k' > k nearest. Either way the embedding is bit for bit the one
 * genre_tsne_fit_embed computes on its own with the same parameters.
 *
 * Threading: see genre/common.h. Fit and the setters need exclusive access;
 * the getters, genre_tsne_kl_divergence and save may run concurrently on one
 * handle. An affinity handle is never changed after its creation: any number
 * of fits and derivations on any threads may share one.
 */
#ifndef GENRE_TSNE_H
#define GENRE_TSNE_H

#include <genre/common.h>

GENRE_BEGIN_DECLS

/** A t-SNE embedding and its parameters. Opaque. */
typedef struct genre_tsne genre_tsne;

/** The input affinities of some rows at one perplexity, with their
 *  neighbour graph, reusable by several fits. Opaque, immutable. */
typedef struct genre_tsne_affinity genre_tsne_affinity;

/* ---- Values of GENRE_TSNE_METHOD ---------------------------------------- */
#define GENRE_TSNE_METHOD_AUTO 0       /**< exact below 500 rows, else Barnes-Hut */
#define GENRE_TSNE_METHOD_EXACT 1      /**< O(n^2) gradient, dense affinities */
#define GENRE_TSNE_METHOD_BARNES_HUT 2 /**< quadtree / octree, 2-D or 3-D */
#define GENRE_TSNE_METHOD_FFT 3        /**< FIt-SNE interpolation, 2-D only */

/* ---- Values of GENRE_TSNE_INIT ------------------------------------------ */
#define GENRE_TSNE_INIT_PCA 0    /**< PCA, first component scaled to std 1e-4 */
#define GENRE_TSNE_INIT_RANDOM 1 /**< N(0, 1e-4^2) */

/* ---- Progress phases ----------------------------------------------------- */
#define GENRE_TSNE_PHASE_AFFINITIES 1
#define GENRE_TSNE_PHASE_OPTIMIZE 2

/* ---- Parameter keys (values frozen, new keys appended) ------------------ */
/* Each key: its type, default and accepted values. "Enumerated" keys accept
 * only the listed values (genre_tsne_param_values() lists them). */
/** f64, (0, DBL_MAX], default 30; at most n_rows - 1 (checked by fit). */
#define GENRE_TSNE_PERPLEXITY 1
/** i64, 1..3, default 2 (Barnes-Hut needs 2 or 3, FFT 2; checked by fit). */
#define GENRE_TSNE_N_COMPONENTS 2
/** i64, enumerated: a GENRE_TSNE_METHOD_* value, default AUTO. */
#define GENRE_TSNE_METHOD 3
/** f64, [0, 2], default 0.5: Barnes-Hut angle. */
#define GENRE_TSNE_THETA 4
/** f64, [0, DBL_MAX], default 0 (auto); see the gradient convention. */
#define GENRE_TSNE_LEARNING_RATE 5
/** f64, [1, 1000], default 12. */
#define GENRE_TSNE_EARLY_EXAGGERATION 6
/** i64, [0, 2^31-1], default 250: iterations with exaggeration. */
#define GENRE_TSNE_EXAGGERATION_ITER 7
/** f64, [0, 1), default 0.5: momentum during early exaggeration. */
#define GENRE_TSNE_MOMENTUM 8
/** f64, [0, 1), default 0.8: momentum afterwards. */
#define GENRE_TSNE_FINAL_MOMENTUM 9
/** i64, [1, 2^31-1], default 1000: iterations in total. */
#define GENRE_TSNE_MAX_ITER 10
/** i64, enumerated: GENRE_TSNE_INIT_PCA (default) or GENRE_TSNE_INIT_RANDOM. */
#define GENRE_TSNE_INIT 11
/** i64, any value (used as 64 unsigned bits), default 0. */
#define GENRE_TSNE_SEED 12
/** i64, [0, 2^63-1], default 0 (= genre_default_threads(): the
 *  CPUs of the affinity mask); see docs/threads.md. */
#define GENRE_TSNE_N_THREADS 13
/** f64, (0, 1], default 0.01: smallest per-coordinate gain. */
#define GENRE_TSNE_MIN_GAIN 14
/** i64, [1, 2^31-1], default 50: iterations between progress reports. */
#define GENRE_TSNE_REPORT_EVERY 15
/** f64, read-only after fit: final KL divergence, exact (O(n^2) normaliser)
 *  for the fitted affinities. */
#define GENRE_TSNE_KL_DIVERGENCE 100
/** i64, read-only after fit: iterations run. */
#define GENRE_TSNE_N_ITER 101
/** i64, read-only: 1 once fitted (or loaded), else 0. */
#define GENRE_TSNE_FITTED 102
/** i64, read-only after fit: rows embedded. */
#define GENRE_TSNE_N_SAMPLES 103
/** i64, read-only after fit: input columns. */
#define GENRE_TSNE_N_FEATURES 104
/** f64, read-only after fit: learning rate used (auto resolved). */
#define GENRE_TSNE_LEARNING_RATE_USED 105
/** i64, read-only after fit: the method used (AUTO resolved). */
#define GENRE_TSNE_METHOD_USED 106

/**
 * Creates a t-SNE handle with the defaults above.
 * @param[out] out receives the handle; free it with genre_tsne_free().
 * @return GENRE_OK; GENRE_E_INVALID_ARG (out NULL); GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_tsne_create(genre_tsne **out);

/** Frees a handle; NULL is a no-op. Needs exclusive access. @since 0.1 */
GENRE_API void genre_tsne_free(genre_tsne *tsne);

/**
 * Sets an integer parameter. Takes effect at the next fit; combinations
 * (method vs n_components, perplexity vs n_rows) are checked by fit.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (tsne NULL, value outside the key's
 *         range or list, naming key, value and what is accepted; never
 *         clamped); GENRE_E_UNKNOWN_PARAM (unknown, read-only or f64 key).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_tsne_set_i64(genre_tsne *tsne, int32_t key, int64_t value);

/**
 * Sets a real parameter.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (tsne NULL, value out of range or
 *         NaN); GENRE_E_UNKNOWN_PARAM (unknown, read-only or i64 key).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_tsne_set_f64(genre_tsne *tsne, int32_t key, double value);

/**
 * Reads an integer parameter or fitted property.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_UNKNOWN_PARAM;
 *         GENRE_E_BAD_STATE (a fitted property before fit).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_tsne_get_i64(const genre_tsne *tsne, int32_t key, int64_t *out);

/**
 * Reads a real parameter or fitted property.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_UNKNOWN_PARAM;
 *         GENRE_E_BAD_STATE (a fitted property before fit).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_tsne_get_f64(const genre_tsne *tsne, int32_t key, double *out);

/**
 * The inclusive range a settable key accepts, as doubles (no handle
 * needed); an open end is the nearest double inside it. For an enumerated
 * key the smallest and largest accepted value (genre_tsne_param_values()
 * lists the valid ones).
 * @return GENRE_OK; GENRE_E_UNKNOWN_PARAM (unknown or read-only key);
 *         GENRE_E_INVALID_ARG (lo or hi NULL).
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_tsne_param_bounds(int32_t key, double *lo, double *hi);

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
GENRE_API genre_status genre_tsne_param_values(int32_t key, int64_t *out, size_t cap,
                                               size_t *n_values);

/**
 * Puts every settable key back to its default; a fitted handle stays
 * fitted (its embedding and fitted properties are unchanged) and the
 * callbacks stay set.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (tsne NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_tsne_reset_params(genre_tsne *tsne);

/**
 * Sets the progress callback (see the file comment); fn NULL removes it.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (tsne NULL).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_tsne_set_progress(genre_tsne *tsne, genre_progress_fn fn,
                                               void *user_data);

/**
 * Sets the log callback (see the file comment for what is logged); fn NULL
 * makes the handle silent. user_data is passed back untouched.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (tsne NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_tsne_set_log(genre_tsne *tsne, genre_log_fn fn, void *user_data);

/**
 * Computes the embedding of the rows of x and writes it to out (n_rows x
 * n_components, row-major, contiguous); the handle keeps a copy. On any
 * failure or cancellation the handle keeps its previous state and out is
 * unspecified (never left holding NaN from a divergence: it is not written
 * before the fit succeeds).
 * @param[in]  x          n_rows x n_cols row-major, row_stride >= n_cols; not kept.
 * @param[out] out        caller's buffer of out_len doubles.
 * @param[out] needed     receives n_rows * n_components when not NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL tsne or x, fewer than 4 rows,
 *         perplexity above n_rows - 1, n_components other than 2 or 3 for
 *         Barnes-Hut or other than 2 for FFT, PCA init with fewer columns
 *         than components, row_stride < n_cols, more than 2^32-1 rows);
 *         GENRE_E_NONFINITE (NaN/Inf in x, naming row, column and value);
 *         GENRE_E_BUFFER_TOO_SMALL (out NULL or short; checked before any
 *         work); GENRE_E_NUMERIC (divergence, or PCA init on constant
 *         data); GENRE_E_CANCELLED; GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_tsne_fit_embed(genre_tsne *tsne, const double *x, size_t n_rows,
                                            size_t n_cols, size_t row_stride, double *out,
                                            size_t out_len, size_t *needed);

/**
 * Computes the input affinities a genre_tsne_fit_embed() with t's current
 * parameters would compute for x (GENRE_TSNE_PERPLEXITY; the neighbour
 * scheme of the method GENRE_TSNE_METHOD resolves to for n_rows rows and
 * GENRE_TSNE_N_COMPONENTS; GENRE_TSNE_N_THREADS threads), and keeps them,
 * with the neighbour graph and a 64-bit hash of the values of x, in a new
 * handle. tsne is only read (no log, no progress); x is not kept.
 * @param[out] out receives the handle (NULL on failure); free it with
 *                 genre_tsne_affinity_free().
 * @param[in]  x   n_rows x n_cols row-major, row_stride >= n_cols.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL out, tsne or x, fewer than 4
 *         rows, more than 2^32-1, perplexity above n_rows - 1, row_stride <
 *         n_cols); GENRE_E_NONFINITE (NaN/Inf in x, naming row, column and
 *         value); GENRE_E_NOMEM.
 * Thread-safe on a const t. @since 1.0
 */
GENRE_API genre_status genre_tsne_affinity_create(genre_tsne_affinity **out,
                                                  const genre_tsne *tsne, const double *x,
                                                  size_t n_rows, size_t n_cols,
                                                  size_t row_stride);

/**
 * The affinities of the rows `from` was computed for, at t's
 * GENRE_TSNE_PERPLEXITY, from `from`'s neighbours instead of a new search:
 * each row's first k neighbours, k being the count t's method needs (3 x
 * perplexity for Barnes-Hut and FFT). Equal, bit for bit, to
 * genre_tsne_affinity_create() with tsne on the same x. The new handle shares
 * from's neighbour graph (read only); either may be freed first.
 * @param[out] out receives the handle (NULL on failure).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL out, tsne or from; perplexity
 *         above n_rows - 1; tsne needs more neighbours per row than from holds,
 *         or fewer than from's every other row, which are in index and not
 *         distance order: the message names both counts); GENRE_E_NOMEM.
 * Thread-safe on a const t and from. @since 1.0
 */
GENRE_API genre_status genre_tsne_affinity_derive(genre_tsne_affinity **out,
                                                  const genre_tsne *tsne,
                                                  const genre_tsne_affinity *from);

/**
 * What an affinity handle holds; any output pointer may be NULL.
 * @param[out] n_rows      rows of its input.
 * @param[out] n_cols      columns of its input.
 * @param[out] perplexity  its perplexity.
 * @param[out] n_neighbors neighbours per row (n_rows - 1: every other row).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (a NULL).
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_tsne_affinity_describe(const genre_tsne_affinity *affinity,
                                                    size_t *n_rows, size_t *n_cols,
                                                    double *perplexity, size_t *n_neighbors);

/** Frees an affinity handle; NULL is a no-op. Needs exclusive access (no
 *  fit or derivation may be reading it). @since 1.0 */
GENRE_API void genre_tsne_affinity_free(genre_tsne_affinity *affinity);

/**
 * genre_tsne_fit_embed() with the affinities of affinity instead of computing
 * them: the same embedding, KL divergence, log and progress reports (phase
 * GENRE_TSNE_PHASE_AFFINITIES at once), bit for bit. x is still needed (PCA
 * initialisation) and must be the rows affinity was computed from.
 * @param[in] affinity only read; may be shared by fits running on other threads.
 * @return as genre_tsne_fit_embed(), and GENRE_E_INVALID_ARG (affinity NULL; affinity
 *         computed for another shape of x, for another perplexity than t's,
 *         or with another neighbour count than t's method needs (EXACT
 *         against Barnes-Hut/FFT); x's values differ from those affinity was
 *         computed from, by their 64-bit hash: a pointer to a copy is fine).
 * Needs exclusive access to tsne. @since 1.0
 */
GENRE_API genre_status genre_tsne_fit_embed_affinity(genre_tsne *tsne,
                                                     const genre_tsne_affinity *affinity,
                                                     const double *x, size_t n_rows,
                                                     size_t n_cols, size_t row_stride,
                                                     double *out, size_t out_len,
                                                     size_t *needed);

/**
 * Copies the fitted embedding (n_samples x n_components, row-major).
 * @param[out] needed receives the element count when not NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (tsne NULL); GENRE_E_BAD_STATE (not
 *         fitted); GENRE_E_BUFFER_TOO_SMALL.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_tsne_get_embedding(const genre_tsne *tsne, double *out,
                                                size_t out_len, size_t *needed);

/**
 * Scores any embedding y of the rows of x: computes the input affinities
 * exactly as a fit with this handle's parameters would (perplexity, method's
 * neighbour scheme) and returns the exact KL(P || Q) of y (O(n^2)
 * normaliser, on GENRE_TSNE_N_THREADS threads). Lets two embeddings (say,
 * libgenre's and another program's) be compared on the same affinities.
 * @param[in]  y     n_rows x y_cols, y_stride >= y_cols; y_cols in 1..3.
 * @param[out] kl    receives the divergence (nats).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, fewer than 4 rows,
 *         perplexity above n_rows - 1, bad strides or y_cols);
 *         GENRE_E_NONFINITE (in x or y); GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_tsne_kl_divergence(const genre_tsne *tsne, const double *x,
                                                size_t n_rows, size_t n_cols,
                                                size_t row_stride, const double *y,
                                                size_t y_cols, size_t y_stride, double *kl);

/**
 * Saves the parameters and the fitted embedding to a file (atomically,
 * replacing only a regular file: genre/model.h).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_BAD_STATE (not
 *         fitted); GENRE_E_IO (also: path is not a regular file);
 *         GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_tsne_save(const genre_tsne *tsne, const char *path);

/**
 * Saves into buf; *written_or_needed always receives the size (buf NULL is
 * a size query).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL tsne or written_or_needed);
 *         GENRE_E_BAD_STATE; GENRE_E_BUFFER_TOO_SMALL; GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_tsne_save_to_memory(const genre_tsne *tsne, void *buf, size_t cap,
                                                 size_t *written_or_needed);

/**
 * Loads a handle saved by genre_tsne_save() (fitted, with its embedding).
 * @param[out] out receives a new handle (free with genre_tsne_free()).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_IO (also: path is
 *         neither a regular file nor a FIFO with a writer: genre/model.h);
 *         GENRE_E_CORRUPT; GENRE_E_VERSION; GENRE_E_MODEL_KIND; GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_tsne_load(genre_tsne **out, const char *path);

/** Loads from memory (buf not kept). Statuses as genre_tsne_load() without
 *  GENRE_E_IO. Thread-safe. @since 0.1 */
GENRE_API genre_status genre_tsne_load_from_memory(genre_tsne **out, const void *buf,
                                                   size_t len);

GENRE_END_DECLS

#endif /* GENRE_TSNE_H */
