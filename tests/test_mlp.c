/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit suite of the MLP (genre/mlp.h): parameters, gradient checks, fits,
 * persistence, bad input, cancellation, concurrency, allocation failures. */
#include "harness.h"
#include "mlp_private.h"
#include "model_file.h"
#include "parallel.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- Synthetic data ---------------------------------------------------------- */

static uint64_t lcg_state;
static double urand(void)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(lcg_state >> 11) * 0x1.0p-53;
}
static double nrand(void)
{
    double u = urand() + 1e-300, v = urand();
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

#define NB 240
#define DB 4
#define KB 3
static double bx[NB * DB];
static int32_t by[NB];

/* Three Gaussian blobs in 4-D, separable but not trivially. */
static void make_blobs(void)
{
    lcg_state = 12345;
    for (size_t i = 0; i < NB; i++) {
        int32_t c = (int32_t)(i % KB);
        by[i] = c;
        for (size_t j = 0; j < DB; j++)
            bx[i * DB + j] = nrand() * 0.8 + (j == (size_t)c ? 2.0 : 0.0) -
                             (j == 3 && c == 2 ? 1.5 : 0.0);
    }
}

static genre_mlp *small_model(void)
{
    genre_mlp *m = NULL;
    ck_assert_ok(genre_mlp_create(&m));
    int32_t w[2] = {8, 6};
    ck_assert_ok(genre_mlp_set_hidden_layers(m, w, 2));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.01));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 40));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, 32));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SEED, 7));
    return m;
}

static double accuracy_of(const genre_mlp *m)
{
    int32_t pred[NB];
    ck_assert_ok(genre_mlp_predict(m, bx, NB, DB, DB, pred, NB, NULL));
    size_t hit = 0;
    for (size_t i = 0; i < NB; i++)
        hit += pred[i] == by[i];
    return (double)hit / NB;
}

/* ---- Parameters ----------------------------------------------------------------- */

START_TEST(test_params)
{
    genre_mlp *m = NULL;
    ck_assert_ok(genre_mlp_create(&m));
    double v;
    int64_t i;
    ck_assert_ok(genre_mlp_get_f64(m, GENRE_MLP_LEARNING_RATE, &v));
    ck_assert(v == 1e-3);
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_BATCH_SIZE, &i));
    ck_assert_int_eq(i, 256);
    ck_assert_status(genre_mlp_set_f64(m, 9999, 1.0), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_mlp_set_i64(m, 9999, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_mlp_get_f64(m, 9999, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, NAN), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_f64(m, GENRE_MLP_DROPOUT, 1.0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_f64(m, GENRE_MLP_BETA2, -0.1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_i64(m, GENRE_MLP_ACTIVATION, 3), GENRE_E_INVALID_ARG);
    /* a key of the other type, a read-only key: not a parameter of that call */
    ck_assert_status(genre_mlp_set_i64(m, GENRE_MLP_LEARNING_RATE, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(),
                                 "genre_mlp_set_i64: GENRE_MLP_LEARNING_RATE is not an i64 key"));
    ck_assert_status(genre_mlp_set_f64(m, GENRE_MLP_EPOCHS, 1.0), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_mlp_get_f64(m, GENRE_MLP_EPOCHS, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_mlp_get_i64(m, GENRE_MLP_L2, &i), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_mlp_set_i64(m, GENRE_MLP_N_PARAMS, 1), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "GENRE_MLP_N_PARAMS is read-only"));
    ck_assert_status(genre_mlp_get_i64(m, GENRE_MLP_N_PARAMS, &i), GENRE_E_BAD_STATE);
    /* values are not clamped: a failed set leaves the old one */
    ck_assert_ok(genre_mlp_get_f64(m, GENRE_MLP_LEARNING_RATE, &v));
    ck_assert(v == 1e-3);
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SEED, INT64_MIN));
    double lo, hi;
    ck_assert_ok(genre_mlp_param_bounds(GENRE_MLP_LEARNING_RATE, &lo, &hi));
    ck_assert(lo > 0.0 && hi == 10.0);
    ck_assert_ok(genre_mlp_param_bounds(GENRE_MLP_EPOCHS, &lo, &hi));
    ck_assert(lo == 1.0 && hi == 1e7);
    ck_assert_status(genre_mlp_param_bounds(GENRE_MLP_N_PARAMS, &lo, &hi),
                     GENRE_E_UNKNOWN_PARAM);
    /* enumerated keys list their values; a range answers none */
    int64_t vals[8];
    size_t nv = 99;
    ck_assert_status(genre_mlp_param_values(GENRE_MLP_PRECISION, NULL, 0, &nv),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(nv, 2);
    ck_assert_ok(genre_mlp_param_values(GENRE_MLP_PRECISION, vals, 8, &nv));
    ck_assert(nv == 2 && vals[0] == GENRE_MLP_PRECISION_FLOAT &&
              vals[1] == GENRE_MLP_PRECISION_DOUBLE);
    ck_assert_ok(genre_mlp_param_values(GENRE_MLP_INIT, vals, 8, &nv));
    ck_assert(nv == 6 && vals[0] == GENRE_MLP_INIT_AUTO && vals[5] == GENRE_MLP_INIT_LECUN_UNIFORM);
    ck_assert_ok(genre_mlp_param_values(GENRE_MLP_ACTIVATION, vals, 8, &nv));
    ck_assert_uint_eq(nv, 3);
    ck_assert_ok(genre_mlp_param_values(GENRE_MLP_EPOCHS, vals, 8, &nv));
    ck_assert_uint_eq(nv, 0);
    ck_assert_status(genre_mlp_param_values(GENRE_MLP_N_PARAMS, vals, 8, &nv),
                     GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_mlp_param_values(9999, vals, 8, &nv), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_mlp_param_values(GENRE_MLP_INIT, vals, 8, NULL), GENRE_E_INVALID_ARG);
    /* GENRE_MLP_PRECISION (0.3): 64 (default) or 32, nothing else */
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_PRECISION, &i));
    ck_assert_int_eq(i, GENRE_MLP_PRECISION_DOUBLE);
    ck_assert_ok(genre_mlp_param_bounds(GENRE_MLP_PRECISION, &lo, &hi));
    ck_assert(lo == 32.0 && hi == 64.0);
    const int64_t bad_prec[] = {0, 1, 16, 33, 63, 65, 128, -32};
    for (size_t b = 0; b < sizeof bad_prec / sizeof bad_prec[0]; b++) {
        ck_assert_status(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, bad_prec[b]),
                         GENRE_E_INVALID_ARG);
        ck_assert_msg(strstr(genre_last_error(), "GENRE_MLP_PRECISION") != NULL, "%s",
                      genre_last_error());
    }
    ck_assert_status(genre_mlp_set_f64(m, GENRE_MLP_PRECISION, 32.0), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, GENRE_MLP_PRECISION_FLOAT));
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_PRECISION, &i));
    ck_assert_int_eq(i, GENRE_MLP_PRECISION_FLOAT);
    ck_assert_ok(genre_mlp_reset_params(m));
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_PRECISION, &i));
    ck_assert_int_eq(i, GENRE_MLP_PRECISION_DOUBLE);

    int32_t zero[2] = {5, 0};
    ck_assert_status(genre_mlp_set_hidden_layers(m, zero, 2), GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "layer 1") != NULL, "%s", genre_last_error());
    int32_t neg[1] = {-3};
    ck_assert_status(genre_mlp_set_hidden_layers(m, neg, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_hidden_layers(m, NULL, 1), GENRE_E_INVALID_ARG);
    int32_t w[3] = {20, 15, 4}, got[3];
    size_t n;
    ck_assert_ok(genre_mlp_set_hidden_layers(m, w, 3));
    ck_assert_status(genre_mlp_get_hidden_layers(m, NULL, 0, &n), GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(n, 3);
    ck_assert_ok(genre_mlp_get_hidden_layers(m, got, 3, &n));
    ck_assert_int_eq(got[2], 4);
    ck_assert_ok(genre_mlp_set_hidden_layers(m, NULL, 0));
    ck_assert_ok(genre_mlp_reset_params(m));
    ck_assert_ok(genre_mlp_get_hidden_layers(m, got, 3, &n));
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(got[0], 100);
    genre_mlp_free(m);
    genre_mlp_free(NULL);
    ck_assert_status(genre_mlp_create(NULL), GENRE_E_INVALID_ARG);
}
END_TEST

/* ---- Gradient checks ------------------------------------------------------------ */

/* A model for the gradient checks: the given network, activation, dropout,
 * L2, dense kernel and threads, LeCun-uniform initialisation, seed 3. */
static genre_mlp *grad_model(int32_t act, double dropout, double l2, int64_t kernel,
                             const int32_t *hidden, size_t n_hidden, int64_t threads)
{
    genre_mlp *m = NULL;
    ck_assert_ok(genre_mlp_create(&m));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, threads));
    ck_assert_ok(genre_mlp_set_hidden_layers(m, hidden, n_hidden));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_ACTIVATION, act));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_DROPOUT, dropout));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_L2, l2));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_DENSE_KERNEL, kernel));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_INIT, GENRE_MLP_INIT_LECUN_UNIFORM));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SEED, 3));
    return m;
}

