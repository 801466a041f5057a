/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One k-means fit: n_init restarts, restart r seeding its generator with
 * stream r of the seed, each running greedy k-means++ (kmeans_init.c) and
 * Lloyd's iterations; the lowest final inertia wins (the first restart on
 * ties). The distance kernels of the assignment step are here: the builtin
 * loop (unrolled for up to four columns) and the CBLAS one (dgemm of the
 * rows against the centers, blocked to CROSS_BUDGET doubles).
 */
#include "kmeans_private.h"

#include "alloc.h"
#include "error_private.h"
#include "linalg.h"
#include "multiversion.h"
#include "parallel.h"

/* AUTO uses the builtin distance loop up to this many columns
 * (bench/bench_kmeans.c measures both kernels). */
#define AUTO_BUILTIN_MAX_COLS 8
/* Doubles of the CBLAS kernel's cross-product block (32 MiB). */
#define CROSS_BUDGET ((size_t)1 << 22)

/* ---- The parallel row loops --------------------------------------------- */

/* Rows per block of the builtin kernel's nearest-center search, and the
 * most columns it takes (wider rows use the row-by-row loop). */
#define BLOCK 64
#define BLOCK_MAX_COLS 4

/* Nearest center of rows [i0, i0 + len) (len <= BLOCK, d <= BLOCK_MAX_COLS)
 * into best[] and bd[]: the rows' columns copied apart, then one pass per
 * center over the block, so that the loop over rows is a vector loop
 * (selects, no branches). The distances and the strict `<` are those of
 * sqdist() row by row, so the labels and distances are the same. */
static inline __attribute__((always_inline)) void
nearest_block(const row_ctx *c, size_t i0, size_t len, const size_t d, int32_t *best,
              double *bd)
{
    double xc[BLOCK_MAX_COLS][BLOCK];
    for (size_t i = 0; i < len; i++)
        for (size_t t = 0; t < d; t++)
            xc[t][i] = c->x[(i0 + i) * c->stride + t];
    for (size_t i = 0; i < len; i++) {
        double v = 0.0;
        for (size_t t = 0; t < d; t++) {
            double dl = xc[t][i] - c->centers[t];
            v += dl * dl;
        }
        bd[i] = v;
        best[i] = 0;
    }
    for (size_t j = 1; j < c->k; j++) {
        const double *cj = c->centers + j * d;
        for (size_t i = 0; i < len; i++) {
            double v = 0.0;
            for (size_t t = 0; t < d; t++) {
                double dl = xc[t][i] - cj[t];
                v += dl * dl;
            }
            const int closer = v < bd[i];
            bd[i] = closer ? v : bd[i];
            best[i] = closer ? (int32_t)j : best[i];
        }
    }
}

/* The assignment loop; inlined (into each clone of assign_rows) with a
 * constant d for the few-column cases so the distance loops are unrolled. */
static inline __attribute__((always_inline)) void
assign_range(const row_ctx *c, size_t begin, size_t end, int worker, const size_t d)
{
    const size_t k = c->k;
    const size_t r0 = c->row0 + begin * ROWS;
    size_t r1 = c->row0 + end * ROWS;
    if (r1 > c->row0 + c->len)
        r1 = c->row0 + c->len;
    double *sums = c->sums + (size_t)worker * k * d;
    double *counts = c->counts + (size_t)worker * k;
    double obj = 0.0;
    size_t changed = 0;
    int32_t bbest[BLOCK];
    double bdist[BLOCK];
    const int blocked = !c->cross && d <= BLOCK_MAX_COLS;
    for (size_t i = r0; i < r1; i++) {
        const double *xi = c->x + i * c->stride;
        size_t best = 0;
        double bd;
        if (blocked) {
            const size_t ib = (i - r0) % BLOCK;
            if (ib == 0)
                nearest_block(c, i, r1 - i < BLOCK ? r1 - i : BLOCK, d, bbest, bdist);
            best = (size_t)bbest[ib];
            bd = bdist[ib];
        } else if (c->cross) {
            const double *cr = c->cross + (i - c->row0) * k;
            bd = INFINITY;
            for (size_t j = 0; j < k; j++) {
                double v = c->xnorm[i] - 2.0 * cr[j] + c->cnorm[j];
                if (v < bd) {
                    bd = v;
                    best = j;
                }
            }
            bd = bd > 0 ? bd : 0.0;
        } else {
            bd = sqdist(xi, c->centers, d);
            for (size_t j = 1; j < k; j++) {
                double v = sqdist(xi, c->centers + j * d, d);
                if (v < bd) {
                    bd = v;
                    best = j;
                }
            }
        }
        changed += c->lab[i] != (int32_t)best;
        c->lab[i] = (int32_t)best;
        c->mind[i] = bd;
        obj += bd;
        if (c->accumulate) {
            double *sm = sums + best * d;
            for (size_t t = 0; t < d; t++)
                sm[t] += xi[t];
            counts[best] += 1.0;
        }
    }
    c->obj[worker] += obj;
    c->changed[worker] += changed;
}

