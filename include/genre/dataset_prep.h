/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/dataset_prep.h
 * @brief The dataset preparation: imputation steps and the encoding of
 *        categorical and label columns, fitted on training rows and applied
 *        to any table of the same schema, saved and loaded; and its partial
 *        state, which fits it from a stream of chunks.
 *
 * A ::genre_dataset_prep is created for a schema (genre/dataset_schema.h,
 * which also defines the GENRE_IMPUTE_* kinds), given its imputation steps,
 * fitted with genre_dataset_prep_fit_apply() on the training rows and
 * applied with genre_dataset_prep_apply() to the others (step 5 of the
 * order in genre/dataset.h). For tables larger than memory a
 * ::genre_dataset_prep_partial fits the same statistics over the chunks of
 * the streaming reader (genre/dataset_reader.h). genre/dataset.h and
 * genre/genre.h include this header.
 */
#ifndef GENRE_DATASET_PREP_H
#define GENRE_DATASET_PREP_H

#include <genre/common.h>
#include <genre/dataset_types.h>
#include <genre/dataset_schema.h>

GENRE_BEGIN_DECLS

/* ======================================================================== */
/* Preparation: imputation and encoding                                     */
/* ======================================================================== */

/**
 * Fit callback of model-based imputation: train a predictor of y from x.
 * @param x row-major n_rows x n_cols, valid during the call only.
 * @param y n_rows targets.
 * @return GENRE_OK, or a negative status that aborts the fit and is returned.
 */
typedef genre_status (*genre_dataset_fit_fn)(void *user_data, const double *x,
                                             size_t n_rows, size_t n_cols,
                                             const double *y);
/**
 * Predict callback of model-based imputation: write n_rows predictions.
 * @return GENRE_OK, or a negative status that aborts and is returned.
 */
typedef genre_status (*genre_dataset_predict_fn)(void *user_data, const double *x,
                                                 size_t n_rows, size_t n_cols,
                                                 double *y_out);

/**
 * Creates an empty preparation for tables of this schema. Categorical and
 * label columns are always encoded; imputation steps are added in order.
 * @param[out] out receives it; free with genre_dataset_prep_free().
 * @param[in] schema copied.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_create(genre_dataset_prep **out,
                                                 const genre_dataset_schema *schema);

/** Frees a preparation; NULL is a no-op. Needs exclusive access. @since 0.1 */
GENRE_API void genre_dataset_prep_free(genre_dataset_prep *prep);

