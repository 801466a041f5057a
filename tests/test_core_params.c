/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The parameter-table module (lib/common/params.h) on a table made for the
 * test: each answer and each failure of the shared setters, getters, bounds,
 * values and reset; slot types; the table self-check; the hooks. */
#include "harness.h"
#include "params.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct toy_params {
    double rate, tail;
    int64_t epochs;
    int32_t mode;
    int flag;
    size_t width;
    uint64_t seed;
} toy_params;

enum { K_RATE = 1, K_TAIL, K_EPOCHS, K_MODE, K_FLAG, K_WIDTH, K_SEED, K_FITTED = 100, K_SCORE };

static const int64_t MODES[] = {64, 32, 7};

static const genre__param TOY[] = {
    GENRE__F64(K_RATE, toy_params, rate, 0.5, 0.0, 1.0, 1, 0, "0.1"),
    GENRE__F64_INF(K_TAIL, toy_params, tail, HUGE_VAL, 1.0, HUGE_VAL, "0.2"),
    GENRE__I64(K_EPOCHS, GENRE__SLOT_I64, toy_params, epochs, 10, 1, 1000, "0.1"),
    GENRE__ENUM(K_MODE, GENRE__SLOT_I32, toy_params, mode, 64, MODES, "0.3"),
    GENRE__I64(K_FLAG, GENRE__SLOT_INT, toy_params, flag, 1, 0, 1, "0.1"),
    GENRE__I64(K_WIDTH, GENRE__SLOT_SIZE, toy_params, width, 3, 1, 1 << 20, "0.1"),
    GENRE__I64(K_SEED, GENRE__SLOT_U64, toy_params, seed, 0, INT64_MIN, INT64_MAX, "0.1"),
    GENRE__RO_I64(K_FITTED, "0.1"),
    GENRE__RO_F64(K_SCORE, "0.1"),
};

typedef struct toy {
    toy_params p;
    int fitted;
} toy;

static genre_status toy_read_only(const void *handle, const char *func, int32_t key,
                                  int64_t *i_out, double *f_out)
{
    const toy *t = handle;
    if (key == K_FITTED) {
        *i_out = t->fitted;
        return GENRE_OK;
    }
    if (!t->fitted)
        return genre__fail(GENRE_E_BAD_STATE, func, "K_SCORE needs a fit");
    *f_out = 0.25;
    return GENRE_OK;
}

static const genre__param_table TABLE = {"toy", TOY, sizeof TOY / sizeof TOY[0], toy_read_only};

static void reset(toy *t)
{
    memset(t, 0xAB, sizeof *t);
    genre__params_reset(&TABLE, &t->p);
    t->fitted = 0;
}

START_TEST(reset_writes_every_default)
{
    toy t;
    reset(&t);
    ck_assert(t.p.rate == 0.5 && isinf(t.p.tail) && t.p.epochs == 10 && t.p.mode == 64 &&
              t.p.flag == 1 && t.p.width == 3 && t.p.seed == 0);
    ck_assert_ptr_null(genre__params_check_table(&TABLE));
}
END_TEST

START_TEST(set_and_get_each_slot)
{
    toy t;
    reset(&t);
    ck_assert_ok(genre__params_set_f64(&TABLE, &t.p, "f", K_RATE, 1.0));
    ck_assert_ok(genre__params_set_i64(&TABLE, &t.p, "f", K_MODE, 7));
    ck_assert_ok(genre__params_set_i64(&TABLE, &t.p, "f", K_WIDTH, 1 << 20));
    ck_assert_ok(genre__params_set_i64(&TABLE, &t.p, "f", K_SEED, -1));
    ck_assert_ok(genre__params_set_i64(&TABLE, &t.p, "f", K_FLAG, 0));
    ck_assert(t.p.rate == 1.0 && t.p.mode == 7 && t.p.width == (size_t)1 << 20 &&
              t.p.seed == UINT64_MAX && t.p.flag == 0);
    int64_t v;
    double f;
    ck_assert_ok(genre__params_get_i64(&TABLE, &t.p, &t, "f", K_SEED, &v));
    ck_assert_int_eq(v, -1); /* the bits the caller set, back */
    ck_assert_ok(genre__params_get_i64(&TABLE, &t.p, &t, "f", K_WIDTH, &v));
    ck_assert_int_eq(v, 1 << 20);
    ck_assert_ok(genre__params_get_f64(&TABLE, &t.p, &t, "f", K_RATE, &f));
    ck_assert(f == 1.0);
}
END_TEST

