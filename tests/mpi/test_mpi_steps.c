/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The distributed k-means and MLP (genre_mpi_kmeans_fit, genre_mpi_mlp_fit)
 * under mpiexec -n 1, 2 and 3 (tests/mpi/CMakeLists.txt):
 *   kmeans  each rank takes a contiguous share of a table of 4 blobs; the
 *           distributed fit gives every rank the labels the single-process
 *           fit of the whole table gives its rows, from the same k-means++
 *           centers (the union is below the sample size) and from the
 *           caller's centers; above the sample size, the fit over the ranks
 *           equals the fit of the whole table on one rank (MPI_COMM_SELF);
 *   mlp     each rank takes its share of every global batch of 32 rows;
 *           after 3 epochs the model's probabilities and loss history equal
 *           the single-process fit's to 1e-9;
 *   steperrors  the last rank fails before or inside the fits (NaN, no
 *           rows, other K, rows that are not its share, a progress callback
 *           that cancels in epoch 2 while the others wait in the reducer):
 *           every rank returns that error; then a fit works.
 * A plain program (no Check: it forks, which MPI does not allow). */
#include <genre/mpi.h>

#include "mpi_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* n rows of d columns around `classes` centers; labels the centers. */
static void blobs(double *x, int32_t *y, size_t n, size_t d, int classes, double spread,
                  uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        int32_t c = (int32_t)(mix(&seed) % (uint64_t)classes);
        y[i] = c;
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = 4.0 * sin(1.3 * (c + 1) * (double)(j + 1)) +
                           spread * (uniform(&seed) + uniform(&seed) - 1.0);
    }
}

static void share(size_t n, int rank, size_t *lo, size_t *hi)
{
    *lo = (size_t)rank * n / (size_t)size_;
    *hi = (size_t)(rank + 1) * n / (size_t)size_;
}

static double max_rel(const double *a, const double *b, size_t n)
{
    double diff = 0, scale = 0;
    for (size_t i = 0; i < n; i++) {
        diff = fmax(diff, fabs(a[i] - b[i]));
        scale = fmax(scale, fabs(b[i]));
    }
    return scale > 0 ? diff / scale : diff;
}

static genre_kmeans *kmeans_model(int64_t k)
{
    genre_kmeans *km = NULL;
    CHECK_OK(genre_kmeans_create(&km));
    CHECK_OK(genre_kmeans_set_i64(km, GENRE_KMEANS_K, k));
    CHECK_OK(genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 1));
    CHECK_OK(genre_kmeans_set_i64(km, GENRE_KMEANS_SEED, 7));
    CHECK_OK(genre_kmeans_set_i64(km, GENRE_KMEANS_MAX_ITER, 100));
    CHECK_OK(genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, 1));
    return km;
}

/* dist's labels are ref's labels of rows [lo, lo + n); centers, iterations
 * and inertia agree. */
static void same_kmeans(const char *what, const genre_kmeans *dist, const genre_kmeans *ref,
                        size_t lo, size_t n, size_t kd)
{
    int32_t *a = malloc(n * sizeof *a), *b = NULL;
    size_t n_ref = 0;
    genre_kmeans_get_labels(ref, NULL, 0, &n_ref);
    b = malloc((n_ref ? n_ref : 1) * sizeof *b);
    double ca[64], cb[64], ia = 0, ib = 0;
    int64_t ita = -1, itb = -2;
    if (!a || !b || kd > 64) {
        failf("%s: no memory", what);
        goto done;
    }
    CHECK_OK(genre_kmeans_get_labels(dist, a, n, NULL));
    CHECK_OK(genre_kmeans_get_labels(ref, b, n_ref, NULL));
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++)
        wrong += a[i] != b[lo + i];
    CHECK_OK(genre_kmeans_get_centers(dist, ca, kd, NULL));
    CHECK_OK(genre_kmeans_get_centers(ref, cb, kd, NULL));
    CHECK_OK(genre_kmeans_get_i64(dist, GENRE_KMEANS_N_ITER, &ita));
    CHECK_OK(genre_kmeans_get_i64(ref, GENRE_KMEANS_N_ITER, &itb));
    CHECK_OK(genre_kmeans_get_f64(dist, GENRE_KMEANS_INERTIA, &ia));
    CHECK_OK(genre_kmeans_get_f64(ref, GENRE_KMEANS_INERTIA, &ib));
    double rc = max_rel(ca, cb, kd), ri = fabs(ia - ib) / ib;
    if (wrong || ita != itb || !(rc <= 1e-12) || !(ri <= 1e-12))
        failf("%s: %zu of %zu labels differ, iterations %lld vs %lld, centers %.3g, inertia %.3g",
              what, wrong, n, (long long)ita, (long long)itb, rc, ri);
    else if (rank_ == 0)
        printf("%-34s same labels, %lld iterations, centers %.3g, inertia %.3g relative\n", what,
               (long long)ita, rc, ri);
