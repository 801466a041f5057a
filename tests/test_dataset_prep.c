/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Cleaning, encoding, imputation, splits, leakage and export on small tables. */
#include "harness.h"

#include "alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static genre_dataset_schema *schema_gxcy(void)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "g", GENRE_COL_GROUP));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "z", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "c", GENRE_COL_CATEGORICAL));
    ck_assert_ok(genre_dataset_schema_add_column(s, "y", GENRE_COL_LABEL));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, NULL, ""));
    ck_assert_ok(genre_dataset_schema_add_missing_value(s, "x", -1));
    ck_assert_ok(genre_dataset_schema_set_no_group(s, "none"));
    return s;
}

static genre_dataset *read_csv(const genre_dataset_schema *s, const char *csv)
{
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), "p.csv"));
    return ds;
}

static int64_t counter(const genre_dataset *ds, const char *step, const char *col,
                       const char *name)
{
    int64_t v = -1;
    ck_assert_ok(genre_dataset_report_value(ds, step, col, name, &v));
    return v;
}

static void column(const genre_dataset *ds, const char *name, double *out, size_t n)
{
    const char *cols[] = {name};
    ck_assert_ok(genre_dataset_export_matrix(ds, cols, 1, out, n, NULL));
}

/* a: 10, 20, missing -> 15 (even count); b: 1, 2, 9, missing -> 2 (odd);
 * c: only missing -> global; none: missing -> global (not a group).
 * Global median of 10, 20, 1, 2, 9, 5 = (5 + 9) / 2 = 7. */
static const char *const GM_CSV = "g,x,z,c,y\n"
                                  "a,10,0,u,P\n"
                                  "a,20,0,u,P\n"
                                  "a,-1,0,u,P\n"
                                  "b,1,0,v,Q\n"
                                  "b,9,0,v,Q\n"
                                  "b,2,0,v,Q\n"
                                  "b,,0,v,Q\n"
                                  "c,-1,0,u,P\n"
                                  "none,5,0,u,Q\n"
                                  "none,-1,0,u,Q\n";

START_TEST(group_median_with_global_fallback)
{
    genre_dataset_schema *s = schema_gxcy();
    genre_dataset *ds = read_csv(s, GM_CSV);
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_group_median(p, "x"));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    double x[10];
    column(ds, "x", x, 10);
    ck_assert(x[2] == 15.0);
    ck_assert(x[6] == 2.0);
    ck_assert(x[7] == 7.0);
    ck_assert(x[9] == 7.0);
    ck_assert_int_eq(counter(ds, "group_median", "x", "from_group"), 2);
    ck_assert_int_eq(counter(ds, "group_median", "x", "from_global"), 2);
    int64_t groups[10];
    ck_assert_ok(genre_dataset_export_groups(ds, groups, 10, NULL));
    ck_assert_int_eq(groups[0], 0);
    ck_assert_int_eq(groups[2], 0);
    ck_assert_int_eq(groups[3], 1);
    ck_assert_int_eq(groups[7], 2);
    ck_assert_int_eq(groups[8], 3); /* "none" rows are singletons */
    ck_assert_int_eq(groups[9], 4);
    /* Fitting twice or adding steps after the fit is refused. */
    ck_assert_status(genre_dataset_prep_fit_apply(p, ds), GENRE_E_BAD_STATE);
    ck_assert_status(genre_dataset_prep_add_impute(p, "x", GENRE_IMPUTE_MEAN), GENRE_E_BAD_STATE);
    ck_assert_status(genre_dataset_prep_apply(p, ds), GENRE_E_BAD_STATE); /* already applied */
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

