/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The BLAS boundary: the only file that includes a CBLAS header. */
#include "linalg.h"
#include "alloc.h"
#include "error_private.h"

/* OpenBLAS's cblas.h only (pkg-config openblas puts it first on the path);
 * never <gsl/gsl_cblas.h> here, the two declare conflicting enums. */
#include <cblas.h>

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

_Static_assert(sizeof(blasint) == 4 || sizeof(blasint) == 8, "unexpected blasint");
#define BLASINT_LIMIT (sizeof(blasint) == 8 ? (size_t)INT64_MAX : (size_t)INT_MAX)

/* Scratch bound for the blocked covariance: centred rows go through dsyrk
 * this many bytes at a time. */
#define COV_BLOCK_BYTES ((size_t)1 << 20)

/* OpenBLAS 0.3.21 runs dgemm on its threads when m * n * k exceeds 65536 x
 * GEMM_MULTITHREAD_THRESHOLD (4), and dsyrk when n >= 100
 * (interface/gemm.c, interface/syrk.c); its threaded level-3 drivers
 * malloc a job array and exit(1) when that fails, and the single-thread
 * ones allocate nothing (docs/out-of-memory.md). So every call stays at or
 * below these sizes. */
#define GEMM_MAX_MNK ((size_t)65536 * 4)
#define SYRK_MAX_N ((size_t)99)
/* Tiles of C are a multiple of these (when smaller than C): OpenBLAS's
 * dgemm kernels work on 2, 4 or 8 rows of a row-major C at a time, and on
 * 1 to 16 columns; a partial kernel tile may round differently. */
#define GEMM_ROW_TILE ((size_t)8)
#define GEMM_COL_TILE ((size_t)16)
/* k is cut into pieces of this many (OpenBLAS's GEMM_Q on Haswell). */
#define GEMM_K_PIECE ((size_t)256)
/* Columns per strip of the covariance when it is wider than SYRK_MAX_N. */
#define COV_STRIP ((size_t)96)

/* Levels 1 and 2 (OpenBLAS 0.3.21): dgemv runs on its threads when
 * m * n >= 2304 x GEMM_MULTITHREAD_THRESHOLD (4) (interface/gemv.c), daxpy
 * when n > 10000 (interface/axpy.c), ddot when n > 10000 (the x86-64 and
 * ThunderX2 kernels, kernel/x86_64/ddot.c). A threaded call after a fork()
 * starts the thread pool again, and OpenBLAS raise(SIGINT)s and exit(1)s
 * when pthread_create fails then (docs/out-of-memory.md), so every call
 * stays below these sizes. */
#define GEMV_MAX_MN ((size_t)2304 * 4 - 1)
/* At the threshold: a vector OpenBLAS ran on one thread is still one call. */
#define VECTOR_PIECE ((size_t)10000)
/* dgemv pieces: outputs in multiples of 4 and the reduction in multiples of
 * 2048, the blocks OpenBLAS's dgemv_n_4 / dgemv_t_4 kernels (Haswell,
 * SkylakeX, Zen) work in, so every element is summed as by one
 * single-thread call. */
#define GEMV_OUT_TILE ((size_t)4)
#define GEMV_RED_PIECE ((size_t)2048)

#define EXPONENT_MASK UINT64_C(0x7ff0000000000000)
_Static_assert(sizeof(double) == sizeof(uint64_t), "IEEE 754 binary64 expected");

