/* SPDX-License-Identifier: GPL-3.0-or-later */
/* index.html: the report's page, its tables, prose and figures
 * (write_html()). */
#define _XOPEN_SOURCE 700

#include "analysis.h"
#include "name_leak.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

static void html_plots(FILE *f, const run *r, const char *section)
{
    for (int i = 0; i < r->n_plots; i++) {
        const plotref *q = &r->plots[i];
        if (strcmp(q->section, section))
            continue;
        fprintf(f, "<figure><a href=\"plots/%s.svg\"><img src=\"plots/%s.png\" alt=\"", q->base,
                q->base);
        html_esc(f, q->caption);
        fputs("\"></a><figcaption>", f);
        html_esc(f, q->caption);
        fprintf(f, " (<a href=\"plots/%s.svg\">SVG</a>)</figcaption></figure>\n", q->base);
    }
}

static void fmt_num(char *b, size_t n, double v, int decimals, const char *suffix)
{
    if (isfinite(v))
        snprintf(b, n, "%.*f%s", decimals, v, suffix);
    else
        snprintf(b, n, "&ndash;");
}

/* The name study (DESIGN.md step 6): a "Name features" section after the
 * classifiers, and a name_study object in metrics.json. */
static void html_name_features(FILE *f, const run *r)
{
    fputs("<h2 id=\"names\">Name features</h2>\n", f);
    if (!r->have_ns) {
        fputs("<p>Not run (see the stage table; <code>--no-names</code> skips it).</p>\n", f);
        return;
    }
    const name_study_result *ns = r->ns;
    const name_study_options *o = &ns->opt;
    const name_study_split *rs = &ns->split[NS_SPLIT_RANDOM], *gs = &ns->split[NS_SPLIT_GROUP];
    const char *gw = ns->group_word[0] ? ns->group_word : "group";
    fputs("<p>Can the text columns (", f);
    for (size_t k = 0; k < ns->n_fields; k++) {
        fputs(k ? ", <code>" : "<code>", f);
        html_esc(f, ns->field[k]);
        fputs("</code>", f);
    }
    fprintf(f,
            ") tell the label, and how much of that is the same %ss on both sides of the "
            "split? Each column is hashed into %lld buckets (word tokens and character "
            "%d&ndash;%d-grams, TF-IDF fit on the training rows only; docs/text.md). Four "
            "models on the %lld rows: names only, the %lld numeric features only, both, and "
            "the names model's class probabilities beside the features (reduced), on the "
            "split <b>%s</b>",
            gw, (long long)o->n_buckets, o->ngram_min, o->ngram_max, (long long)ns->n_rows,
            (long long)rs->n_features, rs->name);
    if (gs->available)
        fprintf(f, " and the <b>%s</b> split (no %s on both sides; as close to the same "
                   "sizes as the %ss allow)",
                gs->name, gw, gw);
    else
        fprintf(f, " only (%s)", gs->skipped);
    fprintf(f,
            ". Every model stops early on a validation tenth of its training rows (split like "
            "the split itself); the test rows are scored once. %lld names have invalid UTF-8 "
            "and %lld are empty. Settings: %s (at most %d / %d / %d epochs for names / "
            "names+audio / audio and reduced, %d folds, %d bootstrap resamples), seed "
            "%llu.</p>\n",
            (long long)ns->invalid_utf8_names, (long long)ns->empty_names,
            r->opt.names_quick ? "quick (<code>--names-quick</code>)" : "full", o->names_epochs,
            o->both_epochs, o->audio_epochs, o->folds, o->n_resamples,
            (unsigned long long)o->seed);
    if (ns->leak_checked) {
        fprintf(f, "<p><b>Leak check.</b> Each text column alone (names model, validation rows "
                   "of the random split; above %.2f is a leak):",
                NAME_LEAK_AUROC);
        for (size_t k = 0; k < ns->n_fields; k++) {
            fputs(k ? ", <code>" : " <code>", f);
            html_esc(f, ns->field[k]);
            fprintf(f, "</code> %.4f%s", ns->field_val_auroc[k],
                    ns->field_leaks[k]
                        ? (ns->field_combined[k] ? " (a leak, kept: <code>--keep-leaking</code>)"
                                                 : " (a leak, left out of the combined models)")
                        : "");
        }
        fputs(".</p>\n", f);
    }
    fputs("<div class=\"tw\">"
          "<table><tr><th>split</th><th>model</th><th>test macro AUROC</th><th>test accuracy"
          "</th><th>validation AUROC</th><th>epochs kept</th><th>seconds</th></tr>\n",
          f);
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++) {
        const name_study_split *p = &ns->split[s];
        if (!p->available)
            continue;
        for (int m = 0; m < NAME_STUDY_N_MODELS; m++) {
            const name_study_cell *c = &p->model[m];
            char v[4][32];
            fmt_num(v[0], sizeof v[0], c->auroc, 4, "");
            fmt_num(v[1], sizeof v[1], 100 * c->accuracy, 1, "%");
            fmt_num(v[2], sizeof v[2], c->val_auroc, 4, "");
            fputs("<tr>", f);
            if (m == 0)
                fprintf(f, "<td rowspan=\"%d\" class=\"left\">%s</td>", NAME_STUDY_N_MODELS,
                        p->name);
            fprintf(f, "<td class=\"left\">%s", name_study_model_names[m]);
            if (m == NS_BOTH && isfinite(p->names_scale))
                fprintf(f, " (names &times; %g)", p->names_scale);
            fprintf(f, "</td><td><b>%s</b></td><td>%s</td><td>%s</td><td>%lld</td>"
                       "<td>%.1f</td></tr>\n",
                    v[0], v[1], v[2], (long long)c->epochs, c->seconds);
        }
    }
    fputs("</table></div>\n<p>Seconds are wall time on the study's thread, beside the other "
          "stages; the reduced model's include its out-of-fold names models.</p>\n",
          f);
    fprintf(f, "<div class=\"tw\">"
               "<table><tr><th>split</th><th>train rows (of them validation) / test rows</th>"
               "<th>test %ss seen in training</th><th>test rows affected</th><th>test rows "
               "duplicating a training row's features</th><th>AUROC(names+audio) &minus; "
               "AUROC(audio), 95%% interval</th><th>AUROC(reduced+audio) &minus; AUROC(audio), "
               "95%% interval</th><th>names weight (validation AUROC per weight)</th></tr>\n",
            gw);
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++) {
        const name_study_split *p = &ns->split[s];
        if (!p->available)
            continue;
        fprintf(f, "<tr><td class=\"left\">%s</td><td>%lld (%lld) / %lld</td><td>%lld of %lld"
                   "</td><td>%lld of %lld</td><td>%lld</td>",
                p->name, (long long)p->n_train, (long long)p->n_validation,
                (long long)p->n_test, (long long)p->shared_groups, (long long)p->test_groups,
                (long long)p->test_rows_in_train_groups, (long long)p->n_test,
                (long long)p->duplicate_rows);
        if (!isfinite(p->names_scale)) { /* the combined models were not fit */
            fputs("<td>&ndash;</td><td>&ndash;</td><td>&ndash;</td></tr>\n", f);
            continue;
        }
        fprintf(f, "<td>%+.4f [%+.4f, %+.4f]</td><td>%+.4f [%+.4f, %+.4f]</td><td>%g (",
                p->diff, p->diff_lo, p->diff_hi, p->diff_reduced, p->names_in_reduced_lo,
                p->names_in_reduced_hi, p->names_scale);
        for (int k = 0; k < NAME_STUDY_N_SCALES; k++)
            fprintf(f, "%s%g: %.4f", k ? ", " : "", name_study_scales[k], p->both_val_auroc[k]);
        fputs(")</td></tr>\n", f);
    }

    fprintf(f, "</table></div>\n<p>The intervals are paired bootstraps over the test rows "
               "(%d resamples): both models are scored on the same resampled rows. The "
               "names weight multiplies the hashed names in the names+audio input and is "
               "chosen on the validation rows.</p>\n",
            o->n_resamples);
    if (!isfinite(rs->names_scale))
        fputs("<p>Every text column leaks the label, so the combined models were not fit "
              "(<code>--keep-leaking</code> fits them with the leaking columns).</p>\n",
              f);
    /* a plain reading, from the numbers (it needs the group-disjoint split) */
    if (gs->available && isfinite(gs->diff)) {
        double seen = rs->n_test ? (double)rs->test_rows_in_train_groups / (double)rs->n_test : 0;
        int clear = gs->diff_lo > 0, clear_red = gs->names_in_reduced_lo > 0;
        fprintf(f,
                "<p><b>Reading.</b> On the random split %.0f%% of the test rows have a %s "
                "seen in training, and names alone reach AUROC %.3f; on the %s split "
                "(%lld test %ss seen in training) names alone reach %.3f%s. Added to the %lld "
                "numeric features, names raise the AUROC by %+.4f on the random split but by "
                "%+.4f [%+.4f, %+.4f] on the %s split, %s; the reduced model (the names "
                "model's out-of-fold probabilities beside the features) adds %+.4f [%+.4f, "
                "%+.4f] there, %s. The honest gain from names is the %s one%s.</p>\n",
                100 * seen, gw, rs->model[NS_NAMES].auroc, gs->name,
                (long long)gs->shared_groups, gw, gs->model[NS_NAMES].auroc,
                rs->model[NS_NAMES].auroc - gs->model[NS_NAMES].auroc > 0.05
                    ? ", so much of what names score on a random split is memorised"
                    : "",
                (long long)rs->n_features, rs->diff, gs->diff, gs->diff_lo, gs->diff_hi,
                gs->name, clear ? "an interval clear of zero" : "an interval that includes zero",
                gs->diff_reduced, gs->names_in_reduced_lo, gs->names_in_reduced_hi,
                clear_red ? "clear of zero" : "an interval that includes zero", gs->name,
                rs->diff > 0 && gs->diff < rs->diff
                    ? ", a fraction of what the random split suggests"
                    : "");
    }
    html_plots(f, r, "names");
}