/* The contract every handle kind answers, on a kind without keys. */
START_TEST(prep_parameters_one_mechanism)
{
    genre_dataset_schema *s = schema_gxcy();
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    int64_t v;
    double f, lo, hi;
    size_t n = 9;
    ck_assert_status(genre_dataset_prep_set_i64(p, 1, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_dataset_prep_set_i64: no dataset prep "
                                                     "parameter has key 1"));
    ck_assert_status(genre_dataset_prep_set_f64(p, 1, 1.0), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_dataset_prep_get_i64(p, 100, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_dataset_prep_get_f64(p, 0, &f), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_dataset_prep_param_bounds(1, &lo, &hi), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_dataset_prep_param_values(1, NULL, 0, &n), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ok(genre_dataset_prep_reset_params(p));
    ck_assert_status(genre_dataset_prep_set_i64(NULL, 1, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_prep_get_f64(p, 1, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_prep_param_bounds(1, NULL, &hi), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_prep_param_values(1, NULL, 0, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_prep_reset_params(NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_prep_set_log(NULL, NULL, NULL), GENRE_E_INVALID_ARG);
    genre_dataset_prep_free(p);
    genre_dataset_schema_free(s);
}
END_TEST

typedef struct log_seen {
    int count;
    char msg[4][512];
    int all_info;
} log_seen;

static void on_log(void *ud, int32_t level, const char *msg)
{
    log_seen *seen = ud;
    if (seen->count < 4)
        snprintf(seen->msg[seen->count], sizeof seen->msg[0], "%s", msg);
    seen->count++;
    seen->all_info &= level == GENRE_LOG_INFO;
}

START_TEST(prep_log_says_what_each_step_imputed)
{
    genre_dataset_schema *s = schema_gxcy();
    genre_dataset *ds = read_csv(s, GM_CSV);
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_group_median(p, "x"));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "z", GENRE_IMPUTE_MEAN));
    log_seen seen = {.all_info = 1};
    ck_assert_ok(genre_dataset_prep_set_log(p, on_log, &seen));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    ck_assert_int_eq(seen.count, 2);
    ck_assert(seen.all_info);
    ck_assert_str_eq(seen.msg[0], "column 'x': 2 missing cells imputed with their group's "
                                  "median and 2 with the global median 7 (group_median)");
    ck_assert_str_eq(seen.msg[1], "column 'z': 0 missing cells imputed with the mean of the "
                                  "fit rows, 0 (impute_mean)");
    genre_dataset *other = read_csv(s, "g,x,z,c,y\nb,-1,,u,P\nq,3,4,v,Q\n");
    ck_assert_ok(genre_dataset_prep_apply(p, other));
    ck_assert_int_eq(seen.count, 4);
    ck_assert_str_eq(seen.msg[2], "column 'x': 1 missing cells imputed with their group's "
                                  "median and 0 with the global median 7 (group_median)");
    ck_assert_str_eq(seen.msg[3], "column 'z': 1 missing cells imputed with the mean of the "
                                  "fit rows, 0 (impute_mean)");
    genre_dataset_free(other);
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(statistics_come_from_the_fit_rows_only)
{
    genre_dataset_schema *s = schema_gxcy();
    genre_dataset *train = read_csv(s, "g,x,z,c,y\na,1,1,u,P\nb,3,1,u,P\nc,100,,u,P\n");
    genre_dataset *test = read_csv(s, "g,x,z,c,y\na,-1,,u,P\nd,-1,7,u,P\nc,1000,1,u,P\n");
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_group_median(p, "x"));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "z", GENRE_IMPUTE_MEAN));
    ck_assert_status(genre_dataset_prep_apply(p, test), GENRE_E_BAD_STATE); /* not fitted */
    ck_assert_ok(genre_dataset_prep_fit_apply(p, train));
    ck_assert_ok(genre_dataset_prep_apply(p, test));
    double x[3], z[3];
    column(test, "x", x, 3);
    column(test, "z", z, 3);
    ck_assert(x[0] == 1.0);   /* group a of the training rows */
    ck_assert(x[1] == 3.0);   /* unseen group: training median of 1, 3, 100 */
    ck_assert(z[0] == 1.0);   /* training mean of z (1, 1), not the test's */
    column(train, "z", z, 3);
    ck_assert(z[2] == 1.0);
    ck_assert_int_eq(counter(test, "group_median", "x", "from_group"), 1);
    ck_assert_int_eq(counter(test, "group_median", "x", "from_global"), 1);
    ck_assert_int_eq(counter(test, "impute_mean", "z", "imputed"), 1);
    genre_dataset_prep_free(p);
    genre_dataset_free(train);
    genre_dataset_free(test);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(median_matches_a_sort_on_random_data)
{
    genre_dataset_schema *s = schema_gxcy();
    srand(12345);
    for (int round = 0; round < 20; round++) {
        int n = 1 + rand() % 60;
        char *csv = malloc((size_t)n * 64 + 32);
        double *vals = malloc((size_t)n * sizeof *vals);
        size_t len = (size_t)sprintf(csv, "g,x,z,c,y\n");
        for (int i = 0; i < n; i++) {
            vals[i] = (double)(rand() % 7) - 3.0 + (rand() % 2 ? 0.5 : 0.0); /* ties */
            if (vals[i] == -1.0)
                vals[i] = -2.0;
            len += (size_t)sprintf(csv + len, "none,%g,0,u,P\n", vals[i]);
        }
        len += (size_t)sprintf(csv + len, "none,-1,0,u,P\n");
        genre_dataset *ds = read_csv(s, csv);
        genre_dataset_prep *p = NULL;
        ck_assert_ok(genre_dataset_prep_create(&p, s));
        ck_assert_ok(genre_dataset_prep_add_impute(p, "x", GENRE_IMPUTE_MEDIAN));
        ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
        double *x = malloc(((size_t)n + 1) * sizeof *x);
        column(ds, "x", x, (size_t)n + 1);
        for (int i = 1; i < n; i++) /* insertion sort of the reference */
            for (int j = i; j > 0 && vals[j - 1] > vals[j]; j--) {
                double t = vals[j];
                vals[j] = vals[j - 1];
                vals[j - 1] = t;
            }
        double want = n % 2 ? vals[n / 2] : (vals[n / 2 - 1] + vals[n / 2]) / 2;
        ck_assert_msg(x[n] == want, "n=%d: median %g, want %g", n, x[n], want);
        free(x);
        free(vals);
        free(csv);
        genre_dataset_prep_free(p);
        genre_dataset_free(ds);
    }
    genre_dataset_schema_free(s);
}
END_TEST

struct linear_model {
    double w[2];
    size_t fit_rows, predict_rows;
    genre_status fail_with;
    int nonfinite;
};

/* Fits y = w0 * z + w1 * c exactly from the first two rows (the test data
 * is exactly linear). */
static genre_status fit_linear(void *ud, const double *x, size_t n, size_t d, const double *y)
{
    struct linear_model *m = ud;
    ck_assert_uint_eq(d, 2);
    m->fit_rows = n;
    if (m->fail_with)
        return m->fail_with;
    double det = x[0] * x[3] - x[1] * x[2];
    m->w[0] = (y[0] * x[3] - x[1] * y[1]) / det;
    m->w[1] = (x[0] * y[1] - y[0] * x[2]) / det;
    return GENRE_OK;
}

static genre_status predict_linear(void *ud, const double *x, size_t n, size_t d, double *y)
{
    struct linear_model *m = ud;
    m->predict_rows = n;
    for (size_t i = 0; i < n; i++)
        y[i] = m->nonfinite ? NAN : m->w[0] * x[i * d] + m->w[1] * x[i * d + 1];
    return GENRE_OK;
}

START_TEST(model_imputation_through_callbacks)
{
    genre_dataset_schema *s = schema_gxcy();
    const char *order[] = {"u", "v"};
    ck_assert_ok(genre_dataset_schema_set_category_order(s, "c", order, 2));
    /* x = 2 z + 3 code(c) */
    const char *csv = "g,x,z,c,y\na,2,1,u,P\nb,7,2,v,Q\nc,-1,4,v,P\nd,9,3,v,Q\ne,,5,u,P\n";
    const char *features[] = {"z", "c"};
    struct linear_model m;
    memset(&m, 0, sizeof m);
    genre_dataset *ds = read_csv(s, csv);
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    const char *bad[] = {"x"};
    ck_assert_status(genre_dataset_prep_add_model_impute(p, "x", bad, 1, fit_linear,
                                                         predict_linear, &m),
                     GENRE_E_INVALID_ARG);
    const char *absent[] = {"w"};
    ck_assert_status(genre_dataset_prep_add_model_impute(p, "x", absent, 1, fit_linear,
                                                         predict_linear, &m),
                     GENRE_E_MISSING_COLUMN);
    ck_assert_ok(genre_dataset_prep_add_model_impute(p, "x", features, 2, fit_linear,
                                                     predict_linear, &m));
    log_seen seen = {.all_info = 1};
    ck_assert_ok(genre_dataset_prep_set_log(p, on_log, &seen));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    ck_assert_int_eq(seen.count, 1);
    ck_assert(seen.all_info);
    ck_assert_str_eq(seen.msg[0], "column 'x': 2 missing cells imputed by the caller's model "
                                  "(impute_model)");
    ck_assert_uint_eq(m.fit_rows, 3);
    ck_assert_uint_eq(m.predict_rows, 2);
    double x[5];
    column(ds, "x", x, 5);
    ck_assert(fabs(x[2] - 11.0) < 1e-12);
    ck_assert(fabs(x[4] - 10.0) < 1e-12);
    ck_assert_int_eq(counter(ds, "impute_model", "x", "imputed"), 2);
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);

    /* A callback's failure is returned; the prep stays unfitted. */
    m.fail_with = GENRE_E_NUMERIC;
    ds = read_csv(s, csv);
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_model_impute(p, "x", features, 2, fit_linear,
                                                     predict_linear, &m));
    ck_assert_status(genre_dataset_prep_fit_apply(p, ds), GENRE_E_NUMERIC);
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);

    /* Non-finite predictions are refused. */
    m.fail_with = GENRE_OK;
    m.nonfinite = 1;
    ds = read_csv(s, csv);
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_model_impute(p, "x", features, 2, fit_linear,
                                                     predict_linear, &m));
    ck_assert_status(genre_dataset_prep_fit_apply(p, ds), GENRE_E_NONFINITE);
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);

    /* A missing feature is named. */
    m.nonfinite = 0;
    ds = read_csv(s, "g,x,z,c,y\na,2,1,u,P\nb,7,,v,Q\nc,-1,4,v,P\n");
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_model_impute(p, "x", features, 2, fit_linear,
                                                     predict_linear, &m));
    ck_assert_status(genre_dataset_prep_fit_apply(p, ds), GENRE_E_MISSING_VALUE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "'z'"));
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(encodings_orders_and_unseen_categories)
{
    genre_dataset_schema *s = schema_gxcy();
    const char *csv = "g,x,z,c,y\na,1,1,beta,Q\na,1,1,alpha,P\na,1,1,Beta,R\n";
    genre_dataset *ds = read_csv(s, csv);
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    const char *cols[] = {"c", "y"};
    double m[6];
    ck_assert_status(genre_dataset_export_matrix(ds, cols, 2, m, 6, NULL), GENRE_E_BAD_STATE);
    ck_assert_status(genre_dataset_export_labels(ds, NULL, 0, NULL), GENRE_E_BAD_STATE);
    ck_assert_status(genre_dataset_prep_category_count(p, "c", &(int32_t){0}), GENRE_E_BAD_STATE);
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    /* Byte order: "Beta" < "alpha" < "beta". */
    ck_assert_ok(genre_dataset_export_matrix(ds, cols, 2, m, 6, NULL));
    ck_assert(m[0] == 2 && m[2] == 1 && m[4] == 0);
    ck_assert(m[1] == 1 && m[3] == 0 && m[5] == 2);
    int32_t labels[3];
    ck_assert_ok(genre_dataset_export_labels(ds, labels, 3, NULL));
    ck_assert_int_eq(labels[0], 1);
    int32_t n = 0;
    ck_assert_ok(genre_dataset_prep_category_count(p, "c", &n));
    ck_assert_int_eq(n, 3);
    char name[8];
    size_t need = 0;
    ck_assert_ok(genre_dataset_prep_category_name(p, "c", 1, NULL, 0, &need));
    ck_assert_uint_eq(need, 6);
    ck_assert_status(genre_dataset_prep_category_name(p, "c", 1, name, 3, NULL),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_ok(genre_dataset_prep_category_name(p, "c", 1, name, sizeof name, NULL));
    ck_assert_str_eq(name, "alpha");
    ck_assert_status(genre_dataset_prep_category_name(p, "c", 3, name, sizeof name, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_prep_category_name(p, "x", 0, name, sizeof name, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_prep_category_name(p, "nope", 0, name, sizeof name, NULL),
                     GENRE_E_MISSING_COLUMN);

    /* A category never seen in the fit rows: an error naming it... */
    genre_dataset *other = read_csv(s, "g,x,z,c,y\na,1,1,gamma,P\n");
    ck_assert_status(genre_dataset_prep_apply(p, other), GENRE_E_UNSEEN_CATEGORY);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "'gamma'"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "column 'c'"));
    genre_dataset_free(other);
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);

    /* ...or, by policy, the reserved code -1, counted. */
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_UNSEEN_CATEGORY,
                                              GENRE_UNSEEN_RESERVED_CODE));
    const char *order[] = {"alpha", "beta"};
    ck_assert_ok(genre_dataset_schema_set_category_order(s, "c", order, 2));
    ds = read_csv(s, csv);
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    ck_assert_ok(genre_dataset_export_matrix(ds, cols, 2, m, 6, NULL));
    ck_assert(m[0] == 1 && m[2] == 0 && m[4] == -1);
    ck_assert_int_eq(counter(ds, "encode", "c", "unseen"), 1);
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(prep_refuses_blank_rows_and_other_schemas)
{
    genre_dataset_schema *s = schema_gxcy();
    genre_dataset *ds = read_csv(s, "g,x,z,c,y\na,1,1,u,P\n,,,,\n");
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_status(genre_dataset_prep_fit_apply(p, ds), GENRE_E_BAD_STATE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "p.csv:3 is an empty record"));
    ck_assert_ok(genre_dataset_drop_empty_rows(ds));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    genre_dataset_schema *s2 = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s2));
    ck_assert_ok(genre_dataset_schema_add_column(s2, "g", GENRE_COL_TEXT));
    genre_dataset *ds2 = read_csv(s2, "g\nq\n");
    ck_assert_status(genre_dataset_prep_apply(p, ds2), GENRE_E_SHAPE);
    ck_assert_status(genre_dataset_prep_add_group_median(p, "x"), GENRE_E_BAD_STATE);
    genre_dataset_prep *p2 = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p2, s2));
    ck_assert_status(genre_dataset_prep_add_group_median(p2, "g"), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_prep_add_impute(p2, "g", 77), GENRE_E_INVALID_ARG);
    genre_dataset_prep_free(p2);
    genre_dataset_free(ds2);
    genre_dataset_schema_free(s2);
    /* A step with no observed value in the fit rows cannot fit. */
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    ds = read_csv(s, "g,x,z,c,y\na,-1,1,u,P\n");
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "x", GENRE_IMPUTE_MEDIAN));
    ck_assert_status(genre_dataset_prep_fit_apply(p, ds), GENRE_E_BAD_STATE);
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

