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

/* 1 when v is a count a sum of row counts can be: a whole number in
 * [0, 2^53] (beyond it a double no longer counts rows one by one). */
static int is_count(double v)
{
    return v >= 0.0 && v <= 9007199254740992.0 && v == floor(v);
}

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
    if (!(rows >= 1.0) || !is_count(rows))
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "%s left a row count of %g; it must be a whole number >= 1",
                           HOOK_NAME, rows);
    for (size_t j = 1; j < 1 + 2 * d; j++)
        if (!isfinite(buf[j]))
            return genre__fail(GENRE_E_INVALID_ARG, func,
                               "%s left a non-finite column sum (%g) for column %zu", HOOK_NAME,
                               buf[j], (j - 1) % d);
    double v = 0.0;
    for (size_t t = 0; t < d; t++) {
        const double m = s1[t] / rows, var = s2[t] / rows - m * m;
        v += var > 0.0 ? var : 0.0;
    }
    *var_sum = v;
    return GENRE_OK;
}

/* What the reducer left of one Lloyd iteration, checked before the fit
 * reads it: a broken reducer is named, not blamed on x or turned into a
 * model that saves but does not load. */
static genre_status check_lloyd(const char *func, const double *buf, size_t k, size_t d,
                                int64_t iteration)
{
    for (size_t j = 0; j < k * d; j++)
        if (!isfinite(buf[j]))
            return genre__fail(GENRE_E_INVALID_ARG, func,
                               "%s left a non-finite sum (%g) for cluster %zu, column %zu at "
                               "iteration %lld",
                               HOOK_NAME, buf[j], j / d, j % d, (long long)iteration);
    for (size_t c = 0; c < k; c++)
        if (!is_count(buf[k * d + c]))
            return genre__fail(GENRE_E_INVALID_ARG, func,
                               "%s left a row count of %g for cluster %zu at iteration %lld; "
                               "it must be a whole number >= 0",
                               HOOK_NAME, buf[k * d + c], c, (long long)iteration);
    const double obj = buf[k * d + k], ch = buf[k * d + k + 1];
    if (!(obj >= 0.0) || !isfinite(obj))
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "%s left an inertia of %g at iteration %lld; it must be finite "
                           "and >= 0",
                           HOOK_NAME, obj, (long long)iteration);
    if (!is_count(ch))
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "%s left a changed-label count of %g at iteration %lld; it must be "
                           "a whole number >= 0",
                           HOOK_NAME, ch, (long long)iteration);
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
    st = check_lloyd(func, buf, k, d, iteration);
    if (st != GENRE_OK)
        return st;
    const double ch = buf[k * d + k + 1];
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
    if (st != GENRE_OK)
        return st;
    if (!(buf[0] >= 0.0) || !isfinite(buf[0]))
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "%s left a final inertia of %g; it must be finite and >= 0",
                           HOOK_NAME, buf[0]);
    *inertia = buf[0];
    return GENRE_OK;
}
