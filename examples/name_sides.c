/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One side of a name study split: its rows, features and hashed names
 * (name_study_private.h). */
#include "name_study_private.h"

#include <stdlib.h>
#include <string.h>


void ns_side_free(side *s)
{
    free(s->x);
    free(s->y);
    free(s->groups);
    free(s->names);
    free(s->group);
    csr_free(&s->text);
    csr_free(&s->both);
    memset(s, 0, sizeof *s);
}
/* The side's names, group texts and group ids: rows `rows` of the table
 * (the split's order, which is the subset's). */
int ns_side_rows(ctx *c, const genre_dataset *sub, const int64_t *rows, side *s)
{
    int rc = 0;
    const table *t = c->tab;
    NEED(s->names = malloc((s->n ? s->n : 1) * t->m * sizeof *s->names));
    for (size_t i = 0; i < s->n; i++)
        memcpy(s->names + i * t->m, t->names + (size_t)rows[i] * t->m, t->m * sizeof *s->names);
    if (t->group) {
        NEED(s->group = malloc((s->n ? s->n : 1) * sizeof *s->group));
        for (size_t i = 0; i < s->n; i++)
            s->group[i] = t->group[rows[i]];
        /* ids in the side's own order of first appearance: the validation
         * tenth and the folds are drawn from them */
        NEED(s->groups = malloc((s->n ? s->n : 1) * sizeof *s->groups));
        TRY(genre_dataset_export_groups(sub, s->groups, s->n, NULL), "export groups");
    }
done:
    return rc;
}

/* The caller's features of the split's two sides, checked. */
int ns_side_features(ctx *c, genre_dataset *dtr, genre_dataset *dte, side *tr,
                         side *te, uint8_t **standardise)
{
    name_study_features f = {0};
    char err[400] = "";
    if (c->in->features(c->in->features_user, dtr, dte, &f, err, sizeof err)) {
        snprintf(c->error, sizeof c->error, "features: %s", err[0] ? err : "failed");
        return -1;
    }
    tr->x = f.x_train, te->x = f.x_test, tr->y = f.y_train, te->y = f.y_test;
    tr->d = te->d = f.d;
    *standardise = f.standardise;
    if (!f.d || !tr->x || !te->x || !tr->y || !te->y) {
        snprintf(c->error, sizeof c->error, "features: no columns or no rows given");
        return -1;
    }
    /* K: the input's, or one more than the largest code (both sides hold
     * every row of the table, so both splits find the same) */
    int32_t hi = -1;
    for (int s = 0; s < 2; s++) {
        const side *p = s ? te : tr;
        for (size_t i = 0; i < p->n; i++)
            hi = p->y[i] > hi ? p->y[i] : hi;
    }
    c->k = c->in->n_classes > 0 ? c->in->n_classes : hi + 1;
    if (c->k < 2) {
        snprintf(c->error, sizeof c->error, "features: %d class%s: the study needs 2 or more",
                 c->k, c->k == 1 ? "" : "es");
        return -1;
    }
    for (int s = 0; s < 2; s++) {
        const side *p = s ? te : tr;
        for (size_t i = 0; i < p->n; i++)
            if (p->y[i] < 0 || p->y[i] >= c->k) {
                snprintf(c->error, sizeof c->error,
                         "features: %s row %zu has label code %d, not in [0, %d)",
                         s ? "test" : "training", i, p->y[i], c->k);
                return -1;
            }
    }
    return 0;
}

/* Hashes the fields with keep[j] set (all when keep is NULL) of both sides,
 * document frequencies from tr only, into text and both (names + features). */
