/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The symmetric eigensolver of eigen_sym.h, in plain loops (no BLAS).
 *
 * 1. Copy the lower triangle and scale it by a power of two (exact) so its
 *    largest entry lies in [0.5, 1).
 * 2. Householder reduction to tridiagonal form T = Q^T A Q, from the last
 *    row up: reflector i clears row i left of its subdiagonal and is applied
 *    to the leading i x i block from both sides (lower triangle only). The
 *    reflector is kept in row i, which no later step touches.
 * 3. Q = P_(n-1) ... P_1 from the kept reflectors, then Z = Q^T: the rows
 *    of Z are the eigenvector estimates, so each rotation below updates two
 *    contiguous rows.
 * 4. Implicit symmetric QR steps on T (Golub and Van Loan, Matrix
 *    Computations, section 8.3): a Wilkinson shift from the trailing 2 x 2
 *    block of the bottom unreduced block, then a bulge chased down by Givens
 *    rotations. An off-diagonal entry below half an ulp of its two diagonal
 *    neighbours is set to zero and the block splits there.
 * 5. Eigenvalues sorted descending and scaled back; eigenvectors gathered
 *    into columns with the sign convention of genre__lin_fix_sign.
 * The generalized problem reduces to step 1 through a Cholesky factor.
 */
#include "eigen_sym.h"
#include "alloc.h"
#include "error_private.h"
#include "linear_fit.h"
#include "multiversion.h"

#include <float.h>
#include <math.h>
#include <stdint.h>

/* QR steps allowed per eigenvalue before giving up (LAPACK's dsteqr allows
 * 30 too; Wilkinson's shift needs about two). */
#define MAX_STEPS_PER_VALUE 30

/* The O(n^3) loops, vectorised at -O3 (lib/CMakeLists.txt); AVX2 clones
 * do the same operations in the same order (no FMA): the same bits. */
#define EIGEN_CLONES GENRE_GCC_CLONES("avx2", "default")

/* One workspace block: squares n x n matrices (the working matrix first),
 * then d, e, h, r (n doubles each) and the sort order (n size_t). */
typedef struct work {
    void *block;
    double *w;     /* the scaled matrix, then the reflectors, then Z = Q^T */
    double *extra; /* a second n x n matrix when asked for (the Cholesky factor) */
    double *d, *e; /* diagonal and off-diagonal of T: e[k] couples k and k + 1 */
    double *h;     /* h[i]: half the squared norm of reflector i, 0 for none */
    double *r;     /* scratch row */
    size_t *order;
} work;

_Static_assert(sizeof(size_t) <= sizeof(double), "the sort order shares the double block");

static genre_status work_alloc(size_t n, size_t squares, work *wk)
{
    /* n*n*squares + 5n slots of 8 bytes, without overflow */
    if (n > SIZE_MAX / sizeof(double) / n / (squares + 1))
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "n = %zu is too large", n);
    const size_t nn = n * n;
    double *p = genre__alloc_array(nn * squares + 5 * n, sizeof(double));
    if (!p)
        return GENRE_E_NOMEM;
    wk->block = p;
    wk->w = p;
    wk->extra = squares > 1 ? p + nn : NULL;
    p += nn * squares;
    wk->d = p;
    wk->e = p + n;
    wk->h = p + 2 * n;
    wk->r = p + 3 * n;
    wk->order = (size_t *)(void *)(p + 4 * n);
    return GENRE_OK;
}

static genre_status check_args(size_t n, const void *a, size_t lda, const double *eval,
                               const double *evec, size_t ldv)
{
    if (n == 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "empty matrix (n = 0)");
    if (a == NULL || eval == NULL)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "a matrix or the eigenvalue array is NULL");
    if (lda < n || (evec != NULL && ldv < n))
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "a row stride is less than n = %zu", n);
    return GENRE_OK;
}

static genre_status check_finite(size_t n, const double *m, size_t ld, const char *name)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            if (!isfinite(m[i * ld + j]))
                return GENRE_FAIL(GENRE_E_NUMERIC,
                                  "%s has a non-finite entry at (%zu, %zu): %g", name, i, j,
                                  m[i * ld + j]);
    return GENRE_OK;
}

/* Scales the lower triangle of w (stride n) so that its largest magnitude
 * lies in [0.5, 1); returns the power of two to multiply eigenvalues by. */
static int scale_down(size_t n, double *w)
{
    double amax = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            amax = fmax(amax, fabs(w[i * n + j]));
    if (amax == 0.0)
        return 0;
    int ex;
    (void)frexp(amax, &ex);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            w[i * n + j] = ldexp(w[i * n + j], -ex);
    return ex;
}

