/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * t-SNE: the handle, its parameters, the optimiser and persistence (the
 * shared affinity handle is tsne_affinity_handle.c). The
 * kernels (tsne_private.h) are the affinities (tsne_affinities.c) and the
 * gradient (tsne_gradient.c) with its repulsions (tsne_exact.c, tsne_bh.c,
 * tsne_fft.c).
 */
#include <genre/model.h>
#include <genre/pca.h>
#include <genre/tsne.h>

#include "alloc.h"
#include "caller_buffer.h"
#include "error_private.h"
#include "linalg.h"
#include "model_file.h"
#include "parallel.h"
#include "params.h"
#include "rng.h"
#include "tsne_private.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Payload v1 records (docs/model-file-format.md), n rows, c components:
 *   1 n_samples i64, 2 n_features i64, 3 n_components i64, 4 method u32
 *   (requested), 5 method used u32, 6 init u32, 7 perplexity f64, 8 theta
 *   f64, 9 learning rate f64 (0 = auto), 10 learning rate used f64,
 *   11 early exaggeration f64, 12 exaggeration iterations i64, 13 momentum
 *   f64, 14 final momentum f64, 15 max_iter i64, 16 seed i64, 17 min gain
 *   f64, 18 iterations run i64, 19 KL divergence f64, 20 embedding
 *   f64[n * c] (row-major). The thread count and progress settings are
 *   run-time choices and are not stored. */
#define TSNE_PAYLOAD_VERSION 1u
enum {
    TAG_N_SAMPLES = 1,
    TAG_N_FEATURES,
    TAG_N_COMPONENTS,
    TAG_METHOD,
    TAG_METHOD_USED,
    TAG_INIT,
    TAG_PERPLEXITY,
    TAG_THETA,
    TAG_LR,
    TAG_LR_USED,
    TAG_EE,
    TAG_EE_ITER,
    TAG_MOMENTUM,
    TAG_FINAL_MOMENTUM,
    TAG_MAX_ITER,
    TAG_SEED,
    TAG_MIN_GAIN,
    TAG_N_ITER,
    TAG_KL,
    TAG_EMBEDDING
};

/* Below this many rows AUTO uses the exact method. */
#define AUTO_EXACT_BELOW 500

struct genre_tsne {
    double perplexity, theta, lr, ee, momentum, final_momentum, min_gain;
    int64_t n_components, method, ee_iter, max_iter, init, seed, n_threads, report_every;
    genre__hooks hooks;

    int fitted;
    size_t n, d;
    int64_t n_iter;
    double kl, lr_used;
    int method_used;
    double *emb; /* n x n_components */
};

/* Every t-SNE key (the Parameters section below); the tests check it. */

genre_status genre_tsne_create(genre_tsne **out)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    genre_tsne *t = GENRE_NEW(genre_tsne);
    if (!t)
        return GENRE_PASS(GENRE_E_NOMEM);
    genre__params_reset(&genre__tsne_param_table, t);
    *out = t;
    return GENRE_OK;
}

void genre_tsne_free(genre_tsne *t)
{
    if (!t)
        return;
    genre__free(t->emb);
    genre__free(t);
}

/* ---- Parameters ----------------------------------------------------------- */

static const int64_t METHODS[] = {GENRE_TSNE_METHOD_AUTO, GENRE_TSNE_METHOD_EXACT,
                                  GENRE_TSNE_METHOD_BARNES_HUT, GENRE_TSNE_METHOD_FFT};
static const int64_t INITS[] = {GENRE_TSNE_INIT_PCA, GENRE_TSNE_INIT_RANDOM};

/* Macros that take the key would expand it before GENRE__F64 names it: the
 * entries spell the full form. */
