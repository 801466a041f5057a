/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The report's account of --stream: what differs from the in-memory
 * analysis, as metrics.json's "stream" object and an HTML paragraph
 * (json_stream(), html_stream()). */
#define _XOPEN_SOURCE 700

#include "analysis.h"
#include "cluster.h"
#include "json_writer.h"

static const char MEDIANS[] =
    "exact: extra passes narrow each median's bracket by 16 bits of the value's order key "
    "(genre_dataset_prep_partial)";
static const char SPLIT[] =
    "hash of the seed and each non-empty row's index in the file (no shuffle, no per-class "
    "counts): stable for every chunk size";

void json_stream(struct jw *j, const run *r)
{
    const stream_info *sm = &r->sm;
    if (!sm->on)
        return;
    jw_open(j, "stream", '{');
    jw_int(j, "chunk_rows", r->opt.chunk_rows);
    jw_int(j, "ranks", cl_size()); /* genre-analysis-mpi: MPI ranks */
    jw_int(j, "passes", sm->passes);
    jw_int(j, "imputation_passes", sm->prep_passes);
    jw_str(j, "split", SPLIT);
    jw_num(j, "test_fraction", sm->test_fraction);
    jw_num(j, "validation_fraction", sm->val_fraction);
    jw_int(j, "rows_labelled", sm->n_train + sm->n_test);
    jw_int(j, "rows_without_label", sm->unlabelled);
    jw_int(j, "train_rows", sm->n_train);
    jw_int(j, "validation_rows", sm->n_val);
    jw_int(j, "test_rows", sm->n_test);
    jw_str(j, "median_method", MEDIANS);
    jw_str(j, "schema", sm->infer_note[0] ? sm->infer_note : "as in memory (not inferred)");
    jw_int(j, "sample_rows", (int64_t)sm->n_sample);
    jw_str(j, "sample", "stratified reservoir of the training rows (seeded): silhouettes, "
                        "t-SNE");
    jw_int(j, "kmeans_init_sample_rows", sm->kmeans_sample);
    jw_int(j, "kmeans_lloyd_passes", sm->kmeans_passes);
    jw_int(j, "kmeans_unconverged", stream_kmeans_unconverged(r));
    jw_str(j, "kmeans", "one initialisation per k (in memory: the best of 10 restarts) by "
                        "k-means++ on a seeded reservoir sample; at most 100 Lloyd passes over "
                        "a temporary spill of the training rows' LDA features; silhouettes on "
                        "the sample");
    jw_int(j, "mlp_epochs", sm->mlp_epochs);
    jw_num(j, "mlp_learning_rate", sm->mlp_lr);
    jw_num(j, "mlp_validation_loss", sm->mlp_val_loss);
    jw_num(j, "mlp_validation_accuracy", sm->mlp_val_acc);
    jw_str(j, "mlp", "only the d-20-15-K model, by genre_mlp_partial_fit over windows of "
                     "chunk_rows training rows read from a temporary spill in a seeded order "
                     "of 64-row blocks; every epoch run (no early stopping, one learning "
                     "rate)");
    /* the scaler's numbers, so that runs with other chunk sizes can be compared */
    jw_nums(j, "scaler_mean", r->scaler_mean, r->scaler_mean ? r->d : 0);
    jw_nums(j, "scaler_scale", r->scaler_scale, r->scaler_scale ? r->d : 0);
    jw_str(j, "train_macro_auroc", "not computed (it needs every training score); train "
                                   "accuracy is exact");
    jw_str(j, "test_micro_auroc", "exact, but not computed (null) when test rows x classes "
                                  "exceed 4,194,304: its sort takes about 40 bytes per score");
    jw_str(j, "name_study", "not run in stream mode");
    jw_str(j, "groups", "distinct groups and the leakage report are not computed (-1)");
    jw_str(j, "plots", "not drawn in stream mode");
    jw_int(j, "peak_rss_kb", sm->peak_rss_kb);
    jw_close(j, '}');
}

void html_stream(FILE *f, const run *r)
{
    const stream_info *sm = &r->sm;
    if (!sm->on)
        return;
    fprintf(f, "<h2>Stream mode</h2>\n<p>This analysis ran with <code>--stream</code>: %d "
               "passes over the file in chunks of %ld rows, never holding all rows "
               "(peak resident memory %.1f MB). What differs from the in-memory analysis:</p>"
               "\n<ul>\n",
            sm->passes, r->opt.chunk_rows, (double)sm->peak_rss_kb / 1024);
    if (cl_size() > 1)
        fprintf(f, "<li>Ranks: %d MPI ranks (genre-analysis-mpi), each reading its byte range "
                   "of the file; a first pass counts each rank's rows. The numbers are those of "
                   "one process to rounding.</li>\n", cl_size());
    fprintf(f, "<li>Split: a %s; %lld training rows (%lld of them held out for the MLP's "
               "validation), %lld test rows.</li>\n",
            SPLIT, (long long)sm->n_train, (long long)sm->n_val, (long long)sm->n_test);
    fprintf(f, "<li>Medians of the imputation: %s; %d pass%s.</li>\n", MEDIANS,
            sm->prep_passes, sm->prep_passes == 1 ? "" : "es");
    if (sm->infer_note[0])
        fprintf(f, "<li>Schema: %s.</li>\n", sm->infer_note);
    if (r->is_ref)
        fputs("<li>Tempo is imputed by its training median (a model imputer cannot be fitted "
              "in passes).</li>\n", f);
    fprintf(f, "<li>k-means: one initialisation per k (in memory: the best of 10 restarts), "
               "by k-means++ on a seeded reservoir sample of %lld rows, %d Lloyd passes over a temporary file of the training rows' LDA "
               "features; silhouettes on the stratified sample.</li>\n",
            (long long)sm->kmeans_sample, sm->kmeans_passes);
    fprintf(f, "<li>Silhouettes and t-SNE: a seeded stratified sample of %zu training "
               "rows.</li>\n", sm->n_sample);
    fprintf(f, "<li>MLP: only d-20-15-K, trained by <code>genre_mlp_partial_fit</code> for "
               "%d epochs at learning rate %g (no early stopping) over a temporary file of its "
               "training rows read in a seeded order of 64-row blocks (a file sorted by class "
               "would otherwise give windows of one class); validation loss %.4f, "
               "accuracy %.4f. Test AUROC and accuracy are exact; training AUROC is not "
               "computed.</li>\n",
            sm->mlp_epochs, sm->mlp_lr, sm->mlp_val_loss, sm->mlp_val_acc);
    fputs("<li>No name study, no plots, no count of distinct groups and no leakage report "
          "in stream mode.</li>\n</ul>\n", f);
}
