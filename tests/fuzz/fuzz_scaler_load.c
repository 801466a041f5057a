/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: genre_scaler_load_from_memory, then transform and inverse
 * transform three rows, re-save and reload (fuzz_load.h). */
#include "fuzz_load.h"

static void use(const genre_scaler *s, const uint8_t *data, size_t size)
{
    int64_t d = 0;
    fuzz_require(genre_scaler_get_i64(s, GENRE_SCALER_N_FEATURES, &d) == GENRE_OK && d >= 1);
    size_t n = (size_t)d;
    double *x = fuzz_load_rows(n, data, size), *y = fuzz_load_rows(n, data, size);
    genre_status st = genre_scaler_transform(s, x, 3, n, n, y, 3 * n, NULL);
    fuzz_use_check(st);
    if (st == GENRE_OK)
        fuzz_use_check(genre_scaler_inverse_transform(s, y, 3, n, n, x, 3 * n, NULL));
    free(x);
    free(y);
}

FUZZ_LOAD_TARGET(scaler, GENRE_MODEL_SCALER, 0, use)
