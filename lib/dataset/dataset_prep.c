/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fitted preparation (encodings, imputation steps), splits, subsets, leakage. */
#include "dataset_private.h"

#include "alloc.h"
#include "error_private.h"
#include "rng.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define STEP_GROUP_MEDIAN 1
#define STEP_MEDIAN 2
#define STEP_MEAN 3
#define STEP_MODEL 4

struct encoding {
    int32_t col;
    genre__dict names; /* id == code */
};

struct step {
    int32_t kind;
    int32_t col;
    int32_t *features;
    size_t n_features;
    genre_dataset_fit_fn fit;
    genre_dataset_predict_fn predict;
    void *user_data;
    /* Fitted state. */
    double value;             /* global median, median or mean */
    genre__dict groups;       /* group names with an observed value */
    double *group_median;     /* per groups id */
};

struct genre_dataset_prep {
    genre_dataset_schema *schema;
    struct encoding *enc;
    size_t n_enc;
    struct step *steps;
    size_t n_steps;
    int fitted;
};

static const char *step_name(int32_t kind)
{
    switch (kind) {
    case STEP_GROUP_MEDIAN: return "group_median";
    case STEP_MEDIAN: return "impute_median";
    case STEP_MEAN: return "impute_mean";
    default: return "impute_model";
    }
}

static const char *col_name(const genre_dataset_schema *s, int32_t j)
{
    return s->cols[j].name;
}

/* ---- Create / free ---------------------------------------------------------- */

static void unfit(genre_dataset_prep *p)
{
    for (size_t i = 0; i < p->n_enc; i++)
        genre__dict_free(&p->enc[i].names);
    for (size_t i = 0; i < p->n_steps; i++) {
        genre__dict_free(&p->steps[i].groups);
        genre__free(p->steps[i].group_median);
        p->steps[i].group_median = NULL;
    }
    p->fitted = 0;
}

void genre_dataset_prep_free(genre_dataset_prep *p)
{
    if (!p)
        return;
    unfit(p);
    for (size_t i = 0; i < p->n_steps; i++)
        genre__free(p->steps[i].features);
    genre__free(p->steps);
    genre__free(p->enc);
    genre_dataset_schema_free(p->schema);
    genre__free(p);
}

genre_status genre_dataset_prep_create(genre_dataset_prep **out,
                                       const genre_dataset_schema *schema)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(schema);
    genre_dataset_prep *p = GENRE_NEW(genre_dataset_prep);
    if (!p)
        return GENRE_PASS(GENRE_E_NOMEM);
    genre_status st = genre__schema_copy(&p->schema, schema);
    if (st == GENRE_OK) {
        p->enc = genre__calloc_array(schema->n_cols, sizeof *p->enc);
        if (!p->enc)
            st = GENRE_E_NOMEM;
    }
    if (st != GENRE_OK) {
        genre_dataset_prep_free(p);
        return GENRE_PASS(st);
    }
    for (size_t j = 0; j < schema->n_cols; j++)
        if (schema->cols[j].role == GENRE_COL_CATEGORICAL || schema->cols[j].role == GENRE_COL_LABEL)
            p->enc[p->n_enc++].col = (int32_t)j;
    *out = p;
    return GENRE_OK;
}

static genre_status numeric_col(const genre_dataset_prep *p, const char *column, int32_t *j)
{
    if (!column)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column name is NULL");
    *j = genre__schema_find(p->schema, column);
    if (*j < 0)
        return GENRE_FAIL(GENRE_E_MISSING_COLUMN, "column '%s' is not in the schema", column);
    if (p->schema->cols[*j].role != GENRE_COL_NUMERIC)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s' is not numeric", column);
    if (p->fitted)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the preparation is already fitted");
    return GENRE_OK;
}

static genre_status push_step(genre_dataset_prep *p, const struct step *s)
{
    if (genre__realloc_array(&p->steps, p->n_steps + 1, sizeof *p->steps) != 0)
        return GENRE_E_NOMEM;
    p->steps[p->n_steps++] = *s;
    return GENRE_OK;
}

genre_status genre_dataset_prep_add_group_median(genre_dataset_prep *p, const char *column)
{
    GENRE_CHECK_NOT_NULL(p);
    int32_t j;
    genre_status st = numeric_col(p, column, &j);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (p->schema->group_col < 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "group median of '%s': the schema has no group",
                          column);
    struct step s;
    memset(&s, 0, sizeof s);
    s.kind = STEP_GROUP_MEDIAN;
    s.col = j;
    return GENRE_PASS(push_step(p, &s));
}

genre_status genre_dataset_prep_add_impute(genre_dataset_prep *p, const char *column,
                                           int32_t kind)
{
    GENRE_CHECK_NOT_NULL(p);
    if (kind != GENRE_IMPUTE_MEDIAN && kind != GENRE_IMPUTE_MEAN)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "imputation kind %d unknown", (int)kind);
    int32_t j;
    genre_status st = numeric_col(p, column, &j);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    struct step s;
    memset(&s, 0, sizeof s);
    s.kind = kind == GENRE_IMPUTE_MEDIAN ? STEP_MEDIAN : STEP_MEAN;
    s.col = j;
    return GENRE_PASS(push_step(p, &s));
}

genre_status genre_dataset_prep_add_model_impute(genre_dataset_prep *p, const char *column,
                                                 const char *const *features, size_t n_features,
                                                 genre_dataset_fit_fn fit,
                                                 genre_dataset_predict_fn predict,
                                                 void *user_data)
{
    GENRE_CHECK_NOT_NULL(p);
    GENRE_CHECK_NOT_NULL(features);
    GENRE_CHECK_NOT_NULL(fit);
    GENRE_CHECK_NOT_NULL(predict);
    if (n_features == 0 || n_features > p->schema->n_cols)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "%zu features", n_features);
    int32_t j;
    genre_status st = numeric_col(p, column, &j);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    int32_t *f = genre__alloc_array(n_features, sizeof *f);
    if (!f)
        return GENRE_PASS(GENRE_E_NOMEM);
    for (size_t k = 0; k < n_features; k++) {
        f[k] = features[k] ? genre__schema_find(p->schema, features[k]) : -1;
        if (!features[k] || f[k] < 0) {
            genre__free(f);
            return features[k] ? GENRE_FAIL(GENRE_E_MISSING_COLUMN,
                                            "feature '%s' is not in the schema", features[k])
                               : GENRE_FAIL(GENRE_E_INVALID_ARG, "feature %zu is NULL", k);
        }
        int32_t role = p->schema->cols[f[k]].role;
        if (f[k] == j || (role != GENRE_COL_NUMERIC && role != GENRE_COL_CATEGORICAL)) {
            genre__free(f);
            return GENRE_FAIL(GENRE_E_INVALID_ARG,
                              "feature '%s' must be numeric or categorical and not the target",
                              features[k]);
        }
    }
    struct step s;
    memset(&s, 0, sizeof s);
    s.kind = STEP_MODEL;
    s.col = j;
    s.features = f;
    s.n_features = n_features;
    s.fit = fit;
    s.predict = predict;
    s.user_data = user_data;
    st = push_step(p, &s);
    if (st != GENRE_OK)
        genre__free(f);
    return GENRE_PASS(st);
}

/* ---- Encoding --------------------------------------------------------------- */

static int cmp_bytes(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    return strcmp(*x, *y);
}

static genre_status check_same_schema(const genre_dataset_schema *a, const genre_dataset_schema *b)
{
    if (a->n_cols != b->n_cols)
        return GENRE_FAIL(GENRE_E_SHAPE, "table has %zu schema columns, preparation %zu",
                          b->n_cols, a->n_cols);
    for (size_t j = 0; j < a->n_cols; j++)
        if (strcmp(a->cols[j].name, b->cols[j].name) != 0 || a->cols[j].role != b->cols[j].role)
            return GENRE_FAIL(GENRE_E_SHAPE, "schema column %zu is '%s' in the table, '%s' in "
                                             "the preparation",
                              j, b->cols[j].name, a->cols[j].name);
    return GENRE_OK;
}

