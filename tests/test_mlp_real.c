/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Issue 6 acceptance on the real data: the reference analysis's three MLPs
 * (13-20-15-10, LDA 3-D 3-15-10, LDA 2-D 2-15-10; Adam lr 0.01, batch 256,
 * ReLU, cross-entropy, 125 / 100 / 150 epochs) on the frozen 45,000 / 5,000
 * split (tests/fixtures/real_split.csv.gz), printed as the table.
 *
 * The 11 continuous features are standardized with the mean and (population)
 * standard deviation of the training rows; key and mode stay codes. LDA is
 * fit on the training rows only. Nothing is fit or chosen on the test rows:
 * the "chosen" rows pick a training configuration (constant or cosine
 * learning rate, batch 256 or 128) by validation loss on a stratified tenth
 * of the training rows, then refit on all training rows and score the test
 * rows once; the early-stopping row chooses its epochs on that tenth.
 *
 * Acceptance (issue 6): test macro AUROC no more than 0.003 below PyTorch's
 * on the same split and protocol (tests/fixtures/mlp_reference.txt), the parameter counts
 * exactly 755 / 220 / 205, and a train-test AUROC gap <= 0.01.
 */
#include "harness.h"
#include "real_split.h"

#include <genre/lda.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define D GENRE_TEST_N_FEATURES
#define K GENRE_TEST_N_CLASSES

static genre_test_split split;
static double *xtr, *xte; /* standardized copies */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void setup(void)
{
    ck_assert_int_eq(genre_test_split_read(&split), 0);
    xtr = malloc(split.n_train * D * sizeof *xtr);
    xte = malloc(split.n_test * D * sizeof *xte);
    ck_assert(xtr && xte);
    memcpy(xtr, split.x_train, split.n_train * D * sizeof *xtr);
    memcpy(xte, split.x_test, split.n_test * D * sizeof *xte);
    for (size_t j = 0; j < D; j++) {
        if (j == GT_KEY || j == GT_MODE)
            continue;
        double mean = 0.0, var = 0.0;
        for (size_t i = 0; i < split.n_train; i++)
            mean += xtr[i * D + j];
        mean /= (double)split.n_train;
        for (size_t i = 0; i < split.n_train; i++)
            var += (xtr[i * D + j] - mean) * (xtr[i * D + j] - mean);
        double sd = sqrt(var / (double)split.n_train);
        for (size_t i = 0; i < split.n_train; i++)
            xtr[i * D + j] = (xtr[i * D + j] - mean) / sd;
        for (size_t i = 0; i < split.n_test; i++)
            xte[i * D + j] = (xte[i * D + j] - mean) / sd;
    }
}

static void teardown(void)
{
    free(xtr);
    free(xte);
    genre_test_split_free(&split);
}

typedef struct result {
    double test_auc, test_acc, train_auc, seconds, micro;
    int64_t params;
} result;

static void evaluate(const genre_mlp *m, const double *xa, size_t na, const int32_t *ya,
                     size_t d, double *auc, double *acc, double *micro)
{
    double *p = malloc(na * K * sizeof *p);
    int32_t *pred = malloc(na * sizeof *pred);
    ck_assert_ok(genre_mlp_predict_proba(m, xa, na, d, d, p, na * K, NULL));
    ck_assert_ok(genre_mlp_predict(m, xa, na, d, d, pred, na, NULL));
    ck_assert_ok(genre_metrics_roc_auc_ovr(ya, p, na, K, K, GENRE_METRICS_AVERAGE_MACRO, auc));
    if (micro)
        ck_assert_ok(genre_metrics_roc_auc_ovr(ya, p, na, K, K, GENRE_METRICS_AVERAGE_MICRO,
                                               micro));
    if (acc)
        ck_assert_ok(genre_metrics_accuracy(ya, pred, na, acc));
    free(p);
    free(pred);
}

/* A training configuration beyond the architecture. */
typedef struct config {
    const char *name;
    double lr;
    int64_t batch, schedule;
} config;

static const config REFERENCE = {"Adam 0.01, b256", 0.01, 256, GENRE_MLP_SCHEDULE_CONSTANT};
/* The candidates the validated rows choose from (on validation loss). */
static const config CANDIDATES[] = {
    {"Adam 0.01, b256", 0.01, 256, GENRE_MLP_SCHEDULE_CONSTANT},
    {"Adam 0.01, b256, cosine", 0.01, 256, GENRE_MLP_SCHEDULE_COSINE},
    {"Adam 0.01, b128, cosine", 0.01, 128, GENRE_MLP_SCHEDULE_COSINE},
};

