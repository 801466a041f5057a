/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the caller-buffer rule of docs/api-conventions.md, one
 * implementation for every public function that writes into a buffer the
 * caller owns: *needed (when given) receives the element count, a short
 * buffer is GENRE_E_BUFFER_TOO_SMALL with one message, and element counts
 * are computed without overflow.
 *
 * Two readings of a NULL buffer exist in the API and both are here: most
 * functions treat it as too small (genre__buffer_check), the dataset exports
 * document it as a size query (genre__buffer_query).
 */
#ifndef GENRE_CALLER_BUFFER_H
#define GENRE_CALLER_BUFFER_H

#include "error_private.h"

#include <stdint.h>
#include <string.h>

/* out_len elements at out against need: *needed (when given) receives need;
 * out NULL or shorter than need is GENRE_E_BUFFER_TOO_SMALL, recorded for
 * func. */
static inline genre_status genre__buffer_check(const char *func, const void *out,
                                               size_t out_len, size_t need, size_t *needed)
{
    if (needed)
        *needed = need;
    if (out == NULL || out_len < need)
        return genre__fail(GENRE_E_BUFFER_TOO_SMALL, func,
                           "output buffer holds %zu element(s), %zu needed",
                           out == NULL ? (size_t)0 : out_len, need);
    return GENRE_OK;
}

/* As genre__buffer_check, but out NULL is a size query: GENRE_OK with
 * *needed set, and the caller writes nothing. */
static inline genre_status genre__buffer_query(const char *func, const void *out,
                                               size_t out_len, size_t need, size_t *needed)
{
    if (out == NULL) {
        if (needed)
            *needed = need;
        return GENRE_OK;
    }
    return genre__buffer_check(func, out, out_len, need, needed);
}

/* n_rows * per_row elements into *count, GENRE_E_INVALID_ARG when that many
 * doubles could not be addressed. */
static inline genre_status genre__buffer_count(const char *func, size_t n_rows, size_t per_row,
                                               size_t *count)
{
    if (per_row != 0 && n_rows > SIZE_MAX / sizeof(double) / per_row)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "%zu rows x %zu outputs is too large", n_rows, per_row);
    *count = n_rows * per_row;
    return GENRE_OK;
}

/* genre__buffer_count then genre__buffer_check: the rule for n_rows rows of
 * per_row outputs. */
static inline genre_status genre__buffer_rows(const char *func, const void *out, size_t out_len,
                                              size_t n_rows, size_t per_row, size_t *needed)
{
    size_t need = 0;
    genre_status st = genre__buffer_count(func, n_rows, per_row, &need);
    return st != GENRE_OK ? st : genre__buffer_check(func, out, out_len, need, needed);
}

/* Copies n fitted values from src to out under genre__buffer_check. */
static inline genre_status genre__buffer_copy(const char *func, const double *src, size_t n,
                                              double *out, size_t out_len, size_t *needed)
{
    genre_status st = genre__buffer_check(func, out, out_len, n, needed);
    if (st != GENRE_OK)
        return st;
    if (n)
        memcpy(out, src, n * sizeof *src);
    return GENRE_OK;
}

#endif
