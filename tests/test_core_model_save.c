/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Saving a model file by path (lib/common/file_replace.c through every *_save):
 * only a regular file is replaced, a symbolic link is followed, nothing is
 * left behind by a failure or a kill, and permissions are kept.
 * docs/model-file-format.md, "Writing files", is the contract.
 */
#define _GNU_SOURCE /* unshare, CLONE_NEWNS: the full-disk test mounts privately */
#include "harness.h"

#include "alloc.h"
#include "error_private.h"
#include "file_replace.h"
#include "model_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- Helpers ---------------------------------------------------------------------- */

/* A k-means container holding one marker value, padded to `bytes`. */
static genre_status save_marker_as(const char *func, const char *path, int64_t marker,
                                   size_t bytes)
{
    genre__mf_writer w;
    genre_status st = genre__mf_writer_init(&w, GENRE_MODEL_KMEANS, 1);
    if (st == GENRE_OK)
        st = genre__mf_put_i64(&w, 1, marker);
    if (st == GENRE_OK && bytes > 0) {
        unsigned char *pad = genre__calloc_array(bytes, 1);
        st = pad ? genre__mf_put_bytes(&w, 2, pad, bytes) : GENRE_E_NOMEM;
        genre__free(pad);
    }
    if (st == GENRE_OK)
        st = genre__mf_finish_to_file_for(func, &w, path);
    genre__mf_writer_free(&w);
    return st;
}

static genre_status save_marker(const char *path, int64_t marker)
{
    return save_marker_as("genre_test_save", path, marker, 0);
}

