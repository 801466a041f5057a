/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The multi-layer perceptron (genre/mlp.h).
 *
 * Layout: all weights and biases of a fitted network live in one array
 * `params`; layer l has W_l (fan_in x fan_out, row-major) at w_off[l] and
 * b_l (fan_out) at b_off[l]. One array keeps Adam/SGD updates a single loop
 * and save/load a single record.
 *
 * A fit builds a new mlp_net and swaps it into the handle only on success,
 * so failures and cancellation keep the previous fit.
 *
 * The first layer reads its input only through `mlp_input`: dense rows
 * (gathered feature-major by gather_rows()) or CSR rows, for which layer 0
 * has sparse versions of its forward product (csr_forward) and weight
 * gradient (csr_first_layer_grad), O(nnz x width) per batch, and the
 * optimiser can update only the rows of W_0 a batch touched
 * (GENRE_MLP_SPARSE_UPDATE). W_0 stays fan_in x fan_out, one row per
 * feature; nothing else in the network or the file format depends on the
 * input's representation.
 */
#include <genre/mlp.h>
#include <genre/error.h>
#include <genre/model.h>

#include "alloc.h"
#include "error_private.h"
#include "linalg.h"
#include "model_file.h"
#include "multiversion.h"
#include "parallel.h"
#include "rng.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MLP_PAYLOAD_VERSION 1u
#define MAX_HIDDEN 64
#define MAX_WIDTH 1000000
#define MAX_CLASSES 65536
#define DEFAULT_HIDDEN 100
#define BLOCK_ROWS 256           /* inference rows per block */
#define INFER_MAX_GATHER ((size_t)1 << 20) /* doubles of dense input per block */
#define PI_CONST 3.14159265358979323846
#define PREFETCH_ROWS 48       /* gather: rows requested ahead of use */

/* RNG streams of one seed. */
#define STREAM_INIT 1u           /* + layer index */
#define STREAM_SHUFFLE 1000u
#define STREAM_DROPOUT 1001u
#define STREAM_DROPOUT_WORKER 1100u /* + worker, fits on 2+ threads */

typedef struct mlp_params {
    double lr, l2, beta1, beta2, eps, momentum, dropout, min_delta;
    int64_t epochs, batch, activation, seed, optimizer, patience, restore_best, shuffle,
        validate, init, n_classes, schedule, kernel, sparse_update, n_threads, precision;
} mlp_params;

typedef struct mlp_net {
    int32_t task, activation, kernel;
    size_t n_layers;  /* dense layers: hidden + output */
    size_t *width;    /* n_layers + 1 entries; then w_off, b_off (n_layers each) */
    size_t *w_off, *b_off;
    size_t n_params, max_width;
    double *params;
    size_t n_epochs;
    double *hist;     /* 3 * n_epochs: train loss, val loss, val accuracy */
    int64_t best_epoch;
    int64_t stopped_early;
} mlp_net;

struct genre_mlp {
    mlp_params p;
    int32_t *hidden;
    size_t n_hidden;
    genre_progress_fn progress;
    void *progress_data;
    genre_log_fn log;
    void *log_data;
    mlp_net *net;     /* NULL until fitted */
};

/* ---- Parameters ----------------------------------------------------------- */

static void default_params(mlp_params *p)
{
    p->lr = 1e-3;
    p->l2 = 0.0;
    p->beta1 = 0.9;
    p->beta2 = 0.999;
    p->eps = 1e-8;
    p->momentum = 0.9;
    p->dropout = 0.0;
    p->min_delta = 0.0;
    p->epochs = 200;
    p->batch = 256;
    p->activation = GENRE_MLP_ACT_RELU;
    p->seed = 0;
    p->optimizer = GENRE_MLP_OPT_ADAM;
    p->patience = 0;
    p->restore_best = 1;
    p->shuffle = 1;
    p->validate = 1;
    p->init = GENRE_MLP_INIT_AUTO;
    p->n_classes = 0;
    p->schedule = GENRE_MLP_SCHEDULE_CONSTANT;
    p->kernel = GENRE_MLP_KERNEL_AUTO;
    p->sparse_update = 1;
    p->n_threads = 0;
    p->precision = GENRE_MLP_PRECISION_DOUBLE;
}

/* Bounds; open ends are flagged. */
typedef struct f64_info {
    int32_t key;
    const char *name;
    double lo, hi;
    int lo_open, hi_open;
    size_t offset;
} f64_info;

typedef struct i64_info {
    int32_t key;
    const char *name;
    int64_t lo, hi;
    size_t offset;
} i64_info;

#define F64(k, n, lo, hi, lo_open, hi_open, field) \
    {k, n, lo, hi, lo_open, hi_open, offsetof(mlp_params, field)}
static const f64_info F64_KEYS[] = {
    F64(GENRE_MLP_LEARNING_RATE, "GENRE_MLP_LEARNING_RATE", 0.0, 10.0, 1, 0, lr),
    F64(GENRE_MLP_L2, "GENRE_MLP_L2", 0.0, 1e3, 0, 0, l2),
    F64(GENRE_MLP_BETA1, "GENRE_MLP_BETA1", 0.0, 1.0, 0, 1, beta1),
    F64(GENRE_MLP_BETA2, "GENRE_MLP_BETA2", 0.0, 1.0, 0, 1, beta2),
    F64(GENRE_MLP_EPSILON, "GENRE_MLP_EPSILON", 0.0, 1.0, 1, 0, eps),
    F64(GENRE_MLP_MOMENTUM, "GENRE_MLP_MOMENTUM", 0.0, 1.0, 0, 1, momentum),
    F64(GENRE_MLP_DROPOUT, "GENRE_MLP_DROPOUT", 0.0, 1.0, 0, 1, dropout),
    F64(GENRE_MLP_MIN_DELTA, "GENRE_MLP_MIN_DELTA", 0.0, 1e300, 0, 0, min_delta),
};
#undef F64

#define I64(k, n, lo, hi, field) {k, n, lo, hi, offsetof(mlp_params, field)}
static const i64_info I64_KEYS[] = {
    I64(GENRE_MLP_EPOCHS, "GENRE_MLP_EPOCHS", 1, 10000000, epochs),
    I64(GENRE_MLP_BATCH_SIZE, "GENRE_MLP_BATCH_SIZE", 0, INT32_MAX, batch),
    I64(GENRE_MLP_ACTIVATION, "GENRE_MLP_ACTIVATION", 0, 2, activation),
    I64(GENRE_MLP_SEED, "GENRE_MLP_SEED", INT64_MIN, INT64_MAX, seed),
    I64(GENRE_MLP_OPTIMIZER, "GENRE_MLP_OPTIMIZER", 0, 1, optimizer),
    I64(GENRE_MLP_PATIENCE, "GENRE_MLP_PATIENCE", 0, 10000000, patience),
    I64(GENRE_MLP_RESTORE_BEST, "GENRE_MLP_RESTORE_BEST", 0, 1, restore_best),
    I64(GENRE_MLP_SHUFFLE, "GENRE_MLP_SHUFFLE", 0, 1, shuffle),
    I64(GENRE_MLP_VALIDATE_INPUT, "GENRE_MLP_VALIDATE_INPUT", 0, 1, validate),
    I64(GENRE_MLP_INIT, "GENRE_MLP_INIT", 0, 5, init),
    I64(GENRE_MLP_N_CLASSES, "GENRE_MLP_N_CLASSES", 0, MAX_CLASSES, n_classes),
    I64(GENRE_MLP_LR_SCHEDULE, "GENRE_MLP_LR_SCHEDULE", 0, 1, schedule),
    I64(GENRE_MLP_DENSE_KERNEL, "GENRE_MLP_DENSE_KERNEL", 0, 2, kernel),
    /* keys from here on are 0.2 additions: optional in saved files */
    I64(GENRE_MLP_SPARSE_UPDATE, "GENRE_MLP_SPARSE_UPDATE", 0, 1, sparse_update),
    I64(GENRE_MLP_N_THREADS, "GENRE_MLP_N_THREADS", 0, INT32_MAX, n_threads),
    /* 0.3: 32 or 64 only (check_i64_value) */
    I64(GENRE_MLP_PRECISION, "GENRE_MLP_PRECISION", GENRE_MLP_PRECISION_FLOAT,
        GENRE_MLP_PRECISION_DOUBLE, precision),
};
#define N_I64_KEYS_V01 13 /* i64 keys every saved file has */
#undef I64

#define N_F64_KEYS (sizeof F64_KEYS / sizeof F64_KEYS[0])
#define N_I64_KEYS (sizeof I64_KEYS / sizeof I64_KEYS[0])

static const f64_info *find_f64(int32_t key)
{
    for (size_t i = 0; i < N_F64_KEYS; i++)
        if (F64_KEYS[i].key == key)
            return &F64_KEYS[i];
    return NULL;
}

static const i64_info *find_i64(int32_t key)
{
    for (size_t i = 0; i < N_I64_KEYS; i++)
        if (I64_KEYS[i].key == key)
            return &I64_KEYS[i];
    return NULL;
}

static int is_read_only_key(int32_t key)
{
    return key >= GENRE_MLP_TASK && key <= GENRE_MLP_STOPPED_EARLY;
}

static genre_status check_f64_value(const char *func, const f64_info *info, double v)
{
    int ok = !isnan(v) && (info->lo_open ? v > info->lo : v >= info->lo) &&
             (info->hi_open ? v < info->hi : v <= info->hi);
    if (!ok)
        return genre__fail(GENRE_E_INVALID_ARG, func, "%s = %g is outside %c%g, %g%c",
                           info->name, v, info->lo_open ? '(' : '[', info->lo, info->hi,
                           info->hi_open ? ')' : ']');
    return GENRE_OK;
}

static genre_status check_i64_value(const char *func, const i64_info *info, int64_t v)
{
    if (v < info->lo || v > info->hi)
        return genre__fail(GENRE_E_INVALID_ARG, func, "%s = %lld is outside [%lld, %lld]",
                           info->name, (long long)v, (long long)info->lo,
                           (long long)info->hi);
    if (info->key == GENRE_MLP_PRECISION && v != GENRE_MLP_PRECISION_FLOAT &&
        v != GENRE_MLP_PRECISION_DOUBLE)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "%s = %lld; expected %d (GENRE_MLP_PRECISION_FLOAT) or %d "
                           "(GENRE_MLP_PRECISION_DOUBLE)",
                           info->name, (long long)v, GENRE_MLP_PRECISION_FLOAT,
                           GENRE_MLP_PRECISION_DOUBLE);
    return GENRE_OK;
}

genre_status genre_mlp_set_f64(genre_mlp *model, int32_t key, double value)
{
    GENRE_CHECK_NOT_NULL(model);
    const f64_info *info = find_f64(key);
    if (!info) {
        if (find_i64(key) || is_read_only_key(key))
            return GENRE_FAIL(GENRE_E_INVALID_ARG,
                              "key %d is not a settable f64 parameter (use the i64 "
                              "setter, or it is read-only)", (int)key);
        return GENRE_FAIL(GENRE_E_UNKNOWN_PARAM, "unknown parameter key %d", (int)key);
    }
    genre_status st = check_f64_value(__func__, info, value);
    if (st != GENRE_OK)
        return st;
    *(double *)((char *)&model->p + info->offset) = value;
    return GENRE_OK;
}

genre_status genre_mlp_set_i64(genre_mlp *model, int32_t key, int64_t value)
{
    GENRE_CHECK_NOT_NULL(model);
    const i64_info *info = find_i64(key);
    if (!info) {
        if (find_f64(key) || is_read_only_key(key))
            return GENRE_FAIL(GENRE_E_INVALID_ARG,
                              "key %d is not a settable i64 parameter (use the f64 "
                              "setter, or it is read-only)", (int)key);
        return GENRE_FAIL(GENRE_E_UNKNOWN_PARAM, "unknown parameter key %d", (int)key);
    }
    genre_status st = check_i64_value(__func__, info, value);
    if (st != GENRE_OK)
        return st;
    *(int64_t *)((char *)&model->p + info->offset) = value;
    return GENRE_OK;
}

genre_status genre_mlp_get_f64(const genre_mlp *model, int32_t key, double *out)
{
    GENRE_CHECK_NOT_NULL(model);
    GENRE_CHECK_NOT_NULL(out);
    const f64_info *info = find_f64(key);
    if (!info) {
        if (find_i64(key) || is_read_only_key(key))
            return GENRE_FAIL(GENRE_E_INVALID_ARG, "key %d is an i64 key", (int)key);
        return GENRE_FAIL(GENRE_E_UNKNOWN_PARAM, "unknown parameter key %d", (int)key);
    }
    *out = *(const double *)((const char *)&model->p + info->offset);
    return GENRE_OK;
}

static size_t net_n_params(const mlp_net *n) { return n->n_params; }

genre_status genre_mlp_get_i64(const genre_mlp *model, int32_t key, int64_t *out)
{
    GENRE_CHECK_NOT_NULL(model);
    GENRE_CHECK_NOT_NULL(out);
    const i64_info *info = find_i64(key);
    if (info) {
        *out = *(const int64_t *)((const char *)&model->p + info->offset);
        return GENRE_OK;
    }
    if (find_f64(key))
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "key %d is an f64 key", (int)key);
    if (!is_read_only_key(key))
        return GENRE_FAIL(GENRE_E_UNKNOWN_PARAM, "unknown parameter key %d", (int)key);
    const mlp_net *n = model->net;
    if (!n)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "key %d needs a fitted model", (int)key);
    switch (key) {
    case GENRE_MLP_TASK: *out = n->task; break;
    case GENRE_MLP_N_FEATURES: *out = (int64_t)n->width[0]; break;
    case GENRE_MLP_N_OUTPUTS: *out = (int64_t)n->width[n->n_layers]; break;
    case GENRE_MLP_N_PARAMS: *out = (int64_t)net_n_params(n); break;
    case GENRE_MLP_EPOCHS_RUN: *out = (int64_t)n->n_epochs; break;
    case GENRE_MLP_BEST_EPOCH: *out = n->best_epoch; break;
    default: *out = n->stopped_early; break;
    }
    return GENRE_OK;
}

genre_status genre_mlp_param_bounds(int32_t key, double *lo, double *hi)
{
    GENRE_CHECK_NOT_NULL(lo);
    GENRE_CHECK_NOT_NULL(hi);
    const f64_info *f = find_f64(key);
    if (f) {
        *lo = f->lo;
        *hi = f->hi;
        /* Open ends: the nearest representable inside value. */
        if (f->lo_open)
            *lo = nextafter(f->lo, HUGE_VAL);
        if (f->hi_open)
            *hi = nextafter(f->hi, -HUGE_VAL);
        return GENRE_OK;
    }
    const i64_info *i = find_i64(key);
    if (i) {
        *lo = (double)i->lo;
        *hi = (double)i->hi;
        return GENRE_OK;
    }
    return GENRE_FAIL(GENRE_E_UNKNOWN_PARAM, "unknown or read-only parameter key %d",
                      (int)key);
}

static genre_status set_default_hidden(genre_mlp *model)
{
    int32_t *h = genre__alloc_array(1, sizeof *h);
    if (!h)
        return GENRE_E_NOMEM;
    h[0] = DEFAULT_HIDDEN;
    genre__free(model->hidden);
    model->hidden = h;
    model->n_hidden = 1;
    return GENRE_OK;
}

genre_status genre_mlp_reset_params(genre_mlp *model)
{
    GENRE_CHECK_NOT_NULL(model);
    genre_status st = set_default_hidden(model);
    if (st != GENRE_OK)
        return st;
    default_params(&model->p);
    return GENRE_OK;
}

genre_status genre_mlp_set_hidden_layers(genre_mlp *model, const int32_t *widths,
                                         size_t n_layers)
{
    GENRE_CHECK_NOT_NULL(model);
    if (n_layers > 0 && widths == NULL)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "argument 'widths' is NULL with %zu layers",
                          n_layers);
    if (n_layers > MAX_HIDDEN)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "%zu hidden layers; at most %d", n_layers,
                          MAX_HIDDEN);
    for (size_t i = 0; i < n_layers; i++)
        if (widths[i] < 1 || widths[i] > MAX_WIDTH)
            return GENRE_FAIL(GENRE_E_INVALID_ARG,
                              "hidden layer %zu has width %d; widths must be in [1, %d]", i,
                              (int)widths[i], MAX_WIDTH);
    int32_t *copy = genre__alloc_array(n_layers, sizeof *copy);
    if (!copy)
        return GENRE_E_NOMEM;
    if (n_layers)
        memcpy(copy, widths, n_layers * sizeof *copy);
    genre__free(model->hidden);
    model->hidden = copy;
    model->n_hidden = n_layers;
    return GENRE_OK;
}

