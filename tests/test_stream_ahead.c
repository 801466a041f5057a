/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gzip inflated ahead on a thread of its own (lib/dataset/dataset_source_ahead.c):
 * on a .gz file over 1 MiB with GENRE_SCHEMA_THREADS 2, the reader's chunks,
 * counters, failures (status, message, the rows before them), progress
 * reports (on the calling thread, steps rising to the file's size) and
 * GENRE_READER_INPUT_BYTES are those of a one-thread read; cancelling,
 * freeing the reader with the ring full, a thread that cannot be created
 * and every allocation failure end cleanly.
 */
#include "harness.h"
#include "stream_fixture.h"

#include "dataset_private.h"
#include "dataset_stream.h"
#include "parallel.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Rows of the fixture text: about 5 MiB of text, 1.2-1.5 MiB of gzip, so
 * the 4 MiB ring fills and wraps. */
#define ROWS 120000

static int64_t file_size(const char *path)
{
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    return (int64_t)sb.st_size;
}

#define MAX_STEPS 512

struct progress {
    pthread_t caller;
    int64_t calls, last, total;
    int64_t cancel_after;
    int bad;
    int64_t step[MAX_STEPS]; /* the first MAX_STEPS steps */
};

static int32_t on_progress(void *user_data, int32_t phase, int64_t step, int64_t total,
                           double objective)
{
    (void)objective;
    struct progress *p = user_data;
    if (phase != GENRE_SCHEMA_PHASE_READ || step <= p->last ||
        !pthread_equal(pthread_self(), p->caller))
        p->bad = 1;
    if (p->calls < MAX_STEPS)
        p->step[p->calls] = step;
    p->calls++;
    p->last = step;
    p->total = total;
    return p->cancel_after > 0 && p->calls >= p->cancel_after;
}

static genre_dataset_schema *schema_with_threads(int threads)
{
    genre_dataset_schema *s = stream_fixture_schema();
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_THREADS, threads));
    return s;
}

/* One member, BGZF-sized members of 64 KiB, small ones of 4,000 bytes and
 * members of 3 MB (more text than a block, the rest in a smaller last
 * one): with 1 and 2 threads, in chunks of 997 and 50,000 rows, read_file's
 * table; the progress callback on the calling thread, rising to the
 * file's size, as GENRE_READER_INPUT_BYTES ends, with the same calls on 2
 * threads as on 1. */
START_TEST(ahead_equals_read_file)
{
    size_t len = 0;
    char *text = stream_fixture_text(ROWS, 0, 0, &len);
    static const size_t members[] = {0, 65536, 4000, 3000000};
    static const size_t chunks[] = {997, 50000};
    genre_dataset_schema *one = schema_with_threads(1);
    for (size_t m = 0; m < 4; m++) {
        char path[256];
        stream_fixture_write(path, sizeof path, text, len, 1, members[m]);
        const int64_t size = file_size(path);
        ck_assert_int_gt(size, (int64_t)1 << 20);
        genre_dataset *full = NULL;
        ck_assert_ok(genre_dataset_read(&full, one, path));
        struct progress first = {.caller = pthread_self()};
        for (int threads = 1; threads <= 2; threads++)
            for (size_t c = 0; c < 2; c++) {
                genre_dataset_schema *s = schema_with_threads(threads);
                struct progress p = {.caller = pthread_self()};
                ck_assert_ok(genre_dataset_schema_set_progress(s, on_progress, &p));
                genre_dataset_reader *r = NULL;
                ck_assert_ok(genre_dataset_reader_open(&r, s, path));
                ck_assert_int_eq(genre__reader_inflates_ahead(r), threads == 2);
                stream_fixture_check_whole(r, chunks[c], full);
                int64_t in = 0;
                ck_assert_ok(genre_dataset_reader_get_i64(r, GENRE_READER_INPUT_BYTES, &in));
                ck_assert_int_eq(in, size);
                genre_dataset_reader_free(r);
                ck_assert_int_eq(p.bad, 0);
                ck_assert_int_eq(p.last, size);
                ck_assert_int_eq(p.total, size);
                ck_assert_int_ge(p.calls, 2);
                ck_assert_int_le(p.calls, MAX_STEPS);
                if (threads == 1 && c == 0)
                    first = p;
                ck_assert_int_eq(p.calls, first.calls);
                for (int64_t i = 0; i < p.calls; i++)
                    ck_assert_int_eq(p.step[i], first.step[i]);
                genre_dataset_schema_free(s);
            }
        genre_dataset_free(full);
        remove(path);
    }
    genre_dataset_schema_free(one);
    free(text);
}
END_TEST

