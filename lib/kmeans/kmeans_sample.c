/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Initialising k-means without the whole table (genre/kmeans.h, "Partial
 * fits"): a seeded reservoir sample of the streamed rows (Vitter's
 * algorithm R), then the in-memory fit's own greedy k-means++
 * (kmeans_init.c) on the sample, restart stream 0 of the seed.
 */
#include "kmeans_private.h"

#include "alloc.h"
#include "error_private.h"
#include "linalg.h"
#include "parallel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The reservoir's stream of its seed: apart from the restarts' streams
 * (0, 1, ...), so a sample and a fit seeded alike draw unrelated numbers. */
#define SAMPLE_STREAM 0x53414d504c45ull

struct genre_kmeans_sample {
    size_t d, cap, filled;
    uint64_t seen;   /* rows offered so far */
    genre__rng rng;  /* slot draws once the reservoir is full */
    double *rows;    /* cap x d */
};

genre_status genre_kmeans_sample_create(genre_kmeans_sample **out, size_t n_cols,
                                        size_t capacity, int64_t seed)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    if (n_cols == 0 || capacity == 0 || capacity > INT32_MAX ||
        capacity > SIZE_MAX / sizeof(double) / n_cols)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "a sample of %zu rows of %zu columns: both must be at least 1, the "
                          "rows at most 2^31 - 1 and the sample addressable",
                          capacity, n_cols);
    genre_kmeans_sample *s = GENRE_NEW(genre_kmeans_sample);
    if (!s)
        return GENRE_PASS(GENRE_E_NOMEM);
    s->rows = genre__alloc_array(capacity * n_cols, sizeof(double));
    if (!s->rows) {
        genre__free(s);
        return GENRE_PASS(GENRE_E_NOMEM);
    }
    s->d = n_cols;
    s->cap = capacity;
    genre__rng_init(&s->rng, (uint64_t)seed, SAMPLE_STREAM);
    *out = s;
    return GENRE_OK;
}

void genre_kmeans_sample_free(genre_kmeans_sample *s)
{
    if (!s)
        return;
    genre__free(s->rows);
    genre__free(s);
}

genre_status genre_kmeans_sample_add(genre_kmeans_sample *s, const double *x, size_t n_rows,
                                     size_t n_cols, size_t row_stride)
{
    GENRE_CHECK_NOT_NULL(s);
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride, 1);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (n_cols != s->d)
        return GENRE_FAIL(GENRE_E_SHAPE, "x has %zu columns but the sample has %zu", n_cols,
                          s->d);
    for (size_t i = 0; i < n_rows; i++, s->seen++) {
        uint64_t slot = s->seen;
        if (slot >= s->cap)
            slot = genre__rng_bounded(&s->rng, s->seen + 1);
        if (slot < s->cap)
            memcpy(s->rows + slot * s->d, x + i * row_stride, s->d * sizeof(double));
    }
    s->filled = s->seen < s->cap ? (size_t)s->seen : s->cap;
    return GENRE_OK;
}

genre_status genre_kmeans_init_from_sample(genre_kmeans *km, const genre_kmeans_sample *s)
{
    GENRE_CHECK_NOT_NULL(km);
    GENRE_CHECK_NOT_NULL(s);
    int64_t k64 = 0, seed = 0, threads = 0;
    genre_kmeans_get_i64(km, GENRE_KMEANS_K, &k64);
    genre_kmeans_get_i64(km, GENRE_KMEANS_SEED, &seed);
    genre_kmeans_get_i64(km, GENRE_KMEANS_N_THREADS, &threads);
    const size_t k = (size_t)k64, n = s->filled, d = s->d;
    if (n < k)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "the sample holds %zu row(s), fewer than GENRE_KMEANS_K = %zu", n,
                          k);
    const int T = genre__resolve_threads(threads);
    if (T < 0)
        return GENRE_PASS(T);
    fit_ws w;
    fit_ws_init(&w, s->rows, n, d, d, k, T);
    const size_t tr = n_trials(k);
    /* what genre__kmeans_pp reads and writes, nothing more */
    w.centers = genre__alloc_array(k, d * sizeof(double));
    w.closest = w.centers ? genre__alloc_array(n, sizeof(double)) : NULL;
    w.cumsum = w.closest ? genre__alloc_array(n, sizeof(double)) : NULL;
    w.cand = w.cumsum ? genre__alloc_array(tr, d * sizeof(double)) : NULL;
    w.obj = w.cand ? genre__alloc_array(w.T, tr * sizeof(double)) : NULL;
    w.cand_d = w.obj ? genre__alloc_array(tr, n * sizeof(double)) : NULL;
    genre_status st = w.cand_d ? GENRE_OK : GENRE_E_NOMEM;
    double pot = 0.0;
    if (st == GENRE_OK) {
        genre__rng rng;
        genre__rng_init(&rng, (uint64_t)seed, 0);
        genre__kmeans_pp(&w, &rng);
        for (size_t i = 0; i < n; i++)
            pot += w.closest[i];
        if (!isfinite(pot))
            st = GENRE_FAIL(GENRE_E_NUMERIC,
                            "the squared distances of the sample overflow (values too large)");
    }
    if (st == GENRE_OK) {
        genre__kmeans_install_init(km, w.centers, k, d, n, pot);
        w.centers = NULL;
    }
    genre__kmeans_ws_free(&w);
    return GENRE_PASS(st);
}
