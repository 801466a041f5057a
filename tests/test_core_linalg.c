/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The BLAS wrappers against naive loops, and the shared matrix checks. */
#include "harness.h"
#include "alloc.h"
#include "linalg.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A padded random matrix: rows x cols with stride cols + pad, padding NaN so
 * a wrapper that reads past a row shows up in the results. */
static double *random_matrix(size_t rows, size_t cols, size_t stride, unsigned *seed)
{
    double *m = malloc((rows ? rows : 1) * stride * sizeof *m + sizeof *m);
    ck_assert_ptr_nonnull(m);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < stride; j++) {
            *seed = *seed * 1103515245u + 12345u;
            m[i * stride + j] = j < cols ? ((*seed >> 8) % 20001) / 10000.0 - 1.0 : NAN;
        }
    return m;
}

static double at(const double *m, size_t stride, int trans, size_t i, size_t j)
{
    return trans ? m[j * stride + i] : m[i * stride + j];
}

START_TEST(gemm_matches_naive_all_transposes)
{
    static const size_t dims[][3] = {{5, 3, 4}, {1, 7, 2}, {6, 1, 9}, {13, 11, 1}, {4, 4, 4}};
    unsigned seed = 1;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                const size_t m = dims[d][0], n = dims[d][1], k = dims[d][2];
                const size_t ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k,
                             bc = tb ? k : n;
                const size_t as = ac + 3, bs = bc + 2, cs = n + 5;
                double *a = random_matrix(ar, ac, as, &seed);
                double *b = random_matrix(br, bc, bs, &seed);
                double *c = random_matrix(m, n, cs, &seed);
                double *c0 = malloc(m * cs * sizeof *c0);
                ck_assert_ptr_nonnull(c0);
                memcpy(c0, c, m * cs * sizeof *c0);
                const double alpha = 1.5, beta = -0.75;
                ck_assert_ok(genre__gemm(ta ? GENRE__TRANS : GENRE__NO_TRANS,
                                         tb ? GENRE__TRANS : GENRE__NO_TRANS, alpha, a, ar,
                                         ac, as, b, br, bc, bs, beta, c, m, n, cs));
                for (size_t i = 0; i < m; i++) {
                    for (size_t j = 0; j < n; j++) {
                        double s = 0;
                        for (size_t p = 0; p < k; p++)
                            s += at(a, as, ta, i, p) * at(b, bs, tb, p, j);
                        double want = alpha * s + beta * c0[i * cs + j];
                        ck_assert_double_eq_tol(c[i * cs + j], want, 1e-12);
                    }
                    for (size_t j = n; j < cs; j++) /* padding untouched */
                        ck_assert(isnan(c[i * cs + j]));
                }
                free(a), free(b), free(c), free(c0);
            }
}
END_TEST

START_TEST(gemm_beta_zero_ignores_old_c_and_k_zero)
{
    double a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 1, 1};
    double c[4] = {NAN, NAN, NAN, NAN};
    /* (2x3)(3x2) */
    ck_assert_ok(genre__gemm(GENRE__NO_TRANS, GENRE__NO_TRANS, 1.0, a, 2, 3, 3, b, 3, 2, 2,
                             0.0, c, 2, 2, 2));
    ck_assert_double_eq(c[0], 4);
    ck_assert_double_eq(c[1], 5);
    ck_assert_double_eq(c[2], 10);
    ck_assert_double_eq(c[3], 11);
    /* k == 0: C = beta * C, and beta == 0 clears even NaN. */
    ck_assert_ok(genre__gemm(GENRE__NO_TRANS, GENRE__NO_TRANS, 1.0, a, 2, 0, 0, b, 0, 2, 2,
                             2.0, c, 2, 2, 2));
    ck_assert_double_eq(c[0], 8);
    c[1] = NAN;
    ck_assert_ok(genre__gemm(GENRE__NO_TRANS, GENRE__NO_TRANS, 1.0, NULL, 2, 0, 0, NULL, 0, 2,
                             2, 0.0, c, 2, 2, 2));
    ck_assert_double_eq(c[1], 0);
    /* m == 0: nothing to do, no pointer needed. */
    ck_assert_ok(genre__gemm(GENRE__NO_TRANS, GENRE__NO_TRANS, 1.0, NULL, 0, 3, 3, b, 3, 2, 2,
                             0.0, NULL, 0, 2, 2));
}
END_TEST

