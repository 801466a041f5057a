/* SPDX-License-Identifier: GPL-3.0-or-later */
/* k-means: blobs recovered exactly, restarts that never end higher with more
 * of them, reproducibility, empty clusters, the sweep, parameters, every
 * documented status, persistence and allocation failures. The real-data
 * sweep is in test_kmeans_real.c, the silhouette in test_silhouette.c. */
#include "harness.h"

#include <genre/kmeans.h>
#include <genre/metrics.h>

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

GENRE_TEST_MODEL_IO(kmeans)

static double uni(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(unsigned long long *s)
{
    double u = uni(s), v = uni(s);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* n rows around K centers (blobs interleaved), d columns, spread sd;
 * centers on a circle of radius sep in the first two columns (and at
 * sep/2 cos((t+1) angle) in the others). */
static void blobs(size_t n, size_t d, size_t K, double sep, double sd,
                  unsigned long long seed, double **x_out, int32_t **y_out)
{
    double *x = malloc(n * d * sizeof *x);
    int32_t *y = malloc(n * sizeof *y);
    ck_assert(x && y);
    for (size_t i = 0; i < n; i++) {
        size_t c = (i * 7 + i / K) % K;
        y[i] = (int32_t)c;
        const double th = 6.283185307179586 * (double)c / (double)K;
        for (size_t t = 0; t < d; t++)
            x[i * d + t] = (t == 0   ? sep * cos(th)
                            : t == 1 ? sep * sin(th)
                                     : 0.5 * sep * cos((double)(t + 1) * th)) +
                           sd * gauss(&seed);
    }
    *x_out = x;
    *y_out = y;
}

/* 1 when labels a and b are the same partition (a bijection of labels). */
static int same_partition(const int32_t *a, const int32_t *b, size_t n, size_t K)
{
    int32_t map[64], back[64];
    for (size_t c = 0; c < K; c++)
        map[c] = back[c] = -1;
    for (size_t i = 0; i < n; i++) {
        if (a[i] < 0 || (size_t)a[i] >= K || b[i] < 0 || (size_t)b[i] >= K)
            return 0;
        if (map[a[i]] < 0 && back[b[i]] < 0) {
            map[a[i]] = b[i];
            back[b[i]] = a[i];
        }
        if (map[a[i]] != b[i] || back[b[i]] != a[i])
            return 0;
    }
    return 1;
}

START_TEST(well_separated_blobs_are_recovered_exactly)
{
    const size_t dims[3] = {2, 4, 20}, K = 5, n = 600;
    for (size_t q = 0; q < 3; q++) {
        const size_t d = dims[q];
        double *x;
        int32_t *y;
        blobs(n, d, K, 10.0, 0.5, 100 + q, &x, &y);
        for (int64_t kernel = GENRE_KMEANS_KERNEL_AUTO; kernel <= GENRE_KMEANS_KERNEL_BUILTIN;
             kernel++)
            for (int64_t threads = 1; threads <= 3; threads += 2) {
                genre_kmeans *km;
                ck_assert_ok(genre_kmeans_create(&km));
                ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, (int64_t)K));
                ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_SEED, 3));
                ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, threads));
                ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_DISTANCE_KERNEL, kernel));
                ck_assert_ok(genre_kmeans_fit(km, x, n, d, d));
                int32_t lab[600], pred[600];
                size_t need = 0;
                ck_assert_ok(genre_kmeans_get_labels(km, lab, n, &need));
                ck_assert_uint_eq(need, n);
                ck_assert_msg(same_partition(lab, y, n, K),
                              "d=%zu kernel=%d threads=%d: blobs not recovered", d, (int)kernel,
                              (int)threads);
                ck_assert_ok(genre_kmeans_predict(km, x, n, d, d, pred, n, NULL));
                ck_assert_mem_eq(lab, pred, sizeof lab);
                /* Centers are the blob means; inertia their scatter. */
                double c[5 * 20], inertia, sum = 0;
                ck_assert_ok(genre_kmeans_get_centers(km, c, K * d, &need));
                ck_assert_uint_eq(need, K * d);
                ck_assert_ok(genre_kmeans_get_f64(km, GENRE_KMEANS_INERTIA, &inertia));
                for (size_t i = 0; i < n; i++)
                    for (size_t t = 0; t < d; t++)
                        sum += (x[i * d + t] - c[lab[i] * d + t]) * (x[i * d + t] - c[lab[i] * d + t]);
                ck_assert_double_le(fabs(sum - inertia), 1e-9 * sum);
                int64_t v;
                ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_CONVERGED, &v));
                ck_assert_int_eq(v, 1);
                ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_N_ITER, &v));
                ck_assert_int_ge(v, 1);
                genre_kmeans_free(km);
            }
        free(x), free(y);
    }
}
END_TEST

static double fit_inertia(const double *x, size_t n, size_t d, int64_t k, int64_t n_init,
                          int64_t seed, int64_t *best_restart, int32_t *labels)
{
    genre_kmeans *km;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, k));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, n_init));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_SEED, seed));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, 2));
    ck_assert_ok(genre_kmeans_fit(km, x, n, d, d));
    double v;
    ck_assert_ok(genre_kmeans_get_f64(km, GENRE_KMEANS_INERTIA, &v));
    if (best_restart)
        ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_BEST_RESTART, best_restart));
    if (labels)
        ck_assert_ok(genre_kmeans_get_labels(km, labels, n, NULL));
    genre_kmeans_free(km);
    return v;
}

