/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Evaluation metrics (genre/metrics.h), following scikit-learn 1.2's definitions. */
#include <genre/metrics.h>
#include <genre/error.h>

#include "alloc.h"
#include "error_private.h"
#include "rng.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLASSES 65536

genre_status genre_metrics_accuracy(const int32_t *y_true, const int32_t *y_pred, size_t n,
                                    double *out)
{
    GENRE_CHECK_NOT_NULL(y_true);
    GENRE_CHECK_NOT_NULL(y_pred);
    GENRE_CHECK_NOT_NULL(out);
    if (n == 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "no rows");
    size_t hit = 0;
    for (size_t i = 0; i < n; i++)
        hit += y_true[i] == y_pred[i];
    *out = (double)hit / (double)n;
    return GENRE_OK;
}

static genre_status check_labels(const char *func, const char *name, const int32_t *y,
                                 size_t n, size_t n_classes)
{
    for (size_t i = 0; i < n; i++)
        if (y[i] < 0 || (size_t)y[i] >= n_classes)
            return genre__fail(GENRE_E_INVALID_ARG, func,
                               "%s[%zu] = %d is outside [0, %zu)", name, i, (int)y[i],
                               n_classes);
    return GENRE_OK;
}

genre_status genre_metrics_confusion_matrix(const int32_t *y_true, const int32_t *y_pred,
                                            size_t n, size_t n_classes, int64_t *out,
                                            size_t cap, size_t *needed)
{
    GENRE_CHECK_NOT_NULL(y_true);
    GENRE_CHECK_NOT_NULL(y_pred);
    if (n == 0 || n_classes == 0 || n_classes > MAX_CLASSES)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "n = %zu, n_classes = %zu (need >= 1, <= %d)",
                          n, n_classes, MAX_CLASSES);
    size_t need = n_classes * n_classes;
    if (needed)
        *needed = need;
    if (!out || cap < need)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL, "needs %zu elements, capacity %zu", need,
                          out ? cap : 0);
    genre_status st = check_labels(__func__, "y_true", y_true, n, n_classes);
    if (st == GENRE_OK)
        st = check_labels(__func__, "y_pred", y_pred, n, n_classes);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    memset(out, 0, need * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[(size_t)y_true[i] * n_classes + (size_t)y_pred[i]]++;
    return GENRE_OK;
}

static genre_status check_scores(const char *func, const double *s, size_t n_rows,
                                 size_t n_cols, size_t stride)
{
    for (size_t i = 0; i < n_rows; i++)
        for (size_t j = 0; j < n_cols; j++)
            if (!isfinite(s[i * stride + j]))
                return genre__fail(GENRE_E_NONFINITE, func,
                                   "score at row %zu, column %zu is %g", i, j,
                                   s[i * stride + j]);
    return GENRE_OK;
}

static genre_status check_proba_args(const char *func, const int32_t *y_true,
                                     const double *proba, size_t n_rows, size_t n_classes,
                                     size_t row_stride)
{
    if (!y_true || !proba)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument '%s' is NULL",
                           y_true ? "proba" : "y_true");
    if (n_rows == 0 || n_classes < 2 || n_classes > MAX_CLASSES)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "n_rows = %zu, n_classes = %zu (need rows and 2..%d classes)",
                           n_rows, n_classes, MAX_CLASSES);
    if (row_stride < n_classes)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "row stride %zu is less than the %zu classes", row_stride,
                           n_classes);
    genre_status st = check_labels(func, "y_true", y_true, n_rows, n_classes);
    if (st != GENRE_OK)
        return st;
    return check_scores(func, proba, n_rows, n_classes, row_stride);
}

genre_status genre_metrics_log_loss(const int32_t *y_true, const double *proba, size_t n_rows,
                                    size_t n_classes, size_t row_stride, double *out)
{
    GENRE_CHECK_NOT_NULL(out);
    genre_status st =
        check_proba_args(__func__, y_true, proba, n_rows, n_classes, row_stride);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    const double eps = DBL_EPSILON;
    double total = 0.0;
    for (size_t i = 0; i < n_rows; i++) {
        const double *p = proba + i * row_stride;
        double s = 0.0, py = 0.0;
        for (size_t j = 0; j < n_classes; j++) {
            double v = p[j] < eps ? eps : (p[j] > 1.0 - eps ? 1.0 - eps : p[j]);
            s += v;
            if (j == (size_t)y_true[i])
                py = v;
        }
        total += -log(py / s);
    }
    *out = total / (double)n_rows;
    return GENRE_OK;
}