/* The data of the gradient checks: x (n x d) and y (n x k) normal draws of
 * seed 99 (rounded to float, so exact in float, when float_exact), labels
 * i % k. */
static void grad_data(double *x, double *y, int32_t *lab, size_t n, size_t d, size_t k,
                      int float_exact)
{
    lcg_state = 99;
    for (size_t i = 0; i < n * d; i++)
        x[i] = float_exact ? (double)(float)nrand() : nrand();
    for (size_t i = 0; i < n * k; i++)
        y[i] = float_exact ? (double)(float)nrand() : nrand();
    for (size_t i = 0; i < n; i++)
        lab[i] = (int32_t)(i % k);
}

/* The gradient g at theta (np values) against five-point central
 * differences of the double objective (dropout seed 11; truncation error
 * O(h^4)). Returns the largest error relative to max(|fd|, |g|, floor *
 * the largest |g|); *err2 receives sum (fd - g)^2, *g2 sum g^2, *fd2 sum
 * fd^2. theta is left as it was. */
static double fd_compare(const genre_mlp *m, const double *x, size_t n, size_t d,
                         const int32_t *labels, const double *y, size_t k, double *theta,
                         const double *g, size_t np, double floor, double *err2, double *g2,
                         double *fd2)
{
    double max_rel = 0.0, gmax = 0.0;
    *err2 = *g2 = *fd2 = 0.0;
    for (size_t i = 0; i < np; i++)
        gmax = fmax(gmax, fabs(g[i]));
    for (size_t i = 0; i < np; i++) {
        const double h = 1e-4, t0 = theta[i];
        double f[4];
        const double steps[4] = {2.0 * h, h, -h, -2.0 * h};
        size_t np_i;
        for (int s = 0; s < 4; s++) {
            theta[i] = t0 + steps[s];
            ck_assert_ok(genre__mlp_test_objective(m, x, n, d, labels, y, k, theta, 11, &f[s],
                                                   NULL, &np_i));
        }
        theta[i] = t0;
        const double fd = (8.0 * (f[1] - f[2]) - (f[0] - f[3])) / (12.0 * h);
        const double scale = fmax(fmax(fabs(fd), fabs(g[i])), floor * gmax);
        const double rel = fabs(fd - g[i]) / scale;
        if (rel > max_rel)
            max_rel = rel;
        *err2 += (fd - g[i]) * (fd - g[i]);
        *g2 += g[i] * g[i];
        *fd2 += fd * fd;
    }
    return max_rel;
}

/* Analytic gradient against central differences, for one configuration. */
/* The parameter count of m for this data, and a random point theta in
 * [-0.6, 0.6] (rounded to float when float_exact) with room for its gradient
 * g (malloc'd; the caller frees both). */
static size_t grad_point(genre_mlp *m, const double *x, size_t n, size_t d,
                         const int32_t *labels, const double *y, size_t k, int float_exact,
                         double **theta, double **g)
{
    double loss;
    size_t np;
    ck_assert_ok(genre__mlp_test_objective(m, x, n, d, labels, y, k, NULL, 11, &loss, NULL,
                                           &np));
    *theta = malloc(np * sizeof **theta);
    *g = malloc(np * sizeof **g);
    ck_assert_ptr_nonnull(*theta);
    ck_assert_ptr_nonnull(*g);
    for (size_t i = 0; i < np; i++) {
        const double v = 0.6 * (2.0 * urand() - 1.0);
        (*theta)[i] = float_exact ? (double)(float)v : v;
    }
    return np;
}

static void grad_check_threads(int32_t act, int classification, double dropout, double l2,
                               int64_t kernel, const int32_t *hidden, size_t n_hidden,
                               int64_t threads)
{
    genre_mlp *m = grad_model(act, dropout, l2, kernel, hidden, n_hidden, threads);
    enum { N = 9, D = 4, K = 3 };
    double x[N * D], y[N * K];
    int32_t lab[N];
    grad_data(x, y, lab, N, D, K, 0);
    const int32_t *labels = classification ? lab : NULL;
    double loss, *theta, *g;
    size_t np = grad_point(m, x, N, D, labels, y, K, 0, &theta, &g);
    ck_assert_ok(genre__mlp_test_objective(m, x, N, D, labels, y, K, theta, 11, &loss, g,
                                           &np));
    /* The floor of the relative error: where the finite difference's own
     * rounding (~1e-12 absolute: eps * loss / h) dominates, components below
     * 1e-5 of the largest one are held to 1e-11 absolute. */
    double num, den, fd2;
    const double max_rel = fd_compare(m, x, N, D, labels, y, K, theta, g, np, 1e-5, &num, &den,
                                      &fd2);
    ck_assert_msg(max_rel < 1e-6,
                  "act %d, %s, dropout %g, l2 %g, kernel %lld, threads %lld: max relative "
                  "error %g", (int)act, classification ? "cross-entropy" : "MSE", dropout, l2,
                  (long long)kernel, (long long)threads, max_rel);
    ck_assert_msg(sqrt(num / den) < 1e-7, "norm relative error %g", sqrt(num / den));
    free(theta);
    free(g);
    genre_mlp_free(m);
}

static void grad_check(int32_t act, int classification, double dropout, double l2,
                       int64_t kernel, const int32_t *hidden, size_t n_hidden)
{
    grad_check_threads(act, classification, dropout, l2, kernel, hidden, n_hidden, 1);
}

/*
 * The float32 path's gradient (GENRE_MLP_PRECISION_FLOAT) against central
 * differences of the double objective at the same weights (and the same
 * dropout masks). Returns the largest error relative to max(|fd|, |g|,
 * 1e-3 * the largest component) and the norm relative error.
 */
