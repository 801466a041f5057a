/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-analysis: the whole reference analysis of ../shared/DESIGN.md on the
 * "Prediction of Music Genre" table, through libgenre's public API only, and
 * a report in genre-report/ (index.html, plots/ as PNG and SVG, metrics.json).
 *
 * Run with no arguments; `genre-analysis --help` lists the options.
 * docs/analysis.md describes the pipeline, the report and the choices made.
 */
#define _XOPEN_SOURCE 700

#include <genre/genre.h>

#include "analysis_options.h"
#include "genre_plot.h"
#include "name_study.h"
#include "report_dir.h"
#include "schema_file.h"
#include "split_file.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef GENRE_ANALYSIS_DATADIR
#define GENRE_ANALYSIS_DATADIR "/usr/local/share/genre"
#endif
#ifndef GENRE_ANALYSIS_SOURCE_DATA
#define GENRE_ANALYSIS_SOURCE_DATA "data/music_genre.csv.gz"
#endif
#ifndef GENRE_ANALYSIS_BINARY_DIR
#define GENRE_ANALYSIS_BINARY_DIR ""
#endif
#ifndef GENRE_ANALYSIS_REL_DATADIR
#define GENRE_ANALYSIS_REL_DATADIR "../share/genre"
#endif

#define NF 13       /* the 13 features */
#define NC 10       /* the 10 genres */
#define KEY_COL 6
#define MODE_COL 9
#define KMIN 2
#define KMAX 8
#define NKS (KMAX - KMIN + 1)
#define PLOT_POINTS 8000
#define MAX_TSNE 8

static const char *const FEAT[NF] = {"popularity", "acousticness", "danceability",
                                     "duration_ms", "energy", "instrumentalness", "key",
                                     "liveness", "loudness", "mode", "speechiness", "tempo",
                                     "valence"};

/* ======================================================================== */
/* Cancellation, timing and progress bars                                   */
/* ======================================================================== */

static volatile sig_atomic_t g_cancel;

static void on_sigint(int sig)
{
    (void)sig;
    g_cancel = 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct bar {
    const char *label;
    int tty, last, active;
    double t0, frac;
    pthread_mutex_t lock;
    int64_t done, total;          /* for shared (multi-job) progress */
    int64_t sweep_step, sweep_n;  /* k-means sweep */
} bar;

/* Stages may run side by side (k-means beside the MLPs), so every write to
 * stderr goes through one lock, and on a terminal the running bars share
 * one line. */
#define MAX_BARS 4
static pthread_mutex_t g_out = PTHREAD_MUTEX_INITIALIZER;
static bar *g_bars[MAX_BARS];

static int n_active_bars(void)
{
    int n = 0;
    for (int i = 0; i < MAX_BARS; i++)
        n += g_bars[i] != NULL;
    return n;
}

/* Redraws the terminal line of the running bars (g_out held). */
static void bars_redraw(void)
{
    int n = n_active_bars();
    if (n == 0)
        return;
    fputs("\r\x1b[K", stderr);
    for (int i = 0; i < MAX_BARS; i++) {
        bar *b = g_bars[i];
        if (!b || !b->tty)
            continue;
        int pct = (int)(b->frac * 100);
        if (n == 1) {
            char cells[31];
            int fill = (int)(b->frac * 30);
            for (int c = 0; c < 30; c++)
                cells[c] = c < fill ? '#' : '.';
            cells[30] = 0;
            fprintf(stderr, "  %-26s [%s] %3d%% %6.1fs", b->label, cells, pct,
                    now_s() - b->t0);
        } else {
            fprintf(stderr, "  %s %3d%% %5.1fs", b->label, pct, now_s() - b->t0);
        }
    }
}

static void bar_start(bar *b, const char *label)
{
    b->label = label;
    b->tty = isatty(STDERR_FILENO);
    b->last = -1;
    b->active = 1;
    b->t0 = now_s();
    b->frac = 0;
    b->done = b->total = b->sweep_step = b->sweep_n = 0;
    pthread_mutex_lock(&g_out);
    for (int i = 0; i < MAX_BARS; i++)
        if (!g_bars[i]) {
            g_bars[i] = b;
            break;
        }
    pthread_mutex_unlock(&g_out);
}

/* frac is clamped to [0, 1] and never goes back. */
static void bar_show(bar *b, double frac)
{
    if (frac < 0)
        frac = 0;
    if (frac > 1)
        frac = 1;
    pthread_mutex_lock(&g_out);
    if (frac < b->frac)
        frac = b->frac;
    b->frac = frac;
    int pct = (int)(frac * 100);
    if (b->tty) {
        if (pct != b->last)
            bars_redraw();
    } else {
        int q = pct / 25;
        if (b->last < 0 || q != b->last / 25)
            fprintf(stderr, "  %s: %d%% (%.1fs)\n", b->label, q * 25, now_s() - b->t0);
    }
    b->last = pct;
    pthread_mutex_unlock(&g_out);
}

static void bar_end(bar *b, const char *result)
{
    pthread_mutex_lock(&g_out);
    if (b->active) {
        for (int i = 0; i < MAX_BARS; i++)
            if (g_bars[i] == b)
                g_bars[i] = NULL;
        if (b->tty)
            fprintf(stderr, "\r\x1b[K  %-26s %-40s %6.1fs\n", b->label, result,
                    now_s() - b->t0);
        else
            fprintf(stderr, "  %s: %s (%.1fs)\n", b->label, result, now_s() - b->t0);
        b->active = 0;
        if (b->tty)
            bars_redraw();
    }
    pthread_mutex_unlock(&g_out);
}

/* One message line on stderr, not torn by a running bar. */
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&g_out);
    if (n_active_bars() && isatty(STDERR_FILENO))
        fputs("\r\x1b[K", stderr);
    vfprintf(stderr, fmt, ap);
    if (isatty(STDERR_FILENO))
        bars_redraw();
    pthread_mutex_unlock(&g_out);
    va_end(ap);
}

static int32_t progress_simple(void *ud, int32_t phase, int64_t step, int64_t total,
                               double objective)
{
    (void)phase, (void)objective;
    bar *b = ud;
    if (total > 0)
        bar_show(b, (double)step / (double)total);
    return g_cancel ? 1 : 0;
}

static int32_t progress_tsne(void *ud, int32_t phase, int64_t step, int64_t total,
                             double objective)
{
    (void)objective;
    bar *b = ud;
    if (phase == GENRE_TSNE_PHASE_OPTIMIZE && total > 0)
        bar_show(b, 0.05 + 0.95 * (double)step / (double)total);
    else
        bar_show(b, 0.05);
    return g_cancel ? 1 : 0;
}

/* A sweep fits every k, then scores all of them in one silhouette pass; on
 * the reference data the fits take about a third of the sweep's time. */
static int32_t progress_kmeans(void *ud, int32_t phase, int64_t step, int64_t total,
                               double objective)
{
    (void)objective;
    bar *b = ud;
    if (phase == GENRE_KMEANS_PHASE_SWEEP && total > 0)
        bar_show(b, (1.0 / 3.0) * (double)step / (double)total);
    else if (phase == GENRE_KMEANS_PHASE_SILHOUETTE && total > 0)
        bar_show(b, 1.0 / 3.0 + (2.0 / 3.0) * (double)step / (double)total);
    return g_cancel ? 1 : 0;
}

/* MLP fits run on several threads; they share one bar counting epochs. */
static int32_t progress_shared(void *ud, int32_t phase, int64_t step, int64_t total,
                               double objective)
{
    (void)phase, (void)step, (void)total, (void)objective;
    bar *b = ud;
    pthread_mutex_lock(&b->lock);
    b->done++;
    if (b->total > 0)
        bar_show(b, (double)b->done / (double)b->total);
    pthread_mutex_unlock(&b->lock);
    return g_cancel ? 1 : 0;
}

/* ======================================================================== */
/* Stages and messages                                                      */
/* ======================================================================== */

enum { ST_DONE, ST_SKIPPED, ST_UNAVAILABLE, ST_CANCELLED, ST_FAILED };
static const char *const ST_NAME[] = {"done", "skipped", "not available", "cancelled",
                                      "failed"};

typedef struct stage {
    const char *name;
    int status;
    double seconds;
    char note[512];
} stage;

#define MAX_STAGES 24

typedef struct plotref {
    char base[64];
    char caption[200];
    char section[32];
} plotref;

/* ======================================================================== */
/* The whole state of one run                                               */
/* ======================================================================== */

typedef struct model_result {
    const char *name, *ref_layers;
    int hidden[4], n_hidden, n_in, available;
    double ref_auroc, ref_acc, ref_epochs, ref_time;
    int64_t params, epochs_run, best_epoch;
    double lr, val_loss, train_time, auroc, auroc_micro, acc, train_auroc, train_acc;
    double per_class[NC];
    double lr_val_loss[4];
    double *hist_train, *hist_val, *hist_test;
    size_t n_hist, n_hist_test; /* train, validation: epochs run; test: to the chosen epoch */
    double *proba_test;
} model_result;

typedef struct run {
    options opt;
    char data_path[PATH_MAX + 128];
    report_dir rd; /* the report being written (report_dir.c) */
    char plotdir[sizeof(report_dir){0}.tmp + 16];
    stage st[MAX_STAGES];
    int n_st;
    _Atomic int cancelled, failed; /* read by concurrent stages */
    char error[1024];
    char label_col[512], group_col[512]; /* the schema's label and group columns */
    plotref plots[128];
    int n_plots;
    double plot_seconds;
    double t_start;

    /* data */
    int64_t rows_read, blank_rows, dropped, kept, missing_duration, missing_tempo, groups,
        no_group_rows;
    int64_t dur_from_group[2], dur_from_global[2], tempo_imputed[2];
    int have_alt; /* the counts of the other order (leak-free vs reference) */
    int64_t alt_dur_from_group[2], alt_dur_from_global[2], alt_tempo_imputed[2];
    int have_leak;
    int64_t shared_groups, test_in_train_groups, duplicate_rows;
    char genre[NC][32];
    const char *genre_ptr[NC];
    size_t ntr, nte;
    double *xtr, *xte;      /* raw 13 features after imputation */
    int32_t *ytr, *yte;
    int64_t test_per_class[NC], train_per_class[NC];
    /* tempo imputer */
    int tempo_mlp;
    double tempo_r2, tempo_r2_median;
    int64_t tempo_fit_rows, tempo_holdout_rows;
    /* scaled */
    double *str, *ste;      /* 13 standardized (key, mode codes) */
    double scaler_mean[NF], scaler_scale[NF];
    /* pca */
    int have_pca;
    double pca_ratio[NF - 1], pca_loadings[(NF - 1) * (NF - 1)];
    double *pca_tr;         /* ntr x 12 */
    /* lda */
    int have_lda;
    double lda_ratio[NC - 1], lda_scalings[NF * (NC - 1)];
    double *lda_tr, *lda_te; /* n x 9 */
    /* kmeans */
    int have_kmeans[2];
    double km_inertia[2][NKS], km_sil[2][NKS];
    int km_best[2];
    int64_t km_comp[2][KMAX][NC];
    int32_t *km_labels[2];
    double km_seconds[2];
    /* models */
    model_result m[5];
    int n_models;
    int have_lda_clf;
    double lda_clf_auroc, lda_clf_acc, lda_clf_train_auroc, lda_clf_train_acc,
        lda_clf_micro;
    double *lda_clf_proba;
    /* tsne */
    int n_tsne;
    struct {
        double perplexity, kl, seconds;
        int dim;
        int64_t rows, iters;
        int ok;
    } tsne[MAX_TSNE];
    /* name study (DESIGN.md step 6), on its own thread */
    genre_dataset *ds;      /* the loaded table, empty rows dropped (leak-free order:
                               never imputed in place) */
    name_study_result *ns;  /* valid when have_ns */
    int have_ns;
    stage *ns_stage;
    pthread_t ns_thread;
    int ns_started;
    _Atomic int ns_done, ns_abandoned;
    double ns_weight_done, ns_weight_prev;
    int ns_weight_total;
} run;

/* The stage list and the plot list are appended to from concurrent stages. */
static pthread_mutex_t g_reg = PTHREAD_MUTEX_INITIALIZER;

static stage *stage_begin(run *r, const char *name)
{
    pthread_mutex_lock(&g_reg);
    stage *s = &r->st[r->n_st++];
    pthread_mutex_unlock(&g_reg);
    s->name = name;
    s->status = ST_DONE;
    s->seconds = now_s();
    s->note[0] = 0;
    return s;
}

static void stage_end(stage *s, int status)
{
    s->status = status;
    s->seconds = now_s() - s->seconds;
}

static void stage_note(stage *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->note, sizeof s->note, fmt, ap);
    va_end(ap);
}

/* A libgenre failure: cancelled, or failed with the library's message. */
static int stage_fail(run *r, stage *s, genre_status st, const char *what)
{
    pthread_mutex_lock(&g_reg);
    if (st == GENRE_E_CANCELLED || g_cancel) {
        r->cancelled = 1;
        stage_note(s, "cancelled by Ctrl-C");
        stage_end(s, ST_CANCELLED);
    } else {
        r->failed = 1;
        stage_note(s, "%s: %s", what, genre_last_error());
        snprintf(r->error, sizeof r->error, "%s: %s", what, genre_last_error());
        stage_end(s, ST_FAILED);
    }
    pthread_mutex_unlock(&g_reg);
    return -1;
}

static int stopping(const run *r)
{
    return r->cancelled || r->failed || g_cancel;
}

/* ======================================================================== */
/* Finding the data set                                                     */
/* ======================================================================== */

static int readable(const char *p)
{
    return access(p, R_OK) == 0;
}

static int find_data(run *r)
{
    if (r->opt.input) {
        snprintf(r->data_path, sizeof r->data_path, "%s", r->opt.input);
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char dir[PATH_MAX] = "";
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(dir, sizeof dir, "%s", exe);
        }
    }
    char cand[PATH_MAX + 64];
    /* 1. the build tree's program uses the repository's copy */
    if (dir[0] && GENRE_ANALYSIS_BINARY_DIR[0] && !strcmp(dir, GENRE_ANALYSIS_BINARY_DIR) &&
        readable(GENRE_ANALYSIS_SOURCE_DATA)) {
        snprintf(r->data_path, sizeof r->data_path, "%s", GENRE_ANALYSIS_SOURCE_DATA);
        return 0;
    }
    /* 2. an installed program: <prefix>/bin/../share/genre, wherever the prefix is */
    if (dir[0]) {
        snprintf(cand, sizeof cand, "%s/" GENRE_ANALYSIS_REL_DATADIR "/music_genre.csv.gz",
                 dir);
        if (readable(cand)) {
            snprintf(r->data_path, sizeof r->data_path, "%s", cand);
            return 0;
        }
    }
    /* 3. the data directory compiled in, 4. the source tree's copy */
    const char *fixed[] = {GENRE_ANALYSIS_DATADIR "/music_genre.csv.gz",
                           GENRE_ANALYSIS_SOURCE_DATA};
    for (int i = 0; i < 2; i++)
        if (readable(fixed[i])) {
            snprintf(r->data_path, sizeof r->data_path, "%s", fixed[i]);
            return 0;
        }
    snprintf(r->error, sizeof r->error,
             "cannot find the data set music_genre.csv.gz (looked in %s/%s, %s and %s); "
             "give one with --input FILE",
             dir[0] ? dir : "?", GENRE_ANALYSIS_REL_DATADIR, GENRE_ANALYSIS_DATADIR,
             GENRE_ANALYSIS_SOURCE_DATA);
    return -1;
}

/* ======================================================================== */
/* Small numeric helpers                                                    */
/* ======================================================================== */

static void *xcalloc(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

typedef struct rank_item {
    double v;
    size_t i;
} rank_item;

static int cmp_rank(const void *a, const void *b)
{
    double x = ((const rank_item *)a)->v, y = ((const rank_item *)b)->v;
    return (x > y) - (x < y);
}

/* Pearson correlation of the columns of x (n x d) into c (d x d). */
static void pearson(const double *x, size_t n, size_t d, double *c)
{
    double mean[NF] = {0}, sd[NF] = {0};
    for (size_t j = 0; j < d; j++) {
        for (size_t i = 0; i < n; i++)
            mean[j] += x[i * d + j];
        mean[j] /= (double)n;
        for (size_t i = 0; i < n; i++)
            sd[j] += (x[i * d + j] - mean[j]) * (x[i * d + j] - mean[j]);
        sd[j] = sqrt(sd[j]);
    }
    for (size_t a = 0; a < d; a++)
        for (size_t b = a; b < d; b++) {
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]);
            double v = (sd[a] > 0 && sd[b] > 0) ? s / (sd[a] * sd[b]) : 0;
            c[a * d + b] = c[b * d + a] = v;
        }
}

