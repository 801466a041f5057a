/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * No libgenre call reaches OpenBLAS's thread server (docs/out-of-memory.md).
 *
 * OpenBLAS 0.3.21 stops its thread pool before every fork() and starts it
 * again on the next threaded call; when pthread_create fails then, it
 * prints, raise(SIGINT)s and exit(1)s. This program runs OpenBLAS on two
 * threads (openblas_set_num_threads, whatever the machine), forks, and in
 * the child makes every pthread_create fail (it defines pthread_create
 * itself: OpenBLAS's calls bind to it) before fitting PCA and LDA on wide
 * data and running the level-1 and level-2 wrappers on long vectors. The
 * child must finish with every status OK and without a single
 * pthread_create attempt. A control child makes one threaded OpenBLAS call
 * directly in the same situation and must die of it, so the setup is known
 * to reproduce the failure (the wide fits died the same way while PCA and
 * LDA used GSL's eigensolver, whose dsymv OpenBLAS threads).
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "harness.h"
#include "linalg.h"

#include <cblas.h>

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static atomic_int fail_threads, thread_attempts;

typedef int create_fn(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
                   void *arg)
{
    if (atomic_load(&fail_threads)) {
        atomic_fetch_add(&thread_attempts, 1);
        return EAGAIN;
    }
    create_fn *real = (create_fn *)(uintptr_t)dlsym(RTLD_NEXT, "pthread_create");
    return real ? real(thread, attr, start, arg) : ENOSYS;
}

#define N 800
#define D 220
#define NV 60000 /* long vectors: 6 x OpenBLAS's level-1 threshold */

static double X[N * D], OUT[N * D], V1[NV], V2[NV];
static int32_t Y[N];

static void make_data(void)
{
    uint64_t s = 12345;
    for (size_t i = 0; i < N; i++) {
        Y[i] = (int32_t)(i % 4);
        for (size_t j = 0; j < D; j++) {
            s = s * 6364136223846793005u + 1442695040888963407u;
            X[i * D + j] = (double)(s >> 11) / 9007199254740992.0 +
                           0.2 * (double)(Y[i] == (int32_t)(j % 4));
        }
    }
    for (size_t i = 0; i < NV; i++) {
        V1[i] = (double)(i % 97) / 97.0;
        V2[i] = (double)(i % 89) / 89.0 - 0.5;
    }
}

/* The child's work; returns its exit status (0: everything OK). */
static int wide_work(void)
{
    genre_pca *p = NULL;
    genre_lda *l = NULL;
    int bad = 0;
    bad |= genre_pca_create(&p) != GENRE_OK;
    bad |= genre_pca_fit(p, X, N, D, D) != GENRE_OK;
    bad |= genre_pca_transform(p, X, N, D, D, OUT, N * D, NULL) != GENRE_OK;
    genre_pca_free(p);
    bad |= genre_lda_create(&l) != GENRE_OK;
    bad |= genre_lda_fit(l, X, N, D, D, Y) != GENRE_OK;
    bad |= genre_lda_transform(l, X, N, D, D, OUT, N * 3, NULL) != GENRE_OK;
    genre_lda_free(l);
    volatile double dot = genre__dot(NV, V1, V2);
    (void)dot;
    genre__axpy(NV, 0.5, V1, V2);
    /* A^T x and A x with A = X (800 x 220, 176,000 elements) */
    bad |= genre__gemv(GENRE__TRANS, 1.0, X, N, D, D, V1, N, 0.0, OUT, D) != GENRE_OK;
    bad |= genre__gemv(GENRE__NO_TRANS, 1.0, X, N, D, D, V1, D, 0.0, OUT, N) != GENRE_OK;
    if (bad)
        fprintf(stderr, "a call failed: %s\n", genre_last_error());
    if (atomic_load(&thread_attempts) != 0)
        fprintf(stderr, "%d pthread_create attempt(s)\n", atomic_load(&thread_attempts));
    return bad ? 2 : atomic_load(&thread_attempts) != 0 ? 3 : 0;
}

/* What a threaded OpenBLAS call does in the same child. */
static int control_work(void)
{
    volatile double dot = cblas_ddot(NV, V1, 1, V2, 1); /* above 10,000: threaded */
    (void)dot;
    return 0;
}

/* Forks, fails pthread_create in the child, runs work there; returns the
 * wait status, the child's stderr in err. */
static int run_child(int (*work)(void), char *err, size_t cap)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fflush(stderr);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* a host without a SIGINT handler (Check's kills the process group) */
        signal(SIGINT, SIG_DFL);
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        atomic_store(&fail_threads, 1);
        _exit(work());
    }
    close(fds[1]);
    size_t got = 0;
    ssize_t r;
    while (got + 1 < cap && (r = read(fds[0], err + got, cap - 1 - got)) > 0)
        got += (size_t)r;
    err[got] = '\0';
    close(fds[0]);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

START_TEST(control_a_threaded_call_ends_the_child)
{
    char err[4096];
    const int status = run_child(control_work, err, sizeof err);
    ck_assert_msg((WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) ||
                      (WIFEXITED(status) && WEXITSTATUS(status) != 0),
                  "the control child survived a threaded ddot (status 0x%x): the setup does "
                  "not reproduce OpenBLAS's pool restart",
                  status);
    ck_assert_msg(strstr(err, "pthread_create failed") != NULL, "control stderr: %s", err);
}
END_TEST

START_TEST(wide_fits_after_fork_never_start_blas_threads)
{
    char err[4096];
    const int status = run_child(wide_work, err, sizeof err);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "the child %s %d; its stderr: %s",
                  WIFSIGNALED(status) ? "died of signal" : "exited with",
                  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), err);
    ck_assert_str_eq(err, "");
}
END_TEST

int main(void)
{
    openblas_set_num_threads(2); /* threaded calls even on one core */
    make_data();
    Suite *s = suite_create("core_blas_fork");
    TCase *tc = tcase_create("blas_fork");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, control_a_threaded_call_ends_the_child);
    tcase_add_test(tc, wide_fits_after_fork_never_start_blas_threads);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