static void grad_check_f32(int32_t act, int classification, double dropout, double l2,
                           const int32_t *hidden, size_t n_hidden, int64_t threads,
                           double *max_rel_out, double *norm_rel_out)
{
    genre_mlp *m = grad_model(act, dropout, l2, GENRE_MLP_KERNEL_AUTO, hidden, n_hidden, threads);
    enum { N = 37, D = 5, K = 3 };
    double x[N * D], y[N * K];
    int32_t lab[N];
    grad_data(x, y, lab, N, D, K, 1); /* the input's own rounding aside */
    const int32_t *labels = classification ? lab : NULL;
    double loss, loss32, *theta, *g;
    size_t np = grad_point(m, x, N, D, labels, y, K, 1, &theta, &g); /* exact in float too */
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, GENRE_MLP_PRECISION_FLOAT));
    ck_assert_ok(genre__mlp_test_objective(m, x, N, D, labels, y, K, theta, 11, &loss32, g,
                                           &np));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, GENRE_MLP_PRECISION_DOUBLE));
    ck_assert_ok(genre__mlp_test_objective(m, x, N, D, labels, y, K, theta, 11, &loss, NULL,
                                           &np));
    ck_assert_msg(fabs(loss32 - loss) <= 1e-5 * fabs(loss), "loss %.9g (float) vs %.9g",
                  loss32, loss);
    double num, g2, den;
    *max_rel_out = fd_compare(m, x, N, D, labels, y, K, theta, g, np, 1e-3, &num, &g2, &den);
    *norm_rel_out = sqrt(num / den);
    free(theta);
    free(g);
    genre_mlp_free(m);
}

/*
 * Tolerances of the float path: every product and sum is rounded to float
 * (unit roundoff 2^-24 = 6e-8), a gradient component sums ~N x width terms
 * (37 rows here) through 2-3 layers, and the softmax gradient p - onehot
 * cancels; the float error of a component is then a few 1e-8 of the
 * largest component's magnitude, which is up to ~3e-5 relative for the
 * small components at the 1e-3 floor (measured: 3.1e-5 largest, 1.5e-7 in
 * norm; the test prints them). 3e-4 relative (floored at 1e-3 of the
 * largest component) and 1e-5 in norm leave a 10x margin for rounding yet
 * catch any real error in a kernel (a wrong or missing term is O(1)
 * relative), while the double check's 1e-6 cannot hold for float sums.
 */
START_TEST(test_gradient_check_float32)
{
    const int32_t two[2] = {5, 4}, one[1] = {6};
    double worst = 0.0, worst_norm = 0.0;
    for (int32_t act = 0; act <= 2; act++)
        for (int cls = 0; cls <= 1; cls++)
            for (int64_t t = 1; t <= 3; t++)
                for (int cfg = 0; cfg < 3; cfg++) {
                    double mr, nr;
                    if (cfg == 0)
                        grad_check_f32(act, cls, 0.0, 0.0, two, 2, t, &mr, &nr);
                    else if (cfg == 1)
                        grad_check_f32(act, cls, 0.3, 0.01, two, 2, t, &mr, &nr);
                    else
                        grad_check_f32(act, cls, 0.0, 0.05, one, 1, t, &mr, &nr);
                    ck_assert_msg(mr < 3e-4 && nr < 1e-5,
                                  "float32: act %d, %s, config %d, threads %lld: max relative "
                                  "error %g, norm %g",
                                  (int)act, cls ? "cross-entropy" : "MSE", cfg, (long long)t,
                                  mr, nr);
                    worst = fmax(worst, mr);
                    worst_norm = fmax(worst_norm, nr);
                }
    double mr, nr;
    grad_check_f32(GENRE_MLP_ACT_RELU, 1, 0.0, 0.1, NULL, 0, 1, &mr, &nr);
    ck_assert(mr < 3e-4 && nr < 1e-5);
    printf("float32 gradient check: largest relative error %.3g, norm %.3g\n", worst,
           worst_norm);
}
END_TEST

START_TEST(test_gradient_check)
{
    const int32_t two[2] = {5, 4}, one[1] = {6};
    for (int32_t act = 0; act <= 2; act++)
        for (int cls = 0; cls <= 1; cls++) {
            grad_check(act, cls, 0.0, 0.0, GENRE_MLP_KERNEL_BUILTIN, two, 2);
            grad_check(act, cls, 0.0, 0.05, GENRE_MLP_KERNEL_CBLAS, two, 2);
            grad_check(act, cls, 0.3, 0.01, GENRE_MLP_KERNEL_BUILTIN, two, 2);
            grad_check(act, cls, 0.3, 0.0, GENRE_MLP_KERNEL_CBLAS, one, 1);
        }
    /* no hidden layer: softmax / linear regression */
    grad_check(GENRE_MLP_ACT_RELU, 1, 0.0, 0.1, GENRE_MLP_KERNEL_AUTO, NULL, 0);
    grad_check(GENRE_MLP_ACT_RELU, 0, 0.0, 0.1, GENRE_MLP_KERNEL_AUTO, NULL, 0);
    /* the data-parallel batch (9 rows on 2, 3 and 4 threads: uneven chunks) */
    for (int32_t act = 0; act <= 2; act++)
        for (int cls = 0; cls <= 1; cls++)
            for (int64_t t = 2; t <= 4; t++) {
                grad_check_threads(act, cls, 0.0, 0.05, GENRE_MLP_KERNEL_BUILTIN, two, 2, t);
                grad_check_threads(act, cls, 0.3, 0.01, GENRE_MLP_KERNEL_AUTO, one, 1, t);
            }
}
END_TEST

/* ---- Fitting ----------------------------------------------------------------------- */

START_TEST(test_fit_classifier)
{
    make_blobs();
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    int64_t v;
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_N_PARAMS, &v));
    ck_assert_int_eq(v, 4 * 8 + 8 + 8 * 6 + 6 + 6 * 3 + 3);
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_N_OUTPUTS, &v));
    ck_assert_int_eq(v, 3);
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_EPOCHS_RUN, &v));
    ck_assert_int_eq(v, 40);
    ck_assert_msg(accuracy_of(m) > 0.85, "accuracy %g", accuracy_of(m));
    /* probabilities: rows sum to 1; size query */
    size_t need = 0;
    ck_assert_status(genre_mlp_predict_proba(m, bx, NB, DB, DB, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, NB * KB);
    double p[NB * KB];
    ck_assert_status(genre_mlp_predict_proba(m, bx, NB, DB, DB, p, NB * KB - 1, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_ok(genre_mlp_predict_proba(m, bx, NB, DB, DB, p, NB * KB, NULL));
    for (size_t i = 0; i < NB; i++)
        ck_assert_double_eq_tol(p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2], 1.0, 1e-12);
    /* history: training loss falls */
    double h[40];
    size_t ne;
    ck_assert_ok(genre_mlp_get_history(m, GENRE_MLP_HISTORY_TRAIN_LOSS, h, 40, &ne));
    ck_assert_uint_eq(ne, 40);
    ck_assert(h[39] < h[0]);
    ck_assert_ok(genre_mlp_get_history(m, GENRE_MLP_HISTORY_VAL_LOSS, h, 40, &ne));
    ck_assert(isnan(h[0]));
    ck_assert_status(genre_mlp_predict_values(m, bx, NB, DB, DB, p, NB * KB, NULL),
                     GENRE_E_BAD_STATE);

    /* the same seed gives the same bits; another seed another model */
    genre_mlp *m2 = small_model();
    ck_assert_ok(genre_mlp_fit(m2, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    double p2[NB * KB];
    ck_assert_ok(genre_mlp_predict_proba(m2, bx, NB, DB, DB, p2, NB * KB, NULL));
    ck_assert(memcmp(p, p2, sizeof p) == 0);
    ck_assert_ok(genre_mlp_set_i64(m2, GENRE_MLP_SEED, 8));
    ck_assert_ok(genre_mlp_fit(m2, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    ck_assert_ok(genre_mlp_predict_proba(m2, bx, NB, DB, DB, p2, NB * KB, NULL));
    ck_assert(memcmp(p, p2, sizeof p) != 0);
    genre_mlp_free(m2);
    genre_mlp_free(m);
}
END_TEST

START_TEST(test_fit_variants)
{
    make_blobs();
    const struct {
        int64_t opt, act, batch, init, sched;
        double dropout, l2;
    } cases[] = {
        {GENRE_MLP_OPT_SGD, GENRE_MLP_ACT_RELU, 16, GENRE_MLP_INIT_HE_NORMAL, 0, 0.0, 1e-3},
        {GENRE_MLP_OPT_ADAM, GENRE_MLP_ACT_TANH, 0, GENRE_MLP_INIT_GLOROT_NORMAL, 1, 0.1, 0.0},
        {GENRE_MLP_OPT_ADAM, GENRE_MLP_ACT_LOGISTIC, 500, GENRE_MLP_INIT_AUTO, 0, 0.0, 0.0},
        {GENRE_MLP_OPT_ADAM, GENRE_MLP_ACT_RELU, 32, GENRE_MLP_INIT_LECUN_UNIFORM, 1, 0.2, 1e-4},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        genre_mlp *m = small_model();
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_OPTIMIZER, cases[c].opt));
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_ACTIVATION, cases[c].act));
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, cases[c].batch));
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_INIT, cases[c].init));
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_LR_SCHEDULE, cases[c].sched));
        ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_DROPOUT, cases[c].dropout));
        ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_L2, cases[c].l2));
        if (cases[c].batch == 0 || cases[c].batch >= NB) {
            ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 300));
            ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.05));
        }
        ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
        ck_assert_msg(accuracy_of(m) > 0.8, "case %zu: accuracy %g", c, accuracy_of(m));
        genre_mlp_free(m);
    }
}
END_TEST

