/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-bench-mpi: the fits of libgenre_mpi on 2 ranks against 1 (issue 20,
 * "Speed"), over the plain 10,000,000-row table genre-bench-scale uses
 * (bench/make-large-table.py, /tmp/genre-scale; generated when absent).
 *
 * Run from the repository root with no arguments. The program reads the
 * table once (so no run finds a colder page cache than another), then
 * launches itself once under mpiexec on 2 ranks (--oversubscribe, --bind-to
 * core, --allow-run-as-root when root, OPENBLAS_NUM_THREADS=1) as
 * `genre-bench-mpi --worker TABLE` (not for users). Each work runs first on
 * 1 rank (rank 0 alone, on MPI_COMM_SELF, while rank 1 sleeps in a
 * barrier), then on both (MPI_COMM_WORLD), so the two measures of a work
 * are seconds apart and a shared machine's load changes less between them.
 * Every rank runs one thread: the fits' N_THREADS are left at 0, which
 * libgenre_mpi reads as one thread per rank, and the range readers get 1
 * thread. The works, in order:
 *
 *   ceiling work that shares nothing (a register-only loop, then a sum
 *           streamed from a 256 MB array per unit), 2 units on 1 rank and
 *           1 on each of 2: the speedup this machine gives two busy cores,
 *           which no fit can beat (printed, not a BENCH line);
 *   pass    rank r of P reads the records that start in bytes [r S / P,
 *           (r + 1) S / P) of the file of S bytes
 *           (genre_dataset_reader_open_range, chunks of 100,000 rows), cleans
 *           them as genre-bench-scale does (blank rows dropped, tempo and
 *           duration_ms filled with the medians of the file's first chunk,
 *           fitted on rank 0 and broadcast; 13 features), keeps them in
 *           memory (an array on transparent huge pages) and adds them to its scaler, PCA and LDA partial states,
 *           then genre_mpi_{scaler,pca,lda}_fit_partial merge the states in
 *           rank order and fit;
 *   kmeans_init  the same k-means stopped after 1 iteration: its
 *           initialisation (the sample, rank 0's k-means++) and one step,
 *           so the 20-iteration figure can be split into those and Lloyd's
 *           other 19 iterations;
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
 * and CPU time (CLOCK_PROCESS_CPUTIME_ID) up to the closing barrier (for
 * the pass, per phase too: passing to the range, reading, cleaning,
 * exporting, the partial states, the merges and fits), and
 * the wall time it spent inside the layer's MPI calls (sending and waiting
 * for the other rank; Open MPI waits by polling, so that is CPU time too).
 * On 2 ranks the collectives libgenre_mpi calls are counted as they happen
 * (bench_mpi_count.c, MPI's profiling interface): the bytes each rank sends
 * per Lloyd iteration and per mini-batch are those of the calls made once
 * per step, as measured; those of the pass are its merges and fits.
 *
 * Lines, last ones last: BENCH mpi_2_ranks_speedup_pass and
 * mpi_2_ranks_speedup_kmeans (x: the 1-rank time over the 2-rank time;
 * goal >= 1.7 on 2 cores), mpi_mlp_epoch_2_ranks_over_1 (x: the 2-rank
 * epoch's time per batch over the 1-rank epoch's; above 1 = slower),
 * mpi_pass_merge_bytes (B sent by a rank in the pass's three merges and
 * fits), mpi_kmeans_bytes_per_iteration and mpi_mlp_bytes_per_batch (B sent
 * by each rank per step; the larger of the two ranks).
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
#include <sys/mman.h>
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
#define RUN_TIMEOUT_S 1140 /* the mpiexec run: the bench stays under 20 minutes */
#define MAX_KINDS 64

static const char *const COLUMNS[D] = {
    "popularity", "acousticness", "danceability", "duration_ms", "energy",
    "instrumentalness", "liveness", "loudness", "speechiness", "tempo",
    "valence", "key", "mode"};

static int rank_, size_ = 1; /* in MPI_COMM_WORLD */

/* ---- the worker: one rank of the mpiexec run ----------------------------- */

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

/* Where a work runs: on rank 0 alone (MPI_COMM_SELF) or on every rank. */
struct job {
    MPI_Comm comm;
    int rank, size;
};

/* A barrier of every rank that sleeps while it waits (the rank that waits
 * for rank 0's 1-rank work leaves its core to others). */
static void idle_barrier(void)
{
    MPI_Request req;
    int done = 0;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    while (MPI_Test(&req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
}

/* A timed work: between two barriers of the job's ranks. */
struct timing {
    double t0, c0;
    bench_mpi_count kinds[MAX_KINDS];
    size_t n_kinds;
    double in_mpi;
};

static void section_begin(const struct job *j, struct timing *t)
{
    MPI_Barrier(j->comm);
    t->t0 = genre_bench_now();
    t->c0 = cpu_now();
    bench_mpi_count_start();
}

/* Ends the work; prints each rank's own wall, CPU and MPI time through
 * rank 0, and "RESULT <name>_<P> <max wall> <extra>" for the parent. */
static void section_end(const struct job *j, struct timing *t, const char *name, double extra)
{
    t->n_kinds = bench_mpi_count_stop(t->kinds, MAX_KINDS, &t->in_mpi);
    double mine[3] = {genre_bench_now() - t->t0, cpu_now() - t->c0, t->in_mpi};
    MPI_Barrier(j->comm);
    double wall = genre_bench_now() - t->t0, max_wall = 0, all[3 * 64] = {0};
    MPI_Reduce(&wall, &max_wall, 1, MPI_DOUBLE, MPI_MAX, 0, j->comm);
    MPI_Gather(mine, 3, MPI_DOUBLE, all, 3, MPI_DOUBLE, 0, j->comm);
    if (j->rank == 0) {
        for (int r = 0; r < j->size && r < 64; r++)
            printf("  %s on %d rank(s), rank %d: %.2f s own wall, %.2f s CPU, %.2f s in the "
                   "layer's MPI calls\n",
                   name, j->size, r, all[3 * r], all[3 * r + 1], all[3 * r + 2]);
        printf("RESULT %s_%d %.6f %.0f\n", name, j->size, max_wall, extra);
        fflush(stdout);
    }
}

/* The calls counted in a work on several ranks, rank by rank, and
 * "RESULT bytes_<name> <B> <steps>": the bytes per step of the rank that
 * sends most, a step's calls being those made at least `steps` times
 * (steps 0: every call, the whole work). */
static void report_bytes(const struct job *j, const struct timing *t, const char *name,
                         uint64_t steps)
{
    uint64_t per_step = 0, total = 0;
    char line[2048];
    size_t at = 0;
    line[0] = 0;
    for (size_t i = 0; i < t->n_kinds; i++) {
        const bench_mpi_count *k = &t->kinds[i];
        total += k->bytes * k->calls;
        if (steps && k->calls >= steps)
            per_step += k->bytes;
        if (at < sizeof line)
            at += (size_t)snprintf(line + at, sizeof line - at, "%s%s %llu B x %llu",
                                   i ? ", " : "", k->call, (unsigned long long)k->bytes,
                                   (unsigned long long)k->calls);
    }
    if (!steps)
        per_step = total;
    uint64_t most = 0;
    MPI_Reduce(&per_step, &most, 1, MPI_UINT64_T, MPI_MAX, 0, j->comm);
    for (int r = 0; r < j->size; r++) { /* in rank order */
        if (r == j->rank) {
            printf("  %s, rank %d sent: %s (%llu B in all", name, r,
                   t->n_kinds ? line : "nothing counted", (unsigned long long)total);
            if (steps)
                printf(", %llu B per step", (unsigned long long)per_step);
            printf(")\n");
        }
        fflush(stdout);
        MPI_Barrier(j->comm);
    }
    if (j->rank == 0) {
        printf("RESULT bytes_%s %llu %llu\n", name, (unsigned long long)most,
               (unsigned long long)steps);
        fflush(stdout);
    }
}

/* The pass's phases on one rank: wall and CPU seconds of each, so a rank
 * that waits (or a step only one rank does) shows where the 2-rank pass
 * loses against half the 1-rank one. */
enum { PH_OPEN, PH_READ, PH_CLEAN, PH_EXPORT, PH_STATES, PH_MERGE, PH_N };
static const char *const PH_NAME[PH_N] = {"open (pass to the range)", "read", "clean",
                                          "export", "partial states", "merges and fits"};
struct phases {
    double wall[PH_N], cpu[PH_N], w0, c0;
};

static void phase_mark(struct phases *ph)
{
    ph->w0 = genre_bench_now();
    ph->c0 = cpu_now();
}

/* Adds the time since the last mark to phase i and marks again. */
static void phase_add(struct phases *ph, int i)
{
    const double w = genre_bench_now(), c = cpu_now();
    ph->wall[i] += w - ph->w0;
    ph->cpu[i] += c - ph->c0;
    ph->w0 = w;
    ph->c0 = c;
}

/* Rank 0 prints every rank's phases, one line per rank. */
static void phases_report(const struct job *j, const struct phases *ph, const char *name)
{
    double mine[2 * PH_N], all[2 * PH_N * 64] = {0};
    memcpy(mine, ph->wall, sizeof ph->wall);
    memcpy(mine + PH_N, ph->cpu, sizeof ph->cpu);
    MPI_Gather(mine, 2 * PH_N, MPI_DOUBLE, all, 2 * PH_N, MPI_DOUBLE, 0, j->comm);
    if (j->rank != 0)
        return;
    for (int r = 0; r < j->size && r < 64; r++) {
        printf("  %s on %d rank(s), rank %d, phases (wall/CPU s):", name, j->size, r);
        for (int i = 0; i < PH_N; i++)
            printf("%s %s %.2f/%.2f", i ? "," : "", PH_NAME[i], all[2 * PH_N * r + i],
                   all[2 * PH_N * r + PH_N + i]);
        printf("\n");
    }
    fflush(stdout);
}

/* A rank's cleaned rows, kept for the k-means and the MLP. */
struct rows {
    double *x;
    int32_t *y;
    size_t n, cap;
};

/* The first reservation is aligned to 2 MiB and asks for transparent huge
 * pages (the kernel's "madvise" mode gives none otherwise): the rows' first
 * touch then costs a fault per 2 MiB, not per 4 KiB page, on 1 rank and 2
 * alike. */
static double *rows_first_alloc(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    void *p = NULL;
    bytes = (bytes + huge - 1) / huge * huge;
    if (posix_memalign(&p, huge, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE); /* advice: failure only costs speed */
#endif
    return p;
}

static void rows_reserve(struct rows *r, size_t n)
{
    if (n <= r->cap)
        return;
    size_t cap = r->cap * 2 > n ? r->cap * 2 : n;
    double *x = r->x ? realloc(r->x, cap * D * sizeof *x)
                     : rows_first_alloc(cap * D * sizeof *x);
    if (x)
        r->x = x;
    int32_t *y = x ? realloc(r->y, cap * sizeof *y) : NULL;
    if (!x || !y) {
        fprintf(stderr, "%s: rank %d: no memory for %zu rows\n", PROGRAM, rank_, cap);
        MPI_Abort(MPI_COMM_WORLD, 1);
        exit(EXIT_FAILURE);
    }
    r->y = y, r->cap = cap;
}

/* The preparation of the file's first chunk: fitted on the job's rank 0,
 * its saved bytes broadcast; every rank calls this after reading its first
 * chunk (so the others read theirs meanwhile). */
static genre_dataset_prep *shared_prep(const struct job *j, genre_dataset_schema *schema,
                                       genre_dataset *first)
{
    genre_dataset_prep *prep = NULL;
    uint64_t len = 0;
    unsigned char *buf = NULL;
    if (j->rank == 0) {
        check(genre_dataset_prep_create(&prep, schema), "prep_create");
        check(genre_dataset_prep_add_impute(prep, "duration_ms", GENRE_IMPUTE_MEDIAN),
              "prep_add_impute");
        check(genre_dataset_prep_add_impute(prep, "tempo", GENRE_IMPUTE_MEDIAN),
              "prep_add_impute");
        check(genre_dataset_prep_fit_apply(prep, first), "prep_fit_apply");
        size_t n = 0;
        genre_dataset_prep_save_to_memory(prep, NULL, 0, &n);
        if (!(buf = malloc(n ? n : 1)))
            fail("no memory");
        check(genre_dataset_prep_save_to_memory(prep, buf, n, &n), "prep_save");
        len = n;
    }
    MPI_Bcast(&len, 1, MPI_UINT64_T, 0, j->comm);
    if (j->rank != 0 && !(buf = malloc(len ? len : 1)))
        fail("no memory");
    MPI_Bcast(buf, (int)len, MPI_BYTE, 0, j->comm);
    if (j->rank != 0) {
        check(genre_dataset_prep_load_from_memory(&prep, buf, (size_t)len), "prep_load");
        check(genre_dataset_prep_apply(prep, first), "prep_apply");
    }
    free(buf);
    return prep;
}

/* The pass: the rank's byte range into rows and partial states, then the
 * distributed fits. Returns the scaler fitted over the job's rows. */
static genre_scaler *work_pass(const struct job *j, const char *path, struct rows *rows)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        perror(path);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    const uint64_t size = (uint64_t)sb.st_size, p = (uint64_t)j->size, r = (uint64_t)j->rank;
    const uint64_t begin = size / p * r, end = r + 1 == p ? size : size / p * (r + 1);
    /* about 147 bytes a row: reserve (pages not touched cost nothing) */
    rows_reserve(rows, (size_t)((end - begin) / 100 + CHUNK));
    struct timing t;
    section_begin(j, &t);
    bench_mpi_count_stop(NULL, 0, NULL); /* only the merges and fits are counted */
    struct phases ph;
    memset(&ph, 0, sizeof ph);
    phase_mark(&ph);
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
    phase_add(&ph, PH_OPEN);
    for (;;) {
        check(genre_dataset_reader_next_into(reader, CHUNK, &ds), "reader_next_into");
        phase_add(&ph, PH_READ);
        if (!ds)
            break;
        check(genre_dataset_drop_empty_rows(ds), "drop_empty_rows");
        if (!prep)
            prep = shared_prep(j, schema, ds);
        else
            check(genre_dataset_prep_apply(prep, ds), "prep_apply");
        phase_add(&ph, PH_CLEAN);
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
        phase_add(&ph, PH_EXPORT);
        check(genre_scaler_partial_add(sp, x, n, D, D), "scaler_partial_add");
        check(genre_pca_partial_add(pp, x, n, D, D), "pca_partial_add");
        check(genre_lda_partial_add(lp, x, n, D, D, y), "lda_partial_add");
        phase_add(&ph, PH_STATES);
        rows->n += n;
    }
    if (!prep)
        fail("this rank's range holds no rows");
    genre_scaler *sc = NULL;
    genre_pca *pca = NULL;
    genre_lda *lda = NULL;
    check(genre_scaler_create(&sc), "scaler_create");
    check(genre_pca_create(&pca), "pca_create");
    check(genre_lda_create(&lda), "lda_create");
    bench_mpi_count_start();
    check(genre_mpi_scaler_fit_partial(j->comm, sc, sp), "genre_mpi_scaler_fit_partial");
    check(genre_mpi_pca_fit_partial(j->comm, pca, pp), "genre_mpi_pca_fit_partial");
    check(genre_mpi_lda_fit_partial(j->comm, lda, lp), "genre_mpi_lda_fit_partial");
    uint64_t mine = rows->n, total = 0;
    PMPI_Allreduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, j->comm); /* not counted */
    phase_add(&ph, PH_MERGE);
    section_end(j, &t, "pass", (double)total);
    phases_report(j, &ph, "pass");
    if (j->size > 1)
        report_bytes(j, &t, "pass", 0);
    genre_pca_free(pca), genre_lda_free(lda);
    genre_scaler_partial_free(sp), genre_pca_partial_free(pp), genre_lda_partial_free(lp);
    genre_dataset_free(ds), genre_dataset_prep_free(prep), genre_dataset_reader_free(reader);
    genre_dataset_schema_free(schema);
    return sc;
}

/* ---- the machine's own ceiling -------------------------------------------
 * The same work split as the fits split theirs (2 units on 1 rank, 1 unit
 * on each of 2 ranks), but work that shares nothing: no file, no MPI, no
 * serial step. What it gains on 2 ranks is what this machine gives two
 * busy cores (its clocks, shared caches, memory bandwidth, a host that may
 * put both vCPUs on one physical core); the fits cannot beat it. */
#define CEIL_STREAM_DOUBLES (32u << 20) /* 256 MB a unit: a rank's rows are 520 MB */
#define CEIL_STREAM_REPS 8
#define CEIL_COMPUTE_ITERS 400000000ull

/* Dependent multiply-adds and integer mixes: registers only. */
static double ceiling_compute(uint64_t iters)
{
    double a = 1.0, b = 0.999999;
    uint64_t z = 1;
    for (uint64_t i = 0; i < iters; i++) {
        a = a * b + 1e-9;
        z = (z ^ (z >> 29)) * 0xbf58476d1ce4e5b9ULL + i;
    }
    return a + (double)(z & 1);
}

/* Sums n doubles reps times: a stream from memory, as a Lloyd iteration. */
static double ceiling_stream(const double *v, size_t n, int reps)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int r = 0; r < reps; r++)
        for (size_t i = 0; i + 4 <= n; i += 4) {
            s0 += v[i];
            s1 += v[i + 1];
            s2 += v[i + 2];
            s3 += v[i + 3];
        }
    return s0 + s1 + s2 + s3;
}

