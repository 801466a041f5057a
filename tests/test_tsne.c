/* SPDX-License-Identifier: GPL-3.0-or-later */
/* t-SNE: gradients (exact vs Barnes-Hut vs FFT), perplexity calibration,
 * cluster separation, determinism, parameters, bad input, progress and
 * cancel, persistence, allocation failures. Sizes are small: the suite also
 * runs under valgrind. The real-data check lives in test_tsne_real.c. */
#include "harness.h"

#include <genre/pca.h>
#include <genre/tsne.h>

#ifdef GENRE_TESTING
#include "alloc.h"
#include "tsne_private.h"
#endif

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

GENRE_TEST_MODEL_IO(tsne)

static double uni(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static double gauss(unsigned long long *s)
{
    double u = uni(s), v = uni(s);
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

/* n rows in d dims: `clusters` Gaussian blobs (unit spread) with centres
 * `sep` apart along distinct axes; labels[i] = i % clusters. */
static double *blobs(size_t n, size_t d, int clusters, double sep, unsigned long long seed,
                     int *labels)
{
    double *x = malloc(n * d * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < n; i++) {
        int c = (int)(i % (size_t)clusters);
        if (labels)
            labels[i] = c;
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = gauss(&seed) + (j == (size_t)c % d ? sep * (c + 1) : 0.0);
    }
    return x;
}

/* Fraction of each point's k nearest embedding neighbours sharing its label. */
static double knn_same_label(const double *y, size_t n, size_t dims, const int *labels, int k)
{
    size_t hits = 0;
    double *best = malloc((size_t)k * sizeof *best);
    int *bl = malloc((size_t)k * sizeof *bl);
    for (size_t i = 0; i < n; i++) {
        for (int a = 0; a < k; a++)
            best[a] = HUGE_VAL, bl[a] = -1;
        for (size_t j = 0; j < n; j++) {
            if (j == i)
                continue;
            double d2 = 0;
            for (size_t l = 0; l < dims; l++)
                d2 += (y[i * dims + l] - y[j * dims + l]) * (y[i * dims + l] - y[j * dims + l]);
            if (d2 < best[k - 1]) {
                int a = k - 1;
                while (a > 0 && best[a - 1] > d2) {
                    best[a] = best[a - 1];
                    bl[a] = bl[a - 1];
                    a--;
                }
                best[a] = d2;
                bl[a] = labels[j];
            }
        }
        for (int a = 0; a < k; a++)
            hits += bl[a] == labels[i];
    }
    free(best);
    free(bl);
    return (double)hits / (double)(n * (size_t)k);
}

static genre_tsne *make(int64_t method, int64_t dims, double perplexity, int64_t iters)
{
    genre_tsne *t;
    ck_assert_ok(genre_tsne_create(&t));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_METHOD, method));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, dims));
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, perplexity));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_MAX_ITER, iters));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_N_THREADS, 2));
    return t;
}

#ifdef GENRE_TESTING
/* Gradients of the three methods at one random embedding. */
static void gradients(size_t n, size_t dims, double theta, double scale, double *g_exact,
                      double *g_other, int other)
{
    double *x = blobs(n, 5, 3, 4.0, 11, NULL);
    genre__csr c, p;
    ck_assert_ok(genre__tsne_conditional(x, n, 5, 5, 10.0, 30, 2, 1, &c, NULL));
    ck_assert_ok(genre__tsne_symmetrize(&c, &p));
    genre__csr_free(&c);
    unsigned long long s = 99;
    double *y = malloc(n * dims * sizeof *y);
    for (size_t e = 0; e < n * dims; e++)
        y[e] = scale * gauss(&s);
    genre__tsne_work *w;
    double z1, z2;
    ck_assert_ok(genre__tsne_work_create(&w, n, dims));
    ck_assert_ok(genre__tsne_gradient(GENRE__TSNE_EXACT, 0, &p, y, n, dims, 1.0, 2, w, g_exact,
                                      &z1));
    ck_assert_ok(genre__tsne_gradient(other, theta, &p, y, n, dims, 1.0, 2, w, g_other, &z2));
    genre__tsne_work_free(w);
    double exact_z = genre__tsne_exact_z(y, n, dims, 1);
    ck_assert_double_eq_tol(z1, exact_z, 1e-9 * exact_z);
    genre__csr_free(&p);
    free(x);
    free(y);
}

static double rel_l2(const double *a, const double *b, size_t m)
{
    double num = 0, den = 0;
    for (size_t e = 0; e < m; e++) {
        num += (a[e] - b[e]) * (a[e] - b[e]);
        den += b[e] * b[e];
    }
    return sqrt(num / den);
}

static double rel_max(const double *a, const double *b, size_t m)
{
    double num = 0, den = 0;
    for (size_t e = 0; e < m; e++) {
        num = fmax(num, fabs(a[e] - b[e]));
        den = fmax(den, fabs(b[e]));
    }
    return num / den;
}

START_TEST(barnes_hut_gradient_matches_exact)
{
    const size_t n = 300;
    double ge[3 * 300], gb[3 * 300];
    for (size_t dims = 2; dims <= 3; dims++) {
        gradients(n, dims, 0.0, 3.0, ge, gb, GENRE__TSNE_BH);
        double e0 = rel_max(gb, ge, n * dims);
        gradients(n, dims, 0.5, 3.0, ge, gb, GENRE__TSNE_BH);
        double e5 = rel_l2(gb, ge, n * dims);
        printf("tsne: %zu-D Barnes-Hut vs exact gradient: theta 0 max rel %.3g, theta 0.5 "
               "L2 rel %.3g\n", dims, e0, e5);
        ck_assert_msg(e0 <= 1e-10, "theta = 0 differs by %g", e0);
        ck_assert_msg(e5 <= 0.03, "theta = 0.5 differs by %g", e5);
    }
}
END_TEST

/* Repulsion alone (P = 0, so grad = -rep / Z) at an uneven embedding of n
 * points: blobs of spread 0.05 to 5, a line, and 40 copies of one point
 * (cells at the depth limit), so the tree has leaves of every size, deep
 * and shallow groups. */
