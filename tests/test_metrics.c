/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit suite of genre/metrics.h against scikit-learn 1.2.1 fixtures
 * (tests/fixtures/make_metrics_fixtures.py), to 1e-12. */
#include "harness.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-12

typedef struct array {
    char name[64];
    size_t n;
    double *v;
} array;

static array arrays[256];
static size_t n_arrays;

static void load_fixtures(void)
{
    if (n_arrays)
        return;
    FILE *f = fopen(genre_test_source_path("tests/fixtures/metrics_fixtures.txt"), "r");
    ck_assert_msg(f != NULL, "cannot open the metrics fixtures");
    char name[64];
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (c == '#') {
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            continue;
        }
        ungetc(c, f);
        size_t n;
        if (fscanf(f, "%63s %zu", name, &n) != 2)
            break;
        ck_assert(n_arrays < 256);
        array *a = &arrays[n_arrays++];
        snprintf(a->name, sizeof a->name, "%s", name);
        a->n = n;
        a->v = malloc((n ? n : 1) * sizeof(double));
        for (size_t i = 0; i < n; i++)
            ck_assert_int_eq(fscanf(f, "%lf", &a->v[i]), 1);
        while ((c = fgetc(f)) != EOF && c != '\n')
            ;
    }
    fclose(f);
    ck_assert_uint_gt(n_arrays, 50);
}

static const array *get(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const array *get(const char *fmt, ...)
{
    char name[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < n_arrays; i++)
        if (strcmp(arrays[i].name, name) == 0)
            return &arrays[i];
    ck_abort_msg("fixture %s missing", name);
    return NULL;
}

static int32_t *labels_of(const array *a)
{
    int32_t *y = malloc(a->n * sizeof *y);
    for (size_t i = 0; i < a->n; i++)
        y[i] = (int32_t)a->v[i];
    return y;
}

static void assert_close(const char *what, const double *got, const double *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (isnan(want[i]) && isnan(got[i]))
            continue;
        ck_assert_msg(fabs(got[i] - want[i]) <= TOL * fmax(1.0, fabs(want[i])),
                      "%s[%zu]: got %.17g, scikit-learn %.17g", what, i, got[i], want[i]);
    }
}

