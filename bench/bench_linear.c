/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-bench-linear: scaler + PCA + LDA fit on the frozen split's
 * 45,000 x 13 training matrix, against scikit-learn on this machine in the
 * same run (bench/bench_linear_sklearn.py through /usr/bin/python3).
 *
 * The fits: genre_scaler on the 13 columns with key and mode masked (11
 * standardized); genre_pca (all components) on the 12 standardized columns
 * without key; genre_lda on the 13 standardized columns. Each is
 * create + fit + free, repeated, median wall time. scikit-learn fits the same
 * matrices with its defaults (StandardScaler on the 11 continuous columns,
 * PCA() and LinearDiscriminantAnalysis() with the svd solver).
 *
 * Prints one line per figure, last `BENCH linear_fit_vs_sklearn <x> x`
 * (scikit-learn's total median time over libgenre's). Run from the
 * repository root (or anywhere: the source dir is compiled in).
 * Usage: genre-bench-linear [repeats]
 */
#include "bench_common.h"

#include <genre/genre.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GENRE_BENCH_SOURCE_DIR
#define GENRE_BENCH_SOURCE_DIR "."
#endif

#define D 13
#define KEY 6
#define MAX_REPEATS 1001

static double median(double *t, int n)
{
    genre_bench_sort(t, (size_t)n);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

static void check(genre_status st, const char *what)
{
    genre_bench_check("genre-bench-linear", st, what);
}

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 31;
    if (repeats < 1 || repeats > MAX_REPEATS)
        repeats = 31;
    const char *dir = GENRE_BENCH_SOURCE_DIR;
    char path[4096], cmd[8192];
    snprintf(path, sizeof path, "%s/tests/fixtures/real_split.csv.gz", dir);
    double *x;
    int32_t *y;
    size_t n = genre_bench_read_train("genre-bench-linear", path, D, &x, &y);
    uint8_t mask[D];
    genre_bench_continuous_mask(mask);
    double *z = malloc(n * D * sizeof *z), *p = malloc(n * 12 * sizeof *p);
    if (!z || !p)
        return EXIT_FAILURE;
    genre_bench_standardize("genre-bench-linear", x, n, z);
    for (size_t i = 0; i < n; i++)
        for (int j = 0, o = 0; j < D; j++)
            if (j != KEY)
                p[i * 12 + o++] = z[i * D + j];

    static double t_scaler[MAX_REPEATS], t_pca[MAX_REPEATS], t_lda[MAX_REPEATS];
    for (int r = 0; r < repeats; r++) {
        double t0 = genre_bench_now();
        genre_scaler *s;
        check(genre_scaler_create(&s), "scaler");
        check(genre_scaler_set_mask(s, mask, D), "scaler mask");
        check(genre_scaler_fit(s, x, n, D, D), "scaler fit");
        genre_scaler_free(s);
        double t1 = genre_bench_now();
        genre_pca *pca;
        check(genre_pca_create(&pca), "pca");
        check(genre_pca_fit(pca, p, n, 12, 12), "pca fit");
        genre_pca_free(pca);
        double t2 = genre_bench_now();
        genre_lda *lda;
        check(genre_lda_create(&lda), "lda");
        check(genre_lda_fit(lda, z, n, D, D, y), "lda fit");
        genre_lda_free(lda);
        double t3 = genre_bench_now();
        t_scaler[r] = 1e3 * (t1 - t0);
        t_pca[r] = 1e3 * (t2 - t1);
        t_lda[r] = 1e3 * (t3 - t2);
    }
    const double ms_scaler = median(t_scaler, repeats), ms_pca = median(t_pca, repeats),
                 ms_lda = median(t_lda, repeats);
    const double ours = ms_scaler + ms_pca + ms_lda;
    printf("%s\n", genre_version_string());
    printf("matrix: %zu training rows x %d features (frozen split), %d repeats, median "
           "wall time\n", n, D, repeats);
    const char *bt = getenv("OPENBLAS_NUM_THREADS");
    char load[64];
    genre_bench_loadavg(load, sizeof load);
    printf("OPENBLAS_NUM_THREADS=%s (both sides), load average %s\n", bt ? bt : "unset", load);
    printf("libgenre scaler fit: %.3f ms\n", ms_scaler);
    printf("libgenre pca fit: %.3f ms\n", ms_pca);
    printf("libgenre lda fit: %.3f ms\n", ms_lda);
    printf("libgenre total: %.3f ms\n", ours);

    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/bench/bench_linear_sklearn.py' '%s' %d",
             dir, path, repeats);
    FILE *f = popen(cmd, "r");
    double sk_scaler = -1, sk_pca = -1, sk_lda = -1;
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        double v;
        if (sscanf(line, "sklearn_scaler_ms %lf", &v) == 1)
            sk_scaler = v;
        else if (sscanf(line, "sklearn_pca_ms %lf", &v) == 1)
            sk_pca = v;
        else if (sscanf(line, "sklearn_lda_ms %lf", &v) == 1)
            sk_lda = v;
    }
    int rc = f ? pclose(f) : -1;
    free(x), free(y), free(z), free(p);
    if (rc != 0 || sk_scaler < 0 || sk_pca < 0 || sk_lda < 0) {
        printf("sklearn: MISSING (python3-sklearn not usable: %s)\n", cmd);
        printf("BENCH linear_fit_ms %.3f ms\n", ours);
        return EXIT_FAILURE;
    }
    const double theirs = sk_scaler + sk_pca + sk_lda;
    printf("sklearn StandardScaler fit: %.3f ms (%.1f x)\n", sk_scaler, sk_scaler / ms_scaler);
    printf("sklearn PCA fit: %.3f ms (%.1f x)\n", sk_pca, sk_pca / ms_pca);
    printf("sklearn LinearDiscriminantAnalysis fit: %.3f ms (%.1f x)\n", sk_lda, sk_lda / ms_lda);
    printf("sklearn total: %.3f ms\n", theirs);
    printf("BENCH linear_fit_ms %.3f ms\n", ours);
    printf("BENCH linear_fit_vs_sklearn %.1f x\n", theirs / ours);
    return EXIT_SUCCESS;
}