static void repulsion(size_t n, size_t dims, int method, double theta, int threads, double *g,
                      double *z)
{
    unsigned long long s = 7;
    double *y = malloc(n * dims * sizeof *y);
    ck_assert_ptr_nonnull(y);
    for (size_t i = 0; i < n; i++) {
        size_t b = i % 7;
        for (size_t l = 0; l < dims; l++) {
            double v;
            if (i < 40)
                v = 1.25; /* duplicates */
            else if (b == 6)
                v = l == 0 ? 30.0 * uni(&s) - 15.0 : 8.0; /* a line */
            else
                v = 0.05 * pow(3.0, (double)b) * gauss(&s) + 12.0 * (double)((b + l) % 3);
            y[i * dims + l] = v;
        }
    }
    size_t *rows = calloc(n + 1, sizeof *rows); /* P = 0 */
    uint32_t col[1] = {0};
    double val[1] = {0};
    ck_assert_ptr_nonnull(rows);
    genre__csr p = {n, rows, col, val};
    genre__tsne_work *w;
    ck_assert_ok(genre__tsne_work_create(&w, n, dims));
    ck_assert_ok(genre__tsne_gradient(method, theta, &p, y, n, dims, 1.0, threads, w, g, z));
    /* a second call reuses the scratch (tree, lists) */
    ck_assert_ok(genre__tsne_gradient(method, theta, &p, y, n, dims, 1.0, threads, w, g, z));
    genre__tsne_work_free(w);
    free(rows);
    free(y);
}

START_TEST(barnes_hut_groups_match_exact_on_thousands)
{
    const size_t n = 2000;
    double *ge = malloc(3 * n * sizeof *ge), *gb = malloc(3 * n * sizeof *gb);
    double *g1 = malloc(3 * n * sizeof *g1), *g3 = malloc(3 * n * sizeof *g3);
    ck_assert(ge && gb && g1 && g3);
    for (size_t dims = 2; dims <= 3; dims++) {
        double ze, zb, z1, z3;
        repulsion(n, dims, GENRE__TSNE_EXACT, 0, 2, ge, &ze);
        repulsion(n, dims, GENRE__TSNE_BH, 0.0, 2, gb, &zb);
        double e0 = rel_max(gb, ge, n * dims), ez0 = fabs(zb - ze) / ze;
        ck_assert_msg(e0 <= 1e-10 && ez0 <= 1e-12, "%zu-D theta 0: force %g, Z %g", dims, e0,
                      ez0);
        repulsion(n, dims, GENRE__TSNE_BH, 0.5, 2, gb, &zb);
        double e5 = rel_l2(gb, ge, n * dims), ez5 = fabs(zb - ze) / ze;
        printf("tsne: %zu-D Barnes-Hut repulsion on %zu points: theta 0 max rel %.3g, "
               "theta 0.5 L2 rel %.3g (Z %.3g)\n", dims, n, e0, e5, ez5);
        ck_assert_msg(e5 <= 0.03 && ez5 <= 0.01, "%zu-D theta 0.5: force %g, Z %g", dims, e5,
                      ez5);
        /* the same bits for every thread count */
        repulsion(n, dims, GENRE__TSNE_BH, 0.5, 1, g1, &z1);
        repulsion(n, dims, GENRE__TSNE_BH, 0.5, 3, g3, &z3);
        ck_assert(memcmp(g1, gb, n * dims * sizeof *g1) == 0 && z1 == zb);
        ck_assert(memcmp(g3, gb, n * dims * sizeof *g3) == 0 && z3 == zb);
    }
    free(ge), free(gb), free(g1), free(g3);
}
END_TEST

/* The exact gradient is (1/4) dKL/dy: central differences of the KL. */
START_TEST(exact_gradient_is_quarter_kl_derivative)
{
    const size_t n = 60, dims = 2;
    double *x = blobs(n, 5, 3, 4.0, 13, NULL);
    genre__csr c, p;
    ck_assert_ok(genre__tsne_conditional(x, n, 5, 5, 6.0, 18, 2, 1, &c, NULL));
    ck_assert_ok(genre__tsne_symmetrize(&c, &p));
    genre__csr_free(&c);
    unsigned long long s = 5;
    double y[120], g[120], z;
    for (size_t e = 0; e < n * dims; e++)
        y[e] = 2.0 * gauss(&s);
    genre__tsne_work *w;
    ck_assert_ok(genre__tsne_work_create(&w, n, dims));
    ck_assert_ok(genre__tsne_gradient(GENRE__TSNE_EXACT, 0, &p, y, n, dims, 1.0, 2, w, g, &z));
    genre__tsne_work_free(w);
    double worst = 0;
    for (size_t e = 0; e < n * dims; e += 7) {
        const double hstep = 1e-5, keep = y[e];
        y[e] = keep + hstep;
        double kp = genre__tsne_kl_given_z(&p, y, dims, genre__tsne_exact_z(y, n, dims, 1));
        y[e] = keep - hstep;
        double km = genre__tsne_kl_given_z(&p, y, dims, genre__tsne_exact_z(y, n, dims, 1));
        y[e] = keep;
        double fd = (kp - km) / (2 * hstep) / 4.0;
        worst = fmax(worst, fabs(fd - g[e]) / (fabs(g[e]) + 1e-6));
    }
    printf("tsne: exact gradient vs KL finite differences / 4: max rel %.3g\n", worst);
    ck_assert_msg(worst < 1e-5, "gradient differs from the KL derivative by %g", worst);
    genre__csr_free(&p);
    free(x);
}
END_TEST

START_TEST(fft_gradient_matches_exact)
{
    const size_t n = 400;
    double ge[2 * 400], gf[2 * 400];
    /* The stated tolerance: relative L2 error of the whole gradient. The
     * interpolation error grows with the spacing of the points (fewer
     * neighbours inside a box); scale 10 for 400 points is far sparser than
     * any real embedding (45,000 points span ~100 units). */
    static const double scales[] = {0.01, 1.0, 3.0, 10.0};
    static const double tol[] = {1e-5, 1e-3, 1e-2, 6e-2}; /* float grids */
    for (size_t s = 0; s < sizeof scales / sizeof scales[0]; s++) {
        gradients(n, 2, 0.0, scales[s], ge, gf, GENRE__TSNE_FFT);
        double e = rel_l2(gf, ge, 2 * n);
        printf("tsne: FFT vs exact gradient, embedding scale %g: L2 rel %.3g (tolerance %g)\n",
               scales[s], e, tol[s]);
        ck_assert_msg(e <= tol[s], "FFT gradient differs by %g at scale %g", e, scales[s]);
    }
}
END_TEST

