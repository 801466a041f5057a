/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --stream: the classifiers (the LDA classifier, the MLP d-20-15-K by
 * genre_mlp_partial_fit), the spill of the training rows' LDA features for
 * the k-means passes and the stratified sample (stream_models()). */
#define _XOPEN_SOURCE 700

#include "stream.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MLP_LR 0.003 /* one rate: the in-memory run chooses 0.01 or 0.003 on validation */
#define MLP_BATCH 256

void stream_fit_free(stream_fit *f)
{
    genre_lda_free(f->lda);
    genre_pca_free(f->pca);
    genre_mlp_free(f->mlp);
    genre_metrics_partial_free(f->mp);
    if (f->spill)
        fclose(f->spill);
    if (f->mlp_spill)
        fclose(f->mlp_spill);
    reservoir_free(&f->kms[0]);
    reservoir_free(&f->kms[1]);
    for (size_t k = 0; f->strat && k < f->n_strat; k++)
        reservoir_free(&f->strat[k]);
    cl_steps_close(f->steps);
    free(f->strat), free(f->t1), free(f->t2), free(f->proba), free(f->pred),
        free(f->yf);
    memset(f, 0, sizeof *f);
}

FILE *stream_spill_open(run *r, stream_fit *f, const char *what)
{
    /* tmpfile() ignores TMPDIR: a user who points it at a larger disk
     * expects the spills there */
    const char *dir = getenv("TMPDIR");
    snprintf(f->spill_dir, sizeof f->spill_dir, "%s", dir && *dir ? dir : "/tmp");
    char path[PATH_MAX + 40];
    snprintf(path, sizeof path, "%s/genre-analysis-spill-XXXXXX", f->spill_dir);
    int fd = mkstemp(path);
    FILE *fp = fd >= 0 ? fdopen(fd, "w+b") : NULL;
    int e = errno;
    if (fd >= 0)
        unlink(path);
    if (!fp) {
        if (fd >= 0)
            close(fd);
        snprintf(r->error, sizeof r->error,
                 "cannot create the %s spill file in %.400s (TMPDIR, else /tmp): %s", what,
                 f->spill_dir, strerror(e));
    }
    return fp;
}

genre_status stream_spill_error(run *r, const stream_fit *f, const char *what, const char *verb)
{
    snprintf(r->error, sizeof r->error,
             "cannot %s the %s spill file in %.400s (TMPDIR, else /tmp): %s", verb, what,
             f->spill_dir, errno ? strerror(errno) : "end of file");
    return STREAM_E_PROGRAM;
}

/* Scratch for n rows. */
genre_status stream_fit_room(stream_fit *f, const run *r, size_t n)
{
    if (n <= f->cap)
        return GENRE_OK;
    size_t w = r->d > (size_t)r->K ? r->d : (size_t)r->K;
    free(f->t1), free(f->t2), free(f->proba), free(f->pred), free(f->yf);
    f->t1 = xcalloc(n * w, sizeof *f->t1);
    f->t2 = xcalloc(n * w, sizeof *f->t2);
    f->proba = xcalloc(n * (size_t)r->K, sizeof *f->proba);
    f->pred = xcalloc(n, sizeof *f->pred);
    f->yf = xcalloc(n, sizeof *f->yf);
    f->cap = f->t1 && f->t2 && f->proba && f->pred && f->yf ? n : 0;
    return f->cap ? GENRE_OK : GENRE_E_NOMEM;
}

/* The training rows that are not validation rows, compacted into t2 / yf. */
static size_t fit_rows(stream_fit *f, const run *r, const chunk_view *v)
{
    size_t n = 0;
    for (size_t i = 0; i < v->ntr; i++)
        if (!v->is_val[i]) {
            memcpy(f->t2 + n * r->d, v->xtr + i * r->d, r->d * sizeof *f->t2);
            f->yf[n++] = v->ytr[i];
        }
    return n;
}

