/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PCA: closed-form cases, invariants, parameters, bad input, persistence,
 * allocation failures. The real-data agreement lives in test_pca_real.c. */
#include "harness.h"

#include <genre/pca.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

GENRE_TEST_MODEL_IO(pca)

/* Deterministic uniform(-1, 1) numbers (no rand()). */
static double uni(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 4503599627370496.0 - 1.0;
}

static double *random_matrix(size_t n, size_t d, unsigned long long seed)
{
    double *x = malloc(n * d * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < n * d; i++)
        x[i] = uni(&seed) * (1.0 + (double)(i % d)) + 0.25 * (double)(i % d);
    return x;
}

/* 8 rows whose covariance is (8/7) R diag(9, 4, 1) R^T, mean (10, -3, 0.5):
 * Hadamard columns (centred, orthogonal) scaled and rotated. */
/* Rows = eigenvectors, each with its largest entry positive (no ties). */
static const double R[3][3] = {{2 / 7.0, 3 / 7.0, 6 / 7.0},
                               {-3 / 7.0, 6 / 7.0, -2 / 7.0},
                               {6 / 7.0, 2 / 7.0, -3 / 7.0}};
static const double S[3] = {3, 2, 1};
static const double MU[3] = {10, -3, 0.5};

static void known_data(double x[8][3])
{
    static const double h[3][8] = {{1, -1, 1, -1, 1, -1, 1, -1},
                                   {1, 1, -1, -1, 1, 1, -1, -1},
                                   {1, -1, -1, 1, 1, -1, -1, 1}};
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 3; j++) {
            double v = MU[j];
            for (int c = 0; c < 3; c++)
                v += h[c][i] * S[c] * R[c][j];
            x[i][j] = v;
        }
}

START_TEST(known_covariance_recovers_eigenvectors)
{
    double x[8][3];
    known_data(x);
    genre_pca *p;
    ck_assert_ok(genre_pca_create(&p));
    ck_assert_ok(genre_pca_fit(p, &x[0][0], 8, 3, 3));
    double comp[9], var[3], ratio[3], mean[3];
    size_t need = 0;
    ck_assert_ok(genre_pca_get_components(p, comp, 9, &need));
    ck_assert_uint_eq(need, 9);
    ck_assert_ok(genre_pca_get_explained_variance(p, var, 3, NULL));
    ck_assert_ok(genre_pca_get_explained_variance_ratio(p, ratio, 3, NULL));
    ck_assert_ok(genre_pca_get_mean(p, mean, 3, NULL));
    for (int c = 0; c < 3; c++) {
        ck_assert_double_eq_tol(var[c], 8.0 / 7.0 * S[c] * S[c], 1e-12);
        ck_assert_double_eq_tol(ratio[c], S[c] * S[c] / 14.0, 1e-14);
        ck_assert_double_eq_tol(mean[c], MU[c], 1e-14);
        for (int j = 0; j < 3; j++) /* the documented sign: largest entry positive */
            ck_assert_double_eq_tol(comp[c * 3 + j], R[c][j], 1e-12);
    }
    double total;
    ck_assert_ok(genre_pca_get_f64(p, GENRE_PCA_TOTAL_VARIANCE, &total));
    ck_assert_double_eq_tol(total, 8.0 / 7.0 * 14.0, 1e-12);
    /* Loadings: component times sqrt(variance), features x components. */
    double load[9];
    ck_assert_ok(genre_pca_get_loadings(p, load, 9, NULL));
    for (int j = 0; j < 3; j++)
        for (int c = 0; c < 3; c++)
            ck_assert_double_eq_tol(load[j * 3 + c], R[c][j] * sqrt(var[c]), 1e-12);
    /* The scores are the Hadamard columns times S. */
    double z[24];
    ck_assert_ok(genre_pca_transform(p, &x[0][0], 8, 3, 3, z, 24, NULL));
    ck_assert_double_eq_tol(z[0], 3.0, 1e-12);
    ck_assert_double_eq_tol(z[1], 2.0, 1e-12);
    ck_assert_double_eq_tol(z[2], 1.0, 1e-12);
    genre_pca_free(p);
}
END_TEST

