/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-bench-tsne: t-SNE on the real data against scikit-learn in the same
 * run (bench/bench_tsne_sklearn.py through /usr/bin/python3).
 *
 * Input (issue 7): the frozen split's 45,000 training rows; the 11
 * continuous features standardized by genre_scaler (fit on them), mode kept
 * as its code, key left out (12 columns), reduced to 10 components by
 * genre_pca. Both programs embed exactly these 45,000 x 10 numbers (the C
 * side writes them to a file for Python).
 *
 * libgenre: 2-D perplexity 30 (AUTO = Barnes-Hut, theta 0.5), then the rest
 * of the analysis program's four fits: 3-D perplexity 30, 2-D perplexity 50,
 * 3-D perplexity 50 (all Barnes-Hut), each computing its own affinities, and
 * their total (BENCH tsne_four_fits_reuse_off_s); then the same four fits
 * as the analysis program runs them (BENCH tsne_four_fits_s): the
 * neighbours searched once at perplexity 50 (genre_tsne_affinity_create),
 * perplexity 30's affinities derived from them (genre_tsne_affinity_derive),
 * each shared by its 2-D and 3-D fits (genre_tsne_fit_embed_affinity); the
 * embeddings must equal the first four bit for bit (checked, printed). Wall
 * and process CPU seconds; with
 * GENRE_BENCH_TSNE_FFT2D=1 also 2-D perplexity 30 with the FFT method
 * (scikit-learn's method); defaults otherwise (PCA
 * init, 1,000 iterations, 250 with exaggeration 12, learning rate auto),
 * GENRE_TSNE_N_THREADS = 0 (all online cores).
 * scikit-learn 1.2: TSNE(perplexity=30, init="pca", method="barnes_hut",
 * angle=0.5, learning_rate="auto", n_iter=1000, random_state=0) -- the
 * equivalent settings (see genre/tsne.h for the learning-rate factor 4).
 *
 * Scoring: both 2-D perplexity-30 embeddings get the exact KL divergence
 * from the same input affinities (genre_tsne_kl_divergence: the kNN
 * affinities a fit computes, exact O(n^2) normaliser), and
 * trustworthiness@10 estimated on every 9th row (5,000 query rows against
 * all 45,000; the usual formula with m = 5,000 query rows in the
 * normaliser).
 *
 * Environment: GENRE_BENCH_TSNE_SKLEARN=skip skips scikit-learn;
 * GENRE_BENCH_TSNE_SKLEARN_CACHE=<file> reuses that file's scikit-learn
 * result when it exists and writes it there otherwise (format: time in
 * seconds, then the n x 2 embedding, raw little-endian doubles).
 * GENRE_BENCH_TSNE_QUICK=1 runs only the 2-D perplexity-30 fit;
 * GENRE_BENCH_TSNE_ROWS=<n> embeds only the first n rows (a quicker
 * measurement on a busy machine; the default is all 45,000);
 * GENRE_BENCH_TSNE_3D_ONLY=1 only the 3-D perplexity-30 fit (no peer), with
 * trustworthiness; GENRE_BENCH_TSNE_ONE="<2|3> <bh|fft> [perplexity]" one
 * such fit of any kind; there GENRE_BENCH_TSNE_THETA=<v> sets theta (default 0.5)
 * and GENRE_BENCH_TSNE_SAVE_3D=<file> writes the embedding (raw doubles).
 *
 * Prints one line per figure: both 2-D times and both exact KLs, their
 * ratios, trustworthiness; `BENCH tsne_four_fits_reuse_off_s` and
 * `BENCH tsne_four_fits_s` (not with QUICK); last
 * `BENCH tsne_2d_vs_sklearn <x> x`
 * (scikit-learn's wall time over libgenre's), or `BENCH tsne_2d_seconds`
 * when scikit-learn was not run.
 */
#include "bench_common.h"

#include <genre/genre.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef GENRE_BENCH_SOURCE_DIR
#define GENRE_BENCH_SOURCE_DIR "."
#endif

