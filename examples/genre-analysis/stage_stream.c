/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * --stream: the analysis in passes over the file, in memory bounded by the
 * chunk and the samples (stage_stream()). The passes, in order:
 *   1..m  the preparation's statistics (categories, means, exact medians;
 *         more passes while a median's bracket is open), training rows;
 *   m+1   the scaler (and which columns vary, the split counts);
 *   m+2   the PCA and LDA statistics of the scaled training rows;
 *   m+3   the LDA classifier on the test rows, the k-means reservoir, the
 *         stratified sample, and two spills to temporary files: the
 *         training rows' LDA features (for the Lloyd passes) and the MLP's
 *         training rows (for its epochs, stream_mlp.c);
 *   m+4   the MLP scored on the test and validation rows.
 * The k-means Lloyd passes and the MLP's epochs read the spills, not the
 * CSV; the silhouettes and t-SNE use the stratified sample. stream_pass.c
 * holds the pass driver and the hash split.
 */
#define _XOPEN_SOURCE 700

#include "stream.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


/* Whether an agreed failure or cancellation stopped the run: what the
 * ranks decide on together (a Ctrl-C seen by one rank only, g_cancel,
 * reaches the others through the next agreement, as GENRE_E_CANCELLED). */
static int agreed_stop(const run *r)
{
    return r->failed || r->cancelled;
}

/* ---- the preparation's passes ---- */

static genre_status prep_chunk(stream_ctx *c, const chunk_view *v, void *ud)
{
    (void)c;
    return v->ntr ? genre_dataset_prep_partial_add(ud, v->train_raw) : GENRE_OK;
}

static int fail_program(run *r, stage *s)
{
    return stream_fail(r, s, STREAM_E_PROGRAM, NULL);
}

/* The read counters of the first pass, summed over the ranks. */
static genre_status sum_read_counters(run *r)
{
    const size_t n = 6 + r->n_cols;
    int64_t *v = xcalloc(n, sizeof *v);
    if (!v)
        return GENRE_E_NOMEM;
    int64_t *f[6] = {&r->rows_read, &r->blank_rows, &r->dropped, &r->kept, &r->no_group_rows,
                     &r->sm.unlabelled};
    for (size_t i = 0; i < 6; i++)
        v[i] = *f[i];
    for (size_t i = 0; i < r->n_cols; i++)
        v[6 + i] = r->cols[i].missing_read;
    genre_status st = cl_sum_i64(v, n);
    for (size_t i = 0; !st && i < 6; i++)
        *f[i] = v[i];
    for (size_t i = 0; !st && i < r->n_cols; i++)
        r->cols[i].missing_read = v[6 + i];
    free(v);
    return st;
}

/* Several ranks: a first pass counts each rank's non-empty rows, so that
 * each knows the index of its first row in the file (the split is a hash
 * of that index: the same sides as one process), and the read counters. */
static genre_status count_pass(run *r, stream_ctx *c)
{
    c->first = c->count_only = 1;
    genre_status st = stream_pass(c, 1, NULL, NULL, "row count");
    c->first = c->count_only = 0;
    if ((st = cl_agree(st, r->error, sizeof r->error)) ||
        (st = cl_exscan_i64(&c->local_rows, &c->row_base, 1)))
        return st;
    return sum_read_counters(r);
}