static void work_ceiling(const struct job *j)
{
    const int units = j->size == 1 ? 2 : 1;
    const size_t n = (size_t)units * CEIL_STREAM_DOUBLES;
    double *v = malloc(n * sizeof *v);
    if (!v)
        fail("no memory for the ceiling's array");
    for (size_t i = 0; i < n; i++) /* touched before the clock starts */
        v[i] = (double)(i & 1023);
    struct timing t;
    section_begin(j, &t);
    volatile double sink = ceiling_compute((uint64_t)units * CEIL_COMPUTE_ITERS);
    section_end(j, &t, "ceiling_compute", 0);
    section_begin(j, &t);
    sink += ceiling_stream(v, n, CEIL_STREAM_REPS);
    section_end(j, &t, "ceiling_stream", 0);
    (void)sink;
    free(v);
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

/* One distributed k-means of at most max_iter Lloyd iterations, timed as
 * `name`. With max_iter 1 it is the initialisation (the sample, its
 * gather, k-means++ on rank 0, the centers' broadcast) and one iteration:
 * the part of the 20-iteration fit that is not Lloyd's. */
static void work_kmeans(const struct job *j, const struct rows *rows, int64_t max_iter,
                        const char *name)
{
    genre_kmeans *km = NULL;
    check(genre_kmeans_create(&km), "kmeans_create");
    check(genre_kmeans_set_i64(km, GENRE_KMEANS_K, KM_K), "kmeans K");
    check(genre_kmeans_set_i64(km, GENRE_KMEANS_MAX_ITER, max_iter), "kmeans max_iter");
    check(genre_kmeans_set_f64(km, GENRE_KMEANS_TOL, 0.0), "kmeans tol");
    check(genre_kmeans_set_i64(km, GENRE_KMEANS_SEED, 0), "kmeans seed");
    struct timing t;
    section_begin(j, &t);
    check(genre_mpi_kmeans_fit(j->comm, km, rows->x, rows->n, D, D, NULL),
          "genre_mpi_kmeans_fit");
    int64_t iters = 0;
    check(genre_kmeans_get_i64(km, GENRE_KMEANS_N_ITER, &iters), "kmeans n_iter");
    section_end(j, &t, name, (double)iters);
    if (j->size > 1 && max_iter > 1)
        report_bytes(j, &t, name, (uint64_t)iters);
    genre_kmeans_free(km);
}

static void work_mlp(const struct job *j, const struct rows *rows)
{
    /* every rank takes nb x its share of each global batch of 256 rows */
    uint64_t first = 0, share = 0;
    check(genre_mpi_mlp_batch_share(MLP_BATCH, j->size, j->rank, &first, &share),
          "batch_share");
    uint64_t mine = rows->n / share, nb = 0;
    MPI_Allreduce(&mine, &nb, 1, MPI_UINT64_T, MPI_MIN, j->comm);
    genre_mlp *m = NULL;
    const int32_t hidden[2] = {20, 15};
    check(genre_mlp_create(&m), "mlp_create");
    check(genre_mlp_set_hidden_layers(m, hidden, 2), "mlp hidden");
    check(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, MLP_BATCH), "mlp batch");
    check(genre_mlp_set_i64(m, GENRE_MLP_N_CLASSES, N_GENRES), "mlp classes");
    check(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 1), "mlp epochs");
    check(genre_mlp_set_i64(m, GENRE_MLP_SEED, 0), "mlp seed");
    struct timing t;
    section_begin(j, &t);
    check(genre_mpi_mlp_fit(j->comm, m, rows->x, (size_t)(nb * share), D, D, rows->y),
          "genre_mpi_mlp_fit");
    section_end(j, &t, "mlp", (double)nb);
    int64_t params = 0;
    check(genre_mlp_get_i64(m, GENRE_MLP_N_PARAMS, &params), "mlp n_params");
    if (j->rank == 0)
        printf("  MLP on %d rank(s): %lld parameters, %llu batches of %d rows\n", j->size,
               (long long)params, (unsigned long long)nb, MLP_BATCH);
    if (j->size > 1)
        report_bytes(j, &t, "mlp", nb);
    genre_mlp_free(m);
}