static genre_status fit_encoding(genre_dataset_prep *p, const genre_dataset *ds,
                                 struct encoding *e)
{
    const struct genre__schema_col *sc = &p->schema->cols[e->col];
    if (sc->order) {
        for (size_t i = 0; i < sc->n_order; i++)
            if (genre__dict_intern(&e->names, sc->order[i], strlen(sc->order[i])) < 0)
                return GENRE_E_NOMEM;
        return GENRE_OK;
    }
    /* Byte order of the names seen in the fit rows: stable across runs. */
    const struct genre__col *c = &ds->cols[e->col];
    uint8_t *seen = genre__calloc_array(c->dict.n, 1);
    const char **names = genre__alloc_array(c->dict.n, sizeof *names);
    genre_status st = GENRE_OK;
    if (!seen || !names)
        st = GENRE_E_NOMEM;
    size_t n = 0;
    for (size_t r = 0; st == GENRE_OK && r < ds->n_rows; r++)
        if (c->id[r] >= 0 && !seen[c->id[r]]) {
            seen[c->id[r]] = 1;
            names[n++] = GENRE__DICT_STR(&c->dict, c->id[r]);
        }
    if (st == GENRE_OK)
        qsort(names, n, sizeof *names, cmp_bytes);
    for (size_t i = 0; st == GENRE_OK && i < n; i++)
        if (genre__dict_intern(&e->names, names[i], strlen(names[i])) < 0)
            st = GENRE_E_NOMEM;
    genre__free(seen);
    genre__free((void *)names);
    return st;
}

static genre_status apply_encoding(const genre_dataset_prep *p, const struct encoding *e,
                                   genre_dataset *ds, int32_t *code)
{
    const struct genre__col *c = &ds->cols[e->col];
    int32_t *map = genre__alloc_array(c->dict.n, sizeof *map);
    if (!map)
        return GENRE_E_NOMEM;
    for (size_t i = 0; i < c->dict.n; i++)
        map[i] = genre__dict_find(&e->names, GENRE__DICT_STR(&c->dict, i), c->dict.len[i]);
    int64_t unseen = 0;
    genre_status st = GENRE_OK;
    for (size_t r = 0; r < ds->n_rows; r++) {
        int32_t id = c->id[r];
        if (id < 0) {
            code[r] = GENRE__CODE_MISSING;
        } else if (map[id] >= 0) {
            code[r] = map[id];
        } else if (p->schema->unseen_policy == GENRE_UNSEEN_RESERVED_CODE) {
            code[r] = GENRE__CODE_UNSEEN;
            unseen++;
        } else {
            st = GENRE_FAIL(GENRE_E_UNSEEN_CATEGORY,
                            "line %lld, column '%s': category '%s' was not seen when fitting",
                            (long long)ds->line[r], col_name(p->schema, e->col),
                            GENRE__DICT_STR(&c->dict, id));
            break;
        }
    }
    genre__free(map);
    if (st == GENRE_OK)
        st = genre__report_set(ds, "encode", e->col, "unseen", unseen);
    return st;
}

static genre_status apply_encodings(const genre_dataset_prep *p, genre_dataset *ds)
{
    int32_t **codes = genre__calloc_array(p->n_enc, sizeof *codes);
    if (!codes)
        return GENRE_E_NOMEM;
    genre_status st = GENRE_OK;
    for (size_t i = 0; i < p->n_enc && st == GENRE_OK; i++) {
        codes[i] = genre__alloc_array(ds->cap_rows, sizeof **codes);
        if (!codes[i])
            st = GENRE_E_NOMEM;
        else
            st = apply_encoding(p, &p->enc[i], ds, codes[i]);
    }
    /* Install only when every column encoded, so a failure leaves ds as it was. */
    for (size_t i = 0; i < p->n_enc; i++) {
        if (st == GENRE_OK) {
            genre__free(ds->cols[p->enc[i].col].code);
            ds->cols[p->enc[i].col].code = codes[i];
        } else {
            genre__free(codes[i]);
        }
    }
    genre__free(codes);
    if (st == GENRE_OK)
        ds->encoded = 1;
    return st;
}

/* ---- Steps ------------------------------------------------------------------ */

/* k-th smallest of v[0..n) (k < n), partially reordering v: Hoare-style
 * quickselect with a median-of-three pivot, O(n) expected. */
static double select_kth(double *v, size_t n, size_t k)
{
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
    while (lo < hi) {
        double a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi];
        double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                j--;
            }
        }
        /* Now v[lo..j] <= pivot <= v[i..hi] and everything between equals it. */
        if (kk <= j)
            hi = j;
        else if (kk >= i)
            lo = i;
        else
            return v[kk];
    }
    return v[kk];
}

/* Median of v[0..n), n >= 1, reordering v: the mean of the middle two for
 * even n. */
static double median_of(double *v, size_t n)
{
    double upper = select_kth(v, n, n / 2);
    if (n % 2)
        return upper;
    /* After selection everything below n/2 is <= upper: its maximum is the
     * lower middle. */
    double lower = v[0];
    for (size_t i = 1; i < n / 2; i++)
        if (v[i] > lower)
            lower = v[i];
    return (lower + upper) / 2.0;
}

static genre_status no_observed(const genre_dataset_prep *p, const struct step *s)
{
    return GENRE_FAIL(GENRE_E_BAD_STATE, "%s of '%s': the fit rows have no observed value",
                      step_name(s->kind), col_name(p->schema, s->col));
}

static genre_status fit_stats(const genre_dataset_prep *p, struct step *s, const genre_dataset *ds)
{
    const double *x = ds->cols[s->col].num;
    size_t n = 0;
    for (size_t r = 0; r < ds->n_rows; r++)
        n += !isnan(x[r]);
    if (n == 0)
        return no_observed(p, s);
    if (s->kind == STEP_MEAN) {
        /* Kahan-free pairwise is overkill here; long double keeps 64 bits. */
        long double sum = 0;
        for (size_t r = 0; r < ds->n_rows; r++)
            if (!isnan(x[r]))
                sum += x[r];
        s->value = (double)(sum / (long double)n);
        return GENRE_OK;
    }
    double *v = genre__alloc_array(n, sizeof *v);
    if (!v)
        return GENRE_E_NOMEM;
    size_t k = 0;
    for (size_t r = 0; r < ds->n_rows; r++)
        if (!isnan(x[r]))
            v[k++] = x[r];
    s->value = median_of(v, n);
    genre__free(v);
    if (s->kind != STEP_GROUP_MEDIAN)
        return GENRE_OK;

    /* Per-group medians, keyed by group name so they apply to other tables.
     * A counting sort by group id puts each group's values side by side. */
    const struct genre__col *gc = &ds->cols[p->schema->group_col];
    size_t n_groups = gc->dict.n;
    size_t *start = genre__calloc_array(n_groups + 1, sizeof *start);
    size_t m = 0;
    for (size_t r = 0; start && r < ds->n_rows; r++)
        if (!isnan(x[r]) && genre__has_group(ds, r)) {
            start[gc->id[r] + 1]++;
            m++;
        }
    double *vals = genre__alloc_array(m, sizeof *vals);
    genre_status st = GENRE_OK;
    if (!start || !vals)
        st = GENRE_E_NOMEM;
    if (st == GENRE_OK && !(s->group_median = genre__alloc_array(n_groups, sizeof(double))))
        st = GENRE_E_NOMEM;
    for (size_t g = 0; st == GENRE_OK && g < n_groups; g++)
        start[g + 1] += start[g];
    for (size_t r = 0; st == GENRE_OK && r < ds->n_rows; r++)
        if (!isnan(x[r]) && genre__has_group(ds, r))
            vals[start[gc->id[r]]++] = x[r];
    /* start[g] now marks the end of group g; group g begins at start[g-1]. */
    for (size_t g = 0; st == GENRE_OK && g < n_groups; g++) {
        size_t a0 = g ? start[g - 1] : 0, b0 = start[g];
        if (b0 == a0)
            continue;
        int32_t id = genre__dict_intern(&s->groups, GENRE__DICT_STR(&gc->dict, g),
                                        gc->dict.len[g]);
        if (id < 0)
            st = GENRE_E_NOMEM;
        else
            s->group_median[id] = median_of(vals + a0, b0 - a0);
    }
    genre__free(start);
    genre__free(vals);
    return st;
}

