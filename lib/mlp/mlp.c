/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The multi-layer perceptron (genre/mlp.h): parameters, handle and network
 * lifetime. The other rooms of lib/mlp/: mlp_kernels.c (dense kernels and
 * their AVX2 twins), mlp_infer.c (input view, inference), mlp_train.c
 * (training, optimisers), mlp_float.c (float compute mode), mlp_team.c
 * (data-parallel mini-batches), mlp_io.c (save/load), mlp_testing.c (test
 * hooks); mlp_private.h holds what they share.
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

#include "mlp_private.h"

/* ---- Parameters ----------------------------------------------------------- */

void genre__mlp_default_params(mlp_params *p)
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

#define F64(k, n, lo, hi, lo_open, hi_open, field) \
    {k, n, lo, hi, lo_open, hi_open, offsetof(mlp_params, field)}
const f64_info genre__mlp_f64_keys[] = {
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
const i64_info genre__mlp_i64_keys[] = {
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
    /* 0.3: 32 or 64 only (genre__mlp_check_i64_value) */
    I64(GENRE_MLP_PRECISION, "GENRE_MLP_PRECISION", GENRE_MLP_PRECISION_FLOAT,
        GENRE_MLP_PRECISION_DOUBLE, precision),
};
#undef I64

const size_t genre__mlp_n_f64_keys = sizeof genre__mlp_f64_keys / sizeof genre__mlp_f64_keys[0];
const size_t genre__mlp_n_i64_keys = sizeof genre__mlp_i64_keys / sizeof genre__mlp_i64_keys[0];

static const f64_info *find_f64(int32_t key)
{
    for (size_t i = 0; i < genre__mlp_n_f64_keys; i++)
        if (genre__mlp_f64_keys[i].key == key)
            return &genre__mlp_f64_keys[i];
    return NULL;
}

static const i64_info *find_i64(int32_t key)
{
    for (size_t i = 0; i < genre__mlp_n_i64_keys; i++)
        if (genre__mlp_i64_keys[i].key == key)
            return &genre__mlp_i64_keys[i];
    return NULL;
}

static int is_read_only_key(int32_t key)
{
    return key >= GENRE_MLP_TASK && key <= GENRE_MLP_STOPPED_EARLY;
}

genre_status genre__mlp_check_f64_value(const char *func, const f64_info *info, double v)
{
    int ok = !isnan(v) && (info->lo_open ? v > info->lo : v >= info->lo) &&
             (info->hi_open ? v < info->hi : v <= info->hi);
    if (!ok)
        return genre__fail(GENRE_E_INVALID_ARG, func, "%s = %g is outside %c%g, %g%c",
                           info->name, v, info->lo_open ? '(' : '[', info->lo, info->hi,
                           info->hi_open ? ')' : ']');
    return GENRE_OK;
}

genre_status genre__mlp_check_i64_value(const char *func, const i64_info *info, int64_t v)
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
    genre_status st = genre__mlp_check_f64_value(__func__, info, value);
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
    genre_status st = genre__mlp_check_i64_value(__func__, info, value);
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
    genre__mlp_default_params(&model->p);
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

void genre__mlp_net_free(mlp_net *n)
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
    genre__mlp_default_params(&m->p);
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
    genre__mlp_net_free(model->net);
    genre__free(model->hidden);
    genre__free(model);
}

/* A network of the given widths (n_layers + 1 of them), parameters
 * uninitialised, history empty. */
genre_status genre__mlp_net_new(const char *func, const size_t *widths, size_t n_layers,
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
        genre__mlp_net_free(n);
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