done:
    free(a);
    free(b);
}

enum { KM_ROWS = 3001, KM_BIG = 70001, KM_D = 5, KM_K = 4 };

static void test_kmeans(void)
{
    double *x = malloc((size_t)KM_BIG * KM_D * sizeof *x);
    int32_t *y = malloc((size_t)KM_BIG * sizeof *y);
    if (!x || !y) {
        failf("no memory");
        return;
    }
    blobs(x, y, KM_ROWS, KM_D, KM_K, 2.5, 5);
    size_t lo, hi;
    share(KM_ROWS, rank_, &lo, &hi);
    /* 1. k-means++ on the union (every row sampled) */
    genre_kmeans *d = kmeans_model(KM_K), *r = kmeans_model(KM_K);
    CHECK_OK(genre_mpi_kmeans_fit(MPI_COMM_WORLD, d, x + lo * KM_D, hi - lo, KM_D, KM_D, NULL));
    CHECK_OK(genre_kmeans_fit(r, x, KM_ROWS, KM_D, KM_D));
    same_kmeans("k-means, k-means++ of the union", d, r, lo, hi - lo, KM_K * KM_D);
    int64_t rows = 0;
    CHECK_OK(genre_kmeans_get_i64(d, GENRE_KMEANS_N_SAMPLES, &rows));
    if (rows != (int64_t)(hi - lo))
        failf("N_SAMPLES %lld, not this rank's %zu rows", (long long)rows, hi - lo);
    /* 2. the caller's centers: rows far from the blobs' centers, so Lloyd
     * takes several iterations */
    double c0[KM_K * KM_D];
    for (size_t i = 0; i < KM_K * KM_D; i++)
        c0[i] = x[(3 * i / KM_D) * KM_D + i % KM_D] * 0.5;
    CHECK_OK(genre_mpi_kmeans_fit(MPI_COMM_WORLD, d, x + lo * KM_D, hi - lo, KM_D, KM_D, c0));
    CHECK_OK(genre_kmeans_set_initial_centers(r, c0, KM_K, KM_D));
    CHECK_OK(genre_kmeans_fit(r, x, KM_ROWS, KM_D, KM_D));
    CHECK_OK(genre_kmeans_set_initial_centers(r, NULL, 0, 0));
    same_kmeans("k-means, the caller's centers", d, r, lo, hi - lo, KM_K * KM_D);
    /* 3. above GENRE_MPI_KMEANS_SAMPLE_ROWS: a sample; the fit over the
     * ranks equals the fit of the whole table on one rank */
    blobs(x, y, KM_BIG, KM_D, KM_K, 2.5, 9);
    share(KM_BIG, rank_, &lo, &hi);
    CHECK_OK(genre_mpi_kmeans_fit(MPI_COMM_WORLD, d, x + lo * KM_D, hi - lo, KM_D, KM_D, NULL));
    CHECK_OK(genre_mpi_kmeans_fit(MPI_COMM_SELF, r, x, KM_BIG, KM_D, KM_D, NULL));
    same_kmeans("k-means, sampled, P ranks vs 1", d, r, lo, hi - lo, KM_K * KM_D);
    genre_kmeans_free(d);
    genre_kmeans_free(r);
    free(x);
    free(y);
}

