/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Range readers and the record index (lib/dataset/dataset_index.c,
 * dataset_reader.c): P readers over [0, size) cut in P parts return every
 * record exactly once, in order, with the file's lines (with an index,
 * quoted line breaks anywhere near the cuts; without, a file without them,
 * and a quoted line break is an error naming its line); every byte as a
 * cut; the index saved, loaded, damaged, stale; allocation failures.
 */
#include "harness.h"
#include "stream_fixture.h"

#include "alloc.h"
#include "dataset_private.h"
#include "model_file.h"

#include <genre/model.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t file_size(const char *path)
{
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    return (uint64_t)sb.st_size;
}

/* The ranges [cut[k], cut[k + 1]) read one after another give full. */
static void check_cuts(const genre_dataset_schema *s, const char *path, const genre_dataset *full,
                       const uint64_t *cut, size_t n_ranges, const genre_dataset_index *ix,
                       size_t max_rows)
{
    size_t at = 0;
    int64_t sum[STREAM_FIXTURE_SUMS] = {0};
    for (size_t k = 0; k < n_ranges; k++) {
        genre_dataset_reader *r = NULL;
        if (genre_dataset_reader_open_range(&r, s, path, cut[k], cut[k + 1], ix) != GENRE_OK)
            ck_abort_msg("range [%llu, %llu): %s", (unsigned long long)cut[k],
                         (unsigned long long)cut[k + 1], genre_last_error());
        stream_fixture_check_reader(r, max_rows, full, &at, sum);
        genre_dataset_reader_free(r);
    }
    if (at != full->n_rows)
        ck_abort_msg("%zu rows read in %zu ranges, %zu in the file", at, n_ranges,
                     full->n_rows);
    stream_fixture_counters_equal(full, sum);
}

/* P = 1..7 equal parts of [0, size). */
static void check_parts(const genre_dataset_schema *s, const char *path,
                        const genre_dataset_index *ix)
{
    genre_dataset *full = NULL;
    ck_assert_ok(genre_dataset_read(&full, s, path));
    uint64_t size = file_size(path);
    for (size_t p = 1; p <= 7; p++) {
        uint64_t cut[8];
        for (size_t k = 0; k <= p; k++)
            cut[k] = size * k / p;
        check_cuts(s, path, full, cut, p, ix, 5);
    }
    genre_dataset_free(full);
}

/* Two ranges cut at every byte, and a range of nothing. */
static void check_every_cut(const genre_dataset_schema *s, const char *path,
                            const genre_dataset_index *ix)
{
    genre_dataset *full = NULL;
    ck_assert_ok(genre_dataset_read(&full, s, path));
    uint64_t size = file_size(path);
    for (uint64_t b = 0; b <= size; b++) {
        uint64_t cut[3] = {0, b, size};
        check_cuts(s, path, full, cut, 2, ix, 4);
        uint64_t none[4] = {0, b, b, size}; /* [b, b) holds no record start */
        check_cuts(s, path, full, none, 3, ix, 1000);
    }
    genre_dataset_free(full);
}

