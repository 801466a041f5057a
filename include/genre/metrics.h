/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/metrics.h
 * @brief Evaluation: ROC curves and AUROC (one-vs-rest, macro / micro /
 *        weighted), accuracy, confusion matrix, log-loss and R^2.
 *
 * Plain functions, no handle: inputs are the caller's arrays, outputs go to
 * caller buffers (curves with a capacity and the needed length, so a NULL
 * buffer is a size query). Labels are int32_t class indices in
 * [0, n_classes); scores or probabilities are row-major n_rows x n_classes
 * with a row stride, so one column of a predict_proba output is passed as
 * `proba + k` with stride n_classes.
 *
 * The definitions are scikit-learn 1.2's (roc_curve, roc_auc_score with
 * multi_class="ovr", log_loss, r2_score, confusion_matrix): tied scores form
 * one point of the curve (so ties count one half in the AUC), the curve
 * starts at (0, 0) with threshold max score + 1, and the AUC is the
 * trapezoidal area under the curve with collinear points dropped. The tests
 * compare to scikit-learn on fixtures to 1e-12. Unlike scikit-learn,
 * multiclass AUROC does not require probability rows summing to 1.
 *
 * All functions are thread-safe (no state) and allocate only scratch
 * memory, freed before they return. Non-finite scores are rejected with
 * GENRE_E_NONFINITE naming the row and column.
 */
#ifndef GENRE_METRICS_H
#define GENRE_METRICS_H

#include <genre/common.h>

GENRE_BEGIN_DECLS

/* Averages of genre_metrics_roc_auc_ovr(). */
/** Unweighted mean of the per-class one-vs-rest AUCs. */
#define GENRE_METRICS_AVERAGE_MACRO 0
/** One binary AUC over all (row, class) pairs of the one-hot labels. */
#define GENRE_METRICS_AVERAGE_MICRO 1
/** Mean of the per-class AUCs weighted by class prevalence. */
#define GENRE_METRICS_AVERAGE_WEIGHTED 2

/**
 * Fraction of rows where y_pred equals y_true.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL pointer, n == 0).
 * Thread-safe; the inputs are only read, outputs go to caller memory.
 * @since 0.1
 */
GENRE_API genre_status genre_metrics_accuracy(const int32_t *y_true, const int32_t *y_pred,
                                              size_t n, double *out);

/**
 * Confusion matrix C (n_classes x n_classes, row-major) with C[i][j] the
 * number of rows of true class i predicted as j. *needed (when not NULL)
 * receives n_classes^2.
 * @return GENRE_OK; GENRE_E_BUFFER_TOO_SMALL (NULL out or short cap);
 *         GENRE_E_INVALID_ARG (NULL inputs, n or n_classes 0, n_classes
 *         above 65536, a label outside [0, n_classes): row and value named).
 * Thread-safe; the inputs are only read, outputs go to caller memory.
 * @since 0.1
 */
GENRE_API genre_status genre_metrics_confusion_matrix(const int32_t *y_true,
                                                      const int32_t *y_pred, size_t n,
                                                      size_t n_classes, int64_t *out,
                                                      size_t cap, size_t *needed);

/**
 * Mean cross-entropy -log p[row][y_true[row]] over rows, with p clipped to
 * [DBL_EPSILON, 1 - DBL_EPSILON] and each row renormalised to sum 1
 * (scikit-learn's log_loss with labels = 0..n_classes-1).
 * @param[in] proba n_rows x n_classes, row_stride >= n_classes; n_classes >= 2.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, zero sizes, label out of
 *         range, n_classes < 2); GENRE_E_NONFINITE.
 * Thread-safe; the inputs are only read, outputs go to caller memory.
 * @since 0.1
 */
GENRE_API genre_status genre_metrics_log_loss(const int32_t *y_true, const double *proba,
                                              size_t n_rows, size_t n_classes,
                                              size_t row_stride, double *out);

