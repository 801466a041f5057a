/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The t-SNE stage: 2-D and 3-D embeddings of the PCA scores at each
 * perplexity asked for, with their plots (stage_tsne()); the neighbours are
 * searched once, the affinities computed once per perplexity, then the fits
 * run as jobs side by side, the longest first, as many at once as there
 * are cores the name study leaves free. */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The fewest rows genre_tsne embeds. */
#define TSNE_MIN_ROWS 4

/* The affinities at perplexity b for the fits of t (configured for it),
 * into aff[b]: every perplexity takes its neighbours from the largest
 * one's (aff[top], computed once), and the 2-D and 3-D fits share them
 * (genre_tsne_affinity_derive: the same embeddings, bit for bit). */
static genre_status affinity_for(run *r, genre_tsne *t, size_t n, const double *perp,
                                 genre_tsne_affinity **aff, int b, int top)
{
    genre_status st = GENRE_OK;
    if (!aff[top]) {
        genre_tsne *base = NULL;
        if (!genre_tsne_create(&base) &&
            !genre_tsne_set_f64(base, GENRE_TSNE_PERPLEXITY, perp[top]) &&
            !genre_tsne_set_i64(base, GENRE_TSNE_SEED, (int64_t)r->opt.seed) &&
            !genre_tsne_set_i64(base, GENRE_TSNE_N_THREADS, r->opt.threads))
            genre_tsne_affinity_create(&aff[top], base, r->pca_tr, n, r->n_pc, r->n_pc);
        genre_tsne_free(base);
    }
    if (b != top && aff[top])
        st = genre_tsne_affinity_derive(&aff[b], t, aff[top]);
    /* no usable source (the largest perplexity too large for the rows, or
     * its neighbours every row): computed alone, failing as a fit would */
    if (!aff[b])
        st = genre_tsne_affinity_create(&aff[b], t, r->pca_tr, n, r->n_pc, r->n_pc);
    return st;
}

/* One fit of the stage: configured on the stage's thread in the report's
 * order, run by whichever worker takes it. */
typedef struct tsne_fit {
    int dim, b;           /* components; index of its perplexity */
    genre_tsne *t;
    char label[64];
    bar br;
    double *emb;          /* n x dim */
    double seconds, kl;
    int64_t iters;
    genre_status st;
    char err[512];
    int ok;
    int random_init; /* PCA initialisation needs at least dim input columns */
} tsne_fit;

typedef struct tsne_jobs {
    run *r;
    size_t n;
    const double *perp; /* the perplexities fitted (tsne_plan()) */
    const genre_tsne_affinity *const *aff;
    tsne_fit *f;
    int nf, order[MAX_TSNE], next, running, stop, cores;
    double cpu;           /* the spawned workers' CPU seconds */
    pthread_mutex_t lock;
    pthread_cond_t cv;
} tsne_jobs;

/* Fits allowed at once: every core the name study does not hold (it runs
 * on one thread while it lasts), at least one. Each fit keeps the thread
 * count of --threads, so its embedding is the same bits whatever runs
 * beside it; only how many run at once changes. */
static int fits_allowed(const tsne_jobs *q)
{
    const run *r = q->r;
    int free_cores = q->cores - (r->ns_started && !r->ns_done ? 1 : 0);
    return free_cores > 1 ? free_cores : 1;
}

static void run_fit(tsne_jobs *q, tsne_fit *f)
{
    run *r = q->r;
    bar_start(&f->br, f->label);
    double t0 = now_s();
    f->st = genre_tsne_fit_embed_affinity(f->t, q->aff[f->b], r->pca_tr, q->n, r->n_pc,
                                          r->n_pc, f->emb, q->n * (size_t)f->dim, NULL);
    f->seconds = now_s() - t0;
    if (f->st) {
        snprintf(f->err, sizeof f->err, "%s", genre_last_error());
        bar_end(&f->br, "stopped");
        return;
    }
    genre_tsne_get_f64(f->t, GENRE_TSNE_KL_DIVERGENCE, &f->kl);
    genre_tsne_get_i64(f->t, GENRE_TSNE_N_ITER, &f->iters);
    f->ok = 1;
    char res[64];
    snprintf(res, sizeof res, "KL %.3f", f->kl);
    bar_end(&f->br, res);
}

