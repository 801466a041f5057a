/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The shared state of one genre-analysis run (struct run) and what each
 * room of the program offers the others: the stages (stage_*.c), the plots
 * (plots.c), the report writers (report_json.c, report_html.c) and the
 * stage list (run.c). Private to this program; main.c holds the flow.
 *
 * Threads: stages may run side by side (the k-means sweep and the plots on
 * threads of their own beside the MLPs, the name study on its own; main.c
 * says which); the stage and plot lists are appended to under g_reg.
 */
#ifndef GENRE_ANALYSIS_ANALYSIS_H
#define GENRE_ANALYSIS_ANALYSIS_H

#include <genre/genre.h>

#include "analysis_options.h"
#include "genre_plot.h"
#include "name_study.h"
#include "progress.h"
#include "reference_table.h"
#include "report_dir.h"

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KMIN 2
#define KMAX 8
#define NKS (KMAX - KMIN + 1)
#define PLOT_POINTS 8000
#define MAX_TSNE 8

enum { ST_DONE, ST_SKIPPED, ST_UNAVAILABLE, ST_CANCELLED, ST_FAILED };
extern const char *const ST_NAME[]; /* indexed by the enum above */

typedef struct stage {
    const char *name;
    int status;
    double seconds;
    double cpu;         /* CPU seconds of the program's threads that ran it */
    double cpu0;        /* the beginning thread's CPU clock at stage_begin */
    pthread_t owner;    /* the thread that began it */
    char note[512];
} stage;

#define MAX_STAGES 24
#define MAX_MODELS 4

typedef struct plotref {
    char base[64];
    char caption[200];
    char section[32];
} plotref;

typedef struct model_result {
    const char *name, *ref_layers; /* ref_layers: the layers, e.g. "13-20-15-10" */
    char name_buf[64], layers_buf[64]; /* a user's table: name and layers live here */
    int hidden[4], n_hidden, n_in, available;
    int lda_inputs;                /* inputs: 0 = the d scaled features, else LDA 1..3 */
    double ref_auroc, ref_acc, ref_epochs, ref_time;
    int64_t params, epochs_run, best_epoch;
    double lr, val_loss, train_time, auroc, auroc_micro, acc, train_auroc, train_acc;
    double *per_class;     /* K */
    double lr_val_loss[4];
    double *hist_train, *hist_val, *hist_test;
    size_t n_hist, n_hist_test; /* train, validation: epochs run; test: to the chosen epoch */
    double *proba_test;
} model_result;

/* A column of the schema, as the report lists it (table.c). */
typedef struct table_col {
    char *name;
    int32_t role;          /* GENRE_COL_* */
    size_t n_order;        /* categorical or label: declared order's length; 0 = none */
    char *markers;         /* its missing markers as shown, e.g. `"", ?` */
    int used;              /* a feature column */
    char reason[128];      /* why it is not used ("" when used) */
    int64_t missing_read;  /* cells missing in the table read; -1 unknown */
    char impute[64];       /* how its missing cells were filled ("" none) */
    int32_t declared_impute; /* the schema's impute= (GENRE_IMPUTE_*; 0 none or default) */
    int64_t missing_side[2], filled_side[2]; /* training, test rows */
} table_col;

/* A schema column the features come from and where its encoded columns
 * are in the feature matrix. */
typedef struct feature_src {
    const char *name;      /* the table_col's name */
    int32_t role;          /* GENRE_COL_NUMERIC or GENRE_COL_CATEGORICAL */
    size_t n_order;        /* 0: an unordered categorical, one-hot */
    int32_t n_cat;         /* categories after the fit (categoricals) */
    size_t first, width;   /* columns first .. first + width - 1 */
} feature_src;

/* The reference table's two imputers' counts on one side of the split. */
typedef struct ref_counts {
    int64_t dur_from_group, dur_from_global, tempo_imputed;
} ref_counts;

/* --stream (stage_stream.c): what differs from the in-memory analysis, for
 * the report, and the stratified sample the silhouettes and t-SNE use. */
