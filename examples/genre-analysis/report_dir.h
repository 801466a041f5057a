/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The report folder of genre-analysis (docs/analysis.md, "The report
 * folder"). Output folders are the user's: a report goes into a new folder,
 * an empty one, or one holding only an earlier report of genre-analysis;
 * anything else is refused unless force, and then only genre-analysis's own
 * files are replaced; its plots/ must hold only the plots its marker lists,
 * even with force (a plot's name is known only once it is drawn). The working folder, its ancestors and / are refused
 * always, and so is a path that is a symbolic link, not a folder, or a mount
 * point (its rename would fail).
 *
 * What is ours is written down: every report folder holds the marker
 * `.genre-analysis-report`, whose first line is REPORT_DIR_FORMAT and whose
 * `file REL` lines list each file the program wrote (recorded before the
 * file is created), with `state ...` lines. Nothing is ever deleted that a
 * marker does not list, and no tree is walked: removal is unlinkat() of
 * listed names plus rmdir() of our folders, which fails, harmlessly, when
 * they hold anything else.
 *
 * A report is written into `.NAME.tmp-XXXXXX` beside the output, locked
 * (flock on the folder) while the run lives. A complete report replaces the
 * earlier one in one atomic exchange at the end; a partial one goes to
 * `NAME.partial` beside it. Stale temporary folders (a kill -9) are removed
 * on the next run when their marker proves them ours (it names the folder's
 * device and inode, so a copy is not ours) and their lock is free.
 *
 * Not thread-safe, except report_dir_record(), which may be called from
 * several threads at once.
 */
#ifndef GENRE_EXAMPLES_REPORT_DIR_H
#define GENRE_EXAMPLES_REPORT_DIR_H

#include <limits.h>
#include <stddef.h>

#define REPORT_DIR_MARKER ".genre-analysis-report"
#define REPORT_DIR_FORMAT "genre-analysis report folder 1"

typedef struct report_dir {
    char out[PATH_MAX];    /* the output folder as given, trailing '/' removed */
    char parent[PATH_MAX]; /* the folder that holds it */
    char name[256];        /* its last component */
    char tmp[PATH_MAX + 320]; /* the temporary folder being written, "" if none */
    int tmp_fd;            /* open on tmp, holds its lock; -1 if none */
    int marker_fd;         /* tmp's marker, append-only; -1 if none */
    int force;
    unsigned mode;         /* the report folder's mode: 0777 less the umask */
} report_dir;

/*
 * Checks that out may receive a report (rules above; force lets a folder
 * holding other files be written into), removes stale temporary folders of
 * earlier runs on the same output, and creates and locks a new temporary
 * folder with its marker and an empty plots/. Returns 0, or -1 with a
 * message in err saying what was refused and how to proceed (d then owns
 * nothing). Messages about removed stale folders go to stderr. Call it
 * before starting threads: it reads the umask (umask() sets it), which the
 * report folder's mode then follows.
 */
int report_dir_open(report_dir *d, const char *out, int force, char *err, size_t errcap);

/* Records that the file rel (`index.html`, `plots/x.png`: one name or
 * plots/ and one name) is about to be written in d->tmp. 0, or -1 when rel
 * is not such a name or the marker cannot be written. Thread-safe. */
int report_dir_record(report_dir *d, const char *rel);

/*
 * Moves the written report into place: a complete one to d->out, a partial
 * one to d->out + ".partial" (the same rules apply to it), and releases d.
 * where receives the folder it went to. On -1 (the target changed and is
 * refused, or a rename failed) err says why, and the temporary folder is
 * removed (its listed files only), as by report_dir_discard().
 */
int report_dir_commit(report_dir *d, int complete, char *where, size_t wcap, char *err,
                      size_t errcap);

/* Removes the temporary folder (its listed files only) and releases d. */
void report_dir_discard(report_dir *d);

#endif
