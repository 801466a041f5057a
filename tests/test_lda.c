/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LDA: closed-form cases (Fisher direction), scaling and centring
 * invariants, the classifier, parameters, bad input, persistence and
 * allocation failures. The real-data agreement is in test_lda_real.c. */
#include "harness.h"

#include <genre/lda.h>

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

GENRE_TEST_MODEL_IO(lda)

static double uni(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(*s >> 11) + 0.5) / 9007199254740992.0; /* (0, 1) */
}

static double gauss(unsigned long long *s)
{
    double u = uni(s), v = uni(s);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* n_per rows per class, K classes, d columns: class c has mean
 * means[c][.] and shared covariance L L^T (L lower triangular d x d). */
static void gaussian_classes(size_t K, size_t n_per, size_t d, const double *means,
                             const double *L, unsigned long long seed, double **x_out,
                             int32_t **y_out, const int32_t *labels)
{
    size_t n = K * n_per;
    double *x = malloc(n * d * sizeof *x);
    int32_t *y = malloc(n * sizeof *y);
    double e[16];
    ck_assert(x && y && d <= 16);
    for (size_t i = 0; i < n; i++) {
        size_t c = i % K; /* classes interleaved */
        y[i] = labels ? labels[c] : (int32_t)c;
        for (size_t j = 0; j < d; j++)
            e[j] = gauss(&seed);
        for (size_t j = 0; j < d; j++) {
            double v = means[c * d + j];
            for (size_t t = 0; t <= j; t++)
                v += L[j * d + t] * e[t];
            x[i * d + j] = v;
        }
    }
    *x_out = x;
    *y_out = y;
}

/* Solves A w = b (d x d, small) by Gaussian elimination with pivoting. */
static void solve(double *A, double *b, size_t d)
{
    for (size_t c = 0; c < d; c++) {
        size_t piv = c;
        for (size_t r = c + 1; r < d; r++)
            if (fabs(A[r * d + c]) > fabs(A[piv * d + c]))
                piv = r;
        for (size_t t = 0; t < d; t++) {
            double tmp = A[c * d + t];
            A[c * d + t] = A[piv * d + t];
            A[piv * d + t] = tmp;
        }
        double tb = b[c];
        b[c] = b[piv];
        b[piv] = tb;
        for (size_t r = c + 1; r < d; r++) {
            double f = A[r * d + c] / A[c * d + c];
            for (size_t t = c; t < d; t++)
                A[r * d + t] -= f * A[c * d + t];
            b[r] -= f * b[c];
        }
    }
    for (size_t c = d; c-- > 0;) {
        for (size_t t = c + 1; t < d; t++)
            b[c] -= A[c * d + t] * b[t];
        b[c] /= A[c * d + c];
    }
}

static const double L3[9] = {1.0, 0, 0, 0.6, 0.8, 0, -0.3, 0.5, 0.4};

START_TEST(two_gaussian_classes_recover_the_fisher_direction)
{
    const size_t d = 3, n_per = 500, n = 2 * n_per;
    const double means[6] = {0, 0, 0, 1.0, -0.5, 0.8};
    double *x;
    int32_t *y;
    gaussian_classes(2, n_per, d, means, L3, 42, &x, &y, NULL);
    genre_lda *l;
    ck_assert_ok(genre_lda_create(&l));
    ck_assert_ok(genre_lda_fit(l, x, n, d, d, y));
    int64_t k;
    ck_assert_ok(genre_lda_get_i64(l, GENRE_LDA_N_COMPONENTS_FITTED, &k));
    ck_assert_int_eq(k, 1); /* classes - 1 */
    double v[3], ratio[1];
    ck_assert_ok(genre_lda_get_scalings(l, v, 3, NULL));
    ck_assert_ok(genre_lda_get_explained_variance_ratio(l, ratio, 1, NULL));
    ck_assert_double_eq_tol(ratio[0], 1.0, 1e-15);

    /* Sample statistics, computed naively here. */
    double m[2][3] = {{0}}, sw[9] = {0};
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            m[y[i]][j] += x[i * d + j] / (double)n_per;
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b < d; b++)
                sw[a * d + b] += (x[i * d + a] - m[y[i]][a]) * (x[i * d + b] - m[y[i]][b]) /
                                 (double)(n - 2);
    /* v^T Sw v = 1: unit pooled within-class variance. */
    double q = 0;
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++)
            q += v[a] * sw[a * d + b] * v[b];
    ck_assert_double_eq_tol(q, 1.0, 1e-12);
    /* Fisher: w = Sw^-1 (m1 - m0), the same direction. */
    double A[9], w[3];
    memcpy(A, sw, sizeof A);
    for (size_t j = 0; j < d; j++)
        w[j] = m[1][j] - m[0][j];
    solve(A, w, d);
    double vv = 0, ww = 0, vw = 0;
    for (size_t j = 0; j < d; j++)
        vv += v[j] * v[j], ww += w[j] * w[j], vw += v[j] * w[j];
    ck_assert_double_eq_tol(fabs(vw) / sqrt(vv * ww), 1.0, 1e-12);
    /* And near the population direction Sigma^-1 (mu1 - mu0). */
    double S[9];
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++) {
            S[a * d + b] = 0;
            for (size_t t = 0; t < d; t++)
                S[a * d + b] += L3[a * d + t] * L3[b * d + t];
        }
    double p[3] = {means[3], means[4], means[5]};
    solve(S, p, d);
    double pp = 0, vp = 0;
    for (size_t j = 0; j < d; j++)
        pp += p[j] * p[j], vp += v[j] * p[j];
    ck_assert_double_gt(fabs(vp) / sqrt(vv * pp), 0.99);
    /* The sign convention: largest |entry| positive. */
    size_t big = 0;
    for (size_t j = 1; j < d; j++)
        if (fabs(v[j]) > fabs(v[big]))
            big = j;
    ck_assert_double_gt(v[big], 0);
    genre_lda_free(l);
    free(x), free(y);
}
END_TEST

