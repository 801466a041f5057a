/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Hashed text features (genre/text.h): the handle, its lifetime and
 * parameters, the fit (document frequencies and idf), the TF-IDF transform
 * to CSR rows and the model-file payload. Tokenising and hashing are
 * text_tokens.c and text_hash.c, the idf arithmetic text_idf.c, the CSR join
 * with dense columns text_csr.c. */

#include "text_private.h"

#include <genre/model.h>

#include "alloc.h"
#include "error_private.h"
#include "model_file.h"
#include "params.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_PAYLOAD_VERSION 1u
#define TAG_N_FIELDS 1u
#define TAG_N_DOCS 2u
#define TAG_FIT_INVALID 3u
#define TAG_FIT_EMPTY 4u
#define TAG_NGRAM_MIN 5u
#define TAG_NGRAM_MAX 6u
#define TAG_WORDS 7u
#define TAG_N_BUCKETS 8u
#define TAG_SEED 9u
#define TAG_SIGNED 10u
#define TAG_TFIDF 11u
#define TAG_SUBLINEAR 12u
#define TAG_NORMALIZE 13u
#define TAG_LAYOUT 14u
#define TAG_SMOOTH 15u
#define TAG_IDF_UNSEEN 16u
#define TAG_SEEN_COLS 17u /* bytes: n little-endian uint32, strictly increasing */
#define TAG_SEEN_IDF 18u

#define MAX_NGRAM 16

typedef struct params {
    int ngram_min, ngram_max, words, signed_hash, tfidf, sublinear, normalize, layout, smooth;
    uint64_t n_buckets;
    uint32_t seed;
} params;

struct genre_text {
    params next; /* what the next fit uses */
    params p;    /* what the fitted state was made with */
    int fitted;
    size_t n_fields;
    uint64_t n_features;
    int64_t n_docs, fit_invalid, fit_empty;
    size_t n_seen;
    uint32_t *seen_cols; /* sorted, with their idf */
    double *seen_idf;
    double idf_unseen;
    double *dense_idf; /* n_features entries when n_features <= DENSE_IDF_MAX, else NULL */
    genre__hooks hooks;
};

/* ---- Handle -------------------------------------------------------------- */

static genre_status read_only(const void *handle, const char *func, int32_t key, int64_t *i_out,
                              double *f_out)
{
    const genre_text *t = handle;
    (void)f_out; /* every text key is i64 */
    if (key == GENRE_TEXT_FITTED) {
        *i_out = t->fitted;
        return GENRE_OK;
    }
    if (!t->fitted)
        return genre__fail(GENRE_E_BAD_STATE, func, "the vectoriser is not fitted");
    switch (key) {
    case GENRE_TEXT_N_FEATURES: *i_out = (int64_t)t->n_features; break;
    case GENRE_TEXT_N_FIELDS: *i_out = (int64_t)t->n_fields; break;
    case GENRE_TEXT_N_DOCUMENTS: *i_out = t->n_docs; break;
    case GENRE_TEXT_FIT_INVALID_UTF8: *i_out = t->fit_invalid; break;
    case GENRE_TEXT_FIT_EMPTY: *i_out = t->fit_empty; break;
    default: *i_out = (int64_t)t->n_seen; break;
    }
    return GENRE_OK;
}

static const int64_t LAYOUTS[] = {GENRE_TEXT_LAYOUT_SEPARATE, GENRE_TEXT_LAYOUT_SHARED};