START_TEST(test_kernels_agree)
{
    make_blobs();
    double p[2][NB * KB];
    for (int k = 0; k < 2; k++) {
        genre_mlp *m = small_model();
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_DENSE_KERNEL,
                                       k ? GENRE_MLP_KERNEL_CBLAS : GENRE_MLP_KERNEL_BUILTIN));
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 5));
        ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
        ck_assert_ok(genre_mlp_predict_proba(m, bx, NB, DB, DB, p[k], NB * KB, NULL));
        genre_mlp_free(m);
    }
    for (size_t i = 0; i < NB * KB; i++)
        ck_assert_double_eq_tol(p[0][i], p[1][i], 1e-9);
}
END_TEST

/* The AVX2 kernels and Adam give the same bits as the portable ones, with
 * row counts and widths that exercise every block tail (and dropout, tanh,
 * regression: the unfused paths). */
START_TEST(test_kernels_portable_bits)
{
    enum { N = 203, D = 13, K = 10 };
    static double x[N * D], y[N * 2], out[2][N * K];
    int32_t lab[N];
    lcg_state = 17;
    for (size_t i = 0; i < N * D; i++)
        x[i] = nrand();
    for (size_t i = 0; i < N; i++) {
        lab[i] = (int32_t)(i % K);
        y[2 * i] = nrand();
        y[2 * i + 1] = nrand();
    }
    const int32_t hidden[3] = {20, 15, 7};
    /* configs 3-5: the same in float32 (GENRE_MLP_PRECISION_FLOAT), 2 threads for 4 */
    for (int cfg6 = 0; cfg6 < 6; cfg6++) {
        const int cfg = cfg6 % 3, f32 = cfg6 >= 3;
        for (int portable = 0; portable < 2; portable++) {
            int has_avx2 = genre__mlp_test_force_portable(portable);
            if (!has_avx2 && portable == 0)
                printf("no AVX2 kernels on this build or CPU: comparing portable with itself\n");
            genre_mlp *m = NULL;
            ck_assert_ok(genre_mlp_create(&m));
            ck_assert_ok(genre_mlp_set_hidden_layers(m, hidden, cfg == 0 ? 2 : 3));
            ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_DENSE_KERNEL, GENRE_MLP_KERNEL_BUILTIN));
            ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 4));
            ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, 64));
            ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.01));
            if (f32) {
                ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION,
                                               GENRE_MLP_PRECISION_FLOAT));
                ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, cfg == 1 ? 2 : 1));
            }
            if (cfg == 1) {
                ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_DROPOUT, 0.2));
                ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_ACTIVATION, GENRE_MLP_ACT_TANH));
            }
            if (cfg == 2) {
                ck_assert_ok(genre_mlp_fit_regression(m, x, N, D, D, y, 2, NULL, 0, 0, NULL));
                ck_assert_ok(genre_mlp_predict_values(m, x, N, D, D, out[portable], N * K,
                                                      NULL));
            } else {
                ck_assert_ok(genre_mlp_fit(m, x, N, D, D, lab, NULL, 0, 0, NULL));
                ck_assert_ok(genre_mlp_predict_proba(m, x, N, D, D, out[portable], N * K,
                                                     NULL));
            }
            genre_mlp_free(m);
        }
        genre__mlp_test_force_portable(0);
        size_t cnt = cfg == 2 ? (size_t)N * 2 : (size_t)N * K;
        ck_assert_msg(memcmp(out[0], out[1], cnt * sizeof(double)) == 0,
                      "config %d: AVX2 and portable kernels differ", cfg6);
    }
}
END_TEST

START_TEST(test_fit_regression)
{
    enum { N = 200, D = 3 };
    double x[N * D], y[N * 2], out[N * 2];
    lcg_state = 5;
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < D; j++)
            x[i * D + j] = 2.0 * urand() - 1.0;
        y[i * 2] = sin(2.0 * x[i * D]) + 0.5 * x[i * D + 1];
        y[i * 2 + 1] = x[i * D + 2] * x[i * D + 2];
    }
    genre_mlp *m = NULL;
    ck_assert_ok(genre_mlp_create(&m));
    int32_t w[1] = {16};
    ck_assert_ok(genre_mlp_set_hidden_layers(m, w, 1));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_ACTIVATION, GENRE_MLP_ACT_TANH));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.02));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 300));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, 32));
    ck_assert_ok(genre_mlp_fit_regression(m, x, N, D, D, y, 2, x, 50, D, y));
    size_t need;
    ck_assert_ok(genre_mlp_predict_values(m, x, N, D, D, out, N * 2, &need));
    ck_assert_uint_eq(need, N * 2);
    double yt[N], yp[N], r2;
    for (size_t t = 0; t < 2; t++) {
        for (size_t i = 0; i < N; i++) {
            yt[i] = y[i * 2 + t];
            yp[i] = out[i * 2 + t];
        }
        ck_assert_ok(genre_metrics_r2(yt, yp, N, &r2));
        ck_assert_msg(r2 > 0.95, "target %zu: R^2 %g", t, r2);
    }
    double acc[300];
    size_t ne;
    ck_assert_ok(genre_mlp_get_history(m, GENRE_MLP_HISTORY_VAL_ACCURACY, acc, 300, &ne));
    ck_assert(isnan(acc[0]));
    ck_assert_status(genre_mlp_predict_proba(m, x, N, D, D, out, N * 2, NULL),
                     GENRE_E_BAD_STATE);
    ck_assert_status(genre_mlp_fit_regression(m, x, N, D, D, y, 0, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    y[7] = NAN;
    ck_assert_status(genre_mlp_fit_regression(m, x, N, D, D, y, 2, NULL, 0, 0, NULL),
                     GENRE_E_NONFINITE);
    genre_mlp_free(m);
}
END_TEST

static void on_log(void *ud, int32_t level, const char *msg)
{
    char *seen = ud;
    snprintf(seen, 256, "%d %s", (int)level, msg);
}

START_TEST(test_validation_early_stopping)
{
    make_blobs();
    genre_mlp *m = small_model();
    /* a tiny training part with many epochs overfits; the rest validates */
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 2000));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.05));
    int32_t w[1] = {32};
    ck_assert_ok(genre_mlp_set_hidden_layers(m, w, 1));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, 10));
    ck_assert_status(genre_mlp_fit(m, bx, 30, DB, DB, by, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    char seen[256] = "";
    ck_assert_ok(genre_mlp_set_log(m, on_log, seen));
    ck_assert_ok(genre_mlp_fit(m, bx, 30, DB, DB, by, bx + 30 * DB, NB - 30, DB, by + 30));
    /* the early stop is logged as information */
    ck_assert_msg(strncmp(seen, "1 genre_mlp_fit: early stop after epoch ", 40) == 0, "%s", seen);
    int64_t run, best, stopped;
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_EPOCHS_RUN, &run));
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_BEST_EPOCH, &best));
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_STOPPED_EARLY, &stopped));
    ck_assert_int_eq(stopped, 1);
    ck_assert(run < 2000);
    ck_assert_int_eq(best, run - 10);
    double vl[2000], va[2000];
    size_t ne;
    ck_assert_ok(genre_mlp_get_history(m, GENRE_MLP_HISTORY_VAL_LOSS, vl, 2000, &ne));
    ck_assert_uint_eq(ne, (size_t)run);
    ck_assert_ok(genre_mlp_get_history(m, GENRE_MLP_HISTORY_VAL_ACCURACY, va, 2000, &ne));
    for (size_t e = 0; e < ne; e++) {
        ck_assert(vl[e] >= vl[best - 1]);
        ck_assert(va[e] >= 0.0 && va[e] <= 1.0);
    }
    /* the model holds the best epoch's weights: its validation loss */
    double p[NB * KB];
    ck_assert_ok(genre_mlp_predict_proba(m, bx + 30 * DB, NB - 30, DB, DB, p, NB * KB, NULL));
    double ll;
    ck_assert_ok(genre_metrics_log_loss(by + 30, p, NB - 30, KB, KB, &ll));
    ck_assert_double_eq_tol(ll, vl[best - 1], 1e-9);
    ck_assert_status(genre_mlp_get_history(m, 7, vl, 2000, &ne), GENRE_E_INVALID_ARG);
    genre_mlp_free(m);
}
END_TEST