/* The schema, the imputation passes and the encoding. */
static int stream_prep(run *r, stream_ctx *c)
{
    stage *s = stage_begin(r, "stream: schema and imputation passes");
    genre_dataset_prep_partial *pp = NULL;
    tempo_model tm = {.r = r};
    genre_status st;
    const char *what = "preparation";
    int bad = table_schema(r, &c->schema);
    r->schema = c->schema; /* free_run() frees it, also after a failure */
    bad = bad || table_choose_features(r);
    if (!bad && (r->opt.split_file || r->opt.group || r->opt.reference_order)) {
        snprintf(r->error, sizeof r->error, "%s cannot be combined with --stream (the split "
                 "is a hash of each row)", r->opt.split_file ? "--split-file"
                 : r->opt.group ? "--group" : "--reference-order");
        bad = 1;
    }
    if (cl_agree(bad ? STREAM_E_PROGRAM : GENRE_OK, r->error, sizeof r->error))
        return fail_program(r, s);
    if (r->opt.threads)
        genre_dataset_schema_set_i64(c->schema, GENRE_SCHEMA_THREADS, r->opt.threads);
    r->tempo_mlp = 0; /* a model step cannot be fitted in passes: the median */
    for (size_t i = 0; i < r->n_cols; i++)
        r->cols[i].missing_read = 0;
    r->groups = -1; /* distinct groups are per chunk: not counted */
    r->sm.val_fraction = 0.1;
    snprintf(r->split_desc, sizeof r->split_desc,
             "hash of each row's index and the seed: test fraction %g, validation fraction "
             "%g of the other rows (MLP only)", r->sm.test_fraction, r->sm.val_fraction);
    if (!(st = genre_dataset_prep_create(&c->prep, c->schema)) &&
        !(st = data_add_imputers(r, c->prep, &tm)))
        st = genre_dataset_prep_partial_create(&pp, c->prep);
    if ((st = cl_agree(st, r->error, sizeof r->error)))
        goto fail;
    what = "row count";
    if (cl_size() > 1 && (st = count_pass(r, c)))
        goto fail;
    int more = 1;
    c->first = cl_size() == 1;
    while (more) {
        what = "imputation statistics";
        st = stream_pass(c, 1, prep_chunk, pp, "imputation statistics");
        if ((st = cl_agree(st, r->error, sizeof r->error)) || (st = cl_prep_end_pass(&pp, &more)))
            goto fail;
        c->first = 0;
        r->sm.prep_passes++;
    }
    if (r->sm.unlabelled) /* as in memory (stage_data.c) */
        add_warning(r, "%lld row%s without a value in the label column '%s' left out",
                    (long long)r->sm.unlabelled, r->sm.unlabelled == 1 ? "" : "s", r->label_col);
    what = "imputation fit";
    if ((st = cl_agree(genre_dataset_prep_fit_partial(c->prep, pp), r->error, sizeof r->error)))
        goto fail;
    genre_dataset_prep_partial_free(pp);
    pp = NULL;
    bad = data_class_names(r, c->prep) || table_encode(r, c->prep);
    if (cl_agree(bad ? STREAM_E_PROGRAM : GENRE_OK, r->error, sizeof r->error))
        return fail_program(r, s);
    stage_note(s, "%d pass%s; %lld rows read, %zu feature columns, %d classes",
               r->sm.prep_passes, r->sm.prep_passes == 1 ? "" : "es", (long long)r->rows_read,
               r->d, r->K);
    stage_end(s, ST_DONE);
    return 0;
fail:
    genre_dataset_prep_partial_free(pp);
    return stream_fail(r, s, st, what);
}

/* ---- scaler, PCA, LDA ---- */

typedef struct lin_pass {
    genre_scaler_partial *sp;
    genre_pca_partial *pp;
    genre_lda_partial *lp;
    double *lo, *hi;  /* per column, training rows (pass 1) */
    double *tmp;
} lin_pass;

/* Pass 1: the scaler's state, each column's range, the split's counts and
 * the test labels the training rows lack. */