/* The parameters of the next fit (genre_text.next). */
static const genre__param text_params[] = {
    GENRE__I64(GENRE_TEXT_NGRAM_MIN, GENRE__SLOT_INT, params, ngram_min, 2, 0, MAX_NGRAM, "0.2"),
    GENRE__I64(GENRE_TEXT_NGRAM_MAX, GENRE__SLOT_INT, params, ngram_max, 4, 0, MAX_NGRAM, "0.2"),
    GENRE__I64(GENRE_TEXT_WORDS, GENRE__SLOT_INT, params, words, 1, 0, 1, "0.2"),
    GENRE__I64(GENRE_TEXT_N_BUCKETS, GENRE__SLOT_U64, params, n_buckets, (int64_t)1 << 18, 1,
               (int64_t)1 << 31, "0.2"),
    GENRE__I64(GENRE_TEXT_SEED, GENRE__SLOT_U32, params, seed, 0, 0, (int64_t)UINT32_MAX, "0.2"),
    GENRE__I64(GENRE_TEXT_SIGNED, GENRE__SLOT_INT, params, signed_hash, 1, 0, 1, "0.2"),
    GENRE__I64(GENRE_TEXT_TFIDF, GENRE__SLOT_INT, params, tfidf, 1, 0, 1, "0.2"),
    GENRE__I64(GENRE_TEXT_SUBLINEAR_TF, GENRE__SLOT_INT, params, sublinear, 0, 0, 1, "0.2"),
    GENRE__I64(GENRE_TEXT_NORMALIZE, GENRE__SLOT_INT, params, normalize, 1, 0, 1, "0.2"),
    GENRE__ENUM(GENRE_TEXT_LAYOUT, GENRE__SLOT_INT, params, layout, GENRE_TEXT_LAYOUT_SEPARATE,
                LAYOUTS, "0.2"),
    GENRE__I64(GENRE_TEXT_SMOOTH_IDF, GENRE__SLOT_INT, params, smooth, 1, 0, 1, "0.2"),
    GENRE__RO_I64(GENRE_TEXT_N_FEATURES, "0.2"),
    GENRE__RO_I64(GENRE_TEXT_N_FIELDS, "0.2"),
    GENRE__RO_I64(GENRE_TEXT_N_DOCUMENTS, "0.2"),
    GENRE__RO_I64(GENRE_TEXT_FIT_INVALID_UTF8, "0.2"),
    GENRE__RO_I64(GENRE_TEXT_FIT_EMPTY, "0.2"),
    GENRE__RO_I64(GENRE_TEXT_N_SEEN_COLUMNS, "0.2"),
    GENRE__RO_I64(GENRE_TEXT_FITTED, "0.2"),
};

const genre__param_table genre__text_param_table = {
    "text", text_params, sizeof text_params / sizeof text_params[0], read_only};
#define TABLE (&genre__text_param_table)

genre_status genre_text_create(genre_text **out)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    genre_text *t = GENRE_NEW(genre_text);
    if (!t)
        return GENRE_PASS(GENRE_E_NOMEM);
    genre__params_reset(TABLE, &t->next);
    genre__params_reset(TABLE, &t->p);
    *out = t;
    return GENRE_OK;
}

void genre_text_free(genre_text *t)
{
    if (!t)
        return;
    genre__free(t->seen_cols);
    genre__free(t->seen_idf);
    genre__free(t->dense_idf);
    genre__free(t);
}

/* Setters and getters work on the next fit's parameters; a fitted handle
 * keeps transforming with those of its fit (t->p). */
genre_status genre_text_set_i64(genre_text *t, int32_t key, int64_t value)
{
    GENRE_CHECK_NOT_NULL(t);
    return genre__params_set_i64(TABLE, &t->next, __func__, key, value);
}

genre_status genre_text_set_f64(genre_text *t, int32_t key, double value)
{
    GENRE_CHECK_NOT_NULL(t);
    return genre__params_set_f64(TABLE, &t->next, __func__, key, value);
}

genre_status genre_text_get_i64(const genre_text *t, int32_t key, int64_t *out)
{
    GENRE_CHECK_NOT_NULL(t);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_i64(TABLE, &t->next, t, __func__, key, out);
}

genre_status genre_text_get_f64(const genre_text *t, int32_t key, double *out)
{
    GENRE_CHECK_NOT_NULL(t);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_f64(TABLE, &t->next, t, __func__, key, out);
}

genre_status genre_text_param_bounds(int32_t key, double *lo, double *hi)
{
    GENRE_CHECK_NOT_NULL(lo);
    GENRE_CHECK_NOT_NULL(hi);
    return genre__params_bounds(TABLE, __func__, key, lo, hi);
}

