/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Standard scaler: per-column mean and population standard deviation. */
#include <genre/scaler.h>
#include <genre/model.h>

#include "alloc.h"
#include "caller_buffer.h"
#include "error_private.h"
#include "linalg.h"
#include "linear_fit.h"
#include "linear_partial.h"
#include "moments.h"
#include "model_file.h"
#include "params.h"

#include <float.h>
#include <stdio.h>
#include <math.h>
#include <string.h>

/* Payload layout version of GENRE_MODEL_SCALER containers. */
#define SCALER_PAYLOAD_VERSION 1u
/* Payload v1 records (docs/model-file-format.md), d = n_features:
 *   1 n_features  i64        >= 1
 *   2 n_samples   i64        >= 1
 *   3 with_mean   u32        0 or 1
 *   4 with_std    u32        0 or 1
 *   5 shift       f64[d]     subtracted (0 for masked columns)
 *   6 scale       f64[d]     divisor, > 0 (1 for masked / zero-variance)
 *   7 variance    f64[d]     population variance found by fit
 *   8 flags       bytes[d]   bit 0 scaled (not masked), bit 1 zero variance */
#define TAG_N_FEATURES 1u
#define TAG_N_SAMPLES 2u
#define TAG_WITH_MEAN 3u
#define TAG_WITH_STD 4u
#define TAG_SHIFT 5u
#define TAG_SCALE 6u
#define TAG_VARIANCE 7u
#define TAG_FLAGS 8u

struct genre_scaler {
    int with_mean, with_std;
    uint8_t *mask; /* NULL: every column scaled */
    size_t mask_len;

    int fitted;
    size_t n_features;
    int64_t n_samples;
    double *shift, *scale, *var; /* n_features each */
    uint8_t *flags;              /* n_features */
    size_t n_zero;

    genre__hooks hooks;
};

#define FLAG_SCALED 1u
#define FLAG_ZERO_VAR 2u

/* The fitted arrays in one block so a fit swaps them at once. */
typedef struct fitted_arrays {
    double *shift, *scale, *var;
    uint8_t *flags;
} fitted_arrays;

static void arrays_free(fitted_arrays *a)
{
    genre__free(a->shift);
    genre__free(a->scale);
    genre__free(a->var);
    genre__free(a->flags);
    memset(a, 0, sizeof *a);
}

static genre_status arrays_alloc(fitted_arrays *a, size_t d)
{
    memset(a, 0, sizeof *a);
    a->shift = genre__alloc_array(d, sizeof(double));
    a->scale = a->shift ? genre__alloc_array(d, sizeof(double)) : NULL;
    a->var = a->scale ? genre__alloc_array(d, sizeof(double)) : NULL;
    a->flags = a->var ? genre__alloc_array(d, 1) : NULL;
    if (!a->flags) {
        arrays_free(a);
        return GENRE_E_NOMEM;
    }
    return GENRE_OK;
}

static void install(genre_scaler *s, fitted_arrays *a, size_t d, int64_t n)
{
    genre__free(s->shift);
    genre__free(s->scale);
    genre__free(s->var);
    genre__free(s->flags);
    s->shift = a->shift;
    s->scale = a->scale;
    s->var = a->var;
    s->flags = a->flags;
    memset(a, 0, sizeof *a);
    s->n_features = d;
    s->n_samples = n;
    s->n_zero = 0;
    for (size_t j = 0; j < d; j++)
        s->n_zero += (s->flags[j] & FLAG_ZERO_VAR) != 0;
    s->fitted = 1;
}

/* ---- Parameters ------------------------------------------------------------ */

static genre_status read_only(const void *handle, const char *func, int32_t key, int64_t *i_out,
                              double *f_out)
{
    const genre_scaler *s = handle;
    (void)f_out; /* every scaler key is i64 */
    if (key == GENRE_SCALER_FITTED) {
        *i_out = s->fitted;
        return GENRE_OK;
    }
    if (!s->fitted)
        return genre__fail(GENRE_E_BAD_STATE, func, "the scaler is not fitted");
    *i_out = key == GENRE_SCALER_N_FEATURES  ? (int64_t)s->n_features
             : key == GENRE_SCALER_N_SAMPLES ? s->n_samples
                                             : (int64_t)s->n_zero;
    return GENRE_OK;
}