static void check_multiclass(const char *c)
{
    load_fixtures();
    const array *ya = get("%s.y", c), *pa = get("%s.p", c);
    size_t n = ya->n, k = pa->n / n;
    int32_t *y = labels_of(ya);
    const double *p = pa->v;
    double v, per[8];
    size_t need;
    ck_assert_ok(genre_metrics_roc_auc_ovr(y, p, n, k, k, GENRE_METRICS_AVERAGE_MACRO, &v));
    assert_close("macro", &v, get("%s.macro", c)->v, 1);
    ck_assert_ok(genre_metrics_roc_auc_ovr(y, p, n, k, k, GENRE_METRICS_AVERAGE_MICRO, &v));
    assert_close("micro", &v, get("%s.micro", c)->v, 1);
    ck_assert_ok(genre_metrics_roc_auc_ovr(y, p, n, k, k, GENRE_METRICS_AVERAGE_WEIGHTED, &v));
    assert_close("weighted", &v, get("%s.weighted", c)->v, 1);
    ck_assert_status(genre_metrics_roc_auc_per_class(y, p, n, k, k, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, k);
    ck_assert_ok(genre_metrics_roc_auc_per_class(y, p, n, k, k, per, 8, &need));
    assert_close("per_class", per, get("%s.per_class", c)->v, k);
    /* per-class binary AUC through the strided column equals the OvR one */
    for (size_t j = 0; j < k; j++) {
        ck_assert_ok(genre_metrics_roc_auc(y, p + j, n, k, (int32_t)j, &v));
        assert_close("binary column", &v, &per[j], 1);
    }

    double *fpr = malloc((n * k + 1) * sizeof *fpr), *tpr = malloc((n * k + 1) * sizeof *tpr),
           *thr = malloc((n * k + 1) * sizeof *thr);
    for (size_t j = 0; j < k; j++)
        for (int drop = 0; drop <= 1; drop++) {
            const array *wf = get("%s.roc%zu_%d.fpr", c, j, drop);
            size_t m;
            ck_assert_status(genre_metrics_roc_curve(y, p + j, n, k, (int32_t)j, drop, NULL,
                                                     NULL, NULL, 0, &m),
                             GENRE_E_BUFFER_TOO_SMALL);
            ck_assert_uint_eq(m, wf->n);
            ck_assert_ok(genre_metrics_roc_curve(y, p + j, n, k, (int32_t)j, drop, fpr, tpr,
                                                 thr, n + 1, &m));
            ck_assert_uint_eq(m, wf->n);
            assert_close("fpr", fpr, wf->v, m);
            assert_close("tpr", tpr, get("%s.roc%zu_%d.tpr", c, j, drop)->v, m);
            assert_close("thresholds", thr, get("%s.roc%zu_%d.thr", c, j, drop)->v, m);
        }
    for (int drop = 0; drop <= 1; drop++) {
        const array *wf = get("%s.micro_%d.fpr", c, drop);
        size_t m;
        ck_assert_ok(genre_metrics_roc_curve_micro(y, p, n, k, k, drop, fpr, tpr, thr,
                                                   n * k + 1, &m));
        ck_assert_uint_eq(m, wf->n);
        assert_close("micro fpr", fpr, wf->v, m);
        assert_close("micro tpr", tpr, get("%s.micro_%d.tpr", c, drop)->v, m);
        assert_close("micro thresholds", thr, get("%s.micro_%d.thr", c, drop)->v, m);
    }
    free(fpr);
    free(tpr);
    free(thr);

    int32_t *pred = labels_of(get("%s.pred", c));
    ck_assert_ok(genre_metrics_accuracy(y, pred, n, &v));
    assert_close("accuracy", &v, get("%s.accuracy", c)->v, 1);
    int64_t cm[64];
    double cmd[64];
    ck_assert_ok(genre_metrics_confusion_matrix(y, pred, n, k, cm, 64, &need));
    ck_assert_uint_eq(need, k * k);
    for (size_t i = 0; i < k * k; i++)
        cmd[i] = (double)cm[i];
    assert_close("confusion", cmd, get("%s.confusion", c)->v, k * k);
    ck_assert_ok(genre_metrics_log_loss(y, p, n, k, k, &v));
    assert_close("log_loss", &v, get("%s.log_loss", c)->v, 1);
    free(pred);
    free(y);
}

START_TEST(test_multiclass_a) { check_multiclass("A"); }
END_TEST

START_TEST(test_multiclass_ties_b) { check_multiclass("B"); }
END_TEST

START_TEST(test_binary_c)
{
    load_fixtures();
    const array *ya = get("C.y"), *sa = get("C.s");
    int32_t *y = labels_of(ya);
    size_t n = ya->n, m;
    double v, fpr[64], tpr[64], thr[64];
    ck_assert_ok(genre_metrics_roc_auc(y, sa->v, n, 1, 1, &v));
    assert_close("auc", &v, get("C.auc")->v, 1);
    for (int drop = 0; drop <= 1; drop++) {
        ck_assert_ok(genre_metrics_roc_curve(y, sa->v, n, 1, 1, drop, fpr, tpr, thr, 64, &m));
        ck_assert_uint_eq(m, get("C.roc_%d.fpr", drop)->n);
        assert_close("fpr", fpr, get("C.roc_%d.fpr", drop)->v, m);
        assert_close("tpr", tpr, get("C.roc_%d.tpr", drop)->v, m);
        assert_close("thr", thr, get("C.roc_%d.thr", drop)->v, m);
    }
    /* the thresholds array is optional */
    ck_assert_ok(genre_metrics_roc_curve(y, sa->v, n, 1, 1, 1, fpr, tpr, NULL, 64, &m));
    free(y);
}
END_TEST

START_TEST(test_r2)
{
    load_fixtures();
    const array *yt = get("R.y"), *yp = get("R.p");
    double v, w[2];
    ck_assert_ok(genre_metrics_r2(yt->v, yp->v, yt->n, &v));
    assert_close("r2", &v, get("R.r2")->v, 1);
    double yc[30];
    for (size_t i = 0; i < 30; i++)
        yc[i] = 2.5;
    ck_assert_ok(genre_metrics_r2(yc, yp->v, 30, &w[0]));
    ck_assert_ok(genre_metrics_r2(yc, yc, 30, &w[1]));
    assert_close("r2 constant", w, get("R0.r2")->v, 2);
}
END_TEST

START_TEST(test_bad_input)
{
    int32_t y[4] = {0, 1, 2, 1}, one[4] = {1, 1, 1, 1};
    double p[12] = {0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6, 0.3, 0.3, 0.4};
    double v;
    int64_t cm[9];
    size_t m;
    ck_assert_status(genre_metrics_accuracy(y, y, 0, &v), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_accuracy(NULL, y, 4, &v), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_roc_auc(one, p, 4, 3, 1, &v), GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "only one class") != NULL, "%s",
                  genre_last_error());
    ck_assert_status(genre_metrics_roc_auc_ovr(one, p, 4, 3, 3, GENRE_METRICS_AVERAGE_MACRO,
                                               &v),
                     GENRE_E_INVALID_ARG);
    /* micro is defined as long as both kinds of (row, class) pairs exist */
    ck_assert_ok(genre_metrics_roc_auc_ovr(one, p, 4, 3, 3, GENRE_METRICS_AVERAGE_MICRO, &v));
    ck_assert_status(genre_metrics_roc_auc_ovr(y, p, 4, 3, 3, 7, &v), GENRE_E_INVALID_ARG);
    int32_t bad[4] = {0, 1, 3, 1};
    ck_assert_status(genre_metrics_roc_auc_ovr(bad, p, 4, 3, 3, GENRE_METRICS_AVERAGE_MACRO,
                                               &v),
                     GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "y_true[2] = 3") != NULL, "%s",
                  genre_last_error());
    ck_assert_status(genre_metrics_confusion_matrix(y, bad, 4, 3, cm, 9, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_confusion_matrix(y, y, 4, 3, cm, 8, &m),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(m, 9);
    ck_assert_status(genre_metrics_log_loss(y, p, 4, 1, 3, &v), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_log_loss(y, p, 4, 3, 2, &v), GENRE_E_INVALID_ARG);
    p[7] = NAN;
    ck_assert_status(genre_metrics_log_loss(y, p, 4, 3, 3, &v), GENRE_E_NONFINITE);
    ck_assert_msg(strstr(genre_last_error(), "row 2, column 1") != NULL, "%s",
                  genre_last_error());
    ck_assert_status(genre_metrics_roc_curve(y, p + 1, 4, 3, 1, 1, NULL, NULL, NULL, 0, &m),
                     GENRE_E_NONFINITE);
    p[7] = INFINITY;
    ck_assert_status(genre_metrics_roc_auc_ovr(y, p, 4, 3, 3, GENRE_METRICS_AVERAGE_MICRO, &v),
                     GENRE_E_NONFINITE);
    p[7] = 0.2;
    /* log-loss clips a zero probability instead of returning infinity */
    double z[6] = {1.0, 0.0, 0.0, 1.0, 0.5, 0.5};
    int32_t yz[3] = {1, 0, 1};
    ck_assert_ok(genre_metrics_log_loss(yz, z, 2, 2, 2, &v));
    ck_assert(isfinite(v) && v > 30.0);
    double r[2] = {1.0, NAN};
    ck_assert_status(genre_metrics_r2(r, r, 2, &v), GENRE_E_NONFINITE);
    /* a curve without negatives has NaN false-positive rates, like scikit-learn */
    double fpr[8], tpr[8];
    ck_assert_ok(genre_metrics_roc_curve(one, p, 4, 3, 1, 0, fpr, tpr, NULL, 8, &m));
    ck_assert(isnan(fpr[m - 1]) && tpr[m - 1] == 1.0);
}
END_TEST

static genre_status scenario(void *ctx)
{
    (void)ctx;
    int32_t y[6] = {0, 1, 2, 1, 0, 2};
    double p[18] = {0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6,
                    0.3, 0.3, 0.4, 0.5, 0.25, 0.25, 0.1, 0.1, 0.8};
    double v, fpr[32], tpr[32], thr[32], per[3];
    size_t m;
    genre_status st = genre_metrics_roc_auc_ovr(y, p, 6, 3, 3, GENRE_METRICS_AVERAGE_MACRO, &v);
    if (st == GENRE_OK)
        st = genre_metrics_roc_auc_ovr(y, p, 6, 3, 3, GENRE_METRICS_AVERAGE_MICRO, &v);
    if (st == GENRE_OK)
        st = genre_metrics_roc_auc_per_class(y, p, 6, 3, 3, per, 3, NULL);
    if (st == GENRE_OK)
        st = genre_metrics_roc_auc(y, p, 6, 3, 0, &v);
    if (st == GENRE_OK)
        st = genre_metrics_roc_curve(y, p, 6, 3, 0, 1, fpr, tpr, thr, 32, &m);
    if (st == GENRE_OK)
        st = genre_metrics_roc_curve_micro(y, p, 6, 3, 3, 1, fpr, tpr, thr, 32, &m);
    return st;
}

START_TEST(test_alloc_walk)
{
    ck_assert_int_ge(genre_test_alloc_walk(scenario, NULL), 6);
}
END_TEST


#include "rng.h"

/* Scores on a 0.1 grid (many ties) for two models, 4 classes. */
static void boot_data(int32_t *y, double *pa, double *pb, size_t n)
{
    uint64_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        y[i] = (int32_t)(i % 4);
        for (size_t k = 0; k < 4; k++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            double u = (double)(x >> 11) / 9007199254740992.0;
            double sig = (size_t)y[i] == k ? 0.3 : 0.0;
            pa[i * 4 + k] = floor((u + sig) * 10) / 10;
            pb[i * 5 + k] = floor((u + sig * 0.5) * 10) / 10;
        }
        pb[i * 5 + 4] = -1; /* stride 5: a column that must be ignored */
    }
}

