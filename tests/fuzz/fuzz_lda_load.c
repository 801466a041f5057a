/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: genre_lda_load_from_memory, then class probabilities,
 * labels and the transform of three rows, re-save and reload (fuzz_load.h). */
#include "fuzz_load.h"

static void use(const genre_lda *l, const uint8_t *data, size_t size)
{
    int64_t d = 0, K = 0, k = 0;
    fuzz_require(genre_lda_get_i64(l, GENRE_LDA_N_FEATURES, &d) == GENRE_OK && d >= 1);
    fuzz_require(genre_lda_get_i64(l, GENRE_LDA_N_CLASSES, &K) == GENRE_OK && K >= 2);
    fuzz_require(genre_lda_get_i64(l, GENRE_LDA_N_COMPONENTS_FITTED, &k) == GENRE_OK &&
                 k >= 1);
    size_t n = (size_t)d, nK = (size_t)K, nk = (size_t)k;
    double *x = fuzz_load_rows(n, data, size), *p = fuzz_load_rows(nK, data, size);
    double *z = fuzz_load_rows(nk, data, size);
    int32_t labels[3];
    fuzz_use_check(genre_lda_predict_proba(l, x, 3, n, n, p, 3 * nK, NULL));
    fuzz_use_check(genre_lda_predict(l, x, 3, n, n, labels, 3, NULL));
    fuzz_use_check(genre_lda_transform(l, x, 3, n, n, z, 3 * nk, NULL));
    free(x);
    free(p);
    free(z);
}

FUZZ_LOAD_TARGET(lda, GENRE_MODEL_LDA, 0, use)