static genre_status scaler_chunk(stream_ctx *c, const chunk_view *v, void *ud)
{
    lin_pass *lp = ud;
    run *r = c->r;
    const size_t d = r->d;
    for (size_t i = 0; i < v->ntr; i++) {
        r->sm.n_train++;
        r->sm.n_val += v->is_val[i];
        if (v->ytr[i] >= 0 && v->ytr[i] < r->K)
            r->train_per_class[v->ytr[i]]++;
        for (size_t j = 0; j < d; j++) {
            double x = v->xtr[i * d + j];
            lp->lo[j] = x < lp->lo[j] ? x : lp->lo[j];
            lp->hi[j] = x > lp->hi[j] ? x : lp->hi[j];
        }
    }
    for (size_t i = 0; i < v->nte; i++) {
        r->sm.n_test++;
        if (v->yte[i] >= 0 && v->yte[i] < r->K)
            r->test_per_class[v->yte[i]]++;
        else
            c->bad_test_labels++;
    }
    return v->ntr ? genre_scaler_partial_add(lp->sp, v->xtr, v->ntr, d, d) : GENRE_OK;
}

/* Pass 2: the PCA and LDA states of the scaled training rows. */
static genre_status pca_lda_chunk(stream_ctx *c, const chunk_view *v, void *ud)
{
    lin_pass *lp = ud;
    run *r = c->r;
    genre_status st = GENRE_OK;
    if (!v->ntr)
        return st;
    double *t = realloc(lp->tmp, v->ntr * r->d * sizeof *t);
    if (!t)
        return GENRE_E_NOMEM;
    lp->tmp = t;
    if (lp->pp) {
        keep_columns(v->xtr, v->ntr, r->d, r->pca_mask, r->d_pca, t);
        if ((st = genre_pca_partial_add(lp->pp, t, v->ntr, r->d_pca, r->d_pca)))
            return st;
    }
    keep_columns(v->xtr, v->ntr, r->d, r->lda_mask, r->d_lda, t);
    return genre_lda_partial_add(lp->lp, t, v->ntr, r->d_lda, r->d_lda, v->ytr);
}

/* The LDA's inputs as in memory (lda_mask_finish()): the columns that vary
 * in the training rows. */
static void lda_mask_from_ranges(run *r, const double *lo, const double *hi)
{
    for (size_t j = 0; j < r->d; j++)
        r->lda_mask[j] = lo[j] != hi[j];
    r->d_lda = lda_mask_finish(r);
}

/* After the scaler pass: the index of this rank's first training row
 * (overall and per class: the samples' streams), the counters summed over
 * the ranks, the ranges and the scaler's state merged. */
static genre_status merge_scaler_pass(run *r, stream_ctx *c, lin_pass *lp)
{
    const size_t K = (size_t)r->K, nc = r->n_cols, n = 4 + 2 * K + 6 + 4 * nc;
    int64_t *v = xcalloc(n, sizeof *v), *before = xcalloc(K + 1, sizeof *before);
    c->class_base = xcalloc(K, sizeof *c->class_base);
    genre_status st = GENRE_E_NOMEM;
    if (!v || !before || !c->class_base)
        goto out;
    v[0] = r->sm.n_train;
    memcpy(v + 1, r->train_per_class, K * sizeof *v);
    if ((st = cl_exscan_i64(v, before, K + 1)))
        goto out;
    c->train_base = before[0];
    memcpy(c->class_base, before + 1, K * sizeof *before);
    int64_t *sc[4] = {&r->sm.n_train, &r->sm.n_val, &r->sm.n_test, &c->bad_test_labels};
    for (size_t i = 0; i < 4; i++)
        v[i] = *sc[i];
    int64_t *p = v + 4;
    memcpy(p, r->train_per_class, K * sizeof *p), p += K;
    memcpy(p, r->test_per_class, K * sizeof *p), p += K;
    for (int side = 0; side < 2; side++) {
        *p++ = r->ref_imp[side].dur_from_group;
        *p++ = r->ref_imp[side].dur_from_global;
        *p++ = r->ref_imp[side].tempo_imputed;
    }
    for (size_t i = 0; i < nc; i++)
        for (int side = 0; side < 2; side++)
            *p++ = r->cols[i].filled_side[side], *p++ = r->cols[i].missing_side[side];
    if ((st = cl_sum_i64(v, n)))
        goto out;
    for (size_t i = 0; i < 4; i++)
        *sc[i] = v[i];
    p = v + 4;
    memcpy(r->train_per_class, p, K * sizeof *p), p += K;
    memcpy(r->test_per_class, p, K * sizeof *p), p += K;
    for (int side = 0; side < 2; side++) {
        r->ref_imp[side].dur_from_group = *p++;
        r->ref_imp[side].dur_from_global = *p++;
        r->ref_imp[side].tempo_imputed = *p++;
    }
    for (size_t i = 0; i < nc; i++)
        for (int side = 0; side < 2; side++)
            r->cols[i].filled_side[side] = *p++, r->cols[i].missing_side[side] = *p++;
    if (!(st = cl_min_max(lp->lo, lp->hi, r->d)))
        st = cl_scaler_merge(&lp->sp);
out:
    free(v), free(before);
    return st;
}

