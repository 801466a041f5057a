/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "bench_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <zlib.h>

double genre_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

size_t genre_bench_read_train(const char *path, size_t n_cols, double **x_out,
                              int32_t **y_out)
{
    gzFile f = gzopen(path, "rb");
    if (!f)
        return 0;
    size_t cap = 50000, n = 0;
    double *x = malloc(cap * n_cols * sizeof *x);
    int32_t *y = malloc(cap * sizeof *y);
    char line[1024];
    if (!x || !y || !gzgets(f, line, sizeof line)) {
        gzclose(f);
        free(x), free(y);
        return 0;
    }
    while (gzgets(f, line, sizeof line) && n < cap) {
        char *end;
        long set = strtol(line, &end, 10);
        long label = strtol(end + 1, &end, 10);
        if (set != 0)
            continue;
        for (size_t j = 0; j < n_cols; j++)
            x[n * n_cols + j] = strtod(end + 1, &end);
        y[n++] = (int32_t)label;
    }
    gzclose(f);
    *x_out = x;
    *y_out = y;
    return n;
}

void genre_bench_check(const char *program, genre_status st, const char *what)
{
    if (st != GENRE_OK) {
        fprintf(stderr, "%s: %s: %s\n", program, what, genre_last_error());
        exit(EXIT_FAILURE);
    }
}