/* 3 classes x 6 rows; groups g0..g5 each span two classes; row 17
 * duplicates row 0's features. */
static char *split_csv(void)
{
    char *csv = malloc(4096);
    size_t n = (size_t)sprintf(csv, "g,x,z,c,y\n");
    for (int r = 0; r < 18; r++)
        n += (size_t)sprintf(csv + n, "g%d,%d,%d,u,L%d\n", r % 6, r == 17 ? 0 : r,
                             r == 17 ? 0 : 2 * r, r % 3);
    return csv;
}

START_TEST(splits_and_leakage)
{
    genre_dataset_schema *s = schema_gxcy();
    char *csv = split_csv();
    genre_dataset *ds = read_csv(s, csv);
    free(csv);
    genre_dataset_split *sp = NULL;
    ck_assert_status(genre_dataset_split_stratified(&sp, ds, 7, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_split_stratified(&sp, ds, -1, 1), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_dataset_split_stratified(&sp, ds, 2, 1));
    int64_t counts[3];
    size_t need = 0;
    ck_assert_status(genre_dataset_split_class_counts(sp, GENRE_SPLIT_TEST, counts, 2, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 3);
    ck_assert_ok(genre_dataset_split_class_counts(sp, GENRE_SPLIT_TEST, counts, 3, NULL));
    ck_assert(counts[0] == 2 && counts[1] == 2 && counts[2] == 2);
    ck_assert_ok(genre_dataset_split_class_counts(sp, GENRE_SPLIT_TRAIN, counts, 3, NULL));
    ck_assert(counts[0] == 4 && counts[1] == 4 && counts[2] == 4);
    int64_t rows[18];
    ck_assert_status(genre_dataset_split_rows(sp, GENRE_SPLIT_TRAIN, rows, 3, NULL),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_status(genre_dataset_split_rows(sp, 5, rows, 18, NULL), GENRE_E_INVALID_ARG);

    genre_dataset *test = NULL;
    ck_assert_ok(genre_dataset_subset(&test, ds, sp, GENRE_SPLIT_TEST));
    int64_t n = 0;
    ck_assert_ok(genre_dataset_get_i64(test, GENRE_DATASET_N_ROWS, &n));
    ck_assert_int_eq(n, 6);
    ck_assert_int_eq(counter(test, "subset", NULL, "rows"), 6);
    ck_assert_int_eq(counter(test, "read", NULL, "rows"), 18);
    genre_dataset_split *wrong = NULL;
    ck_assert_ok(genre_dataset_split_stratified(&wrong, test, 1, 1));
    genre_dataset *x = NULL;
    ck_assert_status(genre_dataset_subset(&x, ds, wrong, GENRE_SPLIT_TEST), GENRE_E_SHAPE);
    ck_assert_status(genre_dataset_leakage(ds, wrong, NULL, NULL, NULL), GENRE_E_SHAPE);
    genre_dataset_split_free(wrong);
    genre_dataset_free(test);

    /* Leakage of the random split: groups span classes, so it shares. */
    int64_t shared = 0, rows_in = 0, dup = 0;
    ck_assert_ok(genre_dataset_leakage(ds, sp, &shared, &rows_in, &dup));
    ck_assert_int_gt(shared, 0);
    ck_assert_int_ge(rows_in, shared);
    ck_assert_int_le(dup, 1);
    genre_dataset_split_free(sp);

    /* Grouped: never a group on both sides, for many seeds. */
    for (uint64_t seed = 0; seed < 20; seed++) {
        ck_assert_ok(genre_dataset_split_grouped(&sp, ds, 2, seed));
        ck_assert_ok(genre_dataset_leakage(ds, sp, &shared, &rows_in, &dup));
        ck_assert_int_eq(shared, 0);
        ck_assert_int_eq(rows_in, 0);
        size_t a = 0, b = 0;
        ck_assert_ok(genre_dataset_split_rows(sp, GENRE_SPLIT_TRAIN, NULL, 0, &a));
        ck_assert_ok(genre_dataset_split_rows(sp, GENRE_SPLIT_TEST, NULL, 0, &b));
        ck_assert_uint_eq(a + b, 18);
        genre_dataset_split_free(sp);
    }
    /* Exact duplicate across sides: find a split where rows 0 and 17 part. */
    int found = 0;
    for (uint64_t seed = 0; seed < 50 && !found; seed++) {
        ck_assert_ok(genre_dataset_split_stratified(&sp, ds, 2, seed));
        ck_assert_ok(genre_dataset_split_rows(sp, GENRE_SPLIT_TEST, rows, 18, NULL));
        int t0 = 0, t17 = 0;
        for (int i = 0; i < 6; i++) {
            t0 |= rows[i] == 0;
            t17 |= rows[i] == 17;
        }
        if (t0 != t17) {
            ck_assert_ok(genre_dataset_leakage(ds, sp, NULL, NULL, &dup));
            ck_assert_int_eq(dup, 1);
            found = 1;
        }
        genre_dataset_split_free(sp);
    }
    ck_assert(found);
    genre_dataset_free(ds);

    /* A row without a label cannot be split. */
    ds = read_csv(s, "g,x,z,c,y\na,1,1,u,P\nb,1,1,u,\n");
    ck_assert_status(genre_dataset_split_stratified(&sp, ds, 0, 1), GENRE_E_BAD_STATE);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(export_shapes_and_errors)
{
    genre_dataset_schema *s = schema_gxcy();
    genre_dataset *ds = read_csv(s, "g,x,z,c,y\na,1,2,u,P\nb,3,,v,Q\n");
    const char *cols[] = {"x", "z"};
    size_t need = 0;
    ck_assert_ok(genre_dataset_export_matrix(ds, cols, 2, NULL, 0, &need));
    ck_assert_uint_eq(need, 4);
    double m[4];
    ck_assert_status(genre_dataset_export_matrix(ds, cols, 2, m, 3, NULL),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_status(genre_dataset_export_matrix(ds, cols, 2, m, 4, NULL), GENRE_E_MISSING_VALUE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "column 'z'"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "p.csv:3: column 'z': value is missing"));
    const char *text[] = {"g"};
    ck_assert_status(genre_dataset_export_matrix(ds, text, 1, m, 4, NULL), GENRE_E_INVALID_ARG);
    const char *absent[] = {"q"};
    ck_assert_status(genre_dataset_export_matrix(ds, absent, 1, m, 4, NULL),
                     GENRE_E_MISSING_COLUMN);
    ck_assert_status(genre_dataset_export_text(ds, "x", NULL, 0, &need, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_dataset_export_text(ds, "y", NULL, 0, &need, NULL));
    ck_assert_uint_eq(need, 4);
    int64_t g[2];
    ck_assert_status(genre_dataset_export_groups(ds, g, 1, NULL), GENRE_E_BUFFER_TOO_SMALL);
    int64_t v;
    ck_assert_status(genre_dataset_get_i64(ds, 99, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ok(genre_dataset_get_i64(ds, GENRE_DATASET_N_COLUMNS, &v));
    ck_assert_int_eq(v, 5);
    ck_assert_ok(genre_dataset_get_i64(ds, GENRE_DATASET_ENCODED, &v));
    ck_assert_int_eq(v, 0);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(save_load_round_trip)
{
    genre_dataset_schema *s = schema_gxcy();
    const char *order[] = {"u", "v"};
    ck_assert_ok(genre_dataset_schema_set_category_order(s, "c", order, 2));
    genre_dataset *train = read_csv(s, GM_CSV);
    const char *test_csv = "g,x,z,c,y\na,-1,,u,P\nb,-1,1,v,Q\nq,-1,1,u,P\n";
    genre_dataset *t1 = read_csv(s, test_csv), *t2 = read_csv(s, test_csv);
    genre_dataset_prep *p = NULL, *q = NULL;
    struct linear_model m;
    memset(&m, 0, sizeof m);
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_status(genre_dataset_prep_save_to_memory(p, NULL, 0, &(size_t){0}),
                     GENRE_E_BAD_STATE);
    ck_assert_ok(genre_dataset_prep_add_group_median(p, "x"));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "z", GENRE_IMPUTE_MEDIAN));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, train));
    size_t need = 0;
    ck_assert_status(genre_dataset_prep_save_to_memory(p, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *buf = malloc(need);
    ck_assert_ok(genre_dataset_prep_save_to_memory(p, buf, need, &need));
    ck_assert_ok(genre_dataset_prep_load_from_memory(&q, buf, need));
    ck_assert_ok(genre_dataset_prep_apply(p, t1));
    ck_assert_ok(genre_dataset_prep_apply(q, t2));
    const char *cols[] = {"x", "z", "c", "y"};
    double a[12], b[12];
    ck_assert_ok(genre_dataset_export_matrix(t1, cols, 4, a, 12, NULL));
    ck_assert_ok(genre_dataset_export_matrix(t2, cols, 4, b, 12, NULL));
    ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
    ck_assert(a[0] == 15.0 && a[4] == 2.0 && a[8] == 7.0);
    char name[8];
    ck_assert_ok(genre_dataset_prep_category_name(q, "y", 1, name, sizeof name, NULL));
    ck_assert_str_eq(name, "Q");
    /* The same bytes again: the encoding is canonical. */
    size_t need2 = 0;
    unsigned char *buf2 = malloc(need);
    ck_assert_ok(genre_dataset_prep_save_to_memory(q, buf2, need, &need2));
    ck_assert_uint_eq(need2, need);
    ck_assert_int_eq(memcmp(buf, buf2, need), 0);
    free(buf2);
    /* Every truncation and every single-byte flip is refused, never a crash. */
    genre_dataset_prep *bad = NULL;
    for (size_t n = 0; n < need; n += 7)
        ck_assert_int_ne(genre_dataset_prep_load_from_memory(&bad, buf, n), GENRE_OK);
    for (size_t i = 0; i < need; i += 5) {
        buf[i] ^= 0x40;
        ck_assert_int_ne(genre_dataset_prep_load_from_memory(&bad, buf, need), GENRE_OK);
        ck_assert_ptr_null(bad);
        buf[i] ^= 0x40;
    }
    /* Through a file. */
    char path[] = "/tmp/genre-prep-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_ok(genre_dataset_prep_save(p, path));
    genre_dataset_prep *f = NULL;
    ck_assert_ok(genre_dataset_prep_load(&f, path));
    int32_t kind = 0;
    ck_assert_ok(genre_model_peek(path, &kind, NULL));
    ck_assert_int_eq(kind, GENRE_MODEL_DATASET_PREP);
    unlink(path);
    ck_assert_status(genre_dataset_prep_load(&bad, path), GENRE_E_IO);
    genre_dataset_prep_free(f);
    free(buf);
    genre_dataset_prep_free(p);
    genre_dataset_prep_free(q);
    genre_dataset_free(t1);
    genre_dataset_free(t2);
    genre_dataset_free(train);

    /* Model steps reload without their callbacks until reattached. */
    const char *csv = "g,x,z,c,y\na,2,1,u,P\nb,7,2,v,Q\nc,-1,4,v,P\nd,9,3,v,Q\n";
    const char *features[] = {"z", "c"};
    train = read_csv(s, csv);
    t1 = read_csv(s, csv);
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_model_impute(p, "x", features, 2, fit_linear,
                                                     predict_linear, &m));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, train));
    ck_assert_ok(genre_dataset_prep_save_to_memory(p, NULL, 0, &need) == GENRE_E_BUFFER_TOO_SMALL
                     ? GENRE_OK
                     : GENRE_E_INTERNAL);
    buf = malloc(need);
    ck_assert_ok(genre_dataset_prep_save_to_memory(p, buf, need, &need));
    ck_assert_ok(genre_dataset_prep_load_from_memory(&q, buf, need));
    ck_assert_status(genre_dataset_prep_apply(q, t1), GENRE_E_BAD_STATE);
    genre_dataset_free(t1);
    t1 = read_csv(s, csv);
    ck_assert_status(genre_dataset_prep_set_model_callbacks(q, "z", NULL, predict_linear, &m),
                     GENRE_E_MISSING_COLUMN);
    ck_assert_ok(genre_dataset_prep_set_model_callbacks(q, "x", NULL, predict_linear, &m));
    ck_assert_ok(genre_dataset_prep_apply(q, t1));
    double x[4];
    column(t1, "x", x, 4);
    ck_assert(fabs(x[2] - 11.0) < 1e-12);
    free(buf);
    genre_dataset_prep_free(p);
    genre_dataset_prep_free(q);
    genre_dataset_free(t1);
    genre_dataset_free(train);
    genre_dataset_schema_free(s);
}
END_TEST

static genre_status save_load_scenario(void *ctx)
{
    (void)ctx;
    genre_dataset_schema *s = NULL;
    genre_dataset *ds = NULL;
    genre_dataset_prep *p = NULL, *q = NULL;
    void *buf = NULL;
    size_t need = 0;
    genre_status st = genre_dataset_schema_create_music_genre(&s);
    const char *csv =
        "instance_id,artist_name,track_name,popularity,acousticness,danceability,"
        "duration_ms,energy,instrumentalness,key,liveness,loudness,mode,speechiness,"
        "tempo,obtained_date,valence,music_genre\n"
        "1.0,A,t,27.0,0.1,0.6,-1.0,0.9,0.7,A#,0.1,-5.2,Minor,0.07,?,4-Apr,0.7,Rap\n"
        "2.0,A,u,27.0,0.1,0.6,100.0,0.9,0.7,C,0.1,-5.2,Major,0.07,90,4-Apr,0.7,Jazz\n";
    if (st == GENRE_OK)
        st = genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), NULL);
    if (st == GENRE_OK)
        st = genre_dataset_prep_create(&p, s);
    if (st == GENRE_OK)
        st = genre_dataset_prep_add_group_median(p, "duration_ms");
    if (st == GENRE_OK)
        st = genre_dataset_prep_add_impute(p, "tempo", GENRE_IMPUTE_MEDIAN);
    if (st == GENRE_OK)
        st = genre_dataset_prep_fit_apply(p, ds);
    if (st == GENRE_OK) {
        st = genre_dataset_prep_save_to_memory(p, NULL, 0, &need);
        st = st == GENRE_E_BUFFER_TOO_SMALL ? GENRE_OK : st;
    }
    if (st == GENRE_OK && !(buf = malloc(need)))
        st = GENRE_E_INTERNAL;
    if (st == GENRE_OK)
        st = genre_dataset_prep_save_to_memory(p, buf, need, &need);
    if (st == GENRE_OK)
        st = genre_dataset_prep_load_from_memory(&q, buf, need);
    free(buf);
    genre_dataset_prep_free(p);
    genre_dataset_prep_free(q);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    return st;
}

START_TEST(save_load_allocation_failures_are_clean)
{
    ck_assert_int_gt(genre_test_alloc_walk(save_load_scenario, NULL), 30);
}
END_TEST

static genre_status whole_scenario(void *ctx)
{
    (void)ctx;
    genre_dataset_schema *s = NULL;
    genre_dataset *ds = NULL, *train = NULL, *test = NULL;
    genre_dataset_prep *p = NULL;
    genre_dataset_split *sp = NULL;
    char *csv = split_csv();
    genre_status st = csv ? GENRE_OK : GENRE_E_NOMEM;
    if (st == GENRE_OK)
        st = genre_dataset_schema_create(&s);
    if (st == GENRE_OK)
        st = genre_dataset_schema_add_column(s, "g", GENRE_COL_GROUP);
    if (st == GENRE_OK)
        st = genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC);
    if (st == GENRE_OK)
        st = genre_dataset_schema_add_column(s, "c", GENRE_COL_CATEGORICAL);
    if (st == GENRE_OK)
        st = genre_dataset_schema_add_column(s, "y", GENRE_COL_LABEL);
    if (st == GENRE_OK)
        st = genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), NULL);
    if (st == GENRE_OK)
        st = genre_dataset_split_grouped(&sp, ds, 2, 3);
    if (st == GENRE_OK)
        st = genre_dataset_subset(&train, ds, sp, GENRE_SPLIT_TRAIN);
    if (st == GENRE_OK)
        st = genre_dataset_subset(&test, ds, sp, GENRE_SPLIT_TEST);
    if (st == GENRE_OK)
        st = genre_dataset_prep_create(&p, s);
    if (st == GENRE_OK)
        st = genre_dataset_prep_add_group_median(p, "x");
    if (st == GENRE_OK)
        st = genre_dataset_prep_fit_apply(p, train);
    if (st == GENRE_OK)
        st = genre_dataset_prep_apply(p, test);
    int64_t dup;
    if (st == GENRE_OK)
        st = genre_dataset_leakage(ds, sp, NULL, NULL, &dup);
    int64_t groups[18];
    if (st == GENRE_OK)
        st = genre_dataset_export_groups(ds, groups, 18, NULL);
    genre_dataset_prep_free(p);
    genre_dataset_split_free(sp);
    genre_dataset_free(train);
    genre_dataset_free(test);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    free(csv);
    return st;
}

