/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The streaming reader (lib/dataset/dataset_reader.c, dataset_source.c):
 * chunks of any size concatenate to exactly genre_dataset_read()'s
 * table (every cell, blank flag and line; the counters), plain and gzip
 * (one member or many), CR LF, a FIFO; every error keeps its status,
 * message and real file line; progress and cancellation; allocation
 * failures.
 */
#include "harness.h"
#include "stream_fixture.h"

#include "alloc.h"
#include "dataset_private.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const size_t CHUNKS[] = {1, 7, 1000, SIZE_MAX};
#define N_CHUNKS (sizeof CHUNKS / sizeof CHUNKS[0])

/* Reads path whole and in chunks of every size: the same table. */
static void check_file(const genre_dataset_schema *s, const char *path, size_t expect_rows)
{
    genre_dataset *full = NULL;
    ck_assert_ok(genre_dataset_read(&full, s, path));
    ck_assert_uint_eq(full->n_rows, expect_rows);
    for (size_t c = 0; c < N_CHUNKS; c++) {
        genre_dataset_reader *r = NULL;
        ck_assert_ok(genre_dataset_reader_open(&r, s, path));
        size_t chunks = stream_fixture_check_whole(r, CHUNKS[c], full);
        size_t want = CHUNKS[c] == SIZE_MAX ? 1 : (full->n_rows + CHUNKS[c] - 1) / CHUNKS[c];
        ck_assert_uint_eq(chunks, want);
        int64_t v = 0;
        ck_assert_ok(genre_dataset_reader_get_i64(r, GENRE_READER_ROWS, &v));
        ck_assert_int_eq(v, (int64_t)full->n_rows);
        genre_dataset_reader_free(r);
    }
    genre_dataset_free(full);
}

START_TEST(chunks_concatenate_to_read_file)
{
    genre_dataset_schema *s = stream_fixture_schema();
    for (int crlf = 0; crlf <= 1; crlf++)
        for (int gz = 0; gz <= 2; gz++) {
            stream_fixture_file f;
            /* gz 2: members of 100 bytes, cut anywhere in a record */
            stream_fixture_file_make(&f, 300, 7, crlf, gz > 0, gz == 2 ? 100 : 0);
            check_file(s, f.path, 300); /* blank records are rows */
            stream_fixture_file_drop(&f);
        }
    genre_dataset_schema_free(s);
}
END_TEST

/* Several MiB: windows across read blocks, buffer growth, and the parallel
 * parse of large chunks, with 1 and 4 threads. */
START_TEST(large_input_across_blocks_and_threads)
{
    genre_dataset_schema *s = stream_fixture_schema();
    size_t len = 0;
    char *text = stream_fixture_text(90000, 97, 0, &len);
    ck_assert_uint_gt(len, (size_t)3 << 20);
    /* (gzip, threads, chunk sizes): each table read whole once */
    static const struct {
        int gz, threads;
        size_t sizes[2];
    } runs[] = {{0, 1, {997, SIZE_MAX}}, {0, 4, {50000, SIZE_MAX}}, {1, 1, {4093, SIZE_MAX}}};
    for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
        char path[256];
        stream_fixture_write(path, sizeof path, text, len, runs[k].gz, 0);
        ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_THREADS, runs[k].threads));
        genre_dataset *full = NULL;
        ck_assert_ok(genre_dataset_read(&full, s, path));
        for (size_t c = 0; c < 2; c++) {
            genre_dataset_reader *r = NULL;
            ck_assert_ok(genre_dataset_reader_open(&r, s, path));
            stream_fixture_check_whole(r, runs[k].sizes[c], full);
            genre_dataset_reader_free(r);
        }
        genre_dataset_free(full);
        remove(path);
    }
    free(text);
    genre_dataset_schema_free(s);
}
END_TEST

/* genre_dataset_reader_next_into(): chunks built on the previous chunk's
 * table (after the caller changed it) equal read_file's rows, with the
 * parallel parse's parts (threads 4, 50000 rows) and without; the table is
 * the same one throughout; another table is refused and left alone. */