/* lda_fit_fn on the LDA's partial state (ud). */
static genre_status fit_state(genre_lda *lda, const void *ud)
{
    return genre_lda_fit_partial(lda, ud);
}

static int stream_linear(run *r, stream_ctx *c, genre_lda **lda_out, genre_pca **pca_out)
{
    stage *s = stage_begin(r, "stream: scaler, PCA, LDA statistics");
    const size_t d = r->d;
    lin_pass lp = {0};
    genre_pca *pca = NULL;
    genre_lda *lda = NULL;
    genre_status st;
    const char *what = "scaler";
    lp.lo = xcalloc(d, sizeof *lp.lo);
    lp.hi = xcalloc(d, sizeof *lp.hi);
    r->lda_mask = xcalloc(d, 1);
    r->scaler_mean = xcalloc(d, sizeof *r->scaler_mean);
    r->scaler_scale = xcalloc(d, sizeof *r->scaler_scale);
    st = !lp.lo || !lp.hi || !r->lda_mask || !r->scaler_mean || !r->scaler_scale
             ? genre_set_error(GENRE_E_NOMEM, "no memory for the scaler's columns")
             : GENRE_OK;
    if ((st = cl_agree(st, r->error, sizeof r->error)))
        goto fail;
    for (size_t j = 0; j < d; j++)
        lp.lo[j] = INFINITY, lp.hi[j] = -INFINITY;
    c->count_imputed = 1;
    if ((st = cl_agree(genre_scaler_partial_create(&lp.sp, d), r->error, sizeof r->error)))
        goto fail;
    st = stream_pass(c, 0, scaler_chunk, &lp, "scaler");
    if ((st = cl_agree(st, r->error, sizeof r->error)) || (st = merge_scaler_pass(r, c, &lp)))
        goto fail;
    c->count_imputed = 0;
    r->ntr = (size_t)r->sm.n_train, r->nte = (size_t)r->sm.n_test;
    if (c->bad_test_labels) {
        snprintf(r->error, sizeof r->error,
                 "%lld test rows have a value of the label '%s' that no training row has; "
                 "every class needs at least one training and one test row (another "
                 "--test-fraction)", (long long)c->bad_test_labels, r->label_col);
        r->input_error = 1;
        goto program;
    }
    for (int k = 0; k < r->K; k++)
        if (!r->train_per_class[k] || !r->test_per_class[k]) {
            snprintf(r->error, sizeof r->error,
                     "class '%s' of the label '%s' has %lld training and %lld test rows; every "
                     "class needs at least one of each (another --test-fraction)", r->genre[k],
                     r->label_col, (long long)r->train_per_class[k],
                     (long long)r->test_per_class[k]);
            r->input_error = 1;
            goto program;
        }
    if (!(st = genre_scaler_create(&c->sc)) &&
        !(st = genre_scaler_set_mask(c->sc, r->scale_mask, d)) &&
        !(st = genre_scaler_fit_partial(c->sc, lp.sp)) &&
        !(st = genre_scaler_get_mean(c->sc, r->scaler_mean, d, NULL)))
        st = genre_scaler_get_scale(c->sc, r->scaler_scale, d, NULL);
    if ((st = cl_agree(st, r->error, sizeof r->error)))
        goto fail;
    lda_mask_from_ranges(r, lp.lo, lp.hi);
    r->n_ld = (size_t)r->K - 1 < r->d_lda ? (size_t)r->K - 1 : r->d_lda;
    what = "PCA and LDA statistics";
    if (!(r->d_pca && (st = genre_pca_partial_create(&lp.pp, r->d_pca))))
        st = genre_lda_partial_create(&lp.lp, r->d_lda);
    if ((st = cl_agree(st, r->error, sizeof r->error)))
        goto fail;
    st = stream_pass(c, 0, pca_lda_chunk, &lp, "PCA and LDA statistics");
    if ((st = cl_agree(st, r->error, sizeof r->error)) ||
        (lp.pp && (st = cl_pca_merge(&lp.pp))) || (st = cl_lda_merge(&lp.lp)))
        goto fail;
    if (lp.pp) {
        what = "PCA";
        if (!(st = genre_pca_create(&pca)) && !(st = genre_pca_fit_partial(pca, lp.pp)))
            st = pca_results(r, pca);
        if ((st = cl_agree(st, r->error, sizeof r->error)))
            goto fail;
        r->have_pca = 1;
    }
    what = "LDA";
    const size_t nl = r->n_ld, dl = r->d_lda;
    r->lda_ratio = xcalloc(nl, sizeof *r->lda_ratio);
    r->lda_scalings = xcalloc(dl * nl, sizeof *r->lda_scalings);
    if (!r->lda_ratio || !r->lda_scalings)
        st = genre_set_error(GENRE_E_NOMEM, "no memory for the LDA's results");
    else if (!(st = genre_lda_create(&lda)) && !(st = lda_fit_or_shrink(r, lda, fit_state, lp.lp)) &&
        !(st = genre_lda_get_explained_variance_ratio(lda, r->lda_ratio, nl, NULL)))
        st = genre_lda_get_scalings(lda, r->lda_scalings, dl * nl, NULL);
    if ((st = cl_agree(st, r->error, sizeof r->error)))
        goto fail;
    r->have_lda = 1;
    stage_note(s, "2 passes; %lld train (%lld of them validation) / %lld test rows; LDA "
                  "ratio %.3f", (long long)r->sm.n_train, (long long)r->sm.n_val,
               (long long)r->sm.n_test, nl ? r->lda_ratio[0] : NAN);
    stage_end(s, ST_DONE);
    goto cleanup;
program:
    fail_program(r, s);
    goto cleanup;
fail:
    stream_fail(r, s, st, what);
cleanup:
    genre_scaler_partial_free(lp.sp);
    genre_pca_partial_free(lp.pp);
    genre_lda_partial_free(lp.lp);
    free(lp.lo), free(lp.hi), free(lp.tmp);
    *lda_out = lda;
    *pca_out = pca;
    return agreed_stop(r) ? -1 : 0;
}

