/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/mpi.h
 * @brief libgenre_mpi: fits over the rows of every rank of an MPI communicator.
 *
 * A separate library (libgenre_mpi.so.1, pkg-config `genre-mpi`, CMake
 * `genre::genre_mpi`), built when libgenre is configured with GENRE_MPI=ON.
 * libgenre itself has no MPI dependency; <genre/genre.h> does not include
 * this header. **Its ABI is tied to the MPI implementation it was built
 * with** (MPI_Comm is an int in MPICH and a pointer in Open MPI): use it with
 * that implementation only (genre_mpi_build_info() names it).
 *
 * **One mechanism.** Every distributed fit is a reduction of the core's
 * mergeable partial states (docs/partial-fits.md): each rank saves its
 * state, rank 0 loads and merges them **in rank order** (rank 0's rows,
 * then rank 1's, ...) and broadcasts the merged state's bytes, which every
 * rank loads. So the result is the same bits on every rank and, for a
 * given rank count and the same rows per rank, on every run. The
 * genre_mpi_K_partial_allreduce() calls expose that step for each kind
 * (scaler, PCA, LDA, metrics, dataset preparation); the genre_mpi_K_fit()
 * calls build the local state from the rank's rows, reduce it and fit the
 * caller's model; docs/scale-out.md lists what each call exchanges.
 *
 * **Collective calls.** Every function taking an MPI_Comm must be called by
 * every rank of the communicator, in the same order (as any MPI
 * collective). The layer works on a duplicate of comm (MPI_Comm_dup, freed
 * before returning) with MPI_ERRORS_RETURN set on it, so comm's own error
 * handler and pending messages are untouched.
 *
 * **Errors: every rank returns the same status.** Each step ends in an
 * agreement (an MPI_Allreduce of which ranks failed): when a rank fails
 * (bad arguments, a non-finite value, an allocation, a state that does not
 * merge), every rank returns the status of the lowest failing rank, and
 * every rank's genre_last_error() reads "genre_mpi_X: rank r of P: why",
 * with that rank's own message. No rank aborts and none is left waiting.
 * A failure of MPI itself is GENRE_E_IO with a message naming the MPI call
 * and MPI_Error_string()'s text; MPI gives no guarantee that the other
 * ranks then return (a broken network can leave them in a collective).
 * MPI_Comm_dup runs under comm's own error handler (set MPI_ERRORS_RETURN
 * on comm to have its failure returned, too). Calling without MPI
 * initialised (or after MPI_Finalize) is GENRE_E_BAD_STATE on that rank.
 *
 * **Threads.** The layer calls MPI only on the calling thread, so
 * MPI_THREAD_FUNNELED suffices (call from the main thread; with
 * MPI_THREAD_SERIALIZED or MULTIPLE, from any one thread at a time).
 * libgenre's own worker threads never call MPI. The handles passed follow
 * the core's rules (genre/common.h): exclusive access to what is fitted or
 * created, shared read of const states.
 *
 * **One thread per rank by default.** The ranks are the parallelism: in
 * genre_mpi_kmeans_fit() and genre_mpi_mlp_fit(), a handle's
 * GENRE_KMEANS_N_THREADS / GENRE_MLP_N_THREADS of 0 (the default) means 1
 * thread on each rank, whatever CPUs the rank's affinity mask holds (an
 * unbound rank would otherwise start one thread per CPU of the machine in
 * every rank); the handle's 0 is put back before the call returns, so
 * outside these calls the core's default (genre_default_threads(), the
 * affinity mask) is unchanged. A count k > 0 is used as given on that rank.
 * The other calls start no threads: the scaler, PCA, LDA, metrics and
 * preparation states are built and merged on the calling thread.
 *
 * **Ownership.** Inputs are only read and not kept. A state returned in
 * *merged is new and the caller's (free with the kind's
 * genre_K_partial_free()); on failure *merged is NULL on every rank.
 */
#ifndef GENRE_MPI_H
#define GENRE_MPI_H

#include <mpi.h>

#include <genre/common.h>
#include <genre/error.h>
#include <genre/dataset_prep.h>
#include <genre/kmeans.h>
#include <genre/lda.h>
#include <genre/metrics.h>
#include <genre/mlp.h>
#include <genre/pca.h>
#include <genre/scaler.h>

