/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/lda.h
 * @brief Linear discriminant analysis: a supervised projection and a
 *        Gaussian classifier with a shared covariance.
 *
 * fit forms, from labelled training rows (n rows, K classes, d columns),
 * the pooled within-class covariance Sw = sum_k sum_{i in k} (x_i - m_k)
 * (x_i - m_k)^T / (n - K) and the between-class covariance Sb = sum_k n_k
 * (m_k - m)(m_k - m)^T / (K - 1), m the training mean, and solves the
 * generalized symmetric eigenproblem Sb v = lambda Sw v with GSL
 * (gsl_eigen_gensymmv, on the problem rescaled by the within-class standard
 * deviations for accuracy). The discriminants are the eigenvectors of the
 * min(K - 1, d) largest eigenvalues, sorted by decreasing eigenvalue.
 *
 * **Scaling.** Each discriminant v is scaled so that v^T Sw v = 1: the
 * projected training rows have the identity as pooled within-class
 * covariance (the convention of scikit-learn's `svd` and `eigen` solvers;
 * with shrinkage, the identity holds for the shrunk Sw).
 * **Sign.** The entry of largest magnitude of each discriminant (its
 * scaling vector) is made positive. **Transform** is (x - m) V, centred on
 * the training mean, like scikit-learn's `svd` solver.
 *
 * **Explained-variance ratio** of discriminant c: lambda_c / sum of the
 * min(K - 1, d) eigenvalues (between-class variance it explains).
 *
 * **Scalings (loadings):** the d x k matrix V; column c weighs the input
 * columns in discriminant c. On standardized inputs their magnitudes
 * compare across columns.
 *
 * **Singular within-class scatter.** Before solving, the within-class
 * correlation matrix (Sw rescaled to unit diagonal) is checked; a column
 * constant within every class, or a smallest/largest eigenvalue ratio
 * below 1e-10 (collinear columns, fewer rows than columns), fails with
 * GENRE_E_NUMERIC and a message saying which, instead of producing NaNs.
 * GENRE_LDA_SHRINKAGE = a in (0, 1] replaces the correlation-scaled Sw by
 * (1 - a) Sw + a (trace / d) I, which is never singular unless a column is
 * constant within classes and a == 0.
 *
 * **Classifier.** Classes are the distinct labels of the training rows, in
 * ascending order (probability columns follow this order). Class priors are
 * the class frequencies unless set with genre_lda_set_priors(); priors enter
 * only predict and predict_proba (the projection always uses the training
 * rows as given). predict_proba is the posterior of a Gaussian model with
 * the shared covariance Sw: softmax_k(-|z - z_k|^2 / 2 + log prior_k), with
 * z and z_k the row and the class means projected on all min(K - 1, d)
 * discriminants (whatever GENRE_LDA_N_COMPONENTS keeps for transform).
 *
 * **Log** (genre_lda_set_log): fit sends GENRE_LOG_WARNING when
 * GENRE_LDA_SHRINKAGE makes a singular within-class scatter solvable: it
 * names the columns constant within every class (their count and the
 * first), or else gives the extreme eigenvalues of the unshrunk
 * within-class correlation (collinear columns, too few rows per column).
 * Without shrinkage these cases fail with GENRE_E_NUMERIC and a class with
 * a single row fails with GENRE_E_INVALID_ARG; the message says why, so
 * nothing is logged.
 *
 * Threading: see genre/common.h. fit and the setters need exclusive access;
 * transform, predict, predict_proba, the getters and save may run
 * concurrently on one fitted handle.
 */
#ifndef GENRE_LDA_H
#define GENRE_LDA_H

#include <genre/common.h>

GENRE_BEGIN_DECLS

/** An LDA model. Opaque. */
typedef struct genre_lda genre_lda;

/* ---- Parameter keys (values frozen, new keys appended) ------------------ */
/** i64, range [0, 2^31-1], default 0 (= min(K - 1, d)): discriminants
 *  kept by transform. More than min(K - 1, d) is reported by fit. */
