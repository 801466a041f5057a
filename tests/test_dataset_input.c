/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reader's inputs: directories refused, FIFOs and stdin read, the input
 * size limit (GENRE_SCHEMA_MAX_INPUT_BYTES), NUL bytes, and messages that
 * name the public function called. */
#include "harness.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

static genre_dataset_schema *schema_x(void)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    return s;
}

static int64_t rows_of(const genre_dataset *ds)
{
    int64_t rows = -1;
    ck_assert_ok(genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows));
    return rows;
}

/* "x\n0\n1\n...": a valid table of n_rows rows. */
static char *table_text(int n_rows, size_t *len)
{
    char *t = malloc((size_t)n_rows * 12 + 8);
    ck_assert_ptr_nonnull(t);
    size_t n = (size_t)sprintf(t, "x\n");
    for (int i = 0; i < n_rows; i++)
        n += (size_t)sprintf(t + n, "%d\n", i);
    *len = n;
    return t;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

START_TEST(a_directory_is_refused_with_the_reason)
{
    genre_dataset_schema *s = schema_x();
    char dir[] = "/tmp/genre-dir-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    genre_dataset *ds = (genre_dataset *)&ds; /* a sentinel: must become NULL */
    ck_assert_status(genre_dataset_read(&ds, s, dir), GENRE_E_IO);
    ck_assert_ptr_null(ds);
    ck_assert_msg(strncmp(genre_last_error(), "genre_dataset_read: ", 20) == 0 &&
                      strstr(genre_last_error(), dir) &&
                      strstr(genre_last_error(), "is a directory"),
                  "message: %s", genre_last_error());
    ck_assert_ptr_null(strstr(genre_last_error(), "out of memory"));
    rmdir(dir);
    genre_dataset_schema_free(s);
}
END_TEST

/* Writes text to fd in a child process, then exits. */
static pid_t writer_child(const char *path_or_null, int fd, const char *text, size_t len)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (path_or_null)
            fd = open(path_or_null, O_WRONLY);
        size_t done = 0;
        while (fd >= 0 && done < len) {
            ssize_t w = write(fd, text + done, len - done);
            if (w <= 0)
                _exit(2);
            done += (size_t)w;
        }
        _exit(fd >= 0 ? 0 : 1);
    }
    return pid;
}

