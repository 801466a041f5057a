/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The tables of index.html that follow the table's shape (its columns,
 * its K classes, its d features): data and imputation per column, unused
 * columns, PCA and LDA, cluster composition, a user's classifiers
 * (analysis.h); report_html.c writes the page around them. Every table
 * fits a 1,280-px-wide window: names break at html_name()'s <wbr>, a table
 * with one column per class is written transposed when K > 10, and each
 * table sits in a .tw box that scrolls should it still be too wide (the
 * page's CSS; tests/analysis_html_layout.c checks all three). */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void html_esc(FILE *f, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
}

/* A column or class name in a table cell, escaped, with a break
 * opportunity (<wbr>) after each '_' '/' '.' '-' '=' ':' and after every 16
 * characters of a run without a blank or one of those: a long name wraps in
 * its cell instead of widening the table. */
void html_name(FILE *f, const char *s)
{
    size_t since = 0; /* characters since the last break opportunity */
    for (; *s; s++) {
        const unsigned char c = (unsigned char)*s;
        const int starts_char = (c & 0xC0) != 0x80; /* not inside a UTF-8 sequence */
        if (since >= 16 && starts_char) {
            fputs("<wbr>", f);
            since = 0;
        }
        const char one[2] = {*s, 0};
        html_esc(f, one);
        since = c == ' ' ? 0 : since + (size_t)starts_char;
        if (strchr("_/.-=:", c)) {
            fputs("<wbr>", f);
            since = 0;
        }
    }
}

/* Rows of the data table: each column's missing cells, labelled with its
 * own markers, and the groups. */
void html_data_rows(FILE *f, const run *r)
{
    for (size_t i = 0; i < r->n_cols; i++) {
        const table_col *c = &r->cols[i];
        if (c->missing_read <= 0 || c->role == GENRE_COL_IGNORE)
            continue;
        fputs("<tr><td>", f);
        html_name(f, c->name);
        fputs(" missing (", f);
        html_esc(f, c->markers);
        fprintf(f, ")</td><td>%lld</td></tr>\n", (long long)c->missing_read);
    }
    if (r->group_col[0]) {
        fputs("<tr><td>groups (", f);
        html_name(f, r->group_col);
        fprintf(f, ") / rows without one</td><td>%lld / %lld</td></tr>\n", (long long)r->groups,
                (long long)r->no_group_rows);
    }
}

/* Per column: missing cells and how they were filled on each side. */
void html_imputation(FILE *f, const run *r)
{
    int any = 0;
    for (size_t i = 0; i < r->n_cols; i++) {
        const table_col *c = &r->cols[i];
        if (c->role == GENRE_COL_IGNORE || (c->missing_read <= 0 && !c->impute[0]))
            continue;
        if (!any++)
            fprintf(f, "<h3>Missing cells per column</h3>\n<div class=\"tw\">"
                       "<table><tr><th>column</th><th>"
                       "markers</th><th>missing (read)</th><th>filled with</th><th>%s</th>"
                       "%s</tr>\n",
                    r->opt.reference_order ? "filled, all rows" : "filled, training rows",
                    r->opt.reference_order ? "" : "<th>filled, test rows</th>");
        fputs("<tr><td>", f);
        html_name(f, c->name);
        fputs("</td><td>", f);
        html_esc(f, c->markers);
        fprintf(f, "</td><td>%lld</td><td class=\"left\">", (long long)c->missing_read);
        html_esc(f, c->impute[0] ? c->impute
                                 : c->used ? "nothing (the export stops at such a cell)"
                                           : "not used");
        fprintf(f, "</td><td>%lld</td>", (long long)c->filled_side[0]);
        if (!r->opt.reference_order)
            fprintf(f, "<td>%lld</td>", (long long)c->filled_side[1]);
        fputs("</tr>\n", f);
    }
    if (any)
        fputs("</table></div>\n<p>Every imputer is fit on the training rows only (with "
              "<code>--reference-order</code>: on all rows before the split).</p>\n",
              f);
    else
        fputs("<p>No missing cells.</p>\n", f);
}