/* Algorithm R per class over the training rows in file order, its random
 * numbers a hash of the seed, the class and the row's rank in its class
 * (stream_sample.c): the same sample for every chunk size and rank count. */
static void sample_add(stream_fit *f, const run *r, const chunk_view *v)
{
    for (size_t i = 0; i < v->ntr; i++)
        reservoir_add(&f->strat[v->ytr[i]], v->xtr + i * r->d, 1, r->d);
}

/* One chunk of the pass after the LDA fit: the LDA classifier's test
 * scores and training hits, the k-means reservoirs, the spills, the
 * stratified sample. */
static genre_status after_lda_chunk(stream_ctx *c, const chunk_view *v, void *ud)
{
    stream_fit *f = ud;
    run *r = c->r;
    const size_t dl = r->d_lda, nl = r->n_ld, K = (size_t)r->K;
    genre_status st = stream_fit_room(f, r, v->ntr > v->nte ? v->ntr : v->nte);
    if (st)
        return st;
    if (v->nte) {
        keep_columns(v->xte, v->nte, r->d, r->lda_mask, dl, f->t1);
        if ((st = genre_lda_predict_proba(f->lda, f->t1, v->nte, dl, dl, f->proba, v->nte * K,
                                          NULL)) ||
            (st = genre_metrics_partial_add(f->mp, f->proba, v->nte, K, K, v->yte, NULL)))
            return st;
    }
    if (!v->ntr)
        return st;
    keep_columns(v->xtr, v->ntr, r->d, r->lda_mask, dl, f->t1);
    if ((st = genre_lda_predict(f->lda, f->t1, v->ntr, dl, dl, f->pred, v->ntr, NULL)) ||
        (st = genre_lda_transform(f->lda, f->t1, v->ntr, dl, dl, f->t2, v->ntr * nl, NULL)))
        return st;
    for (size_t i = 0; i < v->ntr; i++)
        f->lda_hits += f->pred[i] == v->ytr[i];
    for (int w = 0; w < 2; w++)
        if (f->kms[w].cap)
            reservoir_add(&f->kms[w], f->t2, v->ntr, nl);
    if (f->spill) {
        double row[4];
        for (size_t i = 0; i < v->ntr; i++) {
            memcpy(row, f->t2 + i * nl, f->spill_cols * sizeof *row);
            row[f->spill_cols] = v->ytr[i];
            if (fwrite(row, sizeof *row, f->spill_cols + 1, f->spill) != f->spill_cols + 1)
                return stream_spill_error(r, f, "k-means", "write");
        }
        f->spill_rows += (int64_t)v->ntr;
    }
    sample_add(f, r, v);
    size_t n = f->mlp ? fit_rows(f, r, v) : 0;
    return n ? stream_mlp_spill(r, f, f->t2, f->yf, n) : GENRE_OK;
}

static size_t argmax_hits(const double *p, const int32_t *y, size_t n, size_t K)
{
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) {
        size_t b = 0;
        for (size_t k = 1; k < K; k++)
            if (p[i * K + k] > p[i * K + b])
                b = k;
        hits += (int32_t)b == y[i];
    }
    return hits;
}

/* The scoring pass: test rows into the metrics state, validation rows'
 * loss and accuracy, training rows' accuracy. */
static genre_status score_chunk(stream_ctx *c, const chunk_view *v, void *ud)
{
    stream_fit *f = ud;
    run *r = c->r;
    const size_t d = r->d, K = (size_t)r->K;
    genre_status st = stream_fit_room(f, r, v->ntr > v->nte ? v->ntr : v->nte);
    if (!st && v->nte &&
        (!(st = genre_mlp_predict_proba(f->mlp, v->xte, v->nte, d, d, f->proba, v->nte * K,
                                        NULL))))
        st = genre_metrics_partial_add(f->mp, f->proba, v->nte, K, K, v->yte, NULL);
    if (st || !v->ntr ||
        (st = genre_mlp_predict_proba(f->mlp, v->xtr, v->ntr, d, d, f->proba, v->ntr * K,
                                      NULL)))
        return st;
    for (size_t i = 0; i < v->ntr; i++) {
        const double *p = f->proba + i * K;
        size_t hit = argmax_hits(p, v->ytr + i, 1, K);
        if (v->is_val[i]) {
            f->val_rows++, f->val_hits += (int64_t)hit;
            f->val_loss_sum -= log(fmax(p[v->ytr[i]], 1e-15));
        } else {
            f->mlp_rows++, f->mlp_hits += (int64_t)hit;
        }
    }
    return st;
}

