/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The first layer's weight gradient on CSR mini-batches, and the lazy
 * (GENRE_MLP_SPARSE_UPDATE) optimiser step over the rows a batch touches.
 *
 * A batch's entries are grouped by feature (csr_group()), and the output
 * gradient of the first layer is transposed to one row of o values per batch
 * row (w->dzr). A feature's gradient row is then computed in one go, in the
 * order the dense kernels sum (batch row r into lane r % WL, rows in order,
 * fused multiply-adds from +0, lanes combined (0 + 2) + (1 + 3); rows without
 * the feature add exact zeros there), so it has the dense gradient's bits.
 *
 * The lazy step computes each touched row's gradient right before its
 * update, into a buffer that stays in L1: no gradient row of the wide first
 * layer is written to memory and read back, so a batch visits the rows of
 * the weights and of the two moments and nothing else of the 2^16-column
 * table.
 */

#include "mlp_private.h"

/* Groups the entries of rows idx[0..rows) of a CSR input by feature:
 * w->touched lists the features (order of first occurrence), w->slot maps
 * each back, and feature s's entries (batch row, value) are
 * ent_row / ent_val[feat_start[s] .. feat_start[s + 1]), in row order. */
static void csr_group(train_ws *w, const mlp_input *in, const size_t *idx, size_t rows)
{
    for (size_t s = 0; s < w->n_touched; s++)
        w->slot[w->touched[s]] = SIZE_MAX;
    size_t nt = 0, k = 0, *start = w->feat_start;
    for (size_t r = 0; r < rows; r++) /* counts, at start[s + 1] */
        for (size_t p = in->row_ptr[idx[r]]; p < in->row_ptr[idx[r] + 1]; p++) {
            const size_t c = in->col_idx[p];
            size_t s = w->slot[c];
            if (s == SIZE_MAX) {
                s = w->slot[c] = nt++;
                w->touched[s] = c;
                start[s + 1] = 0;
            }
            start[s + 1]++;
            w->ent_slot[k++] = s; /* slot[] is scattered: looked up once */
        }
    start[0] = 0;
    for (size_t s = 0; s < nt; s++)
        start[s + 1] += start[s];
    /* each start[s] runs to its feature's end, which is the next one's start */
    k = 0;
    for (size_t r = 0; r < rows; r++)
        for (size_t p = in->row_ptr[idx[r]]; p < in->row_ptr[idx[r] + 1]; p++) {
            const size_t q = start[w->ent_slot[k++]]++;
            w->ent_row[q] = r;
            w->ent_val[q] = in->values[p];
        }
    for (size_t s = nt; s > 0; s--)
        start[s] = start[s - 1];
    start[0] = 0;
    w->n_touched = nt;
}

/* dzr (rows x o) = the transpose of the first `rows` columns of dz (o x ld). */
static void rows_of(const double *dz, size_t ld, size_t o, size_t rows, double *dzr)
{
    for (size_t j = 0; j < o; j++)
        for (size_t r = 0; r < rows; r++)
            dzr[r * o + j] = dz[j * ld + r];
}

/* g (o doubles) = the weight gradient row of touched feature s, without L2. */
GENRE_KERNEL
static void feature_grad(const train_ws *w, size_t s, size_t o, double *g)
{
    const size_t b = w->feat_start[s], e = w->feat_start[s + 1];
    if (e - b == 1) { /* one lane: (a + 0) + (0 + 0) == a, as a is never -0 */
        const double v = w->ent_val[b], *d = w->dzr + w->ent_row[b] * o;
        for (size_t j = 0; j < o; j++)
            g[j] = MADD(v, d[j], 0.0);
        return;
    }
    const double *lane[WL];
    unsigned used = 0;
    for (size_t q = b; q < e; q++) {
        const size_t r = w->ent_row[q], l = r % WL;
        const double v = w->ent_val[q], *d = w->dzr + r * o;
        double *a = w->lanes + l * o;
        if ((used >> l) & 1u) {
            for (size_t j = 0; j < o; j++)
                a[j] = MADD(v, d[j], a[j]);
        } else { /* a first write starts from +0 */
            for (size_t j = 0; j < o; j++)
                a[j] = MADD(v, d[j], 0.0);
            used |= 1u << l;
        }
    }
    for (size_t l = 0; l < WL; l++)
        lane[l] = (used >> l) & 1u ? w->lanes + l * o : w->zeros;
    for (size_t j = 0; j < o; j++)
        g[j] = (lane[0][j] + lane[2][j]) + (lane[1][j] + lane[3][j]);
}

void genre__mlp_csr_first_layer_grad(const mlp_net *n, const mlp_params *p, const fit_data *fd,
                                     const size_t *idx, size_t rows, size_t ld, const double *dz,
                                     train_ws *w)
{
    const size_t o = n->width[1], n_in = n->width[0];
    csr_group(w, &fd->in, idx, rows);
    rows_of(dz, ld, o, rows, w->dzr);
    genre__mlp_bias_grad(dz, ld, o, w->grad + n->b_off[0]);
    if (w->lazy)
        return; /* genre__mlp_lazy_step() computes the rows as it uses them */
    const double *w0 = n->params + n->w_off[0];
    double *gw = w->grad + n->w_off[0];
    memset(gw, 0, n_in * o * sizeof(double));
    for (size_t s = 0; s < w->n_touched; s++)
        feature_grad(w, s, o, gw + w->touched[s] * o);
    if (p->l2 > 0.0)
        for (size_t i = 0; i < n_in * o; i++)
            gw[i] += p->l2 * w0[i];
}

/* The rows of W_0 and of its moments are scattered: each row's first cache
 * line is a miss the hardware cannot foresee, so the rows LAZY_AHEAD
 * features on are fetched early. */
#define LAZY_AHEAD 2
static inline void prefetch_rows(const train_ws *w, const double *par, size_t off, size_t o)
{
#if defined(__GNUC__)
    for (size_t j = 0; j < o + 7; j += 8) {
        __builtin_prefetch(par + off + j, 1);
        __builtin_prefetch(w->m1 + off + j, 1);
        __builtin_prefetch(w->m2 + off + j, 1);
    }
#else
    (void)w, (void)par, (void)off, (void)o;
#endif
}

void genre__mlp_lazy_step(const mlp_params *p, double lr, uint64_t t, double b1t, double b2t,
                          double *par, train_ws *w, size_t o)
{
    const size_t nt = w->n_touched;
    double *g = w->rowbuf;
#if GENRE_MLP_AVX2
    /* Adam's constants once per batch (genre__mlp_opt_step()'s values) */
    const double b1 = p->beta1, b2 = p->beta2, e = p->eps;
    const double step = lr / (1.0 - b1t), bc2 = sqrt(1.0 - b2t);
    const int avx2 = p->optimizer == GENRE_MLP_OPT_ADAM && genre__mlp_have_avx2();
#endif
    for (size_t s = 0; s < nt; s++) {
        const size_t off = w->touched[s] * o;
        if (s + LAZY_AHEAD < nt)
            prefetch_rows(w, par, w->touched[s + LAZY_AHEAD] * o, o);
        feature_grad(w, s, o, g);
        if (p->l2 > 0.0)
            for (size_t j = 0; j < o; j++)
                g[j] += p->l2 * par[off + j];
#if GENRE_MLP_AVX2
        if (avx2) {
            genre__mlp_adam_step_avx2(par + off, g, w->m1 + off, w->m2 + off, o, b1, b2, step,
                                      bc2, e);
            continue;
        }
#endif
        genre__mlp_opt_step(p, lr, t, b1t, b2t, par + off, g, w->m1 + off, w->m2 + off, o);
    }
}
