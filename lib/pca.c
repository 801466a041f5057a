/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * PCA by eigen-decomposition of the covariance matrix.
 *
 * Why an eigen-decomposition of the covariance rather than an SVD of the
 * centred data: the data are tall and thin (45,000 x 12 here; feature counts
 * stay in the tens). Forming the covariance is one blocked dsyrk through
 * OpenBLAS (n d^2 flops at BLAS speed, bounded scratch), after which the
 * symmetric eigenproblem is d x d and costs microseconds (libgenre's own
 * solver, lib/common/eigen_sym.c, which calls no threaded BLAS). An SVD
 * would work on the whole n x d matrix and need an n x d copy. The price of
 * the covariance route is squaring the condition number: eigenvalues far
 * below eps * largest lose relative accuracy. Explained-variance ratios
 * and projections, which is what PCA is used for here, are unaffected at the
 * 1e-9 / 1e-8 level the tests demand; rounding-level eigenvalues
 * (<= d * eps * largest, or negative) are set to exactly 0.
 */
#include <genre/pca.h>
#include <genre/model.h>

#include "alloc.h"
#include "eigen_sym.h"
#include "error_private.h"
#include "linalg.h"
#include "caller_buffer.h"
#include "linear_fit.h"
#include "linear_partial.h"
#include "model_file.h"
#include "params.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Payload v1 records (docs/model-file-format.md), d features, k components:
 *   1 n_features i64, 2 n_samples i64 (>= 2), 3 n_components i64 (k),
 *   4 whiten u32, 5 requested count i64, 6 requested fraction f64,
 *   7 total variance f64, 8 mean f64[d], 9 components f64[k*d] (row-major),
 *   10 explained variance f64[k], 11 explained-variance ratio f64[k]. */
#define PCA_PAYLOAD_VERSION 1u
#define TAG_N_FEATURES 1u
#define TAG_N_SAMPLES 2u
#define TAG_N_COMPONENTS 3u
#define TAG_WHITEN 4u
#define TAG_REQ_COUNT 5u
#define TAG_REQ_FRACTION 6u
#define TAG_TOTAL_VAR 7u
#define TAG_MEAN 8u
#define TAG_COMPONENTS 9u
#define TAG_VARIANCE 10u
#define TAG_RATIO 11u

/* Rows centred (or scaled) per block in transform: bounds the scratch. */
#define ROW_BLOCK 512

struct genre_pca {
    int64_t req_count;   /* 0 = all */
    double req_fraction; /* 0 = off */
    int whiten;

    int fitted;
    size_t d, k;
    int64_t n_samples;
    double total_var;
    double *mean;  /* d */
    double *comp;  /* k x d */
    double *var;   /* k */
    double *ratio; /* k */

    genre__hooks hooks;
};

typedef struct pca_fit {
    double *mean, *comp, *var, *ratio;
} pca_fit;

static void fit_free(pca_fit *f)
{
    genre__free(f->mean);
    genre__free(f->comp);
    genre__free(f->var);
    genre__free(f->ratio);
    memset(f, 0, sizeof *f);
}

static genre_status fit_alloc(pca_fit *f, size_t d, size_t k)
{
    memset(f, 0, sizeof *f);
    f->mean = genre__alloc_array(d, sizeof(double));
    f->comp = f->mean ? genre__alloc_array(k * d, sizeof(double)) : NULL;
    f->var = f->comp ? genre__alloc_array(k, sizeof(double)) : NULL;
    f->ratio = f->var ? genre__alloc_array(k, sizeof(double)) : NULL;
    if (!f->ratio) {
        fit_free(f);
        return GENRE_E_NOMEM;
    }
    return GENRE_OK;
}

static void install(genre_pca *p, pca_fit *f, size_t d, size_t k, int64_t n, double total)
{
    genre__free(p->mean);
    genre__free(p->comp);
    genre__free(p->var);
    genre__free(p->ratio);
    p->mean = f->mean;
    p->comp = f->comp;
    p->var = f->var;
    p->ratio = f->ratio;
    memset(f, 0, sizeof *f);
    p->d = d;
    p->k = k;
    p->n_samples = n;
    p->total_var = total;
    p->fitted = 1;
}

