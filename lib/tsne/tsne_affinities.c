/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * t-SNE kernels: input affinities (vantage-point tree kNN, perplexity
 * calibration, symmetrization) and the gradient three ways (exact,
 * Barnes-Hut, FFT-accelerated interpolation). See tsne_private.h.
 *
 * Determinism: every parallel loop writes per-row results (or per-worker
 * partials combined in worker order), so a given thread count always gives
 * the same bits. The FFT-interpolation repulsion is in tsne_fft.c.
 */
#include "tsne_private.h"

#include "alloc.h"
#include "error_private.h"
#include "multiversion.h"
#include "parallel.h"
#include "rng.h"


#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

void genre__csr_free(genre__csr *m)
{
    if (!m)
        return;
    genre__free(m->row);
    genre__free(m->col);
    genre__free(m->val);
    memset(m, 0, sizeof *m);
}

/* ---- Vantage-point tree ---------------------------------------------------- */

typedef struct vp_node {
    uint32_t item;
    int32_t left, right;
    double threshold;
} vp_node;

typedef struct vp_tree {
    const double *x;
    size_t d, stride;
    uint32_t *items; /* permutation; node i owns items[i] */
    vp_node *nodes;
    double *dist;    /* build scratch */
} vp_tree;

static double vp_dist(const vp_tree *t, size_t a, size_t b)
{
    const double *pa = t->x + a * t->stride, *pb = t->x + b * t->stride;
    double s = 0;
    for (size_t j = 0; j < t->d; j++) {
        double v = pa[j] - pb[j];
        s += v * v;
    }
    return sqrt(s);
}

static void vp_swap(vp_tree *t, size_t a, size_t b)
{
    uint32_t i = t->items[a];
    t->items[a] = t->items[b];
    t->items[b] = i;
    double d = t->dist[a];
    t->dist[a] = t->dist[b];
    t->dist[b] = d;
}

/* Reorders [lo, hi) so position m holds the (dist, item)-order statistic. */
static void vp_select(vp_tree *t, size_t lo, size_t hi, size_t m)
{
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        vp_swap(t, mid, hi - 1);
        double pd = t->dist[hi - 1];
        uint32_t pi = t->items[hi - 1];
        size_t s = lo;
        for (size_t i = lo; i + 1 < hi; i++)
            if (t->dist[i] < pd || (t->dist[i] == pd && t->items[i] < pi))
                vp_swap(t, i, s++);
        vp_swap(t, s, hi - 1);
        if (s == m)
            return;
        if (m < s)
            hi = s;
        else
            lo = s + 1;
    }
}

/* Builds the subtree of items [lo, hi); node index = lo. */
static int32_t vp_build(vp_tree *t, genre__rng *rng, size_t lo, size_t hi)
{
    if (lo >= hi)
        return -1;
    vp_node *nd = &t->nodes[lo];
    size_t pick = lo + (size_t)genre__rng_bounded(rng, hi - lo);
    uint32_t tmp = t->items[lo];
    t->items[lo] = t->items[pick];
    t->items[pick] = tmp;
    nd->item = t->items[lo];
    nd->left = nd->right = -1;
    nd->threshold = 0;
    if (hi - lo == 1)
        return (int32_t)lo;
    for (size_t i = lo + 1; i < hi; i++)
        t->dist[i] = vp_dist(t, nd->item, t->items[i]);
    size_t med = lo + 1 + (hi - lo - 1) / 2;
    vp_select(t, lo + 1, hi, med);
    nd->threshold = t->dist[med];
    nd->left = vp_build(t, rng, lo + 1, med);
    nd->right = vp_build(t, rng, med, hi);
    return (int32_t)lo;
}

/* Max-heap of the k best (dist, index) pairs so far. */
typedef struct knn_heap {
    size_t k, size;
    double *dist;
    uint32_t *idx;
} knn_heap;

static int heap_less(double da, uint32_t ia, double db, uint32_t ib)
{
    return da < db || (da == db && ia < ib);
}

static void heap_push(knn_heap *h, double d, uint32_t i)
{
    if (h->size == h->k) {
        if (!heap_less(d, i, h->dist[0], h->idx[0]))
            return;
        /* replace the root and sift down */
        size_t p = 0;
        for (;;) {
            size_t c = 2 * p + 1;
            if (c >= h->size)
                break;
            if (c + 1 < h->size && heap_less(h->dist[c], h->idx[c], h->dist[c + 1], h->idx[c + 1]))
                c++;
            if (!heap_less(d, i, h->dist[c], h->idx[c]))
                break;
            h->dist[p] = h->dist[c];
            h->idx[p] = h->idx[c];
            p = c;
        }
        h->dist[p] = d;
        h->idx[p] = i;
        return;
    }
    size_t c = h->size++;
    while (c > 0) {
        size_t p = (c - 1) / 2;
        if (!heap_less(h->dist[p], h->idx[p], d, i))
            break;
        h->dist[c] = h->dist[p];
        h->idx[c] = h->idx[p];
        c = p;
    }
    h->dist[c] = d;
    h->idx[c] = i;
}

static void vp_search(const vp_tree *t, int32_t node, size_t target, knn_heap *h)
{
    while (node >= 0) {
        const vp_node *nd = &t->nodes[node];
        double d = vp_dist(t, target, nd->item);
        if (nd->item != target)
            heap_push(h, d, nd->item);
        if (nd->left < 0 && nd->right < 0)
            return;
        int32_t first = d < nd->threshold ? nd->left : nd->right;
        int32_t second = d < nd->threshold ? nd->right : nd->left;
        int go_second;
        vp_search(t, first, target, h);
        double tau = h->size == h->k ? h->dist[0] : HUGE_VAL;
        if (d < nd->threshold)
            go_second = d + tau >= nd->threshold;
        else
            go_second = d - tau <= nd->threshold;
        if (!go_second)
            return;
        node = second;
    }
}

/* ---- Conditional affinities ------------------------------------------------- */

/* How the neighbours of a row are found. */
enum { NB_DENSE, NB_VPTREE, NB_BRUTE };

/* Up to this input dimension the vantage-point tree prunes well; above it
 * (the 10 PCA components of the real data: 45,000 rows, k = 90) it visits
 * most of the tree, and a blocked brute force (knn_brute) is far faster. */
#define VPTREE_MAX_DIM 5

typedef struct cond_ctx {
    const double *x;
    size_t n, d, stride, k;
    double log_perp;
    int mode;
    const vp_tree *tree;
    double *scratch;     /* per worker: k dists */
    uint32_t *iscratch;  /* per worker: k idx */
    genre__csr *out;     /* row offsets i * k; NB_BRUTE: val holds d^2 */
    double *beta;
} cond_ctx;

static double sq_dist(const double *a, const double *b, size_t d)
{
    double s = 0;
    for (size_t l = 0; l < d; l++) {
        double v = a[l] - b[l];
        s += v * v;
    }
    return s;
}

/* Sorts a full max-heap of k pairs into ascending (distance, index) order
 * by repeatedly moving the root behind the shrinking heap. */
static void heap_sort(double *d, uint32_t *ix, size_t k)
{
    for (size_t size = k; size > 1; size--) {
        double dv = d[size - 1];
        uint32_t iv = ix[size - 1];
        d[size - 1] = d[0];
        ix[size - 1] = ix[0];
        size_t p = 0, last = size - 1;
        for (;;) {
            size_t c = 2 * p + 1;
            if (c >= last)
                break;
            if (c + 1 < last && heap_less(d[c], ix[c], d[c + 1], ix[c + 1]))
                c++;
            if (!heap_less(dv, iv, d[c], ix[c]))
                break;
            d[p] = d[c];
            ix[p] = ix[c];
            p = c;
        }
        d[p] = dv;
        ix[p] = iv;
    }
}

static void calibrate_row(const double *d2, size_t k, double log_perp, double *p,
                          double *beta_out)
{
    double dmin = d2[0];
    for (size_t j = 1; j < k; j++)
        if (d2[j] < dmin)
            dmin = d2[j];
    double beta = 1.0, lo = 0.0, hi = HUGE_VAL;
    for (int it = 0; it < 200; it++) {
        double sum = 0, sd = 0;
        for (size_t j = 0; j < k; j++) {
            double e = exp(-beta * (d2[j] - dmin));
            p[j] = e;
            sum += e;
            sd += e * (d2[j] - dmin);
        }
        double h = log(sum) + beta * sd / sum;
        double diff = h - log_perp;
        if (fabs(diff) < 1e-10)
            break;
        if (diff > 0) { /* too flat: sharpen */
            lo = beta;
            beta = isinf(hi) ? beta * 2 : 0.5 * (beta + hi);
        } else {
            hi = beta;
            beta = 0.5 * (beta + lo);
        }
    }
    double sum = 0;
    for (size_t j = 0; j < k; j++) {
        p[j] = exp(-beta * (d2[j] - dmin));
        sum += p[j];
    }
    for (size_t j = 0; j < k; j++)
        p[j] /= sum;
    if (beta_out)
        *beta_out = beta;
}

