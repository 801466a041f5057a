/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The stream_linear suite, continued: damaged and crafted partial states of
 * the scaler, PCA and LDA are refused (never a crash or an allocation above
 * their size), every documented error of the partial API with its message,
 * the allocation-failure walk, and failed updates leaving a state as it was.
 */
#include "stream_linear_fixture.h"

#include "alloc.h"
#include "model_file.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef genre_status (*load_fn)(void **out, const void *buf, size_t len);
static genre_status load_scaler(void **o, const void *b, size_t l)
{
    return genre_scaler_partial_load_from_memory((genre_scaler_partial **)o, b, l);
}
static genre_status load_pca(void **o, const void *b, size_t l)
{
    return genre_pca_partial_load_from_memory((genre_pca_partial **)o, b, l);
}
static genre_status load_lda(void **o, const void *b, size_t l)
{
    return genre_lda_partial_load_from_memory((genre_lda_partial **)o, b, l);
}

/* Every truncation and every single-byte change of a saved state is refused
 * (the container's checksum and lengths), never a crash. */
static void damage_walk(const unsigned char *b, size_t len, load_fn load)
{
    unsigned char *c = malloc(len);
    ck_assert_ptr_nonnull(c);
    void *out = (void *)1;
    for (size_t cut = 0; cut < len; cut++) {
        genre_status st = load(&out, b, cut);
        ck_assert_msg(st == GENRE_E_CORRUPT, "truncated at %zu: %s", cut, genre_status_name(st));
        ck_assert_ptr_null(out);
    }
    for (size_t i = 0; i < len; i += 1 + len / 300) {
        memcpy(c, b, len);
        c[i] ^= 0x41;
        genre_status st = load(&out, c, len);
        ck_assert_msg(st == GENRE_E_CORRUPT || st == GENRE_E_VERSION, "byte %zu changed: %s", i,
                      genre_status_name(st));
        ck_assert_ptr_null(out);
    }
    free(c);
}

START_TEST(damaged_states_are_refused)
{
    const size_t n = 60, d = 3;
    int32_t y[60];
    double *x = synth(n, d, y, 3, 5);
    genre_scaler_partial *sp = scaler_stream(x, n, d, 7);
    genre_pca_partial *pp = pca_stream(x, n, d, 7);
    genre_lda_partial *lp = lda_stream(x, y, n, d, 7);
    size_t l1, l2, l3;
    unsigned char *b1 = scaler_state_saved(sp, &l1), *b2 = pca_state_saved(pp, &l2),
                  *b3 = lda_state_saved(lp, &l3);
    damage_walk(b1, l1, load_scaler);
    damage_walk(b2, l2, load_pca);
    damage_walk(b3, l3, load_lda);
    /* another kind */
    genre_pca_partial *wrong = NULL;
    ck_assert_status(genre_pca_partial_load_from_memory(&wrong, b1, l1), GENRE_E_MODEL_KIND);
    expect_msg("genre_pca_partial_load_from_memory:");
    ck_assert_ptr_null(wrong);
    free(b1);
    free(b2);
    free(b3);
    genre_scaler_partial_free(sp);
    genre_pca_partial_free(pp);
    genre_lda_partial_free(lp);
    free(x);
}
END_TEST

/* ---- crafted states: valid containers holding hostile values ------------------- */

static unsigned char *craft_moments(int32_t kind, uint32_t version, int64_t d, int64_t n,
                                    size_t nm, size_t nm2, double v, double asym, size_t *len)
{
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, kind, version));
    genre__mf_put_i64(&w, 1, d);
    genre__mf_put_i64(&w, 2, n);
    double *a = calloc(nm + nm2 + 1, sizeof *a);
    ck_assert_ptr_nonnull(a);
    for (size_t i = 0; i < nm + nm2; i++)
        a[i] = v;
    if (nm2 > 1)
        a[nm + 1] += asym;
    genre__mf_put_f64_array(&w, 3, a, nm);
    genre__mf_put_f64_array(&w, 4, a, nm);
    genre__mf_put_f64_array(&w, 5, a + nm, nm2);
    genre__mf_put_f64_array(&w, 6, a + nm, nm2);
    free(a);
    return genre_test_mf_finish(&w, len);
}

/* len is read after b is made (the argument order of a call is unspecified) */
static void expect_refused(unsigned char *b, const size_t *lenp, load_fn load, genre_status want,
                           const char *func, const char *what)
{
    const size_t len = *lenp;
    void *out = (void *)1;
    genre__alloc_fail_at(0); /* resets the largest-request record */
    genre_status st = load(&out, b, len);
    ck_assert_msg(st == want, "%s: %s, expected %s (%s)", what, genre_status_name(st),
                  genre_status_name(want), genre_last_error());
    ck_assert_ptr_null(out);
    ck_assert_msg(strncmp(genre_last_error(), func, strlen(func)) == 0, "%s: message '%s'",
                  what, genre_last_error());
    ck_assert_msg(genre__alloc_largest() <= len + 4096, "%s: asked for %zu bytes from %zu",
                  what, genre__alloc_largest(), len);
    free(b);
}

