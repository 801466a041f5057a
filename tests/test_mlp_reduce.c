/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The MLP's gradient reducer (genre_mlp_set_reducer, issue 20): two
 * processes simulated by two threads (reduce_fixture.h), each fitting its
 * own model on its half of every global mini-batch, give the one-process
 * fit of the whole batch; failures of the hook are reported; a NULL hook is
 * the default; the hook is not part of the saved model.
 */
#include "mlp_fixture.h"
#include "reduce_fixture.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GLOBAL_BATCH 32
#define HALF (GLOBAL_BATCH / 2)

/* small_model() with the settings the ranks share: no shuffle (so the
 * global batches are rows in order), one thread, 3 epochs, L2 on. */
static genre_mlp *shared_model(int64_t batch, int64_t precision, int64_t optimizer)
{
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SHUFFLE, 0));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, 1));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 3));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, batch));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_L2, 1e-3));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, precision));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_OPTIMIZER, optimizer));
    return m;
}

/* Rank r's rows: its half of every global batch of the blobs, in order. */
static size_t shard_of(int r, double *x, int32_t *y)
{
    size_t n = 0;
    for (size_t b0 = 0; b0 < NB; b0 += GLOBAL_BATCH) {
        const size_t rows = NB - b0 < GLOBAL_BATCH ? NB - b0 : GLOBAL_BATCH;
        const size_t lo = b0 + (r == 0 ? 0 : rows / 2), hi = b0 + (r == 0 ? rows / 2 : rows);
        for (size_t i = lo; i < hi; i++, n++) {
            memcpy(x + n * DB, bx + i * DB, DB * sizeof *x);
            y[n] = by[i];
        }
    }
    return n;
}

