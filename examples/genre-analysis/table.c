/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The schema as the analysis uses it: which table it is (the reference one
 * or a user's), its columns for the report, the feature columns and their
 * encoding (numeric as is, an ordered categorical as its code, an unordered
 * one one-hot), and the export of the feature matrix (analysis.h). */
#define _XOPEN_SOURCE 700

#include "analysis.h"
#include "schema_file.h"

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

/* The columns of a schema file; each column's markers shown after the
 * markers declared for every column (an ignored column has none). */
static int cols_from_file(run *r, schema_file_info *info)
{
    r->cols = xcalloc(info->n_cols, sizeof *r->cols);
    if (!r->cols)
        return -1;
    for (size_t i = 0; i < info->n_cols; i++) {
        schema_file_column *s = &info->cols[i];
        table_col *c = &r->cols[r->n_cols++];
        c->name = s->name;
        c->role = s->role;
        c->n_order = s->n_order;
        c->missing_read = -1;
        s->name = NULL;
        size_t n = strlen(info->global_markers) + strlen(s->markers) + 3;
        c->markers = malloc(n);
        if (!c->markers)
            return -1;
        if (s->role == GENRE_COL_IGNORE)
            c->markers[0] = 0;
        else
            snprintf(c->markers, n, "%s%s%s", info->global_markers,
                     info->global_markers[0] && s->markers[0] ? ", " : "", s->markers);
    }
    return 0;
}

/* A C-escaped "quoted" or bare word of an inference note at *p into out;
 * *p moves past it. */
static void note_word(const char **p, char *out, size_t cap)
{
    const char *s = *p;
    size_t o = 0;
    if (*s == '"') {
        for (s++; *s && *s != '"'; s++) {
            char c = *s;
            if (c == '\\' && s[1]) {
                s++;
                c = *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s == 't' ? '\t' : *s;
                if (*s == 'x' && s[1] && s[2]) {
                    char hex[3] = {s[1], s[2], 0};
                    c = (char)strtol(hex, NULL, 16);
                    s += 2;
                }
            }
            if (o + 1 < cap)
                out[o++] = c;
        }
        if (*s == '"')
            s++;
    } else {
        while (*s && *s != ' ' && *s != '\n')
            if (o + 1 < cap)
                out[o++] = *s++;
            else
                s++;
    }
    out[o] = 0;
    *p = s;
}

/* The columns of an inferred schema from its notes ("column NAME ROLE ...,
 * N missing (empty N) marker "X""): until the library has schema getters. */
static int cols_from_notes(run *r, char *notes)
{
    size_t n = 0;
    for (const char *p = notes; (p = strstr(p, "column ")); p++)
        n++;
    r->cols = xcalloc(n, sizeof *r->cols);
    if (!r->cols)
        return -1;
    char word[1024];
    for (char *line = notes, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        if (strncmp(line, "column ", 7) || r->n_cols == n)
            continue;
        const char *p = line + 7;
        table_col *c = &r->cols[r->n_cols++];
        c->missing_read = -1;
        note_word(&p, word, sizeof word);
        c->name = strdup(word);
        p += *p == ' ';
        note_word(&p, word, sizeof word);
        static const char *const roles[] = {"numeric", "categorical", "text", "label",
                                            "group", "ignore"};
        for (int k = 0; k < 6; k++)
            if (!strcmp(word, roles[k]))
                c->role = k + 1; /* GENRE_COL_NUMERIC .. GENRE_COL_IGNORE */
        char markers[512] = "";
        if (strstr(p, " (empty "))
            snprintf(markers, sizeof markers, "\"\"");
        for (const char *m = p; (m = strstr(m, "marker \"")); ) {
            m += 7;
            while (*m == '"') {
                note_word(&m, word, sizeof word);
                size_t l = strlen(markers);
                snprintf(markers + l, sizeof markers - l, "%s%.200s", l ? ", " : "", word);
                m += *m == ' ';
            }
        }
        c->markers = strdup(markers);
        if (!c->name || !c->markers)
            return -1;
        if (c->role == GENRE_COL_LABEL)
            snprintf(r->label_col, sizeof r->label_col, "%s", c->name);
    }
    return 0;
}

/* The schema inferred from --input with --label: its columns to stderr,
 * its odd cells (a numeric column's cells read as missing) to the report's
 * warnings. */
static int infer(run *r, genre_dataset_schema **out)
{
    genre_dataset_schema *opt = NULL;
    genre_status st = genre_dataset_schema_create(&opt);
    if (!st && r->opt.strict)
        st = genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_STRICT, 1);
    if (!st && r->opt.threads)
        st = genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_THREADS, r->opt.threads);
    if (!st)
        st = genre_dataset_schema_infer(out, opt, r->data_path, r->opt.label);
    genre_dataset_schema_free(opt);
    if (st) {
        snprintf(r->error, sizeof r->error, "%s", genre_last_error());
        return -1;
    }
    size_t need = 0;
    genre_dataset_schema_infer_notes(*out, NULL, 0, &need);
    char *notes = need ? malloc(need) : NULL, *copy = NULL;
    if (!notes || genre_dataset_schema_infer_notes(*out, notes, need, NULL) ||
        !(copy = strdup(notes)) || cols_from_notes(r, copy)) {
        free(notes), free(copy);
        snprintf(r->error, sizeof r->error, "out of memory");
        return -1;
    }
    free(copy);
    say("genre-analysis: the schema inferred from %s (label %s):\n", r->data_path,
        r->opt.label);
    char col[512] = "", list[600] = "";
    int odd = 0;
    for (char *line = notes, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        if (!strncmp(line, "column ", 7)) {
            say("  %s\n", line + 7);
            continue;
        }
        if (strncmp(line, "odd_cell ", 9))
            continue;
        /* odd_cell <file>:<line> <name> "<value>": one warning per column */
        const char *where = line + 9, *sp = strchr(where, ' ');
        const char *p = sp ? sp + 1 : "";
        char name[512];
        note_word(&p, name, sizeof name);
        if (odd && strcmp(col, name)) {
            add_warning(r, "column %s: %d odd cell%s read as missing: %s%s", col, odd,
                        odd == 1 ? "" : "s", list, odd > 5 ? ", ..." : "");
            odd = 0, list[0] = 0;
        }
        snprintf(col, sizeof col, "%s", name);
        if (odd++ < 5)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%.*s %s",
                     odd > 1 ? ", " : "", (int)(sp ? sp - where : 0), where, p + (*p == ' '));
    }
    if (odd)
        add_warning(r, "column %s: %d odd cell%s read as missing: %s%s", col, odd,
                    odd == 1 ? "" : "s", list, odd > 5 ? ", ..." : "");
    free(notes);
    return 0;
}

