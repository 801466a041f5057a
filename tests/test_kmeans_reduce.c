/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * k-means' reducer (genre_kmeans_set_reducer, issue 20): processes
 * simulated by threads (reduce_fixture.h), each fitting its own shard from
 * the same initial centers, give the assignments of the fit on the union;
 * the hook's failures are reported; NULL is the default; the hook and the
 * initial centers are not part of the saved model.
 */
#include "reduce_fixture.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define N 600
#define K 3
#define MAXD 12

static double xs[N * MAXD];
static uint64_t state;

static double unif(void)
{
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(state >> 11) / 9007199254740992.0;
}

/* Three overlapping blobs of d columns, offset far from 0 (the spread's
 * shifted sums must not cancel). */
static void make_data(size_t d)
{
    state = 2026;
    for (size_t i = 0; i < N; i++)
        for (size_t t = 0; t < d; t++) {
            const double u1 = unif() + 1e-12, u2 = unif();
            const double g = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
            xs[i * d + t] = 1000.0 + 2.0 * (double)(i % K) * (t % 2 ? 1.0 : -1.0) + 1.3 * g;
        }
}

/* Initial centers: rows 0, 1 and 2 (one per blob, rows i % 3). */
static void initial_centers(size_t d, double *c)
{
    memcpy(c, xs, K * d * sizeof *c);
}

static genre_kmeans *model(size_t d)
{
    genre_kmeans *km = NULL;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, K));
    ck_assert_ok(genre_kmeans_set_f64(km, GENRE_KMEANS_TOL, 0.0));
    double c[K * MAXD];
    initial_centers(d, c);
    ck_assert_ok(genre_kmeans_set_initial_centers(km, c, K, d));
    return km;
}

typedef struct shard {
    genre_kmeans *km;
    sim_rank who;
    double x[N * MAXD];
    size_t n, d;
    int32_t labels[N];
    genre_status st;
} shard;

static void *shard_fit(void *arg)
{
    shard *s = arg;
    s->st = genre_kmeans_fit(s->km, s->x, s->n, s->d, s->d);
    if (s->st == GENRE_OK)
        s->st = genre_kmeans_get_labels(s->km, s->labels, N, NULL);
    return NULL;
}

