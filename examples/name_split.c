/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One split of the name study: its four models, the leak check and the
 * bootstrap (name_study_private.h). */
#include "name_study_private.h"

#include "name_leak.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double ns_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int ns_fail(ctx *c, const char *what, genre_status st)
{
    if (st == GENRE_E_CANCELLED) {
        c->stop = 1;
        snprintf(c->error, sizeof c->error, "cancelled (%s)", what);
        return -1;
    }
    snprintf(c->error, sizeof c->error, "%s: %s (%s)", what, genre_last_error(),
             genre_status_name(st));
    return -1;
}

int ns_cancel_requested(const name_study_options *o)
{
    return o->cancel && o->cancel(o->user);
}

/* Reports the next step, and notes a cancel request: the next TRY then
 * stops the split. */
void ns_progress(ctx *c, const char *fmt, ...)
{
    if (ns_cancel_requested(c->o))
        c->stop = 1;
    if (!c->o->progress)
        return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(c->progress_lock);
    c->o->progress(c->o->user, buf);
    pthread_mutex_unlock(c->progress_lock);
}


/* ---- Models --------------------------------------------------------------- */

static int cancel_cb(void *user)
{
    return ns_cancel_requested(user);
}

static name_fit fit_of(const ctx *c)
{
    return (name_fit){.n_classes = c->k,
                      .seed = c->o->seed,
                      .cancel = c->o->cancel ? cancel_cb : NULL,
                      .user = (void *)(uintptr_t)c->o};
}

static void score(const int32_t *y, const double *proba, size_t n, int32_t k,
                  name_study_cell *cell)
{
    size_t hit = 0;
    for (size_t i = 0; i < n; i++) {
        int best = 0;
        for (int j = 1; j < k; j++)
            if (proba[i * (size_t)k + (size_t)j] > proba[i * (size_t)k + (size_t)best])
                best = j;
        hit += best == y[i];
    }
    cell->accuracy = (double)hit / (double)n;
    cell->auroc = macro_auroc(y, proba, n, k);
}


/* Out-of-fold names probabilities on the training rows: random folds on
 * the random split, group folds on the group-disjoint split (so the
 * reduction sees the same kind of leakage in training as in test). */
static int out_of_fold(ctx *c, const side *tr, int by_group, int64_t epochs, double *oof)
{
    int rc = 0;
    const name_study_options *o = c->o;
    const size_t nc = (size_t)c->k;
    const name_fit nf = fit_of(c);
    size_t k = (size_t)o->folds;
    size_t *fold = malloc(tr->n * sizeof *fold), *in = malloc(tr->n * sizeof *in),
           *out = malloc(tr->n * sizeof *out);
    int32_t *yin = malloc(tr->n * sizeof *yin);
    double *p = malloc(tr->n * nc * sizeof *p);
    csr a = {0}, b = {0};
    NEED(fold && in && out && yin && p);
    for (size_t i = 0; i < tr->n; i++)
        fold[i] = name_mix(o->seed * 1000003u + (by_group ? (uint64_t)tr->groups[i] : i)) % k;
    for (size_t f = 0; f < k; f++) {
        ns_progress(c, "out-of-fold names model, fold %zu of %zu", f + 1, k);
        size_t ni = 0, no = 0;
        for (size_t i = 0; i < tr->n; i++) {
            if (fold[i] == f) {
                out[no++] = i;
            } else {
                yin[ni] = tr->y[i];
                in[ni++] = i;
            }
        }
        if (no == 0)
            continue;
        NEED(csr_take(&tr->text, in, ni, &a) == 0);
        NEED(csr_take(&tr->text, out, no, &b) == 0);
        TRY(names_fit_predict(&nf, &a, yin, NULL, NULL, epochs, &b, p, NULL, NULL),
            "out-of-fold names model");
        for (size_t j = 0; j < no; j++)
            memcpy(oof + out[j] * nc, p + j * nc, nc * sizeof *p);
        csr_free(&a);
        csr_free(&b);
    }
done:
    csr_free(&a);
    csr_free(&b);
    free(fold);
    free(in);
    free(out);
    free(yin);
    free(p);
    return rc;
}
/* ---- The leak check (name_leak.h) ------------------------------------------ */

