/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Integration tests of genre-analysis (examples/genre-analysis/) on the real
 * data, registered as analysis_* with the label `data`.
 *
 *   test_analysis report <genre-analysis> <source-dir> <work-dir>
 *     runs the program without t-SNE on the frozen split
 *     (tests/fixtures/real_split.csv.gz, tempo by training median, as the
 *     fixture) and checks metrics.json: exact counts, 500 test rows per genre,
 *     the LDA ratios against tests/fixtures/linear_reference.txt, each MLP's
 *     test macro AUROC within 0.005 of PyTorch on the same split
 *     (docs/mlp.md), and that every file index.html references exists and is
 *     a valid PNG or SVG.
 *   test_analysis names <genre-analysis> <source-dir> <work-dir>
 *     runs --no-tsne --no-kmeans --no-mlp --names-quick and checks metrics.json's
 *     name_study object (both splits, no shared artist on the artist-disjoint
 *     one, AUROCs in (0.5, 1], each difference inside its interval) and the
 *     Name features section with its plot.
 *   test_analysis tsne <genre-analysis> <source-dir> <work-dir>
 *     runs only t-SNE (2-D and 3-D, perplexity 30 and 20) on 1,500 training
 *     rows, its fits side by side, and checks its plots, that the results
 *     and plots are listed in the report's order (dimension, then
 *     perplexity as given), not in the order the fits finished, and each
 *     stage's CPU seconds and the run's.
 *   test_analysis schema <genre-analysis> <source-dir> <work-dir>
 *     --schema examples/music_genre.schema reads the same table as the
 *     built-in schema; broken schema files give exit status 1 and one
 *     message naming the line and the token, and no report.
 *   test_analysis installed <cmake> <build-dir> <work-dir>
 *     installs the build into a prefix under <work-dir> (cmake --install),
 *     runs the installed genre-analysis from another folder with no --input
 *     and checks that it read the installed data set and wrote its report
 *     there.
 *   test_analysis quoted <source-dir>
 *     the minimal example is quoted verbatim in the README and docs/analysis.md.
 *
 * The report-folder modes (outdir_*) are in test_analysis_outdir.c, those of
 * the user's inputs (split_*, generic_*) in test_analysis_inputs.c; the
 * helpers they share in analysis_harness.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "analysis_harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_fixture_lda(const char *src, double *ratio)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/linear_reference.txt", src);
    char *t = slurp(path, NULL);
    if (!t)
        return -1;
    char *p = strstr(t, "@ lda_svd_explained_variance_ratio 1 9\n");
    int n = 0;
    if (p) {
        p = strchr(p, '\n') + 1;
        for (; n < 9; n++)
            ratio[n] = strtod(p, &p);
    }
    free(t);
    return n == 9 ? 0 : -1;
}

/* Runs genre-analysis with opts on the real data into out = <work>/<name>
 * (removed first) and checks that it exits with 0. */
static void run_report(const char *prog, const char *src, const char *work, const char *name,
                       const char *opts, char *out, size_t cap)
{
    char cmd[20000];
    snprintf(out, cap, "%.900s/%s", work, name);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' %s -o '%s' -i '%s/data/music_genre.csv.gz'",
             out, prog, opts, out, src);
    int rc = run_program(cmd);
    CHECK(rc == 0, "genre-analysis exited with %d", rc);
}

/* The report's metrics.json (free it), or NULL, checked. */
static char *read_metrics(const char *out)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/metrics.json", out);
    char *j = slurp(path, NULL);
    CHECK(j != NULL, "%s missing", path);
    return j;
}

