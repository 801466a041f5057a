/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The report's plots (genre_plot.h on cairo): feature histograms and
 * correlations, PCA and LDA projections, k-means clusters, the name study,
 * loss and ROC curves; plot_save() records each in the report. */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct rank_item {
    double v;
    size_t i;
} rank_item;

static int cmp_rank(const void *a, const void *b)
{
    double x = ((const rank_item *)a)->v, y = ((const rank_item *)b)->v;
    return (x > y) - (x < y);
}

/* Pearson correlation of the columns of x (n x d) into c (d x d). */
static void pearson(const double *x, size_t n, size_t d, double *c)
{
    double *mean = xcalloc(d, sizeof *mean), *sd = xcalloc(d, sizeof *sd);
    if (!mean || !sd) {
        free(mean), free(sd);
        for (size_t k = 0; k < d * d; k++)
            c[k] = NAN;
        return;
    }
    for (size_t j = 0; j < d; j++) {
        for (size_t i = 0; i < n; i++)
            mean[j] += x[i * d + j];
        mean[j] /= (double)n;
        for (size_t i = 0; i < n; i++)
            sd[j] += (x[i * d + j] - mean[j]) * (x[i * d + j] - mean[j]);
        sd[j] = sqrt(sd[j]);
    }
    for (size_t a = 0; a < d; a++)
        for (size_t b = a; b < d; b++) {
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]);
            double v = (sd[a] > 0 && sd[b] > 0) ? s / (sd[a] * sd[b]) : 0;
            c[a * d + b] = c[b * d + a] = v;
        }
    free(mean), free(sd);
}

/* Spearman = Pearson of average ranks. */
static int spearman(const double *x, size_t n, size_t d, double *c)
{
    double *rk = xcalloc(n * d, sizeof *rk);
    rank_item *it = xcalloc(n, sizeof *it);
    if (!rk || !it) {
        free(rk), free(it);
        return -1;
    }
    for (size_t j = 0; j < d; j++) {
        for (size_t i = 0; i < n; i++)
            it[i].v = x[i * d + j], it[i].i = i;
        qsort(it, n, sizeof *it, cmp_rank);
        for (size_t i = 0; i < n;) {
            size_t k = i;
            while (k + 1 < n && it[k + 1].v == it[i].v)
                k++;
            double avg = 0.5 * ((double)i + (double)k) + 1;
            for (size_t m = i; m <= k; m++)
                rk[it[m].i * d + j] = avg;
            i = k + 1;
        }
    }
    pearson(rk, n, d, c);
    free(rk), free(it);
    return 0;
}

int plot_save(run *r, gplot *p, const char *base, const char *section,
              const char *caption, int w, int h)
{
    char path[sizeof r->plotdir + 80], err[600], rel[2][100];
    snprintf(path, sizeof path, "%s/%s", r->plotdir, base);
    snprintf(rel[0], sizeof rel[0], "plots/%s.png", base);
    snprintf(rel[1], sizeof rel[1], "plots/%s.svg", base);
    /* written down before the files exist, so a kill leaves nothing unlisted */
    if (report_dir_record(&r->rd, rel[0]) || report_dir_record(&r->rd, rel[1])) {
        say("genre-analysis: plot %s not written: cannot record it in the report's marker\n",
            base);
        return -1;
    }
    if (gplot_save(p, path, w, h, err, sizeof err)) {
        say("genre-analysis: plot %s not written: %s\n", base, err);
        return -1;
    }
    pthread_mutex_lock(&g_reg);
    if (r->n_plots < (int)(sizeof r->plots / sizeof r->plots[0])) {
        plotref *q = &r->plots[r->n_plots++];
        snprintf(q->base, sizeof q->base, "%s", base);
        snprintf(q->section, sizeof q->section, "%s", section);
        snprintf(q->caption, sizeof q->caption, "%s", caption);
    }
    pthread_mutex_unlock(&g_reg);
    return 0;
}

/* Levels of feature column j when it is a code or a one-hot column
 * (its histogram has one bin per level); 0 for a numeric column. */
static int feature_levels(const run *r, size_t j)
{
    for (size_t k = 0; k < r->n_fsrc; k++) {
        const feature_src *f = &r->fsrc[k];
        if (j < f->first || j >= f->first + f->width)
            continue;
        if (f->role != GENRE_COL_CATEGORICAL)
            return 0;
        return f->n_order ? (int)f->n_order : 2;
    }
    return 0;
}

