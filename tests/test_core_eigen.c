/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libgenre's symmetric eigensolver (lib/common/eigen_sym.c): closed-form
 * cases, the invariants A V = V Lambda, V^T V = I (V^T B V = I for the
 * generalized problem), agreement with GSL's solver (a comparison here
 * only: the library no longer calls it), the contract (order, signs, lower
 * triangle only, strides, errors) and allocation failure.
 */
#include "harness.h"
#include "alloc.h"
#include "eigen_sym.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------- */

static double uniform(uint64_t *s) /* in [-1, 1) */
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (double)(*s >> 11) / 4503599627370496.0 - 1.0;
}

static double *alloc_doubles(size_t n)
{
    double *p = malloc((n ? n : 1) * sizeof *p);
    ck_assert_ptr_nonnull(p);
    return p;
}

static double *random_symmetric(size_t n, uint64_t *s)
{
    double *a = alloc_doubles(n * n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            a[i * n + j] = a[j * n + i] = uniform(s);
    return a;
}

/* A random SPD matrix: M M^T / n + shift I. */
static double *random_spd(size_t n, double shift, uint64_t *s)
{
    double *m = alloc_doubles(n * n), *b = alloc_doubles(n * n);
    for (size_t i = 0; i < n * n; i++)
        m[i] = uniform(s);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) {
            double v = 0.0;
            for (size_t k = 0; k < n; k++)
                v += m[i * n + k] * m[j * n + k];
            b[i * n + j] = b[j * n + i] = v / (double)n + (i == j ? shift : 0.0);
        }
    free(m);
    return b;
}

static double max_abs(size_t n, const double *a, size_t lda)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            m = fmax(m, fabs(a[i * lda + j]));
    return m;
}

/* max |A V - B V Lambda| / (|A| + |B| |Lambda|) (B NULL: the identity) */
static double residual(size_t n, const double *a, const double *b, const double *eval,
                       const double *v, size_t ldv)
{
    double worst = 0.0, lmax = 0.0;
    for (size_t c = 0; c < n; c++)
        lmax = fmax(lmax, fabs(eval[c]));
    const double scale = max_abs(n, a, n) + (b ? max_abs(n, b, n) : 1.0) * lmax;
    for (size_t c = 0; c < n; c++)
        for (size_t i = 0; i < n; i++) {
            double av = 0.0, bv = 0.0;
            for (size_t k = 0; k < n; k++) {
                av += a[i * n + k] * v[k * ldv + c];
                bv += (b ? b[i * n + k] : (double)(i == k)) * v[k * ldv + c];
            }
            worst = fmax(worst, fabs(av - eval[c] * bv));
        }
    return scale > 0.0 ? worst / scale : worst;
}

/* max |V^T B V - I| (B NULL: the identity) */
static double orthonormality(size_t n, const double *b, const double *v, size_t ldv)
{
    double *bv = alloc_doubles(n * n); /* B V */
    for (size_t i = 0; i < n; i++)
        for (size_t e = 0; e < n; e++) {
            double t = 0.0;
            for (size_t k = 0; k < n; k++)
                t += (b ? b[i * n + k] : (double)(i == k)) * v[k * ldv + e];
            bv[i * n + e] = t;
        }
    double worst = 0.0;
    for (size_t c = 0; c < n; c++)
        for (size_t e = 0; e < n; e++) {
            double s = 0.0;
            for (size_t i = 0; i < n; i++)
                s += v[i * ldv + c] * bv[i * n + e];
            worst = fmax(worst, fabs(s - (double)(c == e)));
        }
    free(bv);
    return worst;
}

/* Descending order, and column c's entry of largest magnitude (first on
 * ties) positive. */
static void assert_contract(size_t n, const double *eval, const double *v, size_t ldv)
{
    for (size_t c = 1; c < n; c++)
        ck_assert_msg(eval[c - 1] >= eval[c], "eigenvalue %zu (%g) above %zu (%g)", c, eval[c],
                      c - 1, eval[c - 1]);
    for (size_t c = 0; v && c < n; c++) {
        size_t best = 0;
        for (size_t j = 1; j < n; j++)
            if (fabs(v[j * ldv + c]) > fabs(v[best * ldv + c]))
                best = j;
        ck_assert_msg(v[best * ldv + c] > 0.0, "eigenvector %zu: largest entry negative", c);
    }
}

