/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * k-means (see genre/kmeans.h for the model and its guarantees).
 *
 * One fit = n_init restarts; restart r seeds its generator with stream r of
 * the seed, runs greedy k-means++ and Lloyd's iterations, and the lowest
 * final inertia wins (the first restart on ties). Every per-row loop runs
 * through genre__parallel_for over fixed blocks of ROWS rows, each worker
 * keeping its own partial sums that are combined in worker order; BLAS
 * (dgemm of the CBLAS kernel) only runs between parallel regions, on the
 * calling thread (docs/threads.md).
 */
#include <genre/kmeans.h>
#include <genre/metrics.h>
#include <genre/model.h>

#include "alloc.h"
#include "error_private.h"
#include "linalg.h"
#include "linear_util.h"
#include "model_file.h"
#include "parallel.h"
#include "params.h"
#include "rng.h"
#include "silhouette.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Payload v1 records (docs/model-file-format.md), d features, k centers,
 * n training rows:
 *   1 n_features i64, 2 n_samples i64, 3 n_clusters i64, 4 requested K i64,
 *   5 n_init i64, 6 max_iter i64, 7 tol f64, 8 seed i64, 9 algorithm i64,
 *   10 distance kernel i64, 11 n_iter i64, 12 best restart i64,
 *   13 converged i64, 14 inertia f64, 15 centers f64[k*d],
 *   16 training labels i32[n]. */
#define KM_PAYLOAD_VERSION 1u
#define TAG_N_FEATURES 1u
#define TAG_N_SAMPLES 2u
#define TAG_N_CLUSTERS 3u
#define TAG_K 4u
#define TAG_N_INIT 5u
#define TAG_MAX_ITER 6u
#define TAG_TOL 7u
#define TAG_SEED 8u
#define TAG_ALGORITHM 9u
#define TAG_KERNEL 10u
#define TAG_N_ITER 11u
#define TAG_BEST_RESTART 12u
#define TAG_CONVERGED 13u
#define TAG_INERTIA 14u
#define TAG_CENTERS 15u
#define TAG_LABELS 16u

/* Rows per item of the parallel loops. */
#define ROWS 256
/* AUTO uses the builtin distance loop up to this many columns
 * (bench/bench_kmeans.c measures both kernels). */
#define AUTO_BUILTIN_MAX_COLS 8
/* Doubles of the CBLAS kernel's cross-product block (32 MiB). */
#define CROSS_BUDGET ((size_t)1 << 22)
#define MAX_TRIALS 64

struct genre_kmeans {
    int64_t k, n_init, max_iter, seed, n_threads, algorithm, kernel;
    double tol;
    genre__hooks hooks;

    int fitted;
    size_t d, n, kf;
    int64_t n_iter, best_restart, converged;
    double inertia;
    double *centers; /* kf x d */
    int32_t *labels; /* n */
};

/* Every k-means key (the Parameters section below); the tests check it. */
extern const genre__param_table genre__kmeans_param_table;

genre_status genre_kmeans_create(genre_kmeans **out)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    genre_kmeans *km = GENRE_NEW(genre_kmeans);
    if (!km)
        return GENRE_PASS(GENRE_E_NOMEM);
    genre__params_reset(&genre__kmeans_param_table, km);
    *out = km;
    return GENRE_OK;
}

void genre_kmeans_free(genre_kmeans *km)
{
    if (!km)
        return;
    genre__free(km->centers);
    genre__free(km->labels);
    genre__free(km);
}

/* ---- Parameters ----------------------------------------------------------- */

static const int64_t ALGORITHMS[] = {GENRE_KMEANS_ALGO_LLOYD};
static const int64_t KERNELS[] = {GENRE_KMEANS_KERNEL_AUTO, GENRE_KMEANS_KERNEL_CBLAS,
                                  GENRE_KMEANS_KERNEL_BUILTIN};

