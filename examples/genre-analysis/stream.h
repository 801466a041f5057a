/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * --stream, private to its files: the pass driver (stream_pass.c) that reads
 * the file chunk by chunk and hands each chunk's training and test rows to a
 * stage's handler, the hash split, and the state the passes share. The
 * stages themselves are in stage_stream.c; the report's account in
 * stream_report.c.
 */
#ifndef GENRE_ANALYSIS_STREAM_H
#define GENRE_ANALYSIS_STREAM_H

#include "analysis.h"
#include "cluster.h"

/* A program-level failure of a handler (the message is in r->error), as
 * opposed to a libgenre status with genre_last_error(). */
#define STREAM_E_PROGRAM CL_PROGRAM_ERROR

enum { SIDE_TRAIN, SIDE_VAL, SIDE_TEST };

typedef struct stream_ctx {
    run *r;
    genre_dataset_schema *schema;
    genre_dataset_prep *prep;   /* fitted after the preparation's passes */
    genre_scaler *sc;           /* fitted after the scaler pass, else NULL */
    int first;                  /* this pass adds the read counters to r */
    int count_imputed;          /* this pass adds the imputation counters to r */
    int64_t bad_test_labels, first_bad_line;
    int64_t pass_rows;          /* rows the first whole pass read; 0 before */
    /* several ranks (cluster.h): each reads its byte range of the file */
    int count_only;             /* this pass only counts the rows (stream_pass) */
    int64_t row_base;           /* the non-empty rows of the ranks before this one */
    int64_t local_rows;         /* this rank's non-empty rows (its last pass) */
    int64_t train_base;         /* training rows of the ranks before this one */
    int64_t *class_base;        /* K: the same per class */
} stream_ctx;

/* One chunk's labelled rows, in file order, by side. Raw passes (the
 * preparation's) give only train_raw: every training row, validation rows
 * included, unencoded. Other passes give the features (n x r->d, scaled
 * when ctx->sc is set) and labels of the training rows (is_val marks the
 * validation rows among them) and of the test rows. */
typedef struct chunk_view {
    const genre_dataset *train_raw;
    const double *xtr, *xte;
    const int32_t *ytr, *yte;
    const uint8_t *is_val;
    size_t ntr, nte;
} chunk_view;

/* A stage's work on one chunk: a genre_status (or STREAM_E_PROGRAM). */
typedef genre_status (*chunk_fn)(stream_ctx *c, const chunk_view *v, void *ud);

/* A seeded reservoir sample (stream_sample.c). */
typedef struct reservoir {
    size_t cap, d;
    uint64_t seed, salt;
    int64_t base, seen;  /* the stream index of this rank's first row; rows offered */
    double *rows;        /* cap x d */
    int64_t *when;       /* cap: the stream index of the slot's row, -1 when empty */
} reservoir;

/* What the passes after the LDA fit share (stream_models.c,
 * stream_kmeans.c). */
typedef struct stream_fit {
    genre_lda *lda;
    genre_pca *pca;
    genre_mlp *mlp;              /* NULL with --no-mlp */
    genre_metrics_partial *mp;   /* the test rows' scores of one classifier */
    FILE *spill;                 /* training rows: spill_cols LDA features, then the label */
    FILE *mlp_spill;             /* the MLP's training rows: d scaled features, the label */
    int64_t mlp_spill_rows;
    size_t spill_cols;
    int64_t spill_rows;
    reservoir kms[2];            /* the k-means reservoirs, LDA 2-D and 3-D */
    size_t cap_per_class;        /* the stratified sample: per class */
    reservoir *strat;            /* K reservoirs of d scaled features */
    size_t n_strat;
    cl_steps *steps;             /* several ranks: the MLP's reductions */
    int64_t mlp_base, mlp_total; /* the MLP spill: rows of the ranks before, of all */
    int64_t lda_hits, mlp_hits, mlp_rows, val_hits, val_rows;
    double val_loss_sum;
    double *t1, *t2, *proba;     /* per-chunk scratch */
    int32_t *pred, *yf;
    size_t cap;
    char spill_dir[PATH_MAX];    /* where the spills are: $TMPDIR, else /tmp */
} stream_fit;