START_TEST(variance_fraction_picks_fewest_components)
{
    double x[8][3];
    known_data(x);
    /* Ratios 9/14, 4/14, 1/14: cumulative 0.643, 0.929, 1. */
    static const double fraction[] = {0.5, 0.64, 0.65, 0.92, 0.93, 0.999};
    static const int64_t want[] = {1, 1, 2, 2, 3, 3};
    for (size_t t = 0; t < sizeof want / sizeof want[0]; t++) {
        genre_pca *p;
        ck_assert_ok(genre_pca_create(&p));
        ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, 2));
        ck_assert_ok(genre_pca_set_f64(p, GENRE_PCA_VARIANCE_FRACTION, fraction[t]));
        int64_t count;
        ck_assert_ok(genre_pca_get_i64(p, GENRE_PCA_N_COMPONENTS, &count));
        ck_assert_int_eq(count, 0); /* the fraction replaced the count */
        ck_assert_ok(genre_pca_fit(p, &x[0][0], 8, 3, 3));
        ck_assert_ok(genre_pca_get_i64(p, GENRE_PCA_N_COMPONENTS_FITTED, &count));
        ck_assert_int_eq(count, want[t]);
        genre_pca_free(p);
    }
}
END_TEST

static void check_invariants(size_t n, size_t d, int whiten, size_t stride)
{
    double *x0 = random_matrix(n, d, 7 + n + d);
    double *x = malloc(n * stride * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < stride; j++)
            x[i * stride + j] = j < d ? x0[i * d + j] : NAN; /* padding must be ignored */
    genre_pca *p;
    ck_assert_ok(genre_pca_create(&p));
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_WHITEN, whiten));
    ck_assert_ok(genre_pca_fit(p, x, n, d, stride));
    int64_t k64;
    ck_assert_ok(genre_pca_get_i64(p, GENRE_PCA_N_COMPONENTS_FITTED, &k64));
    const size_t k = (size_t)k64;
    ck_assert_uint_eq(k, d < n - 1 ? d : n - 1);
    double *comp = malloc(k * d * sizeof *comp), *var = malloc(k * sizeof *var);
    double *mean = malloc(d * sizeof *mean), *z = malloc(n * k * sizeof *z);
    double *back = malloc(n * d * sizeof *back);
    ck_assert(comp && var && mean && z && back);
    ck_assert_ok(genre_pca_get_components(p, comp, k * d, NULL));
    ck_assert_ok(genre_pca_get_explained_variance(p, var, k, NULL));
    ck_assert_ok(genre_pca_get_mean(p, mean, d, NULL));
    /* Orthonormal components, decreasing variance, sign convention. */
    for (size_t a = 0; a < k; a++) {
        for (size_t b = 0; b < k; b++) {
            double dot = 0;
            for (size_t j = 0; j < d; j++)
                dot += comp[a * d + j] * comp[b * d + j];
            ck_assert_double_eq_tol(dot, a == b ? 1.0 : 0.0, 1e-12);
        }
        if (a > 0)
            ck_assert(var[a] <= var[a - 1]);
        size_t big = 0;
        for (size_t j = 1; j < d; j++)
            if (fabs(comp[a * d + j]) > fabs(comp[a * d + big]))
                big = j;
        ck_assert(comp[a * d + big] > 0);
    }
    /* The training mean maps to zero. */
    double zm[64];
    ck_assert_ok(genre_pca_transform(p, mean, 1, d, d, zm, 64, NULL));
    for (size_t c = 0; c < k; c++)
        ck_assert_double_eq_tol(zm[c], 0.0, 1e-12);
    /* Scores are uncorrelated with the explained variances (1 if whitened). */
    ck_assert_ok(genre_pca_transform(p, x, n, d, stride, z, n * k, NULL));
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++) {
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += z[i * k + a] * z[i * k + b];
            s /= (double)(n - 1);
            double want = a != b ? 0.0 : whiten ? 1.0 : var[a];
            ck_assert_double_eq_tol(s, want, 1e-10 * (1 + fabs(want)));
        }
    /* With every component kept, the inverse transform gives the rows back
     * (also with fewer rows than columns: the rows lie in the kept span). */
    ck_assert_ok(genre_pca_inverse_transform(p, z, n, k, k, back, n * d, NULL));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            ck_assert_double_eq_tol(back[i * d + j], x0[i * d + j], 1e-10);
    genre_pca_free(p);
    free(comp), free(var), free(mean), free(z), free(back), free(x), free(x0);
}

