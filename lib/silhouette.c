/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The silhouette coefficient (genre/metrics.h) without an n x n matrix.
 *
 * Rows are first sorted by their tuple of clusters (cluster in labelling 0,
 * in labelling 1, ...): a group is a run of rows sharing one tuple. The
 * k-sweep's labellings of the same points nest roughly, so 45,000 points
 * and 7 labellings make ~100-200 groups, and a run of 128 rows rarely
 * crosses more than one group boundary.
 *
 * The upper triangle of the distance matrix is cut into TILE x TILE tiles,
 * spread over the workers. A tile's distances |x_i - x_j| are computed row
 * by row, from exact differences (zero on and below the diagonal of a
 * diagonal tile, so every pair counts once). Both directions of a distance
 * are summed per group before they touch the sums S[q][c][.] of labelling q
 * and cluster c:
 *   - rows i of one group are added into a TILE-long column buffer, flushed
 *     into S[q][cluster_q(group)][j0 .. j1) for every q once per group;
 *   - each row is summed over every column group of the tile into
 *     rs[group][i], flushed into S[q][cluster_q(group)][i0 .. i1) per tile.
 * So a pair costs a sqrt and two L1 additions whatever the number of
 * labellings; the labellings only cost per group (the k-sweep scores all
 * its k in one pass). S is one block of (sum of cluster counts) x n
 * doubles per worker; the blocks are added in worker order at the end, so
 * the same thread count gives the same bits. The file is built with
 * -fno-math-errno so that sqrt is a SIMD instruction, and on x86-64 the
 * tile kernel is cloned for AVX2/AVX-512.
 *
 * Why not a BLAS Gram matrix (|x|^2 + |y|^2 - 2 x.y): for the few columns of
 * the use case (2-D and 3-D projections) the product is memory-bound and the
 * cost is the n^2/2 square roots anyway, and the Gram form loses up to half
 * the digits of small distances to cancellation, while the acceptance asks
 * for agreement to 1e-12 with a brute-force double loop.
 */
#include <genre/error.h>
#include <genre/metrics.h>

#include "alloc.h"
#include "error_private.h"
#include "linalg.h"
#include "parallel.h"
#include "multiversion.h"
#include "rng.h"
#include "silhouette.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Rows (and columns) per tile. */
#define TILE 128
/* Rounds of tiles (progress and cancellation points); fixed so that the
 * work partition, hence the bits, never depends on whether a callback is set. */
#define MAX_ROUNDS 32
/* Budget of the per-worker sums, in doubles (256 MiB): beyond it fewer
 * workers are used. */
#define ACC_BUDGET ((size_t)1 << 25)
/* Doubles of a worker's tile buffers: one row of distances, the column
 * buffer, and rs (at most TILE column groups of TILE rows). */
#define WORK_LEN ((size_t)(2 + TILE) * TILE)

typedef struct sil_ctx {
    size_t n, d, m;        /* rows, columns, labellings */
    size_t acc_len;        /* doubles of one worker's sums */
    const double *xs;      /* d x n, rows sorted by group: column t at xs[t * n] */
    const uint32_t *grp;   /* n: group of sorted row p */
    const size_t *gend;    /* groups: end of group g's rows (they start at gend[g - 1]) */
    const uint32_t *gcls;  /* groups x m: cluster of group g in labelling q */
    const size_t *aoff;    /* m: offset of labelling q's sums in a worker's block */
    const uint32_t *tiles; /* 2 per tile: block row, block column (>= row) */
    size_t tile0;          /* first tile of the round */
    double *acc;           /* workers x acc_len: sums[q][c][p] at aoff[q] + c * n + p */
    double *work;          /* workers x WORK_LEN */
} sil_ctx;

/* Sum of v[0..m) with eight partial sums (vectorisable, fixed order);
 * inlined so that each clone of the tile kernel vectorises it. */
static inline __attribute__((always_inline)) double sum8(const double *v, size_t m)
{
    double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= m; j += 8)
        for (size_t l = 0; l < 8; l++)
            a[l] += v[j + l];
    for (; j < m; j++)
        a[j % 8] += v[j];
    return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
}

/* Sum of v[0..m) with four partial sums (the means; fixed order). */
static double sum4(const double *v, size_t m)
{
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    size_t j = 0;
    for (; j + 4 <= m; j += 4) {
        a0 += v[j];
        a1 += v[j + 1];
        a2 += v[j + 2];
        a3 += v[j + 3];
    }
    for (; j < m; j++)
        a0 += v[j];
    return (a0 + a1) + (a2 + a3);
}

