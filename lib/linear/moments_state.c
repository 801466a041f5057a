/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The partial state made of one genre__moments (moments_state.h). */
#include "moments_state.h"

#include "alloc.h"
#include "error_private.h"
#include "linalg.h"
#include "linear_fit.h"

#include <string.h>

#define TAG_N_FEATURES 1u
#define TAG_N_ROWS 2u
#define TAG_MEAN 3u

genre_status genre__mstate_check_cols(const char *func, size_t n_cols, size_t max_cols)
{
    if (n_cols == 0 || n_cols > max_cols)
        return genre__fail(GENRE_E_INVALID_ARG, func, "n_cols is %zu; it must be in [1, %zu]",
                           n_cols, max_cols);
    return GENRE_OK;
}

genre_status genre__mstate_init(genre__moments_state *s, size_t d, int full)
{
    memset(s, 0, sizeof *s);
    if (genre__moments_init(&s->m, d, full) != GENRE_OK ||
        genre__moments_init(&s->chunk, d, full) != GENRE_OK) {
        genre__mstate_free(s);
        return GENRE_E_NOMEM;
    }
    return GENRE_OK;
}

void genre__mstate_free(genre__moments_state *s)
{
    if (!s)
        return;
    genre__moments_free(&s->m);
    genre__moments_free(&s->chunk);
    genre__free(s->block);
    s->block = NULL;
    s->block_cap = 0;
}

genre_status genre__mstate_add(genre__moments_state *s, const char *func, const double *x,
                               size_t n_rows, size_t n_cols, size_t row_stride)
{
    genre_status st = genre__check_matrix(func, "x", x, n_rows, n_cols, row_stride, 0);
    if (st != GENRE_OK)
        return st;
    if ((st = genre__moments_check_add(func, s->m.d, s->m.n, n_rows, n_cols)) != GENRE_OK)
        return genre__moments_nonfinite_first(func, x, n_rows, n_cols, row_stride, st);
    size_t need = s->m.full ? genre__covariance_scratch_len(n_rows, n_cols) : 0;
    if (s->block_cap < need) {
        double *block = genre__alloc_array(need, sizeof(double));
        if (!block)
            return genre__moments_nonfinite_first(func, x, n_rows, n_cols, row_stride,
                                                  genre__fail_as(GENRE_E_NOMEM, func, NULL));
        genre__free(s->block);
        s->block = block;
        s->block_cap = need;
    }
    st = genre__moments_of_rows(&s->chunk, x, n_rows, row_stride, s->block);
    if (st != GENRE_OK && (st = genre__moments_nonfinite_first(func, x, n_rows, n_cols,
                                                               row_stride, st)) ==
                              GENRE_E_NONFINITE)
        return st;
    if (st == GENRE_E_NUMERIC)
        return genre__lin_overflow(func, x, n_rows, n_cols, row_stride);
    if (st != GENRE_OK)
        return genre__fail_as(st, func, NULL);
    genre__moments_merge(&s->m, &s->chunk);
    return GENRE_OK;
}

genre_status genre__mstate_merge(genre__moments_state *into, const genre__moments_state *from,
                                 const char *func)
{
    genre_status st = genre__moments_check_merge(func, into == from, into->m.d, into->m.n,
                                                 from->m.d, from->m.n);
    if (st != GENRE_OK)
        return st;
    genre__moments_merge(&into->m, &from->m);
    return GENRE_OK;
}

genre_status genre__mstate_put(genre__mf_writer *w, const genre__moments_state *s)
{
    genre__mf_put_i64(w, TAG_N_FEATURES, (int64_t)s->m.d);
    genre__mf_put_i64(w, TAG_N_ROWS, s->m.n);
    return genre__moments_put(w, TAG_MEAN, &s->m);
}

genre_status genre__mstate_get(const genre__mf_reader *r, const char *func, const char *what,
                               int full, size_t max_cols, genre__moments_state *s)
{
    memset(s, 0, sizeof *s);
    int64_t d64, n64;
    genre_status st;
    if ((st = genre__mf_get_i64(r, TAG_N_FEATURES, &d64)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_ROWS, &n64)) != GENRE_OK)
        return st;
    if (d64 < 1 || (uint64_t)d64 > max_cols || n64 < 0 || n64 > GENRE__MOMENTS_MAX_ROWS)
        return genre__fail(GENRE_E_CORRUPT, func,
                           "inconsistent %s: n_features %lld, n_rows %lld", what,
                           (long long)d64, (long long)n64);
    if ((st = genre__moments_expect(r, func, TAG_MEAN, (size_t)d64, full)) != GENRE_OK)
        return st;
    if ((st = genre__mstate_init(s, (size_t)d64, full)) != GENRE_OK)
        return st;
    if ((st = genre__moments_get(r, func, what, TAG_MEAN, n64, &s->m)) != GENRE_OK)
        genre__mstate_free(s);
    return st;
}
