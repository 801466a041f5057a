/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libgenre_mpi under mpiexec -n 1, 2 and 3 (tests/mpi/CMakeLists.txt):
 *   fits    each rank takes its share of a generated table; the distributed
 *           scaler, PCA and LDA equal the single-process fit of the whole
 *           table to 1e-12 relative, the merged metrics equal the
 *           single-process metrics exactly;
 *   errors  the last rank fails (NULL rows, a NaN, other columns, other
 *           parameters, an allocation failing under a capped address
 *           space, a failed allocation reported to genre_mpi_agree):
 *           every rank returns that error, naming the rank; then a fit works.
 * A plain program (no Check: it forks, which MPI does not allow); exit 0
 * when every rank passed. */
#include <genre/mpi.h>

#include "mpi_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

enum { N_ROWS = 2003, N_COLS = 6, N_CLASSES = 4 };

/* A deterministic table: 4 classes with distinct means, correlated columns. */
static double table[N_ROWS * N_COLS], scores[N_ROWS * N_CLASSES];
static int32_t labels[N_ROWS], predicted[N_ROWS];

static void make_table(void)
{
    uint64_t s = 20;
    for (size_t i = 0; i < N_ROWS; i++) {
        int32_t c = (int32_t)(mix(&s) % N_CLASSES);
        labels[i] = c;
        double base = uniform(&s) - 0.5;
        for (size_t j = 0; j < N_COLS; j++)
            table[i * N_COLS + j] =
                10.0 * (double)j +
                (1.0 + 0.5 * (double)j) * (1.5 * sin(1.7 * c * (double)(j + 1) + 0.3 * (double)j) +
                                           0.5 * base + uniform(&s) - 0.5);
        /* scores: noisy, with ties (rounded to 1/64) so the AUROC sees them */
        double sum = 0;
        for (size_t k = 0; k < N_CLASSES; k++) {
            double v = floor((uniform(&s) + (k == (size_t)c ? 0.4 : 0.0)) * 64.0) / 64.0 + 0.01;
            scores[i * N_CLASSES + k] = v;
            sum += v;
        }
        size_t best = 0;
        for (size_t k = 0; k < N_CLASSES; k++) {
            scores[i * N_CLASSES + k] /= sum;
            if (scores[i * N_CLASSES + k] > scores[i * N_CLASSES + best])
                best = k;
        }
        predicted[i] = (int32_t)best;
    }
}

/* This rank's share of the rows: [lo, hi). */
static void share(int rank, int size, size_t *lo, size_t *hi)
{
    *lo = (size_t)rank * N_ROWS / (size_t)size;
    *hi = (size_t)(rank + 1) * N_ROWS / (size_t)size;
}

typedef genre_status (*getter_fn)(const void *h, double *out, size_t cap, size_t *needed);

/* max |a - b| / max |b| over an array read by a getter from both models. */
static void compare(const char *what, const void *dist, const void *ref, getter_fn get, double tol)
{
    size_t n = 0, m = 0;
    get(ref, NULL, 0, &n);
    get(dist, NULL, 0, &m);
    if (n == 0 || n != m) {
        failf("%s: sizes %zu and %zu", what, m, n);
        return;
    }
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    if (!a || !b) {
        failf("%s: no memory", what);
        free(a);
        free(b);
        return;
    }
    CHECK_OK(get(dist, a, n, NULL));
    CHECK_OK(get(ref, b, n, NULL));
    double diff = 0, scale = 0;
    for (size_t i = 0; i < n; i++) {
        diff = fmax(diff, fabs(a[i] - b[i]));
        scale = fmax(scale, fabs(b[i]));
    }
    double rel = scale > 0 ? diff / scale : diff;
    if (!(rel <= tol))
        failf("%s: relative difference %.3g above %.0e", what, rel, tol);
    else if (rank_ == 0)
        printf("%-28s %zu values, relative difference %.3g (tolerance %.0e)\n", what, n, rel, tol);
    free(a);
    free(b);
}

