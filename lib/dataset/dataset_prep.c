/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fitted preparation: the encodings of categorical and label columns and the
 * imputation steps (group median, median, mean, a caller's model), fitted on
 * one table and applied to others. Saving and loading them is
 * dataset_prep_file.c. */
#include "dataset_private.h"

#include "alloc.h"
#include "error_private.h"
#include "rng.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const char *genre__prep_step_name(int32_t kind)
{
    switch (kind) {
    case GENRE__STEP_GROUP_MEDIAN: return "group_median";
    case GENRE__STEP_MEDIAN: return "impute_median";
    case GENRE__STEP_MEAN: return "impute_mean";
    case GENRE__STEP_MOST_FREQUENT: return "impute_most_frequent";
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
        genre__free(p->steps[i].feature_fill);
        p->steps[i].feature_fill = NULL;
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

/* ---- Parameters ------------------------------------------------------------ */

/* A preparation has no key yet; its table is empty so every key answers
 * GENRE_E_UNKNOWN_PARAM the way every other kind does. */
const genre__param_table genre__dataset_prep_param_table = {"dataset prep", NULL, 0, NULL};
#define TABLE (&genre__dataset_prep_param_table)

genre_status genre_dataset_prep_set_i64(genre_dataset_prep *prep, int32_t key, int64_t value)
{
    GENRE_CHECK_NOT_NULL(prep);
    return genre__params_set_i64(TABLE, prep, __func__, key, value);
}

genre_status genre_dataset_prep_set_f64(genre_dataset_prep *prep, int32_t key, double value)
{
    GENRE_CHECK_NOT_NULL(prep);
    return genre__params_set_f64(TABLE, prep, __func__, key, value);
}

genre_status genre_dataset_prep_get_i64(const genre_dataset_prep *prep, int32_t key,
                                        int64_t *out)
{
    GENRE_CHECK_NOT_NULL(prep);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_i64(TABLE, prep, prep, __func__, key, out);
}

genre_status genre_dataset_prep_get_f64(const genre_dataset_prep *prep, int32_t key,
                                        double *out)
{
    GENRE_CHECK_NOT_NULL(prep);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_f64(TABLE, prep, prep, __func__, key, out);
}

genre_status genre_dataset_prep_param_bounds(int32_t key, double *lo, double *hi)
{
    GENRE_CHECK_NOT_NULL(lo);
    GENRE_CHECK_NOT_NULL(hi);
    return genre__params_bounds(TABLE, __func__, key, lo, hi);
}

genre_status genre_dataset_prep_param_values(int32_t key, int64_t *out, size_t cap,
                                             size_t *n_values)
{
    GENRE_CHECK_NOT_NULL(n_values);
    return genre__params_values(TABLE, __func__, key, out, cap, n_values);
}

genre_status genre_dataset_prep_reset_params(genre_dataset_prep *prep)
{
    GENRE_CHECK_NOT_NULL(prep);
    genre__params_reset(TABLE, prep);
    return GENRE_OK;
}

genre_status genre_dataset_prep_set_log(genre_dataset_prep *prep, genre_log_fn fn,
                                        void *user_data)
{
    GENRE_CHECK_NOT_NULL(prep);
    prep->hooks.log = fn;
    prep->hooks.log_data = user_data;
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

/* A column most-frequent imputation takes: numeric or categorical. */
static genre_status imputable_col(const genre_dataset_prep *p, const char *column, int32_t *j)
{
    if (!column)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column name is NULL");
    *j = genre__schema_find(p->schema, column);
    if (*j < 0)
        return GENRE_FAIL(GENRE_E_MISSING_COLUMN, "column '%s' is not in the schema", column);
    int32_t role = p->schema->cols[*j].role;
    if (role != GENRE_COL_NUMERIC && role != GENRE_COL_CATEGORICAL)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s' is neither numeric nor categorical",
                          column);
    if (p->fitted)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the preparation is already fitted");
    return GENRE_OK;
}

static genre_status push_step(genre_dataset_prep *p, const struct genre__prep_step *s)
{
    if (p->n_steps == p->cap_steps) {
        /* doubling: genre_dataset_prep_add_declared adds a step per column,
         * and one realloc each is quadratic in a wide table wherever realloc
         * cannot grow in place */
        size_t cap = p->cap_steps ? p->cap_steps * 2 : 8;
        if (genre__realloc_array(&p->steps, cap, sizeof *p->steps) != 0)
            return GENRE_E_NOMEM;
        p->cap_steps = cap;
    }
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
    struct genre__prep_step s;
    memset(&s, 0, sizeof s);
    s.kind = GENRE__STEP_GROUP_MEDIAN;
    s.col = j;
    return GENRE_PASS(push_step(p, &s));
}

genre_status genre_dataset_prep_add_impute(genre_dataset_prep *p, const char *column,
                                           int32_t kind)
{
    GENRE_CHECK_NOT_NULL(p);
    if (kind != GENRE_IMPUTE_MEDIAN && kind != GENRE_IMPUTE_MEAN &&
        kind != GENRE_IMPUTE_MOST_FREQUENT)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "imputation kind %d unknown", (int)kind);
    int32_t j = -1;
    genre_status st = kind == GENRE_IMPUTE_MOST_FREQUENT ? imputable_col(p, column, &j)
                                                         : numeric_col(p, column, &j);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    struct genre__prep_step s;
    memset(&s, 0, sizeof s);
    s.kind = kind == GENRE_IMPUTE_MEDIAN ? GENRE__STEP_MEDIAN
             : kind == GENRE_IMPUTE_MEAN ? GENRE__STEP_MEAN
                                         : GENRE__STEP_MOST_FREQUENT;
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
    struct genre__prep_step s;
    memset(&s, 0, sizeof s);
    s.kind = GENRE__STEP_MODEL;
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
                                 struct genre__prep_encoding *e)
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

static genre_status apply_encoding(const genre_dataset_prep *p, const struct genre__prep_encoding *e,
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
                            GENRE__AT_FMT ": column '%s': category '%s' was not seen when fitting",
                            GENRE__AT(ds, r), col_name(p->schema, e->col),
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

static genre_status no_observed(const genre_dataset_prep *p, const struct genre__prep_step *s)
{
    return GENRE_FAIL(GENRE_E_BAD_STATE, "%s of '%s': the fit rows have no observed value",
                      genre__prep_step_name(s->kind), col_name(p->schema, s->col));
}

int genre__prep_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The most frequent observed value of numeric column j (ties: the
 * smallest) into *out; *n_obs receives the observed count (0: *out unset). */
static genre_status most_frequent_value(const genre_dataset *ds, int32_t j, double *out,
                                        size_t *n_obs)
{
    const double *x = ds->cols[j].num;
    size_t n = 0;
    for (size_t r = 0; r < ds->n_rows; r++)
        n += !isnan(x[r]);
    *n_obs = n;
    if (n == 0)
        return GENRE_OK;
    double *v = genre__alloc_array(n, sizeof *v);
    if (!v)
        return GENRE_E_NOMEM;
    size_t k = 0;
    for (size_t r = 0; r < ds->n_rows; r++)
        if (!isnan(x[r]))
            v[k++] = x[r];
    qsort(v, n, sizeof *v, genre__prep_cmp_double);
    size_t best = 0, best_len = 0;
    for (size_t i = 0; i < n;) {
        size_t e = i + 1;
        while (e < n && v[e] == v[i])
            e++;
        if (e - i > best_len) /* strictly more: ties keep the smaller value */
            best = i, best_len = e - i;
        i = e;
    }
    *out = v[best];
    genre__free(v);
    return GENRE_OK;
}

/* The most frequent code of encoded column j (ties: the smallest) as a
 * double; unseen (-1) and missing codes are not counted. */
static genre_status most_frequent_code(const genre_dataset_prep *p, const genre_dataset *ds,
                                       int32_t j, double *out, size_t *n_obs)
{
    size_t n_codes = 0;
    for (size_t i = 0; i < p->n_enc; i++)
        if (p->enc[i].col == j)
            n_codes = p->enc[i].names.n;
    const int32_t *code = ds->cols[j].code;
    int64_t *count = genre__calloc_array(n_codes ? n_codes : 1, sizeof *count);
    if (!count)
        return GENRE_E_NOMEM;
    size_t n = 0;
    for (size_t r = 0; r < ds->n_rows; r++)
        if (code[r] >= 0 && (size_t)code[r] < n_codes) {
            count[code[r]]++;
            n++;
        }
    size_t best = 0;
    for (size_t c = 1; c < n_codes; c++)
        if (count[c] > count[best])
            best = c;
    genre__free(count);
    *n_obs = n;
    *out = (double)best;
    return GENRE_OK;
}

static genre_status most_frequent_of(const genre_dataset_prep *p, const genre_dataset *ds,
                                     int32_t j, double *out, size_t *n_obs)
{
    return ds->cols[j].num ? most_frequent_value(ds, j, out, n_obs)
                           : most_frequent_code(p, ds, j, out, n_obs);
}

/* A model step of genre_dataset_prep_add_declared(): the fill value of each
 * feature, from the fit rows (numeric: median; categorical: most frequent
 * code). */
static genre_status fit_feature_fill(const genre_dataset_prep *p, struct genre__prep_step *s,
                                     const genre_dataset *ds)
{
    s->feature_fill = genre__alloc_array(s->n_features, sizeof *s->feature_fill);
    double *v = genre__alloc_array(ds->n_rows ? ds->n_rows : 1, sizeof *v);
    genre_status st = s->feature_fill && v ? GENRE_OK : GENRE_E_NOMEM;
    for (size_t k = 0; st == GENRE_OK && k < s->n_features; k++) {
        int32_t f = s->features[k];
        size_t n = 0;
        if (ds->cols[f].num) {
            for (size_t r = 0; r < ds->n_rows; r++)
                if (!isnan(ds->cols[f].num[r]))
                    v[n++] = ds->cols[f].num[r];
            if (n)
                s->feature_fill[k] = median_of(v, n);
        } else {
            st = most_frequent_code(p, ds, f, &s->feature_fill[k], &n);
        }
        if (st == GENRE_OK && n == 0)
            st = GENRE_FAIL(GENRE_E_BAD_STATE,
                            "impute_model of '%s': feature '%s' has no observed value in the "
                            "fit rows",
                            col_name(p->schema, s->col), col_name(p->schema, f));
    }
    genre__free(v);
    return st;
}

static genre_status fit_stats(const genre_dataset_prep *p, struct genre__prep_step *s, const genre_dataset *ds)
{
    if (s->kind == GENRE__STEP_MOST_FREQUENT) {
        size_t n_obs = 0;
        genre_status st = most_frequent_of(p, ds, s->col, &s->value, &n_obs);
        if (st == GENRE_OK && n_obs == 0)
            st = no_observed(p, s);
        return st;
    }
    const double *x = ds->cols[s->col].num;
    size_t n = 0;
    for (size_t r = 0; r < ds->n_rows; r++)
        n += !isnan(x[r]);
    if (n == 0)
        return no_observed(p, s);
    if (s->kind == GENRE__STEP_MEAN) {
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
    if (s->kind != GENRE__STEP_GROUP_MEDIAN)
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
static genre_status gather_features(const genre_dataset_prep *p, const struct genre__prep_step *s,
                                    const genre_dataset *ds, const size_t *rows, size_t n,
                                    double *x)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < s->n_features; k++) {
            const struct genre__col *c = &ds->cols[s->features[k]];
            double v = c->num ? c->num[rows[i]]
                              : (c->code[rows[i]] == GENRE__CODE_MISSING ? NAN
                                                                         : (double)c->code[rows[i]]);
            if (isnan(v) && s->feature_fill)
                v = s->feature_fill[k];
            if (isnan(v))
                return GENRE_FAIL(GENRE_E_MISSING_VALUE,
                                  GENRE__AT_FMT ": %s of '%s': feature '%s' is missing",
                                  GENRE__AT(ds, rows[i]), genre__prep_step_name(s->kind),
                                  col_name(p->schema, s->col),
                                  col_name(p->schema, s->features[k]));
            x[i * s->n_features + k] = v;
        }
    return GENRE_OK;
}

/* Runs the model callback on the rows whose target is (fit: observed,
 * apply: missing). */
static genre_status run_model(const genre_dataset_prep *p, const struct genre__prep_step *s,
                              genre_dataset *ds, int fitting)
{
    double *target = ds->cols[s->col].num;
    size_t n = 0;
    for (size_t r = 0; r < ds->n_rows; r++)
        n += fitting ? !isnan(target[r]) : isnan(target[r]);
    if (fitting && n == 0)
        return no_observed(p, s);

    if (!fitting && n == 0) {
        genre__log(&p->hooks, GENRE_LOG_INFO,
                   "column '%s': 0 missing cells imputed by the caller's model (impute_model)",
                   col_name(p->schema, s->col));
        return genre__report_set(ds, "impute_model", s->col, "imputed", 0);
    }
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
                                "impute_model of '%s': prediction %g for " GENRE__AT_FMT,
                                col_name(p->schema, s->col), y[i], GENRE__AT(ds, rows[i]));
        if (st == GENRE_OK)
            st = genre__report_set(ds, "impute_model", s->col, "imputed", (int64_t)n);
        if (st == GENRE_OK)
            genre__log(&p->hooks, GENRE_LOG_INFO,
                       "column '%s': %zu missing cells imputed by the caller's model "
                       "(impute_model)",
                       col_name(p->schema, s->col), n);
        for (size_t i = 0; st == GENRE_OK && i < n; i++)
            target[rows[i]] = y[i];
    }
    genre__free(rows);
    genre__free(x);
    genre__free(y);
    return st;
}

/* Most-frequent imputation of a categorical column: missing codes get the
 * fitted code; unseen (-1) codes are not missing and stay. */
static genre_status apply_most_frequent_code(const genre_dataset_prep *p,
                                             const struct genre__prep_step *s, genre_dataset *ds)
{
    int32_t *code = ds->cols[s->col].code, fill = (int32_t)s->value;
    int64_t n = 0;
    for (size_t r = 0; r < ds->n_rows; r++)
        if (code[r] == GENRE__CODE_MISSING) {
            code[r] = fill;
            n++;
        }
    const struct genre__prep_encoding *e = NULL;
    for (size_t i = 0; i < p->n_enc; i++)
        if (p->enc[i].col == s->col)
            e = &p->enc[i];
    genre__log(&p->hooks, GENRE_LOG_INFO,
               "column '%s': %lld missing cells imputed with the most frequent category of the "
               "fit rows, '%s' (impute_most_frequent)",
               col_name(p->schema, s->col), (long long)n,
               e && (size_t)fill < e->names.n ? GENRE__DICT_STR(&e->names, fill) : "?");
    return genre__report_set(ds, genre__prep_step_name(s->kind), s->col, "imputed", n);
}

static genre_status apply_step(const genre_dataset_prep *p, const struct genre__prep_step *s,
                               genre_dataset *ds)
{
    if (s->kind == GENRE__STEP_MODEL)
        return run_model(p, s, ds, 0);
    if (!ds->cols[s->col].num)
        return apply_most_frequent_code(p, s, ds);
    double *x = ds->cols[s->col].num;
    int64_t from_group = 0, from_global = 0;
    const struct genre__col *gc =
        s->kind == GENRE__STEP_GROUP_MEDIAN ? &ds->cols[p->schema->group_col] : NULL;
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
    if (s->kind == GENRE__STEP_GROUP_MEDIAN)
        genre__log(&p->hooks, GENRE_LOG_INFO,
                   "column '%s': %lld missing cells imputed with their group's median and "
                   "%lld with the global median %g (group_median)",
                   col_name(p->schema, s->col), (long long)from_group, (long long)from_global,
                   s->value);
    else
        genre__log(&p->hooks, GENRE_LOG_INFO,
                   "column '%s': %lld missing cells imputed with the %s of the fit rows, %g "
                   "(%s)",
                   col_name(p->schema, s->col), (long long)from_global,
                   s->kind == GENRE__STEP_MEAN            ? "mean"
                   : s->kind == GENRE__STEP_MOST_FREQUENT ? "most frequent value"
                                                          : "median",
                   s->value,
                   genre__prep_step_name(s->kind));
    genre_status st;
    if (s->kind == GENRE__STEP_GROUP_MEDIAN) {
        st = genre__report_set(ds, "group_median", s->col, "from_group", from_group);
        if (st == GENRE_OK)
            st = genre__report_set(ds, "group_median", s->col, "from_global", from_global);
        return st;
    }
    return genre__report_set(ds, genre__prep_step_name(s->kind), s->col, "imputed", from_global);
}

static genre_status check_target(const genre_dataset_prep *p, const genre_dataset *ds)
{
    if (ds->encoded)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "a preparation was already applied to this table");
    for (size_t r = 0; r < ds->n_rows; r++)
        if (ds->blank[r])
            return GENRE_FAIL(GENRE_E_BAD_STATE,
                              GENRE__AT_FMT " is an empty record: call "
                              "genre_dataset_drop_empty_rows() first",
                              GENRE__AT(ds, r));
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
        struct genre__prep_step *s = &p->steps[i];
        if (s->kind == GENRE__STEP_MODEL && s->fill_features)
            st = fit_feature_fill(p, s, ds);
        if (st == GENRE_OK)
            st = s->kind == GENRE__STEP_MODEL ? run_model(p, s, ds, 1) : fit_stats(p, s, ds);
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
                                        const struct genre__prep_encoding **e)
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
    const struct genre__prep_encoding *e = NULL;
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
    const struct genre__prep_encoding *e = NULL;
    genre_status st = fitted_category_col(p, column, &e);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (code < 0 || (size_t)code >= e->names.n)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s': code %d outside [0, %zu)", column,
                          (int)code, e->names.n);
    const char *name = GENRE__DICT_STR(&e->names, code);
    const char *shown = genre__schema_display_name(p->schema, e->col, name);
    if (shown)
        name = shown;
    size_t n = strlen(name) + 1;
    if (needed)
        *needed = n;
    if (!buf)
        return GENRE_OK;
    if (cap < n)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL, "category name needs %zu bytes, got %zu", n,
                          cap);
    memcpy(buf, name, n);
    return GENRE_OK;
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
        if (p->steps[i].kind == GENRE__STEP_MODEL && p->steps[i].col == j) {
            p->steps[i].fit = fit;
            p->steps[i].predict = predict;
            p->steps[i].user_data = user_data;
            return GENRE_OK;
        }
    return GENRE_FAIL(GENRE_E_MISSING_COLUMN, "no model imputation step for column '%s'",
                      column);
}