/* Takes the next fit (longest first) while the cores allow one more; a
 * fit that fails stops the others from starting. The name study ending
 * frees a core: waiting workers look again every 50 ms. */
static void *fit_worker(void *arg)
{
    tsne_jobs *q = arg;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (!q->stop && q->next < q->nf && q->running >= fits_allowed(q) &&
               !stopping(q->r)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 50 * 1000 * 1000;
            if (ts.tv_nsec >= 1000000000L)
                ts.tv_sec++, ts.tv_nsec -= 1000000000L;
            pthread_cond_timedwait(&q->cv, &q->lock, &ts);
        }
        if (q->stop || q->next >= q->nf || stopping(q->r))
            break;
        tsne_fit *f = &q->f[q->order[q->next++]];
        q->running++;
        pthread_mutex_unlock(&q->lock);
        run_fit(q, f);
        pthread_mutex_lock(&q->lock);
        q->running--;
        if (f->st)
            q->stop = 1;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

static void *fit_thread(void *arg)
{
    tsne_jobs *q = arg;
    fit_worker(q);
    double c = thread_cpu_s(); /* a thread of its own: all of it is the stage's */
    pthread_mutex_lock(&q->lock);
    q->cpu += c;
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

/* Runs the configured fits on up to `cores` workers, the calling thread
 * one of them. */
static void run_fits(tsne_jobs *q)
{
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cv, NULL);
    /* longest first: 3-D before 2-D, then the larger perplexity (more
     * neighbours); ties keep the report's order */
    for (int i = 0; i < q->nf; i++)
        q->order[i] = i;
    for (int i = 1; i < q->nf; i++)
        for (int j = i; j > 0; j--) {
            const tsne_fit *a = &q->f[q->order[j - 1]], *b = &q->f[q->order[j]];
            double pa = q->perp[a->b], pb = q->perp[b->b];
            if (a->dim > b->dim || (a->dim == b->dim && pa >= pb))
                break;
            int t = q->order[j];
            q->order[j] = q->order[j - 1];
            q->order[j - 1] = t;
        }
    int nw = q->cores < q->nf ? q->cores : q->nf;
    pthread_t th[MAX_TSNE];
    int started = 0;
    for (int i = 1; i < nw; i++)
        if (pthread_create(&th[started], NULL, fit_thread, q) == 0)
            started++;
    fit_worker(q);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->lock);
}

static void plot_fit(run *r, const tsne_fit *f, size_t n, double perp, double asked)
{
    char base[64], cap[200], low[64] = "";
    if (asked > 0)
        snprintf(low, sizeof low, " (%g lowered: only %zu rows)", asked, n);
    snprintf(base, sizeof base, "tsne_%dd_p%g", f->dim, perp);
    if (r->is_ref)
        snprintf(cap, sizeof cap,
                 "t-SNE %d-D, perplexity %g%s, of %zu training rows (PCA scores of "
                 "the 12 standardized features without key), coloured by genre",
                 f->dim, perp, low, n);
    else
        snprintf(cap, sizeof cap,
                 "t-SNE %d-D, perplexity %g%s, of %zu training rows (%zu PCA "
                 "scores%s), coloured by class",
                 f->dim, perp, low, n, r->n_pc,
                 f->random_init ? "; random start: PCA start needs as many columns as "
                                  "dimensions" : "");
    const double *emb = f->emb;
    gplot *p = gplot_create(f->dim == 2 ? GPLOT_XY : GPLOT_SCATTER3, f->label, "t-SNE 1",
                            "t-SNE 2");
    if (p && !gplot_set_classes(p, r->genre_ptr, (size_t)r->K) &&
        !gplot_points(p, emb, emb + 1, f->dim == 3 ? emb + 2 : NULL, (size_t)f->dim, r->ytr,
                      n, PLOT_POINTS, 1.5)) {
        if (f->dim == 3)
            gplot_set_view(p, 35, 25, "t-SNE 3");
        plot_save(r, p, base, "tsne", cap, 900, 700);
    }
    gplot_free(p);
}

