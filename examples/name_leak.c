/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The name study's leak check: see name_leak.h. */
#include "name_leak.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* One column (field j of m) of n rows, hashed by t into m_out. */
static genre_status hash_column(const genre_text *t, const char *const *names, size_t n,
                                size_t m, size_t j, const char **col, size_t n_cols, csr *out)
{
    for (size_t i = 0; i < n; i++)
        col[i] = names[i * m + j];
    size_t nnz = 0;
    genre_status st = genre_text_transform(t, col, n, 1, NULL, NULL, NULL, 0, &nnz);
    if (st != GENRE_E_BUFFER_TOO_SMALL)
        return st == GENRE_OK ? GENRE_E_INTERNAL : st;
    if (csr_alloc(out, n, n_cols, nnz))
        return GENRE_E_NOMEM;
    return genre_text_transform(t, col, n, 1, out->rp, out->ci, out->v, nnz, NULL);
}

static genre_status score_column(const name_fit *f, const name_leak_params *p,
                                 const char *const *names_fit, const int32_t *y_fit,
                                 size_t n_fit, const char *const *names_val,
                                 const int32_t *y_val, size_t n_val, size_t m, size_t j,
                                 const char **col, double *pv, double *auroc)
{
    genre_text *t = NULL;
    csr a = {0}, b = {0};
    int64_t n_cols = 0;
    genre_status st = genre_text_create(&t);
    if (!st)
        st = genre_text_set_i64(t, GENRE_TEXT_N_BUCKETS, p->n_buckets);
    if (!st)
        st = genre_text_set_i64(t, GENRE_TEXT_NGRAM_MIN, p->ngram_min);
    if (!st)
        st = genre_text_set_i64(t, GENRE_TEXT_NGRAM_MAX, p->ngram_max);
    if (!st)
        st = genre_text_set_i64(t, GENRE_TEXT_SEED, (int64_t)p->text_seed);
    if (!st) {
        for (size_t i = 0; i < n_fit; i++)
            col[i] = names_fit[i * m + j];
        st = genre_text_fit(t, col, n_fit, 1);
    }
    if (!st)
        st = genre_text_get_i64(t, GENRE_TEXT_N_FEATURES, &n_cols);
    if (!st)
        st = hash_column(t, names_fit, n_fit, m, j, col, (size_t)n_cols, &a);
    if (!st)
        st = hash_column(t, names_val, n_val, m, j, col, (size_t)n_cols, &b);
    /* early-stopped on the validation rows and scored on them */
    if (!st)
        st = names_fit_predict(f, &a, y_fit, &b, y_val, p->epochs, &b, pv, NULL, NULL);
    if (!st)
        *auroc = macro_auroc(y_val, pv, n_val, f->n_classes);
    csr_free(&a);
    csr_free(&b);
    genre_text_free(t);
    return st;
}

genre_status name_leak_scores(const name_fit *f, const name_leak_params *p,
                              const char *const *names_fit, const int32_t *y_fit, size_t n_fit,
                              const char *const *names_val, const int32_t *y_val, size_t n_val,
                              size_t m, double *val_auroc)
{
    size_t n = n_fit > n_val ? n_fit : n_val;
    const char **col = malloc((n ? n : 1) * sizeof *col);
    double *pv = malloc((n_val ? n_val : 1) * (size_t)f->n_classes * sizeof *pv);
    genre_status st = col && pv ? GENRE_OK : GENRE_E_NOMEM;
    for (size_t j = 0; j < m && !st; j++) {
        val_auroc[j] = NAN;
        st = score_column(f, p, names_fit, y_fit, n_fit, names_val, y_val, n_val, m, j, col,
                          pv, &val_auroc[j]);
    }
    free(col);
    free(pv);
    return st;
}

int name_leak_flagged(double val_auroc)
{
    return val_auroc > NAME_LEAK_AUROC; /* false for NaN */
}

void name_leak_warning(char *buf, size_t cap, const char *column, double val_auroc, int kept)
{
    snprintf(buf, cap,
             "column '%s' alone predicts the label (validation macro AUROC %.4f): a likely "
             "leak; %s",
             column, val_auroc,
             kept ? "kept in the combined models as asked (--keep-leaking)"
                  : "left out of the combined models (--keep-leaking keeps it)");
}