/* On the random split: scores each text column alone on the validation
 * rows, flags and warns, and decides which columns the combined models use. */
static int leak_check(ctx *c, const side *fp, const side *vp)
{
    int rc = 0;
    name_study_result *out = c->out;
    const size_t m = c->tab->m;
    const name_fit nf = fit_of(c);
    const name_leak_params lp = {.n_buckets = c->o->n_buckets,
                                 .ngram_min = c->o->ngram_min,
                                 .ngram_max = c->o->ngram_max,
                                 .text_seed = (uint32_t)(c->o->seed & 0xffffffffu),
                                 .epochs = c->o->names_epochs};
    ns_progress(c, "leak check: each text column alone");
    TRY(name_leak_scores(&nf, &lp, fp->names, fp->y, fp->n, vp->names, vp->y, vp->n, m,
                         out->field_val_auroc),
        "leak check");
    for (size_t j = 0; j < m; j++) {
        out->field_leaks[j] = name_leak_flagged(out->field_val_auroc[j]);
        out->field_combined[j] = !out->field_leaks[j] || c->o->keep_leaking;
        if (out->field_leaks[j])
            name_leak_warning(out->warning[out->n_warnings++], sizeof out->warning[0],
                              out->field[j], out->field_val_auroc[j], c->o->keep_leaking);
    }
    out->leak_checked = 1;
done:
    return rc;
}

static void gate_post(leak_gate *g, int state)
{
    pthread_mutex_lock(&g->lock);
    if (g->state == 0)
        g->state = state;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
}

static int gate_wait(leak_gate *g)
{
    pthread_mutex_lock(&g->lock);
    while (g->state == 0)
        pthread_cond_wait(&g->cond, &g->lock);
    int s = g->state;
    pthread_mutex_unlock(&g->lock);
    return s;
}
/* ---- One split ------------------------------------------------------------ */

