/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The k-means sweep (k = 2..8) on the first 2 and 3 LDA discriminants and
 * the best k's clusters (stage_kmeans()). */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <stdlib.h>

int stage_kmeans(run *r, stage *s)
{
    if (r->opt.no_kmeans) {
        stage_note(s, "--no-kmeans");
        stage_end(s, ST_SKIPPED);
        return 0;
    }
    genre_status st = GENRE_OK;
    double *x = xcalloc(r->ntr * 3, sizeof *x);
    if (!x)
        return stage_fail(r, s, GENRE_E_NOMEM, "k-means");
    for (int v = 0; v < 2 && !stopping(r); v++) {
        size_t d = (size_t)v + 2;
        if (d > r->n_ld)
            break; /* no such discriminants: K - 1 or d is smaller */
        double t0 = now_s();
        for (size_t i = 0; i < r->ntr; i++)
            for (size_t j = 0; j < d; j++)
                x[i * d + j] = r->lda_tr[i * r->n_ld + j];
        bar b;
        bar_start(&b, v ? "k-means sweep LDA 3-D" : "k-means sweep LDA 2-D");
        genre_kmeans *km = NULL;
        if ((st = genre_kmeans_create(&km)) ||
            (st = genre_kmeans_set_i64(km, GENRE_KMEANS_SEED, (int64_t)r->opt.seed)) ||
            (st = genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, r->opt.threads)) ||
            (st = genre_kmeans_set_progress(km, progress_kmeans, &b)) ||
            (st = genre_kmeans_sweep(km, x, r->ntr, d, d, KMIN, KMAX, r->km_inertia[v],
                                     r->km_sil[v], NKS, NULL))) {
            genre_kmeans_free(km);
            bar_end(&b, "stopped");
            break;
        }
        int best = 0;
        for (int k = 1; k < NKS; k++)
            if (r->km_sil[v][k] > r->km_sil[v][best])
                best = k;
        r->km_best[v] = KMIN + best;
        r->km_labels[v] = xcalloc(r->ntr, sizeof *r->km_labels[v]);
        r->km_comp[v] = xcalloc((size_t)KMAX * (size_t)r->K, sizeof *r->km_comp[v]);
        if (!r->km_labels[v] || !r->km_comp[v]) {
            st = GENRE_E_NOMEM;
            genre_kmeans_free(km);
            break;
        }
        if ((st = genre_kmeans_set_i64(km, GENRE_KMEANS_K, r->km_best[v])) ||
            (st = genre_kmeans_fit(km, x, r->ntr, d, d)) ||
            (st = genre_kmeans_get_labels(km, r->km_labels[v], r->ntr, NULL))) {
            genre_kmeans_free(km);
            bar_end(&b, "stopped");
            break;
        }
        genre_kmeans_free(km);
        for (size_t i = 0; i < r->ntr; i++)
            r->km_comp[v][(size_t)r->km_labels[v][i] * (size_t)r->K + (size_t)r->ytr[i]]++;
        r->have_kmeans[v] = 1;
        r->km_seconds[v] = now_s() - t0;
        char res[64];
        snprintf(res, sizeof res, "best k = %d, silhouette %.3f", r->km_best[v],
                 r->km_sil[v][best]);
        bar_end(&b, res);
    }
    free(x);
    if (st)
        return stage_fail(r, s, st, "k-means");
    if (r->n_ld < 2) {
        stage_note(s, "needs 2 LDA discriminants; the table has %zu", r->n_ld);
        stage_end(s, ST_SKIPPED);
        return 0;
    }
    if (r->have_kmeans[1])
        stage_note(s, "best k %d (2-D), %d (3-D)", r->km_best[0], r->km_best[1]);
    else
        stage_note(s, "best k %d (2-D); no 3-D: %zu discriminants", r->km_best[0], r->n_ld);
    stage_end(s, ST_DONE);
    return 0;
}
