/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre__parallel_for on a process-wide pool of persistent worker threads
 * (parallel.h has the contract, docs/threads.md the design).
 *
 * Ownership, not a queue: a call takes idle workers out of the pool for its
 * own job (creating threads, up to POOL_MAX in all, when none is idle), runs
 * chunks itself, and gives the workers back when the job is over. A worker
 * serves one job at a time, so concurrent calls from several user threads
 * never share a job and never wait for each other's chunks; a call that
 * finds no worker (all busy, the limit reached, pthread_create failing) runs
 * its chunks on its own thread. Nested calls (a chunk that runs a parallel
 * loop) are ordinary calls. Chunks are claimed one at a time by whoever is
 * free, the caller included; a chunk's index alone says what it computes,
 * so the schedule never changes a result.
 *
 * Workers live in a static array (nothing is allocated). A destructor joins
 * the idle workers when the library is unloaded or the process exits, and a
 * fork handler forgets the parent's workers in the child (threads do not
 * survive fork); the child starts its own when it needs them.
 */
#include "parallel.h"
#include "thread_spawn.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#if defined(__x86_64__) || defined(__i386__)
#  include <immintrin.h>
#  define CPU_RELAX() _mm_pause()
#else
#  define CPU_RELAX() ((void)0)
#endif

/* Workers in the whole process (each call also runs on its own thread). */
#define POOL_MAX (GENRE__MAX_THREADS - 1)
/* Waiting (a worker for its next job, a caller for its workers): polls with
 * a pause, then with sched_yield(), then a condition variable. Lloyd
 * iterations or t-SNE gradient steps come every ~0.1-1 ms: the spin keeps a
 * worker awake between two of them; a long pause costs one wake-up. */
#define SPIN_ROUNDS 4000
#define YIELD_ROUNDS 8

struct job {
    genre__parallel_fn fn;
    void *ctx;
    size_t q, r, t_count;  /* chunk t = [q t + r t / T, q (t+1) + r (t+1) / T) */
    atomic_size_t next;    /* next chunk to claim */
    atomic_int holders;    /* workers handed the job that have not let go of it */
};

struct worker {
    _Atomic(struct job *) job; /* handed by the owner, taken (set NULL) by the worker */
    pthread_cond_t wake;       /* with pool.mu */
    pthread_t thread;
    int has_thread; /* under pool.mu */
    int cond_ready; /* wake initialised (under pool.mu) */
    int quit;       /* under pool.mu */
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t released; /* some job's last holder let go */
    int idle[POOL_MAX];      /* stack of idle workers' indices */
    int n_idle;
    int closed; /* the destructor ran: no new threads */
    struct worker w[POOL_MAX];
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .released = PTHREAD_COND_INITIALIZER};

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void run_chunks(struct job *j)
{
    for (;;) {
        const size_t t = atomic_fetch_add(&j->next, 1);
        if (t >= j->t_count)
            return;
        const size_t q = j->q, r = j->r, T = j->t_count;
        j->fn(j->ctx, q * t + r * t / T, q * (t + 1) + r * (t + 1) / T, (int)t);
    }
}

/* Lets go of job j (pool.mu held): back on the idle stack, and the owner
 * woken when it was the last holder. */
static void release_locked(struct worker *w, struct job *j)
{
    pool.idle[pool.n_idle++] = (int)(w - pool.w);
    if (atomic_fetch_sub(&j->holders, 1) == 1)
        pthread_cond_broadcast(&pool.released);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        for (int i = 0; i < SPIN_ROUNDS + YIELD_ROUNDS && !atomic_load(&w->job); i++) {
            if (i < SPIN_ROUNDS)
                CPU_RELAX();
            else
                sched_yield();
        }
        if (!atomic_load(&w->job)) {
            pthread_mutex_lock(&pool.mu);
            while (!atomic_load(&w->job) && !w->quit)
                pthread_cond_wait(&w->wake, &pool.mu);
            const int quit = w->quit && !atomic_load(&w->job);
            pthread_mutex_unlock(&pool.mu);
            if (quit)
                return NULL;
        }
        /* NULL when the owner took the job back before we got to it */
        struct job *j = atomic_exchange(&w->job, NULL);
        if (!j)
            continue;
        run_chunks(j);
        pthread_mutex_lock(&pool.mu);
        release_locked(w, j);
        pthread_mutex_unlock(&pool.mu);
    }
}

/* ---- fork and exit -------------------------------------------------------- */

static void before_fork(void)
{
    pthread_mutex_lock(&pool.mu);
}

static void after_fork_parent(void)
{
    pthread_mutex_unlock(&pool.mu);
}

/* The child has none of the parent's workers (and the parent's jobs are not
 * its own): start from an empty pool; condition variables are set up anew
 * when a slot gets a thread again. */
static void after_fork_child(void)
{
    pthread_mutex_init(&pool.mu, NULL);
    pthread_cond_init(&pool.released, NULL);
    pool.n_idle = 0;
    for (int i = 0; i < POOL_MAX; i++) {
        atomic_store(&pool.w[i].job, NULL);
        pool.w[i].has_thread = 0;
        pool.w[i].cond_ready = 0;
        pool.w[i].quit = 0;
    }
}