static const genre__param kmeans_params[] = {
    GENRE__I64(GENRE_KMEANS_K, GENRE__SLOT_I64, genre_kmeans, k, 8, 1, INT32_MAX, "0.1"),
    GENRE__I64(GENRE_KMEANS_N_INIT, GENRE__SLOT_I64, genre_kmeans, n_init, 10, 1, 1000000,
               "0.1"),
    GENRE__I64(GENRE_KMEANS_MAX_ITER, GENRE__SLOT_I64, genre_kmeans, max_iter, 300, 1,
               10000000, "0.1"),
    GENRE__F64(GENRE_KMEANS_TOL, genre_kmeans, tol, 1e-4, 0.0, 1e300, 0, 0, "0.1"),
    GENRE__I64(GENRE_KMEANS_SEED, GENRE__SLOT_I64, genre_kmeans, seed, 0, INT64_MIN, INT64_MAX,
               "0.1"),
    GENRE__I64(GENRE_KMEANS_N_THREADS, GENRE__SLOT_I64, genre_kmeans, n_threads, 0, 0,
               INT64_MAX, "0.1"),
    GENRE__ENUM(GENRE_KMEANS_ALGORITHM, GENRE__SLOT_I64, genre_kmeans, algorithm,
                GENRE_KMEANS_ALGO_LLOYD, ALGORITHMS, "0.1"),
    GENRE__ENUM(GENRE_KMEANS_DISTANCE_KERNEL, GENRE__SLOT_I64, genre_kmeans, kernel,
                GENRE_KMEANS_KERNEL_AUTO, KERNELS, "0.1"),
    GENRE__RO_I64(GENRE_KMEANS_N_FEATURES, "0.1"),
    GENRE__RO_I64(GENRE_KMEANS_N_SAMPLES, "0.1"),
    GENRE__RO_I64(GENRE_KMEANS_N_CLUSTERS, "0.1"),
    GENRE__RO_I64(GENRE_KMEANS_N_ITER, "0.1"),
    GENRE__RO_I64(GENRE_KMEANS_BEST_RESTART, "0.1"),
    GENRE__RO_I64(GENRE_KMEANS_CONVERGED, "0.1"),
    GENRE__RO_I64(GENRE_KMEANS_FITTED, "0.1"),
    GENRE__RO_F64(GENRE_KMEANS_INERTIA, "0.1"),
};

/* The fitted properties; GENRE_KMEANS_FITTED answers before a fit too. */
static genre_status read_only(const void *handle, const char *func, int32_t key,
                              int64_t *i_out, double *f_out)
{
    const genre_kmeans *km = handle;
    if (key == GENRE_KMEANS_FITTED) {
        *i_out = km->fitted;
        return GENRE_OK;
    }
    if (!km->fitted)
        return genre__fail(GENRE_E_BAD_STATE, func, "the k-means is not fitted");
    switch (key) {
    case GENRE_KMEANS_N_FEATURES: *i_out = (int64_t)km->d; break;
    case GENRE_KMEANS_N_SAMPLES: *i_out = (int64_t)km->n; break;
    case GENRE_KMEANS_N_CLUSTERS: *i_out = (int64_t)km->kf; break;
    case GENRE_KMEANS_N_ITER: *i_out = km->n_iter; break;
    case GENRE_KMEANS_BEST_RESTART: *i_out = km->best_restart; break;
    case GENRE_KMEANS_CONVERGED: *i_out = km->converged; break;
    default: *f_out = km->inertia; break;
    }
    return GENRE_OK;
}

const genre__param_table genre__kmeans_param_table = {
    "k-means", kmeans_params, sizeof kmeans_params / sizeof kmeans_params[0], read_only};

#define TABLE (&genre__kmeans_param_table)

genre_status genre_kmeans_set_i64(genre_kmeans *km, int32_t key, int64_t value)
{
    GENRE_CHECK_NOT_NULL(km);
    return genre__params_set_i64(TABLE, km, __func__, key, value);
}

genre_status genre_kmeans_set_f64(genre_kmeans *km, int32_t key, double value)
{
    GENRE_CHECK_NOT_NULL(km);
    return genre__params_set_f64(TABLE, km, __func__, key, value);
}

genre_status genre_kmeans_get_i64(const genre_kmeans *km, int32_t key, int64_t *out)
{
    GENRE_CHECK_NOT_NULL(km);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_i64(TABLE, km, km, __func__, key, out);
}

genre_status genre_kmeans_get_f64(const genre_kmeans *km, int32_t key, double *out)
{
    GENRE_CHECK_NOT_NULL(km);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_f64(TABLE, km, km, __func__, key, out);
}

genre_status genre_kmeans_param_bounds(int32_t key, double *lo, double *hi)
{
    GENRE_CHECK_NOT_NULL(lo);
    GENRE_CHECK_NOT_NULL(hi);
    return genre__params_bounds(TABLE, __func__, key, lo, hi);
}

