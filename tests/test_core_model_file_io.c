/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Model files on disk: atomic replacement and its failures, peeking at the
 * kind and version, opening files for loaders, and the modules' public
 * loaders naming themselves in every error. */
#include "model_file_fixture.h"

#include "alloc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- Files ----------------------------------------------------------------------- */

START_TEST(file_save_replaces_atomically)
{
    char dir[256], path[300];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    snprintf(path, sizeof path, "%s/model.genre", dir);
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE__MF_KIND_TEST, GOLDEN_KIND_VERSION));
    w.writer_version = GOLDEN_WRITER_VERSION;
    ck_assert_ok(put_sample(&w));
    mode_t old_mask = umask(027);
    ck_assert_ok(genre__mf_finish_to_file(&w, path));
    umask(old_mask);
    genre__mf_writer_free(&w);
    ck_assert_int_eq(genre_test_count_entries(dir), 1);
    struct stat fresh;
    ck_assert_int_eq(stat(path, &fresh), 0);
    ck_assert_int_eq(fresh.st_mode & 07777, 0640); /* 0666 less the umask */
    size_t len, glen;
    unsigned char *got = read_all(path, &len);
    unsigned char *g = sample_container(&glen);
    ck_assert_uint_eq(len, glen);
    ck_assert_mem_eq(got, g, len);
    free(got);
    free(g);

    /* Overwriting: new content, the old file's permissions. */
    ck_assert_int_eq(chmod(path, 0640), 0);
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_KMEANS, 2));
    ck_assert_ok(genre__mf_put_i64(&w, 1, 42));
    ck_assert_ok(genre__mf_finish_to_file(&w, path));
    genre__mf_writer_free(&w);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0640);
    int32_t kind = 0, version = 0;
    ck_assert_ok(genre_model_peek(path, &kind, &version));
    ck_assert_int_eq(kind, GENRE_MODEL_KMEANS);
    ck_assert_int_eq(version, GENRE_MODEL_FORMAT_VERSION);
    ck_assert_int_eq(genre_test_count_entries(dir), 1);

    /* A relative path (the temporary file goes to the current directory). */
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(dir), 0);
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_TSNE, 1));
    ck_assert_ok(genre__mf_finish_to_file(&w, "relative.genre"));
    genre__mf_writer_free(&w);
    ck_assert_ok(genre_model_peek("relative.genre", &kind, NULL));
    ck_assert_int_eq(kind, GENRE_MODEL_TSNE);
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_int_eq(genre_test_count_entries(dir), 2);
    genre_test_remove_tree(dir);
}
END_TEST

/* A writer with enough records to need more than one write(). */
static void init_big_writer(genre__mf_writer *w)
{
    static double zeros[4096];
    ck_assert_ok(genre__mf_writer_init(w, GENRE_MODEL_MLP, 1));
    ck_assert_ok(genre__mf_put_f64_array(w, 1, zeros, 4096));
}

