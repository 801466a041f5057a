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
 * 2. genre_dataset_read_file() or genre_dataset_read_memory();
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
 */
#ifndef GENRE_DATASET_H
#define GENRE_DATASET_H

#include <genre/common.h>

GENRE_BEGIN_DECLS

/** A table read from CSV: rows, typed columns, and the report of what was
 *  done to it. Opaque. */
typedef struct genre_dataset genre_dataset;
/** What each CSV column is and what marks a missing value. Opaque. */
typedef struct genre_dataset_schema genre_dataset_schema;
/** Fitted cleaning and encoding state: fit on training rows, apply to any
 *  table of the same schema. Opaque. */
typedef struct genre_dataset_prep genre_dataset_prep;
/** The row indices of a train/test split of one dataset. Opaque. */
typedef struct genre_dataset_split genre_dataset_split;

/* ---- Column roles (values frozen) ------------------------------------- */
/** A number; parsed locale-independently and correctly rounded. */
#define GENRE_COL_NUMERIC 1
/** A category, ordinal-encoded by a ::genre_dataset_prep. */
#define GENRE_COL_CATEGORICAL 2
/** Free text (artist, track name), kept verbatim for later feature extraction. */
#define GENRE_COL_TEXT 3
/** The class label (one per schema), encoded like a categorical. */
#define GENRE_COL_LABEL 4
/** A group key (e.g. artist) for group-aware splits and group imputation;
 *  its text is also exportable. At most one per schema. */
#define GENRE_COL_GROUP 5
/** Read past and checked for well-formedness only. */
#define GENRE_COL_IGNORE 6

/* ---- Schema options (genre_dataset_schema_set_i64) --------------------- */
/** i64, range [16, 2^31], default 1 MiB (1048576): the longest record
 *  accepted, in bytes. */
#define GENRE_SCHEMA_MAX_RECORD_BYTES 1
/** i64, values GENRE_UNSEEN_ERROR (0, the default) or
 *  GENRE_UNSEEN_RESERVED_CODE (1), an enumeration
 *  (genre_dataset_schema_param_values()): what genre_dataset_prep_apply()
 *  does with a category never seen in the fit rows (or absent from a fixed
 *  order): fail, or give the row code -1, counted in the report. A value
 *  outside a column's declared order (genre_dataset_schema_set_category_order())
 *  is known when the file is read, so under GENRE_UNSEEN_ERROR the read
 *  itself fails, naming the file, line, column and value; under
 *  GENRE_UNSEEN_RESERVED_CODE it is read and encoded as -1. */
#define GENRE_SCHEMA_UNSEEN_CATEGORY 2

/** i64, range [0, 256], default 0: threads the reader may use on inputs
 *  over 1 MiB: 0 = the online cores, 1 = the calling thread only. The table
 *  read is identical for every value. */
#define GENRE_SCHEMA_THREADS 3

/** i64, range [1, 2^62], default 16 GiB (17179869184): the most bytes
 *  genre_dataset_read_file() and genre_dataset_read_memory() hold in
 *  memory, counted after gzip inflation (a gzip input's compressed bytes
 *  count too). A larger
 *  input fails with GENRE_E_INPUT_TOO_LARGE before it is parsed, and reading
 *  stops once the limit is passed (so an endless FIFO or device ends too). */
#define GENRE_SCHEMA_MAX_INPUT_BYTES 4

/* ---- Separator and schema inference options ---------------------------- */
/** i64, an enumeration (genre_dataset_schema_param_values()): 0 (the
 *  default), 9 (TAB), 44 (`,`) or 59 (`;`): the field separator of
 *  genre_dataset_read_file(), genre_dataset_read_memory() and
 *  genre_dataset_schema_infer(). 0 detects it from the header line: the
 *  most frequent of `,` `;` TAB outside quotes, ties in that order, none
 *  -> `,`. Quoting is RFC 4180 with the chosen separator. A file read with
 *  the wrong one has a single header column: the GENRE_E_MISSING_COLUMN
 *  message then names the separator the header holds. @since 0.4 */
#define GENRE_SCHEMA_SEPARATOR 5
/** i64, range [0, 2^62], default 0: genre_dataset_schema_infer() looks at
 *  the first N data records only (0 = every record). Later records are not
 *  checked: a reading with the inferred schema may still fail there.
 *  @since 0.4 */
#define GENRE_SCHEMA_INFER_MAX_ROWS 6
/** i64, 0 (default) or 1: inference makes an integer-valued column with at
 *  most GENRE_SCHEMA_INFER_MAX_CATEGORIES distinct values (each seen at
 *  least twice on average) categorical instead of numeric. @since 0.4 */
#define GENRE_SCHEMA_INFER_INTEGER_CATEGORIES 7
/** i64, range [2, 2^31-1], default 50: a non-numeric column with at most
 *  this many distinct values, each seen at least twice on average, is
 *  inferred categorical. @since 0.4 */
#define GENRE_SCHEMA_INFER_MAX_CATEGORIES 8
/** i64, range [2, 2^31-1], default 1000: inference refuses a label column
 *  with more distinct values (GENRE_E_SCHEMA: a continuous column named by
 *  mistake). @since 0.4 */
#define GENRE_SCHEMA_INFER_MAX_LABEL_CLASSES 9
/** i64, 0 (default) or 1: an odd cell of an inferred numeric column (text
 *  that is neither a number nor a missing marker) is an error
 *  (GENRE_E_NOT_A_NUMBER naming the file, line, column and value) instead
 *  of a missing cell. @since 0.4 */
#define GENRE_SCHEMA_INFER_STRICT 10

#define GENRE_UNSEEN_ERROR 0
#define GENRE_UNSEEN_RESERVED_CODE 1

/* ---- Reading progress phases (genre_dataset_schema_set_progress) -------- */
/** Bytes read from the file (genre_dataset_read_file() only): step = bytes
 *  read so far, total = the file's size, or -1 for a FIFO, device or stdin.
 *  Reported after each read of at most 1 MiB. */
#define GENRE_SCHEMA_PHASE_READ 1
/** Parsing the input: step 0 before the parse and step = total = the
 *  input's bytes (as read: compressed for gzip) once the table is built.
 *  Only these two: the parse may run on worker threads, where the hook is
 *  never called. */
#define GENRE_SCHEMA_PHASE_PARSE 2

/* ---- Imputation kinds --------------------------------------------------- */
/** Declared per column (genre_dataset_schema_set_impute()): leave missing
 *  cells missing. Also what genre_dataset_schema_get_impute() answers for a
 *  column that declares nothing. @since 0.4 */
