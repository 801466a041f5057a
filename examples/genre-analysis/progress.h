/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Progress and cancellation of genre-analysis: the Ctrl-C flag, a monotonic
 * clock, progress bars on stderr (the running ones share one terminal line)
 * and the progress callbacks handed to libgenre's fits.
 *
 * Thread-safety: every function may be called from any thread; all writes
 * to stderr go through one lock.
 */
#ifndef GENRE_ANALYSIS_PROGRESS_H
#define GENRE_ANALYSIS_PROGRESS_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

typedef struct bar {
    const char *label;
    int tty, last, active;
    double t0, frac;
    pthread_mutex_t lock;
    int64_t done, total;          /* for shared (multi-job) progress */
    int64_t sweep_step, sweep_n;  /* k-means sweep */
} bar;

/* Set by SIGINT and SIGTERM (on_sigint, installed by main()); stages and the
 * progress callbacks poll it, and a callback that sees it cancels its fit. */
extern volatile sig_atomic_t g_cancel;

/* Set before any thread starts: say() prints nothing (the ranks of
 * genre-analysis-mpi other than 0). */
extern int g_quiet;

/* The SIGINT/SIGTERM handler: sets g_cancel. */
void on_sigint(int sig);

/* Seconds on the monotonic clock. */
double now_s(void);

/* Starts b (owned by the caller, alive until bar_end) under label (not
 * copied). At most 4 bars run at once; more are drawn only at their end. */
void bar_start(bar *b, const char *label);

/* frac is clamped to [0, 1] and never goes back. */
void bar_show(bar *b, double frac);

/* Ends b with a one-line result (copied to stderr at once). */
void bar_end(bar *b, const char *result);

/* One message line on stderr (printf format), not torn by a running bar. */
void say(const char *fmt, ...);

/* libgenre progress callbacks; ud is a bar. Each returns 1 (cancel) once
 * g_cancel is set. progress_simple: step / total; progress_tsne: the
 * optimisation phase; progress_kmeans: a sweep's fits, then its
 * silhouettes; progress_shared: one bar counting the epochs of several fits
 * (ud's lock, total set by the caller). */
int32_t progress_simple(void *ud, int32_t phase, int64_t step, int64_t total,
                        double objective);
int32_t progress_tsne(void *ud, int32_t phase, int64_t step, int64_t total,
                      double objective);
int32_t progress_kmeans(void *ud, int32_t phase, int64_t step, int64_t total,
                        double objective);
int32_t progress_shared(void *ud, int32_t phase, int64_t step, int64_t total,
                        double objective);

#endif
