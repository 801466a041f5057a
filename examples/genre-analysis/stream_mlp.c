/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * --stream: the MLP's epochs. Files are often sorted (the reference table
 * by genre): a chunk in file order may hold one or two classes, and
 * genre_mlp_partial_fit's shuffle within the chunk cannot mix what the file
 * keeps apart. So the pass after the LDA fit spills the MLP's training rows
 * (scaled features and label) to a temporary file, and each epoch reads it
 * in a seeded random order of blocks of BLOCK rows, gathered into windows of
 * --chunk-rows rows that partial_fit shuffles again: close to a full
 * shuffle, in memory of one window (stream_mlp_spill(), stream_mlp_epoch()).
 */
#define _XOPEN_SOURCE 700

#include "stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 64 /* rows read together */

genre_status stream_mlp_spill(run *r, stream_fit *f, const double *x, const int32_t *y,
                              size_t n)
{
    const size_t d = r->d;
    for (size_t i = 0; i < n; i++) {
        double lab = y[i];
        if (fwrite(x + i * d, sizeof *x, d, f->mlp_spill) != d ||
            fwrite(&lab, sizeof lab, 1, f->mlp_spill) != 1)
            return stream_spill_error(r, f, "MLP", "write");
    }
    f->mlp_spill_rows += (int64_t)n;
    return GENRE_OK;
}

/* Trains the window's rows (n of them, d + 1 doubles each). */
static genre_status train_window(run *r, stream_fit *f, const double *w, size_t n)
{
    const size_t d = r->d;
    for (size_t i = 0; i < n; i++) {
        memcpy(f->t2 + i * d, w + i * (d + 1), d * sizeof *f->t2);
        f->yf[i] = (int32_t)w[i * (d + 1) + d];
    }
    return genre_mlp_partial_fit(f->mlp, f->t2, n, d, d, f->yf);
}

genre_status stream_mlp_epoch(run *r, stream_fit *f, long epoch)
{
    const size_t d = r->d, row = (d + 1) * sizeof(double);
    const int64_t rows = f->mlp_spill_rows;
    const size_t nb = (size_t)((rows + BLOCK - 1) / BLOCK);
    size_t per = (size_t)r->opt.chunk_rows / BLOCK;
    per = per ? per : 1;
    per = per < nb ? per : (nb ? nb : 1); /* a window never exceeds the spill */
    const size_t wrows = per * BLOCK;
    size_t *order = xcalloc(nb, sizeof *order);
    double *w = xcalloc(wrows * (d + 1), sizeof *w);
    genre_status st = GENRE_OK;
    if (!order || !w) {
        snprintf(r->error, sizeof r->error,
                 "cannot allocate the MLP's window of %zu rows (--chunk-rows %ld)", wrows,
                 r->opt.chunk_rows);
        st = STREAM_E_PROGRAM;
        goto out;
    }
    if ((st = stream_fit_room(f, r, wrows)))
        goto out;
    if (fflush(f->mlp_spill)) {
        st = stream_spill_error(r, f, "MLP", "write");
        goto out;
    }
    /* Fisher-Yates over the blocks, seeded by the seed and the epoch */
    for (size_t i = 0; i < nb; i++)
        order[i] = i;
    for (size_t i = nb; i > 1; i--) {
        size_t j = (size_t)(stream_hash(r->opt.seed, 1000 + (uint64_t)epoch, i) % i);
        size_t t = order[i - 1];
        order[i - 1] = order[j], order[j] = t;
    }
    int fd = fileno(f->mlp_spill);
    size_t n = 0;
    for (size_t b = 0; b < nb && !st; b++) {
        int64_t first = (int64_t)order[b] * BLOCK;
        size_t k = rows - first < BLOCK ? (size_t)(rows - first) : BLOCK;
        errno = 0;
        if (pread(fd, w + n * (d + 1), k * row, (off_t)first * (off_t)row) != (ssize_t)(k * row))
            goto io;
        n += k;
        if (n + BLOCK > wrows || b + 1 == nb) {
            st = train_window(r, f, w, n);
            n = 0;
            if (!st && g_cancel)
                st = GENRE_E_CANCELLED;
        }
    }
    goto out;
io:
    st = stream_spill_error(r, f, "MLP", "read");
out:
    free(order), free(w);
    return st;
}
