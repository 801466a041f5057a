/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * MLP training: initialisation, workspaces, the double mini-batch gradient
 * (dense and CSR first layer), evaluation, the optimisers and the fit loop
 * behind genre_mlp_fit(), genre_mlp_fit_csr() and genre_mlp_fit_regression().
 */

#include "mlp_private.h"

#include "huge_pages.h"

void genre__mlp_init_params(mlp_net *n, const mlp_params *p)
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

void genre__mlp_ws_free(train_ws *w)
{
    genre__free(w->block);
    genre__free(w->perm);
    genre__free(w->ptrs);
    genre__free(w->slot);
    genre__free(w->touched);
    genre__free(w->feat_start);
    genre__free(w->ent_slot);
    genre__free(w->ent_row);
    genre__free(w->ent_val);
}

/*
 * Training arrays are feature-major with a padded row count ld: the batch's
 * rows, rounded up to a multiple of 8, plus 8. The padding keeps the
 * kernels on whole vectors and, above all, keeps the width rows of an array
 * (2 KiB apart for 256 rows) from mapping to the same few L1 cache sets.
 * Padding rows hold zero inputs and zero output gradients, so they add
 * exact zeros to every gradient sum.
 */
size_t genre__mlp_padded_rows(size_t rows)
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
genre_status genre__mlp_ws_alloc(train_ws *w, const mlp_net *n, size_t batch, const fit_data *fd,
                                 int dropout, int keep_best, int lazy)
{
    memset(w, 0, sizeof *w);
    const int csr = fd->in.row_ptr != NULL;
    size_t cap = 0, entries = csr ? entries_bound(fd, batch, &cap) : 0;
    const size_t o1 = n->width[1];
    batch = genre__mlp_padded_rows(batch);
    const size_t L = n->n_layers;
    const size_t total = (csr ? (2 + WL + batch) * o1 : batch * n->width[0]) +
                         genre__mlp_batch_array_count(n, batch, dropout) +
                         (3 + !!keep_best) * n->n_params + n->width[L] +
                         /* monitor rows are dense: the larger dense scratch then */
                         genre__mlp_infer_scratch(n, BLOCK_ROWS,
                                                  fd->val.row_ptr != NULL && !fd->has_mon) +
                         2 * batch;
    w->block = genre__calloc_array(total, sizeof(double));
    w->perm = genre__alloc_array(fd->n_rows, sizeof(size_t));
    w->ptrs = genre__calloc_array(3 * L + 1, sizeof(double *));
    if (csr) {
        w->slot = genre__alloc_array(fd->n_cols, sizeof(size_t));
        w->touched = genre__alloc_array(cap, sizeof(size_t));
        w->feat_start = genre__alloc_array(cap + 1, sizeof(size_t));
        w->ent_slot = genre__alloc_array(entries, sizeof(size_t));
        w->ent_row = genre__alloc_array(entries, sizeof(size_t));
        w->ent_val = genre__alloc_array(entries, sizeof(double));
    }
    if (!w->block || !w->perm || !w->ptrs ||
        (csr && (!w->slot || !w->touched || !w->feat_start || !w->ent_slot || !w->ent_row ||
                 !w->ent_val))) {
        genre__mlp_ws_free(w);
        return GENRE_E_NOMEM;
    }
    if (csr) /* the first layer's rows (weights, moments) are visited at the
              * batch's features, scattered over the table */
        genre__advise_huge_pages(w->block, total * sizeof(double));
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
        w->lanes = p;
        p += WL * o1;
        w->dzr = p;
        p += batch * o1;
    } else {
        w->x0 = p;
        p += batch * n->width[0];
    }
    p = genre__mlp_carve_batch_arrays(n, batch, dropout, p, w->h, w->d, w->mask, &w->zout, &w->g1,
                                      &w->g2);
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

/*
 * Forward and backward over the batch rows idx[0..rows): fills w->grad with
 * the gradient of the mean loss (+ L2) and returns the mean data loss in
 * *loss, both means over `norm` rows (rows itself, or the whole mini-batch
 * when this is one thread's share of it). rng drives dropout (NULL or p ==
 * 0: no dropout).
 */
