/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The silhouette (genre/metrics.h, lib/silhouette.c): equal to a brute-force
 * O(n^2) double loop written here to 1e-12, to scikit-learn 1.2.1's
 * silhouette_samples / silhouette_score on a fixture to 1e-9, thread
 * counts, the sampled estimate, every documented status, and allocation
 * failures. */
#include "harness.h"
#include "kmeans_fixture.h"

#include <genre/metrics.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double uni(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
}

/* n rows, d columns, labels drawn from `nl` values label_base + 3 * c,
 * cluster c shifted by c along every axis. */
static void make_data(size_t n, size_t d, size_t nl, unsigned long long seed, double **x_out,
                      int32_t **y_out)
{
    double *x = malloc(n * d * sizeof *x);
    int32_t *y = malloc(n * sizeof *y);
    ck_assert(x && y);
    for (size_t i = 0; i < n; i++) {
        size_t c = (size_t)(uni(&seed) * (double)nl);
        y[i] = -5 + 3 * (int32_t)c;
        for (size_t t = 0; t < d; t++)
            x[i * d + t] = (double)c * 0.8 + 1.7 * uni(&seed) - 0.3 * (double)t;
    }
    *x_out = x;
    *y_out = y;
}

/* The definition, literally: all n^2 distances, per-sample values. */
static double brute(const double *x, size_t n, size_t d, const int32_t *y, double *s)
{
    enum { MAXL = 64 };
    int32_t distinct[MAXL];
    size_t nl = 0, size[MAXL] = {0};
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        while (c < nl && distinct[c] != y[i])
            c++;
        if (c == nl) {
            ck_assert(nl < MAXL);
            distinct[nl++] = y[i];
        }
        size[c]++;
    }
    double total = 0.0;
    for (size_t i = 0; i < n; i++) {
        double sum[MAXL] = {0};
        size_t own = 0;
        for (size_t j = 0; j < n; j++) {
            double q = 0;
            for (size_t t = 0; t < d; t++)
                q += (x[i * d + t] - x[j * d + t]) * (x[i * d + t] - x[j * d + t]);
            size_t c = 0;
            while (distinct[c] != y[j])
                c++;
            sum[c] += sqrt(q);
        }
        while (distinct[own] != y[i])
            own++;
        double v = 0.0;
        if (size[own] > 1) {
            double a = sum[own] / (double)(size[own] - 1), b = INFINITY;
            for (size_t c = 0; c < nl; c++)
                if (c != own)
                    b = fmin(b, sum[c] / (double)size[c]);
            v = fmax(a, b) > 0 ? (b - a) / fmax(a, b) : 0.0;
        }
        s[i] = v;
        total += v;
    }
    return total / (double)n;
}

static void check_against_brute(size_t n, size_t d, size_t nl, unsigned long long seed,
                                int32_t threads)
{
    double *x;
    int32_t *y;
    make_data(n, d, nl, seed, &x, &y);
    double *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got);
    ck_assert(want && got);
    const double wm = brute(x, n, d, y, want);
    double gm = NAN;
    size_t need = 0;
    ck_assert_ok(genre_metrics_silhouette(x, n, d, d, y, threads, &gm, got, n, &need, NULL,
                                          NULL));
    ck_assert_uint_eq(need, n);
    double worst = 0;
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs(got[i] - want[i]));
    printf("silhouette n=%zu d=%zu labels=%zu threads=%d: mean %.15f, |mean - brute| %.3g, "
           "max |s_i - brute| %.3g\n",
           n, d, nl, (int)threads, gm, fabs(gm - wm), worst);
    ck_assert_double_le(worst, 1e-12);
    ck_assert_double_le(fabs(gm - wm), 1e-12);
    free(x), free(y), free(want), free(got);
}

START_TEST(equals_brute_force_small)
{
    check_against_brute(60, 3, 4, 1, 1);
    check_against_brute(61, 1, 2, 2, 2);
    check_against_brute(200, 5, 7, 3, 3);
}
END_TEST

/* More rows than one tile (128): several tiles, triangle and thread split. */
START_TEST(equals_brute_force_several_tiles)
{
    check_against_brute(700, 2, 3, 4, 1);
    check_against_brute(700, 2, 3, 4, 2);
    check_against_brute(650, 3, 5, 5, 4);
}
END_TEST

