/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The t-SNE stage: 2-D and 3-D embeddings of the PCA scores at each
 * perplexity asked for, with their plots (stage_tsne()); the neighbours are
 * searched once, the affinities computed once per perplexity. */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <stdlib.h>

/* The affinities at perplexity b for the fits of t (configured for it),
 * into aff[b]: every perplexity takes its neighbours from the largest
 * one's (aff[top], computed once), and the 2-D and 3-D fits share them
 * (genre_tsne_affinity_derive: the same embeddings, bit for bit). */
static genre_status affinity_for(run *r, genre_tsne *t, size_t n, genre_tsne_affinity **aff,
                                 int b, int top)
{
    genre_status st = GENRE_OK;
    if (!aff[top]) {
        genre_tsne *base = NULL;
        if (!genre_tsne_create(&base) &&
            !genre_tsne_set_f64(base, GENRE_TSNE_PERPLEXITY, r->opt.perplexity[top]) &&
            !genre_tsne_set_i64(base, GENRE_TSNE_SEED, (int64_t)r->opt.seed) &&
            !genre_tsne_set_i64(base, GENRE_TSNE_N_THREADS, r->opt.threads))
            genre_tsne_affinity_create(&aff[top], base, r->pca_tr, n, r->n_pc, r->n_pc);
        genre_tsne_free(base);
    }
    if (b != top && aff[top])
        st = genre_tsne_affinity_derive(&aff[b], t, aff[top]);
    /* no usable source (the largest perplexity too large for the rows, or
     * its neighbours every row): computed alone, failing as a fit would */
    if (!aff[b])
        st = genre_tsne_affinity_create(&aff[b], t, r->pca_tr, n, r->n_pc, r->n_pc);
    return st;
}

int stage_tsne(run *r)
{
    stage *s = stage_begin(r, "t-SNE");
    if (r->opt.no_tsne || !r->have_pca) {
        stage_note(s, r->opt.no_tsne ? "--no-tsne" : "no PCA scores to embed");
        stage_end(s, ST_SKIPPED);
        return 0;
    }
    size_t n = r->ntr;
    if (r->opt.tsne_rows > 0 && (size_t)r->opt.tsne_rows < n)
        n = (size_t)r->opt.tsne_rows;
    /* the first n training rows: a random subsample, since the split shuffled them */
    double *emb = xcalloc(n * 3, sizeof *emb);
    if (!emb)
        return stage_fail(r, s, GENRE_E_NOMEM, "t-SNE");
    genre_status st = GENRE_OK;
    genre_tsne_affinity *aff[sizeof r->opt.perplexity / sizeof r->opt.perplexity[0]] = {0};
    int top = 0;
    for (int b = 1; b < r->opt.n_perplexity; b++)
        if (r->opt.perplexity[b] > r->opt.perplexity[top])
            top = b;
    for (int a = 0; a < r->opt.n_dims && !stopping(r); a++)
        for (int b = 0; b < r->opt.n_perplexity && !stopping(r); b++) {
            int dim = r->opt.dims[a];
            double perp = r->opt.perplexity[b];
            char label[64];
            snprintf(label, sizeof label, "t-SNE %d-D perplexity %g", dim, perp);
            bar br;
            bar_start(&br, label);
            genre_tsne *t = NULL;
            double t0 = now_s();
            if ((st = genre_tsne_create(&t)) ||
                (st = genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, perp)) ||
                (st = genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, dim)) ||
                (st = genre_tsne_set_i64(t, GENRE_TSNE_MAX_ITER, r->opt.tsne_iter)) ||
                (st = genre_tsne_set_f64(t, GENRE_TSNE_THETA, r->opt.tsne_theta)) ||
                (st = genre_tsne_set_i64(t, GENRE_TSNE_SEED, (int64_t)r->opt.seed)) ||
                (st = genre_tsne_set_i64(t, GENRE_TSNE_N_THREADS, r->opt.threads)) ||
                (st = genre_tsne_set_i64(t, GENRE_TSNE_REPORT_EVERY, 10)) ||
                (st = genre_tsne_set_progress(t, progress_tsne, &br)) ||
                (!aff[b] && (st = affinity_for(r, t, n, aff, b, top))) ||
                (st = genre_tsne_fit_embed_affinity(t, aff[b], r->pca_tr, n, r->n_pc, r->n_pc,
                                                    emb, n * 3, NULL))) {
                genre_tsne_free(t);
                bar_end(&br, "stopped");
                goto done;
            }
            int i = r->n_tsne++;
            r->tsne[i].dim = dim;
            r->tsne[i].perplexity = perp;
            r->tsne[i].rows = (int64_t)n;
            r->tsne[i].seconds = now_s() - t0;
            genre_tsne_get_f64(t, GENRE_TSNE_KL_DIVERGENCE, &r->tsne[i].kl);
            genre_tsne_get_i64(t, GENRE_TSNE_N_ITER, &r->tsne[i].iters);
            r->tsne[i].ok = 1;
            genre_tsne_free(t);
            char res[64];
            snprintf(res, sizeof res, "KL %.3f", r->tsne[i].kl);
            bar_end(&br, res);
            if (!r->opt.no_plots) {
                char base[64], cap[200];
                snprintf(base, sizeof base, "tsne_%dd_p%g", dim, perp);
                if (r->is_ref)
                    snprintf(cap, sizeof cap,
                             "t-SNE %d-D, perplexity %g, of %zu training rows (PCA scores of "
                             "the 12 standardized features without key), coloured by genre",
                             dim, perp, n);
                else
                    snprintf(cap, sizeof cap,
                             "t-SNE %d-D, perplexity %g, of %zu training rows (%zu PCA "
                             "scores), coloured by class",
                             dim, perp, n, r->n_pc);
                gplot *p = gplot_create(dim == 2 ? GPLOT_XY : GPLOT_SCATTER3, label,
                                        "t-SNE 1", "t-SNE 2");
                if (p && !gplot_set_classes(p, r->genre_ptr, (size_t)r->K) &&
                    !gplot_points(p, emb, emb + 1, dim == 3 ? emb + 2 : NULL, (size_t)dim,
                                  r->ytr, n, PLOT_POINTS, 1.5)) {
                    if (dim == 3)
                        gplot_set_view(p, 35, 25, "t-SNE 3");
                    plot_save(r, p, base, "tsne", cap, 900, 700);
                }
                gplot_free(p);
            }
        }
done:
    for (int b = 0; b < r->opt.n_perplexity; b++)
        genre_tsne_affinity_free(aff[b]);
    free(emb);
    if (st)
        return stage_fail(r, s, st, "t-SNE");
    stage_note(s, "%d embeddings of %zu rows", r->n_tsne, n);
    stage_end(s, ST_DONE);
    return 0;
}
