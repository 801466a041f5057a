/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The MLP's float compute mode (GENRE_MLP_PRECISION_FLOAT, 0.3).
 *
 * Mixed precision: the master weights, the optimiser state and the step
 * stay double (mlp_net, train_ws); a mini-batch runs forward and backward in
 * float on a float copy of the weights (f32_ctx.par, refreshed after every
 * step) and of the training rows (f32_ctx.x, converted once per fit), into
 * float workspaces (train_wsf, one per chunk). The chunk gradients are
 * converted to double and summed in chunk order, then the L2 term is added
 * in double (genre__mlp_f32_reduce). The portable kernels are the float
 * instance of mlp_kernels.inc (the same layout: feature-major, padded rows;
 * the same fused ReLU, fused multiply-adds in a fixed order, reductions over
 * rows in WLF = 8 fixed lanes, one AVX2 vector); the AVX2 ones
 * (mlp_kernels.c) are blocked for 8-float vectors and give the same bits
 * (tests/test_mlp_kernels.c compares them).
 */

#include "mlp_private.h"

#define LOSS_ROWS 32 /* rows per log of the float training loss */

static void wsf_free(train_wsf *w)
{
    genre__free(w->block);
    genre__free(w->ptrs);
    memset(w, 0, sizeof *w);
}

static genre_status wsf_alloc(train_wsf *w, const mlp_net *n, size_t rows, int dropout)
{
    memset(w, 0, sizeof *w);
    const size_t ld = genre__mlp_padded_rows(rows), L = n->n_layers;
    const size_t total =
        ld * n->width[0] + genre__mlp_batch_array_count(n, ld, dropout) + n->n_params + 2 * ld;
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
    p = genre__mlp_carve_batch_arraysf(n, ld, dropout, p, w->h, w->d, w->mask, &w->zout, &w->g1,
                                       &w->g2);
    w->grad = p;
    p += n->n_params;
    w->rowtmp = p;
    return GENRE_OK;
}

void genre__mlp_f32_free(f32_ctx *c)
{
    for (int t = 0; c->ws && t < c->T; t++)
        wsf_free(&c->ws[t]);
    genre__free(c->ws);
    genre__free(c->x);
    genre__free(c->par);
    memset(c, 0, sizeof *c);
}

void genre__mlp_f32_refresh(f32_ctx *c, const mlp_net *n)
{
    for (size_t i = 0; i < n->n_params; i++)
        c->par[i] = (float)n->params[i];
}

/* A float context for T chunks of a `batch`-row mini-batch. */
genre_status genre__mlp_f32_new(f32_ctx *c, const mlp_net *n, const fit_data *fd, size_t batch,
                                int T, int dropout)
{
    memset(c, 0, sizeof *c);
    const size_t nr = fd->n_rows, nc = fd->n_cols;
    c->x = nr <= SIZE_MAX / nc ? genre__alloc_array(nr * nc, sizeof(float)) : NULL;
    c->par = genre__alloc_array(n->n_params, sizeof(float));
    c->ws = genre__calloc_array((size_t)T, sizeof *c->ws);
    if (!c->x || !c->par || !c->ws) {
        genre__mlp_f32_free(c);
        return GENRE_E_NOMEM;
    }
    c->T = T;
    const size_t chunk = (batch + (size_t)T - 1) / (size_t)T;
    for (int t = 0; t < T; t++)
        if (wsf_alloc(&c->ws[t], n, chunk, dropout) != GENRE_OK) {
            genre__mlp_f32_free(c);
            return GENRE_E_NOMEM;
        }
    for (size_t i = 0; i < nr; i++)
        for (size_t k = 0; k < nc; k++)
            c->x[i * nc + k] = (float)fd->in.x[i * fd->in.stride + k];
    genre__mlp_f32_refresh(c, n);
    return GENRE_OK;
}

/*
 * genre__mlp_batch_grad() in float for dense input: w->grad (float) receives the
 * gradient of the mean data loss over `norm` rows, without the L2 term
 * (genre__mlp_f32_reduce() adds it in double); *loss the mean data loss, accumulated
 * in double from the float logits.
 */
genre_status genre__mlp_batch_gradf(const mlp_net *n, const mlp_params *p, const fit_data *fd,
                                    const f32_ctx *c, const size_t *idx, size_t rows, size_t norm,
                                    train_wsf *w, genre__rng *rng, double *loss)
{
    const size_t L = n->n_layers, n_in = n->width[0], k = n->width[L];
    const float *par = c->par;
    const int drop = p->dropout > 0.0 && rng != NULL;
    const float keep_scale = drop ? (float)(1.0 / (1.0 - p->dropout)) : 1.0f;
    const int relu = n->activation == GENRE_MLP_ACT_RELU;
    const size_t ld = genre__mlp_padded_rows(rows);
    genre__mlp_gather_rowsf(c->x, n_in, idx, rows, n_in, w->x0, ld);
    const float *a = w->x0;
    for (size_t l = 0; l < L; l++) {
        const size_t in = n->width[l], o = n->width[l + 1];
        float *z = l + 1 == L ? w->zout : w->h[l];
        genre__mlp_dense_forwardf(a, ld, in, par + n->w_off[l], par + n->b_off[l], o, z,
                                  l + 1 < L && relu);
        if (l + 1 < L) {
            if (!relu)
                genre__mlp_activatef(n->activation, z, ld * o);
            if (drop) {
                genre__mlp_dropout_forwardf(rng, p->dropout, keep_scale, z, w->mask[l], w->d[l],
                                            ld * o);
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
        genre__mlp_softmax_partsf(zo, ld, k, dz, mx, sum);
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
        genre__mlp_scale_colsf(dz, ld, k, sum);
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
        genre__mlp_dense_weight_gradf(al, ld, in, dz, o, w->grad + n->w_off[l],
                                      w->grad + n->b_off[l]);
        if (l == 0)
            break;
        float *da = dz == w->g1 ? w->g2 : w->g1;
        const int fuse = relu && !drop;
        genre__mlp_dense_input_gradf(dz, ld, o, par + n->w_off[l], in, da,
                                     fuse ? w->h[l - 1] : NULL);
        genre__mlp_hidden_backwardf(n->activation, fuse, drop ? w->mask[l - 1] : NULL, w->h[l - 1],
                                    da, ld * in);
        dz = da;
    }
    return GENRE_OK;
}

/* g (double) = the float gradients of chunks 0 .. T-1 summed in chunk
 * order, plus l2 * w for every weight. */
void genre__mlp_f32_reduce(const mlp_net *n, const mlp_params *p, const f32_ctx *c, int T,
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
        genre__mlp_add_l2(n, l, p->l2, n->params, g);
}

/* One mini-batch on the calling thread, in double or (f32 non-NULL) float:
 * the gradient, L2 included, lands in w->grad; loss and gradient averaged
 * over norm rows (rows; 1 for the sums a reducer takes). */
genre_status genre__mlp_single_batch(const mlp_net *n, const mlp_params *p, const fit_data *fd,
                                     const f32_ctx *f32, const size_t *idx, size_t rows,
                                     size_t norm, train_ws *w, genre__rng *rng, double *loss)
{
    if (!f32)
        return genre__mlp_batch_grad(n, p, fd, idx, rows, norm, w, rng, loss);
    genre_status st = genre__mlp_batch_gradf(n, p, fd, f32, idx, rows, norm, f32->ws, rng, loss);
    genre__mlp_f32_reduce(n, p, f32, 1, w->grad);
    return st;
}
