/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-lda-table: the LDA table of the reference analysis, from libgenre.
 *
 * Reads the frozen 500-per-genre split (tests/fixtures/real_split.csv.gz:
 * 45,000 training and 5,000 test rows, 13 features), standardizes the 11
 * continuous features with a genre_scaler fit on the training rows (key and
 * mode stay codes), fits a genre_lda on the training rows and prints, per
 * discriminant, its explained-variance ratio, the cumulative ratio and the
 * features with the largest scalings (loadings). The scalings apply to
 * standardized features, so their magnitudes compare across the 11
 * continuous ones (key and mode are codes on their own scale). Last, the
 * held-out accuracy of LDA used as a classifier.
 *
 * Usage: genre-lda-table [split.csv.gz] [top-features]
 */
#define _XOPEN_SOURCE 700 /* readlink (example_split.h) */

#include <genre/genre.h>

#include "example_split.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>


#define D 13
#define KEY 6
#define MODE 9

static const char *const FEATURES[D] = {
    "popularity", "acousticness", "danceability", "duration_ms", "energy",
    "instrumentalness", "key", "liveness", "loudness", "mode",
    "speechiness", "tempo", "valence"};

typedef struct split {
    size_t n_train, n_test;
    double *x_train, *x_test;
    int32_t *y_train, *y_test;
} split;

/* Reads "set,label,13 features" rows; returns 0 or -1. */
static int read_split(const char *path, split *s)
{
    memset(s, 0, sizeof *s);
    gzFile f = gzopen(path, "rb");
    if (!f) {
        fprintf(stderr, "genre-lda-table: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 50000;
    s->x_train = malloc(cap * D * sizeof(double));
    s->x_test = malloc(cap * D * sizeof(double));
    s->y_train = malloc(cap * sizeof(int32_t));
    s->y_test = malloc(cap * sizeof(int32_t));
    char line[1024];
    int ok = s->x_train && s->x_test && s->y_train && s->y_test &&
             gzgets(f, line, sizeof line) != NULL;
    while (ok && gzgets(f, line, sizeof line)) {
        char *end;
        long set = strtol(line, &end, 10);
        long label = strtol(end + 1, &end, 10);
        size_t *n = set ? &s->n_test : &s->n_train;
        if (*n >= cap) {
            ok = 0;
            break;
        }
        double *row = (set ? s->x_test : s->x_train) + *n * D;
        for (size_t j = 0; j < D; j++) {
            char *p = end + 1;
            row[j] = strtod(p, &end);
            if (end == p)
                ok = 0;
        }
        (set ? s->y_test : s->y_train)[*n] = (int32_t)label;
        (*n)++;
    }
    gzclose(f);
    if (!ok || s->n_train == 0 || s->n_test == 0) {
        fprintf(stderr, "genre-lda-table: %s is not a split file\n", path);
        return -1;
    }
    return 0;
}

static void free_split(split *s)
{
    free(s->x_train), free(s->x_test), free(s->y_train), free(s->y_test);
}

static int fail(const char *what, genre_status st)
{
    fprintf(stderr, "genre-lda-table: %s: %s (%s)\n", what, genre_last_error(),
            genre_status_name(st));
    return EXIT_FAILURE;
}

int main(int argc, char **argv)
{
    char default_path[4096];
    const char *path = argc > 1 ? argv[1] : example_split_path(default_path, sizeof default_path);
    if (!path) {
        example_split_missing("genre-lda-table");
        return EXIT_FAILURE;
    }
    int top = argc > 2 ? atoi(argv[2]) : 3;
    if (top < 1 || top > D)
        top = 3;
    split s;
    if (read_split(path, &s) != 0)
        return EXIT_FAILURE;

    genre_status st;
    genre_scaler *scaler = NULL;
    genre_lda *lda = NULL;
    double *z_train = malloc(s.n_train * D * sizeof(double));
    double *z_test = malloc(s.n_test * D * sizeof(double));
    int32_t *pred = malloc(s.n_test * sizeof(int32_t));
    if (!z_train || !z_test || !pred) {
        fprintf(stderr, "genre-lda-table: out of memory\n");
        return EXIT_FAILURE;
    }
    uint8_t mask[D];
    for (int j = 0; j < D; j++)
        mask[j] = j != KEY && j != MODE;
    if ((st = genre_scaler_create(&scaler)) != GENRE_OK ||
        (st = genre_scaler_set_mask(scaler, mask, D)) != GENRE_OK ||
        (st = genre_scaler_fit(scaler, s.x_train, s.n_train, D, D)) != GENRE_OK ||
        (st = genre_scaler_transform(scaler, s.x_train, s.n_train, D, D, z_train,
                                     s.n_train * D, NULL)) != GENRE_OK ||
        (st = genre_scaler_transform(scaler, s.x_test, s.n_test, D, D, z_test, s.n_test * D,
                                     NULL)) != GENRE_OK)
        return fail("scaling", st);
    if ((st = genre_lda_create(&lda)) != GENRE_OK ||
        (st = genre_lda_fit(lda, z_train, s.n_train, D, D, s.y_train)) != GENRE_OK)
        return fail("fitting the LDA", st);

    int64_t k64, classes;
    genre_lda_get_i64(lda, GENRE_LDA_N_COMPONENTS_FITTED, &k64);
    genre_lda_get_i64(lda, GENRE_LDA_N_CLASSES, &classes);
    const size_t k = (size_t)k64;
    double ratio[D], scal[D * D];
    if ((st = genre_lda_get_explained_variance_ratio(lda, ratio, D, NULL)) != GENRE_OK ||
        (st = genre_lda_get_scalings(lda, scal, D * D, NULL)) != GENRE_OK)
        return fail("reading the LDA", st);

    printf("LDA on %zu training rows x %d features (11 standardized, key and mode as codes), "
           "%lld genres\n\n", s.n_train, D, (long long)classes);
    printf("%-4s %8s %8s   top-loading features (scaling)\n", "", "ratio", "cumul.");
    double cum = 0;
    for (size_t c = 0; c < k; c++) {
        cum += ratio[c];
        printf("LD%-2zu %7.2f%% %7.2f%%  ", c + 1, 100 * ratio[c], 100 * cum);
        int used[D] = {0};
        for (int t = 0; t < top; t++) {
            int best = -1;
            for (int j = 0; j < D; j++)
                if (!used[j] && (best < 0 || fabs(scal[j * k + c]) > fabs(scal[best * k + c])))
                    best = j;
            used[best] = 1;
            printf(" %s %+.3f", FEATURES[best], scal[best * k + c]);
        }
        printf("\n");
    }
    printf("\nLD1-LD3 together: %.2f%% of the between-genre variance\n",
           100 * (ratio[0] + ratio[1] + ratio[2]));
    if ((st = genre_lda_predict(lda, z_test, s.n_test, D, D, pred, s.n_test, NULL)) != GENRE_OK)
        return fail("predicting", st);
    size_t right = 0;
    for (size_t i = 0; i < s.n_test; i++)
        right += pred[i] == s.y_test[i];
    printf("LDA as a classifier: %.2f%% accuracy on the %zu held-out rows\n",
           100.0 * (double)right / (double)s.n_test, s.n_test);

    genre_lda_free(lda);
    genre_scaler_free(scaler);
    free(z_train), free(z_test), free(pred);
    free_split(&s);
    return EXIT_SUCCESS;
}