#if defined(_WIN32) && !defined(GENRE_STATIC)
#  if defined(GENRE_MPI_BUILDING)
#    define GENRE_MPI_API __declspec(dllexport)
#  else
#    define GENRE_MPI_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && (__GNUC__ >= 4)
#  define GENRE_MPI_API __attribute__((visibility("default")))
#else
#  define GENRE_MPI_API
#endif

GENRE_BEGIN_DECLS

/**
 * A static description of this build: libgenre_mpi's version and the MPI
 * implementation and standard version it was compiled against, e.g.
 * "libgenre_mpi 0.4.0; MPI 3.1; Open MPI 4.1.4". Never NULL. Thread-safe;
 * needs no MPI initialisation. @since 1.0
 */
GENRE_MPI_API const char *genre_mpi_build_info(void);

/**
 * Agreement on failure for a caller's own local step: every rank passes
 * its status (with its message in genre_last_error() when it failed; a
 * layer of the caller's records one with genre_set_error()). Any value
 * other than GENRE_OK is a failure (one that is not negative is agreed as
 * GENRE_E_INTERNAL). Collective.
 * @return GENRE_OK on every rank when every rank passed GENRE_OK; else, on
 *         every rank, the status of the lowest failing rank, with
 *         genre_last_error() "genre_mpi_agree: rank r of P: <its message>";
 *         GENRE_E_BAD_STATE (MPI not initialised, wrong thread);
 *         GENRE_E_INVALID_ARG (comm MPI_COMM_NULL); GENRE_E_IO (MPI failed).
 * @since 1.0
 */
GENRE_MPI_API genre_status genre_mpi_agree(MPI_Comm comm, genre_status local);

/* ---- The reduction of partial states, one call per kind ------------------
 * Collective. local: this rank's state (only read), built from this rank's
 * rows; every rank's state must be of the same shape (columns, classes,
 * preparation). *merged receives a new state holding every rank's rows in
 * rank order, the same bits on every rank (see "One mechanism" above).
 * Statuses (on every rank, "Errors" above): GENRE_OK; GENRE_E_INVALID_ARG
 * (local or merged NULL, comm MPI_COMM_NULL, the kind's merge limits);
 * GENRE_E_SHAPE (states of different shapes: the message names the rank
 * and both shapes); the kind's merge and load statuses (GENRE_E_BAD_STATE
 * for preparation states of different passes); GENRE_E_NOMEM;
 * GENRE_E_BAD_STATE (MPI not initialised, wrong thread); GENRE_E_IO (MPI
 * failed).
 * Memory: rank 0 holds its own state, the one it is merging and the merged
 * state's bytes; every rank then holds the merged state and its bytes. The
 * metrics state grows with its rows (genre/metrics.h), so merging it
 * brings every test row's scores to every rank
 * (genre_mpi_metrics_partial_reduce() keeps them on rank 0). @since 1.0 */

GENRE_MPI_API genre_status genre_mpi_scaler_partial_allreduce(MPI_Comm comm,
                                                              const genre_scaler_partial *local,
                                                              genre_scaler_partial **merged);
GENRE_MPI_API genre_status genre_mpi_pca_partial_allreduce(MPI_Comm comm,
                                                           const genre_pca_partial *local,
                                                           genre_pca_partial **merged);
GENRE_MPI_API genre_status genre_mpi_lda_partial_allreduce(MPI_Comm comm,
                                                           const genre_lda_partial *local,
                                                           genre_lda_partial **merged);
GENRE_MPI_API genre_status genre_mpi_metrics_partial_allreduce(MPI_Comm comm,
                                                               const genre_metrics_partial *local,
                                                               genre_metrics_partial **merged);
GENRE_MPI_API genre_status genre_mpi_dataset_prep_partial_allreduce(
    MPI_Comm comm, const genre_dataset_prep_partial *local, genre_dataset_prep_partial **merged);