static int worker(int argc, char **argv, const char *path)
{
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return EXIT_FAILURE;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    const struct job solo = {MPI_COMM_SELF, 0, 1}, all = {MPI_COMM_WORLD, rank_, size_};
    int cpus = genre_default_threads(), most = 0;
    MPI_Reduce(&cpus, &most, 1, MPI_INT, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank_ == 0)
        printf("  %d ranks, each bound to %d CPU(s) at most; one thread each\n", size_, most);
    /* rank 0 alone holds the whole table for the 1-rank works */
    if (rank_ == 0)
        work_ceiling(&solo);
    idle_barrier();
    work_ceiling(&all);
    struct rows one = {NULL, NULL, 0, 0}, mine = {NULL, NULL, 0, 0};
    genre_scaler *sc_one = NULL, *sc = NULL;
    if (rank_ == 0)
        sc_one = work_pass(&solo, path, &one);
    idle_barrier();
    sc = work_pass(&all, path, &mine);
    if (rank_ == 0)
        standardize(sc_one, &one);
    standardize(sc, &mine);
    genre_scaler_free(sc_one), genre_scaler_free(sc);
    if (rank_ == 0)
        work_kmeans(&solo, &one, 1, "kmeans_init");
    idle_barrier();
    work_kmeans(&all, &mine, 1, "kmeans_init");
    if (rank_ == 0)
        work_kmeans(&solo, &one, KM_ITER, "kmeans");
    idle_barrier();
    work_kmeans(&all, &mine, KM_ITER, "kmeans");
    if (rank_ == 0)
        work_mlp(&solo, &one);
    idle_barrier();
    work_mlp(&all, &mine);
    free(one.x), free(one.y), free(mine.x), free(mine.y);
    MPI_Finalize();
    return EXIT_SUCCESS;
}

