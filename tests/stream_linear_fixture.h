/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the stream_linear suite's two files share: synthetic rows, states
 * streamed in chunks, saved states, and the message check. */
#ifndef GENRE_TEST_STREAM_LINEAR_FIXTURE_H
#define GENRE_TEST_STREAM_LINEAR_FIXTURE_H

#include "harness.h"

#include <stddef.h>
#include <stdint.h>

/* n x d rows (malloc'd) of columns with different scales and offsets and
 * class-dependent means; y (may be NULL) receives labels 0..K-1. */
double *synth(size_t n, size_t d, int32_t *y, int32_t K, uint64_t seed);

/* The state saved to a new malloc'd buffer of *len bytes (the size query
 * and the save asserted). */
unsigned char *scaler_state_saved(const genre_scaler_partial *p, size_t *len);
unsigned char *pca_state_saved(const genre_pca_partial *p, size_t *len);
unsigned char *lda_state_saved(const genre_lda_partial *p, size_t *len);

/* A new state of the n rows of x (d columns, contiguous) added in chunks. */
genre_scaler_partial *scaler_stream(const double *x, size_t n, size_t d, size_t chunk);
genre_pca_partial *pca_stream(const double *x, size_t n, size_t d, size_t chunk);
genre_lda_partial *lda_stream(const double *x, const int32_t *y, size_t n, size_t d,
                              size_t chunk);

/* Asserts that genre_last_error() starts with prefix. */
void expect_msg(const char *prefix);

/* Adds the tests of test_stream_linear_states.c (damaged and crafted
 * states, every documented error, allocation failures) to tc. */
void stream_linear_state_tests(TCase *tc);

#endif
