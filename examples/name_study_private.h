/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The name study's parts (name_study.h), shared by its files:
 * name_table.c (the table's names), name_sides.c (one side of a split:
 * rows, features, hashed names), name_split.c (the four models of one
 * split) and name_study.c (the study). Not for other programs.
 */
#ifndef GENRE_NAME_STUDY_PRIVATE_H
#define GENRE_NAME_STUDY_PRIVATE_H

#include "name_models.h"
#include "name_study.h"

#include <pthread.h>

/* ---- The whole table's names, exported once ---------------------------- */

typedef struct table {
    size_t n, m;            /* rows, text columns */
    char *buf[NAME_STUDY_MAX_TEXT + 1]; /* one per column, the group column's last */
    const char **names;     /* n x m, row-major */
    const char **group;     /* n group texts ("" when the row has no group), or NULL */
} table;

/* The names of every row, the group texts with "no group" blanked, and the
 * counts of invalid and empty names; 0, or -1 with out->error set. */
int ns_load_table(const name_study_input *in, table *t, name_study_result *out);
void ns_table_free(table *t);

/* ---- One side of a split ------------------------------------------------ */

typedef struct side {
    size_t n, d;
    double *x;        /* n x d, scaled */
    int32_t *y;
    int64_t *groups;  /* group ids of the side (rows without a group are singletons) */
    const char **names; /* n x m, into the table's buffers */
    const char **group; /* n group texts, or NULL */
    csr text;         /* names, hashed */
    csr both;         /* names + d features */
} side;

void ns_side_free(side *s);

/* The leak check's decision, shared by the two splits: the random split
 * takes it before its combined models, the group-disjoint split waits for
 * it before its own. */
typedef struct leak_gate {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int state; /* 0 pending, 1 decided, -1 the random split stopped first */
} leak_gate;

/* One per split: the splits may run on two threads, so each keeps its own
 * error text; the progress callback is serialised by a shared lock. */
typedef struct ctx {
    const name_study_options *o;
    const name_study_input *in;
    const table *tab;
    name_study_result *out;
    pthread_mutex_t *progress_lock;
    leak_gate *gate;
    int64_t group_test_per_class; /* the group-disjoint split's target */
    int32_t k;                    /* classes: the input's, or found in the labels */
    int which, rc, stop; /* stop: options.cancel said so */
    char error[512];
} ctx;

/* Sets c->error from what failed (or notes a cancel); returns -1. */
int ns_fail(ctx *c, const char *what, genre_status st);
int ns_cancel_requested(const name_study_options *o);
/* Reports the next step, and notes a cancel request: the next TRY then
 * stops the split. */
void ns_progress(ctx *c, const char *fmt, ...);
double ns_now_s(void);

/* In functions with `ctx *c`, `int rc` and a `done:` label. */
#define TRY(call, what)                                                                  \
    do {                                                                                 \
        genre_status st_ = c->stop ? GENRE_E_CANCELLED : (call);                         \
        if (st_ != GENRE_OK) {                                                           \
            rc = ns_fail(c, (what), st_);                                                   \
            goto done;                                                                   \
        }                                                                                \
    } while (0)
#define NEED(ptr)                                                                        \
    do {                                                                                 \
        if (!(ptr)) {                                                                    \
            snprintf(c->error, sizeof c->error, "out of memory (%s)", #ptr);             \
            rc = -1;                                                                     \
            goto done;                                                                   \
        }                                                                                \
    } while (0)

/* The side's names, group texts and group ids: rows `rows` of the table. */
int ns_side_rows(ctx *c, const genre_dataset *sub, const int64_t *rows, side *s);
/* The caller's features of the split's two sides, checked; sets c->k. */
int ns_side_features(ctx *c, genre_dataset *dtr, genre_dataset *dte, side *tr, side *te,
                     uint8_t **standardise);
/* Hashes the fields with keep[j] set (all when keep is NULL) of both sides,
 * document frequencies from tr only, into text and both (names + features). */
int ns_hash_sides(ctx *c, const int *keep, side *tr, side *te, int64_t *n_cols);
/* dst = rows `rows[0..n)` of s: features, labels, names and both CSR matrices;
 * 0, or -1 (out of memory; dst is then for ns_side_free). */
int ns_side_take(const side *s, size_t m, const size_t *rows, size_t n, side *dst);
/* rows `rows[0..n)` of a row-major matrix with d columns; NULL: out of memory */
double *ns_take_rows(const double *z, size_t d, const size_t *rows, size_t n);
/* [d features | K name probabilities], n rows; NULL: out of memory */
double *ns_join(const double *x, size_t d, const double *p, size_t k, size_t n);
/* Distinct groups among a side's rows that have one; -1: out of memory. */
int64_t ns_distinct_groups(const side *s);

/* One split's study (the ctx's `which`): sets c->rc. pthread start routine. */
void *ns_split_main(void *arg);

#endif
