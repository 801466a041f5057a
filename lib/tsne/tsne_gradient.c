/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The t-SNE gradient: its scratch (genre__tsne_work), the attraction over
 * the sparse P, and the entry point that adds the repulsion of the chosen
 * method (tsne_exact.c, tsne_bh.c, tsne_fft.c) and assembles the gradient.
 * See tsne_private.h.
 *
 * Determinism: every parallel loop writes per-row results (or per-worker
 * partials combined in worker order), so a given thread count always gives
 * the same bits.
 */
#include "tsne_private.h"

#include "alloc.h"
#include "error_private.h"
#include "multiversion.h"
#include "parallel.h"
#include "tsne_vlog.h"

#include <float.h>
#include <math.h>
#include <string.h>

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
 * caller's row order; the gradient comes back in the caller's order.
 *
 * On report iterations the same pass also sums the KL divergence's pair
 * terms p log(p (1 + d^2)) and p (the d^2 already at hand; the log eight
 * lanes at a time, tsne_vlog.h). */
typedef struct attr_ctx {
    const genre__csr *up;
    const double *y; /* relabelled */
    size_t n, dims;
    double *acc; /* T x n x dims, relabelled */
    int with_kl;
    double kl[GENRE__MAX_THREADS], psum[GENRE__MAX_THREADS]; /* per worker */
} attr_ctx;

/* One KL pair term, libm's log: the rows' tails and the vector's lanes
 * outside its range. */
static inline void kl_term(double p, double den, double *kl, double *psum)
{
    if (p > 0) {
        *kl += p * log(p * den);
        *psum += p;
    }
}

#if defined(GENRE__TSNE_VLOG)
/* The KL pair terms of a worker's rows, eight at a time through the
 * vector log (the attraction's own vectors are four lanes wide): the
 * pending terms, the lanes' sums. */
typedef struct kl_buf {
    genre__vlog_dvec p, den, kl, psum;
    int k;
} kl_buf;

/* Adds the pending eight terms to the lanes; pairs with p <= 0 add
 * nothing, as in genre__tsne_kl_given_z. */
static inline void kl_flush8(kl_buf *b)
{
    const genre__vlog_dvec p = b->p, t = p * b->den;
    genre__vlog_dvec lg;
    genre__tsne_vlog(&t, &lg);
    for (int q = 0; q < 8; q++)
        if (!(t[q] >= DBL_MIN && t[q] <= DBL_MAX) && p[q] > 0)
            lg[q] = log(t[q]);
    const genre__vlog_ivec pos = p > 0;
    b->kl += (genre__vlog_dvec)((genre__vlog_ivec)(p * lg) & pos);
    b->psum += (genre__vlog_dvec)((genre__vlog_ivec)p & pos);
    b->k = 0;
}

static inline void kl_push(kl_buf *b, double p, double den)
{
    b->p[b->k] = p;
    b->den[b->k] = den;
    if (++b->k == 8)
        kl_flush8(b);
}

/* The worker's KL sum and p sum: the lanes in order, then the pending
 * terms with libm's log. */
static void kl_finish(kl_buf *b, double *kl)
{
    double s = 0, ps = 0;
    for (int q = 0; q < 8; q++) {
        s += b->kl[q];
        ps += b->psum[q];
    }
    for (int q = 0; q < b->k; q++)
        kl_term(b->p[q], b->den[q], &s, &ps);
    kl[0] += s;
    kl[1] += ps;
}
#else
typedef struct kl_buf {
    double kl, psum;
} kl_buf;

static inline void kl_push(kl_buf *b, double p, double den)
{
    kl_term(p, den, &b->kl, &b->psum);
}

static void kl_finish(kl_buf *b, double *kl)
{
    kl[0] += b->kl;
    kl[1] += b->psum;
}
#endif

#if defined(__GNUC__)
typedef double bvec __attribute__((vector_size(32))); /* four lanes */
#endif

/* attr_body's rows [begin, end) in 2-D: four pairs at a time (their
 * quotients in one vector division), the row's own sum in four lanes
 * added in lane order, the partners' updates one by one. */
static inline __attribute__((always_inline)) void
attr_rows2_body(const double *y, const size_t *row, const uint32_t *col, const double *val,
                size_t begin, size_t end, double *acc, kl_buf *klb)
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
            const bvec den = one + (d0 * d0 + d1 * d1);
            const bvec f = v / den;
            const bvec f0 = f * d0, f1 = f * d1;
            a0v += f0;
            a1v += f1;
            if (klb)
                for (int q = 0; q < 4; q++)
                    kl_push(klb, v[q], den[q]);
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
            const double den = 1.0 + (d0 * d0 + d1 * d1);
            const double f = val[e] / den;
            if (klb)
                kl_push(klb, val[e], den);
            a0 += f * d0;
            a1 += f * d1;
            acc[2 * j] -= f * d0;
            acc[2 * j + 1] -= f * d1;
        }
        acc[2 * i] += a0;
        acc[2 * i + 1] += a1;
    }
}