genre_status genre_kmeans_param_values(int32_t key, int64_t *out, size_t cap,
                                       size_t *n_values)
{
    GENRE_CHECK_NOT_NULL(n_values);
    return genre__params_values(TABLE, __func__, key, out, cap, n_values);
}

genre_status genre_kmeans_reset_params(genre_kmeans *km)
{
    GENRE_CHECK_NOT_NULL(km);
    genre__params_reset(TABLE, km);
    return GENRE_OK;
}

genre_status genre_kmeans_set_progress(genre_kmeans *km, genre_progress_fn fn, void *user_data)
{
    GENRE_CHECK_NOT_NULL(km);
    km->hooks.progress = fn;
    km->hooks.progress_data = user_data;
    return GENRE_OK;
}

genre_status genre_kmeans_set_log(genre_kmeans *km, genre_log_fn fn, void *user_data)
{
    GENRE_CHECK_NOT_NULL(km);
    km->hooks.log = fn;
    km->hooks.log_data = user_data;
    return GENRE_OK;
}

/* ---- The parallel row loops ---------------------------------------------- */

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

static inline double sqdist(const double *a, const double *b, size_t d)
{
    double s = 0.0;
    for (size_t t = 0; t < d; t++) {
        double dl = a[t] - b[t];
        s += dl * dl;
    }
    return s;
}

/* The assignment loop; inlined with a constant d for the few-column cases
 * so the distance loop is unrolled. */
static inline void assign_range(const row_ctx *c, size_t begin, size_t end, int worker,
                                const size_t d)
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
    for (size_t i = r0; i < r1; i++) {
        const double *xi = c->x + i * c->stride;
        size_t best = 0;
        double bd;
        if (c->cross) {
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

/* ---- One fit ------------------------------------------------------------- */

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
} fit_ws;

static void ws_free(fit_ws *w)
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
}

static size_t n_trials(size_t k)
{
    size_t t = 2 + (size_t)floor(log((double)k));
    return t < MAX_TRIALS ? t : MAX_TRIALS;
}

static genre_status ws_alloc(fit_ws *w)
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

static row_ctx base_ctx(const fit_ws *w, const double *centers)
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

/* Assigns every row to its nearest center; with accumulate, also the
 * per-cluster sums (combined into w->sums / w->counts, worker 0's slot).
 * Returns the assignment inertia and the number of changed labels. */