/* The marker of a saved container; fails the test when it does not load. */
static int64_t read_marker(const char *path)
{
    genre__mf_reader r;
    void *buf = NULL;
    ck_assert_ok(genre__mf_open_file(&r, path, GENRE_MODEL_KMEANS, &buf));
    int64_t v = 0;
    ck_assert_ok(genre__mf_get_i64(&r, 1, &v));
    genre__free(buf);
    return v;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static int is_symlink_to(const char *link, const char *text)
{
    char got[4096];
    ssize_t n = readlink(link, got, sizeof got - 1);
    if (n < 0)
        return 0;
    got[n] = '\0';
    return strcmp(got, text) == 0;
}

static void assert_error_has(const char *what)
{
    ck_assert_msg(strstr(genre_last_error(), what) != NULL, "'%s' is not in: %s", what,
                  genre_last_error());
}

/* Runs each test that cares twice: through O_TMPFILE, and through the named
 * temporary file a file system without it gets. */
static const char *mode_name(int named)
{
    return named ? "named temporary file" : "O_TMPFILE";
}

/* ---- Symbolic links ----------------------------------------------------------------- */

START_TEST(symlink_is_followed_and_its_target_replaced)
{
    for (int named = 0; named < 2; named++) {
        genre__file_replace_force_named(named);
        char dir[256], path[400], target[400], other[400];
        genre_test_temp_dir(dir, sizeof dir, "genre-save");
        snprintf(target, sizeof target, "%s/real.genre", dir);
        write_text(target, "old content");
        ck_assert_int_eq(chmod(target, 0640), 0);

        /* A relative link, then a chain of two (a relative one to it). */
        snprintf(path, sizeof path, "%s/link.genre", dir);
        ck_assert_int_eq(symlink("real.genre", path), 0);
        ck_assert_ok(save_marker(path, 11));
        ck_assert_msg(is_symlink_to(path, "real.genre"), "%s: the link was replaced",
                      mode_name(named));
        ck_assert_int_eq(read_marker(target), 11);
        struct stat st;
        ck_assert_int_eq(lstat(target, &st), 0);
        ck_assert(S_ISREG(st.st_mode));
        ck_assert_int_eq(st.st_mode & 07777, 0640);
        snprintf(other, sizeof other, "%s/chain.genre", dir);
        ck_assert_int_eq(symlink("link.genre", other), 0);
        ck_assert_ok(save_marker(other, 12));
        ck_assert(is_symlink_to(other, "link.genre"));
        ck_assert(is_symlink_to(path, "real.genre"));
        ck_assert_int_eq(read_marker(target), 12);
        ck_assert_int_eq(genre_test_count_entries(dir), 3); /* no temporary file */

        /* A relative link in another directory is relative to its own
         * directory, not to ours; an absolute link works from anywhere. */
        char sub[300];
        snprintf(sub, sizeof sub, "%s/sub", dir);
        ck_assert_int_eq(mkdir(sub, 0700), 0);
        snprintf(path, sizeof path, "%s/up.genre", sub);
        ck_assert_int_eq(symlink("../real.genre", path), 0);
        ck_assert_ok(save_marker(path, 13));
        ck_assert_int_eq(read_marker(target), 13);
        snprintf(path, sizeof path, "%s/abs.genre", sub);
        ck_assert_int_eq(symlink(target, path), 0);
        ck_assert_ok(save_marker(path, 14));
        ck_assert(is_symlink_to(path, target));
        ck_assert_int_eq(read_marker(target), 14);
        ck_assert_int_eq(genre_test_count_entries(sub), 2);
        ck_assert_int_eq(genre_test_count_entries(dir), 4);
        genre_test_remove_tree(dir);
    }
    genre__file_replace_force_named(0);
}
END_TEST

/* Decided: a dangling link is followed and its target created, as cp and a
 * shell's '>' do; the link stays a link. */
START_TEST(dangling_symlink_creates_its_target)
{
    for (int named = 0; named < 2; named++) {
        genre__file_replace_force_named(named);
        char dir[256], path[400], target[400];
        genre_test_temp_dir(dir, sizeof dir, "genre-save");
        snprintf(target, sizeof target, "%s/new.genre", dir);
        snprintf(path, sizeof path, "%s/link.genre", dir);
        ck_assert_int_eq(symlink("new.genre", path), 0);
        mode_t old_mask = umask(022);
        genre_status st = save_marker(path, 21);
        umask(old_mask);
        ck_assert_ok(st);
        ck_assert_msg(is_symlink_to(path, "new.genre"), "%s: the link was replaced",
                      mode_name(named));
        ck_assert_int_eq(read_marker(target), 21);
        struct stat s;
        ck_assert_int_eq(stat(target, &s), 0);
        ck_assert_int_eq(s.st_mode & 07777, 0644); /* a new file: 0666 less the umask */
        ck_assert_int_eq(genre_test_count_entries(dir), 2);

        /* Into a directory that does not exist: the error names both. */
        snprintf(path, sizeof path, "%s/lost.genre", dir);
        ck_assert_int_eq(symlink("missing/x.genre", path), 0);
        ck_assert_status(save_marker(path, 22), GENRE_E_IO);
        assert_error_has("genre_test_save: ");
        assert_error_has("missing/x.genre");
        assert_error_has(path);
        assert_error_has(strerror(ENOENT));
        ck_assert(is_symlink_to(path, "missing/x.genre"));
        ck_assert_int_eq(genre_test_count_entries(dir), 3);
        genre_test_remove_tree(dir);
    }
    genre__file_replace_force_named(0);
}
END_TEST

START_TEST(symlink_loop_is_refused)
{
    char dir[256], a[400], b[400];
    genre_test_temp_dir(dir, sizeof dir, "genre-save");
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    ck_assert_int_eq(symlink("b", a), 0);
    ck_assert_int_eq(symlink("a", b), 0);
    ck_assert_status(save_marker(a, 1), GENRE_E_IO);
    assert_error_has(strerror(ELOOP));
    assert_error_has(a);
    ck_assert(is_symlink_to(a, "b"));
    ck_assert(is_symlink_to(b, "a"));
    ck_assert_int_eq(genre_test_count_entries(dir), 2);
    genre_test_remove_tree(dir);
}
END_TEST

/* ---- What is not a regular file is refused ------------------------------------------ */

/* path exists and is not a regular file: the save is refused, names it, and
 * neither path nor its directory changes. */
static void assert_refused(const char *path, const char *what, const char *dir,
                           int entries)
{
    struct stat before, after;
    ck_assert_int_eq(lstat(path, &before), 0);
    ck_assert_status(save_marker(path, 99), GENRE_E_IO);
    assert_error_has("genre_test_save: will not replace '");
    assert_error_has(path);
    assert_error_has(what);
    ck_assert_int_eq(lstat(path, &after), 0);
    ck_assert_int_eq(after.st_mode, before.st_mode);
    ck_assert_uint_eq(after.st_ino, before.st_ino);
    ck_assert_uint_eq(after.st_dev, before.st_dev);
    ck_assert_uint_eq(after.st_rdev, before.st_rdev);
    if (dir)
        ck_assert_int_eq(genre_test_count_entries(dir), entries);
}

START_TEST(fifo_is_refused_without_blocking)
{
    /* A FIFO with no reader blocks whoever opens it for writing; the save
     * must not open it (the suite's timeout catches a hang). */
    char dir[256], path[400], link[400];
    genre_test_temp_dir(dir, sizeof dir, "genre-save");
    snprintf(path, sizeof path, "%s/fifo", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    assert_refused(path, "it is a FIFO", dir, 1);
    /* Through a symlink: the message names the link and what it points at. */
    snprintf(link, sizeof link, "%s/link.genre", dir);
    ck_assert_int_eq(symlink("fifo", link), 0);
    ck_assert_status(save_marker(link, 1), GENRE_E_IO);
    assert_error_has("it is a FIFO");
    assert_error_has(link);
    ck_assert(is_symlink_to(link, "fifo"));
    struct stat st;
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    ck_assert_int_eq(genre_test_count_entries(dir), 2);
    genre_test_remove_tree(dir);
}
END_TEST

START_TEST(character_device_is_refused)
{
    /* A private null device node first: root may make one, and replacing it
     * (what the old code did) harms nothing else. */
    char dir[256], path[400];
    genre_test_temp_dir(dir, sizeof dir, "genre-save");
    snprintf(path, sizeof path, "%s/null", dir);
    if (mknod(path, S_IFCHR | 0666, makedev(1, 3)) == 0)
        assert_refused(path, "it is a character device", dir, 1);
    else
        fprintf(stderr, "character_device_is_refused: no private device node (%s); "
                        "/dev/null only\n", strerror(errno));
    genre_test_remove_tree(dir);
    /* The system's /dev/null: refused before anything is created beside it. */
    assert_refused("/dev/null", "it is a character device", NULL, 0);
    struct stat st;
    ck_assert_int_eq(stat("/dev/null", &st), 0);
    ck_assert(S_ISCHR(st.st_mode));
}
END_TEST

START_TEST(directory_and_socket_are_refused)
{
    char dir[256], path[400];
    genre_test_temp_dir(dir, sizeof dir, "genre-save");
    snprintf(path, sizeof path, "%s/model.genre", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    assert_refused(path, "it is a directory", dir, 1);
    ck_assert_int_eq(genre_test_count_entries(path), 0);
    /* A trailing slash names the directory too. */
    char slash[420];
    snprintf(slash, sizeof slash, "%s/", path);
    ck_assert_status(save_marker(slash, 1), GENRE_E_IO);
    assert_error_has("it is a directory");

    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    int n = snprintf(addr.sun_path, sizeof addr.sun_path, "%s/sock", dir);
    if (n > 0 && (size_t)n < sizeof addr.sun_path) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
        assert_refused(addr.sun_path, "it is a socket", dir, 2);
        close(fd);
    }
    genre_test_remove_tree(dir);
}
END_TEST

START_TEST(public_save_names_itself_and_the_path)
{
    char dir[256], path[400];
    genre_test_temp_dir(dir, sizeof dir, "genre-save");
    snprintf(path, sizeof path, "%s/fifo", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    genre_scaler *s = NULL;
    static const double x[4][2] = {{1, 2}, {3, 4}, {5, 7}, {0, 1}};
    ck_assert_ok(genre_scaler_create(&s));
    ck_assert_ok(genre_scaler_fit(s, &x[0][0], 4, 2, 2));
    ck_assert_status(genre_scaler_save(s, path), GENRE_E_IO);
    char want[600];
    snprintf(want, sizeof want,
             "genre_scaler_save: will not replace '%s': it is a FIFO; a save replaces "
             "only a regular file",
             path);
    ck_assert_str_eq(genre_last_error(), want);
    genre_scaler_free(s);
    genre_test_remove_tree(dir);
}
END_TEST

/* ---- Permissions -------------------------------------------------------------------- */

/* Decided: a replaced file keeps its permission bits (0777), not the set-id
 * and sticky bits, since the new file belongs to whoever saves. */
START_TEST(replaced_file_keeps_its_permission_bits)
{
    for (int named = 0; named < 2; named++) {
        genre__file_replace_force_named(named);
        char dir[256], path[400];
        genre_test_temp_dir(dir, sizeof dir, "genre-save");
        snprintf(path, sizeof path, "%s/model.genre", dir);
        static const mode_t kept[][2] = {
            {0600, 0600}, {0640, 0640}, {0444, 0444}, {0755, 0755}, {04755, 0755},
            {02770, 0770}, {01644, 0644}};
        for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
            write_text(path, "old");
            ck_assert_int_eq(chmod(path, kept[i][0]), 0);
            ck_assert_ok(save_marker(path, (int64_t)i));
            struct stat st;
            ck_assert_int_eq(stat(path, &st), 0);
            ck_assert_msg((st.st_mode & 07777) == kept[i][1],
                          "%s: mode %04o became %04o, expected %04o", mode_name(named),
                          (unsigned)kept[i][0], (unsigned)(st.st_mode & 07777),
                          (unsigned)kept[i][1]);
            ck_assert_int_eq(read_marker(path), (int64_t)i);
            ck_assert_int_eq(unlink(path), 0);
        }
        ck_assert_int_eq(genre_test_count_entries(dir), 0);
        genre_test_remove_tree(dir);
    }
    genre__file_replace_force_named(0);
}
END_TEST

/* ---- Failures leave nothing ----------------------------------------------------------- */

/* Saves into a directory the saver may not write: as root (who may write
 * anyway) in a child that becomes nobody. */
START_TEST(read_only_directory_leaves_nothing)
{
    char dir[256], ro[300], path[400];
    genre_test_temp_dir(dir, sizeof dir, "genre-save");
    ck_assert_int_eq(chmod(dir, 0755), 0);
    snprintf(ro, sizeof ro, "%s/read-only", dir);
    ck_assert_int_eq(mkdir(ro, 0755), 0);
    snprintf(path, sizeof path, "%s/model.genre", ro);
    ck_assert_ok(save_marker(path, 5));
    ck_assert_int_eq(chmod(ro, 0555), 0);
    for (int named = 0; named < 2; named++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            genre__file_replace_force_named(named);
            if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
                _exit(3);
            if (access(ro, X_OK) != 0) /* a TMPDIR nobody may not enter */
                _exit(77);
            if (access(ro, W_OK) == 0)
                _exit(4);
            genre_status st = save_marker(path, 6);
            _exit(st == GENRE_E_IO && strstr(genre_last_error(), "temporary file") &&
                          strstr(genre_last_error(), strerror(EACCES))
                      ? 0
                      : 1);
        }
        int ws = 0;
        ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
        if (WIFEXITED(ws) && WEXITSTATUS(ws) == 77) {
            fprintf(stderr, "read_only_directory_leaves_nothing: skipped, the "
                            "unprivileged child cannot enter %s\n", ro);
            break;
        }
        ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0,
                      "%s: a save into a read-only directory did not fail with "
                      "GENRE_E_IO and EACCES (child status %d)",
                      mode_name(named), ws);
        ck_assert_int_eq(genre_test_count_entries(ro), 1);
        ck_assert_int_eq(read_marker(path), 5);
    }
    ck_assert_int_eq(chmod(ro, 0755), 0);
    genre_test_remove_tree(dir);
}
END_TEST