static const genre__param scaler_params[] = {
    GENRE__I64(GENRE_SCALER_WITH_MEAN, GENRE__SLOT_INT, genre_scaler, with_mean, 1, 0, 1, "0.1"),
    GENRE__I64(GENRE_SCALER_WITH_STD, GENRE__SLOT_INT, genre_scaler, with_std, 1, 0, 1, "0.1"),
    GENRE__RO_I64(GENRE_SCALER_N_FEATURES, "0.1"),
    GENRE__RO_I64(GENRE_SCALER_N_SAMPLES, "0.1"),
    GENRE__RO_I64(GENRE_SCALER_N_ZERO_VARIANCE, "0.1"),
    GENRE__RO_I64(GENRE_SCALER_FITTED, "0.1"),
};

const genre__param_table genre__scaler_param_table = {
    "scaler", scaler_params, sizeof scaler_params / sizeof scaler_params[0], read_only};
#define TABLE (&genre__scaler_param_table)

genre_status genre_scaler_create(genre_scaler **out)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    genre_scaler *s = GENRE_NEW(genre_scaler);
    if (!s)
        return GENRE_PASS(GENRE_E_NOMEM);
    genre__params_reset(TABLE, s);
    *out = s;
    return GENRE_OK;
}

void genre_scaler_free(genre_scaler *s)
{
    if (!s)
        return;
    genre__free(s->mask);
    genre__free(s->shift);
    genre__free(s->scale);
    genre__free(s->var);
    genre__free(s->flags);
    genre__free(s);
}

genre_status genre_scaler_set_i64(genre_scaler *s, int32_t key, int64_t value)
{
    GENRE_CHECK_NOT_NULL(s);
    return genre__params_set_i64(TABLE, s, __func__, key, value);
}

genre_status genre_scaler_set_f64(genre_scaler *s, int32_t key, double value)
{
    GENRE_CHECK_NOT_NULL(s);
    return genre__params_set_f64(TABLE, s, __func__, key, value);
}

genre_status genre_scaler_get_i64(const genre_scaler *s, int32_t key, int64_t *out)
{
    GENRE_CHECK_NOT_NULL(s);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_i64(TABLE, s, s, __func__, key, out);
}

genre_status genre_scaler_get_f64(const genre_scaler *s, int32_t key, double *out)
{
    GENRE_CHECK_NOT_NULL(s);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_f64(TABLE, s, s, __func__, key, out);
}

genre_status genre_scaler_param_bounds(int32_t key, double *lo, double *hi)
{
    GENRE_CHECK_NOT_NULL(lo);
    GENRE_CHECK_NOT_NULL(hi);
    return genre__params_bounds(TABLE, __func__, key, lo, hi);
}

genre_status genre_scaler_param_values(int32_t key, int64_t *out, size_t cap, size_t *n_values)
{
    GENRE_CHECK_NOT_NULL(n_values);
    return genre__params_values(TABLE, __func__, key, out, cap, n_values);
}

genre_status genre_scaler_reset_params(genre_scaler *s)
{
    GENRE_CHECK_NOT_NULL(s);
    genre__params_reset(TABLE, s);
    return GENRE_OK;
}

genre_status genre_scaler_set_log(genre_scaler *s, genre_log_fn fn, void *user_data)
{
    GENRE_CHECK_NOT_NULL(s);
    s->hooks.log = fn;
    s->hooks.log_data = user_data;
    return GENRE_OK;
}

genre_status genre_scaler_set_mask(genre_scaler *s, const uint8_t *scale, size_t n_cols)
{
    GENRE_CHECK_NOT_NULL(s);
    if ((scale == NULL) != (n_cols == 0))
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "the mask must be NULL with 0 columns or non-NULL with some "
                          "(got %s with %zu)",
                          scale ? "an array" : "NULL", n_cols);
    uint8_t *copy = NULL;
    if (scale) {
        copy = genre__alloc_array(n_cols, 1);
        if (!copy)
            return GENRE_PASS(GENRE_E_NOMEM);
        memcpy(copy, scale, n_cols);
    }
    genre__free(s->mask);
    s->mask = copy;
    s->mask_len = n_cols;
    return GENRE_OK;
}

