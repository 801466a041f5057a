/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Mergeable moments of rows (moments.h). */
#include "moments.h"

#include "alloc.h"
#include "error_private.h"
#include "linalg.h"
#include "model_file.h"

#include <math.h>
#include <string.h>

/* Rows summed per block before adding into the totals: rounding near
 * sqrt(n) eps instead of n eps. */
#define SUM_BLOCK 128

size_t genre__moments_m2_len(size_t d, int full)
{
    return full ? d * d : d;
}

genre_status genre__moments_init(genre__moments *m, size_t d, int full)
{
    memset(m, 0, sizeof *m);
    m->d = d;
    m->full = full;
    size_t l = genre__moments_m2_len(d, full);
    if (full && d != 0 && l / d != d)
        return GENRE_E_NOMEM;
    m->mean = genre__calloc_array(d, sizeof(double));
    m->mean_c = m->mean ? genre__calloc_array(d, sizeof(double)) : NULL;
    m->m2 = m->mean_c ? genre__calloc_array(l, sizeof(double)) : NULL;
    m->m2_c = m->m2 ? genre__calloc_array(l, sizeof(double)) : NULL;
    if (!m->m2_c) {
        genre__moments_free(m);
        return GENRE_E_NOMEM;
    }
    return GENRE_OK;
}

void genre__moments_free(genre__moments *m)
{
    if (!m)
        return;
    genre__free(m->mean);
    genre__free(m->mean_c);
    genre__free(m->m2);
    genre__free(m->m2_c);
    m->mean = m->mean_c = m->m2 = m->m2_c = NULL;
}

genre_status genre__column_moments(const double *x, size_t rows, size_t d, size_t stride,
                                   double *mean, double *m2, double *block, double *corr)
{
    memset(mean, 0, d * sizeof *mean);
    memset(m2, 0, d * sizeof *m2);
    memset(corr, 0, d * sizeof *corr);
    for (size_t i0 = 0; i0 < rows; i0 += SUM_BLOCK) {
        size_t i1 = rows - i0 < SUM_BLOCK ? rows : i0 + SUM_BLOCK;
        memset(block, 0, d * sizeof *block);
        for (size_t i = i0; i < i1; i++) {
            const double *row = x + i * stride;
            for (size_t j = 0; j < d; j++)
                block[j] += row[j];
        }
        for (size_t j = 0; j < d; j++)
            mean[j] += block[j];
    }
    const double n = (double)rows;
    for (size_t j = 0; j < d; j++) {
        mean[j] /= n;
        if (!isfinite(mean[j]))
            return GENRE_E_NUMERIC;
    }
    for (size_t i0 = 0; i0 < rows; i0 += SUM_BLOCK) {
        size_t i1 = rows - i0 < SUM_BLOCK ? rows : i0 + SUM_BLOCK;
        memset(block, 0, d * sizeof *block);
        for (size_t i = i0; i < i1; i++) {
            const double *row = x + i * stride;
            for (size_t j = 0; j < d; j++) {
                double dlt = row[j] - mean[j];
                block[j] += dlt * dlt;
                corr[j] += dlt;
            }
        }
        for (size_t j = 0; j < d; j++)
            m2[j] += block[j];
    }
    for (size_t j = 0; j < d; j++)
        m2[j] = m2[j] - corr[j] * corr[j] / n;
    return GENRE_OK;
}

genre_status genre__moments_of_rows(genre__moments *m, const double *x, size_t rows,
                                    size_t row_stride, double *scratch)
{
    const size_t d = m->d, l = genre__moments_m2_len(d, m->full);
    genre_status st;
    m->n = (int64_t)rows;
    if (!m->full) {
        /* the compensations serve as the scratch, then start at 0 */
        st = genre__column_moments(x, rows, d, row_stride, m->mean, m->m2, m->mean_c, m->m2_c);
        memset(m->mean_c, 0, d * sizeof(double));
        memset(m->m2_c, 0, d * sizeof(double));
    } else {
        /* the PCA fit's blocked dsyrk covariance (ddof 0), times n */
        st = genre__covariance_ex(x, rows, d, row_stride, 0, m->mean, m->m2, d, scratch);
        if (st == GENRE_OK) {
            const double n = (double)rows;
            for (size_t i = 0; i < l; i++)
                m->m2[i] *= n;
            memset(m->mean_c, 0, d * sizeof(double));
            memset(m->m2_c, 0, l * sizeof(double));
        }
    }
    if (st == GENRE_OK && !genre__moments_finite(m))
        st = GENRE_E_NUMERIC;
    return st;
}