/* The getters, through one signature. */
#define GETTER(name, type)                                                              \
    static genre_status get_##name(const void *h, double *out, size_t cap, size_t *need) \
    {                                                                                   \
        return genre_##name((const type *)h, out, cap, need);                           \
    }
GETTER(scaler_get_mean, genre_scaler)
GETTER(scaler_get_scale, genre_scaler)
GETTER(scaler_get_variance, genre_scaler)
GETTER(pca_get_components, genre_pca)
GETTER(pca_get_explained_variance, genre_pca)
GETTER(pca_get_mean, genre_pca)
GETTER(lda_get_scalings, genre_lda)
GETTER(lda_get_means, genre_lda)
GETTER(lda_get_xbar, genre_lda)
GETTER(lda_get_priors, genre_lda)
GETTER(lda_get_explained_variance_ratio, genre_lda)

/* A merged metrics state of every rank's test rows: exactly the
 * single-process metrics of the whole table. */
static void check_metrics(const char *what, const genre_metrics_partial *merged)
{
    double acc_d = -1, acc_r = -2;
    CHECK_OK(genre_metrics_partial_accuracy(merged, &acc_d));
    CHECK_OK(genre_metrics_accuracy(labels, predicted, N_ROWS, &acc_r));
    if (acc_d != acc_r)
        failf("%s: accuracy %.17g, single process %.17g", what, acc_d, acc_r);
    for (int32_t avg = GENRE_METRICS_AVERAGE_MACRO; avg <= GENRE_METRICS_AVERAGE_WEIGHTED; avg++) {
        double d = -1, r = -2;
        CHECK_OK(genre_metrics_partial_roc_auc_ovr(merged, avg, &d));
        CHECK_OK(genre_metrics_roc_auc_ovr(labels, scores, N_ROWS, N_CLASSES, N_CLASSES, avg, &r));
        if (d != r)
            failf("%s: AUROC (average %d) %.17g, single process %.17g", what, avg, d, r);
    }
    double pd_[N_CLASSES], pr_[N_CLASSES];
    CHECK_OK(genre_metrics_partial_roc_auc_per_class(merged, pd_, N_CLASSES, NULL));
    CHECK_OK(genre_metrics_roc_auc_per_class(labels, scores, N_ROWS, N_CLASSES, N_CLASSES, pr_,
                                             N_CLASSES, NULL));
    if (memcmp(pd_, pr_, sizeof pd_) != 0)
        failf("%s: per-class AUROC differs from the single process", what);
    if (rank_ == 0)
        printf("%s: accuracy %.6f, AUROC equal bit for bit\n", what, acc_d);
}