genre_status genre_text_param_values(int32_t key, int64_t *out, size_t cap, size_t *n_values)
{
    GENRE_CHECK_NOT_NULL(n_values);
    return genre__params_values(TABLE, __func__, key, out, cap, n_values);
}

genre_status genre_text_reset_params(genre_text *t)
{
    GENRE_CHECK_NOT_NULL(t);
    genre__params_reset(TABLE, &t->next);
    return GENRE_OK;
}

genre_status genre_text_set_log(genre_text *t, genre_log_fn fn, void *user_data)
{
    GENRE_CHECK_NOT_NULL(t);
    t->hooks.log = fn;
    t->hooks.log_data = user_data;
    return GENRE_OK;
}

/* ---- Fit and transform ---------------------------------------------------- */

/* The hashing settings of parameters p. */
static genre__text_hashing hashing_of(const params *p)
{
    genre__text_hashing h = {.ngram_min = p->ngram_min,
                             .ngram_max = p->ngram_max,
                             .words = p->words,
                             .signed_hash = p->signed_hash,
                             .layout = p->layout,
                             .n_buckets = p->n_buckets,
                             .seed = p->seed};
    return h;
}

/* Documents (rows) of a fit that the log hook hears about. */
typedef struct doc_issues {
    size_t invalid, first_invalid; /* rows with a name holding invalid UTF-8 */
    size_t empty, first_empty;     /* rows that give no feature at all */
} doc_issues;

static void log_doc_issues(const genre_text *t, const doc_issues *d, size_t n_rows)
{
    if (d->invalid)
        genre__log(&t->hooks, GENRE_LOG_WARNING,
                   "genre_text_fit: %zu of %zu documents hold invalid UTF-8 (each invalid "
                   "byte became U+FFFD); the first is row %zu",
                   d->invalid, n_rows, d->first_invalid);
    if (d->empty)
        genre__log(&t->hooks, GENRE_LOG_INFO,
                   "genre_text_fit: %zu of %zu documents are empty after tokenising (no "
                   "feature); the first is row %zu",
                   d->empty, n_rows, d->first_empty);
}