#define GENRE_LDA_N_COMPONENTS 1
/** f64, range [0, 1], default 0: shrinkage of the within-class covariance. */
#define GENRE_LDA_SHRINKAGE 2
/** i64, read-only after fit: columns seen by fit. */
#define GENRE_LDA_N_FEATURES 100
/** i64, read-only after fit: rows seen by fit. */
#define GENRE_LDA_N_SAMPLES 101
/** i64, read-only after fit: number of classes K. */
#define GENRE_LDA_N_CLASSES 102
/** i64, read-only after fit: discriminants kept by transform (k). */
#define GENRE_LDA_N_COMPONENTS_FITTED 103
/** i64, read-only: 1 once fitted (or loaded), else 0. */
#define GENRE_LDA_FITTED 104

/**
 * Creates an unfitted LDA (all discriminants, no shrinkage, empirical priors).
 * @param[out] out receives the handle; free it with genre_lda_free().
 * @return GENRE_OK; GENRE_E_INVALID_ARG (out NULL); GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_lda_create(genre_lda **out);

/** Frees an LDA; NULL is a no-op. Needs exclusive access. @since 0.1 */
GENRE_API void genre_lda_free(genre_lda *lda);

/**
 * Sets an integer parameter (GENRE_LDA_N_COMPONENTS). Takes effect at the
 * next fit.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (lda NULL, value outside the key's
 *         range: never clamped); GENRE_E_UNKNOWN_PARAM (unknown, read-only
 *         or f64 key).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_lda_set_i64(genre_lda *lda, int32_t key, int64_t value);

/**
 * Sets a real parameter (GENRE_LDA_SHRINKAGE). Takes effect at the next fit.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (lda NULL, value outside [0, 1] or
 *         NaN); GENRE_E_UNKNOWN_PARAM (unknown, read-only or i64 key).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_lda_set_f64(genre_lda *lda, int32_t key, double value);

/**
 * Reads an integer parameter or fitted property.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_UNKNOWN_PARAM;
 *         GENRE_E_BAD_STATE (a fitted property before fit).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_lda_get_i64(const genre_lda *lda, int32_t key, int64_t *out);

/**
 * Reads a real parameter (GENRE_LDA_SHRINKAGE).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_lda_get_f64(const genre_lda *lda, int32_t key, double *out);

/**
 * The inclusive range a settable key accepts, as doubles (no handle needed).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (lo or hi NULL);
 *         GENRE_E_UNKNOWN_PARAM (unknown or read-only key).
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_lda_param_bounds(int32_t key, double *lo, double *hi);

/**
 * The values an enumerated key accepts, ascending, into out[cap]; every
 * LDA key is a range, so *n_values receives 0.
 * @param[out] out may be NULL with cap 0 (a size query).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (n_values NULL);
 *         GENRE_E_UNKNOWN_PARAM (unknown or read-only key);
 *         GENRE_E_BUFFER_TOO_SMALL (an enumerated key, out NULL or cap
 *         below *n_values).
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_lda_param_values(int32_t key, int64_t *out, size_t cap,
                                              size_t *n_values);

/**
 * Puts every settable key back to its default; the priors set with
 * genre_lda_set_priors(), the log hook and a fitted state are kept.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (lda NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_lda_reset_params(genre_lda *lda);

/**
 * Sets the log callback (see "Log" above); fn NULL makes the LDA silent.
 * fn and user_data must stay valid while the handle may log.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (lda NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_lda_set_log(genre_lda *lda, genre_log_fn fn, void *user_data);

/**
 * Sets the class priors, in ascending label order; they are copied and
 * divided by their sum. Their count must equal the number of classes at fit
 * (and predict, for a loaded model, uses the priors stored with it). NULL
 * with n 0 goes back to the class frequencies. Takes effect at the next fit.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (lda NULL, priors NULL with n > 0 or
 *         non-NULL with n 0, a prior not finite or not > 0); GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_lda_set_priors(genre_lda *lda, const double *priors, size_t n);

/**
 * Fits the discriminants and the classifier. A failed fit leaves the
 * handle as it was.
 * @param[in] x row-major n_rows x n_cols, row_stride >= n_cols; not kept.
 * @param[in] y n_rows class labels (any int32 values); not kept.
 * @return GENRE_OK;
 *   GENRE_E_INVALID_ARG (NULL, no rows or columns, row_stride < n_cols;
 *   fewer than 2 classes; a class with a single row -- the message names
 *   the label and the row; GENRE_LDA_N_COMPONENTS above min(K - 1, d));
 *   GENRE_E_NONFINITE (NaN/Inf, with row, column and value);
 *   GENRE_E_SHAPE (priors set for another number of classes);
 *   GENRE_E_NUMERIC (within-class scatter singular and no shrinkage, all
 *   class means equal, values so large that their sums overflow, or the
 *   eigen-solver failed); GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_lda_fit(genre_lda *lda, const double *x, size_t n_rows,
                                     size_t n_cols, size_t row_stride, const int32_t *y);

/**
 * Projects rows on the k kept discriminants: out = (x - m) V, row-major
 * n_rows x k, contiguous.
 * @param[out] needed receives n_rows * k when not NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL lda or x, no rows, row_stride <
 *         n_cols); GENRE_E_BAD_STATE (not fitted); GENRE_E_SHAPE (n_cols
 *         differs from fit); GENRE_E_NONFINITE; GENRE_E_BUFFER_TOO_SMALL;
 *         GENRE_E_NOMEM.
 * Thread-safe on a const fitted handle. @since 0.1
 */
