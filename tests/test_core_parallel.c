/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Static-partition parallel loops and thread-count resolution. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "harness.h"
#include "parallel.h"

#include <genre/version.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct visit_ctx {
    atomic_int *visits;
    size_t n;
    int n_threads;
    atomic_int calls[GENRE__MAX_THREADS];
    size_t begin[GENRE__MAX_THREADS], end[GENRE__MAX_THREADS];
    atomic_int bad; /* a call broke the contract */
};

static void visit(void *p, size_t begin, size_t end, int worker)
{
    struct visit_ctx *c = p;
    if (worker < 0 || worker >= GENRE__MAX_THREADS || begin >= end || end > c->n) {
        atomic_fetch_add(&c->bad, 1);
        return;
    }
    atomic_fetch_add(&c->calls[worker], 1);
    c->begin[worker] = begin;
    c->end[worker] = end;
    for (size_t i = begin; i < end; i++)
        atomic_fetch_add(&c->visits[i], 1);
}

static void check_partition(size_t n, int n_threads)
{
    struct visit_ctx *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    c->visits = calloc(n + 1, sizeof *c->visits);
    ck_assert_ptr_nonnull(c->visits);
    c->n = n;
    genre__parallel_for(n_threads, n, visit, c);
    ck_assert_int_eq(atomic_load(&c->bad), 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(atomic_load(&c->visits[i]) == 1, "n=%zu T=%d: item %zu visited %d times",
                      n, n_threads, i, (int)atomic_load(&c->visits[i]));
    size_t t_eff = n_threads < 1 ? 1 : (size_t)n_threads;
    if (t_eff > GENRE__MAX_THREADS)
        t_eff = GENRE__MAX_THREADS;
    if (t_eff > n)
        t_eff = n;
    for (size_t t = 0; t < GENRE__MAX_THREADS; t++) {
        if (t < t_eff) {
            ck_assert_int_eq(atomic_load(&c->calls[t]), 1);
            /* The documented partition: chunk t = [n*t/T, n*(t+1)/T). */
            ck_assert_uint_eq(c->begin[t], n * t / t_eff);
            ck_assert_uint_eq(c->end[t], n * (t + 1) / t_eff);
        } else {
            ck_assert_int_eq(atomic_load(&c->calls[t]), 0);
        }
    }
    free(c->visits);
    free(c);
}

START_TEST(every_item_once)
{
    static const size_t sizes[] = {0, 1, 2, 3, 5, 7, 8, 64, 100, 1000, 4097};
    static const int threads[] = {-3, 0, 1, 2, 3, 4, 7, 8, 16, 33, 300};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (size_t j = 0; j < sizeof threads / sizeof threads[0]; j++)
            check_partition(sizes[i], threads[j]);
}
END_TEST

struct range_ctx {
    size_t begin[8], end[8];
};

static void record_range(void *p, size_t begin, size_t end, int worker)
{
    struct range_ctx *c = p;
    c->begin[worker] = begin;
    c->end[worker] = end;
}

START_TEST(partition_of_huge_ranges)
{
    struct range_ctx c;
    memset(&c, 0, sizeof c);
    const size_t n = SIZE_MAX - 2;
    genre__parallel_for(7, n, record_range, &c);
    ck_assert_uint_eq(c.begin[0], 0);
    for (int t = 1; t < 7; t++)
        ck_assert_uint_eq(c.begin[t], c.end[t - 1]);
    ck_assert_uint_eq(c.end[6], n);
    for (int t = 0; t < 7; t++) {
        size_t len = c.end[t] - c.begin[t];
        ck_assert(len == n / 7 || len == n / 7 + 1);
    }
}
END_TEST

struct sum_ctx {
    const double *x;
    double partial[GENRE__MAX_THREADS];
};

static void partial_sum(void *p, size_t begin, size_t end, int worker)
{
    struct sum_ctx *c = p;
    double s = 0;
    for (size_t i = begin; i < end; i++)
        s += c->x[i];
    c->partial[worker] = s;
}

static double parallel_sum(const double *x, size_t n, int n_threads)
{
    struct sum_ctx c = {.x = x};
    genre__parallel_for(n_threads, n, partial_sum, &c);
    double s = 0;
    for (int t = 0; t < n_threads && t < GENRE__MAX_THREADS; t++)
        s += c.partial[t];
    return s;
}

START_TEST(reduction_is_reproducible)
{
    /* Values of wildly different magnitudes: the sum depends on the order. */
    enum { N = 100003 };
    double *x = malloc(N * sizeof *x);
    ck_assert_ptr_nonnull(x);
    unsigned long long v = 88172645463325252ULL;
    for (size_t i = 0; i < N; i++) {
        v ^= v << 13, v ^= v >> 7, v ^= v << 17;
        x[i] = (double)(v % 2001) * ((i % 3) ? 1e-8 : 1e8) - 1e3;
    }
    for (int threads = 1; threads <= 9; threads++) {
        double first = parallel_sum(x, N, threads);
        for (int run = 0; run < 20; run++)
            ck_assert_msg(parallel_sum(x, N, threads) == first, "T=%d run %d differs",
                          threads, run);
#ifdef GENRE_TESTING
        /* Threads that cannot start run inline: the same bits. */
        genre__parallel_fail_spawns(-1);
        double inline_all = parallel_sum(x, N, threads);
        genre__parallel_fail_spawns(1);
        double inline_one = parallel_sum(x, N, threads);
        genre__parallel_fail_spawns(0);
        ck_assert(inline_all == first);
        ck_assert(inline_one == first);
#endif
    }
    free(x);
}
END_TEST

/* Several user threads run loops at once through the pool (each call owns
 * the workers it takes), some of them nested: every sum has the bits of the
 * same sum run alone. */
enum { CONC_N = 20011, CONC_CALLERS = 4, CONC_ROUNDS = 40 };

struct conc_ctx {
    const double *x;
    double want[10]; /* by thread count */
    atomic_int bad;
};

struct nest_ctx {
    const struct conc_ctx *c;
    double got[3];
};

static void nested_sums(void *p, size_t begin, size_t end, int worker)
{
    struct nest_ctx *nc = p;
    (void)worker;
    for (size_t t = begin; t < end; t++)
        nc->got[t] = parallel_sum(nc->c->x, CONC_N, (int)t + 2); /* a loop inside a loop */
}

static void *conc_caller(void *p)
{
    struct conc_ctx *c = p;
    for (int r = 0; r < CONC_ROUNDS; r++) {
        const int threads = 2 + r % 8;
        if (parallel_sum(c->x, CONC_N, threads) != c->want[threads])
            atomic_fetch_add(&c->bad, 1);
        if (r % 8 == 0) {
            struct nest_ctx nc = {.c = c};
            genre__parallel_for(3, 3, nested_sums, &nc);
            for (int t = 0; t < 3; t++)
                if (nc.got[t] != c->want[t + 2])
                    atomic_fetch_add(&c->bad, 1);
        }
    }
    return NULL;
}

static void concurrent_callers(void)
{
    double *x = malloc(CONC_N * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < CONC_N; i++)
        x[i] = (double)(i % 37) * ((i % 5) ? 1e-7 : 1e7) - 11.0;
    struct conc_ctx c = {.x = x};
    atomic_init(&c.bad, 0);
    for (int t = 1; t < 10; t++)
        c.want[t] = parallel_sum(x, CONC_N, t);
    pthread_t th[CONC_CALLERS];
    for (int i = 0; i < CONC_CALLERS; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, conc_caller, &c), 0);
    for (int i = 0; i < CONC_CALLERS; i++)
        pthread_join(th[i], NULL);
    ck_assert_int_eq(atomic_load(&c.bad), 0);
    free(x);
}

