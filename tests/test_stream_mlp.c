/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MLP in a stream (genre/mlp.h, "Partial fits"): one chunk of every row
 * equals genre_mlp_fit() with one epoch bit for bit (double, float, threads,
 * dropout, SGD, cosine); shuffle windows equal chunks; the state survives
 * save/load between chunks; what a fit does to the state; every documented
 * status; cancellation; allocation failures. */
#include "harness.h"

#include <genre/mlp.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 1000
#define DIM 5
#define NCLS 4

static double X[N * DIM];
static int32_t Y[N];

static void make_data(void)
{
    uint64_t s = 99;
    for (size_t i = 0; i < N; i++) {
        Y[i] = (int32_t)(i % NCLS);
        for (size_t t = 0; t < DIM; t++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            const double u = ((double)(s >> 11) + 0.5) / 9007199254740992.0;
            X[i * DIM + t] = (t == (size_t)Y[i] ? 1.5 : 0.0) + (u - 0.5) * 2.0;
        }
    }
}

typedef struct config {
    int64_t precision, threads, batch, optimizer, schedule;
    double dropout, l2;
} config;

static genre_mlp *model_of(const config *c, int64_t epochs)
{
    genre_mlp *m;
    ck_assert_ok(genre_mlp_create(&m));
    int32_t w[2] = {12, 7};
    ck_assert_ok(genre_mlp_set_hidden_layers(m, w, 2));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.01));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, epochs));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, c->batch));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SEED, 3));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, c->precision));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, c->threads));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_OPTIMIZER, c->optimizer));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_LR_SCHEDULE, c->schedule));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_DROPOUT, c->dropout));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_L2, c->l2));
    return m;
}

static void proba(const genre_mlp *m, double *p)
{
    ck_assert_ok(genre_mlp_predict_proba(m, X, N, DIM, DIM, p, N * NCLS, NULL));
}

static const config CONFIGS[] = {
    {GENRE_MLP_PRECISION_DOUBLE, 1, 32, GENRE_MLP_OPT_ADAM, 0, 0.0, 0.0},
    {GENRE_MLP_PRECISION_DOUBLE, 2, 256, GENRE_MLP_OPT_ADAM, 0, 0.0, 1e-3},
    {GENRE_MLP_PRECISION_DOUBLE, 2, 300, GENRE_MLP_OPT_ADAM, 0, 0.25, 0.0},
    {GENRE_MLP_PRECISION_DOUBLE, 1, 50, GENRE_MLP_OPT_ADAM, 0, 0.25, 0.0},
    {GENRE_MLP_PRECISION_FLOAT, 1, 64, GENRE_MLP_OPT_ADAM, 0, 0.0, 0.0},
    {GENRE_MLP_PRECISION_FLOAT, 2, 512, GENRE_MLP_OPT_ADAM, 0, 0.1, 0.0},
    {GENRE_MLP_PRECISION_DOUBLE, 1, 0, GENRE_MLP_OPT_SGD, 0, 0.0, 0.0},
    {GENRE_MLP_PRECISION_DOUBLE, 1, 40, GENRE_MLP_OPT_SGD, GENRE_MLP_SCHEDULE_COSINE, 0.0, 0.0},
};
#define N_CONFIGS (sizeof CONFIGS / sizeof CONFIGS[0])

/* One chunk holding every row = genre_mlp_fit() with GENRE_MLP_EPOCHS 1 and
 * no validation rows: the same probabilities, hidden activations and loss
 * history, bit for bit; GENRE_MLP_EPOCHS plays no part in partial_fit. */