static int test_report(const char *prog, const char *src, const char *work)
{
    char opts[2000], out[1024];
    snprintf(opts, sizeof opts,
             "--no-tsne --no-names --tempo-median --split-file "
             "'%.900s/tests/fixtures/real_split.csv.gz'",
             src);
    run_report(prog, src, work, "report", opts, out, sizeof out);
    char path[4200];
    char *j = read_metrics(out);
    if (!j)
        return 1;
    CHECK(strstr(j, "\"complete\": true") != NULL, "report not complete");
    CHECK(num_after(j, "rows_read") == 50005, "rows_read %g", num_after(j, "rows_read"));
    CHECK(num_after(j, "blank_rows") == 5, "blank_rows");
    CHECK(num_after(j, "rows_dropped") == 5, "rows_dropped");
    CHECK(num_after(j, "rows_kept") == 50000, "rows_kept");
    CHECK(num_after(j, "duration_missing") == 4939, "duration_missing");
    CHECK(num_after(j, "tempo_missing") == 4980, "tempo_missing");
    CHECK(num_after(j, "rows_without_artist") == 2489, "rows_without_artist");
    CHECK(num_after(j, "train_rows") == 45000, "train_rows");
    CHECK(num_after(j, "test_rows") == 5000, "test_rows");
    const char *g = strstr(j, "\"test_rows_per_genre\"");
    const char *genres[] = {"Electronic", "Anime", "Jazz", "Alternative", "Country",
                            "Rap", "Blues", "Rock", "Classical", "Hip-Hop"};
    for (int k = 0; k < 10; k++)
        CHECK(num_after(g, genres[k]) == 500, "test rows of %s: %g", genres[k],
              num_after(g, genres[k]));
    /* tempo imputed on the 4,980 rows where it is missing, on both sides */
    const char *imp = strstr(j, "\"imputation\"");
    const char *te = imp ? strstr(imp, "\"test\"") : NULL;
    CHECK(num_after(imp, "tempo_imputed") + num_after(te, "tempo_imputed") == 4980,
          "tempo imputed");
    /* LDA ratios against the scikit-learn fixture of the same split */
    double ref[9];
    CHECK(read_fixture_lda(src, ref) == 0, "fixture LDA ratios unreadable");
    const char *l = strstr(j, "\"lda\"");
    l = l ? strstr(l, "[") : NULL;
    for (int k = 0; l && k < 9; k++) {
        char *e;
        double v = strtod(l + 1, &e);
        CHECK(fabs(v - ref[k]) < 1e-6, "LDA ratio %d: %.9f vs fixture %.9f", k, v, ref[k]);
        l = strchr(e, k < 8 ? ',' : ']');
        if (!l)
            break;
    }
    /* MLPs vs PyTorch on the same split: the "bar" lines of
     * tests/fixtures/mlp_reference.txt (tests/fixtures/make_mlp_fixtures.py) */
    const char *names[] = {"all 13 features", "LDA 3-D", "LDA 2-D"};
    const char *bars[] = {"\nbar 13 ", "\nbar lda3 ", "\nbar lda2 "};
    snprintf(path, sizeof path, "%s/tests/fixtures/mlp_reference.txt", src);
    char *fx = slurp(path, NULL);
    CHECK(fx != NULL, "%s missing", path);
    for (int k = 0; fx && k < 3; k++) {
        const char *bl = strstr(fx, bars[k]);
        double torch = bl ? strtod(bl + strlen(bars[k]), NULL) : NAN;
        CHECK(torch > 0.8 && torch < 1, "PyTorch figure of %s not in the fixture", names[k]);
        char pat[96];
        snprintf(pat, sizeof pat, "\"name\": \"%s\"", names[k]);
        const char *m = strstr(j, pat);
        double a = num_after(m, "test_macro_auroc");
        CHECK(fabs(a - torch) <= 0.005, "%s: test macro AUROC %.4f vs PyTorch %.4f",
              names[k], a, torch);
        fprintf(stderr, "%s: test macro AUROC %.4f (PyTorch %.4f)\n", names[k], a, torch);
    }
    free(fx);
    int refs = check_html(out);
    CHECK(refs >= 40, "index.html references only %d files", refs);
    free(j);
    return 0;
}

/* The per-stage CPU seconds of metrics.json: every stage has them, none
 * negative, t-SNE's above 0 (its fits ran on the program's threads), and
 * the run's total (every thread) at least their sum. */
static void check_cpu(const char *j)
{
    const char *st = strstr(j, "\"stages\": [");
    const char *end = st ? strchr(st, ']') : NULL;
    double sum = 0;
    int n = 0;
    for (const char *p = st; p && end && (p = strstr(p, "\"name\": \"")) && p < end; p++) {
        double c = num_after(p, "cpu_seconds");
        CHECK(c >= 0, "stage %.40s: cpu_seconds %g", p + 9, c);
        if (!strncmp(p + 9, "t-SNE", 5))
            CHECK(c > 0, "t-SNE cpu_seconds %g", c);
        sum += c >= 0 ? c : 0;
        n++;
    }
    CHECK(n >= 5, "%d stages", n);
    double total = num_after(j, "total_cpu_seconds");
    CHECK(total >= sum - 0.05, "total_cpu_seconds %g below the stages' sum %g", total, sum);
}

