/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Linear discriminant analysis (see genre/lda.h for the model).
 *
 * The generalized symmetric-definite eigenproblem Sb v = lambda Sw v is
 * solved by genre__eigen_gensym (lib/common/eigen_sym.c: Cholesky of Sw,
 * then a symmetric eigenproblem, no threaded BLAS) after rescaling both
 * matrices by the within-class standard deviations, D^-1 S D^-1: the
 * problem becomes independent of the units of the columns (duration in ms
 * next to ratios in [0, 1]) and the Cholesky factor is well scaled. Each
 * eigenvector is scaled to v^T Sw v = 1 (the solver's are already, to
 * rounding) and mapped back by D^-1.
 */
#include <genre/lda.h>
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

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Payload v1 records (docs/model-file-format.md), d features, K classes,
 * m = min(K-1, d) discriminants, k kept by transform:
 *   1 n_features i64, 2 n_samples i64, 3 n_classes i64, 4 m i64, 5 k i64,
 *   6 requested n_components i64, 7 shrinkage f64, 8 class labels i32[K]
 *   (ascending), 9 priors f64[K], 10 class means f64[K*d], 11 xbar f64[d],
 *   12 scalings f64[d*m] (row-major, column c = discriminant c),
 *   13 explained-variance ratio f64[m]. Projected class means and log
 *   priors are recomputed on load. */
#define LDA_PAYLOAD_VERSION 1u
#define TAG_N_FEATURES 1u
#define TAG_N_SAMPLES 2u
#define TAG_N_CLASSES 3u
#define TAG_N_DISCRIMINANTS 4u
#define TAG_N_COMPONENTS 5u
#define TAG_REQ_COMPONENTS 6u
#define TAG_SHRINKAGE 7u
#define TAG_CLASSES 8u
#define TAG_PRIORS 9u
#define TAG_MEANS 10u
#define TAG_XBAR 11u
#define TAG_SCALINGS 12u
#define TAG_RATIO 13u

/* Smallest / largest eigenvalue of the within-class correlation matrix at
 * or below which Sw counts as singular (documented in genre/lda.h). */
#define SINGULAR_RATIO 1e-10
/* Rows per block in the row loops (bounded scratch). */
#define ROW_BLOCK 512

struct genre_lda {
    int64_t req_k;
    double shrinkage;
    double *user_priors; /* normalized; NULL = class frequencies */
    size_t n_user_priors;

    int fitted;
    size_t d, n_classes, m, k; /* m = min(K-1, d) discriminants, k kept */
    int64_t n_samples;
    int32_t *classes;  /* K */
    double *priors;    /* K */
    double *log_prior; /* K */
    double *means;     /* K x d */
    double *xbar;      /* d */
    double *scal;      /* d x m */
    double *ratio;     /* m */
    double *centroid;  /* K x m: (means - xbar) scal */

    genre__hooks hooks;
};

typedef struct lda_fit {
    int32_t *classes;
    double *priors, *log_prior, *means, *xbar, *scal, *ratio, *centroid;
} lda_fit;

static void fit_free(lda_fit *f)
{
    genre__free(f->classes);
    genre__free(f->priors);
    genre__free(f->log_prior);
    genre__free(f->means);
    genre__free(f->xbar);
    genre__free(f->scal);
    genre__free(f->ratio);
    genre__free(f->centroid);
    memset(f, 0, sizeof *f);
}

static genre_status fit_alloc(lda_fit *f, size_t d, size_t K, size_t m)
{
    memset(f, 0, sizeof *f);
    f->classes = genre__alloc_array(K, sizeof(int32_t));
    f->priors = f->classes ? genre__alloc_array(K, sizeof(double)) : NULL;
    f->log_prior = f->priors ? genre__alloc_array(K, sizeof(double)) : NULL;
    f->means = f->log_prior ? genre__calloc_array(K * d, sizeof(double)) : NULL;
    f->xbar = f->means ? genre__calloc_array(d, sizeof(double)) : NULL;
    f->scal = f->xbar ? genre__alloc_array(d * m, sizeof(double)) : NULL;
    f->ratio = f->scal ? genre__alloc_array(m, sizeof(double)) : NULL;
    f->centroid = f->ratio ? genre__alloc_array(K * m, sizeof(double)) : NULL;
    if (!f->centroid) {
        fit_free(f);
        return GENRE_E_NOMEM;
    }
    return GENRE_OK;
}

/* centroid = (means - xbar) scal and log priors, from the other fields. */
static void derive(lda_fit *f, size_t d, size_t K, size_t m)
{
    for (size_t c = 0; c < K; c++) {
        f->log_prior[c] = log(f->priors[c]);
        for (size_t t = 0; t < m; t++) {
            double s = 0.0;
            for (size_t j = 0; j < d; j++)
                s += (f->means[c * d + j] - f->xbar[j]) * f->scal[j * m + t];
            f->centroid[c * m + t] = s;
        }
    }
}

static void install(genre_lda *l, lda_fit *f, size_t d, size_t K, size_t m, size_t k,
                    int64_t n)
{
    lda_fit old = {l->classes, l->priors,   l->log_prior, l->means,
                   l->xbar,    l->scal,     l->ratio,     l->centroid};
    fit_free(&old);
    l->classes = f->classes;
    l->priors = f->priors;
    l->log_prior = f->log_prior;
    l->means = f->means;
    l->xbar = f->xbar;
    l->scal = f->scal;
    l->ratio = f->ratio;
    l->centroid = f->centroid;
    memset(f, 0, sizeof *f);
    l->d = d;
    l->n_classes = K;
    l->m = m;
    l->k = k;
    l->n_samples = n;
    l->fitted = 1;
}

