/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The scikit-learn reference (tests/fixtures/linear_reference.txt, made by
 * tests/fixtures/make_linear_fixtures.py) and the real-data input the
 * scaler_real, pca_real and lda_real suites share. */
#ifndef GENRE_TEST_LINEAR_FIXTURE_H
#define GENRE_TEST_LINEAR_FIXTURE_H

#include "real_split.h"

#include "harness.h"

#include <stddef.h>
#include <stdint.h>

/* One block of the reference file: rows x cols doubles, row-major. */
typedef genre_test_block lin_ref; /* tests/fixtures/linear_reference.txt */

/* Reads block `name`; fails the running test when it is missing. */
lin_ref lin_ref_get(const char *name);
void lin_ref_free(lin_ref *r);

/* Rows of the fixture's projected samples: train 0, 225, ... (200 rows),
 * test 0, 50, ... (100 rows). */
#define LIN_TRAIN_STEP 225
#define LIN_N_TRAIN_PICK 200
#define LIN_TEST_STEP 50
#define LIN_N_TEST_PICK 100

/* The split with the 11 continuous columns standardized by genre_scaler
 * (fit on train), key and mode left as codes. */
typedef struct lin_data {
    genre_test_split split;
    double *z_train, *z_test;      /* 13 columns */
    double *p_train, *p_test;      /* 12 columns: without key */
} lin_data;

/* Reads and prepares everything; fails the running test on error. */
void lin_data_load(lin_data *data);
void lin_data_free(lin_data *data);

/* Picks rows 0, step, 2 step, ... (count of them) of an n x cols matrix. */
double *lin_pick_rows(const double *x, size_t cols, size_t step, size_t count);

/* Largest |a - s b| over a rows x cols matrix, with s = +-1 chosen per
 * column (the sign of the first entry of largest magnitude in b). */
double lin_max_diff_up_to_sign(const double *a, const double *b, size_t rows, size_t cols);

#endif
