/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --stream: the k-means sweep (k = 2..8) on the first 2 and 3 LDA
 * discriminants, as stage_kmeans.c does in memory, but initialised from a
 * seeded reservoir sample (genre_kmeans_init_from_sample) and iterated by
 * Lloyd passes with the partial state over the spill of the training rows'
 * LDA features; silhouettes on the stratified sample (stream_kmeans()). */
#define _XOPEN_SOURCE 700

#include "stream.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KM_MAX_PASSES 100 /* Lloyd passes at most */
#define SPILL_BLOCK 65536 /* spill rows read at a time */

/* Reads the spill from its start, handing each block to fn. */
typedef genre_status (*block_fn)(const double *x, size_t n, size_t stride, void *ud);

static genre_status read_spill(run *r, stream_fit *f, double *buf, block_fn fn, void *ud)
{
    const size_t w = f->spill_cols + 1;
    genre_status st = GENRE_OK;
    if (fflush(f->spill))
        return stream_spill_error(r, f, "k-means", "write");
    if (fseek(f->spill, 0, SEEK_SET))
        goto io;
    for (int64_t left = f->spill_rows; left > 0 && !st;) {
        size_t n = left < SPILL_BLOCK ? (size_t)left : SPILL_BLOCK;
        errno = 0;
        if (fread(buf, sizeof *buf * w, n, f->spill) != n)
            goto io;
        left -= (int64_t)n;
        st = fn(buf, n, w, ud);
        if (!st && g_cancel)
            st = GENRE_E_CANCELLED;
    }
    return st;
io:
    return stream_spill_error(r, f, "k-means", "read");
}

typedef struct lloyd {
    genre_kmeans *km[2][NKS];
    genre_kmeans_partial *p[2][NKS];
    int done[2][NKS];
    run *r;
    int32_t *lab;
} lloyd;

static genre_status add_block(const double *x, size_t n, size_t stride, void *ud)
{
    lloyd *l = ud;
    genre_status st = GENRE_OK;
    for (int w = 0; w < 2; w++)
        for (int k = 0; k < NKS && !st; k++)
            if (l->p[w][k])
                st = genre_kmeans_partial_add(l->p[w][k], x, n, (size_t)w + 2, stride);
    return st;
}

/* The best k's clusters against the classes (the label is the spill's
 * last column). */
static genre_status count_block(const double *x, size_t n, size_t stride, void *ud)
{
    lloyd *l = ud;
    run *r = l->r;
    genre_status st = GENRE_OK;
    for (int w = 0; w < 2 && !st; w++) {
        if (!r->have_kmeans[w])
            continue;
        genre_kmeans *km = l->km[w][r->km_best[w] - KMIN];
        if ((st = genre_kmeans_predict(km, x, n, (size_t)w + 2, stride, l->lab, n, NULL)))
            break;
        for (size_t i = 0; i < n; i++)
            r->km_comp[w][(size_t)l->lab[i] * (size_t)r->K + (size_t)x[i * stride + stride - 1]]++;
    }
    return st;
}

/* Lloyd passes until every k of both sweeps converged (or the cap). */
static genre_status lloyd_passes(run *r, stream_fit *f, lloyd *l, double *buf)
{
    genre_status st = GENRE_OK;
    for (int pass = 0; pass < KM_MAX_PASSES && !st; pass++) {
        int open = 0;
        for (int w = 0; w < 2 && !st; w++)
            for (int k = 0; k < NKS && !st; k++)
                if (l->km[w][k] && !l->done[w][k] && ++open)
                    st = genre_kmeans_partial_create_from_model(&l->p[w][k], l->km[w][k]);
        if (!open || (st = cl_agree(st, r->error, sizeof r->error)))
            break;
        if (!(st = read_spill(r, f, buf, add_block, l)))
            r->sm.kmeans_passes++;
        /* several ranks: each pass's states merged in rank order */
        if ((st = cl_agree(st, r->error, sizeof r->error)))
            break;
        for (int w = 0; w < 2 && !st; w++)
            for (int k = 0; k < NKS && !st; k++)
                if (l->p[w][k])
                    st = cl_kmeans_merge(&l->p[w][k]);
        for (int w = 0; w < 2 && !st; w++)
            for (int k = 0; k < NKS && !st; k++) {
                if (!l->p[w][k])
                    continue;
                int64_t conv = 0;
                if (!(st = genre_kmeans_fit_partial(l->km[w][k], l->p[w][k])) &&
                    !(st = genre_kmeans_get_i64(l->km[w][k], GENRE_KMEANS_CONVERGED, &conv)))
                    l->done[w][k] = r->sm.kmeans_converged[w][k] = conv != 0;
                st = cl_agree(st, r->error, sizeof r->error);
                genre_kmeans_get_f64(l->km[w][k], GENRE_KMEANS_INERTIA, &r->km_inertia[w][k]);
                genre_kmeans_partial_free(l->p[w][k]);
                l->p[w][k] = NULL;
            }
    }
    return st;
}

/* k-means++ on the reservoir's rows in slot order (the same on every
 * rank: merged to all). */
static genre_status init_from_reservoir(genre_kmeans *km, const reservoir *res)
{
    const size_t n = reservoir_filled(res);
    genre_kmeans_sample *ks = NULL;
    genre_status st = genre_kmeans_sample_create(&ks, res->d, n ? n : 1, 0);
    /* a sample at least as large as its rows keeps them in order */
    if (!st && n)
        st = genre_kmeans_sample_add(ks, res->rows, n, res->d, res->d);
    if (!st)
        st = genre_kmeans_init_from_sample(km, ks);
    genre_kmeans_sample_free(ks);
    return st;
}