/* scikit-learn 1.2's optimiser (sklearn.manifold._t_sne._gradient_descent as
 * TSNE._tsne drives it), written out independently in its own convention:
 * gradient with the factor 4, learning rate max(n / ee / 4, 50), a first
 * descent of `ee_iter` iterations with P x ee and momentum 0.5, then a
 * second one (gains back to 1, update back to 0) with momentum 0.8. libgenre's
 * exact fit from the same P and initial embedding must follow the same
 * trajectory (issue 7: the KL gap to scikit-learn is not the optimiser). */
static void sklearn_reference(const double *pd, double *y, size_t n, int ee_iter, int iters)
{
    const double ee = 12.0, lr = fmax((double)n / ee / 4.0, 50.0);
    double *upd = malloc(2 * n * sizeof *upd), *gain = malloc(2 * n * sizeof *gain);
    double *g = malloc(2 * n * sizeof *g), *w = malloc(n * n * sizeof *w);
    for (int it = 0; it < iters; it++) {
        if (it == 0 || it == ee_iter)
            for (size_t e = 0; e < 2 * n; e++)
                upd[e] = 0.0, gain[e] = 1.0;
        const double exag = it < ee_iter ? ee : 1.0, mom = it < ee_iter ? 0.5 : 0.8;
        double z = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                double a = y[2 * i] - y[2 * j], b = y[2 * i + 1] - y[2 * j + 1];
                w[i * n + j] = i == j ? 0.0 : 1.0 / (1.0 + a * a + b * b);
                z += w[i * n + j];
            }
        for (size_t i = 0; i < n; i++) {
            double g0 = 0, g1 = 0;
            for (size_t j = 0; j < n; j++) {
                double f = (exag * pd[i * n + j] - w[i * n + j] / z) * w[i * n + j];
                g0 += f * (y[2 * i] - y[2 * j]);
                g1 += f * (y[2 * i + 1] - y[2 * j + 1]);
            }
            g[2 * i] = 4.0 * g0;
            g[2 * i + 1] = 4.0 * g1;
        }
        for (size_t e = 0; e < 2 * n; e++) {
            gain[e] = upd[e] * g[e] < 0.0 ? gain[e] + 0.2 : gain[e] * 0.8;
            gain[e] = fmax(gain[e], 0.01);
            upd[e] = mom * upd[e] - lr * gain[e] * g[e];
            y[e] += upd[e];
        }
    }
    free(upd), free(gain), free(g), free(w);
}

START_TEST(optimiser_follows_sklearn)
{
    const size_t n = 60, d = 5;
    /* a short exaggeration phase: small rounding differences grow
     * exponentially along a t-SNE trajectory (~1e-16 to ~1e-2 within 50
     * iterations at this size), so only a few iterations can be compared */
    const int iters = 14, ee_iter = 6;
    double *x = blobs(n, d, 3, 3.0, 17, NULL);
    /* libgenre's dense affinities as a full matrix */
    genre__csr c, p;
    ck_assert_ok(genre__tsne_conditional(x, n, d, d, 10.0, n - 1, 2, 0, &c, NULL));
    ck_assert_ok(genre__tsne_symmetrize(&c, &p));
    genre__csr_free(&c);
    double *pd = calloc(n * n, sizeof *pd);
    for (size_t i = 0; i < n; i++)
        for (size_t e = p.row[i]; e < p.row[i + 1]; e++)
            pd[i * n + p.col[e]] = p.val[e];
    genre__csr_free(&p);
    /* the PCA initialisation the fit uses: 2 components, first one scaled to
     * standard deviation 1e-4 */
    double y0[2 * 60], y[2 * 60], ref[2 * 60];
    genre_pca *pca;
    ck_assert_ok(genre_pca_create(&pca));
    ck_assert_ok(genre_pca_set_i64(pca, GENRE_PCA_N_COMPONENTS, 2));
    ck_assert_ok(genre_pca_fit(pca, x, n, d, d));
    ck_assert_ok(genre_pca_transform(pca, x, n, d, d, y0, 2 * n, NULL));
    genre_pca_free(pca);
    double mean = 0, var = 0;
    for (size_t i = 0; i < n; i++)
        mean += y0[2 * i] / (double)n;
    for (size_t i = 0; i < n; i++)
        var += (y0[2 * i] - mean) * (y0[2 * i] - mean) / (double)n;
    for (size_t e = 0; e < 2 * n; e++)
        y0[e] *= 1e-4 / sqrt(var);
    /* one step, the end of the exaggeration, 8 iterations after it */
    const int stops[3] = {1, ee_iter, iters};
    for (int s = 0; s < 3; s++) {
        memcpy(ref, y0, sizeof ref);
        sklearn_reference(pd, ref, n, ee_iter, stops[s]);
        genre_tsne *t = make(GENRE_TSNE_METHOD_EXACT, 2, 10.0, stops[s]);
        ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_EXAGGERATION_ITER, ee_iter));
        ck_assert_ok(genre_tsne_fit_embed(t, x, n, d, d, y, 2 * n, NULL));
        genre_tsne_free(t);
        double e = rel_max(y, ref, 2 * n);
        printf("tsne: optimiser vs scikit-learn's rule after %d iterations: max rel %.3g\n",
               stops[s], e);
        ck_assert_msg(e <= 1e-9, "after %d iterations the trajectories differ by %g", stops[s],
                      e);
    }
    free(pd);
    free(x);
}
END_TEST

START_TEST(perplexity_calibration_hits_entropy)
{
    const size_t n = 120;
    double *x = blobs(n, 4, 3, 3.0, 5, NULL);
    static const double perps[] = {2.0, 5.0, 30.0, 100.0};
    double worst = 0;
    for (size_t t = 0; t < sizeof perps / sizeof perps[0]; t++)
        for (int dense = 0; dense <= 1; dense++) {
            size_t k = dense ? n - 1 : (size_t)fmin(3 * perps[t], (double)(n - 1));
            genre__csr c;
            ck_assert_ok(genre__tsne_conditional(x, n, 4, 4, perps[t], k, 2, 3, &c, NULL));
            for (size_t i = 0; i < n; i++) {
                double h = 0, sum = 0;
                for (size_t e = c.row[i]; e < c.row[i + 1]; e++) {
                    double v = c.val[e];
                    sum += v;
                    if (v > 0)
                        h -= v * log2(v);
                }
                ck_assert_double_eq_tol(sum, 1.0, 1e-12);
                worst = fmax(worst, fabs(h - log2(perps[t])));
            }
            genre__csr_free(&c);
        }
    printf("tsne: calibration |entropy - log2(perplexity)| <= %.3g bits\n", worst);
    ck_assert_msg(worst <= 1e-5, "entropy off by %g bits", worst);
    free(x);
}
END_TEST

