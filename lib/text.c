/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Hashed text features (genre/text.h): UTF-8 decoding with replacement,
 * table-driven lower-casing, letter/digit tokens, char_wb n-grams over code
 * points, MurmurHash3_x86_32, TF-IDF, CSR output. */

#include <genre/text.h>
#include <genre/model.h>

#include "alloc.h"
#include "error_private.h"
#include "linalg.h"
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
/* Up to this many columns (32 MiB of doubles) idf is also kept as a dense table. */
#define DENSE_IDF_MAX ((uint64_t)1 << 22)
#define COLS_LIMIT ((uint64_t)1 << 32) /* column indices are uint32_t */

typedef struct params {
    int ngram_min, ngram_max, words, signed_hash, tfidf, sublinear, normalize, layout, smooth;
    uint64_t n_buckets;
    int64_t seed; /* [0, 2^32 - 1]: the hash's uint32_t seed */
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

/* ---- MurmurHash3_x86_32 ------------------------------------------------ */

static uint32_t rotl32(uint32_t x, int r)
{
    return (x << r) | (x >> (32 - r));
}

uint32_t genre_text_hash(const void *data, size_t len, uint32_t seed)
{
    if (data == NULL && len > 0)
        return 0;
    const unsigned char *p = data;
    const uint32_t c1 = 0xcc9e2d51u, c2 = 0x1b873593u;
    uint32_t h = seed;
    size_t nblocks = len / 4;
    for (size_t i = 0; i < nblocks; i++) {
        const unsigned char *b = p + 4 * i;
        uint32_t k = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                     (uint32_t)b[3] << 24;
        k *= c1;
        k = rotl32(k, 15);
        k *= c2;
        h ^= k;
        h = rotl32(h, 13);
        h = h * 5 + 0xe6546b64u;
    }
    const unsigned char *tail = p + 4 * nblocks;
    uint32_t k1 = 0;
    /* the tail's 1-3 bytes; no switch fall-through (clang rejects the
     * comment form under -Wimplicit-fallthrough) */
    size_t rest = len & 3;
    if (rest != 0) {
        if (rest == 3)
            k1 ^= (uint32_t)tail[2] << 16;
        if (rest >= 2)
            k1 ^= (uint32_t)tail[1] << 8;
        k1 ^= tail[0];
        k1 *= c1;
        k1 = rotl32(k1, 15);
        k1 *= c2;
        h ^= k1;
    }
    h ^= (uint32_t)len;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

/* ---- UTF-8, case, word characters ------------------------------------- */

static int cont(unsigned char b)
{
    return (b & 0xC0) == 0x80;
}

/* Decodes one code point at s (NUL-terminated); returns the bytes used.
 * An invalid byte gives U+FFFD, one byte used, *bad = 1. Never reads past
 * the NUL (a NUL is not a continuation byte). */
static size_t utf8_next(const unsigned char *s, uint32_t *cp, int *bad)
{
    unsigned char b0 = s[0];
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    if (b0 >= 0xC2 && b0 <= 0xDF && cont(s[1])) {
        *cp = (uint32_t)(b0 & 0x1F) << 6 | (s[1] & 0x3F);
        return 2;
    }
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
        if (s[1] >= lo && s[1] <= hi && cont(s[2])) {
            *cp = (uint32_t)(b0 & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
            return 3;
        }
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
        if (s[1] >= lo && s[1] <= hi && cont(s[2]) && cont(s[3])) {
            *cp = (uint32_t)(b0 & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
                  (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
            return 4;
        }
    }
    *cp = 0xFFFD;
    *bad = 1;
    return 1;
}

static size_t utf8_put(uint32_t c, unsigned char *o)
{
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | c >> 6);
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | c >> 12);
        o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | c >> 18);
    o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* Lower case by table (coverage in genre/text.h). */
static uint32_t fold(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    if (c < 0x100)
        return (c >= 0xC0 && c <= 0xDE && c != 0xD7) ? c + 32 : c;
    if (c < 0x180) {
        if (c == 0x130)
            return 'i';
        if (c == 0x17F)
            return 's';
        if (c == 0x178)
            return 0xFF;
        if ((c <= 0x137) || (c >= 0x14A && c <= 0x177))
            return c | 1;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return (c & 1) ? c + 1 : c;
        return c;
    }
    if (c >= 0x370 && c < 0x400) {
        if (c == 0x386)
            return 0x3AC;
        if (c >= 0x388 && c <= 0x38A)
            return c + 37;
        if (c == 0x38C)
            return 0x3CC;
        if (c == 0x38E || c == 0x38F)
            return c + 63;
        if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
            return c + 32;
        if (c == 0x3C2)
            return 0x3C3;
        return c;
    }
    if (c >= 0x400 && c < 0x530) {
        if (c <= 0x40F)
            return c + 80;
        if (c <= 0x42F)
            return c + 32;
        if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || c >= 0x4D0)
            return c | 1;
        if (c == 0x4C0)
            return 0x4CF;
        if (c >= 0x4C1 && c <= 0x4CE)
            return (c & 1) ? c + 1 : c;
        return c;
    }
    return c;
}

static int is_word(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (c <= 0xBF)
        return c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA;
    if (c == 0xD7 || c == 0xF7 || c == 0x37E || c == 0x387 || c == 0xFEFF || c == 0xFFFD)
        return 0;
    if ((c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
        (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF0F) ||
        (c >= 0xFF1A && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) ||
        (c >= 0xFF5B && c <= 0xFF65))
        return 0;
    return 1;
}

/* ---- One row's hashed entries -------------------------------------------- */

typedef struct entry {
    uint32_t col;
    double v;
} entry;

typedef struct scratch {
    uint32_t *cp; /* decoded, lower-cased name */
    size_t cp_cap;
    unsigned char *bytes; /* padded token, UTF-8 */
    size_t bytes_cap;
    size_t *off; /* byte offset of each padded code point (+ end) */
    size_t off_cap;
    unsigned char *key;
    size_t key_cap;
    entry *e;
    size_t e_len, e_cap;
} scratch;

static void scratch_free(scratch *s)
{
    genre__free(s->cp);
    genre__free(s->bytes);
    genre__free(s->off);
    genre__free(s->key);
    genre__free(s->e);
    memset(s, 0, sizeof *s);
}

static int grow(void *p, size_t *cap, size_t need, size_t item)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n = n > SIZE_MAX / 2 ? need : n * 2;
    if (genre__realloc_array(p, n, item))
        return -1;
    *cap = n;
    return 0;
}

static int emit(const params *p, size_t field, const unsigned char *prefix, size_t n_prefix,
                const unsigned char *bytes, size_t n_bytes, scratch *s)
{
    size_t klen = n_prefix + n_bytes;
    if (grow(&s->key, &s->key_cap, klen, 1) || grow(&s->e, &s->e_cap, s->e_len + 1, sizeof(entry)))
        return -1;
    memcpy(s->key, prefix, n_prefix);
    memcpy(s->key + n_prefix, bytes, n_bytes);
    uint32_t h = genre_text_hash(s->key, klen, (uint32_t)p->seed);
    uint64_t col = h % p->n_buckets;
    if (p->layout == GENRE_TEXT_LAYOUT_SEPARATE)
        col += (uint64_t)field * p->n_buckets;
    s->e[s->e_len].col = (uint32_t)col;
    s->e[s->e_len].v = (p->signed_hash && (h >> 31)) ? -1.0 : 1.0;
    s->e_len++;
    return 0;
}

/* Features of one token cp[0..m) (already lower-cased). */
static int token_features(const params *p, size_t field, const uint32_t *cp, size_t m,
                          scratch *s)
{
    unsigned char prefix[2];
    size_t np = 0;
    if (p->layout == GENRE_TEXT_LAYOUT_SHARED)
        prefix[np++] = (unsigned char)field;
    size_t L = m + 2;
    if (grow(&s->bytes, &s->bytes_cap, 4 * L, 1) || grow(&s->off, &s->off_cap, L + 1, sizeof(size_t)))
        return -1;
    size_t o = 0;
    s->off[0] = 0;
    o += utf8_put(' ', s->bytes + o);
    for (size_t i = 0; i < m; i++) {
        s->off[i + 1] = o;
        o += utf8_put(cp[i], s->bytes + o);
    }
    s->off[m + 1] = o;
    o += utf8_put(' ', s->bytes + o);
    s->off[m + 2] = o;
    if (p->words) {
        prefix[np] = 'w';
        if (emit(p, field, prefix, np + 1, s->bytes + s->off[1], s->off[m + 1] - s->off[1], s))
            return -1;
    }
    if (p->ngram_max > 0) {
        prefix[np] = 'c';
        for (size_t n = (size_t)p->ngram_min; n <= (size_t)p->ngram_max; n++) {
            size_t off = 0, len = n < L ? n : L;
            if (emit(p, field, prefix, np + 1, s->bytes, s->off[len], s))
                return -1;
            while (off + n < L) {
                off++;
                if (emit(p, field, prefix, np + 1, s->bytes + s->off[off],
                         s->off[off + n] - s->off[off], s))
                    return -1;
            }
            if (off == 0)
                break;
        }
    }
    return 0;
}

/* Decodes and folds one name into s->cp; returns its code-point count or
 * (size_t)-1 on allocation failure. *bad receives 1 on invalid UTF-8. */
static size_t decode_name(const char *name, scratch *s, int *bad)
{
    const unsigned char *u = (const unsigned char *)name;
    size_t blen = strlen(name), n = 0;
    if (grow(&s->cp, &s->cp_cap, blen + 1, sizeof(uint32_t)))
        return (size_t)-1;
    while (*u) {
        uint32_t c;
        u += utf8_next(u, &c, bad);
        s->cp[n++] = fold(c);
    }
    return n;
}

static int cmp_entry(const void *a, const void *b)
{
    uint32_t x = ((const entry *)a)->col, y = ((const entry *)b)->col;
    return (x > y) - (x < y);
}

/* Computes the merged, zero-free, column-sorted raw counts of one row into
 * s->e[0..s->e_len). Counts invalid and empty names. Returns 0 or -1 (NOMEM). */
static int row_entries(const params *p, const char *const *names, size_t n_fields, scratch *s,
                       int64_t *n_invalid, int64_t *n_empty)
{
    s->e_len = 0;
    for (size_t f = 0; f < n_fields; f++) {
        const char *name = names[f];
        if (name == NULL || name[0] == 0) {
            if (n_empty)
                (*n_empty)++;
            continue;
        }
        int bad = 0;
        size_t n = decode_name(name, s, &bad);
        if (n == (size_t)-1)
            return -1;
        if (bad && n_invalid)
            (*n_invalid)++;
        size_t i = 0;
        while (i < n) {
            while (i < n && !is_word(s->cp[i]))
                i++;
            size_t a = i;
            while (i < n && is_word(s->cp[i]))
                i++;
            if (i > a && token_features(p, f, s->cp + a, i - a, s))
                return -1;
        }
    }
    /* sort by column (insertion sort for the usual rows of a few hundred) */
    entry *e = s->e;
    size_t m = s->e_len;
    if (m > 512) {
        qsort(e, m, sizeof *e, cmp_entry);
    } else {
        for (size_t i = 1; i < m; i++) {
            entry x = e[i];
            size_t j = i;
            while (j > 0 && e[j - 1].col > x.col) {
                e[j] = e[j - 1];
                j--;
            }
            e[j] = x;
        }
    }
    size_t w = 0;
    for (size_t i = 0; i < m;) {
        uint32_t c = e[i].col;
        double v = 0;
        while (i < m && e[i].col == c)
            v += e[i++].v;
        if (v != 0) {
            e[w].col = c;
            e[w].v = v;
            w++;
        }
    }
    s->e_len = w;
    return 0;
}

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
    GENRE__I64(GENRE_TEXT_SEED, GENRE__SLOT_I64, params, seed, 0, 0, (int64_t)UINT32_MAX, "0.2"),
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

genre_status genre_text_count_issues(const char *const *texts, size_t n_rows, size_t n_fields,
                                     int64_t *invalid_utf8, int64_t *empty)
{
    if (n_fields != 0 && n_rows > SIZE_MAX / n_fields)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "%zu rows x %zu fields is too large", n_rows,
                          n_fields);
    size_t n = n_rows * n_fields;
    if (texts == NULL && n > 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "argument 'texts' is NULL");
    int64_t bad_names = 0, empty_names = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *u = (const unsigned char *)texts[i];
        if (u == NULL || *u == 0) {
            empty_names++;
            continue;
        }
        int bad = 0;
        while (*u && !bad) {
            uint32_t c;
            u += utf8_next(u, &c, &bad);
        }
        bad_names += bad;
    }
    if (invalid_utf8)
        *invalid_utf8 = bad_names;
    if (empty)
        *empty = empty_names;
    return GENRE_OK;
}

