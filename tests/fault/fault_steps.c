/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The steps of the fault walk: every fit of every module, on small inputs
 * (a few hundred rows) so thousands of reruns stay fast, and every module's
 * save and load through a file and through memory. Each step frees all it
 * made; inputs, output buffers and fitted models come from
 * fault_steps_setup() so a step allocates only inside the library.
 */
#define _GNU_SOURCE
#include "fault_steps.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define NR 240   /* rows of the dense data */
#define NC 6     /* columns */
#define NK 3     /* classes */
#define NT 60    /* t-SNE rows */
#define NRW 600  /* rows and columns of the wide data (threaded BLAS) */
#define NCW 120
#define TEXT_BUCKETS 256
#define CSV_EVERY 150 /* one real-data row in 150: ~330 rows, every genre */

#define TRY(call)                                                              \
    do {                                                                       \
        if (st == GENRE_OK)                                                    \
            st = (call);                                                       \
    } while (0)

/* ---- inputs ------------------------------------------------------------- */

static double X[NR * NC];
static double XW[NRW * NCW];
static int32_t Y[NR];
static double OUT[NR * 64];     /* every step's output buffer */
static int32_t IOUT[NR];
static int64_t I64OUT[64];

static char *TEXT_STORE[NR * 2];
static const char *TEXTS[NR * 2]; /* two fields per row */
static size_t CSR_RP[NR + 1];
static uint32_t *CSR_CI;
static double *CSR_V;
static size_t CSR_NNZ;
static size_t CSR_COLS;

static char DIR[64];
static char CSV_PLAIN[128], CSV_GZ[128];
static unsigned char *GZ_BYTES; /* CSV_GZ's contents */
static size_t GZ_LEN;

/* fitted models, and each one saved to memory and to a file */
enum { M_SCALER, M_PCA, M_LDA, M_KMEANS, M_MLP_D, M_MLP_F, M_TEXT, M_TSNE, M_PREP, M_COUNT };
static const char *const MODEL_NAME[M_COUNT] = {"scaler", "pca", "lda", "kmeans", "mlp_d",
                                                "mlp_f", "text", "tsne", "prep"};
static genre_scaler *SCALER;
static genre_pca *PCA;
static genre_lda *LDA;
static genre_kmeans *KMEANS;
static genre_mlp *MLP_D, *MLP_F;
static genre_text *TEXT;
static genre_tsne *TSNE;
static genre_dataset_prep *PREP;
static genre_dataset_schema *SCHEMA;
static void *SAVED[M_COUNT];
static size_t SAVED_LEN[M_COUNT];
static void *SAVE_BUF[M_COUNT]; /* room for a step's save_to_memory */
static char FILE_IN[M_COUNT][128], FILE_OUT[M_COUNT][128];

static const char *const FEAT[] = {"popularity", "acousticness", "danceability", "duration_ms",
                                   "energy", "tempo", "valence", "mode", "key"};
#define NFEAT (sizeof FEAT / sizeof FEAT[0])

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static double uniform(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static void make_blobs(void)
{
    for (size_t i = 0; i < NRW * NCW; i++)
        XW[i] = uniform() + (double)(i % 7);
    for (size_t i = 0; i < NR; i++) {
        Y[i] = (int32_t)(i % NK);
        for (size_t j = 0; j < NC; j++)
            X[i * NC + j] = 3.0 * (double)(((size_t)Y[i] + j) % NK) + uniform() - 0.5;
    }
}

static const char *const WORDS[NK][4] = {{"love", "night", "baby", "heart"},
                                         {"war", "fire", "blood", "king"},
                                         {"sun", "sea", "summer", "wave"}};

static int make_texts(void)
{
    for (size_t i = 0; i < NR; i++) {
        char a[64], t[96];
        snprintf(a, sizeof a, "artist %zu", i % 37);
        snprintf(t, sizeof t, "%s %s %zu", WORDS[Y[i]][i % 4], WORDS[Y[i]][(i / 4) % 4], i);
        TEXT_STORE[2 * i] = strdup(a);
        TEXT_STORE[2 * i + 1] = strdup(t);
        if (!TEXT_STORE[2 * i] || !TEXT_STORE[2 * i + 1])
            return -1;
        TEXTS[2 * i] = TEXT_STORE[2 * i];
        TEXTS[2 * i + 1] = TEXT_STORE[2 * i + 1];
    }
    return 0;
}

/* A few hundred rows of the real data set, plain and gzip-compressed. */
static int write_csvs(void)
{
    char src[4096];
    snprintf(src, sizeof src, "%s/data/music_genre.csv.gz", GENRE_SOURCE_DIR);
    gzFile in = gzopen(src, "rb");
    snprintf(CSV_PLAIN, sizeof CSV_PLAIN, "%s/small.csv", DIR);
    snprintf(CSV_GZ, sizeof CSV_GZ, "%s/small.csv.gz", DIR);
    FILE *plain = fopen(CSV_PLAIN, "w");
    gzFile gz = gzopen(CSV_GZ, "wb");
    if (!in || !plain || !gz)
        return -1;
    char line[8192];
    for (long n = 0; gzgets(in, line, sizeof line); n++) {
        if (n % CSV_EVERY != 0)
            continue;
        fputs(line, plain);
        gzputs(gz, line);
    }
    gzclose(in);
    if (fclose(plain) != 0 || gzclose(gz) != Z_OK)
        return -1;
    FILE *f = fopen(CSV_GZ, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0)
        return -1;
    long size = ftell(f);
    rewind(f);
    GZ_BYTES = size > 0 ? malloc((size_t)size) : NULL;
    if (!GZ_BYTES || fread(GZ_BYTES, 1, (size_t)size, f) != (size_t)size)
        return -1;
    GZ_LEN = (size_t)size;
    return fclose(f) == 0 ? 0 : -1;
}

/* ---- the fits ----------------------------------------------------------- */

static genre_status scaler_fit(void)
{
    genre_scaler *s = NULL;
    genre_status st = genre_scaler_create(&s);
    TRY(genre_scaler_fit(s, X, NR, NC, NC));
    TRY(genre_scaler_transform(s, X, NR, NC, NC, OUT, NR * NC, NULL));
    genre_scaler_free(s);
    return st;
}

static genre_status pca_fit(void)
{
    genre_pca *p = NULL;
    genre_status st = genre_pca_create(&p);
    TRY(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, 3));
    TRY(genre_pca_fit(p, X, NR, NC, NC));
    TRY(genre_pca_transform(p, X, NR, NC, NC, OUT, NR * 3, NULL));
    genre_pca_free(p);
    return st;
}