/* Row-major features of the rows listed; categoricals as their codes. */
static genre_status gather_features(const genre_dataset_prep *p, const struct step *s,
                                    const genre_dataset *ds, const size_t *rows, size_t n,
                                    double *x)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < s->n_features; k++) {
            const struct genre__col *c = &ds->cols[s->features[k]];
            double v = c->num ? c->num[rows[i]]
                              : (c->code[rows[i]] == GENRE__CODE_MISSING ? NAN
                                                                         : (double)c->code[rows[i]]);
            if (isnan(v))
                return GENRE_FAIL(GENRE_E_MISSING_VALUE,
                                  "%s of '%s': line %lld, feature '%s' is missing",
                                  step_name(s->kind), col_name(p->schema, s->col),
                                  (long long)ds->line[rows[i]],
                                  col_name(p->schema, s->features[k]));
            x[i * s->n_features + k] = v;
        }
    return GENRE_OK;
}

/* Runs the model callback on the rows whose target is (fit: observed,
 * apply: missing). */
static genre_status run_model(const genre_dataset_prep *p, const struct step *s,
                              genre_dataset *ds, int fitting)
{
    double *target = ds->cols[s->col].num;
    size_t n = 0;
    for (size_t r = 0; r < ds->n_rows; r++)
        n += fitting ? !isnan(target[r]) : isnan(target[r]);
    if (fitting && n == 0)
        return no_observed(p, s);
    if (!fitting && n == 0)
        return genre__report_set(ds, "impute_model", s->col, "imputed", 0);
    if (!s->predict)
        return GENRE_FAIL(GENRE_E_BAD_STATE,
                          "impute_model of '%s': loaded without its predictor; call "
                          "genre_dataset_prep_set_model_callbacks()",
                          col_name(p->schema, s->col));
    size_t *rows = genre__alloc_array(n, sizeof *rows);
    double *x = n > SIZE_MAX / s->n_features ? NULL
                                             : genre__alloc_array(n * s->n_features, sizeof *x);
    double *y = genre__alloc_array(n, sizeof *y);
    genre_status st = GENRE_OK;
    if (!rows || !x || !y)
        st = GENRE_E_NOMEM;
    size_t k = 0;
    for (size_t r = 0; st == GENRE_OK && r < ds->n_rows; r++)
        if (fitting ? !isnan(target[r]) : isnan(target[r]))
            rows[k++] = r;
    if (st == GENRE_OK)
        st = gather_features(p, s, ds, rows, n, x);
    if (st == GENRE_OK && fitting) {
        for (size_t i = 0; i < n; i++)
            y[i] = target[rows[i]];
        st = s->fit(s->user_data, x, n, s->n_features, y);
        if (st != GENRE_OK)
            st = GENRE_FAIL(st < 0 ? st : GENRE_E_INVALID_ARG,
                            "impute_model of '%s': the fit callback returned %d",
                            col_name(p->schema, s->col), (int)st);
    } else if (st == GENRE_OK) {
        st = s->predict(s->user_data, x, n, s->n_features, y);
        if (st != GENRE_OK)
            st = GENRE_FAIL(st < 0 ? st : GENRE_E_INVALID_ARG,
                            "impute_model of '%s': the predict callback returned %d",
                            col_name(p->schema, s->col), (int)st);
        for (size_t i = 0; st == GENRE_OK && i < n; i++)
            if (!isfinite(y[i]))
                st = GENRE_FAIL(GENRE_E_NONFINITE,
                                "impute_model of '%s': prediction %g for line %lld",
                                col_name(p->schema, s->col), y[i], (long long)ds->line[rows[i]]);
        if (st == GENRE_OK)
            st = genre__report_set(ds, "impute_model", s->col, "imputed", (int64_t)n);
        for (size_t i = 0; st == GENRE_OK && i < n; i++)
            target[rows[i]] = y[i];
    }
    genre__free(rows);
    genre__free(x);
    genre__free(y);
    return st;
}

static genre_status apply_step(const genre_dataset_prep *p, const struct step *s,
                               genre_dataset *ds)
{
    if (s->kind == STEP_MODEL)
        return run_model(p, s, ds, 0);
    double *x = ds->cols[s->col].num;
    int64_t from_group = 0, from_global = 0;
    const struct genre__col *gc =
        s->kind == STEP_GROUP_MEDIAN ? &ds->cols[p->schema->group_col] : NULL;
    for (size_t r = 0; r < ds->n_rows; r++) {
        if (!isnan(x[r]))
            continue;
        if (gc && genre__has_group(ds, r)) {
            int32_t g = genre__dict_find(&s->groups, GENRE__DICT_STR(&gc->dict, gc->id[r]),
                                         gc->dict.len[gc->id[r]]);
            if (g >= 0) {
                x[r] = s->group_median[g];
                from_group++;
                continue;
            }
        }
        x[r] = s->value;
        from_global++;
    }
    genre_status st;
    if (s->kind == STEP_GROUP_MEDIAN) {
        st = genre__report_set(ds, "group_median", s->col, "from_group", from_group);
        if (st == GENRE_OK)
            st = genre__report_set(ds, "group_median", s->col, "from_global", from_global);
        return st;
    }
    return genre__report_set(ds, step_name(s->kind), s->col, "imputed", from_global);
}

static genre_status check_target(const genre_dataset_prep *p, const genre_dataset *ds)
{
    if (ds->encoded)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "a preparation was already applied to this table");
    for (size_t r = 0; r < ds->n_rows; r++)
        if (ds->blank[r])
            return GENRE_FAIL(GENRE_E_BAD_STATE,
                              "line %lld is an empty record: call genre_dataset_drop_empty_rows() "
                              "first",
                              (long long)ds->line[r]);
    return check_same_schema(p->schema, ds->schema);
}

genre_status genre_dataset_prep_fit_apply(genre_dataset_prep *p, genre_dataset *ds)
{
    GENRE_CHECK_NOT_NULL(p);
    GENRE_CHECK_NOT_NULL(ds);
    if (p->fitted)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the preparation is already fitted");
    genre_status st = check_target(p, ds);
    for (size_t i = 0; i < p->n_enc && st == GENRE_OK; i++)
        st = fit_encoding(p, ds, &p->enc[i]);
    if (st == GENRE_OK)
        st = apply_encodings(p, ds);
    for (size_t i = 0; i < p->n_steps && st == GENRE_OK; i++) {
        struct step *s = &p->steps[i];
        st = s->kind == STEP_MODEL ? run_model(p, s, ds, 1) : fit_stats(p, s, ds);
        if (st == GENRE_OK)
            st = apply_step(p, s, ds);
    }
    if (st != GENRE_OK) {
        unfit(p);
        return GENRE_PASS(st);
    }
    p->fitted = 1;
    return GENRE_OK;
}

genre_status genre_dataset_prep_apply(const genre_dataset_prep *p, genre_dataset *ds)
{
    GENRE_CHECK_NOT_NULL(p);
    GENRE_CHECK_NOT_NULL(ds);
    if (!p->fitted)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the preparation is not fitted");
    genre_status st = check_target(p, ds);
    if (st == GENRE_OK)
        st = apply_encodings(p, ds);
    for (size_t i = 0; i < p->n_steps && st == GENRE_OK; i++)
        st = apply_step(p, &p->steps[i], ds);
    return GENRE_PASS(st);
}