/* The test metrics of the state into a model's figures. The micro AUROC
 * sorts every test score at once (about 40 bytes of scratch per score: 400
 * MB for a million test rows of 10 classes); above MICRO_MAX_SCORES it is
 * not computed (NaN; the stream object says so). */
#define MICRO_MAX_SCORES 4194304
static genre_status read_metrics(const genre_metrics_partial *mp, double *macro, double *micro,
                                 double *acc, double *per_class, size_t K)
{
    int64_t n = 0;
    genre_status st = genre_metrics_partial_roc_auc_ovr(mp, GENRE_METRICS_AVERAGE_MACRO, macro);
    if (!st)
        st = genre_metrics_partial_n_rows(mp, &n);
    *micro = NAN;
    if (!st && (uint64_t)n * K <= MICRO_MAX_SCORES)
        st = genre_metrics_partial_roc_auc_ovr(mp, GENRE_METRICS_AVERAGE_MICRO, micro);
    if (!st)
        st = genre_metrics_partial_accuracy(mp, acc);
    if (!st && per_class)
        st = genre_metrics_partial_roc_auc_per_class(mp, per_class, K, NULL);
    return st;
}

/* The doubles of one MLP reduction: GENRE_MLP_N_PARAMS of d-20-15-K, the
 * loss and the row count. */
static size_t mlp_reduce_len(const run *r)
{
    return (r->d + 1) * 20 + (20 + 1) * 15 + (15 + 1) * (size_t)r->K + 2;
}

static genre_status make_mlp(run *r, stream_fit *f)
{
    const int32_t hidden[2] = {20, 15};
    genre_status st;
    if ((st = genre_mlp_create(&f->mlp)) || (st = genre_mlp_set_hidden_layers(f->mlp, hidden, 2)) ||
        (st = genre_mlp_set_f64(f->mlp, GENRE_MLP_LEARNING_RATE, MLP_LR)) ||
        (st = genre_mlp_set_i64(f->mlp, GENRE_MLP_BATCH_SIZE, MLP_BATCH)) ||
        /* the program permutes each window (stream_mlp.c): the batches are
         * then known to every rank */
        (st = genre_mlp_set_i64(f->mlp, GENRE_MLP_SHUFFLE, 0)) ||
        (st = genre_mlp_set_i64(f->mlp, GENRE_MLP_N_CLASSES, r->K)) ||
        (st = genre_mlp_set_i64(f->mlp, GENRE_MLP_SEED, (int64_t)r->opt.seed)) ||
        (st = genre_mlp_set_i64(f->mlp, GENRE_MLP_N_THREADS, r->opt.threads)))
        return st;
    model_result *m = &r->m[0];
    *m = (model_result){.hidden = {20, 15}, .n_hidden = 2, .n_in = (int)r->d, .ref_auroc = NAN,
                        .ref_acc = NAN, .ref_epochs = NAN, .ref_time = NAN, .lr = MLP_LR,
                        .train_auroc = NAN};
    snprintf(m->name_buf, sizeof m->name_buf, "all %zu features", r->d);
    snprintf(m->layers_buf, sizeof m->layers_buf, "%zu-20-15-%d", r->d, r->K);
    m->name = m->name_buf, m->ref_layers = m->layers_buf;
    r->n_models = 1;
    return GENRE_OK;
}