enum { MLP_ROWS = 1000, MLP_D = 6, MLP_K = 4, MLP_BATCH = 32 };

static genre_mlp *mlp_model(void)
{
    genre_mlp *m = NULL;
    static const int32_t hidden[] = {16, 8};
    CHECK_OK(genre_mlp_create(&m));
    CHECK_OK(genre_mlp_set_hidden_layers(m, hidden, 2));
    CHECK_OK(genre_mlp_set_i64(m, GENRE_MLP_SHUFFLE, 0));
    CHECK_OK(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 3));
    CHECK_OK(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, MLP_BATCH));
    CHECK_OK(genre_mlp_set_i64(m, GENRE_MLP_SEED, 11));
    CHECK_OK(genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, 1));
    CHECK_OK(genre_mlp_set_f64(m, GENRE_MLP_L2, 1e-3));
    CHECK_OK(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 1e-2));
    return m;
}

/* Rank r's share of every global batch of the n rows, in order. */
static size_t mlp_shard(const double *x, const int32_t *y, size_t n, int r, double *sx,
                        int32_t *sy)
{
    size_t m = 0;
    for (size_t b0 = 0; b0 < n; b0 += MLP_BATCH) {
        uint64_t len = n - b0 < MLP_BATCH ? n - b0 : MLP_BATCH, first = 0, count = 0;
        CHECK_OK(genre_mpi_mlp_batch_share(len, size_, r, &first, &count));
        memcpy(sx + m * MLP_D, x + (b0 + first) * MLP_D, count * MLP_D * sizeof *x);
        memcpy(sy + m, y + b0 + first, count * sizeof *y);
        m += count;
    }
    return m;
}

static void same_mlp(const char *what, const genre_mlp *d, const genre_mlp *r, const double *x,
                     size_t n)
{
    double *pa = malloc(n * MLP_K * sizeof *pa), *pb = malloc(n * MLP_K * sizeof *pb);
    double ha[8], hb[8];
    size_t ea = 0, eb = 0;
    if (!pa || !pb) {
        failf("no memory");
        goto done;
    }
    CHECK_OK(genre_mlp_predict_proba(d, x, n, MLP_D, MLP_D, pa, n * MLP_K, NULL));
    CHECK_OK(genre_mlp_predict_proba(r, x, n, MLP_D, MLP_D, pb, n * MLP_K, NULL));
    CHECK_OK(genre_mlp_get_history(d, GENRE_MLP_HISTORY_TRAIN_LOSS, ha, 8, &ea));
    CHECK_OK(genre_mlp_get_history(r, GENRE_MLP_HISTORY_TRAIN_LOSS, hb, 8, &eb));
    double rp = max_rel(pa, pb, n * MLP_K), rh = ea == eb && ea == 3 ? max_rel(ha, hb, ea) : 1;
    if (!(rp <= 1e-9) || !(rh <= 1e-9))
        failf("%s: probabilities %.3g, loss history (%zu, %zu epochs) %.3g above 1e-9", what, rp,
              ea, eb, rh);
    else if (rank_ == 0)
        printf("%-34s probabilities %.3g, loss history %.3g relative (3 epochs)\n", what, rp, rh);
done:
    free(pa);
    free(pb);
}

