/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fitting the MLP: classifier and regression fits, optimiser and
 * activation variants, validation and early stopping, fixed classes,
 * history buffers, bad input and cancellation. */
#include "mlp_fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Fitting ----------------------------------------------------------------------- */

START_TEST(test_fit_classifier)
{
    make_blobs();
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    int64_t v;
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_N_PARAMS, &v));
    ck_assert_int_eq(v, 4 * 8 + 8 + 8 * 6 + 6 + 6 * 3 + 3);
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_N_OUTPUTS, &v));
    ck_assert_int_eq(v, 3);
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_EPOCHS_RUN, &v));
    ck_assert_int_eq(v, 40);
    ck_assert_msg(accuracy_of(m) > 0.85, "accuracy %g", accuracy_of(m));
    /* probabilities: rows sum to 1; size query */
    size_t need = 0;
    ck_assert_status(genre_mlp_predict_proba(m, bx, NB, DB, DB, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, NB * KB);
    double p[NB * KB];
    ck_assert_status(genre_mlp_predict_proba(m, bx, NB, DB, DB, p, NB * KB - 1, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_ok(genre_mlp_predict_proba(m, bx, NB, DB, DB, p, NB * KB, NULL));
    for (size_t i = 0; i < NB; i++)
        ck_assert_double_eq_tol(p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2], 1.0, 1e-12);
    /* history: training loss falls */
    double h[40];
    size_t ne;
    ck_assert_ok(genre_mlp_get_history(m, GENRE_MLP_HISTORY_TRAIN_LOSS, h, 40, &ne));
    ck_assert_uint_eq(ne, 40);
    ck_assert(h[39] < h[0]);
    ck_assert_ok(genre_mlp_get_history(m, GENRE_MLP_HISTORY_VAL_LOSS, h, 40, &ne));
    ck_assert(isnan(h[0]));
    ck_assert_status(genre_mlp_predict_values(m, bx, NB, DB, DB, p, NB * KB, NULL),
                     GENRE_E_BAD_STATE);

    /* the same seed gives the same bits; another seed another model */
    genre_mlp *m2 = small_model();
    ck_assert_ok(genre_mlp_fit(m2, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    double p2[NB * KB];
    ck_assert_ok(genre_mlp_predict_proba(m2, bx, NB, DB, DB, p2, NB * KB, NULL));
    ck_assert(memcmp(p, p2, sizeof p) == 0);
    ck_assert_ok(genre_mlp_set_i64(m2, GENRE_MLP_SEED, 8));
    ck_assert_ok(genre_mlp_fit(m2, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    ck_assert_ok(genre_mlp_predict_proba(m2, bx, NB, DB, DB, p2, NB * KB, NULL));
    ck_assert(memcmp(p, p2, sizeof p) != 0);
    genre_mlp_free(m2);
    genre_mlp_free(m);
}
END_TEST

START_TEST(test_fit_variants)
{
    make_blobs();
    const struct {
        int64_t opt, act, batch, init, sched;
        double dropout, l2;
    } cases[] = {
        {GENRE_MLP_OPT_SGD, GENRE_MLP_ACT_RELU, 16, GENRE_MLP_INIT_HE_NORMAL, 0, 0.0, 1e-3},
        {GENRE_MLP_OPT_ADAM, GENRE_MLP_ACT_TANH, 0, GENRE_MLP_INIT_GLOROT_NORMAL, 1, 0.1, 0.0},
        {GENRE_MLP_OPT_ADAM, GENRE_MLP_ACT_LOGISTIC, 500, GENRE_MLP_INIT_AUTO, 0, 0.0, 0.0},
        {GENRE_MLP_OPT_ADAM, GENRE_MLP_ACT_RELU, 32, GENRE_MLP_INIT_LECUN_UNIFORM, 1, 0.2, 1e-4},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        genre_mlp *m = small_model();
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_OPTIMIZER, cases[c].opt));
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_ACTIVATION, cases[c].act));
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, cases[c].batch));
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_INIT, cases[c].init));
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_LR_SCHEDULE, cases[c].sched));
        ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_DROPOUT, cases[c].dropout));
        ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_L2, cases[c].l2));
        if (cases[c].batch == 0 || cases[c].batch >= NB) {
            ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 300));
            ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.05));
        }
        ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
        ck_assert_msg(accuracy_of(m) > 0.8, "case %zu: accuracy %g", c, accuracy_of(m));
        genre_mlp_free(m);
    }
}
END_TEST