genre_status genre__check_matrix(const char *func, const char *arg_name, const double *x,
                                 size_t n_rows, size_t n_cols, size_t row_stride,
                                 int check_finite)
{
    if (x == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument '%s' is NULL", arg_name);
    if (n_rows == 0)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument '%s' has no rows", arg_name);
    if (n_cols == 0)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument '%s' has no columns",
                           arg_name);
    if (row_stride < n_cols)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "row stride of '%s' (%zu) is less than its column count (%zu)",
                           arg_name, row_stride, n_cols);
    /* Every element offset must be a valid pointer difference. */
    if (n_rows > ((size_t)PTRDIFF_MAX / sizeof(double)) / row_stride)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "argument '%s' is too large: %zu rows x stride %zu overflows",
                           arg_name, n_rows, row_stride);
    if (!check_finite)
        return GENRE_OK;
    for (size_t i = 0; i < n_rows; i++) {
        const double *row = x + i * row_stride;
        /* NaN and +-Inf are exactly the doubles with every exponent bit set.
         * A branch-free integer scan of the row (it vectorises) keeps the
         * common all-finite case fast; the search below only runs on a bad row. */
        uint64_t bad = 0;
        for (size_t j = 0; j < n_cols; j++) {
            uint64_t bits;
            memcpy(&bits, &row[j], sizeof bits);
            bad |= (uint64_t)((bits & EXPONENT_MASK) == EXPONENT_MASK);
        }
        if (!bad)
            continue;
        for (size_t j = 0; j < n_cols; j++)
            if (!isfinite(row[j]))
                return genre__fail(GENRE_E_NONFINITE, func,
                                   "argument '%s' has a non-finite value at row %zu, "
                                   "column %zu (0-based): %g",
                                   arg_name, i, j, row[j]);
    }
    return GENRE_OK;
}

/* Fails with GENRE_E_INVALID_ARG when a size does not fit CBLAS's int. */
static genre_status fits(const char *func, const char *what, size_t value)
{
    if (value <= BLASINT_LIMIT)
        return GENRE_OK;
    return genre__fail(GENRE_E_INVALID_ARG, func,
                       "%s (%zu) exceeds the BLAS size limit (%zu)", what, value,
                       BLASINT_LIMIT);
}

static genre_status check_stride(const char *func, const char *name, size_t cols,
                                 size_t stride)
{
    if (stride < cols)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "row stride of %s (%zu) is less than its column count (%zu)",
                           name, stride, cols);
    if (stride > BLASINT_LIMIT)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "row stride of %s (%zu) exceeds the BLAS size limit (%zu)", name,
                           stride, BLASINT_LIMIT);
    return GENRE_OK;
}

/* C = beta * C without BLAS (for k == 0); beta == 0 overwrites NaN too. */
static void scale_matrix(double beta, double *c, size_t rows, size_t cols, size_t stride)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            c[i * stride + j] = beta == 0.0 ? 0.0 : beta * c[i * stride + j];
}

static enum CBLAS_TRANSPOSE to_cblas(genre__trans t)
{
    return t == GENRE__TRANS ? CblasTrans : CblasNoTrans;
}

/* One k piece of gemm_pieces: tiles of C of at most GEMM_MAX_MNK / k
 * elements, near square (packing a tile's inputs costs rows + cols per k),
 * of whole kernel tiles when smaller than C. */
static void gemm_tiles(genre__trans ta, genre__trans tb, size_t m, size_t n, size_t k,
                       double alpha, const double *a, size_t lda, const double *b,
                       size_t ldb, double beta, double *c, size_t ldc)
{
    const size_t budget = GEMM_MAX_MNK / k; /* >= 513: k < 2 x GEMM_K_PIECE */
    size_t cols = n, rows = m;
    if (n > budget / m) {
        if (n > budget / 32)
            cols = budget / 32 - budget / 32 % GEMM_COL_TILE;
        rows = budget / cols - budget / cols % GEMM_ROW_TILE; /* >= 32 */
    }
    for (size_t i = 0; i < m; i += rows) {
        const size_t mi = m - i < rows ? m - i : rows;
        for (size_t j = 0; j < n; j += cols) {
            const size_t nj = n - j < cols ? n - j : cols;
            cblas_dgemm(CblasRowMajor, to_cblas(ta), to_cblas(tb), (blasint)mi, (blasint)nj,
                        (blasint)k, alpha, ta ? a + i : a + i * lda, (blasint)lda,
                        tb ? b + j * ldb : b + j, (blasint)ldb, beta, c + i * ldc + j,
                        (blasint)ldc);
        }
    }
}