#define GENRE_IMPUTE_NONE 0
/** The median of the fit rows (numeric). */
#define GENRE_IMPUTE_MEDIAN 1
/** The mean of the fit rows (numeric). */
#define GENRE_IMPUTE_MEAN 2
/** The most frequent value of the fit rows (numeric: the value; categorical:
 *  the category); ties go to the smallest value, or the smallest code.
 *  @since 0.4 */
#define GENRE_IMPUTE_MOST_FREQUENT 3
/** The median of the row's group in the fit rows, else the global median
 *  (numeric; the schema's group column). @since 0.4 */
#define GENRE_IMPUTE_GROUP_MEDIAN 4
/** A caller's model (numeric; genre_dataset_prep_add_declared()). @since 0.4 */
#define GENRE_IMPUTE_MODEL 5

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
/* Schema                                                                   */
/* ======================================================================== */

/**
 * Creates an empty schema (no columns; the empty string is not a missing
 * marker until declared; record limit 1 MiB; input limit 16 GiB; unseen
 * categories are errors; reader threads 0 = the online cores).
 * @param[out] out receives the schema; free it with genre_dataset_schema_free().
 * @return GENRE_OK, GENRE_E_INVALID_ARG (out NULL), GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_dataset_schema_create(genre_dataset_schema **out);

/**
 * Creates the schema of the "Prediction of Music Genre" table
 * (data/music_genre.csv.gz): 13 numeric features, `key` and `mode`
 * categorical with fixed orders (key C, C#, D, D#, E, F, F#, G, G#, A, A#, B
 * -> 0..11; mode Minor 0, Major 1), `music_genre` the label in the order
 * Electronic, Anime, Jazz, Alternative, Country, Rap, Blues, Rock,
 * Classical, Hip-Hop (0..9), `artist_name` the group key with
 * `empty_field` meaning "no group", `track_name` text, `instance_id` and
 * `obtained_date` ignored; missing markers: empty in every column, `?` in
 * `tempo`, the value -1 in `duration_ms`. Since 0.4 it also declares
 * `duration_ms` group-median and `tempo` model imputation
 * (genre_dataset_prep_add_declared()); reading is unchanged.
 * @param[out] out receives the schema; free it with genre_dataset_schema_free().
 * @return GENRE_OK, GENRE_E_INVALID_ARG, GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_dataset_schema_create_music_genre(genre_dataset_schema **out);

/** Frees a schema; NULL is a no-op. Datasets read with it keep their own copy.
 *  Needs exclusive access. @since 0.1 */
GENRE_API void genre_dataset_schema_free(genre_dataset_schema *schema);

/**
 * Declares a column, found in the file by its exact header name.
 * Header columns the schema does not name are checked for syntax and skipped.
 * @param[in,out] schema the schema.
 * @param[in] name  header text (UTF-8, copied).
 * @param[in] role  a GENRE_COL_* value.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, unknown role, a second label
 *         or group column); GENRE_E_DUPLICATE_COLUMN (name already declared);
 *         GENRE_E_NOMEM.
 * Needs exclusive access to the schema. @since 0.1
 */
GENRE_API genre_status genre_dataset_schema_add_column(genre_dataset_schema *schema,
                                                       const char *name, int32_t role);

/**
 * Declares a text that marks a missing value. Only declared markers are
 * missing: other non-numeric text in a numeric column is an error.
 * @param[in] column a declared column, or NULL for every column.
 * @param[in] text   the exact field text (after CSV unquoting), e.g. "" or "?".
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL text);
 *         GENRE_E_MISSING_COLUMN (column not declared); GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_dataset_schema_add_missing_text(genre_dataset_schema *schema,
                                                             const char *column,
                                                             const char *text);

/**
 * Declares a numeric sentinel that marks a missing value in a numeric
 * column (e.g. duration_ms == -1): any spelling that parses to this value
 * ("-1", "-1.0", "-1e0") is missing.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, non-finite value, column not
 *         numeric); GENRE_E_MISSING_COLUMN (column not declared); GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_dataset_schema_add_missing_value(genre_dataset_schema *schema,
                                                              const char *column,
                                                              double value);

/**
 * Names the value of the group column that means "no group" (e.g.
 * `empty_field` for artists): such rows, like rows with a missing group,
 * are singletons, never one big group.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_BAD_STATE (no group
 *         column declared yet); GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_dataset_schema_set_no_group(genre_dataset_schema *schema,
                                                         const char *value);

/**
 * Fixes the ordinal order of a categorical or label column: names[i]
 * gets code i. Without a fixed order, codes follow the byte order of the
 * names seen in the fit rows. Names are copied. The order is the column's
 * whole set of categories: under GENRE_UNSEEN_ERROR (the default) a read
 * with this schema fails at the first other value
 * (GENRE_SCHEMA_UNSEEN_CATEGORY).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, n == 0, n > 2^31-1, a
 *         repeated name, column neither categorical nor label);
 *         GENRE_E_MISSING_COLUMN; GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_dataset_schema_set_category_order(genre_dataset_schema *schema,
                                                               const char *column,
                                                               const char *const *names,
                                                               size_t n);

/**
 * Sets an integer option (GENRE_SCHEMA_*). Takes effect at the next read
 * with this schema.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (schema NULL, value outside the
 *         key's range or values: never clamped); GENRE_E_UNKNOWN_PARAM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_dataset_schema_set_i64(genre_dataset_schema *schema,
                                                    int32_t key, int64_t value);

/**
 * Sets a real option. The schema has no f64 key today: every key is
 * GENRE_E_UNKNOWN_PARAM (the call exists so every handle kind answers the
 * same calls).
 * @return GENRE_E_INVALID_ARG (schema NULL); GENRE_E_UNKNOWN_PARAM.
 * Needs exclusive access. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_set_f64(genre_dataset_schema *schema,
                                                    int32_t key, double value);

/**
 * Reads an integer option (GENRE_SCHEMA_*).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (schema or out NULL);
 *         GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_get_i64(const genre_dataset_schema *schema,
                                                    int32_t key, int64_t *out);

/**
 * Reads a real option. The schema has no f64 key today: every key is
 * GENRE_E_UNKNOWN_PARAM.
 * @return GENRE_E_INVALID_ARG (schema or out NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_get_f64(const genre_dataset_schema *schema,
                                                    int32_t key, double *out);

/**
 * The inclusive range an option accepts, as doubles (no handle needed);
 * GENRE_SCHEMA_UNSEEN_CATEGORY answers its smallest and largest value.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (lo or hi NULL);
 *         GENRE_E_UNKNOWN_PARAM.
 * Thread-safe. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_param_bounds(int32_t key, double *lo, double *hi);

/**
 * The values an enumerated option accepts, ascending, into out[cap]:
 * GENRE_SCHEMA_UNSEEN_CATEGORY answers GENRE_UNSEEN_ERROR and
 * GENRE_UNSEEN_RESERVED_CODE; the other options are ranges and answer
 * *n_values = 0.
 * @param[out] out      may be NULL with cap 0: a size query.
 * @param[out] n_values receives the number of values.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (n_values NULL);
 *         GENRE_E_UNKNOWN_PARAM; GENRE_E_BUFFER_TOO_SMALL (out NULL or cap
 *         below *n_values).
 * Thread-safe. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_param_values(int32_t key, int64_t *out, size_t cap,
                                                         size_t *n_values);

/**
 * Puts every option back to its default; columns, markers, the no-group
 * value, category orders and the hooks are kept.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (schema NULL).
 * Needs exclusive access. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_reset_params(genre_dataset_schema *schema);

/**
 * Sets the log callback of reads with this schema (genre_dataset_read_file(),
 * genre_dataset_read_memory()); fn NULL makes them silent. Each successful
 * read sends one GENRE_LOG_INFO notice: the records read and that none was
 * dropped, with the count and first line of blank records (every field
 * empty), which are kept as all-missing rows for
 * genre_dataset_drop_empty_rows(). Copies of the schema (in a dataset or a
 * preparation) do not carry the hook. fn and user_data must stay valid
 * while reads use the schema; reads on several threads with one schema
 * call fn concurrently.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (schema NULL).
 * Needs exclusive access. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_set_log(genre_dataset_schema *schema,
                                                    genre_log_fn fn, void *user_data);

/**
 * Sets the progress callback of reads with this schema (phases
 * GENRE_SCHEMA_PHASE_READ and GENRE_SCHEMA_PHASE_PARSE, step and total in
 * bytes of input, objective NaN); fn NULL removes it. A non-zero return
 * cancels the read: it returns GENRE_E_CANCELLED and *out stays NULL.
 * fn is called on the thread that called the read; reads on several
 * threads with one schema call it concurrently.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (schema NULL).
 * Needs exclusive access. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_set_progress(genre_dataset_schema *schema,
                                                         genre_progress_fn fn,
                                                         void *user_data);

/* ======================================================================== */
/* Schema inference                                                         */
/* ======================================================================== */