genre_status genre_mlp_get_hidden_layers(const genre_mlp *model, int32_t *out, size_t cap,
                                         size_t *n_layers)
{
    GENRE_CHECK_NOT_NULL(model);
    GENRE_CHECK_NOT_NULL(n_layers);
    *n_layers = model->n_hidden;
    if (model->n_hidden == 0)
        return GENRE_OK;
    if (!out || cap < model->n_hidden)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL, "%zu widths need a buffer of %zu, got %zu",
                          model->n_hidden, model->n_hidden, out ? cap : 0);
    memcpy(out, model->hidden, model->n_hidden * sizeof *out);
    return GENRE_OK;
}

genre_status genre_mlp_set_progress(genre_mlp *model, genre_progress_fn fn, void *user_data)
{
    GENRE_CHECK_NOT_NULL(model);
    model->progress = fn;
    model->progress_data = user_data;
    return GENRE_OK;
}

genre_status genre_mlp_set_log(genre_mlp *model, genre_log_fn fn, void *user_data)
{
    GENRE_CHECK_NOT_NULL(model);
    model->log = fn;
    model->log_data = user_data;
    return GENRE_OK;
}

/* ---- Handle and network lifetime ----------------------------------------- */

static void net_free(mlp_net *n)
{
    if (!n)
        return;
    genre__free(n->width);
    genre__free(n->params);
    genre__free(n->hist);
    genre__free(n);
}

genre_status genre_mlp_create(genre_mlp **out)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    genre_mlp *m = GENRE_NEW(genre_mlp);
    if (!m)
        return GENRE_E_NOMEM;
    default_params(&m->p);
    if (set_default_hidden(m) != GENRE_OK) {
        genre__free(m);
        return GENRE_E_NOMEM;
    }
    *out = m;
    return GENRE_OK;
}

void genre_mlp_free(genre_mlp *model)
{
    if (!model)
        return;
    net_free(model->net);
    genre__free(model->hidden);
    genre__free(model);
}

/* A network of the given widths (n_layers + 1 of them), parameters
 * uninitialised, history empty. */
static genre_status net_new(const char *func, const size_t *widths, size_t n_layers,
                            int32_t task, int32_t activation, int32_t kernel,
                            size_t n_epochs_cap, mlp_net **out)
{
    *out = NULL;
    size_t n_params = 0, max_width = 0;
    for (size_t l = 0; l < n_layers; l++) {
        size_t in = widths[l], o = widths[l + 1];
        if (in > SIZE_MAX / 8 / o || in * o > SIZE_MAX / 8 - o ||
            n_params > SIZE_MAX / 8 - (in * o + o))
            return genre__fail(GENRE_E_INVALID_ARG, func,
                               "the network is too large to address (layer %zu: %zu x %zu)",
                               l, in, o);
        n_params += in * o + o;
    }
    /* widest layer output (the input width is not needed: no buffer holds a
     * layer's input gradient, and a CSR input has no dense copy) */
    for (size_t l = 1; l <= n_layers; l++)
        if (widths[l] > max_width)
            max_width = widths[l];
    mlp_net *n = GENRE_NEW(mlp_net);
    if (!n)
        return GENRE_E_NOMEM;
    n->width = genre__alloc_array(3 * n_layers + 1, sizeof(size_t));
    n->params = genre__calloc_array(n_params, sizeof(double));
    n->hist = genre__alloc_array(3 * n_epochs_cap, sizeof(double));
    if (!n->width || !n->params || !n->hist) {
        net_free(n);
        return GENRE_E_NOMEM;
    }
    n->w_off = n->width + n_layers + 1;
    n->b_off = n->w_off + n_layers;
    n->n_layers = n_layers;
    size_t off = 0;
    for (size_t l = 0; l <= n_layers; l++)
        n->width[l] = widths[l];
    for (size_t l = 0; l < n_layers; l++) {
        n->w_off[l] = off;
        off += widths[l] * widths[l + 1];
        n->b_off[l] = off;
        off += widths[l + 1];
    }
    n->n_params = n_params;
    n->max_width = max_width;
    n->task = task;
    n->activation = activation;
    n->kernel = kernel;
    *out = n;
    return GENRE_OK;
}

/* ---- Dense kernels -----------------------------------------------------------
 *
 * Inside the network a batch of n rows is stored feature-major ("transposed"):
 * a layer's activations are a (width x n) array, element (feature f, row r)
 * at f * n + r (in training n is the padded row count, see padded_rows()).
 * The dense products then run along rows, the long dimension (up to the
 * batch size), instead of along the 2-20 wide layers, so they vectorise.
 * Two built-in versions: portable loops (function-multiversioned) and
 * hand-blocked AVX2 + FMA ones (8 rows x 4 outputs, up to 8 independent FMA
 * chains, tails included), picked at run time. bench/bench_mlp.c measures
 * them against CBLAS (GENRE_MLP_DENSE_KERNEL) on the reference 13-20-15-10
 * network; the same layout serves the CBLAS calls (no transposes). The
 * hidden layers' ReLU and its derivative are fused into the forward and
 * input-gradient products (without dropout).
 *
 * Every element is computed in a fixed order that does not depend on the
 * vector width (per-row sums in input order; reductions over rows in WL = 4
 * fixed lanes combined in a fixed order; fused multiply-adds, which are
 * correctly rounded), so the built-in kernels give the same bits with SSE2,
 * AVX2 or AVX-512 (tests/test_mlp.c compares the AVX2 and portable ones).
 */

#define RB 32

/* The kernels are cloned per x86-64 level where the build allows it
 * (multiversion.h); elsewhere they build for the baseline. */
#define GENRE_KERNEL GENRE_LEVEL_CLONES("arch=x86-64-v4", "arch=x86-64-v3", "default")
/* Multiply-adds are fused (fma(), correctly rounded by definition), so the
 * FMA clones and the default clone (libm's fma) give the same bits. */
#define MADD(a, b, c) fma((a), (b), (c))

static int use_builtin(const mlp_net *n, size_t layer)
{
    if (n->kernel == GENRE_MLP_KERNEL_BUILTIN)
        return 1;
    if (n->kernel == GENRE_MLP_KERNEL_CBLAS)
        return 0;
    /* AUTO: the built-in kernels. bench/bench_mlp.c measures the whole fit
     * with them (AVX2 version, padded batch arrays) at 1.07-1.22x the speed
     * of the same fit through OpenBLAS 0.3.21 (its AVX-512 "small matrix"
     * kernels) on the reference 13-20-15-10 network, batch 256, and they
     * give the same bits on every x86-64 CPU; the per-layer switch stays for
     * when CBLAS wins on some shape. */
    (void)layer;
    return 1;
}

/* Lanes of the reductions over rows (weight and bias gradients). */
#define WL 4

/* Sum of WL lanes, combined pairwise in a fixed order. */
static inline double lane_sum(const double *acc)
{
    return (acc[0] + acc[2]) + (acc[1] + acc[3]);
}

#define WLF 8 /* lanes of the float reductions over rows (one AVX2 vector) */

/* Sum of WLF lanes in a fixed order (pairs 4 apart, then 2, then 1). */
static inline float lane_sumf(const float *a)
{
    return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
}

/* exp(x) for x <= 0 (x below -700 gives exp(-700)), written so that it
 * vectorises: Cody-Waite reduction x = k ln2 + r, |r| <= ln2 / 2, Taylor
 * polynomial of degree 13 (truncation below 1e-17 relative), scale by 2^k
 * built in the exponent bits. Within a few ulp of libm's exp; used by the
 * training softmax only (inference uses libm). NaN propagates. */
static inline double exp_nonpos(double x)
{
    const double log2e = 1.4426950408889634074, shifter = 0x1.8p52;
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    x = x < -700.0 ? -700.0 : x;
    double t = x * log2e + shifter;
    double kf = t - shifter;
    double r = (x - kf * ln2_hi) - kf * ln2_lo;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t tb, sb;
    const double sh = shifter;
    memcpy(&tb, &t, sizeof tb);
    memcpy(&sb, &sh, sizeof sb);
    uint64_t scale_bits = (tb - sb + 1023u) << 52; /* k = tb - sb, -1011 <= k <= 0 */
    double scale;
    memcpy(&scale, &scale_bits, sizeof scale);
    return p * scale;
}

/* exp(x) in float for x <= 0 (below -87: exp(-87)), vectorisable: the
 * reduction x = k ln2 + r of exp_nonpos() with Cephes' expf polynomial
 * (within about 1 ulp of expf), scaled by 2^k built in the exponent bits. */
static inline float exp_nonposf(float x)
{
    const float log2e = 1.44269504088896341f, shifter = 0x1.8p23f;
    const float c1 = 0.693359375f, c2 = -2.12194440e-4f;
    x = x < -87.0f ? -87.0f : x;
    const float t = x * log2e + shifter;
    const float kf = t - shifter;
    const float r = (x - kf * c1) - kf * c2;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float e = (p * (r * r) + r) + 1.0f;
    uint32_t tb, sb;
    const float sh = shifter;
    memcpy(&tb, &t, sizeof tb);
    memcpy(&sb, &sh, sizeof sb);
    const uint32_t scale_bits = (tb - sb + 127u) << 23; /* k = tb - sb, -126 <= k <= 0 */
    float scale;
    memcpy(&scale, &scale_bits, sizeof scale);
    return e * scale;
}

/* Elements of the batch arrays carve_batch_arrays() lays out. */
static size_t batch_array_count(const mlp_net *n, size_t ld, int dropout)
{
    const size_t L = n->n_layers;
    size_t total = ld * n->width[L] + 2 * ld * n->max_width;
    for (size_t l = 0; l + 1 < L; l++)
        total += ld * n->width[l + 1] * (dropout ? 3 : 1);
    return total;
}

/* Asks for the cache lines of a dense input row: every line of a narrow row
 * (a 13-double row spans 2 or 3 lines; requesting only its first and last
 * double left the middle line to a demand miss: in a standalone gather of
 * the 13-column data, 50 -> 27 cycles per row from L3, 107 -> 61 from DRAM),
 * the first two and the last of a wide one (the hardware prefetcher follows
 * a row). Any element type: elem_size bytes each. */
static inline void prefetch_row(const void *row, size_t n_in, size_t elem_size)
{
#if defined(__GNUC__)
    const char *p = row;
    const size_t bytes = n_in * elem_size, lines = bytes <= 256 ? bytes : 128;
    for (size_t k = 0; k < lines; k += 64)
        __builtin_prefetch(p + k);
    __builtin_prefetch(p + bytes - elem_size);
#else
    (void)row;
    (void)n_in;
    (void)elem_size;
#endif
}

/* The portable kernels of both precisions, from one template. */
#define RB 32 /* rows of one output kept in registers */
#define KN_CAT2(a, b) a##b
#define KN_CAT(a, b) KN_CAT2(a, b)
#define KN(name) KN_CAT(name, KSFX)

#define KREAL double
#define KSFX
#define KLANES WL
#define KLANE_SUM lane_sum
#define KFMA MADD
#define KEXP exp
#define KTANH tanh
#include "mlp_kernels.inc"

#define KREAL float
#define KSFX f
#define KLANES WLF
#define KLANE_SUM lane_sumf
#define KFMA fmaf
#define KEXP expf
#define KTANH tanhf
#include "mlp_kernels.inc"

#if defined(__GNUC__) && defined(__x86_64__) && !defined(GENRE_NO_AVX2_KERNELS)
#  define GENRE_MLP_AVX2 1
#  include <immintrin.h>
#  define AVX2_FN __attribute__((target("avx2,fma")))

/* AVX2 + FMA versions of the three kernels: the same operations on every
 * element in the same order as the portable ones above (so the same bits),
 * register-blocked by hand. The block helpers are inlined with constant
 * block sizes, so their accumulator arrays live in registers: 8 rows
 * (2 vectors) x up to 4 outputs (or inputs) in the products over rows, up to
 * 2 inputs x 4 outputs in the reductions over rows, i.e. up to 8 independent
 * FMA chains everywhere, tails included. */
#  define AVX2_INLINE static inline __attribute__((always_inline, target("avx2,fma")))

/* zt[j + q][r0 .. r0 + 8) for q < M. */
AVX2_INLINE void fwd_block(const double *at, size_t n, size_t in, const double *w,
                           const double *b, size_t o, double *zt, int relu, size_t r0,
                           size_t j, const size_t M)
{
    __m256d c[4][2];
    for (size_t q = 0; q < M; q++)
        c[q][0] = c[q][1] = _mm256_broadcast_sd(b + j + q);
    for (size_t k = 0; k < in; k++) {
        const double *ak = at + k * n + r0, *wk = w + k * o + j;
        const __m256d x0 = _mm256_loadu_pd(ak), x1 = _mm256_loadu_pd(ak + 4);
        for (size_t q = 0; q < M; q++) {
            const __m256d v = _mm256_broadcast_sd(wk + q);
            c[q][0] = _mm256_fmadd_pd(v, x0, c[q][0]);
            c[q][1] = _mm256_fmadd_pd(v, x1, c[q][1]);
        }
    }
    for (size_t q = 0; q < M; q++) {
        if (relu) { /* max(c, +0) gives +0 for NaN, -0 and negatives, as c > 0 ? c : 0 */
            c[q][0] = _mm256_max_pd(c[q][0], _mm256_setzero_pd());
            c[q][1] = _mm256_max_pd(c[q][1], _mm256_setzero_pd());
        }
        _mm256_storeu_pd(zt + (j + q) * n + r0, c[q][0]);
        _mm256_storeu_pd(zt + (j + q) * n + r0 + 4, c[q][1]);
    }
}

AVX2_FN
static void fwd_avx2(const double *at, size_t n, size_t in, const double *w, const double *b,
                     size_t o, double *zt, int relu)
{
    size_t r0 = 0;
    for (; r0 + 8 <= n; r0 += 8) {
        size_t j = 0;
        for (; j + 4 <= o; j += 4)
            fwd_block(at, n, in, w, b, o, zt, relu, r0, j, 4);
        switch (o - j) {
        case 3: fwd_block(at, n, in, w, b, o, zt, relu, r0, j, 3); break;
        case 2: fwd_block(at, n, in, w, b, o, zt, relu, r0, j, 2); break;
        case 1: fwd_block(at, n, in, w, b, o, zt, relu, r0, j, 1); break;
        default: break;
        }
    }
    fwd_rows(at, n, in, w, b, o, zt, relu, r0);
}

/* dat[k + q][r0 .. r0 + 8) for q < M. */
AVX2_INLINE void input_grad_block(const double *dzt, size_t n, size_t o, const double *w,
                                  double *dat, const double *h, size_t r0, size_t k,
                                  const size_t M)
{
    __m256d c[4][2];
    for (size_t q = 0; q < M; q++)
        c[q][0] = c[q][1] = _mm256_setzero_pd();
    const double *w0 = w + k * o;
    for (size_t j = 0; j < o; j++) {
        const double *dj = dzt + j * n + r0;
        const __m256d x0 = _mm256_loadu_pd(dj), x1 = _mm256_loadu_pd(dj + 4);
        for (size_t q = 0; q < M; q++) {
            const __m256d v = _mm256_broadcast_sd(w0 + q * o + j);
            c[q][0] = _mm256_fmadd_pd(v, x0, c[q][0]);
            c[q][1] = _mm256_fmadd_pd(v, x1, c[q][1]);
        }
    }
    for (size_t q = 0; q < M; q++) {
        const size_t off = (k + q) * n + r0;
        for (size_t v = 0; v < 2; v++) {
            __m256d x = c[q][v];
            if (h) /* h > 0 ? x : 0 (a false compare is all zero bits: +0) */
                x = _mm256_and_pd(_mm256_cmp_pd(_mm256_loadu_pd(h + off + 4 * v),
                                                _mm256_setzero_pd(), _CMP_GT_OQ),
                                  x);
            _mm256_storeu_pd(dat + off + 4 * v, x);
        }
    }
}

AVX2_FN
static void input_grad_avx2(const double *dzt, size_t n, size_t o, const double *w, size_t in,
                            double *dat, const double *h)
{
    size_t r0 = 0;
    for (; r0 + 8 <= n; r0 += 8) {
        size_t k = 0;
        for (; k + 4 <= in; k += 4)
            input_grad_block(dzt, n, o, w, dat, h, r0, k, 4);
        switch (in - k) {
        case 3: input_grad_block(dzt, n, o, w, dat, h, r0, k, 3); break;
        case 2: input_grad_block(dzt, n, o, w, dat, h, r0, k, 2); break;
        case 1: input_grad_block(dzt, n, o, w, dat, h, r0, k, 1); break;
        default: break;
        }
    }
    input_grad_rows(dzt, n, o, w, in, dat, h, r0);
}

/* The weight and bias gradients (lib/mlp_kernels_avx2.inc). */
#  define KVEC __m256d
#  define KVZERO _mm256_setzero_pd
#  define KVLOAD _mm256_loadu_pd
#  define KVSTORE _mm256_storeu_pd
#  define KVADD _mm256_add_pd
#  define KVFMA _mm256_fmadd_pd
#  define KWG_CHUNK 64 /* a whole 256-row batch of a 20-wide layer is not in L1 */
#  define KWG_MAX_ACC 2048
#  define KREAL double
#  define KSFX
#  define KLANES WL
#  define KLANE_SUM lane_sum
#  define KFMA MADD
#  include "mlp_kernels_avx2.inc"

