/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Replacing a file by path: only a regular file, whole or not at all, and
 * through a temporary file a kill cannot leave behind (file_replace.h). */
#define _GNU_SOURCE /* O_TMPFILE and AT_EMPTY_PATH */
#include "file_replace.h"

#include "alloc.h"
#include "error_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Linux's own limit on symbolic links followed in one lookup. */
enum { MAX_LINK_HOPS = 40 };

/* ".tmp-" + 16 hex digits + NUL */
enum { TMP_SUFFIX = 22 };

#ifdef GENRE_TESTING
static atomic_int force_named;

void genre__file_replace_force_named(int on)
{
    atomic_store(&force_named, on != 0);
}
#define NAMED_ONLY() atomic_load(&force_named)
#else
#define NAMED_ONLY() 0
#endif

const char *genre__file_kind(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISLNK(m))
        return "a symbolic link";
    return "not a regular file";
}

typedef struct job {
    const char *func;
    const char *path; /* as the caller gave it */
    char *target;     /* path with its final symbolic links followed */
    char *tmp;        /* a temporary name beside target */
    int tmp_ours;     /* tmp names a file this call created (and must remove) */
    int fd;
} job;

/* "'target'" or, through a symlink, "'target' (the target of 'path')". */
static void name_of(const job *j, char *buf, size_t n)
{
    if (strcmp(j->target, j->path) == 0)
        snprintf(buf, n, "'%s'", j->target);
    else
        snprintf(buf, n, "'%s' (the target of '%s')", j->target, j->path);
}

static genre_status io_failed(const job *j, const char *step, int err)
{
    char name[1024], why[128];
    name_of(j, name, sizeof name);
    return genre__fail(genre__errno_status(err), j->func, "cannot %s %s: %s", step, name,
                       genre__errno_text(err, why, sizeof why));
}

static genre_status refused(const job *j, mode_t mode, const char *when)
{
    char name[1024];
    name_of(j, name, sizeof name);
    return genre__fail(GENRE_E_IO, j->func,
                       "will not replace %s: it is %s%s; a save replaces only a regular "
                       "file",
                       name, genre__file_kind(mode), when);
}

/* The name a relative link text means: it is relative to the link's directory. */
static char *link_destination(const char *link, const char *text, size_t text_len)
{
    const char *slash = strrchr(link, '/');
    size_t dir_len = text[0] == '/' || !slash ? 0 : (size_t)(slash - link) + 1;
    char *out = genre__alloc_array(dir_len + text_len + 1, 1);
    if (out) {
        memcpy(out, link, dir_len);
        memcpy(out + dir_len, text, text_len);
        out[dir_len + text_len] = '\0';
    }
    return out;
}

/* Reads the symlink j->target (lstat'ed into st) and moves j->target on to
 * what it names. */
static genre_status follow(job *j, const struct stat *st)
{
    /* st_size is the text's length, except on file systems that report 0. */
    size_t cap = st->st_size > 0 ? (size_t)st->st_size + 1 : 256;
    for (;;) {
        char *text = genre__alloc_array(cap, 1);
        if (!text)
            return GENRE_E_NOMEM;
        ssize_t n = readlink(j->target, text, cap);
        if (n < 0) {
            int err = errno;
            genre__free(text);
            return io_failed(j, "read the symbolic link", err);
        }
        if ((size_t)n < cap) { /* not truncated: the link did not grow meanwhile */
            char *next = link_destination(j->target, text, (size_t)n);
            genre__free(text);
            if (!next)
                return GENRE_E_NOMEM;
            genre__free(j->target);
            j->target = next;
            return GENRE_OK;
        }
        genre__free(text);
        if (cap > (size_t)1 << 20)
            return io_failed(j, "read the symbolic link", ENAMETOOLONG);
        cap *= 2;
    }
}

/* Sets j->target to what a save must replace and refuses anything but a
 * regular file or nothing. *exists and *st describe the target. */