int ns_hash_sides(ctx *c, const int *keep, side *tr, side *te, int64_t *n_cols)
{
    const name_study_options *o = c->o;
    const size_t m = c->tab->m;
    int rc = 0;
    genre_text *tx = NULL;
    const char **sel[2] = {NULL, NULL};
    size_t mk = 0;
    for (size_t j = 0; j < m; j++)
        mk += !keep || keep[j];
    TRY(genre_text_create(&tx), "text");
    TRY(genre_text_set_i64(tx, GENRE_TEXT_N_BUCKETS, o->n_buckets), "text");
    TRY(genre_text_set_i64(tx, GENRE_TEXT_NGRAM_MIN, o->ngram_min), "text");
    TRY(genre_text_set_i64(tx, GENRE_TEXT_NGRAM_MAX, o->ngram_max), "text");
    TRY(genre_text_set_i64(tx, GENRE_TEXT_SEED, (int64_t)(o->seed & 0xffffffffu)), "text");
    for (int s = 0; s < 2; s++) {
        side *p = s ? te : tr;
        NEED(sel[s] = malloc((p->n ? p->n : 1) * (mk ? mk : 1) * sizeof **sel));
        for (size_t i = 0, k = 0; i < p->n; i++)
            for (size_t j = 0; j < m; j++)
                if (!keep || keep[j])
                    sel[s][k++] = p->names[i * m + j];
    }
    TRY(genre_text_fit(tx, sel[0], tr->n, mk), "text fit");
    TRY(genre_text_get_i64(tx, GENRE_TEXT_N_FEATURES, n_cols), "text");
    for (int s = 0; s < 2; s++) {
        side *p = s ? te : tr;
        size_t nnz = 0, nc = (size_t)*n_cols;
        csr_free(&p->text);
        csr_free(&p->both);
        genre_status st = genre_text_transform(tx, sel[s], p->n, mk, NULL, NULL, NULL, 0, &nnz);
        if (st != GENRE_E_BUFFER_TOO_SMALL)
            TRY(st == GENRE_OK ? GENRE_E_INTERNAL : st, "name features (size)");
        NEED(csr_alloc(&p->text, p->n, nc, nnz) == 0);
        TRY(genre_text_transform(tx, sel[s], p->n, mk, p->text.rp, p->text.ci, p->text.v, nnz,
                                 NULL),
            "name features");
        size_t total = nnz + p->n * p->d;
        NEED(csr_alloc(&p->both, p->n, nc + p->d, total) == 0);
        TRY(genre_text_csr_append_dense(p->n, nc, p->text.rp[p->n], p->text.rp, p->text.ci,
                                        p->text.v, p->x, p->d, p->d, p->both.rp, p->both.ci,
                                        p->both.v, total, NULL),
            "append the numeric features");
    }
done:
    free(sel[0]);
    free(sel[1]);
    genre_text_free(tx);
    return rc;
}
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Distinct groups among a side's rows that have one. */
int64_t ns_distinct_groups(const side *s)
{
    if (!s->group)
        return 0;
    const char **a = malloc((s->n ? s->n : 1) * sizeof *a);
    if (!a)
        return -1;
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->group[i][0])
            a[m++] = s->group[i];
    qsort(a, m, sizeof *a, cmp_str);
    int64_t d = 0;
    for (size_t i = 0; i < m; i++)
        d += i == 0 || strcmp(a[i], a[i - 1]) != 0;
    free(a);
    return d;
}
/* [d features | K name probabilities] */
double *ns_join(const double *x, size_t d, const double *p, size_t k, size_t n)
{
    double *z = malloc((n ? n : 1) * (d + k) * sizeof *z);
    if (!z)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        memcpy(z + i * (d + k), x + i * d, d * sizeof *z);
        memcpy(z + i * (d + k) + d, p + i * k, k * sizeof *z);
    }
    return z;
}

/* dst = rows `rows[0..n)` of s: features, labels, names and both CSR matrices. */
int ns_side_take(const side *s, size_t m, const size_t *rows, size_t n, side *dst)
{
    memset(dst, 0, sizeof *dst);
    dst->n = n;
    dst->d = s->d;
    dst->x = malloc((n ? n : 1) * s->d * sizeof *dst->x);
    dst->y = malloc((n ? n : 1) * sizeof *dst->y);
    dst->names = malloc((n ? n : 1) * m * sizeof *dst->names);
    if (!dst->x || !dst->y || !dst->names || csr_take(&s->text, rows, n, &dst->text) ||
        csr_take(&s->both, rows, n, &dst->both))
        return -1;
    for (size_t i = 0; i < n; i++) {
        memcpy(dst->x + i * s->d, s->x + rows[i] * s->d, s->d * sizeof *dst->x);
        dst->y[i] = s->y[rows[i]];
        memcpy(dst->names + i * m, s->names + rows[i] * m, m * sizeof *dst->names);
    }
    return 0;
}

/* rows `rows[0..n)` of a row-major matrix with d columns */
double *ns_take_rows(const double *z, size_t d, const size_t *rows, size_t n)
{
    double *o = malloc((n ? n : 1) * d * sizeof *o);
    if (o)
        for (size_t i = 0; i < n; i++)
            memcpy(o + i * d, z + rows[i] * d, d * sizeof *o);
    return o;
}
