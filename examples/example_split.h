/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Where genre-lda-table and genre-kmeans-sweep find the frozen split of the
 * reference analysis when no path is given, in genre-analysis's order
 * (genre-analysis/find_data.c): the source tree's copy for the program of
 * the build tree; <the program's folder>/../share/genre (an installed or
 * unpacked genre-tools, wherever its prefix is: `dpkg -x` into a scratch
 * root has no /usr/share/genre); the data folder compiled in; the source
 * tree's copy. None readable: NULL, and example_split_missing() says where
 * the program looked.
 */
#ifndef GENRE_EXAMPLE_SPLIT_H
#define GENRE_EXAMPLE_SPLIT_H

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef GENRE_EXAMPLE_SOURCE_DIR
#define GENRE_EXAMPLE_SOURCE_DIR "."
#endif
#ifndef GENRE_EXAMPLE_DATADIR
#define GENRE_EXAMPLE_DATADIR "/usr/share/genre"
#endif
#ifndef GENRE_EXAMPLE_REL_DATADIR
#define GENRE_EXAMPLE_REL_DATADIR "../share/genre"
#endif
#ifndef GENRE_EXAMPLE_BINARY_DIR
#define GENRE_EXAMPLE_BINARY_DIR ""
#endif
#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

#define EXAMPLE_SPLIT_SOURCE GENRE_EXAMPLE_SOURCE_DIR "/tests/fixtures/real_split.csv.gz"

/* The folder of the running program ("" when unknown). */
static void example_exe_dir(char *dir, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    dir[0] = 0;
    if (n <= 0)
        return;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) {
        *slash = 0;
        snprintf(dir, cap, "%s", exe);
    }
}

static const char *example_split_path(char *buf, size_t cap)
{
    char dir[PATH_MAX];
    example_exe_dir(dir, sizeof dir);
    if (dir[0] && GENRE_EXAMPLE_BINARY_DIR[0] && !strcmp(dir, GENRE_EXAMPLE_BINARY_DIR) &&
        access(EXAMPLE_SPLIT_SOURCE, R_OK) == 0) {
        snprintf(buf, cap, "%s", EXAMPLE_SPLIT_SOURCE);
        return buf;
    }
    if (dir[0]) {
        int n = snprintf(buf, cap, "%s/" GENRE_EXAMPLE_REL_DATADIR "/real_split.csv.gz", dir);
        if (n > 0 && (size_t)n < cap && access(buf, R_OK) == 0)
            return buf;
    }
    const char *fixed[] = {GENRE_EXAMPLE_DATADIR "/real_split.csv.gz", EXAMPLE_SPLIT_SOURCE};
    for (int i = 0; i < 2; i++)
        if (access(fixed[i], R_OK) == 0) {
            snprintf(buf, cap, "%s", fixed[i]);
            return buf;
        }
    return NULL;
}

/* The message for example_split_path() == NULL. */
static void example_split_missing(const char *program)
{
    char dir[PATH_MAX];
    example_exe_dir(dir, sizeof dir);
    fprintf(stderr,
            "%s: cannot find the frozen split real_split.csv.gz (looked in %s/%s, %s and "
            "%s/tests/fixtures); give its path as the first argument\n",
            program, dir[0] ? dir : "?", GENRE_EXAMPLE_REL_DATADIR, GENRE_EXAMPLE_DATADIR,
            GENRE_EXAMPLE_SOURCE_DIR);
}

#endif