/**
 * Sets an integer parameter. A preparation has no key today (its steps
 * are added with the calls below): every key is GENRE_E_UNKNOWN_PARAM. The
 * calls exist so every handle kind answers the same calls.
 * @return GENRE_E_INVALID_ARG (prep NULL); GENRE_E_UNKNOWN_PARAM.
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_dataset_prep_set_i64(genre_dataset_prep *prep, int32_t key,
                                                  int64_t value);

/**
 * Sets a real parameter; as genre_dataset_prep_set_i64(), every key is
 * GENRE_E_UNKNOWN_PARAM.
 * @return GENRE_E_INVALID_ARG (prep NULL); GENRE_E_UNKNOWN_PARAM.
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_dataset_prep_set_f64(genre_dataset_prep *prep, int32_t key,
                                                  double value);

/**
 * Reads an integer parameter; every key is GENRE_E_UNKNOWN_PARAM.
 * @return GENRE_E_INVALID_ARG (prep or out NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_dataset_prep_get_i64(const genre_dataset_prep *prep, int32_t key,
                                                  int64_t *out);

/**
 * Reads a real parameter; every key is GENRE_E_UNKNOWN_PARAM.
 * @return GENRE_E_INVALID_ARG (prep or out NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_dataset_prep_get_f64(const genre_dataset_prep *prep, int32_t key,
                                                  double *out);

/**
 * A settable key's inclusive range; every key is GENRE_E_UNKNOWN_PARAM.
 * @return GENRE_E_INVALID_ARG (lo or hi NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_dataset_prep_param_bounds(int32_t key, double *lo, double *hi);

/**
 * An enumerated key's values; every key is GENRE_E_UNKNOWN_PARAM.
 * @return GENRE_E_INVALID_ARG (n_values NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_dataset_prep_param_values(int32_t key, int64_t *out, size_t cap,
                                                       size_t *n_values);

/**
 * Puts every parameter back to its default (there is none yet: the steps,
 * the log hook and a fitted state are kept).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (prep NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_dataset_prep_reset_params(genre_dataset_prep *prep);

/**
 * Sets the log callback; fn NULL makes the preparation silent.
 * genre_dataset_prep_fit_apply() and genre_dataset_prep_apply() send one
 * GENRE_LOG_INFO notice per imputation step: the column, how many missing
 * cells were imputed and how (group median: from the group and from the
 * global median; median or mean: with the fitted value; a caller's model).
 * A loaded preparation starts silent. fn and user_data must stay valid
 * while the preparation is used; applies on several threads call fn
 * concurrently.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (prep NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_dataset_prep_set_log(genre_dataset_prep *prep, genre_log_fn fn,
                                                  void *user_data);

/**
 * Adds group-median imputation: a missing value of `column` gets the
 * median of the observed values of its group in the fit rows, else (no
 * group, or a group with no observed value in the fit rows) the global
 * median of the fit rows. Apply records "group_median" "from_group" and
 * "from_global".
 * @param[in] column a numeric column; the group is the schema's group column.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (not numeric, no group column);
 *         GENRE_E_MISSING_COLUMN; GENRE_E_BAD_STATE (already fitted);
 *         GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_add_group_median(genre_dataset_prep *prep,
                                                           const char *column);

/**
 * Adds median, mean or most-frequent imputation of a column from the fit
 * rows. Most frequent (since 0.4) takes a numeric column (the most frequent
 * value; ties: the smallest) or a categorical one (the most frequent
 * category; ties: the smallest code, so with a declared order the earliest
 * category, else the byte-smallest name); apply records
 * "impute_most_frequent" "imputed". Rows with the reserved unseen code are
 * not missing and keep it.
 * @param[in] kind GENRE_IMPUTE_MEDIAN, GENRE_IMPUTE_MEAN (numeric) or
 *            GENRE_IMPUTE_MOST_FREQUENT.
 * @return as genre_dataset_prep_add_group_median(); GENRE_E_INVALID_ARG also
 *         for another kind or a kind the column's role does not take.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_add_impute(genre_dataset_prep *prep,
                                                     const char *column, int32_t kind);

/**
 * Adds model-based imputation: at fit, `fit` is called with the fit rows
 * where the target is observed (features: the named numeric or categorical
 * columns, categoricals as their codes, after the earlier steps); at apply,
 * `predict` is called once with the rows where the target is missing.
 * The callbacks and user_data must stay valid while the prep is used.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, n_features == 0, a feature
 *         that is the target, text, group or ignored); GENRE_E_MISSING_COLUMN;
 *         GENRE_E_BAD_STATE (already fitted); GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_add_model_impute(
    genre_dataset_prep *prep, const char *column, const char *const *features,
    size_t n_features, genre_dataset_fit_fn fit, genre_dataset_predict_fn predict,
    void *user_data);

/**
 * Adds one imputation step per numeric and categorical column of the
 * preparation's schema: the kind the column declares
 * (genre_dataset_schema_set_impute()), else the default: median for a
 * numeric column, most frequent for a categorical one; a column declared
 * GENRE_IMPUTE_NONE gets no step. Every step but the model ones comes first,
 * in schema order; then the columns declared GENRE_IMPUTE_MODEL, in schema
 * order, each with every other numeric and categorical column as features
 * (schema order; categoricals as codes). A model step's features still
 * missing when it runs are filled with their medians (numeric) or most
 * frequent codes (categorical) of the fit rows, so it works with missing
 * cells anywhere. With fit NULL a model column gets median imputation
 * instead, and the log says so. Like every step, all of them are fit on
 * the rows given to genre_dataset_prep_fit_apply() only.
 * @param[in] fit, predict, user_data the model callbacks (as
 *            genre_dataset_prep_add_model_impute()); predict may be NULL only
 *            when fit is.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (prep NULL, fit without predict, a
 *         model column with no other numeric or categorical column, group
 *         median without a group column); GENRE_E_BAD_STATE (already
 *         fitted); GENRE_E_NOMEM. On failure no step is added.
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_dataset_prep_add_declared(genre_dataset_prep *prep,
                                                       genre_dataset_fit_fn fit,
                                                       genre_dataset_predict_fn predict,
                                                       void *user_data);

/**
 * Fits the encodings and every step on `dataset` and applies them to it, step
 * by step (each step is fit on the output of the previous ones). Use it on
 * the training rows, then genre_dataset_prep_apply() on the test rows.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BAD_STATE (already
 *   fitted; a step finds no observed value; the table has blank rows);
 *   GENRE_E_SHAPE (table of another schema); GENRE_E_UNSEEN_CATEGORY (a
 *   value outside a fixed order under GENRE_UNSEEN_ERROR);
 *   GENRE_E_MISSING_VALUE (a model feature still missing);
 *   GENRE_E_NONFINITE (a prediction is NaN/Inf); a callback's status;
 *   GENRE_E_NOMEM. On failure prep stays unfitted; dataset may be partly changed.
 * Needs exclusive access to both. @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_fit_apply(genre_dataset_prep *prep,
                                                    genre_dataset *dataset);

/**
 * Applies a fitted preparation to another table of the same schema
 * (test rows, a new CSV). Statistics are never refit.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BAD_STATE (not fitted,
 *   already applied to dataset, blank rows, a loaded model step whose predictor
 *   was not reattached); GENRE_E_SHAPE;
 *   GENRE_E_UNSEEN_CATEGORY; GENRE_E_MISSING_VALUE; GENRE_E_NONFINITE;
 *   a callback's status; GENRE_E_NOMEM.
 * Needs exclusive access to dataset; prep is only read (but its predict
 * callback runs). @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_apply(const genre_dataset_prep *prep,
                                                genre_dataset *dataset);

/**
 * Number of categories of a fitted categorical or label column.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_MISSING_COLUMN;
 *         GENRE_E_BAD_STATE (not fitted).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_category_count(const genre_dataset_prep *prep,
                                                         const char *column,
                                                         int32_t *out);

/**
 * The name of category `code` of a fitted categorical or label column
 * (class names: use the label column), NUL-terminated: the display name the
 * schema declares for it (genre_dataset_schema_set_category_names()), else
 * the value as read.
 * @param[out] buf destination or NULL for a size query; cap its size;
 *             needed receives the bytes needed including the NUL (may be NULL).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (code out of range);
 *         GENRE_E_MISSING_COLUMN; GENRE_E_BAD_STATE (not fitted);
 *         GENRE_E_BUFFER_TOO_SMALL.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_category_name(const genre_dataset_prep *prep,
                                                        const char *column, int32_t code,
                                                        char *buf, size_t cap,
                                                        size_t *needed);

/**
 * Saves a fitted preparation (schema, encodings, every step's statistics)
 * into the model container (kind GENRE_MODEL_DATASET_PREP). Model-based
 * imputation saves which columns it uses, not the caller's model: after
 * loading, attach it again with genre_dataset_prep_set_model_callbacks().
 * @param[out] buf destination or NULL for a size query; cap its size.
 * @param[out] written_or_needed receives the container's size in bytes.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BAD_STATE (not fitted);
 *         GENRE_E_BUFFER_TOO_SMALL (also for buf NULL); GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_save_to_memory(const genre_dataset_prep *prep, void *buf,
                                                         size_t cap, size_t *written_or_needed);

/**
 * genre_dataset_prep_save_to_memory() to a file, written whole or not at all; only a
 * regular file is replaced, a symlink is followed (genre/model.h).
 * @return as genre_dataset_prep_save_to_memory(), plus GENRE_E_IO (also: path is not
 *         a regular file).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_save(const genre_dataset_prep *prep, const char *path);

/**
 * Loads a fitted preparation saved by genre_dataset_prep_save_to_memory(); it applies
 * to new tables of the same schema with genre_dataset_prep_apply().
 * @param[out] out receives it; free with genre_dataset_prep_free().
 * @param[in] buf the bytes, not kept; len their count.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_CORRUPT (bad container or
 *         an inconsistent payload); GENRE_E_VERSION; GENRE_E_MODEL_KIND;
 *         GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_load_from_memory(genre_dataset_prep **out,
                                                           const void *buf, size_t len);

/**
 * genre_dataset_prep_load_from_memory() from a file (read as genre/model.h says).
 * @return as genre_dataset_prep_load_from_memory(), plus GENRE_E_IO (also: path is
 *         neither a regular file nor a FIFO with a writer).
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_load(genre_dataset_prep **out, const char *path);

/**
 * Attaches (or replaces) the callbacks of the model-based imputation step of
 * `column`, e.g. after genre_dataset_prep_load_from_memory(). `fit` may be NULL on a
 * fitted preparation.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL prep, column or predict);
 *         GENRE_E_MISSING_COLUMN (no such model step).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_set_model_callbacks(genre_dataset_prep *prep,
                                                              const char *column,
                                                              genre_dataset_fit_fn fit,
                                                              genre_dataset_predict_fn predict,
                                                              void *user_data);

/* ======================================================================== */
/* Partial fits (larger than memory): the preparation's statistics          */
/* ======================================================================== */