static genre_mlp *model_for(const int32_t *hidden, size_t n_hidden, int64_t epochs,
                            const config *c)
{
    genre_mlp *m = NULL;
    ck_assert_ok(genre_mlp_create(&m));
    ck_assert_ok(genre_mlp_set_hidden_layers(m, hidden, n_hidden));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, c->lr));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, c->batch));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_LR_SCHEDULE, c->schedule));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, epochs));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SEED, 20261125));
    return m;
}

/* Fits a configuration on all training rows and scores it. */
static result run_config_prec(const double *a, const double *b, size_t d,
                              const int32_t *hidden, size_t n_hidden, int64_t epochs,
                              const config *c, int64_t precision)
{
    genre_mlp *m = model_for(hidden, n_hidden, epochs, c);
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, precision));
    result r;
    double t0 = now();
    ck_assert_ok(genre_mlp_fit(m, a, split.n_train, d, d, split.y_train, NULL, 0, 0, NULL));
    r.seconds = now() - t0;
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_N_PARAMS, &r.params));
    evaluate(m, b, split.n_test, split.y_test, d, &r.test_auc, &r.test_acc, &r.micro);
    evaluate(m, a, split.n_train, split.y_train, d, &r.train_auc, NULL, NULL);
    genre_mlp_free(m);
    return r;
}

static result run_config(const double *a, const double *b, size_t d, const int32_t *hidden,
                         size_t n_hidden, int64_t epochs, const config *c)
{
    return run_config_prec(a, b, d, hidden, n_hidden, epochs, c, GENRE_MLP_PRECISION_DOUBLE);
}

static result run(const double *a, const double *b, size_t d, const int32_t *hidden,
                  size_t n_hidden, int64_t epochs)
{
    return run_config(a, b, d, hidden, n_hidden, epochs, &REFERENCE);
}

/* Chooses among CANDIDATES on a stratified validation tenth of the training
 * rows (final validation loss after `epochs`), without looking at a test row. */
static const config *choose_on_validation(const double *a, size_t d, const int32_t *hidden,
                                          size_t n_hidden, int64_t epochs)
{
    size_t n = split.n_train, nv = 0, nf = 0, seen[K] = {0};
    double *xf = malloc(n * d * sizeof *xf), *xv = malloc(n * d * sizeof *xv);
    int32_t *yf = malloc(n * sizeof *yf), *yv = malloc(n * sizeof *yv);
    ck_assert(xf && xv && yf && yv);
    for (size_t i = 0; i < n; i++) {
        int32_t c = split.y_train[i];
        int val = seen[c]++ % 10 == 9;
        memcpy((val ? xv + nv * d : xf + nf * d), a + i * d, d * sizeof *xf);
        if (val)
            yv[nv++] = c;
        else
            yf[nf++] = c;
    }
    const config *best = NULL;
    double best_loss = HUGE_VAL, *vl = malloc((size_t)epochs * sizeof *vl);
    for (size_t c = 0; c < sizeof CANDIDATES / sizeof CANDIDATES[0]; c++) {
        genre_mlp *m = model_for(hidden, n_hidden, epochs, &CANDIDATES[c]);
        ck_assert_ok(genre_mlp_fit(m, xf, nf, d, d, yf, xv, nv, d, yv));
        size_t ne;
        ck_assert_ok(genre_mlp_get_history(m, GENRE_MLP_HISTORY_VAL_LOSS, vl, (size_t)epochs,
                                           &ne));
        printf("  validation (%zu fit / %zu rows): %-24s final validation loss %.4f\n", nf, nv,
               CANDIDATES[c].name, vl[ne - 1]);
        if (vl[ne - 1] < best_loss) {
            best_loss = vl[ne - 1];
            best = &CANDIDATES[c];
        }
        genre_mlp_free(m);
    }
    free(vl);
    free(xf);
    free(xv);
    free(yf);
    free(yv);
    return best;
}

static void print_row(const char *name, const char *layers, int64_t epochs, const result *r)
{
    printf("| %-34s | %-11s | %6lld | %6lld | %.4f | %.4f | %5.1f%% | %+.4f | %6.2f s |\n",
           name, layers, (long long)r->params, (long long)epochs, r->test_auc, r->micro,
           100.0 * r->test_acc, r->train_auc - r->test_auc, r->seconds);
    fflush(stdout);
}

static void print_header(void)
{
    printf("| %-34s | %-11s | %6s | %6s | %-6s | %-6s | %-6s | %-7s | %-8s |\n", "model",
           "layers", "params", "epochs", "macroAUC", "microAUC", "acc", "gap", "train");
}

