/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Where genre-lda-table and genre-kmeans-sweep find the frozen split of the
 * reference analysis when no path is given: the source tree they were built
 * from (a build tree), else the copy installed beside the data set
 * (genre-tools: <datadir>/genre/real_split.csv.gz), else the source path,
 * so the message names where the program looked first.
 */
#ifndef GENRE_EXAMPLE_SPLIT_H
#define GENRE_EXAMPLE_SPLIT_H

#include <stdio.h>
#include <unistd.h>

#ifndef GENRE_EXAMPLE_SOURCE_DIR
#define GENRE_EXAMPLE_SOURCE_DIR "."
#endif
#ifndef GENRE_EXAMPLE_DATADIR
#define GENRE_EXAMPLE_DATADIR "/usr/share/genre"
#endif

static const char *example_split_path(char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/real_split.csv.gz", GENRE_EXAMPLE_DATADIR);
    if (access(buf, R_OK) == 0 &&
        access(GENRE_EXAMPLE_SOURCE_DIR "/tests/fixtures/real_split.csv.gz", R_OK) != 0)
        return buf;
    snprintf(buf, cap, "%s/tests/fixtures/real_split.csv.gz", GENRE_EXAMPLE_SOURCE_DIR);
    return buf;
}

#endif
