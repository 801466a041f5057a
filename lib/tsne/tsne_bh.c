/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Barnes-Hut t-SNE repulsion (2-D or 3-D): the tree and its group
 * traversal. See tsne_private.h.
 *
 * Determinism: every parallel loop writes per-row results (or per-worker
 * partials combined in worker order), so a given thread count always gives
 * the same bits.
 */
#include "tsne_private.h"

#include "alloc.h"
#include "multiversion.h"
#include "parallel.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

/* A cell as the traversal reads it (56 bytes); its box is in bh_box. */
typedef struct bh_node {
    double com[GENRE__TSNE_MAX_DIMS];
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
    double center[GENRE__TSNE_MAX_DIMS], half[GENRE__TSNE_MAX_DIMS];
} bh_box;

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
#define BH_GROUP 64
#define BH_BLOCK 8
#define BH_FBLOCK 16 /* points per block of the single-precision cell list */
#define BH_LIST 2048 /* entries per list buffer (flushed when full) */
#define BH_MAX_DEPTH 48
#define BH_CHUNK 256 /* cells tested between list-capacity checks */
/* per worker: the point list (4 x BH_LIST doubles), the cell list (4 x
 * BH_LIST floats) */
#define BH_WORKER_DOUBLES (4 * BH_LIST + 2 * BH_LIST)

#define BH_CLONES GENRE_GCC_CLONES("avx512f", "avx", "default")

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
    /* (the bound tells GCC's -Warray-bounds that D <= GENRE__TSNE_MAX_DIMS) */
    const size_t D = w->dims < GENRE__TSNE_MAX_DIMS ? w->dims : GENRE__TSNE_MAX_DIMS, nch = (size_t)1 << D;
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
        double com[GENRE__TSNE_MAX_DIMS] = {0, 0, 0};
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
    double com[GENRE__TSNE_MAX_DIMS] = {0, 0, 0};
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
#  define BH_LOAD(v, p) memcpy(&(v), (p), sizeof(v))
#  define BH_STORE(p, v) memcpy((p), &(v), sizeof(v))

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

/* The same for summarised cells in single precision, BH_FBLOCK = 16 points
 * per vector (one AVX-512 register, two AVX ones: the same operations lane
 * by lane in every clone), coordinates relative to the group's centre (a
 * cell's approximation error, ~1e-3, dwarfs float rounding; theta = 0 never
 * gets here). */
typedef float bh_v16f __attribute__((vector_size(64)));
#  define BH_SPLAT(v) {v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v}

BH_CLONES
static void bh_evalf3(const float *restrict lx, const float *restrict ly,
                      const float *restrict lz, const float *restrict lm, size_t L,
                      const float *restrict px, const float *restrict py,
                      const float *restrict pz, float *restrict acc)
{
    bh_v16f x, y, z, ax, ay, az, s;
    BH_LOAD(x, px), BH_LOAD(y, py), BH_LOAD(z, pz);
    BH_LOAD(ax, acc), BH_LOAD(ay, acc + 16), BH_LOAD(az, acc + 32), BH_LOAD(s, acc + 48);
    for (size_t k = 0; k < L; k++) {
        const bh_v16f cx = BH_SPLAT(lx[k]);
        const bh_v16f cy = BH_SPLAT(ly[k]);
        const bh_v16f cz = BH_SPLAT(lz[k]);
        const bh_v16f m = BH_SPLAT(lm[k]);
        const bh_v16f dx = x - cx, dy = y - cy, dz = z - cz;
        const bh_v16f w1 = 1.0f / (1.0f + (dx * dx + dy * dy + dz * dz));
        const bh_v16f mw = m * w1, f = mw * w1;
        s += mw;
        ax += f * dx, ay += f * dy, az += f * dz;
    }
    BH_STORE(acc, ax), BH_STORE(acc + 16, ay), BH_STORE(acc + 32, az), BH_STORE(acc + 48, s);
}

BH_CLONES
static void bh_evalf2(const float *restrict lx, const float *restrict ly,
                      const float *restrict lm, size_t L, const float *restrict px,
                      const float *restrict py, float *restrict acc)
{
    bh_v16f x, y, ax, ay, s;
    BH_LOAD(x, px), BH_LOAD(y, py);
    BH_LOAD(ax, acc), BH_LOAD(ay, acc + 16), BH_LOAD(s, acc + 48);
    for (size_t k = 0; k < L; k++) {
        const bh_v16f cx = BH_SPLAT(lx[k]);
        const bh_v16f cy = BH_SPLAT(ly[k]);
        const bh_v16f m = BH_SPLAT(lm[k]);
        const bh_v16f dx = x - cx, dy = y - cy;
        const bh_v16f w1 = 1.0f / (1.0f + (dx * dx + dy * dy));
        const bh_v16f mw = m * w1, f = mw * w1;
        s += mw;
        ax += f * dx, ay += f * dy;
    }
    BH_STORE(acc, ax), BH_STORE(acc + 16, ay), BH_STORE(acc + 48, s);
}
#else
static void bh_evalf3(const float *restrict lx, const float *restrict ly,
                      const float *restrict lz, const float *restrict lm, size_t L,
                      const float *restrict px, const float *restrict py,
                      const float *restrict pz, float *restrict acc)
{
    for (size_t k = 0; k < L; k++)
        for (int q = 0; q < BH_FBLOCK; q++) {
            const float dx = px[q] - lx[k], dy = py[q] - ly[k], dz = pz[q] - lz[k];
            const float w1 = 1.0f / (1.0f + (dx * dx + dy * dy + dz * dz));
            const float mw = lm[k] * w1, f = mw * w1;
            acc[3 * BH_FBLOCK + q] += mw;
            acc[q] += f * dx, acc[BH_FBLOCK + q] += f * dy, acc[2 * BH_FBLOCK + q] += f * dz;
        }
}