/* Reads path with `threads` in chunks of 1,000 rows until a failure or the
 * end: the rows before, the status and the message. */
static genre_status read_until_failure(const char *path, int threads, size_t *rows, char *msg,
                                       size_t cap)
{
    genre_dataset_schema *s = schema_with_threads(threads);
    genre_dataset_reader *r = NULL;
    genre_status st = genre_dataset_reader_open(&r, s, path);
    *rows = 0;
    genre_dataset *ds = NULL;
    while (st == GENRE_OK) {
        st = genre_dataset_reader_next_into(r, 1000, &ds);
        if (st != GENRE_OK || !ds)
            break;
        *rows += ds->n_rows;
    }
    snprintf(msg, cap, "%s", genre_last_error());
    genre_dataset_free(ds);
    genre_dataset_reader_free(r);
    genre_dataset_schema_free(s);
    return st;
}

/* A member's CRC damaged about 70 % into the file, a truncated file and
 * garbage after the last member: the inflating thread meets the damage
 * blocks ahead of the reads; the reads return the same rows before it and
 * then the same status and message as with one thread. */
START_TEST(ahead_damage_as_one_thread)
{
    size_t len = 0;
    char *text = stream_fixture_text(ROWS, 0, 0, &len);
    char path[256];
    stream_fixture_write(path, sizeof path, text, len, 1, 4000);
    const int64_t size = file_size(path);
    unsigned char *gz = malloc((size_t)size);
    FILE *f = fopen(path, "rb");
    ck_assert_uint_eq(fread(gz, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    size_t at = 0; /* a member start past 70 % */
    for (size_t k = (size_t)size * 7 / 10; k + 2 < (size_t)size && !at; k++)
        if (gz[k] == 0x1f && gz[k + 1] == 0x8b && gz[k + 2] == 8)
            at = k;
    ck_assert_uint_gt(at, 0);
    for (int kind = 0; kind < 3; kind++) {
        f = fopen(path, "wb");
        if (kind == 0) { /* the CRC-32 of the member before `at` */
            gz[at - 8] ^= 0x01;
            fwrite(gz, 1, (size_t)size, f);
            gz[at - 8] ^= 0x01;
        } else if (kind == 1) {
            fwrite(gz, 1, at + 100, f);
        } else {
            fwrite(gz, 1, (size_t)size, f);
            fwrite("\0\0garbage", 1, 9, f);
        }
        fclose(f);
        size_t rows1 = 0, rows2 = 0;
        char msg1[1024], msg2[1024];
        genre_status st1 = read_until_failure(path, 1, &rows1, msg1, sizeof msg1);
        genre_status st2 = read_until_failure(path, 2, &rows2, msg2, sizeof msg2);
        ck_assert_int_eq(st1, GENRE_E_PARSE);
        ck_assert_int_eq(st2, GENRE_E_PARSE);
        ck_assert_str_eq(msg2, msg1);
        ck_assert_uint_eq(rows2, rows1);
        ck_assert_uint_gt(rows1, ROWS / 2);
        ck_assert_ptr_nonnull(strstr(msg2, "genre_dataset_reader_next_into: "));
        ck_assert_ptr_nonnull(strstr(msg2, path));
    }
    remove(path);
    free(gz);
    free(text);
}
END_TEST

/* Cancelled by the progress callback on its third call; a reader freed
 * after one row, the ring full behind it; a thread that cannot be created
 * (the reads stay on the calling thread): each ends cleanly. */
START_TEST(ahead_cancel_free_and_no_thread)
{
    size_t len = 0;
    char *text = stream_fixture_text(ROWS, 0, 0, &len);
    char path[256];
    stream_fixture_write(path, sizeof path, text, len, 1, 65536);
    genre_dataset_schema *s = schema_with_threads(2);
    struct progress p = {.caller = pthread_self(), .cancel_after = 3}; /* the first: open's */
    ck_assert_ok(genre_dataset_schema_set_progress(s, on_progress, &p));
    genre_dataset_reader *r = NULL;
    ck_assert_ok(genre_dataset_reader_open(&r, s, path));
    genre_status st;
    genre_dataset *ds = NULL;
    do
        st = genre_dataset_reader_next_into(r, 1000, &ds);
    while (st == GENRE_OK && ds);
    ck_assert_int_eq(st, GENRE_E_CANCELLED);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "cancelled by the progress callback"));
    ck_assert_int_eq(p.calls, 3);
    ck_assert_status(genre_dataset_reader_next_into(r, 1000, &ds), GENRE_E_BAD_STATE);
    genre_dataset_reader_free(r);
    ck_assert_ok(genre_dataset_schema_set_progress(s, NULL, NULL));

    ck_assert_ok(genre_dataset_reader_open(&r, s, path));
    ck_assert_int_eq(genre__reader_inflates_ahead(r), 1);
    ck_assert_ok(genre_dataset_reader_next(r, 1, &ds));
    ck_assert_uint_eq(ds->n_rows, 1);
    genre_dataset_free(ds);
    genre_dataset_reader_free(r);

    genre_dataset *full = NULL;
    ck_assert_ok(genre_dataset_read(&full, s, path));
    genre__parallel_fail_spawns(-1);
    ck_assert_ok(genre_dataset_reader_open(&r, s, path));
    genre__parallel_fail_spawns(0);
    ck_assert_int_eq(genre__reader_inflates_ahead(r), 0);
    stream_fixture_check_whole(r, 4093, full);
    genre_dataset_reader_free(r);
    genre_dataset_free(full);
    genre_dataset_schema_free(s);
    remove(path);
    free(text);
}
END_TEST