START_TEST(test_fixed_classes_and_history_buffers)
{
    make_blobs();
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 3));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_CLASSES, 5)); /* classes 3, 4 unseen */
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    int64_t k;
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_N_OUTPUTS, &k));
    ck_assert_int_eq(k, 5);
    size_t need;
    ck_assert_status(genre_mlp_predict_proba(m, bx, 2, DB, DB, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 10);
    double h[3];
    size_t ne;
    ck_assert_status(genre_mlp_get_history(m, GENRE_MLP_HISTORY_TRAIN_LOSS, h, 2, &ne),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(ne, 3);
    /* with validation off, a NaN reaches the model: the loss is then non-finite */
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_VALIDATE_INPUT, 0));
    double bad[NB * DB];
    memcpy(bad, bx, sizeof bad);
    bad[5] = NAN;
    ck_assert_status(genre_mlp_fit(m, bad, NB, DB, DB, by, NULL, 0, 0, NULL), GENRE_E_NUMERIC);
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_N_OUTPUTS, &k)); /* previous fit kept */
    ck_assert_int_eq(k, 5);
    genre_mlp_free(m);
}
END_TEST

/* ---- Bad input ------------------------------------------------------------------------ */

START_TEST(test_bad_input)
{
    make_blobs();
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 2));
    double p[NB * KB];
    ck_assert_status(genre_mlp_predict_proba(m, bx, NB, DB, DB, p, NB * KB, NULL),
                     GENRE_E_BAD_STATE);
    ck_assert_status(genre_mlp_save_to_memory(m, NULL, 0, &(size_t){0}), GENRE_E_BAD_STATE);
    int32_t lab[NB];
    memcpy(lab, by, sizeof lab);
    lab[17] = -1;
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, lab, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "labels[17] = -1") != NULL, "%s",
                  genre_last_error());
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_CLASSES, 3));
    lab[17] = 3;
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, lab, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "labels[17] = 3") != NULL, "%s",
                  genre_last_error());
    lab[17] = 70000;
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_CLASSES, 0));
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, lab, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    for (size_t i = 0; i < NB; i++)
        lab[i] = 2;
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, lab, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "two classes") != NULL, "%s", genre_last_error());
    /* validation labels outside the training classes */
    memcpy(lab, by, sizeof lab);
    lab[5] = 3;
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, by, bx, NB, DB, lab),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, by, bx, NB, DB, NULL),
                     GENRE_E_INVALID_ARG);
    /* NaN / Inf in x and x_val, named */
    double bad[NB * DB];
    memcpy(bad, bx, sizeof bad);
    bad[11 * DB + 2] = NAN;
    ck_assert_status(genre_mlp_fit(m, bad, NB, DB, DB, by, NULL, 0, 0, NULL),
                     GENRE_E_NONFINITE);
    ck_assert_msg(strstr(genre_last_error(), "row 11, column 2") != NULL, "%s",
                  genre_last_error());
    bad[11 * DB + 2] = INFINITY;
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, by, bad, NB, DB, by),
                     GENRE_E_NONFINITE);
    ck_assert_status(genre_mlp_fit(m, bx, 0, DB, DB, by, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB - 1, by, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, NULL, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_fit(NULL, bx, NB, DB, DB, by, NULL, 0, 0, NULL),
                     GENRE_E_INVALID_ARG);
    /* divergence is a named numeric failure */
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 10.0));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_OPTIMIZER, GENRE_MLP_OPT_SGD));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 50));
    double big[NB * DB];
    for (size_t i = 0; i < NB * DB; i++)
        big[i] = bx[i] * 1e3;
    ck_assert_status(genre_mlp_fit_regression(m, big, NB, DB, DB, big, 1, NULL, 0, 0, NULL),
                     GENRE_E_NUMERIC);
    ck_assert_msg(strstr(genre_last_error(), "epoch") != NULL, "%s", genre_last_error());
    /* mismatched columns at predict time */
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.01));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_OPTIMIZER, GENRE_MLP_OPT_ADAM));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 2));
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    ck_assert_status(genre_mlp_predict_proba(m, bx, NB, DB - 1, DB, p, NB * KB, NULL),
                     GENRE_E_SHAPE);
    ck_assert_msg(strstr(genre_last_error(), "3 columns") != NULL, "%s", genre_last_error());
    ck_assert_status(genre_mlp_predict_proba(m, bad, NB, DB, DB, p, NB * KB, NULL),
                     GENRE_E_NONFINITE);
    int32_t pred[NB];
    ck_assert_status(genre_mlp_predict(m, bx, NB, DB, DB, pred, NB - 1, NULL),
                     GENRE_E_BUFFER_TOO_SMALL);
    genre_mlp_free(m);
}
END_TEST

/* ---- Persistence ------------------------------------------------------------------------ */