/* The full check of one symmetric problem: contract and invariants. */
static void check_sym(size_t n, const double *a, double *eval, double *v)
{
    ck_assert_ok(genre__eigen_sym(n, a, n, eval, v, n));
    assert_contract(n, eval, v, n);
    const double res = residual(n, a, NULL, eval, v, n), orth = orthonormality(n, NULL, v, n);
    ck_assert_msg(res <= 1e-12, "n = %zu: |A V - V L| / |A| = %g", n, res);
    ck_assert_msg(orth <= 1e-12, "n = %zu: |V^T V - I| = %g", n, orth);
}

/* ---- closed forms -------------------------------------------------------- */

START_TEST(diagonal_matrix)
{
    static const double diag[5] = {3.0, -1.0, 7.5, 0.0, 2.0};
    static const size_t at[5] = {1, 4, 0, 3, 2}; /* where each ends up, descending */
    double a[25] = {0}, eval[5], v[25];
    for (size_t i = 0; i < 5; i++)
        a[i * 5 + i] = diag[i];
    ck_assert_ok(genre__eigen_sym(5, a, 5, eval, v, 5));
    for (size_t i = 0; i < 5; i++) {
        ck_assert_double_eq(eval[at[i]], diag[i]); /* exactly: nothing to rotate */
        for (size_t j = 0; j < 5; j++)
            ck_assert_double_eq(v[j * 5 + at[i]], j == i ? 1.0 : 0.0);
    }
}
END_TEST

START_TEST(one_by_one)
{
    double a = -4.25, eval, v;
    ck_assert_ok(genre__eigen_sym(1, &a, 1, &eval, &v, 1));
    ck_assert_double_eq(eval, -4.25);
    ck_assert_double_eq(v, 1.0);
    double b = 2.0;
    ck_assert_ok(genre__eigen_gensym(1, &a, 1, &b, 1, &eval, &v, 1));
    ck_assert_double_eq_tol(eval, -2.125, 1e-15); /* -4.25 / sqrt(2)^2 */
    ck_assert_double_eq_tol(v, 1.0 / sqrt(2.0), 1e-16); /* v^T B v = 1 */
}
END_TEST

/* A = R diag(l1, l2) R^T, R the rotation by theta: eigenvectors are R's
 * columns, with the sign convention applied. */
START_TEST(rotations_2x2)
{
    /* (not pi / 4, where the sign convention's tie is decided by rounding) */
    static const double angles[] = {0.1, 0.7, 1.3, 2.0, -0.4, 3.0};
    for (size_t t = 0; t < sizeof angles / sizeof angles[0]; t++) {
        const double th = angles[t], c = cos(th), s = sin(th), l1 = 5.0, l2 = -2.0;
        const double a[4] = {c * c * l1 + s * s * l2, c * s * (l1 - l2), c * s * (l1 - l2),
                             s * s * l1 + c * c * l2};
        double eval[2], v[4];
        ck_assert_ok(genre__eigen_sym(2, a, 2, eval, v, 2));
        ck_assert_double_eq_tol(eval[0], l1, 1e-14);
        ck_assert_double_eq_tol(eval[1], l2, 1e-14);
        double v1[2] = {c, s}, v2[2] = {-s, c};
        for (int k = 0; k < 2; k++) { /* expected vectors under the sign convention */
            double *w = k ? v2 : v1;
            if ((fabs(w[1]) > fabs(w[0]) ? w[1] : w[0]) < 0)
                w[0] = -w[0], w[1] = -w[1];
            ck_assert_double_eq_tol(v[0 * 2 + k], w[0], 1e-14);
            ck_assert_double_eq_tol(v[1 * 2 + k], w[1], 1e-14);
        }
    }
}
END_TEST

