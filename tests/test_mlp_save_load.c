/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Saving and loading the MLP: memory and file round trips, truncation and
 * flipped bytes, and containers whose MLP payload lies. */
#include "mlp_fixture.h"
#include "model_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- Persistence ------------------------------------------------------------------------ */

START_TEST(test_save_load)
{
    make_blobs();
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 10));
    ck_assert_ok(genre_mlp_fit(m, bx, 200, DB, DB, by, bx + 200 * DB, NB - 200, DB, by + 200));
    size_t len = 0;
    ck_assert_status(genre_mlp_save_to_memory(m, NULL, 0, &len), GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *buf = malloc(len);
    ck_assert_ptr_nonnull(buf);
    ck_assert_status(genre_mlp_save_to_memory(m, buf, len - 1, &len),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_ok(genre_mlp_save_to_memory(m, buf, len, &len));
    genre_mlp *r = NULL;
    ck_assert_ok(genre_mlp_load_from_memory(&r, buf, len));
    double p1[NB * KB], p2[NB * KB];
    ck_assert_ok(genre_mlp_predict_proba(m, bx, NB, DB, DB, p1, NB * KB, NULL));
    ck_assert_ok(genre_mlp_predict_proba(r, bx, NB, DB, DB, p2, NB * KB, NULL));
    ck_assert(memcmp(p1, p2, sizeof p1) == 0);
    double h1[10], h2[10], lr;
    size_t ne;
    ck_assert_ok(genre_mlp_get_history(m, GENRE_MLP_HISTORY_VAL_LOSS, h1, 10, &ne));
    ck_assert_ok(genre_mlp_get_history(r, GENRE_MLP_HISTORY_VAL_LOSS, h2, 10, &ne));
    ck_assert(memcmp(h1, h2, sizeof h1) == 0);
    ck_assert_ok(genre_mlp_get_f64(r, GENRE_MLP_LEARNING_RATE, &lr));
    ck_assert(lr == 0.01);
    int32_t hid[4];
    ck_assert_ok(genre_mlp_get_hidden_layers(r, hid, 4, &ne));
    ck_assert_uint_eq(ne, 2);
    ck_assert_int_eq(hid[1], 6);
    /* the loaded model saves the same bytes */
    unsigned char *buf2 = malloc(len);
    size_t len2;
    ck_assert_ok(genre_mlp_save_to_memory(r, buf2, len, &len2));
    ck_assert_uint_eq(len, len2);
    ck_assert(memcmp(buf, buf2, len) == 0);
    free(buf2);
    genre_mlp_free(r);

    /* file round trip */
    char path[] = "/tmp/genre-test-mlp-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_ok(genre_mlp_save(m, path));
    ck_assert_ok(genre_mlp_load(&r, path));
    ck_assert_ok(genre_mlp_predict_proba(r, bx, NB, DB, DB, p2, NB * KB, NULL));
    ck_assert(memcmp(p1, p2, sizeof p1) == 0);
    genre_mlp_free(r);
    r = NULL;
    /* truncated file */
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite(buf, 1, len / 2, f);
    fclose(f);
    ck_assert_status(genre_mlp_load(&r, path), GENRE_E_CORRUPT);
    ck_assert_ptr_null(r);
    unlink(path);
    ck_assert_status(genre_mlp_load(&r, path), GENRE_E_IO);

    /* every truncation and every flipped byte is rejected, never crashes */
    for (size_t n = 0; n < len; n++)
        ck_assert_status(genre_mlp_load_from_memory(&r, buf, n), GENRE_E_CORRUPT);
    for (size_t i = 0; i < len; i++) {
        buf[i] ^= 0x5a;
        genre_status st = genre_mlp_load_from_memory(&r, buf, len);
        ck_assert_msg(st == GENRE_E_CORRUPT || st == GENRE_E_VERSION ||
                          st == GENRE_E_MODEL_KIND,
                      "byte %zu flipped: %s", i, genre_status_name(st));
        buf[i] ^= 0x5a;
    }
    ck_assert_ptr_null(r);
    free(buf);
    genre_mlp_free(m);
}
END_TEST

/* A well-formed container whose MLP payload lies: parameter count or widths. */
START_TEST(test_load_inconsistent)
{
    make_blobs();
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 1));
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    /* a container of another kind */
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_PCA, 1));
    ck_assert_ok(genre__mf_put_u32(&w, 1, 0));
    size_t len;
    unsigned char buf[4096];
    ck_assert_ok(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len));
    genre__mf_writer_free(&w);
    genre_mlp *r = NULL;
    ck_assert_status(genre_mlp_load_from_memory(&r, buf, len), GENRE_E_MODEL_KIND);
    /* an MLP container with widths that do not match the parameters */
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_MLP, 1));
    int32_t widths[3] = {4, 8, 3};
    double params[10] = {0};
    genre__mf_put_u32(&w, 1, 0);
    genre__mf_put_u32(&w, 2, 0);
    genre__mf_put_i32_array(&w, 3, widths, 3);
    genre__mf_put_f64_array(&w, 4, params, 10);
    ck_assert_ok(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len));
    genre__mf_writer_free(&w);
    ck_assert_status(genre_mlp_load_from_memory(&r, buf, len), GENRE_E_CORRUPT);
    /* zero-width layer in a file */
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_MLP, 1));
    widths[1] = 0;
    genre__mf_put_u32(&w, 1, 0);
    genre__mf_put_u32(&w, 2, 0);
    genre__mf_put_i32_array(&w, 3, widths, 3);
    genre__mf_put_f64_array(&w, 4, params, 10);
    ck_assert_ok(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len));
    genre__mf_writer_free(&w);
    ck_assert_status(genre_mlp_load_from_memory(&r, buf, len), GENRE_E_CORRUPT);
    /* a newer payload version */
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_MLP, 99));
    genre__mf_put_u32(&w, 1, 0);
    ck_assert_ok(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len));
    genre__mf_writer_free(&w);
    ck_assert_status(genre_mlp_load_from_memory(&r, buf, len), GENRE_E_VERSION);
    ck_assert_ptr_null(r);
    genre_mlp_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mlp_save_load");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_save_load);
    tcase_add_test(tc, test_load_inconsistent);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