static genre_status fitted_category_col(const genre_dataset_prep *p, const char *column,
                                        const struct encoding **e)
{
    GENRE_CHECK_NOT_NULL(p);
    if (!column)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column name is NULL");
    int32_t j = genre__schema_find(p->schema, column);
    if (j < 0)
        return GENRE_FAIL(GENRE_E_MISSING_COLUMN, "column '%s' is not in the schema", column);
    if (!p->fitted)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the preparation is not fitted");
    for (size_t i = 0; i < p->n_enc; i++)
        if (p->enc[i].col == j) {
            *e = &p->enc[i];
            return GENRE_OK;
        }
    return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s' is neither categorical nor a label",
                      column);
}

genre_status genre_dataset_prep_category_count(const genre_dataset_prep *p, const char *column,
                                               int32_t *out)
{
    const struct encoding *e = NULL;
    GENRE_CHECK_NOT_NULL(out);
    genre_status st = fitted_category_col(p, column, &e);
    if (st == GENRE_OK)
        *out = (int32_t)e->names.n;
    return GENRE_PASS(st);
}

genre_status genre_dataset_prep_category_name(const genre_dataset_prep *p, const char *column,
                                              int32_t code, char *buf, size_t cap,
                                              size_t *needed)
{
    const struct encoding *e = NULL;
    genre_status st = fitted_category_col(p, column, &e);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (code < 0 || (size_t)code >= e->names.n)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s': code %d outside [0, %zu)", column,
                          (int)code, e->names.n);
    size_t n = e->names.len[code] + 1;
    if (needed)
        *needed = n;
    if (!buf)
        return GENRE_OK;
    if (cap < n)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL, "category name needs %zu bytes, got %zu", n,
                          cap);
    memcpy(buf, GENRE__DICT_STR(&e->names, code), n);
    return GENRE_OK;
}

/* ---- Splits ----------------------------------------------------------------- */

struct genre_dataset_split {
    size_t n_table_rows;
    size_t *rows[2];
    size_t n[2];
    int64_t *class_counts[2];
    size_t n_classes;
};

void genre_dataset_split_free(genre_dataset_split *sp)
{
    if (!sp)
        return;
    for (int s = 0; s < 2; s++) {
        genre__free(sp->rows[s]);
        genre__free(sp->class_counts[s]);
    }
    genre__free(sp);
}

/* Label ids per row (the table's label dictionary order). */
static genre_status split_labels(const genre_dataset *ds, int64_t test_per_class,
                                 const int32_t **labels, size_t *n_classes)
{
    GENRE_CHECK_NOT_NULL(ds);
    if (test_per_class < 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "test_per_class %lld < 0", (long long)test_per_class);
    int32_t j = ds->schema->label_col;
    if (j < 0)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the schema has no label column");
    const struct genre__col *c = &ds->cols[j];
    for (size_t r = 0; r < ds->n_rows; r++)
        if (c->id[r] < 0)
            return GENRE_FAIL(GENRE_E_BAD_STATE,
                              "line %lld has no label (drop empty rows before splitting)",
                              (long long)ds->line[r]);
    *labels = c->id;
    *n_classes = c->dict.n;
    return GENRE_OK;
}

/* Fills sides from side_of[r], shuffles both, counts classes. */
static genre_status finish_split(genre_dataset_split **out, const genre_dataset *ds,
                                 const uint8_t *side_of, const int32_t *labels, size_t n_classes,
                                 genre__rng *rng)
{
    genre_dataset_split *sp = GENRE_NEW(genre_dataset_split);
    if (!sp)
        return GENRE_E_NOMEM;
    sp->n_table_rows = ds->n_rows;
    sp->n_classes = n_classes;
    for (size_t r = 0; r < ds->n_rows; r++)
        sp->n[side_of[r]]++;
    for (int s = 0; s < 2; s++) {
        sp->rows[s] = genre__alloc_array(sp->n[s], sizeof(size_t));
        sp->class_counts[s] = genre__calloc_array(n_classes, sizeof(int64_t));
        if (!sp->rows[s] || !sp->class_counts[s]) {
            genre_dataset_split_free(sp);
            return GENRE_E_NOMEM;
        }
    }
    size_t k[2] = {0, 0};
    for (size_t r = 0; r < ds->n_rows; r++) {
        int s = side_of[r];
        sp->rows[s][k[s]++] = r;
        sp->class_counts[s][labels[r]]++;
    }
    genre__rng_shuffle_size(rng, sp->rows[GENRE_SPLIT_TRAIN], sp->n[GENRE_SPLIT_TRAIN]);
    genre__rng_shuffle_size(rng, sp->rows[GENRE_SPLIT_TEST], sp->n[GENRE_SPLIT_TEST]);
    *out = sp;
    return GENRE_OK;
}

genre_status genre_dataset_split_stratified(genre_dataset_split **out, const genre_dataset *ds,
                                            int64_t test_per_class, uint64_t seed)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    const int32_t *labels = NULL;
    size_t n_classes = 0;
    genre_status st = split_labels(ds, test_per_class, &labels, &n_classes);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    size_t n = ds->n_rows;
    size_t *start = genre__calloc_array(n_classes + 1, sizeof *start);
    size_t *by_class = genre__alloc_array(n, sizeof *by_class);
    uint8_t *side_of = genre__calloc_array(n, 1);
    if (!start || !by_class || !side_of) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    /* Counting sort keeps each class's rows in table order, so the draw
     * depends only on the table and the seed. */
    for (size_t r = 0; r < n; r++)
        start[labels[r] + 1]++;
    for (size_t c = 0; c < n_classes; c++) {
        if (start[c + 1] > 0 && start[c + 1] < (uint64_t)test_per_class) {
            st = GENRE_FAIL(GENRE_E_INVALID_ARG, "class '%s' has %zu rows, fewer than %lld",
                            GENRE__DICT_STR(&ds->cols[ds->schema->label_col].dict, c),
                            start[c + 1], (long long)test_per_class);
            goto done;
        }
        start[c + 1] += start[c];
    }
    {
        size_t *fill = genre__alloc_array(n_classes + 1, sizeof *fill);
        if (!fill) {
            st = GENRE_E_NOMEM;
            goto done;
        }
        memcpy(fill, start, (n_classes + 1) * sizeof *fill);
        for (size_t r = 0; r < n; r++)
            by_class[fill[labels[r]]++] = r;
        genre__free(fill);
    }
    genre__rng rng;
    genre__rng_init(&rng, seed, 0);
    for (size_t c = 0; c < n_classes; c++) {
        size_t m = start[c + 1] - start[c];
        if (m == 0)
            continue;
        genre__rng_shuffle_size(&rng, by_class + start[c], m);
        for (size_t i = 0; i < (size_t)test_per_class; i++)
            side_of[by_class[start[c] + i]] = GENRE_SPLIT_TEST;
    }
    st = finish_split(out, ds, side_of, labels, n_classes, &rng);
done:
    genre__free(start);
    genre__free(by_class);
    genre__free(side_of);
    return GENRE_PASS(st);
}