/* LSD radix sort of n uint32 values (11-bit digits), tmp of n entries. */
static void radix_sort_u32(uint32_t *a, uint32_t *tmp, size_t n)
{
    if (n == 0) /* memcpy with a NULL array would be undefined */
        return;
    size_t count[2048];
    uint32_t *src = a, *dst = tmp;
    for (int shift = 0; shift < 33; shift += 11) {
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[(src[i] >> shift) & 2047]++;
        size_t sum = 0;
        for (size_t d = 0; d < 2048; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & 2047]++] = src[i];
        uint32_t *x = src;
        src = dst;
        dst = x;
    }
    if (src != a) /* three passes: the result is in tmp */
        memcpy(a, src, n * sizeof *a);
}

/* The dense idf table of (cols, idf) over n_features columns, or NULL when
 * too many columns (then *ok stays 1) or on allocation failure (*ok = 0). */
static double *dense_table(const uint32_t *cols, const double *idf, size_t n, uint64_t n_features,
                           double unseen, int *ok)
{
    *ok = 1;
    if (n_features > DENSE_IDF_MAX)
        return NULL;
    double *d = genre__alloc_array((size_t)n_features, sizeof *d);
    if (!d) {
        *ok = 0;
        return NULL;
    }
    for (uint64_t j = 0; j < n_features; j++)
        d[j] = unseen;
    for (size_t k = 0; k < n; k++)
        d[cols[k]] = idf[k];
    return d;
}