genre_status genre_metrics_r2(const double *y_true, const double *y_pred, size_t n,
                              double *out)
{
    GENRE_CHECK_NOT_NULL(y_true);
    GENRE_CHECK_NOT_NULL(y_pred);
    GENRE_CHECK_NOT_NULL(out);
    if (n == 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "no rows");
    genre_status st = check_scores(__func__, y_true, n, 1, 1);
    if (st == GENRE_OK)
        st = check_scores(__func__, y_pred, n, 1, 1);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    double mean = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += y_true[i];
    mean /= (double)n;
    double ss_res = 0.0, ss_tot = 0.0;
    for (size_t i = 0; i < n; i++) {
        ss_res += (y_true[i] - y_pred[i]) * (y_true[i] - y_pred[i]);
        ss_tot += (y_true[i] - mean) * (y_true[i] - mean);
    }
    if (ss_tot == 0.0)
        *out = ss_res == 0.0 ? 1.0 : 0.0;
    else
        *out = 1.0 - ss_res / ss_tot;
    return GENRE_OK;
}

/* ---- ROC -------------------------------------------------------------------- */

typedef struct scored {
    double s;
    int32_t pos;
} scored;

static int by_score_desc(const void *a, const void *b)
{
    double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
    return (x < y) - (x > y);
}

/* The curve of items[0..n) (sorted in place): points (fps, tps, threshold)
 * at each distinct score, preceded by the origin.
 * fp/tp/thr have room for n + 1 entries; returns the count. */
static size_t binary_curve(scored *items, size_t n, double *fp, double *tp, double *thr)
{
    qsort(items, n, sizeof *items, by_score_desc);
    size_t m = 0;
    double tps = 0.0;
    for (size_t i = 0; i < n; i++) {
        tps += items[i].pos ? 1.0 : 0.0;
        if (i + 1 == n || items[i + 1].s != items[i].s) {
            /* stored from index 1: index 0 is the origin */
            fp[m + 1] = (double)(i + 1) - tps;
            tp[m + 1] = tps;
            thr[m + 1] = items[i].s;
            m++;
        }
    }
    fp[0] = 0.0;
    tp[0] = 0.0;
    thr[0] = thr[1] + 1.0;
    return m + 1;
}

/* Normalises counts into rates (NaN when the total is 0). */
static void to_rates(double *v, size_t m)
{
    double total = v[m - 1];
    for (size_t i = 0; i < m; i++)
        v[i] = total > 0.0 ? v[i] / total : NAN;
}

static double trapezoid(const double *x, const double *y, size_t m)
{
    double area = 0.0;
    for (size_t i = 1; i < m; i++)
        area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2.0;
    return area;
}

/* Scratch for a curve over n items. */
typedef struct curve_ws {
    scored *items;
    double *fp, *tp, *thr;
} curve_ws;

static genre_status curve_ws_alloc(curve_ws *w, size_t n)
{
    w->items = genre__alloc_array(n, sizeof *w->items);
    w->fp = genre__alloc_array(n + 1, 3 * sizeof(double));
    if (!w->items || !w->fp) {
        genre__free(w->items);
        genre__free(w->fp);
        return GENRE_E_NOMEM;
    }
    w->tp = w->fp + (n + 1);
    w->thr = w->tp + (n + 1);
    return GENRE_OK;
}

static void curve_ws_free(curve_ws *w)
{
    genre__free(w->items);
    genre__free(w->fp);
}

/* The curve of w->items, optionally without collinear points (scikit-learn's
 * drop_intermediate: keep the ends and every point where the second
 * difference of fps or tps is non-zero). Compaction runs behind the scan,
 * so the neighbours it reads are kept as originals in pf/pt. */
