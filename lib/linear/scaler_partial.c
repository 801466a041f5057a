/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The scaler's partial state (genre/scaler.h, "Partial fits"). */
#include <genre/model.h>
#include <genre/scaler.h>

#include "alloc.h"
#include "error_private.h"
#include "linear_partial.h"
#include "moments_state.h"

/* Its payload: moments_state.h, the co-moments' diagonal. */
#define MAX_COLS INT32_MAX

struct genre_scaler_partial {
    genre__moments_state s;
};

genre_status genre_scaler_partial_create(genre_scaler_partial **out, size_t n_cols)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    genre_status st = genre__mstate_check_cols(__func__, n_cols, MAX_COLS);
    if (st != GENRE_OK)
        return st;
    genre_scaler_partial *p = GENRE_NEW(genre_scaler_partial);
    if (!p || genre__mstate_init(&p->s, n_cols, 0) != GENRE_OK) {
        genre__free(p);
        return GENRE_PASS(GENRE_E_NOMEM);
    }
    *out = p;
    return GENRE_OK;
}

void genre_scaler_partial_free(genre_scaler_partial *p)
{
    if (!p)
        return;
    genre__mstate_free(&p->s);
    genre__free(p);
}

genre_status genre_scaler_partial_add(genre_scaler_partial *p, const double *x, size_t n_rows,
                                      size_t n_cols, size_t row_stride)
{
    GENRE_CHECK_NOT_NULL(p);
    return genre__mstate_add(&p->s, __func__, x, n_rows, n_cols, row_stride);
}

genre_status genre_scaler_partial_merge(genre_scaler_partial *into,
                                        const genre_scaler_partial *from)
{
    GENRE_CHECK_NOT_NULL(into);
    GENRE_CHECK_NOT_NULL(from);
    return genre__mstate_merge(&into->s, &from->s, __func__);
}

genre_status genre_scaler_partial_n_rows(const genre_scaler_partial *p, int64_t *out)
{
    GENRE_CHECK_NOT_NULL(p);
    GENRE_CHECK_NOT_NULL(out);
    *out = p->s.m.n;
    return GENRE_OK;
}

genre_status genre_scaler_fit_partial(genre_scaler *s, const genre_scaler_partial *p)
{
    GENRE_CHECK_NOT_NULL(s);
    GENRE_CHECK_NOT_NULL(p);
    if (p->s.m.n < 1)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "the partial state holds no rows");
    const size_t d = p->s.m.d;
    double *v = genre__alloc_array(d, 2 * sizeof(double));
    if (!v)
        return GENRE_PASS(GENRE_E_NOMEM);
    genre__moments_values(&p->s.m, v, v + d);
    genre_status st = genre__scaler_fit_moments(s, __func__, v, v + d, d, p->s.m.n);
    genre__free(v);
    return GENRE_PASS(st);
}

/* ---- Persistence --------------------------------------------------------- */

static genre_status write_state(const void *state, genre__mf_writer *w)
{
    return genre__mstate_put(w, &((const genre_scaler_partial *)state)->s);
}

static genre_status read_state(const genre__mf_reader *r, void *dest, const char *func)
{
    genre_scaler_partial **out = dest;
    *out = NULL;
    if (r == NULL)
        return GENRE_OK;
    genre__moments_state s;
    genre_status st = genre__mstate_get(r, func, "scaler partial state", 0, MAX_COLS, &s);
    if (st != GENRE_OK)
        return st;
    genre_scaler_partial *p = GENRE_NEW(genre_scaler_partial);
    if (!p) {
        genre__mstate_free(&s);
        return GENRE_E_NOMEM;
    }
    p->s = s;
    *out = p;
    return GENRE_OK;
}

static const genre__mf_codec codec = {GENRE_MODEL_SCALER_PARTIAL, GENRE__MSTATE_PAYLOAD_VERSION,
                                      "scaler partial state", write_state, read_state};

genre_status genre_scaler_partial_save_to_memory(const genre_scaler_partial *p, void *buf,
                                                 size_t cap, size_t *needed)
{
    GENRE_CHECK_NOT_NULL(p);
    return GENRE_PASS(genre__mf_save_memory(__func__, p, buf, cap, needed, &codec));
}

genre_status genre_scaler_partial_load_from_memory(genre_scaler_partial **out, const void *buf,
                                                   size_t len)
{
    return genre__mf_load_memory(__func__, out, buf, len, &codec);
}
