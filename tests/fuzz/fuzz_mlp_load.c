/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: genre_mlp_load_from_memory, then the predictions of three
 * rows (probabilities and labels of a classifier, values of a regressor),
 * re-save and reload (fuzz_load.h). */
#include "fuzz_load.h"

static void use(const genre_mlp *m, const uint8_t *data, size_t size)
{
    int64_t task = 0, d = 0, k = 0;
    fuzz_require(genre_mlp_get_i64(m, GENRE_MLP_TASK, &task) == GENRE_OK);
    fuzz_require(genre_mlp_get_i64(m, GENRE_MLP_N_FEATURES, &d) == GENRE_OK && d >= 1);
    fuzz_require(genre_mlp_get_i64(m, GENRE_MLP_N_OUTPUTS, &k) == GENRE_OK && k >= 1);
    size_t n = (size_t)d, nk = (size_t)k;
    double *x = fuzz_load_rows(n, data, size), *y = fuzz_load_rows(nk, data, size);
    if (task == GENRE_MLP_TASK_CLASSIFICATION) {
        int32_t labels[3];
        fuzz_use_check(genre_mlp_predict_proba(m, x, 3, n, n, y, 3 * nk, NULL));
        fuzz_use_check(genre_mlp_predict(m, x, 3, n, n, labels, 3, NULL));
    } else {
        fuzz_require(task == GENRE_MLP_TASK_REGRESSION);
        fuzz_use_check(genre_mlp_predict_values(m, x, 3, n, n, y, 3 * nk, NULL));
    }
    free(x);
    free(y);
}

FUZZ_LOAD_TARGET(mlp, GENRE_MODEL_MLP, 0, use)
