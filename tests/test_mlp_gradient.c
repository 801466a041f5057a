/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MLP's analytic gradients against central differences of the
 * objective: double and float32 paths, every activation and loss, dropout,
 * L2, both dense kernels and the data-parallel batch. */
#include "mlp_fixture.h"
#include "mlp_private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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

int main(void)
{
    Suite *s = suite_create("mlp_gradient");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_gradient_check);
    tcase_add_test(tc, test_gradient_check_float32);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