static void test_mlp(void)
{
    static double x[MLP_ROWS * MLP_D], sx[MLP_ROWS * MLP_D];
    static int32_t y[MLP_ROWS], sy[MLP_ROWS];
    blobs(x, y, MLP_ROWS, MLP_D, MLP_K, 6.0, 3);
    size_t n = mlp_shard(x, y, MLP_ROWS, rank_, sx, sy);
    genre_mlp *d = mlp_model(), *r = mlp_model();
    CHECK_OK(genre_mpi_mlp_fit(MPI_COMM_WORLD, d, sx, n, MLP_D, MLP_D, sy));
    CHECK_OK(genre_mlp_fit(r, x, MLP_ROWS, MLP_D, MLP_D, y, NULL, 0, 0, NULL));
    same_mlp("MLP, Adam, global batch 32", d, r, x, MLP_ROWS);
    int64_t batch = -1;
    CHECK_OK(genre_mlp_get_i64(d, GENRE_MLP_BATCH_SIZE, &batch));
    if (batch != MLP_BATCH)
        failf("GENRE_MLP_BATCH_SIZE is %lld after the fit, not the caller's", (long long)batch);
    /* SGD with momentum, the global batch the whole table (any split) */
    CHECK_OK(genre_mlp_set_i64(d, GENRE_MLP_OPTIMIZER, GENRE_MLP_OPT_SGD));
    CHECK_OK(genre_mlp_set_i64(r, GENRE_MLP_OPTIMIZER, GENRE_MLP_OPT_SGD));
    CHECK_OK(genre_mlp_set_i64(d, GENRE_MLP_BATCH_SIZE, 0));
    CHECK_OK(genre_mlp_set_i64(r, GENRE_MLP_BATCH_SIZE, 0));
    size_t lo, hi;
    share(MLP_ROWS, rank_, &lo, &hi);
    CHECK_OK(genre_mpi_mlp_fit(MPI_COMM_WORLD, d, x + lo * MLP_D, hi - lo, MLP_D, MLP_D, y + lo));
    CHECK_OK(genre_mlp_fit(r, x, MLP_ROWS, MLP_D, MLP_D, y, NULL, 0, 0, NULL));
    same_mlp("MLP, SGD, one batch", d, r, x, MLP_ROWS);
    genre_mlp_free(d);
    genre_mlp_free(r);
}

static void expect_error(const char *what, genre_status got, genre_status want, int bad_rank,
                         const char *text)
{
    char tag[64];
    snprintf(tag, sizeof tag, "rank %d of %d: ", bad_rank, size_);
    const char *msg = genre_last_error();
    if (got != want)
        failf("%s: %s, expected %s (%s)", what, genre_status_name(got), genre_status_name(want),
              msg);
    else if ((bad_rank >= 0 && !strstr(msg, tag)) || !strstr(msg, text))
        failf("%s: message \"%s\" lacks \"%s\" or \"%s\"", what, msg, tag, text);
    else if (rank_ == 0)
        printf("%-30s every rank: %s \"%s\"\n", what, genre_status_name(got), msg);
}

static int32_t cancel_in_epoch_2(void *ud, int32_t phase, int64_t step, int64_t total,
                                 double objective)
{
    (void)ud, (void)phase, (void)total, (void)objective;
    return step >= 2;
}