static const genre__param tsne_params[] = {
    GENRE__F64(GENRE_TSNE_PERPLEXITY, genre_tsne, perplexity, 30.0, 0.0, DBL_MAX, 1, 0, "0.1"),
    GENRE__I64(GENRE_TSNE_N_COMPONENTS, GENRE__SLOT_I64, genre_tsne, n_components, 2, 1, 3,
               "0.1"),
    GENRE__ENUM(GENRE_TSNE_METHOD, GENRE__SLOT_I64, genre_tsne, method, GENRE_TSNE_METHOD_AUTO,
                METHODS, "0.1"),
    GENRE__F64(GENRE_TSNE_THETA, genre_tsne, theta, 0.5, 0.0, 2.0, 0, 0, "0.1"),
    GENRE__F64(GENRE_TSNE_LEARNING_RATE, genre_tsne, lr, 0.0, 0.0, DBL_MAX, 0, 0, "0.1"),
    GENRE__F64(GENRE_TSNE_EARLY_EXAGGERATION, genre_tsne, ee, 12.0, 1.0, 1000.0, 0, 0, "0.1"),
    GENRE__I64(GENRE_TSNE_EXAGGERATION_ITER, GENRE__SLOT_I64, genre_tsne, ee_iter, 250, 0,
               INT32_MAX, "0.1"),
    GENRE__F64(GENRE_TSNE_MOMENTUM, genre_tsne, momentum, 0.5, 0.0, 1.0, 0, 1, "0.1"),
    GENRE__F64(GENRE_TSNE_FINAL_MOMENTUM, genre_tsne, final_momentum, 0.8, 0.0, 1.0, 0, 1,
               "0.1"),
    GENRE__I64(GENRE_TSNE_MAX_ITER, GENRE__SLOT_I64, genre_tsne, max_iter, 1000, 1, INT32_MAX,
               "0.1"),
    GENRE__ENUM(GENRE_TSNE_INIT, GENRE__SLOT_I64, genre_tsne, init, GENRE_TSNE_INIT_PCA, INITS,
                "0.1"),
    GENRE__I64(GENRE_TSNE_SEED, GENRE__SLOT_I64, genre_tsne, seed, 0, INT64_MIN, INT64_MAX,
               "0.1"),
    GENRE__I64(GENRE_TSNE_N_THREADS, GENRE__SLOT_I64, genre_tsne, n_threads, 0, 0, INT64_MAX,
               "0.1"),
    GENRE__F64(GENRE_TSNE_MIN_GAIN, genre_tsne, min_gain, 0.01, 0.0, 1.0, 1, 0, "0.1"),
    GENRE__I64(GENRE_TSNE_REPORT_EVERY, GENRE__SLOT_I64, genre_tsne, report_every, 50, 1,
               INT32_MAX, "0.1"),
    GENRE__RO_F64(GENRE_TSNE_KL_DIVERGENCE, "0.1"),
    GENRE__RO_I64(GENRE_TSNE_N_ITER, "0.1"),
    GENRE__RO_I64(GENRE_TSNE_FITTED, "0.1"),
    GENRE__RO_I64(GENRE_TSNE_N_SAMPLES, "0.1"),
    GENRE__RO_I64(GENRE_TSNE_N_FEATURES, "0.1"),
    GENRE__RO_F64(GENRE_TSNE_LEARNING_RATE_USED, "0.1"),
    GENRE__RO_I64(GENRE_TSNE_METHOD_USED, "0.1"),
};

/* The fitted properties; GENRE_TSNE_FITTED answers before a fit too. */
static genre_status read_only(const void *handle, const char *func, int32_t key,
                              int64_t *i_out, double *f_out)
{
    const genre_tsne *t = handle;
    if (key == GENRE_TSNE_FITTED) {
        *i_out = t->fitted;
        return GENRE_OK;
    }
    if (!t->fitted)
        return genre__fail(GENRE_E_BAD_STATE, func, "the t-SNE handle is not fitted");
    switch (key) {
    case GENRE_TSNE_KL_DIVERGENCE: *f_out = t->kl; break;
    case GENRE_TSNE_LEARNING_RATE_USED: *f_out = t->lr_used; break;
    case GENRE_TSNE_N_ITER: *i_out = t->n_iter; break;
    case GENRE_TSNE_N_SAMPLES: *i_out = (int64_t)t->n; break;
    case GENRE_TSNE_N_FEATURES: *i_out = (int64_t)t->d; break;
    default: *i_out = t->method_used; break;
    }
    return GENRE_OK;
}

const genre__param_table genre__tsne_param_table = {
    "t-SNE", tsne_params, sizeof tsne_params / sizeof tsne_params[0], read_only};

#define TABLE (&genre__tsne_param_table)

genre_status genre_tsne_set_i64(genre_tsne *t, int32_t key, int64_t value)
{
    GENRE_CHECK_NOT_NULL(t);
    return genre__params_set_i64(TABLE, t, __func__, key, value);
}

genre_status genre_tsne_set_f64(genre_tsne *t, int32_t key, double value)
{
    GENRE_CHECK_NOT_NULL(t);
    return genre__params_set_f64(TABLE, t, __func__, key, value);
}