START_TEST(next_into_reuses_the_previous_chunk)
{
    genre_dataset_schema *s = stream_fixture_schema();
    stream_fixture_file f;
    stream_fixture_file_make(&f, 90000, 97, 0, 0, 0);
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_THREADS, 4));
    genre_dataset *full = NULL;
    ck_assert_ok(genre_dataset_read(&full, s, f.path));
    static const size_t sizes[] = {50000, 997};
    for (size_t c = 0; c < 2; c++) {
        genre_dataset_reader *r = NULL;
        ck_assert_ok(genre_dataset_reader_open(&r, s, f.path));
        size_t at = 0, chunks = 0;
        int64_t sum[STREAM_FIXTURE_SUMS] = {0};
        genre_dataset *ds = NULL, *first = NULL;
        for (;;) {
            if (genre_dataset_reader_next_into(r, sizes[c], &ds) != GENRE_OK)
                ck_abort_msg("after %zu rows: %s", at, genre_last_error());
            if (!ds)
                break;
            if (!first)
                first = ds;
            ck_assert_ptr_eq(ds, first); /* built on the same table */
            stream_fixture_same_rows(full, at, ds);
            stream_fixture_counters_add(ds, sum);
            at += ds->n_rows;
            chunks++;
            /* what a caller does to a chunk before handing it back */
            ck_assert_ok(genre_dataset_drop_empty_rows(ds));
            if (chunks == 1) {
                genre_dataset *other = NULL;
                ck_assert_ok(genre_dataset_read(&other, s, f.path));
                genre_dataset *keep = other;
                ck_assert_int_eq(genre_dataset_reader_next_into(r, sizes[c], &other),
                                 GENRE_E_INVALID_ARG);
                ck_assert_ptr_eq(other, keep);
                genre_dataset_free(other);
            }
        }
        ck_assert_uint_eq(at, full->n_rows);
        ck_assert_uint_gt(chunks, 1);
        stream_fixture_counters_equal(full, sum);
        ck_assert_ok(genre_dataset_reader_next_into(r, sizes[c], &ds));
        ck_assert_ptr_null(ds);
        genre_dataset_reader_free(r);
    }
    genre_dataset_free(full);
    stream_fixture_file_drop(&f);
    genre_dataset_schema_free(s);
}
END_TEST

/* The reader's failure: status and message as read_file's (function name
 * aside), after the chunks before the failing record. */
static void check_error_len(const genre_dataset_schema *s, const char *text, size_t len,
                            size_t max_rows, size_t rows_before, genre_status expect,
                            const char *has)
{
    char path[256];
    stream_fixture_write(path, sizeof path, text, len, 0, 0);
    genre_dataset *full = NULL;
    ck_assert_status(genre_dataset_read(&full, s, path), expect);
    char want[1024];
    snprintf(want, sizeof want, "%s", stream_fixture_message_tail());
    ck_assert_msg(strstr(want, has), "read_file: '%s' lacks '%s'", want, has);
    genre_dataset_reader *r = NULL;
    genre_status st = genre_dataset_reader_open(&r, s, path);
    size_t rows = 0;
    while (st == GENRE_OK) {
        genre_dataset *ds = NULL;
        st = genre_dataset_reader_next(r, max_rows, &ds);
        if (st == GENRE_OK) {
            ck_assert_ptr_nonnull(ds);
            rows += ds->n_rows;
            genre_dataset_free(ds);
        }
    }
    ck_assert_int_eq(st, expect);
    ck_assert_str_eq(stream_fixture_message_tail(), want);
    ck_assert_uint_eq(rows, rows_before);
    if (r) {
        /* Spent: every later call says so. */
        genre_dataset *ds = NULL;
        ck_assert_status(genre_dataset_reader_next(r, max_rows, &ds), GENRE_E_BAD_STATE);
        ck_assert_ptr_null(ds);
        ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_dataset_reader_next"));
    }
    genre_dataset_reader_free(r);
    remove(path);
}

static void check_error(const genre_dataset_schema *s, const char *text, size_t max_rows,
                        size_t rows_before, genre_status expect, const char *has)
{
    check_error_len(s, text, strlen(text), max_rows, rows_before, expect, has);
}