/* Cloned for AVX2/AVX-512 where the build allows it (multiversion.h): the
 * same operations in the same order, wider vectors, so the same results. */
GENRE_CLONES("avx512f", "avx2", "default")
static void assign_rows(void *vctx, size_t begin, size_t end, int worker)
{
    const row_ctx *c = vctx;
    switch (c->d) {
    case 1:
        assign_range(c, begin, end, worker, 1);
        break;
    case 2:
        assign_range(c, begin, end, worker, 2);
        break;
    case 3:
        assign_range(c, begin, end, worker, 3);
        break;
    case 4:
        assign_range(c, begin, end, worker, 4);
        break;
    default:
        assign_range(c, begin, end, worker, c->d);
        break;
    }
}

/* Exact inertia of the labels in c->lab. */
static void inertia_rows(void *vctx, size_t begin, size_t end, int worker)
{
    const row_ctx *c = vctx;
    const size_t r0 = begin * ROWS, r1 = end * ROWS < c->n ? end * ROWS : c->n;
    double obj = 0.0;
    for (size_t i = r0; i < r1; i++) {
        double v = sqdist(c->x + i * c->stride, c->centers + (size_t)c->lab[i] * c->d, c->d);
        c->mind[i] = v;
        obj += v;
    }
    c->obj[worker] += obj;
}

/* ---- Workspace ---------------------------------------------------------- */

void genre__kmeans_ws_free(fit_ws *w)
{
    genre__free(w->lab);
    genre__free(w->best_lab);
    genre__free(w->mind);
    genre__free(w->xnorm);
    genre__free(w->cnorm);
    genre__free(w->cross);
    genre__free(w->centers);
    genre__free(w->centers_new);
    genre__free(w->best_centers);
    genre__free(w->sums);
    genre__free(w->counts);
    genre__free(w->obj);
    genre__free(w->changed);
    genre__free(w->closest);
    genre__free(w->cand);
    genre__free(w->cand_d);
    genre__free(w->cumsum);
    genre__free(w->taken);
    genre__free(w->rbuf);
}

/* The CBLAS kernel's norms and cross-product block. */
static genre_status kernel_alloc(fit_ws *w);

genre_status genre__kmeans_ws_alloc(fit_ws *w)
{
    const size_t n = w->n, d = w->d, k = w->k, T = w->T, tr = n_trials(k);
    const size_t obj_len = T * (tr > 1 ? tr : 1);
    w->lab = genre__alloc_array(n, sizeof(int32_t));
    w->best_lab = w->lab ? genre__alloc_array(n, sizeof(int32_t)) : NULL;
    w->mind = w->best_lab ? genre__alloc_array(n, sizeof(double)) : NULL;
    w->cnorm = w->mind ? genre__alloc_array(k, sizeof(double)) : NULL;
    w->centers = w->cnorm ? genre__alloc_array(k * d, sizeof(double)) : NULL;
    w->centers_new = w->centers ? genre__alloc_array(k * d, sizeof(double)) : NULL;
    w->best_centers = w->centers_new ? genre__alloc_array(k * d, sizeof(double)) : NULL;
    w->sums = w->best_centers ? genre__alloc_array(T * k, d * sizeof(double)) : NULL;
    w->counts = w->sums ? genre__alloc_array(T * k, sizeof(double)) : NULL;
    w->obj = w->counts ? genre__alloc_array(obj_len, sizeof(double)) : NULL;
    w->changed = w->obj ? genre__alloc_array(T, sizeof(size_t)) : NULL;
    w->closest = w->changed ? genre__alloc_array(n, sizeof(double)) : NULL;
    w->cand = w->closest ? genre__alloc_array(tr, d * sizeof(double)) : NULL;
    w->cand_d = w->cand ? genre__alloc_array(tr, n * sizeof(double)) : NULL;
    w->cumsum = w->cand_d ? genre__alloc_array(n, sizeof(double)) : NULL;
    w->taken = w->cumsum ? genre__alloc_array(n, 1) : NULL;
    if (!w->taken)
        return GENRE_E_NOMEM;
    return kernel_alloc(w);
}