START_TEST(knn_finds_exact_neighbours)
{
    /* d = 3: vantage-point tree; d = 8: blocked brute force (600 rows: two
     * full tiles of 256 points and a partial one, query blocks of 32) */
    const size_t n = 600, k = 15;
    for (size_t d = 3; d <= 8; d += 5) {
        double *x = blobs(n, d, 2, 2.0, 8, NULL);
        genre__csr c;
        ck_assert_ok(genre__tsne_conditional(x, n, d, d, 5.0, k, 2, 4, &c, NULL));
        double *dist = malloc(n * sizeof *dist);
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < n; j++) {
                double s = 0;
                for (size_t l = 0; l < d; l++)
                    s += (x[i * d + l] - x[j * d + l]) * (x[i * d + l] - x[j * d + l]);
                dist[j] = j == i ? HUGE_VAL : s;
            }
            /* each chosen neighbour has fewer than k rows strictly closer,
             * and they come in increasing (distance, index) order */
            for (size_t e = c.row[i]; e < c.row[i + 1]; e++) {
                ck_assert_uint_ne(c.col[e], i);
                if (e > c.row[i])
                    ck_assert(dist[c.col[e - 1]] < dist[c.col[e]] ||
                              (dist[c.col[e - 1]] == dist[c.col[e]] &&
                               c.col[e - 1] < c.col[e]));
                size_t closer = 0;
                for (size_t j = 0; j < n; j++)
                    closer += dist[j] < dist[c.col[e]];
                ck_assert_uint_lt(closer, k);
            }
        }
        free(dist);
        genre__csr_free(&c);
        free(x);
    }
}
END_TEST

/* Reference order for the test below. */
static const double *tie_dist;
static int tie_cmp(const void *a, const void *b)
{
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    if (tie_dist[i] != tie_dist[j])
        return tie_dist[i] < tie_dist[j] ? -1 : 1;
    return i < j ? -1 : i > j;
}

START_TEST(knn_brute_matches_exhaustive_with_ties)
{
    /* d = 7 (blocked brute force with key-gap and partial-sum pruning) on a
     * coarse integer lattice: many equal distances and duplicate rows, so
     * the k-th neighbour is often one of several ties, which must be broken
     * by row index exactly as an exhaustive sort does. 1,100 rows: several tiles, blocks that
     * skip tiles, a partial last tile. */
    const size_t n = 1100, d = 7, k = 12;
    double *x = malloc(n * d * sizeof *x);
    unsigned long long s = 99;
    for (size_t e = 0; e < n * d; e++)
        x[e] = floor(uni(&s) * (e % d == 0 ? 12.0 : 3.0));
    for (int T = 1; T <= 3; T += 2) {
        genre__csr c;
        ck_assert_ok(genre__tsne_conditional(x, n, d, d, 4.0, k, T, 1, &c, NULL));
        double *dist = malloc(n * sizeof *dist);
        uint32_t *idx = malloc(n * sizeof *idx);
        for (size_t i = 0; i < n; i++) {
            size_t m = 0;
            for (size_t j = 0; j < n; j++) {
                double v2 = 0;
                for (size_t l = 0; l < d; l++) {
                    double v = x[i * d + l] - x[j * d + l];
                    v2 += v * v;
                }
                dist[j] = v2;
                if (j != i)
                    idx[m++] = (uint32_t)j;
            }
            tie_dist = dist;
            qsort(idx, m, sizeof *idx, tie_cmp);
            for (size_t e = 0; e < k; e++)
                ck_assert_uint_eq(c.col[c.row[i] + e], idx[e]);
        }
        free(idx);
        free(dist);
        genre__csr_free(&c);
    }
    free(x);
}
END_TEST

START_TEST(symmetrized_affinities_sum_to_one)
{
    const size_t n = 50;
    double *x = blobs(n, 3, 2, 2.0, 9, NULL);
    genre__csr c, p;
    ck_assert_ok(genre__tsne_conditional(x, n, 3, 3, 5.0, 15, 1, 4, &c, NULL));
    ck_assert_ok(genre__tsne_symmetrize(&c, &p));
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t e = p.row[i]; e < p.row[i + 1]; e++) {
            sum += p.val[e];
            if (e > p.row[i])
                ck_assert_uint_lt(p.col[e - 1], p.col[e]);
            /* symmetric: find (j, i) */
            size_t j = p.col[e];
            int found = 0;
            for (size_t f = p.row[j]; f < p.row[j + 1]; f++)
                if (p.col[f] == i) {
                    ck_assert_double_eq_tol(p.val[f], p.val[e], 1e-17);
                    found = 1;
                }
            ck_assert(found);
        }
    ck_assert_double_eq_tol(sum, 1.0, 1e-12);
    genre__csr_free(&c);
    genre__csr_free(&p);
    free(x);
}
END_TEST
#endif

static void check_clusters(int64_t method, int64_t dims, size_t n, int64_t iters)
{
    int *lab = malloc(n * sizeof *lab);
    double *x = blobs(n, 10, 3, 8.0, 21, lab);
    genre_tsne *t = make(method, dims, 10.0, iters);
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_EXAGGERATION_ITER, iters / 3));
    double *y = malloc(n * (size_t)dims * sizeof *y);
    size_t need = 0;
    ck_assert_ok(genre_tsne_fit_embed(t, x, n, 10, 10, y, n * (size_t)dims, &need));
    ck_assert_uint_eq(need, n * (size_t)dims);
    double kl;
    ck_assert_ok(genre_tsne_get_f64(t, GENRE_TSNE_KL_DIVERGENCE, &kl));
    double frac = knn_same_label(y, n, (size_t)dims, lab, 10);
    printf("tsne: method %lld, %lld-D, %zu rows: kNN(10) label preservation %.4f, KL %.4f\n",
           (long long)method, (long long)dims, n, frac, kl);
    ck_assert_msg(frac >= 0.99, "clusters mixed: %g", frac);
    ck_assert(isfinite(kl) && kl > 0);
    genre_tsne_free(t);
    free(x);
    free(y);
    free(lab);
}