#define D 13
#define KEY 6
#define PCS 10
#define TRUST_K 10
#define TRUST_STEP 9

static void check(genre_status st, const char *what)
{
    genre_bench_check("genre-bench-tsne", st, what);
}

/* Trustworthiness@k of y (n x dims) for x (n x PCS), on rows 0, step, ... */
static double trustworthiness(const double *x, const double *y, size_t n, size_t dims, int k,
                              size_t step)
{
    double *din = malloc(n * sizeof *din), *dout = malloc(n * sizeof *dout);
    double best[TRUST_K];
    size_t bidx[TRUST_K];
    double sum = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i += step, m++) {
        for (int a = 0; a < k; a++)
            best[a] = HUGE_VAL, bidx[a] = 0;
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t l = 0; l < PCS; l++)
                s += (x[i * PCS + l] - x[j * PCS + l]) * (x[i * PCS + l] - x[j * PCS + l]);
            din[j] = s;
            double t = 0;
            for (size_t l = 0; l < dims; l++)
                t += (y[i * dims + l] - y[j * dims + l]) * (y[i * dims + l] - y[j * dims + l]);
            dout[j] = t;
            if (j != i && t < best[k - 1]) {
                int a = k - 1;
                while (a > 0 && best[a - 1] > t) {
                    best[a] = best[a - 1];
                    bidx[a] = bidx[a - 1];
                    a--;
                }
                best[a] = t;
                bidx[a] = j;
            }
        }
        for (int a = 0; a < k; a++) {
            double dj = din[bidx[a]];
            size_t rank = 0; /* 1-based rank of j among i's input neighbours */
            for (size_t l = 0; l < n; l++)
                rank += l != i && (din[l] < dj || (din[l] == dj && l <= bidx[a]));
            if (rank > (size_t)k)
                sum += (double)(rank - (size_t)k);
        }
    }
    free(din);
    free(dout);
    return 1.0 - 2.0 / ((double)m * k * (2.0 * (double)n - 3.0 * k - 1.0)) * sum;
}

typedef struct run {
    double seconds, cpu, kl_reported, kl_exact, trust;
    double *y;
} run;

/* Process CPU seconds (every thread). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int32_t on_progress(void *ud, int32_t phase, int64_t step, int64_t total, double kl)
{
    const double *t0 = ud;
    if (getenv("GENRE_BENCH_TSNE_VERBOSE"))
        fprintf(stderr, "  %7.2f s: phase %d step %lld/%lld KL %.4f\n", genre_bench_now() - *t0,
                (int)phase, (long long)step, (long long)total, kl);
    return 0;
}

static genre_tsne *make(int64_t dims, double perplexity, int64_t method, double theta)
{
    genre_tsne *t;
    check(genre_tsne_create(&t), "create");
    check(genre_tsne_set_f64(t, GENRE_TSNE_THETA, theta), "theta");
    check(genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, dims), "n_components");
    check(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, perplexity), "perplexity");
    check(genre_tsne_set_i64(t, GENRE_TSNE_METHOD, method), "method");
    return t;
}

/* One fit; from aff's affinities when aff is not NULL. */
static run fit_aff(const double *x, size_t n, int64_t dims, double perplexity,
                   int64_t method, double theta, const genre_tsne_affinity *aff)
{
    run r = {0};
    genre_tsne *t = make(dims, perplexity, method, theta);
    double t0 = genre_bench_now();
    check(genre_tsne_set_progress(t, on_progress, &t0), "progress");
    r.y = malloc(n * (size_t)dims * sizeof *r.y);
    t0 = genre_bench_now();
    double c0 = cpu_now();
    if (aff)
        check(genre_tsne_fit_embed_affinity(t, aff, x, n, PCS, PCS, r.y, n * (size_t)dims,
                                            NULL),
              "fit_embed_affinity");
    else
        check(genre_tsne_fit_embed(t, x, n, PCS, PCS, r.y, n * (size_t)dims, NULL), "fit");
    r.seconds = genre_bench_now() - t0;
    r.cpu = cpu_now() - c0;
    check(genre_tsne_get_f64(t, GENRE_TSNE_KL_DIVERGENCE, &r.kl_exact), "kl");
    r.kl_reported = r.kl_exact;
    genre_tsne_free(t);
    return r;
}

