/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * k-means (see genre/kmeans.h for the model and its guarantees): the
 * handle, its lifetime and parameters, the fit, predict and getter entry
 * points and the model-file payload. The fit itself is kmeans_lloyd.c and
 * kmeans_init.c, the k-sweep kmeans_sweep.c, the streamed passes
 * kmeans_partial.c and kmeans_sample.c.
 */
#include "kmeans_private.h"

#include <genre/model.h>

#include "alloc.h"
#include "caller_buffer.h"
#include "error_private.h"
#include "linalg.h"
#include "model_file.h"
#include "parallel.h"
#include "params.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Payload v1 records (docs/model-file-format.md), d features, k centers,
 * n training rows:
 *   1 n_features i64, 2 n_samples i64, 3 n_clusters i64, 4 requested K i64,
 *   5 n_init i64, 6 max_iter i64, 7 tol f64, 8 seed i64, 9 algorithm i64,
 *   10 distance kernel i64, 11 n_iter i64, 12 best restart i64,
 *   13 converged i64, 14 inertia f64, 15 centers f64[k*d],
 *   16 training labels i32[n] (i32[0] for a model updated by streamed
 *   passes, which keeps none; libraries before 0.4 refuse that file). */
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

struct genre_kmeans {
    int64_t k, n_init, max_iter, seed, n_threads, algorithm, kernel;
    double tol;
    genre__hooks hooks;

    int fitted;
    size_t d, n, kf;
    int64_t n_iter, best_restart, converged;
    double inertia;
    double shift;    /* squared center shift of the last streamed update, else NaN */
    double *centers; /* kf x d */
    int32_t *labels; /* n_labels: n after genre_kmeans_fit, 0 after a streamed pass */
    size_t n_labels;
    double *init;    /* init_k x init_d initial centers of the next fits, or NULL */
    size_t init_k, init_d;
};

/* Every k-means key (the Parameters section below); the tests check it. */

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
    genre__free(km->init);
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
    GENRE__RO_F64(GENRE_KMEANS_CENTER_SHIFT, "0.4"),
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
    case GENRE_KMEANS_CENTER_SHIFT: *f_out = km->shift; break;
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

genre_status genre_kmeans_set_reducer(genre_kmeans *km, genre_reduce_fn fn, void *user_data)
{
    GENRE_CHECK_NOT_NULL(km);
    km->hooks.reduce = fn;
    km->hooks.reduce_data = fn ? user_data : NULL;
    return GENRE_OK;
}

genre_status genre_kmeans_set_initial_centers(genre_kmeans *km, const double *centers,
                                              size_t n_clusters, size_t n_cols)
{
    GENRE_CHECK_NOT_NULL(km);
    if (!centers) {
        genre__free(km->init);
        km->init = NULL;
        km->init_k = km->init_d = 0;
        return GENRE_OK;
    }
    if (n_clusters == 0 || n_cols == 0 || n_clusters > INT32_MAX)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "%zu cluster(s) of %zu column(s): want 1 to 2^31 - 1 clusters and "
                          "at least one column",
                          n_clusters, n_cols);
    genre_status st = genre__check_matrix(__func__, "centers", centers, n_clusters, n_cols,
                                          n_cols, 1);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    double *copy = genre__alloc_array(n_clusters, n_cols * sizeof(double));
    if (!copy)
        return GENRE_PASS(GENRE_E_NOMEM);
    memcpy(copy, centers, n_clusters * n_cols * sizeof(double));
    genre__free(km->init);
    km->init = copy;
    km->init_k = n_clusters;
    km->init_d = n_cols;
    return GENRE_OK;
}

/* ---- Fit ---------------------------------------------------------------- */

genre__kmeans_config genre__kmeans_config_of(const genre_kmeans *km)
{
    genre__kmeans_config c = {.n_init = km->n_init,
                              .max_iter = km->max_iter,
                              .seed = km->seed,
                              .n_threads = km->n_threads,
                              .kernel = km->kernel,
                              .tol = km->tol,
                              .hooks = &km->hooks,
                              .init = km->init};
    return c;
}