START_TEST(test_fit_regression)
{
    enum { N = 200, D = 3 };
    double x[N * D], y[N * 2], out[N * 2];
    lcg_state = 5;
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < D; j++)
            x[i * D + j] = 2.0 * urand() - 1.0;
        y[i * 2] = sin(2.0 * x[i * D]) + 0.5 * x[i * D + 1];
        y[i * 2 + 1] = x[i * D + 2] * x[i * D + 2];
    }
    genre_mlp *m = NULL;
    ck_assert_ok(genre_mlp_create(&m));
    int32_t w[1] = {16};
    ck_assert_ok(genre_mlp_set_hidden_layers(m, w, 1));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_ACTIVATION, GENRE_MLP_ACT_TANH));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.02));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 300));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, 32));
    ck_assert_ok(genre_mlp_fit_regression(m, x, N, D, D, y, 2, x, 50, D, y));
    size_t need;
    ck_assert_ok(genre_mlp_predict_values(m, x, N, D, D, out, N * 2, &need));
    ck_assert_uint_eq(need, N * 2);
    double yt[N], yp[N], r2;
    for (size_t t = 0; t < 2; t++) {
        for (size_t i = 0; i < N; i++) {
            yt[i] = y[i * 2 + t];
            yp[i] = out[i * 2 + t];
        }
        ck_assert_ok(genre_metrics_r2(yt, yp, N, &r2));
        ck_assert_msg(r2 > 0.95, "target %zu: R^2 %g", t, r2);
    }
    double acc[300];
    size_t ne;
    ck_assert_ok(genre_mlp_get_history(m, GENRE_MLP_HISTORY_VAL_ACCURACY, acc, 300, &ne));
    ck_assert(isnan(acc[0]));
    ck_assert_status(genre_mlp_predict_proba(m, x, N, D, D, out, N * 2, NULL),
                     GENRE_E_BAD_STATE);
    ck_assert_status(genre_mlp_fit_regression(m, x, N, D, D, y, 0, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    y[7] = NAN;
    ck_assert_status(genre_mlp_fit_regression(m, x, N, D, D, y, 2, NULL, 0, 0, NULL),
                     GENRE_E_NONFINITE);
    genre_mlp_free(m);
}
END_TEST

static void on_log(void *ud, int32_t level, const char *msg)
{
    char *seen = ud;
    snprintf(seen, 256, "%d %s", (int)level, msg);
}

START_TEST(test_validation_early_stopping)
{
    make_blobs();
    genre_mlp *m = small_model();
    /* a tiny training part with many epochs overfits; the rest validates */
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 2000));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.05));
    int32_t w[1] = {32};
    ck_assert_ok(genre_mlp_set_hidden_layers(m, w, 1));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, 10));
    ck_assert_status(genre_mlp_fit(m, bx, 30, DB, DB, by, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    char seen[256] = "";
    ck_assert_ok(genre_mlp_set_log(m, on_log, seen));
    ck_assert_ok(genre_mlp_fit(m, bx, 30, DB, DB, by, bx + 30 * DB, NB - 30, DB, by + 30));
    /* the early stop is logged as information */
    ck_assert_msg(strncmp(seen, "1 genre_mlp_fit: early stop after epoch ", 40) == 0, "%s", seen);
    int64_t run, best, stopped;
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_EPOCHS_RUN, &run));
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_BEST_EPOCH, &best));
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_STOPPED_EARLY, &stopped));
    ck_assert_int_eq(stopped, 1);
    ck_assert(run < 2000);
    ck_assert_int_eq(best, run - 10);
    double vl[2000], va[2000];
    size_t ne;
    ck_assert_ok(genre_mlp_get_history(m, GENRE_MLP_HISTORY_VAL_LOSS, vl, 2000, &ne));
    ck_assert_uint_eq(ne, (size_t)run);
    ck_assert_ok(genre_mlp_get_history(m, GENRE_MLP_HISTORY_VAL_ACCURACY, va, 2000, &ne));
    for (size_t e = 0; e < ne; e++) {
        ck_assert(vl[e] >= vl[best - 1]);
        ck_assert(va[e] >= 0.0 && va[e] <= 1.0);
    }
    /* the model holds the best epoch's weights: its validation loss */
    double p[NB * KB];
    ck_assert_ok(genre_mlp_predict_proba(m, bx + 30 * DB, NB - 30, DB, DB, p, NB * KB, NULL));
    double ll;
    ck_assert_ok(genre_metrics_log_loss(by + 30, p, NB - 30, KB, KB, &ll));
    ck_assert_double_eq_tol(ll, vl[best - 1], 1e-9);
    ck_assert_status(genre_mlp_get_history(m, 7, vl, 2000, &ne), GENRE_E_INVALID_ARG);
    genre_mlp_free(m);
}
END_TEST