START_TEST(more_restarts_never_end_higher)
{
    /* Overlapping blobs: restarts end in different local minima. */
    const size_t n = 800, d = 2;
    double *x;
    int32_t *y;
    blobs(n, d, 9, 1.2, 0.8, 7, &x, &y);
    int decreased = 0;
    for (int64_t seed = 0; seed < 3; seed++) {
        double prev = INFINITY;
        for (int64_t m = 1; m <= 8; m++) {
            int64_t best;
            double v = fit_inertia(x, n, d, 7, m, seed, &best, NULL);
            ck_assert_msg(v <= prev, "seed %d: n_init %d ends at %.17g > %.17g with %d",
                          (int)seed, (int)m, v, prev, (int)m - 1);
            ck_assert_int_lt(best, m);
            decreased += v < prev && m > 1;
            prev = v;
        }
    }
    printf("kmeans: more restarts lowered the inertia %d time(s) over 3 seeds x 7 steps\n",
           decreased);
    ck_assert_int_gt(decreased, 0); /* the test is not vacuous */
    free(x), free(y);
}
END_TEST

START_TEST(same_seed_same_labels)
{
    const size_t n = 700, d = 3;
    double *x;
    int32_t *y;
    blobs(n, d, 6, 1.5, 0.9, 8, &x, &y);
    int32_t a[700], b[700];
    double va = fit_inertia(x, n, d, 6, 4, 11, NULL, a);
    double vb = fit_inertia(x, n, d, 6, 4, 11, NULL, b);
    ck_assert_mem_eq(a, b, sizeof a);
    ck_assert_mem_eq(&va, &vb, sizeof va);
    /* Restart i is the same run whatever n_init: n_init = 1 with seed s
     * equals restart 0 of n_init = 4 when restart 0 wins. */
    int64_t best;
    double v1 = fit_inertia(x, n, d, 6, 1, 11, &best, a);
    ck_assert_int_eq(best, 0);
    ck_assert_double_le(va, v1);
    free(x), free(y);
}
END_TEST

START_TEST(empty_clusters_and_duplicate_rows)
{
    /* 12 rows on 3 distinct points, k = 5: two clusters must stay empty and
     * nothing may become NaN. */
    double x[24];
    for (int i = 0; i < 12; i++) {
        x[2 * i] = (double)(i % 3) * 4.0;
        x[2 * i + 1] = i % 3 == 1 ? 1.5 : -0.5;
    }
    genre_kmeans *km;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 5));
    ck_assert_ok(genre_kmeans_fit(km, x, 12, 2, 2));
    double c[10], inertia;
    int32_t lab[12];
    ck_assert_ok(genre_kmeans_get_centers(km, c, 10, NULL));
    ck_assert_ok(genre_kmeans_get_labels(km, lab, 12, NULL));
    ck_assert_ok(genre_kmeans_get_f64(km, GENRE_KMEANS_INERTIA, &inertia));
    for (int q = 0; q < 10; q++)
        ck_assert(isfinite(c[q]));
    ck_assert_double_eq(inertia, 0.0);
    for (int i = 0; i < 12; i++) {
        ck_assert(lab[i] >= 0 && lab[i] < 5);
        ck_assert_int_eq(lab[i], lab[i % 3]);
    }
    genre_kmeans_free(km);
    /* A start that leaves a cluster empty: 2 tight groups and one far
     * outlier, k = 3, max_iter large; relocation keeps 3 non-empty clusters. */
    double z[2 * 41];
    unsigned long long s = 5;
    for (int i = 0; i < 40; i++) {
        z[2 * i] = (i < 20 ? 0.0 : 3.0) + 0.1 * gauss(&s);
        z[2 * i + 1] = 0.1 * gauss(&s);
    }
    z[80] = 100.0, z[81] = 100.0;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 3));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 3));
    ck_assert_ok(genre_kmeans_fit(km, z, 41, 2, 2));
    int32_t lz[41];
    int seen[3] = {0, 0, 0};
    ck_assert_ok(genre_kmeans_get_labels(km, lz, 41, NULL));
    for (int i = 0; i < 41; i++)
        seen[lz[i]]++;
    ck_assert(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
    ck_assert_int_eq(seen[lz[40]], 1); /* the outlier alone */
    genre_kmeans_free(km);
}
END_TEST

static int32_t cancel_after(void *ud, int32_t phase, int64_t step, int64_t total, double obj)
{
    int *left = ud;
    (void)phase, (void)step, (void)total, (void)obj;
    return --*left <= 0;
}

typedef struct phase_log {
    int lloyd, sweep, sil;
    int64_t last_lloyd;
    int monotone;
} phase_log;

static int32_t record(void *ud, int32_t phase, int64_t step, int64_t total, double obj)
{
    phase_log *p = ud;
    if (phase == GENRE_KMEANS_PHASE_LLOYD) {
        p->monotone &= (step == p->last_lloyd + 1 || step == 1) && total == -1 && isfinite(obj);
        p->last_lloyd = step;
        p->lloyd++;
    } else if (phase == GENRE_KMEANS_PHASE_SWEEP) {
        p->monotone &= total == 5 && step >= 1 && step <= 5;
        p->sweep++;
    } else if (phase == GENRE_KMEANS_PHASE_SILHOUETTE) {
        p->sil++;
    } else {
        p->monotone = 0;
    }
    return 0;
}

