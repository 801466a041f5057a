/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The exact t-SNE repulsion (O(n^2), every pair), the exact normaliser Z
 * and the KL divergence for a given Z. See tsne_private.h.
 *
 * Determinism: every parallel loop writes per-row results (or per-worker
 * partials combined in worker order), so a given thread count always gives
 * the same bits.
 */
#include "tsne_private.h"

#include "multiversion.h"
#include "parallel.h"

#include <math.h>
#include <string.h>

/* ---- Exact repulsion ----------------------------------------------------------- */

typedef struct exact_ctx {
    const double *y;
    size_t n, dims;
    double *rep, *zrow; /* rep may be NULL (Z only) */
} exact_ctx;

static void exact_body(void *vctx, size_t begin, size_t end, int worker)
{
    (void)worker;
    exact_ctx *c = vctx;
    const size_t D = c->dims;
    for (size_t i = begin; i < end; i++) {
        const double *yi = c->y + i * D;
        double acc[GENRE__TSNE_MAX_DIMS] = {0, 0, 0}, z = 0;
        for (size_t j = 0; j < c->n; j++) {
            if (j == i)
                continue;
            const double *yj = c->y + j * D;
            double diff[GENRE__TSNE_MAX_DIMS], d2 = 0;
            for (size_t l = 0; l < D; l++) {
                diff[l] = yi[l] - yj[l];
                d2 += diff[l] * diff[l];
            }
            double q = 1.0 / (1.0 + d2);
            z += q;
            if (c->rep)
                for (size_t l = 0; l < D; l++)
                    acc[l] += q * q * diff[l];
        }
        c->zrow[i] = z;
        if (c->rep)
            for (size_t l = 0; l < D; l++)
                c->rep[i * D + l] = acc[l];
    }
}

void genre__tsne_exact_repulsion(const double *y, size_t n, size_t dims, int n_threads,
                                 double *rep, double *zrow)
{
    exact_ctx c = {y, n, dims, rep, zrow};
    genre__parallel_for(n_threads, n, exact_body, &c);
}

/* The exact normaliser: Z = 2 sum_{i<j} w_ij, each pair once. Rows go in
 * blocks of Z_ROWS; block b pairs with columns [b Z_ROWS, n), so work item t
 * takes blocks t and n_blocks - 1 - t (equal work per item). Columns are
 * copied Z_COLS at a time into a structure-of-arrays buffer (padded with
 * +inf, whose w is exactly 0) and summed 8 at a time in two 4-lane vector
 * accumulators: no branches, and a fixed summation order for a given
 * thread count (per-worker partials combined in worker order). An AVX2
 * clone is picked at load time where the CPU has it. */
#define Z_ROWS 32
#define Z_COLS 512

typedef struct z_ctx {
    const double *y;
    size_t n, dims, n_blocks;
    double part[GENRE__MAX_THREADS];
} z_ctx;

#if defined(__GNUC__)
typedef double zvec __attribute__((vector_size(32)));
#define Z_ALIGNED __attribute__((aligned(32)))
#else
#define Z_ALIGNED
#endif