/* Spearman = Pearson of average ranks. */
static int spearman(const double *x, size_t n, size_t d, double *c)
{
    double *rk = xcalloc(n * d, sizeof *rk);
    rank_item *it = xcalloc(n, sizeof *it);
    if (!rk || !it) {
        free(rk), free(it);
        return -1;
    }
    for (size_t j = 0; j < d; j++) {
        for (size_t i = 0; i < n; i++)
            it[i].v = x[i * d + j], it[i].i = i;
        qsort(it, n, sizeof *it, cmp_rank);
        for (size_t i = 0; i < n;) {
            size_t k = i;
            while (k + 1 < n && it[k + 1].v == it[i].v)
                k++;
            double avg = 0.5 * ((double)i + (double)k) + 1;
            for (size_t m = i; m <= k; m++)
                rk[it[m].i * d + j] = avg;
            i = k + 1;
        }
    }
    pearson(rk, n, d, c);
    free(rk), free(it);
    return 0;
}

/* Copy columns of x (n x d) except `skip` into out (n x (d-1)). */
static void drop_column(const double *x, size_t n, size_t d, size_t skip, double *out)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0, k = 0; j < d; j++)
            if (j != skip)
                out[i * (d - 1) + k++] = x[i * d + j];
}

/* ======================================================================== */
/* Loading, splitting, imputing                                             */
/* ======================================================================== */

/* The MLP tempo imputer behind the dataset module's model-imputation hook. */
typedef struct tempo_model {
    run *r;
    genre_mlp *mlp;
    size_t d;
    double xm[NF], xs[NF], ym, ys;
    bar *bar;
} tempo_model;

static void standardize_stats(const double *x, size_t n, size_t d, double *m, double *s)
{
    for (size_t j = 0; j < d; j++) {
        double a = 0, b = 0;
        for (size_t i = 0; i < n; i++)
            a += x[i * d + j];
        a /= (double)n;
        for (size_t i = 0; i < n; i++)
            b += (x[i * d + j] - a) * (x[i * d + j] - a);
        b = sqrt(b / (double)n);
        m[j] = a, s[j] = b > 0 ? b : 1;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static genre_status tempo_fit(void *ud, const double *x, size_t n, size_t d, const double *y)
{
    tempo_model *t = ud;
    if (d > NF || n < 20)
        return GENRE_E_INVALID_ARG;
    t->d = d;
    standardize_stats(x, n, d, t->xm, t->xs);
    standardize_stats(y, n, 1, &t->ym, &t->ys);
    /* every 10th row is held out to measure R^2 */
    size_t nh = n / 10, nf = n - nh;
    double *xf = xcalloc(nf * d, sizeof *xf), *yf = xcalloc(nf, sizeof *yf);
    double *xh = xcalloc(nh * d, sizeof *xh), *yh = xcalloc(nh, sizeof *yh);
    double *ph = xcalloc(nh, sizeof *ph), *med = xcalloc(nf, sizeof *med);
    genre_status st = GENRE_E_NOMEM;
    if (!xf || !yf || !xh || !yh || !ph || !med)
        goto out;
    size_t a = 0, b = 0;
    for (size_t i = 0; i < n; i++) {
        int hold = (i % 10 == 9) && b < nh;
        double *dst = hold ? xh + b * d : xf + a * d;
        for (size_t j = 0; j < d; j++)
            dst[j] = (x[i * d + j] - t->xm[j]) / t->xs[j];
        if (hold)
            yh[b++] = y[i];
        else {
            med[a] = y[i];
            yf[a++] = (y[i] - t->ym) / t->ys;
        }
    }
    const int32_t hidden[] = {32, 16};
    if ((st = genre_mlp_create(&t->mlp)) ||
        (st = genre_mlp_set_hidden_layers(t->mlp, hidden, 2)) ||
        (st = genre_mlp_set_f64(t->mlp, GENRE_MLP_LEARNING_RATE, 3e-3)) ||
        (st = genre_mlp_set_i64(t->mlp, GENRE_MLP_EPOCHS, 30)) ||
        (st = genre_mlp_set_i64(t->mlp, GENRE_MLP_BATCH_SIZE, 256)) ||
        (st = genre_mlp_set_i64(t->mlp, GENRE_MLP_SEED, (int64_t)t->r->opt.seed)) ||
        (st = genre_mlp_set_progress(t->mlp, progress_simple, t->bar)) ||
        (st = genre_mlp_fit_regression(t->mlp, xf, nf, d, d, yf, 1, NULL, 0, 0, NULL)) ||
        (st = genre_mlp_predict_values(t->mlp, xh, nh, d, d, ph, nh, NULL)))
        goto out;
    for (size_t i = 0; i < nh; i++)
        ph[i] = ph[i] * t->ys + t->ym;
    if ((st = genre_metrics_r2(yh, ph, nh, &t->r->tempo_r2)))
        goto out;
    qsort(med, nf, sizeof *med, cmp_double);
    double m = nf % 2 ? med[nf / 2] : 0.5 * (med[nf / 2 - 1] + med[nf / 2]);
    for (size_t i = 0; i < nh; i++)
        ph[i] = m;
    st = genre_metrics_r2(yh, ph, nh, &t->r->tempo_r2_median);
    t->r->tempo_fit_rows = (int64_t)nf;
    t->r->tempo_holdout_rows = (int64_t)nh;
out:
    free(xf), free(yf), free(xh), free(yh), free(ph), free(med);
    return st;
}

static genre_status tempo_predict(void *ud, const double *x, size_t n, size_t d, double *y)
{
    tempo_model *t = ud;
    if (d != t->d || !t->mlp)
        return GENRE_E_BAD_STATE;
    double *xs = xcalloc(n * d, sizeof *xs);
    if (!xs)
        return GENRE_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            xs[i * d + j] = (x[i * d + j] - t->xm[j]) / t->xs[j];
    genre_status st = genre_mlp_predict_values(t->mlp, xs, n, d, d, y, n, NULL);
    free(xs);
    if (!st)
        for (size_t i = 0; i < n; i++)
            y[i] = y[i] * t->ys + t->ym;
    return st;
}

/* --split-file: split the raw CSV records by an external assignment
 * (split_file.c) and read each side from memory (the dataset module makes
 * splits only by itself). */
static int split_by_file(run *r, const genre_dataset_schema *schema, genre_dataset **tr,
                         genre_dataset **te)
{
    char *raw = NULL, *text = NULL;
    size_t raw_len = 0, text_len = 0;
    unsigned char *sides = NULL;
    char *part[2] = {NULL, NULL};
    size_t n_sides = 0, len[2] = {0, 0};
    int rc = -1;
    if (split_file_read(r->opt.split_file, &text, &text_len)) {
        snprintf(r->error, sizeof r->error, "cannot read the split file %s",
                 r->opt.split_file);
        goto done;
    }
    if (split_file_parse(text, text_len, r->opt.split_file, &sides, &n_sides,
                         r->error, sizeof r->error))
        goto done;
    if (split_file_read(r->data_path, &raw, &raw_len)) {
        snprintf(r->error, sizeof r->error, "cannot read %.900s", r->data_path);
        goto done;
    }
    if (split_file_apply(raw, raw_len, r->data_path, sides, n_sides,
                         r->opt.split_file, &part[0], &len[0], &part[1], &len[1], r->error,
                         sizeof r->error))
        goto done;
    genre_status st = genre_dataset_read_memory(tr, schema, part[0], len[0], "train rows");
    if (!st)
        st = genre_dataset_read_memory(te, schema, part[1], len[1], "test rows");
    if (st) {
        snprintf(r->error, sizeof r->error, "%s", genre_last_error());
        goto done;
    }
    rc = 0;
done:
    free(raw), free(text), free(part[0]), free(part[1]), free(sides);
    return rc;
}

static int export_side(run *r, const genre_dataset *ds, double **x, int32_t **y, size_t *n)
{
    int64_t rows = 0;
    genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows);
    *n = (size_t)rows;
    *x = xcalloc(*n * NF, sizeof **x);
    *y = xcalloc(*n, sizeof **y);
    if (!*x || !*y)
        return GENRE_E_NOMEM;
    genre_status st = genre_dataset_export_matrix(ds, FEAT, NF, *x, *n * NF, NULL);
    if (!st)
        st = genre_dataset_export_labels(ds, *y, *n, NULL);
    (void)r;
    return st;
}

static void read_prep_counts(run *r, const genre_dataset *ds, int side)
{
    int64_t v;
    if (!genre_dataset_report_value(ds, "group_median", "duration_ms", "from_group", &v))
        r->dur_from_group[side] = v;
    if (!genre_dataset_report_value(ds, "group_median", "duration_ms", "from_global", &v))
        r->dur_from_global[side] = v;
    if (!genre_dataset_report_value(ds, r->tempo_mlp ? "impute_model" : "impute_median",
                                    "tempo", "imputed", &v))
        r->tempo_imputed[side] = v;
}

/* The same counts for the other order (median tempo preparation). */
static void read_alt_counts(run *r, const genre_dataset *ds, int side)
{
    int64_t v;
    if (!genre_dataset_report_value(ds, "group_median", "duration_ms", "from_group", &v))
        r->alt_dur_from_group[side] = v;
    if (!genre_dataset_report_value(ds, "group_median", "duration_ms", "from_global", &v))
        r->alt_dur_from_global[side] = v;
    if (!genre_dataset_report_value(ds, "impute_median", "tempo", "imputed", &v))
        r->alt_tempo_imputed[side] = v;
}

/* ======================================================================== */
/* Schema files (--schema FILE, format in docs/analysis.md)                 */
/* ======================================================================== */

/* Reads --schema FILE (schema_file.c) and checks that it declares what the
 * analysis needs: the 13 features under their reference names, a label and
 * a group column. 0, or -1 with a message naming the file, line and token
 * in r->error. */
static int read_schema_file(run *r, const char *path, genre_dataset_schema **out)
{
    schema_file_need needs[NF];
    for (int j = 0; j < NF; j++) {
        needs[j].name = FEAT[j];
        needs[j].role =
            (j == KEY_COL || j == MODE_COL) ? GENRE_COL_CATEGORICAL : GENRE_COL_NUMERIC;
    }
    schema_file_info info;
    if (schema_file_read(path, needs, NF, out, &info, r->error, sizeof r->error))
        return -1;
    snprintf(r->label_col, sizeof r->label_col, "%s", info.label_col);
    snprintf(r->group_col, sizeof r->group_col, "%s", info.group_col);
    return 0;
}

static int stage_data(run *r)
{
    stage *s = stage_begin(r, "load, clean, split, impute");
    bar b;
    bar_start(&b, "load + impute");
    genre_dataset_schema *schema = NULL;
    genre_dataset *ds = NULL, *tr = NULL, *te = NULL;
    genre_dataset_prep *prep = NULL, *alt = NULL;
    genre_dataset_split *split = NULL, *all_split = NULL;
    genre_dataset *all = NULL;
    tempo_model tm = {.r = r, .bar = &b};
    genre_status st;
    const char *what = "read";
    r->tempo_mlp = !r->opt.tempo_median && !r->opt.no_mlp;
    if (r->opt.schema) {
        if (read_schema_file(r, r->opt.schema, &schema)) {
            bar_end(&b, "stopped");
            r->failed = 1;
            stage_note(s, "%s", r->error);
            stage_end(s, ST_FAILED);
            goto cleanup;
        }
    } else if ((st = genre_dataset_schema_create_music_genre(&schema))) {
        goto fail;
    }
    if (r->opt.threads)
        genre_dataset_schema_set_i64(schema, GENRE_SCHEMA_THREADS, r->opt.threads);
    if ((st = genre_dataset_read_file(&ds, schema, r->data_path)))
        goto fail;
    genre_dataset_report_value(ds, "read", NULL, "rows", &r->rows_read);
    genre_dataset_report_value(ds, "read", NULL, "blank_rows", &r->blank_rows);
    genre_dataset_report_value(ds, "read", "duration_ms", "missing", &r->missing_duration);
    genre_dataset_report_value(ds, "read", "tempo", "missing", &r->missing_tempo);
    genre_dataset_report_value(ds, "read", r->group_col, "groups", &r->groups);
    genre_dataset_report_value(ds, "read", r->group_col, "no_group_rows", &r->no_group_rows);
    what = "drop empty rows";
    if ((st = genre_dataset_drop_empty_rows(ds)))
        goto fail;
    genre_dataset_report_value(ds, "drop_empty_rows", NULL, "dropped", &r->dropped);
    genre_dataset_report_value(ds, "drop_empty_rows", NULL, "kept", &r->kept);
    bar_show(&b, 0.1);

    what = "preparation";
    static const char *const tempo_features[] = {
        "popularity", "acousticness", "danceability", "duration_ms", "energy",
        "instrumentalness", "key", "liveness", "loudness", "mode", "speechiness", "valence"};
    if ((st = genre_dataset_prep_create(&prep, schema)) ||
        (st = genre_dataset_prep_add_group_median(prep, "duration_ms")))
        goto fail;
    if (r->tempo_mlp)
        st = genre_dataset_prep_add_model_impute(prep, "tempo", tempo_features, 12, tempo_fit,
                                                 tempo_predict, &tm);
    else
        st = genre_dataset_prep_add_impute(prep, "tempo", GENRE_IMPUTE_MEDIAN);
    if (st)
        goto fail;

    if (r->opt.split_file) {
        what = "split file";
        if (r->opt.reference_order) {
            snprintf(r->error, sizeof r->error,
                     "--split-file and --reference-order cannot be combined");
            r->failed = 1;
            stage_note(s, "%s", r->error);
            stage_end(s, ST_FAILED);
            goto cleanup;
        }
        if (split_by_file(r, schema, &tr, &te)) {
            r->failed = 1;
            stage_note(s, "%s", r->error);
            stage_end(s, ST_FAILED);
            goto cleanup;
        }
    } else {
        what = "split";
        if ((st = genre_dataset_split_stratified(&split, ds, 500, r->opt.seed)) ||
            (st = genre_dataset_subset(&tr, ds, split, GENRE_SPLIT_TRAIN)) ||
            (st = genre_dataset_subset(&te, ds, split, GENRE_SPLIT_TEST)))
            goto fail;
        if (!genre_dataset_leakage(ds, split, &r->shared_groups, &r->test_in_train_groups,
                                   &r->duplicate_rows))
            r->have_leak = 1;
    }
    bar_show(&b, 0.2);
    /* The report shows the imputation counts of both orders: the one run and
     * the other one, counted with a second preparation (artist-median
     * duration, median tempo: the counts do not depend on the tempo model). */
    what = "imputation counts of the other order";
    if ((st = genre_dataset_prep_create(&alt, schema)) ||
        (st = genre_dataset_prep_add_group_median(alt, "duration_ms")) ||
        (st = genre_dataset_prep_add_impute(alt, "tempo", GENRE_IMPUTE_MEDIAN)))
        goto fail;
    if (r->opt.reference_order) {
        /* the leak-free counts on the raw split, then the reference order:
         * impute over all rows, split again (same seed, same rows) */
        if ((st = genre_dataset_prep_fit_apply(alt, tr)))
            goto fail;
        read_alt_counts(r, tr, 0);
        if ((st = genre_dataset_prep_apply(alt, te)))
            goto fail;
        read_alt_counts(r, te, 1);
        genre_dataset_free(tr);
        genre_dataset_free(te);
        tr = te = NULL;
        what = "imputation over all rows (reference order)";
        if ((st = genre_dataset_prep_fit_apply(prep, ds)))
            goto fail;
        read_prep_counts(r, ds, 0);
        what = "split";
        if ((st = genre_dataset_subset(&tr, ds, split, GENRE_SPLIT_TRAIN)) ||
            (st = genre_dataset_subset(&te, ds, split, GENRE_SPLIT_TEST)))
            goto fail;
    } else {
        what = "imputation fit on the training rows";
        if ((st = genre_dataset_prep_fit_apply(prep, tr)))
            goto fail;
        read_prep_counts(r, tr, 0);
        what = "imputation applied to the test rows";
        if ((st = genre_dataset_prep_apply(prep, te)))
            goto fail;
        read_prep_counts(r, te, 1);
        /* on a copy of all rows (a split with no test rows; shuffled, which
         * the counts do not depend on), so that ds stays as loaded for the
         * name study, which imputes from its own training rows */
        what = "imputation counts of the reference order";
        if ((st = genre_dataset_split_stratified(&all_split, ds, 0, r->opt.seed)) ||
            (st = genre_dataset_subset(&all, ds, all_split, GENRE_SPLIT_TRAIN)) ||
            (st = genre_dataset_prep_fit_apply(alt, all)))
            goto fail;
        read_alt_counts(r, all, 0);
    }
    r->have_alt = 1;
    what = "genre names";
    int32_t n_classes = 0;
    if ((st = genre_dataset_prep_category_count(prep, r->label_col, &n_classes)))
        goto fail;
    if (n_classes != NC) {
        bar_end(&b, "stopped");
        snprintf(r->error, sizeof r->error,
                 "the label column '%s' has %lld classes; the analysis needs %d genres",
                 r->label_col, (long long)n_classes, NC);
        r->failed = 1;
        stage_note(s, "%s", r->error);
        stage_end(s, ST_FAILED);
        goto cleanup;
    }
    for (int k = 0; k < NC; k++) {
        if ((st = genre_dataset_prep_category_name(prep, r->label_col, k, r->genre[k],
                                                   sizeof r->genre[k], NULL)))
            goto fail;
        r->genre_ptr[k] = r->genre[k];
    }
    what = "export";
    if ((st = export_side(r, tr, &r->xtr, &r->ytr, &r->ntr)) ||
        (st = export_side(r, te, &r->xte, &r->yte, &r->nte)))
        goto fail;
    for (size_t i = 0; i < r->ntr; i++)
        if (r->ytr[i] >= 0 && r->ytr[i] < NC)
            r->train_per_class[r->ytr[i]]++;
    for (size_t i = 0; i < r->nte; i++)
        if (r->yte[i] >= 0 && r->yte[i] < NC)
            r->test_per_class[r->yte[i]]++;
    stage_note(s, "%zu train / %zu test rows", r->ntr, r->nte);
    stage_end(s, ST_DONE);
    bar_end(&b, "done");
    goto cleanup;
fail:
    bar_end(&b, "stopped");
    stage_fail(r, s, st, what);
cleanup:
    genre_mlp_free(tm.mlp);
    genre_dataset_split_free(split);
    genre_dataset_prep_free(prep);
    genre_dataset_prep_free(alt);
    genre_dataset_free(tr);
    genre_dataset_free(te);
    genre_dataset_free(all);
    genre_dataset_split_free(all_split);
    /* kept for the name study (with --reference-order imputed over all rows) */
    if (!stopping(r))
        r->ds = ds;
    else
        genre_dataset_free(ds);
    genre_dataset_schema_free(schema);
    return stopping(r) ? -1 : 0;
}

/* ======================================================================== */
/* Scale, PCA, LDA, LDA classifier                                          */
/* ======================================================================== */

static int eval_proba(const int32_t *y, const double *proba, size_t n, double *auroc,
                      double *micro, double *acc, double *per_class)
{
    int32_t *pred = xcalloc(n, sizeof *pred);
    if (!pred)
        return GENRE_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        int best = 0;
        for (int k = 1; k < NC; k++)
            if (proba[i * NC + k] > proba[i * NC + best])
                best = k;
        pred[i] = best;
    }
    genre_status st = genre_metrics_roc_auc_ovr(y, proba, n, NC, NC,
                                                GENRE_METRICS_AVERAGE_MACRO, auroc);
    if (!st && micro)
        st = genre_metrics_roc_auc_ovr(y, proba, n, NC, NC, GENRE_METRICS_AVERAGE_MICRO,
                                       micro);
    if (!st)
        st = genre_metrics_accuracy(y, pred, n, acc);
    if (!st && per_class)
        st = genre_metrics_roc_auc_per_class(y, proba, n, NC, NC, per_class, NC, NULL);
    free(pred);
    return st;
}