/**
 * The statistics genre_dataset_prep_fit_apply() fits (each encoded column's
 * categories; each step's mean, most frequent value or median, group
 * medians per group), accumulated chunk by chunk in passes over the same
 * rows, mergeable across processes, saved and loaded (docs/partial-fits.md).
 *
 * Protocol: create from a preparation whose steps are added; per pass, add
 * every chunk of the table (genre_dataset_reader_next()'s chunks, unencoded,
 * empty records dropped) to one state, or to several states merged into one;
 * then genre_dataset_prep_partial_end_pass(): while it answers *more = 1,
 * read the same rows again (any chunking, any order). Finally
 * genre_dataset_prep_fit_partial() fits the preparation.
 *
 * Passes: one when every median (each global median, each group's median)
 * has at most 65,536 observed values; else each further pass narrows the
 * median's bracket by 16 bits of the value's 64-bit order key, exact at the
 * end: at most 4 passes (3 for a typical continuous column of 10 M rows).
 * Categories, means and most frequent values are final after pass 1; later
 * passes only feed open medians.
 *
 * Results equal fit_apply's on all the rows: categories and codes, medians
 * and most frequent values exactly; the mean exactly when the chunks of one
 * state are added in row order (the sum is fit_apply's long double sum in
 * row order), to rounding after merges. Group medians name their groups in
 * first-appearance order, as fit_apply does when chunks are added in order
 * (and merges take states in row order).
 *
 * Memory: per categorical or label column its distinct names and counts;
 * per numeric most-frequent step its distinct values (this grows with them);
 * per median (global, or one per group: the state grows with the groups, not
 * the rows) at most 65,536 values or 65,536 counts per bracket, two brackets
 * after pass 1 (at most 1 MiB), and never more than 8 bytes per value.
 *
 * Steps fit_apply fits on earlier steps' output cannot be streamed in these
 * passes: a caller's model (genre_dataset_prep_add_model_impute(), the model
 * steps of genre_dataset_prep_add_declared()) and a second step on a column
 * already imputed are refused by create (GENRE_E_UNSUPPORTED). Every other
 * step reads only its own column (and the group column, which no step
 * imputes), so all of them fit in the same passes.
 */