START_TEST(allocation_failures_are_clean)
{
    ck_assert_int_gt(genre_test_alloc_walk(whole_scenario, NULL), 30);
}
END_TEST

/* ---- Most-frequent and declared imputation (schema files' impute=) -------- */

/* A saved preparation's payload version (container header bytes 16..19). */
static uint32_t saved_payload_version(const genre_dataset_prep *p, unsigned char **out,
                                      size_t *len)
{
    size_t need = 0;
    ck_assert_status(genre_dataset_prep_save_to_memory(p, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *buf = malloc(need);
    ck_assert_ok(genre_dataset_prep_save_to_memory(p, buf, need, &need));
    uint32_t v = (uint32_t)buf[16] | (uint32_t)buf[17] << 8 | (uint32_t)buf[18] << 16 |
                 (uint32_t)buf[19] << 24;
    *out = buf;
    *len = need;
    return v;
}

START_TEST(most_frequent_numeric_and_categorical)
{
    genre_dataset_schema *s = schema_gxcy();
    /* x: 3, 1, 1, 3, 5 observed: 1 and 3 tie -> 1 (the smaller); c: u, v tie
     * (2 each) -> code 0, "u" by byte order; z: 0 observed only. */
    const char *csv = "g,x,z,c,y\na,3,0,u,P\nb,1,0,v,Q\nc,1,0,,P\nd,3,0,u,Q\ne,,0,v,P\n"
                      "f,5,0,,Q\n";
    genre_dataset *ds = read_csv(s, csv);
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_status(genre_dataset_prep_add_impute(p, "g", GENRE_IMPUTE_MOST_FREQUENT),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_prep_add_impute(p, "c", GENRE_IMPUTE_MEDIAN),
                     GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_dataset_prep_add_impute(p, "x", GENRE_IMPUTE_MOST_FREQUENT));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "c", GENRE_IMPUTE_MOST_FREQUENT));
    log_seen seen = {.all_info = 1};
    ck_assert_ok(genre_dataset_prep_set_log(p, on_log, &seen));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    ck_assert_str_eq(seen.msg[0], "column 'x': 1 missing cells imputed with the most frequent "
                                  "value of the fit rows, 1 (impute_most_frequent)");
    ck_assert_str_eq(seen.msg[1], "column 'c': 2 missing cells imputed with the most frequent "
                                  "category of the fit rows, 'u' (impute_most_frequent)");
    double x[6], c[6];
    column(ds, "x", x, 6);
    column(ds, "c", c, 6);
    ck_assert(x[4] == 1.0);
    ck_assert(c[2] == 0.0 && c[5] == 0.0);
    ck_assert_int_eq(counter(ds, "impute_most_frequent", "x", "imputed"), 1);
    ck_assert_int_eq(counter(ds, "impute_most_frequent", "c", "imputed"), 2);
    /* Test rows whose own mode differs get the training rows' values. */
    const char *test_csv = "g,x,z,c,y\na,,0,,P\nb,7,0,v,Q\nc,7,0,v,P\n";
    genre_dataset *t1 = read_csv(s, test_csv), *t2 = read_csv(s, test_csv);
    ck_assert_ok(genre_dataset_prep_apply(p, t1));
    double tx[3], tc[3];
    column(t1, "x", tx, 3);
    column(t1, "c", tc, 3);
    ck_assert(tx[0] == 1.0 && tc[0] == 0.0);
    /* Saved as payload version 2 (a new step kind); loaded, it applies alike. */
    unsigned char *buf = NULL;
    size_t len = 0;
    ck_assert_uint_eq(saved_payload_version(p, &buf, &len), 2);
    genre_dataset_prep *q = NULL;
    ck_assert_ok(genre_dataset_prep_load_from_memory(&q, buf, len));
    ck_assert_ok(genre_dataset_prep_apply(q, t2));
    double ux[3], uc[3];
    column(t2, "x", ux, 3);
    column(t2, "c", uc, 3);
    ck_assert_int_eq(memcmp(tx, ux, sizeof tx), 0);
    ck_assert_int_eq(memcmp(tc, uc, sizeof tc), 0);
    free(buf);
    genre_dataset_prep_free(q);
    genre_dataset_prep_free(p);
    genre_dataset_free(t1);
    genre_dataset_free(t2);
    genre_dataset_free(ds);
    /* With a declared order the tie goes to the earlier category. */
    const char *order[] = {"v", "u"};
    ck_assert_ok(genre_dataset_schema_set_category_order(s, "c", order, 2));
    ds = read_csv(s, csv);
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "c", GENRE_IMPUTE_MOST_FREQUENT));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    column(ds, "c", c, 6);
    ck_assert(c[2] == 0.0); /* "v" */
    /* A preparation with only version-1 steps still saves as version 1. */
    genre_dataset_prep *old = NULL;
    genre_dataset *ds2 = read_csv(s, csv);
    ck_assert_ok(genre_dataset_prep_create(&old, s));
    ck_assert_ok(genre_dataset_prep_add_impute(old, "x", GENRE_IMPUTE_MEDIAN));
    ck_assert_ok(genre_dataset_prep_fit_apply(old, ds2));
    ck_assert_uint_eq(saved_payload_version(old, &buf, &len), 1);
    free(buf);
    genre_dataset_prep_free(old);
    genre_dataset_free(ds2);
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(add_declared_uses_declarations_and_defaults)
{
    genre_dataset_schema *s = schema_gxcy();
    ck_assert_ok(genre_dataset_schema_add_column(s, "w", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_set_impute(s, "z", GENRE_IMPUTE_NONE));
    ck_assert_ok(genre_dataset_schema_set_impute(s, "w", GENRE_IMPUTE_MEAN));
    ck_assert_ok(genre_dataset_schema_set_impute(s, "x", GENRE_IMPUTE_GROUP_MEDIAN));
    const char *csv = "g,x,z,c,y,w\na,1,1,u,P,1\na,,2,v,Q,2\nb,4,,v,P,\nc,6,4,,Q,6\n";
    genre_dataset *ds = read_csv(s, csv);
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_status(genre_dataset_prep_add_declared(NULL, NULL, NULL, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_prep_add_declared(p, fit_linear, NULL, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_dataset_prep_add_declared(p, NULL, NULL, NULL));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    /* x: group median (group a: 1); c: most frequent (v); w: mean 3; z: none */
    double x[4], c[4], w[4];
    column(ds, "x", x, 4);
    column(ds, "c", c, 4);
    column(ds, "w", w, 4);
    ck_assert(x[1] == 1.0);
    ck_assert(c[3] == 1.0);
    ck_assert(w[2] == 3.0);
    ck_assert_int_eq(counter(ds, "group_median", "x", "from_group"), 1);
    ck_assert_int_eq(counter(ds, "impute_most_frequent", "c", "imputed"), 1);
    ck_assert_int_eq(counter(ds, "impute_mean", "w", "imputed"), 1);
    int64_t v;
    ck_assert_status(genre_dataset_report_value(ds, "impute_median", "z", "imputed", &v),
                     GENRE_E_BAD_STATE);
    double z[4];
    const char *zc[] = {"z"};
    ck_assert_status(genre_dataset_export_matrix(ds, zc, 1, z, 4, NULL), GENRE_E_MISSING_VALUE);
    ck_assert_status(genre_dataset_prep_add_declared(p, NULL, NULL, NULL), GENRE_E_BAD_STATE);
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);

    /* Undeclared columns: median for numeric, most frequent for categorical. */
    s = schema_gxcy();
    ds = read_csv(s, "g,x,z,c,y\na,1,1,u,P\na,,2,v,Q\nb,4,,v,P\nc,6,4,,Q\n");
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_declared(p, NULL, NULL, NULL));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    ck_assert_int_eq(counter(ds, "impute_median", "x", "imputed"), 1);
    ck_assert_int_eq(counter(ds, "impute_median", "z", "imputed"), 1);
    ck_assert_int_eq(counter(ds, "impute_most_frequent", "c", "imputed"), 1);
    column(ds, "x", x, 4);
    ck_assert(x[1] == 4.0);
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

/* Records what the model callbacks saw; predicts 100 + the first feature. */
struct capture_model {
    double fit_x[16], predict_x[16];
    size_t fit_rows, predict_rows;
};

static genre_status capture_fit(void *ud, const double *x, size_t n, size_t d, const double *y)
{
    struct capture_model *m = ud;
    (void)y;
    m->fit_rows = n;
    memcpy(m->fit_x, x, (n * d < 16 ? n * d : 16) * sizeof *x);
    return GENRE_OK;
}

static genre_status capture_predict(void *ud, const double *x, size_t n, size_t d, double *y)
{
    struct capture_model *m = ud;
    m->predict_rows = n;
    memcpy(m->predict_x, x, (n * d < 16 ? n * d : 16) * sizeof *x);
    for (size_t i = 0; i < n; i++)
        y[i] = 100 + x[i * d];
    return GENRE_OK;
}

/* A model imputer with a missing cell in a feature: add_model_impute refuses
 * the row (the defect genre-analysis hit on tables with missing cells in
 * several columns); add_declared fills the feature with its fit-row median
 * first, and applies that training median to test rows. */
START_TEST(declared_model_fills_missing_features_from_the_fit_rows)
{
    genre_dataset_schema *s = schema_gxcy();
    ck_assert_ok(genre_dataset_schema_set_impute(s, "x", GENRE_IMPUTE_MODEL));
    ck_assert_ok(genre_dataset_schema_set_impute(s, "z", GENRE_IMPUTE_NONE));
    const char *order[] = {"u", "v"};
    ck_assert_ok(genre_dataset_schema_set_category_order(s, "c", order, 2));
    const char *csv = "g,x,z,c,y\na,2,1,u,P\nb,7,2,v,Q\nc,-1,4,v,P\nd,9,3,v,Q\ne,5,,u,P\n";
    struct capture_model m;
    memset(&m, 0, sizeof m);
    /* Before: the explicit model step fails on row e's missing z. */
    genre_dataset *ds = read_csv(s, csv);
    genre_dataset_prep *p = NULL;
    const char *features[] = {"z", "c"};
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_model_impute(p, "x", features, 2, capture_fit,
                                                     capture_predict, &m));
    ck_assert_status(genre_dataset_prep_fit_apply(p, ds), GENRE_E_MISSING_VALUE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "p.csv:6: impute_model of 'x': feature "
                                                     "'z' is missing"));
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    /* Declared: features z, c (every other numeric/categorical column). */
    ds = read_csv(s, csv);
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_declared(p, capture_fit, capture_predict, &m));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    ck_assert_uint_eq(m.fit_rows, 4);
    /* fit rows a, b, d, e: e's z is the median of 1, 2, 4, 3 = 2.5 */
    ck_assert(m.fit_x[6] == 2.5 && m.fit_x[7] == 0.0);
    ck_assert_uint_eq(m.predict_rows, 1);
    ck_assert(m.predict_x[0] == 4.0 && m.predict_x[1] == 1.0);
    double x[5];
    column(ds, "x", x, 5);
    ck_assert(x[2] == 104.0);
    ck_assert_int_eq(counter(ds, "impute_model", "x", "imputed"), 1);
    /* Test rows: their own z values never refit the fill (training 2.5). */
    const char *test_csv = "g,x,z,c,y\nf,-1,,v,P\ng,-1,50,u,Q\nh,1,60,u,Q\n";
    genre_dataset *test = read_csv(s, test_csv);
    ck_assert_ok(genre_dataset_prep_apply(p, test));
    ck_assert_uint_eq(m.predict_rows, 2);
    ck_assert(m.predict_x[0] == 2.5 && m.predict_x[1] == 1.0);
    ck_assert(m.predict_x[2] == 50.0);
    /* Saved (payload 2, with the fill values) and loaded with the predictor
     * reattached, it imputes the same. */
    unsigned char *buf = NULL;
    size_t len = 0;
    ck_assert_uint_eq(saved_payload_version(p, &buf, &len), 2);
    genre_dataset_prep *q = NULL;
    ck_assert_ok(genre_dataset_prep_load_from_memory(&q, buf, len));
    ck_assert_ok(genre_dataset_prep_set_model_callbacks(q, "x", NULL, capture_predict, &m));
    genre_dataset *test2 = read_csv(s, test_csv);
    memset(&m, 0, sizeof m);
    ck_assert_ok(genre_dataset_prep_apply(q, test2));
    ck_assert(m.predict_x[0] == 2.5);
    double a[3], b[3];
    column(test, "x", a, 3);
    column(test2, "x", b, 3);
    ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
    free(buf);
    genre_dataset_prep_free(q);
    genre_dataset_free(test2);
    genre_dataset_free(test);
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);

    /* No model given: median instead, and the log says so. */
    ds = read_csv(s, csv);
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    log_seen seen = {.all_info = 1};
    ck_assert_ok(genre_dataset_prep_set_log(p, on_log, &seen));
    ck_assert_ok(genre_dataset_prep_add_declared(p, NULL, NULL, NULL));
    ck_assert_str_eq(seen.msg[0], "column 'x' declares model imputation but no model was "
                                  "given: median imputation instead");
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    ck_assert_int_eq(counter(ds, "impute_median", "x", "imputed"), 1);
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);

    /* A model column with nothing to predict from: refused. */
    genre_dataset_schema *lone = NULL;
    ck_assert_ok(genre_dataset_schema_create(&lone));
    ck_assert_ok(genre_dataset_schema_add_column(lone, "v", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(lone, "t", GENRE_COL_TEXT));
    ck_assert_ok(genre_dataset_schema_set_impute(lone, "v", GENRE_IMPUTE_MODEL));
    ck_assert_ok(genre_dataset_prep_create(&p, lone));
    ck_assert_status(genre_dataset_prep_add_declared(p, capture_fit, capture_predict, &m),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "column 'v' declares model imputation and "
                                                     "the schema has no other numeric or "
                                                     "categorical column"));
    genre_dataset_prep_free(p);
    genre_dataset_schema_free(lone);
    /* A failure takes back the steps added before it. */
    ck_assert_ok(genre_dataset_schema_create(&lone));
    ck_assert_ok(genre_dataset_schema_add_column(lone, "v", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(lone, "g", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_missing_text(lone, NULL, ""));
    ck_assert_ok(genre_dataset_schema_set_impute(lone, "g", GENRE_IMPUTE_GROUP_MEDIAN));
    ck_assert_ok(genre_dataset_prep_create(&p, lone));
    ck_assert_status(genre_dataset_prep_add_declared(p, NULL, NULL, NULL), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_dataset_prep_add_declared: "));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "the schema has no group"));
    /* the median step of v added before the failure was taken back */
    genre_dataset *one = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&one, lone, "v,g\n,1\n2,3\n", 11, "l.csv"));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, one));
    ck_assert_status(genre_dataset_report_value(one, "impute_median", "v", "imputed", &(int64_t){0}),
                     GENRE_E_BAD_STATE);
    genre_dataset_free(one);
    genre_dataset_prep_free(p);
    genre_dataset_schema_free(lone);
}
END_TEST