genre_status genre_text_fit(genre_text *t, const char *const *texts, size_t n_rows,
                            size_t n_fields)
{
    GENRE_CHECK_NOT_NULL(t);
    GENRE_CHECK_NOT_NULL(texts);
    if (n_rows == 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "no rows to fit");
    if (n_fields == 0 || n_fields > GENRE_TEXT_MAX_FIELDS)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "n_fields must be in [1, %d], got %zu",
                          GENRE_TEXT_MAX_FIELDS, n_fields);
    if (n_rows > SIZE_MAX / n_fields)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "%zu rows x %zu fields is too large", n_rows,
                          n_fields);
    const params p = t->next;
    if (p.ngram_min > p.ngram_max || (p.ngram_min == 0 && p.ngram_max != 0))
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "the n-gram range [%d, %d] is invalid (min <= max, and 0 only as "
                          "[0, 0] for none)",
                          p.ngram_min, p.ngram_max);
    if (!p.words && p.ngram_max == 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "no features: GENRE_TEXT_WORDS is 0 and the n-gram range is [0, 0]");
    uint64_t n_features = p.layout == GENRE_TEXT_LAYOUT_SEPARATE
                              ? p.n_buckets * (uint64_t)n_fields
                              : p.n_buckets;
    if (n_features > COLS_LIMIT)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "%zu fields x %llu buckets is more than 2^32 columns", n_fields,
                          (unsigned long long)p.n_buckets);

    const genre__text_hashing h = hashing_of(&p);
    scratch s = {0};
    uint32_t *cols = NULL, *tmp = NULL, *seen = NULL, *count = NULL;
    double *idf = NULL;
    size_t n_cols = 0, cap = 0, n_seen = 0;
    int64_t n_invalid = 0, n_empty = 0;
    doc_issues docs = {0, 0, 0, 0};
    genre_status st = GENRE_E_NOMEM;
    /* Document frequencies: a dense counter when the columns are few enough,
     * else every row's columns collected and radix-sorted. */
    int dense = n_features <= DENSE_IDF_MAX;
    if (dense && !(count = genre__calloc_array((size_t)n_features, sizeof *count)))
        goto done;
    for (size_t i = 0; i < n_rows; i++) {
        int64_t invalid_before = n_invalid;
        if (genre__text_row_entries(&h, texts + i * n_fields, n_fields, &s, &n_invalid, &n_empty))
            goto done;
        if (n_invalid != invalid_before && docs.invalid++ == 0)
            docs.first_invalid = i;
        if (s.e_len == 0 && docs.empty++ == 0)
            docs.first_empty = i;
        if (dense) {
            for (size_t k = 0; k < s.e_len; k++)
                count[s.e[k].col]++;
            continue;
        }
        if (genre__text_grow(&cols, &cap, n_cols + s.e_len, sizeof *cols))
            goto done;
        for (size_t k = 0; k < s.e_len; k++)
            cols[n_cols++] = s.e[k].col;
    }
    if (dense) {
        for (uint64_t j = 0; j < n_features; j++)
            n_seen += count[j] != 0;
    } else {
        tmp = genre__alloc_array(n_cols, sizeof *tmp);
        if (!tmp)
            goto done;
        genre__text_radix_sort(cols, tmp, n_cols);
        for (size_t k = 0; k < n_cols; k++)
            n_seen += k == 0 || cols[k] != cols[k - 1];
    }
    seen = genre__alloc_array(n_seen, sizeof *seen);
    idf = genre__alloc_array(n_seen, sizeof *idf);
    if (!seen || !idf)
        goto done;
    size_t w = 0;
    if (dense) {
        for (uint64_t j = 0; j < n_features; j++)
            if (count[j]) {
                seen[w] = (uint32_t)j;
                idf[w++] = genre__text_idf(p.smooth, (int64_t)n_rows, count[j]);
            }
    } else {
        for (size_t k = 0; k < n_cols;) {
            uint32_t c = cols[k];
            int64_t df = 0;
            while (k < n_cols && cols[k] == c)
                k++, df++;
            seen[w] = c;
            idf[w++] = genre__text_idf(p.smooth, (int64_t)n_rows, df);
        }
    }
    double unseen = genre__text_idf(p.smooth, (int64_t)n_rows, p.smooth ? 0 : 1);
    int ok;
    double *table = genre__text_dense_idf(seen, idf, n_seen, n_features, unseen, &ok);
    if (!ok)
        goto done;
    genre__free(t->dense_idf);
    t->dense_idf = table;
    genre__free(t->seen_cols);
    genre__free(t->seen_idf);
    t->seen_cols = seen;
    t->seen_idf = idf;
    seen = NULL;
    idf = NULL;
    t->n_seen = n_seen;
    t->p = p;
    t->n_fields = n_fields;
    t->n_features = n_features;
    t->n_docs = (int64_t)n_rows;
    t->fit_invalid = n_invalid;
    t->fit_empty = n_empty;
    t->idf_unseen = unseen;
    t->fitted = 1;
    log_doc_issues(t, &docs, n_rows);
    st = GENRE_OK;
done:
    genre__text_scratch_free(&s);
    genre__free(cols);
    genre__free(tmp);
    genre__free(count);
    genre__free(seen);
    genre__free(idf);
    return GENRE_PASS(st);
}

static double lookup_idf(const genre_text *t, uint32_t col)
{
    if (t->dense_idf)
        return t->dense_idf[col];
    size_t lo = 0, hi = t->n_seen;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->seen_cols[mid] < col)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n_seen && t->seen_cols[lo] == col ? t->seen_idf[lo] : t->idf_unseen;
}