/* tridiag(-1, 2, -1) of order n: eigenvalues 2 - 2 cos(k pi / (n + 1)),
 * eigenvectors sin(j k pi / (n + 1)) (k, j = 1..n). */
START_TEST(known_tridiagonal)
{
    const size_t n = 40;
    double *a = calloc(n * n, sizeof *a), *eval = alloc_doubles(n), *v = alloc_doubles(n * n);
    ck_assert_ptr_nonnull(a);
    for (size_t i = 0; i < n; i++) {
        a[i * n + i] = 2.0;
        if (i + 1 < n)
            a[i * n + i + 1] = a[(i + 1) * n + i] = -1.0;
    }
    check_sym(n, a, eval, v);
    const double h = 3.14159265358979323846 / (double)(n + 1);
    for (size_t c = 0; c < n; c++) {
        const size_t k = n - c; /* descending: the largest is k = n */
        ck_assert_double_eq_tol(eval[c], 2.0 - 2.0 * cos((double)k * h), 1e-14);
        double want[64], norm = 0.0, sign_ref = 0.0;
        for (size_t j = 0; j < n; j++) {
            want[j] = sin((double)((j + 1) * k) * h);
            norm += want[j] * want[j];
            if (fabs(want[j]) > fabs(sign_ref) * (1 + 1e-12))
                sign_ref = want[j];
        }
        norm = sqrt(norm) * (sign_ref < 0 ? -1.0 : 1.0);
        /* compare up to sign (ties in magnitude may pick either entry) */
        double dot = 0.0;
        for (size_t j = 0; j < n; j++)
            dot += v[j * n + c] * want[j] / norm;
        ck_assert_double_eq_tol(fabs(dot), 1.0, 1e-12);
    }
    free(a), free(eval), free(v);
}
END_TEST

/* Q diag(L) Q^T with repeated values, Q a random orthogonal matrix (from
 * our own solver on an unrelated matrix): the values to rounding, and
 * orthonormal vectors spanning each eigenspace (the invariants). */
START_TEST(repeated_eigenvalues)
{
    const size_t n = 9;
    static const double lam[9] = {4, 4, 4, 1, 1, 0, -2, -2, -2};
    uint64_t s = 99;
    double *r = random_symmetric(n, &s), *q = alloc_doubles(n * n), *e = alloc_doubles(n);
    ck_assert_ok(genre__eigen_sym(n, r, n, e, q, n));
    double *a = alloc_doubles(n * n), *eval = alloc_doubles(n), *v = alloc_doubles(n * n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double t = 0.0;
            for (size_t k = 0; k < n; k++)
                t += q[i * n + k] * lam[k] * q[j * n + k];
            a[i * n + j] = t;
        }
    for (size_t i = 0; i < n; i++) /* exactly symmetric */
        for (size_t j = 0; j < i; j++)
            a[j * n + i] = a[i * n + j];
    check_sym(n, a, eval, v);
    for (size_t c = 0; c < n; c++)
        ck_assert_double_eq_tol(eval[c], lam[c], 1e-14);
    /* and the all-equal matrix 3 I: nothing to do, the identity back */
    memset(a, 0, n * n * sizeof *a);
    for (size_t i = 0; i < n; i++)
        a[i * n + i] = 3.0;
    check_sym(n, a, eval, v);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            ck_assert_double_eq(v[i * n + j], i == j ? 1.0 : 0.0);
    free(r), free(q), free(e), free(a), free(eval), free(v);
}
END_TEST

/* ---- invariants on harder matrices --------------------------------------- */

