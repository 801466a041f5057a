/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The table as the analysis uses it: the feature columns and why the others
 * are not used, their encoding (numeric as is, an ordered categorical as
 * its code, an unordered one one-hot), the export of the feature matrix,
 * and the report's warnings (analysis.h). table_schema.c says where the
 * schema comes from. */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void add_warning(run *r, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&g_reg);
    char **w = realloc(r->warnings, (size_t)(r->n_warnings + 1) * sizeof *w);
    if (w) {
        r->warnings = w;
        if ((w[r->n_warnings] = strdup(buf)))
            r->n_warnings++;
    }
    pthread_mutex_unlock(&g_reg);
}

table_col *table_column(run *r, const char *name)
{
    for (size_t i = 0; i < r->n_cols; i++)
        if (!strcmp(r->cols[i].name, name))
            return &r->cols[i];
    return NULL;
}

static const char *unused_reason(const run *r, const table_col *c)
{
    switch (c->role) {
    case GENRE_COL_LABEL: return "the label";
    case GENRE_COL_GROUP: return "the group column (group-aware splits and imputation)";
    case GENRE_COL_TEXT: return "text (used by the name study only)";
    case GENRE_COL_IGNORE: return "declared ignore";
    default: return r->opt.features ? "not in --features" : "not a feature";
    }
}

static int add_source(run *r, table_col *c)
{
    if (!c) {
        snprintf(r->error, sizeof r->error, "the schema lacks a reference feature");
        return -1;
    }
    if (c->used)
        return 0; /* named twice in --features */
    c->used = 1;
    c->reason[0] = 0;
    r->fsrc[r->n_fsrc++] = (feature_src){.name = c->name, .role = c->role,
                                         .n_order = c->n_order};
    return 0;
}

int table_choose_features(run *r)
{
    r->fsrc = xcalloc(r->n_cols, sizeof *r->fsrc);
    if (!r->fsrc) {
        snprintf(r->error, sizeof r->error, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < r->n_cols; i++)
        snprintf(r->cols[i].reason, sizeof r->cols[i].reason, "%s",
                 unused_reason(r, &r->cols[i]));
    if (r->opt.features) {
        const char *p = r->opt.features;
        while (*p) {
            size_t n = strcspn(p, ",");
            char name[512];
            snprintf(name, sizeof name, "%.*s", (int)(n < 511 ? n : 511), p);
            table_col *c = table_column(r, name);
            if (!c || (c->role != GENRE_COL_NUMERIC && c->role != GENRE_COL_CATEGORICAL)) {
                snprintf(r->error, sizeof r->error,
                         "--features: '%s' is %s; a feature is a numeric or categorical "
                         "column of the schema",
                         name, c ? "not numeric or categorical" : "not a column of the schema");
                return -1;
            }
            add_source(r, c);
            p += n;
            if (*p == ',')
                p++;
        }
    } else if (r->is_ref) {
        for (int j = 0; j < NF; j++)
            if (add_source(r, table_column(r, FEAT[j])))
                return -1;
    } else {
        for (size_t i = 0; i < r->n_cols; i++)
            if (r->cols[i].role == GENRE_COL_NUMERIC || r->cols[i].role == GENRE_COL_CATEGORICAL)
                add_source(r, &r->cols[i]);
    }
    if (!r->n_fsrc) {
        snprintf(r->error, sizeof r->error,
                 "the schema has no numeric or categorical column to use as a feature");
        return -1;
    }
    return 0;
}

int table_encode(run *r, const genre_dataset_prep *prep)
{
    size_t d = 0;
    for (size_t k = 0; k < r->n_fsrc; k++) {
        feature_src *f = &r->fsrc[k];
        f->first = d;
        f->width = 1;
        if (f->role == GENRE_COL_CATEGORICAL) {
            if (genre_dataset_prep_category_count(prep, f->name, &f->n_cat)) {
                snprintf(r->error, sizeof r->error, "%s", genre_last_error());
                return -1;
            }
            if (!f->n_order)
                f->width = (size_t)f->n_cat;
        }
        d += f->width;
    }
    r->d = d;
    r->feat = xcalloc(d, sizeof *r->feat);
    r->scale_mask = xcalloc(d, 1);
    r->pca_mask = xcalloc(d, 1);
    if (!r->feat || !r->scale_mask || !r->pca_mask)
        goto nomem;
    for (size_t k = 0; k < r->n_fsrc; k++) {
        feature_src *f = &r->fsrc[k];
        for (size_t w = 0; w < f->width; w++) {
            size_t j = f->first + w;
            if (f->role == GENRE_COL_CATEGORICAL && !f->n_order) {
                char v[200] = "";
                genre_dataset_prep_category_name(prep, f->name, (int32_t)w, v, sizeof v, NULL);
                size_t n = strlen(f->name) + strlen(v) + 2;
                if (!(r->feat[j] = malloc(n)))
                    goto nomem;
                snprintf(r->feat[j], n, "%s=%s", f->name, v);
            } else if (!(r->feat[j] = strdup(f->name))) {
                goto nomem;
            }
            r->scale_mask[j] = f->role == GENRE_COL_NUMERIC;
            /* an ordered code of more than two values (the reference key)
             * is no magnitude: left out of the PCA */
            r->pca_mask[j] = f->role == GENRE_COL_NUMERIC || !f->n_order || f->n_order <= 2;
            r->d_pca += r->pca_mask[j];
        }
    }
    return 0;
nomem:
    snprintf(r->error, sizeof r->error, "out of memory");
    return -1;
}

genre_status table_export_sources(const genre_dataset *ds, const feature_src *src, size_t m,
                                  size_t d, double **x, int32_t **y, size_t *n)
{
    int64_t rows = 0;
    genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows);
    *n = (size_t)rows;
    *x = xcalloc(*n * d, sizeof **x);
    *y = xcalloc(*n, sizeof **y);
    const char **names = xcalloc(m, sizeof *names);
    double *raw = xcalloc(*n * m, sizeof *raw);
    genre_status st = GENRE_E_NOMEM;
    if (!*x || !*y || !names || !raw)
        goto out;
    for (size_t k = 0; k < m; k++)
        names[k] = src[k].name;
    if ((st = genre_dataset_export_matrix(ds, names, m, raw, *n * m, NULL)) ||
        (st = genre_dataset_export_labels(ds, *y, *n, NULL)))
        goto out;
    for (size_t i = 0; i < *n; i++)
        for (size_t k = 0; k < m; k++) {
            const feature_src *f = &src[k];
            double v = raw[i * m + k];
            if (f->role == GENRE_COL_CATEGORICAL && !f->n_order) {
                /* one-hot; a code outside the training categories: all 0 */
                if (v >= 0 && v < (double)f->width)
                    (*x)[i * d + f->first + (size_t)v] = 1;
            } else {
                (*x)[i * d + f->first] = v;
            }
        }
out:
    free(names), free(raw);
    return st;
}

genre_status table_export(run *r, const genre_dataset *ds, double **x, int32_t **y, size_t *n)
{
    return table_export_sources(ds, r->fsrc, r->n_fsrc, r->d, x, y, n);
}