/* Wide enough that OpenBLAS would thread its dsyrk (n >= 100) and dgemm
 * (m n k > 262144) if libgenre let it (lib/common/linalg.c keeps every call
 * on one thread, and the eigensolver uses no BLAS): a threaded level-3
 * driver would exit(1) here when its job array cannot be allocated, and
 * any threaded call would start OpenBLAS's thread pool again after the
 * walk's fork(), which raise(SIGINT)s when pthread_create fails. */
static genre_status pca_fit_wide(void)
{
    genre_pca *p = NULL;
    genre_status st = genre_pca_create(&p);
    TRY(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, 8));
    TRY(genre_pca_fit(p, XW, NRW, NCW, NCW));
    TRY(genre_pca_transform(p, XW, NRW, NCW, NCW, OUT, NRW * 8, NULL));
    genre_pca_free(p);
    return st;
}

static genre_status lda_fit(void)
{
    genre_lda *l = NULL;
    genre_status st = genre_lda_create(&l);
    TRY(genre_lda_fit(l, X, NR, NC, NC, Y));
    TRY(genre_lda_predict_proba(l, X, NR, NC, NC, OUT, NR * NK, NULL));
    TRY(genre_lda_transform(l, X, NR, NC, NC, OUT, NR * NK, NULL));
    genre_lda_free(l);
    return st;
}

static genre_status kmeans_run(int64_t threads)
{
    genre_kmeans *km = NULL;
    genre_status st = genre_kmeans_create(&km);
    TRY(genre_kmeans_set_i64(km, GENRE_KMEANS_K, NK));
    TRY(genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 2));
    TRY(genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, threads));
    TRY(genre_kmeans_fit(km, X, NR, NC, NC));
    TRY(genre_kmeans_predict(km, X, NR, NC, NC, IOUT, NR, NULL));
    TRY(genre_kmeans_sweep(km, X, NR, NC, NC, 2, 4, OUT, OUT + 8, 3, NULL));
    genre_kmeans_free(km);
    return st;
}
static genre_status kmeans_fit_t1(void) { return kmeans_run(1); }
static genre_status kmeans_fit_t2(void) { return kmeans_run(2); }

/* A streamed k-means pass (issue 19): sample, init, two partial states
 * merged, saved, loaded, the update. */
static genre_status kmeans_stream(void)
{
    genre_kmeans *km = NULL;
    genre_kmeans_sample *s = NULL;
    genre_kmeans_partial *a = NULL, *b = NULL, *c = NULL;
    static unsigned char buf[1 << 14];
    size_t len = 0;
    genre_status st = genre_kmeans_create(&km);
    TRY(genre_kmeans_set_i64(km, GENRE_KMEANS_K, NK));
    TRY(genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, 2));
    TRY(genre_kmeans_sample_create(&s, NC, 100, 3));
    TRY(genre_kmeans_sample_add(s, X, NR, NC, NC));
    TRY(genre_kmeans_init_from_sample(km, s));
    TRY(genre_kmeans_partial_create_from_model(&a, km));
    TRY(genre_kmeans_partial_create_from_model(&b, km));
    TRY(genre_kmeans_partial_add(a, X, NR / 2, NC, NC));
    TRY(genre_kmeans_partial_add(b, X + NR / 2 * NC, NR - NR / 2, NC, NC));
    TRY(genre_kmeans_partial_merge(a, b));
    TRY(genre_kmeans_partial_save_to_memory(a, buf, sizeof buf, &len));
    TRY(genre_kmeans_partial_load_from_memory(&c, buf, len));
    TRY(genre_kmeans_fit_partial(km, c));
    TRY(genre_kmeans_get_centers(km, OUT, NK * NC, NULL));
    genre_kmeans_partial_free(a);
    genre_kmeans_partial_free(b);
    genre_kmeans_partial_free(c);
    genre_kmeans_sample_free(s);
    genre_kmeans_free(km);
    return st;
}

static genre_status silhouette(void)
{
    double mean;
    genre_status st = genre_metrics_silhouette(X, NR, NC, NC, Y, 1, &mean, OUT, NR, NULL,
                                               NULL, NULL);
    TRY(genre_metrics_silhouette(X, NR, NC, NC, Y, 2, &mean, NULL, 0, NULL, NULL, NULL));
    TRY(genre_metrics_silhouette_sampled(X, NR, NC, NC, Y, 100, 7, 2, &mean));
    return st;
}

static genre_status mlp_make(genre_mlp **m, int64_t precision, int64_t threads)
{
    const int32_t widths[2] = {8, 5};
    genre_status st = genre_mlp_create(m);
    TRY(genre_mlp_set_hidden_layers(*m, widths, 2));
    TRY(genre_mlp_set_i64(*m, GENRE_MLP_EPOCHS, 3));
    TRY(genre_mlp_set_i64(*m, GENRE_MLP_PATIENCE, 2));
    TRY(genre_mlp_set_i64(*m, GENRE_MLP_BATCH_SIZE, 32));
    TRY(genre_mlp_set_f64(*m, GENRE_MLP_DROPOUT, 0.1));
    TRY(genre_mlp_set_i64(*m, GENRE_MLP_N_THREADS, threads));
    TRY(genre_mlp_set_i64(*m, GENRE_MLP_PRECISION, precision));
    return st;
}

static genre_status mlp_dense(int64_t precision, int64_t threads)
{
    genre_mlp *m = NULL;
    const size_t nt = NR * 3 / 4, nv = NR - nt;
    genre_status st = mlp_make(&m, precision, threads);
    TRY(genre_mlp_fit(m, X, nt, NC, NC, Y, X + nt * NC, nv, NC, Y + nt));
    TRY(genre_mlp_predict_proba(m, X, NR, NC, NC, OUT, NR * NK, NULL));
    TRY(genre_mlp_predict(m, X, NR, NC, NC, IOUT, NR, NULL));
    genre_mlp_free(m);
    return st;
}
static genre_status mlp_dense_d1(void) { return mlp_dense(GENRE_MLP_PRECISION_DOUBLE, 1); }
static genre_status mlp_dense_d2(void) { return mlp_dense(GENRE_MLP_PRECISION_DOUBLE, 2); }
static genre_status mlp_dense_f1(void) { return mlp_dense(GENRE_MLP_PRECISION_FLOAT, 1); }
static genre_status mlp_dense_f2(void) { return mlp_dense(GENRE_MLP_PRECISION_FLOAT, 2); }

/* MLP partial fits (issue 19) in shuffle windows, saved and loaded between
 * chunks. */
