/* SPDX-License-Identifier: GPL-3.0-or-later */
/* genre_mpi_mlp_fit: synchronous data parallel training. Every rank builds
 * the same initial weights from the shared seed and holds its share of
 * every global mini-batch (genre_mpi_mlp_batch_share); the core's reducer
 * hook (mpi_step.c) sums each batch's gradient, loss and row count over
 * the ranks in rank order, so every rank takes the same optimiser step. */
#include "mpi_reduce.h"
#include "mpi_step.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

genre_status genre_mpi_mlp_batch_share(uint64_t batch_rows, int n_ranks, int rank,
                                       uint64_t *first, uint64_t *count)
{
    if (!first || !count || n_ranks < 1 || rank < 0 || rank >= n_ranks)
        return genre_set_error(GENRE_E_INVALID_ARG,
                               "genre_mpi_mlp_batch_share: first or count NULL, or rank not in "
                               "[0, n_ranks)");
    const uint64_t p = (uint64_t)n_ranks, r = (uint64_t)rank, q = batch_rows / p,
                   extra = batch_rows % p;
    *count = q + (r < extra);
    *first = q * r + (r < extra ? r : extra);
    return GENRE_OK;
}

static genre_status mlp_save(const void *m, void *buf, size_t cap, size_t *n)
{
    return genre_mlp_save_to_memory((const genre_mlp *)m, buf, cap, n);
}
static const gm_model gm_mlp_model = {"MLP", NULL, mlp_save};

/* What every rank tells every other, in one MPI_Allgather. */
enum { T_ROWS, T_COLS, T_BATCH, T_SEED, T_CLASSES, T_TOP_LABEL, T_LAYERS, T_N };

/* A hash of the hidden widths, so ranks with other layers are found before
 * their reductions differ in length. */
static int64_t layers_hash(const int32_t *w, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint32_t)w[i]) * 1099511628211ULL;
    return (int64_t)(h >> 1);
}

/* This rank's table row; its hidden widths in *widths (malloc'ed). */
static genre_status local_row(gm_ctx *c, const genre_mlp *model, const double *x,
                              size_t n_rows, size_t n_cols, size_t row_stride,
                              const int32_t *labels, int64_t *row, int32_t **widths,
                              size_t *n_layers)
{
    *widths = NULL;
    *n_layers = 0;
    if (!model)
        return gm_fail(c, GENRE_E_INVALID_ARG, "argument 'model' is NULL");
    if (n_rows == 0 || !x || !labels)
        return gm_fail(c, GENRE_E_INVALID_ARG,
                       "this rank has no rows (n_rows %zu, x %s, labels %s): every rank needs "
                       "its share of every batch",
                       n_rows, x ? "given" : "NULL", labels ? "given" : "NULL");
    if (n_cols == 0 || row_stride < n_cols)
        return gm_fail(c, GENRE_E_INVALID_ARG, "n_cols %zu, row_stride %zu", n_cols, row_stride);
    genre_status st = genre_mlp_get_hidden_layers(model, NULL, 0, n_layers);
    if (st != GENRE_OK && st != GENRE_E_BUFFER_TOO_SMALL)
        return st;
    if (!(*widths = malloc((*n_layers ? *n_layers : 1) * sizeof **widths)))
        return gm_fail(c, GENRE_E_NOMEM, "no memory for %zu widths", *n_layers);
    st = genre_mlp_get_hidden_layers(model, *widths, *n_layers, n_layers);
    int64_t batch = 0, seed = 0, classes = 0;
    if (st == GENRE_OK)
        st = genre_mlp_get_i64(model, GENRE_MLP_BATCH_SIZE, &batch);
    if (st == GENRE_OK)
        st = genre_mlp_get_i64(model, GENRE_MLP_SEED, &seed);
    if (st == GENRE_OK)
        st = genre_mlp_get_i64(model, GENRE_MLP_N_CLASSES, &classes);
    if (st != GENRE_OK)
        return st;
    int32_t top = INT32_MIN;
    for (size_t i = 0; i < n_rows; i++)
        top = labels[i] > top ? labels[i] : top;
    row[T_ROWS] = (int64_t)n_rows;
    row[T_COLS] = (int64_t)n_cols;
    row[T_BATCH] = batch;
    row[T_SEED] = seed;
    row[T_CLASSES] = classes;
    row[T_TOP_LABEL] = top;
    row[T_LAYERS] = layers_hash(*widths, *n_layers);
    return GENRE_OK;
}

/* Checks the table (the same on every rank, so every rank decides the
 * same): shared parameters, and each rank's rows its share of the batches.
 * *local_batch: this rank's GENRE_MLP_BATCH_SIZE for the fit (0: one batch). */
