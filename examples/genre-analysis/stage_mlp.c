/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MLP stage: the four reference MLPs, learning rate and epochs chosen
 * on validation rows, test-loss curves (the fits' monitor rows),
 * evaluation (stage_mlp()). */
#define _XOPEN_SOURCE 700

#include "analysis.h"
#include "pool.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N_LR 2
static const double LRS[N_LR] = {0.01, 0.003};

static void take_columns(const double *src, size_t n, size_t sd, size_t d, double *dst)
{
    for (size_t i = 0; i < n; i++)
        memcpy(dst + i * d, src + i * sd, d * sizeof *dst);
}

typedef struct mlp_ctx {
    pool p;                      /* first: the pool's callback casts back */
    run *r;
    size_t nsel;
    int sel_done[MAX_MODELS], chosen[MAX_MODELS];
    int64_t curve_epochs[MAX_MODELS]; /* the chosen fit's best epoch: the curve's end */
    bar *bar;
} mlp_ctx;

/* The validation loss at the best epoch of a selection fit (+inf if none). */
static double best_val_loss(const genre_mlp *mlp)
{
    int64_t be = 0;
    size_t ne = 0;
    double loss = INFINITY;
    if (!mlp || genre_mlp_get_i64(mlp, GENRE_MLP_BEST_EPOCH, &be))
        return loss;
    genre_mlp_get_history(mlp, GENRE_MLP_HISTORY_VAL_LOSS, NULL, 0, &ne); /* size query */
    if (be < 1 || (size_t)be > ne)
        return loss;
    double *h = xcalloc(ne, sizeof *h);
    if (h && !genre_mlp_get_history(mlp, GENRE_MLP_HISTORY_VAL_LOSS, h, ne, &ne))
        loss = h[be - 1];
    free(h);
    return loss;
}

/* A job finished (pool lock held): shrink the bar's total to the epochs
 * actually run, and when both rates of a model are in, choose the rate with
 * the lower best validation loss. */
static void mlp_done(pool *p, size_t i)
{
    mlp_ctx *c = (mlp_ctx *)p;
    mlp_job *j = &p->jobs[i];
    int64_t ran = 0;
    if (j->out)
        genre_mlp_get_i64(j->out, GENRE_MLP_EPOCHS_RUN, &ran);
    pthread_mutex_lock(&c->bar->lock);
    c->bar->total -= c->r->opt.epochs - ran;
    pthread_mutex_unlock(&c->bar->lock);
    if (i >= c->nsel)
        return;
    int k = (int)(i / N_LR);
    if (++c->sel_done[k] < N_LR)
        return;
    int best = -1;
    double best_loss = INFINITY;
    for (int l = 0; l < N_LR; l++) {
        mlp_job *s = &p->jobs[k * N_LR + l];
        if (s->st)
            return; /* reported after the pool */
        double loss = best_val_loss(s->out);
        c->r->m[k].lr_val_loss[l] = loss;
        if (best < 0 || loss < best_loss)
            best_loss = loss, best = l;
    }
    if (g_cancel)
        return;
    mlp_job *s = &p->jobs[k * N_LR + best];
    int64_t e = 0; /* the chosen epoch: the curve follows the chosen model's training */
    genre_mlp_get_i64(s->out, GENRE_MLP_BEST_EPOCH, &e);
    if (e < 1)
        e = 1;
    c->chosen[k] = best;
    c->curve_epochs[k] = e;
}

/* A user's table: d-20-15-K on the scaled features, and 3-15-K and 2-15-K
 * on the first LDA discriminants when there are that many. */
static void user_models(run *r)
{
    int n = 0;
    model_result *m = &r->m[n++];
    *m = (model_result){.hidden = {20, 15}, .n_hidden = 2, .n_in = (int)r->d,
                        .ref_auroc = NAN, .ref_acc = NAN, .ref_epochs = NAN, .ref_time = NAN};
    snprintf(m->name_buf, sizeof m->name_buf, "all %zu features", r->d);
    snprintf(m->layers_buf, sizeof m->layers_buf, "%zu-20-15-%d", r->d, r->K);
    for (int dim = 3; dim >= 2; dim--) {
        if ((size_t)dim > r->n_ld)
            continue;
        m = &r->m[n++];
        *m = (model_result){.hidden = {15}, .n_hidden = 1, .n_in = dim, .lda_inputs = dim,
                            .ref_auroc = NAN, .ref_acc = NAN, .ref_epochs = NAN,
                            .ref_time = NAN};
        snprintf(m->name_buf, sizeof m->name_buf, "LDA %d-D", dim);
        snprintf(m->layers_buf, sizeof m->layers_buf, "%d-15-%d", dim, r->K);
    }
    for (int k = 0; k < n; k++)
        r->m[k].name = r->m[k].name_buf, r->m[k].ref_layers = r->m[k].layers_buf;
    r->n_models = n;
}

void models_init(run *r)
{
    if (r->is_ref)
        ref_init_models(r);
    else
        user_models(r);
}

int stage_mlp(run *r, stage *s)
{
    if (r->opt.no_mlp) {
        stage_note(s, "--no-mlp");
        stage_end(s, ST_SKIPPED);
        return 0;
    }
    genre_status st = GENRE_OK;
    const char *what = "MLP";
    /* validation rows: every 10th training row of each genre (the rows are
     * already shuffled by the split) */
    size_t nv = 0, nf = 0, *seen = xcalloc((size_t)r->K, sizeof *seen);
    const size_t K = (size_t)r->K;
    uint8_t *is_val = xcalloc(r->ntr, 1);
    if (!is_val || !seen) {
        free(is_val), free(seen);
        return stage_fail(r, s, GENRE_E_NOMEM, what);
    }
    /* a class with 2 to 9 training rows gives its last one, so that many
     * small classes (K = 200 on 2,000 rows) still leave validation rows */
    for (size_t i = 0; i < r->ntr; i++) {
        int c = r->ytr[i];
        int64_t nc = r->train_per_class[c];
        seen[c]++;
        is_val[i] = seen[c] % 10 == 0 || (nc >= 2 && nc < 10 && (int64_t)seen[c] == nc);
        nv += is_val[i];
    }
    nf = r->ntr - nv;
    /* inputs per model: the d standardized columns or the first LDA ones */
    double *in_tr[MAX_MODELS] = {0}, *in_te[MAX_MODELS] = {0}, *in_f[MAX_MODELS] = {0},
           *in_v[MAX_MODELS] = {0};
    int32_t *yf = xcalloc(nf, sizeof *yf), *yv = xcalloc(nv, sizeof *yv);
    mlp_job jobs[MAX_MODELS * N_LR];
    memset(jobs, 0, sizeof jobs);
    double *proba_tr = xcalloc(r->ntr * K, sizeof *proba_tr);
    int ok = yf && yv && proba_tr;
    for (int k = 0; k < r->n_models && ok; k++) {
        size_t d = (size_t)r->m[k].n_in;
        in_tr[k] = xcalloc(r->ntr * d, sizeof(double));
        in_te[k] = xcalloc(r->nte * d, sizeof(double));
        in_f[k] = xcalloc(nf * d, sizeof(double));
        in_v[k] = xcalloc(nv * d, sizeof(double));
        ok = in_tr[k] && in_te[k] && in_f[k] && in_v[k];
        if (!ok)
            break;
        if (!r->m[k].lda_inputs) {
            memcpy(in_tr[k], r->str, r->ntr * d * sizeof(double));
            memcpy(in_te[k], r->ste, r->nte * d * sizeof(double));
        } else {
            take_columns(r->lda_tr, r->ntr, r->n_ld, d, in_tr[k]);
            take_columns(r->lda_te, r->nte, r->n_ld, d, in_te[k]);
        }
        for (size_t i = 0, a = 0, b = 0; i < r->ntr; i++) {
            if (is_val[i]) {
                memcpy(in_v[k] + b * d, in_tr[k] + i * d, d * sizeof(double));
                yv[b++] = r->ytr[i];
            } else {
                memcpy(in_f[k] + a * d, in_tr[k] + i * d, d * sizeof(double));
                yf[a++] = r->ytr[i];
            }
        }
    }
    if (!ok) {
        st = GENRE_E_NOMEM;
        goto fail;
    }
    /* Learning rate and epochs chosen on the validation rows (early
     * stopping with patience 30 keeps the best-validation weights); each
     * fit's test rows are its monitor rows, so the chosen fit's test-loss
     * curve up to the chosen epoch comes with it, for the plot only (the
     * monitor never feeds the training). */
    bar b;
    bar_start(&b, "MLPs (lr, epochs, curves)");
    pthread_mutex_init(&b.lock, NULL);
    size_t nsel = (size_t)r->n_models * N_LR;
    b.total = (int64_t)nsel * r->opt.epochs;
    for (size_t j = 0; j < nsel; j++) {
        int k = (int)(j / N_LR), l = (int)(j % N_LR);
        jobs[j] = (mlp_job){.r = r, .m = &r->m[k], .xf = in_f[k], .xv = in_v[k],
                            .xt = in_te[k], .yf = yf, .yv = yv, .yt = r->yte,
                            .nf = nf, .nv = nv, .nt = r->nte, .lr = LRS[l],
                            .epochs = r->opt.epochs, .bar = &b};
    }
    mlp_ctx ctx = {.p = {.jobs = jobs, .n = nsel, .on_done = mlp_done}, .r = r, .nsel = nsel,
                   .bar = &b};
    for (int k = 0; k < MAX_MODELS; k++)
        ctx.chosen[k] = -1;
    ctx.p.ud = &ctx;
    run_pool(&ctx.p, r->opt.threads, nsel);
    stage_add_cpu(s, ctx.p.cpu);
    pthread_mutex_destroy(&b.lock);
    for (size_t j = 0; j < ctx.p.n; j++)
        if (jobs[j].st) {
            bar_end(&b, "stopped");
            st = jobs[j].st;
            genre_clear_error();
            snprintf(r->error, sizeof r->error, "%s", jobs[j].err);
            what = "MLP fit";
            goto fail;
        }
    int all_chosen = 1;
    for (int k = 0; k < r->n_models; k++)
        all_chosen &= ctx.chosen[k] >= 0;
    if (!all_chosen) {
        bar_end(&b, "stopped");
        st = g_cancel ? GENRE_E_CANCELLED : GENRE_E_NOMEM;
        goto fail;
    }
    bar_end(&b, "done");
    /* evaluate the chosen fit of each model */
    for (int k = 0; k < r->n_models; k++) {
        model_result *m = &r->m[k];
        int best = ctx.chosen[k];
        mlp_job *j = &jobs[k * N_LR + best];
        m->lr = LRS[best];
        m->val_loss = m->lr_val_loss[best];
        m->train_time = j->seconds;
        genre_mlp_get_i64(j->out, GENRE_MLP_N_PARAMS, &m->params);
        genre_mlp_get_i64(j->out, GENRE_MLP_EPOCHS_RUN, &m->epochs_run);
        genre_mlp_get_i64(j->out, GENRE_MLP_BEST_EPOCH, &m->best_epoch);
        size_t d = (size_t)m->n_in;
        m->proba_test = xcalloc(r->nte * K, sizeof(double));
        m->per_class = xcalloc(K, sizeof(double));
        if (!m->proba_test || !m->per_class) {
            st = GENRE_E_NOMEM;
            goto fail;
        }
        what = "MLP evaluation";
        if ((st = genre_mlp_predict_proba(j->out, in_te[k], r->nte, d, d, m->proba_test,
                                          r->nte * K, NULL)) ||
            (st = genre_mlp_predict_proba(j->out, in_tr[k], r->ntr, d, d, proba_tr,
                                          r->ntr * K, NULL)) ||
            (st = eval_proba(r->K, r->yte, m->proba_test, r->nte, &m->auroc, &m->auroc_micro,
                             &m->acc, m->per_class)) ||
            (st = eval_proba(r->K, r->ytr, proba_tr, r->ntr, &m->train_auroc, NULL,
                             &m->train_acc, NULL)))
            goto fail;
        /* train and validation loss of the chosen fit, all epochs it ran */
        size_t ne = 0;
        genre_mlp_get_history(j->out, GENRE_MLP_HISTORY_VAL_LOSS, NULL, 0, &ne);
        m->hist_val = xcalloc(ne, sizeof(double));
        m->hist_train = xcalloc(ne, sizeof(double));
        if (m->hist_val && m->hist_train) {
            genre_mlp_get_history(j->out, GENRE_MLP_HISTORY_VAL_LOSS, m->hist_val, ne, &ne);
            genre_mlp_get_history(j->out, GENRE_MLP_HISTORY_TRAIN_LOSS, m->hist_train, ne,
                                  &ne);
        }
        m->n_hist = ne;
        /* test loss of the same trajectory (its monitor) up to the chosen epoch */
        ne = 0;
        genre_mlp_get_history(j->out, GENRE_MLP_HISTORY_MONITOR_LOSS, NULL, 0, &ne);
        m->hist_test = xcalloc(ne, sizeof(double));
        if (m->hist_test)
            genre_mlp_get_history(j->out, GENRE_MLP_HISTORY_MONITOR_LOSS, m->hist_test, ne,
                                  &ne);
        m->n_hist_test = (size_t)ctx.curve_epochs[k] < ne ? (size_t)ctx.curve_epochs[k] : ne;
        m->available = 1;
    }
    char aurocs[160] = "";
    for (int k = 0; k < r->n_models; k++)
        snprintf(aurocs + strlen(aurocs), sizeof aurocs - strlen(aurocs), "%s%.4f",
                 k ? " / " : "", r->m[k].auroc);
    stage_note(s, "test macro AUROC %s", aurocs);
    stage_end(s, ST_DONE);
    goto cleanup;
fail:
    if (st == GENRE_E_CANCELLED || g_cancel) {
        stage_fail(r, s, GENRE_E_CANCELLED, what);
    } else {
        r->failed = 1;
        stage_note(s, "%s: %s", what, r->error[0] ? r->error : genre_last_error());
        if (!r->error[0])
            snprintf(r->error, sizeof r->error, "%s: %s", what, genre_last_error());
        stage_end(s, ST_FAILED);
    }
    for (int k = 0; k < r->n_models; k++)
        r->m[k].available = 0;
cleanup:
    for (size_t j = 0; j < MAX_MODELS * N_LR; j++)
        genre_mlp_free(jobs[j].out);
    for (int k = 0; k < MAX_MODELS; k++) {
        free(in_tr[k]), free(in_te[k]), free(in_f[k]), free(in_v[k]);
    }
    free(is_val), free(seen), free(yf), free(yv), free(proba_tr);
    return stopping(r) ? -1 : 0;
}
