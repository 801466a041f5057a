/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Thread counts, thread creation and the persistent teams; see parallel.h.
 * genre__parallel_for and its pool are thread_pool.c. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "parallel.h"
#include "error_private.h"
#include "alloc.h"
#include "thread_spawn.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#  include <immintrin.h>
#  define CPU_RELAX() _mm_pause()
#else
#  define CPU_RELAX() ((void)0)
#endif

/* CPUs in the calling thread's affinity mask (which a process bound by
 * taskset, numactl, an MPI launcher or a container's cpuset inherits), or 0
 * when the kernel does not say. The mask is grown for machines with more
 * CPUs than cpu_set_t holds. */
static long affinity_cpus(void)
{
#if defined(__linux__) && defined(CPU_COUNT_S)
    for (int cpus = CPU_SETSIZE; cpus <= (1 << 20); cpus *= 2) {
        cpu_set_t *set = CPU_ALLOC((size_t)cpus);
        if (!set)
            return 0;
        const size_t size = CPU_ALLOC_SIZE((size_t)cpus);
        CPU_ZERO_S(size, set);
        const int rc = sched_getaffinity(0, size, set);
        const int err = errno;
        const long count = rc == 0 ? (long)CPU_COUNT_S(size, set) : 0;
        CPU_FREE(set);
        if (rc == 0 || err != EINVAL)
            return count;
    }
#endif
    return 0;
}

int genre__default_threads(void)
{
    long n = affinity_cpus();
    if (n <= 0)
        n = sysconf(_SC_NPROCESSORS_ONLN); /* no affinity interface */
    if (n <= 0)
        n = 1;
    return n > GENRE__MAX_THREADS ? GENRE__MAX_THREADS : (int)n;
}

int genre__resolve_threads(int64_t requested)
{
    if (requested < 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "n_threads must be >= 0 (0 = the CPUs this process may run on), "
                          "got %lld",
                          (long long)requested);
    if (requested == 0)
        return genre__default_threads();
    return requested > GENRE__MAX_THREADS ? GENRE__MAX_THREADS : (int)requested;
}

#ifdef GENRE_TESTING
static atomic_int spawn_failures;

void genre__parallel_fail_spawns(int n)
{
    atomic_store(&spawn_failures, n);
}

static int create(pthread_t *t, void *(*start)(void *), void *arg)
{
    int n = atomic_load(&spawn_failures);
    while (n != 0) {
        if (n < 0)
            return EAGAIN;
        if (atomic_compare_exchange_weak(&spawn_failures, &n, n - 1))
            return EAGAIN;
    }
    return pthread_create(t, NULL, start, arg);
}
#else
static int create(pthread_t *t, void *(*start)(void *), void *arg)
{
    return pthread_create(t, NULL, start, arg);
}
#endif

int genre__spawn_thread(pthread_t *t, void *(*start)(void *), void *arg)
{
    /* A new thread inherits its creator's signal mask. */
    sigset_t all, saved;
    sigfillset(&all);
    const int masked = pthread_sigmask(SIG_SETMASK, &all, &saved) == 0;
    const int rc = create(t, start, arg);
    if (masked)
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
    return rc;
}

void genre__parallel_for_serial(int n_threads, size_t n_items, genre__parallel_fn fn,
                                void *ctx)
{
    if (n_items == 0)
        return;
    const size_t t_count = genre__parallel_chunks(n_threads, n_items);
    const size_t q = n_items / t_count, r = n_items % t_count;
    for (size_t t = 0; t < t_count; t++)
        fn(ctx, q * t + r * t / t_count, q * (t + 1) + r * (t + 1) / t_count, (int)t);
}

/* ---- Persistent teams ------------------------------------------------------ */

/* Waiting: SPIN_ROUNDS polls with a pause, then YIELD_ROUNDS polls with
 * sched_yield(), then a condition-variable wait. A batch of the reference
 * MLP takes ~17 us per thread and the caller's work between two jobs ~1-2
 * us, so the spin covers the normal case and the wait the descheduled one. */
#define SPIN_ROUNDS 2000
#define YIELD_ROUNDS 8

/* The claim word: job number (32 bits) | next chunk (16) | chunk count (16). */
#define CLAIM(gen, next, n) (((uint64_t)(gen) << 32) | ((uint64_t)(next) << 16) | (uint64_t)(n))
#define CLAIM_GEN(c) ((uint32_t)((c) >> 32))
#define CLAIM_NEXT(c) ((unsigned)(((c) >> 16) & 0xffffu))
#define CLAIM_N(c) ((unsigned)((c)&0xffffu))

struct member {
    genre__team *team;
    int started; /* has a thread */
    pthread_t thread;
};

struct genre__team {
    int size;
    pthread_mutex_t mu;
    pthread_cond_t go, done_cv;
    _Atomic uint64_t claim; /* see CLAIM */
    atomic_uint done;       /* chunks of the current job finished */
    atomic_int quit;
    genre__team_fn fn;
    void *ctx;
    struct member *members; /* size entries; [0] is the caller */
};

/* Claims and runs chunks of job `gen` until none is left; 0 when the job
 * is over (or is not job `gen` any more). */