static size_t curve_from_items(curve_ws *w, size_t n, int drop)
{
    size_t m = binary_curve(w->items, n, w->fp, w->tp, w->thr);
    if (!drop || m - 1 <= 2)
        return m;
    /* points 1..m-1 are the distinct thresholds; decide on the originals */
    double *f = w->fp + 1, *t = w->tp + 1, *h = w->thr + 1;
    size_t cnt = m - 1, k = 0;
    double pf = f[0], pt = t[0]; /* original values of index j - 1 */
    for (size_t j = 0; j < cnt; j++) {
        double cf = f[j], ct = t[j];
        int keep = j == 0 || j + 1 == cnt || (f[j + 1] - 2.0 * cf + pf) != 0.0 ||
                   (t[j + 1] - 2.0 * ct + pt) != 0.0;
        pf = cf;
        pt = ct;
        if (keep) {
            f[k] = cf;
            t[k] = ct;
            h[k] = h[j];
            k++;
        }
    }
    w->thr[0] = h[0] + 1.0;
    return k + 1;
}

static genre_status export_curve(const char *func, const curve_ws *w, size_t m, double *fpr,
                                 double *tpr, double *thresholds, size_t cap,
                                 size_t *n_points)
{
    *n_points = m;
    if (!fpr || !tpr || cap < m)
        return genre__fail(GENRE_E_BUFFER_TOO_SMALL, func,
                           "the curve has %zu points; capacity %zu", m,
                           (fpr && tpr) ? cap : 0);
    memcpy(fpr, w->fp, m * sizeof *fpr);
    memcpy(tpr, w->tp, m * sizeof *tpr);
    to_rates(fpr, m);
    to_rates(tpr, m);
    if (thresholds)
        memcpy(thresholds, w->thr, m * sizeof *thresholds);
    return GENRE_OK;
}

static genre_status check_binary_args(const char *func, const int32_t *y_true,
                                      const double *scores, size_t n, size_t stride)
{
    if (!y_true || !scores)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument '%s' is NULL",
                           y_true ? "scores" : "y_true");
    if (n == 0 || stride == 0)
        return genre__fail(GENRE_E_INVALID_ARG, func, "n = %zu, score_stride = %zu", n,
                           stride);
    return check_scores(func, scores, n, 1, stride);
}

genre_status genre_metrics_roc_curve(const int32_t *y_true, const double *scores, size_t n,
                                     size_t score_stride, int32_t positive_label,
                                     int32_t drop_intermediate, double *fpr, double *tpr,
                                     double *thresholds, size_t cap, size_t *n_points)
{
    GENRE_CHECK_NOT_NULL(n_points);
    genre_status st = check_binary_args(__func__, y_true, scores, n, score_stride);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    curve_ws w;
    if (curve_ws_alloc(&w, n) != GENRE_OK)
        return GENRE_PASS(GENRE_E_NOMEM);
    for (size_t i = 0; i < n; i++) {
        w.items[i].s = scores[i * score_stride];
        w.items[i].pos = y_true[i] == positive_label;
    }
    size_t m = curve_from_items(&w, n, drop_intermediate != 0);
    st = export_curve(__func__, &w, m, fpr, tpr, thresholds, cap, n_points);
    curve_ws_free(&w);
    return GENRE_PASS(st);
}

genre_status genre_metrics_roc_curve_micro(const int32_t *y_true, const double *proba,
                                           size_t n_rows, size_t n_classes, size_t row_stride,
                                           int32_t drop_intermediate, double *fpr,
                                           double *tpr, double *thresholds, size_t cap,
                                           size_t *n_points)
{
    GENRE_CHECK_NOT_NULL(n_points);
    genre_status st =
        check_proba_args(__func__, y_true, proba, n_rows, n_classes, row_stride);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (n_rows > SIZE_MAX / 4 / n_classes)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "%zu x %zu scores overflow", n_rows, n_classes);
    size_t n = n_rows * n_classes;
    curve_ws w;
    if (curve_ws_alloc(&w, n) != GENRE_OK)
        return GENRE_PASS(GENRE_E_NOMEM);
    for (size_t i = 0; i < n_rows; i++)
        for (size_t j = 0; j < n_classes; j++) {
            w.items[i * n_classes + j].s = proba[i * row_stride + j];
            w.items[i * n_classes + j].pos = (size_t)y_true[i] == j;
        }
    size_t m = curve_from_items(&w, n, drop_intermediate != 0);
    st = export_curve(__func__, &w, m, fpr, tpr, thresholds, cap, n_points);
    curve_ws_free(&w);
    return GENRE_PASS(st);
}