genre_status genre_dataset_split_grouped(genre_dataset_split **out, const genre_dataset *ds,
                                         int64_t test_per_class, uint64_t seed)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    const int32_t *labels = NULL;
    size_t n_classes = 0;
    genre_status st = split_labels(ds, test_per_class, &labels, &n_classes);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (ds->schema->group_col < 0)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the schema has no group column");
    size_t n = ds->n_rows;
    const struct genre__col *gc = &ds->cols[ds->schema->group_col];
    size_t n_groups = gc->dict.n;
    /* Units: one per group id, then one per group-less row. */
    size_t n_units = n_groups + n;
    size_t *unit_of = genre__alloc_array(n, sizeof *unit_of);
    size_t *order = genre__alloc_array(n_units, sizeof *order);
    size_t *ustart = genre__calloc_array(n_units + 1, sizeof *ustart);
    size_t *urows = genre__alloc_array(n, sizeof *urows);
    int64_t *test_count = genre__calloc_array(n_classes, sizeof *test_count);
    int64_t *unit_count = genre__calloc_array(n_classes, sizeof *unit_count);
    uint8_t *side_of = genre__calloc_array(n, 1);
    if (!unit_of || !order || !ustart || !urows || !test_count || !unit_count || !side_of) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    for (size_t r = 0; r < n; r++) {
        unit_of[r] = genre__has_group(ds, r) ? (size_t)gc->id[r] : n_groups + r;
        ustart[unit_of[r] + 1]++;
    }
    for (size_t u = 0; u < n_units; u++)
        ustart[u + 1] += ustart[u];
    {
        size_t *fill = genre__alloc_array(n_units, sizeof *fill);
        if (!fill) {
            st = GENRE_E_NOMEM;
            goto done;
        }
        memcpy(fill, ustart, n_units * sizeof *fill);
        for (size_t r = 0; r < n; r++)
            urows[fill[unit_of[r]]++] = r;
        genre__free(fill);
    }
    size_t n_order = 0;
    for (size_t u = 0; u < n_units; u++)
        if (ustart[u + 1] > ustart[u])
            order[n_order++] = u;
    genre__rng rng;
    genre__rng_init(&rng, seed, 1);
    genre__rng_shuffle_size(&rng, order, n_order);
    /* Greedy in two passes over the shuffled units: first a unit goes to
     * test only when no class overshoots its target (singletons fill the
     * gaps exactly), then any unit that still lowers the L1 distance of the
     * per-class test counts to the target. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n_order; i++) {
            size_t u = order[i];
            if (side_of[urows[ustart[u]]] == GENRE_SPLIT_TEST)
                continue;
            for (size_t k = ustart[u]; k < ustart[u + 1]; k++)
                unit_count[labels[urows[k]]]++;
            int64_t delta = 0;
            int fits = 1;
            for (size_t c = 0; c < n_classes; c++) {
                if (!unit_count[c])
                    continue;
                if (test_count[c] + unit_count[c] > test_per_class)
                    fits = 0;
                delta += llabs(test_count[c] + unit_count[c] - test_per_class) -
                         llabs(test_count[c] - test_per_class);
            }
            int take = pass == 0 ? fits && delta < 0 : delta < 0;
            if (take)
                for (size_t k = ustart[u]; k < ustart[u + 1]; k++)
                    side_of[urows[k]] = GENRE_SPLIT_TEST;
            for (size_t c = 0; c < n_classes; c++) {
                if (take)
                    test_count[c] += unit_count[c];
                unit_count[c] = 0;
            }
        }
    }
    st = finish_split(out, ds, side_of, labels, n_classes, &rng);
done:
    genre__free(unit_of);
    genre__free(order);
    genre__free(ustart);
    genre__free(urows);
    genre__free(test_count);
    genre__free(unit_count);
    genre__free(side_of);
    return GENRE_PASS(st);
}

static genre_status split_side(const genre_dataset_split *sp, int32_t side)
{
    GENRE_CHECK_NOT_NULL(sp);
    if (side != GENRE_SPLIT_TRAIN && side != GENRE_SPLIT_TEST)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "side %d unknown", (int)side);
    return GENRE_OK;
}

genre_status genre_dataset_split_rows(const genre_dataset_split *sp, int32_t side, int64_t *rows,
                                      size_t cap, size_t *needed)
{
    genre_status st = split_side(sp, side);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (needed)
        *needed = sp->n[side];
    if (!rows)
        return GENRE_OK;
    if (cap < sp->n[side])
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL, "split side needs %zu elements, got %zu",
                          sp->n[side], cap);
    for (size_t i = 0; i < sp->n[side]; i++)
        rows[i] = (int64_t)sp->rows[side][i];
    return GENRE_OK;
}

genre_status genre_dataset_split_class_counts(const genre_dataset_split *sp, int32_t side,
                                              int64_t *counts, size_t cap, size_t *needed)
{
    genre_status st = split_side(sp, side);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (needed)
        *needed = sp->n_classes;
    if (!counts)
        return GENRE_OK;
    if (cap < sp->n_classes)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL, "class counts need %zu elements, got %zu",
                          sp->n_classes, cap);
    memcpy(counts, sp->class_counts[side], sp->n_classes * sizeof *counts);
    return GENRE_OK;
}

genre_status genre_dataset_subset(genre_dataset **out, const genre_dataset *ds,
                                  const genre_dataset_split *sp, int32_t side)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(ds);
    genre_status st = split_side(sp, side);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (sp->n_table_rows != ds->n_rows)
        return GENRE_FAIL(GENRE_E_SHAPE, "split of a %zu-row table used on a %zu-row table",
                          sp->n_table_rows, ds->n_rows);
    size_t n = sp->n[side];
    const size_t *rows = sp->rows[side];
    genre_dataset *sub = NULL;
    if ((st = genre__dataset_alloc(&sub, ds->schema, n)) != GENRE_OK)
        return GENRE_PASS(st);
    for (size_t j = 0; j < ds->schema->n_cols && st == GENRE_OK; j++) {
        const struct genre__col *c = &ds->cols[j];
        struct genre__col *d = &sub->cols[j];
        if (genre__dict_copy(&d->dict, &c->dict) != 0) {
            st = GENRE_E_NOMEM;
            break;
        }
        if (c->code && !(d->code = genre__alloc_array(sub->cap_rows, sizeof *d->code))) {
            st = GENRE_E_NOMEM;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (c->num)
                d->num[i] = c->num[rows[i]];
            if (c->id)
                d->id[i] = c->id[rows[i]];
            if (c->code)
                d->code[i] = c->code[rows[i]];
        }
    }
    if (st == GENRE_OK && ds->n_rep > 0) {
        sub->rep = genre__alloc_array(ds->n_rep, sizeof *sub->rep);
        if (!sub->rep)
            st = GENRE_E_NOMEM;
        else {
            memcpy(sub->rep, ds->rep, ds->n_rep * sizeof *sub->rep);
            sub->n_rep = sub->cap_rep = ds->n_rep;
        }
    }
    if (st == GENRE_OK)
        st = genre__report_set(sub, "subset", -1, "rows", (int64_t)n);
    if (st != GENRE_OK) {
        genre_dataset_free(sub);
        return GENRE_PASS(st);
    }
    for (size_t i = 0; i < n; i++) {
        sub->blank[i] = ds->blank[rows[i]];
        sub->line[i] = ds->line[rows[i]];
    }
    sub->n_rows = n;
    sub->no_group_id = ds->no_group_id;
    sub->encoded = ds->encoded;
    *out = sub;
    return GENRE_OK;
}

/* ---- Leakage ---------------------------------------------------------------- */