/* A plot file name from a column name: letters, digits, - and _ kept, the
 * rest _ (a user's header may hold spaces and slashes); a user's table
 * gets the column's index too, so two names never meet. */
static void plot_base(const run *r, char *b, size_t cap, const char *prefix, size_t j,
                      const char *name)
{
    size_t o = r->is_ref ? (size_t)snprintf(b, cap, "%s_", prefix)
                         : (size_t)snprintf(b, cap, "%s_%zu_", prefix, j + 1);
    for (const char *p = name; *p && o + 1 < cap && o < 48; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_';
        b[o++] = ok ? c : '_';
    }
    b[o] = 0;
}

#define MAX_HISTOGRAMS 40

void plots_data(run *r)
{
    /* feature histograms by class (training rows), density per class */
    enum { NB = 40 };
    const size_t d = r->d, K = (size_t)r->K;
    double *cnt = xcalloc(K * (NB + 1), sizeof *cnt);
    if (!cnt)
        return;
    for (size_t j = 0; j < d && j < MAX_HISTOGRAMS && !g_cancel; j++) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < r->ntr; i++) {
            double v = r->xtr[i * d + j];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        if (!(hi > lo))
            hi = lo + 1;
        int levels = feature_levels(r, j);
        int nb = levels ? (levels < NB ? levels : NB) : NB;
        if (levels)
            lo -= 0.5, hi += 0.5;
        double w = (hi - lo) / nb;
        memset(cnt, 0, K * (NB + 1) * sizeof *cnt);
        for (size_t i = 0; i < r->ntr; i++) {
            int k = (int)((r->xtr[i * d + j] - lo) / w);
            k = k < 0 ? 0 : k >= nb ? nb - 1 : k;
            cnt[(size_t)r->ytr[i] * (NB + 1) + (size_t)k]++;
        }
        char title[160], cap[200], base[64];
        snprintf(title, sizeof title, "Distribution of %.100s by %s", r->feat[j],
                 r->is_ref ? "genre" : "class");
        gplot *p = gplot_create(GPLOT_XY, title, r->feat[j],
                                r->is_ref ? "share of the genre's rows" : "share of the class's rows");
        if (!p)
            break;
        for (size_t c = 0; c < K; c++) {
            double xs[2 * NB + 2], ys[2 * NB + 2];
            size_t m = 0;
            for (int k = 0; k < nb; k++) {
                double v = r->train_per_class[c]
                               ? cnt[c * (NB + 1) + (size_t)k] / (double)r->train_per_class[c]
                               : 0;
                xs[m] = lo + k * w, ys[m++] = v;
                xs[m] = lo + (k + 1) * w, ys[m++] = v;
            }
            gplot_line(p, xs, ys, m, (int)c, 0, 1.6, r->genre[c]);
        }
        plot_base(r, base, sizeof base, "hist", j, r->feat[j]);
        snprintf(cap, sizeof cap, "%.100s: histogram per %s (training rows, after imputation)",
                 r->feat[j], r->is_ref ? "genre" : "class");
        plot_save(r, p, base, "features", cap, 900, 560);
        gplot_free(p);
    }
    free(cnt);
    /* correlation heatmaps */
    double *c = xcalloc(d * d, sizeof *c);
    if (!c)
        return;
    const char *const *names = (const char *const *)r->feat;
    char cap[120];
    pearson(r->xtr, r->ntr, d, c);
    gplot *p = gplot_create(GPLOT_HEATMAP, "Pearson correlation (training rows)", "", "");
    snprintf(cap, sizeof cap, "Pearson correlation of the %zu features", d);
    if (p && !gplot_heatmap(p, c, d, names))
        plot_save(r, p, "corr_pearson", "features", cap, 900, 820);
    gplot_free(p);
    if (!spearman(r->xtr, r->ntr, d, c)) {
        p = gplot_create(GPLOT_HEATMAP, "Spearman rank correlation (training rows)", "", "");
        snprintf(cap, sizeof cap, "Spearman rank correlation of the %zu features", d);
        if (p && !gplot_heatmap(p, c, d, names))
            plot_save(r, p, "corr_spearman", "features", cap, 900, 820);
        gplot_free(p);
    }
    free(c);
}