/* B <- P B P on the leading m x m block B of w (lower triangle, stride n),
 * P = I - u u^T / hh: p = B u / hh, q = p - (u^T p / (2 hh)) u, then
 * B <- B - u q^T - q u^T. u is not inside the block. */
EIGEN_CLONES
static void reflect_block(double *w, size_t n, size_t m, const double *restrict u, double hh,
                          double *restrict p)
{
    for (size_t j = 0; j < m; j++)
        p[j] = 0.0;
    for (size_t j = 0; j < m; j++) { /* p = B u from the lower triangle, by rows */
        const double *restrict bj = w + j * n;
        const double uj = u[j];
        double t = 0.0;
        for (size_t k = 0; k < j; k++) {
            t += bj[k] * u[k];
            p[k] += bj[k] * uj;
        }
        p[j] += t + bj[j] * uj;
    }
    double up = 0.0;
    for (size_t j = 0; j < m; j++) {
        p[j] /= hh;
        up += u[j] * p[j];
    }
    const double half = up / (2.0 * hh);
    for (size_t j = 0; j < m; j++)
        p[j] -= half * u[j];
    for (size_t j = 0; j < m; j++) {
        double *restrict bj = w + j * n;
        const double uj = u[j], qj = p[j];
        for (size_t k = 0; k <= j; k++)
            bj[k] -= uj * p[k] + qj * u[k];
    }
}

/* Step 2: T in wk->d and wk->e, the reflectors in the rows of wk->w. */
static void tridiagonalise(size_t n, work *wk)
{
    double *w = wk->w, *d = wk->d, *e = wk->e, *h = wk->h;
    e[n - 1] = 0.0;
    h[0] = 0.0;
    for (size_t i = n - 1; i > 0; i--) {
        double *u = w + i * n; /* x = row i left of the diagonal, then u */
        h[i] = 0.0;
        double off = 0.0; /* what the reflector must clear */
        for (size_t k = 0; k + 1 < i; k++)
            off += fabs(u[k]);
        if (off == 0.0) { /* row i is tridiagonal already */
            e[i - 1] = u[i - 1];
            continue;
        }
        /* x / scale keeps |x|^2 clear of overflow and underflow */
        const double scale = off + fabs(u[i - 1]);
        double sigma = 0.0;
        for (size_t k = 0; k < i; k++) {
            u[k] /= scale;
            sigma += u[k] * u[k];
        }
        /* u = x - g e_(i-1) with g of the sign opposite to x_(i-1) (no
         * cancellation); |u|^2 = 2 hh; P x = g e_(i-1). */
        const double f = u[i - 1];
        const double g = f >= 0.0 ? -sqrt(sigma) : sqrt(sigma);
        const double hh = sigma - f * g;
        u[i - 1] = f - g;
        e[i - 1] = scale * g;
        h[i] = hh;
        reflect_block(w, n, i, u, hh, d); /* d is written last: scratch here */
    }
    for (size_t i = 0; i < n; i++)
        d[i] = w[i * n + i];
}

/* Step 3: Q = P_(n-1) ... P_1 into q (stride ldq), applying P_1 first.
 * Before P_i, q differs from I only in its leading (i-1) x (i-1) block, and
 * P_i acts on indices 0 .. i-1: only that i x i block changes. */
EIGEN_CLONES
static void accumulate(size_t n, const work *wk, double *q, size_t ldq)
{
    const double *w = wk->w, *h = wk->h;
    double *restrict r = wk->r;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            q[i * ldq + j] = i == j ? 1.0 : 0.0;
    for (size_t i = 1; i < n; i++) {
        if (h[i] == 0.0)
            continue;
        const double *u = w + i * n;
        for (size_t c = 0; c < i; c++) /* r = u^T q, by rows of q */
            r[c] = 0.0;
        for (size_t l = 0; l < i; l++) {
            const double ul = u[l];
            const double *restrict ql = q + l * ldq;
            for (size_t c = 0; c < i; c++)
                r[c] += ul * ql[c];
        }
        for (size_t k = 0; k < i; k++) { /* q -= u r^T / h */
            const double f = u[k] / h[i];
            double *restrict qk = q + k * ldq;
            for (size_t c = 0; c < i; c++)
                qk[c] -= f * r[c];
        }
    }
}

/* Rows a and b of Z become c a + s b and c b - s a. */
EIGEN_CLONES
static void rotate(double *restrict a, double *restrict b, size_t n, double c, double s)
{
    for (size_t j = 0; j < n; j++) {
        const double x = a[j], y = b[j];
        a[j] = c * x + s * y;
        b[j] = c * y - s * x;
    }
}

