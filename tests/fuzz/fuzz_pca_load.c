/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: genre_pca_load_from_memory, then transform and inverse
 * transform three rows, re-save and reload (fuzz_load.h). */
#include "fuzz_load.h"

static void use(const genre_pca *p, const uint8_t *data, size_t size)
{
    int64_t d = 0, k = 0;
    fuzz_require(genre_pca_get_i64(p, GENRE_PCA_N_FEATURES, &d) == GENRE_OK && d >= 1);
    fuzz_require(genre_pca_get_i64(p, GENRE_PCA_N_COMPONENTS_FITTED, &k) == GENRE_OK &&
                 k >= 1 && k <= d);
    size_t n = (size_t)d, nk = (size_t)k;
    double *x = fuzz_load_rows(n, data, size), *z = fuzz_load_rows(nk, data, size);
    genre_status st = genre_pca_transform(p, x, 3, n, n, z, 3 * nk, NULL);
    fuzz_use_check(st);
    if (st == GENRE_OK)
        fuzz_use_check(genre_pca_inverse_transform(p, z, 3, nk, nk, x, 3 * n, NULL));
    free(x);
    free(z);
}

FUZZ_LOAD_TARGET(pca, GENRE_MODEL_PCA, 0, use)
