/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: genre_kmeans_load_from_memory, then the clusters of three
 * rows, re-save and reload (fuzz_load.h). */
#include "fuzz_load.h"

static void use(const genre_kmeans *km, const uint8_t *data, size_t size)
{
    int64_t d = 0;
    fuzz_require(genre_kmeans_get_i64(km, GENRE_KMEANS_N_FEATURES, &d) == GENRE_OK && d >= 1);
    size_t n = (size_t)d;
    double *x = fuzz_load_rows(n, data, size);
    int32_t labels[3];
    fuzz_use_check(genre_kmeans_predict(km, x, 3, n, n, labels, 3, NULL));
    free(x);
}

FUZZ_LOAD_TARGET(kmeans, GENRE_MODEL_KMEANS, 0, use)
