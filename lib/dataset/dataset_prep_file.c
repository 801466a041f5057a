/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Saving and loading a fitted preparation (model container, kind
 * GENRE_MODEL_DATASET_PREP). */
#include "dataset_private.h"

#include "alloc.h"
#include "error_private.h"
#include "model_file.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Save / load (model container, kind GENRE_MODEL_DATASET_PREP) ----------- */

/* Payload layout versions 1 and 2. Tags ascend: table-wide records, then
 * one block per schema column, per encoding and per step. Lists of strings
 * are one BYTES record of NUL-terminated strings plus a U32 count.
 * Version 2 (0.4) adds step kind 5 (most frequent; numeric or categorical,
 * the value or the code in the step's f64) and a model step's feature fill
 * values (T_STEP(i, 7), genre_dataset_prep_add_declared()); a file uses
 * version 2 only when it has one of them, so other files still load in
 * older libraries. The optional column records T_COL(j, 7..11) (display
 * names, declared imputation) are skipped by older loaders. */
#define PREP_PAYLOAD_VERSION 2u
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
    uint32_t version = 1;
    for (size_t i = 0; i < p->n_steps; i++)
        if (p->steps[i].kind == GENRE__STEP_MOST_FREQUENT || p->steps[i].feature_fill)
            version = 2;
    genre_status st = genre__mf_writer_init(w, GENRE_MODEL_DATASET_PREP, version);
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
        if (c->n_names &&
            ((st = put_strings(w, T_COL(j, 7), (const char *const *)c->name_value,
                               c->n_names)) != GENRE_OK ||
             (st = put_strings(w, T_COL(j, 9), (const char *const *)c->name_text,
                               c->n_names)) != GENRE_OK))
            return st;
        if (c->impute_decl)
            genre__mf_put_u32(w, T_COL(j, 11), (uint32_t)c->impute_decl);
    }
    for (size_t i = 0; i < p->n_enc; i++) {
        genre__mf_put_u32(w, T_ENC(i, 0), (uint32_t)p->enc[i].col);
        put_dict(w, T_ENC(i, 1), &p->enc[i].names);
    }
    for (size_t i = 0; i < p->n_steps; i++) {
        const struct genre__prep_step *t = &p->steps[i];
        genre__mf_put_u32(w, T_STEP(i, 0), (uint32_t)t->kind);
        genre__mf_put_u32(w, T_STEP(i, 1), (uint32_t)t->col);
        genre__mf_put_i32_array(w, T_STEP(i, 2), t->features, t->n_features);
        genre__mf_put_f64(w, T_STEP(i, 3), t->value);
        put_dict(w, T_STEP(i, 4), &t->groups);
        st = genre__mf_put_f64_array(w, T_STEP(i, 6), t->group_median, t->groups.n);
        if (t->feature_fill)
            st = genre__mf_put_f64_array(w, T_STEP(i, 7), t->feature_fill, t->n_features);
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

genre_status genre_dataset_prep_save_to_memory(const genre_dataset_prep *p, void *buf, size_t cap,
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

genre_status genre_dataset_prep_save(const genre_dataset_prep *p, const char *path)
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

/* A string list record pair as strings (repeats allowed: display names may
 * repeat), *v allocated with the strings after the pointers. */
static genre_status get_list(const genre__mf_reader *r, uint32_t tag, char ***v, size_t *n)
{
    uint32_t count = 0;
    size_t len = 0;
    genre_status st = genre__mf_get_u32(r, tag, &count);
    if (st == GENRE_OK)
        st = genre__mf_get_count(r, tag + 1, GENRE__MF_BYTES, &len);
    if (st != GENRE_OK)
        return st;
    if (count > len)
        return genre__fail(GENRE_E_CORRUPT, r->func, "string list: %u strings in %zu bytes",
                           (unsigned)count, len);
    char **out = genre__alloc_array((size_t)count + 1, sizeof *out);
    char *buf = genre__alloc_array(len + 1, 1);
    if (!out || !buf) {
        genre__free(out);
        genre__free(buf);
        return GENRE_E_NOMEM;
    }
    st = genre__mf_get_bytes(r, tag + 1, buf, len);
    size_t pos = 0;
    for (uint32_t i = 0; st == GENRE_OK && i < count; i++) {
        const char *nul = pos < len ? memchr(buf + pos, '\0', len - pos) : NULL;
        if (!nul)
            st = genre__fail(GENRE_E_CORRUPT, r->func, "string list shorter than its count %u",
                             (unsigned)count);
        else {
            out[i] = buf + pos;
            pos = (size_t)(nul - buf) + 1;
        }
    }
    if (st == GENRE_OK && pos != len)
        st = genre__fail(GENRE_E_CORRUPT, r->func, "%zu bytes after the last string", len - pos);
    out[count] = buf; /* owned: freed with the array */
    if (st != GENRE_OK) {
        genre__free(buf);
        genre__free(out);
        return st;
    }
    *v = out;
    *n = count;
    return GENRE_OK;
}

static void free_list(char **v, size_t n)
{
    if (v)
        genre__free(v[n]);
    genre__free(v);
}

/* The optional records of schema files' declarations (payload 0.4). */
static genre_status read_column_info(const genre__mf_reader *r, genre_dataset_schema *s,
                                     uint32_t j, const char *name)
{
    genre_status st = GENRE_OK;
    if (genre__mf_has(r, T_COL(j, 7))) {
        char **values = NULL, **texts = NULL;
        size_t nv = 0, nt = 0;
        st = get_list(r, T_COL(j, 7), &values, &nv);
        if (st == GENRE_OK)
            st = get_list(r, T_COL(j, 9), &texts, &nt);
        if (st == GENRE_OK && nv != nt)
            st = genre__fail(GENRE_E_CORRUPT, r->func, "'%s': %zu display names for %zu values",
                             name, nt, nv);
        if (st == GENRE_OK)
            st = nomem_or_corrupt(r,
                                  genre_dataset_schema_set_category_names(
                                      s, name, (const char *const *)values,
                                      (const char *const *)texts, nv),
                                  name, "bad display names");
        free_list(values, nv);
        free_list(texts, nt);
    }
    if (st == GENRE_OK && genre__mf_has(r, T_COL(j, 11))) {
        uint32_t decl = 0;
        st = genre__mf_get_u32(r, T_COL(j, 11), &decl);
        if (st == GENRE_OK && (decl < 1 || decl > GENRE_IMPUTE_MODEL + 1))
            st = genre__fail(GENRE_E_CORRUPT, r->func, "'%s': declared imputation %u", name,
                             (unsigned)decl);
        if (st == GENRE_OK)
            st = nomem_or_corrupt(r, genre_dataset_schema_set_impute(s, name, (int32_t)decl - 1),
                                  name, "bad declared imputation");
    }
    return st;
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
        if (st == GENRE_OK)
            st = read_column_info(r, s, j, name);
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

/* A categorical most-frequent step's value: a code of the column's
 * encoding (loaded before the steps). */
static int most_frequent_code_ok(const genre_dataset_prep *p, uint32_t col, double v)
{
    for (size_t i = 0; i < p->n_enc; i++)
        if (p->enc[i].col == (int32_t)col)
            return v >= 0 && v < (double)p->enc[i].names.n && v == (double)(int64_t)v;
    return 0;
}

static genre_status read_step(const genre__mf_reader *r, genre_dataset_prep *p, size_t i)
{
    struct genre__prep_step *t = &p->steps[i];
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
    uint32_t max_kind = r->kind_version >= 2 ? GENRE__STEP_MOST_FREQUENT : GENRE__STEP_MODEL;
    int categorical_ok = kind == GENRE__STEP_MOST_FREQUENT && col < s->n_cols &&
                         s->cols[col].role == GENRE_COL_CATEGORICAL &&
                         most_frequent_code_ok(p, col, t->value);
    if (kind < GENRE__STEP_GROUP_MEDIAN || kind > max_kind || col >= s->n_cols ||
        (s->cols[col].role != GENRE_COL_NUMERIC && !categorical_ok) ||
        (kind == GENRE__STEP_MODEL) != (n_feat > 0) ||
        n_feat > s->n_cols || (kind == GENRE__STEP_GROUP_MEDIAN && s->group_col < 0) ||
        (kind != GENRE__STEP_MODEL && !isfinite(t->value)))
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
        if (r->kind_version >= 2 && genre__mf_has(r, T_STEP(i, 7))) {
            if ((st = genre__mf_expect_count(r, r->func, T_STEP(i, 7), GENRE__MF_F64_ARRAY,
                                              "feature fill values", n_feat)) !=
                GENRE_OK)
                return st;
            if (!(t->feature_fill = genre__alloc_array(n_feat, sizeof *t->feature_fill)))
                return GENRE_E_NOMEM;
            if ((st = genre__mf_get_f64_array(r, T_STEP(i, 7), t->feature_fill, n_feat)) !=
                GENRE_OK)
                return st;
            for (size_t k = 0; k < n_feat; k++)
                if (!isfinite(t->feature_fill[k]))
                    return genre__fail(GENRE_E_CORRUPT, r->func,
                                       "step %zu: non-finite feature fill value", i);
            t->fill_features = 1;
        }
    }
    if ((st = get_dict(r, T_STEP(i, 4), &t->groups, "group names")) != GENRE_OK)
        return st;
    if ((st = genre__mf_get_count(r, T_STEP(i, 6), GENRE__MF_F64_ARRAY, &n_med)) != GENRE_OK)
        return st;
    if (n_med != t->groups.n || (kind != GENRE__STEP_GROUP_MEDIAN && n_med != 0))
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
        p->n_steps = p->cap_steps = n_steps;
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

genre_status genre_dataset_prep_load_from_memory(genre_dataset_prep **out, const void *buf,
                                                 size_t len)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    return GENRE_PASS(load_prep(out, buf, len, __func__));
}

genre_status genre_dataset_prep_load(genre_dataset_prep **out, const char *path)
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