/* S[q][cluster_q(g)][p0 .. p0 + len) += v[0 .. len) for every labelling q. */
static inline void add_group(const sil_ctx *c, double *acc, uint32_t g, size_t p0,
                             const double *v, size_t len)
{
    for (size_t q = 0; q < c->m; q++) {
        double *a = acc + c->aoff[q] + (size_t)c->gcls[(size_t)g * c->m + q] * c->n + p0;
        for (size_t i = 0; i < len; i++)
            a[i] += v[i];
    }
}

/*
 * row[jj] = |x_i - x_{j0+jj}| (sorted rows, d x n layout) for jj in
 * [from, mj), also added to colsum[jj]. Inlined with d a constant for the
 * usual column counts, so that the loop over jj is one vector pass.
 */
static inline __attribute__((always_inline)) void
dist_row(const double *restrict xs, size_t n, size_t d, size_t i, size_t j0, size_t from,
         size_t mj, double *restrict row, double *restrict colsum)
{
    for (size_t jj = from; jj < mj; jj++) {
        double dl = xs[i] - xs[j0 + jj];
        double sq = dl * dl;
        for (size_t k = 1; k < d; k++) {
            dl = xs[k * n + i] - xs[k * n + j0 + jj];
            sq += dl * dl;
        }
        const double v = sqrt(sq);
        row[jj] = v;
        colsum[jj] += v;
    }
}

/* On x86-64 Linux with GCC or Clang the tile kernel is also compiled for
 * AVX2 and AVX-512 and the widest the CPU supports is picked at load time
 * (ifunc, where the build allows it: multiversion.h): the same operations
 * in the same order, only wider vectors, so the same bits. */
#define GENRE_TILE_CLONES GENRE_CLONES("avx512f", "avx2", "default")

/*
 * Tile (bi, bj) of the sorted rows: for every row i of the tile, the row
 * D[i][j0 .. j1) of distances is added to the column buffer (flushed into
 * the sums at the end of i's group) and summed over each column group h
 * into rs[h][i] (flushed into the sums at the end of the tile).
 */