static genre_dataset_schema *schema_ab(void)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "a", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "b", GENRE_COL_CATEGORICAL));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, NULL, ""));
    return s;
}

/* 25 good rows, then line 27 holds `bad`, then more good rows. */
static char *with_bad_row(const char *bad)
{
    size_t cap = 4096;
    char *t = malloc(cap);
    ck_assert_ptr_nonnull(t);
    strcpy(t, "a,b\n");
    for (int i = 0; i < 25; i++)
        snprintf(t + strlen(t), cap - strlen(t), "%d.5,%s\n", i, i % 2 ? "x" : "\"y\"");
    snprintf(t + strlen(t), cap - strlen(t), "%s", bad);
    for (int i = 0; i < 5; i++)
        snprintf(t + strlen(t), cap - strlen(t), "%d,x\n", i);
    return t;
}

START_TEST(errors_keep_the_file_line)
{
    genre_dataset_schema *s = schema_ab();
    struct {
        const char *bad;
        genre_status st;
        const char *has;
    } cases[] = {
        {"1,x,3\n", GENRE_E_RAGGED_ROW, ":27: 3 fields"},
        {"zz,x\n", GENRE_E_NOT_A_NUMBER, ":27:"},
        {"1,x\"y\n", GENRE_E_PARSE, ":27: column 2: quote inside"},
        {"1,\"x\"y\n", GENRE_E_PARSE, ":27: column 2: text 'y"},
        {"1,\"x\ny\"z\n", GENRE_E_PARSE, ":28: column 2: text 'z"},
        {"1,x\ry\n", GENRE_E_PARSE, ":27: column 2: carriage return"},
        {"1,\xff\n", GENRE_E_INVALID_UTF8, ":27: column 'b'"},
        {"nan,x\n", GENRE_E_NONFINITE_TEXT, ":27:"},
        {"1,x\n\"2\nunclosed", GENRE_E_UNTERMINATED_QUOTE, ":28: column 1"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *t = with_bad_row(cases[k].bad);
        /* chunk 3 of 7 rows holds line 27 (data row 26) */
        check_error(s, t, 7, 21, cases[k].st, cases[k].has);
        check_error(s, t, 1, cases[k].st == GENRE_E_UNTERMINATED_QUOTE ? 26 : 25, cases[k].st,
                    cases[k].has);
        check_error(s, t, SIZE_MAX, 0, cases[k].st, cases[k].has);
        free(t);
    }
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(errors_of_the_whole_input)
{
    genre_dataset_schema *s = schema_ab();
    /* at open: nothing to return */
    check_error(s, "", 5, 0, GENRE_E_EMPTY_INPUT, "the input is empty");
    check_error(s, "\xEF\xBB\xBF", 5, 0, GENRE_E_EMPTY_INPUT, "the input is empty");
    check_error(s, "a,b\n", 5, 0, GENRE_E_NO_DATA_ROWS, "no data rows");
    check_error(s, "a,b", 5, 0, GENRE_E_NO_DATA_ROWS, "no data rows");
    check_error(s, "a,c\n1,2\n", 5, 0, GENRE_E_MISSING_COLUMN, "'b'");
    check_error(s, "a,b,a\n1,2,3\n", 5, 0, GENRE_E_DUPLICATE_COLUMN, "twice");
    check_error(s, "a,\"b\n", 5, 0, GENRE_E_UNTERMINATED_QUOTE, ":1:");
    check_error_len(s, "a,b\n1,x\n2\0,y\n", 13, 5, 0, GENRE_E_PARSE,
                    ":3: byte 2 of the line is a NUL");
    /* a BOM, a ';' header detected, quoted header names */
    genre_dataset *ds = NULL;
    char path[256];
    const char *t = "\xEF\xBB\xBF\"a\";b\n1;x\n2;y\n";
    stream_fixture_write(path, sizeof path, t, strlen(t), 0, 0);
    genre_dataset_reader *r = NULL;
    ck_assert_ok(genre_dataset_reader_open(&r, s, path));
    ck_assert_ok(genre_dataset_reader_next(r, 10, &ds));
    ck_assert_uint_eq(ds->n_rows, 2);
    ck_assert_int_eq(ds->line[1], 3);
    genre_dataset_free(ds);
    genre_dataset_reader_free(r);
    remove(path);
    genre_dataset_schema_free(s);
}
END_TEST

/* A record over GENRE_SCHEMA_MAX_RECORD_BYTES fails at its first line,
 * whether it ends, never ends, or opens a quote it never closes. */
START_TEST(records_over_the_limit)
{
    genre_dataset_schema *s = schema_ab();
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_RECORD_BYTES, 64));
    char long_row[4096], t[8192];
    memset(long_row, '7', 3000);
    long_row[3000] = '\0';
    snprintf(t, sizeof t, "a,b\n1,x\n2,y\n%s,x\n3,z\n", long_row);
    check_error(s, t, 1, 2, GENRE_E_RECORD_TOO_LONG, ":4: record longer than the limit of 64");
    snprintf(t, sizeof t, "a,b\n1,x\n2,y\n4,\"%s\n3,z\n", long_row);
    check_error(s, t, 1, 2, GENRE_E_UNTERMINATED_QUOTE, ":4: column 2: quoted field '7777");
    snprintf(t, sizeof t, "a,b\n1,x\n2,y\n4,\"%s\n3,z\"\n", long_row);
    check_error(s, t, 1, 2, GENRE_E_RECORD_TOO_LONG, ":4: record longer than the limit of 64");
    /* exactly at the limit with CR LF is fine */
    char row[80];
    memset(row, '8', 62);
    row[62] = '\0';
    snprintf(t, sizeof t, "a,b\r\n%s,x\r\n1,y\r\n", row);
    char path[256];
    stream_fixture_write(path, sizeof path, t, strlen(t), 0, 0);
    genre_dataset_reader *r = NULL;
    ck_assert_ok(genre_dataset_reader_open(&r, s, path));
    genre_dataset *full = NULL;
    ck_assert_ok(genre_dataset_read(&full, s, path));
    size_t at = 0;
    int64_t sum[STREAM_FIXTURE_SUMS] = {0};
    stream_fixture_check_reader(r, 1, full, &at, sum);
    ck_assert_uint_eq(at, 2);
    genre_dataset_free(full);
    genre_dataset_reader_free(r);
    remove(path);
    genre_dataset_schema_free(s);
}
END_TEST