START_TEST(components_orthonormal_and_scores_uncorrelated)
{
    check_invariants(200, 7, 0, 7);
    check_invariants(200, 7, 1, 9);
    check_invariants(50, 1, 0, 1);
}
END_TEST

START_TEST(fewer_rows_than_columns)
{
    check_invariants(4, 10, 0, 10);
    check_invariants(2, 5, 1, 6);
    double *x = random_matrix(4, 10, 3);
    genre_pca *p;
    ck_assert_ok(genre_pca_create(&p));
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, 4));
    ck_assert_status(genre_pca_fit(p, x, 4, 10, 10), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "n_components = 4"));
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, 3));
    ck_assert_ok(genre_pca_fit(p, x, 4, 10, 10));
    ck_assert_status(genre_pca_fit(p, x, 1, 10, 10), GENRE_E_INVALID_ARG);
    genre_pca_free(p);
    free(x);
}
END_TEST

START_TEST(partial_reconstruction_is_projection)
{
    double x[8][3];
    known_data(x);
    genre_pca *p;
    ck_assert_ok(genre_pca_create(&p));
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, 2));
    ck_assert_ok(genre_pca_fit(p, &x[0][0], 8, 3, 3));
    double z[16], back[24];
    ck_assert_ok(genre_pca_transform(p, &x[0][0], 8, 3, 3, z, 16, NULL));
    ck_assert_ok(genre_pca_inverse_transform(p, z, 8, 2, 2, back, 24, NULL));
    /* The residual is the dropped component: h3 * S[2] * R[2]. */
    static const double h3[8] = {1, -1, -1, 1, 1, -1, -1, 1};
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 3; j++)
            ck_assert_double_eq_tol(x[i][j] - back[i * 3 + j], h3[i] * S[2] * R[2][j], 1e-12);
    genre_pca_free(p);
}
END_TEST

