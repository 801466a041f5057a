/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Streamed test scores for exact metrics (genre/metrics.h, "Partial fits").
 * The state keeps every row's label and scores (exactness needs them) and
 * answers through the in-memory metrics, so the results are their bits. */
#include <genre/metrics.h>
#include <genre/model.h>

#include "alloc.h"
#include "error_private.h"
#include "model_file.h"

#include <math.h>
#include <string.h>

/* Payload v1 records (docs/partial-fits.md), K classes, n rows:
 *   1 n_classes i64 (2 .. 65536), 2 n_rows i64 (>= 0),
 *   3 hits i64 (0 .. n_rows: rows whose predicted label was the true one),
 *   4 labels i32[n] (in [0, K)), 5 scores f64[n*K] (row-major, finite). */
#define PAYLOAD_VERSION 1u
#define TAG_N_CLASSES 1u
#define TAG_N_ROWS 2u
#define TAG_HITS 3u
#define TAG_LABELS 4u
#define TAG_SCORES 5u

#define MAX_CLASSES 65536

struct genre_metrics_partial {
    size_t K, n, cap;
    int64_t hits;
    int32_t *labels; /* cap */
    double *scores;  /* cap x K */
};

genre_status genre_metrics_partial_create(genre_metrics_partial **out, size_t n_classes)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    if (n_classes < 2 || n_classes > MAX_CLASSES)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "n_classes is %zu; it must be in [2, %d]",
                          n_classes, MAX_CLASSES);
    genre_metrics_partial *p = GENRE_NEW(genre_metrics_partial);
    if (!p)
        return GENRE_PASS(GENRE_E_NOMEM);
    p->K = n_classes;
    *out = p;
    return GENRE_OK;
}

void genre_metrics_partial_free(genre_metrics_partial *p)
{
    if (!p)
        return;
    genre__free(p->labels);
    genre__free(p->scores);
    genre__free(p);
}

/* Room for `more` rows after the n held (capacity doubles); GENRE_E_NOMEM
 * or GENRE_E_INVALID_ARG (too many rows to address) leave p as it was. */
static genre_status reserve(genre_metrics_partial *p, const char *func, size_t more)
{
    /* the micro AUROC sorts n K (score, flag) pairs: keep n K * 16 addressable */
    const size_t max_rows = SIZE_MAX / 16 / p->K;
    if (more > max_rows - p->n)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "%zu + %zu rows of %zu scores are too many to hold", p->n, more,
                           p->K);
    size_t need = p->n + more;
    if (need <= p->cap)
        return GENRE_OK;
    size_t cap = p->cap < 1024 ? 1024 : p->cap;
    while (cap < need)
        cap = cap > max_rows / 2 ? max_rows : 2 * cap;
    if (genre__realloc_array(&p->labels, cap, sizeof(int32_t)) != 0 ||
        genre__realloc_array(&p->scores, cap, p->K * sizeof(double)) != 0)
        return GENRE_E_NOMEM; /* a grown labels array alone is harmless */
    p->cap = cap;
    return GENRE_OK;
}

static genre_status check_labels(const char *func, const char *name, const int32_t *y,
                                 size_t n, size_t K)
{
    for (size_t i = 0; i < n; i++)
        if (y[i] < 0 || (size_t)y[i] >= K)
            return genre__fail(GENRE_E_INVALID_ARG, func, "%s[%zu] = %d is outside [0, %zu)",
                               name, i, (int)y[i], K);
    return GENRE_OK;
}

