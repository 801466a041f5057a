/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Scale, PCA, LDA and the LDA classifier (stage_linear()); eval_proba(),
 * the AUROC and accuracy of a probability matrix, serves the MLPs too. */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <stdlib.h>
#include <string.h>

void keep_columns(const double *x, size_t n, size_t d, const uint8_t *keep, size_t m,
                  double *out)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0, k = 0; j < d; j++)
            if (keep[j])
                out[i * m + k++] = x[i * d + j];
}

int eval_proba(int K, const int32_t *y, const double *proba, size_t n, double *auroc,
               double *micro, double *acc, double *per_class)
{
    const size_t nk = (size_t)K;
    int32_t *pred = xcalloc(n, sizeof *pred);
    if (!pred)
        return GENRE_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;
        for (size_t k = 1; k < nk; k++)
            if (proba[i * nk + k] > proba[i * nk + best])
                best = k;
        pred[i] = (int32_t)best;
    }
    genre_status st = genre_metrics_roc_auc_ovr(y, proba, n, nk, nk,
                                                GENRE_METRICS_AVERAGE_MACRO, auroc);
    if (!st && micro)
        st = genre_metrics_roc_auc_ovr(y, proba, n, nk, nk, GENRE_METRICS_AVERAGE_MICRO,
                                       micro);
    if (!st)
        st = genre_metrics_accuracy(y, pred, n, acc);
    if (!st && per_class)
        st = genre_metrics_roc_auc_per_class(y, proba, n, nk, nk, per_class, nk, NULL);
    free(pred);
    return st;
}

size_t lda_mask_finish(run *r)
{
    size_t n = 0;
    for (size_t k = 0; k < r->n_fsrc; k++) {
        const feature_src *f = &r->fsrc[k];
        if (f->role == GENRE_COL_CATEGORICAL && !f->n_order && f->width > 0)
            r->lda_mask[f->first + f->width - 1] = 0;
    }
    for (size_t j = 0; j < r->d; j++)
        n += r->lda_mask[j];
    return n;
}

/* The LDA's inputs of the training rows in memory (lda_mask_finish()). */
static size_t lda_columns(run *r)
{
    size_t d = r->d;
    for (size_t j = 0; j < d; j++) {
        int spread = 0;
        for (size_t i = 1; i < r->ntr && !spread; i++)
            spread = r->xtr[i * d + j] != r->xtr[j];
        r->lda_mask[j] = (uint8_t)spread;
    }
    return lda_mask_finish(r);
}

genre_status lda_fit_or_shrink(run *r, genre_lda *lda, lda_fit_fn fit, const void *ud)
{
    genre_status st = fit(lda, ud);
    if (st == GENRE_E_NUMERIC && !r->is_ref) {
        char why[512];
        snprintf(why, sizeof why, "%s", genre_last_error());
        r->lda_shrinkage = 1e-4;
        if (!(st = genre_lda_set_f64(lda, GENRE_LDA_SHRINKAGE, r->lda_shrinkage)) &&
            !(st = fit(lda, ud)))
            add_warning(r, "LDA: %s; fit with shrinkage %g instead", why, r->lda_shrinkage);
    }
    return st;
}

genre_status pca_results(run *r, const genre_pca *pca)
{
    int64_t npc = 0;
    genre_status st = genre_pca_get_i64(pca, GENRE_PCA_N_COMPONENTS_FITTED, &npc);
    if (st)
        return st;
    r->n_pc = (size_t)npc;
    r->pca_ratio = xcalloc(r->n_pc, sizeof *r->pca_ratio);
    r->pca_loadings = xcalloc(r->d_pca * r->n_pc, sizeof *r->pca_loadings);
    if (!r->pca_ratio || !r->pca_loadings)
        return GENRE_E_NOMEM;
    if ((st = genre_pca_get_explained_variance_ratio(pca, r->pca_ratio, r->n_pc, NULL)))
        return st;
    return genre_pca_get_loadings(pca, r->pca_loadings, r->d_pca * r->n_pc, NULL);
}

/* lda_fit_fn on the training rows in memory (ud). */
typedef struct lda_rows {
    const run *r;
    const double *x; /* ntr x d_lda */
} lda_rows;

static genre_status fit_rows(genre_lda *lda, const void *ud)
{
    const lda_rows *t = ud;
    size_t dl = t->r->d_lda;
    return genre_lda_fit(lda, t->x, t->r->ntr, dl, dl, t->r->ytr);
}