static genre_status mlp_partial(int64_t precision, int64_t threads)
{
    genre_mlp *m = NULL, *q = NULL;
    static unsigned char buf[1 << 15];
    size_t len = 0;
    genre_status st = mlp_make(&m, precision, threads);
    TRY(genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, 0));
    TRY(genre_mlp_set_i64(m, GENRE_MLP_PARTIAL_BUFFER, 100));
    TRY(genre_mlp_partial_fit(m, X, NR / 2, NC, NC, Y));
    TRY(genre_mlp_save_to_memory(m, buf, sizeof buf, &len));
    TRY(genre_mlp_load_from_memory(&q, buf, len));
    TRY(genre_mlp_set_i64(q, GENRE_MLP_N_THREADS, threads));
    TRY(genre_mlp_partial_fit(q, X + NR / 2 * NC, NR - NR / 2, NC, NC, Y + NR / 2));
    TRY(genre_mlp_predict_proba(q, X, NR, NC, NC, OUT, NR * NK, NULL));
    genre_mlp_free(m);
    genre_mlp_free(q);
    return st;
}
static genre_status mlp_partial_d2(void) { return mlp_partial(GENRE_MLP_PRECISION_DOUBLE, 2); }
static genre_status mlp_partial_f1(void) { return mlp_partial(GENRE_MLP_PRECISION_FLOAT, 1); }

static genre_status mlp_csr(int64_t precision, int64_t threads)
{
    genre_mlp *m = NULL;
    const size_t nt = NR * 3 / 4, nv = NR - nt, off = CSR_RP[nt];
    static size_t vrp[NR + 1];
    for (size_t i = 0; i <= nv; i++)
        vrp[i] = CSR_RP[nt + i] - off;
    genre_status st = mlp_make(&m, precision, threads);
    TRY(genre_mlp_fit_csr(m, nt, CSR_COLS, CSR_RP[nt], CSR_RP, CSR_CI, CSR_V, Y, nv, vrp[nv], vrp,
                          CSR_CI + off, CSR_V + off, Y + nt));
    TRY(genre_mlp_predict_proba_csr(m, NR, CSR_COLS, CSR_RP[NR], CSR_RP, CSR_CI, CSR_V, OUT,
                                    NR * NK, NULL));
    TRY(genre_mlp_transform_csr(m, 1, NR, CSR_COLS, CSR_RP[NR], CSR_RP, CSR_CI, CSR_V, OUT, NR * 8,
                                NULL));
    genre_mlp_free(m);
    return st;
}
static genre_status mlp_csr_d1(void) { return mlp_csr(GENRE_MLP_PRECISION_DOUBLE, 1); }

static genre_status mlp_regression(void)
{
    genre_mlp *m = NULL;
    static double target[NR];
    for (size_t i = 0; i < NR; i++)
        target[i] = X[i * NC] - 0.5 * X[i * NC + 1];
    const size_t nt = NR * 3 / 4, nv = NR - nt;
    genre_status st = mlp_make(&m, GENRE_MLP_PRECISION_DOUBLE, 2);
    TRY(genre_mlp_fit_regression(m, X, nt, NC, NC, target, 1, X + nt * NC, nv, NC,
                                 target + nt));
    TRY(genre_mlp_predict_values(m, X, NR, NC, NC, OUT, NR, NULL));
    genre_mlp_free(m);
    return st;
}

static genre_status text_fit(void)
{
    genre_text *t = NULL;
    static size_t rp[NR + 1];
    size_t nnz = 0;
    genre_status st = genre_text_create(&t);
    TRY(genre_text_set_i64(t, GENRE_TEXT_N_BUCKETS, TEXT_BUCKETS));
    TRY(genre_text_fit(t, TEXTS, NR, 2));
    TRY(genre_text_transform(t, TEXTS, NR, 2, rp, CSR_CI, CSR_V, CSR_NNZ, &nnz));
    genre_text_free(t);
    return st;
}

static genre_status metrics(void)
{
    static double proba[NR * NK], pb[NR * NK];
    for (size_t i = 0; i < NR * NK; i++) {
        proba[i] = (double)((i * 7919) % 101 + 1) / 300.0;
        pb[i] = (double)((i * 104729) % 97 + 1) / 300.0;
    }
    double v, lo, hi;
    size_t np;
    genre_status st = genre_metrics_roc_auc_ovr(Y, proba, NR, NK, NK,
                                                GENRE_METRICS_AVERAGE_MACRO, &v);
    TRY(genre_metrics_roc_auc_ovr(Y, proba, NR, NK, NK, GENRE_METRICS_AVERAGE_WEIGHTED, &v));
    TRY(genre_metrics_roc_auc_per_class(Y, proba, NR, NK, NK, OUT, NK, NULL));
    TRY(genre_metrics_roc_auc(Y, proba, NR, NK, 1, &v));
    TRY(genre_metrics_roc_curve_micro(Y, proba, NR, NK, NK, 0, OUT, OUT + NR * 4, OUT + NR * 8,
                                      NR * 4, &np));
    TRY(genre_metrics_log_loss(Y, proba, NR, NK, NK, &v));
    TRY(genre_metrics_confusion_matrix(Y, IOUT, NR, NK, I64OUT, NK * NK, NULL));
    TRY(genre_metrics_roc_auc_bootstrap_diff(Y, proba, NK, pb, NK, NR, NK, 20, 5, 0.95, &v,
                                             &lo, &hi));
    return st;
}

/* ---- the partial states (issue 19): two chunks, a merge, a round trip
 * through memory and the fits; outputs go to OUT (fitted values) and
 * PARTIAL_BUF (the saved states). */
static unsigned char PARTIAL_BUF[4][16384];

