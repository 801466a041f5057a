/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/dataset.h
 * @brief Schema-driven CSV loading, cleaning, imputation, encoding, splits
 *        and export.
 *
 * The usual, leak-free order:
 *
 * 1. describe the columns in a ::genre_dataset_schema (or take
 *    genre_dataset_schema_create_music_genre());
 * 2. genre_dataset_read() or genre_dataset_read_from_memory();
 * 3. genre_dataset_drop_empty_rows();
 * 4. genre_dataset_split_stratified(), _stratified_fraction(), _grouped(),
 *    _from_mask() or _from_indices(), then genre_dataset_subset() for each
 *    side;
 * 5. configure a ::genre_dataset_prep (imputation steps), then
 *    genre_dataset_prep_fit_apply() on the training rows and
 *    genre_dataset_prep_apply() on the test rows;
 * 6. genre_dataset_export_matrix(), genre_dataset_export_labels(), ...
 *
 * Reproducing an analysis that imputed before splitting is the same calls
 * with step 5 run on the whole table before step 4.
 *
 * Every step records what it did in the dataset's report
 * (genre_dataset_report_value(), genre_dataset_report_text()).
 *
 * The module's declarations are split by concern; this header includes
 * them all, so `#include <genre/dataset.h>` (or <genre/genre.h>) brings in
 * the whole module:
 * - genre/dataset_types.h: the handle types (table, schema, preparation,
 *   split);
 * - genre/dataset_schema.h: the schema (column roles, missing markers,
 *   reading options), schema inference and schema files;
 * - genre/dataset.h, this header: reading a table, its properties and
 *   report, cleaning, splits and export;
 * - genre/dataset_prep.h: the preparation (imputation, encoding) and its
 *   partial state for tables larger than memory;
 * - genre/dataset_reader.h: the streaming reader and the record index.
 */
#ifndef GENRE_DATASET_H
#define GENRE_DATASET_H

#include <genre/common.h>
#include <genre/dataset_types.h>
#include <genre/dataset_schema.h>
#include <genre/dataset_prep.h>
#include <genre/dataset_reader.h>

GENRE_BEGIN_DECLS

/* ---- Split sides --------------------------------------------------------- */
#define GENRE_SPLIT_TRAIN 0
#define GENRE_SPLIT_TEST 1

/* ---- Dataset properties (genre_dataset_get_i64) ------------------------- */
/** Rows currently in the table. */
#define GENRE_DATASET_N_ROWS 1
/** Columns named by the schema. */
#define GENRE_DATASET_N_COLUMNS 2
/** 1 once a ::genre_dataset_prep has been applied (codes exportable). */
#define GENRE_DATASET_ENCODED 3

/* ======================================================================== */
/* Reading                                                                  */
/* ======================================================================== */

/**
 * Reads a CSV file (RFC 4180: quoted fields, doubled quotes, embedded
 * newlines, CRLF or LF, UTF-8 with an optional BOM; gzip is recognised by
 * its magic bytes and inflated transparently).
 *
 * A record whose every field is empty is kept as an all-missing row and
 * counted ("read"/"blank_rows"); remove such rows with
 * genre_dataset_drop_empty_rows(). Numbers parse identically whatever the
 * host locale and are correctly rounded.
 *
 * Every failure message names the file, the line, the column and the
 * offending text. The table keeps the input's name and each row's line,
 * through genre_dataset_drop_empty_rows() and genre_dataset_subset(), and
 * every later message about a row (export, preparation, splits) names it
 * as "file:line". Inputs over 1 MiB are parsed on up to
 * GENRE_SCHEMA_THREADS threads; the result and every message are the same
 * as with one thread.
 *
 * @param[out] out    receives the table; free it with genre_dataset_free().
 * @param[in]  schema the schema; copied, not kept.
 * @param[in]  path   the file: a regular file, a FIFO, a character device or
 *                    "/dev/stdin"; read to its end (or to the input limit).
 * @return GENRE_OK;
 *   GENRE_E_INVALID_ARG (NULL, schema without columns);
 *   GENRE_E_IO (cannot open or read, or path is a directory);
 *   GENRE_E_INPUT_TOO_LARGE (over GENRE_SCHEMA_MAX_INPUT_BYTES, before or
 *     after inflation);
 *   GENRE_E_EMPTY_INPUT (no bytes, or only a BOM);
 *   GENRE_E_NO_DATA_ROWS (a header and nothing else);
 *   GENRE_E_RAGGED_ROW (a record with more or fewer fields than the header);
 *   GENRE_E_UNTERMINATED_QUOTE (input ends inside a quoted field);
 *   GENRE_E_PARSE (a quote inside an unquoted field, text after a closing
 *     quote, a NUL byte (RFC 4180 text has none; reading stops at the first
 *     one), a corrupt or truncated gzip stream, or bytes after a gzip member
 *     that are neither another member nor zero padding);
 *   GENRE_E_NOT_A_NUMBER (text in a numeric column, not a declared marker);
 *   GENRE_E_NONFINITE_TEXT (NaN, Inf or an overflowing number not declared
 *     missing);
 *   GENRE_E_RECORD_TOO_LONG (a record over GENRE_SCHEMA_MAX_RECORD_BYTES);
 *   GENRE_E_INVALID_UTF8;
 *   GENRE_E_DUPLICATE_COLUMN (a header name twice);
 *   GENRE_E_MISSING_COLUMN (a schema column absent from the header; when
 *     the header is one column holding another separator, the message says
 *     which and the GENRE_SCHEMA_SEPARATOR value to set);
 *   GENRE_E_UNSEEN_CATEGORY (a categorical or label value outside the
 *     column's declared order, under GENRE_UNSEEN_ERROR);
 *   GENRE_E_CANCELLED (the schema's progress callback asked to stop);
 *   GENRE_E_NOMEM.
 * Thread-safe for distinct outputs (the schema is only read). @since 0.1
 */