static void test_fits(void)
{
    size_t lo, hi;
    share(rank_, size_, &lo, &hi);
    const double *x = table + lo * N_COLS;
    size_t n = hi - lo;

    genre_scaler *sd = NULL, *sr = NULL;
    CHECK_OK(genre_scaler_create(&sd));
    CHECK_OK(genre_scaler_create(&sr));
    CHECK_OK(genre_mpi_scaler_fit(MPI_COMM_WORLD, sd, x, n, N_COLS, N_COLS));
    CHECK_OK(genre_scaler_fit(sr, table, N_ROWS, N_COLS, N_COLS));
    compare("scaler mean", sd, sr, get_scaler_get_mean, 1e-12);
    compare("scaler scale", sd, sr, get_scaler_get_scale, 1e-12);
    compare("scaler variance", sd, sr, get_scaler_get_variance, 1e-12);
    int64_t rows = 0;
    CHECK_OK(genre_scaler_get_i64(sd, GENRE_SCALER_N_SAMPLES, &rows));
    if (rows != N_ROWS)
        failf("scaler saw %lld rows, not %d", (long long)rows, N_ROWS);
    /* a rank with no rows (x NULL): the last rank's rows are left out */
    if (size_ > 1) {
        size_t last_lo, last_hi;
        share(size_ - 1, size_, &last_lo, &last_hi);
        int empty = rank_ == size_ - 1;
        CHECK_OK(genre_mpi_scaler_fit(MPI_COMM_WORLD, sd, empty ? NULL : x, empty ? 0 : n, N_COLS,
                                      N_COLS));
        CHECK_OK(genre_scaler_fit(sr, table, last_lo, N_COLS, N_COLS));
        compare("scaler, one rank empty", sd, sr, get_scaler_get_mean, 1e-12);
        CHECK_OK(genre_scaler_get_i64(sd, GENRE_SCALER_N_SAMPLES, &rows));
        if (rows != (int64_t)last_lo)
            failf("scaler saw %lld rows, not %zu", (long long)rows, last_lo);
    }
    genre_scaler_free(sd);
    genre_scaler_free(sr);

    genre_pca *pd = NULL, *pr = NULL;
    CHECK_OK(genre_pca_create(&pd));
    CHECK_OK(genre_pca_create(&pr));
    CHECK_OK(genre_pca_set_i64(pd, GENRE_PCA_N_COMPONENTS, 4));
    CHECK_OK(genre_pca_set_i64(pr, GENRE_PCA_N_COMPONENTS, 4));
    CHECK_OK(genre_mpi_pca_fit(MPI_COMM_WORLD, pd, x, n, N_COLS, N_COLS));
    CHECK_OK(genre_pca_fit(pr, table, N_ROWS, N_COLS, N_COLS));
    compare("PCA components", pd, pr, get_pca_get_components, 1e-12);
    compare("PCA explained variance", pd, pr, get_pca_get_explained_variance, 1e-12);
    compare("PCA mean", pd, pr, get_pca_get_mean, 1e-12);
    genre_pca_free(pd);
    genre_pca_free(pr);

    genre_lda *ld = NULL, *lr = NULL;
    CHECK_OK(genre_lda_create(&ld));
    CHECK_OK(genre_lda_create(&lr));
    CHECK_OK(genre_mpi_lda_fit(MPI_COMM_WORLD, ld, x, n, N_COLS, N_COLS, labels + lo));
    CHECK_OK(genre_lda_fit(lr, table, N_ROWS, N_COLS, N_COLS, labels));
    compare("LDA scalings", ld, lr, get_lda_get_scalings, 1e-12);
    compare("LDA means", ld, lr, get_lda_get_means, 1e-12);
    compare("LDA xbar", ld, lr, get_lda_get_xbar, 1e-12);
    compare("LDA priors", ld, lr, get_lda_get_priors, 1e-12);
    compare("LDA explained variance ratio", ld, lr, get_lda_get_explained_variance_ratio, 1e-12);
    genre_lda_free(ld);
    genre_lda_free(lr);

    /* metrics over distributed test rows: exactly the single-process values */
    genre_metrics_partial *mp = NULL, *merged = NULL;
    CHECK_OK(genre_metrics_partial_create(&mp, N_CLASSES));
    if (n > 0)
        CHECK_OK(genre_metrics_partial_add(mp, scores + lo * N_CLASSES, n, N_CLASSES, N_CLASSES,
                                           labels + lo, predicted + lo));
    CHECK_OK(genre_mpi_metrics_partial_allreduce(MPI_COMM_WORLD, mp, &merged));
    if (!merged)
        failf("the metrics allreduce left rank %d without a state", rank_);
    else
        check_metrics("metrics (allreduce)", merged);
    genre_metrics_partial_free(merged);
    /* reduced to rank 0 only: the same values there, nothing elsewhere */
    merged = NULL;
    CHECK_OK(genre_mpi_metrics_partial_reduce(MPI_COMM_WORLD, mp, &merged));
    if (rank_ == 0 && !merged)
        failf("the metrics reduce left rank 0 without a state");
    else if (rank_ != 0 && merged)
        failf("the metrics reduce gave rank %d a state", rank_);
    else if (merged)
        check_metrics("metrics (reduce to rank 0)", merged);
    genre_metrics_partial_free(mp);
    genre_metrics_partial_free(merged);
}