genre_status genre_text_transform(const genre_text *t, const char *const *texts,
                                  size_t n_rows, size_t n_fields, size_t *row_ptr,
                                  uint32_t *col_idx, double *values, size_t nnz_cap,
                                  size_t *nnz_needed)
{
    GENRE_CHECK_NOT_NULL(t);
    GENRE_CHECK_NOT_NULL(texts);
    if (!t->fitted)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the vectoriser is not fitted");
    if (n_rows == 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "no rows to transform");
    if (n_fields != t->n_fields)
        return GENRE_FAIL(GENRE_E_SHAPE, "%zu fields given but the vectoriser was fitted on %zu",
                          n_fields, t->n_fields);
    if (n_rows > SIZE_MAX / n_fields)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "%zu rows x %zu fields is too large", n_rows,
                          n_fields);
    const params *p = &t->p;
    const genre__text_hashing h = hashing_of(p);
    int write = col_idx != NULL && values != NULL;
    scratch s = {0};
    size_t nnz = 0;
    if (row_ptr)
        row_ptr[0] = 0;
    for (size_t i = 0; i < n_rows; i++) {
        if (genre__text_row_entries(&h, texts + i * n_fields, n_fields, &s, NULL, NULL)) {
            genre__text_scratch_free(&s);
            return GENRE_PASS(GENRE_E_NOMEM);
        }
        size_t m = s.e_len;
        if (write && nnz + m <= nnz_cap) {
            double ss = 0;
            for (size_t k = 0; k < m; k++) {
                double v = s.e[k].v;
                if (p->sublinear)
                    v = v > 0 ? 1.0 + log(v) : -(1.0 + log(-v));
                if (p->tfidf)
                    v *= lookup_idf(t, s.e[k].col);
                col_idx[nnz + k] = s.e[k].col;
                values[nnz + k] = v;
                ss += v * v;
            }
            if (p->normalize && ss > 0) {
                double inv = 1.0 / sqrt(ss);
                for (size_t k = 0; k < m; k++)
                    values[nnz + k] *= inv;
            }
        } else {
            write = 0;
        }
        nnz += m;
        if (row_ptr)
            row_ptr[i + 1] = nnz;
    }
    genre__text_scratch_free(&s);
    if (nnz_needed)
        *nnz_needed = nnz;
    if (col_idx == NULL || values == NULL || nnz > nnz_cap)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL,
                          "the CSR buffers hold %zu entries, %zu needed",
                          (col_idx && values) ? nnz_cap : (size_t)0, nnz);
    return GENRE_OK;
}

/* ---- Persistence --------------------------------------------------------- */

/* The codec's genre__mf_encode_fn (model_file.h): model is a fitted genre_text. */
static genre_status write_model(const void *model, genre__mf_writer *w)
{
    const genre_text *t = model;
    unsigned char *b = genre__alloc_array(t->n_seen, 4);
    if (!b)
        return GENRE_E_NOMEM;
    for (size_t k = 0; k < t->n_seen; k++) {
        uint32_t c = t->seen_cols[k];
        b[4 * k] = (unsigned char)c;
        b[4 * k + 1] = (unsigned char)(c >> 8);
        b[4 * k + 2] = (unsigned char)(c >> 16);
        b[4 * k + 3] = (unsigned char)(c >> 24);
    }
    const params *p = &t->p;
    genre__mf_put_i64(w, TAG_N_FIELDS, (int64_t)t->n_fields);
    genre__mf_put_i64(w, TAG_N_DOCS, t->n_docs);
    genre__mf_put_i64(w, TAG_FIT_INVALID, t->fit_invalid);
    genre__mf_put_i64(w, TAG_FIT_EMPTY, t->fit_empty);
    genre__mf_put_u32(w, TAG_NGRAM_MIN, (uint32_t)p->ngram_min);
    genre__mf_put_u32(w, TAG_NGRAM_MAX, (uint32_t)p->ngram_max);
    genre__mf_put_u32(w, TAG_WORDS, (uint32_t)p->words);
    genre__mf_put_i64(w, TAG_N_BUCKETS, (int64_t)p->n_buckets);
    genre__mf_put_u32(w, TAG_SEED, p->seed);
    genre__mf_put_u32(w, TAG_SIGNED, (uint32_t)p->signed_hash);
    genre__mf_put_u32(w, TAG_TFIDF, (uint32_t)p->tfidf);
    genre__mf_put_u32(w, TAG_SUBLINEAR, (uint32_t)p->sublinear);
    genre__mf_put_u32(w, TAG_NORMALIZE, (uint32_t)p->normalize);
    genre__mf_put_u32(w, TAG_LAYOUT, (uint32_t)p->layout);
    genre__mf_put_u32(w, TAG_SMOOTH, (uint32_t)p->smooth);
    genre__mf_put_f64(w, TAG_IDF_UNSEEN, t->idf_unseen);
    genre__mf_put_bytes(w, TAG_SEEN_COLS, b, 4 * t->n_seen);
    genre__free(b); /* the writer holds a copy */
    return genre__mf_put_f64_array(w, TAG_SEEN_IDF, t->seen_idf, t->n_seen);
}

