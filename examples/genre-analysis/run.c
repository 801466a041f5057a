/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The stage list of a run (stage_begin/note/end/fail) and its plot list's
 * order, whether it is stopping or complete, and freeing its state
 * (analysis.h). */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const ST_NAME[] = {"done", "skipped", "not available", "cancelled",
                               "failed"};

/* The stage list and the plot list are appended to from concurrent stages. */
pthread_mutex_t g_reg = PTHREAD_MUTEX_INITIALIZER;

/* Guards the stages' CPU sums (stage_end() may run under g_reg). */
static pthread_mutex_t g_cpu = PTHREAD_MUTEX_INITIALIZER;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts))
        return 0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double thread_cpu_s(void)
{
    return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

double process_cpu_s(void)
{
    return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

void stage_add_cpu(stage *s, double cpu)
{
    pthread_mutex_lock(&g_cpu);
    s->cpu += cpu;
    pthread_mutex_unlock(&g_cpu);
}

stage *stage_begin(run *r, const char *name)
{
    pthread_mutex_lock(&g_reg);
    stage *s = &r->st[r->n_st++];
    pthread_mutex_unlock(&g_reg);
    s->name = name;
    s->status = ST_DONE;
    s->seconds = now_s();
    s->cpu = 0;
    s->owner = pthread_self();
    s->cpu0 = thread_cpu_s();
    s->note[0] = 0;
    return s;
}

void stage_end(stage *s, int status)
{
    s->status = status;
    s->seconds = now_s() - s->seconds;
    double c = thread_cpu_s();
    stage_add_cpu(s, pthread_equal(s->owner, pthread_self()) ? c - s->cpu0 : c);
}

void stage_note(stage *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->note, sizeof s->note, fmt, ap);
    va_end(ap);
}

/* A libgenre failure: cancelled, or failed with the library's message. */
int stage_fail(run *r, stage *s, genre_status st, const char *what)
{
    pthread_mutex_lock(&g_reg);
    if (st == GENRE_E_CANCELLED || g_cancel) {
        r->cancelled = 1;
        stage_note(s, "cancelled by Ctrl-C");
        stage_end(s, ST_CANCELLED);
    } else {
        r->failed = 1;
        stage_note(s, "%s: %s", what, genre_last_error());
        snprintf(r->error, sizeof r->error, "%s: %s", what, genre_last_error());
        stage_end(s, ST_FAILED);
    }
    pthread_mutex_unlock(&g_reg);
    return -1;
}

/* The report's sections in the order of the plot list; a section's plots
 * are drawn by one thread, in order. */
static int section_rank(const char *section)
{
    static const char *const order[] = {"features", "reduction", "kmeans",
                                        "models",   "tsne",      "names"};
    for (int i = 0; i < (int)(sizeof order / sizeof *order); i++)
        if (!strcmp(section, order[i]))
            return i;
    return (int)(sizeof order / sizeof *order);
}

void plots_in_order(run *r)
{
    pthread_mutex_lock(&g_reg);
    for (int i = 1; i < r->n_plots; i++) /* insertion sort: stable */
        for (int j = i; j > 0 && section_rank(r->plots[j - 1].section) >
                                     section_rank(r->plots[j].section);
             j--) {
            plotref t = r->plots[j];
            r->plots[j] = r->plots[j - 1];
            r->plots[j - 1] = t;
        }
    pthread_mutex_unlock(&g_reg);
}

int stopping(const run *r)
{
    return r->cancelled || r->failed || g_cancel;
}

int complete(const run *r)
{
    return !r->cancelled && !r->failed;
}

void *xcalloc(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

int km_count(const run *r)
{
    return r->km_kmax >= KMIN && r->km_kmax < KMAX ? r->km_kmax - KMIN + 1 : NKS;
}

void free_run(run *r)
{
    free(r->xtr), free(r->xte), free(r->ytr), free(r->yte), free(r->str), free(r->ste);
    free(r->pca_tr), free(r->lda_tr), free(r->lda_te), free(r->lda_clf_proba);
    free(r->km_labels[0]), free(r->km_labels[1]), free(r->km_comp[0]), free(r->km_comp[1]);
    for (int k = 0; k < MAX_MODELS; k++) {
        free(r->m[k].hist_train), free(r->m[k].hist_val), free(r->m[k].hist_test);
        free(r->m[k].proba_test), free(r->m[k].per_class);
    }
    free(r->scaler_mean), free(r->scaler_scale), free(r->pca_ratio), free(r->pca_loadings);
    free(r->lda_ratio), free(r->lda_scalings), free(r->lda_mask);
    for (int k = 0; r->genre && k < r->K; k++)
        free(r->genre[k]);
    free(r->genre), free(r->genre_ptr), free(r->train_per_class), free(r->test_per_class);
    for (size_t j = 0; r->feat && j < r->d; j++)
        free(r->feat[j]);
    free(r->feat), free(r->scale_mask), free(r->pca_mask), free(r->fsrc);
    for (int i = 0; i < r->n_warnings; i++)
        free(r->warnings[i]);
    free(r->warnings);
    free(r->schema_text);
    stream_free(r);
    if (!r->ns_abandoned) { /* else still in use by the study's thread */
        genre_dataset_free(r->ds);
        genre_dataset_schema_free(r->schema);
        free(r->ns);
        free(r->ns_src);
        for (size_t i = 0; i < r->n_cols; i++)
            free(r->cols[i].name), free(r->cols[i].markers);
        free(r->cols);
    }
}
