/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Processes simulated inside one test process, for the reduction hooks
 * (genre_reduce_fn): each "rank" is a thread that runs its own fit on its
 * own handle and its own rows; the reducer sim_allreduce() is an allreduce
 * between them, as MPI_Allreduce(MPI_SUM) would be: every rank posts its
 * buffer, waits for the others (a barrier), sums the buffers in rank order
 * (so every rank gets the same bits) and waits again before the buffers are
 * reused. It also checks that the ranks call it in lockstep (same what,
 * step and length).
 */
#ifndef GENRE_TEST_REDUCE_FIXTURE_H
#define GENRE_TEST_REDUCE_FIXTURE_H

#include "harness.h"

#include <pthread.h>

#define SIM_MAX_RANKS 4

typedef struct sim_comm {
    int size;
    pthread_barrier_t bar;
    double *buf[SIM_MAX_RANKS];
    size_t len[SIM_MAX_RANKS];
    int32_t what[SIM_MAX_RANKS];
    int64_t step[SIM_MAX_RANKS];
    long calls[SIM_MAX_RANKS];
    int mismatch; /* set when the ranks disagree on what, step or len */
} sim_comm;

/* The user_data of one rank's reducer. */
typedef struct sim_rank {
    sim_comm *comm;
    int rank;
} sim_rank;

void sim_comm_init(sim_comm *c, int size);
void sim_comm_destroy(sim_comm *c);

/* The reducer (genre_reduce_fn): user_data is a sim_rank. */
int32_t sim_allreduce(void *user_data, int32_t what, int64_t step, double *buf, size_t len);

/* Runs body(arg[r]) on one thread per rank r < size and joins them. */
void sim_run(int size, void *(*body)(void *), void *const *args);

#endif