/* The fit's notice: which scaled columns have zero variance (centred only). */
static void log_zero_variance(const genre_scaler *s, const char *func)
{
    if (s->n_zero == 0 || !s->hooks.log)
        return;
    char list[256];
    size_t len = 0, shown = 0;
    list[0] = '\0';
    for (size_t j = 0; j < s->n_features && len + 24 < sizeof list; j++)
        if (s->flags[j] & FLAG_ZERO_VAR) {
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%zu", shown ? ", " : "", j);
            shown++;
        }
    genre__log(&s->hooks, GENRE_LOG_WARNING,
               "%s: %zu of %zu scaled columns have zero variance and are only "
               "centred (scale 1): column%s %s%s",
               func, s->n_zero, s->n_features, s->n_zero > 1 ? "s" : "", list,
               shown < s->n_zero ? ", ..." : "");
}

/* From a's column means (in shift) and population variances (in var) of
 * n_rows rows: the flags and scales, then the model (a is taken); the log
 * names func. */
static void finish(genre_scaler *s, const char *func, fitted_arrays *a, size_t n_cols,
                   int64_t n_rows)
{
    const double n = (double)n_rows;
    for (size_t j = 0; j < n_cols; j++) {
        int scaled = s->mask == NULL || s->mask[j] != 0;
        double bound = n * DBL_EPSILON * fabs(a->shift[j]);
        int zero = scaled && a->var[j] <= bound * bound;
        a->flags[j] = (uint8_t)((scaled ? FLAG_SCALED : 0u) | (zero ? FLAG_ZERO_VAR : 0u));
        a->scale[j] = (scaled && s->with_std && !zero) ? sqrt(a->var[j]) : 1.0;
        if (!(scaled && s->with_mean))
            a->shift[j] = 0.0;
    }
    install(s, a, n_cols, n_rows);
    log_zero_variance(s, func);
}

genre_status genre_scaler_fit(genre_scaler *s, const double *x, size_t n_rows, size_t n_cols,
                              size_t row_stride)
{
    GENRE_CHECK_NOT_NULL(s);
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride, 0);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (s->mask && s->mask_len != n_cols)
        return GENRE_FAIL(GENRE_E_SHAPE, "the column mask has %zu entries but x has %zu columns",
                          s->mask_len, n_cols);

    fitted_arrays a;
    double *block = genre__alloc_array(n_cols, sizeof(double));
    if (!block || arrays_alloc(&a, n_cols) != GENRE_OK) {
        genre__free(block);
        return GENRE_PASS(GENRE_E_NOMEM);
    }
    /* the means into shift, the sums of squared deviations into var */
    double *mean = a.shift, *var = a.var;
    if (genre__column_moments(x, n_rows, n_cols, row_stride, mean, var, block, a.scale) !=
        GENRE_OK) {
        genre__free(block);
        arrays_free(&a);
        return genre__lin_nonfinite(__func__, x, n_rows, n_cols, row_stride);
    }
    const double n = (double)n_rows;
    for (size_t j = 0; j < n_cols; j++) {
        double v = var[j] / n;
        var[j] = v > 0 ? v : 0.0;
    }
    genre__free(block);
    finish(s, __func__, &a, n_cols, (int64_t)n_rows);
    return GENRE_OK;
}

genre_status genre__scaler_fit_moments(genre_scaler *s, const char *func, const double *mean,
                                       const double *m2, size_t d, int64_t n_rows)
{
    if (s->mask && s->mask_len != d)
        return genre__fail(GENRE_E_SHAPE, func,
                           "the column mask has %zu entries but the partial state has %zu "
                           "columns",
                           s->mask_len, d);
    fitted_arrays a;
    if (arrays_alloc(&a, d) != GENRE_OK)
        return GENRE_E_NOMEM;
    const double n = (double)n_rows;
    for (size_t j = 0; j < d; j++) {
        double v = m2[j] / n; /* the fit's (sum - corr^2 / n) / n */
        a.shift[j] = mean[j];
        a.var[j] = v > 0 ? v : 0.0;
    }
    finish(s, func, &a, d, n_rows);
    return GENRE_OK;
}