/* ---- Parameters ------------------------------------------------------------ */

static genre_status read_only(const void *handle, const char *func, int32_t key, int64_t *i_out,
                              double *f_out)
{
    const genre_pca *p = handle;
    if (key == GENRE_PCA_FITTED) {
        *i_out = p->fitted;
        return GENRE_OK;
    }
    if (!p->fitted)
        return genre__fail(GENRE_E_BAD_STATE, func, "the PCA is not fitted");
    if (key == GENRE_PCA_TOTAL_VARIANCE)
        *f_out = p->total_var;
    else
        *i_out = key == GENRE_PCA_N_FEATURES  ? (int64_t)p->d
                 : key == GENRE_PCA_N_SAMPLES ? p->n_samples
                                              : (int64_t)p->k;
    return GENRE_OK;
}

static const genre__param pca_params[] = {
    GENRE__I64(GENRE_PCA_N_COMPONENTS, GENRE__SLOT_I64, genre_pca, req_count, 0, 0, INT32_MAX,
               "0.1"),
    GENRE__F64(GENRE_PCA_VARIANCE_FRACTION, genre_pca, req_fraction, 0.0, 0.0, 1.0, 0, 1, "0.1"),
    GENRE__I64(GENRE_PCA_WHITEN, GENRE__SLOT_INT, genre_pca, whiten, 0, 0, 1, "0.1"),
    GENRE__RO_I64(GENRE_PCA_N_FEATURES, "0.1"),
    GENRE__RO_I64(GENRE_PCA_N_SAMPLES, "0.1"),
    GENRE__RO_I64(GENRE_PCA_N_COMPONENTS_FITTED, "0.1"),
    GENRE__RO_I64(GENRE_PCA_FITTED, "0.1"),
    GENRE__RO_F64(GENRE_PCA_TOTAL_VARIANCE, "0.1"),
};

const genre__param_table genre__pca_param_table = {
    "PCA", pca_params, sizeof pca_params / sizeof pca_params[0], read_only};
#define TABLE (&genre__pca_param_table)

genre_status genre_pca_create(genre_pca **out)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    genre_pca *p = GENRE_NEW(genre_pca);
    if (!p)
        return GENRE_PASS(GENRE_E_NOMEM);
    genre__params_reset(TABLE, p);
    *out = p;
    return GENRE_OK;
}

void genre_pca_free(genre_pca *p)
{
    if (!p)
        return;
    genre__free(p->mean);
    genre__free(p->comp);
    genre__free(p->var);
    genre__free(p->ratio);
    genre__free(p);
}

/* A count and a fraction are two ways to choose k: setting one clears the
 * other (a fraction of 0 is "off" and clears nothing). */
genre_status genre_pca_set_i64(genre_pca *p, int32_t key, int64_t value)
{
    GENRE_CHECK_NOT_NULL(p);
    genre_status st = genre__params_set_i64(TABLE, p, __func__, key, value);
    if (st == GENRE_OK && key == GENRE_PCA_N_COMPONENTS)
        p->req_fraction = 0.0;
    return st;
}

genre_status genre_pca_set_f64(genre_pca *p, int32_t key, double value)
{
    GENRE_CHECK_NOT_NULL(p);
    genre_status st = genre__params_set_f64(TABLE, p, __func__, key, value);
    if (st == GENRE_OK && key == GENRE_PCA_VARIANCE_FRACTION && value > 0)
        p->req_count = 0;
    return st;
}

genre_status genre_pca_get_i64(const genre_pca *p, int32_t key, int64_t *out)
{
    GENRE_CHECK_NOT_NULL(p);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_i64(TABLE, p, p, __func__, key, out);
}

genre_status genre_pca_get_f64(const genre_pca *p, int32_t key, double *out)
{
    GENRE_CHECK_NOT_NULL(p);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_f64(TABLE, p, p, __func__, key, out);
}