static genre_status not_fitted(void)
{
    return GENRE_FAIL(GENRE_E_BAD_STATE, "the t-SNE handle is not fitted");
}

genre_status genre_tsne_get_i64(const genre_tsne *t, int32_t key, int64_t *out)
{
    GENRE_CHECK_NOT_NULL(t);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_i64(TABLE, t, t, __func__, key, out);
}

genre_status genre_tsne_get_f64(const genre_tsne *t, int32_t key, double *out)
{
    GENRE_CHECK_NOT_NULL(t);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_f64(TABLE, t, t, __func__, key, out);
}

genre_status genre_tsne_param_bounds(int32_t key, double *lo, double *hi)
{
    GENRE_CHECK_NOT_NULL(lo);
    GENRE_CHECK_NOT_NULL(hi);
    return genre__params_bounds(TABLE, __func__, key, lo, hi);
}

genre_status genre_tsne_param_values(int32_t key, int64_t *out, size_t cap, size_t *n_values)
{
    GENRE_CHECK_NOT_NULL(n_values);
    return genre__params_values(TABLE, __func__, key, out, cap, n_values);
}

genre_status genre_tsne_reset_params(genre_tsne *t)
{
    GENRE_CHECK_NOT_NULL(t);
    genre__params_reset(TABLE, t);
    return GENRE_OK;
}

genre_status genre_tsne_set_progress(genre_tsne *t, genre_progress_fn fn, void *user_data)
{
    GENRE_CHECK_NOT_NULL(t);
    t->hooks.progress = fn;
    t->hooks.progress_data = user_data;
    return GENRE_OK;
}

genre_status genre_tsne_set_log(genre_tsne *t, genre_log_fn fn, void *user_data)
{
    GENRE_CHECK_NOT_NULL(t);
    t->hooks.log = fn;
    t->hooks.log_data = user_data;
    return GENRE_OK;
}

/* ---- Fit ------------------------------------------------------------------ */

static int resolve_method(const genre_tsne *t, size_t n)
{
    if (t->method == GENRE_TSNE_METHOD_EXACT)
        return GENRE__TSNE_EXACT;
    if (t->method == GENRE_TSNE_METHOD_BARNES_HUT)
        return GENRE__TSNE_BH;
    if (t->method == GENRE_TSNE_METHOD_FFT)
        return GENRE__TSNE_FFT;
    if (n < AUTO_EXACT_BELOW || t->n_components == 1)
        return GENRE__TSNE_EXACT;
    /* Barnes-Hut in 2-D too: with group walks it is faster than the FFT
     * scheme on the 45,000-row real data and reaches scikit-learn's KL,
     * which the FFT's coarser repulsion does not (docs/tsne.md) */
    return GENRE__TSNE_BH;
}

/* The checks shared by fit and kl_divergence (x already checked). */
static genre_status check_feasible(const genre_tsne *t, const char *func, size_t n, int method)
{
    if (n < 4)
        return genre__fail(GENRE_E_INVALID_ARG, func, "t-SNE needs at least 4 rows, x has %zu",
                           n);
    if (n > UINT32_MAX)
        return genre__fail(GENRE_E_INVALID_ARG, func, "t-SNE takes at most 2^32-1 rows, x has %zu",
                           n);
    if (t->perplexity > (double)(n - 1))
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "perplexity %g is too large for %zu rows: it must be at most "
                           "n_rows - 1 = %zu",
                           t->perplexity, n, n - 1);
    if (method == GENRE__TSNE_BH && t->n_components != 2 && t->n_components != 3)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "the Barnes-Hut method embeds in 2 or 3 dimensions, not %lld",
                           (long long)t->n_components);
    if (method == GENRE__TSNE_FFT && t->n_components != 2)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "the FFT method embeds in 2 dimensions, not %lld (use Barnes-Hut "
                           "for 3)",
                           (long long)t->n_components);
    return GENRE_OK;
}

static size_t neighbours(const genre_tsne *t, size_t n, int method)
{
    if (method == GENRE__TSNE_EXACT)
        return n - 1;
    double k = floor(3.0 * t->perplexity);
    return k >= (double)(n - 1) ? n - 1 : (k < 1 ? 1 : (size_t)k);
}