/* The model's file image (malloc'ed) and its size. */
static unsigned char *image(const genre_mlp *m, size_t *n)
{
    *n = 0;
    ck_assert_status(genre_mlp_save_to_memory(m, NULL, 0, n), GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *b = malloc(*n);
    ck_assert_ptr_nonnull(b);
    ck_assert_ok(genre_mlp_save_to_memory(m, b, *n, n));
    return b;
}

typedef struct rank_job {
    genre_mlp *m;
    sim_rank who;
    double x[NB * DB];
    int32_t y[NB];
    size_t n;
    genre_status st;
    int partial; /* genre_mlp_partial_fit (one call) instead of genre_mlp_fit */
} rank_job;

static void *rank_fit(void *arg)
{
    rank_job *j = arg;
    j->st = j->partial ? genre_mlp_partial_fit(j->m, j->x, j->n, DB, DB, j->y)
                       : genre_mlp_fit(j->m, j->x, j->n, DB, DB, j->y, NULL, 0, 0, NULL);
    return NULL;
}

static void history(const genre_mlp *m, double *h, size_t *n)
{
    ck_assert_ok(genre_mlp_get_history(m, GENRE_MLP_HISTORY_TRAIN_LOSS, h, 8, n));
}

/* Two ranks with the reducer (each on `threads` threads) against one model
 * on one thread and every row; returns the largest difference of the
 * probabilities and the training-loss history. */
static double two_ranks_vs_one(int64_t precision, int64_t optimizer, int partial, int64_t threads)
{
    make_blobs();
    genre_mlp *one = shared_model(GLOBAL_BATCH, precision, optimizer);
    if (partial)
        ck_assert_ok(genre_mlp_partial_fit(one, bx, NB, DB, DB, by));
    else
        ck_assert_ok(genre_mlp_fit(one, bx, NB, DB, DB, by, NULL, 0, 0, NULL));

    sim_comm comm;
    sim_comm_init(&comm, 2);
    static rank_job jobs[2];
    void *args[2];
    for (int r = 0; r < 2; r++) {
        rank_job *j = &jobs[r];
        j->m = shared_model(HALF, precision, optimizer);
        ck_assert_ok(genre_mlp_set_i64(j->m, GENRE_MLP_N_THREADS, threads));
        j->who.comm = &comm;
        j->who.rank = r;
        j->n = shard_of(r, j->x, j->y);
        j->partial = partial;
        j->st = GENRE_E_INTERNAL;
        ck_assert_ok(genre_mlp_set_reducer(j->m, sim_allreduce, &j->who));
        args[r] = j;
    }
    ck_assert_int_eq(jobs[0].n + jobs[1].n, NB);
    sim_run(2, rank_fit, args);
    ck_assert_int_eq(comm.mismatch, 0);
    for (int r = 0; r < 2; r++)
        ck_assert_msg(jobs[r].st == GENRE_OK, "rank %d: %s", r, genre_status_name(jobs[r].st));
    /* one call per global mini-batch: 8 per epoch */
    ck_assert_int_eq(comm.calls[0], partial ? 8 : 3 * 8);
    ck_assert_int_eq(comm.calls[1], comm.calls[0]);

    /* the ranks hold the same model, bit for bit */
    size_t len0 = 0, len1 = 0;
    unsigned char *b0 = image(jobs[0].m, &len0), *b1 = image(jobs[1].m, &len1);
    ck_assert_uint_eq(len0, len1);
    ck_assert(memcmp(b0, b1, len0) == 0);
    free(b0);
    free(b1);

    /* and the one-process fit of the global batches, to rounding */
    static double p1[NB * KB], p2[NB * KB];
    ck_assert_ok(genre_mlp_predict_proba(one, bx, NB, DB, DB, p1, NB * KB, NULL));
    ck_assert_ok(genre_mlp_predict_proba(jobs[0].m, bx, NB, DB, DB, p2, NB * KB, NULL));
    double worst = 0.0;
    for (size_t i = 0; i < NB * KB; i++)
        worst = fmax(worst, fabs(p1[i] - p2[i]));
    double h1[8], h2[8];
    size_t e1 = 0, e2 = 0;
    history(one, h1, &e1);
    history(jobs[0].m, h2, &e2);
    ck_assert_uint_eq(e1, e2);
    for (size_t e = 0; e < e1; e++)
        worst = fmax(worst, fabs(h1[e] - h2[e]));
    genre_mlp_free(one);
    for (int r = 0; r < 2; r++)
        genre_mlp_free(jobs[r].m);
    sim_comm_destroy(&comm);
    return worst;
}

START_TEST(two_ranks_equal_one_process)
{
    const double adam = two_ranks_vs_one(GENRE_MLP_PRECISION_DOUBLE, GENRE_MLP_OPT_ADAM, 0, 1);
    ck_assert_msg(adam <= 1e-9, "Adam: largest difference %g", adam);
    const double sgd = two_ranks_vs_one(GENRE_MLP_PRECISION_DOUBLE, GENRE_MLP_OPT_SGD, 0, 1);
    ck_assert_msg(sgd <= 1e-9, "SGD: largest difference %g", sgd);
    /* partial_fit (one window, one pass) reduces the same way */
    const double part = two_ranks_vs_one(GENRE_MLP_PRECISION_DOUBLE, GENRE_MLP_OPT_ADAM, 1, 1);
    ck_assert_msg(part <= 1e-9, "partial_fit: largest difference %g", part);
    /* each rank on 2 threads: its threads' gradients combined before the hook */
    const double thr = two_ranks_vs_one(GENRE_MLP_PRECISION_DOUBLE, GENRE_MLP_OPT_ADAM, 0, 2);
    ck_assert_msg(thr <= 1e-9, "2 threads per rank: largest difference %g", thr);
}
END_TEST

/* float mode: the hook sees double sums of float gradients; the halves
 * round differently from the whole batch, so to float accuracy */
START_TEST(two_ranks_float)
{
    const double f = two_ranks_vs_one(GENRE_MLP_PRECISION_FLOAT, GENRE_MLP_OPT_ADAM, 0, 1);
    ck_assert_msg(f <= 1e-4, "float: largest difference %g", f);
    const double f2 = two_ranks_vs_one(GENRE_MLP_PRECISION_FLOAT, GENRE_MLP_OPT_ADAM, 0, 2);
    ck_assert_msg(f2 <= 1e-4, "float, 2 threads per rank: largest difference %g", f2);
}
END_TEST

/* ---- One process: identity, failures, NULL, save/load ------------------------ */

typedef struct probe {
    long calls;
    int32_t rc;      /* returned from call fail_at on */
    long fail_at;
    size_t len;
    int32_t what;
    int64_t last_step;
    double rows_seen; /* sum of buf[len - 1] */
} probe;

static int32_t probe_reduce(void *user_data, int32_t what, int64_t step, double *buf, size_t len)
{
    probe *p = user_data;
    p->calls++;
    p->len = len;
    p->what = what;
    p->last_step = step;
    p->rows_seen += buf[len - 1];
    return p->calls >= p->fail_at ? p->rc : 0;
}

START_TEST(identity_reducer_is_the_plain_fit)
{
    make_blobs();
    genre_mlp *plain = shared_model(GLOBAL_BATCH, GENRE_MLP_PRECISION_DOUBLE, GENRE_MLP_OPT_ADAM);
    genre_mlp *hooked = shared_model(GLOBAL_BATCH, GENRE_MLP_PRECISION_DOUBLE, GENRE_MLP_OPT_ADAM);
    ck_assert_ok(genre_mlp_set_i64(plain, GENRE_MLP_SHUFFLE, 1));
    ck_assert_ok(genre_mlp_set_i64(hooked, GENRE_MLP_SHUFFLE, 1));
    probe pr = {0, 0, LONG_MAX, 0, 0, 0, 0.0};
    ck_assert_ok(genre_mlp_set_reducer(hooked, probe_reduce, &pr));
    ck_assert_ok(genre_mlp_fit(plain, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    ck_assert_ok(genre_mlp_fit(hooked, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    int64_t np = 0;
    ck_assert_ok(genre_mlp_get_i64(hooked, GENRE_MLP_N_PARAMS, &np));
    ck_assert_int_eq(pr.calls, 3 * 8);
    ck_assert_uint_eq(pr.len, (size_t)np + 2);
    ck_assert_int_eq(pr.what, GENRE_MLP_REDUCE_GRADIENT);
    ck_assert_int_eq(pr.last_step, 3 * 8);
    ck_assert_double_eq(pr.rows_seen, 3.0 * NB);
    static double p1[NB * KB], p2[NB * KB];
    ck_assert_ok(genre_mlp_predict_proba(plain, bx, NB, DB, DB, p1, NB * KB, NULL));
    ck_assert_ok(genre_mlp_predict_proba(hooked, bx, NB, DB, DB, p2, NB * KB, NULL));
    for (size_t i = 0; i < NB * KB; i++)
        ck_assert_double_eq_tol(p1[i], p2[i], 1e-12);
    genre_mlp_free(plain);
    genre_mlp_free(hooked);
}
END_TEST

/* Regression: the per-row loss is the mean over targets; the fit with a
 * reducer that changes nothing is the plain fit to rounding. */
START_TEST(identity_reducer_regression)
{
    make_blobs();
    static double y[NB * 2];
    for (size_t i = 0; i < NB; i++) {
        y[2 * i] = bx[i * DB] - 0.5 * bx[i * DB + 1];
        y[2 * i + 1] = (double)by[i];
    }
    genre_mlp *plain = shared_model(GLOBAL_BATCH, GENRE_MLP_PRECISION_DOUBLE, GENRE_MLP_OPT_ADAM);
    genre_mlp *hooked = shared_model(GLOBAL_BATCH, GENRE_MLP_PRECISION_DOUBLE, GENRE_MLP_OPT_ADAM);
    probe pr = {0, 0, LONG_MAX, 0, 0, 0, 0.0};
    ck_assert_ok(genre_mlp_set_reducer(hooked, probe_reduce, &pr));
    ck_assert_ok(genre_mlp_fit_regression(plain, bx, NB, DB, DB, y, 2, NULL, 0, 0, NULL));
    ck_assert_ok(genre_mlp_fit_regression(hooked, bx, NB, DB, DB, y, 2, NULL, 0, 0, NULL));
    ck_assert_int_eq(pr.calls, 3 * 8);
    static double v1[NB * 2], v2[NB * 2];
    ck_assert_ok(genre_mlp_predict_values(plain, bx, NB, DB, DB, v1, NB * 2, NULL));
    ck_assert_ok(genre_mlp_predict_values(hooked, bx, NB, DB, DB, v2, NB * 2, NULL));
    for (size_t i = 0; i < NB * 2; i++)
        ck_assert_double_eq_tol(v1[i], v2[i], 1e-12);
    double h1[8], h2[8];
    size_t e1 = 0, e2 = 0;
    history(plain, h1, &e1);
    history(hooked, h2, &e2);
    for (size_t e = 0; e < e1; e++)
        ck_assert_double_eq_tol(h1[e], h2[e], 1e-12);
    genre_mlp_free(plain);
    genre_mlp_free(hooked);
}
END_TEST

START_TEST(failing_reducer_is_reported)
{
    make_blobs();
    genre_mlp *m = shared_model(GLOBAL_BATCH, GENRE_MLP_PRECISION_DOUBLE, GENRE_MLP_OPT_ADAM);
    probe pr = {0, 7, 5, 0, 0, 0, 0.0}; /* the 5th call returns 7 */
    ck_assert_ok(genre_mlp_set_reducer(m, probe_reduce, &pr));
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL), GENRE_E_CANCELLED);
    const char *msg = genre_last_error();
    ck_assert_msg(strstr(msg, "genre_mlp_fit") && strstr(msg, "gradient reducer") &&
                      strstr(msg, "returned 7") && strstr(msg, "step 5"),
                  "%s", msg);
    int64_t fitted = 0;
    ck_assert_status(genre_mlp_get_i64(m, GENRE_MLP_EPOCHS_RUN, &fitted), GENRE_E_BAD_STATE);
    /* a GENRE_E_* status passes through */
    pr.calls = 0;
    pr.rc = GENRE_E_IO;
    pr.fail_at = 1;
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL), GENRE_E_IO);
    ck_assert_msg(strstr(genre_last_error(), "GENRE_E_IO"), "%s", genre_last_error());
    ck_assert_status(genre_mlp_partial_fit(m, bx, NB, DB, DB, by), GENRE_E_IO);
    ck_assert_msg(strstr(genre_last_error(), "genre_mlp_partial_fit"), "%s", genre_last_error());
    ck_assert_status(genre_mlp_set_reducer(NULL, probe_reduce, &pr), GENRE_E_INVALID_ARG);
    genre_mlp_free(m);
}
END_TEST

/* a reducer that loses the row count */
static int32_t zero_rows(void *user_data, int32_t what, int64_t step, double *buf, size_t len)
{
    (void)user_data;
    (void)what;
    (void)step;
    buf[len - 1] = 0.0;
    return 0;
}

START_TEST(bad_row_count_is_refused)
{
    make_blobs();
    genre_mlp *m = shared_model(GLOBAL_BATCH, GENRE_MLP_PRECISION_DOUBLE, GENRE_MLP_OPT_ADAM);
    ck_assert_ok(genre_mlp_set_reducer(m, zero_rows, NULL));
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL), GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "row count of 0"), "%s", genre_last_error());
    genre_mlp_free(m);
}
END_TEST