/* stream_models.c: the pass after the LDA fit (the LDA classifier's test
 * scores, the spill, the samples, the MLP's epoch 1), the MLP's other
 * epochs and its scoring pass. 0, or -1 when the run is stopping. */
int stream_models(run *r, stream_ctx *c, stream_fit *f);
/* stream_kmeans.c: the k-means sweep over the spill, silhouettes on the
 * sample's LDA features (f->sx transformed). 0, or -1. */
int stream_kmeans(run *r, stream_fit *f);
/* stream_mlp.c: the MLP's training rows spilled (the pass after the LDA
 * fit), and one epoch over them in a seeded block order. */
genre_status stream_mlp_spill(run *r, stream_fit *f, const double *x, const int32_t *y,
                              size_t n);
genre_status stream_mlp_epoch(run *r, stream_fit *f, long epoch);
/* A spill file (what: "MLP", "k-means") in $TMPDIR, else /tmp, unlinked at
 * once so it goes with the process; NULL with r->error naming the folder
 * and the reason (stream_models.c). */
FILE *stream_spill_open(run *r, stream_fit *f, const char *what);
/* r->error for a failed `verb` ("write", "read") of the what spill, with
 * its folder and errno's reason; returns STREAM_E_PROGRAM. */
genre_status stream_spill_error(run *r, const stream_fit *f, const char *what, const char *verb);
/* Per-chunk scratch of f for n rows (stream_models.c). */
genre_status stream_fit_room(stream_fit *f, const run *r, size_t n);

/* stream_sample.c: Vitter's algorithm R whose random numbers are a hash of
 * (seed, salt, the row's index in the stream), so that ranks that each
 * offer their rows with the index of their first (base) and merge in rank
 * order get the one-process sample: a slot holds the row of the largest
 * index that drew it. */
int reservoir_init(reservoir *s, size_t cap, size_t d, uint64_t seed, uint64_t salt,
                   int64_t base);
void reservoir_add(reservoir *s, const double *x, size_t n, size_t stride);
/* Merges the ranks' reservoirs: on rank 0 (to_all 0) or every rank. */
genre_status reservoir_merge(reservoir *s, int to_all);
/* Slots filled (after a merge: the first ones). */
size_t reservoir_filled(const reservoir *s);
void reservoir_free(reservoir *s);

/* Frees f's handles and buffers (not r's). */
void stream_fit_free(stream_fit *f);

/* One pass over the file with the reader (r->opt.chunk_rows rows per
 * chunk): drops empty rows and rows without a label, splits the rest by
 * stream_side() of their index among the non-empty rows, prepares, exports
 * and scales them (unless raw) and calls fn per chunk. Counts the pass in
 * r->sm.passes. GENRE_OK or the first failure (reader errors name the file
 * and line). */
genre_status stream_pass(stream_ctx *c, int raw, chunk_fn fn, void *ud, const char *what);

/* A failure of stage s: STREAM_E_PROGRAM with r->error, else as
 * stage_fail(). Returns -1. */
int stream_fail(run *r, stage *s, genre_status st, const char *what);

/* The side of the non-empty row of index `row` (0-based, in file order):
 * a hash of the row index and the seed, so the split needs no pass of its
 * own and is the same for every chunk size. */
int stream_side(uint64_t seed, uint64_t row, double test_fraction, double val_fraction);

/* A field of /proc/self/status in KiB ("VmRSS:", "VmHWM:"), or -1. */
int64_t stream_status_kb(const char *key);

/* A uniform 64-bit hash of (seed, salt, row) (splitmix64 rounds). */
uint64_t stream_hash(uint64_t seed, uint64_t salt, uint64_t row);

#endif