static void bh_evalf2(const float *restrict lx, const float *restrict ly,
                      const float *restrict lm, size_t L, const float *restrict px,
                      const float *restrict py, float *restrict acc)
{
    for (size_t k = 0; k < L; k++)
        for (int q = 0; q < BH_FBLOCK; q++) {
            const float dx = px[q] - lx[k], dy = py[q] - ly[k];
            const float w1 = 1.0f / (1.0f + (dx * dx + dy * dy));
            const float mw = lm[k] * w1, f = mw * w1;
            acc[3 * BH_FBLOCK + q] += mw;
            acc[q] += f * dx, acc[BH_FBLOCK + q] += f * dy;
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
        const double *p = pts + b * GENRE__TSNE_MAX_DIMS * BH_BLOCK;
        double *a = acc + b * 4 * BH_BLOCK;
        if (w->dims == 3)
            bh_eval3(lx, ly, lz, lm, L, p, p + BH_BLOCK, p + 2 * BH_BLOCK, a);
        else
            bh_eval2(lx, ly, lm, L, p, p + BH_BLOCK, a);
    }
}

/* The same for the single-precision cell list (BH_FBLOCK-point blocks). */
static void bh_flushf(const genre__tsne_work *w, const float *list, size_t L,
                      const float *pts, size_t np, float *acc)
{
    const float *lx = list, *ly = list + BH_LIST, *lz = list + 2 * BH_LIST,
                *lm = list + 3 * BH_LIST;
    for (size_t b = 0; b * BH_FBLOCK < np; b++) {
        const float *p = pts + b * GENRE__TSNE_MAX_DIMS * BH_FBLOCK;
        float *a = acc + b * 4 * BH_FBLOCK;
        if (w->dims == 3)
            bh_evalf3(lx, ly, lz, lm, L, p, p + BH_FBLOCK, p + 2 * BH_FBLOCK, a);
        else
            bh_evalf2(lx, ly, lm, L, p, p + BH_FBLOCK, a);
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
    double pts[BH_BLOCKS * GENRE__TSNE_MAX_DIMS * BH_BLOCK];
    double acc[BH_BLOCKS * 4 * BH_BLOCK];
    /* the points in blocks (the last padded with the last point), their
     * bounding box */
    double bmin[GENRE__TSNE_MAX_DIMS] = {0, 0, 0}, bmax[GENRE__TSNE_MAX_DIMS] = {0, 0, 0};
    const size_t padded = (np + BH_BLOCK - 1) / BH_BLOCK * BH_BLOCK;
    for (size_t l = 0; l < D; l++) {
        bmin[l] = bmax[l] = pt[l * n + lo];
        for (size_t q = 0; q < padded; q++) {
            const double v = pt[l * n + lo + (q < np ? q : np - 1)];
            pts[(q / BH_BLOCK) * GENRE__TSNE_MAX_DIMS * BH_BLOCK + l * BH_BLOCK + q % BH_BLOCK] = v;
            bmin[l] = v < bmin[l] ? v : bmin[l];
            bmax[l] = v > bmax[l] ? v : bmax[l];
        }
    }
    memset(acc, 0, padded * 4 * sizeof *acc);
    /* single precision copies relative to the box centre, for the cells */
    float *fx = (float *)(void *)(list + 4 * BH_LIST), *fy = fx + BH_LIST, *fz = fx + 2 * BH_LIST,
          *fm = fx + 3 * BH_LIST;
    float ptsf[BH_GROUP / BH_FBLOCK * GENRE__TSNE_MAX_DIMS * BH_FBLOCK],
        accf[BH_GROUP / BH_FBLOCK * 4 * BH_FBLOCK];
    double orig[GENRE__TSNE_MAX_DIMS] = {0, 0, 0};
    const size_t paddedf = (np + BH_FBLOCK - 1) / BH_FBLOCK * BH_FBLOCK;
    for (size_t l = 0; l < D; l++) {
        orig[l] = 0.5 * (bmin[l] + bmax[l]);
        for (size_t q = 0; q < paddedf; q++)
            ptsf[(q / BH_FBLOCK) * GENRE__TSNE_MAX_DIMS * BH_FBLOCK + l * BH_FBLOCK +
                 q % BH_FBLOCK] =
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
        const float *af = accf + (q / BH_FBLOCK) * 4 * BH_FBLOCK + q % BH_FBLOCK;
        for (size_t l = 0; l < D; l++)
            c->rep[i * D + l] = a[l * BH_BLOCK] + (double)af[l * BH_FBLOCK];
        /* the point against itself added 1 (to one of the two sums) */
        c->zrow[i] = (a[3 * BH_BLOCK] + (double)af[3 * BH_FBLOCK]) - 1.0;
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

genre_status genre__tsne_bh_repulsion(genre__tsne_work *w, const double *y, double theta,
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
    double lo[GENRE__TSNE_MAX_DIMS], hi[GENRE__TSNE_MAX_DIMS];
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
