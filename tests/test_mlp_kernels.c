/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MLP's dense kernels: built-in and CBLAS agree, and the AVX2 kernels
 * give the same bits as the portable ones. */
#include "mlp_fixture.h"
#include "mlp_private.h"

#include <stdio.h>
#include <string.h>

/* ---- Kernels ------------------------------------------------------------------------ */

START_TEST(test_kernels_agree)
{
    make_blobs();
    double p[2][NB * KB];
    for (int k = 0; k < 2; k++) {
        genre_mlp *m = small_model();
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_DENSE_KERNEL,
                                       k ? GENRE_MLP_KERNEL_CBLAS : GENRE_MLP_KERNEL_BUILTIN));
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 5));
        ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
        ck_assert_ok(genre_mlp_predict_proba(m, bx, NB, DB, DB, p[k], NB * KB, NULL));
        genre_mlp_free(m);
    }
    for (size_t i = 0; i < NB * KB; i++)
        ck_assert_double_eq_tol(p[0][i], p[1][i], 1e-9);
}
END_TEST

/* The AVX2 kernels and Adam give the same bits as the portable ones, with
 * row counts and widths that exercise every block tail (and dropout, tanh,
 * regression: the unfused paths; a 70-wide layer: weight gradients whose
 * lanes the AVX2 kernel takes in slices of the inputs). */
START_TEST(test_kernels_portable_bits)
{
    enum { N = 203, D = 13, K = 10 };
    static double x[N * D], y[N * 2], out[2][N * K];
    int32_t lab[N];
    lcg_state = 17;
    for (size_t i = 0; i < N * D; i++)
        x[i] = nrand();
    for (size_t i = 0; i < N; i++) {
        lab[i] = (int32_t)(i % K);
        y[2 * i] = nrand();
        y[2 * i + 1] = nrand();
    }
    const int32_t hidden[3] = {20, 15, 7}, wide[1] = {70};
    /* configs 4-7: the same in float32 (GENRE_MLP_PRECISION_FLOAT), 2 threads for 5 */
    for (int cfg8 = 0; cfg8 < 8; cfg8++) {
        const int cfg = cfg8 % 4, f32 = cfg8 >= 4;
        for (int portable = 0; portable < 2; portable++) {
            int has_avx2 = genre__mlp_test_force_portable(portable);
            if (!has_avx2 && portable == 0)
                printf("no AVX2 kernels on this build or CPU: comparing portable with itself\n");
            genre_mlp *m = NULL;
            ck_assert_ok(genre_mlp_create(&m));
            if (cfg == 3)
                ck_assert_ok(genre_mlp_set_hidden_layers(m, wide, 1));
            else
                ck_assert_ok(genre_mlp_set_hidden_layers(m, hidden, cfg == 0 ? 2 : 3));
            ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_DENSE_KERNEL, GENRE_MLP_KERNEL_BUILTIN));
            ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 4));
            ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, 64));
            ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.01));
            if (f32) {
                ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION,
                                               GENRE_MLP_PRECISION_FLOAT));
                ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, cfg == 1 ? 2 : 1));
            }
            if (cfg == 1) {
                ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_DROPOUT, 0.2));
                ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_ACTIVATION, GENRE_MLP_ACT_TANH));
            }
            if (cfg == 2) {
                ck_assert_ok(genre_mlp_fit_regression(m, x, N, D, D, y, 2, NULL, 0, 0, NULL));
                ck_assert_ok(genre_mlp_predict_values(m, x, N, D, D, out[portable], N * K,
                                                      NULL));
            } else {
                ck_assert_ok(genre_mlp_fit(m, x, N, D, D, lab, NULL, 0, 0, NULL));
                ck_assert_ok(genre_mlp_predict_proba(m, x, N, D, D, out[portable], N * K,
                                                     NULL));
            }
            genre_mlp_free(m);
        }
        genre__mlp_test_force_portable(0);
        size_t cnt = cfg == 2 ? (size_t)N * 2 : (size_t)N * K;
        ck_assert_msg(memcmp(out[0], out[1], cnt * sizeof(double)) == 0,
                      "config %d: AVX2 and portable kernels differ", cfg8);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mlp_kernels");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_kernels_agree);
    tcase_add_test(tc, test_kernels_portable_bits);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