START_TEST(identity_within_covariance_and_centred_transform)
{
    const size_t K = 4, d = 5, n_per = 150, n = K * n_per;
    double means[20], L[25] = {0};
    unsigned long long s = 9;
    for (size_t i = 0; i < 20; i++)
        means[i] = 2.0 * uni(&s) - 1.0;
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b <= a; b++)
            L[a * d + b] = a == b ? 1.0 + (double)a : 0.3 * (uni(&s) - 0.5);
    double *x;
    int32_t *y;
    gaussian_classes(K, n_per, d, means, L, 5, &x, &y, NULL);
    genre_lda *l;
    ck_assert_ok(genre_lda_create(&l));
    ck_assert_ok(genre_lda_fit(l, x, n, d, d, y));
    const size_t m = K - 1;
    double *z = malloc(n * m * sizeof *z);
    ck_assert_ptr_nonnull(z);
    size_t need;
    ck_assert_ok(genre_lda_transform(l, x, n, d, d, z, n * m, &need));
    ck_assert_uint_eq(need, n * m);
    double cm[4][3] = {{0}}, w[3][3] = {{0}}, all[3] = {0};
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < m; a++)
            cm[y[i]][a] += z[i * m + a] / (double)n_per, all[a] += z[i * m + a] / (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < m; a++)
            for (size_t b = 0; b < m; b++)
                w[a][b] += (z[i * m + a] - cm[y[i]][a]) * (z[i * m + b] - cm[y[i]][b]) /
                           (double)(n - K);
    for (size_t a = 0; a < m; a++) {
        ck_assert_double_eq_tol(all[a], 0.0, 1e-12);
        for (size_t b = 0; b < m; b++)
            ck_assert_double_eq_tol(w[a][b], a == b ? 1.0 : 0.0, 1e-10);
    }
    /* The training mean maps to zero. */
    double xbar[5], z0[3];
    ck_assert_ok(genre_lda_get_xbar(l, xbar, 5, NULL));
    ck_assert_ok(genre_lda_transform(l, xbar, 1, d, d, z0, 3, NULL));
    for (size_t a = 0; a < m; a++)
        ck_assert_double_eq_tol(z0[a], 0.0, 1e-13);
    /* Ratios decrease and sum to 1. */
    double r[3];
    ck_assert_ok(genre_lda_get_explained_variance_ratio(l, r, 3, NULL));
    ck_assert(r[0] >= r[1] && r[1] >= r[2]);
    ck_assert_double_eq_tol(r[0] + r[1] + r[2], 1.0, 1e-14);
    /* n_components keeps the leading discriminants. */
    ck_assert_ok(genre_lda_set_i64(l, GENRE_LDA_N_COMPONENTS, 2));
    ck_assert_ok(genre_lda_fit(l, x, n, d, d, y));
    double z2[2 * 600];
    ck_assert_ok(genre_lda_transform(l, x, n, d, d, z2, 1200, NULL));
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < 2; a++)
            ck_assert_double_eq_tol(z2[i * 2 + a], z[i * m + a], 1e-12);
    ck_assert_ok(genre_lda_get_scalings(l, NULL, 0, &need) == GENRE_E_BUFFER_TOO_SMALL
                     ? GENRE_OK
                     : GENRE_E_INTERNAL);
    ck_assert_uint_eq(need, d * 2);
    genre_lda_free(l);
    free(z), free(x), free(y);
}
END_TEST

