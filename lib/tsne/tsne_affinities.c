/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * t-SNE input affinities: each row's k nearest neighbours (vantage-point
 * tree at low dimension, blocked brute force above it, every row when
 * dense), the perplexity calibration of the conditional affinities, and
 * their symmetrization into P. See tsne_private.h.
 *
 * Determinism: every parallel loop writes per-row results (or per-worker
 * partials combined in worker order), so a given thread count always gives
 * the same bits.
 */
#include "tsne_private.h"

#include "alloc.h"
#include "multiversion.h"
#include "parallel.h"
#include "rng.h"

#include <math.h>
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

#define VP_SLACK 1e-12

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
        /* the triangle inequality on rounded distances: a relative slack
         * of 1e-12 (far above their few-ulp errors) keeps the search exact,
         * so a row's k nearest are the first k of its k' > k nearest */
        if (d < nd->threshold)
            go_second = (d + tau) * (1 + VP_SLACK) >= nd->threshold;
        else
            go_second = d * (1 - VP_SLACK) <= nd->threshold + tau;
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

typedef struct knn_ctx {
    const double *x;
    size_t n, d, stride, k;
    int mode;
    const vp_tree *tree;
    double *scratch;     /* per worker: k dists */
    uint32_t *iscratch;  /* per worker: k idx */
    genre__csr *out;     /* rows of k: neighbours and squared distances */
} knn_ctx;

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

/* The VP-tree search and the dense listing, row by row (the brute force
 * fills its rows in knn_brute). */
static void knn_body(void *vctx, size_t begin, size_t end, int worker)
{
    knn_ctx *c = vctx;
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
                val[j] = hd[j] * hd[j];
            }
        } else {
            size_t m = 0;
            const double *xi = c->x + i * c->stride;
            for (size_t j = 0; j < c->n; j++) {
                if (j == i)
                    continue;
                val[m] = sq_dist(xi, c->x + j * c->stride, c->d);
                col[m++] = (uint32_t)j;
            }
        }
    }
}

typedef struct cal_ctx {
    const genre__csr *g;
    size_t kg, k;
    double log_perp;
    double *scratch; /* per worker: k squared distances */
    genre__csr *out;
    double *beta;
} cal_ctx;

static void cal_body(void *vctx, size_t begin, size_t end, int worker)
{
    cal_ctx *c = vctx;
    double *hd = c->scratch + (size_t)worker * c->k;
    for (size_t i = begin; i < end; i++) {
        /* through scratch: out may be g itself */
        memcpy(hd, c->g->val + i * c->kg, c->k * sizeof *hd);
        calibrate_row(hd, c->k, c->log_perp, c->out->val + i * c->k,
                      c->beta ? c->beta + i : NULL);
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

genre_status genre__tsne_knn(const double *x, size_t n, size_t d, size_t stride, size_t k,
                             int n_threads, uint64_t seed, genre__csr *out)
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
    double *scratch = NULL;
    uint32_t *iscratch = NULL;
    if (out->val && mode == NB_VPTREE) {
        scratch = genre__alloc_array((size_t)T * k, sizeof(double));
        iscratch = scratch ? genre__alloc_array((size_t)T * k, sizeof(uint32_t)) : NULL;
        tree.items = iscratch ? genre__alloc_array(n, sizeof(uint32_t)) : NULL;
        tree.nodes = tree.items ? genre__alloc_array(n, sizeof(vp_node)) : NULL;
        tree.dist = tree.nodes ? genre__alloc_array(n, sizeof(double)) : NULL;
    }
    genre_status st = GENRE_OK;
    if (!out->val || (mode == NB_VPTREE && !tree.dist)) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    for (size_t i = 0; i <= n; i++)
        out->row[i] = i * k;
    if (mode == NB_BRUTE) {
        st = knn_brute(x, n, d, stride, k, T, out);
        goto done;
    }
    if (mode == NB_VPTREE) {
        genre__rng rng;
        genre__rng_init(&rng, seed, 1);
        for (size_t i = 0; i < n; i++)
            tree.items[i] = (uint32_t)i;
        vp_build(&tree, &rng, 0, n);
    }
    knn_ctx ctx = {x, n, d, stride, k, mode, &tree, scratch, iscratch, out};
    genre__parallel_for(T, n, knn_body, &ctx);
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

genre_status genre__tsne_calibrate(const genre__csr *g, size_t kg, size_t k,
                                   double perplexity, int n_threads, genre__csr *out,
                                   double *beta_out)
{
    const size_t n = g->n;
    int T = n_threads < 1 ? 1 : n_threads;
    if ((size_t)T > n)
        T = (int)n;
    double *scratch = genre__alloc_array((size_t)T * k, sizeof(double));
    if (!scratch)
        return GENRE_E_NOMEM;
    if (out != g) {
        memset(out, 0, sizeof *out);
        out->n = n;
        out->row = genre__alloc_array(n + 1, sizeof(size_t));
        out->col = out->row ? genre__alloc_array(n * k, sizeof(uint32_t)) : NULL;
        out->val = out->col ? genre__alloc_array(n * k, sizeof(double)) : NULL;
        if (!out->val) {
            genre__csr_free(out);
            genre__free(scratch);
            return GENRE_E_NOMEM;
        }
        for (size_t i = 0; i <= n; i++)
            out->row[i] = i * k;
        for (size_t i = 0; i < n; i++)
            memcpy(out->col + i * k, g->col + i * kg, k * sizeof *out->col);
    }
    cal_ctx ctx = {g, kg, k, log(perplexity), scratch, out, beta_out};
    genre__parallel_for(T, n, cal_body, &ctx);
    genre__free(scratch);
    return GENRE_OK;
}

genre_status genre__tsne_conditional(const double *x, size_t n, size_t d, size_t stride,
                                     double perplexity, size_t k, int n_threads,
                                     uint64_t seed, genre__csr *out, double *beta_out)
{
    genre_status st = genre__tsne_knn(x, n, d, stride, k, n_threads, seed, out);
    if (st == GENRE_OK &&
        (st = genre__tsne_calibrate(out, k, k, perplexity, n_threads, out, beta_out)) != GENRE_OK)
        genre__csr_free(out);
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