static genre_status fitted_or_fail(const genre_text *t, const char *func)
{
    if (t == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 't' is NULL");
    if (!t->fitted)
        return genre__fail(GENRE_E_BAD_STATE, func, "the vectoriser is not fitted");
    return GENRE_OK;
}

/* The codec's genre__mf_decode_fn (model_file.h): dest is their
 * genre_text **out; r NULL only clears *out; the payload version is checked. */
static genre_status read_model(const genre__mf_reader *r, void *dest, const char *func)
{
    genre_text **out = dest;
    *out = NULL;
    if (r == NULL)
        return GENRE_OK;
    int64_t nf, nd, ninv, nemp, nb;
    uint32_t u[10];
    double idf_unseen;
    static const uint32_t utags[10] = {TAG_NGRAM_MIN, TAG_NGRAM_MAX, TAG_WORDS, TAG_SEED,
                                       TAG_SIGNED, TAG_TFIDF, TAG_SUBLINEAR, TAG_NORMALIZE,
                                       TAG_LAYOUT, TAG_SMOOTH};
    genre_status st;
    if ((st = genre__mf_get_i64(r, TAG_N_FIELDS, &nf)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_DOCS, &nd)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_FIT_INVALID, &ninv)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_FIT_EMPTY, &nemp)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_BUCKETS, &nb)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_IDF_UNSEEN, &idf_unseen)) != GENRE_OK)
        return st;
    for (int k = 0; k < 10; k++)
        if ((st = genre__mf_get_u32(r, utags[k], &u[k])) != GENRE_OK)
            return st;
    params p;
    p.ngram_min = (int)(u[0] & 0xff);
    p.ngram_max = (int)(u[1] & 0xff);
    p.words = (int)(u[2] & 1);
    p.seed = u[3];
    p.signed_hash = (int)(u[4] & 1);
    p.tfidf = (int)(u[5] & 1);
    p.sublinear = (int)(u[6] & 1);
    p.normalize = (int)(u[7] & 1);
    p.layout = (int)(u[8] & 1);
    p.smooth = (int)(u[9] & 1);
    int bad = nf < 1 || nf > GENRE_TEXT_MAX_FIELDS || nd < 1 || ninv < 0 || nemp < 0 ||
              nb < 1 || nb > ((int64_t)1 << 31) || u[0] > MAX_NGRAM || u[1] > MAX_NGRAM ||
              u[0] > u[1] || (u[0] == 0 && u[1] != 0) || u[2] > 1 || u[4] > 1 || u[5] > 1 ||
              u[6] > 1 || u[7] > 1 || u[8] > 1 || u[9] > 1 || (u[2] == 0 && u[1] == 0) ||
              !isfinite(idf_unseen) || !(idf_unseen > 0) ||
              ninv / nf > nd || nemp / nf > nd; /* nf >= 1 here: no overflow */
    size_t nbytes = 0, nidf = 0;
    if (!bad) {
        p.n_buckets = (uint64_t)nb;
        uint64_t n_features = p.layout == GENRE_TEXT_LAYOUT_SEPARATE ? p.n_buckets * (uint64_t)nf
                                                                     : p.n_buckets;
        bad = n_features > COLS_LIMIT ||
              genre__mf_get_count(r, TAG_SEEN_COLS, GENRE__MF_BYTES, &nbytes) != GENRE_OK ||
              genre__mf_get_count(r, TAG_SEEN_IDF, GENRE__MF_F64_ARRAY, &nidf) != GENRE_OK ||
              nbytes % 4 != 0 || nidf != nbytes / 4 || (uint64_t)nidf > n_features;
    }
    if (bad)
        return genre__fail(GENRE_E_CORRUPT, func,
                           "inconsistent text model: n_fields %lld, n_docs %lld, invalid %lld, "
                           "empty %lld, n_buckets %lld, n-grams %u to %u, %zu column bytes, "
                           "%zu idf values",
                           (long long)nf, (long long)nd, (long long)ninv, (long long)nemp,
                           (long long)nb, (unsigned)u[0], (unsigned)u[1], nbytes, nidf);
    genre_text *t;
    if ((st = genre_text_create(&t)) != GENRE_OK)
        return st;
    unsigned char *b = genre__alloc_array(nbytes, 1);
    t->seen_cols = genre__alloc_array(nidf, sizeof(uint32_t));
    t->seen_idf = genre__alloc_array(nidf, sizeof(double));
    if (!b || !t->seen_cols || !t->seen_idf) {
        genre__free(b);
        genre_text_free(t);
        return GENRE_E_NOMEM;
    }
    if ((st = genre__mf_get_bytes(r, TAG_SEEN_COLS, b, nbytes)) != GENRE_OK ||
        (st = genre__mf_get_f64_array(r, TAG_SEEN_IDF, t->seen_idf, nidf)) != GENRE_OK) {
        genre__free(b);
        genre_text_free(t);
        return st;
    }
    uint64_t n_features =
        p.layout == GENRE_TEXT_LAYOUT_SEPARATE ? p.n_buckets * (uint64_t)nf : p.n_buckets;
    for (size_t k = 0; k < nidf; k++) {
        uint32_t c = (uint32_t)b[4 * k] | (uint32_t)b[4 * k + 1] << 8 |
                     (uint32_t)b[4 * k + 2] << 16 | (uint32_t)b[4 * k + 3] << 24;
        t->seen_cols[k] = c;
        if ((uint64_t)c >= n_features || (k > 0 && c <= t->seen_cols[k - 1]) ||
            !isfinite(t->seen_idf[k]) || !(t->seen_idf[k] > 0)) {
            genre__free(b);
            genre_text_free(t);
            return genre__fail(GENRE_E_CORRUPT, func, "invalid idf entry %zu", k);
        }
    }
    genre__free(b);
    int ok;
    t->dense_idf = genre__text_dense_idf(t->seen_cols, t->seen_idf, nidf, n_features, idf_unseen, &ok);
    if (!ok) {
        genre_text_free(t);
        return GENRE_E_NOMEM;
    }
    t->n_seen = nidf;
    t->p = p;
    t->next = p;
    t->n_fields = (size_t)nf;
    t->n_features = n_features;
    t->n_docs = nd;
    t->fit_invalid = ninv;
    t->fit_empty = nemp;
    t->idf_unseen = idf_unseen;
    t->fitted = 1;
    *out = t;
    return GENRE_OK;
}

static const genre__mf_codec codec = {GENRE_MODEL_TEXT, TEXT_PAYLOAD_VERSION, "text", write_model,
                                      read_model};

genre_status genre_text_save(const genre_text *t, const char *path)
{
    genre_status st = fitted_or_fail(t, __func__);
    return st ? st : genre__mf_save_file(__func__, t, path, &codec);
}

genre_status genre_text_save_to_memory(const genre_text *t, void *buf, size_t cap,
                                       size_t *written_or_needed)
{
    genre_status st = fitted_or_fail(t, __func__);
    return st ? st : genre__mf_save_memory(__func__, t, buf, cap, written_or_needed, &codec);
}

genre_status genre_text_load_from_memory(genre_text **out, const void *buf, size_t len)
{
    return genre__mf_load_memory(__func__, out, buf, len, &codec);
}

genre_status genre_text_load(genre_text **out, const char *path)
{
    return genre__mf_load_file(__func__, out, path, &codec);
}
