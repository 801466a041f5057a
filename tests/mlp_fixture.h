/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The synthetic data and models the MLP suites (test_mlp_*.c) share: a
 * seeded normal generator, three Gaussian blobs, a small classifier and a
 * fit-and-predict helper. */
#ifndef GENRE_TEST_MLP_FIXTURE_H
#define GENRE_TEST_MLP_FIXTURE_H

#include "harness.h"

#include <stdint.h>

/* The generator's state: a suite seeds it by assignment before drawing. */
extern uint64_t lcg_state;
/* A uniform draw in [0, 1) and a standard normal draw (Box-Muller). */
double urand(void);
double nrand(void);

/* The blobs: NB rows of DB columns in bx, their labels (KB classes) in by. */
#define NB 240
#define DB 4
#define KB 3
extern double bx[NB * DB];
extern int32_t by[NB];

/* Fills bx and by (seed 12345): the same bits on every call. */
void make_blobs(void);

/* An unfitted 8-6 classifier: learning rate 0.01, 40 epochs, batch 32, seed 7. */
genre_mlp *small_model(void);

/* The share of the blobs m classifies right. */
double accuracy_of(const genre_mlp *m);

/* Fits small_model() on the blobs in the given precision and returns its
 * probabilities on them in p (NB x KB); 40+ epochs must reach 85%. */
void fit_proba_prec(int64_t precision, int64_t threads, int64_t batch, double dropout,
                    double l2, int64_t epochs, double *p);

#endif