/**
 * Proposes a schema for a labelled CSV table, the way a careful user would
 * write one, from the table itself (plain or gzip; a regular file, a FIFO,
 * a character device or "/dev/stdin", as genre_dataset_read_file()).
 *
 * The records are read with the reader's own tokenizer (RFC 4180, CRLF or
 * LF, a UTF-8 BOM skipped, the separator given or detected by
 * GENRE_SCHEMA_SEPARATOR), all of them or the first
 * GENRE_SCHEMA_INFER_MAX_ROWS. Blank records (every field empty) are
 * skipped. Every header column gets a role, in header order:
 *
 * - **label**: the column named `label`. More than
 *   GENRE_SCHEMA_INFER_MAX_LABEL_CLASSES distinct values is refused. When
 *   every value is a number, the values are declared as its category order
 *   in numeric order (genre_dataset_schema_set_category_order()); string
 *   labels get no order.
 * - **numeric**: at least one number, and the cells that are neither a
 *   number nor a missing marker ("odd cells") are at most 1 % of the
 *   column's cells and at most 100 distinct texts. Each odd text becomes
 *   a missing marker of the column, and each odd cell a note; under
 *   GENRE_SCHEMA_INFER_STRICT the first one is an error instead.
 *   Numbers are parsed as the reader parses them (locale-independent:
 *   '.' decimals, no thousands separators, no blanks around them); cells
 *   written with one comma instead ("1,5" with a decimal comma, "1,000")
 *   are texts, and the column's note counts them ("N cells are numbers
 *   written with a comma ...") so the user can convert the file.
 * - **categorical**: a non-numeric column with at most
 *   GENRE_SCHEMA_INFER_MAX_CATEGORIES distinct values, seen at least twice
 *   on average (distinct x 2 <= cells present); an integer column the same
 *   way only with GENRE_SCHEMA_INFER_INTEGER_CATEGORIES.
 * - **text**: a non-numeric column with more distinct values whose words
 *   recur: at least 2, and at least a tenth, of its distinct values share a
 *   word with another value (titles, names, file names such as
 *   `blues.00012.wav`). A word is a run of two or more letters (any
 *   non-ASCII byte counts as a letter), compared ignoring ASCII case, or a
 *   letter-digit mix of at most 4 characters (`mp3`); digit runs, longer
 *   mixes and hex hashes or UUIDs have no words.
 * - **ignore**: every cell missing; a constant (one distinct value); a
 *   running integer id (no missing cell, each value the previous plus one,
 *   or minus one, at least 3 rows); a shuffled integer id (at least 100
 *   rows, every cell an integer, all distinct, max - min + 1 at most 4 x
 *   the rows); a non-numeric column that is none of the
 *   above (an id unique per row, hashes, UUIDs, dates with many values).
 *
 * Missing markers: the empty field and, ignoring ASCII case, `?` `NA`
 * `N/A` `#N/A` `<NA>` `NaN` `-NaN` `null` `none` `nil`, plus any text the
 * options schema declares missing for every column
 * (genre_dataset_schema_add_missing_text() with column NULL). Each spelling
 * met in a column is declared a missing marker of that column (every role
 * but ignore), so genre_dataset_read_file() with the result reads the same
 * records with those cells missing.
 *
 * The new schema holds the options' values of every GENRE_SCHEMA_* key,
 * except GENRE_SCHEMA_SEPARATOR, which is the separator used (never 0),
 * and the options' every-column markers. genre_dataset_schema_infer_notes()
 * gives what inference saw. Inference runs on the calling thread and costs
 * about as much as reading the table.
 *
 * Every failure message names this function, the file and, where they
 * apply, the line, column and value.
 *
 * @param[out] out     receives the schema; free it with
 *                     genre_dataset_schema_free(). NULL on failure.
 * @param[in]  options NULL for the defaults, or a schema without columns
 *                     whose options (GENRE_SCHEMA_*, limits, separator,
 *                     INFER_* keys) and every-column markers are used;
 *                     only read.
 * @param[in]  path    the file.
 * @param[in]  label   the label column's header name (UTF-8, exact).
 * @return GENRE_OK;
 *   GENRE_E_INVALID_ARG (out, path or label NULL; options with columns);
 *   GENRE_E_MISSING_COLUMN (no header column is named `label`: the message
 *     lists the header's columns, cut when long, and the separator);
 *   GENRE_E_SCHEMA (the label has more distinct values than
 *     GENRE_SCHEMA_INFER_MAX_LABEL_CLASSES, naming the column and the
 *     count, or no value at all, or a numeric label spells one number two
 *     ways, e.g. "1" and "1.0", which the reader would take as two classes);
 *   GENRE_E_NOT_A_NUMBER (GENRE_SCHEMA_INFER_STRICT: an odd cell of a
 *     numeric column, naming file, line, column and value);
 *   GENRE_E_EMPTY_INPUT; GENRE_E_NO_DATA_ROWS (a header and only blank
 *   records, or none); GENRE_E_DUPLICATE_COLUMN (a header name twice);
 *   and as genre_dataset_read_file() for the file and its syntax
 *   (GENRE_E_IO, GENRE_E_INPUT_TOO_LARGE, GENRE_E_PARSE,
 *   GENRE_E_RAGGED_ROW, GENRE_E_UNTERMINATED_QUOTE,
 *   GENRE_E_RECORD_TOO_LONG, GENRE_E_INVALID_UTF8, GENRE_E_CANCELLED by
 *   the options' progress callback while reading, GENRE_E_NOMEM).
 *   Records after GENRE_SCHEMA_INFER_MAX_ROWS are not checked: a read
 *   with the result may still fail there, naming the file and line.
 * Thread-safe (options is only read). @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_infer(genre_dataset_schema **out,
                                                  const genre_dataset_schema *options,
                                                  const char *path, const char *label);

/**
 * genre_dataset_schema_infer() on bytes in memory (plain or gzip).
 * @param[in] buf  the bytes; not kept. @param[in] len their count.
 * @param[in] name what messages and notes call the input; NULL means
 *                 "<memory>".
 * @return as genre_dataset_schema_infer(), without GENRE_E_IO.
 * Thread-safe. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_infer_memory(genre_dataset_schema **out,
                                                         const genre_dataset_schema *options,
                                                         const void *buf, size_t len,
                                                         const char *name, const char *label);

/**
 * What inference saw, NUL-terminated, one fact per line (each ends with a
 * newline):
 *
 *     column <name> <role> <reason...>[, <n> missing[ (empty <n>)][ marker "<text>"...]]
 *     odd_cell <file>:<line> <name> "<value>"
 *
 * first one `column` line per header column in header order, then one
 * `odd_cell` line per odd cell of a numeric column (by column, then line).
 * <role> is `numeric`, `categorical`, `text`, `ignore` or `label`; <name> is
 * bare unless it holds a space, quote, backslash or control byte, then it
 * is quoted like a value: in double quotes, with `\"` `\\` `\n` `\r`
 * `\t` and `\xHH` escapes. <line> is the real line of the file (quoted
 * line breaks counted). Empty ("") for a schema that was not inferred:
 * copies of an inferred schema carry no notes.
 * @param[out] buf    destination, or NULL to ask for the size.
 * @param[in]  cap    bytes available at buf.
 * @param[out] needed receives the bytes needed including the NUL; may be NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (schema NULL);
 *         GENRE_E_BUFFER_TOO_SMALL (buf non-NULL and cap < needed; nothing
 *         written).
 * Thread-safe on a const handle. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_infer_notes(const genre_dataset_schema *schema,
                                                        char *buf, size_t cap, size_t *needed);

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
GENRE_API genre_status genre_dataset_read_file(genre_dataset **out,
                                               const genre_dataset_schema *schema,
                                               const char *path);

/**
 * genre_dataset_read_file() on bytes in memory (plain or gzip).
 * @param[in] buf  the bytes; not kept.
 * @param[in] len  their count.
 * @param[in] name what error messages call the input; NULL means "<memory>".
 * @return as genre_dataset_read_file(), without GENRE_E_IO.
 * Thread-safe for distinct outputs. @since 0.1
 */