START_TEST(gemm_and_gemv_errors)
{
    double a[12] = {0}, b[12] = {0}, c[12] = {0};
    ck_assert_status(genre__gemm(GENRE__NO_TRANS, GENRE__NO_TRANS, 1, a, 2, 3, 3, b, 2, 3, 3,
                                 0, c, 2, 3, 3),
                     GENRE_E_SHAPE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "op(A) is 2 x 3"));
    ck_assert_status(genre__gemm(GENRE__NO_TRANS, GENRE__NO_TRANS, 1, a, 2, 3, 2, b, 3, 2, 2,
                                 0, c, 2, 2, 2),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "stride of A (2)"));
    /* A size CBLAS's int cannot hold is named, before anything is touched. */
    const size_t huge = (size_t)INT32_MAX + 1;
    ck_assert_status(genre__gemm(GENRE__NO_TRANS, GENRE__NO_TRANS, 1, a, huge, 1, 1, b, 1, 1,
                                 1, 0, c, huge, 1, 1),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "rows of op(A) (2147483648)"));
    ck_assert_status(genre__gemm(GENRE__NO_TRANS, GENRE__NO_TRANS, 1, a, 1, 1, huge, b, 1, 1,
                                 1, 0, c, 1, 1, 1),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "row stride of A (2147483648)"));
    ck_assert_status(genre__gemm(GENRE__NO_TRANS, GENRE__NO_TRANS, 1, NULL, 1, 1, 1, b, 1, 1,
                                 1, 0, c, 1, 1, 1),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre__gemv(GENRE__NO_TRANS, 1, a, 2, 3, 3, b, 2, 0, c, 2), GENRE_E_SHAPE);
    ck_assert_status(genre__gemv(GENRE__TRANS, 1, a, 2, 3, 3, b, 3, 0, c, 2), GENRE_E_SHAPE);
    ck_assert_status(genre__gemv(GENRE__NO_TRANS, 1, a, huge, 1, 1, b, 1, 0, c, huge),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "rows of A (2147483648)"));
}
END_TEST

START_TEST(gemv_matches_naive)
{
    unsigned seed = 7;
    static const size_t dims[][2] = {{5, 3}, {1, 8}, {9, 1}, {6, 6}};
    for (size_t d = 0; d < 4; d++)
        for (int ta = 0; ta < 2; ta++) {
            const size_t r = dims[d][0], c = dims[d][1], s = c + 4;
            const size_t xl = ta ? r : c, yl = ta ? c : r;
            double *a = random_matrix(r, c, s, &seed);
            double *x = random_matrix(1, xl, xl, &seed);
            double *y = random_matrix(1, yl, yl, &seed);
            double *y0 = malloc(yl * sizeof *y0);
            ck_assert_ptr_nonnull(y0);
            memcpy(y0, y, yl * sizeof *y0);
            ck_assert_ok(genre__gemv(ta ? GENRE__TRANS : GENRE__NO_TRANS, -2.0, a, r, c, s, x,
                                     xl, 0.5, y, yl));
            for (size_t i = 0; i < yl; i++) {
                double sum = 0;
                for (size_t p = 0; p < xl; p++)
                    sum += at(a, s, ta, i, p) * x[p];
                ck_assert_double_eq_tol(y[i], -2.0 * sum + 0.5 * y0[i], 1e-12);
            }
            free(a), free(x), free(y), free(y0);
        }
}
END_TEST