START_TEST(a_fifo_is_read_to_its_end)
{
    genre_dataset_schema *s = schema_x();
    char dir[] = "/tmp/genre-fifo-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/in.csv", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    size_t len = 0;
    char *text = table_text(20000, &len); /* larger than a pipe's buffer */
    pid_t child = writer_child(path, -1, text, len);
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read(&ds, s, path));
    ck_assert_int_eq(rows_of(ds), 20000);
    genre_dataset_free(ds);
    int status = 0;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    free(text);
    unlink(path);
    rmdir(dir);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(stdin_is_read_to_its_end)
{
    genre_dataset_schema *s = schema_x();
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    int saved = dup(0);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_eq(dup2(p[0], 0), 0);
    close(p[0]);
    size_t len = 0;
    char *text = table_text(5000, &len);
    pid_t child = writer_child(NULL, p[1], text, len);
    close(p[1]);
    genre_dataset *ds = NULL;
    genre_status st = genre_dataset_read(&ds, s, "/dev/stdin");
    dup2(saved, 0);
    close(saved);
    ck_assert_msg(st == GENRE_OK, "%s", genre_last_error());
    ck_assert_int_eq(rows_of(ds), 5000);
    genre_dataset_free(ds);
    int status = 0;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    free(text);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(the_input_limit_is_a_schema_key)
{
    genre_dataset_schema *s = schema_x();
    ck_assert_status(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_INPUT_BYTES, 0),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_INPUT_BYTES, -5),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_INPUT_BYTES,
                                                  ((int64_t)1 << 62) + 1),
                     GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_INPUT_BYTES, (int64_t)1 << 62));
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_INPUT_BYTES, 4096));
    size_t len = 0;
    char *text = table_text(2000, &len); /* ~9 KiB */
    genre_dataset *ds = NULL;
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, text, len, "big.csv"),
                     GENRE_E_INPUT_TOO_LARGE);
    ck_assert_ptr_null(ds);
    ck_assert_msg(strstr(genre_last_error(), "genre_dataset_read_from_memory: big.csv") &&
                      strstr(genre_last_error(), "4096") &&
                      strstr(genre_last_error(), "GENRE_SCHEMA_MAX_INPUT_BYTES"),
                  "message: %s", genre_last_error());
    /* Exactly at the limit is accepted; one byte more is not. */
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_INPUT_BYTES, (int64_t)len));
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, text, len, "big.csv"));
    genre_dataset_free(ds);
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_INPUT_BYTES,
                                              (int64_t)len - 1));
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, text, len, "big.csv"),
                     GENRE_E_INPUT_TOO_LARGE);

    /* A file, regular or not (a FIFO's size is not known in advance). */
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_INPUT_BYTES, 4096));
    char dir[] = "/tmp/genre-cap-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/in.csv", dir);
    FILE *f = fopen(path, "wb");
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    fclose(f);
    ck_assert_status(genre_dataset_read(&ds, s, path), GENRE_E_INPUT_TOO_LARGE);
    ck_assert_msg(strncmp(genre_last_error(), "genre_dataset_read: ", 20) == 0,
                  "message: %s", genre_last_error());
    unlink(path);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    pid_t child = writer_child(path, -1, text, len);
    ck_assert_status(genre_dataset_read(&ds, s, path), GENRE_E_INPUT_TOO_LARGE);
    kill(child, SIGKILL); /* it may be blocked on the pipe we stopped reading */
    waitpid(child, NULL, 0);
    unlink(path);
    rmdir(dir);
    free(text);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(the_limit_counts_inflated_bytes)
{
    genre_dataset_schema *s = schema_x();
    size_t len = 2 + 20000 * 5;
    char *text = malloc(len + 1); /* 100 KiB that compress to a few hundred bytes */
    strcpy(text, "x\n");
    for (int i = 0; i < 20000; i++)
        memcpy(text + 2 + 5 * i, "1234\n", 5);
    uLongf gz_cap = compressBound(len) + 64, gz_len = gz_cap;
    unsigned char *gz = malloc(gz_cap);
    z_stream z;
    memset(&z, 0, sizeof z);
    ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)text;
    z.avail_in = (uInt)len;
    z.next_out = gz;
    z.avail_out = (uInt)gz_cap;
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    gz_len = gz_cap - z.avail_out;
    deflateEnd(&z);
    ck_assert_uint_lt(gz_len, 4096);
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_INPUT_BYTES, 32768));
    genre_dataset *ds = NULL;
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, gz, gz_len, "t.csv.gz"),
                     GENRE_E_INPUT_TOO_LARGE);
    ck_assert_msg(strstr(genre_last_error(), "t.csv.gz inflates to more than 32768 bytes"),
                  "message: %s", genre_last_error());
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_INPUT_BYTES, (int64_t)len));
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, gz, gz_len, "t.csv.gz"));
    ck_assert_int_eq(rows_of(ds), 20000);
    genre_dataset_free(ds);
    free(gz);
    free(text);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(dev_zero_fails_fast)
{
    if (access("/dev/zero", R_OK) != 0)
        return;
    genre_dataset_schema *s = schema_x();
    for (int capped = 0; capped < 2; capped++) {
        if (capped)
            ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_INPUT_BYTES, 4096));
        double t0 = seconds_now();
        genre_dataset *ds = NULL;
        genre_status st = genre_dataset_read(&ds, s, "/dev/zero");
        double dt = seconds_now() - t0;
        /* NULs are not CSV text: reading stops at the first block. */
        ck_assert_msg(st == GENRE_E_PARSE || st == GENRE_E_INPUT_TOO_LARGE, "%s: %s",
                      genre_status_name(st), genre_last_error());
        ck_assert_msg(strstr(genre_last_error(), "genre_dataset_read: /dev/zero"),
                      "message: %s", genre_last_error());
        ck_assert_msg(dt < 2.0, "reading /dev/zero took %.1f s", dt);
    }
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(a_nul_byte_is_named_by_line_and_byte)
{
    genre_dataset_schema *s = schema_x();
    static const char csv[] = "x\n1\n2\0\n";
    genre_dataset *ds = NULL;
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, csv, sizeof csv - 1, "t.csv"),
                     GENRE_E_PARSE);
    ck_assert_msg(strstr(genre_last_error(), "genre_dataset_read_from_memory: t.csv:3: byte 2") &&
                      strstr(genre_last_error(), "NUL"),
                  "message: %s", genre_last_error());
    genre_dataset_schema_free(s);
}
END_TEST

/* Parse errors found by the reader's private helpers name the public call. */
START_TEST(parse_errors_name_the_public_function)
{
    genre_dataset_schema *s = schema_x();
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_RECORD_BYTES, 16));
    static const struct {
        const char *csv;
        genre_status st;
    } cases[] = {
        {"x\n1\n12345678901234567890123\n", GENRE_E_RECORD_TOO_LONG},
        {"x\n\"1\n", GENRE_E_UNTERMINATED_QUOTE},
        {"x\nabc\n", GENRE_E_NOT_A_NUMBER},
        {"x\nnan\n", GENRE_E_NONFINITE_TEXT},
        {"x\n1,2\n", GENRE_E_RAGGED_ROW},
        {"x\n\xff\n", GENRE_E_INVALID_UTF8},
        {"y\n1\n", GENRE_E_MISSING_COLUMN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        genre_dataset *ds = NULL;
        ck_assert_status(genre_dataset_read_from_memory(&ds, s, cases[i].csv, strlen(cases[i].csv),
                                                   "t.csv"),
                         cases[i].st);
        ck_assert_msg(strncmp(genre_last_error(), "genre_dataset_read_from_memory: t.csv", 37) == 0,
                      "case %zu: %s", i, genre_last_error());
    }
    genre_dataset_schema_free(s);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("dataset_input");
    TCase *tc = tcase_create("input");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_directory_is_refused_with_the_reason);
    tcase_add_test(tc, a_fifo_is_read_to_its_end);
    tcase_add_test(tc, stdin_is_read_to_its_end);
    tcase_add_test(tc, the_input_limit_is_a_schema_key);
    tcase_add_test(tc, the_limit_counts_inflated_bytes);
    tcase_add_test(tc, dev_zero_fails_fast);
    tcase_add_test(tc, a_nul_byte_is_named_by_line_and_byte);
    tcase_add_test(tc, parse_errors_name_the_public_function);
    suite_add_tcase(suite, tc);
    return genre_test_run(suite);
}