/* ---- Parameters ------------------------------------------------------------ */

static genre_status read_only(const void *handle, const char *func, int32_t key, int64_t *i_out,
                              double *f_out)
{
    const genre_lda *l = handle;
    (void)f_out; /* every read-only LDA key is i64 */
    if (key == GENRE_LDA_FITTED) {
        *i_out = l->fitted;
        return GENRE_OK;
    }
    if (!l->fitted)
        return genre__fail(GENRE_E_BAD_STATE, func, "the LDA is not fitted");
    switch (key) {
    case GENRE_LDA_N_FEATURES: *i_out = (int64_t)l->d; break;
    case GENRE_LDA_N_SAMPLES: *i_out = l->n_samples; break;
    case GENRE_LDA_N_CLASSES: *i_out = (int64_t)l->n_classes; break;
    default: *i_out = (int64_t)l->k; break;
    }
    return GENRE_OK;
}

static const genre__param lda_params[] = {
    GENRE__I64(GENRE_LDA_N_COMPONENTS, GENRE__SLOT_I64, genre_lda, req_k, 0, 0, INT32_MAX, "0.1"),
    GENRE__F64(GENRE_LDA_SHRINKAGE, genre_lda, shrinkage, 0.0, 0.0, 1.0, 0, 0, "0.1"),
    GENRE__RO_I64(GENRE_LDA_N_FEATURES, "0.1"),
    GENRE__RO_I64(GENRE_LDA_N_SAMPLES, "0.1"),
    GENRE__RO_I64(GENRE_LDA_N_CLASSES, "0.1"),
    GENRE__RO_I64(GENRE_LDA_N_COMPONENTS_FITTED, "0.1"),
    GENRE__RO_I64(GENRE_LDA_FITTED, "0.1"),
};

const genre__param_table genre__lda_param_table = {
    "LDA", lda_params, sizeof lda_params / sizeof lda_params[0], read_only};
#define TABLE (&genre__lda_param_table)

genre_status genre_lda_create(genre_lda **out)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    genre_lda *l = GENRE_NEW(genre_lda);
    if (!l)
        return GENRE_PASS(GENRE_E_NOMEM);
    genre__params_reset(TABLE, l);
    *out = l;
    return GENRE_OK;
}

void genre_lda_free(genre_lda *l)
{
    if (!l)
        return;
    lda_fit old = {l->classes, l->priors, l->log_prior, l->means,
                   l->xbar,    l->scal,   l->ratio,     l->centroid};
    fit_free(&old);
    genre__free(l->user_priors);
    genre__free(l);
}

genre_status genre_lda_set_i64(genre_lda *l, int32_t key, int64_t value)
{
    GENRE_CHECK_NOT_NULL(l);
    return genre__params_set_i64(TABLE, l, __func__, key, value);
}

genre_status genre_lda_set_f64(genre_lda *l, int32_t key, double value)
{
    GENRE_CHECK_NOT_NULL(l);
    return genre__params_set_f64(TABLE, l, __func__, key, value);
}

genre_status genre_lda_get_i64(const genre_lda *l, int32_t key, int64_t *out)
{
    GENRE_CHECK_NOT_NULL(l);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_i64(TABLE, l, l, __func__, key, out);
}

genre_status genre_lda_get_f64(const genre_lda *l, int32_t key, double *out)
{
    GENRE_CHECK_NOT_NULL(l);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_f64(TABLE, l, l, __func__, key, out);
}

genre_status genre_lda_param_bounds(int32_t key, double *lo, double *hi)
{
    GENRE_CHECK_NOT_NULL(lo);
    GENRE_CHECK_NOT_NULL(hi);
    return genre__params_bounds(TABLE, __func__, key, lo, hi);
}

genre_status genre_lda_param_values(int32_t key, int64_t *out, size_t cap, size_t *n_values)
{
    GENRE_CHECK_NOT_NULL(n_values);
    return genre__params_values(TABLE, __func__, key, out, cap, n_values);
}

genre_status genre_lda_reset_params(genre_lda *l)
{
    GENRE_CHECK_NOT_NULL(l);
    genre__params_reset(TABLE, l);
    return GENRE_OK;
}

genre_status genre_lda_set_log(genre_lda *l, genre_log_fn fn, void *user_data)
{
    GENRE_CHECK_NOT_NULL(l);
    l->hooks.log = fn;
    l->hooks.log_data = user_data;
    return GENRE_OK;
}