void plots_linear(run *r)
{
    const size_t K = (size_t)r->K, npc = r->n_pc;
    if (r->have_pca) {
        double *x = xcalloc(npc, sizeof *x), *y = xcalloc(npc, sizeof *y),
               *cum = xcalloc(npc, sizeof *cum), acc = 0;
        for (size_t k = 0; x && y && cum && k < npc; k++) {
            x[k] = (double)k + 1, y[k] = r->pca_ratio[k];
            acc += r->pca_ratio[k];
            cum[k] = acc;
        }
        char title[96];
        if (r->is_ref)
            snprintf(title, sizeof title, "PCA scree (12 standardized features, no key)");
        else
            snprintf(title, sizeof title, "PCA scree (%zu columns)", r->d_pca);
        gplot *p = x && y && cum ? gplot_create(GPLOT_XY, title, "component",
                                                "explained-variance ratio")
                                 : NULL;
        if (p) {
            gplot_set_ylim(p, 0, 1.02);
            gplot_line(p, x, y, npc, 0, 0, 2.5, "per component");
            gplot_line(p, x, cum, npc, 3, 1, 2.5, "cumulative");
            plot_save(r, p, "pca_scree", "reduction", "PCA explained-variance ratio", 900, 560);
        }
        gplot_free(p);
        free(x), free(y), free(cum);
        p = npc >= 2 ? gplot_create(GPLOT_XY, "PCA: first two components", "PC 1", "PC 2")
                     : NULL;
        if (p && !gplot_set_classes(p, r->genre_ptr, K) &&
            !gplot_points(p, r->pca_tr, r->pca_tr + 1, NULL, npc, r->ytr, r->ntr,
                          PLOT_POINTS, 1.5))
            plot_save(r, p, "pca_2d", "reduction",
                      r->is_ref ? "PCA scores of training rows (8,000 shown), coloured by genre"
                                : "PCA scores of training rows (at most 8,000 shown), coloured "
                                  "by class",
                      900, 700);
        gplot_free(p);
    }
    if (r->have_lda && r->n_ld >= 2) {
        const size_t nl = r->n_ld;
        gplot *p = gplot_create(GPLOT_XY, "LDA: first two discriminants", "LD 1", "LD 2");
        if (p && !gplot_set_classes(p, r->genre_ptr, K) &&
            !gplot_points(p, r->lda_tr, r->lda_tr + 1, NULL, nl, r->ytr, r->ntr,
                          PLOT_POINTS, 1.5))
            plot_save(r, p, "lda_2d", "reduction",
                      r->is_ref ? "LDA projection of training rows (8,000 shown), coloured by "
                                  "genre"
                                : "LDA projection of training rows (at most 8,000 shown), "
                                  "coloured by class",
                      900, 700);
        gplot_free(p);
        const double views[2][2] = {{35, 25}, {125, 15}};
        for (int v = 0; v < 2 && nl >= 3; v++) {
            char base[32], title[64];
            snprintf(base, sizeof base, "lda_3d_view%d", v + 1);
            snprintf(title, sizeof title, "LDA: first three discriminants (view %d)", v + 1);
            p = gplot_create(GPLOT_SCATTER3, title, "LD 1", "LD 2");
            if (p && !gplot_set_classes(p, r->genre_ptr, K) &&
                !gplot_points(p, r->lda_tr, r->lda_tr + 1, r->lda_tr + 2, nl, r->ytr,
                              r->ntr, PLOT_POINTS, 1.5)) {
                gplot_set_view(p, views[v][0], views[v][1], "LD 3");
                plot_save(r, p, base, "reduction", "LDA 3-D projection of training rows",
                          900, 700);
            }
            gplot_free(p);
        }
    }
}

