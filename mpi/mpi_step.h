/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Private: the reducer (genre_reduce_fn) the distributed k-means and MLP
 * fits plug into the core's hooks, and the agreement that ends such a fit. */
#ifndef GENRE_MPI_STEP_H
#define GENRE_MPI_STEP_H

#include "mpi_comm.h"

typedef struct gm_stepper {
    gm_ctx *c;
    double *gathered;  /* rank 0: size x max_len doubles, allocated up front */
    size_t max_len;
    int ended;         /* a reducer call ended the fit: its agreement is done */
    genre_status status; /* ... with this status and message */
    char message[1024];
    uint64_t calls;    /* reducer calls so far */
} gm_stepper;

/* Collective: rank 0 allocates its gather buffer for reductions of up to
 * max_len doubles; agreed (an allocation failure fails every rank). */
genre_status gm_stepper_open(gm_stepper *s, gm_ctx *c, size_t max_len);
void gm_stepper_close(gm_stepper *s);

/* The genre_reduce_fn (user_data: the gm_stepper). Per call: an agreement
 * on failure and step (gm_agree_step, key what + 8 step), then the buffers
 * gathered to rank 0 (MPI_Gather), summed there in rank order and the sum
 * broadcast (MPI_Bcast): the same bits on every rank, the same sums for a
 * given rank count on every run. With one rank it returns at once. */
int32_t gm_step_reduce(void *user_data, int32_t what, int64_t step, double *buf, size_t len);

/* The end of the fit, on every rank with its fit's status: the final
 * agreement (matches a reducer's agreement on ranks still in the fit), or,
 * when a reducer call already ended the fit, its status and message again
 * (the core replaces the message with its own). */
genre_status gm_stepper_end(gm_stepper *s, genre_status fit_status);

#endif