START_TEST(three_clusters_stay_separated)
{
    check_clusters(GENRE_TSNE_METHOD_EXACT, 2, 150, 300);
    check_clusters(GENRE_TSNE_METHOD_BARNES_HUT, 2, 150, 300);
    check_clusters(GENRE_TSNE_METHOD_BARNES_HUT, 3, 150, 300);
    check_clusters(GENRE_TSNE_METHOD_FFT, 2, 150, 300);
}
END_TEST

START_TEST(same_seed_same_embedding)
{
    const size_t n = 90;
    double *x = blobs(n, 6, 3, 3.0, 31, NULL);
    static const int64_t methods[] = {GENRE_TSNE_METHOD_EXACT, GENRE_TSNE_METHOD_BARNES_HUT,
                                      GENRE_TSNE_METHOD_FFT};
    for (int m = 0; m < 3; m++)
        for (int64_t init = 0; init <= 1; init++) {
            double y1[2 * 90], y2[2 * 90];
            for (int r = 0; r < 2; r++) {
                /* the FFT grid costs the same whatever n: fewer iterations */
                genre_tsne *t = make(methods[m], 2, 8.0, m == 2 ? 12 : 60);
                ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_INIT, init));
                ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_SEED, 42));
                ck_assert_ok(genre_tsne_fit_embed(t, x, n, 6, 6, r ? y2 : y1, 2 * n, NULL));
                genre_tsne_free(t);
            }
            ck_assert_msg(memcmp(y1, y2, sizeof y1) == 0, "method %d init %d not reproducible",
                          m, (int)init);
        }
    /* another seed gives another random start */
    double y1[2 * 90], y2[2 * 90];
    for (int r = 0; r < 2; r++) {
        genre_tsne *t = make(GENRE_TSNE_METHOD_EXACT, 2, 8.0, 5);
        ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_INIT, GENRE_TSNE_INIT_RANDOM));
        ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_SEED, r));
        ck_assert_ok(genre_tsne_fit_embed(t, x, n, 6, 6, r ? y2 : y1, 2 * n, NULL));
        genre_tsne_free(t);
    }
    ck_assert(memcmp(y1, y2, sizeof y1) != 0);
    free(x);
}
END_TEST