genre_status genre_lda_set_priors(genre_lda *l, const double *priors, size_t n)
{
    GENRE_CHECK_NOT_NULL(l);
    if ((priors == NULL) != (n == 0))
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "priors must be NULL with n 0 or non-NULL with n > 0");
    double sum = 0.0;
    for (size_t c = 0; c < n; c++) {
        if (!isfinite(priors[c]) || !(priors[c] > 0))
            return GENRE_FAIL(GENRE_E_INVALID_ARG,
                              "prior %zu is %g; priors must be finite and > 0", c, priors[c]);
        sum += priors[c];
    }
    if (n > 0 && !isfinite(sum))
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "the priors' sum overflows");
    double *copy = NULL;
    if (n) {
        copy = genre__alloc_array(n, sizeof(double));
        if (!copy)
            return GENRE_PASS(GENRE_E_NOMEM);
        for (size_t c = 0; c < n; c++)
            copy[c] = priors[c] / sum;
    }
    genre__free(l->user_priors);
    l->user_priors = copy;
    l->n_user_priors = n;
    return GENRE_OK;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static size_t class_index(const int32_t *classes, size_t K, int32_t label)
{
    size_t lo = 0, hi = K;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (classes[mid] <= label)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Scratch of one fit; freed together. */
typedef struct fit_scratch {
    int32_t *sorted;
    uint32_t *cls, *lut;
    size_t *count, *first;
    double *std, *sbrows;
    double *sw, *sb, *evec, *eval; /* d x d (row-major), eval d */
} fit_scratch;

static void scratch_free(fit_scratch *s)
{
    genre__free(s->sorted);
    genre__free(s->cls);
    genre__free(s->lut);
    genre__free(s->count);
    genre__free(s->first);
    genre__free(s->std);
    genre__free(s->sbrows);
    genre__free(s->sw);
    genre__free(s->sb);
    genre__free(s->evec);
    genre__free(s->eval);
}

/* The scratch finish() reads: d x d scatters, K x d between-class rows. */
static genre_status scratch_alloc(fit_scratch *s, size_t d, size_t K)
{
    s->std = genre__alloc_array(d, sizeof(double));
    s->sbrows = s->std ? genre__alloc_array(K * d, sizeof(double)) : NULL;
    s->sw = s->sbrows ? genre__alloc_array(d, d * sizeof(double)) : NULL;
    s->sb = s->sw ? genre__alloc_array(d, d * sizeof(double)) : NULL;
    s->evec = s->sb ? genre__alloc_array(d, d * sizeof(double)) : NULL;
    s->eval = s->evec ? genre__alloc_array(d, sizeof(double)) : NULL;
    return s->eval ? GENRE_OK : GENRE_E_NOMEM;
}

/* The overall mean f->xbar (zero on entry) from the class means and
 * s->count (n rows in all), and the between-class scatter s->sb = rows^T
 * rows with rows sqrt(n_k / (K - 1)) (m_k - xbar): one formula for the fit
 * on rows and the fit on a partial state, so both give the same bits. */
static genre_status between_scatter(fit_scratch *s, lda_fit *f, size_t n, size_t d, size_t K)
{
    for (size_t c = 0; c < K; c++)
        for (size_t j = 0; j < d; j++)
            f->xbar[j] += (double)s->count[c] * f->means[c * d + j];
    for (size_t j = 0; j < d; j++)
        f->xbar[j] /= (double)n;
    for (size_t c = 0; c < K; c++) {
        double w = sqrt((double)s->count[c] / (double)(K - 1));
        for (size_t j = 0; j < d; j++)
            s->sbrows[c * d + j] = w * (f->means[c * d + j] - f->xbar[j]);
    }
    return genre__gemm(GENRE__TRANS, GENRE__NO_TRANS, 1.0, s->sbrows, K, d, d, s->sbrows, K, d,
                       d, 0.0, s->sb, d, d, d);
}

/* The fit's notices when shrinkage makes a singular within-class scatter
 * solvable: columns constant within every class, else collinear columns.
 * Shrinkage keeps the eigenvectors of the correlation-scaled Sw and maps
 * each eigenvalue e to (1 - a) e + a trace / d, so the unshrunk extremes
 * come back from the shrunk ones without another decomposition. */
static void log_shrinkage_rescue(const genre_lda *l, const char *func, size_t d,
                                 size_t n_constant, size_t first_constant, double lmin,
                                 double lmax, double shrink_add)
{
    if (!l->hooks.log || !(l->shrinkage > 0))
        return;
    if (n_constant > 0) {
        genre__log(&l->hooks, GENRE_LOG_WARNING,
                   "%s: %zu of %zu columns are constant within every class (the "
                   "first is column %zu); GENRE_LDA_SHRINKAGE = %g makes the within-class "
                   "scatter solvable",
                   func, n_constant, d, first_constant, l->shrinkage);
        return;
    }
    if (!(l->shrinkage < 1))
        return;
    double lo0 = (lmin - shrink_add) / (1.0 - l->shrinkage);
    double hi0 = (lmax - shrink_add) / (1.0 - l->shrinkage);
    if (!(hi0 > 0) || !(lo0 > SINGULAR_RATIO * hi0))
        genre__log(&l->hooks, GENRE_LOG_WARNING,
                   "%s: the within-class scatter is singular (smallest / largest "
                   "eigenvalue of the within-class correlation = %g / %g: collinear columns "
                   "or too few rows per column); GENRE_LDA_SHRINKAGE = %g makes it solvable",
                   func, lo0 > 0 ? lo0 : 0.0, hi0, l->shrinkage);
}

/* The fit from the class statistics in s and f: s->sw the within-class
 * scatter W and s->sb the between-class Sb (d x d each), s->std[j] the total
 * scatter of column j, s->count the class sizes, f->classes, f->means and
 * f->xbar; messages name func. Shared by genre_lda_fit and fit_partial. */
static genre_status finish(genre_lda *l, const char *func, fit_scratch *s, lda_fit *f,
                           size_t n, size_t d, size_t K, size_t m, size_t k)
{
    genre_status st;
    /* Pooled covariance and rescaling by the within-class std. */
    const double pool = 1.0 / (double)(n - K);
    size_t n_constant = 0, first_constant = 0;
    double shrink_add = 0.0; /* a trace / d, added to the diagonal by shrinkage */
    for (size_t j = 0; j < d; j++) {
        double v = s->sw[j * d + j];
        v = v > 1e-12 * s->std[j] ? v * pool : 0.0;
        if (!(v > 0) && l->shrinkage == 0) {
            return genre__fail(GENRE_E_NUMERIC, func,
                               "the within-class scatter is singular: column %zu is constant "
                               "within every class; drop it or set GENRE_LDA_SHRINKAGE > 0",
                               j);
        }
        if (!(v > 0) && n_constant++ == 0) /* shrinkage handles it: say so once */
            first_constant = j;
        if (!(v > 0)) /* constant within classes: exactly, not rounding residue */
            for (size_t i = 0; i < d; i++) {
                s->sw[i * d + j] = 0.0;
                s->sw[j * d + i] = 0.0;
            }
        s->std[j] = v > 0 ? sqrt(v) : 1.0;
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double sc = s->std[i] * s->std[j];
            s->sw[i * d + j] = s->sw[i * d + j] * pool / sc;
            s->sb[i * d + j] = s->sb[i * d + j] / sc;
        }
    if (l->shrinkage > 0) {
        double tr = 0.0;
        for (size_t j = 0; j < d; j++)
            tr += s->sw[j * d + j];
        for (size_t i = 0; i < d * d; i++)
            s->sw[i] *= 1.0 - l->shrinkage;
        for (size_t j = 0; j < d; j++)
            s->sw[j * d + j] += l->shrinkage * tr / (double)d;
        shrink_add = l->shrinkage * tr / (double)d;
    }

    /* Singularity check on the (shrunk) within-class correlation matrix. */
    st = genre__eigen_sym(d, s->sw, d, s->eval, NULL, 0); /* eigenvalues only, descending */
    if (st != GENRE_OK) {
        return genre__fail_as(st, func, "eigenvalues of the within-class scatter");
    }
    double lmin = s->eval[d - 1], lmax = s->eval[0];
    if (!(lmax > 0) || !(lmin > SINGULAR_RATIO * lmax)) {
        return genre__fail(GENRE_E_NUMERIC, func,
                           "the within-class scatter is singular (smallest / largest "
                           "eigenvalue of the within-class correlation = %g / %g, below %g): "
                           "collinear columns or too few rows per column; drop columns or set "
                           "GENRE_LDA_SHRINKAGE > 0",
                           lmin, lmax, SINGULAR_RATIO);
    }
    log_shrinkage_rescue(l, func, d, n_constant, first_constant, lmin, lmax, shrink_add);

    /* descending eigenvalues, eigenvectors in the columns of s->evec */
    st = genre__eigen_gensym(d, s->sb, d, s->sw, d, s->eval, s->evec, d);
    if (st != GENRE_OK) {
        return genre__fail_as(st, func,
                              "generalized eigenproblem (between vs within scatter)");
    }

    double total = 0.0;
    for (size_t c = 0; c < m; c++) {
        double v = s->eval[c];
        total += v > 0 ? v : 0.0;
    }
    if (!(total > 0)) {
        return genre__fail(GENRE_E_NUMERIC, func,
                           "all class means are equal: there is no between-class variance "
                           "to explain");
    }
    for (size_t c = 0; c < m; c++) {
        double v = s->eval[c];
        f->ratio[c] = (v > 0 ? v : 0.0) / total;
        /* v'^T Sw' v' with the unmodified (shrunk) Sw'. */
        double q = 0.0;
        for (size_t i = 0; i < d; i++) {
            double r = 0.0;
            for (size_t j = 0; j < d; j++)
                r += s->sw[i * d + j] * s->evec[j * d + c];
            q += s->evec[i * d + c] * r;
        }
        const double norm = 1.0 / sqrt(q);
        for (size_t j = 0; j < d; j++)
            f->scal[j * m + c] = s->evec[j * d + c] * norm / s->std[j];
        genre__lin_fix_sign(f->scal + c, d, m);
    }
    for (size_t c = 0; c < K; c++)
        f->priors[c] = l->user_priors ? l->user_priors[c] : (double)s->count[c] / (double)n;
    derive(f, d, K, m);
    install(l, f, d, K, m, k, (int64_t)n);
    return GENRE_OK;
}

genre_status genre_lda_fit(genre_lda *l, const double *x, size_t n_rows, size_t n_cols,
                           size_t row_stride, const int32_t *y)
{
    GENRE_CHECK_NOT_NULL(l);
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride, 0);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    GENRE_CHECK_NOT_NULL(y);
    const size_t n = n_rows, d = n_cols;
    fit_scratch s = {0};
    lda_fit f = {0};

    /* Classes: the sorted distinct labels. */
    s.sorted = genre__alloc_array(n, sizeof(int32_t));
    s.cls = s.sorted ? genre__alloc_array(n, sizeof(uint32_t)) : NULL;
    if (!s.cls) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    int32_t ymin = y[0], ymax = y[0];
    for (size_t i = 1; i < n; i++) {
        ymin = y[i] < ymin ? y[i] : ymin;
        ymax = y[i] > ymax ? y[i] : ymax;
    }
    const uint64_t range = (uint64_t)((int64_t)ymax - (int64_t)ymin) + 1u;
    size_t K = 0;
    if (range <= n) {
        /* Labels in a compact range (the usual 0..K-1): a lookup table
         * instead of sorting n labels. */
        s.lut = genre__alloc_array((size_t)range, sizeof(uint32_t));
        if (!s.lut) {
            st = GENRE_E_NOMEM;
            goto done;
        }
        for (size_t v = 0; v < range; v++)
            s.lut[v] = UINT32_MAX;
        for (size_t i = 0; i < n; i++)
            s.lut[(int64_t)y[i] - ymin] = 0;
        for (size_t v = 0; v < range; v++)
            if (s.lut[v] == 0) {
                s.lut[v] = (uint32_t)K;
                s.sorted[K++] = (int32_t)((int64_t)ymin + (int64_t)v);
            }
    } else {
        memcpy(s.sorted, y, n * sizeof(int32_t));
        qsort(s.sorted, n, sizeof(int32_t), cmp_i32);
        K = 1;
        for (size_t i = 1; i < n; i++)
            if (s.sorted[i] != s.sorted[K - 1])
                s.sorted[K++] = s.sorted[i];
    }
    if (K < 2) {
        st = GENRE_FAIL(GENRE_E_INVALID_ARG,
                        "LDA needs at least 2 classes; every row of y has label %d",
                        (int)s.sorted[0]);
        goto done;
    }
    if (l->user_priors && l->n_user_priors != K) {
        st = GENRE_FAIL(GENRE_E_SHAPE, "%zu priors were set but y has %zu classes",
                        l->n_user_priors, K);
        goto done;
    }
    const size_t m = K - 1 < d ? K - 1 : d;
    if (l->req_k > 0 && (uint64_t)l->req_k > m) {
        st = GENRE_FAIL(GENRE_E_INVALID_ARG,
                        "n_components = %lld is too large: at most min(classes - 1 = %zu, "
                        "n_cols = %zu) = %zu",
                        (long long)l->req_k, K - 1, d, m);
        goto done;
    }
    const size_t k = l->req_k > 0 ? (size_t)l->req_k : m;

    s.count = genre__calloc_array(K, sizeof(size_t));
    s.first = s.count ? genre__alloc_array(K, sizeof(size_t)) : NULL;
    if (!s.first || (st = fit_alloc(&f, d, K, m)) != GENRE_OK) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    memcpy(f.classes, s.sorted, K * sizeof(int32_t));
    for (size_t i = 0; i < n; i++) {
        size_t c = s.lut ? s.lut[(int64_t)y[i] - ymin] : class_index(f.classes, K, y[i]);
        s.cls[i] = (uint32_t)c;
        if (s.count[c]++ == 0)
            s.first[c] = i;
        const double *row = x + i * row_stride;
        double *mu = f.means + c * d;
        for (size_t j = 0; j < d; j++)
            mu[j] += row[j];
    }
    for (size_t c = 0; c < K * d; c++)
        if (!isfinite(f.means[c])) { /* NaN/Inf in x (or overflow): say where */
            st = genre__lin_nonfinite(__func__, x, n, d, row_stride);
            goto done;
        }
    for (size_t c = 0; c < K; c++)
        if (s.count[c] < 2) {
            st = GENRE_FAIL(GENRE_E_INVALID_ARG,
                            "class %d has a single row (row %zu); LDA needs at least 2 rows "
                            "per class",
                            (int)f.classes[c], s.first[c]);
            goto done;
        }
    for (size_t c = 0; c < K; c++)
        for (size_t j = 0; j < d; j++)
            f.means[c * d + j] /= (double)s.count[c];
    if ((st = scratch_alloc(&s, d, K)) != GENRE_OK)
        goto done;
    st = between_scatter(&s, &f, n, d, K);
    /* Within-class scatter W = T - B: the total scatter T (the shared,
     * blocked dsyrk covariance; one BLAS kernel that stays fast when the
     * machine is busy, where a threaded dgemm over class-centred blocks did
     * not) minus the between-class scatter B = (K - 1) Sb. The subtraction
     * costs at most the few bits of T_jj / W_jj; a column whose W_jj is
     * below 1e-12 T_jj is constant within every class. */
    if (st == GENRE_OK)
        st = genre__covariance(x, n, d, row_stride, 0, NULL, s.sw, d);
    if (st != GENRE_OK)
        goto done;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double t = s.sw[i * d + j] * (double)n;
            if (i == j)
                s.std[j] = t; /* total scatter of column j, for the test below */
            s.sw[i * d + j] = t - (double)(K - 1) * s.sb[i * d + j];
        }

    st = finish(l, __func__, &s, &f, n, d, K, m, k);