static genre_status partial_linear(void)
{
    genre_scaler_partial *sa = NULL, *sb = NULL, *sl = NULL;
    genre_pca_partial *pa = NULL, *pb = NULL, *pl = NULL;
    genre_lda_partial *la = NULL, *lb = NULL, *ll = NULL;
    genre_scaler *s = NULL;
    genre_pca *p = NULL;
    genre_lda *l = NULL;
    size_t half = NR / 2, n;
    genre_status st = genre_scaler_partial_create(&sa, NC);
    TRY(genre_scaler_partial_create(&sb, NC));
    TRY(genre_scaler_partial_add(sa, X, half, NC, NC));
    TRY(genre_scaler_partial_add(sb, X + half * NC, NR - half, NC, NC));
    TRY(genre_scaler_partial_merge(sa, sb));
    TRY(genre_scaler_partial_save_to_memory(sa, PARTIAL_BUF[0], sizeof PARTIAL_BUF[0], &n));
    TRY(genre_scaler_partial_load_from_memory(&sl, PARTIAL_BUF[0], n));
    TRY(genre_scaler_create(&s));
    TRY(genre_scaler_fit_partial(s, sl));
    TRY(genre_scaler_get_variance(s, OUT, NC, NULL));
    TRY(genre_pca_partial_create(&pa, NC));
    TRY(genre_pca_partial_create(&pb, NC));
    TRY(genre_pca_partial_add(pa, X, half, NC, NC));
    TRY(genre_pca_partial_add(pb, X + half * NC, NR - half, NC, NC));
    TRY(genre_pca_partial_merge(pa, pb));
    TRY(genre_pca_partial_save_to_memory(pa, PARTIAL_BUF[1], sizeof PARTIAL_BUF[1], &n));
    TRY(genre_pca_partial_load_from_memory(&pl, PARTIAL_BUF[1], n));
    TRY(genre_pca_create(&p));
    TRY(genre_pca_fit_partial(p, pl));
    TRY(genre_pca_get_explained_variance(p, OUT + NC, NC, NULL));
    TRY(genre_lda_partial_create(&la, NC));
    TRY(genre_lda_partial_create(&lb, NC));
    TRY(genre_lda_partial_add(la, X, half, NC, NC, Y));
    TRY(genre_lda_partial_add(lb, X + half * NC, NR - half, NC, NC, Y + half));
    TRY(genre_lda_partial_merge(la, lb));
    TRY(genre_lda_partial_save_to_memory(la, PARTIAL_BUF[2], sizeof PARTIAL_BUF[2], &n));
    TRY(genre_lda_partial_load_from_memory(&ll, PARTIAL_BUF[2], n));
    TRY(genre_lda_create(&l));
    TRY(genre_lda_fit_partial(l, ll));
    TRY(genre_lda_get_xbar(l, OUT + 2 * NC, NC, NULL));
    genre_scaler_partial_free(sa);
    genre_scaler_partial_free(sb);
    genre_scaler_partial_free(sl);
    genre_pca_partial_free(pa);
    genre_pca_partial_free(pb);
    genre_pca_partial_free(pl);
    genre_lda_partial_free(la);
    genre_lda_partial_free(lb);
    genre_lda_partial_free(ll);
    genre_scaler_free(s);
    genre_pca_free(p);
    genre_lda_free(l);
    return st;
}

static genre_status partial_metrics(void)
{
    static double proba[NR * NK];
    for (size_t i = 0; i < NR * NK; i++)
        proba[i] = (double)((i * 7919) % 101 + 1) / 300.0;
    genre_metrics_partial *a = NULL, *b = NULL, *c = NULL;
    size_t half = NR / 2, n;
    genre_status st = genre_metrics_partial_create(&a, NK);
    TRY(genre_metrics_partial_create(&b, NK));
    TRY(genre_metrics_partial_add(a, proba, half, NK, NK, Y, NULL));
    TRY(genre_metrics_partial_add(b, proba + half * NK, NR - half, NK, NK, Y + half, NULL));
    TRY(genre_metrics_partial_merge(a, b));
    TRY(genre_metrics_partial_save_to_memory(a, PARTIAL_BUF[3], sizeof PARTIAL_BUF[3], &n));
    TRY(genre_metrics_partial_load_from_memory(&c, PARTIAL_BUF[3], n));
    TRY(genre_metrics_partial_roc_auc_ovr(c, GENRE_METRICS_AVERAGE_MACRO, OUT));
    TRY(genre_metrics_partial_roc_auc_ovr(c, GENRE_METRICS_AVERAGE_MICRO, OUT + 1));
    TRY(genre_metrics_partial_roc_auc_per_class(c, OUT + 2, NK, NULL));
    TRY(genre_metrics_partial_accuracy(c, OUT + 2 + NK));
    genre_metrics_partial_free(a);
    genre_metrics_partial_free(b);
    genre_metrics_partial_free(c);
    return st;
}

static genre_status tsne_run(int64_t method, int64_t threads)
{
    genre_tsne *t = NULL;
    double kl;
    genre_status st = genre_tsne_create(&t);
    TRY(genre_tsne_set_i64(t, GENRE_TSNE_METHOD, method));
    TRY(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 5.0));
    TRY(genre_tsne_set_i64(t, GENRE_TSNE_MAX_ITER, 30));
    TRY(genre_tsne_set_i64(t, GENRE_TSNE_EXAGGERATION_ITER, 10));
    TRY(genre_tsne_set_i64(t, GENRE_TSNE_N_THREADS, threads));
    TRY(genre_tsne_fit_embed(t, X, NT, NC, NC, OUT, NT * 2, NULL));
    TRY(genre_tsne_kl_divergence(t, X, NT, NC, NC, OUT, 2, 2, &kl));
    genre_tsne_free(t);
    return st;
}
static genre_status tsne_exact(void) { return tsne_run(GENRE_TSNE_METHOD_EXACT, 1); }
static genre_status tsne_bh_t1(void) { return tsne_run(GENRE_TSNE_METHOD_BARNES_HUT, 1); }
static genre_status tsne_bh_t2(void) { return tsne_run(GENRE_TSNE_METHOD_BARNES_HUT, 2); }
static genre_status tsne_fft_t1(void) { return tsne_run(GENRE_TSNE_METHOD_FFT, 1); }
static genre_status tsne_fft_t2(void) { return tsne_run(GENRE_TSNE_METHOD_FFT, 2); }

/* shared affinities: one created on 2 threads, one derived from it, fits
 * from both (2-D and 3-D Barnes-Hut, FFT); the source freed first */