static void accept(const char *what, const result *r, double peer, int64_t want_params)
{
    ck_assert_int_eq(r->params, want_params);
    ck_assert_msg(r->test_auc >= peer - 0.003, "%s: test macro AUROC %.4f < PyTorch %.4f - 0.003",
                  what, r->test_auc, peer);
    ck_assert_msg(r->train_auc - r->test_auc <= 0.01, "%s: train-test AUROC gap %.4f", what,
                  r->train_auc - r->test_auc);
}


static void validated_row(const char *name, const double *a, const double *b, size_t d,
                          const int32_t *hidden, size_t n_hidden, int64_t epochs,
                          const char *layers, int64_t want_params)
{
    const config *c = choose_on_validation(a, d, hidden, n_hidden, epochs);
    result r = run_config(a, b, d, hidden, n_hidden, epochs, c);
    char label[96];
    snprintf(label, sizeof label, "%s, chosen: %s", name, c->name);
    print_row(label, layers, epochs, &r);
    ck_assert_int_eq(r.params, want_params);
    ck_assert_msg(r.train_auc - r.test_auc <= 0.01, "%s: gap %.4f", name,
                  r.train_auc - r.test_auc);
}

/*
 * PyTorch's test macro AUROC on this frozen split, same protocol: the "bar"
 * lines of tests/fixtures/mlp_reference.txt, written by
 * tests/fixtures/make_mlp_fixtures.py (PyTorch on the same standardized
 * input and scikit-learn's LDA of it; float64 and float32; seed 20261125
 * for the 13-feature model, seeds 1 and 2 for the LDA models; the best run
 * is the bar). The 0.929 / 0.901 / 0.866 come from another split of
 * the same data.
 */
static double torch_bar(const char *model)
{
    const char *path = genre_test_source_path("tests/fixtures/mlp_reference.txt");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s (tests/fixtures/make_mlp_fixtures.py makes it)",
                  path);
    char line[256], name[32];
    double auc = NAN, v, acc;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "bar %31s %lf %lf", name, &v, &acc) == 3 && strcmp(name, model) == 0)
            auc = v;
    fclose(f);
    ck_assert_msg(auc > 0.5 && auc <= 1.0, "%s: no valid 'bar %s' line", path, model);
    return auc;
}

START_TEST(test_13_features)
{
    const int32_t h[2] = {20, 15};
    result r = run(xtr, xte, D, h, 2, 125);
    print_header();
    print_row("all 13 features (Adam 0.01, b256)", "13-20-15-10", 125, &r);
    accept("13 features", &r, torch_bar("13"), 755);
    validated_row("13 features", xtr, xte, D, h, 2, 125, "13-20-15-10", 755);
}
END_TEST

/* The float32 compute mode (GENRE_MLP_PRECISION_FLOAT, 0.3) on the
 * 13-feature reference model: within 0.003 test macro AUROC of the double
 * fit (either way), a train-test gap <= 0.01, and the PyTorch bar as for
 * double; on the default threads and on 1 thread. */
START_TEST(test_13_features_float32)
{
    const int32_t h[2] = {20, 15};
    result d = run(xtr, xte, D, h, 2, 125);
    print_header();
    print_row("all 13 features, double", "13-20-15-10", 125, &d);
    for (int one = 0; one < 2; one++) {
        genre_mlp *m = model_for(h, 2, 125, &REFERENCE);
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, GENRE_MLP_PRECISION_FLOAT));
        if (one)
            ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, 1));
        result r;
        double t0 = now();
        ck_assert_ok(genre_mlp_fit(m, xtr, split.n_train, D, D, split.y_train, NULL, 0, 0,
                                   NULL));
        r.seconds = now() - t0;
        ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_N_PARAMS, &r.params));
        evaluate(m, xte, split.n_test, split.y_test, D, &r.test_auc, &r.test_acc, &r.micro);
        evaluate(m, xtr, split.n_train, split.y_train, D, &r.train_auc, NULL, NULL);
        genre_mlp_free(m);
        print_row(one ? "all 13 features, float32, 1 thread" : "all 13 features, float32",
                  "13-20-15-10", 125, &r);
        accept("13 features float32", &r, torch_bar("13"), 755);
        ck_assert_msg(fabs(r.test_auc - d.test_auc) <= 0.003,
                      "float32 test macro AUROC %.4f vs double %.4f", r.test_auc, d.test_auc);
    }
}
END_TEST

