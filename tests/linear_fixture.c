/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "linear_fixture.h"
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

lin_ref lin_ref_get(const char *name)
{
    return genre_test_block_get("tests/fixtures/linear_reference.txt", name);
}

void lin_ref_free(lin_ref *r)
{
    genre_test_block_free(r);
}

double *lin_pick_rows(const double *x, size_t cols, size_t step, size_t count)
{
    double *out = malloc(count * cols * sizeof *out);
    ck_assert_ptr_nonnull(out);
    for (size_t i = 0; i < count; i++)
        memcpy(out + i * cols, x + i * step * cols, cols * sizeof *out);
    return out;
}

double lin_max_diff_up_to_sign(const double *a, const double *b, size_t rows, size_t cols)
{
    double worst = 0.0;
    for (size_t c = 0; c < cols; c++) {
        size_t best = 0;
        for (size_t i = 0; i < rows; i++)
            if (fabs(b[i * cols + c]) > fabs(b[best * cols + c]))
                best = i;
        double s = (a[best * cols + c] < 0) == (b[best * cols + c] < 0) ? 1.0 : -1.0;
        for (size_t i = 0; i < rows; i++) {
            double dlt = fabs(a[i * cols + c] - s * b[i * cols + c]);
            if (dlt > worst || isnan(dlt))
                worst = isnan(dlt) ? INFINITY : dlt;
        }
    }
    return worst;
}

static double *drop_key(const double *x, size_t n)
{
    double *out = malloc(n * 12 * sizeof *out);
    ck_assert_ptr_nonnull(out);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0, o = 0; j < GENRE_TEST_N_FEATURES; j++)
            if (j != GT_KEY)
                out[i * 12 + o++] = x[i * GENRE_TEST_N_FEATURES + j];
    return out;
}

void lin_data_load(lin_data *data)
{
    memset(data, 0, sizeof *data);
    ck_assert_int_eq(genre_test_split_read(&data->split), 0);
    const size_t d = GENRE_TEST_N_FEATURES, nt = data->split.n_train, ns = data->split.n_test;
    uint8_t mask[GENRE_TEST_N_FEATURES];
    for (size_t j = 0; j < d; j++)
        mask[j] = j != GT_KEY && j != GT_MODE;
    genre_scaler *s;
    ck_assert_ok(genre_scaler_create(&s));
    ck_assert_ok(genre_scaler_set_mask(s, mask, d));
    ck_assert_ok(genre_scaler_fit(s, data->split.x_train, nt, d, d));
    data->z_train = malloc(nt * d * sizeof(double));
    data->z_test = malloc(ns * d * sizeof(double));
    ck_assert(data->z_train && data->z_test);
    ck_assert_ok(genre_scaler_transform(s, data->split.x_train, nt, d, d, data->z_train, nt * d,
                                        NULL));
    ck_assert_ok(genre_scaler_transform(s, data->split.x_test, ns, d, d, data->z_test, ns * d,
                                        NULL));
    genre_scaler_free(s);
    data->p_train = drop_key(data->z_train, nt);
    data->p_test = drop_key(data->z_test, ns);
}

void lin_data_free(lin_data *data)
{
    genre_test_split_free(&data->split);
    free(data->z_train);
    free(data->z_test);
    free(data->p_train);
    free(data->p_test);
    memset(data, 0, sizeof *data);
}