static int test_tsne(const char *prog, const char *src, const char *work)
{
    char out[1024];
    /* 20 after 30: the order given, not the sorted one; --threads 2 runs
     * two fits at once */
    run_report(prog, src, work, "report-tsne",
               "--no-kmeans --no-mlp --no-names --tsne-rows 1500 --tsne-iter 300 "
               "--perplexity 30,20 --tsne-dims 2,3 --threads 2",
               out, sizeof out);
    const char *files[] = {"plots/tsne_2d_p30.png", "plots/tsne_2d_p30.svg",
                           "plots/tsne_3d_p30.png", "plots/tsne_3d_p30.svg",
                           "plots/tsne_2d_p20.png", "plots/tsne_3d_p20.svg", "metrics.json"};
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++)
        check_file(out, files[k]);
    check_html(out);
    char *j = read_metrics(out);
    if (!j)
        return 1;
    /* the fits in the report's order: 2-D p30, 2-D p20, 3-D p30, 3-D p20 */
    const int dims[] = {2, 2, 3, 3};
    const double perp[] = {30, 20, 30, 20};
    const char *t = strstr(j, "\"tsne\": [");
    for (int k = 0; k < 4; k++) {
        t = t ? strstr(t + 1, "{") : NULL;
        CHECK(t && num_after(t, "dimensions") == dims[k] && num_after(t, "perplexity") == perp[k],
              "t-SNE result %d: %g-D perplexity %g, expected %d-D perplexity %g", k,
              num_after(t, "dimensions"), num_after(t, "perplexity"), dims[k], perp[k]);
    }
    const char *plots[] = {"tsne_2d_p30.png", "tsne_2d_p20.png", "tsne_3d_p30.png",
                           "tsne_3d_p20.png"};
    const char *pl = strstr(j, "\"plots\": [");
    for (int k = 0; k < 4; k++) {
        const char *q = pl ? strstr(pl, plots[k]) : NULL;
        CHECK(q != NULL, "plot %s not listed in order", plots[k]);
        pl = q;
    }
    check_cpu(j);
    free(j);
    return 0;
}

/* The name study with its quick settings (the other slow stages skipped):
 * metrics.json's name_study object, the html section and its plot. */
static int test_names(const char *prog, const char *src, const char *work)
{
    char out[1024];
    run_report(prog, src, work, "report-names", "--no-tsne --no-kmeans --no-mlp --names-quick",
               out, sizeof out);
    char path[4200];
    char *j = read_metrics(out);
    if (!j)
        return 1;
    CHECK(strstr(j, "\"complete\": true") != NULL, "report not complete");
    /* the reference table's names do not leak: an empty warnings list */
    CHECK(strstr(j, "\"warnings\": [\n  ]") != NULL, "metrics.json lacks an empty warnings list");
    const char *ns = strstr(j, "\"name_study\"");
    CHECK(ns && strstr(ns, "\"column\": \"artist_name\"") && strstr(ns, "\"column\": \"track_name\""),
          "name_study lacks its text columns");
    CHECK(ns != NULL, "metrics.json has no name_study object");
    const char *sp[2] = {ns ? strstr(ns, "\"random\": {") : NULL,
                         ns ? strstr(ns, "\"group_disjoint\": {") : NULL};
    CHECK(sp[0] && sp[1], "name_study lacks a split");
    CHECK(num_after(ns, "rows") == 50000, "name_study rows %g", num_after(ns, "rows"));
    CHECK(num_after(ns, "empty_names") >= 2489, "empty names %g", num_after(ns, "empty_names"));
    for (int s = 0; s < 2; s++) {
        if (!sp[s])
            continue;
        const char *names[2] = {"random", "artist-disjoint"};
        double shared = num_after(sp[s], "shared_groups");
        double affected = num_after(sp[s], "test_rows_in_train_groups");
        if (s == 1)
            CHECK(shared == 0 && affected == 0, "artist-disjoint split shares %g artists "
                  "(%g test rows)", shared, affected);
        else
            CHECK(shared > 1000 && affected > 4000, "random split shares only %g artists "
                  "(%g test rows)", shared, affected);
        CHECK(num_after(sp[s], "test_rows") == 5000, "%s: test rows %g", names[s],
              num_after(sp[s], "test_rows"));
        const char *m = strstr(sp[s], "\"models\"");
        int n = 0;
        for (const char *p = m ? strstr(m, "\"auroc\": ") : NULL; p && n < 4;
             p = strstr(p + 1, "\"auroc\": "), n++) {
            double a = num_after(p, "auroc");
            CHECK(a > 0.5 && a <= 1, "%s: model %d AUROC %g not in (0.5, 1]", names[s], n, a);
        }
        CHECK(n == 4, "%s: %d models", names[s], n);
        static const char *const dk[2][3] = {
            {"diff_names_audio", "diff_names_audio_lo", "diff_names_audio_hi"},
            {"diff_reduced_audio", "diff_reduced_audio_lo", "diff_reduced_audio_hi"}};
        for (int k = 0; k < 2; k++) {
            double d = num_after(sp[s], dk[k][0]), lo = num_after(sp[s], dk[k][1]),
                   hi = num_after(sp[s], dk[k][2]);
            CHECK(lo <= d && d <= hi && hi - lo < 0.05, "%s: %s %g not in [%g, %g]", names[s],
                  dk[k][0], d, lo, hi);
        }
        double w = num_after(sp[s], "names_weight");
        CHECK(w > 0 && w <= 1, "%s: names weight %g", names[s], w);
    }
    free(j);
    snprintf(path, sizeof path, "%s/index.html", out);
    char *h = slurp(path, NULL);
    CHECK(h && strstr(h, ">Name features</h2>"), "index.html has no Name features section");
    CHECK(h && strstr(h, "plots/names_auroc.png") && strstr(h, "plots/names_auroc.svg"),
          "index.html does not show the name study's plot");
    CHECK(h && strstr(h, "artist-disjoint") && strstr(h, "Reading."),
          "the Name features section lacks the splits or the reading");
    free(h);
    check_file(out, "plots/names_auroc.png");
    check_file(out, "plots/names_auroc.svg");
    check_html(out);
    return 0;
}

