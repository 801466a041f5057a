/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef GENRE_TESTING
#include "alloc.h"
#include "model_file.h"
#endif

int genre_test_run(Suite *suite)
{
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_ENV);
    int run = srunner_ntests_run(runner);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    if (run == 0) {
        fprintf(stderr, "no test ran (check CK_RUN_SUITE / CK_RUN_CASE)\n");
        return EXIT_FAILURE;
    }
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#ifdef GENRE_TESTING
long genre_test_alloc_walk(genre_test_scenario scenario, void *ctx)
{
    long live0 = genre__alloc_live();
    genre__alloc_fail_at(0);
    genre_status st = scenario(ctx);
    long total = genre__alloc_attempts();
    ck_assert_msg(st == GENRE_OK, "scenario fails without injection: %s",
                  genre_last_error());
    ck_assert_msg(genre__alloc_live() == live0, "scenario leaks %ld block(s)",
                  genre__alloc_live() - live0);
    for (long n = 1; n <= total; n++) {
        genre_clear_error();
        genre__alloc_fail_at(n);
        st = scenario(ctx);
        genre__alloc_fail_at(0);
        ck_assert_msg(st == GENRE_E_NOMEM,
                      "allocation %ld of %ld failed but the scenario returned %s: %s",
                      n, total, genre_status_name(st), genre_last_error());
        ck_assert_msg(genre_last_error()[0] != '\0',
                      "allocation %ld failed without a message", n);
        ck_assert_msg(genre__alloc_live() == live0,
                      "allocation %ld failed and %ld block(s) leaked", n,
                      genre__alloc_live() - live0);
    }
    return total;
}
#endif

const char *genre_test_source_path(const char *relative)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", GENRE_SOURCE_DIR, relative);
    return path;
}

genre_test_block genre_test_block_get(const char *relative, const char *name)
{
    genre_test_block r = {0, 0, NULL};
    const char *path = genre_test_source_path(relative);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char line[256];
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        char bname[128];
        size_t rows, cols;
        if (line[0] != '@' || sscanf(line, "@ %127s %zu %zu", bname, &rows, &cols) != 3 ||
            strcmp(bname, name) != 0)
            continue;
        r.rows = rows;
        r.cols = cols;
        r.v = malloc((rows * cols + 1) * sizeof *r.v); /* + 1: never malloc(0) */
        ck_assert_ptr_nonnull(r.v);
        for (size_t i = 0; i < rows * cols; i++) {
            ck_assert_msg(fgets(line, sizeof line, f) != NULL, "%s truncated", name);
            char *end;
            r.v[i] = strtod(line, &end);
            ck_assert_msg(end != line, "%s: bad number %s", name, line);
        }
        found = 1;
        break;
    }
    fclose(f);
    ck_assert_msg(found, "block %s not in %s", name, path);
    return r;
}

void genre_test_block_free(genre_test_block *r)
{
    free(r->v);
    r->v = NULL;
}

#ifdef GENRE_TESTING
unsigned char *genre_test_mf_finish(genre__mf_writer *w, size_t *len)
{
    ck_assert_status(genre__mf_finish_to_memory(w, NULL, 0, len), GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *buf = malloc(*len);
    ck_assert_ptr_nonnull(buf);
    ck_assert_ok(genre__mf_finish_to_memory(w, buf, *len, len));
    genre__mf_writer_free(w);
    return buf;
}
#endif

void genre_test_temp_file(char *path, size_t cap)
{
    const char *base = getenv("TMPDIR");
    int n = snprintf(path, cap, "%s/genre-test-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_msg(n > 0 && (size_t)n < cap, "temporary path too long");
    int fd = mkstemp(path);
    ck_assert_msg(fd >= 0, "mkstemp %s: %s", path, strerror(errno));
    close(fd);
}

void genre_test_temp_dir(char *dir, size_t cap, const char *prefix)
{
    const char *base = getenv("TMPDIR");
    int n = snprintf(dir, cap, "%s/%s-XXXXXX", base && *base ? base : "/tmp", prefix);
    ck_assert_msg(n > 0 && (size_t)n < cap, "temporary path too long");
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir, strerror(errno));
}

int genre_test_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "opendir %s: %s", dir, strerror(errno));
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

void genre_test_remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "opendir %s: %s", dir, strerror(errno));
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            genre_test_remove_tree(path);
        else
            unlink(path);
    }
    closedir(d);
    ck_assert_msg(rmdir(dir) == 0, "rmdir %s: %s", dir, strerror(errno));
}