START_TEST(parameters)
{
    genre_pca *p;
    ck_assert_ok(genre_pca_create(&p));
    ck_assert_status(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, -1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_pca_set_i64(p, GENRE_PCA_WHITEN, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_pca_set_f64(p, GENRE_PCA_VARIANCE_FRACTION, 1.0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_pca_set_f64(p, GENRE_PCA_VARIANCE_FRACTION, -0.1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_pca_set_f64(p, GENRE_PCA_VARIANCE_FRACTION, NAN), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_pca_set_i64(p, 9999, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_pca_set_f64(p, GENRE_PCA_WHITEN, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_pca_set_i64(p, GENRE_PCA_N_FEATURES, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_pca_set_f64(p, GENRE_PCA_TOTAL_VARIANCE, 1), GENRE_E_UNKNOWN_PARAM);
    int64_t v;
    double f;
    ck_assert_status(genre_pca_get_i64(p, 9999, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_pca_get_f64(p, 9999, &f), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_pca_get_i64(p, GENRE_PCA_N_FEATURES, &v), GENRE_E_BAD_STATE);
    ck_assert_status(genre_pca_get_f64(p, GENRE_PCA_TOTAL_VARIANCE, &f), GENRE_E_BAD_STATE);
    ck_assert_ok(genre_pca_get_i64(p, GENRE_PCA_FITTED, &v));
    ck_assert_int_eq(v, 0);
    ck_assert_ok(genre_pca_set_f64(p, GENRE_PCA_VARIANCE_FRACTION, 0.5));
    ck_assert_ok(genre_pca_get_f64(p, GENRE_PCA_VARIANCE_FRACTION, &f));
    ck_assert_double_eq(f, 0.5);
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, 2)); /* clears the fraction */
    ck_assert_ok(genre_pca_get_f64(p, GENRE_PCA_VARIANCE_FRACTION, &f));
    ck_assert_double_eq(f, 0.0);
    ck_assert_status(genre_pca_set_i64(NULL, GENRE_PCA_WHITEN, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_pca_get_i64(p, GENRE_PCA_WHITEN, NULL), GENRE_E_INVALID_ARG);
    genre_pca_free(p);
    genre_pca_free(NULL);
    ck_assert_status(genre_pca_create(NULL), GENRE_E_INVALID_ARG);
}
END_TEST

/* The contract every handle kind answers (docs/api-conventions.md). */
START_TEST(one_parameter_mechanism)
{
    genre_pca *p;
    ck_assert_ok(genre_pca_create(&p));
    int64_t v;
    double f, lo, hi;
    size_t n = 9;
    ck_assert_status(genre_pca_param_bounds(77, &lo, &hi), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_pca_param_bounds: "));
    ck_assert_status(genre_pca_param_values(77, NULL, 0, &n), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_pca_set_i64(p, GENRE_PCA_VARIANCE_FRACTION, 0), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(
        strstr(genre_last_error(), "GENRE_PCA_VARIANCE_FRACTION is not an i64 key"));
    ck_assert_status(genre_pca_get_i64(p, GENRE_PCA_TOTAL_VARIANCE, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_pca_param_bounds(GENRE_PCA_TOTAL_VARIANCE, &lo, &hi),
                     GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_pca_set_f64(p, GENRE_PCA_VARIANCE_FRACTION, 1.0), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "GENRE_PCA_VARIANCE_FRACTION = 1"));
    ck_assert_status(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, (int64_t)INT32_MAX + 1),
                     GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_pca_get_i64(p, GENRE_PCA_N_COMPONENTS, &v));
    ck_assert_int_eq(v, 0); /* not clamped */
    ck_assert_ok(genre_pca_param_bounds(GENRE_PCA_VARIANCE_FRACTION, &lo, &hi));
    ck_assert(lo == 0.0 && hi < 1.0 && hi == nextafter(1.0, 0.0)); /* open end */
    ck_assert_ok(genre_pca_param_bounds(GENRE_PCA_N_COMPONENTS, &lo, &hi));
    ck_assert(lo == 0.0 && hi == (double)INT32_MAX);
    ck_assert_ok(genre_pca_param_values(GENRE_PCA_WHITEN, NULL, 0, &n));
    ck_assert_uint_eq(n, 0);
    /* a fraction above 0 clears the count, as before */
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, 2));
    ck_assert_ok(genre_pca_set_f64(p, GENRE_PCA_VARIANCE_FRACTION, 0.9));
    ck_assert_ok(genre_pca_get_i64(p, GENRE_PCA_N_COMPONENTS, &v));
    ck_assert_int_eq(v, 0);
    /* reset: defaults back, the fit kept */
    double x[8][3];
    known_data(x);
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_WHITEN, 1));
    ck_assert_ok(genre_pca_fit(p, &x[0][0], 8, 3, 3));
    ck_assert_ok(genre_pca_reset_params(p));
    ck_assert_ok(genre_pca_get_i64(p, GENRE_PCA_WHITEN, &v));
    ck_assert_int_eq(v, 0);
    ck_assert_ok(genre_pca_get_f64(p, GENRE_PCA_VARIANCE_FRACTION, &f));
    ck_assert(f == 0.0);
    ck_assert_ok(genre_pca_get_i64(p, GENRE_PCA_FITTED, &v));
    ck_assert_int_eq(v, 1);
    ck_assert_status(genre_pca_param_bounds(GENRE_PCA_WHITEN, &lo, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_pca_param_values(GENRE_PCA_WHITEN, NULL, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_pca_reset_params(NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_pca_set_log(NULL, NULL, NULL), GENRE_E_INVALID_ARG);
    genre_pca_free(p);
}
END_TEST

typedef struct log_seen {
    int count, warnings;
    char msg[2][512];
} log_seen;

static void on_log(void *ud, int32_t level, const char *msg)
{
    log_seen *seen = ud;
    if (seen->count < 2)
        snprintf(seen->msg[seen->count], sizeof seen->msg[0], "%s", msg);
    seen->count++;
    seen->warnings += level == GENRE_LOG_WARNING;
}

START_TEST(log_says_what_limits_the_components)
{
    genre_pca *p;
    ck_assert_ok(genre_pca_create(&p));
    log_seen seen = {0};
    ck_assert_ok(genre_pca_set_log(p, on_log, &seen));
    /* full rank, more rows than columns: nothing to say */
    double x[8][3];
    known_data(x);
    ck_assert_ok(genre_pca_fit(p, &x[0][0], 8, 3, 3));
    ck_assert_int_eq(seen.count, 0);
    /* 3 rows of 5 columns: at most 2 components (INFO) */
    double *w = random_matrix(3, 5, 11);
    ck_assert_ok(genre_pca_fit(p, w, 3, 5, 5));
    free(w);
    ck_assert_int_eq(seen.count, 1);
    ck_assert_int_eq(seen.warnings, 0);
    ck_assert_ptr_nonnull(strstr(seen.msg[0], "3 rows give at most n_rows - 1 = 2 components"));
    /* column 2 = column 0 + column 1: rank 2, the third kept component has
     * zero variance (WARNING) */
    double r[6][3];
    for (int i = 0; i < 6; i++) {
        r[i][0] = (double)(i * i % 5);
        r[i][1] = (double)((3 * i + 1) % 4);
        r[i][2] = r[i][0] + r[i][1];
    }
    ck_assert_ok(genre_pca_fit(p, &r[0][0], 6, 3, 3));
    ck_assert_int_eq(seen.count, 2);
    ck_assert_int_eq(seen.warnings, 1);
    ck_assert_ptr_nonnull(strstr(seen.msg[1], "x has rank 2: components 2 to 2"));
    genre_pca_free(p);
}
END_TEST

START_TEST(bad_input)
{
    double x[8][3];
    known_data(x);
    genre_pca *p;
    ck_assert_ok(genre_pca_create(&p));
    double z[24];
    /* Before fit. */
    ck_assert_status(genre_pca_transform(p, &x[0][0], 8, 3, 3, z, 24, NULL), GENRE_E_BAD_STATE);
    ck_assert_status(genre_pca_get_components(p, z, 24, NULL), GENRE_E_BAD_STATE);
    ck_assert_status(genre_pca_save_to_memory(p, NULL, 0, &(size_t){0}), GENRE_E_BAD_STATE);
    /* NaN and infinity name row, column and value. */
    x[5][2] = NAN;
    ck_assert_status(genre_pca_fit(p, &x[0][0], 8, 3, 3), GENRE_E_NONFINITE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "row 5, column 2"));
    x[5][2] = INFINITY;
    ck_assert_status(genre_pca_fit(p, &x[0][0], 8, 3, 3), GENRE_E_NONFINITE);
    known_data(x);
    const double huge[6] = {1.5e308, 1, 1.7e308, 2, 1.6e308, 4};
    ck_assert_status(genre_pca_fit(p, huge, 3, 2, 2), GENRE_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "1.7e+308 at row 1, column 0"));
    /* Shapes and pointers. */
    ck_assert_status(genre_pca_fit(p, NULL, 8, 3, 3), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_pca_fit(p, &x[0][0], 0, 3, 3), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_pca_fit(p, &x[0][0], 8, 3, 2), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, 4));
    ck_assert_status(genre_pca_fit(p, &x[0][0], 8, 3, 3), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "too large"));
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, 2));
    ck_assert_ok(genre_pca_fit(p, &x[0][0], 8, 3, 3));
    /* Columns other than at fit. */
    ck_assert_status(genre_pca_transform(p, &x[0][0], 4, 2, 3, z, 24, NULL), GENRE_E_SHAPE);
    ck_assert_status(genre_pca_inverse_transform(p, &x[0][0], 8, 3, 3, z, 24, NULL),
                     GENRE_E_SHAPE);
    x[3][1] = NAN;
    ck_assert_status(genre_pca_transform(p, &x[0][0], 8, 3, 3, z, 24, NULL), GENRE_E_NONFINITE);
    known_data(x);
    /* Buffers: size query and short buffer. */
    size_t need = 0;
    ck_assert_status(genre_pca_transform(p, &x[0][0], 8, 3, 3, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 16);
    ck_assert_status(genre_pca_transform(p, &x[0][0], 8, 3, 3, z, 15, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_ok(genre_pca_transform(p, &x[0][0], 8, 3, 3, z, 16, NULL));
    double back[24];
    ck_assert_status(genre_pca_inverse_transform(p, z, 8, 2, 2, back, 23, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 24);
    ck_assert_status(genre_pca_get_components(p, z, 5, &need), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 6);
    ck_assert_status(genre_pca_get_loadings(p, NULL, 0, &need), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 6);
    ck_assert_status(genre_pca_get_mean(p, z, 2, &need), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_status(genre_pca_get_explained_variance(p, z, 1, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_status(genre_pca_get_explained_variance_ratio(p, z, 1, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    /* A failed fit keeps the previous model. */
    ck_assert_status(genre_pca_fit(p, &x[0][0], 8, 3, 1), GENRE_E_INVALID_ARG);
    int64_t k;
    ck_assert_ok(genre_pca_get_i64(p, GENRE_PCA_N_COMPONENTS_FITTED, &k));
    ck_assert_int_eq(k, 2);
    /* Constant data has no components; whitening a zero-variance one fails. */
    double c[4][2] = {{1, 2}, {1, 2}, {1, 2}, {1, 2}};
    ck_assert_status(genre_pca_fit(p, &c[0][0], 4, 2, 2), GENRE_E_NUMERIC);
    double line[4][2] = {{1, 2}, {2, 4}, {3, 6}, {4, 8}};
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, 0));
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_WHITEN, 1));
    ck_assert_status(genre_pca_fit(p, &line[0][0], 4, 2, 2), GENRE_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "whiten"));
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_WHITEN, 0));
    ck_assert_ok(genre_pca_fit(p, &line[0][0], 4, 2, 2));
    double var[2];
    ck_assert_ok(genre_pca_get_explained_variance(p, var, 2, NULL));
    ck_assert_double_eq(var[1], 0.0);
    genre_pca_free(p);
}
END_TEST

START_TEST(save_and_load)
{
    double *x = random_matrix(100, 6, 11);
    genre_pca *p, *q = NULL;
    ck_assert_ok(genre_pca_create(&p));
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_WHITEN, 1));
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, 4));
    ck_assert_ok(genre_pca_fit(p, x, 100, 6, 6));
    size_t size;
    unsigned char *buf = pca_saved(p, &size);
    ck_assert_status(genre_pca_save_to_memory(p, buf, size - 1, &size),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_ok(genre_pca_load_from_memory(&q, buf, size));
    double z1[400], z2[400], b1[600], b2[600];
    ck_assert_ok(genre_pca_transform(p, x, 100, 6, 6, z1, 400, NULL));
    ck_assert_ok(genre_pca_transform(q, x, 100, 6, 6, z2, 400, NULL));
    ck_assert_mem_eq(z1, z2, sizeof z1);
    ck_assert_ok(genre_pca_inverse_transform(p, z1, 100, 4, 4, b1, 600, NULL));
    ck_assert_ok(genre_pca_inverse_transform(q, z1, 100, 4, 4, b2, 600, NULL));
    ck_assert_mem_eq(b1, b2, sizeof b1);
    int64_t w;
    ck_assert_ok(genre_pca_get_i64(q, GENRE_PCA_WHITEN, &w));
    ck_assert_int_eq(w, 1);
    genre_pca_free(q);
    /* Files. */
    pca_save_errors_name_the_function(p);
    pca_file_round_trip(p, &q);
    ck_assert_ok(genre_pca_transform(q, x, 100, 6, 6, z2, 400, NULL));
    ck_assert_mem_eq(z1, z2, sizeof z1);
    genre_pca_free(q);
    ck_assert_status(genre_pca_load(&q, "/nonexistent/dir/pca.genre"), GENRE_E_IO);
    /* Damaged bytes, truncation, another kind. */
    buf[size / 2] ^= 0x40;
    ck_assert_status(genre_pca_load_from_memory(&q, buf, size), GENRE_E_CORRUPT);
    ck_assert_ptr_null(q);
    buf[size / 2] ^= 0x40;
    ck_assert_status(genre_pca_load_from_memory(&q, buf, size - 3), GENRE_E_CORRUPT);
    genre_pca_free(p);
    free(buf);
    free(x);
}
END_TEST

