/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * MLP test hooks (GENRE_TESTING builds only): the objective and gradient of
 * one mini-batch, for gradient checks.
 */

#include "mlp_private.h"

#ifdef GENRE_TESTING

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
    genre_status st = genre__mlp_net_new(__func__, widths, L, task, (int32_t)model->p.activation,
                                         (int32_t)model->p.kernel, 1, &n);
    if (st != GENRE_OK)
        return st;
    *n_params = n->n_params;
    genre__mlp_init_params(n, &model->p);
    if (params)
        memcpy(n->params, params, n->n_params * sizeof(double));
    train_ws w;
    fit_data fd = {.in = *in, .n_rows = n_rows, .n_cols = n_cols, .labels = labels, .y = y};
    st = genre__mlp_ws_alloc(&w, n, n_rows, &fd, model->p.dropout > 0.0, 0, 0);
    if (st == GENRE_OK) {
        /* GENRE_MLP_N_THREADS > 1: the fit's data-parallel batch (its
         * dropout streams come from GENRE_MLP_SEED, not dropout_seed) */
        const int T =
            model->p.n_threads > 1 ? genre__mlp_fit_threads(n, &model->p, &fd, n_rows) : 1;
        const int f32 = model->p.precision == GENRE_MLP_PRECISION_FLOAT && !in->row_ptr;
        f32_ctx fc;
        memset(&fc, 0, sizeof fc);
        if (f32)
            st = genre__mlp_f32_new(&fc, n, &fd, n_rows, T, model->p.dropout > 0.0);
        if (st == GENRE_OK && T > 1) {
            mlp_params p_rest = model->p;
            p_rest.l2 = 0.0;
            team_job job;
            st = genre__mlp_team_job_new(&job, n, &model->p, &p_rest, &fd, &w, n_rows, T,
                                         f32 ? &fc : NULL);
            if (st == GENRE_OK) {
                st = genre__mlp_team_batch(&job, w.perm, n_rows, loss);
                genre__mlp_team_job_free(&job);
            }
        } else if (st == GENRE_OK) {
            genre__rng rng;
            genre__rng_init(&rng, dropout_seed, STREAM_DROPOUT);
            st = genre__mlp_single_batch(n, &model->p, &fd, f32 ? &fc : NULL, w.perm, n_rows,
                                         n_rows, &w, &rng, loss);
        }
        genre__mlp_f32_free(&fc);
        if (st == GENRE_OK) {
            double pen = 0.0;
            for (size_t l = 0; l < L; l++)
                for (size_t i = 0; i < widths[l] * widths[l + 1]; i++)
                    pen += n->params[n->w_off[l] + i] * n->params[n->w_off[l] + i];
            *loss += 0.5 * model->p.l2 * pen;
            if (grad)
                memcpy(grad, w.grad, n->n_params * sizeof(double));
        }
        genre__mlp_ws_free(&w);
    }
    genre__mlp_net_free(n);
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
