/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/mpi.h
 * @brief libgenre_mpi: fits over the rows of every rank of an MPI communicator.
 *
 * A separate library (libgenre_mpi.so.0, pkg-config `genre-mpi`, CMake
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
#include <genre/lda.h>
#include <genre/metrics.h>
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
 * needs no MPI initialisation. @since 0.4
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
 * @since 0.4
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
 * brings every test row's scores to every rank. @since 0.4 */

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
 * The end of one pass of the preparation's statistics over every rank's
 * rows (genre/dataset_prep.h, "Protocol"): merges the local states in rank
 * order as genre_mpi_dataset_prep_partial_allreduce(), then
 * genre_dataset_prep_partial_end_pass() on the merged state. *merged is the
 * state every rank goes on with: when *more is 1, add this rank's rows to
 * it again (its earlier passes' statistics are then counted once at the
 * next merge) and call this again; when 0, pass it to
 * genre_dataset_prep_fit_partial(). Collective; statuses as the allreduce
 * and end_pass; *more is the same on every rank. @since 0.4
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
 * Needs exclusive access to the model. @since 0.4 */

GENRE_MPI_API genre_status genre_mpi_scaler_fit(MPI_Comm comm, genre_scaler *s, const double *x,
                                                size_t n_rows, size_t n_cols, size_t row_stride);
GENRE_MPI_API genre_status genre_mpi_pca_fit(MPI_Comm comm, genre_pca *pca, const double *x,
                                             size_t n_rows, size_t n_cols, size_t row_stride);
/** y[n_rows]: this rank's labels (any int32 values, as genre_lda_fit()). */
GENRE_MPI_API genre_status genre_mpi_lda_fit(MPI_Comm comm, genre_lda *lda, const double *x,
                                             size_t n_rows, size_t n_cols, size_t row_stride,
                                             const int32_t *y);

/* The same fits from this rank's partial state (built over chunks, e.g.
 * a table larger than memory read by ranges), instead of rows in memory. */
GENRE_MPI_API genre_status genre_mpi_scaler_fit_partial(MPI_Comm comm, genre_scaler *s,
                                                        const genre_scaler_partial *local);
GENRE_MPI_API genre_status genre_mpi_pca_fit_partial(MPI_Comm comm, genre_pca *pca,
                                                     const genre_pca_partial *local);
GENRE_MPI_API genre_status genre_mpi_lda_fit_partial(MPI_Comm comm, genre_lda *lda,
                                                     const genre_lda_partial *local);

GENRE_END_DECLS

#endif /* GENRE_MPI_H */
