/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where the data set is: --input, or the vendored table of the build tree,
 * or the installed one (find_data() in analysis.h). */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef GENRE_ANALYSIS_DATADIR
#define GENRE_ANALYSIS_DATADIR "/usr/local/share/genre"
#endif
#ifndef GENRE_ANALYSIS_SOURCE_DATA
#define GENRE_ANALYSIS_SOURCE_DATA "data/music_genre.csv.gz"
#endif
#ifndef GENRE_ANALYSIS_BINARY_DIR
#define GENRE_ANALYSIS_BINARY_DIR ""
#endif
#ifndef GENRE_ANALYSIS_REL_DATADIR
#define GENRE_ANALYSIS_REL_DATADIR "../share/genre"
#endif

static int readable(const char *p)
{
    return access(p, R_OK) == 0;
}

int find_data(run *r)
{
    if (r->opt.input) {
        snprintf(r->data_path, sizeof r->data_path, "%s", r->opt.input);
        /* A pipe, socket or terminal can be read once; --stream reads the
         * file in passes and inference reads it before loading, and a second
         * open of a FIFO waits forever for a writer. */
        int twice = r->opt.stream || (r->opt.label && !r->opt.schema && !r->opt.print_schema);
        struct stat sb;
        if (twice && stat(r->opt.input, &sb) == 0 && !S_ISREG(sb.st_mode) &&
            !S_ISDIR(sb.st_mode)) {
            snprintf(r->error, sizeof r->error,
                     "%s: is %s, not a regular file, and %s reads its input more than once; "
                     "save the table to a file and give that",
                     r->opt.input,
                     S_ISFIFO(sb.st_mode)   ? "a pipe (FIFO)"
                     : S_ISCHR(sb.st_mode)  ? "a character device"
                     : S_ISSOCK(sb.st_mode) ? "a socket"
                                            : "not a regular file",
                     r->opt.stream ? "--stream (passes over the file)"
                                   : "--label without --schema (inference, then loading)");
            return -1;
        }
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char dir[PATH_MAX] = "";
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(dir, sizeof dir, "%s", exe);
        }
    }
    char cand[PATH_MAX + 64];
    /* 1. the build tree's program uses the repository's copy */
    if (dir[0] && GENRE_ANALYSIS_BINARY_DIR[0] && !strcmp(dir, GENRE_ANALYSIS_BINARY_DIR) &&
        readable(GENRE_ANALYSIS_SOURCE_DATA)) {
        snprintf(r->data_path, sizeof r->data_path, "%s", GENRE_ANALYSIS_SOURCE_DATA);
        return 0;
    }
    /* 2. an installed program: <prefix>/bin/../share/genre, wherever the prefix is */
    if (dir[0]) {
        snprintf(cand, sizeof cand, "%s/" GENRE_ANALYSIS_REL_DATADIR "/music_genre.csv.gz",
                 dir);
        if (readable(cand)) {
            snprintf(r->data_path, sizeof r->data_path, "%s", cand);
            return 0;
        }
    }
    /* 3. the data directory compiled in, 4. the source tree's copy */
    const char *fixed[] = {GENRE_ANALYSIS_DATADIR "/music_genre.csv.gz",
                           GENRE_ANALYSIS_SOURCE_DATA};
    for (int i = 0; i < 2; i++)
        if (readable(fixed[i])) {
            snprintf(r->data_path, sizeof r->data_path, "%s", fixed[i]);
            return 0;
        }
    snprintf(r->error, sizeof r->error,
             "cannot find the data set music_genre.csv.gz (looked in %s/%s, %s and %s); "
             "give one with --input FILE",
             dir[0] ? dir : "?", GENRE_ANALYSIS_REL_DATADIR, GENRE_ANALYSIS_DATADIR,
             GENRE_ANALYSIS_SOURCE_DATA);
    return -1;
}