static void run_chunks(genre__team *t, uint32_t gen)
{
    uint64_t c = atomic_load_explicit(&t->claim, memory_order_acquire);
    for (;;) {
        if (CLAIM_GEN(c) != gen || CLAIM_NEXT(c) >= CLAIM_N(c))
            return;
        const uint64_t nc = CLAIM(gen, CLAIM_NEXT(c) + 1, CLAIM_N(c));
        if (!atomic_compare_exchange_weak_explicit(&t->claim, &c, nc, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        /* chunk CLAIM_NEXT(c) is ours; the job cannot end before it is done */
        t->fn(t->ctx, (int)CLAIM_NEXT(c));
        const unsigned n = CLAIM_N(c);
        if (atomic_fetch_add_explicit(&t->done, 1u, memory_order_acq_rel) + 1 == n) {
            pthread_mutex_lock(&t->mu); /* the caller may be blocked: it checks under mu */
            pthread_cond_signal(&t->done_cv);
            pthread_mutex_unlock(&t->mu);
        }
        c = nc;
    }
}

static void *team_main(void *arg)
{
    struct member *m = arg;
    genre__team *t = m->team;
    uint32_t seen = 0;
    for (;;) {
        int i = 0;
        for (; i < SPIN_ROUNDS + YIELD_ROUNDS; i++) {
            if (CLAIM_GEN(atomic_load_explicit(&t->claim, memory_order_acquire)) != seen)
                break;
            if (i < SPIN_ROUNDS)
                CPU_RELAX();
            else
                sched_yield();
        }
        if (i == SPIN_ROUNDS + YIELD_ROUNDS) {
            pthread_mutex_lock(&t->mu);
            while (CLAIM_GEN(atomic_load_explicit(&t->claim, memory_order_acquire)) == seen &&
                   !atomic_load(&t->quit))
                pthread_cond_wait(&t->go, &t->mu);
            pthread_mutex_unlock(&t->mu);
        }
        if (atomic_load(&t->quit))
            return NULL;
        seen = CLAIM_GEN(atomic_load_explicit(&t->claim, memory_order_acquire));
        run_chunks(t, seen);
    }
}

int genre__team_new(int n_threads, genre__team **out)
{
    *out = NULL;
    int size = n_threads < 1 ? 1 : n_threads > GENRE__MAX_THREADS ? GENRE__MAX_THREADS
                                                                   : n_threads;
    genre__team *t = GENRE_NEW(genre__team);
    struct member *members = genre__calloc_array((size_t)size, sizeof *members);
    if (!t || !members) {
        genre__free(t);
        genre__free(members);
        return GENRE_FAIL(GENRE_E_NOMEM, "cannot allocate a team of %d threads", size);
    }
    if (pthread_mutex_init(&t->mu, NULL) != 0) {
        genre__free(t);
        genre__free(members);
        return GENRE_FAIL(GENRE_E_NOMEM, "cannot create a mutex for %d threads", size);
    }
    if (pthread_cond_init(&t->go, NULL) != 0) {
        pthread_mutex_destroy(&t->mu);
        genre__free(t);
        genre__free(members);
        return GENRE_FAIL(GENRE_E_NOMEM, "cannot create a condition variable");
    }
    if (pthread_cond_init(&t->done_cv, NULL) != 0) {
        pthread_cond_destroy(&t->go);
        pthread_mutex_destroy(&t->mu);
        genre__free(t);
        genre__free(members);
        return GENRE_FAIL(GENRE_E_NOMEM, "cannot create a condition variable");
    }
    t->size = size;
    t->members = members;
    atomic_init(&t->claim, CLAIM(0, 0, 0));
    atomic_init(&t->done, 0u);
    atomic_init(&t->quit, 0);
    for (int i = 0; i < size; i++)
        members[i].team = t;
    for (int i = 1; i < size; i++)
        members[i].started = genre__spawn_thread(&members[i].thread, team_main, &members[i]) == 0;
    *out = t;
    return GENRE_OK;
}

int genre__team_size(const genre__team *team)
{
    return team->size;
}

void genre__team_run(genre__team *t, int n_chunks, genre__team_fn fn, void *ctx)
{
    if (n_chunks < 1)
        return;
    if (n_chunks > GENRE__MAX_THREADS)
        n_chunks = GENRE__MAX_THREADS;
    t->fn = fn;
    t->ctx = ctx;
    atomic_store_explicit(&t->done, 0u, memory_order_relaxed);
    const uint32_t gen = CLAIM_GEN(atomic_load_explicit(&t->claim, memory_order_relaxed)) + 1;
    pthread_mutex_lock(&t->mu);
    atomic_store_explicit(&t->claim, CLAIM(gen, 0, n_chunks), memory_order_release);
    pthread_cond_broadcast(&t->go);
    pthread_mutex_unlock(&t->mu);
    run_chunks(t, gen);
    /* every chunk is claimed: wait for the ones other threads are running */
    const unsigned n = (unsigned)n_chunks;
    for (int i = 0; i < SPIN_ROUNDS + YIELD_ROUNDS; i++) {
        if (atomic_load_explicit(&t->done, memory_order_acquire) == n)
            return;
        if (i < SPIN_ROUNDS)
            CPU_RELAX();
        else
            sched_yield();
    }
    pthread_mutex_lock(&t->mu);
    while (atomic_load_explicit(&t->done, memory_order_acquire) != n)
        pthread_cond_wait(&t->done_cv, &t->mu);
    pthread_mutex_unlock(&t->mu);
}

void genre__team_free(genre__team *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    atomic_store(&t->quit, 1);
    pthread_cond_broadcast(&t->go);
    pthread_mutex_unlock(&t->mu);
    for (int i = 1; i < t->size; i++)
        if (t->members[i].started)
            pthread_join(t->members[i].thread, NULL);
    pthread_cond_destroy(&t->done_cv);
    pthread_cond_destroy(&t->go);
    pthread_mutex_destroy(&t->mu);
    genre__free(t->members);
    genre__free(t);
}
