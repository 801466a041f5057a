/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The threading contract of docs/threads.md, exercised: fitted handles
 * shared by four threads (predict, transform, save); fits with internal
 * threads (MLP team, k-means, Barnes-Hut and FFT t-SNE) on two threads at
 * once; per-thread errors; saves and loads from several threads. Every
 * result is compared bit for bit with the same call made on the test's own
 * thread. A plain unit suite in every build; CI also
 * runs it under ThreadSanitizer (.ci/run), which is what finds races.
 */
#include "harness.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 160     /* rows */
#define D 5       /* features */
#define K 3       /* classes and clusters */
#define NPC 3     /* PCA components */
#define WORKERS 4 /* threads sharing handles */
#define ROUNDS 3  /* passes per worker */
#define TX_CAP (N * 64)
#define N_KINDS 6

/* ---- Data ------------------------------------------------------------------ */

static double X[N * D];
static int32_t Y[N];
static char text_store[N][64];
static const char *TEXTS[N];

static uint64_t lcg;
static double urand(void)
{
    lcg = lcg * 6364136223846793005u + 1442695040888963407u;
    return (double)(lcg >> 11) * 0x1p-53;
}

/* Three blobs in D dimensions and a short text per row naming its blob. */
static void make_data(void)
{
    static const char *const words[K][3] = {{"rock", "guitar", "loud"},
                                            {"jazz", "sax", "swing"},
                                            {"folk", "banjo", "quiet"}};
    lcg = 2026;
    for (size_t i = 0; i < N; i++) {
        int32_t c = (int32_t)(i % K);
        Y[i] = c;
        for (size_t j = 0; j < D; j++)
            X[i * D + j] = urand() - 0.5 + (j == (size_t)c ? 3.0 : 0.0) + 0.1 * (double)j;
        snprintf(text_store[i], sizeof text_store[i], "%s %s %s n%zu", words[c][i % 3],
                 words[c][(i + 1) % 3], words[(c + 1) % K][i % 2], i % 7);
        TEXTS[i] = text_store[i];
    }
}

/* ---- Failures seen by worker threads ------------------------------------------ */

/* Check's assertions belong to the test's thread: a worker writes its first
 * failure here and stops; the test asserts the message is empty after join. */
