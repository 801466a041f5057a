/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-analysis on small tables: a complete report whose notes say what
 * was lowered or skipped, or one up-front error naming the limit and no
 * report; never a partial report from a stage that fails on a size the
 * program could have checked. Registered as analysis_small_<mode>:
 *
 *   test_analysis_small tsne <genre-analysis> <work-dir>
 *     150 rows (120 training): perplexity 30 is kept and 50 lowered to 39
 *     (a third of the other rows) and said so in metrics.json, the caption
 *     and the stage note; 30 rows (24 training): 30 and 50 both lowered to
 *     7, fitted once; --tsne-rows 3: the stage is skipped with a note.
 *   test_analysis_small kmeans <genre-analysis> <work-dir>
 *     9 rows of 3 classes (6 training): the sweep runs k = 2..5 (the
 *     silhouette needs k <= rows - 1) and says so.
 *   test_analysis_small sizes <genre-analysis> <work-dir>
 *     2 and 10 classes, 6 to 120 rows, one test row per class: complete
 *     reports; a class with 1 or 2 rows, or (--stream) one the hash split
 *     leaves without test rows: one message naming it, no report.
 *
 * Seconds each: no name study, few t-SNE iterations and MLP epochs.
 */
#define _XOPEN_SOURCE 700

#include "analysis_harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Cheap settings for the stages that are not the point of a run. */
#define QUICK "--no-names --tsne-iter 250 --epochs 20 -j 2"

/* rows of x1,x2,x3,kind: class i % k ("c0", "c1", ...) unless
 * class_rows > 0, then class 0 takes only the first class_rows rows and the
 * others share the rest. */
static void write_table(const char *path, int rows, int k, int class_rows)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (!f)
        return;
    fputs("x1,x2,x3,kind\n", f);
    for (int i = 0; i < rows; i++) {
        int c = i % k;
        if (class_rows > 0)
            c = i < class_rows ? 0 : 1 + (i - class_rows) % (k - 1);
        fprintf(f, "%.4f,%.4f,%.4f,c%d\n", c + 0.9 * sin(i * 1.3), -c + 0.9 * cos(i * 0.7),
                0.5 * c + sin(i * 2.1), c);
    }
    fclose(f);
}

/* Runs the program in a fresh folder dir on a table of rows rows of k
 * classes with opts; the exit status, stderr in dir.err. */
static int run_table(const char *prog, const char *dir, int rows, int k, int class_rows,
                     const char *opts)
{
    char cmd[4000], path[1200], err[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    CHECK(run_program(cmd) == 0, "cannot make %s", dir);
    snprintf(path, sizeof path, "%s/t.csv", dir);
    write_table(path, rows, k, class_rows);
    snprintf(err, sizeof err, "%s.err", dir);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' -i t.csv --label kind -o rep %s", dir, prog,
             opts);
    return run_capture(cmd, err);
}

/* dir/rep/<name>, read whole (free it); NULL when missing. */
static char *report_file(const char *dir, const char *name)
{
    char path[1300];
    snprintf(path, sizeof path, "%s/rep/%s", dir, name);
    return slurp(path, NULL);
}

/* A complete report in dir/rep (not rep.partial). */
static void check_complete(const char *dir, int rc, const char *what)
{
    CHECK(rc == 0, "%s: exit %d, expected 0", what, rc);
    char *j = report_file(dir, "metrics.json");
    CHECK(j && strstr(j, "\"complete\": true"), "%s: no complete report", what);
    CHECK(j && !strstr(j, "\"status\": \"failed\""), "%s: a stage failed", what);
    free(j);
    char path[1300];
    snprintf(path, sizeof path, "%s/rep.partial", dir);
    CHECK(!exists(path), "%s: a partial report was written", what);
}

/* How many times needle occurs in hay. */
static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *t = hay ? strstr(hay, needle) : NULL; t; t = strstr(t + 1, needle))
        n++;
    return n;
}