/**
 * Coefficient of determination 1 - SS_res / SS_tot of one target; when
 * SS_tot is 0 the result is 1 for a perfect prediction and 0 otherwise
 * (scikit-learn's force_finite).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, n == 0); GENRE_E_NONFINITE.
 * Thread-safe; the inputs are only read, outputs go to caller memory.
 * @since 0.1
 */
GENRE_API genre_status genre_metrics_r2(const double *y_true, const double *y_pred, size_t n,
                                        double *out);

/**
 * Binary ROC curve of scores[i * score_stride] against the rows whose label
 * is positive_label (all other labels are negative): fpr, tpr and the
 * decreasing thresholds, each of *n_points entries, for plotting.
 * drop_intermediate (0/1) drops collinear points as scikit-learn does.
 * With no negative (positive) row, fpr (tpr) is NaN, as in scikit-learn.
 * @param[out] fpr,tpr,thresholds caller arrays of cap entries (thresholds
 *             may be NULL); NULL fpr or tpr is a size query.
 * @param[out] n_points receives the curve's length.
 * @return GENRE_OK; GENRE_E_BUFFER_TOO_SMALL; GENRE_E_INVALID_ARG (NULL
 *         inputs, n == 0, score_stride == 0); GENRE_E_NONFINITE;
 *         GENRE_E_NOMEM.
 * Thread-safe; the inputs are only read, outputs go to caller memory.
 * @since 0.1
 */
GENRE_API genre_status genre_metrics_roc_curve(const int32_t *y_true, const double *scores,
                                               size_t n, size_t score_stride,
                                               int32_t positive_label,
                                               int32_t drop_intermediate, double *fpr,
                                               double *tpr, double *thresholds, size_t cap,
                                               size_t *n_points);

/**
 * The micro-averaged one-vs-rest ROC curve: the binary curve of all
 * n_rows * n_classes scores against the one-hot labels.
 * @return as genre_metrics_roc_curve(), plus GENRE_E_INVALID_ARG for a label
 *         outside [0, n_classes) or n_classes < 2.
 * Thread-safe; the inputs are only read, outputs go to caller memory.
 * @since 0.1
 */
GENRE_API genre_status genre_metrics_roc_curve_micro(const int32_t *y_true,
                                                     const double *proba, size_t n_rows,
                                                     size_t n_classes, size_t row_stride,
                                                     int32_t drop_intermediate, double *fpr,
                                                     double *tpr, double *thresholds,
                                                     size_t cap, size_t *n_points);

/**
 * Binary AUROC (scikit-learn's roc_auc_score on y_true == positive_label).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, n == 0, only one of the two
 *         classes present: AUROC undefined); GENRE_E_NONFINITE; GENRE_E_NOMEM.
 * Thread-safe; the inputs are only read, outputs go to caller memory.
 * @since 0.1
 */
GENRE_API genre_status genre_metrics_roc_auc(const int32_t *y_true, const double *scores,
                                             size_t n, size_t score_stride,
                                             int32_t positive_label, double *out);

/**
 * One-vs-rest multiclass AUROC (roc_auc_score(multi_class="ovr")),
 * average = GENRE_METRICS_AVERAGE_*.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, zero sizes, n_classes < 2,
 *         label out of range, unknown average, a class absent from y_true
 *         for macro/weighted: its AUC is undefined); GENRE_E_NONFINITE;
 *         GENRE_E_NOMEM.
 * Thread-safe; the inputs are only read, outputs go to caller memory.
 * @since 0.1
 */
GENRE_API genre_status genre_metrics_roc_auc_ovr(const int32_t *y_true, const double *proba,
                                                 size_t n_rows, size_t n_classes,
                                                 size_t row_stride, int32_t average,
                                                 double *out);

/**
 * The per-class one-vs-rest AUCs (n_classes values) into out[cap];
 * *needed (when not NULL) receives n_classes.
 * @return as genre_metrics_roc_auc_ovr(), plus GENRE_E_BUFFER_TOO_SMALL.
 * Thread-safe; the inputs are only read, outputs go to caller memory.
 * @since 0.1
 */