GENRE_API genre_status genre_dataset_read_memory(genre_dataset **out,
                                                 const genre_dataset_schema *schema,
                                                 const void *buf, size_t len,
                                                 const char *name);

/** Frees a table; NULL is a no-op. Needs exclusive access. @since 0.1 */
GENRE_API void genre_dataset_free(genre_dataset *ds);

/**
 * Reads an integer property (GENRE_DATASET_*).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_dataset_get_i64(const genre_dataset *ds, int32_t key,
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
GENRE_API genre_status genre_dataset_report_value(const genre_dataset *ds, const char *step,
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
GENRE_API genre_status genre_dataset_report_text(const genre_dataset *ds, char *buf,
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
GENRE_API genre_status genre_dataset_drop_empty_rows(genre_dataset *ds);

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
 * Needs exclusive access. @since 0.4
 */
GENRE_API genre_status genre_dataset_prep_set_i64(genre_dataset_prep *prep, int32_t key,
                                                  int64_t value);

/**
 * Sets a real parameter; as genre_dataset_prep_set_i64(), every key is
 * GENRE_E_UNKNOWN_PARAM.
 * @return GENRE_E_INVALID_ARG (prep NULL); GENRE_E_UNKNOWN_PARAM.
 * Needs exclusive access. @since 0.4
 */
GENRE_API genre_status genre_dataset_prep_set_f64(genre_dataset_prep *prep, int32_t key,
                                                  double value);

/**
 * Reads an integer parameter; every key is GENRE_E_UNKNOWN_PARAM.
 * @return GENRE_E_INVALID_ARG (prep or out NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 0.4
 */
GENRE_API genre_status genre_dataset_prep_get_i64(const genre_dataset_prep *prep, int32_t key,
                                                  int64_t *out);

/**
 * Reads a real parameter; every key is GENRE_E_UNKNOWN_PARAM.
 * @return GENRE_E_INVALID_ARG (prep or out NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 0.4
 */
GENRE_API genre_status genre_dataset_prep_get_f64(const genre_dataset_prep *prep, int32_t key,
                                                  double *out);

/**
 * A settable key's inclusive range; every key is GENRE_E_UNKNOWN_PARAM.
 * @return GENRE_E_INVALID_ARG (lo or hi NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe. @since 0.4
 */
GENRE_API genre_status genre_dataset_prep_param_bounds(int32_t key, double *lo, double *hi);

/**
 * An enumerated key's values; every key is GENRE_E_UNKNOWN_PARAM.
 * @return GENRE_E_INVALID_ARG (n_values NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe. @since 0.4
 */
GENRE_API genre_status genre_dataset_prep_param_values(int32_t key, int64_t *out, size_t cap,
                                                       size_t *n_values);

