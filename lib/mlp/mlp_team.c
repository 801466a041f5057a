/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The MLP's data-parallel mini-batches.
 *
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

#include "mlp_private.h"

void genre__mlp_team_job_free(team_job *j)
{
    genre__team_free(j->team);
    for (int t = 1; j->ws && t < j->T; t++)
        genre__mlp_ws_free(&j->ws[t]);
    genre__free(j->ws);
    genre__free(j->rng);
    genre__free(j->loss);
    genre__free(j->st);
    memset(j, 0, sizeof *j);
}

/* Sets up T workers around the fit's workspace w (batch rows). */
genre_status genre__mlp_team_job_new(team_job *j, const mlp_net *n, const mlp_params *p,
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
        genre__mlp_team_job_free(j);
        return GENRE_E_NOMEM;
    }
    j->ws[0] = *w;
    /* the largest chunk: ceil(batch / T) rows; no permutation needed */
    fit_data fdw = *fd;
    fdw.n_rows = (batch + (size_t)T - 1) / (size_t)T;
    for (int t = 1; t < T && !f32; t++) {
        genre_status st = genre__mlp_ws_alloc(&j->ws[t], n, fdw.n_rows, &fdw, p->dropout > 0.0, 0,
                                              0);
        if (st != GENRE_OK) {
            for (int u = 1; u < t; u++)
                genre__mlp_ws_free(&j->ws[u]);
            j->T = 1; /* the rest were never allocated */
            genre__mlp_team_job_free(j);
            return st;
        }
    }
    for (int t = 0; t < T; t++)
        genre__rng_init(&j->rng[t], (uint64_t)p->seed, STREAM_DROPOUT_WORKER + (uint64_t)t);
    genre_status st = genre__team_new(T, &j->team);
    if (st != GENRE_OK) {
        genre__mlp_team_job_free(j);
        return st;
    }
    return GENRE_OK;
}

static void team_body(void *ctx, int t)
{
    team_job *j = ctx;
    const size_t T = (size_t)j->t_eff, b = j->rows * (size_t)t / T,
                 e = j->rows * ((size_t)t + 1) / T, norm = j->norm ? j->norm : j->rows;
    if (j->f32)
        j->st[t] = genre__mlp_batch_gradf(j->n, j->p, j->fd, j->f32, j->idx + b, e - b, norm,
                                          &j->f32->ws[t], &j->rng[t], &j->loss[t]);
    else
        j->st[t] = genre__mlp_batch_grad(j->n, t == 0 ? j->p : j->p_rest, j->fd, j->idx + b, e - b,
                                         norm, &j->ws[t], &j->rng[t], &j->loss[t]);
}

/* One mini-batch on the team: the summed gradient lands in ws[0].grad. */
genre_status genre__mlp_team_batch(team_job *j, const size_t *idx, size_t rows, double *loss)
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
        genre__mlp_f32_reduce(j->n, j->p, j->f32, j->t_eff, g);
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
 * min(affinity CPUs, 2, batch / 128), measured on the 2-core bench machine
 * (bench/bench_mlp.c); never more than the batch's rows. */
int genre__mlp_fit_threads(const mlp_net *n, const mlp_params *p, const fit_data *fd, size_t batch)
{
    if (fd->in.row_ptr != NULL)
        return 1;
    for (size_t l = 0; p->precision != GENRE_MLP_PRECISION_FLOAT && l < n->n_layers; l++)
        if (!genre__mlp_use_builtin(n, l))
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