genre_status genre_pca_param_bounds(int32_t key, double *lo, double *hi)
{
    GENRE_CHECK_NOT_NULL(lo);
    GENRE_CHECK_NOT_NULL(hi);
    return genre__params_bounds(TABLE, __func__, key, lo, hi);
}

genre_status genre_pca_param_values(int32_t key, int64_t *out, size_t cap, size_t *n_values)
{
    GENRE_CHECK_NOT_NULL(n_values);
    return genre__params_values(TABLE, __func__, key, out, cap, n_values);
}

genre_status genre_pca_reset_params(genre_pca *p)
{
    GENRE_CHECK_NOT_NULL(p);
    genre__params_reset(TABLE, p);
    return GENRE_OK;
}

genre_status genre_pca_set_log(genre_pca *p, genre_log_fn fn, void *user_data)
{
    GENRE_CHECK_NOT_NULL(p);
    p->hooks.log = fn;
    p->hooks.log_data = user_data;
    return GENRE_OK;
}

/* The fit's notices: fewer rows than columns cap the count (INFO); kept
 * components of zero variance mean x has a lower rank (WARNING). */
static void log_fit_limits(const genre_pca *p, const char *func, size_t n_rows)
{
    if (n_rows - 1 < p->d)
        genre__log(&p->hooks, GENRE_LOG_INFO,
                   "%s: %zu rows give at most n_rows - 1 = %zu components of the "
                   "%zu columns",
                   func, n_rows, n_rows - 1, p->d);
    size_t rank = 0;
    while (rank < p->k && p->var[rank] > 0)
        rank++;
    if (rank < p->k)
        genre__log(&p->hooks, GENRE_LOG_WARNING,
                   "%s: x has rank %zu: components %zu to %zu of the %zu kept have "
                   "zero variance",
                   func, rank, rank, p->k - 1, p->k);
}

/* The fit from the column means and the covariance (ddof 1, d x d, both
 * triangles; destroyed) of n_rows rows, with evec (d x d) and eval (d) as
 * scratch; messages name func. Shared by genre_pca_fit and fit_partial. */
static genre_status finish(genre_pca *p, const char *func, const double *mean, double *cov,
                           double *evec, double *eval, size_t d, size_t n_rows)
{
    const size_t kmax = d < n_rows - 1 ? d : n_rows - 1;
    pca_fit f = {0};
    genre_status st = GENRE_OK;
    double total = 0.0;
    for (size_t j = 0; j < d; j++)
        total += cov[j * d + j] + 0.0 * mean[j];
    if (!isfinite(total)) { /* only a partial state gets here: the fit said where */
        st = genre__fail(GENRE_E_NUMERIC, func,
                         "the column sums overflow (values too large to average)");
        goto done;
    }
    if (!(total > 0.0)) {
        st = genre__fail(GENRE_E_NUMERIC, func,
                         "every column of x is constant (total variance 0): no components");
        goto done;
    }
    /* descending eigenvalues, eigenvectors in the columns of evec */
    st = genre__eigen_sym(d, cov, d, eval, evec, d);
    if (st != GENRE_OK) {
        st = genre__fail_as(st, func, "eigen-decomposition of the covariance");
        goto done;
    }

    /* Rounding-level eigenvalues (at most d * eps * largest, or negative)
     * are zero variance: they carry no direction worth keeping apart. */
    const double floor_var = (double)d * DBL_EPSILON * eval[0];
    for (size_t c = 0; c < d; c++)
        if (eval[c] <= floor_var)
            eval[c] = 0.0;

    size_t k = kmax;
    if (p->req_count > 0) {
        k = (size_t)p->req_count;
    } else if (p->req_fraction > 0) {
        /* The fewest components whose cumulative ratio exceeds the fraction
         * (scikit-learn's searchsorted(..., side="right") + 1). */
        double cum = 0.0;
        k = kmax;
        for (size_t c = 0; c < kmax; c++) {
            double v = eval[c];
            cum += (v > 0 ? v : 0.0) / total;
            if (cum > p->req_fraction) {
                k = c + 1;
                break;
            }
        }
    }
    if ((st = fit_alloc(&f, d, k)) != GENRE_OK)
        goto done;
    memcpy(f.mean, mean, d * sizeof *mean);
    for (size_t c = 0; c < k; c++) {
        double v = eval[c];
        v = v > 0 ? v : 0.0;
        if (p->whiten && !(v > 0)) {
            st = genre__fail(GENRE_E_NUMERIC, func,
                             "cannot whiten: component %zu has zero variance", c);
            goto done;
        }
        f.var[c] = v;
        f.ratio[c] = v / total;
        for (size_t j = 0; j < d; j++)
            f.comp[c * d + j] = evec[j * d + c];
        genre__lin_fix_sign(f.comp + c * d, d, 1);
    }
    install(p, &f, d, k, (int64_t)n_rows, total);
    log_fit_limits(p, func, n_rows);
done:
    fit_free(&f);
    return st;
}

