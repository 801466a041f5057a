/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A streamed Lloyd pass (genre/kmeans.h, "Partial fits"): the partial
 * state, its chunks (assigned by the in-memory fit's own assignment step,
 * kmeans_lloyd.c), merge, save/load, and the update genre_kmeans_fit_partial.
 *
 * What a pass must keep to give the in-memory update exactly:
 * - per-center sums (compensated: Neumaier's pair per value) and counts;
 * - the k rows farthest from their centers, with their row numbers in the
 *   pass, sorted by distance (descending) then row (ascending): the empty
 *   clusters of the in-memory update take exactly these, in this order;
 * - per-column count / mean / M2 (Chan's merge), for the relative tolerance.
 */
#include "kmeans_private.h"

#include <genre/model.h>

#include "alloc.h"
#include "caller_buffer.h"
#include "error_private.h"
#include "le_bytes.h"
#include "linalg.h"
#include "model_file.h"
#include "parallel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Payload v1 records (docs/model-file-format.md), d columns, k centers,
 * m <= k farthest rows:
 *   1 n_features i64, 2 n_clusters i64, 3 distance kernel i64, 4 rows i64,
 *   5 centers f64[k*d], 6 sums f64[k*d], 7 their compensations f64[k*d],
 *   8 counts f64[k] (integers), 9 inertia f64, 10 its compensation f64,
 *   11 column means f64[d], 12 column M2 f64[d], 13 farthest distances
 *   f64[m], 14 their row numbers bytes[8m] (u64 little-endian),
 *   15 farthest rows f64[m*d]. */
#define KP_PAYLOAD_VERSION 1u
enum {
    TAG_D = 1,
    TAG_K,
    TAG_KERNEL,
    TAG_ROWS,
    TAG_CENTERS,
    TAG_SUMS,
    TAG_SUMS_C,
    TAG_COUNTS,
    TAG_INERTIA,
    TAG_INERTIA_C,
    TAG_COL_MEAN,
    TAG_COL_M2,
    TAG_FAR_D,
    TAG_FAR_I,
    TAG_FAR_X
};

struct genre_kmeans_partial {
    size_t d, k;
    int64_t kernel, n_threads;
    uint64_t n;             /* rows added */
    double inertia, inertia_c;
    double *centers;        /* k x d: the centers rows are assigned to */
    double *sums, *sums_c;  /* k x d */
    double *small;          /* counts, far_d, col_mean, col_m2 point into it */
    double *counts;         /* k (whole numbers) */
    double *col_mean, *col_m2; /* d */
    size_t n_far;           /* <= k */
    double *far_d;          /* k */
    double *far_x;          /* k x d */
    uint64_t *far_i;        /* k */
};

/* Neumaier's compensated s += v (c holds the lost low part). */
static inline void comp_add(double *s, double *c, double v)
{
    const double t = *s + v;
    if (fabs(*s) >= fabs(v))
        *c += (*s - t) + v;
    else
        *c += (v - t) + *s;
    *s = t;
}

void genre_kmeans_partial_free(genre_kmeans_partial *p)
{
    if (!p)
        return;
    genre__free(p->centers);
    genre__free(p->sums);
    genre__free(p->sums_c);
    genre__free(p->far_x);
    genre__free(p->small);
    genre__free(p->far_i);
    genre__free(p);
}

/* An empty state of k centers of d columns (centers left to the caller).
 * Separate k x d arrays: a loader's largest allocation is then one array
 * the file itself holds. */
static genre_status partial_new(size_t d, size_t k, genre_kmeans_partial **out)
{
    *out = NULL;
    if (k > SIZE_MAX / sizeof(double) / d || k > (SIZE_MAX / sizeof(double) - 2 * d) / 2)
        return GENRE_E_NOMEM;
    const size_t kd = k * d;
    genre_kmeans_partial *p = GENRE_NEW(genre_kmeans_partial);
    if (!p)
        return GENRE_E_NOMEM;
    p->centers = genre__calloc_array(kd, sizeof(double));
    p->sums = p->centers ? genre__calloc_array(kd, sizeof(double)) : NULL;
    p->sums_c = p->sums ? genre__calloc_array(kd, sizeof(double)) : NULL;
    p->far_x = p->sums_c ? genre__calloc_array(kd, sizeof(double)) : NULL;
    p->small = p->far_x ? genre__calloc_array(2 * k + 2 * d, sizeof(double)) : NULL;
    p->far_i = p->small ? genre__calloc_array(k, sizeof(uint64_t)) : NULL;
    if (!p->far_i) {
        genre_kmeans_partial_free(p);
        return GENRE_E_NOMEM;
    }
    p->d = d;
    p->k = k;
    p->counts = p->small;
    p->far_d = p->counts + k;
    p->col_mean = p->far_d + k;
    p->col_m2 = p->col_mean + d;
    *out = p;
    return GENRE_OK;
}

genre_status genre_kmeans_partial_create(genre_kmeans_partial **out, size_t n_cols,
                                         const double *centers, size_t n_clusters)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    if (n_clusters == 0 || n_clusters > INT32_MAX)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "n_clusters = %zu is outside [1, 2^31 - 1]",
                          n_clusters);
    genre_status st = genre__check_matrix(__func__, "centers", centers, n_clusters, n_cols,
                                          n_cols, 1);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    genre_kmeans_partial *p;
    if ((st = partial_new(n_cols, n_clusters, &p)) != GENRE_OK)
        return GENRE_PASS(st);
    memcpy(p->centers, centers, n_clusters * n_cols * sizeof(double));
    p->kernel = GENRE_KMEANS_KERNEL_AUTO;
    *out = p;
    return GENRE_OK;
}