START_TEST(classifier_labels_probabilities_and_priors)
{
    const size_t K = 3, d = 3, n_per = 200, n = K * n_per;
    const double means[9] = {0, 0, -6, 3, 0, 0, 0, 3, 0};
    const int32_t labels[3] = {100, -5, 7}; /* any int32 labels */
    double *x;
    int32_t *y;
    gaussian_classes(K, n_per, d, means, L3, 77, &x, &y, labels);
    genre_lda *l;
    ck_assert_ok(genre_lda_create(&l));
    ck_assert_ok(genre_lda_fit(l, x, n, d, d, y));
    int32_t cls[3];
    double pri[3];
    ck_assert_ok(genre_lda_get_classes(l, cls, 3, NULL));
    ck_assert_int_eq(cls[0], -5);
    ck_assert_int_eq(cls[1], 7);
    ck_assert_int_eq(cls[2], 100);
    ck_assert_ok(genre_lda_get_priors(l, pri, 3, NULL));
    for (int c = 0; c < 3; c++)
        ck_assert_double_eq_tol(pri[c], 1.0 / 3.0, 1e-15);
    double *p = malloc(n * K * sizeof *p);
    int32_t *pred = malloc(n * sizeof *pred);
    ck_assert(p && pred);
    ck_assert_ok(genre_lda_predict_proba(l, x, n, d, d, p, n * K, NULL));
    ck_assert_ok(genre_lda_predict(l, x, n, d, d, pred, n, NULL));
    size_t right = 0;
    for (size_t i = 0; i < n; i++) {
        double sum = 0;
        size_t best = 0;
        for (size_t c = 0; c < K; c++) {
            ck_assert(p[i * K + c] >= 0 && p[i * K + c] <= 1);
            sum += p[i * K + c];
            if (p[i * K + c] > p[i * K + best])
                best = c;
        }
        ck_assert_double_eq_tol(sum, 1.0, 1e-12);
        ck_assert_int_eq(pred[i], cls[best]);
        right += pred[i] == y[i];
    }
    ck_assert_uint_gt(right, n * 8 / 10); /* well separated classes */
    /* The class means are classified as their own class. */
    double mu[9];
    int32_t own[3];
    ck_assert_ok(genre_lda_get_means(l, mu, 9, NULL));
    ck_assert_ok(genre_lda_predict(l, mu, 3, d, d, own, 3, NULL));
    for (int c = 0; c < 3; c++)
        ck_assert_int_eq(own[c], cls[c]);
    /* A strong prior moves the decision at the midpoint of two classes. */
    double mid[3];
    for (size_t j = 0; j < 3; j++)
        mid[j] = 0.5 * (mu[0 * 3 + j] + mu[1 * 3 + j]);
    const double skew[3] = {1, 1000, 1};
    ck_assert_ok(genre_lda_set_priors(l, skew, 3));
    ck_assert_ok(genre_lda_fit(l, x, n, d, d, y));
    ck_assert_ok(genre_lda_get_priors(l, pri, 3, NULL));
    ck_assert_double_eq_tol(pri[1], 1000.0 / 1002.0, 1e-15);
    ck_assert_ok(genre_lda_predict(l, mid, 1, d, d, own, 1, NULL));
    ck_assert_int_eq(own[0], cls[1]);
    const double skew0[3] = {1000, 1, 1};
    ck_assert_ok(genre_lda_set_priors(l, skew0, 3));
    ck_assert_ok(genre_lda_fit(l, x, n, d, d, y));
    ck_assert_ok(genre_lda_predict(l, mid, 1, d, d, own, 1, NULL));
    ck_assert_int_eq(own[0], cls[0]);
    /* Wrong prior count; bad prior values. */
    ck_assert_ok(genre_lda_set_priors(l, skew0, 2));
    ck_assert_status(genre_lda_fit(l, x, n, d, d, y), GENRE_E_SHAPE);
    ck_assert_status(genre_lda_set_priors(l, (const double[]){0.5, 0.0}, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_set_priors(l, (const double[]){0.5, NAN}, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_set_priors(l, NULL, 2), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_lda_set_priors(l, NULL, 0));
    ck_assert_ok(genre_lda_fit(l, x, n, d, d, y));
    ck_assert_ok(genre_lda_predict(l, x, n, d, d, pred, n, NULL));
    /* Labels spread over the whole int32 range (the sorting path) give the
     * same model with other names. */
    int32_t *y2 = malloc(n * sizeof *y2);
    int32_t *pred2 = malloc(n * sizeof *pred2);
    ck_assert(y2 && pred2);
    for (size_t i = 0; i < n; i++)
        y2[i] = y[i] == -5 ? INT32_MIN : y[i] == 7 ? 0 : INT32_MAX;
    ck_assert_ok(genre_lda_fit(l, x, n, d, d, y2));
    ck_assert_ok(genre_lda_get_classes(l, cls, 3, NULL));
    ck_assert_int_eq(cls[0], INT32_MIN);
    ck_assert_int_eq(cls[1], 0);
    ck_assert_int_eq(cls[2], INT32_MAX);
    ck_assert_ok(genre_lda_predict(l, x, n, d, d, pred2, n, NULL));
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(pred2[i], pred[i] == -5 ? INT32_MIN : pred[i] == 7 ? 0 : INT32_MAX);
    free(y2), free(pred2);
    genre_lda_free(l);
    free(p), free(pred), free(x), free(y);
}
END_TEST

START_TEST(singular_within_scatter_and_shrinkage)
{
    const size_t K = 3, d = 3, n_per = 50, n = K * n_per;
    const double means[9] = {0, 0, 0, 2, 1, 0, 0, 2, 1};
    double *x;
    int32_t *y;
    gaussian_classes(K, n_per, d, means, L3, 3, &x, &y, NULL);
    genre_lda *l;
    ck_assert_ok(genre_lda_create(&l));
    /* Column 2 = column 0 + column 1: collinear. */
    for (size_t i = 0; i < n; i++)
        x[i * d + 2] = x[i * d + 0] + x[i * d + 1];
    ck_assert_status(genre_lda_fit(l, x, n, d, d, y), GENRE_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "singular"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "SHRINKAGE"));
    int64_t fitted;
    ck_assert_ok(genre_lda_get_i64(l, GENRE_LDA_FITTED, &fitted));
    ck_assert_int_eq(fitted, 0);
    /* Shrinkage makes it solvable, with finite results. */
    ck_assert_ok(genre_lda_set_f64(l, GENRE_LDA_SHRINKAGE, 0.1));
    ck_assert_ok(genre_lda_fit(l, x, n, d, d, y));
    double z[2 * 150];
    ck_assert_ok(genre_lda_transform(l, x, n, d, d, z, 300, NULL));
    for (size_t i = 0; i < 300; i++)
        ck_assert(isfinite(z[i]));
    /* A column constant within every class is named. */
    for (size_t i = 0; i < n; i++)
        x[i * d + 2] = (double)y[i];
    ck_assert_ok(genre_lda_set_f64(l, GENRE_LDA_SHRINKAGE, 0.0));
    ck_assert_status(genre_lda_fit(l, x, n, d, d, y), GENRE_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "column 2 is constant"));
    ck_assert_ok(genre_lda_set_f64(l, GENRE_LDA_SHRINKAGE, 1.0));
    ck_assert_ok(genre_lda_fit(l, x, n, d, d, y));
    /* Fewer rows than columns: singular. */
    double few[4 * 6];
    unsigned long long s = 1;
    for (size_t i = 0; i < 24; i++)
        few[i] = uni(&s);
    ck_assert_ok(genre_lda_set_f64(l, GENRE_LDA_SHRINKAGE, 0.0));
    ck_assert_status(genre_lda_fit(l, few, 4, 6, 6, (const int32_t[]){0, 1, 0, 1}),
                     GENRE_E_NUMERIC);
    /* All class means equal: nothing to explain. */
    double same[8] = {1, 2, 3, 4, 1, 2, 3, 4};
    ck_assert_status(genre_lda_fit(l, same, 8, 1, 1, (const int32_t[]){0, 0, 0, 0, 1, 1, 1, 1}),
                     GENRE_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "means are equal"));
    genre_lda_free(l);
    free(x), free(y);
}
END_TEST