/* Damaged gzip: the chunks before the damage, then read_file's verdict. */
START_TEST(damaged_gzip)
{
    genre_dataset_schema *s = stream_fixture_schema();
    size_t len = 0;
    char *text = stream_fixture_text(2000, 0, 0, &len);
    char path[256];
    stream_fixture_write(path, sizeof path, text, len, 1, 0);
    FILE *f = fopen(path, "rb");
    unsigned char *gz = malloc(1 << 20);
    size_t n = fread(gz, 1, 1 << 20, f);
    fclose(f);
    for (int kind = 0; kind < 3; kind++) {
        size_t m = n;
        f = fopen(path, "wb");
        if (kind == 0) { /* truncated */
            m = n / 2;
            fwrite(gz, 1, m, f);
        } else if (kind == 1) { /* garbage after the member */
            fwrite(gz, 1, n, f);
            fwrite("\0\0garbage", 1, 9, f);
        } else { /* corrupt inside */
            gz[n / 2] ^= 0x55;
            gz[n / 2 + 1] ^= 0x55;
            fwrite(gz, 1, n, f);
        }
        fclose(f);
        genre_dataset *full = NULL;
        genre_status want = genre_dataset_read(&full, s, path);
        ck_assert_int_eq(want, GENRE_E_PARSE);
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", stream_fixture_message_tail());
        genre_dataset_reader *r = NULL;
        genre_status st = genre_dataset_reader_open(&r, s, path);
        size_t rows = 0;
        while (st == GENRE_OK) {
            genre_dataset *ds = NULL;
            st = genre_dataset_reader_next(r, 100, &ds);
            if (st != GENRE_OK || !ds)
                break;
            rows += ds->n_rows;
            genre_dataset_free(ds);
        }
        ck_assert_int_eq(st, GENRE_E_PARSE);
        if (kind < 2) /* a corrupt block's offset depends on how input arrived */
            ck_assert_str_eq(stream_fixture_message_tail(), msg);
        else
            ck_assert_ptr_nonnull(strstr(genre_last_error(), "corrupt gzip data at byte"));
        if (kind == 1)
            ck_assert_uint_eq(rows, 2000);
        genre_dataset_reader_free(r);
        if (kind == 2)
            break;
    }
    remove(path);
    free(gz);
    /* Members of 4,000 bytes (libdeflate's path when it is built in), the
     * tenth one's CRC damaged: the rows before it, then read_file's words. */
    stream_fixture_write(path, sizeof path, text, len, 1, 4000);
    f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    unsigned char *all = malloc(1 << 20);
    n = fread(all, 1, 1 << 20, f);
    size_t member = 0, at = 0;
    for (size_t k = 1; k < n && member < 10; k++)
        if (all[k] == 0x1f && k + 2 < n && all[k + 1] == 0x8b && all[k + 2] == 8) {
            member++;
            at = k;
        }
    ck_assert_uint_eq(member, 10);
    fseek(f, (long)at - 8, SEEK_SET); /* the ninth member's CRC-32 */
    fputc(all[at - 8] ^ 0x01, f);
    fclose(f);
    free(all);
    genre_dataset *full = NULL;
    ck_assert_status(genre_dataset_read(&full, s, path), GENRE_E_PARSE);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", stream_fixture_message_tail());
    ck_assert_ptr_nonnull(strstr(msg, "incorrect data check"));
    genre_dataset_reader *r = NULL;
    ck_assert_ok(genre_dataset_reader_open(&r, s, path));
    genre_status st;
    size_t rows = 0;
    for (;;) {
        genre_dataset *ds = NULL;
        st = genre_dataset_reader_next(r, 50, &ds);
        if (st != GENRE_OK || !ds)
            break;
        rows += ds->n_rows;
        genre_dataset_free(ds);
    }
    ck_assert_int_eq(st, GENRE_E_PARSE);
    ck_assert_str_eq(stream_fixture_message_tail(), msg);
    ck_assert_uint_gt(rows, 0);
    genre_dataset_reader_free(r);
    remove(path);
    free(text);
    genre_dataset_schema_free(s);
}
END_TEST