#  define KVEC __m256
#  define KVZERO _mm256_setzero_ps
#  define KVLOAD _mm256_loadu_ps
#  define KVSTORE _mm256_storeu_ps
#  define KVADD _mm256_add_ps
#  define KVFMA _mm256_fmadd_ps
#  define KWG_CHUNK 128   /* the same bytes as 64 doubles */
#  define KWG_MAX_ACC 4096
#  define KREAL float
#  define KSFX f
#  define KLANES WLF
#  define KLANE_SUM lane_sumf
#  define KFMA fmaf
#  include "mlp_kernels_avx2.inc"

#  ifdef GENRE_TESTING
static int force_portable; /* genre__mlp_test_force_portable() */
#  endif

static int have_avx2(void)
{
#  ifdef GENRE_TESTING
    if (force_portable)
        return 0;
#  endif
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* adam_step() on 4 parameters at a time: the same correctly rounded
 * operations in the same order (no contraction), so the same bits. */
AVX2_FN
static void adam_step_avx2(double *par, const double *g, double *m1, double *m2, size_t np,
                           double b1, double b2, double step, double bc2, double e)
{
    const __m256d vb1 = _mm256_set1_pd(b1), vc1 = _mm256_set1_pd(1.0 - b1),
                  vb2 = _mm256_set1_pd(b2), vc2 = _mm256_set1_pd(1.0 - b2),
                  vstep = _mm256_set1_pd(step), vbc2 = _mm256_set1_pd(bc2),
                  ve = _mm256_set1_pd(e);
    size_t i = 0;
    for (; i + 4 <= np; i += 4) {
        const __m256d gi = _mm256_loadu_pd(g + i);
        const __m256d a = _mm256_add_pd(_mm256_mul_pd(vb1, _mm256_loadu_pd(m1 + i)),
                                        _mm256_mul_pd(vc1, gi));
        const __m256d v = _mm256_add_pd(_mm256_mul_pd(vb2, _mm256_loadu_pd(m2 + i)),
                                        _mm256_mul_pd(_mm256_mul_pd(vc2, gi), gi));
        _mm256_storeu_pd(m1 + i, a);
        _mm256_storeu_pd(m2 + i, v);
        const __m256d den = _mm256_add_pd(_mm256_div_pd(_mm256_sqrt_pd(v), vbc2), ve);
        _mm256_storeu_pd(par + i, _mm256_sub_pd(_mm256_loadu_pd(par + i),
                                                _mm256_div_pd(_mm256_mul_pd(vstep, a), den)));
    }
    for (; i < np; i++) {
        m1[i] = b1 * m1[i] + (1.0 - b1) * g[i];
        m2[i] = b2 * m2[i] + (1.0 - b2) * g[i] * g[i];
        par[i] -= step * m1[i] / (sqrt(m2[i]) / bc2 + e);
    }
}
#else
#  define GENRE_MLP_AVX2 0
#endif

/* Runs the AVX2 version of a built-in kernel where the CPU has AVX2 and
 * FMA, else the portable one (the same bits either way). */
#if GENRE_MLP_AVX2
#  define BUILTIN_KERNEL(avx2, portable, ...) \
      do {                                     \
          if (have_avx2())                     \
              avx2(__VA_ARGS__);               \
          else                                 \
              portable(__VA_ARGS__);           \
      } while (0)
#else
#  define BUILTIN_KERNEL(avx2, portable, ...) portable(__VA_ARGS__)
#endif

/* Dense product of a layer, with the hidden layers' ReLU fused when relu. */
static genre_status dense_forward(int builtin, const double *at, size_t n, size_t in,
                                  const double *w, const double *b, size_t o, double *zt,
                                  int relu)
{
    if (builtin) {
        BUILTIN_KERNEL(fwd_avx2, fwd_portable, at, n, in, w, b, o, zt, relu);
        return GENRE_OK;
    }
    for (size_t j = 0; j < o; j++)
        for (size_t r = 0; r < n; r++)
            zt[j * n + r] = b[j];
    genre_status st = genre__gemm(GENRE__TRANS, GENRE__NO_TRANS, 1.0, w, in, o, o, at, in, n,
                                  n, 1.0, zt, o, n, n);
    if (relu)
        for (size_t i = 0; i < o * n; i++)
            zt[i] = zt[i] > 0.0 ? zt[i] : 0.0;
    return st;
}

static genre_status dense_weight_grad(int builtin, const double *at, size_t n, size_t in,
                                      const double *dzt, size_t o, double *dw, double *db)
{
    if (builtin) {
        BUILTIN_KERNEL(weight_grad_avx2, weight_grad_portable, at, n, in, dzt, o, dw, db);
        return GENRE_OK;
    }
    bias_grad(dzt, n, o, db);
    return genre__gemm(GENRE__NO_TRANS, GENRE__TRANS, 1.0, at, in, n, n, dzt, o, n, n, 0.0, dw,
                       in, o, o);
}

/* dat = W dzt; with relu_h (the ReLU outputs of the layer's input) the ReLU
 * derivative is applied too. */
static genre_status dense_input_grad(int builtin, const double *dzt, size_t n, size_t o,
                                     const double *w, size_t in, double *dat,
                                     const double *relu_h)
{
    if (builtin) {
        BUILTIN_KERNEL(input_grad_avx2, input_grad_portable, dzt, n, o, w, in, dat, relu_h);
        return GENRE_OK;
    }
    genre_status st = genre__gemm(GENRE__NO_TRANS, GENRE__NO_TRANS, 1.0, w, in, o, o, dzt, o,
                                  n, n, 0.0, dat, in, n, n);
    if (relu_h)
        for (size_t i = 0; i < in * n; i++)
            dat[i] = relu_h[i] > 0.0 ? dat[i] : 0.0;
    return st;
}

/* ---- Input view (first layer) --------------------------------------------- */

/* The input of the first layer: dense rows (x, stride), or CSR rows when
 * row_ptr is not NULL (row i holds the entries row_ptr[i] .. row_ptr[i+1]
 * of col_idx and values; repeated columns add up). */
typedef struct mlp_input {
    const double *x;
    size_t stride;
    const size_t *row_ptr;
    const uint32_t *col_idx;
    const double *values;
} mlp_input;

/*
 * First layer on CSR rows, O(nnz x o): column r of zt (o x ld) is
 * b + sum_p values[p] W[col_idx[p]] over the entries of row idx[r] (r0 + r
 * when idx is NULL), accumulated in entry order with fused multiply-adds;
 * with relu, max(., 0) is stored. Columns rows..ld (padding) get b, as a
 * dense product of zero inputs does. For a row with increasing columns this
 * is the dense kernels' sum without its exact "+ w * 0" terms: the same bits.
 * tmp: o doubles.
 */
GENRE_KERNEL
static void csr_forward(const mlp_input *in, const size_t *idx, size_t r0, size_t rows,
                        size_t ld, const double *w, const double *b, size_t o, double *zt,
                        int relu, double *tmp)
{
    for (size_t r = 0; r < ld; r++) {
        for (size_t j = 0; j < o; j++)
            tmp[j] = b[j];
        if (r < rows) {
            const size_t row = idx ? idx[r] : r0 + r;
            for (size_t p = in->row_ptr[row]; p < in->row_ptr[row + 1]; p++) {
                const double v = in->values[p];
                const double *wc = w + (size_t)in->col_idx[p] * o;
                for (size_t j = 0; j < o; j++)
                    tmp[j] = MADD(wc[j], v, tmp[j]);
            }
        }
        for (size_t j = 0; j < o; j++)
            zt[j * ld + r] = relu ? (tmp[j] > 0.0 ? tmp[j] : 0.0) : tmp[j];
    }
}

/* ---- Inference ------------------------------------------------------------ */

/* Doubles of scratch forward_infer needs for a block of `rows`. */
static size_t infer_scratch(const mlp_net *n, size_t rows, int csr)
{
    return n->max_width + rows * ((csr ? 0 : n->width[0]) + 2 * n->max_width);
}

/* The first n_run dense layers (hidden ones with their activation, no
 * dropout) on rows r0 .. r0 + rows of the input; the last layer's output,
 * feature-major (width[n_run] x rows), goes to *zt, a pointer into bufs
 * (infer_scratch(rows) doubles). */
static genre_status forward_infer(const mlp_net *n, const mlp_input *in, size_t r0,
                                  size_t rows, size_t n_run, double *bufs, const double **zt)
{
    double *tmp = bufs, *cur = bufs + n->max_width, *other = cur + rows * n->max_width;
    const double *a = NULL;
    const int relu = n->activation == GENRE_MLP_ACT_RELU;
    for (size_t l = 0; l < n_run; l++) {
        size_t w_in = n->width[l], o = n->width[l + 1];
        const int hidden = l + 1 < n->n_layers;
        const double *w = n->params + n->w_off[l], *b = n->params + n->b_off[l];
        genre_status st = GENRE_OK;
        if (l == 0 && in->row_ptr) {
            csr_forward(in, NULL, r0, rows, rows, w, b, o, cur, hidden && relu, tmp);
        } else {
            if (l == 0) {
                double *g = other + rows * n->max_width;
                gather_rows(in->x + r0 * in->stride, in->stride, NULL, rows, w_in, g, rows);
                a = g;
            }
            st = dense_forward(use_builtin(n, l), a, rows, w_in, w, b, o, cur,
                               hidden && relu);
        }
        if (st != GENRE_OK)
            return st;
        if (hidden && !relu)
            activate(n->activation, cur, rows * o);
        double *done = cur;
        cur = other;
        other = done;
        a = done;
    }
    *zt = a;
    return GENRE_OK;
}

/* Softmax of row r of a feature-major (k x n) logit block into p[0..k). */
static void softmax_col(const double *zt, size_t n, size_t r, size_t k, double *p)
{
    double mx = zt[r];
    for (size_t j = 1; j < k; j++)
        if (zt[j * n + r] > mx)
            mx = zt[j * n + r];
    double s = 0.0;
    for (size_t j = 0; j < k; j++) {
        p[j] = exp(zt[j * n + r] - mx);
        s += p[j];
    }
    for (size_t j = 0; j < k; j++)
        p[j] /= s;
}

/* What run_blocks() stores per row. */
enum { OUT_PROBA, OUT_VALUES, OUT_LABELS, OUT_HIDDEN };

/*
 * Runs the first n_run layers over all rows in blocks and stores, per row:
 * probabilities (OUT_PROBA), raw outputs (OUT_VALUES), the argmax label
 * (OUT_LABELS, into labels) or the activations (OUT_HIDDEN), row-major
 * (n_rows x width[n_run]) into out.
 */
static genre_status run_blocks(const mlp_net *n, const mlp_input *in, size_t n_rows,
                               size_t n_run, int what, double *out, int32_t *labels)
{
    size_t block = n_rows < BLOCK_ROWS ? n_rows : BLOCK_ROWS;
    /* a dense copy of a very wide input (a model fit on 2^18 hashed columns)
     * is kept to about INFER_MAX_GATHER doubles per block; the results do
     * not depend on the block size (every output is a per-row sum) */
    if (!in->row_ptr && block * n->width[0] > INFER_MAX_GATHER)
        block = INFER_MAX_GATHER / n->width[0] > 8 ? INFER_MAX_GATHER / n->width[0] : 8;
    if (block > n_rows)
        block = n_rows;
    double *bufs = genre__alloc_array(infer_scratch(n, block, in->row_ptr != NULL),
                                      sizeof(double));
    if (!bufs)
        return GENRE_E_NOMEM;
    const size_t k = n->width[n_run];
    genre_status st = GENRE_OK;
    for (size_t r0 = 0; r0 < n_rows && st == GENRE_OK; r0 += block) {
        size_t rows = n_rows - r0 < block ? n_rows - r0 : block;
        const double *zt;
        st = forward_infer(n, in, r0, rows, n_run, bufs, &zt);
        for (size_t r = 0; st == GENRE_OK && r < rows; r++) {
            if (what == OUT_LABELS) {
                size_t best = 0;
                for (size_t j = 1; j < k; j++)
                    if (zt[j * rows + r] > zt[best * rows + r])
                        best = j;
                labels[r0 + r] = (int32_t)best;
                continue;
            }
            double *o = out + (r0 + r) * k;
            if (what == OUT_PROBA)
                softmax_col(zt, rows, r, k, o);
            else
                for (size_t j = 0; j < k; j++)
                    o[j] = zt[j * rows + r];
        }
    }
    genre__free(bufs);
    return st;
}

static genre_status check_fitted(const char *func, const genre_mlp *model, int32_t task)
{
    if (!model)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 'model' is NULL");
    if (!model->net)
        return genre__fail(GENRE_E_BAD_STATE, func, "the model is not fitted");
    if (task >= 0 && model->net->task != task)
        return genre__fail(GENRE_E_BAD_STATE, func, "the model is a %s, not a %s",
                           model->net->task == GENRE_MLP_TASK_CLASSIFICATION ? "classifier"
                                                                             : "regressor",
                           task == GENRE_MLP_TASK_CLASSIFICATION ? "classifier"
                                                                 : "regressor");
    return GENRE_OK;
}

/* task < 0: either task. */
static genre_status check_predict(const char *func, const genre_mlp *model, int32_t task,
                                  const double *x, size_t n_rows, size_t n_cols,
                                  size_t row_stride)
{
    genre_status st = check_fitted(func, model, task);
    if (st != GENRE_OK)
        return st;
    st = genre__check_matrix(func, "x", x, n_rows, n_cols, row_stride, 0);
    if (st != GENRE_OK)
        return st;
    if (n_cols != model->net->width[0])
        return genre__fail(GENRE_E_SHAPE, func,
                           "x has %zu columns; the model was fit on %zu", n_cols,
                           model->net->width[0]);
    return genre__check_matrix(func, "x", x, n_rows, n_cols, row_stride,
                               (int)model->p.validate);
}

/*
 * Checks a CSR matrix: n_rows >= 1, 1 <= n_cols <= INT32_MAX, row_ptr
 * given with row_ptr[0] == 0 and non-decreasing, col_idx and values given
 * when there are entries, every column index < n_cols (GENRE_E_INVALID_ARG)
 * and, with finite, every value finite (GENRE_E_NONFINITE). Messages name
 * the row, the position in col_idx / values and the value.
 */
static genre_status check_csr(const char *func, const char *name, size_t n_rows,
                              size_t n_cols, const size_t *row_ptr, const uint32_t *col_idx,
                              const double *values, int finite)
{
    if (n_rows == 0)
        return genre__fail(GENRE_E_INVALID_ARG, func, "%s has zero rows", name);
    if (n_cols == 0 || n_cols > INT32_MAX)
        return genre__fail(GENRE_E_INVALID_ARG, func, "%s has %zu columns; expected 1 to %d",
                           name, n_cols, INT32_MAX);
    if (!row_ptr)
        return genre__fail(GENRE_E_INVALID_ARG, func, "the row_ptr of %s is NULL", name);
    if (row_ptr[0] != 0)
        return genre__fail(GENRE_E_INVALID_ARG, func, "%s: row_ptr[0] = %zu; must be 0", name,
                           row_ptr[0]);
    for (size_t i = 0; i < n_rows; i++)
        if (row_ptr[i + 1] < row_ptr[i])
            return genre__fail(GENRE_E_INVALID_ARG, func,
                               "%s: row_ptr[%zu] = %zu is below row_ptr[%zu] = %zu (row %zu)",
                               name, i + 1, row_ptr[i + 1], i, row_ptr[i], i);
    /* The arrays' length is not passed (1.0 adds it): only an entry count
     * that no array of doubles could hold is caught here. */
    if (row_ptr[n_rows] > SIZE_MAX / sizeof(double))
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "%s: row_ptr[%zu] = %zu entries cannot be in memory", name, n_rows,
                           row_ptr[n_rows]);
    if (row_ptr[n_rows] > 0 && (!col_idx || !values))
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "%s has %zu entries but its %s is NULL", name, row_ptr[n_rows],
                           col_idx ? "values" : "col_idx");
    for (size_t i = 0; i < n_rows; i++)
        for (size_t p = row_ptr[i]; p < row_ptr[i + 1]; p++) {
            if (col_idx[p] >= n_cols)
                return genre__fail(GENRE_E_INVALID_ARG, func,
                                   "%s: row %zu, position %zu: column index %u is not below "
                                   "n_cols = %zu",
                                   name, i, p, (unsigned)col_idx[p], n_cols);
            if (finite && !isfinite(values[p]))
                return genre__fail(GENRE_E_NONFINITE, func,
                                   "%s: row %zu, position %zu (column %u) holds %g", name, i,
                                   p, (unsigned)col_idx[p], values[p]);
        }
    return GENRE_OK;
}

