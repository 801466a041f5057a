/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Schema introspection (columns, roles, orders) and the per-column
 * declarations schema files carry beyond reading: the imputation to use and
 * display names of category values. */
#include "dataset_private.h"

#include "alloc.h"
#include "caller_buffer.h"
#include "error_private.h"

#include <string.h>

void genre__schema_free_info(struct genre__schema_col *c)
{
    genre__free_strings(c->name_value, c->n_names);
    genre__free_strings(c->name_text, c->n_names);
    c->name_value = c->name_text = NULL;
    c->n_names = 0;
}

genre_status genre__schema_copy_info(genre_dataset_schema *dst, const genre_dataset_schema *src,
                                     size_t j)
{
    const struct genre__schema_col *sc = &src->cols[j];
    int32_t k = genre__schema_find(dst, sc->name);
    if (k < 0)
        return GENRE_E_INTERNAL;
    dst->cols[k].impute_decl = sc->impute_decl;
    if (!sc->n_names)
        return GENRE_OK;
    return genre_dataset_schema_set_category_names(dst, sc->name,
                                                   (const char *const *)sc->name_value,
                                                   (const char *const *)sc->name_text,
                                                   sc->n_names);
}

const char *genre__schema_display_name(const genre_dataset_schema *s, int32_t j, const char *v)
{
    const struct genre__schema_col *c = &s->cols[j];
    for (size_t i = 0; i < c->n_names; i++)
        if (strcmp(c->name_value[i], v) == 0)
            return c->name_text[i];
    return NULL;
}

genre_status genre_dataset_schema_column_count(const genre_dataset_schema *s, size_t *n)
{
    GENRE_CHECK_NOT_NULL(s);
    GENRE_CHECK_NOT_NULL(n);
    *n = s->n_cols;
    return GENRE_OK;
}

genre_status genre_dataset_schema_column(const genre_dataset_schema *s, size_t i, char *name,
                                         size_t cap, size_t *needed, int32_t *role)
{
    GENRE_CHECK_NOT_NULL(s);
    if (i >= s->n_cols)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column %zu: the schema has %zu columns", i,
                          s->n_cols);
    const struct genre__schema_col *c = &s->cols[i];
    if (role)
        *role = c->role;
    size_t n = strlen(c->name) + 1;
    genre_status st = genre__buffer_query(__func__, name, cap, n, needed);
    if (st == GENRE_OK && name)
        memcpy(name, c->name, n);
    return st;
}

genre_status genre_dataset_schema_category_order_count(const genre_dataset_schema *s,
                                                       const char *column, size_t *n)
{
    GENRE_CHECK_NOT_NULL(s);
    GENRE_CHECK_NOT_NULL(n);
    int32_t j;
    genre_status st = genre__schema_column(s, column, &j);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    *n = s->cols[j].order ? s->cols[j].n_order : 0;
    return GENRE_OK;
}

static const char *kind_word(int32_t kind)
{
    static const char *const w[] = {"none", "median", "mean", "most-frequent", "group-median",
                                    "model"};
    return kind >= 0 && kind <= GENRE_IMPUTE_MODEL ? w[kind] : "?";
}

genre_status genre_dataset_schema_set_impute(genre_dataset_schema *s, const char *column,
                                             int32_t kind)
{
    GENRE_CHECK_NOT_NULL(s);
    int32_t j;
    genre_status st = genre__schema_column(s, column, &j);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (kind < GENRE_IMPUTE_NONE || kind > GENRE_IMPUTE_MODEL)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s': imputation kind %d unknown",
                          column, (int)kind);
    int32_t role = s->cols[j].role;
    int ok = role == GENRE_COL_NUMERIC ||
             (role == GENRE_COL_CATEGORICAL &&
              (kind == GENRE_IMPUTE_NONE || kind == GENRE_IMPUTE_MOST_FREQUENT));
    if (!ok)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "column '%s': %s imputation needs a %s column", column,
                          kind_word(kind),
                          kind == GENRE_IMPUTE_NONE || kind == GENRE_IMPUTE_MOST_FREQUENT
                              ? "numeric or categorical"
                              : "numeric");
    s->cols[j].impute_decl = kind + 1;
    return GENRE_OK;
}

genre_status genre_dataset_schema_get_impute(const genre_dataset_schema *s, const char *column,
                                             int32_t *kind)
{
    GENRE_CHECK_NOT_NULL(s);
    GENRE_CHECK_NOT_NULL(kind);
    int32_t j;
    genre_status st = genre__schema_column(s, column, &j);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    *kind = s->cols[j].impute_decl ? s->cols[j].impute_decl - 1 : GENRE_IMPUTE_NONE;
    return GENRE_OK;
}

genre_status genre_dataset_schema_set_category_names(genre_dataset_schema *s, const char *column,
                                                     const char *const *values,
                                                     const char *const *names, size_t n)
{
    GENRE_CHECK_NOT_NULL(s);
    GENRE_CHECK_NOT_NULL(values);
    GENRE_CHECK_NOT_NULL(names);
    int32_t j;
    genre_status st = genre__schema_column(s, column, &j);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    struct genre__schema_col *c = &s->cols[j];
    if (c->role != GENRE_COL_CATEGORICAL && c->role != GENRE_COL_LABEL)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s' is neither categorical nor a label",
                          column);
    if (n == 0 || n > INT32_MAX)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s': %zu display names", column, n);
    for (size_t i = 0; i < n; i++)
        if (!values[i] || !names[i])
            return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s': display name %zu is NULL",
                              column, i);
    size_t rep = 0;
    int repeat = genre__first_repeat(values, n, &rep);
    if (repeat < 0)
        return GENRE_PASS(GENRE_E_NOMEM);
    if (repeat)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s': value '%s' is given a name twice",
                          column, values[rep]);
    char **v = genre__calloc_array(n, sizeof *v), **t = genre__calloc_array(n, sizeof *t);
    int bad = !v || !t;
    for (size_t i = 0; !bad && i < n; i++)
        bad = !(v[i] = genre__strdup(values[i])) || !(t[i] = genre__strdup(names[i]));
    if (bad) {
        genre__free_strings(v, n);
        genre__free_strings(t, n);
        return GENRE_PASS(GENRE_E_NOMEM);
    }
    genre__schema_free_info(c);
    c->name_value = v;
    c->name_text = t;
    c->n_names = n;
    return GENRE_OK;
}
