/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Standard scaler: known values, mask, zero variance, parameters, bad input,
 * persistence, allocation failures. Real data: test_scaler_real.c. */
#include "harness.h"

#include <genre/scaler.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

GENRE_TEST_MODEL_IO(scaler)

/* Columns: mean 2.5, population std sqrt(1.25); a constant; codes. */
static const double X[4][3] = {{1, 7, 0}, {2, 7, 11}, {3, 7, 5}, {4, 7, 1}};

START_TEST(known_mean_and_population_std)
{
    genre_scaler *s;
    ck_assert_ok(genre_scaler_create(&s));
    ck_assert_ok(genre_scaler_fit(s, &X[0][0], 4, 3, 3));
    double mean[3], scale[3], var[3];
    size_t need;
    ck_assert_ok(genre_scaler_get_mean(s, mean, 3, &need));
    ck_assert_uint_eq(need, 3);
    ck_assert_ok(genre_scaler_get_scale(s, scale, 3, NULL));
    ck_assert_ok(genre_scaler_get_variance(s, var, 3, NULL));
    ck_assert_double_eq(mean[0], 2.5);
    ck_assert_double_eq_tol(scale[0], sqrt(1.25), 1e-15);
    ck_assert_double_eq_tol(var[0], 1.25, 1e-15);
    ck_assert_double_eq(mean[2], 17.0 / 4);
    double z[12], back[12];
    ck_assert_ok(genre_scaler_transform(s, &X[0][0], 4, 3, 3, z, 12, NULL));
    for (int i = 0; i < 4; i++) {
        ck_assert_double_eq_tol(z[i * 3], (X[i][0] - 2.5) / sqrt(1.25), 1e-15);
        ck_assert_double_eq(z[i * 3 + 1], 0.0); /* constant: centred, not divided */
    }
    /* Columns have mean 0 and population std 1 after scaling. */
    double m = 0, v = 0;
    for (int i = 0; i < 4; i++)
        m += z[i * 3 + 2] / 4;
    for (int i = 0; i < 4; i++)
        v += (z[i * 3 + 2] - m) * (z[i * 3 + 2] - m) / 4;
    ck_assert_double_eq_tol(m, 0, 1e-15);
    ck_assert_double_eq_tol(v, 1, 1e-14);
    ck_assert_ok(genre_scaler_inverse_transform(s, z, 4, 3, 3, back, 12, NULL));
    for (int i = 0; i < 12; i++)
        ck_assert_double_eq_tol(back[i], (&X[0][0])[i], 1e-14);
    /* In place. */
    memcpy(back, X, sizeof back);
    ck_assert_ok(genre_scaler_transform(s, back, 4, 3, 3, back, 12, NULL));
    ck_assert_mem_eq(back, z, sizeof z);
    genre_scaler_free(s);
}
END_TEST

START_TEST(zero_variance_is_reported)
{
    genre_scaler *s;
    ck_assert_ok(genre_scaler_create(&s));
    ck_assert_ok(genre_scaler_fit(s, &X[0][0], 4, 3, 3));
    int64_t nz;
    ck_assert_ok(genre_scaler_get_i64(s, GENRE_SCALER_N_ZERO_VARIANCE, &nz));
    ck_assert_int_eq(nz, 1);
    uint8_t flags[3];
    ck_assert_ok(genre_scaler_get_zero_variance(s, flags, 3, NULL));
    ck_assert_int_eq(flags[0], 0);
    ck_assert_int_eq(flags[1], 1);
    ck_assert_int_eq(flags[2], 0);
    double scale[3];
    ck_assert_ok(genre_scaler_get_scale(s, scale, 3, NULL));
    ck_assert_double_eq(scale[1], 1.0);
    /* A constant that is not exactly representable: rounding-level variance. */
    double c[1000];
    for (int i = 0; i < 1000; i++)
        c[i] = 0.1 * 3;
    ck_assert_ok(genre_scaler_fit(s, c, 1000, 1, 1));
    ck_assert_ok(genre_scaler_get_i64(s, GENRE_SCALER_N_ZERO_VARIANCE, &nz));
    ck_assert_int_eq(nz, 1);
    double z[1000];
    ck_assert_ok(genre_scaler_transform(s, c, 1000, 1, 1, z, 1000, NULL));
    for (int i = 0; i < 1000; i++)
        ck_assert(isfinite(z[i]) && fabs(z[i]) < 1e-15);
    genre_scaler_free(s);
}
END_TEST