START_TEST(parameters)
{
    genre_tsne *t;
    ck_assert_ok(genre_tsne_create(&t));
    double v;
    int64_t i;
    ck_assert_ok(genre_tsne_get_f64(t, GENRE_TSNE_PERPLEXITY, &v));
    ck_assert_double_eq(v, 30.0);
    ck_assert_ok(genre_tsne_get_f64(t, GENRE_TSNE_EARLY_EXAGGERATION, &v));
    ck_assert_double_eq(v, 12.0);
    ck_assert_ok(genre_tsne_get_f64(t, GENRE_TSNE_LEARNING_RATE, &v));
    ck_assert_double_eq(v, 0.0);
    ck_assert_ok(genre_tsne_get_i64(t, GENRE_TSNE_MAX_ITER, &i));
    ck_assert_int_eq(i, 1000);
    ck_assert_ok(genre_tsne_get_i64(t, GENRE_TSNE_EXAGGERATION_ITER, &i));
    ck_assert_int_eq(i, 250);
    ck_assert_ok(genre_tsne_get_i64(t, GENRE_TSNE_FITTED, &i));
    ck_assert_int_eq(i, 0);
    ck_assert_status(genre_tsne_get_f64(t, GENRE_TSNE_KL_DIVERGENCE, &v), GENRE_E_BAD_STATE);
    ck_assert_status(genre_tsne_get_i64(t, GENRE_TSNE_N_ITER, &i), GENRE_E_BAD_STATE);
    /* out of range: never clamped */
    ck_assert_status(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, NAN), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_set_f64(t, GENRE_TSNE_THETA, -0.1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_set_f64(t, GENRE_TSNE_LEARNING_RATE, -1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_set_f64(t, GENRE_TSNE_LEARNING_RATE, INFINITY),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_set_f64(t, GENRE_TSNE_EARLY_EXAGGERATION, 0.5),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_set_f64(t, GENRE_TSNE_MOMENTUM, 1.0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_set_f64(t, GENRE_TSNE_FINAL_MOMENTUM, -0.1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_set_f64(t, GENRE_TSNE_MIN_GAIN, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, 4), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_set_i64(t, GENRE_TSNE_METHOD, 4), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_set_i64(t, GENRE_TSNE_MAX_ITER, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_set_i64(t, GENRE_TSNE_INIT, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_set_i64(t, GENRE_TSNE_N_THREADS, -1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_set_i64(t, GENRE_TSNE_REPORT_EVERY, 0), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_tsne_get_f64(t, GENRE_TSNE_PERPLEXITY, &v));
    ck_assert_double_eq(v, 30.0); /* unchanged by the failures */
    /* unknown, read-only and wrong-type keys */
    ck_assert_status(genre_tsne_set_i64(t, 999, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_tsne_set_f64(t, 999, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_tsne_set_f64(t, GENRE_TSNE_KL_DIVERGENCE, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_tsne_set_i64(t, GENRE_TSNE_PERPLEXITY, 5), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_tsne_set_f64(t, GENRE_TSNE_MAX_ITER, 5), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_tsne_get_i64(t, 999, &i), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_tsne_get_f64(t, 999, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_tsne_set_i64(NULL, GENRE_TSNE_SEED, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_get_f64(t, GENRE_TSNE_THETA, NULL), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_LEARNING_RATE, 150));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_SEED, -5));
    ck_assert_ok(genre_tsne_get_i64(t, GENRE_TSNE_SEED, &i));
    ck_assert_int_eq(i, -5);
    ck_assert_status(genre_tsne_create(NULL), GENRE_E_INVALID_ARG);
    genre_tsne_free(NULL);
    genre_tsne_free(t);
}
END_TEST

/* Every message a log hook receives, one per line, and the count per level. */
typedef struct log_seen {
    int n[3];
    char text[4096];
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
    ck_assert_ok(genre_tsne_param_bounds(GENRE_TSNE_PERPLEXITY, &lo, &hi));
    ck_assert(lo == nextafter(0.0, 1.0) && hi == DBL_MAX);
    ck_assert_ok(genre_tsne_param_bounds(GENRE_TSNE_MOMENTUM, &lo, &hi));
    ck_assert(lo == 0.0 && hi == nextafter(1.0, 0.0));
    ck_assert_ok(genre_tsne_param_bounds(GENRE_TSNE_METHOD, &lo, &hi));
    ck_assert(lo == GENRE_TSNE_METHOD_AUTO && hi == GENRE_TSNE_METHOD_FFT);
    ck_assert_status(genre_tsne_param_bounds(GENRE_TSNE_KL_DIVERGENCE, &lo, &hi),
                     GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_tsne_param_bounds(GENRE_TSNE_THETA, &lo, NULL), GENRE_E_INVALID_ARG);
    int64_t vals[4];
    size_t nv = 99;
    ck_assert_status(genre_tsne_param_values(GENRE_TSNE_METHOD, vals, 3, &nv),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(nv, 4);
    ck_assert_ok(genre_tsne_param_values(GENRE_TSNE_METHOD, vals, 4, &nv));
    ck_assert(nv == 4 && vals[0] == GENRE_TSNE_METHOD_AUTO && vals[3] == GENRE_TSNE_METHOD_FFT);
    ck_assert_ok(genre_tsne_param_values(GENRE_TSNE_INIT, vals, 4, &nv));
    ck_assert(nv == 2 && vals[0] == GENRE_TSNE_INIT_PCA && vals[1] == GENRE_TSNE_INIT_RANDOM);
    ck_assert_ok(genre_tsne_param_values(GENRE_TSNE_N_COMPONENTS, vals, 4, &nv));
    ck_assert_uint_eq(nv, 0);
    ck_assert_status(genre_tsne_param_values(GENRE_TSNE_N_ITER, vals, 4, &nv),
                     GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_tsne_param_values(GENRE_TSNE_INIT, vals, 4, NULL),
                     GENRE_E_INVALID_ARG);

    /* Log: AUTO's choice and the automatic learning rate (information) */
    const size_t n = 40;
    double *x = blobs(n, 3, 2, 3.0, 43, NULL);
    double y[80];
    genre_tsne *t = make(GENRE_TSNE_METHOD_AUTO, 2, 5.0, 10);
    log_seen seen;
    memset(&seen, 0, sizeof seen);
    ck_assert_ok(genre_tsne_set_log(t, on_log, &seen));
    ck_assert_ok(genre_tsne_fit_embed(t, x, n, 3, 3, y, 80, NULL));
    ck_assert_msg(seen.n[GENRE_LOG_INFO] == 2 && seen.n[GENRE_LOG_WARNING] == 0, "%s", seen.text);
    ck_assert_ptr_nonnull(strstr(seen.text, "1 genre_tsne_fit_embed: GENRE_TSNE_METHOD_AUTO "
                                            "chose the exact method for 40 rows in 2"));
    ck_assert_ptr_nonnull(strstr(seen.text, "GENRE_TSNE_LEARNING_RATE 0 (auto) is 200"));
    /* Barnes-Hut with 3 x perplexity neighbours beyond the rows: a warning */
    memset(&seen, 0, sizeof seen);
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_METHOD, GENRE_TSNE_METHOD_BARNES_HUT));
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 15.0));
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_LEARNING_RATE, 100.0));
    ck_assert_ok(genre_tsne_fit_embed(t, x, n, 3, 3, y, 80, NULL));
    ck_assert_msg(seen.n[GENRE_LOG_WARNING] == 1 && seen.n[GENRE_LOG_INFO] == 0, "%s", seen.text);
    ck_assert_ptr_nonnull(strstr(seen.text, "2 genre_tsne_fit_embed: GENRE_TSNE_PERPLEXITY = 15 "
                                            "asks for 45 neighbours per row; x has 40 rows"));
    /* reset_params: defaults back, the fit kept */
    ck_assert_ok(genre_tsne_reset_params(t));
    double v;
    int64_t i;
    ck_assert_ok(genre_tsne_get_f64(t, GENRE_TSNE_PERPLEXITY, &v));
    ck_assert(v == 30.0);
    ck_assert_ok(genre_tsne_get_i64(t, GENRE_TSNE_METHOD, &i));
    ck_assert_int_eq(i, GENRE_TSNE_METHOD_AUTO);
    ck_assert_ok(genre_tsne_get_i64(t, GENRE_TSNE_MAX_ITER, &i));
    ck_assert_int_eq(i, 1000);
    ck_assert_ok(genre_tsne_get_i64(t, GENRE_TSNE_FITTED, &i));
    ck_assert_int_eq(i, 1);
    ck_assert_ok(genre_tsne_get_i64(t, GENRE_TSNE_METHOD_USED, &i));
    ck_assert_int_eq(i, GENRE_TSNE_METHOD_BARNES_HUT);
    ck_assert_ok(genre_tsne_get_f64(t, GENRE_TSNE_LEARNING_RATE_USED, &v));
    ck_assert(v == 100.0);
    ck_assert_status(genre_tsne_reset_params(NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_set_log(NULL, on_log, &seen), GENRE_E_INVALID_ARG);
    genre_tsne_free(t);
    free(x);
}
END_TEST

START_TEST(bad_input_is_named)
{
    const size_t n = 20;
    double *x = blobs(n, 3, 2, 3.0, 41, NULL);
    double y[60];
    genre_tsne *t = make(GENRE_TSNE_METHOD_EXACT, 2, 5.0, 10);
    /* perplexity >= n */
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 20.0));
    ck_assert_status(genre_tsne_fit_embed(t, x, n, 3, 3, y, 40, NULL), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "perplexity 20"));
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 2.0));
    /* fewer than 4 rows */
    ck_assert_status(genre_tsne_fit_embed(t, x, 3, 3, 3, y, 40, NULL), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "at least 4 rows"));
    /* NaN and infinity, named by row, column and value */
    double keep = x[7 * 3 + 2];
    x[7 * 3 + 2] = NAN;
    ck_assert_status(genre_tsne_fit_embed(t, x, n, 3, 3, y, 40, NULL), GENRE_E_NONFINITE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "row 7"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "column 2"));
    x[7 * 3 + 2] = -INFINITY;
    ck_assert_status(genre_tsne_fit_embed(t, x, n, 3, 3, y, 40, NULL), GENRE_E_NONFINITE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "-inf"));
    x[7 * 3 + 2] = keep;
    /* dimensions the approximate methods do not support */
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_METHOD, GENRE_TSNE_METHOD_FFT));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, 3));
    ck_assert_status(genre_tsne_fit_embed(t, x, n, 3, 3, y, 60, NULL), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "FFT"));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_METHOD, GENRE_TSNE_METHOD_BARNES_HUT));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, 1));
    ck_assert_status(genre_tsne_fit_embed(t, x, n, 3, 3, y, 60, NULL), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "Barnes-Hut"));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, 2));
    /* output buffer, checked before any work */
    size_t need = 0;
    ck_assert_status(genre_tsne_fit_embed(t, x, n, 3, 3, y, 39, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 40);
    ck_assert_status(genre_tsne_fit_embed(t, x, n, 3, 3, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    /* shapes */
    ck_assert_status(genre_tsne_fit_embed(t, NULL, n, 3, 3, y, 40, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_fit_embed(t, x, n, 3, 2, y, 40, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_tsne_fit_embed(NULL, x, n, 3, 3, y, 40, NULL), GENRE_E_INVALID_ARG);
    /* PCA init needs as many columns as components */
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, 3));
    ck_assert_status(genre_tsne_fit_embed(t, x, n, 2, 3, y, 60, NULL), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, 2));
    /* PCA init on constant data */
    double c[40];
    for (int e = 0; e < 40; e++)
        c[e] = 1.5;
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_METHOD, GENRE_TSNE_METHOD_EXACT));
    ck_assert_status(genre_tsne_fit_embed(t, c, n, 2, 2, y, 40, NULL), GENRE_E_NUMERIC);
    /* constant data with random init is fine (all distances 0) */
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_INIT, GENRE_TSNE_INIT_RANDOM));
    ck_assert_ok(genre_tsne_fit_embed(t, c, n, 2, 2, y, 40, NULL));
    for (int e = 0; e < 40; e++)
        ck_assert(isfinite(y[e]));
    /* divergence is an error, never NaN output */
    genre_tsne *d = make(GENRE_TSNE_METHOD_EXACT, 2, 5.0, 50);
    ck_assert_ok(genre_tsne_set_f64(d, GENRE_TSNE_LEARNING_RATE, 1e306));
    ck_assert_status(genre_tsne_fit_embed(d, x, n, 3, 3, y, 40, NULL), GENRE_E_NUMERIC);
    int64_t fitted;
    ck_assert_ok(genre_tsne_get_i64(d, GENRE_TSNE_FITTED, &fitted));
    ck_assert_int_eq(fitted, 0);
    genre_tsne_free(d);
    genre_tsne_free(t);
    free(x);
}
END_TEST

