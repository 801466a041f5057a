/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of genre/text.h: hashing, tokens, n-grams, TF-IDF, CSR output,
 * bad input, errors, persistence and allocation failures. */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

GENRE_TEST_MODEL_IO(text)
GENRE_TEST_MODEL_IO(scaler)

#define BIG_BUCKETS ((int64_t)1 << 31) /* collisions practically impossible */

/* A vectoriser with raw counts: no sign, no idf, no norm. */
static genre_text *raw(int words, int nmin, int nmax)
{
    genre_text *t;
    ck_assert_ok(genre_text_create(&t));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_WORDS, words));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_NGRAM_MIN, nmin));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_NGRAM_MAX, nmax));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_N_BUCKETS, BIG_BUCKETS));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_SIGNED, 0));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_TFIDF, 0));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_NORMALIZE, 0));
    return t;
}

/* The column of a key (kind byte + text) with seed 0 in BIG_BUCKETS, field 0. */
static uint32_t col_of(const char *key)
{
    return (uint32_t)(genre_text_hash(key, strlen(key), 0) % (uint32_t)BIG_BUCKETS);
}

/* Transforms one row; returns nnz, fills cols/vals (cap 64). */
static size_t one_row(const genre_text *t, const char *const *names, size_t n_fields,
                      uint32_t *cols, double *vals)
{
    size_t rp[2], nnz = 0;
    ck_assert_status(genre_text_transform(t, names, 1, n_fields, rp, NULL, NULL, 0, &nnz),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_le(nnz, 64);
    ck_assert_uint_eq(rp[1], nnz);
    size_t again = 0;
    ck_assert_ok(genre_text_transform(t, names, 1, n_fields, rp, cols, vals, 64, &again));
    ck_assert_uint_eq(again, nnz);
    for (size_t k = 1; k < nnz; k++)
        ck_assert_uint_lt(cols[k - 1], cols[k]);
    return nnz;
}

/* Value at a column, or 0. */
static double at(const uint32_t *cols, const double *vals, size_t nnz, uint32_t c)
{
    for (size_t k = 0; k < nnz; k++)
        if (cols[k] == c)
            return vals[k];
    return 0;
}

START_TEST(hash_golden_values)
{
    /* MurmurHash3_x86_32 reference values (also scikit-learn's murmurhash3_32). */
    ck_assert_uint_eq(genre_text_hash("", 0, 0), 0u);
    ck_assert_uint_eq(genre_text_hash(NULL, 0, 1), 0x514e28b7u);
    ck_assert_uint_eq(genre_text_hash("hello", 5, 0), 0x248bfa47u);
    ck_assert_uint_eq(genre_text_hash("Hello, world!", 13, 1234), 0xfaf6cdb3u);
    ck_assert_uint_eq(genre_text_hash("The quick brown fox jumps over the lazy dog", 43, 0),
                      0x2e4ff723u);
    ck_assert_uint_eq(genre_text_hash("wbeyonc\xc3\xa9", 9, 0), 0xc0928d95u);
    ck_assert_uint_eq(genre_text_hash("abc", 3, 42), 0x4e4f1e68u);
    ck_assert_uint_eq(genre_text_hash("abcd", 4, 0xffffffffu), 0x2b7dc558u);
    ck_assert_uint_eq(genre_text_hash(NULL, 3, 0), 0u);
}
END_TEST

START_TEST(word_and_char_wb_ngrams)
{
    /* "ab" padded " ab ": 2-grams " a" "ab" "b ", 3-grams " ab" "ab ", 4-gram " ab "
     * (the padded token itself, then no longer n-grams); "a": " a" "a " and " a ". */
    genre_text *t = raw(1, 2, 4);
    const char *fit[] = {"x"};
    ck_assert_ok(genre_text_fit(t, fit, 1, 1));
    const char *names[] = {"AB, a!"};
    uint32_t cols[64];
    double vals[64];
    size_t nnz = one_row(t, names, 1, cols, vals);
    const char *keys[] = {"wab", "c a", "cab", "cb ", "c ab", "cab ", "c ab ", "wa", "ca ",
                          "c a "};
    const double counts[] = {1, 2, 1, 1, 1, 1, 1, 1, 1, 1};
    ck_assert_uint_eq(nnz, 10);
    for (int k = 0; k < 10; k++)
        ck_assert_double_eq(at(cols, vals, nnz, col_of(keys[k])), counts[k]);
    genre_text_free(t);
}
END_TEST

START_TEST(multibyte_ngrams_are_whole_characters)
{
    genre_text *t = raw(0, 1, 2);
    const char *fit[] = {"x"};
    ck_assert_ok(genre_text_fit(t, fit, 1, 1));
    /* é (2 bytes), € is a separator? no: U+20AC is a word character; 🎵 (4 bytes). */
    const char *names[] = {"\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\xb5"};
    uint32_t cols[64];
    double vals[64];
    size_t nnz = one_row(t, names, 1, cols, vals);
    const char *keys[] = {"c ", "c\xc3\xa9", "c\xe2\x82\xac", "c\xf0\x9f\x8e\xb5",
                          "c \xc3\xa9", "c\xc3\xa9\xe2\x82\xac",
                          "c\xe2\x82\xac\xf0\x9f\x8e\xb5", "c\xf0\x9f\x8e\xb5 "};
    const double counts[] = {2, 1, 1, 1, 1, 1, 1, 1};
    ck_assert_uint_eq(nnz, 8);
    for (int k = 0; k < 8; k++)
        ck_assert_double_eq(at(cols, vals, nnz, col_of(keys[k])), counts[k]);
    genre_text_free(t);
}
END_TEST

START_TEST(lower_casing_without_locale)
{
    genre_text *t = raw(1, 0, 0);
    const char *fit[] = {"x"};
    ck_assert_ok(genre_text_fit(t, fit, 1, 1));
    struct {
        const char *in, *key;
    } cases[] = {
        {"BEYONC\xc3\x89", "wbeyonc\xc3\xa9"},              /* Latin-1 */
        {"\xc5\x81\xc3\x93" "D\xc5\xb9", "w\xc5\x82\xc3\xb3" "d\xc5\xba"}, /* ŁÓDŹ */
        {"\xc4\xb0STANBUL", "wistanbul"},                   /* İ -> i */
        {"\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91\xcf\x82",
         "w\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1\xcf\x83"}, /* ΣΟΦΙΑς -> σοφιασ */
        {"\xce\x86\xce\x9d\xce\xbd\xce\xb1", "w\xce\xac\xce\xbd\xce\xbd\xce\xb1"}, /* Άννα */
        {"\xd0\x81\xd0\x96\xd0\x98\xd0\x9a", "w\xd1\x91\xd0\xb6\xd0\xb8\xd0\xba"}, /* ЁЖИК */
        {"\xd2\x90\xd3\x80", "w\xd2\x91\xd3\x8f"},           /* Ґ Ӏ */
        {"\xc5\xb8\xc3\x9f", "w\xc3\xbf\xc3\x9f"},           /* Ÿß -> ÿß */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t cols[64];
        double vals[64];
        const char *names[] = {cases[i].in};
        size_t nnz = one_row(t, names, 1, cols, vals);
        ck_assert_msg(nnz == 1 && cols[0] == col_of(cases[i].key), "case %zu", i);
    }
    genre_text_free(t);
}
END_TEST

START_TEST(separators)
{
    genre_text *t = raw(1, 0, 0);
    const char *fit[] = {"x"};
    ck_assert_ok(genre_text_fit(t, fit, 1, 1));
    /* ASCII punctuation, NBSP, en dash, ideographic space, fullwidth comma. */
    const char *names[] = {"a-b\xc2\xa0" "c\xe2\x80\x93" "d\xe3\x80\x80" "e\xef\xbc\x8c" "f"};
    uint32_t cols[64];
    double vals[64];
    size_t nnz = one_row(t, names, 1, cols, vals);
    ck_assert_uint_eq(nnz, 6);
    const char *keys[] = {"wa", "wb", "wc", "wd", "we", "wf"};
    for (int k = 0; k < 6; k++)
        ck_assert_double_eq(at(cols, vals, nnz, col_of(keys[k])), 1.0);
    genre_text_free(t);
}
END_TEST

START_TEST(invalid_utf8_and_empty_names_are_counted)
{
    const char *names[] = {"\xff\xfe" "abc", "",         NULL, "ok", "caf\xc3",
                           "\xc0\xaf" "x",  "\xed\xa0\x80", "\xf4\x90\x80\x80", "fine", "ok"};
    int64_t bad = -1, empty = -1;
    ck_assert_ok(genre_text_count_issues(names, 5, 2, &bad, &empty));
    ck_assert_int_eq(bad, 5);
    ck_assert_int_eq(empty, 2);
    ck_assert_ok(genre_text_count_issues(NULL, 0, 2, NULL, NULL));
    ck_assert_status(genre_text_count_issues(NULL, 1, 1, &bad, &empty), GENRE_E_INVALID_ARG);

    genre_text *t = raw(1, 0, 0);
    ck_assert_ok(genre_text_fit(t, names, 5, 2));
    int64_t v;
    ck_assert_ok(genre_text_get_i64(t, GENRE_TEXT_FIT_INVALID_UTF8, &v));
    ck_assert_int_eq(v, 5);
    ck_assert_ok(genre_text_get_i64(t, GENRE_TEXT_FIT_EMPTY, &v));
    ck_assert_int_eq(v, 2);
    /* an invalid byte becomes U+FFFD, a separator: "\xff\xfeabc" is "abc" */
    const char *a[] = {"\xff\xfe" "abc", NULL}, *b[] = {"abc", ""};
    uint32_t ca[64], cb[64];
    double va[64], vb[64];
    size_t na = one_row(t, a, 2, ca, va), nb = one_row(t, b, 2, cb, vb);
    ck_assert_uint_eq(na, 1);
    ck_assert_uint_eq(nb, 1);
    ck_assert_uint_eq(ca[0], cb[0]);
    /* a row of empty names is an empty row */
    const char *e[] = {"", NULL};
    uint32_t ce[64];
    double ve[64];
    ck_assert_uint_eq(one_row(t, e, 2, ce, ve), 0);
    genre_text_free(t);
}
END_TEST

START_TEST(tfidf_matches_hand_computation)
{
    /* words only, smooth idf, L2: docs "a b", "a", "b b c"; n = 3,
     * df(a) = 2, df(b) = 2, df(c) = 1. */
    genre_text *t;
    ck_assert_ok(genre_text_create(&t));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_NGRAM_MIN, 0));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_NGRAM_MAX, 0));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_N_BUCKETS, BIG_BUCKETS));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_SIGNED, 0));
    const char *docs[] = {"a b", "a", "b b c"};
    ck_assert_ok(genre_text_fit(t, docs, 3, 1));
    int64_t seen;
    ck_assert_ok(genre_text_get_i64(t, GENRE_TEXT_N_SEEN_COLUMNS, &seen));
    ck_assert_int_eq(seen, 3);
    const char *q[] = {"b b c d"};
    uint32_t cols[64];
    double vals[64];
    size_t nnz = one_row(t, q, 1, cols, vals);
    ck_assert_uint_eq(nnz, 3);
    double ib = log(4.0 / 3.0) + 1, ic = log(4.0 / 2.0) + 1, id = log(4.0 / 1.0) + 1;
    double vb = 2 * ib, vc = ic, vd = id, norm = sqrt(vb * vb + vc * vc + vd * vd);
    ck_assert_double_eq_tol(at(cols, vals, nnz, col_of("wb")), vb / norm, 1e-15);
    ck_assert_double_eq_tol(at(cols, vals, nnz, col_of("wc")), vc / norm, 1e-15);
    ck_assert_double_eq_tol(at(cols, vals, nnz, col_of("wd")), vd / norm, 1e-15);
    /* plain idf and sublinear tf, no norm: b: (1 + ln 2) (ln(3/2) + 1) */
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_SMOOTH_IDF, 0));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_SUBLINEAR_TF, 1));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_NORMALIZE, 0));
    ck_assert_ok(genre_text_fit(t, docs, 3, 1));
    nnz = one_row(t, q, 1, cols, vals);
    ck_assert_double_eq_tol(at(cols, vals, nnz, col_of("wb")),
                            (1 + log(2.0)) * (log(1.5) + 1), 1e-15);
    ck_assert_double_eq_tol(at(cols, vals, nnz, col_of("wc")), log(3.0) + 1, 1e-15);
    ck_assert_double_eq_tol(at(cols, vals, nnz, col_of("wd")), log(3.0) + 1, 1e-15);
    genre_text_free(t);
}
END_TEST