START_TEST(sweep_scores_each_k_and_keeps_the_handle)
{
    const size_t n = 400, d = 2;
    double *x;
    int32_t *y;
    blobs(n, d, 4, 8.0, 0.6, 21, &x, &y);
    genre_kmeans *km;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 3));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, 2));
    phase_log log = {0, 0, 0, 0, 1};
    ck_assert_ok(genre_kmeans_set_progress(km, record, &log));
    double in[5], sil[5];
    size_t need = 0;
    ck_assert_status(genre_kmeans_sweep(km, x, n, d, d, 2, 6, in, sil, 4, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 5);
    ck_assert_ok(genre_kmeans_sweep(km, x, n, d, d, 2, 6, in, sil, 5, &need));
    size_t best = 0;
    for (size_t q = 0; q < 5; q++) {
        printf("kmeans sweep: k=%zu inertia %.4f silhouette %.4f\n", q + 2, in[q], sil[q]);
        if (sil[q] > sil[best])
            best = q;
    }
    ck_assert_uint_eq(best + 2, 4);
    ck_assert_double_lt(in[2], in[1]);
    int64_t v;
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_FITTED, &v));
    ck_assert_int_eq(v, 0); /* the sweep does not fit the handle */
    /* Entry k = 4 equals a fit with k = 4 and its silhouette. */
    ck_assert_ok(genre_kmeans_set_progress(km, NULL, NULL));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 4));
    ck_assert_ok(genre_kmeans_fit(km, x, n, d, d));
    double i4, s4;
    int32_t lab[400];
    ck_assert_ok(genre_kmeans_get_f64(km, GENRE_KMEANS_INERTIA, &i4));
    ck_assert_ok(genre_kmeans_get_labels(km, lab, n, NULL));
    ck_assert_ok(genre_metrics_silhouette(x, n, d, d, lab, 2, &s4, NULL, 0, NULL, NULL, NULL));
    ck_assert_double_eq(i4, in[2]);
    ck_assert_double_eq_tol(s4, sil[2], 1e-13); /* sums grouped differently */
    /* Only one output. */
    ck_assert_ok(genre_kmeans_sweep(km, x, n, d, d, 3, 4, NULL, sil, 2, NULL));
    ck_assert_double_eq_tol(sil[1], s4, 1e-13);
    ck_assert_msg(log.monotone && log.lloyd > 0 && log.sweep == 5 && log.sil > 0,
                  "progress: lloyd %d sweep %d silhouette %d ok %d", log.lloyd, log.sweep,
                  log.sil, log.monotone);
    /* Cancelled in the silhouette, then in the sweep phase. */
    int left = 1000;
    ck_assert_ok(genre_kmeans_set_progress(km, cancel_after, &left));
    left = 1;
    ck_assert_status(genre_kmeans_sweep(km, x, n, d, d, 2, 3, in, sil, 2, NULL),
                     GENRE_E_CANCELLED);
    genre_kmeans_free(km);
    free(x), free(y);
}
END_TEST

START_TEST(cancel_keeps_the_previous_fit)
{
    const size_t n = 300, d = 2;
    double *x;
    int32_t *y;
    blobs(n, d, 3, 6.0, 0.7, 31, &x, &y);
    genre_kmeans *km;
    ck_assert_ok(genre_kmeans_create(&km));
    int left = 2;
    ck_assert_ok(genre_kmeans_set_progress(km, cancel_after, &left));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 3));
    ck_assert_status(genre_kmeans_fit(km, x, n, d, d), GENRE_E_CANCELLED);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "cancelled"));
    int64_t v;
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_FITTED, &v));
    ck_assert_int_eq(v, 0);
    left = 1 << 30;
    ck_assert_ok(genre_kmeans_fit(km, x, n, d, d));
    double c0[6], c1[6];
    ck_assert_ok(genre_kmeans_get_centers(km, c0, 6, NULL));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 5));
    left = 1;
    ck_assert_status(genre_kmeans_fit(km, x, n, d, d), GENRE_E_CANCELLED);
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_N_CLUSTERS, &v));
    ck_assert_int_eq(v, 3);
    ck_assert_ok(genre_kmeans_get_centers(km, c1, 6, NULL));
    ck_assert_mem_eq(c0, c1, sizeof c0);
    genre_kmeans_free(km);
    free(x), free(y);
}
END_TEST