static int stage_linear(run *r)
{
    stage *s = stage_begin(r, "scale, PCA, LDA, LDA classifier");
    genre_scaler *sc = NULL;
    genre_pca *pca = NULL;
    genre_lda *lda = NULL;
    genre_status st;
    const char *what = "scaler";
    double *tmp = NULL, *ptr = NULL;
    uint8_t mask[NF];
    for (int j = 0; j < NF; j++)
        mask[j] = j != KEY_COL && j != MODE_COL;
    r->str = xcalloc(r->ntr * NF, sizeof *r->str);
    r->ste = xcalloc(r->nte * NF, sizeof *r->ste);
    r->pca_tr = xcalloc(r->ntr * (NF - 1), sizeof *r->pca_tr);
    r->lda_tr = xcalloc(r->ntr * (NC - 1), sizeof *r->lda_tr);
    r->lda_te = xcalloc(r->nte * (NC - 1), sizeof *r->lda_te);
    r->lda_clf_proba = xcalloc(r->nte * NC, sizeof *r->lda_clf_proba);
    tmp = xcalloc(r->ntr * (NF - 1), sizeof *tmp);
    ptr = xcalloc(r->ntr * NC, sizeof *ptr);
    if (!r->str || !r->ste || !r->pca_tr || !r->lda_tr || !r->lda_te || !tmp || !ptr ||
        !r->lda_clf_proba) {
        st = GENRE_E_NOMEM;
        goto fail;
    }
    if ((st = genre_scaler_create(&sc)) || (st = genre_scaler_set_mask(sc, mask, NF)) ||
        (st = genre_scaler_fit(sc, r->xtr, r->ntr, NF, NF)) ||
        (st = genre_scaler_transform(sc, r->xtr, r->ntr, NF, NF, r->str, r->ntr * NF, NULL)) ||
        (st = genre_scaler_transform(sc, r->xte, r->nte, NF, NF, r->ste, r->nte * NF, NULL)) ||
        (st = genre_scaler_get_mean(sc, r->scaler_mean, NF, NULL)) ||
        (st = genre_scaler_get_scale(sc, r->scaler_scale, NF, NULL)))
        goto fail;
    /* PCA on the 12 columns without key */
    what = "PCA";
    drop_column(r->str, r->ntr, NF, KEY_COL, tmp);
    if ((st = genre_pca_create(&pca)) || (st = genre_pca_fit(pca, tmp, r->ntr, NF - 1, NF - 1)) ||
        (st = genre_pca_get_explained_variance_ratio(pca, r->pca_ratio, NF - 1, NULL)) ||
        (st = genre_pca_get_loadings(pca, r->pca_loadings, (NF - 1) * (NF - 1), NULL)) ||
        (st = genre_pca_transform(pca, tmp, r->ntr, NF - 1, NF - 1, r->pca_tr,
                                  r->ntr * (NF - 1), NULL)))
        goto fail;
    r->have_pca = 1;
    /* LDA on all 13 */
    what = "LDA";
    if ((st = genre_lda_create(&lda)) ||
        (st = genre_lda_fit(lda, r->str, r->ntr, NF, NF, r->ytr)) ||
        (st = genre_lda_get_explained_variance_ratio(lda, r->lda_ratio, NC - 1, NULL)) ||
        (st = genre_lda_get_scalings(lda, r->lda_scalings, NF * (NC - 1), NULL)) ||
        (st = genre_lda_transform(lda, r->str, r->ntr, NF, NF, r->lda_tr, r->ntr * (NC - 1),
                                  NULL)) ||
        (st = genre_lda_transform(lda, r->ste, r->nte, NF, NF, r->lda_te, r->nte * (NC - 1),
                                  NULL)))
        goto fail;
    r->have_lda = 1;
    what = "LDA classifier";
    if ((st = genre_lda_predict_proba(lda, r->ste, r->nte, NF, NF, r->lda_clf_proba,
                                      r->nte * NC, NULL)) ||
        (st = genre_lda_predict_proba(lda, r->str, r->ntr, NF, NF, ptr, r->ntr * NC, NULL)) ||
        (st = eval_proba(r->yte, r->lda_clf_proba, r->nte, &r->lda_clf_auroc,
                         &r->lda_clf_micro, &r->lda_clf_acc, NULL)) ||
        (st = eval_proba(r->ytr, ptr, r->ntr, &r->lda_clf_train_auroc, NULL,
                         &r->lda_clf_train_acc, NULL)))
        goto fail;
    r->have_lda_clf = 1;
    stage_note(s, "LDA ratios %.3f / %.3f / %.3f; LDA classifier test macro AUROC %.4f",
               r->lda_ratio[0], r->lda_ratio[1], r->lda_ratio[2], r->lda_clf_auroc);
    stage_end(s, ST_DONE);
    goto cleanup;
fail:
    stage_fail(r, s, st, what);
cleanup:
    free(tmp), free(ptr);
    genre_scaler_free(sc);
    genre_pca_free(pca);
    genre_lda_free(lda);
    return stopping(r) ? -1 : 0;
}

/* ======================================================================== */
/* k-means sweep on LDA 2-D and 3-D                                         */
/* ======================================================================== */

static int stage_kmeans(run *r, stage *s)
{
    if (r->opt.no_kmeans) {
        stage_note(s, "--no-kmeans");
        stage_end(s, ST_SKIPPED);
        return 0;
    }
    genre_status st = GENRE_OK;
    double *x = xcalloc(r->ntr * 3, sizeof *x);
    if (!x)
        return stage_fail(r, s, GENRE_E_NOMEM, "k-means");
    for (int v = 0; v < 2 && !stopping(r); v++) {
        size_t d = (size_t)v + 2;
        double t0 = now_s();
        for (size_t i = 0; i < r->ntr; i++)
            for (size_t j = 0; j < d; j++)
                x[i * d + j] = r->lda_tr[i * (NC - 1) + j];
        bar b;
        bar_start(&b, v ? "k-means sweep LDA 3-D" : "k-means sweep LDA 2-D");
        genre_kmeans *km = NULL;
        if ((st = genre_kmeans_create(&km)) ||
            (st = genre_kmeans_set_i64(km, GENRE_KMEANS_SEED, (int64_t)r->opt.seed)) ||
            (st = genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, r->opt.threads)) ||
            (st = genre_kmeans_set_progress(km, progress_kmeans, &b)) ||
            (st = genre_kmeans_sweep(km, x, r->ntr, d, d, KMIN, KMAX, r->km_inertia[v],
                                     r->km_sil[v], NKS, NULL))) {
            genre_kmeans_free(km);
            bar_end(&b, "stopped");
            break;
        }
        int best = 0;
        for (int k = 1; k < NKS; k++)
            if (r->km_sil[v][k] > r->km_sil[v][best])
                best = k;
        r->km_best[v] = KMIN + best;
        r->km_labels[v] = xcalloc(r->ntr, sizeof *r->km_labels[v]);
        if (!r->km_labels[v]) {
            st = GENRE_E_NOMEM;
            genre_kmeans_free(km);
            break;
        }
        if ((st = genre_kmeans_set_i64(km, GENRE_KMEANS_K, r->km_best[v])) ||
            (st = genre_kmeans_fit(km, x, r->ntr, d, d)) ||
            (st = genre_kmeans_get_labels(km, r->km_labels[v], r->ntr, NULL))) {
            genre_kmeans_free(km);
            bar_end(&b, "stopped");
            break;
        }
        genre_kmeans_free(km);
        for (size_t i = 0; i < r->ntr; i++)
            r->km_comp[v][r->km_labels[v][i]][r->ytr[i]]++;
        r->have_kmeans[v] = 1;
        r->km_seconds[v] = now_s() - t0;
        char res[64];
        snprintf(res, sizeof res, "best k = %d, silhouette %.3f", r->km_best[v],
                 r->km_sil[v][best]);
        bar_end(&b, res);
    }
    free(x);
    if (st)
        return stage_fail(r, s, st, "k-means");
    stage_note(s, "best k %d (2-D), %d (3-D)", r->km_best[0], r->km_best[1]);
    stage_end(s, ST_DONE);
    return 0;
}

/* ======================================================================== */
/* MLPs                                                                     */
/* ======================================================================== */

#define N_LR 2
static const double LRS[N_LR] = {0.01, 0.003};

typedef struct mlp_job {
    run *r;
    model_result *m;
    const double *xf, *xv, *xt;  /* fit, validation, test rows (n_in columns) */
    const int32_t *yf, *yv, *yt;
    size_t nf, nv, nt;
    double lr;
    int64_t epochs;
    int curve;                   /* 1: validation = test rows, for the plotted curve */
    genre_mlp *out;
    genre_status st;
    char err[512];
    double seconds;
    bar *bar;
} mlp_job;

static void run_mlp_job(mlp_job *j)
{
    model_result *m = j->m;
    genre_mlp *mlp = NULL;
    size_t d = (size_t)m->n_in;
    double t0 = now_s();
    genre_status st;
    if ((st = genre_mlp_create(&mlp)) ||
        (st = genre_mlp_set_hidden_layers(mlp, m->hidden, (size_t)m->n_hidden)) ||
        (st = genre_mlp_set_f64(mlp, GENRE_MLP_LEARNING_RATE, j->lr)) ||
        (st = genre_mlp_set_i64(mlp, GENRE_MLP_EPOCHS, j->epochs)) ||
        (st = genre_mlp_set_i64(mlp, GENRE_MLP_BATCH_SIZE, 256)) ||
        (st = genre_mlp_set_i64(mlp, GENRE_MLP_N_CLASSES, NC)) ||
        (st = genre_mlp_set_i64(mlp, GENRE_MLP_SEED, (int64_t)j->r->opt.seed)) ||
        /* the pool already runs fits side by side (and beside k-means):
         * one thread per fit uses the cores best */
        (st = genre_mlp_set_i64(mlp, GENRE_MLP_N_THREADS, 1)) ||
        (!j->curve && (st = genre_mlp_set_i64(mlp, GENRE_MLP_PATIENCE, 30))) ||
        (st = genre_mlp_set_progress(mlp, progress_shared, j->bar)))
        goto out;
    if (j->curve)
        st = genre_mlp_fit(mlp, j->xf, j->nf, d, d, j->yf, j->xt, j->nt, d, j->yt);
    else
        st = genre_mlp_fit(mlp, j->xf, j->nf, d, d, j->yf, j->xv, j->nv, d, j->yv);
out:
    j->seconds = now_s() - t0;
    j->st = st;
    if (st) {
        snprintf(j->err, sizeof j->err, "%s", genre_last_error());
        genre_mlp_free(mlp);
        mlp = NULL;
    }
    j->out = mlp;
}

/* A small job pool whose finished jobs may queue new ones: when both
 * learning rates of a model are done, its loss-curve fit is queued at once,
 * so no thread waits at a barrier between the two rounds. */
typedef struct pool {
    mlp_job *jobs;
    size_t n, next, running;
    pthread_mutex_t lock;
    pthread_cond_t cv;
    void (*on_done)(struct pool *p, size_t i); /* called with lock held */
    void *ud;
} pool;

static void *pool_worker(void *arg)
{
    pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->next >= p->n && p->running > 0)
            pthread_cond_wait(&p->cv, &p->lock);
        if (p->next >= p->n)
            break; /* nothing queued, nothing running: no job can appear */
        size_t i = p->next++;
        p->running++;
        pthread_mutex_unlock(&p->lock);
        run_mlp_job(&p->jobs[i]);
        pthread_mutex_lock(&p->lock);
        p->running--;
        if (p->on_done)
            p->on_done(p, i);
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static void run_pool(pool *p, int threads, size_t max_jobs)
{
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cv, NULL);
    int nt = threads > 0 ? threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nt < 1)
        nt = 1;
    if ((size_t)nt > max_jobs)
        nt = (int)max_jobs;
    pthread_t th[64];
    int started = 0;
    for (int i = 1; i < nt && i < 64; i++)
        if (pthread_create(&th[started], NULL, pool_worker, p) == 0)
            started++;
    pool_worker(p);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->lock);
}

static void take_columns(const double *src, size_t n, size_t sd, size_t d, double *dst)
{
    for (size_t i = 0; i < n; i++)
        memcpy(dst + i * d, src + i * sd, d * sizeof *dst);
}

static void init_models(run *r)
{
    model_result *m = r->m;
    m[0] = (model_result){.name = "all 13 features", .ref_layers = "13-20-15-10",
                          .hidden = {20, 15}, .n_hidden = 2, .n_in = 13, .ref_auroc = 0.93,
                          .ref_acc = 0.58, .ref_epochs = 125, .ref_time = 34};
    m[1] = (model_result){.name = "LDA 3-D", .ref_layers = "3-15-10", .hidden = {15},
                          .n_hidden = 1, .n_in = 3, .ref_auroc = 0.91, .ref_acc = 0.50,
                          .ref_epochs = 100, .ref_time = 24};
    m[2] = (model_result){.name = "LDA 2-D", .ref_layers = "2-15-10", .hidden = {15},
                          .n_hidden = 1, .n_in = 2, .ref_auroc = 0.88, .ref_acc = 0.42,
                          .ref_epochs = 150, .ref_time = 17};
    m[3] = (model_result){.name = "first LDA discriminant only", .ref_layers = "1-15-10",
                          .hidden = {15}, .n_hidden = 1, .n_in = 1, .ref_auroc = 0.82,
                          .ref_acc = NAN, .ref_epochs = NAN, .ref_time = NAN};
    r->n_models = 4;
}