static genre_status resolve(job *j, struct stat *st, int *exists)
{
    j->target = genre__strdup(j->path);
    if (!j->target)
        return GENRE_E_NOMEM;
    for (int hops = 0;; hops++) {
        if (lstat(j->target, st) != 0) {
            if (errno != ENOENT)
                return io_failed(j, "inspect", errno);
            *exists = 0; /* a dangling link is followed, like cp or a shell's '>' */
            return GENRE_OK;
        }
        if (!S_ISLNK(st->st_mode))
            break;
        if (hops == MAX_LINK_HOPS)
            return io_failed(j, "follow the symbolic links of", ELOOP);
        genre_status s = follow(j, st);
        if (s != GENRE_OK)
            return s;
    }
    *exists = 1;
    return S_ISREG(st->st_mode) ? GENRE_OK : refused(j, st->st_mode, "");
}

/* A fresh "<target>.tmp-<16 hex>" in tmp (capacity strlen(target) + TMP_SUFFIX).
 * The name mixes the pid, the clock, a stack address and a counter; the
 * callers create it exclusively and retry on a clash. */
static void next_temp_name(const char *target, char *tmp)
{
    static atomic_ulong counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t z = (uint64_t)getpid() * 0x9E3779B97F4A7C15u ^ (uint64_t)ts.tv_nsec ^
                 ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)(uintptr_t)&ts;
    z += (uint64_t)atomic_fetch_add(&counter, 1) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 31)) * 0x94D049BB133111EBu;
    z ^= z >> 29;
    size_t len = strlen(target);
    memcpy(tmp, target, len);
    snprintf(tmp + len, TMP_SUFFIX, ".tmp-%016llx", (unsigned long long)z);
}

static genre_status alloc_temp_name(job *j)
{
    j->tmp = genre__alloc_array(strlen(j->target) + TMP_SUFFIX, 1);
    return j->tmp ? GENRE_OK : GENRE_E_NOMEM;
}

/* The directory holding target, for O_TMPFILE and the final fsync. */
static char *directory_of(const char *target)
{
    const char *slash = strrchr(target, '/');
    if (!slash)
        return genre__strdup(".");
    if (slash == target)
        return genre__strdup("/");
    size_t n = (size_t)(slash - target);
    char *dir = genre__alloc_array(n + 1, 1);
    if (dir) {
        memcpy(dir, target, n);
        dir[n] = '\0';
    }
    return dir;
}

/* Opens an unnamed file in dir: 1 done, 0 not supported here (use a named
 * one), -1 failed with errno set. */
static int open_unnamed(job *j, const char *dir)
{
#ifdef O_TMPFILE
    if (NAMED_ONLY())
        return 0;
    j->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (j->fd >= 0)
        return 1;
    /* Old kernels see O_DIRECTORY | O_WRONLY (EISDIR); file systems without
     * it say EOPNOTSUPP; EINVAL covers the rest. */
    return errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL ? 0 : -1;
#else
    (void)j, (void)dir;
    return 0;
#endif
}

/* Creates j->tmp beside the target with O_EXCL and mode 0666 (the umask
 * applies; mkstemp would force 0600). Returns the fd, or -1 with errno set. */
