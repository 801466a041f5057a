/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the benchmark programs share: a clock, the frozen split's training
 * rows and their standardization, the load average, and a fatal status
 * check. */
#ifndef GENRE_BENCH_COMMON_H
#define GENRE_BENCH_COMMON_H

#include <genre/genre.h>

#include <stddef.h>
#include <stdint.h>

/* Monotonic wall time in seconds. */
double genre_bench_now(void);

/* Sorts n timings ascending in place (for a best or a median). */
void genre_bench_sort(double *t, size_t n);

/* The frozen split's 13 features per row; key and mode are codes, the other
 * 11 columns continuous. */
#define GENRE_BENCH_SPLIT_COLS 13
#define GENRE_BENCH_SPLIT_KEY 6
#define GENRE_BENCH_SPLIT_MODE 9

/* Reads the training rows (set == 0) of the frozen split at path
 * (tests/fixtures/real_split.csv.gz): n_cols features per row into *x_out,
 * labels into *y_out unless y_out is NULL (malloc'd; the caller frees them).
 * Returns the row count; on failure exits with "<program>: cannot read
 * <path>". */
size_t genre_bench_read_train(const char *program, const char *path, size_t n_cols,
                              double **x_out, int32_t **y_out);

/* mask[13]: 1 for the split's 11 continuous columns, 0 for key and mode. */
void genre_bench_continuous_mask(uint8_t *mask);

/* Standardizes the 11 continuous columns of x (n x 13, row-major) with a
 * genre_scaler fit on x, into z (n x 13); key and mode are copied. Exits
 * through genre_bench_check() on failure. */
void genre_bench_standardize(const char *program, const double *x, size_t n, double *z);

/* The first line of /proc/loadavg without its newline, or "unknown". */
void genre_bench_loadavg(char *buf, size_t cap);

/* Exits with "<program>: <what>: <last error>" when st is not GENRE_OK. */
void genre_bench_check(const char *program, genre_status st, const char *what);

#endif
