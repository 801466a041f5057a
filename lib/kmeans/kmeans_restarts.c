/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The restarts of a k-means fit spread over the threads: each thread takes
 * the next restart not yet taken and runs it whole on its own workspace, its
 * row loops being the chunks of a T-thread loop run one after the other
 * (genre__parallel_for_serial), so every restart gives the bits it gives
 * when the restarts run one after the other on T threads. Restart r still
 * seeds with stream r; the kept restart is the lowest inertia, the first on
 * ties, as in the serial loop. A 2-D fit of 45,000 rows spends ~0.2 ms per
 * Lloyd iteration: per-iteration parallel regions cost more than they save
 * there, whole restarts on separate threads cost nothing.
 *
 * The calling thread makes every callback after the restarts, in the serial
 * order: for each restart its Lloyd progress calls (recorded objectives),
 * then its log notices; a cancel there ends the fit as it would have.
 */
#include "kmeans_private.h"

#include "alloc.h"
#include "error_private.h"

#include <stdatomic.h>

/* Extra workspaces at most this many bytes: beyond, the rows of one restart
 * are split over the threads instead. */
#define WS_BUDGET ((size_t)256 << 20)
/* Recorded Lloyd objectives (restarts x max_iter) at most, with a progress
 * hook. */
#define TRACE_MAX ((size_t)1 << 20)

typedef struct restart_job {
    const genre__kmeans_config *cfg;
    const char *func;
    double tol_abs;
    int64_t runs;
    atomic_llong next; /* next restart to take */
    fit_ws *ws;        /* one per thread */
    run_out *ros;      /* runs */
    double *trace;     /* runs x max_iter, or NULL */
    run_out *best;     /* per thread: its kept restart ... */
    int64_t *best_r;   /* ... and its index, -1 for none */
    genre_status *st;  /* per thread */
} restart_job;

static void restart_body(void *vctx, size_t begin, size_t end, int worker)
{
    restart_job *j = vctx;
    fit_ws *w = &j->ws[worker];
    const size_t k = w->k, d = w->d;
    (void)begin, (void)end;
    for (;;) {
        const int64_t r = atomic_fetch_add(&j->next, 1);
        if (r >= j->runs)
            return;
        genre__rng rng;
        genre__rng_init(&rng, (uint64_t)j->cfg->seed, (uint64_t)r);
        genre__kmeans_pp(w, &rng);
        w->trace = j->trace ? j->trace + (size_t)r * (size_t)j->cfg->max_iter : NULL;
        run_out ro = {0.0, 0, 0, 0, 0};
        int64_t iters = 0;
        genre_status st = genre__kmeans_lloyd(w, j->cfg, j->func, j->tol_abs, &iters, &ro);
        if (st != GENRE_OK) { /* not expected: no reducer, no CBLAS, no live progress */
            j->st[worker] = st;
            return;
        }
        j->ros[r] = ro;
        /* restarts are taken in increasing order: strict < keeps the first */
        if (j->best_r[worker] < 0 || ro.inertia < j->best[worker].inertia) {
            j->best[worker] = ro;
            j->best_r[worker] = r;
            memcpy(w->best_centers, w->centers, k * d * sizeof(double));
            memcpy(w->best_lab, w->lab, w->n * sizeof(int32_t));
        }
    }
}

/* Bytes of one restart's workspace (the per-row arrays). */
static size_t ws_bytes(size_t n, size_t k)
{
    return n * (2 * sizeof(int32_t) + (3 + n_trials(k)) * sizeof(double) + 1);
}