static int test_tsne(const char *prog, const char *work)
{
    char dir[1100];
    /* 150 rows of 3 classes: 30 test rows, 120 training rows */
    snprintf(dir, sizeof dir, "%.900s/small-tsne-150", work);
    int rc = run_table(prog, dir, 150, 3, 0, QUICK " --no-mlp");
    check_complete(dir, rc, "150 rows");
    char *j = report_file(dir, "metrics.json");
    CHECK(count(j, "\"perplexity\": 39") == 2, "150 rows: not two fits at perplexity 39");
    CHECK(count(j, "\"perplexity\": 30") == 2, "150 rows: not two fits at perplexity 30");
    CHECK(count(j, "\"perplexity_asked\": 50") == 2, "150 rows: perplexity_asked 50 missing");
    CHECK(j && strstr(j, "perplexity 50 lowered to 39: only 120 rows"),
          "150 rows: metrics.json does not say 50 was lowered to 39");
    free(j);
    char *h = report_file(dir, "index.html");
    CHECK(h && strstr(h, "perplexity 39 (50 lowered: only 120 rows)"),
          "150 rows: no plot caption says 50 was lowered");
    CHECK(h && strstr(h, "Note: perplexity 50 lowered to 39: only 120 rows"),
          "150 rows: the t-SNE section has no note");
    free(h);

    /* 30 rows: 24 training rows, 30 and 50 both lowered to 7, fitted once */
    snprintf(dir, sizeof dir, "%.900s/small-tsne-30", work);
    rc = run_table(prog, dir, 30, 3, 0, QUICK " --no-mlp --no-plots");
    check_complete(dir, rc, "30 rows");
    j = report_file(dir, "metrics.json");
    CHECK(count(j, "\"dimensions\": ") == 2, "30 rows: %d fits, expected 2 (one per dimension)",
          count(j, "\"dimensions\": "));
    CHECK(count(j, "\"perplexity\": 7") == 2, "30 rows: not two fits at perplexity 7");
    CHECK(count(j, "\"perplexity_asked\": 50") == 2, "30 rows: perplexity_asked is not 50");
    CHECK(j && strstr(j, "perplexities 30, 50 lowered to 7: only 24 rows") &&
              strstr(j, "fitted once"),
          "30 rows: metrics.json does not say both were lowered and fitted once");
    free(j);

    /* fewer rows than t-SNE needs: skipped with a note, the report complete */
    snprintf(dir, sizeof dir, "%.900s/small-tsne-3", work);
    rc = run_table(prog, dir, 30, 3, 0, QUICK " --no-mlp --no-plots --tsne-rows 3");
    check_complete(dir, rc, "--tsne-rows 3");
    j = report_file(dir, "metrics.json");
    CHECK(j && strstr(j, "t-SNE needs at least 4 rows; 3 to embed"),
          "--tsne-rows 3: the stage's note does not name the limit");
    CHECK(count(j, "\"dimensions\": ") == 0, "--tsne-rows 3: t-SNE fits were reported");
    free(j);
    return 0;
}

static int test_kmeans(const char *prog, const char *work)
{
    char dir[1100];
    /* 9 rows of 3 classes: 6 training rows, 2 discriminants */
    snprintf(dir, sizeof dir, "%.900s/small-kmeans", work);
    int rc = run_table(prog, dir, 9, 3, 0, QUICK " --no-tsne");
    check_complete(dir, rc, "9 rows");
    char *j = report_file(dir, "metrics.json");
    const char *km = j ? strstr(j, "\"lda_2d\"") : NULL;
    CHECK(km != NULL, "9 rows: no k-means sweep on LDA 2-D");
    const char *k = km ? strstr(km, "\"k\": [") : NULL;
    const char *end = k ? strchr(k, ']') : NULL;
    int n = 0;
    for (const char *t = k; t && end && t < end; t++)
        n += *t == ',';
    CHECK(k && end && n == 3, "9 rows: the sweep lists %d k, expected 4 (2..5)", k ? n + 1 : 0);
    CHECK(km && strstr(km, "k = 2..5 only: 6 training rows"), "9 rows: no k_note");
    CHECK(j && strstr(j, "best k") && strstr(j, "k = 2..5 only"),
          "9 rows: the stage's note does not say the sweep was cut");
    free(j);
    char *h = report_file(dir, "index.html");
    CHECK(h && strstr(h, "Exact mean silhouette for k = 2..5"),
          "9 rows: the silhouette plot's caption does not say k = 2..5");
    free(h);
    return 0;
}