/* A full file system (a 64 KiB tmpfs, mounted in a private mount namespace
 * so nothing outlives the child): ENOSPC, the old file kept, nothing left. */
START_TEST(full_disk_leaves_the_old_file_and_nothing_else)
{
    char dir[256], mnt[300], path[400];
    genre_test_temp_dir(dir, sizeof dir, "genre-save");
    snprintf(mnt, sizeof mnt, "%s/small", dir);
    ck_assert_int_eq(mkdir(mnt, 0700), 0);
    snprintf(path, sizeof path, "%s/model.genre", mnt);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (unshare(CLONE_NEWNS) != 0 ||
            mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
            mount("tmpfs", mnt, "tmpfs", 0, "size=64k") != 0)
            _exit(77);
        int code = 0;
        for (int named = 0; named < 2 && code == 0; named++) {
            genre__file_replace_force_named(named);
            if (save_marker(path, 7) != GENRE_OK)
                code = 10 + named;
            else if (save_marker_as("genre_test_save", path, 8, 256 * 1024) != GENRE_E_IO ||
                     !strstr(genre_last_error(), strerror(ENOSPC)))
                code = 20 + named;
            else if (genre_test_count_entries(mnt) != 1)
                code = 30 + named;
            else if (read_marker(path) != 7)
                code = 40 + named;
            else if (unlink(path) != 0)
                code = 50 + named;
        }
        _exit(code);
    }
    int ws = 0;
    ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
    ck_assert(WIFEXITED(ws));
    if (WEXITSTATUS(ws) == 77)
        fprintf(stderr, "full_disk_leaves_the_old_file_and_nothing_else: skipped, "
                        "cannot mount a private tmpfs here\n");
    else
        ck_assert_msg(WEXITSTATUS(ws) == 0, "full disk: step %d failed (see the test)",
                      WEXITSTATUS(ws));
    ck_assert_int_eq(genre_test_count_entries(mnt), 0); /* the mount was the child's alone */
    genre_test_remove_tree(dir);
}
END_TEST