/* Several ranks after the pass after the LDA fit: the LDA classifier's
 * test scores and hits, the k-means reservoirs (to every rank: each
 * initialises the same centers) and where this rank's MLP rows are among
 * all ranks'. */
static genre_status merge_after_lda(stream_fit *f)
{
    genre_status st = cl_metrics_merge(&f->mp);
    for (int w = 0; w < 2 && !st; w++)
        if (f->kms[w].cap)
            st = reservoir_merge(&f->kms[w], 1);
    if (!st)
        st = cl_sum_i64(&f->lda_hits, 1);
    if (!st)
        st = cl_exscan_i64(&f->mlp_spill_rows, &f->mlp_base, 1);
    f->mlp_total = f->mlp_spill_rows;
    if (!st)
        st = cl_sum_i64(&f->mlp_total, 1);
    return st;
}

/* The samples, the spills and the metrics state, before the pass after
 * the LDA fit. */
static genre_status open_fit(run *r, stream_ctx *c, stream_fit *f)
{
    const size_t K = (size_t)r->K;
    genre_status st = GENRE_OK;
    f->cap_per_class = ((size_t)r->opt.sample_rows + K - 1) / K;
    f->strat = xcalloc(K, sizeof *f->strat);
    if (!f->strat)
        return GENRE_E_NOMEM;
    f->n_strat = K;
    for (size_t k = 0; k < K; k++)
        if (reservoir_init(&f->strat[k], f->cap_per_class, r->d, r->opt.seed, 3 + k,
                           c->class_base[k]))
            return GENRE_E_NOMEM;
    f->spill_cols = r->n_ld < 3 ? r->n_ld : 3;
    if (!r->opt.no_kmeans && r->n_ld >= 2 && !(f->spill = stream_spill_open(r, f, "k-means")))
        return STREAM_E_PROGRAM;
    r->sm.kmeans_sample = 65536;
    for (int w = 0; w < 2 && f->spill; w++)
        if ((size_t)w + 2 <= r->n_ld &&
            reservoir_init(&f->kms[w], (size_t)r->sm.kmeans_sample, (size_t)w + 2, r->opt.seed,
                           0x6b6d0000u + (uint64_t)w, c->train_base))
            return GENRE_E_NOMEM;
    if ((st = genre_metrics_partial_create(&f->mp, K)) ||
        (!r->opt.no_mlp && (st = make_mlp(r, f))))
        return st;
    if (f->mlp && !(f->mlp_spill = stream_spill_open(r, f, "MLP")))
        return STREAM_E_PROGRAM;
    return GENRE_OK;
}