done:
    fit_free(&f);
    scratch_free(&s);
    return GENRE_PASS(st);
}

genre_status genre__lda_fit_classes(genre_lda *l, const char *func, size_t K,
                                    const int32_t *classes, const int64_t *counts,
                                    const double *means, const double *within, size_t d)
{
    if (K < 2)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "LDA needs at least 2 classes; the partial state has %zu", K);
    if (l->user_priors && l->n_user_priors != K)
        return genre__fail(GENRE_E_SHAPE, func,
                           "%zu priors were set but the partial state has %zu classes",
                           l->n_user_priors, K);
    size_t n = 0;
    for (size_t c = 0; c < K; c++) {
        if (counts[c] < 2)
            return genre__fail(GENRE_E_INVALID_ARG, func,
                               "class %d has %lld row(s); LDA needs at least 2 rows per class",
                               (int)classes[c], (long long)counts[c]);
        n += (size_t)counts[c];
    }
    const size_t m = K - 1 < d ? K - 1 : d;
    if (l->req_k > 0 && (uint64_t)l->req_k > m)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "n_components = %lld is too large: at most min(classes - 1 = %zu, "
                           "n_cols = %zu) = %zu",
                           (long long)l->req_k, K - 1, d, m);
    const size_t k = l->req_k > 0 ? (size_t)l->req_k : m;
    fit_scratch s = {0};
    lda_fit f = {0};
    genre_status st = GENRE_E_NOMEM;
    s.count = genre__alloc_array(K, sizeof(size_t));
    if (!s.count || scratch_alloc(&s, d, K) != GENRE_OK || fit_alloc(&f, d, K, m) != GENRE_OK)
        goto done;
    memcpy(f.classes, classes, K * sizeof(int32_t));
    memcpy(f.means, means, K * d * sizeof(double));
    for (size_t c = 0; c < K; c++)
        s.count[c] = (size_t)counts[c];
    st = between_scatter(&s, &f, n, d, K);
    if (st != GENRE_OK) {
        st = genre__fail_as(st, func, "between-class scatter");
        goto done;
    }
    /* W is the sum of the classes' co-moments; the total scatter of column
     * j (the singular-column test's scale) is W_jj + B_jj. */
    memcpy(s.sw, within, d * d * sizeof(double));
    for (size_t j = 0; j < d; j++)
        s.std[j] = s.sw[j * d + j] + (double)(K - 1) * s.sb[j * d + j];
    st = finish(l, func, &s, &f, n, d, K, m, k);