typedef struct mlp_ctx {
    pool p;                      /* first: the pool's callback casts back */
    run *r;
    size_t nsel;
    int sel_done[4], chosen[4];
    size_t curve[4];
    bar *bar;
} mlp_ctx;

/* The validation loss at the best epoch of a selection fit (+inf if none). */
static double best_val_loss(const genre_mlp *mlp)
{
    int64_t be = 0;
    size_t ne = 0;
    double loss = INFINITY;
    if (!mlp || genre_mlp_get_i64(mlp, GENRE_MLP_BEST_EPOCH, &be))
        return loss;
    genre_mlp_get_history(mlp, GENRE_MLP_HISTORY_VAL_LOSS, NULL, 0, &ne); /* size query */
    if (be < 1 || (size_t)be > ne)
        return loss;
    double *h = xcalloc(ne, sizeof *h);
    if (h && !genre_mlp_get_history(mlp, GENRE_MLP_HISTORY_VAL_LOSS, h, ne, &ne))
        loss = h[be - 1];
    free(h);
    return loss;
}

/* A job finished (pool lock held): shrink the bar's total to the epochs
 * actually run, and when both rates of a model are in, choose the rate with
 * the lower best validation loss and queue the model's loss-curve fit. */
static void mlp_done(pool *p, size_t i)
{
    mlp_ctx *c = (mlp_ctx *)p;
    mlp_job *j = &p->jobs[i];
    int64_t ran = 0;
    if (j->out)
        genre_mlp_get_i64(j->out, GENRE_MLP_EPOCHS_RUN, &ran);
    pthread_mutex_lock(&c->bar->lock);
    c->bar->total -= c->r->opt.epochs - ran;
    pthread_mutex_unlock(&c->bar->lock);
    if (i >= c->nsel)
        return;
    int k = (int)(i / N_LR);
    if (++c->sel_done[k] < N_LR)
        return;
    int best = -1;
    double best_loss = INFINITY;
    for (int l = 0; l < N_LR; l++) {
        mlp_job *s = &p->jobs[k * N_LR + l];
        if (s->st)
            return; /* reported after the pool */
        double loss = best_val_loss(s->out);
        c->r->m[k].lr_val_loss[l] = loss;
        if (best < 0 || loss < best_loss)
            best_loss = loss, best = l;
    }
    if (g_cancel)
        return;
    mlp_job *s = &p->jobs[k * N_LR + best];
    int64_t e = 0; /* the chosen epoch: the curve follows the chosen model's training */
    genre_mlp_get_i64(s->out, GENRE_MLP_BEST_EPOCH, &e);
    if (e < 1)
        e = 1;
    c->chosen[k] = best;
    c->curve[k] = p->n;
    mlp_job *cj = &p->jobs[p->n++];
    *cj = *s;
    cj->out = NULL;
    cj->st = GENRE_OK;
    cj->curve = 1;
    cj->epochs = e;
    pthread_mutex_lock(&c->bar->lock);
    c->bar->total -= c->r->opt.epochs - e;
    pthread_mutex_unlock(&c->bar->lock);
}

static int stage_mlp(run *r)
{
    stage *s = stage_begin(r, "MLP classifiers");
    if (r->opt.no_mlp) {
        stage_note(s, "--no-mlp");
        stage_end(s, ST_SKIPPED);
        return 0;
    }
    genre_status st = GENRE_OK;
    const char *what = "MLP";
    /* validation rows: every 10th training row of each genre (the rows are
     * already shuffled by the split) */
    size_t nv = 0, nf = 0, seen[NC] = {0};
    uint8_t *is_val = xcalloc(r->ntr, 1);
    if (!is_val)
        return stage_fail(r, s, GENRE_E_NOMEM, what);
    for (size_t i = 0; i < r->ntr; i++) {
        int c = r->ytr[i];
        is_val[i] = (seen[c]++ % 10) == 9;
        nv += is_val[i];
    }
    nf = r->ntr - nv;
    /* inputs per model: standardized 13, LDA 3, LDA 2, LDA 1 */
    double *in_tr[4] = {0}, *in_te[4] = {0}, *in_f[4] = {0}, *in_v[4] = {0};
    int32_t *yf = xcalloc(nf, sizeof *yf), *yv = xcalloc(nv, sizeof *yv);
    mlp_job jobs[4 * N_LR + 4];
    memset(jobs, 0, sizeof jobs);
    double *proba_tr = xcalloc(r->ntr * NC, sizeof *proba_tr);
    int ok = yf && yv && proba_tr;
    for (int k = 0; k < r->n_models && ok; k++) {
        size_t d = (size_t)r->m[k].n_in;
        in_tr[k] = xcalloc(r->ntr * d, sizeof(double));
        in_te[k] = xcalloc(r->nte * d, sizeof(double));
        in_f[k] = xcalloc(nf * d, sizeof(double));
        in_v[k] = xcalloc(nv * d, sizeof(double));
        ok = in_tr[k] && in_te[k] && in_f[k] && in_v[k];
        if (!ok)
            break;
        if (k == 0) {
            memcpy(in_tr[k], r->str, r->ntr * NF * sizeof(double));
            memcpy(in_te[k], r->ste, r->nte * NF * sizeof(double));
        } else {
            take_columns(r->lda_tr, r->ntr, NC - 1, d, in_tr[k]);
            take_columns(r->lda_te, r->nte, NC - 1, d, in_te[k]);
        }
        for (size_t i = 0, a = 0, b = 0; i < r->ntr; i++) {
            if (is_val[i]) {
                memcpy(in_v[k] + b * d, in_tr[k] + i * d, d * sizeof(double));
                yv[b++] = r->ytr[i];
            } else {
                memcpy(in_f[k] + a * d, in_tr[k] + i * d, d * sizeof(double));
                yf[a++] = r->ytr[i];
            }
        }
    }
    if (!ok) {
        st = GENRE_E_NOMEM;
        goto fail;
    }
    /* 1. learning rate and epochs chosen on the validation rows (early
     *    stopping with patience 30 keeps the best-validation weights);
     * 2. as soon as both rates of a model are done, its test-loss curve: the
     *    same fit (same seed and lr: identical weights, since validation rows
     *    never feed the gradients) up to the chosen epoch, with the test rows
     *    as its "validation" rows, for the plot only. Both rounds share one
     *    pool. */
    bar b;
    bar_start(&b, "MLPs (lr, epochs, curves)");
    pthread_mutex_init(&b.lock, NULL);
    size_t nsel = (size_t)r->n_models * N_LR;
    b.total = (int64_t)(nsel + (size_t)r->n_models) * r->opt.epochs;
    for (size_t j = 0; j < nsel; j++) {
        int k = (int)(j / N_LR), l = (int)(j % N_LR);
        jobs[j] = (mlp_job){.r = r, .m = &r->m[k], .xf = in_f[k], .xv = in_v[k],
                            .xt = in_te[k], .yf = yf, .yv = yv, .yt = r->yte,
                            .nf = nf, .nv = nv, .nt = r->nte, .lr = LRS[l],
                            .epochs = r->opt.epochs, .bar = &b};
    }
    mlp_ctx ctx = {.p = {.jobs = jobs, .n = nsel, .on_done = mlp_done}, .r = r, .nsel = nsel,
                   .bar = &b};
    for (int k = 0; k < 4; k++)
        ctx.chosen[k] = -1;
    ctx.p.ud = &ctx;
    run_pool(&ctx.p, r->opt.threads, nsel);
    pthread_mutex_destroy(&b.lock);
    for (size_t j = 0; j < ctx.p.n; j++)
        if (jobs[j].st) {
            bar_end(&b, "stopped");
            st = jobs[j].st;
            genre_clear_error();
            snprintf(r->error, sizeof r->error, "%s", jobs[j].err);
            what = j < nsel ? "MLP fit" : "MLP loss curve";
            goto fail;
        }
    if (ctx.p.n != nsel + (size_t)r->n_models) {
        bar_end(&b, "stopped");
        st = g_cancel ? GENRE_E_CANCELLED : GENRE_E_NOMEM;
        goto fail;
    }
    bar_end(&b, "done");
    /* evaluate the chosen fit of each model */
    for (int k = 0; k < r->n_models; k++) {
        model_result *m = &r->m[k];
        int best = ctx.chosen[k];
        mlp_job *j = &jobs[k * N_LR + best];
        m->lr = LRS[best];
        m->val_loss = m->lr_val_loss[best];
        m->train_time = j->seconds;
        genre_mlp_get_i64(j->out, GENRE_MLP_N_PARAMS, &m->params);
        genre_mlp_get_i64(j->out, GENRE_MLP_EPOCHS_RUN, &m->epochs_run);
        genre_mlp_get_i64(j->out, GENRE_MLP_BEST_EPOCH, &m->best_epoch);
        size_t d = (size_t)m->n_in;
        m->proba_test = xcalloc(r->nte * NC, sizeof(double));
        if (!m->proba_test) {
            st = GENRE_E_NOMEM;
            goto fail;
        }
        what = "MLP evaluation";
        if ((st = genre_mlp_predict_proba(j->out, in_te[k], r->nte, d, d, m->proba_test,
                                          r->nte * NC, NULL)) ||
            (st = genre_mlp_predict_proba(j->out, in_tr[k], r->ntr, d, d, proba_tr,
                                          r->ntr * NC, NULL)) ||
            (st = eval_proba(r->yte, m->proba_test, r->nte, &m->auroc, &m->auroc_micro,
                             &m->acc, m->per_class)) ||
            (st = eval_proba(r->ytr, proba_tr, r->ntr, &m->train_auroc, NULL, &m->train_acc,
                             NULL)))
            goto fail;
        /* train and validation loss of the chosen fit, all epochs it ran */
        size_t ne = 0;
        genre_mlp_get_history(j->out, GENRE_MLP_HISTORY_VAL_LOSS, NULL, 0, &ne);
        m->hist_val = xcalloc(ne, sizeof(double));
        m->hist_train = xcalloc(ne, sizeof(double));
        if (m->hist_val && m->hist_train) {
            genre_mlp_get_history(j->out, GENRE_MLP_HISTORY_VAL_LOSS, m->hist_val, ne, &ne);
            genre_mlp_get_history(j->out, GENRE_MLP_HISTORY_TRAIN_LOSS, m->hist_train, ne,
                                  &ne);
        }
        m->n_hist = ne;
        /* test loss of the same trajectory up to the chosen epoch */
        mlp_job *c = &jobs[ctx.curve[k]];
        ne = 0;
        genre_mlp_get_history(c->out, GENRE_MLP_HISTORY_VAL_LOSS, NULL, 0, &ne);
        m->hist_test = xcalloc(ne, sizeof(double));
        if (m->hist_test)
            genre_mlp_get_history(c->out, GENRE_MLP_HISTORY_VAL_LOSS, m->hist_test, ne, &ne);
        m->n_hist_test = ne < m->n_hist ? ne : m->n_hist;
        m->available = 1;
    }
    stage_note(s, "test macro AUROC %.4f / %.4f / %.4f / %.4f", r->m[0].auroc, r->m[1].auroc,
               r->m[2].auroc, r->m[3].auroc);
    stage_end(s, ST_DONE);
    goto cleanup;
fail:
    if (st == GENRE_E_CANCELLED || g_cancel) {
        stage_fail(r, s, GENRE_E_CANCELLED, what);
    } else {
        r->failed = 1;
        stage_note(s, "%s: %s", what, r->error[0] ? r->error : genre_last_error());
        if (!r->error[0])
            snprintf(r->error, sizeof r->error, "%s: %s", what, genre_last_error());
        stage_end(s, ST_FAILED);
    }
    for (int k = 0; k < r->n_models; k++)
        r->m[k].available = 0;
cleanup:
    for (size_t j = 0; j < 4 * N_LR + 4; j++)
        genre_mlp_free(jobs[j].out);
    for (int k = 0; k < 4; k++) {
        free(in_tr[k]), free(in_te[k]), free(in_f[k]), free(in_v[k]);
    }
    free(is_val), free(yf), free(yv), free(proba_tr);
    return stopping(r) ? -1 : 0;
}

/* ======================================================================== */
/* t-SNE                                                                    */
/* ======================================================================== */

static int plot_save(run *r, gplot *p, const char *base, const char *section,
                     const char *caption, int w, int h);

static int stage_tsne(run *r)
{
    stage *s = stage_begin(r, "t-SNE");
    if (r->opt.no_tsne) {
        stage_note(s, "--no-tsne");
        stage_end(s, ST_SKIPPED);
        return 0;
    }
    size_t n = r->ntr;
    if (r->opt.tsne_rows > 0 && (size_t)r->opt.tsne_rows < n)
        n = (size_t)r->opt.tsne_rows;
    /* the first n training rows: a random subsample, since the split shuffled them */
    double *emb = xcalloc(n * 3, sizeof *emb);
    if (!emb)
        return stage_fail(r, s, GENRE_E_NOMEM, "t-SNE");
    genre_status st = GENRE_OK;
    for (int a = 0; a < r->opt.n_dims && !stopping(r); a++)
        for (int b = 0; b < r->opt.n_perplexity && !stopping(r); b++) {
            int dim = r->opt.dims[a];
            double perp = r->opt.perplexity[b];
            char label[64];
            snprintf(label, sizeof label, "t-SNE %d-D perplexity %g", dim, perp);
            bar br;
            bar_start(&br, label);
            genre_tsne *t = NULL;
            double t0 = now_s();
            if ((st = genre_tsne_create(&t)) ||
                (st = genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, perp)) ||
                (st = genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, dim)) ||
                (st = genre_tsne_set_i64(t, GENRE_TSNE_MAX_ITER, r->opt.tsne_iter)) ||
                (st = genre_tsne_set_f64(t, GENRE_TSNE_THETA, r->opt.tsne_theta)) ||
                (st = genre_tsne_set_i64(t, GENRE_TSNE_SEED, (int64_t)r->opt.seed)) ||
                (st = genre_tsne_set_i64(t, GENRE_TSNE_N_THREADS, r->opt.threads)) ||
                (st = genre_tsne_set_i64(t, GENRE_TSNE_REPORT_EVERY, 10)) ||
                (st = genre_tsne_set_progress(t, progress_tsne, &br)) ||
                (st = genre_tsne_fit_embed(t, r->pca_tr, n, NF - 1, NF - 1, emb, n * 3,
                                           NULL))) {
                genre_tsne_free(t);
                bar_end(&br, "stopped");
                goto done;
            }
            int i = r->n_tsne++;
            r->tsne[i].dim = dim;
            r->tsne[i].perplexity = perp;
            r->tsne[i].rows = (int64_t)n;
            r->tsne[i].seconds = now_s() - t0;
            genre_tsne_get_f64(t, GENRE_TSNE_KL_DIVERGENCE, &r->tsne[i].kl);
            genre_tsne_get_i64(t, GENRE_TSNE_N_ITER, &r->tsne[i].iters);
            r->tsne[i].ok = 1;
            genre_tsne_free(t);
            char res[64];
            snprintf(res, sizeof res, "KL %.3f", r->tsne[i].kl);
            bar_end(&br, res);
            if (!r->opt.no_plots) {
                char base[64], cap[200];
                snprintf(base, sizeof base, "tsne_%dd_p%g", dim, perp);
                snprintf(cap, sizeof cap,
                         "t-SNE %d-D, perplexity %g, of %zu training rows (PCA scores of "
                         "the 12 standardized features without key), coloured by genre",
                         dim, perp, n);
                gplot *p = gplot_create(dim == 2 ? GPLOT_XY : GPLOT_SCATTER3, label,
                                        "t-SNE 1", "t-SNE 2");
                if (p && !gplot_set_classes(p, r->genre_ptr, NC) &&
                    !gplot_points(p, emb, emb + 1, dim == 3 ? emb + 2 : NULL, (size_t)dim,
                                  r->ytr, n, PLOT_POINTS, 1.5)) {
                    if (dim == 3)
                        gplot_set_view(p, 35, 25, "t-SNE 3");
                    plot_save(r, p, base, "tsne", cap, 900, 700);
                }
                gplot_free(p);
            }
        }