START_TEST(pool_serves_concurrent_and_nested_callers)
{
    concurrent_callers();
}
END_TEST

/* A child forked while the pool has threads (they do not exist in the
 * child) starts its own and gets the same sums; the parent's pool still
 * works. Not under TSan, which does not support fork() with threads
 * running, nor under ASan: GCC 12's libasan does not hold its allocator's
 * locks across fork(), so a child forked while a parent thread is inside
 * malloc/free inherits a locked allocator and its new workers hang in
 * their first allocation (seen in CI: about 1 run in 15). Plain builds
 * and valgrind run it. */
START_TEST(pool_survives_fork)
{
#if !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
    enum { N = 30011 };
    double *x = malloc(N * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < N; i++)
        x[i] = (double)(i % 101) * ((i % 4) ? 1e-6 : 1e6);
    const double want = parallel_sum(x, N, 3); /* the pool has threads now */
    const pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int ok = 1;
        for (int r = 0; r < 20; r++)
            ok &= parallel_sum(x, N, 3) == want;
        /* _exit runs no destructor: join the child's workers and free x
         * here, so a leak checker (valgrind in CI) sees a clean child */
        free(x);
        ok &= genre__pool_reset() >= 1;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert(parallel_sum(x, N, 3) == want);
    free(x);
#endif
}
END_TEST

