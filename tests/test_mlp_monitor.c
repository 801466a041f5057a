/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MLP's monitor rows (genre_mlp_set_monitor): their history equals the
 * validation history of a second fit given them as validation rows, bit for
 * bit; they never change the fit; bad rows and unsupported fits fail; the
 * history survives save/load; allocation failures. */
#include "mlp_fixture.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The blobs cut in three, interleaved: training (3 rows in 5), validation
 * and monitor rows (1 in 5 each). */
#define NT (NB / 5 * 3)
#define NV (NB / 5)
static double xt[NT * DB], xv[NV * DB], xm[NV * DB];
static int32_t yt[NT], yv[NV], ym[NV];

static void split_blobs(void)
{
    make_blobs();
    size_t t = 0, v = 0, m = 0;
    for (size_t i = 0; i < NB; i++) {
        double *dst;
        if (i % 5 < 3)
            dst = xt + t * DB, yt[t++] = by[i];
        else if (i % 5 == 3)
            dst = xv + v * DB, yv[v++] = by[i];
        else
            dst = xm + m * DB, ym[m++] = by[i];
        memcpy(dst, bx + i * DB, DB * sizeof(double));
    }
}

/* One history of a fitted model into h (at most cap epochs); its length. */
static size_t history(const genre_mlp *m, int32_t which, double *h, size_t cap)
{
    size_t ne = 0;
    ck_assert_ok(genre_mlp_get_history(m, which, h, cap, &ne));
    return ne;
}

static genre_mlp *configured(int64_t threads, int64_t precision, double dropout,
                             int64_t patience)
{
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, threads));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, precision));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_DROPOUT, dropout));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, patience));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 60));
    return m;
}

static const struct {
    int64_t threads, precision;
    double dropout;
} CONFIGS[] = {
    {1, GENRE_MLP_PRECISION_DOUBLE, 0.0},
    {2, GENRE_MLP_PRECISION_DOUBLE, 0.0},
    {1, GENRE_MLP_PRECISION_FLOAT, 0.0},
    {2, GENRE_MLP_PRECISION_DOUBLE, 0.2},
};
#define N_CONFIGS (sizeof CONFIGS / sizeof CONFIGS[0])

/* The curve a monitored fit records is what the old way computed: a second
 * fit of the epochs the first ran, patience off, the monitor rows as its
 * validation rows. */
START_TEST(test_monitor_equals_refit)
{
    split_blobs();
    for (size_t c = 0; c < N_CONFIGS; c++) {
        genre_mlp *a = configured(CONFIGS[c].threads, CONFIGS[c].precision, CONFIGS[c].dropout,
                                  3);
        ck_assert_ok(genre_mlp_set_monitor(a, xm, NV, DB, DB, ym));
        ck_assert_ok(genre_mlp_fit(a, xt, NT, DB, DB, yt, xv, NV, DB, yv));
        int64_t ran = 0;
        ck_assert_ok(genre_mlp_get_i64(a, GENRE_MLP_EPOCHS_RUN, &ran));
        ck_assert_int_ge(ran, 1);
        genre_mlp *b = configured(CONFIGS[c].threads, CONFIGS[c].precision, CONFIGS[c].dropout,
                                  0);
        ck_assert_ok(genre_mlp_set_i64(b, GENRE_MLP_EPOCHS, ran));
        ck_assert_ok(genre_mlp_fit(b, xt, NT, DB, DB, yt, xm, NV, DB, ym));
        double ha[60], hb[60];
        ck_assert_uint_eq(history(a, GENRE_MLP_HISTORY_MONITOR_LOSS, ha, 60), (size_t)ran);
        ck_assert_uint_eq(history(b, GENRE_MLP_HISTORY_VAL_LOSS, hb, 60), (size_t)ran);
        ck_assert_msg(memcmp(ha, hb, (size_t)ran * sizeof(double)) == 0,
                      "config %zu: monitor loss differs from the refit's", c);
        ck_assert(isfinite(ha[0]));
        history(a, GENRE_MLP_HISTORY_MONITOR_ACCURACY, ha, 60);
        history(b, GENRE_MLP_HISTORY_VAL_ACCURACY, hb, 60);
        ck_assert_msg(memcmp(ha, hb, (size_t)ran * sizeof(double)) == 0,
                      "config %zu: monitor accuracy differs from the refit's", c);
        genre_mlp_free(a);
        genre_mlp_free(b);
    }
}
END_TEST