typedef struct stream_info {
    int on;
    int passes, prep_passes, kmeans_passes, mlp_epochs;
    int kmeans_converged[2][NKS];
    int64_t rows, unlabelled, n_train, n_val, n_test; /* labelled rows, by side */
    double test_fraction, val_fraction; /* of the hash split */
    int64_t kmeans_sample;   /* reservoir rows of the k-means initialisation */
    int64_t peak_rss_kb;     /* VmHWM at the end of the analysis */
    double mlp_lr;
    double mlp_val_loss, mlp_val_acc;
    char infer_note[160];    /* "" or how the schema was inferred */
    size_t n_sample;         /* the stratified sample: rows, scaled (n x d), labels */
    double *sample_x, *sample_pca, *sample_lda;
    int32_t *sample_y;
} stream_info;

typedef struct run {
    options opt;
    stream_info sm;
    char data_path[PATH_MAX + 128];
    report_dir rd; /* the report being written (report_dir.c) */
    char plotdir[sizeof(report_dir){0}.tmp + 16];
    stage st[MAX_STAGES];
    int n_st;
    _Atomic int cancelled, failed; /* read by concurrent stages */
    int input_error; /* failed on the table's shape, found before any result (a class
                        without test rows in --stream): one message, no report */
    char error[1024];
    char label_col[512], group_col[512]; /* the schema's label and group columns ("" none) */
    int is_ref; /* the reference table (reference_table.h): its split, imputers, figures */
    table_col *cols;        /* every column of the schema, for the report (table.c) */
    size_t n_cols;
    feature_src *fsrc;      /* the schema columns the features come from */
    size_t n_fsrc;
    size_t d;               /* feature columns after encoding (one-hot widens) */
    char **feat;            /* their d names: the column, or `column=value` */
    uint8_t *scale_mask;    /* d: 1 = standardized (numeric columns) */
    uint8_t *pca_mask;      /* d: 1 = in the PCA (not an ordered code of > 2 values) */
    size_t d_pca;
    int K;                  /* classes of the label */
    char **warnings;        /* for the top of the report and metrics.json */
    int n_warnings;
    char split_desc[256];   /* how the rows were split */
    char *schema_text;      /* the schema as a schema file (--print-schema; may be NULL) */
    genre_dataset_schema *schema; /* the schema the table was read with (stage_data()),
                                     kept for the name study's preparations */
    plotref plots[128];
    int n_plots;
    double plot_seconds, plot_cpu;
    double t_start;

    /* data */
    int64_t rows_read, blank_rows, dropped, kept, groups, no_group_rows;
    ref_counts ref_imp[2]; /* the reference table's imputers: training (or all) rows, test */
    int have_alt; /* the counts of the other order (leak-free vs reference) */
    ref_counts alt_imp[2];
    int have_leak;
    int64_t shared_groups, test_in_train_groups, duplicate_rows;
    char **genre;           /* K class names */
    const char **genre_ptr;
    size_t ntr, nte;
    double *xtr, *xte;      /* n x d features after imputation and encoding */
    int32_t *ytr, *yte;
    int64_t *test_per_class, *train_per_class; /* K */
    /* tempo imputer */
    int tempo_mlp;
    double tempo_r2, tempo_r2_median;
    int64_t tempo_fit_rows, tempo_holdout_rows;
    /* scaled */
    double *str, *ste;      /* n x d, numeric columns standardized */
    double *scaler_mean, *scaler_scale; /* d */
    /* pca */
    int have_pca;
    size_t n_pc;            /* components (d_pca unless fewer rows) */
    double *pca_ratio, *pca_loadings; /* n_pc; d_pca x n_pc */
    double *pca_tr;         /* ntr x n_pc */
    /* lda */
    int have_lda;
    uint8_t *lda_mask;      /* d: 1 = an LDA input (not constant in the training rows,
                               not the last one-hot column of a categorical) */
    size_t d_lda;           /* LDA inputs */
    size_t n_ld;            /* min(K - 1, d_lda) discriminants */
    double lda_shrinkage;   /* 0, or what a singular within-class scatter needed */
    double *lda_ratio, *lda_scalings; /* n_ld; d_lda x n_ld */
    double *lda_tr, *lda_te; /* n x n_ld */
    /* kmeans */
    int have_kmeans[2];
    double km_inertia[2][NKS], km_sil[2][NKS];
    int km_best[2];
    int km_kmax;            /* the largest k swept: KMAX, or fewer when fewer rows
                               (0 until a sweep ran: KMAX) */
    int64_t *km_comp[2];    /* KMAX x K */
    int32_t *km_labels[2];
    double km_seconds[2];
    /* models */
    model_result m[MAX_MODELS];
    int n_models;
    int have_lda_clf;
    double lda_clf_auroc, lda_clf_acc, lda_clf_train_auroc, lda_clf_train_acc,
        lda_clf_micro;
    double *lda_clf_proba;
    /* tsne */
    int n_tsne;
    struct {
        double perplexity, kl, seconds;
        int dim;
        int64_t rows, iters;
        int ok;
        int random_init; /* fewer input columns than dimensions: no PCA start */
        double asked;    /* 0, or the --perplexity value lowered to perplexity */
    } tsne[MAX_TSNE];
    char tsne_note[256];    /* "" or which perplexities were lowered, and why */
    /* name study (DESIGN.md step 6), on its own thread */
    genre_dataset *ds;      /* the loaded table, empty rows dropped (leak-free order:
                               never imputed in place) */
    name_study_result *ns;  /* valid when have_ns */
    char ns_text[NAME_STUDY_MAX_TEXT][512]; /* the columns hashed as names */
    size_t ns_n_text;
    feature_src *ns_src;    /* the study's copy of fsrc (the main models' feature
                               columns): kept while its thread may run */
    size_t ns_n_src;
    int have_ns;
    stage *ns_stage;
    pthread_t ns_thread;
    int ns_started;
    _Atomic int ns_done, ns_abandoned;
    double ns_weight_done, ns_weight_prev;
    int ns_weight_total;
} run;