/* tests/fixtures/text_sklearn.txt (make_text_fixtures.py): scikit-learn's
 * char_wb n-grams, hashed as text.h documents, through TfidfTransformer. */
START_TEST(sklearn_agrees)
{
    FILE *f = fopen(genre_test_source_path("tests/fixtures/text_sklearn.txt"), "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    int buckets = 0, n_docs = 0;
    ck_assert(fgets(line, sizeof line, f) && sscanf(line, "B %d", &buckets) == 1);
    ck_assert(fgets(line, sizeof line, f) && sscanf(line, "D %d", &n_docs) == 1);
    ck_assert(n_docs > 0 && n_docs <= 16);
    char docs[16][128];
    const char *ptr[16];
    for (int i = 0; i < n_docs; i++) {
        ck_assert_ptr_nonnull(fgets(docs[i], sizeof docs[i], f));
        docs[i][strcspn(docs[i], "\n")] = 0;
        ptr[i] = docs[i];
    }
    for (int variant = 0; variant < 2; variant++) {
        int v = -1;
        size_t nnz = 0;
        ck_assert(fgets(line, sizeof line, f) && sscanf(line, "@ %d %zu", &v, &nnz) == 2);
        ck_assert_int_eq(v, variant);
        genre_text *t;
        ck_assert_ok(genre_text_create(&t));
        ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_N_BUCKETS, buckets));
        ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_SIGNED, 0));
        ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_SUBLINEAR_TF, variant));
        ck_assert_ok(genre_text_fit(t, ptr, (size_t)n_docs, 1));
        size_t rp[17], got = 0;
        uint32_t ci[2048];
        double va[2048];
        ck_assert_ok(genre_text_transform(t, ptr, (size_t)n_docs, 1, rp, ci, va, 2048, &got));
        ck_assert_uint_eq(got, nnz);
        size_t k = 0;
        for (int i = 0; i < n_docs; i++)
            for (size_t e = rp[i]; e < rp[i + 1]; e++, k++) {
                int r = -1;
                unsigned c = 0;
                double x = 0;
                ck_assert(fgets(line, sizeof line, f) && sscanf(line, "%d %u %lf", &r, &c, &x) == 3);
                ck_assert_int_eq(r, i);
                ck_assert_uint_eq(ci[e], c);
                ck_assert_double_eq_tol(va[e], x, 1e-14);
            }
        ck_assert_uint_eq(k, nnz);
        genre_text_free(t);
    }
    fclose(f);
}
END_TEST

