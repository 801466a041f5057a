/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What a model loader reads from a path (genre__mf_read_file, behind every
 * genre_*_load, genre_dataset_prep_load and genre_model_peek;
 * include/genre/model.h, "Loading from a file"): a regular file or a FIFO
 * with its writer, header first, never more than the header announces.
 * Memory is measured with genre__alloc_largest(), which sees every request
 * the library makes, under ASan and valgrind too.
 */
#include "harness.h"

#include "alloc.h"
#include "model_file.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Far below any stream or device reading (the old reader asked for up to
 * 1 GiB), far above the header and a first read block. */
#define SMALL ((size_t)1 << 17)

/* A container of the test kind whose one bytes record holds n bytes (a
 * pattern), in a new malloc'd buffer of *len bytes. */
static unsigned char *container(size_t n, size_t *len)
{
    unsigned char *data = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (unsigned char)(i * 131 + 7);
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE__MF_KIND_TEST, 1));
    ck_assert_ok(genre__mf_put_bytes(&w, 1, data, n));
    free(data);
    unsigned char *b = genre_test_mf_finish(&w, len);
    return b;
}

static void write_all(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

static void assert_message_has(const char *needle)
{
    ck_assert_msg(strstr(genre_last_error(), needle) != NULL, "'%s' not in '%s'", needle,
                  genre_last_error());
}

static void assert_message_starts(const char *func)
{
    ck_assert_msg(strncmp(genre_last_error(), func, strlen(func)) == 0 &&
                      genre_last_error()[strlen(func)] == ':',
                  "'%s' does not name %s", genre_last_error(), func);
}

/* ---- A FIFO's writer ------------------------------------------------------ */

/* Starts a child that opens the FIFO for writing and writes data into it,
 * once, or (forever) again and again until no reader is left. Returns once
 * the first bytes are in the FIFO, so the reader under test finds its writer
 * in place; *keeper is the read end that let the child's open return: close
 * it after the read under test, then reap the child with end_writer(). The
 * child frees data (the caller's malloc'd copy) so valgrind's report of it
 * stays clean. */
static pid_t start_writer(const char *fifo, unsigned char *data, size_t len, int forever,
                          int *keeper)
{
    *keeper = open(fifo, O_RDONLY | O_NONBLOCK);
    ck_assert_msg(*keeper >= 0, "open %s: %s", fifo, strerror(errno));
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        close(*keeper); /* the parent's: the child must not be a reader itself */
        signal(SIGPIPE, SIG_IGN); /* a gone reader is EPIPE, the end of "forever" */
        int fd = open(fifo, O_WRONLY);
        int ok = fd >= 0;
        do {
            for (size_t off = 0; ok && off < len;) {
                ssize_t w = write(fd, data + off, len - off);
                if (w > 0)
                    off += (size_t)w;
                else if (!(w < 0 && errno == EINTR))
                    ok = 0;
            }
        } while (ok && forever);
        int gone = errno == EPIPE;
        free(data);
        _exit(ok || (forever && gone) ? 0 : 1);
    }
    struct pollfd p = {*keeper, POLLIN, 0};
    ck_assert_msg(poll(&p, 1, 20000) == 1, "the FIFO's writer wrote nothing in 20 s");
    return child;
}

static void end_writer(pid_t child, int keeper)
{
    close(keeper);
    int status = 0;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the FIFO's writer failed (status 0x%x)", (unsigned)status);
}

/* ---- Tests ------------------------------------------------------------------ */

START_TEST(read_file_errors)
{
    char dir[256], path[300];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    void *buf = (void *)1;
    size_t len = 7;

    snprintf(path, sizeof path, "%s/absent.genre", dir);
    ck_assert_status(genre__mf_read_file(path, 100, &buf, &len), GENRE_E_IO);
    ck_assert_ptr_null(buf);
    ck_assert_uint_eq(len, 0);
    assert_message_has(path);
    assert_message_has(strerror(ENOENT));

    /* The size cap applies to what the header announces: at the limit is
     * fine, one byte over is not, and nothing is allocated for it. */
    size_t clen;
    unsigned char *c = container(40, &clen);
    snprintf(path, sizeof path, "%s/model.genre", dir);
    write_all(path, c, clen);
    ck_assert_ok(genre__mf_read_file(path, clen, &buf, &len));
    ck_assert_uint_eq(len, clen);
    ck_assert_mem_eq(buf, c, clen);
    genre__free(buf);
    genre__alloc_fail_at(0);
    ck_assert_status(genre__mf_read_file(path, clen - 1, &buf, &len), GENRE_E_CORRUPT);
    ck_assert_ptr_null(buf);
    assert_message_has(path);
    assert_message_has("more than the");
    ck_assert_uint_eq(genre__alloc_largest(), 0);

    /* An empty file is a truncated header. */
    snprintf(path, sizeof path, "%s/empty", dir);
    write_all(path, "", 0);
    ck_assert_status(genre__mf_read_file(path, 100, &buf, &len), GENRE_E_CORRUPT);
    assert_message_has("truncated at byte offset 0");
    ck_assert_status(genre_model_peek(path, NULL, NULL), GENRE_E_CORRUPT);
    assert_message_starts("genre_model_peek");

    ck_assert_status(genre__mf_read_file(NULL, 1, &buf, &len), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_read_file(path, 1, NULL, &len), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_read_file(path, 1, &buf, NULL), GENRE_E_INVALID_ARG);
    free(c);
    genre_test_remove_tree(dir);
}
END_TEST