static genre_status tsne_affinity(void)
{
    genre_tsne *t = NULL, *s = NULL;
    genre_tsne_affinity *big = NULL, *small = NULL;
    genre_status st = genre_tsne_create(&t);
    TRY(genre_tsne_create(&s));
    TRY(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 8.0));
    TRY(genre_tsne_set_f64(s, GENRE_TSNE_PERPLEXITY, 5.0));
    genre_tsne *both[2] = {t, s};
    for (int i = 0; i < 2; i++) {
        TRY(genre_tsne_set_i64(both[i], GENRE_TSNE_METHOD, GENRE_TSNE_METHOD_BARNES_HUT));
        TRY(genre_tsne_set_i64(both[i], GENRE_TSNE_MAX_ITER, 30));
        TRY(genre_tsne_set_i64(both[i], GENRE_TSNE_EXAGGERATION_ITER, 10));
        TRY(genre_tsne_set_i64(both[i], GENRE_TSNE_N_THREADS, 2));
    }
    TRY(genre_tsne_affinity_create(&big, t, X, NT, NC, NC));
    TRY(genre_tsne_affinity_derive(&small, s, big));
    genre_tsne_affinity_free(big);
    TRY(genre_tsne_fit_embed_affinity(s, small, X, NT, NC, NC, OUT, NT * 2, NULL));
    TRY(genre_tsne_set_i64(s, GENRE_TSNE_N_COMPONENTS, 3));
    TRY(genre_tsne_fit_embed_affinity(s, small, X, NT, NC, NC, OUT + NT * 2, NT * 3, NULL));
    TRY(genre_tsne_set_i64(s, GENRE_TSNE_N_COMPONENTS, 2));
    TRY(genre_tsne_set_i64(s, GENRE_TSNE_METHOD, GENRE_TSNE_METHOD_FFT));
    TRY(genre_tsne_fit_embed_affinity(s, small, X, NT, NC, NC, OUT + NT * 5, NT * 2, NULL));
    genre_tsne_affinity_free(small);
    genre_tsne_free(t);
    genre_tsne_free(s);
    return st;
}

/* read + drop empty rows + prep + grouped split + export, as genre-analysis */
static genre_status dataset_run(const char *path)
{
    genre_dataset *ds = NULL, *train = NULL, *test = NULL;
    genre_dataset_split *sp = NULL;
    genre_dataset_prep *p = NULL;
    size_t need = 0;
    genre_status st = genre_dataset_read(&ds, SCHEMA, path);
    TRY(genre_dataset_drop_empty_rows(ds));
    TRY(genre_dataset_split_grouped(&sp, ds, 4, 11));
    TRY(genre_dataset_subset(&train, ds, sp, GENRE_SPLIT_TRAIN));
    TRY(genre_dataset_subset(&test, ds, sp, GENRE_SPLIT_TEST));
    TRY(genre_dataset_prep_create(&p, SCHEMA));
    TRY(genre_dataset_prep_add_group_median(p, "duration_ms"));
    TRY(genre_dataset_prep_add_impute(p, "tempo", GENRE_IMPUTE_MEDIAN));
    TRY(genre_dataset_prep_fit_apply(p, train));
    TRY(genre_dataset_prep_apply(p, test));
    TRY(genre_dataset_export_matrix(test, FEAT, NFEAT, OUT, sizeof OUT / sizeof OUT[0], &need));
    TRY(genre_dataset_export_labels(test, IOUT, NR, &need));
    genre_dataset_prep_free(p);
    genre_dataset_split_free(sp);
    genre_dataset_free(test);
    genre_dataset_free(train);
    genre_dataset_free(ds);
    return st;
}
static genre_status dataset_plain(void) { return dataset_run(CSV_PLAIN); }

/* the gzip bytes from memory, the stratified split, the leakage check, the
 * report and a text column */
static genre_status dataset_memory(void)
{
    genre_dataset *ds = NULL;
    genre_dataset_split *sp = NULL;
    static char text[1 << 16];
    static size_t offsets[1024];
    size_t need = 0;
    int64_t shared, in_train, dup;
    genre_status st = genre_dataset_read_from_memory(&ds, SCHEMA, GZ_BYTES, GZ_LEN, "small.csv.gz");
    TRY(genre_dataset_drop_empty_rows(ds));
    TRY(genre_dataset_split_stratified(&sp, ds, 4, 5));
    TRY(genre_dataset_leakage(ds, sp, &shared, &in_train, &dup));
    TRY(genre_dataset_report_text(ds, text, sizeof text, &need));
    TRY(genre_dataset_export_text(ds, "track_name", text, sizeof text, &need, offsets));
    genre_dataset_split_free(sp);
    genre_dataset_free(ds);
    return st;
}
static genre_status dataset_gzip(void) { return dataset_run(CSV_GZ); }

/* issue 18: inference from the gzip file (notes), the schema text written,
 * parsed back and written again, a declared imputation fit; the sizes and a
 * checksum of the texts are the outputs */
/* inference in parts: 2.3 MiB in memory on 3 threads (the parallel read
 * starts at 2 MiB), quoted line breaks, an odd cell and a late category */
static genre_status schema_infer_parts(void)
{
    static char buf[(23 << 20) / 10 + 4096], notes[1 << 16], text[1 << 12];
    static size_t len;
    if (len == 0) {
        len = (size_t)snprintf(buf, sizeof buf, "a,b,note,label\n");
        for (unsigned i = 0; len < (23u << 20) / 10; i++)
            len += (size_t)snprintf(buf + len, sizeof buf - len,
                                    i % 997 == 5 ? "%u.5,x%u,\"two\nlines\",c%u\n"
                                    : i == 150000 ? "%u,?,z%u,c%u\n"
                                                  : "%u.25,%u,t,c%u\n",
                                    i % 1000, i % 7, i % 3);
    }
    genre_dataset_schema *opt = NULL, *s = NULL;
    size_t need = 0, need2 = 0;
    genre_status st = genre_dataset_schema_create(&opt);
    TRY(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_THREADS, 3));
    TRY(genre_dataset_schema_infer_from_memory(&s, opt, buf, len, "parts.csv", "label"));
    TRY(genre_dataset_schema_infer_notes(s, notes, sizeof notes, &need));
    TRY(genre_dataset_schema_save_to_memory(s, text, sizeof text, &need2));
    if (st == GENRE_OK) {
        uint64_t sum = 0;
        for (size_t i = 0; i + 1 < need; i++)
            sum = sum * 31 + (unsigned char)notes[i];
        for (size_t i = 0; i + 1 < need2; i++)
            sum = sum * 31 + (unsigned char)text[i];
        OUT[0] = (double)need;
        OUT[1] = (double)need2;
        OUT[2] = (double)(sum % 1000000007u);
    }
    genre_dataset_schema_free(s);
    genre_dataset_schema_free(opt);
    return st;
}