/* The fit's notices about what it chose from the data (genre/tsne.h, "Log"). */
static void log_choices(const genre_tsne *t, const char *func, size_t n, int method)
{
    static const char *const names[] = {"", "exact", "Barnes-Hut", "FFT"};
    if (t->method == GENRE_TSNE_METHOD_AUTO)
        genre__log(&t->hooks, GENRE_LOG_INFO,
                   "%s: GENRE_TSNE_METHOD_AUTO chose the %s method for %zu rows in %lld "
                   "dimension(s)",
                   func, names[method], n, (long long)t->n_components);
    if (method != GENRE__TSNE_EXACT && floor(3.0 * t->perplexity) > (double)(n - 1))
        genre__log(&t->hooks, GENRE_LOG_WARNING,
                   "%s: GENRE_TSNE_PERPLEXITY = %g asks for %g neighbours per row; x has %zu "
                   "rows, so every row uses its %zu others",
                   func, t->perplexity, floor(3.0 * t->perplexity), n, n - 1);
}

genre_status genre__tsne_affinity_plan(const genre_tsne *t, const char *func, size_t n,
                                       double *perplexity, size_t *k, int *n_threads,
                                       uint64_t *seed)
{
    /* the method's dimension limits do not concern the affinities */
    genre_status st = check_feasible(t, func, n, GENRE__TSNE_EXACT);
    if (st != GENRE_OK)
        return st;
    int T = genre__resolve_threads(t->n_threads);
    if (T < 1)
        return genre__fail_as((genre_status)T, func, NULL);
    *perplexity = t->perplexity;
    *k = neighbours(t, n, resolve_method(t, n));
    *n_threads = T;
    *seed = (uint64_t)t->seed;
    return GENRE_OK;
}

static genre_status init_embedding(const genre_tsne *t, const double *x, size_t n, size_t d,
                                   size_t stride, double *y)
{
    const size_t D = (size_t)t->n_components;
    if (t->init == GENRE_TSNE_INIT_RANDOM) {
        genre__rng rng;
        genre__rng_init(&rng, (uint64_t)t->seed, 0);
        for (size_t e = 0; e < n * D; e++)
            y[e] = 1e-4 * genre__rng_normal(&rng);
        return GENRE_OK;
    }
    genre_pca *pca;
    genre_status st = genre_pca_create(&pca);
    if (st != GENRE_OK)
        return st;
    if ((st = genre_pca_set_i64(pca, GENRE_PCA_N_COMPONENTS, (int64_t)D)) == GENRE_OK &&
        (st = genre_pca_fit(pca, x, n, d, stride)) == GENRE_OK)
        st = genre_pca_transform(pca, x, n, d, stride, y, n * D, NULL);
    genre_pca_free(pca);
    if (st != GENRE_OK) /* the user called t-SNE, not PCA */
        return genre__fail_as(st, __func__, "PCA initialisation");
    double mean = 0, var = 0;
    for (size_t i = 0; i < n; i++)
        mean += y[i * D];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        var += (y[i * D] - mean) * (y[i * D] - mean);
    double sd = sqrt(var / (double)n);
    if (!(sd > 0) || !isfinite(sd))
        return GENRE_FAIL(GENRE_E_NUMERIC,
                          "PCA initialisation: the first component has standard deviation "
                          "%g; use GENRE_TSNE_INIT_RANDOM",
                          sd);
    for (size_t e = 0; e < n * D; e++)
        y[e] *= 1e-4 / sd;
    return GENRE_OK;
}