typedef struct worker_msg {
    char text[512];
} worker_msg;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int wfail(worker_msg *m, const char *fmt, ...)
{
    if (m->text[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(m->text, sizeof m->text, fmt, ap);
        va_end(ap);
    }
    return 0;
}

/* Runs a call in a worker; on failure records the call and its message. */
#define W_OK(m, call)                                                                \
    do {                                                                             \
        genre_status st_ = (call);                                                   \
        if (st_ != GENRE_OK)                                                         \
            return wfail((m), "%s: %s: %s", #call, genre_status_name(st_),           \
                         genre_last_error());                                        \
    } while (0)

/* ---- Fitted handles and everything they compute -------------------------------- */

typedef struct handles {
    genre_scaler *sc;
    genre_pca *pca;
    genre_lda *lda;
    genre_kmeans *km;
    genre_mlp *mlp;
    genre_text *tx;
} handles;

typedef struct outputs {
    double sc[N * D], pca[N * NPC], lda_p[N * K], mlp_p[N * K];
    int32_t lda_l[N], km_l[N], mlp_l[N];
    size_t tx_rp[N + 1];
    uint32_t tx_col[TX_CAP];
    double tx_val[TX_CAP];
    size_t tx_nnz;
    unsigned char *saved[N_KINDS]; /* save_to_memory of each handle (malloc'd) */
    size_t saved_len[N_KINDS];
} outputs;

static void outputs_free(outputs *o)
{
    if (!o)
        return;
    for (size_t k = 0; k < N_KINDS; k++)
        free(o->saved[k]);
    free(o);
}

static void handles_free(handles *h)
{
    genre_scaler_free(h->sc);
    genre_pca_free(h->pca);
    genre_lda_free(h->lda);
    genre_kmeans_free(h->km);
    genre_mlp_free(h->mlp);
    genre_text_free(h->tx);
    memset(h, 0, sizeof *h);
}

static void fit_shared(handles *h)
{
    ck_assert_ok(genre_scaler_create(&h->sc));
    ck_assert_ok(genre_scaler_fit(h->sc, X, N, D, D));
    ck_assert_ok(genre_pca_create(&h->pca));
    ck_assert_ok(genre_pca_set_i64(h->pca, GENRE_PCA_N_COMPONENTS, NPC));
    ck_assert_ok(genre_pca_fit(h->pca, X, N, D, D));
    ck_assert_ok(genre_lda_create(&h->lda));
    ck_assert_ok(genre_lda_fit(h->lda, X, N, D, D, Y));
    ck_assert_ok(genre_kmeans_create(&h->km));
    ck_assert_ok(genre_kmeans_set_i64(h->km, GENRE_KMEANS_K, K));
    ck_assert_ok(genre_kmeans_set_i64(h->km, GENRE_KMEANS_N_THREADS, 1));
    ck_assert_ok(genre_kmeans_fit(h->km, X, N, D, D));
    ck_assert_ok(genre_mlp_create(&h->mlp));
    const int32_t hidden[1] = {8};
    ck_assert_ok(genre_mlp_set_hidden_layers(h->mlp, hidden, 1));
    ck_assert_ok(genre_mlp_set_i64(h->mlp, GENRE_MLP_EPOCHS, 5));
    ck_assert_ok(genre_mlp_set_i64(h->mlp, GENRE_MLP_N_THREADS, 1));
    ck_assert_ok(genre_mlp_fit(h->mlp, X, N, D, D, Y, NULL, 0, 0, NULL));
    ck_assert_ok(genre_text_create(&h->tx));
    ck_assert_ok(genre_text_fit(h->tx, TEXTS, N, 1));
}

#define SAVE_TO_MEMORY(mod, handle, k)                                                   \
    do {                                                                                 \
        size_t need_ = 0;                                                                \
        if (genre_##mod##_save_to_memory((handle), NULL, 0, &need_) !=                   \
            GENRE_E_BUFFER_TOO_SMALL)                                                    \
            return wfail(m, "genre_" #mod "_save_to_memory size query: %s",              \
                         genre_last_error());                                            \
        o->saved[k] = malloc(need_);                                                     \
        if (!o->saved[k])                                                                \
            return wfail(m, "out of memory");                                            \
        W_OK(m, genre_##mod##_save_to_memory((handle), o->saved[k], need_,               \
                                             &o->saved_len[k]));                         \
    } while (0)

/* Every const call on every handle, into o; 1 when all succeeded. */
static int compute(const handles *h, outputs *o, worker_msg *m)
{
    W_OK(m, genre_scaler_transform(h->sc, X, N, D, D, o->sc, N * D, NULL));
    W_OK(m, genre_pca_transform(h->pca, X, N, D, D, o->pca, N * NPC, NULL));
    W_OK(m, genre_lda_predict_proba(h->lda, X, N, D, D, o->lda_p, N * K, NULL));
    W_OK(m, genre_lda_predict(h->lda, X, N, D, D, o->lda_l, N, NULL));
    W_OK(m, genre_kmeans_predict(h->km, X, N, D, D, o->km_l, N, NULL));
    W_OK(m, genre_mlp_predict_proba(h->mlp, X, N, D, D, o->mlp_p, N * K, NULL));
    W_OK(m, genre_mlp_predict(h->mlp, X, N, D, D, o->mlp_l, N, NULL));
    W_OK(m, genre_text_transform(h->tx, TEXTS, N, 1, o->tx_rp, o->tx_col, o->tx_val, TX_CAP,
                                 &o->tx_nnz));
    SAVE_TO_MEMORY(scaler, h->sc, 0);
    SAVE_TO_MEMORY(pca, h->pca, 1);
    SAVE_TO_MEMORY(lda, h->lda, 2);
    SAVE_TO_MEMORY(kmeans, h->km, 3);
    SAVE_TO_MEMORY(mlp, h->mlp, 4);
    SAVE_TO_MEMORY(text, h->tx, 5);
    return 1;
}