static void naive_covariance(const double *x, size_t n, size_t p, size_t s, size_t ddof,
                             double *mean, double *cov)
{
    for (size_t j = 0; j < p; j++) {
        mean[j] = 0;
        for (size_t i = 0; i < n; i++)
            mean[j] += x[i * s + j];
        mean[j] /= (double)n;
    }
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b < p; b++) {
            double acc = 0;
            for (size_t i = 0; i < n; i++)
                acc += (x[i * s + a] - mean[a]) * (x[i * s + b] - mean[b]);
            cov[a * p + b] = acc / (double)(n - ddof);
        }
}

START_TEST(covariance_matches_naive)
{
    unsigned seed = 3;
    /* The last shape spans several dsyrk blocks (1 MiB of doubles / 3 columns). */
    static const size_t shapes[][2] = {{10, 4}, {1, 3}, {2, 1}, {7, 9}, {50000, 3}};
    for (size_t d = 0; d < sizeof shapes / sizeof shapes[0]; d++)
        for (size_t ddof = 0; ddof < 2; ddof++) {
            const size_t n = shapes[d][0], p = shapes[d][1], s = p + 2, cs = p + 1;
            if (n <= ddof)
                continue;
            double *x = random_matrix(n, p, s, &seed);
            for (size_t i = 0; i < n; i++) /* an offset that naive E[x^2]-E[x]^2 would feel */
                for (size_t j = 0; j < p; j++)
                    x[i * s + j] += 1e6 * (double)(j + 1);
            double *mean = malloc(p * sizeof *mean), *cov = malloc(p * cs * sizeof *cov);
            double *mean_ref = malloc(p * sizeof *mean), *cov_ref = malloc(p * p * sizeof *cov);
            ck_assert(mean && cov && mean_ref && cov_ref);
            for (size_t i = 0; i < p * cs; i++)
                cov[i] = NAN;
            ck_assert_ok(genre__covariance(x, n, p, s, ddof, mean, cov, cs));
            naive_covariance(x, n, p, s, ddof, mean_ref, cov_ref);
            for (size_t a = 0; a < p; a++) {
                ck_assert_double_eq_tol(mean[a], mean_ref[a], 1e-9);
                for (size_t b = 0; b < p; b++) {
                    ck_assert_double_eq_tol(cov[a * cs + b], cov_ref[a * p + b], 1e-9);
                    ck_assert(cov[a * cs + b] == cov[b * cs + a]); /* exactly symmetric */
                }
                ck_assert(isnan(cov[a * cs + p])); /* padding untouched */
            }
            /* mean_out is optional. */
            ck_assert_ok(genre__covariance(x, n, p, s, ddof, NULL, cov, cs));
            ck_assert_double_eq_tol(cov[0], cov_ref[0], 1e-9);
            free(x), free(mean), free(cov), free(mean_ref), free(cov_ref);
        }
}
END_TEST