static genre_status assign(fit_ws *w, const double *centers, int accumulate, double *obj,
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
            genre__parallel_for((int)T, (len + ROWS - 1) / ROWS, assign_rows, &c);
        }
    } else {
        c.row0 = 0;
        c.len = w->n;
        genre__parallel_for((int)T, w->n_items, assign_rows, &c);
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
    genre__parallel_for((int)w->T, w->n_items, inertia_rows, &c);
    double o = 0.0;
    for (size_t t = 0; t < w->T; t++)
        o += w->obj[t];
    return o;
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

/* Greedy k-means++ into w->centers. */
static void kmeanspp(fit_ws *w, genre__rng *rng)
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
        genre__parallel_for((int)T, w->n_items, candidate_rows, &cx);
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

/* Means of the accumulated rows into w->centers_new; empty clusters move to
 * the rows farthest from their centers (by w->mind). Returns the squared
 * center shift summed over centers; *moved receives the number of empty
 * clusters moved, *kept_empty those left empty (every row on its center). */
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
    if (any_empty) {
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

typedef struct run_out {
    double inertia;
    int64_t n_iter;
    int converged;
    size_t moved;      /* empty clusters moved to far rows, over the run */
    size_t kept_empty; /* clusters left empty by the last update */
} run_out;

static genre_status lloyd(fit_ws *w, const genre_kmeans *km, double tol_abs,
                          int64_t *iter_total, run_out *out)
{
    for (size_t i = 0; i < w->n; i++)
        w->lab[i] = -1;
    out->moved = out->kept_empty = 0;
    int strict = 0, converged = 0;
    int64_t it = 0;
    genre_status st;
    while (it < km->max_iter) {
        double obj;
        size_t changed;
        if ((st = assign(w, w->centers, 1, &obj, &changed)) != GENRE_OK)
            return st;
        it++;
        ++*iter_total;
        if (genre__progress(&km->hooks, GENRE_KMEANS_PHASE_LLOYD, *iter_total, -1, obj))
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
        if ((st = assign(w, w->centers, 0, &obj, &changed)) != GENRE_OK)
            return st;
    }
    out->inertia = exact_inertia(w, w->centers);
    out->n_iter = it;
    out->converged = converged;
    return GENRE_OK;
}

/* Notices of one restart (GENRE_LOG_INFO; the kept one's are warnings, in
 * fit_into). */
static void log_restart(const genre_kmeans *km, const char *func, size_t k, int64_t r,
                        const run_out *ro)
{
    if (!ro->converged)
        genre__log(&km->hooks, GENRE_LOG_INFO,
                   "%s: k = %zu: restart %lld stopped at GENRE_KMEANS_MAX_ITER = %lld "
                   "iterations without converging",
                   func, k, (long long)r, (long long)km->max_iter);
    if (ro->moved > 0)
        genre__log(&km->hooks, GENRE_LOG_INFO,
                   "%s: k = %zu: restart %lld moved an empty cluster to the farthest row "
                   "%zu time(s)",
                   func, k, (long long)r, ro->moved);
}

static int use_cblas(const genre_kmeans *km, size_t d)
{
    if (km->kernel == GENRE_KMEANS_KERNEL_CBLAS)
        return 1;
    if (km->kernel == GENRE_KMEANS_KERNEL_BUILTIN)
        return 0;
    return d > AUTO_BUILTIN_MAX_COLS;
}

/* The whole fit into freshly allocated centers and labels (owned by the
 * caller on GENRE_OK). */
static genre_status fit_into(const genre_kmeans *km, const char *func, const double *x,
                             size_t n, size_t d, size_t stride, size_t k, double **centers_out,
                             int32_t **labels_out, run_out *best_out, int64_t *best_restart)
{
    const int T = genre__resolve_threads(km->n_threads);
    if (T < 0)
        return T;
    /* Mean column variance (two passes), for the relative tolerance. */
    double var_sum = 0.0;
    for (size_t t = 0; t < d; t++) {
        double m = 0.0, v = 0.0;
        for (size_t i = 0; i < n; i++)
            m += x[i * stride + t];
        m /= (double)n;
        for (size_t i = 0; i < n; i++) {
            double dl = x[i * stride + t] - m;
            v += dl * dl;
        }
        var_sum += v / (double)n;
    }
    if (!isfinite(var_sum))
        return genre__fail(GENRE_E_NUMERIC, func,
                           "the column variances of x overflow (values too large)");
    const double tol_abs = km->tol * var_sum / (double)d;

    fit_ws w;
    memset(&w, 0, sizeof w);
    w.x = x;
    w.n = n;
    w.d = d;
    w.stride = stride;
    w.k = k;
    w.n_items = (n + ROWS - 1) / ROWS;
    w.T = (size_t)T < w.n_items ? (size_t)T : w.n_items;
    w.use_cblas = use_cblas(km, d);
    genre_status st = ws_alloc(&w);
    if (st != GENRE_OK) {
        ws_free(&w);
        return st;
    }
    int64_t iter_total = 0;
    run_out best = {INFINITY, 0, 0, 0, 0};
    int64_t best_r = -1;
    for (int64_t r = 0; r < km->n_init; r++) {
        genre__rng rng;
        genre__rng_init(&rng, (uint64_t)km->seed, (uint64_t)r);
        kmeanspp(&w, &rng);
        run_out ro = {0.0, 0, 0, 0, 0};
        if ((st = lloyd(&w, km, tol_abs, &iter_total, &ro)) != GENRE_OK)
            break;
        log_restart(km, func, k, r, &ro);
        if (best_r < 0 || ro.inertia < best.inertia) {
            best = ro;
            best_r = r;
            memcpy(w.best_centers, w.centers, k * d * sizeof(double));
            memcpy(w.best_lab, w.lab, n * sizeof(int32_t));
        }
    }
    if (st == GENRE_OK && !isfinite(best.inertia))
        st = genre__fail(GENRE_E_NUMERIC, func,
                         "the inertia overflows (values of x too large)");
    if (st == GENRE_OK && !best.converged)
        genre__log(&km->hooks, GENRE_LOG_WARNING,
                   "%s: k = %zu: the kept restart %lld stopped at GENRE_KMEANS_MAX_ITER = %lld "
                   "iterations without converging",
                   func, k, (long long)best_r, (long long)km->max_iter);
    if (st == GENRE_OK && best.kept_empty > 0)
        genre__log(&km->hooks, GENRE_LOG_WARNING,
                   "%s: k = %zu: %zu cluster(s) of the kept restart are empty: x has fewer "
                   "distinct rows than clusters",
                   func, k, best.kept_empty);
    if (st == GENRE_OK) {
        *centers_out = w.best_centers;
        *labels_out = w.best_lab;
        w.best_centers = NULL;
        w.best_lab = NULL;
        *best_out = best;
        *best_restart = best_r;
    }
    ws_free(&w);
    return st;
}

genre_status genre_kmeans_fit(genre_kmeans *km, const double *x, size_t n_rows, size_t n_cols,
                              size_t row_stride)
{
    GENRE_CHECK_NOT_NULL(km);
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride, 1);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if ((uint64_t)km->k > n_rows)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "GENRE_KMEANS_K = %lld clusters is more than the %zu row(s) of x",
                          (long long)km->k, n_rows);
    double *centers = NULL;
    int32_t *labels = NULL;
    run_out best;
    int64_t best_r;
    st = fit_into(km, __func__, x, n_rows, n_cols, row_stride, (size_t)km->k, &centers,
                  &labels, &best, &best_r);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    genre__free(km->centers);
    genre__free(km->labels);
    km->centers = centers;
    km->labels = labels;
    km->fitted = 1;
    km->d = n_cols;
    km->n = n_rows;
    km->kf = (size_t)km->k;
    km->n_iter = best.n_iter;
    km->best_restart = best_r;
    km->converged = best.converged;
    km->inertia = best.inertia;
    return GENRE_OK;
}