static genre_status check_predict_csr(const char *func, const genre_mlp *model, int32_t task,
                                      size_t n_rows, size_t n_cols, const size_t *row_ptr,
                                      const uint32_t *col_idx, const double *values)
{
    genre_status st = check_fitted(func, model, task);
    if (st != GENRE_OK)
        return st;
    if (n_cols != model->net->width[0])
        return genre__fail(GENRE_E_SHAPE, func,
                           "x has %zu columns; the model was fit on %zu", n_cols,
                           model->net->width[0]);
    return check_csr(func, "x", n_rows, n_cols, row_ptr, col_idx, values,
                     (int)model->p.validate);
}

static genre_status check_capacity(const char *func, size_t n_rows, size_t per_row,
                                   const void *out, size_t cap, size_t *needed)
{
    if (n_rows > SIZE_MAX / per_row)
        return genre__fail(GENRE_E_INVALID_ARG, func, "%zu rows x %zu outputs overflow",
                           n_rows, per_row);
    size_t need = n_rows * per_row;
    if (needed)
        *needed = need;
    if (!out || cap < need)
        return genre__fail(GENRE_E_BUFFER_TOO_SMALL, func,
                           "the output needs %zu elements; capacity is %zu", need,
                           out ? cap : 0);
    return GENRE_OK;
}

genre_status genre_mlp_predict_proba(const genre_mlp *model, const double *x, size_t n_rows,
                                     size_t n_cols, size_t row_stride, double *out,
                                     size_t out_len, size_t *needed)
{
    genre_status st = check_predict(__func__, model, GENRE_MLP_TASK_CLASSIFICATION, x,
                                    n_rows, n_cols, row_stride);
    if (st != GENRE_OK)
        return st;
    const mlp_net *n = model->net;
    st = check_capacity(__func__, n_rows, n->width[n->n_layers], out, out_len, needed);
    if (st != GENRE_OK)
        return st;
    mlp_input in = {x, row_stride, NULL, NULL, NULL};
    return run_blocks(n, &in, n_rows, n->n_layers, OUT_PROBA, out, NULL);
}

genre_status genre_mlp_predict_proba_csr(const genre_mlp *model, size_t n_rows,
                                         size_t n_cols, const size_t *row_ptr,
                                         const uint32_t *col_idx, const double *values,
                                         double *out, size_t out_len, size_t *needed)
{
    genre_status st = check_predict_csr(__func__, model, GENRE_MLP_TASK_CLASSIFICATION,
                                        n_rows, n_cols, row_ptr, col_idx, values);
    if (st != GENRE_OK)
        return st;
    const mlp_net *n = model->net;
    st = check_capacity(__func__, n_rows, n->width[n->n_layers], out, out_len, needed);
    if (st != GENRE_OK)
        return st;
    mlp_input in = {NULL, 0, row_ptr, col_idx, values};
    return run_blocks(n, &in, n_rows, n->n_layers, OUT_PROBA, out, NULL);
}

genre_status genre_mlp_predict_values(const genre_mlp *model, const double *x, size_t n_rows,
                                      size_t n_cols, size_t row_stride, double *out,
                                      size_t out_len, size_t *needed)
{
    genre_status st = check_predict(__func__, model, GENRE_MLP_TASK_REGRESSION, x, n_rows,
                                    n_cols, row_stride);
    if (st != GENRE_OK)
        return st;
    const mlp_net *n = model->net;
    st = check_capacity(__func__, n_rows, n->width[n->n_layers], out, out_len, needed);
    if (st != GENRE_OK)
        return st;
    mlp_input in = {x, row_stride, NULL, NULL, NULL};
    return run_blocks(n, &in, n_rows, n->n_layers, OUT_VALUES, out, NULL);
}

static size_t argmax(const double *v, size_t k)
{
    size_t best = 0;
    for (size_t j = 1; j < k; j++)
        if (v[j] > v[best])
            best = j;
    return best;
}

genre_status genre_mlp_predict(const genre_mlp *model, const double *x, size_t n_rows,
                               size_t n_cols, size_t row_stride, int32_t *labels, size_t cap,
                               size_t *needed)
{
    genre_status st = check_predict(__func__, model, GENRE_MLP_TASK_CLASSIFICATION, x,
                                    n_rows, n_cols, row_stride);
    if (st != GENRE_OK)
        return st;
    st = check_capacity(__func__, n_rows, 1, labels, cap, needed);
    if (st != GENRE_OK)
        return st;
    mlp_input in = {x, row_stride, NULL, NULL, NULL};
    return run_blocks(model->net, &in, n_rows, model->net->n_layers, OUT_LABELS, NULL,
                      labels);
}

static genre_status check_layer(const char *func, const genre_mlp *model, int32_t layer)
{
    size_t hidden = model->net->n_layers - 1;
    if (layer < 1 || (size_t)layer > hidden)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "layer = %d; the model has %zu hidden layer%s (1-based)",
                           (int)layer, hidden, hidden == 1 ? "" : "s");
    return GENRE_OK;
}

genre_status genre_mlp_transform(const genre_mlp *model, int32_t layer, const double *x,
                                 size_t n_rows, size_t n_cols, size_t row_stride, double *out,
                                 size_t out_len, size_t *needed)
{
    genre_status st = check_fitted(__func__, model, -1);
    if (st == GENRE_OK)
        st = check_layer(__func__, model, layer);
    if (st == GENRE_OK)
        st = check_predict(__func__, model, -1, x, n_rows, n_cols, row_stride);
    if (st != GENRE_OK)
        return st;
    const mlp_net *n = model->net;
    st = check_capacity(__func__, n_rows, n->width[layer], out, out_len, needed);
    if (st != GENRE_OK)
        return st;
    mlp_input in = {x, row_stride, NULL, NULL, NULL};
    return run_blocks(n, &in, n_rows, (size_t)layer, OUT_HIDDEN, out, NULL);
}

genre_status genre_mlp_transform_csr(const genre_mlp *model, int32_t layer, size_t n_rows,
                                     size_t n_cols, const size_t *row_ptr,
                                     const uint32_t *col_idx, const double *values,
                                     double *out, size_t out_len, size_t *needed)
{
    genre_status st = check_fitted(__func__, model, -1);
    if (st == GENRE_OK)
        st = check_layer(__func__, model, layer);
    if (st == GENRE_OK)
        st = check_predict_csr(__func__, model, -1, n_rows, n_cols, row_ptr, col_idx, values);
    if (st != GENRE_OK)
        return st;
    const mlp_net *n = model->net;
    st = check_capacity(__func__, n_rows, n->width[layer], out, out_len, needed);
    if (st != GENRE_OK)
        return st;
    mlp_input in = {NULL, 0, row_ptr, col_idx, values};
    return run_blocks(n, &in, n_rows, (size_t)layer, OUT_HIDDEN, out, NULL);
}

genre_status genre_mlp_get_history(const genre_mlp *model, int32_t which, double *out,
                                   size_t cap, size_t *n_epochs)
{
    GENRE_CHECK_NOT_NULL(model);
    GENRE_CHECK_NOT_NULL(n_epochs);
    if (which < GENRE_MLP_HISTORY_TRAIN_LOSS || which > GENRE_MLP_HISTORY_VAL_ACCURACY)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "unknown history %d", (int)which);
    if (!model->net)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the model is not fitted");
    const mlp_net *n = model->net;
    *n_epochs = n->n_epochs;
    if (!out || cap < n->n_epochs)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL, "the history has %zu epochs; capacity %zu",
                          n->n_epochs, out ? cap : 0);
    memcpy(out, n->hist + (size_t)which * n->n_epochs, n->n_epochs * sizeof *out);
    return GENRE_OK;
}

/* ---- Training ------------------------------------------------------------- */

/* What a fit needs from its caller, for either task. */
typedef struct fit_data {
    mlp_input in;
    size_t n_rows, n_cols;
    const int32_t *labels;  /* classification */
    const double *y;        /* regression, n_rows x n_out */
    mlp_input val;          /* validation rows (dense or CSR) when has_val */
    size_t n_val;
    const int32_t *labels_val;
    const double *y_val;
    int has_val;
} fit_data;

static void init_params(mlp_net *n, const mlp_params *p)
{
    for (size_t l = 0; l < n->n_layers; l++) {
        genre__rng r;
        genre__rng_init(&r, (uint64_t)p->seed, STREAM_INIT + l);
        size_t in = n->width[l], o = n->width[l + 1];
        int64_t rule = p->init;
        if (rule == GENRE_MLP_INIT_AUTO)
            rule = (n->activation == GENRE_MLP_ACT_RELU && l + 1 < n->n_layers)
                       ? GENRE_MLP_INIT_HE_UNIFORM
                       : GENRE_MLP_INIT_GLOROT_UNIFORM;
        double *w = n->params + n->w_off[l], *b = n->params + n->b_off[l];
        double bound = 0.0, sd = 0.0;
        int normal = 0;
        switch (rule) {
        case GENRE_MLP_INIT_HE_UNIFORM: bound = sqrt(6.0 / (double)in); break;
        case GENRE_MLP_INIT_HE_NORMAL: sd = sqrt(2.0 / (double)in); normal = 1; break;
        case GENRE_MLP_INIT_GLOROT_UNIFORM: bound = sqrt(6.0 / (double)(in + o)); break;
        case GENRE_MLP_INIT_GLOROT_NORMAL: sd = sqrt(2.0 / (double)(in + o)); normal = 1; break;
        default: bound = 1.0 / sqrt((double)in); break;
        }
        for (size_t i = 0; i < in * o; i++)
            w[i] = normal ? sd * genre__rng_normal(&r)
                          : bound * (2.0 * genre__rng_uniform(&r) - 1.0);
        for (size_t j = 0; j < o; j++)
            b[j] = rule == GENRE_MLP_INIT_LECUN_UNIFORM
                       ? bound * (2.0 * genre__rng_uniform(&r) - 1.0)
                       : 0.0;
    }
}

/* Scratch of one fit, in one allocation. */
typedef struct train_ws {
    double *block;     /* everything below points into it */
    double *x0;        /* gathered batch input, B x n_in */
    double **h;        /* per hidden layer: activation output, B x width */
    double **d;        /* per hidden layer: after dropout (== h without dropout) */
    double **mask;     /* per hidden layer: dropout scale (NULL without dropout) */
    double *zout;      /* B x n_out */
    double *g1, *g2;   /* B x max_width gradients */
    double *grad, *m1, *m2, *best; /* n_params each (best: early stopping) */
    double *val_out;   /* one row of validation probabilities */
    double *rowtmp;    /* 2 x batch: per-row softmax max and sum */
    double *val_bufs;  /* inference scratch of BLOCK_ROWS rows */
    size_t *perm;
    void *ptrs;
    /* CSR input only: */
    size_t *slot;      /* n_cols: SIZE_MAX, or the feature's index in touched */
    size_t *touched;   /* the features occurring in the current batch */
    size_t n_touched;
    double *lane_acc;  /* rows of width[1] doubles: cap compact dW rows, then a pool */
    size_t *lane_row;  /* per touched feature, WL entries: its lanes' rows, or SIZE_MAX */
    unsigned char *lane_used; /* per touched feature: bit l = lane l written */
    size_t pool_start, pool_next; /* first and next free pool row */
    double *rowbuf;    /* width[1] doubles */
    double *zeros;     /* width[1] zeros */
    int lazy;          /* GENRE_MLP_SPARSE_UPDATE in effect */
} train_ws;

static void ws_free(train_ws *w)
{
    genre__free(w->block);
    genre__free(w->perm);
    genre__free(w->ptrs);
    genre__free(w->slot);
    genre__free(w->touched);
    genre__free(w->lane_acc);
    genre__free(w->lane_row);
    genre__free(w->lane_used);
}

/*
 * Training arrays are feature-major with a padded row count ld: the batch's
 * rows, rounded up to a multiple of 8, plus 8. The padding keeps the
 * kernels on whole vectors and, above all, keeps the width rows of an array
 * (2 KiB apart for 256 rows) from mapping to the same few L1 cache sets.
 * Padding rows hold zero inputs and zero output gradients, so they add
 * exact zeros to every gradient sum.
 */
static size_t padded_rows(size_t rows)
{
    return (rows + 7) / 8 * 8 + 8;
}

/* Entries a batch of `batch` CSR rows can hold, at most: min(nnz, batch x
 * the longest row), and (*features) the distinct features among them, at
 * most min(n_cols, that). Both >= 1. */
static size_t entries_bound(const fit_data *fd, size_t batch, size_t *features)
{
    const size_t *rp = fd->in.row_ptr;
    size_t longest = 0, bound = rp[fd->n_rows];
    for (size_t i = 0; i < fd->n_rows; i++)
        if (rp[i + 1] - rp[i] > longest)
            longest = rp[i + 1] - rp[i];
    if (longest <= SIZE_MAX / batch && batch * longest < bound)
        bound = batch * longest;
    bound = bound > 0 ? bound : 1;
    *features = fd->n_cols < bound ? fd->n_cols : bound;
    return bound;
}

/* keep_best: room for the early-stopping copy; lazy: sparse updates. */
static genre_status ws_alloc(train_ws *w, const mlp_net *n, size_t batch, const fit_data *fd,
                             int dropout, int keep_best, int lazy)
{
    memset(w, 0, sizeof *w);
    const int csr = fd->in.row_ptr != NULL;
    size_t cap = 0, entries = csr ? entries_bound(fd, batch, &cap) : 0, pool = 0;
    const size_t o1 = n->width[1];
    if (csr) /* lanes beyond a feature's first: at most 3 per feature, 1 per entry */
        pool = cap <= SIZE_MAX / 3 && 3 * cap < entries ? 3 * cap : entries;
    batch = padded_rows(batch);
    const size_t L = n->n_layers;
    const size_t total = (csr ? 2 * o1 : batch * n->width[0]) +
                         batch_array_count(n, batch, dropout) +
                         (3 + !!keep_best) * n->n_params + n->width[L] +
                         infer_scratch(n, BLOCK_ROWS, fd->val.row_ptr != NULL) + 2 * batch;
    w->block = genre__calloc_array(total, sizeof(double));
    w->perm = genre__alloc_array(fd->n_rows, sizeof(size_t));
    w->ptrs = genre__calloc_array(3 * L + 1, sizeof(double *));
    if (csr) {
        w->slot = genre__alloc_array(fd->n_cols, sizeof(size_t));
        w->touched = genre__alloc_array(cap, sizeof(size_t));
        w->lane_acc = cap <= SIZE_MAX - pool ? genre__alloc_array(cap + pool, o1 * sizeof(double))
                                             : NULL;
        w->lane_row = cap <= SIZE_MAX / WL ? genre__alloc_array(cap * WL, sizeof(size_t)) : NULL;
        w->lane_used = genre__alloc_array(cap, 1);
        w->pool_start = cap;
    }
    if (!w->block || !w->perm || !w->ptrs ||
        (csr && (!w->slot || !w->touched || !w->lane_acc || !w->lane_row || !w->lane_used))) {
        ws_free(w);
        return GENRE_E_NOMEM;
    }
    for (size_t c = 0; csr && c < fd->n_cols; c++)
        w->slot[c] = SIZE_MAX;
    w->lazy = csr && lazy;
    w->h = w->ptrs;
    w->d = w->h + L;
    w->mask = w->d + L;
    double *p = w->block;
    if (csr) {
        w->rowbuf = p;
        p += o1;
        w->zeros = p; /* calloc'ed, never written */
        p += o1;
    } else {
        w->x0 = p;
        p += batch * n->width[0];
    }
    p = carve_batch_arrays(n, batch, dropout, p, w->h, w->d, w->mask, &w->zout, &w->g1, &w->g2);
    w->grad = p;
    p += n->n_params;
    w->m1 = p;
    p += n->n_params;
    w->m2 = p;
    p += n->n_params;
    if (keep_best) {
        w->best = p;
        p += n->n_params;
    }
    w->val_out = p;
    p += n->width[L];
    w->rowtmp = p;
    p += 2 * batch;
    w->val_bufs = p;
    for (size_t i = 0; i < fd->n_rows; i++)
        w->perm[i] = i;
    return GENRE_OK;
}

/* Lists in w->touched the features occurring in rows idx[0..rows) of a CSR
 * input (in order of first occurrence), with w->slot mapping each back. */
static void csr_touch(train_ws *w, const mlp_input *in, const size_t *idx, size_t rows)
{
    for (size_t s = 0; s < w->n_touched; s++)
        w->slot[w->touched[s]] = SIZE_MAX;
    size_t nt = 0;
    for (size_t r = 0; r < rows; r++)
        for (size_t p = in->row_ptr[idx[r]]; p < in->row_ptr[idx[r] + 1]; p++) {
            const size_t c = in->col_idx[p];
            if (w->slot[c] == SIZE_MAX) {
                w->slot[c] = nt;
                w->lane_used[nt] = 0;
                for (size_t l = 0; l < WL; l++)
                    w->lane_row[nt * WL + l] = SIZE_MAX;
                w->touched[nt++] = c;
            }
        }
    w->n_touched = nt;
    w->pool_next = w->pool_start;
}