static genre_status optimise(genre_tsne *t, const genre__csr *p, double *y, size_t n,
                             int method, int T, double lr, int64_t *n_iter)
{
    const size_t D = (size_t)t->n_components;
    double *grad = genre__alloc_array(n * D, sizeof(double));
    double *upd = grad ? genre__calloc_array(n * D, sizeof(double)) : NULL;
    double *gain = upd ? genre__alloc_array(n * D, sizeof(double)) : NULL;
    genre__tsne_work *w = NULL;
    genre_status st = gain ? genre__tsne_work_create(&w, n, D) : GENRE_E_NOMEM;
    if (st != GENRE_OK)
        goto done;
    for (size_t e = 0; e < n * D; e++)
        gain[e] = 1.0;
    for (int64_t it = 0; it < t->max_iter; it++) {
        const int early = it < t->ee_iter;
        if (it == t->ee_iter) {
            /* the optimiser starts afresh after the early exaggeration, as
             * scikit-learn's (it runs a second gradient descent there):
             * measured final KL 2.9140 instead of 2.9177 on the real data */
            for (size_t e = 0; e < n * D; e++) {
                gain[e] = 1.0;
                upd[e] = 0.0;
            }
        }
        const double exag = early ? t->ee : 1.0;
        const double mom = early ? t->momentum : t->final_momentum;
        const int report = (it + 1) % t->report_every == 0 || it + 1 == t->max_iter;
        double z, kl = 0.0;
        st = genre__tsne_gradient_kl(method, t->theta, p, y, n, D, exag, T, w, grad, &z,
                                     report ? &kl : NULL);
        if (st != GENRE_OK)
            goto done;
        int finite = 1;
        for (size_t e = 0; e < n * D; e++) {
            double g = grad[e];
            if (upd[e] * g < 0)
                gain[e] += 0.2;
            else
                gain[e] *= 0.8;
            if (gain[e] < t->min_gain)
                gain[e] = t->min_gain;
            upd[e] = mom * upd[e] - lr * gain[e] * g;
            y[e] += upd[e];
            finite &= isfinite(y[e]) != 0;
        }
        if (!finite) {
            st = GENRE_FAIL(GENRE_E_NUMERIC,
                            "the t-SNE optimisation diverged at iteration %lld (non-finite "
                            "coordinates); lower GENRE_TSNE_LEARNING_RATE",
                            (long long)(it + 1));
            goto done;
        }
        *n_iter = it + 1;
        if (report &&
            genre__progress(&t->hooks, GENRE_TSNE_PHASE_OPTIMIZE, it + 1, t->max_iter, kl)) {
            st = GENRE_FAIL(GENRE_E_CANCELLED, "cancelled by the progress callback at "
                                               "iteration %lld",
                            (long long)(it + 1));
            goto done;
        }
    }
done:
    genre__tsne_work_free(w);
    genre__free(grad);
    genre__free(upd);
    genre__free(gain);
    return st;
}

/* Why aff cannot serve a fit of x with t's parameters (NULL when it can). */
static genre_status check_affinity(const genre_tsne *t, const char *func,
                                   const genre_tsne_affinity *aff, const double *x, size_t n,
                                   size_t d, size_t stride, int method)
{
    if (aff->n != n || aff->d != d)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "aff was computed for %zu x %zu rows, x is %zu x %zu", aff->n,
                           aff->d, n, d);
    if (aff->perplexity != t->perplexity)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "aff was computed for perplexity %g, GENRE_TSNE_PERPLEXITY is %g",
                           aff->perplexity, t->perplexity);
    size_t k = neighbours(t, n, method);
    if (aff->k != k)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "aff holds %zu neighbours per row; the %s method needs %zu",
                           aff->k, method == GENRE__TSNE_EXACT ? "exact" : "approximate", k);
    if (genre__tsne_hash(x, n, d, stride) != aff->x_hash)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "x holds other values than the rows aff was computed from (their "
                           "64-bit hashes differ)");
    return GENRE_OK;
}