START_TEST(null_reducer_restores_the_default)
{
    make_blobs();
    genre_mlp *plain = shared_model(GLOBAL_BATCH, GENRE_MLP_PRECISION_DOUBLE, GENRE_MLP_OPT_ADAM);
    genre_mlp *m = shared_model(GLOBAL_BATCH, GENRE_MLP_PRECISION_DOUBLE, GENRE_MLP_OPT_ADAM);
    probe pr = {0, 0, LONG_MAX, 0, 0, 0, 0.0};
    ck_assert_ok(genre_mlp_set_reducer(m, probe_reduce, &pr));
    ck_assert_ok(genre_mlp_set_reducer(m, NULL, &pr));
    ck_assert_ok(genre_mlp_fit(plain, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    ck_assert_int_eq(pr.calls, 0);
    size_t n1 = 0, n2 = 0;
    unsigned char *a = image(plain, &n1), *b = image(m, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(a, b, n1) == 0); /* the same bits as never having had one */
    free(a);
    free(b);
    genre_mlp_free(plain);
    genre_mlp_free(m);
}
END_TEST

START_TEST(reducer_is_not_saved)
{
    make_blobs();
    genre_mlp *m = shared_model(GLOBAL_BATCH, GENRE_MLP_PRECISION_DOUBLE, GENRE_MLP_OPT_ADAM);
    probe pr = {0, 0, LONG_MAX, 0, 0, 0, 0.0};
    ck_assert_ok(genre_mlp_set_reducer(m, probe_reduce, &pr));
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    const long calls = pr.calls;
    ck_assert_int_gt(calls, 0);
    size_t n = 0;
    unsigned char *buf = image(m, &n);
    genre_mlp *loaded = NULL;
    ck_assert_ok(genre_mlp_load_from_memory(&loaded, buf, n));
    free(buf);
    ck_assert_ok(genre_mlp_partial_fit(loaded, bx, NB, DB, DB, by));
    ck_assert_ok(genre_mlp_fit(loaded, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    ck_assert_int_eq(pr.calls, calls); /* the loaded model has no reducer */
    /* reset_params keeps it on the original handle */
    ck_assert_ok(genre_mlp_reset_params(m));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 1));
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    ck_assert_int_gt(pr.calls, calls);
    genre_mlp_free(loaded);
    genre_mlp_free(m);
}
END_TEST

/* CSR: lazy updates cannot be reduced; exact ones can */
START_TEST(csr_needs_exact_updates)
{
    make_blobs();
    size_t row_ptr[NB + 1];
    uint32_t col[NB * DB];
    for (size_t i = 0; i <= NB; i++)
        row_ptr[i] = i * DB;
    for (size_t q = 0; q < NB * DB; q++)
        col[q] = (uint32_t)(q % DB);
    genre_mlp *m = shared_model(GLOBAL_BATCH, GENRE_MLP_PRECISION_DOUBLE, GENRE_MLP_OPT_ADAM);
    probe pr = {0, 0, LONG_MAX, 0, 0, 0, 0.0};
    ck_assert_ok(genre_mlp_set_reducer(m, probe_reduce, &pr));
    ck_assert_status(genre_mlp_fit_csr(m, NB, DB, row_ptr[NB], row_ptr, col, bx, by, 0, 0, NULL,
                                       NULL, NULL, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "GENRE_MLP_SPARSE_UPDATE"), "%s",
                  genre_last_error());
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SPARSE_UPDATE, 0));
    ck_assert_ok(genre_mlp_fit_csr(m, NB, DB, row_ptr[NB], row_ptr, col, bx, by, 0, 0, NULL, NULL,
                                   NULL, NULL));
    ck_assert_int_eq(pr.calls, 3 * 8);
    genre_mlp_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mlp_reduce");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, two_ranks_equal_one_process);
    tcase_add_test(tc, two_ranks_float);
    tcase_add_test(tc, identity_reducer_is_the_plain_fit);
    tcase_add_test(tc, identity_reducer_regression);
    tcase_add_test(tc, failing_reducer_is_reported);
    tcase_add_test(tc, bad_row_count_is_refused);
    tcase_add_test(tc, null_reducer_restores_the_default);
    tcase_add_test(tc, reducer_is_not_saved);
    tcase_add_test(tc, csr_needs_exact_updates);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
