/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-bench-mlp: the three reference MLPs of issue 6 (ReLU, softmax +
 * cross-entropy, Adam lr 0.01, batch 256) fit on the 45,000 training rows of
 * the frozen split (tests/fixtures/real_split.csv.gz; 11 continuous features
 * standardized with the training mean/std, key and mode codes):
 *   13-20-15-10 x 125 epochs on all 13 features,
 *   3-15-10 x 100 epochs and 2-15-10 x 150 epochs on the LDA 3-D / 2-D
 *   projections (genre_lda fit once here on the training rows; PyTorch gets
 *   the same projected rows through a temporary file),
 * each with libgenre and PyTorch (Debian's python3-torch,
 * bench/bench_mlp_torch.py, float64 like libgenre; float32 too for the
 * 13-feature model) in the same run, at the same thread count; and the
 * 13-feature model with FANN (Debian's libdoublefann).
 *
 * Also keeps the measurement behind GENRE_MLP_KERNEL_AUTO: the same fit with
 * libgenre's own dense loops (what AUTO uses) and with CBLAS (OpenBLAS).
 * libgenre's times are the median of 3 fits; PyTorch's and FANN's are one
 * run each (they take 5-15 s).
 *
 * Threads: libgenre's MLP runs on GENRE_BENCH_THREADS threads (default 2;
 * GENRE_MLP_N_THREADS, data-parallel mini-batches) and PyTorch on the same
 * count (torch.set_num_threads()); the 13-feature model is also run with
 * both on 1 thread. OpenBLAS is held to OPENBLAS_NUM_THREADS (default 1,
 * set before OpenBLAS loads by re-executing this program): the built-in
 * kernels do not use it, and the CBLAS-kernel fit runs on 1 thread.
 *
 * Also times genre_mlp_fit_csr on a synthetic wide sparse input (run_csr),
 * lazy against exact first-layer updates (no peer).
 *
 * Float mode (GENRE_MLP_PRECISION_FLOAT, 0.3): the 13-feature model is also
 * fit with libgenre in float32 (mixed precision) on GENRE_BENCH_THREADS and
 * on 1 thread, against PyTorch float32 on the same thread counts
 * (mlp_fit_float32_vs_torch_float32, _1thread); the float64 lines keep
 * their meaning (mlp_fit_vs_torch is libgenre double vs PyTorch float64).
 *
 * GENRE_BENCH_MLP_QUICK=1: only libgenre's 13-feature fit, double and
 * float, on GENRE_BENCH_THREADS and on 1 thread, interleaved, best and
 * median of 5 each.
 *
 * Run from the repository root without arguments. A missing peer is
 * reported as missing, never replaced by a number.
 */
#include <genre/genre.h>

#include "bench_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#ifdef GENRE_BENCH_HAVE_FANN
#include <doublefann.h>
#endif

#define D 13
#define K 10
#define EPOCHS 125 /* the 13-feature model */

static int64_t g_threads = 2; /* GENRE_MLP_N_THREADS of the libgenre fits */
static int64_t g_precision = GENRE_MLP_PRECISION_DOUBLE; /* GENRE_MLP_PRECISION of them */

typedef struct data {
    size_t n[2];      /* train, test */
    double *x[2];
    int32_t *y[2];
} data;

static int read_split(const char *path, data *s)
{
    gzFile f = gzopen(path, "rb");
    if (!f)
        return -1;
    for (int t = 0; t < 2; t++) {
        s->n[t] = 0;
        s->x[t] = malloc(50000 * D * sizeof(double));
        s->y[t] = malloc(50000 * sizeof(int32_t));
        if (!s->x[t] || !s->y[t])
            return -1;
    }
    char line[1024];
    if (!gzgets(f, line, sizeof line))
        return -1;
    while (gzgets(f, line, sizeof line)) {
        char *end;
        long set = strtol(line, &end, 10);
        long label = strtol(end + 1, &end, 10);
        if (set < 0 || set > 1 || s->n[set] >= 50000 || label < 0 || label >= K)
            return -1;
        double *row = s->x[set] + s->n[set] * D;
        for (size_t j = 0; j < D; j++)
            row[j] = strtod(end + 1, &end);
        s->y[set][s->n[set]++] = (int32_t)label;
    }
    gzclose(f);
    /* standardize the 11 continuous columns (not key 6, mode 9) on train */
    for (size_t j = 0; j < D; j++) {
        if (j == 6 || j == 9)
            continue;
        double mean = 0.0, var = 0.0;
        for (size_t i = 0; i < s->n[0]; i++)
            mean += s->x[0][i * D + j];
        mean /= (double)s->n[0];
        for (size_t i = 0; i < s->n[0]; i++)
            var += (s->x[0][i * D + j] - mean) * (s->x[0][i * D + j] - mean);
        double sd = sqrt(var / (double)s->n[0]);
        for (int t = 0; t < 2; t++)
            for (size_t i = 0; i < s->n[t]; i++)
                s->x[t][i * D + j] = (s->x[t][i * D + j] - mean) / sd;
    }
    return s->n[0] == 45000 && s->n[1] == 5000 ? 0 : -1;
}