static int test_sizes(const char *prog, const char *work)
{
    static const struct {
        int rows, k, class_rows;
        const char *opts;
    } ok[] = {
        {6, 2, 0, ""},      {10, 2, 0, ""}, {20, 2, 0, ""},  {30, 2, 0, ""},
        {60, 2, 0, ""},     {120, 2, 0, ""}, {30, 10, 0, ""}, {60, 10, 0, ""},
        {120, 10, 0, ""},   {50, 10, 0, "--test-fraction 0.2"}, /* 1 test row per class */
        {12, 4, 0, "--test-fraction 0.25"},
    };
    char dir[1100], what[64];
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        snprintf(dir, sizeof dir, "%.900s/small-%d-%d-%zu", work, ok[i].rows, ok[i].k, i);
        snprintf(what, sizeof what, "%d rows, %d classes", ok[i].rows, ok[i].k);
        char opts[256];
        snprintf(opts, sizeof opts, QUICK " --no-plots %s", ok[i].opts);
        int rc = run_table(prog, dir, ok[i].rows, ok[i].k, ok[i].class_rows, opts);
        check_complete(dir, rc, what);
    }
    /* class c0 with 1 and 2 rows: one message naming it, before any report */
    for (int cr = 1; cr <= 2; cr++) {
        snprintf(dir, sizeof dir, "%.900s/small-class-%d", work, cr);
        int rc = run_table(prog, dir, 40, 3, cr, QUICK " --no-plots");
        CHECK(rc == 1, "a class of %d rows: exit %d, expected 1", cr, rc);
        char err[1200], path[1300];
        snprintf(err, sizeof err, "%s.err", dir);
        CHECK(err_has(err, "class 'c0'"), "a class of %d rows: the message does not name it",
              cr);
        CHECK(err_has(err, "two training rows and one test row"),
              "a class of %d rows: the message does not name the limit", cr);
        snprintf(path, sizeof path, "%s/rep", dir);
        CHECK(!exists(path), "a class of %d rows: a report was written", cr);
        snprintf(path, sizeof path, "%s/rep.partial", dir);
        CHECK(!exists(path), "a class of %d rows: a partial report was written", cr);
    }
    /* --stream: its hash split leaves class c0 of 9 rows no test row, known
     * after the first passes and before any result: one message, no report */
    snprintf(dir, sizeof dir, "%.900s/small-stream", work);
    int rc = run_table(prog, dir, 9, 3, 0, "--stream -j 2");
    CHECK(rc == 1, "--stream, a class without test rows: exit %d, expected 1", rc);
    char err[1200], path[1300];
    snprintf(err, sizeof err, "%s.err", dir);
    CHECK(err_has(err, "class 'c0' of the label 'kind' has 3 training and 0 test rows"),
          "--stream: the message does not name the class and its counts");
    snprintf(path, sizeof path, "%s/rep", dir);
    CHECK(!exists(path), "--stream, a class without test rows: a report was written");
    snprintf(path, sizeof path, "%s/rep.partial", dir);
    CHECK(!exists(path), "--stream, a class without test rows: a partial report was written");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: test_analysis_small tsne|kmeans|sizes <genre-analysis> <work>\n");
        return 2;
    }
    if (!strcmp(argv[1], "tsne"))
        test_tsne(argv[2], argv[3]);
    else if (!strcmp(argv[1], "kmeans"))
        test_kmeans(argv[2], argv[3]);
    else if (!strcmp(argv[1], "sizes"))
        test_sizes(argv[2], argv[3]);
    else {
        fprintf(stderr, "test_analysis_small: unknown mode %s\n", argv[1]);
        return 2;
    }
    if (analysis_failures)
        fprintf(stderr, "%d check(s) failed\n", analysis_failures);
    return analysis_failures ? 1 : 0;
}