genre_status genre_metrics_partial_add(genre_metrics_partial *p, const double *scores,
                                       size_t n_rows, size_t n_classes, size_t row_stride,
                                       const int32_t *y_true, const int32_t *y_pred)
{
    GENRE_CHECK_NOT_NULL(p);
    GENRE_CHECK_NOT_NULL(scores);
    GENRE_CHECK_NOT_NULL(y_true);
    if (n_rows == 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "no rows");
    if (n_classes != p->K)
        return GENRE_FAIL(GENRE_E_SHAPE, "the scores have %zu classes but the state has %zu",
                          n_classes, p->K);
    if (row_stride < n_classes)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "row stride %zu is less than the %zu classes",
                          row_stride, n_classes);
    genre_status st = check_labels(__func__, "y_true", y_true, n_rows, p->K);
    if (st == GENRE_OK && y_pred)
        st = check_labels(__func__, "y_pred", y_pred, n_rows, p->K);
    for (size_t i = 0; i < n_rows && st == GENRE_OK; i++)
        for (size_t j = 0; j < n_classes; j++)
            if (!isfinite(scores[i * row_stride + j])) {
                st = GENRE_FAIL(GENRE_E_NONFINITE, "score at row %zu, column %zu is %g", i, j,
                                scores[i * row_stride + j]);
                break;
            }
    if (st == GENRE_OK)
        st = reserve(p, __func__, n_rows);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    const size_t K = p->K;
    int64_t hits = 0;
    for (size_t i = 0; i < n_rows; i++) {
        const double *row = scores + i * row_stride;
        size_t pred = 0;
        if (y_pred)
            pred = (size_t)y_pred[i];
        else
            for (size_t j = 1; j < K; j++)
                pred = row[j] > row[pred] ? j : pred;
        hits += pred == (size_t)y_true[i];
        p->labels[p->n + i] = y_true[i];
        memcpy(p->scores + (p->n + i) * K, row, K * sizeof(double));
    }
    p->n += n_rows;
    p->hits += hits;
    return GENRE_OK;
}

genre_status genre_metrics_partial_merge(genre_metrics_partial *into,
                                         const genre_metrics_partial *from)
{
    GENRE_CHECK_NOT_NULL(into);
    GENRE_CHECK_NOT_NULL(from);
    if (into == from)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "into and from are the same state");
    if (into->K != from->K)
        return GENRE_FAIL(GENRE_E_SHAPE,
                          "the states have different class counts: into has %zu, from %zu",
                          into->K, from->K);
    if (from->n == 0)
        return GENRE_OK;
    genre_status st = reserve(into, __func__, from->n);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    memcpy(into->labels + into->n, from->labels, from->n * sizeof(int32_t));
    memcpy(into->scores + into->n * into->K, from->scores, from->n * from->K * sizeof(double));
    into->n += from->n;
    into->hits += from->hits;
    return GENRE_OK;
}

genre_status genre_metrics_partial_n_rows(const genre_metrics_partial *p, int64_t *out)
{
    GENRE_CHECK_NOT_NULL(p);
    GENRE_CHECK_NOT_NULL(out);
    *out = (int64_t)p->n;
    return GENRE_OK;
}