START_TEST(values_outside_are_refused_not_clamped)
{
    toy t;
    reset(&t);
    ck_assert_status(genre__params_set_f64(&TABLE, &t.p, "genre_toy_set_f64", K_RATE, 0.0),
                     GENRE_E_INVALID_ARG); /* open at 0 */
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_toy_set_f64: K_RATE = 0"));
    ck_assert_status(genre__params_set_f64(&TABLE, &t.p, "f", K_RATE, NAN), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__params_set_f64(&TABLE, &t.p, "f", K_RATE, 1.5), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__params_set_f64(&TABLE, &t.p, "f", K_TAIL, NAN), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre__params_set_f64(&TABLE, &t.p, "f", K_TAIL, HUGE_VAL));
    ck_assert_status(genre__params_set_i64(&TABLE, &t.p, "f", K_EPOCHS, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__params_set_i64(&TABLE, &t.p, "f", K_MODE, 48), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "accepted values: 64, 32, 7"));
    ck_assert(t.p.rate == 0.5 && t.p.epochs == 10 && t.p.mode == 64); /* untouched */
}
END_TEST

START_TEST(unknown_wrong_type_and_read_only_keys)
{
    toy t;
    reset(&t);
    int64_t v;
    double f, lo, hi;
    ck_assert_status(genre__params_set_i64(&TABLE, &t.p, "f", 55, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "no toy parameter has key 55"));
    ck_assert_status(genre__params_get_f64(&TABLE, &t.p, &t, "f", 55, &f), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre__params_set_i64(&TABLE, &t.p, "genre_toy_set_i64", K_RATE, 1),
                     GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(),
                                 "K_RATE is not an i64 key (it is f64: use genre_toy_set_f64)"));
    ck_assert_status(genre__params_get_f64(&TABLE, &t.p, &t, "f", K_EPOCHS, &f),
                     GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre__params_set_i64(&TABLE, &t.p, "genre_toy_set_i64", K_FITTED, 1),
                     GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(
        strstr(genre_last_error(), "K_FITTED is read-only (genre_toy_get_i64 reads it)"));
    ck_assert_status(genre__params_bounds(&TABLE, "f", K_FITTED, &lo, &hi), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre__params_bounds(&TABLE, "f", 55, &lo, &hi), GENRE_E_UNKNOWN_PARAM);
    /* read-only values come from the kind's reader */
    ck_assert_ok(genre__params_get_i64(&TABLE, &t.p, &t, "f", K_FITTED, &v));
    ck_assert_int_eq(v, 0);
    ck_assert_status(genre__params_get_f64(&TABLE, &t.p, &t, "f", K_SCORE, &f),
                     GENRE_E_BAD_STATE);
    t.fitted = 1;
    ck_assert_ok(genre__params_get_f64(&TABLE, &t.p, &t, "f", K_SCORE, &f));
    ck_assert(f == 0.25);
}
END_TEST

