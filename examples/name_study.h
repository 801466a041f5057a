/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The name study (issue 10, docs/text.md): how much do artist and track
 * names add to the 13 audio features, once the same artists are kept off
 * both sides of the split?
 *
 * name_study_run() takes a loaded dataset (the music-genre schema, empty
 * rows dropped) and, for each of two splits -- the reference random split
 * with `test_per_class` test rows per genre, and an artist-disjoint split of
 * as close to the same sizes as the artists allow -- fits four models on
 * the training rows and scores them on the test rows:
 *
 *   names          hashed artist + track features (genre_text, TF-IDF, CSR)
 *                  -> softmax regression (an MLP without hidden layers, CSR input);
 *   audio          the 13 audio features (imputed, scaled) -> dense MLP;
 *   names+audio    the CSR names with the 13 scaled features appended as
 *                  13 more columns -> MLP with a hidden layer (CSR input);
 *   reduced+audio  10 name columns -- the names model's class probabilities,
 *                  out-of-fold on the training rows (k folds inside the
 *                  training rows, grouped by artist on the artist-disjoint
 *                  split), the full names model's on the test rows -- joined
 *                  with the 13 features -> the audio MLP's architecture.
 *
 * It is used by genre-name-study (examples/genre_name_study.c), which prints
 * the table, and can be called by any program linking this file.
 */
#ifndef GENRE_NAME_STUDY_H
#define GENRE_NAME_STUDY_H

#include <genre/genre.h>
#include <stdio.h>

#define NAME_STUDY_N_MODELS 4
#define NAME_STUDY_N_SPLITS 2
#define NAME_STUDY_N_SCALES 3

enum { NS_NAMES = 0, NS_AUDIO = 1, NS_BOTH = 2, NS_REDUCED = 3 };
enum { NS_SPLIT_RANDOM = 0, NS_SPLIT_ARTIST = 1 };

typedef struct name_study_options {
    uint64_t seed;          /* splits, folds, models, bootstrap (default 1) */
    int64_t test_per_class; /* default 500 */
    int64_t n_buckets;      /* per field, default 2^15 */
    int32_t ngram_min, ngram_max; /* default 2, 4 */
    int32_t folds;          /* out-of-fold folds for the reduction, default 5 */
    /* Every model trains on the training rows less a validation tenth
     * (chosen like the split: by artist on the artist-disjoint split) and
     * stops when the validation loss has not improved for `patience` epochs,
     * keeping its best epoch; at most these many epochs: */
    int32_t names_epochs;   /* default 30 (patience 2) */
    int32_t both_epochs;    /* default 30 (patience 2) */
    int32_t both_hidden;    /* hidden width of names+audio, default 64 */
    int32_t audio_epochs;   /* audio and reduced+audio, default 300 (patience 10) */
    int32_t n_resamples;    /* bootstrap resamples, default 1000 */
    int32_t threads;        /* >= 2: the two splits run side by side on two
                               threads (default 2); 1: one after the other */
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
    double auroc, accuracy, seconds;
    double val_auroc; /* on the validation rows (part of the training rows) */
    int64_t epochs; /* the epoch kept by early stopping */
} name_study_cell;

typedef struct name_study_split {
    const char *name;
    int64_t n_train, n_test;
    int64_t n_validation;              /* training rows held out for early stopping */
    int64_t test_artists;              /* distinct artists among the test rows */
    int64_t shared_artists;            /* test artists also in training */
    int64_t test_rows_in_train_artists;
    int64_t duplicate_rows;            /* test rows whose audio values equal a train row's */
    int64_t nnz_train;                 /* stored name entries (training CSR) */
    int64_t n_text_columns;            /* columns of the hashed names */
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
    int64_t invalid_utf8_names, empty_names; /* over both name columns of all rows */
    int64_t n_text_columns;                  /* 2 * n_buckets */
    double seconds;
    name_study_options opt;
    int cancelled; /* stopped by options.cancel (the numbers are incomplete) */
    char error[512];
} name_study_result;

extern const char *const name_study_model_names[NAME_STUDY_N_MODELS];
/* The names' weights tried in the names+audio input (values times a). */
extern const double name_study_scales[NAME_STUDY_N_SCALES];

void name_study_default_options(name_study_options *opt);

/* Runs the whole study on ds. Returns 0, or -1 with out->error set. */
int name_study_run(const genre_dataset *ds, const name_study_options *opt,
                   name_study_result *out);

/* Prints the table (plain text, fixed width). */
void name_study_print(FILE *f, const name_study_result *r);

#endif
