/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The PCA's partial state (genre/pca.h, "Partial fits"). */
#include <genre/model.h>
#include <genre/pca.h>

#include "alloc.h"
#include "error_private.h"
#include "linalg.h"
#include "linear_partial.h"
#include "model_file.h"
#include "moments.h"

#include <math.h>
#include <string.h>

/* Payload v1 records (docs/partial-fits.md), d columns:
 *   1 n_features i64 (1 .. 65536), 2 n_rows i64 (0 .. 2^53),
 *   3 mean f64[d], 4 mean compensation f64[d],
 *   5 co-moment matrix f64[d*d] (row-major, exactly symmetric),
 *   6 its compensation f64[d*d].
 * An empty state (n_rows 0) has every value 0. */
#define PAYLOAD_VERSION 1u
#define TAG_N_FEATURES 1u
#define TAG_N_ROWS 2u
#define TAG_MEAN 3u

/* d x d doubles stay addressable and the eigensolver's work sane. */
#define MAX_COLS 65536

struct genre_pca_partial {
    genre__moments m;
    genre__moments chunk; /* scratch of add, kept to save reallocations */
};

genre_status genre_pca_partial_create(genre_pca_partial **out, size_t n_cols)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    if (n_cols == 0 || n_cols > MAX_COLS)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "n_cols is %zu; it must be in [1, %d]", n_cols,
                          MAX_COLS);
    genre_pca_partial *p = GENRE_NEW(genre_pca_partial);
    if (!p || genre__moments_init(&p->m, n_cols, 1) != GENRE_OK ||
        genre__moments_init(&p->chunk, n_cols, 1) != GENRE_OK) {
        genre_pca_partial_free(p);
        return GENRE_PASS(GENRE_E_NOMEM);
    }
    *out = p;
    return GENRE_OK;
}

void genre_pca_partial_free(genre_pca_partial *p)
{
    if (!p)
        return;
    genre__moments_free(&p->m);
    genre__moments_free(&p->chunk);
    genre__free(p);
}

genre_status genre_pca_partial_add(genre_pca_partial *p, const double *x, size_t n_rows,
                                      size_t n_cols, size_t row_stride)
{
    GENRE_CHECK_NOT_NULL(p);
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride, 1);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (n_cols != p->m.d)
        return GENRE_FAIL(GENRE_E_SHAPE, "x has %zu columns but the partial state has %zu",
                          n_cols, p->m.d);
    if (n_rows > (uint64_t)(GENRE__MOMENTS_MAX_ROWS - p->m.n))
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "%zu more rows would pass the %lld a partial state holds", n_rows,
                          (long long)GENRE__MOMENTS_MAX_ROWS);
    st = genre__moments_of_rows(&p->chunk, x, n_rows, row_stride);
    if (st == GENRE_E_NUMERIC)
        return GENRE_FAIL(GENRE_E_NUMERIC,
                          "the column sums of x overflow (values too large to average)");
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    genre__moments_merge(&p->m, &p->chunk);
    return GENRE_OK;
}

genre_status genre_pca_partial_merge(genre_pca_partial *into,
                                        const genre_pca_partial *from)
{
    GENRE_CHECK_NOT_NULL(into);
    GENRE_CHECK_NOT_NULL(from);
    if (into == from)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "into and from are the same state");
    if (into->m.d != from->m.d)
        return GENRE_FAIL(GENRE_E_SHAPE,
                          "the states have different column counts: into has %zu, from %zu",
                          into->m.d, from->m.d);
    if (from->m.n > GENRE__MOMENTS_MAX_ROWS - into->m.n)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "the merged state would hold more than %lld rows",
                          (long long)GENRE__MOMENTS_MAX_ROWS);
    genre__moments_merge(&into->m, &from->m);
    return GENRE_OK;
}

genre_status genre_pca_partial_n_rows(const genre_pca_partial *p, int64_t *out)
{
    GENRE_CHECK_NOT_NULL(p);
    GENRE_CHECK_NOT_NULL(out);
    *out = p->m.n;
    return GENRE_OK;
}

genre_status genre_pca_fit_partial(genre_pca *pca, const genre_pca_partial *p)
{
    GENRE_CHECK_NOT_NULL(pca);
    GENRE_CHECK_NOT_NULL(p);
    const size_t d = p->m.d;
    double *mean = genre__alloc_array(d, sizeof(double));
    double *cov = mean ? genre__alloc_array(d, d * sizeof(double)) : NULL;
    if (!cov) {
        genre__free(mean);
        return GENRE_PASS(GENRE_E_NOMEM);
    }
    genre__moments_values(&p->m, mean, cov);
    /* the fit's covariance: co-moments / (n - 1) (a state of under 2 rows
     * is refused by the shared finish) */
    const double scale = p->m.n > 1 ? 1.0 / (double)(p->m.n - 1) : 1.0;
    for (size_t i = 0; i < d * d; i++)
        cov[i] *= scale;
    genre_status st = genre__pca_fit_moments(pca, __func__, mean, cov, d, p->m.n);
    genre__free(cov);
    genre__free(mean);
    return GENRE_PASS(st);
}

/* ---- Persistence --------------------------------------------------------- */

static genre_status write_state(const void *state, genre__mf_writer *w)
{
    const genre__moments *m = &((const genre_pca_partial *)state)->m;
    genre__mf_put_i64(w, TAG_N_FEATURES, (int64_t)m->d);
    genre__mf_put_i64(w, TAG_N_ROWS, m->n);
    return genre__moments_put(w, TAG_MEAN, m);
}

static genre_status read_state(const genre__mf_reader *r, void *dest, const char *func)
{
    genre_pca_partial **out = dest;
    *out = NULL;
    if (r == NULL)
        return GENRE_OK;
    int64_t d64, n64;
    genre_status st;
    if ((st = genre__mf_get_i64(r, TAG_N_FEATURES, &d64)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_ROWS, &n64)) != GENRE_OK)
        return st;
    if (d64 < 1 || d64 > MAX_COLS || n64 < 0 || n64 > GENRE__MOMENTS_MAX_ROWS)
        return genre__fail(GENRE_E_CORRUPT, func,
                           "inconsistent PCA partial state: n_features %lld, n_rows %lld",
                           (long long)d64, (long long)n64);
    if ((st = genre__moments_expect(r, func, TAG_MEAN, (size_t)d64, 1)) != GENRE_OK)
        return st;
    genre_pca_partial *p;
    if ((st = genre_pca_partial_create(&p, (size_t)d64)) != GENRE_OK)
        return st;
    if ((st = genre__moments_get(r, func, "PCA partial state", TAG_MEAN, n64, &p->m)) !=
        GENRE_OK) {
        genre_pca_partial_free(p);
        return st;
    }
    *out = p;
    return GENRE_OK;
}

static const genre__mf_codec codec = {GENRE_MODEL_PCA_PARTIAL, PAYLOAD_VERSION,
                                      "PCA partial state", write_state, read_state};

genre_status genre_pca_partial_save(const genre_pca_partial *p, void *buf, size_t cap,
                                       size_t *needed)
{
    GENRE_CHECK_NOT_NULL(p);
    return GENRE_PASS(genre__mf_save_memory(__func__, p, buf, cap, needed, &codec));
}

genre_status genre_pca_partial_load(genre_pca_partial **out, const void *buf, size_t len)
{
    return genre__mf_load_memory(__func__, out, buf, len, &codec);
}