/* genre_tsne_fit_embed, with aff's affinities when aff is not NULL. */
static genre_status fit(genre_tsne *t, const char *func, const genre_tsne_affinity *aff,
                        const double *x, size_t n_rows, size_t n_cols, size_t row_stride,
                        double *out, size_t out_len, size_t *needed)
{
    genre_status st = genre__check_matrix(func, "x", x, n_rows, n_cols, row_stride, 1);
    if (st != GENRE_OK)
        return st;
    const int method = resolve_method(t, n_rows);
    if ((st = check_feasible(t, func, n_rows, method)) != GENRE_OK)
        return st;
    const size_t D = (size_t)t->n_components;
    if (t->init == GENRE_TSNE_INIT_PCA && n_cols < D)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "PCA initialisation needs at least n_components = %zu columns, x "
                           "has %zu (use GENRE_TSNE_INIT_RANDOM)",
                           D, n_cols);
    size_t count = 0;
    if ((st = genre__buffer_count(func, n_rows, D, &count)) != GENRE_OK ||
        (st = genre__buffer_check(func, out, out_len, count, needed)) != GENRE_OK)
        return st;
    if (aff &&
        (st = check_affinity(t, func, aff, x, n_rows, n_cols, row_stride, method)) != GENRE_OK)
        return st;
    int T = genre__resolve_threads(t->n_threads);
    if (T < 1)
        return genre__fail_as((genre_status)T, func, NULL);
    log_choices(t, func, n_rows, method);
    const size_t n = n_rows;
    struct genre_tsne_affinity own = {0};
    const genre__csr *p = aff ? &aff->p : &own.p;
    double *y = genre__alloc_array(count, sizeof(double));
    if (!y)
        return genre__fail_as(GENRE_E_NOMEM, func, NULL);
    if (!aff && (st = genre__tsne_affinity_build(&own, x, n, n_cols, row_stride, t->perplexity,
                                                 neighbours(t, n, method), T,
                                                 (uint64_t)t->seed, NULL, 0)) != GENRE_OK)
        goto done;
    if (genre__progress(&t->hooks, GENRE_TSNE_PHASE_AFFINITIES, 1, 1, NAN)) {
        st = genre__fail(GENRE_E_CANCELLED, func, "cancelled by the progress callback after "
                                                  "the affinities");
        goto done;
    }
    if ((st = init_embedding(t, x, n, n_cols, row_stride, y)) != GENRE_OK)
        goto done;
    double lr = t->lr > 0 ? t->lr : fmax((double)n / t->ee, 200.0);
    if (!(t->lr > 0))
        genre__log(&t->hooks, GENRE_LOG_INFO,
                   "%s: GENRE_TSNE_LEARNING_RATE 0 (auto) is %g: max(%zu rows / early "
                   "exaggeration %g, 200)",
                   func, lr, n, t->ee);
    int64_t n_iter = 0;
    if ((st = optimise(t, p, y, n, method, T, lr, &n_iter)) != GENRE_OK)
        goto done;
    double z = genre__tsne_exact_z(y, n, D, T);
    double kl = genre__tsne_kl_given_z(p, y, D, z);
    if (!isfinite(kl)) {
        st = genre__fail(GENRE_E_NUMERIC, func, "the final KL divergence is not finite (%g)",
                         kl);
        goto done;
    }
    memcpy(out, y, count * sizeof(double));
    genre__free(t->emb);
    t->emb = y;
    y = NULL;
    t->n = n;
    t->d = n_cols;
    t->n_iter = n_iter;
    t->kl = kl;
    t->lr_used = lr;
    t->method_used = method;
    t->fitted = 1;
done:
    genre__free(y);
    genre__tsne_affinity_clear(&own);
    return genre__fail_as(st, func, NULL);
}

genre_status genre_tsne_fit_embed(genre_tsne *t, const double *x, size_t n_rows,
                                  size_t n_cols, size_t row_stride, double *out,
                                  size_t out_len, size_t *needed)
{
    GENRE_CHECK_NOT_NULL(t);
    return fit(t, __func__, NULL, x, n_rows, n_cols, row_stride, out, out_len, needed);
}

genre_status genre_tsne_fit_embed_affinity(genre_tsne *t, const genre_tsne_affinity *aff,
                                           const double *x, size_t n_rows, size_t n_cols,
                                           size_t row_stride, double *out, size_t out_len,
                                           size_t *needed)
{
    GENRE_CHECK_NOT_NULL(t);
    GENRE_CHECK_NOT_NULL(aff);
    return fit(t, __func__, aff, x, n_rows, n_cols, row_stride, out, out_len, needed);
}

genre_status genre_tsne_get_embedding(const genre_tsne *t, double *out, size_t out_len,
                                      size_t *needed)
{
    GENRE_CHECK_NOT_NULL(t);
    if (!t->fitted)
        return GENRE_PASS(not_fitted());
    return genre__buffer_copy(__func__, t->emb, t->n * (size_t)t->n_components, out, out_len,
                               needed);
}