START_TEST(invariants_on_hard_matrices)
{
    const size_t n = 21;
    double *a = calloc(n * n, sizeof *a), *eval = alloc_doubles(n), *v = alloc_doubles(n * n);
    ck_assert_ptr_nonnull(a);
    /* Wilkinson's W21+: pairs of eigenvalues equal to 14 digits */
    for (size_t i = 0; i < n; i++) {
        a[i * n + i] = fabs(10.0 - (double)i);
        if (i + 1 < n)
            a[i * n + i + 1] = a[(i + 1) * n + i] = 1.0;
    }
    check_sym(n, a, eval, v);
    ck_assert_double_eq_tol(eval[0], 10.746194182903393, 1e-13);
    ck_assert_double_eq_tol(eval[1], 10.746194182903322, 1e-13);
    /* graded: entries from 1e-12 to 1e12 */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            a[i * n + j] = pow(10.0, (double)(i + j) * 12.0 / (double)(n - 1) - 12.0) /
                           (1.0 + (double)((i * 7 + j * 7) % 5));
    check_sym(n, a, eval, v);
    /* block diagonal (rows already tridiagonal: the reduction skips them) */
    uint64_t s = 5;
    memset(a, 0, n * n * sizeof *a);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            if (i / 7 == j / 7)
                a[i * n + j] = a[j * n + i] = uniform(&s);
    check_sym(n, a, eval, v);
    /* rank one: u u^T */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            a[i * n + j] = (double)(i + 1) * (double)(j + 1);
    check_sym(n, a, eval, v);
    ck_assert_double_eq_tol(eval[0], (double)(n * (n + 1) * (2 * n + 1) / 6), 1e-10);
    for (size_t c = 1; c < n; c++)
        ck_assert_double_le(fabs(eval[c]), 1e-12 * eval[0]);
    /* zero */
    memset(a, 0, n * n * sizeof *a);
    check_sym(n, a, eval, v);
    for (size_t c = 0; c < n; c++)
        ck_assert_double_eq(eval[c], 0.0);
    free(a), free(eval), free(v);
}
END_TEST

/* A power-of-two scaling of A scales the eigenvalues exactly and leaves the
 * eigenvectors' bits alone, even at the ends of the range. */
START_TEST(scaling_is_exact)
{
    const size_t n = 12;
    uint64_t s = 3;
    double *a = random_symmetric(n, &s), *b = alloc_doubles(n * n);
    double e0[12], e1[12], v0[144], v1[144];
    ck_assert_ok(genre__eigen_sym(n, a, n, e0, v0, n));
    static const int powers[] = {900, -900, 40, -1000};
    for (size_t p = 0; p < sizeof powers / sizeof powers[0]; p++) {
        for (size_t i = 0; i < n * n; i++)
            b[i] = ldexp(a[i], powers[p]);
        ck_assert_ok(genre__eigen_sym(n, b, n, e1, v1, n));
        for (size_t c = 0; c < n; c++)
            ck_assert_double_eq(e1[c], ldexp(e0[c], powers[p]));
        ck_assert_mem_eq(v1, v0, sizeof v0);
    }
    free(a), free(b);
}
END_TEST

/* ---- agreement with GSL --------------------------------------------------- */

/* The gap of eigenvalue c to its neighbours. */
static double gap(size_t n, const double *eval, size_t c)
{
    double g = INFINITY;
    if (c > 0)
        g = fmin(g, eval[c - 1] - eval[c]);
    if (c + 1 < n)
        g = fmin(g, eval[c] - eval[c + 1]);
    return g;
}

/* Column c of v and of w agree up to sign within tol. */
static double vector_distance(size_t n, const double *v, const double *w, size_t c)
{
    double plus = 0.0, minus = 0.0;
    for (size_t j = 0; j < n; j++) {
        plus = fmax(plus, fabs(v[j * n + c] - w[j * n + c]));
        minus = fmax(minus, fabs(v[j * n + c] + w[j * n + c]));
    }
    return fmin(plus, minus);
}

