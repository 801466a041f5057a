/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "bench_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

double genre_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void genre_bench_sort(double *t, size_t n)
{
    qsort(t, n, sizeof *t, cmp_double);
}

/* One "set,label,features" line: 1 with the row and label filled when it is a
 * training row (set 0), else 0. */
static int parse_train_row(char *line, size_t n_cols, double *row, int32_t *label)
{
    char *end;
    long set = strtol(line, &end, 10);
    long lab = strtol(end + 1, &end, 10);
    if (set != 0)
        return 0;
    for (size_t j = 0; j < n_cols; j++)
        row[j] = strtod(end + 1, &end);
    *label = (int32_t)lab;
    return 1;
}

size_t genre_bench_read_train(const char *program, const char *path, size_t n_cols,
                              double **x_out, int32_t **y_out)
{
    gzFile f = gzopen(path, "rb");
    size_t cap = 50000, n = 0;
    double *x = malloc(cap * n_cols * sizeof *x);
    int32_t *y = malloc(cap * sizeof *y);
    char line[1024];
    if (!f || !x || !y || !gzgets(f, line, sizeof line)) {
        if (f)
            gzclose(f);
        free(x), free(y);
        n = 0;
    } else {
        while (gzgets(f, line, sizeof line) && n < cap)
            n += (size_t)parse_train_row(line, n_cols, x + n * n_cols, y + n);
        gzclose(f);
    }
    if (n == 0) {
        fprintf(stderr, "%s: cannot read %s\n", program, path);
        exit(EXIT_FAILURE);
    }
    *x_out = x;
    if (y_out)
        *y_out = y;
    else
        free(y);
    return n;
}

void genre_bench_continuous_mask(uint8_t *mask)
{
    for (int j = 0; j < GENRE_BENCH_SPLIT_COLS; j++)
        mask[j] = j != GENRE_BENCH_SPLIT_KEY && j != GENRE_BENCH_SPLIT_MODE;
}

void genre_bench_standardize(const char *program, const double *x, size_t n, double *z)
{
    const size_t d = GENRE_BENCH_SPLIT_COLS;
    uint8_t mask[GENRE_BENCH_SPLIT_COLS];
    genre_bench_continuous_mask(mask);
    genre_scaler *s;
    genre_bench_check(program, genre_scaler_create(&s), "scaler");
    genre_bench_check(program, genre_scaler_set_mask(s, mask, d), "scaler mask");
    genre_bench_check(program, genre_scaler_fit(s, x, n, d, d), "scaler fit");
    genre_bench_check(program, genre_scaler_transform(s, x, n, d, d, z, n * d, NULL),
                      "scaler transform");
    genre_scaler_free(s);
}

void genre_bench_loadavg(char *buf, size_t cap)
{
    snprintf(buf, cap, "unknown");
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (!fgets(buf, (int)cap, la))
            snprintf(buf, cap, "unknown");
        buf[strcspn(buf, "\n")] = '\0';
        fclose(la);
    }
}

void genre_bench_check(const char *program, genre_status st, const char *what)
{
    if (st != GENRE_OK) {
        fprintf(stderr, "%s: %s: %s\n", program, what, genre_last_error());
        exit(EXIT_FAILURE);
    }
}