GENRE_TILE_CLONES
static void sil_tiles(void *vctx, size_t begin, size_t end, int worker)
{
    const sil_ctx *c = vctx;
    const size_t n = c->n, d = c->d;
    double *acc = c->acc + (size_t)worker * c->acc_len;
    double *row = c->work + (size_t)worker * WORK_LEN, *colsum = row + TILE,
           *rs = colsum + TILE;
    size_t cs[TILE + 1]; /* column group h of the tile at [cs[h], cs[h + 1]) */
    for (size_t t = c->tile0 + begin; t < c->tile0 + end; t++) {
        const size_t bi = c->tiles[2 * t], bj = c->tiles[2 * t + 1];
        const size_t i0 = bi * TILE, mi = i0 + TILE < n ? TILE : n - i0;
        const size_t j0 = bj * TILE, mj = j0 + TILE < n ? TILE : n - j0;
        size_t ncg = 0;
        for (size_t p = j0; p < j0 + mj; ncg++) {
            cs[ncg] = p - j0;
            const size_t e = c->gend[c->grp[p]];
            p = e < j0 + mj ? e : j0 + mj;
        }
        cs[ncg] = mj;
        memset(colsum, 0, mj * sizeof *colsum);
        for (size_t ii = 0; ii < mi; ii++) {
            /* every pair once: nothing on and below the diagonal */
            const size_t from = bi == bj ? ii + 1 : 0;
            for (size_t jj = 0; jj < from; jj++)
                row[jj] = 0.0;
            switch (d) { /* one pass for the usual column counts */
            case 1:
                dist_row(c->xs, n, 1, i0 + ii, j0, from, mj, row, colsum);
                break;
            case 2:
                dist_row(c->xs, n, 2, i0 + ii, j0, from, mj, row, colsum);
                break;
            case 3:
                dist_row(c->xs, n, 3, i0 + ii, j0, from, mj, row, colsum);
                break;
            default:
                dist_row(c->xs, n, d, i0 + ii, j0, from, mj, row, colsum);
            }
            for (size_t h = 0; h < ncg; h++)
                rs[h * TILE + ii] = sum8(row + cs[h], cs[h + 1] - cs[h]);
            const uint32_t g = c->grp[i0 + ii];
            if (ii + 1 == mi || c->grp[i0 + ii + 1] != g) {
                add_group(c, acc, g, j0, colsum, mj);
                memset(colsum, 0, mj * sizeof *colsum);
            }
        }
        for (size_t h = 0; h < ncg; h++)
            add_group(c, acc, c->grp[j0 + cs[h]], i0, rs + h * TILE, mi);
    }
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

typedef struct sil_scratch {
    int32_t *sorted;
    uint32_t *cls, *tiles, *grp, *gcls;
    size_t *kq, *aoff, *cnt, *perm, *tmp, *gend;
    double *xs, *acc, *work, *sil;
} sil_scratch;

static void scratch_free(sil_scratch *s)
{
    genre__free(s->sorted);
    genre__free(s->cls);
    genre__free(s->tiles);
    genre__free(s->grp);
    genre__free(s->gcls);
    genre__free(s->kq);
    genre__free(s->aoff);
    genre__free(s->cnt);
    genre__free(s->perm);
    genre__free(s->tmp);
    genre__free(s->gend);
    genre__free(s->xs);
    genre__free(s->acc);
    genre__free(s->work);
    genre__free(s->sil);
}

/* The distinct values of lab[0..n) in ascending order into sorted (their
 * count returned): a presence table when the labels span at most n values
 * (k-means labels 0..k-1), else a sort. */
static size_t distinct_labels(const int32_t *lab, size_t n, int32_t *sorted)
{
    int32_t lo = lab[0], hi = lab[0];
    for (size_t i = 1; i < n; i++) {
        lo = lab[i] < lo ? lab[i] : lo;
        hi = lab[i] > hi ? lab[i] : hi;
    }
    size_t K = 1;
    if ((uint64_t)((int64_t)hi - lo) < n) {
        const size_t span = (size_t)((int64_t)hi - lo) + 1;
        memset(sorted, 0, span * sizeof *sorted); /* presence flags */
        for (size_t i = 0; i < n; i++)
            sorted[(int64_t)lab[i] - lo] = 1;
        K = 0;
        for (size_t v = 0; v < span; v++)
            if (sorted[v])
                sorted[K++] = (int32_t)((int64_t)lo + (int64_t)v);
        return K;
    }
    memcpy(sorted, lab, n * sizeof(int32_t));
    qsort(sorted, n, sizeof(int32_t), cmp_i32);
    for (size_t i = 1; i < n; i++)
        if (sorted[i] != sorted[K - 1])
            sorted[K++] = sorted[i];
    return K;
}

genre_status genre__silhouette_run(const char *func, const double *x, size_t n, size_t d,
                                   size_t stride, const int32_t *labels, size_t m,
                                   int n_threads, double *means, double *samples,
                                   genre_progress_fn fn, void *user_data, int32_t phase)
{
    sil_scratch s;
    memset(&s, 0, sizeof s);
    genre_status st = GENRE_OK;

    /* Per labelling: the distinct labels (sorted) and each row's cluster. */
    s.sorted = genre__alloc_array(n, sizeof(int32_t));
    s.cls = s.sorted ? genre__alloc_array(m, n * sizeof(uint32_t)) : NULL;
    s.kq = s.cls ? genre__alloc_array(m, sizeof(size_t)) : NULL;
    s.aoff = s.kq ? genre__alloc_array(m, sizeof(size_t)) : NULL;
    if (!s.aoff) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    size_t total_k = 0;
    for (size_t q = 0; q < m; q++) {
        const int32_t *lab = labels + q * n;
        const size_t K = distinct_labels(lab, n, s.sorted);
        if (K < 2 || K > n - 1) {
            st = genre__fail(GENRE_E_INVALID_ARG, func,
                             "the labels hold %zu distinct value(s) over %zu rows; the "
                             "silhouette needs between 2 and n - 1 = %zu",
                             K, n, n - 1);
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            size_t lo = 0, hi = K; /* sorted[lo] <= lab[i] < sorted[hi] */
            while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;
                if (s.sorted[mid] <= lab[i])
                    lo = mid;
                else
                    hi = mid;
            }
            s.cls[q * n + i] = (uint32_t)lo;
        }
        s.kq[q] = K;
        s.aoff[q] = total_k * n;
        total_k += K;
    }
    s.cnt = genre__calloc_array(total_k + 1, sizeof(size_t));
    s.perm = s.cnt ? genre__alloc_array(n, sizeof(size_t)) : NULL;
    s.tmp = s.perm ? genre__alloc_array(n, sizeof(size_t)) : NULL;
    s.grp = s.tmp ? genre__alloc_array(n, sizeof(uint32_t)) : NULL;
    s.xs = s.grp ? genre__alloc_array(n, d * sizeof(double)) : NULL;
    s.sil = s.xs ? genre__alloc_array(n, sizeof(double)) : NULL;
    if (!s.sil) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    /* Sort the rows by their tuple of clusters: stable counting sorts by
     * the last labelling's cluster first (least significant digit first);
     * position p holds row perm[p]. */
    for (size_t i = 0; i < n; i++)
        s.perm[i] = i;
    for (size_t q = m; q-- > 0;) {
        const uint32_t *cq = s.cls + q * n;
        size_t *start = s.cnt; /* K_q + 1 counters, reused */
        memset(start, 0, (s.kq[q] + 1) * sizeof *start);
        for (size_t i = 0; i < n; i++)
            start[cq[i] + 1]++;
        for (size_t c = 0; c < s.kq[q]; c++)
            start[c + 1] += start[c];
        for (size_t p = 0; p < n; p++)
            s.tmp[start[cq[s.perm[p]]]++] = s.perm[p];
        size_t *t = s.perm;
        s.perm = s.tmp;
        s.tmp = t;
    }
    /* Groups: runs of positions with one tuple. */
    size_t ng = 0;
    for (size_t p = 0; p < n; p++) {
        int same = p > 0;
        for (size_t q = 0; q < m && same; q++)
            same = s.cls[q * n + s.perm[p]] == s.cls[q * n + s.perm[p - 1]];
        if (!same)
            s.tmp[ng++] = p; /* group starts */
        s.grp[p] = (uint32_t)(ng - 1);
    }
    s.gend = genre__alloc_array(ng, sizeof(size_t));
    s.gcls = s.gend ? genre__alloc_array(ng, m * sizeof(uint32_t)) : NULL;
    if (!s.gcls) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    for (size_t g = 0; g < ng; g++) {
        s.gend[g] = g + 1 < ng ? s.tmp[g + 1] : n;
        for (size_t q = 0; q < m; q++)
            s.gcls[g * m + q] = s.cls[q * n + s.perm[s.tmp[g]]];
    }
    memset(s.cnt, 0, (total_k + 1) * sizeof *s.cnt);
    for (size_t q = 0, base = 0; q < m; base += s.kq[q], q++)
        for (size_t i = 0; i < n; i++)
            s.cnt[base + s.cls[q * n + i]]++;
    for (size_t p = 0; p < n; p++) {
        const double *row = x + s.perm[p] * stride;
        for (size_t t = 0; t < d; t++)
            s.xs[t * n + p] = row[t];
    }

    /* Tiles of the upper triangle, row-major. */
    const size_t nb = (n + TILE - 1) / TILE, n_tiles = nb * (nb + 1) / 2;
    s.tiles = genre__alloc_array(n_tiles, 2 * sizeof(uint32_t));
    if (!s.tiles) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    for (size_t bi = 0, t = 0; bi < nb; bi++)
        for (size_t bj = bi; bj < nb; bj++, t++) {
            s.tiles[2 * t] = (uint32_t)bi;
            s.tiles[2 * t + 1] = (uint32_t)bj;
        }
    const size_t acc_len = total_k * n;
    size_t T = (size_t)n_threads;
    if (T > n_tiles)
        T = n_tiles;
    if (T > 1 && T * acc_len > ACC_BUDGET)
        T = ACC_BUDGET / acc_len > 1 ? ACC_BUDGET / acc_len : 1;
    s.acc = genre__calloc_array(T, acc_len * sizeof(double));
    s.work = s.acc ? genre__alloc_array(T, WORK_LEN * sizeof(double)) : NULL;
    if (!s.work) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    sil_ctx ctx = {n,      d,      m,       acc_len, s.xs, s.grp, s.gend, s.gcls,
                   s.aoff, s.tiles, 0,      s.acc,   s.work};
    const size_t rounds = n_tiles < MAX_ROUNDS ? n_tiles : MAX_ROUNDS;
    for (size_t r = 0; r < rounds; r++) {
        const size_t t0 = n_tiles * r / rounds, t1 = n_tiles * (r + 1) / rounds;
        ctx.tile0 = t0;
        genre__parallel_for((int)T, t1 - t0, sil_tiles, &ctx);
        if (fn && fn(user_data, phase, (int64_t)(r + 1), (int64_t)rounds, NAN) != 0) {
            st = genre__fail(GENRE_E_CANCELLED, func,
                             "cancelled by the progress callback after round %zu of %zu",
                             r + 1, rounds);
            goto done;
        }
    }
    /* Combine the workers' sums in worker order into the first block. */
    for (size_t w = 1; w < T; w++) {
        const double *src = s.acc + w * acc_len;
        for (size_t q = 0; q < acc_len; q++)
            s.acc[q] += src[q];
    }
    int overflow = 0;
    for (size_t q = 0, base = 0; q < m; base += s.kq[q], q++) {
        const size_t K = s.kq[q];
        const double *sums = s.acc + s.aoff[q];
        for (size_t p = 0; p < n; p++) {
            const size_t c = s.gcls[(size_t)s.grp[p] * m + q], nc = s.cnt[base + c];
            double a = 0.0, b = INFINITY, v = 0.0;
            for (size_t o = 0; o < K; o++) {
                const double sum = sums[o * n + p];
                overflow |= !isfinite(sum);
                if (o == c) {
                    a = nc > 1 ? sum / (double)(nc - 1) : 0.0;
                } else {
                    const double mo = sum / (double)s.cnt[base + o];
                    b = mo < b ? mo : b;
                }
            }
            if (nc > 1) {
                const double den = a > b ? a : b;
                v = den > 0 ? (b - a) / den : 0.0;
            }
            s.sil[s.perm[p]] = v; /* back in row order */
        }
        if (overflow)
            break;
        if (samples && q == 0)
            memcpy(samples, s.sil, n * sizeof(double));
        if (means)
            means[q] = sum4(s.sil, n) / (double)n;
    }
    if (overflow)
        st = genre__fail(GENRE_E_NUMERIC, func,
                         "the sums of distances overflow (values too large)");
done:
    scratch_free(&s);
    return st;
}