/* P ranks, rank r holding rows i % P == r, against the fit on every row. */
static void ranks_vs_union(int P, size_t d)
{
    make_data(d);
    genre_kmeans *all = model(d);
    ck_assert_ok(genre_kmeans_fit(all, xs, N, d, d));
    int32_t lab[N];
    double c_all[K * MAXD], c_r[K * MAXD], inertia_all, inertia_r;
    int64_t iter_all, iter_r, conv_r;
    ck_assert_ok(genre_kmeans_get_labels(all, lab, N, NULL));
    ck_assert_ok(genre_kmeans_get_centers(all, c_all, K * d, NULL));
    ck_assert_ok(genre_kmeans_get_i64(all, GENRE_KMEANS_N_ITER, &iter_all));
    ck_assert_ok(genre_kmeans_get_f64(all, GENRE_KMEANS_INERTIA, &inertia_all));
    ck_assert_int_ge(iter_all, 3); /* the test means something */

    sim_comm comm;
    sim_comm_init(&comm, P);
    static shard sh[SIM_MAX_RANKS];
    void *args[SIM_MAX_RANKS];
    for (int r = 0; r < P; r++) {
        shard *s = &sh[r];
        s->km = model(d);
        s->who.comm = &comm;
        s->who.rank = r;
        s->d = d;
        s->n = 0;
        for (size_t i = (size_t)r; i < N; i += (size_t)P, s->n++)
            memcpy(s->x + s->n * d, xs + i * d, d * sizeof(double));
        s->st = GENRE_E_INTERNAL;
        ck_assert_ok(genre_kmeans_set_reducer(s->km, sim_allreduce, &s->who));
        args[r] = s;
    }
    sim_run(P, shard_fit, args);
    ck_assert_int_eq(comm.mismatch, 0);
    for (int r = 0; r < P; r++) {
        shard *s = &sh[r];
        ck_assert_msg(s->st == GENRE_OK, "rank %d: %s", r, genre_status_name(s->st));
        /* the same assignments as the union's rows */
        for (size_t q = 0; q < s->n; q++)
            ck_assert_int_eq(s->labels[q], lab[q * (size_t)P + (size_t)r]);
        ck_assert_ok(genre_kmeans_get_centers(s->km, c_r, K * d, NULL));
        for (size_t q = 0; q < K * d; q++)
            ck_assert_double_eq_tol(c_r[q], c_all[q], 1e-12 * fabs(c_all[q]));
        ck_assert_ok(genre_kmeans_get_i64(s->km, GENRE_KMEANS_N_ITER, &iter_r));
        ck_assert_int_eq(iter_r, iter_all);
        ck_assert_ok(genre_kmeans_get_i64(s->km, GENRE_KMEANS_CONVERGED, &conv_r));
        ck_assert_int_eq(conv_r, 1);
        ck_assert_ok(genre_kmeans_get_f64(s->km, GENRE_KMEANS_INERTIA, &inertia_r));
        ck_assert_double_eq_tol(inertia_r, inertia_all, 1e-9 * inertia_all);
        /* every rank holds the same centers, bit for bit */
        double c0[K * MAXD];
        ck_assert_ok(genre_kmeans_get_centers(sh[0].km, c0, K * d, NULL));
        ck_assert(memcmp(c0, c_r, K * d * sizeof(double)) == 0);
    }
    /* spread + one call per iteration + the inertia */
    ck_assert_int_eq(comm.calls[0], iter_all + 2);
    for (int r = 0; r < P; r++)
        genre_kmeans_free(sh[r].km);
    genre_kmeans_free(all);
    sim_comm_destroy(&comm);
}

START_TEST(two_ranks_equal_the_union)
{
    ranks_vs_union(2, 2);  /* the builtin distance kernel */
    ranks_vs_union(2, 10); /* AUTO picks CBLAS above 8 columns */
}
END_TEST

START_TEST(three_uneven_ranks_equal_the_union)
{
    ranks_vs_union(3, 3);
}
END_TEST

/* The relative tolerance reads the spread of every rank's rows: with a
 * tolerance the ranks stop at the union's iteration. */
START_TEST(tolerance_from_every_rank)
{
    make_data(2);
    double c[K * 2];
    initial_centers(2, c);
    int64_t iter_all = 0, iter0 = 0;
    genre_kmeans *all = model(2);
    ck_assert_ok(genre_kmeans_set_f64(all, GENRE_KMEANS_TOL, 1e-3));
    ck_assert_ok(genre_kmeans_fit(all, xs, N, 2, 2));
    ck_assert_ok(genre_kmeans_get_i64(all, GENRE_KMEANS_N_ITER, &iter_all));
    sim_comm comm;
    sim_comm_init(&comm, 2);
    static shard sh[2];
    void *args[2];
    for (int r = 0; r < 2; r++) {
        sh[r].km = model(2);
        ck_assert_ok(genre_kmeans_set_f64(sh[r].km, GENRE_KMEANS_TOL, 1e-3));
        sh[r].who.comm = &comm;
        sh[r].who.rank = r;
        sh[r].d = 2;
        sh[r].n = N / 2;
        /* rank 0 the first half of the rows, rank 1 the second */
        memcpy(sh[r].x, xs + (size_t)r * (N / 2) * 2, (N / 2) * 2 * sizeof(double));
        ck_assert_ok(genre_kmeans_set_reducer(sh[r].km, sim_allreduce, &sh[r].who));
        args[r] = &sh[r];
    }
    sim_run(2, shard_fit, args);
    for (int r = 0; r < 2; r++)
        ck_assert_int_eq(sh[r].st, GENRE_OK);
    ck_assert_ok(genre_kmeans_get_i64(sh[0].km, GENRE_KMEANS_N_ITER, &iter0));
    ck_assert_int_eq(iter0, iter_all);
    for (int r = 0; r < 2; r++)
        genre_kmeans_free(sh[r].km);
    genre_kmeans_free(all);
    sim_comm_destroy(&comm);
}
END_TEST