typedef struct genre_dataset_prep_partial genre_dataset_prep_partial;

/**
 * Creates an empty state for prep's schema and steps (copied: the state
 * does not reference prep).
 * @param[out] out  receives the state; free with genre_dataset_prep_partial_free().
 * @param[in]  prep an unfitted preparation with its steps added.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_BAD_STATE (prep
 *   fitted); GENRE_E_UNSUPPORTED (a model step, or two steps on one column,
 *   naming the column); GENRE_E_NOMEM.
 * Thread-safe for distinct outputs. @since 1.0
 */
GENRE_API genre_status genre_dataset_prep_partial_create(genre_dataset_prep_partial **out,
                                                         const genre_dataset_prep *prep);

/**
 * Adds a chunk's rows to the current pass. The chunk is only read.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BAD_STATE (every pass done,
 *   the chunk already encoded, or an empty record, naming file:line);
 *   GENRE_E_SHAPE (another schema); GENRE_E_UNSEEN_CATEGORY (a value outside
 *   a declared category order under GENRE_UNSEEN_ERROR, file:line, as
 *   fit_apply); GENRE_E_NOMEM. After a failure the state may hold part of
 *   the chunk: discard it.
 * Needs exclusive access to partial. @since 1.0
 */
GENRE_API genre_status genre_dataset_prep_partial_add(genre_dataset_prep_partial *partial,
                                                      const genre_dataset *chunk);