/* C = alpha op(A) op(B) + beta C (sizes checked, k > 0) in single-thread
 * dgemm calls. k is cut as OpenBLAS cuts it with Haswell-class kernels
 * (GEMM_Q 256: pieces of 256 while twice that remains, then the rest, which
 * it halves itself), then C into tiles of whole kernel tiles. There every
 * element is summed as by one single-thread call, with the same bits
 * (core_linalg_pieces); with another GEMM_Q the last bits may differ, as
 * they always could between OpenBLAS thread counts. */
static void gemm_pieces(genre__trans ta, genre__trans tb, size_t m, size_t n, size_t k,
                        double alpha, const double *a, size_t lda, const double *b,
                        size_t ldb, double beta, double *c, size_t ldc)
{
    if (n <= GEMM_MAX_MNK / k && m <= GEMM_MAX_MNK / k / n) {
        gemm_tiles(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); /* one call */
        return;
    }
    for (size_t p = 0; p < k;) {
        const size_t kp = k - p >= 2 * GEMM_K_PIECE ? GEMM_K_PIECE : k - p;
        gemm_tiles(ta, tb, m, n, kp, alpha, ta ? a + p * lda : a + p, lda,
                   tb ? b + p : b + p * ldb, ldb, p == 0 ? beta : 1.0, c, ldc);
        p += kp;
    }
}

genre_status genre__gemm(genre__trans trans_a, genre__trans trans_b, double alpha,
                         const double *a, size_t a_rows, size_t a_cols, size_t a_stride,
                         const double *b, size_t b_rows, size_t b_cols, size_t b_stride,
                         double beta, double *c, size_t c_rows, size_t c_cols,
                         size_t c_stride)
{
    const size_t m = trans_a ? a_cols : a_rows, k = trans_a ? a_rows : a_cols;
    const size_t kb = trans_b ? b_cols : b_rows, n = trans_b ? b_rows : b_cols;
    if (m != c_rows || n != c_cols || k != kb)
        return GENRE_FAIL(GENRE_E_SHAPE,
                          "op(A) is %zu x %zu, op(B) is %zu x %zu, C is %zu x %zu", m, k,
                          kb, n, c_rows, c_cols);
    genre_status st;
    if ((st = check_stride(__func__, "A", a_cols, a_stride)) != GENRE_OK ||
        (st = check_stride(__func__, "B", b_cols, b_stride)) != GENRE_OK ||
        (st = check_stride(__func__, "C", c_cols, c_stride)) != GENRE_OK ||
        (st = fits(__func__, "rows of op(A)", m)) != GENRE_OK ||
        (st = fits(__func__, "columns of op(B)", n)) != GENRE_OK ||
        (st = fits(__func__, "inner dimension k", k)) != GENRE_OK)
        return st;
    if (m == 0 || n == 0)
        return GENRE_OK;
    GENRE_CHECK_NOT_NULL(c);
    if (k == 0) {
        scale_matrix(beta, c, m, n, c_stride);
        return GENRE_OK;
    }
    GENRE_CHECK_NOT_NULL(a);
    GENRE_CHECK_NOT_NULL(b);
    gemm_pieces(trans_a, trans_b, m, n, k, alpha, a, a_stride, b, b_stride, beta, c,
                c_stride);
    return GENRE_OK;
}