START_TEST(one_chunk_equals_one_epoch_of_fit)
{
    make_data();
    static double pa[N * NCLS], pb[N * NCLS], ha[N * 12], hb[N * 12];
    for (size_t c = 0; c < N_CONFIGS; c++) {
        genre_mlp *a = model_of(&CONFIGS[c], 1), *b = model_of(&CONFIGS[c], 40);
        ck_assert_ok(genre_mlp_fit(a, X, N, DIM, DIM, Y, NULL, 0, 0, NULL));
        ck_assert_ok(genre_mlp_partial_fit(b, X, N, DIM, DIM, Y));
        proba(a, pa);
        proba(b, pb);
        ck_assert_msg(memcmp(pa, pb, sizeof pa) == 0, "config %zu: probabilities differ", c);
        ck_assert_ok(genre_mlp_transform(a, 1, X, N, DIM, DIM, ha, N * 12, NULL));
        ck_assert_ok(genre_mlp_transform(b, 1, X, N, DIM, DIM, hb, N * 12, NULL));
        ck_assert_msg(memcmp(ha, hb, sizeof ha) == 0, "config %zu: activations differ", c);
        double la, lb;
        size_t ea, eb;
        ck_assert_ok(genre_mlp_get_history(a, GENRE_MLP_HISTORY_TRAIN_LOSS, &la, 1, &ea));
        ck_assert_ok(genre_mlp_get_history(b, GENRE_MLP_HISTORY_TRAIN_LOSS, &lb, 1, &eb));
        ck_assert_uint_eq(ea, 1);
        ck_assert_uint_eq(eb, 1);
        ck_assert_msg(memcmp(&la, &lb, sizeof la) == 0, "config %zu: loss %.17g vs %.17g", c,
                      la, lb);
        int64_t run;
        ck_assert_ok(genre_mlp_get_i64(b, GENRE_MLP_EPOCHS_RUN, &run));
        ck_assert_int_eq(run, 1);
        /* a buffer of at least the rows is the whole chunk */
        genre_mlp *d = model_of(&CONFIGS[c], 40);
        ck_assert_ok(genre_mlp_set_i64(d, GENRE_MLP_PARTIAL_BUFFER, N));
        ck_assert_ok(genre_mlp_partial_fit(d, X, N, DIM, DIM, Y));
        proba(d, pb);
        ck_assert(memcmp(pa, pb, sizeof pa) == 0);
        genre_mlp_free(a), genre_mlp_free(b), genre_mlp_free(d);
    }
}
END_TEST

/* A chunk cut into shuffle windows of B rows trains as chunks of B rows. */
START_TEST(windows_equal_chunks)
{
    make_data();
    static double pa[N * NCLS], pb[N * NCLS];
    const size_t B = 300;
    for (size_t c = 0; c < N_CONFIGS; c++) {
        genre_mlp *a = model_of(&CONFIGS[c], 1), *b = model_of(&CONFIGS[c], 1);
        ck_assert_ok(genre_mlp_set_i64(a, GENRE_MLP_PARTIAL_BUFFER, (int64_t)B));
        for (int pass = 0; pass < 2; pass++) {
            ck_assert_ok(genre_mlp_partial_fit(a, X, N, DIM, DIM, Y));
            for (size_t r0 = 0; r0 < N; r0 += B)
                ck_assert_ok(genre_mlp_partial_fit(b, X + r0 * DIM, N - r0 < B ? N - r0 : B,
                                                   DIM, DIM, Y + r0));
        }
        proba(a, pa);
        proba(b, pb);
        ck_assert_msg(memcmp(pa, pb, sizeof pa) == 0, "config %zu", c);
        genre_mlp_free(a), genre_mlp_free(b);
    }
}
END_TEST

/* Chunks of 1, 7 and 1,000 rows over several passes learn the blobs; the
 * same chunks give the same bits. */
START_TEST(chunks_learn_and_reproduce)
{
    make_data();
    static double pa[N * NCLS], pb[N * NCLS];
    const size_t sizes[] = {1, 7, 1000};
    for (size_t z = 0; z < 3; z++) {
        const config c = {GENRE_MLP_PRECISION_DOUBLE, 0, 32, GENRE_MLP_OPT_ADAM, 0, 0.0, 0.0};
        genre_mlp *a = model_of(&c, 1), *b = model_of(&c, 1);
        ck_assert_ok(genre_mlp_set_i64(a, GENRE_MLP_N_CLASSES, NCLS));
        ck_assert_ok(genre_mlp_set_i64(b, GENRE_MLP_N_CLASSES, NCLS));
        const int passes = sizes[z] == 1 ? 1 : 8;
        for (int pass = 0; pass < passes; pass++)
            for (size_t r0 = 0; r0 < N; r0 += sizes[z]) {
                const size_t r = N - r0 < sizes[z] ? N - r0 : sizes[z];
                ck_assert_ok(genre_mlp_partial_fit(a, X + r0 * DIM, r, DIM, DIM, Y + r0));
                ck_assert_ok(genre_mlp_partial_fit(b, X + r0 * DIM, r, DIM, DIM, Y + r0));
            }
        proba(a, pa);
        proba(b, pb);
        ck_assert(memcmp(pa, pb, sizeof pa) == 0);
        int32_t pred[N];
        ck_assert_ok(genre_mlp_predict(a, X, N, DIM, DIM, pred, N, NULL));
        size_t right = 0;
        for (size_t i = 0; i < N; i++)
            right += pred[i] == Y[i];
        ck_assert_msg(right > N * 8 / 10, "chunks of %zu: %zu of %d right", sizes[z], right, N);
        genre_mlp_free(a), genre_mlp_free(b);
    }
}
END_TEST