static run fit_theta(const double *x, size_t n, int64_t dims, double perplexity,
                     int64_t method, double theta)
{
    return fit_aff(x, n, dims, perplexity, method, theta, NULL);
}

static run fit(const double *x, size_t n, int64_t dims, double perplexity, int64_t method)
{
    return fit_theta(x, n, dims, perplexity, method, 0.5);
}

/* The analysis program's four fits with shared affinities (see the top);
 * ys[f] are the fits without, which each embedding must equal. */
static void four_fits_shared(const double *x, size_t n, const double *off_wall,
                             const double *off_cpu, double *const *ys)
{
    static const struct {
        int64_t dims;
        double perp;
    } fits[] = {{2, 30.0}, {3, 30.0}, {2, 50.0}, {3, 50.0}};
    double w0 = genre_bench_now(), c0 = cpu_now();
    genre_tsne *t50 = make(2, 50.0, GENRE_TSNE_METHOD_AUTO, 0.5);
    genre_tsne *t30 = make(2, 30.0, GENRE_TSNE_METHOD_AUTO, 0.5);
    genre_tsne_affinity *a50, *a30;
    check(genre_tsne_affinity_create(&a50, t50, x, n, PCS, PCS), "affinity_create");
    double w_knn = genre_bench_now() - w0, c_knn = cpu_now() - c0;
    double w1 = genre_bench_now(), c1 = cpu_now();
    check(genre_tsne_affinity_derive(&a30, t30, a50), "affinity_derive");
    double w_derive = genre_bench_now() - w1, c_derive = cpu_now() - c1;
    genre_tsne_free(t50);
    genre_tsne_free(t30);
    printf("libgenre shared affinities: perplexity 50 (150 neighbours) %.2f s (CPU %.2f s), "
           "perplexity 30 derived from them %.2f s (CPU %.2f s)\n",
           w_knn, c_knn, w_derive, c_derive);
    int same = 1;
    for (size_t f = 0; f < sizeof fits / sizeof fits[0]; f++) {
        run r = fit_aff(x, n, fits[f].dims, fits[f].perp, GENRE_TSNE_METHOD_AUTO, 0.5,
                        fits[f].perp == 50.0 ? a50 : a30);
        int eq = memcmp(r.y, ys[f], n * (size_t)fits[f].dims * sizeof *r.y) == 0;
        same &= eq;
        printf("libgenre %lld-D perplexity %.0f, shared affinities: %.2f s (CPU %.2f s; "
               "alone %.2f s, CPU %.2f s), exact KL %.4f, embedding %s\n",
               (long long)fits[f].dims, fits[f].perp, r.seconds, r.cpu, off_wall[f],
               off_cpu[f], r.kl_exact, eq ? "identical" : "DIFFERENT");
        fflush(stdout);
        free(r.y);
    }
    genre_tsne_affinity_free(a30);
    genre_tsne_affinity_free(a50);
    double wall = genre_bench_now() - w0, cpu = cpu_now() - c0;
    double off = off_wall[0] + off_wall[1] + off_wall[2] + off_wall[3];
    double offc = off_cpu[0] + off_cpu[1] + off_cpu[2] + off_cpu[3];
    printf("libgenre four fits, shared affinities: %.2f s (CPU %.2f s); each alone: %.2f s "
           "(CPU %.2f s); embeddings %s\n",
           wall, cpu, off, offc, same ? "identical" : "DIFFERENT");
    printf("BENCH tsne_four_fits_reuse_off_s %.2f s\n", off);
    printf("BENCH tsne_four_fits_s %.2f s\n", wall);
    if (!same) {
        fprintf(stderr, "genre-bench-tsne: the shared affinities changed an embedding\n");
        exit(EXIT_FAILURE);
    }
}