START_TEST(test_bootstrap_diff)
{
    enum { N = 300 };
    int32_t y[N];
    double pa[N * 4], pb[N * 5], a, b, diff, lo, hi, lo2, hi2;
    boot_data(y, pa, pb, N);
    ck_assert_ok(genre_metrics_roc_auc_ovr(y, pa, N, 4, 4, GENRE_METRICS_AVERAGE_MACRO, &a));
    ck_assert_ok(genre_metrics_roc_auc_ovr(y, pb, N, 4, 5, GENRE_METRICS_AVERAGE_MACRO, &b));
    ck_assert_ok(genre_metrics_roc_auc_bootstrap_diff(y, pa, 4, pb, 5, N, 4, 500, 7, 0.95,
                                                      &diff, &lo, &hi));
    ck_assert_double_eq_tol(diff, a - b, 1e-12);
    ck_assert(diff > 0 && lo < diff && diff < hi && lo < hi);
    ck_assert_ok(genre_metrics_roc_auc_bootstrap_diff(y, pa, 4, pb, 5, N, 4, 500, 7, 0.95,
                                                      NULL, &lo2, &hi2));
    ck_assert(lo2 == lo && hi2 == hi); /* seeded */
    ck_assert_ok(genre_metrics_roc_auc_bootstrap_diff(y, pa, 4, pb, 5, N, 4, 500, 8, 0.95,
                                                      NULL, &lo2, &hi2));
    ck_assert(lo2 != lo || hi2 != hi);
    ck_assert_ok(genre_metrics_roc_auc_bootstrap_diff(y, pa, 4, pa, 4, N, 4, 50, 7, 0.9, &diff,
                                                      &lo, &hi));
    ck_assert(diff == 0 && lo == 0 && hi == 0);
    /* one resample equals the AUROCs of the materialised resample (same stream) */
    genre__rng rng;
    genre__rng_init(&rng, 3, 0);
    int32_t yr[N];
    double par[N * 4], pbr[N * 5];
    for (size_t i = 0; i < N; i++) {
        size_t r = (size_t)genre__rng_bounded(&rng, N);
        yr[i] = y[r];
        memcpy(par + i * 4, pa + r * 4, 4 * sizeof(double));
        memcpy(pbr + i * 5, pb + r * 5, 5 * sizeof(double));
    }
    ck_assert_ok(genre_metrics_roc_auc_ovr(yr, par, N, 4, 4, GENRE_METRICS_AVERAGE_MACRO, &a));
    ck_assert_ok(genre_metrics_roc_auc_ovr(yr, pbr, N, 4, 5, GENRE_METRICS_AVERAGE_MACRO, &b));
    ck_assert_ok(genre_metrics_roc_auc_bootstrap_diff(y, pa, 4, pb, 5, N, 4, 1, 3, 0.95, NULL,
                                                      &lo, &hi));
    ck_assert_double_eq_tol(lo, a - b, 1e-12);
    ck_assert_double_eq_tol(hi, a - b, 1e-12);
    /* errors */
    ck_assert_status(genre_metrics_roc_auc_bootstrap_diff(NULL, pa, 4, pb, 5, N, 4, 10, 1, 0.95,
                                                          &diff, NULL, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_roc_auc_bootstrap_diff(y, pa, 4, pb, 5, N, 4, 0, 1, 0.95,
                                                          &diff, NULL, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_roc_auc_bootstrap_diff(y, pa, 4, pb, 5, N, 4, 10, 1, 1.0,
                                                          &diff, NULL, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_roc_auc_bootstrap_diff(y, pa, 4, pb, 3, N, 4, 10, 1, 0.95,
                                                          &diff, NULL, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_roc_auc_bootstrap_diff(y, pb, 5, pb, 5, N, 5, 10, 1, 0.95,
                                                          &diff, NULL, NULL),
                     GENRE_E_INVALID_ARG); /* class 4 absent */
    pb[7] = NAN;
    ck_assert_status(genre_metrics_roc_auc_bootstrap_diff(y, pa, 4, pb, 5, N, 4, 10, 1, 0.95,
                                                          &diff, NULL, NULL),
                     GENRE_E_NONFINITE);
}
END_TEST

static genre_status boot_scenario(void *ctx)
{
    (void)ctx;
    int32_t y[40];
    double pa[160], pb[200], d;
    boot_data(y, pa, pb, 40);
    return genre_metrics_roc_auc_bootstrap_diff(y, pa, 4, pb, 5, 40, 4, 20, 1, 0.95, &d, NULL,
                                                NULL);
}

START_TEST(test_bootstrap_alloc_walk)
{
    ck_assert_int_ge(genre_test_alloc_walk(boot_scenario, NULL), 6);
}
END_TEST

static void free_fixtures(void)
{
    for (size_t i = 0; i < n_arrays; i++)
        free(arrays[i].v);
    n_arrays = 0;
}

int main(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("core");
    tcase_add_unchecked_fixture(tc, NULL, free_fixtures);
    tcase_add_test(tc, test_multiclass_a);
    tcase_add_test(tc, test_multiclass_ties_b);
    tcase_add_test(tc, test_binary_c);
    tcase_add_test(tc, test_r2);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_alloc_walk);
    tcase_add_test(tc, test_bootstrap_diff);
    tcase_add_test(tc, test_bootstrap_alloc_walk);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