GENRE_API genre_status genre_metrics_roc_auc_per_class(const int32_t *y_true,
                                                       const double *proba, size_t n_rows,
                                                       size_t n_classes, size_t row_stride,
                                                       double *out, size_t cap,
                                                       size_t *needed);

/**
 * Paired bootstrap of the difference of two models' macro one-vs-rest
 * AUROCs on the same test rows: AUROC(a) - AUROC(b).
 *
 * Each of n_resamples resamples draws n_rows rows with replacement
 * (uniformly, from stream 0 of `seed`, the same rows for both models) and
 * computes both macro AUROCs on it with the rows weighted by their
 * multiplicity (ties count one half, as in genre_metrics_roc_auc_ovr()). A
 * class that has no row, or every row, in a resample is left out of that
 * resample's macro mean; a resample in which no class is left (only
 * possible with very few rows) has no difference and is dropped, so the
 * interval may rest on fewer than n_resamples values (NaN when none is
 * left). The interval is the percentile interval of the
 * resampled differences at the central `level` (numpy's default linear
 * interpolation between order statistics). Each model's rows are sorted
 * once per class; a resample then costs O(n_rows * n_classes).
 *
 * @param[in]  y_true   n_rows labels in [0, n_classes); every class present.
 * @param[in]  proba_a, proba_b  n_rows x n_classes scores with strides
 *                      stride_a, stride_b (>= n_classes).
 * @param[in]  n_resamples in [1, 10^7]; @param[in] level in (0, 1), e.g. 0.95.
 * @param[out] diff     AUROC(a) - AUROC(b) on all rows (not resampled); may be NULL.
 * @param[out] lo, hi   the interval bounds; may be NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL labels or scores, zero rows,
 *         n_classes < 2, stride < n_classes, label out of range, a class
 *         absent, n_resamples or level out of range); GENRE_E_NONFINITE;
 *         GENRE_E_NOMEM.
 * Thread-safe. @since 0.2
 */
GENRE_API genre_status genre_metrics_roc_auc_bootstrap_diff(const int32_t *y_true,
                                                            const double *proba_a,
                                                            size_t stride_a,
                                                            const double *proba_b,
                                                            size_t stride_b, size_t n_rows,
                                                            size_t n_classes,
                                                            int64_t n_resamples, uint64_t seed,
                                                            double level, double *diff,
                                                            double *lo, double *hi);

/* ==== Clustering: the silhouette (k-means module, lib/silhouette.c) ==== */

/**
 * Progress phase of genre_metrics_silhouette(): step / total = rounds of
 * tiles of the pairwise distances done (at most 32 rounds).
 */
#define GENRE_METRICS_PHASE_SILHOUETTE 1

/**
 * Exact silhouette coefficients of a labelling (scikit-learn's
 * silhouette_samples / silhouette_score with the Euclidean metric): for row
 * i in cluster A, a(i) = mean distance to the other rows of A, b(i) = the
 * smallest mean distance to the rows of another cluster, and
 * s(i) = (b - a) / max(a, b); s(i) = 0 when A has a single row or when
 * a = b = 0. The mean is the average of s(i) over all rows.
 *
 * No n x n matrix is formed: the upper triangle of the distance matrix is
 * swept in 128 x 128 tiles on n_threads of libgenre's threads, each distance
 * |x_i - x_j| computed once from exact differences (no BLAS Gram trick, so
 * no cancellation) and added to the per-cluster sums of both rows; memory is
 * O(n_threads * n * clusters) doubles (fewer threads are used beyond
 * 256 MiB). Work is n(n-1)/2 distances of n_cols columns: about a second
 * per core for 45,000 rows. Per-thread sums are combined in a fixed order:
 * the same input and thread count give the same bits.
 *
 * @param[in]  x          n_rows x n_cols row-major, row_stride >= n_cols.
 * @param[in]  labels     n_rows cluster labels, any int32 values; there must
 *                        be between 2 and n_rows - 1 distinct ones.
 * @param[in]  n_threads  0 = genre_default_threads() (the CPUs of
 *                        the affinity mask), k > 0 = k threads.
 * @param[out] mean       receives the mean silhouette; may be NULL.
 * @param[out] samples    receives s(i) for every row; may be NULL (with
 *                        cap 0) when not wanted, not both with mean.
 * @param[out] needed     receives n_rows when not NULL.
 * @param[in]  progress   called on the calling thread between rounds of
 *                        tiles (phase GENRE_METRICS_PHASE_SILHOUETTE); may
 *                        be NULL. A non-zero return cancels.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL x or labels, mean and samples
 *   both NULL, no rows or columns, row_stride < n_cols, n_threads < 0, fewer
 *   than 2 or more than n_rows - 1 distinct labels -- the message gives the
 *   count); GENRE_E_BUFFER_TOO_SMALL (samples non-NULL and cap < n_rows);
 *   GENRE_E_NONFINITE (row, column and value named); GENRE_E_NUMERIC (a
 *   distance overflows); GENRE_E_CANCELLED; GENRE_E_NOMEM.
 * Thread-safe (no state; x and labels are only read). @since 0.1
 */
