/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One thread per rank under MPI (issue 20, item 4), under
 * mpiexec --bind-to none -n 1 and 2 (tests/mpi/CMakeLists.txt), so each
 * rank's affinity mask holds every CPU of the machine and the core's own
 * default (genre_default_threads()) is more than one thread.
 *
 * No call reports how many threads a fit used, so the test reads it from
 * the bits: a fit's sums are grouped by thread, so 1 and 2 threads give
 * different last bits (checked here, or the test could not tell), and the
 * same thread count gives the same bits. genre_mpi_kmeans_fit and
 * genre_mpi_mlp_fit with N_THREADS = 0 must give the 1-thread fit's bits
 * and leave N_THREADS at 0; the core's genre_kmeans_fit with 0 still gives
 * the bits of genre_default_threads() threads (outside the MPI layer its
 * default stays the affinity mask). Exits 77 (skipped) when a rank may run on one CPU only.
 * A plain program (no Check: it forks, which MPI does not allow). */
#include <genre/mpi.h>

#include "mpi_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROWS = 4000, D = 5, K = 4, CLASSES = 3, BATCH = 512 };

static double x[ROWS * D];
static int32_t y[ROWS];

/* A table of noisy rows around CLASSES centers, the same on every rank. */
static void table(void)
{
    uint64_t seed = 21;
    for (size_t i = 0; i < ROWS; i++) {
        int32_t c = (int32_t)(mix(&seed) % CLASSES);
        y[i] = c;
        for (size_t j = 0; j < D; j++)
            x[i * D + j] = 3.0 * cos(0.9 * (c + 1) * (double)(j + 1)) + 2.0 * uniform(&seed);
    }
}

/* ---- k-means: the centers and inertia as the fit's bits ------------------ */

enum { KM_OUT = K * D + 1 };

static void kmeans_bits(int64_t threads, int distributed, double *out)
{
    genre_kmeans *km = NULL;
    CHECK_OK(genre_kmeans_create(&km));
    CHECK_OK(genre_kmeans_set_i64(km, GENRE_KMEANS_K, K));
    CHECK_OK(genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 1));
    CHECK_OK(genre_kmeans_set_i64(km, GENRE_KMEANS_SEED, 3));
    CHECK_OK(genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, threads));
    const size_t lo = (size_t)rank_ * ROWS / (size_t)size_,
                 hi = (size_t)(rank_ + 1) * ROWS / (size_t)size_;
    if (distributed)
        CHECK_OK(genre_mpi_kmeans_fit(MPI_COMM_WORLD, km, x + lo * D, hi - lo, D, D, NULL));
    else
        CHECK_OK(genre_kmeans_fit(km, x, ROWS, D, D));
    memset(out, 0, KM_OUT * sizeof *out);
    CHECK_OK(genre_kmeans_get_centers(km, out, K * D, NULL));
    CHECK_OK(genre_kmeans_get_f64(km, GENRE_KMEANS_INERTIA, &out[K * D]));
    int64_t after = -1;
    CHECK_OK(genre_kmeans_get_i64(km, GENRE_KMEANS_N_THREADS, &after));
    if (after != threads)
        failf("GENRE_KMEANS_N_THREADS is %lld after the fit, not the caller's %lld",
              (long long)after, (long long)threads);
    genre_kmeans_free(km);
}

/* ---- the MLP: the probabilities of every row as the fit's bits ----------- */