/* The perplexities to fit on n rows: each of --perplexity above a third of
 * the other rows lowered to (n - 1) / 3, and those equal after lowering
 * fitted once, in the order given. The library takes any perplexity up to
 * n - 1, but a row's affinities then spread evenly over every other row and
 * the embedding shows nothing (a 47-row fit at 46 ended at KL 1.6e-11, a
 * dot); with 3 x perplexity neighbours to a row, the usual rule, the local
 * structure t-SNE is for is kept. perp[i] is fitted for asked[i] (0: as
 * given; the largest when several were lowered to it). Writes what was
 * lowered to r->tsne_note; returns the count. */
static int tsne_plan(run *r, size_t n, double *perp, double *asked)
{
    int np = 0;
    double limit = floor((double)(n - 1) / 3);
    char lowered[128] = "";
    size_t len = 0;
    int n_low = 0;
    for (int b = 0; b < r->opt.n_perplexity; b++) {
        double want = r->opt.perplexity[b], p = want > limit ? limit : want;
        if (want > limit && len < sizeof lowered)
            len += (size_t)snprintf(lowered + len, sizeof lowered - len, "%s%g",
                                    n_low++ ? ", " : "", want);
        int seen = -1;
        for (int i = 0; i < np && seen < 0; i++)
            seen = perp[i] == p ? i : -1;
        if (seen >= 0) { /* fitted once, for the largest asked */
            if (want > limit && want > asked[seen])
                asked[seen] = want;
            continue;
        }
        perp[np] = p;
        asked[np++] = want > limit ? want : 0;
    }
    r->tsne_note[0] = 0;
    if (n_low)
        snprintf(r->tsne_note, sizeof r->tsne_note,
                 "perplexit%s %s lowered to %g: only %zu rows (a perplexity is kept to "
                 "a third of the other rows)%s",
                 n_low > 1 ? "ies" : "y", lowered, limit, n,
                 n_low > 1 || np < r->opt.n_perplexity ? "; fitted once" : "");
    return np;
}

int stage_tsne(run *r)
{
    return stage_tsne_run(r, stage_begin(r, "t-SNE"));
}