static uint64_t mix64(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

/* Feature identity of a row: numeric bits (all NaNs alike, -0 == +0) and
 * categorical ids. */
static uint64_t row_hash(const genre_dataset *ds, size_t r)
{
    uint64_t h = 0;
    for (size_t j = 0; j < ds->schema->n_cols; j++) {
        const struct genre__col *c = &ds->cols[j];
        int32_t role = ds->schema->cols[j].role;
        if (role == GENRE_COL_NUMERIC) {
            double v = c->num[r];
            uint64_t bits = 0;
            if (isnan(v))
                bits = 0x7ff8000000000000ull;
            else if (v != 0.0)
                memcpy(&bits, &v, sizeof bits);
            h = mix64(h, bits);
        } else if (role == GENRE_COL_CATEGORICAL) {
            h = mix64(h, (uint64_t)(uint32_t)c->id[r]);
        }
    }
    return h;
}

static int rows_equal(const genre_dataset *ds, size_t a, size_t b)
{
    for (size_t j = 0; j < ds->schema->n_cols; j++) {
        const struct genre__col *c = &ds->cols[j];
        int32_t role = ds->schema->cols[j].role;
        if (role == GENRE_COL_NUMERIC) {
            double x = c->num[a], y = c->num[b];
            if (!(x == y || (isnan(x) && isnan(y))))
                return 0;
        } else if (role == GENRE_COL_CATEGORICAL && c->id[a] != c->id[b]) {
            return 0;
        }
    }
    return 1;
}

struct hr {
    uint64_t h;
    size_t r;
};

static int cmp_hr(const void *a, const void *b)
{
    const struct hr *x = a, *y = b;
    if (x->h != y->h)
        return (x->h > y->h) - (x->h < y->h);
    return (x->r > y->r) - (x->r < y->r);
}

genre_status genre_dataset_leakage(const genre_dataset *ds, const genre_dataset_split *sp,
                                   int64_t *shared_groups, int64_t *test_rows_in_train_groups,
                                   int64_t *duplicate_rows)
{
    GENRE_CHECK_NOT_NULL(ds);
    GENRE_CHECK_NOT_NULL(sp);
    if (sp->n_table_rows != ds->n_rows)
        return GENRE_FAIL(GENRE_E_SHAPE, "split of a %zu-row table used on a %zu-row table",
                          sp->n_table_rows, ds->n_rows);
    const size_t *train = sp->rows[GENRE_SPLIT_TRAIN], *test = sp->rows[GENRE_SPLIT_TEST];
    size_t n_train = sp->n[GENRE_SPLIT_TRAIN], n_test = sp->n[GENRE_SPLIT_TEST];
    genre_status st = GENRE_OK;
    if (ds->schema->group_col >= 0) {
        const struct genre__col *gc = &ds->cols[ds->schema->group_col];
        /* bit 0: in train; bit 1: counted as shared */
        uint8_t *mark = genre__calloc_array(gc->dict.n, 1);
        if (!mark)
            return GENRE_PASS(GENRE_E_NOMEM);
        for (size_t i = 0; i < n_train; i++)
            if (genre__has_group(ds, train[i]))
                mark[gc->id[train[i]]] |= 1;
        int64_t shared = 0, rows_in = 0;
        for (size_t i = 0; i < n_test; i++) {
            if (!genre__has_group(ds, test[i]))
                continue;
            uint8_t *m = &mark[gc->id[test[i]]];
            if (*m & 1) {
                rows_in++;
                if (!(*m & 2)) {
                    *m |= 2;
                    shared++;
                }
            }
        }
        genre__free(mark);
        if (shared_groups)
            *shared_groups = shared;
        if (test_rows_in_train_groups)
            *test_rows_in_train_groups = rows_in;
    } else {
        if (shared_groups)
            *shared_groups = 0;
        if (test_rows_in_train_groups)
            *test_rows_in_train_groups = 0;
    }
    if (duplicate_rows) {
        struct hr *h = genre__alloc_array(n_train, sizeof *h);
        if (!h)
            return GENRE_PASS(GENRE_E_NOMEM);
        for (size_t i = 0; i < n_train; i++) {
            h[i].h = row_hash(ds, train[i]);
            h[i].r = train[i];
        }
        qsort(h, n_train, sizeof *h, cmp_hr);
        int64_t dup = 0;
        for (size_t i = 0; i < n_test; i++) {
            uint64_t key = row_hash(ds, test[i]);
            size_t lo = 0, hi = n_train;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (h[mid].h < key)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (size_t k = lo; k < n_train && h[k].h == key; k++)
                if (rows_equal(ds, h[k].r, test[i])) {
                    dup++;
                    break;
                }
        }
        genre__free(h);
        *duplicate_rows = dup;
    }
    return GENRE_PASS(st);
}

/* ---- Save / load (model container, kind GENRE_MODEL_DATASET_PREP) ----------- */

#include "model_file.h"

/* Payload layout version 1. Tags ascend: table-wide records, then one block
 * per schema column, per encoding and per step. Lists of strings are one
 * BYTES record of NUL-terminated strings plus a U32 count. */
#define PREP_PAYLOAD_VERSION 1u
#define T_N_COLS 1u
#define T_MAX_RECORD 2u
#define T_THREADS 3u
#define T_UNSEEN 4u
#define T_NO_GROUP 5u
#define T_MISSING 6u
#define T_N_MISSING 7u
#define T_N_STEPS 8u
#define T_COL(j, k) (0x1000u + (uint32_t)(j) * 16u + (k))
#define T_ENC(i, k) (0x100000u + (uint32_t)(i) * 4u + (k))
#define T_STEP(i, k) (0x200000u + (uint32_t)(i) * 16u + (k))
#define MAX_SAVED_COLS 0xff00u

static genre_status put_strings(genre__mf_writer *w, uint32_t tag, const char *const *v,
                                size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += strlen(v[i]) + 1;
    char *buf = genre__alloc_array(total, 1);
    if (!buf)
        return GENRE_E_NOMEM;
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        memcpy(buf + pos, v[i], len);
        pos += len;
    }
    genre__mf_put_u32(w, tag, (uint32_t)n);
    genre_status st = genre__mf_put_bytes(w, tag + 1, buf, total);
    genre__free(buf);
    return st;
}

static genre_status put_dict(genre__mf_writer *w, uint32_t tag, const genre__dict *d)
{
    genre__mf_put_u32(w, tag, (uint32_t)d->n);
    return genre__mf_put_bytes(w, tag + 1, d->arena, d->arena_len);
}

static genre_status write_prep(const genre_dataset_prep *p, genre__mf_writer *w)
{
    const genre_dataset_schema *s = p->schema;
    genre_status st = genre__mf_writer_init(w, GENRE_MODEL_DATASET_PREP, PREP_PAYLOAD_VERSION);
    if (st != GENRE_OK)
        return st;
    genre__mf_put_u32(w, T_N_COLS, (uint32_t)s->n_cols);
    genre__mf_put_i64(w, T_MAX_RECORD, s->max_record);
    genre__mf_put_i64(w, T_THREADS, s->n_threads);
    genre__mf_put_u32(w, T_UNSEEN, (uint32_t)s->unseen_policy);
    if (s->no_group)
        genre__mf_put_string(w, T_NO_GROUP, s->no_group);
    if ((st = put_strings(w, T_MISSING, (const char *const *)s->missing_text,
                          s->n_missing_text)) != GENRE_OK)
        return st;
    genre__mf_put_u32(w, T_N_STEPS, (uint32_t)p->n_steps);
    for (size_t j = 0; j < s->n_cols; j++) {
        const struct genre__schema_col *c = &s->cols[j];
        genre__mf_put_string(w, T_COL(j, 0), c->name);
        genre__mf_put_u32(w, T_COL(j, 1), (uint32_t)c->role);
        if ((st = put_strings(w, T_COL(j, 2), (const char *const *)c->missing_text,
                              c->n_missing_text)) != GENRE_OK)
            return st;
        genre__mf_put_f64_array(w, T_COL(j, 4), c->missing_value, c->n_missing_value);
        if (c->order && (st = put_strings(w, T_COL(j, 5), (const char *const *)c->order,
                                          c->n_order)) != GENRE_OK)
            return st;
    }
    for (size_t i = 0; i < p->n_enc; i++) {
        genre__mf_put_u32(w, T_ENC(i, 0), (uint32_t)p->enc[i].col);
        put_dict(w, T_ENC(i, 1), &p->enc[i].names);
    }
    for (size_t i = 0; i < p->n_steps; i++) {
        const struct step *t = &p->steps[i];
        genre__mf_put_u32(w, T_STEP(i, 0), (uint32_t)t->kind);
        genre__mf_put_u32(w, T_STEP(i, 1), (uint32_t)t->col);
        genre__mf_put_i32_array(w, T_STEP(i, 2), t->features, t->n_features);
        genre__mf_put_f64(w, T_STEP(i, 3), t->value);
        put_dict(w, T_STEP(i, 4), &t->groups);
        st = genre__mf_put_f64_array(w, T_STEP(i, 6), t->group_median, t->groups.n);
    }
    return st;
}

static genre_status check_savable(const genre_dataset_prep *p)
{
    GENRE_CHECK_NOT_NULL(p);
    if (!p->fitted)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the preparation is not fitted");
    if (p->schema->n_cols > MAX_SAVED_COLS || p->n_enc > 0xff000u || p->n_steps > 0xff000u)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "too many columns or steps to save");
    return GENRE_OK;
}

