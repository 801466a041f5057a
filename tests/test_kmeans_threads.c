/* SPDX-License-Identifier: GPL-3.0-or-later */
/* k-means on the thread pool: restarts spread over threads give the bits of
 * restarts one after the other (with the same callbacks, in the same
 * order), concurrent user threads get what they get alone, and a pool that
 * cannot start threads changes nothing. */
#include "harness.h"

#include <genre/kmeans.h>

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef GENRE_TESTING
#include "parallel.h"
#endif

enum { N = 6000, KMIN = 2, KMAX = 8, NK = KMAX - KMIN + 1, FIT_K = 5 };

/* n x d rows around 6 centers, from a fixed xorshift stream. */
static double *rows(size_t n, size_t d, uint64_t s)
{
    double *x = malloc(n * d * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        const int c = (int)(s % 6);
        for (size_t t = 0; t < d; t++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            x[i * d + t] = (double)((c + (int)t) % 3) * 2.5 + (double)(s >> 11) * 0x1p-53 * 1.7;
        }
    }
    return x;
}

/* What a sweep and a fit produce, to compare bit for bit. */
typedef struct result {
    double inertia[NK];
    double fit_inertia;
    int64_t n_iter, best_restart;
    double centers[FIT_K * 3];
    int32_t labels[N];
    uint64_t progress; /* hash of every progress call */
    long calls;
} result;

static int32_t hash_progress(void *ud, int32_t phase, int64_t step, int64_t total, double obj)
{
    result *r = ud;
    uint64_t v;
    memcpy(&v, &obj, sizeof v);
    r->progress = (r->progress ^ (uint64_t)phase ^ ((uint64_t)step << 8) ^ (uint64_t)total ^ v) *
                  1099511628211ULL;
    r->calls++;
    return 0;
}

static void run(const double *x, size_t d, int threads, int with_progress, int64_t max_iter,
                result *r)
{
    memset(r, 0, sizeof *r);
    genre_kmeans *km;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, threads));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_SEED, 5));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 4));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_MAX_ITER, max_iter));
    if (with_progress)
        ck_assert_ok(genre_kmeans_set_progress(km, hash_progress, r));
    ck_assert_ok(genre_kmeans_sweep(km, x, N, d, d, KMIN, KMAX, r->inertia, NULL, NK, NULL));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, FIT_K));
    ck_assert_ok(genre_kmeans_fit(km, x, N, d, d));
    ck_assert_ok(genre_kmeans_get_f64(km, GENRE_KMEANS_INERTIA, &r->fit_inertia));
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_N_ITER, &r->n_iter));
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_BEST_RESTART, &r->best_restart));
    ck_assert_ok(genre_kmeans_get_centers(km, r->centers, FIT_K * 3, NULL));
    ck_assert_ok(genre_kmeans_get_labels(km, r->labels, N, NULL));
    genre_kmeans_free(km);
}

static void same(const result *a, const result *b, const char *what)
{
    ck_assert_msg(memcmp(a->inertia, b->inertia, sizeof a->inertia) == 0, "%s: inertias", what);
    ck_assert_msg(memcmp(&a->fit_inertia, &b->fit_inertia, sizeof a->fit_inertia) == 0,
                  "%s: fit inertia %.17g vs %.17g", what, a->fit_inertia, b->fit_inertia);
    ck_assert_msg(a->n_iter == b->n_iter && a->best_restart == b->best_restart,
                  "%s: n_iter %lld/%lld, best restart %lld/%lld", what, (long long)a->n_iter,
                  (long long)b->n_iter, (long long)a->best_restart, (long long)b->best_restart);
    ck_assert_msg(memcmp(a->centers, b->centers, sizeof a->centers) == 0, "%s: centers", what);
    ck_assert_msg(memcmp(a->labels, b->labels, sizeof a->labels) == 0, "%s: labels", what);
}

/* With a progress hook and more recorded objectives than the parallel
 * restarts keep (restarts x GENRE_KMEANS_MAX_ITER above 2^20), the restarts
 * run one after the other: the reference the parallel ones must match,
 * progress calls included. */