static unsigned char *saved(const genre_mlp *m, size_t *len)
{
    *len = 0;
    ck_assert_status(genre_mlp_save_to_memory(m, NULL, 0, len), GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *b = malloc(*len);
    ck_assert_ptr_nonnull(b);
    ck_assert_ok(genre_mlp_save_to_memory(m, b, *len, len));
    return b;
}

/* Saved and loaded between chunks, a model continues to the same bits. */
START_TEST(state_survives_save_load)
{
    make_data();
    static double pa[N * NCLS], pb[N * NCLS];
    for (size_t c = 0; c < N_CONFIGS; c++) {
        genre_mlp *a = model_of(&CONFIGS[c], 1), *b;
        ck_assert_ok(genre_mlp_set_i64(a, GENRE_MLP_PARTIAL_BUFFER, 256));
        ck_assert_ok(genre_mlp_partial_fit(a, X, 600, DIM, DIM, Y));
        size_t len;
        unsigned char *buf = saved(a, &len);
        ck_assert_ok(genre_mlp_load_from_memory(&b, buf, len));
        ck_assert_ok(genre_mlp_set_i64(b, GENRE_MLP_N_THREADS, CONFIGS[c].threads));
        ck_assert_ok(genre_mlp_partial_fit(a, X + 600 * DIM, N - 600, DIM, DIM, Y + 600));
        ck_assert_ok(genre_mlp_partial_fit(b, X + 600 * DIM, N - 600, DIM, DIM, Y + 600));
        proba(a, pa);
        proba(b, pb);
        ck_assert_msg(memcmp(pa, pb, sizeof pa) == 0, "config %zu", c);
        double la, lb;
        size_t e;
        ck_assert_ok(genre_mlp_get_history(a, GENRE_MLP_HISTORY_TRAIN_LOSS, &la, 1, &e));
        ck_assert_ok(genre_mlp_get_history(b, GENRE_MLP_HISTORY_TRAIN_LOSS, &lb, 1, &e));
        ck_assert(la == lb);
        /* the saved state round-trips byte for byte */
        size_t l1, l2;
        unsigned char *s1 = saved(a, &l1), *s2 = saved(b, &l2);
        ck_assert(l1 == l2 && memcmp(s1, s2, l1) == 0);
        free(s1), free(s2), free(buf);
        genre_mlp_free(a), genre_mlp_free(b);
    }
}
END_TEST

/* A fit discards the state (its file is the plain model's); partial_fit on a
 * fitted model starts a fresh state from its weights. */
START_TEST(fit_and_partial_fit_together)
{
    make_data();
    const config c = CONFIGS[0];
    genre_mlp *a = model_of(&c, 1), *b = model_of(&c, 1);
    ck_assert_ok(genre_mlp_fit(a, X, N, DIM, DIM, Y, NULL, 0, 0, NULL));
    ck_assert_ok(genre_mlp_fit(b, X, N, DIM, DIM, Y, NULL, 0, 0, NULL));
    size_t plain, with_state, again;
    unsigned char *s0 = saved(a, &plain);
    ck_assert_ok(genre_mlp_partial_fit(a, X, 100, DIM, DIM, Y));
    unsigned char *s1 = saved(a, &with_state);
    ck_assert_uint_gt(with_state, plain);
    /* a loaded plain model continues alike (fresh state from its weights) */
    genre_mlp *q;
    ck_assert_ok(genre_mlp_load_from_memory(&q, s0, plain));
    ck_assert_ok(genre_mlp_partial_fit(q, X, 100, DIM, DIM, Y));
    static double pa[N * NCLS], pb[N * NCLS];
    proba(a, pa);
    proba(q, pb);
    ck_assert(memcmp(pa, pb, sizeof pa) == 0);
    ck_assert_ok(genre_mlp_fit(a, X, N, DIM, DIM, Y, NULL, 0, 0, NULL));
    unsigned char *s2 = saved(a, &again);
    ck_assert_uint_eq(again, plain);
    ck_assert(memcmp(s0, s2, plain) == 0);
    free(s0), free(s1), free(s2);
    genre_mlp_free(a), genre_mlp_free(b), genre_mlp_free(q);
}
END_TEST

static int cancel_now(void *user, int32_t phase, int64_t step, int64_t total, double objective)
{
    (void)user, (void)phase, (void)step, (void)total, (void)objective;
    return 1;
}

START_TEST(every_documented_status)
{
    make_data();
    const config c = CONFIGS[0];
    genre_mlp *m = model_of(&c, 1);
    ck_assert_status(genre_mlp_partial_fit(NULL, X, N, DIM, DIM, Y), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_partial_fit(m, NULL, N, DIM, DIM, Y), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_partial_fit(m, X, N, DIM, DIM, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_partial_fit(m, X, 0, DIM, DIM, Y), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_partial_fit(m, X, N, DIM, 1, Y), GENRE_E_INVALID_ARG);
    const int32_t zeros[4] = {0, 0, 0, 0}, bad[2] = {0, -1};
    ck_assert_status(genre_mlp_partial_fit(m, X, 4, DIM, DIM, zeros), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "GENRE_MLP_N_CLASSES"));
    ck_assert_status(genre_mlp_partial_fit(m, X, 2, DIM, DIM, bad), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "labels[1] = -1"));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, 3));
    ck_assert_status(genre_mlp_partial_fit(m, X, N, DIM, DIM, Y), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, 0));
    double xn[DIM] = {0, 0, NAN, 0, 0};
    ck_assert_status(genre_mlp_partial_fit(m, xn, 1, DIM, DIM, Y), GENRE_E_NONFINITE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_mlp_partial_fit"));
    int64_t v;
    ck_assert_status(genre_mlp_get_i64(m, GENRE_MLP_N_FEATURES, &v), GENRE_E_BAD_STATE);
    /* with the class count set, a first chunk of one class is fine */
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_CLASSES, NCLS));
    ck_assert_ok(genre_mlp_partial_fit(m, X, 4, DIM, DIM, zeros));
    const int32_t big[1] = {NCLS};
    ck_assert_status(genre_mlp_partial_fit(m, X, 1, DIM, DIM, big), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_partial_fit(m, X, 1, DIM - 1, DIM, Y), GENRE_E_SHAPE);
    /* cancellation keeps the model as it was */
    static double pa[N * NCLS], pb[N * NCLS];
    proba(m, pa);
    ck_assert_ok(genre_mlp_set_progress(m, cancel_now, NULL));
    ck_assert_status(genre_mlp_partial_fit(m, X, N, DIM, DIM, Y), GENRE_E_CANCELLED);
    proba(m, pb);
    ck_assert(memcmp(pa, pb, sizeof pa) == 0);
    ck_assert_ok(genre_mlp_set_progress(m, NULL, NULL));
    /* ... including its optimiser state: the next call is as if never cancelled */
    genre_mlp *twin = model_of(&c, 1);
    ck_assert_ok(genre_mlp_set_i64(twin, GENRE_MLP_N_CLASSES, NCLS));
    ck_assert_ok(genre_mlp_partial_fit(twin, X, 4, DIM, DIM, zeros));
    ck_assert_ok(genre_mlp_partial_fit(m, X, N, DIM, DIM, Y));
    ck_assert_ok(genre_mlp_partial_fit(twin, X, N, DIM, DIM, Y));
    proba(m, pa);
    proba(twin, pb);
    ck_assert(memcmp(pa, pb, sizeof pa) == 0);
    /* a regressor */
    genre_mlp *r = model_of(&c, 1);
    double yr[N];
    for (size_t i = 0; i < N; i++)
        yr[i] = X[i * DIM];
    ck_assert_ok(genre_mlp_fit_regression(r, X, N, DIM, DIM, yr, 1, NULL, 0, 0, NULL));
    ck_assert_status(genre_mlp_partial_fit(r, X, N, DIM, DIM, Y), GENRE_E_BAD_STATE);
    /* the buffer key */
    ck_assert_status(genre_mlp_set_i64(m, GENRE_MLP_PARTIAL_BUFFER, -1), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_PARTIAL_BUFFER, &v));
    ck_assert_int_eq(v, 0);
    genre_mlp_free(m), genre_mlp_free(twin), genre_mlp_free(r);
}
END_TEST