START_TEST(bad_input_and_every_status)
{
    const size_t n = 30, d = 2;
    double *x;
    int32_t *y;
    blobs(n, d, 3, 5.0, 0.5, 41, &x, &y);
    genre_kmeans *km;
    ck_assert_ok(genre_kmeans_create(&km));
    int32_t lab[30];
    double out[64];
    size_t need = 0;
    /* Before fit. */
    ck_assert_status(genre_kmeans_predict(km, x, n, d, d, lab, 30, NULL), GENRE_E_BAD_STATE);
    ck_assert_status(genre_kmeans_get_centers(km, out, 64, NULL), GENRE_E_BAD_STATE);
    ck_assert_status(genre_kmeans_get_labels(km, lab, 30, NULL), GENRE_E_BAD_STATE);
    ck_assert_status(genre_kmeans_save_to_memory(km, NULL, 0, &need), GENRE_E_BAD_STATE);
    ck_assert_status(genre_kmeans_save(km, "/tmp/never.genre"), GENRE_E_BAD_STATE);
    int64_t v;
    double f;
    ck_assert_status(genre_kmeans_get_i64(km, GENRE_KMEANS_N_ITER, &v), GENRE_E_BAD_STATE);
    ck_assert_status(genre_kmeans_get_f64(km, GENRE_KMEANS_INERTIA, &f), GENRE_E_BAD_STATE);
    /* k > n, k < 1. */
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 31));
    ck_assert_status(genre_kmeans_fit(km, x, n, d, d), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "GENRE_KMEANS_K = 31 clusters is more "
                                                     "than the 30 row(s)"));
    ck_assert_status(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 0), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_kmeans_set_i64: GENRE_KMEANS_K = 0 is outside [1,"));
    ck_assert_status(genre_kmeans_set_i64(km, GENRE_KMEANS_K, -3), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 30)); /* k == n is fine */
    ck_assert_ok(genre_kmeans_fit(km, x, n, d, d));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 3));
    /* NaN / Inf, zero rows, zero columns, stride, NULL. */
    x[7 * d + 1] = NAN;
    ck_assert_status(genre_kmeans_fit(km, x, n, d, d), GENRE_E_NONFINITE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "row 7, column 1"));
    x[7 * d + 1] = -INFINITY;
    ck_assert_status(genre_kmeans_fit(km, x, n, d, d), GENRE_E_NONFINITE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "-inf"));
    x[7 * d + 1] = 0.5;
    ck_assert_status(genre_kmeans_fit(km, x, 0, d, d), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "no rows"));
    ck_assert_status(genre_kmeans_fit(km, x, n, 0, d), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "no columns"));
    ck_assert_status(genre_kmeans_fit(km, x, n, d, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_fit(km, NULL, n, d, d), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_fit(NULL, x, n, d, d), GENRE_E_INVALID_ARG);
    /* Values whose squares overflow. */
    double big[6] = {1e200, 0, -1e200, 0, 0, 1};
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 2));
    ck_assert_status(genre_kmeans_fit(km, big, 3, 2, 2), GENRE_E_NUMERIC);
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 3));
    ck_assert_ok(genre_kmeans_fit(km, x, n, d, d));
    /* Predict: shapes, values, buffers. */
    ck_assert_status(genre_kmeans_predict(km, x, 10, 3, 3, lab, 30, NULL), GENRE_E_SHAPE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "fitted on 2"));
    x[2] = NAN;
    ck_assert_status(genre_kmeans_predict(km, x, 10, 2, 2, lab, 30, NULL), GENRE_E_NONFINITE);
    x[2] = 0.0;
    ck_assert_status(genre_kmeans_predict(km, x, 10, 2, 2, lab, 9, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 10);
    ck_assert_status(genre_kmeans_predict(km, x, 10, 2, 2, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_status(genre_kmeans_predict(km, NULL, 10, 2, 2, lab, 30, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_predict(NULL, x, 10, 2, 2, lab, 30, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_get_centers(km, out, 5, &need), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 6);
    ck_assert_status(genre_kmeans_get_labels(km, lab, 29, &need), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 30);
    /* Sweep arguments. */
    double in[4], sil[4];
    ck_assert_status(genre_kmeans_sweep(km, x, n, d, d, 1, 3, in, sil, 4, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_sweep(km, x, n, d, d, 3, 2, in, sil, 4, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_sweep(km, x, n, d, d, 2, 30, in, sil, 40, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_sweep(km, x, n, d, d, 2, 3, NULL, NULL, 4, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_sweep(NULL, x, n, d, d, 2, 3, in, sil, 4, NULL),
                     GENRE_E_INVALID_ARG);
    x[0] = INFINITY;
    ck_assert_status(genre_kmeans_sweep(km, x, n, d, d, 2, 3, in, sil, 4, NULL),
                     GENRE_E_NONFINITE);
    x[0] = 0.0;
    ck_assert_status(genre_kmeans_sweep(km, big, 3, 2, 2, 2, 2, in, sil, 4, NULL),
                     GENRE_E_NUMERIC);
    /* A failed fit keeps the previous model. */
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_N_SAMPLES, &v));
    ck_assert_int_eq(v, 30);
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_N_FEATURES, &v));
    ck_assert_int_eq(v, 2);
    genre_kmeans_free(km);
    free(x), free(y);
}
END_TEST

START_TEST(parameters)
{
    genre_kmeans *km;
    ck_assert_ok(genre_kmeans_create(&km));
    const struct {
        int32_t key;
        int64_t bad, good, def;
    } p[] = {
        {GENRE_KMEANS_K, 0, 4, 8},
        {GENRE_KMEANS_N_INIT, 0, 3, 10},
        {GENRE_KMEANS_MAX_ITER, 0, 50, 300},
        {GENRE_KMEANS_N_THREADS, -1, 2, 0},
        {GENRE_KMEANS_ALGORITHM, 1, GENRE_KMEANS_ALGO_LLOYD, GENRE_KMEANS_ALGO_LLOYD},
        {GENRE_KMEANS_DISTANCE_KERNEL, 3, GENRE_KMEANS_KERNEL_CBLAS, GENRE_KMEANS_KERNEL_AUTO},
    };
    for (size_t q = 0; q < sizeof p / sizeof p[0]; q++) {
        int64_t v;
        ck_assert_ok(genre_kmeans_get_i64(km, p[q].key, &v));
        ck_assert_int_eq(v, p[q].def);
        ck_assert_status(genre_kmeans_set_i64(km, p[q].key, p[q].bad), GENRE_E_INVALID_ARG);
        ck_assert_ok(genre_kmeans_set_i64(km, p[q].key, p[q].good));
        ck_assert_ok(genre_kmeans_get_i64(km, p[q].key, &v));
        ck_assert_int_eq(v, p[q].good);
    }
    ck_assert_status(genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 1000001), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_set_i64(km, GENRE_KMEANS_MAX_ITER, 10000001),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_set_i64(km, GENRE_KMEANS_K, (int64_t)INT32_MAX + 1),
                     GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_SEED, INT64_MIN));
    double f;
    ck_assert_ok(genre_kmeans_get_f64(km, GENRE_KMEANS_TOL, &f));
    ck_assert_double_eq(f, 1e-4);
    ck_assert_status(genre_kmeans_set_f64(km, GENRE_KMEANS_TOL, -1e-9), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_set_f64(km, GENRE_KMEANS_TOL, NAN), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_set_f64(km, GENRE_KMEANS_TOL, INFINITY), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_kmeans_set_f64(km, GENRE_KMEANS_TOL, 0.0));
    ck_assert_status(genre_kmeans_set_i64(km, 777, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_kmeans_set_f64(km, 777, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_kmeans_set_f64(km, GENRE_KMEANS_K, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_kmeans_set_i64(km, GENRE_KMEANS_TOL, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_kmeans_set_i64(km, GENRE_KMEANS_N_ITER, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "read-only"));
    ck_assert_status(genre_kmeans_set_f64(km, GENRE_KMEANS_INERTIA, 1), GENRE_E_UNKNOWN_PARAM);
    int64_t v;
    ck_assert_status(genre_kmeans_get_i64(km, 777, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_kmeans_get_i64(km, GENRE_KMEANS_INERTIA, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_kmeans_get_f64(km, 777, &f), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_kmeans_get_i64(km, GENRE_KMEANS_K, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_get_f64(km, GENRE_KMEANS_TOL, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_get_i64(NULL, GENRE_KMEANS_K, &v), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_set_i64(NULL, GENRE_KMEANS_K, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_set_f64(NULL, GENRE_KMEANS_TOL, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_get_f64(NULL, GENRE_KMEANS_TOL, &f), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_set_progress(NULL, NULL, NULL), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_FITTED, &v));
    ck_assert_int_eq(v, 0);
    genre_kmeans_free(km);
    genre_kmeans_free(NULL);
    ck_assert_status(genre_kmeans_create(NULL), GENRE_E_INVALID_ARG);
}
END_TEST

/* Every message a log hook receives, one per line, and the count per level. */
typedef struct log_seen {
    int n[3];
    char text[8192];
} log_seen;

static void on_log(void *ud, int32_t level, const char *msg)
{
    log_seen *s = ud;
    ck_assert(level >= GENRE_LOG_DEBUG && level <= GENRE_LOG_WARNING);
    s->n[level]++;
    size_t used = strlen(s->text);
    snprintf(s->text + used, sizeof s->text - used, "%d %s\n", (int)level, msg);
}

START_TEST(param_bounds_values_reset_and_log)
{
    double lo, hi;
    ck_assert_ok(genre_kmeans_param_bounds(GENRE_KMEANS_K, &lo, &hi));
    ck_assert(lo == 1.0 && hi == (double)INT32_MAX);
    ck_assert_ok(genre_kmeans_param_bounds(GENRE_KMEANS_TOL, &lo, &hi));
    ck_assert(lo == 0.0 && hi == 1e300);
    ck_assert_ok(genre_kmeans_param_bounds(GENRE_KMEANS_DISTANCE_KERNEL, &lo, &hi));
    ck_assert(lo == GENRE_KMEANS_KERNEL_AUTO && hi == GENRE_KMEANS_KERNEL_BUILTIN);
    ck_assert_status(genre_kmeans_param_bounds(GENRE_KMEANS_INERTIA, &lo, &hi),
                     GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_kmeans_param_bounds(777, &lo, &hi), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_kmeans_param_bounds(GENRE_KMEANS_K, NULL, &hi), GENRE_E_INVALID_ARG);
    int64_t vals[4];
    size_t nv = 99;
    ck_assert_status(genre_kmeans_param_values(GENRE_KMEANS_DISTANCE_KERNEL, NULL, 0, &nv),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(nv, 3);
    ck_assert_ok(genre_kmeans_param_values(GENRE_KMEANS_DISTANCE_KERNEL, vals, 4, &nv));
    ck_assert(nv == 3 && vals[0] == GENRE_KMEANS_KERNEL_AUTO &&
              vals[1] == GENRE_KMEANS_KERNEL_CBLAS && vals[2] == GENRE_KMEANS_KERNEL_BUILTIN);
    ck_assert_ok(genre_kmeans_param_values(GENRE_KMEANS_ALGORITHM, vals, 4, &nv));
    ck_assert(nv == 1 && vals[0] == GENRE_KMEANS_ALGO_LLOYD);
    ck_assert_ok(genre_kmeans_param_values(GENRE_KMEANS_K, vals, 4, &nv));
    ck_assert_uint_eq(nv, 0);
    ck_assert_status(genre_kmeans_param_values(GENRE_KMEANS_N_ITER, vals, 4, &nv),
                     GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_kmeans_param_values(GENRE_KMEANS_K, vals, 4, NULL),
                     GENRE_E_INVALID_ARG);

    /* Log: one Lloyd iteration per restart never converges on these blobs
     * (warning for the kept restart, information for each). */
    const size_t n = 500, d = 2;
    double *x;
    int32_t *y;
    blobs(n, d, 8, 1.0, 1.0, 51, &x, &y);
    genre_kmeans *km;
    ck_assert_ok(genre_kmeans_create(&km));
    log_seen seen;
    memset(&seen, 0, sizeof seen);
    ck_assert_ok(genre_kmeans_set_log(km, on_log, &seen));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_MAX_ITER, 1));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 2));
    ck_assert_ok(genre_kmeans_set_f64(km, GENRE_KMEANS_TOL, 0.0));
    ck_assert_ok(genre_kmeans_fit(km, x, n, d, d));
    ck_assert_msg(seen.n[GENRE_LOG_WARNING] == 1 && seen.n[GENRE_LOG_INFO] >= 2, "%s", seen.text);
    ck_assert_ptr_nonnull(strstr(seen.text, "2 genre_kmeans_fit: k = 8: the kept restart "));
    ck_assert_ptr_nonnull(strstr(seen.text, "GENRE_KMEANS_MAX_ITER = 1 iterations without "
                                            "converging"));
    ck_assert_ptr_nonnull(strstr(seen.text, "1 genre_kmeans_fit: k = 8: restart 1 stopped"));

    /* reset_params: defaults back, the fit and the hooks kept */
    ck_assert_ok(genre_kmeans_reset_params(km));
    int64_t v;
    double f;
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_MAX_ITER, &v));
    ck_assert_int_eq(v, 300);
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_N_INIT, &v));
    ck_assert_int_eq(v, 10);
    ck_assert_ok(genre_kmeans_get_f64(km, GENRE_KMEANS_TOL, &f));
    ck_assert(f == 1e-4);
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_FITTED, &v));
    ck_assert_int_eq(v, 1);
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_N_ITER, &v));
    ck_assert_int_eq(v, 1);
    ck_assert_status(genre_kmeans_reset_params(NULL), GENRE_E_INVALID_ARG);

    /* 12 rows on 3 distinct points, k = 5: two clusters stay empty */
    double z[24];
    for (int i = 0; i < 12; i++) {
        z[2 * i] = (double)(i % 3) * 4.0;
        z[2 * i + 1] = i % 3 == 1 ? 1.5 : -0.5;
    }
    memset(&seen, 0, sizeof seen);
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 5));
    ck_assert_ok(genre_kmeans_fit(km, z, 12, 2, 2));
    ck_assert_msg(seen.n[GENRE_LOG_WARNING] == 1, "%s", seen.text);
    ck_assert_ptr_nonnull(strstr(seen.text, "2 genre_kmeans_fit: k = 5: 2 cluster(s) of the "
                                            "kept restart are empty"));
    /* silent again without a hook */
    ck_assert_ok(genre_kmeans_set_log(km, NULL, NULL));
    memset(&seen, 0, sizeof seen);
    ck_assert_ok(genre_kmeans_fit(km, z, 12, 2, 2));
    ck_assert_int_eq(seen.n[GENRE_LOG_WARNING] + seen.n[GENRE_LOG_INFO], 0);
    ck_assert_status(genre_kmeans_set_log(NULL, on_log, &seen), GENRE_E_INVALID_ARG);
    genre_kmeans_free(km);
    free(x), free(y);
}
END_TEST