genre_status genre_dataset_prep_save(const genre_dataset_prep *p, void *buf, size_t cap,
                                     size_t *written_or_needed)
{
    genre_status st = check_savable(p);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    GENRE_CHECK_NOT_NULL(written_or_needed);
    genre__mf_writer w;
    st = write_prep(p, &w);
    if (st == GENRE_OK)
        st = genre__mf_finish_to_memory(&w, buf, cap, written_or_needed);
    genre__mf_writer_free(&w);
    return GENRE_PASS(st);
}

genre_status genre_dataset_prep_save_file(const genre_dataset_prep *p, const char *path)
{
    genre_status st = check_savable(p);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    genre__mf_writer w;
    st = write_prep(p, &w);
    if (st == GENRE_OK)
        st = genre__mf_finish_to_file_for(__func__, &w, path);
    genre__mf_writer_free(&w);
    return GENRE_PASS(st);
}

/* Reads a string list record pair into a dictionary (ids in stored order);
 * a repeated string is corruption. */
static genre_status get_dict(const genre__mf_reader *r, uint32_t tag, genre__dict *d,
                             const char *what)
{
    uint32_t n = 0;
    size_t len = 0;
    genre_status st = genre__mf_get_u32(r, tag, &n);
    if (st == GENRE_OK)
        st = genre__mf_get_count(r, tag + 1, GENRE__MF_BYTES, &len);
    if (st != GENRE_OK)
        return st;
    char *buf = genre__alloc_array(len, 1);
    if (!buf)
        return GENRE_E_NOMEM;
    st = genre__mf_get_bytes(r, tag + 1, buf, len);
    size_t pos = 0;
    for (uint32_t i = 0; st == GENRE_OK && i < n; i++) {
        const char *nul = pos < len ? memchr(buf + pos, '\0', len - pos) : NULL;
        if (!nul) {
            st = genre__fail(GENRE_E_CORRUPT, r->func,
                             "%s: string list shorter than its count %u", what,
                            (unsigned)n);
            break;
        }
        size_t sl = (size_t)(nul - (buf + pos));
        if (genre__dict_find(d, buf + pos, sl) >= 0)
            st = genre__fail(GENRE_E_CORRUPT, r->func, "%s: '%s' stored twice", what, buf + pos);
        else if (genre__dict_intern(d, buf + pos, sl) < 0)
            st = GENRE_E_NOMEM;
        pos += sl + 1;
    }
    if (st == GENRE_OK && pos != len)
        st = genre__fail(GENRE_E_CORRUPT, r->func, "%s: %zu bytes after the last string",
                         what, len - pos);
    genre__free(buf);
    return st;
}

/* A dictionary's strings as a pointer array into it (for schema setters). */
static genre_status dict_names(const genre__dict *d, const char ***out)
{
    *out = genre__alloc_array(d->n, sizeof **out);
    if (!*out)
        return GENRE_E_NOMEM;
    for (size_t i = 0; i < d->n; i++)
        (*out)[i] = GENRE__DICT_STR(d, i);
    return GENRE_OK;
}

/* A schema setter's refusal of stored values means a corrupt payload; an
 * allocation failure stays one. */
static genre_status nomem_or_corrupt(const genre__mf_reader *r, genre_status st,
                                     const char *what, const char *why)
{
    if (st == GENRE_OK || st == GENRE_E_NOMEM)
        return st;
    return genre__fail(GENRE_E_CORRUPT, r->func, "'%s': %s", what, why);
}

static genre_status read_schema(const genre__mf_reader *r, genre_dataset_schema **out)
{
    uint32_t n_cols = 0, unseen = 0;
    int64_t max_record = 0, threads = 0;
    genre_status st = genre__mf_get_u32(r, T_N_COLS, &n_cols);
    if (st == GENRE_OK)
        st = genre__mf_get_i64(r, T_MAX_RECORD, &max_record);
    if (st == GENRE_OK)
        st = genre__mf_get_i64(r, T_THREADS, &threads);
    if (st == GENRE_OK)
        st = genre__mf_get_u32(r, T_UNSEEN, &unseen);
    if (st != GENRE_OK)
        return st;
    if (n_cols == 0 || n_cols > MAX_SAVED_COLS)
        return genre__fail(GENRE_E_CORRUPT, r->func, "%u schema columns", (unsigned)n_cols);
    genre_dataset_schema *s = NULL;
    if ((st = genre_dataset_schema_create(&s)) != GENRE_OK)
        return st;
    genre__dict tmp;
    memset(&tmp, 0, sizeof tmp);
    const char **names = NULL;
    for (uint32_t j = 0; st == GENRE_OK && j < n_cols; j++) {
        char *name = NULL;
        uint32_t role = 0;
        size_t n_values = 0;
        st = genre__mf_get_string_alloc(r, T_COL(j, 0), &name);
        if (st == GENRE_OK)
            st = genre__mf_get_u32(r, T_COL(j, 1), &role);
        if (st == GENRE_OK && (role < GENRE_COL_NUMERIC || role > GENRE_COL_IGNORE))
            st = genre__fail(GENRE_E_CORRUPT, r->func, "column %u: role %u", (unsigned)j,
                             (unsigned)role);
        if (st == GENRE_OK) {
            st = genre_dataset_schema_add_column(s, name, (int32_t)role);
            if (st != GENRE_OK && st != GENRE_E_NOMEM)
                st = genre__fail(GENRE_E_CORRUPT, r->func, "column %u '%s' cannot be declared: %s",
                                (unsigned)j, name, genre_status_name(st));
        }
        if (st == GENRE_OK)
            st = get_dict(r, T_COL(j, 2), &tmp, "missing markers");
        for (size_t k = 0; st == GENRE_OK && k < tmp.n; k++)
            st = genre_dataset_schema_add_missing_text(s, name, GENRE__DICT_STR(&tmp, k));
        genre__dict_free(&tmp);
        if (st == GENRE_OK)
            st = genre__mf_get_count(r, T_COL(j, 4), GENRE__MF_F64_ARRAY, &n_values);
        if (st == GENRE_OK && n_values > 0) {
            double *v = genre__alloc_array(n_values, sizeof *v);
            if (!v)
                st = GENRE_E_NOMEM;
            if (st == GENRE_OK)
                st = genre__mf_get_f64_array(r, T_COL(j, 4), v, n_values);
            for (size_t k = 0; st == GENRE_OK && k < n_values; k++)
                st = nomem_or_corrupt(r, genre_dataset_schema_add_missing_value(s, name, v[k]),
                                      name, "bad sentinel");
            genre__free(v);
        }
        if (st == GENRE_OK && genre__mf_has(r, T_COL(j, 5))) {
            st = get_dict(r, T_COL(j, 5), &tmp, "category order");
            if (st == GENRE_OK)
                st = dict_names(&tmp, &names);
            if (st == GENRE_OK)
                st = nomem_or_corrupt(r,
                    genre_dataset_schema_set_category_order(s, name, names, tmp.n), name,
                    "bad category order");
            genre__free((void *)names);
            names = NULL;
            genre__dict_free(&tmp);
        }
        genre__free(name);
    }
    if (st == GENRE_OK)
        st = get_dict(r, T_MISSING, &tmp, "missing markers");
    for (size_t k = 0; st == GENRE_OK && k < tmp.n; k++)
        st = genre_dataset_schema_add_missing_text(s, NULL, GENRE__DICT_STR(&tmp, k));
    genre__dict_free(&tmp);
    if (st == GENRE_OK && genre__mf_has(r, T_NO_GROUP)) {
        char *ng = NULL;
        st = genre__mf_get_string_alloc(r, T_NO_GROUP, &ng);
        if (st == GENRE_OK)
            st = nomem_or_corrupt(r, genre_dataset_schema_set_no_group(s, ng), ng,
                                  "a no-group value without a group column");
        genre__free(ng);
    }
    if (st == GENRE_OK &&
        (genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_RECORD_BYTES, max_record) != GENRE_OK ||
         genre_dataset_schema_set_i64(s, GENRE_SCHEMA_THREADS, threads) != GENRE_OK ||
         genre_dataset_schema_set_i64(s, GENRE_SCHEMA_UNSEEN_CATEGORY, unseen) != GENRE_OK))
        st = genre__fail(GENRE_E_CORRUPT, r->func, "schema option out of range");
    if (st != GENRE_OK) {
        genre_dataset_schema_free(s);
        return st;
    }
    *out = s;
    return GENRE_OK;
}

