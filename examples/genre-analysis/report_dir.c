/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The report folder of genre-analysis (report_dir.h). */
#define _GNU_SOURCE /* renameat2 (RENAME_EXCHANGE) */

#include "report_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_MARKER (1 << 20)
/* in our temporary folder only (listed in its marker before it is made):
 * the marker merge() puts in place first */
#define MERGE_MARKER REPORT_DIR_MARKER ".merge"

/* ------------------------------------------------------------------------ */
/* The marker: what a report folder says it holds                           */
/* ------------------------------------------------------------------------ */

typedef struct manifest {
    char *text;   /* the marker's text, lines cut at their newlines */
    char **rel;   /* the listed files, pointing into text */
    size_t n;
    const char *state; /* the last state line, "" if none */
    int valid;    /* a marker of ours (format line, every line well formed) */
    int has_id;   /* a "folder DEV INO" line: the folder it was written in */
    unsigned long long dev, ino;
} manifest;

static void manifest_free(manifest *m)
{
    free(m->text);
    free(m->rel);
    memset(m, 0, sizeof *m);
}

static int valid_name(const char *s, size_t n)
{
    return n > 0 && n < 256 && !memchr(s, '/', n) && !memchr(s, 0, n) &&
           !(n == 1 && s[0] == '.') && !(n == 2 && s[0] == '.' && s[1] == '.');
}

/* One name, or plots/ and one name; never the marker or plots itself. */
static int valid_rel(const char *rel)
{
    size_t n = strlen(rel);
    if (n > 6 && !strncmp(rel, "plots/", 6))
        return valid_name(rel + 6, n - 6);
    return valid_name(rel, n) && strcmp(rel, REPORT_DIR_MARKER) && strcmp(rel, "plots");
}

static int manifest_has(const manifest *m, const char *rel)
{
    for (size_t i = 0; m->valid && i < m->n; i++)
        if (!strcmp(m->rel[i], rel))
            return 1;
    return 0;
}

/* Reads the marker of the folder dfd; m->valid says whether it is ours. */
static void read_marker(int dfd, manifest *m)
{
    memset(m, 0, sizeof *m);
    m->state = "";
    int fd = openat(dfd, REPORT_DIR_MARKER, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat sb;
    if (fd < 0)
        return;
    if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_size > MAX_MARKER) {
        close(fd);
        return;
    }
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    m->text = malloc(cap + 1);
    ssize_t k;
    while (m->text && n < cap && (k = read(fd, m->text + n, cap - n)) > 0)
        n += (size_t)k;
    close(fd);
    if (!m->text || n == cap) /* grew while read: not trusted */
        return;
    m->text[n] = 0;
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += m->text[i] == '\n';
    m->rel = malloc((lines + 1) * sizeof *m->rel);
    if (!m->rel || memchr(m->text, 0, n) || (n && m->text[n - 1] != '\n'))
        return;
    int first = 1;
    for (char *p = m->text, *e; *p; p = e + 1) {
        e = strchr(p, '\n');
        *e = 0;
        if (first) {
            if (strcmp(p, REPORT_DIR_FORMAT))
                return;
            first = 0;
        } else if (!strncmp(p, "file ", 5) && valid_rel(p + 5)) {
            m->rel[m->n++] = p + 5;
        } else if (!strncmp(p, "state ", 6)) {
            m->state = p + 6;
        } else if (!strncmp(p, "folder ", 7)) {
            char end;
            if (sscanf(p + 7, "%llu %llu%c", &m->dev, &m->ino, &end) != 2)
                return;
            m->has_id = 1;
        } else {
            return;
        }
    }
    m->valid = !first;
}

/* ------------------------------------------------------------------------ */
/* Paths and what a folder holds                                            */
/* ------------------------------------------------------------------------ */

static void fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

/* What joins parent and a name in a path: "/" but after a '/' (the parent
 * "/" of -o /proc gave "//proc"). */