START_TEST(signs_layouts_and_seed)
{
    genre_text *t = raw(1, 0, 0);
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_SIGNED, 1));
    const char *two[] = {"abc", "abc"};
    ck_assert_ok(genre_text_fit(t, two, 1, 2));
    int64_t nf;
    ck_assert_ok(genre_text_get_i64(t, GENRE_TEXT_N_FEATURES, &nf));
    ck_assert_int_eq(nf, 2 * BIG_BUCKETS);
    uint32_t cols[64];
    double vals[64];
    size_t nnz = one_row(t, two, 2, cols, vals);
    uint32_t h = genre_text_hash("wabc", 4, 0);
    double sign = (h >> 31) ? -1.0 : 1.0;
    ck_assert_uint_eq(nnz, 2);
    ck_assert_uint_eq(cols[0], h % (uint32_t)BIG_BUCKETS);
    ck_assert_uint_eq(cols[1], (uint32_t)BIG_BUCKETS + h % (uint32_t)BIG_BUCKETS);
    ck_assert_double_eq(vals[0], sign);
    ck_assert_double_eq(vals[1], sign);
    /* shared layout: the field byte comes first */
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_LAYOUT, GENRE_TEXT_LAYOUT_SHARED));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_SIGNED, 0));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_SEED, 7));
    ck_assert_ok(genre_text_fit(t, two, 1, 2));
    ck_assert_ok(genre_text_get_i64(t, GENRE_TEXT_N_FEATURES, &nf));
    ck_assert_int_eq(nf, BIG_BUCKETS);
    nnz = one_row(t, two, 2, cols, vals);
    ck_assert_uint_eq(nnz, 2);
    uint32_t h0 = genre_text_hash("\0wabc", 5, 7), h1 = genre_text_hash("\1wabc", 5, 7);
    uint32_t c0 = h0 % (uint32_t)BIG_BUCKETS, c1 = h1 % (uint32_t)BIG_BUCKETS;
    ck_assert_uint_eq(cols[0], c0 < c1 ? c0 : c1);
    ck_assert_uint_eq(cols[1], c0 < c1 ? c1 : c0);
    /* a small table: every column below n_buckets, cancelling entries dropped */
    genre_text *s = raw(1, 2, 3);
    ck_assert_ok(genre_text_set_i64(s, GENRE_TEXT_N_BUCKETS, 3));
    ck_assert_ok(genre_text_set_i64(s, GENRE_TEXT_SIGNED, 1));
    const char *long_name[] = {"the quick brown fox jumps over the lazy dog"};
    ck_assert_ok(genre_text_fit(s, long_name, 1, 1));
    nnz = one_row(s, long_name, 1, cols, vals);
    ck_assert_uint_le(nnz, 3);
    for (size_t k = 0; k < nnz; k++) {
        ck_assert_uint_lt(cols[k], 3);
        ck_assert(vals[k] != 0);
    }
    genre_text_free(s);
    genre_text_free(t);
}
END_TEST