GENRE_API genre_status genre_dataset_read(genre_dataset **out, const genre_dataset_schema *schema,
                                          const char *path);

/**
 * genre_dataset_read() on bytes in memory (plain or gzip).
 * @param[in] buf  the bytes; not kept.
 * @param[in] len  their count.
 * @param[in] name what error messages call the input; NULL means "<memory>".
 * @return as genre_dataset_read(), without GENRE_E_IO.
 * Thread-safe for distinct outputs. @since 0.1
 */
GENRE_API genre_status genre_dataset_read_from_memory(genre_dataset **out,
                                                      const genre_dataset_schema *schema,
                                                      const void *buf, size_t len,
                                                      const char *name);

/** Frees a table; NULL is a no-op. Needs exclusive access. @since 0.1 */
GENRE_API void genre_dataset_free(genre_dataset *dataset);

/**
 * Reads an integer property (GENRE_DATASET_*).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_dataset_get_i64(const genre_dataset *dataset, int32_t key,
                                             int64_t *out);

/* ======================================================================== */
/* Report                                                                   */
/* ======================================================================== */

/**
 * Looks up one counter of the report. Steps and counters:
 * - "read": "rows" (data records), "blank_rows";
 *   per column "missing" (declared markers met, blank rows excluded);
 *   for the group column "groups" (distinct groups) and "no_group_rows".
 * - "drop_empty_rows": "dropped", "kept".
 * - "subset": "rows".
 * - "encode" per column: "unseen" (rows given the reserved code).
 * - "group_median" per column: "from_group", "from_global".
 * - "impute_median", "impute_mean", "impute_most_frequent", "impute_model"
 *   per column: "imputed".
 * When a step ran more than once the latest value is returned.
 * @param[in] column the column, or NULL for table-wide counters.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL step, counter or out);
 *         GENRE_E_BAD_STATE (no such counter recorded).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_dataset_report_value(const genre_dataset *dataset, const char *step,
                                                  const char *column, const char *counter,
                                                  int64_t *out);

/**
 * The whole report as text, one `step column counter value` line per
 * counter (column "-" for table-wide ones), NUL-terminated.
 * @param[out] buf     destination, or NULL to ask for the size.
 * @param[in]  cap     bytes available at buf.
 * @param[out] needed  receives the bytes needed including the NUL; may be NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BUFFER_TOO_SMALL (buf
 *         non-NULL and cap < needed; nothing written).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_dataset_report_text(const genre_dataset *dataset, char *buf,
                                                 size_t cap, size_t *needed);

/* ======================================================================== */
/* Cleaning                                                                 */
/* ======================================================================== */

/**
 * Removes rows whose every field was empty; records "drop_empty_rows"
 * "dropped" and "kept".
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_dataset_drop_empty_rows(genre_dataset *dataset);

/* ======================================================================== */
/* Splits                                                                   */
/* ======================================================================== */

/**
 * Stratified split with an exact count per class: for every label value,
 * `test_per_class` rows chosen uniformly at random go to test, the rest to
 * train; both sides are then shuffled. Same table and seed, same split.
 * @param[out] out receives the split; free with genre_dataset_split_free().
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, test_per_class < 0, a class
 *   with fewer rows than test_per_class); GENRE_E_BAD_STATE (no label
 *   column, a row without a label); GENRE_E_NOMEM.
 * Thread-safe on a const dataset. @since 0.1
 */
GENRE_API genre_status genre_dataset_split_stratified(genre_dataset_split **out,
                                                      const genre_dataset *dataset,
                                                      int64_t test_per_class,
                                                      uint64_t seed);