struct walk_ctx {
    char link[400];
};

static genre_status save_through_links(void *arg)
{
    const struct walk_ctx *ctx = arg;
    return save_marker(ctx->link, 3);
}

START_TEST(allocation_failures_leave_nothing)
{
    for (int named = 0; named < 2; named++) {
        genre__file_replace_force_named(named);
        char dir[256], target[400];
        struct walk_ctx ctx;
        genre_test_temp_dir(dir, sizeof dir, "genre-save");
        snprintf(target, sizeof target, "%s/model.genre", dir);
        write_text(target, "old");
        snprintf(ctx.link, sizeof ctx.link, "%s/chain", dir);
        ck_assert_int_eq(symlink("link", ctx.link), 0);
        snprintf(target, sizeof target, "%s/link", dir);
        ck_assert_int_eq(symlink("model.genre", target), 0);
        long k = genre_test_alloc_walk(save_through_links, &ctx);
        /* writer, name copy, two links, directory, temporary name */
        ck_assert_int_ge(k, 6);
        ck_assert_int_eq(genre_test_count_entries(dir), 3);
        ck_assert(is_symlink_to(ctx.link, "link"));
        genre_test_remove_tree(dir);
    }
    genre__file_replace_force_named(0);
}
END_TEST

/* ---- A kill in the middle ----------------------------------------------------------- */