START_TEST(test_fixed_classes_and_history_buffers)
{
    make_blobs();
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 3));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_CLASSES, 5)); /* classes 3, 4 unseen */
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    int64_t k;
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_N_OUTPUTS, &k));
    ck_assert_int_eq(k, 5);
    size_t need;
    ck_assert_status(genre_mlp_predict_proba(m, bx, 2, DB, DB, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 10);
    double h[3];
    size_t ne;
    ck_assert_status(genre_mlp_get_history(m, GENRE_MLP_HISTORY_TRAIN_LOSS, h, 2, &ne),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(ne, 3);
    /* with validation off, a NaN reaches the model: the loss is then non-finite */
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_VALIDATE_INPUT, 0));
    double bad[NB * DB];
    memcpy(bad, bx, sizeof bad);
    bad[5] = NAN;
    ck_assert_status(genre_mlp_fit(m, bad, NB, DB, DB, by, NULL, 0, 0, NULL), GENRE_E_NUMERIC);
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_N_OUTPUTS, &k)); /* previous fit kept */
    ck_assert_int_eq(k, 5);
    genre_mlp_free(m);
}
END_TEST

/* ---- Bad input ------------------------------------------------------------------------ */

START_TEST(test_bad_input)
{
    make_blobs();
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 2));
    double p[NB * KB];
    ck_assert_status(genre_mlp_predict_proba(m, bx, NB, DB, DB, p, NB * KB, NULL),
                     GENRE_E_BAD_STATE);
    ck_assert_status(genre_mlp_save_to_memory(m, NULL, 0, &(size_t){0}), GENRE_E_BAD_STATE);
    int32_t lab[NB];
    memcpy(lab, by, sizeof lab);
    lab[17] = -1;
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, lab, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "labels[17] = -1") != NULL, "%s",
                  genre_last_error());
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_CLASSES, 3));
    lab[17] = 3;
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, lab, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "labels[17] = 3") != NULL, "%s",
                  genre_last_error());
    lab[17] = 70000;
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_CLASSES, 0));
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, lab, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    for (size_t i = 0; i < NB; i++)
        lab[i] = 2;
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, lab, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "two classes") != NULL, "%s", genre_last_error());
    /* validation labels outside the training classes */
    memcpy(lab, by, sizeof lab);
    lab[5] = 3;
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, by, bx, NB, DB, lab),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, by, bx, NB, DB, NULL),
                     GENRE_E_INVALID_ARG);
    /* NaN / Inf in x and x_val, named */
    double bad[NB * DB];
    memcpy(bad, bx, sizeof bad);
    bad[11 * DB + 2] = NAN;
    ck_assert_status(genre_mlp_fit(m, bad, NB, DB, DB, by, NULL, 0, 0, NULL),
                     GENRE_E_NONFINITE);
    ck_assert_msg(strstr(genre_last_error(), "row 11, column 2") != NULL, "%s",
                  genre_last_error());
    bad[11 * DB + 2] = INFINITY;
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, by, bad, NB, DB, by),
                     GENRE_E_NONFINITE);
    ck_assert_status(genre_mlp_fit(m, bx, 0, DB, DB, by, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB - 1, by, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, NULL, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_fit(NULL, bx, NB, DB, DB, by, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    /* divergence is a named numeric failure */
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 10.0));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_OPTIMIZER, GENRE_MLP_OPT_SGD));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 50));
    double big[NB * DB];
    for (size_t i = 0; i < NB * DB; i++)
        big[i] = bx[i] * 1e3;
    ck_assert_status(genre_mlp_fit_regression(m, big, NB, DB, DB, big, 1, NULL, 0, 0, NULL),
                     GENRE_E_NUMERIC);
    ck_assert_msg(strstr(genre_last_error(), "epoch") != NULL, "%s", genre_last_error());
    /* mismatched columns at predict time */
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.01));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_OPTIMIZER, GENRE_MLP_OPT_ADAM));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 2));
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    ck_assert_status(genre_mlp_predict_proba(m, bx, NB, DB - 1, DB, p, NB * KB, NULL),
                     GENRE_E_SHAPE);
    ck_assert_msg(strstr(genre_last_error(), "3 columns") != NULL, "%s", genre_last_error());
    ck_assert_status(genre_mlp_predict_proba(m, bad, NB, DB, DB, p, NB * KB, NULL),
                     GENRE_E_NONFINITE);
    int32_t pred[NB];
    ck_assert_status(genre_mlp_predict(m, bx, NB, DB, DB, pred, NB - 1, NULL),
                     GENRE_E_BUFFER_TOO_SMALL);
    genre_mlp_free(m);
}
END_TEST

