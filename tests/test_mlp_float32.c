/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MLP's float32 compute mode (GENRE_MLP_PRECISION_FLOAT): reproducible,
 * close to the double fit, kept by save/load, regression with early stopping. */
#include "mlp_fixture.h"
#include "parallel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Float32 compute mode (GENRE_MLP_PRECISION_FLOAT, 0.3) ----------------------- */

START_TEST(test_float32)
{
    make_blobs();
    static double p1[NB * KB], p2[NB * KB], q[NB * KB];
    const struct {
        int64_t threads, batch;
        double dropout, l2;
    } cases[] = {
        {1, 32, 0.0, 0.0},
        {1, 32, 0.2, 1e-3},
        {2, 64, 0.0, 1e-3},
        {3, 7, 0.2, 1e-3}, /* last batch of 2 rows: 2 of the 3 workers */
        {4, 0, 0.0, 0.0},  /* full batch */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const int64_t F = GENRE_MLP_PRECISION_FLOAT;
        /* the same seed and thread count give the same bits, run to run */
        fit_proba_prec(F, cases[c].threads, cases[c].batch, cases[c].dropout, cases[c].l2, 40,
                       p1);
        fit_proba_prec(F, cases[c].threads, cases[c].batch, cases[c].dropout, cases[c].l2, 40,
                       p2);
        ck_assert_msg(memcmp(p1, p2, sizeof p1) == 0, "float32 case %zu not reproducible", c);
        if (cases[c].threads > 1) {
            genre__parallel_fail_spawns(-1); /* workers run inline: the same bits */
            fit_proba_prec(F, cases[c].threads, cases[c].batch, cases[c].dropout, cases[c].l2,
                           40, q);
            genre__parallel_fail_spawns(0);
            ck_assert_msg(memcmp(p1, q, sizeof p1) == 0, "float32 case %zu differs inline", c);
        }
        /* close to the double fit after 3 epochs (float rounding only) */
        fit_proba_prec(F, cases[c].threads, cases[c].batch, cases[c].dropout, cases[c].l2, 3,
                       p1);
        fit_proba_prec(GENRE_MLP_PRECISION_DOUBLE, cases[c].threads, cases[c].batch,
                       cases[c].dropout, cases[c].l2, 3, q);
        double worst = 0.0;
        for (size_t i = 0; i < NB * KB; i++)
            worst = fmax(worst, fabs(p1[i] - q[i]));
        ck_assert_msg(worst < 1e-4, "float32 case %zu: %g from the double fit", c, worst);
        ck_assert_msg(worst > 0.0, "float32 case %zu: the float path did not run", c);
    }

    /* save / load keeps the key; the loaded model predicts the same bits */
    genre_mlp *m = small_model(), *r = NULL;
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, GENRE_MLP_PRECISION_FLOAT));
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    size_t len = 0;
    ck_assert_status(genre_mlp_save_to_memory(m, NULL, 0, &len), GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *buf = malloc(len);
    ck_assert_ok(genre_mlp_save_to_memory(m, buf, len, &len));
    ck_assert_ok(genre_mlp_load_from_memory(&r, buf, len));
    int64_t v = 0;
    ck_assert_ok(genre_mlp_get_i64(r, GENRE_MLP_PRECISION, &v));
    ck_assert_int_eq(v, GENRE_MLP_PRECISION_FLOAT);
    ck_assert_ok(genre_mlp_predict_proba(m, bx, NB, DB, DB, p1, NB * KB, NULL));
    ck_assert_ok(genre_mlp_predict_proba(r, bx, NB, DB, DB, p2, NB * KB, NULL));
    ck_assert(memcmp(p1, p2, sizeof p1) == 0);
    /* a refit of the loaded model is a float fit: the same bits again */
    ck_assert_ok(genre_mlp_fit(r, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    ck_assert_ok(genre_mlp_predict_proba(r, bx, NB, DB, DB, p2, NB * KB, NULL));
    ck_assert(memcmp(p1, p2, sizeof p1) == 0);
    /* and a double model keeps DOUBLE */
    genre_mlp_free(r);
    r = NULL;
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, GENRE_MLP_PRECISION_DOUBLE));
    ck_assert_ok(genre_mlp_save_to_memory(m, buf, len, &len));
    ck_assert_ok(genre_mlp_load_from_memory(&r, buf, len));
    ck_assert_ok(genre_mlp_get_i64(r, GENRE_MLP_PRECISION, &v));
    ck_assert_int_eq(v, GENRE_MLP_PRECISION_DOUBLE);
    genre_mlp_free(r);
    free(buf);

    /* regression and tanh with validation rows and early stopping */
    double yv[NB];
    for (size_t i = 0; i < NB; i++)
        yv[i] = bx[i * DB] - 0.5 * bx[i * DB + 1];
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, GENRE_MLP_PRECISION_FLOAT));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_ACTIVATION, GENRE_MLP_ACT_TANH));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, 5));
    ck_assert_ok(genre_mlp_fit_regression(m, bx, 200, DB, DB, yv, 1, bx + 200 * DB, 40, DB,
                                          yv + 200));
    double out[NB], mse = 0.0;
    ck_assert_ok(genre_mlp_predict_values(m, bx, NB, DB, DB, out, NB, NULL));
    for (size_t i = 0; i < NB; i++)
        mse += (out[i] - yv[i]) * (out[i] - yv[i]) / NB;
    ck_assert_msg(mse < 0.05, "float32 regression MSE %g", mse);
    genre_mlp_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mlp_float32");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_float32);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