/* e is negligible beside its diagonal neighbours (or below the normal range). */
static int negligible(double e, double da, double db)
{
    return fabs(e) <= 0.5 * DBL_EPSILON * (fabs(da) + fabs(db)) || fabs(e) < DBL_MIN;
}

/* One implicit QR step on the unreduced block lo .. hi of T, its rotations
 * applied to the rows of z (stride n; NULL: eigenvalues only). */
static void qr_step(size_t lo, size_t hi, double *d, double *e, double *z, size_t n)
{
    /* Wilkinson's shift: the eigenvalue of [d(hi-1) b; b d(hi)] nearer d(hi),
     * in the form that does not cancel (b != 0: the block is unreduced). */
    const double b = e[hi - 1];
    const double delta = 0.5 * (d[hi - 1] - d[hi]);
    const double root = hypot(delta, b);
    const double mu = d[hi] - b * (b / (delta >= 0.0 ? delta + root : delta - root));
    double x = d[lo] - mu, bulge = e[lo];
    for (size_t k = lo; k < hi; k++) {
        /* G = [c s; -s c] maps (x, bulge) to (r, 0): the first rotation
         * starts the step from the shifted first column, every later one
         * clears the bulge at (k + 1, k - 1). T <- G T G^T on rows and
         * columns k, k + 1. */
        const double r = hypot(x, bulge);
        const double c = r > 0.0 ? x / r : 1.0, s = r > 0.0 ? bulge / r : 0.0;
        if (k > lo)
            e[k - 1] = r;
        const double a = d[k], bk = e[k], cc = d[k + 1];
        const double cross = 2.0 * c * s * bk;
        d[k] = c * c * a + cross + s * s * cc;
        d[k + 1] = s * s * a - cross + c * c * cc;
        e[k] = c * s * (cc - a) + (c * c - s * s) * bk;
        if (k + 1 < hi) { /* the rotation pushes the bulge to (k + 2, k) */
            bulge = s * e[k + 1];
            e[k + 1] *= c;
            x = e[k];
        }
        if (z)
            rotate(z + k * n, z + (k + 1) * n, n, c, s);
    }
}

/* Step 4: diagonalises T in place (eigenvalues in d). */
static genre_status tridiagonal_qr(size_t n, double *d, double *e, double *z)
{
    const size_t max_steps = MAX_STEPS_PER_VALUE * n;
    size_t steps = 0, hi = n - 1;
    while (hi > 0) {
        if (negligible(e[hi - 1], d[hi - 1], d[hi])) { /* d[hi] has converged */
            e[hi - 1] = 0.0;
            hi--;
            continue;
        }
        size_t lo = hi - 1;
        while (lo > 0 && !negligible(e[lo - 1], d[lo - 1], d[lo]))
            lo--;
        if (lo > 0)
            e[lo - 1] = 0.0;
        if (steps++ == max_steps)
            return GENRE_FAIL(GENRE_E_NUMERIC,
                              "the symmetric eigen-decomposition did not converge after "
                              "%zu QR steps (n = %zu)",
                              max_steps, n);
        qr_step(lo, hi, d, e, z, n);
    }
    return GENRE_OK;
}

/* Steps 2 to 5 on the matrix in wk->w (lower triangle): eigenvalues into
 * eval, eigenvectors (when evec is not NULL) into the columns of evec,
 * unsigned. */