/* Every rank must see status want and a message naming the failing rank
 * and holding `text`. */
static void expect_error(const char *what, genre_status got, genre_status want, int bad_rank,
                         const char *text)
{
    char tag[64];
    snprintf(tag, sizeof tag, "rank %d of %d: ", bad_rank, size_);
    const char *msg = genre_last_error();
    if (got != want)
        failf("%s: %s, expected %s (%s)", what, genre_status_name(got), genre_status_name(want), msg);
    else if (!strstr(msg, tag) || !strstr(msg, text))
        failf("%s: message \"%s\" lacks \"%s\" or \"%s\"", what, msg, tag, text);
    else if (rank_ == 0)
        printf("%-28s every rank: %s \"%s\"\n", what, genre_status_name(got), msg);
}

/* Caps this process's address space at what it maps now plus extra bytes
 * (old receives the limits to restore). */
static int cap_address_space(size_t extra, struct rlimit *old)
{
    unsigned long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    int got = fscanf(f, "%lu", &pages);
    fclose(f);
    if (got != 1 || getrlimit(RLIMIT_AS, old) != 0)
        return -1;
    struct rlimit r = *old;
    r.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + extra;
    return setrlimit(RLIMIT_AS, &r);
}

static void test_errors(void)
{
    int bad = size_ - 1; /* the failing rank */
    size_t lo, hi;
    share(rank_, size_, &lo, &hi);
    size_t n = hi - lo;
    double *x = malloc((n + 1) * (N_COLS + 1) * sizeof *x);
    if (!x) {
        failf("no memory");
        return;
    }
    memcpy(x, table + lo * N_COLS, n * N_COLS * sizeof *x);

    genre_scaler *s = NULL;
    CHECK_OK(genre_scaler_create(&s));
    /* 1. an invalid argument on one rank */
    genre_status st = genre_mpi_scaler_fit(MPI_COMM_WORLD, s, rank_ == bad ? NULL : x, n, N_COLS,
                                           N_COLS);
    expect_error("NULL rows on one rank", st, GENRE_E_INVALID_ARG, bad, "'x' is NULL");
    int64_t fitted = -1;
    CHECK_OK(genre_scaler_get_i64(s, GENRE_SCALER_FITTED, &fitted));
    if (fitted != 0)
        failf("a failed distributed fit fitted the scaler");

    /* 2. a NaN in one rank's rows (its row within the rank's rows named) */
    double keep = x[2 * N_COLS + 1];
    if (rank_ == bad)
        x[2 * N_COLS + 1] = NAN;
    st = genre_mpi_scaler_fit(MPI_COMM_WORLD, s, x, n, N_COLS, N_COLS);
    expect_error("NaN on one rank", st, GENRE_E_NONFINITE, bad, "row 2");
    x[2 * N_COLS + 1] = keep;

    /* 3. allocation failure on one rank, agreed through genre_mpi_agree */
    genre_status local = GENRE_OK;
    if (rank_ == bad)
        local = genre_set_error(GENRE_E_NOMEM, "my_step: no memory for 1234 bytes (simulated)");
    st = genre_mpi_agree(MPI_COMM_WORLD, local);
    expect_error("allocation failure agreed", st, GENRE_E_NOMEM, bad, "my_step: no memory");

    /* 3b. a real allocation failure on one rank: its address space capped
     * a few MiB above what it uses, the 32 MiB PCA state of 2,048 columns
     * cannot be allocated there (the other ranks allocate theirs) */
    enum { WIDE = 2048, WIDE_ROWS = 4 };
    double *wide = malloc(WIDE_ROWS * WIDE * sizeof *wide);
    genre_pca *pw = NULL;
    CHECK_OK(genre_pca_create(&pw));
    if (wide) {
        for (size_t i = 0; i < WIDE_ROWS * WIDE; i++)
            wide[i] = (double)((i * 7919u + (size_t)rank_ * 104729u) % 1009u) / 1009.0;
        struct rlimit old;
        int limited = rank_ == bad && cap_address_space(8u << 20, &old) == 0;
        st = genre_mpi_pca_fit(MPI_COMM_WORLD, pw, wide, WIDE_ROWS, WIDE, WIDE);
        if (limited && setrlimit(RLIMIT_AS, &old) != 0)
            failf("could not lift the address-space cap");
        if (rank_ == bad && !limited)
            failf("could not cap the address space");
        expect_error("allocation failure on one rank", st, GENRE_E_NOMEM, bad, "this rank's rows");
    } else {
        failf("no memory");
    }
    genre_pca_free(pw);
    free(wide);

    if (size_ > 1) {
        /* 4. other columns on one rank: rank 0's merge refuses it */
        size_t cols = rank_ == bad ? N_COLS - 1 : N_COLS;
        st = genre_mpi_scaler_fit(MPI_COMM_WORLD, s, x, n, cols, N_COLS);
        expect_error("other columns on one rank", st, GENRE_E_SHAPE, 0, "merging rank");
        /* 5. other parameters on one rank: the model check finds it */
        genre_pca *p = NULL;
        CHECK_OK(genre_pca_create(&p));
        CHECK_OK(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, rank_ == bad ? 2 : 3));
        st = genre_mpi_pca_fit(MPI_COMM_WORLD, p, x, n, N_COLS, N_COLS);
        expect_error("other parameters on one rank", st, GENRE_E_BAD_STATE, bad,
                     "differs from rank 0");
        genre_pca_free(p);
    }
    /* 5b. the metrics reduce to rank 0: a NULL state on one rank, then
     * (several ranks) other classes on one rank, refused by rank 0's merge;
     * every rank returns the error and no rank holds a state */
    genre_metrics_partial *mp = NULL, *merged = NULL;
    CHECK_OK(genre_metrics_partial_create(&mp, rank_ == bad && size_ > 1 ? N_CLASSES + 1
                                                                          : N_CLASSES));
    st = genre_mpi_metrics_partial_reduce(MPI_COMM_WORLD, rank_ == bad ? NULL : mp, &merged);
    expect_error("metrics reduce, NULL state", st, GENRE_E_INVALID_ARG, bad, "'local' is NULL");
    if (merged)
        failf("a failed metrics reduce left rank %d a state", rank_);
    if (size_ > 1) {
        st = genre_mpi_metrics_partial_reduce(MPI_COMM_WORLD, mp, &merged);
        expect_error("metrics reduce, other classes", st, GENRE_E_SHAPE, 0, "merging rank");
        if (merged)
            failf("a failed metrics reduce left rank %d a state", rank_);
    }
    st = genre_mpi_metrics_partial_reduce(MPI_COMM_WORLD, mp, NULL);
    expect_error("metrics reduce, NULL out", st, GENRE_E_INVALID_ARG, 0, "'merged' is NULL");
    genre_metrics_partial_free(mp);

    /* 6. MPI_COMM_NULL is refused on each rank, without communicating */
    st = genre_mpi_scaler_fit(MPI_COMM_NULL, s, x, n, N_COLS, N_COLS);
    if (st != GENRE_E_INVALID_ARG || !strstr(genre_last_error(), "MPI_COMM_NULL"))
        failf("MPI_COMM_NULL: %s (%s)", genre_status_name(st), genre_last_error());

    /* 7. after all that, the same call works on every rank */
    CHECK_OK(genre_mpi_scaler_fit(MPI_COMM_WORLD, s, x, n, N_COLS, N_COLS));
    genre_scaler_free(s);
    free(x);
}

int main(int argc, char **argv)
{
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    make_table();
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "fits") == 0)
        test_fits();
    else if (strcmp(mode, "errors") == 0)
        test_errors();
    else
        failf("usage: test_mpi_fits fits|errors");
    int total = 0;
    MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank_ == 0)
        printf("%s on %d rank(s) (%s): %s\n", mode, size_, genre_mpi_build_info(),
               total ? "FAILED" : "passed");
    MPI_Finalize();
    return total ? 1 : 0;
}