struct walk {
    const char *path;
    int threads;
};

static genre_status read_all(void *arg)
{
    const struct walk *w = arg;
    genre_dataset_schema *s = NULL;
    genre_status st = genre_dataset_schema_create(&s);
    static const char *const names[] = {"x", "t", "a", "b", "c", "d", "e"};
    for (int c = 0; c < 7 && st == GENRE_OK; c++)
        st = genre_dataset_schema_add_column(s, names[c],
                                             c == 0 ? GENRE_COL_NUMERIC
                                             : c == 1 ? GENRE_COL_TEXT
                                                      : GENRE_COL_IGNORE);
    if (st == GENRE_OK)
        st = genre_dataset_schema_set_i64(s, GENRE_SCHEMA_THREADS, w->threads);
    genre_dataset_reader *r = NULL;
    if (st == GENRE_OK)
        st = genre_dataset_reader_open(&r, s, w->path);
    genre_dataset *ds = NULL;
    while (st == GENRE_OK) {
        /* chunks under 1 MiB of text, parsed on one thread: a parallel
         * parse that fails parses again, and succeeds */
        st = genre_dataset_reader_next_into(r, 5000, &ds);
        if (!ds)
            break;
    }
    genre_dataset_free(ds);
    genre_dataset_reader_free(r);
    genre_dataset_schema_free(s);
    return st;
}

/* Every allocation failure (the blocks of the ring included) is
 * GENRE_E_NOMEM with a message and nothing leaked, inflating ahead and on
 * one thread; the file: 40,000 rows of 7 fields, one of random letters,
 * which gzip halves (2.2 MB of text). A record cut at the end of the
 * text read so far is ragged, so a failure looked for again past the
 * chunk would be named wrongly. */
START_TEST(ahead_allocation_failures_are_clean)
{
    const size_t rows = 40000;
    char *text = malloc(rows * 80 + 16);
    size_t len = (size_t)sprintf(text, "x,t,a,b,c,d,e\n");
    uint64_t z = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < rows; i++) {
        len += (size_t)sprintf(text + len, "%zu,", i);
        for (int k = 0; k < 40; k++) {
            z ^= z << 13, z ^= z >> 7, z ^= z << 17;
            text[len++] = (char)('a' + (int)(z % 26));
        }
        len += (size_t)sprintf(text + len, ",1,2,3,4,5\n");
    }
    char path[256];
    stream_fixture_write(path, sizeof path, text, len, 1, 65536);
    ck_assert_int_gt(file_size(path), (int64_t)1 << 20);
    for (int threads = 1; threads <= 2; threads++) {
        struct walk w = {path, threads};
        ck_assert_int_gt(genre_test_alloc_walk(read_all, &w), 10);
    }
    remove(path);
    free(text);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("stream_ahead");
    TCase *tc = tcase_create("ahead");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, ahead_equals_read_file);
    tcase_add_test(tc, ahead_damage_as_one_thread);
    tcase_add_test(tc, ahead_cancel_free_and_no_thread);
    tcase_add_test(tc, ahead_allocation_failures_are_clean);
    suite_add_tcase(suite, tc);
    return genre_test_run(suite);
}