void plots_kmeans(run *r)
{
    for (int v = 0; v < 2; v++) {
        if (!r->have_kmeans[v])
            continue;
        char base[32], title[96], cap[200];
        snprintf(base, sizeof base, "kmeans_lda%dd", v + 2);
        snprintf(title, sizeof title, "k-means, k = %d, on LDA %d-D", r->km_best[v], v + 2);
        gplot *p = gplot_create(v ? GPLOT_SCATTER3 : GPLOT_XY, title, "LD 1", "LD 2");
        const char *names[KMAX];
        char nb[KMAX][24]; /* "cluster " + any int */
        for (int k = 0; k < r->km_best[v]; k++) {
            snprintf(nb[k], sizeof nb[k], "cluster %d", k + 1);
            names[k] = nb[k];
        }
        if (p && !gplot_set_classes(p, names, (size_t)r->km_best[v]) &&
            !gplot_points(p, r->lda_tr, r->lda_tr + 1, v ? r->lda_tr + 2 : NULL, r->n_ld,
                          r->km_labels[v], r->ntr, PLOT_POINTS, 1.5)) {
            if (v)
                gplot_set_view(p, 35, 25, "LD 3");
            snprintf(cap, sizeof cap, "k-means clusters (best k by silhouette) on LDA %d-D",
                     v + 2);
            plot_save(r, p, base, "kmeans", cap, 900, 700);
        }
        gplot_free(p);
    }
    if (r->have_kmeans[0] || r->have_kmeans[1]) {
        gplot *p = gplot_create(GPLOT_XY, "Silhouette vs k (k-means on LDA features)", "k",
                                "mean silhouette");
        if (p) {
            double ks[NKS];
            for (int k = 0; k < NKS; k++)
                ks[k] = KMIN + k;
            for (int v = 0; v < 2; v++)
                if (r->have_kmeans[v])
                    gplot_line(p, ks, r->km_sil[v], (size_t)km_count(r), v, 0, 2.5,
                               v ? "LDA 3-D" : "LDA 2-D");
            char cap[160], few[96] = "";
            if (km_count(r) < NKS)
                snprintf(few, sizeof few, " (%zu training rows: k at most rows - 1)", r->ntr);
            snprintf(cap, sizeof cap, "Exact mean silhouette for k = %d..%d%s", KMIN,
                     KMIN + km_count(r) - 1, few);
            plot_save(r, p, "silhouette_vs_k", "kmeans", cap, 900, 560);
        }
        gplot_free(p);
    }
}

/* Test macro AUROC of each model on each split, as bars (thick vertical
 * lines) from 0.5, the AUROC of guessing. */
void plots_names(run *r)
{
    if (!r->have_ns)
        return;
    const name_study_result *ns = r->ns;
    gplot *p = gplot_create(GPLOT_XY, "Name study: test macro AUROC per model and split",
                            "model (1 names, 2 audio, 3 names+audio, 4 reduced names+audio)",
                            "test macro AUROC");
    if (!p)
        return;
    double lo = 1;
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++)
        for (int m = 0; m < NAME_STUDY_N_MODELS && ns->split[s].available; m++)
            if (ns->split[s].model[m].auroc < lo)
                lo = ns->split[s].model[m].auroc;
    double base = floor((lo - 0.05) * 20) / 20;
    if (base < 0.5)
        base = 0.5;
    gplot_set_xlim(p, 0.4, NAME_STUDY_N_MODELS + 0.6);
    gplot_set_ylim(p, base, 1.0);
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++)
        for (int m = 0; m < NAME_STUDY_N_MODELS && ns->split[s].available; m++) {
            if (!isfinite(ns->split[s].model[m].auroc)) /* a combined model not fit */
                continue;
            double x = m + 1 + (s == NS_SPLIT_RANDOM ? -0.17 : 0.17);
            double xs[2] = {x, x}, ys[2] = {base, ns->split[s].model[m].auroc};
            gplot_line(p, xs, ys, 2, s == NS_SPLIT_RANDOM ? 0 : 3, 0, 34,
                       m == 0 ? (s == NS_SPLIT_RANDOM ? "random split" : ns->split[s].name)
                              : NULL);
            char t[32];
            snprintf(t, sizeof t, "%.3f", ns->split[s].model[m].auroc);
            gplot_annotate(p, x, ns->split[s].model[m].auroc, t);
        }
    plot_save(r, p, "names_auroc", "names",
              "Name study: test macro AUROC of names only, audio only, names+audio and "
              "reduced names+audio on each split",
              900, 560);
    gplot_free(p);
}