/* The row (in lane_acc) of lane `lane` of touched feature s, claimed on its
 * first use: the feature's compact row for its first lane, a pool row after. */
static inline double *lane_row(train_ws *w, size_t s, size_t lane, size_t o, int *fresh)
{
    size_t *lr = w->lane_row + s * WL + lane;
    *fresh = *lr == SIZE_MAX;
    if (*fresh)
        *lr = w->lane_used[s] ? w->pool_next++ : s;
    w->lane_used[s] |= (unsigned char)(1u << lane);
    return w->lane_acc + *lr * o;
}

/*
 * First-layer weight gradient from CSR rows, O(nnz x o): the lane sums of
 * lane_dot() (row r of the batch goes to lane r % WL, rows in order, fused
 * multiply-adds from +0), one row of o sums per (touched feature, lane)
 * that occurs (lane_row(); a first write starts from +0, so nothing needs
 * zeroing, and a lane never written stands for +0). Rows without the
 * feature add exact zeros in the dense kernels, so lane_sum() of these
 * gives the dense gradient's bits. dzr: o doubles.
 */
GENRE_KERNEL
static void csr_weight_grad(const mlp_input *in, const size_t *idx, size_t rows, size_t ld,
                            const double *dzt, size_t o, train_ws *w, double *dzr)
{
    for (size_t r = 0; r < rows; r++) {
        for (size_t j = 0; j < o; j++)
            dzr[j] = dzt[j * ld + r];
        const size_t lane = r % WL;
        for (size_t p = in->row_ptr[idx[r]]; p < in->row_ptr[idx[r] + 1]; p++) {
            const double v = in->values[p];
            int fresh;
            double *a = lane_row(w, w->slot[in->col_idx[p]], lane, o, &fresh);
            if (!fresh) {
                for (size_t j = 0; j < o; j++)
                    a[j] = MADD(v, dzr[j], a[j]);
            } else {
                for (size_t j = 0; j < o; j++)
                    a[j] = MADD(v, dzr[j], 0.0);
            }
        }
    }
}

/* First layer's gradient (dz: o x ld) from a CSR batch: db into w->grad;
 * dW with its L2 term into w->grad too (zeros where no feature occurs)
 * unless lazy; when lazy, dW's row of touched feature s (with its L2 term)
 * goes to lane_acc + s * o instead (compact: the optimiser then reads one
 * scattered row fewer per feature). */
static void csr_first_layer_grad(const mlp_net *n, const mlp_params *p, const fit_data *fd,
                                 const size_t *idx, size_t rows, size_t ld, const double *dz,
                                 train_ws *w)
{
    const size_t o = n->width[1], n_in = n->width[0];
    const double *w0 = n->params + n->w_off[0];
    double *gw = w->grad + n->w_off[0];
    csr_touch(w, &fd->in, idx, rows);
    const size_t nt = w->n_touched;
    csr_weight_grad(&fd->in, idx, rows, ld, dz, o, w, w->rowbuf);
    if (!w->lazy)
        memset(gw, 0, n_in * o * sizeof(double));
    for (size_t s = 0; s < nt; s++) {
        const unsigned char u = w->lane_used[s];
        if (w->lazy && (u & (u - 1u)) == 0)
            continue; /* one lane, in the compact row: (a + 0) + (0 + 0) == a (a is never -0) */
        const double *a[WL];
        for (size_t l = 0; l < WL; l++)
            a[l] = (u >> l) & 1u ? w->lane_acc + w->lane_row[s * WL + l] * o : w->zeros;
        /* lazy: into the compact row, one of the lanes (read before written) */
        double *g = w->lazy ? w->lane_acc + s * o : gw + w->touched[s] * o;
        for (size_t j = 0; j < o; j++)
            g[j] = (a[0][j] + a[2][j]) + (a[1][j] + a[3][j]);
    }
    bias_grad(dz, ld, o, w->grad + n->b_off[0]);
    if (p->l2 > 0.0) {
        if (w->lazy) {
            for (size_t s = 0; s < nt; s++) {
                const double *wr = w0 + w->touched[s] * o;
                double *g = w->lane_acc + s * o;
                for (size_t j = 0; j < o; j++)
                    g[j] += p->l2 * wr[j];
            }
        } else {
            for (size_t i = 0; i < n_in * o; i++)
                gw[i] += p->l2 * w0[i];
        }
    }
}

/*
 * Forward and backward over the batch rows idx[0..rows): fills w->grad with
 * the gradient of the mean loss (+ L2) and returns the mean data loss in
 * *loss, both means over `norm` rows (rows itself, or the whole mini-batch
 * when this is one thread's share of it). rng drives dropout (NULL or p ==
 * 0: no dropout).
 */
/* grad += l2 * W for layer l's weights (not its biases); nothing when l2 = 0. */
static void add_l2(const mlp_net *n, size_t l, double l2, const double *params, double *grad)
{
    if (l2 <= 0.0)
        return;
    const double *wl = params + n->w_off[l];
    double *gl = grad + n->w_off[l];
    for (size_t i = 0; i < n->width[l] * n->width[l + 1]; i++)
        gl[i] += l2 * wl[i];
}

static genre_status batch_grad(const mlp_net *n, const mlp_params *p, const fit_data *fd,
                               const size_t *idx, size_t rows, size_t norm, train_ws *w,
                               genre__rng *rng, double *loss)
{
    /* All arrays below are feature-major: (width x rows). */
    const size_t L = n->n_layers, n_in = n->width[0], k = n->width[L];
    const double *params = n->params;
    const int drop = p->dropout > 0.0 && rng != NULL;
    const double keep_scale = drop ? 1.0 / (1.0 - p->dropout) : 1.0;
    const int relu = n->activation == GENRE_MLP_ACT_RELU;
    genre_status st;

    const size_t ld = padded_rows(rows); /* row stride of every array below */
    const int csr = fd->in.row_ptr != NULL;
    if (!csr)
        gather_rows(fd->in.x, fd->in.stride, idx, rows, n_in, w->x0, ld);
    const double *a = w->x0;
    for (size_t l = 0; l < L; l++) {
        size_t in = n->width[l], o = n->width[l + 1];
        double *z = l + 1 == L ? w->zout : w->h[l];
        if (l == 0 && csr) {
            csr_forward(&fd->in, idx, 0, rows, ld, params + n->w_off[0], params + n->b_off[0],
                        o, z, l + 1 < L && relu, w->rowbuf);
            st = GENRE_OK;
        } else {
            st = dense_forward(use_builtin(n, l), a, ld, in, params + n->w_off[l],
                               params + n->b_off[l], o, z, l + 1 < L && relu);
        }
        if (st != GENRE_OK)
            return st;
        if (l + 1 < L) {
            if (!relu)
                activate(n->activation, z, ld * o);
            if (drop) {
                dropout_forward(rng, p->dropout, keep_scale, z, w->mask[l], w->d[l], ld * o);
                a = w->d[l];
            } else {
                a = z;
            }
        }
    }

    /* Output layer: loss and dZ into g1. */
    double total = 0.0, *dz = w->g1;
    const double *zo = w->zout;
    if (n->task == GENRE_MLP_TASK_CLASSIFICATION) {
        const double inv = 1.0 / (double)norm;
        double *mx = w->rowtmp, *sum = w->rowtmp + ld;
        softmax_parts(zo, ld, k, dz, mx, sum);
        for (size_t r = 0; r < rows; r++) {
            size_t y = (size_t)fd->labels[idx[r]];
            total += log(sum[r]) + mx[r] - zo[y * ld + r];
            sum[r] = inv / sum[r];
        }
        for (size_t r = rows; r < ld; r++)
            sum[r] = 0.0; /* padding rows: zero gradient */
        scale_cols(dz, ld, k, sum);
        for (size_t r = 0; r < rows; r++)
            dz[(size_t)fd->labels[idx[r]] * ld + r] -= inv;
        *loss = total * inv;
    } else {
        const double inv = 1.0 / ((double)norm * (double)k);
        for (size_t r = 0; r < rows; r++) {
            const double *yr = fd->y + idx[r] * k;
            for (size_t j = 0; j < k; j++) {
                double diff = zo[j * ld + r] - yr[j];
                total += diff * diff;
                dz[j * ld + r] = 2.0 * diff * inv;
            }
        }
        for (size_t j = 0; j < k; j++)
            for (size_t r = rows; r < ld; r++)
                dz[j * ld + r] = 0.0; /* padding rows: zero gradient */
        *loss = total * inv;
    }

    /* Backward. */
    for (size_t l = L; l-- > 0;) {
        size_t in = n->width[l], o = n->width[l + 1];
        if (l == 0 && csr) {
            csr_first_layer_grad(n, p, fd, idx, rows, ld, dz, w);
            break;
        }
        const double *al = l == 0 ? w->x0 : w->d[l - 1];
        int builtin = use_builtin(n, l);
        st = dense_weight_grad(builtin, al, ld, in, dz, o, w->grad + n->w_off[l],
                               w->grad + n->b_off[l]);
        if (st != GENRE_OK)
            return st;
        add_l2(n, l, p->l2, params, w->grad);
        if (l == 0)
            break; /* no gradient for the input itself */
        double *da = dz == w->g1 ? w->g2 : w->g1;
        /* ReLU's derivative is fused into the product unless dropout comes between */
        const int fuse = relu && !drop;
        st = dense_input_grad(builtin, dz, ld, o, params + n->w_off[l], in, da,
                              fuse ? w->h[l - 1] : NULL);
        if (st != GENRE_OK)
            return st;
        hidden_backward(n->activation, fuse, drop ? w->mask[l - 1] : NULL, w->h[l - 1], da,
                        ld * in);
        dz = da;
    }
    return GENRE_OK;
}

/* Validation loss and accuracy. */
static genre_status evaluate(const mlp_net *n, const fit_data *fd, train_ws *w, double *loss,
                             double *acc)
{
    size_t k = n->width[n->n_layers];
    double total = 0.0;
    size_t correct = 0;
    for (size_t r0 = 0; r0 < fd->n_val; r0 += BLOCK_ROWS) {
        size_t rows = fd->n_val - r0 < BLOCK_ROWS ? fd->n_val - r0 : BLOCK_ROWS;
        const double *zt;
        genre_status st = forward_infer(n, &fd->val, r0, rows, n->n_layers, w->val_bufs, &zt);
        if (st != GENRE_OK)
            return st;
        for (size_t r = 0; r < rows; r++) {
            if (n->task == GENRE_MLP_TASK_CLASSIFICATION) {
                size_t y = (size_t)fd->labels_val[r0 + r], best = 0;
                for (size_t j = 0; j < k; j++)
                    w->val_out[j] = zt[j * rows + r];
                best = argmax(w->val_out, k);
                double s = 0.0;
                for (size_t j = 0; j < k; j++)
                    s += exp(w->val_out[j] - w->val_out[best]);
                total += log(s) + w->val_out[best] - w->val_out[y];
                correct += best == y;
            } else {
                const double *yr = fd->y_val + (r0 + r) * k;
                for (size_t j = 0; j < k; j++)
                    total += (zt[j * rows + r] - yr[j]) * (zt[j * rows + r] - yr[j]);
            }
        }
    }
    if (n->task == GENRE_MLP_TASK_CLASSIFICATION) {
        *loss = total / (double)fd->n_val;
        *acc = (double)correct / (double)fd->n_val;
    } else {
        *loss = total / ((double)fd->n_val * (double)k);
        *acc = NAN;
    }
    return GENRE_OK;
}

static void log_msg(const genre_mlp *m, int32_t level, const char *fmt, ...) GENRE_PRINTF(3, 4);
static void log_msg(const genre_mlp *m, int32_t level, const char *fmt, ...)
{
    if (!m->log)
        return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    m->log(m->log_data, level, buf);
}

/* One Adam update (PyTorch's form, bias corrections folded into step and
 * bc2); correctly rounded operations only, so every clone gives the same bits. */
GENRE_KERNEL
static void adam_step(double *par, const double *g, double *m1, double *m2, size_t np,
                      double b1, double b2, double step, double bc2, double e)
{
    for (size_t i = 0; i < np; i++) {
        m1[i] = b1 * m1[i] + (1.0 - b1) * g[i];
        m2[i] = b2 * m2[i] + (1.0 - b2) * g[i] * g[i];
        par[i] -= step * m1[i] / (sqrt(m2[i]) / bc2 + e);
    }
}

/* One optimiser step on np parameters (Adam's bias corrections from
 * b1t = beta1^t, b2t = beta2^t; SGD's first step sets v = g). */
static void opt_step(const mlp_params *p, double lr, uint64_t t, double b1t, double b2t,
                     double *par, const double *g, double *m1, double *m2, size_t np)
{
    if (p->optimizer == GENRE_MLP_OPT_ADAM) {
        const double b1 = p->beta1, b2 = p->beta2, e = p->eps;
        const double step = lr / (1.0 - b1t), bc2 = sqrt(1.0 - b2t);
#if GENRE_MLP_AVX2
        if (have_avx2())
            adam_step_avx2(par, g, m1, m2, np, b1, b2, step, bc2, e);
        else
#endif
            adam_step(par, g, m1, m2, np, b1, b2, step, bc2, e);
    } else {
        const double mu = p->momentum;
        for (size_t i = 0; i < np; i++) {
            m1[i] = t == 1 ? g[i] : mu * m1[i] + g[i];
            par[i] -= lr * m1[i];
        }
    }
}

/* ---- Float compute mode (GENRE_MLP_PRECISION_FLOAT, 0.3) ------------------
 *
 * Mixed precision: the master weights, the optimiser state and the step
 * stay double (mlp_net, train_ws); a mini-batch runs forward and backward in
 * float on a float copy of the weights (f32_ctx.par, refreshed after every
 * step) and of the training rows (f32_ctx.x, converted once per fit), into
 * float workspaces (train_wsf, one per chunk). The chunk gradients are
 * converted to double and summed in chunk order, then the L2 term is added
 * in double (f32_reduce). The portable kernels are the float instance of
 * lib/mlp_kernels.inc (the same layout: feature-major, padded rows; the
 * same fused ReLU, fused multiply-adds in a fixed order, reductions over
 * rows in WLF = 8 fixed lanes, one AVX2 vector); the AVX2 ones below are
 * blocked for 8-float vectors and give the same bits (tests/test_mlp.c
 * compares them).
 */

#define LOSS_ROWS 32 /* rows per log of the float training loss */

#if GENRE_MLP_AVX2
/* zt[j + q][r0 .. r0 + 8 V) for q < M: M outputs x V vectors of 8 rows. */
AVX2_INLINE void fwdf_block(const float *at, size_t n, size_t in, const float *w,
                            const float *b, size_t o, float *zt, int relu, size_t r0, size_t j,
                            const size_t M, const size_t V)
{
    __m256 c[4][2];
    for (size_t q = 0; q < M; q++)
        for (size_t v = 0; v < V; v++)
            c[q][v] = _mm256_broadcast_ss(b + j + q);
    for (size_t k = 0; k < in; k++) {
        const float *ak = at + k * n + r0, *wk = w + k * o + j;
        __m256 x[2];
        for (size_t v = 0; v < V; v++)
            x[v] = _mm256_loadu_ps(ak + 8 * v);
        for (size_t q = 0; q < M; q++) {
            const __m256 s = _mm256_broadcast_ss(wk + q);
            for (size_t v = 0; v < V; v++)
                c[q][v] = _mm256_fmadd_ps(s, x[v], c[q][v]);
        }
    }
    for (size_t q = 0; q < M; q++)
        for (size_t v = 0; v < V; v++) {
            __m256 y = c[q][v];
            if (relu) /* +0 for NaN, -0 and negatives, as y > 0 ? y : 0 */
                y = _mm256_max_ps(y, _mm256_setzero_ps());
            _mm256_storeu_ps(zt + (j + q) * n + r0 + 8 * v, y);
        }
}

AVX2_INLINE void fwdf_rows(const float *at, size_t n, size_t in, const float *w,
                           const float *b, size_t o, float *zt, int relu, size_t r0,
                           const size_t V)
{
    size_t j = 0;
    for (; j + 4 <= o; j += 4)
        fwdf_block(at, n, in, w, b, o, zt, relu, r0, j, 4, V);
    switch (o - j) {
    case 3: fwdf_block(at, n, in, w, b, o, zt, relu, r0, j, 3, V); break;
    case 2: fwdf_block(at, n, in, w, b, o, zt, relu, r0, j, 2, V); break;
    case 1: fwdf_block(at, n, in, w, b, o, zt, relu, r0, j, 1, V); break;
    default: break;
    }
}