START_TEST(matches_scikit_learn_fixture)
{
    km_ref x = km_ref_get("sil_small_x");
    km_ref lab = km_ref_get("sil_small_labels");
    km_ref smp = km_ref_get("sil_small_samples");
    km_ref score = km_ref_get("sil_small_score");
    const size_t n = x.rows, d = x.cols;
    int32_t *y = malloc(n * sizeof *y);
    double *s = malloc(n * sizeof *s), *b = malloc(n * sizeof *b);
    ck_assert(y && s && b);
    for (size_t i = 0; i < n; i++)
        y[i] = (int32_t)lab.v[i];
    double mean;
    ck_assert_ok(genre_metrics_silhouette(x.v, n, d, d, y, 2, &mean, s, n, NULL, NULL, NULL));
    double worst = 0;
    size_t zeros = 0;
    for (size_t i = 0; i < n; i++) {
        worst = fmax(worst, fabs(s[i] - smp.v[i]));
        zeros += y[i] == 100 && s[i] == 0.0; /* the singleton */
    }
    const double wm = brute(x.v, n, d, y, b);
    printf("silhouette vs scikit-learn: mean %.15f (sklearn %.15f, |diff| %.3g), max "
           "|s_i - sklearn| %.3g, brute %.3g\n",
           mean, score.v[0], fabs(mean - score.v[0]), worst, fabs(mean - wm));
    ck_assert_double_le(fabs(mean - score.v[0]), 1e-9);
    ck_assert_double_le(worst, 1e-9);
    ck_assert_uint_eq(zeros, 1);
    /* Only the mean, and only the samples. */
    double m2;
    ck_assert_ok(genre_metrics_silhouette(x.v, n, d, d, y, 1, &m2, NULL, 0, NULL, NULL, NULL));
    ck_assert_double_le(fabs(m2 - mean), 1e-14);
    ck_assert_ok(genre_metrics_silhouette(x.v, n, d, d, y, 1, NULL, b, n, NULL, NULL, NULL));
    free(y), free(s), free(b);
    km_ref_free(&x), km_ref_free(&lab), km_ref_free(&smp), km_ref_free(&score);
}
END_TEST

START_TEST(same_threads_same_bits_and_strided_input)
{
    const size_t n = 800, d = 3;
    double *x;
    int32_t *y;
    make_data(n, d, 4, 9, &x, &y);
    double m1, m2, m3;
    ck_assert_ok(genre_metrics_silhouette(x, n, d, d, y, 3, &m1, NULL, 0, NULL, NULL, NULL));
    ck_assert_ok(genre_metrics_silhouette(x, n, d, d, y, 3, &m2, NULL, 0, NULL, NULL, NULL));
    ck_assert_mem_eq(&m1, &m2, sizeof m1);
    ck_assert_ok(genre_metrics_silhouette(x, n, d, d, y, 1, &m3, NULL, 0, NULL, NULL, NULL));
    ck_assert_double_le(fabs(m1 - m3), 1e-13);
    /* The first 2 columns through the stride equal a packed copy. */
    double *p = malloc(n * 2 * sizeof *p);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < n; i++)
        p[2 * i] = x[3 * i], p[2 * i + 1] = x[3 * i + 1];
    ck_assert_ok(genre_metrics_silhouette(x, n, 2, 3, y, 2, &m1, NULL, 0, NULL, NULL, NULL));
    ck_assert_ok(genre_metrics_silhouette(p, n, 2, 2, y, 2, &m2, NULL, 0, NULL, NULL, NULL));
    ck_assert_mem_eq(&m1, &m2, sizeof m1);
    free(p), free(x), free(y);
}
END_TEST