START_TEST(append_dense_columns)
{
    const size_t rp[] = {0, 2, 2, 3};
    const uint32_t ci[] = {1, 4, 0};
    const double v[] = {0.5, -1, 2};
    const double x[] = {10, 11, 99, 20, 21, 99, 0, 31, 99}; /* stride 3, 2 used */
    size_t orp[4], need = 0;
    uint32_t oc[9];
    double ov[9];
    ck_assert_status(
        genre_text_csr_append_dense(3, 5, rp[3], rp, ci, v, x, 2, 3, orp, NULL, NULL, 0, &need),
        GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 9);
    ck_assert_ok(
        genre_text_csr_append_dense(3, 5, rp[3], rp, ci, v, x, 2, 3, orp, oc, ov, 9, &need));
    const size_t erp[] = {0, 4, 6, 9};
    const uint32_t ec[] = {1, 4, 5, 6, 5, 6, 0, 5, 6};
    const double ev[] = {0.5, -1, 10, 11, 20, 21, 2, 0, 31};
    ck_assert_mem_eq(orp, erp, sizeof erp);
    ck_assert_mem_eq(oc, ec, sizeof ec);
    ck_assert_mem_eq(ov, ev, sizeof ev);
    /* errors */
    const uint32_t bad_ci[] = {1, 5, 0};
    ck_assert_status(
        genre_text_csr_append_dense(3, 5, rp[3], rp, bad_ci, v, x, 2, 3, orp, oc, ov, 9, NULL),
        GENRE_E_INVALID_ARG);
    const double nan_x[] = {10, NAN, 0, 1, 2, 0, 3, 4, 0};
    ck_assert_status(
        genre_text_csr_append_dense(3, 5, rp[3], rp, ci, v, nan_x, 2, 3, orp, oc, ov, 9, NULL),
        GENRE_E_NONFINITE);
    const size_t bad_rp[] = {0, 2, 1, 3};
    ck_assert_status(
        genre_text_csr_append_dense(3, 5, bad_rp[3], bad_rp, ci, v, x, 2, 3, orp, oc, ov, 9, NULL),
        GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_csr_append_dense(3, 5, 0, NULL, ci, v, x, 2, 3, orp, oc, ov, 9,
                                                 NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(
        genre_text_csr_append_dense(3, 5, rp[3], rp, ci, v, x, 2, 1, orp, oc, ov, 9, NULL),
        GENRE_E_INVALID_ARG);
    ck_assert_status(
        genre_text_csr_append_dense(0, 5, rp[0], rp, ci, v, x, 2, 3, orp, oc, ov, 9, NULL),
        GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_csr_append_dense(3, (size_t)UINT32_MAX, rp[3], rp, ci, v, x, 2, 3,
                                                 orp, oc, ov, 9, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(
        genre_text_csr_append_dense(3, 5, rp[3], rp, ci, v, x, 2, 3, orp, oc, ov, 8, NULL),
        GENRE_E_BUFFER_TOO_SMALL);
}
END_TEST

START_TEST(parameters_and_errors)
{
    genre_text *t;
    int64_t v;
    ck_assert_status(genre_text_create(NULL), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_text_create(&t));
    genre_text_free(NULL);
    struct {
        int32_t key;
        int64_t def, lo, hi;
    } keys[] = {
        {GENRE_TEXT_NGRAM_MIN, 2, 0, 16},          {GENRE_TEXT_NGRAM_MAX, 4, 0, 16},
        {GENRE_TEXT_WORDS, 1, 0, 1},               {GENRE_TEXT_N_BUCKETS, 1 << 18, 1, BIG_BUCKETS},
        {GENRE_TEXT_SEED, 0, 0, (int64_t)UINT32_MAX}, {GENRE_TEXT_SIGNED, 1, 0, 1},
        {GENRE_TEXT_TFIDF, 1, 0, 1},               {GENRE_TEXT_SUBLINEAR_TF, 0, 0, 1},
        {GENRE_TEXT_NORMALIZE, 1, 0, 1},           {GENRE_TEXT_LAYOUT, 0, 0, 1},
        {GENRE_TEXT_SMOOTH_IDF, 1, 0, 1},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        ck_assert_ok(genre_text_get_i64(t, keys[i].key, &v));
        ck_assert_int_eq(v, keys[i].def);
        ck_assert_status(genre_text_set_i64(t, keys[i].key, keys[i].lo - 1), GENRE_E_INVALID_ARG);
        ck_assert_status(genre_text_set_i64(t, keys[i].key, keys[i].hi + 1), GENRE_E_INVALID_ARG);
        ck_assert_ok(genre_text_set_i64(t, keys[i].key, keys[i].hi));
        ck_assert_ok(genre_text_set_i64(t, keys[i].key, keys[i].def));
    }
    ck_assert_status(genre_text_set_i64(t, 999, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_text_set_i64(t, GENRE_TEXT_N_FEATURES, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_text_get_i64(t, 999, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_text_set_i64(NULL, GENRE_TEXT_SEED, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_get_i64(t, GENRE_TEXT_SEED, NULL), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_text_get_i64(t, GENRE_TEXT_FITTED, &v));
    ck_assert_int_eq(v, 0);
    for (int32_t k = GENRE_TEXT_N_FEATURES; k < GENRE_TEXT_FITTED; k++)
        ck_assert_status(genre_text_get_i64(t, k, &v), GENRE_E_BAD_STATE);

    const char *names[] = {"a", "b", "c", "d"};
    size_t rp[3], nnz;
    uint32_t ci[64];
    double va[64];
    ck_assert_status(genre_text_transform(t, names, 2, 2, rp, ci, va, 64, &nnz),
                     GENRE_E_BAD_STATE);
    ck_assert_status(genre_text_save(t, "/tmp/never"), GENRE_E_BAD_STATE);
    ck_assert_status(genre_text_save_to_memory(t, NULL, 0, &nnz), GENRE_E_BAD_STATE);
    ck_assert_status(genre_text_fit(NULL, names, 2, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_fit(t, NULL, 2, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_fit(t, names, 0, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_fit(t, names, 2, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_fit(t, names, 1, GENRE_TEXT_MAX_FIELDS + 1), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_NGRAM_MIN, 5));
    ck_assert_status(genre_text_fit(t, names, 2, 2), GENRE_E_INVALID_ARG); /* 5 > 4 */
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_NGRAM_MIN, 0));
    ck_assert_status(genre_text_fit(t, names, 2, 2), GENRE_E_INVALID_ARG); /* [0, 4] */
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_NGRAM_MAX, 0));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_WORDS, 0));
    ck_assert_status(genre_text_fit(t, names, 2, 2), GENRE_E_INVALID_ARG); /* no features */
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_WORDS, 1));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_N_BUCKETS, BIG_BUCKETS));
    const char *many[3] = {"a", "b", "c"};
    ck_assert_status(genre_text_fit(t, many, 1, 3), GENRE_E_INVALID_ARG); /* 3 x 2^31 cols */
    ck_assert_ok(genre_text_fit(t, names, 2, 2));
    ck_assert_ok(genre_text_get_i64(t, GENRE_TEXT_FITTED, &v));
    ck_assert_int_eq(v, 1);
    ck_assert_ok(genre_text_get_i64(t, GENRE_TEXT_N_DOCUMENTS, &v));
    ck_assert_int_eq(v, 2);
    ck_assert_ok(genre_text_get_i64(t, GENRE_TEXT_N_FIELDS, &v));
    ck_assert_int_eq(v, 2);
    ck_assert_status(genre_text_transform(t, names, 2, 1, rp, ci, va, 64, &nnz), GENRE_E_SHAPE);
    ck_assert_status(genre_text_transform(t, names, 0, 2, rp, ci, va, 64, &nnz),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_transform(t, NULL, 2, 2, rp, ci, va, 64, &nnz),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_transform(NULL, names, 2, 2, rp, ci, va, 64, &nnz),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_transform(t, names, 2, 2, rp, ci, va, 3, &nnz),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(nnz, 4);
    ck_assert_ok(genre_text_transform(t, names, 2, 2, rp, ci, va, 4, NULL));
    ck_assert_uint_eq(rp[2], 4);
    /* a new fit's parameters do not change the fitted state until it succeeds */
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_N_BUCKETS, 8));
    ck_assert_status(genre_text_fit(t, names, 1, GENRE_TEXT_MAX_FIELDS + 1), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_text_get_i64(t, GENRE_TEXT_N_FEATURES, &v));
    ck_assert_int_eq(v, 2 * BIG_BUCKETS);
    genre_text_free(t);
}
END_TEST