AVX2_FN
static void fwdf_avx2(const float *at, size_t n, size_t in, const float *w, const float *b,
                      size_t o, float *zt, int relu)
{
    size_t r0 = 0;
    for (; r0 + 16 <= n; r0 += 16)
        fwdf_rows(at, n, in, w, b, o, zt, relu, r0, 2);
    for (; r0 + 8 <= n; r0 += 8)
        fwdf_rows(at, n, in, w, b, o, zt, relu, r0, 1);
    fwd_rowsf(at, n, in, w, b, o, zt, relu, r0);
}

/* dat[k + q][r0 .. r0 + 8 V) for q < M. */
AVX2_INLINE void input_gradf_block(const float *dzt, size_t n, size_t o, const float *w,
                                   float *dat, const float *h, size_t r0, size_t k,
                                   const size_t M, const size_t V)
{
    __m256 c[4][2];
    for (size_t q = 0; q < M; q++)
        for (size_t v = 0; v < V; v++)
            c[q][v] = _mm256_setzero_ps();
    const float *w0 = w + k * o;
    for (size_t j = 0; j < o; j++) {
        const float *dj = dzt + j * n + r0;
        __m256 x[2];
        for (size_t v = 0; v < V; v++)
            x[v] = _mm256_loadu_ps(dj + 8 * v);
        for (size_t q = 0; q < M; q++) {
            const __m256 s = _mm256_broadcast_ss(w0 + q * o + j);
            for (size_t v = 0; v < V; v++)
                c[q][v] = _mm256_fmadd_ps(s, x[v], c[q][v]);
        }
    }
    for (size_t q = 0; q < M; q++) {
        const size_t off = (k + q) * n + r0;
        for (size_t v = 0; v < V; v++) {
            __m256 y = c[q][v];
            if (h) /* h > 0 ? y : 0 */
                y = _mm256_and_ps(_mm256_cmp_ps(_mm256_loadu_ps(h + off + 8 * v),
                                                _mm256_setzero_ps(), _CMP_GT_OQ),
                                  y);
            _mm256_storeu_ps(dat + off + 8 * v, y);
        }
    }
}

AVX2_INLINE void input_gradf_rows(const float *dzt, size_t n, size_t o, const float *w,
                                  size_t in, float *dat, const float *h, size_t r0,
                                  const size_t V)
{
    size_t k = 0;
    for (; k + 4 <= in; k += 4)
        input_gradf_block(dzt, n, o, w, dat, h, r0, k, 4, V);
    switch (in - k) {
    case 3: input_gradf_block(dzt, n, o, w, dat, h, r0, k, 3, V); break;
    case 2: input_gradf_block(dzt, n, o, w, dat, h, r0, k, 2, V); break;
    case 1: input_gradf_block(dzt, n, o, w, dat, h, r0, k, 1, V); break;
    default: break;
    }
}

AVX2_FN
static void input_gradf_avx2(const float *dzt, size_t n, size_t o, const float *w, size_t in,
                             float *dat, const float *h)
{
    size_t r0 = 0;
    for (; r0 + 16 <= n; r0 += 16)
        input_gradf_rows(dzt, n, o, w, in, dat, h, r0, 2);
    for (; r0 + 8 <= n; r0 += 8)
        input_gradf_rows(dzt, n, o, w, in, dat, h, r0, 1);
    input_grad_rowsf(dzt, n, o, w, in, dat, h, r0);
}

#endif

static void dense_forwardf(const float *at, size_t n, size_t in, const float *w,
                           const float *b, size_t o, float *zt, int relu)
{
    BUILTIN_KERNEL(fwdf_avx2, fwd_portablef, at, n, in, w, b, o, zt, relu);
}

static void dense_weight_gradf(const float *at, size_t n, size_t in, const float *dzt,
                               size_t o, float *dw, float *db)
{
    BUILTIN_KERNEL(weight_grad_avx2f, weight_grad_portablef, at, n, in, dzt, o, dw, db);
}

static void dense_input_gradf(const float *dzt, size_t n, size_t o, const float *w,
                              size_t in, float *dat, const float *relu_h)
{
    BUILTIN_KERNEL(input_gradf_avx2, input_grad_portablef, dzt, n, o, w, in, dat, relu_h);
}

/* Float scratch of one chunk of a batch (the float twin of train_ws's
 * batch arrays), in one allocation. */
typedef struct train_wsf {
    float *block;
    float *x0;          /* gathered input, n_in x ld */
    float **h, **d, **mask; /* per hidden layer, as in train_ws */
    float *zout, *g1, *g2;
    float *grad;        /* n_params */
    float *rowtmp;      /* 2 x ld */
    void *ptrs;
} train_wsf;

static void wsf_free(train_wsf *w)
{
    genre__free(w->block);
    genre__free(w->ptrs);
    memset(w, 0, sizeof *w);
}

static genre_status wsf_alloc(train_wsf *w, const mlp_net *n, size_t rows, int dropout)
{
    memset(w, 0, sizeof *w);
    const size_t ld = padded_rows(rows), L = n->n_layers;
    const size_t total =
        ld * n->width[0] + batch_array_count(n, ld, dropout) + n->n_params + 2 * ld;
    w->block = genre__calloc_array(total, sizeof(float));
    w->ptrs = genre__calloc_array(3 * L + 1, sizeof(float *));
    if (!w->block || !w->ptrs) {
        wsf_free(w);
        return GENRE_E_NOMEM;
    }
    w->h = w->ptrs;
    w->d = w->h + L;
    w->mask = w->d + L;
    float *p = w->block;
    w->x0 = p;
    p += ld * n->width[0];
    p = carve_batch_arraysf(n, ld, dropout, p, w->h, w->d, w->mask, &w->zout, &w->g1, &w->g2);
    w->grad = p;
    p += n->n_params;
    w->rowtmp = p;
    return GENRE_OK;
}

/* What a float fit holds beside the double one: the training rows and the
 * weights in float, and one workspace per chunk of a batch. */
typedef struct f32_ctx {
    float *x;          /* n_rows x n_cols, contiguous */
    float *par;        /* n_params: float copy of the master weights */
    train_wsf *ws;     /* T */
    int T;
} f32_ctx;

static void f32_free(f32_ctx *c)
{
    for (int t = 0; c->ws && t < c->T; t++)
        wsf_free(&c->ws[t]);
    genre__free(c->ws);
    genre__free(c->x);
    genre__free(c->par);
    memset(c, 0, sizeof *c);
}

static void f32_refresh(f32_ctx *c, const mlp_net *n)
{
    for (size_t i = 0; i < n->n_params; i++)
        c->par[i] = (float)n->params[i];
}

/* A float context for T chunks of a `batch`-row mini-batch. */
static genre_status f32_new(f32_ctx *c, const mlp_net *n, const fit_data *fd, size_t batch,
                            int T, int dropout)
{
    memset(c, 0, sizeof *c);
    const size_t nr = fd->n_rows, nc = fd->n_cols;
    c->x = nr <= SIZE_MAX / nc ? genre__alloc_array(nr * nc, sizeof(float)) : NULL;
    c->par = genre__alloc_array(n->n_params, sizeof(float));
    c->ws = genre__calloc_array((size_t)T, sizeof *c->ws);
    if (!c->x || !c->par || !c->ws) {
        f32_free(c);
        return GENRE_E_NOMEM;
    }
    c->T = T;
    const size_t chunk = (batch + (size_t)T - 1) / (size_t)T;
    for (int t = 0; t < T; t++)
        if (wsf_alloc(&c->ws[t], n, chunk, dropout) != GENRE_OK) {
            f32_free(c);
            return GENRE_E_NOMEM;
        }
    for (size_t i = 0; i < nr; i++)
        for (size_t k = 0; k < nc; k++)
            c->x[i * nc + k] = (float)fd->in.x[i * fd->in.stride + k];
    f32_refresh(c, n);
    return GENRE_OK;
}

/*
 * batch_grad() in float for dense input: w->grad (float) receives the
 * gradient of the mean data loss over `norm` rows, without the L2 term
 * (f32_reduce() adds it in double); *loss the mean data loss, accumulated
 * in double from the float logits.
 */
static genre_status batch_gradf(const mlp_net *n, const mlp_params *p, const fit_data *fd,
                                const f32_ctx *c, const size_t *idx, size_t rows, size_t norm,
                                train_wsf *w, genre__rng *rng, double *loss)
{
    const size_t L = n->n_layers, n_in = n->width[0], k = n->width[L];
    const float *par = c->par;
    const int drop = p->dropout > 0.0 && rng != NULL;
    const float keep_scale = drop ? (float)(1.0 / (1.0 - p->dropout)) : 1.0f;
    const int relu = n->activation == GENRE_MLP_ACT_RELU;
    const size_t ld = padded_rows(rows);
    gather_rowsf(c->x, n_in, idx, rows, n_in, w->x0, ld);
    const float *a = w->x0;
    for (size_t l = 0; l < L; l++) {
        const size_t in = n->width[l], o = n->width[l + 1];
        float *z = l + 1 == L ? w->zout : w->h[l];
        dense_forwardf(a, ld, in, par + n->w_off[l], par + n->b_off[l], o, z, l + 1 < L && relu);
        if (l + 1 < L) {
            if (!relu)
                activatef(n->activation, z, ld * o);
            if (drop) {
                dropout_forwardf(rng, p->dropout, keep_scale, z, w->mask[l], w->d[l], ld * o);
                a = w->d[l];
            } else {
                a = z;
            }
        }
    }

    double total = 0.0;
    float *dz = w->g1;
    const float *zo = w->zout;
    if (n->task == GENRE_MLP_TASK_CLASSIFICATION) {
        const float inv = (float)(1.0 / (double)norm);
        float *mx = w->rowtmp, *sum = w->rowtmp + ld;
        softmax_partsf(zo, ld, k, dz, mx, sum);
        /* sum_r log(s_r) as the logs of products of LOSS_ROWS sums (1 <= s_r
         * <= k <= 2^16, so a product stays below 2^512): one log per
         * LOSS_ROWS rows instead of one per row (3% of a 1-thread fit) */
        double prod = 1.0;
        for (size_t r = 0; r < rows; r++) {
            const size_t y = (size_t)fd->labels[idx[r]];
            prod *= (double)sum[r];
            total += (double)mx[r] - (double)zo[y * ld + r];
            if (r % LOSS_ROWS == LOSS_ROWS - 1) {
                total += log(prod);
                prod = 1.0;
            }
            sum[r] = inv / sum[r];
        }
        total += log(prod);
        for (size_t r = rows; r < ld; r++)
            sum[r] = 0.0f;
        scale_colsf(dz, ld, k, sum);
        for (size_t r = 0; r < rows; r++)
            dz[(size_t)fd->labels[idx[r]] * ld + r] -= inv;
        *loss = total / (double)norm;
    } else {
        const double invd = 1.0 / ((double)norm * (double)k);
        const float inv2 = (float)(2.0 * invd);
        for (size_t r = 0; r < rows; r++) {
            const double *yr = fd->y + idx[r] * k;
            for (size_t j = 0; j < k; j++) {
                const float diff = zo[j * ld + r] - (float)yr[j];
                total += (double)diff * (double)diff;
                dz[j * ld + r] = diff * inv2;
            }
        }
        for (size_t j = 0; j < k; j++)
            for (size_t r = rows; r < ld; r++)
                dz[j * ld + r] = 0.0f;
        *loss = total * invd;
    }

    for (size_t l = L; l-- > 0;) {
        const size_t in = n->width[l], o = n->width[l + 1];
        const float *al = l == 0 ? w->x0 : w->d[l - 1];
        dense_weight_gradf(al, ld, in, dz, o, w->grad + n->w_off[l], w->grad + n->b_off[l]);
        if (l == 0)
            break;
        float *da = dz == w->g1 ? w->g2 : w->g1;
        const int fuse = relu && !drop;
        dense_input_gradf(dz, ld, o, par + n->w_off[l], in, da, fuse ? w->h[l - 1] : NULL);
        hidden_backwardf(n->activation, fuse, drop ? w->mask[l - 1] : NULL, w->h[l - 1], da,
                         ld * in);
        dz = da;
    }
    return GENRE_OK;
}

/* g (double) = the float gradients of chunks 0 .. T-1 summed in chunk
 * order, plus l2 * w for every weight. */
static void f32_reduce(const mlp_net *n, const mlp_params *p, const f32_ctx *c, int T,
                       double *g)
{
    const size_t np = n->n_params;
    const float *g0 = c->ws[0].grad;
    for (size_t i = 0; i < np; i++)
        g[i] = (double)g0[i];
    for (int t = 1; t < T; t++) {
        const float *gt = c->ws[t].grad;
        for (size_t i = 0; i < np; i++)
            g[i] += (double)gt[i];
    }
    for (size_t l = 0; l < n->n_layers; l++)
        add_l2(n, l, p->l2, n->params, g);
}

/* One mini-batch on the calling thread, in double or (f32 non-NULL) float:
 * the gradient, L2 included, lands in w->grad. */
static genre_status single_batch(const mlp_net *n, const mlp_params *p, const fit_data *fd,
                                 const f32_ctx *f32, const size_t *idx, size_t rows,
                                 train_ws *w, genre__rng *rng, double *loss)
{
    if (!f32)
        return batch_grad(n, p, fd, idx, rows, rows, w, rng, loss);
    genre_status st = batch_gradf(n, p, fd, f32, idx, rows, rows, f32->ws, rng, loss);
    f32_reduce(n, p, f32, 1, w->grad);
    return st;
}

/* ---- Data-parallel mini-batches ------------------------------------------ */

/*
 * A fit on T > 1 threads (dense input, built-in kernels): the rows of each
 * mini-batch are cut into T contiguous chunks, chunk t = [rows*t/T,
 * rows*(t+1)/T) (T = min(threads, rows) for a short last batch); worker t
 * runs forward and backward on its chunk into its own workspace, with the
 * loss and gradient normalised by the whole batch; the caller then sums the
 * gradients and losses in worker order (0 + 1 + ...) and takes the optimiser
 * step. Only worker 0 adds the L2 term. Dropout masks of worker t come from
 * stream STREAM_DROPOUT_WORKER + t of the seed. So a fit gives the same bits
 * for a given seed and thread count, and differs from the 1-thread fit only
 * by the grouping of the gradient sums (and by its dropout masks).
 */
typedef struct team_job {
    const mlp_net *n;
    const mlp_params *p, *p_rest; /* worker 0; the others (no L2) */
    const fit_data *fd;
    train_ws *ws;      /* T workspaces; ws[0] is the fit's own */
    genre__rng *rng;   /* T dropout streams */
    double *loss;      /* T */
    genre_status *st;  /* T */
    const size_t *idx; /* the batch */
    size_t rows;
    int T, t_eff;
    genre__team *team;
    f32_ctx *f32;      /* float mode: its T workspaces (ws[1..T) unused) */
} team_job;

static void team_job_free(team_job *j)
{
    genre__team_free(j->team);
    for (int t = 1; j->ws && t < j->T; t++)
        ws_free(&j->ws[t]);
    genre__free(j->ws);
    genre__free(j->rng);
    genre__free(j->loss);
    genre__free(j->st);
    memset(j, 0, sizeof *j);
}

/* Sets up T workers around the fit's workspace w (batch rows). */
static genre_status team_job_new(team_job *j, const mlp_net *n, const mlp_params *p,
                                 const mlp_params *p_rest, const fit_data *fd,
                                 const train_ws *w, size_t batch, int T, f32_ctx *f32)
{
    memset(j, 0, sizeof *j);
    j->f32 = f32;
    j->n = n;
    j->p = p;
    j->p_rest = p_rest;
    j->fd = fd;
    j->T = T;
    j->ws = genre__calloc_array((size_t)T, sizeof *j->ws);
    j->rng = genre__alloc_array((size_t)T, sizeof *j->rng);
    j->loss = genre__alloc_array((size_t)T, sizeof *j->loss);
    j->st = genre__alloc_array((size_t)T, sizeof *j->st);
    if (!j->ws || !j->rng || !j->loss || !j->st) {
        team_job_free(j);
        return GENRE_E_NOMEM;
    }
    j->ws[0] = *w;
    /* the largest chunk: ceil(batch / T) rows; no permutation needed */
    fit_data fdw = *fd;
    fdw.n_rows = (batch + (size_t)T - 1) / (size_t)T;
    for (int t = 1; t < T && !f32; t++) {
        genre_status st = ws_alloc(&j->ws[t], n, fdw.n_rows, &fdw, p->dropout > 0.0, 0, 0);
        if (st != GENRE_OK) {
            for (int u = 1; u < t; u++)
                ws_free(&j->ws[u]);
            j->T = 1; /* the rest were never allocated */
            team_job_free(j);
            return st;
        }
    }
    for (int t = 0; t < T; t++)
        genre__rng_init(&j->rng[t], (uint64_t)p->seed, STREAM_DROPOUT_WORKER + (uint64_t)t);
    genre_status st = genre__team_new(T, &j->team);
    if (st != GENRE_OK) {
        team_job_free(j);
        return st;
    }
    return GENRE_OK;
}