void plots_models(run *r)
{
    for (int k = 0; k < r->n_models; k++) {
        model_result *m = &r->m[k];
        if (!m->available || !m->hist_train || !m->hist_test || !m->hist_val)
            continue;
        double *ep = xcalloc(m->n_hist, sizeof *ep);
        if (!ep)
            return;
        for (size_t e = 0; e < m->n_hist; e++)
            ep[e] = (double)e + 1;
        char title[128], base[32], cap[200];
        snprintf(title, sizeof title, "MLP %s (%s): loss per epoch", m->name, m->ref_layers);
        gplot *p = gplot_create(GPLOT_XY, title, "epoch", "cross-entropy");
        if (p) {
            gplot_line(p, ep, m->hist_train, m->n_hist, 0, 0, 2, "train");
            gplot_line(p, ep, m->hist_val, m->n_hist, 2, 0, 2, "validation");
            gplot_line(p, ep, m->hist_test, m->n_hist_test, 3, 1, 2, "test");
            double be = (double)m->best_epoch, yb = m->hist_val[m->best_epoch - 1];
            char note[64];
            snprintf(note, sizeof note, "chosen: epoch %lld", (long long)m->best_epoch);
            gplot_annotate(p, be, yb, note);
            snprintf(base, sizeof base, "loss_model%d", k + 1);
            snprintf(cap, sizeof cap,
                     "%s: train, validation and test loss per epoch (lr %g and epoch chosen "
                     "on validation; the test loss is followed up to the chosen epoch)",
                     m->name, m->lr);
            plot_save(r, p, base, "models", cap, 900, 560);
        }
        gplot_free(p);
        free(ep);
    }
    /* ROC curves of each available model: per genre, micro and macro */
    for (int k = -1; k < r->n_models; k++) {
        const double *proba = k < 0 ? r->lda_clf_proba : r->m[k].proba_test;
        int avail = k < 0 ? r->have_lda_clf : r->m[k].available;
        if (!avail || !proba)
            continue;
        const size_t K = (size_t)r->K;
        size_t cap = r->nte * K + 2;
        double *fpr = xcalloc(cap, sizeof *fpr), *tpr = xcalloc(cap, sizeof *tpr);
        enum { G = 201 };
        double grid[G], macro[G];
        for (int g = 0; g < G; g++)
            grid[g] = g / (double)(G - 1), macro[g] = 0;
        char title[128], base[32], capt[200];
        snprintf(title, sizeof title, "ROC curves (test rows): %s",
                 k < 0 ? "LDA classifier" : r->m[k].name);
        gplot *p = fpr && tpr ? gplot_create(GPLOT_XY, title, "false positive rate",
                                             "true positive rate")
                              : NULL;
        if (p) {
            gplot_set_xlim(p, 0, 1);
            gplot_set_ylim(p, 0, 1.01);
            for (size_t c = 0; c < K; c++) {
                size_t np = 0;
                if (genre_metrics_roc_curve(r->yte, proba + c, r->nte, K, (int32_t)c, 1, fpr,
                                            tpr, NULL, cap, &np))
                    continue;
                char lab[96];
                double auc = 0;
                genre_metrics_roc_auc(r->yte, proba + c, r->nte, K, (int32_t)c, &auc);
                snprintf(lab, sizeof lab, "%.60s %.3f", r->genre[c], auc);
                gplot_line(p, fpr, tpr, np, (int)c, 0, 1.4, lab);
                for (int g = 0; g < G; g++) { /* linear interpolation on the grid */
                    size_t a = 0;
                    while (a + 1 < np && fpr[a + 1] < grid[g])
                        a++;
                    double v = tpr[a];
                    if (a + 1 < np && fpr[a + 1] > fpr[a])
                        v = tpr[a] + (tpr[a + 1] - tpr[a]) * (grid[g] - fpr[a]) /
                                         (fpr[a + 1] - fpr[a]);
                    macro[g] += v / (double)K;
                }
            }
            size_t np = 0;
            if (!genre_metrics_roc_curve_micro(r->yte, proba, r->nte, K, K, 1, fpr, tpr,
                                               NULL, cap, &np))
                gplot_line(p, fpr, tpr, np, -1, 1, 2.6, "micro average");
            gplot_line(p, grid, macro, G, -1, 0, 3.0, "macro average");
            double diag[2] = {0, 1};
            gplot_line(p, diag, diag, 2, 7, 1, 1, NULL);
            snprintf(base, sizeof base, "roc_%s", k < 0 ? "lda" : (const char *[]){"model1", "model2", "model3", "model4"}[k]);
            snprintf(capt, sizeof capt, "ROC curves of %s: per %s (AUC in the legend), "
                     "micro and macro average",
                     k < 0 ? "the LDA classifier" : r->m[k].name, r->is_ref ? "genre" : "class");
            plot_save(r, p, base, "models", capt, 900, 640);
        }
        gplot_free(p);
        free(fpr), free(tpr);
    }
}
