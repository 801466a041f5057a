/* SPDX-License-Identifier: GPL-3.0-or-later */
/* t-SNE's KL divergence on report iterations: the vectorised log against
 * libm's over the whole positive normal range, and the KL the gradient's
 * attraction pass sums (genre__tsne_gradient_kl) against
 * genre__tsne_kl_given_z's for the same embedding and Z (1e-12 relative),
 * with the gradient unchanged bit for bit. */
#include "harness.h"

#include "tsne_private.h"
#include "tsne_vlog.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t next(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    uint64_t x = *s;
    x ^= x >> 29;
    x *= 0xbf58476d1ce4e5b9ULL;
    return x ^ (x >> 32);
}

static double uni(uint64_t *s)
{
    return (double)(next(s) >> 11) / 9007199254740992.0;
}

/* |got - want| in units of want's last place (0 when both are 0). */
static double ulps(double got, double want)
{
    if (got == want)
        return 0;
    double a = fabs(want);
    double ulp = a > 0 ? nextafter(a, INFINITY) - a : DBL_TRUE_MIN;
    return fabs(got - want) / ulp;
}

#if defined(GENRE__TSNE_VLOG)
/* The largest error over xs[0..n) (n a multiple of 8). */
static double vlog_max_ulps(const double *xs, size_t n, double *worst_x)
{
    double worst = 0;
    for (size_t i = 0; i < n; i += 8) {
        genre__vlog_dvec v, r;
        memcpy(&v, xs + i, sizeof v);
        genre__tsne_vlog(&v, &r);
        for (int q = 0; q < 8; q++) {
            double u = ulps(r[q], log(xs[i + q]));
            if (u > worst) {
                worst = u;
                *worst_x = xs[i + q];
            }
        }
    }
    return worst;
}
#endif

START_TEST(vector_log_matches_libm)
{
#if defined(GENRE__TSNE_VLOG)
    enum { N = 1 << 18 };
    double *xs = malloc(N * sizeof *xs);
    ck_assert_ptr_nonnull(xs);
    uint64_t s = 7;
    size_t k = 0;
    /* edges: the range's ends, powers of two and their neighbours, around
     * sqrt(2) (the mantissa's fold) and 1 */
    const double edges[] = {DBL_MIN, DBL_MAX, 1.0, 2.0, 0.5, 0x1.6a09e667f3bcdp+0,
                            0x1.6a09e667f3bcdp-1, 4.0, 1024.0, 0x1p-1000, 0x1p1000, 3.0};
    for (size_t e = 0; e < sizeof edges / sizeof edges[0]; e++) {
        xs[k++] = edges[e];
        xs[k++] = nextafter(edges[e], 0);
        xs[k++] = nextafter(edges[e], INFINITY);
    }
    while (k % 8)
        xs[k++] = 1.0;
    /* random bit patterns: every exponent, any mantissa */
    for (; k < N / 2; k++) {
        double x;
        do {
            uint64_t b = next(&s) & 0x7fffffffffffffffULL;
            memcpy(&x, &b, sizeof x);
        } while (!(x >= DBL_MIN && x <= DBL_MAX));
        xs[k] = x;
    }
    /* near 1 (log's relative accuracy is hardest there) and the KL's own
     * range, p (1 + d^2) with p in [1e-12, 1], d^2 in [0, 1e4] */
    for (; k < 3 * (N / 4); k++)
        xs[k] = 1.0 + (uni(&s) - 0.5) * pow(2.0, -60.0 * uni(&s));
    for (; k < N; k++)
        xs[k] = pow(10.0, -12.0 * uni(&s)) * (1.0 + 1e4 * uni(&s) * uni(&s));
    double worst_x = 0, worst = vlog_max_ulps(xs, N, &worst_x);
    printf("vector log: largest error %.3f ulp (at %a) over %d inputs\n", worst, worst_x, N);
    ck_assert(worst <= 2.0);
    genre__vlog_dvec one = {1, 1, 1, 1, 1, 1, 1, 1}, r;
    genre__tsne_vlog(&one, &r);
    for (int q = 0; q < 8; q++)
        ck_assert(r[q] == 0.0);
    free(xs);
#endif
}
END_TEST

static double *points(size_t n, size_t d, uint64_t seed, double spread)
{
    double *x = malloc(n * d * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < n * d; i++)
        x[i] = spread * (uni(&seed) - 0.5) + (double)((i / d) % 4) * 3.0;
    return x;
}

/* The KL from the gradient's pass against kl_given_z, and the gradient
 * against the one without KL, bit for bit. */