START_TEST(agrees_with_gsl_symmv)
{
    static const size_t sizes[] = {2, 3, 5, 13, 30, 64, 150};
    uint64_t s = 17;
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        const size_t n = sizes[t];
        double *a = random_symmetric(n, &s), *eval = alloc_doubles(n), *v = alloc_doubles(n * n);
        check_sym(n, a, eval, v);
        gsl_matrix *ga = gsl_matrix_alloc(n, n), *gv = gsl_matrix_alloc(n, n);
        gsl_vector *ge = gsl_vector_alloc(n);
        gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(n);
        ck_assert(ga && gv && ge && w);
        memcpy(ga->data, a, n * n * sizeof *a);
        ck_assert_int_eq(gsl_eigen_symmv(ga, ge, gv, w), GSL_SUCCESS);
        gsl_eigen_symmv_sort(ge, gv, GSL_EIGEN_SORT_VAL_DESC);
        const double norm = max_abs(n, a, n);
        for (size_t c = 0; c < n; c++) {
            ck_assert_msg(fabs(eval[c] - gsl_vector_get(ge, c)) <= 1e-13 * (double)n * norm,
                          "n = %zu, eigenvalue %zu: %.17g here, %.17g in GSL", n, c, eval[c],
                          gsl_vector_get(ge, c));
            const double tol = 1e-13 * (double)n * norm / gap(n, eval, c);
            ck_assert_msg(vector_distance(n, v, gv->data, c) <= tol,
                          "n = %zu, eigenvector %zu differs from GSL's by %g (tol %g)", n, c,
                          vector_distance(n, v, gv->data, c), tol);
        }
        gsl_eigen_symmv_free(w);
        gsl_vector_free(ge);
        gsl_matrix_free(gv);
        gsl_matrix_free(ga);
        free(a), free(eval), free(v);
    }
}
END_TEST

START_TEST(generalized_invariants_and_gsl)
{
    static const size_t sizes[] = {1, 2, 4, 13, 30, 80};
    uint64_t s = 23;
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        const size_t n = sizes[t];
        double *a = random_symmetric(n, &s), *b = random_spd(n, 0.05, &s);
        double *eval = alloc_doubles(n), *v = alloc_doubles(n * n);
        ck_assert_ok(genre__eigen_gensym(n, a, n, b, n, eval, v, n));
        assert_contract(n, eval, v, n);
        const double res = residual(n, a, b, eval, v, n), orth = orthonormality(n, b, v, n);
        ck_assert_msg(res <= 1e-12, "n = %zu: |A V - B V L| = %g", n, res);
        ck_assert_msg(orth <= 1e-12, "n = %zu: |V^T B V - I| = %g", n, orth);
        gsl_matrix *ga = gsl_matrix_alloc(n, n), *gb = gsl_matrix_alloc(n, n),
                   *gv = gsl_matrix_alloc(n, n);
        gsl_vector *ge = gsl_vector_alloc(n);
        gsl_eigen_gensymmv_workspace *w = gsl_eigen_gensymmv_alloc(n);
        ck_assert(ga && gb && gv && ge && w);
        memcpy(ga->data, a, n * n * sizeof *a);
        memcpy(gb->data, b, n * n * sizeof *b);
        ck_assert_int_eq(gsl_eigen_gensymmv(ga, gb, ge, gv, w), GSL_SUCCESS);
        gsl_eigen_gensymmv_sort(ge, gv, GSL_EIGEN_SORT_VAL_DESC);
        double scale = 0.0;
        for (size_t c = 0; c < n; c++)
            scale = fmax(scale, fabs(eval[c]));
        for (size_t c = 0; c < n; c++) {
            ck_assert_msg(fabs(eval[c] - gsl_vector_get(ge, c)) <= 1e-12 * (double)n * scale,
                          "n = %zu, eigenvalue %zu: %.17g here, %.17g in GSL", n, c, eval[c],
                          gsl_vector_get(ge, c));
            /* GSL's vectors have unit length, ours v^T B v = 1: compare
             * unit directions, up to sign */
            double nv = 0.0, ng = 0.0, plus = 0.0, minus = 0.0;
            for (size_t j = 0; j < n; j++) {
                nv += v[j * n + c] * v[j * n + c];
                ng += gsl_matrix_get(gv, j, c) * gsl_matrix_get(gv, j, c);
            }
            for (size_t j = 0; j < n; j++) {
                const double x = v[j * n + c] / sqrt(nv), y = gsl_matrix_get(gv, j, c) / sqrt(ng);
                plus = fmax(plus, fabs(x - y));
                minus = fmax(minus, fabs(x + y));
            }
            const double tol = 1e-11 * (double)n * scale / gap(n, eval, c);
            ck_assert_msg(fmin(plus, minus) <= tol,
                          "n = %zu, eigenvector %zu differs from GSL's by %g (tol %g)", n, c,
                          fmin(plus, minus), tol);
        }
        gsl_eigen_gensymmv_free(w);
        gsl_vector_free(ge);
        gsl_matrix_free(gv);
        gsl_matrix_free(gb);
        gsl_matrix_free(ga);
        free(a), free(b), free(eval), free(v);
    }
}
END_TEST