int genre__kmeans_restarts_parallel(const genre__kmeans_config *cfg, const char *func,
                                    const double *x, size_t n, size_t d, size_t stride, size_t k,
                                    int T, double tol_abs, double **centers_out,
                                    int32_t **labels_out, run_out *best_out,
                                    int64_t *best_restart)
{
    const int64_t runs = cfg->n_init;
    const int progress = cfg->hooks && cfg->hooks->progress;
    if (cfg->init || T < 2 || runs < 2 || genre__kmeans_use_cblas(cfg, d))
        return 1; /* one run, one thread, or BLAS (never on our threads) */
    const size_t P = (size_t)(runs < T ? runs : T);
    if ((P - 1) > WS_BUDGET / ws_bytes(n, k))
        return 1;
    if (progress && (size_t)cfg->max_iter > TRACE_MAX / (size_t)runs)
        return 1;

    restart_job j = {.cfg = cfg, .func = func, .tol_abs = tol_abs, .runs = runs};
    atomic_init(&j.next, 0);
    j.ws = genre__calloc_array(P, sizeof *j.ws);
    j.ros = j.ws ? genre__alloc_array((size_t)runs, sizeof *j.ros) : NULL;
    j.best = j.ros ? genre__alloc_array(P, sizeof *j.best) : NULL;
    j.best_r = j.best ? genre__alloc_array(P, sizeof *j.best_r) : NULL;
    j.st = j.best_r ? genre__calloc_array(P, sizeof *j.st) : NULL;
    j.trace = j.st && progress
                  ? genre__alloc_array((size_t)runs * (size_t)cfg->max_iter, sizeof(double))
                  : NULL;
    genre_status st = j.st && (!progress || j.trace) ? GENRE_OK : GENRE_E_NOMEM;
    for (size_t p = 0; p < P && st == GENRE_OK; p++) {
        fit_ws_init(&j.ws[p], x, n, d, stride, k, T);
        j.ws[p].serial = 1;
        j.best_r[p] = -1;
        st = genre__kmeans_ws_alloc(&j.ws[p]);
    }
    int64_t best_r = -1;
    size_t bp = 0;
    if (st == GENRE_OK) {
        genre__parallel_for((int)P, P, restart_body, &j);
        for (size_t p = 0; p < P && st == GENRE_OK; p++)
            st = j.st[p];
    }
    int nan_seen = 0;
    for (int64_t r = 0; r < runs && st == GENRE_OK; r++)
        nan_seen |= isnan(j.ros[r].inertia);
    if (st == GENRE_OK && !nan_seen) {
        /* the serial loop's callbacks, in its order */
        int64_t iter_total = 0;
        for (int64_t r = 0; r < runs && st == GENRE_OK; r++) {
            for (int64_t it = 0; progress && it < j.ros[r].n_iter; it++) {
                ++iter_total;
                if (genre__progress(cfg->hooks, GENRE_KMEANS_PHASE_LLOYD, iter_total, -1,
                                    j.trace[(size_t)r * (size_t)cfg->max_iter + (size_t)it])) {
                    st = genre__fail(GENRE_E_CANCELLED, func,
                                     "cancelled by the progress callback after %lld "
                                     "iteration(s)",
                                     (long long)iter_total);
                    break;
                }
            }
            if (st == GENRE_OK)
                genre__kmeans_log_restart(cfg, func, k, r, &j.ros[r]);
        }
        /* lowest inertia, the lowest restart on ties: the serial loop's choice
         * (without NaN, whose comparisons make that loop's choice depend on
         * the order) */
        for (size_t p = 0; p < P; p++) {
            if (j.best_r[p] < 0)
                continue;
            if (best_r < 0 || j.best[p].inertia < j.best[bp].inertia ||
                (j.best[p].inertia == j.best[bp].inertia && j.best_r[p] < best_r)) {
                bp = p;
                best_r = j.best_r[p];
            }
        }
        if (st == GENRE_OK)
            st = genre__kmeans_kept(cfg, func, k, &j.best[bp], best_r, 0);
        if (st == GENRE_OK) {
            *centers_out = j.ws[bp].best_centers;
            *labels_out = j.ws[bp].best_lab;
            j.ws[bp].best_centers = NULL;
            j.ws[bp].best_lab = NULL;
            *best_out = j.best[bp];
            *best_restart = best_r;
        }
    }
    for (size_t p = 0; j.ws && p < P; p++)
        genre__kmeans_ws_free(&j.ws[p]);
    genre__free(j.ws);
    genre__free(j.ros);
    genre__free(j.best);
    genre__free(j.best_r);
    genre__free(j.st);
    genre__free(j.trace);
    if (st == GENRE_OK && nan_seen)
        return 1; /* the serial loop decides, as before */
    return st;
}