static genre_status schema_infer_text(void)
{
    static char text[1 << 16], again[1 << 16], notes[1 << 18];
    genre_dataset_schema *s = NULL, *p = NULL;
    genre_dataset *ds = NULL;
    genre_dataset_prep *prep = NULL;
    size_t need = 0, need2 = 0, need3 = 0;
    genre_status st = genre_dataset_schema_infer(&s, NULL, CSV_GZ, "music_genre");
    TRY(genre_dataset_schema_infer_notes(s, notes, sizeof notes, &need3));
    TRY(genre_dataset_schema_save_to_memory(s, text, sizeof text, &need));
    TRY(genre_dataset_schema_load_from_memory(&p, text, need - 1, "inferred.schema"));
    TRY(genre_dataset_schema_save_to_memory(p, again, sizeof again, &need2));
    TRY(genre_dataset_read(&ds, p, CSV_PLAIN));
    TRY(genre_dataset_drop_empty_rows(ds));
    TRY(genre_dataset_prep_create(&prep, p));
    TRY(genre_dataset_prep_add_declared(prep, NULL, NULL, NULL));
    TRY(genre_dataset_prep_fit_apply(prep, ds));
    if (st == GENRE_OK) {
        uint64_t sum = 0;
        for (size_t i = 0; i < need; i++)
            sum = sum * 31 + (unsigned char)text[i] + (i < need2 ? (unsigned char)again[i] : 0);
        OUT[0] = (double)need;
        OUT[1] = (double)need2;
        OUT[2] = (double)need3;
        OUT[3] = (double)(sum % 1000000007u);
    }
    genre_dataset_prep_free(prep);
    genre_dataset_free(ds);
    genre_dataset_schema_free(p);
    genre_dataset_schema_free(s);
    return st;
}
/* the streaming reader in chunks of 7 (each chunk's track names into OUT),
 * whole or as a range with a record index */
static genre_status stream_run(const char *path, int range)
{
    genre_dataset_reader *r = NULL;
    genre_dataset_index *ix = NULL;
    genre_status st = GENRE_OK;
    if (range) {
        TRY(genre_dataset_index_build(&ix, SCHEMA, path, 5));
        TRY(genre_dataset_reader_open_range(&r, SCHEMA, path, 2000, 20000, ix));
    } else {
        TRY(genre_dataset_reader_open(&r, SCHEMA, path));
    }
    char *text = (char *)OUT;
    size_t at = 0;
    while (st == GENRE_OK) {
        genre_dataset *ds = NULL;
        size_t need = 0;
        st = genre_dataset_reader_next(r, 7, &ds);
        if (!ds)
            break;
        TRY(genre_dataset_export_text(ds, "track_name", text + at, sizeof OUT - at, &need, NULL));
        at += need < 64 ? need : 64;
        genre_dataset_free(ds);
    }
    genre_dataset_reader_free(r);
    genre_dataset_index_free(ix);
    return st;
}
static genre_status stream_plain(void) { return stream_run(CSV_PLAIN, 0); }
static genre_status stream_gzip(void) { return stream_run(CSV_GZ, 0); }
static genre_status stream_range(void) { return stream_run(CSV_PLAIN, 1); }

/* issue 19: the preparation's statistics over the gzip file in chunks of
 * 400 rows, two states per pass merged and shipped through memory; the
 * fitted preparation's bytes are the output */
static genre_status stream_prep(void)
{
    static unsigned char buf[1 << 20];
    genre_dataset_prep *prep = NULL;
    genre_dataset_prep_partial *a = NULL, *b = NULL, *c = NULL;
    genre_dataset_reader *r = NULL;
    size_t n = 0;
    int more = 1;
    genre_status st = genre_dataset_prep_create(&prep, SCHEMA);
    TRY(genre_dataset_prep_add_declared(prep, NULL, NULL, NULL));
    TRY(genre_dataset_prep_partial_create(&a, prep));
    while (st == GENRE_OK && more) {
        TRY(genre_dataset_prep_partial_save_to_memory(a, buf, sizeof buf, &n));
        TRY(genre_dataset_prep_partial_load_from_memory(&b, buf, n));
        TRY(genre_dataset_reader_open(&r, SCHEMA, CSV_GZ));
        for (int k = 0; st == GENRE_OK; k++) {
            genre_dataset *ds = NULL;
            st = genre_dataset_reader_next(r, 400, &ds);
            if (!ds)
                break;
            TRY(genre_dataset_drop_empty_rows(ds));
            TRY(genre_dataset_prep_partial_add(k < 3 ? a : b, ds));
            genre_dataset_free(ds);
        }
        genre_dataset_reader_free(r);
        r = NULL;
        TRY(genre_dataset_prep_partial_merge(a, b));
        genre_dataset_prep_partial_free(b);
        b = NULL;
        TRY(genre_dataset_prep_partial_save_to_memory(a, buf, sizeof buf, &n));
        TRY(genre_dataset_prep_partial_load_from_memory(&c, buf, n));
        genre_dataset_prep_partial_free(a);
        a = c;
        c = NULL;
        TRY(genre_dataset_prep_partial_end_pass(a, &more));
    }
    TRY(genre_dataset_prep_fit_partial(prep, a));
    TRY(genre_dataset_prep_save_to_memory(prep, OUT, sizeof OUT, &n));
    genre_dataset_prep_partial_free(a);
    genre_dataset_prep_free(prep);
    return st;
}

static genre_status schema_builtin(void)
{
    genre_dataset_schema *s = NULL;
    genre_status st = genre_dataset_schema_create_music_genre(&s);
    genre_dataset_schema_free(s);
    return st;
}

/* ---- saves and loads ---------------------------------------------------- */