int table_schema(run *r, genre_dataset_schema **out)
{
    *out = NULL;
    if (r->opt.schema) {
        schema_file_info info;
        if (schema_file_read(r->opt.schema, NULL, 0, out, &info, r->error, sizeof r->error))
            return -1;
        snprintf(r->label_col, sizeof r->label_col, "%s", info.label_col);
        snprintf(r->group_col, sizeof r->group_col, "%s", info.group_col);
        int rc = cols_from_file(r, &info);
        schema_file_info_free(&info);
        if (rc) {
            snprintf(r->error, sizeof r->error, "out of memory");
            return -1;
        }
        /* Until the library writes schemas (genre_dataset_schema_write), a
         * schema file is the reference table's when it declares the built-in
         * schema's columns, roles, orders and markers. */
        r->is_ref = ref_columns_match(r);
    } else if (r->opt.label) {
        if (infer(r, out))
            return -1;
    } else {
        genre_status st = genre_dataset_schema_create_music_genre(out);
        if (st || ref_describe_builtin(r)) {
            snprintf(r->error, sizeof r->error, "built-in schema: %s",
                     st ? genre_last_error() : "out of memory");
            return -1;
        }
        snprintf(r->label_col, sizeof r->label_col, "%s", REF_LABEL_COL);
        snprintf(r->group_col, sizeof r->group_col, "%s", REF_GROUP_COL);
        r->is_ref = 1;
    }
    if (r->opt.label && strcmp(r->opt.label, r->label_col)) {
        snprintf(r->error, sizeof r->error,
                 "--label %s: the schema's label column is '%s'", r->opt.label, r->label_col);
        return -1;
    }
    if (r->opt.group && strcmp(r->opt.group, r->group_col)) {
        snprintf(r->error, sizeof r->error,
                 "--group %s: the schema's group column is '%s'; declare the column "
                 "`group` in the schema file",
                 r->opt.group, r->group_col[0] ? r->group_col : "(none)");
        return -1;
    }
    /* a choice of features or split makes it a user's analysis of the table */
    if (r->opt.features || r->opt.test_fraction > 0 || r->opt.group)
        r->is_ref = 0;
    return 0;
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

genre_status table_export(run *r, const genre_dataset *ds, double **x, int32_t **y, size_t *n)
{
    int64_t rows = 0;
    genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows);
    *n = (size_t)rows;
    *x = xcalloc(*n * r->d, sizeof **x);
    *y = xcalloc(*n, sizeof **y);
    const char **names = xcalloc(r->n_fsrc, sizeof *names);
    double *raw = xcalloc(*n * r->n_fsrc, sizeof *raw);
    genre_status st = GENRE_E_NOMEM;
    if (!*x || !*y || !names || !raw)
        goto out;
    for (size_t k = 0; k < r->n_fsrc; k++)
        names[k] = r->fsrc[k].name;
    if ((st = genre_dataset_export_matrix(ds, names, r->n_fsrc, raw, *n * r->n_fsrc, NULL)) ||
        (st = genre_dataset_export_labels(ds, *y, *n, NULL)))
        goto out;
    size_t m = r->n_fsrc, d = r->d;
    for (size_t i = 0; i < *n; i++)
        for (size_t k = 0; k < m; k++) {
            const feature_src *f = &r->fsrc[k];
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
