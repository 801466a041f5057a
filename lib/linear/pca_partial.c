/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The PCA's partial state (genre/pca.h, "Partial fits"). */
#include <genre/model.h>
#include <genre/pca.h>

#include "alloc.h"
#include "error_private.h"
#include "linear_partial.h"
#include "moments_state.h"

/* Its payload: moments_state.h, the full co-moment matrix. */
/* d x d doubles stay addressable and the eigensolver's work sane. */
#define MAX_COLS 65536

struct genre_pca_partial {
    genre__moments_state s;
};

genre_status genre_pca_partial_create(genre_pca_partial **out, size_t n_cols)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    genre_status st = genre__mstate_check_cols(__func__, n_cols, MAX_COLS);
    if (st != GENRE_OK)
        return st;
    genre_pca_partial *p = GENRE_NEW(genre_pca_partial);
    if (!p || genre__mstate_init(&p->s, n_cols, 1) != GENRE_OK) {
        genre__free(p);
        return GENRE_PASS(GENRE_E_NOMEM);
    }
    *out = p;
    return GENRE_OK;
}

void genre_pca_partial_free(genre_pca_partial *p)
{
    if (!p)
        return;
    genre__mstate_free(&p->s);
    genre__free(p);
}

genre_status genre_pca_partial_add(genre_pca_partial *p, const double *x, size_t n_rows,
                                   size_t n_cols, size_t row_stride)
{
    GENRE_CHECK_NOT_NULL(p);
    return genre__mstate_add(&p->s, __func__, x, n_rows, n_cols, row_stride);
}

genre_status genre_pca_partial_merge(genre_pca_partial *into,
                                     const genre_pca_partial *from)
{
    GENRE_CHECK_NOT_NULL(into);
    GENRE_CHECK_NOT_NULL(from);
    return genre__mstate_merge(&into->s, &from->s, __func__);
}

genre_status genre_pca_partial_n_rows(const genre_pca_partial *p, int64_t *out)
{
    GENRE_CHECK_NOT_NULL(p);
    GENRE_CHECK_NOT_NULL(out);
    *out = p->s.m.n;
    return GENRE_OK;
}

genre_status genre_pca_fit_partial(genre_pca *pca, const genre_pca_partial *p)
{
    GENRE_CHECK_NOT_NULL(pca);
    GENRE_CHECK_NOT_NULL(p);
    const size_t d = p->s.m.d;
    double *mean = genre__alloc_array(d, sizeof(double));
    double *cov = mean ? genre__alloc_array(d, d * sizeof(double)) : NULL;
    if (!cov) {
        genre__free(mean);
        return GENRE_PASS(GENRE_E_NOMEM);
    }
    genre__moments_values(&p->s.m, mean, cov);
    /* the fit's covariance: co-moments / (n - 1) (a state of under 2 rows
     * is refused by the shared finish) */
    const double scale = p->s.m.n > 1 ? 1.0 / (double)(p->s.m.n - 1) : 1.0;
    for (size_t i = 0; i < d * d; i++)
        cov[i] *= scale;
    genre_status st = genre__pca_fit_moments(pca, __func__, mean, cov, d, p->s.m.n);
    genre__free(cov);
    genre__free(mean);
    return GENRE_PASS(st);
}

/* ---- Persistence --------------------------------------------------------- */

static genre_status write_state(const void *state, genre__mf_writer *w)
{
    return genre__mstate_put(w, &((const genre_pca_partial *)state)->s);
}

static genre_status read_state(const genre__mf_reader *r, void *dest, const char *func)
{
    genre_pca_partial **out = dest;
    *out = NULL;
    if (r == NULL)
        return GENRE_OK;
    genre__moments_state s;
    genre_status st = genre__mstate_get(r, func, "PCA partial state", 1, MAX_COLS, &s);
    if (st != GENRE_OK)
        return st;
    genre_pca_partial *p = GENRE_NEW(genre_pca_partial);
    if (!p) {
        genre__mstate_free(&s);
        return GENRE_E_NOMEM;
    }
    p->s = s;
    *out = p;
    return GENRE_OK;
}

static const genre__mf_codec codec = {GENRE_MODEL_PCA_PARTIAL, GENRE__MSTATE_PAYLOAD_VERSION,
                                      "PCA partial state", write_state, read_state};

genre_status genre_pca_partial_save_to_memory(const genre_pca_partial *p, void *buf, size_t cap,
                                              size_t *needed)
{
    GENRE_CHECK_NOT_NULL(p);
    return GENRE_PASS(genre__mf_save_memory(__func__, p, buf, cap, needed, &codec));
}

genre_status genre_pca_partial_load_from_memory(genre_pca_partial **out, const void *buf,
                                                size_t len)
{
    return genre__mf_load_memory(__func__, out, buf, len, &codec);
}
