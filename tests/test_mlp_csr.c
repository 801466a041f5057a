/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit suite of the MLP's CSR first layer and hidden-layer transform
 * (genre_mlp_fit_csr, genre_mlp_predict_proba_csr, genre_mlp_transform*):
 * CSR and dense agree (objective, gradient, fitted bits), lazy updates leave
 * absent features alone, hand-computed activations, every error, allocation
 * failures, persistence. */
#include "harness.h"
#include "mlp_private.h"
#include "model_file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- Synthetic sparse data ----------------------------------------------------- */

static uint64_t lcg_state;
static double urand(void)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(lcg_state >> 11) * 0x1.0p-53;
}

#define NR 150
#define NC 23
#define NK 3

typedef struct sparse {
    size_t n_rows, n_cols;
    size_t row_ptr[NR + 1];
    uint32_t col_idx[NR * NC];
    double values[NR * NC];
    double dense[NR * NC]; /* the same matrix, row-major */
    int32_t labels[NR];
    double y[NR * 2];
} sparse;

static sparse S;

/* Rows with about `density` of the columns set (sorted, distinct), labels
 * from a sparse linear rule so a model can learn something. Column NC - 1
 * never occurs when `skip_last`. */
static void make_sparse(double density, int skip_last, uint64_t seed)
{
    lcg_state = seed;
    memset(&S, 0, sizeof S);
    S.n_rows = NR;
    S.n_cols = NC;
    size_t nnz = 0;
    for (size_t i = 0; i < NR; i++) {
        S.row_ptr[i] = nnz;
        double score[NK] = {0};
        for (size_t c = 0; c < NC; c++) {
            if (urand() >= density || (skip_last && c == NC - 1))
                continue;
            double v = 2.0 * urand() - 0.5;
            S.col_idx[nnz] = (uint32_t)c;
            S.values[nnz] = v;
            S.dense[i * NC + c] = v;
            score[c % NK] += v;
            nnz++;
        }
        int32_t best = 0;
        for (int32_t k = 1; k < NK; k++)
            if (score[k] > score[best])
                best = k;
        S.labels[i] = (i < NK) ? (int32_t)i : best; /* every class occurs */
        S.y[2 * i] = score[0] - score[1];
        S.y[2 * i + 1] = score[2];
    }
    S.row_ptr[NR] = nnz;
}

static genre_mlp *model_with(const int32_t *widths, size_t n_layers, int64_t act)
{
    genre_mlp *m = NULL;
    ck_assert_ok(genre_mlp_create(&m));
    ck_assert_ok(genre_mlp_set_hidden_layers(m, widths, n_layers));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_ACTIVATION, act));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.02));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 12));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, 32));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SEED, 11));
    return m;
}

/* ---- Objective and gradient: CSR == dense, bit for bit --------------------------- */

static void objective_case(int64_t act, double l2, double dropout, int cls,
                           const int32_t *widths, size_t n_layers)
{
    genre_mlp *m = model_with(widths, n_layers, act);
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_L2, l2));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_DROPOUT, dropout));
    size_t np = 0, np2 = 0;
    double ld, lc;
    const int32_t *lab = cls ? S.labels : NULL;
    const double *y = cls ? NULL : S.y;
    size_t n_out = cls ? NK : 2;
    ck_assert_ok(genre__mlp_test_objective(m, S.dense, NR, NC, lab, y, n_out, NULL, 5, &ld,
                                           NULL, &np));
    double *gd = malloc(np * sizeof *gd), *gc = malloc(np * sizeof *gc);
    double *par = malloc(np * sizeof *par);
    ck_assert_ptr_nonnull(gd);
    ck_assert_ptr_nonnull(gc);
    ck_assert_ptr_nonnull(par);
    /* random parameters, so the biases are not all zero */
    lcg_state = 99;
    for (size_t i = 0; i < np; i++)
        par[i] = urand() - 0.5;
    ck_assert_ok(genre__mlp_test_objective(m, S.dense, NR, NC, lab, y, n_out, par, 5, &ld, gd,
                                           &np));
    ck_assert_ok(genre__mlp_test_objective_csr(m, NR, NC, S.row_ptr, S.col_idx, S.values, lab,
                                               y, n_out, par, 5, &lc, gc, &np2));
    ck_assert_uint_eq(np, np2);
    ck_assert_msg(ld == lc, "loss dense %.17g csr %.17g", ld, lc);
    for (size_t i = 0; i < np; i++)
        ck_assert_msg(gd[i] == gc[i], "act %d l2 %g drop %g cls %d: grad[%zu] dense %.17g "
                      "csr %.17g", (int)act, l2, dropout, cls, i, gd[i], gc[i]);
    /* and the CSR gradient is the derivative of the CSR objective */
    for (size_t i = 0; i < np; i += 7) {
        const double h = 1e-6, keep = par[i];
        double lp, lm;
        par[i] = keep + h;
        ck_assert_ok(genre__mlp_test_objective_csr(m, NR, NC, S.row_ptr, S.col_idx, S.values,
                                                   lab, y, n_out, par, 5, &lp, NULL, &np2));
        par[i] = keep - h;
        ck_assert_ok(genre__mlp_test_objective_csr(m, NR, NC, S.row_ptr, S.col_idx, S.values,
                                                   lab, y, n_out, par, 5, &lm, NULL, &np2));
        par[i] = keep;
        double fd = (lp - lm) / (2.0 * h);
        ck_assert_msg(fabs(fd - gc[i]) <= 1e-6 * fmax(1.0, fabs(fd)),
                      "param %zu: analytic %.10g, finite difference %.10g", i, gc[i], fd);
    }
    free(gd);
    free(gc);
    free(par);
    genre_mlp_free(m);
}

START_TEST(mlp_csr_objective_equals_dense)
{
    make_sparse(0.3, 1, 7);
    const int32_t two[2] = {6, 4}, one[1] = {5};
    for (int64_t act = 0; act <= 2; act++) {
        objective_case(act, 0.0, 0.0, 1, two, 2);
        objective_case(act, 0.05, 0.0, 0, two, 2);
        objective_case(act, 0.01, 0.3, 1, one, 1);
    }
    objective_case(GENRE_MLP_ACT_RELU, 0.1, 0.0, 1, NULL, 0); /* softmax regression */
    objective_case(GENRE_MLP_ACT_RELU, 0.0, 0.0, 0, NULL, 0); /* linear regression */
}
END_TEST