/* LDA on the training rows (all 13 features), then the reference MLPs. */
static void lda_row(size_t dims, int64_t epochs, double peer, int64_t want_params)
{
    genre_lda *l = NULL;
    ck_assert_ok(genre_lda_create(&l));
    ck_assert_ok(genre_lda_set_i64(l, GENRE_LDA_N_COMPONENTS, (int64_t)dims));
    ck_assert_ok(genre_lda_fit(l, xtr, split.n_train, D, D, split.y_train));
    double *a = malloc(split.n_train * dims * sizeof *a), *b = malloc(split.n_test * dims * sizeof *b);
    ck_assert_ok(genre_lda_transform(l, xtr, split.n_train, D, D, a, split.n_train * dims, NULL));
    ck_assert_ok(genre_lda_transform(l, xte, split.n_test, D, D, b, split.n_test * dims, NULL));
    genre_lda_free(l);
    const int32_t h[1] = {15};
    result r = run(a, b, dims, h, 1, epochs);
    char name[64], layers[32];
    snprintf(name, sizeof name, "LDA %zu-D (Adam 0.01, b256)", dims);
    snprintf(layers, sizeof layers, "%zu-15-10", dims);
    print_row(name, layers, epochs, &r);
    accept(name, &r, peer, want_params);
    snprintf(name, sizeof name, "LDA %zu-D", dims);
    validated_row(name, a, b, dims, h, 1, epochs, layers, want_params);
    free(a);
    free(b);
}

START_TEST(test_lda_3d) { lda_row(3, 100, torch_bar("lda3"), 220); }
END_TEST

START_TEST(test_lda_2d) { lda_row(2, 150, torch_bar("lda2"), 205); }
END_TEST

/* Epochs chosen by early stopping on a stratified validation tenth of the
 * training rows (patience 25, best weights kept); the test rows are scored
 * once. */
START_TEST(test_early_stopping)
{
    size_t n = split.n_train, nv = 0, nf = 0, seen[K] = {0};
    double *xf = malloc(n * D * sizeof *xf), *xv = malloc(n * D * sizeof *xv);
    int32_t *yf = malloc(n * sizeof *yf), *yv = malloc(n * sizeof *yv);
    for (size_t i = 0; i < n; i++) {
        int32_t c = split.y_train[i];
        int val = seen[c]++ % 10 == 9;
        memcpy((val ? xv + nv * D : xf + nf * D), xtr + i * D, D * sizeof *xf);
        if (val)
            yv[nv++] = c;
        else
            yf[nf++] = c;
    }
    const int32_t h[2] = {20, 15};
    genre_mlp *m = model_for(h, 2, 400, &REFERENCE);
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, 25));
    double t0 = now();
    ck_assert_ok(genre_mlp_fit(m, xf, nf, D, D, yf, xv, nv, D, yv));
    result r;
    r.seconds = now() - t0;
    int64_t best, run_e;
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_BEST_EPOCH, &best));
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_EPOCHS_RUN, &run_e));
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_N_PARAMS, &r.params));
    double *vl = malloc((size_t)run_e * sizeof *vl), *tl = malloc((size_t)run_e * sizeof *tl);
    size_t ne;
    ck_assert_ok(genre_mlp_get_history(m, GENRE_MLP_HISTORY_VAL_LOSS, vl, (size_t)run_e, &ne));
    ck_assert_ok(genre_mlp_get_history(m, GENRE_MLP_HISTORY_TRAIN_LOSS, tl, (size_t)run_e, &ne));
    printf("early stopping: %zu fit / %zu validation rows; best validation loss %.4f at epoch "
           "%lld of %lld run (train loss there %.4f)\n",
           nf, nv, vl[best - 1], (long long)best, (long long)run_e, tl[best - 1]);
    evaluate(m, xte, split.n_test, split.y_test, D, &r.test_auc, &r.test_acc, &r.micro);
    evaluate(m, xf, nf, yf, D, &r.train_auc, NULL, NULL);
    print_row("13 features, early stopping", "13-20-15-10", best, &r);
    ck_assert_int_eq(r.params, 755);
    ck_assert_msg(r.train_auc - r.test_auc <= 0.01, "gap %.4f", r.train_auc - r.test_auc);
    free(vl);
    free(tl);
    genre_mlp_free(m);
    free(xf);
    free(xv);
    free(yf);
    free(yv);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mlp_real");
    TCase *tc = tcase_create("real");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_13_features);
    tcase_add_test(tc, test_13_features_float32);
    tcase_add_test(tc, test_lda_3d);
    tcase_add_test(tc, test_lda_2d);
    tcase_add_test(tc, test_early_stopping);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
