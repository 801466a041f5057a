/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MLP and threads: concurrent predicts on one model, and data-parallel
 * fits (reproducible per thread count, the same bits when workers run
 * inline, close to one thread). */
#include "mlp_fixture.h"
#include "parallel.h"

#include <pthread.h>
#include <string.h>

/* ---- Concurrent predict on one model ------------------------------------------------- */

typedef struct job {
    const genre_mlp *m;
    double out[NB * KB];
    genre_status st;
} job;

static void *predict_job(void *arg)
{
    job *j = arg;
    for (int rep = 0; rep < 20 && j->st == GENRE_OK; rep++)
        j->st = genre_mlp_predict_proba(j->m, bx, NB, DB, DB, j->out, NB * KB, NULL);
    return NULL;
}

START_TEST(test_concurrent_predict)
{
    make_blobs();
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 3));
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    double ref[NB * KB];
    ck_assert_ok(genre_mlp_predict_proba(m, bx, NB, DB, DB, ref, NB * KB, NULL));
    enum { T = 4 };
    static job jobs[T];
    pthread_t th[T];
    for (int t = 0; t < T; t++) {
        jobs[t].m = m;
        jobs[t].st = GENRE_OK;
        ck_assert_int_eq(pthread_create(&th[t], NULL, predict_job, &jobs[t]), 0);
    }
    for (int t = 0; t < T; t++) {
        pthread_join(th[t], NULL);
        ck_assert_int_eq(jobs[t].st, GENRE_OK);
        ck_assert(memcmp(jobs[t].out, ref, sizeof ref) == 0);
    }
    genre_mlp_free(m);
}
END_TEST

/* ---- Threads ---------------------------------------------------------------------- */

static void fit_proba(int64_t threads, int64_t batch, double dropout, double l2, int64_t epochs,
                      double *p)
{
    fit_proba_prec(GENRE_MLP_PRECISION_DOUBLE, threads, batch, dropout, l2, epochs, p);
}

START_TEST(test_threads)
{
    make_blobs();
    genre_mlp *m = NULL;
    ck_assert_ok(genre_mlp_create(&m));
    int64_t v = -1;
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_N_THREADS, &v));
    ck_assert_int_eq(v, 0);
    ck_assert_status(genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, -1), GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "GENRE_MLP_N_THREADS") != NULL, "%s",
                  genre_last_error());
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, 100000)); /* clamped at fit */
    genre_mlp_free(m);

    static double p1[NB * KB], p2[NB * KB], q[NB * KB];
    const struct {
        int64_t threads, batch;
        double dropout, l2;
    } cases[] = {
        {2, 64, 0.0, 0.0},
        {3, 7, 0.2, 1e-3}, /* last batch of 2 rows: 2 of the 3 workers */
        {4, 0, 0.0, 1e-3}, /* full batch */
        {300, 32, 0.1, 0.0}, /* more threads than rows */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        /* the same seed and thread count give the same bits */
        fit_proba(cases[c].threads, cases[c].batch, cases[c].dropout, cases[c].l2, 40, p1);
        fit_proba(cases[c].threads, cases[c].batch, cases[c].dropout, cases[c].l2, 40, p2);
        ck_assert_msg(memcmp(p1, p2, sizeof p1) == 0, "case %zu not reproducible", c);
#ifdef GENRE_TESTING
        /* workers that cannot get a thread run inline: the same bits */
        genre__parallel_fail_spawns(-1);
        fit_proba(cases[c].threads, cases[c].batch, cases[c].dropout, cases[c].l2, 40, q);
        genre__parallel_fail_spawns(0);
        ck_assert_msg(memcmp(p1, q, sizeof p1) == 0, "case %zu differs inline", c);
#endif
        /* 1 thread: the same model up to the grouping of the sums */
        if (cases[c].dropout == 0.0) {
            fit_proba(cases[c].threads, cases[c].batch, 0.0, cases[c].l2, 3, p1);
            fit_proba(1, cases[c].batch, 0.0, cases[c].l2, 3, q);
            for (size_t i = 0; i < NB * KB; i++)
                ck_assert_double_eq_tol(p1[i], q[i], 1e-9);
        }
    }
    /* 1 thread is the default path: explicitly 1 == auto (batch 32 < 256) */
    fit_proba(1, 32, 0.1, 1e-3, 40, p1);
    fit_proba(0, 32, 0.1, 1e-3, 40, p2);
    ck_assert(memcmp(p1, p2, sizeof p1) == 0);

    /* SGD with momentum on 3 threads: reproducible, close to 1 thread */
    static double ps[2][NB * KB], ps2[NB * KB];
    for (int r = 0; r < 2; r++) {
        genre_mlp *g = small_model();
        ck_assert_ok(genre_mlp_set_i64(g, GENRE_MLP_OPTIMIZER, GENRE_MLP_OPT_SGD));
        ck_assert_ok(genre_mlp_set_f64(g, GENRE_MLP_LEARNING_RATE, 0.05));
        ck_assert_ok(genre_mlp_set_i64(g, GENRE_MLP_N_THREADS, r == 0 ? 3 : 1));
        ck_assert_ok(genre_mlp_set_i64(g, GENRE_MLP_BATCH_SIZE, 200));
        ck_assert_ok(genre_mlp_set_i64(g, GENRE_MLP_EPOCHS, 3));
        ck_assert_ok(genre_mlp_fit(g, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
        ck_assert_ok(genre_mlp_predict_proba(g, bx, NB, DB, DB, ps[r], NB * KB, NULL));
        if (r == 0) {
            ck_assert_ok(genre_mlp_fit(g, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
            ck_assert_ok(genre_mlp_predict_proba(g, bx, NB, DB, DB, ps2, NB * KB, NULL));
            ck_assert(memcmp(ps[0], ps2, sizeof ps2) == 0);
        }
        genre_mlp_free(g);
    }
    for (size_t i = 0; i < NB * KB; i++)
        ck_assert_double_eq_tol(ps[0][i], ps[1][i], 1e-9);

    /* regression on 2 threads: reproducible, close to 1 thread */
    double yv[NB];
    for (size_t i = 0; i < NB; i++)
        yv[i] = bx[i * DB] - 0.5 * bx[i * DB + 1];
    double out[3][NB];
    for (int r = 0; r < 3; r++) {
        genre_mlp *g = small_model();
        ck_assert_ok(genre_mlp_set_i64(g, GENRE_MLP_N_THREADS, r < 2 ? 2 : 1));
        ck_assert_ok(genre_mlp_set_i64(g, GENRE_MLP_EPOCHS, 3));
        ck_assert_ok(genre_mlp_fit_regression(g, bx, NB, DB, DB, yv, 1, NULL, 0, 0, NULL));
        ck_assert_ok(genre_mlp_predict_values(g, bx, NB, DB, DB, out[r], NB, NULL));
        genre_mlp_free(g);
    }
    ck_assert(memcmp(out[0], out[1], sizeof out[0]) == 0);
    for (size_t i = 0; i < NB; i++)
        ck_assert_double_eq_tol(out[0][i], out[2][i], 1e-9);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mlp_threads");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_concurrent_predict);
    tcase_add_test(tc, test_threads);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
