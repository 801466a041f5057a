/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Static-partition parallel loops on POSIX threads; see parallel.h. */
#include "parallel.h"
#include "error_private.h"
#include "alloc.h"

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

int genre__resolve_threads(int64_t requested)
{
    if (requested < 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "n_threads must be >= 0 (0 = all online cores), got %lld",
                          (long long)requested);
    if (requested == 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        requested = online > 0 ? online : 1;
    }
    return requested > GENRE__MAX_THREADS ? GENRE__MAX_THREADS : (int)requested;
}

struct chunk {
    genre__parallel_fn fn;
    void *ctx;
    size_t begin, end;
    int worker;
    int started; /* a thread runs it and must be joined */
    pthread_t thread;
};

static void *run_chunk(void *arg)
{
    struct chunk *c = arg;
    c->fn(c->ctx, c->begin, c->end, c->worker);
    return NULL;
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

static int spawn(pthread_t *t, struct chunk *c)
{
    return create(t, run_chunk, c);
}

void genre__parallel_for(int n_threads, size_t n_items, genre__parallel_fn fn, void *ctx)
{
    if (n_items == 0)
        return;
    size_t t_count = n_threads < 1 ? 1
                   : n_threads > GENRE__MAX_THREADS ? GENRE__MAX_THREADS
                   : (size_t)n_threads;
    if (t_count > n_items)
        t_count = n_items; /* no empty chunks, no idle threads */
    if (t_count == 1) {
        fn(ctx, 0, n_items, 0);
        return;
    }

    /* chunk t starts at n*t/T, computed as q*t + r*t/T so it cannot overflow. */
    const size_t q = n_items / t_count, r = n_items % t_count;
    struct chunk chunks[GENRE__MAX_THREADS]; /* fixed: this function must not allocate */
    for (size_t t = 0; t < t_count; t++) {
        chunks[t].fn = fn;
        chunks[t].ctx = ctx;
        chunks[t].begin = q * t + r * t / t_count;
        chunks[t].end = q * (t + 1) + r * (t + 1) / t_count;
        chunks[t].worker = (int)t;
        chunks[t].started = 0;
    }

    /* Workers inherit the creator's signal mask: block everything so the
     * host's signals keep going to the host's own threads. */
    sigset_t all, saved;
    sigfillset(&all);
    int masked = pthread_sigmask(SIG_SETMASK, &all, &saved) == 0;
    for (size_t t = 1; t < t_count; t++)
        chunks[t].started = spawn(&chunks[t].thread, &chunks[t]) == 0;
    if (masked)
        pthread_sigmask(SIG_SETMASK, &saved, NULL);

    run_chunk(&chunks[0]);
    for (size_t t = 1; t < t_count; t++)
        if (!chunks[t].started)
            run_chunk(&chunks[t]); /* could not get a thread: same chunk, inline */
    for (size_t t = 1; t < t_count; t++)
        if (chunks[t].started)
            pthread_join(chunks[t].thread, NULL);
}

/* ---- Persistent teams ------------------------------------------------------ */

/* Waiting: SPIN_ROUNDS polls with a pause, then YIELD_ROUNDS polls with
 * sched_yield(), then a condition-variable wait. A batch of the reference
 * MLP takes ~17 us per thread and the caller's work between two jobs ~1-2
 * us, so the spin covers the normal case and the wait the descheduled one. */
#define SPIN_ROUNDS 2000
#define YIELD_ROUNDS 8

struct member {
    genre__team *team;
    int worker;
    int started; /* has a thread */
    pthread_t thread;
};

struct genre__team {
    int size;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    atomic_uint gen;      /* job number; a change starts the workers */
    atomic_int pending;   /* threaded workers still running the job */
    atomic_int quit;
    genre__team_fn fn;
    void *ctx;
    struct member *members; /* size entries; [0] is the caller */
};

static void *team_main(void *arg)
{
    struct member *m = arg;
    genre__team *t = m->team;
    unsigned seen = 0;
    for (;;) {
        int i = 0;
        for (; i < SPIN_ROUNDS + YIELD_ROUNDS; i++) {
            if (atomic_load_explicit(&t->gen, memory_order_acquire) != seen)
                break;
            if (i < SPIN_ROUNDS)
                CPU_RELAX();
            else
                sched_yield();
        }
        if (i == SPIN_ROUNDS + YIELD_ROUNDS) {
            pthread_mutex_lock(&t->mu);
            while (atomic_load_explicit(&t->gen, memory_order_acquire) == seen)
                pthread_cond_wait(&t->go, &t->mu);
            pthread_mutex_unlock(&t->mu);
        }
        seen = atomic_load_explicit(&t->gen, memory_order_acquire);
        if (atomic_load(&t->quit))
            return NULL;
        t->fn(t->ctx, m->worker);
        if (atomic_fetch_sub_explicit(&t->pending, 1, memory_order_acq_rel) == 1) {
            /* last one: the caller may be blocked (it checks under mu) */
            pthread_mutex_lock(&t->mu);
            pthread_cond_signal(&t->done);
            pthread_mutex_unlock(&t->mu);
        }
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
    if (pthread_cond_init(&t->done, NULL) != 0) {
        pthread_cond_destroy(&t->go);
        pthread_mutex_destroy(&t->mu);
        genre__free(t);
        genre__free(members);
        return GENRE_FAIL(GENRE_E_NOMEM, "cannot create a condition variable");
    }
    t->size = size;
    t->members = members;
    atomic_init(&t->gen, 0u);
    atomic_init(&t->pending, 0);
    atomic_init(&t->quit, 0);
    for (int i = 0; i < size; i++) {
        members[i].team = t;
        members[i].worker = i;
    }
    sigset_t all, saved;
    sigfillset(&all);
    int masked = pthread_sigmask(SIG_SETMASK, &all, &saved) == 0;
    for (int i = 1; i < size; i++)
        members[i].started = create(&members[i].thread, team_main, &members[i]) == 0;
    if (masked)
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
    *out = t;
    return GENRE_OK;
}

int genre__team_size(const genre__team *team)
{
    return team->size;
}

static void team_release(genre__team *t, int threaded)
{
    atomic_store_explicit(&t->pending, threaded, memory_order_relaxed);
    pthread_mutex_lock(&t->mu);
    atomic_fetch_add_explicit(&t->gen, 1u, memory_order_release);
    pthread_cond_broadcast(&t->go);
    pthread_mutex_unlock(&t->mu);
}

void genre__team_run(genre__team *t, genre__team_fn fn, void *ctx)
{
    int threaded = 0;
    for (int i = 1; i < t->size; i++)
        threaded += t->members[i].started;
    t->fn = fn;
    t->ctx = ctx;
    if (threaded > 0)
        team_release(t, threaded);
    fn(ctx, 0);
    for (int i = 1; i < t->size; i++)
        if (!t->members[i].started)
            fn(ctx, i); /* no thread: same worker, inline */
    if (threaded == 0)
        return;
    int i = 0;
    for (; i < SPIN_ROUNDS + YIELD_ROUNDS; i++) {
        if (atomic_load_explicit(&t->pending, memory_order_acquire) == 0)
            return;
        if (i < SPIN_ROUNDS)
            CPU_RELAX();
        else
            sched_yield();
    }
    pthread_mutex_lock(&t->mu);
    while (atomic_load_explicit(&t->pending, memory_order_acquire) != 0)
        pthread_cond_wait(&t->done, &t->mu);
    pthread_mutex_unlock(&t->mu);
}

void genre__team_free(genre__team *t)
{
    if (!t)
        return;
    int threaded = 0;
    for (int i = 1; i < t->size; i++)
        threaded += t->members[i].started;
    if (threaded > 0) {
        atomic_store(&t->quit, 1);
        team_release(t, threaded);
        for (int i = 1; i < t->size; i++)
            if (t->members[i].started)
                pthread_join(t->members[i].thread, NULL);
    }
    pthread_cond_destroy(&t->done);
    pthread_cond_destroy(&t->go);
    pthread_mutex_destroy(&t->mu);
    genre__free(t->members);
    genre__free(t);
}