static int scores(const data *s, const double *proba, double *auc, double *acc)
{
    int32_t *pred = malloc(s->n[1] * sizeof *pred);
    if (!pred)
        return -1;
    for (size_t i = 0; i < s->n[1]; i++) {
        size_t b = 0;
        for (size_t j = 1; j < K; j++)
            if (proba[i * K + j] > proba[i * K + b])
                b = j;
        pred[i] = (int32_t)b;
    }
    int bad = genre_metrics_roc_auc_ovr(s->y[1], proba, s->n[1], K, K,
                                        GENRE_METRICS_AVERAGE_MACRO, auc) != GENRE_OK ||
              genre_metrics_accuracy(s->y[1], pred, s->n[1], acc) != GENRE_OK;
    free(pred);
    return bad ? -1 : 0;
}

/* One row of the reference table: input (train, test) of d columns. */
typedef struct row {
    const char *name, *layers, *hidden_arg;
    size_t d, n_hidden;
    int32_t hidden[2];
    int epochs;
    const double *x[2];
} row;

/* Fits libgenre with a given dense kernel; returns seconds (< 0 on failure). */
static double fit_genre(const data *s, const row *rw, int64_t kernel, double *auc,
                        double *acc)
{
    genre_mlp *m = NULL;
    double t = -1.0;
    double *p = malloc(s->n[1] * K * sizeof *p);
    if (p && genre_mlp_create(&m) == GENRE_OK &&
        genre_mlp_set_hidden_layers(m, rw->hidden, rw->n_hidden) == GENRE_OK &&
        genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.01) == GENRE_OK &&
        genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, 256) == GENRE_OK &&
        genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, rw->epochs) == GENRE_OK &&
        genre_mlp_set_i64(m, GENRE_MLP_SEED, 20261125) == GENRE_OK &&
        genre_mlp_set_i64(m, GENRE_MLP_DENSE_KERNEL, kernel) == GENRE_OK &&
        genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, g_threads) == GENRE_OK &&
        genre_mlp_set_i64(m, GENRE_MLP_PRECISION, g_precision) == GENRE_OK) {
        double t0 = genre_bench_now();
        if (genre_mlp_fit(m, rw->x[0], s->n[0], rw->d, rw->d, s->y[0], NULL, 0, 0, NULL) ==
            GENRE_OK)
            t = genre_bench_now() - t0;
        if (t >= 0 && (genre_mlp_predict_proba(m, rw->x[1], s->n[1], rw->d, rw->d, p,
                                               s->n[1] * K, NULL) != GENRE_OK ||
                       scores(s, p, auc, acc) != 0))
            t = -1.0;
    }
    if (t < 0)
        fprintf(stderr, "libgenre failed: %s\n", genre_last_error());
    genre_mlp_free(m);
    free(p);
    return t;
}

/* libgenre's fits are short and the machine may be shared: the median of
 * GENRE_REPS fits (equal seeds give equal models, so equal scores). */
#define GENRE_REPS 3
static double run_genre(const data *s, const row *rw, int64_t kernel, double *auc,
                        double *acc)
{
    double t[GENRE_REPS];
    for (int i = 0; i < GENRE_REPS; i++) {
        t[i] = fit_genre(s, rw, kernel, auc, acc);
        if (t[i] < 0)
            return -1.0;
    }
    genre_bench_sort(t, GENRE_REPS);
    return t[GENRE_REPS / 2];
}