static void cond_body(void *vctx, size_t begin, size_t end, int worker)
{
    cond_ctx *c = vctx;
    const size_t k = c->k;
    double *hd = c->scratch + (size_t)worker * k;
    uint32_t *hi = c->iscratch + (size_t)worker * k;
    for (size_t i = begin; i < end; i++) {
        uint32_t *col = c->out->col + i * k;
        double *val = c->out->val + i * k;
        if (c->mode == NB_VPTREE) {
            knn_heap h = {k, 0, hd, hi};
            vp_search(c->tree, 0, i, &h);
            heap_sort(hd, hi, k);
            for (size_t j = 0; j < k; j++) {
                col[j] = hi[j];
                hd[j] = hd[j] * hd[j];
            }
        } else if (c->mode == NB_BRUTE) {
            memcpy(hd, val, k * sizeof *hd);
        } else {
            size_t m = 0;
            const double *xi = c->x + i * c->stride;
            for (size_t j = 0; j < c->n; j++) {
                if (j == i)
                    continue;
                hd[m] = sq_dist(xi, c->x + j * c->stride, c->d);
                hi[m++] = (uint32_t)j;
            }
            for (size_t j = 0; j < k; j++)
                col[j] = hi[j];
        }
        calibrate_row(hd, k, c->log_perp, val, c->beta ? c->beta + i : NULL);
    }
}

/* Blocked exact brute force with pruning. The points are sorted by the
 * column of largest variance (the sort key) and copied column-major in that
 * order; BRUTE_QUERIES consecutive sorted points form a query block, and
 * BRUTE_TILE consecutive sorted points a tile. A query block visits the
 * tiles outward from its own, and skips a tile for a query when the key gap
 * alone exceeds the query's current k-th distance (and stops in a direction
 * once that holds for every query: further tiles are further away in the
 * key). Within a tile, 8 distances at a time sum the first BRUTE_PART
 * columns and go on only if one of them is still within that k-th
 * distance. Every distance is summed over the columns in order without FMA,
 * exactly as sq_dist does, and adding squares never decreases a partial
 * sum, so the pruning is exact: the neighbours (ties by row index) are the
 * ones an exhaustive scan finds, and the stored values are sq_dist's bits. */
#define BRUTE_TILE 256
#define BRUTE_QUERIES 32
#define BRUTE_PART 5

typedef struct brute_ctx {
    const double *x, *xs;   /* xs: d x n, column-major, sorted order */
    const uint32_t *perm;   /* sorted position -> row */
    size_t n, d, stride, k, key;
    size_t n_blocks, block_step;
    uint32_t *cand_pos;     /* per worker: BRUTE_TILE candidates */
    double *cand_dist;
    genre__csr *out;
} brute_ctx;

#if defined(__GNUC__)
typedef double bvec __attribute__((vector_size(32)));
typedef long long bmask __attribute__((vector_size(32)));

/* a, b += the squares of columns [l0, l1) of 8 points' differences to xi
 * (xs = the first point's column 0, columns n apart), in column order. */
static inline __attribute__((always_inline)) void brute_cols(const double *xi, const double *xs,
                                                             size_t n, size_t l0, size_t l1,
                                                             bvec *a, bvec *b)
{
    for (size_t l = l0; l < l1; l++) {
        const bvec xl = {xi[l], xi[l], xi[l], xi[l]};
        bvec ca, cb;
        memcpy(&ca, xs + l * n, sizeof ca);
        memcpy(&cb, xs + l * n + 4, sizeof cb);
        ca = xl - ca;
        cb = xl - cb;
        *a += ca * ca;
        *b += cb * cb;
    }
}
#endif

/* The points p < len of a tile (xs = its first point's column 0, columns n
 * apart) whose squared distance to xi is <= thr: positions in pos, values
 * in dist; returns how many. An AVX2 clone is picked at load time where the
 * CPU has it. */
GENRE_GCC_CLONES("avx2", "default")
static size_t brute_tile(const double *xi, const double *xs, size_t n, size_t d, size_t len,
                         double thr, uint32_t *pos, double *dist)
{
    size_t c = 0, p = 0;
#if defined(__GNUC__)
    const size_t part = d < BRUTE_PART ? d : BRUTE_PART;
    const bvec tv = {thr, thr, thr, thr};
    for (; p + 8 <= len; p += 8) {
        bvec a = {0, 0, 0, 0}, b = {0, 0, 0, 0};
        brute_cols(xi, xs + p, n, 0, part, &a, &b);
        bmask m = (a <= tv) | (b <= tv);
        if (!(m[0] | m[1] | m[2] | m[3]))
            continue;
        brute_cols(xi, xs + p, n, part, d, &a, &b);
        for (int q = 0; q < 4; q++) {
            if (a[q] <= thr) {
                pos[c] = (uint32_t)(p + (size_t)q);
                dist[c++] = a[q];
            }
        }
        for (int q = 0; q < 4; q++) {
            if (b[q] <= thr) {
                pos[c] = (uint32_t)(p + 4 + (size_t)q);
                dist[c++] = b[q];
            }
        }
    }
#endif
    for (; p < len; p++) {
        double s = 0;
        for (size_t l = 0; l < d; l++) {
            double v = xi[l] - xs[l * n + p];
            s += v * v;
        }
        if (s <= thr) {
            pos[c] = (uint32_t)p;
            dist[c++] = s;
        }
    }
    return c;
}

/* Lower bound of the squared distance from key value v to the points of a
 * tile whose keys span [lo, hi] (the first term of their sums). */
static double key_bound(double v, double lo, double hi)
{
    double g = v < lo ? v - lo : v > hi ? v - hi : 0.0;
    return g * g;
}

static void brute_body(void *vctx, size_t begin, size_t end, int worker)
{
    brute_ctx *c = vctx;
    const size_t k = c->k, n = c->n, d = c->d;
    const double *key = c->xs + c->key * n;
    uint32_t *cpos = c->cand_pos + (size_t)worker * BRUTE_TILE;
    double *cdist = c->cand_dist + (size_t)worker * BRUTE_TILE;
    const size_t n_tiles = (n + BRUTE_TILE - 1) / BRUTE_TILE;
    for (size_t u = begin; u < end; u++) {
        /* blocks in a scattered order: workers get similar mixes */
        const size_t blk = (u * c->block_step) % c->n_blocks;
        const size_t q0 = blk * BRUTE_QUERIES;
        const size_t q1 = q0 + BRUTE_QUERIES < n ? q0 + BRUTE_QUERIES : n;
        size_t size[BRUTE_QUERIES] = {0};
        const size_t home = q0 / BRUTE_TILE;
        size_t right = home, left = home; /* next tile each way: right, left - 1 */
        int go_right = 1, go_left = home > 0;
        while (go_right || go_left) {
            for (int side = 0; side < 2; side++) {
                size_t t;
                if (side == 0) {
                    if (!go_right)
                        continue;
                    t = right++;
                    go_right = right < n_tiles;
                } else {
                    if (!go_left)
                        continue;
                    t = --left;
                    go_left = left > 0;
                }
                const size_t j0 = t * BRUTE_TILE;
                const size_t len = n - j0 < BRUTE_TILE ? n - j0 : BRUTE_TILE;
                const double lo = key[j0], hi = key[j0 + len - 1];
                int any = 0;
                for (size_t s = q0; s < q1; s++) {
                    const size_t i = c->perm[s];
                    knn_heap h = {k, size[s - q0], c->out->val + i * k, c->out->col + i * k};
                    double thr = h.size == k ? h.dist[0] : HUGE_VAL;
                    const double *xi = c->x + i * c->stride;
                    if (key_bound(xi[c->key], lo, hi) > thr)
                        continue;
                    any = 1;
                    size_t nc = brute_tile(xi, c->xs + j0, n, d, len, thr, cpos, cdist);
                    uint32_t thr_idx = h.size == k ? h.idx[0] : UINT32_MAX;
                    for (size_t e = 0; e < nc; e++) {
                        const uint32_t j = c->perm[j0 + cpos[e]];
                        const double dj = cdist[e];
                        if (dj > thr || (dj == thr && j >= thr_idx) || j == i)
                            continue;
                        heap_push(&h, dj, j);
                        if (h.size == k) {
                            thr = h.dist[0];
                            thr_idx = h.idx[0];
                        }
                    }
                    size[s - q0] = h.size;
                }
                /* keys only grow away from the home tile: once no query
                 * can reach a tile, none further that way can either */
                if (!any) {
                    if (side == 0)
                        go_right = 0;
                    else
                        go_left = 0;
                }
            }
        }
        for (size_t s = q0; s < q1; s++) {
            const size_t i = c->perm[s];
            heap_sort(c->out->val + i * k, c->out->col + i * k, k);
        }
    }
}

typedef struct key_item {
    double v;
    uint32_t i;
} key_item;

static int key_cmp(const void *a, const void *b)
{
    const key_item *p = a, *q = b;
    if (p->v != q->v)
        return p->v < q->v ? -1 : 1;
    return p->i < q->i ? -1 : p->i > q->i;
}

