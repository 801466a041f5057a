/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/text.h
 * @brief Hashed text features of short names (artist, track): word tokens
 *        and character n-grams, optional TF-IDF, as a sparse CSR matrix.
 *
 * A ::genre_text turns each row's names (one string per *field*, e.g.
 * field 0 the artist and field 1 the track name) into a sparse row of
 * hashed features, without a vocabulary:
 *
 * 1. **Decoding.** Each name is UTF-8. An invalid byte (a stray
 *    continuation byte, a truncated or overlong sequence, a surrogate or a
 *    value above U+10FFFF) becomes U+FFFD, one per invalid byte; such a name
 *    is counted (genre_text_count_issues(), GENRE_TEXT_FIT_INVALID_UTF8) and
 *    never fails the call. NULL and "" are empty names: counted, and they
 *    give no features.
 * 2. **Lower-casing** without a locale, by a fixed table: ASCII, Latin-1
 *    Supplement (U+00C0-U+00DE), Latin Extended-A (U+0100-U+017F; U+0130 to
 *    "i", U+017F long s to "s"), Greek (U+0386-U+03AB; final sigma U+03C2 to
 *    U+03C3) and Cyrillic (U+0400-U+042F, U+0460-U+04FF, U+0500-U+052F).
 *    Other code points are kept as they are.
 * 3. **Tokens** are maximal runs of *word characters*: ASCII letters and
 *    digits and every code point >= U+0080 except these separators: U+0080-
 *    U+00BF other than U+00AA, U+00B2, U+00B3, U+00B5, U+00B9, U+00BA
 *    (Latin-1 controls, spaces and punctuation), U+00D7, U+00F7, U+037E,
 *    U+0387, U+2000-U+206F (general punctuation and spaces), U+3000-U+303F,
 *    U+FE30-U+FE4F, U+FF00-U+FF0F, U+FF1A-U+FF20, U+FF3B-U+FF40,
 *    U+FF5B-U+FF65, U+FEFF and U+FFFD (so replaced bytes split tokens).
 *    Everything else (ASCII punctuation and spaces, control characters) is
 *    a separator.
 * 4. **Features** of one token t (code points c1..cm):
 *    - the word itself when GENRE_TEXT_WORDS is 1;
 *    - its character n-grams for n in [GENRE_TEXT_NGRAM_MIN,
 *      GENRE_TEXT_NGRAM_MAX] (0 and 0 turn them off) over " t " (one space
 *      of padding on each side), taken over whole code points, never bytes:
 *      like scikit-learn's `analyzer="char_wb"`, including its rule that a
 *      padded token shorter than n gives itself once and no longer n-grams
 *      (scikit-learn splits words at white space; we split at separators).
 * 5. **Hashing.** A feature's key is one byte 'w' (word) or 'c' (n-gram)
 *    followed by its lower-cased UTF-8 bytes; with GENRE_TEXT_LAYOUT_SHARED
 *    the key starts with one more byte, the field index (0-255). The hash is
 *    MurmurHash3_x86_32 (Austin Appleby's public-domain algorithm, little-
 *    endian reads on every platform, genre_text_hash()) of the key with the
 *    seed GENRE_TEXT_SEED. The bucket is hash % GENRE_TEXT_N_BUCKETS; with
 *    GENRE_TEXT_SIGNED the feature adds -1 when the hash's top bit is set,
 *    else +1 (scikit-learn's alternate_sign), otherwise always +1.
 * 6. **Columns.** GENRE_TEXT_LAYOUT_SEPARATE (default): field f's buckets
 *    are columns [f * n_buckets, (f + 1) * n_buckets), so the matrix has
 *    n_fields * n_buckets columns and an artist token never collides with a
 *    track token. GENRE_TEXT_LAYOUT_SHARED: all fields share n_buckets
 *    columns, their keys told apart by the field byte.
 * 7. **Weights.** Counts per (row, column) are summed; entries that cancel
 *    to exactly 0 (signed hashing) are dropped. Then optionally sublinear
 *    tf (v -> sign(v) (1 + ln|v|)), then optionally TF-IDF: v * idf(col)
 *    with idf = ln((1 + n) / (1 + df)) + 1 (GENRE_TEXT_SMOOTH_IDF, the
 *    default, scikit-learn's smooth_idf) or ln(n / df) + 1, where n is the
 *    number of rows given to genre_text_fit() and df the number of those
 *    rows with a non-zero entry in the column; a column never seen in fit
 *    gets the idf of df = 0 (smooth) or of df = 1 (plain). Finally, with
 *    GENRE_TEXT_NORMALIZE, every non-empty row is scaled to unit L2 norm.
 *
 * The output is CSR: row_ptr (size_t, n_rows + 1 entries, row_ptr[0] = 0),
 * col_idx (uint32_t, strictly increasing within a row) and values
 * (double), the types genre_mlp_fit_csr() takes (which accepts at most
 * 2^31 - 1 columns: keep n_fields * n_buckets plus any appended dense
 * columns below that for the MLP).
 * genre_text_csr_append_dense() appends dense columns (the 13 audio
 * features) to such a matrix.
 *
 * What genre_text_csr_append_dense() reads of the caller's CSR input, and
 * what it checks: it takes the entry count nnz, the length of col_idx and
 * values, and reads row_ptr[0 .. n_rows] (n_rows + 1 entries) and
 * col_idx[k] and values[k] for k < nnz only. Before writing anything but
 * out_row_ptr it checks, failing with GENRE_E_INVALID_ARG and a message
 * naming the row and the values: row_ptr[0] == 0, row_ptr non-decreasing
 * and never above nnz, row_ptr[n_rows] == nnz, nnz at most SIZE_MAX / 8,
 * col_idx and values not NULL when nnz > 0 and every col_idx < n_cols (the
 * same rule as the MLP's CSR calls); the values are copied as given
 * (duplicates, order and non-finite values included).
 *
 * genre_text_fit() only learns document frequencies (and the names'
 * counts); without TF-IDF fitting is still required (it fixes the number of
 * fields) but learns nothing else. Fit on the training rows only.
 *
 * **Log** (genre_text_set_log): fit sends GENRE_LOG_WARNING when
 * documents (rows) hold a name with invalid UTF-8, and GENRE_LOG_INFO when
 * documents are empty after tokenising (they give no feature: every name
 * NULL, "" or separators only, or signed counts that cancel), each with the
 * count and the first row. transform logs nothing (it may run concurrently).
 *
 * Threading: see genre/common.h. fit and the setters need exclusive
 * access; transform, the getters and save may run concurrently on one
 * fitted handle. @since 0.2
 */
#ifndef GENRE_TEXT_H
#define GENRE_TEXT_H

#include <genre/common.h>

GENRE_BEGIN_DECLS

/** A hashed text vectoriser. Opaque. */
typedef struct genre_text genre_text;

/* ---- Parameter keys (values frozen, new keys appended) ------------------ */
/** i64, range [0, 16], default 2: shortest character n-gram (0 with NGRAM_MAX 0: none). */
#define GENRE_TEXT_NGRAM_MIN 1
/** i64, range [0, 16], default 4: longest character n-gram; >= NGRAM_MIN, and 0
 *  only together with NGRAM_MIN 0 (checked at fit). */
#define GENRE_TEXT_NGRAM_MAX 2
/** i64, range [0, 1], default 1: hash whole word tokens too. */
#define GENRE_TEXT_WORDS 3
/** i64, range [1, 2^31], default 2^18: buckets per field (SEPARATE) or in all
 *  (SHARED); any value, a power of two is customary. */
#define GENRE_TEXT_N_BUCKETS 4
/** i64, range [0, 2^32 - 1], default 0: the hash seed. */
#define GENRE_TEXT_SEED 5
/** i64, range [0, 1], default 1: signed hashing (collisions cancel on average). */
#define GENRE_TEXT_SIGNED 6
/** i64, range [0, 1], default 1: multiply by the idf learnt in fit. */
#define GENRE_TEXT_TFIDF 7
/** i64, range [0, 1], default 0: replace a count v by sign(v) (1 + ln|v|). */
#define GENRE_TEXT_SUBLINEAR_TF 8
/** i64, range [0, 1], default 1: scale each non-empty row to unit L2 norm. */
#define GENRE_TEXT_NORMALIZE 9
/** i64, values GENRE_TEXT_LAYOUT_SEPARATE (0, the default) or
 *  GENRE_TEXT_LAYOUT_SHARED (1): an enumeration (genre_text_param_values()). */
#define GENRE_TEXT_LAYOUT 10
/** i64, range [0, 1], default 1: smooth idf, ln((1 + n) / (1 + df)) + 1. */
#define GENRE_TEXT_SMOOTH_IDF 11
/** i64, read-only after fit: output columns (n_fields * n_buckets or n_buckets). */
#define GENRE_TEXT_N_FEATURES 100
/** i64, read-only after fit: fields per row given to fit. */
#define GENRE_TEXT_N_FIELDS 101
/** i64, read-only after fit: rows given to fit. */
#define GENRE_TEXT_N_DOCUMENTS 102
/** i64, read-only after fit: names given to fit that held invalid UTF-8. */
#define GENRE_TEXT_FIT_INVALID_UTF8 103
/** i64, read-only after fit: empty (NULL or "") names given to fit. */
#define GENRE_TEXT_FIT_EMPTY 104
/** i64, read-only after fit: columns with a non-zero document frequency. */
#define GENRE_TEXT_N_SEEN_COLUMNS 105
/** i64, read-only: 1 once fitted (or loaded), else 0. */
#define GENRE_TEXT_FITTED 106

/** Field layouts (GENRE_TEXT_LAYOUT). */
#define GENRE_TEXT_LAYOUT_SEPARATE 0
#define GENRE_TEXT_LAYOUT_SHARED 1

/** The most fields per row. */
#define GENRE_TEXT_MAX_FIELDS 256

/**
 * MurmurHash3_x86_32 of len bytes with a seed: the hash every feature key
 * goes through, the same on every platform (golden values in the tests:
 * "" seed 0 -> 0, "" seed 1 -> 0x514e28b7, "hello" seed 0 -> 0x248bfa47).
 * @param[in] data may be NULL when len is 0.
 * @return the hash; 0 when data is NULL with len > 0.
 * Thread-safe. @since 0.2
 */
GENRE_API uint32_t genre_text_hash(const void *data, size_t len, uint32_t seed);

/**
 * Creates an unfitted vectoriser with the defaults above.
 * @param[out] out receives the handle; free it with genre_text_free().
 * @return GENRE_OK; GENRE_E_INVALID_ARG (out NULL); GENRE_E_NOMEM.
 * Thread-safe. @since 0.2
 */
GENRE_API genre_status genre_text_create(genre_text **out);

/** Frees a vectoriser; NULL is a no-op. Needs exclusive access. @since 0.2 */
GENRE_API void genre_text_free(genre_text *text);

/**
 * Sets an integer parameter (the GENRE_TEXT_* keys below 100). Takes effect
 * at the next fit; a fitted handle keeps transforming with the parameters
 * it was fitted with until then.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (t NULL, value outside the key's
 *         range or values: never clamped); GENRE_E_UNKNOWN_PARAM (unknown
 *         or read-only key).
 * Needs exclusive access. @since 0.2
 */
GENRE_API genre_status genre_text_set_i64(genre_text *text, int32_t key, int64_t value);

/**
 * Sets a real parameter. The vectoriser has no f64 key today: every key is
 * GENRE_E_UNKNOWN_PARAM (the call exists so every handle kind answers the
 * same calls).
 * @return GENRE_E_INVALID_ARG (text NULL); GENRE_E_UNKNOWN_PARAM.
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_text_set_f64(genre_text *text, int32_t key, double value);

/**
 * Reads a parameter (the value set for the next fit) or a fitted property.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (text or out NULL);
 *         GENRE_E_UNKNOWN_PARAM; GENRE_E_BAD_STATE (a fitted property of an
 *         unfitted handle).
 * Thread-safe on a const handle. @since 0.2
 */
GENRE_API genre_status genre_text_get_i64(const genre_text *text, int32_t key, int64_t *out);

/**
 * Reads a real parameter or fitted property. The vectoriser has no f64 key
 * today: every key is GENRE_E_UNKNOWN_PARAM.
 * @return GENRE_E_INVALID_ARG (text or out NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_text_get_f64(const genre_text *text, int32_t key, double *out);

/**
 * The inclusive range a settable key accepts, as doubles (no handle
 * needed); GENRE_TEXT_LAYOUT answers its smallest and largest value.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (lo or hi NULL);
 *         GENRE_E_UNKNOWN_PARAM (unknown or read-only key).
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_text_param_bounds(int32_t key, double *lo, double *hi);

/**
 * The values an enumerated key accepts, ascending, into out[cap]:
 * GENRE_TEXT_LAYOUT answers GENRE_TEXT_LAYOUT_SEPARATE and
 * GENRE_TEXT_LAYOUT_SHARED; every other key is a range (booleans are
 * [0, 1]) and answers *n_values = 0.
 * @param[out] out      may be NULL with cap 0: a size query.
 * @param[out] n_values receives the number of values.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (n_values NULL);
 *         GENRE_E_UNKNOWN_PARAM (unknown or read-only key);
 *         GENRE_E_BUFFER_TOO_SMALL (out NULL or cap below *n_values).
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_text_param_values(int32_t key, int64_t *out, size_t cap,
                                               size_t *n_values);

/**
 * Puts every settable key back to its default for the next fit; a fitted
 * handle keeps transforming with the parameters of its fit, and the log
 * hook is kept.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (text NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_text_reset_params(genre_text *text);

/**
 * Sets the log callback (see "Log" above); fn NULL makes the vectoriser
 * silent. fn and user_data must stay valid while the handle may log.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (text NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_text_set_log(genre_text *text, genre_log_fn fn, void *user_data);

/**
 * Learns the document frequencies of the hashed columns from n_rows rows
 * and fixes n_fields. A failed fit leaves the handle as it was.
 * @param[in] texts n_rows * n_fields UTF-8 strings, row-major
 *            (texts[i * n_fields + f]), each NUL-terminated or NULL (empty);
 *            not kept.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (text or texts NULL, n_rows 0,
 *         n_fields 0 or above GENRE_TEXT_MAX_FIELDS, n-gram range invalid,
 *         no features at all (no words and no n-grams), more than 2^32
 *         columns); GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.2
 */
GENRE_API genre_status genre_text_fit(genre_text *text, const char *const *texts, size_t n_rows,
                                      size_t n_fields);

/**
 * Writes the CSR matrix of n_rows rows. Call it with NULL col_idx and
 * values (or a short nnz_cap) to learn the number of stored entries in
 * *nnz_needed, then again with buffers that large.
 * @param[in] texts as genre_text_fit(); n_fields must equal the fit's.
 * @param[out] row_ptr n_rows + 1 entries, or NULL in a size query; filled
 *             whenever given, also when the call returns
 *             GENRE_E_BUFFER_TOO_SMALL.
 * @param[out] col_idx, values nnz_cap entries each.
 * @param[out] nnz_needed receives the number of entries when not NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (text or texts NULL, n_rows 0);
 *         GENRE_E_BAD_STATE (not fitted); GENRE_E_SHAPE (n_fields differs
 *         from fit); GENRE_E_BUFFER_TOO_SMALL (col_idx or values NULL, or
 *         nnz_cap too small); GENRE_E_NOMEM.
 * Thread-safe on a const fitted handle. @since 0.2
 */
GENRE_API genre_status genre_text_transform(const genre_text *text, const char *const *texts,
                                            size_t n_rows, size_t n_fields, size_t *row_ptr,
                                            uint32_t *col_idx, double *values,
                                            size_t nnz_cap, size_t *nnz_needed);

/**
 * Counts the names that would be replaced or empty, without a handle.
 * @param[in] texts n_rows * n_fields strings or NULLs, as genre_text_fit().
 * @param[out] invalid_utf8 names holding at least one invalid byte; may be NULL.
 * @param[out] empty names that are NULL or ""; may be NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (texts NULL with n_rows * n_fields > 0).
 * Thread-safe. @since 0.2
 */
GENRE_API genre_status genre_text_count_issues(const char *const *texts, size_t n_rows,
                                               size_t n_fields, int64_t *invalid_utf8,
                                               int64_t *empty);

/**
 * Appends dense columns to a CSR matrix: row i of the result holds row i of
 * (row_ptr, col_idx, values) followed by the n_dense values of x's row i as
 * columns n_cols .. n_cols + n_dense - 1. Every dense value is stored, zeros
 * included, so every row has the same number of dense entries.
 * @param[in] x n_rows x n_dense row-major, row_stride >= n_dense; finite.
 * @param[out] out_row_ptr n_rows + 1 entries (may be NULL in a size query).
 * @param[out] out_col_idx, out_values out_cap entries each.
 * @param[in] nnz the entries of the CSR input (col_idx and values hold nnz
 *            each).
 * @param[out] nnz_needed receives nnz + n_rows * n_dense.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (a NULL input, n_rows or n_dense
 *         0, row_stride < n_dense, n_cols + n_dense above 2^32, or a CSR
 *         structure error: row_ptr not starting at 0, decreasing or above
 *         nnz, row_ptr[n_rows] != nnz, a column index >= n_cols; see the CSR
 *         contract above); GENRE_E_NONFINITE (x: row, column, value);
 *         GENRE_E_BUFFER_TOO_SMALL.
 * Thread-safe. @since 0.2
 */
GENRE_API genre_status genre_text_csr_append_dense(size_t n_rows, size_t n_cols,
                                                   size_t nnz, const size_t *row_ptr,
                                                   const uint32_t *col_idx,
                                                   const double *values, const double *x,
                                                   size_t n_dense, size_t row_stride,
                                                   size_t *out_row_ptr, uint32_t *out_col_idx,
                                                   double *out_values, size_t out_cap,
                                                   size_t *nnz_needed);

/**
 * Saves a fitted vectoriser (parameters and idf) to a file, atomically,
 * replacing only a regular file (genre/model.h).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_BAD_STATE (not
 *         fitted); GENRE_E_IO (also: path is not a regular file);
 *         GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.2
 */
GENRE_API genre_status genre_text_save(const genre_text *text, const char *path);

/**
 * Saves a fitted vectoriser into buf; *written_or_needed always receives the
 * size, so buf NULL is a size query.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (text or written_or_needed NULL);
 *         GENRE_E_BAD_STATE; GENRE_E_BUFFER_TOO_SMALL; GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 0.2
 */
GENRE_API genre_status genre_text_save_to_memory(const genre_text *text, void *buf, size_t cap,
                                                 size_t *written_or_needed);

/**
 * Loads a vectoriser saved by genre_text_save().
 * @param[out] out receives a new handle (free with genre_text_free()).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_IO (also: path is
 *         neither a regular file nor a FIFO with a writer: genre/model.h);
 *         GENRE_E_CORRUPT; GENRE_E_VERSION; GENRE_E_MODEL_KIND; GENRE_E_NOMEM.
 * Thread-safe. @since 0.2
 */
GENRE_API genre_status genre_text_load(genre_text **out, const char *path);

/**
 * Loads a vectoriser from memory (buf is not kept). Statuses as
 * genre_text_load() without GENRE_E_IO. Thread-safe. @since 0.2
 */
GENRE_API genre_status genre_text_load_from_memory(genre_text **out, const void *buf,
                                                   size_t len);

GENRE_END_DECLS

#endif /* GENRE_TEXT_H */