static void team_body(void *ctx, int t)
{
    team_job *j = ctx;
    const size_t T = (size_t)j->t_eff, b = j->rows * (size_t)t / T,
                 e = j->rows * ((size_t)t + 1) / T;
    if (j->f32)
        j->st[t] = batch_gradf(j->n, j->p, j->fd, j->f32, j->idx + b, e - b, j->rows,
                               &j->f32->ws[t], &j->rng[t], &j->loss[t]);
    else
        j->st[t] = batch_grad(j->n, t == 0 ? j->p : j->p_rest, j->fd, j->idx + b, e - b,
                              j->rows, &j->ws[t], &j->rng[t], &j->loss[t]);
}

/* One mini-batch on the team: the summed gradient lands in ws[0].grad. */
static genre_status team_batch(team_job *j, const size_t *idx, size_t rows, double *loss)
{
    j->idx = idx;
    j->rows = rows;
    j->t_eff = rows < (size_t)j->T ? (int)rows : j->T;
    genre__team_run(j->team, j->t_eff, team_body, j);
    for (int t = 0; t < j->t_eff; t++)
        if (j->st[t] != GENRE_OK)
            return j->st[t];
    double *g = j->ws[0].grad, total = j->loss[0];
    for (int t = 1; t < j->t_eff; t++)
        total += j->loss[t];
    if (j->f32) {
        f32_reduce(j->n, j->p, j->f32, j->t_eff, g);
    } else {
        const size_t np = j->n->n_params;
        for (int t = 1; t < j->t_eff; t++) {
            const double *gt = j->ws[t].grad;
            for (size_t i = 0; i < np; i++)
                g[i] += gt[i];
        }
    }
    *loss = total;
    return GENRE_OK;
}

/* Threads for a fit: 1 for CSR input and whenever a layer goes through
 * CBLAS (THE RULE); else GENRE_MLP_N_THREADS, where 0 (auto) means
 * min(online cores, 2, batch / 128), measured on the 2-core bench machine
 * (bench/bench_mlp.c); never more than the batch's rows. */
static int fit_threads(const mlp_net *n, const mlp_params *p, const fit_data *fd, size_t batch)
{
    if (fd->in.row_ptr != NULL)
        return 1;
    for (size_t l = 0; p->precision != GENRE_MLP_PRECISION_FLOAT && l < n->n_layers; l++)
        if (!use_builtin(n, l))
            return 1; /* float fits have their own kernels only */
    int T = genre__resolve_threads(p->n_threads);
    if (T < 1)
        return 1; /* cannot happen: the setter rejects negative values */
    if (p->n_threads == 0) {
        if (T > 2)
            T = 2;
        if ((size_t)T > batch / 128)
            T = batch / 128 > 0 ? (int)(batch / 128) : 1;
    }
    if ((size_t)T > batch)
        T = (int)batch;
    return T;
}

static genre_status train(genre_mlp *model, const char *func, int32_t task, size_t n_out,
                          const fit_data *fd)
{
    const mlp_params *p = &model->p;
    size_t L = model->n_hidden + 1;
    size_t widths[MAX_HIDDEN + 2];
    widths[0] = fd->n_cols;
    for (size_t l = 0; l < model->n_hidden; l++)
        widths[l + 1] = (size_t)model->hidden[l];
    widths[L] = n_out;
    if (p->patience > 0 && !fd->has_val)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "GENRE_MLP_PATIENCE = %lld needs validation data",
                           (long long)p->patience);

    mlp_net *n = NULL;
    genre_status st = net_new(func, widths, L, task, (int32_t)p->activation,
                              (int32_t)p->kernel, (size_t)p->epochs, &n);
    if (st != GENRE_OK)
        return st;
    init_params(n, p);
    size_t batch = (p->batch == 0 || (uint64_t)p->batch >= fd->n_rows) ? fd->n_rows
                                                                      : (size_t)p->batch;
    train_ws w;
    st = ws_alloc(&w, n, batch, fd, p->dropout > 0.0, p->patience > 0, (int)p->sparse_update);
    if (st != GENRE_OK) {
        net_free(n);
        return st;
    }
    const int T = fit_threads(n, p, fd, batch);
    mlp_params p_rest = *p;
    p_rest.l2 = 0.0;
    team_job job;
    memset(&job, 0, sizeof job);
    f32_ctx fc;
    memset(&fc, 0, sizeof fc);
    const int f32 = p->precision == GENRE_MLP_PRECISION_FLOAT;
    if (f32) {
        st = f32_new(&fc, n, fd, batch, T, p->dropout > 0.0);
        if (st != GENRE_OK) {
            ws_free(&w);
            net_free(n);
            return st;
        }
    }
    if (T > 1) {
        st = team_job_new(&job, n, p, &p_rest, fd, &w, batch, T, f32 ? &fc : NULL);
        if (st != GENRE_OK) {
            f32_free(&fc);
            ws_free(&w);
            net_free(n);
            return st == GENRE_E_NOMEM ? genre__fail(st, func, "cannot allocate %d training "
                                                     "threads' workspaces", T)
                                       : st;
        }
    }
    genre__rng shuffle_rng, drop_rng;
    genre__rng_init(&shuffle_rng, (uint64_t)p->seed, STREAM_SHUFFLE);
    genre__rng_init(&drop_rng, (uint64_t)p->seed, STREAM_DROPOUT);

    const size_t E = (size_t)p->epochs, np = n->n_params;
    double *hist_train = n->hist, *hist_val = n->hist + E, *hist_acc = n->hist + 2 * E;
    double best_val = HUGE_VAL;
    size_t best_epoch = 0, wait = 0, epoch = 0;
    int stopped = 0;
    uint64_t t = 0; /* optimiser steps */
    double b1t = 1.0, b2t = 1.0;

    for (epoch = 1; epoch <= E && st == GENRE_OK; epoch++) {
        double lr = p->lr;
        if (p->schedule == GENRE_MLP_SCHEDULE_COSINE)
            lr = p->lr * 0.5 * (1.0 + cos(PI_CONST * (double)(epoch - 1) / (double)E));
        if (p->shuffle)
            genre__rng_shuffle_size(&shuffle_rng, w.perm, fd->n_rows);
        double sum_loss = 0.0;
        for (size_t r0 = 0; r0 < fd->n_rows; r0 += batch) {
            size_t rows = fd->n_rows - r0 < batch ? fd->n_rows - r0 : batch;
            double loss;
            if (T > 1) {
                st = team_batch(&job, w.perm + r0, rows, &loss);
            } else {
                st = single_batch(n, p, fd, f32 ? &fc : NULL, w.perm + r0, rows, &w, &drop_rng,
                                  &loss);
            }
            if (st != GENRE_OK)
                break;
            if (!isfinite(loss)) {
                st = genre__fail(GENRE_E_NUMERIC, func,
                                 "the training loss became %g at epoch %zu, batch starting "
                                 "at row %zu; lower GENRE_MLP_LEARNING_RATE (%g)",
                                 loss, epoch, r0, p->lr);
                break;
            }
            sum_loss += loss * (double)rows;
            t++;
            double *par = n->params;
            const double *g = w.grad;
            b1t *= p->beta1;
            b2t *= p->beta2;
            if (w.lazy) {
                /* lazy: the rows of W_0 of the batch's features, then the rest */
                const size_t o1 = n->width[1], head = n->b_off[0];
                for (size_t s = 0; s < w.n_touched; s++) {
                    const size_t off = w.touched[s] * o1;
                    opt_step(p, lr, t, b1t, b2t, par + off, w.lane_acc + s * o1,
                             w.m1 + off, w.m2 + off, o1);
                }
                opt_step(p, lr, t, b1t, b2t, par + head, g + head, w.m1 + head,
                         w.m2 + head, np - head);
            } else {
                opt_step(p, lr, t, b1t, b2t, par, g, w.m1, w.m2, np);
            }
            if (f32)
                f32_refresh(&fc, n);
        }
        if (st != GENRE_OK)
            break;
        /* ReLU maps NaN to 0, so a NaN weight need not show in the loss */
        for (size_t i = 0; i < np; i++)
            if (!isfinite(n->params[i])) {
                st = genre__fail(GENRE_E_NUMERIC, func,
                                 "parameter %zu became %g in epoch %zu (non-finite input "
                                 "with GENRE_MLP_VALIDATE_INPUT = 0, or divergence: lower "
                                 "GENRE_MLP_LEARNING_RATE (%g))",
                                 i, n->params[i], epoch, p->lr);
                break;
            }
        if (st != GENRE_OK)
            break;
        size_t e0 = epoch - 1;
        hist_train[e0] = sum_loss / (double)fd->n_rows;
        hist_val[e0] = NAN;
        hist_acc[e0] = NAN;
        n->n_epochs = epoch;
        if (fd->has_val) {
            st = evaluate(n, fd, &w, &hist_val[e0], &hist_acc[e0]);
            if (st != GENRE_OK)
                break;
            if (hist_val[e0] < best_val - p->min_delta) {
                best_val = hist_val[e0];
                best_epoch = epoch;
                wait = 0;
                if (p->patience > 0)
                    memcpy(w.best, n->params, np * sizeof *w.best);
            } else {
                wait++;
            }
        }
        if (model->progress &&
            model->progress(model->progress_data, GENRE_MLP_PHASE_TRAIN, (int64_t)epoch,
                            (int64_t)E, hist_train[e0]) != 0) {
            st = genre__fail(GENRE_E_CANCELLED, func,
                             "cancelled by the progress callback after epoch %zu", epoch);
            break;
        }
        if (p->patience > 0 && wait >= (uint64_t)p->patience) {
            stopped = 1;
            log_msg(model, GENRE_LOG_INFO,
                    "%s: early stop after epoch %zu; best validation loss %g at epoch %zu",
                    func, epoch, best_val, best_epoch);
            break;
        }
    }
    if (T > 1)
        team_job_free(&job);
    f32_free(&fc);
    if (st != GENRE_OK) {
        ws_free(&w);
        net_free(n);
        return st;
    }
    n->best_epoch = (int64_t)n->n_epochs;
    n->stopped_early = stopped;
    if (p->patience > 0 && p->restore_best && best_epoch > 0) {
        memcpy(n->params, w.best, np * sizeof *w.best);
        n->best_epoch = (int64_t)best_epoch;
    }
    /* Compact the history to the epochs run. */
    if (n->n_epochs < E) {
        memmove(n->hist + n->n_epochs, hist_val, n->n_epochs * sizeof(double));
        memmove(n->hist + 2 * n->n_epochs, hist_acc, n->n_epochs * sizeof(double));
    }
    ws_free(&w);
    net_free(model->net);
    model->net = n;
    return GENRE_OK;
}

static genre_status check_fit_common(const char *func, const genre_mlp *model,
                                     const double *x, size_t n_rows, size_t n_cols,
                                     size_t row_stride, const double *x_val,
                                     size_t n_val_rows, size_t val_row_stride,
                                     const void *targets_val)
{
    if (!model)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 'model' is NULL");
    int fin = (int)model->p.validate;
    genre_status st = genre__check_matrix(func, "x", x, n_rows, n_cols, row_stride, fin);
    if (st != GENRE_OK)
        return st;
    if (x_val) {
        st = genre__check_matrix(func, "x_val", x_val, n_val_rows, n_cols, val_row_stride,
                                 fin);
        if (st != GENRE_OK)
            return st;
        if (!targets_val)
            return genre__fail(GENRE_E_INVALID_ARG, func,
                               "x_val is given without its labels or targets");
    }
    return GENRE_OK;
}

/* Checks labels (and labels_val when n_val > 0) and sets *k, the class count. */
static genre_status check_labels(const char *func, const genre_mlp *model,
                                 const int32_t *labels, size_t n_rows,
                                 const int32_t *labels_val, size_t n_val, size_t *k)
{
    int64_t fixed = model->p.n_classes;
    int64_t limit = fixed > 0 ? fixed : MAX_CLASSES;
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    for (size_t i = 0; i < n_rows; i++) {
        if (labels[i] < 0 || labels[i] >= limit)
            return genre__fail(GENRE_E_INVALID_ARG, func,
                               "labels[%zu] = %d is outside [0, %lld)%s", i, (int)labels[i],
                               (long long)limit,
                               fixed > 0 ? " (GENRE_MLP_N_CLASSES)" : "");
        if (labels[i] < lo)
            lo = labels[i];
        if (labels[i] > hi)
            hi = labels[i];
    }
    if (lo == hi)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "all %zu labels are %d: a classifier needs at least two classes",
                           n_rows, (int)lo);
    *k = fixed > 0 ? (size_t)fixed : (size_t)hi + 1;
    for (size_t i = 0; i < n_val; i++)
        if (labels_val[i] < 0 || (size_t)labels_val[i] >= *k)
            return genre__fail(GENRE_E_INVALID_ARG, func,
                               "labels_val[%zu] = %d is outside the %zu classes [0, %zu)", i,
                               (int)labels_val[i], *k, *k);
    return GENRE_OK;
}

genre_status genre_mlp_fit(genre_mlp *model, const double *x, size_t n_rows, size_t n_cols,
                           size_t row_stride, const int32_t *labels, const double *x_val,
                           size_t n_val_rows, size_t val_row_stride,
                           const int32_t *labels_val)
{
    genre_status st = check_fit_common(__func__, model, x, n_rows, n_cols, row_stride, x_val,
                                       n_val_rows, val_row_stride, labels_val);
    if (st != GENRE_OK)
        return st;
    GENRE_CHECK_NOT_NULL(labels);
    size_t k;
    st = check_labels(__func__, model, labels, n_rows, labels_val, x_val ? n_val_rows : 0, &k);
    if (st != GENRE_OK)
        return st;
    fit_data fd = {{x, row_stride, NULL, NULL, NULL},
                   n_rows,
                   n_cols,
                   labels,
                   NULL,
                   {x_val, val_row_stride, NULL, NULL, NULL},
                   x_val ? n_val_rows : 0,
                   labels_val,
                   NULL,
                   x_val != NULL};
    return train(model, __func__, GENRE_MLP_TASK_CLASSIFICATION, k, &fd);
}

genre_status genre_mlp_fit_csr(genre_mlp *model, size_t n_rows, size_t n_cols,
                               const size_t *row_ptr, const uint32_t *col_idx,
                               const double *values, const int32_t *labels,
                               size_t n_val_rows, const size_t *val_row_ptr,
                               const uint32_t *val_col_idx, const double *val_values,
                               const int32_t *labels_val)
{
    GENRE_CHECK_NOT_NULL(model);
    if (model->p.precision == GENRE_MLP_PRECISION_FLOAT)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "GENRE_MLP_PRECISION = %d (FLOAT): CSR fits are double only; set "
                          "GENRE_MLP_PRECISION_DOUBLE",
                          GENRE_MLP_PRECISION_FLOAT);
    const int fin = (int)model->p.validate;
    genre_status st = check_csr(__func__, "x", n_rows, n_cols, row_ptr, col_idx, values, fin);
    if (st != GENRE_OK)
        return st;
    GENRE_CHECK_NOT_NULL(labels);
    if (val_row_ptr) {
        st = check_csr(__func__, "x_val", n_val_rows, n_cols, val_row_ptr, val_col_idx,
                       val_values, fin);
        if (st != GENRE_OK)
            return st;
        if (!labels_val)
            return GENRE_FAIL(GENRE_E_INVALID_ARG, "x_val is given without its labels");
    }
    size_t k;
    st = check_labels(__func__, model, labels, n_rows, labels_val,
                      val_row_ptr ? n_val_rows : 0, &k);
    if (st != GENRE_OK)
        return st;
    fit_data fd = {{NULL, 0, row_ptr, col_idx, values},
                   n_rows,
                   n_cols,
                   labels,
                   NULL,
                   {NULL, 0, val_row_ptr, val_col_idx, val_values},
                   val_row_ptr ? n_val_rows : 0,
                   labels_val,
                   NULL,
                   val_row_ptr != NULL};
    return train(model, __func__, GENRE_MLP_TASK_CLASSIFICATION, k, &fd);
}

genre_status genre_mlp_fit_regression(genre_mlp *model, const double *x, size_t n_rows,
                                      size_t n_cols, size_t row_stride, const double *y,
                                      size_t n_targets, const double *x_val,
                                      size_t n_val_rows, size_t val_row_stride,
                                      const double *y_val)
{
    genre_status st = check_fit_common(__func__, model, x, n_rows, n_cols, row_stride, x_val,
                                       n_val_rows, val_row_stride, y_val);
    if (st != GENRE_OK)
        return st;
    if (n_targets == 0 || n_targets > MAX_CLASSES)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "n_targets = %zu is outside [1, %d]",
                          n_targets, MAX_CLASSES);
    st = genre__check_matrix(__func__, "y", y, n_rows, n_targets, n_targets, 1);
    if (st == GENRE_OK && x_val)
        st = genre__check_matrix(__func__, "y_val", y_val, n_val_rows, n_targets, n_targets,
                                 1);
    if (st != GENRE_OK)
        return st;
    fit_data fd = {{x, row_stride, NULL, NULL, NULL},
                   n_rows,
                   n_cols,
                   NULL,
                   y,
                   {x_val, val_row_stride, NULL, NULL, NULL},
                   x_val ? n_val_rows : 0,
                   NULL,
                   y_val,
                   x_val != NULL};
    return train(model, __func__, GENRE_MLP_TASK_REGRESSION, n_targets, &fd);
}