/* ---- Fits: exact CSR == dense; predictions cross over ---------------------------- */

static unsigned char *saved(const genre_mlp *m, size_t *len)
{
    ck_assert_status(genre_mlp_save_to_memory(m, NULL, 0, len), GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *buf = malloc(*len);
    ck_assert_ptr_nonnull(buf);
    ck_assert_ok(genre_mlp_save_to_memory(m, buf, *len, len));
    return buf;
}

static void exact_fit_case(int64_t optimizer, double l2, int64_t batch)
{
    const int32_t w[2] = {7, 5};
    genre_mlp *d = model_with(w, 2, GENRE_MLP_ACT_RELU), *c = model_with(w, 2, 0);
    for (int i = 0; i < 2; i++) {
        genre_mlp *m = i ? c : d;
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_OPTIMIZER, optimizer));
        ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_L2, l2));
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, batch));
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SPARSE_UPDATE, 0));
    }
    const size_t nv = 40; /* validation: the last 40 rows */
    ck_assert_ok(genre_mlp_fit(d, S.dense, NR - nv, NC, NC, S.labels, S.dense + (NR - nv) * NC,
                               nv, NC, S.labels + NR - nv));
    /* the validation rows as their own CSR matrix */
    size_t vrp[41];
    for (size_t i = 0; i <= nv; i++)
        vrp[i] = S.row_ptr[NR - nv + i] - S.row_ptr[NR - nv];
    const size_t off = S.row_ptr[NR - nv];
    ck_assert_ok(genre_mlp_fit_csr(c, NR - nv, NC, S.row_ptr[NR - nv], S.row_ptr, S.col_idx,
                                   S.values, S.labels, nv, vrp[nv], vrp, S.col_idx + off,
                                   S.values + off, S.labels + NR - nv));
    size_t ld, lc;
    unsigned char *bd = saved(d, &ld), *bc = saved(c, &lc);
    ck_assert_uint_eq(ld, lc);
    ck_assert_msg(memcmp(bd, bc, ld) == 0, "opt %d l2 %g batch %d: exact CSR fit differs from "
                  "the dense fit", (int)optimizer, l2, (int)batch);
    free(bd);
    free(bc);
    /* predictions: dense and CSR input on either model */
    static double p1[NR * NK], p2[NR * NK], p3[NR * NK];
    ck_assert_ok(genre_mlp_predict_proba(d, S.dense, NR, NC, NC, p1, NR * NK, NULL));
    ck_assert_ok(genre_mlp_predict_proba_csr(d, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx,
                                             S.values, p2, NR * NK, NULL));
    ck_assert_ok(genre_mlp_predict_proba_csr(c, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx,
                                             S.values, p3, NR * NK, NULL));
    ck_assert(memcmp(p1, p2, sizeof p1) == 0);
    ck_assert(memcmp(p1, p3, sizeof p1) == 0);
    genre_mlp_free(d);
    genre_mlp_free(c);
}

START_TEST(mlp_csr_exact_fit_equals_dense)
{
    make_sparse(0.25, 1, 3);
    exact_fit_case(GENRE_MLP_OPT_ADAM, 0.0, 32);
    exact_fit_case(GENRE_MLP_OPT_ADAM, 0.01, 17);
    exact_fit_case(GENRE_MLP_OPT_SGD, 0.01, 32);
    exact_fit_case(GENRE_MLP_OPT_ADAM, 0.0, 0); /* full batch */
}
END_TEST

/* The first-layer weights of feature c, seen through a tanh layer:
 * atanh(h(e_c)) - atanh(h(0)) = W[c]. */
static void feature_row(const genre_mlp *m, uint32_t c, size_t width, double *out)
{
    size_t rp[3] = {0, 0, 1};
    uint32_t ci[1] = {c};
    double v[1] = {1.0}, h[2 * 16];
    ck_assert_ok(genre_mlp_transform_csr(m, 1, 2, NC, rp[2], rp, ci, v, h, 2 * width, NULL));
    for (size_t j = 0; j < width; j++)
        out[j] = atanh(h[width + j]) - atanh(h[j]);
}