/* 1 when o equals the reference bit for bit. */
static int same(const outputs *o, const outputs *ref, worker_msg *m)
{
#define SAME_FIELD(f)                                                                    \
    if (memcmp(o->f, ref->f, sizeof o->f) != 0)                                          \
    return wfail(m, "%s differs from the single-thread reference", #f)
    SAME_FIELD(sc);
    SAME_FIELD(pca);
    SAME_FIELD(lda_p);
    SAME_FIELD(mlp_p);
    SAME_FIELD(lda_l);
    SAME_FIELD(km_l);
    SAME_FIELD(mlp_l);
    SAME_FIELD(tx_rp);
#undef SAME_FIELD
    if (o->tx_nnz != ref->tx_nnz ||
        memcmp(o->tx_col, ref->tx_col, o->tx_nnz * sizeof *o->tx_col) != 0 ||
        memcmp(o->tx_val, ref->tx_val, o->tx_nnz * sizeof *o->tx_val) != 0)
        return wfail(m, "text CSR differs from the single-thread reference");
    for (size_t k = 0; k < N_KINDS; k++)
        if (o->saved_len[k] != ref->saved_len[k] ||
            memcmp(o->saved[k], ref->saved[k], ref->saved_len[k]) != 0)
            return wfail(m, "saved model %zu differs from the single-thread save", k);
    return 1;
}

static outputs *reference_of(const handles *h)
{
    outputs *ref = calloc(1, sizeof *ref);
    ck_assert_ptr_nonnull(ref);
    worker_msg m = {{0}};
    int ok = compute(h, ref, &m);
    ck_assert_msg(ok, "%s", m.text);
    return ref;
}

/* ---- Four threads on shared fitted handles ---------------------------------------- */

typedef struct share_ctx {
    const handles *h;
    const outputs *ref;
    pthread_barrier_t *start;
    worker_msg msg;
} share_ctx;

static int share_rounds(share_ctx *c)
{
    outputs *o = calloc(1, sizeof *o);
    if (!o)
        return wfail(&c->msg, "out of memory");
    int ok = 1;
    for (int r = 0; r < ROUNDS && ok; r++) {
        ok = compute(c->h, o, &c->msg) && same(o, c->ref, &c->msg);
        for (size_t k = 0; k < N_KINDS; k++) {
            free(o->saved[k]);
            o->saved[k] = NULL;
        }
    }
    free(o);
    return ok;
}

static void *share_worker(void *p)
{
    share_ctx *c = p;
    pthread_barrier_wait(c->start);
    share_rounds(c);
    return NULL;
}

START_TEST(shared_handles_on_four_threads)
{
    make_data();
    handles h = {0};
    fit_shared(&h);
    outputs *ref = reference_of(&h);
    pthread_barrier_t start;
    ck_assert_int_eq(pthread_barrier_init(&start, NULL, WORKERS), 0);
    pthread_t th[WORKERS];
    share_ctx ctx[WORKERS];
    for (size_t i = 0; i < WORKERS; i++) {
        ctx[i] = (share_ctx){.h = &h, .ref = ref, .start = &start};
        ck_assert_int_eq(pthread_create(&th[i], NULL, share_worker, &ctx[i]), 0);
    }
    for (size_t i = 0; i < WORKERS; i++)
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
    for (size_t i = 0; i < WORKERS; i++)
        ck_assert_msg(ctx[i].msg.text[0] == '\0', "thread %zu: %s", i, ctx[i].msg.text);
    pthread_barrier_destroy(&start);
    outputs_free(ref);
    handles_free(&h);
}
END_TEST

/* ---- Separate fits with internal threads, two at once ------------------------------- */

typedef struct fit_result {
    double mlp_p[N * K];    /* float32 MLP fitted on a 2-thread team */
    double km_centers[K * D];
    int32_t km_labels[N];   /* k-means on 2 threads */
    double tsne_bh[N * 2];  /* Barnes-Hut t-SNE on 2 threads */
    double tsne_fft[N * 2]; /* FFT t-SNE on 2 threads */
} fit_result;

static int fit_mlp(fit_result *r, worker_msg *m)
{
    genre_mlp *mlp = NULL;
    const int32_t hidden[2] = {16, 8};
    W_OK(m, genre_mlp_create(&mlp));
    int ok = 0;
    if (genre_mlp_set_hidden_layers(mlp, hidden, 2) == GENRE_OK &&
        genre_mlp_set_i64(mlp, GENRE_MLP_PRECISION, GENRE_MLP_PRECISION_FLOAT) == GENRE_OK &&
        genre_mlp_set_i64(mlp, GENRE_MLP_N_THREADS, 2) == GENRE_OK &&
        genre_mlp_set_i64(mlp, GENRE_MLP_BATCH_SIZE, 64) == GENRE_OK &&
        genre_mlp_set_i64(mlp, GENRE_MLP_EPOCHS, 4) == GENRE_OK &&
        genre_mlp_fit(mlp, X, N, D, D, Y, NULL, 0, 0, NULL) == GENRE_OK &&
        genre_mlp_predict_proba(mlp, X, N, D, D, r->mlp_p, N * K, NULL) == GENRE_OK)
        ok = 1;
    else
        wfail(m, "MLP fit on a 2-thread team: %s", genre_last_error());
    genre_mlp_free(mlp);
    return ok;
}

static int fit_kmeans(fit_result *r, worker_msg *m)
{
    genre_kmeans *km = NULL;
    W_OK(m, genre_kmeans_create(&km));
    int ok = 0;
    if (genre_kmeans_set_i64(km, GENRE_KMEANS_K, K) == GENRE_OK &&
        genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 3) == GENRE_OK &&
        genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, 2) == GENRE_OK &&
        genre_kmeans_set_i64(km, GENRE_KMEANS_DISTANCE_KERNEL, GENRE_KMEANS_KERNEL_BUILTIN) ==
            GENRE_OK &&
        genre_kmeans_fit(km, X, N, D, D) == GENRE_OK &&
        genre_kmeans_get_centers(km, r->km_centers, K * D, NULL) == GENRE_OK &&
        genre_kmeans_get_labels(km, r->km_labels, N, NULL) == GENRE_OK)
        ok = 1;
    else
        wfail(m, "k-means fit on 2 threads: %s", genre_last_error());
    genre_kmeans_free(km);
    return ok;
}