/* A FIFO (as stdin would be): plain and gzip, written by a child. */
START_TEST(fifo_input)
{
    genre_dataset_schema *s = stream_fixture_schema();
    size_t len = 0;
    char *text = stream_fixture_text(5000, 13, 0, &len);
    for (int gz = 0; gz <= 1; gz++) {
        char file[256];
        stream_fixture_write(file, sizeof file, text, len, gz, gz ? 4000 : 0);
        genre_dataset *full = NULL;
        ck_assert_ok(genre_dataset_read(&full, s, file));
        char dir[256], fifo[300];
        genre_test_temp_dir(dir, sizeof dir, "stream-fifo");
        snprintf(fifo, sizeof fifo, "%s/in", dir);
        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            FILE *in = fopen(file, "rb"), *out = fopen(fifo, "wb");
            char b[777]; /* small writes: the reader sees short reads */
            size_t k;
            while (in && out && (k = fread(b, 1, sizeof b, in)) > 0)
                fwrite(b, 1, k, out), fflush(out);
            _exit(0);
        }
        genre_dataset_reader *r = NULL;
        ck_assert_ok(genre_dataset_reader_open(&r, s, fifo));
        stream_fixture_check_whole(r, 333, full);
        genre_dataset_reader_free(r);
        int wst = 0;
        waitpid(pid, &wst, 0);
        genre_dataset_free(full);
        genre_test_remove_tree(dir);
        remove(file);
    }
    free(text);
    genre_dataset_schema_free(s);
}
END_TEST

struct progress {
    int64_t calls, last, total;
    int64_t cancel_after;
    int bad;
};

static int32_t on_progress(void *user_data, int32_t phase, int64_t step, int64_t total,
                       double objective)
{
    (void)objective;
    struct progress *p = user_data;
    if (phase != GENRE_SCHEMA_PHASE_READ || step <= p->last)
        p->bad = 1;
    p->calls++;
    p->last = step;
    p->total = total;
    return p->cancel_after > 0 && p->calls >= p->cancel_after;
}