START_TEST(mlp_csr_lazy_updates)
{
    make_sparse(0.3, 1, 21); /* column NC - 1 never occurs */
    const int32_t w[1] = {6};
    /* full batch and dense enough that every other feature is in every batch:
     * lazy and exact updates coincide */
    genre_mlp *a = model_with(w, 1, GENRE_MLP_ACT_TANH), *b = model_with(w, 1, 1);
    for (int i = 0; i < 2; i++) {
        genre_mlp *m = i ? b : a;
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, 0));
        ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_L2, 0.0));
        ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SPARSE_UPDATE, i));
    }
    int64_t v;
    ck_assert_ok(genre_mlp_get_i64(a, GENRE_MLP_SPARSE_UPDATE, &v));
    ck_assert_int_eq(v, 0);
    ck_assert_ok(genre_mlp_fit_csr(a, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx, S.values,
                                   S.labels, 0, 0, NULL, NULL, NULL, NULL));
    ck_assert_ok(genre_mlp_fit_csr(b, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx, S.values,
                                   S.labels, 0, 0, NULL, NULL, NULL, NULL));
    static double pa[NR * NK], pb[NR * NK];
    ck_assert_ok(genre_mlp_predict_proba(a, S.dense, NR, NC, NC, pa, NR * NK, NULL));
    ck_assert_ok(genre_mlp_predict_proba(b, S.dense, NR, NC, NC, pb, NR * NK, NULL));
    ck_assert(memcmp(pa, pb, sizeof pa) == 0);
    genre_mlp_free(a);
    genre_mlp_free(b);

    /* with L2 and mini-batches: lazily, the absent feature's weights stay at
     * their initial values whatever the number of epochs; exactly, L2 decays them */
    double r_lazy[2][6], r_exact[2][6];
    for (int lazy = 0; lazy <= 1; lazy++)
        for (int e = 0; e < 2; e++) {
            genre_mlp *m = model_with(w, 1, GENRE_MLP_ACT_TANH);
            ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_L2, 0.05));
            ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SPARSE_UPDATE, lazy));
            ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, e ? 9 : 2));
            ck_assert_ok(genre_mlp_fit_csr(m, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx, S.values,
                                           S.labels, 0, 0, NULL, NULL, NULL, NULL));
            feature_row(m, NC - 1, 6, lazy ? r_lazy[e] : r_exact[e]);
            genre_mlp_free(m);
        }
    double diff_exact = 0.0;
    for (size_t j = 0; j < 6; j++) {
        ck_assert_msg(fabs(r_lazy[0][j] - r_lazy[1][j]) < 1e-9, "unit %zu: %.17g vs %.17g", j,
                      r_lazy[0][j], r_lazy[1][j]);
        diff_exact += fabs(r_exact[0][j] - r_exact[1][j]);
    }
    ck_assert_msg(diff_exact > 1e-4, "exact updates did not decay the weights (%g)",
                  diff_exact);

    /* Without shuffling, make column NC - 1 occur in row 0 only (the first
     * batch of 32). One epoch on all rows must then update its weights
     * exactly as one epoch on the first batch alone when lazy (the later
     * batches leave them and their moments alone), but not when exact (Adam
     * keeps moving them on its first moment). */
    make_sparse(0.3, 1, 22);
    S.col_idx[S.row_ptr[1] - 1] = NC - 1; /* the last entry of row 0 */
    for (int lazy = 0; lazy <= 1; lazy++) {
        double row_all[6], row_first[6];
        for (int part = 0; part < 2; part++) {
            genre_mlp *m = model_with(w, 1, GENRE_MLP_ACT_TANH);
            ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SHUFFLE, 0));
            ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 1));
            ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_CLASSES, NK));
            ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SPARSE_UPDATE, lazy));
            ck_assert_ok(genre_mlp_fit_csr(m, part ? 32 : NR, NC, S.row_ptr[part ? 32 : NR],
                                           S.row_ptr, S.col_idx, S.values, S.labels, 0, 0, NULL,
                                           NULL, NULL, NULL));
            feature_row(m, NC - 1, 6, part ? row_first : row_all);
            genre_mlp_free(m);
        }
        double diff = 0.0;
        for (size_t j = 0; j < 6; j++)
            diff += fabs(row_all[j] - row_first[j]);
        if (lazy)
            ck_assert_msg(diff < 1e-12, "lazy: later batches moved an absent feature (%g)",
                          diff);
        else
            ck_assert_msg(diff > 1e-4, "exact: the first moment did not move it (%g)", diff);
    }
}
END_TEST

/* A lazy fit on many columns learns (2^16 columns x 32 units: 2.1 M
 * first-layer weights, of which a batch touches a few hundred rows). */
START_TEST(mlp_csr_wide_fit)
{
    const size_t n = 600, cols = (size_t)1 << 16, per_row = 12;
    size_t *rp = malloc((n + 1) * sizeof *rp);
    uint32_t *ci = malloc(n * per_row * sizeof *ci);
    double *vals = malloc(n * per_row * sizeof *vals);
    int32_t *lab = malloc(n * sizeof *lab);
    ck_assert(rp && ci && vals && lab);
    lcg_state = 5;
    for (size_t i = 0; i < n; i++) {
        rp[i] = i * per_row;
        lab[i] = (int32_t)(i % 2);
        for (size_t p = 0; p < per_row; p++) {
            /* class-specific columns 0..49 / 50..99, plus noise columns */
            uint32_t c = p < 3 ? (uint32_t)(lab[i] * 50 + (size_t)(urand() * 50))
                               : (uint32_t)(100 + (size_t)(urand() * (double)(cols - 100)));
            ci[i * per_row + p] = c;
            vals[i * per_row + p] = 1.0;
        }
    }
    rp[n] = n * per_row;
    const int32_t w[1] = {32};
    genre_mlp *m = model_with(w, 1, GENRE_MLP_ACT_RELU);
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 20));
    ck_assert_ok(
        genre_mlp_fit_csr(m, n, cols, rp[n], rp, ci, vals, lab, 0, 0, NULL, NULL, NULL, NULL));
    double *p = malloc(n * 2 * sizeof *p);
    ck_assert_ok(genre_mlp_predict_proba_csr(m, n, cols, rp[n], rp, ci, vals, p, n * 2, NULL));
    size_t hit = 0;
    for (size_t i = 0; i < n; i++)
        hit += (p[2 * i + 1] > 0.5) == (lab[i] == 1);
    ck_assert_msg(hit > n * 95 / 100, "training accuracy %zu / %zu", hit, n);
    /* the first 20 rows as a dense matrix (16 rows per inference block at
     * this width): the same probabilities up to the order of the sums */
    const size_t nd = 20;
    double *xd = calloc(nd * cols, sizeof *xd), pd[40];
    ck_assert_ptr_nonnull(xd);
    for (size_t i = 0; i < nd; i++)
        for (size_t q = rp[i]; q < rp[i + 1]; q++)
            xd[i * cols + ci[q]] += vals[q];
    ck_assert_ok(genre_mlp_predict_proba(m, xd, nd, cols, cols, pd, 2 * nd, NULL));
    for (size_t i = 0; i < 2 * nd; i++)
        ck_assert_double_eq_tol(pd[i], p[i], 1e-12);
    free(xd);
    free(p);
    free(rp);
    free(ci);
    free(vals);
    free(lab);
    genre_mlp_free(m);
}
END_TEST

/* ---- Transform against a hand computation -------------------------------------- */

/* A 3-2-2-2 tanh classifier with the given parameters, written as a 0.1
 * file (no GENRE_MLP_SPARSE_UPDATE record), loaded. */