/**
 * Puts every parameter back to its default (there is none yet: the steps,
 * the log hook and a fitted state are kept).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (prep NULL).
 * Needs exclusive access. @since 0.4
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
 * Needs exclusive access. @since 0.4
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
 * Fits the encodings and every step on `ds` and applies them to it, step
 * by step (each step is fit on the output of the previous ones). Use it on
 * the training rows, then genre_dataset_prep_apply() on the test rows.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BAD_STATE (already
 *   fitted; a step finds no observed value; the table has blank rows);
 *   GENRE_E_SHAPE (table of another schema); GENRE_E_UNSEEN_CATEGORY (a
 *   value outside a fixed order under GENRE_UNSEEN_ERROR);
 *   GENRE_E_MISSING_VALUE (a model feature still missing);
 *   GENRE_E_NONFINITE (a prediction is NaN/Inf); a callback's status;
 *   GENRE_E_NOMEM. On failure prep stays unfitted; ds may be partly changed.
 * Needs exclusive access to both. @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_fit_apply(genre_dataset_prep *prep,
                                                    genre_dataset *ds);

/**
 * Applies a fitted preparation to another table of the same schema
 * (test rows, a new CSV). Statistics are never refit.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BAD_STATE (not fitted,
 *   already applied to ds, blank rows, a loaded model step whose predictor
 *   was not reattached); GENRE_E_SHAPE;
 *   GENRE_E_UNSEEN_CATEGORY; GENRE_E_MISSING_VALUE; GENRE_E_NONFINITE;
 *   a callback's status; GENRE_E_NOMEM.
 * Needs exclusive access to ds; prep is only read (but its predict
 * callback runs). @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_apply(const genre_dataset_prep *prep,
                                                genre_dataset *ds);

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
GENRE_API genre_status genre_dataset_prep_save(const genre_dataset_prep *prep, void *buf,
                                               size_t cap, size_t *written_or_needed);

/**
 * genre_dataset_prep_save() to a file, written whole or not at all; only a
 * regular file is replaced, a symlink is followed (genre/model.h).
 * @return as genre_dataset_prep_save(), plus GENRE_E_IO (also: path is not
 *         a regular file).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_save_file(const genre_dataset_prep *prep,
                                                    const char *path);

/**
 * Loads a fitted preparation saved by genre_dataset_prep_save(); it applies
 * to new tables of the same schema with genre_dataset_prep_apply().
 * @param[out] out receives it; free with genre_dataset_prep_free().
 * @param[in] buf the bytes, not kept; len their count.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_CORRUPT (bad container or
 *         an inconsistent payload); GENRE_E_VERSION; GENRE_E_MODEL_KIND;
 *         GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_load(genre_dataset_prep **out, const void *buf,
                                               size_t len);

/**
 * genre_dataset_prep_load() from a file (read as genre/model.h says).
 * @return as genre_dataset_prep_load(), plus GENRE_E_IO (also: path is
 *         neither a regular file nor a FIFO with a writer).
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_dataset_prep_load_file(genre_dataset_prep **out,
                                                    const char *path);

/**
 * Attaches (or replaces) the callbacks of the model-based imputation step of
 * `column`, e.g. after genre_dataset_prep_load(). `fit` may be NULL on a
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
/* Schema files and introspection                                          */
/* ======================================================================== */

/*
 * A schema file is the text form of a schema (format: docs/dataset.md,
 * "Schema files"; example: examples/music_genre.schema): one line per
 * column, `NAME TYPE [KEY=VALUE ...]`, a `*` line for what applies to every
 * column, `#` comments; inside quotes `""` is a quote and \n \r \t are
 * escapes. genre_dataset_schema_write() writes it and
 * genre_dataset_schema_parse() reads it back to the same schema: columns in
 * order with their roles, missing markers, missing sentinels, category
 * orders, display names, declared imputation, the no-group value and the
 * separator. The reading limits (GENRE_SCHEMA_MAX_RECORD_BYTES,
 * _MAX_INPUT_BYTES, _THREADS, _UNSEEN_CATEGORY) and the hooks are not part
 * of the file: a parsed schema has their defaults.
 */

/**
 * Builds a schema from the text of a schema file.
 * @param[out] out  receives the schema (free with genre_dataset_schema_free());
 *                  NULL on failure.
 * @param[in]  text the file's bytes, len of them; need not end in NUL (a NUL
 *                  byte inside is an error).
 * @param[in]  name what messages call the text, e.g. its path; NULL means
 *                  "<schema>".
 * @return GENRE_OK;
 *   GENRE_E_INVALID_ARG (out NULL, text NULL with len > 0);
 *   GENRE_E_PARSE (a line the format refuses: a NUL byte, an unterminated
 *     quote, an unknown type or option, an option the column's type does not
 *     take, a bad number, a repeated or second label/group column, ...):
 *     the message is "name:line: ..." with the real line (1-based) and the
 *     offending token;
 *   GENRE_E_SCHEMA (no column declared; `impute=group-median:C` where C is
 *     not the group column): "name: ...";
 *   GENRE_E_NOMEM.
 * Thread-safe. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_parse(genre_dataset_schema **out, const char *text,
                                                  size_t len, const char *name);

/**
 * genre_dataset_schema_parse() on a file's content; messages name path.
 * A schema file is small: over 1 MiB is refused.
 * @return as genre_dataset_schema_parse(), plus GENRE_E_IO (cannot open or
 *         read, a directory) and GENRE_E_INPUT_TOO_LARGE (over 1 MiB).
 * Thread-safe. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_read_file(genre_dataset_schema **out,
                                                      const char *path);

/**
 * Writes the schema as a schema file, NUL-terminated: a `*` line (markers of
 * every column, the separator when set), then one line per column in
 * declaration order. Names and values are quoted when they need it (blanks,
 * `"`, `,`, `:`, `=`, a leading `#`, empty, line breaks), with escapes
 * inside quotes, so parsing the text gives the same schema back.
 * @param[out] buf destination, or NULL to ask for the size; cap its bytes.
 * @param[out] needed receives the bytes needed including the NUL; may be NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (schema NULL);
 *         GENRE_E_BUFFER_TOO_SMALL (buf non-NULL and cap below
 *         the size; nothing useful written); GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_write(const genre_dataset_schema *schema, char *buf,
                                                  size_t cap, size_t *needed);

/**
 * The number of declared columns.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL).
 * Thread-safe on a const handle. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_column_count(const genre_dataset_schema *schema,
                                                         size_t *n);

/**
 * Column i (declaration order, 0-based): its name, NUL-terminated, and role.
 * @param[out] name destination or NULL for a size query; cap its bytes;
 *             needed receives the bytes needed including the NUL (may be NULL).
 * @param[out] role receives the GENRE_COL_* role; may be NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (schema NULL, i not below the column
 *         count); GENRE_E_BUFFER_TOO_SMALL (name non-NULL and cap too small).
 * Thread-safe on a const handle. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_column(const genre_dataset_schema *schema, size_t i,
                                                   char *name, size_t cap, size_t *needed,
                                                   int32_t *role);

/**
 * The number of categories of a column's declared order
 * (genre_dataset_schema_set_category_order()); 0 when it declares none (also
 * for columns that cannot have one).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_MISSING_COLUMN.
 * Thread-safe on a const handle. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_category_order_count(
    const genre_dataset_schema *schema, const char *column, size_t *n);

/**
 * Declares how genre_dataset_prep_add_declared() fills the missing cells of
 * a column (schema files: `impute=`).
 * @param[in] kind GENRE_IMPUTE_NONE (leave missing), _MEDIAN, _MEAN,
 *            _GROUP_MEDIAN or _MODEL (numeric columns), _MOST_FREQUENT
 *            (numeric or categorical).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, unknown kind, a kind the
 *         column's role does not take); GENRE_E_MISSING_COLUMN.
 * Needs exclusive access. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_set_impute(genre_dataset_schema *schema,
                                                       const char *column, int32_t kind);

/**
 * The imputation a column declares; GENRE_IMPUTE_NONE (0) both when it
 * declares `none` and when it declares nothing (genre_dataset_schema_write()
 * tells them apart: only the first writes `impute=none`; for the second,
 * genre_dataset_prep_add_declared() uses the default).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_MISSING_COLUMN.
 * Thread-safe on a const handle. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_get_impute(const genre_dataset_schema *schema,
                                                       const char *column, int32_t *kind);

/**
 * Gives values of a categorical or label column display names (e.g. a
 * numeric label 0..9 shown as genres; schema files: `names=0:Blues,1:Jazz`):
 * genre_dataset_prep_category_name() then answers names[i] for the category
 * values[i]. Reading and encoding still use the values. Replaces earlier
 * names of the column; both arrays are copied.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, n == 0, n > 2^31-1, a value
 *         given twice, column neither categorical nor label);
 *         GENRE_E_MISSING_COLUMN; GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.4
 */