START_TEST(progress_and_cancel)
{
    genre_dataset_schema *s = stream_fixture_schema();
    stream_fixture_file f;
    stream_fixture_file_make(&f, 40000, 0, 0, 0, 0);
    struct progress p = {0, 0, 0, 0, 0};
    ck_assert_ok(genre_dataset_schema_set_progress(s, on_progress, &p));
    genre_dataset_reader *r = NULL;
    ck_assert_ok(genre_dataset_reader_open(&r, s, f.path));
    genre_dataset *ds = NULL;
    do {
        genre_dataset_free(ds);
        ck_assert_ok(genre_dataset_reader_next(r, 10000, &ds));
    } while (ds);
    genre_dataset_reader_free(r);
    ck_assert_int_eq(p.bad, 0);
    ck_assert_int_eq(p.last, (int64_t)f.len);
    ck_assert_int_eq(p.total, (int64_t)f.len);
    ck_assert_int_ge(p.calls, (int64_t)(f.len >> 20));
    /* cancelled on the second read */
    struct progress q = {0, 0, 0, 2, 0};
    ck_assert_ok(genre_dataset_schema_set_progress(s, on_progress, &q));
    ck_assert_ok(genre_dataset_reader_open(&r, s, f.path));
    genre_status st;
    do {
        ds = NULL;
        st = genre_dataset_reader_next(r, 1000, &ds);
        genre_dataset_free(ds);
    } while (st == GENRE_OK && ds);
    ck_assert_int_eq(st, GENRE_E_CANCELLED);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_dataset_reader_next"));
    genre_dataset_reader_free(r);
    stream_fixture_file_drop(&f);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(arguments)
{
    genre_dataset_schema *s = schema_ab();
    genre_dataset_reader *r = (genre_dataset_reader *)1;
    ck_assert_status(genre_dataset_reader_open(&r, s, NULL), GENRE_E_INVALID_ARG);
    ck_assert_ptr_null(r);
    ck_assert_status(genre_dataset_reader_open(NULL, s, "x"), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_reader_open(&r, s, "/nonexistent/x.csv"), GENRE_E_IO);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_dataset_reader_open: "
                                                      "/nonexistent/x.csv: cannot open"));
    ck_assert_status(genre_dataset_reader_open(&r, s, "/tmp"), GENRE_E_IO);
    genre_dataset_schema *empty = NULL;
    ck_assert_ok(genre_dataset_schema_create(&empty));
    ck_assert_status(genre_dataset_reader_open(&r, empty, "x"), GENRE_E_INVALID_ARG);
    genre_dataset_schema_free(empty);
    char path[256];
    stream_fixture_write(path, sizeof path, "a,b\n1,x\n", 8, 0, 0);
    ck_assert_ok(genre_dataset_reader_open(&r, s, path));
    genre_dataset *ds = NULL;
    ck_assert_status(genre_dataset_reader_next(r, 0, &ds), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_reader_next(NULL, 1, &ds), GENRE_E_INVALID_ARG);
    int64_t v;
    ck_assert_status(genre_dataset_reader_get_i64(r, 99, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ok(genre_dataset_reader_get_i64(r, GENRE_READER_LINE, &v));
    ck_assert_int_eq(v, 2);
    ck_assert_ok(genre_dataset_reader_get_i64(r, GENRE_READER_OFFSET, &v));
    ck_assert_int_eq(v, 4);
    ck_assert_ok(genre_dataset_reader_get_i64(r, GENRE_READER_INPUT_BYTES, &v));
    ck_assert_int_eq(v, 8);
    genre_dataset_reader_free(r);
    genre_dataset_reader_free(NULL);
    remove(path);
    genre_dataset_schema_free(s);
}
END_TEST

struct walk_ctx {
    const char *path;
    size_t max_rows;
    int into; /* genre_dataset_reader_next_into, each chunk handed back */
    int threads; /* GENRE_SCHEMA_THREADS, or 0: the default (a parallel parse
                  * that fails parses again on one thread) */
};

static genre_status read_scenario(void *arg)
{
    const struct walk_ctx *w = arg;
    genre_dataset_schema *s = NULL;
    genre_status st = genre_dataset_schema_create(&s);
    if (st == GENRE_OK)
        st = genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC);
    if (st == GENRE_OK)
        st = genre_dataset_schema_add_column(s, "k", GENRE_COL_CATEGORICAL);
    if (st == GENRE_OK && w->threads)
        st = genre_dataset_schema_set_i64(s, GENRE_SCHEMA_THREADS, w->threads);
    genre_dataset_reader *r = NULL;
    if (st == GENRE_OK)
        st = genre_dataset_reader_open(&r, s, w->path);
    genre_dataset *ds = NULL;
    while (st == GENRE_OK) {
        if (w->into) {
            st = genre_dataset_reader_next_into(r, w->max_rows, &ds);
            if (st == GENRE_OK && ds)
                st = genre_dataset_drop_empty_rows(ds);
        } else {
            genre_dataset_free(ds);
            ds = NULL;
            st = genre_dataset_reader_next(r, w->max_rows, &ds);
        }
        if (!ds)
            break;
    }
    genre_dataset_free(ds);
    genre_dataset_reader_free(r);
    genre_dataset_schema_free(s);
    return st;
}

