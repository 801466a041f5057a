/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The scaler on the frozen real split's 11 continuous training columns
 * against scikit-learn 1.2.1's StandardScaler (fixtures made by
 * tests/fixtures/make_linear_fixtures.py); key and mode masked. */
#include "harness.h"
#include "linear_fixture.h"

#include <genre/scaler.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define D GENRE_TEST_N_FEATURES

START_TEST(matches_sklearn_standard_scaler)
{
    lin_data data;
    lin_data_load(&data); /* standardizes with genre_scaler, key/mode masked */
    lin_ref mean = lin_ref_get("scaler_mean");
    lin_ref scale = lin_ref_get("scaler_scale");
    lin_ref rows = lin_ref_get("scaler_train_rows");
    uint8_t mask[D];
    for (int j = 0; j < D; j++)
        mask[j] = j != GT_KEY && j != GT_MODE;
    genre_scaler *s;
    ck_assert_ok(genre_scaler_create(&s));
    ck_assert_ok(genre_scaler_set_mask(s, mask, D));
    ck_assert_ok(genre_scaler_fit(s, data.split.x_train, data.split.n_train, D, D));
    double m[D], sc[D];
    ck_assert_ok(genre_scaler_get_mean(s, m, D, NULL));
    ck_assert_ok(genre_scaler_get_scale(s, sc, D, NULL));
    double dm = 0, ds = 0;
    for (int j = 0, o = 0; j < D; j++) {
        if (!mask[j]) {
            ck_assert_double_eq(m[j], 0.0);
            ck_assert_double_eq(sc[j], 1.0);
            continue;
        }
        dm = fmax(dm, fabs(m[j] - mean.v[o]) / fmax(1.0, fabs(mean.v[o])));
        ds = fmax(ds, fabs(sc[j] - scale.v[o]) / scale.v[o]);
        o++;
    }
    double *picked = lin_pick_rows(data.z_train, D, LIN_TRAIN_STEP, LIN_N_TRAIN_PICK);
    double dz = 0;
    for (size_t i = 0; i < (size_t)LIN_N_TRAIN_PICK * D; i++)
        dz = fmax(dz, fabs(picked[i] - rows.v[i]));
    int64_t nz;
    ck_assert_ok(genre_scaler_get_i64(s, GENRE_SCALER_N_ZERO_VARIANCE, &nz));
    printf("scaler_real: mean <= %.3g (relative), scale <= %.3g (relative), scaled rows <= "
           "%.3g\n", dm, ds, dz);
    ck_assert_int_eq(nz, 0);
    ck_assert_double_le(dm, 1e-12);
    ck_assert_double_le(ds, 1e-12);
    ck_assert_double_le(dz, 1e-12);
    free(picked);
    genre_scaler_free(s);
    lin_ref_free(&mean), lin_ref_free(&scale), lin_ref_free(&rows);
    lin_data_free(&data);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scaler_real");
    TCase *tc = tcase_create("sklearn");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, matches_sklearn_standard_scaler);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