/* The contract every handle kind answers (docs/api-conventions.md). */
START_TEST(one_parameter_mechanism)
{
    genre_text *t;
    ck_assert_ok(genre_text_create(&t));
    int64_t v;
    double f, lo, hi;
    size_t n = 9;
    /* no f64 key: the f64 calls still answer */
    ck_assert_status(genre_text_set_f64(t, 999, 1.0), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_text_set_f64: "));
    ck_assert_status(genre_text_get_f64(t, 999, &f), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_text_set_f64(t, GENRE_TEXT_SEED, 1.0), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "GENRE_TEXT_SEED is not an f64 key"));
    ck_assert_status(genre_text_get_f64(t, GENRE_TEXT_N_FEATURES, &f), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_text_param_bounds(999, &lo, &hi), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_text_param_bounds(GENRE_TEXT_FITTED, &lo, &hi),
                     GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_text_param_values(999, NULL, 0, &n), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_text_set_i64(t, GENRE_TEXT_N_SEEN_COLUMNS, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "read-only"));
    /* the layout is an enumeration */
    ck_assert_status(genre_text_set_i64(t, GENRE_TEXT_LAYOUT, 2), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "GENRE_TEXT_LAYOUT = 2; accepted values"));
    int64_t vals[2] = {-1, -1};
    ck_assert_status(genre_text_param_values(GENRE_TEXT_LAYOUT, NULL, 0, &n),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(n, 2);
    ck_assert_ok(genre_text_param_values(GENRE_TEXT_LAYOUT, vals, 2, &n));
    ck_assert(vals[0] == GENRE_TEXT_LAYOUT_SEPARATE && vals[1] == GENRE_TEXT_LAYOUT_SHARED);
    ck_assert_ok(genre_text_param_bounds(GENRE_TEXT_LAYOUT, &lo, &hi));
    ck_assert(lo == 0.0 && hi == 1.0);
    ck_assert_ok(genre_text_param_values(GENRE_TEXT_SIGNED, vals, 2, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_ok(genre_text_param_bounds(GENRE_TEXT_N_BUCKETS, &lo, &hi));
    ck_assert(lo == 1.0 && hi == 2147483648.0);
    ck_assert_ok(genre_text_param_bounds(GENRE_TEXT_SEED, &lo, &hi));
    ck_assert(lo == 0.0 && hi == 4294967295.0);
    /* the seed's whole range round-trips */
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_SEED, (int64_t)UINT32_MAX));
    ck_assert_ok(genre_text_get_i64(t, GENRE_TEXT_SEED, &v));
    ck_assert_int_eq(v, (int64_t)UINT32_MAX);
    /* reset: the next fit's defaults back; the fit keeps its parameters */
    static const char *const names[] = {"Daft Punk", "One More Time", "Miles Davis", "So What"};
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_N_BUCKETS, 64));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_LAYOUT, GENRE_TEXT_LAYOUT_SHARED));
    ck_assert_ok(genre_text_fit(t, names, 2, 2));
    ck_assert_ok(genre_text_reset_params(t));
    ck_assert_ok(genre_text_get_i64(t, GENRE_TEXT_N_BUCKETS, &v));
    ck_assert_int_eq(v, 1 << 18);
    ck_assert_ok(genre_text_get_i64(t, GENRE_TEXT_SEED, &v));
    ck_assert_int_eq(v, 0);
    ck_assert_ok(genre_text_get_i64(t, GENRE_TEXT_LAYOUT, &v));
    ck_assert_int_eq(v, GENRE_TEXT_LAYOUT_SEPARATE);
    ck_assert_ok(genre_text_get_i64(t, GENRE_TEXT_N_FEATURES, &v));
    ck_assert_int_eq(v, 64); /* shared layout, 64 buckets: the fitted state */
    ck_assert_status(genre_text_get_f64(t, GENRE_TEXT_SEED, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_set_f64(NULL, GENRE_TEXT_SEED, 1.0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_param_bounds(GENRE_TEXT_SEED, &lo, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_param_values(GENRE_TEXT_LAYOUT, vals, 2, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_reset_params(NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_set_log(NULL, NULL, NULL), GENRE_E_INVALID_ARG);
    genre_text_free(t);
}
END_TEST

typedef struct log_seen {
    int count;
    int32_t level[4];
    char msg[4][512];
} log_seen;

static void on_log(void *ud, int32_t level, const char *msg)
{
    log_seen *seen = ud;
    if (seen->count < 4) {
        seen->level[seen->count] = level;
        snprintf(seen->msg[seen->count], sizeof seen->msg[0], "%s", msg);
    }
    seen->count++;
}

START_TEST(log_counts_invalid_and_empty_documents)
{
    genre_text *t;
    ck_assert_ok(genre_text_create(&t));
    log_seen seen = {0};
    ck_assert_ok(genre_text_set_log(t, on_log, &seen));
    static const char *const clean[] = {"Daft Punk", "One More Time", "Miles Davis", "So What"};
    ck_assert_ok(genre_text_fit(t, clean, 2, 2));
    ck_assert_int_eq(seen.count, 0);
    /* row 1 holds a stray continuation byte; rows 2 and 3 give no feature
     * (an empty name and one of separators only) */
    static const char *const names[] = {"Daft Punk", "Around",     "Bj\x80rk", "Army",
                                        NULL,        "",           "...",      " - "};
    ck_assert_ok(genre_text_fit(t, names, 4, 2));
    ck_assert_int_eq(seen.count, 2);
    ck_assert_int_eq(seen.level[0], GENRE_LOG_WARNING);
    ck_assert_ptr_nonnull(strstr(seen.msg[0], "genre_text_fit: 1 of 4 documents hold invalid "
                                              "UTF-8"));
    ck_assert_ptr_nonnull(strstr(seen.msg[0], "the first is row 1"));
    ck_assert_int_eq(seen.level[1], GENRE_LOG_INFO);
    ck_assert_ptr_nonnull(strstr(seen.msg[1], "2 of 4 documents are empty after tokenising"));
    ck_assert_ptr_nonnull(strstr(seen.msg[1], "the first is row 2"));
    genre_text_free(t);
}
END_TEST

START_TEST(save_and_load)
{
    genre_text *t, *q = NULL;
    ck_assert_ok(genre_text_create(&t));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_N_BUCKETS, 1000));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_SEED, 99));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_SUBLINEAR_TF, 1));
    const char *names[] = {"Daft Punk", "One More Time", "Björk", "Jóga", "", "\xff"};
    ck_assert_ok(genre_text_fit(t, names, 3, 2));
    size_t size;
    unsigned char *buf = text_saved(t, &size);
    ck_assert_ok(genre_text_load_from_memory(&q, buf, size));
    const char *probe[] = {"Daft Punk", "Harder Better", "Sigur Rós", "Hoppípolla"};
    size_t rp1[3], rp2[3], n1, n2;
    uint32_t c1[256], c2[256];
    double v1[256], v2[256];
    ck_assert_ok(genre_text_transform(t, probe, 2, 2, rp1, c1, v1, 256, &n1));
    ck_assert_ok(genre_text_transform(q, probe, 2, 2, rp2, c2, v2, 256, &n2));
    ck_assert_uint_eq(n1, n2);
    ck_assert_mem_eq(rp1, rp2, sizeof rp1);
    ck_assert_mem_eq(c1, c2, n1 * sizeof *c1);
    ck_assert_mem_eq(v1, v2, n1 * sizeof *v1);
    int64_t a, b;
    for (int32_t k = GENRE_TEXT_N_FEATURES; k <= GENRE_TEXT_FITTED; k++) {
        ck_assert_ok(genre_text_get_i64(t, k, &a));
        ck_assert_ok(genre_text_get_i64(q, k, &b));
        ck_assert_int_eq(a, b);
    }
    ck_assert_ok(genre_text_get_i64(q, GENRE_TEXT_SEED, &a));
    ck_assert_int_eq(a, 99);
    genre_text_free(q);
    q = NULL;
    text_save_errors_name_the_function(t);
    text_file_round_trip(t, &q);
    ck_assert_ok(genre_text_transform(q, probe, 2, 2, rp2, c2, v2, 256, &n2));
    ck_assert_mem_eq(v1, v2, n1 * sizeof *v1);
    genre_text_free(q);
    q = NULL;
    ck_assert_status(genre_text_load(&q, "/nonexistent/dir/t.genre"), GENRE_E_IO);
    ck_assert_status(genre_text_save(t, "/nonexistent/dir/t.genre"), GENRE_E_IO);
    ck_assert_status(genre_text_load(NULL, "/nonexistent/dir/t.genre"), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_load(&q, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_save(t, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_text_save_to_memory(t, buf, size - 1, &size), GENRE_E_BUFFER_TOO_SMALL);
    buf[size / 2] ^= 0x10;
    ck_assert_status(genre_text_load_from_memory(&q, buf, size), GENRE_E_CORRUPT);
    ck_assert_ptr_null(q);
    free(buf);
    /* another kind of model */
    genre_scaler *sc;
    const double x[] = {1, 2, 3, 4};
    ck_assert_ok(genre_scaler_create(&sc));
    ck_assert_ok(genre_scaler_fit(sc, x, 4, 1, 1));
    buf = scaler_saved(sc, &size);
    ck_assert_status(genre_text_load_from_memory(&q, buf, size), GENRE_E_MODEL_KIND);
    free(buf);
    genre_scaler_free(sc);
    genre_text_free(t);
}
END_TEST

#ifdef GENRE_TESTING
#include "model_file.h"

/* A hand-made model: version, n-gram max and one idf column are the knobs. */
static unsigned char *craft(uint32_t version, uint32_t ngram_max, uint32_t col1, size_t *len)
{
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_TEXT, version));
    genre__mf_put_i64(&w, 1, 2);    /* fields */
    genre__mf_put_i64(&w, 2, 10);   /* docs */
    genre__mf_put_i64(&w, 3, 0);
    genre__mf_put_i64(&w, 4, 1);
    genre__mf_put_u32(&w, 5, 2);
    genre__mf_put_u32(&w, 6, ngram_max);
    genre__mf_put_u32(&w, 7, 1);
    genre__mf_put_i64(&w, 8, 16);   /* buckets: 32 columns */
    genre__mf_put_u32(&w, 9, 0);
    genre__mf_put_u32(&w, 10, 1);
    genre__mf_put_u32(&w, 11, 1);
    genre__mf_put_u32(&w, 12, 0);
    genre__mf_put_u32(&w, 13, 1);
    genre__mf_put_u32(&w, 14, 0);
    genre__mf_put_u32(&w, 15, 1);
    genre__mf_put_f64(&w, 16, log(11.0) + 1);
    const unsigned char cols[8] = {3, 0, 0, 0, (unsigned char)col1, 0, 0, 0};
    genre__mf_put_bytes(&w, 17, cols, 8);
    const double idf[2] = {1.5, 2.5};
    genre__mf_put_f64_array(&w, 18, idf, 2);
    return genre_test_mf_finish(&w, len);
}