GENRE_API genre_status genre_lda_transform(const genre_lda *lda, const double *x, size_t n_rows,
                                           size_t n_cols, size_t row_stride, double *out,
                                           size_t out_len, size_t *needed);

/**
 * Class posterior probabilities, row-major n_rows x K (columns in ascending
 * label order, each row sums to 1).
 * @param[out] needed receives n_rows * K when not NULL.
 * @return as genre_lda_transform().
 * Thread-safe on a const fitted handle. @since 0.1
 */
GENRE_API genre_status genre_lda_predict_proba(const genre_lda *lda, const double *x,
                                               size_t n_rows, size_t n_cols, size_t row_stride,
                                               double *out, size_t out_len, size_t *needed);

/**
 * The most probable class label of each row (the lowest label on a tie).
 * @param[out] out n_rows labels.
 * @param[out] needed receives n_rows when not NULL.
 * @return as genre_lda_transform().
 * Thread-safe on a const fitted handle. @since 0.1
 */
GENRE_API genre_status genre_lda_predict(const genre_lda *lda, const double *x, size_t n_rows,
                                         size_t n_cols, size_t row_stride, int32_t *out,
                                         size_t out_len, size_t *needed);

/**
 * Copies the explained-variance ratio of the k kept discriminants.
 * @param[out] needed receives k when not NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (lda NULL); GENRE_E_BAD_STATE (not
 *         fitted); GENRE_E_BUFFER_TOO_SMALL (out NULL or too short).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_lda_get_explained_variance_ratio(const genre_lda *lda, double *out,
                                                              size_t out_len, size_t *needed);

/** Copies the scalings (loadings) of the k kept discriminants, d x k
 *  row-major (column c = discriminant c). Statuses as
 *  genre_lda_get_explained_variance_ratio(). Thread-safe on a const
 *  handle. @since 0.1 */
GENRE_API genre_status genre_lda_get_scalings(const genre_lda *lda, double *out, size_t out_len,
                                              size_t *needed);

/** Copies the class means, K x d row-major (classes in ascending label
 *  order). Statuses as genre_lda_get_explained_variance_ratio().
 *  Thread-safe on a const handle. @since 0.1 */
GENRE_API genre_status genre_lda_get_means(const genre_lda *lda, double *out, size_t out_len,
                                           size_t *needed);

/** Copies the training mean m (d values) that transform subtracts.
 *  Statuses as genre_lda_get_explained_variance_ratio(). Thread-safe on a
 *  const handle. @since 0.1 */