START_TEST(crafted_moment_states_are_refused)
{
    size_t len;
    const int32_t KS = GENRE_MODEL_SCALER_PARTIAL, KP = GENRE_MODEL_PCA_PARTIAL;
    const char *fs = "genre_scaler_partial_load_from_memory",
               *fp = "genre_pca_partial_load_from_memory";
    /* sanity: a well-formed crafted state loads */
    unsigned char *b = craft_moments(KS, 1, 3, 4, 3, 3, 0.5, 0, &len);
    genre_scaler_partial *s = NULL;
    ck_assert_ok(genre_scaler_partial_load_from_memory(&s, b, len));
    genre_scaler_partial_free(s);
    free(b);
    b = craft_moments(KP, 1, 3, 4, 3, 9, 0.5, 0, &len);
    genre_pca_partial *p = NULL;
    ck_assert_ok(genre_pca_partial_load_from_memory(&p, b, len));
    genre_pca_partial_free(p);
    free(b);

    expect_refused(craft_moments(KS, 2, 3, 4, 3, 3, 0.5, 0, &len), &len, load_scaler,
                   GENRE_E_VERSION, fs, "newer payload");
    expect_refused(craft_moments(KS, 1, 0, 4, 0, 0, 0.5, 0, &len), &len, load_scaler,
                   GENRE_E_CORRUPT, fs, "no column");
    expect_refused(craft_moments(KS, 1, (int64_t)1 << 40, 4, 3, 3, 0.5, 0, &len), &len,
                   load_scaler, GENRE_E_CORRUPT, fs, "2^40 columns");
    expect_refused(craft_moments(KS, 1, 1 << 30, 4, 3, 3, 0.5, 0, &len), &len, load_scaler,
                   GENRE_E_CORRUPT, fs, "2^30 columns, 3 stored");
    expect_refused(craft_moments(KS, 1, 3, -1, 3, 3, 0.5, 0, &len), &len, load_scaler,
                   GENRE_E_CORRUPT, fs, "negative rows");
    expect_refused(craft_moments(KS, 1, 3, 4, 3, 2, 0.5, 0, &len), &len, load_scaler,
                   GENRE_E_CORRUPT, fs, "short co-moments");
    expect_refused(craft_moments(KS, 1, 3, 4, 3, 3, NAN, 0, &len), &len, load_scaler,
                   GENRE_E_CORRUPT, fs, "NaN");
    expect_refused(craft_moments(KS, 1, 3, 4, 3, 3, INFINITY, 0, &len), &len, load_scaler,
                   GENRE_E_CORRUPT, fs, "infinity");
    expect_refused(craft_moments(KS, 1, 3, 0, 3, 3, 0.5, 0, &len), &len, load_scaler,
                   GENRE_E_CORRUPT, fs, "values in a state of no rows");
    expect_refused(craft_moments(KP, 1, 3, 4, 3, 3, 0.5, 0, &len), &len, load_pca,
                   GENRE_E_CORRUPT, fp, "a diagonal where a matrix belongs");
    expect_refused(craft_moments(KP, 1, 3, 4, 3, 9, 0.5, 1e-3, &len), &len, load_pca,
                   GENRE_E_CORRUPT, fp, "asymmetric co-moments");
    expect_refused(craft_moments(KP, 1, 65537, 4, 3, 9, 0.5, 0, &len), &len, load_pca,
                   GENRE_E_CORRUPT, fp, "65537 columns");
    expect_refused(craft_moments(KP, 1, (int64_t)1 << 32, 4, 0, 0, 0.5, 0, &len), &len, load_pca,
                   GENRE_E_CORRUPT, fp, "2^32 columns (d * d wraps to 0)");
    expect_refused(craft_moments(KS, 1, 3, ((int64_t)1 << 53) + 1, 3, 3, 0.5, 0, &len), &len,
                   load_scaler, GENRE_E_CORRUPT, fs, "2^53 + 1 rows");
}
END_TEST

static unsigned char *craft_lda(int64_t d, int64_t K, int64_t n, const int32_t *labels,
                                const double *counts, size_t nl, size_t nmeans, size_t nm2,
                                double v, size_t *len);

/* Row counts stop at 2^53 (exact as doubles): two states of 2^52 + 1 rows
 * do not merge, and a state at the limit takes no more rows. (Found by the
 * partial_load fuzz target: merging a loaded state of 6.5e18 rows with a
 * copy overflowed int64.) */