static int run_split(ctx *c, int which)
{
    const name_study_options *o = c->o;
    const name_study_input *in = c->in;
    const genre_dataset *ds = in->ds;
    const size_t m = c->tab->m;
    name_study_split *r = &c->out->split[which];
    name_study_result *res = c->out;
    int rc = 0;
    genre_dataset_split *split = NULL;
    genre_dataset *dtr = NULL, *dte = NULL;
    genre_scaler *sc = NULL;
    side tr = {0}, te = {0}, fp = {0}, vp = {0};
    double *proba[NAME_STUDY_N_MODELS] = {0}, *oof = NULL, *ztr = NULL, *zte = NULL;
    double *zfit = NULL, *zval = NULL, *pv = NULL, *pt = NULL, *pnames = NULL;
    uint8_t *standardise = NULL, *mask = NULL;
    csr sf = {0}, sv = {0}, ste = {0};
    size_t *fit_rows = NULL, *val_rows = NULL, nfit = 0, nval = 0;
    int64_t *rows_tr = NULL, *rows_te = NULL;
    const int by_group = which == NS_SPLIT_GROUP;
    int combined = 1;
    ns_progress(c, "%s split", r->name);
    if (which == NS_SPLIT_RANDOM && o->test_per_class > 0)
        TRY(genre_dataset_split_stratified(&split, ds, o->test_per_class, o->seed), "split");
    else if (which == NS_SPLIT_RANDOM)
        TRY(genre_dataset_split_stratified_fraction(&split, ds, o->test_fraction, o->seed),
            "split");
    else
        TRY(genre_dataset_split_grouped(&split, ds, c->group_test_per_class, o->seed), "split");
    TRY(genre_dataset_leakage(ds, split, &r->shared_groups, &r->test_rows_in_train_groups,
                              &r->duplicate_rows),
        "leakage");
    TRY(genre_dataset_subset(&dtr, ds, split, GENRE_SPLIT_TRAIN), "training rows");
    TRY(genre_dataset_subset(&dte, ds, split, GENRE_SPLIT_TEST), "test rows");
    TRY(genre_dataset_split_rows(split, GENRE_SPLIT_TRAIN, NULL, 0, &tr.n), "split rows");
    TRY(genre_dataset_split_rows(split, GENRE_SPLIT_TEST, NULL, 0, &te.n), "split rows");
    NEED(rows_tr = malloc((tr.n ? tr.n : 1) * sizeof *rows_tr));
    NEED(rows_te = malloc((te.n ? te.n : 1) * sizeof *rows_te));
    TRY(genre_dataset_split_rows(split, GENRE_SPLIT_TRAIN, rows_tr, tr.n, NULL), "split rows");
    TRY(genre_dataset_split_rows(split, GENRE_SPLIT_TEST, rows_te, te.n, NULL), "split rows");
    if (ns_side_rows(c, dtr, rows_tr, &tr) || ns_side_rows(c, dte, rows_te, &te) ||
        ns_side_features(c, dtr, dte, &tr, &te, &standardise)) {
        rc = -1;
        goto done;
    }
    const size_t d = tr.d, K = (size_t)c->k;
    const name_fit nf = fit_of(c);
    r->n_train = (int64_t)tr.n;
    r->n_test = (int64_t)te.n;
    r->n_features = (int64_t)d;
    r->test_groups = ns_distinct_groups(&te);
    /* standardise the features the caller marks, fit on training rows */
    NEED(mask = malloc(d));
    for (size_t j = 0; j < d; j++)
        mask[j] = standardise ? standardise[j] != 0 : 1;
    TRY(genre_scaler_create(&sc), "scaler");
    TRY(genre_scaler_set_mask(sc, mask, d), "scaler");
    TRY(genre_scaler_fit(sc, tr.x, tr.n, d, d), "scaler");
    TRY(genre_scaler_transform(sc, tr.x, tr.n, d, d, tr.x, tr.n * d, NULL), "scaler");
    TRY(genre_scaler_transform(sc, te.x, te.n, d, d, te.x, te.n * d, NULL), "scaler");
    /* hashed names, document frequencies from the training rows only */
    ns_progress(c, "%s: name features", r->name);
    int64_t ncols = 0;
    if (ns_hash_sides(c, NULL, &tr, &te, &ncols)) {
        rc = -1;
        goto done;
    }
    r->n_text_columns = ncols;
    r->nnz_train = (int64_t)tr.text.rp[tr.n];
    for (int k = 0; k < NAME_STUDY_N_MODELS; k++)
        NEED(proba[k] = malloc((te.n ? te.n : 1) * K * sizeof *proba[k]));

    /* the validation tenth of the training rows, chosen like the split */
    NEED(fit_rows = malloc((tr.n ? tr.n : 1) * sizeof *fit_rows));
    NEED(val_rows = malloc((tr.n ? tr.n : 1) * sizeof *val_rows));
    for (size_t i = 0; i < tr.n; i++) {
        uint64_t key = by_group ? (uint64_t)tr.groups[i] : (uint64_t)i;
        if (name_mix(o->seed * 7919u + 17u + key) % 10 == 0)
            val_rows[nval++] = i;
        else
            fit_rows[nfit++] = i;
    }
    r->n_validation = (int64_t)nval;
    if (nval == 0 || nfit == 0) {
        snprintf(c->error, sizeof c->error,
                 "%s split: %zu training rows leave no validation tenth for early stopping",
                 r->name, tr.n);
        rc = -1;
        goto done;
    }
    NEED(ns_side_take(&tr, m, fit_rows, nfit, &fp) == 0 &&
         ns_side_take(&tr, m, val_rows, nval, &vp) == 0);

    double t0 = ns_now_s();
    ns_progress(c, "%s: names model", r->name);
    NEED(pv = malloc(nval * K * sizeof *pv));
    NEED(pt = malloc((te.n ? te.n : 1) * K * sizeof *pt));
    TRY(names_fit_predict(&nf, &fp.text, fp.y, &vp.text, vp.y, o->names_epochs, &te.text,
                          proba[NS_NAMES], &r->model[NS_NAMES].epochs, pv),
        "names model");
    r->model[NS_NAMES].val_auroc = macro_auroc(vp.y, pv, nval, c->k);
    r->model[NS_NAMES].seconds = ns_now_s() - t0;

    t0 = ns_now_s();
    ns_progress(c, "%s: audio model", r->name);
    TRY(dense_fit_predict(&nf, o->audio_epochs, fp.x, fp.n, fp.y, vp.x, vp.n, vp.y, te.x, te.n,
                          d, proba[NS_AUDIO], &r->model[NS_AUDIO].epochs, pv),
        "audio model");
    r->model[NS_AUDIO].val_auroc = macro_auroc(vp.y, pv, nval, c->k);
    r->model[NS_AUDIO].seconds = ns_now_s() - t0;

    /* The leak check decides which text columns the combined models use:
     * taken on the random split, awaited by the group-disjoint one. */
    if (which == NS_SPLIT_RANDOM) {
        if (leak_check(c, &fp, &vp)) {
            rc = -1;
            goto done;
        }
        gate_post(c->gate, 1);
    } else if (gate_wait(c->gate) != 1) {
        snprintf(c->error, sizeof c->error, "%s split: stopped (the random split stopped)",
                 r->name);
        rc = -1;
        goto done;
    }
    size_t kept = 0;
    for (size_t j = 0; j < m; j++)
        kept += res->field_combined[j] != 0;
    /* the names model the reduced model uses: the one above, or one refit
     * on the columns kept */
    int64_t names_epochs = r->model[NS_NAMES].epochs;
    pnames = proba[NS_NAMES];
    if (kept == 0) {
        combined = 0;
    } else if (kept < m) {
        ns_progress(c, "%s: names model on the columns kept", r->name);
        if (ns_hash_sides(c, res->field_combined, &tr, &te, &ncols)) {
            rc = -1;
            goto done;
        }
        ns_side_free(&fp);
        ns_side_free(&vp);
        NEED(ns_side_take(&tr, m, fit_rows, nfit, &fp) == 0 &&
             ns_side_take(&tr, m, val_rows, nval, &vp) == 0);
        NEED(pnames = malloc((te.n ? te.n : 1) * K * sizeof *pnames));
        TRY(names_fit_predict(&nf, &fp.text, fp.y, &vp.text, vp.y, o->names_epochs, &te.text,
                              pnames, &names_epochs, pv),
            "names model on the columns kept");
    }
    if (!combined) {
        for (int k = NS_BOTH; k <= NS_REDUCED; k++)
            r->model[k] = (name_study_cell){NAN, NAN, 0, NAN, 0};
        r->diff = r->diff_lo = r->diff_hi = NAN;
        r->diff_reduced = r->names_in_reduced_lo = r->names_in_reduced_hi = NAN;
        r->names_scale = NAN;
        for (int k = 0; k < NAME_STUDY_N_SCALES; k++)
            r->both_val_auroc[k] = NAN;
        for (int k = NS_NAMES; k <= NS_AUDIO; k++)
            score(te.y, proba[k], te.n, c->k, &r->model[k]);
        goto done;
    }

    t0 = ns_now_s();
    ns_progress(c, "%s: names+audio model", r->name);
    /* The names' weight in the joint input (their values times a), chosen
     * on the validation rows: with Adam, smaller inputs learn more slowly,
     * so a < 1 keeps the names from being memorised before the numeric
     * features are learnt. */
    {
        size_t n_text = (size_t)ncols;
        r->model[NS_BOTH].val_auroc = -1;
        for (size_t k = 0; k < NAME_STUDY_N_SCALES; k++) {
            double a = name_study_scales[k];
            int64_t ep = 0;
            ns_progress(c, "%s: names+audio model, names scaled by %g", r->name, a);
            NEED(csr_scaled_copy(&fp.both, n_text, a, &sf) == 0 &&
                 csr_scaled_copy(&vp.both, n_text, a, &sv) == 0 &&
                 csr_scaled_copy(&te.both, n_text, a, &ste) == 0);
            TRY(both_fit_predict(&nf, o->both_hidden, o->both_epochs, &sf, fp.y, &sv, vp.y,
                                 &ste, pt, &ep, pv),
                "names+audio model");
            double v = macro_auroc(vp.y, pv, nval, c->k);
            r->both_val_auroc[k] = v;
            /* NaN (a class absent from the validation rows) never wins, but the
             * first weight is always taken so the test probabilities are set. */
            if (k == 0 || v > r->model[NS_BOTH].val_auroc) {
                r->model[NS_BOTH].val_auroc = v;
                r->model[NS_BOTH].epochs = ep;
                r->names_scale = a;
                memcpy(proba[NS_BOTH], pt, te.n * K * sizeof *pt);
            }
            csr_free(&sf);
            csr_free(&sv);
            csr_free(&ste);
        }
    }
    r->model[NS_BOTH].seconds = ns_now_s() - t0;

    /* out-of-fold names probabilities over all training rows, each fold's
     * model run for the epochs early stopping chose for the names model */
    t0 = ns_now_s();
    NEED(oof = malloc((tr.n ? tr.n : 1) * K * sizeof *oof));
    if (out_of_fold(c, &tr, by_group, names_epochs, oof)) {
        rc = -1;
        goto done;
    }
    NEED(ztr = ns_join(tr.x, d, oof, K, tr.n));
    NEED(zte = ns_join(te.x, d, pnames, K, te.n));
    NEED(zfit = ns_take_rows(ztr, d + K, fit_rows, nfit));
    NEED(zval = ns_take_rows(ztr, d + K, val_rows, nval));
    ns_progress(c, "%s: reduced names+audio model", r->name);
    TRY(dense_fit_predict(&nf, o->audio_epochs, zfit, nfit, fp.y, zval, nval, vp.y, zte, te.n,
                          d + K, proba[NS_REDUCED], &r->model[NS_REDUCED].epochs, pv),
        "reduced names+audio model");
    r->model[NS_REDUCED].val_auroc = macro_auroc(vp.y, pv, nval, c->k);
    /* the reduced model's time includes its out-of-fold names models */
    r->model[NS_REDUCED].seconds = ns_now_s() - t0;

    for (int k = 0; k < NAME_STUDY_N_MODELS; k++)
        score(te.y, proba[k], te.n, c->k, &r->model[k]);
    /* a group-disjoint split may leave a class without test rows (its
     * groups too large): no AUROC difference then, not a failure */
    for (size_t k = 0; k < K; k++) {
        size_t i = 0;
        while (i < te.n && te.y[i] != (int32_t)k)
            i++;
        if (i == te.n) {
            r->diff = r->diff_lo = r->diff_hi = NAN;
            r->diff_reduced = r->names_in_reduced_lo = r->names_in_reduced_hi = NAN;
            goto done;
        }
    }
    ns_progress(c, "%s: bootstrap", r->name);
    TRY(genre_metrics_roc_auc_bootstrap_diff(te.y, proba[NS_BOTH], K, proba[NS_AUDIO], K,
                                             te.n, K, o->n_resamples, o->seed, 0.95, &r->diff,
                                             &r->diff_lo, &r->diff_hi),
        "bootstrap");
    TRY(genre_metrics_roc_auc_bootstrap_diff(te.y, proba[NS_REDUCED], K, proba[NS_AUDIO], K,
                                             te.n, K, o->n_resamples, o->seed, 0.95,
                                             &r->diff_reduced, &r->names_in_reduced_lo,
                                             &r->names_in_reduced_hi),
        "bootstrap");
done:
    if (which == NS_SPLIT_RANDOM)
        gate_post(c->gate, -1); /* a no-op once decided */
    if (pnames != proba[NS_NAMES])
        free(pnames);
    for (int k = 0; k < NAME_STUDY_N_MODELS; k++)
        free(proba[k]);
    free(oof);
    free(ztr);
    free(zte);
    free(zfit);
    free(zval);
    free(pv);
    free(pt);
    free(standardise);
    free(mask);
    free(rows_tr);
    free(rows_te);
    csr_free(&sf);
    csr_free(&sv);
    csr_free(&ste);
    free(fit_rows);
    free(val_rows);
    ns_side_free(&fp);
    ns_side_free(&vp);
    ns_side_free(&tr);
    ns_side_free(&te);
    genre_scaler_free(sc);
    genre_dataset_free(dtr);
    genre_dataset_free(dte);
    genre_dataset_split_free(split);
    return rc;
}

void *ns_split_main(void *arg)
{
    ctx *c = arg;
    c->rc = run_split(c, c->which);
    return NULL;
}