int stage_linear(run *r)
{
    stage *s = stage_begin(r, "scale, PCA, LDA, LDA classifier");
    genre_scaler *sc = NULL;
    genre_pca *pca = NULL;
    genre_lda *lda = NULL;
    genre_status st;
    const char *what = "scaler";
    const size_t d = r->d, dp = r->d_pca, K = (size_t)r->K;
    double *tmp = NULL, *ptr = NULL, *ltr = NULL, *lte = NULL;
    r->lda_mask = xcalloc(d, 1);
    if (!r->lda_mask)
        return stage_fail(r, s, GENRE_E_NOMEM, what);
    const size_t dl = r->d_lda = lda_columns(r);
    r->n_ld = K - 1 < dl ? K - 1 : dl;
    const size_t nl = r->n_ld;
    r->str = xcalloc(r->ntr * d, sizeof *r->str);
    r->ste = xcalloc(r->nte * d, sizeof *r->ste);
    r->scaler_mean = xcalloc(d, sizeof *r->scaler_mean);
    r->scaler_scale = xcalloc(d, sizeof *r->scaler_scale);
    r->lda_tr = xcalloc(r->ntr * nl, sizeof *r->lda_tr);
    r->lda_te = xcalloc(r->nte * nl, sizeof *r->lda_te);
    r->lda_ratio = xcalloc(nl, sizeof *r->lda_ratio);
    r->lda_scalings = xcalloc(dl * nl, sizeof *r->lda_scalings);
    ltr = xcalloc(r->ntr * dl, sizeof *ltr);
    lte = xcalloc(r->nte * dl, sizeof *lte);
    r->lda_clf_proba = xcalloc(r->nte * K, sizeof *r->lda_clf_proba);
    tmp = xcalloc(r->ntr * dp, sizeof *tmp);
    ptr = xcalloc(r->ntr * K, sizeof *ptr);
    if (!r->str || !r->ste || !r->scaler_mean || !r->scaler_scale || !r->lda_tr ||
        !r->lda_te || !r->lda_ratio || !r->lda_scalings || !tmp || !ptr || !r->lda_clf_proba ||
        !ltr || !lte) {
        st = GENRE_E_NOMEM;
        goto fail;
    }
    if ((st = genre_scaler_create(&sc)) || (st = genre_scaler_set_mask(sc, r->scale_mask, d)) ||
        (st = genre_scaler_fit(sc, r->xtr, r->ntr, d, d)) ||
        (st = genre_scaler_transform(sc, r->xtr, r->ntr, d, d, r->str, r->ntr * d, NULL)) ||
        (st = genre_scaler_transform(sc, r->xte, r->nte, d, d, r->ste, r->nte * d, NULL)) ||
        (st = genre_scaler_get_mean(sc, r->scaler_mean, d, NULL)) ||
        (st = genre_scaler_get_scale(sc, r->scaler_scale, d, NULL)))
        goto fail;
    /* PCA on the columns of the PCA mask (the reference table: 12, no key) */
    what = "PCA";
    keep_columns(r->str, r->ntr, d, r->pca_mask, dp, tmp);
    if (dp > 0) {
        if ((st = genre_pca_create(&pca)) || (st = genre_pca_fit(pca, tmp, r->ntr, dp, dp)) ||
            (st = pca_results(r, pca)))
            goto fail;
        r->pca_tr = xcalloc(r->ntr * r->n_pc, sizeof *r->pca_tr);
        if (!r->pca_tr) {
            st = GENRE_E_NOMEM;
            goto fail;
        }
        if ((st = genre_pca_transform(pca, tmp, r->ntr, dp, dp, r->pca_tr, r->ntr * r->n_pc,
                                      NULL)))
            goto fail;
        r->have_pca = 1;
    }
    /* LDA on the columns of the LDA mask (the reference table: all 13) */
    what = "LDA";
    keep_columns(r->str, r->ntr, d, r->lda_mask, dl, ltr);
    keep_columns(r->ste, r->nte, d, r->lda_mask, dl, lte);
    lda_rows rows = {r, ltr};
    if ((st = genre_lda_create(&lda)) || (st = lda_fit_or_shrink(r, lda, fit_rows, &rows)) ||
        (st = genre_lda_get_explained_variance_ratio(lda, r->lda_ratio, nl, NULL)) ||
        (st = genre_lda_get_scalings(lda, r->lda_scalings, dl * nl, NULL)) ||
        (st = genre_lda_transform(lda, ltr, r->ntr, dl, dl, r->lda_tr, r->ntr * nl, NULL)) ||
        (st = genre_lda_transform(lda, lte, r->nte, dl, dl, r->lda_te, r->nte * nl, NULL)))
        goto fail;
    r->have_lda = 1;
    what = "LDA classifier";
    if ((st = genre_lda_predict_proba(lda, lte, r->nte, dl, dl, r->lda_clf_proba, r->nte * K,
                                      NULL)) ||
        (st = genre_lda_predict_proba(lda, ltr, r->ntr, dl, dl, ptr, r->ntr * K, NULL)) ||
        (st = eval_proba(r->K, r->yte, r->lda_clf_proba, r->nte, &r->lda_clf_auroc,
                         &r->lda_clf_micro, &r->lda_clf_acc, NULL)) ||
        (st = eval_proba(r->K, r->ytr, ptr, r->ntr, &r->lda_clf_train_auroc, NULL,
                         &r->lda_clf_train_acc, NULL)))
        goto fail;
    r->have_lda_clf = 1;
    char ratios[128] = "";
    for (size_t k = 0; k < nl && k < 3; k++)
        snprintf(ratios + strlen(ratios), sizeof ratios - strlen(ratios), "%s%.3f",
                 k ? " / " : "", r->lda_ratio[k]);
    stage_note(s, "LDA ratios %s; LDA classifier test macro AUROC %.4f", ratios,
               r->lda_clf_auroc);
    stage_end(s, ST_DONE);
    goto cleanup;
fail:
    stage_fail(r, s, st, what);
cleanup:
    free(tmp), free(ptr), free(ltr), free(lte);
    genre_scaler_free(sc);
    genre_pca_free(pca);
    genre_lda_free(lda);
    return stopping(r) ? -1 : 0;
}