GENRE_API genre_status genre_lda_get_xbar(const genre_lda *lda, double *out, size_t out_len,
                                          size_t *needed);

/** Copies the K class priors used by predict. Statuses as
 *  genre_lda_get_explained_variance_ratio(). Thread-safe on a const handle.
 *  @since 0.1 */
GENRE_API genre_status genre_lda_get_priors(const genre_lda *lda, double *out, size_t out_len,
                                            size_t *needed);

/** Copies the K class labels in ascending order. Statuses as
 *  genre_lda_get_explained_variance_ratio(). Thread-safe on a const handle.
 *  @since 0.1 */
GENRE_API genre_status genre_lda_get_classes(const genre_lda *lda, int32_t *out, size_t out_len,
                                             size_t *needed);

/**
 * Saves a fitted LDA to a file (atomically, replacing only a regular file:
 * genre/model.h).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_BAD_STATE (not
 *         fitted); GENRE_E_IO (also: path is not a regular file);
 *         GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_lda_save(const genre_lda *lda, const char *path);

/**
 * Saves a fitted LDA into buf; *written_or_needed always receives the size
 * (buf NULL is a size query).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL lda or written_or_needed);
 *         GENRE_E_BAD_STATE; GENRE_E_BUFFER_TOO_SMALL; GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_lda_save_to_memory(const genre_lda *lda, void *buf, size_t cap,
                                                size_t *written_or_needed);

/**
 * Loads an LDA saved by genre_lda_save().
 * @param[out] out receives a new handle (free with genre_lda_free()).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_IO (also: path is
 *         neither a regular file nor a FIFO with a writer: genre/model.h);
 *         GENRE_E_CORRUPT; GENRE_E_VERSION; GENRE_E_MODEL_KIND; GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_lda_load(genre_lda **out, const char *path);

/** Loads an LDA from memory (buf not kept). Statuses as genre_lda_load()
 *  without GENRE_E_IO. Thread-safe. @since 0.1 */
GENRE_API genre_status genre_lda_load_from_memory(genre_lda **out, const void *buf,
                                                  size_t len);

/* ==== Partial fits (larger than memory) ================================== */

/**
 * A partial state of the LDA: for every class label seen so far, its row
 * count, its column means and its within-class co-moment matrix
 * sum (x - mean_c)(x - mean_c)^T, in O(K n_cols^2) memory for K classes
 * whatever the number of rows. Opaque; separate from the model.
 *
 * Labels: any int32 values, as genre_lda_fit() takes. The state's classes
 * grow as labels appear (no class count is given at create): they are
 * kept in ascending label order, so the classes of a merged state do not
 * depend on which state saw a label first, and the fit's classes are the
 * sorted distinct labels of every row, as in genre_lda_fit().
 *
 * Accuracy: each chunk's rows are grouped by class and each group reduced
 * as the PCA's chunks are (genre/pca.h); groups are combined by Chan's
 * parallel update with compensated (Kahan) additions. The fit then forms
 * the class means, xbar and the between-class scatter as genre_lda_fit()
 * does and sums the within-class co-moments directly (genre_lda_fit()
 * forms them as total minus between-class scatter), then solves the same
 * eigenproblem through the same code. The model equals genre_lda_fit() on
 * the same rows to 1e-12 relative (normwise per fitted array), not bit for
 * bit, except where genre_lda_fit() is itself less stable than that: on the
 * reference table the weakest discriminant's scalings move by 9e-13 in
 * genre_lda_fit() when the same rows come in reverse order, and the partial
 * fit's scalings differ from the fit's by 1.2e-12 (its class means,
 * priors, posteriors and variance ratios by under 2e-14). The tests hold
 * the scalings to twice the fit's own row-order noise.
 *
 * Merge order, determinism and threading as genre_scaler_partial
 * (genre/scaler.h).
 */
typedef struct genre_lda_partial genre_lda_partial;

