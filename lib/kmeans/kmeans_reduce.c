/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * k-means' side of the reduction hook (genre/kmeans.h, "One fit over several
 * processes"): what a Lloyd fit needs from every process's rows -- the
 * column spread of the relative tolerance, each iteration's cluster sums,
 * counts, inertia and changed labels, the final inertia -- packed as sums
 * into the caller's buffer and read back after its reduction. Every decision
 * (convergence, empty clusters) then reads the reduced values, so it is the
 * same on every process.
 */
#include "kmeans_private.h"

#include "error_private.h"

#define HOOK_NAME "the k-means reducer (genre_kmeans_set_reducer)"

size_t genre__kmeans_reduce_len(size_t k, size_t d)
{
    const size_t lloyd = k * d + k + 2, stats = 1 + 3 * d; /* + d scratch */
    return lloyd > stats ? lloyd : stats;
}

genre_status genre__kmeans_reduce_spread(const genre__kmeans_config *cfg, const char *func,
                                         const double *x, size_t n, size_t d, size_t stride,
                                         const double *centers, size_t k, double *buf,
                                         double *var_sum)
{
    /* shifted by the mean of the initial centers (the same on every
     * process), so the sums of squares do not cancel when |mean| >> spread */
    double *shift = buf + 1 + 2 * d; /* scratch past what is reduced */
    double *s1 = buf + 1, *s2 = buf + 1 + d;
    for (size_t t = 0; t < d; t++) {
        double c = 0.0;
        for (size_t j = 0; j < k; j++)
            c += centers[j * d + t];
        shift[t] = c / (double)k;
        s1[t] = s2[t] = 0.0;
    }
    for (size_t i = 0; i < n; i++) {
        const double *row = x + i * stride;
        for (size_t t = 0; t < d; t++) {
            const double dl = row[t] - shift[t];
            s1[t] += dl;
            s2[t] += dl * dl;
        }
    }
    buf[0] = (double)n;
    genre_status st = genre__reduce(cfg->hooks, func, HOOK_NAME, GENRE_KMEANS_REDUCE_SPREAD, 0,
                                    buf, 1 + 2 * d);
    if (st != GENRE_OK)
        return st;
    const double rows = buf[0];
    if (!(rows >= 1.0) || !isfinite(rows))
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "%s left a row count of %g; it must be >= 1", HOOK_NAME, rows);
    double v = 0.0;
    for (size_t t = 0; t < d; t++) {
        const double m = s1[t] / rows, var = s2[t] / rows - m * m;
        v += var > 0.0 ? var : 0.0;
    }
    *var_sum = v;
    return GENRE_OK;
}

genre_status genre__kmeans_reduce_iteration(const genre__kmeans_config *cfg, const char *func,
                                            fit_ws *w, int64_t iteration, double *buf,
                                            double *obj, size_t *changed)
{
    const size_t k = w->k, d = w->d;
    memcpy(buf, w->sums, k * d * sizeof *buf); /* worker 0's slot: the combined sums */
    memcpy(buf + k * d, w->counts, k * sizeof *buf);
    buf[k * d + k] = *obj;
    buf[k * d + k + 1] = (double)*changed;
    genre_status st = genre__reduce(cfg->hooks, func, HOOK_NAME, GENRE_KMEANS_REDUCE_LLOYD,
                                    iteration, buf, k * d + k + 2);
    if (st != GENRE_OK)
        return st;
    const double ch = buf[k * d + k + 1];
    if (!(ch >= 0.0) || !isfinite(ch))
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "%s left a changed-label count of %g at iteration %lld", HOOK_NAME,
                           ch, (long long)iteration);
    memcpy(w->sums, buf, k * d * sizeof *buf);
    memcpy(w->counts, buf + k * d, k * sizeof *buf);
    *obj = buf[k * d + k];
    *changed = (size_t)ch;
    return GENRE_OK;
}

genre_status genre__kmeans_reduce_inertia(const genre__kmeans_config *cfg, const char *func,
                                          int64_t iteration, double *buf, double *inertia)
{
    buf[0] = *inertia;
    genre_status st = genre__reduce(cfg->hooks, func, HOOK_NAME, GENRE_KMEANS_REDUCE_INERTIA,
                                    iteration, buf, 1);
    if (st == GENRE_OK)
        *inertia = buf[0];
    return st;
}