/* Only a regular file or a FIFO holds a model: a directory, a device, a
 * socket is refused before a byte is read, saying what it is. */
START_TEST(only_regular_files_and_fifos_are_read)
{
    char dir[256];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    genre_kmeans *k = NULL;
    ck_assert_status(genre_kmeans_load(&k, dir), GENRE_E_IO);
    assert_message_starts("genre_kmeans_load");
    assert_message_has(dir);
    assert_message_has("it is a directory");
    ck_assert_status(genre_model_peek("/dev/null", NULL, NULL), GENRE_E_IO);
    assert_message_starts("genre_model_peek");
    assert_message_has("'/dev/null': it is a character device");
    ck_assert_ptr_null(k);
    genre_test_remove_tree(dir);
}
END_TEST

/* /dev/zero and /dev/urandom never end: the old reader took 1 GiB of them
 * before it looked at the magic. */
START_TEST(endless_devices_fail_at_once)
{
    const char *devices[] = {"/dev/zero", "/dev/urandom"};
    for (size_t i = 0; i < 2; i++) {
        genre__alloc_fail_at(0);
        genre_mlp *m = (genre_mlp *)&m;
        ck_assert_status(genre_mlp_load(&m, devices[i]), GENRE_E_IO);
        ck_assert_ptr_null(m);
        assert_message_starts("genre_mlp_load");
        assert_message_has(devices[i]);
        genre_dataset_prep *p = NULL;
        ck_assert_status(genre_dataset_prep_load(&p, devices[i]), GENRE_E_IO);
        assert_message_starts("genre_dataset_prep_load");
        assert_message_has(devices[i]);
        ck_assert_status(genre_model_peek(devices[i], NULL, NULL), GENRE_E_IO);
        assert_message_has(devices[i]);
        ck_assert_msg(genre__alloc_largest() <= SMALL, "%s: asked for %zu bytes", devices[i],
                      genre__alloc_largest());
    }
}
END_TEST

/* A FIFO no process writes to would block open() (and the host) forever. */
START_TEST(fifo_without_a_writer_is_an_error)
{
    char dir[256], fifo[300];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    alarm(20); /* the old reader blocked here: SIGALRM fails the test */
    genre_scaler *s = (genre_scaler *)&s;
    ck_assert_status(genre_scaler_load(&s, fifo), GENRE_E_IO);
    ck_assert_ptr_null(s);
    assert_message_starts("genre_scaler_load");
    assert_message_has(fifo);
    assert_message_has("no writer");
    ck_assert_status(genre_model_peek(fifo, NULL, NULL), GENRE_E_IO);
    alarm(0);
    genre_test_remove_tree(dir);
}
END_TEST

/* A stream is read header first and only as far as its header says. */
START_TEST(fifo_stream_is_read_header_first)
{
    char dir[256], fifo[300];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    int keeper;

    /* Endless zeros (cat /dev/zero > fifo): bad magic after 36 bytes. */
    unsigned char *zeros = calloc(65536, 1);
    ck_assert_ptr_nonnull(zeros);
    pid_t child = start_writer(fifo, zeros, 65536, 1, &keeper);
    genre__alloc_fail_at(0);
    ck_assert_status(genre_model_peek(fifo, NULL, NULL), GENRE_E_CORRUPT);
    assert_message_has(fifo);
    assert_message_has("bad magic at byte offset 0");
    ck_assert_msg(genre__alloc_largest() <= SMALL, "asked for %zu bytes", genre__alloc_largest());
    end_writer(child, keeper);
    free(zeros);

    /* A valid model sent again and again: the bytes after the first one's
     * end are an error, found one byte past the announced length. */
    size_t clen;
    unsigned char *c = container(1000, &clen);
    child = start_writer(fifo, c, clen, 1, &keeper);
    genre__alloc_fail_at(0);
    genre_lda *l = NULL;
    ck_assert_status(genre_lda_load(&l, fifo), GENRE_E_CORRUPT);
    assert_message_starts("genre_lda_load");
    assert_message_has(fifo);
    char at[64];
    snprintf(at, sizeof at, "after the payload's end at byte offset %zu", clen);
    assert_message_has(at);
    ck_assert_msg(genre__alloc_largest() <= SMALL, "asked for %zu bytes", genre__alloc_largest());
    end_writer(child, keeper);
    free(c);
    genre_test_remove_tree(dir);
}
END_TEST