/**
 * into becomes the state of both inputs' rows. Both must come from the same
 * preparation and be in the same pass; in a pass after the first, both must
 * come from one state's end of pass (save it, load it per worker: its
 * earlier statistics are checked equal and counted once). Categories and
 * group names of `from` new to `into` follow `into`'s (merge in row order
 * for fit_apply's group order). Associative; the mean's sum to rounding.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, into == from); GENRE_E_SHAPE
 *   (other preparation); GENRE_E_BAD_STATE (other pass, pass done, or
 *   earlier statistics differ); GENRE_E_NOMEM (into then unusable).
 * Needs exclusive access to into; from is only read. @since 1.0
 */
GENRE_API genre_status genre_dataset_prep_partial_merge(genre_dataset_prep_partial *into,
                                                        const genre_dataset_prep_partial *from);

/**
 * Ends the current pass: finishes what it can and sets *more to 1 when the
 * same rows must be added again (a new pass), 0 when the state is ready for
 * genre_dataset_prep_fit_partial().
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BAD_STATE (already done;
 *   a step whose column had no observed value in pass 1, as fit_apply; a
 *   later pass that saw fewer values than pass 1); GENRE_E_NOMEM (the state
 *   is then unusable).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_dataset_prep_partial_end_pass(genre_dataset_prep_partial *partial,
                                                           int *more);

/**
 * Fits prep from a finished state: afterwards prep is what
 * genre_dataset_prep_fit_apply() on the rows would have fitted (see the
 * type's notes), ready for genre_dataset_prep_apply() and saving.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BAD_STATE (prep fitted, or
 *   passes left); GENRE_E_SHAPE (a state of another schema or steps);
 *   GENRE_E_NOMEM (prep stays unfitted).
 * Needs exclusive access to prep; partial is only read. @since 1.0
 */
GENRE_API genre_status genre_dataset_prep_fit_partial(genre_dataset_prep *prep,
                                                      const genre_dataset_prep_partial *partial);

/**
 * Saves the state (model container, kind GENRE_MODEL_DATASET_PREP_PARTIAL)
 * into buf[cap]; *written_or_needed receives the size (when cap is too small, or buf
 * NULL, too, with GENRE_E_BUFFER_TOO_SMALL), as genre_metrics_partial_save_to_memory().
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BUFFER_TOO_SMALL;
 *   GENRE_E_NOMEM. Thread-safe on a const state. @since 1.0
 */
GENRE_API genre_status genre_dataset_prep_partial_save_to_memory(
    const genre_dataset_prep_partial *partial, void *buf, size_t cap, size_t *written_or_needed);

/**
 * Loads a saved state. Damaged, truncated or inconsistent bytes are
 * GENRE_E_CORRUPT; nothing is allocated beyond what the bytes hold.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_CORRUPT; GENRE_E_VERSION;
 *   GENRE_E_MODEL_KIND; GENRE_E_NOMEM. Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_dataset_prep_partial_load_from_memory(genre_dataset_prep_partial **out,
                                                                   const void *buf, size_t len);

/** Frees a state; NULL is a no-op. Needs exclusive access. @since 1.0 */
GENRE_API void genre_dataset_prep_partial_free(genre_dataset_prep_partial *partial);

GENRE_END_DECLS

#endif /* GENRE_DATASET_PREP_H */