/* ---- the contract ---------------------------------------------------------- */

START_TEST(reads_only_the_lower_triangle_and_honours_strides)
{
    const size_t n = 10, ld = 13;
    uint64_t s = 41;
    double *a = random_symmetric(n, &s), *b = random_spd(n, 0.1, &s);
    double *pa = alloc_doubles(n * ld), *pb = alloc_doubles(n * ld);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < ld; j++) { /* NaN above the diagonal and in the padding */
            pa[i * ld + j] = j <= i ? a[i * n + j] : NAN;
            pb[i * ld + j] = j <= i ? b[i * n + j] : NAN;
        }
    double e0[10], e1[10], v0[100], v1[10 * 13];
    ck_assert_ok(genre__eigen_sym(n, a, n, e0, v0, n));
    ck_assert_ok(genre__eigen_sym(n, pa, ld, e1, v1, ld));
    ck_assert_mem_eq(e0, e1, sizeof e0);
    for (size_t i = 0; i < n; i++)
        ck_assert_mem_eq(v0 + i * n, v1 + i * ld, n * sizeof(double));
    ck_assert_ok(genre__eigen_gensym(n, a, n, b, n, e0, v0, n));
    ck_assert_ok(genre__eigen_gensym(n, pa, ld, pb, ld, e1, v1, ld));
    ck_assert_mem_eq(e0, e1, sizeof e0);
    for (size_t i = 0; i < n; i++)
        ck_assert_mem_eq(v0 + i * n, v1 + i * ld, n * sizeof(double));
    free(a), free(b), free(pa), free(pb);
}
END_TEST

START_TEST(eigenvalues_only_are_the_same_values)
{
    const size_t n = 25;
    uint64_t s = 8;
    double *a = random_symmetric(n, &s), *b = random_spd(n, 0.1, &s), *v = alloc_doubles(n * n);
    double e0[25], e1[25];
    ck_assert_ok(genre__eigen_sym(n, a, n, e0, v, n));
    ck_assert_ok(genre__eigen_sym(n, a, n, e1, NULL, 0));
    ck_assert_mem_eq(e0, e1, sizeof e0);
    ck_assert_ok(genre__eigen_gensym(n, a, n, b, n, e0, v, n));
    ck_assert_ok(genre__eigen_gensym(n, a, n, b, n, e1, NULL, 0));
    ck_assert_mem_eq(e0, e1, sizeof e0);
    free(a), free(b), free(v);
}
END_TEST

START_TEST(not_positive_definite_b_is_rejected)
{
    const size_t n = 4;
    double a[16] = {0}, eval[4], v[16];
    for (size_t i = 0; i < n; i++)
        a[i * n + i] = (double)i;
    double b[16] = {0};
    for (size_t i = 0; i < n; i++)
        b[i * n + i] = 1.0;
    b[2 * n + 2] = -0.5; /* indefinite */
    genre_clear_error();
    ck_assert_status(genre__eigen_gensym(n, a, n, b, n, eval, v, n), GENRE_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "not positive definite"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "pivot 2"));
    b[2 * n + 2] = 0.0; /* singular */
    ck_assert_status(genre__eigen_gensym(n, a, n, b, n, eval, v, n), GENRE_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "not positive definite"));
    /* semi-definite through dependent rows: [1 1; 1 1] */
    double b2[4] = {1, 1, 1, 1}, a2[4] = {1, 0, 0, 1}, e2[2], v2[4];
    ck_assert_status(genre__eigen_gensym(2, a2, 2, b2, 2, e2, v2, 2), GENRE_E_NUMERIC);
    b[2 * n + 2] = NAN;
    ck_assert_status(genre__eigen_gensym(n, a, n, b, n, eval, v, n), GENRE_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "not positive definite"));
}
END_TEST

