/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-name-study: the name study of issue 10 (examples/name_study.h,
 * docs/text.md). Loads the vendored data the way genre-analysis finds it,
 * runs the four models on the random and on the artist-disjoint split and
 * prints the table.
 *
 * Usage: genre-name-study [--input FILE] [--seed N] [--resamples N] [--quick] [--quiet]
 */
#include "name_study.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
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

/* The same lookup as genre-analysis: the build tree's program uses the
 * repository's copy, an installed one <prefix>/share/genre, then the data
 * directory compiled in, then the source tree's copy. */
static int find_data(char *path, size_t cap)
{
    char exe[PATH_MAX], dir[PATH_MAX] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(dir, sizeof dir, "%s", exe);
        }
    }
    if (dir[0] && GENRE_ANALYSIS_BINARY_DIR[0] && !strcmp(dir, GENRE_ANALYSIS_BINARY_DIR) &&
        readable(GENRE_ANALYSIS_SOURCE_DATA)) {
        snprintf(path, cap, "%s", GENRE_ANALYSIS_SOURCE_DATA);
        return 0;
    }
    if (dir[0]) {
        char cand[PATH_MAX + 64];
        snprintf(cand, sizeof cand, "%s/" GENRE_ANALYSIS_REL_DATADIR "/music_genre.csv.gz", dir);
        if (readable(cand)) {
            snprintf(path, cap, "%s", cand);
            return 0;
        }
    }
    const char *fixed[] = {GENRE_ANALYSIS_DATADIR "/music_genre.csv.gz",
                           GENRE_ANALYSIS_SOURCE_DATA};
    for (int i = 0; i < 2; i++)
        if (readable(fixed[i])) {
            snprintf(path, cap, "%s", fixed[i]);
            return 0;
        }
    fprintf(stderr,
            "genre-name-study: cannot find music_genre.csv.gz (looked in %s/%s, %s and %s); "
            "give one with --input FILE\n",
            dir[0] ? dir : "?", GENRE_ANALYSIS_REL_DATADIR, GENRE_ANALYSIS_DATADIR,
            GENRE_ANALYSIS_SOURCE_DATA);
    return -1;
}

static void show(void *user, const char *what)
{
    (void)user;
    fprintf(stderr, "  ... %s\n", what);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: genre-name-study [--input FILE] [--seed N] [--resamples N] [--both-hidden N] "
               "[--quick] "
               "[--quiet]\n"
               "  --input FILE   the music-genre CSV (default: the vendored data)\n"
               "  --seed N       splits, folds, models and bootstrap (default 1)\n"
               "  --resamples N  bootstrap resamples (default 1000)\n"
               "  --both-hidden N  hidden width of the names+audio network (default 64)\n"
               "  --quick        fewer epochs, 3 folds, 200 resamples (a smoke test)\n"
               "  --quiet        no progress on stderr\n");
}

int main(int argc, char **argv)
{
    name_study_options o;
    name_study_default_options(&o);
    o.progress = show;
    char path[PATH_MAX + 64] = "";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--input") && i + 1 < argc) {
            snprintf(path, sizeof path, "%s", argv[++i]);
        } else if (!strcmp(a, "--seed") && i + 1 < argc) {
            o.seed = strtoull(argv[++i], NULL, 10);
        } else if (!strcmp(a, "--resamples") && i + 1 < argc) {
            o.n_resamples = atoi(argv[++i]);
        } else if (!strcmp(a, "--both-hidden") && i + 1 < argc) {
            o.both_hidden = atoi(argv[++i]);
        } else if (!strcmp(a, "--quick")) {
            o.folds = 3;
            o.names_epochs = 5;
            o.both_epochs = 4;
            o.audio_epochs = 40;
            o.n_resamples = 200;
        } else if (!strcmp(a, "--quiet")) {
            o.progress = NULL;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!path[0] && find_data(path, sizeof path))
        return 1;
    genre_dataset_schema *schema = NULL;
    genre_dataset *ds = NULL;
    if (genre_dataset_schema_create_music_genre(&schema) ||
        genre_dataset_read_file(&ds, schema, path) || genre_dataset_drop_empty_rows(ds)) {
        fprintf(stderr, "genre-name-study: %s\n", genre_last_error());
        genre_dataset_free(ds);
        genre_dataset_schema_free(schema);
        return 1;
    }
    name_study_result *r = calloc(1, sizeof *r);
    int rc = r ? name_study_run(ds, &o, r) : -1;
    if (rc == 0)
        name_study_print(stdout, r);
    else
        fprintf(stderr, "genre-name-study: %s\n", r ? r->error : "out of memory");
    free(r);
    genre_dataset_free(ds);
    genre_dataset_schema_free(schema);
    return rc == 0 ? 0 : 1;
}
