/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The multi-layer perceptron (genre/mlp.h): parameters, handle and network
 * lifetime. The other rooms of lib/mlp/: mlp_kernels.c (dense kernels and
 * their AVX2 twins), mlp_infer.c (input view, inference), mlp_train.c
 * (training, optimisers), mlp_float.c (float compute mode), mlp_team.c
 * (data-parallel mini-batches), mlp_io.c (save/load), mlp_partial.c
 * (partial fits: one pass over a chunk, the state they carry), mlp_monitor.c
 * (the monitor rows a fit watches), mlp_testing.c
 * (test hooks); mlp_private.h holds what they share.
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
 * gradient (mlp_sparse.c), O(nnz x width) per batch, and the
 * optimiser can update only the rows of W_0 a batch touched
 * (GENRE_MLP_SPARSE_UPDATE). W_0 stays fan_in x fan_out, one row per
 * feature; nothing else in the network or the file format depends on the
 * input's representation.
 */

#include "mlp_private.h"

/* ---- Parameters ----------------------------------------------------------- */

static const int64_t ACTIVATIONS[] = {GENRE_MLP_ACT_RELU, GENRE_MLP_ACT_TANH,
                                      GENRE_MLP_ACT_LOGISTIC};
static const int64_t OPTIMIZERS[] = {GENRE_MLP_OPT_ADAM, GENRE_MLP_OPT_SGD};
static const int64_t INITS[] = {GENRE_MLP_INIT_AUTO,           GENRE_MLP_INIT_HE_UNIFORM,
                                GENRE_MLP_INIT_HE_NORMAL,      GENRE_MLP_INIT_GLOROT_UNIFORM,
                                GENRE_MLP_INIT_GLOROT_NORMAL, GENRE_MLP_INIT_LECUN_UNIFORM};
static const int64_t SCHEDULES[] = {GENRE_MLP_SCHEDULE_CONSTANT, GENRE_MLP_SCHEDULE_COSINE};
static const int64_t KERNELS[] = {GENRE_MLP_KERNEL_AUTO, GENRE_MLP_KERNEL_CBLAS,
                                  GENRE_MLP_KERNEL_BUILTIN};
static const int64_t PRECISIONS[] = {GENRE_MLP_PRECISION_FLOAT, GENRE_MLP_PRECISION_DOUBLE};

/* The order of each type's settable keys is the order of their records in
 * a saved file (mlp_io.c): append, never reorder. (A shorter macro that
 * takes the key would expand it before GENRE__F64 names it.) */
static const genre__param mlp_params_list[] = {
    GENRE__F64(GENRE_MLP_LEARNING_RATE, mlp_params, lr, 1e-3, 0.0, 10.0, 1, 0, "0.1"),
    GENRE__F64(GENRE_MLP_L2, mlp_params, l2, 0.0, 0.0, 1e3, 0, 0, "0.1"),
    GENRE__F64(GENRE_MLP_BETA1, mlp_params, beta1, 0.9, 0.0, 1.0, 0, 1, "0.1"),
    GENRE__F64(GENRE_MLP_BETA2, mlp_params, beta2, 0.999, 0.0, 1.0, 0, 1, "0.1"),
    GENRE__F64(GENRE_MLP_EPSILON, mlp_params, eps, 1e-8, 0.0, 1.0, 1, 0, "0.1"),
    GENRE__F64(GENRE_MLP_MOMENTUM, mlp_params, momentum, 0.9, 0.0, 1.0, 0, 1, "0.1"),
    GENRE__F64(GENRE_MLP_DROPOUT, mlp_params, dropout, 0.0, 0.0, 1.0, 0, 1, "0.1"),
    GENRE__F64(GENRE_MLP_MIN_DELTA, mlp_params, min_delta, 0.0, 0.0, 1e300, 0, 0, "0.1"),
    GENRE__I64(GENRE_MLP_EPOCHS, GENRE__SLOT_I64, mlp_params, epochs, 200, 1, 10000000, "0.1"),
    GENRE__I64(GENRE_MLP_BATCH_SIZE, GENRE__SLOT_I64, mlp_params, batch, 256, 0, INT32_MAX,
               "0.1"),
    GENRE__ENUM(GENRE_MLP_ACTIVATION, GENRE__SLOT_I64, mlp_params, activation,
                GENRE_MLP_ACT_RELU, ACTIVATIONS, "0.1"),
    GENRE__I64(GENRE_MLP_SEED, GENRE__SLOT_I64, mlp_params, seed, 0, INT64_MIN, INT64_MAX,
               "0.1"),
    GENRE__ENUM(GENRE_MLP_OPTIMIZER, GENRE__SLOT_I64, mlp_params, optimizer, GENRE_MLP_OPT_ADAM,
                OPTIMIZERS, "0.1"),
    GENRE__I64(GENRE_MLP_PATIENCE, GENRE__SLOT_I64, mlp_params, patience, 0, 0, 10000000,
               "0.1"),
    GENRE__I64(GENRE_MLP_RESTORE_BEST, GENRE__SLOT_I64, mlp_params, restore_best, 1, 0, 1,
               "0.1"),
    GENRE__I64(GENRE_MLP_SHUFFLE, GENRE__SLOT_I64, mlp_params, shuffle, 1, 0, 1, "0.1"),
    GENRE__I64(GENRE_MLP_VALIDATE_INPUT, GENRE__SLOT_I64, mlp_params, validate, 1, 0, 1, "0.1"),
    GENRE__ENUM(GENRE_MLP_INIT, GENRE__SLOT_I64, mlp_params, init, GENRE_MLP_INIT_AUTO, INITS,
                "0.1"),
    GENRE__I64(GENRE_MLP_N_CLASSES, GENRE__SLOT_I64, mlp_params, n_classes, 0, 0, MAX_CLASSES,
               "0.1"),
    GENRE__ENUM(GENRE_MLP_LR_SCHEDULE, GENRE__SLOT_I64, mlp_params, schedule,
                GENRE_MLP_SCHEDULE_CONSTANT, SCHEDULES, "0.1"),
    GENRE__ENUM(GENRE_MLP_DENSE_KERNEL, GENRE__SLOT_I64, mlp_params, kernel,
                GENRE_MLP_KERNEL_AUTO, KERNELS, "0.1"),
    GENRE__I64(GENRE_MLP_SPARSE_UPDATE, GENRE__SLOT_I64, mlp_params, sparse_update, 1, 0, 1,
               "0.2"),
    GENRE__I64(GENRE_MLP_N_THREADS, GENRE__SLOT_I64, mlp_params, n_threads, 0, 0, INT32_MAX,
               "0.2"),
    GENRE__ENUM(GENRE_MLP_PRECISION, GENRE__SLOT_I64, mlp_params, precision,
                GENRE_MLP_PRECISION_DOUBLE, PRECISIONS, "0.3"),
    GENRE__I64(GENRE_MLP_PARTIAL_BUFFER, GENRE__SLOT_I64, mlp_params, partial_buffer, 0, 0,
               INT32_MAX, "0.4"),
    GENRE__RO_I64(GENRE_MLP_TASK, "0.1"),
    GENRE__RO_I64(GENRE_MLP_N_FEATURES, "0.1"),
    GENRE__RO_I64(GENRE_MLP_N_OUTPUTS, "0.1"),
    GENRE__RO_I64(GENRE_MLP_N_PARAMS, "0.1"),
    GENRE__RO_I64(GENRE_MLP_EPOCHS_RUN, "0.1"),
    GENRE__RO_I64(GENRE_MLP_BEST_EPOCH, "0.1"),
    GENRE__RO_I64(GENRE_MLP_STOPPED_EARLY, "0.1"),
};