#ifdef GENRE_TESTING
static genre_status scenario(void *ctx)
{
    (void)ctx;
    genre_mlp *m = NULL, *q = NULL;
    unsigned char *buf = NULL;
    size_t len = 0;
    const int32_t w[1] = {6};
    genre_status st;
    if ((st = genre_mlp_create(&m)) == GENRE_OK &&
        (st = genre_mlp_set_hidden_layers(m, w, 1)) == GENRE_OK &&
        (st = genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, 16)) == GENRE_OK &&
        (st = genre_mlp_set_i64(m, GENRE_MLP_PARTIAL_BUFFER, 40)) == GENRE_OK &&
        (st = genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, 1)) == GENRE_OK &&
        (st = genre_mlp_partial_fit(m, X, 100, DIM, DIM, Y)) == GENRE_OK &&
        (st = genre_mlp_save_to_memory(m, NULL, 0, &len)) == GENRE_E_BUFFER_TOO_SMALL) {
        buf = malloc(len);
        st = buf ? genre_mlp_save_to_memory(m, buf, len, &len) : GENRE_E_INTERNAL;
        if (st == GENRE_OK && (st = genre_mlp_load_from_memory(&q, buf, len)) == GENRE_OK &&
            (st = genre_mlp_partial_fit(q, X + 100 * DIM, 50, DIM, DIM, Y + 100)) == GENRE_OK)
            st = genre_mlp_partial_fit(m, X + 100 * DIM, 50, DIM, DIM, Y + 100);
    }
    free(buf);
    genre_mlp_free(m);
    genre_mlp_free(q);
    return st;
}

