/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-bench-pipeline: wall time of the whole reference analysis
 * (genre-analysis on the real data, plots and report included). Figures:
 *   pipeline_no_tsne_names_s  steps 1-5 without t-SNE and without the name
 *                        study (--no-tsne --no-names), median of --runs runs;
 *                        goal: 6 s on the 2-core machine
 *   pipeline_names_s     the name study stage's own wall time (step 6, full
 *                        settings), from one --no-tsne run with it, where it
 *                        runs beside k-means, the MLPs and the plots
 *   pipeline_no_tsne_s   that run's whole wall time (genre-analysis --no-tsne)
 *   pipeline_full_s      (--full) steps 1-5 with the four t-SNE runs (2-D/3-D
 *                        x perplexity 30/50 on all 45,000 training rows), no
 *                        name study (--no-names); goal: under 3 minutes
 *   pipeline_all_s       (--full) the program with no arguments: everything,
 *                        the name study beside t-SNE
 * For each run it prints the per-stage wall and CPU seconds the program wrote
 * to its metrics.json (stages overlap: the name study, t-SNE, k-means, the
 * MLPs and the plots run side by side), and the run's wall and CPU seconds
 * (user + system of the program, every thread). A stage's CPU is that of
 * the program's threads that ran it; libgenre's own loop threads (k-means,
 * silhouettes, t-SNE, the neighbour search on --threads threads) count only
 * in the run's total, so the total exceeds the sum of the stages.
 * Usage: genre-bench-pipeline [--full] [--runs N] [--no-names-run]
 *        (from the repository root; --no-names-run skips the run with names)
 * No peer (no other program does the whole analysis); bench_kmeans,
 * bench_mlp and bench_tsne compare the stages one by one.
 */
#include "bench_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#ifndef GENRE_BENCH_ANALYSIS
#define GENRE_BENCH_ANALYSIS "genre-analysis"
#endif
#define OUT "/tmp/genre-bench-pipeline-report"

/* Prints "  <tag> stage <name>  <wall> s  <cpu> s cpu  <status>" for every
 * stage of the report, then the program's own totals. */
static void print_stages(const char *tag)
{
    FILE *f = fopen(OUT "/metrics.json", "r");
    if (!f) {
        fprintf(stderr, "genre-bench-pipeline: no metrics.json\n");
        return;
    }
    static char buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strstr(buf, "\"stages\": [");
    const char *end = p ? strchr(p, ']') : NULL;
    while (p && end && (p = strstr(p, "\"name\": \"")) && p < end) {
        p += 9;
        const char *q = strchr(p, '"');
        const char *sec = q ? strstr(q, "\"seconds\": ") : NULL;
        const char *stt = q ? strstr(q, "\"status\": \"") : NULL;
        const char *cpu = q ? strstr(q, "\"cpu_seconds\": ") : NULL;
        const char *next = q ? strstr(q, "\"name\": \"") : NULL;
        if (!q || !sec || sec > end)
            break;
        char status[32] = "";
        if (stt && stt < sec)
            sscanf(stt + 11, "%31[^\"]", status);
        double c = cpu && cpu < end && (!next || cpu < next) ? strtod(cpu + 15, NULL) : -1;
        printf("  %s stage %-34.*s %7.2f s wall %7.2f s cpu  %s\n", tag, (int)(q - p), p,
               strtod(sec + 11, NULL), c, status);
        p = sec;
    }
    const char *tot = strstr(buf, "\"total_seconds\": ");
    const char *tcpu = strstr(buf, "\"total_cpu_seconds\": ");
    if (tot)
        printf("  %s total (as the program measured it) %.2f s wall", tag,
               strtod(tot + 17, NULL));
    if (tot && tcpu)
        printf(", %.2f s cpu (every thread)", strtod(tcpu + 21, NULL));
    if (tot)
        printf("\n");
}

/* The wall time of the first stage whose name starts with `prefix`, or -1. */
static double stage_seconds(const char *prefix)
{
    FILE *f = fopen(OUT "/metrics.json", "r");
    if (!f)
        return -1;
    static char buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char pat[256];
    snprintf(pat, sizeof pat, "\"name\": \"%s", prefix);
    const char *p = strstr(buf, pat);
    const char *sec = p ? strstr(p, "\"seconds\": ") : NULL;
    return sec ? strtod(sec + 11, NULL) : -1;
}

/* User + system seconds of the children waited for so far. */
static double children_cpu(void)
{
    struct rusage u;
    if (getrusage(RUSAGE_CHILDREN, &u))
        return 0;
    return (double)u.ru_utime.tv_sec + 1e-6 * (double)u.ru_utime.tv_usec +
           (double)u.ru_stime.tv_sec + 1e-6 * (double)u.ru_stime.tv_usec;
}

static double run(const char *args, const char *tag)
{
    char cmd[4096], load[128];
    snprintf(cmd, sizeof cmd, "'%s' %s -o " OUT " >/dev/null 2>/dev/null",
             GENRE_BENCH_ANALYSIS, args);
    genre_bench_loadavg(load, sizeof load);
    double c = children_cpu();
    double a = genre_bench_now();
    int st = system(cmd);
    double b = genre_bench_now();
    printf("  %s run: %.2f s wall, %.2f s cpu (user + system), load before: %s\n", tag, b - a,
           children_cpu() - c, load);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "genre-bench-pipeline: '%s' failed\n", cmd);
        exit(1);
    }
    print_stages(tag);
    return b - a;
}

int main(int argc, char **argv)
{
    int full = 0, runs = 3, names = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--full"))
            full = 1;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-names-run"))
            names = 0;
        else if (!strcmp(argv[i], "--no-tsne-only"))
            full = 0; /* the old spelling; the default now */
        else {
            fprintf(stderr, "usage: genre-bench-pipeline [--full] [--runs N] [--no-names-run]\n");
            return 2;
        }
    }
    if (runs < 1)
        runs = 1;
    /* without t-SNE: the median of `runs` runs (the machine is shared) */
    double t[16];
    if (runs > 16)
        runs = 16;
    for (int i = 0; i < runs; i++) {
        t[i] = run("--no-tsne --no-names", "no-tsne");
        printf("pipeline without t-SNE, run %d: %.2f s\n", i + 1, t[i]);
        fflush(stdout);
    }
    genre_bench_sort(t, (size_t)runs);
    double med = t[runs / 2];
    double tn = -1, ns = -1, tf = -1, ta = -1;
    if (names) {
        tn = run("--no-tsne", "names");
        ns = stage_seconds("name study");
        printf("pipeline without t-SNE, with the name study: %.2f s (the study %.2f s)\n", tn,
               ns);
        fflush(stdout);
    }
    if (full) {
        tf = run("--no-names", "full");
        printf("pipeline with t-SNE, without the name study: %.2f s\n", tf);
        fflush(stdout);
        ta = run("", "all");
        printf("pipeline with everything (no arguments): %.2f s\n", ta);
    } else {
        printf("(the runs with the four t-SNE embeddings: genre-bench-pipeline --full)\n");
    }
    if (names) {
        printf("BENCH pipeline_names_s %.2f s\n", ns);
        printf("BENCH pipeline_no_tsne_s %.2f s\n", tn);
    }
    if (full) {
        printf("BENCH pipeline_full_s %.2f s\n", tf);
        printf("BENCH pipeline_all_s %.2f s\n", ta);
    }
    printf("BENCH pipeline_no_tsne_names_s %.2f s\n", med);
    if (system("rm -rf " OUT) != 0)
        return 1;
    return 0;
}
