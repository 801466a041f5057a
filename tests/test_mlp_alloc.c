/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Allocation failures in the MLP: every allocation of a fit, save, load and
 * predict fails once, on one and two threads, in double and float32. */
#include "mlp_fixture.h"

#include <stdlib.h>

/* ---- Allocation failures ------------------------------------------------------------------ */

static genre_status scenario(void *ctx)
{
    const int flags = ctx ? *(const int *)ctx : 0; /* 1: two threads, 2: float32 */
    const int threads = flags & 1;
    genre_mlp *m = NULL, *r = NULL;
    unsigned char *buf = NULL;
    size_t len = 0;
    double p[12 * 3];
    int32_t w[2] = {4, 3};
    genre_status st = genre_mlp_create(&m);
    if (st == GENRE_OK)
        st = genre_mlp_set_hidden_layers(m, w, 2);
    if (st == GENRE_OK)
        st = genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 2);
    if (st == GENRE_OK)
        st = genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, 1);
    if (st == GENRE_OK)
        st = genre_mlp_set_f64(m, GENRE_MLP_DROPOUT, 0.1);
    if (st == GENRE_OK && threads)
        st = genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, 2);
    if (st == GENRE_OK && (flags & 2))
        st = genre_mlp_set_i64(m, GENRE_MLP_PRECISION, GENRE_MLP_PRECISION_FLOAT);
    if (st == GENRE_OK)
        st = genre_mlp_fit(m, bx, 12, DB, DB, by, bx + 12 * DB, 6, DB, by + 12);
    if (st == GENRE_OK) {
        st = genre_mlp_save_to_memory(m, NULL, 0, &len);
        if (st == GENRE_E_BUFFER_TOO_SMALL)
            st = GENRE_OK;
    }
    if (st == GENRE_OK) {
        buf = malloc(len);
        st = genre_mlp_save_to_memory(m, buf, len, &len);
    }
    if (st == GENRE_OK)
        st = genre_mlp_load_from_memory(&r, buf, len);
    if (st == GENRE_OK)
        st = genre_mlp_predict_proba(r, bx, 12, DB, DB, p, 36, NULL);
    int32_t lab[12];
    if (st == GENRE_OK)
        st = genre_mlp_predict(r, bx, 12, DB, DB, lab, 12, NULL);
    free(buf);
    genre_mlp_free(r);
    genre_mlp_free(m);
    return st;
}

START_TEST(test_alloc_walk)
{
    make_blobs();
    long k = genre_test_alloc_walk(scenario, NULL);
    ck_assert_int_gt(k, 8);
    static int two_threads = 1, float1 = 2, float2 = 3;
    long k2 = genre_test_alloc_walk(scenario, &two_threads);
    ck_assert_int_gt(k2, k);
    /* float32: the float rows, weights and workspaces, on 1 and 2 threads */
    long k3 = genre_test_alloc_walk(scenario, &float1);
    ck_assert_int_gt(k3, k);
    long k4 = genre_test_alloc_walk(scenario, &float2);
    ck_assert_int_gt(k4, k3);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mlp_alloc");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_alloc_walk);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