/* Silhouettes of each k on the sample's LDA features; the best k. */
static genre_status silhouettes(run *r, lloyd *l, int w)
{
    const size_t n = r->sm.n_sample;
    genre_status st = GENRE_OK;
    int best = -1;
    for (int k = 0; k < NKS && !st; k++) {
        r->km_sil[w][k] = NAN;
        if ((st = genre_kmeans_predict(l->km[w][k], r->sm.sample_lda, n, (size_t)w + 2,
                                       r->n_ld, l->lab, n, NULL)))
            break;
        double mean = NAN;
        if (!genre_metrics_silhouette(r->sm.sample_lda, n, (size_t)w + 2, r->n_ld, l->lab,
                                      r->opt.threads, &mean, NULL, 0, NULL, NULL, NULL))
            r->km_sil[w][k] = mean;
        if (isfinite(r->km_sil[w][k]) && (best < 0 || r->km_sil[w][k] > r->km_sil[w][best]))
            best = k;
    }
    r->km_best[w] = KMIN + (best < 0 ? 0 : best);
    return st;
}

int stream_kmeans_unconverged(const run *r)
{
    int open = 0;
    for (int w = 0; w < 2; w++)
        for (int k = 0; k < NKS; k++)
            open += r->have_kmeans[w] && !r->sm.kmeans_converged[w][k];
    return open;
}

int stream_kmeans(run *r, stream_fit *f)
{
    stage *s = stage_begin(r, "stream: k-means sweep (LDA 2-D, 3-D)");
    if (r->opt.no_kmeans || r->n_ld < 2 || !f->spill) {
        if (r->opt.no_kmeans)
            stage_note(s, "--no-kmeans");
        else
            stage_note(s, "needs 2 LDA discriminants; the table has %zu", r->n_ld);
        stage_end(s, ST_SKIPPED);
        return 0;
    }
    lloyd l = {.r = r};
    genre_status st = GENRE_OK;
    double t0 = now_s();
    double *buf = xcalloc((size_t)SPILL_BLOCK * (f->spill_cols + 1), sizeof *buf);
    size_t nlab = r->sm.n_sample > SPILL_BLOCK ? r->sm.n_sample : SPILL_BLOCK;
    l.lab = xcalloc(nlab, sizeof *l.lab);
    if (!buf || !l.lab) /* agreed below */
        st = genre_set_error(GENRE_E_NOMEM, "no memory for the k-means passes");
    for (int w = 0; w < 2 && !st; w++)
        for (int k = 0; k < NKS && f->kms[w].cap && !st; k++)
            if (!(st = genre_kmeans_create(&l.km[w][k])) &&
                !(st = genre_kmeans_set_i64(l.km[w][k], GENRE_KMEANS_K, KMIN + k)) &&
                !(st = genre_kmeans_set_i64(l.km[w][k], GENRE_KMEANS_SEED,
                                            (int64_t)r->opt.seed)) &&
                !(st = genre_kmeans_set_i64(l.km[w][k], GENRE_KMEANS_N_THREADS,
                                            r->opt.threads)))
                st = init_from_reservoir(l.km[w][k], &f->kms[w]);
    int64_t spill_rows = f->spill_rows; /* every rank's */
    if ((st = cl_agree(st, r->error, sizeof r->error)) || (st = cl_sum_i64(&spill_rows, 1)) ||
        (st = lloyd_passes(r, f, &l, buf)))
        goto out;
    /* the silhouettes on rank 0, which holds the sample; the rest learn
     * them and the best k from it */
    for (int w = 0; w < 2 && !st; w++) {
        if (!l.km[w][0])
            continue;
        if (cl_rank() == 0)
            st = silhouettes(r, &l, w);
        r->km_comp[w] = xcalloc((size_t)KMAX * (size_t)r->K, sizeof *r->km_comp[w]);
        if (!st && !r->km_comp[w])
            st = genre_set_error(GENRE_E_NOMEM, "no memory");
        r->have_kmeans[w] = 1;
    }
    if (!(st = cl_agree(st, r->error, sizeof r->error)) &&
        !(st = cl_bcast(r->km_sil, sizeof r->km_sil)) &&
        !(st = cl_bcast(r->km_best, sizeof r->km_best))) {
        st = read_spill(r, f, buf, count_block, &l);
        if (!(st = cl_agree(st, r->error, sizeof r->error)))
            for (int w = 0; w < 2 && !st; w++)
                if (r->have_kmeans[w])
                    st = cl_sum_i64(r->km_comp[w], (size_t)KMAX * (size_t)r->K);
    }
    r->km_seconds[0] = r->km_seconds[1] = now_s() - t0;
out:
    for (int w = 0; w < 2; w++)
        for (int k = 0; k < NKS; k++)
            genre_kmeans_free(l.km[w][k]), genre_kmeans_partial_free(l.p[w][k]);
    free(buf), free(l.lab);
    if (st) {
        r->have_kmeans[0] = r->have_kmeans[1] = 0;
        return stream_fail(r, s, st, "k-means");
    }
    int open = stream_kmeans_unconverged(r);
    char k3[32] = "";
    if (r->have_kmeans[1])
        snprintf(k3, sizeof k3, ", %d (3-D)", r->km_best[1]);
    stage_note(s, "best k %d (2-D)%s; %d Lloyd passes over the spill of %lld rows%s",
               r->km_best[0], k3, r->sm.kmeans_passes, (long long)spill_rows,
               open ? "; some k stopped at the pass cap unconverged" : "");
    stage_end(s, ST_DONE);
    return 0;
}