/* ---- the stratified sample, the flow ---- */

/* The sample's rows in slot-major order (the first rows of every class,
 * then the second ones...: any prefix stays stratified), their PCA scores
 * and LDA features. */
static genre_status finish_sample(run *r, stream_fit *f)
{
    const size_t K = (size_t)r->K, cap = f->cap_per_class, d = r->d;
    size_t n = 0;
    for (size_t k = 0; k < K; k++)
        n += reservoir_filled(&f->strat[k]);
    stream_info *sm = &r->sm;
    sm->n_sample = n;
    sm->sample_x = xcalloc(n * d, sizeof *sm->sample_x);
    sm->sample_y = xcalloc(n, sizeof *sm->sample_y);
    sm->sample_lda = xcalloc(n * r->n_ld, sizeof *sm->sample_lda);
    sm->sample_pca = xcalloc(n * (r->n_pc ? r->n_pc : 1), sizeof *sm->sample_pca);
    double *t = xcalloc(n * d, sizeof *t);
    genre_status st = GENRE_E_NOMEM;
    if (!sm->sample_x || !sm->sample_y || !sm->sample_lda || !sm->sample_pca || !t)
        goto out;
    size_t o = 0;
    for (size_t j = 0; j < cap; j++)
        for (size_t k = 0; k < K; k++)
            if (f->strat[k].when[j] >= 0) { /* slots fill in order */
                memcpy(sm->sample_x + o * d, f->strat[k].rows + j * d, d * sizeof *t);
                sm->sample_y[o++] = (int32_t)k;
            }
    keep_columns(sm->sample_x, n, d, r->lda_mask, r->d_lda, t);
    if ((st = genre_lda_transform(f->lda, t, n, r->d_lda, r->d_lda, sm->sample_lda,
                                  n * r->n_ld, NULL)))
        goto out;
    if (r->have_pca) {
        keep_columns(sm->sample_x, n, d, r->pca_mask, r->d_pca, t);
        st = genre_pca_transform(f->pca, t, n, r->d_pca, r->d_pca, sm->sample_pca,
                                 n * r->n_pc, NULL);
    }
out:
    free(t);
    return st;
}