static int fit_tsne(int64_t method, double *out, worker_msg *m)
{
    genre_tsne *t = NULL;
    W_OK(m, genre_tsne_create(&t));
    int ok = 0;
    if (genre_tsne_set_i64(t, GENRE_TSNE_METHOD, method) == GENRE_OK &&
        genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 10.0) == GENRE_OK &&
        genre_tsne_set_i64(t, GENRE_TSNE_MAX_ITER, 50) == GENRE_OK &&
        genre_tsne_set_i64(t, GENRE_TSNE_INIT, GENRE_TSNE_INIT_RANDOM) == GENRE_OK &&
        genre_tsne_set_i64(t, GENRE_TSNE_N_THREADS, 2) == GENRE_OK &&
        genre_tsne_fit_embed(t, X, N, D, D, out, N * 2, NULL) == GENRE_OK)
        ok = 1;
    else
        wfail(m, "t-SNE fit (method %d) on 2 threads: %s", (int)method, genre_last_error());
    genre_tsne_free(t);
    return ok;
}

static int fit_tsne_bh(fit_result *r, worker_msg *m)
{
    return fit_tsne(GENRE_TSNE_METHOD_BARNES_HUT, r->tsne_bh, m);
}

static int fit_tsne_fft(fit_result *r, worker_msg *m)
{
    return fit_tsne(GENRE_TSNE_METHOD_FFT, r->tsne_fft, m);
}

