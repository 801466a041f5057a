/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Static-partition parallel loops on POSIX threads; see parallel.h. */
#include "parallel.h"
#include "error_private.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

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
#include <stdatomic.h>
static atomic_int spawn_failures;

void genre__parallel_fail_spawns(int n)
{
    atomic_store(&spawn_failures, n);
}

static int spawn(pthread_t *t, struct chunk *c)
{
    int n = atomic_load(&spawn_failures);
    while (n != 0) {
        if (n < 0)
            return EAGAIN;
        if (atomic_compare_exchange_weak(&spawn_failures, &n, n - 1))
            return EAGAIN;
    }
    return pthread_create(t, NULL, run_chunk, c);
}
#else
static int spawn(pthread_t *t, struct chunk *c)
{
    return pthread_create(t, NULL, run_chunk, c);
}
#endif

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