static double score_kl(const double *x, size_t n, const double *y, double perplexity)
{
    genre_tsne *t;
    double kl;
    check(genre_tsne_create(&t), "create");
    check(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, perplexity), "perplexity");
    check(genre_tsne_set_i64(t, GENRE_TSNE_METHOD, GENRE_TSNE_METHOD_FFT), "method");
    check(genre_tsne_kl_divergence(t, x, n, PCS, PCS, y, 2, 2, &kl), "kl_divergence");
    genre_tsne_free(t);
    return kl;
}

/* scikit-learn's result: time, embedding; 0 on success. */
static int sklearn_run(const char *dir, const double *x, size_t n, double *seconds,
                       double *kl_reported, double *y)
{
    const char *mode = getenv("GENRE_BENCH_TSNE_SKLEARN");
    if (mode && strcmp(mode, "skip") == 0)
        return -1;
    const char *cache = getenv("GENRE_BENCH_TSNE_SKLEARN_CACHE");
    char out[4096], in[4096], cmd[16384];
    *kl_reported = NAN;
    if (cache && access(cache, R_OK) == 0) {
        snprintf(out, sizeof out, "%s", cache);
        printf("sklearn: reusing the cached result %s\n", cache);
    } else {
        snprintf(in, sizeof in, "/tmp/genre-bench-tsne-%ld.in", (long)getpid());
        if (cache)
            snprintf(out, sizeof out, "%s", cache);
        else
            snprintf(out, sizeof out, "/tmp/genre-bench-tsne-%ld.out", (long)getpid());
        FILE *f = fopen(in, "wb");
        if (!f || fwrite(x, sizeof *x, n * PCS, f) != n * PCS) {
            if (f)
                fclose(f);
            return -1;
        }
        fclose(f);
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 '%s/bench/bench_tsne_sklearn.py' '%s' %zu %d '%s'", dir, in,
                 n, PCS, out);
        fprintf(stderr, "genre-bench-tsne: running scikit-learn (about 5 minutes)...\n");
        FILE *p = popen(cmd, "r");
        char line[256];
        while (p && fgets(line, sizeof line, p)) {
            double v;
            if (sscanf(line, "sklearn_kl_reported %lf", &v) == 1)
                *kl_reported = v;
        }
        int rc = p ? pclose(p) : -1;
        remove(in);
        if (rc != 0) {
            printf("sklearn: MISSING (%s failed)\n", cmd);
            return -1;
        }
    }
    FILE *f = fopen(out, "rb");
    int ok = f && fread(seconds, sizeof *seconds, 1, f) == 1 &&
             fread(y, sizeof *y, n * 2, f) == n * 2;
    if (f)
        fclose(f);
    if (!cache)
        remove(out);
    return ok ? 0 : -1;
}

