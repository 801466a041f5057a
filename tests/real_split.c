/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "real_split.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int genre_test_split_read(genre_test_split *s)
{
    const char *path = genre_test_source_path("tests/fixtures/real_split.csv.gz");
    memset(s, 0, sizeof *s);
    gzFile f = gzopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    size_t cap = 50000, d = GENRE_TEST_N_FEATURES;
    s->x_train = malloc(cap * d * sizeof(double));
    s->x_test = malloc(cap * d * sizeof(double));
    s->y_train = malloc(cap * sizeof(int32_t));
    s->y_test = malloc(cap * sizeof(int32_t));
    char line[1024];
    int ok = s->x_train && s->x_test && s->y_train && s->y_test &&
             gzgets(f, line, sizeof line) != NULL; /* header */
    while (ok && gzgets(f, line, sizeof line)) {
        char *p = line, *end;
        long set = strtol(p, &end, 10);
        long label = strtol(end + 1, &end, 10);
        size_t n = set ? s->n_test : s->n_train;
        if (n >= cap || label < 0 || label >= GENRE_TEST_N_CLASSES) {
            ok = 0;
            break;
        }
        double *row = (set ? s->x_test : s->x_train) + n * d;
        for (size_t j = 0; j < d; j++) {
            p = end + 1;
            row[j] = strtod(p, &end);
            if (end == p)
                ok = 0;
        }
        (set ? s->y_test : s->y_train)[n] = (int32_t)label;
        if (set)
            s->n_test++;
        else
            s->n_train++;
    }
    gzclose(f);
    if (!ok || s->n_train != 45000 || s->n_test != 5000) {
        fprintf(stderr, "%s: malformed (train %zu, test %zu)\n", path, s->n_train, s->n_test);
        genre_test_split_free(s);
        return -1;
    }
    return 0;
}

void genre_test_split_free(genre_test_split *s)
{
    free(s->x_train);
    free(s->x_test);
    free(s->y_train);
    free(s->y_test);
    memset(s, 0, sizeof *s);
}