/* AUC of the items in w (n of them, with n_pos positives). */
static double auc_of(curve_ws *w, size_t n)
{
    size_t m = curve_from_items(w, n, 1);
    to_rates(w->fp, m);
    to_rates(w->tp, m);
    return trapezoid(w->fp, w->tp, m);
}

genre_status genre_metrics_roc_auc(const int32_t *y_true, const double *scores, size_t n,
                                   size_t score_stride, int32_t positive_label, double *out)
{
    GENRE_CHECK_NOT_NULL(out);
    genre_status st = check_binary_args(__func__, y_true, scores, n, score_stride);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    size_t n_pos = 0;
    for (size_t i = 0; i < n; i++)
        n_pos += y_true[i] == positive_label;
    if (n_pos == 0 || n_pos == n)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "only one class present in y_true (%zu of %zu rows are label %d): "
                          "the AUROC is undefined",
                          n_pos, n, (int)positive_label);
    curve_ws w;
    if (curve_ws_alloc(&w, n) != GENRE_OK)
        return GENRE_PASS(GENRE_E_NOMEM);
    for (size_t i = 0; i < n; i++) {
        w.items[i].s = scores[i * score_stride];
        w.items[i].pos = y_true[i] == positive_label;
    }
    *out = auc_of(&w, n);
    curve_ws_free(&w);
    return GENRE_OK;
}

/* Per-class AUCs into out[n_classes]; counts[k] receives class sizes. */
static genre_status per_class(const char *func, const int32_t *y_true, const double *proba,
                              size_t n_rows, size_t n_classes, size_t row_stride,
                              double *out, size_t *counts)
{
    memset(counts, 0, n_classes * sizeof *counts);
    for (size_t i = 0; i < n_rows; i++)
        counts[y_true[i]]++;
    for (size_t k = 0; k < n_classes; k++)
        if (counts[k] == 0 || counts[k] == n_rows)
            return genre__fail(GENRE_E_INVALID_ARG, func,
                               "class %zu has %zu of %zu rows: its one-vs-rest AUROC is "
                               "undefined",
                               k, counts[k], n_rows);
    curve_ws w;
    if (curve_ws_alloc(&w, n_rows) != GENRE_OK)
        return GENRE_E_NOMEM;
    for (size_t k = 0; k < n_classes; k++) {
        for (size_t i = 0; i < n_rows; i++) {
            w.items[i].s = proba[i * row_stride + k];
            w.items[i].pos = (size_t)y_true[i] == k;
        }
        out[k] = auc_of(&w, n_rows);
    }
    curve_ws_free(&w);
    return GENRE_OK;
}

genre_status genre_metrics_roc_auc_per_class(const int32_t *y_true, const double *proba,
                                             size_t n_rows, size_t n_classes,
                                             size_t row_stride, double *out, size_t cap,
                                             size_t *needed)
{
    genre_status st =
        check_proba_args(__func__, y_true, proba, n_rows, n_classes, row_stride);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (needed)
        *needed = n_classes;
    if (!out || cap < n_classes)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL, "needs %zu values, capacity %zu",
                          n_classes, out ? cap : 0);
    size_t *counts = genre__alloc_array(n_classes, sizeof *counts);
    if (!counts)
        return GENRE_PASS(GENRE_E_NOMEM);
    st = per_class(__func__, y_true, proba, n_rows, n_classes, row_stride, out, counts);
    genre__free(counts);
    return GENRE_PASS(st);
}

