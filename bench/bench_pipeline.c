/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-bench-pipeline: wall time of the whole reference analysis
 * (genre-analysis on the real data, report included) without and with the
 * four t-SNE runs. Goals (issue 8): under 10 s without t-SNE, under 3
 * minutes with it, on the 2-core machine. Prints
 *   BENCH pipeline_no_tsne_s <s> s
 *   BENCH pipeline_with_tsne_s <s> s
 * Usage: genre-bench-pipeline [--no-tsne-only]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#ifndef GENRE_BENCH_ANALYSIS
#define GENRE_BENCH_ANALYSIS "genre-analysis"
#endif

static double run(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s -o /tmp/genre-bench-pipeline-report >/dev/null",
             GENRE_BENCH_ANALYSIS, args);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int st = system(cmd);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "genre-bench-pipeline: '%s' failed\n", cmd);
        exit(1);
    }
    return (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
}

int main(int argc, char **argv)
{
    double t = run("--no-tsne");
    printf("BENCH pipeline_no_tsne_s %.2f s\n", t);
    fflush(stdout);
    if (argc > 1 && !strcmp(argv[1], "--no-tsne-only"))
        return 0;
    t = run("");
    printf("BENCH pipeline_with_tsne_s %.2f s\n", t);
    if (system("rm -rf /tmp/genre-bench-pipeline-report") != 0)
        return 1;
    return 0;
}