START_TEST(ranges_with_an_index_cover_every_record_once)
{
    genre_dataset_schema *s = stream_fixture_schema();
    for (int crlf = 0; crlf <= 1; crlf++) {
        stream_fixture_file f;
        /* a quoted line break every third row: one near every cut */
        stream_fixture_file_make(&f, 400, 3, crlf, 0, 0);
        const int64_t every[] = {1, 4, 1000};
        for (size_t e = 0; e < 3; e++) {
            genre_dataset_index *ix = NULL;
            ck_assert_ok(genre_dataset_index_build(&ix, s, f.path, every[e]));
            int64_t v = 0;
            ck_assert_ok(genre_dataset_index_get_i64(ix, GENRE_INDEX_RECORDS, &v));
            ck_assert_int_eq(v, 400);
            ck_assert_ok(genre_dataset_index_get_i64(ix, GENRE_INDEX_ENTRIES, &v));
            ck_assert_int_eq(v, (400 + every[e] - 1) / every[e]);
            ck_assert_ok(genre_dataset_index_get_i64(ix, GENRE_INDEX_FILE_BYTES, &v));
            ck_assert_int_eq(v, (int64_t)f.len);
            ck_assert_ok(genre_dataset_index_get_i64(ix, GENRE_INDEX_DATA_BEGIN, &v));
            ck_assert_int_eq(v, (int64_t)strlen(crlf ? "id,artist,title,x,y,key,genre\r\n"
                                                     : "id,artist,title,x,y,key,genre\n"));
            ck_assert_ok(genre_dataset_index_get_i64(ix, GENRE_INDEX_EVERY, &v));
            ck_assert_int_eq(v, every[e]);
            check_parts(s, f.path, ix);
            genre_dataset_index_free(ix);
        }
        stream_fixture_file_drop(&f);
        /* every byte as the cut, on a small file */
        stream_fixture_file_make(&f, 20, 2, crlf, 0, 0);
        genre_dataset_index *ix = NULL;
        ck_assert_ok(genre_dataset_index_build(&ix, s, f.path, 3));
        check_every_cut(s, f.path, ix);
        genre_dataset_index_free(ix);
        stream_fixture_file_drop(&f);
    }
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(ranges_without_an_index)
{
    genre_dataset_schema *s = stream_fixture_schema();
    for (int crlf = 0; crlf <= 1; crlf++) {
        stream_fixture_file f;
        stream_fixture_file_make(&f, 400, 0, crlf, 0, 0);
        check_parts(s, f.path, NULL);
        stream_fixture_file_drop(&f);
        stream_fixture_file_make(&f, 20, 0, crlf, 0, 0);
        check_every_cut(s, f.path, NULL);
        stream_fixture_file_drop(&f);
    }
    genre_dataset_schema_free(s);
}
END_TEST

/* Without an index, a quoted line break fails the reader that passes or
 * reads it, naming the record's line; with one, the same cuts succeed. */
START_TEST(a_quoted_line_break_without_an_index_names_its_line)
{
    genre_dataset_schema *s = stream_fixture_schema();
    stream_fixture_file f;
    stream_fixture_file_make(&f, 100, 40, 0, 0, 0); /* rows 39 and 79 */
    genre_dataset *full = NULL;
    ck_assert_ok(genre_dataset_read(&full, s, f.path));
    char want[64];
    snprintf(want, sizeof want, ":%lld: a quoted field holds a line break",
             (long long)full->line[39]);
    genre_dataset_reader *r = NULL;
    ck_assert_ok(genre_dataset_reader_open_range(&r, s, f.path, 0, f.len, NULL));
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_reader_next(r, 39, &ds)); /* rows 0..38 */
    ck_assert_uint_eq(ds->n_rows, 39);
    genre_dataset_free(ds);
    ck_assert_status(genre_dataset_reader_next(r, 39, &ds), GENRE_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), want));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_dataset_reader_next: "));
    genre_dataset_reader_free(r);
    /* a range after it: passing it fails at open */
    ck_assert_status(genre_dataset_reader_open_range(&r, s, f.path, f.len / 2, f.len, NULL),
                     GENRE_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), want));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_dataset_reader_open_range: "));
    ck_assert_ptr_null(r);
    genre_dataset_free(full);
    stream_fixture_file_drop(&f);
    genre_dataset_schema_free(s);
}
END_TEST

/* A damaged record in a range: read_file's status and message, real line. */
START_TEST(range_errors_keep_the_file_line)
{
    genre_dataset_schema *s = stream_fixture_schema();
    size_t len = 0;
    char *text = stream_fixture_text(200, 9, 0, &len);
    /* row 150's y becomes text */
    char *row = strstr(text, "\n150,");
    ck_assert_ptr_nonnull(row);
    char *y = row + 1;
    for (int commas = 0; commas < 4; y++)
        commas += *y == ',';
    y[0] = 'Q';
    char path[256];
    stream_fixture_write(path, sizeof path, text, len, 0, 0);
    genre_dataset *full = NULL;
    ck_assert_status(genre_dataset_read(&full, s, path), GENRE_E_NOT_A_NUMBER);
    char want[512];
    snprintf(want, sizeof want, "%s", stream_fixture_message_tail());
    genre_dataset_index *ix = NULL;
    ck_assert_ok(genre_dataset_index_build(&ix, s, path, 16));
    int failures = 0;
    for (size_t k = 0; k < 3; k++) {
        genre_dataset_reader *r = NULL;
        ck_assert_ok(genre_dataset_reader_open_range(&r, s, path, len * k / 3,
                                                     len * (k + 1) / 3, ix));
        genre_status st;
        genre_dataset *ds = NULL;
        do {
            genre_dataset_free(ds);
            ds = NULL;
            st = genre_dataset_reader_next(r, 7, &ds);
        } while (st == GENRE_OK && ds);
        if (st != GENRE_OK) {
            ck_assert_int_eq(st, GENRE_E_NOT_A_NUMBER);
            ck_assert_str_eq(stream_fixture_message_tail(), want);
            failures++;
        }
        genre_dataset_reader_free(r);
    }
    ck_assert_int_eq(failures, 1);
    genre_dataset_index_free(ix);
    remove(path);
    free(text);
    genre_dataset_schema_free(s);
}
END_TEST