typedef struct fit_ctx {
    int reverse; /* the other thread fits in the opposite order */
    pthread_barrier_t *start;
    fit_result res;
    worker_msg msg;
} fit_ctx;

static void *fit_worker(void *p)
{
    fit_ctx *c = p;
    if (c->start)
        pthread_barrier_wait(c->start);
    int (*const steps[4])(fit_result *, worker_msg *) = {fit_mlp, fit_kmeans, fit_tsne_bh,
                                                         fit_tsne_fft};
    for (int s = 0; s < 4; s++)
        if (!steps[c->reverse ? 3 - s : s](&c->res, &c->msg))
            break;
    return NULL;
}

START_TEST(separate_threaded_fits_on_two_threads)
{
    make_data();
    fit_ctx *ref = calloc(1, sizeof *ref), *ctx = calloc(2, sizeof *ctx);
    ck_assert_ptr_nonnull(ref);
    ck_assert_ptr_nonnull(ctx);
    fit_worker(ref); /* the reference, alone on the test's thread */
    ck_assert_msg(ref->msg.text[0] == '\0', "%s", ref->msg.text);
    pthread_barrier_t start;
    ck_assert_int_eq(pthread_barrier_init(&start, NULL, 2), 0);
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        ctx[i].reverse = i;
        ctx[i].start = &start;
        ck_assert_int_eq(pthread_create(&th[i], NULL, fit_worker, &ctx[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < 2; i++) {
        ck_assert_msg(ctx[i].msg.text[0] == '\0', "thread %d: %s", i, ctx[i].msg.text);
        /* same seed and thread count: the same bits (docs/threads.md) */
        ck_assert_msg(memcmp(ctx[i].res.mlp_p, ref->res.mlp_p, sizeof ref->res.mlp_p) == 0,
                      "thread %d: MLP differs", i);
        ck_assert_msg(memcmp(ctx[i].res.km_centers, ref->res.km_centers,
                             sizeof ref->res.km_centers) == 0 &&
                          memcmp(ctx[i].res.km_labels, ref->res.km_labels,
                                 sizeof ref->res.km_labels) == 0,
                      "thread %d: k-means differs", i);
        ck_assert_msg(memcmp(ctx[i].res.tsne_bh, ref->res.tsne_bh, sizeof ref->res.tsne_bh) ==
                          0,
                      "thread %d: Barnes-Hut t-SNE differs", i);
        ck_assert_msg(memcmp(ctx[i].res.tsne_fft, ref->res.tsne_fft,
                             sizeof ref->res.tsne_fft) == 0,
                      "thread %d: FFT t-SNE differs", i);
    }
    pthread_barrier_destroy(&start);
    free(ctx);
    free(ref);
}
END_TEST

/* ---- genre_last_error is per thread ----------------------------------------------- */

typedef struct err_ctx {
    int id;
    genre_kmeans *km; /* the thread's own handle */
    pthread_barrier_t *step;
    worker_msg msg;
} err_ctx;

/* Each round every thread fails a call with a value of its own, waits until
 * all have, and checks it still reads its own message; on odd rounds it then
 * clears it and checks it reads none, while the others still hold theirs. */
static void *err_worker(void *p)
{
    err_ctx *c = p;
    if (genre_last_status() != GENRE_OK || genre_last_error()[0] != '\0') {
        wfail(&c->msg, "a new thread starts with \"%s\"", genre_last_error());
        return NULL;
    }
    for (int r = 0; r < 8; r++) {
        char want[32];
        int64_t bad = -(int64_t)(1000 * c->id + r + 1);
        snprintf(want, sizeof want, "%lld", (long long)bad);
        genre_status st = genre_kmeans_set_i64(c->km, GENRE_KMEANS_K, bad);
        pthread_barrier_wait(c->step);
        if (st != GENRE_E_INVALID_ARG || genre_last_status() != GENRE_E_INVALID_ARG ||
            !strstr(genre_last_error(), want))
            wfail(&c->msg, "round %d: wanted %s in \"%s\"", r, want, genre_last_error());
        if (r % 2) {
            genre_clear_error();
            pthread_barrier_wait(c->step);
            if (genre_last_status() != GENRE_OK || genre_last_error()[0] != '\0')
                wfail(&c->msg, "round %d: cleared but reads \"%s\"", r, genre_last_error());
        }
        pthread_barrier_wait(c->step);
    }
    return NULL;
}

START_TEST(last_error_is_per_thread)
{
    pthread_barrier_t step;
    ck_assert_int_eq(pthread_barrier_init(&step, NULL, WORKERS), 0);
    /* an error on the test's thread is not seen by the workers either */
    ck_assert_status(genre_scaler_create(NULL), GENRE_E_INVALID_ARG);
    pthread_t th[WORKERS];
    err_ctx ctx[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        ctx[i] = (err_ctx){.id = i + 1, .step = &step};
        ck_assert_ok(genre_kmeans_create(&ctx[i].km));
        ck_assert_int_eq(pthread_create(&th[i], NULL, err_worker, &ctx[i]), 0);
    }
    for (int i = 0; i < WORKERS; i++)
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < WORKERS; i++) {
        ck_assert_msg(ctx[i].msg.text[0] == '\0', "thread %d: %s", i, ctx[i].msg.text);
        genre_kmeans_free(ctx[i].km);
    }
    ck_assert_int_eq(genre_last_status(), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_scaler_create"));
    pthread_barrier_destroy(&step);
}
END_TEST

/* ---- Saves and loads from several threads ------------------------------------------ */

typedef struct io_ctx {
    const handles *h;
    const outputs *ref;
    char (*own)[256];         /* this thread's files, one per kind */
    char (*common)[256];      /* files every thread saves to at once */
    pthread_barrier_t *step;
    worker_msg msg;
} io_ctx;

static int save_all(const handles *h, char (*path)[256], worker_msg *m)
{
    W_OK(m, genre_scaler_save(h->sc, path[0]));
    W_OK(m, genre_pca_save(h->pca, path[1]));
    W_OK(m, genre_lda_save(h->lda, path[2]));
    W_OK(m, genre_kmeans_save(h->km, path[3]));
    W_OK(m, genre_mlp_save(h->mlp, path[4]));
    W_OK(m, genre_text_save(h->tx, path[5]));
    return 1;
}

static int load_all(handles *h, char (*path)[256], worker_msg *m)
{
    W_OK(m, genre_scaler_load(&h->sc, path[0]));
    W_OK(m, genre_pca_load(&h->pca, path[1]));
    W_OK(m, genre_lda_load(&h->lda, path[2]));
    W_OK(m, genre_kmeans_load(&h->km, path[3]));
    W_OK(m, genre_mlp_load(&h->mlp, path[4]));
    W_OK(m, genre_text_load(&h->tx, path[5]));
    return 1;
}

static int load_all_from_memory(handles *h, const outputs *ref, worker_msg *m)
{
    W_OK(m, genre_scaler_load_from_memory(&h->sc, ref->saved[0], ref->saved_len[0]));
    W_OK(m, genre_pca_load_from_memory(&h->pca, ref->saved[1], ref->saved_len[1]));
    W_OK(m, genre_lda_load_from_memory(&h->lda, ref->saved[2], ref->saved_len[2]));
    W_OK(m, genre_kmeans_load_from_memory(&h->km, ref->saved[3], ref->saved_len[3]));
    W_OK(m, genre_mlp_load_from_memory(&h->mlp, ref->saved[4], ref->saved_len[4]));
    W_OK(m, genre_text_load_from_memory(&h->tx, ref->saved[5], ref->saved_len[5]));
    return 1;
}

/* Loads by `how` (0 own files, 1 common files, 2 memory), then computes and
 * compares with the reference. */
static int loaded_matches(io_ctx *c, int how)
{
    handles h = {0};
    outputs *o = calloc(1, sizeof *o);
    int ok = o != NULL;
    if (!ok)
        wfail(&c->msg, "out of memory");
    if (ok)
        ok = how == 2   ? load_all_from_memory(&h, c->ref, &c->msg)
             : how == 1 ? load_all(&h, c->common, &c->msg)
                        : load_all(&h, c->own, &c->msg);
    if (ok)
        ok = compute(&h, o, &c->msg) && same(o, c->ref, &c->msg);
    outputs_free(o);
    handles_free(&h);
    return ok;
}

static void *io_worker(void *p)
{
    io_ctx *c = p;
    pthread_barrier_wait(c->step);
    int ok = save_all(c->h, c->own, &c->msg) && loaded_matches(c, 0) &&
             loaded_matches(c, 2);
    /* every thread replaces the common files at once; each save is atomic,
     * so whichever lands last, each file is a whole model */
    ok = ok && save_all(c->h, c->common, &c->msg);
    pthread_barrier_wait(c->step);
    if (ok)
        loaded_matches(c, 1);
    return NULL;
}

START_TEST(saves_and_loads_from_four_threads)
{
    make_data();
    handles h = {0};
    fit_shared(&h);
    outputs *ref = reference_of(&h);
    static char own[WORKERS][N_KINDS][256], common[N_KINDS][256];
    for (size_t k = 0; k < N_KINDS; k++) {
        genre_test_temp_file(common[k], sizeof common[k]);
        for (size_t i = 0; i < WORKERS; i++)
            genre_test_temp_file(own[i][k], sizeof own[i][k]);
    }
    pthread_barrier_t step;
    ck_assert_int_eq(pthread_barrier_init(&step, NULL, WORKERS), 0);
    pthread_t th[WORKERS];
    io_ctx ctx[WORKERS];
    for (size_t i = 0; i < WORKERS; i++) {
        ctx[i] = (io_ctx){.h = &h, .ref = ref, .own = own[i], .common = common, .step = &step};
        ck_assert_int_eq(pthread_create(&th[i], NULL, io_worker, &ctx[i]), 0);
    }
    for (size_t i = 0; i < WORKERS; i++)
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
    for (size_t i = 0; i < WORKERS; i++)
        ck_assert_msg(ctx[i].msg.text[0] == '\0', "thread %zu: %s", i, ctx[i].msg.text);
    for (size_t k = 0; k < N_KINDS; k++) {
        remove(common[k]);
        for (size_t i = 0; i < WORKERS; i++)
            remove(own[i][k]);
    }
    pthread_barrier_destroy(&step);
    outputs_free(ref);
    handles_free(&h);
}
END_TEST

static Suite *concurrency_suite(void)
{
    Suite *s = suite_create("core_concurrency");
    TCase *tc = tcase_create("contract");
    tcase_set_timeout(tc, 300); /* generous for ThreadSanitizer; ~1 s plain */
    tcase_add_test(tc, shared_handles_on_four_threads);
    tcase_add_test(tc, separate_threaded_fits_on_two_threads);
    tcase_add_test(tc, last_error_is_per_thread);
    tcase_add_test(tc, saves_and_loads_from_four_threads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return genre_test_run(concurrency_suite());
}