genre_status genre_pca_fit(genre_pca *p, const double *x, size_t n_rows, size_t n_cols,
                           size_t row_stride)
{
    GENRE_CHECK_NOT_NULL(p);
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride, 0);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (n_rows < 2)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "PCA needs at least 2 rows, x has %zu", n_rows);
    const size_t d = n_cols;
    const size_t kmax = d < n_rows - 1 ? d : n_rows - 1;
    if (p->req_count > 0 && (uint64_t)p->req_count > kmax)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "n_components = %lld is too large: at most min(n_cols = %zu, "
                          "n_rows - 1 = %zu) = %zu",
                          (long long)p->req_count, d, n_rows - 1, kmax);

    /* cov, then the eigenvectors (columns), the eigenvalues and the mean */
    double *cov = genre__alloc_array(d, d * sizeof(double));
    double *evec = cov ? genre__alloc_array(d, d * sizeof(double)) : NULL;
    double *eval = evec ? genre__alloc_array(d, sizeof(double)) : NULL;
    double *mean = eval ? genre__alloc_array(d, sizeof(double)) : NULL;
    if (!mean) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    st = genre__covariance(x, n_rows, d, row_stride, 1, mean, cov, d);
    if (st != GENRE_OK)
        goto done;
    double total = 0.0;
    for (size_t j = 0; j < d; j++)
        total += cov[j * d + j] + 0.0 * mean[j];
    if (!isfinite(total)) { /* NaN/Inf in x (or overflow): say where */
        st = genre__lin_nonfinite(__func__, x, n_rows, d, row_stride);
        goto done;
    }
    st = finish(p, __func__, mean, cov, evec, eval, d, n_rows);
done:
    genre__free(mean);
    genre__free(eval);
    genre__free(evec);
    genre__free(cov);
    return GENRE_PASS(st);
}

genre_status genre__pca_fit_moments(genre_pca *p, const char *func, const double *mean,
                                    double *cov, size_t d, int64_t n_rows)
{
    if (n_rows < 2)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "PCA needs at least 2 rows, the partial state has %lld",
                           (long long)n_rows);
    const size_t n = (size_t)n_rows;
    const size_t kmax = d < n - 1 ? d : n - 1;
    if (p->req_count > 0 && (uint64_t)p->req_count > kmax)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "n_components = %lld is too large: at most min(n_cols = %zu, "
                           "n_rows - 1 = %zu) = %zu",
                           (long long)p->req_count, d, n - 1, kmax);
    double *evec = genre__alloc_array(d, d * sizeof(double));
    double *eval = evec ? genre__alloc_array(d, sizeof(double)) : NULL;
    genre_status st = eval ? finish(p, func, mean, cov, evec, eval, d, n) : GENRE_E_NOMEM;
    genre__free(eval);
    genre__free(evec);
    return st;
}