START_TEST(test_save_load)
{
    make_blobs();
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 10));
    ck_assert_ok(genre_mlp_fit(m, bx, 200, DB, DB, by, bx + 200 * DB, NB - 200, DB, by + 200));
    size_t len = 0;
    ck_assert_status(genre_mlp_save_to_memory(m, NULL, 0, &len), GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *buf = malloc(len);
    ck_assert_ptr_nonnull(buf);
    ck_assert_status(genre_mlp_save_to_memory(m, buf, len - 1, &len),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_ok(genre_mlp_save_to_memory(m, buf, len, &len));
    genre_mlp *r = NULL;
    ck_assert_ok(genre_mlp_load_from_memory(&r, buf, len));
    double p1[NB * KB], p2[NB * KB];
    ck_assert_ok(genre_mlp_predict_proba(m, bx, NB, DB, DB, p1, NB * KB, NULL));
    ck_assert_ok(genre_mlp_predict_proba(r, bx, NB, DB, DB, p2, NB * KB, NULL));
    ck_assert(memcmp(p1, p2, sizeof p1) == 0);
    double h1[10], h2[10], lr;
    size_t ne;
    ck_assert_ok(genre_mlp_get_history(m, GENRE_MLP_HISTORY_VAL_LOSS, h1, 10, &ne));
    ck_assert_ok(genre_mlp_get_history(r, GENRE_MLP_HISTORY_VAL_LOSS, h2, 10, &ne));
    ck_assert(memcmp(h1, h2, sizeof h1) == 0);
    ck_assert_ok(genre_mlp_get_f64(r, GENRE_MLP_LEARNING_RATE, &lr));
    ck_assert(lr == 0.01);
    int32_t hid[4];
    ck_assert_ok(genre_mlp_get_hidden_layers(r, hid, 4, &ne));
    ck_assert_uint_eq(ne, 2);
    ck_assert_int_eq(hid[1], 6);
    /* the loaded model saves the same bytes */
    unsigned char *buf2 = malloc(len);
    size_t len2;
    ck_assert_ok(genre_mlp_save_to_memory(r, buf2, len, &len2));
    ck_assert_uint_eq(len, len2);
    ck_assert(memcmp(buf, buf2, len) == 0);
    free(buf2);
    genre_mlp_free(r);

    /* file round trip */
    char path[] = "/tmp/genre-test-mlp-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_ok(genre_mlp_save(m, path));
    ck_assert_ok(genre_mlp_load(&r, path));
    ck_assert_ok(genre_mlp_predict_proba(r, bx, NB, DB, DB, p2, NB * KB, NULL));
    ck_assert(memcmp(p1, p2, sizeof p1) == 0);
    genre_mlp_free(r);
    r = NULL;
    /* truncated file */
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite(buf, 1, len / 2, f);
    fclose(f);
    ck_assert_status(genre_mlp_load(&r, path), GENRE_E_CORRUPT);
    ck_assert_ptr_null(r);
    unlink(path);
    ck_assert_status(genre_mlp_load(&r, path), GENRE_E_IO);

    /* every truncation and every flipped byte is rejected, never crashes */
    for (size_t n = 0; n < len; n++)
        ck_assert_status(genre_mlp_load_from_memory(&r, buf, n), GENRE_E_CORRUPT);
    for (size_t i = 0; i < len; i++) {
        buf[i] ^= 0x5a;
        genre_status st = genre_mlp_load_from_memory(&r, buf, len);
        ck_assert_msg(st == GENRE_E_CORRUPT || st == GENRE_E_VERSION ||
                          st == GENRE_E_MODEL_KIND,
                      "byte %zu flipped: %s", i, genre_status_name(st));
        buf[i] ^= 0x5a;
    }
    ck_assert_ptr_null(r);
    free(buf);
    genre_mlp_free(m);
}
END_TEST

/* A well-formed container whose MLP payload lies: parameter count or widths. */
START_TEST(test_load_inconsistent)
{
    make_blobs();
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 1));
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    /* a container of another kind */
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_PCA, 1));
    ck_assert_ok(genre__mf_put_u32(&w, 1, 0));
    size_t len;
    unsigned char buf[4096];
    ck_assert_ok(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len));
    genre__mf_writer_free(&w);
    genre_mlp *r = NULL;
    ck_assert_status(genre_mlp_load_from_memory(&r, buf, len), GENRE_E_MODEL_KIND);
    /* an MLP container with widths that do not match the parameters */
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_MLP, 1));
    int32_t widths[3] = {4, 8, 3};
    double params[10] = {0};
    genre__mf_put_u32(&w, 1, 0);
    genre__mf_put_u32(&w, 2, 0);
    genre__mf_put_i32_array(&w, 3, widths, 3);
    genre__mf_put_f64_array(&w, 4, params, 10);
    ck_assert_ok(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len));
    genre__mf_writer_free(&w);
    ck_assert_status(genre_mlp_load_from_memory(&r, buf, len), GENRE_E_CORRUPT);
    /* zero-width layer in a file */
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_MLP, 1));
    widths[1] = 0;
    genre__mf_put_u32(&w, 1, 0);
    genre__mf_put_u32(&w, 2, 0);
    genre__mf_put_i32_array(&w, 3, widths, 3);
    genre__mf_put_f64_array(&w, 4, params, 10);
    ck_assert_ok(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len));
    genre__mf_writer_free(&w);
    ck_assert_status(genre_mlp_load_from_memory(&r, buf, len), GENRE_E_CORRUPT);
    /* a newer payload version */
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_MLP, 99));
    genre__mf_put_u32(&w, 1, 0);
    ck_assert_ok(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len));
    genre__mf_writer_free(&w);
    ck_assert_status(genre_mlp_load_from_memory(&r, buf, len), GENRE_E_VERSION);
    ck_assert_ptr_null(r);
    genre_mlp_free(m);
}
END_TEST

/* ---- Cancellation ---------------------------------------------------------------------- */

static int32_t cancel_at_3(void *ud, int32_t phase, int64_t step, int64_t total, double obj)
{
    (void)phase;
    (void)total;
    (void)obj;
    *(int *)ud += 1;
    return step == 3;
}

START_TEST(test_cancel_keeps_previous)
{
    make_blobs();
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 5));
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    double p1[NB * KB], p2[NB * KB];
    ck_assert_ok(genre_mlp_predict_proba(m, bx, NB, DB, DB, p1, NB * KB, NULL));
    int calls = 0;
    ck_assert_ok(genre_mlp_set_progress(m, cancel_at_3, &calls));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SEED, 99));
    ck_assert_status(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL),
                     GENRE_E_CANCELLED);
    ck_assert_int_eq(calls, 3);
    ck_assert_ok(genre_mlp_predict_proba(m, bx, NB, DB, DB, p2, NB * KB, NULL));
    ck_assert(memcmp(p1, p2, sizeof p1) == 0);
    int64_t run;
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_EPOCHS_RUN, &run));
    ck_assert_int_eq(run, 5);
    /* an unfitted model stays unfitted */
    genre_mlp *u = small_model();
    ck_assert_ok(genre_mlp_set_progress(u, cancel_at_3, &calls));
    ck_assert_status(genre_mlp_fit(u, bx, NB, DB, DB, by, NULL, 0, 0, NULL),
                     GENRE_E_CANCELLED);
    ck_assert_status(genre_mlp_predict_proba(u, bx, NB, DB, DB, p2, NB * KB, NULL),
                     GENRE_E_BAD_STATE);
    genre_mlp_free(u);
    genre_mlp_free(m);
}
END_TEST

/* ---- Concurrent predict on one model ------------------------------------------------- */

typedef struct job {
    const genre_mlp *m;
    double out[NB * KB];
    genre_status st;
} job;

static void *predict_job(void *arg)
{
    job *j = arg;
    for (int rep = 0; rep < 20 && j->st == GENRE_OK; rep++)
        j->st = genre_mlp_predict_proba(j->m, bx, NB, DB, DB, j->out, NB * KB, NULL);
    return NULL;
}

START_TEST(test_concurrent_predict)
{
    make_blobs();
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 3));
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    double ref[NB * KB];
    ck_assert_ok(genre_mlp_predict_proba(m, bx, NB, DB, DB, ref, NB * KB, NULL));
    enum { T = 4 };
    static job jobs[T];
    pthread_t th[T];
    for (int t = 0; t < T; t++) {
        jobs[t].m = m;
        jobs[t].st = GENRE_OK;
        ck_assert_int_eq(pthread_create(&th[t], NULL, predict_job, &jobs[t]), 0);
    }
    for (int t = 0; t < T; t++) {
        pthread_join(th[t], NULL);
        ck_assert_int_eq(jobs[t].st, GENRE_OK);
        ck_assert(memcmp(jobs[t].out, ref, sizeof ref) == 0);
    }
    genre_mlp_free(m);
}
END_TEST