genre_status genre_kmeans_fit(genre_kmeans *km, const double *x, size_t n_rows, size_t n_cols,
                              size_t row_stride)
{
    GENRE_CHECK_NOT_NULL(km);
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride, 1);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (km->init && km->init_k != (uint64_t)km->k)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "the %zu initial centers (genre_kmeans_set_initial_centers) are not "
                          "GENRE_KMEANS_K = %lld clusters",
                          km->init_k, (long long)km->k);
    if (km->init && km->init_d != n_cols)
        return GENRE_FAIL(GENRE_E_SHAPE,
                          "the initial centers have %zu column(s), x has %zu", km->init_d,
                          n_cols);
    if (km->hooks.reduce && !km->init)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "a fit with a reducer (genre_kmeans_set_reducer) needs initial "
                          "centers (genre_kmeans_set_initial_centers): k-means++ on each "
                          "process's own rows would start the processes apart");
    /* from given centers a process may hold fewer rows than clusters */
    if (!km->init && (uint64_t)km->k > n_rows)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "GENRE_KMEANS_K = %lld clusters is more than the %zu row(s) of x",
                          (long long)km->k, n_rows);
    double *centers = NULL;
    int32_t *labels = NULL;
    run_out best;
    int64_t best_r;
    const genre__kmeans_config cfg = genre__kmeans_config_of(km);
    st = genre__kmeans_fit_restarts(&cfg, __func__, x, n_rows, n_cols, row_stride,
                                    (size_t)km->k, &centers, &labels, &best, &best_r);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    genre__free(km->centers);
    genre__free(km->labels);
    km->centers = centers;
    km->labels = labels;
    km->n_labels = n_rows;
    km->shift = NAN;
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

/* ---- Predict and getters ------------------------------------------------ */

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
    if ((st = genre__buffer_check(__func__, out, out_len, n_rows, needed)) != GENRE_OK)
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
              : genre__buffer_copy(__func__, km->centers, km->kf * km->d, out, out_len, needed);
}

genre_status genre_kmeans_get_labels(const genre_kmeans *km, int32_t *out, size_t out_len,
                                     size_t *needed)
{
    genre_status st = fitted_or_fail(km, __func__);
    if (st == GENRE_OK && km->n_labels == 0)
        st = GENRE_FAIL(GENRE_E_BAD_STATE,
                        "the k-means was fitted by streamed passes (genre_kmeans_fit_partial) "
                        "and keeps no training labels: predict them");
    if (st == GENRE_OK)
        st = genre__buffer_check(__func__, out, out_len, km->n, needed);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    memcpy(out, km->labels, km->n * sizeof(int32_t));
    return GENRE_OK;
}

/* ---- Persistence -------------------------------------------------------- */

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
    return genre__mf_put_i32_array(w, TAG_LABELS, km->labels, km->n_labels);
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
        ((uint64_t)n != cnt_l && cnt_l != 0) || (uint64_t)kf > cnt_c || cnt_c % (uint64_t)kf != 0 ||
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
    km->n_labels = cnt_l;
    km->shift = NAN;
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

/* ---- Streamed passes (kmeans_partial.c) ----------------------------------- */

static void install(genre_kmeans *km, double *centers, size_t k, size_t d, uint64_t n_rows)
{
    genre__free(km->centers);
    genre__free(km->labels);
    km->centers = centers;
    km->labels = NULL;
    km->n_labels = 0;
    km->fitted = 1;
    km->d = d;
    km->kf = k;
    km->n = (size_t)n_rows;
    km->best_restart = 0;
}

void genre__kmeans_install_init(genre_kmeans *km, double *centers, size_t k, size_t d,
                                uint64_t n_rows, double inertia)
{
    install(km, centers, k, d, n_rows);
    km->n_iter = 0;
    km->converged = 0;
    km->inertia = inertia;
    km->shift = NAN;
}

void genre__kmeans_install_pass(genre_kmeans *km, double *centers, size_t k, size_t d,
                                uint64_t n_rows, double inertia, double shift, int converged)
{
    const int64_t prev = km->fitted ? km->n_iter : 0;
    const int64_t it = prev < km->max_iter ? prev + 1 : km->max_iter;
    install(km, centers, k, d, n_rows);
    km->n_iter = it;
    km->converged = converged;
    km->inertia = inertia;
    km->shift = shift;
}

const double *genre__kmeans_centers(const genre_kmeans *km, size_t *k, size_t *d)
{
    *k = km->fitted ? km->kf : 0;
    *d = km->fitted ? km->d : 0;
    return km->fitted ? km->centers : NULL;
}
