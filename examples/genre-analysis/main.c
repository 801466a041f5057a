/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-analysis: the whole reference analysis of ../shared/DESIGN.md on the
 * "Prediction of Music Genre" table, through libgenre's public API only, and
 * a report in genre-report/ (index.html, plots/ as PNG and SVG, metrics.json).
 *
 * Run with no arguments; `genre-analysis --help` lists the options.
 * docs/analysis.md describes the pipeline, the report and the choices made.
 */
/* This file: the flow of one run (which stages run side by side), Ctrl-C,
 * and the report's completion. The other files of the program and what
 * each offers: analysis.h. */
#define _XOPEN_SOURCE 700

#include "analysis.h"
#include "cluster.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* ======================================================================== */
/* The report folder (report_dir.c: what may be written where)              */
/* ======================================================================== */

static int make_tmpdir(run *r)
{
    if (report_dir_open(&r->rd, r->opt.out, r->opt.force, r->error, sizeof r->error))
        return -1;
    snprintf(r->plotdir, sizeof r->plotdir, "%s/plots", r->rd.tmp);
    return 0;
}

/* Writes metrics.json and index.html and moves the report into place: a
 * complete one to -o DIR, a partial one to DIR.partial. where receives the
 * folder. */
static int finish_report(run *r, char *where, size_t cap)
{
    char path[sizeof r->rd.tmp + 32];
    int bad = report_dir_record(&r->rd, "metrics.json") ||
              report_dir_record(&r->rd, "index.html");
    snprintf(path, sizeof path, "%s/metrics.json", r->rd.tmp);
    bad = bad || write_json(r, path);
    snprintf(path, sizeof path, "%s/index.html", r->rd.tmp);
    bad = bad || write_html(r, path);
    if (bad) {
        fprintf(stderr, "genre-analysis: cannot write the report in %s: %s\n", r->rd.tmp,
                strerror(errno));
        report_dir_discard(&r->rd);
        return -1;
    }
    if (report_dir_commit(&r->rd, complete(r), where, cap, r->error, sizeof r->error)) {
        fprintf(stderr, "genre-analysis: %s\n", r->error);
        return -1;
    }
    return 0;
}

static void add_plot_seconds(run *r, double t, double cpu)
{
    pthread_mutex_lock(&g_reg);
    r->plot_seconds += t;
    r->plot_cpu += cpu;
    pthread_mutex_unlock(&g_reg);
}

/* A side thread: the k-means sweeps and their plots, the data and linear
 * plots, or the t-SNE stage. */
typedef struct side {
    run *r;
    stage *s;
    int what;
} side;

enum { SIDE_KMEANS, SIDE_PLOTS, SIDE_TSNE };

static void *side_main(void *arg)
{
    side *a = arg;
    run *r = a->r;
    if (a->what == SIDE_TSNE) {
        stage_tsne_run(r, a->s);
        return NULL;
    }
    if (a->what == SIDE_PLOTS) {
        double t0 = now_s(), c0 = thread_cpu_s();
        plots_data(r);
        plots_linear(r);
        add_plot_seconds(r, now_s() - t0, thread_cpu_s() - c0);
        return NULL;
    }
    stage_kmeans(r, a->s);
    double t0 = now_s(), c0 = thread_cpu_s();
    if (!r->opt.no_plots)
        plots_kmeans(r);
    add_plot_seconds(r, now_s() - t0, thread_cpu_s() - c0);
    return NULL;
}

/* Starts a side thread; without one (pthread_create failed) runs it here.
 * Returns 1 when a thread was started (join it). */
static int side_start(pthread_t *t, side *a)
{
    if (pthread_create(t, NULL, side_main, a) == 0)
        return 1;
    side_main(a);
    return 0;
}

/* Several ranks (genre-analysis-mpi): each reads a byte range, which a
 * gzip stream does not have. 0, or -1 with r->error. */
static int check_ranges(run *r)
{
    unsigned char m[2] = {0, 0};
    FILE *f = cl_size() > 1 ? fopen(r->data_path, "rb") : NULL;
    size_t got = f ? fread(m, 1, 2, f) : 0;
    if (f)
        fclose(f);
    if (got == 2 && m[0] == 0x1f && m[1] == 0x8b) {
        snprintf(r->error, sizeof r->error,
                 "%.600s is gzip-compressed: on %d ranks each rank reads its byte range of a "
                 "plain CSV file (decompress it first, e.g. with gzip -dk, or run one rank)",
                 r->data_path, cl_size());
        return -1;
    }
    return 0;
}

/* The checks before the analysis, agreed over the ranks (genre-analysis-mpi:
 * every rank stops, rank 0 says why). 0, 1 (stop, status 0) or -1. */
static int before_analysis(run *r)
{
    int bad = find_data(r) || check_ranges(r);
    if (cl_agree(bad ? CL_PROGRAM_ERROR : GENRE_OK, r->error, sizeof r->error))
        return -1;
    if (r->opt.print_schema)
        return 1;
    bad = cl_rank() == 0 && make_tmpdir(r); /* rank 0 alone writes */
    return cl_agree(bad ? CL_PROGRAM_ERROR : GENRE_OK, r->error, sizeof r->error) ? -1 : 0;
}