/* The MLP imputer behind the dataset module's model-imputation hook: the
 * reference table's tempo, or the one column of a user's table declared
 * impute=model. */
typedef struct tempo_model {
    run *r;
    genre_mlp *mlp;
    size_t d;
    double *xm, *xs, ym, ys; /* d input means and scales (set by the fit) */
    bar *bar;
} tempo_model;

/* ---- run.c: the stage list, stopping, small helpers ---- */

/* Guards the stage list, the plot list and the plot seconds. */
extern pthread_mutex_t g_reg;

/* Appends a stage named name (not copied) and starts its clocks: the wall
 * clock and the calling thread's CPU clock. */
stage *stage_begin(run *r, const char *name);
/* Ends s with a status (ST_*) and stops its clocks. Its CPU seconds gain
 * the calling thread's CPU since stage_begin when that thread began it,
 * else the calling thread's whole CPU time (a thread of its own, such as
 * the name study's). Work done for s on other threads is added by
 * stage_add_cpu(); libgenre's own loop threads are not counted (they are in
 * the run's process CPU time). */
void stage_end(stage *s, int status);
/* Adds CPU seconds spent for s on another thread (thread-safe). */
void stage_add_cpu(stage *s, double cpu);
/* The calling thread's CPU seconds (CLOCK_THREAD_CPUTIME_ID); 0 if the
 * clock is unavailable. */
double thread_cpu_s(void);
/* The process's CPU seconds, every thread (CLOCK_PROCESS_CPUTIME_ID). */
double process_cpu_s(void);
/* Sets s's note (printf format; cut at 511 bytes). */
void stage_note(stage *s, const char *fmt, ...);
/* A libgenre failure st in stage s while doing what: marks the stage
 * cancelled (Ctrl-C) or failed with genre_last_error(). Returns -1. */
int stage_fail(run *r, stage *s, genre_status st, const char *what);
/* Puts the plot list in the report's order of sections (features,
 * reduction, kmeans, models, tsne, names), each section's plots in the
 * order drawn: stages draw side by side, so the list's order must not
 * depend on which finished first. */
void plots_in_order(run *r);
/* Whether the run is cancelled or has failed. */
int stopping(const run *r);
/* Whether every stage so far finished or was skipped (not cancelled, not
 * failed): the report is complete. */
int complete(const run *r);
/* calloc that never asks for 0 bytes. */
void *xcalloc(size_t n, size_t size);
/* The k of the k-means sweeps: KMIN .. KMIN + km_count(r) - 1 (NKS of them,
 * fewer when the training rows are fewer than KMAX + 1). */