static const char *sep(const char *parent)
{
    size_t n = strlen(parent);
    return n && parent[n - 1] == '/' ? "" : "/";
}

/* out = parent + '/' + name, trailing slashes dropped; "/" gives name "". */
static int split_path(report_dir *d, const char *out, char *err, size_t cap)
{
    size_t len = strlen(out);
    if (len == 0 || len >= sizeof d->out) {
        fail(err, cap, "the output folder name is %s", len ? "too long" : "empty");
        return -1;
    }
    memcpy(d->out, out, len + 1);
    while (len > 1 && d->out[len - 1] == '/')
        d->out[--len] = 0;
    char *slash = strrchr(d->out, '/');
    const char *name = slash ? slash + 1 : d->out;
    if (strlen(name) >= sizeof d->name) {
        fail(err, cap, "the output folder name %s is too long", name);
        return -1;
    }
    snprintf(d->name, sizeof d->name, "%s", name);
    if (!slash)
        snprintf(d->parent, sizeof d->parent, ".");
    else if (slash == d->out)
        snprintf(d->parent, sizeof d->parent, "/");
    else
        snprintf(d->parent, sizeof d->parent, "%.*s", (int)(slash - d->out), d->out);
    return 0;
}

/* The working folder, one of its ancestors and / are never an output. */
static int forbidden(const report_dir *d, const char *name, char *err, size_t cap)
{
    char p[PATH_MAX], cwd[PATH_MAX], target[2 * PATH_MAX];
    int bad = !name[0] || !strcmp(name, ".") || !strcmp(name, "..");
    if (!bad && realpath(d->parent, p) && getcwd(cwd, sizeof cwd)) {
        snprintf(target, sizeof target, "%s/%s", strcmp(p, "/") ? p : "", name);
        size_t n = strlen(target);
        bad = !strncmp(cwd, target, n) && (cwd[n] == 0 || cwd[n] == '/');
    }
    if (bad)
        fail(err, cap,
             "refusing to write the report into %s: it is the working folder, one of its "
             "parents or /, whose files are not genre-analysis's (even with --force); "
             "give a new folder, e.g. -o genre-report",
             d->out);
    return bad;
}

enum { T_ABSENT, T_DIR };

typedef struct content {
    int kind;          /* T_ABSENT or T_DIR */
    int fd;            /* open on the folder (T_DIR), else -1 */
    size_t ours, foreign;
    char first_foreign[300];
    manifest m;        /* its marker */
} content;

static void content_free(content *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    manifest_free(&c->m);
}