/* The assignment's workspace only: labels, distances, per-worker sums. */
genre_status genre__kmeans_assign_ws_alloc(fit_ws *w)
{
    const size_t n = w->n, d = w->d, k = w->k, T = w->T;
    w->lab = genre__alloc_array(n, sizeof(int32_t));
    w->mind = w->lab ? genre__alloc_array(n, sizeof(double)) : NULL;
    w->cnorm = w->mind ? genre__alloc_array(k, sizeof(double)) : NULL;
    w->sums = w->cnorm ? genre__alloc_array(T * k, d * sizeof(double)) : NULL;
    w->counts = w->sums ? genre__alloc_array(T * k, sizeof(double)) : NULL;
    w->obj = w->counts ? genre__alloc_array(T, sizeof(double)) : NULL;
    w->changed = w->obj ? genre__alloc_array(T, sizeof(size_t)) : NULL;
    if (!w->changed)
        return GENRE_E_NOMEM;
    return kernel_alloc(w);
}

static genre_status kernel_alloc(fit_ws *w)
{
    const size_t n = w->n, d = w->d, k = w->k;
    if (w->use_cblas) {
        w->cross_rows = CROSS_BUDGET / k < n ? CROSS_BUDGET / k : n;
        w->cross_rows = w->cross_rows < ROWS ? ROWS : w->cross_rows;
        w->cross_rows = w->cross_rows < n ? w->cross_rows : n;
        w->xnorm = genre__alloc_array(n, sizeof(double));
        w->cross = w->xnorm ? genre__alloc_array(w->cross_rows, k * sizeof(double)) : NULL;
        if (!w->cross)
            return GENRE_E_NOMEM;
        for (size_t i = 0; i < n; i++) {
            const double *xi = w->x + i * w->stride;
            w->xnorm[i] = genre__dot(d, xi, xi);
        }
    }
    return GENRE_OK;
}

/* ---- Lloyd's iterations and the restarts -------------------------------- */

/* Assigns every row to its nearest center; with accumulate, also the
 * per-cluster sums (combined into w->sums / w->counts, worker 0's slot).
 * Returns the assignment inertia and the number of changed labels. */
genre_status genre__kmeans_assign(fit_ws *w, const double *centers, int accumulate, double *obj,
                                  size_t *changed)
{
    const size_t k = w->k, d = w->d, T = w->T;
    memset(w->obj, 0, T * sizeof(double));
    memset(w->changed, 0, T * sizeof(size_t));
    if (accumulate) {
        memset(w->sums, 0, T * k * d * sizeof(double));
        memset(w->counts, 0, T * k * sizeof(double));
    }
    row_ctx c = base_ctx(w, centers);
    c.accumulate = accumulate;
    if (w->use_cblas) {
        for (size_t j = 0; j < k; j++)
            w->cnorm[j] = genre__dot(d, centers + j * d, centers + j * d);
        c.cross = w->cross;
        for (size_t r0 = 0; r0 < w->n; r0 += w->cross_rows) {
            const size_t len = w->n - r0 < w->cross_rows ? w->n - r0 : w->cross_rows;
            genre_status st = genre__gemm(GENRE__NO_TRANS, GENRE__TRANS, 1.0,
                                          w->x + r0 * w->stride, len, d, w->stride, centers,
                                          k, d, d, 0.0, w->cross, len, k, k);
            if (st != GENRE_OK)
                return st;
            c.row0 = r0;
            c.len = len;
            ws_for(w, (len + ROWS - 1) / ROWS, assign_rows, &c);
        }
    } else {
        c.row0 = 0;
        c.len = w->n;
        ws_for(w, w->n_items, assign_rows, &c);
    }
    double o = 0.0;
    size_t ch = 0;
    for (size_t t = 0; t < T; t++) {
        o += w->obj[t];
        ch += w->changed[t];
    }
    if (accumulate)
        for (size_t t = 1; t < T; t++) {
            for (size_t q = 0; q < k * d; q++)
                w->sums[q] += w->sums[t * k * d + q];
            for (size_t q = 0; q < k; q++)
                w->counts[q] += w->counts[t * k + q];
        }
    *obj = o;
    *changed = ch;
    return GENRE_OK;
}