done:
    free(emb);
    if (st)
        return stage_fail(r, s, st, "t-SNE");
    stage_note(s, "%d embeddings of %zu rows", r->n_tsne, n);
    stage_end(s, ST_DONE);
    return 0;
}

/* ======================================================================== */
/* The name study (DESIGN.md step 6), on a thread of its own                */
/* ======================================================================== */

/* name_study_run() reports each step by name; the bar advances by a rough
 * weight per step (the three names+audio fits take most of the time). */
static int ns_step_weight(const char *what)
{
    if (strstr(what, "names scaled by"))
        return 10;
    if (strstr(what, "out-of-fold"))
        return 1;
    if (strstr(what, "reduced names+audio"))
        return 2;
    if (strstr(what, ": names model") || strstr(what, ": audio model"))
        return 3;
    if (strstr(what, "name features") || strstr(what, "bootstrap"))
        return 1;
    return 0;
}

static bar g_ns_bar;

static void ns_progress(void *user, const char *what)
{
    run *r = user;
    if (r->ns_abandoned)
        return;
    r->ns_weight_done += r->ns_weight_prev;
    r->ns_weight_prev = ns_step_weight(what);
    if (r->ns_weight_total > 0)
        bar_show(&g_ns_bar, r->ns_weight_done / r->ns_weight_total);
}

static int ns_cancel(void *user)
{
    (void)user;
    return g_cancel ? 1 : 0;
}

static void *ns_main(void *arg)
{
    run *r = arg;
    name_study_options o;
    name_study_default_options(&o);
    o.seed = r->opt.seed;
    if (r->opt.names_quick) {
        /* as genre-name-study --quick */
        o.folds = 3;
        o.names_epochs = 5;
        o.both_epochs = 4;
        o.audio_epochs = 40;
        o.n_resamples = 200;
    }
    o.progress = ns_progress;
    o.cancel = ns_cancel;
    o.user = r;
    r->ns_weight_total = NAME_STUDY_N_SPLITS * (1 + 3 + 3 + 10 * NAME_STUDY_N_SCALES +
                                                o.folds + 2 + 1);
    int rc = name_study_run(r->ds, &o, r->ns);
    /* The main thread may have given up on this one (Ctrl-C): then it owns
     * nothing here any more and the stage is already marked. */
    pthread_mutex_lock(&g_reg);
    if (!r->ns_abandoned) {
        stage *s = r->ns_stage;
        if (rc == 0) {
            r->have_ns = 1;
            const name_study_split *a = &r->ns->split[NS_SPLIT_ARTIST];
            stage_note(s, "%s; names+audio - audio on the artist-disjoint split %+.4f "
                          "(95%% interval %+.4f to %+.4f)",
                       r->opt.names_quick ? "quick settings" : "full settings", a->diff,
                       a->diff_lo, a->diff_hi);
            stage_end(s, ST_DONE);
        } else if (r->ns->cancelled) {
            r->cancelled = 1;
            stage_note(s, "cancelled by Ctrl-C; its numbers are left out");
            stage_end(s, ST_CANCELLED);
        } else {
            r->failed = 1;
            stage_note(s, "%s", r->ns->error);
            snprintf(r->error, sizeof r->error, "name study: %s", r->ns->error);
            stage_end(s, ST_FAILED);
        }
        r->ns_done = 1;
    }
    pthread_mutex_unlock(&g_reg);
    if (!r->ns_abandoned)
        bar_end(&g_ns_bar, rc == 0 ? "done" : r->ns->cancelled ? "cancelled" : "failed");
    return NULL;
}

/* Starts the study beside the other stages, or records why it does not run. */
static void names_start(run *r)
{
    stage *s = stage_begin(r, "name study (names, audio, names+audio; 2 splits)");
    r->ns_stage = s;
    if (r->opt.no_names) {
        stage_note(s, "--no-names");
        stage_end(s, ST_SKIPPED);
        return;
    }
    if (r->opt.schema) {
        stage_note(s, "needs the built-in music_genre schema (artist_name, track_name); "
                      "not run with --schema");
        stage_end(s, ST_UNAVAILABLE);
        return;
    }
    r->ns = calloc(1, sizeof *r->ns);
    if (!r->ns) {
        stage_note(s, "out of memory");
        stage_end(s, ST_FAILED);
        r->failed = 1;
        return;
    }
    bar_start(&g_ns_bar, "name study");
    if (pthread_create(&r->ns_thread, NULL, ns_main, r) == 0) {
        r->ns_started = 1;
    } else {
        ns_main(r); /* no thread: run it here */
    }
}

/* Waits for the study. On Ctrl-C the study stops at its next epoch or step
 * (name_study_options.cancel); should it not have stopped within
 * NS_CANCEL_WAIT_S, the report is written without it and the thread is left
 * to the program's exit. */
#define NS_CANCEL_WAIT_S 10.0
static void names_wait(run *r)
{
    if (!r->ns_started)
        return;
    double cancel_seen = -1;
    for (;;) {
        if (r->ns_done) {
            pthread_join(r->ns_thread, NULL);
            r->ns_started = 0;
            return;
        }
        if (g_cancel) {
            const double t = now_s();
            if (cancel_seen < 0)
                cancel_seen = t;
            if (t - cancel_seen > NS_CANCEL_WAIT_S) {
                pthread_mutex_lock(&g_reg);
                if (!r->ns_done) {
                    r->ns_abandoned = 1;
                    r->cancelled = 1;
                    stage_note(r->ns_stage, "cancelled by Ctrl-C (the study did not stop "
                                            "within %.0f s; its numbers are left out)",
                               NS_CANCEL_WAIT_S);
                    stage_end(r->ns_stage, ST_CANCELLED);
                }
                pthread_mutex_unlock(&g_reg);
                if (r->ns_abandoned) {
                    bar_end(&g_ns_bar, "cancelled");
                    pthread_detach(r->ns_thread);
                    return;
                }
                continue;
            }
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* ======================================================================== */
/* Plots                                                                    */
/* ======================================================================== */

static int plot_save(run *r, gplot *p, const char *base, const char *section,
                     const char *caption, int w, int h)
{
    char path[sizeof r->plotdir + 80], err[600], rel[2][100];
    snprintf(path, sizeof path, "%s/%s", r->plotdir, base);
    snprintf(rel[0], sizeof rel[0], "plots/%s.png", base);
    snprintf(rel[1], sizeof rel[1], "plots/%s.svg", base);
    /* written down before the files exist, so a kill leaves nothing unlisted */
    if (report_dir_record(&r->rd, rel[0]) || report_dir_record(&r->rd, rel[1])) {
        say("genre-analysis: plot %s not written: cannot record it in the report's marker\n",
            base);
        return -1;
    }
    if (gplot_save(p, path, w, h, err, sizeof err)) {
        say("genre-analysis: plot %s not written: %s\n", base, err);
        return -1;
    }
    pthread_mutex_lock(&g_reg);
    if (r->n_plots < (int)(sizeof r->plots / sizeof r->plots[0])) {
        plotref *q = &r->plots[r->n_plots++];
        snprintf(q->base, sizeof q->base, "%s", base);
        snprintf(q->section, sizeof q->section, "%s", section);
        snprintf(q->caption, sizeof q->caption, "%s", caption);
    }
    pthread_mutex_unlock(&g_reg);
    return 0;
}

static void plots_data(run *r)
{
    /* feature histograms by genre (training rows), density per genre */
    enum { NB = 40 };
    for (int j = 0; j < NF && !g_cancel; j++) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < r->ntr; i++) {
            double v = r->xtr[i * NF + j];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        if (!(hi > lo))
            hi = lo + 1;
        int nb = (j == KEY_COL) ? 12 : (j == MODE_COL) ? 2 : NB;
        if (j == KEY_COL || j == MODE_COL)
            lo -= 0.5, hi += 0.5;
        double w = (hi - lo) / nb;
        double cnt[NC][NB + 1];
        memset(cnt, 0, sizeof cnt);
        for (size_t i = 0; i < r->ntr; i++) {
            int k = (int)((r->xtr[i * NF + j] - lo) / w);
            k = k < 0 ? 0 : k >= nb ? nb - 1 : k;
            cnt[r->ytr[i]][k]++;
        }
        char title[96], cap[200], base[64];
        snprintf(title, sizeof title, "Distribution of %s by genre", FEAT[j]);
        gplot *p = gplot_create(GPLOT_XY, title, FEAT[j], "share of the genre's rows");
        if (!p)
            return;
        for (int c = 0; c < NC; c++) {
            double xs[2 * NB + 2], ys[2 * NB + 2];
            size_t m = 0;
            for (int k = 0; k < nb; k++) {
                double v = r->train_per_class[c] ? cnt[c][k] / (double)r->train_per_class[c] : 0;
                xs[m] = lo + k * w, ys[m++] = v;
                xs[m] = lo + (k + 1) * w, ys[m++] = v;
            }
            gplot_line(p, xs, ys, m, c, 0, 1.6, r->genre[c]);
        }
        snprintf(base, sizeof base, "hist_%s", FEAT[j]);
        snprintf(cap, sizeof cap, "%s: histogram per genre (training rows, after imputation)",
                 FEAT[j]);
        plot_save(r, p, base, "features", cap, 900, 560);
        gplot_free(p);
    }
    /* correlation heatmaps */
    double c[NF * NF];
    pearson(r->xtr, r->ntr, NF, c);
    gplot *p = gplot_create(GPLOT_HEATMAP, "Pearson correlation (training rows)", "", "");
    if (p && !gplot_heatmap(p, c, NF, FEAT))
        plot_save(r, p, "corr_pearson", "features", "Pearson correlation of the 13 features",
                  900, 820);
    gplot_free(p);
    if (!spearman(r->xtr, r->ntr, NF, c)) {
        p = gplot_create(GPLOT_HEATMAP, "Spearman rank correlation (training rows)", "", "");
        if (p && !gplot_heatmap(p, c, NF, FEAT))
            plot_save(r, p, "corr_spearman", "features",
                      "Spearman rank correlation of the 13 features", 900, 820);
        gplot_free(p);
    }
}

static void plots_linear(run *r)
{
    if (r->have_pca) {
        double x[NF - 1], y[NF - 1], cum[NF - 1], acc = 0;
        for (int k = 0; k < NF - 1; k++) {
            x[k] = k + 1, y[k] = r->pca_ratio[k];
            acc += r->pca_ratio[k];
            cum[k] = acc;
        }
        gplot *p = gplot_create(GPLOT_XY, "PCA scree (12 standardized features, no key)",
                                "component", "explained-variance ratio");
        if (p) {
            gplot_set_ylim(p, 0, 1.02);
            gplot_line(p, x, y, NF - 1, 0, 0, 2.5, "per component");
            gplot_line(p, x, cum, NF - 1, 3, 1, 2.5, "cumulative");
            plot_save(r, p, "pca_scree", "reduction", "PCA explained-variance ratio", 900, 560);
        }
        gplot_free(p);
        p = gplot_create(GPLOT_XY, "PCA: first two components", "PC 1", "PC 2");
        if (p && !gplot_set_classes(p, r->genre_ptr, NC) &&
            !gplot_points(p, r->pca_tr, r->pca_tr + 1, NULL, NF - 1, r->ytr, r->ntr,
                          PLOT_POINTS, 1.5))
            plot_save(r, p, "pca_2d", "reduction",
                      "PCA scores of training rows (8,000 shown), coloured by genre", 900, 700);
        gplot_free(p);
    }
    if (r->have_lda) {
        gplot *p = gplot_create(GPLOT_XY, "LDA: first two discriminants", "LD 1", "LD 2");
        if (p && !gplot_set_classes(p, r->genre_ptr, NC) &&
            !gplot_points(p, r->lda_tr, r->lda_tr + 1, NULL, NC - 1, r->ytr, r->ntr,
                          PLOT_POINTS, 1.5))
            plot_save(r, p, "lda_2d", "reduction",
                      "LDA projection of training rows (8,000 shown), coloured by genre", 900,
                      700);
        gplot_free(p);
        const double views[2][2] = {{35, 25}, {125, 15}};
        for (int v = 0; v < 2; v++) {
            char base[32], title[64];
            snprintf(base, sizeof base, "lda_3d_view%d", v + 1);
            snprintf(title, sizeof title, "LDA: first three discriminants (view %d)", v + 1);
            p = gplot_create(GPLOT_SCATTER3, title, "LD 1", "LD 2");
            if (p && !gplot_set_classes(p, r->genre_ptr, NC) &&
                !gplot_points(p, r->lda_tr, r->lda_tr + 1, r->lda_tr + 2, NC - 1, r->ytr,
                              r->ntr, PLOT_POINTS, 1.5)) {
                gplot_set_view(p, views[v][0], views[v][1], "LD 3");
                plot_save(r, p, base, "reduction", "LDA 3-D projection of training rows",
                          900, 700);
            }
            gplot_free(p);
        }
    }
}

static void plots_kmeans(run *r)
{
    for (int v = 0; v < 2; v++) {
        if (!r->have_kmeans[v])
            continue;
        char base[32], title[96], cap[200];
        snprintf(base, sizeof base, "kmeans_lda%dd", v + 2);
        snprintf(title, sizeof title, "k-means, k = %d, on LDA %d-D", r->km_best[v], v + 2);
        gplot *p = gplot_create(v ? GPLOT_SCATTER3 : GPLOT_XY, title, "LD 1", "LD 2");
        const char *names[KMAX];
        char nb[KMAX][24]; /* "cluster " + any int */
        for (int k = 0; k < r->km_best[v]; k++) {
            snprintf(nb[k], sizeof nb[k], "cluster %d", k + 1);
            names[k] = nb[k];
        }
        if (p && !gplot_set_classes(p, names, (size_t)r->km_best[v]) &&
            !gplot_points(p, r->lda_tr, r->lda_tr + 1, v ? r->lda_tr + 2 : NULL, NC - 1,
                          r->km_labels[v], r->ntr, PLOT_POINTS, 1.5)) {
            if (v)
                gplot_set_view(p, 35, 25, "LD 3");
            snprintf(cap, sizeof cap, "k-means clusters (best k by silhouette) on LDA %d-D",
                     v + 2);
            plot_save(r, p, base, "kmeans", cap, 900, 700);
        }
        gplot_free(p);
    }
    if (r->have_kmeans[0] || r->have_kmeans[1]) {
        gplot *p = gplot_create(GPLOT_XY, "Silhouette vs k (k-means on LDA features)", "k",
                                "mean silhouette");
        if (p) {
            double ks[NKS];
            for (int k = 0; k < NKS; k++)
                ks[k] = KMIN + k;
            for (int v = 0; v < 2; v++)
                if (r->have_kmeans[v])
                    gplot_line(p, ks, r->km_sil[v], NKS, v, 0, 2.5, v ? "LDA 3-D" : "LDA 2-D");
            plot_save(r, p, "silhouette_vs_k", "kmeans", "Exact mean silhouette for k = 2..8",
                      900, 560);
        }
        gplot_free(p);
    }
}

/* Test macro AUROC of each model on each split, as bars (thick vertical
 * lines) from 0.5, the AUROC of guessing. */
static void plots_names(run *r)
{
    if (!r->have_ns)
        return;
    const name_study_result *ns = r->ns;
    gplot *p = gplot_create(GPLOT_XY, "Name study: test macro AUROC per model and split",
                            "model (1 names, 2 audio, 3 names+audio, 4 reduced names+audio)",
                            "test macro AUROC");
    if (!p)
        return;
    double lo = 1;
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++)
        for (int m = 0; m < NAME_STUDY_N_MODELS; m++)
            if (ns->split[s].model[m].auroc < lo)
                lo = ns->split[s].model[m].auroc;
    double base = floor((lo - 0.05) * 20) / 20;
    if (base < 0.5)
        base = 0.5;
    gplot_set_xlim(p, 0.4, NAME_STUDY_N_MODELS + 0.6);
    gplot_set_ylim(p, base, 1.0);
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++)
        for (int m = 0; m < NAME_STUDY_N_MODELS; m++) {
            double x = m + 1 + (s == NS_SPLIT_RANDOM ? -0.17 : 0.17);
            double xs[2] = {x, x}, ys[2] = {base, ns->split[s].model[m].auroc};
            gplot_line(p, xs, ys, 2, s == NS_SPLIT_RANDOM ? 0 : 3, 0, 34,
                       m == 0 ? (s == NS_SPLIT_RANDOM ? "random split"
                                                      : "artist-disjoint")
                              : NULL);
            char t[32];
            snprintf(t, sizeof t, "%.3f", ns->split[s].model[m].auroc);
            gplot_annotate(p, x, ns->split[s].model[m].auroc, t);
        }
    plot_save(r, p, "names_auroc", "names",
              "Name study: test macro AUROC of names only, audio only, names+audio and "
              "reduced names+audio on the random and the artist-disjoint split",
              900, 560);
    gplot_free(p);
}