genre_status genre__gemv(genre__trans trans_a, double alpha, const double *a, size_t a_rows,
                         size_t a_cols, size_t a_stride, const double *x, size_t x_len,
                         double beta, double *y, size_t y_len)
{
    const size_t m = trans_a ? a_cols : a_rows, k = trans_a ? a_rows : a_cols;
    if (m != y_len || k != x_len)
        return GENRE_FAIL(GENRE_E_SHAPE, "op(A) is %zu x %zu, x has %zu, y has %zu", m, k,
                          x_len, y_len);
    genre_status st;
    if ((st = check_stride(__func__, "A", a_cols, a_stride)) != GENRE_OK ||
        (st = fits(__func__, "rows of A", a_rows)) != GENRE_OK ||
        (st = fits(__func__, "columns of A", a_cols)) != GENRE_OK)
        return st;
    if (m == 0)
        return GENRE_OK;
    GENRE_CHECK_NOT_NULL(y);
    if (k == 0) {
        scale_matrix(beta, y, 1, m, m);
        return GENRE_OK;
    }
    GENRE_CHECK_NOT_NULL(a);
    GENRE_CHECK_NOT_NULL(x);
    /* m outputs, k the reduction: pieces of mp x kp < GEMV_MAX_MN, each
     * reduction piece after the first adding to y (beta 1). */
    size_t kp = k, mp;
    if (k > GEMV_MAX_MN / GEMV_OUT_TILE) {
        kp = GEMV_RED_PIECE;
        mp = GEMV_OUT_TILE;
    } else {
        mp = GEMV_MAX_MN / k;
        mp -= mp % GEMV_OUT_TILE;
    }
    for (size_t p = 0; p < k; p += kp) {
        const size_t kl = k - p < kp ? k - p : kp;
        for (size_t i = 0; i < m; i += mp) {
            const size_t ml = m - i < mp ? m - i : mp;
            /* the piece of A: rows i.. (columns p..) for op = A, rows p..
             * (columns i..) for op = A^T */
            const double *ap = trans_a ? a + p * a_stride + i : a + i * a_stride + p;
            cblas_dgemv(CblasRowMajor, to_cblas(trans_a), (blasint)(trans_a ? kl : ml),
                        (blasint)(trans_a ? ml : kl), alpha, ap, (blasint)a_stride, x + p, 1,
                        p == 0 ? beta : 1.0, y + i, 1);
        }
    }
    return GENRE_OK;
}

/* Rows of the centred block genre__covariance_ex() works in. */
static size_t cov_block_rows(size_t n_rows, size_t n_cols)
{
    size_t block = COV_BLOCK_BYTES / sizeof(double) / n_cols;
    if (block == 0)
        block = 1;
    return block > n_rows ? n_rows : block;
}

size_t genre__covariance_scratch_len(size_t n_rows, size_t n_cols)
{
    if (n_cols == 0 || n_rows == 0)
        return 0;
    return cov_block_rows(n_rows, n_cols) * n_cols;
}