/* ---- Predict and getters ------------------------------------------------- */

typedef struct pred_ctx {
    const genre_kmeans *km;
    const double *x;
    size_t n, stride;
    int32_t *out;
} pred_ctx;

static void predict_rows(void *vctx, size_t begin, size_t end, int worker)
{
    const pred_ctx *c = vctx;
    const size_t d = c->km->d, k = c->km->kf;
    const size_t r1 = end * ROWS < c->n ? end * ROWS : c->n;
    (void)worker;
    for (size_t i = begin * ROWS; i < r1; i++) {
        const double *xi = c->x + i * c->stride;
        size_t best = 0;
        double bd = sqdist(xi, c->km->centers, d);
        for (size_t j = 1; j < k; j++) {
            double v = sqdist(xi, c->km->centers + j * d, d);
            if (v < bd) {
                bd = v;
                best = j;
            }
        }
        c->out[i] = (int32_t)best;
    }
}

static genre_status fitted_or_fail(const genre_kmeans *km, const char *func)
{
    if (km == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 'km' is NULL");
    if (!km->fitted)
        return genre__fail(GENRE_E_BAD_STATE, func, "the k-means is not fitted");
    return GENRE_OK;
}

genre_status genre_kmeans_predict(const genre_kmeans *km, const double *x, size_t n_rows,
                                  size_t n_cols, size_t row_stride, int32_t *out,
                                  size_t out_len, size_t *needed)
{
    genre_status st = fitted_or_fail(km, __func__);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if ((st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride, 1)) !=
        GENRE_OK)
        return GENRE_PASS(st);
    if (n_cols != km->d)
        return GENRE_FAIL(GENRE_E_SHAPE, "x has %zu columns but the k-means was fitted on %zu",
                          n_cols, km->d);
    if ((st = genre__lin_out(__func__, out, out_len, n_rows, needed)) != GENRE_OK)
        return GENRE_PASS(st);
    int T = genre__resolve_threads(km->n_threads);
    pred_ctx c = {km, x, n_rows, row_stride, out};
    genre__parallel_for(T > 0 ? T : 1, (n_rows + ROWS - 1) / ROWS, predict_rows, &c);
    return GENRE_OK;
}

genre_status genre_kmeans_get_centers(const genre_kmeans *km, double *out, size_t out_len,
                                      size_t *needed)
{
    genre_status st = fitted_or_fail(km, __func__);
    return st ? st
              : genre__lin_copy_out(__func__, km->centers, km->kf * km->d, out, out_len,
                                    needed);
}