/* The LDA projection of both sets on `dims` discriminants (fit on train). */
static int lda_project(const data *s, size_t dims, double *out[2])
{
    genre_lda *l = NULL;
    int bad = genre_lda_create(&l) != GENRE_OK ||
              genre_lda_set_i64(l, GENRE_LDA_N_COMPONENTS, (int64_t)dims) != GENRE_OK ||
              genre_lda_fit(l, s->x[0], s->n[0], D, D, s->y[0]) != GENRE_OK;
    for (int t = 0; t < 2 && !bad; t++) {
        out[t] = malloc(s->n[t] * dims * sizeof(double));
        bad = !out[t] || genre_lda_transform(l, s->x[t], s->n[t], D, D, out[t],
                                             s->n[t] * dims, NULL) != GENRE_OK;
    }
    genre_lda_free(l);
    return bad ? -1 : 0;
}

/* Writes both sets of a row as CSV (set,label,features) for PyTorch. */
static int write_prepared(const data *s, const row *rw, char *path, size_t cap)
{
    snprintf(path, cap, "/tmp/genre-bench-mlp-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return -1;
    }
    fprintf(f, "set,label");
    for (size_t j = 0; j < rw->d; j++)
        fprintf(f, ",f%zu", j);
    fprintf(f, "\n");
    for (int t = 0; t < 2; t++)
        for (size_t i = 0; i < s->n[t]; i++) {
            fprintf(f, "%d,%d", t, (int)s->y[t][i]);
            for (size_t j = 0; j < rw->d; j++)
                fprintf(f, ",%.17g", rw->x[t][i * rw->d + j]);
            fprintf(f, "\n");
        }
    return fclose(f) == 0 ? 0 : -1;
}

#ifdef GENRE_BENCH_HAVE_FANN
/* FANN: same layers (tanh-like hidden, sigmoid outputs, FANN's MSE),
 * incremental training as the peer, 125 epochs. */
static double run_fann(const data *s, double *auc, double *acc)
{
    struct fann *ann = fann_create_standard(4, D, 20, 15, K);
    struct fann_train_data *td = fann_create_train(s->n[0], D, K);
    double *p = malloc(s->n[1] * K * sizeof *p);
    if (!ann || !td || !p)
        return -1.0;
    for (size_t i = 0; i < s->n[0]; i++) {
        for (size_t j = 0; j < D; j++)
            td->input[i][j] = s->x[0][i * D + j];
        for (size_t j = 0; j < K; j++)
            td->output[i][j] = (int32_t)j == s->y[0][i] ? 1.0 : 0.0;
    }
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_SIGMOID);
    fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
    fann_set_learning_rate(ann, 0.01f);
    fann_set_learning_momentum(ann, 0.9f);
    fann_randomize_weights(ann, -0.3, 0.3);
    fann_shuffle_train_data(td); /* FANN uses rand(); the bench seeds nothing */
    double t0 = genre_bench_now();
    for (int e = 0; e < EPOCHS; e++) {
        fann_shuffle_train_data(td);
        fann_train_epoch(ann, td);
    }
    double t = genre_bench_now() - t0;
    printf("fann: %u connections (params)\n", fann_get_total_connections(ann));
    for (size_t i = 0; i < s->n[1]; i++) {
        double in[D];
        memcpy(in, s->x[1] + i * D, sizeof in);
        const double *o = fann_run(ann, in);
        memcpy(p + i * K, o, K * sizeof *p);
    }
    int bad = scores(s, p, auc, acc);
    free(p);
    fann_destroy_train(td);
    fann_destroy(ann);
    return bad ? -1.0 : t;
}
#endif

/* PyTorch on a row: the 13-feature row reads the split itself (and
 * standardizes it as read_split() does); the LDA rows read the bench's own
 * projection from `prepared`. */