int main(void)
{
    const char *dir = GENRE_BENCH_SOURCE_DIR;
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/real_split.csv.gz", dir);
    double *raw;
    size_t n = genre_bench_read_train("genre-bench-tsne", path, D, &raw, NULL);
    const size_t n_all = n;
    /* standardize the 11 continuous columns, drop key, 10 PCA components */
    double *z = malloc(n * D * sizeof *z), *p = malloc(n * 12 * sizeof *p);
    double *x = malloc(n * PCS * sizeof *x);
    genre_bench_standardize("genre-bench-tsne", raw, n, z);
    for (size_t i = 0; i < n; i++)
        for (int j = 0, o = 0; j < D; j++)
            if (j != KEY)
                p[i * 12 + o++] = z[i * D + j];
    genre_pca *pca;
    check(genre_pca_create(&pca), "pca");
    check(genre_pca_set_i64(pca, GENRE_PCA_N_COMPONENTS, PCS), "pca n");
    check(genre_pca_fit(pca, p, n, 12, 12), "pca fit");
    check(genre_pca_transform(pca, p, n, 12, 12, x, n * PCS, NULL), "pca transform");
    genre_pca_free(pca);
    free(raw), free(z), free(p);
    const char *rows = getenv("GENRE_BENCH_TSNE_ROWS");
    if (rows && strtoul(rows, NULL, 10) >= 100 && strtoul(rows, NULL, 10) < n)
        n = strtoul(rows, NULL, 10); /* the first rows: the split shuffled them */

    char load[64];
    genre_bench_loadavg(load, sizeof load);
    printf("%s\n", genre_version_string());
    printf("input: %zu training rows x %d PCA components (11 standardized + mode, no key)%s; "
           "%ld online cores; load average %s\n",
           n, PCS, n < n_all ? " (GENRE_BENCH_TSNE_ROWS: the first rows only)" : "",
           sysconf(_SC_NPROCESSORS_ONLN), load);

    const char *one = getenv("GENRE_BENCH_TSNE_ONE");
    if (getenv("GENRE_BENCH_TSNE_3D_ONLY") || one) {
        /* one fit, no peer: "<dims> <bh|fft> [perplexity]" (3D_ONLY = "3 bh 30") */
        int dims = 3;
        char how[8] = "bh";
        double perp = 30.0;
        if (one && sscanf(one, "%d %7s %lf", &dims, how, &perp) < 2) {
            fprintf(stderr, "GENRE_BENCH_TSNE_ONE: expected \"<2|3> <bh|fft> [perplexity]\"\n");
            return EXIT_FAILURE;
        }
        const int bh = strcmp(how, "fft") != 0;
        const char *th = getenv("GENRE_BENCH_TSNE_THETA");
        double theta = th ? atof(th) : 0.5;
        run r = fit_theta(x, n, dims, perp,
                          bh ? GENRE_TSNE_METHOD_BARNES_HUT : GENRE_TSNE_METHOD_FFT, theta);
        char label[64];
        if (bh)
            snprintf(label, sizeof label, "Barnes-Hut, theta %g", theta);
        else
            snprintf(label, sizeof label, "FFT");
        printf("libgenre %d-D perplexity %g (%s): %.2f s, exact KL %.4f, "
               "trustworthiness@10 %.4f\n",
               dims, perp, label, r.seconds, r.kl_exact,
               trustworthiness(x, r.y, n, (size_t)dims, TRUST_K, TRUST_STEP));
        const char *save = getenv("GENRE_BENCH_TSNE_SAVE_3D");
        if (save) {
            FILE *f = fopen(save, "wb");
            if (!f || fwrite(r.y, sizeof *r.y, n * (size_t)dims, f) != n * (size_t)dims)
                fprintf(stderr, "cannot write %s\n", save);
            if (f)
                fclose(f);
        }
        printf("BENCH tsne_%dd_%s_seconds %.2f s\n", dims, bh ? "bh" : "fft", r.seconds);
        free(r.y), free(x);
        return EXIT_SUCCESS;
    }
    /* scikit-learn first, so the two never share the cores */
    double *ys = malloc(n * 2 * sizeof *ys), sk_seconds = 0, sk_kl_rep = NAN;
    int have_sk = sklearn_run(dir, x, n, &sk_seconds, &sk_kl_rep, ys);
    if (have_sk == 0)
        printf("sklearn 1.2 TSNE barnes_hut 2-D perplexity 30: %.2f s\n", sk_seconds);
    fflush(stdout);

    run r2 = fit(x, n, 2, 30.0, GENRE_TSNE_METHOD_AUTO);
    printf("libgenre 2-D perplexity 30 (Barnes-Hut, theta 0.5): %.2f s (CPU %.2f s), exact KL "
           "%.4f\n",
           r2.seconds, r2.cpu, r2.kl_exact);
    fflush(stdout);
    if (!getenv("GENRE_BENCH_TSNE_QUICK")) {
        /* the analysis program's four fits: 2-D / 3-D x perplexity 30 / 50,
         * each computing its own affinities */
        double total = r2.seconds, wall[4] = {r2.seconds}, cpu[4] = {r2.cpu};
        double *ys4[4] = {r2.y};
        const struct {
            int64_t dims;
            double perp;
        } more[] = {{3, 30.0}, {2, 50.0}, {3, 50.0}};
        for (size_t f = 0; f < sizeof more / sizeof more[0]; f++) {
            run r = fit(x, n, more[f].dims, more[f].perp, GENRE_TSNE_METHOD_AUTO);
            printf("libgenre %lld-D perplexity %.0f (%s): %.2f s (CPU %.2f s), exact KL %.4f, "
                   "trustworthiness@10 %.4f\n",
                   (long long)more[f].dims, more[f].perp,
                   "Barnes-Hut, theta 0.5", r.seconds, r.cpu, r.kl_exact,
                   trustworthiness(x, r.y, n, (size_t)more[f].dims, TRUST_K, TRUST_STEP));
            fflush(stdout);
            total += r.seconds;
            wall[f + 1] = r.seconds;
            cpu[f + 1] = r.cpu;
            ys4[f + 1] = r.y;
        }
        printf("libgenre four fits (2-D/3-D x perplexity 30/50): %.2f s in all\n", total);
        fflush(stdout);
        four_fits_shared(x, n, wall, cpu, ys4);
        for (int f = 1; f < 4; f++)
            free(ys4[f]);
        if (getenv("GENRE_BENCH_TSNE_FFT2D")) {
            run rfft = fit(x, n, 2, 30.0, GENRE_TSNE_METHOD_FFT);
            printf("libgenre 2-D perplexity 30 (FFT): %.2f s, exact KL %.4f, "
                   "trustworthiness@10 %.4f\n",
                   rfft.seconds, rfft.kl_exact,
                   trustworthiness(x, rfft.y, n, 2, TRUST_K, TRUST_STEP));
            free(rfft.y);
        }
        fflush(stdout);
    }
    double kl_ours = score_kl(x, n, r2.y, 30.0);
    double tw_ours = trustworthiness(x, r2.y, n, 2, TRUST_K, TRUST_STEP);
    printf("libgenre 2-D perplexity 30: KL (shared scorer) %.4f, trustworthiness@10 %.4f\n",
           kl_ours, tw_ours);
    fflush(stdout);

    if (have_sk != 0) {
        printf("sklearn: not run\n");
        printf("BENCH tsne_2d_seconds %.2f s\n", r2.seconds);
        free(ys), free(x), free(r2.y);
        return getenv("GENRE_BENCH_TSNE_SKLEARN") ? EXIT_SUCCESS : EXIT_FAILURE;
    }
    double kl_sk = score_kl(x, n, ys, 30.0);
    double tw_sk = trustworthiness(x, ys, n, 2, TRUST_K, TRUST_STEP);
    printf("sklearn 1.2 TSNE barnes_hut 2-D perplexity 30: %.2f s, its own KL %.4f, KL "
           "(shared scorer) %.4f, trustworthiness@10 %.4f\n",
           sk_seconds, sk_kl_rep, kl_sk, tw_sk);
    printf("KL libgenre - sklearn: %+.4f (%s); trustworthiness libgenre - sklearn: %+.4f\n",
           kl_ours - kl_sk, kl_ours <= kl_sk ? "libgenre equal or lower" : "libgenre HIGHER",
           tw_ours - tw_sk);
    printf("time sklearn / libgenre (2-D perplexity 30): %.1f x\n", sk_seconds / r2.seconds);
    printf("KL libgenre / sklearn (shared scorer): %.4f\n", kl_ours / kl_sk);
    printf("BENCH tsne_2d_vs_sklearn %.1f x\n", sk_seconds / r2.seconds);
    free(ys), free(x), free(r2.y);
    return EXIT_SUCCESS;
}
