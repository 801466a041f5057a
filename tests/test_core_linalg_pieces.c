/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre__gemm, genre__covariance, genre__gemv, genre__dot and genre__axpy
 * keep every dgemm / dsyrk / dgemv / ddot / daxpy below the size at which
 * OpenBLAS 0.3.21 threads it (its threaded level-3 drivers exit(1) when a
 * malloc fails, and any threaded call after a fork() restarts its thread
 * pool, which ends the process when pthread_create fails:
 * docs/out-of-memory.md), with the bits of one single-thread call where the
 * pieces allow it.
 *
 * This program defines those cblas_* functions itself: the static test
 * library binds to them, they record the sizes libgenre asks for and pass
 * the call on to OpenBLAS (dlsym RTLD_NEXT), which the tests also call
 * directly, in one piece, for the reference results.
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "harness.h"
#include "linalg.h"

#include <cblas.h>

#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* OpenBLAS 0.3.21 runs dgemm on one thread up to m * n * k = 262,144 and
 * dsyrk up to n = 99 (interface/gemm.c, interface/syrk.c); dgemv below
 * m * n = 2304 x 4 (interface/gemv.c); daxpy and ddot up to n = 10,000
 * (interface/axpy.c, kernel/x86_64/ddot.c). */
#define GEMM_MAX_MNK 262144.0
#define SYRK_MAX_N 99
#define GEMV_MAX_MN 9215.0
#define VECTOR_MAX_N 10000

typedef void dgemm_fn(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, blasint,
                      blasint, blasint, double, const double *, blasint, const double *,
                      blasint, double, double *, blasint);
typedef void dsyrk_fn(enum CBLAS_ORDER, enum CBLAS_UPLO, enum CBLAS_TRANSPOSE, blasint, blasint,
                      double, const double *, blasint, double, double *, blasint);

static double largest_mnk; /* of the dgemm calls since spy_reset() */
static int largest_syrk_n, gemm_calls;
static double largest_gemv_mn; /* of the dgemv calls */
static int largest_vector_n, vector_calls; /* of the ddot and daxpy calls */

typedef void dgemv_fn(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, blasint, blasint, double,
                      const double *, blasint, const double *, blasint, double, double *,
                      blasint);
typedef double ddot_fn(blasint, const double *, blasint, const double *, blasint);
typedef void daxpy_fn(blasint, double, const double *, blasint, double *, blasint);

static dgemm_fn *real_dgemm(void)
{
    dgemm_fn *f = (dgemm_fn *)(uintptr_t)dlsym(RTLD_NEXT, "cblas_dgemm");
    ck_assert_ptr_nonnull((void *)(uintptr_t)f);
    return f;
}

static dsyrk_fn *real_dsyrk(void)
{
    dsyrk_fn *f = (dsyrk_fn *)(uintptr_t)dlsym(RTLD_NEXT, "cblas_dsyrk");
    ck_assert_ptr_nonnull((void *)(uintptr_t)f);
    return f;
}