/**
 * Group-aware split: no group is on both sides (rows without a group are
 * singletons). Groups are visited in a seeded random order and one goes to
 * test when that brings the per-class test counts closer to
 * `test_per_class`; the achieved counts are in
 * genre_dataset_split_class_counts(). Both sides are shuffled.
 * @return as genre_dataset_split_stratified(), plus GENRE_E_BAD_STATE when
 *   the schema has no group column.
 * Thread-safe on a const dataset. @since 0.1
 */
GENRE_API genre_status genre_dataset_split_grouped(genre_dataset_split **out,
                                                   const genre_dataset *dataset,
                                                   int64_t test_per_class,
                                                   uint64_t seed);

/**
 * Stratified split with a fraction of each class: every label value keeps
 * about `test_fraction` of its rows in test, the rest in train; the rows of
 * a class are drawn uniformly at random and both sides are then shuffled,
 * as in genre_dataset_split_stratified(). Same table and seed, same split.
 *
 * Test rows per class, for classes of m_c rows (n rows in all):
 * 1. q_c = test_fraction x m_c; each class gets floor(q_c);
 * 2. T = floor(test_fraction x n + 0.5) (round half up); the
 *    T - sum floor(q_c) rows still to give go one each to the classes with
 *    the largest fractional parts q_c - floor(q_c) (ties: the class whose
 *    label appeared first in the table), the largest-remainder rule, so the
 *    test side has T rows when step 3 changes nothing;
 * 3. every class is then clamped to at least 1 test row and at least 1
 *    training row (which may move the total away from T).
 * Products are computed in double precision. Example: classes of 10, 7 and 3
 * rows at 0.2 give q = 2, 1.4, 0.6, T = 4, floors 2 + 1 + 0 = 3, and the one
 * remaining row goes to the third class (0.6 > 0.4): 2, 1 and 1 test rows.
 * A label value with no rows in the table (a subset's dictionary) is
 * skipped.
 * @param[out] out receives the split; free with genre_dataset_split_free().
 * @param[in] test_fraction in (0, 1).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, test_fraction not in (0, 1)
 *   or NaN, a class with a single row: the message names the class's label
 *   value and its count); GENRE_E_BAD_STATE (no label column, a row without
 *   a label); GENRE_E_NOMEM.
 * Thread-safe on a const dataset. @since 1.0
 */
GENRE_API genre_status genre_dataset_split_stratified_fraction(genre_dataset_split **out,
                                                               const genre_dataset *dataset,
                                                               double test_fraction,
                                                               uint64_t seed);

/**
 * The caller's split, row by row: row r goes to test when is_test[r] is 1
 * and to train when it is 0. Nothing is drawn or shuffled: both sides list
 * their rows in table order, so a split saved by a user (a split file)
 * reproduces exactly. A side may be empty. Class counts count the rows that
 * have a label (none when the schema has no label column); rows without a
 * label are allowed.
 * @param[out] out receives the split; free with genre_dataset_split_free().
 * @param[in] is_test n entries, each 0 or 1; only read during the call.
 * @param[in] n the table's row count.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL; an entry other than 0 or 1,
 *   named with its index, its line in the source and its value);
 *   GENRE_E_SHAPE (n is not the table's row count); GENRE_E_NOMEM.
 * Thread-safe on a const dataset. @since 1.0
 */
GENRE_API genre_status genre_dataset_split_from_mask(genre_dataset_split **out,
                                                     const genre_dataset *dataset,
                                                     const uint8_t *is_test, size_t n);

/**
 * The caller's split as a list of test rows (0-based indices into dataset, as
 * genre_dataset_split_rows() gives them): the test side is exactly
 * test_rows in the caller's order, the training side every other row in
 * table order. Nothing is drawn or shuffled. A side may be empty. Class
 * counts as in genre_dataset_split_from_mask().
 * @param[in] test_rows n_test distinct row indices; only read during the
 *            call; may be NULL when n_test is 0.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL; an index below 0 or not
 *   below the row count, or one given twice: the message names its
 *   position and value, and for a repeat the earlier position);
 *   GENRE_E_NOMEM.
 * Thread-safe on a const dataset. @since 1.0
 */
GENRE_API genre_status genre_dataset_split_from_indices(genre_dataset_split **out,
                                                        const genre_dataset *dataset,
                                                        const int64_t *test_rows, size_t n_test);

/** Frees a split; NULL is a no-op. Needs exclusive access. @since 0.1 */
GENRE_API void genre_dataset_split_free(genre_dataset_split *split);

