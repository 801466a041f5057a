/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MLP's parameters (genre/mlp.h): defaults, bounds, enumerated values,
 * type and read-only keys, reset, hidden layers, create/free contracts. */
#include "harness.h"

#include <math.h>
#include <string.h>

/* ---- Parameters ----------------------------------------------------------------- */

START_TEST(test_params)
{
    genre_mlp *m = NULL;
    ck_assert_ok(genre_mlp_create(&m));
    double v;
    int64_t i;
    ck_assert_ok(genre_mlp_get_f64(m, GENRE_MLP_LEARNING_RATE, &v));
    ck_assert(v == 1e-3);
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_BATCH_SIZE, &i));
    ck_assert_int_eq(i, 256);
    ck_assert_status(genre_mlp_set_f64(m, 9999, 1.0), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_mlp_set_i64(m, 9999, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_mlp_get_f64(m, 9999, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, NAN), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_f64(m, GENRE_MLP_DROPOUT, 1.0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_f64(m, GENRE_MLP_BETA2, -0.1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_i64(m, GENRE_MLP_ACTIVATION, 3), GENRE_E_INVALID_ARG);
    /* a key of the other type, a read-only key: not a parameter of that call */
    ck_assert_status(genre_mlp_set_i64(m, GENRE_MLP_LEARNING_RATE, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(),
                                 "genre_mlp_set_i64: GENRE_MLP_LEARNING_RATE is not an i64 key"));
    ck_assert_status(genre_mlp_set_f64(m, GENRE_MLP_EPOCHS, 1.0), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_mlp_get_f64(m, GENRE_MLP_EPOCHS, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_mlp_get_i64(m, GENRE_MLP_L2, &i), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_mlp_set_i64(m, GENRE_MLP_N_PARAMS, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "GENRE_MLP_N_PARAMS is read-only"));
    ck_assert_status(genre_mlp_get_i64(m, GENRE_MLP_N_PARAMS, &i), GENRE_E_BAD_STATE);
    /* values are not clamped: a failed set leaves the old one */
    ck_assert_ok(genre_mlp_get_f64(m, GENRE_MLP_LEARNING_RATE, &v));
    ck_assert(v == 1e-3);
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SEED, INT64_MIN));
    double lo, hi;
    ck_assert_ok(genre_mlp_param_bounds(GENRE_MLP_LEARNING_RATE, &lo, &hi));
    ck_assert(lo > 0.0 && hi == 10.0);
    ck_assert_ok(genre_mlp_param_bounds(GENRE_MLP_EPOCHS, &lo, &hi));
    ck_assert(lo == 1.0 && hi == 1e7);
    ck_assert_status(genre_mlp_param_bounds(GENRE_MLP_N_PARAMS, &lo, &hi),
                     GENRE_E_UNKNOWN_PARAM);
    /* enumerated keys list their values; a range answers none */
    int64_t vals[8];
    size_t nv = 99;
    ck_assert_status(genre_mlp_param_values(GENRE_MLP_PRECISION, NULL, 0, &nv),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(nv, 2);
    ck_assert_ok(genre_mlp_param_values(GENRE_MLP_PRECISION, vals, 8, &nv));
    ck_assert(nv == 2 && vals[0] == GENRE_MLP_PRECISION_FLOAT &&
              vals[1] == GENRE_MLP_PRECISION_DOUBLE);
    ck_assert_ok(genre_mlp_param_values(GENRE_MLP_INIT, vals, 8, &nv));
    ck_assert(nv == 6 && vals[0] == GENRE_MLP_INIT_AUTO && vals[5] == GENRE_MLP_INIT_LECUN_UNIFORM);
    ck_assert_ok(genre_mlp_param_values(GENRE_MLP_ACTIVATION, vals, 8, &nv));
    ck_assert_uint_eq(nv, 3);
    ck_assert_ok(genre_mlp_param_values(GENRE_MLP_EPOCHS, vals, 8, &nv));
    ck_assert_uint_eq(nv, 0);
    ck_assert_status(genre_mlp_param_values(GENRE_MLP_N_PARAMS, vals, 8, &nv),
                     GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_mlp_param_values(9999, vals, 8, &nv), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_mlp_param_values(GENRE_MLP_INIT, vals, 8, NULL), GENRE_E_INVALID_ARG);
    /* GENRE_MLP_PRECISION (0.3): 64 (default) or 32, nothing else */
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_PRECISION, &i));
    ck_assert_int_eq(i, GENRE_MLP_PRECISION_DOUBLE);
    ck_assert_ok(genre_mlp_param_bounds(GENRE_MLP_PRECISION, &lo, &hi));
    ck_assert(lo == 32.0 && hi == 64.0);
    const int64_t bad_prec[] = {0, 1, 16, 33, 63, 65, 128, -32};
    for (size_t b = 0; b < sizeof bad_prec / sizeof bad_prec[0]; b++) {
        ck_assert_status(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, bad_prec[b]),
                         GENRE_E_INVALID_ARG);
        ck_assert_msg(strstr(genre_last_error(), "GENRE_MLP_PRECISION") != NULL, "%s",
                      genre_last_error());
    }
    ck_assert_status(genre_mlp_set_f64(m, GENRE_MLP_PRECISION, 32.0), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, GENRE_MLP_PRECISION_FLOAT));
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_PRECISION, &i));
    ck_assert_int_eq(i, GENRE_MLP_PRECISION_FLOAT);
    ck_assert_ok(genre_mlp_reset_params(m));
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_PRECISION, &i));
    ck_assert_int_eq(i, GENRE_MLP_PRECISION_DOUBLE);

    int32_t zero[2] = {5, 0};
    ck_assert_status(genre_mlp_set_hidden_layers(m, zero, 2), GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "layer 1") != NULL, "%s", genre_last_error());
    int32_t neg[1] = {-3};
    ck_assert_status(genre_mlp_set_hidden_layers(m, neg, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_hidden_layers(m, NULL, 1), GENRE_E_INVALID_ARG);
    int32_t w[3] = {20, 15, 4}, got[3];
    size_t n;
    ck_assert_ok(genre_mlp_set_hidden_layers(m, w, 3));
    ck_assert_status(genre_mlp_get_hidden_layers(m, NULL, 0, &n), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(n, 3);
    ck_assert_ok(genre_mlp_get_hidden_layers(m, got, 3, &n));
    ck_assert_int_eq(got[2], 4);
    ck_assert_ok(genre_mlp_set_hidden_layers(m, NULL, 0));
    ck_assert_ok(genre_mlp_reset_params(m));
    ck_assert_ok(genre_mlp_get_hidden_layers(m, got, 3, &n));
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(got[0], 100);
    genre_mlp_free(m);
    genre_mlp_free(NULL);
    ck_assert_status(genre_mlp_create(NULL), GENRE_E_INVALID_ARG);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mlp_params");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_params);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
