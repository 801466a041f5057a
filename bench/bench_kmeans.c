/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-bench-kmeans: the k-sweep of the reference analysis on the LDA 2-D
 * projection of the frozen split's 45,000 standardized training rows, against
 * scikit-learn on this machine in the same run
 * (bench/bench_kmeans_sklearn.py through /usr/bin/python3).
 *
 * libgenre: for k = 2..8, genre_kmeans_fit (k-means++, 10 restarts, seed 0)
 * and the exact genre_metrics_silhouette of its labels, each timed; then the
 * same through one genre_kmeans_sweep call, which computes the seven
 * silhouettes in one pass over the pairwise distances: the headline figure. scikit-learn: KMeans(n_init=10)
 * for every k and silhouette_score of libgenre's labels on libgenre's
 * points (so the values must agree to 1e-9). scikit-learn's silhouettes take
 * ~90 s for the seven k, so by default only k = 2 and k = 8 are timed and
 * their mean time is scaled to seven (the output says so); pass `all` to
 * time all seven.
 *
 * It also measures the two distance kernels of the Lloyd assignment step
 * (per-iteration time of BUILTIN and CBLAS, k = 8, on the 2-D points and on
 * the 13 standardized columns), the measurement behind
 * GENRE_KMEANS_KERNEL_AUTO.
 *
 * The sweep alone (genre_kmeans_sweep with inertias only, no silhouettes) is
 * timed on 1 and on 2 threads (best of three calls each, with the process
 * CPU seconds) against scikit-learn's KMeans(n_init=10) sweep of the same
 * run: `BENCH kmeans_sweep_vs_sklearn` (scikit-learn's sweep over libgenre's on 2
 * threads) and `BENCH kmeans_threads_speedup` (1 thread's time over 2's).
 *
 * Prints one line per figure, last `BENCH kmeans_sweep_silhouette_vs_sklearn
 * <x> x` (scikit-learn's sweep + seven silhouettes over genre_kmeans_sweep).
 * Usage: genre-bench-kmeans [all]
 */
#include "bench_common.h"

#include <genre/genre.h>

#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef GENRE_BENCH_SOURCE_DIR
#define GENRE_BENCH_SOURCE_DIR "."
#endif

#define D 13
#define KMIN 2
#define KMAX 8
#define NK (KMAX - KMIN + 1)

static void check(genre_status st, const char *what)
{
    genre_bench_check("genre-bench-kmeans", st, what);
}

/* Process CPU seconds (user + system, every thread) so far. */
static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* The sweep alone (inertias, no silhouettes) on `threads` threads: the best
 * wall time of `reps` calls, the process CPU seconds of that call in *cpu,
 * the inertias in inertia[NK]. */
static double sweep_only(const double *p2, size_t n, int threads, int reps, double *cpu,
                         double *inertia)
{
    double best = INFINITY;
    for (int rep = 0; rep < reps; rep++) {
        genre_kmeans *km;
        check(genre_kmeans_create(&km), "create");
        check(genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 10), "n_init");
        check(genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, threads), "n_threads");
        const double c0 = cpu_now(), t0 = genre_bench_now();
        check(genre_kmeans_sweep(km, p2, n, 2, 2, KMIN, KMAX, inertia, NULL, NK, NULL),
              "sweep");
        const double t = genre_bench_now() - t0, c = cpu_now() - c0;
        genre_kmeans_free(km);
        if (t < best) {
            best = t;
            *cpu = c;
        }
    }
    return best;
}

/* Milliseconds per Lloyd iteration of one restart with a given kernel. */
static double ms_per_iter(const double *x, size_t n, size_t d, size_t stride, int64_t kernel)
{
    double best = INFINITY;
    for (int rep = 0; rep < 3; rep++) {
        genre_kmeans *km;
        check(genre_kmeans_create(&km), "create");
        check(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 8), "k");
        check(genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 1), "n_init");
        check(genre_kmeans_set_i64(km, GENRE_KMEANS_MAX_ITER, 40), "max_iter");
        check(genre_kmeans_set_f64(km, GENRE_KMEANS_TOL, 0.0), "tol");
        check(genre_kmeans_set_i64(km, GENRE_KMEANS_DISTANCE_KERNEL, kernel), "kernel");
        double t0 = genre_bench_now();
        check(genre_kmeans_fit(km, x, n, d, stride), "fit");
        double t = genre_bench_now() - t0;
        int64_t it;
        check(genre_kmeans_get_i64(km, GENRE_KMEANS_N_ITER, &it), "n_iter");
        genre_kmeans_free(km);
        t = 1e3 * t / (double)it;
        best = t < best ? t : best;
    }
    return best;
}