/* attr_body's rows [begin, end) in 3-D with the bits of the plain loop
 * (attr_rows): four pairs' quotients in one vector division (the
 * division dominated the scalar loop: 21% of a 3-D Barnes-Hut fit), the
 * row's sums and the partners' updates added one pair at a time in column
 * order, as there. */
static inline __attribute__((always_inline)) void
attr_rows3_body(const double *y, const size_t *row, const uint32_t *col, const double *val,
                size_t begin, size_t end, double *acc, kl_buf *klb)
{
    for (size_t i = begin; i < end; i++) {
        const double y0 = y[3 * i], y1 = y[3 * i + 1], y2 = y[3 * i + 2];
        double a0 = 0, a1 = 0, a2 = 0;
        size_t e = row[i];
        const size_t e1 = row[i + 1];
#if defined(__GNUC__)
        const bvec y0v = {y0, y0, y0, y0}, y1v = {y1, y1, y1, y1}, y2v = {y2, y2, y2, y2};
        const bvec one = {1, 1, 1, 1};
        for (; e + 4 <= e1; e += 4) {
            const size_t j[4] = {col[e], col[e + 1], col[e + 2], col[e + 3]};
            const bvec d0 = y0v - (bvec){y[3 * j[0]], y[3 * j[1]], y[3 * j[2]], y[3 * j[3]]};
            const bvec d1 = y1v - (bvec){y[3 * j[0] + 1], y[3 * j[1] + 1], y[3 * j[2] + 1],
                                         y[3 * j[3] + 1]};
            const bvec d2 = y2v - (bvec){y[3 * j[0] + 2], y[3 * j[1] + 2], y[3 * j[2] + 2],
                                         y[3 * j[3] + 2]};
            bvec v;
            memcpy(&v, val + e, sizeof v);
            const bvec den = one + ((d0 * d0 + d1 * d1) + d2 * d2);
            const bvec f = v / den;
            if (klb)
                for (int q = 0; q < 4; q++)
                    kl_push(klb, v[q], den[q]);
            const bvec f0 = f * d0, f1 = f * d1, f2 = f * d2;
            for (int q = 0; q < 4; q++) {
                a0 += f0[q];
                a1 += f1[q];
                a2 += f2[q];
                acc[3 * j[q]] -= f0[q];
                acc[3 * j[q] + 1] -= f1[q];
                acc[3 * j[q] + 2] -= f2[q];
            }
        }
#endif
        for (; e < e1; e++) {
            const size_t j = col[e];
            const double d0 = y0 - y[3 * j], d1 = y1 - y[3 * j + 1], d2 = y2 - y[3 * j + 2];
            const double den = 1.0 + ((d0 * d0 + d1 * d1) + d2 * d2);
            const double f = val[e] / den;
            if (klb)
                kl_push(klb, val[e], den);
            a0 += f * d0;
            a1 += f * d1;
            a2 += f * d2;
            acc[3 * j] -= f * d0;
            acc[3 * j + 1] -= f * d1;
            acc[3 * j + 2] -= f * d2;
        }
        acc[3 * i] += a0;
        acc[3 * i + 1] += a1;
        acc[3 * i + 2] += a2;
    }
}

/* The kernels without and with the KL terms: separate clones, so the
 * iterations without a report run the plain loop (the KL branches in it
 * cost 14% of attr_rows2's time there). */
GENRE_GCC_CLONES("avx2", "default")
static void attr_rows2(const double *y, const size_t *row, const uint32_t *col,
                       const double *val, size_t begin, size_t end, double *acc)
{
    attr_rows2_body(y, row, col, val, begin, end, acc, NULL);
}

GENRE_GCC_CLONES("avx2", "default")
static void attr_rows2_kl(const double *y, const size_t *row, const uint32_t *col,
                          const double *val, size_t begin, size_t end, double *acc,
                          kl_buf *klb)
{
    attr_rows2_body(y, row, col, val, begin, end, acc, klb);
}

GENRE_GCC_CLONES("avx2", "default")
static void attr_rows3(const double *y, const size_t *row, const uint32_t *col,
                       const double *val, size_t begin, size_t end, double *acc)
{
    attr_rows3_body(y, row, col, val, begin, end, acc, NULL);
}