static double idf_of(int smooth, int64_t n, int64_t df)
{
    return smooth ? log((1.0 + (double)n) / (1.0 + (double)df)) + 1.0
                  : log((double)n / (double)df) + 1.0;
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
        if (row_entries(&p, texts + i * n_fields, n_fields, &s, &n_invalid, &n_empty))
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
        if (grow(&cols, &cap, n_cols + s.e_len, sizeof *cols))
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
        radix_sort_u32(cols, tmp, n_cols);
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
                idf[w++] = idf_of(p.smooth, (int64_t)n_rows, count[j]);
            }
    } else {
        for (size_t k = 0; k < n_cols;) {
            uint32_t c = cols[k];
            int64_t df = 0;
            while (k < n_cols && cols[k] == c)
                k++, df++;
            seen[w] = c;
            idf[w++] = idf_of(p.smooth, (int64_t)n_rows, df);
        }
    }
    double unseen = idf_of(p.smooth, (int64_t)n_rows, p.smooth ? 0 : 1);
    int ok;
    double *table = dense_table(seen, idf, n_seen, n_features, unseen, &ok);
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
    scratch_free(&s);
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
    int write = col_idx != NULL && values != NULL;
    scratch s = {0};
    size_t nnz = 0;
    if (row_ptr)
        row_ptr[0] = 0;
    for (size_t i = 0; i < n_rows; i++) {
        if (row_entries(p, texts + i * n_fields, n_fields, &s, NULL, NULL)) {
            scratch_free(&s);
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
    scratch_free(&s);
    if (nnz_needed)
        *nnz_needed = nnz;
    if (col_idx == NULL || values == NULL || nnz > nnz_cap)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL,
                          "the CSR buffers hold %zu entries, %zu needed",
                          (col_idx && values) ? nnz_cap : (size_t)0, nnz);
    return GENRE_OK;
}