START_TEST(row_counts_are_bounded)
{
    size_t len;
    const int64_t half = ((int64_t)1 << 52) + 1, full = (int64_t)1 << 53;
    unsigned char *b = craft_moments(GENRE_MODEL_SCALER_PARTIAL, 1, 3, half, 3, 3, 0.5, 0, &len);
    genre_scaler_partial *a = NULL, *c = NULL;
    ck_assert_ok(genre_scaler_partial_load_from_memory(&a, b, len));
    ck_assert_ok(genre_scaler_partial_load_from_memory(&c, b, len));
    ck_assert_status(genre_scaler_partial_merge(a, c), GENRE_E_INVALID_ARG);
    expect_msg("genre_scaler_partial_merge: the merged state would hold more than");
    free(b);
    genre_scaler_partial_free(a);
    genre_scaler_partial_free(c);
    b = craft_moments(GENRE_MODEL_PCA_PARTIAL, 1, 3, full, 3, 9, 0.5, 0, &len);
    genre_pca_partial *p = NULL;
    ck_assert_ok(genre_pca_partial_load_from_memory(&p, b, len));
    double x[3] = {1, 2, 3};
    ck_assert_status(genre_pca_partial_add(p, x, 1, 3, 3), GENRE_E_INVALID_ARG);
    expect_msg("genre_pca_partial_add: 1 more rows would pass the");
    free(b);
    genre_pca_partial_free(p);
    const int32_t lab[2] = {0, 1};
    const double cnt[2] = {(double)(full / 2), (double)(full / 2)};
    b = craft_lda(1, 2, full, lab, cnt, 2, 2, 2, 0.0, &len);
    genre_lda_partial *l = NULL, *m = NULL;
    ck_assert_ok(genre_lda_partial_load_from_memory(&l, b, len));
    ck_assert_ok(genre_lda_partial_load_from_memory(&m, b, len));
    ck_assert_status(genre_lda_partial_merge(l, m), GENRE_E_INVALID_ARG);
    int32_t y = 0;
    ck_assert_status(genre_lda_partial_add(l, x, 1, 1, 1, &y), GENRE_E_INVALID_ARG);
    free(b);
    genre_lda_partial_free(l);
    genre_lda_partial_free(m);
}
END_TEST

static unsigned char *craft_lda(int64_t d, int64_t K, int64_t n, const int32_t *labels,
                                const double *counts, size_t nl, size_t nmeans, size_t nm2,
                                double v, size_t *len)
{
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_LDA_PARTIAL, 1));
    genre__mf_put_i64(&w, 1, d);
    genre__mf_put_i64(&w, 2, K);
    genre__mf_put_i64(&w, 3, n);
    genre__mf_put_i32_array(&w, 4, labels, nl);
    genre__mf_put_f64_array(&w, 5, counts, nl);
    double *a = calloc(nmeans + nm2 + 1, sizeof *a);
    ck_assert_ptr_nonnull(a);
    for (size_t i = 0; i < nmeans + nm2; i++)
        a[i] = v;
    genre__mf_put_f64_array(&w, 6, a, nmeans);
    genre__mf_put_f64_array(&w, 7, a, nmeans);
    genre__mf_put_f64_array(&w, 8, a, nm2);
    genre__mf_put_f64_array(&w, 9, a, nm2);
    free(a);
    return genre_test_mf_finish(&w, len);
}

START_TEST(crafted_lda_states_are_refused)
{
    size_t len;
    const char *f = "genre_lda_partial_load_from_memory";
    const int32_t lab[3] = {-1, 4, 9}, down[3] = {4, -1, 9};
    const double cnt[3] = {2, 3, 5}, half[3] = {2, 3.5, 5}, zero[3] = {2, 0, 5};
    unsigned char *b = craft_lda(2, 3, 10, lab, cnt, 3, 6, 12, 0.25, &len);
    genre_lda_partial *l = NULL;
    ck_assert_ok(genre_lda_partial_load_from_memory(&l, b, len));
    genre_lda *m;
    ck_assert_ok(genre_lda_create(&m));
    /* a loaded but useless state: co-moments all 0.25 make a singular W */
    ck_assert_status(genre_lda_fit_partial(m, l), GENRE_E_NUMERIC);
    genre_lda_free(m);
    genre_lda_partial_free(l);
    free(b);
    expect_refused(craft_lda(2, 3, 10, down, cnt, 3, 6, 12, 0.25, &len), &len, load_lda,
                   GENRE_E_CORRUPT, f, "labels not ascending");
    expect_refused(craft_lda(2, 3, 10, lab, half, 3, 6, 12, 0.25, &len), &len, load_lda,
                   GENRE_E_CORRUPT, f, "a fractional count");
    expect_refused(craft_lda(2, 3, 7, lab, zero, 3, 6, 12, 0.25, &len), &len, load_lda,
                   GENRE_E_CORRUPT, f, "a class of no rows");
    expect_refused(craft_lda(2, 3, 11, lab, cnt, 3, 6, 12, 0.25, &len), &len, load_lda,
                   GENRE_E_CORRUPT, f, "counts not adding up");
    expect_refused(craft_lda(2, 3, 10, lab, cnt, 3, 6, 12, NAN, &len), &len, load_lda,
                   GENRE_E_CORRUPT, f, "NaN");
    expect_refused(craft_lda(2, 3, 10, lab, cnt, 3, 6, 11, 0.25, &len), &len, load_lda,
                   GENRE_E_CORRUPT, f, "short co-moments");
    expect_refused(craft_lda(2, 65537, 10, lab, cnt, 3, 6, 12, 0.25, &len), &len, load_lda,
                   GENRE_E_CORRUPT, f, "65537 classes");
    expect_refused(craft_lda(65536, 65536, 10, lab, cnt, 3, 6, 12, 0.25, &len), &len, load_lda,
                   GENRE_E_CORRUPT, f, "2^16 classes of 2^16 columns, 3 stored");
    expect_refused(craft_lda(2, 0, 10, lab, cnt, 0, 0, 0, 0.25, &len), &len, load_lda,
                   GENRE_E_CORRUPT, f, "rows without classes");
    expect_refused(craft_lda(0, 3, 10, lab, cnt, 3, 0, 0, 0.25, &len), &len, load_lda,
                   GENRE_E_CORRUPT, f, "no column");
}
END_TEST