genre_status genre_kmeans_get_labels(const genre_kmeans *km, int32_t *out, size_t out_len,
                                     size_t *needed)
{
    genre_status st = fitted_or_fail(km, __func__);
    if (st == GENRE_OK)
        st = genre__lin_out(__func__, out, out_len, km->n, needed);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    memcpy(out, km->labels, km->n * sizeof(int32_t));
    return GENRE_OK;
}

/* ---- The k-sweep ----------------------------------------------------------- */

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
    const int T = genre__resolve_threads(km->n_threads);
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
        st = fit_into(km, __func__, x, n_rows, n_cols, row_stride, k, &centers, &labels, &best,
                      &best_r);
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
        if (genre__progress(&km->hooks, GENRE_KMEANS_PHASE_SWEEP, (int64_t)q + 1,
                            (int64_t)count, best.inertia))
            st = GENRE_FAIL(GENRE_E_CANCELLED,
                            "cancelled by the progress callback after k = %zu", k);
    }
    if (st == GENRE_OK && n_valid > 0) {
        st = genre__silhouette_run(__func__, x, n_rows, n_cols, row_stride, all, n_valid, T,
                                   means, NULL, km->hooks.progress, km->hooks.progress_data,
                                   GENRE_KMEANS_PHASE_SILHOUETTE);
        for (size_t v = 0; v < n_valid && st == GENRE_OK; v++)
            silhouette[which[v]] = means[v];
    }
    genre__free(all);
    genre__free(means);
    genre__free(which);
    return GENRE_PASS(st);
}

/* ---- Persistence --------------------------------------------------------- */

/* The codec's genre__mf_encode_fn (model_file.h): model is a fitted genre_kmeans. */
static genre_status write_model(const void *model, genre__mf_writer *w)
{
    const genre_kmeans *km = model;
    genre__mf_put_i64(w, TAG_N_FEATURES, (int64_t)km->d);
    genre__mf_put_i64(w, TAG_N_SAMPLES, (int64_t)km->n);
    genre__mf_put_i64(w, TAG_N_CLUSTERS, (int64_t)km->kf);
    genre__mf_put_i64(w, TAG_K, km->k);
    genre__mf_put_i64(w, TAG_N_INIT, km->n_init);
    genre__mf_put_i64(w, TAG_MAX_ITER, km->max_iter);
    genre__mf_put_f64(w, TAG_TOL, km->tol);
    genre__mf_put_i64(w, TAG_SEED, km->seed);
    genre__mf_put_i64(w, TAG_ALGORITHM, km->algorithm);
    genre__mf_put_i64(w, TAG_KERNEL, km->kernel);
    genre__mf_put_i64(w, TAG_N_ITER, km->n_iter);
    genre__mf_put_i64(w, TAG_BEST_RESTART, km->best_restart);
    genre__mf_put_i64(w, TAG_CONVERGED, km->converged);
    genre__mf_put_f64(w, TAG_INERTIA, km->inertia);
    genre__mf_put_f64_array(w, TAG_CENTERS, km->centers, km->kf * km->d);
    return genre__mf_put_i32_array(w, TAG_LABELS, km->labels, km->n);
}

/* The codec's genre__mf_decode_fn (model_file.h): dest is their
 * genre_kmeans **out; r NULL only clears *out; the payload version is checked. */