START_TEST(covariance_errors)
{
    double x[6] = {1, 2, 3, 4, 5, 6}, cov[4];
    ck_assert_status(genre__covariance(x, 1, 2, 2, 1, NULL, cov, 2), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "ddof = 1"));
    ck_assert_status(genre__covariance(NULL, 3, 2, 2, 1, NULL, cov, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__covariance(x, 3, 2, 2, 1, NULL, NULL, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__covariance(x, 3, 0, 2, 1, NULL, cov, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__covariance(x, 3, 2, 1, 1, NULL, cov, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__covariance(x, 3, 2, 2, 1, NULL, cov, 1), GENRE_E_INVALID_ARG);
}
END_TEST

struct cov_case {
    const double *x;
    double *mean;
};

static genre_status cov_scenario(void *ctx)
{
    struct cov_case *c = ctx;
    double cov[4];
    return genre__covariance(c->x, 3, 2, 2, 1, c->mean, cov, 2);
}

START_TEST(covariance_allocation_failures)
{
    double x[6] = {1, 2, 3, 5, 5, 9}, mean[2];
    struct cov_case with_mean = {x, mean}, without = {x, NULL};
    ck_assert_int_eq(genre_test_alloc_walk(cov_scenario, &with_mean), 1);
    ck_assert_int_eq(genre_test_alloc_walk(cov_scenario, &without), 2);
}
END_TEST

START_TEST(dot_and_axpy)
{
    double x[5] = {1, 2, 3, 4, 5}, y[5] = {5, 4, 3, 2, 1};
    ck_assert_double_eq(genre__dot(5, x, y), 35);
    ck_assert_double_eq(genre__dot(0, NULL, NULL), 0);
    genre__axpy(5, 2.0, x, y);
    ck_assert_double_eq(y[0], 7);
    ck_assert_double_eq(y[4], 11);
    genre__axpy(0, 2.0, NULL, NULL);
}
END_TEST

START_TEST(check_matrix_accepts_valid_input)
{
    double x[6] = {1, 2, NAN, 3, 4, INFINITY}; /* padding is not checked */
    ck_assert_ok(genre__check_matrix("f", "X", x, 2, 2, 3, 1));
    ck_assert_ok(genre__check_matrix("f", "X", x, 1, 3, 3, 0)); /* no finiteness check */
    ck_assert_ok(genre__check_matrix("f", "X", x, 3, 1, 1, 0));
}
END_TEST

START_TEST(check_matrix_every_error)
{
    double x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    ck_assert_status(genre__check_matrix("genre_pca_fit", "X", NULL, 2, 2, 2, 1),
                     GENRE_E_INVALID_ARG);
    ck_assert_str_eq(genre_last_error(), "genre_pca_fit: argument 'X' is NULL");
    ck_assert_status(genre__check_matrix("f", "X", x, 0, 2, 2, 1), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "no rows"));
    ck_assert_status(genre__check_matrix("f", "X", x, 2, 0, 2, 1), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "no columns"));
    ck_assert_status(genre__check_matrix("f", "X", x, 2, 3, 2, 1), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "row stride of 'X' (2)"));
    ck_assert_status(genre__check_matrix("f", "X", x, SIZE_MAX / 4, 4, 4, 0),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "too large"));
    ck_assert_status(genre__check_matrix("f", "X", x, 3, 1, SIZE_MAX / 2, 0),
                     GENRE_E_INVALID_ARG);

    x[5] = NAN; /* row 1, column 2 with 3 columns and stride 4 */
    ck_assert_status(genre__check_matrix("genre_pca_fit", "X", x, 2, 3, 4, 1),
                     GENRE_E_NONFINITE);
    ck_assert_str_eq(genre_last_error(), "genre_pca_fit: argument 'X' has a non-finite "
                                         "value at row 1, column 1 (0-based): nan");
    x[5] = 6;
    x[6] = -INFINITY;
    ck_assert_status(genre__check_matrix("f", "Y", x, 2, 3, 4, 1), GENRE_E_NONFINITE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "'Y'"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "row 1, column 2"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "-inf"));
    /* The first one in row order wins. */
    x[1] = INFINITY;
    ck_assert_status(genre__check_matrix("f", "X", x, 2, 3, 4, 1), GENRE_E_NONFINITE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "row 0, column 1 (0-based): inf"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_linalg");
    TCase *tc = tcase_create("linalg");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, gemm_matches_naive_all_transposes);
    tcase_add_test(tc, gemm_beta_zero_ignores_old_c_and_k_zero);
    tcase_add_test(tc, gemm_and_gemv_errors);
    tcase_add_test(tc, gemv_matches_naive);
    tcase_add_test(tc, covariance_matches_naive);
    tcase_add_test(tc, covariance_errors);
    tcase_add_test(tc, covariance_allocation_failures);
    tcase_add_test(tc, dot_and_axpy);
    tcase_add_test(tc, check_matrix_accepts_valid_input);
    tcase_add_test(tc, check_matrix_every_error);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