/* s += y with Kahan's compensation c (the value is s - c). */
static inline void kahan_add(double *s, double *c, double y)
{
    double yc = y - *c;
    double t = *s + yc;
    *c = (t - *s) - yc;
    *s = t;
}

void genre__moments_copy(genre__moments *into, const genre__moments *from)
{
    const size_t d = from->d, l = genre__moments_m2_len(d, from->full);
    into->n = from->n;
    memcpy(into->mean, from->mean, d * sizeof(double));
    memcpy(into->mean_c, from->mean_c, d * sizeof(double));
    memcpy(into->m2, from->m2, l * sizeof(double));
    memcpy(into->m2_c, from->m2_c, l * sizeof(double));
}

void genre__moments_merge(genre__moments *into, const genre__moments *from)
{
    if (from->n == 0)
        return;
    if (into->n == 0) {
        genre__moments_copy(into, from);
        return;
    }
    const size_t d = into->d;
    const double na = (double)into->n, nb = (double)from->n, n = na + nb;
    const double w = na * (nb / n), f = nb / n;
    /* M2 first: it needs the old means. */
    for (size_t i = 0; i < d; i++) {
        double di = (from->mean[i] - from->mean_c[i]) - (into->mean[i] - into->mean_c[i]);
        if (!into->full) {
            kahan_add(&into->m2[i], &into->m2_c[i],
                      (from->m2[i] - from->m2_c[i]) + di * di * w);
            continue;
        }
        for (size_t j = 0; j < d; j++) {
            double dj = (from->mean[j] - from->mean_c[j]) - (into->mean[j] - into->mean_c[j]);
            size_t ij = i * d + j;
            kahan_add(&into->m2[ij], &into->m2_c[ij],
                      (from->m2[ij] - from->m2_c[ij]) + di * dj * w);
        }
    }
    for (size_t j = 0; j < d; j++) {
        double dj = (from->mean[j] - from->mean_c[j]) - (into->mean[j] - into->mean_c[j]);
        kahan_add(&into->mean[j], &into->mean_c[j], dj * f);
    }
    into->n += from->n;
}

int genre__moments_finite(const genre__moments *m)
{
    const size_t d = m->d, l = genre__moments_m2_len(d, m->full);
    for (size_t j = 0; j < d; j++)
        if (!isfinite(m->mean[j]) || !isfinite(m->mean_c[j]))
            return 0;
    for (size_t i = 0; i < l; i++)
        if (!isfinite(m->m2[i]) || !isfinite(m->m2_c[i]))
            return 0;
    return 1;
}

int genre__moments_asymmetric(const genre__moments *m, size_t *i, size_t *j)
{
    const size_t d = m->d;
    for (size_t a = 0; a < d && m->full; a++)
        for (size_t b = a + 1; b < d; b++)
            if (m->m2[a * d + b] != m->m2[b * d + a] || m->m2_c[a * d + b] != m->m2_c[b * d + a]) {
                *i = a;
                *j = b;
                return 1;
            }
    return 0;
}

void genre__moments_values(const genre__moments *m, double *mean, double *m2)
{
    const size_t d = m->d, l = genre__moments_m2_len(d, m->full);
    if (mean)
        for (size_t j = 0; j < d; j++)
            mean[j] = m->mean[j] - m->mean_c[j];
    if (m2)
        for (size_t i = 0; i < l; i++)
            m2[i] = m->m2[i] - m->m2_c[i];
}

/* ---- Checks of add and merge ---------------------------------------------- */

genre_status genre__moments_check_add(const char *func, size_t d, int64_t n, size_t n_rows,
                                      size_t n_cols)
{
    if (n_cols != d)
        return genre__fail(GENRE_E_SHAPE, func,
                           "x has %zu columns but the partial state has %zu", n_cols, d);
    if (n_rows > (uint64_t)(GENRE__MOMENTS_MAX_ROWS - n))
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "%zu more rows would pass the %lld a partial state holds", n_rows,
                           (long long)GENRE__MOMENTS_MAX_ROWS);
    return GENRE_OK;
}