GENRE_GCC_CLONES("avx2", "default")
static double z_rows(const double *y, size_t n, size_t D, size_t i0, size_t i1)
{
    double soa[GENRE__TSNE_MAX_DIMS][Z_COLS] Z_ALIGNED;
    double s = 0;
    /* pairs inside the block */
    for (size_t i = i0; i < i1; i++)
        for (size_t j = i + 1; j < i1; j++) {
            double d2 = 0;
            for (size_t l = 0; l < D; l++) {
                double v = y[i * D + l] - y[j * D + l];
                d2 += v * v;
            }
            s += 1.0 / (1.0 + d2);
        }
#if defined(__GNUC__)
    zvec acc0 = {0, 0, 0, 0}, acc1 = {0, 0, 0, 0};
    const zvec one = {1, 1, 1, 1};
#endif
    for (size_t j0 = i1; j0 < n; j0 += Z_COLS) {
        const size_t len = n - j0 < Z_COLS ? n - j0 : Z_COLS;
        const size_t lenp = (len + 7) / 8 * 8;
        for (size_t l = 0; l < D; l++) {
            for (size_t p = 0; p < len; p++)
                soa[l][p] = y[(j0 + p) * D + l];
            for (size_t p = len; p < lenp; p++)
                soa[l][p] = HUGE_VAL;
        }
        for (size_t i = i0; i < i1; i++) {
#if defined(__GNUC__)
            zvec yi[GENRE__TSNE_MAX_DIMS];
            for (size_t l = 0; l < D; l++)
                yi[l] = (zvec){y[i * D + l], y[i * D + l], y[i * D + l], y[i * D + l]};
            for (size_t p = 0; p < lenp; p += 8) {
                zvec d2a = {0, 0, 0, 0}, d2b = {0, 0, 0, 0};
                for (size_t l = 0; l < D; l++) {
                    zvec a, b;
                    memcpy(&a, &soa[l][p], sizeof a);
                    memcpy(&b, &soa[l][p + 4], sizeof b);
                    a = yi[l] - a;
                    b = yi[l] - b;
                    d2a += a * a;
                    d2b += b * b;
                }
                acc0 += one / (one + d2a);
                acc1 += one / (one + d2b);
            }
#else
            for (size_t p = 0; p < lenp; p++) {
                double d2 = 0;
                for (size_t l = 0; l < D; l++) {
                    double v = y[i * D + l] - soa[l][p];
                    d2 += v * v;
                }
                s += 1.0 / (1.0 + d2);
            }
#endif
        }
    }
#if defined(__GNUC__)
    for (int q = 0; q < 4; q++)
        s += acc0[q] + acc1[q];
#endif
    return s;
}

static void z_body(void *vctx, size_t begin, size_t end, int worker)
{
    z_ctx *c = vctx;
    double z = 0;
    for (size_t t = begin; t < end; t++) {
        size_t b = t, b2 = c->n_blocks - 1 - t;
        size_t i1 = (b + 1) * Z_ROWS < c->n ? (b + 1) * Z_ROWS : c->n;
        z += z_rows(c->y, c->n, c->dims, b * Z_ROWS, i1);
        if (b2 != b) {
            i1 = (b2 + 1) * Z_ROWS < c->n ? (b2 + 1) * Z_ROWS : c->n;
            z += z_rows(c->y, c->n, c->dims, b2 * Z_ROWS, i1);
        }
    }
    c->part[worker] = z;
}

double genre__tsne_exact_z(const double *y, size_t n, size_t dims, int n_threads)
{
    z_ctx c;
    memset(&c, 0, sizeof c);
    c.y = y;
    c.n = n;
    c.dims = dims;
    c.n_blocks = (n + Z_ROWS - 1) / Z_ROWS;
    int T = n_threads < 1 ? 1 : n_threads > GENRE__MAX_THREADS ? GENRE__MAX_THREADS : n_threads;
    genre__parallel_for(T, (c.n_blocks + 1) / 2, z_body, &c);
    double z = 0;
    for (int t = 0; t < T; t++)
        z += c.part[t];
    return 2.0 * z;
}

double genre__tsne_kl_given_z(const genre__csr *p, const double *y, size_t dims, double z)
{
    /* P is symmetric (p_ij and p_ji the same bits, as symmetrize makes
     * them, and d^2 the same both ways): each pair once, counted twice */
    double kl = 0, psum = 0, kl_diag = 0, psum_diag = 0;
    for (size_t i = 0; i < p->n; i++) {
        const double *yi = y + i * dims;
        for (size_t e = p->row[i]; e < p->row[i + 1]; e++) {
            double pij = p->val[e];
            if (!(pij > 0) || p->col[e] < i)
                continue;
            if (p->col[e] == i) {
                kl_diag += pij * log(pij);
                psum_diag += pij;
                continue;
            }
            const double *yj = y + (size_t)p->col[e] * dims;
            double d2 = 0;
            for (size_t l = 0; l < dims; l++) {
                double v = yi[l] - yj[l];
                d2 += v * v;
            }
            /* log(p / q) with q = w / Z, w = 1 / (1 + d2): one log per
             * pair, log Z once */
            kl += pij * log(pij * (1.0 + d2));
            psum += pij;
        }
    }
    return (2.0 * kl + kl_diag) + (2.0 * psum + psum_diag) * log(z);
}