static void test_step_errors(void)
{
    const int bad = size_ - 1;
    static double x[MLP_ROWS * MLP_D], sx[MLP_ROWS * MLP_D];
    static int32_t y[MLP_ROWS], sy[MLP_ROWS];
    blobs(x, y, MLP_ROWS, MLP_D, MLP_K, 6.0, 3);
    size_t n = mlp_shard(x, y, MLP_ROWS, rank_, sx, sy);
    double c0[MLP_K * MLP_D];
    memcpy(c0, x, sizeof c0);
    genre_kmeans *km = kmeans_model(MLP_K);
    /* 1. k-means: a NaN in the last rank's rows, found by its own fit while
     * the others wait in their first reduction */
    double keep = sx[5 * MLP_D + 2];
    if (rank_ == bad)
        sx[5 * MLP_D + 2] = NAN;
    genre_status st = genre_mpi_kmeans_fit(MPI_COMM_WORLD, km, sx, n, MLP_D, MLP_D, c0);
    expect_error("k-means: NaN on one rank", st, GENRE_E_NONFINITE, bad, "genre_kmeans_fit");
    int64_t fitted = -1;
    CHECK_OK(genre_kmeans_get_i64(km, GENRE_KMEANS_FITTED, &fitted));
    if (fitted != 0)
        failf("a failed distributed k-means fitted the handle");
    /* 2. the MLP: the same NaN */
    genre_mlp *m = mlp_model();
    st = genre_mpi_mlp_fit(MPI_COMM_WORLD, m, sx, n, MLP_D, MLP_D, sy);
    expect_error("MLP: NaN on one rank", st, GENRE_E_NONFINITE, bad, "genre_mlp_fit");
    sx[5 * MLP_D + 2] = keep;
    /* 3. k-means: no rows on one rank */
    st = genre_mpi_kmeans_fit(MPI_COMM_WORLD, km, rank_ == bad ? NULL : sx, rank_ == bad ? 0 : n,
                              MLP_D, MLP_D, NULL);
    expect_error("k-means: no rows on one rank", st, GENRE_E_INVALID_ARG, bad, "no rows");
    if (size_ > 1) {
        /* 4. k-means: another K on one rank (found before any step) */
        CHECK_OK(genre_kmeans_set_i64(km, GENRE_KMEANS_K, rank_ == bad ? 3 : MLP_K));
        st = genre_mpi_kmeans_fit(MPI_COMM_WORLD, km, sx, n, MLP_D, MLP_D, NULL);
        expect_error("k-means: other K on one rank", st, GENRE_E_SHAPE, -1,
                     "GENRE_KMEANS_K differs");
        CHECK_OK(genre_kmeans_set_i64(km, GENRE_KMEANS_K, MLP_K));
        CHECK_OK(genre_kmeans_set_i64(km, GENRE_KMEANS_SEED, rank_ == bad ? 8 : 7));
        st = genre_mpi_kmeans_fit(MPI_COMM_WORLD, km, sx, n, MLP_D, MLP_D, NULL);
        expect_error("k-means: other seed on one rank", st, GENRE_E_SHAPE, -1,
                     "GENRE_KMEANS_SEED differs");
        CHECK_OK(genre_kmeans_set_i64(km, GENRE_KMEANS_SEED, 7));
        /* 5. the MLP: the last rank holds a whole global batch more than
         * its share (one row more or less can be another table's share) */
        st = genre_mpi_mlp_fit(MPI_COMM_WORLD, m, sx, rank_ == bad ? n + MLP_BATCH : n, MLP_D,
                               MLP_D, sy);
        expect_error("MLP: not its share", st, GENRE_E_SHAPE, -1, "genre_mpi_mlp_batch_share");
        /* 6. the MLP: the last rank cancels in its second epoch, while the
         * others wait in the reducer of its first step */
        if (rank_ == bad)
            CHECK_OK(genre_mlp_set_progress(m, cancel_in_epoch_2, NULL));
        st = genre_mpi_mlp_fit(MPI_COMM_WORLD, m, sx, n, MLP_D, MLP_D, sy);
        expect_error("MLP: cancelled mid-fit on one rank", st, GENRE_E_CANCELLED, bad, "");
        CHECK_OK(genre_mlp_set_progress(m, NULL, NULL));
        int64_t epochs = -1;
        if (genre_mlp_get_i64(m, GENRE_MLP_EPOCHS_RUN, &epochs) != GENRE_E_BAD_STATE)
            failf("a failed distributed MLP fit fitted the model");
    }
    /* 7. after all that, both fits work on every rank */
    CHECK_OK(genre_mpi_kmeans_fit(MPI_COMM_WORLD, km, sx, n, MLP_D, MLP_D, NULL));
    CHECK_OK(genre_mpi_mlp_fit(MPI_COMM_WORLD, m, sx, n, MLP_D, MLP_D, sy));
    genre_mlp_free(m);
    genre_kmeans_free(km);
}

int main(int argc, char **argv)
{
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "kmeans") == 0)
        test_kmeans();
    else if (strcmp(mode, "mlp") == 0)
        test_mlp();
    else if (strcmp(mode, "steperrors") == 0)
        test_step_errors();
    else
        failf("usage: test_mpi_steps kmeans|mlp|steperrors");
    int total = 0;
    MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank_ == 0)
        printf("%s on %d rank(s): %s\n", mode, size_, total ? "FAILED" : "passed");
    MPI_Finalize();
    return total ? 1 : 0;
}