/* One save to a file and one to memory, for the model kind k. */
#define SAVE_STEP(k, mod, handle)                                                       \
    static genre_status mod##_save_##k(void)                                            \
    {                                                                                   \
        size_t len = 0;                                                                 \
        genre_status st = genre_##mod##_save(handle, FILE_OUT[k]);                      \
        TRY(genre_##mod##_save_to_memory(handle, SAVE_BUF[k], SAVED_LEN[k], &len));     \
        return st;                                                                      \
    }
/* One load from a file and one from memory, each used once (use). */
#define LOAD_STEP(k, mod, use)                                                          \
    static genre_status mod##_load_##k(void)                                            \
    {                                                                                   \
        genre_##mod *a = NULL, *b = NULL;                                               \
        genre_status st = genre_##mod##_load(&a, FILE_IN[k]);                           \
        TRY(genre_##mod##_load_from_memory(&b, SAVED[k], SAVED_LEN[k]));                \
        TRY(use(a));                                                                    \
        TRY(use(b));                                                                    \
        genre_##mod##_free(a);                                                          \
        genre_##mod##_free(b);                                                          \
        return st;                                                                      \
    }

static genre_status use_scaler(genre_scaler *s)
{
    return genre_scaler_transform(s, X, NR, NC, NC, OUT, NR * NC, NULL);
}
static genre_status use_pca(genre_pca *p)
{
    return genre_pca_transform(p, X, NR, NC, NC, OUT, NR * NC, NULL);
}
static genre_status use_lda(genre_lda *l)
{
    return genre_lda_predict_proba(l, X, NR, NC, NC, OUT, NR * NK, NULL);
}
static genre_status use_kmeans(genre_kmeans *k)
{
    return genre_kmeans_predict(k, X, NR, NC, NC, IOUT, NR, NULL);
}
static genre_status use_mlp(genre_mlp *m)
{
    return genre_mlp_predict_proba(m, X, NR, NC, NC, OUT, NR * NK, NULL);
}
static genre_status use_text(genre_text *t)
{
    static size_t rp[NR + 1];
    size_t nnz;
    return genre_text_transform(t, TEXTS, NR, 2, rp, CSR_CI, CSR_V, CSR_NNZ, &nnz);
}
static genre_status use_tsne(genre_tsne *t)
{
    return genre_tsne_get_embedding(t, OUT, NT * 2, NULL);
}

SAVE_STEP(0, scaler, SCALER)
SAVE_STEP(1, pca, PCA)
SAVE_STEP(2, lda, LDA)
SAVE_STEP(3, kmeans, KMEANS)
SAVE_STEP(4, mlp, MLP_D)
SAVE_STEP(5, mlp, MLP_F)
SAVE_STEP(6, text, TEXT)
SAVE_STEP(7, tsne, TSNE)
LOAD_STEP(0, scaler, use_scaler)
LOAD_STEP(1, pca, use_pca)
LOAD_STEP(2, lda, use_lda)
LOAD_STEP(3, kmeans, use_kmeans)
LOAD_STEP(4, mlp, use_mlp)
LOAD_STEP(5, mlp, use_mlp)
LOAD_STEP(6, text, use_text)
LOAD_STEP(7, tsne, use_tsne)

static genre_status prep_save(void)
{
    size_t len = 0;
    genre_status st = genre_dataset_prep_save(PREP, FILE_OUT[M_PREP]);
    TRY(genre_dataset_prep_save_to_memory(PREP, SAVE_BUF[M_PREP], SAVED_LEN[M_PREP], &len));
    return st;
}

static genre_status prep_load(void)
{
    genre_dataset_prep *a = NULL, *b = NULL;
    genre_status st = genre_dataset_prep_load(&a, FILE_IN[M_PREP]);
    TRY(genre_dataset_prep_load_from_memory(&b, SAVED[M_PREP], SAVED_LEN[M_PREP]));
    genre_dataset_prep_free(a);
    genre_dataset_prep_free(b);
    return st;
}

/* ---- the table ---------------------------------------------------------- */

static fault_step STEPS[] = {
    {"scaler_fit", scaler_fit, 0},       {"pca_fit", pca_fit, 0},
    {"pca_fit_wide", pca_fit_wide, 0},   {"lda_fit", lda_fit, 0},
    {"kmeans_fit_t1", kmeans_fit_t1, 0},
    {"kmeans_fit_t2", kmeans_fit_t2, 0}, {"kmeans_stream", kmeans_stream, 0},
    {"silhouette", silhouette, 0},       {"mlp_partial_d2", mlp_partial_d2, 0},
    {"mlp_partial_f1", mlp_partial_f1, 0},
    {"mlp_dense_d1", mlp_dense_d1, 0},   {"mlp_dense_d2", mlp_dense_d2, 0},
    {"mlp_dense_f1", mlp_dense_f1, 0},   {"mlp_dense_f2", mlp_dense_f2, 0},
    {"mlp_csr_d1", mlp_csr_d1, 0},       {"mlp_regression", mlp_regression, 0},
    {"text_fit", text_fit, 0},           {"metrics", metrics, 0},
    {"partial_linear", partial_linear, 0}, {"partial_metrics", partial_metrics, 0},
    {"tsne_exact", tsne_exact, 0},       {"tsne_bh_t1", tsne_bh_t1, 0},
    {"tsne_bh_t2", tsne_bh_t2, 0},       {"tsne_fft_t1", tsne_fft_t1, 0},
    {"tsne_fft_t2", tsne_fft_t2, 0},     {"schema_builtin", schema_builtin, 0},
    {"tsne_affinity", tsne_affinity, 0},
    {"dataset_plain", dataset_plain, 0}, {"dataset_gzip", dataset_gzip, 0},
    {"dataset_memory", dataset_memory, 0},
    {"schema_infer_text", schema_infer_text, 0},
    {"schema_infer_parts", schema_infer_parts, 0},
    {"stream_plain", stream_plain, 0},   {"stream_gzip", stream_gzip, 0},
    {"stream_range", stream_range, 0},   {"stream_prep", stream_prep, 0},
    {"scaler_save", scaler_save_0, 0},   {"scaler_load", scaler_load_0, 0},
    {"pca_save", pca_save_1, 0},         {"pca_load", pca_load_1, 0},
    {"lda_save", lda_save_2, 0},         {"lda_load", lda_load_2, 0},
    {"kmeans_save", kmeans_save_3, 0},   {"kmeans_load", kmeans_load_3, 0},
    {"mlp_d_save", mlp_save_4, 0},       {"mlp_d_load", mlp_load_4, 0},
    {"mlp_f_save", mlp_save_5, 0},       {"mlp_f_load", mlp_load_5, 0},
    {"text_save", text_save_6, 0},       {"text_load", text_load_6, 0},
    {"tsne_save", tsne_save_7, 0},       {"tsne_load", tsne_load_7, 0},
    {"prep_save", prep_save, 0},         {"prep_load", prep_load, 0},
};

size_t fault_steps_get(fault_step **steps)
{
    *steps = STEPS;
    return sizeof STEPS / sizeof STEPS[0];
}

/* ---- the digest ---------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * UINT64_C(0x100000001b3);
    return h;
}

uint64_t fault_steps_digest(void)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    h = fnv(h, OUT, sizeof OUT);
    h = fnv(h, IOUT, sizeof IOUT);
    h = fnv(h, I64OUT, sizeof I64OUT);
    h = fnv(h, PARTIAL_BUF, sizeof PARTIAL_BUF);
    for (int k = 0; k < M_COUNT; k++) {
        if (SAVE_BUF[k])
            h = fnv(h, SAVE_BUF[k], SAVED_LEN[k]);
        FILE *f = FILE_OUT[k][0] ? fopen(FILE_OUT[k], "rb") : NULL;
        if (!f)
            continue;
        unsigned char buf[4096];
        size_t got;
        while ((got = fread(buf, 1, sizeof buf, f)) > 0)
            h = fnv(h, buf, got);
        fclose(f);
    }
    return h;
}

/* ---- setup -------------------------------------------------------------- */

static int fit_models(void)
{
    genre_status st = genre_scaler_create(&SCALER);
    TRY(genre_scaler_fit(SCALER, X, NR, NC, NC));
    TRY(genre_pca_create(&PCA));
    TRY(genre_pca_fit(PCA, X, NR, NC, NC));
    TRY(genre_lda_create(&LDA));
    TRY(genre_lda_fit(LDA, X, NR, NC, NC, Y));
    TRY(genre_kmeans_create(&KMEANS));
    TRY(genre_kmeans_set_i64(KMEANS, GENRE_KMEANS_K, NK));
    TRY(genre_kmeans_fit(KMEANS, X, NR, NC, NC));
    TRY(mlp_make(&MLP_D, GENRE_MLP_PRECISION_DOUBLE, 1));
    TRY(genre_mlp_fit(MLP_D, X, 180, NC, NC, Y, X + 180 * NC, NR - 180, NC, Y + 180));
    TRY(mlp_make(&MLP_F, GENRE_MLP_PRECISION_FLOAT, 1));
    TRY(genre_mlp_fit(MLP_F, X, 180, NC, NC, Y, X + 180 * NC, NR - 180, NC, Y + 180));
    TRY(genre_tsne_create(&TSNE));
    TRY(genre_tsne_set_f64(TSNE, GENRE_TSNE_PERPLEXITY, 5.0));
    TRY(genre_tsne_set_i64(TSNE, GENRE_TSNE_MAX_ITER, 30));
    TRY(genre_tsne_fit_embed(TSNE, X, NT, NC, NC, OUT, NT * 2, NULL));
    /* text: fit, then the CSR features of the MLP steps */
    TRY(genre_text_create(&TEXT));
    TRY(genre_text_set_i64(TEXT, GENRE_TEXT_N_BUCKETS, TEXT_BUCKETS));
    TRY(genre_text_fit(TEXT, TEXTS, NR, 2));
    if (st == GENRE_OK) {
        st = genre_text_transform(TEXT, TEXTS, NR, 2, CSR_RP, NULL, NULL, 0, &CSR_NNZ);
        if (st == GENRE_E_BUFFER_TOO_SMALL)
            st = GENRE_OK;
    }
    if (st == GENRE_OK) {
        CSR_CI = malloc(CSR_NNZ * sizeof *CSR_CI);
        CSR_V = malloc(CSR_NNZ * sizeof *CSR_V);
        if (!CSR_CI || !CSR_V)
            return -1;
    }
    TRY(genre_text_transform(TEXT, TEXTS, NR, 2, CSR_RP, CSR_CI, CSR_V, CSR_NNZ, &CSR_NNZ));
    int64_t nf = 0;
    TRY(genre_text_get_i64(TEXT, GENRE_TEXT_N_FEATURES, &nf));
    CSR_COLS = (size_t)nf;
    /* dataset prep, fitted on the small CSV */
    genre_dataset *ds = NULL;
    TRY(genre_dataset_schema_create_music_genre(&SCHEMA));
    TRY(genre_dataset_read(&ds, SCHEMA, CSV_PLAIN));
    TRY(genre_dataset_drop_empty_rows(ds));
    TRY(genre_dataset_prep_create(&PREP, SCHEMA));
    TRY(genre_dataset_prep_add_group_median(PREP, "duration_ms"));
    TRY(genre_dataset_prep_fit_apply(PREP, ds));
    genre_dataset_free(ds);
    return st == GENRE_OK ? 0 : -1;
}

static int save_models(void)
{
    for (int k = 0; k < M_COUNT; k++) {
        snprintf(FILE_IN[k], sizeof FILE_IN[k], "%s/%s.genre", DIR, MODEL_NAME[k]);
        snprintf(FILE_OUT[k], sizeof FILE_OUT[k], "%s/%s.out.genre", DIR, MODEL_NAME[k]);
    }
#define S(k, mod, h)                                                                    \
    do {                                                                                \
        size_t n_ = 0;                                                                  \
        if (genre_##mod##_save_to_memory(h, NULL, 0, &n_) != GENRE_E_BUFFER_TOO_SMALL)  \
            return -1;                                                                  \
        SAVED[k] = malloc(n_);                                                          \
        SAVE_BUF[k] = malloc(n_);                                                       \
        SAVED_LEN[k] = n_;                                                              \
        if (!SAVED[k] || !SAVE_BUF[k] ||                                                \
            genre_##mod##_save_to_memory(h, SAVED[k], n_, &n_) != GENRE_OK ||           \
            genre_##mod##_save(h, FILE_IN[k]) != GENRE_OK)                              \
            return -1;                                                                  \
    } while (0)
    S(M_SCALER, scaler, SCALER);
    S(M_PCA, pca, PCA);
    S(M_LDA, lda, LDA);
    S(M_KMEANS, kmeans, KMEANS);
    S(M_MLP_D, mlp, MLP_D);
    S(M_MLP_F, mlp, MLP_F);
    S(M_TEXT, text, TEXT);
    S(M_TSNE, tsne, TSNE);
#undef S
    size_t n = 0;
    if (genre_dataset_prep_save_to_memory(PREP, NULL, 0, &n) != GENRE_E_BUFFER_TOO_SMALL)
        return -1;
    SAVED[M_PREP] = malloc(n);
    SAVE_BUF[M_PREP] = malloc(n);
    SAVED_LEN[M_PREP] = n;
    if (!SAVED[M_PREP] || !SAVE_BUF[M_PREP] ||
        genre_dataset_prep_save_to_memory(PREP, SAVED[M_PREP], n, &n) != GENRE_OK ||
        genre_dataset_prep_save(PREP, FILE_IN[M_PREP]) != GENRE_OK)
        return -1;
    return 0;
}

int fault_steps_setup(void)
{
    char dir[] = "/tmp/fault_walk_XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    snprintf(DIR, sizeof DIR, "%s", dir);
    make_blobs();
    if (make_texts() != 0 || write_csvs() != 0)
        return -1;
    if (fit_models() != 0 || save_models() != 0)
        return -1;
    return 0;
}

void fault_steps_teardown(void)
{
    char path[192];
    const char *const extra[] = {CSV_PLAIN, CSV_GZ};
    for (int k = 0; k < M_COUNT; k++) {
        if (FILE_IN[k][0])
            remove(FILE_IN[k]);
        if (FILE_OUT[k][0])
            remove(FILE_OUT[k]);
    }
    for (size_t i = 0; i < 2; i++)
        if (extra[i][0])
            remove(extra[i]);
    if (DIR[0]) {
        snprintf(path, sizeof path, "%s", DIR);
        rmdir(path);
    }
}