/**
 * genre_mpi_metrics_partial_allreduce() for a caller that reads the
 * metrics on rank 0 only (a report written by rank 0): the states are
 * merged on rank 0 in rank order, as there, and stay there. On rank 0
 * *merged receives the new merged state (the caller's: free it with
 * genre_metrics_partial_free()), the same values the allreduce gives; on
 * every other rank *merged is NULL, and neither the merged state nor its
 * bytes are ever held there.
 * Why: a metrics state keeps every test row's scores, so the allreduce
 * gives every rank all of them (n_rows x n_classes doubles on every rank);
 * this call keeps that memory on rank 0 (plus, while merging, one other
 * rank's saved state at a time) and sends nothing back.
 * Collective. Statuses: as the allreduce, on every rank (a failure on any
 * rank, merging on rank 0 included, is every rank's status; *merged is then
 * NULL everywhere). Thread-safety as the other calls (MPI on the calling
 * thread). @since 1.0
 */
GENRE_MPI_API genre_status genre_mpi_metrics_partial_reduce(MPI_Comm comm,
                                                            const genre_metrics_partial *local,
                                                            genre_metrics_partial **merged);

/**
 * The end of one pass of the preparation's statistics over every rank's
 * rows (genre/dataset_prep.h, "Protocol"): merges the local states in rank
 * order as genre_mpi_dataset_prep_partial_allreduce(), then
 * genre_dataset_prep_partial_end_pass() on the merged state. *merged is the
 * state every rank goes on with: when *more is 1, add this rank's rows to
 * it again (its earlier passes' statistics are then counted once at the
 * next merge) and call this again; when 0, pass it to
 * genre_dataset_prep_fit_partial(). Collective; statuses as the allreduce
 * and end_pass; *more is the same on every rank. @since 1.0
 */
GENRE_MPI_API genre_status genre_mpi_dataset_prep_partial_end_pass(
    MPI_Comm comm, const genre_dataset_prep_partial *local, genre_dataset_prep_partial **merged,
    int *more);

/* ---- Distributed fits ------------------------------------------------------
 * Collective. Each rank passes its own rows (x row-major, n_rows x n_cols,
 * row_stride >= n_cols, not kept; n_rows may be 0 on some ranks, x then
 * may be NULL; n_cols the same on every rank) and its own model handle
 * with the SAME parameters on every rank. The fit is the model's
 * genre_K_fit_partial() on the merged state: the single-process fit of the
 * union of the rows in rank order, to the tolerance the kind's partial fit
 * documents (1e-12 relative for the scaler, PCA and LDA). Every rank fits
 * from the same bits; then rank 0's saved model is broadcast and every
 * rank checks its own model is the same bytes, so every rank returns the
 * same model or an error.
 * Statuses (on every rank): as the kind's partial_add and fit_partial
 * (GENRE_E_INVALID_ARG, GENRE_E_SHAPE, GENRE_E_NONFINITE naming the rank,
 * its row and column, GENRE_E_NUMERIC, ...); GENRE_E_BAD_STATE (a rank's
 * model differs from rank 0's: parameters differ across ranks; that
 * rank's handle then holds its own fit); GENRE_E_NOMEM; GENRE_E_IO (MPI
 * failed). Otherwise a failed fit leaves the handle as it was.
 * Needs exclusive access to the model. @since 1.0 */

GENRE_MPI_API genre_status genre_mpi_scaler_fit(MPI_Comm comm, genre_scaler *scaler,
                                                const double *x, size_t n_rows, size_t n_cols,
                                                size_t row_stride);
GENRE_MPI_API genre_status genre_mpi_pca_fit(MPI_Comm comm, genre_pca *pca, const double *x,
                                             size_t n_rows, size_t n_cols, size_t row_stride);
/** y[n_rows]: this rank's labels (any int32 values, as genre_lda_fit()). */
GENRE_MPI_API genre_status genre_mpi_lda_fit(MPI_Comm comm, genre_lda *lda, const double *x,
                                             size_t n_rows, size_t n_cols, size_t row_stride,
                                             const int32_t *y);

/* The same fits from this rank's partial state (built over chunks, e.g.
 * a table larger than memory read by ranges), instead of rows in memory. */
GENRE_MPI_API genre_status genre_mpi_scaler_fit_partial(MPI_Comm comm, genre_scaler *scaler,
                                                        const genre_scaler_partial *local);