typedef struct prog {
    int calls, affinity_calls, cancel_at;
    double first_kl, last_kl;
    int64_t last_step;
} prog;

static int32_t on_progress(void *ud, int32_t phase, int64_t step, int64_t total, double kl)
{
    prog *p = ud;
    if (phase == GENRE_TSNE_PHASE_AFFINITIES) {
        p->affinity_calls++;
        ck_assert(isnan(kl));
        return 0;
    }
    ck_assert_int_eq(phase, GENRE_TSNE_PHASE_OPTIMIZE);
    ck_assert_int_eq(total, 200);
    ck_assert(isfinite(kl));
    if (p->calls == 0)
        p->first_kl = kl;
    p->last_kl = kl;
    p->last_step = step;
    p->calls++;
    return p->cancel_at && step >= p->cancel_at;
}

START_TEST(progress_reports_kl_and_cancels)
{
    const size_t n = 60;
    double *x = blobs(n, 4, 3, 4.0, 51, NULL);
    double y[120];
    genre_tsne *t = make(GENRE_TSNE_METHOD_EXACT, 2, 8.0, 200);
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_REPORT_EVERY, 10));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_EXAGGERATION_ITER, 50));
    prog p = {0};
    ck_assert_ok(genre_tsne_set_progress(t, on_progress, &p));
    ck_assert_ok(genre_tsne_fit_embed(t, x, n, 4, 4, y, 120, NULL));
    ck_assert_int_eq(p.affinity_calls, 1);
    ck_assert_int_eq(p.calls, 20);
    ck_assert_int_eq(p.last_step, 200);
    double kl;
    ck_assert_ok(genre_tsne_get_f64(t, GENRE_TSNE_KL_DIVERGENCE, &kl));
    /* exact method: the last report is the final KL of the embedding
     * before its last update; close to the exact final value */
    ck_assert_double_eq_tol(p.last_kl, kl, 1e-2);
    ck_assert(p.last_kl < p.first_kl);
    /* cancel: the handle keeps its previous fit */
    double before[120], after[120];
    ck_assert_ok(genre_tsne_get_embedding(t, before, 120, NULL));
    prog c = {0};
    c.cancel_at = 50;
    ck_assert_ok(genre_tsne_set_progress(t, on_progress, &c));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_SEED, 9));
    ck_assert_status(genre_tsne_fit_embed(t, x, n, 4, 4, y, 120, NULL), GENRE_E_CANCELLED);
    ck_assert_int_eq(c.last_step, 50);
    ck_assert_ok(genre_tsne_get_embedding(t, after, 120, NULL));
    ck_assert(memcmp(before, after, sizeof before) == 0);
    double kl2;
    ck_assert_ok(genre_tsne_get_f64(t, GENRE_TSNE_KL_DIVERGENCE, &kl2));
    ck_assert_double_eq(kl, kl2);
    genre_tsne_free(t);
    free(x);
}
END_TEST

START_TEST(kl_divergence_scores_any_embedding)
{
    const size_t n = 80;
    double *x = blobs(n, 5, 3, 4.0, 61, NULL);
    double y[160], kl_fit, kl_score, kl_rand;
    genre_tsne *t = make(GENRE_TSNE_METHOD_BARNES_HUT, 2, 10.0, 150);
    ck_assert_ok(genre_tsne_fit_embed(t, x, n, 5, 5, y, 160, NULL));
    ck_assert_ok(genre_tsne_get_f64(t, GENRE_TSNE_KL_DIVERGENCE, &kl_fit));
    ck_assert_ok(genre_tsne_kl_divergence(t, x, n, 5, 5, y, 2, 2, &kl_score));
    ck_assert_double_eq_tol(kl_fit, kl_score, 1e-12 * kl_fit);
    unsigned long long s = 3;
    double r[160];
    for (int e = 0; e < 160; e++)
        r[e] = gauss(&s);
    ck_assert_ok(genre_tsne_kl_divergence(t, x, n, 5, 5, r, 2, 2, &kl_rand));
    ck_assert(kl_rand > kl_fit);
    ck_assert_status(genre_tsne_kl_divergence(t, x, n, 5, 5, r, 4, 4, &kl_rand),
                     GENRE_E_INVALID_ARG);
    r[17] = NAN;
    ck_assert_status(genre_tsne_kl_divergence(t, x, n, 5, 5, r, 2, 2, &kl_rand),
                     GENRE_E_NONFINITE);
    ck_assert_status(genre_tsne_kl_divergence(t, x, 3, 5, 5, y, 2, 2, &kl_rand),
                     GENRE_E_INVALID_ARG);
    genre_tsne_free(t);
    free(x);
}
END_TEST

