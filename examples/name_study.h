/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The name study (issue 10, docs/text.md): how much do a table's text
 * columns (names, titles, file names) add to its numeric features, once the
 * same groups (artists, say) are kept off both sides of the split?
 *
 * name_study_run() takes a loaded table (empty rows dropped, not imputed),
 * the text columns to hash (the schema's text columns, and the group
 * column's text when there is one), the group column (optional) and a
 * callback that turns a split's training and test rows into the numeric
 * features (imputed and encoded with the training rows' statistics). For
 * each of two splits -- a stratified random split and, when there is a
 * group column, a group-disjoint split of as close to the same sizes as the
 * groups allow -- it fits four models on the training rows and scores them
 * on the test rows:
 *
 *   names          the hashed text columns (genre_text, TF-IDF, CSR)
 *                  -> softmax regression (an MLP without hidden layers, CSR input);
 *   audio          the d numeric features (standardised) -> dense MLP;
 *   names+audio    the CSR names with the d features appended as d more
 *                  columns -> MLP with a hidden layer (CSR input);
 *   reduced+audio  K name columns -- the names model's class probabilities,
 *                  out-of-fold on the training rows (k folds inside the
 *                  training rows, grouped on the group-disjoint split), the
 *                  full names model's on the test rows -- joined with the d
 *                  features -> the audio MLP's architecture.
 *
 * Leak check (name_leak.h): before the combined models, each text column
 * alone is scored on the random split's validation rows; a column above
 * NAME_LEAK_AUROC gets a warning (name_study_result.warning) and is left out
 * of names+audio and reduced+audio on both splits unless
 * name_study_options.keep_leaking is set.
 *
 * It is used by genre-name-study (examples/genre_name_study.c), which prints
 * the table, and by genre-analysis (its name study stage).
 */
#ifndef GENRE_NAME_STUDY_H
#define GENRE_NAME_STUDY_H

#include <genre/genre.h>
#include <stdio.h>

#define NAME_STUDY_N_MODELS 4
#define NAME_STUDY_N_SPLITS 2
#define NAME_STUDY_N_SCALES 3
#define NAME_STUDY_MAX_TEXT 32 /* text columns hashed at most */

enum { NS_NAMES = 0, NS_AUDIO = 1, NS_BOTH = 2, NS_REDUCED = 3 };
enum { NS_SPLIT_RANDOM = 0, NS_SPLIT_GROUP = 1 };

/* The numeric features of one split, made by the caller's callback; every
 * pointer malloc()ed by the callback and freed by the study. */
typedef struct name_study_features {
    size_t d;                 /* columns, >= 1 */
    double *x_train, *x_test; /* n_train x d and n_test x d, row-major, no missing value */
    int32_t *y_train, *y_test; /* label codes in [0, K) */
    /* d flags, 1: the study standardises the column (scaler fit on the
     * training rows); 0: it passes as given (codes of an ordered category,
     * one-hot columns). NULL: every column is standardised. */
    uint8_t *standardise;
} name_study_features;

/* Makes the features of a split: `train` and `test` are its two sides
 * (subsets of the study's table, in the split's order, owned by the study;
 * the callback may impute them in place). Fit every statistic (imputation,
 * encoding) on `train` only. Returns 0, or -1 with a message in
 * error (cap bytes), having freed what it allocated. Called from the
 * study's threads (one call per split, possibly two at once). */
typedef int (*name_study_features_fn)(void *user, genre_dataset *train, genre_dataset *test,
                                      name_study_features *out, char *error, size_t cap);

/* What to study; only read during name_study_run(). */
typedef struct name_study_input {
    const genre_dataset *ds;  /* the table: empty rows dropped, not imputed */
    /* Columns hashed as the names, in this order (one hashing field each):
     * text columns of the schema, or its group column. 1..NAME_STUDY_MAX_TEXT.
     * A value the table keeps apart from every group (the schema's "no
     * group" value) is given as an empty name. */
    const char *const *text_columns;
    size_t n_text_columns;
    /* The schema's group column, or NULL: then the group-disjoint split is
     * skipped (name_study_split.available 0, with the reason in `skipped`). */
    const char *group_column;
    const char *group_word; /* "artist": names the split and its counts; NULL: the
                               group column's name less a "_name"/" name" ending */
    const char *class_word; /* "genre" in "500 per genre"; NULL: "class" */
    int32_t n_classes;      /* K >= 2: the callback's labels are in [0, K); 0: K is
                               one more than the largest label code it gives */
    name_study_features_fn features;
    void *features_user;
} name_study_input;

typedef struct name_study_options {
    uint64_t seed;          /* splits, folds, models, bootstrap (default 1) */
    /* Test rows of the random split: test_per_class > 0 of every class
     * (default 500), else test_fraction of every class (default 0.2; the
     * group-disjoint split then aims at the smallest class's share). */
    int64_t test_per_class;
    double test_fraction;
    int64_t n_buckets;      /* per field, default 2^15 */
    int32_t ngram_min, ngram_max; /* default 2, 4 */
    int32_t folds;          /* out-of-fold folds for the reduction, default 5 */
    /* Every model trains on the training rows less a validation tenth
     * (chosen like the split: by group on the group-disjoint split) and
     * stops when the validation loss has not improved for `patience` epochs,
     * keeping its best epoch; at most these many epochs: */
    int32_t names_epochs;   /* default 30 (patience 2) */
    int32_t both_epochs;    /* default 30 (patience 2) */
    int32_t both_hidden;    /* hidden width of names+audio, default 64 */
    int32_t audio_epochs;   /* audio and reduced+audio, default 300 (patience 10) */
    int32_t n_resamples;    /* bootstrap resamples, default 1000 */
    int32_t threads;        /* >= 2: the two splits run side by side on two
                               threads (default 2); 1: one after the other */
    int keep_leaking;       /* 1: a leaking text column stays in the combined models */
    /* Called before each step with a short description; may be NULL. With
     * threads >= 2 it is called from two threads, never at the same time. */
    void (*progress)(void *user, const char *what);
    /* Polled before each step and once per epoch inside every model fit
     * (through the MLP's progress callback); nonzero stops the study, which
     * then returns -1 with `cancelled` set in the result. May be NULL; with
     * threads >= 2 it is called from both threads. */
    int (*cancel)(void *user);
    void *user;
} name_study_options;

typedef struct name_study_cell {
    double auroc, accuracy, seconds; /* NaN when the model was not fit */
    double val_auroc; /* on the validation rows (part of the training rows) */
    int64_t epochs; /* the epoch kept by early stopping */
} name_study_cell;

typedef struct name_study_split {
    char name[96];
    int available;                     /* 0: skipped (see `skipped`) */
    char skipped[160];
    int64_t n_train, n_test;
    int64_t n_validation;              /* training rows held out for early stopping */
    int64_t test_groups;               /* distinct groups among the test rows */
    int64_t shared_groups;             /* test groups also in training */
    int64_t test_rows_in_train_groups;
    int64_t duplicate_rows;            /* test rows whose numeric values equal a train row's */
    int64_t nnz_train;                 /* stored name entries (training CSR) */
    int64_t n_text_columns;            /* columns of the hashed names */
    int64_t n_features;                /* d, the numeric features */
    name_study_cell model[NAME_STUDY_N_MODELS];
    double diff, diff_lo, diff_hi;     /* AUROC(names+audio) - AUROC(audio), 95% bootstrap */
    double names_in_reduced_lo, names_in_reduced_hi; /* AUROC(reduced) - AUROC(audio) */
    double diff_reduced;
    double names_scale;                /* the names' weight chosen for names+audio */
    double both_val_auroc[NAME_STUDY_N_SCALES]; /* validation AUROC per name_study_scales[] */
} name_study_split;

typedef struct name_study_result {
    name_study_split split[NAME_STUDY_N_SPLITS];
    int64_t n_rows;
    int64_t invalid_utf8_names, empty_names; /* over every name column of all rows */
    int64_t n_text_columns;                  /* n_fields * n_buckets */
    size_t n_fields;                         /* the text columns hashed */
    char field[NAME_STUDY_MAX_TEXT][128];    /* their names */
    char group_word[64];                     /* "artist" (or the group column's name) */
    /* The leak check (name_leak.h), on the random split's validation rows:
     * each text column's validation macro AUROC alone, whether it is flagged
     * and whether the combined models use it. */
    double field_val_auroc[NAME_STUDY_MAX_TEXT];
    int field_leaks[NAME_STUDY_MAX_TEXT], field_combined[NAME_STUDY_MAX_TEXT];
    int leak_checked;                        /* the scores above are set */
    char warning[NAME_STUDY_MAX_TEXT][384];  /* one per flagged column */
    size_t n_warnings;
    double seconds;
    name_study_options opt;
    int cancelled; /* stopped by options.cancel (the numbers are incomplete) */
    char error[512];
} name_study_result;

extern const char *const name_study_model_names[NAME_STUDY_N_MODELS];
/* The names' weights tried in the names+audio input (values times a). */
extern const double name_study_scales[NAME_STUDY_N_SCALES];

void name_study_default_options(name_study_options *opt);

/* Runs the whole study. Returns 0, or -1 with out->error set (bad input,
 * a failed step, or cancelled). The input's strings and table are only
 * read; out is overwritten. */
int name_study_run(const name_study_input *in, const name_study_options *opt,
                   name_study_result *out);

/* Prints the table (plain text, fixed width), the leak warnings first. */
void name_study_print(FILE *f, const name_study_result *r);

#endif