static genre_status read_step(const genre__mf_reader *r, genre_dataset_prep *p, size_t i)
{
    struct step *t = &p->steps[i];
    uint32_t kind = 0, col = 0;
    size_t n_feat = 0, n_med = 0;
    genre_status st = genre__mf_get_u32(r, T_STEP(i, 0), &kind);
    if (st == GENRE_OK)
        st = genre__mf_get_u32(r, T_STEP(i, 1), &col);
    if (st == GENRE_OK)
        st = genre__mf_get_count(r, T_STEP(i, 2), GENRE__MF_I32_ARRAY, &n_feat);
    if (st == GENRE_OK)
        st = genre__mf_get_f64(r, T_STEP(i, 3), &t->value);
    if (st != GENRE_OK)
        return st;
    const genre_dataset_schema *s = p->schema;
    if (kind < STEP_GROUP_MEDIAN || kind > STEP_MODEL || col >= s->n_cols ||
        s->cols[col].role != GENRE_COL_NUMERIC || (kind == STEP_MODEL) != (n_feat > 0) ||
        n_feat > s->n_cols || (kind == STEP_GROUP_MEDIAN && s->group_col < 0) ||
        (kind != STEP_MODEL && !isfinite(t->value)))
        return genre__fail(GENRE_E_CORRUPT, r->func,
                           "step %zu: kind %u on column %u is not valid", i,
                          (unsigned)kind, (unsigned)col);
    t->kind = (int32_t)kind;
    t->col = (int32_t)col;
    if (n_feat) {
        if (!(t->features = genre__alloc_array(n_feat, sizeof *t->features)))
            return GENRE_E_NOMEM;
        t->n_features = n_feat;
        if ((st = genre__mf_get_i32_array(r, T_STEP(i, 2), t->features, n_feat)) != GENRE_OK)
            return st;
        for (size_t k = 0; k < n_feat; k++) {
            int32_t f = t->features[k];
            if (f < 0 || (size_t)f >= s->n_cols || f == t->col ||
                (s->cols[f].role != GENRE_COL_NUMERIC && s->cols[f].role != GENRE_COL_CATEGORICAL))
                return genre__fail(GENRE_E_CORRUPT, r->func, "step %zu: feature %d is not valid",
                                   i, (int)f);
        }
    }
    if ((st = get_dict(r, T_STEP(i, 4), &t->groups, "group names")) != GENRE_OK)
        return st;
    if ((st = genre__mf_get_count(r, T_STEP(i, 6), GENRE__MF_F64_ARRAY, &n_med)) != GENRE_OK)
        return st;
    if (n_med != t->groups.n || (kind != STEP_GROUP_MEDIAN && n_med != 0))
        return genre__fail(GENRE_E_CORRUPT, r->func, "step %zu: %zu medians for %zu groups", i,
                           n_med, t->groups.n);
    if (!(t->group_median = genre__alloc_array(n_med, sizeof(double))))
        return GENRE_E_NOMEM;
    if ((st = genre__mf_get_f64_array(r, T_STEP(i, 6), t->group_median, n_med)) != GENRE_OK)
        return st;
    for (size_t k = 0; k < n_med; k++)
        if (!isfinite(t->group_median[k]))
            return genre__fail(GENRE_E_CORRUPT, r->func, "step %zu: non-finite group median", i);
    return GENRE_OK;
}

/* A step's seven records take at least this many bytes (u32, u32, empty i32
 * array, f64, u32 + empty bytes, empty f64 array), which bounds the step
 * count by the payload before the steps are allocated. */
#define MIN_STEP_BYTES (20u + 20u + 16u + 24u + 20u + 16u + 16u)

/* The body of both loaders; func is the public function messages name. */
static genre_status load_prep(genre_dataset_prep **out, const void *buf, size_t len,
                              const char *func)
{
    genre__mf_reader r;
    genre_status st = genre__mf_reader_open(&r, buf, len, GENRE_MODEL_DATASET_PREP);
    if (st != GENRE_OK)
        return st;
    r.func = func;
    if (r.kind_version > PREP_PAYLOAD_VERSION)
        return genre__fail(GENRE_E_VERSION, func,
                           "dataset preparation payload version %u is newer than %u",
                           (unsigned)r.kind_version, PREP_PAYLOAD_VERSION);
    genre_dataset_schema *s = NULL;
    if ((st = read_schema(&r, &s)) != GENRE_OK)
        return st;
    genre_dataset_prep *p = NULL;
    st = genre_dataset_prep_create(&p, s);
    genre_dataset_schema_free(s);
    if (st != GENRE_OK)
        return st;
    uint32_t n_steps = 0;
    st = genre__mf_get_u32(&r, T_N_STEPS, &n_steps);
    if (st == GENRE_OK && n_steps > 0xff000u)
        st = genre__fail(GENRE_E_CORRUPT, func, "%u steps", (unsigned)n_steps);
    if (st == GENRE_OK)
        st = genre__mf_check_room(&r, func, "step count", n_steps, MIN_STEP_BYTES);
    if (st == GENRE_OK && n_steps &&
        !(p->steps = genre__calloc_array(n_steps, sizeof *p->steps)))
        st = GENRE_E_NOMEM;
    if (st == GENRE_OK)
        p->n_steps = n_steps;
    for (size_t i = 0; st == GENRE_OK && i < p->n_enc; i++) {
        uint32_t col = 0;
        st = genre__mf_get_u32(&r, T_ENC(i, 0), &col);
        if (st == GENRE_OK && col != (uint32_t)p->enc[i].col)
            st = genre__fail(GENRE_E_CORRUPT, func, "encoding %zu is for column %u, expected %d", i,
                            (unsigned)col, (int)p->enc[i].col);
        if (st == GENRE_OK)
            st = get_dict(&r, T_ENC(i, 1), &p->enc[i].names, "categories");
    }
    for (size_t i = 0; st == GENRE_OK && i < p->n_steps; i++)
        st = read_step(&r, p, i);
    if (st != GENRE_OK) {
        genre_dataset_prep_free(p);
        return st;
    }
    p->fitted = 1;
    *out = p;
    return GENRE_OK;
}

genre_status genre_dataset_prep_load(genre_dataset_prep **out, const void *buf, size_t len)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    return GENRE_PASS(load_prep(out, buf, len, __func__));
}

genre_status genre_dataset_prep_load_file(genre_dataset_prep **out, const char *path)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(path);
    void *buf = NULL;
    size_t len = 0;
    genre_status st = genre__mf_read_file(path, GENRE__MF_MAX_FILE_BYTES, &buf, &len);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    st = load_prep(out, buf, len, __func__);
    genre__free(buf);
    return GENRE_PASS(st);
}

genre_status genre_dataset_prep_set_model_callbacks(genre_dataset_prep *p, const char *column,
                                                    genre_dataset_fit_fn fit,
                                                    genre_dataset_predict_fn predict,
                                                    void *user_data)
{
    GENRE_CHECK_NOT_NULL(p);
    GENRE_CHECK_NOT_NULL(column);
    GENRE_CHECK_NOT_NULL(predict);
    int32_t j = genre__schema_find(p->schema, column);
    for (size_t i = 0; j >= 0 && i < p->n_steps; i++)
        if (p->steps[i].kind == STEP_MODEL && p->steps[i].col == j) {
            p->steps[i].fit = fit;
            p->steps[i].predict = predict;
            p->steps[i].user_data = user_data;
            return GENRE_OK;
        }
    return GENRE_FAIL(GENRE_E_MISSING_COLUMN, "no model imputation step for column '%s'",
                      column);
}