static void check_fused(const genre__csr *p, const double *y, size_t n, size_t dims, int method,
                        int threads)
{
    double *g = malloc(n * dims * sizeof *g), *g2 = malloc(n * dims * sizeof *g2);
    ck_assert(g && g2);
    genre__tsne_work *w;
    ck_assert_ok(genre__tsne_work_create(&w, n, dims));
    double z, z2, kl = NAN;
    ck_assert_ok(genre__tsne_gradient(method, 0.5, p, y, n, dims, 1.0, threads, w, g, &z));
    ck_assert_ok(
        genre__tsne_gradient_kl(method, 0.5, p, y, n, dims, 1.0, threads, w, g2, &z2, &kl));
    ck_assert(z == z2);
    ck_assert(memcmp(g, g2, n * dims * sizeof *g) == 0);
    const double want = genre__tsne_kl_given_z(p, y, dims, z);
    printf("dims %zu method %d threads %d: KL %.17g, kl_given_z %.17g, relative %.2e\n", dims,
           method, threads, kl, want, fabs(kl - want) / want);
    ck_assert(isfinite(want) && want > 0);
    ck_assert(fabs(kl - want) <= 1e-12 * want);
    genre__tsne_work_free(w);
    free(g);
    free(g2);
}

START_TEST(gradient_pass_kl_matches_kl_given_z)
{
    const size_t n = 1500, d = 5;
    double *x = points(n, d, 3, 4.0);
    genre__csr c = {0}, p = {0};
    ck_assert_ok(genre__tsne_conditional(x, n, d, d, 20.0, 60, 2, 1, &c, NULL));
    ck_assert_ok(genre__tsne_symmetrize(&c, &p));
    for (size_t dims = 2; dims <= 3; dims++) {
        /* a spread embedding and a tight one (as early in a fit) */
        for (int spread = 0; spread < 2; spread++) {
            double *y = points(n, dims, 11 + dims, spread ? 40.0 : 1e-3);
            for (int threads = 1; threads <= 3; threads++)
                check_fused(&p, y, n, dims, GENRE__TSNE_BH, threads);
            free(y);
        }
    }
    double *y1 = points(n, 1, 5, 10.0);
    check_fused(&p, y1, n, 1, GENRE__TSNE_EXACT, 2);
    free(y1);
    genre__csr_free(&c);
    genre__csr_free(&p);
    free(x);
}
END_TEST

/* P with diagonal entries and zeros (which a fit never builds, but
 * kl_given_z defines): the diagonal's terms, each once; zeros add
 * nothing. */
START_TEST(kl_counts_diagonal_and_skips_zeros)
{
    const size_t n = 300, d = 4;
    double *x = points(n, d, 9, 3.0);
    genre__csr c = {0}, p = {0}, q = {0};
    ck_assert_ok(genre__tsne_conditional(x, n, d, d, 10.0, 30, 1, 2, &c, NULL));
    ck_assert_ok(genre__tsne_symmetrize(&c, &p));
    q.n = n;
    q.row = malloc((n + 1) * sizeof *q.row);
    q.col = malloc((p.row[n] + n) * sizeof *q.col);
    q.val = malloc((p.row[n] + n) * sizeof *q.val);
    ck_assert(q.row && q.col && q.val);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        q.row[i] = o;
        int put = 0;
        for (size_t e = p.row[i]; e <= p.row[i + 1]; e++) {
            if (!put && (e == p.row[i + 1] || p.col[e] > i)) {
                q.col[o] = (uint32_t)i;
                q.val[o++] = i % 3 ? 1e-4 * (double)(i % 7 + 1) : 0.0;
                put = 1;
            }
            if (e < p.row[i + 1]) {
                const size_t j = p.col[e];
                q.col[o] = (uint32_t)j;
                /* the pairs whose lower row is a multiple of 5: zero
                 * both ways */
                q.val[o++] = ((i < j ? i : j) % 5 == 0) ? 0.0 : p.val[e];
            }
        }
    }
    q.row[n] = o;
    for (size_t dims = 2; dims <= 3; dims++) {
        double *y = points(n, dims, 21, 20.0);
        check_fused(&q, y, n, dims, GENRE__TSNE_BH, 2);
        free(y);
    }
    genre__csr_free(&c);
    genre__csr_free(&p);
    free(q.row);
    free(q.col);
    free(q.val);
    free(x);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tsne_kl");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, vector_log_matches_libm);
    tcase_add_test(tc, gradient_pass_kl_matches_kl_given_z);
    tcase_add_test(tc, kl_counts_diagonal_and_skips_zeros);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