/* The rows_read .. test_rows counts of a report's metrics.json. */
static int read_counts(const char *dir, double *c)
{
    static const char *keys[] = {"rows_read",  "rows_dropped", "duration_missing",
                                 "tempo_missing", "train_rows", "test_rows"};
    char path[4200];
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    char *j = slurp(path, NULL);
    if (!j)
        return -1;
    for (int k = 0; k < 6; k++)
        c[k] = num_after(j, keys[k]);
    free(j);
    return 0;
}

static int test_schema(const char *prog, const char *src, const char *work)
{
    char cmd[20000], a[1024], b[1024], f[1024], err[1024];
    snprintf(a, sizeof a, "%.900s/report-schema-file", work);
    snprintf(b, sizeof b, "%.900s/report-schema-builtin", work);
    const char *fast = "--no-tsne --no-kmeans --no-mlp --no-plots --no-names";
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' %s --schema '%s/examples/music_genre.schema' "
             "-i '%s/data/music_genre.csv.gz' -o '%s'", a, prog, fast, src, src, a);
    CHECK(run_program(cmd) == 0, "--schema examples/music_genre.schema failed");
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' %s -i '%s/data/music_genre.csv.gz' -o '%s'",
             b, prog, fast, src, b);
    CHECK(run_program(cmd) == 0, "built-in schema run failed");
    double ca[6], cb[6];
    CHECK(read_counts(a, ca) == 0 && read_counts(b, cb) == 0, "metrics.json missing");
    for (int k = 0; k < 6; k++)
        CHECK(ca[k] == cb[k] && ca[k] > 0, "count %d: schema file %g, built-in %g", k, ca[k],
              cb[k]);
    /* --reference-order: the report shows the counts of both orders */
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' %s --reference-order -i '%s/data/music_genre.csv.gz' -o '%s'",
             b, prog, fast, src, b);
    CHECK(run_program(cmd) == 0, "--reference-order run failed");
    snprintf(f, sizeof f, "%.900s/metrics.json", b);
    char *jr = slurp(f, NULL);
    const char *all = jr ? strstr(jr, "\"all_rows\"") : NULL;
    const char *lf = jr ? strstr(jr, "\"other_order_leak_free\"") : NULL;
    double ref_art = num_after(all, "duration_from_artist_median");
    double lf_art = num_after(lf, "duration_from_artist_median") +
                    num_after(lf ? strstr(lf, "\"test\"") : NULL, "duration_from_artist_median");
    CHECK(all && lf, "--reference-order report lacks one of the two orders' counts");
    CHECK(ref_art == 4449 && lf_art == 4427, "artist-median durations: reference %g, leak-free %g",
          ref_art, lf_art);
    free(jr);
    /* broken files: line, token, exit 1, no report */
    static const struct {
        const char *text, *expect;
    } bad[] = {
        {"popularity numeric\nkey categorial\n", ":2: unknown type 'categorial'"},
        {"# c\n\nmusic_genre label order=Rock,Rock\n", ":3: 'order=Rock,Rock'"},
        {"popularity numeric missing=\"\n", ":1: unterminated quote"},
        {"popularity numeric foo=1\n", ":1: unknown option 'foo'"},
        {"popularity numeric\npopularity numeric\n", ":2: column 'popularity'"},
        {"duration_ms numeric missing-value=x\n", ":1: 'missing-value=x': not a number"},
        {"popularity numeric\n", "the analysis needs a label column"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(f, sizeof f, "%.900s/bad%zu.schema", work, i);
        FILE *o = fopen(f, "w");
        CHECK(o != NULL, "cannot write %s", f);
        if (!o)
            continue;
        fputs(bad[i].text, o);
        fclose(o);
        char out[1100];
        snprintf(out, sizeof out, "%.900s/report-bad", work);
        snprintf(err, sizeof err, "%.900s/bad.err", work);
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' --schema '%s' -i '%s/data/music_genre.csv.gz' -o '%s'",
                 out, prog, f, src, out);
        int rc = run_capture(cmd, err);
        CHECK(rc == 1, "bad schema %zu: exit %d, expected 1", i, rc);
        char *e = slurp(err, NULL);
        CHECK(e && strstr(e, bad[i].expect), "bad schema %zu: message lacks \"%s\": %s", i,
              bad[i].expect, e ? e : "(none)");
        free(e);
        snprintf(out + strlen(out), sizeof out - strlen(out), "/index.html");
        FILE *x = fopen(out, "r");
        CHECK(x == NULL, "bad schema %zu left a report", i);
        if (x)
            fclose(x);
    }
    /* A NUL byte ended its line silently: the vendored file with one after
     * "duration_ms numeric" lost missing-value=-1 and ran (exit 0) with -1
     * durations as numbers. It must be refused, naming the line and byte. */
    snprintf(f, sizeof f, "%.900s/examples/music_genre.schema", src);
    size_t len = 0;
    char *text = slurp(f, &len);
    char *at = text ? strstr(text, "duration_ms         numeric ") : NULL;
    CHECK(at != NULL, "%s lacks the duration_ms line", f);
    if (at) {
        at += strlen("duration_ms         numeric");
        *at = '\0';
        long line = 1;
        const char *start = text;
        for (const char *p = text; p < at; p++)
            if (*p == '\n')
                line++, start = p + 1;
        snprintf(f, sizeof f, "%.900s/nul.schema", work);
        FILE *o = fopen(f, "wb");
        CHECK(o && fwrite(text, 1, len, o) == len, "cannot write %s", f);
        if (o)
            fclose(o);
        char out[1100], want[200];
        snprintf(out, sizeof out, "%.900s/report-nul", work);
        snprintf(err, sizeof err, "%.900s/bad.err", work);
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' %s --schema '%s' -i '%s/data/music_genre.csv.gz' -o '%s'",
                 out, prog, fast, f, src, out);
        int rc = run_capture(cmd, err);
        CHECK(rc == 1, "a schema file with a NUL byte: exit %d, expected 1", rc);
        char *e = slurp(err, NULL);
        snprintf(want, sizeof want, "nul.schema:%ld: byte %ld of the line is a NUL byte", line,
                 (long)(at - start) + 1);
        CHECK(e && strstr(e, want), "a schema file with a NUL byte: message lacks \"%s\": %s",
              want, e ? e : "(none)");
        free(e);
    }
    free(text);
    return 0;
}

