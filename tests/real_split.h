/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The frozen real-data split (tests/fixtures/real_split.csv.gz, made by
 * tests/fixtures/make_frozen_split.py) that model tests compare against
 * reference fixtures: 45,000 train and 5,000 test rows, 13 features. */
#ifndef GENRE_TEST_REAL_SPLIT_H
#define GENRE_TEST_REAL_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#define GENRE_TEST_N_FEATURES 13
#define GENRE_TEST_N_CLASSES 10

/* Feature columns, in file order. */
enum genre_test_feature {
    GT_POPULARITY, GT_ACOUSTICNESS, GT_DANCEABILITY, GT_DURATION_MS, GT_ENERGY,
    GT_INSTRUMENTALNESS, GT_KEY, GT_LIVENESS, GT_LOUDNESS, GT_MODE,
    GT_SPEECHINESS, GT_TEMPO, GT_VALENCE
};

typedef struct genre_test_split {
    size_t n_train, n_test;
    double *x_train, *x_test; /* row-major, GENRE_TEST_N_FEATURES columns */
    int32_t *y_train, *y_test; /* 0..9 in the order of the data README */
} genre_test_split;

/* Reads the fixture; returns 0, or -1 with a message on stderr. */
int genre_test_split_read(genre_test_split *split);
void genre_test_split_free(genre_test_split *split);

#endif
