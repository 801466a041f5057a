/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MLP stage's task pool (pool.h): one MLP fit per job, run on a few
 * threads; finished jobs may queue new ones. */
#define _XOPEN_SOURCE 700

#include "pool.h"

#include <genre/version.h>

#include <stdio.h>
#include <unistd.h>

static void run_mlp_job(mlp_job *j)
{
    model_result *m = j->m;
    genre_mlp *mlp = NULL;
    size_t d = (size_t)m->n_in;
    double t0 = now_s();
    genre_status st;
    if ((st = genre_mlp_create(&mlp)) ||
        (st = genre_mlp_set_hidden_layers(mlp, m->hidden, (size_t)m->n_hidden)) ||
        (st = genre_mlp_set_f64(mlp, GENRE_MLP_LEARNING_RATE, j->lr)) ||
        (st = genre_mlp_set_i64(mlp, GENRE_MLP_EPOCHS, j->epochs)) ||
        (st = genre_mlp_set_i64(mlp, GENRE_MLP_BATCH_SIZE, 256)) ||
        (st = genre_mlp_set_i64(mlp, GENRE_MLP_N_CLASSES, j->r->K)) ||
        (st = genre_mlp_set_i64(mlp, GENRE_MLP_SEED, (int64_t)j->r->opt.seed)) ||
        /* the pool already runs fits side by side (and beside k-means):
         * one thread per fit uses the cores best */
        (st = genre_mlp_set_i64(mlp, GENRE_MLP_N_THREADS, 1)) ||
        (st = genre_mlp_set_i64(mlp, GENRE_MLP_PATIENCE, 30)) ||
        /* the test loss per epoch, watched only: no second fit for the curve */
        (j->xt && (st = genre_mlp_set_monitor(mlp, j->xt, j->nt, d, d, j->yt))) ||
        (st = genre_mlp_set_progress(mlp, progress_shared, j->bar)))
        goto out;
    st = genre_mlp_fit(mlp, j->xf, j->nf, d, d, j->yf, j->xv, j->nv, d, j->yv);
out:
    j->seconds = now_s() - t0;
    j->st = st;
    if (st) {
        snprintf(j->err, sizeof j->err, "%s", genre_last_error());
        genre_mlp_free(mlp);
        mlp = NULL;
    }
    j->out = mlp;
}

static void *pool_worker(void *arg)
{
    pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->next >= p->n && p->running > 0)
            pthread_cond_wait(&p->cv, &p->lock);
        if (p->next >= p->n)
            break; /* nothing queued, nothing running: no job can appear */
        size_t i = p->next++;
        p->running++;
        pthread_mutex_unlock(&p->lock);
        run_mlp_job(&p->jobs[i]);
        pthread_mutex_lock(&p->lock);
        p->running--;
        if (p->on_done)
            p->on_done(p, i);
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* A worker started by run_pool: its whole CPU time is the pool's. */
static void *pool_thread(void *arg)
{
    pool *p = arg;
    pool_worker(p);
    double c = thread_cpu_s();
    pthread_mutex_lock(&p->lock);
    p->cpu += c;
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

void run_pool(pool *p, int threads, size_t max_jobs)
{
    p->cpu = 0;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cv, NULL);
    int nt = threads > 0 ? threads : (int)genre_default_threads(); /* the affinity mask */
    if (nt < 1)
        nt = 1;
    if ((size_t)nt > max_jobs)
        nt = (int)max_jobs;
    pthread_t th[64];
    int started = 0;
    for (int i = 1; i < nt && i < 64; i++)
        if (pthread_create(&th[started], NULL, pool_thread, p) == 0)
            started++;
    pool_worker(p);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->lock);
}
