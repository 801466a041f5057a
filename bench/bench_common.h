/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the benchmark programs share: a clock, the frozen split's training
 * rows, and a fatal status check. */
#ifndef GENRE_BENCH_COMMON_H
#define GENRE_BENCH_COMMON_H

#include <genre/genre.h>

#include <stddef.h>
#include <stdint.h>

/* Monotonic wall time in seconds. */
double genre_bench_now(void);

/* Reads the training rows (set == 0) of tests/fixtures/real_split.csv.gz:
 * n_cols features per row into *x_out, labels into *y_out (malloc'd; the
 * caller frees both). Returns the row count, 0 on failure. */
size_t genre_bench_read_train(const char *path, size_t n_cols, double **x_out,
                              int32_t **y_out);

/* Exits with "<program>: <what>: <last error>" when st is not GENRE_OK. */
void genre_bench_check(const char *program, genre_status st, const char *what);

#endif
