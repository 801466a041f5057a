/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/dataset_schema.h
 * @brief The dataset schema: what each CSV column is, what marks a missing
 *        value, the reading options, schema inference from a labelled
 *        table, and schema files.
 *
 * A ::genre_dataset_schema is built column by column
 * (genre_dataset_schema_create(), genre_dataset_schema_add_column(), ...),
 * taken ready-made (genre_dataset_schema_create_music_genre()), inferred
 * from a table (genre_dataset_schema_infer()) or read from a schema file
 * (genre_dataset_schema_load()). Tables are read with it
 * (genre_dataset_read(), genre/dataset.h; the streaming reader,
 * genre/dataset_reader.h) and preparations are made for it
 * (genre/dataset_prep.h). This header also defines the column roles, the
 * reading and inference options, the reading progress phases and the
 * imputation kinds a column declares. genre/dataset.h and genre/genre.h
 * include it.
 */
#ifndef GENRE_DATASET_SCHEMA_H
#define GENRE_DATASET_SCHEMA_H

#include <genre/common.h>
#include <genre/dataset_types.h>

GENRE_BEGIN_DECLS

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
 *  over 1 MiB (the streaming reader: to parse a chunk over 1 MiB, and one
 *  thread to inflate a gzip file ahead of the chunks): 0 =
 *  genre_default_threads() (the CPUs of the process's affinity mask), 1 =
 *  the calling thread only. The table read is identical for every value. */
#define GENRE_SCHEMA_THREADS 3

/** i64, range [1, 2^62], default 16 GiB (17179869184): the most bytes
 *  genre_dataset_read() and genre_dataset_read_from_memory() hold in
 *  memory, counted after gzip inflation (a gzip input's compressed bytes
 *  count too). A larger
 *  input fails with GENRE_E_INPUT_TOO_LARGE before it is parsed, and reading
 *  stops once the limit is passed (so an endless FIFO or device ends too). */
#define GENRE_SCHEMA_MAX_INPUT_BYTES 4

/* ---- Separator and schema inference options ---------------------------- */
/** i64, an enumeration (genre_dataset_schema_param_values()): 0 (the
 *  default), 9 (TAB), 44 (`,`) or 59 (`;`): the field separator of
 *  genre_dataset_read(), genre_dataset_read_from_memory() and
 *  genre_dataset_schema_infer(). 0 detects it from the header line: the
 *  most frequent of `,` `;` TAB outside quotes, ties in that order, none
 *  -> `,`. Quoting is RFC 4180 with the chosen separator. A file read with
 *  the wrong one has a single header column: the GENRE_E_MISSING_COLUMN
 *  message then names the separator the header holds. @since 1.0 */
#define GENRE_SCHEMA_SEPARATOR 5
/** i64, range [0, 2^62], default 0: genre_dataset_schema_infer() looks at
 *  the first N data records only (0 = every record). Later records are not
 *  read (a file far larger than memory is inferred from its start) nor
 *  checked: a reading with the inferred schema may still fail there.
 *  @since 1.0 */
#define GENRE_SCHEMA_INFER_MAX_ROWS 6
/** i64, 0 (default) or 1: inference makes an integer-valued column with at
 *  most GENRE_SCHEMA_INFER_MAX_CATEGORIES distinct values (each seen at
 *  least twice on average) categorical instead of numeric. @since 1.0 */
#define GENRE_SCHEMA_INFER_INTEGER_CATEGORIES 7
/** i64, range [2, 2^31-1], default 50: a non-numeric column with at most
 *  this many distinct values, each seen at least twice on average, is
 *  inferred categorical. @since 1.0 */
#define GENRE_SCHEMA_INFER_MAX_CATEGORIES 8
/** i64, range [2, 2^31-1], default 1000: inference refuses a label column
 *  with more distinct values (GENRE_E_SCHEMA: a continuous column named by
 *  mistake). @since 1.0 */
#define GENRE_SCHEMA_INFER_MAX_LABEL_CLASSES 9
/** i64, 0 (default) or 1: an odd cell of an inferred numeric column (text
 *  that is neither a number nor a missing marker) is an error
 *  (GENRE_E_NOT_A_NUMBER naming the file, line, column and value) instead
 *  of a missing cell. @since 1.0 */
#define GENRE_SCHEMA_INFER_STRICT 10

#define GENRE_UNSEEN_ERROR 0
#define GENRE_UNSEEN_RESERVED_CODE 1

/* ---- Reading progress phases (genre_dataset_schema_set_progress) -------- */
/** Bytes read from the file (genre_dataset_read() only): step = bytes
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
 *  column that declares nothing. @since 1.0 */
#define GENRE_IMPUTE_NONE 0
/** The median of the fit rows (numeric). */
#define GENRE_IMPUTE_MEDIAN 1
/** The mean of the fit rows (numeric). */
#define GENRE_IMPUTE_MEAN 2
/** The most frequent value of the fit rows (numeric: the value; categorical:
 *  the category); ties go to the smallest value, or the smallest code.
 *  @since 1.0 */
#define GENRE_IMPUTE_MOST_FREQUENT 3
/** The median of the row's group in the fit rows, else the global median
 *  (numeric; the schema's group column). @since 1.0 */
#define GENRE_IMPUTE_GROUP_MEDIAN 4
/** A caller's model (numeric; genre_dataset_prep_add_declared()). @since 1.0 */
#define GENRE_IMPUTE_MODEL 5

/* ======================================================================== */
/* Schema                                                                   */
/* ======================================================================== */

/**
 * Creates an empty schema (no columns; the empty string is not a missing
 * marker until declared; record limit 1 MiB; input limit 16 GiB; unseen
 * categories are errors; reader threads 0 = genre_default_threads()).
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
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_dataset_schema_set_f64(genre_dataset_schema *schema,
                                                    int32_t key, double value);

/**
 * Reads an integer option (GENRE_SCHEMA_*).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (schema or out NULL);
 *         GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_dataset_schema_get_i64(const genre_dataset_schema *schema,
                                                    int32_t key, int64_t *out);

/**
 * Reads a real option. The schema has no f64 key today: every key is
 * GENRE_E_UNKNOWN_PARAM.
 * @return GENRE_E_INVALID_ARG (schema or out NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_dataset_schema_get_f64(const genre_dataset_schema *schema,
                                                    int32_t key, double *out);

/**
 * The inclusive range an option accepts, as doubles (no handle needed);
 * GENRE_SCHEMA_UNSEEN_CATEGORY answers its smallest and largest value.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (lo or hi NULL);
 *         GENRE_E_UNKNOWN_PARAM.
 * Thread-safe. @since 1.0
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
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_dataset_schema_param_values(int32_t key, int64_t *out, size_t cap,
                                                         size_t *n_values);

/**
 * Puts every option back to its default; columns, markers, the no-group
 * value, category orders and the hooks are kept.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (schema NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_dataset_schema_reset_params(genre_dataset_schema *schema);

/**
 * Sets the log callback of reads with this schema (genre_dataset_read(),
 * genre_dataset_read_from_memory()); fn NULL makes them silent. Each successful
 * read sends one GENRE_LOG_INFO notice: the records read and that none was
 * dropped, with the count and first line of blank records (every field
 * empty), which are kept as all-missing rows for
 * genre_dataset_drop_empty_rows(). Copies of the schema (in a dataset or a
 * preparation) do not carry the hook. fn and user_data must stay valid
 * while reads use the schema; reads on several threads with one schema
 * call fn concurrently.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (schema NULL).
 * Needs exclusive access. @since 1.0
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
 * Needs exclusive access. @since 1.0
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
 * a character device or "/dev/stdin", as genre_dataset_read()).
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
 *   column's cells (or a single cell, among at least 20 numbers: a small
 *   table's one typo) and at most 100 distinct texts. Each odd text becomes
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
 * but ignore), so genre_dataset_read() with the result reads the same
 * records with those cells missing.
 *
 * The new schema holds the options' values of every GENRE_SCHEMA_* key,
 * except GENRE_SCHEMA_SEPARATOR, which is the separator used (never 0),
 * and the options' every-column markers. genre_dataset_schema_infer_notes()
 * gives what inference saw. Inference reads the records as
 * genre_dataset_read() does, in parts on GENRE_SCHEMA_THREADS threads
 * above its part size (not with GENRE_SCHEMA_INFER_MAX_ROWS); the schema,
 * the notes and every message are those of a one-thread pass. It costs
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
 *   and as genre_dataset_read() for the file and its syntax
 *   (GENRE_E_IO, GENRE_E_INPUT_TOO_LARGE, GENRE_E_PARSE,
 *   GENRE_E_RAGGED_ROW, GENRE_E_UNTERMINATED_QUOTE,
 *   GENRE_E_RECORD_TOO_LONG, GENRE_E_INVALID_UTF8, GENRE_E_CANCELLED by
 *   the options' progress callback while reading, GENRE_E_NOMEM).
 *   Records after GENRE_SCHEMA_INFER_MAX_ROWS are not checked: a read
 *   with the result may still fail there, naming the file and line.
 * Thread-safe (options is only read). @since 1.0
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
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_dataset_schema_infer_from_memory(genre_dataset_schema **out,
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
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_dataset_schema_infer_notes(const genre_dataset_schema *schema,
                                                        char *buf, size_t cap, size_t *needed);

/* ======================================================================== */
/* Schema files and introspection                                          */
/* ======================================================================== */

/*
 * A schema file is the text form of a schema (format: docs/dataset.md,
 * "Schema files"; example: examples/music_genre.schema): one line per
 * column, `NAME TYPE [KEY=VALUE ...]`, a `*` line for what applies to every
 * column, `#` comments; inside quotes `""` is a quote and \n \r \t are
 * escapes. genre_dataset_schema_save_to_memory() writes it and
 * genre_dataset_schema_load_from_memory() reads it back to the same schema: columns in
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
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_dataset_schema_load_from_memory(genre_dataset_schema **out,
                                                             const char *text, size_t len,
                                                             const char *name);

/**
 * genre_dataset_schema_load_from_memory() on a file's content; messages name path.
 * A schema file is small: over 1 MiB is refused.
 * @return as genre_dataset_schema_load_from_memory(), plus GENRE_E_IO (cannot open or
 *         read, a directory) and GENRE_E_INPUT_TOO_LARGE (over 1 MiB).
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_dataset_schema_load(genre_dataset_schema **out, const char *path);

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
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_dataset_schema_save_to_memory(const genre_dataset_schema *schema,
                                                           char *buf, size_t cap, size_t *needed);

/**
 * The number of declared columns.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL).
 * Thread-safe on a const handle. @since 1.0
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
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_dataset_schema_column(const genre_dataset_schema *schema, size_t i,
                                                   char *name, size_t cap, size_t *needed,
                                                   int32_t *role);

/**
 * The number of categories of a column's declared order
 * (genre_dataset_schema_set_category_order()); 0 when it declares none (also
 * for columns that cannot have one).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_MISSING_COLUMN.
 * Thread-safe on a const handle. @since 1.0
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
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_dataset_schema_set_impute(genre_dataset_schema *schema,
                                                       const char *column, int32_t kind);

/**
 * The imputation a column declares; GENRE_IMPUTE_NONE (0) both when it
 * declares `none` and when it declares nothing (genre_dataset_schema_save_to_memory()
 * tells them apart: only the first writes `impute=none`; for the second,
 * genre_dataset_prep_add_declared() uses the default).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_MISSING_COLUMN.
 * Thread-safe on a const handle. @since 1.0
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
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_dataset_schema_set_category_names(genre_dataset_schema *schema,
                                                               const char *column,
                                                               const char *const *values,
                                                               const char *const *names,
                                                               size_t n);

GENRE_END_DECLS

#endif /* GENRE_DATASET_SCHEMA_H */