static double exact_inertia(fit_ws *w, const double *centers)
{
    memset(w->obj, 0, w->T * sizeof(double));
    row_ctx c = base_ctx(w, centers);
    ws_for(w, w->n_items, inertia_rows, &c);
    double o = 0.0;
    for (size_t t = 0; t < w->T; t++)
        o += w->obj[t];
    return o;
}

/* Means of the accumulated rows into w->centers_new; empty clusters move to
 * the rows farthest from their centers (by w->mind), or with a reducer
 * (w->rbuf) keep their centers: the farthest row of one process is not the
 * others'. Returns the squared center shift summed over centers; *moved
 * receives the number of empty clusters moved, *kept_empty those left empty
 * (every row on its center, or a reduced fit). */
static double update_centers(fit_ws *w, size_t *moved, size_t *kept_empty)
{
    const size_t k = w->k, d = w->d, n = w->n;
    int any_empty = 0;
    *moved = *kept_empty = 0;
    for (size_t j = 0; j < k; j++) {
        double *cn = w->centers_new + j * d;
        if (w->counts[j] > 0) {
            for (size_t t = 0; t < d; t++)
                cn[t] = w->sums[j * d + t] / w->counts[j];
        } else {
            memcpy(cn, w->centers + j * d, d * sizeof(double));
            any_empty = 1;
        }
    }
    if (any_empty && w->rbuf) {
        for (size_t j = 0; j < k; j++)
            *kept_empty += w->counts[j] <= 0;
    } else if (any_empty) {
        memset(w->taken, 0, n);
        for (size_t j = 0; j < k; j++) {
            if (w->counts[j] > 0)
                continue;
            size_t far = n;
            double fd = 0.0;
            for (size_t i = 0; i < n; i++)
                if (!w->taken[i] && w->mind[i] > fd) {
                    fd = w->mind[i];
                    far = i;
                }
            if (far == n) {
                ++*kept_empty; /* every row on its center: keep the empty cluster */
                continue;
            }
            ++*moved;
            w->taken[far] = 1;
            memcpy(w->centers_new + j * d, w->x + far * w->stride, d * sizeof(double));
        }
    }
    double shift = 0.0;
    for (size_t q = 0; q < k * d; q++) {
        double dl = w->centers_new[q] - w->centers[q];
        shift += dl * dl;
    }
    return shift;
}