genre_status genre__covariance_ex(const double *x, size_t n_rows, size_t n_cols,
                                  size_t row_stride, size_t ddof,
                                  double *mean_out, double *cov, size_t cov_stride,
                                  double *scratch)
{
    GENRE_CHECK_NOT_NULL(x);
    GENRE_CHECK_NOT_NULL(cov);
    if (n_cols == 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "no columns");
    if (n_rows <= ddof)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "%zu row(s) are too few for ddof = %zu (need more rows than ddof)",
                          n_rows, ddof);
    genre_status st;
    if ((st = check_stride(__func__, "X", n_cols, row_stride)) != GENRE_OK ||
        (st = check_stride(__func__, "the covariance", n_cols, cov_stride)) != GENRE_OK)
        return st;

    const size_t block = cov_block_rows(n_rows, n_cols);
    if ((st = fits(__func__, "covariance block rows", block)) != GENRE_OK)
        return st;

    double *mean = mean_out ? mean_out : genre__alloc_array(n_cols, sizeof *mean);
    double *centred = scratch ? scratch : genre__alloc_array(block * n_cols, sizeof *centred);
    if (!mean || !centred) {
        if (mean != mean_out)
            genre__free(mean);
        if (centred != scratch)
            genre__free(centred);
        return GENRE_E_NOMEM;
    }

    for (size_t j = 0; j < n_cols; j++)
        mean[j] = 0.0;
    for (size_t i = 0; i < n_rows; i++)
        for (size_t j = 0; j < n_cols; j++)
            mean[j] += x[i * row_stride + j];
    for (size_t j = 0; j < n_cols; j++)
        mean[j] /= (double)n_rows;

    /* Upper triangle of sum over blocks of Xc_b^T Xc_b. */
    for (size_t start = 0; start < n_rows; start += block) {
        const size_t rows = n_rows - start < block ? n_rows - start : block;
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < n_cols; j++)
                centred[i * n_cols + j] = x[(start + i) * row_stride + j] - mean[j];
        const double beta = start == 0 ? 0.0 : 1.0;
        if (n_cols <= SYRK_MAX_N) {
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)n_cols,
                        (blasint)rows, 1.0, centred, (blasint)n_cols, beta, cov,
                        (blasint)cov_stride);
            continue;
        }
        /* Too wide for a single-thread dsyrk: the upper triangle by strips
         * of rows, dsyrk for the strip's diagonal block and dgemm right of
         * it. (OpenBLAS's gemm and syrk drivers cut k at slightly different
         * places, so the off-diagonal blocks may differ from one dsyrk in
         * the last bits.) */
        for (size_t j = 0; j < n_cols; j += COV_STRIP) {
            const size_t w = n_cols - j < COV_STRIP ? n_cols - j : COV_STRIP;
            double *diag = cov + j * cov_stride + j;
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)w, (blasint)rows, 1.0,
                        centred + j, (blasint)n_cols, beta, diag, (blasint)cov_stride);
            if (j + w < n_cols)
                gemm_pieces(GENRE__TRANS, GENRE__NO_TRANS, w, n_cols - j - w, rows, 1.0,
                            centred + j, n_cols, centred + j + w, n_cols, beta, diag + w,
                            cov_stride);
        }
    }

    const double scale = 1.0 / (double)(n_rows - ddof);
    for (size_t i = 0; i < n_cols; i++)
        for (size_t j = i; j < n_cols; j++) {
            double v = cov[i * cov_stride + j] * scale;
            cov[i * cov_stride + j] = v;
            cov[j * cov_stride + i] = v;
        }

    if (mean != mean_out)
        genre__free(mean);
    if (centred != scratch)
        genre__free(centred);
    return GENRE_OK;
}

genre_status genre__covariance(const double *x, size_t n_rows, size_t n_cols,
                               size_t row_stride, size_t ddof, double *mean_out,
                               double *cov, size_t cov_stride)
{
    return genre__covariance_ex(x, n_rows, n_cols, row_stride, ddof, mean_out, cov,
                                cov_stride, NULL);
}

/* Pieces of VECTOR_PIECE elements, at most OpenBLAS's threading thresholds
 * (and CBLAS's int). A dot product longer than that is the sum of the
 * pieces' dot products: another summation order than one call's, but one
 * that no longer depends on OpenBLAS's thread count (a threaded ddot sums
 * one partial result per thread). daxpy works element by element: the same
 * bits as one call. */
double genre__dot(size_t n, const double *x, const double *y)
{
    double s = 0.0;
    for (size_t off = 0; off < n; off += VECTOR_PIECE) {
        size_t len = n - off < VECTOR_PIECE ? n - off : VECTOR_PIECE;
        s += cblas_ddot((blasint)len, x + off, 1, y + off, 1);
    }
    return s;
}

void genre__axpy(size_t n, double alpha, const double *x, double *y)
{
    for (size_t off = 0; off < n; off += VECTOR_PIECE) {
        size_t len = n - off < VECTOR_PIECE ? n - off : VECTOR_PIECE;
        cblas_daxpy((blasint)len, alpha, x + off, 1, y + off, 1);
    }
}