/* The fitted properties (all i64). */
static genre_status read_only(const void *handle, const char *func, int32_t key,
                              int64_t *i_out, double *f_out)
{
    (void)f_out;
    const mlp_net *n = ((const genre_mlp *)handle)->net;
    if (!n)
        return genre__fail(GENRE_E_BAD_STATE, func, "key %d needs a fitted model", (int)key);
    switch (key) {
    case GENRE_MLP_TASK: *i_out = n->task; break;
    case GENRE_MLP_N_FEATURES: *i_out = (int64_t)n->width[0]; break;
    case GENRE_MLP_N_OUTPUTS: *i_out = (int64_t)n->width[n->n_layers]; break;
    case GENRE_MLP_N_PARAMS: *i_out = (int64_t)n->n_params; break;
    case GENRE_MLP_EPOCHS_RUN: *i_out = (int64_t)n->n_epochs; break;
    case GENRE_MLP_BEST_EPOCH: *i_out = n->best_epoch; break;
    default: *i_out = n->stopped_early; break;
    }
    return GENRE_OK;
}

const genre__param_table genre__mlp_param_table = {
    "MLP", mlp_params_list, sizeof mlp_params_list / sizeof mlp_params_list[0], read_only};

#define TABLE (&genre__mlp_param_table)

genre_status genre_mlp_set_f64(genre_mlp *model, int32_t key, double value)
{
    GENRE_CHECK_NOT_NULL(model);
    return genre__params_set_f64(TABLE, &model->p, __func__, key, value);
}

genre_status genre_mlp_set_i64(genre_mlp *model, int32_t key, int64_t value)
{
    GENRE_CHECK_NOT_NULL(model);
    return genre__params_set_i64(TABLE, &model->p, __func__, key, value);
}

genre_status genre_mlp_get_f64(const genre_mlp *model, int32_t key, double *out)
{
    GENRE_CHECK_NOT_NULL(model);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_f64(TABLE, &model->p, model, __func__, key, out);
}

genre_status genre_mlp_get_i64(const genre_mlp *model, int32_t key, int64_t *out)
{
    GENRE_CHECK_NOT_NULL(model);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_i64(TABLE, &model->p, model, __func__, key, out);
}

genre_status genre_mlp_param_bounds(int32_t key, double *lo, double *hi)
{
    GENRE_CHECK_NOT_NULL(lo);
    GENRE_CHECK_NOT_NULL(hi);
    return genre__params_bounds(TABLE, __func__, key, lo, hi);
}

genre_status genre_mlp_param_values(int32_t key, int64_t *out, size_t cap, size_t *n_values)
{
    GENRE_CHECK_NOT_NULL(n_values);
    return genre__params_values(TABLE, __func__, key, out, cap, n_values);
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
    genre__params_reset(TABLE, &model->p);
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
    model->hooks.progress = fn;
    model->hooks.progress_data = user_data;
    return GENRE_OK;
}

genre_status genre_mlp_set_log(genre_mlp *model, genre_log_fn fn, void *user_data)
{
    GENRE_CHECK_NOT_NULL(model);
    model->hooks.log = fn;
    model->hooks.log_data = user_data;
    return GENRE_OK;
}

genre_status genre_mlp_set_reducer(genre_mlp *model, genre_reduce_fn fn, void *user_data)
{
    GENRE_CHECK_NOT_NULL(model);
    model->hooks.reduce = fn;
    model->hooks.reduce_data = fn ? user_data : NULL;
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
    genre__params_reset(TABLE, &m->p);
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
    genre__mlp_partial_free(model->partial);
    genre__mlp_monitor_free(model->monitor);
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
    n->hist = genre__alloc_array(HIST_KINDS * n_epochs_cap, sizeof(double));
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