START_TEST(allocation_failures)
{
    make_data();
    ck_assert_ok(scenario(NULL));
    ck_assert_int_gt(genre_test_alloc_walk(scenario, NULL), 10);
}
END_TEST
#endif

/* A model with a partial-fit state seeds tests/fuzz/corpus/mlp_load/ (the
 * optional records 70-78); rewrite it after a payload change with
 *     GENRE_REGEN_SEEDS=1 build/tests/test_stream_mlp
 * run from the source tree's root. */
START_TEST(regenerate_fuzz_seed)
{
    if (!getenv("GENRE_REGEN_SEEDS"))
        return;
    make_data();
    genre_mlp *m;
    ck_assert_ok(genre_mlp_create(&m));
    const int32_t w[1] = {3};
    ck_assert_ok(genre_mlp_set_hidden_layers(m, w, 1));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, 4));
    ck_assert_ok(genre_mlp_partial_fit(m, X, 12, DIM, DIM, Y));
    size_t len;
    unsigned char *b = saved(m, &len);
    FILE *f = fopen("tests/fuzz/corpus/mlp_load/partial_fit.genre", "wb");
    ck_assert_msg(f != NULL, "cannot write the seed (run from the source root)");
    ck_assert_uint_eq(fwrite(b, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    free(b);
    genre_mlp_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stream_mlp");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, one_chunk_equals_one_epoch_of_fit);
    tcase_add_test(tc, windows_equal_chunks);
    tcase_add_test(tc, chunks_learn_and_reproduce);
    tcase_add_test(tc, state_survives_save_load);
    tcase_add_test(tc, fit_and_partial_fit_together);
    tcase_add_test(tc, every_documented_status);
    tcase_add_test(tc, regenerate_fuzz_seed);
#ifdef GENRE_TESTING
    tcase_add_test(tc, allocation_failures);
#endif
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