static void plots_models(run *r)
{
    for (int k = 0; k < r->n_models; k++) {
        model_result *m = &r->m[k];
        if (!m->available || !m->hist_train || !m->hist_test || !m->hist_val)
            continue;
        double *ep = xcalloc(m->n_hist, sizeof *ep);
        if (!ep)
            return;
        for (size_t e = 0; e < m->n_hist; e++)
            ep[e] = (double)e + 1;
        char title[128], base[32], cap[200];
        snprintf(title, sizeof title, "MLP %s (%s): loss per epoch", m->name, m->ref_layers);
        gplot *p = gplot_create(GPLOT_XY, title, "epoch", "cross-entropy");
        if (p) {
            gplot_line(p, ep, m->hist_train, m->n_hist, 0, 0, 2, "train");
            gplot_line(p, ep, m->hist_val, m->n_hist, 2, 0, 2, "validation");
            gplot_line(p, ep, m->hist_test, m->n_hist_test, 3, 1, 2, "test");
            double be = (double)m->best_epoch, yb = m->hist_val[m->best_epoch - 1];
            char note[64];
            snprintf(note, sizeof note, "chosen: epoch %lld", (long long)m->best_epoch);
            gplot_annotate(p, be, yb, note);
            snprintf(base, sizeof base, "loss_model%d", k + 1);
            snprintf(cap, sizeof cap,
                     "%s: train, validation and test loss per epoch (lr %g and epoch chosen "
                     "on validation; the test loss is followed up to the chosen epoch)",
                     m->name, m->lr);
            plot_save(r, p, base, "models", cap, 900, 560);
        }
        gplot_free(p);
        free(ep);
    }
    /* ROC curves of each available model: per genre, micro and macro */
    for (int k = -1; k < r->n_models; k++) {
        const double *proba = k < 0 ? r->lda_clf_proba : r->m[k].proba_test;
        int avail = k < 0 ? r->have_lda_clf : r->m[k].available;
        if (!avail || !proba)
            continue;
        size_t cap = r->nte * NC + 2;
        double *fpr = xcalloc(cap, sizeof *fpr), *tpr = xcalloc(cap, sizeof *tpr);
        enum { G = 201 };
        double grid[G], macro[G];
        for (int g = 0; g < G; g++)
            grid[g] = g / (double)(G - 1), macro[g] = 0;
        char title[128], base[32], capt[200];
        snprintf(title, sizeof title, "ROC curves (test rows): %s",
                 k < 0 ? "LDA classifier" : r->m[k].name);
        gplot *p = fpr && tpr ? gplot_create(GPLOT_XY, title, "false positive rate",
                                             "true positive rate")
                              : NULL;
        if (p) {
            gplot_set_xlim(p, 0, 1);
            gplot_set_ylim(p, 0, 1.01);
            for (int c = 0; c < NC; c++) {
                size_t np = 0;
                if (genre_metrics_roc_curve(r->yte, proba + c, r->nte, NC, c, 1, fpr, tpr,
                                            NULL, cap, &np))
                    continue;
                char lab[64];
                double auc = 0;
                genre_metrics_roc_auc(r->yte, proba + c, r->nte, NC, c, &auc);
                snprintf(lab, sizeof lab, "%s %.3f", r->genre[c], auc);
                gplot_line(p, fpr, tpr, np, c, 0, 1.4, lab);
                for (int g = 0; g < G; g++) { /* linear interpolation on the grid */
                    size_t a = 0;
                    while (a + 1 < np && fpr[a + 1] < grid[g])
                        a++;
                    double v = tpr[a];
                    if (a + 1 < np && fpr[a + 1] > fpr[a])
                        v = tpr[a] + (tpr[a + 1] - tpr[a]) * (grid[g] - fpr[a]) /
                                         (fpr[a + 1] - fpr[a]);
                    macro[g] += v / NC;
                }
            }
            size_t np = 0;
            if (!genre_metrics_roc_curve_micro(r->yte, proba, r->nte, NC, NC, 1, fpr, tpr,
                                               NULL, cap, &np))
                gplot_line(p, fpr, tpr, np, -1, 1, 2.6, "micro average");
            gplot_line(p, grid, macro, G, -1, 0, 3.0, "macro average");
            double diag[2] = {0, 1};
            gplot_line(p, diag, diag, 2, 7, 1, 1, NULL);
            snprintf(base, sizeof base, "roc_%s", k < 0 ? "lda" : (const char *[]){"model1", "model2", "model3", "model4"}[k]);
            snprintf(capt, sizeof capt, "ROC curves of %s: per genre (AUC in the legend), "
                     "micro and macro average",
                     k < 0 ? "the LDA classifier" : r->m[k].name);
            plot_save(r, p, base, "models", capt, 900, 640);
        }
        gplot_free(p);
        free(fpr), free(tpr);
    }
}

/* ======================================================================== */
/* metrics.json                                                             */
/* ======================================================================== */

typedef struct jw {
    FILE *f;
    int depth;
    int first[16];
} jw;

static void jw_sep(jw *j)
{
    if (!j->first[j->depth])
        fputc(',', j->f);
    j->first[j->depth] = 0;
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
}

static void jw_str_raw(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void jw_key(jw *j, const char *k)
{
    jw_sep(j);
    if (k) {
        jw_str_raw(j->f, k);
        fputs(": ", j->f);
    }
}

static void jw_open(jw *j, const char *k, char c)
{
    jw_key(j, k);
    fputc(c, j->f);
    j->first[++j->depth] = 1;
}

static void jw_close(jw *j, char c)
{
    j->depth--;
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
    fputc(c, j->f);
}

static void jw_num(jw *j, const char *k, double v)
{
    jw_key(j, k);
    if (isfinite(v))
        fprintf(j->f, "%.17g", v);
    else
        fputs("null", j->f);
}

static void jw_int(jw *j, const char *k, int64_t v)
{
    jw_key(j, k);
    fprintf(j->f, "%lld", (long long)v);
}

static void jw_str(jw *j, const char *k, const char *v)
{
    jw_key(j, k);
    jw_str_raw(j->f, v);
}

static void jw_nums(jw *j, const char *k, const double *v, size_t n)
{
    jw_open(j, k, '[');
    for (size_t i = 0; i < n; i++)
        jw_num(j, NULL, v[i]);
    jw_close(j, ']');
}

static int complete(const run *r)
{
    return !r->cancelled && !r->failed;
}

/* The name study (DESIGN.md step 6): a "Name features" section after the
 * classifiers, and a name_study object in metrics.json. */
static void html_plots(FILE *f, const run *r, const char *section);

static const char *const NS_SPLIT_KEY[NAME_STUDY_N_SPLITS] = {"random", "artist_disjoint"};

static void html_name_features(FILE *f, const run *r)
{
    fputs("<h2 id=\"names\">Name features</h2>\n", f);
    if (!r->have_ns) {
        fputs("<p>Not run (see the stage table; <code>--no-names</code> skips it).</p>\n", f);
        return;
    }
    const name_study_result *ns = r->ns;
    const name_study_options *o = &ns->opt;
    fprintf(f,
            "<p>Can the artist and track names tell the genre, and how much of that is "
            "the same artists on both sides of the split? Names are hashed into 2 &times; "
            "%lld buckets (word tokens and character %d&ndash;%d-grams, TF-IDF fit on the "
            "training rows only; docs/text.md). Four models on two splits of the %lld rows: "
            "the reference random split (500 test rows per genre) and an artist-disjoint "
            "split of as close to the same sizes as the artists allow. Every model stops "
            "early on a validation tenth of its training rows (split like the split itself); "
            "the test rows are scored once. %lld names have invalid UTF-8 and %lld are "
            "empty (over both name columns). Settings: %s (at most %d / %d / %d epochs for "
            "names / names+audio / audio and reduced, %d folds, %d bootstrap resamples), "
            "seed %llu.</p>\n",
            (long long)o->n_buckets, o->ngram_min, o->ngram_max, (long long)ns->n_rows,
            (long long)ns->invalid_utf8_names, (long long)ns->empty_names,
            r->opt.names_quick ? "quick (<code>--names-quick</code>)" : "full", o->names_epochs,
            o->both_epochs, o->audio_epochs, o->folds, o->n_resamples,
            (unsigned long long)o->seed);
    fputs("<table><tr><th>split</th><th>model</th><th>test macro AUROC</th><th>test accuracy"
          "</th><th>validation AUROC</th><th>epochs kept</th><th>seconds</th></tr>\n",
          f);
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++) {
        const name_study_split *p = &ns->split[s];
        for (int m = 0; m < NAME_STUDY_N_MODELS; m++) {
            const name_study_cell *c = &p->model[m];
            fputs("<tr>", f);
            if (m == 0)
                fprintf(f, "<td rowspan=\"%d\" class=\"left\">%s</td>", NAME_STUDY_N_MODELS,
                        p->name);
            fprintf(f, "<td class=\"left\">%s", name_study_model_names[m]);
            if (m == NS_BOTH)
                fprintf(f, " (names &times; %g)", p->names_scale);
            fprintf(f, "</td><td><b>%.4f</b></td><td>%.1f%%</td><td>%.4f</td><td>%lld</td>"
                       "<td>%.1f</td></tr>\n",
                    c->auroc, 100 * c->accuracy, c->val_auroc, (long long)c->epochs,
                    c->seconds);
        }
    }
    fputs("</table>\n<p>Seconds are wall time on the study's thread, beside the other "
          "stages; the reduced model's include its out-of-fold names models.</p>\n",
          f);
    fputs("<table><tr><th>split</th><th>train rows (of them validation) / test rows</th><th>test "
          "artists seen in training</th><th>test rows affected</th><th>test rows "
          "duplicating a training row's audio</th><th>AUROC(names+audio) &minus; "
          "AUROC(audio), 95% interval</th><th>AUROC(reduced+audio) &minus; AUROC(audio), 95% "
          "interval</th><th>names weight (validation AUROC per weight)</th></tr>\n",
          f);
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++) {
        const name_study_split *p = &ns->split[s];
        fprintf(f, "<tr><td class=\"left\">%s</td><td>%lld (%lld) / %lld</td><td>%lld of %lld"
                   "</td><td>%lld of %lld</td><td>%lld</td><td>%+.4f [%+.4f, %+.4f]</td>"
                   "<td>%+.4f [%+.4f, %+.4f]</td><td>%g (",
                p->name, (long long)p->n_train, (long long)p->n_validation,
                (long long)p->n_test, (long long)p->shared_artists,
                (long long)p->test_artists, (long long)p->test_rows_in_train_artists,
                (long long)p->n_test, (long long)p->duplicate_rows, p->diff, p->diff_lo,
                p->diff_hi, p->diff_reduced, p->names_in_reduced_lo, p->names_in_reduced_hi,
                p->names_scale);
        for (int k = 0; k < NAME_STUDY_N_SCALES; k++)
            fprintf(f, "%s%g: %.4f", k ? ", " : "", name_study_scales[k], p->both_val_auroc[k]);
        fputs(")</td></tr>\n", f);
    }
    fprintf(f, "</table>\n<p>The intervals are paired bootstraps over the test rows "
               "(%d resamples): both models are scored on the same resampled rows. The "
               "names weight multiplies the hashed names in the names+audio input and is "
               "chosen on the validation rows.</p>\n",
            o->n_resamples);
    /* a plain reading, from the numbers */
    const name_study_split *rs = &ns->split[NS_SPLIT_RANDOM], *as = &ns->split[NS_SPLIT_ARTIST];
    double seen = rs->n_test ? (double)rs->test_rows_in_train_artists / (double)rs->n_test : 0;
    int clear = as->diff_lo > 0, clear_red = as->names_in_reduced_lo > 0;
    fprintf(f,
            "<p><b>Reading.</b> On the random split %.0f%% of the test rows have an artist "
            "seen in training, and names alone reach AUROC %.3f; on the artist-disjoint "
            "split (%lld test artists seen in training) names alone reach %.3f%s. Added to the 13 "
            "audio features, names raise the AUROC by %+.4f on the random split but by "
            "%+.4f [%+.4f, %+.4f] on the artist-disjoint split, %s; the reduced "
            "model (the names model's out-of-fold probabilities beside the audio features) "
            "adds %+.4f [%+.4f, %+.4f] there, %s. The honest gain from names is the "
            "artist-disjoint one%s.</p>\n",
            100 * seen, rs->model[NS_NAMES].auroc, (long long)as->shared_artists,
            as->model[NS_NAMES].auroc,
            rs->model[NS_NAMES].auroc - as->model[NS_NAMES].auroc > 0.05
                ? ", so much of what names score on a random split is the artist memorised"
                : "",
            rs->diff, as->diff, as->diff_lo, as->diff_hi,
            clear ? "an interval clear of zero" : "an interval that includes zero",
            as->diff_reduced, as->names_in_reduced_lo, as->names_in_reduced_hi,
            clear_red ? "clear of zero" : "an interval that includes zero",
            rs->diff > 0 && as->diff < rs->diff
                ? ", a fraction of what the random split suggests"
                : "");
    html_plots(f, r, "names");
}

static void json_ns_cell(jw *j, const name_study_cell *c, const char *name)
{
    jw_open(j, NULL, '{');
    jw_str(j, "model", name);
    jw_num(j, "auroc", c->auroc);
    jw_num(j, "accuracy", c->accuracy);
    jw_num(j, "val_auroc", c->val_auroc);
    jw_int(j, "epochs", c->epochs);
    jw_num(j, "seconds", c->seconds);
    jw_close(j, '}');
}

static void json_name_features(jw *j, const run *r)
{
    if (!r->have_ns)
        return;
    const name_study_result *ns = r->ns;
    const name_study_options *o = &ns->opt;
    jw_open(j, "name_study", '{');
    jw_key(j, "quick");
    fputs(r->opt.names_quick ? "true" : "false", j->f);
    jw_int(j, "seed", (int64_t)o->seed);
    jw_int(j, "rows", ns->n_rows);
    jw_int(j, "invalid_utf8_names", ns->invalid_utf8_names);
    jw_int(j, "empty_names", ns->empty_names);
    jw_int(j, "buckets_per_field", o->n_buckets);
    jw_int(j, "text_columns", ns->n_text_columns);
    jw_int(j, "ngram_min", o->ngram_min);
    jw_int(j, "ngram_max", o->ngram_max);
    jw_int(j, "folds", o->folds);
    jw_int(j, "names_epochs_max", o->names_epochs);
    jw_int(j, "both_epochs_max", o->both_epochs);
    jw_int(j, "audio_epochs_max", o->audio_epochs);
    jw_int(j, "both_hidden", o->both_hidden);
    jw_int(j, "resamples", o->n_resamples);
    jw_nums(j, "names_weights", name_study_scales, NAME_STUDY_N_SCALES);
    jw_num(j, "seconds", ns->seconds);
    jw_open(j, "splits", '{');
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++) {
        const name_study_split *p = &ns->split[s];
        jw_open(j, NS_SPLIT_KEY[s], '{');
        jw_str(j, "name", p->name);
        jw_int(j, "train_rows", p->n_train);
        jw_int(j, "validation_rows", p->n_validation);
        jw_int(j, "test_rows", p->n_test);
        jw_int(j, "test_artists", p->test_artists);
        jw_int(j, "shared_artists", p->shared_artists);
        jw_int(j, "test_rows_in_train_artists", p->test_rows_in_train_artists);
        jw_int(j, "duplicate_rows", p->duplicate_rows);
        jw_int(j, "nnz_train", p->nnz_train);
        jw_num(j, "names_weight", p->names_scale);
        jw_nums(j, "names_weight_val_auroc", p->both_val_auroc, NAME_STUDY_N_SCALES);
        jw_num(j, "diff_names_audio", p->diff);
        jw_num(j, "diff_names_audio_lo", p->diff_lo);
        jw_num(j, "diff_names_audio_hi", p->diff_hi);
        jw_num(j, "diff_reduced_audio", p->diff_reduced);
        jw_num(j, "diff_reduced_audio_lo", p->names_in_reduced_lo);
        jw_num(j, "diff_reduced_audio_hi", p->names_in_reduced_hi);
        jw_open(j, "models", '[');
        for (int m = 0; m < NAME_STUDY_N_MODELS; m++)
            json_ns_cell(j, &p->model[m], name_study_model_names[m]);
        jw_close(j, ']');
        jw_close(j, '}');
    }
    jw_close(j, '}');
    jw_close(j, '}');
}