START_TEST(bounds_and_values)
{
    double lo, hi;
    ck_assert_ok(genre__params_bounds(&TABLE, "f", K_RATE, &lo, &hi));
    ck_assert(lo > 0.0 && lo == nextafter(0.0, 1.0) && hi == 1.0); /* open end: inside value */
    ck_assert_ok(genre__params_bounds(&TABLE, "f", K_MODE, &lo, &hi));
    ck_assert(lo == 7.0 && hi == 64.0);
    ck_assert_ok(genre__params_bounds(&TABLE, "f", K_EPOCHS, &lo, &hi));
    ck_assert(lo == 1.0 && hi == 1000.0);

    int64_t vals[3];
    size_t n = 99;
    ck_assert_status(genre__params_values(&TABLE, "f", K_MODE, NULL, 0, &n),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(n, 3); /* the size query */
    ck_assert_status(genre__params_values(&TABLE, "f", K_MODE, vals, 2, &n),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_ok(genre__params_values(&TABLE, "f", K_MODE, vals, 3, &n));
    ck_assert(n == 3 && vals[0] == 7 && vals[1] == 32 && vals[2] == 64); /* ascending */
    ck_assert_ok(genre__params_values(&TABLE, "f", K_EPOCHS, vals, 3, &n));
    ck_assert_uint_eq(n, 0); /* a range, not a list */
    ck_assert_status(genre__params_values(&TABLE, "f", K_SCORE, vals, 3, &n),
                     GENRE_E_UNKNOWN_PARAM);
}
END_TEST

START_TEST(check_table_finds_bad_tables)
{
    const genre__param dup[] = {
        GENRE__I64(K_EPOCHS, GENRE__SLOT_I64, toy_params, epochs, 10, 1, 1000, "0.1"),
        GENRE__I64(K_EPOCHS, GENRE__SLOT_I64, toy_params, epochs, 10, 1, 1000, "0.1"),
    };
    const genre__param narrow[] = {
        GENRE__I64(K_MODE, GENRE__SLOT_I32, toy_params, mode, 0, 0, INT64_MAX, "0.1"),
    };
    const genre__param negsize[] = {
        GENRE__I64(K_WIDTH, GENRE__SLOT_SIZE, toy_params, width, 0, -1, 5, "0.1"),
    };
    const genre__param baddef[] = {
        GENRE__F64(K_RATE, toy_params, rate, 0.0, 0.0, 1.0, 1, 0, "0.1"),
    };
    const genre__param ro[] = {GENRE__RO_I64(K_FITTED, "0.1")};
    const struct {
        const genre__param *p;
        size_t n;
        const char *want;
    } cases[] = {{dup, 2, "share key"},     {narrow, 1, "does not fit"},
                 {negsize, 1, "does not fit"}, {baddef, 1, "outside its range"},
                 {ro, 1, "no reader"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        genre__param_table t = {"bad", cases[i].p, cases[i].n, NULL};
        const char *why = genre__params_check_table(&t);
        ck_assert_msg(why && strstr(why, cases[i].want), "case %zu: %s", i, why ? why : "(ok)");
    }
}
END_TEST

START_TEST(u32_slot)
{
    typedef struct {
        uint32_t hash_seed;
    } u32_params;
    const genre__param ok[] = {GENRE__I64(K_SEED, GENRE__SLOT_U32, u32_params, hash_seed, 7, 0,
                                          (int64_t)UINT32_MAX, "0.1")};
    const genre__param wide[] = {GENRE__I64(K_SEED, GENRE__SLOT_U32, u32_params, hash_seed, 7,
                                            0, (int64_t)UINT32_MAX + 1, "0.1")};
    genre__param_table t = {"u32", ok, 1, NULL};
    ck_assert_ptr_null(genre__params_check_table(&t));
    u32_params p = {0};
    genre__params_reset(&t, &p);
    ck_assert_uint_eq(p.hash_seed, 7);
    ck_assert_ok(genre__params_set_i64(&t, &p, "f", K_SEED, (int64_t)UINT32_MAX));
    int64_t v;
    ck_assert_ok(genre__params_get_i64(&t, &p, NULL, "f", K_SEED, &v));
    ck_assert(p.hash_seed == UINT32_MAX && v == (int64_t)UINT32_MAX);
    genre__param_table w = {"u32", wide, 1, NULL};
    ck_assert_ptr_nonnull(genre__params_check_table(&w)); /* 2^32 does not fit */
}
END_TEST

static int32_t seen_level;
static char seen_msg[64];
static void on_log(void *ud, int32_t level, const char *msg)
{
    (void)ud;
    seen_level = level;
    snprintf(seen_msg, sizeof seen_msg, "%s", msg);
}
static int32_t on_progress(void *ud, int32_t phase, int64_t step, int64_t total, double obj)
{
    (void)phase, (void)total, (void)obj;
    return step >= *(int64_t *)ud ? 5 : 0;
}

START_TEST(hooks)
{
    genre__hooks none = {0};
    genre__log(&none, GENRE_LOG_INFO, "dropped %d", 1); /* silent */
    ck_assert_int_eq(genre__progress(&none, 1, 1, 2, 0.0), 0);
    int64_t stop_at = 3;
    genre__hooks h = {.log = on_log, .progress = on_progress, .progress_data = &stop_at};
    genre__log(&h, GENRE_LOG_WARNING, "k = %d", 4);
    ck_assert_int_eq(seen_level, GENRE_LOG_WARNING);
    ck_assert_str_eq(seen_msg, "k = 4");
    ck_assert_int_eq(genre__progress(&h, 1, 2, 9, 0.0), 0);
    ck_assert_int_eq(genre__progress(&h, 1, 3, 9, 0.0), 1); /* any non-zero cancels */
}
END_TEST

static int32_t on_reduce(void *user_data, int32_t what, int64_t step, double *buf, size_t len)
{
    (void)what;
    (void)step;
    for (size_t i = 0; i < len; i++)
        buf[i] *= 2.0; /* as if a second process had the same values */
    return *(int32_t *)user_data;
}

/* The reduction hook's return values: 0 goes on, a GENRE_E_* status is
 * passed through, anything else cancels; the message names call, hook, step. */
START_TEST(reduce_hook)
{
    double buf[2] = {1.0, 3.0};
    genre__hooks none = {0};
    ck_assert_int_eq(genre__reduce(&none, "f", "the hook", 1, 1, buf, 2), GENRE_OK);
    ck_assert_double_eq(buf[1], 3.0);
    int32_t rc = 0;
    genre__hooks h = {.reduce = on_reduce, .reduce_data = &rc};
    ck_assert_int_eq(genre__reduce(&h, "f", "the hook", 1, 1, buf, 2), GENRE_OK);
    ck_assert_double_eq(buf[1], 6.0);
    const struct {
        int32_t rc;
        genre_status want;
    } cases[] = {{1, GENRE_E_CANCELLED},
                 {-999, GENRE_E_CANCELLED},
                 {GENRE_E_IO, GENRE_E_IO},
                 {GENRE_E_NOMEM, GENRE_E_NOMEM}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rc = cases[i].rc;
        ck_assert_int_eq(genre__reduce(&h, "genre_x_fit", "the x reducer", 1, 42, buf, 2),
                         cases[i].want);
        ck_assert_int_eq(genre_last_status(), cases[i].want);
        const char *m = genre_last_error();
        ck_assert_msg(strstr(m, "genre_x_fit") && strstr(m, "the x reducer") &&
                          strstr(m, "step 42"),
                      "%s", m);
    }
}
END_TEST

/* ---- The tables of the handle kinds ------------------------------------------ */

/* A kind's table is sound, every entry is named after its public macro (a
 * wrapper macro would expand the key before GENRE__F64 names it), keys below
 * 100 are settable and from 100 read-only (docs/api-conventions.md), and
 * each type's keys are in since-version order (appended only). */
static long version_of(const char *v)
{
    unsigned major = 0, minor = 0;
    ck_assert_int_eq(sscanf(v, "%u.%u", &major, &minor), 2);
    return (long)major * 1000 + (long)minor;
}

static void check_kind(const genre__param_table *t, const char *prefix)
{
    const char *why = genre__params_check_table(t);
    ck_assert_msg(why == NULL, "%s: %s", t->kind, why ? why : "");
    const char *last[2] = {"0.0", "0.0"};
    for (size_t i = 0; i < t->n_params; i++) {
        const genre__param *p = &t->params[i];
        ck_assert_msg(strncmp(p->name, prefix, strlen(prefix)) == 0, "%s: entry %zu is named %s",
                      t->kind, i, p->name);
        ck_assert_msg((p->key < 100) == (p->slot != GENRE__SLOT_NONE), "%s: %s", t->kind,
                      p->name);
        if (p->slot == GENRE__SLOT_NONE)
            continue;
        ck_assert_msg(version_of(p->since) >= version_of(last[p->type]),
                      "%s: %s (%s) after a %s key", t->kind, p->name, p->since, last[p->type]);
        last[p->type] = p->since;
    }
}

START_TEST(mlp_table) { check_kind(&genre__mlp_param_table, "GENRE_MLP_"); }
END_TEST
START_TEST(kmeans_table) { check_kind(&genre__kmeans_param_table, "GENRE_KMEANS_"); }
END_TEST
START_TEST(tsne_table) { check_kind(&genre__tsne_param_table, "GENRE_TSNE_"); }
END_TEST
START_TEST(scaler_table) { check_kind(&genre__scaler_param_table, "GENRE_SCALER_"); }
END_TEST
START_TEST(pca_table) { check_kind(&genre__pca_param_table, "GENRE_PCA_"); }
END_TEST
START_TEST(lda_table) { check_kind(&genre__lda_param_table, "GENRE_LDA_"); }
END_TEST
START_TEST(text_table) { check_kind(&genre__text_param_table, "GENRE_TEXT_"); }
END_TEST
START_TEST(dataset_schema_table) { check_kind(&genre__dataset_schema_param_table, "GENRE_SCHEMA_"); }
END_TEST
START_TEST(dataset_prep_table)
{
    check_kind(&genre__dataset_prep_param_table, "GENRE_");
    ck_assert_uint_eq(genre__dataset_prep_param_table.n_params, 0); /* no key yet */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_params");
    TCase *tc = tcase_create("params");
    tcase_add_test(tc, reset_writes_every_default);
    tcase_add_test(tc, set_and_get_each_slot);
    tcase_add_test(tc, values_outside_are_refused_not_clamped);
    tcase_add_test(tc, unknown_wrong_type_and_read_only_keys);
    tcase_add_test(tc, bounds_and_values);
    tcase_add_test(tc, check_table_finds_bad_tables);
    tcase_add_test(tc, hooks);
    tcase_add_test(tc, reduce_hook);
    tcase_add_test(tc, u32_slot);
    suite_add_tcase(s, tc);
    TCase *kinds = tcase_create("the tables of the handle kinds");
    tcase_add_test(kinds, mlp_table);
    tcase_add_test(kinds, kmeans_table);
    tcase_add_test(kinds, tsne_table);
    tcase_add_test(kinds, scaler_table);
    tcase_add_test(kinds, pca_table);
    tcase_add_test(kinds, lda_table);
    tcase_add_test(kinds, text_table);
    tcase_add_test(kinds, dataset_schema_table);
    tcase_add_test(kinds, dataset_prep_table);
    suite_add_tcase(s, kinds);
    return genre_test_run(s);
}