/* The serial variant: the same chunks on the calling thread, in order. */
START_TEST(serial_chunks_are_the_parallel_ones)
{
    enum { N = 5003 };
    double *x = malloc(N * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < N; i++)
        x[i] = (double)(i % 13) * ((i % 3) ? 1e-9 : 1e9);
    for (int threads = 1; threads <= 6; threads++) {
        struct sum_ctx a = {.x = x}, b = {.x = x};
        genre__parallel_for(threads, N, partial_sum, &a);
        genre__parallel_for_serial(threads, N, partial_sum, &b);
        for (int t = 0; t < threads; t++)
            ck_assert(a.partial[t] == b.partial[t]);
    }
    free(x);
}
END_TEST

START_TEST(spawn_failure_still_visits_everything)
{
    genre__parallel_fail_spawns(-1);
    check_partition(1000, 8);
    genre__parallel_fail_spawns(3);
    check_partition(1000, 8);
    genre__parallel_fail_spawns(0);
}
END_TEST

START_TEST(resolve_threads_values)
{
    /* 0: the CPUs of the affinity mask, as nproc counts them */
    cpu_set_t set;
    CPU_ZERO(&set);
    ck_assert_int_eq(sched_getaffinity(0, sizeof set, &set), 0);
    int expect = CPU_COUNT(&set);
    if (expect > GENRE__MAX_THREADS)
        expect = GENRE__MAX_THREADS;
    ck_assert_int_eq(genre__resolve_threads(0), expect);
    ck_assert_int_eq(genre__default_threads(), expect);
    ck_assert_int_eq(genre_default_threads(), expect);
    ck_assert_int_eq(genre__resolve_threads(1), 1);
    ck_assert_int_eq(genre__resolve_threads(3), 3);
    ck_assert_int_eq(genre__resolve_threads(GENRE__MAX_THREADS), GENRE__MAX_THREADS);
    ck_assert_int_eq(genre__resolve_threads(GENRE__MAX_THREADS + 1), GENRE__MAX_THREADS);
    ck_assert_int_eq(genre__resolve_threads(INT64_MAX), GENRE__MAX_THREADS);
}
END_TEST

/* Bound to one CPU (as taskset -c 0 or an MPI launcher binds a rank), the
 * default is 1 however many cores the machine has. */
START_TEST(default_threads_follow_affinity)
{
    cpu_set_t old, one;
    CPU_ZERO(&old);
    ck_assert_int_eq(sched_getaffinity(0, sizeof old, &old), 0);
    int cpu = 0;
    while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &old))
        cpu++;
    ck_assert_int_lt(cpu, CPU_SETSIZE);
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    ck_assert_int_eq(sched_setaffinity(0, sizeof one, &one), 0);
    const int bound = genre_default_threads(), resolved = genre__resolve_threads(0);
    ck_assert_int_eq(sched_setaffinity(0, sizeof old, &old), 0);
    ck_assert_int_eq(bound, 1);
    ck_assert_int_eq(resolved, 1);
    ck_assert_int_eq(genre_default_threads(), CPU_COUNT(&old) < GENRE__MAX_THREADS
                                                  ? CPU_COUNT(&old)
                                                  : GENRE__MAX_THREADS);
}
END_TEST

