/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the BLAS boundary and the shared matrix input checks.
 *
 * Matrices follow libgenre's convention (genre/common.h): row-major, element
 * (i, j) of an r x c matrix at p[i * stride + j], stride >= c. Sizes are
 * size_t here and int (blasint) in CBLAS: every wrapper checks they fit and
 * fails with GENRE_E_INVALID_ARG naming the size otherwise.
 *
 * This header deliberately does not include <cblas.h>: OpenBLAS's enums
 * clash with GSL's gsl_cblas.h, and modules use both. Only linalg.c talks to
 * CBLAS. No function here may be called inside genre__parallel_for (THE RULE,
 * docs/threads.md). Every call is cut into calls OpenBLAS runs on one
 * thread, whatever OPENBLAS_NUM_THREADS: its threaded level-3 drivers
 * exit(1) when a malloc fails, and any threaded call after a fork() starts
 * its thread pool again, ending the process when pthread_create fails
 * (docs/out-of-memory.md).
 *
 * Outputs must not overlap inputs unless a function says otherwise.
 */
#ifndef GENRE_LINALG_H
#define GENRE_LINALG_H

#include <genre/common.h>

#include <stddef.h>

typedef enum genre__trans {
    GENRE__NO_TRANS = 0,
    GENRE__TRANS = 1
} genre__trans;

/*
 * The check every fit / transform / predict runs on a caller's matrix.
 * func and arg_name go into the message ("genre_pca_fit: argument 'X' ...").
 * GENRE_E_INVALID_ARG: x NULL, zero rows or columns, row_stride < n_cols,
 * or a matrix too large to address (rows * stride doubles overflow).
 * GENRE_E_NONFINITE (when check_finite): the first NaN or infinity in row
 * order, with its 0-based row and column and its value.
 */
genre_status genre__check_matrix(const char *func, const char *arg_name, const double *x,
                                 size_t n_rows, size_t n_cols, size_t row_stride,
                                 int check_finite);

/*
 * C = alpha * op(A) * op(B) + beta * C (dgemm).
 * A is stored a_rows x a_cols with stride a_stride, op(A) = A or A^T; the
 * same for B. C is c_rows x c_cols. op(A) must be c_rows x k and op(B)
 * k x c_cols (GENRE_E_SHAPE otherwise). k == 0 gives C = beta * C; with
 * beta == 0, C is overwritten and its old contents (even NaN) ignored.
 * C must not overlap A or B. Runs as single-thread dgemm calls of at most
 * 262,144 multiply-adds each, with the bits of one single-thread call on
 * OpenBLAS's Haswell/Zen kernels (linalg.c).
 */
genre_status genre__gemm(genre__trans trans_a, genre__trans trans_b, double alpha,
                         const double *a, size_t a_rows, size_t a_cols, size_t a_stride,
                         const double *b, size_t b_rows, size_t b_cols, size_t b_stride,
                         double beta, double *c, size_t c_rows, size_t c_cols,
                         size_t c_stride);

/*
 * y = alpha * op(A) * x + beta * y (dgemv), x and y contiguous.
 * A is stored a_rows x a_cols; x has x_len elements, y has y_len;
 * op(A) must be y_len x x_len (GENRE_E_SHAPE otherwise). Runs as dgemv
 * calls of fewer than 9,216 elements of A each (y in fours; x, when longer
 * than 2,303, in pieces of 2,048), with the bits of one single-thread call
 * on OpenBLAS's Haswell, SkylakeX and Zen kernels (linalg.c) -- except,
 * for op(A) = A^T with x cut, the last y_len % 4 elements, which OpenBLAS
 * sums apart: there the sum of the pieces may differ in the last bits.
 */
genre_status genre__gemv(genre__trans trans_a, double alpha, const double *a, size_t a_rows,
                         size_t a_cols, size_t a_stride, const double *x, size_t x_len,
                         double beta, double *y, size_t y_len);

/*
 * Column means and covariance of X (n_rows x n_cols):
 *   mean[j] = sum_i X[i][j] / n_rows
 *   cov     = (X - 1 mean^T)^T (X - 1 mean^T) / (n_rows - ddof)
 * Two passes (mean, then the product of centred rows) so the result does
 * not suffer the cancellation of E[x^2] - E[x]^2. The centred rows are
 * processed in blocks (dsyrk; by strips, dsyrk and dgemm, above 99 columns,
 * to stay single-thread) so the scratch memory stays bounded. cov is
 * n_cols x n_cols with stride cov_stride, written in full (both triangles).
 * Needs n_rows > ddof (GENRE_E_INVALID_ARG); GENRE_E_NOMEM for the scratch.
 * mean_out may be NULL. X is not checked for finiteness (use check_matrix).
 */
genre_status genre__covariance(const double *x, size_t n_rows, size_t n_cols,
                               size_t row_stride, size_t ddof, double *mean_out,
                               double *cov, size_t cov_stride);

/*
 * genre__covariance() (the same bits) with the centred block in scratch,
 * when not NULL, instead of an allocation: scratch holds
 * genre__covariance_scratch_len(n_rows, n_cols) doubles. A caller adding
 * chunk after chunk keeps one, so each chunk does not fault in fresh memory.
 */
genre_status genre__covariance_ex(const double *x, size_t n_rows, size_t n_cols,
                                  size_t row_stride, size_t ddof,
                                  double *mean_out, double *cov, size_t cov_stride,
                                  double *scratch);

/* Doubles of genre__covariance_ex()'s scratch for n_rows x n_cols: a block
 * of at most 1 MiB, or one row when a row is wider. */
size_t genre__covariance_scratch_len(size_t n_rows, size_t n_cols);

/* sum_i x[i] * y[i] over contiguous vectors; any n. Above 10,000 elements
 * it sums the dot products of pieces of 10,000 in order (one ddot each, on
 * one thread): the last bits may differ from one call's. */
double genre__dot(size_t n, const double *x, const double *y);

/* y += alpha * x over contiguous vectors; any n (daxpy pieces of at most
 * 10,000 elements, on one thread; the same bits as one call). */
void genre__axpy(size_t n, double alpha, const double *x, double *y);

#endif