GENRE_GCC_CLONES("avx2", "default")
static void attr_rows3_kl(const double *y, const size_t *row, const uint32_t *col,
                          const double *val, size_t begin, size_t end, double *acc,
                          kl_buf *klb)
{
    attr_rows3_body(y, row, col, val, begin, end, acc, klb);
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
    double kl[2] = {0, 0};
    if (D == 2 || D == 3) {
        kl_buf b;
        memset(&b, 0, sizeof b);
        if (c->with_kl) {
            if (D == 2)
                attr_rows2_kl(c->y, row, col, val, begin, end, acc, &b);
            else
                attr_rows3_kl(c->y, row, col, val, begin, end, acc, &b);
            kl_finish(&b, kl);
        } else if (D == 2) {
            attr_rows2(c->y, row, col, val, begin, end, acc);
        } else {
            attr_rows3(c->y, row, col, val, begin, end, acc);
        }
    } else {
        /* attr_rows: 1-D (the exact method) */
        for (size_t i = begin; i < end; i++) {
            const double *yi = c->y + i * D;
            double ai[GENRE__TSNE_MAX_DIMS] = {0, 0, 0};
            for (size_t e = row[i]; e < row[i + 1]; e++) {
                const size_t j = col[e];
                const double *yj = c->y + j * D;
                double diff[GENRE__TSNE_MAX_DIMS], d2 = 0;
                for (size_t l = 0; l < D; l++) {
                    diff[l] = yi[l] - yj[l];
                    d2 += diff[l] * diff[l];
                }
                double f = val[e] / (1.0 + d2);
                for (size_t l = 0; l < D; l++) {
                    ai[l] += f * diff[l];
                    acc[j * D + l] -= f * diff[l];
                }
                if (c->with_kl)
                    kl_term(val[e], 1.0 + d2, &kl[0], &kl[1]);
            }
            for (size_t l = 0; l < D; l++)
                acc[i * D + l] += ai[l];
        }
    }
    c->kl[worker] = kl[0];
    c->psum[worker] = kl[1];
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
        /* the KL terms of P's diagonal (none in the affinities a fit
         * builds), which the upper triangle leaves out */
        w->diag_kl = w->diag_psum = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t e = p->row[i]; e < p->row[i + 1]; e++)
                if (p->col[e] == i && p->val[e] > 0) {
                    w->diag_kl += p->val[e] * log(p->val[e]);
                    w->diag_psum += p->val[e];
                }
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

/* ---- Gradient entry point ---------------------------------------------------------- */

genre_status genre__tsne_gradient(int method, double theta, const genre__csr *p,
                                  const double *y, size_t n, size_t dims, double exag,
                                  int n_threads, genre__tsne_work *w, double *grad,
                                  double *z_out)
{
    return genre__tsne_gradient_kl(method, theta, p, y, n, dims, exag, n_threads, w, grad,
                                   z_out, NULL);
}

genre_status genre__tsne_gradient_kl(int method, double theta, const genre__csr *p,
                                     const double *y, size_t n, size_t dims, double exag,
                                     int n_threads, genre__tsne_work *w, double *grad,
                                     double *z_out, double *kl_out)
{
    int T = n_threads < 1 ? 1 : n_threads > GENRE__MAX_THREADS ? GENRE__MAX_THREADS : n_threads;
    genre_status st = GENRE_OK;
    if (method == GENRE__TSNE_EXACT) {
        genre__tsne_exact_repulsion(y, n, dims, T, w->rep, w->zrow);
    } else if (method == GENRE__TSNE_BH) {
        st = genre__tsne_bh_repulsion(w, y, theta, T);
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
    attr_ctx a = {&w->up, w->yp, n, dims, w->acc, kl_out != NULL, {0}, {0}};
    int Ta = T > (int)n ? (int)n : T;
    genre__parallel_for(Ta, n, attr_body, &a);
    assemble_ctx s = {w->acc, w->rep, w->lab, n, dims, Ta, exag, 1.0 / z, grad};
    genre__parallel_for(T, n, assemble_body, &s);
    if (kl_out) {
        /* genre__tsne_kl_given_z's sum, each pair once and counted twice */
        double kl = 0, psum = 0;
        for (int t = 0; t < Ta; t++) {
            kl += a.kl[t];
            psum += a.psum[t];
        }
        *kl_out = (2.0 * kl + w->diag_kl) + (2.0 * psum + w->diag_psum) * log(z);
    }
    *z_out = z;
    return GENRE_OK;
}
