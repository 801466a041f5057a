/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Private: the preparation's partial state (dataset_prep_partial.c), shared
 * with its save and load (dataset_prep_partial_file.c). */
#ifndef GENRE_DATASET_PREP_PARTIAL_H
#define GENRE_DATASET_PREP_PARTIAL_H

#include "dataset_private.h"

#define SEL_BUF 65536u   /* values a bracket buffers before it counts bins */
/* SEL_BUF, which tests lower to walk many passes on small tables. */
extern size_t genre__prep_partial_buf_cap;
#define SEL_BINS 65536u  /* 16 bits of the key a pass */

struct sel {
    uint64_t prefix, rank, n; /* n: values of the bracket seen this pass */
    uint32_t bits;
    int done;
    double value;
    double *buf;       /* n values while n <= SEL_BUF */
    size_t cap;
    uint64_t *hist;    /* SEL_BINS counts once n > SEL_BUF */
};

/* A median: in pass 1 t[0] sees every value (the ranks are unknown); then
 * t[0] selects rank (n-1)/2 and t[1] rank n/2, their mean the median. */
struct med {
    uint64_t n_obs;
    struct sel t[2];
};

struct cat {          /* an encoded column: names seen, their counts */
    int32_t col;
    genre__dict names;
    uint64_t *count;
};

struct pstep {
    int32_t kind, col;
    long double sum;  /* mean: in row order, as fit_apply sums */
    uint64_t n;
    double *mf_v;     /* numeric most frequent: distinct values, ascending */
    uint64_t *mf_c;
    size_t mf_n;
    struct med global;
    genre__dict groups; /* group median: groups in first-appearance order */
    struct med *gm;     /* per group; gm_cap >= groups.n, zeroed past it */
    size_t gm_cap;
};

struct genre_dataset_prep_partial {
    genre_dataset_schema *schema;
    uint32_t pass;    /* 1, 2, ...; 0 once every statistic is final */
    struct cat *cats;
    size_t n_cats;
    struct pstep *steps;
    size_t n_steps;
};

/* The state of a schema and its steps (kind_col: kind, col per step), with
 * nothing counted; GENRE_E_NOMEM. */
genre_status genre__prep_partial_make(genre_dataset_prep_partial **out,
                                      const genre_dataset_schema *schema,
                                      const int32_t *kind_col, size_t n_steps);

#endif
