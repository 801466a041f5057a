/* SPDX-License-Identifier: GPL-3.0-or-later */
/* metrics.json: every number of the report, and the name study's
 * (write_json()). */
#define _XOPEN_SOURCE 700

#include "analysis.h"
#include "json_writer.h"

#include <stdlib.h>

static const char *const NS_SPLIT_KEY[NAME_STUDY_N_SPLITS] = {"random", "group_disjoint"};

static void json_ns_cell(jw *j, const name_study_cell *c, const char *name)
{
    jw_open(j, NULL, '{');
    jw_str(j, "model", name);
    jw_num(j, "auroc", c->auroc);
    jw_num(j, "accuracy", c->accuracy);
    jw_num(j, "val_auroc", c->val_auroc);
    jw_int(j, "epochs", c->epochs);
    jw_num(j, "seconds", c->seconds);
    jw_close(j, '}');
}

static void json_name_features(jw *j, const run *r)
{
    if (!r->have_ns)
        return;
    const name_study_result *ns = r->ns;
    const name_study_options *o = &ns->opt;
    jw_open(j, "name_study", '{');
    jw_key(j, "quick");
    fputs(r->opt.names_quick ? "true" : "false", j->f);
    jw_int(j, "seed", (int64_t)o->seed);
    jw_int(j, "rows", ns->n_rows);
    jw_int(j, "invalid_utf8_names", ns->invalid_utf8_names);
    jw_int(j, "empty_names", ns->empty_names);
    jw_int(j, "buckets_per_field", o->n_buckets);
    jw_int(j, "text_columns", ns->n_text_columns);
    jw_int(j, "ngram_min", o->ngram_min);
    jw_int(j, "ngram_max", o->ngram_max);
    jw_int(j, "folds", o->folds);
    jw_int(j, "names_epochs_max", o->names_epochs);
    jw_int(j, "both_epochs_max", o->both_epochs);
    jw_int(j, "audio_epochs_max", o->audio_epochs);
    jw_int(j, "both_hidden", o->both_hidden);
    jw_int(j, "resamples", o->n_resamples);
    jw_nums(j, "names_weights", name_study_scales, NAME_STUDY_N_SCALES);
    jw_num(j, "seconds", ns->seconds);
    jw_str(j, "group_column", r->group_col);
    jw_str(j, "group_word", ns->group_word);
    /* the audio model's columns: the main models' (--features applies) */
    jw_open(j, "feature_columns", '[');
    for (size_t k = 0; k < r->ns_n_src && r->ns_src; k++)
        jw_str(j, NULL, r->ns_src[k].name);
    jw_close(j, ']');
    /* the columns hashed as names and the leak check's verdict on each */
    jw_open(j, "fields", '[');
    for (size_t k = 0; k < ns->n_fields; k++) {
        jw_open(j, NULL, '{');
        jw_str(j, "column", ns->field[k]);
        jw_num(j, "val_auroc_alone", ns->field_val_auroc[k]);
        jw_key(j, "leak");
        fputs(ns->field_leaks[k] ? "true" : "false", j->f);
        jw_key(j, "in_combined_models");
        fputs(ns->field_combined[k] ? "true" : "false", j->f);
        jw_close(j, '}');
    }
    jw_close(j, ']');
    jw_open(j, "splits", '{');
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++) {
        const name_study_split *p = &ns->split[s];
        jw_open(j, NS_SPLIT_KEY[s], '{');
        jw_str(j, "name", p->name);
        if (!p->available) {
            jw_str(j, "skipped", p->skipped);
            jw_close(j, '}');
            continue;
        }
        jw_int(j, "train_rows", p->n_train);
        jw_int(j, "validation_rows", p->n_validation);
        jw_int(j, "test_rows", p->n_test);
        jw_int(j, "features", p->n_features);
        jw_int(j, "test_groups", p->test_groups);
        jw_int(j, "shared_groups", p->shared_groups);
        jw_int(j, "test_rows_in_train_groups", p->test_rows_in_train_groups);
        jw_int(j, "duplicate_rows", p->duplicate_rows);
        jw_int(j, "nnz_train", p->nnz_train);
        jw_num(j, "names_weight", p->names_scale);
        jw_nums(j, "names_weight_val_auroc", p->both_val_auroc, NAME_STUDY_N_SCALES);
        jw_num(j, "diff_names_audio", p->diff);
        jw_num(j, "diff_names_audio_lo", p->diff_lo);
        jw_num(j, "diff_names_audio_hi", p->diff_hi);
        jw_num(j, "diff_reduced_audio", p->diff_reduced);
        jw_num(j, "diff_reduced_audio_lo", p->names_in_reduced_lo);
        jw_num(j, "diff_reduced_audio_hi", p->names_in_reduced_hi);
        jw_open(j, "models", '[');
        for (int m = 0; m < NAME_STUDY_N_MODELS; m++)
            json_ns_cell(j, &p->model[m], name_study_model_names[m]);
        jw_close(j, ']');
        jw_close(j, '}');
    }
    jw_close(j, '}');
    jw_close(j, '}');
}

