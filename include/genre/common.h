/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/common.h
 * @brief Export macros and the conventions every libgenre module shares.
 *
 * Conventions (see docs/api-conventions.md for the reasons):
 * - Every handle is opaque; callers only ever hold pointers to it.
 * - Every function that can fail returns a ::genre_status (0 = OK, negative
 *   = error, see genre/error.h); objects come back through the first
 *   argument (`T **out`).
 * - Matrices cross the ABI as row-major `const double *` plus `n_rows`,
 *   `n_cols` and `row_stride` (in elements, >= n_cols). The caller owns what
 *   it passes in; the library never keeps a pointer to it after the call
 *   returns unless the function says so.
 * - Outputs go into caller-owned buffers with an explicit capacity.
 * - No function prints, exits or aborts; no process-global mutable state.
 * - Threading: distinct handles may be used from distinct threads; calls
 *   that take a `const` handle (predict, transform, save, getters) are safe
 *   concurrently on one fitted handle; everything else needs exclusive access.
 *
 * The header is C99-clean and compiles as C++.
 */
#ifndef GENRE_COMMON_H
#define GENRE_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Symbol export. Shared builds compile with GENRE_BUILDING; users of the
 * static library get GENRE_STATIC from the CMake target or pkg-config. */
#if defined(_WIN32) && !defined(GENRE_STATIC)
#  if defined(GENRE_BUILDING)
#    define GENRE_API __declspec(dllexport)
#  else
#    define GENRE_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && (__GNUC__ >= 4)
#  define GENRE_API __attribute__((visibility("default")))
#else
#  define GENRE_API
#endif

/* Deprecation: a deprecated function keeps working until the next ABI major.
 * Define GENRE_DEPRECATE_HARD to turn every use into a compile error. */
#if defined(GENRE_DEPRECATE_HARD) && defined(__clang__)
#  define GENRE_DEPRECATED(msg) __attribute__((unavailable(msg)))
#elif defined(GENRE_DEPRECATE_HARD) && defined(__GNUC__)
#  define GENRE_DEPRECATED(msg) __attribute__((deprecated(msg), error(msg)))
#elif defined(__GNUC__) || defined(__clang__)
#  define GENRE_DEPRECATED(msg) __attribute__((deprecated(msg)))
#elif defined(_MSC_VER)
#  define GENRE_DEPRECATED(msg) __declspec(deprecated(msg))
#else
#  define GENRE_DEPRECATED(msg)
#endif

#ifdef __cplusplus
#  define GENRE_BEGIN_DECLS extern "C" {
#  define GENRE_END_DECLS }
#else
#  define GENRE_BEGIN_DECLS
#  define GENRE_END_DECLS
#endif

GENRE_BEGIN_DECLS

/** Status code returned by every fallible function: 0 (GENRE_OK) on success,
 *  a negative GENRE_E_* value on failure. Values are listed in genre/error.h. */
typedef int32_t genre_status;

/**
 * Progress hook, set per handle on long-running calls (fit, sweeps).
 *
 * @param user_data   the pointer given with the callback, untouched.
 * @param phase       what is running; each module documents its phases.
 * @param step        work done so far in this phase (e.g. epochs).
 * @param total_steps the phase's total, or -1 when unknown.
 * @param objective   the current objective (loss, KL, inertia) or NaN.
 * @return 0 to continue; any other value cancels: the running call returns
 *         GENRE_E_CANCELLED and the handle keeps its previous fitted state.
 *
 * It is called on the thread that made the call, never concurrently with
 * itself for one handle, and must not call back into the same handle.
 */
typedef int32_t (*genre_progress_fn)(void *user_data, int32_t phase,
                                     int64_t step, int64_t total_steps,
                                     double objective);

/**
 * Reduction hook, set per handle on the fits that can run as one fit over
 * several processes (genre_mlp_set_reducer(), genre_kmeans_set_reducer()):
 * the way to plug in any engine -- MPI (one MPI_Allreduce with MPI_SUM), a
 * user's own sockets, or a test that simulates processes in one.
 *
 * At every step that needs the whole data set (a mini-batch's gradient, a
 * Lloyd iteration's cluster sums) the fit hands the hook this process's
 * contribution in buf; the hook must replace every element by its sum over
 * all participating processes, and every participant must receive the same
 * bits (sum in a fixed order, e.g. rank order), or their models drift apart.
 * Every element is a sum, so one element-wise reduction serves every `what`.
 *
 * @param user_data the pointer given with the hook, untouched.
 * @param what      what buf holds (GENRE_MLP_REDUCE_*, GENRE_KMEANS_REDUCE_*);
 *                  each module documents its layouts.
 * @param step      a counter all participants see in the same order (the
 *                  MLP's optimiser step, k-means' Lloyd iteration), 1-based
 *                  (0 for a call before the first step); an engine may
 *                  compare it across processes.
 * @param buf       len doubles: this process's part on entry, the sum over
 *                  the processes on return. Valid only during the call.
 * @param len       the number of doubles (the same on every participant).
 * @return 0 to continue; any other value aborts the running call: a
 *         GENRE_E_* status is returned as is (e.g. GENRE_E_IO for a lost
 *         peer), any other non-zero value as GENRE_E_CANCELLED; the message
 *         (genre_last_error()) names the call, the hook and the step. The
 *         handle keeps its previous fitted state.
 *
 * It is called on the thread that made the call, never on a library worker
 * thread (so MPI_THREAD_FUNNELED suffices), never concurrently with itself
 * for one handle, and must not call back into the same handle. A process
 * whose fit fails (bad input, no memory) stops calling it: the engine must
 * then make its peers' reducers return an error rather than wait for it.
 */
typedef int32_t (*genre_reduce_fn)(void *user_data, int32_t what, int64_t step,
                                   double *buf, size_t len);

/** Log levels passed to a ::genre_log_fn. */
#define GENRE_LOG_DEBUG   0
#define GENRE_LOG_INFO    1
#define GENRE_LOG_WARNING 2

/**
 * Log hook, set per handle. libgenre is silent unless one is set.
 * @param message valid only during the call; copy it to keep it.
 */
typedef void (*genre_log_fn)(void *user_data, int32_t level,
                             const char *message);

GENRE_END_DECLS

#endif /* GENRE_COMMON_H */
