/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The name study's CSR matrices and networks: see name_models.h. */
#include "name_models.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void csr_free(csr *m)
{
    free(m->rp);
    free(m->ci);
    free(m->v);
    memset(m, 0, sizeof *m);
}

int csr_alloc(csr *m, size_t n_rows, size_t n_cols, size_t nnz)
{
    m->n_rows = n_rows;
    m->n_cols = n_cols;
    m->rp = malloc((n_rows + 1) * sizeof *m->rp);
    m->ci = malloc((nnz ? nnz : 1) * sizeof *m->ci);
    m->v = malloc((nnz ? nnz : 1) * sizeof *m->v);
    return m->rp && m->ci && m->v ? 0 : -1;
}

/* dst = the rows `rows[0..n)` of src. */
int csr_take(const csr *src, const size_t *rows, size_t n, csr *dst)
{
    size_t nnz = 0;
    for (size_t i = 0; i < n; i++)
        nnz += src->rp[rows[i] + 1] - src->rp[rows[i]];
    if (csr_alloc(dst, n, src->n_cols, nnz))
        return -1;
    size_t o = 0;
    dst->rp[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t a = src->rp[rows[i]], b = src->rp[rows[i] + 1];
        memcpy(dst->ci + o, src->ci + a, (b - a) * sizeof *dst->ci);
        memcpy(dst->v + o, src->v + a, (b - a) * sizeof *dst->v);
        o += b - a;
        dst->rp[i + 1] = o;
    }
    return 0;
}

/* dst = src with the entries of columns below n_text multiplied by a. */
int csr_scaled_copy(const csr *src, size_t n_text, double a, csr *dst)
{
    size_t nnz = src->rp[src->n_rows];
    if (csr_alloc(dst, src->n_rows, src->n_cols, nnz))
        return -1;
    memcpy(dst->rp, src->rp, (src->n_rows + 1) * sizeof *dst->rp);
    memcpy(dst->ci, src->ci, nnz * sizeof *dst->ci);
    for (size_t k = 0; k < nnz; k++)
        dst->v[k] = src->ci[k] < n_text ? a * src->v[k] : src->v[k];
    return 0;
}

/* The MLP's progress callback: asks the fit's cancel once per epoch. */
static int32_t mlp_cancel(void *user, int32_t phase, int64_t step, int64_t total,
                          double objective)
{
    (void)phase, (void)step, (void)total, (void)objective;
    const name_fit *f = user;
    return f->cancel(f->user) ? 1 : 0;
}

static genre_status mlp_new(genre_mlp **m, const int32_t *hidden, size_t n_hidden,
                            double lr, int64_t epochs, const name_fit *f)
{
    genre_status st = genre_mlp_create(m);
    if (!st && f->cancel)
        /* the callback only reads the fit description */
        st = genre_mlp_set_progress(*m, mlp_cancel, (void *)(uintptr_t)f);
    if (!st)
        st = genre_mlp_set_hidden_layers(*m, hidden, n_hidden);
    if (!st)
        st = genre_mlp_set_f64(*m, GENRE_MLP_LEARNING_RATE, lr);
    if (!st)
        st = genre_mlp_set_i64(*m, GENRE_MLP_EPOCHS, epochs);
    if (!st)
        st = genre_mlp_set_i64(*m, GENRE_MLP_BATCH_SIZE, 256);
    if (!st)
        st = genre_mlp_set_i64(*m, GENRE_MLP_N_CLASSES, f->n_classes);
    if (!st) /* the splits already run on two threads (and beside genre-analysis's stages) */
        st = genre_mlp_set_i64(*m, GENRE_MLP_N_THREADS, 1);
    if (!st)
        st = genre_mlp_set_i64(*m, GENRE_MLP_SEED, (int64_t)f->seed);
    return st;
}

#define SPARSE_PATIENCE 2
#define DENSE_PATIENCE 10