START_TEST(mask_leaves_codes_unchanged)
{
    genre_scaler *s;
    ck_assert_ok(genre_scaler_create(&s));
    const uint8_t mask[3] = {1, 1, 0};
    ck_assert_ok(genre_scaler_set_mask(s, mask, 3));
    /* Padded rows (stride 4), the padding never read. */
    double xp[4][4];
    for (int i = 0; i < 4; i++) {
        memcpy(xp[i], X[i], sizeof X[i]);
        xp[i][3] = NAN;
    }
    ck_assert_ok(genre_scaler_fit(s, &xp[0][0], 4, 3, 4));
    double z[12], back[12], mean[3], scale[3], var[3];
    ck_assert_ok(genre_scaler_transform(s, &xp[0][0], 4, 3, 4, z, 12, NULL));
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq(z[i * 3 + 2], X[i][2]); /* bit for bit */
    ck_assert_ok(genre_scaler_inverse_transform(s, z, 4, 3, 3, back, 12, NULL));
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq(back[i * 3 + 2], X[i][2]);
    ck_assert_ok(genre_scaler_get_mean(s, mean, 3, NULL));
    ck_assert_ok(genre_scaler_get_scale(s, scale, 3, NULL));
    ck_assert_ok(genre_scaler_get_variance(s, var, 3, NULL));
    ck_assert_double_eq(mean[2], 0.0);
    ck_assert_double_eq(scale[2], 1.0);
    ck_assert_double_gt(var[2], 0.0); /* still reported */
    /* Mask of another length; removing the mask. */
    ck_assert_ok(genre_scaler_set_mask(s, mask, 2));
    ck_assert_status(genre_scaler_fit(s, &X[0][0], 4, 3, 3), GENRE_E_SHAPE);
    ck_assert_ok(genre_scaler_set_mask(s, NULL, 0));
    ck_assert_ok(genre_scaler_fit(s, &X[0][0], 4, 3, 3));
    ck_assert_ok(genre_scaler_get_mean(s, mean, 3, NULL));
    ck_assert_double_eq(mean[2], 17.0 / 4);
    ck_assert_status(genre_scaler_set_mask(s, NULL, 3), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_set_mask(s, mask, 0), GENRE_E_INVALID_ARG);
    genre_scaler_free(s);
}
END_TEST