/* Weights, histories and the early stop of a fit are the same bits with and
 * without monitor rows; without them the monitor history is NaN. */
START_TEST(test_monitor_does_not_change_the_fit)
{
    split_blobs();
    for (size_t c = 0; c < N_CONFIGS; c++) {
        genre_mlp *fits[2];
        for (int with = 0; with < 2; with++) {
            fits[with] = configured(CONFIGS[c].threads, CONFIGS[c].precision,
                                    CONFIGS[c].dropout, 3);
            if (with)
                ck_assert_ok(genre_mlp_set_monitor(fits[with], xm, NV, DB, DB, ym));
            ck_assert_ok(genre_mlp_fit(fits[with], xt, NT, DB, DB, yt, xv, NV, DB, yv));
        }
        double p0[NB * KB], p1[NB * KB];
        ck_assert_ok(genre_mlp_predict_proba(fits[0], bx, NB, DB, DB, p0, NB * KB, NULL));
        ck_assert_ok(genre_mlp_predict_proba(fits[1], bx, NB, DB, DB, p1, NB * KB, NULL));
        ck_assert_msg(memcmp(p0, p1, sizeof p0) == 0, "config %zu: the monitor moved the fit",
                      c);
        static const int32_t keys[] = {GENRE_MLP_EPOCHS_RUN, GENRE_MLP_BEST_EPOCH,
                                       GENRE_MLP_STOPPED_EARLY};
        for (size_t k = 0; k < 3; k++) {
            int64_t v0, v1;
            ck_assert_ok(genre_mlp_get_i64(fits[0], keys[k], &v0));
            ck_assert_ok(genre_mlp_get_i64(fits[1], keys[k], &v1));
            ck_assert_int_eq(v0, v1);
        }
        for (int32_t which = GENRE_MLP_HISTORY_TRAIN_LOSS;
             which <= GENRE_MLP_HISTORY_VAL_ACCURACY; which++) {
            double h0[60], h1[60];
            size_t n0 = history(fits[0], which, h0, 60), n1 = history(fits[1], which, h1, 60);
            ck_assert_uint_eq(n0, n1);
            ck_assert(memcmp(h0, h1, n0 * sizeof(double)) == 0);
        }
        double h[60];
        size_t ne = history(fits[0], GENRE_MLP_HISTORY_MONITOR_LOSS, h, 60);
        for (size_t e = 0; e < ne; e++)
            ck_assert(isnan(h[e]));
        ne = history(fits[1], GENRE_MLP_HISTORY_MONITOR_LOSS, h, 60);
        for (size_t e = 0; e < ne; e++)
            ck_assert(isfinite(h[e]));
        /* cleared: the next fit records none */
        ck_assert_ok(genre_mlp_set_monitor(fits[1], NULL, 0, 0, 0, NULL));
        ck_assert_ok(genre_mlp_fit(fits[1], xt, NT, DB, DB, yt, xv, NV, DB, yv));
        ne = history(fits[1], GENRE_MLP_HISTORY_MONITOR_ACCURACY, h, 60);
        for (size_t e = 0; e < ne; e++)
            ck_assert(isnan(h[e]));
        genre_mlp_free(fits[0]);
        genre_mlp_free(fits[1]);
    }
}
END_TEST

/* A CSR fit takes dense monitor rows: the curve of its CSR validation twin. */
START_TEST(test_monitor_csr_fit)
{
    split_blobs();
    size_t rp[NT + 1], rpm[NV + 1];
    uint32_t ci[NT * DB], cim[NV * DB];
    for (size_t i = 0; i <= NT; i++)
        rp[i] = i * DB;
    for (size_t i = 0; i <= NV; i++)
        rpm[i] = i * DB;
    for (size_t p = 0; p < NT * DB; p++)
        ci[p] = (uint32_t)(p % DB);
    for (size_t p = 0; p < NV * DB; p++)
        cim[p] = (uint32_t)(p % DB);
    genre_mlp *a = small_model(), *b = small_model();
    ck_assert_ok(genre_mlp_set_monitor(a, xm, NV, DB, DB, ym));
    ck_assert_ok(genre_mlp_fit_csr(a, NT, DB, NT * DB, rp, ci, xt, yt, 0, 0, NULL, NULL, NULL,
                                   NULL));
    ck_assert_ok(genre_mlp_fit_csr(b, NT, DB, NT * DB, rp, ci, xt, yt, NV, NV * DB, rpm, cim, xm,
                                   ym));
    double ha[40], hb[40];
    ck_assert_uint_eq(history(a, GENRE_MLP_HISTORY_MONITOR_LOSS, ha, 40), 40);
    ck_assert_uint_eq(history(b, GENRE_MLP_HISTORY_VAL_LOSS, hb, 40), 40);
    ck_assert(memcmp(ha, hb, sizeof ha) == 0);
    genre_mlp_free(a);
    genre_mlp_free(b);
}
END_TEST

