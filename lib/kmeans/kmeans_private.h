/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the k-means fit engine behind genre/kmeans.h: one whole fit
 * (n_init restarts of greedy k-means++ and Lloyd's iterations) from the
 * parameters it reads, and what its two halves share: the parallel row
 * loops' context, the fit's workspace and the squared distance.
 *
 * Every per-row loop runs through genre__parallel_for over fixed blocks of
 * ROWS rows, each worker keeping its own partial sums that are combined in
 * worker order (or through genre__parallel_for_serial, the same chunks on
 * one thread, when the restarts themselves are spread over threads); BLAS
 * (dgemm of the CBLAS kernel) only runs between parallel regions, on the
 * calling thread (docs/threads.md).
 */
#ifndef GENRE_KMEANS_PRIVATE_H
#define GENRE_KMEANS_PRIVATE_H

#include <genre/kmeans.h>

#include "parallel.h"
#include "params.h"
#include "rng.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Rows per item of the parallel loops. */
#define ROWS 256
/* Most k-means++ candidates drawn per new center. */
#define MAX_TRIALS 64

/* What a fit reads from the handle's parameters (genre/kmeans.h keys). */
typedef struct genre__kmeans_config {
    int64_t n_init, max_iter, seed, n_threads, kernel;
    double tol;
    const genre__hooks *hooks; /* the handle's log, progress and reduction hooks */
    const double *init;        /* k x d initial centers (one run), or NULL: k-means++ */
} genre__kmeans_config;

/* The parameters of km as a fit reads them (kmeans.c). */
genre__kmeans_config genre__kmeans_config_of(const genre_kmeans *km);

/* The result of one restart, and of the best one. */
typedef struct run_out {
    double inertia;
    int64_t n_iter;
    int converged;
    size_t moved;      /* empty clusters moved to far rows, over the run */
    size_t kept_empty; /* clusters left empty by the last update */
} run_out;

/*
 * The whole fit of k clusters on the n x d rows of x (row stride stride,
 * finite, n >= k) into freshly allocated centers (k x d) and training labels
 * (n), owned by the caller on GENRE_OK; *best_out and *best_restart describe
 * the winning restart (the lowest final inertia, the first on ties).
 * Failures are recorded for func: GENRE_E_NOMEM, GENRE_E_NUMERIC (column
 * variances or inertia overflow), GENRE_E_CANCELLED (the progress
 * callback) or the failure of genre__resolve_threads (kmeans_lloyd.c).
 */
genre_status genre__kmeans_fit_restarts(const genre__kmeans_config *cfg, const char *func,
                                        const double *x, size_t n, size_t d, size_t stride,
                                        size_t k, double **centers_out, int32_t **labels_out,
                                        run_out *best_out, int64_t *best_restart);

/* The context of the parallel row loops: the assignment and inertia loops
 * of Lloyd's iterations and the k-means++ candidate loop. */
typedef struct row_ctx {
    const double *x;
    size_t n, d, stride, k;
    const double *centers; /* k x d */
    /* assignment */
    const double *cross;   /* CBLAS kernel: rows [row0, row0 + len) x k, or NULL */
    const double *xnorm;   /* n */
    const double *cnorm;   /* k */
    size_t row0, len;      /* rows of this region */
    int32_t *lab;          /* n */
    double *mind;          /* n: squared distance to the assigned center */
    int accumulate;        /* sums and counts for the update step */
    double *sums;          /* T x k x d */
    double *counts;        /* T x k */
    double *obj;           /* T */
    size_t *changed;       /* T */
    /* k-means++ candidates */
    const double *cand;    /* trials x d */
    size_t trials;
    const double *closest; /* n */
    double *cand_d;        /* trials x n */
} row_ctx;

/* The workspace of one fit (kmeans_lloyd.c allocates and frees it). */
typedef struct fit_ws {
    const double *x;
    size_t n, d, stride, k, T, n_items;
    int use_cblas;
    int32_t *lab, *best_lab;
    double *mind, *xnorm, *cnorm, *cross;
    size_t cross_rows;
    double *centers, *centers_new, *best_centers;
    double *sums, *counts, *obj;
    size_t *changed;
    double *closest, *cand, *cand_d, *cumsum;
    char *taken;
    double *rbuf;      /* the reducer's buffer (genre__kmeans_reduce_len), or NULL */
    int serial;        /* row loops on this thread only (a restart on its own thread) */
    double *trace;     /* when set, Lloyd's iterations record their objectives here
                        * (max_iter entries) instead of calling the progress hook */
} fit_ws;

/* w zeroed, then set for n rows of x (d columns, stride doubles apart), k
 * clusters and at most T workers (one per ROWS-row item at most). */
static inline void fit_ws_init(fit_ws *w, const double *x, size_t n, size_t d, size_t stride,
                               size_t k, int T)
{
    memset(w, 0, sizeof *w);
    w->x = x;
    w->n = n;
    w->d = d;
    w->stride = stride;
    w->k = k;
    w->n_items = (n + ROWS - 1) / ROWS;
    w->T = (size_t)T < w->n_items ? (size_t)T : w->n_items;
}

/* Runs a row loop of w over n_items blocks: on the thread pool, or with
 * w->serial the same chunks in order on this thread (the same bits). */
static inline void ws_for(const fit_ws *w, size_t n_items, genre__parallel_fn fn, void *ctx)
{
    if (w->serial)
        genre__parallel_for_serial((int)w->T, n_items, fn, ctx);
    else
        genre__parallel_for((int)w->T, n_items, fn, ctx);
}

/* Squared Euclidean distance of two d-vectors, summed in index order. */
static inline double sqdist(const double *a, const double *b, size_t d)
{
    double s = 0.0;
    for (size_t t = 0; t < d; t++) {
        double dl = a[t] - b[t];
        s += dl * dl;
    }
    return s;
}

/* k-means++ candidates per new center: 2 + floor(ln k), at most MAX_TRIALS. */
static inline size_t n_trials(size_t k)
{
    size_t t = 2 + (size_t)floor(log((double)k));
    return t < MAX_TRIALS ? t : MAX_TRIALS;
}

/* A row-loop context over w's buffers and the given centers. */
static inline row_ctx base_ctx(const fit_ws *w, const double *centers)
{
    row_ctx c;
    memset(&c, 0, sizeof c);
    c.x = w->x;
    c.n = w->n;
    c.d = w->d;
    c.stride = w->stride;
    c.k = w->k;
    c.centers = centers;
    c.xnorm = w->xnorm;
    c.cnorm = w->cnorm;
    c.lab = w->lab;
    c.mind = w->mind;
    c.sums = w->sums;
    c.counts = w->counts;
    c.obj = w->obj;
    c.changed = w->changed;
    return c;
}

/* Greedy k-means++: k centers drawn from rng into w->centers, leaving each
 * row's squared distance to its nearest center in w->closest
 * (kmeans_init.c). */
void genre__kmeans_pp(fit_ws *w, genre__rng *rng);

/* The whole workspace of a fit for w->x, n, d, stride, k, T and use_cblas
 * already set; GENRE_E_NOMEM (free with genre__kmeans_ws_free). */
genre_status genre__kmeans_ws_alloc(fit_ws *w);
/* Lloyd's iterations of one restart from the centers in w->centers
 * (kmeans_lloyd.c): labels, centers and the result in *out; *iter_total
 * counts iterations over the restarts for the progress hook. Fails only
 * through the CBLAS kernel, the reducer or the progress hook. */
genre_status genre__kmeans_lloyd(fit_ws *w, const genre__kmeans_config *cfg, const char *func,
                                 double tol_abs, int64_t *iter_total, run_out *out);
/* The log notices of restart r (GENRE_LOG_INFO). */
void genre__kmeans_log_restart(const genre__kmeans_config *cfg, const char *func, size_t k,
                               int64_t r, const run_out *ro);
/* The checks and warnings about the kept restart best_r of a fit of k
 * clusters (reduced: the fit has a reducer): GENRE_E_NUMERIC when its
 * inertia is not finite, else GENRE_OK. */
genre_status genre__kmeans_kept(const genre__kmeans_config *cfg, const char *func, size_t k,
                                const run_out *best, int64_t best_r, int reduced);
/* The restarts of a fit spread over T threads, each restart on one thread
 * with its own workspace (kmeans_restarts.c), when that applies (see there):
 * GENRE_OK with the results genre__kmeans_fit_restarts describes, the
 * same bits as restarts one after the other with T threads per restart;
 * GENRE_E_CANCELLED (the progress hook) or GENRE_E_NOMEM; or 1 when the
 * restarts must run one after the other (not applicable, or a restart's
 * inertia is NaN). */
int genre__kmeans_restarts_parallel(const genre__kmeans_config *cfg, const char *func,
                                    const double *x, size_t n, size_t d, size_t stride, size_t k,
                                    int T, double tol_abs, double **centers_out,
                                    int32_t **labels_out, run_out *best_out,
                                    int64_t *best_restart);

/* ---- The reduction hook (kmeans_reduce.c) -------------------------------- */

/* Doubles of the reducer's buffer for k clusters of d columns. */
size_t genre__kmeans_reduce_len(size_t k, size_t d);
/* The mean column variance over every process's rows into *var_sum (summed
 * over columns), from sums shifted by the mean of the k initial centers. */
genre_status genre__kmeans_reduce_spread(const genre__kmeans_config *cfg, const char *func,
                                         const double *x, size_t n, size_t d, size_t stride,
                                         const double *centers, size_t k, double *buf,
                                         double *var_sum);
/* w's combined sums and counts, *obj and *changed replaced by every
 * process's totals. */
genre_status genre__kmeans_reduce_iteration(const genre__kmeans_config *cfg, const char *func,
                                            fit_ws *w, int64_t iteration, double *buf,
                                            double *obj, size_t *changed);
/* *inertia replaced by its total over the processes. */
genre_status genre__kmeans_reduce_inertia(const genre__kmeans_config *cfg, const char *func,
                                          int64_t iteration, double *buf, double *inertia);

/* ---- What the streamed passes reuse (kmeans_partial.c) ------------------ */

/* Per column of x (n >= 1 rows): the mean and the sum of squared deviations
 * from it, two passes, each column summed in row order (kmeans_lloyd.c): the
 * fit's relative tolerance and a streamed pass's column statistics. */
void genre__kmeans_column_moments(const double *x, size_t n, size_t d, size_t stride,
                                  double *mean, double *m2);

/* 1 when the assignment of d columns runs on the CBLAS kernel (kmeans_lloyd.c). */
int genre__kmeans_use_cblas(const genre__kmeans_config *cfg, size_t d);
/* The assignment's part of w (labels, distances, per-worker sums and counts,
 * the CBLAS kernel's norms and block) for w->x, n, d, stride, k, T and
 * use_cblas already set; GENRE_E_NOMEM (free with genre__kmeans_ws_free). */
genre_status genre__kmeans_assign_ws_alloc(fit_ws *w);
void genre__kmeans_ws_free(fit_ws *w);
/* The assignment step of Lloyd's iterations (kmeans_lloyd.c): labels into
 * w->lab, distances into w->mind, with accumulate the per-cluster sums and
 * counts into worker 0's slot of w->sums / w->counts; the assignment inertia
 * and the labels that changed. */
genre_status genre__kmeans_assign(fit_ws *w, const double *centers, int accumulate, double *obj,
                                  size_t *changed);
/* Installs the result of one streamed Lloyd update in km (kmeans.c): centers
 * (k x d, owned by km from now on), no training labels, rows seen, the
 * assignment inertia, the squared center shift and whether it converged;
 * N_ITER grows by one (starts at 0 for new centers). */
void genre__kmeans_install_pass(genre_kmeans *km, double *centers, size_t k, size_t d,
                                uint64_t n_rows, double inertia, double shift, int converged);
/* Installs initial centers (owned by km; n_iter 0, no labels, shift NaN,
 * inertia that of the sample they were drawn from). */
void genre__kmeans_install_init(genre_kmeans *km, double *centers, size_t k, size_t d,
                                uint64_t n_rows, double inertia);
/* The fitted centers of km (NULL when not fitted), their count and width. */
const double *genre__kmeans_centers(const genre_kmeans *km, size_t *k, size_t *d);

#endif