GENRE_API genre_status genre_metrics_silhouette(const double *x, size_t n_rows, size_t n_cols,
                                                size_t row_stride, const int32_t *labels,
                                                int32_t n_threads, double *mean,
                                                double *samples, size_t cap, size_t *needed,
                                                genre_progress_fn progress, void *user_data);

/**
 * Sampled estimate of the mean silhouette for large n: the exact mean
 * silhouette of sample_size rows drawn without replacement (stream 0 of
 * seed; scikit-learn's silhouette_score(sample_size=...) does the same with
 * its own generator), in O(sample_size^2) distances. sample_size >= n_rows
 * gives the exact mean of all rows.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL x, labels or mean, bad
 *   matrix, n_threads < 0, sample_size < 3, the sample holding fewer than 2
 *   or more than sample_size - 1 distinct labels); GENRE_E_NONFINITE;
 *   GENRE_E_NUMERIC; GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_metrics_silhouette_sampled(const double *x, size_t n_rows,
                                                        size_t n_cols, size_t row_stride,
                                                        const int32_t *labels,
                                                        size_t sample_size, uint64_t seed,
                                                        int32_t n_threads, double *mean);

/* ==== end of the silhouette section ==== */

/* ==== Partial fits (larger than memory): streamed test scores ============ */

/**
 * A partial state of the evaluation metrics over test rows that arrive in
 * chunks: AUROC (one-vs-rest: macro, micro, weighted, per class) and
 * accuracy, EXACT: the results are the bits genre_metrics_roc_auc_ovr(),
 * genre_metrics_roc_auc_per_class() and genre_metrics_accuracy() give on
 * all the rows at once (the AUROC depends only on the multiset of (label,
 * score) pairs, not on their order).
 *
 * Memory: exactness needs every score. The state keeps each row's label
 * and n_classes scores, so it GROWS WITH THE TEST ROWS: 4 + 8 n_classes
 * bytes per row (10 genres: 84 bytes; 1 million test rows: 84 MB), plus
 * the sort's scratch at query time. Accuracy alone would need two
 * counters; the state keeps its hit count apart from the scores.
 *
 * Merge order: merge(a, b) appends b's rows after a's. Associative exactly;
 * results do not depend on the order.
 *
 * Threading: add, merge (into) and free need exclusive access; save, the
 * queries and merge (from) may share a const state.
 */
typedef struct genre_metrics_partial genre_metrics_partial;