START_TEST(file_save_failures_leave_no_temporary_file)
{
    char dir[256], path[400];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    genre__mf_writer w;
    init_big_writer(&w);

    /* A directory that does not exist: mkstemp fails. */
    snprintf(path, sizeof path, "%s/missing/model.genre", dir);
    ck_assert_status(genre__mf_finish_to_file(&w, path), GENRE_E_IO);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), path));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), strerror(ENOENT)));
    ck_assert_int_eq(genre_test_count_entries(dir), 0);

    /* The target is a directory: refused before anything is written
     * (tests/test_core_model_save.c tests every kind of target). */
    snprintf(path, sizeof path, "%s/is-a-dir", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    ck_assert_status(genre__mf_finish_to_file(&w, path), GENRE_E_IO);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "it is a directory"));
    ck_assert_int_eq(genre_test_count_entries(dir), 1);
    ck_assert_int_eq(rmdir(path), 0);

    /* Writing fails half-way (file size limit): the old file survives. */
    snprintf(path, sizeof path, "%s/model.genre", dir);
    genre__mf_writer old;
    ck_assert_ok(genre__mf_writer_init(&old, GENRE_MODEL_PCA, 1));
    ck_assert_ok(genre__mf_finish_to_file(&old, path));
    genre__mf_writer_free(&old);
    /* In a child process, so the lowered limit cannot touch the files the
     * test framework itself writes (Check's message file). */
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct rlimit small;
        signal(SIGXFSZ, SIG_IGN);
        if (getrlimit(RLIMIT_FSIZE, &small) != 0)
            _exit(2);
        small.rlim_cur = 1000;
        if (setrlimit(RLIMIT_FSIZE, &small) != 0)
            _exit(3);
        genre_status st = genre__mf_finish_to_file(&w, path);
        _exit(st == GENRE_E_IO && strstr(genre_last_error(), "cannot write") ? 0 : 1);
    }
    int wstatus = 0;
    ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
    ck_assert_msg(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0,
                  "a save under a 1000-byte file size limit did not fail with GENRE_E_IO "
                  "'cannot write' (child status %d)", wstatus);
    ck_assert_int_eq(genre_test_count_entries(dir), 1);
    int32_t kind = 0;
    ck_assert_ok(genre_model_peek(path, &kind, NULL));
    ck_assert_int_eq(kind, GENRE_MODEL_PCA);

    /* A read-only directory (meaningless for root, who may write anyway). */
    char ro[300];
    snprintf(ro, sizeof ro, "%s/read-only", dir);
    ck_assert_int_eq(mkdir(ro, 0500), 0);
    if (access(ro, W_OK) != 0) {
        snprintf(path, sizeof path, "%s/model.genre", ro);
        ck_assert_status(genre__mf_finish_to_file(&w, path), GENRE_E_IO);
        ck_assert_ptr_nonnull(strstr(genre_last_error(), "temporary file"));
        ck_assert_int_eq(genre_test_count_entries(ro), 0);
    }
    genre__mf_writer_free(&w);
    genre_test_remove_tree(dir);
}
END_TEST

START_TEST(peek_reports_kind_and_version)
{
    size_t len;
    unsigned char *g = sample_container(&len);
    int32_t kind = 0, version = 0;
    ck_assert_ok(genre_model_peek_from_memory(g, len, &kind, &version));
    ck_assert_int_eq(kind, GENRE__MF_KIND_TEST);
    ck_assert_int_eq(version, GENRE_MODEL_FORMAT_VERSION);
    ck_assert_ok(genre_model_peek_from_memory(g, len, NULL, NULL));
    ck_assert_status(genre_model_peek_from_memory(NULL, 5, &kind, &version), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_model_peek_from_memory(NULL, 0, &kind, &version), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_model_peek_from_memory: "));
    g[len - 1] ^= 0x10;
    ck_assert_status(genre_model_peek_from_memory(g, len, &kind, &version), GENRE_E_CORRUPT);

    char dir[256], path[300];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    snprintf(path, sizeof path, "%s/damaged.genre", dir);
    write_all(path, g, len);
    ck_assert_status(genre_model_peek(path, &kind, &version), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), path)); /* names the file */
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "checksum mismatch"));

    size_t vlen;
    unsigned char *v = craft(GENRE_MODEL_FORMAT_VERSION + 1, GENRE_MODEL_MLP, NULL, 0, &vlen);
    write_all(path, v, vlen);
    ck_assert_status(genre_model_peek(path, &kind, &version), GENRE_E_VERSION);
    free(v);

    ck_assert_ok(genre_model_peek(genre_test_source_path(GOLDEN_PATH), &kind, &version));
    ck_assert_int_eq(kind, GENRE__MF_KIND_TEST);
    ck_assert_status(genre_model_peek(NULL, &kind, &version), GENRE_E_INVALID_ARG);
    snprintf(path, sizeof path, "%s/absent.genre", dir);
    ck_assert_status(genre_model_peek(path, &kind, &version), GENRE_E_IO);
    genre__alloc_fail_at(1);
    genre_status st = genre_model_peek(genre_test_source_path(GOLDEN_PATH), &kind, NULL);
    genre__alloc_fail_at(0);
    ck_assert_int_eq(st, GENRE_E_NOMEM);
    free(g);
    genre_test_remove_tree(dir);
}
END_TEST