static const char *role_word(int32_t role)
{
    switch (role) {
    case GENRE_COL_NUMERIC: return "numeric";
    case GENRE_COL_CATEGORICAL: return "categorical";
    case GENRE_COL_TEXT: return "text";
    case GENRE_COL_LABEL: return "label";
    case GENRE_COL_GROUP: return "group";
    default: return "ignore";
    }
}

/* One side's counts of the reference table's two imputers (an object). */
static void json_ref_counts(jw *j, const char *key, const ref_counts *c)
{
    jw_open(j, key, '{');
    jw_int(j, "duration_from_artist_median", c->dur_from_group);
    jw_int(j, "duration_from_global_median", c->dur_from_global);
    jw_int(j, "tempo_imputed", c->tempo_imputed);
    jw_close(j, '}');
}

/* The reference table's imputation counts of both orders (data object). */
static void json_ref_imputation(jw *j, const run *r)
{
    const char *sides[2] = {r->opt.reference_order ? "all_rows" : "train", "test"};
    jw_open(j, "imputation", '{');
    for (int s = 0; s < (r->opt.reference_order ? 1 : 2); s++)
        json_ref_counts(j, sides[s], &r->ref_imp[s]);
    if (r->have_alt) {
        const char *alt_sides[2] = {r->opt.reference_order ? "train" : "all_rows", "test"};
        jw_open(j, r->opt.reference_order ? "other_order_leak_free" : "other_order_reference",
                '{');
        for (int s = 0; s < (r->opt.reference_order ? 2 : 1); s++)
            json_ref_counts(j, alt_sides[s], &r->alt_imp[s]);
        jw_close(j, '}');
    }
    jw_str(j, "tempo_method", r->tempo_mlp ? "MLP regressor 12-32-16-1" : "training median");
    if (r->tempo_mlp) {
        jw_num(j, "tempo_heldout_r2", r->tempo_r2);
        jw_num(j, "tempo_heldout_r2_of_median", r->tempo_r2_median);
        jw_int(j, "tempo_fit_rows", r->tempo_fit_rows);
        jw_int(j, "tempo_heldout_rows", r->tempo_holdout_rows);
    }
    jw_close(j, '}');
}