/* ---- Save / load ----------------------------------------------------------- */

enum {
    TAG_TASK = 1,
    TAG_ACTIVATION = 2,
    TAG_WIDTHS = 3,
    TAG_PARAMS = 4,
    TAG_F64_BASE = 10,  /* + index into F64_KEYS */
    TAG_I64_BASE = 30,  /* + index into I64_KEYS */
    TAG_HIST_TRAIN = 60,
    TAG_HIST_VAL = 61,
    TAG_HIST_ACC = 62,
    TAG_BEST_EPOCH = 63,
    TAG_STOPPED_EARLY = 64
};

/* The codec's genre__mf_encode_fn (model_file.h): m is a fitted genre_mlp. */
static genre_status write_model(const void *m, genre__mf_writer *w)
{
    const genre_mlp *model = m;
    const mlp_net *n = model->net;
    int32_t widths[MAX_HIDDEN + 2];
    for (size_t l = 0; l <= n->n_layers; l++)
        widths[l] = (int32_t)n->width[l];
    genre__mf_put_u32(w, TAG_TASK, (uint32_t)n->task);
    genre__mf_put_u32(w, TAG_ACTIVATION, (uint32_t)n->activation);
    genre__mf_put_i32_array(w, TAG_WIDTHS, widths, n->n_layers + 1);
    genre__mf_put_f64_array(w, TAG_PARAMS, n->params, n->n_params);
    for (size_t i = 0; i < N_F64_KEYS; i++)
        genre__mf_put_f64(w, TAG_F64_BASE + (uint32_t)i,
                          *(const double *)((const char *)&model->p + F64_KEYS[i].offset));
    for (size_t i = 0; i < N_I64_KEYS; i++)
        genre__mf_put_i64(w, TAG_I64_BASE + (uint32_t)i,
                          *(const int64_t *)((const char *)&model->p + I64_KEYS[i].offset));
    genre__mf_put_f64_array(w, TAG_HIST_TRAIN, n->hist, n->n_epochs);
    genre__mf_put_f64_array(w, TAG_HIST_VAL, n->hist + n->n_epochs, n->n_epochs);
    genre__mf_put_f64_array(w, TAG_HIST_ACC, n->hist + 2 * n->n_epochs, n->n_epochs);
    genre__mf_put_i64(w, TAG_BEST_EPOCH, n->best_epoch);
    return genre__mf_put_i64(w, TAG_STOPPED_EARLY, n->stopped_early);
}

static genre_status check_saveable(const char *func, const genre_mlp *model)
{
    if (!model)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 'model' is NULL");
    if (!model->net)
        return genre__fail(GENRE_E_BAD_STATE, func, "the model is not fitted");
    return GENRE_OK;
}

#define CORRUPT(...) genre__fail(GENRE_E_CORRUPT, func, __VA_ARGS__)

/* Validate before allocating: the parameters the layer widths need must be
 * the ones stored (which the container has bounded by the file's length),
 * and the three history arrays must be as long as the first, before
 * anything is allocated from the widths or the history length. Each width
 * is at most 2^31 and a hidden or output one at most 10^6, so the count
 * (at most 65 layers) cannot overflow 64 bits. */
static genre_status check_sizes(const genre__mf_reader *r, const char *func,
                                const size_t *widths, size_t n_widths, size_t n_params,
                                size_t n_hist)
{
    uint64_t need = 0;
    char text[MAX_HIDDEN * 12 + 32];
    size_t used = 0;
    for (size_t l = 0; l < n_widths; l++) {
        if (l + 1 < n_widths)
            need += (uint64_t)widths[l] * widths[l + 1] + widths[l + 1];
        if (used < sizeof text)
            used += (size_t)snprintf(text + used, sizeof text - used, "%s%zu", l ? "-" : "",
                                     widths[l]);
    }
    if (need != (uint64_t)n_params)
        return CORRUPT("layer widths %s need %llu parameters; %zu are stored", text,
                       (unsigned long long)need, n_params);
    genre_status st = genre__mf_expect_count(r, func, TAG_HIST_VAL, GENRE__MF_F64_ARRAY,
                                             "validation loss history", n_hist);
    return st ? st
              : genre__mf_expect_count(r, func, TAG_HIST_ACC, GENRE__MF_F64_ARRAY,
                                       "validation accuracy history", n_hist);
}

/* The codec's genre__mf_decode_fn (model_file.h): dest is the caller's
 * genre_mlp **out; r NULL only clears *out; the payload version is checked. */
static genre_status read_model(const genre__mf_reader *r, void *dest, const char *func)
{
    genre_mlp **out = dest;
    *out = NULL;
    if (r == NULL)
        return GENRE_OK;
    uint32_t task, act;
    size_t n_widths, n_params, n_hist;
    genre_status st;
    if ((st = genre__mf_get_u32(r, TAG_TASK, &task)) != GENRE_OK ||
        (st = genre__mf_get_u32(r, TAG_ACTIVATION, &act)) != GENRE_OK ||
        (st = genre__mf_get_count(r, TAG_WIDTHS, GENRE__MF_I32_ARRAY, &n_widths)) !=
            GENRE_OK ||
        (st = genre__mf_get_count(r, TAG_PARAMS, GENRE__MF_F64_ARRAY, &n_params)) !=
            GENRE_OK ||
        (st = genre__mf_get_count(r, TAG_HIST_TRAIN, GENRE__MF_F64_ARRAY, &n_hist)) !=
            GENRE_OK)
        return st;
    if (task > GENRE_MLP_TASK_REGRESSION)
        return CORRUPT("unknown MLP task %u", (unsigned)task);
    if (act > GENRE_MLP_ACT_LOGISTIC)
        return CORRUPT("unknown activation %u", (unsigned)act);
    if (n_widths < 2 || n_widths > MAX_HIDDEN + 2)
        return CORRUPT("%zu layer widths; expected 2 to %d", n_widths, MAX_HIDDEN + 2);
    int32_t iw[MAX_HIDDEN + 2];
    size_t widths[MAX_HIDDEN + 2];
    if ((st = genre__mf_get_i32_array(r, TAG_WIDTHS, iw, n_widths)) != GENRE_OK)
        return st;
    for (size_t l = 0; l < n_widths; l++) {
        int32_t maxw = l == n_widths - 1 ? MAX_CLASSES : (l == 0 ? INT32_MAX : MAX_WIDTH);
        if (iw[l] < 1 || iw[l] > maxw)
            return CORRUPT("layer width %zu is %d", l, (int)iw[l]);
        widths[l] = (size_t)iw[l];
    }
    if (task == GENRE_MLP_TASK_CLASSIFICATION && widths[n_widths - 1] < 2)
        return CORRUPT("a classifier with %zu classes", widths[n_widths - 1]);
    if ((st = check_sizes(r, func, widths, n_widths, n_params, n_hist)) != GENRE_OK)
        return st;

    genre_mlp *m = GENRE_NEW(genre_mlp);
    if (!m)
        return GENRE_E_NOMEM;
    default_params(&m->p);
    for (size_t i = 0; i < N_F64_KEYS && st == GENRE_OK; i++) {
        double v;
        st = genre__mf_get_f64(r, TAG_F64_BASE + (uint32_t)i, &v);
        if (st == GENRE_OK && check_f64_value(func, &F64_KEYS[i], v) != GENRE_OK)
            st = CORRUPT("parameter %s = %g is out of range", F64_KEYS[i].name, v);
        if (st == GENRE_OK)
            *(double *)((char *)&m->p + F64_KEYS[i].offset) = v;
    }
    for (size_t i = 0; i < N_I64_KEYS && st == GENRE_OK; i++) {
        int64_t v;
        if (i >= N_I64_KEYS_V01 && !genre__mf_has(r, TAG_I64_BASE + (uint32_t)i))
            continue; /* a 0.1 file: the default */
        st = genre__mf_get_i64(r, TAG_I64_BASE + (uint32_t)i, &v);
        if (st == GENRE_OK && check_i64_value(func, &I64_KEYS[i], v) != GENRE_OK)
            st = CORRUPT("parameter %s = %lld is out of range", I64_KEYS[i].name,
                         (long long)v);
        if (st == GENRE_OK)
            *(int64_t *)((char *)&m->p + I64_KEYS[i].offset) = v;
    }
    if (st == GENRE_OK && m->p.activation != (int64_t)act)
        st = CORRUPT("activation %u disagrees with the saved parameter %lld", (unsigned)act,
                     (long long)m->p.activation);
    if (st == GENRE_OK && n_hist > (uint64_t)m->p.epochs)
        st = CORRUPT("%zu epochs of history for GENRE_MLP_EPOCHS = %lld", n_hist,
                     (long long)m->p.epochs);
    if (st == GENRE_OK) {
        m->n_hidden = n_widths - 2;
        m->hidden = genre__alloc_array(m->n_hidden, sizeof *m->hidden);
        if (!m->hidden)
            st = GENRE_E_NOMEM;
        for (size_t l = 0; st == GENRE_OK && l < m->n_hidden; l++)
            m->hidden[l] = iw[l + 1];
    }
    mlp_net *n = NULL;
    if (st == GENRE_OK)
        st = net_new(func, widths, n_widths - 1, (int32_t)task, (int32_t)act,
                     (int32_t)m->p.kernel, n_hist, &n);
    if (st == GENRE_OK) {
        m->net = n;
        if (n->n_params != n_params)
            st = CORRUPT("%zu parameters stored; the layer widths need %zu", n_params,
                         n->n_params);
    }
    if (st == GENRE_OK)
        st = genre__mf_get_f64_array(r, TAG_PARAMS, n->params, n_params);
    for (size_t i = 0; st == GENRE_OK && i < n_params; i++)
        if (!isfinite(n->params[i]))
            st = CORRUPT("parameter %zu is %g", i, n->params[i]);
    if (st == GENRE_OK) {
        n->n_epochs = n_hist;
        if ((st = genre__mf_get_f64_array(r, TAG_HIST_TRAIN, n->hist, n_hist)) == GENRE_OK &&
            (st = genre__mf_get_f64_array(r, TAG_HIST_VAL, n->hist + n_hist, n_hist)) ==
                GENRE_OK &&
            (st = genre__mf_get_f64_array(r, TAG_HIST_ACC, n->hist + 2 * n_hist, n_hist)) ==
                GENRE_OK &&
            (st = genre__mf_get_i64(r, TAG_BEST_EPOCH, &n->best_epoch)) == GENRE_OK)
            st = genre__mf_get_i64(r, TAG_STOPPED_EARLY, &n->stopped_early);
    }
    if (st == GENRE_OK && (n->best_epoch < 0 || (uint64_t)n->best_epoch > n_hist ||
                           n->stopped_early < 0 || n->stopped_early > 1))
        st = CORRUPT("best epoch %lld / stopped flag %lld out of range",
                     (long long)n->best_epoch, (long long)n->stopped_early);
    if (st != GENRE_OK) {
        genre_mlp_free(m);
        return st;
    }
    *out = m;
    return GENRE_OK;
}

static const genre__mf_codec codec = {GENRE_MODEL_MLP, MLP_PAYLOAD_VERSION, "MLP", write_model,
                                      read_model};

genre_status genre_mlp_save_to_memory(const genre_mlp *model, void *buf, size_t cap,
                                      size_t *written_or_needed)
{
    genre_status st = check_saveable(__func__, model);
    return st ? st : genre__mf_save_memory(__func__, model, buf, cap, written_or_needed, &codec);
}

genre_status genre_mlp_save(const genre_mlp *model, const char *path)
{
    genre_status st = check_saveable(__func__, model);
    return st ? st : genre__mf_save_file(__func__, model, path, &codec);
}

genre_status genre_mlp_load_from_memory(genre_mlp **out, const void *buf, size_t len)
{
    return genre__mf_load_memory(__func__, out, buf, len, &codec);
}

genre_status genre_mlp_load(genre_mlp **out, const char *path)
{
    return genre__mf_load_file(__func__, out, path, &codec);
}

/* ---- Test hooks ------------------------------------------------------------- */
#ifdef GENRE_TESTING
#include "mlp_private.h"

int genre__mlp_test_force_portable(int on)
{
#if GENRE_MLP_AVX2
    force_portable = on;
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    (void)on;
    return 0;
#endif
}

static genre_status test_objective(const genre_mlp *model, const mlp_input *in,
                                   size_t n_rows, size_t n_cols, const int32_t *labels,
                                   const double *y, size_t n_out, const double *params,
                                   uint64_t dropout_seed, double *loss, double *grad,
                                   size_t *n_params)
{
    size_t L = model->n_hidden + 1, widths[MAX_HIDDEN + 2];
    widths[0] = n_cols;
    for (size_t l = 0; l < model->n_hidden; l++)
        widths[l + 1] = (size_t)model->hidden[l];
    widths[L] = n_out;
    mlp_net *n = NULL;
    int32_t task = labels ? GENRE_MLP_TASK_CLASSIFICATION : GENRE_MLP_TASK_REGRESSION;
    genre_status st = net_new(__func__, widths, L, task, (int32_t)model->p.activation,
                              (int32_t)model->p.kernel, 1, &n);
    if (st != GENRE_OK)
        return st;
    *n_params = n->n_params;
    init_params(n, &model->p);
    if (params)
        memcpy(n->params, params, n->n_params * sizeof(double));
    train_ws w;
    fit_data fd = {*in, n_rows, n_cols, labels, y, {NULL, 0, NULL, NULL, NULL}, 0, NULL, NULL, 0};
    st = ws_alloc(&w, n, n_rows, &fd, model->p.dropout > 0.0, 0, 0);
    if (st == GENRE_OK) {
        /* GENRE_MLP_N_THREADS > 1: the fit's data-parallel batch (its
         * dropout streams come from GENRE_MLP_SEED, not dropout_seed) */
        const int T = model->p.n_threads > 1 ? fit_threads(n, &model->p, &fd, n_rows) : 1;
        const int f32 = model->p.precision == GENRE_MLP_PRECISION_FLOAT && !in->row_ptr;
        f32_ctx fc;
        memset(&fc, 0, sizeof fc);
        if (f32)
            st = f32_new(&fc, n, &fd, n_rows, T, model->p.dropout > 0.0);
        if (st == GENRE_OK && T > 1) {
            mlp_params p_rest = model->p;
            p_rest.l2 = 0.0;
            team_job job;
            st = team_job_new(&job, n, &model->p, &p_rest, &fd, &w, n_rows, T,
                              f32 ? &fc : NULL);
            if (st == GENRE_OK) {
                st = team_batch(&job, w.perm, n_rows, loss);
                team_job_free(&job);
            }
        } else if (st == GENRE_OK) {
            genre__rng rng;
            genre__rng_init(&rng, dropout_seed, STREAM_DROPOUT);
            st = single_batch(n, &model->p, &fd, f32 ? &fc : NULL, w.perm, n_rows, &w, &rng,
                              loss);
        }
        f32_free(&fc);
        if (st == GENRE_OK) {
            double pen = 0.0;
            for (size_t l = 0; l < L; l++)
                for (size_t i = 0; i < widths[l] * widths[l + 1]; i++)
                    pen += n->params[n->w_off[l] + i] * n->params[n->w_off[l] + i];
            *loss += 0.5 * model->p.l2 * pen;
            if (grad)
                memcpy(grad, w.grad, n->n_params * sizeof(double));
        }
        ws_free(&w);
    }
    net_free(n);
    return st;
}

genre_status genre__mlp_test_objective(const genre_mlp *model, const double *x,
                                       size_t n_rows, size_t n_cols, const int32_t *labels,
                                       const double *y, size_t n_out, const double *params,
                                       uint64_t dropout_seed, double *loss, double *grad,
                                       size_t *n_params)
{
    mlp_input in = {x, n_cols, NULL, NULL, NULL};
    return test_objective(model, &in, n_rows, n_cols, labels, y, n_out, params, dropout_seed,
                          loss, grad, n_params);
}

genre_status genre__mlp_test_objective_csr(const genre_mlp *model, size_t n_rows,
                                           size_t n_cols, const size_t *row_ptr,
                                           const uint32_t *col_idx, const double *values,
                                           const int32_t *labels, const double *y,
                                           size_t n_out, const double *params,
                                           uint64_t dropout_seed, double *loss, double *grad,
                                           size_t *n_params)
{
    mlp_input in = {NULL, 0, row_ptr, col_idx, values};
    return test_objective(model, &in, n_rows, n_cols, labels, y, n_out, params, dropout_seed,
                          loss, grad, n_params);
}
#endif
