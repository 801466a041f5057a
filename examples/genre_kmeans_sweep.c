/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-kmeans-sweep: step 4 of the reference analysis, choosing k for
 * k-means on the LDA features by the silhouette.
 *
 * Reads the frozen split (tests/fixtures/real_split.csv.gz; only the 45,000
 * training rows are used), standardizes the 11 continuous features with a
 * genre_scaler (key and mode stay codes), projects the rows on the first 3
 * discriminants of a genre_lda, and for the 2-D (first two discriminants)
 * and the 3-D projection prints the sweep k = 2..8 of genre_kmeans_sweep
 * (k-means++, 10 restarts, seed 0): inertia and exact mean silhouette per k,
 * and the k of the highest silhouette. The reference analysis found k = 3
 * (silhouette 0.44 in 2-D, 0.35 in 3-D).
 *
 * Usage: genre-kmeans-sweep [split.csv.gz]
 */
#define _XOPEN_SOURCE 700 /* readlink (example_split.h) */

#include <genre/genre.h>

#include "example_split.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>


#define D 13
#define KEY 6
#define MODE 9
#define KMIN 2
#define KMAX 8
#define NK (KMAX - KMIN + 1)

/* The training rows of "set,label,13 features" lines; returns the count.
 * bench/bench_common.c has the same reader for the benchmarks; this one stays
 * here so that the example builds and reads on its own (it links only
 * libgenre and zlib). */
static size_t read_train(const char *path, double **x_out, int32_t **y_out)
{
    gzFile f = gzopen(path, "rb");
    if (!f)
        return 0;
    size_t cap = 50000, n = 0;
    double *x = malloc(cap * D * sizeof *x);
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
        for (size_t j = 0; j < D; j++)
            x[n * D + j] = strtod(end + 1, &end);
        y[n++] = (int32_t)label;
    }
    gzclose(f);
    *x_out = x;
    *y_out = y;
    return n;
}

static int fail(const char *what)
{
    fprintf(stderr, "genre-kmeans-sweep: %s: %s\n", what, genre_last_error());
    return EXIT_FAILURE;
}

int main(int argc, char **argv)
{
    char def[4096];
    const char *path = argc > 1 ? argv[1] : example_split_path(def, sizeof def);
    if (!path) {
        example_split_missing("genre-kmeans-sweep");
        return EXIT_FAILURE;
    }
    double *x = NULL;
    int32_t *y = NULL;
    const size_t n = read_train(path, &x, &y);
    if (n == 0) {
        fprintf(stderr, "genre-kmeans-sweep: cannot read %s\n", path);
        return EXIT_FAILURE;
    }
    double *z = malloc(n * D * sizeof *z), *p = malloc(n * 3 * sizeof *p);
    if (!z || !p)
        return EXIT_FAILURE;
    uint8_t mask[D];
    for (int j = 0; j < D; j++)
        mask[j] = j != KEY && j != MODE;
    genre_scaler *s = NULL;
    genre_lda *lda = NULL;
    genre_kmeans *km = NULL;
    if (genre_scaler_create(&s) || genre_scaler_set_mask(s, mask, D) ||
        genre_scaler_fit(s, x, n, D, D) || genre_scaler_transform(s, x, n, D, D, z, n * D, NULL))
        return fail("scaler");
    if (genre_lda_create(&lda) || genre_lda_set_i64(lda, GENRE_LDA_N_COMPONENTS, 3) ||
        genre_lda_fit(lda, z, n, D, D, y) || genre_lda_transform(lda, z, n, D, D, p, n * 3, NULL))
        return fail("lda");
    if (genre_kmeans_create(&km) || genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 10) ||
        genre_kmeans_set_i64(km, GENRE_KMEANS_SEED, 0))
        return fail("kmeans");
    printf("k-means on the LDA projection of %zu standardized training rows "
           "(k-means++, 10 restarts, seed 0)\n", n);
    for (size_t dim = 2; dim <= 3; dim++) {
        double inertia[NK], sil[NK];
        /* The 2-D features are the first two columns: a row stride of 3. */
        if (genre_kmeans_sweep(km, p, n, dim, 3, KMIN, KMAX, inertia, sil, NK, NULL))
            return fail("sweep");
        size_t best = 0;
        printf("\n%zu-D   k      inertia   silhouette\n", dim);
        for (size_t q = 0; q < NK; q++) {
            printf("      %2zu  %11.1f   %.4f\n", q + KMIN, inertia[q], sil[q]);
            if (sil[q] > sil[best])
                best = q;
        }
        printf("best k by silhouette: %zu (%.4f)\n", best + KMIN, sil[best]);
    }
    genre_kmeans_free(km);
    genre_lda_free(lda);
    genre_scaler_free(s);
    free(x), free(y), free(z), free(p);
    return EXIT_SUCCESS;
}