START_TEST(test_monitor_errors)
{
    split_blobs();
    genre_mlp *m = small_model();
    ck_assert_status(genre_mlp_set_monitor(NULL, xm, NV, DB, DB, ym), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_monitor(m, xm, NV, DB, DB, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_monitor(m, xm, 0, DB, DB, ym), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_monitor(m, xm, NV, 0, DB, ym), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_monitor(m, xm, NV, DB, DB - 1, ym), GENRE_E_INVALID_ARG);
    int32_t bad[NV];
    memcpy(bad, ym, sizeof bad);
    bad[7] = -1;
    ck_assert_status(genre_mlp_set_monitor(m, xm, NV, DB, DB, bad), GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "labels[7] = -1") != NULL, "%s",
                  genre_last_error());
    bad[7] = 65536;
    ck_assert_status(genre_mlp_set_monitor(m, xm, NV, DB, DB, bad), GENRE_E_INVALID_ARG);
    double nan_rows[NV * DB];
    memcpy(nan_rows, xm, sizeof nan_rows);
    nan_rows[5 * DB + 2] = NAN;
    ck_assert_status(genre_mlp_set_monitor(m, nan_rows, NV, DB, DB, ym), GENRE_E_NONFINITE);
    ck_assert_msg(strstr(genre_last_error(), "genre_mlp_set_monitor") != NULL, "%s",
                  genre_last_error());
    /* a failed call keeps the rows set before it */
    ck_assert_ok(genre_mlp_set_monitor(m, xm, NV, DB, DB, ym));
    ck_assert_status(genre_mlp_set_monitor(m, xm, NV, DB, DB, NULL), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 3));
    ck_assert_ok(genre_mlp_fit(m, xt, NT, DB, DB, yt, NULL, 0, 0, NULL));
    double h[3];
    ck_assert_uint_eq(history(m, GENRE_MLP_HISTORY_MONITOR_LOSS, h, 3), 3);
    ck_assert(isfinite(h[2]));
    /* reset_params keeps them too (data, not a parameter) */
    ck_assert_ok(genre_mlp_reset_params(m));
    ck_assert_status(genre_mlp_partial_fit(m, xt, NT, DB, DB, yt), GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "genre_mlp_set_monitor") != NULL, "%s",
                  genre_last_error());
    /* at the fit: the columns, the class count, the kinds of fit */
    ck_assert_ok(genre_mlp_set_monitor(m, xm, NV, DB - 1, DB, ym));
    ck_assert_status(genre_mlp_fit(m, xt, NT, DB, DB, yt, NULL, 0, 0, NULL), GENRE_E_SHAPE);
    bad[7] = 5;
    ck_assert_ok(genre_mlp_set_monitor(m, xm, NV, DB, DB, bad));
    ck_assert_status(genre_mlp_fit(m, xt, NT, DB, DB, yt, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "monitor label 7") != NULL, "%s",
                  genre_last_error());
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_CLASSES, 6)); /* then label 5 is a class */
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 2));
    ck_assert_ok(genre_mlp_fit(m, xt, NT, DB, DB, yt, NULL, 0, 0, NULL));
    double y[NT];
    for (size_t i = 0; i < NT; i++)
        y[i] = yt[i];
    ck_assert_status(genre_mlp_fit_regression(m, xt, NT, DB, DB, y, 1, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    /* NaN rows pass unchecked with GENRE_MLP_VALIDATE_INPUT 0; cleared, all fits run */
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_VALIDATE_INPUT, 0));
    ck_assert_ok(genre_mlp_set_monitor(m, nan_rows, NV, DB, DB, ym));
    ck_assert_ok(genre_mlp_set_monitor(m, NULL, 0, 0, 0, NULL));
    ck_assert_ok(genre_mlp_set_monitor(m, NULL, 0, 0, 0, NULL)); /* twice: still fine */
    ck_assert_ok(genre_mlp_fit_regression(m, xt, NT, DB, DB, y, 1, NULL, 0, 0, NULL));
    genre_mlp *c = small_model();
    ck_assert_ok(genre_mlp_partial_fit(c, xt, NT, DB, DB, yt));
    ck_assert_uint_eq(history(c, GENRE_MLP_HISTORY_MONITOR_LOSS, h, 3), 1);
    ck_assert(isnan(h[0]));
    ck_assert_status(genre_mlp_get_history(c, GENRE_MLP_HISTORY_MONITOR_ACCURACY + 1, h, 3,
                                           &(size_t){0}),
                     GENRE_E_INVALID_ARG);
    genre_mlp_free(c);
    genre_mlp_free(m);
}
END_TEST