/* The reference table's two imputers, counted in both orders. */
void html_ref_imputation(FILE *f, const run *r)
{
    fputs("<h3>Imputation of the reference table</h3>\n<div class=\"tw\">"
          "<table><tr><th>rows</th><th>duration "
          "from artist median</th><th>duration from global median</th><th>tempo "
          "imputed</th></tr>\n",
          f);
    for (int s = 0; s < (r->opt.reference_order ? 1 : 2); s++)
        fprintf(f, "<tr><td><b>this run</b>: %s</td><td>%lld</td><td>%lld</td><td>%lld</td></tr>\n",
                r->opt.reference_order ? "all rows (reference order, before the split)"
                : s ? "test rows (leak-free: medians of the training rows)"
                    : "training rows (leak-free)",
                (long long)r->ref_imp[s].dur_from_group,
                (long long)r->ref_imp[s].dur_from_global, (long long)r->ref_imp[s].tempo_imputed);
    if (r->have_alt)
        for (int s = 0; s < (r->opt.reference_order ? 2 : 1); s++)
            fprintf(f, "<tr><td>other order, for comparison: %s</td><td>%lld</td><td>%lld</td>"
                       "<td>%lld</td></tr>\n",
                    !r->opt.reference_order ? "all rows (reference order, before the split)"
                    : s ? "test rows (leak-free)" : "training rows (leak-free)",
                    (long long)r->alt_imp[s].dur_from_group,
                    (long long)r->alt_imp[s].dur_from_global,
                    (long long)r->alt_imp[s].tempo_imputed);
    fputs("</table></div>\n<p>The reference analysis filled the medians over all rows before the "
          "split, so test rows lent their durations to the training rows' artist medians; "
          "<code>--reference-order</code> reproduces that order, the default fits every "
          "median on the training rows only. Both orders' counts are shown.</p>\n", f);
    if (r->tempo_mlp)
        fprintf(f, "<p>Tempo: MLP regressor (12 features, 32-16 ReLU, 30 epochs) fit on %lld "
                   "training rows with a tempo; held-out R&sup2; on %lld rows: <b>%.3f</b> "
                   "(the training median scores %.3f; scikit-learn's MLPRegressor gets about "
                   "0.13).</p>\n",
                (long long)r->tempo_fit_rows, (long long)r->tempo_holdout_rows, r->tempo_r2,
                r->tempo_r2_median);
    else
        fputs("<p>Tempo: training median.</p>\n", f);
}

/* The features and the columns read but not used, with the reason. */
void html_unused(FILE *f, const run *r)
{
    fprintf(f, "<p>Features: %zu column%s of the schema, %zu after encoding (an unordered "
               "categorical enters one-hot, one column per category of the training rows; "
               "an ordered one as its code).</p>\n",
            r->n_fsrc, r->n_fsrc == 1 ? "" : "s", r->d);
    int any = 0;
    for (size_t i = 0; i < r->n_cols; i++) {
        const table_col *c = &r->cols[i];
        if (c->used)
            continue;
        if (!any++)
            fputs("<div class=\"tw\"><table><tr><th>column not used</th><th>why</th></tr>\n", f);
        fputs("<tr><td>", f);
        html_name(f, c->name);
        fputs("</td><td class=\"left\">", f);
        html_esc(f, c->reason);
        fputs("</td></tr>\n", f);
    }
    if (any)
        fputs("</table></div>\n", f);
}

/* The three largest |weights| of column k of a rows x cols matrix, named. */
static void top3(FILE *f, const double *w, size_t rows, size_t cols, size_t k,
                 const char *const *names)
{
    char *used = xcalloc(rows, 1);
    if (!used)
        return;
    for (size_t t = 0; t < 3 && t < rows; t++) {
        size_t best = rows;
        for (size_t j = 0; j < rows; j++)
            if (!used[j] && (best == rows || fabs(w[j * cols + k]) > fabs(w[best * cols + k])))
                best = j;
        used[best] = 1;
        if (t)
            fputs(", ", f);
        html_name(f, names[best]);
        fprintf(f, " %+.2f", w[best * cols + k]);
    }
    free(used);
}