/* add_declared on a wide schema adds a step per column into a list grown by
 * doubling: counted allocations (one realloc per step before). */
START_TEST(add_declared_on_a_wide_schema_does_not_realloc_each_step)
{
    enum { N = 3000 };
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    char name[32];
    for (int j = 0; j < N; j++) {
        snprintf(name, sizeof name, "x%d", j);
        ck_assert_ok(genre_dataset_schema_add_column(s, name, GENRE_COL_NUMERIC));
    }
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    genre__alloc_fail_at(0); /* counts from here */
    ck_assert_ok(genre_dataset_prep_add_declared(p, NULL, NULL, NULL));
    long calls = genre__alloc_attempts();
    ck_assert_msg(calls < 100, "%d median steps took %ld allocations", N, calls);
    genre_dataset_prep_free(p);
    genre_dataset_schema_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dataset_prep");
    TCase *tc = tcase_create("prep");
    tcase_add_test(tc, group_median_with_global_fallback);
    tcase_add_test(tc, prep_parameters_one_mechanism);
    tcase_add_test(tc, prep_log_says_what_each_step_imputed);
    tcase_add_test(tc, statistics_come_from_the_fit_rows_only);
    tcase_add_test(tc, median_matches_a_sort_on_random_data);
    tcase_add_test(tc, model_imputation_through_callbacks);
    tcase_add_test(tc, encodings_orders_and_unseen_categories);
    tcase_add_test(tc, prep_refuses_blank_rows_and_other_schemas);
    tcase_add_test(tc, splits_and_leakage);
    tcase_add_test(tc, export_shapes_and_errors);
    tcase_add_test(tc, allocation_failures_are_clean);
    tcase_add_test(tc, save_load_round_trip);
    tcase_add_test(tc, save_load_allocation_failures_are_clean);
    tcase_add_test(tc, most_frequent_numeric_and_categorical);
    tcase_add_test(tc, add_declared_uses_declarations_and_defaults);
    tcase_add_test(tc, declared_model_fills_missing_features_from_the_fit_rows);
    tcase_add_test(tc, add_declared_on_a_wide_schema_does_not_realloc_each_step);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