genre_status names_fit_predict(const name_fit *f, const csr *tr, const int32_t *y,
                               const csr *va, const int32_t *yva, int64_t epochs,
                               const csr *te, double *proba, int64_t *best, double *proba_va)
{
    const size_t k = (size_t)f->n_classes;
    genre_mlp *m = NULL;
    genre_status st = mlp_new(&m, NULL, 0, 0.01, epochs, f);
    if (!st && va)
        st = genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, SPARSE_PATIENCE);
    if (!st)
        st = genre_mlp_fit_csr(m, tr->n_rows, tr->n_cols, tr->rp[tr->n_rows], tr->rp, tr->ci,
                               tr->v, y, va ? va->n_rows : 0, va ? va->rp[va->n_rows] : 0,
                               va ? va->rp : NULL, va ? va->ci : NULL,
                               va ? va->v : NULL, yva);
    if (!st && best)
        st = genre_mlp_get_i64(m, GENRE_MLP_BEST_EPOCH, best);
    if (!st)
        st = genre_mlp_predict_proba_csr(m, te->n_rows, te->n_cols, te->rp[te->n_rows], te->rp,
                                         te->ci, te->v, proba, te->n_rows * k, NULL);
    if (!st && va && proba_va)
        st = genre_mlp_predict_proba_csr(m, va->n_rows, va->n_cols, va->rp[va->n_rows], va->rp,
                                         va->ci, va->v, proba_va, va->n_rows * k, NULL);
    genre_mlp_free(m);
    return st;
}

genre_status both_fit_predict(const name_fit *f, int32_t hidden, int64_t epochs,
                              const csr *tr, const int32_t *y, const csr *va,
                              const int32_t *yva, const csr *te, double *proba,
                              int64_t *best, double *proba_va)
{
    const size_t k = (size_t)f->n_classes;
    genre_mlp *m = NULL;
    const int32_t layers[] = {hidden};
    genre_status st = mlp_new(&m, layers, 1, 3e-3, epochs, f);
    if (!st)
        st = genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, SPARSE_PATIENCE);
    if (!st)
        st = genre_mlp_fit_csr(m, tr->n_rows, tr->n_cols, tr->rp[tr->n_rows], tr->rp, tr->ci, tr->v,
                               y, va->n_rows, va->rp[va->n_rows], va->rp, va->ci, va->v, yva);
    if (!st)
        st = genre_mlp_get_i64(m, GENRE_MLP_BEST_EPOCH, best);
    if (!st)
        st = genre_mlp_predict_proba_csr(m, te->n_rows, te->n_cols, te->rp[te->n_rows], te->rp,
                                         te->ci, te->v, proba, te->n_rows * k, NULL);
    if (!st)
        st = genre_mlp_predict_proba_csr(m, va->n_rows, va->n_cols, va->rp[va->n_rows], va->rp,
                                         va->ci, va->v, proba_va, va->n_rows * k, NULL);
    genre_mlp_free(m);
    return st;
}

genre_status dense_fit_predict(const name_fit *f, int64_t epochs, const double *xtr,
                               size_t ntr, const int32_t *y, const double *xva, size_t nva,
                               const int32_t *yva, const double *xte, size_t nte, size_t d,
                               double *proba, int64_t *best, double *proba_va)
{
    static const int32_t hidden[] = {64, 32};
    const size_t k = (size_t)f->n_classes;
    genre_mlp *m = NULL;
    genre_status st = mlp_new(&m, hidden, 2, 3e-3, epochs, f);
    if (!st)
        st = genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, DENSE_PATIENCE);
    if (!st)
        st = genre_mlp_fit(m, xtr, ntr, d, d, y, xva, nva, d, yva);
    if (!st)
        st = genre_mlp_get_i64(m, GENRE_MLP_BEST_EPOCH, best);
    if (!st)
        st = genre_mlp_predict_proba(m, xte, nte, d, d, proba, nte * k, NULL);
    if (!st)
        st = genre_mlp_predict_proba(m, xva, nva, d, d, proba_va, nva * k, NULL);
    genre_mlp_free(m);
    return st;
}

double macro_auroc(const int32_t *y, const double *p, size_t n, int32_t k)
{
    double v;
    return genre_metrics_roc_auc_ovr(y, p, n, (size_t)k, (size_t)k, GENRE_METRICS_AVERAGE_MACRO,
                                     &v)
               ? NAN
               : v;
}

uint64_t name_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}