static genre_mlp *hand_model(const double *params, size_t np)
{
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_MLP, 1));
    int32_t widths[4] = {3, 2, 2, 2};
    genre__mf_put_u32(&w, 1, 0);                     /* classification */
    genre__mf_put_u32(&w, 2, GENRE_MLP_ACT_TANH);
    genre__mf_put_i32_array(&w, 3, widths, 4);
    genre__mf_put_f64_array(&w, 4, params, np);
    const double f64[8] = {1e-3, 0.0, 0.9, 0.999, 1e-8, 0.9, 0.0, 0.0};
    for (uint32_t i = 0; i < 8; i++)
        genre__mf_put_f64(&w, 10 + i, f64[i]);
    const int64_t i64[13] = {200, 256, GENRE_MLP_ACT_TANH, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0};
    for (uint32_t i = 0; i < 13; i++)
        genre__mf_put_i64(&w, 30 + i, i64[i]);
    double h[1] = {0.5};
    genre__mf_put_f64_array(&w, 60, h, 1);
    genre__mf_put_f64_array(&w, 61, h, 1);
    genre__mf_put_f64_array(&w, 62, h, 1);
    genre__mf_put_i64(&w, 63, 1);
    genre__mf_put_i64(&w, 64, 0);
    unsigned char buf[4096];
    size_t len;
    ck_assert_ok(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len));
    genre__mf_writer_free(&w);
    genre_mlp *m = NULL;
    ck_assert_ok(genre_mlp_load_from_memory(&m, buf, len));
    return m;
}

START_TEST(mlp_transform_by_hand)
{
    /* W0 (3 x 2), b0, W1 (2 x 2), b1, W2 (2 x 2), b2 */
    const double P[22] = {0.5, -0.25, 1.0, 0.75, -0.5, 0.125, 0.1, -0.2,
                          0.3, -1.0, 0.6, 0.4, 0.05, 0.0,
                          1.0, 2.0, -1.0, 0.5, 0.0, 0.1};
    genre_mlp *m = hand_model(P, 20);
    int64_t v;
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_SPARSE_UPDATE, &v));
    ck_assert_int_eq(v, 1); /* absent in a 0.1 file: the default */
    ck_assert_ok(genre_mlp_get_i64(m, GENRE_MLP_PRECISION, &v));
    ck_assert_int_eq(v, GENRE_MLP_PRECISION_DOUBLE); /* absent before 0.3: double */
    const double x[2 * 3] = {1.0, 0.0, -2.0, 0.5, 3.0, 0.0};
    const size_t rp[3] = {0, 2, 4};
    const uint32_t ci[4] = {2, 0, 0, 1}; /* row 0 in reverse column order */
    const double cv[4] = {-2.0, 1.0, 0.5, 3.0};
    double h1[4], h2[4], c1[4], c2[4];
    for (size_t r = 0; r < 2; r++) {
        double a[2], b[2];
        for (size_t j = 0; j < 2; j++) {
            double z = P[6 + j];
            for (size_t k = 0; k < 3; k++)
                z += x[r * 3 + k] * P[k * 2 + j];
            a[j] = tanh(z);
        }
        for (size_t j = 0; j < 2; j++)
            b[j] = tanh(P[12 + j] + a[0] * P[8 + j] + a[1] * P[10 + j]);
        memcpy(h1 + 2 * r, a, sizeof a);
        memcpy(h2 + 2 * r, b, sizeof b);
    }
    double out[4];
    size_t need = 0;
    ck_assert_status(genre_mlp_transform(m, 1, x, 2, 3, 3, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 4);
    ck_assert_ok(genre_mlp_transform(m, 1, x, 2, 3, 3, out, 4, &need));
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq_tol(out[i], h1[i], 1e-14);
    ck_assert_ok(genre_mlp_transform(m, 2, x, 2, 3, 3, out, 4, NULL));
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq_tol(out[i], h2[i], 1e-14);
    ck_assert_ok(genre_mlp_transform_csr(m, 1, 2, 3, rp[2], rp, ci, cv, c1, 4, NULL));
    ck_assert_ok(genre_mlp_transform_csr(m, 2, 2, 3, rp[2], rp, ci, cv, c2, 4, NULL));
    for (int i = 0; i < 4; i++) {
        ck_assert_double_eq_tol(c1[i], h1[i], 1e-14);
        ck_assert_double_eq_tol(c2[i], h2[i], 1e-14);
    }
    /* the predictions are the softmax of the output layer on h2 */
    double p[4], pc[4];
    ck_assert_ok(genre_mlp_predict_proba(m, x, 2, 3, 3, p, 4, NULL));
    ck_assert_ok(genre_mlp_predict_proba_csr(m, 2, 3, rp[2], rp, ci, cv, pc, 4, NULL));
    for (size_t r = 0; r < 2; r++) {
        double z0 = P[18] + h2[2 * r] * P[14] + h2[2 * r + 1] * P[16];
        double z1 = P[19] + h2[2 * r] * P[15] + h2[2 * r + 1] * P[17];
        double p1 = 1.0 / (1.0 + exp(z0 - z1));
        ck_assert_double_eq_tol(p[2 * r + 1], p1, 1e-14);
        ck_assert_double_eq_tol(pc[2 * r + 1], p1, 1e-14);
    }
    genre_mlp_free(m);
}
END_TEST

/* ---- Errors ------------------------------------------------------------------------- */

#define ERR_HAS(s) ck_assert_msg(strstr(genre_last_error(), (s)) != NULL, "%s", genre_last_error())