/* The monitor history is saved with the model; the rows are not. A fit
 * without monitor rows writes the bytes it wrote before they existed. */
START_TEST(test_monitor_save_load)
{
    split_blobs();
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_fit(m, xt, NT, DB, DB, yt, xv, NV, DB, yv));
    size_t len0 = 0, len1 = 0;
    ck_assert_status(genre_mlp_save_to_memory(m, NULL, 0, &len0), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_ok(genre_mlp_set_monitor(m, xm, NV, DB, DB, ym));
    ck_assert_ok(genre_mlp_fit(m, xt, NT, DB, DB, yt, xv, NV, DB, yv));
    ck_assert_status(genre_mlp_save_to_memory(m, NULL, 0, &len1), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_gt(len1, len0);
    unsigned char *buf = malloc(len1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_ok(genre_mlp_save_to_memory(m, buf, len1, &len1));
    genre_mlp *r = NULL;
    ck_assert_ok(genre_mlp_load_from_memory(&r, buf, len1));
    for (int32_t which = GENRE_MLP_HISTORY_TRAIN_LOSS;
         which <= GENRE_MLP_HISTORY_MONITOR_ACCURACY; which++) {
        double h0[40], h1[40];
        ck_assert_uint_eq(history(m, which, h0, 40), 40);
        ck_assert_uint_eq(history(r, which, h1, 40), 40);
        ck_assert(memcmp(h0, h1, sizeof h0) == 0);
    }
    /* the loaded handle has no monitor rows: its next fit records none */
    ck_assert_ok(genre_mlp_fit(r, xt, NT, DB, DB, yt, xv, NV, DB, yv));
    double h[40];
    history(r, GENRE_MLP_HISTORY_MONITOR_LOSS, h, 40);
    ck_assert(isnan(h[0]) && isnan(h[39]));
    size_t len2 = 0;
    ck_assert_status(genre_mlp_save_to_memory(r, NULL, 0, &len2), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(len2, len0);
    free(buf);
    genre_mlp_free(r);
    genre_mlp_free(m);
}
END_TEST

static genre_status scenario(void *ctx)
{
    (void)ctx;
    genre_mlp *m = NULL, *r = NULL;
    unsigned char *buf = NULL;
    size_t len = 0;
    genre_status st = genre_mlp_create(&m);
    if (st == GENRE_OK)
        st = genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 2);
    if (st == GENRE_OK)
        st = genre_mlp_set_monitor(m, xm, 12, DB, DB, ym);
    if (st == GENRE_OK)
        st = genre_mlp_set_monitor(m, xm + DB, 12, DB, DB, ym + 1); /* replaces */
    if (st == GENRE_OK)
        st = genre_mlp_fit(m, xt, 24, DB, DB, yt, NULL, 0, 0, NULL);
    if (st == GENRE_OK) {
        st = genre_mlp_save_to_memory(m, NULL, 0, &len);
        if (st == GENRE_E_BUFFER_TOO_SMALL)
            st = GENRE_OK;
    }
    if (st == GENRE_OK) {
        buf = malloc(len);
        st = genre_mlp_save_to_memory(m, buf, len, &len);
    }
    if (st == GENRE_OK)
        st = genre_mlp_load_from_memory(&r, buf, len);
    free(buf);
    genre_mlp_free(r);
    genre_mlp_free(m);
    return st;
}

START_TEST(test_monitor_alloc_walk)
{
    split_blobs();
    ck_assert_int_gt(genre_test_alloc_walk(scenario, NULL), 8);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mlp_monitor");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_monitor_equals_refit);
    tcase_add_test(tc, test_monitor_does_not_change_the_fit);
    tcase_add_test(tc, test_monitor_csr_fit);
    tcase_add_test(tc, test_monitor_errors);
    tcase_add_test(tc, test_monitor_save_load);
    tcase_add_test(tc, test_monitor_alloc_walk);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