START_TEST(max_iter_limit_is_not_an_error)
{
    const size_t n = 500, d = 2;
    double *x;
    int32_t *y;
    blobs(n, d, 8, 1.0, 1.0, 51, &x, &y);
    genre_kmeans *km;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_MAX_ITER, 1));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 1));
    ck_assert_ok(genre_kmeans_set_f64(km, GENRE_KMEANS_TOL, 0.0));
    ck_assert_ok(genre_kmeans_fit(km, x, n, d, d));
    int64_t v;
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_N_ITER, &v));
    ck_assert_int_eq(v, 1);
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_CONVERGED, &v));
    ck_assert_int_eq(v, 0);
    /* The labels are those of the nearest final center. */
    int32_t lab[500], pred[500];
    ck_assert_ok(genre_kmeans_get_labels(km, lab, n, NULL));
    ck_assert_ok(genre_kmeans_predict(km, x, n, d, d, pred, n, NULL));
    ck_assert_mem_eq(lab, pred, sizeof lab);
    genre_kmeans_free(km);
    free(x), free(y);
}
END_TEST

START_TEST(save_and_load)
{
    const size_t n = 240, d = 3;
    double *x;
    int32_t *y;
    blobs(n, d, 4, 3.0, 0.8, 61, &x, &y);
    genre_kmeans *km, *q = NULL;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 4));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_SEED, -17));
    ck_assert_ok(genre_kmeans_set_f64(km, GENRE_KMEANS_TOL, 1e-6));
    ck_assert_ok(genre_kmeans_fit(km, x, n, d, d));
    size_t size;
    unsigned char *buf = kmeans_saved(km, &size);
    ck_assert_status(genre_kmeans_save_to_memory(km, buf, size - 1, &size),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_status(genre_kmeans_save_to_memory(km, buf, size, NULL), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_kmeans_load_from_memory(&q, buf, size));
    double a[12], b[12], fa, fb;
    int32_t pa[240], pb[240];
    ck_assert_ok(genre_kmeans_get_centers(km, a, 12, NULL));
    ck_assert_ok(genre_kmeans_get_centers(q, b, 12, NULL));
    ck_assert_mem_eq(a, b, sizeof a);
    ck_assert_ok(genre_kmeans_predict(km, x, n, d, d, pa, n, NULL));
    ck_assert_ok(genre_kmeans_predict(q, x, n, d, d, pb, n, NULL));
    ck_assert_mem_eq(pa, pb, sizeof pa);
    ck_assert_ok(genre_kmeans_get_labels(q, pb, n, NULL));
    ck_assert_mem_eq(pa, pb, sizeof pa);
    ck_assert_ok(genre_kmeans_get_f64(km, GENRE_KMEANS_INERTIA, &fa));
    ck_assert_ok(genre_kmeans_get_f64(q, GENRE_KMEANS_INERTIA, &fb));
    ck_assert_double_eq(fa, fb);
    const int32_t keys[] = {GENRE_KMEANS_K, GENRE_KMEANS_SEED, GENRE_KMEANS_N_ITER,
                            GENRE_KMEANS_BEST_RESTART, GENRE_KMEANS_CONVERGED,
                            GENRE_KMEANS_N_SAMPLES};
    for (size_t t = 0; t < sizeof keys / sizeof keys[0]; t++) {
        int64_t va, vb;
        ck_assert_ok(genre_kmeans_get_i64(km, keys[t], &va));
        ck_assert_ok(genre_kmeans_get_i64(q, keys[t], &vb));
        ck_assert_int_eq(va, vb);
    }
    ck_assert_ok(genre_kmeans_get_f64(q, GENRE_KMEANS_TOL, &fb));
    ck_assert_double_eq(fb, 1e-6);
    /* The same model saves to the same bytes. */
    unsigned char *buf2 = malloc(size);
    size_t size2 = 0;
    ck_assert_ptr_nonnull(buf2);
    ck_assert_ok(genre_kmeans_save_to_memory(q, buf2, size, &size2));
    ck_assert_uint_eq(size, size2);
    ck_assert_mem_eq(buf, buf2, size);
    free(buf2);
    genre_kmeans_free(q);
    kmeans_save_errors_name_the_function(km);
    kmeans_file_round_trip(km, &q);
    ck_assert_ok(genre_kmeans_predict(q, x, n, d, d, pb, n, NULL));
    ck_assert_mem_eq(pa, pb, sizeof pa);
    genre_kmeans_free(q);
    ck_assert_status(genre_kmeans_load(&q, "/nonexistent/dir/km.genre"), GENRE_E_IO);
    ck_assert_status(genre_kmeans_save(km, "/nonexistent/dir/km.genre"), GENRE_E_IO);
    ck_assert_status(genre_kmeans_save(km, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_load(NULL, "/nonexistent/dir/km.genre"), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_load(&q, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_load_from_memory(NULL, buf, size), GENRE_E_INVALID_ARG);
    buf[size - 5] ^= 1;
    ck_assert_status(genre_kmeans_load_from_memory(&q, buf, size), GENRE_E_CORRUPT);
    ck_assert_ptr_null(q);
    genre_kmeans_free(km);
    free(buf), free(x), free(y);
}
END_TEST

typedef struct thread_job {
    const genre_kmeans *km;
    const double *x;
    int32_t *out;
    genre_status st;
} thread_job;

static void *thread_predict(void *arg)
{
    thread_job *j = arg;
    for (int rep = 0; rep < 20 && j->st == GENRE_OK; rep++)
        j->st = genre_kmeans_predict(j->km, j->x, 600, 2, 2, j->out, 600, NULL);
    return NULL;
}

START_TEST(concurrent_predict_on_one_handle)
{
    double *x;
    int32_t *y;
    blobs(600, 2, 5, 2.0, 1.0, 71, &x, &y);
    genre_kmeans *km;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 5));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, 2));
    ck_assert_ok(genre_kmeans_fit(km, x, 600, 2, 2));
    int32_t want[600];
    ck_assert_ok(genre_kmeans_predict(km, x, 600, 2, 2, want, 600, NULL));
    enum { T = 4 };
    pthread_t th[T];
    thread_job jobs[T];
    static int32_t got[T][600];
    for (int t = 0; t < T; t++) {
        jobs[t] = (thread_job){km, x, got[t], GENRE_OK};
        ck_assert_int_eq(pthread_create(&th[t], NULL, thread_predict, &jobs[t]), 0);
    }
    for (int t = 0; t < T; t++) {
        pthread_join(th[t], NULL);
        ck_assert_int_eq(jobs[t].st, GENRE_OK);
        ck_assert_mem_eq(got[t], want, sizeof want);
    }
    genre_kmeans_free(km);
    free(x), free(y);
}
END_TEST