static unsigned char *saved(const genre_dataset_index *ix, size_t *n)
{
    ck_assert_status(genre_dataset_index_save_to_memory(ix, NULL, 0, n), GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *b = malloc(*n);
    ck_assert_ptr_nonnull(b);
    size_t written = 0;
    ck_assert_ok(genre_dataset_index_save_to_memory(ix, b, *n, &written));
    ck_assert_uint_eq(written, *n);
    return b;
}

START_TEST(index_save_load_and_damage)
{
    genre_dataset_schema *s = stream_fixture_schema();
    stream_fixture_file f;
    stream_fixture_file_make(&f, 300, 5, 0, 0, 0);
    genre_dataset_index *ix = NULL;
    ck_assert_ok(genre_dataset_index_build(&ix, s, f.path, 7));
    size_t n = 0;
    unsigned char *b = saved(ix, &n);
    int32_t kind = 0;
    ck_assert_ok(genre_model_peek_from_memory(b, n, &kind, NULL));
    ck_assert_int_eq(kind, GENRE_MODEL_DATASET_INDEX);
    genre_dataset_index *back = NULL;
    ck_assert_ok(genre_dataset_index_load_from_memory(&back, b, n));
    size_t n2 = 0;
    unsigned char *b2 = saved(back, &n2);
    ck_assert_uint_eq(n2, n);
    ck_assert_int_eq(memcmp(b, b2, n), 0);
    check_parts(s, f.path, back);
    genre_dataset_index_free(back);
    free(b2);
    /* through a file */
    char ipath[256];
    genre_test_temp_file(ipath, sizeof ipath);
    ck_assert_ok(genre_dataset_index_save(ix, ipath));
    ck_assert_ok(genre_dataset_index_load(&back, ipath));
    b2 = saved(back, &n2);
    ck_assert_int_eq(memcmp(b, b2, n), 0);
    free(b2);
    genre_dataset_index_free(back);
    remove(ipath);
    /* every cut and every flipped byte is refused */
    for (size_t k = 0; k < n; k++) {
        back = (genre_dataset_index *)1;
        ck_assert_int_ne(genre_dataset_index_load_from_memory(&back, b, k), GENRE_OK);
        ck_assert_ptr_null(back);
        b[k] ^= 0x20;
        genre_status st = genre_dataset_index_load_from_memory(&back, b, n);
        b[k] ^= 0x20;
        ck_assert_msg(st != GENRE_OK, "byte %zu flipped and loaded", k);
        ck_assert_ptr_null(back);
    }
    /* a model of another kind */
    genre_scaler *sc = NULL;
    ck_assert_ok(genre_scaler_create(&sc));
    double x[4] = {1, 2, 3, 5};
    ck_assert_ok(genre_scaler_fit(sc, x, 4, 1, 1));
    size_t sn = 0;
    genre_scaler_save_to_memory(sc, NULL, 0, &sn);
    unsigned char *sb = malloc(sn);
    ck_assert_ok(genre_scaler_save_to_memory(sc, sb, sn, &sn));
    ck_assert_status(genre_dataset_index_load_from_memory(&back, sb, sn), GENRE_E_MODEL_KIND);
    free(sb);
    genre_scaler_free(sc);
    free(b);
    /* stale: the file grew since */
    FILE *grown = fopen(f.path, "ab");
    fputs("9,a,t,1,2,C,g1\n", grown);
    fclose(grown);
    genre_dataset_reader *r = NULL;
    ck_assert_status(genre_dataset_reader_open_range(&r, s, f.path, 0, f.len, ix),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "rebuild the index"));
    genre_dataset_index_free(ix);
    stream_fixture_file_drop(&f);
    genre_dataset_schema_free(s);
}
END_TEST