int main(int argc, char **argv)
{
    const int all = argc > 1 && strcmp(argv[1], "all") == 0;
    const char *dir = GENRE_BENCH_SOURCE_DIR;
    char path[4096], cmd[16384], pts[64], labs[64];
    snprintf(path, sizeof path, "%s/tests/fixtures/real_split.csv.gz", dir);
    double *x;
    int32_t *y;
    size_t n = genre_bench_read_train("genre-bench-kmeans", path, D, &x, &y);
    /* Standardize the 11 continuous columns, LDA on the 13, 3 discriminants. */
    double *z = malloc(n * D * sizeof *z), *p3 = malloc(n * 3 * sizeof *p3),
           *p2 = malloc(n * 2 * sizeof *p2);
    int32_t *lab = malloc(NK * n * sizeof *lab);
    if (!z || !p3 || !p2 || !lab)
        return EXIT_FAILURE;
    genre_bench_standardize("genre-bench-kmeans", x, n, z);
    genre_lda *lda;
    check(genre_lda_create(&lda), "lda");
    check(genre_lda_set_i64(lda, GENRE_LDA_N_COMPONENTS, 3), "lda n_components");
    check(genre_lda_fit(lda, z, n, D, D, y), "lda fit");
    check(genre_lda_transform(lda, z, n, D, D, p3, n * 3, NULL), "lda transform");
    genre_lda_free(lda);
    for (size_t i = 0; i < n; i++)
        p2[2 * i] = p3[3 * i], p2[2 * i + 1] = p3[3 * i + 1];

    printf("%s\n", genre_version_string());
    const char *bt = getenv("OPENBLAS_NUM_THREADS");
    char load[64];
    genre_bench_loadavg(load, sizeof load);
    printf("points: %zu x 2 (LDA 2-D of the standardized training rows); %ld online cores; "
           "OPENBLAS_NUM_THREADS=%s; load average %s\n",
           n, sysconf(_SC_NPROCESSORS_ONLN), bt ? bt : "unset", load);

    /* Kernel measurement. */
    printf("lloyd iteration, k = 8, 2-D: builtin %.3f ms, cblas %.3f ms\n",
           ms_per_iter(p2, n, 2, 2, GENRE_KMEANS_KERNEL_BUILTIN),
           ms_per_iter(p2, n, 2, 2, GENRE_KMEANS_KERNEL_CBLAS));
    printf("lloyd iteration, k = 8, 13-D: builtin %.3f ms, cblas %.3f ms\n",
           ms_per_iter(z, n, D, D, GENRE_KMEANS_KERNEL_BUILTIN),
           ms_per_iter(z, n, D, D, GENRE_KMEANS_KERNEL_CBLAS));

    /* The sweep, fit and silhouette timed apart. */
    double fit_s = 0, sil_s = 0, sil[NK], inertia[NK];
    for (int k = KMIN; k <= KMAX; k++) {
        genre_kmeans *km;
        check(genre_kmeans_create(&km), "create");
        check(genre_kmeans_set_i64(km, GENRE_KMEANS_K, k), "k");
        check(genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 10), "n_init");
        double t0 = genre_bench_now();
        check(genre_kmeans_fit(km, p2, n, 2, 2), "fit");
        double t1 = genre_bench_now();
        check(genre_kmeans_get_labels(km, lab + (size_t)(k - KMIN) * n, n, NULL), "labels");
        check(genre_kmeans_get_f64(km, GENRE_KMEANS_INERTIA, &inertia[k - KMIN]), "inertia");
        double t2 = genre_bench_now();
        check(genre_metrics_silhouette(p2, n, 2, 2, lab + (size_t)(k - KMIN) * n, 0,
                                       &sil[k - KMIN], NULL, 0, NULL, NULL, NULL),
              "silhouette");
        double t3 = genre_bench_now();
        fit_s += t1 - t0;
        sil_s += t3 - t2;
        printf("libgenre k=%d: fit %.1f ms (inertia %.3f), exact silhouette %.1f ms (%.6f)\n",
               k, 1e3 * (t1 - t0), inertia[k - KMIN], 1e3 * (t3 - t2), sil[k - KMIN]);
        genre_kmeans_free(km);
    }
    double sweep_s = 0;
    printf("libgenre loop of fit + genre_metrics_silhouette per k: fits %.3f s + silhouettes "
           "%.3f s = %.3f s\n", fit_s, sil_s, fit_s + sil_s);
    {
        genre_kmeans *km;
        double in2[NK], si2[NK];
        check(genre_kmeans_create(&km), "create");
        check(genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 10), "n_init");
        double t0 = genre_bench_now();
        check(genre_kmeans_sweep(km, p2, n, 2, 2, KMIN, KMAX, in2, si2, NK, NULL), "sweep");
        sweep_s = genre_bench_now() - t0;
        double worst = 0;
        for (int q = 0; q < NK; q++)
            worst = fmax(worst, fmax(fabs(in2[q] - inertia[q]), fabs(si2[q] - sil[q])));
        printf("libgenre genre_kmeans_sweep (one call; the seven silhouettes in one pass over "
               "the distances): %.3f s, values within %.2g of the loop above\n", sweep_s,
               worst);
        genre_kmeans_free(km);
    }

    /* The sweep without silhouettes (the part scikit-learn's KMeans does) on
     * one and two threads, best of three calls each. */
    double in1[NK], in2t[NK], cpu1 = 0, cpu2 = 0;
    const double sw1 = sweep_only(p2, n, 1, 3, &cpu1, in1);
    const double sw2 = sweep_only(p2, n, 2, 3, &cpu2, in2t);
    double sw_dev = 0;
    for (int q = 0; q < NK; q++)
        sw_dev = fmax(sw_dev, fabs(in2t[q] - in1[q]) / in1[q]);
    printf("libgenre genre_kmeans_sweep without silhouettes, best of 3: 1 thread %.3f s "
           "(CPU %.3f s), 2 threads %.3f s (CPU %.3f s); inertias of 1 and 2 threads within "
           "%.2g relative\n", sw1, cpu1, sw2, cpu2, sw_dev);

    /* scikit-learn on the same points, silhouettes of the same labels. */
    snprintf(pts, sizeof pts, "/tmp/genre-bench-kmeans-%ld.pts", (long)getpid());
    snprintf(labs, sizeof labs, "/tmp/genre-bench-kmeans-%ld.lab", (long)getpid());
    FILE *fp = fopen(pts, "wb"), *fl = fopen(labs, "wb");
    if (!fp || !fl || fwrite(p2, sizeof(double), 2 * n, fp) != 2 * n ||
        fwrite(lab, sizeof(int32_t), NK * n, fl) != NK * n) {
        fprintf(stderr, "genre-bench-kmeans: cannot write %s / %s\n", pts, labs);
        return EXIT_FAILURE;
    }
    fclose(fp);
    fclose(fl);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 '%s/bench/bench_kmeans_sklearn.py' %s %s %zu 2 %d %d %s", dir,
             pts, labs, n, KMIN, KMAX, all ? "" : "2,8");
    FILE *f = popen(cmd, "r");
    double sk_sweep = -1, sk_sil_s = 0, worst = 0;
    int n_sil = 0;
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        int k;
        double t, v;
        if (sscanf(line, "sklearn_sweep_s %lf", &t) == 1) {
            sk_sweep = t;
        } else if (sscanf(line, "sklearn_fit %d %lf %lf", &k, &t, &v) == 3) {
            printf("sklearn KMeans k=%d: %.1f ms (inertia %.3f)\n", k, 1e3 * t, v);
        } else if (sscanf(line, "sklearn_sil %d %lf %lf", &k, &t, &v) == 3 && k >= KMIN &&
                   k <= KMAX) {
            const double dlt = fabs(v - sil[k - KMIN]);
            worst = dlt > worst ? dlt : worst;
            sk_sil_s += t;
            n_sil++;
            printf("sklearn silhouette_score k=%d (libgenre's labels): %.1f s (%.12f, "
                   "|libgenre - sklearn| %.2g)\n", k, t, v, dlt);
        }
    }
    int rc = f ? pclose(f) : -1;
    remove(pts);
    remove(labs);
    free(x), free(y), free(z), free(p3), free(p2), free(lab);
    if (rc != 0 || sk_sweep < 0 || n_sil == 0) {
        printf("sklearn: MISSING (python3-sklearn not usable: %s)\n", cmd);
        printf("BENCH kmeans_sweep_silhouette_s %.3f s\n", sweep_s);
        return EXIT_FAILURE;
    }
    const double sk_sil_7 = sk_sil_s / n_sil * NK;
    printf("sklearn sweep: %.3f s; silhouettes: %.3f s for %d k%s\n", sk_sweep, sk_sil_s, n_sil,
           n_sil < NK ? "" : " (all)");
    if (n_sil < NK)
        printf("sklearn silhouettes SCALED: mean of the %d timed k x %d = %.3f s (run with "
               "`all` to time every k)\n", n_sil, NK, sk_sil_7);
    printf("silhouettes of the same labels agree to %.2g (goal 1e-9): %s\n", worst,
           worst <= 1e-9 ? "yes" : "NO");
    printf("sklearn total: %.3f s; libgenre genre_kmeans_sweep: %.3f s (per-k loop %.3f s, "
           "%.1f x)\n", sk_sweep + sk_sil_7, sweep_s, fit_s + sil_s,
           (sk_sweep + sk_sil_7) / (fit_s + sil_s));
    printf("sklearn KMeans(n_init=10) sweep %.3f s; libgenre sweep on 2 threads %.3f s\n",
           sk_sweep, sw2);
    printf("BENCH kmeans_sweep_s %.3f s\n", sw2);
    printf("BENCH kmeans_sweep_vs_sklearn %.1f x\n", sk_sweep / sw2);
    printf("BENCH kmeans_threads_speedup %.2f x\n", sw1 / sw2);
    printf("BENCH kmeans_sweep_silhouette_s %.3f s\n", sweep_s);
    printf("BENCH kmeans_sweep_silhouette_vs_sklearn %.1f x\n", (sk_sweep + sk_sil_7) / sweep_s);
    return worst <= 1e-9 ? EXIT_SUCCESS : EXIT_FAILURE;
}