START_TEST(bad_input)
{
    const size_t K = 3, d = 3, n_per = 20, n = K * n_per;
    const double means[9] = {0, 0, 0, 2, 1, 0, 0, 2, 1};
    double *x;
    int32_t *y;
    gaussian_classes(K, n_per, d, means, L3, 8, &x, &y, NULL);
    genre_lda *l;
    ck_assert_ok(genre_lda_create(&l));
    double out[200];
    int32_t lab[60];
    /* Before fit. */
    ck_assert_status(genre_lda_transform(l, x, n, d, d, out, 200, NULL), GENRE_E_BAD_STATE);
    ck_assert_status(genre_lda_predict(l, x, n, d, d, lab, 60, NULL), GENRE_E_BAD_STATE);
    ck_assert_status(genre_lda_predict_proba(l, x, n, d, d, out, 200, NULL), GENRE_E_BAD_STATE);
    ck_assert_status(genre_lda_get_scalings(l, out, 200, NULL), GENRE_E_BAD_STATE);
    ck_assert_status(genre_lda_save_to_memory(l, NULL, 0, &(size_t){0}), GENRE_E_BAD_STATE);
    int64_t v;
    ck_assert_status(genre_lda_get_i64(l, GENRE_LDA_N_CLASSES, &v), GENRE_E_BAD_STATE);
    /* NaN / Inf. */
    x[7 * d + 1] = NAN;
    ck_assert_status(genre_lda_fit(l, x, n, d, d, y), GENRE_E_NONFINITE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "row 7, column 1"));
    x[7 * d + 1] = -INFINITY;
    ck_assert_status(genre_lda_fit(l, x, n, d, d, y), GENRE_E_NONFINITE);
    x[7 * d + 1] = 0.5;
    /* One class only. */
    int32_t *one = calloc(n, sizeof *one);
    ck_assert_ptr_nonnull(one);
    ck_assert_status(genre_lda_fit(l, x, n, d, d, one), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "at least 2 classes"));
    /* A class with a single row. */
    one[13] = 4;
    ck_assert_status(genre_lda_fit(l, x, n, d, d, one), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "class 4 has a single row (row 13)"));
    free(one);
    /* n_components too large. */
    ck_assert_ok(genre_lda_set_i64(l, GENRE_LDA_N_COMPONENTS, 3));
    ck_assert_status(genre_lda_fit(l, x, n, d, d, y), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "too large"));
    ck_assert_ok(genre_lda_set_i64(l, GENRE_LDA_N_COMPONENTS, 0));
    /* NULLs and shapes. */
    ck_assert_status(genre_lda_fit(l, x, n, d, d, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_fit(NULL, x, n, d, d, y), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_fit(l, x, n, d, d - 1, y), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_lda_fit(l, x, n, d, d, y));
    /* Mismatched columns at transform / predict time. */
    ck_assert_status(genre_lda_transform(l, x, 10, 2, 3, out, 200, NULL), GENRE_E_SHAPE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "fitted on 3"));
    ck_assert_status(genre_lda_predict(l, x, 10, 4, 4, lab, 60, NULL), GENRE_E_SHAPE);
    ck_assert_status(genre_lda_predict_proba(l, x, 10, 2, 2, out, 200, NULL), GENRE_E_SHAPE);
    x[2] = NAN;
    ck_assert_status(genre_lda_predict(l, x, 10, 3, 3, lab, 60, NULL), GENRE_E_NONFINITE);
    x[2] = 0;
    /* Buffers. */
    size_t need = 0;
    ck_assert_status(genre_lda_transform(l, x, 10, 3, 3, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 20);
    ck_assert_status(genre_lda_predict_proba(l, x, 10, 3, 3, out, 29, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 30);
    ck_assert_status(genre_lda_predict(l, x, 10, 3, 3, lab, 9, &need), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 10);
    ck_assert_status(genre_lda_get_means(l, out, 8, &need), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 9);
    ck_assert_status(genre_lda_get_classes(l, lab, 2, &need), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_status(genre_lda_get_priors(l, out, 2, &need), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_status(genre_lda_get_xbar(l, out, 2, &need), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_status(genre_lda_get_explained_variance_ratio(l, out, 1, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    /* A failed fit keeps the previous model. */
    ck_assert_status(genre_lda_fit(l, x, n, d, d, NULL), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_lda_get_i64(l, GENRE_LDA_N_CLASSES, &v));
    ck_assert_int_eq(v, 3);
    ck_assert_ok(genre_lda_get_i64(l, GENRE_LDA_N_SAMPLES, &v));
    ck_assert_int_eq(v, 60);
    genre_lda_free(l);
    free(x), free(y);
}
END_TEST

START_TEST(parameters)
{
    genre_lda *l;
    ck_assert_ok(genre_lda_create(&l));
    ck_assert_status(genre_lda_set_i64(l, GENRE_LDA_N_COMPONENTS, -1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_set_f64(l, GENRE_LDA_SHRINKAGE, 1.5), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_set_f64(l, GENRE_LDA_SHRINKAGE, -0.1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_set_f64(l, GENRE_LDA_SHRINKAGE, NAN), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_set_i64(l, 777, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_lda_set_f64(l, GENRE_LDA_N_COMPONENTS, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_lda_set_i64(l, GENRE_LDA_N_CLASSES, 1), GENRE_E_UNKNOWN_PARAM);
    int64_t v;
    double f;
    ck_assert_status(genre_lda_get_i64(l, 777, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_lda_get_f64(l, 777, &f), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ok(genre_lda_set_f64(l, GENRE_LDA_SHRINKAGE, 0.25));
    ck_assert_ok(genre_lda_get_f64(l, GENRE_LDA_SHRINKAGE, &f));
    ck_assert_double_eq(f, 0.25);
    ck_assert_ok(genre_lda_set_i64(l, GENRE_LDA_N_COMPONENTS, 2));
    ck_assert_ok(genre_lda_get_i64(l, GENRE_LDA_N_COMPONENTS, &v));
    ck_assert_int_eq(v, 2);
    ck_assert_status(genre_lda_get_i64(l, GENRE_LDA_N_COMPONENTS, NULL), GENRE_E_INVALID_ARG);
    genre_lda_free(l);
    genre_lda_free(NULL);
    ck_assert_status(genre_lda_create(NULL), GENRE_E_INVALID_ARG);
}
END_TEST

/* The contract every handle kind answers (docs/api-conventions.md). */
START_TEST(one_parameter_mechanism)
{
    genre_lda *l;
    ck_assert_ok(genre_lda_create(&l));
    int64_t v;
    double f, lo, hi;
    size_t n = 9;
    ck_assert_status(genre_lda_param_bounds(777, &lo, &hi), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_lda_param_bounds: "));
    ck_assert_status(genre_lda_param_values(777, NULL, 0, &n), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_lda_set_i64(l, GENRE_LDA_SHRINKAGE, 0), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "GENRE_LDA_SHRINKAGE is not an i64 key"));
    ck_assert_status(genre_lda_get_f64(l, GENRE_LDA_N_SAMPLES, &f), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_lda_set_i64(l, GENRE_LDA_FITTED, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "read-only"));
    ck_assert_status(genre_lda_param_bounds(GENRE_LDA_N_CLASSES, &lo, &hi),
                     GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_lda_set_f64(l, GENRE_LDA_SHRINKAGE, 1.5), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "GENRE_LDA_SHRINKAGE = 1.5"));
    ck_assert_ok(genre_lda_get_f64(l, GENRE_LDA_SHRINKAGE, &f));
    ck_assert(f == 0.0); /* not clamped to 1 */
    ck_assert_ok(genre_lda_param_bounds(GENRE_LDA_SHRINKAGE, &lo, &hi));
    ck_assert(lo == 0.0 && hi == 1.0);
    ck_assert_ok(genre_lda_param_bounds(GENRE_LDA_N_COMPONENTS, &lo, &hi));
    ck_assert(lo == 0.0 && hi == (double)INT32_MAX);
    ck_assert_ok(genre_lda_param_values(GENRE_LDA_N_COMPONENTS, NULL, 0, &n));
    ck_assert_uint_eq(n, 0);
    /* reset: defaults back; priors and the fit kept */
    const double x[8] = {1, 2, 3, 4, 6, 7, 8, 9};
    const int32_t y[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    ck_assert_ok(genre_lda_set_priors(l, (const double[]){1, 3}, 2));
    ck_assert_ok(genre_lda_set_f64(l, GENRE_LDA_SHRINKAGE, 0.5));
    ck_assert_ok(genre_lda_set_i64(l, GENRE_LDA_N_COMPONENTS, 1));
    ck_assert_ok(genre_lda_fit(l, x, 8, 1, 1, y));
    ck_assert_ok(genre_lda_reset_params(l));
    ck_assert_ok(genre_lda_get_f64(l, GENRE_LDA_SHRINKAGE, &f));
    ck_assert(f == 0.0);
    ck_assert_ok(genre_lda_get_i64(l, GENRE_LDA_N_COMPONENTS, &v));
    ck_assert_int_eq(v, 0);
    ck_assert_ok(genre_lda_get_i64(l, GENRE_LDA_FITTED, &v));
    ck_assert_int_eq(v, 1);
    ck_assert_status(genre_lda_fit(l, x, 8, 1, 1, (const int32_t[]){0, 0, 0, 1, 1, 1, 2, 2}),
                     GENRE_E_SHAPE); /* the two priors are still set */
    ck_assert_status(genre_lda_param_bounds(GENRE_LDA_SHRINKAGE, NULL, &hi),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_param_values(GENRE_LDA_SHRINKAGE, NULL, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_reset_params(NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_lda_set_log(NULL, NULL, NULL), GENRE_E_INVALID_ARG);
    genre_lda_free(l);
}
END_TEST

typedef struct log_seen {
    int count;
    int32_t level;
    char msg[512];
} log_seen;

static void on_log(void *ud, int32_t level, const char *msg)
{
    log_seen *seen = ud;
    seen->count++;
    seen->level = level;
    snprintf(seen->msg, sizeof seen->msg, "%s", msg);
}

START_TEST(log_says_when_shrinkage_rescues_the_fit)
{
    const size_t K = 3, d = 3, n_per = 50, n = K * n_per;
    const double means[9] = {0, 0, 0, 2, 1, 0, 0, 2, 1};
    double *x;
    int32_t *y;
    gaussian_classes(K, n_per, d, means, L3, 3, &x, &y, NULL);
    genre_lda *l;
    ck_assert_ok(genre_lda_create(&l));
    log_seen seen = {0};
    ck_assert_ok(genre_lda_set_log(l, on_log, &seen));
    /* a regular scatter, with or without shrinkage: nothing to say */
    ck_assert_ok(genre_lda_fit(l, x, n, d, d, y));
    ck_assert_ok(genre_lda_set_f64(l, GENRE_LDA_SHRINKAGE, 0.1));
    ck_assert_ok(genre_lda_fit(l, x, n, d, d, y));
    ck_assert_int_eq(seen.count, 0);
    /* collinear columns: singular, solvable with shrinkage */
    for (size_t i = 0; i < n; i++)
        x[i * d + 2] = x[i * d + 0] + x[i * d + 1];
    ck_assert_ok(genre_lda_fit(l, x, n, d, d, y));
    ck_assert_int_eq(seen.count, 1);
    ck_assert_int_eq(seen.level, GENRE_LOG_WARNING);
    ck_assert_ptr_nonnull(strstr(seen.msg, "genre_lda_fit: the within-class scatter is singular"));
    ck_assert_ptr_nonnull(strstr(seen.msg, "GENRE_LDA_SHRINKAGE = 0.1"));
    /* a column constant within every class is named */
    for (size_t i = 0; i < n; i++)
        x[i * d + 2] = (double)y[i];
    ck_assert_ok(genre_lda_set_f64(l, GENRE_LDA_SHRINKAGE, 0.5));
    ck_assert_ok(genre_lda_fit(l, x, n, d, d, y));
    ck_assert_int_eq(seen.count, 2);
    ck_assert_int_eq(seen.level, GENRE_LOG_WARNING);
    ck_assert_ptr_nonnull(strstr(seen.msg, "1 of 3 columns are constant within every class "
                                           "(the first is column 2)"));
    genre_lda_free(l);
    free(x), free(y);
}
END_TEST

START_TEST(save_and_load)
{
    const size_t K = 3, d = 3, n_per = 40, n = K * n_per;
    const double means[9] = {0, 0, 0, 2, 1, 0, 0, 2, 1};
    double *x;
    int32_t *y;
    gaussian_classes(K, n_per, d, means, L3, 21, &x, &y, (const int32_t[]){3, 1, 2});
    genre_lda *l, *q = NULL;
    ck_assert_ok(genre_lda_create(&l));
    ck_assert_ok(genre_lda_set_priors(l, (const double[]){0.2, 0.3, 0.5}, 3));
    ck_assert_ok(genre_lda_set_i64(l, GENRE_LDA_N_COMPONENTS, 1));
    ck_assert_ok(genre_lda_fit(l, x, n, d, d, y));
    size_t size;
    unsigned char *buf = lda_saved(l, &size);
    ck_assert_ok(genre_lda_load_from_memory(&q, buf, size));
    double a[360], b[360];
    int32_t pa[120], pb[120];
    ck_assert_ok(genre_lda_transform(l, x, n, d, d, a, 360, NULL));
    ck_assert_ok(genre_lda_transform(q, x, n, d, d, b, 360, NULL));
    ck_assert_mem_eq(a, b, n * sizeof(double));
    ck_assert_ok(genre_lda_predict_proba(l, x, n, d, d, a, 360, NULL));
    ck_assert_ok(genre_lda_predict_proba(q, x, n, d, d, b, 360, NULL));
    ck_assert_mem_eq(a, b, sizeof a);
    ck_assert_ok(genre_lda_predict(l, x, n, d, d, pa, 120, NULL));
    ck_assert_ok(genre_lda_predict(q, x, n, d, d, pb, 120, NULL));
    ck_assert_mem_eq(pa, pb, sizeof pa);
    genre_lda_free(q);
    lda_save_errors_name_the_function(l);
    lda_file_round_trip(l, &q);
    int64_t v;
    ck_assert_ok(genre_lda_get_i64(q, GENRE_LDA_N_CLASSES, &v));
    ck_assert_int_eq(v, 3);
    genre_lda_free(q);
    ck_assert_status(genre_lda_load(&q, "/nonexistent/dir/lda.genre"), GENRE_E_IO);
    buf[size - 5] ^= 1;
    ck_assert_status(genre_lda_load_from_memory(&q, buf, size), GENRE_E_CORRUPT);
    ck_assert_ptr_null(q);
    genre_lda_free(l);
    free(buf), free(x), free(y);
}
END_TEST

typedef struct thread_job {
    const genre_lda *l;
    const double *x;
    size_t n;
    double *proba;
    genre_status st;
} thread_job;

static void *thread_predict(void *arg)
{
    thread_job *j = arg;
    for (int rep = 0; rep < 20 && j->st == GENRE_OK; rep++)
        j->st = genre_lda_predict_proba(j->l, j->x, j->n, 3, 3, j->proba, j->n * 3, NULL);
    return NULL;
}

START_TEST(concurrent_predict_on_one_handle)
{
    const double means[9] = {0, 0, 0, 2, 1, 0, 0, 2, 1};
    double *x;
    int32_t *y;
    gaussian_classes(3, 100, 3, means, L3, 12, &x, &y, NULL);
    genre_lda *l;
    ck_assert_ok(genre_lda_create(&l));
    ck_assert_ok(genre_lda_fit(l, x, 300, 3, 3, y));
    double want[900];
    ck_assert_ok(genre_lda_predict_proba(l, x, 300, 3, 3, want, 900, NULL));
    enum { T = 4 };
    pthread_t th[T];
    thread_job jobs[T];
    static double got[T][900];
    for (int t = 0; t < T; t++) {
        jobs[t] = (thread_job){l, x, 300, got[t], GENRE_OK};
        ck_assert_int_eq(pthread_create(&th[t], NULL, thread_predict, &jobs[t]), 0);
    }
    for (int t = 0; t < T; t++) {
        pthread_join(th[t], NULL);
        ck_assert_int_eq(jobs[t].st, GENRE_OK);
        ck_assert_mem_eq(got[t], want, sizeof want);
    }
    genre_lda_free(l);
    free(x), free(y);
}
END_TEST

#ifdef GENRE_TESTING
#include "model_file.h"

/* An LDA container with chosen header values (d = 3, K = 3), for loaders. */
static unsigned char *craft(uint32_t kind_version, int64_t m, double prior0, int32_t kind,
                            size_t *len)
{
    const double pri[3] = {prior0, 0.3, 0.4}, means[9] = {0}, xbar[3] = {0};
    double scal[3 * 5] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}, ratio[5] = {0.6, 0.4};
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, kind, kind_version));
    genre__mf_put_i64(&w, 1, 3);
    genre__mf_put_i64(&w, 2, 30);
    genre__mf_put_i64(&w, 3, 3);
    genre__mf_put_i64(&w, 4, m);
    genre__mf_put_i64(&w, 5, 1);
    genre__mf_put_i64(&w, 6, 0);
    genre__mf_put_f64(&w, 7, 0.0);
    genre__mf_put_i32_array(&w, 8, (const int32_t[]){0, 1, 2}, 3);
    genre__mf_put_f64_array(&w, 9, pri, 3);
    genre__mf_put_f64_array(&w, 10, means, 9);
    genre__mf_put_f64_array(&w, 11, xbar, 3);
    genre__mf_put_f64_array(&w, 12, scal, 3 * (size_t)(m > 0 && m <= 5 ? m : 1));
    genre__mf_put_f64_array(&w, 13, ratio, (size_t)(m > 0 && m <= 5 ? m : 1));
    return genre_test_mf_finish(&w, len);
}

START_TEST(load_checks_what_it_reads)
{
    genre_lda *l = NULL;
    size_t len;
    unsigned char *buf = craft(1, 2, 0.3, GENRE_MODEL_LDA, &len);
    ck_assert_ok(genre_lda_load_from_memory(&l, buf, len)); /* the valid baseline */
    genre_lda_free(l);
    free(buf);
    buf = craft(1, 5, 0.3, GENRE_MODEL_LDA, &len); /* 5 discriminants from 3 classes */
    ck_assert_status(genre_lda_load_from_memory(&l, buf, len), GENRE_E_CORRUPT);
    free(buf);
    buf = craft(1, 2, -1.0, GENRE_MODEL_LDA, &len); /* a negative prior */
    ck_assert_status(genre_lda_load_from_memory(&l, buf, len), GENRE_E_CORRUPT);
    free(buf);
    buf = craft(1, 2, NAN, GENRE_MODEL_LDA, &len);
    ck_assert_status(genre_lda_load_from_memory(&l, buf, len), GENRE_E_CORRUPT);
    free(buf);
    buf = craft(2, 2, 0.3, GENRE_MODEL_LDA, &len); /* a newer payload */
    ck_assert_status(genre_lda_load_from_memory(&l, buf, len), GENRE_E_VERSION);
    free(buf);
    buf = craft(1, 2, 0.3, GENRE_MODEL_PCA, &len); /* another kind */
    ck_assert_status(genre_lda_load_from_memory(&l, buf, len), GENRE_E_MODEL_KIND);
    ck_assert_ptr_null(l);
    free(buf);
}
END_TEST
#endif

#ifdef GENRE_TESTING
typedef struct walk_ctx {
    const double *x;
    const int32_t *y;
} walk_ctx;

static genre_status scenario(void *ctx)
{
    const walk_ctx *c = ctx;
    genre_lda *l = NULL, *q = NULL;
    unsigned char *buf = NULL;
    double z[90 * 3];
    int32_t pred[90];
    size_t size = 0;
    genre_status st = genre_lda_create(&l);
    if (st == GENRE_OK)
        st = genre_lda_set_priors(l, (const double[]){1, 1, 2}, 3);
    if (st == GENRE_OK)
        st = genre_lda_fit(l, c->x, 90, 3, 3, c->y);
    if (st == GENRE_OK)
        st = lda_save_alloc(l, &buf, &size);
    if (st == GENRE_OK)
        st = genre_lda_load_from_memory(&q, buf, size);
    if (st == GENRE_OK)
        st = genre_lda_transform(q, c->x, 90, 3, 3, z, sizeof z / sizeof z[0], NULL);
    if (st == GENRE_OK)
        st = genre_lda_predict_proba(q, c->x, 90, 3, 3, z, sizeof z / sizeof z[0], NULL);
    if (st == GENRE_OK)
        st = genre_lda_predict(q, c->x, 90, 3, 3, pred, 90, NULL);
    free(buf);
    genre_lda_free(q);
    genre_lda_free(l);
    return st;
}

START_TEST(allocation_failures)
{
    const double means[9] = {0, 0, 0, 2, 1, 0, 0, 2, 1};
    double *x;
    int32_t *y;
    gaussian_classes(3, 30, 3, means, L3, 4, &x, &y, NULL);
    walk_ctx c = {x, y};
    ck_assert_int_gt(genre_test_alloc_walk(scenario, &c), 10);
    free(x), free(y);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("lda");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, two_gaussian_classes_recover_the_fisher_direction);
    tcase_add_test(tc, identity_within_covariance_and_centred_transform);
    tcase_add_test(tc, classifier_labels_probabilities_and_priors);
    tcase_add_test(tc, singular_within_scatter_and_shrinkage);
    tcase_add_test(tc, bad_input);
    tcase_add_test(tc, parameters);
    tcase_add_test(tc, one_parameter_mechanism);
    tcase_add_test(tc, log_says_when_shrinkage_rescues_the_fit);
    tcase_add_test(tc, save_and_load);
    tcase_add_test(tc, concurrent_predict_on_one_handle);
#ifdef GENRE_TESTING
    tcase_add_test(tc, load_checks_what_it_reads);
    tcase_add_test(tc, allocation_failures);
#endif
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