/* ---- Threads ---------------------------------------------------------------------- */

/* Fits small_model() on the blobs in the given precision and returns its
 * probabilities on them in p (NB x KB); 40+ epochs must reach 85%. */
static void fit_proba_prec(int64_t precision, int64_t threads, int64_t batch, double dropout,
                           double l2, int64_t epochs, double *p)
{
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, precision));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, threads));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, batch));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, epochs));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_DROPOUT, dropout));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_L2, l2));
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    ck_assert_ok(genre_mlp_predict_proba(m, bx, NB, DB, DB, p, NB * KB, NULL));
    const double acc = accuracy_of(m);
    if (epochs >= 40)
        ck_assert_msg(acc > 0.85, "precision %lld, threads %lld, batch %lld: accuracy %g",
                      (long long)precision, (long long)threads, (long long)batch, acc);
    genre_mlp_free(m);
}

static void fit_proba(int64_t threads, int64_t batch, double dropout, double l2, int64_t epochs,
                      double *p)
{
    fit_proba_prec(GENRE_MLP_PRECISION_DOUBLE, threads, batch, dropout, l2, epochs, p);
}

START_TEST(test_threads)
{
    make_blobs();
    genre_mlp *m = NULL;
    ck_assert_ok(genre_mlp_create(&m));
    int64_t v = -1;
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_N_THREADS, &v));
    ck_assert_int_eq(v, 0);
    ck_assert_status(genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, -1), GENRE_E_INVALID_ARG);
    ck_assert_msg(strstr(genre_last_error(), "GENRE_MLP_N_THREADS") != NULL, "%s",
                  genre_last_error());
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, 100000)); /* clamped at fit */
    genre_mlp_free(m);

    static double p1[NB * KB], p2[NB * KB], q[NB * KB];
    const struct {
        int64_t threads, batch;
        double dropout, l2;
    } cases[] = {
        {2, 64, 0.0, 0.0},
        {3, 7, 0.2, 1e-3}, /* last batch of 2 rows: 2 of the 3 workers */
        {4, 0, 0.0, 1e-3}, /* full batch */
        {300, 32, 0.1, 0.0}, /* more threads than rows */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        /* the same seed and thread count give the same bits */
        fit_proba(cases[c].threads, cases[c].batch, cases[c].dropout, cases[c].l2, 40, p1);
        fit_proba(cases[c].threads, cases[c].batch, cases[c].dropout, cases[c].l2, 40, p2);
        ck_assert_msg(memcmp(p1, p2, sizeof p1) == 0, "case %zu not reproducible", c);
#ifdef GENRE_TESTING
        /* workers that cannot get a thread run inline: the same bits */
        genre__parallel_fail_spawns(-1);
        fit_proba(cases[c].threads, cases[c].batch, cases[c].dropout, cases[c].l2, 40, q);
        genre__parallel_fail_spawns(0);
        ck_assert_msg(memcmp(p1, q, sizeof p1) == 0, "case %zu differs inline", c);
#endif
        /* 1 thread: the same model up to the grouping of the sums */
        if (cases[c].dropout == 0.0) {
            fit_proba(cases[c].threads, cases[c].batch, 0.0, cases[c].l2, 3, p1);
            fit_proba(1, cases[c].batch, 0.0, cases[c].l2, 3, q);
            for (size_t i = 0; i < NB * KB; i++)
                ck_assert_double_eq_tol(p1[i], q[i], 1e-9);
        }
    }
    /* 1 thread is the default path: explicitly 1 == auto (batch 32 < 256) */
    fit_proba(1, 32, 0.1, 1e-3, 40, p1);
    fit_proba(0, 32, 0.1, 1e-3, 40, p2);
    ck_assert(memcmp(p1, p2, sizeof p1) == 0);

    /* SGD with momentum on 3 threads: reproducible, close to 1 thread */
    static double ps[2][NB * KB], ps2[NB * KB];
    for (int r = 0; r < 2; r++) {
        genre_mlp *g = small_model();
        ck_assert_ok(genre_mlp_set_i64(g, GENRE_MLP_OPTIMIZER, GENRE_MLP_OPT_SGD));
        ck_assert_ok(genre_mlp_set_f64(g, GENRE_MLP_LEARNING_RATE, 0.05));
        ck_assert_ok(genre_mlp_set_i64(g, GENRE_MLP_N_THREADS, r == 0 ? 3 : 1));
        ck_assert_ok(genre_mlp_set_i64(g, GENRE_MLP_BATCH_SIZE, 200));
        ck_assert_ok(genre_mlp_set_i64(g, GENRE_MLP_EPOCHS, 3));
        ck_assert_ok(genre_mlp_fit(g, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
        ck_assert_ok(genre_mlp_predict_proba(g, bx, NB, DB, DB, ps[r], NB * KB, NULL));
        if (r == 0) {
            ck_assert_ok(genre_mlp_fit(g, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
            ck_assert_ok(genre_mlp_predict_proba(g, bx, NB, DB, DB, ps2, NB * KB, NULL));
            ck_assert(memcmp(ps[0], ps2, sizeof ps2) == 0);
        }
        genre_mlp_free(g);
    }
    for (size_t i = 0; i < NB * KB; i++)
        ck_assert_double_eq_tol(ps[0][i], ps[1][i], 1e-9);

    /* regression on 2 threads: reproducible, close to 1 thread */
    double yv[NB];
    for (size_t i = 0; i < NB; i++)
        yv[i] = bx[i * DB] - 0.5 * bx[i * DB + 1];
    double out[3][NB];
    for (int r = 0; r < 3; r++) {
        genre_mlp *g = small_model();
        ck_assert_ok(genre_mlp_set_i64(g, GENRE_MLP_N_THREADS, r < 2 ? 2 : 1));
        ck_assert_ok(genre_mlp_set_i64(g, GENRE_MLP_EPOCHS, 3));
        ck_assert_ok(genre_mlp_fit_regression(g, bx, NB, DB, DB, yv, 1, NULL, 0, 0, NULL));
        ck_assert_ok(genre_mlp_predict_values(g, bx, NB, DB, DB, out[r], NB, NULL));
        genre_mlp_free(g);
    }
    ck_assert(memcmp(out[0], out[1], sizeof out[0]) == 0);
    for (size_t i = 0; i < NB; i++)
        ck_assert_double_eq_tol(out[0][i], out[2][i], 1e-9);
}
END_TEST

/* ---- Float32 compute mode (GENRE_MLP_PRECISION_FLOAT, 0.3) ----------------------- */

START_TEST(test_float32)
{
    make_blobs();
    static double p1[NB * KB], p2[NB * KB], q[NB * KB];
    const struct {
        int64_t threads, batch;
        double dropout, l2;
    } cases[] = {
        {1, 32, 0.0, 0.0},
        {1, 32, 0.2, 1e-3},
        {2, 64, 0.0, 1e-3},
        {3, 7, 0.2, 1e-3}, /* last batch of 2 rows: 2 of the 3 workers */
        {4, 0, 0.0, 0.0},  /* full batch */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const int64_t F = GENRE_MLP_PRECISION_FLOAT;
        /* the same seed and thread count give the same bits, run to run */
        fit_proba_prec(F, cases[c].threads, cases[c].batch, cases[c].dropout, cases[c].l2, 40,
                       p1);
        fit_proba_prec(F, cases[c].threads, cases[c].batch, cases[c].dropout, cases[c].l2, 40,
                       p2);
        ck_assert_msg(memcmp(p1, p2, sizeof p1) == 0, "float32 case %zu not reproducible", c);
        if (cases[c].threads > 1) {
            genre__parallel_fail_spawns(-1); /* workers run inline: the same bits */
            fit_proba_prec(F, cases[c].threads, cases[c].batch, cases[c].dropout, cases[c].l2,
                           40, q);
            genre__parallel_fail_spawns(0);
            ck_assert_msg(memcmp(p1, q, sizeof p1) == 0, "float32 case %zu differs inline", c);
        }
        /* close to the double fit after 3 epochs (float rounding only) */
        fit_proba_prec(F, cases[c].threads, cases[c].batch, cases[c].dropout, cases[c].l2, 3,
                       p1);
        fit_proba_prec(GENRE_MLP_PRECISION_DOUBLE, cases[c].threads, cases[c].batch,
                       cases[c].dropout, cases[c].l2, 3, q);
        double worst = 0.0;
        for (size_t i = 0; i < NB * KB; i++)
            worst = fmax(worst, fabs(p1[i] - q[i]));
        ck_assert_msg(worst < 1e-4, "float32 case %zu: %g from the double fit", c, worst);
        ck_assert_msg(worst > 0.0, "float32 case %zu: the float path did not run", c);
    }

    /* save / load keeps the key; the loaded model predicts the same bits */
    genre_mlp *m = small_model(), *r = NULL;
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, GENRE_MLP_PRECISION_FLOAT));
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    size_t len = 0;
    ck_assert_status(genre_mlp_save_to_memory(m, NULL, 0, &len), GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *buf = malloc(len);
    ck_assert_ok(genre_mlp_save_to_memory(m, buf, len, &len));
    ck_assert_ok(genre_mlp_load_from_memory(&r, buf, len));
    int64_t v = 0;
    ck_assert_ok(genre_mlp_get_i64(r, GENRE_MLP_PRECISION, &v));
    ck_assert_int_eq(v, GENRE_MLP_PRECISION_FLOAT);
    ck_assert_ok(genre_mlp_predict_proba(m, bx, NB, DB, DB, p1, NB * KB, NULL));
    ck_assert_ok(genre_mlp_predict_proba(r, bx, NB, DB, DB, p2, NB * KB, NULL));
    ck_assert(memcmp(p1, p2, sizeof p1) == 0);
    /* a refit of the loaded model is a float fit: the same bits again */
    ck_assert_ok(genre_mlp_fit(r, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    ck_assert_ok(genre_mlp_predict_proba(r, bx, NB, DB, DB, p2, NB * KB, NULL));
    ck_assert(memcmp(p1, p2, sizeof p1) == 0);
    /* and a double model keeps DOUBLE */
    genre_mlp_free(r);
    r = NULL;
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, GENRE_MLP_PRECISION_DOUBLE));
    ck_assert_ok(genre_mlp_save_to_memory(m, buf, len, &len));
    ck_assert_ok(genre_mlp_load_from_memory(&r, buf, len));
    ck_assert_ok(genre_mlp_get_i64(r, GENRE_MLP_PRECISION, &v));
    ck_assert_int_eq(v, GENRE_MLP_PRECISION_DOUBLE);
    genre_mlp_free(r);
    free(buf);

    /* regression and tanh with validation rows and early stopping */
    double yv[NB];
    for (size_t i = 0; i < NB; i++)
        yv[i] = bx[i * DB] - 0.5 * bx[i * DB + 1];
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, GENRE_MLP_PRECISION_FLOAT));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_ACTIVATION, GENRE_MLP_ACT_TANH));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, 5));
    ck_assert_ok(genre_mlp_fit_regression(m, bx, 200, DB, DB, yv, 1, bx + 200 * DB, 40, DB,
                                          yv + 200));
    double out[NB], mse = 0.0;
    ck_assert_ok(genre_mlp_predict_values(m, bx, NB, DB, DB, out, NB, NULL));
    for (size_t i = 0; i < NB; i++)
        mse += (out[i] - yv[i]) * (out[i] - yv[i]) / NB;
    ck_assert_msg(mse < 0.05, "float32 regression MSE %g", mse);
    genre_mlp_free(m);
}
END_TEST