static int write_json(run *r, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    jw j = {.f = f};
    j.first[0] = 1;
    fputc('{', f);
    j.first[++j.depth] = 1;
    jw_str(&j, "program", "genre-analysis");
    jw_str(&j, "libgenre_version", genre_version_string());
    jw_key(&j, "complete");
    fputs(complete(r) ? "true" : "false", f);
    jw_str(&j, "input", r->data_path);
    jw_int(&j, "seed", (int64_t)r->opt.seed);
    jw_str(&j, "order", r->opt.reference_order ? "reference (impute before split)"
                                               : "leak-free (impute from training rows)");
    jw_str(&j, "split", r->opt.split_file ? r->opt.split_file : "stratified 500 per genre");
    jw_open(&j, "stages", '[');
    for (int i = 0; i < r->n_st; i++) {
        jw_open(&j, NULL, '{');
        jw_str(&j, "name", r->st[i].name);
        jw_str(&j, "status", ST_NAME[r->st[i].status]);
        jw_num(&j, "seconds", r->st[i].seconds);
        jw_str(&j, "note", r->st[i].note);
        jw_close(&j, '}');
    }
    jw_close(&j, ']');
    jw_num(&j, "total_seconds", now_s() - r->t_start);

    jw_open(&j, "data", '{');
    jw_int(&j, "rows_read", r->rows_read);
    jw_int(&j, "blank_rows", r->blank_rows);
    jw_int(&j, "rows_dropped", r->dropped);
    jw_int(&j, "rows_kept", r->kept);
    jw_int(&j, "duration_missing", r->missing_duration);
    jw_int(&j, "tempo_missing", r->missing_tempo);
    jw_int(&j, "artists", r->groups);
    jw_int(&j, "rows_without_artist", r->no_group_rows);
    jw_int(&j, "train_rows", (int64_t)r->ntr);
    jw_int(&j, "test_rows", (int64_t)r->nte);
    jw_open(&j, "test_rows_per_genre", '{');
    for (int c = 0; c < NC && r->genre_ptr[c]; c++)
        jw_int(&j, r->genre[c], r->test_per_class[c]);
    jw_close(&j, '}');
    jw_open(&j, "train_rows_per_genre", '{');
    for (int c = 0; c < NC && r->genre_ptr[c]; c++)
        jw_int(&j, r->genre[c], r->train_per_class[c]);
    jw_close(&j, '}');
    const char *sides[2] = {r->opt.reference_order ? "all_rows" : "train", "test"};
    jw_open(&j, "imputation", '{');
    for (int s = 0; s < (r->opt.reference_order ? 1 : 2); s++) {
        jw_open(&j, sides[s], '{');
        jw_int(&j, "duration_from_artist_median", r->dur_from_group[s]);
        jw_int(&j, "duration_from_global_median", r->dur_from_global[s]);
        jw_int(&j, "tempo_imputed", r->tempo_imputed[s]);
        jw_close(&j, '}');
    }
    if (r->have_alt) {
        const char *alt_sides[2] = {r->opt.reference_order ? "train" : "all_rows", "test"};
        jw_open(&j, r->opt.reference_order ? "other_order_leak_free" : "other_order_reference",
                '{');
        for (int s = 0; s < (r->opt.reference_order ? 2 : 1); s++) {
            jw_open(&j, alt_sides[s], '{');
            jw_int(&j, "duration_from_artist_median", r->alt_dur_from_group[s]);
            jw_int(&j, "duration_from_global_median", r->alt_dur_from_global[s]);
            jw_int(&j, "tempo_imputed", r->alt_tempo_imputed[s]);
            jw_close(&j, '}');
        }
        jw_close(&j, '}');
    }
    jw_str(&j, "tempo_method", r->tempo_mlp ? "MLP regressor 12-32-16-1" : "training median");
    if (r->tempo_mlp) {
        jw_num(&j, "tempo_heldout_r2", r->tempo_r2);
        jw_num(&j, "tempo_heldout_r2_of_median", r->tempo_r2_median);
        jw_int(&j, "tempo_fit_rows", r->tempo_fit_rows);
        jw_int(&j, "tempo_heldout_rows", r->tempo_holdout_rows);
    }
    jw_close(&j, '}');
    if (r->have_leak) {
        jw_open(&j, "leakage", '{');
        jw_int(&j, "shared_artists", r->shared_groups);
        jw_int(&j, "test_rows_with_train_artist", r->test_in_train_groups);
        jw_int(&j, "duplicate_rows", r->duplicate_rows);
        jw_close(&j, '}');
    }
    jw_close(&j, '}');

    if (r->have_pca) {
        jw_open(&j, "pca", '{');
        jw_nums(&j, "explained_variance_ratio", r->pca_ratio, NF - 1);
        jw_close(&j, '}');
    }
    if (r->have_lda) {
        jw_open(&j, "lda", '{');
        jw_nums(&j, "explained_variance_ratio", r->lda_ratio, NC - 1);
        jw_close(&j, '}');
    }
    jw_open(&j, "kmeans", '{');
    for (int v = 0; v < 2; v++) {
        if (!r->have_kmeans[v])
            continue;
        jw_open(&j, v ? "lda_3d" : "lda_2d", '{');
        double ks[NKS];
        for (int k = 0; k < NKS; k++)
            ks[k] = KMIN + k;
        jw_nums(&j, "k", ks, NKS);
        jw_nums(&j, "inertia", r->km_inertia[v], NKS);
        jw_nums(&j, "silhouette", r->km_sil[v], NKS);
        jw_int(&j, "best_k", r->km_best[v]);
        jw_num(&j, "seconds", r->km_seconds[v]);
        jw_open(&j, "cluster_genre_counts", '[');
        for (int k = 0; k < r->km_best[v]; k++) {
            double row[NC];
            for (int c = 0; c < NC; c++)
                row[c] = (double)r->km_comp[v][k][c];
            jw_nums(&j, NULL, row, NC);
        }
        jw_close(&j, ']');
        jw_close(&j, '}');
    }
    jw_close(&j, '}');

    jw_open(&j, "models", '[');
    if (r->have_lda_clf) {
        jw_open(&j, NULL, '{');
        jw_str(&j, "name", "LDA classifier");
        jw_num(&j, "test_macro_auroc", r->lda_clf_auroc);
        jw_num(&j, "test_micro_auroc", r->lda_clf_micro);
        jw_num(&j, "test_accuracy", r->lda_clf_acc);
        jw_num(&j, "train_macro_auroc", r->lda_clf_train_auroc);
        jw_num(&j, "train_accuracy", r->lda_clf_train_acc);
        jw_close(&j, '}');
    }
    for (int k = 0; k < r->n_models; k++) {
        model_result *m = &r->m[k];
        if (!m->available)
            continue;
        jw_open(&j, NULL, '{');
        jw_str(&j, "name", m->name);
        jw_str(&j, "layers", m->ref_layers);
        jw_int(&j, "params", m->params);
        jw_num(&j, "learning_rate", m->lr);
        jw_int(&j, "epochs", m->best_epoch);
        jw_int(&j, "epochs_run", m->epochs_run);
        jw_num(&j, "validation_loss", m->val_loss);
        jw_num(&j, "test_macro_auroc", m->auroc);
        jw_num(&j, "test_micro_auroc", m->auroc_micro);
        jw_num(&j, "test_accuracy", m->acc);
        jw_num(&j, "train_macro_auroc", m->train_auroc);
        jw_num(&j, "train_accuracy", m->train_acc);
        jw_num(&j, "train_seconds", m->train_time);
        jw_nums(&j, "test_auroc_per_genre", m->per_class, NC);
        jw_num(&j, "reference_test_macro_auroc", m->ref_auroc);
        jw_num(&j, "reference_epochs", m->ref_epochs);
        jw_num(&j, "reference_test_accuracy", m->ref_acc);
        jw_num(&j, "reference_train_seconds", m->ref_time);
        jw_nums(&j, "loss_train", m->hist_train ? m->hist_train : m->per_class,
                m->hist_train ? m->n_hist : 0);
        jw_nums(&j, "loss_validation", m->hist_val ? m->hist_val : m->per_class,
                m->hist_val ? m->n_hist : 0);
        jw_nums(&j, "loss_test", m->hist_test ? m->hist_test : m->per_class,
                m->hist_test ? m->n_hist_test : 0);
        jw_close(&j, '}');
    }
    jw_close(&j, ']');
    jw_open(&j, "tsne", '[');
    for (int i = 0; i < r->n_tsne; i++) {
        jw_open(&j, NULL, '{');
        jw_int(&j, "dimensions", r->tsne[i].dim);
        jw_num(&j, "perplexity", r->tsne[i].perplexity);
        jw_int(&j, "rows", r->tsne[i].rows);
        jw_int(&j, "iterations", r->tsne[i].iters);
        jw_num(&j, "kl_divergence", r->tsne[i].kl);
        jw_num(&j, "seconds", r->tsne[i].seconds);
        jw_close(&j, '}');
    }
    jw_close(&j, ']');
    json_name_features(&j, r);
    jw_open(&j, "plots", '[');
    for (int i = 0; i < r->n_plots; i++) {
        char b[96];
        snprintf(b, sizeof b, "plots/%s.png", r->plots[i].base);
        jw_str(&j, NULL, b);
        snprintf(b, sizeof b, "plots/%s.svg", r->plots[i].base);
        jw_str(&j, NULL, b);
    }
    jw_close(&j, ']');
    jw_close(&j, '}');
    fputc('\n', f);
    int bad = ferror(f);
    return (fclose(f) || bad) ? -1 : 0;
}

/* ======================================================================== */
/* index.html                                                               */
/* ======================================================================== */

static void html_esc(FILE *f, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
}

static void html_plots(FILE *f, const run *r, const char *section)
{
    for (int i = 0; i < r->n_plots; i++) {
        const plotref *q = &r->plots[i];
        if (strcmp(q->section, section))
            continue;
        fprintf(f, "<figure><a href=\"plots/%s.svg\"><img src=\"plots/%s.png\" alt=\"", q->base,
                q->base);
        html_esc(f, q->caption);
        fputs("\"></a><figcaption>", f);
        html_esc(f, q->caption);
        fprintf(f, " (<a href=\"plots/%s.svg\">SVG</a>)</figcaption></figure>\n", q->base);
    }
}

static void fmt_num(char *b, size_t n, double v, int decimals, const char *suffix)
{
    if (isfinite(v))
        snprintf(b, n, "%.*f%s", decimals, v, suffix);
    else
        snprintf(b, n, "&ndash;");
}