/* The schema, K and the classes, the split (issue 18). */
static void json_table(jw *j, const run *r)
{
    jw_open(j, "schema", '{');
    jw_str(j, "source", r->opt.schema ? r->opt.schema : r->opt.label ? "inferred" : "built-in");
    jw_key(j, "is_reference_table");
    fputs(r->is_ref ? "true" : "false", j->f);
    jw_str(j, "label", r->label_col);
    jw_str(j, "group", r->group_col);
    jw_open(j, "columns", '[');
    for (size_t i = 0; i < r->n_cols; i++) {
        const table_col *c = &r->cols[i];
        jw_open(j, NULL, '{');
        jw_str(j, "name", c->name);
        jw_str(j, "role", role_word(c->role));
        if (c->n_order)
            jw_int(j, "order", (int64_t)c->n_order);
        static const char *const kinds[] = {"", "median", "mean", "most-frequent",
                                            "group-median", "model"};
        jw_str(j, "missing", c->markers);
        jw_str(j, "impute", c->declared_impute >= 0 && c->declared_impute <= 5
                                ? kinds[c->declared_impute] : "");
        jw_close(j, '}');
    }
    jw_close(j, ']');
    jw_close(j, '}');
    jw_int(j, "n_classes", r->K);
    jw_open(j, "classes", '[');
    for (int k = 0; k < r->K && r->genre_ptr; k++)
        jw_str(j, NULL, r->genre[k]);
    jw_close(j, ']');
    jw_open(j, "features", '[');
    for (size_t k = 0; k < r->d && r->feat; k++)
        jw_str(j, NULL, r->feat[k]);
    jw_close(j, ']');
    jw_open(j, "split", '{');
    jw_str(j, "method", r->split_desc);
    jw_int(j, "train", (int64_t)r->ntr);
    jw_int(j, "test", (int64_t)r->nte);
    jw_open(j, "per_class", '{');
    for (int k = 0; k < r->K && r->genre_ptr && r->train_per_class; k++) {
        jw_open(j, r->genre[k], '{');
        jw_int(j, "train", r->train_per_class[k]);
        jw_int(j, "test", r->test_per_class[k]);
        jw_close(j, '}');
    }
    jw_close(j, '}');
    jw_close(j, '}');
}

/* Per-column imputation, unused columns and warnings (issue 18), after the
 * data object: every column with missing cells or an imputer. */
static void json_columns(jw *j, const run *r)
{
    jw_open(j, "imputation", '[');
    for (size_t i = 0; i < r->n_cols; i++) {
        const table_col *c = &r->cols[i];
        if (c->role == GENRE_COL_IGNORE || (c->missing_read <= 0 && !c->impute[0]))
            continue;
        jw_open(j, NULL, '{');
        jw_str(j, "column", c->name);
        jw_str(j, "missing_markers", c->markers);
        jw_int(j, "missing_read", c->missing_read);
        jw_str(j, "kind", c->impute[0] ? c->impute : c->used ? "none" : "not used");
        if (r->opt.reference_order) {
            jw_int(j, "missing_all_rows", c->missing_side[0]);
            jw_int(j, "filled_all_rows", c->filled_side[0]);
        } else {
            jw_int(j, "missing_train", c->missing_side[0]);
            jw_int(j, "missing_test", c->missing_side[1]);
            jw_int(j, "filled_train", c->filled_side[0]);
            jw_int(j, "filled_test", c->filled_side[1]);
        }
        jw_close(j, '}');
    }
    jw_close(j, ']');
    jw_open(j, "unused_columns", '[');
    for (size_t i = 0; i < r->n_cols; i++) {
        if (r->cols[i].used)
            continue;
        jw_open(j, NULL, '{');
        jw_str(j, "column", r->cols[i].name);
        jw_str(j, "reason", r->cols[i].reason);
        jw_close(j, '}');
    }
    jw_close(j, ']');
    jw_open(j, "warnings", '[');
    for (int i = 0; i < r->n_warnings; i++)
        jw_str(j, NULL, r->warnings[i]);
    jw_close(j, ']');
}