START_TEST(load_checks_what_it_reads)
{
    genre_text *t = NULL;
    size_t len;
    unsigned char *buf = craft(1, 4, 20, &len);
    ck_assert_ok(genre_text_load_from_memory(&t, buf, len));
    int64_t v;
    ck_assert_ok(genre_text_get_i64(t, GENRE_TEXT_N_FEATURES, &v));
    ck_assert_int_eq(v, 32);
    genre_text_free(t);
    t = NULL;
    free(buf);
    buf = craft(2, 4, 20, &len); /* newer payload */
    ck_assert_status(genre_text_load_from_memory(&t, buf, len), GENRE_E_VERSION);
    free(buf);
    buf = craft(1, 1, 20, &len); /* n-gram max below min */
    ck_assert_status(genre_text_load_from_memory(&t, buf, len), GENRE_E_CORRUPT);
    free(buf);
    buf = craft(1, 4, 2, &len); /* columns not increasing */
    ck_assert_status(genre_text_load_from_memory(&t, buf, len), GENRE_E_CORRUPT);
    free(buf);
    buf = craft(1, 4, 32, &len); /* column out of range */
    ck_assert_status(genre_text_load_from_memory(&t, buf, len), GENRE_E_CORRUPT);
    ck_assert_ptr_null(t);
    free(buf);
}
END_TEST