/* A model through a pipe (a FIFO, /dev/stdin, <(...)) reads whole, beyond
 * the first 64 KiB block. */
START_TEST(fifo_with_a_writer_reads_a_whole_model)
{
    char dir[256], fifo[300];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    size_t clen;
    unsigned char *c = container(200000, &clen);
    int keeper;
    pid_t child = start_writer(fifo, c, clen, 0, &keeper);
    void *buf = NULL;
    size_t len = 0;
    ck_assert_ok(genre__mf_read_file(fifo, GENRE__MF_MAX_FILE_BYTES, &buf, &len));
    ck_assert_uint_eq(len, clen);
    ck_assert_mem_eq(buf, c, clen);
    genre__free(buf);
    end_writer(child, keeper);

    child = start_writer(fifo, c, clen, 0, &keeper);
    int32_t kind = 0;
    ck_assert_ok(genre_model_peek(fifo, &kind, NULL));
    ck_assert_int_eq(kind, GENRE__MF_KIND_TEST);
    end_writer(child, keeper);
    free(c);
    genre_test_remove_tree(dir);
}
END_TEST

/* A regular file longer than its header says is an error naming the file
 * and the count, found from its size: the rest is never read. */
START_TEST(regular_file_longer_than_its_header)
{
    char dir[256], path[300];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    snprintf(path, sizeof path, "%s/model.genre", dir);
    size_t clen;
    unsigned char *c = container(100, &clen);
    unsigned char *longer = malloc(clen + 3);
    ck_assert_ptr_nonnull(longer);
    memcpy(longer, c, clen);
    memcpy(longer + clen, "abc", 3);
    write_all(path, longer, clen + 3);
    genre_pca *p = NULL;
    ck_assert_status(genre_pca_load(&p, path), GENRE_E_CORRUPT);
    assert_message_starts("genre_pca_load");
    assert_message_has(path);
    char want[96];
    snprintf(want, sizeof want, "3 unexpected bytes after the payload's end at byte offset %zu",
             clen);
    assert_message_has(want);

    /* 256 MiB of (sparse) bytes after a small model. */
    write_all(path, c, clen);
    ck_assert_int_eq(truncate(path, (off_t)256 << 20), 0);
    genre__alloc_fail_at(0);
    ck_assert_status(genre_model_peek(path, NULL, NULL), GENRE_E_CORRUPT);
    assert_message_has(path);
    assert_message_has("unexpected bytes after the payload's end");
    ck_assert_msg(genre__alloc_largest() <= SMALL, "asked for %zu bytes", genre__alloc_largest());
    free(longer);
    free(c);
    genre_test_remove_tree(dir);
}
END_TEST

/* A header announcing more than the file holds: truncated, and nothing
 * allocated beyond the file's size. */
START_TEST(header_announcing_more_than_the_file)
{
    char dir[256], path[300];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    snprintf(path, sizeof path, "%s/model.genre", dir);
    size_t clen;
    unsigned char *c = container(100, &clen);
    for (int i = 0; i < 8; i++) /* payload length: 2^29 */
        c[GENRE__MF_HEADER_SIZE - 12 + i] = (unsigned char)(((uint64_t)1 << 29) >> (8 * i));
    write_all(path, c, clen);
    genre__alloc_fail_at(0);
    ck_assert_status(genre_model_peek(path, NULL, NULL), GENRE_E_CORRUPT);
    assert_message_has(path);
    assert_message_has("truncated");
    ck_assert_uint_le(genre__alloc_largest(), clen + 1);
    free(c);
    genre_test_remove_tree(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_model_input");
    TCase *tc = tcase_create("input");
    tcase_add_test(tc, read_file_errors);
    tcase_add_test(tc, only_regular_files_and_fifos_are_read);
    tcase_add_test(tc, endless_devices_fail_at_once);
    tcase_add_test(tc, fifo_without_a_writer_is_an_error);
    tcase_add_test(tc, fifo_stream_is_read_header_first);
    tcase_add_test(tc, fifo_with_a_writer_reads_a_whole_model);
    tcase_add_test(tc, regular_file_longer_than_its_header);
    tcase_add_test(tc, header_announcing_more_than_the_file);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
