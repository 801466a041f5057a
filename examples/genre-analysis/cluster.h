/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The processes one --stream analysis runs on: one (cluster_one.c, linked
 * into genre-analysis, which never links MPI) or the ranks of
 * MPI_COMM_WORLD (cluster_mpi.c, linked into genre-analysis-mpi, built with
 * GENRE_MPI=ON). The stream code calls these at every point where the ranks
 * meet; with one process they are identities, so both programs run the same
 * passes.
 *
 * The functions from cl_agree() on are collective (but cl_steps_stand_in()
 * and cl_steps_reduce(), which the MLP calls once per batch on every rank):
 * every rank calls them, in the same order. A rank that failed still calls
 * the next cl_agree() (with its failure), never a merge: the stream code
 * agrees after every local step before it exchanges anything, and decides
 * to go on from agreed state only (not from g_cancel, which one rank may
 * see before the others). Each returns the same status on every rank.
 * Messages: a program failure (STREAM_E_PROGRAM) carries its text in msg
 * (run.error); a libgenre one in genre_last_error(). After a failed
 * agreement every rank holds the failing rank's text, prefixed "rank r of
 * P: " when there are several ranks.
 */
#ifndef GENRE_ANALYSIS_CLUSTER_H
#define GENRE_ANALYSIS_CLUSTER_H

#include <genre/genre.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A failure of the program (not of libgenre): its text is in msg. */
#define CL_PROGRAM_ERROR (-10000)

/* MPI_Init (genre-analysis-mpi) or nothing. 0, or -1 with err. */
int cl_init(int *argc, char ***argv, char *err, size_t cap);
/* MPI_Finalize or nothing. */
void cl_finalize(void);
int cl_rank(void);
int cl_size(void);
/* 1: this program runs the --stream analysis only (genre-analysis-mpi). */
int cl_stream_only(void);
/* "genre-analysis" or "genre-analysis-mpi". */
const char *cl_program(void);
/* The --help paragraph on running over several processes. */
void cl_usage(FILE *f);

/* Agreement on failure (see above): GENRE_OK when every rank passed
 * GENRE_OK, else on every rank the status of the lowest failing rank. */
genre_status cl_agree(genre_status st, char *msg, size_t cap);

/* Element-wise over the ranks, in place on every rank: sums (exact), the
 * sums of the ranks before this one, minima and maxima; doubles summed in
 * rank order (the same bits on every rank). */
genre_status cl_sum_i64(int64_t *v, size_t n);
genre_status cl_exscan_i64(const int64_t *v, int64_t *before, size_t n);
genre_status cl_max_i64(int64_t *v, size_t n);
genre_status cl_min_max(double *lo, double *hi, size_t n);
genre_status cl_sum_f64(double *v, size_t n);
/* Rank 0's bytes to every rank. */
genre_status cl_bcast(void *buf, size_t bytes);
/* Every rank's bytes to rank 0, in rank order: *all (malloc'ed, the
 * caller's) and lens[P] there; NULL elsewhere. */
genre_status cl_gather(const void *buf, size_t bytes, void **all, size_t *lens);

/* Partial states merged over the ranks in rank order (genre_mpi_*): *p is
 * replaced by the state of every rank's rows, the same on every rank. */
genre_status cl_prep_end_pass(genre_dataset_prep_partial **p, int *more);
genre_status cl_scaler_merge(genre_scaler_partial **p);
genre_status cl_pca_merge(genre_pca_partial **p);
genre_status cl_lda_merge(genre_lda_partial **p);
genre_status cl_metrics_merge(genre_metrics_partial **p);
genre_status cl_kmeans_merge(genre_kmeans_partial **p);

/* The MLP's optimiser steps over the ranks (stream_mlp.c): a reducer for
 * genre_mlp_set_reducer() that sums each global batch's gradient in rank
 * order. len: the reduction's doubles (GENRE_MLP_N_PARAMS + 2). */
typedef struct cl_steps cl_steps;
genre_status cl_steps_open(cl_steps **out, size_t len);
int32_t cl_steps_reduce(void *ud, int32_t what, int64_t step, double *buf, size_t len);
/* on: this rank holds no row of the next batch and trains a stand-in row
 * whose gradient, loss and count it sends as 0. */
void cl_steps_stand_in(cl_steps *s, int on);
/* After the epoch, with this rank's status: a rank that failed outside a
 * reduction joins its peers' next one with the failure, so none waits;
 * then cl_agree() on the failing rank's message. */
genre_status cl_steps_end(cl_steps *s, genre_status st, char *msg, size_t cap);
void cl_steps_close(cl_steps *s);

#endif