/**
 * Creates an empty state for n_classes classes (labels 0 .. n_classes-1).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (out NULL, n_classes outside
 *         [2, 65536]); GENRE_E_NOMEM.
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_metrics_partial_create(genre_metrics_partial **out,
                                                    size_t n_classes);

/**
 * Adds n_rows test rows: their scores (row-major n_rows x n_classes with
 * row_stride >= n_classes, e.g. a predict_proba output), true labels and,
 * for accuracy, predicted labels: y_pred NULL predicts the first class of
 * largest score in each row (what every classifier's predict does). Not
 * kept. A failed add leaves the state as it was.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (partial, scores or y_true NULL, no rows,
 *         row_stride < n_classes, a label outside [0, n_classes): row and
 *         value named); GENRE_E_SHAPE (n_classes differs from the state's);
 *         GENRE_E_NONFINITE (row within this call, column, value);
 *         GENRE_E_NOMEM.
 * Needs exclusive access to partial. @since 1.0
 */
GENRE_API genre_status genre_metrics_partial_add(genre_metrics_partial *partial,
                                                 const double *scores, size_t n_rows,
                                                 size_t n_classes, size_t row_stride,
                                                 const int32_t *y_true, const int32_t *y_pred);

/**
 * into becomes the state of into's rows followed by from's (from is
 * unchanged). A failed merge leaves into as it was.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, or into == from);
 *         GENRE_E_SHAPE (class counts differ; both named); GENRE_E_NOMEM.
 * Needs exclusive access to into. @since 1.0
 */
GENRE_API genre_status genre_metrics_partial_merge(genre_metrics_partial *into,
                                                   const genre_metrics_partial *from);

/**
 * Rows added so far (merged states included) into *out.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL).
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_metrics_partial_n_rows(const genre_metrics_partial *partial,
                                                    int64_t *out);

/**
 * Saves the state into buf (a model-file container of kind GENRE_MODEL_METRICS_PARTIAL,
 * docs/partial-fits.md), so another process or engine can load and merge
 * it. *written_or_needed always receives the size, so buf NULL is a size query.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (partial or written_or_needed NULL);
 *         GENRE_E_BUFFER_TOO_SMALL (buf NULL or cap too small); GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_metrics_partial_save_to_memory(const genre_metrics_partial *partial,
                                                            void *buf, size_t cap,
                                                            size_t *written_or_needed);

/**
 * Loads a state saved by genre_metrics_partial_save_to_memory() (buf is not kept).
 * Every size is checked against the bytes that carry it before anything is
 * allocated; values are checked (finite, counts consistent), so a damaged
 * or crafted buffer is an error, never a crash or a huge allocation.
 * @param[out] out receives a new state (free with genre_metrics_partial_free()).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (out NULL, buf NULL with len > 0);
 *         GENRE_E_CORRUPT; GENRE_E_VERSION (newer container or payload);
 *         GENRE_E_MODEL_KIND (another kind); GENRE_E_NOMEM.
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_metrics_partial_load_from_memory(genre_metrics_partial **out,
                                                              const void *buf, size_t len);

/** Frees a partial state; NULL is a no-op. Needs exclusive access. @since 1.0 */
GENRE_API void genre_metrics_partial_free(genre_metrics_partial *partial);

/**
 * genre_metrics_accuracy() over every row added: hits / rows.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, no rows).
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_metrics_partial_accuracy(const genre_metrics_partial *partial,
                                                      double *out);

/**
 * genre_metrics_roc_auc_ovr() over every row added, average =
 * GENRE_METRICS_AVERAGE_MACRO, _MICRO or _WEIGHTED.
 * @return as genre_metrics_roc_auc_ovr() (also GENRE_E_INVALID_ARG for a
 *         state with no rows).
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_metrics_partial_roc_auc_ovr(const genre_metrics_partial *partial,
                                                         int32_t average, double *out);

/**
 * genre_metrics_roc_auc_per_class() over every row added (n_classes
 * values into out[cap]; *needed receives n_classes when not NULL).
 * @return as genre_metrics_roc_auc_per_class().
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_metrics_partial_roc_auc_per_class(const genre_metrics_partial *partial,
                                                               double *out, size_t cap,
                                                               size_t *needed);

/* ==== end of the partial fits section ==== */

GENRE_END_DECLS

#endif /* GENRE_METRICS_H */