int write_json(run *r, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    jw j = {.f = f};
    j.first[0] = 1;
    fputc('{', f);
    j.first[++j.depth] = 1;
    jw_str(&j, "program", "genre-analysis");
    jw_str(&j, "libgenre_version", genre_version_string());
    jw_key(&j, "complete");
    fputs(complete(r) ? "true" : "false", f);
    jw_str(&j, "input", r->data_path);
    jw_int(&j, "seed", (int64_t)r->opt.seed);
    jw_str(&j, "order", r->opt.reference_order ? "reference (impute before split)"
                                               : "leak-free (impute from training rows)");
    json_table(&j, r);
    jw_open(&j, "stages", '[');
    for (int i = 0; i < r->n_st; i++) {
        jw_open(&j, NULL, '{');
        jw_str(&j, "name", r->st[i].name);
        jw_str(&j, "status", ST_NAME[r->st[i].status]);
        jw_num(&j, "seconds", r->st[i].seconds);
        jw_num(&j, "cpu_seconds", r->st[i].cpu);
        jw_str(&j, "note", r->st[i].note);
        jw_close(&j, '}');
    }
    jw_close(&j, ']');
    jw_num(&j, "total_seconds", now_s() - r->t_start);
    jw_num(&j, "total_cpu_seconds", process_cpu_s());

    jw_open(&j, "data", '{');
    jw_int(&j, "rows_read", r->rows_read);
    jw_int(&j, "blank_rows", r->blank_rows);
    jw_int(&j, "rows_dropped", r->dropped);
    jw_int(&j, "rows_kept", r->kept);
    if (r->is_ref) {
        const table_col *dur = table_column(r, REF_DURATION_COL),
                        *tempo = table_column(r, REF_TEMPO_COL);
        jw_int(&j, "duration_missing", dur->missing_read);
        jw_int(&j, "tempo_missing", tempo->missing_read);
    }
    if (r->group_col[0]) {
        jw_int(&j, r->is_ref ? "artists" : "groups", r->groups);
        jw_int(&j, r->is_ref ? "rows_without_artist" : "rows_without_group", r->no_group_rows);
    }
    jw_int(&j, "train_rows", (int64_t)r->ntr);
    jw_int(&j, "test_rows", (int64_t)r->nte);
    jw_open(&j, "test_rows_per_genre", '{');
    for (int c = 0; c < r->K && r->test_per_class; c++)
        jw_int(&j, r->genre[c], r->test_per_class[c]);
    jw_close(&j, '}');
    jw_open(&j, "train_rows_per_genre", '{');
    for (int c = 0; c < r->K && r->train_per_class; c++)
        jw_int(&j, r->genre[c], r->train_per_class[c]);
    jw_close(&j, '}');
    if (r->is_ref)
        json_ref_imputation(&j, r);
    if (r->have_leak) {
        jw_open(&j, "leakage", '{');
        jw_int(&j, r->is_ref ? "shared_artists" : "shared_groups", r->shared_groups);
        jw_int(&j, r->is_ref ? "test_rows_with_train_artist" : "test_rows_with_train_group",
               r->test_in_train_groups);
        jw_int(&j, "duplicate_rows", r->duplicate_rows);
        jw_close(&j, '}');
    }
    jw_close(&j, '}');
    json_columns(&j, r);
    if (r->have_pca) {
        jw_open(&j, "pca", '{');
        jw_nums(&j, "explained_variance_ratio", r->pca_ratio, r->n_pc);
        jw_close(&j, '}');
    }
    if (r->have_lda) {
        jw_open(&j, "lda", '{');
        jw_nums(&j, "explained_variance_ratio", r->lda_ratio, r->n_ld);
        jw_int(&j, "inputs", (int64_t)r->d_lda);
        if (r->lda_shrinkage > 0)
            jw_num(&j, "shrinkage", r->lda_shrinkage);
        jw_close(&j, '}');
    }
    jw_open(&j, "kmeans", '{');
    for (int v = 0; v < 2; v++) {
        if (!r->have_kmeans[v])
            continue;
        jw_open(&j, v ? "lda_3d" : "lda_2d", '{');
        double ks[NKS];
        size_t nk = (size_t)km_count(r);
        for (int k = 0; k < NKS; k++)
            ks[k] = KMIN + k;
        jw_nums(&j, "k", ks, nk);
        jw_nums(&j, "inertia", r->km_inertia[v], nk);
        jw_nums(&j, "silhouette", r->km_sil[v], nk);
        if (nk < NKS) { /* fewer rows than the sweep's largest k */
            char note[160];
            snprintf(note, sizeof note,
                     "k = %d..%d only: %zu training rows (the silhouette needs k at most "
                     "rows - 1)",
                     KMIN, KMIN + (int)nk - 1, r->ntr);
            jw_str(&j, "k_note", note);
        }
        jw_int(&j, "best_k", r->km_best[v]);
        jw_num(&j, "seconds", r->km_seconds[v]);
        jw_open(&j, "cluster_genre_counts", '[');
        double *row = xcalloc((size_t)r->K, sizeof *row);
        for (int k = 0; row && k < r->km_best[v]; k++) {
            for (int c = 0; c < r->K; c++)
                row[c] = (double)r->km_comp[v][(size_t)k * (size_t)r->K + (size_t)c];
            jw_nums(&j, NULL, row, (size_t)r->K);
        }
        free(row);
        jw_close(&j, ']');
        jw_close(&j, '}');
    }
    jw_close(&j, '}');

    jw_open(&j, "models", '[');
    if (r->have_lda_clf) {
        jw_open(&j, NULL, '{');
        jw_str(&j, "name", "LDA classifier");
        jw_num(&j, "test_macro_auroc", r->lda_clf_auroc);
        jw_num(&j, "test_micro_auroc", r->lda_clf_micro);
        jw_num(&j, "test_accuracy", r->lda_clf_acc);
        jw_num(&j, "train_macro_auroc", r->lda_clf_train_auroc);
        jw_num(&j, "train_accuracy", r->lda_clf_train_acc);
        jw_close(&j, '}');
    }
    for (int k = 0; k < r->n_models; k++) {
        model_result *m = &r->m[k];
        if (!m->available)
            continue;
        jw_open(&j, NULL, '{');
        jw_str(&j, "name", m->name);
        jw_str(&j, "layers", m->ref_layers);
        jw_int(&j, "params", m->params);
        jw_num(&j, "learning_rate", m->lr);
        jw_int(&j, "epochs", m->best_epoch);
        jw_int(&j, "epochs_run", m->epochs_run);
        jw_num(&j, "validation_loss", m->val_loss);
        jw_num(&j, "test_macro_auroc", m->auroc);
        jw_num(&j, "test_micro_auroc", m->auroc_micro);
        jw_num(&j, "test_accuracy", m->acc);
        jw_num(&j, "train_macro_auroc", m->train_auroc);
        jw_num(&j, "train_accuracy", m->train_acc);
        jw_num(&j, "train_seconds", m->train_time);
        jw_nums(&j, "test_auroc_per_genre", m->per_class, (size_t)r->K);
        if (r->is_ref) { /* the reference analysis's figures: its table only */
            jw_num(&j, "reference_test_macro_auroc", m->ref_auroc);
            jw_num(&j, "reference_epochs", m->ref_epochs);
            jw_num(&j, "reference_test_accuracy", m->ref_acc);
            jw_num(&j, "reference_train_seconds", m->ref_time);
        }
        jw_nums(&j, "loss_train", m->hist_train ? m->hist_train : m->per_class,
                m->hist_train ? m->n_hist : 0);
        jw_nums(&j, "loss_validation", m->hist_val ? m->hist_val : m->per_class,
                m->hist_val ? m->n_hist : 0);
        jw_nums(&j, "loss_test", m->hist_test ? m->hist_test : m->per_class,
                m->hist_test ? m->n_hist_test : 0);
        jw_close(&j, '}');
    }
    jw_close(&j, ']');
    jw_open(&j, "tsne", '[');
    for (int i = 0; i < r->n_tsne; i++) {
        jw_open(&j, NULL, '{');
        jw_int(&j, "dimensions", r->tsne[i].dim);
        jw_num(&j, "perplexity", r->tsne[i].perplexity);
        if (r->tsne[i].asked > 0) { /* lowered: too few rows for the one asked */
            jw_num(&j, "perplexity_asked", r->tsne[i].asked);
            jw_str(&j, "perplexity_note", r->tsne_note);
        }
        jw_int(&j, "rows", r->tsne[i].rows);
        jw_int(&j, "iterations", r->tsne[i].iters);
        jw_str(&j, "initialisation", r->tsne[i].random_init ? "random" : "pca");
        jw_num(&j, "kl_divergence", r->tsne[i].kl);
        jw_num(&j, "seconds", r->tsne[i].seconds);
        jw_close(&j, '}');
    }
    jw_close(&j, ']');
    json_name_features(&j, r);
    json_stream(&j, r);
    jw_open(&j, "plots", '[');
    for (int i = 0; i < r->n_plots; i++) {
        char b[96];
        snprintf(b, sizeof b, "plots/%s.png", r->plots[i].base);
        jw_str(&j, NULL, b);
        snprintf(b, sizeof b, "plots/%s.svg", r->plots[i].base);
        jw_str(&j, NULL, b);
    }
    jw_close(&j, ']');
    jw_close(&j, '}');
    fputc('\n', f);
    int bad = ferror(f);
    return (fclose(f) || bad) ? -1 : 0;
}
