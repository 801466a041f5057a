/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --stream: the seeded reservoir samples (the stratified sample, the
 * k-means initialisation's), mergeable over ranks (stream.h). */
#define _XOPEN_SOURCE 700

#include "stream.h"

#include <stdlib.h>
#include <string.h>

int reservoir_init(reservoir *s, size_t cap, size_t d, uint64_t seed, uint64_t salt,
                   int64_t base)
{
    memset(s, 0, sizeof *s);
    s->cap = cap, s->d = d, s->seed = seed, s->salt = salt, s->base = base;
    s->rows = xcalloc(cap * d, sizeof *s->rows);
    s->when = xcalloc(cap, sizeof *s->when);
    if (!s->rows || !s->when)
        return -1;
    for (size_t j = 0; j < cap; j++)
        s->when[j] = -1;
    return 0;
}

void reservoir_add(reservoir *s, const double *x, size_t n, size_t stride)
{
    for (size_t i = 0; i < n; i++) {
        int64_t t = s->base + s->seen++;
        uint64_t j = (uint64_t)t;
        if (t >= (int64_t)s->cap)
            j = stream_hash(s->seed, s->salt, (uint64_t)t) % (uint64_t)(t + 1);
        if (j < s->cap) {
            memcpy(s->rows + j * s->d, x + i * stride, s->d * sizeof *s->rows);
            s->when[j] = t;
        }
    }
}

size_t reservoir_filled(const reservoir *s)
{
    size_t n = 0;
    for (size_t j = 0; j < s->cap; j++)
        n += s->when[j] >= 0;
    return n;
}

genre_status reservoir_merge(reservoir *s, int to_all)
{
    if (cl_size() == 1)
        return GENRE_OK;
    const size_t w = s->cap * sizeof *s->when, bytes = w + s->cap * s->d * sizeof *s->rows;
    unsigned char *mine = malloc(bytes ? bytes : 1);
    size_t *lens = xcalloc((size_t)cl_size(), sizeof *lens);
    void *all = NULL;
    genre_status st = mine && lens ? GENRE_OK
                                   : genre_set_error(GENRE_E_NOMEM, "no memory for a sample");
    if (!st) {
        memcpy(mine, s->when, w);
        memcpy(mine + w, s->rows, bytes - w);
    }
    if ((st = cl_agree(st, NULL, 0)) || (st = cl_gather(mine, bytes, &all, lens)))
        goto out;
    if (cl_rank() == 0)
        for (int r = 1; r < cl_size(); r++) { /* rank order: later rows win */
            const unsigned char *p = (const unsigned char *)all + (size_t)r * bytes;
            for (size_t j = 0; j < s->cap; j++) {
                int64_t t;
                memcpy(&t, p + j * sizeof t, sizeof t);
                if (t > s->when[j]) {
                    s->when[j] = t;
                    memcpy(s->rows + j * s->d, p + w + j * s->d * sizeof *s->rows,
                           s->d * sizeof *s->rows);
                }
            }
        }
    if (to_all && !(st = cl_bcast(s->when, w)))
        st = cl_bcast(s->rows, bytes - w);
out:
    free(mine), free(lens), free(all);
    return st;
}

void reservoir_free(reservoir *s)
{
    free(s->rows), free(s->when);
    memset(s, 0, sizeof *s);
}