/* Crafted payloads in a valid container: each inconsistency is CORRUPT. */
START_TEST(crafted_indexes_are_refused)
{
    struct {
        int64_t file_bytes, data_begin, records, every;
        uint64_t off[3];
        int64_t line[3];
        size_t n;
    } cases[] = {
        {100, 10, 3, 1, {10, 20, 30}, {2, 3, 4}, 3},  /* valid */
        {100, 10, 3, 1, {10, 30, 20}, {2, 3, 4}, 3},  /* offsets not increasing */
        {100, 10, 3, 1, {11, 20, 30}, {2, 3, 4}, 3},  /* first not at data_begin */
        {100, 10, 3, 1, {10, 20, 100}, {2, 3, 4}, 3}, /* past the file */
        {100, 10, 3, 1, {10, 20, 30}, {2, 2, 4}, 3},  /* lines not increasing */
        {100, 10, 3, 1, {10, 20, 30}, {1, 3, 4}, 3},  /* line 1 is the header */
        {100, 10, 3, 2, {10, 20, 30}, {2, 3, 4}, 3},  /* two entries expected */
        {100, 10, 3, 0, {10, 20, 30}, {2, 3, 4}, 3},  /* every 0 */
        {100, 200, 3, 1, {10, 20, 30}, {2, 3, 4}, 3}, /* data after the end */
        {100, 10, -3, 1, {10, 20, 30}, {2, 3, 4}, 3}, /* negative records */
        {100, 10, INT64_MAX, 1, {10, 20, 30}, {2, 3, 4}, 3}, /* a huge count */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        genre__mf_writer w;
        ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_DATASET_INDEX, 1));
        genre__mf_put_i64(&w, 1, cases[c].file_bytes);
        genre__mf_put_i64(&w, 2, cases[c].data_begin);
        genre__mf_put_i64(&w, 3, cases[c].records);
        genre__mf_put_i64(&w, 4, cases[c].every);
        unsigned char bytes[24];
        for (size_t k = 0; k < 3; k++)
            for (int i = 0; i < 8; i++)
                bytes[8 * k + (size_t)i] = (unsigned char)(cases[c].off[k] >> (8 * i));
        genre__mf_put_bytes(&w, 5, bytes, 8 * cases[c].n);
        for (size_t k = 0; k < 3; k++)
            for (int i = 0; i < 8; i++)
                bytes[8 * k + (size_t)i] = (unsigned char)((uint64_t)cases[c].line[k] >> (8 * i));
        genre__mf_put_bytes(&w, 6, bytes, 8 * cases[c].n);
        size_t len = 0;
        unsigned char *buf = genre_test_mf_finish(&w, &len);
        genre_dataset_index *ix = NULL;
        genre_status st = genre_dataset_index_load_from_memory(&ix, buf, len);
        if (c == 0) {
            ck_assert_ok(st);
            genre_dataset_index_free(ix);
        } else {
            ck_assert_msg(st == GENRE_E_CORRUPT, "case %zu: %s", c, genre_last_error());
            ck_assert_ptr_null(ix);
            ck_assert_ptr_nonnull(
                strstr(genre_last_error(), "genre_dataset_index_load_from_memory: "));
        }
        free(buf);
    }
}
END_TEST