/* grad += l2 * W for layer l's weights (not its biases); nothing when l2 = 0. */
void genre__mlp_add_l2(const mlp_net *n, size_t l, double l2, const double *params, double *grad)
{
    if (l2 <= 0.0)
        return;
    const double *wl = params + n->w_off[l];
    double *gl = grad + n->w_off[l];
    for (size_t i = 0; i < n->width[l] * n->width[l + 1]; i++)
        gl[i] += l2 * wl[i];
}

genre_status genre__mlp_batch_grad(const mlp_net *n, const mlp_params *p, const fit_data *fd,
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

    const size_t ld = genre__mlp_padded_rows(rows); /* row stride of every array below */
    const int csr = fd->in.row_ptr != NULL;
    if (!csr)
        genre__mlp_gather_rows(fd->in.x, fd->in.stride, idx, rows, n_in, w->x0, ld);
    const double *a = w->x0;
    for (size_t l = 0; l < L; l++) {
        size_t in = n->width[l], o = n->width[l + 1];
        double *z = l + 1 == L ? w->zout : w->h[l];
        if (l == 0 && csr) {
            genre__mlp_csr_forward(&fd->in, idx, 0, rows, ld, params + n->w_off[0],
                                   params + n->b_off[0], o, z, l + 1 < L && relu,
                                   w->rowbuf);
            st = GENRE_OK;
        } else {
            st = genre__mlp_dense_forward(genre__mlp_use_builtin(n, l), a, ld, in,
                                          params + n->w_off[l], params + n->b_off[l], o, z,
                                          l + 1 < L && relu);
        }
        if (st != GENRE_OK)
            return st;
        if (l + 1 < L) {
            if (!relu)
                genre__mlp_activate(n->activation, z, ld * o);
            if (drop) {
                genre__mlp_dropout_forward(rng, p->dropout, keep_scale, z, w->mask[l], w->d[l],
                                           ld * o);
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
        genre__mlp_softmax_parts(zo, ld, k, dz, mx, sum);
        for (size_t r = 0; r < rows; r++) {
            size_t y = (size_t)fd->labels[idx[r]];
            total += log(sum[r]) + mx[r] - zo[y * ld + r];
            sum[r] = inv / sum[r];
        }
        for (size_t r = rows; r < ld; r++)
            sum[r] = 0.0; /* padding rows: zero gradient */
        genre__mlp_scale_cols(dz, ld, k, sum);
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
            genre__mlp_csr_first_layer_grad(n, p, fd, idx, rows, ld, dz, w);
            break;
        }
        const double *al = l == 0 ? w->x0 : w->d[l - 1];
        int builtin = genre__mlp_use_builtin(n, l);
        st = genre__mlp_dense_weight_grad(builtin, al, ld, in, dz, o, w->grad + n->w_off[l],
                                          w->grad + n->b_off[l]);
        if (st != GENRE_OK)
            return st;
        genre__mlp_add_l2(n, l, p->l2, params, w->grad);
        if (l == 0)
            break; /* no gradient for the input itself */
        double *da = dz == w->g1 ? w->g2 : w->g1;
        /* ReLU's derivative is fused into the product unless dropout comes between */
        const int fuse = relu && !drop;
        st = genre__mlp_dense_input_grad(builtin, dz, ld, o, params + n->w_off[l], in, da,
                                         fuse ? w->h[l - 1] : NULL);
        if (st != GENRE_OK)
            return st;
        genre__mlp_hidden_backward(n->activation, fuse, drop ? w->mask[l - 1] : NULL, w->h[l - 1],
                                   da, ld * in);
        dz = da;
    }
    return GENRE_OK;
}

/* Loss and accuracy on held-out rows (the validation or the monitor rows):
 * n_val rows of in with their labels (classification) or targets y. */
static genre_status evaluate(const mlp_net *n, const mlp_input *in, size_t n_val,
                             const int32_t *labels, const double *y, train_ws *w, double *loss,
                             double *acc)
{
    size_t k = n->width[n->n_layers];
    double total = 0.0;
    size_t correct = 0;
    for (size_t r0 = 0; r0 < n_val; r0 += BLOCK_ROWS) {
        size_t rows = n_val - r0 < BLOCK_ROWS ? n_val - r0 : BLOCK_ROWS;
        const double *zt;
        genre_status st = genre__mlp_forward_infer(n, in, r0, rows, n->n_layers, w->val_bufs,
                                                   &zt);
        if (st != GENRE_OK)
            return st;
        for (size_t r = 0; r < rows; r++) {
            if (n->task == GENRE_MLP_TASK_CLASSIFICATION) {
                size_t label = (size_t)labels[r0 + r], best = 0;
                for (size_t j = 0; j < k; j++)
                    w->val_out[j] = zt[j * rows + r];
                best = genre__mlp_argmax(w->val_out, k);
                double s = 0.0;
                for (size_t j = 0; j < k; j++)
                    s += exp(w->val_out[j] - w->val_out[best]);
                total += log(s) + w->val_out[best] - w->val_out[label];
                correct += best == label;
            } else {
                const double *yr = y + (r0 + r) * k;
                for (size_t j = 0; j < k; j++)
                    total += (zt[j * rows + r] - yr[j]) * (zt[j * rows + r] - yr[j]);
            }
        }
    }
    if (n->task == GENRE_MLP_TASK_CLASSIFICATION) {
        *loss = total / (double)n_val;
        *acc = (double)correct / (double)n_val;
    } else {
        *loss = total / ((double)n_val * (double)k);
        *acc = NAN;
    }
    return GENRE_OK;
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

void genre__mlp_opt_step(const mlp_params *p, double lr, uint64_t t, double b1t, double b2t,
                         double *par, const double *g, double *m1, double *m2, size_t np)
{
    if (p->optimizer == GENRE_MLP_OPT_ADAM) {
        const double b1 = p->beta1, b2 = p->beta2, e = p->eps;
        const double step = lr / (1.0 - b1t), bc2 = sqrt(1.0 - b2t);
#if GENRE_MLP_AVX2
        if (genre__mlp_have_avx2())
            genre__mlp_adam_step_avx2(par, g, m1, m2, np, b1, b2, step, bc2, e);
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

/* ---- The fit loop (double, float, 1 or T threads) and the fit calls ------- */

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
    /* with a reducer: per-batch sums without L2 (p_rest), L2 once after it */
    const int reduce = model->hooks.reduce != NULL;
    if (reduce && fd->in.row_ptr && p->sparse_update)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "GENRE_MLP_SPARSE_UPDATE = 1 (lazy) cannot be used with a gradient "
                           "reducer (genre_mlp_set_reducer): each process would update only "
                           "its own rows' features; set it to 0");

    mlp_net *n = NULL;
    genre_status st = genre__mlp_net_new(func, widths, L, task, (int32_t)p->activation,
                                         (int32_t)p->kernel, (size_t)p->epochs, &n);
    if (st != GENRE_OK)
        return st;
    if (fd->in.row_ptr) /* before the first write: see genre__mlp_ws_alloc() */
        genre__advise_huge_pages(n->params, n->n_params * sizeof(double));
    genre__mlp_init_params(n, p);
    size_t batch = (p->batch == 0 || (uint64_t)p->batch >= fd->n_rows) ? fd->n_rows
                                                                      : (size_t)p->batch;
    train_ws w;
    st = genre__mlp_ws_alloc(&w, n, batch, fd, p->dropout > 0.0, p->patience > 0,
                             (int)p->sparse_update);
    if (st != GENRE_OK) {
        genre__mlp_net_free(n);
        return st;
    }
    const int T = genre__mlp_fit_threads(n, p, fd, batch);
    mlp_params p_rest = *p;
    p_rest.l2 = 0.0;
    team_job job;
    memset(&job, 0, sizeof job);
    f32_ctx fc;
    memset(&fc, 0, sizeof fc);
    const int f32 = p->precision == GENRE_MLP_PRECISION_FLOAT;
    if (f32) {
        st = genre__mlp_f32_new(&fc, n, fd, batch, T, p->dropout > 0.0);
        if (st != GENRE_OK) {
            genre__mlp_ws_free(&w);
            genre__mlp_net_free(n);
            return st;
        }
    }
    const mlp_params *p_batch = reduce ? &p_rest : p; /* who adds L2 */
    const size_t np = n->n_params;
    double *rbuf = NULL; /* the reducer's buffer */
    if (reduce && !(rbuf = genre__alloc_array(np + 2, sizeof *rbuf)))
        st = genre__fail(GENRE_E_NOMEM, func, "cannot allocate the reducer's %zu doubles",
                         np + 2);
    if (st == GENRE_OK && T > 1) {
        st = genre__mlp_team_job_new(&job, n, p_batch, &p_rest, fd, &w, batch, T,
                                     f32 ? &fc : NULL);
        job.norm = reduce ? 1 : 0;
        if (st == GENRE_E_NOMEM)
            st = genre__fail(st, func, "cannot allocate %d training threads' workspaces", T);
    }
    if (st != GENRE_OK) {
        genre__free(rbuf);
        genre__mlp_f32_free(&fc);
        genre__mlp_ws_free(&w);
        genre__mlp_net_free(n);
        return st;
    }
    genre__rng shuffle_rng, drop_rng;
    genre__rng_init(&shuffle_rng, (uint64_t)p->seed, STREAM_SHUFFLE);
    genre__rng_init(&drop_rng, (uint64_t)p->seed, STREAM_DROPOUT);

    const size_t E = (size_t)p->epochs;
    double *hist_train = n->hist, *hist_val = n->hist + E, *hist_acc = n->hist + 2 * E;
    double *hist_mon = n->hist + 3 * E, *hist_mon_acc = n->hist + 4 * E;
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
        double sum_loss = 0.0, sum_rows = 0.0; /* every process's, with a reducer */
        for (size_t r0 = 0; r0 < fd->n_rows; r0 += batch) {
            size_t rows = fd->n_rows - r0 < batch ? fd->n_rows - r0 : batch;
            double loss, batch_rows = (double)rows;
            if (T > 1) {
                st = genre__mlp_team_batch(&job, w.perm + r0, rows, &loss);
            } else {
                st = genre__mlp_single_batch(n, p_batch, fd, f32 ? &fc : NULL, w.perm + r0, rows,
                                             reduce ? 1 : rows, &w, &drop_rng, &loss);
            }
            if (st == GENRE_OK && reduce) {
                st = genre__mlp_reduce_batch(model, func, n, p->l2, t + 1, rbuf, w.grad, &loss,
                                             rows, &batch_rows);
                loss /= batch_rows; /* the mean, as without a reducer */
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
            sum_loss += loss * batch_rows;
            sum_rows += batch_rows;
            t++;
            double *par = n->params;
            const double *g = w.grad;
            b1t *= p->beta1;
            b2t *= p->beta2;
            if (w.lazy) {
                /* lazy: the rows of W_0 of the batch's features, then the rest */
                const size_t o1 = n->width[1], head = n->b_off[0];
                genre__mlp_lazy_step(p, lr, t, b1t, b2t, par, &w, o1);
                genre__mlp_opt_step(p, lr, t, b1t, b2t, par + head, g + head, w.m1 + head,
                         w.m2 + head, np - head);
            } else {
                genre__mlp_opt_step(p, lr, t, b1t, b2t, par, g, w.m1, w.m2, np);
            }
            if (f32)
                genre__mlp_f32_refresh(&fc, n);
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
        hist_train[e0] = sum_loss / sum_rows; /* sum_rows == n_rows without a reducer */
        hist_val[e0] = NAN;
        hist_acc[e0] = NAN;
        hist_mon[e0] = NAN;
        hist_mon_acc[e0] = NAN;
        n->n_epochs = epoch;
        if (fd->has_mon) { /* watched only: nothing below reads it */
            st = evaluate(n, &fd->mon, fd->n_mon, fd->labels_mon, NULL, &w, &hist_mon[e0],
                          &hist_mon_acc[e0]);
            if (st != GENRE_OK)
                break;
        }
        if (fd->has_val) {
            st = evaluate(n, &fd->val, fd->n_val, fd->labels_val, fd->y_val, &w, &hist_val[e0],
                          &hist_acc[e0]);
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
        if (genre__progress(&model->hooks, GENRE_MLP_PHASE_TRAIN, (int64_t)epoch, (int64_t)E,
                            hist_train[e0])) {
            st = genre__fail(GENRE_E_CANCELLED, func,
                             "cancelled by the progress callback after epoch %zu", epoch);
            break;
        }
        if (p->patience > 0 && wait >= (uint64_t)p->patience) {
            stopped = 1;
            genre__log(&model->hooks, GENRE_LOG_INFO,
                       "%s: early stop after epoch %zu; best validation loss %g at epoch %zu",
                       func, epoch, best_val, best_epoch);
            break;
        }
    }
    if (T > 1)
        genre__mlp_team_job_free(&job);
    genre__mlp_f32_free(&fc);
    genre__free(rbuf);
    if (st != GENRE_OK) {
        genre__mlp_ws_free(&w);
        genre__mlp_net_free(n);
        return st;
    }
    n->best_epoch = (int64_t)n->n_epochs;
    n->stopped_early = stopped;
    if (p->patience > 0 && p->restore_best && best_epoch > 0) {
        memcpy(n->params, w.best, np * sizeof *w.best);
        n->best_epoch = (int64_t)best_epoch;
    }
    /* Compact the history to the epochs run. */
    if (n->n_epochs < E)
        for (size_t kind = 1; kind < HIST_KINDS; kind++)
            memmove(n->hist + kind * n->n_epochs, n->hist + kind * E,
                    n->n_epochs * sizeof(double));
    genre__mlp_ws_free(&w);
    genre__mlp_net_free(model->net);
    model->net = n;
    genre__mlp_partial_free(model->partial); /* its optimiser state was the old net's */
    model->partial = NULL;
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
    fit_data fd = {.in = {x, row_stride, NULL, NULL, NULL},
                   .n_rows = n_rows,
                   .n_cols = n_cols,
                   .labels = labels,
                   .val = {x_val, val_row_stride, NULL, NULL, NULL},
                   .n_val = x_val ? n_val_rows : 0,
                   .labels_val = labels_val,
                   .has_val = x_val != NULL};
    st = genre__mlp_monitor_attach(model, __func__, n_cols, k, &fd);
    if (st != GENRE_OK)
        return st;
    return train(model, __func__, GENRE_MLP_TASK_CLASSIFICATION, k, &fd);
}

genre_status genre_mlp_fit_csr(genre_mlp *model, size_t n_rows, size_t n_cols, size_t nnz,
                               const size_t *row_ptr, const uint32_t *col_idx, const double *values,
                               const int32_t *labels, size_t n_val_rows, size_t val_nnz,
                               const size_t *val_row_ptr, const uint32_t *val_col_idx,
                               const double *val_values, const int32_t *labels_val)
{
    GENRE_CHECK_NOT_NULL(model);
    if (model->p.precision == GENRE_MLP_PRECISION_FLOAT)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "GENRE_MLP_PRECISION = %d (FLOAT): CSR fits are double only; set "
                          "GENRE_MLP_PRECISION_DOUBLE",
                          GENRE_MLP_PRECISION_FLOAT);
    const int fin = (int)model->p.validate;
    genre_status st = genre__mlp_check_csr(__func__, "x", n_rows, n_cols, nnz, row_ptr, col_idx,
                                           values, fin);
    if (st != GENRE_OK)
        return st;
    GENRE_CHECK_NOT_NULL(labels);
    if (val_row_ptr) {
        st = genre__mlp_check_csr(__func__, "x_val", n_val_rows, n_cols, val_nnz, val_row_ptr,
                                  val_col_idx, val_values, fin);
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
    fit_data fd = {.in = {NULL, 0, row_ptr, col_idx, values},
                   .n_rows = n_rows,
                   .n_cols = n_cols,
                   .labels = labels,
                   .val = {NULL, 0, val_row_ptr, val_col_idx, val_values},
                   .n_val = val_row_ptr ? n_val_rows : 0,
                   .labels_val = labels_val,
                   .has_val = val_row_ptr != NULL};
    st = genre__mlp_monitor_attach(model, __func__, n_cols, k, &fd);
    if (st != GENRE_OK)
        return st;
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
    if (model->monitor)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "monitor rows are set (genre_mlp_set_monitor) but a regression has "
                          "no class labels to monitor; clear them with a NULL x");
    st = genre__check_matrix(__func__, "y", y, n_rows, n_targets, n_targets, 1);
    if (st == GENRE_OK && x_val)
        st = genre__check_matrix(__func__, "y_val", y_val, n_val_rows, n_targets, n_targets,
                                 1);
    if (st != GENRE_OK)
        return st;
    fit_data fd = {.in = {x, row_stride, NULL, NULL, NULL},
                   .n_rows = n_rows,
                   .n_cols = n_cols,
                   .y = y,
                   .val = {x_val, val_row_stride, NULL, NULL, NULL},
                   .n_val = x_val ? n_val_rows : 0,
                   .y_val = y_val,
                   .has_val = x_val != NULL};
    return train(model, __func__, GENRE_MLP_TASK_REGRESSION, n_targets, &fd);
}