/* t-SNE on the sample's PCA scores: stage_tsne() on the sample in place
 * of the training rows. */
static void sample_tsne(run *r)
{
    size_t ntr = r->ntr;
    r->ntr = r->sm.n_sample;
    r->pca_tr = r->sm.sample_pca;
    r->ytr = r->sm.sample_y;
    stage_tsne(r);
    r->ntr = ntr;
    r->pca_tr = NULL;
    r->ytr = NULL;
}

int stage_stream(run *r)
{
    stream_ctx c = {.r = r};
    stream_fit f = {0};
    r->sm.on = 1;
    r->sm.test_fraction = r->opt.test_fraction > 0 ? r->opt.test_fraction
                          : r->is_ref ? 0.1 : 0.2;
    r->opt.no_plots = 1; /* the plots draw every row: not in stream mode */
    if (stream_prep(r, &c) || stream_linear(r, &c, &f.lda, &f.pca) || stream_models(r, &c, &f))
        goto out;
    /* the sample is gathered to rank 0, which alone uses it */
    stage *s = stage_begin(r, "stream: stratified sample");
    genre_status st = GENRE_OK;
    for (int k = 0; k < r->K && !st; k++)
        st = reservoir_merge(&f.strat[k], 0);
    if (!st) /* merges agree in themselves; rank 0's own step here */
        st = cl_agree(cl_rank() == 0 ? finish_sample(r, &f) : GENRE_OK, r->error,
                      sizeof r->error);
    if (st) {
        stream_fail(r, s, st, "the stratified sample");
        goto out;
    }
    stage_note(s, "%zu training rows, at most %zu per class", r->sm.n_sample, f.cap_per_class);
    stage_end(s, ST_DONE);
    int km = stream_kmeans(r, &f);
    /* each rank's peak, the largest reported (before t-SNE, which only
     * rank 0 runs: the others are done) */
    r->sm.peak_rss_kb = stream_status_kb("VmHWM:");
    if (km == 0 && !agreed_stop(r) && !cl_max_i64(&r->sm.peak_rss_kb, 1) && cl_rank() == 0)
        sample_tsne(r);
    s = stage_begin(r, "name study");
    stage_note(s, "not in stream mode (it needs every row's names in memory)");
    stage_end(s, ST_SKIPPED);
out:
    if (cl_size() == 1 || !r->sm.peak_rss_kb)
        r->sm.peak_rss_kb = stream_status_kb("VmHWM:");
    free(c.class_base);
    stream_fit_free(&f);
    genre_scaler_free(c.sc);
    genre_dataset_prep_free(c.prep);
    return stopping(r) ? -1 : 0;
}

void stream_free(run *r)
{
    free(r->sm.sample_x), free(r->sm.sample_pca), free(r->sm.sample_lda), free(r->sm.sample_y);
}