GENRE_MPI_API genre_status genre_mpi_pca_fit_partial(MPI_Comm comm, genre_pca *pca,
                                                     const genre_pca_partial *local);
GENRE_MPI_API genre_status genre_mpi_lda_fit_partial(MPI_Comm comm, genre_lda *lda,
                                                     const genre_lda_partial *local);

/* ---- Distributed k-means and MLP: one fit, a reduction per step -----------
 * These two plug a reducer into the core's hooks (genre_kmeans_set_reducer,
 * genre_mlp_set_reducer): at every step each rank's sums are gathered to
 * rank 0, summed there in rank order and broadcast (MPI_Gather + MPI_Bcast,
 * not MPI_Allreduce, whose summation order depends on the algorithm MPI
 * picks), so every rank takes the same step with the same bits and a run
 * is reproducible for a given rank count and split. Each step starts with
 * an agreement on failure (one MPI_Allreduce of 3 int64): a rank whose fit
 * fails between steps (a NaN in its rows, no memory) makes every rank's fit
 * return its error, as "genre_mpi_X: rank r of P: why"; ranks out of step
 * (a different number of batches) all return GENRE_E_BAD_STATE. A failure
 * of MPI inside a step is GENRE_E_IO naming the MPI call (MPI_Gather,
 * MPI_Bcast, MPI_Allreduce). docs/scale-out.md gives the bytes of each step.
 * During the call the layer sets its own reducer (and, for k-means, initial
 * centers) on the handle and removes them before returning: a reducer or
 * initial centers the caller set on the handle are removed too. Needs
 * exclusive access to the handle; MPI on the calling thread only. */

/** Rows in the k-means initialisation's sample (see genre_mpi_kmeans_fit). */
#define GENRE_MPI_KMEANS_SAMPLE_ROWS 65536

/**
 * One k-means fit (a single Lloyd run) over the rows of every rank. Each
 * rank passes its own rows (x row-major, n_rows >= 1 on EVERY rank, the
 * same n_cols; not kept) and a handle with the same parameters
 * (GENRE_KMEANS_K, _SEED, _MAX_ITER, _TOL, ...; N_INIT plays no part).
 *
 * Initial centers: initial_centers (K x n_cols, the same bits on every
 * rank: checked against rank 0's) or, when NULL on every rank, greedy
 * k-means++ (GENRE_KMEANS_SEED, stream 0) on rank 0 over a sample of the
 * union: the union's row g (0-based, rank 0's rows first, then rank 1's,
 * ...) is kept when a hash of (seed, g) falls below
 * GENRE_MPI_KMEANS_SAMPLE_ROWS / N (N the union's rows), so the sample -- and
 * the centers -- do not depend on the rank count or the split, only on the
 * rows in that order and the seed; with N <= GENRE_MPI_KMEANS_SAMPLE_ROWS it
 * is every row and the centers are exactly those genre_kmeans_fit()'s first
 * restart draws on the union. The centers are broadcast from rank 0.
 *
 * Then Lloyd as genre_kmeans_fit() with a reducer (genre/kmeans.h, "One fit
 * over several processes"): the same assignments as the single-process fit
 * of the union from the same centers, the centers to rounding, as long as no
 * cluster empties (an empty cluster keeps its center here). Every rank ends
 * with the same centers, GENRE_KMEANS_N_ITER, _CONVERGED and _INERTIA (the
 * union's; checked equal to rank 0's); genre_kmeans_get_labels() and
 * GENRE_KMEANS_N_SAMPLES are the rank's own rows.
 * @return on every rank: GENRE_OK; GENRE_E_INVALID_ARG (kmeans NULL, a rank with
 *         no rows, n_cols 0, fewer rows in the union or its sample than
 *         K); GENRE_E_SHAPE (n_cols, K, the seed, or whether initial_centers
 *         is given differ across ranks); GENRE_E_BAD_STATE (initial_centers
 *         or the fitted centers differ from rank 0's; ranks out of step);
 *         genre_kmeans_fit()'s statuses (GENRE_E_NONFINITE naming the rank,
 *         row, column); GENRE_E_NOMEM; GENRE_E_IO (MPI failed). On failure
 *         kmeans keeps its previous fit.
 * Memory: rank 0 holds the sample (about GENRE_MPI_KMEANS_SAMPLE_ROWS x
 * n_cols doubles) and P x (K (n_cols + 1) + 2) doubles. @since 1.0
 */