/* ctx: the bucket count (4096: dense counters and idf table; 2^30: sorted
 * document frequencies and binary-searched idf). */
static genre_status scenario(void *ctx)
{
    const int64_t buckets = *(const int64_t *)ctx;
    genre_text *t = NULL, *q = NULL;
    unsigned char *buf = NULL;
    const char *names[] = {"Daft Punk", "One More Time", "Bj\xc3\xb6rk", "J\xc3\xb3ga",
                           "", "\xff" "x"};
    size_t rp[4], nnz = 0, size = 0, rp2[4];
    uint32_t ci[512], ci2[600];
    double va[512], va2[600];
    const double dense[] = {1, 2, 3};
    genre_status st = genre_text_create(&t);
    if (st == GENRE_OK)
        st = genre_text_set_i64(t, GENRE_TEXT_N_BUCKETS, buckets);
    if (st == GENRE_OK)
        st = genre_text_fit(t, names, 3, 2);
    if (st == GENRE_OK)
        st = text_save_alloc(t, &buf, &size);
    if (st == GENRE_OK)
        st = genre_text_load_from_memory(&q, buf, size);
    if (st == GENRE_OK)
        st = genre_text_transform(q, names, 3, 2, rp, ci, va, 512, &nnz);
    if (st == GENRE_OK)
        st = genre_text_csr_append_dense(3, 2 * (size_t)buckets, rp[3], rp, ci, va, dense, 1, 1,
                                         rp2, ci2, va2, 600, NULL);
    free(buf);
    genre_text_free(q);
    genre_text_free(t);
    return st;
}

START_TEST(allocation_failures)
{
    int64_t small = 4096, big = (int64_t)1 << 30;
    ck_assert_int_gt(genre_test_alloc_walk(scenario, &small), 5);
    ck_assert_int_gt(genre_test_alloc_walk(scenario, &big), 5);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, hash_golden_values);
    tcase_add_test(tc, word_and_char_wb_ngrams);
    tcase_add_test(tc, multibyte_ngrams_are_whole_characters);
    tcase_add_test(tc, lower_casing_without_locale);
    tcase_add_test(tc, separators);
    tcase_add_test(tc, invalid_utf8_and_empty_names_are_counted);
    tcase_add_test(tc, tfidf_matches_hand_computation);
    tcase_add_test(tc, sklearn_agrees);
    tcase_add_test(tc, signs_layouts_and_seed);
    tcase_add_test(tc, append_dense_columns);
    tcase_add_test(tc, parameters_and_errors);
    tcase_add_test(tc, one_parameter_mechanism);
    tcase_add_test(tc, log_counts_invalid_and_empty_documents);
    tcase_add_test(tc, save_and_load);
#ifdef GENRE_TESTING
    tcase_add_test(tc, load_checks_what_it_reads);
    tcase_add_test(tc, allocation_failures);
#endif
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