genre_status genre_metrics_roc_auc_ovr(const int32_t *y_true, const double *proba,
                                       size_t n_rows, size_t n_classes, size_t row_stride,
                                       int32_t average, double *out)
{
    GENRE_CHECK_NOT_NULL(out);
    if (average < GENRE_METRICS_AVERAGE_MACRO || average > GENRE_METRICS_AVERAGE_WEIGHTED)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "unknown average %d", (int)average);
    genre_status st =
        check_proba_args(__func__, y_true, proba, n_rows, n_classes, row_stride);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (average == GENRE_METRICS_AVERAGE_MICRO) {
        if (n_rows > SIZE_MAX / 4 / n_classes)
            return GENRE_FAIL(GENRE_E_INVALID_ARG, "%zu x %zu scores overflow", n_rows,
                              n_classes);
        size_t n = n_rows * n_classes;
        curve_ws w;
        if (curve_ws_alloc(&w, n) != GENRE_OK)
            return GENRE_PASS(GENRE_E_NOMEM);
        for (size_t i = 0; i < n_rows; i++)
            for (size_t j = 0; j < n_classes; j++) {
                w.items[i * n_classes + j].s = proba[i * row_stride + j];
                w.items[i * n_classes + j].pos = (size_t)y_true[i] == j;
            }
        *out = auc_of(&w, n);
        curve_ws_free(&w);
        return GENRE_OK;
    }
    double *auc = genre__alloc_array(n_classes, sizeof(double) + sizeof(size_t));
    if (!auc)
        return GENRE_PASS(GENRE_E_NOMEM);
    size_t *counts = (size_t *)(void *)(auc + n_classes);
    st = per_class(__func__, y_true, proba, n_rows, n_classes, row_stride, auc, counts);
    if (st == GENRE_OK) {
        double s = 0.0;
        for (size_t k = 0; k < n_classes; k++)
            s += average == GENRE_METRICS_AVERAGE_MACRO
                     ? auc[k]
                     : auc[k] * (double)counts[k];
        *out = s / (double)(average == GENRE_METRICS_AVERAGE_MACRO ? n_classes : n_rows);
    }
    genre__free(auc);
    return GENRE_PASS(st);
}

/* ---- Paired bootstrap of a macro AUROC difference ------------------------- */

typedef struct boot_item {
    double s;
    uint32_t row;
} boot_item;

static int by_score_asc(const void *a, const void *b)
{
    const boot_item *x = a, *y = b;
    if (x->s != y->s)
        return (x->s > y->s) - (x->s < y->s);
    return (x->row > y->row) - (x->row < y->row);
}

/* Weighted Mann-Whitney AUC of class k from rows sorted ascending by score
 * (ord) with tie-group ends (gend): ties count one half. */
static double weighted_auc(const uint32_t *ord, const uint8_t *gend, size_t n,
                           const int32_t *y, int32_t k, const double *w, double wpos,
                           double wneg)
{
    double below = 0, num = 0, gp = 0, gn = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = ord[i];
        double wi = w[r];
        if (y[r] == k)
            gp += wi;
        else
            gn += wi;
        if (gend[i]) {
            num += gp * (below + 0.5 * gn);
            below += gn;
            gp = gn = 0;
        }
    }
    return num / (wpos * wneg);
}

/* Macro mean over the classes with both positive and negative weight. */
static double weighted_macro(const uint32_t *ord, const uint8_t *gend, size_t n,
                             size_t n_classes, const int32_t *y, const double *w,
                             const double *wcls, double total)
{
    double s = 0;
    size_t used = 0;
    for (size_t k = 0; k < n_classes; k++) {
        double wp = wcls[k], wn = total - wp;
        if (wp <= 0 || wn <= 0)
            continue;
        s += weighted_auc(ord + k * n, gend + k * n, n, y, (int32_t)k, w, wp, wn);
        used++;
    }
    return used ? s / (double)used : NAN;
}