static genre_status has_rows(const genre_metrics_partial *p, const char *func)
{
    if (p == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 'p' is NULL");
    if (p->n == 0)
        return genre__fail(GENRE_E_INVALID_ARG, func, "the state holds no rows");
    return GENRE_OK;
}

genre_status genre_metrics_partial_accuracy(const genre_metrics_partial *p, double *out)
{
    GENRE_CHECK_NOT_NULL(out);
    genre_status st = has_rows(p, __func__);
    if (st == GENRE_OK)
        *out = (double)p->hits / (double)p->n; /* genre_metrics_accuracy's division */
    return st;
}

genre_status genre_metrics_partial_roc_auc_ovr(const genre_metrics_partial *p, int32_t average,
                                               double *out)
{
    GENRE_CHECK_NOT_NULL(out);
    genre_status st = has_rows(p, __func__);
    if (st != GENRE_OK)
        return st;
    return GENRE_PASS(
        genre_metrics_roc_auc_ovr(p->labels, p->scores, p->n, p->K, p->K, average, out));
}

genre_status genre_metrics_partial_roc_auc_per_class(const genre_metrics_partial *p,
                                                     double *out, size_t cap, size_t *needed)
{
    genre_status st = has_rows(p, __func__);
    if (st != GENRE_OK)
        return st;
    return GENRE_PASS(genre_metrics_roc_auc_per_class(p->labels, p->scores, p->n, p->K, p->K,
                                                      out, cap, needed));
}

/* ---- Persistence --------------------------------------------------------- */

static genre_status write_state(const void *state, genre__mf_writer *w)
{
    const genre_metrics_partial *p = state;
    genre__mf_put_i64(w, TAG_N_CLASSES, (int64_t)p->K);
    genre__mf_put_i64(w, TAG_N_ROWS, (int64_t)p->n);
    genre__mf_put_i64(w, TAG_HITS, p->hits);
    genre__mf_put_i32_array(w, TAG_LABELS, p->labels, p->n);
    return genre__mf_put_f64_array(w, TAG_SCORES, p->scores, p->n * p->K);
}

static genre_status read_state(const genre__mf_reader *r, void *dest, const char *func)
{
    genre_metrics_partial **out = dest;
    *out = NULL;
    if (r == NULL)
        return GENRE_OK;
    int64_t K64, n64, hits;
    genre_status st;
    if ((st = genre__mf_get_i64(r, TAG_N_CLASSES, &K64)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_ROWS, &n64)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_HITS, &hits)) != GENRE_OK)
        return st;
    if (K64 < 2 || K64 > MAX_CLASSES || n64 < 0 || hits < 0 || hits > n64)
        return genre__fail(GENRE_E_CORRUPT, func,
                           "inconsistent metrics partial state: n_classes %lld, n_rows %lld, "
                           "hits %lld",
                           (long long)K64, (long long)n64, (long long)hits);
    /* n is bounded by the labels record, so n K (K <= 2^16) cannot wrap */
    if ((st = genre__mf_expect_count(r, func, TAG_LABELS, GENRE__MF_I32_ARRAY, "labels",
                                     (uint64_t)n64)) != GENRE_OK ||
        (st = genre__mf_expect_count(r, func, TAG_SCORES, GENRE__MF_F64_ARRAY, "scores",
                                     (uint64_t)n64 * (uint64_t)K64)) != GENRE_OK)
        return st;
    genre_metrics_partial *p;
    if ((st = genre_metrics_partial_create(&p, (size_t)K64)) != GENRE_OK)
        return st;
    const size_t n = (size_t)n64, K = (size_t)K64;
    /* exactly n rows (a reserve could double): memory follows the file */
    p->labels = genre__alloc_array(n ? n : 1, sizeof(int32_t));
    p->scores = p->labels ? genre__alloc_array(n ? n : 1, K * sizeof(double)) : NULL;
    if (!p->scores) {
        st = GENRE_E_NOMEM;
        goto fail;
    }
    p->cap = n ? n : 1;
    if ((st = genre__mf_get_i32_array(r, TAG_LABELS, p->labels, n)) != GENRE_OK ||
        (st = genre__mf_get_f64_array(r, TAG_SCORES, p->scores, n * K)) != GENRE_OK)
        goto fail;
    for (size_t i = 0; i < n; i++)
        if (p->labels[i] < 0 || (size_t)p->labels[i] >= K) {
            st = genre__fail(GENRE_E_CORRUPT, func,
                             "metrics partial state: label %d of row %zu is outside [0, %zu)",
                             (int)p->labels[i], i, K);
            goto fail;
        }
    for (size_t i = 0; i < n * K; i++)
        if (!isfinite(p->scores[i])) {
            st = genre__fail(GENRE_E_CORRUPT, func,
                             "metrics partial state: a non-finite score at row %zu", i / K);
            goto fail;
        }
    p->n = n;
    p->hits = hits;
    *out = p;
    return GENRE_OK;
fail:
    genre_metrics_partial_free(p);
    return st;
}

static const genre__mf_codec codec = {GENRE_MODEL_METRICS_PARTIAL, PAYLOAD_VERSION,
                                      "metrics partial state", write_state, read_state};

genre_status genre_metrics_partial_save_to_memory(const genre_metrics_partial *p, void *buf,
                                                  size_t cap, size_t *needed)
{
    GENRE_CHECK_NOT_NULL(p);
    return GENRE_PASS(genre__mf_save_memory(__func__, p, buf, cap, needed, &codec));
}

genre_status genre_metrics_partial_load_from_memory(genre_metrics_partial **out, const void *buf,
                                                    size_t len)
{
    return genre__mf_load_memory(__func__, out, buf, len, &codec);
}
