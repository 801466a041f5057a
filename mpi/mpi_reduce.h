/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Private: the one mechanism every genre_mpi_*_partial_allreduce() and
 * distributed fit uses to merge a partial state across ranks. */
#ifndef GENRE_MPI_REDUCE_H
#define GENRE_MPI_REDUCE_H

#include "mpi_comm.h"

/* How a kind of partial state is saved, loaded, merged and freed (the
 * core's genre_K_partial_* calls behind void pointers). */
typedef struct gm_kind {
    const char *what; /* for messages: "scaler partial state" */
    genre_status (*save)(const void *state, void *buf, size_t cap, size_t *needed);
    genre_status (*load)(void **out, const void *buf, size_t len);
    genre_status (*merge)(void *into, const void *from);
    void (*destroy)(void *state);
} gm_kind;

extern const gm_kind gm_scaler_kind, gm_pca_kind, gm_lda_kind, gm_metrics_kind,
    gm_prep_kind;

/* Collective. local_st is this rank's status so far (local is not read
 * unless it is GENRE_OK). On success *merged is a new state, the same bits
 * on every rank: rank 0's state merged with rank 1's, then rank 2's, ...
 * (rank order), loaded by every rank from the bytes rank 0 broadcast. On
 * failure *merged is NULL on every rank and every rank returns the error
 * (gm_agree). */
genre_status gm_allreduce(gm_ctx *c, const gm_kind *k, genre_status local_st,
                          const void *local, void **merged);

/* The first half of gm_allreduce: on success *merged is, on rank 0 only,
 * the new merged state (rank order; it never travels as bytes), NULL on
 * every other rank. Failures as gm_allreduce. */
genre_status gm_reduce(gm_ctx *c, const gm_kind *k, genre_status local_st, const void *local,
                       void **merged);

/* A kind's save into a new buffer of exactly *len bytes (free()). */
genre_status gm_save_alloc(const gm_ctx *c, genre_status (*save)(const void *, void *, size_t,
                                                                  size_t *),
                           const void *obj, const char *what, unsigned char **bytes,
                           size_t *len);

/* How a model is fitted from a merged state and saved for the check. */
typedef struct gm_model {
    const char *what;
    genre_status (*fit_partial)(void *model, const void *state);
    genre_status (*save)(const void *model, void *buf, size_t cap, size_t *needed);
} gm_model;

/* Collective: every rank's model saves to rank 0's bytes (m->save), else
 * GENRE_E_BAD_STATE on every rank (parameters set differently on a rank). */
genre_status gm_check_same_model(gm_ctx *c, const gm_model *m, const void *model);

#endif