/* ---- One process: errors, NULL, save/load, empty clusters ----------------- */

typedef struct probe {
    long calls;
    long fail_at;
    int32_t rc;
    int32_t whats[4];
} probe;

static int32_t probe_reduce(void *user_data, int32_t what, int64_t step, double *buf, size_t len)
{
    (void)step;
    (void)buf;
    (void)len;
    probe *p = user_data;
    p->calls++;
    if (what >= 1 && what <= 3)
        p->whats[what]++;
    return p->calls >= p->fail_at ? p->rc : 0;
}

START_TEST(reducer_errors)
{
    make_data(2);
    genre_kmeans *km = NULL;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, K));
    probe pr = {0, 3, 5, {0}}; /* the 3rd call (iteration 2) returns 5 */
    ck_assert_ok(genre_kmeans_set_reducer(km, probe_reduce, &pr));
    /* k-means++ per process would start the processes apart */
    ck_assert_status(genre_kmeans_fit(km, xs, N, 2, 2), GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "genre_kmeans_set_initial_centers"), "%s",
                  genre_last_error());
    double c[K * 2];
    initial_centers(2, c);
    ck_assert_ok(genre_kmeans_set_initial_centers(km, c, K, 2));
    ck_assert_status(genre_kmeans_fit(km, xs, N, 2, 2), GENRE_E_CANCELLED);
    const char *msg = genre_last_error();
    ck_assert_msg(strstr(msg, "genre_kmeans_fit") && strstr(msg, "k-means reducer") &&
                      strstr(msg, "returned 5") && strstr(msg, "step 2"),
                  "%s", msg);
    int64_t fitted = 1;
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_FITTED, &fitted));
    ck_assert_int_eq(fitted, 0);
    pr.calls = 0;
    pr.fail_at = 1;
    pr.rc = GENRE_E_NOMEM;
    ck_assert_status(genre_kmeans_fit(km, xs, N, 2, 2), GENRE_E_NOMEM);
    ck_assert_msg(strstr(genre_last_error(), "GENRE_E_NOMEM"), "%s", genre_last_error());
    /* initial centers that do not fit */
    ck_assert_ok(genre_kmeans_set_reducer(km, NULL, NULL));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, K + 1));
    ck_assert_status(genre_kmeans_fit(km, xs, N, 2, 2), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, K));
    ck_assert_status(genre_kmeans_fit(km, xs, N / 2, 4, 4), GENRE_E_SHAPE);
    c[1] = NAN;
    ck_assert_status(genre_kmeans_set_initial_centers(km, c, K, 2), GENRE_E_NONFINITE);
    ck_assert_status(genre_kmeans_set_initial_centers(km, c, 0, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_set_initial_centers(NULL, c, K, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_set_reducer(NULL, probe_reduce, &pr), GENRE_E_INVALID_ARG);
    genre_kmeans_free(km);
}
END_TEST

/* A reducer that leaves a broken value in one slot of one kind of call:
 * the fit names the reducer and the slot instead of saving a model that
 * does not load, blaming x, or casting 1e30 to a count. */
typedef struct corrupt {
    int32_t what;
    long slot; /* from the end of buf when negative */
    double value;
} corrupt;

static int32_t corrupt_reduce(void *user_data, int32_t what, int64_t step, double *buf,
                              size_t len)
{
    (void)step;
    const corrupt *c = user_data;
    if (what == c->what)
        buf[c->slot < 0 ? (long)len + c->slot : c->slot] = c->value;
    return 0;
}

START_TEST(broken_reductions_are_named)
{
    make_data(2);
    const struct {
        corrupt c;
        const char *says;
    } cases[] = {
        {{GENRE_KMEANS_REDUCE_SPREAD, 0, 0.5}, "row count of 0.5"},
        {{GENRE_KMEANS_REDUCE_SPREAD, 2, NAN}, "non-finite column sum (nan) for column 1"},
        {{GENRE_KMEANS_REDUCE_LLOYD, 3, INFINITY}, "non-finite sum (inf) for cluster 1, column 1"},
        {{GENRE_KMEANS_REDUCE_LLOYD, 2 * K + 1, -4.0}, "row count of -4 for cluster 1"},
        {{GENRE_KMEANS_REDUCE_LLOYD, 2 * K, 1.5}, "row count of 1.5 for cluster 0"},
        {{GENRE_KMEANS_REDUCE_LLOYD, -2, -1.0}, "inertia of -1"},
        {{GENRE_KMEANS_REDUCE_LLOYD, -1, 1e30}, "changed-label count of 1e+30"},
        {{GENRE_KMEANS_REDUCE_LLOYD, -1, NAN}, "changed-label count of nan"},
        {{GENRE_KMEANS_REDUCE_INERTIA, 0, -2.0}, "final inertia of -2"},
        {{GENRE_KMEANS_REDUCE_INERTIA, 0, NAN}, "final inertia of nan"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        genre_kmeans *km = model(2);
        corrupt c = cases[i].c;
        ck_assert_ok(genre_kmeans_set_reducer(km, corrupt_reduce, &c));
        ck_assert_int_eq(genre_kmeans_fit(km, xs, N, 2, 2), GENRE_E_INVALID_ARG);
        const char *msg = genre_last_error();
        ck_assert_msg(strstr(msg, "k-means reducer") && strstr(msg, cases[i].says), "case %zu: %s",
                      i, msg);
        int64_t fitted = 1;
        ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_FITTED, &fitted));
        ck_assert_int_eq(fitted, 0);
        genre_kmeans_free(km);
    }
}
END_TEST

