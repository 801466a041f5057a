/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * --stream: the MLP's epochs. Files are often sorted (the reference table
 * by genre): a chunk in file order may hold one or two classes, and
 * genre_mlp_partial_fit's shuffle within the chunk cannot mix what the file
 * keeps apart. So the pass after the LDA fit spills the MLP's training rows
 * (scaled features and label) to a temporary file, and each epoch reads it
 * in a seeded random order of blocks of BLOCK rows, gathered into windows of
 * --chunk-rows rows that are permuted again: close to a full shuffle, in
 * memory of one window (stream_mlp_spill(), stream_mlp_epoch()). With
 * several ranks each spills its own rows; the blocks, windows and batches
 * are those of the spills concatenated in rank order, so every rank trains
 * its share of the one-process run's batches.
 */
#define _XOPEN_SOURCE 700

#include "stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 64 /* rows read together */
#define MLP_BATCH 256 /* GENRE_MLP_BATCH_SIZE (stream_models.c) */

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

/* Trains one window: n rows (d + 1 doubles each) at positions 0..n-1 of
 * w, own[i] whether this rank holds row i (several ranks: each read its
 * own). The program permutes the window by a hash of the seed, the epoch,
 * the window and the position, and partial_fit takes the batches in that
 * order (GENRE_MLP_SHUFFLE 0), so every rank knows every global batch.
 * One process trains the window in one call; several ranks train each
 * batch with the rows of it they hold (a stand-in row with no weight when
 * they hold none), their gradients summed by the reducer. */
static genre_status train_window(run *r, stream_fit *f, const double *w, const uint8_t *own,
                                 size_t n, size_t *perm, long epoch, uint64_t window)
{
    const size_t d = r->d;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(stream_hash(r->opt.seed, 2000 + (uint64_t)epoch,
                                        window << 32 | (uint64_t)i) % i);
        size_t t = perm[i - 1];
        perm[i - 1] = perm[j], perm[j] = t;
    }
    genre_status st = GENRE_OK;
    const size_t batch = f->steps ? MLP_BATCH : n;
    for (size_t b0 = 0; b0 < n && !st; b0 += batch) {
        const size_t end = n - b0 < batch ? n : b0 + batch;
        size_t m = 0;
        for (size_t i = b0; i < end; i++)
            if (own[perm[i]]) {
                memcpy(f->t2 + m * d, w + perm[i] * (d + 1), d * sizeof *f->t2);
                f->yf[m++] = (int32_t)w[perm[i] * (d + 1) + d];
            }
        if (!m) { /* no row of this batch here: a stand-in, sent as 0 */
            memset(f->t2, 0, d * sizeof *f->t2);
            f->yf[0] = 0;
            m = 1;
            cl_steps_stand_in(f->steps, 1);
        }
        st = genre_mlp_partial_fit(f->mlp, f->t2, m, d, d, f->yf);
    }
    return st;
}

genre_status stream_mlp_epoch(run *r, stream_fit *f, long epoch)
{
    const size_t d = r->d, row = (d + 1) * sizeof(double);
    /* the spill of every rank in rank order: rows [lo, hi) are this rank's */
    const int64_t rows = f->mlp_total, lo = f->mlp_base, hi = lo + f->mlp_spill_rows;
    const size_t nb = (size_t)((rows + BLOCK - 1) / BLOCK);
    size_t per = (size_t)r->opt.chunk_rows / BLOCK;
    per = per ? per : 1;
    per = per < nb ? per : (nb ? nb : 1); /* a window never exceeds the spill */
    const size_t wrows = per * BLOCK;
    size_t *order = xcalloc(nb, sizeof *order), *perm = xcalloc(wrows, sizeof *perm);
    double *w = xcalloc(wrows * (d + 1), sizeof *w);
    uint8_t *own = xcalloc(wrows, 1);
    genre_status st = GENRE_OK;
    if (!order || !w || !perm || !own) {
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
    uint64_t window = 0;
    for (size_t b = 0; b < nb && !st; b++) {
        int64_t first = (int64_t)order[b] * BLOCK;
        size_t k = rows - first < BLOCK ? (size_t)(rows - first) : BLOCK;
        /* the block's rows this rank holds */
        int64_t a = first > lo ? first : lo, z = first + (int64_t)k < hi ? first + (int64_t)k : hi;
        memset(own + n, 0, k);
        if (a < z) {
            size_t m = (size_t)(z - a), at = n + (size_t)(a - first);
            errno = 0;
            if (pread(fd, w + at * (d + 1), m * row, (off_t)(a - lo) * (off_t)row) !=
                (ssize_t)(m * row))
                goto io;
            memset(own + at, 1, m);
        }
        n += k;
        if (n + BLOCK > wrows || b + 1 == nb) {
            st = train_window(r, f, w, own, n, perm, epoch, window++);
            n = 0;
            if (!st && g_cancel)
                st = GENRE_E_CANCELLED;
        }
    }
    goto out;
io:
    st = stream_spill_error(r, f, "MLP", "read");
out:
    free(order), free(w), free(perm), free(own);
    /* several ranks: a rank that failed makes its peers' next step fail */
    return f->steps ? cl_steps_end(f->steps, st, r->error, sizeof r->error) : st;
}