int stream_models(run *r, stream_ctx *c, stream_fit *f)
{
    stage *s = stage_begin(r, "stream: LDA classifier, MLP, samples");
    const size_t K = (size_t)r->K;
    genre_status st;
    const char *what = "LDA classifier";
    if ((st = cl_agree(open_fit(r, c, f), r->error, sizeof r->error)))
        goto fail;
    double t0 = now_s();
    st = stream_pass(c, 0, after_lda_chunk, f, "LDA classifier, samples, spills");
    if ((st = cl_agree(st, r->error, sizeof r->error)) || (st = merge_after_lda(f)) ||
        (st = cl_agree(read_metrics(f->mp, &r->lda_clf_auroc, &r->lda_clf_micro,
                                    &r->lda_clf_acc, NULL, K),
                       r->error, sizeof r->error)))
        goto fail;
    r->lda_clf_train_auroc = NAN; /* needs every training score: not kept */
    r->lda_clf_train_acc = r->sm.n_train ? (double)f->lda_hits / (double)r->sm.n_train : NAN;
    r->have_lda_clf = 1;
    genre_metrics_partial_free(f->mp);
    f->mp = NULL;
    if (f->mlp) {
        model_result *m = &r->m[0];
        what = "MLP epochs";
        r->sm.mlp_epochs = 1;
        double *hist = xcalloc((size_t)r->opt.epochs, sizeof *hist);
        st = hist ? GENRE_OK : genre_set_error(GENRE_E_NOMEM, "no memory for the history");
        if ((st = cl_agree(st, r->error, sizeof r->error))) {
            free(hist);
            goto fail;
        }
        /* several ranks: every global batch's gradient summed over them
         * (cl_steps_open agrees in itself) */
        if (cl_size() > 1 && !(st = cl_steps_open(&f->steps, mlp_reduce_len(r))))
            st = cl_agree(genre_mlp_set_reducer(f->mlp, cl_steps_reduce, f->steps), r->error,
                          sizeof r->error);
        if (st) {
            free(hist);
            goto fail;
        }
        m->hist_train = hist;
        double prev = 0; /* the mean loss over the epochs before */
        for (long e = 1; e <= r->opt.epochs; e++) {
            double te = now_s();
            if ((st = stream_mlp_epoch(r, f, e)))
                goto fail;
            say("genre-analysis: MLP epoch %ld over the spill of %lld rows in %.1f s\n", e,
                (long long)f->mlp_total, now_s() - te);
            /* the history holds the mean loss of every row trained so far */
            double cum = NAN;
            size_t ne = 1;
            genre_mlp_get_history(f->mlp, GENRE_MLP_HISTORY_TRAIN_LOSS, &cum, 1, &ne);
            hist[e - 1] = cum * (double)e - prev * (double)(e - 1); /* equal epochs */
            prev = cum;
            r->sm.mlp_epochs = (int)e;
            m->n_hist = (size_t)e;
        }
        what = "MLP scoring";
        if (!(st = genre_metrics_partial_create(&f->mp, K)))
            st = stream_pass(c, 0, score_chunk, f, "MLP scoring");
        int64_t counts[4] = {f->val_rows, f->val_hits, f->mlp_rows, f->mlp_hits};
        if ((st = cl_agree(st, r->error, sizeof r->error)) || (st = cl_metrics_merge(&f->mp)) ||
            (st = cl_sum_i64(counts, 4)) || (st = cl_sum_f64(&f->val_loss_sum, 1)))
            goto fail;
        f->val_rows = counts[0], f->val_hits = counts[1];
        f->mlp_rows = counts[2], f->mlp_hits = counts[3];
        m->per_class = xcalloc(K, sizeof *m->per_class);
        st = m->per_class ? read_metrics(f->mp, &m->auroc, &m->auroc_micro, &m->acc,
                                         m->per_class, K)
                          : genre_set_error(GENRE_E_NOMEM, "no memory");
        if ((st = cl_agree(st, r->error, sizeof r->error)))
            goto fail;
        genre_mlp_get_i64(f->mlp, GENRE_MLP_N_PARAMS, &m->params);
        m->epochs_run = m->best_epoch = r->opt.epochs;
        m->train_time = now_s() - t0;
        m->train_acc = f->mlp_rows ? (double)f->mlp_hits / (double)f->mlp_rows : NAN;
        m->val_loss = r->sm.mlp_val_loss =
            f->val_rows ? f->val_loss_sum / (double)f->val_rows : NAN;
        r->sm.mlp_val_acc = f->val_rows ? (double)f->val_hits / (double)f->val_rows : NAN;
        r->sm.mlp_lr = MLP_LR;
        m->available = 1;
        genre_metrics_partial_free(f->mp);
        f->mp = NULL;
    }
    stage_note(s, "LDA classifier test macro AUROC %.4f%s", r->lda_clf_auroc,
               f->mlp ? "" : "; no MLP (--no-mlp)");
    if (f->mlp)
        stage_note(s, "LDA classifier test macro AUROC %.4f; MLP %s test macro AUROC %.4f "
                      "after %ld epochs", r->lda_clf_auroc, r->m[0].ref_layers, r->m[0].auroc,
                   r->opt.epochs);
    stage_end(s, ST_DONE);
    return 0;
fail:
    return stream_fail(r, s, st, what);
}