START_TEST(resolve_threads_errors)
{
    genre_clear_error();
    ck_assert_int_eq(genre__resolve_threads(-1), GENRE_E_INVALID_ARG);
    ck_assert_int_eq(genre_last_status(), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "n_threads"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "-1"));
    ck_assert_int_eq(genre__resolve_threads(INT64_MIN), GENRE_E_INVALID_ARG);
}
END_TEST

/* ---- Persistent teams ---------------------------------------------------- */

struct team_ctx {
    int size;
    long job;
    atomic_int calls[GENRE__MAX_THREADS];
    long seen[GENRE__MAX_THREADS]; /* last job each worker ran */
    double partial[GENRE__MAX_THREADS];
    const double *x;
    size_t n;
    atomic_int bad;
};

static void team_body(void *p, int worker)
{
    struct team_ctx *c = p;
    if (worker < 0 || worker >= c->size) {
        atomic_fetch_add(&c->bad, 1);
        return;
    }
    atomic_fetch_add(&c->calls[worker], 1);
    if (c->seen[worker] != c->job - 1)
        atomic_fetch_add(&c->bad, 1); /* skipped or repeated a job */
    c->seen[worker] = c->job;
    size_t b = c->n * (size_t)worker / (size_t)c->size;
    size_t e = c->n * (size_t)(worker + 1) / (size_t)c->size;
    double s = 0.0;
    for (size_t i = b; i < e; i++)
        s += c->x[i];
    c->partial[worker] = s;
}

/* Runs `jobs` jobs on a team of `threads`; returns the last sum (worker order). */
static double team_jobs(int threads, long jobs, const double *x, size_t n)
{
    genre__team *team = NULL;
    ck_assert_int_eq(genre__team_new(threads, &team), GENRE_OK);
    ck_assert_ptr_nonnull(team);
    struct team_ctx *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    c->size = genre__team_size(team);
    ck_assert_int_eq(c->size, threads < 1 ? 1 : threads);
    c->x = x;
    c->n = n;
    for (int w = 0; w < c->size; w++)
        c->seen[w] = 0;
    double s = 0.0;
    for (long j = 1; j <= jobs; j++) {
        c->job = j;
        genre__team_run(team, c->size, team_body, c);
        /* after run returns, every worker's result is visible */
        for (int w = 0; w < c->size; w++)
            ck_assert_int_eq(c->seen[w], j);
        s = 0.0;
        for (int w = 0; w < c->size; w++)
            s += c->partial[w];
    }
    for (int w = 0; w < c->size; w++)
        ck_assert_int_eq(atomic_load(&c->calls[w]), jobs);
    ck_assert_int_eq(atomic_load(&c->bad), 0);
    free(c);
    genre__team_free(team);
    return s;
}

START_TEST(team_runs_every_worker_every_job)
{
    enum { N = 10007 };
    double *x = malloc(N * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < N; i++)
        x[i] = (double)(i % 17) * ((i % 3) ? 1e-7 : 1e7);
    for (int threads = 0; threads <= 5; threads++) {
        double first = team_jobs(threads, 2000, x, N);
        ck_assert(team_jobs(threads, 50, x, N) == first);
    }
    /* many short jobs on more threads than cores (descheduled workers) */
    team_jobs(8, 3000, x, 64);
    /* more or fewer chunks than members; none */
    genre__team *team = NULL;
    ck_assert_int_eq(genre__team_new(2, &team), GENRE_OK);
    struct team_ctx *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    c->x = x;
    c->n = N;
    for (int chunks = 1; chunks <= 9; chunks++) {
        c->size = chunks;
        for (int w = 0; w < chunks; w++)
            c->seen[w] = 0;
        for (long j = 1; j <= 100; j++) {
            c->job = j;
            genre__team_run(team, chunks, team_body, c);
        }
        for (int w = 0; w < chunks; w++)
            ck_assert_int_eq(c->seen[w], 100);
    }
    genre__team_run(team, 0, team_body, c); /* nothing */
    ck_assert_int_eq(atomic_load(&c->bad), 0);
    free(c);
    genre__team_free(team);
    free(x);
}
END_TEST