static double quantile_sorted(const double *v, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    if (i + 1 >= n)
        return v[n - 1];
    double f = pos - (double)i;
    return v[i] + f * (v[i + 1] - v[i]);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

genre_status genre_metrics_roc_auc_bootstrap_diff(const int32_t *y_true, const double *proba_a,
                                                  size_t stride_a, const double *proba_b,
                                                  size_t stride_b, size_t n_rows,
                                                  size_t n_classes, int64_t n_resamples,
                                                  uint64_t seed, double level, double *diff,
                                                  double *lo, double *hi)
{
    genre_status st = check_proba_args(__func__, y_true, proba_a, n_rows, n_classes, stride_a);
    if (st == GENRE_OK)
        st = check_proba_args(__func__, y_true, proba_b, n_rows, n_classes, stride_b);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (n_resamples < 1 || n_resamples > 10000000)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "n_resamples must be in [1, 10^7], got %lld",
                          (long long)n_resamples);
    if (!(level > 0 && level < 1))
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "level must be in (0, 1), got %g", level);
    if (n_rows > UINT32_MAX || n_classes > SIZE_MAX / 2 / n_rows)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "%zu rows x %zu classes is too large", n_rows,
                          n_classes);
    size_t nk = n_rows * n_classes;
    uint32_t *ord = genre__alloc_array(2 * nk, sizeof *ord);
    uint8_t *gend = genre__alloc_array(2 * nk, 1);
    boot_item *items = genre__alloc_array(n_rows, sizeof *items);
    double *w = genre__alloc_array(n_rows, sizeof *w);
    double *wcls = genre__calloc_array(n_classes, sizeof *wcls);
    double *d = genre__alloc_array((size_t)n_resamples, sizeof *d);
    if (!ord || !gend || !items || !w || !wcls || !d) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < n_rows; i++)
        wcls[y_true[i]] += 1;
    for (size_t k = 0; k < n_classes; k++)
        if (wcls[k] == 0) {
            st = GENRE_FAIL(GENRE_E_INVALID_ARG,
                            "class %zu has no row in y_true: its AUROC is undefined", k);
            goto done;
        }
    for (int m = 0; m < 2; m++) {
        const double *p = m ? proba_b : proba_a;
        size_t stride = m ? stride_b : stride_a;
        for (size_t k = 0; k < n_classes; k++) {
            for (size_t i = 0; i < n_rows; i++) {
                items[i].s = p[i * stride + k];
                items[i].row = (uint32_t)i;
            }
            qsort(items, n_rows, sizeof *items, by_score_asc);
            uint32_t *o = ord + (size_t)m * nk + k * n_rows;
            uint8_t *g = gend + (size_t)m * nk + k * n_rows;
            for (size_t i = 0; i < n_rows; i++) {
                o[i] = items[i].row;
                g[i] = (uint8_t)(i + 1 == n_rows || items[i + 1].s != items[i].s);
            }
        }
    }
    for (size_t i = 0; i < n_rows; i++)
        w[i] = 1;
    double total = (double)n_rows;
    double full = weighted_macro(ord, gend, n_rows, n_classes, y_true, w, wcls, total) -
                  weighted_macro(ord + nk, gend + nk, n_rows, n_classes, y_true, w, wcls, total);
    genre__rng rng;
    genre__rng_init(&rng, seed, 0);
    size_t kept = 0;
    for (int64_t b = 0; b < n_resamples; b++) {
        memset(w, 0, n_rows * sizeof *w);
        memset(wcls, 0, n_classes * sizeof *wcls);
        for (size_t i = 0; i < n_rows; i++) {
            uint64_t r = genre__rng_bounded(&rng, n_rows);
            w[r] += 1;
            wcls[y_true[r]] += 1;
        }
        double v = weighted_macro(ord, gend, n_rows, n_classes, y_true, w, wcls, total) -
                   weighted_macro(ord + nk, gend + nk, n_rows, n_classes, y_true, w, wcls,
                                  total);
        if (isfinite(v))
            d[kept++] = v;
    }
    qsort(d, kept, sizeof *d, cmp_double);
    if (diff)
        *diff = full;
    if (lo)
        *lo = kept ? quantile_sorted(d, kept, (1 - level) / 2) : NAN;
    if (hi)
        *hi = kept ? quantile_sorted(d, kept, 1 - (1 - level) / 2) : NAN;
    st = GENRE_OK;
done:
    genre__free(ord);
    genre__free(gend);
    genre__free(items);
    genre__free(w);
    genre__free(wcls);
    genre__free(d);
    return GENRE_PASS(st);
}