genre_status genre_kmeans_partial_create_from_model(genre_kmeans_partial **out,
                                                    const genre_kmeans *km)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(km);
    size_t k, d;
    const double *c = genre__kmeans_centers(km, &k, &d);
    if (!c)
        return GENRE_FAIL(GENRE_E_BAD_STATE,
                          "the k-means has no centers: fit it or initialise it "
                          "(genre_kmeans_init_from_sample)");
    int64_t kernel = 0, threads = 0;
    genre_kmeans_get_i64(km, GENRE_KMEANS_DISTANCE_KERNEL, &kernel);
    genre_kmeans_get_i64(km, GENRE_KMEANS_N_THREADS, &threads);
    genre_kmeans_partial *p;
    genre_status st = partial_new(d, k, &p);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    memcpy(p->centers, c, k * d * sizeof(double));
    p->kernel = kernel;
    p->n_threads = threads;
    *out = p;
    return GENRE_OK;
}

/* Offers row `row` (distance dist > 0, values x) to the farthest list. */
static void far_offer(genre_kmeans_partial *p, double dist, uint64_t row, const double *x)
{
    if (!(dist > 0.0))
        return; /* a row on its center is never taken (the in-memory rule) */
    size_t pos = p->n_far;
    /* rows arrive in ascending order, so a tie goes after the earlier rows */
    while (pos > 0 && p->far_d[pos - 1] < dist)
        pos--;
    if (pos == p->k)
        return;
    const size_t last = p->n_far < p->k ? p->n_far : p->k - 1;
    const size_t d = p->d;
    memmove(p->far_d + pos + 1, p->far_d + pos, (last - pos) * sizeof(double));
    memmove(p->far_i + pos + 1, p->far_i + pos, (last - pos) * sizeof(uint64_t));
    memmove(p->far_x + (pos + 1) * d, p->far_x + pos * d, (last - pos) * d * sizeof(double));
    p->far_d[pos] = dist;
    p->far_i[pos] = row;
    memcpy(p->far_x + pos * d, x, d * sizeof(double));
    if (p->n_far < p->k)
        p->n_far++;
}

/* Chan's merge of (n_b, mean_b, m2_b) into (n_a, mean_a, m2_a), per column. */
static void chan_merge(size_t d, uint64_t n_a, double *mean_a, double *m2_a, uint64_t n_b,
                       const double *mean_b, const double *m2_b)
{
    if (n_b == 0)
        return;
    if (n_a == 0) {
        memcpy(mean_a, mean_b, d * sizeof(double));
        memcpy(m2_a, m2_b, d * sizeof(double));
        return;
    }
    const double na = (double)n_a, nb = (double)n_b, n = na + nb;
    for (size_t t = 0; t < d; t++) {
        const double delta = mean_b[t] - mean_a[t];
        mean_a[t] += delta * (nb / n);
        m2_a[t] += m2_b[t] + delta * delta * (na * nb / n);
    }
}