START_TEST(allocation_failures_are_clean)
{
    const char *t = "x,k\n1,a\n2,\"b\nc\"\n3,a\n4,d\n5,e\n";
    for (int gz = 0; gz <= 1; gz++) {
        char path[256];
        stream_fixture_write(path, sizeof path, t, strlen(t), gz, gz ? 9 : 0);
        for (int into = 0; into <= 1; into++) {
            struct walk_ctx w = {path, 2, into, 0};
            ck_assert_int_gt(genre_test_alloc_walk(read_scenario, &w), 10);
        }
        remove(path);
    }
}
END_TEST

/* A window past 2 MiB is its own mapping (grown by mremap): a chunk of
 * about 3.4 MiB read whole equals read_file's table, and every allocation
 * failure on the way, the mapping's included, is GENRE_E_NOMEM without a
 * leak. */
START_TEST(large_window_mapping)
{
    const size_t n = 400000;
    char *t = malloc(n * 12 + 8);
    ck_assert_ptr_nonnull(t);
    size_t len = (size_t)sprintf(t, "x,k\n");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(t + len, "%zu,%c\n", i * 7919 % 1000003, (int)('a' + i % 5));
    ck_assert_uint_gt(len, (size_t)3 << 20);
    char path[256];
    stream_fixture_write(path, sizeof path, t, len, 0, 0);
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "k", GENRE_COL_CATEGORICAL));
    genre_dataset *full = NULL;
    ck_assert_ok(genre_dataset_read(&full, s, path));
    genre_dataset_reader *r = NULL;
    ck_assert_ok(genre_dataset_reader_open(&r, s, path));
    ck_assert_uint_eq(stream_fixture_check_whole(r, SIZE_MAX, full), 1);
    genre_dataset_reader_free(r);
    genre_dataset_free(full);
    genre_dataset_schema_free(s);
    struct walk_ctx w = {path, SIZE_MAX, 1, 1};
    ck_assert_int_gt(genre_test_alloc_walk(read_scenario, &w), 10);
    remove(path);
    free(t);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("stream_reader");
    TCase *tc = tcase_create("reader");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, chunks_concatenate_to_read_file);
    tcase_add_test(tc, large_input_across_blocks_and_threads);
    tcase_add_test(tc, next_into_reuses_the_previous_chunk);
    tcase_add_test(tc, errors_keep_the_file_line);
    tcase_add_test(tc, errors_of_the_whole_input);
    tcase_add_test(tc, records_over_the_limit);
    tcase_add_test(tc, damaged_gzip);
    tcase_add_test(tc, fifo_input);
    tcase_add_test(tc, progress_and_cancel);
    tcase_add_test(tc, arguments);
    tcase_add_test(tc, allocation_failures_are_clean);
    tcase_add_test(tc, large_window_mapping);
    suite_add_tcase(suite, tc);
    return genre_test_run(suite);
}
