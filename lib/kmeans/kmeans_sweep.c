/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The k-sweep (genre_kmeans_sweep): one fit per k of [k_min, k_max] with
 * the handle's parameters, then the exact mean silhouettes of all the
 * labellings in one pass over the pairwise distances (silhouette.c).
 */
#include "kmeans_private.h"

#include "alloc.h"
#include "error_private.h"
#include "linalg.h"
#include "parallel.h"
#include "silhouette.h"

genre_status genre_kmeans_sweep(genre_kmeans *km, const double *x, size_t n_rows,
                                size_t n_cols, size_t row_stride, int32_t k_min, int32_t k_max,
                                double *inertia, double *silhouette, size_t cap,
                                size_t *needed)
{
    GENRE_CHECK_NOT_NULL(km);
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride, 1);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (inertia == NULL && silhouette == NULL)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "inertia and silhouette are both NULL: nothing to compute");
    if (k_min < 2 || k_max < k_min || (uint64_t)k_max >= n_rows)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "k range [%d, %d] is invalid for %zu rows: the silhouette needs "
                          "2 <= k_min <= k_max <= n - 1",
                          (int)k_min, (int)k_max, n_rows);
    const size_t count = (size_t)(k_max - k_min) + 1;
    if (needed)
        *needed = count;
    if (cap < count)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL, "outputs hold %zu value(s), %zu needed",
                          cap, count);
    /* every k from k-means++ on these rows alone: no reducer, no initial centers */
    genre__kmeans_config cfg = genre__kmeans_config_of(km);
    genre__hooks own = *cfg.hooks;
    own.reduce = NULL;
    cfg.hooks = &own;
    cfg.init = NULL;
    const int T = genre__resolve_threads(cfg.n_threads);
    if (T < 0)
        return T;
    /* Fit every k, keeping the labels; then the silhouettes of all the
     * labellings (with at least 2 non-empty clusters) in one pass over the
     * pairwise distances. */
    int32_t *all = genre__alloc_array(count, n_rows * sizeof(int32_t));
    double *means = all ? genre__alloc_array(count, sizeof(double)) : NULL;
    size_t *which = means ? genre__alloc_array(count, sizeof(size_t)) : NULL;
    if (!which) {
        genre__free(all);
        genre__free(means);
        return GENRE_PASS(GENRE_E_NOMEM);
    }
    size_t n_valid = 0;
    for (size_t q = 0; q < count && st == GENRE_OK; q++) {
        const size_t k = (size_t)k_min + q;
        double *centers = NULL;
        int32_t *labels = NULL;
        run_out best;
        int64_t best_r;
        st = genre__kmeans_fit_restarts(&cfg, __func__, x, n_rows, n_cols, row_stride, k, &centers,
                                        &labels, &best, &best_r);
        if (st != GENRE_OK)
            break;
        if (inertia)
            inertia[q] = best.inertia;
        if (silhouette) {
            silhouette[q] = NAN;
            int several = 0;
            for (size_t i = 1; i < n_rows && !several; i++)
                several = labels[i] != labels[0];
            if (several) {
                memcpy(all + n_valid * n_rows, labels, n_rows * sizeof(int32_t));
                which[n_valid++] = q;
            }
        }
        genre__free(centers);
        genre__free(labels);
        if (genre__progress(cfg.hooks, GENRE_KMEANS_PHASE_SWEEP, (int64_t)q + 1,
                            (int64_t)count, best.inertia))
            st = GENRE_FAIL(GENRE_E_CANCELLED,
                            "cancelled by the progress callback after k = %zu", k);
    }
    if (st == GENRE_OK && n_valid > 0) {
        st = genre__silhouette_run(__func__, x, n_rows, n_cols, row_stride, all, n_valid, T,
                                   means, NULL, cfg.hooks->progress, cfg.hooks->progress_data,
                                   GENRE_KMEANS_PHASE_SILHOUETTE);
        for (size_t v = 0; v < n_valid && st == GENRE_OK; v++)
            silhouette[which[v]] = means[v];
    }
    genre__free(all);
    genre__free(means);
    genre__free(which);
    return GENRE_PASS(st);
}