static int analysis_main(int argc, char **argv)
{
    static run R;
    run *r = &R;
    r->t_start = now_s();
    int pr = analysis_parse_options(argc, argv, &r->opt);
    if (pr)
        return pr > 0 ? 0 : 2;
    if (cl_stream_only()) {
        r->opt.stream = 1; /* genre-analysis-mpi runs --stream only */
        if (!r->opt.threads)
            r->opt.threads = 1; /* one thread per rank unless --threads */
    }
    g_quiet = cl_rank() != 0;
    int before = before_analysis(r);
    if (before < 0 && cl_rank() == 0)
        fprintf(stderr, "%s: %s\n", cl_program(), r->error);
    if (before < 0)
        return 1;
    if (before > 0) {
        int rc = cl_rank() == 0 ? table_print_schema(r) : 0;
        free_run(r);
        return rc;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    say("%s: %s\n", cl_program(), r->data_path);

    if (r->opt.stream)
        stage_stream(r); /* everything in passes over the file (stage_stream.c) */
    else if (stage_data(r) == 0 && !stopping(r)) {
        /* The name study needs only the loaded table and runs on one core
         * for most of its time: it starts now, on a thread of its own, and
         * overlaps everything below (names_wait() joins it). It reads text
         * columns: a schema without one has no study. */
        names_start(r); /* it says why when the schema has no text column */
    }
    if (r->ds && stage_linear(r) == 0) {
        models_init(r);
        /* The stages left, on the cores, the longest chain first (the name
         * study, already running, aside): the t-SNE fits need only the PCA
         * scores and start now, on a thread of their own (stage_tsne.c
         * runs as many fits at once as the cores the study leaves free);
         * beside them the k-means sweeps (2-D and 3-D side by side, then
         * their plots) and the data and linear plots each on a thread, the
         * MLPs (then their plots) on this one. Every result depends only on
         * its seed and thread count, never on what runs beside it, so the
         * report is the same whatever the order. The stages are begun here,
         * in the report's order. */
        side a = {r, stage_begin(r, "k-means sweep (LDA 2-D, 3-D)"), SIDE_KMEANS};
        stage *ms = stage_begin(r, "MLP classifiers");
        stage *ps = r->opt.no_plots ? NULL : stage_begin(r, "plots (PNG and SVG)");
        side t = {r, stage_begin(r, "t-SNE"), SIDE_TSNE}, p = {r, NULL, SIDE_PLOTS};
        pthread_t ta, tp, tt;
        int have_t = r->opt.no_tsne ? (side_main(&t), 0) : side_start(&tt, &t);
        int have_a = side_start(&ta, &a);
        int have_p = !r->opt.no_plots && side_start(&tp, &p);
        stage_mlp(r, ms);
        double t0 = now_s(), c0 = thread_cpu_s();
        if (!r->opt.no_plots)
            plots_models(r);
        add_plot_seconds(r, now_s() - t0, thread_cpu_s() - c0);
        if (have_a)
            pthread_join(ta, NULL);
        if (have_p)
            pthread_join(tp, NULL);
        if (have_t)
            pthread_join(tt, NULL);
        if (ps) { /* after t-SNE: its plots are counted whenever it ends */
            ps->seconds = r->plot_seconds;
            ps->cpu = r->plot_cpu;
            stage_note(ps, "%d plots; summed over the threads that drew them, beside the "
                           "other stages", r->n_plots);
        }
    }
    names_wait(r);
    if (r->have_ns && !r->opt.no_plots) {
        double t0 = now_s(), c0 = thread_cpu_s();
        plots_names(r);
        add_plot_seconds(r, now_s() - t0, thread_cpu_s() - c0);
        for (int i = 0; i < r->n_st; i++)
            if (!strcmp(r->st[i].name, "plots (PNG and SVG)")) {
                r->st[i].seconds = r->plot_seconds;
                r->st[i].cpu = r->plot_cpu;
                stage_note(&r->st[i], "%d plots; summed over the threads that drew them, "
                                      "beside the other stages", r->n_plots);
            }
    }
    plots_in_order(r);
    if (g_cancel && !r->cancelled) {
        r->cancelled = 1;
    }
    if (r->failed &&
        ((r->n_st == 1 && r->st[0].status == ST_FAILED) || r->input_error)) {
        /* bad input: one clear message, no report */
        if (cl_rank() == 0) {
            fprintf(stderr, "%s: %s\n", cl_program(), r->error);
            report_dir_discard(&r->rd);
        }
        free_run(r);
        gplot_shutdown();
        return 1;
    }
    if (cl_rank() != 0) { /* rank 0 writes the report */
        free_run(r);
        gplot_shutdown();
        return r->cancelled ? 130 : r->failed ? 1 : 0;
    }
    char where[PATH_MAX + 16];
    int rc = finish_report(r, where, sizeof where);
    for (int i = 0; i < r->n_st; i++)
        if (r->st[i].status != ST_DONE)
            fprintf(stderr, "  stage %s: %s%s%s\n", r->st[i].name, ST_NAME[r->st[i].status],
                    r->st[i].note[0] ? ": " : "", r->st[i].note);
    if (rc == 0) {
        /* where the report is, as an absolute path a browser takes */
        if (complete(r))
            printf("Wrote the report (%.1f s): %s/index.html\n", now_s() - r->t_start, where);
        else
            printf("Wrote a PARTIAL report (%.1f s) beside %s, not replacing it: "
                   "%s/index.html\n",
                   now_s() - r->t_start, r->opt.out, where);
    }
    free_run(r);
    gplot_shutdown();
    if (rc)
        return 1;
    if (r->cancelled)
        return 130;
    return r->failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    char err[256];
    if (cl_init(&argc, &argv, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", cl_program(), err);
        cl_finalize();
        return 1;
    }
    int rc = analysis_main(argc, argv);
    cl_finalize();
    return rc;
}