genre_status genre_kmeans_partial_add(genre_kmeans_partial *p, const double *x, size_t n_rows,
                                      size_t n_cols, size_t row_stride)
{
    GENRE_CHECK_NOT_NULL(p);
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride, 1);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (n_cols != p->d)
        return GENRE_FAIL(GENRE_E_SHAPE, "x has %zu columns but the partial pass has %zu",
                          n_cols, p->d);
    const int T = genre__resolve_threads(p->n_threads);
    if (T < 0)
        return GENRE_PASS(T);
    const size_t d = p->d, k = p->k;
    genre__kmeans_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.kernel = p->kernel;
    fit_ws w;
    fit_ws_init(&w, x, n_rows, d, row_stride, k, T);
    w.use_cblas = genre__kmeans_use_cblas(&cfg, d);
    double *stats = NULL;
    if ((st = genre__kmeans_assign_ws_alloc(&w)) == GENRE_OK &&
        (stats = genre__alloc_array(2 * d, sizeof(double))) == NULL)
        st = GENRE_E_NOMEM;
    double obj = 0.0;
    size_t changed;
    if (st == GENRE_OK) {
        for (size_t i = 0; i < n_rows; i++)
            w.lab[i] = -1;
        st = genre__kmeans_assign(&w, p->centers, 1, &obj, &changed);
    }
    if (st != GENRE_OK) {
        genre__free(stats);
        genre__kmeans_ws_free(&w);
        return GENRE_PASS(st);
    }
    /* the chunk's column means and M2, as the in-memory fit has them */
    double *mean = stats, *m2 = stats + d;
    genre__kmeans_column_moments(x, n_rows, d, row_stride, mean, m2);
    int finite = isfinite(obj);
    for (size_t t = 0; t < d; t++)
        finite &= isfinite(m2[t]);
    for (size_t q = 0; q < k * d; q++)
        finite &= isfinite(w.sums[q]);
    if (!finite) {
        genre__free(stats);
        genre__kmeans_ws_free(&w);
        return GENRE_FAIL(GENRE_E_NUMERIC, "the sums or squared distances of x overflow "
                                           "(values too large)");
    }
    /* commit: nothing fails from here */
    for (size_t q = 0; q < k * d; q++)
        comp_add(&p->sums[q], &p->sums_c[q], w.sums[q]);
    for (size_t j = 0; j < k; j++)
        p->counts[j] += w.counts[j];
    comp_add(&p->inertia, &p->inertia_c, obj);
    chan_merge(d, p->n, p->col_mean, p->col_m2, n_rows, mean, m2);
    for (size_t i = 0; i < n_rows; i++)
        far_offer(p, w.mind[i], p->n + i, x + i * row_stride);
    p->n += n_rows;
    genre__free(stats);
    genre__kmeans_ws_free(&w);
    return GENRE_OK;
}

genre_status genre_kmeans_partial_merge(genre_kmeans_partial *into,
                                        const genre_kmeans_partial *from)
{
    GENRE_CHECK_NOT_NULL(into);
    GENRE_CHECK_NOT_NULL(from);
    if (into == from)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "into and from are the same state (a pass cannot hold its rows "
                          "twice)");
    if (into->d != from->d || into->k != from->k)
        return GENRE_FAIL(GENRE_E_SHAPE,
                          "into has %zu clusters of %zu columns, from has %zu of %zu",
                          into->k, into->d, from->k, from->d);
    if (memcmp(into->centers, from->centers, into->k * into->d * sizeof(double)) != 0)
        return GENRE_FAIL(GENRE_E_BAD_STATE,
                          "into and from assign to different centers: they are not partial "
                          "states of the same pass");
    if (from->n > UINT64_MAX - into->n)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "the merged pass would count more than 2^64 "
                                               "rows");
    const size_t d = into->d, k = into->k;
    for (size_t q = 0; q < k * d; q++) {
        comp_add(&into->sums[q], &into->sums_c[q], from->sums[q]);
        into->sums_c[q] += from->sums_c[q];
    }
    for (size_t j = 0; j < k; j++)
        into->counts[j] += from->counts[j];
    comp_add(&into->inertia, &into->inertia_c, from->inertia);
    into->inertia_c += from->inertia_c;
    chan_merge(d, into->n, into->col_mean, into->col_m2, from->n, from->col_mean,
               from->col_m2);
    for (size_t s = 0; s < from->n_far; s++)
        far_offer(into, from->far_d[s], into->n + from->far_i[s], from->far_x + s * d);
    into->n += from->n;
    return GENRE_OK;
}