static double run_torch(const char *threads, const row *rw, const char *prepared,
                        const char *dtype, double *auc, double *acc)
{
    if (access("/usr/bin/python3", X_OK) != 0)
        return -1.0;
    char cmd[768];
    if (prepared)
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 bench/bench_mlp_torch.py --prepared %s %s %d %s %s 2>&1",
                 prepared, threads, rw->epochs, dtype, rw->hidden_arg);
    else
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 bench/bench_mlp_torch.py tests/fixtures/real_split.csv.gz "
                 "%s %d %s 2>&1",
                 threads, rw->epochs, dtype);
    FILE *f = popen(cmd, "r");
    if (!f)
        return -1.0;
    char line[512];
    double t = -1.0;
    while (fgets(line, sizeof line, f)) {
        double a, b, c;
        if (sscanf(line, "TORCH %lf %lf %lf", &a, &b, &c) == 3) {
            t = a;
            *auc = b;
            *acc = c;
        } else {
            printf("torch: %s", line);
        }
    }
    int rc = pclose(f);
    return rc == 0 ? t : -1.0;
}

/*
 * The CSR first layer (genre_mlp_fit_csr) on a synthetic hashed-text shape:
 * CSR_ROWS rows, 2^18 columns, CSR_PER_ROW entries of 1.0 per row (3 of them
 * from 100 columns tied to the row's class, the rest spread over all
 * columns), 10 classes, one hidden layer of CSR_WIDTH units, Adam, batch
 * 256, one epoch; with lazy (GENRE_MLP_SPARSE_UPDATE = 1) or exact dense
 * updates of the first layer. Returns seconds (< 0 on failure).
 */
#define CSR_ROWS 45000
#define CSR_COLS ((size_t)1 << 18)
#define CSR_PER_ROW 30
#define CSR_WIDTH 64
static double run_csr(int lazy)
{
    const size_t n = CSR_ROWS, nnz = n * CSR_PER_ROW;
    size_t *rp = malloc((n + 1) * sizeof *rp);
    uint32_t *ci = malloc(nnz * sizeof *ci);
    double *v = malloc(nnz * sizeof *v);
    int32_t *y = malloc(n * sizeof *y);
    genre_mlp *m = NULL;
    double t = -1.0;
    if (rp && ci && v && y && genre_mlp_create(&m) == GENRE_OK) {
        uint64_t st = 12345;
        for (size_t i = 0; i < n; i++) {
            rp[i] = i * CSR_PER_ROW;
            y[i] = (int32_t)(i % K);
            for (size_t q = 0; q < CSR_PER_ROW; q++) {
                st = st * 6364136223846793005ull + 1442695040888963407ull;
                size_t c = q < 3 ? (size_t)y[i] * 100 + (st >> 33) % 100 : (st >> 20) % CSR_COLS;
                ci[i * CSR_PER_ROW + q] = (uint32_t)c;
                v[i * CSR_PER_ROW + q] = 1.0;
            }
        }
        rp[n] = nnz;
        const int32_t w[1] = {CSR_WIDTH};
        if (genre_mlp_set_hidden_layers(m, w, 1) == GENRE_OK &&
            genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 1) == GENRE_OK &&
            genre_mlp_set_i64(m, GENRE_MLP_SPARSE_UPDATE, lazy) == GENRE_OK &&
            genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.01) == GENRE_OK) {
            double t0 = genre_bench_now();
            if (genre_mlp_fit_csr(m, n, CSR_COLS, rp[n], rp, ci, v, y, 0, 0, NULL, NULL, NULL,
                                  NULL) == GENRE_OK)
                t = genre_bench_now() - t0;
        }
    }
    genre_mlp_free(m);
    free(rp);
    free(ci);
    free(v);
    free(y);
    return t;
}