void html_pca(FILE *f, const run *r)
{
    if (r->is_ref)
        fputs("<h3>PCA (11 continuous standardized features + mode; key left out)</h3>\n", f);
    else
        fprintf(f, "<h3>PCA (%zu standardized or 0/1 columns; ordered codes of more than two "
                   "values left out)</h3>\n",
                r->d_pca);
    fputs("<div class=\"tw\"><table><tr><th>component</th><th>ratio</th><th>cumulative</th><th>top "
          "loadings</th></tr>\n",
          f);
    const char **names = xcalloc(r->d_pca, sizeof *names);
    if (!names)
        return;
    for (size_t j = 0, k = 0; j < r->d; j++)
        if (r->pca_mask[j])
            names[k++] = r->feat[j];
    double cum = 0;
    for (size_t k = 0; k < r->n_pc; k++) {
        cum += r->pca_ratio[k];
        fprintf(f, "<tr><td>PC %zu</td><td>%.4f</td><td>%.4f</td><td style=\"text-align:left\">",
                k + 1, r->pca_ratio[k], cum);
        top3(f, r->pca_loadings, r->d_pca, r->n_pc, k, names);
        fputs("</td></tr>\n", f);
    }
    fputs("</table></div>\n", f);
    free(names);
}

void html_lda(FILE *f, const run *r)
{
    if (r->d_lda == r->d)
        fprintf(f, "<h3>LDA (all %zu features, %zu discriminants)</h3>\n", r->d, r->n_ld);
    else
        fprintf(f, "<h3>LDA (%zu of the %zu features: %zu constant in the training rows or "
                   "the last of a one-hot group left out; %zu discriminants)</h3>\n",
                r->d_lda, r->d, r->d - r->d_lda, r->n_ld);
    fprintf(f, "<div class=\"tw\">"
               "<table><tr><th>discriminant</th><th>ratio</th><th>cumulative</th>%s<th>top "
               "scalings</th></tr>\n",
            r->is_ref ? "<th>reference</th>" : "");
    const char **names = xcalloc(r->d_lda, sizeof *names);
    if (!names)
        return;
    for (size_t j = 0, k = 0; j < r->d; j++)
        if (r->lda_mask[j])
            names[k++] = r->feat[j];
    double cum = 0;
    for (size_t k = 0; k < r->n_ld; k++) {
        cum += r->lda_ratio[k];
        fprintf(f, "<tr><td>LD %zu</td><td>%.4f</td><td>%.4f</td>", k + 1, r->lda_ratio[k], cum);
        if (r->is_ref) {
            if (k < 3)
                fprintf(f, "<td>%.2f</td>", REF_LDA_RATIO[k]);
            else
                fputs("<td>&ndash;</td>", f);
        }
        fputs("<td style=\"text-align:left\">", f);
        top3(f, r->lda_scalings, r->d_lda, r->n_ld, k, names);
        fputs("</td></tr>\n", f);
    }
    fputs("</table></div>\n", f);
    free(names);
    if (r->lda_shrinkage > 0)
        fprintf(f, "<p>The within-class scatter was singular; LDA used shrinkage %g.</p>\n",
                r->lda_shrinkage);
}

/* Class composition of the best k's clusters: a column per class, or a
 * row per class when K > 10 (so the table stays narrow). */