genre_status genre_kmeans_fit_partial(genre_kmeans *km, const genre_kmeans_partial *p)
{
    GENRE_CHECK_NOT_NULL(km);
    GENRE_CHECK_NOT_NULL(p);
    const size_t d = p->d, k = p->k;
    if (p->n < k)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "the pass holds %llu row(s), fewer than its %zu clusters",
                          (unsigned long long)p->n, k);
    double var_sum = 0.0;
    for (size_t t = 0; t < d; t++)
        var_sum += p->col_m2[t] / (double)p->n;
    if (!isfinite(var_sum))
        return GENRE_FAIL(GENRE_E_NUMERIC,
                          "the column variances of the pass overflow (values too large)");
    double tol = 0.0;
    genre_kmeans_get_f64(km, GENRE_KMEANS_TOL, &tol);
    const double tol_abs = tol * var_sum / (double)d;
    double *c = genre__alloc_array(k * d, sizeof(double));
    if (!c)
        return GENRE_PASS(GENRE_E_NOMEM);
    size_t next_far = 0;
    for (size_t j = 0; j < k; j++) {
        double *cj = c + j * d;
        if (p->counts[j] > 0) {
            for (size_t t = 0; t < d; t++)
                cj[t] = (p->sums[j * d + t] + p->sums_c[j * d + t]) / p->counts[j];
        } else if (next_far < p->n_far) {
            memcpy(cj, p->far_x + next_far * d, d * sizeof(double));
            next_far++;
        } else {
            memcpy(cj, p->centers + j * d, d * sizeof(double));
        }
    }
    double shift = 0.0;
    for (size_t q = 0; q < k * d; q++) {
        double dl = c[q] - p->centers[q];
        shift += dl * dl;
    }
    genre__kmeans_install_pass(km, c, k, d, p->n, p->inertia + p->inertia_c, shift,
                               shift <= tol_abs);
    return GENRE_OK;
}

/* ---- Save and load -------------------------------------------------------- */

static genre_status write_state(const void *state, genre__mf_writer *w)
{
    const genre_kmeans_partial *p = state;
    const size_t d = p->d, k = p->k, m = p->n_far;
    genre__mf_put_i64(w, TAG_D, (int64_t)d);
    genre__mf_put_i64(w, TAG_K, (int64_t)k);
    genre__mf_put_i64(w, TAG_KERNEL, p->kernel);
    genre__mf_put_i64(w, TAG_ROWS, (int64_t)p->n);
    genre__mf_put_f64_array(w, TAG_CENTERS, p->centers, k * d);
    genre__mf_put_f64_array(w, TAG_SUMS, p->sums, k * d);
    genre__mf_put_f64_array(w, TAG_SUMS_C, p->sums_c, k * d);
    genre__mf_put_f64_array(w, TAG_COUNTS, p->counts, k);
    genre__mf_put_f64(w, TAG_INERTIA, p->inertia);
    genre__mf_put_f64(w, TAG_INERTIA_C, p->inertia_c);
    genre__mf_put_f64_array(w, TAG_COL_MEAN, p->col_mean, d);
    genre__mf_put_f64_array(w, TAG_COL_M2, p->col_m2, d);
    genre__mf_put_f64_array(w, TAG_FAR_D, p->far_d, m);
    unsigned char *b = genre__alloc_array(m ? m : 1, 8);
    if (!b)
        return GENRE_E_NOMEM;
    for (size_t s = 0; s < m; s++)
        genre__le64_store(b + 8 * s, p->far_i[s]);
    genre__mf_put_bytes(w, TAG_FAR_I, b, 8 * m);
    genre__free(b);
    return genre__mf_put_f64_array(w, TAG_FAR_X, p->far_x, m * d);
}