/* ---- every documented error ----------------------------------------------------- */

START_TEST(scaler_and_pca_errors)
{
    double x[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13};
    genre_scaler_partial *s = NULL, *s4;
    genre_pca_partial *p = NULL, *p4;
    ck_assert_status(genre_scaler_partial_create(NULL, 3), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_partial_create(&s, 0), GENRE_E_INVALID_ARG);
    expect_msg("genre_scaler_partial_create: n_cols is 0");
    ck_assert_status(genre_scaler_partial_create(&s, (size_t)INT32_MAX + 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_pca_partial_create(&p, 65537), GENRE_E_INVALID_ARG);
    expect_msg("genre_pca_partial_create: n_cols is 65537");
    ck_assert_ok(genre_scaler_partial_create(&s, 3));
    ck_assert_ok(genre_scaler_partial_create(&s4, 4));
    ck_assert_ok(genre_pca_partial_create(&p, 3));
    ck_assert_ok(genre_pca_partial_create(&p4, 4));

    ck_assert_status(genre_scaler_partial_add(NULL, x, 4, 3, 3), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_partial_add(s, NULL, 4, 3, 3), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_partial_add(s, x, 0, 3, 3), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_partial_add(s, x, 4, 3, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_partial_add(s, x, 3, 4, 4), GENRE_E_SHAPE);
    expect_msg("genre_scaler_partial_add: x has 4 columns but the partial state has 3");
    ck_assert_status(genre_pca_partial_add(p, x, 3, 4, 4), GENRE_E_SHAPE);
    expect_msg("genre_pca_partial_add: x has 4 columns");
    x[7] = NAN;
    /* the NaN is the error even where the columns are wrong too: the adds
     * scan for it only on a failure, and then before reporting the other */
    ck_assert_status(genre_scaler_partial_add(s4, x, 4, 3, 3), GENRE_E_NONFINITE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "row 2"));
    ck_assert_status(genre_pca_partial_add(p4, x, 4, 3, 3), GENRE_E_NONFINITE);
    ck_assert_status(genre_scaler_partial_add(s, x, 4, 3, 3), GENRE_E_NONFINITE);
    expect_msg("genre_scaler_partial_add:");
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "row 2"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "column 1"));
    ck_assert_status(genre_pca_partial_add(p, x, 4, 3, 3), GENRE_E_NONFINITE);
    x[7] = 1e308;
    x[4] = 1e308;
    ck_assert_status(genre_scaler_partial_add(s, x, 4, 3, 3), GENRE_E_NUMERIC);
    expect_msg("genre_scaler_partial_add: the column sums of x overflow");
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "1e+308 at row 1, column 1"));
    ck_assert_status(genre_pca_partial_add(p, x, 4, 3, 3), GENRE_E_NUMERIC);
    expect_msg("genre_pca_partial_add: the column sums of x overflow");
    int64_t rows = -1;
    ck_assert_ok(genre_scaler_partial_n_rows(s, &rows)); /* failed adds left no trace */
    ck_assert_int_eq(rows, 0);
    ck_assert_ok(genre_pca_partial_n_rows(p, &rows));
    ck_assert_int_eq(rows, 0);
    ck_assert_status(genre_scaler_partial_n_rows(NULL, &rows), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_pca_partial_n_rows(p, NULL), GENRE_E_INVALID_ARG);
    x[7] = 8;
    x[4] = 5;

    ck_assert_status(genre_scaler_partial_merge(NULL, s), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_partial_merge(s, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_partial_merge(s, s), GENRE_E_INVALID_ARG);
    expect_msg("genre_scaler_partial_merge: into and from are the same state");
    ck_assert_status(genre_scaler_partial_merge(s, s4), GENRE_E_SHAPE);
    expect_msg("genre_scaler_partial_merge: the states have different column counts: into has "
               "3, from 4");
    ck_assert_status(genre_pca_partial_merge(p, p4), GENRE_E_SHAPE);
    expect_msg("genre_pca_partial_merge: the states have different column counts");
    ck_assert_status(genre_pca_partial_merge(p, p), GENRE_E_INVALID_ARG);

    size_t need = 0;
    unsigned char small[8];
    ck_assert_status(genre_scaler_partial_save_to_memory(NULL, small, 8, &need),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_partial_save_to_memory(s, small, 8, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_partial_save_to_memory(s, small, 8, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    expect_msg("genre_scaler_partial_save_to_memory:");
    ck_assert_uint_gt(need, 8);
    ck_assert_status(genre_pca_partial_save_to_memory(p, NULL, 0, &need), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_status(genre_scaler_partial_load_from_memory(NULL, small, 8), GENRE_E_INVALID_ARG);
    genre_scaler_partial *s_out = NULL;
    genre_pca_partial *p_out = NULL;
    ck_assert_status(genre_scaler_partial_load_from_memory(&s_out, NULL, 8), GENRE_E_INVALID_ARG);
    ck_assert_ptr_null(s_out);
    ck_assert_status(genre_pca_partial_load_from_memory(&p_out, small, 0), GENRE_E_CORRUPT);
    ck_assert_ptr_null(p_out);
    expect_msg("genre_pca_partial_load_from_memory:");

    genre_scaler *sc;
    genre_pca *pc;
    ck_assert_ok(genre_scaler_create(&sc));
    ck_assert_ok(genre_pca_create(&pc));
    ck_assert_status(genre_scaler_fit_partial(NULL, s), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_fit_partial(sc, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_fit_partial(sc, s), GENRE_E_INVALID_ARG);
    expect_msg("genre_scaler_fit_partial: the partial state holds no rows");
    ck_assert_status(genre_pca_fit_partial(pc, p), GENRE_E_INVALID_ARG);
    expect_msg("genre_pca_fit_partial: PCA needs at least 2 rows");
    ck_assert_ok(genre_scaler_partial_add(s, x, 1, 3, 3));
    ck_assert_ok(genre_pca_partial_add(p, x, 1, 3, 3));
    ck_assert_status(genre_pca_fit_partial(pc, p), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_scaler_set_mask(sc, (const uint8_t[]){1, 0}, 2));
    ck_assert_status(genre_scaler_fit_partial(sc, s), GENRE_E_SHAPE);
    expect_msg("genre_scaler_fit_partial: the column mask has 2 entries but the partial state "
               "has 3 columns");
    int64_t fitted;
    ck_assert_ok(genre_scaler_get_i64(sc, GENRE_SCALER_FITTED, &fitted));
    ck_assert_int_eq(fitted, 0);
    ck_assert_ok(genre_pca_partial_add(p, x + 3, 3, 3, 3));
    ck_assert_ok(genre_pca_set_i64(pc, GENRE_PCA_N_COMPONENTS, 4));
    ck_assert_status(genre_pca_fit_partial(pc, p), GENRE_E_INVALID_ARG);
    expect_msg("genre_pca_fit_partial: n_components = 4 is too large");
    ck_assert_ok(genre_pca_reset_params(pc));
    ck_assert_ok(genre_pca_fit_partial(pc, p));
    /* every column constant */
    genre_pca_partial *c;
    double flat[6] = {1, 2, 3, 1, 2, 3};
    ck_assert_ok(genre_pca_partial_create(&c, 3));
    ck_assert_ok(genre_pca_partial_add(c, flat, 2, 3, 3));
    ck_assert_status(genre_pca_fit_partial(pc, c), GENRE_E_NUMERIC);
    expect_msg("genre_pca_fit_partial: every column");
    /* whitening a zero-variance component */
    double line[9] = {0, 0, 0, 1, 1, 1, 2, 2, 2};
    ck_assert_ok(genre_pca_partial_add(c, line, 3, 3, 3));
    ck_assert_ok(genre_pca_set_i64(pc, GENRE_PCA_WHITEN, 1));
    ck_assert_status(genre_pca_fit_partial(pc, c), GENRE_E_NUMERIC);
    expect_msg("genre_pca_fit_partial: cannot whiten");
    /* overflowed sums reach the fit through merges */
    genre_pca_partial *big1, *big2;
    double hx[6] = {1e308, 0, 0, -1e308, 0, 1};
    ck_assert_ok(genre_pca_partial_create(&big1, 3));
    ck_assert_ok(genre_pca_partial_create(&big2, 3));
    ck_assert_ok(genre_pca_partial_add(big1, hx, 1, 3, 3));
    ck_assert_ok(genre_pca_partial_add(big2, hx + 3, 1, 3, 3));
    ck_assert_ok(genre_pca_partial_merge(big1, big2));
    ck_assert_ok(genre_pca_reset_params(pc));
    ck_assert_status(genre_pca_fit_partial(pc, big1), GENRE_E_NUMERIC);
    expect_msg("genre_pca_fit_partial:");
    genre_pca_partial_free(big1);
    genre_pca_partial_free(big2);
    genre_pca_partial_free(c);
    genre_scaler_free(sc);
    genre_pca_free(pc);
    genre_scaler_partial_free(s);
    genre_scaler_partial_free(s4);
    genre_pca_partial_free(p);
    genre_pca_partial_free(p4);
    genre_scaler_partial_free(NULL);
    genre_pca_partial_free(NULL);
}
END_TEST

START_TEST(lda_errors)
{
    const size_t n = 30, d = 2;
    int32_t y[30];
    double *x = synth(n, d, y, 3, 9);
    genre_lda_partial *p = NULL, *p3;
    ck_assert_status(genre_lda_partial_create(NULL, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_partial_create(&p, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_partial_create(&p, 65537), GENRE_E_INVALID_ARG);
    expect_msg("genre_lda_partial_create: n_cols is 65537");
    ck_assert_ok(genre_lda_partial_create(&p, d));
    ck_assert_ok(genre_lda_partial_create(&p3, 3));
    ck_assert_status(genre_lda_partial_add(NULL, x, n, d, d, y), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_partial_add(p, NULL, n, d, d, y), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_partial_add(p, x, n, d, d, NULL), GENRE_E_INVALID_ARG);
    expect_msg("genre_lda_partial_add: argument 'y' is NULL");
    ck_assert_status(genre_lda_partial_add(p, x, 0, d, d, y), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_partial_add(p, x, n, d, 1, y), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_partial_add(p3, x, 10, 2, 2, y), GENRE_E_SHAPE);
    expect_msg("genre_lda_partial_add: x has 2 columns but the partial state has 3");
    x[5] = INFINITY;
    /* before a NULL y or a wrong column count, as a scan made first finds it */
    ck_assert_status(genre_lda_partial_add(p, x, n, d, d, NULL), GENRE_E_NONFINITE);
    ck_assert_status(genre_lda_partial_add(p3, x, n, d, d, y), GENRE_E_NONFINITE);
    expect_msg("genre_lda_partial_add:");
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "row 2"));
    ck_assert_status(genre_lda_partial_add(p, x, n, d, d, y), GENRE_E_NONFINITE);
    expect_msg("genre_lda_partial_add:");
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "row 2"));
    x[5] = 1e308;
    x[11] = 1e308; /* row 5: class 2 like row 2 */
    ck_assert_status(genre_lda_partial_add(p, x, n, d, d, y), GENRE_E_NUMERIC);
    expect_msg("genre_lda_partial_add: the sums of x's rows of class 2 overflow");
    x[5] = 0.5;
    x[11] = 0.5;
    int64_t rows = -1;
    ck_assert_ok(genre_lda_partial_n_rows(p, &rows));
    ck_assert_int_eq(rows, 0);
    ck_assert_status(genre_lda_partial_n_rows(p, NULL), GENRE_E_INVALID_ARG);

    /* too many classes: refused before anything is allocated for them */
    {
        const size_t m = 65537;
        double *xm = calloc(m, sizeof *xm);
        int32_t *ym = malloc(m * sizeof *ym);
        ck_assert(xm && ym);
        for (size_t i = 0; i < m; i++)
            ym[i] = (int32_t)i;
        genre_lda_partial *one;
        ck_assert_ok(genre_lda_partial_create(&one, 1));
        ck_assert_status(genre_lda_partial_add(one, xm, m, 1, 1, ym), GENRE_E_INVALID_ARG);
        expect_msg("genre_lda_partial_add: 65537 classes: a partial LDA state holds at most "
                   "65536");
        /* 2^16 classes in one state, one more in another: the merge refuses */
        ck_assert_ok(genre_lda_partial_add(one, xm, m - 1, 1, 1, ym));
        genre_lda_partial *other;
        ck_assert_ok(genre_lda_partial_create(&other, 1));
        ck_assert_ok(genre_lda_partial_add(other, xm, 1, 1, 1, ym + m - 1));
        ck_assert_status(genre_lda_partial_merge(one, other), GENRE_E_INVALID_ARG);
        expect_msg("genre_lda_partial_merge: 65537 classes");
        ck_assert_ok(genre_lda_partial_n_rows(one, &rows));
        ck_assert_int_eq(rows, 65536);
        genre_lda_partial_free(other);
        genre_lda_partial_free(one);
        free(xm);
        free(ym);
    }

    ck_assert_status(genre_lda_partial_merge(p, p), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_partial_merge(p, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_partial_merge(p, p3), GENRE_E_SHAPE);
    expect_msg("genre_lda_partial_merge: the states have different column counts: into has 2, "
               "from 3");
    size_t need;
    ck_assert_status(genre_lda_partial_save_to_memory(p, NULL, 0, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_partial_save_to_memory(p, NULL, 0, &need), GENRE_E_BUFFER_TOO_SMALL);
    expect_msg("genre_lda_partial_save_to_memory:");
    ck_assert_status(genre_lda_partial_load_from_memory(NULL, x, 8), GENRE_E_INVALID_ARG);

    genre_lda *l;
    ck_assert_ok(genre_lda_create(&l));
    ck_assert_status(genre_lda_fit_partial(NULL, p), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_fit_partial(l, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_fit_partial(l, p), GENRE_E_INVALID_ARG);
    expect_msg("genre_lda_fit_partial: LDA needs at least 2 classes; the partial state has 0");
    ck_assert_ok(genre_lda_partial_add(p, x, 1, d, d, y)); /* class 0, one row */
    ck_assert_ok(genre_lda_partial_add(p, x + 3 * d, 2, d, d, y + 3)); /* 0 and 1 */
    ck_assert_status(genre_lda_fit_partial(l, p), GENRE_E_INVALID_ARG);
    expect_msg("genre_lda_fit_partial: class 1 has 1 row(s); LDA needs at least 2 rows per "
               "class");
    ck_assert_ok(genre_lda_partial_add(p, x + 6 * d, n - 6, d, d, y + 6));
    ck_assert_ok(genre_lda_set_priors(l, (const double[]){1, 1}, 2));
    ck_assert_status(genre_lda_fit_partial(l, p), GENRE_E_SHAPE);
    expect_msg("genre_lda_fit_partial: 2 priors were set but the partial state has 3 classes");
    ck_assert_ok(genre_lda_set_priors(l, NULL, 0));
    ck_assert_ok(genre_lda_set_i64(l, GENRE_LDA_N_COMPONENTS, 3));
    ck_assert_status(genre_lda_fit_partial(l, p), GENRE_E_INVALID_ARG);
    expect_msg("genre_lda_fit_partial: n_components = 3 is too large");
    ck_assert_ok(genre_lda_reset_params(l));
    ck_assert_ok(genre_lda_fit_partial(l, p));
    /* singular: a column constant within every class */
    genre_lda_partial *sing;
    double xs[8] = {1, 5, 2, 5, 3, 7, 4, 7};
    int32_t ys[4] = {0, 0, 1, 1};
    ck_assert_ok(genre_lda_partial_create(&sing, 2));
    ck_assert_ok(genre_lda_partial_add(sing, xs, 4, 2, 2, ys));
    ck_assert_status(genre_lda_fit_partial(l, sing), GENRE_E_NUMERIC);
    expect_msg("genre_lda_fit_partial: the within-class scatter is singular: column 1");
    genre_lda_partial_free(sing);
    genre_lda_free(l);
    genre_lda_partial_free(p);
    genre_lda_partial_free(p3);
    genre_lda_partial_free(NULL);
    free(x);
}
END_TEST

/* ---- allocation failures --------------------------------------------------------- */

static genre_status scenario(void *ctx)
{
    (void)ctx;
    static double x[40 * 3];
    static int32_t y[40];
    for (size_t i = 0; i < 40; i++) {
        y[i] = (int32_t)(i % 3) * 7 - 4;
        for (size_t j = 0; j < 3; j++)
            x[i * 3 + j] = (double)((i * 37 + j * 11) % 17) + 0.25 * (double)(i % 3) * (double)j;
    }
    genre_scaler_partial *sa = NULL, *sb = NULL, *sl = NULL;
    genre_pca_partial *pa = NULL, *pb = NULL, *pl = NULL;
    genre_lda_partial *la = NULL, *lb = NULL, *ll = NULL;
    genre_scaler *s = NULL;
    genre_pca *p = NULL;
    genre_lda *l = NULL;
    unsigned char buf[4096];
    size_t n;
    genre_status st = genre_scaler_partial_create(&sa, 3);
#define T(call)                                                                          \
    do {                                                                                 \
        if (st == GENRE_OK)                                                              \
            st = (call);                                                                 \
    } while (0)
    T(genre_scaler_partial_create(&sb, 3));
    T(genre_scaler_partial_add(sa, x, 7, 3, 3));
    T(genre_scaler_partial_add(sb, x + 21, 33, 3, 3));
    T(genre_scaler_partial_merge(sa, sb));
    T(genre_scaler_partial_save_to_memory(sa, buf, sizeof buf, &n));
    T(genre_scaler_partial_load_from_memory(&sl, buf, n));
    T(genre_scaler_create(&s));
    T(genre_scaler_fit_partial(s, sl));
    T(genre_pca_partial_create(&pa, 3));
    T(genre_pca_partial_create(&pb, 3));
    T(genre_pca_partial_add(pa, x, 7, 3, 3));
    T(genre_pca_partial_add(pb, x + 21, 33, 3, 3));
    T(genre_pca_partial_merge(pa, pb));
    T(genre_pca_partial_save_to_memory(pa, buf, sizeof buf, &n));
    T(genre_pca_partial_load_from_memory(&pl, buf, n));
    T(genre_pca_create(&p));
    T(genre_pca_fit_partial(p, pl));
    T(genre_lda_partial_create(&la, 3));
    T(genre_lda_partial_create(&lb, 3));
    T(genre_lda_partial_add(la, x, 4, 3, 3, y)); /* two classes first */
    T(genre_lda_partial_add(lb, x + 12, 36, 3, 3, y + 4));
    T(genre_lda_partial_merge(la, lb));
    T(genre_lda_partial_save_to_memory(la, buf, sizeof buf, &n));
    T(genre_lda_partial_load_from_memory(&ll, buf, n));
    T(genre_lda_create(&l));
    T(genre_lda_fit_partial(l, ll));
#undef T
    genre_scaler_partial_free(sa);
    genre_scaler_partial_free(sb);
    genre_scaler_partial_free(sl);
    genre_pca_partial_free(pa);
    genre_pca_partial_free(pb);
    genre_pca_partial_free(pl);
    genre_lda_partial_free(la);
    genre_lda_partial_free(lb);
    genre_lda_partial_free(ll);
    genre_scaler_free(s);
    genre_pca_free(p);
    genre_lda_free(l);
    return st;
}

START_TEST(allocation_failures)
{
    ck_assert_int_gt(genre_test_alloc_walk(scenario, NULL), 40);
}
END_TEST

/* p's saved bytes are still b0 (l0 bytes). */
static void lda_state_unchanged(const genre_lda_partial *p, const unsigned char *b0, size_t l0)
{
    size_t l1;
    unsigned char *b1 = lda_state_saved(p, &l1);
    ck_assert_uint_eq(l0, l1);
    ck_assert_mem_eq(b0, b1, l0);
    free(b1);
}

/* A failed add or merge leaves the state as it was: every allocation of an
 * LDA add that brings a new class, and of a merge that does, is failed in
 * turn, and the saved state must not change. */
START_TEST(failed_updates_leave_the_state)
{
    const size_t n = 40, d = 3;
    int32_t y[40];
    double *x = synth(n, d, y, 4, 21);
    genre_lda_partial *p = lda_stream(x, y, 20, d, 20), *q = NULL;
    int32_t y2[20];
    for (size_t i = 0; i < 20; i++)
        y2[i] = y[20 + i] + 10; /* all new classes */
    q = lda_stream(x + 20 * d, y2, 20, d, 20);
    size_t l0;
    unsigned char *b0 = lda_state_saved(p, &l0);
    for (long k = 1;; k++) {
        genre__alloc_fail_at(k);
        genre_status st = genre_lda_partial_add(p, x + 20 * d, 20, d, d, y2);
        genre__alloc_fail_at(0);
        if (st == GENRE_OK)
            break;
        ck_assert_int_eq(st, GENRE_E_NOMEM);
        lda_state_unchanged(p, b0, l0);
    }
    genre_lda_partial_free(p);
    p = lda_stream(x, y, 20, d, 20);
    for (long k = 1;; k++) {
        genre__alloc_fail_at(k);
        genre_status st = genre_lda_partial_merge(p, q);
        genre__alloc_fail_at(0);
        if (st == GENRE_OK)
            break;
        ck_assert_int_eq(st, GENRE_E_NOMEM);
        lda_state_unchanged(p, b0, l0);
    }
    free(b0);
    genre_lda_partial_free(p);
    genre_lda_partial_free(q);
    free(x);
}
END_TEST

/* An add's scratch does not grow with the chunk: a 60,000-row chunk of 13
 * columns (6.2 MB) is reduced in blocks, so no add asks for a copy of it
 * (the LDA grouped the whole chunk by class in one copy; its first chunk's
 * page faults were a fixed cost of every streamed pass). */
START_TEST(add_scratch_is_bounded)
{
    const size_t n = 60000, d = 13;
    int32_t *y = malloc(n * sizeof *y);
    ck_assert_ptr_nonnull(y);
    double *x = synth(n, d, y, 10, 33);
    genre_scaler_partial *sp;
    genre_pca_partial *pp;
    genre_lda_partial *lp;
    ck_assert_ok(genre_scaler_partial_create(&sp, d));
    ck_assert_ok(genre_pca_partial_create(&pp, d));
    ck_assert_ok(genre_lda_partial_create(&lp, d));
    const size_t cap = (size_t)3 << 19; /* 1.5 MiB: a block, not the chunk */
    genre__alloc_fail_at(0); /* restarts the largest-request count */
    ck_assert_ok(genre_scaler_partial_add(sp, x, n, d, d));
    ck_assert_ok(genre_pca_partial_add(pp, x, n, d, d));
    ck_assert_msg(genre__alloc_largest() <= cap, "scaler and PCA asked for %zu bytes",
                  genre__alloc_largest());
    genre__alloc_fail_at(0);
    ck_assert_ok(genre_lda_partial_add(lp, x, n, d, d, y));
    ck_assert_msg(genre__alloc_largest() <= cap, "the LDA add asked for %zu bytes",
                  genre__alloc_largest());
    genre_scaler_partial_free(sp);
    genre_pca_partial_free(pp);
    genre_lda_partial_free(lp);
    free(x);
    free(y);
}
END_TEST

/* The fits' log notices name the function called. */
static void keep_log(void *user, int32_t level, const char *message)
{
    (void)level;
    snprintf((char *)user, 256, "%s", message);
}

START_TEST(log_notices_name_fit_partial)
{
    char msg[256] = "";
    double x[6] = {1, 5, 2, 5, 3, 5}; /* column 1 constant */
    genre_scaler_partial *p;
    genre_scaler *s;
    ck_assert_ok(genre_scaler_partial_create(&p, 2));
    ck_assert_ok(genre_scaler_partial_add(p, x, 3, 2, 2));
    ck_assert_ok(genre_scaler_create(&s));
    ck_assert_ok(genre_scaler_set_log(s, keep_log, msg));
    ck_assert_ok(genre_scaler_fit_partial(s, p));
    ck_assert_msg(strncmp(msg, "genre_scaler_fit_partial: 1 of 2 scaled columns", 47) == 0,
                  "log '%s'", msg);
    ck_assert_ok(genre_scaler_fit(s, x, 3, 2, 2));
    ck_assert_msg(strncmp(msg, "genre_scaler_fit: 1 of 2 scaled columns", 39) == 0, "log '%s'",
                  msg);
    genre_pca_partial *q;
    genre_pca *pca;
    ck_assert_ok(genre_pca_partial_create(&q, 2));
    ck_assert_ok(genre_pca_partial_add(q, x, 2, 2, 2));
    ck_assert_ok(genre_pca_create(&pca));
    ck_assert_ok(genre_pca_set_log(pca, keep_log, msg));
    ck_assert_ok(genre_pca_fit_partial(pca, q));
    ck_assert_msg(strncmp(msg, "genre_pca_fit_partial: 2 rows give at most", 42) == 0,
                  "log '%s'", msg);
    genre_pca_free(pca);
    genre_pca_partial_free(q);
    genre_scaler_free(s);
    genre_scaler_partial_free(p);
}
END_TEST

void stream_linear_state_tests(TCase *tc)
{
    tcase_add_test(tc, log_notices_name_fit_partial);
    tcase_add_test(tc, damaged_states_are_refused);
    tcase_add_test(tc, crafted_moment_states_are_refused);
    tcase_add_test(tc, crafted_lda_states_are_refused);
    tcase_add_test(tc, row_counts_are_bounded);
    tcase_add_test(tc, scaler_and_pca_errors);
    tcase_add_test(tc, lda_errors);
    tcase_add_test(tc, allocation_failures);
    tcase_add_test(tc, failed_updates_leave_the_state);
    tcase_add_test(tc, add_scratch_is_bounded);
}
