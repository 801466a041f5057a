/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the library's one way to run its own loops on threads (POSIX
 * threads, no OpenMP; see docs/threads.md for the reasons and THE RULE).
 *
 * genre__parallel_for splits [0, n_items) into contiguous chunks, chunk t
 * being [n*t/T, n*(t+1)/T), so a loop that keeps one partial result per
 * worker and combines them in worker order gives the same bits on every run
 * with the same thread count.
 */
#ifndef GENRE_PARALLEL_H
#define GENRE_PARALLEL_H

#include <stddef.h>
#include <stdint.h>

/* Upper bound on threads in one parallel region (bounds the stack state
 * of genre__parallel_for, which must not allocate). */
#define GENRE__MAX_THREADS 256

/*
 * The library's default thread count, wherever a thread parameter is 0:
 * the CPUs of the calling thread's affinity mask (sched_getaffinity, so a
 * process bound to fewer cores than the machine has -- taskset, an MPI
 * launcher's binding, a container's cpuset -- is not oversubscribed); the
 * online cores (sysconf) where the kernel does not report a mask; 1 when
 * neither is known. Clamped to GENRE__MAX_THREADS. Read on every call (the
 * mask may change), never fails, thread-safe. genre_default_threads()
 * returns it to users.
 */
int genre__default_threads(void);

/*
 * Turns a handle's n_threads parameter into a thread count:
 * 0 means genre__default_threads(), positive values are
 * taken as given; both are clamped to GENRE__MAX_THREADS.
 * Returns the count (>= 1), or GENRE_E_INVALID_ARG (< 0, recorded) for a
 * negative request.
 */
int genre__resolve_threads(int64_t requested);

/*
 * Body of a parallel loop: handles items [begin, end) as worker `worker`.
 * It runs concurrently with the other workers: it may write only to memory
 * no other worker touches (e.g. its own slot of a partials array) and must
 * not call BLAS (THE RULE, docs/threads.md). Errors recorded with GENRE_FAIL
 * on a worker thread stay on that thread: report failures through ctx.
 */
typedef void (*genre__parallel_fn)(void *ctx, size_t begin, size_t end, int worker);

/* T, the chunk count of genre__parallel_for(n_threads, n_items, ...):
 * n_threads clamped to [1, GENRE__MAX_THREADS], then to n_items (no empty
 * chunks); 0 when n_items is 0. Chunk t of T is [q t + r t / T,
 * q (t+1) + r (t+1) / T) with q = n_items / T and r = n_items % T. */
static inline size_t genre__parallel_chunks(int n_threads, size_t n_items)
{
    size_t t = n_threads < 1 ? 1 : n_threads > GENRE__MAX_THREADS ? GENRE__MAX_THREADS
                                                                    : (size_t)n_threads;
    return t < n_items ? t : n_items;
}

/*
 * Runs fn over [0, n_items) on up to n_threads threads (values < 1 mean 1,
 * values above GENRE__MAX_THREADS are clamped) and returns when every chunk
 * is done. With T = min(n_threads, n_items) chunks, fn is called exactly
 * once per chunk t in [0, T), with worker = t and a non-empty range; for
 * n_items == 0 it is not called. The threads are the process-wide pool's
 * (thread_pool.c): created on first need, kept for later calls, joined when
 * the library is unloaded or the process exits, forgotten in a fork()ed
 * child. The calling thread runs chunks too; chunks are claimed by whoever
 * is free, and a chunk no pool thread takes (none idle, the pool's limit of
 * GENRE__MAX_THREADS - 1 threads reached, pthread_create failing) runs on the
 * calling thread: same partition, same worker index, same result. Safe to
 * call from several threads at once (each call owns the workers it takes;
 * a chunk may itself call it). Never fails, never allocates; pool threads
 * run with all signals blocked so the host's signal handling is not
 * disturbed.
 */
void genre__parallel_for(int n_threads, size_t n_items, genre__parallel_fn fn, void *ctx);

/*
 * The chunks of genre__parallel_for(n_threads, n_items, fn, ctx), one after
 * the other on the calling thread, in chunk order: the same partition and
 * worker indices, so a loop combining per-worker partials in worker order
 * gives the bits genre__parallel_for gives with n_threads. For work that is
 * already spread over threads at a coarser level (k-means restarts).
 */
void genre__parallel_for_serial(int n_threads, size_t n_items, genre__parallel_fn fn,
                                void *ctx);

/*
 * A team of persistent workers, for loops too short to pay for starting
 * threads each time (~22 us per genre__parallel_for region on a 2-core
 * machine): the threads are created once (genre__team_new); each
 * genre__team_run(team, n, fn, ctx) calls fn(ctx, c) exactly once for every
 * chunk c in [0, n) and returns when all are done; genre__team_free joins
 * the threads.
 *
 * Chunks are claimed one at a time by whichever member is free, the caller
 * included: a chunk is a fixed piece of work (its index, not the thread that
 * runs it, says what it computes and where it writes), so results do not
 * depend on the schedule, and when a worker thread is descheduled on a loaded
 * machine the caller simply runs its chunk instead of waiting for it.
 * Waiting (workers for the next job, the caller for chunks claimed by
 * others) spins briefly, then yields the CPU a few times, then blocks on a
 * condition variable. Workers start with all signals blocked; a worker whose
 * thread cannot be created just never claims anything.
 * The body follows the rules of genre__parallel_fn (no BLAS, writes only to
 * memory of its chunk, report failures through ctx).
 */
typedef struct genre__team genre__team;
typedef void (*genre__team_fn)(void *ctx, int chunk);

/* Creates a team of n_threads members, the caller included (< 1 means 1,
 * clamped to GENRE__MAX_THREADS). GENRE_OK, or GENRE_E_NOMEM (recorded;
 * *out NULL). */
int genre__team_new(int n_threads, genre__team **out);
/* Number of members T (including the caller). */
int genre__team_size(const genre__team *team);
/* Runs fn(ctx, c) for c in [0, n_chunks) (n_chunks clamped to
 * GENRE__MAX_THREADS; < 1: nothing) and waits for all. Never fails. */
void genre__team_run(genre__team *team, int n_chunks, genre__team_fn fn, void *ctx);
/* Stops and joins the workers, frees the team; NULL is a no-op. */
void genre__team_free(genre__team *team);

#ifdef GENRE_TESTING
/* Makes the next `n` thread creations (the pool behind genre__parallel_for
 * growing, genre__team_new) fail as if
 * pthread_create had returned EAGAIN (-1 = all of them, 0 = off). */
void genre__parallel_fail_spawns(int n);
/* Joins the pool's idle threads now (what the exit destructor does), and
 * lets it grow again afterwards; so a test can make later calls create
 * threads, e.g. under genre__parallel_fail_spawns. Returns how many threads
 * were joined. */
int genre__pool_reset(void);
#endif

#endif