/* ---- Allocation failures ------------------------------------------------------------------ */

static genre_status scenario(void *ctx)
{
    const int flags = ctx ? *(const int *)ctx : 0; /* 1: two threads, 2: float32 */
    const int threads = flags & 1;
    genre_mlp *m = NULL, *r = NULL;
    unsigned char *buf = NULL;
    size_t len = 0;
    double p[12 * 3];
    int32_t w[2] = {4, 3};
    genre_status st = genre_mlp_create(&m);
    if (st == GENRE_OK)
        st = genre_mlp_set_hidden_layers(m, w, 2);
    if (st == GENRE_OK)
        st = genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 2);
    if (st == GENRE_OK)
        st = genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, 1);
    if (st == GENRE_OK)
        st = genre_mlp_set_f64(m, GENRE_MLP_DROPOUT, 0.1);
    if (st == GENRE_OK && threads)
        st = genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, 2);
    if (st == GENRE_OK && (flags & 2))
        st = genre_mlp_set_i64(m, GENRE_MLP_PRECISION, GENRE_MLP_PRECISION_FLOAT);
    if (st == GENRE_OK)
        st = genre_mlp_fit(m, bx, 12, DB, DB, by, bx + 12 * DB, 6, DB, by + 12);
    if (st == GENRE_OK) {
        st = genre_mlp_save_to_memory(m, NULL, 0, &len);
        if (st == GENRE_E_BUFFER_TOO_SMALL)
            st = GENRE_OK;
    }
    if (st == GENRE_OK) {
        buf = malloc(len);
        st = genre_mlp_save_to_memory(m, buf, len, &len);
    }
    if (st == GENRE_OK)
        st = genre_mlp_load_from_memory(&r, buf, len);
    if (st == GENRE_OK)
        st = genre_mlp_predict_proba(r, bx, 12, DB, DB, p, 36, NULL);
    int32_t lab[12];
    if (st == GENRE_OK)
        st = genre_mlp_predict(r, bx, 12, DB, DB, lab, 12, NULL);
    free(buf);
    genre_mlp_free(r);
    genre_mlp_free(m);
    return st;
}

START_TEST(test_alloc_walk)
{
    make_blobs();
    long k = genre_test_alloc_walk(scenario, NULL);
    ck_assert_int_gt(k, 8);
    static int two_threads = 1, float1 = 2, float2 = 3;
    long k2 = genre_test_alloc_walk(scenario, &two_threads);
    ck_assert_int_gt(k2, k);
    /* float32: the float rows, weights and workspaces, on 1 and 2 threads */
    long k3 = genre_test_alloc_walk(scenario, &float1);
    ck_assert_int_gt(k3, k);
    long k4 = genre_test_alloc_walk(scenario, &float2);
    ck_assert_int_gt(k4, k3);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mlp");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_params);
    tcase_add_test(tc, test_gradient_check);
    tcase_add_test(tc, test_gradient_check_float32);
    tcase_add_test(tc, test_fit_classifier);
    tcase_add_test(tc, test_fit_variants);
    tcase_add_test(tc, test_kernels_agree);
    tcase_add_test(tc, test_kernels_portable_bits);
    tcase_add_test(tc, test_fit_regression);
    tcase_add_test(tc, test_validation_early_stopping);
    tcase_add_test(tc, test_fixed_classes_and_history_buffers);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_save_load);
    tcase_add_test(tc, test_load_inconsistent);
    tcase_add_test(tc, test_cancel_keeps_previous);
    tcase_add_test(tc, test_concurrent_predict);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_float32);
    tcase_add_test(tc, test_alloc_walk);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
