/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-bench-mpi: the fits of libgenre_mpi on 2 ranks against 1 (issue 20,
 * "Speed"), over the plain 10,000,000-row table genre-bench-scale uses
 * (bench/make-large-table.py, /tmp/genre-scale; generated when absent).
 *
 * Run from the repository root with no arguments. The program reads the
 * table once (so neither run finds a colder page cache than the other),
 * then launches itself twice under mpiexec (--oversubscribe, --bind-to
 * core, --allow-run-as-root when root, OPENBLAS_NUM_THREADS=1), on 1 rank
 * and on 2, as `genre-bench-mpi --worker TABLE` (not for users). Every rank
 * runs one thread: the fits' N_THREADS are left at 0, which libgenre_mpi
 * reads as one thread per rank, and the range readers get 1 thread. In
 * each run, in order:
 *
 *   pass    rank r of P reads the records that start in bytes [r S / P,
 *           (r + 1) S / P) of the file of S bytes
 *           (genre_dataset_reader_open_range, chunks of 100,000 rows), cleans
 *           them as genre-bench-scale does (blank rows dropped, tempo and
 *           duration_ms filled with the medians of the file's first chunk,
 *           fitted on rank 0 and broadcast; 13 features), keeps them in
 *           memory and adds them to its scaler, PCA and LDA partial states,
 *           then genre_mpi_{scaler,pca,lda}_fit_partial merge the states in
 *           rank order and fit;
 *   kmeans  genre_mpi_kmeans_fit, K = 10, at most 20 Lloyd iterations
 *           (GENRE_KMEANS_TOL 0: all 20 unless no label changes), on the
 *           rank's rows standardized by the pass's scaler, from k-means++
 *           on the layer's sample;
 *   mlp     genre_mpi_mlp_fit, one epoch, hidden (20, 15) (755 parameters),
 *           a global batch of 256 rows (each rank its share: 128 on 2
 *           ranks), Adam, on the same standardized rows; each rank uses
 *           nb x share rows, nb the whole batches every rank can fill.
 *
 * Each time is the largest over the ranks of the wall time between two
 * MPI_Barrier calls around the work; each rank also reports its own wall
 * and CPU time (CLOCK_PROCESS_CPUTIME_ID) up to the closing barrier. On 2
 * ranks the collectives libgenre_mpi calls in the k-means and MLP fits are
 * counted as they happen (bench_mpi_count.c, MPI's profiling interface):
 * the bytes each rank sends per Lloyd iteration and per mini-batch are
 * those of the calls made once per step, as measured.
 *
 * Lines, last ones last: BENCH mpi_2_ranks_speedup_pass and
 * mpi_2_ranks_speedup_kmeans (x: the 1-rank time over the 2-rank time;
 * goal >= 1.7 on 2 cores), mpi_mlp_epoch_2_ranks_over_1 (x: the 2-rank
 * epoch's time per batch over the 1-rank epoch's; above 1 = slower),
 * mpi_kmeans_bytes_per_iteration and mpi_mlp_bytes_per_batch (B, sent by
 * each rank, the larger of the two ranks).
 * GENRE_BENCH_MPI_ROWS=N uses an N-row table instead (a smoke test: the
 * figures are then not the issue's, and say so).
 */
/* popen, setenv, readlink */
#define _DEFAULT_SOURCE

#include "bench_common.h"
#include "bench_mpi_count.h"

#include <genre/mpi.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef GENRE_BENCH_SOURCE_DIR
#define GENRE_BENCH_SOURCE_DIR "."
#endif
#ifndef GENRE_BENCH_MPIEXEC
#define GENRE_BENCH_MPIEXEC "mpiexec"
#endif

#define PROGRAM "genre-bench-mpi"
#define CHUNK 100000
#define D 13
#define N_GENRES 10
#define KM_K 10
#define KM_ITER 20
#define MLP_BATCH 256
#define RUN_TIMEOUT_S 540 /* each mpiexec run; two runs stay under 20 minutes */

static const char *const COLUMNS[D] = {
    "popularity", "acousticness", "danceability", "duration_ms", "energy",
    "instrumentalness", "liveness", "loudness", "speechiness", "tempo",
    "valence", "key", "mode"};

static int rank_, size_ = 1;

/* ---- the worker: one rank of an mpiexec run ------------------------------ */

static void fail(const char *what)
{
    fprintf(stderr, "%s: rank %d of %d: %s: %s\n", PROGRAM, rank_, size_, what,
            genre_last_error());
    MPI_Abort(MPI_COMM_WORLD, 1);
    exit(EXIT_FAILURE);
}

static void check(genre_status st, const char *what)
{
    if (st != GENRE_OK)
        fail(what);
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A timed section: between two barriers; this rank's own wall and CPU
 * time up to the closing barrier. */
struct timing {
    double t0, c0, own_wall, own_cpu, wall;
};

static void section_begin(struct timing *t)
{
    MPI_Barrier(MPI_COMM_WORLD);
    t->t0 = genre_bench_now();
    t->c0 = cpu_now();
}

/* Ends the section; every rank prints its own times through rank 0; rank 0
 * prints "RESULT <name> <max wall> <extra>" for the parent. */
static void section_end(struct timing *t, const char *name, double extra)
{
    t->own_wall = genre_bench_now() - t->t0;
    t->own_cpu = cpu_now() - t->c0;
    MPI_Barrier(MPI_COMM_WORLD);
    double wall = genre_bench_now() - t->t0, max_wall = 0, mine[2] = {t->own_wall, t->own_cpu};
    double all[2 * 64] = {0};
    MPI_Reduce(&wall, &max_wall, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    MPI_Gather(mine, 2, MPI_DOUBLE, all, 2, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    t->wall = max_wall;
    if (rank_ == 0) {
        for (int r = 0; r < size_ && r < 64; r++)
            printf("  %s, rank %d of %d: %.2f s own wall, %.2f s CPU\n", name, r, size_,
                   all[2 * r], all[2 * r + 1]);
        printf("RESULT %s %.6f %.0f\n", name, max_wall, extra);
        fflush(stdout);
    }
}

/* This rank's cleaned rows, kept for the k-means and the MLP. */
struct rows {
    double *x;
    int32_t *y;
    size_t n, cap;
};

static void rows_reserve(struct rows *r, size_t n)
{
    if (n <= r->cap)
        return;
    size_t cap = r->cap * 2 > n ? r->cap * 2 : n;
    double *x = realloc(r->x, cap * D * sizeof *x);
    int32_t *y = x ? realloc(r->y, cap * sizeof *y) : NULL;
    if (!x || !y) {
        fprintf(stderr, "%s: rank %d: no memory for %zu rows\n", PROGRAM, rank_, cap);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    r->x = x, r->y = y, r->cap = cap;
}

/* The preparation of the file's first chunk: fitted on rank 0, its saved
 * bytes broadcast; every rank calls this after reading its first chunk. */
static genre_dataset_prep *shared_prep(genre_dataset_schema *schema, genre_dataset *first)
{
    genre_dataset_prep *prep = NULL;
    uint64_t len = 0;
    unsigned char *buf = NULL;
    if (rank_ == 0) {
        check(genre_dataset_prep_create(&prep, schema), "prep_create");
        check(genre_dataset_prep_add_impute(prep, "duration_ms", GENRE_IMPUTE_MEDIAN),
              "prep_add_impute");
        check(genre_dataset_prep_add_impute(prep, "tempo", GENRE_IMPUTE_MEDIAN),
              "prep_add_impute");
        check(genre_dataset_prep_fit_apply(prep, first), "prep_fit_apply");
        size_t n = 0;
        genre_dataset_prep_save(prep, NULL, 0, &n);
        buf = malloc(n ? n : 1);
        if (!buf)
            fail("no memory");
        check(genre_dataset_prep_save(prep, buf, n, &n), "prep_save");
        len = n;
    }
    MPI_Bcast(&len, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (rank_ != 0 && !(buf = malloc(len ? len : 1)))
        fail("no memory");
    MPI_Bcast(buf, (int)len, MPI_BYTE, 0, MPI_COMM_WORLD);
    if (rank_ != 0) {
        check(genre_dataset_prep_load(&prep, buf, (size_t)len), "prep_load");
        check(genre_dataset_prep_apply(prep, first), "prep_apply");
    }
    free(buf);
    return prep;
}

/* The pass: this rank's byte range into rows and partial states, then the
 * distributed fits. Returns the scaler fitted over every rank's rows. */
static genre_scaler *work_pass(const char *path, struct rows *rows, struct timing *t)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        perror(path);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    const uint64_t size = (uint64_t)sb.st_size, p = (uint64_t)size_, r = (uint64_t)rank_;
    const uint64_t begin = size / p * r, end = r + 1 == p ? size : size / p * (r + 1);
    /* about 147 bytes a row: reserve (untouched pages cost nothing) */
    rows_reserve(rows, (size_t)((end - begin) / 100 + CHUNK));
    section_begin(t);
    genre_dataset_schema *schema = NULL;
    genre_dataset_reader *reader = NULL;
    genre_dataset *ds = NULL;
    genre_dataset_prep *prep = NULL;
    genre_scaler_partial *sp = NULL;
    genre_pca_partial *pp = NULL;
    genre_lda_partial *lp = NULL;
    check(genre_dataset_schema_create_music_genre(&schema), "schema");
    check(genre_dataset_schema_set_i64(schema, GENRE_SCHEMA_THREADS, 1), "schema threads");
    check(genre_dataset_reader_open_range(&reader, schema, path, begin, end, NULL), path);
    check(genre_scaler_partial_create(&sp, D), "scaler_partial_create");
    check(genre_pca_partial_create(&pp, D), "pca_partial_create");
    check(genre_lda_partial_create(&lp, D), "lda_partial_create");
    for (;;) {
        check(genre_dataset_reader_next_into(reader, CHUNK, &ds), "reader_next_into");
        if (!ds)
            break;
        check(genre_dataset_drop_empty_rows(ds), "drop_empty_rows");
        if (!prep)
            prep = shared_prep(schema, ds);
        else
            check(genre_dataset_prep_apply(prep, ds), "prep_apply");
        size_t needed = 0;
        check(genre_dataset_export_matrix(ds, COLUMNS, D, NULL, 0, &needed), "export size");
        const size_t n = needed / D;
        if (!n)
            continue;
        rows_reserve(rows, rows->n + n);
        double *x = rows->x + rows->n * D;
        int32_t *y = rows->y + rows->n;
        check(genre_dataset_export_matrix(ds, COLUMNS, D, x, n * D, NULL), "export_matrix");
        check(genre_dataset_export_labels(ds, y, n, NULL), "export_labels");
        check(genre_scaler_partial_add(sp, x, n, D, D), "scaler_partial_add");
        check(genre_pca_partial_add(pp, x, n, D, D), "pca_partial_add");
        check(genre_lda_partial_add(lp, x, n, D, D, y), "lda_partial_add");
        rows->n += n;
    }
    if (!prep) /* a range of no rows: the collective fits below still run */
        fail("this rank's range holds no rows");
    genre_scaler *sc = NULL;
    genre_pca *pca = NULL;
    genre_lda *lda = NULL;
    check(genre_scaler_create(&sc), "scaler_create");
    check(genre_pca_create(&pca), "pca_create");
    check(genre_lda_create(&lda), "lda_create");
    check(genre_mpi_scaler_fit_partial(MPI_COMM_WORLD, sc, sp), "genre_mpi_scaler_fit_partial");
    check(genre_mpi_pca_fit_partial(MPI_COMM_WORLD, pca, pp), "genre_mpi_pca_fit_partial");
    check(genre_mpi_lda_fit_partial(MPI_COMM_WORLD, lda, lp), "genre_mpi_lda_fit_partial");
    uint64_t mine = rows->n, total = 0;
    MPI_Allreduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    section_end(t, "pass", (double)total);
    genre_pca_free(pca), genre_lda_free(lda);
    genre_scaler_partial_free(sp), genre_pca_partial_free(pp), genre_lda_partial_free(lp);
    genre_dataset_free(ds), genre_dataset_prep_free(prep), genre_dataset_reader_free(reader);
    genre_dataset_schema_free(schema);
    return sc;
}

/* The rows standardized in place by the merged scaler, a chunk at a time. */
static void standardize(const genre_scaler *sc, struct rows *rows)
{
    double *z = malloc((size_t)CHUNK * D * sizeof *z);
    if (!z)
        fail("no memory");
    for (size_t i = 0; i < rows->n; i += CHUNK) {
        const size_t n = rows->n - i < CHUNK ? rows->n - i : CHUNK;
        check(genre_scaler_transform(sc, rows->x + i * D, n, D, D, z, n * D, NULL),
              "scaler_transform");
        memcpy(rows->x + i * D, z, n * D * sizeof *z);
    }
    free(z);
}

/* Prints this run's counted calls (rank 0 for every rank) and the bytes
 * sent per step: the calls made at least once per step. */
static void report_bytes(const char *fit, const bench_mpi_count *k, size_t n_kinds,
                         uint64_t steps)
{
    uint64_t per_step = 0, total = 0;
    char line[2048];
    size_t at = 0;
    line[0] = 0;
    for (size_t i = 0; i < n_kinds; i++) {
        total += k[i].bytes * k[i].calls;
        if (k[i].calls >= steps)
            per_step += k[i].bytes;
        if (at < sizeof line)
            at += (size_t)snprintf(line + at, sizeof line - at, "%s%s %llu B x %llu",
                                   i ? ", " : "", k[i].call, (unsigned long long)k[i].bytes,
                                   (unsigned long long)k[i].calls);
    }
    uint64_t mine[2] = {per_step, total}, all[2 * 64] = {0};
    MPI_Gather(mine, 2, MPI_UINT64_T, all, 2, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    /* each rank's call list, in rank order */
    for (int r = 0; r < size_; r++) {
        if (r == rank_)
            printf("  %s, rank %d sent: %s (%llu B in the fit, %llu B per step)\n", fit, r,
                   n_kinds ? line : "nothing counted", (unsigned long long)total,
                   (unsigned long long)per_step);
        fflush(stdout);
        MPI_Barrier(MPI_COMM_WORLD);
    }
    if (rank_ == 0) {
        uint64_t most = 0;
        for (int r = 0; r < size_ && r < 64; r++)
            most = all[2 * r] > most ? all[2 * r] : most;
        printf("RESULT bytes_%s %llu %llu\n", fit, (unsigned long long)most,
               (unsigned long long)steps);
        fflush(stdout);
    }
}

static void work_kmeans(const struct rows *rows, struct timing *t)
{
    genre_kmeans *km = NULL;
    check(genre_kmeans_create(&km), "kmeans_create");
    check(genre_kmeans_set_i64(km, GENRE_KMEANS_K, KM_K), "kmeans K");
    check(genre_kmeans_set_i64(km, GENRE_KMEANS_MAX_ITER, KM_ITER), "kmeans max_iter");
    check(genre_kmeans_set_f64(km, GENRE_KMEANS_TOL, 0.0), "kmeans tol");
    check(genre_kmeans_set_i64(km, GENRE_KMEANS_SEED, 0), "kmeans seed");
    bench_mpi_count kinds[64];
    section_begin(t);
    bench_mpi_count_start();
    check(genre_mpi_kmeans_fit(MPI_COMM_WORLD, km, rows->x, rows->n, D, D, NULL),
          "genre_mpi_kmeans_fit");
    size_t n_kinds = bench_mpi_count_stop(kinds, 64);
    int64_t iters = 0;
    check(genre_kmeans_get_i64(km, GENRE_KMEANS_N_ITER, &iters), "kmeans n_iter");
    section_end(t, "kmeans", (double)iters);
    if (size_ > 1)
        report_bytes("kmeans", kinds, n_kinds, (uint64_t)iters);
    genre_kmeans_free(km);
}

static void work_mlp(const struct rows *rows, struct timing *t)
{
    /* every rank takes nb x its share of each global batch of 256 rows */
    uint64_t first = 0, share = 0;
    check(genre_mpi_mlp_batch_share(MLP_BATCH, size_, rank_, &first, &share), "batch_share");
    uint64_t mine = rows->n / share, nb = 0;
    MPI_Allreduce(&mine, &nb, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
    genre_mlp *m = NULL;
    const int32_t hidden[2] = {20, 15};
    check(genre_mlp_create(&m), "mlp_create");
    check(genre_mlp_set_hidden_layers(m, hidden, 2), "mlp hidden");
    check(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, MLP_BATCH), "mlp batch");
    check(genre_mlp_set_i64(m, GENRE_MLP_N_CLASSES, N_GENRES), "mlp classes");
    check(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 1), "mlp epochs");
    check(genre_mlp_set_i64(m, GENRE_MLP_SEED, 0), "mlp seed");
    bench_mpi_count kinds[64];
    section_begin(t);
    bench_mpi_count_start();
    check(genre_mpi_mlp_fit(MPI_COMM_WORLD, m, rows->x, (size_t)(nb * share), D, D, rows->y),
          "genre_mpi_mlp_fit");
    size_t n_kinds = bench_mpi_count_stop(kinds, 64);
    section_end(t, "mlp", (double)nb);
    int64_t params = 0;
    check(genre_mlp_get_i64(m, GENRE_MLP_N_PARAMS, &params), "mlp n_params");
    if (rank_ == 0)
        printf("  MLP: %lld parameters, %llu batches of %d rows\n", (long long)params,
               (unsigned long long)nb, MLP_BATCH);
    if (size_ > 1)
        report_bytes("mlp", kinds, n_kinds, nb);
    genre_mlp_free(m);
}

static int worker(int argc, char **argv, const char *path)
{
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return EXIT_FAILURE;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    int cpus = genre_default_threads();
    if (rank_ == 0)
        printf("  %d rank(s), rank 0 may run on %d CPU(s); one thread each\n", size_, cpus);
    struct rows rows = {NULL, NULL, 0, 0};
    struct timing t;
    genre_scaler *sc = work_pass(path, &rows, &t);
    standardize(sc, &rows);
    genre_scaler_free(sc);
    work_kmeans(&rows, &t);
    work_mlp(&rows, &t);
    free(rows.x);
    free(rows.y);
    MPI_Finalize();
    return EXIT_SUCCESS;
}

/* ---- the parent: the table, the two runs, the figures --------------------- */

struct run {
    double pass, kmeans, mlp;      /* max wall over the ranks, s */
    double rows, iters, batches;
    double km_bytes, mlp_bytes;    /* per step, sent by a rank (2 ranks only) */
};

/* The plain table of `rows` rows (generated or reused). */
static void table(size_t rows, char *csv, size_t cap)
{
    char cmd[8192], gz[4096];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/bench/make-large-table.py' --rows %zu",
             GENRE_BENCH_SOURCE_DIR, rows);
    double t0 = genre_bench_now();
    FILE *f = popen(cmd, "r");
    int ok = f && fgets(csv, (int)cap, f) && fgets(gz, (int)sizeof gz, f);
    int rc = f ? pclose(f) : -1;
    if (!ok || rc != 0) {
        fprintf(stderr, "%s: cannot make the table (%s)\n", PROGRAM, cmd);
        exit(EXIT_FAILURE);
    }
    csv[strcspn(csv, "\n")] = 0;
    printf("table %zu rows: %s (ready in %.1f s: generated or reused)\n", rows, csv,
           genre_bench_now() - t0);
}

/* Reads the file once, so both runs find it in the page cache. */
static void warm(const char *path)
{
    double t0 = genre_bench_now();
    int fd = open(path, O_RDONLY);
    static char buf[1 << 20];
    ssize_t got;
    unsigned long long total = 0;
    while (fd >= 0 && (got = read(fd, buf, sizeof buf)) > 0)
        total += (unsigned long long)got;
    if (fd >= 0)
        close(fd);
    printf("read %llu bytes once (page cache) in %.1f s\n", total, genre_bench_now() - t0);
}

/* One mpiexec run of ranks workers; its lines are echoed, its RESULT
 * lines parsed. */
static struct run run_ranks(const char *self, const char *path, int ranks)
{
    char cmd[16384], line[4096];
    snprintf(cmd, sizeof cmd,
             "'%s' --oversubscribe %s--bind-to core --timeout %d -x OPENBLAS_NUM_THREADS "
             "-n %d '%s' --worker '%s' 2>&1",
             GENRE_BENCH_MPIEXEC, geteuid() == 0 ? "--allow-run-as-root " : "",
             RUN_TIMEOUT_S, ranks, self, path);
    printf("%d rank(s): %s\n", ranks, cmd);
    fflush(stdout);
    struct run r;
    memset(&r, 0, sizeof r);
    double t0 = genre_bench_now();
    FILE *f = popen(cmd, "r");
    while (f && fgets(line, sizeof line, f)) {
        char name[64];
        double a = 0, b = 0;
        if (sscanf(line, "RESULT %63s %lf %lf", name, &a, &b) == 3) {
            if (!strcmp(name, "pass"))
                r.pass = a, r.rows = b;
            else if (!strcmp(name, "kmeans"))
                r.kmeans = a, r.iters = b;
            else if (!strcmp(name, "mlp"))
                r.mlp = a, r.batches = b;
            else if (!strcmp(name, "bytes_kmeans"))
                r.km_bytes = a;
            else if (!strcmp(name, "bytes_mlp"))
                r.mlp_bytes = a;
        } else {
            fputs(line, stdout);
        }
    }
    int rc = f ? pclose(f) : -1;
    if (rc != 0 || r.pass <= 0 || r.kmeans <= 0 || r.mlp <= 0) {
        fprintf(stderr, "%s: the %d-rank run failed (status %d)\n", PROGRAM, ranks, rc);
        exit(EXIT_FAILURE);
    }
    printf("%d rank(s): pass %.2f s (%.0f rows), k-means %.2f s (%.0f iterations), MLP epoch "
           "%.2f s (%.0f batches); %.1f s with mpiexec\n",
           ranks, r.pass, r.rows, r.kmeans, r.iters, r.mlp, r.batches,
           genre_bench_now() - t0);
    return r;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--worker") == 0)
        return worker(argc, argv, argv[2]);
    if (argc > 1) {
        fprintf(stderr, "usage: %s (no arguments)\n", PROGRAM);
        return EXIT_FAILURE;
    }
    size_t n_rows = 10000000;
    const char *env = getenv("GENRE_BENCH_MPI_ROWS");
    if (env && (sscanf(env, "%zu", &n_rows) != 1 || n_rows < 2 * MLP_BATCH)) {
        fprintf(stderr, "%s: GENRE_BENCH_MPI_ROWS must be a row count of at least %d\n",
                PROGRAM, 2 * MLP_BATCH);
        return EXIT_FAILURE;
    }
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) {
        fprintf(stderr, "%s: cannot find its own executable: %s\n", PROGRAM, strerror(errno));
        return EXIT_FAILURE;
    }
    self[len] = 0;
    char load[64];
    genre_bench_loadavg(load, sizeof load);
    printf("load average before: %s\n", load);
    printf("%s\n", genre_mpi_build_info());
    if (env)
        printf("note: GENRE_BENCH_MPI_ROWS=%s: a table of %zu rows, not the issue's 10 M\n", env,
               n_rows);
    static char csv[4096];
    table(n_rows, csv, sizeof csv);
    warm(csv);
    /* one OpenBLAS thread per rank; Open MPI's shared-memory transport
     * copies through its segment (containers often forbid cross-memory
     * attach; the caller's setting wins), as tests/mpi/run-mpi.sh */
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
    struct run one = run_ranks(self, csv, 1), two = run_ranks(self, csv, 2);
    genre_bench_loadavg(load, sizeof load);
    printf("load average after: %s\n", load);
    if (two.km_bytes <= 0 || two.mlp_bytes <= 0) {
        fprintf(stderr, "%s: no collective was counted (is the executable's MPI_* exported?)\n",
                PROGRAM);
        return EXIT_FAILURE;
    }
    printf("BENCH mpi_2_ranks_speedup_pass %.2f x\n", one.pass / two.pass);
    printf("BENCH mpi_2_ranks_speedup_kmeans %.2f x\n", one.kmeans / two.kmeans);
    printf("BENCH mpi_mlp_epoch_2_ranks_over_1 %.2f x\n",
           (two.mlp / two.batches) / (one.mlp / one.batches));
    printf("BENCH mpi_kmeans_bytes_per_iteration %.0f B\n", two.km_bytes);
    printf("BENCH mpi_mlp_bytes_per_batch %.0f B\n", two.mlp_bytes);
    return EXIT_SUCCESS;
}