void html_clusters(FILE *f, const run *r, int v)
{
    const int K = r->K, kb = r->km_best[v];
    const int64_t *comp = r->km_comp[v];
    fprintf(f, "<h3>%s composition of the clusters, LDA %d-D, k = %d (training rows)</h3>\n"
               "<div class=\"tw\"><table>",
            r->is_ref ? "Genre" : "Class", v + 2, kb);
    if (K <= 10) {
        fputs("<tr><th>cluster</th>", f);
        for (int g = 0; g < K; g++) {
            fputs("<th>", f);
            html_name(f, r->genre[g]);
            fputs("</th>", f);
        }
        fputs("</tr>\n", f);
        for (int k = 0; k < kb; k++) {
            fprintf(f, "<tr><td>%d</td>", k + 1);
            for (int g = 0; g < K; g++)
                fprintf(f, "<td>%lld</td>", (long long)comp[(size_t)k * (size_t)K + (size_t)g]);
            fputs("</tr>\n", f);
        }
    } else {
        fputs("<tr><th>class</th>", f);
        for (int k = 0; k < kb; k++)
            fprintf(f, "<th>cluster %d</th>", k + 1);
        fputs("</tr>\n", f);
        for (int g = 0; g < K; g++) {
            fputs("<tr><td>", f);
            html_name(f, r->genre[g]);
            fputs("</td>", f);
            for (int k = 0; k < kb; k++)
                fprintf(f, "<td>%lld</td>", (long long)comp[(size_t)k * (size_t)K + (size_t)g]);
            fputs("</tr>\n", f);
        }
    }
    fputs("</table></div>\n", f);
}

/* A user's table: the classifiers without the reference columns, and the
 * per-class test AUROC of each (a row per class). */
void html_models(FILE *f, const run *r)
{
    fputs("<h2>Classifiers</h2>\n<div class=\"tw\">"
          "<table><tr><th>model</th><th>layers</th><th>params</th>"
          "<th>epochs</th><th>lr</th><th>test macro AUROC</th><th>test accuracy</th>"
          "<th>train macro AUROC</th><th>train accuracy</th><th>train time (s)</th></tr>\n",
          f);
    for (int k = 0; k < r->n_models; k++) {
        const model_result *m = &r->m[k];
        if (!m->available) {
            fprintf(f, "<tr><td>MLP, %s</td><td>%s</td><td colspan=\"8\" class=\"left\">not "
                       "available (see the stage table)</td></tr>\n",
                    m->name, m->ref_layers);
            continue;
        }
        fprintf(f, "<tr><td>MLP, %s</td><td>%s</td><td>%lld</td><td>%lld</td><td>%g</td>"
                   "<td><b>%.4f</b></td><td>%.1f%%</td><td>%.4f</td><td>%.1f%%</td>"
                   "<td>%.2f</td></tr>\n",
                m->name, m->ref_layers, (long long)m->params, (long long)m->best_epoch, m->lr,
                m->auroc, 100 * m->acc, m->train_auroc, 100 * m->train_acc, m->train_time);
    }
    if (r->have_lda_clf)
        fprintf(f, "<tr><td>LDA classifier (baseline)</td><td>%zu &rarr; %zu</td><td></td>"
                   "<td></td><td></td><td><b>%.4f</b></td><td>%.1f%%</td><td>%.4f</td>"
                   "<td>%.1f%%</td><td></td></tr>\n",
                r->d_lda, r->n_ld, r->lda_clf_auroc, 100 * r->lda_clf_acc, r->lda_clf_train_auroc,
                100 * r->lda_clf_train_acc);
    fputs("</table></div>\n<p>Epochs and learning rate (0.01 or 0.003) are chosen on validation "
          "rows (a stratified tenth of the training rows, not used for fitting); the test "
          "rows are scored once.</p>\n",
          f);
    int any = 0;
    for (int k = 0; k < r->n_models; k++)
        any |= r->m[k].available && r->m[k].per_class;
    if (!any)
        return;
    fputs("<h3>Test AUROC per class</h3>\n<div class=\"tw\"><table><tr><th>class</th>", f);
    for (int k = 0; k < r->n_models; k++)
        if (r->m[k].available && r->m[k].per_class)
            fprintf(f, "<th>%s</th>", r->m[k].name);
    fputs("</tr>\n", f);
    for (int c = 0; c < r->K; c++) {
        fputs("<tr><td>", f);
        html_name(f, r->genre[c]);
        fputs("</td>", f);
        for (int k = 0; k < r->n_models; k++)
            if (r->m[k].available && r->m[k].per_class)
                fprintf(f, "<td>%.4f</td>", r->m[k].per_class[c]);
        fputs("</tr>\n", f);
    }
    fputs("</table></div>\n", f);
}