START_TEST(save_and_load)
{
    const size_t n = 40;
    double *x = blobs(n, 3, 2, 4.0, 71, NULL);
    double y[120], z[120];
    genre_tsne *t = make(GENRE_TSNE_METHOD_BARNES_HUT, 3, 6.0, 80);
    size_t need = 0;
    ck_assert_status(genre_tsne_save_to_memory(t, NULL, 0, &need), GENRE_E_BAD_STATE);
    ck_assert_ok(genre_tsne_fit_embed(t, x, n, 3, 3, y, 120, NULL));
    unsigned char *buf = tsne_saved(t, &need);
    genre_tsne *u;
    ck_assert_ok(genre_tsne_load_from_memory(&u, buf, need));
    ck_assert_ok(genre_tsne_get_embedding(u, z, 120, NULL));
    ck_assert(memcmp(y, z, sizeof y) == 0);
    double a, b;
    ck_assert_ok(genre_tsne_get_f64(t, GENRE_TSNE_KL_DIVERGENCE, &a));
    ck_assert_ok(genre_tsne_get_f64(u, GENRE_TSNE_KL_DIVERGENCE, &b));
    ck_assert_double_eq(a, b);
    int64_t v;
    ck_assert_ok(genre_tsne_get_i64(u, GENRE_TSNE_N_COMPONENTS, &v));
    ck_assert_int_eq(v, 3);
    ck_assert_ok(genre_tsne_get_i64(u, GENRE_TSNE_METHOD_USED, &v));
    ck_assert_int_eq(v, GENRE_TSNE_METHOD_BARNES_HUT);
    ck_assert_ok(genre_tsne_get_i64(u, GENRE_TSNE_N_SAMPLES, &v));
    ck_assert_int_eq(v, 40);
    genre_tsne_free(u);
    /* a flipped byte is caught by the checksum; a PCA file is another kind */
    buf[need / 2] ^= 1;
    ck_assert_status(genre_tsne_load_from_memory(&u, buf, need), GENRE_E_CORRUPT);
    ck_assert_ptr_null(u);
    /* file round trip */
    tsne_save_errors_name_the_function(t);
    tsne_file_round_trip(t, &u);
    ck_assert_ok(genre_tsne_get_embedding(u, z, 120, NULL));
    ck_assert(memcmp(y, z, sizeof y) == 0);
    genre_tsne_free(u);
    ck_assert_status(genre_tsne_load(&u, "/nonexistent/dir/x.genre"), GENRE_E_IO);
    free(buf);
    genre_tsne_free(t);
    free(x);
}
END_TEST

#ifdef GENRE_TESTING
typedef struct walk_ctx {
    const double *x;
    int64_t method, dims, iters;
} walk_ctx;

static genre_status scenario(void *vctx)
{
    walk_ctx *c = vctx;
    genre_tsne *t = NULL, *u = NULL;
    double y[3 * 12];
    unsigned char buf[4096];
    size_t len = 0;
    genre_status st = genre_tsne_create(&t);
    if (st == GENRE_OK)
        st = genre_tsne_set_i64(t, GENRE_TSNE_METHOD, c->method);
    if (st == GENRE_OK)
        st = genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, c->dims);
    if (st == GENRE_OK)
        st = genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 2.0);
    if (st == GENRE_OK)
        st = genre_tsne_set_i64(t, GENRE_TSNE_MAX_ITER, c->iters);
    if (st == GENRE_OK)
        st = genre_tsne_set_i64(t, GENRE_TSNE_N_THREADS, 2);
    if (st == GENRE_OK)
        st = genre_tsne_fit_embed(t, c->x, 12, 4, 4, y, 36, NULL);
    if (st == GENRE_OK)
        st = genre_tsne_save_to_memory(t, buf, sizeof buf, &len);
    if (st == GENRE_OK)
        st = genre_tsne_load_from_memory(&u, buf, len);
    double kl;
    if (st == GENRE_OK)
        st = genre_tsne_kl_divergence(t, c->x, 12, 4, 4, y, (size_t)c->dims,
                                      (size_t)c->dims, &kl);
    genre_tsne_free(u);
    genre_tsne_free(t);
    return st;
}

START_TEST(allocation_failures)
{
    double *x = blobs(12, 4, 2, 3.0, 81, NULL);
    walk_ctx cases[] = {{x, GENRE_TSNE_METHOD_EXACT, 2, 8},
                        {x, GENRE_TSNE_METHOD_BARNES_HUT, 3, 8},
                        {x, GENRE_TSNE_METHOD_FFT, 2, 2}};
    for (int k = 0; k < 3; k++)
        ck_assert_int_gt(genre_test_alloc_walk(scenario, &cases[k]), 10);
    free(x);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("tsne");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
#ifdef GENRE_TESTING
    tcase_add_test(tc, barnes_hut_gradient_matches_exact);
    tcase_add_test(tc, barnes_hut_groups_match_exact_on_thousands);
    tcase_add_test(tc, exact_gradient_is_quarter_kl_derivative);
    tcase_add_test(tc, fft_gradient_matches_exact);
    tcase_add_test(tc, perplexity_calibration_hits_entropy);
    tcase_add_test(tc, knn_finds_exact_neighbours);
    tcase_add_test(tc, knn_brute_matches_exhaustive_with_ties);
    tcase_add_test(tc, symmetrized_affinities_sum_to_one);
    tcase_add_test(tc, optimiser_follows_sklearn);
#endif
    tcase_add_test(tc, three_clusters_stay_separated);
    tcase_add_test(tc, same_seed_same_embedding);
    tcase_add_test(tc, param_bounds_values_reset_and_log);
    tcase_add_test(tc, parameters);
    tcase_add_test(tc, bad_input_is_named);
    tcase_add_test(tc, progress_reports_kl_and_cancels);
    tcase_add_test(tc, kl_divergence_scores_any_embedding);
    tcase_add_test(tc, save_and_load);
#ifdef GENRE_TESTING
    tcase_add_test(tc, allocation_failures);
#endif
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