GENRE_MPI_API genre_status genre_mpi_kmeans_fit(MPI_Comm comm, genre_kmeans *kmeans,
                                                const double *x, size_t n_rows, size_t n_cols,
                                                size_t row_stride, const double *initial_centers);

/**
 * Which rows of one global mini-batch of batch_rows rows rank `rank` of
 * n_ranks holds for genre_mpi_mlp_fit(): count = floor(batch_rows /
 * n_ranks) + (rank < batch_rows mod n_ranks) rows at positions [first,
 * first + count) of the batch, the ranks in order. Pure; thread-safe.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, rank not in [0, n_ranks)).
 * @since 1.0
 */
GENRE_MPI_API genre_status genre_mpi_mlp_batch_share(uint64_t batch_rows, int n_ranks, int rank,
                                                     uint64_t *first, uint64_t *count);

/**
 * Trains a classifier (as genre_mlp_fit(), no validation rows) over the
 * rows of every rank, synchronous data parallel: every rank builds the same
 * initial weights from GENRE_MLP_SEED, and every optimiser step is that of
 * one global mini-batch whose gradient, loss and row count are summed over
 * the ranks (genre/mlp.h, "One fit over several processes").
 *
 * What the caller passes: the handle with the SAME parameters on every rank,
 * GENRE_MLP_BATCH_SIZE = B the GLOBAL batch. Cut the union's N rows, in the
 * order of the one-process fit, into global batches of B rows (the last one
 * L = N - (ceil(N/B) - 1) B rows); rank r holds, batch after batch, its
 * share of each (genre_mpi_mlp_batch_share(B or L, P, r)), so n_rows on
 * rank r is (ceil(N/B) - 1) floor-share(B) + share(L). Every batch needs a
 * row on every rank (B >= P and L >= P). With B = 0 or B >= N (one batch)
 * any split works. The layer sets GENRE_MLP_BATCH_SIZE to the rank's share
 * for the fit and, when GENRE_MLP_N_CLASSES is 0, the union's largest
 * label + 1 (each rank's rows still need two distinct labels: the core
 * checks them per rank); both are restored after.
 *
 * With GENRE_MLP_SHUFFLE = 0 the fit equals genre_mlp_fit() of the union
 * with batch B and the same seed, to rounding (1e-9 after 3 epochs in
 * tests/mpi). With shuffling each rank permutes its own rows every epoch:
 * still one global batch per step, but not the one-process fit's batches.
 * Dropout: rank r's k-th row of a batch gets the mask a one-process fit
 * gives the k-th row, on every rank. Every rank ends with the same model
 * (checked against rank 0's saved bytes).
 * @return on every rank: GENRE_OK; GENRE_E_INVALID_ARG (model, x or labels
 *         NULL, a rank with no rows, parameters that differ across ranks,
 *         batches without a row on every rank, genre_mlp_fit()'s own
 *         checks such as GENRE_MLP_PATIENCE without validation rows);
 *         GENRE_E_SHAPE (a rank's rows are not its share: the message names
 *         the rank and both counts); GENRE_E_NONFINITE, GENRE_E_NUMERIC,
 *         GENRE_E_CANCELLED (genre_mlp_fit(), naming the rank);
 *         GENRE_E_BAD_STATE (ranks out of step; a model differing from rank
 *         0's); GENRE_E_NOMEM; GENRE_E_IO (MPI failed). On failure the
 *         model keeps its previous fit.
 * Exchanged per mini-batch: GENRE_MLP_N_PARAMS + 2 doubles from each rank to
 * rank 0 and back (docs/scale-out.md). @since 1.0
 */
GENRE_MPI_API genre_status genre_mpi_mlp_fit(MPI_Comm comm, genre_mlp *mlp, const double *x,
                                             size_t n_rows, size_t n_cols, size_t row_stride,
                                             const int32_t *labels);

GENRE_END_DECLS

#endif /* GENRE_MPI_H */