#ifdef GENRE_TESTING
#include "model_file.h"

/* A PCA container (d = 2) with k components and the given first variance. */
static unsigned char *craft(int64_t k, double var0, uint32_t whiten, size_t *len)
{
    const double mean[2] = {1, 2}, comp[4] = {1, 0, 0, 1}, ratio[2] = {0.5, 0.5};
    const double var[2] = {var0, 1.0};
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_PCA, 1));
    genre__mf_put_i64(&w, 1, 2);
    genre__mf_put_i64(&w, 2, 10);
    genre__mf_put_i64(&w, 3, k);
    genre__mf_put_u32(&w, 4, whiten);
    genre__mf_put_i64(&w, 5, 0);
    genre__mf_put_f64(&w, 6, 0.0);
    genre__mf_put_f64(&w, 7, 2.0);
    genre__mf_put_f64_array(&w, 8, mean, 2);
    genre__mf_put_f64_array(&w, 9, comp, 2 * (size_t)(k > 0 && k <= 2 ? k : 1));
    genre__mf_put_f64_array(&w, 10, var, (size_t)(k > 0 && k <= 2 ? k : 1));
    genre__mf_put_f64_array(&w, 11, ratio, (size_t)(k > 0 && k <= 2 ? k : 1));
    return genre_test_mf_finish(&w, len);
}