static genre_status read_model(const genre__mf_reader *r, void *dest, const char *func)
{
    genre_kmeans **out = dest;
    *out = NULL;
    if (r == NULL)
        return GENRE_OK;
    int64_t d, n, kf, k, n_init, max_iter, seed, algo, kernel, n_iter, best_r, conv;
    double tol, inertia;
    genre_status st;
    if ((st = genre__mf_get_i64(r, TAG_N_FEATURES, &d)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_SAMPLES, &n)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_CLUSTERS, &kf)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_K, &k)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_INIT, &n_init)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_MAX_ITER, &max_iter)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_TOL, &tol)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_SEED, &seed)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_ALGORITHM, &algo)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_KERNEL, &kernel)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_ITER, &n_iter)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_BEST_RESTART, &best_r)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_CONVERGED, &conv)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_INERTIA, &inertia)) != GENRE_OK)
        return st;
    size_t cnt_c = 0, cnt_l = 0;
    if (d < 1 || d > INT32_MAX || kf < 1 || kf > INT32_MAX || n < kf || k < 1 ||
        k > INT32_MAX || n_init < 1 || n_init > 1000000 || max_iter < 1 ||
        max_iter > 10000000 || !(tol >= 0 && tol <= 1e300) ||
        algo != GENRE_KMEANS_ALGO_LLOYD || kernel < GENRE_KMEANS_KERNEL_AUTO ||
        kernel > GENRE_KMEANS_KERNEL_BUILTIN || n_iter < 0 || n_iter > max_iter ||
        best_r < 0 || best_r >= n_init || (conv != 0 && conv != 1) ||
        !(inertia >= 0 && isfinite(inertia)) ||
        genre__mf_get_count(r, TAG_CENTERS, GENRE__MF_F64_ARRAY, &cnt_c) != GENRE_OK ||
        genre__mf_get_count(r, TAG_LABELS, GENRE__MF_I32_ARRAY, &cnt_l) != GENRE_OK ||
        (uint64_t)n != cnt_l || (uint64_t)kf > cnt_c || cnt_c % (uint64_t)kf != 0 ||
        cnt_c / (uint64_t)kf != (uint64_t)d)
        return genre__fail(GENRE_E_CORRUPT, func,
                           "inconsistent k-means model: n_features %lld, n_samples %lld, "
                           "n_clusters %lld, k %lld, n_init %lld, max_iter %lld, n_iter %lld, "
                           "best restart %lld, %zu center values, %zu labels",
                           (long long)d, (long long)n, (long long)kf, (long long)k,
                           (long long)n_init, (long long)max_iter, (long long)n_iter,
                           (long long)best_r, cnt_c, cnt_l);
    genre_kmeans *km;
    if ((st = genre_kmeans_create(&km)) != GENRE_OK)
        return st;
    km->centers = genre__alloc_array(cnt_c, sizeof(double));
    km->labels = km->centers ? genre__alloc_array(cnt_l, sizeof(int32_t)) : NULL;
    if (!km->labels) {
        genre_kmeans_free(km);
        return GENRE_E_NOMEM;
    }
    if ((st = genre__mf_get_f64_array(r, TAG_CENTERS, km->centers, cnt_c)) != GENRE_OK ||
        (st = genre__mf_get_i32_array(r, TAG_LABELS, km->labels, cnt_l)) != GENRE_OK) {
        genre_kmeans_free(km);
        return st;
    }
    int bad = 0;
    for (size_t q = 0; q < cnt_c; q++)
        bad |= !isfinite(km->centers[q]);
    for (size_t q = 0; q < cnt_l; q++)
        bad |= km->labels[q] < 0 || km->labels[q] >= kf;
    if (bad) {
        genre_kmeans_free(km);
        return genre__fail(GENRE_E_CORRUPT, func, "invalid k-means centers or labels");
    }
    km->k = k;
    km->n_init = n_init;
    km->max_iter = max_iter;
    km->tol = tol;
    km->seed = seed;
    km->algorithm = algo;
    km->kernel = kernel;
    km->fitted = 1;
    km->d = (size_t)d;
    km->n = (size_t)n;
    km->kf = (size_t)kf;
    km->n_iter = n_iter;
    km->best_restart = best_r;
    km->converged = conv;
    km->inertia = inertia;
    *out = km;
    return GENRE_OK;
}

static const genre__mf_codec codec = {GENRE_MODEL_KMEANS, KM_PAYLOAD_VERSION, "k-means", write_model,
                                      read_model};

genre_status genre_kmeans_save(const genre_kmeans *km, const char *path)
{
    genre_status st = fitted_or_fail(km, __func__);
    return st ? st : genre__mf_save_file(__func__, km, path, &codec);
}

genre_status genre_kmeans_save_to_memory(const genre_kmeans *km, void *buf, size_t cap,
                                         size_t *written_or_needed)
{
    genre_status st = fitted_or_fail(km, __func__);
    return st ? st : genre__mf_save_memory(__func__, km, buf, cap, written_or_needed, &codec);
}

genre_status genre_kmeans_load_from_memory(genre_kmeans **out, const void *buf, size_t len)
{
    return genre__mf_load_memory(__func__, out, buf, len, &codec);
}

genre_status genre_kmeans_load(genre_kmeans **out, const char *path)
{
    return genre__mf_load_file(__func__, out, path, &codec);
}