static genre_status check_table(gm_ctx *c, const int64_t *t, int64_t *local_batch)
{
    static const char *names[T_N] = {NULL, "n_cols", "GENRE_MLP_BATCH_SIZE", "GENRE_MLP_SEED",
                                     "GENRE_MLP_N_CLASSES", NULL, "the hidden layers"};
    uint64_t total = 0;
    for (int r = 0; r < c->size; r++) {
        const int64_t *row = t + (size_t)r * T_N;
        for (int k = T_COLS; k < T_N; k++)
            if (names[k] && row[k] != t[k])
                return gm_fail(c, GENRE_E_INVALID_ARG, "%s differs between rank 0 and rank %d",
                               names[k], r);
        total += (uint64_t)row[T_ROWS];
    }
    const uint64_t b = (uint64_t)t[T_BATCH], p = (uint64_t)c->size;
    if (b == 0 || b >= total) { /* one batch of every row: any split */
        *local_batch = 0;
        return GENRE_OK;
    }
    const uint64_t n_batches = (total + b - 1) / b, last = total - (n_batches - 1) * b;
    if (b < p || last < p)
        return gm_fail(c, GENRE_E_INVALID_ARG,
                       "%llu rows in global batches of %llu leave a batch of %llu rows, fewer "
                       "than the %d ranks: every rank needs a share of every batch",
                       (unsigned long long)total, (unsigned long long)b,
                       (unsigned long long)(b < p ? b : last), c->size);
    for (int r = 0; r < c->size; r++) {
        uint64_t first, full, part;
        genre_mpi_mlp_batch_share(b, c->size, r, &first, &full);
        genre_mpi_mlp_batch_share(last, c->size, r, &first, &part);
        const uint64_t want = (n_batches - 1) * full + part;
        if ((uint64_t)t[(size_t)r * T_N + T_ROWS] != want)
            return gm_fail(c, GENRE_E_SHAPE,
                           "rank %d holds %lld rows; its share of %llu rows in global batches "
                           "of %llu is %llu (genre_mpi_mlp_batch_share)",
                           r, (long long)t[(size_t)r * T_N + T_ROWS], (unsigned long long)total,
                           (unsigned long long)b, (unsigned long long)want);
        if (r == c->rank)
            *local_batch = (int64_t)full;
    }
    return GENRE_OK;
}

genre_status genre_mpi_mlp_fit(MPI_Comm comm, genre_mlp *model, const double *x, size_t n_rows,
                               size_t n_cols, size_t row_stride, const int32_t *labels)
{
    gm_ctx c;
    genre_status st = gm_open(&c, comm, __func__);
    if (st != GENRE_OK)
        return st;
    int64_t row[T_N] = {0}, *table = calloc((size_t)c.size, sizeof row);
    int32_t *widths = NULL;
    size_t n_layers = 0;
    if (!table)
        st = gm_fail(&c, GENRE_E_NOMEM, "no memory for %d ranks' sizes", c.size);
    else
        st = local_row(&c, model, x, n_rows, n_cols, row_stride, labels, row, &widths,
                       &n_layers);
    st = gm_agree(&c, st);
    if (st != GENRE_OK)
        goto done;
    int err = MPI_Allgather(row, T_N, MPI_INT64_T, table, T_N, MPI_INT64_T, c.comm);
    if (err != MPI_SUCCESS) {
        st = gm_mpi_fail(&c, "MPI_Allgather", err);
        goto done;
    }
    int64_t local_batch = 0;
    st = check_table(&c, table, &local_batch);
    if (st != GENRE_OK)
        goto done;
    /* the class count of the union, when the model takes it from the labels */
    int64_t classes = table[T_CLASSES];
    if (classes == 0)
        for (int r = 0; r < c.size; r++)
            classes = table[(size_t)r * T_N + T_TOP_LABEL] + 1 > classes
                          ? table[(size_t)r * T_N + T_TOP_LABEL] + 1
                          : classes;
    /* GENRE_MLP_N_PARAMS of the network the fit will build */
    uint64_t n_params = 0, fan_in = n_cols;
    for (size_t l = 0; l <= n_layers; l++) {
        uint64_t fan_out = l < n_layers ? (uint64_t)widths[l] : (uint64_t)(classes > 1 ? classes : 2);
        n_params += (fan_in + 1) * fan_out;
        fan_in = fan_out;
    }
    gm_stepper s;
    st = gm_stepper_open(&s, &c, (size_t)n_params + 2);
    if (st == GENRE_OK) {
        const int64_t batch = table[T_BATCH], classes_param = table[T_CLASSES];
        /* the default is one thread per rank: the ranks are the parallelism,
         * and an unbound rank would split its share over its mask's CPUs */
        int64_t threads = -1;
        genre_status fit = genre_mlp_get_i64(model, GENRE_MLP_N_THREADS, &threads);
        if (fit == GENRE_OK && threads == 0)
            fit = genre_mlp_set_i64(model, GENRE_MLP_N_THREADS, 1);
        if (fit == GENRE_OK)
            fit = genre_mlp_set_i64(model, GENRE_MLP_BATCH_SIZE, local_batch);
        if (fit == GENRE_OK && classes_param == 0 && classes <= 65536)
            fit = genre_mlp_set_i64(model, GENRE_MLP_N_CLASSES, classes);
        if (fit == GENRE_OK)
            fit = genre_mlp_set_reducer(model, gm_step_reduce, &s);
        if (fit == GENRE_OK)
            fit = genre_mlp_fit(model, x, n_rows, n_cols, row_stride, labels, NULL, 0, 0, NULL);
        st = gm_stepper_end(&s, fit);
        char why[1024];
        strncpy(why, genre_last_error(), sizeof why - 1);
        why[sizeof why - 1] = '\0';
        /* the caller's parameters back, so the saved models compare equal */
        genre_mlp_set_reducer(model, NULL, NULL);
        genre_mlp_set_i64(model, GENRE_MLP_BATCH_SIZE, batch);
        genre_mlp_set_i64(model, GENRE_MLP_N_CLASSES, classes_param);
        if (threads == 0)
            genre_mlp_set_i64(model, GENRE_MLP_N_THREADS, 0);
        if (st != GENRE_OK)
            genre_set_error(st, why);
    }
    gm_stepper_close(&s);
    if (st == GENRE_OK)
        st = gm_check_same_model(&c, &gm_mlp_model, model);
done:
    free(table);
    free(widths);
    gm_close(&c);
    return st;
}