START_TEST(parameters)
{
    genre_scaler *s;
    ck_assert_ok(genre_scaler_create(&s));
    int64_t v;
    ck_assert_ok(genre_scaler_get_i64(s, GENRE_SCALER_WITH_MEAN, &v));
    ck_assert_int_eq(v, 1);
    ck_assert_status(genre_scaler_set_i64(s, GENRE_SCALER_WITH_MEAN, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_set_i64(s, GENRE_SCALER_WITH_STD, -1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_set_i64(s, 4242, 0), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_scaler_set_i64(s, GENRE_SCALER_N_FEATURES, 0), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_scaler_get_i64(s, 4242, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_scaler_get_i64(s, GENRE_SCALER_N_SAMPLES, &v), GENRE_E_BAD_STATE);
    ck_assert_ok(genre_scaler_set_i64(s, GENRE_SCALER_WITH_MEAN, 0));
    ck_assert_ok(genre_scaler_fit(s, &X[0][0], 4, 3, 3));
    double z[12];
    ck_assert_ok(genre_scaler_transform(s, &X[0][0], 4, 3, 3, z, 12, NULL));
    ck_assert_double_eq_tol(z[0], 1.0 / sqrt(1.25), 1e-15);
    ck_assert_ok(genre_scaler_set_i64(s, GENRE_SCALER_WITH_MEAN, 1));
    ck_assert_ok(genre_scaler_set_i64(s, GENRE_SCALER_WITH_STD, 0));
    ck_assert_ok(genre_scaler_fit(s, &X[0][0], 4, 3, 3));
    ck_assert_ok(genre_scaler_transform(s, &X[0][0], 4, 3, 3, z, 12, NULL));
    ck_assert_double_eq(z[0], -1.5);
    ck_assert_ok(genre_scaler_get_i64(s, GENRE_SCALER_N_SAMPLES, &v));
    ck_assert_int_eq(v, 4);
    ck_assert_ok(genre_scaler_get_i64(s, GENRE_SCALER_N_FEATURES, &v));
    ck_assert_int_eq(v, 3);
    ck_assert_status(genre_scaler_set_i64(NULL, GENRE_SCALER_WITH_MEAN, 0), GENRE_E_INVALID_ARG);
    genre_scaler_free(s);
    genre_scaler_free(NULL);
    ck_assert_status(genre_scaler_create(NULL), GENRE_E_INVALID_ARG);
}
END_TEST

/* The contract every handle kind answers (docs/api-conventions.md). */
START_TEST(one_parameter_mechanism)
{
    genre_scaler *s;
    ck_assert_ok(genre_scaler_create(&s));
    int64_t v;
    double f, lo, hi;
    /* unknown keys, whatever the call */
    ck_assert_status(genre_scaler_set_i64(s, 77, 0), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_scaler_set_i64: "));
    ck_assert_status(genre_scaler_set_f64(s, 77, 0.0), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_scaler_get_i64(s, 77, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_scaler_get_f64(s, 77, &f), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_scaler_param_bounds(77, &lo, &hi), GENRE_E_UNKNOWN_PARAM);
    size_t n = 9;
    ck_assert_status(genre_scaler_param_values(77, NULL, 0, &n), GENRE_E_UNKNOWN_PARAM);
    /* an i64 key given to the f64 calls; a read-only key given to a setter */
    ck_assert_status(genre_scaler_set_f64(s, GENRE_SCALER_WITH_MEAN, 0.0),
                     GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "GENRE_SCALER_WITH_MEAN is not an f64 key"));
    ck_assert_status(genre_scaler_get_f64(s, GENRE_SCALER_WITH_STD, &f), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_scaler_set_i64(s, GENRE_SCALER_FITTED, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "read-only"));
    ck_assert_status(genre_scaler_param_bounds(GENRE_SCALER_N_FEATURES, &lo, &hi),
                     GENRE_E_UNKNOWN_PARAM);
    /* out of range: refused with key and value, not clamped */
    ck_assert_status(genre_scaler_set_i64(s, GENRE_SCALER_WITH_STD, 2), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "GENRE_SCALER_WITH_STD = 2"));
    ck_assert_ok(genre_scaler_get_i64(s, GENRE_SCALER_WITH_STD, &v));
    ck_assert_int_eq(v, 1);
    /* bounds and values: booleans are ranges */
    ck_assert_ok(genre_scaler_param_bounds(GENRE_SCALER_WITH_MEAN, &lo, &hi));
    ck_assert(lo == 0.0 && hi == 1.0);
    ck_assert_ok(genre_scaler_param_values(GENRE_SCALER_WITH_MEAN, NULL, 0, &n));
    ck_assert_uint_eq(n, 0);
    /* reset: defaults back, the fit kept */
    ck_assert_ok(genre_scaler_set_i64(s, GENRE_SCALER_WITH_MEAN, 0));
    ck_assert_ok(genre_scaler_set_i64(s, GENRE_SCALER_WITH_STD, 0));
    ck_assert_ok(genre_scaler_fit(s, &X[0][0], 4, 3, 3));
    ck_assert_ok(genre_scaler_reset_params(s));
    ck_assert_ok(genre_scaler_get_i64(s, GENRE_SCALER_WITH_MEAN, &v));
    ck_assert_int_eq(v, 1);
    ck_assert_ok(genre_scaler_get_i64(s, GENRE_SCALER_WITH_STD, &v));
    ck_assert_int_eq(v, 1);
    ck_assert_ok(genre_scaler_get_i64(s, GENRE_SCALER_FITTED, &v));
    ck_assert_int_eq(v, 1);
    /* NULL arguments */
    ck_assert_status(genre_scaler_set_f64(NULL, 77, 0.0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_get_f64(s, 77, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_param_bounds(GENRE_SCALER_WITH_MEAN, NULL, &hi),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_param_values(GENRE_SCALER_WITH_MEAN, NULL, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_reset_params(NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_set_log(NULL, NULL, NULL), GENRE_E_INVALID_ARG);
    genre_scaler_free(s);
}
END_TEST

typedef struct log_seen {
    int count;
    int32_t level;
    char msg[512];
} log_seen;

static void on_log(void *ud, int32_t level, const char *msg)
{
    log_seen *seen = ud;
    seen->count++;
    seen->level = level;
    snprintf(seen->msg, sizeof seen->msg, "%s", msg);
}

START_TEST(log_names_zero_variance_columns)
{
    genre_scaler *s;
    ck_assert_ok(genre_scaler_create(&s));
    log_seen seen = {0};
    ck_assert_ok(genre_scaler_set_log(s, on_log, &seen));
    ck_assert_ok(genre_scaler_fit(s, &X[0][0], 4, 3, 3)); /* column 1 is constant */
    ck_assert_int_eq(seen.count, 1);
    ck_assert_int_eq(seen.level, GENRE_LOG_WARNING);
    ck_assert_ptr_nonnull(strstr(seen.msg, "1 of 3 scaled columns have zero variance"));
    ck_assert_ptr_nonnull(strstr(seen.msg, "column 1"));
    /* no notice without such a column, and none once the hook is removed */
    static const double Y[3][2] = {{1, 2}, {2, 4}, {3, 7}};
    ck_assert_ok(genre_scaler_fit(s, &Y[0][0], 3, 2, 2));
    ck_assert_int_eq(seen.count, 1);
    ck_assert_ok(genre_scaler_set_log(s, NULL, NULL));
    ck_assert_ok(genre_scaler_fit(s, &X[0][0], 4, 3, 3));
    ck_assert_int_eq(seen.count, 1);
    genre_scaler_free(s);
}
END_TEST

START_TEST(bad_input)
{
    genre_scaler *s;
    ck_assert_ok(genre_scaler_create(&s));
    double x[12], z[12];
    memcpy(x, X, sizeof x);
    ck_assert_status(genre_scaler_transform(s, x, 4, 3, 3, z, 12, NULL), GENRE_E_BAD_STATE);
    ck_assert_status(genre_scaler_get_mean(s, z, 12, NULL), GENRE_E_BAD_STATE);
    ck_assert_status(genre_scaler_save_to_memory(s, NULL, 0, &(size_t){0}), GENRE_E_BAD_STATE);
    x[2 * 3 + 1] = NAN;
    ck_assert_status(genre_scaler_fit(s, x, 4, 3, 3), GENRE_E_NONFINITE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "row 2, column 1"));
    x[2 * 3 + 1] = INFINITY;
    ck_assert_status(genre_scaler_fit(s, x, 4, 3, 3), GENRE_E_NONFINITE);
    /* Finite values whose sum overflows. */
    const double huge[3] = {1.5e308, 1.7e308, 1.6e308};
    ck_assert_status(genre_scaler_fit(s, huge, 3, 1, 1), GENRE_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "overflow"));
    /* ... naming the column of the largest value, with its row */
    const double wide[6] = {1, 1.5e308, 2, 1.7e308, 3, 1.6e308};
    ck_assert_status(genre_scaler_fit(s, wide, 3, 2, 2), GENRE_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "the largest is 1.7e+308"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "at row 1, column 1"));
    memcpy(x, X, sizeof x);
    ck_assert_status(genre_scaler_fit(s, NULL, 4, 3, 3), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_fit(s, x, 0, 3, 3), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_fit(s, x, 4, 0, 3), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_scaler_fit(s, x, 4, 3, 2), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_scaler_fit(s, x, 4, 3, 3));
    ck_assert_status(genre_scaler_transform(s, x, 6, 2, 2, z, 12, NULL), GENRE_E_SHAPE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "fitted on 3"));
    ck_assert_status(genre_scaler_inverse_transform(s, x, 3, 4, 4, z, 12, NULL), GENRE_E_SHAPE);
    x[4] = -INFINITY;
    ck_assert_status(genre_scaler_transform(s, x, 4, 3, 3, z, 12, NULL), GENRE_E_NONFINITE);
    memcpy(x, X, sizeof x);
    size_t need = 0;
    ck_assert_status(genre_scaler_transform(s, x, 4, 3, 3, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 12);
    ck_assert_status(genre_scaler_inverse_transform(s, x, 4, 3, 3, z, 11, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_status(genre_scaler_get_scale(s, z, 2, &need), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 3);
    ck_assert_status(genre_scaler_get_variance(s, NULL, 0, &need), GENRE_E_BUFFER_TOO_SMALL);
    uint8_t f[2];
    ck_assert_status(genre_scaler_get_zero_variance(s, f, 2, &need), GENRE_E_BUFFER_TOO_SMALL);
    genre_scaler_free(s);
}
END_TEST

START_TEST(save_and_load)
{
    genre_scaler *s, *q = NULL;
    ck_assert_ok(genre_scaler_create(&s));
    ck_assert_ok(genre_scaler_set_mask(s, (const uint8_t[]){1, 1, 0}, 3));
    ck_assert_ok(genre_scaler_fit(s, &X[0][0], 4, 3, 3));
    size_t size;
    unsigned char *buf = scaler_saved(s, &size);
    ck_assert_ok(genre_scaler_load_from_memory(&q, buf, size));
    double a[12], b[12];
    ck_assert_ok(genre_scaler_transform(s, &X[0][0], 4, 3, 3, a, 12, NULL));
    ck_assert_ok(genre_scaler_transform(q, &X[0][0], 4, 3, 3, b, 12, NULL));
    ck_assert_mem_eq(a, b, sizeof a);
    int64_t nz;
    ck_assert_ok(genre_scaler_get_i64(q, GENRE_SCALER_N_ZERO_VARIANCE, &nz));
    ck_assert_int_eq(nz, 1);
    genre_scaler_free(q);
    scaler_save_errors_name_the_function(s);
    scaler_file_round_trip(s, &q);
    ck_assert_ok(genre_scaler_transform(q, &X[0][0], 4, 3, 3, b, 12, NULL));
    ck_assert_mem_eq(a, b, sizeof a);
    genre_scaler_free(q);
    ck_assert_status(genre_scaler_load(&q, "/nonexistent/dir/s.genre"), GENRE_E_IO);
    buf[size / 2] ^= 0x10;
    ck_assert_status(genre_scaler_load_from_memory(&q, buf, size), GENRE_E_CORRUPT);
    ck_assert_ptr_null(q);
    genre_scaler_free(s);
    free(buf);
}
END_TEST

#ifdef GENRE_TESTING
#include "model_file.h"

static unsigned char *craft(double scale0, uint8_t flags0, size_t *len)
{
    const double shift[2] = {1, 2}, scale[2] = {scale0, 1}, var[2] = {1, 1};
    const uint8_t flags[2] = {flags0, 1};
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_SCALER, 1));
    genre__mf_put_i64(&w, 1, 2);
    genre__mf_put_i64(&w, 2, 10);
    genre__mf_put_u32(&w, 3, 1);
    genre__mf_put_u32(&w, 4, 1);
    genre__mf_put_f64_array(&w, 5, shift, 2);
    genre__mf_put_f64_array(&w, 6, scale, 2);
    genre__mf_put_f64_array(&w, 7, var, 2);
    genre__mf_put_bytes(&w, 8, flags, 2);
    return genre_test_mf_finish(&w, len);
}

START_TEST(load_checks_what_it_reads)
{
    genre_scaler *s = NULL;
    size_t len;
    unsigned char *buf = craft(2.0, 1, &len);
    ck_assert_ok(genre_scaler_load_from_memory(&s, buf, len));
    genre_scaler_free(s);
    free(buf);
    buf = craft(0.0, 1, &len); /* a zero divisor */
    ck_assert_status(genre_scaler_load_from_memory(&s, buf, len), GENRE_E_CORRUPT);
    free(buf);
    buf = craft(2.0, 9, &len); /* unknown flag bits */
    ck_assert_status(genre_scaler_load_from_memory(&s, buf, len), GENRE_E_CORRUPT);
    ck_assert_ptr_null(s);
    free(buf);
}
END_TEST

static genre_status scenario(void *ctx)
{
    (void)ctx;
    genre_scaler *s = NULL, *q = NULL;
    unsigned char *buf = NULL;
    double z[12];
    size_t size = 0;
    genre_status st = genre_scaler_create(&s);
    if (st == GENRE_OK)
        st = genre_scaler_set_mask(s, (const uint8_t[]){1, 0, 1}, 3);
    if (st == GENRE_OK)
        st = genre_scaler_fit(s, &X[0][0], 4, 3, 3);
    if (st == GENRE_OK)
        st = scaler_save_alloc(s, &buf, &size);
    if (st == GENRE_OK)
        st = genre_scaler_load_from_memory(&q, buf, size);
    if (st == GENRE_OK)
        st = genre_scaler_transform(q, &X[0][0], 4, 3, 3, z, 12, NULL);
    free(buf);
    genre_scaler_free(q);
    genre_scaler_free(s);
    return st;
}

START_TEST(allocation_failures)
{
    ck_assert_int_gt(genre_test_alloc_walk(scenario, NULL), 3);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("scaler");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, known_mean_and_population_std);
    tcase_add_test(tc, zero_variance_is_reported);
    tcase_add_test(tc, mask_leaves_codes_unchanged);
    tcase_add_test(tc, parameters);
    tcase_add_test(tc, one_parameter_mechanism);
    tcase_add_test(tc, log_names_zero_variance_columns);
    tcase_add_test(tc, bad_input);
    tcase_add_test(tc, save_and_load);
#ifdef GENRE_TESTING
    tcase_add_test(tc, load_checks_what_it_reads);
    tcase_add_test(tc, allocation_failures);
#endif
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
