/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The task pool of the MLP stage: one job is one MLP fit (run_mlp_job in
 * pool.c); run_pool() runs the queued jobs on a few threads, and a job's
 * on_done callback may queue more. Private to genre-analysis.
 */
#ifndef GENRE_ANALYSIS_POOL_H
#define GENRE_ANALYSIS_POOL_H

#include "analysis.h"

typedef struct mlp_job {
    run *r;
    model_result *m;
    const double *xf, *xv, *xt;  /* fit, validation, test rows (n_in columns); the test
                                  * rows are the fit's monitor: their loss per epoch is
                                  * the plotted curve */
    const int32_t *yf, *yv, *yt;
    size_t nf, nv, nt;
    double lr;
    int64_t epochs;
    genre_mlp *out;
    genre_status st;
    char err[512];
    double seconds;
    bar *bar;
} mlp_job;

/* A small job pool whose finished jobs may queue new ones (on_done). */
typedef struct pool {
    mlp_job *jobs;
    size_t n, next, running;
    pthread_mutex_t lock;
    pthread_cond_t cv;
    void (*on_done)(struct pool *p, size_t i); /* called with lock held */
    void *ud;
    double cpu;  /* set by run_pool: CPU seconds of the workers it started */
} pool;

/* Runs p's jobs on `threads` workers (0: the online cores), never more
 * than max_jobs of them (the calling thread is one), until no job is queued
 * or running. The caller sets jobs, n (jobs queued so far) and on_done;
 * on_done is called with p->lock held after each job and may queue more
 * (p->jobs[p->n++], within the array's room). A job reports its own failure
 * in st and err. */
void run_pool(pool *p, int threads, size_t max_jobs);

#endif