#define CORRUPT(...) genre__fail(GENRE_E_CORRUPT, func, __VA_ARGS__)

/* Everything a valid state satisfies, once its arrays are read. */
static genre_status check_state(const genre_kmeans_partial *p, const char *func)
{
    const size_t d = p->d, k = p->k;
    uint64_t total = 0;
    for (size_t q = 0; q < k * d; q++)
        if (!isfinite(p->centers[q]) || !isfinite(p->sums[q]) || !isfinite(p->sums_c[q]))
            return CORRUPT("center or sum value %zu is not finite", q);
    for (size_t j = 0; j < k; j++) {
        const double c = p->counts[j];
        if (!(c >= 0 && c <= 9007199254740992.0 && c == floor(c)))
            return CORRUPT("count of cluster %zu is %g", j, c);
        total += (uint64_t)c;
    }
    if (total != p->n)
        return CORRUPT("the cluster counts add up to %llu, the pass holds %llu rows",
                       (unsigned long long)total, (unsigned long long)p->n);
    if (!(p->inertia >= 0 && isfinite(p->inertia) && isfinite(p->inertia_c)))
        return CORRUPT("inertia %g (compensation %g)", p->inertia, p->inertia_c);
    for (size_t t = 0; t < d; t++)
        if (!isfinite(p->col_mean[t]) || !(p->col_m2[t] >= 0 && isfinite(p->col_m2[t])))
            return CORRUPT("column %zu: mean %g, M2 %g", t, p->col_mean[t], p->col_m2[t]);
    if (p->n_far > p->n)
        return CORRUPT("%zu farthest rows in a pass of %llu rows", p->n_far,
                       (unsigned long long)p->n);
    for (size_t s = 0; s < p->n_far; s++) {
        if (!(p->far_d[s] > 0 && isfinite(p->far_d[s])) || p->far_i[s] >= p->n)
            return CORRUPT("farthest row %zu: distance %g, row %llu", s, p->far_d[s],
                           (unsigned long long)p->far_i[s]);
        if (s > 0 && (p->far_d[s] > p->far_d[s - 1] ||
                      (p->far_d[s] == p->far_d[s - 1] && p->far_i[s] <= p->far_i[s - 1])))
            return CORRUPT("farthest rows %zu and %zu are out of order", s - 1, s);
        for (size_t t = 0; t < d; t++)
            if (!isfinite(p->far_x[s * d + t]))
                return CORRUPT("farthest row %zu holds %g", s, p->far_x[s * d + t]);
    }
    return GENRE_OK;
}