genre_status genre_tsne_kl_divergence(const genre_tsne *t, const double *x, size_t n_rows,
                                      size_t n_cols, size_t row_stride, const double *y,
                                      size_t y_cols, size_t y_stride, double *kl)
{
    GENRE_CHECK_NOT_NULL(t);
    GENRE_CHECK_NOT_NULL(kl);
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride, 1);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (y_cols < 1 || y_cols > 3)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "y must have 1 to 3 columns, not %zu", y_cols);
    if ((st = genre__check_matrix(__func__, "y", y, n_rows, y_cols, y_stride, 1)) != GENRE_OK)
        return GENRE_PASS(st);
    const int method = resolve_method(t, n_rows);
    if (n_rows < 4 || n_rows > UINT32_MAX || t->perplexity > (double)(n_rows - 1))
        return check_feasible(t, __func__, n_rows, GENRE__TSNE_EXACT);
    int T = genre__resolve_threads(t->n_threads);
    if (T < 1)
        return GENRE_PASS((genre_status)T);
    double *yc = genre__alloc_array(n_rows * y_cols, sizeof(double));
    if (!yc)
        return GENRE_PASS(GENRE_E_NOMEM);
    for (size_t i = 0; i < n_rows; i++)
        memcpy(yc + i * y_cols, y + i * y_stride, y_cols * sizeof(double));
    struct genre_tsne_affinity a;
    st = genre__tsne_affinity_build(&a, x, n_rows, n_cols, row_stride, t->perplexity,
                                    neighbours(t, n_rows, method), T, (uint64_t)t->seed, NULL,
                                    0);
    if (st == GENRE_OK) {
        double z = genre__tsne_exact_z(yc, n_rows, y_cols, T);
        *kl = genre__tsne_kl_given_z(&a.p, yc, y_cols, z);
        genre__tsne_affinity_clear(&a);
    }
    genre__free(yc);
    return GENRE_PASS(st);
}

/* ---- Persistence --------------------------------------------------------- */