START_TEST(mlp_csr_errors)
{
    make_sparse(0.3, 0, 4);
    const int32_t w[1] = {4};
    genre_mlp *m = model_with(w, 1, GENRE_MLP_ACT_RELU);
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 2));
    size_t rp[4] = {0, 2, 1, 4};
    uint32_t ci[4] = {0, 1, 2, 3};
    double cv[4] = {1.0, 2.0, 3.0, 4.0}, out[64];
    int32_t lab[3] = {0, 1, 0};
    ck_assert_status(genre_mlp_set_i64(m, GENRE_MLP_SPARSE_UPDATE, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_set_f64(m, GENRE_MLP_SPARSE_UPDATE, 1.0), GENRE_E_UNKNOWN_PARAM);
    /* unfitted model */
    ck_assert_status(genre_mlp_predict_proba_csr(m, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx,
                                                 S.values, out, 64, NULL),
                     GENRE_E_BAD_STATE);
    ck_assert_status(genre_mlp_transform_csr(m, 1, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx,
                                             S.values, out, 64, NULL),
                     GENRE_E_BAD_STATE);
    ck_assert_status(genre_mlp_transform(m, 1, S.dense, NR, NC, NC, out, 64, NULL),
                     GENRE_E_BAD_STATE);
    /* fit: structure */
/* the arrays hold 4 entries: nnz = 4 */
#define FIT(n, c, r, i, v, l) \
    genre_mlp_fit_csr(m, n, c, 4, r, i, v, l, 0, 0, NULL, NULL, NULL, NULL)
    ck_assert_status(
        genre_mlp_fit_csr(NULL, 3, 4, rp[3], rp, ci, cv, lab, 0, 0, NULL, NULL, NULL, NULL),
        GENRE_E_INVALID_ARG);
    ck_assert_status(FIT(0, 4, rp, ci, cv, lab), GENRE_E_INVALID_ARG);
    ERR_HAS("zero rows");
    ck_assert_status(FIT(3, 0, rp, ci, cv, lab), GENRE_E_INVALID_ARG);
    ck_assert_status(FIT(3, (size_t)INT32_MAX + 1, rp, ci, cv, lab), GENRE_E_INVALID_ARG);
    ck_assert_status(FIT(3, 4, NULL, ci, cv, lab), GENRE_E_INVALID_ARG);
    ERR_HAS("row_ptr");
    ck_assert_status(FIT(3, 4, rp, ci, cv, lab), GENRE_E_INVALID_ARG);
    ERR_HAS("x: row 1: row_ptr[2] = 1 is below row_ptr[1] = 2");
    rp[2] = 2;
    rp[0] = 1;
    ck_assert_status(FIT(3, 4, rp, ci, cv, lab), GENRE_E_INVALID_ARG);
    ERR_HAS("row_ptr[0] = 1");
    rp[0] = 0;
    ck_assert_status(FIT(3, 4, rp, NULL, cv, lab), GENRE_E_INVALID_ARG);
    ERR_HAS("col_idx");
    ck_assert_status(FIT(3, 4, rp, ci, NULL, lab), GENRE_E_INVALID_ARG);
    ERR_HAS("values");
    ck_assert_status(FIT(3, 3, rp, ci, cv, lab), GENRE_E_INVALID_ARG);
    ERR_HAS("row 2, position 3: column index 3");
    cv[1] = NAN;
    ck_assert_status(FIT(3, 4, rp, ci, cv, lab), GENRE_E_NONFINITE);
    ERR_HAS("row 0, position 1 (column 1)");
    ck_assert_status(FIT(3, 4, rp, ci, cv, NULL), GENRE_E_NONFINITE); /* values first */
    cv[1] = 2.0;
    ck_assert_status(FIT(3, 4, rp, ci, cv, NULL), GENRE_E_INVALID_ARG);
    ERR_HAS("labels");
    lab[1] = -3;
    ck_assert_status(FIT(3, 4, rp, ci, cv, lab), GENRE_E_INVALID_ARG);
    ERR_HAS("labels[1] = -3");
    lab[1] = 0;
    ck_assert_status(FIT(3, 4, rp, ci, cv, lab), GENRE_E_INVALID_ARG);
    ERR_HAS("two classes");
    lab[1] = 1;
    /* an empty matrix (no entries) is fine */
    size_t zero[4] = {0, 0, 0, 0};
    ck_assert_ok(
        genre_mlp_fit_csr(m, 3, 4, 0, zero, NULL, NULL, lab, 0, 0, NULL, NULL, NULL, NULL));
    /* validation rows */
    int32_t vlab[3] = {0, 1, 2};
    ck_assert_status(genre_mlp_fit_csr(m, 3, 4, rp[3], rp, ci, cv, lab, 3, rp[3], rp, ci, cv, NULL),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("without its labels");
    ck_assert_status(genre_mlp_fit_csr(m, 3, 4, rp[3], rp, ci, cv, lab, 3, rp[3], rp, ci, cv, vlab),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("labels_val[2] = 2");
    ck_assert_status(genre_mlp_fit_csr(m, 3, 4, rp[3], rp, ci, cv, lab, 0, rp[0], rp, ci, cv, lab),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("x_val has zero rows");
    ci[3] = 9;
    ck_assert_status(genre_mlp_fit_csr(m, 2, 4, rp[2], rp, ci, cv, lab, 3, rp[3], rp, ci, cv, lab),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("x_val: row 2, position 3");
    ci[3] = 3;
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, 2));
    ck_assert_status(FIT(3, 4, rp, ci, cv, lab), GENRE_E_INVALID_ARG);
    ERR_HAS("validation");
    ck_assert_ok(genre_mlp_fit_csr(m, 3, 4, rp[3], rp, ci, cv, lab, 3, rp[3], rp, ci, cv, lab));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, 0));
    /* 0.3: CSR fits are double only; FLOAT is refused and the fit kept */
    double before[6], after[6];
    ck_assert_ok(genre_mlp_predict_proba_csr(m, 3, 4, rp[3], rp, ci, cv, before, 6, NULL));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, GENRE_MLP_PRECISION_FLOAT));
    ck_assert_status(FIT(3, 4, rp, ci, cv, lab), GENRE_E_INVALID_ARG);
    ERR_HAS("GENRE_MLP_PRECISION");
    ck_assert_ok(genre_mlp_predict_proba_csr(m, 3, 4, rp[3], rp, ci, cv, after, 6, NULL));
    ck_assert(memcmp(before, after, sizeof before) == 0);
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, GENRE_MLP_PRECISION_DOUBLE));
    /* with GENRE_MLP_VALIDATE_INPUT = 0 the value scan is skipped */
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_VALIDATE_INPUT, 0));
    cv[2] = INFINITY;
    genre_status st = FIT(3, 4, rp, ci, cv, lab);
    ck_assert_msg(st == GENRE_E_NUMERIC || st == GENRE_OK, "%d", (int)st);
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_VALIDATE_INPUT, 1));
    cv[2] = 3.0;
    ck_assert_ok(FIT(3, 4, rp, ci, cv, lab));

    /* predict / transform on the fitted classifier (4 columns, 2 classes) */
    size_t need = 0;
    ck_assert_status(genre_mlp_predict_proba_csr(NULL, 3, 4, rp[3], rp, ci, cv, out, 64, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_predict_proba_csr(m, 3, 5, rp[3], rp, ci, cv, out, 64, NULL),
                     GENRE_E_SHAPE);
    ck_assert_status(genre_mlp_predict_proba_csr(m, 3, 4, rp[3], rp, ci, cv, out, 5, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 6);
    ck_assert_status(genre_mlp_predict_proba_csr(m, 3, 4, rp[3], rp, ci, cv, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_status(genre_mlp_predict_proba_csr(m, 3, 4, 0, NULL, ci, cv, out, 64, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_predict_proba_csr(m, 0, 4, rp[0], rp, ci, cv, out, 64, NULL),
                     GENRE_E_INVALID_ARG);
    cv[0] = NAN;
    ck_assert_status(genre_mlp_predict_proba_csr(m, 3, 4, rp[3], rp, ci, cv, out, 64, NULL),
                     GENRE_E_NONFINITE);
    ck_assert_status(genre_mlp_transform_csr(m, 1, 3, 4, rp[3], rp, ci, cv, out, 64, NULL),
                     GENRE_E_NONFINITE);
    cv[0] = 1.0;
    ck_assert_ok(genre_mlp_predict_proba_csr(m, 3, 4, rp[3], rp, ci, cv, out, 6, &need));
    for (size_t i = 0; i < 3; i++)
        ck_assert_double_eq_tol(out[2 * i] + out[2 * i + 1], 1.0, 1e-14);
    double xd[3 * 4] = {1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4};
    ck_assert_status(genre_mlp_transform(m, 0, xd, 3, 4, 4, out, 64, NULL),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("layer = 0; the model has 1 hidden layer");
    ck_assert_status(genre_mlp_transform(m, 2, xd, 3, 4, 4, out, 64, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_transform_csr(m, -1, 3, 4, rp[3], rp, ci, cv, out, 64, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_transform(NULL, 1, xd, 3, 4, 4, out, 64, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_transform(m, 1, NULL, 3, 4, 4, out, 64, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_transform(m, 1, xd, 3, 4, 3, out, 64, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_mlp_transform(m, 1, xd, 3, 3, 4, out, 64, NULL), GENRE_E_SHAPE);
    ck_assert_status(genre_mlp_transform_csr(m, 1, 3, 3, rp[3], rp, ci, cv, out, 64, NULL),
                     GENRE_E_SHAPE);
    ck_assert_status(genre_mlp_transform(m, 1, xd, 3, 4, 4, out, 11, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, 12);
    ck_assert_status(genre_mlp_transform_csr(m, 1, 3, 4, rp[3], rp, ci, cv, out, 11, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    xd[5] = NAN;
    ck_assert_status(genre_mlp_transform(m, 1, xd, 3, 4, 4, out, 64, NULL), GENRE_E_NONFINITE);
    xd[5] = 0.0;
    double t1[12], t2[12];
    ck_assert_ok(genre_mlp_transform(m, 1, xd, 3, 4, 4, t1, 12, NULL));
    ck_assert_ok(genre_mlp_transform_csr(m, 1, 3, 4, rp[3], rp, ci, cv, t2, 12, NULL));
    ck_assert(memcmp(t1, t2, sizeof t1) == 0);
    for (size_t i = 0; i < 12; i++)
        ck_assert(t1[i] >= 0.0); /* ReLU outputs */
    genre_mlp_free(m);

    /* a regressor: transform works, predict_proba_csr does not */
    genre_mlp *r = model_with(w, 1, GENRE_MLP_ACT_RELU);
    ck_assert_ok(genre_mlp_set_i64(r, GENRE_MLP_EPOCHS, 2));
    ck_assert_ok(genre_mlp_fit_regression(r, S.dense, NR, NC, NC, S.y, 2, NULL, 0, 0, NULL));
    ck_assert_status(genre_mlp_predict_proba_csr(r, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx,
                                                 S.values, out, 64, NULL),
                     GENRE_E_BAD_STATE);
    static double tr[NR * 4], tc[NR * 4];
    ck_assert_ok(genre_mlp_transform(r, 1, S.dense, NR, NC, NC, tr, NR * 4, NULL));
    ck_assert_ok(genre_mlp_transform_csr(r, 1, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx,
                                         S.values, tc, NR * 4, NULL));
    ck_assert(memcmp(tr, tc, sizeof tr) == 0);
    genre_mlp_free(r);
#undef FIT
}
END_TEST

/* Duplicate columns in a row add up. */
START_TEST(mlp_csr_duplicates_add)
{
    make_sparse(0.3, 0, 8);
    const int32_t w[1] = {5};
    genre_mlp *m = model_with(w, 1, GENRE_MLP_ACT_TANH);
    ck_assert_ok(genre_mlp_fit_csr(m, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx, S.values,
                                   S.labels, 0, 0, NULL, NULL, NULL, NULL));
    const size_t rp1[2] = {0, 2}, rp2[2] = {0, 3};
    const uint32_t c1[2] = {4, 9}, c2[3] = {9, 4, 4};
    const double v1[2] = {1.5, -0.5}, v2[3] = {-0.5, 1.0, 0.5};
    double a[5], b[5];
    ck_assert_ok(genre_mlp_transform_csr(m, 1, 1, NC, rp1[1], rp1, c1, v1, a, 5, NULL));
    ck_assert_ok(genre_mlp_transform_csr(m, 1, 1, NC, rp2[1], rp2, c2, v2, b, 5, NULL));
    for (int j = 0; j < 5; j++)
        ck_assert_double_eq_tol(a[j], b[j], 1e-14);
    genre_mlp_free(m);
}
END_TEST

/* ---- Persistence ---------------------------------------------------------------------- */

START_TEST(mlp_csr_save_load)
{
    make_sparse(0.3, 0, 9);
    const int32_t w[2] = {6, 4};
    genre_mlp *m = model_with(w, 2, GENRE_MLP_ACT_RELU), *r = NULL;
    ck_assert_ok(genre_mlp_fit_csr(m, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx, S.values,
                                   S.labels, 0, 0, NULL, NULL, NULL, NULL));
    size_t len;
    unsigned char *buf = saved(m, &len);
    ck_assert_ok(genre_mlp_load_from_memory(&r, buf, len));
    static double p1[NR * NK], p2[NR * NK], t1[NR * 4], t2[NR * 4];
    ck_assert_ok(genre_mlp_predict_proba_csr(m, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx,
                                             S.values, p1, NR * NK, NULL));
    ck_assert_ok(genre_mlp_predict_proba_csr(r, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx,
                                             S.values, p2, NR * NK, NULL));
    ck_assert(memcmp(p1, p2, sizeof p1) == 0);
    ck_assert_ok(genre_mlp_transform(m, 2, S.dense, NR, NC, NC, t1, NR * 4, NULL));
    ck_assert_ok(genre_mlp_transform_csr(r, 2, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx,
                                         S.values, t2, NR * 4, NULL));
    ck_assert(memcmp(t1, t2, sizeof t1) == 0);
    /* the parameter survives; the dense model file format is unchanged otherwise */
    genre_mlp_free(r);
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SPARSE_UPDATE, 0));
    ck_assert_ok(genre_mlp_fit_csr(m, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx, S.values,
                                   S.labels, 0, 0, NULL, NULL, NULL, NULL));
    free(buf);
    buf = saved(m, &len);
    ck_assert_ok(genre_mlp_load_from_memory(&r, buf, len));
    int64_t v = -1;
    ck_assert_ok(genre_mlp_get_i64(r, GENRE_MLP_SPARSE_UPDATE, &v));
    ck_assert_int_eq(v, 0);
    char path[] = "/tmp/genre-mlp-csr-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    genre_mlp *f = NULL;
    ck_assert_ok(genre_mlp_save(m, path));
    ck_assert_ok(genre_mlp_load(&f, path));
    remove(path);
    ck_assert_ok(genre_mlp_predict_proba_csr(f, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx,
                                             S.values, p2, NR * NK, NULL));
    ck_assert_ok(genre_mlp_predict_proba_csr(m, NR, NC, S.row_ptr[NR], S.row_ptr, S.col_idx,
                                             S.values, p1, NR * NK, NULL));
    ck_assert(memcmp(p1, p2, sizeof p1) == 0);
    genre_mlp_free(f);
    free(buf);
    genre_mlp_free(r);
    genre_mlp_free(m);
}
END_TEST

/* ---- Allocation failures ------------------------------------------------------------- */

static genre_status scenario(void *ctx)
{
    (void)ctx;
    genre_mlp *m = NULL, *r = NULL;
    unsigned char *buf = NULL;
    size_t len = 0;
    static double out[40 * 4];
    int32_t w[2] = {4, 3};
    const size_t nv = 10, off = S.row_ptr[30];
    size_t vrp[11];
    for (size_t i = 0; i <= nv; i++)
        vrp[i] = S.row_ptr[30 + i] - off;
    genre_status st = genre_mlp_create(&m);
    if (st == GENRE_OK)
        st = genre_mlp_set_hidden_layers(m, w, 2);
    if (st == GENRE_OK)
        st = genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 2);
    if (st == GENRE_OK)
        st = genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, 1);
    if (st == GENRE_OK)
        st = genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, 8);
    if (st == GENRE_OK)
        st = genre_mlp_set_f64(m, GENRE_MLP_DROPOUT, 0.1);
    if (st == GENRE_OK)
        st = genre_mlp_fit_csr(m, 30, NC, S.row_ptr[30], S.row_ptr, S.col_idx, S.values, S.labels,
                               nv, vrp[nv], vrp, S.col_idx + off, S.values + off, S.labels + 30);
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
        st = genre_mlp_predict_proba_csr(r, 40, NC, S.row_ptr[40], S.row_ptr, S.col_idx, S.values,
                                         out, 40 * NK, NULL);
    if (st == GENRE_OK)
        st = genre_mlp_transform_csr(r, 2, 40, NC, S.row_ptr[40], S.row_ptr, S.col_idx, S.values,
                                     out, 40 * 3, NULL);
    if (st == GENRE_OK)
        st = genre_mlp_transform(r, 1, S.dense, 40, NC, NC, out, 40 * 4, NULL);
    if (st == GENRE_OK)
        st = genre_mlp_set_i64(m, GENRE_MLP_SPARSE_UPDATE, 0);
    if (st == GENRE_OK)
        st = genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, 0);
    if (st == GENRE_OK)
        st = genre_mlp_fit_csr(m, 30, NC, S.row_ptr[30], S.row_ptr, S.col_idx, S.values, S.labels,
                               0, 0, NULL, NULL, NULL, NULL);
    free(buf);
    genre_mlp_free(r);
    genre_mlp_free(m);
    return st;
}

START_TEST(mlp_csr_alloc_walk)
{
    make_sparse(0.3, 0, 10);
    long k = genre_test_alloc_walk(scenario, NULL);
    ck_assert_int_gt(k, 10);
}
END_TEST

/* The CSR contract (mlp.h, 1.0): every CSR call takes nnz, the length of
 * col_idx and values, and refuses a row_ptr that points past it before
 * reading an entry. The arrays are heap blocks of exactly nnz entries, so
 * under ASan any read past them fails the test (0.x read
 * row_ptr[n_rows] entries, whatever the arrays held). */
START_TEST(mlp_csr_entry_count)
{
    make_sparse(0.3, 0, 11);
    genre_mlp *m = NULL;
    ck_assert_ok(genre_mlp_create(&m));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 1));
    const size_t nnz = 2;
    uint32_t *ci = malloc(nnz * sizeof *ci);
    double *cv = malloc(nnz * sizeof *cv);
    ck_assert(ci && cv);
    ci[0] = 0;
    ci[1] = 1;
    cv[0] = 1.0;
    cv[1] = 2.0;
    int32_t lab[3] = {0, 1, 0};
    size_t past[4] = {0, 1, 2, 6}, mid[4] = {0, 5, 5, 2}, short_end[4] = {0, 1, 1, 1};
    ck_assert_status(genre_mlp_fit_csr(m, 3, NC, nnz, past, ci, cv, lab, 0, 0, NULL, NULL, NULL,
                                       NULL),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("genre_mlp_fit_csr: x: row 2: row_ptr[3] = 6 is above nnz = 2");
    ck_assert_status(genre_mlp_fit_csr(m, 3, NC, nnz, mid, ci, cv, lab, 0, 0, NULL, NULL, NULL,
                                       NULL),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("genre_mlp_fit_csr: x: row 0: row_ptr[1] = 5 is above nnz = 2");
    ck_assert_status(genre_mlp_fit_csr(m, 3, NC, nnz, short_end, ci, cv, lab, 0, 0, NULL, NULL,
                                       NULL, NULL),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("genre_mlp_fit_csr: x: row_ptr[3] = 1 (the last row's end) differs from nnz = 2");
    ck_assert_status(genre_mlp_fit_csr(m, 3, NC, SIZE_MAX, past, ci, cv, lab, 0, 0, NULL, NULL,
                                       NULL, NULL),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("genre_mlp_fit_csr: x: nnz = ");
    ERR_HAS("cannot be in memory");
    /* the validation rows are held to their own val_nnz */
    size_t good[4] = {0, 1, 2, 2};
    ck_assert_status(genre_mlp_fit_csr(m, 3, NC, nnz, good, ci, cv, lab, 3, nnz, past, ci, cv,
                                       lab),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("genre_mlp_fit_csr: x_val: row 2: row_ptr[3] = 6 is above nnz = 2");
    ck_assert_status(genre_mlp_fit_csr(m, 3, NC, nnz, good, ci, cv, lab, 3, 1, good, ci, cv,
                                       lab),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("genre_mlp_fit_csr: x_val: row 1: row_ptr[2] = 2 is above nnz = 1");

    ck_assert_ok(genre_mlp_fit_csr(m, S.n_rows, S.n_cols, S.row_ptr[S.n_rows], S.row_ptr,
                                   S.col_idx, S.values, S.labels, 0, 0, NULL, NULL, NULL, NULL));
    double out[64];
    ck_assert_status(genre_mlp_predict_proba_csr(m, 3, NC, nnz, past, ci, cv, out, 64, NULL),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("genre_mlp_predict_proba_csr: x: row 2: row_ptr[3] = 6 is above nnz = 2");
    ck_assert_status(genre_mlp_transform_csr(m, 1, 3, NC, nnz, mid, ci, cv, NULL, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("genre_mlp_transform_csr: x: row 0: row_ptr[1] = 5 is above nnz = 2");
    ck_assert_status(genre_mlp_transform_csr(m, 1, 3, NC, nnz, short_end, ci, cv, NULL, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("genre_mlp_transform_csr: x: row_ptr[3] = 1 (the last row's end) differs from "
            "nnz = 2");
    ck_assert_ok(genre_mlp_predict_proba_csr(m, 3, NC, nnz, good, ci, cv, out, 64, NULL));
    /* row_ptr[0] != 0, decreasing, a column out of range: named errors. */
    size_t rp0[4] = {1, 1, 2, 2}, rpd[4] = {0, 2, 1, 2};
    uint32_t ci_bad[2] = {0, NC};
    ck_assert_status(genre_mlp_predict_proba_csr(m, 3, NC, nnz, rp0, ci, cv, out, 64, NULL),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("row_ptr[0] = 1; must be 0");
    ck_assert_status(genre_mlp_transform_csr(m, 1, 3, NC, nnz, rpd, ci, cv, NULL, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("x: row 1: row_ptr[2] = 1 is below row_ptr[1] = 2");
    ck_assert_status(genre_mlp_predict_proba_csr(m, 3, NC, nnz, good, ci_bad, cv, out, 64, NULL),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("row 1, position 1: column index 23 is not below n_cols = 23");
    genre_mlp_free(m);

    double x[3] = {1, 2, 3};
    size_t orp[4];
    uint32_t oci[8];
    double ov[8];
    ck_assert_status(genre_text_csr_append_dense(3, NC, nnz, past, ci, cv, x, 1, 1, orp, oci, ov,
                                                 8, NULL),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("genre_text_csr_append_dense: the CSR input: row 2: row_ptr[3] = 6 is above nnz = 2");
    ck_assert_status(genre_text_csr_append_dense(3, NC, nnz, short_end, ci, cv, x, 1, 1, orp, oci,
                                                 ov, 8, NULL),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("differs from nnz = 2");
    ck_assert_status(genre_text_csr_append_dense(3, NC, SIZE_MAX, past, ci, cv, x, 1, 1, orp, oci,
                                                 ov, 8, NULL),
                     GENRE_E_INVALID_ARG);
    ERR_HAS("cannot be in memory");
    ck_assert_ok(genre_text_csr_append_dense(3, NC, nnz, good, ci, cv, x, 1, 1, orp, oci, ov, 8,
                                             NULL));
    ck_assert_uint_eq(orp[3], 5);
    free(ci);
    free(cv);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mlp_csr");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, mlp_csr_objective_equals_dense);
    tcase_add_test(tc, mlp_csr_exact_fit_equals_dense);
    tcase_add_test(tc, mlp_csr_lazy_updates);
    tcase_add_test(tc, mlp_csr_wide_fit);
    tcase_add_test(tc, mlp_transform_by_hand);
    tcase_add_test(tc, mlp_csr_errors);
    tcase_add_test(tc, mlp_csr_duplicates_add);
    tcase_add_test(tc, mlp_csr_save_load);
    tcase_add_test(tc, mlp_csr_alloc_walk);
    tcase_add_test(tc, mlp_csr_entry_count);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