START_TEST(parallel_restarts_are_the_serial_ones)
{
    for (size_t d = 2; d <= 3; d++) {
        double *x = rows(N, d, 77 + d);
        for (int threads = 2; threads <= 3; threads++) {
            result *serial = malloc(sizeof *serial), *par = malloc(sizeof *par),
                   *par_hook = malloc(sizeof *par_hook);
            ck_assert(serial && par && par_hook);
            run(x, d, threads, 1, 1 << 20, serial);
            run(x, d, threads, 0, 1 << 20, par);
            run(x, d, threads, 1, 300, par_hook); /* every restart converges well before */
            same(serial, par, "no hook");
            same(serial, par_hook, "hook");
            ck_assert_int_gt(serial->calls, 0);
            ck_assert_int_eq(par_hook->calls, serial->calls);
            ck_assert_msg(par_hook->progress == serial->progress, "progress calls differ");
            free(serial), free(par), free(par_hook);
        }
        free(x);
    }
}
END_TEST

typedef struct caller {
    const double *x;
    size_t d;
    int threads;
    result *want, *got;
} caller;

static void *call(void *p)
{
    caller *c = p;
    for (int rep = 0; rep < 3; rep++) {
        run(c->x, c->d, c->threads, 0, 300, c->got);
        if (memcmp(c->got->inertia, c->want->inertia, sizeof c->got->inertia) != 0 ||
            memcmp(c->got->labels, c->want->labels, sizeof c->got->labels) != 0 ||
            memcmp(c->got->centers, c->want->centers, sizeof c->got->centers) != 0)
            return c; /* differs */
    }
    return NULL;
}

/* Two (then three) user threads sweeping at once, each on 2 or 3 threads:
 * each gets the bits it gets alone. */
static void concurrent_sweeps(int n_callers)
{
    double *x[3];
    caller c[3];
    for (int i = 0; i < n_callers; i++) {
        c[i].d = 2 + (size_t)(i % 2);
        x[i] = rows(N, c[i].d, 1000 + (uint64_t)i);
        c[i].x = x[i];
        c[i].threads = 2 + i % 2;
        c[i].want = malloc(sizeof *c[i].want);
        c[i].got = malloc(sizeof *c[i].got);
        ck_assert(c[i].want && c[i].got);
        run(x[i], c[i].d, c[i].threads, 0, 300, c[i].want); /* alone */
    }
    pthread_t th[3];
    for (int i = 0; i < n_callers; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, call, &c[i]), 0);
    for (int i = 0; i < n_callers; i++) {
        void *bad;
        pthread_join(th[i], &bad);
        ck_assert_msg(bad == NULL, "caller %d: results differ from its run alone", i);
    }
    for (int i = 0; i < n_callers; i++) {
        free(x[i]);
        free(c[i].want);
        free(c[i].got);
    }
}

START_TEST(concurrent_user_threads_get_their_own_results)
{
    concurrent_sweeps(2);
    concurrent_sweeps(3);
}
END_TEST

#ifdef GENRE_TESTING
/* An emptied pool that cannot create threads: everything runs on the
 * callers, with the same bits. */
START_TEST(pool_without_threads_gives_the_same_results)
{
    double *x = rows(N, 2, 4242);
    result *want = malloc(sizeof *want), *got = malloc(sizeof *got);
    ck_assert(want && got);
    run(x, 2, 2, 1, 300, want);
    ck_assert_int_ge(genre__pool_reset(), 0);
    genre__parallel_fail_spawns(-1);
    run(x, 2, 2, 1, 300, got);
    same(want, got, "no threads");
    ck_assert(want->progress == got->progress);
    concurrent_sweeps(2);
    genre__parallel_fail_spawns(0);
    free(x), free(want), free(got);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("kmeans_threads");
    TCase *tc = tcase_create("threads");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, parallel_restarts_are_the_serial_ones);
    tcase_add_test(tc, concurrent_user_threads_get_their_own_results);
#ifdef GENRE_TESTING
    tcase_add_test(tc, pool_without_threads_gives_the_same_results);
#endif
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