genre_status genre_metrics_silhouette(const double *x, size_t n_rows, size_t n_cols,
                                      size_t row_stride, const int32_t *labels,
                                      int32_t n_threads, double *mean, double *samples,
                                      size_t cap, size_t *needed, genre_progress_fn progress,
                                      void *user_data)
{
    if (needed)
        *needed = n_rows;
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride, 1);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    GENRE_CHECK_NOT_NULL(labels);
    if (mean == NULL && samples == NULL)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "mean and samples are both NULL: nothing to compute");
    if (samples && cap < n_rows)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL,
                          "samples holds %zu element(s), %zu needed", cap, n_rows);
    const int T = genre__resolve_threads(n_threads);
    if (T < 0)
        return T;
    return genre__silhouette_run(__func__, x, n_rows, n_cols, row_stride, labels, 1, T, mean,
                                 samples, progress, user_data, GENRE_METRICS_PHASE_SILHOUETTE);
}

genre_status genre_metrics_silhouette_sampled(const double *x, size_t n_rows, size_t n_cols,
                                              size_t row_stride, const int32_t *labels,
                                              size_t sample_size, uint64_t seed,
                                              int32_t n_threads, double *mean)
{
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride, 1);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    GENRE_CHECK_NOT_NULL(labels);
    GENRE_CHECK_NOT_NULL(mean);
    if (sample_size < 3)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "sample_size must be >= 3, got %zu",
                          sample_size);
    const int T = genre__resolve_threads(n_threads);
    if (T < 0)
        return T;
    if (sample_size >= n_rows)
        return genre__silhouette_run(__func__, x, n_rows, n_cols, row_stride, labels, 1, T,
                                     mean, NULL, NULL, NULL, 0);
    const size_t m = sample_size, d = n_cols;
    size_t *idx = genre__alloc_array(n_rows, sizeof(size_t));
    double *xs = idx ? genre__alloc_array(m * d, sizeof(double)) : NULL;
    int32_t *ls = xs ? genre__alloc_array(m, sizeof(int32_t)) : NULL;
    if (!ls) {
        genre__free(idx);
        genre__free(xs);
        return GENRE_PASS(GENRE_E_NOMEM);
    }
    /* The first m entries of a Fisher-Yates shuffle: m rows without
     * replacement, from stream 0 of the seed. */
    genre__rng rng;
    genre__rng_init(&rng, seed, 0);
    for (size_t i = 0; i < n_rows; i++)
        idx[i] = i;
    for (size_t i = 0; i < m; i++) {
        size_t j = i + (size_t)genre__rng_bounded(&rng, (uint64_t)(n_rows - i));
        size_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        memcpy(xs + i * d, x + idx[i] * row_stride, d * sizeof(double));
        ls[i] = labels[idx[i]];
    }
    st = genre__silhouette_run(__func__, xs, m, d, d, ls, 1, T, mean, NULL, NULL, NULL, 0);
    genre__free(idx);
    genre__free(xs);
    genre__free(ls);
    return GENRE_PASS(st);
}