/* NULL reducer and NULL initial centers: the plain k-means++ fit, bit for bit */
START_TEST(null_restores_the_default)
{
    make_data(2);
    genre_kmeans *plain = NULL, *km = model(2);
    ck_assert_ok(genre_kmeans_create(&plain));
    ck_assert_ok(genre_kmeans_set_i64(plain, GENRE_KMEANS_K, K));
    ck_assert_ok(genre_kmeans_set_f64(plain, GENRE_KMEANS_TOL, 0.0));
    probe pr = {0, LONG_MAX, 0, {0}};
    ck_assert_ok(genre_kmeans_set_reducer(km, probe_reduce, &pr));
    ck_assert_ok(genre_kmeans_set_reducer(km, NULL, &pr));
    ck_assert_ok(genre_kmeans_set_initial_centers(km, NULL, 0, 0));
    ck_assert_ok(genre_kmeans_fit(plain, xs, N, 2, 2));
    ck_assert_ok(genre_kmeans_fit(km, xs, N, 2, 2));
    ck_assert_int_eq(pr.calls, 0);
    double a[K * 2], b[K * 2];
    ck_assert_ok(genre_kmeans_get_centers(plain, a, K * 2, NULL));
    ck_assert_ok(genre_kmeans_get_centers(km, b, K * 2, NULL));
    ck_assert(memcmp(a, b, sizeof a) == 0);
    genre_kmeans_free(plain);
    genre_kmeans_free(km);
}
END_TEST

/* One process with a reducer that changes nothing: the fit from the same
 * centers without it, the same bits (tolerance 0: the spread plays no part). */