void cblas_dgemm(OPENBLAS_CONST enum CBLAS_ORDER order, OPENBLAS_CONST enum CBLAS_TRANSPOSE ta,
                 OPENBLAS_CONST enum CBLAS_TRANSPOSE tb, OPENBLAS_CONST blasint m,
                 OPENBLAS_CONST blasint n, OPENBLAS_CONST blasint k,
                 OPENBLAS_CONST double alpha, OPENBLAS_CONST double *a,
                 OPENBLAS_CONST blasint lda, OPENBLAS_CONST double *b,
                 OPENBLAS_CONST blasint ldb, OPENBLAS_CONST double beta, double *c,
                 OPENBLAS_CONST blasint ldc)
{
    const double mnk = (double)m * (double)n * (double)k;
    if (mnk > largest_mnk)
        largest_mnk = mnk;
    gemm_calls++;
    real_dgemm()(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void cblas_dsyrk(OPENBLAS_CONST enum CBLAS_ORDER order, OPENBLAS_CONST enum CBLAS_UPLO uplo,
                 OPENBLAS_CONST enum CBLAS_TRANSPOSE trans, OPENBLAS_CONST blasint n,
                 OPENBLAS_CONST blasint k, OPENBLAS_CONST double alpha,
                 OPENBLAS_CONST double *a, OPENBLAS_CONST blasint lda,
                 OPENBLAS_CONST double beta, double *c, OPENBLAS_CONST blasint ldc)
{
    if (n > largest_syrk_n)
        largest_syrk_n = n;
    real_dsyrk()(order, uplo, trans, n, k, alpha, a, lda, beta, c, ldc);
}

static dgemv_fn *real_dgemv(void)
{
    dgemv_fn *f = (dgemv_fn *)(uintptr_t)dlsym(RTLD_NEXT, "cblas_dgemv");
    ck_assert_ptr_nonnull((void *)(uintptr_t)f);
    return f;
}

static ddot_fn *real_ddot(void)
{
    ddot_fn *f = (ddot_fn *)(uintptr_t)dlsym(RTLD_NEXT, "cblas_ddot");
    ck_assert_ptr_nonnull((void *)(uintptr_t)f);
    return f;
}

static daxpy_fn *real_daxpy(void)
{
    daxpy_fn *f = (daxpy_fn *)(uintptr_t)dlsym(RTLD_NEXT, "cblas_daxpy");
    ck_assert_ptr_nonnull((void *)(uintptr_t)f);
    return f;
}

void cblas_dgemv(OPENBLAS_CONST enum CBLAS_ORDER order, OPENBLAS_CONST enum CBLAS_TRANSPOSE t,
                 OPENBLAS_CONST blasint m, OPENBLAS_CONST blasint n,
                 OPENBLAS_CONST double alpha, OPENBLAS_CONST double *a,
                 OPENBLAS_CONST blasint lda, OPENBLAS_CONST double *x,
                 OPENBLAS_CONST blasint incx, OPENBLAS_CONST double beta, double *y,
                 OPENBLAS_CONST blasint incy)
{
    const double mn = (double)m * (double)n;
    if (mn > largest_gemv_mn)
        largest_gemv_mn = mn;
    real_dgemv()(order, t, m, n, alpha, a, lda, x, incx, beta, y, incy);
}

double cblas_ddot(OPENBLAS_CONST blasint n, OPENBLAS_CONST double *x,
                  OPENBLAS_CONST blasint incx, OPENBLAS_CONST double *y,
                  OPENBLAS_CONST blasint incy)
{
    if (n > largest_vector_n)
        largest_vector_n = n;
    vector_calls++;
    return real_ddot()(n, x, incx, y, incy);
}

void cblas_daxpy(OPENBLAS_CONST blasint n, OPENBLAS_CONST double alpha,
                 OPENBLAS_CONST double *x, OPENBLAS_CONST blasint incx, double *y,
                 OPENBLAS_CONST blasint incy)
{
    if (n > largest_vector_n)
        largest_vector_n = n;
    vector_calls++;
    real_daxpy()(n, alpha, x, incx, y, incy);
}

static void spy_reset(void)
{
    largest_mnk = 0.0;
    largest_syrk_n = 0;
    gemm_calls = 0;
    largest_gemv_mn = 0.0;
    largest_vector_n = 0;
    vector_calls = 0;
}

/* OpenBLAS's dgemv_n_4 / dgemv_t_4 kernels, whose blocks genre__gemv
 * follows (linalg.c). */
static int gemv_blocks_known(void)
{
    const char *core = openblas_get_corename();
    return strcmp(core, "Haswell") == 0 || strcmp(core, "SkylakeX") == 0 ||
           strncmp(core, "Zen", 3) == 0;
}

static double *random_matrix(size_t rows, size_t stride, unsigned *seed)
{
    double *m = malloc(rows * stride * sizeof *m);
    ck_assert_ptr_nonnull(m);
    for (size_t i = 0; i < rows * stride; i++) {
        *seed = *seed * 1103515245u + 12345u;
        m[i] = ((*seed >> 8) % 20001) / 10000.0 - 1.0;
    }
    return m;
}

/* m x n x k: at the limit (one call), above it by blocks of rows of C,
 * by tiles of rows and columns, with k cut (k >= 512), long k. */
static const size_t gemm_shapes[][3] = {
    {64, 64, 64},  {65, 64, 64},  {300, 40, 50},  {41, 7, 2000}, {700, 1, 3},
    {20, 100, 200}, {30, 500, 100}, {3, 3000, 100}, {50, 60, 700}, {3, 2, 300007}};

/* The bits of one dgemm on one OpenBLAS thread (a threaded call partitions
 * C differently, and a partial kernel tile may round differently): always
 * when k is not cut, and with k cut where OpenBLAS cuts it the same way
 * (GEMM_Q 256: its Haswell and Zen kernels); elsewhere to a tolerance. */
START_TEST(gemm_pieces_have_the_bits_of_one_call)
{
    const int threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    const char *core = openblas_get_corename();
    const int q256 = strcmp(core, "Haswell") == 0 || strncmp(core, "Zen", 3) == 0;
    unsigned seed = 7;
    for (size_t d = 0; d < sizeof gemm_shapes / sizeof gemm_shapes[0]; d++)
        for (int t = 0; t < 8; t++) {
            const int ta = t & 1, tb = (t >> 1) & 1;
            const double alpha = 1.5, beta = (t & 4) ? 0.0 : -0.75;
            const size_t m = gemm_shapes[d][0], n = gemm_shapes[d][1], k = gemm_shapes[d][2];
            const size_t ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k,
                         bc = tb ? k : n;
            const size_t as = ac + 3, bs = bc + 1, cs = n + 2;
            double *a = random_matrix(ar, as, &seed), *b = random_matrix(br, bs, &seed);
            double *c = random_matrix(m, cs, &seed), *want = malloc(m * cs * sizeof *want);
            ck_assert_ptr_nonnull(want);
            if (beta == 0.0)
                for (size_t i = 0; i < m; i++) /* beta 0 overwrites even NaN */
                    c[i * cs] = NAN;
            memcpy(want, c, m * cs * sizeof *want);
            real_dgemm()(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                         tb ? CblasTrans : CblasNoTrans, (blasint)m, (blasint)n, (blasint)k,
                         alpha, a, (blasint)as, b, (blasint)bs, beta, want, (blasint)cs);
            spy_reset();
            ck_assert_ok(genre__gemm(ta ? GENRE__TRANS : GENRE__NO_TRANS,
                                     tb ? GENRE__TRANS : GENRE__NO_TRANS, alpha, a, ar, ac, as,
                                     b, br, bc, bs, beta, c, m, n, cs));
            ck_assert_msg(largest_mnk <= GEMM_MAX_MNK, "%zu x %zu x %zu: a dgemm of %.0f", m,
                          n, k, largest_mnk);
            ck_assert_int_eq(gemm_calls > 1, (double)m * (double)n * (double)k > GEMM_MAX_MNK);
            if (k < 512 || q256)
                ck_assert_msg(memcmp(c, want, m * cs * sizeof *c) == 0,
                              "%zu x %zu x %zu (trans %d %d, beta %g) differs from one dgemm",
                              m, n, k, ta, tb, beta);
            else
                for (size_t i = 0; i < m * cs; i++)
                    ck_assert_double_eq_tol(c[i], want[i], 1e-14 * (double)k);
            free(a), free(b), free(c), free(want);
        }
    openblas_set_num_threads(threads);
}
END_TEST

/* The covariance before the split: one dsyrk per block of centred rows
 * (the blocks genre__covariance uses: 1 MiB of doubles). */
static void one_call_covariance(const double *x, size_t n, size_t p, size_t s, double *cov)
{
    double *mean = calloc(p, sizeof *mean);
    const size_t block = ((size_t)1 << 20) / sizeof(double) / p;
    double *xc = malloc(block * p * sizeof *xc);
    ck_assert(mean && xc);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
            mean[j] += x[i * s + j];
    for (size_t j = 0; j < p; j++)
        mean[j] /= (double)n;
    for (size_t start = 0; start < n; start += block) {
        const size_t rows = n - start < block ? n - start : block;
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < p; j++)
                xc[i * p + j] = x[(start + i) * s + j] - mean[j];
        real_dsyrk()(CblasRowMajor, CblasUpper, CblasTrans, (blasint)p, (blasint)rows, 1.0, xc,
                     (blasint)p, start == 0 ? 0.0 : 1.0, cov, (blasint)p);
    }
    for (size_t i = 0; i < p; i++)
        for (size_t j = i; j < p; j++)
            cov[j * p + i] = cov[i * p + j] = cov[i * p + j] * (1.0 / (double)(n - 1));
    free(mean), free(xc);
}

START_TEST(wide_covariance_stays_below_the_dsyrk_threads)
{
    const int threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    unsigned seed = 11;
    /* Columns below, at and above the dsyrk limit; the last over 3 row blocks. */
    static const size_t shapes[][2] = {{500, 99}, {300, 100}, {400, 250}, {2000, 150}};
    for (size_t d = 0; d < sizeof shapes / sizeof shapes[0]; d++) {
        const size_t n = shapes[d][0], p = shapes[d][1], s = p + 1;
        double *x = random_matrix(n, s, &seed);
        double *cov = malloc(p * p * sizeof *cov), *want = malloc(p * p * sizeof *want);
        ck_assert(cov && want);
        one_call_covariance(x, n, p, s, want);
        spy_reset();
        ck_assert_ok(genre__covariance(x, n, p, s, 1, NULL, cov, p));
        ck_assert_int_le(largest_syrk_n, SYRK_MAX_N);
        ck_assert(largest_mnk <= GEMM_MAX_MNK);
        if (p <= SYRK_MAX_N)
            ck_assert_msg(memcmp(cov, want, p * p * sizeof *cov) == 0,
                          "%zu x %zu covariance differs from one dsyrk", n, p);
        else /* dgemm and dsyrk may cut k at other places (linalg.c) */
            for (size_t i = 0; i < p * p; i++)
                ck_assert_double_eq_tol(cov[i], want[i], 1e-14 * (double)n);
        free(x), free(cov), free(want);
    }
    openblas_set_num_threads(threads);
}
END_TEST

/* rows x cols of A: one call (below the limit), outputs cut (in fours, a
 * tail of 1 to 3), the reduction cut at 2048 too (x longer than 2303),
 * both. */
static const size_t gemv_shapes[][2] = {{90, 100}, {5000, 3},  {3, 5000},  {700, 700},
                                        {9216, 1}, {1, 9216},  {2303, 4},  {4, 2303},
                                        {2305, 5}, {5, 2305},  {6, 20001}, {20001, 6},
                                        {13, 4096}, {4096, 13}};

START_TEST(gemv_pieces_have_the_bits_of_one_call)
{
    const int threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    unsigned seed = 13;
    for (size_t d = 0; d < sizeof gemv_shapes / sizeof gemv_shapes[0]; d++)
        for (int t = 0; t < 4; t++) {
            const int ta = t & 1;
            const double alpha = 1.5, beta = (t & 2) ? 0.0 : -0.75;
            const size_t r = gemv_shapes[d][0], c = gemv_shapes[d][1], s = c + 3;
            const size_t xl = ta ? r : c, yl = ta ? c : r;
            double *a = random_matrix(r, s, &seed), *x = random_matrix(1, xl, &seed);
            double *y = random_matrix(1, yl, &seed), *want = malloc(yl * sizeof *want);
            ck_assert_ptr_nonnull(want);
            if (beta == 0.0) /* beta 0 overwrites even NaN */
                y[yl / 2] = NAN;
            memcpy(want, y, yl * sizeof *want);
            real_dgemv()(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, (blasint)r, (blasint)c,
                         alpha, a, (blasint)s, x, 1, beta, want, 1);
            spy_reset();
            ck_assert_ok(genre__gemv(ta ? GENRE__TRANS : GENRE__NO_TRANS, alpha, a, r, c, s, x,
                                     xl, beta, y, yl));
            ck_assert_msg(largest_gemv_mn <= GEMV_MAX_MN, "%zu x %zu (trans %d): a dgemv of %.0f",
                          r, c, ta, largest_gemv_mn);
            /* Bits of one call, except where x is cut (longer than 2303)
             * for the last y_len % 4 elements of A^T x, which dgemv_n_4
             * sums apart from the others (linalg.h). */
            const size_t exact = ta && xl > 2303 ? yl - yl % 4 : yl;
            for (size_t i = 0; i < yl; i++)
                if (gemv_blocks_known() && i < exact)
                    ck_assert_msg(memcmp(&y[i], &want[i], sizeof *y) == 0,
                                  "%zu x %zu (trans %d, beta %g): y[%zu] differs from one "
                                  "dgemv",
                                  r, c, ta, beta, i);
                else
                    ck_assert_double_eq_tol(y[i], want[i], 1e-14 * (double)xl);
            free(a), free(x), free(y), free(want);
        }
    openblas_set_num_threads(threads);
}
END_TEST

START_TEST(vectors_stay_below_the_level1_threads)
{
    const int threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    unsigned seed = 17;
    static const size_t lengths[] = {9999, 10000, 10001, 65537, 200000};
    for (size_t d = 0; d < sizeof lengths / sizeof lengths[0]; d++) {
        const size_t n = lengths[d];
        double *x = random_matrix(1, n, &seed), *y = random_matrix(1, n, &seed);
        double *want = malloc(n * sizeof *want);
        ck_assert_ptr_nonnull(want);
        const double dot_one = real_ddot()((blasint)n, x, 1, y, 1);
        spy_reset();
        const double dot = genre__dot(n, x, y);
        ck_assert_int_le(largest_vector_n, VECTOR_MAX_N);
        ck_assert_int_eq(vector_calls, (int)((n + VECTOR_MAX_N - 1) / VECTOR_MAX_N));
        if (n <= VECTOR_MAX_N) /* what OpenBLAS ran on one thread: the same call */
            ck_assert_msg(memcmp(&dot, &dot_one, sizeof dot) == 0, "ddot of %zu changed", n);
        else /* the sum of the pieces' dot products */
            ck_assert_double_eq_tol(dot, dot_one, 1e-14 * (double)n);
        memcpy(want, y, n * sizeof *want);
        real_daxpy()((blasint)n, -0.3, x, 1, want, 1);
        spy_reset();
        genre__axpy(n, -0.3, x, y);
        ck_assert_int_le(largest_vector_n, VECTOR_MAX_N);
        ck_assert_msg(memcmp(y, want, n * sizeof *y) == 0, "daxpy of %zu differs from one call",
                      n);
        free(x), free(y), free(want);
    }
    openblas_set_num_threads(threads);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_linalg_pieces");
    TCase *tc = tcase_create("pieces");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, gemm_pieces_have_the_bits_of_one_call);
    tcase_add_test(tc, wide_covariance_stays_below_the_dsyrk_threads);
    tcase_add_test(tc, gemv_pieces_have_the_bits_of_one_call);
    tcase_add_test(tc, vectors_stay_below_the_level1_threads);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
