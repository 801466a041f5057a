/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The model-file writer's and reader's contracts: buffer sizes, sticky
 * argument and allocation errors, getters that name the tag, and a clean
 * failure at every allocation of a save and load. */
#include "model_file_fixture.h"

#include "alloc.h"
#include "error_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Writer contracts ------------------------------------------------------------ */

START_TEST(buffer_too_small_reports_the_size)
{
    size_t len;
    unsigned char *g = sample_container(&len);
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE__MF_KIND_TEST, GOLDEN_KIND_VERSION));
    w.writer_version = GOLDEN_WRITER_VERSION;
    ck_assert_ok(put_sample(&w));
    ck_assert_uint_eq(genre__mf_writer_size(&w), len);
    ck_assert_uint_eq(genre__mf_writer_size(NULL), 0);

    size_t needed = 0;
    ck_assert_status(genre__mf_finish_to_memory(&w, NULL, 0, &needed),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(needed, len);
    unsigned char *b = malloc(len);
    ck_assert_ptr_nonnull(b);
    memset(b, 0xaa, len);
    needed = 0;
    ck_assert_status(genre__mf_finish_to_memory(&w, b, len - 1, &needed),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(needed, len);
    char expect[96];
    snprintf(expect, sizeof expect, "needs %zu bytes, the buffer holds %zu", len, len - 1);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), expect));
    ck_assert_uint_eq(b[0], 0xaa); /* nothing written */
    ck_assert_ok(genre__mf_finish_to_memory(&w, b, len, &needed));
    ck_assert_mem_eq(b, g, len);
    /* finish leaves the writer as it was: again, same bytes. */
    ck_assert_ok(genre__mf_finish_to_memory(&w, b, len, &needed));
    ck_assert_mem_eq(b, g, len);
    ck_assert_status(genre__mf_finish_to_memory(&w, b, len, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_finish_to_memory(NULL, b, len, &needed), GENRE_E_INVALID_ARG);
    genre__mf_writer_free(&w);
    free(b);
    free(g);
}
END_TEST