genre_status genre__kmeans_lloyd(fit_ws *w, const genre__kmeans_config *cfg, const char *func,
                                 double tol_abs, int64_t *iter_total, run_out *out)
{
    for (size_t i = 0; i < w->n; i++)
        w->lab[i] = -1;
    out->moved = out->kept_empty = 0;
    int strict = 0, converged = 0;
    int64_t it = 0;
    genre_status st;
    while (it < cfg->max_iter) {
        double obj;
        size_t changed;
        if ((st = genre__kmeans_assign(w, w->centers, 1, &obj, &changed)) != GENRE_OK)
            return st;
        if (w->rbuf && (st = genre__kmeans_reduce_iteration(cfg, func, w, it + 1, w->rbuf, &obj,
                                                            &changed)) != GENRE_OK)
            return st;
        it++;
        ++*iter_total;
        if (w->trace)
            w->trace[it - 1] = obj; /* the caller reports it (kmeans_restarts.c) */
        else if (genre__progress(cfg->hooks, GENRE_KMEANS_PHASE_LLOYD, *iter_total, -1, obj))
            return GENRE_FAIL(GENRE_E_CANCELLED,
                              "cancelled by the progress callback after %lld iteration(s)",
                              (long long)*iter_total);
        if (changed == 0) {
            strict = converged = 1;
            break;
        }
        size_t moved;
        const double shift = update_centers(w, &moved, &out->kept_empty);
        out->moved += moved;
        double *tmp = w->centers;
        w->centers = w->centers_new;
        w->centers_new = tmp;
        if (shift <= tol_abs) {
            converged = 1;
            break;
        }
    }
    if (!strict) {
        double obj;
        size_t changed;
        if ((st = genre__kmeans_assign(w, w->centers, 0, &obj, &changed)) != GENRE_OK)
            return st;
    }
    out->inertia = exact_inertia(w, w->centers);
    if (w->rbuf && (st = genre__kmeans_reduce_inertia(cfg, func, it, w->rbuf, &out->inertia)) !=
                       GENRE_OK)
        return st;
    out->n_iter = it;
    out->converged = converged;
    return GENRE_OK;
}

/* Notices of one restart (GENRE_LOG_INFO; the kept one's are warnings, in
 * genre__kmeans_fit_restarts). */
void genre__kmeans_log_restart(const genre__kmeans_config *cfg, const char *func, size_t k,
                               int64_t r, const run_out *ro)
{
    if (!ro->converged)
        genre__log(cfg->hooks, GENRE_LOG_INFO,
                   "%s: k = %zu: restart %lld stopped at GENRE_KMEANS_MAX_ITER = %lld "
                   "iterations without converging",
                   func, k, (long long)r, (long long)cfg->max_iter);
    if (ro->moved > 0)
        genre__log(cfg->hooks, GENRE_LOG_INFO,
                   "%s: k = %zu: restart %lld moved an empty cluster to the farthest row "
                   "%zu time(s)",
                   func, k, (long long)r, ro->moved);
}

genre_status genre__kmeans_kept(const genre__kmeans_config *cfg, const char *func, size_t k,
                                const run_out *best, int64_t best_r, int reduced)
{
    if (!isfinite(best->inertia))
        return genre__fail(GENRE_E_NUMERIC, func,
                           "the inertia overflows (values of x too large)");
    if (!best->converged)
        genre__log(cfg->hooks, GENRE_LOG_WARNING,
                   "%s: k = %zu: the kept restart %lld stopped at GENRE_KMEANS_MAX_ITER = %lld "
                   "iterations without converging",
                   func, k, (long long)best_r, (long long)cfg->max_iter);
    if (best->kept_empty > 0)
        genre__log(cfg->hooks, GENRE_LOG_WARNING,
                   "%s: k = %zu: %zu cluster(s) of the kept restart are empty: %s", func, k,
                   best->kept_empty,
                   reduced ? "a fit with a reducer keeps an empty cluster's center"
                           : "x has fewer distinct rows than clusters");
    return GENRE_OK;
}

int genre__kmeans_use_cblas(const genre__kmeans_config *cfg, size_t d)
{
    if (cfg->kernel == GENRE_KMEANS_KERNEL_CBLAS)
        return 1;
    if (cfg->kernel == GENRE_KMEANS_KERNEL_BUILTIN)
        return 0;
    return d > AUTO_BUILTIN_MAX_COLS;
}

void genre__kmeans_column_moments(const double *x, size_t n, size_t d, size_t stride,
                                  double *mean, double *m2)
{
    /* row after row (the rows are contiguous), each column's sums in row order */
    memset(mean, 0, d * sizeof *mean);
    memset(m2, 0, d * sizeof *m2);
    for (size_t i = 0; i < n; i++) {
        const double *row = x + i * stride;
        for (size_t t = 0; t < d; t++)
            mean[t] += row[t];
    }
    for (size_t t = 0; t < d; t++)
        mean[t] /= (double)n;
    for (size_t i = 0; i < n; i++) {
        const double *row = x + i * stride;
        for (size_t t = 0; t < d; t++) {
            const double dl = row[t] - mean[t];
            m2[t] += dl * dl;
        }
    }
}