done:
    fit_free(&f);
    scratch_free(&s);
    return st;
}

static genre_status check_apply(const genre_lda *l, const char *func, const double *x,
                                size_t n_rows, size_t n_cols, size_t row_stride,
                                size_t out_cols, const void *out, size_t out_len,
                                size_t *needed)
{
    if (l == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 'l' is NULL");
    if (!l->fitted)
        return genre__fail(GENRE_E_BAD_STATE, func, "the LDA is not fitted");
    genre_status st = genre__check_matrix(func, "x", x, n_rows, n_cols, row_stride, 1);
    if (st != GENRE_OK)
        return st;
    if (n_cols != l->d)
        return genre__fail(GENRE_E_SHAPE, func,
                           "x has %zu columns but the LDA was fitted on %zu", n_cols, l->d);
    size_t count = 0;
    if ((st = genre__buffer_count(func, n_rows, out_cols, &count)) != GENRE_OK)
        return st;
    return genre__buffer_check(func, out, out_len, count, needed);
}

/* z[b x kc] = (x - xbar) scal[:, :kc] for rows i0 .. i0+b-1. */
static genre_status project_block(const genre_lda *l, const double *x, size_t row_stride,
                                  size_t i0, size_t b, size_t kc, double *tmp, double *z)
{
    const size_t d = l->d;
    for (size_t i = 0; i < b; i++)
        for (size_t j = 0; j < d; j++)
            tmp[i * d + j] = x[(i0 + i) * row_stride + j] - l->xbar[j];
    return genre__gemm(GENRE__NO_TRANS, GENRE__NO_TRANS, 1.0, tmp, b, d, d, l->scal, d, kc,
                       l->m, 0.0, z, b, kc, kc);
}

genre_status genre_lda_transform(const genre_lda *l, const double *x, size_t n_rows,
                                 size_t n_cols, size_t row_stride, double *out,
                                 size_t out_len, size_t *needed)
{
    genre_status st = check_apply(l, __func__, x, n_rows, n_cols, row_stride, l ? l->k : 0,
                                  out, out_len, needed);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    const size_t block = n_rows < ROW_BLOCK ? n_rows : ROW_BLOCK;
    double *tmp = genre__alloc_array(block * l->d, sizeof(double));
    if (!tmp)
        return GENRE_PASS(GENRE_E_NOMEM);
    for (size_t i0 = 0; i0 < n_rows && st == GENRE_OK; i0 += block) {
        size_t b = n_rows - i0 < block ? n_rows - i0 : block;
        st = project_block(l, x, row_stride, i0, b, l->k, tmp, out + i0 * l->k);
    }
    genre__free(tmp);
    return GENRE_PASS(st);
}

/* Posteriors of rows into proba (n x K) and/or labels into pred. */
static genre_status posterior(const genre_lda *l, const double *x, size_t n_rows,
                              size_t row_stride, double *proba, int32_t *pred)
{
    const size_t K = l->n_classes, m = l->m;
    const size_t block = n_rows < ROW_BLOCK ? n_rows : ROW_BLOCK;
    double *tmp = genre__alloc_array(block * l->d, sizeof(double));
    double *z = tmp ? genre__alloc_array(block * m, sizeof(double)) : NULL;
    double *logit = z ? genre__alloc_array(K, sizeof(double)) : NULL;
    if (!logit) {
        genre__free(tmp);
        genre__free(z);
        return GENRE_E_NOMEM;
    }
    genre_status st = GENRE_OK;
    for (size_t i0 = 0; i0 < n_rows && st == GENRE_OK; i0 += block) {
        size_t b = n_rows - i0 < block ? n_rows - i0 : block;
        st = project_block(l, x, row_stride, i0, b, m, tmp, z);
        for (size_t i = 0; i < b && st == GENRE_OK; i++) {
            const double *zi = z + i * m;
            size_t best = 0;
            for (size_t c = 0; c < K; c++) {
                double dist = 0.0;
                for (size_t t = 0; t < m; t++) {
                    double dlt = zi[t] - l->centroid[c * m + t];
                    dist += dlt * dlt;
                }
                logit[c] = -0.5 * dist + l->log_prior[c];
                if (logit[c] > logit[best])
                    best = c;
            }
            if (pred)
                pred[i0 + i] = l->classes[best];
            if (proba) {
                double *p = proba + (i0 + i) * K, sum = 0.0;
                for (size_t c = 0; c < K; c++)
                    sum += p[c] = exp(logit[c] - logit[best]);
                for (size_t c = 0; c < K; c++)
                    p[c] /= sum;
            }
        }
    }
    genre__free(logit);
    genre__free(z);
    genre__free(tmp);
    return st;
}

genre_status genre_lda_predict_proba(const genre_lda *l, const double *x, size_t n_rows,
                                     size_t n_cols, size_t row_stride, double *out,
                                     size_t out_len, size_t *needed)
{
    genre_status st = check_apply(l, __func__, x, n_rows, n_cols, row_stride,
                                  l ? l->n_classes : 0, out, out_len, needed);
    return GENRE_PASS(st ? st : posterior(l, x, n_rows, row_stride, out, NULL));
}

genre_status genre_lda_predict(const genre_lda *l, const double *x, size_t n_rows,
                               size_t n_cols, size_t row_stride, int32_t *out, size_t out_len,
                               size_t *needed)
{
    genre_status st =
        check_apply(l, __func__, x, n_rows, n_cols, row_stride, 1, out, out_len, needed);
    return GENRE_PASS(st ? st : posterior(l, x, n_rows, row_stride, NULL, out));
}

static genre_status fitted_or_fail(const genre_lda *l, const char *func)
{
    if (l == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 'l' is NULL");
    if (!l->fitted)
        return genre__fail(GENRE_E_BAD_STATE, func, "the LDA is not fitted");
    return GENRE_OK;
}

genre_status genre_lda_get_explained_variance_ratio(const genre_lda *l, double *out,
                                                    size_t out_len, size_t *needed)
{
    genre_status st = fitted_or_fail(l, __func__);
    return st ? st : genre__buffer_copy(__func__, l->ratio, l->k, out, out_len, needed);
}

genre_status genre_lda_get_scalings(const genre_lda *l, double *out, size_t out_len,
                                    size_t *needed)
{
    genre_status st = fitted_or_fail(l, __func__);
    if (st == GENRE_OK)
        st = genre__buffer_check(__func__, out, out_len, l->d * l->k, needed);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    for (size_t j = 0; j < l->d; j++)
        memcpy(out + j * l->k, l->scal + j * l->m, l->k * sizeof(double));
    return GENRE_OK;
}

genre_status genre_lda_get_means(const genre_lda *l, double *out, size_t out_len,
                                 size_t *needed)
{
    genre_status st = fitted_or_fail(l, __func__);
    return st ? st
              : genre__buffer_copy(__func__, l->means, l->n_classes * l->d, out, out_len,
                                    needed);
}

genre_status genre_lda_get_xbar(const genre_lda *l, double *out, size_t out_len,
                                size_t *needed)
{
    genre_status st = fitted_or_fail(l, __func__);
    return st ? st : genre__buffer_copy(__func__, l->xbar, l->d, out, out_len, needed);
}

genre_status genre_lda_get_priors(const genre_lda *l, double *out, size_t out_len,
                                  size_t *needed)
{
    genre_status st = fitted_or_fail(l, __func__);
    return st ? st
              : genre__buffer_copy(__func__, l->priors, l->n_classes, out, out_len, needed);
}

genre_status genre_lda_get_classes(const genre_lda *l, int32_t *out, size_t out_len,
                                   size_t *needed)
{
    genre_status st = fitted_or_fail(l, __func__);
    if (st == GENRE_OK)
        st = genre__buffer_check(__func__, out, out_len, l->n_classes, needed);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    memcpy(out, l->classes, l->n_classes * sizeof(int32_t));
    return GENRE_OK;
}

/* ---- Persistence --------------------------------------------------------- */

/* The codec's genre__mf_encode_fn (model_file.h): model is a fitted genre_lda. */
static genre_status write_model(const void *model, genre__mf_writer *w)
{
    const genre_lda *l = model;
    genre__mf_put_i64(w, TAG_N_FEATURES, (int64_t)l->d);
    genre__mf_put_i64(w, TAG_N_SAMPLES, l->n_samples);
    genre__mf_put_i64(w, TAG_N_CLASSES, (int64_t)l->n_classes);
    genre__mf_put_i64(w, TAG_N_DISCRIMINANTS, (int64_t)l->m);
    genre__mf_put_i64(w, TAG_N_COMPONENTS, (int64_t)l->k);
    genre__mf_put_i64(w, TAG_REQ_COMPONENTS, l->req_k);
    genre__mf_put_f64(w, TAG_SHRINKAGE, l->shrinkage);
    genre__mf_put_i32_array(w, TAG_CLASSES, l->classes, l->n_classes);
    genre__mf_put_f64_array(w, TAG_PRIORS, l->priors, l->n_classes);
    genre__mf_put_f64_array(w, TAG_MEANS, l->means, l->n_classes * l->d);
    genre__mf_put_f64_array(w, TAG_XBAR, l->xbar, l->d);
    genre__mf_put_f64_array(w, TAG_SCALINGS, l->scal, l->d * l->m);
    return genre__mf_put_f64_array(w, TAG_RATIO, l->ratio, l->m);
}

/* The codec's genre__mf_decode_fn (model_file.h): dest is their
 * genre_lda **out; r NULL only clears *out; the payload version is checked. */
static genre_status read_model(const genre__mf_reader *r, void *dest, const char *func)
{
    genre_lda **out = dest;
    *out = NULL;
    if (r == NULL)
        return GENRE_OK;
    int64_t d64, n64, K64, m64, k64, req;
    double shrink;
    genre_status st;
    if ((st = genre__mf_get_i64(r, TAG_N_FEATURES, &d64)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_SAMPLES, &n64)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_CLASSES, &K64)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_DISCRIMINANTS, &m64)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_COMPONENTS, &k64)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_REQ_COMPONENTS, &req)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_SHRINKAGE, &shrink)) != GENRE_OK)
        return st;
    size_t cnt_means = 0, cnt_scal = 0;
    /* Bound the sizes by what the records really hold before multiplying. */
    if (d64 < 1 || d64 > INT32_MAX || K64 < 2 || K64 > INT32_MAX || n64 < 2 * K64 || m64 < 1 || m64 != (K64 - 1 < d64 ? K64 - 1 : d64) ||
        k64 < 1 || k64 > m64 || req < 0 || req > INT32_MAX || !(shrink >= 0 && shrink <= 1) ||
        genre__mf_get_count(r, TAG_MEANS, GENRE__MF_F64_ARRAY, &cnt_means) != GENRE_OK ||
        genre__mf_get_count(r, TAG_SCALINGS, GENRE__MF_F64_ARRAY, &cnt_scal) != GENRE_OK ||
        (uint64_t)K64 > cnt_means || (uint64_t)d64 > cnt_means ||
        cnt_means / (uint64_t)K64 != (uint64_t)d64 || cnt_means % (uint64_t)K64 != 0 ||
        cnt_scal / (uint64_t)m64 != (uint64_t)d64 || cnt_scal % (uint64_t)m64 != 0)
        return genre__fail(GENRE_E_CORRUPT, func,
                           "inconsistent LDA model: n_features %lld, n_samples %lld, "
                           "n_classes %lld, n_discriminants %lld, n_components %lld, "
                           "requested %lld, shrinkage %g, %zu mean values, %zu scalings",
                           (long long)d64, (long long)n64, (long long)K64, (long long)m64,
                           (long long)k64, (long long)req, shrink, cnt_means, cnt_scal);
    const size_t d = (size_t)d64, K = (size_t)K64, m = (size_t)m64, k = (size_t)k64;
    genre_lda *l;
    if ((st = genre_lda_create(&l)) != GENRE_OK)
        return st;
    lda_fit f;
    if ((st = fit_alloc(&f, d, K, m)) != GENRE_OK) {
        genre_lda_free(l);
        return st;
    }
    if ((st = genre__mf_get_i32_array(r, TAG_CLASSES, f.classes, K)) != GENRE_OK ||
        (st = genre__mf_get_f64_array(r, TAG_PRIORS, f.priors, K)) != GENRE_OK ||
        (st = genre__mf_get_f64_array(r, TAG_MEANS, f.means, K * d)) != GENRE_OK ||
        (st = genre__mf_get_f64_array(r, TAG_XBAR, f.xbar, d)) != GENRE_OK ||
        (st = genre__mf_get_f64_array(r, TAG_SCALINGS, f.scal, d * m)) != GENRE_OK ||
        (st = genre__mf_get_f64_array(r, TAG_RATIO, f.ratio, m)) != GENRE_OK)
        goto fail;
    int bad = 0;
    for (size_t c = 0; c < K; c++)
        bad |= !isfinite(f.priors[c]) || !(f.priors[c] > 0) ||
               (c > 0 && f.classes[c] <= f.classes[c - 1]);
    for (size_t i = 0; i < K * d; i++)
        bad |= !isfinite(f.means[i]);
    for (size_t i = 0; i < d * m; i++)
        bad |= !isfinite(f.scal[i]);
    for (size_t i = 0; i < d; i++)
        bad |= !isfinite(f.xbar[i]);
    for (size_t i = 0; i < m; i++)
        bad |= !isfinite(f.ratio[i]);
    if (bad) {
        st = genre__fail(GENRE_E_CORRUPT, func, "invalid LDA values");
        goto fail;
    }
    derive(&f, d, K, m);
    l->req_k = req;
    l->shrinkage = shrink;
    install(l, &f, d, K, m, k, n64);
    *out = l;
    return GENRE_OK;
fail:
    fit_free(&f);
    genre_lda_free(l);
    return st;
}

static const genre__mf_codec codec = {GENRE_MODEL_LDA, LDA_PAYLOAD_VERSION, "LDA", write_model,
                                      read_model};

genre_status genre_lda_save(const genre_lda *l, const char *path)
{
    genre_status st = fitted_or_fail(l, __func__);
    return st ? st : genre__mf_save_file(__func__, l, path, &codec);
}

genre_status genre_lda_save_to_memory(const genre_lda *l, void *buf, size_t cap,
                                      size_t *written_or_needed)
{
    genre_status st = fitted_or_fail(l, __func__);
    return st ? st : genre__mf_save_memory(__func__, l, buf, cap, written_or_needed, &codec);
}

genre_status genre_lda_load_from_memory(genre_lda **out, const void *buf, size_t len)
{
    return genre__mf_load_memory(__func__, out, buf, len, &codec);
}

genre_status genre_lda_load(genre_lda **out, const char *path)
{
    return genre__mf_load_file(__func__, out, path, &codec);
}