static int write_html(run *r, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    char a[64], b[64], c[64];
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<title>libgenre: music-genre analysis report</title>\n<style>\n"
          "body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;max-width:1100px;"
          "margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n"
          "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
          "padding:4px 9px;text-align:right}th{background:#f0f0f0}"
          "td:first-child,th:first-child,td.left{text-align:left}\n"
          "figure{display:inline-block;margin:0.6em;width:46%;vertical-align:top}"
          "figure img{width:100%;border:1px solid #ddd}figcaption{font-size:90%;color:#444}\n"
          ".partial{background:#fdd;border:2px solid #c00;padding:1em;font-weight:bold}\n"
          ".ok{color:#070}.bad{color:#a00}code{background:#f4f4f4;padding:0 3px}\n"
          "</style></head><body>\n<h1>Music-genre analysis</h1>\n",
          f);
    fprintf(f, "<p>libgenre %s &middot; input <code>", genre_version_string());
    html_esc(f, r->data_path);
    fprintf(f, "</code> &middot; seed %llu &middot; %s &middot; total %.1f s</p>\n",
            (unsigned long long)r->opt.seed,
            r->opt.reference_order ? "reference order (imputed before the split)"
                                   : "leak-free order (imputation fit on training rows)",
            now_s() - r->t_start);
    if (!complete(r)) {
        fputs("<div class=\"partial\">PARTIAL REPORT: the analysis was ", f);
        fputs(r->cancelled ? "cancelled (Ctrl-C)" : "stopped by an error", f);
        fputs(". Finished stages:", f);
        for (int i = 0; i < r->n_st; i++)
            if (r->st[i].status == ST_DONE)
                fprintf(f, " %s;", r->st[i].name);
        if (r->error[0]) {
            fputs("<br>Error: ", f);
            html_esc(f, r->error);
        }
        fputs("</div>\n", f);
    }
    /* stages */
    fputs("<h2>Stages</h2>\n<table><tr><th>stage</th><th>status</th><th>wall time "
          "(s)</th><th>note</th></tr>\n",
          f);
    for (int i = 0; i < r->n_st; i++) {
        fprintf(f, "<tr><td>%s</td><td class=\"%s\">%s</td><td>%.2f</td><td style=\"text-align:"
                   "left\">",
                r->st[i].name, r->st[i].status == ST_DONE ? "ok" : "bad",
                ST_NAME[r->st[i].status], r->st[i].seconds);
        html_esc(f, r->st[i].note);
        fputs("</td></tr>\n", f);
    }
    fprintf(f, "</table>\n<p>The k-means sweep, the MLPs and the plots run side by side on "
               "the available cores, so their wall times overlap; the whole run took %.1f s "
               "(%ld cores online).</p>\n",
            now_s() - r->t_start, sysconf(_SC_NPROCESSORS_ONLN));
    /* data */
    fputs("<h2>Data</h2>\n<table>\n", f);
    fprintf(f, "<tr><td>rows read</td><td>%lld</td></tr>\n", (long long)r->rows_read);
    fprintf(f, "<tr><td>entirely empty rows dropped</td><td>%lld</td></tr>\n",
            (long long)r->dropped);
    fprintf(f, "<tr><td>rows kept</td><td>%lld</td></tr>\n", (long long)r->kept);
    fprintf(f, "<tr><td>duration_ms missing (-1)</td><td>%lld</td></tr>\n",
            (long long)r->missing_duration);
    fprintf(f, "<tr><td>tempo missing (?)</td><td>%lld</td></tr>\n",
            (long long)r->missing_tempo);
    fprintf(f, "<tr><td>artists / rows without artist (empty_field)</td><td>%lld / %lld</td></tr>\n",
            (long long)r->groups, (long long)r->no_group_rows);
    fprintf(f, "<tr><td>train / test rows</td><td>%zu / %zu</td></tr>\n", r->ntr, r->nte);
    fputs("</table>\n<h3>Imputation</h3>\n<table><tr><th>rows</th><th>duration from artist "
          "median</th><th>duration from global median</th><th>tempo imputed</th></tr>\n",
          f);
    for (int s = 0; s < (r->opt.reference_order ? 1 : 2); s++)
        fprintf(f, "<tr><td><b>this run</b>: %s</td><td>%lld</td><td>%lld</td><td>%lld</td></tr>\n",
                r->opt.reference_order ? "all rows (reference order, before the split)"
                : s ? "test rows (leak-free: medians of the training rows)"
                    : "training rows (leak-free)",
                (long long)r->dur_from_group[s], (long long)r->dur_from_global[s],
                (long long)r->tempo_imputed[s]);
    if (r->have_alt)
        for (int s = 0; s < (r->opt.reference_order ? 2 : 1); s++)
            fprintf(f, "<tr><td>other order, for comparison: %s</td><td>%lld</td><td>%lld</td>"
                       "<td>%lld</td></tr>\n",
                    !r->opt.reference_order ? "all rows (reference order, before the split)"
                    : s ? "test rows (leak-free)" : "training rows (leak-free)",
                    (long long)r->alt_dur_from_group[s], (long long)r->alt_dur_from_global[s],
                    (long long)r->alt_tempo_imputed[s]);
    fputs("</table>\n<p>The reference analysis filled the medians over all rows before the "
          "split, so test rows lent their durations to the training rows' artist medians; "
          "<code>--reference-order</code> reproduces that order, the default fits every "
          "median on the training rows only. Both orders' counts are shown.</p>\n", f);
    if (r->tempo_mlp)
        fprintf(f, "<p>Tempo: MLP regressor (12 features, 32-16 ReLU, 30 epochs) fit on %lld "
                   "training rows with a tempo; held-out R&sup2; on %lld rows: <b>%.3f</b> "
                   "(the training median scores %.3f; scikit-learn's MLPRegressor gets about "
                   "0.13).</p>\n",
                (long long)r->tempo_fit_rows, (long long)r->tempo_holdout_rows, r->tempo_r2,
                r->tempo_r2_median);
    else
        fputs("<p>Tempo: training median.</p>\n", f);
    fputs("<h3>Split and leakage</h3>\n", f);
    fputs("<table><tr><th>genre</th><th>train</th><th>test</th></tr>\n", f);
    for (int k = 0; k < NC; k++)
        fprintf(f, "<tr><td>%s</td><td>%lld</td><td>%lld</td></tr>\n", r->genre[k],
                (long long)r->train_per_class[k], (long long)r->test_per_class[k]);
    fputs("</table>\n", f);
    if (r->have_leak)
        fprintf(f, "<p>Leakage report: %lld artists are on both sides; %lld test rows have an "
                   "artist seen in training; %lld test rows duplicate a training row's "
                   "features.</p>\n",
                (long long)r->shared_groups, (long long)r->test_in_train_groups,
                (long long)r->duplicate_rows);
    else
        fputs("<p>Leakage report: not available for an external split file.</p>\n", f);
    html_plots(f, r, "features");
    /* reduction */
    fputs("<h2>Dimensionality reduction</h2>\n", f);
    if (r->have_pca) {
        fputs("<h3>PCA (11 continuous standardized features + mode; key left out)</h3>\n"
              "<table><tr><th>component</th><th>ratio</th><th>cumulative</th><th>top "
              "loadings</th></tr>\n",
              f);
        double cum = 0;
        const char *names12[NF - 1];
        for (int j = 0, k = 0; j < NF; j++)
            if (j != KEY_COL)
                names12[k++] = FEAT[j];
        for (int k = 0; k < NF - 1; k++) {
            cum += r->pca_ratio[k];
            fprintf(f, "<tr><td>PC %d</td><td>%.4f</td><td>%.4f</td><td style=\"text-align:"
                       "left\">",
                    k + 1, r->pca_ratio[k], cum);
            int used[NF] = {0};
            for (int t = 0; t < 3; t++) {
                int best = -1;
                for (int j = 0; j < NF - 1; j++)
                    if (!used[j] && (best < 0 || fabs(r->pca_loadings[j * (NF - 1) + k]) >
                                                     fabs(r->pca_loadings[best * (NF - 1) + k])))
                        best = j;
                used[best] = 1;
                fprintf(f, "%s %+.2f%s", names12[best], r->pca_loadings[best * (NF - 1) + k],
                        t < 2 ? ", " : "");
            }
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
    if (r->have_lda) {
        fputs("<h3>LDA (all 13 features)</h3>\n<table><tr><th>discriminant</th><th>ratio</th>"
              "<th>cumulative</th><th>reference</th><th>top scalings</th></tr>\n",
              f);
        double cum = 0;
        const double ref[3] = {0.64, 0.17, 0.11};
        for (int k = 0; k < NC - 1; k++) {
            cum += r->lda_ratio[k];
            fmt_num(a, sizeof a, k < 3 ? ref[k] : NAN, 2, "");
            fprintf(f, "<tr><td>LD %d</td><td>%.4f</td><td>%.4f</td><td>%s</td><td "
                       "style=\"text-align:left\">",
                    k + 1, r->lda_ratio[k], cum, a);
            int used[NF] = {0};
            for (int t = 0; t < 3; t++) {
                int best = -1;
                for (int j = 0; j < NF; j++)
                    if (!used[j] && (best < 0 || fabs(r->lda_scalings[j * (NC - 1) + k]) >
                                                     fabs(r->lda_scalings[best * (NC - 1) + k])))
                        best = j;
                used[best] = 1;
                fprintf(f, "%s %+.2f%s", FEAT[best], r->lda_scalings[best * (NC - 1) + k],
                        t < 2 ? ", " : "");
            }
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
    html_plots(f, r, "reduction");
    /* t-SNE */
    fputs("<h2>t-SNE</h2>\n", f);
    if (r->n_tsne) {
        fputs("<table><tr><th>dimensions</th><th>perplexity</th><th>rows</th><th>KL "
              "divergence</th><th>seconds</th></tr>\n",
              f);
        for (int i = 0; i < r->n_tsne; i++)
            fprintf(f, "<tr><td>%d</td><td>%g</td><td>%lld</td><td>%.4f</td><td>%.1f</td></tr>\n",
                    r->tsne[i].dim, r->tsne[i].perplexity, (long long)r->tsne[i].rows,
                    r->tsne[i].kl, r->tsne[i].seconds);
        fputs("</table>\n", f);
        html_plots(f, r, "tsne");
    } else {
        fputs("<p>Not run (see the stage table).</p>\n", f);
    }
    /* k-means */
    fputs("<h2>k-means on the LDA features</h2>\n", f);
    if (r->have_kmeans[0] || r->have_kmeans[1]) {
        fputs("<table><tr><th>k</th><th>inertia 2-D</th><th>silhouette 2-D</th><th>inertia "
              "3-D</th><th>silhouette 3-D</th></tr>\n",
              f);
        for (int k = 0; k < NKS; k++) {
            fmt_num(a, sizeof a, r->have_kmeans[0] ? r->km_sil[0][k] : NAN, 4, "");
            fmt_num(b, sizeof b, r->have_kmeans[1] ? r->km_sil[1][k] : NAN, 4, "");
            fmt_num(c, sizeof c, r->have_kmeans[0] ? r->km_inertia[0][k] : NAN, 0, "");
            char d[64];
            fmt_num(d, sizeof d, r->have_kmeans[1] ? r->km_inertia[1][k] : NAN, 0, "");
            fprintf(f, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
                    KMIN + k, c, a, d, b);
        }
        fputs("</table>\n<p>Reference: k = 3 best, silhouette 0.44 (2-D) and 0.35 "
              "(3-D).</p>\n",
              f);
        for (int v = 0; v < 2; v++) {
            if (!r->have_kmeans[v])
                continue;
            fprintf(f, "<h3>Genre composition of the clusters, LDA %d-D, k = %d (training "
                       "rows)</h3>\n<table><tr><th>cluster</th>",
                    v + 2, r->km_best[v]);
            for (int g = 0; g < NC; g++)
                fprintf(f, "<th>%s</th>", r->genre[g]);
            fputs("</tr>\n", f);
            for (int k = 0; k < r->km_best[v]; k++) {
                fprintf(f, "<tr><td>%d</td>", k + 1);
                for (int g = 0; g < NC; g++)
                    fprintf(f, "<td>%lld</td>", (long long)r->km_comp[v][k][g]);
                fputs("</tr>\n", f);
            }
            fputs("</table>\n", f);
        }
        html_plots(f, r, "kmeans");
    } else {
        fputs("<p>Not run (see the stage table).</p>\n", f);
    }
    /* models */
    fputs("<h2>Classifiers</h2>\n<table><tr><th>model</th><th>layers</th><th>params</th>"
          "<th>epochs</th><th>reference</th><th>lr</th><th>test macro AUROC</th><th>reference</th><th>test "
          "accuracy</th><th>reference</th><th>train macro AUROC</th><th>train "
          "accuracy</th><th>train time (s)</th><th>reference (s)</th></tr>\n",
          f);
    for (int k = 0; k < r->n_models; k++) {
        model_result *m = &r->m[k];
        if (!m->available) {
            fprintf(f, "<tr><td>%s</td><td>%s</td><td colspan=\"12\" style=\"text-align:"
                       "left\">not available (see the stage table)</td></tr>\n",
                    m->name, m->ref_layers);
            continue;
        }
        fmt_num(a, sizeof a, m->ref_acc * 100, 0, "%");
        fmt_num(b, sizeof b, m->ref_time, 0, "");
        fmt_num(c, sizeof c, m->ref_auroc, 2, "");
        char e[32];
        fmt_num(e, sizeof e, m->ref_epochs, 0, "");
        fprintf(f, "<tr><td>MLP, %s</td><td>%s</td><td>%lld</td><td>%lld</td><td>%s</td><td>%g</td>"
                   "<td><b>%.4f</b></td><td>%s</td><td>%.1f%%</td><td>%s</td><td>%.4f</td>"
                   "<td>%.1f%%</td><td>%.2f</td><td>%s</td></tr>\n",
                m->name, m->ref_layers, (long long)m->params, (long long)m->best_epoch, e, m->lr,
                m->auroc, c, 100 * m->acc, a, m->train_auroc, 100 * m->train_acc,
                m->train_time, b);
    }
    if (r->have_lda_clf)
        fprintf(f, "<tr><td>LDA classifier (baseline)</td><td>13 &rarr; 9</td><td></td><td>"
                   "</td><td></td><td></td><td><b>%.4f</b></td><td>&ndash;</td><td>%.1f%%</td><td>"
                   "&ndash;</td><td>%.4f</td><td>%.1f%%</td><td></td><td></td></tr>\n",
                r->lda_clf_auroc, 100 * r->lda_clf_acc, r->lda_clf_train_auroc,
                100 * r->lda_clf_train_acc);
    fputs("<tr><td>gradient boosting on LDA 3-D (reference benchmark)</td><td>100 trees</td>"
          "<td></td><td></td><td></td><td></td><td>&ndash;</td><td>0.89</td><td>&ndash;</td><td>49%</td>"
          "<td></td><td></td><td></td><td>41</td></tr>\n</table>\n"
          "<p>Epochs and learning rate (0.01 or 0.003) are chosen on validation rows (a "
          "stratified tenth of the training rows, not used for fitting); the test rows are "
          "scored once. Train time is the wall time of the chosen fit (run beside others on "
          "the available cores).</p>\n",
          f);
    html_plots(f, r, "models");
    /* The name study (DESIGN.md step 6, artist and track names) goes here:
     * its section is written by html_name_features() and its numbers by
     * json_name_features(), both empty until that module is wired in. */
    html_name_features(f, r);
    fputs("<p>All numbers: <a href=\"metrics.json\">metrics.json</a>.</p>\n</body></html>\n", f);
    int bad = ferror(f);
    return (fclose(f) || bad) ? -1 : 0;
}

/* ======================================================================== */
/* The report folder (report_dir.c: what may be written where)              */
/* ======================================================================== */

static int make_tmpdir(run *r)
{
    if (report_dir_open(&r->rd, r->opt.out, r->opt.force, r->error, sizeof r->error))
        return -1;
    snprintf(r->plotdir, sizeof r->plotdir, "%s/plots", r->rd.tmp);
    return 0;
}

/* Writes metrics.json and index.html and moves the report into place: a
 * complete one to -o DIR, a partial one to DIR.partial. where receives the
 * folder. */
static int finish_report(run *r, char *where, size_t cap)
{
    char path[sizeof r->rd.tmp + 32];
    int bad = report_dir_record(&r->rd, "metrics.json") ||
              report_dir_record(&r->rd, "index.html");
    snprintf(path, sizeof path, "%s/metrics.json", r->rd.tmp);
    bad = bad || write_json(r, path);
    snprintf(path, sizeof path, "%s/index.html", r->rd.tmp);
    bad = bad || write_html(r, path);
    if (bad) {
        fprintf(stderr, "genre-analysis: cannot write the report in %s: %s\n", r->rd.tmp,
                strerror(errno));
        report_dir_discard(&r->rd);
        return -1;
    }
    if (report_dir_commit(&r->rd, complete(r), where, cap, r->error, sizeof r->error)) {
        fprintf(stderr, "genre-analysis: %s\n", r->error);
        return -1;
    }
    return 0;
}

static void free_run(run *r)
{
    free(r->xtr), free(r->xte), free(r->ytr), free(r->yte), free(r->str), free(r->ste);
    free(r->pca_tr), free(r->lda_tr), free(r->lda_te), free(r->lda_clf_proba);
    free(r->km_labels[0]), free(r->km_labels[1]);
    for (int k = 0; k < 5; k++) {
        free(r->m[k].hist_train), free(r->m[k].hist_val), free(r->m[k].hist_test);
        free(r->m[k].proba_test);
    }
    if (!r->ns_abandoned) { /* else still in use by the study's thread */
        genre_dataset_free(r->ds);
        free(r->ns);
    }
}

static void add_plot_seconds(run *r, double t)
{
    pthread_mutex_lock(&g_reg);
    r->plot_seconds += t;
    pthread_mutex_unlock(&g_reg);
}

/* A side thread: the k-means sweep and its plots, or the data and linear
 * plots. */
typedef struct side {
    run *r;
    stage *s;
    int plots_only;
} side;

static void *side_main(void *arg)
{
    side *a = arg;
    run *r = a->r;
    if (a->plots_only) {
        double t0 = now_s();
        plots_data(r);
        plots_linear(r);
        add_plot_seconds(r, now_s() - t0);
        return NULL;
    }
    stage_kmeans(r, a->s);
    double t0 = now_s();
    if (!r->opt.no_plots)
        plots_kmeans(r);
    add_plot_seconds(r, now_s() - t0);
    return NULL;
}

int main(int argc, char **argv)
{
    static run R;
    run *r = &R;
    r->t_start = now_s();
    int pr = analysis_parse_options(argc, argv, &r->opt);
    if (pr)
        return pr > 0 ? 0 : 2;
    init_models(r);
    snprintf(r->label_col, sizeof r->label_col, "music_genre");
    snprintf(r->group_col, sizeof r->group_col, "artist_name");
    if (find_data(r)) {
        fprintf(stderr, "genre-analysis: %s\n", r->error);
        return 1;
    }
    if (make_tmpdir(r)) {
        fprintf(stderr, "genre-analysis: %s\n", r->error);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    fprintf(stderr, "genre-analysis: %s\n", r->data_path);

    if (stage_data(r) == 0 && !stopping(r)) {
        /* The name study needs only the loaded table and runs on one core
         * for most of its time: it starts now, on a thread of its own, and
         * overlaps everything below (names_wait() joins it). */
        names_start(r);
    }
    if (r->ds && stage_linear(r) == 0) {
        /* Independent work runs side by side: the k-means sweep (then its
         * plots) and the data and linear plots each on a thread of their
         * own, the MLPs (then their plots) on this one. */
        side a = {r, stage_begin(r, "k-means sweep (LDA 2-D, 3-D)"), 0}, p = {r, NULL, 1};
        pthread_t ta, tp;
        int have_a = pthread_create(&ta, NULL, side_main, &a) == 0;
        if (!have_a)
            side_main(&a);
        int have_p = !r->opt.no_plots && pthread_create(&tp, NULL, side_main, &p) == 0;
        if (!have_p && !r->opt.no_plots)
            side_main(&p);
        if (!stopping(r))
            stage_mlp(r);
        double t0 = now_s();
        if (!r->opt.no_plots)
            plots_models(r);
        add_plot_seconds(r, now_s() - t0);
        if (have_a)
            pthread_join(ta, NULL);
        if (have_p)
            pthread_join(tp, NULL);
        if (!r->opt.no_plots) {
            stage *ps = stage_begin(r, "plots (PNG and SVG)");
            ps->seconds = r->plot_seconds;
            ps->status = ST_DONE;
            stage_note(ps, "%d plots; summed over the threads that drew them, beside the "
                           "other stages", r->n_plots);
        }
        if (!stopping(r))
            stage_tsne(r);
    }
    names_wait(r);
    if (r->have_ns && !r->opt.no_plots) {
        double t0 = now_s();
        plots_names(r);
        add_plot_seconds(r, now_s() - t0);
        for (int i = 0; i < r->n_st; i++)
            if (!strcmp(r->st[i].name, "plots (PNG and SVG)")) {
                r->st[i].seconds = r->plot_seconds;
                stage_note(&r->st[i], "%d plots; summed over the threads that drew them, "
                                      "beside the other stages", r->n_plots);
            }
    }
    if (g_cancel && !r->cancelled) {
        r->cancelled = 1;
    }
    if (r->failed && r->n_st == 1 && r->st[0].status == ST_FAILED) {
        /* bad input: one clear message, no report */
        fprintf(stderr, "genre-analysis: %s\n", r->error);
        report_dir_discard(&r->rd);
        free_run(r);
        gplot_shutdown();
        return 1;
    }
    char where[PATH_MAX + 16];
    int rc = finish_report(r, where, sizeof where);
    for (int i = 0; i < r->n_st; i++)
        if (r->st[i].status != ST_DONE)
            fprintf(stderr, "  stage %s: %s%s%s\n", r->st[i].name, ST_NAME[r->st[i].status],
                    r->st[i].note[0] ? ": " : "", r->st[i].note);
    if (rc == 0) {
        /* where the report is, as an absolute path a browser takes */
        if (complete(r))
            printf("Wrote the report (%.1f s): %s/index.html\n", now_s() - r->t_start, where);
        else
            printf("Wrote a PARTIAL report (%.1f s) beside %s, not replacing it: "
                   "%s/index.html\n",
                   now_s() - r->t_start, r->opt.out, where);
    }
    free_run(r);
    gplot_shutdown();
    if (rc)
        return 1;
    if (r->cancelled)
        return 130;
    return r->failed ? 1 : 0;
}