/* ---- Cancellation ---------------------------------------------------------------------- */

static int32_t cancel_at_3(void *ud, int32_t phase, int64_t step, int64_t total, double obj)
{
    (void)phase;
    (void)total;
    (void)obj;
    *(int *)ud += 1;
    return step == 3;
}

START_TEST(test_cancel_keeps_previous)
{
    make_blobs();
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 5));
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    double p1[NB * KB], p2[NB * KB];
    ck_assert_ok(genre_mlp_predict_proba(m, bx, NB, DB, DB, p1, NB * KB, NULL));
    int calls = 0;
    ck_assert_ok(genre_mlp_set_progress(m, cancel_at_3, &calls));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SEED, 99));
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL),
                     GENRE_E_CANCELLED);
    ck_assert_int_eq(calls, 3);
    ck_assert_ok(genre_mlp_predict_proba(m, bx, NB, DB, DB, p2, NB * KB, NULL));
    ck_assert(memcmp(p1, p2, sizeof p1) == 0);
    int64_t run;
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_EPOCHS_RUN, &run));
    ck_assert_int_eq(run, 5);
    /* an unfitted model stays unfitted */
    genre_mlp *u = small_model();
    ck_assert_ok(genre_mlp_set_progress(u, cancel_at_3, &calls));
    ck_assert_status(genre_mlp_fit(u, bx, NB, DB, DB, by, NULL, 0, 0, NULL),
                     GENRE_E_CANCELLED);
    ck_assert_status(genre_mlp_predict_proba(u, bx, NB, DB, DB, p2, NB * KB, NULL),
                     GENRE_E_BAD_STATE);
    genre_mlp_free(u);
    genre_mlp_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mlp_fit");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_fit_classifier);
    tcase_add_test(tc, test_fit_variants);
    tcase_add_test(tc, test_fit_regression);
    tcase_add_test(tc, test_validation_early_stopping);
    tcase_add_test(tc, test_fixed_classes_and_history_buffers);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_cancel_keeps_previous);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