/* ---- the parent: the table, the run, the figures -------------------------- */

struct figures {
    double pass[3], kmeans[3], mlp[3]; /* [P]: max wall over the ranks, s */
    double km_init[3]; /* the initialisation and one Lloyd iteration */
    double ceil_compute[3], ceil_stream[3]; /* the machine's ceiling */
    double rows[3], iters[3], batches[3];
    double km_bytes, mlp_bytes, pass_bytes; /* sent by a rank (2 ranks) */
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

/* Reads the file once, so every run finds it in the page cache. */
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

/* The mpiexec run; its lines are echoed, its RESULT lines parsed. */
static struct figures run(const char *self, const char *path)
{
    char cmd[16384], line[4096];
    snprintf(cmd, sizeof cmd,
             "'%s' --oversubscribe %s--bind-to core --timeout %d -x OPENBLAS_NUM_THREADS "
             "-n 2 '%s' --worker '%s' 2>&1",
             GENRE_BENCH_MPIEXEC, geteuid() == 0 ? "--allow-run-as-root " : "",
             RUN_TIMEOUT_S, self, path);
    printf("%s\n", cmd);
    fflush(stdout);
    struct figures r;
    memset(&r, 0, sizeof r);
    double t0 = genre_bench_now();
    FILE *f = popen(cmd, "r");
    while (f && fgets(line, sizeof line, f)) {
        char name[64];
        double a = 0, b = 0;
        int p = 0;
        if (sscanf(line, "RESULT ceiling_compute_%d %lf", &p, &a) == 2 && (p == 1 || p == 2))
            r.ceil_compute[p] = a;
        else if (sscanf(line, "RESULT ceiling_stream_%d %lf", &p, &a) == 2 && (p == 1 || p == 2))
            r.ceil_stream[p] = a;
        else if (sscanf(line, "RESULT pass_%d %lf %lf", &p, &a, &b) == 3 && (p == 1 || p == 2))
            r.pass[p] = a, r.rows[p] = b;
        else if (sscanf(line, "RESULT kmeans_init_%d %lf %lf", &p, &a, &b) == 3 &&
                 (p == 1 || p == 2))
            r.km_init[p] = a;
        else if (sscanf(line, "RESULT kmeans_%d %lf %lf", &p, &a, &b) == 3 && (p == 1 || p == 2))
            r.kmeans[p] = a, r.iters[p] = b;
        else if (sscanf(line, "RESULT mlp_%d %lf %lf", &p, &a, &b) == 3 && (p == 1 || p == 2))
            r.mlp[p] = a, r.batches[p] = b;
        else if (sscanf(line, "RESULT %63s %lf %lf", name, &a, &b) == 3)
            *(strcmp(name, "bytes_kmeans") == 0 ? &r.km_bytes
              : strcmp(name, "bytes_mlp") == 0  ? &r.mlp_bytes
                                                : &r.pass_bytes) = a;
        else
            fputs(line, stdout);
    }
    int rc = f ? pclose(f) : -1;
    for (int p = 1; p <= 2; p++)
        if (rc != 0 || r.pass[p] <= 0 || r.kmeans[p] <= 0 || r.mlp[p] <= 0) {
            fprintf(stderr, "%s: the mpiexec run failed (status %d)\n", PROGRAM, rc);
            exit(EXIT_FAILURE);
        }
    for (int p = 1; p <= 2; p++)
        printf("%d rank(s): pass %.2f s (%.0f rows), k-means %.2f s (%.0f iterations; the "
               "initialisation and 1 iteration alone %.2f s), MLP epoch %.2f s (%.0f batches)\n",
               p, r.pass[p], r.rows[p], r.kmeans[p], r.iters[p], r.km_init[p], r.mlp[p],
               r.batches[p]);
    printf("the mpiexec run took %.1f s\n", genre_bench_now() - t0);
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
    if (env && (sscanf(env, "%zu", &n_rows) != 1 || n_rows < 4 * MLP_BATCH)) {
        fprintf(stderr, "%s: GENRE_BENCH_MPI_ROWS must be a row count of at least %d\n",
                PROGRAM, 4 * MLP_BATCH);
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
    struct figures r = run(self, csv);
    genre_bench_loadavg(load, sizeof load);
    printf("load average after: %s\n", load);
    if (r.km_bytes <= 0 || r.mlp_bytes <= 0 || r.pass_bytes <= 0) {
        fprintf(stderr, "%s: no collective was counted (is the executable's MPI_* exported?)\n",
                PROGRAM);
        return EXIT_FAILURE;
    }
    if (r.ceil_compute[2] > 0 && r.ceil_stream[2] > 0)
        printf("the machine's ceiling (2 units of work on 1 rank against 1 on each of 2): "
               "registers only %.2f x (%.2f s, %.2f s), a memory stream %.2f x (%.2f s, %.2f s)\n",
               r.ceil_compute[1] / r.ceil_compute[2], r.ceil_compute[1], r.ceil_compute[2],
               r.ceil_stream[1] / r.ceil_stream[2], r.ceil_stream[1], r.ceil_stream[2]);
    /* the 19 iterations after the first, without the initialisation */
    printf("k-means, iterations 2-%d alone: 1 rank %.2f s, 2 ranks %.2f s (%.2f x)\n", KM_ITER,
           r.kmeans[1] - r.km_init[1], r.kmeans[2] - r.km_init[2],
           (r.kmeans[1] - r.km_init[1]) / (r.kmeans[2] - r.km_init[2]));
    printf("BENCH mpi_2_ranks_speedup_pass %.2f x\n", r.pass[1] / r.pass[2]);
    printf("BENCH mpi_2_ranks_speedup_kmeans %.2f x\n", r.kmeans[1] / r.kmeans[2]);
    printf("BENCH mpi_mlp_epoch_2_ranks_over_1 %.2f x\n",
           (r.mlp[2] / r.batches[2]) / (r.mlp[1] / r.batches[1]));
    printf("BENCH mpi_pass_merge_bytes %.0f B\n", r.pass_bytes);
    printf("BENCH mpi_kmeans_bytes_per_iteration %.0f B\n", r.km_bytes);
    printf("BENCH mpi_mlp_bytes_per_batch %.0f B\n", r.mlp_bytes);
    return EXIT_SUCCESS;
}
