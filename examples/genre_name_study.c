/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-name-study: the name study of issue 10 (examples/name_study.h,
 * docs/text.md) on the music-genre table. Loads the vendored data the way
 * genre-analysis finds it, runs the four models on the random and on the
 * artist-disjoint split and prints the table.
 *
 * Usage: genre-name-study [--input FILE] [--seed N] [--resamples N] [--quick]
 *                         [--keep-leaking] [--quiet]
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

/* The study's numeric features: the built-in schema's numeric and
 * categorical columns in the order of the file's header (the order of every
 * matrix of the reference analysis); key and mode enter as the codes of
 * their declared order, unscaled. */
#define NF 13
static const char *const FEAT[NF] = {"popularity", "acousticness", "danceability",
                                     "duration_ms", "energy", "instrumentalness", "key",
                                     "liveness", "loudness", "mode", "speechiness", "tempo",
                                     "valence"};
static const uint8_t STANDARDISE[NF] = {1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1};

/* One side's features and labels (after the preparation). */
static genre_status export_side(const genre_dataset *ds, double **x, int32_t **y, size_t *n)
{
    int64_t rows = 0;
    genre_status st = genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows);
    *n = (size_t)rows;
    *x = malloc((*n ? *n : 1) * NF * sizeof **x);
    *y = malloc((*n ? *n : 1) * sizeof **y);
    if (!st && (!*x || !*y))
        st = GENRE_E_NOMEM;
    if (!st)
        st = genre_dataset_export_matrix(ds, FEAT, NF, *x, *n * NF, NULL);
    if (!st)
        st = genre_dataset_export_labels(ds, *y, *n, NULL);
    return st;
}

/* The study's features callback (name_study_features_fn): the reference
 * preparation -- duration_ms by artist median, tempo by its median, fit on
 * the training rows -- then the 13 features. user: the schema. */
static int reference_features(void *user, genre_dataset *train, genre_dataset *test,
                              name_study_features *out, char *error, size_t cap)
{
    const genre_dataset_schema *schema = user;
    genre_dataset_prep *prep = NULL;
    size_t ntr = 0, nte = 0;
    genre_status st = genre_dataset_prep_create(&prep, schema);
    if (!st)
        st = genre_dataset_prep_add_group_median(prep, "duration_ms");
    if (!st)
        st = genre_dataset_prep_add_impute(prep, "tempo", GENRE_IMPUTE_MEDIAN);
    if (!st)
        st = genre_dataset_prep_fit_apply(prep, train);
    if (!st)
        st = genre_dataset_prep_apply(prep, test);
    if (!st)
        st = export_side(train, &out->x_train, &out->y_train, &ntr);
    if (!st)
        st = export_side(test, &out->x_test, &out->y_test, &nte);
    if (!st && !(out->standardise = malloc(NF)))
        st = GENRE_E_NOMEM;
    if (!st) {
        memcpy(out->standardise, STANDARDISE, NF);
        out->d = NF;
    }
    genre_dataset_prep_free(prep);
    if (st) {
        snprintf(error, cap, "%s", genre_last_error());
        free(out->x_train), free(out->x_test), free(out->y_train), free(out->y_test);
        free(out->standardise);
        memset(out, 0, sizeof *out);
        return -1;
    }
    return 0;
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
               "[--keep-leaking] [--quiet]\n"
               "  --input FILE   the music-genre CSV (default: the vendored data)\n"
               "  --seed N       splits, folds, models and bootstrap (default 1)\n"
               "  --resamples N  bootstrap resamples (default 1000)\n"
               "  --both-hidden N  hidden width of the names+audio network (default 64)\n"
               "  --quick        fewer epochs, 3 folds, 200 resamples (a smoke test)\n"
               "  --keep-leaking keep a name column that alone predicts the genre (a leak)\n"
               "                 in the combined models\n"
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
        } else if (!strcmp(a, "--keep-leaking")) {
            o.keep_leaking = 1;
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
        genre_dataset_read(&ds, schema, path) || genre_dataset_drop_empty_rows(ds)) {
        fprintf(stderr, "genre-name-study: %s\n", genre_last_error());
        genre_dataset_free(ds);
        genre_dataset_schema_free(schema);
        return 1;
    }
    name_study_result *r = calloc(1, sizeof *r);
    /* the names: the artist (the group column) and the track */
    static const char *const text[] = {"artist_name", "track_name"};
    const name_study_input in = {.ds = ds,
                                 .text_columns = text,
                                 .n_text_columns = 2,
                                 .group_column = "artist_name",
                                 .class_word = "genre",
                                 .n_classes = 10,
                                 .features = reference_features,
                                 .features_user = schema};
    int rc = r ? name_study_run(&in, &o, r) : -1;
    if (rc == 0)
        name_study_print(stdout, r);
    else
        fprintf(stderr, "genre-name-study: %s\n", r ? r->error : "out of memory");
    free(r);
    genre_dataset_free(ds);
    genre_dataset_schema_free(schema);
    return rc == 0 ? 0 : 1;
}