static genre_status check_apply(const genre_pca *p, const char *func, const double *x,
                                size_t n_rows, size_t n_cols, size_t row_stride,
                                size_t want_cols, const char *what, size_t out_cols,
                                const double *out, size_t out_len, size_t *needed)
{
    if (p == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 'p' is NULL");
    if (!p->fitted)
        return genre__fail(GENRE_E_BAD_STATE, func, "the PCA is not fitted");
    genre_status st = genre__check_matrix(func, "x", x, n_rows, n_cols, row_stride, 1);
    if (st != GENRE_OK)
        return st;
    if (n_cols != want_cols)
        return genre__fail(GENRE_E_SHAPE, func, "x has %zu columns but %s %zu", n_cols, what,
                           want_cols);
    size_t count = 0;
    if ((st = genre__buffer_count(func, n_rows, out_cols, &count)) != GENRE_OK)
        return st;
    return genre__buffer_check(func, out, out_len, count, needed);
}

genre_status genre_pca_transform(const genre_pca *p, const double *x, size_t n_rows,
                                 size_t n_cols, size_t row_stride, double *out,
                                 size_t out_len, size_t *needed)
{
    genre_status st = check_apply(p, __func__, x, n_rows, n_cols, row_stride,
                                  p ? p->d : 0, "the PCA was fitted on", p ? p->k : 0, out,
                                  out_len, needed);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    const size_t d = p->d, k = p->k;
    const size_t block = n_rows < ROW_BLOCK ? n_rows : ROW_BLOCK;
    double *tmp = genre__alloc_array(block * d, sizeof(double));
    if (!tmp)
        return GENRE_PASS(GENRE_E_NOMEM);
    for (size_t i0 = 0; i0 < n_rows && st == GENRE_OK; i0 += block) {
        size_t b = n_rows - i0 < block ? n_rows - i0 : block;
        for (size_t i = 0; i < b; i++)
            for (size_t j = 0; j < d; j++)
                tmp[i * d + j] = x[(i0 + i) * row_stride + j] - p->mean[j];
        st = genre__gemm(GENRE__NO_TRANS, GENRE__TRANS, 1.0, tmp, b, d, d, p->comp, k, d, d,
                         0.0, out + i0 * k, b, k, k);
    }
    genre__free(tmp);
    if (st == GENRE_OK && p->whiten)
        for (size_t c = 0; c < k; c++) {
            double s = sqrt(p->var[c]);
            for (size_t i = 0; i < n_rows; i++)
                out[i * k + c] /= s;
        }
    return GENRE_PASS(st);
}

genre_status genre_pca_inverse_transform(const genre_pca *p, const double *z, size_t n_rows,
                                         size_t n_cols, size_t row_stride, double *out,
                                         size_t out_len, size_t *needed)
{
    genre_status st = check_apply(p, __func__, z, n_rows, n_cols, row_stride, p ? p->k : 0,
                                  "the PCA keeps", p ? p->d : 0, out, out_len, needed);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    const size_t d = p->d, k = p->k;
    const size_t block = n_rows < ROW_BLOCK ? n_rows : ROW_BLOCK;
    double *tmp = genre__alloc_array(block * k, sizeof(double));
    double *scale = tmp ? genre__alloc_array(k, sizeof(double)) : NULL;
    if (!scale) {
        genre__free(tmp);
        return GENRE_PASS(GENRE_E_NOMEM);
    }
    for (size_t c = 0; c < k; c++)
        scale[c] = p->whiten ? sqrt(p->var[c]) : 1.0;
    for (size_t i0 = 0; i0 < n_rows && st == GENRE_OK; i0 += block) {
        size_t b = n_rows - i0 < block ? n_rows - i0 : block;
        for (size_t i = 0; i < b; i++) {
            for (size_t c = 0; c < k; c++)
                tmp[i * k + c] = z[(i0 + i) * row_stride + c] * scale[c];
            memcpy(out + (i0 + i) * d, p->mean, d * sizeof(double));
        }
        st = genre__gemm(GENRE__NO_TRANS, GENRE__NO_TRANS, 1.0, tmp, b, k, k, p->comp, k, d,
                         d, 1.0, out + i0 * d, b, d, d);
    }
    genre__free(scale);
    genre__free(tmp);
    return GENRE_PASS(st);
}

static genre_status fitted_or_fail(const genre_pca *p, const char *func)
{
    if (p == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 'p' is NULL");
    if (!p->fitted)
        return genre__fail(GENRE_E_BAD_STATE, func, "the PCA is not fitted");
    return GENRE_OK;
}

genre_status genre_pca_get_components(const genre_pca *p, double *out, size_t out_len,
                                      size_t *needed)
{
    genre_status st = fitted_or_fail(p, __func__);
    return st ? st : genre__buffer_copy(__func__, p->comp, p->k * p->d, out, out_len, needed);
}

genre_status genre_pca_get_explained_variance(const genre_pca *p, double *out, size_t out_len,
                                              size_t *needed)
{
    genre_status st = fitted_or_fail(p, __func__);
    return st ? st : genre__buffer_copy(__func__, p->var, p->k, out, out_len, needed);
}

genre_status genre_pca_get_explained_variance_ratio(const genre_pca *p, double *out,
                                                    size_t out_len, size_t *needed)
{
    genre_status st = fitted_or_fail(p, __func__);
    return st ? st : genre__buffer_copy(__func__, p->ratio, p->k, out, out_len, needed);
}

genre_status genre_pca_get_mean(const genre_pca *p, double *out, size_t out_len,
                                size_t *needed)
{
    genre_status st = fitted_or_fail(p, __func__);
    return st ? st : genre__buffer_copy(__func__, p->mean, p->d, out, out_len, needed);
}

genre_status genre_pca_get_loadings(const genre_pca *p, double *out, size_t out_len,
                                    size_t *needed)
{
    genre_status st = fitted_or_fail(p, __func__);
    if (st == GENRE_OK)
        st = genre__buffer_check(__func__, out, out_len, p->k * p->d, needed);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    for (size_t c = 0; c < p->k; c++) {
        double s = sqrt(p->var[c]);
        for (size_t j = 0; j < p->d; j++)
            out[j * p->k + c] = p->comp[c * p->d + j] * s;
    }
    return GENRE_OK;
}

/* ---- Persistence --------------------------------------------------------- */

/* The codec's genre__mf_encode_fn (model_file.h): model is a fitted genre_pca. */
static genre_status write_model(const void *model, genre__mf_writer *w)
{
    const genre_pca *p = model;
    genre__mf_put_i64(w, TAG_N_FEATURES, (int64_t)p->d);
    genre__mf_put_i64(w, TAG_N_SAMPLES, p->n_samples);
    genre__mf_put_i64(w, TAG_N_COMPONENTS, (int64_t)p->k);
    genre__mf_put_u32(w, TAG_WHITEN, (uint32_t)p->whiten);
    genre__mf_put_i64(w, TAG_REQ_COUNT, p->req_count);
    genre__mf_put_f64(w, TAG_REQ_FRACTION, p->req_fraction);
    genre__mf_put_f64(w, TAG_TOTAL_VAR, p->total_var);
    genre__mf_put_f64_array(w, TAG_MEAN, p->mean, p->d);
    genre__mf_put_f64_array(w, TAG_COMPONENTS, p->comp, p->k * p->d);
    genre__mf_put_f64_array(w, TAG_VARIANCE, p->var, p->k);
    return genre__mf_put_f64_array(w, TAG_RATIO, p->ratio, p->k);
}

/* The codec's genre__mf_decode_fn (model_file.h): dest is their
 * genre_pca **out; r NULL only clears *out; the payload version is checked. */
static genre_status read_model(const genre__mf_reader *r, void *dest, const char *func)
{
    genre_pca **out = dest;
    *out = NULL;
    if (r == NULL)
        return GENRE_OK;
    int64_t d64, n64, k64, req;
    uint32_t whiten;
    double frac, total;
    genre_status st;
    if ((st = genre__mf_get_i64(r, TAG_N_FEATURES, &d64)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_SAMPLES, &n64)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_COMPONENTS, &k64)) != GENRE_OK ||
        (st = genre__mf_get_u32(r, TAG_WHITEN, &whiten)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_REQ_COUNT, &req)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_REQ_FRACTION, &frac)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_TOTAL_VAR, &total)) != GENRE_OK)
        return st;
    /* n_features and n_components against the records they size, before
     * k x d is formed (2^32 x 2^32 wraps to an empty record's 0) or
     * anything is allocated. */
    if (d64 >= 1 && k64 >= 1 && k64 <= d64 &&
        ((st = genre__mf_expect_count(r, func, TAG_MEAN, GENRE__MF_F64_ARRAY,
                                      "mean (one per feature)", (uint64_t)d64)) != GENRE_OK ||
         (st = genre__mf_expect_count(r, func, TAG_VARIANCE, GENRE__MF_F64_ARRAY,
                                      "explained variance (one per component)",
                                      (uint64_t)k64)) != GENRE_OK ||
         (st = genre__mf_expect_count(r, func, TAG_RATIO, GENRE__MF_F64_ARRAY,
                                      "variance ratio (one per component)",
                                      (uint64_t)k64)) != GENRE_OK))
        return st;
    size_t count = 0;
    if (d64 < 1 || n64 < 2 || k64 < 1 || k64 > d64 || k64 > n64 - 1 || whiten > 1 ||
        req < 0 || req > INT32_MAX || !(frac >= 0 && frac < 1) || !(total > 0) ||
        !isfinite(total) ||
        genre__mf_get_count(r, TAG_COMPONENTS, GENRE__MF_F64_ARRAY, &count) != GENRE_OK ||
        count != (uint64_t)k64 * (uint64_t)d64)
        return genre__fail(GENRE_E_CORRUPT, func,
                           "inconsistent PCA model: n_features %lld, n_samples %lld, "
                           "n_components %lld, whiten %u, requested %lld, fraction %g, total "
                           "variance %g, %zu component values",
                           (long long)d64, (long long)n64, (long long)k64, (unsigned)whiten,
                           (long long)req, frac, total, count);
    const size_t d = (size_t)d64, k = (size_t)k64;
    genre_pca *p;
    if ((st = genre_pca_create(&p)) != GENRE_OK)
        return st;
    pca_fit f;
    if ((st = fit_alloc(&f, d, k)) != GENRE_OK) {
        genre_pca_free(p);
        return st;
    }
    if ((st = genre__mf_get_f64_array(r, TAG_MEAN, f.mean, d)) != GENRE_OK ||
        (st = genre__mf_get_f64_array(r, TAG_COMPONENTS, f.comp, k * d)) != GENRE_OK ||
        (st = genre__mf_get_f64_array(r, TAG_VARIANCE, f.var, k)) != GENRE_OK ||
        (st = genre__mf_get_f64_array(r, TAG_RATIO, f.ratio, k)) != GENRE_OK)
        goto fail;
    for (size_t i = 0; i < k * d; i++)
        if (!isfinite(f.comp[i]) || (i < d && !isfinite(f.mean[i])) ||
            (i < k && (!isfinite(f.var[i]) || f.var[i] < 0 || (whiten && !(f.var[i] > 0)) ||
                       !isfinite(f.ratio[i])))) {
            st = genre__fail(GENRE_E_CORRUPT, func, "invalid PCA values");
            goto fail;
        }
    p->req_count = req;
    p->req_fraction = frac;
    p->whiten = (int)whiten;
    install(p, &f, d, k, n64, total);
    *out = p;
    return GENRE_OK;
fail:
    fit_free(&f);
    genre_pca_free(p);
    return st;
}

static const genre__mf_codec codec = {GENRE_MODEL_PCA, PCA_PAYLOAD_VERSION, "PCA", write_model,
                                      read_model};

genre_status genre_pca_save(const genre_pca *p, const char *path)
{
    genre_status st = fitted_or_fail(p, __func__);
    return st ? st : genre__mf_save_file(__func__, p, path, &codec);
}

genre_status genre_pca_save_to_memory(const genre_pca *p, void *buf, size_t cap,
                                      size_t *written_or_needed)
{
    genre_status st = fitted_or_fail(p, __func__);
    return st ? st : genre__mf_save_memory(__func__, p, buf, cap, written_or_needed, &codec);
}

genre_status genre_pca_load_from_memory(genre_pca **out, const void *buf, size_t len)
{
    return genre__mf_load_memory(__func__, out, buf, len, &codec);
}

genre_status genre_pca_load(genre_pca **out, const char *path)
{
    return genre__mf_load_file(__func__, out, path, &codec);
}