/* The modules' public loaders go through genre__mf_load_file/_memory: their
 * messages must still name the public function (the helper takes its
 * __func__), and *out must be NULL after every failure. Each wrapper calls a
 * loader with a typed handle (NULL out when with_out is 0), reports whether
 * the handle was cleared, and frees what a success returned. */
static int sentinel;
#define LOADER_WRAPPERS(mod)                                                        \
    static genre_status mod##_file(int with_out, const char *path, int *cleared)    \
    {                                                                               \
        genre_##mod *m = (genre_##mod *)&sentinel;                                  \
        genre_status st = genre_##mod##_load(with_out ? &m : NULL, path);           \
        *cleared = m == NULL;                                                       \
        if (m != (genre_##mod *)&sentinel)                                          \
            genre_##mod##_free(m);                                                  \
        return st;                                                                  \
    }                                                                               \
    static genre_status mod##_memory(int with_out, const void *b, size_t n,         \
                                     int *cleared)                                  \
    {                                                                               \
        genre_##mod *m = (genre_##mod *)&sentinel;                                  \
        genre_status st = genre_##mod##_load_from_memory(with_out ? &m : NULL, b, n); \
        *cleared = m == NULL;                                                       \
        if (m != (genre_##mod *)&sentinel)                                          \
            genre_##mod##_free(m);                                                  \
        return st;                                                                  \
    }
LOADER_WRAPPERS(scaler)
LOADER_WRAPPERS(pca)
LOADER_WRAPPERS(lda)
LOADER_WRAPPERS(kmeans)
LOADER_WRAPPERS(tsne)
LOADER_WRAPPERS(text)
LOADER_WRAPPERS(mlp)
#undef LOADER_WRAPPERS

static const struct {
    int32_t kind;
    const char *file_name, *memory_name, *version_text;
    genre_status (*load_file)(int with_out, const char *path, int *cleared);
    genre_status (*load_memory)(int with_out, const void *b, size_t n, int *cleared);
} module_loaders[] = {
#define LOADER(kind, mod, text)                                                     \
    {kind, "genre_" #mod "_load", "genre_" #mod "_load_from_memory", text, mod##_file, \
     mod##_memory}
    LOADER(GENRE_MODEL_SCALER, scaler, "scaler payload version 99 is newer"),
    LOADER(GENRE_MODEL_PCA, pca, "PCA payload version 99 is newer"),
    LOADER(GENRE_MODEL_LDA, lda, "LDA payload version 99 is newer"),
    LOADER(GENRE_MODEL_KMEANS, kmeans, "k-means payload version 99 is newer"),
    LOADER(GENRE_MODEL_TSNE, tsne, "t-SNE payload version 99 is newer"),
    LOADER(GENRE_MODEL_TEXT, text, "text payload version 99 is newer"),
    LOADER(GENRE_MODEL_MLP, mlp, "MLP payload version 99 is newer"),
#undef LOADER
};

static void assert_error_is(const char *func, const char *what)
{
    char want[256];
    snprintf(want, sizeof want, "%s: %s", func, what);
    ck_assert_msg(strncmp(genre_last_error(), want, strlen(want)) == 0,
                  "'%s' does not start with '%s'", genre_last_error(), want);
}

START_TEST(module_loaders_name_the_public_function)
{
    char dir[256], path[300];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    snprintf(path, sizeof path, "%s/model.genre", dir);
    for (size_t i = 0; i < sizeof module_loaders / sizeof module_loaders[0]; i++) {
        const char *fn = module_loaders[i].file_name, *mn = module_loaders[i].memory_name;
        int cleared = 0;
        ck_assert_status(module_loaders[i].load_file(0, path, &cleared), GENRE_E_INVALID_ARG);
        assert_error_is(fn, "argument 'out' is NULL");
        ck_assert_status(module_loaders[i].load_file(1, NULL, &cleared), GENRE_E_INVALID_ARG);
        assert_error_is(fn, "argument 'path' is NULL");
        ck_assert(cleared);
        ck_assert_status(module_loaders[i].load_memory(0, "", 0, &cleared),
                         GENRE_E_INVALID_ARG);
        assert_error_is(mn, "argument 'out' is NULL");

        /* A valid container of the kind with a payload from the future: the
         * module's decoder fails, naming the public function. */
        genre__mf_writer w;
        ck_assert_ok(genre__mf_writer_init(&w, module_loaders[i].kind, 99));
        ck_assert_ok(genre__mf_finish_to_file(&w, path));
        size_t len = genre__mf_writer_size(&w);
        unsigned char *b = malloc(len);
        ck_assert_ptr_nonnull(b);
        ck_assert_ok(genre__mf_finish_to_memory(&w, b, len, &len));
        genre__mf_writer_free(&w);
        cleared = 0;
        ck_assert_status(module_loaders[i].load_file(1, path, &cleared), GENRE_E_VERSION);
        assert_error_is(fn, module_loaders[i].version_text);
        ck_assert(cleared);
        cleared = 0;
        ck_assert_status(module_loaders[i].load_memory(1, b, len, &cleared), GENRE_E_VERSION);
        assert_error_is(mn, module_loaders[i].version_text);
        ck_assert(cleared);
        /* The container's own failures name the public function too. */
        cleared = 0;
        ck_assert_status(module_loaders[i].load_memory(1, b, len - 1, &cleared),
                         GENRE_E_CORRUPT);
        assert_error_is(mn, "truncated");
        ck_assert(cleared);
        cleared = 0;
        ck_assert_status(module_loaders[i].load_file(1, dir, &cleared), GENRE_E_IO);
        assert_error_is(fn, "cannot read '");
        ck_assert_ptr_nonnull(strstr(genre_last_error(), dir));
        ck_assert(cleared);
        free(b);
    }
    genre_test_remove_tree(dir);
}
END_TEST

START_TEST(open_file_for_loaders)
{
    genre__mf_reader r;
    void *buf = (void *)1;
    const char *golden = genre_test_source_path(GOLDEN_PATH);
    ck_assert_status(genre__mf_open_file(&r, golden, GENRE_MODEL_MLP, &buf),
                     GENRE_E_MODEL_KIND);
    ck_assert_ptr_null(buf);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), golden));
    ck_assert_status(genre__mf_open_file(&r, "/nonexistent/x.genre", GENRE_MODEL_MLP, &buf),
                     GENRE_E_IO);
    ck_assert_ptr_null(buf);
    ck_assert_status(genre__mf_open_file(NULL, golden, GENRE_MODEL_MLP, &buf),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_open_file(&r, golden, GENRE_MODEL_MLP, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_open_file(&r, NULL, GENRE_MODEL_MLP, &buf),
                     GENRE_E_INVALID_ARG);

    char dir[256], path[300];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    snprintf(path, sizeof path, "%s/model.genre", dir);
    size_t len;
    unsigned char *b = craft(GENRE_MODEL_FORMAT_VERSION + 1, GENRE_MODEL_MLP, NULL, 0, &len);
    write_all(path, b, len);
    ck_assert_status(genre__mf_open_file(&r, path, GENRE_MODEL_MLP, &buf), GENRE_E_VERSION);
    ck_assert_ptr_null(buf);
    write_all(path, b, len - 1);
    ck_assert_status(genre__mf_open_file(&r, path, GENRE_MODEL_MLP, &buf), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), path));
    ck_assert_ptr_null(buf);
    free(b);
    b = craft(1, GENRE_MODEL_MLP, NULL, 0, &len);
    write_all(path, b, len);
    ck_assert_ok(genre__mf_open_file(&r, path, GENRE_MODEL_MLP, &buf));
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(r.n_records, 0);
    genre__free(buf);
    free(b);
    genre_test_remove_tree(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_model_file_io");
    TCase *tc = tcase_create("files");
    tcase_add_test(tc, file_save_replaces_atomically);
    tcase_add_test(tc, file_save_failures_leave_no_temporary_file);
    tcase_add_test(tc, peek_reports_kind_and_version);
    tcase_add_test(tc, open_file_for_loaders);
    tcase_add_test(tc, module_loaders_name_the_public_function);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
