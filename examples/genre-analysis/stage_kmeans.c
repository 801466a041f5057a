/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The k-means sweep (k = 2..8) on the first 2 and 3 LDA discriminants and
 * the best k's clusters (stage_kmeans()); the two sweeps run side by side,
 * each with --threads threads, so each gives the bits it gives alone. */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One sweep, on v + 2 discriminants, and the best k's clusters. */
typedef struct km_job {
    run *r;
    int v;
    genre_status st;
    char err[512];
    double cpu; /* set when it ran on a thread of its own */
} km_job;

static genre_status sweep_one(run *r, int v)
{
    size_t d = (size_t)v + 2;
    int nk = km_count(r);
    double t0 = now_s();
    double *x = xcalloc(r->ntr * d, sizeof *x);
    if (!x)
        return genre_set_error(GENRE_E_NOMEM, "no memory for the k-means inputs");
    for (size_t i = 0; i < r->ntr; i++)
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = r->lda_tr[i * r->n_ld + j];
    bar b;
    bar_start(&b, v ? "k-means sweep LDA 3-D" : "k-means sweep LDA 2-D");
    genre_kmeans *km = NULL;
    genre_status st;
    if ((st = genre_kmeans_create(&km)) ||
        (st = genre_kmeans_set_i64(km, GENRE_KMEANS_SEED, (int64_t)r->opt.seed)) ||
        (st = genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, r->opt.threads)) ||
        (st = genre_kmeans_set_progress(km, progress_kmeans, &b)) ||
        (st = genre_kmeans_sweep(km, x, r->ntr, d, d, KMIN, KMIN + nk - 1, r->km_inertia[v],
                                 r->km_sil[v], (size_t)nk, NULL)))
        goto out;
    for (int k = nk; k < NKS; k++) /* not swept: fewer rows */
        r->km_inertia[v][k] = r->km_sil[v][k] = NAN;
    int best = 0;
    for (int k = 1; k < nk; k++)
        if (r->km_sil[v][k] > r->km_sil[v][best])
            best = k;
    r->km_best[v] = KMIN + best;
    r->km_labels[v] = xcalloc(r->ntr, sizeof *r->km_labels[v]);
    r->km_comp[v] = xcalloc((size_t)KMAX * (size_t)r->K, sizeof *r->km_comp[v]);
    if (!r->km_labels[v] || !r->km_comp[v]) {
        st = genre_set_error(GENRE_E_NOMEM, "no memory for the k-means labels");
        goto out;
    }
    if ((st = genre_kmeans_set_i64(km, GENRE_KMEANS_K, r->km_best[v])) ||
        (st = genre_kmeans_fit(km, x, r->ntr, d, d)) ||
        (st = genre_kmeans_get_labels(km, r->km_labels[v], r->ntr, NULL)))
        goto out;
    for (size_t i = 0; i < r->ntr; i++)
        r->km_comp[v][(size_t)r->km_labels[v][i] * (size_t)r->K + (size_t)r->ytr[i]]++;
    r->have_kmeans[v] = 1;
    r->km_seconds[v] = now_s() - t0;
    char res[64];
    snprintf(res, sizeof res, "best k = %d, silhouette %.3f", r->km_best[v],
             r->km_sil[v][best]);
    bar_end(&b, res);
out:
    if (st)
        bar_end(&b, "stopped");
    genre_kmeans_free(km);
    free(x);
    return st;
}

static void run_job(km_job *j)
{
    j->st = sweep_one(j->r, j->v);
    if (j->st)
        snprintf(j->err, sizeof j->err, "%s", genre_last_error());
}

static void *job_thread(void *arg)
{
    km_job *j = arg;
    run_job(j);
    j->cpu = thread_cpu_s(); /* a thread of its own: all of it is the sweep's */
    return NULL;
}

int stage_kmeans(run *r, stage *s)
{
    if (r->opt.no_kmeans) {
        stage_note(s, "--no-kmeans");
        stage_end(s, ST_SKIPPED);
        return 0;
    }
    /* the 3-D sweep (when there are 3 discriminants) on a thread of its
     * own, the 2-D one here */
    km_job j[2] = {{.r = r, .v = 0}, {.r = r, .v = 1}};
    int n_jobs = r->n_ld >= 3 ? 2 : r->n_ld >= 2 ? 1 : 0;
    /* the silhouette of k clusters needs k <= rows - 1: a small table
     * sweeps k = 2 .. rows - 1 (rows >= 6 here: two per class, 3 classes
     * for 2 discriminants) */
    r->km_kmax = r->ntr - 1 < (size_t)KMAX ? (int)r->ntr - 1 : KMAX;
    if (n_jobs && r->km_kmax < KMIN) {
        stage_note(s, "the silhouette needs at least %d training rows; the table has %zu",
                   KMIN + 1, r->ntr);
        stage_end(s, ST_SKIPPED);
        return 0;
    }
    pthread_t th;
    int have_th = n_jobs == 2 && !stopping(r) && pthread_create(&th, NULL, job_thread, &j[1]) == 0;
    if (n_jobs >= 1 && !stopping(r))
        run_job(&j[0]);
    if (n_jobs == 2 && !have_th && !stopping(r))
        run_job(&j[1]);
    if (have_th) {
        pthread_join(th, NULL);
        stage_add_cpu(s, j[1].cpu);
    }
    for (int v = 0; v < n_jobs; v++)
        if (j[v].st) {
            genre_set_error(j[v].st, j[v].err);
            return stage_fail(r, s, j[v].st, "k-means");
        }
    if (r->n_ld < 2) {
        stage_note(s, "needs 2 LDA discriminants; the table has %zu", r->n_ld);
        stage_end(s, ST_SKIPPED);
        return 0;
    }
    if (!r->have_kmeans[0] || (n_jobs == 2 && !r->have_kmeans[1])) { /* stopping */
        if (g_cancel)
            return stage_fail(r, s, GENRE_E_CANCELLED, "k-means");
        stage_note(s, "not run: another stage failed");
        stage_end(s, ST_SKIPPED);
        return 0;
    }
    char few[96] = "";
    if (km_count(r) < NKS)
        snprintf(few, sizeof few, "; k = %d..%d only: %zu training rows", KMIN, r->km_kmax,
                 r->ntr);
    if (r->have_kmeans[1])
        stage_note(s, "best k %d (2-D), %d (3-D)%s", r->km_best[0], r->km_best[1], few);
    else
        stage_note(s, "best k %d (2-D); no 3-D: %zu discriminants%s", r->km_best[0], r->n_ld,
                   few);
    stage_end(s, ST_DONE);
    return 0;
}