int stage_tsne_run(run *r, stage *s)
{
    if (r->opt.no_tsne || !r->have_pca) {
        stage_note(s, r->opt.no_tsne ? "--no-tsne" : "no PCA scores to embed");
        stage_end(s, ST_SKIPPED);
        return 0;
    }
    if (stopping(r)) {
        if (g_cancel)
            return stage_fail(r, s, GENRE_E_CANCELLED, "t-SNE");
        stage_note(s, "not run: another stage failed");
        stage_end(s, ST_SKIPPED);
        return 0;
    }
    size_t n = r->ntr;
    if (r->opt.tsne_rows > 0 && (size_t)r->opt.tsne_rows < n)
        n = (size_t)r->opt.tsne_rows;
    if (n < TSNE_MIN_ROWS) { /* the library's limit */
        stage_note(s, "t-SNE needs at least %d rows; %zu to embed", TSNE_MIN_ROWS, n);
        stage_end(s, ST_SKIPPED);
        return 0;
    }
    double perp[sizeof r->opt.perplexity / sizeof r->opt.perplexity[0]];
    double asked[sizeof perp / sizeof perp[0]];
    int np = tsne_plan(r, n, perp, asked);
    /* the first n training rows: a random subsample, since the split shuffled them */
    genre_status st = GENRE_OK;
    genre_tsne_affinity *aff[sizeof r->opt.perplexity / sizeof r->opt.perplexity[0]] = {0};
    tsne_fit f[MAX_TSNE];
    memset(f, 0, sizeof f);
    int nf = 0, top = 0;
    for (int b = 1; b < np; b++)
        if (perp[b] > perp[top])
            top = b;
    /* 1. every fit configured, and the affinities computed, in the report's
     *    order on this thread (the neighbour search on --threads threads) */
    bar ab;
    bar_start(&ab, "t-SNE neighbours and affinities");
    for (int a = 0; a < r->opt.n_dims && !st && !stopping(r) && nf < MAX_TSNE; a++)
        for (int b = 0; b < np && !stopping(r) && nf < MAX_TSNE; b++) {
            tsne_fit *x = &f[nf++];
            x->dim = r->opt.dims[a];
            x->b = b;
            snprintf(x->label, sizeof x->label, "t-SNE %d-D perplexity %g", x->dim, perp[b]);
            x->random_init = (size_t)x->dim > r->n_pc;
            x->emb = xcalloc(n * (size_t)x->dim, sizeof *x->emb);
            if (!x->emb) {
                st = GENRE_E_NOMEM;
                genre_set_error(st, "no memory for a t-SNE embedding");
                break;
            }
            if ((st = genre_tsne_create(&x->t)) ||
                (st = genre_tsne_set_f64(x->t, GENRE_TSNE_PERPLEXITY, perp[b])) ||
                (st = genre_tsne_set_i64(x->t, GENRE_TSNE_N_COMPONENTS, x->dim)) ||
                (st = genre_tsne_set_i64(x->t, GENRE_TSNE_MAX_ITER, r->opt.tsne_iter)) ||
                (st = genre_tsne_set_f64(x->t, GENRE_TSNE_THETA, r->opt.tsne_theta)) ||
                (st = genre_tsne_set_i64(x->t, GENRE_TSNE_SEED, (int64_t)r->opt.seed)) ||
                (st = genre_tsne_set_i64(x->t, GENRE_TSNE_N_THREADS, r->opt.threads)) ||
                /* every report computes the KL divergence (a log per
                 * affinity); the bar moves in steps of 5 % either way */
                (st = genre_tsne_set_i64(x->t, GENRE_TSNE_REPORT_EVERY,
                                         r->opt.tsne_iter >= 20 ? r->opt.tsne_iter / 20 : 1)) ||
                (x->random_init &&
                 (st = genre_tsne_set_i64(x->t, GENRE_TSNE_INIT, GENRE_TSNE_INIT_RANDOM))) ||
                (st = genre_tsne_set_progress(x->t, progress_tsne, &x->br)) ||
                (!aff[b] && (st = affinity_for(r, x->t, n, perp, aff, b, top))))
                break;
        }
    bar_end(&ab, st || stopping(r) ? "stopped" : "done");
    /* 2. the fits, side by side */
    tsne_jobs q = {.r = r, .n = n, .perp = perp,
                   .aff = (const genre_tsne_affinity *const *)aff, .f = f, .nf = nf};
    q.cores = r->opt.threads > 0 ? r->opt.threads : (int)genre_default_threads();
    if (q.cores < 1)
        q.cores = 1;
    if (!st && !stopping(r)) {
        run_fits(&q);
        stage_add_cpu(s, q.cpu);
        /* the first failure in the report's order is the stage's */
        for (int i = 0; i < nf && !st; i++)
            if (f[i].st) {
                st = f[i].st;
                genre_set_error(st, f[i].err);
            }
    }
    /* 3. the results and plots in the report's order */
    for (int i = 0; i < nf; i++) {
        if (!f[i].ok)
            continue;
        int k = r->n_tsne++;
        r->tsne[k].dim = f[i].dim;
        r->tsne[k].perplexity = perp[f[i].b];
        r->tsne[k].asked = asked[f[i].b];
        r->tsne[k].rows = (int64_t)n;
        r->tsne[k].seconds = f[i].seconds;
        r->tsne[k].kl = f[i].kl;
        r->tsne[k].iters = f[i].iters;
        r->tsne[k].random_init = f[i].random_init;
        r->tsne[k].ok = 1;
        if (!r->opt.no_plots)
            plot_fit(r, &f[i], n, perp[f[i].b], asked[f[i].b]);
    }
    for (int i = 0; i < nf; i++)
        genre_tsne_free(f[i].t), free(f[i].emb);
    for (int b = 0; b < np; b++)
        genre_tsne_affinity_free(aff[b]);
    if (st)
        return stage_fail(r, s, st, "t-SNE");
    if (g_cancel)
        return stage_fail(r, s, GENRE_E_CANCELLED, "t-SNE");
    stage_note(s, "%d embeddings of %zu rows%s%s", r->n_tsne, n, r->tsne_note[0] ? "; " : "",
               r->tsne_note);
    stage_end(s, ST_DONE);
    return 0;
}