START_TEST(load_checks_what_it_reads)
{
    genre_pca *p = NULL;
    size_t len;
    unsigned char *buf = craft(2, 1.0, 1, &len);
    ck_assert_ok(genre_pca_load_from_memory(&p, buf, len));
    genre_pca_free(p);
    free(buf);
    buf = craft(3, 1.0, 0, &len); /* more components than columns */
    ck_assert_status(genre_pca_load_from_memory(&p, buf, len), GENRE_E_CORRUPT);
    free(buf);
    buf = craft(2, 0.0, 1, &len); /* whitening a zero variance */
    ck_assert_status(genre_pca_load_from_memory(&p, buf, len), GENRE_E_CORRUPT);
    free(buf);
    buf = craft(2, -1.0, 0, &len);
    ck_assert_status(genre_pca_load_from_memory(&p, buf, len), GENRE_E_CORRUPT);
    ck_assert_ptr_null(p);
    free(buf);
}
END_TEST

static genre_status scenario(void *ctx)
{
    const double *x = ctx;
    genre_pca *p = NULL, *q = NULL;
    unsigned char *buf = NULL;
    double z[60 * 3];
    size_t size = 0;
    genre_status st = genre_pca_create(&p);
    if (st == GENRE_OK)
        st = genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, 3);
    if (st == GENRE_OK)
        st = genre_pca_fit(p, x, 60, 5, 5);
    if (st == GENRE_OK)
        st = pca_save_alloc(p, &buf, &size);
    if (st == GENRE_OK)
        st = genre_pca_load_from_memory(&q, buf, size);
    if (st == GENRE_OK)
        st = genre_pca_transform(q, x, 60, 5, 5, z, sizeof z / sizeof z[0], NULL);
    if (st == GENRE_OK)
        st = genre_pca_inverse_transform(q, z, 60, 3, 3, (double[300]){0}, 300, NULL);
    free(buf);
    genre_pca_free(q);
    genre_pca_free(p);
    return st;
}

START_TEST(allocation_failures)
{
    double *x = random_matrix(60, 5, 5);
    ck_assert_int_gt(genre_test_alloc_walk(scenario, x), 5);
    free(x);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("pca");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, known_covariance_recovers_eigenvectors);
    tcase_add_test(tc, variance_fraction_picks_fewest_components);
    tcase_add_test(tc, components_orthonormal_and_scores_uncorrelated);
    tcase_add_test(tc, fewer_rows_than_columns);
    tcase_add_test(tc, partial_reconstruction_is_projection);
    tcase_add_test(tc, parameters);
    tcase_add_test(tc, one_parameter_mechanism);
    tcase_add_test(tc, log_says_what_limits_the_components);
    tcase_add_test(tc, bad_input);
    tcase_add_test(tc, save_and_load);
#ifdef GENRE_TESTING
    tcase_add_test(tc, load_checks_what_it_reads);
    tcase_add_test(tc, allocation_failures);
#endif
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