static void kill_myself(int sig)
{
    (void)sig;
    raise(SIGKILL);
}

/* Whether dir takes O_TMPFILE (else saves there use a named temporary file,
 * which a kill can leave behind: documented). */
static int has_tmpfile(const char *dir)
{
#ifdef O_TMPFILE
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
    return fd >= 0;
#else
    (void)dir;
    return 0;
#endif
}

START_TEST(kill_during_save_leaves_nothing)
{
    char dir[256], path[400];
    genre_test_temp_dir(dir, sizeof dir, "genre-save");
    if (!has_tmpfile(dir)) {
        fprintf(stderr, "kill_during_save_leaves_nothing: skipped, %s has no O_TMPFILE\n",
                dir);
        genre_test_remove_tree(dir);
        return;
    }
    snprintf(path, sizeof path, "%s/model.genre", dir);
    ck_assert_ok(save_marker(path, 1));
    for (int absent = 0; absent < 2; absent++) {
        if (absent)
            ck_assert_int_eq(unlink(path), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            /* The write that crosses a 64 KiB file size limit raises SIGXFSZ,
             * whose handler SIGKILLs the process there: a kill -9 in the
             * middle of writing a 1 MiB model. */
            struct rlimit lim = {0, 0};
            setrlimit(RLIMIT_CORE, &lim);
            if (getrlimit(RLIMIT_FSIZE, &lim) != 0)
                _exit(2);
            lim.rlim_cur = 64 * 1024;
            if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
                _exit(3);
            signal(SIGXFSZ, kill_myself);
            save_marker_as("genre_test_save", path, 2, 1024 * 1024);
            _exit(4);
        }
        int ws = 0;
        ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
        ck_assert_msg(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL,
                      "the saving child was not killed (status %d)", ws);
        ck_assert_msg(genre_test_count_entries(dir) == 1 - absent,
                      "a kill during a save left %d entries in %s, expected %d",
                      genre_test_count_entries(dir), dir, 1 - absent);
        if (!absent)
            ck_assert_int_eq(read_marker(path), 1);
    }
    genre_test_remove_tree(dir);
}
END_TEST