START_TEST(bad_arguments)
{
    double a[4] = {1, 0, 0, 1}, e[2], v[4];
    ck_assert_status(genre__eigen_sym(0, a, 2, e, v, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__eigen_sym(2, NULL, 2, e, v, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__eigen_sym(2, a, 2, NULL, v, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__eigen_sym(2, a, 1, e, v, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__eigen_sym(2, a, 2, e, v, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__eigen_sym(SIZE_MAX / 2, a, SIZE_MAX / 2, e, v, SIZE_MAX / 2),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre__eigen_gensym(2, a, 2, NULL, 2, e, v, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__eigen_gensym(2, a, 2, a, 1, e, v, 2), GENRE_E_INVALID_ARG);
    a[2] = NAN; /* lower triangle */
    genre_clear_error();
    ck_assert_status(genre__eigen_sym(2, a, 2, e, v, 2), GENRE_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "non-finite entry at (1, 0)"));
    double b[4] = {1, 0, 0, 1};
    ck_assert_status(genre__eigen_gensym(2, a, 2, b, 2, e, v, 2), GENRE_E_NUMERIC);
    a[2] = 0.0;
    a[3] = INFINITY;
    ck_assert_status(genre__eigen_sym(2, a, 2, e, NULL, 0), GENRE_E_NUMERIC);
}
END_TEST

/* ---- allocation failure ----------------------------------------------------- */

typedef struct {
    size_t n;
    const double *a, *b;
    double *eval, *v;
} problem;

static genre_status sym_scenario(void *ctx)
{
    problem *p = ctx;
    return genre__eigen_sym(p->n, p->a, p->n, p->eval, p->v, p->n);
}

static genre_status gensym_scenario(void *ctx)
{
    problem *p = ctx;
    return genre__eigen_gensym(p->n, p->a, p->n, p->b, p->n, p->eval, p->v, p->n);
}

START_TEST(allocation_failure_is_nomem)
{
    const size_t n = 15;
    uint64_t s = 2;
    double *a = random_symmetric(n, &s), *b = random_spd(n, 0.1, &s);
    problem p = {n, a, b, alloc_doubles(n), alloc_doubles(n * n)};
    ck_assert_int_eq(genre_test_alloc_walk(sym_scenario, &p), 1); /* one block */
    ck_assert_int_eq(genre_test_alloc_walk(gensym_scenario, &p), 1);
    genre__alloc_fail_at(1);
    ck_assert_status(genre__eigen_sym(n, a, n, p.eval, NULL, 0), GENRE_E_NOMEM);
    genre__alloc_fail_at(0);
    free(a), free(b), free(p.eval), free(p.v);
}
END_TEST

int main(void)
{
    gsl_set_error_handler_off(); /* the comparisons must not abort either */
    Suite *s = suite_create("core_eigen");
    TCase *tc = tcase_create("eigen");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, diagonal_matrix);
    tcase_add_test(tc, one_by_one);
    tcase_add_test(tc, rotations_2x2);
    tcase_add_test(tc, known_tridiagonal);
    tcase_add_test(tc, repeated_eigenvalues);
    tcase_add_test(tc, invariants_on_hard_matrices);
    tcase_add_test(tc, scaling_is_exact);
    tcase_add_test(tc, agrees_with_gsl_symmv);
    tcase_add_test(tc, generalized_invariants_and_gsl);
    tcase_add_test(tc, reads_only_the_lower_triangle_and_honours_strides);
    tcase_add_test(tc, eigenvalues_only_are_the_same_values);
    tcase_add_test(tc, not_positive_definite_b_is_rejected);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, allocation_failure_is_nomem);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