#ifdef GENRE_TESTING
#include "model_file.h"

/* A k-means container (d = 2, k = 2, n = 3) with chosen values. */
static unsigned char *craft(uint32_t kind_version, int32_t kind, int64_t n_clusters,
                            int32_t label0, double center0, size_t *len)
{
    const double centers[4] = {center0, 0, 1, 1};
    const int32_t labels[3] = {label0, 1, 0};
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, kind, kind_version));
    genre__mf_put_i64(&w, 1, 2);
    genre__mf_put_i64(&w, 2, 3);
    genre__mf_put_i64(&w, 3, n_clusters);
    genre__mf_put_i64(&w, 4, 2);
    genre__mf_put_i64(&w, 5, 10);
    genre__mf_put_i64(&w, 6, 300);
    genre__mf_put_f64(&w, 7, 1e-4);
    genre__mf_put_i64(&w, 8, 0);
    genre__mf_put_i64(&w, 9, 0);
    genre__mf_put_i64(&w, 10, 0);
    genre__mf_put_i64(&w, 11, 2);
    genre__mf_put_i64(&w, 12, 0);
    genre__mf_put_i64(&w, 13, 1);
    genre__mf_put_f64(&w, 14, 0.5);
    genre__mf_put_f64_array(&w, 15, centers, 4);
    genre__mf_put_i32_array(&w, 16, labels, 3);
    return genre_test_mf_finish(&w, len);
}