static size_t gcd_size(size_t a, size_t b)
{
    while (b) {
        size_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* Fills out->col / out->val (squared distances) with each row's k nearest. */
static genre_status knn_brute(const double *x, size_t n, size_t d, size_t stride, size_t k,
                              int T, genre__csr *out)
{
    double *xs = genre__alloc_array(n * d, sizeof(double));
    key_item *items = xs ? genre__alloc_array(n, sizeof(key_item)) : NULL;
    uint32_t *perm = items ? genre__alloc_array(n, sizeof(uint32_t)) : NULL;
    uint32_t *cpos = perm ? genre__alloc_array((size_t)T * BRUTE_TILE, sizeof(uint32_t)) : NULL;
    double *cdist = cpos ? genre__alloc_array((size_t)T * BRUTE_TILE, sizeof(double)) : NULL;
    genre_status st = GENRE_OK;
    if (!cdist) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    /* the sort key: the column of largest variance (the first on ties) */
    size_t key = 0;
    double best = -1;
    for (size_t l = 0; l < d; l++) {
        double mean = 0, var = 0;
        for (size_t i = 0; i < n; i++)
            mean += x[i * stride + l];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++)
            var += (x[i * stride + l] - mean) * (x[i * stride + l] - mean);
        if (var > best) {
            best = var;
            key = l;
        }
    }
    for (size_t i = 0; i < n; i++) {
        items[i].v = x[i * stride + key];
        items[i].i = (uint32_t)i;
    }
    qsort(items, n, sizeof *items, key_cmp);
    for (size_t s = 0; s < n; s++) {
        perm[s] = items[s].i;
        for (size_t l = 0; l < d; l++)
            xs[l * n + s] = x[(size_t)items[s].i * stride + l];
    }
    brute_ctx c = {x, xs, perm, n, d, stride, k, key, 0, 1, cpos, cdist, out};
    c.n_blocks = (n + BRUTE_QUERIES - 1) / BRUTE_QUERIES;
    /* a step coprime with the block count, near its golden section */
    c.block_step = (size_t)((double)c.n_blocks * 0.618) | 1;
    while (c.n_blocks > 1 && gcd_size(c.block_step, c.n_blocks) != 1)
        c.block_step++;
    genre__parallel_for(T, c.n_blocks, brute_body, &c);
done:
    genre__free(cdist);
    genre__free(cpos);
    genre__free(perm);
    genre__free(items);
    genre__free(xs);
    return st;
}

genre_status genre__tsne_conditional(const double *x, size_t n, size_t d, size_t stride,
                                     double perplexity, size_t k, int n_threads,
                                     uint64_t seed, genre__csr *out, double *beta_out)
{
    memset(out, 0, sizeof *out);
    int T = n_threads < 1 ? 1 : n_threads;
    if ((size_t)T > n)
        T = (int)n;
    const int mode = k >= n - 1 ? NB_DENSE : d <= VPTREE_MAX_DIM ? NB_VPTREE : NB_BRUTE;
    vp_tree tree = {x, d, stride, NULL, NULL, NULL};
    out->n = n;
    out->row = genre__alloc_array(n + 1, sizeof(size_t));
    out->col = out->row ? genre__alloc_array(n * k, sizeof(uint32_t)) : NULL;
    out->val = out->col ? genre__alloc_array(n * k, sizeof(double)) : NULL;
    double *scratch = out->val ? genre__alloc_array((size_t)T * k, sizeof(double)) : NULL;
    uint32_t *iscratch = scratch ? genre__alloc_array((size_t)T * k, sizeof(uint32_t)) : NULL;
    if (iscratch && mode == NB_VPTREE) {
        tree.items = genre__alloc_array(n, sizeof(uint32_t));
        tree.nodes = tree.items ? genre__alloc_array(n, sizeof(vp_node)) : NULL;
        tree.dist = tree.nodes ? genre__alloc_array(n, sizeof(double)) : NULL;
    }
    genre_status st = GENRE_OK;
    if (!iscratch || (mode == NB_VPTREE && !tree.dist)) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    if (mode == NB_VPTREE) {
        genre__rng rng;
        genre__rng_init(&rng, seed, 1);
        for (size_t i = 0; i < n; i++)
            tree.items[i] = (uint32_t)i;
        vp_build(&tree, &rng, 0, n);
    } else if (mode == NB_BRUTE) {
        if ((st = knn_brute(x, n, d, stride, k, T, out)) != GENRE_OK)
            goto done;
    }
    for (size_t i = 0; i <= n; i++)
        out->row[i] = i * k;
    /* worker w's scratch starts at w * k and holds k (= n - 1 when dense) */
    cond_ctx ctx = {x, n, d, stride, k, log(perplexity), mode, &tree,
                    scratch, iscratch, out, beta_out};
    genre__parallel_for(T, n, cond_body, &ctx);
done:
    if (st != GENRE_OK)
        genre__csr_free(out);
    genre__free(tree.items);
    genre__free(tree.nodes);
    genre__free(tree.dist);
    genre__free(scratch);
    genre__free(iscratch);
    return st;
}

/* ---- Symmetrization ----------------------------------------------------------- */

genre_status genre__tsne_symmetrize(const genre__csr *c, genre__csr *p)
{
    const size_t n = c->n;
    memset(p, 0, sizeof *p);
    /* transpose of c by counting sort (rows of the transpose come out with
     * source rows ascending) */
    size_t nnz = c->row[n];
    size_t *trow = genre__calloc_array(n + 1, sizeof(size_t));
    uint32_t *tcol = trow ? genre__alloc_array(nnz, sizeof(uint32_t)) : NULL;
    double *tval = tcol ? genre__alloc_array(nnz, sizeof(double)) : NULL;
    size_t *fill = tval ? genre__alloc_array(n + 1, sizeof(size_t)) : NULL;
    /* c's rows sorted by column: a permutation per row */
    uint32_t *scol = fill ? genre__alloc_array(nnz, sizeof(uint32_t)) : NULL;
    double *sval = scol ? genre__alloc_array(nnz, sizeof(double)) : NULL;
    p->row = sval ? genre__alloc_array(n + 1, sizeof(size_t)) : NULL;
    genre_status st = GENRE_OK;
    if (!p->row) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    for (size_t e = 0; e < nnz; e++)
        trow[c->col[e] + 1]++;
    for (size_t i = 0; i < n; i++)
        trow[i + 1] += trow[i];
    memcpy(fill, trow, (n + 1) * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        for (size_t e = c->row[i]; e < c->row[i + 1]; e++) {
            size_t at = fill[c->col[e]]++;
            tcol[at] = (uint32_t)i;
            tval[at] = c->val[e];
        }
    /* each row of c sorted by column: the transpose of the transpose
     * (rows keep c's offsets; columns come out ascending) */
    memcpy(fill, c->row, (n + 1) * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        for (size_t e = trow[i]; e < trow[i + 1]; e++) {
            size_t at = fill[tcol[e]]++;
            scol[at] = (uint32_t)i;
            sval[at] = tval[e];
        }
    /* union sizes */
    p->n = n;
    p->row[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t a = c->row[i], ae = c->row[i + 1], b = trow[i], be = trow[i + 1], cnt = 0;
        while (a < ae || b < be) {
            if (b >= be || (a < ae && scol[a] < tcol[b]))
                a++;
            else if (a >= ae || tcol[b] < scol[a])
                b++;
            else
                a++, b++;
            cnt++;
        }
        p->row[i + 1] = p->row[i] + cnt;
    }
    p->col = genre__alloc_array(p->row[n], sizeof(uint32_t));
    p->val = p->col ? genre__alloc_array(p->row[n], sizeof(double)) : NULL;
    if (!p->val) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t a = c->row[i], ae = c->row[i + 1], b = trow[i], be = trow[i + 1];
        size_t o = p->row[i];
        while (a < ae || b < be) {
            double v;
            uint32_t j;
            if (b >= be || (a < ae && scol[a] < tcol[b]))
                j = scol[a], v = sval[a], a++;
            else if (a >= ae || tcol[b] < scol[a])
                j = tcol[b], v = tval[b], b++;
            else
                j = scol[a], v = sval[a] + tval[b], a++, b++;
            p->col[o] = j;
            p->val[o++] = v;
            total += v;
        }
    }
    for (size_t e = 0; e < p->row[n]; e++)
        p->val[e] /= total;
done:
    if (st != GENRE_OK)
        genre__csr_free(p);
    genre__free(trow);
    genre__free(tcol);
    genre__free(tval);
    genre__free(fill);
    genre__free(scol);
    genre__free(sval);
    return st;
}

/* ---- Gradient: shared pieces ----------------------------------------------- */

#define MAX_DIMS 3
/* A cell as the traversal reads it (56 bytes); its box is in bh_box. */
typedef struct bh_node {
    double com[MAX_DIMS];
    double count;
    double w2;        /* (cell width)^2 */
    int32_t child;    /* first of its non-empty children, or -1 for a leaf */
    uint32_t n_child; /* how many (1 .. 2^dims) */
    uint32_t lo, hi;  /* points perm[lo, hi) */
} bh_node;

/* Cells are rectangles: the root is the points' bounding box and every
 * split halves each side (as scikit-learn's tree), so a cell of a long,
 * flat embedding is not a square mostly empty of points; the opening
 * criterion uses the longest side. */
typedef struct bh_box {
    double center[MAX_DIMS], half[MAX_DIMS];
} bh_box;

struct genre__tsne_work {
    size_t n, dims;
    double *rep;   /* n x dims repulsive numerators */
    double *zrow;  /* n partial normalisers */
    /* Barnes-Hut */
    bh_node *nodes;
    size_t n_nodes, cap_nodes;
    uint32_t *perm, *perm2;
    bh_box *boxes;    /* beside nodes, same capacity */
    double *pt;       /* coordinates in tree order, dimension l at pt + l * n */
    double *bh_list;  /* per worker: BH_WORKER_DOUBLES (point list, cell list) */
    int bh_list_threads;
    int32_t *bh_front; /* per worker: two levels of the traversal */
    size_t bh_front_cap;
    genre__tsne_fft *fft; /* FFT-interpolation state (tsne_fft.c) */
    /* attraction: the strict upper triangle of P in the breadth-first
     * order `ord` (new label -> row; `lab` row -> new label), the
     * coordinates copied in that order (yp), per-worker accumulators */
    genre__csr up;
    const genre__csr *up_of;
    uint32_t *ord, *lab;
    double *yp;
    double *acc;
    int acc_threads;
};

genre_status genre__tsne_work_create(genre__tsne_work **out, size_t n, size_t dims)
{
    genre__tsne_work *w = GENRE_NEW(genre__tsne_work);
    if (!w)
        return GENRE_E_NOMEM;
    w->n = n;
    w->dims = dims;
    w->rep = genre__alloc_array(n * dims, sizeof(double));
    w->zrow = w->rep ? genre__alloc_array(n, sizeof(double)) : NULL;
    if (!w->zrow) {
        genre__tsne_work_free(w);
        return GENRE_E_NOMEM;
    }
    *out = w;
    return GENRE_OK;
}

void genre__tsne_work_free(genre__tsne_work *w)
{
    if (!w)
        return;
    genre__tsne_fft_free(w->fft);
    genre__free(w->rep);
    genre__free(w->zrow);
    genre__free(w->nodes);
    genre__free(w->perm);
    genre__free(w->perm2);
    genre__free(w->boxes);
    genre__free(w->pt);
    genre__free(w->bh_list);
    genre__free(w->bh_front);
    genre__csr_free(&w->up);
    genre__free(w->ord);
    genre__free(w->lab);
    genre__free(w->yp);
    genre__free(w->acc);
    genre__free(w);
}

/* Attraction over the strict upper triangle of the symmetric P: each pair
 * once, added to i and subtracted from j in the worker's own accumulator
 * (half the memory traffic of the full matrix); workers' accumulators are
 * summed in worker order, so a thread count always gives the same bits.
 * The rows are relabelled once per P in breadth-first order over P's graph
 * (Cuthill-McKee without the degree sort): a row's neighbours get nearby
 * labels, so the coordinates and accumulators it touches are mostly in
 * cache. Only the order of the floating-point sums differs from the
 * caller's row order; the gradient comes back in the caller's order. */
typedef struct attr_ctx {
    const genre__csr *up;
    const double *y; /* relabelled */
    size_t n, dims;
    double *acc; /* T x n x dims, relabelled */
} attr_ctx;

/* attr_body's rows [begin, end) in 2-D: four pairs at a time (their
 * quotients in one vector division), the row's own sum in four lanes
 * added in lane order, the partners' updates one by one. */
GENRE_GCC_CLONES("avx2", "default")
static void attr_rows2(const double *y, const size_t *row, const uint32_t *col,
                       const double *val, size_t begin, size_t end, double *acc)
{
    for (size_t i = begin; i < end; i++) {
        const double y0 = y[2 * i], y1 = y[2 * i + 1];
        double a0 = 0, a1 = 0;
        size_t e = row[i];
        const size_t e1 = row[i + 1];
#if defined(__GNUC__)
        const bvec y0v = {y0, y0, y0, y0}, y1v = {y1, y1, y1, y1}, one = {1, 1, 1, 1};
        bvec a0v = {0, 0, 0, 0}, a1v = {0, 0, 0, 0};
        for (; e + 4 <= e1; e += 4) {
            const size_t j0 = col[e], j1 = col[e + 1], j2 = col[e + 2], j3 = col[e + 3];
            const bvec d0 = y0v - (bvec){y[2 * j0], y[2 * j1], y[2 * j2], y[2 * j3]};
            const bvec d1 = y1v - (bvec){y[2 * j0 + 1], y[2 * j1 + 1], y[2 * j2 + 1], y[2 * j3 + 1]};
            bvec v;
            memcpy(&v, val + e, sizeof v);
            const bvec f = v / (one + (d0 * d0 + d1 * d1));
            const bvec f0 = f * d0, f1 = f * d1;
            a0v += f0;
            a1v += f1;
            acc[2 * j0] -= f0[0];
            acc[2 * j0 + 1] -= f1[0];
            acc[2 * j1] -= f0[1];
            acc[2 * j1 + 1] -= f1[1];
            acc[2 * j2] -= f0[2];
            acc[2 * j2 + 1] -= f1[2];
            acc[2 * j3] -= f0[3];
            acc[2 * j3 + 1] -= f1[3];
        }
        a0 = ((a0v[0] + a0v[1]) + a0v[2]) + a0v[3];
        a1 = ((a1v[0] + a1v[1]) + a1v[2]) + a1v[3];
#endif
        for (; e < e1; e++) {
            const size_t j = col[e];
            const double d0 = y0 - y[2 * j], d1 = y1 - y[2 * j + 1];
            const double f = val[e] / (1.0 + (d0 * d0 + d1 * d1));
            a0 += f * d0;
            a1 += f * d1;
            acc[2 * j] -= f * d0;
            acc[2 * j + 1] -= f * d1;
        }
        acc[2 * i] += a0;
        acc[2 * i + 1] += a1;
    }
}

static void attr_body(void *vctx, size_t begin, size_t end, int worker)
{
    attr_ctx *c = vctx;
    const size_t D = c->dims;
    double *acc = c->acc + (size_t)worker * c->n * D;
    memset(acc, 0, c->n * D * sizeof *acc);
    const size_t *row = c->up->row;
    const uint32_t *col = c->up->col;
    const double *val = c->up->val;
    if (D == 2) {
        attr_rows2(c->y, row, col, val, begin, end, acc);
        return;
    }
    for (size_t i = begin; i < end; i++) {
        const double *yi = c->y + i * D;
        double ai[MAX_DIMS] = {0, 0, 0};
        for (size_t e = row[i]; e < row[i + 1]; e++) {
            const size_t j = col[e];
            const double *yj = c->y + j * D;
            double diff[MAX_DIMS], d2 = 0;
            for (size_t l = 0; l < D; l++) {
                diff[l] = yi[l] - yj[l];
                d2 += diff[l] * diff[l];
            }
            double f = val[e] / (1.0 + d2);
            for (size_t l = 0; l < D; l++) {
                ai[l] += f * diff[l];
                acc[j * D + l] -= f * diff[l];
            }
        }
        for (size_t l = 0; l < D; l++)
            acc[i * D + l] += ai[l];
    }
}

typedef struct assemble_ctx {
    const double *acc, *rep;
    const uint32_t *lab;
    size_t n, dims;
    int T;
    double exag, inv_z;
    double *grad;
} assemble_ctx;

static void assemble_body(void *vctx, size_t begin, size_t end, int worker)
{
    (void)worker;
    assemble_ctx *c = vctx;
    const size_t D = c->dims, nd = c->n * D;
    for (size_t i = begin; i < end; i++) {
        const size_t at = (size_t)c->lab[i] * D;
        for (size_t l = 0; l < D; l++) {
            double a = 0;
            for (int t = 0; t < c->T; t++)
                a += c->acc[(size_t)t * nd + at + l];
            c->grad[i * D + l] = c->exag * a - c->rep[i * D + l] * c->inv_z;
        }
    }
}

/* Breadth-first order over the graph of p (each component from its lowest
 * row, neighbours in column order): ord[new] = row, lab[row] = new. */
static void attr_order(const genre__csr *p, uint32_t *ord, uint32_t *lab)
{
    const size_t n = p->n;
    for (size_t i = 0; i < n; i++)
        lab[i] = UINT32_MAX;
    size_t head = 0, tail = 0;
    for (size_t s = 0; s < n; s++) {
        if (lab[s] != UINT32_MAX)
            continue;
        lab[s] = (uint32_t)tail;
        ord[tail++] = (uint32_t)s;
        while (head < tail) {
            const size_t i = ord[head++];
            for (size_t e = p->row[i]; e < p->row[i + 1]; e++) {
                const uint32_t j = p->col[e];
                if (lab[j] == UINT32_MAX) {
                    lab[j] = (uint32_t)tail;
                    ord[tail++] = j;
                }
            }
        }
    }
}

/* Builds w->up (relabelled) from p (once per p) and sizes the accumulators
 * for T. */
static genre_status attr_prepare(genre__tsne_work *w, const genre__csr *p, int T)
{
    const size_t n = p->n;
    if (w->up_of != p) {
        genre__csr_free(&w->up);
        w->up_of = NULL;
        if (!w->ord) {
            w->ord = genre__alloc_array(n, sizeof(uint32_t));
            w->lab = w->ord ? genre__alloc_array(n, sizeof(uint32_t)) : NULL;
            w->yp = w->lab ? genre__alloc_array(n * w->dims, sizeof(double)) : NULL;
            if (!w->yp)
                return GENRE_E_NOMEM;
        }
        attr_order(p, w->ord, w->lab);
        size_t cnt = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t e = p->row[i]; e < p->row[i + 1]; e++)
                cnt += w->lab[p->col[e]] > w->lab[i];
        w->up.row = genre__alloc_array(n + 1, sizeof(size_t));
        w->up.col = w->up.row ? genre__alloc_array(cnt, sizeof(uint32_t)) : NULL;
        w->up.val = w->up.col ? genre__alloc_array(cnt, sizeof(double)) : NULL;
        if (!w->up.val) {
            genre__csr_free(&w->up);
            return GENRE_E_NOMEM;
        }
        w->up.n = n;
        size_t o = 0;
        for (size_t a = 0; a < n; a++) {
            const size_t i = w->ord[a], o0 = o;
            w->up.row[a] = o;
            for (size_t e = p->row[i]; e < p->row[i + 1]; e++) {
                const uint32_t b = w->lab[p->col[e]];
                if (b <= a)
                    continue;
                /* insertion: the row's columns ascending */
                size_t at = o++;
                while (at > o0 && w->up.col[at - 1] > b) {
                    w->up.col[at] = w->up.col[at - 1];
                    w->up.val[at] = w->up.val[at - 1];
                    at--;
                }
                w->up.col[at] = b;
                w->up.val[at] = p->val[e];
            }
        }
        w->up.row[n] = o;
        w->up_of = p;
    }
    if (w->acc_threads < T) {
        genre__free(w->acc);
        w->acc_threads = 0;
        w->acc = genre__alloc_array((size_t)T * n * w->dims, sizeof(double));
        if (!w->acc)
            return GENRE_E_NOMEM;
        w->acc_threads = T;
    }
    return GENRE_OK;
}

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
        double acc[MAX_DIMS] = {0, 0, 0}, z = 0;
        for (size_t j = 0; j < c->n; j++) {
            if (j == i)
                continue;
            const double *yj = c->y + j * D;
            double diff[MAX_DIMS], d2 = 0;
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
    double soa[MAX_DIMS][Z_COLS] Z_ALIGNED;
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
            zvec yi[MAX_DIMS];
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

/* ---- Barnes-Hut ------------------------------------------------------------------ */

/*
 * Quadtree / octree with buckets and group traversal (the GADGET / Bonsai
 * scheme). Cells stop splitting at BH_LEAF points. The points, in tree order
 * (a space-filling order), are cut into groups of BH_GROUP consecutive
 * points; one tree walk per group builds one interaction list for all its
 * points, with a criterion that holds for each of them: a cell is
 * summarised when width^2 < theta^2 d^2, d being the distance from the
 * cell's centre of mass to the group's bounding box (d <= |y_i - com| for
 * every point i of the group, so each point's accuracy is at least that of
 * the per-point criterion at the same theta). For theta^2 dims >= 1 a cell
 * must also lie outside the box (for smaller theta no cell meeting the box
 * can pass the test): a summarised cell never holds a point of the group.
 * Opened leaves add their points (mass 1, contiguous in tree order), the
 * group's own points included: a point against itself adds exactly 1 to its
 * normaliser and 0 to its force, and the 1 is taken off afterwards.
 * theta = 0 summarises nothing, so every pair is summed directly (exact).
 * The list (structure of arrays) is evaluated for BH_BLOCK points at a time,
 * vectorised over the points. Workers claim groups from a shared counter;
 * a point's sums run over its group's list in walk order whatever the
 * thread count or schedule, so the result has the same bits for every
 * thread count.
 */
#define BH_LEAF 8
#define BH_GROUP 32
#define BH_BLOCK 8
#define BH_LIST 2048 /* entries per list buffer (flushed when full) */
#define BH_MAX_DEPTH 48
#define BH_CHUNK 256 /* cells tested between list-capacity checks */
/* per worker: the point list (4 x BH_LIST doubles), the cell list (4 x
 * BH_LIST floats) */
#define BH_WORKER_DOUBLES (4 * BH_LIST + 2 * BH_LIST)

#define BH_CLONES GENRE_GCC_CLONES("avx", "default")

static genre_status bh_new_nodes(genre__tsne_work *w, size_t count, size_t *first)
{
    if (w->n_nodes + count > w->cap_nodes) {
        size_t cap = w->cap_nodes ? w->cap_nodes : 64;
        while (cap < w->n_nodes + count)
            cap *= 2;
        if (genre__realloc_array(&w->nodes, cap, sizeof(bh_node)) != 0)
            return GENRE_E_NOMEM;
        if (genre__realloc_array(&w->boxes, cap, sizeof(bh_box)) != 0)
            return GENRE_E_NOMEM; /* (nodes keeps its larger block: no leak) */
        w->cap_nodes = cap;
    }
    *first = w->n_nodes;
    w->n_nodes += count;
    return GENRE_OK;
}

/* Splits node `ni` (points perm[lo, hi)) recursively; centres of mass
 * bottom-up (leaves from their points in tree order, other cells from their
 * children in order). */
static genre_status bh_build(genre__tsne_work *w, const double *y, size_t ni, int depth)
{
    /* (the bound tells GCC's -Warray-bounds that D <= MAX_DIMS) */
    const size_t D = w->dims < MAX_DIMS ? w->dims : MAX_DIMS, nch = (size_t)1 << D;
    bh_node *nd = &w->nodes[ni];
    const bh_box box = w->boxes[ni];
    const uint32_t lo = nd->lo, hi = nd->hi;
    nd->count = (double)(hi - lo);
    double longest = 0;
    for (size_t l = 0; l < D; l++)
        longest = box.half[l] > longest ? box.half[l] : longest;
    nd->w2 = 4.0 * longest * longest;
    nd->child = -1;
    nd->n_child = 0;
    if (hi - lo <= BH_LEAF || depth >= BH_MAX_DEPTH) {
        double com[MAX_DIMS] = {0, 0, 0};
        for (uint32_t a = lo; a < hi; a++)
            for (size_t l = 0; l < D; l++)
                com[l] += y[(size_t)w->perm[a] * D + l];
        for (size_t l = 0; l < D; l++)
            nd->com[l] = hi > lo ? com[l] / nd->count : box.center[l];
        return GENRE_OK;
    }
    /* counting sort of the points into the 2^D orthants */
    size_t cnt[8] = {0};
    for (uint32_t a = lo; a < hi; a++) {
        const double *pt = y + (size_t)w->perm[a] * D;
        unsigned code = 0;
        for (size_t l = 0; l < D; l++)
            code |= (pt[l] >= box.center[l] ? 1u : 0u) << l;
        cnt[code]++;
    }
    size_t start[8], pos[8];
    start[0] = lo;
    for (size_t c = 1; c < nch; c++)
        start[c] = start[c - 1] + cnt[c - 1];
    memcpy(pos, start, sizeof pos);
    for (uint32_t a = lo; a < hi; a++) {
        const double *pt = y + (size_t)w->perm[a] * D;
        unsigned code = 0;
        for (size_t l = 0; l < D; l++)
            code |= (pt[l] >= box.center[l] ? 1u : 0u) << l;
        w->perm2[pos[code]++] = w->perm[a];
    }
    memcpy(w->perm + lo, w->perm2 + lo, (hi - lo) * sizeof(uint32_t));
    /* only the non-empty orthants become children: the traversal never
     * visits an empty cell */
    size_t n_child = 0;
    for (size_t c = 0; c < nch; c++)
        n_child += cnt[c] > 0;
    size_t first;
    genre_status st = bh_new_nodes(w, n_child, &first);
    if (st != GENRE_OK)
        return st;
    nd = &w->nodes[ni]; /* may have moved */
    nd->child = (int32_t)first;
    nd->n_child = (uint32_t)n_child;
    for (size_t c = 0, o = 0; c < nch; c++) {
        if (cnt[c] == 0)
            continue;
        bh_node *ch = &w->nodes[first + o];
        bh_box *cb = &w->boxes[first + o++];
        for (size_t l = 0; l < D; l++) {
            cb->half[l] = 0.5 * box.half[l];
            cb->center[l] = box.center[l] + ((c >> l) & 1u ? cb->half[l] : -cb->half[l]);
        }
        ch->lo = (uint32_t)start[c];
        ch->hi = (uint32_t)(start[c] + cnt[c]);
    }
    double com[MAX_DIMS] = {0, 0, 0};
    for (size_t o = 0; o < n_child; o++) {
        if ((st = bh_build(w, y, first + o, depth + 1)) != GENRE_OK)
            return st;
        const bh_node *ch = &w->nodes[first + o];
        for (size_t l = 0; l < D; l++)
            com[l] += ch->count * ch->com[l];
    }
    nd = &w->nodes[ni];
    for (size_t l = 0; l < D; l++)
        nd->com[l] = com[l] / nd->count;
    return GENRE_OK;
}

/* acc (4 x BH_BLOCK: force x, y, z, normaliser) += the interactions of the
 * BH_BLOCK points (px, py, pz) with the L list entries (lx, ly, lz, mass
 * lm). 3-D and 2-D versions, vectorised over the block's points: with GCC's
 * vector extensions (two vectors of 4 doubles; no FMA contraction, so every
 * clone gives the same bits), else plain loops. */
#if defined(__GNUC__)
typedef double bh_v4 __attribute__((vector_size(32)));
#  define BH_LOAD(v, p) memcpy(&(v), (p), sizeof(bh_v4))
#  define BH_STORE(p, v) memcpy((p), &(v), sizeof(bh_v4))

BH_CLONES
static void bh_eval3(const double *restrict lx, const double *restrict ly,
                     const double *restrict lz, const double *restrict lm, size_t L,
                     const double *restrict px, const double *restrict py,
                     const double *restrict pz, double *restrict acc)
{
    bh_v4 x0, x1, y0, y1, z0, z1, ax0, ax1, ay0, ay1, az0, az1, s0, s1;
    BH_LOAD(x0, px), BH_LOAD(x1, px + 4), BH_LOAD(y0, py), BH_LOAD(y1, py + 4);
    BH_LOAD(z0, pz), BH_LOAD(z1, pz + 4);
    BH_LOAD(ax0, acc), BH_LOAD(ax1, acc + 4), BH_LOAD(ay0, acc + 8), BH_LOAD(ay1, acc + 12);
    BH_LOAD(az0, acc + 16), BH_LOAD(az1, acc + 20), BH_LOAD(s0, acc + 24);
    BH_LOAD(s1, acc + 28);
    for (size_t k = 0; k < L; k++) {
        const bh_v4 cx = {lx[k], lx[k], lx[k], lx[k]}, cy = {ly[k], ly[k], ly[k], ly[k]},
                    cz = {lz[k], lz[k], lz[k], lz[k]}, m = {lm[k], lm[k], lm[k], lm[k]};
        const bh_v4 dx0 = x0 - cx, dy0 = y0 - cy, dz0 = z0 - cz;
        const bh_v4 dx1 = x1 - cx, dy1 = y1 - cy, dz1 = z1 - cz;
        const bh_v4 w0 = 1.0 / (1.0 + (dx0 * dx0 + dy0 * dy0 + dz0 * dz0));
        const bh_v4 w1 = 1.0 / (1.0 + (dx1 * dx1 + dy1 * dy1 + dz1 * dz1));
        const bh_v4 mw0 = m * w0, mw1 = m * w1;
        const bh_v4 f0 = mw0 * w0, f1 = mw1 * w1;
        s0 += mw0, s1 += mw1;
        ax0 += f0 * dx0, ay0 += f0 * dy0, az0 += f0 * dz0;
        ax1 += f1 * dx1, ay1 += f1 * dy1, az1 += f1 * dz1;
    }
    BH_STORE(acc, ax0), BH_STORE(acc + 4, ax1), BH_STORE(acc + 8, ay0);
    BH_STORE(acc + 12, ay1), BH_STORE(acc + 16, az0), BH_STORE(acc + 20, az1);
    BH_STORE(acc + 24, s0), BH_STORE(acc + 28, s1);
}

BH_CLONES
static void bh_eval2(const double *restrict lx, const double *restrict ly,
                     const double *restrict lm, size_t L, const double *restrict px,
                     const double *restrict py, double *restrict acc)
{
    bh_v4 x0, x1, y0, y1, ax0, ax1, ay0, ay1, s0, s1;
    BH_LOAD(x0, px), BH_LOAD(x1, px + 4), BH_LOAD(y0, py), BH_LOAD(y1, py + 4);
    BH_LOAD(ax0, acc), BH_LOAD(ax1, acc + 4), BH_LOAD(ay0, acc + 8), BH_LOAD(ay1, acc + 12);
    BH_LOAD(s0, acc + 24), BH_LOAD(s1, acc + 28);
    for (size_t k = 0; k < L; k++) {
        const bh_v4 cx = {lx[k], lx[k], lx[k], lx[k]}, cy = {ly[k], ly[k], ly[k], ly[k]},
                    m = {lm[k], lm[k], lm[k], lm[k]};
        const bh_v4 dx0 = x0 - cx, dy0 = y0 - cy, dx1 = x1 - cx, dy1 = y1 - cy;
        const bh_v4 w0 = 1.0 / (1.0 + (dx0 * dx0 + dy0 * dy0));
        const bh_v4 w1 = 1.0 / (1.0 + (dx1 * dx1 + dy1 * dy1));
        const bh_v4 mw0 = m * w0, mw1 = m * w1;
        const bh_v4 f0 = mw0 * w0, f1 = mw1 * w1;
        s0 += mw0, s1 += mw1;
        ax0 += f0 * dx0, ay0 += f0 * dy0;
        ax1 += f1 * dx1, ay1 += f1 * dy1;
    }
    BH_STORE(acc, ax0), BH_STORE(acc + 4, ax1), BH_STORE(acc + 8, ay0);
    BH_STORE(acc + 12, ay1), BH_STORE(acc + 24, s0), BH_STORE(acc + 28, s1);
}

/* The same for summarised cells in single precision, 8 points per vector,
 * coordinates relative to the group's centre (a cell's approximation error,
 * ~1e-3, dwarfs float rounding; theta = 0 never gets here). */
typedef float bh_v8f __attribute__((vector_size(32)));

BH_CLONES
static void bh_evalf3(const float *restrict lx, const float *restrict ly,
                      const float *restrict lz, const float *restrict lm, size_t L,
                      const float *restrict px, const float *restrict py,
                      const float *restrict pz, float *restrict acc)
{
    bh_v8f x, y, z, ax, ay, az, s;
    BH_LOAD(x, px), BH_LOAD(y, py), BH_LOAD(z, pz);
    BH_LOAD(ax, acc), BH_LOAD(ay, acc + 8), BH_LOAD(az, acc + 16), BH_LOAD(s, acc + 24);
    for (size_t k = 0; k < L; k++) {
        const bh_v8f cx = {lx[k], lx[k], lx[k], lx[k], lx[k], lx[k], lx[k], lx[k]};
        const bh_v8f cy = {ly[k], ly[k], ly[k], ly[k], ly[k], ly[k], ly[k], ly[k]};
        const bh_v8f cz = {lz[k], lz[k], lz[k], lz[k], lz[k], lz[k], lz[k], lz[k]};
        const bh_v8f m = {lm[k], lm[k], lm[k], lm[k], lm[k], lm[k], lm[k], lm[k]};
        const bh_v8f dx = x - cx, dy = y - cy, dz = z - cz;
        const bh_v8f w1 = 1.0f / (1.0f + (dx * dx + dy * dy + dz * dz));
        const bh_v8f mw = m * w1, f = mw * w1;
        s += mw;
        ax += f * dx, ay += f * dy, az += f * dz;
    }
    BH_STORE(acc, ax), BH_STORE(acc + 8, ay), BH_STORE(acc + 16, az), BH_STORE(acc + 24, s);
}

BH_CLONES
static void bh_evalf2(const float *restrict lx, const float *restrict ly,
                      const float *restrict lm, size_t L, const float *restrict px,
                      const float *restrict py, float *restrict acc)
{
    bh_v8f x, y, ax, ay, s;
    BH_LOAD(x, px), BH_LOAD(y, py);
    BH_LOAD(ax, acc), BH_LOAD(ay, acc + 8), BH_LOAD(s, acc + 24);
    for (size_t k = 0; k < L; k++) {
        const bh_v8f cx = {lx[k], lx[k], lx[k], lx[k], lx[k], lx[k], lx[k], lx[k]};
        const bh_v8f cy = {ly[k], ly[k], ly[k], ly[k], ly[k], ly[k], ly[k], ly[k]};
        const bh_v8f m = {lm[k], lm[k], lm[k], lm[k], lm[k], lm[k], lm[k], lm[k]};
        const bh_v8f dx = x - cx, dy = y - cy;
        const bh_v8f w1 = 1.0f / (1.0f + (dx * dx + dy * dy));
        const bh_v8f mw = m * w1, f = mw * w1;
        s += mw;
        ax += f * dx, ay += f * dy;
    }
    BH_STORE(acc, ax), BH_STORE(acc + 8, ay), BH_STORE(acc + 24, s);
}
#else
static void bh_evalf3(const float *restrict lx, const float *restrict ly,
                      const float *restrict lz, const float *restrict lm, size_t L,
                      const float *restrict px, const float *restrict py,
                      const float *restrict pz, float *restrict acc)
{
    for (size_t k = 0; k < L; k++)
        for (int q = 0; q < 8; q++) {
            const float dx = px[q] - lx[k], dy = py[q] - ly[k], dz = pz[q] - lz[k];
            const float w1 = 1.0f / (1.0f + (dx * dx + dy * dy + dz * dz));
            const float mw = lm[k] * w1, f = mw * w1;
            acc[24 + q] += mw;
            acc[q] += f * dx, acc[8 + q] += f * dy, acc[16 + q] += f * dz;
        }
}

static void bh_evalf2(const float *restrict lx, const float *restrict ly,
                      const float *restrict lm, size_t L, const float *restrict px,
                      const float *restrict py, float *restrict acc)
{
    for (size_t k = 0; k < L; k++)
        for (int q = 0; q < 8; q++) {
            const float dx = px[q] - lx[k], dy = py[q] - ly[k];
            const float w1 = 1.0f / (1.0f + (dx * dx + dy * dy));
            const float mw = lm[k] * w1, f = mw * w1;
            acc[24 + q] += mw;
            acc[q] += f * dx, acc[8 + q] += f * dy;
        }
}

static void bh_eval3(const double *restrict lx, const double *restrict ly,
                     const double *restrict lz, const double *restrict lm, size_t L,
                     const double *restrict px, const double *restrict py,
                     const double *restrict pz, double *restrict acc)
{
    for (size_t k = 0; k < L; k++)
        for (int q = 0; q < BH_BLOCK; q++) {
            const double dx = px[q] - lx[k], dy = py[q] - ly[k], dz = pz[q] - lz[k];
            const double w1 = 1.0 / (1.0 + (dx * dx + dy * dy + dz * dz));
            const double mw = lm[k] * w1, f = mw * w1;
            acc[3 * BH_BLOCK + q] += mw;
            acc[q] += f * dx, acc[BH_BLOCK + q] += f * dy, acc[2 * BH_BLOCK + q] += f * dz;
        }
}

static void bh_eval2(const double *restrict lx, const double *restrict ly,
                     const double *restrict lm, size_t L, const double *restrict px,
                     const double *restrict py, double *restrict acc)
{
    for (size_t k = 0; k < L; k++)
        for (int q = 0; q < BH_BLOCK; q++) {
            const double dx = px[q] - lx[k], dy = py[q] - ly[k];
            const double w1 = 1.0 / (1.0 + (dx * dx + dy * dy));
            const double mw = lm[k] * w1, f = mw * w1;
            acc[3 * BH_BLOCK + q] += mw;
            acc[q] += f * dx, acc[BH_BLOCK + q] += f * dy;
        }
}
#endif

#define BH_BLOCKS (BH_GROUP / BH_BLOCK)

typedef struct bh_ctx {
    const genre__tsne_work *w;
    double theta2;
    int check_apart; /* theta^2 dims >= 1: a cell could be summarised for a group it overlaps */
    int single;      /* theta > 0: points summed directly go to the float list too */
    size_t group, n_groups;
    double *rep, *zrow;
    _Atomic size_t next; /* first group not yet claimed */
} bh_ctx;

/* Evaluates the group's np points (copied into blocks in pts) against the
 * list, adding to acc. */
static void bh_flush(const genre__tsne_work *w, const double *list, size_t L,
                     const double *pts, size_t np, double *acc)
{
    const double *lx = list, *ly = list + BH_LIST, *lz = list + 2 * BH_LIST,
                 *lm = list + 3 * BH_LIST;
    for (size_t b = 0; b * BH_BLOCK < np; b++) {
        const double *p = pts + b * MAX_DIMS * BH_BLOCK;
        double *a = acc + b * 4 * BH_BLOCK;
        if (w->dims == 3)
            bh_eval3(lx, ly, lz, lm, L, p, p + BH_BLOCK, p + 2 * BH_BLOCK, a);
        else
            bh_eval2(lx, ly, lm, L, p, p + BH_BLOCK, a);
    }
}

/* The same for the single-precision cell list (8-point blocks). */
static void bh_flushf(const genre__tsne_work *w, const float *list, size_t L,
                      const float *pts, size_t np, float *acc)
{
    const float *lx = list, *ly = list + BH_LIST, *lz = list + 2 * BH_LIST,
                *lm = list + 3 * BH_LIST;
    for (size_t b = 0; b * 8 < np; b++) {
        const float *p = pts + b * MAX_DIMS * 8;
        float *a = acc + b * 4 * 8;
        if (w->dims == 3)
            bh_evalf3(lx, ly, lz, lm, L, p, p + 8, p + 16, a);
        else
            bh_evalf2(lx, ly, lm, L, p, p + 8, a);
    }
}

#if defined(__GNUC__)
#  define BH_INLINE static inline __attribute__((always_inline))
#else
#  define BH_INLINE static inline
#endif

/* One group: the points at tree positions [lo, lo + np); D is a constant
 * in each of the two callers below. */
BH_INLINE void bh_group(bh_ctx *c, size_t lo, size_t np, double *list, int32_t *front,
                        const size_t D)
{
    const genre__tsne_work *w = c->w;
    const size_t n = w->n;
    const double *pt = w->pt; /* tree order, dimension l at pt + l * n */
    double *lx = list, *ly = list + BH_LIST, *lz = list + 2 * BH_LIST, *lm = list + 3 * BH_LIST;
    double pts[BH_BLOCKS * MAX_DIMS * BH_BLOCK];
    double acc[BH_BLOCKS * 4 * BH_BLOCK];
    /* the points in blocks (the last padded with the last point), their
     * bounding box */
    double bmin[MAX_DIMS] = {0, 0, 0}, bmax[MAX_DIMS] = {0, 0, 0};
    const size_t padded = (np + BH_BLOCK - 1) / BH_BLOCK * BH_BLOCK;
    for (size_t l = 0; l < D; l++) {
        bmin[l] = bmax[l] = pt[l * n + lo];
        for (size_t q = 0; q < padded; q++) {
            const double v = pt[l * n + lo + (q < np ? q : np - 1)];
            pts[(q / BH_BLOCK) * MAX_DIMS * BH_BLOCK + l * BH_BLOCK + q % BH_BLOCK] = v;
            bmin[l] = v < bmin[l] ? v : bmin[l];
            bmax[l] = v > bmax[l] ? v : bmax[l];
        }
    }
    memset(acc, 0, padded * 4 * sizeof *acc);
    /* single precision copies relative to the box centre, for the cells */
    float *fx = (float *)(void *)(list + 4 * BH_LIST), *fy = fx + BH_LIST, *fz = fx + 2 * BH_LIST,
          *fm = fx + 3 * BH_LIST;
    float ptsf[BH_GROUP / 8 * MAX_DIMS * 8], accf[BH_GROUP / 8 * 4 * 8];
    double orig[MAX_DIMS] = {0, 0, 0};
    const size_t paddedf = (np + 7) / 8 * 8;
    for (size_t l = 0; l < D; l++) {
        orig[l] = 0.5 * (bmin[l] + bmax[l]);
        for (size_t q = 0; q < paddedf; q++)
            ptsf[(q / 8) * MAX_DIMS * 8 + l * 8 + q % 8] =
                (float)(pt[l * n + lo + (q < np ? q : np - 1)] - orig[l]);
    }
    memset(accf, 0, paddedf * 4 * sizeof *accf);
    size_t Lf = 0;
    /* Breadth first: each level's cells are tested in chunks with
     * branch-free bookkeeping (every cell is written to the list and the
     * count advances only if it is accepted), then the chunk's opened leaves
     * add their points and its other opened cells their children to the
     * next level. */
    size_t L = 0, n_cur = 1;
    int32_t *cur = front, *next = front + w->n_nodes;
    cur[0] = 0;
    while (n_cur > 0) {
        size_t n_next = 0;
        for (size_t k0 = 0; k0 < n_cur; k0 += BH_CHUNK) {
            const size_t k1 = n_cur - k0 < BH_CHUNK ? n_cur : k0 + BH_CHUNK;
            int32_t leaves[BH_CHUNK], opened[BH_CHUNK];
            size_t n_leaves = 0, n_opened = 0;
            if (Lf + (k1 - k0) > BH_LIST) {
                bh_flushf(w, fx, Lf, ptsf, np, accf);
                Lf = 0;
            }
            for (size_t k = k0; k < k1; k++) {
                const int32_t ni = cur[k];
                const bh_node *nd = &w->nodes[ni];
                double d2 = 0;
                for (size_t l = 0; l < D; l++) {
                    /* distance along l from the centre of mass to the box:
                     * max(0, bmin - com, com - bmax), branch-free (not fmax:
                     * a libm call; a conditional became a jump); the
                     * positive part (e + |e|) / 2 is exact */
                    const double below = bmin[l] - nd->com[l], above = nd->com[l] - bmax[l];
                    double e = below > above ? below : above;
                    e = 0.5 * (e + fabs(e));
                    d2 += e * e;
                }
                int take = nd->w2 < c->theta2 * d2;
                if (c->check_apart) {
                    const bh_box *bx = &w->boxes[ni];
                    int apart = 0;
                    for (size_t l = 0; l < D; l++)
                        apart |= (bx->center[l] + bx->half[l] < bmin[l]) |
                                 (bx->center[l] - bx->half[l] > bmax[l]);
                    take &= apart;
                }
                const int leaf = nd->child < 0, keep = !take;
                fx[Lf] = (float)(nd->com[0] - orig[0]);
                fy[Lf] = (float)(nd->com[1] - orig[1]);
                if (D == 3)
                    fz[Lf] = (float)(nd->com[2] - orig[2]);
                fm[Lf] = (float)nd->count;
                Lf += (size_t)take;
                leaves[n_leaves] = ni;
                n_leaves += (size_t)(keep & leaf);
                opened[n_opened] = ni;
                n_opened += (size_t)(keep & (leaf ^ 1));
            }
            for (size_t e = 0; e < n_leaves && c->single; e++) {
                /* the leaf's points, contiguous in tree order */
                const bh_node *nd = &w->nodes[leaves[e]];
                for (size_t a = nd->lo; a < nd->hi;) {
                    if (Lf == BH_LIST) {
                        bh_flushf(w, fx, Lf, ptsf, np, accf);
                        Lf = 0;
                    }
                    const size_t m = nd->hi - a < BH_LIST - Lf ? nd->hi - a : BH_LIST - Lf;
                    for (size_t q = 0; q < m; q++) {
                        fx[Lf + q] = (float)(pt[a + q] - orig[0]);
                        fy[Lf + q] = (float)(pt[n + a + q] - orig[1]);
                        if (D == 3)
                            fz[Lf + q] = (float)(pt[2 * n + a + q] - orig[2]);
                        fm[Lf + q] = 1.0f;
                    }
                    Lf += m;
                    a += m;
                }
            }
            for (size_t e = 0; e < n_leaves && !c->single; e++) {
                const bh_node *nd = &w->nodes[leaves[e]];
                for (size_t a = nd->lo; a < nd->hi;) {
                    if (L == BH_LIST) {
                        bh_flush(w, list, L, pts, np, acc);
                        L = 0;
                    }
                    const size_t m = nd->hi - a < BH_LIST - L ? nd->hi - a : BH_LIST - L;
                    for (size_t q = 0; q < m; q++) {
                        lx[L + q] = pt[a + q];
                        ly[L + q] = pt[n + a + q];
                        if (D == 3)
                            lz[L + q] = pt[2 * n + a + q];
                        lm[L + q] = 1.0;
                    }
                    L += m;
                    a += m;
                }
            }
            for (size_t e = 0; e < n_opened; e++) {
                const bh_node *nd = &w->nodes[opened[e]];
                for (uint32_t ch = 0; ch < nd->n_child; ch++)
                    next[n_next++] = nd->child + (int32_t)ch;
            }
        }
        int32_t *t = cur;
        cur = next;
        next = t;
        n_cur = n_next;
    }
    bh_flush(w, list, L, pts, np, acc);
    bh_flushf(w, fx, Lf, ptsf, np, accf);
    for (size_t q = 0; q < np; q++) {
        const size_t i = w->perm[lo + q];
        const double *a = acc + (q / BH_BLOCK) * 4 * BH_BLOCK + q % BH_BLOCK;
        const float *af = accf + (q / 8) * 4 * 8 + q % 8;
        for (size_t l = 0; l < D; l++)
            c->rep[i * D + l] = a[l * BH_BLOCK] + (double)af[l * 8];
        /* the point against itself added 1 (to one of the two sums) */
        c->zrow[i] = (a[3 * BH_BLOCK] + (double)af[3 * 8]) - 1.0;
    }
}

#define BH_CLAIM 4 /* groups claimed at a time */

static void bh_body(void *vctx, size_t begin, size_t end, int worker)
{
    (void)begin, (void)end;
    bh_ctx *c = vctx;
    const size_t n = c->w->n;
    double *list = c->w->bh_list + (size_t)worker * BH_WORKER_DOUBLES;
    int32_t *front = c->w->bh_front + (size_t)worker * 2 * c->w->n_nodes;
    for (;;) {
        const size_t g0 = atomic_fetch_add(&c->next, BH_CLAIM);
        if (g0 >= c->n_groups)
            break;
        const size_t g1 = g0 + BH_CLAIM < c->n_groups ? g0 + BH_CLAIM : c->n_groups;
        for (size_t g = g0; g < g1; g++) {
            const size_t lo = g * c->group, np = n - lo < c->group ? n - lo : c->group;
            if (c->w->dims == 3)
                bh_group(c, lo, np, list, front, 3);
            else
                bh_group(c, lo, np, list, front, 2);
        }
    }
}

static genre_status bh_repulsion(genre__tsne_work *w, const double *y, double theta,
                                 int n_threads)
{
    const size_t n = w->n, D = w->dims;
    const int T = n_threads < 1 ? 1 : n_threads > GENRE__MAX_THREADS ? GENRE__MAX_THREADS
                                                                     : n_threads;
    if (!w->perm) {
        w->perm = genre__alloc_array(n, sizeof(uint32_t));
        w->perm2 = w->perm ? genre__alloc_array(n, sizeof(uint32_t)) : NULL;
        w->pt = w->perm2 ? genre__alloc_array(n * D, sizeof(double)) : NULL;
        if (!w->pt)
            return GENRE_E_NOMEM;
    }
    if (w->bh_list_threads < T) {
        genre__free(w->bh_list);
        w->bh_list_threads = 0;
        w->bh_list = genre__alloc_array((size_t)T * BH_WORKER_DOUBLES, sizeof(double));
        if (!w->bh_list)
            return GENRE_E_NOMEM;
        w->bh_list_threads = T;
    }
    double lo[MAX_DIMS], hi[MAX_DIMS];
    for (size_t l = 0; l < D; l++)
        lo[l] = hi[l] = y[l];
    for (size_t i = 0; i < n; i++) {
        w->perm[i] = (uint32_t)i;
        for (size_t l = 0; l < D; l++) {
            double v = y[i * D + l];
            lo[l] = v < lo[l] ? v : lo[l];
            hi[l] = v > hi[l] ? v : hi[l];
        }
    }
    w->n_nodes = 0;
    size_t root;
    genre_status st = bh_new_nodes(w, 1, &root);
    if (st != GENRE_OK)
        return st;
    bh_box *r = &w->boxes[root];
    for (size_t l = 0; l < D; l++) {
        r->center[l] = 0.5 * (lo[l] + hi[l]);
        r->half[l] = 0.5 * (hi[l] - lo[l]) * (1 + 1e-9) + 1e-12;
    }
    w->nodes[root].lo = 0;
    w->nodes[root].hi = (uint32_t)n;
    if ((st = bh_build(w, y, root, 0)) != GENRE_OK)
        return st;
    for (size_t a = 0; a < n; a++)
        for (size_t l = 0; l < D; l++)
            w->pt[l * n + a] = y[(size_t)w->perm[a] * D + l];
    /* two levels of the breadth-first walk per worker (a level holds at
     * most every cell) */
    if (w->bh_front_cap < (size_t)T * 2 * w->n_nodes) {
        const size_t cap = (size_t)T * 2 * w->cap_nodes;
        genre__free(w->bh_front);
        w->bh_front_cap = 0;
        w->bh_front = genre__alloc_array(cap, sizeof(int32_t));
        if (!w->bh_front)
            return GENRE_E_NOMEM;
        w->bh_front_cap = cap;
    }
    bh_ctx c = {.w = w,
                .theta2 = theta * theta,
                .check_apart = theta * theta * (double)D >= 1.0,
                .single = theta > 0,
                .group = BH_GROUP,
                .rep = w->rep,
                .zrow = w->zrow};
    c.n_groups = (n + c.group - 1) / c.group;
    atomic_init(&c.next, 0);
    const int Tg = (size_t)T > c.n_groups ? (int)c.n_groups : T;
    genre__parallel_for(Tg, (size_t)Tg, bh_body, &c);
    return GENRE_OK;
}

/* ---- Gradient entry point ---------------------------------------------------------- */

genre_status genre__tsne_gradient(int method, double theta, const genre__csr *p,
                                  const double *y, size_t n, size_t dims, double exag,
                                  int n_threads, genre__tsne_work *w, double *grad,
                                  double *z_out)
{
    int T = n_threads < 1 ? 1 : n_threads;
    genre_status st = GENRE_OK;
    if (method == GENRE__TSNE_EXACT) {
        exact_ctx c = {y, n, dims, w->rep, w->zrow};
        genre__parallel_for(T, n, exact_body, &c);
    } else if (method == GENRE__TSNE_BH) {
        st = bh_repulsion(w, y, theta, T);
    } else {
        st = genre__tsne_fft_repulsion(&w->fft, y, n, T, w->rep, w->zrow);
    }
    if (st != GENRE_OK)
        return st;
    double z = 0;
    for (size_t i = 0; i < n; i++)
        z += w->zrow[i];
    if (!(z > 0) || !isfinite(z))
        return GENRE_FAIL(GENRE_E_NUMERIC,
                          "the t-SNE normaliser Z = %g is not finite and positive: the "
                          "optimisation diverged",
                          z);
    if ((st = attr_prepare(w, p, T)) != GENRE_OK)
        return st;
    for (size_t a = 0; a < n; a++)
        memcpy(w->yp + a * dims, y + (size_t)w->ord[a] * dims, dims * sizeof *y);
    attr_ctx a = {&w->up, w->yp, n, dims, w->acc};
    int Ta = T > (int)n ? (int)n : T;
    genre__parallel_for(Ta, n, attr_body, &a);
    assemble_ctx s = {w->acc, w->rep, w->lab, n, dims, Ta, exag, 1.0 / z, grad};
    genre__parallel_for(T, n, assemble_body, &s);
    *z_out = z;
    return GENRE_OK;
}