START_TEST(team_slow_jobs_block_and_wake)
{
    /* jobs spaced beyond the spin: the workers block and must be woken */
    enum { N = 1000 };
    double x[N];
    for (size_t i = 0; i < N; i++)
        x[i] = 1.0;
    genre__team *team = NULL;
    ck_assert_int_eq(genre__team_new(3, &team), GENRE_OK);
    struct team_ctx *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    c->size = 3;
    c->x = x;
    c->n = N;
    for (long j = 1; j <= 5; j++) {
        c->job = j;
        struct timespec ts = {0, 20000000L};
        nanosleep(&ts, NULL);
        genre__team_run(team, c->size, team_body, c);
        ck_assert(c->partial[0] + c->partial[1] + c->partial[2] == (double)N);
    }
    ck_assert_int_eq(atomic_load(&c->bad), 0);
    free(c);
    genre__team_free(team);
    genre__team_free(NULL);
}
END_TEST

#ifdef GENRE_TESTING
START_TEST(team_spawn_failure_runs_inline)
{
    enum { N = 5000 };
    double *x = malloc(N * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < N; i++)
        x[i] = (double)(i % 29) * ((i % 2) ? 1e-9 : 1e9);
    double want = team_jobs(4, 10, x, N);
    genre__parallel_fail_spawns(-1);
    double all = team_jobs(4, 10, x, N);
    genre__parallel_fail_spawns(2);
    double two = team_jobs(4, 10, x, N);
    genre__parallel_fail_spawns(0);
    ck_assert(all == want);
    ck_assert(two == want);
    free(x);
}
END_TEST

/* A pool that cannot create threads (emptied first, so creation is
 * needed) runs every chunk on its callers: the same bits, concurrent and
 * nested callers included; once creation works again it grows. */
START_TEST(pool_without_threads_runs_inline)
{
    enum { N = 100003 };
    double *x = malloc(N * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < N; i++)
        x[i] = (double)(i % 2001) * ((i % 3) ? 1e-8 : 1e8) - 1e3;
    double want[6];
    for (int t = 1; t < 6; t++)
        want[t] = parallel_sum(x, N, t);
    ck_assert_int_ge(genre__pool_reset(), 0);
    genre__parallel_fail_spawns(-1);
    for (int t = 1; t < 6; t++)
        ck_assert(parallel_sum(x, N, t) == want[t]);
    concurrent_callers();
    genre__parallel_fail_spawns(1); /* the first creation fails, the next ones work */
    for (int t = 1; t < 6; t++)
        ck_assert(parallel_sum(x, N, t) == want[t]);
    genre__parallel_fail_spawns(0);
    ck_assert_int_ge(genre__pool_reset(), 1); /* it grew again */
    free(x);
}
END_TEST

static genre_status team_scenario(void *ctx)
{
    (void)ctx;
    genre__team *team = NULL;
    int st = genre__team_new(2, &team);
    if (st != GENRE_OK)
        return team == NULL ? (genre_status)st : GENRE_E_BAD_STATE;
    genre__team_free(team);
    return GENRE_OK;
}

START_TEST(team_alloc_failures)
{
    ck_assert_int_ge(genre_test_alloc_walk(team_scenario, NULL), 1);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("core_parallel");
    TCase *tc = tcase_create("parallel");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_item_once);
    tcase_add_test(tc, partition_of_huge_ranges);
    tcase_add_test(tc, reduction_is_reproducible);
    tcase_add_test(tc, spawn_failure_still_visits_everything);
    tcase_add_test(tc, resolve_threads_values);
    tcase_add_test(tc, resolve_threads_errors);
    tcase_add_test(tc, default_threads_follow_affinity);
    tcase_add_test(tc, team_runs_every_worker_every_job);
    tcase_add_test(tc, team_slow_jobs_block_and_wake);
    tcase_add_test(tc, pool_serves_concurrent_and_nested_callers);
    tcase_add_test(tc, serial_chunks_are_the_parallel_ones);
    tcase_add_test(tc, pool_survives_fork);
#ifdef GENRE_TESTING
    tcase_add_test(tc, pool_without_threads_runs_inline);
    tcase_add_test(tc, team_spawn_failure_runs_inline);
    tcase_add_test(tc, team_alloc_failures);
#endif
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