START_TEST(identity_reducer_and_save_load)
{
    make_data(2);
    genre_kmeans *plain = model(2), *km = model(2);
    probe pr = {0, LONG_MAX, 0, {0}};
    ck_assert_ok(genre_kmeans_set_reducer(km, probe_reduce, &pr));
    ck_assert_ok(genre_kmeans_fit(plain, xs, N, 2, 2));
    ck_assert_ok(genre_kmeans_fit(km, xs, N, 2, 2));
    int64_t it = 0;
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_N_ITER, &it));
    ck_assert_int_eq(pr.whats[GENRE_KMEANS_REDUCE_SPREAD], 1);
    ck_assert_int_eq(pr.whats[GENRE_KMEANS_REDUCE_LLOYD], it);
    ck_assert_int_eq(pr.whats[GENRE_KMEANS_REDUCE_INERTIA], 1);
    double a[K * 2], b[K * 2];
    ck_assert_ok(genre_kmeans_get_centers(plain, a, K * 2, NULL));
    ck_assert_ok(genre_kmeans_get_centers(km, b, K * 2, NULL));
    ck_assert(memcmp(a, b, sizeof a) == 0);
    /* neither the reducer nor the initial centers are saved */
    size_t n = 0;
    ck_assert_status(genre_kmeans_save_to_memory(km, NULL, 0, &n), GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *buf = malloc(n);
    ck_assert_ok(genre_kmeans_save_to_memory(km, buf, n, &n));
    genre_kmeans *loaded = NULL;
    ck_assert_ok(genre_kmeans_load_from_memory(&loaded, buf, n));
    free(buf);
    const long calls = pr.calls;
    ck_assert_ok(genre_kmeans_fit(loaded, xs, N, 2, 2)); /* k-means++: no initial centers */
    ck_assert_int_eq(pr.calls, calls);
    ck_assert_ok(genre_kmeans_get_i64(loaded, GENRE_KMEANS_BEST_RESTART, &it));
    /* reset_params keeps both on the original handle */
    ck_assert_ok(genre_kmeans_reset_params(km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, K));
    ck_assert_ok(genre_kmeans_fit(km, xs, N, 2, 2));
    ck_assert_int_gt(pr.calls, calls);
    genre_kmeans_free(loaded);
    genre_kmeans_free(plain);
    genre_kmeans_free(km);
}
END_TEST

static char logged[512];
static void keep_log(void *user_data, int32_t level, const char *message)
{
    (void)user_data;
    if (level == GENRE_LOG_WARNING)
        snprintf(logged, sizeof logged, "%s", message);
}

/* With a reducer an empty cluster keeps its center (decided from the
 * reduced counts, the same everywhere), and is logged. */
START_TEST(empty_cluster_keeps_its_center)
{
    make_data(2);
    genre_kmeans *km = NULL;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, K + 1));
    double c[(K + 1) * 2];
    initial_centers(2, c);
    c[K * 2] = -5000.0; /* far from every row: never assigned */
    c[K * 2 + 1] = -5000.0;
    ck_assert_ok(genre_kmeans_set_initial_centers(km, c, K + 1, 2));
    probe pr = {0, LONG_MAX, 0, {0}};
    ck_assert_ok(genre_kmeans_set_reducer(km, probe_reduce, &pr));
    ck_assert_ok(genre_kmeans_set_log(km, keep_log, NULL));
    logged[0] = '\0';
    ck_assert_ok(genre_kmeans_fit(km, xs, N, 2, 2));
    double out[(K + 1) * 2];
    ck_assert_ok(genre_kmeans_get_centers(km, out, (K + 1) * 2, NULL));
    ck_assert_double_eq(out[K * 2], -5000.0);
    ck_assert_double_eq(out[K * 2 + 1], -5000.0);
    ck_assert_msg(strstr(logged, "empty") && strstr(logged, "reducer"), "%s", logged);
    genre_kmeans_free(km);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kmeans_reduce");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, two_ranks_equal_the_union);
    tcase_add_test(tc, three_uneven_ranks_equal_the_union);
    tcase_add_test(tc, tolerance_from_every_rank);
    tcase_add_test(tc, reducer_errors);
    tcase_add_test(tc, broken_reductions_are_named);
    tcase_add_test(tc, null_restores_the_default);
    tcase_add_test(tc, identity_reducer_and_save_load);
    tcase_add_test(tc, empty_cluster_keeps_its_center);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