/**
 * Row indices (into the split table) of one side, in the split's order:
 * shuffled for drawn splits, the caller's for genre_dataset_split_from_mask()
 * and genre_dataset_split_from_indices().
 * @param[in] side GENRE_SPLIT_TRAIN or GENRE_SPLIT_TEST.
 * @param[out] rows destination or NULL for a size query; cap in elements;
 *             needed receives the count (may be NULL).
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BUFFER_TOO_SMALL.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_dataset_split_rows(const genre_dataset_split *split,
                                                int32_t side, int64_t *rows, size_t cap,
                                                size_t *needed);

/**
 * Rows per class on one side; classes indexed by first appearance of the
 * label value in the split table.
 * @return as genre_dataset_split_rows().
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_dataset_split_class_counts(const genre_dataset_split *split,
                                                        int32_t side, int64_t *counts,
                                                        size_t cap, size_t *needed);

/**
 * A new table holding one side of a split of `dataset`, in the split's order,
 * with a copy of dataset's report plus "subset" "rows". Its rows keep dataset's
 * input name and source lines, so messages about them name the original
 * file and line.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_SHAPE (split made on a
 *         table of another size); GENRE_E_NOMEM.
 * Thread-safe on a const dataset. @since 0.1
 */
GENRE_API genre_status genre_dataset_subset(genre_dataset **out, const genre_dataset *dataset,
                                            const genre_dataset_split *split, int32_t side);

/**
 * Leakage across a split of `dataset`. Each output may be NULL.
 * @param[out] shared_groups   test groups that also occur in train.
 * @param[out] test_rows_in_train_groups test rows whose group occurs in train.
 * @param[out] duplicate_rows  test rows whose numeric and categorical
 *             values (missing equal to missing) equal some train row's.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_SHAPE; GENRE_E_NOMEM.
 * Thread-safe on a const dataset. @since 0.1
 */
GENRE_API genre_status genre_dataset_leakage(const genre_dataset *dataset,
                                             const genre_dataset_split *split,
                                             int64_t *shared_groups,
                                             int64_t *test_rows_in_train_groups,
                                             int64_t *duplicate_rows);

/* ======================================================================== */
/* Export                                                                   */
/* ======================================================================== */

/**
 * Copies columns into a contiguous row-major n_rows x n_columns matrix.
 * Numeric columns give their values, categorical and label columns their
 * codes (after genre_dataset_prep_apply()).
 * @param[in] columns names of numeric, categorical or label columns.
 * @param[out] out destination or NULL for a size query; cap in elements;
 *             needed receives n_rows * n_columns (may be NULL).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, text/group/ignored column);
 *   GENRE_E_MISSING_COLUMN; GENRE_E_BAD_STATE (categorical not encoded);
 *   GENRE_E_MISSING_VALUE (a value still missing: the input's name, the
 *   row's line in it and the column named);
 *   GENRE_E_BUFFER_TOO_SMALL.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_dataset_export_matrix(const genre_dataset *dataset,
                                                   const char *const *columns,
                                                   size_t n_columns, double *out,
                                                   size_t cap, size_t *needed);

/**
 * Copies the encoded labels (codes of the label column). Under
 * GENRE_UNSEEN_RESERVED_CODE a label never seen in the fit rows (or outside
 * a fixed order) is -1, which no classifier accepts: drop such rows or use
 * GENRE_UNSEEN_ERROR for the label.
 * @param[out] out destination or NULL for a size query; cap in elements.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BAD_STATE (no label column,
 *         not encoded); GENRE_E_MISSING_VALUE; GENRE_E_BUFFER_TOO_SMALL.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_dataset_export_labels(const genre_dataset *dataset, int32_t *out,
                                                   size_t cap, size_t *needed);

/**
 * Copies group ids: rows of one group share an id in [0, n_groups); each
 * row without a group gets its own id after those, so the ids can be used
 * directly for group k-fold.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BAD_STATE (no group
 *         column); GENRE_E_BUFFER_TOO_SMALL.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_dataset_export_groups(const genre_dataset *dataset, int64_t *out,
                                                   size_t cap, size_t *needed);

/**
 * Copies a text, group, categorical or label column as NUL-terminated
 * strings laid end to end (a missing value is ""); offsets[i] receives
 * where row i starts.
 * @param[out] buf destination or NULL for a size query; cap its bytes;
 *             needed receives the bytes needed (may be NULL).
 * @param[out] offsets n_rows elements, or NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (numeric or ignored column);
 *         GENRE_E_MISSING_COLUMN; GENRE_E_BUFFER_TOO_SMALL.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_dataset_export_text(const genre_dataset *dataset,
                                                 const char *column, char *buf,
                                                 size_t cap, size_t *needed,
                                                 size_t *offsets);

GENRE_END_DECLS

#endif /* GENRE_DATASET_H */