static genre_status solve(size_t n, work *wk, double *eval, double *evec, size_t ldv)
{
    genre_status st = check_finite(n, wk->w, n, "the matrix");
    if (st != GENRE_OK)
        return st;
    const int ex = scale_down(n, wk->w);
    tridiagonalise(n, wk);
    double *z = NULL;
    if (evec) {
        accumulate(n, wk, evec, ldv); /* Q, in the output for now */
        z = wk->w;                    /* the reflectors are spent */
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                z[i * n + j] = evec[j * ldv + i];
    }
    if ((st = tridiagonal_qr(n, wk->d, wk->e, z)) != GENRE_OK)
        return st;
    /* Insertion sort of the indices, descending and stable. */
    const double *d = wk->d;
    size_t *order = wk->order;
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        for (; j > 0 && d[order[j - 1]] < d[i]; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    for (size_t c = 0; c < n; c++)
        eval[c] = ldexp(d[order[c]], ex);
    if (evec)
        for (size_t c = 0; c < n; c++) {
            const double *zc = z + order[c] * n;
            for (size_t j = 0; j < n; j++)
                evec[j * ldv + c] = zc[j];
        }
    return GENRE_OK;
}

static void fix_signs(size_t n, double *evec, size_t ldv)
{
    for (size_t c = 0; c < n; c++)
        (void)genre__lin_fix_sign(evec + c, n, ldv);
}

genre_status genre__eigen_sym(size_t n, const double *a, size_t lda, double *eval,
                              double *evec, size_t ldv)
{
    genre_status st = check_args(n, a, lda, eval, evec, ldv);
    if (st != GENRE_OK)
        return st;
    work wk;
    if ((st = work_alloc(n, 1, &wk)) != GENRE_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            wk.w[i * n + j] = a[i * lda + j];
    st = solve(n, &wk, eval, evec, ldv);
    if (st == GENRE_OK && evec)
        fix_signs(n, evec, ldv);
    genre__free(wk.block);
    return st;
}

/* B = L L^T, L lower triangular into l (stride n; the upper part is not
 * written). */
static genre_status cholesky(size_t n, const double *b, size_t ldb, double *l)
{
    for (size_t i = 0; i < n; i++) {
        double *li = l + i * n;
        for (size_t j = 0; j <= i; j++) {
            const double *lj = l + j * n;
            double s = b[i * ldb + j];
            for (size_t k = 0; k < j; k++)
                s -= li[k] * lj[k];
            if (j < i) {
                li[j] = s / lj[j];
            } else if (s > 0.0 && isfinite(s)) {
                li[i] = sqrt(s);
            } else {
                return GENRE_FAIL(GENRE_E_NUMERIC,
                                  "B is not positive definite (Cholesky pivot %zu of %zu "
                                  "is %g)",
                                  i, n, s);
            }
        }
    }
    return GENRE_OK;
}

/* m <- L^-1 m (forward substitution), by rows of m (stride ldm). */
static void solve_lower(size_t n, const double *l, double *m, size_t ldm)
{
    for (size_t i = 0; i < n; i++) {
        double *restrict mi = m + i * ldm;
        for (size_t k = 0; k < i; k++) {
            const double f = l[i * n + k];
            const double *restrict mk = m + k * ldm;
            for (size_t j = 0; j < n; j++)
                mi[j] -= f * mk[j];
        }
        const double inv = 1.0 / l[i * n + i];
        for (size_t j = 0; j < n; j++)
            mi[j] *= inv;
    }
}

/* m <- L^-T m (back substitution), by rows of m (stride ldm). */
static void solve_upper_t(size_t n, const double *l, double *m, size_t ldm)
{
    for (size_t i = n; i-- > 0;) {
        double *restrict mi = m + i * ldm;
        for (size_t k = i + 1; k < n; k++) {
            const double f = l[k * n + i];
            const double *restrict mk = m + k * ldm;
            for (size_t j = 0; j < n; j++)
                mi[j] -= f * mk[j];
        }
        const double inv = 1.0 / l[i * n + i];
        for (size_t j = 0; j < n; j++)
            mi[j] *= inv;
    }
}

genre_status genre__eigen_gensym(size_t n, const double *a, size_t lda, const double *b,
                                 size_t ldb, double *eval, double *evec, size_t ldv)
{
    genre_status st = check_args(n, a, lda, eval, evec, ldv);
    if (st == GENRE_OK)
        st = check_args(n, b, ldb, eval, evec, ldv);
    if (st != GENRE_OK || (st = check_finite(n, a, lda, "A")) != GENRE_OK)
        return st;
    work wk;
    if ((st = work_alloc(n, 2, &wk)) != GENRE_OK)
        return st;
    double *w = wk.w, *l = wk.extra;
    if ((st = cholesky(n, b, ldb, l)) != GENRE_OK)
        goto done;
    /* C = L^-1 A L^-T = L^-1 (L^-1 A)^T, A symmetric: A in full, solved by
     * rows, transposed, solved again. Only C's lower triangle is used. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            w[i * n + j] = w[j * n + i] = a[i * lda + j];
    solve_lower(n, l, w, n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++) {
            const double t = w[i * n + j];
            w[i * n + j] = w[j * n + i];
            w[j * n + i] = t;
        }
    solve_lower(n, l, w, n);
    if ((st = solve(n, &wk, eval, evec, ldv)) != GENRE_OK || !evec)
        goto done;
    solve_upper_t(n, l, evec, ldv); /* v = L^-T w */
    fix_signs(n, evec, ldv);
done:
    genre__free(wk.block);
    return st;
}