START_TEST(arguments_and_unsupported_inputs)
{
    genre_dataset_schema *s = stream_fixture_schema();
    size_t len = 0;
    char *text = stream_fixture_text(20, 0, 0, &len);
    char path[256], gz[256];
    stream_fixture_write(path, sizeof path, text, len, 0, 0);
    stream_fixture_write(gz, sizeof gz, text, len, 1, 0);
    genre_dataset_reader *r = NULL;
    genre_dataset_index *ix = NULL;
    ck_assert_status(genre_dataset_reader_open_range(&r, s, path, 5, 4, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_reader_open_range(&r, s, gz, 0, 100, NULL),
                     GENRE_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "gzip"));
    ck_assert_status(genre_dataset_reader_open_range(&r, s, "/dev/null", 0, 100, NULL),
                     GENRE_E_UNSUPPORTED);
    ck_assert_status(genre_dataset_index_build(&ix, s, path, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_index_build(&ix, s, gz, 10), GENRE_E_UNSUPPORTED);
    ck_assert_status(genre_dataset_index_build(&ix, s, NULL, 10), GENRE_E_INVALID_ARG);
    ck_assert_ptr_null(ix);
    int64_t v;
    ck_assert_ok(genre_dataset_index_build(&ix, s, path, 10));
    ck_assert_status(genre_dataset_index_get_i64(ix, 77, &v), GENRE_E_UNKNOWN_PARAM);
    /* an index of another file */
    char other[256];
    stream_fixture_write(other, sizeof other, text, len - 1, 0, 0);
    ck_assert_status(genre_dataset_reader_open_range(&r, s, other, 0, 100, ix),
                     GENRE_E_INVALID_ARG);
    genre_dataset_index_free(ix);
    genre_dataset_index_free(NULL);
    remove(other);
    remove(path);
    remove(gz);
    free(text);
    genre_dataset_schema_free(s);
}
END_TEST

struct walk_ctx {
    const char *path;
};

static genre_status index_scenario(void *arg)
{
    const struct walk_ctx *w = arg;
    genre_dataset_schema *s = NULL;
    genre_status st = genre_dataset_schema_create(&s);
    if (st == GENRE_OK)
        st = genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC);
    if (st == GENRE_OK)
        st = genre_dataset_schema_add_column(s, "k", GENRE_COL_CATEGORICAL);
    genre_dataset_index *ix = NULL, *back = NULL;
    genre_dataset_reader *r = NULL;
    unsigned char *buf = NULL;
    size_t n = 0;
    if (st == GENRE_OK)
        st = genre_dataset_index_build(&ix, s, w->path, 2);
    if (st == GENRE_OK) {
        st = genre_dataset_index_save_to_memory(ix, NULL, 0, &n);
        if (st == GENRE_E_BUFFER_TOO_SMALL) {
            buf = malloc(n);
            st = buf ? genre_dataset_index_save_to_memory(ix, buf, n, &n) : GENRE_E_INTERNAL;
        }
    }
    if (st == GENRE_OK)
        st = genre_dataset_index_load_from_memory(&back, buf, n);
    if (st == GENRE_OK)
        st = genre_dataset_reader_open_range(&r, s, w->path, 12, 40, back);
    while (st == GENRE_OK) {
        genre_dataset *ds = NULL;
        st = genre_dataset_reader_next(r, 2, &ds);
        if (!ds)
            break;
        genre_dataset_free(ds);
    }
    free(buf);
    genre_dataset_reader_free(r);
    genre_dataset_index_free(back);
    genre_dataset_index_free(ix);
    genre_dataset_schema_free(s);
    return st;
}

START_TEST(allocation_failures_are_clean)
{
    const char *t = "x,k\n1,a\n2,\"b\nc\"\n3,a\n4,d\n5,e\n6,\"f\n\"\n7,g\n";
    char path[256];
    stream_fixture_write(path, sizeof path, t, strlen(t), 0, 0);
    struct walk_ctx w = {path};
    ck_assert_int_gt(genre_test_alloc_walk(index_scenario, &w), 10);
    remove(path);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("stream_index");
    TCase *tc = tcase_create("index");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, ranges_with_an_index_cover_every_record_once);
    tcase_add_test(tc, ranges_without_an_index);
    tcase_add_test(tc, a_quoted_line_break_without_an_index_names_its_line);
    tcase_add_test(tc, range_errors_keep_the_file_line);
    tcase_add_test(tc, index_save_load_and_damage);
    tcase_add_test(tc, crafted_indexes_are_refused);
    tcase_add_test(tc, arguments_and_unsupported_inputs);
    tcase_add_test(tc, allocation_failures_are_clean);
    suite_add_tcase(suite, tc);
    return genre_test_run(suite);
}