genre_status genre__moments_nonfinite_first(const char *func, const double *x, size_t n_rows,
                                            size_t n_cols, size_t row_stride,
                                            genre_status st)
{
    genre_status f = genre__check_matrix(func, "x", x, n_rows, n_cols, row_stride, 1);
    return f != GENRE_OK ? f : st;
}

genre_status genre__moments_check_merge(const char *func, int same, size_t d_into,
                                        int64_t n_into, size_t d_from, int64_t n_from)
{
    if (same)
        return genre__fail(GENRE_E_INVALID_ARG, func, "into and from are the same state");
    if (d_into != d_from)
        return genre__fail(GENRE_E_SHAPE, func,
                           "the states have different column counts: into has %zu, from %zu",
                           d_into, d_from);
    if (n_from > GENRE__MOMENTS_MAX_ROWS - n_into)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "the merged state would hold more than %lld rows",
                           (long long)GENRE__MOMENTS_MAX_ROWS);
    return GENRE_OK;
}

/* ---- Saving and loading ---------------------------------------------------- */

genre_status genre__moments_put(genre__mf_writer *w, uint32_t first, const genre__moments *m)
{
    const size_t l = genre__moments_m2_len(m->d, m->full);
    genre__mf_put_f64_array(w, first, m->mean, m->d);
    genre__mf_put_f64_array(w, first + 1, m->mean_c, m->d);
    genre__mf_put_f64_array(w, first + 2, m->m2, l);
    return genre__mf_put_f64_array(w, first + 3, m->m2_c, l);
}

genre_status genre__moments_expect(const genre__mf_reader *r, const char *func, uint32_t first,
                                   size_t d, int full)
{
    genre_status st;
    if ((st = genre__mf_expect_count(r, func, first, GENRE__MF_F64_ARRAY, "means", d)) ||
        (st = genre__mf_expect_count(r, func, first + 1, GENRE__MF_F64_ARRAY,
                                     "mean compensations", d)))
        return st;
    /* d x d without overflow: d is bounded by the means record's size */
    const uint64_t l = full ? (uint64_t)d * (uint64_t)d : (uint64_t)d;
    if ((st = genre__mf_expect_count(r, func, first + 2, GENRE__MF_F64_ARRAY, "co-moments",
                                     l)) ||
        (st = genre__mf_expect_count(r, func, first + 3, GENRE__MF_F64_ARRAY,
                                     "co-moment compensations", l)))
        return st;
    return GENRE_OK;
}

genre_status genre__moments_get(const genre__mf_reader *r, const char *func, const char *what,
                                uint32_t first, int64_t n, genre__moments *m)
{
    const size_t d = m->d, l = genre__moments_m2_len(d, m->full);
    genre_status st;
    if ((st = genre__mf_get_f64_array(r, first, m->mean, d)) != GENRE_OK ||
        (st = genre__mf_get_f64_array(r, first + 1, m->mean_c, d)) != GENRE_OK ||
        (st = genre__mf_get_f64_array(r, first + 2, m->m2, l)) != GENRE_OK ||
        (st = genre__mf_get_f64_array(r, first + 3, m->m2_c, l)) != GENRE_OK)
        return st;
    m->n = n;
    if (!genre__moments_finite(m))
        return genre__fail(GENRE_E_CORRUPT, func, "%s: a non-finite mean or co-moment", what);
    for (size_t i = 0; i < l && n == 0; i++)
        if (m->m2[i] != 0 || m->m2_c[i] != 0 || (i < d && (m->mean[i] != 0 || m->mean_c[i] != 0)))
            return genre__fail(GENRE_E_CORRUPT, func,
                               "%s: a state of no rows holds a non-zero value", what);
    size_t i, j;
    if (genre__moments_asymmetric(m, &i, &j))
        return genre__fail(GENRE_E_CORRUPT, func,
                           "%s: the co-moment matrix is not symmetric (%zu, %zu)", what, i, j);
    return GENRE_OK;
}