genre_status genre__kmeans_fit_restarts(const genre__kmeans_config *cfg, const char *func,
                                        const double *x, size_t n, size_t d, size_t stride,
                                        size_t k, double **centers_out, int32_t **labels_out,
                                        run_out *best_out, int64_t *best_restart)
{
    const int T = genre__resolve_threads(cfg->n_threads);
    if (T < 0)
        return T;
    /* with a reducer, every process's rows: from the reducer's buffer */
    double *rbuf = NULL;
    if (cfg->hooks && cfg->hooks->reduce &&
        !(rbuf = genre__alloc_array(genre__kmeans_reduce_len(k, d), sizeof(double))))
        return GENRE_E_NOMEM;
    /* Mean column variance, for the relative tolerance. */
    double var_sum = 0.0;
    if (rbuf) {
        genre_status st = genre__kmeans_reduce_spread(cfg, func, x, n, d, stride, cfg->init, k,
                                                      rbuf, &var_sum);
        if (st != GENRE_OK) {
            genre__free(rbuf);
            return st;
        }
    } else {
        double *stats = genre__alloc_array(d, 2 * sizeof(double));
        if (!stats)
            return GENRE_E_NOMEM;
        genre__kmeans_column_moments(x, n, d, stride, stats, stats + d);
        for (size_t t = 0; t < d; t++)
            var_sum += stats[d + t] / (double)n;
        genre__free(stats);
    }
    if (!isfinite(var_sum)) {
        genre__free(rbuf);
        return genre__fail(GENRE_E_NUMERIC, func,
                           "the column variances of x overflow (values too large)");
    }
    const double tol_abs = cfg->tol * var_sum / (double)d;
    if (!rbuf) {
        /* restarts spread over the threads when that applies (kmeans_restarts.c) */
        const int pr = genre__kmeans_restarts_parallel(cfg, func, x, n, d, stride, k, T, tol_abs,
                                                       centers_out, labels_out, best_out,
                                                       best_restart);
        if (pr <= 0)
            return pr;
    }

    fit_ws w;
    fit_ws_init(&w, x, n, d, stride, k, T);
    w.use_cblas = genre__kmeans_use_cblas(cfg, d);
    w.rbuf = rbuf; /* freed with w */
    genre_status st = genre__kmeans_ws_alloc(&w);
    if (st != GENRE_OK) {
        genre__kmeans_ws_free(&w);
        return st;
    }
    int64_t iter_total = 0;
    run_out best = {INFINITY, 0, 0, 0, 0};
    int64_t best_r = -1;
    /* given initial centers: one run from them, else n_init k-means++ restarts */
    const int64_t runs = cfg->init ? 1 : cfg->n_init;
    for (int64_t r = 0; r < runs; r++) {
        if (cfg->init) {
            memcpy(w.centers, cfg->init, k * d * sizeof(double));
        } else {
            genre__rng rng;
            genre__rng_init(&rng, (uint64_t)cfg->seed, (uint64_t)r);
            genre__kmeans_pp(&w, &rng);
        }
        run_out ro = {0.0, 0, 0, 0, 0};
        if ((st = genre__kmeans_lloyd(&w, cfg, func, tol_abs, &iter_total, &ro)) != GENRE_OK)
            break;
        genre__kmeans_log_restart(cfg, func, k, r, &ro);
        if (best_r < 0 || ro.inertia < best.inertia) {
            best = ro;
            best_r = r;
            memcpy(w.best_centers, w.centers, k * d * sizeof(double));
            memcpy(w.best_lab, w.lab, n * sizeof(int32_t));
        }
    }
    if (st == GENRE_OK)
        st = genre__kmeans_kept(cfg, func, k, &best, best_r, w.rbuf != NULL);
    if (st == GENRE_OK) {
        *centers_out = w.best_centers;
        *labels_out = w.best_lab;
        w.best_centers = NULL;
        w.best_lab = NULL;
        *best_out = best;
        *best_restart = best_r;
    }
    genre__kmeans_ws_free(&w);
    return st;
}