int km_count(const run *r);
/* Frees what the stages allocated in r (not r itself). */
void free_run(run *r);

/* ---- find_data.c ---- */

/* Sets r->data_path: --input, else the vendored data set of the build tree
 * or the installed one. 0, or -1 with a message in r->error. */
int find_data(run *r);

/* ---- reference_table.c ---- */

/* The four reference MLPs (architectures and the reference figures). */
void ref_init_models(run *r);

/* ---- table_schema.c: where the schema comes from ---- */

/* The run's schema: --schema FILE, inferred from --input with --label, or
 * the built-in one; --group applied. Lists its columns in r->cols, sets the
 * label and group columns, r->schema_text (its schema-file text) and
 * r->is_ref (the text is the built-in schema's, and no --features,
 * --test-fraction or --group). 0, or -1 with r->error. */
int table_schema(run *r, genre_dataset_schema **out);
/* --print-schema: writes the run's schema as a schema file to stdout; the
 * exit status. */
int table_print_schema(run *r);

/* ---- table.c: the table as the analysis uses it ---- */

/* Marks the feature columns (every numeric and categorical column, or
 * --features) and why each other column is not used; checks --group. 0, or
 * -1 with r->error. */
int table_choose_features(run *r);
/* After the preparation's fit: the encoded width d, the feature names and
 * the scaler and PCA masks. 0, or -1 with r->error. */
int table_encode(run *r, const genre_dataset_prep *prep);
/* Exports the features (n x d, one-hot expanded) and labels of ds. */
genre_status table_export(run *r, const genre_dataset *ds, double **x, int32_t **y,
                          size_t *n);
/* The same for any m source columns laid out over d columns (their first
 * and width set): numeric values and ordered codes as they are, unordered
 * categoricals one-hot (a code outside 0 .. width - 1: all 0). *x and *y
 * are calloc()ed, the caller's to free even on failure. */
genre_status table_export_sources(const genre_dataset *ds, const feature_src *src, size_t m,
                                  size_t d, double **x, int32_t **y, size_t *n);
/* Adds a warning for the report (printf format). Not thread-safe: call it
 * from the main thread (the name study's are added by names_wait()). */
void add_warning(run *r, const char *fmt, ...);
/* The table_col of name, or NULL. */
table_col *table_column(run *r, const char *name);

/* ---- the stages; each returns 0, or -1 when the run is stopping ---- */

/* tempo_imputer.c: the MLP imputer behind
 * genre_dataset_prep_add_model_impute(); ud is a tempo_model, whose xm and
 * xs the caller frees. */
genre_status tempo_fit(void *ud, const double *x, size_t n, size_t d, const double *y);
genre_status tempo_predict(void *ud, const double *x, size_t n, size_t d, double *y);

/* split_groups.c: a split with about `fraction` of each class in test and
 * no group of the schema's group column on both sides (rows without a
 * group are groups of their own); seeded by --seed. */
genre_status split_groups(run *r, const genre_dataset *ds, const genre_dataset_schema *schema,
                          double fraction, genre_dataset_split **out);

/* stage_data.c: load, clean, split (or --split-file), impute, export the
 * training and test matrices (r->xtr, r->xte, ...). */
int stage_data(run *r);

/* The data stage's pieces that --stream shares (stage_data.c): the
 * imputation steps (a column declared impute=model is imputed by its median
 * under --stream: the model step cannot be fitted in passes), the class
 * names of the fitted preparation, and the imputation counters of a
 * prepared table ds on one side (0 training, 1 test), added to the run's
 * when add is 1, else set. */
genre_status data_add_imputers(run *r, genre_dataset_prep *prep, tempo_model *tm);
int data_class_names(run *r, const genre_dataset_prep *prep);
void data_count_imputed(run *r, const genre_dataset *ds, int side, int add);

/* stage_stream.c: --stream, the whole analysis in passes over the file in
 * bounded memory (every stage above but the name study and the plots). */
int stage_stream(run *r);
/* Frees the stream mode's sample (free_run()). */
void stream_free(run *r);

