/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Scale, PCA, LDA and the LDA classifier (stage_linear()); eval_proba(),
 * the AUROC and accuracy of a probability matrix, serves the MLPs too. */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <stdlib.h>

/* Copy columns of x (n x d) except `skip` into out (n x (d-1)). */
static void drop_column(const double *x, size_t n, size_t d, size_t skip, double *out)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0, k = 0; j < d; j++)
            if (j != skip)
                out[i * (d - 1) + k++] = x[i * d + j];
}

int eval_proba(const int32_t *y, const double *proba, size_t n, double *auroc,
               double *micro, double *acc, double *per_class)
{
    int32_t *pred = xcalloc(n, sizeof *pred);
    if (!pred)
        return GENRE_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        int best = 0;
        for (int k = 1; k < NC; k++)
            if (proba[i * NC + k] > proba[i * NC + best])
                best = k;
        pred[i] = best;
    }
    genre_status st = genre_metrics_roc_auc_ovr(y, proba, n, NC, NC,
                                                GENRE_METRICS_AVERAGE_MACRO, auroc);
    if (!st && micro)
        st = genre_metrics_roc_auc_ovr(y, proba, n, NC, NC, GENRE_METRICS_AVERAGE_MICRO,
                                       micro);
    if (!st)
        st = genre_metrics_accuracy(y, pred, n, acc);
    if (!st && per_class)
        st = genre_metrics_roc_auc_per_class(y, proba, n, NC, NC, per_class, NC, NULL);
    free(pred);
    return st;
}

int stage_linear(run *r)
{
    stage *s = stage_begin(r, "scale, PCA, LDA, LDA classifier");
    genre_scaler *sc = NULL;
    genre_pca *pca = NULL;
    genre_lda *lda = NULL;
    genre_status st;
    const char *what = "scaler";
    double *tmp = NULL, *ptr = NULL;
    uint8_t mask[NF];
    for (int j = 0; j < NF; j++)
        mask[j] = j != KEY_COL && j != MODE_COL;
    r->str = xcalloc(r->ntr * NF, sizeof *r->str);
    r->ste = xcalloc(r->nte * NF, sizeof *r->ste);
    r->pca_tr = xcalloc(r->ntr * (NF - 1), sizeof *r->pca_tr);
    r->lda_tr = xcalloc(r->ntr * (NC - 1), sizeof *r->lda_tr);
    r->lda_te = xcalloc(r->nte * (NC - 1), sizeof *r->lda_te);
    r->lda_clf_proba = xcalloc(r->nte * NC, sizeof *r->lda_clf_proba);
    tmp = xcalloc(r->ntr * (NF - 1), sizeof *tmp);
    ptr = xcalloc(r->ntr * NC, sizeof *ptr);
    if (!r->str || !r->ste || !r->pca_tr || !r->lda_tr || !r->lda_te || !tmp || !ptr ||
        !r->lda_clf_proba) {
        st = GENRE_E_NOMEM;
        goto fail;
    }
    if ((st = genre_scaler_create(&sc)) || (st = genre_scaler_set_mask(sc, mask, NF)) ||
        (st = genre_scaler_fit(sc, r->xtr, r->ntr, NF, NF)) ||
        (st = genre_scaler_transform(sc, r->xtr, r->ntr, NF, NF, r->str, r->ntr * NF, NULL)) ||
        (st = genre_scaler_transform(sc, r->xte, r->nte, NF, NF, r->ste, r->nte * NF, NULL)) ||
        (st = genre_scaler_get_mean(sc, r->scaler_mean, NF, NULL)) ||
        (st = genre_scaler_get_scale(sc, r->scaler_scale, NF, NULL)))
        goto fail;
    /* PCA on the 12 columns without key */
    what = "PCA";
    drop_column(r->str, r->ntr, NF, KEY_COL, tmp);
    if ((st = genre_pca_create(&pca)) || (st = genre_pca_fit(pca, tmp, r->ntr, NF - 1, NF - 1)) ||
        (st = genre_pca_get_explained_variance_ratio(pca, r->pca_ratio, NF - 1, NULL)) ||
        (st = genre_pca_get_loadings(pca, r->pca_loadings, (NF - 1) * (NF - 1), NULL)) ||
        (st = genre_pca_transform(pca, tmp, r->ntr, NF - 1, NF - 1, r->pca_tr,
                                  r->ntr * (NF - 1), NULL)))
        goto fail;
    r->have_pca = 1;
    /* LDA on all 13 */
    what = "LDA";
    if ((st = genre_lda_create(&lda)) ||
        (st = genre_lda_fit(lda, r->str, r->ntr, NF, NF, r->ytr)) ||
        (st = genre_lda_get_explained_variance_ratio(lda, r->lda_ratio, NC - 1, NULL)) ||
        (st = genre_lda_get_scalings(lda, r->lda_scalings, NF * (NC - 1), NULL)) ||
        (st = genre_lda_transform(lda, r->str, r->ntr, NF, NF, r->lda_tr, r->ntr * (NC - 1),
                                  NULL)) ||
        (st = genre_lda_transform(lda, r->ste, r->nte, NF, NF, r->lda_te, r->nte * (NC - 1),
                                  NULL)))
        goto fail;
    r->have_lda = 1;
    what = "LDA classifier";
    if ((st = genre_lda_predict_proba(lda, r->ste, r->nte, NF, NF, r->lda_clf_proba,
                                      r->nte * NC, NULL)) ||
        (st = genre_lda_predict_proba(lda, r->str, r->ntr, NF, NF, ptr, r->ntr * NC, NULL)) ||
        (st = eval_proba(r->yte, r->lda_clf_proba, r->nte, &r->lda_clf_auroc,
                         &r->lda_clf_micro, &r->lda_clf_acc, NULL)) ||
        (st = eval_proba(r->ytr, ptr, r->ntr, &r->lda_clf_train_auroc, NULL,
                         &r->lda_clf_train_acc, NULL)))
        goto fail;
    r->have_lda_clf = 1;
    stage_note(s, "LDA ratios %.3f / %.3f / %.3f; LDA classifier test macro AUROC %.4f",
               r->lda_ratio[0], r->lda_ratio[1], r->lda_ratio[2], r->lda_clf_auroc);
    stage_end(s, ST_DONE);
    goto cleanup;
fail:
    stage_fail(r, s, st, what);
cleanup:
    free(tmp), free(ptr);
    genre_scaler_free(sc);
    genre_pca_free(pca);
    genre_lda_free(lda);
    return stopping(r) ? -1 : 0;
}