static int test_installed(const char *cmake, const char *build, const char *work)
{
    char cmd[20000], prefix[1024], cwd[1024], err[1100];
    snprintf(prefix, sizeof prefix, "%.900s/analysis-prefix", work);
    snprintf(cwd, sizeof cwd, "%.900s/analysis-elsewhere", work);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s' && mkdir -p '%s' && '%s' --install '%s' --prefix '%s' >/dev/null",
             prefix, cwd, cwd, cmake, build, prefix);
    CHECK(run_program(cmd) == 0, "cmake --install failed");
    snprintf(err, sizeof err, "%s/stderr.txt", cwd);
    /* from another folder, no --input: the installed data set is found */
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s/bin/genre-analysis' --no-tsne --no-kmeans --no-mlp --no-names",
             cwd, prefix);
    int rc = run_capture(cmd, err);
    CHECK(rc == 0, "installed genre-analysis exited with %d", rc);
    char *e = slurp(err, NULL), want[1100];
    snprintf(want, sizeof want, "%s/bin/../share/genre/music_genre.csv.gz", prefix);
    CHECK(e && strstr(e, want), "the installed program did not read %s: %s", want,
          e ? e : "(no stderr)");
    free(e);
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/genre-report", cwd);
    double c[6];
    CHECK(read_counts(dir, c) == 0 && c[0] == 50005 && c[4] == 45000 && c[5] == 5000,
          "report in %s missing or wrong counts", dir);
    CHECK(check_html(dir) > 10, "installed report references too few files");
    /* the installed schema file, from the installed data folder */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s/bin/genre-analysis' --no-tsne --no-kmeans --no-mlp --no-plots --no-names "
             "--schema '%s/share/genre/music_genre.schema' -o schema-report",
             cwd, prefix, prefix);
    CHECK(run_program(cmd) == 0, "installed --schema run failed");
    /* genre-lda-table and genre-kmeans-sweep read the frozen split from
     * <bin>/../share/genre wherever the prefix is (a `dpkg -x` root has no
     * /usr/share/genre), before the source tree: a stand-in that is no
     * split file must be the one they name */
    char split[1100], kept[1200];
    snprintf(split, sizeof split, "%s/share/genre/real_split.csv.gz", prefix);
    snprintf(kept, sizeof kept, "%s.kept", split);
    CHECK(rename(split, kept) == 0, "the installed tree has no %s", split);
    FILE *f = fopen(split, "w");
    CHECK(f && fputs("not,a,split\n", f) >= 0 && fclose(f) == 0, "cannot write %s", split);
    const char *prog[2] = {"genre-lda-table", "genre-kmeans-sweep"};
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd, "cd '%s' && '%s/bin/%s'", cwd, prefix, prog[i]);
        rc = run_capture(cmd, err);
        e = slurp(err, NULL);
        snprintf(want, sizeof want, "%s/bin/../share/genre/real_split.csv.gz", prefix);
        CHECK(rc == 1 && e && strstr(e, want), "installed %s (exit %d) did not read %s: %s",
              prog[i], rc, want, e ? e : "(no stderr)");
        free(e);
    }
    CHECK(rename(kept, split) == 0, "cannot put %s back", split);
    return 0;
}