genre_status genre_text_csr_append_dense(size_t n_rows, size_t n_cols, const size_t *row_ptr,
                                         const uint32_t *col_idx, const double *values,
                                         const double *x, size_t n_dense, size_t row_stride,
                                         size_t *out_row_ptr, uint32_t *out_col_idx,
                                         double *out_values, size_t out_cap,
                                         size_t *nnz_needed)
{
    GENRE_CHECK_NOT_NULL(row_ptr);
    if (n_rows == 0 || n_dense == 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "n_rows and n_dense must be > 0 (got %zu, %zu)",
                          n_rows, n_dense);
    if ((uint64_t)n_cols > COLS_LIMIT || (uint64_t)n_dense > COLS_LIMIT - (uint64_t)n_cols)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "%zu + %zu columns is more than 2^32", n_cols,
                          n_dense);
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_dense, row_stride, 1);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (row_ptr[0] != 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "row_ptr[0] is %zu, not 0", row_ptr[0]);
    for (size_t i = 0; i < n_rows; i++)
        if (row_ptr[i + 1] < row_ptr[i])
            return GENRE_FAIL(GENRE_E_INVALID_ARG, "row_ptr decreases at row %zu (%zu -> %zu)",
                              i, row_ptr[i], row_ptr[i + 1]);
    size_t nnz = row_ptr[n_rows];
    /* The arrays' length is not passed (1.0 adds it): only an entry count
     * that no array of doubles could hold is caught here. */
    if (nnz > SIZE_MAX / sizeof(double))
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "row_ptr[%zu] = %zu entries cannot be in memory",
                          n_rows, nnz);
    if (nnz > 0 && (col_idx == NULL || values == NULL))
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "col_idx or values is NULL with %zu entries",
                          nnz);
    for (size_t i = 0; i < n_rows; i++)
        for (size_t k = row_ptr[i]; k < row_ptr[i + 1]; k++)
            if (col_idx[k] >= n_cols)
                return GENRE_FAIL(GENRE_E_SHAPE, "row %zu has column %u, but n_cols is %zu", i,
                                  (unsigned)col_idx[k], n_cols);
    if (n_dense > (SIZE_MAX - nnz) / n_rows)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "the result has more than SIZE_MAX entries");
    size_t total = nnz + n_rows * n_dense;
    if (nnz_needed)
        *nnz_needed = total;
    if (out_row_ptr) {
        for (size_t i = 0; i <= n_rows; i++)
            out_row_ptr[i] = row_ptr[i] + i * n_dense;
    }
    if (out_row_ptr == NULL || out_col_idx == NULL || out_values == NULL || out_cap < total)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL,
                          "the output holds %zu entries, %zu needed (and row_ptr is %s)",
                          (out_col_idx && out_values) ? out_cap : (size_t)0, total,
                          out_row_ptr ? "given" : "NULL");
    size_t o = 0;
    for (size_t i = 0; i < n_rows; i++) {
        for (size_t k = row_ptr[i]; k < row_ptr[i + 1]; k++, o++) {
            out_col_idx[o] = col_idx[k];
            out_values[o] = values[k];
        }
        const double *xi = x + i * row_stride;
        for (size_t j = 0; j < n_dense; j++, o++) {
            out_col_idx[o] = (uint32_t)(n_cols + j);
            out_values[o] = xi[j];
        }
    }
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
    genre__mf_put_u32(w, TAG_SEED, (uint32_t)p->seed);
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
    t->dense_idf = dense_table(t->seen_cols, t->seen_idf, nidf, n_features, idf_unseen, &ok);
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
