/* SPDX-License-Identifier: GPL-3.0-or-later */
/* genre_dataset_prep_add_declared(): the imputation steps a schema declares
 * per column (schema files' impute=), with the defaults for the rest. */
#include "dataset_private.h"

#include "alloc.h"
#include "error_private.h"

#include <string.h>

/* Drops the steps added after the first `keep` (a failed add_declared). */
static void drop_steps_after(genre_dataset_prep *p, size_t keep)
{
    for (size_t i = keep; i < p->n_steps; i++)
        genre__free(p->steps[i].features);
    p->n_steps = keep;
}

static int is_feature_role(int32_t role)
{
    return role == GENRE_COL_NUMERIC || role == GENRE_COL_CATEGORICAL;
}

/* The declared kind of column j, or its default. */
static int32_t kind_of(const struct genre__schema_col *c)
{
    if (c->impute_decl)
        return c->impute_decl - 1;
    return c->role == GENRE_COL_NUMERIC ? GENRE_IMPUTE_MEDIAN : GENRE_IMPUTE_MOST_FREQUENT;
}

static genre_status add_model_step(genre_dataset_prep *p, int32_t j, genre_dataset_fit_fn fit,
                                   genre_dataset_predict_fn predict, void *user_data)
{
    const genre_dataset_schema *s = p->schema;
    const char *name = s->cols[j].name;
    if (!fit) {
        genre__log(&p->hooks, GENRE_LOG_INFO,
                   "column '%s' declares model imputation but no model was given: median "
                   "imputation instead",
                   name);
        return genre_dataset_prep_add_impute(p, name, GENRE_IMPUTE_MEDIAN);
    }
    const char **features = genre__alloc_array(s->n_cols, sizeof *features);
    if (!features)
        return GENRE_E_NOMEM;
    size_t n = 0;
    for (size_t k = 0; k < s->n_cols; k++)
        if ((int32_t)k != j && is_feature_role(s->cols[k].role))
            features[n++] = s->cols[k].name;
    genre_status st;
    if (n == 0)
        st = GENRE_FAIL(GENRE_E_INVALID_ARG,
                        "column '%s' declares model imputation and the schema has no other "
                        "numeric or categorical column to predict it from",
                        name);
    else
        st = genre_dataset_prep_add_model_impute(p, name, features, n, fit, predict, user_data);
    if (st == GENRE_OK)
        p->steps[p->n_steps - 1].fill_features = 1;
    genre__free((void *)features);
    return st;
}

genre_status genre_dataset_prep_add_declared(genre_dataset_prep *p, genre_dataset_fit_fn fit,
                                             genre_dataset_predict_fn predict, void *user_data)
{
    GENRE_CHECK_NOT_NULL(p);
    if (fit && !predict)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "a fit callback needs a predict callback");
    if (p->fitted)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the preparation is already fitted");
    const genre_dataset_schema *s = p->schema;
    size_t keep = p->n_steps;
    genre_status st = GENRE_OK;
    /* Every step but the models first, so a model sees its features imputed. */
    for (int models = 0; models < 2 && st == GENRE_OK; models++)
        for (size_t j = 0; j < s->n_cols && st == GENRE_OK; j++) {
            const struct genre__schema_col *c = &s->cols[j];
            if (!is_feature_role(c->role))
                continue;
            int32_t kind = kind_of(c);
            if ((kind == GENRE_IMPUTE_MODEL) != models || kind == GENRE_IMPUTE_NONE)
                continue;
            if (kind == GENRE_IMPUTE_MODEL)
                st = add_model_step(p, (int32_t)j, fit, predict, user_data);
            else if (kind == GENRE_IMPUTE_GROUP_MEDIAN)
                st = genre_dataset_prep_add_group_median(p, c->name);
            else
                st = genre_dataset_prep_add_impute(p, c->name, kind);
        }
    if (st != GENRE_OK)
        drop_steps_after(p, keep);
    return GENRE_PASS(st);
}
