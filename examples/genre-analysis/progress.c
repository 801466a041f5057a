/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Progress bars, messages and the Ctrl-C flag of genre-analysis (progress.h). */
#define _XOPEN_SOURCE 700

#include "progress.h"

#include <genre/genre.h>

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t g_cancel;
int g_quiet;

void on_sigint(int sig)
{
    (void)sig;
    g_cancel = 1;
}

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Stages may run side by side (k-means beside the MLPs), so every write to
 * stderr goes through one lock, and on a terminal the running bars share
 * one line. */
#define MAX_BARS 4
static pthread_mutex_t g_out = PTHREAD_MUTEX_INITIALIZER;
static bar *g_bars[MAX_BARS];

static int n_active_bars(void)
{
    int n = 0;
    for (int i = 0; i < MAX_BARS; i++)
        n += g_bars[i] != NULL;
    return n;
}

/* Redraws the terminal line of the running bars (g_out held). */
static void bars_redraw(void)
{
    int n = n_active_bars();
    if (n == 0)
        return;
    fputs("\r\x1b[K", stderr);
    for (int i = 0; i < MAX_BARS; i++) {
        bar *b = g_bars[i];
        if (!b || !b->tty)
            continue;
        int pct = (int)(b->frac * 100);
        if (n == 1) {
            char cells[31];
            int fill = (int)(b->frac * 30);
            for (int c = 0; c < 30; c++)
                cells[c] = c < fill ? '#' : '.';
            cells[30] = 0;
            fprintf(stderr, "  %-26s [%s] %3d%% %6.1fs", b->label, cells, pct,
                    now_s() - b->t0);
        } else {
            fprintf(stderr, "  %s %3d%% %5.1fs", b->label, pct, now_s() - b->t0);
        }
    }
}

void bar_start(bar *b, const char *label)
{
    b->label = label;
    b->tty = isatty(STDERR_FILENO);
    b->last = -1;
    b->active = 1;
    b->t0 = now_s();
    b->frac = 0;
    b->done = b->total = b->sweep_step = b->sweep_n = 0;
    pthread_mutex_lock(&g_out);
    for (int i = 0; i < MAX_BARS; i++)
        if (!g_bars[i]) {
            g_bars[i] = b;
            break;
        }
    pthread_mutex_unlock(&g_out);
}

/* frac is clamped to [0, 1] and never goes back. */
void bar_show(bar *b, double frac)
{
    if (frac < 0)
        frac = 0;
    if (frac > 1)
        frac = 1;
    pthread_mutex_lock(&g_out);
    if (frac < b->frac)
        frac = b->frac;
    b->frac = frac;
    int pct = (int)(frac * 100);
    if (b->tty) {
        if (pct != b->last)
            bars_redraw();
    } else {
        int q = pct / 25;
        if (b->last < 0 || q != b->last / 25)
            fprintf(stderr, "  %s: %d%% (%.1fs)\n", b->label, q * 25, now_s() - b->t0);
    }
    b->last = pct;
    pthread_mutex_unlock(&g_out);
}

void bar_end(bar *b, const char *result)
{
    pthread_mutex_lock(&g_out);
    if (b->active) {
        for (int i = 0; i < MAX_BARS; i++)
            if (g_bars[i] == b)
                g_bars[i] = NULL;
        if (b->tty)
            fprintf(stderr, "\r\x1b[K  %-26s %-40s %6.1fs\n", b->label, result,
                    now_s() - b->t0);
        else
            fprintf(stderr, "  %s: %s (%.1fs)\n", b->label, result, now_s() - b->t0);
        b->active = 0;
        if (b->tty)
            bars_redraw();
    }
    pthread_mutex_unlock(&g_out);
}

/* One message line on stderr, not torn by a running bar. */
void say(const char *fmt, ...)
{
    if (g_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&g_out);
    if (n_active_bars() && isatty(STDERR_FILENO))
        fputs("\r\x1b[K", stderr);
    vfprintf(stderr, fmt, ap);
    if (isatty(STDERR_FILENO))
        bars_redraw();
    pthread_mutex_unlock(&g_out);
    va_end(ap);
}

int32_t progress_simple(void *ud, int32_t phase, int64_t step, int64_t total,
                        double objective)
{
    (void)phase, (void)objective;
    bar *b = ud;
    if (total > 0)
        bar_show(b, (double)step / (double)total);
    return g_cancel ? 1 : 0;
}

int32_t progress_tsne(void *ud, int32_t phase, int64_t step, int64_t total,
                      double objective)
{
    (void)objective;
    bar *b = ud;
    if (phase == GENRE_TSNE_PHASE_OPTIMIZE && total > 0)
        bar_show(b, 0.05 + 0.95 * (double)step / (double)total);
    else
        bar_show(b, 0.05);
    return g_cancel ? 1 : 0;
}

/* A sweep fits every k, then scores all of them in one silhouette pass; on
 * the reference data the fits take about a third of the sweep's time. */
int32_t progress_kmeans(void *ud, int32_t phase, int64_t step, int64_t total,
                        double objective)
{
    (void)objective;
    bar *b = ud;
    if (phase == GENRE_KMEANS_PHASE_SWEEP && total > 0)
        bar_show(b, (1.0 / 3.0) * (double)step / (double)total);
    else if (phase == GENRE_KMEANS_PHASE_SILHOUETTE && total > 0)
        bar_show(b, 1.0 / 3.0 + (2.0 / 3.0) * (double)step / (double)total);
    return g_cancel ? 1 : 0;
}

/* MLP fits run on several threads; they share one bar counting epochs. */
int32_t progress_shared(void *ud, int32_t phase, int64_t step, int64_t total,
                        double objective)
{
    (void)phase, (void)step, (void)total, (void)objective;
    bar *b = ud;
    pthread_mutex_lock(&b->lock);
    b->done++;
    if (b->total > 0)
        bar_show(b, (double)b->done / (double)b->total);
    pthread_mutex_unlock(&b->lock);
    return g_cancel ? 1 : 0;
}