static void mlp_bits(int64_t threads, double *out)
{
    static const int32_t hidden[] = {16, 8};
    genre_mlp *m = NULL;
    CHECK_OK(genre_mlp_create(&m));
    CHECK_OK(genre_mlp_set_hidden_layers(m, hidden, 2));
    CHECK_OK(genre_mlp_set_i64(m, GENRE_MLP_SHUFFLE, 0));
    CHECK_OK(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 2));
    CHECK_OK(genre_mlp_set_i64(m, GENRE_MLP_SEED, 5));
    /* a global batch of 512: each rank's share is at least 256 rows, for
     * which the core's own default (0) is 2 threads (genre/mlp.h) */
    CHECK_OK(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, BATCH));
    CHECK_OK(genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, threads));
    static double sx[ROWS * D];
    static int32_t sy[ROWS];
    size_t n = 0;
    for (size_t b0 = 0; b0 < ROWS; b0 += BATCH) {
        uint64_t len = ROWS - b0 < BATCH ? ROWS - b0 : BATCH, first = 0, count = 0;
        CHECK_OK(genre_mpi_mlp_batch_share(len, size_, rank_, &first, &count));
        memcpy(sx + n * D, x + (b0 + first) * D, count * D * sizeof *x);
        memcpy(sy + n, y + b0 + first, count * sizeof *y);
        n += count;
    }
    CHECK_OK(genre_mpi_mlp_fit(MPI_COMM_WORLD, m, sx, n, D, D, sy));
    memset(out, 0, (size_t)ROWS * CLASSES * sizeof *out);
    CHECK_OK(genre_mlp_predict_proba(m, x, ROWS, D, D, out, (size_t)ROWS * CLASSES, NULL));
    int64_t after = -1;
    CHECK_OK(genre_mlp_get_i64(m, GENRE_MLP_N_THREADS, &after));
    if (after != threads)
        failf("GENRE_MLP_N_THREADS is %lld after the fit, not the caller's %lld",
              (long long)after, (long long)threads);
    genre_mlp_free(m);
}

static int same(const double *a, const double *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

/* The default (0) gives the bits of `nwant` threads, and those differ from
 * the bits of `nother` threads (else the check proves nothing). */
static void expect(const char *what, const double *t0, const double *want, int nwant,
                   const double *other, int nother, size_t n)
{
    if (same(want, other, n))
        failf("%s: %d and %d threads give the same bits: this table cannot tell them apart",
              what, nwant, nother);
    else if (!same(t0, want, n))
        failf("%s: N_THREADS = 0 does not give the %d-thread fit's bits%s", what, nwant,
              same(t0, other, n) ? " but the other count's" : "");
    else if (rank_ == 0)
        printf("%-36s N_THREADS 0 = the %d-thread fit, bit for bit (not the %d-thread)\n",
               what, nwant, nother);
}

int main(int argc, char **argv)
{
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    /* every rank must be free to run 2 threads, or 0 means 1 anyway */
    int mine = genre_default_threads(), fewest = 0;
    MPI_Allreduce(&mine, &fewest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (fewest < 2) {
        if (rank_ == 0)
            printf("a rank may run on %d CPU only (mpiexec --bind-to none, 2 CPUs needed): "
                   "skipped\n", fewest);
        MPI_Finalize();
        return 77;
    }
    table();
    double k0[KM_OUT], k1[KM_OUT], k2[KM_OUT];
    kmeans_bits(0, 1, k0);
    kmeans_bits(1, 1, k1);
    kmeans_bits(2, 1, k2);
    expect("genre_mpi_kmeans_fit", k0, k1, 1, k2, 2, KM_OUT);
    /* outside the layer the core's default is still the affinity mask */
    kmeans_bits(0, 0, k0);
    kmeans_bits(mine, 0, k2);
    kmeans_bits(1, 0, k1);
    expect("genre_kmeans_fit (the core, no MPI)", k0, k2, mine, k1, 1, KM_OUT);
    static double m0[ROWS * CLASSES], m1[ROWS * CLASSES], m2[ROWS * CLASSES];
    mlp_bits(0, m0);
    mlp_bits(1, m1);
    mlp_bits(2, m2);
    expect("genre_mpi_mlp_fit", m0, m1, 1, m2, 2, (size_t)ROWS * CLASSES);
    int total = 0;
    MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank_ == 0)
        printf("threads on %d rank(s), %d CPUs each: %s\n", size_, mine,
               total ? "FAILED" : "passed");
    MPI_Finalize();
    return total ? 1 : 0;
}
