/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: libgenre's dense eigensolver for real symmetric and symmetric-
 * definite (A v = lambda B v) problems, eigenvalues descending.
 *
 * It calls no BLAS: OpenBLAS runs level-2 calls such as the dsymv of a
 * tridiagonal reduction on its thread pool, and after a fork() it starts
 * that pool again on the next threaded call, ending the process when
 * pthread_create fails (docs/out-of-memory.md). Plain loops, O(n^3): n is a
 * feature count (tens to a few hundred).
 *
 * Method: Householder reduction to tridiagonal form, then implicit QR steps
 * with Wilkinson shifts on the tridiagonal matrix, rotations accumulated
 * into the eigenvectors (eigen_sym.c). The matrix is first scaled by a power
 * of two (exact), so no intermediate overflows or underflows early.
 *
 * Matrices are row-major with a row stride (ld >= n), as in linalg.h. Only
 * the lower triangle (j <= i) of A and B is read; the inputs are never
 * written. On success:
 *   eval[c]              eigenvalue c, in descending order (ties keep the
 *                        order the solver found them in, deterministically);
 *   evec[j * ldv + c]    component j of eigenvector c (column c), its entry
 *                        of largest magnitude (the first on ties) positive
 *                        (genre__lin_fix_sign, the convention of PCA and LDA).
 * evec may be NULL: eigenvalues only (much cheaper), the same values.
 * eval and evec must not overlap the inputs.
 *
 * Errors (recorded under this function's name; public callers rename them
 * with GENRE_PASS): GENRE_E_INVALID_ARG for n == 0, a NULL pointer or a
 * stride below n; GENRE_E_NUMERIC for a non-finite entry, or when the QR
 * iteration has not converged after 30 n steps (not seen in practice);
 * GENRE_E_NOMEM for the one workspace block (libgenre's allocator, so the
 * test build's failure injection reaches it). On failure eval and evec may
 * be partly written: their contents are undefined.
 *
 * Thread-safe: no shared state; any number of calls may run at once.
 */
#ifndef GENRE_EIGEN_SYM_H
#define GENRE_EIGEN_SYM_H

#include <genre/common.h>

#include <stddef.h>

/* A v = lambda v, A symmetric n x n. Eigenvectors orthonormal: V^T V = I. */
genre_status genre__eigen_sym(size_t n, const double *a, size_t lda, double *eval,
                              double *evec, size_t ldv);

/*
 * The symmetric-definite generalized problem A v = lambda B v, A symmetric
 * and B symmetric positive definite: B = L L^T (Cholesky), the symmetric
 * problem C w = lambda w with C = L^-1 A L^-T, then v = L^-T w. The
 * eigenvectors are B-orthonormal: V^T B V = I. B not positive definite (a
 * Cholesky pivot <= 0 or not finite) is GENRE_E_NUMERIC with the pivot's
 * index and value in the message.
 */
genre_status genre__eigen_gensym(size_t n, const double *a, size_t lda, const double *b,
                                 size_t ldb, double *eval, double *evec, size_t ldv);

#endif