static void count_entries(content *c, int dfd, const char *prefix)
{
    DIR *dir = fdopendir(dup(dfd));
    if (!dir) {
        c->foreign++;
        snprintf(c->first_foreign, sizeof c->first_foreign, "%s(unreadable)", prefix);
        return;
    }
    rewinddir(dir);
    struct dirent *e;
    char rel[300];
    while ((e = readdir(dir))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(rel, sizeof rel, "%s%s", prefix, e->d_name);
        struct stat sb;
        int st = fstatat(dfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
        int is_dir = st && S_ISDIR(sb.st_mode), is_reg = st && S_ISREG(sb.st_mode);
        if (!prefix[0] && c->m.valid && !strcmp(rel, REPORT_DIR_MARKER)) {
            c->ours++;
        } else if (!prefix[0] && c->m.valid && !strcmp(rel, "plots") && is_dir) {
            int pfd = openat(dfd, "plots", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (pfd >= 0) {
                count_entries(c, pfd, "plots/");
                close(pfd);
            }
        } else if (is_reg && manifest_has(&c->m, rel)) { /* a link there is the user's */
            c->ours++;
        } else {
            if (!c->foreign++)
                snprintf(c->first_foreign, sizeof c->first_foreign, "%s", rel);
        }
    }
    closedir(dir);
}

/* Whether the folder fd is mounted on its parent's (a volume, a bind
 * mount): rename() of it fails with EBUSY. */
static int mount_point(int parent_fd, int fd)
{
    struct stat p, sb;
    if (!fstat(parent_fd, &p) && !fstat(fd, &sb) && p.st_dev != sb.st_dev)
        return 1;
#ifdef STATX_ATTR_MOUNT_ROOT /* a bind mount within one file system */
    struct statx x;
    if (!statx(fd, "", AT_EMPTY_PATH, 0, &x) &&
        (x.stx_attributes_mask & x.stx_attributes & STATX_ATTR_MOUNT_ROOT))
        return 1;
#endif
    return 0;
}

/* What parent_fd/name is: absent, or a folder and what it holds; -1 with a
 * message for anything else (a symbolic link, a file). */
static int inspect(const report_dir *d, int parent_fd, const char *name, content *c,
                   char *err, size_t cap)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    struct stat sb;
    if (fstatat(parent_fd, name, &sb, AT_SYMLINK_NOFOLLOW)) {
        if (errno == ENOENT) {
            c->kind = T_ABSENT;
            return 0;
        }
        fail(err, cap, "cannot use %s%s%s as the output folder: %s", d->parent, sep(d->parent),
             name, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(sb.st_mode)) {
        fail(err, cap,
             "refusing to write the report to %s%s%s: it is %s, not a folder (even with "
             "--force); give a new folder with -o",
             d->parent, sep(d->parent), name, S_ISLNK(sb.st_mode) ? "a symbolic link" : "a file");
        return -1;
    }
    c->kind = T_DIR;
    c->fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (c->fd < 0) {
        fail(err, cap, "cannot open %s%s%s: %s", d->parent, sep(d->parent), name,
             strerror(errno));
        return -1;
    }
    if (mount_point(parent_fd, c->fd)) {
        fail(err, cap,
             "refusing to write the report to %s%s%s: it is a mount point, which the final "
             "rename cannot replace; give a folder inside it, e.g. -o %s%s%s/genre-report",
             d->parent, sep(d->parent), name, d->parent, sep(d->parent), name);
        return -1;
    }
    read_marker(c->fd, &c->m);
    count_entries(c, c->fd, "");
    return 0;
}

/* plots/ of a folder is the report's own: the first entry in it that is not
 * a regular file its marker lists (into name), or 0 if none. A user's file
 * there might have a plot's name, known only once the plot is drawn: so it
 * is refused before the run, not found when the run ends. */
static int foreign_in_plots(const content *c, char *name, size_t cap)
{
    int pfd = openat(c->fd, "plots", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *dir = pfd >= 0 ? fdopendir(pfd) : NULL;
    if (!dir) {
        if (pfd >= 0)
            close(pfd);
        return 0; /* absent, or not a folder: collides() says so */
    }
    struct dirent *e;
    char rel[300];
    int found = 0;
    while (!found && (e = readdir(dir))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(rel, sizeof rel, "plots/%s", e->d_name);
        struct stat sb;
        found = fstatat(pfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) || !S_ISREG(sb.st_mode) ||
                !manifest_has(&c->m, rel);
        if (found)
            snprintf(name, cap, "%s", rel);
    }
    closedir(dir); /* closes pfd */
    return found;
}

/* With --force the report goes beside foreign files, but never over one. */
static int collides(const content *c, const char *rel)
{
    struct stat sb;
    if (fstatat(c->fd, rel, &sb, AT_SYMLINK_NOFOLLOW))
        return 0;
    if (!strcmp(rel, "plots"))
        return !S_ISDIR(sb.st_mode);
    if (!strcmp(rel, REPORT_DIR_MARKER))
        return !c->m.valid;
    return !S_ISREG(sb.st_mode) || !manifest_has(&c->m, rel);
}

/* ------------------------------------------------------------------------ */
/* Removing what a marker lists, and nothing else                           */
/* ------------------------------------------------------------------------ */

/* Unlinks name in dfd if it is a regular file: we write only those, so a
 * symbolic link, folder or FIFO under a listed name is the user's (a marker
 * is easily forged). */
static void unlink_regular(int dfd, const char *name)
{
    struct stat sb;
    if (dfd >= 0 && !fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) && S_ISREG(sb.st_mode))
        unlinkat(dfd, name, 0);
}

/* Unlinks the listed regular files but those except lists (NULL: none);
 * then plots/ and the marker when keep_frame is 0. */
static void remove_listed(int dfd, const manifest *m, const manifest *except, int keep_frame)
{
    int pfd = openat(dfd, "plots", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    for (size_t i = 0; m->valid && i < m->n; i++) {
        if (except && manifest_has(except, m->rel[i]))
            continue;
        if (!strncmp(m->rel[i], "plots/", 6))
            unlink_regular(pfd, m->rel[i] + 6);
        else
            unlink_regular(dfd, m->rel[i]);
    }
    if (pfd >= 0)
        close(pfd);
    if (!keep_frame && m->valid) {
        unlinkat(dfd, "plots", AT_REMOVEDIR); /* fails when it holds anything else */
        unlinkat(dfd, REPORT_DIR_MARKER, 0);
    }
}

/* Removes our folder parent_fd/name (open as dfd, marker m); it stays, with
 * a note on stderr, when it holds files not listed. */
static void remove_folder(int parent_fd, const char *parent, const char *name, int dfd,
                          const manifest *m)
{
    remove_listed(dfd, m, NULL, 0);
    if (unlinkat(parent_fd, name, AT_REMOVEDIR) && errno != ENOENT)
        fprintf(stderr, "genre-analysis: left %s%s%s: it holds files genre-analysis did not "
                        "write (%s)\n", parent, sep(parent), name, strerror(errno));
}

/* Temporary folders of earlier runs on this output that died (kill -9):
 * named .NAME.tmp-*, with our marker, and not locked by a live run. */
static void clean_stale(const report_dir *d, int parent_fd)
{
    char prefix[300];
    snprintf(prefix, sizeof prefix, ".%s.tmp-", d->name);
    DIR *dir = fdopendir(dup(parent_fd));
    if (!dir)
        return;
    rewinddir(dir);
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (strncmp(e->d_name, prefix, strlen(prefix)))
            continue;
        int fd = openat(parent_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        manifest m;
        struct stat sb;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &sb) == 0) { /* else live */
            read_marker(fd, &m);
            /* a copy of one of ours (cp -a) is the user's: the marker must
             * name this very folder */
            if (m.valid && strcmp(m.state, "kept") && m.has_id &&
                m.dev == (unsigned long long)sb.st_dev && m.ino == (unsigned long long)sb.st_ino) {
                fprintf(stderr, "genre-analysis: removing %s%s%s, left by an interrupted "
                                "run\n", d->parent, sep(d->parent), e->d_name);
                remove_folder(parent_fd, d->parent, e->d_name, fd, &m);
            }
            manifest_free(&m);
        }
        close(fd);
    }
    closedir(dir);
}

/* ------------------------------------------------------------------------ */
/* The public functions                                                     */
/* ------------------------------------------------------------------------ */

static int append(int fd, const char *line)
{
    size_t n = strlen(line);
    return write(fd, line, n) == (ssize_t)n ? 0 : -1; /* O_APPEND: one atomic write */
}

static void release(report_dir *d)
{
    if (d->marker_fd >= 0)
        close(d->marker_fd);
    if (d->tmp_fd >= 0)
        close(d->tmp_fd); /* drops the lock */
    d->marker_fd = d->tmp_fd = -1;
    d->tmp[0] = 0;
}

int report_dir_open(report_dir *d, const char *out, int force, char *err, size_t errcap)
{
    memset(d, 0, sizeof *d);
    d->tmp_fd = d->marker_fd = -1;
    d->force = force;
    mode_t um = umask(022); /* read it: no other thread runs yet */
    umask(um);
    d->mode = 0777 & ~(unsigned)um;
    if (split_path(d, out, err, errcap) || forbidden(d, d->name, err, errcap))
        return -1;
    int pfd = open(d->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0) {
        fail(err, errcap, "cannot use the folder %s for the report: %s", d->parent,
             strerror(errno));
        return -1;
    }
    content c;
    int rc = -1;
    if (inspect(d, pfd, d->name, &c, err, errcap))
        goto done;
    if (c.kind == T_DIR && c.foreign && !force) {
        fail(err, errcap,
             "refusing to write the report into %s: it holds files genre-analysis did not "
             "write (%s%s); it writes only into a new folder, an empty one or one of its "
             "own reports. Give another folder with -o, or add --force to write beside "
             "those files (only genre-analysis's own files are then replaced)",
             d->out, c.first_foreign, c.foreign > 1 ? " and more" : "");
        goto done;
    }
    if (c.kind == T_DIR) {
        static const char *const fixed[] = {"index.html", "metrics.json", "plots",
                                            REPORT_DIR_MARKER};
        for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
            if (collides(&c, fixed[i])) {
                fail(err, errcap,
                     "refusing to write the report into %s: its %s was not written by "
                     "genre-analysis and would be replaced (even --force does not replace "
                     "it); give another folder with -o",
                     d->out, fixed[i]);
                goto done;
            }
        char mine[300];
        if (foreign_in_plots(&c, mine, sizeof mine)) {
            fail(err, errcap,
                 "refusing to write the report into %s: its %s was not written by "
                 "genre-analysis, and plots/ holds only the report's plots (even --force does "
                 "not write beside a file there); move it, or give another folder with -o",
                 d->out, mine);
            goto done;
        }
    }
    clean_stale(d, pfd);
    snprintf(d->tmp, sizeof d->tmp, "%s%s.%s.tmp-XXXXXX", d->parent, sep(d->parent), d->name);
    if (!mkdtemp(d->tmp)) {
        fail(err, errcap, "cannot create a folder in %s for the report: %s", d->parent,
             strerror(errno));
        d->tmp[0] = 0;
        goto done;
    }
    /* lock before the marker exists, so no cleaner ever sees it unlocked;
     * another run's clean_stale() may hold it a moment (bounded: 2 s) */
    d->tmp_fd = open(d->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int locked = 0;
    for (int i = 0; d->tmp_fd >= 0 && i < 200; i++) {
        if ((locked = !flock(d->tmp_fd, LOCK_EX | LOCK_NB)) || errno != EWOULDBLOCK)
            break;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    if (!locked) {
        fail(err, errcap, "cannot lock %s: %s", d->tmp, strerror(errno));
        goto undo;
    }
    d->marker_fd = openat(d->tmp_fd, REPORT_DIR_MARKER,
                          O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
    struct stat sb;
    char head[200];
    if (fstat(d->tmp_fd, &sb) == 0)
        snprintf(head, sizeof head, REPORT_DIR_FORMAT "\nfolder %llu %llu\nstate writing\n",
                 (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino);
    if (d->marker_fd < 0 || fstat(d->tmp_fd, &sb) || append(d->marker_fd, head) ||
        mkdirat(d->tmp_fd, "plots", 0755)) {
        fail(err, errcap, "cannot prepare %s: %s", d->tmp, strerror(errno));
        goto undo;
    }
    rc = 0;
    goto done;
undo:
    if (d->marker_fd >= 0)
        unlinkat(d->tmp_fd, REPORT_DIR_MARKER, 0);
    if (d->tmp_fd >= 0)
        unlinkat(d->tmp_fd, "plots", AT_REMOVEDIR);
    rmdir(d->tmp);
    release(d);
done:
    content_free(&c);
    close(pfd);
    return rc;
}

int report_dir_record(report_dir *d, const char *rel)
{
    char line[400];
    if (d->marker_fd < 0 || !valid_rel(rel) || strlen(rel) > 300)
        return -1;
    snprintf(line, sizeof line, "file %s\n", rel);
    return append(d->marker_fd, line);
}

void report_dir_discard(report_dir *d)
{
    if (d->tmp_fd >= 0) {
        manifest m;
        read_marker(d->tmp_fd, &m);
        int pfd = open(d->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        const char *base = strrchr(d->tmp, '/') + 1;
        if (pfd >= 0)
            remove_folder(pfd, d->parent, base, d->tmp_fd, &m);
        if (pfd >= 0)
            close(pfd);
        manifest_free(&m);
    }
    release(d);
}

/* Writes MERGE_MARKER in our folder tfd: a marker listing the files of
 * nm and of old (NULL: nm's only), with the given state. */
static int write_union(int tfd, const manifest *nm, const manifest *old, const char *state)
{
    int fd = openat(tfd, MERGE_MARKER, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                    0644);
    if (fd < 0)
        return -1;
    int bad = dprintf(fd, "%s\n", REPORT_DIR_FORMAT) < 0;
    for (size_t i = 0; i < nm->n; i++)
        bad |= dprintf(fd, "file %s\n", nm->rel[i]) < 0;
    for (size_t i = 0; old && old->valid && i < old->n; i++)
        if (!manifest_has(nm, old->rel[i]))
            bad |= dprintf(fd, "file %s\n", old->rel[i]) < 0;
    if (state[0])
        bad |= dprintf(fd, "state %s\n", state) < 0;
    return (close(fd) || bad) ? -1 : 0;
}

/* Moves the files of our folder tfd (manifest nm) into the folder c, beside
 * files that are not ours, replacing the files of c's own report; 0, or -1
 * before anything moved. */
static int merge(report_dir *d, int tfd, const manifest *nm, content *c, const char *target,
                 char *err, size_t cap)
{
    for (size_t i = 0; i < nm->n; i++)
        if (collides(c, nm->rel[i]) || collides(c, "plots") || collides(c, REPORT_DIR_MARKER)) {
            fail(err, cap, "%s%s%s now holds %s, not written by genre-analysis", d->parent,
                 sep(d->parent), target, collides(c, nm->rel[i]) ? nm->rel[i] : "plots or the marker");
            return -1;
        }
    /* plots/ held open from here: a link swapped for it is not followed */
    int tp = -1, sp = openat(tfd, "plots", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if ((mkdirat(c->fd, "plots", 0755) && errno != EEXIST) || sp < 0 ||
        (tp = openat(c->fd, "plots", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        fail(err, cap, "cannot use %s%s%s/plots: %s", d->parent, sep(d->parent), target,
             strerror(errno));
        if (sp >= 0)
            close(sp);
        return -1;
    }
    /* first a marker listing both reports' files: a kill while they move
     * then leaves a folder that a later run knows as its own */
    if (append(d->marker_fd, "file " MERGE_MARKER "\n") || write_union(tfd, nm, &c->m, "merging") ||
        renameat(tfd, MERGE_MARKER, c->fd, REPORT_DIR_MARKER)) {
        fail(err, cap, "cannot write the marker of %s%s%s: %s", d->parent, sep(d->parent),
             target, strerror(errno));
        unlinkat(tfd, MERGE_MARKER, 0);
        close(sp), close(tp);
        return -1;
    }
    for (size_t i = 0; i < nm->n; i++) {
        int in_plots = !strncmp(nm->rel[i], "plots/", 6);
        const char *name = nm->rel[i] + (in_plots ? 6 : 0);
        if (renameat(in_plots ? sp : tfd, name, in_plots ? tp : c->fd, name) && errno != ENOENT)
            fprintf(stderr, "genre-analysis: cannot move %s into %s%s%s: %s\n", nm->rel[i],
                    d->parent, sep(d->parent), target, strerror(errno));
    }
    close(sp), close(tp);
    remove_listed(c->fd, &c->m, nm, 1); /* the earlier report's other files */
    /* our marker last, listing only what this run wrote: nm, which (unlike
     * our folder's own marker) does not claim MERGE_MARKER, a name that may
     * be a user's file in c */
    if (write_union(tfd, nm, NULL, nm->state) ||
        renameat(tfd, MERGE_MARKER, c->fd, REPORT_DIR_MARKER)) {
        fail(err, cap, "cannot move the marker into %s%s%s: %s", d->parent, sep(d->parent),
             target, strerror(errno));
        unlinkat(tfd, MERGE_MARKER, 0);
        return -1;
    }
    unlinkat(tfd, REPORT_DIR_MARKER, 0);
    unlinkat(tfd, "plots", AT_REMOVEDIR);
    return 0;
}

/* merge() of our whole temporary folder, which is then removed. */
static int merge_in(report_dir *d, int pfd, const char *base, content *c, const char *target,
                    char *err, size_t cap)
{
    manifest nm;
    read_marker(d->tmp_fd, &nm);
    int rc = nm.valid ? merge(d, d->tmp_fd, &nm, c, target, err, cap) : -1;
    if (!nm.valid)
        fail(err, cap, "the marker of %s is unreadable", d->tmp);
    manifest_free(&nm);
    if (rc == 0)
        unlinkat(pfd, base, AT_REMOVEDIR);
    return rc;
}

int report_dir_commit(report_dir *d, int complete, char *where, size_t wcap, char *err,
                      size_t errcap)
{
    char target[300], why[1600] = "";
    snprintf(target, sizeof target, "%s%s", d->name, complete ? "" : ".partial");
    const char *base = strrchr(d->tmp, '/') + 1;
    append(d->marker_fd, complete ? "state complete\n" : "state partial\n");
    fchmod(d->tmp_fd, (mode_t)d->mode); /* mkdtemp made it 0700 */
    int pfd = open(d->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1;
    content c;
    memset(&c, 0, sizeof c);
    c.fd = -1;
    if (pfd < 0) {
        fail(why, sizeof why, "cannot open %s: %s", d->parent, strerror(errno));
        goto keep;
    }
    char out[2 * PATH_MAX];
    snprintf(out, sizeof out, "%s%s", d->out, complete ? "" : ".partial");
    if (forbidden(d, target, why, sizeof why) || inspect(d, pfd, target, &c, why, sizeof why))
        goto keep;
    if (c.kind == T_ABSENT || (c.ours == 0 && c.foreign == 0)) {
        /* new, or an empty folder: rename() replaces an empty folder in one step */
        if (renameat(pfd, base, pfd, target)) {
            fail(why, sizeof why, "cannot rename it to %s: %s", out, strerror(errno));
            goto keep;
        }
    } else if (c.foreign == 0 && c.m.valid) {
        /* our earlier report: swap them in one step, then remove the old one */
        flock(c.fd, LOCK_EX | LOCK_NB);
        if (renameat2(pfd, base, pfd, target, RENAME_EXCHANGE) == 0) {
            remove_folder(pfd, d->parent, base, c.fd, &c.m);
        } else if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
            fail(why, sizeof why, "cannot replace %s: %s", out, strerror(errno));
            goto keep;
        } else if (merge_in(d, pfd, base, &c, target, why, sizeof why)) {
            goto keep; /* a file system without the exchange: file by file */
        }
    } else if (!d->force) {
        fail(why, sizeof why,
             "%s holds files genre-analysis did not write (%s); add --force to write beside "
             "them",
             out, c.first_foreign);
        goto keep;
    } else if (merge_in(d, pfd, base, &c, target, why, sizeof why)) {
        goto keep;
    }
    char abs[PATH_MAX];
    if (realpath(out, abs))
        snprintf(where, wcap, "%s", abs);
    else
        snprintf(where, wcap, "%s", out);
    rc = 0;
    goto done;
keep:
    /* nothing of ours is left behind: a hidden .NAME.tmp-* holding a report
     * nobody looks for helps no one */
    fail(err, errcap, "%s; the report was not written (its temporary folder %s is removed)",
         why, d->tmp);
    report_dir_discard(d);
done:
    content_free(&c);
    if (pfd >= 0)
        close(pfd);
    release(d);
    return rc;
}