/* stream_report.c: the report's account of --stream (metrics.json's
 * "stream" object, the HTML paragraph); nothing when not streaming. */
struct jw;
void json_stream(struct jw *j, const run *r);
/* stream_kmeans.c: the k of both sweeps that stopped at the pass cap
 * unconverged. */
int stream_kmeans_unconverged(const run *r);
void html_stream(FILE *f, const run *r);

/* stage_linear.c: scaler, PCA, LDA and the LDA classifier. */
int stage_linear(run *r);
/* Macro AUROC, micro AUROC (micro may be NULL), accuracy and per-class
 * AUROC (per_class may be NULL) of n rows of K probabilities. */
int eval_proba(int K, const int32_t *y, const double *proba, size_t n, double *auroc,
               double *micro, double *acc, double *per_class);
/* The fitted PCA's report: r->n_pc, r->pca_ratio and r->pca_loadings
 * (d_pca x n_pc), allocated here. */
genre_status pca_results(run *r, const genre_pca *pca);
/* Fits lda by fit(lda, ud); a within-class scatter still singular
 * (collinear columns, GENRE_E_NUMERIC) is fit again with a little shrinkage
 * (r->lda_shrinkage) and the report says so (not for the reference
 * table). */
typedef genre_status (*lda_fit_fn)(genre_lda *lda, const void *ud);
genre_status lda_fit_or_shrink(run *r, genre_lda *lda, lda_fit_fn fit, const void *ud);
/* The LDA's inputs: r->lda_mask marks the columns with a spread in the
 * training rows (not a constant pixel); this clears one column of each
 * one-hot group (they sum to 1), directions LDA cannot use, which
 * scikit-learn's svd solver drops too, and returns the columns left. */
size_t lda_mask_finish(run *r);
/* The columns of x (n x d) that keep[] marks, into out (n x m): the PCA's
 * and the LDA's inputs, in memory and in stream mode. */
void keep_columns(const double *x, size_t n, size_t d, const uint8_t *keep, size_t m,
                  double *out);

/* stage_kmeans.c: the k-means sweep on LDA 2-D and 3-D (those that exist:
 * min(K - 1, d) discriminants), in stage s. */
int stage_kmeans(run *r, stage *s);

/* stage_mlp.c: the MLPs (the reference table's four; else d-20-15-K and
 * the LDA 3-D and 2-D ones when they exist), rate and epochs chosen on
 * validation rows, with the test-loss curves. models_init() sets them up
 * once d, K and the discriminants are known. */
void models_init(run *r);
int stage_mlp(run *r, stage *s);

/* stage_tsne.c: the t-SNE embeddings (and their plots), as stage s
 * (begun by the caller, so that the report lists the stages in a fixed
 * order whichever thread runs them); stage_tsne() begins its own. */
int stage_tsne(run *r);
int stage_tsne_run(run *r, stage *s);

/* stage_names.c: the name study on a thread of its own; names_wait() joins
 * it (or gives up on it after Ctrl-C). */
void names_start(run *r);
void names_wait(run *r);

/* ---- plots.c ---- */

/* Saves p as plots/<base>.png and .svg of w x h pixels, lists it under
 * section with caption (say()s why not and returns -1 on failure). */
int plot_save(run *r, gplot *p, const char *base, const char *section,
              const char *caption, int w, int h);
void plots_data(run *r);
void plots_linear(run *r);
void plots_kmeans(run *r);
void plots_names(run *r);
void plots_models(run *r);

/* ---- report_html_tables.c: the tables that follow the table's shape ---- */

void html_esc(FILE *f, const char *s);
/* A name in a table cell: escaped, with <wbr> break opportunities. */
void html_name(FILE *f, const char *s);
void html_data_rows(FILE *f, const run *r);
void html_imputation(FILE *f, const run *r);
void html_ref_imputation(FILE *f, const run *r);
void html_unused(FILE *f, const run *r);
void html_pca(FILE *f, const run *r);
void html_lda(FILE *f, const run *r);
void html_clusters(FILE *f, const run *r, int v);
void html_models(FILE *f, const run *r);

/* ---- report_json.c, report_html.c: write the file at path; 0 or -1 ---- */

int write_json(run *r, const char *path);
int write_html(run *r, const char *path);

#endif