/**
 * Creates an empty partial state of n_cols columns and no class.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (out NULL, n_cols 0 or above
 *         65536); GENRE_E_NOMEM.
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_lda_partial_create(genre_lda_partial **out, size_t n_cols);

/**
 * Adds the rows of x (row-major, n_rows x n_cols, row_stride >= n_cols)
 * with their labels y[n_rows] (neither kept). Labels not seen before add
 * classes. The state keeps a scratch copy of the largest chunk added so
 * far (grouped by class; freed with the state, never saved). A failed add
 * leaves the state as it was.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (partial, x or y NULL, no rows or
 *         columns, row_stride < n_cols, more than 65536 classes, more
 *         than 2^53 rows in all);
 *         GENRE_E_SHAPE (n_cols differs from the state's);
 *         GENRE_E_NONFINITE (row within this x, column and value named);
 *         GENRE_E_NUMERIC (sums overflow); GENRE_E_NOMEM.
 * Needs exclusive access to partial. @since 1.0
 */
GENRE_API genre_status genre_lda_partial_add(genre_lda_partial *partial, const double *x,
                                             size_t n_rows, size_t n_cols, size_t row_stride,
                                             const int32_t *y);

/**
 * into becomes the state of into's rows followed by from's (from is
 * unchanged); classes are the union of both, in ascending label order.
 * A failed merge leaves into as it was.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, into == from, more than
 *         65536 classes or 2^53 rows); GENRE_E_SHAPE (column counts differ; both named);
 *         GENRE_E_NOMEM (classes only from has).
 * Needs exclusive access to into. @since 1.0
 */
GENRE_API genre_status genre_lda_partial_merge(genre_lda_partial *into,
                                               const genre_lda_partial *from);

/**
 * Rows added so far (merged states included) into *out.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL).
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_lda_partial_n_rows(const genre_lda_partial *partial, int64_t *out);

/**
 * Saves the state into buf (a model-file container of kind GENRE_MODEL_LDA_PARTIAL,
 * docs/partial-fits.md), so another process or engine can load and merge
 * it. *written_or_needed always receives the size, so buf NULL is a size query.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (partial or written_or_needed NULL);
 *         GENRE_E_BUFFER_TOO_SMALL (buf NULL or cap too small); GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_lda_partial_save_to_memory(const genre_lda_partial *partial, void *buf,
                                                        size_t cap, size_t *written_or_needed);

/**
 * Loads a state saved by genre_lda_partial_save_to_memory() (buf is not kept).
 * Every size is checked against the bytes that carry it before anything is
 * allocated; values are checked (finite, counts consistent), so a damaged
 * or crafted buffer is an error, never a crash or a huge allocation.
 * @param[out] out receives a new state (free with genre_lda_partial_free()).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (out NULL, buf NULL with len > 0);
 *         GENRE_E_CORRUPT; GENRE_E_VERSION (newer container or payload);
 *         GENRE_E_MODEL_KIND (another kind); GENRE_E_NOMEM.
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_lda_partial_load_from_memory(genre_lda_partial **out, const void *buf,
                                                          size_t len);

/** Frees a partial state; NULL is a no-op. Needs exclusive access. @since 1.0 */
GENRE_API void genre_lda_partial_free(genre_lda_partial *partial);

/**
 * Fits lda from a partial state: as genre_lda_fit() on every row and label
 * the state holds (see "Accuracy" above); the LDA's parameters and priors
 * apply. The state is only read. A failed fit leaves lda as it was.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, fewer than 2 classes, a
 *         class with fewer than 2 rows, n_components too large);
 *         GENRE_E_SHAPE (priors set for another class count);
 *         GENRE_E_NUMERIC (singular within-class scatter, equal class
 *         means, sums overflowed); GENRE_E_NOMEM.
 * Needs exclusive access to lda. @since 1.0
 */
GENRE_API genre_status genre_lda_fit_partial(genre_lda *lda, const genre_lda_partial *partial);

/* ==== end of the partial fits section ==== */

GENRE_END_DECLS

#endif /* GENRE_LDA_H */
