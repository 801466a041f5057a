/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MLP imputer (d-32-16-1; the reference table's tempo: 12-32-16-1)
 * behind the dataset module's model-imputation hook: tempo_fit(),
 * tempo_predict() in analysis.h. */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <math.h>
#include <stdlib.h>

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

genre_status tempo_fit(void *ud, const double *x, size_t n, size_t d, const double *y)
{
    tempo_model *t = ud;
    if (n < 20 || !d)
        return GENRE_E_INVALID_ARG;
    t->d = d;
    free(t->xm), free(t->xs);
    t->xm = xcalloc(d, sizeof *t->xm);
    t->xs = xcalloc(d, sizeof *t->xs);
    if (!t->xm || !t->xs)
        return GENRE_E_NOMEM;
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

genre_status tempo_predict(void *ud, const double *x, size_t n, size_t d, double *y)
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