/* ---- Concurrent saves ----------------------------------------------------------------- */

enum { THREADS = 4, SAVES = 25 };

struct saver {
    const char *path;
    int id;
    int failures;
};

static void *save_repeatedly(void *arg)
{
    struct saver *s = arg;
    for (int i = 0; i < SAVES; i++)
        if (save_marker_as("genre_test_save", s->path, s->id * 1000 + i, 4096 * s->id) !=
            GENRE_OK)
            s->failures++;
    return NULL;
}

START_TEST(concurrent_saves_each_write_a_whole_file)
{
    for (int named = 0; named < 2; named++) {
        genre__file_replace_force_named(named);
        char dir[256], path[400];
        genre_test_temp_dir(dir, sizeof dir, "genre-save");
        snprintf(path, sizeof path, "%s/model.genre", dir); /* absent at first */
        pthread_t th[THREADS];
        struct saver sv[THREADS];
        for (int t = 0; t < THREADS; t++) {
            sv[t] = (struct saver){path, t + 1, 0};
            ck_assert_int_eq(pthread_create(&th[t], NULL, save_repeatedly, &sv[t]), 0);
        }
        for (int t = 0; t < THREADS; t++) {
            ck_assert_int_eq(pthread_join(th[t], NULL), 0);
            ck_assert_msg(sv[t].failures == 0, "%s: thread %d failed %d saves",
                          mode_name(named), t, sv[t].failures);
        }
        int64_t m = read_marker(path); /* a whole file, from one of the threads */
        ck_assert_int_ge(m, 1000);
        ck_assert_int_lt(m % 1000, SAVES);
        ck_assert_int_eq(genre_test_count_entries(dir), 1);
        genre_test_remove_tree(dir);
    }
    genre__file_replace_force_named(0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_model_save");
    TCase *tc = tcase_create("targets");
    tcase_add_test(tc, symlink_is_followed_and_its_target_replaced);
    tcase_add_test(tc, dangling_symlink_creates_its_target);
    tcase_add_test(tc, symlink_loop_is_refused);
    tcase_add_test(tc, fifo_is_refused_without_blocking);
    tcase_add_test(tc, character_device_is_refused);
    tcase_add_test(tc, directory_and_socket_are_refused);
    tcase_add_test(tc, public_save_names_itself_and_the_path);
    tcase_add_test(tc, replaced_file_keeps_its_permission_bits);
    suite_add_tcase(s, tc);

    tc = tcase_create("failures");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, read_only_directory_leaves_nothing);
    tcase_add_test(tc, full_disk_leaves_the_old_file_and_nothing_else);
    tcase_add_test(tc, allocation_failures_leave_nothing);
    tcase_add_test(tc, kill_during_save_leaves_nothing);
    tcase_add_test(tc, concurrent_saves_each_write_a_whole_file);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