static genre_status apply(const genre_scaler *s, const char *func, int inverse, const double *x,
                          size_t n_rows, size_t n_cols, size_t row_stride, double *out,
                          size_t out_len, size_t *needed)
{
    if (s == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 's' is NULL");
    if (!s->fitted)
        return genre__fail(GENRE_E_BAD_STATE, func, "the scaler is not fitted");
    genre_status st = genre__check_matrix(func, "x", x, n_rows, n_cols, row_stride, 1);
    if (st != GENRE_OK)
        return st;
    if (n_cols != s->n_features)
        return genre__fail(GENRE_E_SHAPE, func,
                           "x has %zu columns but the scaler was fitted on %zu", n_cols,
                           s->n_features);
    size_t count = 0;
    if ((st = genre__buffer_count(func, n_rows, n_cols, &count)) != GENRE_OK ||
        (st = genre__buffer_check(func, out, out_len, count, needed)) != GENRE_OK)
        return st;
    for (size_t i = 0; i < n_rows; i++) {
        const double *row = x + i * row_stride;
        double *o = out + i * n_cols;
        if (inverse)
            for (size_t j = 0; j < n_cols; j++)
                o[j] = row[j] * s->scale[j] + s->shift[j];
        else
            for (size_t j = 0; j < n_cols; j++)
                o[j] = (row[j] - s->shift[j]) / s->scale[j];
    }
    return GENRE_OK;
}

genre_status genre_scaler_transform(const genre_scaler *s, const double *x, size_t n_rows,
                                    size_t n_cols, size_t row_stride, double *out,
                                    size_t out_len, size_t *needed)
{
    return apply(s, __func__, 0, x, n_rows, n_cols, row_stride, out, out_len, needed);
}

genre_status genre_scaler_inverse_transform(const genre_scaler *s, const double *x,
                                            size_t n_rows, size_t n_cols, size_t row_stride,
                                            double *out, size_t out_len, size_t *needed)
{
    return apply(s, __func__, 1, x, n_rows, n_cols, row_stride, out, out_len, needed);
}

static genre_status fitted_or_fail(const genre_scaler *s, const char *func)
{
    if (s == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 's' is NULL");
    if (!s->fitted)
        return genre__fail(GENRE_E_BAD_STATE, func, "the scaler is not fitted");
    return GENRE_OK;
}

genre_status genre_scaler_get_mean(const genre_scaler *s, double *out, size_t out_len,
                                   size_t *needed)
{
    genre_status st = fitted_or_fail(s, __func__);
    return st ? st : genre__buffer_copy(__func__, s->shift, s->n_features, out, out_len, needed);
}

genre_status genre_scaler_get_scale(const genre_scaler *s, double *out, size_t out_len,
                                    size_t *needed)
{
    genre_status st = fitted_or_fail(s, __func__);
    return st ? st : genre__buffer_copy(__func__, s->scale, s->n_features, out, out_len, needed);
}

genre_status genre_scaler_get_variance(const genre_scaler *s, double *out, size_t out_len,
                                       size_t *needed)
{
    genre_status st = fitted_or_fail(s, __func__);
    return st ? st : genre__buffer_copy(__func__, s->var, s->n_features, out, out_len, needed);
}

genre_status genre_scaler_get_zero_variance(const genre_scaler *s, uint8_t *out,
                                            size_t out_len, size_t *needed)
{
    genre_status st = fitted_or_fail(s, __func__);
    if (st == GENRE_OK)
        st = genre__buffer_check(__func__, out, out_len, s->n_features, needed);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    for (size_t j = 0; j < s->n_features; j++)
        out[j] = (s->flags[j] & FLAG_ZERO_VAR) ? 1 : 0;
    return GENRE_OK;
}

/* ---- Persistence --------------------------------------------------------- */

/* The codec's genre__mf_encode_fn (model_file.h): model is a fitted genre_scaler. */
static genre_status write_model(const void *model, genre__mf_writer *w)
{
    const genre_scaler *s = model;
    genre__mf_put_i64(w, TAG_N_FEATURES, (int64_t)s->n_features);
    genre__mf_put_i64(w, TAG_N_SAMPLES, s->n_samples);
    genre__mf_put_u32(w, TAG_WITH_MEAN, (uint32_t)s->with_mean);
    genre__mf_put_u32(w, TAG_WITH_STD, (uint32_t)s->with_std);
    genre__mf_put_f64_array(w, TAG_SHIFT, s->shift, s->n_features);
    genre__mf_put_f64_array(w, TAG_SCALE, s->scale, s->n_features);
    genre__mf_put_f64_array(w, TAG_VARIANCE, s->var, s->n_features);
    return genre__mf_put_bytes(w, TAG_FLAGS, s->flags, s->n_features);
}

/* The codec's genre__mf_decode_fn (model_file.h): dest is their
 * genre_scaler **out; r NULL only clears *out; the payload version is checked. */
static genre_status read_model(const genre__mf_reader *r, void *dest, const char *func)
{
    genre_scaler **out = dest;
    *out = NULL;
    if (r == NULL)
        return GENRE_OK;
    int64_t d64, n64;
    uint32_t wm, ws;
    genre_status st;
    if ((st = genre__mf_get_i64(r, TAG_N_FEATURES, &d64)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_SAMPLES, &n64)) != GENRE_OK ||
        (st = genre__mf_get_u32(r, TAG_WITH_MEAN, &wm)) != GENRE_OK ||
        (st = genre__mf_get_u32(r, TAG_WITH_STD, &ws)) != GENRE_OK)
        return st;
    size_t count = 0;
    if (d64 < 1 || n64 < 1 || wm > 1 || ws > 1 ||
        genre__mf_get_count(r, TAG_SHIFT, GENRE__MF_F64_ARRAY, &count) != GENRE_OK ||
        count != (uint64_t)d64)
        return genre__fail(GENRE_E_CORRUPT, func,
                           "inconsistent scaler model: n_features %lld, n_samples %lld, "
                           "with_mean %u, with_std %u, %zu shifts",
                           (long long)d64, (long long)n64, (unsigned)wm, (unsigned)ws, count);
    /* Every array as long as the first before the four are allocated. */
    if ((st = genre__mf_expect_count(r, func, TAG_SCALE, GENRE__MF_F64_ARRAY, "scale",
                                     count)) != GENRE_OK ||
        (st = genre__mf_expect_count(r, func, TAG_VARIANCE, GENRE__MF_F64_ARRAY, "variance",
                                     count)) != GENRE_OK ||
        (st = genre__mf_expect_count(r, func, TAG_FLAGS, GENRE__MF_BYTES, "column flags",
                                     count)) != GENRE_OK)
        return st;
    size_t d = (size_t)d64;
    genre_scaler *s;
    if ((st = genre_scaler_create(&s)) != GENRE_OK)
        return st;
    fitted_arrays a;
    if (arrays_alloc(&a, d) != GENRE_OK) {
        genre_scaler_free(s);
        return GENRE_E_NOMEM;
    }
    if ((st = genre__mf_get_f64_array(r, TAG_SHIFT, a.shift, d)) != GENRE_OK ||
        (st = genre__mf_get_f64_array(r, TAG_SCALE, a.scale, d)) != GENRE_OK ||
        (st = genre__mf_get_f64_array(r, TAG_VARIANCE, a.var, d)) != GENRE_OK ||
        (st = genre__mf_get_bytes(r, TAG_FLAGS, a.flags, d)) != GENRE_OK) {
        arrays_free(&a);
        genre_scaler_free(s);
        return st;
    }
    for (size_t j = 0; j < d; j++)
        if (!isfinite(a.shift[j]) || !isfinite(a.scale[j]) || !(a.scale[j] > 0) ||
            !isfinite(a.var[j]) || a.var[j] < 0 || a.flags[j] > 3) {
            arrays_free(&a);
            genre_scaler_free(s);
            return genre__fail(GENRE_E_CORRUPT, func, "invalid scaler values at column %zu", j);
        }
    s->with_mean = (int)wm;
    s->with_std = (int)ws;
    install(s, &a, d, n64);
    *out = s;
    return GENRE_OK;
}

static const genre__mf_codec codec = {GENRE_MODEL_SCALER, SCALER_PAYLOAD_VERSION, "scaler", write_model,
                                      read_model};

genre_status genre_scaler_save(const genre_scaler *s, const char *path)
{
    genre_status st = fitted_or_fail(s, __func__);
    return st ? st : genre__mf_save_file(__func__, s, path, &codec);
}

genre_status genre_scaler_save_to_memory(const genre_scaler *s, void *buf, size_t cap,
                                         size_t *written_or_needed)
{
    genre_status st = fitted_or_fail(s, __func__);
    return st ? st : genre__mf_save_memory(__func__, s, buf, cap, written_or_needed, &codec);
}

genre_status genre_scaler_load_from_memory(genre_scaler **out, const void *buf, size_t len)
{
    return genre__mf_load_memory(__func__, out, buf, len, &codec);
}

genre_status genre_scaler_load(genre_scaler **out, const char *path)
{
    return genre__mf_load_file(__func__, out, path, &codec);
}