static genre_status read_state(const genre__mf_reader *r, void *dest, const char *func)
{
    genre_kmeans_partial **out = dest;
    *out = NULL;
    if (r == NULL)
        return GENRE_OK;
    int64_t d, k, kernel, rows;
    genre_status st;
    if ((st = genre__mf_get_i64(r, TAG_D, &d)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_K, &k)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_KERNEL, &kernel)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_ROWS, &rows)) != GENRE_OK)
        return st;
    if (d < 1 || d > INT32_MAX || k < 1 || k > INT32_MAX || rows < 0 ||
        kernel < GENRE_KMEANS_KERNEL_AUTO || kernel > GENRE_KMEANS_KERNEL_BUILTIN)
        return CORRUPT("inconsistent k-means partial pass: %lld columns, %lld clusters, "
                       "kernel %lld, %lld rows",
                       (long long)d, (long long)k, (long long)kernel, (long long)rows);
    /* the centers are stored: k x d values the payload really holds */
    if ((st = genre__mf_check_room(r, func, "n_clusters x n_features",
                                   (uint64_t)k * (uint64_t)d, sizeof(double))) != GENRE_OK)
        return st;
    const size_t kd = (size_t)k * (size_t)d;
    size_t m = 0;
    if ((st = genre__mf_expect_count(r, func, TAG_CENTERS, GENRE__MF_F64_ARRAY, "centers",
                                     kd)) != GENRE_OK ||
        (st = genre__mf_expect_count(r, func, TAG_SUMS, GENRE__MF_F64_ARRAY, "sums", kd)) !=
            GENRE_OK ||
        (st = genre__mf_expect_count(r, func, TAG_SUMS_C, GENRE__MF_F64_ARRAY,
                                     "sum compensations", kd)) != GENRE_OK ||
        (st = genre__mf_expect_count(r, func, TAG_COUNTS, GENRE__MF_F64_ARRAY, "counts",
                                     (uint64_t)k)) != GENRE_OK ||
        (st = genre__mf_expect_count(r, func, TAG_COL_MEAN, GENRE__MF_F64_ARRAY,
                                     "column means", (uint64_t)d)) != GENRE_OK ||
        (st = genre__mf_expect_count(r, func, TAG_COL_M2, GENRE__MF_F64_ARRAY, "column M2",
                                     (uint64_t)d)) != GENRE_OK ||
        (st = genre__mf_get_count(r, TAG_FAR_D, GENRE__MF_F64_ARRAY, &m)) != GENRE_OK)
        return st;
    if (m > (uint64_t)k)
        return CORRUPT("%zu farthest rows for %lld clusters", m, (long long)k);
    if ((st = genre__mf_expect_count(r, func, TAG_FAR_I, GENRE__MF_BYTES,
                                     "farthest row numbers", 8 * (uint64_t)m)) != GENRE_OK ||
        (st = genre__mf_expect_count(r, func, TAG_FAR_X, GENRE__MF_F64_ARRAY, "farthest rows",
                                     (uint64_t)m * (uint64_t)d)) != GENRE_OK)
        return st;
    genre_kmeans_partial *p;
    if ((st = partial_new((size_t)d, (size_t)k, &p)) != GENRE_OK)
        return st;
    unsigned char *b = genre__alloc_array(m ? m : 1, 8);
    if (!b) {
        genre_kmeans_partial_free(p);
        return GENRE_E_NOMEM;
    }
    p->kernel = kernel;
    p->n = (uint64_t)rows;
    p->n_far = m;
    if ((st = genre__mf_get_f64_array(r, TAG_CENTERS, p->centers, kd)) == GENRE_OK &&
        (st = genre__mf_get_f64_array(r, TAG_SUMS, p->sums, kd)) == GENRE_OK &&
        (st = genre__mf_get_f64_array(r, TAG_SUMS_C, p->sums_c, kd)) == GENRE_OK &&
        (st = genre__mf_get_f64_array(r, TAG_COUNTS, p->counts, (size_t)k)) == GENRE_OK &&
        (st = genre__mf_get_f64(r, TAG_INERTIA, &p->inertia)) == GENRE_OK &&
        (st = genre__mf_get_f64(r, TAG_INERTIA_C, &p->inertia_c)) == GENRE_OK &&
        (st = genre__mf_get_f64_array(r, TAG_COL_MEAN, p->col_mean, (size_t)d)) == GENRE_OK &&
        (st = genre__mf_get_f64_array(r, TAG_COL_M2, p->col_m2, (size_t)d)) == GENRE_OK &&
        (st = genre__mf_get_f64_array(r, TAG_FAR_D, p->far_d, m)) == GENRE_OK &&
        (st = genre__mf_get_bytes(r, TAG_FAR_I, b, 8 * m)) == GENRE_OK &&
        (st = genre__mf_get_f64_array(r, TAG_FAR_X, p->far_x, m * (size_t)d)) == GENRE_OK) {
        for (size_t s = 0; s < m; s++)
            p->far_i[s] = genre__le64_load(b + 8 * s);
        st = check_state(p, func);
    }
    genre__free(b);
    if (st != GENRE_OK) {
        genre_kmeans_partial_free(p);
        return st;
    }
    *out = p;
    return GENRE_OK;
}

static const genre__mf_codec codec = {GENRE_MODEL_KMEANS_PARTIAL, KP_PAYLOAD_VERSION,
                                      "k-means partial pass", write_state, read_state};

genre_status genre_kmeans_partial_save_to_memory(const genre_kmeans_partial *p, void *buf,
                                                 size_t cap, size_t *needed)
{
    GENRE_CHECK_NOT_NULL(p);
    return genre__mf_save_memory(__func__, p, buf, cap, needed, &codec);
}

genre_status genre_kmeans_partial_load_from_memory(genre_kmeans_partial **out, const void *buf,
                                                   size_t len)
{
    return genre__mf_load_memory(__func__, out, buf, len, &codec);
}