START_TEST(sampled_estimate)
{
    const size_t n = 2000, d = 2;
    double *x;
    int32_t *y;
    make_data(n, d, 3, 11, &x, &y);
    double exact, est, est2, all;
    ck_assert_ok(genre_metrics_silhouette(x, n, d, d, y, 2, &exact, NULL, 0, NULL, NULL, NULL));
    ck_assert_ok(genre_metrics_silhouette_sampled(x, n, d, d, y, 1000, 42, 2, &est));
    ck_assert_ok(genre_metrics_silhouette_sampled(x, n, d, d, y, 1000, 42, 2, &est2));
    ck_assert_mem_eq(&est, &est2, sizeof est);
    ck_assert_ok(genre_metrics_silhouette_sampled(x, n, d, d, y, n, 42, 2, &all));
    printf("sampled silhouette: exact %.6f, 1000 of 2000 rows %.6f\n", exact, est);
    ck_assert_double_le(fabs(all - exact), 1e-15);
    ck_assert_double_le(fabs(est - exact), 0.03);
    ck_assert_status(genre_metrics_silhouette_sampled(x, n, d, d, y, 2, 42, 2, &est),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_silhouette_sampled(x, n, d, d, y, 10, 42, 2, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_silhouette_sampled(x, n, d, d, NULL, 10, 42, 2, &est),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_silhouette_sampled(x, n, d, d, y, 10, 42, -1, &est),
                     GENRE_E_INVALID_ARG);
    x[4] = NAN;
    ck_assert_status(genre_metrics_silhouette_sampled(x, n, d, d, y, 10, 42, 2, &est),
                     GENRE_E_NONFINITE);
    x[4] = 0;
    /* A sample holding one label only. */
    int32_t *one = calloc(n, sizeof *one);
    ck_assert_ptr_nonnull(one);
    one[0] = 1;
    ck_assert_status(genre_metrics_silhouette_sampled(x, n, d, d, one, 5, 3, 1, &est),
                     GENRE_E_INVALID_ARG);
    free(one), free(x), free(y);
}
END_TEST

static int32_t stop_at_2(void *ud, int32_t phase, int64_t step, int64_t total, double obj)
{
    int *calls = ud;
    (void)obj;
    ck_assert_int_eq(phase, GENRE_METRICS_PHASE_SILHOUETTE);
    ck_assert_int_ge(total, step);
    ++*calls;
    return step >= 2;
}

static int32_t count_calls(void *ud, int32_t phase, int64_t step, int64_t total, double obj)
{
    (void)phase, (void)step, (void)total, (void)obj;
    ++*(int *)ud;
    return 0;
}

START_TEST(bad_input_and_every_status)
{
    const size_t n = 40, d = 2;
    double *x;
    int32_t *y;
    make_data(n, d, 3, 13, &x, &y);
    double m, s[40];
    size_t need = 0;
    ck_assert_status(genre_metrics_silhouette(NULL, n, d, d, y, 1, &m, NULL, 0, NULL, NULL,
                                              NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_silhouette(x, n, d, d, NULL, 1, &m, NULL, 0, NULL, NULL,
                                              NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_silhouette(x, n, d, d, y, 1, NULL, NULL, 0, NULL, NULL,
                                              NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_silhouette(x, 0, d, d, y, 1, &m, NULL, 0, NULL, NULL, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "no rows"));
    ck_assert_status(genre_metrics_silhouette(x, n, 0, d, y, 1, &m, NULL, 0, NULL, NULL, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_silhouette(x, n, d, 1, y, 1, &m, NULL, 0, NULL, NULL, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_silhouette(x, n, d, d, y, -1, &m, NULL, 0, NULL, NULL, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_silhouette(x, n, d, d, y, 1, &m, s, 39, &need, NULL, NULL),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 40);
    x[7 * d + 1] = NAN;
    ck_assert_status(genre_metrics_silhouette(x, n, d, d, y, 1, &m, s, 40, NULL, NULL, NULL),
                     GENRE_E_NONFINITE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "row 7, column 1"));
    x[7 * d + 1] = INFINITY;
    ck_assert_status(genre_metrics_silhouette(x, n, d, d, y, 1, &m, s, 40, NULL, NULL, NULL),
                     GENRE_E_NONFINITE);
    x[7 * d + 1] = 0.25;
    /* One label; n distinct labels. */
    int32_t lab[40];
    for (size_t i = 0; i < n; i++)
        lab[i] = 4;
    ck_assert_status(genre_metrics_silhouette(x, n, d, d, lab, 1, &m, s, 40, NULL, NULL, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "1 distinct value"));
    for (size_t i = 0; i < n; i++)
        lab[i] = (int32_t)i * 7 - 100;
    ck_assert_status(genre_metrics_silhouette(x, n, d, d, lab, 1, &m, s, 40, NULL, NULL, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "40 distinct value"));
    lab[1] = lab[0]; /* n - 1 distinct labels is allowed */
    ck_assert_ok(genre_metrics_silhouette(x, n, d, d, lab, 1, &m, s, 40, NULL, NULL, NULL));
    /* Distances that overflow. */
    double big[8] = {1e300, 0, -1e300, 0, 1e300, 1, -1e300, 1};
    int32_t bl[4] = {0, 1, 0, 1};
    ck_assert_status(genre_metrics_silhouette(big, 4, 2, 2, bl, 1, &m, NULL, 0, NULL, NULL,
                                              NULL), GENRE_E_NUMERIC);
    ck_assert_status(genre_metrics_silhouette_sampled(big, 4, 2, 2, bl, 4, 1, 1, &m),
                     GENRE_E_NUMERIC);
    free(x), free(y);
    /* Cancellation (several tiles so there are several rounds). */
    const size_t nn = 1000;
    make_data(nn, 1, 2, 14, &x, &y);
    int calls = 0;
    ck_assert_status(genre_metrics_silhouette(x, nn, 1, 1, y, 2, &m, NULL, 0, NULL, stop_at_2,
                                              &calls), GENRE_E_CANCELLED);
    ck_assert_int_eq(calls, 2);
    calls = 0;
    ck_assert_ok(genre_metrics_silhouette(x, nn, 1, 1, y, 2, &m, NULL, 0, NULL, count_calls,
                                          &calls));
    ck_assert_int_eq(calls, 32); /* 8 x 8 blocks: 36 tiles in 32 rounds */
    free(x), free(y);
}
END_TEST

#ifdef GENRE_TESTING
#include "silhouette.h"

/* The k-sweep's path: several labellings in one pass (with transposed
 * tiles) against the brute force, labelling by labelling. */
START_TEST(several_labellings_in_one_pass_equal_brute_force)
{
    const size_t n = 500, d = 3, m = 3;
    double *x;
    int32_t *y, *all = malloc(m * n * sizeof *all);
    ck_assert_ptr_nonnull(all);
    make_data(n, d, 5, 17, &x, &y);
    for (size_t i = 0; i < n; i++) {
        all[i] = y[i];
        all[n + i] = (int32_t)(i % 2);
        all[2 * n + i] = x[i * d] > 2.0 ? 7 : (x[i * d + 1] > 1.0 ? -1 : 3);
    }
    double means[3], b[500];
    for (int threads = 1; threads <= 3; threads += 2) {
        ck_assert_ok(genre__silhouette_run("test", x, n, d, d, all, m, threads, means, NULL,
                                           NULL, NULL, 0));
        for (size_t q = 0; q < m; q++) {
            double want = brute(x, n, d, all + q * n, b);
            printf("silhouette, labelling %zu of 3 in one pass (%d threads): %.15f, "
                   "|diff| %.3g\n", q, threads, means[q], fabs(means[q] - want));
            ck_assert_double_le(fabs(means[q] - want), 1e-12);
        }
    }
    free(all), free(x), free(y);
}
END_TEST

/* Labellings whose tuples make groups of every size: one row (a label per
 * row of the first 300), runs shorter and longer than a tile (128), and
 * group boundaries on both sides of tile edges; 4 columns (the kernel's
 * general distance loop) and 2 (its inlined one), 1 and 2 threads. */
START_TEST(groups_of_every_size_equal_brute_force)
{
    const size_t n = 700, m = 4;
    for (size_t d = 2; d <= 4; d += 2) {
        double *x;
        int32_t *y, *all = malloc(m * n * sizeof *all);
        ck_assert_ptr_nonnull(all);
        make_data(n, d, 6, 23 + d, &x, &y);
        for (size_t i = 0; i < n; i++) {
            all[i] = y[i];
            all[n + i] = i < 300 ? (int32_t)(i % 50) : 50 + (int32_t)(i / 140);
            all[2 * n + i] = (int32_t)((i * 7919) % 3);
            all[3 * n + i] = x[i * d] > 2.0 ? 1 : 0;
        }
        double means[4], b[700];
        for (int threads = 1; threads <= 2; threads++) {
            ck_assert_ok(genre__silhouette_run("test", x, n, d, d, all, m, threads, means,
                                               NULL, NULL, NULL, 0));
            for (size_t q = 0; q < m; q++) {
                double want = brute(x, n, d, all + q * n, b);
                printf("silhouette, groups of every size, d=%zu labelling %zu (%d threads): "
                       "%.15f, |diff| %.3g\n", d, q, threads, means[q], fabs(means[q] - want));
                ck_assert_double_le(fabs(means[q] - want), 1e-12);
            }
        }
        free(all), free(x), free(y);
    }
}
END_TEST

typedef struct walk_ctx {
    const double *x;
    const int32_t *y;
    size_t n;
} walk_ctx;

static genre_status scenario(void *ctx)
{
    const walk_ctx *c = ctx;
    double m, s[400];
    genre_status st = genre_metrics_silhouette(c->x, c->n, 2, 2, c->y, 2, &m, s, 400, NULL,
                                               NULL, NULL);
    if (st == GENRE_OK)
        st = genre_metrics_silhouette_sampled(c->x, c->n, 2, 2, c->y, 100, 5, 2, &m);
    return st;
}

START_TEST(allocation_failures)
{
    double *x;
    int32_t *y;
    make_data(400, 2, 3, 15, &x, &y);
    walk_ctx c = {x, y, 400};
    ck_assert_int_gt(genre_test_alloc_walk(scenario, &c), 10);
    free(x), free(y);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("metrics_silhouette");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, equals_brute_force_small);
    tcase_add_test(tc, equals_brute_force_several_tiles);
    tcase_add_test(tc, matches_scikit_learn_fixture);
    tcase_add_test(tc, same_threads_same_bits_and_strided_input);
    tcase_add_test(tc, sampled_estimate);
    tcase_add_test(tc, bad_input_and_every_status);
#ifdef GENRE_TESTING
    tcase_add_test(tc, several_labellings_in_one_pass_equal_brute_force);
    tcase_add_test(tc, groups_of_every_size_equal_brute_force);
    tcase_add_test(tc, allocation_failures);
#endif
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