/* The minimal example is quoted verbatim (from its #include on) in the
 * README and docs/analysis.md. */
static int test_quoted(const char *src)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/examples/genre_quickstart.c", src);
    char *code = slurp(path, NULL);
    CHECK(code != NULL, "%s missing", path);
    const char *body = code ? strstr(code, "#include <genre/genre.h>") : NULL;
    CHECK(body != NULL, "genre_quickstart.c has no #include <genre/genre.h>");
    const char *docs[] = {"README.md", "docs/analysis.md"};
    for (int i = 0; body && i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", src, docs[i]);
        char *d = slurp(path, NULL);
        CHECK(d && strstr(d, body), "%s does not quote examples/genre_quickstart.c verbatim "
              "(from its #include on)", docs[i]);
        free(d);
    }
    free(code);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "quoted")) {
        test_quoted(argv[2]);
        return analysis_failures ? 1 : 0;
    }
    if (argc != 5) {
        fprintf(stderr, "usage: test_analysis report|tsne|schema|names "
                        "<genre-analysis> <src> <work>\n"
                        "       test_analysis installed <cmake> <build> <work>\n"
                        "       test_analysis quoted <src>\n"
                        "(outdir_* and split_*, generic_*: test_analysis_outdir, "
                        "test_analysis_inputs)\n");
        return 2;
    }
    if (!strcmp(argv[1], "report"))
        test_report(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "schema"))
        test_schema(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "installed"))
        test_installed(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "names"))
        test_names(argv[2], argv[3], argv[4]);
    else
        test_tsne(argv[2], argv[3], argv[4]);
    if (analysis_failures)
        fprintf(stderr, "%d check(s) failed\n", analysis_failures);
    return analysis_failures ? 1 : 0;
}