static genre_status fitted_or_fail(const genre_tsne *t, const char *func)
{
    if (t == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 't' is NULL");
    if (!t->fitted)
        return genre__fail(GENRE_E_BAD_STATE, func, "the t-SNE handle is not fitted");
    return GENRE_OK;
}

/* The codec's genre__mf_encode_fn (model_file.h): model is a fitted genre_tsne. */
static genre_status write_model(const void *model, genre__mf_writer *w)
{
    const genre_tsne *t = model;
    genre__mf_put_i64(w, TAG_N_SAMPLES, (int64_t)t->n);
    genre__mf_put_i64(w, TAG_N_FEATURES, (int64_t)t->d);
    genre__mf_put_i64(w, TAG_N_COMPONENTS, t->n_components);
    genre__mf_put_u32(w, TAG_METHOD, (uint32_t)t->method);
    genre__mf_put_u32(w, TAG_METHOD_USED, (uint32_t)t->method_used);
    genre__mf_put_u32(w, TAG_INIT, (uint32_t)t->init);
    genre__mf_put_f64(w, TAG_PERPLEXITY, t->perplexity);
    genre__mf_put_f64(w, TAG_THETA, t->theta);
    genre__mf_put_f64(w, TAG_LR, t->lr);
    genre__mf_put_f64(w, TAG_LR_USED, t->lr_used);
    genre__mf_put_f64(w, TAG_EE, t->ee);
    genre__mf_put_i64(w, TAG_EE_ITER, t->ee_iter);
    genre__mf_put_f64(w, TAG_MOMENTUM, t->momentum);
    genre__mf_put_f64(w, TAG_FINAL_MOMENTUM, t->final_momentum);
    genre__mf_put_i64(w, TAG_MAX_ITER, t->max_iter);
    genre__mf_put_i64(w, TAG_SEED, t->seed);
    genre__mf_put_f64(w, TAG_MIN_GAIN, t->min_gain);
    genre__mf_put_i64(w, TAG_N_ITER, t->n_iter);
    genre__mf_put_f64(w, TAG_KL, t->kl);
    return genre__mf_put_f64_array(w, TAG_EMBEDDING, t->emb, t->n * (size_t)t->n_components);
}

/* The codec's genre__mf_decode_fn (model_file.h): dest is their
 * genre_tsne **out; r NULL only clears *out; the payload version is checked. */
static genre_status read_model(const genre__mf_reader *r, void *dest, const char *func)
{
    genre_tsne **out = dest;
    *out = NULL;
    if (r == NULL)
        return GENRE_OK;
    genre_tsne *t;
    genre_status st = genre_tsne_create(&t);
    if (st != GENRE_OK)
        return st;
    int64_t n64, d64, niter;
    uint32_t method, method_used, init;
    if ((st = genre__mf_get_i64(r, TAG_N_SAMPLES, &n64)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_FEATURES, &d64)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_COMPONENTS, &t->n_components)) != GENRE_OK ||
        (st = genre__mf_get_u32(r, TAG_METHOD, &method)) != GENRE_OK ||
        (st = genre__mf_get_u32(r, TAG_METHOD_USED, &method_used)) != GENRE_OK ||
        (st = genre__mf_get_u32(r, TAG_INIT, &init)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_PERPLEXITY, &t->perplexity)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_THETA, &t->theta)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_LR, &t->lr)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_LR_USED, &t->lr_used)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_EE, &t->ee)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_EE_ITER, &t->ee_iter)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_MOMENTUM, &t->momentum)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_FINAL_MOMENTUM, &t->final_momentum)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_MAX_ITER, &t->max_iter)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_SEED, &t->seed)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_MIN_GAIN, &t->min_gain)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_ITER, &niter)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_KL, &t->kl)) != GENRE_OK)
        goto fail;
    size_t count = 0;
    int ok = n64 >= 4 && n64 <= (int64_t)UINT32_MAX && d64 >= 1 && t->n_components >= 1 &&
             t->n_components <= 3 && method <= GENRE_TSNE_METHOD_FFT && method_used >= 1 &&
             method_used <= GENRE_TSNE_METHOD_FFT && init <= GENRE_TSNE_INIT_RANDOM &&
             t->perplexity > 0 && t->perplexity <= (double)(n64 - 1) && t->theta >= 0 &&
             t->theta <= 2 && t->lr >= 0 && isfinite(t->lr) && t->lr_used > 0 &&
             isfinite(t->lr_used) && t->ee >= 1 && t->ee <= 1000 && t->ee_iter >= 0 &&
             t->ee_iter <= INT32_MAX && t->momentum >= 0 && t->momentum < 1 &&
             t->final_momentum >= 0 && t->final_momentum < 1 && t->max_iter >= 1 &&
             t->max_iter <= INT32_MAX && t->min_gain > 0 && t->min_gain <= 1 && niter >= 1 &&
             niter <= t->max_iter && isfinite(t->kl) &&
             genre__mf_get_count(r, TAG_EMBEDDING, GENRE__MF_F64_ARRAY, &count) == GENRE_OK &&
             count == (uint64_t)n64 * (uint64_t)t->n_components;
    if (!ok) {
        st = genre__fail(GENRE_E_CORRUPT, func,
                         "inconsistent t-SNE model: n_samples %lld, n_features %lld, "
                         "n_components %lld, method %u (used %u), perplexity %g, n_iter %lld "
                         "of %lld, %zu embedding values",
                         (long long)n64, (long long)d64, (long long)t->n_components,
                         (unsigned)method, (unsigned)method_used, t->perplexity,
                         (long long)niter, (long long)t->max_iter, count);
        goto fail;
    }
    t->emb = genre__alloc_array(count, sizeof(double));
    if (!t->emb) {
        st = GENRE_E_NOMEM;
        goto fail;
    }
    if ((st = genre__mf_get_f64_array(r, TAG_EMBEDDING, t->emb, count)) != GENRE_OK)
        goto fail;
    for (size_t e = 0; e < count; e++)
        if (!isfinite(t->emb[e])) {
            st = genre__fail(GENRE_E_CORRUPT, func, "non-finite t-SNE embedding value at %zu", e);
            goto fail;
        }
    t->method = method;
    t->method_used = (int)method_used;
    t->init = init;
    t->n = (size_t)n64;
    t->d = (size_t)d64;
    t->n_iter = niter;
    t->fitted = 1;
    *out = t;
    return GENRE_OK;
fail:
    genre_tsne_free(t);
    return st;
}

static const genre__mf_codec codec = {GENRE_MODEL_TSNE, TSNE_PAYLOAD_VERSION, "t-SNE", write_model,
                                      read_model};

genre_status genre_tsne_save(const genre_tsne *t, const char *path)
{
    genre_status st = fitted_or_fail(t, __func__);
    return st ? st : genre__mf_save_file(__func__, t, path, &codec);
}

genre_status genre_tsne_save_to_memory(const genre_tsne *t, void *buf, size_t cap,
                                       size_t *written_or_needed)
{
    genre_status st = fitted_or_fail(t, __func__);
    return st ? st : genre__mf_save_memory(__func__, t, buf, cap, written_or_needed, &codec);
}

genre_status genre_tsne_load_from_memory(genre_tsne **out, const void *buf, size_t len)
{
    return genre__mf_load_memory(__func__, out, buf, len, &codec);
}

genre_status genre_tsne_load(genre_tsne **out, const char *path)
{
    return genre__mf_load_file(__func__, out, path, &codec);
}