int main(int argc, char **argv)
{
    (void)argc;
    /* OpenBLAS reads its thread count when it loads: pin it before that. */
    if (!getenv("OPENBLAS_NUM_THREADS")) {
        setenv("OPENBLAS_NUM_THREADS", "1", 1);
        execv("/proc/self/exe", argv);
        perror("execv");
        return 1;
    }
    const char *blas_threads = getenv("OPENBLAS_NUM_THREADS");
    const char *threads = getenv("GENRE_BENCH_THREADS");
    if (!threads || atoi(threads) < 1)
        threads = "2";
    g_threads = atoi(threads);
    data s;
    if (read_split("tests/fixtures/real_split.csv.gz", &s) != 0) {
        fprintf(stderr, "cannot read tests/fixtures/real_split.csv.gz (run from the repo root)\n");
        return 1;
    }
    printf("%s\n", genre_build_info());
    printf("ReLU, softmax + cross-entropy, Adam lr 0.01, batch 256, 45000 train / 5000 test "
           "rows; threads: libgenre %s, pytorch %s, OpenBLAS %s; rows: 13-20-15-10 (755 params) "
           "x%d, LDA 3-D 3-15-10 (220) x100, LDA 2-D 2-15-10 (205) x150\n",
           threads, threads, blas_threads, EPOCHS);

    if (getenv("GENRE_BENCH_MLP_QUICK")) {
        /* libgenre's 13-feature fit only, on the chosen and on 1 thread,
         * interleaved (a quick A/B on a shared machine; no peers) */
        const row r0 = {"all 13 features", "13-20-15-10", "20,15", D, 2, {20, 15}, EPOCHS,
                        {s.x[0], s.x[1]}};
        /* k: 0 double chosen threads, 1 double 1 thread, 2 float chosen, 3 float 1 */
        const int64_t t_chosen = g_threads;
        double tt[4][5], a, c;
        for (int rep = 0; rep < 5; rep++)
            for (int k = 0; k < 4; k++) {
                g_threads = k % 2 ? 1 : t_chosen;
                g_precision = k >= 2 ? GENRE_MLP_PRECISION_FLOAT : GENRE_MLP_PRECISION_DOUBLE;
                double t = fit_genre(&s, &r0, GENRE_MLP_KERNEL_AUTO, &a, &c);
                if (t < 0)
                    return 1;
                printf("libgenre %s %s thr: %.3f s, test macro AUROC %.4f\n",
                       k >= 2 ? "float32" : "float64", k % 2 ? "1" : threads, t, a);
                fflush(stdout);
                tt[k][rep] = t;
            }
        double best[4], med[4];
        for (int k = 0; k < 4; k++) {
            genre_bench_sort(tt[k], 5);
            best[k] = tt[k][0];
            med[k] = tt[k][2];
            printf("libgenre %s %s thr: best %.3f s, median %.3f s\n",
                   k >= 2 ? "float32" : "float64", k % 2 ? "1" : threads, best[k], med[k]);
        }
        printf("BENCH mlp_float32_fit_seconds_quick %.3f s\n", best[2]);
        printf("BENCH mlp_float32_speedup_vs_double_quick %.2f x\n", best[0] / best[2]);
        printf("BENCH mlp_threads_speedup_quick %.2f x\n", best[1] / best[0]);
        return 0;
    }

    double *lda[2][2] = {{NULL, NULL}, {NULL, NULL}}; /* 3-D, 2-D; train, test */
    if (lda_project(&s, 3, lda[0]) != 0 || lda_project(&s, 2, lda[1]) != 0) {
        fprintf(stderr, "LDA failed: %s\n", genre_last_error());
        return 1;
    }
    const row rows[3] = {
        {"all 13 features", "13-20-15-10", "20,15", D, 2, {20, 15}, EPOCHS, {s.x[0], s.x[1]}},
        {"LDA 3-D", "3-15-10", "15", 3, 1, {15, 0}, 100, {lda[0][0], lda[0][1]}},
        {"LDA 2-D", "2-15-10", "15", 2, 1, {15, 0}, 150, {lda[1][0], lda[1][1]}},
    };
    double t_own[3], auc[3], acc[3], t_torch[3], auc_t[3], acc_t[3];
    int torch_ok = 1;
    for (int r = 0; r < 3; r++) {
        t_own[r] = run_genre(&s, &rows[r], GENRE_MLP_KERNEL_AUTO, &auc[r], &acc[r]);
        if (t_own[r] < 0)
            return 1;
        printf("%-15s %-11s x%3d  libgenre (AUTO, %s thr):  %7.3f s, test macro AUROC %.4f, "
               "acc %.2f%%\n",
               rows[r].name, rows[r].layers, rows[r].epochs, threads, t_own[r], auc[r],
               100 * acc[r]);
        fflush(stdout);
        char path[64];
        int prep = r > 0 && write_prepared(&s, &rows[r], path, sizeof path) == 0;
        auc_t[r] = acc_t[r] = NAN;
        t_torch[r] = (r == 0 || prep) ? run_torch(threads, &rows[r], prep ? path : NULL,
                                                   "float64", &auc_t[r], &acc_t[r])
                                      : -1.0;
        if (prep)
            unlink(path);
        if (t_torch[r] < 0) {
            torch_ok = 0;
            printf("%-15s %-11s x%3d  pytorch: MISSING (python3-torch not usable)\n",
                   rows[r].name, rows[r].layers, rows[r].epochs);
        } else {
            printf("%-15s %-11s x%3d  pytorch float64 (%s thr):  %7.3f s, test macro AUROC "
                   "%.4f, acc %.2f%%\n",
                   rows[r].name, rows[r].layers, rows[r].epochs, threads, t_torch[r], auc_t[r],
                   100 * acc_t[r]);
        }
        fflush(stdout);
    }
    /* the 13-feature model on 1 thread, both */
    const int64_t t_saved = g_threads;
    g_threads = 1;
    double auc1, acc1, auc_t1 = NAN, acc_t1 = NAN;
    double t_own1 = run_genre(&s, &rows[0], GENRE_MLP_KERNEL_AUTO, &auc1, &acc1);
    if (t_own1 < 0)
        return 1;
    printf("all 13 features 13-20-15-10 x125  libgenre (AUTO, 1 thr):  %7.3f s, test macro "
           "AUROC %.4f, acc %.2f%%\n", t_own1, auc1, 100 * acc1);
    fflush(stdout);
    double t_torch1 = run_torch("1", &rows[0], NULL, "float64", &auc_t1, &acc_t1);
    if (t_torch1 >= 0)
        printf("all 13 features 13-20-15-10 x125  pytorch float64 (1 thr):  %7.3f s, test "
               "macro AUROC %.4f, acc %.2f%%\n", t_torch1, auc_t1, 100 * acc_t1);
    else
        printf("all 13 features 13-20-15-10 x125  pytorch (1 thr): MISSING\n");
    fflush(stdout);

    double auc_c, acc_c;
    double t_cblas = run_genre(&s, &rows[0], GENRE_MLP_KERNEL_CBLAS, &auc_c, &acc_c);
    if (t_cblas < 0)
        return 1;
    g_threads = t_saved;
    printf("all 13 features 13-20-15-10 x125  libgenre (CBLAS kernels, 1 thr): %.3f s, test macro "
           "AUROC %.4f, acc %.2f%%\n",
           t_cblas, auc_c, 100 * acc_c);
    double auc_t32 = NAN, acc_t32 = NAN;
    double t_torch32 = run_torch(threads, &rows[0], NULL, "float32", &auc_t32, &acc_t32);
    if (t_torch32 >= 0)
        printf("all 13 features 13-20-15-10 x125  pytorch float32 (%s thr): %.3f s, test macro "
               "AUROC %.4f, acc %.2f%%\n",
               threads, t_torch32, auc_t32, 100 * acc_t32);


    /* libgenre float32 (mixed precision) against PyTorch float32, same threads */
    g_precision = GENRE_MLP_PRECISION_FLOAT;
    double auc32, acc32, auc32_1, acc32_1;
    double t_own32 = run_genre(&s, &rows[0], GENRE_MLP_KERNEL_AUTO, &auc32, &acc32);
    g_threads = 1;
    double t_own32_1 = run_genre(&s, &rows[0], GENRE_MLP_KERNEL_AUTO, &auc32_1, &acc32_1);
    g_threads = t_saved;
    g_precision = GENRE_MLP_PRECISION_DOUBLE;
    if (t_own32 < 0 || t_own32_1 < 0)
        return 1;
    printf("all 13 features 13-20-15-10 x125  libgenre float32 (AUTO, %s thr): %.3f s, test "
           "macro AUROC %.4f, acc %.2f%%\n",
           threads, t_own32, auc32, 100 * acc32);
    printf("all 13 features 13-20-15-10 x125  libgenre float32 (AUTO, 1 thr): %.3f s, test "
           "macro AUROC %.4f, acc %.2f%%\n",
           t_own32_1, auc32_1, 100 * acc32_1);
    fflush(stdout);
    double auc_t32_1 = NAN, acc_t32_1 = NAN;
    double t_torch32_1 = run_torch("1", &rows[0], NULL, "float32", &auc_t32_1, &acc_t32_1);
    if (t_torch32_1 >= 0)
        printf("all 13 features 13-20-15-10 x125  pytorch float32 (1 thr): %.3f s, test macro "
               "AUROC %.4f, acc %.2f%%\n",
               t_torch32_1, auc_t32_1, 100 * acc_t32_1);

    double t_fann = -1.0, auc_f = NAN, acc_f = NAN;
#ifdef GENRE_BENCH_HAVE_FANN
    t_fann = run_fann(&s, &auc_f, &acc_f);
#endif
    if (t_fann < 0)
        printf("fann: MISSING (libfann-dev not found at configure time)\n");
    else
        printf("fann (tanh/sigmoid, MSE, incremental): %.3f s, test macro AUROC %.4f, acc "
               "%.2f%%\n",
               t_fann, auc_f, 100 * acc_f);

    double t_lazy = run_csr(1), t_exact = run_csr(0);
    if (t_lazy < 0 || t_exact < 0) {
        fprintf(stderr, "CSR fit failed: %s\n", genre_last_error());
        return 1;
    }
    printf("csr %d x 2^18 (%d entries/row) -%d-10 x1 epoch  libgenre lazy: %.3f s, exact: "
           "%.3f s\n",
           CSR_ROWS, CSR_PER_ROW, CSR_WIDTH, t_lazy, t_exact);

    printf("BENCH mlp_csr_lazy_epoch_seconds %.3f s\n", t_lazy);
    printf("BENCH mlp_csr_lazy_vs_exact %.2f x\n", t_exact / t_lazy);
    printf("BENCH mlp_fit_seconds %.3f s\n", t_own[0]);
    printf("BENCH mlp_test_auroc %.4f auroc\n", auc[0]);
    /* > 1: AUTO's built-in kernels are faster than CBLAS (< 1: AUTO should switch) */
    printf("BENCH mlp_builtin_speedup_vs_cblas %.2f x\n", t_cblas / t_own1);
    printf("BENCH mlp_fit_seconds_1thread %.3f s\n", t_own1);
    printf("BENCH mlp_threads_speedup %.2f x\n", t_own1 / t_own[0]);
    if (t_torch1 >= 0)
        printf("BENCH mlp_fit_vs_torch_1thread %.2f x\n", t_torch1 / t_own1);
    else
        printf("BENCH mlp_fit_vs_torch_1thread missing\n");
    if (t_fann >= 0)
        printf("BENCH mlp_fit_vs_fann %.2f x\n", t_fann / t_own[0]);
    else
        printf("BENCH mlp_fit_vs_fann missing\n");
    static const char *const tag[3] = {"", "_lda3", "_lda2"};
    for (int r = 0; r < 3 && torch_ok; r++)
        printf("BENCH mlp%s_auroc_minus_torch %+.4f auroc\n", tag[r], auc[r] - auc_t[r]);
    for (int r = 2; r >= 1 && torch_ok; r--)
        printf("BENCH mlp%s_fit_vs_torch %.2f x\n", tag[r], t_torch[r] / t_own[r]);
    if (t_torch32 >= 0)
        printf("BENCH mlp_fit_vs_torch_float32 %.2f x\n", t_torch32 / t_own[0]);
    printf("BENCH mlp_float32_fit_seconds %.3f s\n", t_own32);
    printf("BENCH mlp_float32_auroc_minus_double %+.4f auroc\n", auc32 - auc[0]);
    if (t_torch32 >= 0) {
        printf("BENCH mlp_float32_auroc_minus_torch_float32 %+.4f auroc\n", auc32 - auc_t32);
        printf("BENCH mlp_fit_float32_vs_torch_float32 %.2f x\n", t_torch32 / t_own32);
    } else {
        printf("BENCH mlp_fit_float32_vs_torch_float32 missing\n");
    }
    if (t_torch32_1 >= 0)
        printf("BENCH mlp_fit_float32_vs_torch_float32_1thread %.2f x\n",
               t_torch32_1 / t_own32_1);
    else
        printf("BENCH mlp_fit_float32_vs_torch_float32_1thread missing\n");
    if (torch_ok)
        printf("BENCH mlp_fit_vs_torch %.2f x\n", t_torch[0] / t_own[0]);
    else
        printf("BENCH mlp_fit_vs_torch missing\n");
    for (int i = 0; i < 2; i++) {
        free(lda[i][0]);
        free(lda[i][1]);
    }
    for (int t = 0; t < 2; t++) {
        free(s.x[t]);
        free(s.y[t]);
    }
    return 0;
}