static int create_named(job *j)
{
    for (int attempt = 0; attempt < 64; attempt++) {
        next_temp_name(j->target, j->tmp);
        int fd = open(j->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        j->tmp_ours = fd >= 0;
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

static int write_all(int fd, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n > 0) {
        size_t chunk = n > ((size_t)1 << 30) ? ((size_t)1 << 30) : n;
        ssize_t w = write(fd, p, chunk);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Gives the unnamed file j->fd the name `name`: 0 done, -1 with errno
 * (EEXIST when the name is taken). Without /proc, AT_EMPTY_PATH may work. */
static int link_unnamed(const job *j, const char *name)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", j->fd);
    if (linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0)
        return 0;
#ifdef AT_EMPTY_PATH
    if (errno == ENOENT && linkat(j->fd, "", AT_FDCWD, name, AT_EMPTY_PATH) == 0)
        return 0;
#endif
    return -1;
}

/* Links the written unnamed file: straight to the target when it is still
 * absent (nothing to rename, nothing a kill could leave), else to a fresh
 * temporary name. Returns 1 when the target itself was created, 0 when
 * j->tmp holds the new name, -1 with errno set. */
static int name_unnamed(job *j, int exists)
{
    if (!exists) {
        if (link_unnamed(j, j->target) == 0)
            return 1;
        if (errno != EEXIST) /* EEXIST: someone created it since; replace it */
            return -1;
    }
    for (int attempt = 0; attempt < 64; attempt++) {
        next_temp_name(j->target, j->tmp);
        if (link_unnamed(j, j->tmp) == 0) {
            j->tmp_ours = 1;
            return 0;
        }
        if (errno != EEXIST)
            return -1;
    }
    errno = EEXIST;
    return -1;
}

/* fsync the directory so the new name survives a power cut. Best effort:
 * the new file is already in place, so a failure is not a failed save. */
static void sync_directory(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* One attempt; returns 1 in *retry_named when the unnamed file cannot be
 * linked here (no /proc and no AT_EMPTY_PATH), so the caller starts again
 * with a named one. */
static genre_status write_and_replace(job *j, const char *dir, int exists,
                                      const struct stat *old, const void *head,
                                      size_t head_len, const void *body, size_t body_len,
                                      int named, int *retry_named)
{
    int unnamed = named ? 0 : open_unnamed(j, dir);
    if (unnamed < 0)
        return io_failed(j, "create a temporary file beside", errno);
    if (!unnamed) {
        j->fd = create_named(j);
        if (j->fd < 0)
            return io_failed(j, "create a temporary file beside", errno);
    }
    /* A replaced file keeps its permission bits, not its set-id bits: the
     * new file belongs to whoever saves. */
    if (exists && fchmod(j->fd, old->st_mode & 0777) != 0)
        return io_failed(j, "set the permissions of a temporary file beside", errno);
    if ((head_len > 0 && write_all(j->fd, head, head_len) != 0) ||
        (body_len > 0 && write_all(j->fd, body, body_len) != 0) || fsync(j->fd) != 0)
        return io_failed(j, "write", errno);

    if (unnamed) {
        int linked = name_unnamed(j, exists);
        if (linked < 0) {
            if (errno == ENOENT || errno == EPERM || errno == EXDEV) {
                *retry_named = 1;
                return GENRE_OK;
            }
            return io_failed(j, "link a temporary file beside", errno);
        }
        if (linked == 1) {
            /* In place and fsync'ed: close cannot make it less whole. */
            (void)close(j->fd);
            j->fd = -1;
            sync_directory(dir);
            return GENRE_OK;
        }
    }
    int fd = j->fd;
    j->fd = -1;
    if (close(fd) != 0)
        return io_failed(j, "write", errno);

    /* The target may have changed since resolve(): refuse what became
     * something else. A change in the instant between this check and the
     * rename is not caught (POSIX has no rename-if-regular). */
    struct stat now;
    if (lstat(j->target, &now) == 0 && !S_ISREG(now.st_mode))
        return refused(j, now.st_mode, " (it changed during the save)");
    if (rename(j->tmp, j->target) != 0)
        return io_failed(j, "rename a temporary file onto", errno);
    j->tmp_ours = 0; /* renamed: the name is the target's now */
    sync_directory(dir);
    return GENRE_OK;
}

/* Closes and removes what this call made: only the one name it created,
 * never a file found by its name. */
static void clean_up(job *j)
{
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
    if (j->tmp_ours)
        unlink(j->tmp);
    j->tmp_ours = 0;
}

genre_status genre__file_replace(const char *func, const char *path, const void *head,
                                 size_t head_len, const void *body, size_t body_len)
{
    job j = {func, path, NULL, NULL, 0, -1};
    struct stat old;
    int exists = 0;
    char *dir = NULL;
    genre_status s = resolve(&j, &old, &exists);
    if (s == GENRE_OK && (dir = directory_of(j.target)) == NULL)
        s = GENRE_E_NOMEM;
    if (s == GENRE_OK)
        s = alloc_temp_name(&j);
    if (s == GENRE_OK) {
        int retry_named = 0;
        s = write_and_replace(&j, dir, exists, &old, head, head_len, body, body_len, 0,
                              &retry_named);
        if (s == GENRE_OK && retry_named) {
            clean_up(&j);
            s = write_and_replace(&j, dir, exists, &old, head, head_len, body, body_len,
                                  1, &retry_named);
        }
    }
    clean_up(&j); /* after success: nothing open, nothing of ours left */
    genre__free(j.tmp);
    genre__free(j.target);
    genre__free(dir);
    return s;
}