START_TEST(load_checks_what_it_reads)
{
    genre_kmeans *km = NULL;
    size_t len;
    unsigned char *buf = craft(1, GENRE_MODEL_KMEANS, 2, 0, 0.0, &len);
    ck_assert_ok(genre_kmeans_load_from_memory(&km, buf, len)); /* the valid baseline */
    int32_t p[1];
    ck_assert_ok(genre_kmeans_predict(km, (const double[]){0.9, 0.8}, 1, 2, 2, p, 1, NULL));
    ck_assert_int_eq(p[0], 1);
    genre_kmeans_free(km);
    free(buf);
    buf = craft(1, GENRE_MODEL_KMEANS, 3, 0, 0.0, &len); /* 3 centers in 4 values */
    ck_assert_status(genre_kmeans_load_from_memory(&km, buf, len), GENRE_E_CORRUPT);
    free(buf);
    buf = craft(1, GENRE_MODEL_KMEANS, 2, 2, 0.0, &len); /* a label out of range */
    ck_assert_status(genre_kmeans_load_from_memory(&km, buf, len), GENRE_E_CORRUPT);
    free(buf);
    buf = craft(1, GENRE_MODEL_KMEANS, 2, 0, NAN, &len);
    ck_assert_status(genre_kmeans_load_from_memory(&km, buf, len), GENRE_E_CORRUPT);
    free(buf);
    buf = craft(2, GENRE_MODEL_KMEANS, 2, 0, 0.0, &len); /* a newer payload */
    ck_assert_status(genre_kmeans_load_from_memory(&km, buf, len), GENRE_E_VERSION);
    free(buf);
    buf = craft(1, GENRE_MODEL_LDA, 2, 0, 0.0, &len); /* another kind */
    ck_assert_status(genre_kmeans_load_from_memory(&km, buf, len), GENRE_E_MODEL_KIND);
    ck_assert_ptr_null(km);
    free(buf);
}
END_TEST