GENRE_API genre_status genre_dataset_schema_set_category_names(genre_dataset_schema *schema,
                                                               const char *column,
                                                               const char *const *values,
                                                               const char *const *names,
                                                               size_t n);

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
 * Needs exclusive access. @since 0.4
 */
GENRE_API genre_status genre_dataset_prep_add_declared(genre_dataset_prep *prep,
                                                       genre_dataset_fit_fn fit,
                                                       genre_dataset_predict_fn predict,
                                                       void *user_data);

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
 * Thread-safe on a const ds. @since 0.1
 */
GENRE_API genre_status genre_dataset_split_stratified(genre_dataset_split **out,
                                                      const genre_dataset *ds,
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
 * Thread-safe on a const ds. @since 0.1
 */
GENRE_API genre_status genre_dataset_split_grouped(genre_dataset_split **out,
                                                   const genre_dataset *ds,
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
 * Thread-safe on a const ds. @since 0.4
 */
GENRE_API genre_status genre_dataset_split_stratified_fraction(genre_dataset_split **out,
                                                               const genre_dataset *ds,
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
 * Thread-safe on a const ds. @since 0.4
 */
GENRE_API genre_status genre_dataset_split_from_mask(genre_dataset_split **out,
                                                     const genre_dataset *ds,
                                                     const uint8_t *is_test, size_t n);

/**
 * The caller's split as a list of test rows (0-based indices into ds, as
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
 * Thread-safe on a const ds. @since 0.4
 */
GENRE_API genre_status genre_dataset_split_from_indices(genre_dataset_split **out,
                                                        const genre_dataset *ds,
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
 * A new table holding one side of a split of `ds`, in the split's order,
 * with a copy of ds's report plus "subset" "rows". Its rows keep ds's
 * input name and source lines, so messages about them name the original
 * file and line.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_SHAPE (split made on a
 *         table of another size); GENRE_E_NOMEM.
 * Thread-safe on a const ds. @since 0.1
 */
GENRE_API genre_status genre_dataset_subset(genre_dataset **out, const genre_dataset *ds,
                                            const genre_dataset_split *split, int32_t side);

/**
 * Leakage across a split of `ds`. Each output may be NULL.
 * @param[out] shared_groups   test groups that also occur in train.
 * @param[out] test_rows_in_train_groups test rows whose group occurs in train.
 * @param[out] duplicate_rows  test rows whose numeric and categorical
 *             values (missing equal to missing) equal some train row's.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_SHAPE; GENRE_E_NOMEM.
 * Thread-safe on a const ds. @since 0.1
 */
GENRE_API genre_status genre_dataset_leakage(const genre_dataset *ds,
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
GENRE_API genre_status genre_dataset_export_matrix(const genre_dataset *ds,
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
GENRE_API genre_status genre_dataset_export_labels(const genre_dataset *ds, int32_t *out,
                                                   size_t cap, size_t *needed);

/**
 * Copies group ids: rows of one group share an id in [0, n_groups); each
 * row without a group gets its own id after those, so the ids can be used
 * directly for group k-fold.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BAD_STATE (no group
 *         column); GENRE_E_BUFFER_TOO_SMALL.
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_dataset_export_groups(const genre_dataset *ds, int64_t *out,
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
GENRE_API genre_status genre_dataset_export_text(const genre_dataset *ds,
                                                 const char *column, char *buf,
                                                 size_t cap, size_t *needed,
                                                 size_t *offsets);

/* ======================================================================== */
/* Streaming reader (tables larger than memory)                             */
/* ======================================================================== */

/** A file read chunk by chunk (genre_dataset_reader_open()). */
typedef struct genre_dataset_reader genre_dataset_reader;
/** Record offsets of a plain CSV file (genre_dataset_index_build()). */
typedef struct genre_dataset_index genre_dataset_index;

/* Reader properties (genre_dataset_reader_get_i64()). */
/** Rows returned by genre_dataset_reader_next() so far. @since 0.4 */
#define GENRE_READER_ROWS 1
/** The file line of the next record (the line after the last one read). @since 0.4 */
#define GENRE_READER_LINE 2
/** The text offset of the next record: a byte offset of the file for
 *  plain input, of the inflated text for gzip. @since 0.4 */
#define GENRE_READER_OFFSET 3
/** Bytes read from the file so far (compressed for gzip; the reader reads
 *  ahead by up to 1 MiB). @since 0.4 */
#define GENRE_READER_INPUT_BYTES 4

/* Index properties (genre_dataset_index_get_i64()). */
/** Data records in the file (the header excluded). @since 0.4 */
#define GENRE_INDEX_RECORDS 1
/** The file's size when the index was built. @since 0.4 */
#define GENRE_INDEX_FILE_BYTES 2
/** One entry every this many records. @since 0.4 */
#define GENRE_INDEX_EVERY 3
/** Entries held: ceil(records / every). @since 0.4 */
#define GENRE_INDEX_ENTRIES 4
/** The byte offset of the first data record (after a byte-order mark and
 *  the header). @since 0.4 */
#define GENRE_INDEX_DATA_BEGIN 5

/**
 * Opens a CSV file (plain or gzip; a regular file, a FIFO, a character
 * device or "/dev/stdin") for reading in chunks with
 * genre_dataset_reader_next(). The header is read and checked here, once.
 * Chunks are tables exactly as genre_dataset_read_file() would build from
 * the same records: the same cleaning and missing markers, separator
 * (GENRE_SCHEMA_SEPARATOR, detected from the header when 0), messages and
 * the file's real line numbers ("file:line"); their concatenation is
 * read_file's table (category and text ids are per chunk, in
 * first-appearance order within it). gzip is inflated as a stream (zlib).
 * Memory: the current chunk's text and table plus one record and a 1 MiB
 * read-ahead, whatever the file's length; GENRE_SCHEMA_MAX_INPUT_BYTES does
 * not apply (GENRE_SCHEMA_MAX_RECORD_BYTES does).
 *
 * Where read_file, which holds the whole input before parsing, reports an
 * error of the input as a whole first (a NUL byte, a damaged gzip stream),
 * the reader reports it when it reaches it: the chunks before it are
 * returned. A record longer than GENRE_SCHEMA_MAX_RECORD_BYTES is
 * GENRE_E_RECORD_TOO_LONG at its first line, where read_file may name a
 * quoting error it finds past the limit inside that record.
 *
 * The schema is copied; its progress callback is kept (it must stay valid
 * while the reader is open) and receives GENRE_SCHEMA_PHASE_READ after each
 * read of at most 1 MiB (step: bytes read from the file, total: its size or
 * -1); its log callback is not used.
 *
 * @param[out] out    receives the reader; free it with
 *                    genre_dataset_reader_free().
 * @param[in]  schema the schema; copied.
 * @param[in]  path   the file.
 * @return GENRE_OK; the errors of genre_dataset_read_file() met in the
 *   header or the first bytes (GENRE_E_INVALID_ARG, GENRE_E_IO,
 *   GENRE_E_EMPTY_INPUT, GENRE_E_NO_DATA_ROWS, GENRE_E_DUPLICATE_COLUMN,
 *   GENRE_E_MISSING_COLUMN, GENRE_E_PARSE, GENRE_E_INVALID_UTF8,
 *   GENRE_E_RECORD_TOO_LONG, GENRE_E_UNTERMINATED_QUOTE, GENRE_E_CANCELLED,
 *   GENRE_E_NOMEM); never GENRE_E_INPUT_TOO_LARGE.
 * Thread-safe for distinct outputs (the schema is only read). One reader
 * belongs to one thread at a time. @since 0.4
 */
GENRE_API genre_status genre_dataset_reader_open(genre_dataset_reader **out,
                                                 const genre_dataset_schema *schema,
                                                 const char *path);

/**
 * genre_dataset_reader_open() for the data records of a plain regular
 * file that START in [begin_byte, end_byte): P readers over the ranges
 * [k * size / P, (k + 1) * size / P), k = 0..P-1, of a file of size bytes
 * return every data record exactly once between them (ranges that hold no
 * record start return none). Line numbers are the file's.
 *
 * With an index of this file (genre_dataset_index_build()), the reader
 * seeks to the last indexed record at or before begin_byte and passes the
 * records up to begin_byte by their quotes, so quoted fields may hold line
 * breaks. Without one (index NULL), the reader passes every record from the
 * header to begin_byte (one sequential read of that part, not parsed) and
 * requires that no record it passes or reads holds a line break inside
 * quotes: the first one is GENRE_E_UNSUPPORTED naming its line, so when
 * every range reader of a file succeeds, the ranges were cut at records.
 *
 * @param[in] index an index of path, or NULL; only read, and not kept.
 * @return as genre_dataset_reader_open(), plus GENRE_E_INVALID_ARG
 *   (begin_byte > end_byte; an index of another file: its size or data
 *   start differ), GENRE_E_UNSUPPORTED (gzip input, not a regular file, a
 *   quoted line break without an index), GENRE_E_RECORD_TOO_LONG (a record
 *   passed to reach begin_byte).
 * Thread-safe for distinct outputs; several range readers may share one
 * index. @since 0.4
 */
GENRE_API genre_status genre_dataset_reader_open_range(genre_dataset_reader **out,
                                                       const genre_dataset_schema *schema,
                                                       const char *path, uint64_t begin_byte,
                                                       uint64_t end_byte,
                                                       const genre_dataset_index *index);

/**
 * The next chunk: a table of at most max_rows records (at least one), in
 * file order, with the "read" counters of the report (rows, blank_rows,
 * per column missing; groups and no_group_rows of the group column) for
 * this chunk. At the end of the input (or of the range) *out is NULL and
 * the return GENRE_OK, again on every later call.
 * @param[out] out receives the chunk (free it with genre_dataset_free()),
 *             or NULL at the end.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, max_rows 0); the reading
 *   errors of genre_dataset_read_file() (and of the range: GENRE_E_UNSUPPORTED),
 *   naming the file and real line; after any failure the reader is spent:
 *   GENRE_E_BAD_STATE.
 * Needs exclusive access to the reader. @since 0.4
 */
GENRE_API genre_status genre_dataset_reader_next(genre_dataset_reader *reader,
                                                 size_t max_rows, genre_dataset **out);

/**
 * genre_dataset_reader_next() building the chunk on the memory of the
 * previous one: a loop that hands each chunk back reads without allocating
 * its tables anew (their arrays and dictionaries keep their capacity).
 * @param[in,out] inout NULL or the chunk this reader returned last (by
 *   either function; the caller may have cleaned, imputed or encoded it):
 *   that table is consumed and *inout receives the next chunk, or NULL at
 *   the end (then free nothing). Any pointer into the old table (cell
 *   strings, exported views) is invalid afterwards.
 * @return as genre_dataset_reader_next(); GENRE_E_INVALID_ARG also when
 *   *inout is another table (it is then left as it was). On any other
 *   failure the old table is freed and *inout is NULL.
 * Needs exclusive access to the reader and the table. @since 0.4
 */
GENRE_API genre_status genre_dataset_reader_next_into(genre_dataset_reader *reader,
                                                      size_t max_rows, genre_dataset **inout);

/**
 * Reads a reader property (GENRE_READER_*).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 0.4
 */
GENRE_API genre_status genre_dataset_reader_get_i64(const genre_dataset_reader *reader,
                                                    int32_t key, int64_t *out);

/** Closes the file and frees the reader; NULL is a no-op. Chunks already
 *  returned stay valid. Needs exclusive access. @since 0.4 */
GENRE_API void genre_dataset_reader_free(genre_dataset_reader *reader);

/**
 * Builds the record index of a plain regular CSV file in one sequential
 * pass: the byte offset and line of data records 0, every, 2 * every, ...
 * Records are found by their quotes (a line feed after an even number of
 * quotes in the record ends it), without parsing the fields: a file that
 * genre_dataset_read_file() reads has a correct index, and a range reader
 * over a damaged one reports the damage where it reads it.
 * @param[out] out   receives the index; free it with
 *                   genre_dataset_index_free().
 * @param[in] schema the schema (the header is read and checked with it;
 *                   its progress callback sees GENRE_SCHEMA_PHASE_READ).
 * @param[in] every  entries every this many records (>= 1): a range reader
 *                   passes at most every - 1 records to reach its start.
 *                   The index takes 16 bytes per entry.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, every < 1); the errors of
 *   genre_dataset_reader_open_range() with index NULL except the quoted
 *   line break; GENRE_E_RECORD_TOO_LONG; GENRE_E_IO (also: the file changed
 *   size during the pass).
 * Thread-safe for distinct outputs. @since 0.4
 */
GENRE_API genre_status genre_dataset_index_build(genre_dataset_index **out,
                                                 const genre_dataset_schema *schema,
                                                 const char *path, int64_t every);

/**
 * Reads an index property (GENRE_INDEX_*).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 0.4
 */
GENRE_API genre_status genre_dataset_index_get_i64(const genre_dataset_index *index,
                                                   int32_t key, int64_t *out);

/**
 * Saves the index in the model container (kind GENRE_MODEL_DATASET_INDEX;
 * genre/model.h).
 * @param[out] buf destination or NULL for a size query; cap its size.
 * @param[out] written_or_needed receives the container's size in bytes.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BUFFER_TOO_SMALL (also for
 *   buf NULL); GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.4
 */
GENRE_API genre_status genre_dataset_index_save(const genre_dataset_index *index, void *buf,
                                                size_t cap, size_t *written_or_needed);

/**
 * genre_dataset_index_save() to a file, written whole or not at all
 * (genre/model.h).
 * @return as genre_dataset_index_save(), plus GENRE_E_IO.
 * Thread-safe on a const handle. @since 0.4
 */
GENRE_API genre_status genre_dataset_index_save_file(const genre_dataset_index *index,
                                                     const char *path);

/**
 * Loads an index saved by genre_dataset_index_save(). A range reader
 * checks it against the file (size and data start).
 * @param[out] out receives it; free with genre_dataset_index_free().
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_CORRUPT (bad container,
 *   or entries that are not increasing offsets and lines within the file);
 *   GENRE_E_VERSION; GENRE_E_MODEL_KIND; GENRE_E_NOMEM.
 * Thread-safe. @since 0.4
 */
GENRE_API genre_status genre_dataset_index_load(genre_dataset_index **out, const void *buf,
                                                size_t len);

/**
 * genre_dataset_index_load() from a file (read as genre/model.h says).
 * @return as genre_dataset_index_load(), plus GENRE_E_IO.
 * Thread-safe. @since 0.4
 */
GENRE_API genre_status genre_dataset_index_load_file(genre_dataset_index **out,
                                                     const char *path);

/** Frees an index; NULL is a no-op. Needs exclusive access. @since 0.4 */
GENRE_API void genre_dataset_index_free(genre_dataset_index *index);

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
 * Thread-safe for distinct outputs. @since 0.4
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
 * Needs exclusive access to p. @since 0.4
 */
GENRE_API genre_status genre_dataset_prep_partial_add(genre_dataset_prep_partial *p,
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
 * Needs exclusive access to into; from is only read. @since 0.4
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
 * Needs exclusive access. @since 0.4
 */
GENRE_API genre_status genre_dataset_prep_partial_end_pass(genre_dataset_prep_partial *p,
                                                           int *more);

/**
 * Fits prep from a finished state: afterwards prep is what
 * genre_dataset_prep_fit_apply() on the rows would have fitted (see the
 * type's notes), ready for genre_dataset_prep_apply() and saving.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BAD_STATE (prep fitted, or
 *   passes left); GENRE_E_SHAPE (a state of another schema or steps);
 *   GENRE_E_NOMEM (prep stays unfitted).
 * Needs exclusive access to prep; p is only read. @since 0.4
 */
GENRE_API genre_status genre_dataset_prep_fit_partial(genre_dataset_prep *prep,
                                                      const genre_dataset_prep_partial *p);

/**
 * Saves the state (model container, kind GENRE_MODEL_DATASET_PREP_PARTIAL)
 * into buf[cap]; *needed receives the size (when cap is too small, or buf
 * NULL, too, with GENRE_E_BUFFER_TOO_SMALL), as genre_metrics_partial_save().
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BUFFER_TOO_SMALL;
 *   GENRE_E_NOMEM. Thread-safe on a const state. @since 0.4
 */
GENRE_API genre_status genre_dataset_prep_partial_save(const genre_dataset_prep_partial *p,
                                                       void *buf, size_t cap, size_t *needed);

/**
 * Loads a saved state. Damaged, truncated or inconsistent bytes are
 * GENRE_E_CORRUPT; nothing is allocated beyond what the bytes hold.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_CORRUPT; GENRE_E_VERSION;
 *   GENRE_E_MODEL_KIND; GENRE_E_NOMEM. Thread-safe. @since 0.4
 */
GENRE_API genre_status genre_dataset_prep_partial_load(genre_dataset_prep_partial **out,
                                                       const void *buf, size_t len);

/** Frees a state; NULL is a no-op. Needs exclusive access. @since 0.4 */
GENRE_API void genre_dataset_prep_partial_free(genre_dataset_prep_partial *p);

GENRE_END_DECLS

#endif /* GENRE_DATASET_H */