START_TEST(writer_argument_errors_are_sticky)
{
    genre__mf_writer w;
    unsigned char buf[256];
    size_t len;
    ck_assert_status(genre__mf_writer_init(NULL, 1, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_writer_init(&w, 0, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_put_u32(&w, 1, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "model kind 0 is not valid"));
    genre__mf_writer_free(&w);
    ck_assert_status(genre__mf_writer_init(&w, -5, 1), GENRE_E_INVALID_ARG);
    genre__mf_writer_free(&w);

    /* Tags must increase; the first offence sticks and finish repeats it. */
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_LDA, 1));
    ck_assert_ok(genre__mf_put_u32(&w, 5, 1));
    ck_assert_status(genre__mf_put_u32(&w, 5, 2), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "tag 5 put after tag 5"));
    ck_assert_status(genre__mf_put_u32(&w, 9, 2), GENRE_E_INVALID_ARG); /* no-op now */
    genre_clear_error();
    ck_assert_status(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "an earlier put failed"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "tag 5 put after tag 5"));
    ck_assert_status(genre__mf_finish_to_file(&w, "/nonexistent-dir/never.genre"),
                     GENRE_E_INVALID_ARG);
    genre__mf_writer_free(&w);

    /* NULL data with elements, per array kind, and a NULL string. */
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_LDA, 1));
    ck_assert_status(genre__mf_put_f64_array(&w, 1, NULL, 3), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "'data' is NULL with 3 elements"));
    genre__mf_writer_free(&w);
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_LDA, 1));
    ck_assert_status(genre__mf_put_i32_array(&w, 1, NULL, 1), GENRE_E_INVALID_ARG);
    genre__mf_writer_free(&w);
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_LDA, 1));
    ck_assert_status(genre__mf_put_bytes(&w, 1, NULL, 1), GENRE_E_INVALID_ARG);
    genre__mf_writer_free(&w);
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_LDA, 1));
    ck_assert_status(genre__mf_put_string(&w, 1, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_put_string(&w, 2, NULL), GENRE_E_INVALID_ARG);
    genre__mf_writer_free(&w);

    ck_assert_status(genre__mf_put_u32(NULL, 1, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_put_i64(NULL, 1, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_put_f64(NULL, 1, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_put_f64_array(NULL, 1, NULL, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_put_i32_array(NULL, 1, NULL, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_put_bytes(NULL, 1, NULL, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_put_string(NULL, 1, ""), GENRE_E_INVALID_ARG);

    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_LDA, 1));
    ck_assert_status(genre__mf_finish_to_file(&w, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_finish_to_file(&w, ""), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_finish_to_file(NULL, "x"), GENRE_E_INVALID_ARG);
    genre__mf_writer_free(&w);
}
END_TEST

START_TEST(allocation_failure_in_put_is_sticky)
{
    char dir[256], path[300];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    snprintf(path, sizeof path, "%s/model.genre", dir);
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_MLP, 1));
    genre__alloc_fail_at(1);
    ck_assert_status(genre__mf_put_f64(&w, 1, 1.0), GENRE_E_NOMEM);
    genre__alloc_fail_at(0);
    /* Later puts are no-ops, even ones that would succeed or be invalid. */
    ck_assert_status(genre__mf_put_u32(&w, 2, 1), GENRE_E_NOMEM);
    ck_assert_status(genre__mf_put_u32(&w, 1, 1), GENRE_E_NOMEM);
    ck_assert_status(genre__mf_put_f64_array(&w, 3, NULL, 4), GENRE_E_NOMEM);
    ck_assert_status(genre__mf_put_string(&w, 4, NULL), GENRE_E_NOMEM);
    ck_assert_uint_eq(w.len, 0);
    unsigned char buf[128];
    size_t len;
    ck_assert_status(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len), GENRE_E_NOMEM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "out of memory"));
    ck_assert_status(genre__mf_finish_to_file(&w, path), GENRE_E_NOMEM);
    ck_assert_int_eq(genre_test_count_entries(dir), 0);
    genre__mf_writer_free(&w);
    genre_test_remove_tree(dir);
}
END_TEST

/* ---- Reader contracts ------------------------------------------------------------ */

START_TEST(getter_errors_name_the_tag)
{
    size_t len;
    unsigned char *g = sample_container(&len);
    genre__mf_reader r;
    ck_assert_ok(genre__mf_reader_open(&r, g, len, GENRE__MF_KIND_TEST));
    uint32_t u;
    int64_t i;
    double d, f[9];
    int32_t i32[6];
    unsigned char bytes[16];
    char s[8];
    size_t n;

    ck_assert_status(genre__mf_get_u32(&r, 77, &u), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "no record with tag 77"));
    ck_assert_status(genre__mf_get_u32(&r, 5000, &u), GENRE_E_CORRUPT); /* past the last */
    ck_assert_status(genre__mf_get_i64(&r, T_U32, &i), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "tag 1 is a u32, not a i64"));
    ck_assert_status(genre__mf_get_f64(&r, T_F64S, &d), GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_u32(&r, T_F64_NAN, &u), GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_count(&r, T_F64S, GENRE__MF_I32_ARRAY, &n),
                     GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_f64_array(&r, T_I32S, f, 5), GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_i32_array(&r, T_F64S, i32, 8), GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_bytes(&r, T_STRING, bytes, 3), GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_string(&r, T_BYTES, s, sizeof s), GENRE_E_CORRUPT);
    char *a;
    ck_assert_status(genre__mf_get_string_alloc(&r, 404, &a), GENRE_E_CORRUPT);

    /* Count mismatches, both ways. */
    ck_assert_status(genre__mf_get_f64_array(&r, T_F64S, f, 9), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "tag 5 holds 8 elements, expected 9"));
    ck_assert_status(genre__mf_get_f64_array(&r, T_F64S, f, 7), GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_i32_array(&r, T_I32S, i32, 6), GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_bytes(&r, T_BYTES, bytes, 2), GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_f64_array(&r, T_F64S_EMPTY, f, 1), GENRE_E_CORRUPT);
    /* A string longer than the loader allows. */
    ck_assert_status(genre__mf_get_string(&r, T_STRING, s, sizeof s), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "more than the 7 allowed"));

    /* Caller errors. */
    ck_assert_status(genre__mf_get_u32(&r, T_U32, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_i64(&r, T_I64, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_f64(&r, T_F64_NAN, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_count(&r, T_F64S, GENRE__MF_F64_ARRAY, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_f64_array(&r, T_F64S, NULL, 8), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_i32_array(&r, T_I32S, NULL, 5), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_bytes(&r, T_BYTES, NULL, 6), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_string(&r, T_STRING, NULL, 8), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_string(&r, T_STRING, s, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_string_alloc(&r, T_STRING, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_u32(NULL, T_U32, &u), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_reader_open(NULL, g, len, GENRE__MF_ANY_KIND),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_reader_open(&r, NULL, 10, GENRE__MF_ANY_KIND),
                     GENRE_E_INVALID_ARG);
    ck_assert_int_eq(genre__mf_next(&r, NULL, NULL, NULL, NULL), 0);

    /* A reader that is not open. */
    genre__mf_reader closed;
    memset(&closed, 0, sizeof closed);
    ck_assert_status(genre__mf_get_u32(&closed, T_U32, &u), GENRE_E_BAD_STATE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "not open"));
    ck_assert_status(genre__mf_get_i64(&closed, T_I64, &i), GENRE_E_BAD_STATE);
    ck_assert_status(genre__mf_get_f64(&closed, T_F64_NAN, &d), GENRE_E_BAD_STATE);
    ck_assert_status(genre__mf_get_count(&closed, T_F64S, GENRE__MF_F64_ARRAY, &n),
                     GENRE_E_BAD_STATE);
    ck_assert_status(genre__mf_get_f64_array(&closed, T_F64S, f, 8), GENRE_E_BAD_STATE);
    ck_assert_status(genre__mf_get_i32_array(&closed, T_I32S, i32, 5), GENRE_E_BAD_STATE);
    ck_assert_status(genre__mf_get_bytes(&closed, T_BYTES, bytes, 6), GENRE_E_BAD_STATE);
    ck_assert_status(genre__mf_get_string(&closed, T_STRING, s, 8), GENRE_E_BAD_STATE);
    ck_assert_status(genre__mf_get_string_alloc(&closed, T_STRING, &a), GENRE_E_BAD_STATE);
    ck_assert_int_eq(genre__mf_has(&closed, T_U32), 0);
    size_t cursor = 0;
    ck_assert_int_eq(genre__mf_next(&closed, &cursor, NULL, NULL, NULL), 0);
    free(g);
}
END_TEST

/* ---- Allocation failures ------------------------------------------------------- */

struct walk_ctx {
    char dir[256];
};

/* write -> finish_to_memory -> open -> get -> save -> read back, freeing all. */
static genre_status save_load_scenario(void *arg)
{
    struct walk_ctx *ctx = arg;
    char path[300];
    snprintf(path, sizeof path, "%s/walk.genre", ctx->dir);
    genre__mf_writer w;
    genre__mf_reader r;
    unsigned char *mem = NULL;
    void *file = NULL, *opened = NULL;
    char *s = NULL;
    size_t len = 0, flen = 0;
    double f[8];
    genre_status st = genre__mf_writer_init(&w, GENRE__MF_KIND_TEST, 1);
    if (st == GENRE_OK) {
        /* Enough records that the payload buffer grows more than once. */
        static const double big[200];
        put_sample(&w);
        genre__mf_put_f64_array(&w, 2000, big, 200);
        st = genre__mf_put_f64_array(&w, 2001, big, 200);
    }
    if (st == GENRE_OK) {
        st = genre__mf_finish_to_memory(&w, NULL, 0, &len);
        if (st == GENRE_E_BUFFER_TOO_SMALL)
            st = GENRE_OK;
    }
    if (st == GENRE_OK) {
        mem = genre__alloc_array(len, 1);
        if (!mem)
            st = GENRE_E_NOMEM;
    }
    if (st == GENRE_OK)
        st = genre__mf_finish_to_memory(&w, mem, len, &len);
    if (st == GENRE_OK)
        st = genre__mf_reader_open(&r, mem, len, GENRE__MF_KIND_TEST);
    if (st == GENRE_OK)
        st = genre__mf_get_f64_array(&r, T_F64S, f, 8);
    if (st == GENRE_OK)
        st = genre__mf_get_string_alloc(&r, T_STRING, &s);
    if (st == GENRE_OK)
        st = genre__mf_finish_to_file(&w, path);
    if (st == GENRE_OK)
        st = genre__mf_read_file(path, GENRE__MF_MAX_FILE_BYTES, &file, &flen);
    if (st == GENRE_OK && (flen != len || memcmp(file, mem, len) != 0))
        st = GENRE_FAIL(GENRE_E_INTERNAL, "the file differs from the memory image");
    if (st == GENRE_OK)
        st = genre__mf_open_file(&r, path, GENRE__MF_KIND_TEST, &opened);
    if (st == GENRE_OK)
        st = genre_model_peek(path, NULL, NULL);
    genre__free(opened);
    genre__free(file);
    genre__free(s);
    genre__free(mem);
    genre__mf_writer_free(&w);
    return st;
}

START_TEST(allocation_failures_are_clean)
{
    struct walk_ctx ctx;
    genre_test_temp_dir(ctx.dir, sizeof ctx.dir, "genre-mf");
    long k = genre_test_alloc_walk(save_load_scenario, &ctx);
    ck_assert_int_ge(k, 7); /* writer growth x2+, buffer, string, tmp name, 3 reads */
    ck_assert_int_eq(genre_test_count_entries(ctx.dir), 1); /* only walk.genre, no temp files */
    genre_test_remove_tree(ctx.dir);
}
END_TEST


int main(void)
{
    Suite *s = suite_create("core_model_file_contracts");
    TCase *tc = tcase_create("contracts");
    tcase_add_test(tc, buffer_too_small_reports_the_size);
    tcase_add_test(tc, writer_argument_errors_are_sticky);
    tcase_add_test(tc, allocation_failure_in_put_is_sticky);
    tcase_add_test(tc, getter_errors_name_the_tag);
    suite_add_tcase(s, tc);

    tc = tcase_create("alloc");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, allocation_failures_are_clean);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