typedef struct walk_ctx {
    const double *x;
    size_t n;
    int64_t kernel;
} walk_ctx;

static genre_status scenario(void *ctx)
{
    const walk_ctx *c = ctx;
    genre_kmeans *km = NULL, *q = NULL;
    unsigned char *buf = NULL;
    int32_t pred[300];
    size_t size = 0;
    genre_status st = genre_kmeans_create(&km);
    if (st == GENRE_OK)
        st = genre_kmeans_set_i64(km, GENRE_KMEANS_K, 4);
    if (st == GENRE_OK)
        st = genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 2);
    if (st == GENRE_OK)
        st = genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, 2);
    if (st == GENRE_OK)
        st = genre_kmeans_set_i64(km, GENRE_KMEANS_DISTANCE_KERNEL, c->kernel);
    if (st == GENRE_OK)
        st = genre_kmeans_fit(km, c->x, c->n, 2, 2);
    if (st == GENRE_OK)
        st = kmeans_save_alloc(km, &buf, &size);
    if (st == GENRE_OK)
        st = genre_kmeans_load_from_memory(&q, buf, size);
    if (st == GENRE_OK)
        st = genre_kmeans_predict(q, c->x, c->n, 2, 2, pred, 300, NULL);
    if (st == GENRE_OK) {
        double in[2], sil[2];
        st = genre_kmeans_sweep(km, c->x, c->n, 2, 2, 2, 3, in, sil, 2, NULL);
    }
    free(buf);
    genre_kmeans_free(q);
    genre_kmeans_free(km);
    return st;
}

START_TEST(allocation_failures)
{
    double *x;
    int32_t *y;
    blobs(300, 2, 4, 3.0, 0.7, 81, &x, &y);
    walk_ctx c = {x, 300, GENRE_KMEANS_KERNEL_BUILTIN};
    ck_assert_int_gt(genre_test_alloc_walk(scenario, &c), 10);
    c.kernel = GENRE_KMEANS_KERNEL_CBLAS;
    ck_assert_int_gt(genre_test_alloc_walk(scenario, &c), 10);
    free(x), free(y);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("kmeans");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, well_separated_blobs_are_recovered_exactly);
    tcase_add_test(tc, more_restarts_never_end_higher);
    tcase_add_test(tc, same_seed_same_labels);
    tcase_add_test(tc, empty_clusters_and_duplicate_rows);
    tcase_add_test(tc, sweep_scores_each_k_and_keeps_the_handle);
    tcase_add_test(tc, cancel_keeps_the_previous_fit);
    tcase_add_test(tc, bad_input_and_every_status);
    tcase_add_test(tc, parameters);
    tcase_add_test(tc, param_bounds_values_reset_and_log);
    tcase_add_test(tc, max_iter_limit_is_not_an_error);
    tcase_add_test(tc, save_and_load);
    tcase_add_test(tc, concurrent_predict_on_one_handle);
#ifdef GENRE_TESTING
    tcase_add_test(tc, load_checks_what_it_reads);
    tcase_add_test(tc, allocation_failures);
#endif
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
