/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The idf arithmetic of the text features: sorting document columns, the
 * idf formula, the dense idf table. */
#include "text_private.h"

#include "alloc.h"

#include <math.h>
#include <string.h>

void genre__text_radix_sort(uint32_t *a, uint32_t *tmp, size_t n)
{
    if (n == 0) /* memcpy with a NULL array would be undefined */
        return;
    size_t count[2048];
    uint32_t *src = a, *dst = tmp;
    for (int shift = 0; shift < 33; shift += 11) {
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[(src[i] >> shift) & 2047]++;
        size_t sum = 0;
        for (size_t d = 0; d < 2048; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & 2047]++] = src[i];
        uint32_t *x = src;
        src = dst;
        dst = x;
    }
    if (src != a) /* three passes: the result is in tmp */
        memcpy(a, src, n * sizeof *a);
}

double *genre__text_dense_idf(const uint32_t *cols, const double *idf, size_t n,
                              uint64_t n_features, double unseen, int *ok)
{
    *ok = 1;
    if (n_features > DENSE_IDF_MAX)
        return NULL;
    double *d = genre__alloc_array((size_t)n_features, sizeof *d);
    if (!d) {
        *ok = 0;
        return NULL;
    }
    for (uint64_t j = 0; j < n_features; j++)
        d[j] = unseen;
    for (size_t k = 0; k < n; k++)
        d[cols[k]] = idf[k];
    return d;
}

double genre__text_idf(int smooth, int64_t n, int64_t df)
{
    return smooth ? log((1.0 + (double)n) / (1.0 + (double)df)) + 1.0
                  : log((double)n / (double)df) + 1.0;
}