static void register_atfork(void)
{
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

/* Stops and joins the idle workers; with `close`, no thread is created
 * afterwards. A worker busy with a call on another thread is left alone.
 * The lock is only ever held for a few instructions (a hand-over, a worker
 * on its way to sleep), so it is tried for a while -- a single try at exit
 * often met a worker going to sleep and left every thread unjoined -- but
 * never waited for without bound. Returns how many were joined, or -1 when
 * the pool stayed locked. */
static int join_idle(int close)
{
    int tries = 0;
    while (pthread_mutex_trylock(&pool.mu) != 0) {
        if (++tries > 100000)
            return -1; /* held all along (a thread stopped holding it) */
        sched_yield();
    }
    int stop[POOL_MAX];
    const int n = pool.n_idle;
    for (int i = 0; i < n; i++) {
        struct worker *w = &pool.w[pool.idle[i]];
        stop[i] = pool.idle[i];
        w->quit = 1;
        pthread_cond_signal(&w->wake);
    }
    pool.n_idle = 0;
    pool.closed = close;
    pthread_mutex_unlock(&pool.mu);
    for (int i = 0; i < n; i++)
        pthread_join(pool.w[stop[i]].thread, NULL);
    pthread_mutex_lock(&pool.mu);
    for (int i = 0; i < n; i++)
        pool.w[stop[i]].has_thread = 0;
    pthread_mutex_unlock(&pool.mu);
    return n;
}

/* At exit or unload no worker outlives the library (valgrind reports no
 * thread); later calls (another library's destructor) run inline. */
__attribute__((destructor)) static void pool_shutdown(void)
{
    join_idle(1);
}

#ifdef GENRE_TESTING
int genre__pool_reset(void)
{
    return join_idle(0);
}
#endif

/* ---- Calls ------------------------------------------------------------------ */

/* Hands j to up to `want` workers (their indices into got[]); returns how
 * many. Idle workers first, then new threads; stops creating at the first
 * failure. */
static int acquire(struct job *j, int want, int *got)
{
    int m = 0;
    pthread_once(&atfork_once, register_atfork);
    pthread_mutex_lock(&pool.mu);
    while (m < want && pool.n_idle > 0) {
        const int i = pool.idle[--pool.n_idle];
        atomic_store(&pool.w[i].job, j);
        pthread_cond_signal(&pool.w[i].wake);
        got[m++] = i;
    }
    atomic_store(&j->holders, m);
    while (m < want && !pool.closed) {
        int i = 0;
        while (i < POOL_MAX && pool.w[i].has_thread)
            i++;
        if (i == POOL_MAX)
            break;
        struct worker *w = &pool.w[i];
        if (!w->cond_ready) {
            if (pthread_cond_init(&w->wake, NULL) != 0)
                break;
            w->cond_ready = 1;
        }
        w->quit = 0;
        atomic_store(&w->job, j);
        atomic_fetch_add(&j->holders, 1);
        /* under the lock: the new worker cannot release before it is counted */
        if (genre__spawn_thread(&w->thread, worker_main, w) != 0) {
            atomic_store(&w->job, NULL);
            atomic_fetch_sub(&j->holders, 1);
            break; /* its chunks run on the workers we have, or inline */
        }
        w->has_thread = 1;
        got[m++] = i;
    }
    pthread_mutex_unlock(&pool.mu);
    return m;
}

void genre__parallel_for(int n_threads, size_t n_items, genre__parallel_fn fn, void *ctx)
{
    if (n_items == 0)
        return;
    const size_t t_count = genre__parallel_chunks(n_threads, n_items); /* no idle threads */
    if (t_count == 1) {
        fn(ctx, 0, n_items, 0);
        return;
    }
    struct job j = {.fn = fn, .ctx = ctx, .q = n_items / t_count, .r = n_items % t_count,
                    .t_count = t_count};
    atomic_init(&j.next, 0);
    atomic_init(&j.holders, 0);
    int got[POOL_MAX];
    const int m = acquire(&j, (int)t_count - 1, got);
    run_chunks(&j);
    if (m == 0)
        return;
    /* Every chunk is claimed: take the job back from workers that have not
     * picked it up yet (descheduled on a loaded machine), then wait for the
     * ones running a chunk. */
    int revoked = 0;
    for (int q = 0; q < m; q++) {
        struct job *expect = &j;
        if (atomic_compare_exchange_strong(&pool.w[got[q]].job, &expect, NULL))
            got[revoked++] = got[q];
    }
    if (revoked > 0) {
        pthread_mutex_lock(&pool.mu);
        for (int q = 0; q < revoked; q++)
            release_locked(&pool.w[got[q]], &j);
        pthread_mutex_unlock(&pool.mu);
    }
    for (int i = 0; i < SPIN_ROUNDS + YIELD_ROUNDS; i++) {
        if (atomic_load(&j.holders) == 0)
            return;
        if (i < SPIN_ROUNDS)
            CPU_RELAX();
        else
            sched_yield();
    }
    pthread_mutex_lock(&pool.mu);
    while (atomic_load(&j.holders) != 0)
        pthread_cond_wait(&pool.released, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
}