int write_html(run *r, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    char a[64], b[64], c[64];
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<title>libgenre: music-genre analysis report</title>\n<style>\n"
          /* The page fits a 1,280-px window: a 1,100-px column; a word longer
           * than a line (a path) breaks. Tables: cells wrap at blanks and at the
           * <wbr> of names (html_name()), never inside a word or number, and a
           * table still wider than the column scrolls in its own .tw box, not
           * the page. No fixed width above 1,100 px. */
          "body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;max-width:1100px;"
          "margin:2em auto;padding:0 1em;color:#222;line-height:1.45;"
          "overflow-wrap:break-word}\n"
          ".tw{max-width:100%;overflow-x:auto;margin:1em 0}"
          "table{border-collapse:collapse;font-size:92%}"
          "td,th{border:1px solid #ccc;padding:4px 7px;text-align:right}"
          "th{background:#f0f0f0}"
          ".warn{background:#fff4d6;border:2px solid #c80;padding:0.6em 1em}"
          "td:first-child,th:first-child,td.left{text-align:left}\n"
          "figure{display:inline-block;margin:0.6em;width:46%;vertical-align:top}"
          "figure img{width:100%;border:1px solid #ddd}figcaption{font-size:90%;color:#444}\n"
          ".partial{background:#fdd;border:2px solid #c00;padding:1em;font-weight:bold}\n"
          ".warn{background:#fff4d6;border:2px solid #c80;padding:0.6em 1em}\n"
          ".ok{color:#070}.bad{color:#a00}code{background:#f4f4f4;padding:0 3px}\n"
          "</style></head><body>\n",
          f);
    fputs(r->is_ref ? "<h1>Music-genre analysis</h1>\n" : "<h1>Classification analysis</h1>\n",
          f);
    fprintf(f, "<p>libgenre %s &middot; input <code>", genre_version_string());
    html_esc(f, r->data_path);
    fprintf(f, "</code> &middot; seed %llu &middot; %s &middot; total %.1f s</p>\n",
            (unsigned long long)r->opt.seed,
            r->opt.reference_order ? "reference order (imputed before the split)"
                                   : "leak-free order (imputation fit on training rows)",
            now_s() - r->t_start);
    for (int i = 0; i < r->n_warnings; i++) {
        fputs("<p class=\"warn\"><b>Warning:</b> ", f);
        html_esc(f, r->warnings[i]);
        fputs("</p>\n", f);
    }
    if (!complete(r)) {
        fputs("<div class=\"partial\">PARTIAL REPORT: the analysis was ", f);
        fputs(r->cancelled ? "cancelled (Ctrl-C)" : "stopped by an error", f);
        fputs(". Finished stages:", f);
        for (int i = 0; i < r->n_st; i++)
            if (r->st[i].status == ST_DONE)
                fprintf(f, " %s;", r->st[i].name);
        if (r->error[0]) {
            fputs("<br>Error: ", f);
            html_esc(f, r->error);
        }
        fputs("</div>\n", f);
    }
    html_stream(f, r);
    /* stages */
    fputs("<h2>Stages</h2>\n<div class=\"tw\">"
          "<table><tr><th>stage</th><th>status</th><th>wall time "
          "(s)</th><th>note</th></tr>\n",
          f);
    for (int i = 0; i < r->n_st; i++) {
        fprintf(f, "<tr><td>%s</td><td class=\"%s\">%s</td><td>%.2f</td><td style=\"text-align:"
                   "left\">",
                r->st[i].name, r->st[i].status == ST_DONE ? "ok" : "bad",
                ST_NAME[r->st[i].status], r->st[i].seconds);
        html_esc(f, r->st[i].note);
        fputs("</td></tr>\n", f);
    }
    fprintf(f, "</table></div>\n<p>The name study, t-SNE, the k-means sweeps, the MLPs and the plots "
               "run side by side on "
               "the available cores, so their wall times overlap; the whole run took %.1f s "
               "(%d CPUs available to the process).</p>\n",
            now_s() - r->t_start, (int)genre_default_threads());
    /* data */
    fputs("<h2>Data</h2>\n<div class=\"tw\"><table>\n", f);
    fprintf(f, "<tr><td>rows read</td><td>%lld</td></tr>\n", (long long)r->rows_read);
    fprintf(f, "<tr><td>entirely empty rows dropped</td><td>%lld</td></tr>\n",
            (long long)r->dropped);
    fprintf(f, "<tr><td>rows kept</td><td>%lld</td></tr>\n", (long long)r->kept);
    html_data_rows(f, r);
    fprintf(f, "<tr><td>train / test rows</td><td>%zu / %zu</td></tr>\n", r->ntr, r->nte);
    fputs("</table></div>\n", f);
    html_imputation(f, r);
    if (r->is_ref)
        html_ref_imputation(f, r);
    html_unused(f, r);
    fputs("<h3>Split and leakage</h3>\n", f);
    fputs("<p>Split: ", f);
    html_esc(f, r->split_desc);
    fprintf(f, ".</p>\n<div class=\"tw\"><table><tr><th>%s</th><th>train</th><th>test</th></tr>\n",
            r->is_ref ? "genre" : "class");
    for (int k = 0; k < r->K; k++) {
        fputs("<tr><td>", f);
        html_name(f, r->genre[k]);
        fprintf(f, "</td><td>%lld</td><td>%lld</td></tr>\n", (long long)r->train_per_class[k],
                (long long)r->test_per_class[k]);
    }
    fputs("</table></div>\n", f);
    if (r->have_leak)
        fprintf(f, "<p>Leakage report: %lld %s are on both sides; %lld test rows have %s seen "
                   "in training; %lld test rows duplicate a training row's features.</p>\n",
                (long long)r->shared_groups, r->is_ref ? "artists" : "groups",
                (long long)r->test_in_train_groups, r->is_ref ? "an artist" : "a group",
                (long long)r->duplicate_rows);
    else
        fprintf(f, "<p>Leakage report: %s.</p>\n",
                r->sm.on             ? "not computed in stream mode"
                : r->opt.split_file ? "not available for an external split file"
                                    : "the schema has no group column");
    html_plots(f, r, "features");
    /* reduction */
    fputs("<h2>Dimensionality reduction</h2>\n", f);
    if (r->have_pca)
        html_pca(f, r);
    if (r->have_lda)
        html_lda(f, r);
    html_plots(f, r, "reduction");
    /* t-SNE */
    fputs("<h2>t-SNE</h2>\n", f);
    if (r->n_tsne) {
        if (r->tsne_note[0]) {
            fputs("<p>Note: ", f);
            html_esc(f, r->tsne_note);
            fputs(".</p>\n", f);
        }
        fputs("<div class=\"tw\">"
              "<table><tr><th>dimensions</th><th>perplexity</th><th>rows</th><th>KL "
              "divergence</th><th>start</th><th>seconds</th></tr>\n",
              f);
        for (int i = 0; i < r->n_tsne; i++)
            fprintf(f,
                    "<tr><td>%d</td><td>%g%s</td><td>%lld</td><td>%.4f</td><td>%s</td>"
                    "<td>%.1f</td></tr>\n",
                    r->tsne[i].dim, r->tsne[i].perplexity,
                    r->tsne[i].asked > 0 ? " (lowered)" : "", (long long)r->tsne[i].rows,
                    r->tsne[i].kl, r->tsne[i].random_init ? "random" : "PCA",
                    r->tsne[i].seconds);
        fputs("</table></div>\n", f);
        html_plots(f, r, "tsne");
    } else {
        fputs("<p>Not run (see the stage table).</p>\n", f);
    }
    /* k-means */
    fputs("<h2>k-means on the LDA features</h2>\n", f);
    if (r->have_kmeans[0] || r->have_kmeans[1]) {
        if (km_count(r) < NKS)
            fprintf(f, "<p>Note: k = %d..%d only: %zu training rows (the silhouette needs k "
                       "at most rows - 1).</p>\n",
                    KMIN, KMIN + km_count(r) - 1, r->ntr);
        fputs("<div class=\"tw\">"
              "<table><tr><th>k</th><th>inertia 2-D</th><th>silhouette 2-D</th><th>inertia "
              "3-D</th><th>silhouette 3-D</th></tr>\n",
              f);
        for (int k = 0; k < km_count(r); k++) {
            fmt_num(a, sizeof a, r->have_kmeans[0] ? r->km_sil[0][k] : NAN, 4, "");
            fmt_num(b, sizeof b, r->have_kmeans[1] ? r->km_sil[1][k] : NAN, 4, "");
            fmt_num(c, sizeof c, r->have_kmeans[0] ? r->km_inertia[0][k] : NAN, 0, "");
            char d[64];
            fmt_num(d, sizeof d, r->have_kmeans[1] ? r->km_inertia[1][k] : NAN, 0, "");
            fprintf(f, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
                    KMIN + k, c, a, d, b);
        }
        fputs("</table></div>\n", f);
        if (r->is_ref)
            fputs(REF_KMEANS_HTML, f);
        for (int v = 0; v < 2; v++)
            if (r->have_kmeans[v])
                html_clusters(f, r, v);
        html_plots(f, r, "kmeans");
    } else {
        fputs("<p>Not run (see the stage table).</p>\n", f);
    }
    /* models */
    if (!r->is_ref) {
        html_models(f, r);
        html_plots(f, r, "models");
        goto names;
    }
    /* 14 columns: "refer&shy;ence" may hyphenate, so the table fits 1,100 px */
    fputs("<h2>Classifiers</h2>\n<div class=\"tw\">"
          "<table><tr><th>model</th><th>layers</th><th>params</th><th>epochs</th>"
          "<th>refer&shy;ence</th><th>lr</th><th>test macro AUROC</th><th>refer&shy;ence</th>"
          "<th>test accuracy</th><th>refer&shy;ence</th><th>train macro AUROC</th><th>train "
          "accuracy</th><th>train time (s)</th><th>refer&shy;ence (s)</th></tr>\n",
          f);
    for (int k = 0; k < r->n_models; k++) {
        model_result *m = &r->m[k];
        if (!m->available) {
            fprintf(f, "<tr><td>%s</td><td>%s</td><td colspan=\"12\" style=\"text-align:"
                       "left\">not available (see the stage table)</td></tr>\n",
                    m->name, m->ref_layers);
            continue;
        }
        fmt_num(a, sizeof a, m->ref_acc * 100, 0, "%");
        fmt_num(b, sizeof b, m->ref_time, 0, "");
        fmt_num(c, sizeof c, m->ref_auroc, 2, "");
        char e[32];
        fmt_num(e, sizeof e, m->ref_epochs, 0, "");
        fprintf(f, "<tr><td>MLP, %s</td><td>%s</td><td>%lld</td><td>%lld</td><td>%s</td><td>%g</td>"
                   "<td><b>%.4f</b></td><td>%s</td><td>%.1f%%</td><td>%s</td><td>%.4f</td>"
                   "<td>%.1f%%</td><td>%.2f</td><td>%s</td></tr>\n",
                m->name, m->ref_layers, (long long)m->params, (long long)m->best_epoch, e, m->lr,
                m->auroc, c, 100 * m->acc, a, m->train_auroc, 100 * m->train_acc,
                m->train_time, b);
    }
    if (r->have_lda_clf)
        fprintf(f, "<tr><td>LDA classifier (baseline)</td><td>%zu &rarr; %zu</td><td></td><td>"
                   "</td><td></td><td></td><td><b>%.4f</b></td><td>&ndash;</td><td>%.1f%%</td><td>"
                   "&ndash;</td><td>%.4f</td><td>%.1f%%</td><td></td><td></td></tr>\n",
                r->d_lda, r->n_ld, r->lda_clf_auroc, 100 * r->lda_clf_acc, r->lda_clf_train_auroc,
                100 * r->lda_clf_train_acc);
    fputs(REF_GB_ROW_HTML, f);
    fputs("</table></div>\n"
          "<p>Epochs and learning rate (0.01 or 0.003) are chosen on validation rows (a "
          "stratified tenth of the training rows, not used for fitting); the test rows are "
          "scored once. Train time is the wall time of the chosen fit (run beside others on "
          "the available cores).</p>\n",
          f);
    html_plots(f, r, "models");
names:
    /* The name study (DESIGN.md step 6, artist and track names) goes here:
     * its section is written by html_name_features() and its numbers by
     * json_name_features(), both empty until that module is wired in. */
    html_name_features(f, r);
    fputs("<p>All numbers: <a href=\"metrics.json\">metrics.json</a>.</p>\n</body></html>\n", f);
    int bad = ferror(f);
    return (fclose(f) || bad) ? -1 : 0;
}
