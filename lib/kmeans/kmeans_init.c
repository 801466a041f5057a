/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * k-means initialisation: greedy k-means++. The first center is a uniform
 * draw; each further one is the best of n_trials(k) candidates drawn in
 * proportion to the squared distance to the nearest chosen center, the best
 * being the one that leaves the smallest potential (summed over rows in
 * worker order, one parallel pass over the rows for all candidates).
 */
#include "kmeans_private.h"

#include "parallel.h"

static void candidate_rows(void *vctx, size_t begin, size_t end, int worker)
{
    const row_ctx *c = vctx;
    const size_t r0 = begin * ROWS, r1 = end * ROWS < c->n ? end * ROWS : c->n;
    double *pot = c->obj + (size_t)worker * c->trials;
    for (size_t t = 0; t < c->trials; t++) {
        const double *ct = c->cand + t * c->d;
        double *cd = c->cand_d + t * c->n;
        double s = 0.0;
        for (size_t i = r0; i < r1; i++) {
            double v = sqdist(c->x + i * c->stride, ct, c->d);
            v = v < c->closest[i] ? v : c->closest[i];
            cd[i] = v;
            s += v;
        }
        pot[t] += s;
    }
}

/* First index whose cumulative sum exceeds u (cumsum non-decreasing). */
static size_t search_cumsum(const double *cs, size_t n, double u)
{
    size_t lo = 0, hi = n; /* answer in [lo, hi) ... n - 1 at most */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cs[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo < n ? lo : n - 1;
}

void genre__kmeans_pp(fit_ws *w, genre__rng *rng)
{
    const size_t n = w->n, d = w->d, k = w->k, T = w->T, tr = n_trials(k);
    size_t first = (size_t)genre__rng_bounded(rng, n);
    memcpy(w->centers, w->x + first * w->stride, d * sizeof(double));
    double pot = 0.0;
    for (size_t i = 0; i < n; i++) {
        w->closest[i] = sqdist(w->x + i * w->stride, w->centers, d);
        pot += w->closest[i];
    }
    for (size_t c = 1; c < k; c++) {
        double run = 0.0;
        for (size_t i = 0; i < n; i++) {
            run += w->closest[i];
            w->cumsum[i] = run;
        }
        for (size_t t = 0; t < tr; t++) {
            const double u = genre__rng_uniform(rng);
            size_t id = run > 0 ? search_cumsum(w->cumsum, n, u * run)
                                : (size_t)(u * (double)n);
            id = id < n ? id : n - 1;
            memcpy(w->cand + t * d, w->x + id * w->stride, d * sizeof(double));
        }
        memset(w->obj, 0, T * tr * sizeof(double));
        row_ctx cx = base_ctx(w, w->centers);
        cx.cand = w->cand;
        cx.trials = tr;
        cx.closest = w->closest;
        cx.cand_d = w->cand_d;
        ws_for(w, w->n_items, candidate_rows, &cx);
        size_t best = 0;
        double best_pot = INFINITY;
        for (size_t t = 0; t < tr; t++) {
            double p = 0.0;
            for (size_t q = 0; q < T; q++)
                p += w->obj[q * tr + t];
            if (p < best_pot) {
                best_pot = p;
                best = t;
            }
        }
        memcpy(w->centers + c * d, w->cand + best * d, d * sizeof(double));
        memcpy(w->closest, w->cand_d + best * n, n * sizeof(double));
        pot = best_pot;
    }
    (void)pot;
}
