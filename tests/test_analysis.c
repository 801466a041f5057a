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
 *     runs only t-SNE (2-D and 3-D, perplexity 30) on 1,500 training rows
 *     and checks its plots.
 *   test_analysis schema <genre-analysis> <source-dir> <work-dir>
 *     --schema examples/music_genre.schema reads the same table as the
 *     built-in schema; broken schema files give exit status 1 and one
 *     message naming the line and the token, and no report.
 *   test_analysis outdir_refuse <genre-analysis> <source-dir> <work-dir>
 *     output folders are the user's: a folder holding a user's file, the
 *     working folder (as . and as $PWD/), / (even with --force), a
 *     symbolic link, a file and a mount point (/dev/shm) as -o are
 *     refused, fast, and nothing in them changes nor is left beside them.
 *   test_analysis outdir_replace <genre-analysis> <source-dir> <work-dir>
 *     an earlier report of the program is replaced (its folder's mode
 *     follows the umask, 077 here); a stale temporary
 *     folder of its own is removed; a user's folder of the same name
 *     pattern and a live run's locked one are not; --force writes beside a
 *     user's file (twice, the second replacing only our files) and never
 *     over a user's file named like one of ours.
 *   test_analysis outdir_links <genre-analysis> <source-dir> <work-dir>
 *     only regular files are the program's: a symbolic link the user put
 *     under a listed name (a report's index.html, a file of a stale
 *     temporary folder with a forged marker) is neither deleted nor
 *     replaced, with or without --force.
 *   test_analysis outdir_killed <genre-analysis> <source-dir> <work-dir>
 *     kill -9 while a --force run moves its files into a folder beside a
 *     user's file (strace injects SIGKILL at the third renameat): the next
 *     --force run replaces the killed run's files and leaves no temporary
 *     folder. Skipped where strace cannot run.
 *   test_analysis outdir_race <genre-analysis> <source-dir> <work-dir>
 *     plots/ of a --force folder swapped for a symbolic link to a user's
 *     folder while the run moves its files in (strace holds the first
 *     move 3 s): nothing lands in the user's folder. Skipped where strace
 *     cannot run. A run whose new temporary folder another run's clean-up
 *     locks for a moment waits for it.
 *   test_analysis outdir_partial <genre-analysis> <source-dir> <work-dir>
 *     Ctrl-C (SIGINT) during the MLPs: the complete report stays, the
 *     partial one goes to DIR.partial and the printed line says so.
 *   test_analysis outdir_root <genre-analysis> <source-dir> <work-dir>
 *     -o /proc (a folder in /) is refused with messages that name /proc and
 *     suggest -o /proc/genre-report, never //proc.
 *   test_analysis outdir_clash <genre-analysis> <source-dir> <work-dir>
 *     --force into a report folder whose plots/ holds a user's file named
 *     like a plot is refused before the analysis runs, and leaves nothing.
 *   test_analysis outdir_late <genre-analysis> <source-dir> <work-dir>
 *     the final exchange fails (strace injects EPERM into renameat2): exit
 *     1, the earlier report intact, no temporary folder left. Skipped where
 *     strace cannot run.
 *   test_analysis split_sides <genre-analysis> <source-dir> <work-dir>
 *     a split file with no test row, or no training row, is refused as soon
 *     as it is read (in the data stage), naming the file and the empty side;
 *     no report.
 *   test_analysis split_strict <genre-analysis> <source-dir> <work-dir>
 *     a split file whose line 3 is `0.0` is refused naming file, line and
 *     value, and no report is written.
 *   test_analysis split_lines <genre-analysis> <source-dir> <work-dir>
 *     with --split-file, a value missing on the table's last line (50006,
 *     a training row) is reported with the input's name and that line, not
 *     a line of the program's training copy.
 *   test_analysis generic_schema <genre-analysis> <source-dir> <work-dir>
 *     a generated table (3 classes, an unordered categorical, missing cells
 *     in two numeric columns, an unused text column) read with a schema
 *     file, --no-tsne --no-names: metrics.json has the schema, K = 3, the
 *     split, per-column imputation counts, the unused columns, the one-hot
 *     feature columns, MLP layers "7-20-15-3" and no reference_* key; with
 *     note declared group and --group note, no group is on both sides;
 *     with --label and no schema file the schema is inferred (a summary on
 *     stderr) and an odd cell of a numeric column is a warning naming its
 *     line; --print-schema --group note writes it with note declared group,
 *     and that file runs with --schema.
 *   test_analysis generic_errors <genre-analysis> <source-dir> <work-dir>
 *     a class with one row, a label with one class and --features naming a
 *     text column each stop with exit 1, one message naming the class (and
 *     its count and the remedy), the label column or the column, and no
 *     report.
 *   test_analysis installed <cmake> <build-dir> <work-dir>
 *     installs the build into a prefix under <work-dir> (cmake --install),
 *     runs the installed genre-analysis from another folder with no --input
 *     and checks that it read the installed data set and wrote its report
 *     there.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                 \
    do {                                                 \
        if (!(cond)) {                                   \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                \
            fputc('\n', stderr);                         \
            failures++;                                  \
        }                                                \
    } while (0)

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    size_t k;
    while (b && (k = fread(b + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            char *q = realloc(b, 2 * cap + 1);
            if (!q) {
                free(b);
                b = NULL;
                break;
            }
            b = q, cap *= 2;
        }
    }
    fclose(f);
    if (b)
        b[n] = 0;
    if (len)
        *len = n;
    return b;
}

/* The number after `"key": ` at the first occurrence after `from`. */
static double num_after(const char *from, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = from ? strstr(from, pat) : NULL;
    if (!p)
        return NAN;
    return strtod(p + strlen(pat), NULL);
}

static int run_program(const char *cmd)
{
    fprintf(stderr, "running: %s\n", cmd);
    int st = system(cmd);
    return (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
}

static void check_file(const char *dir, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    size_t n = 0;
    char *b = slurp(path, &n);
    CHECK(b != NULL, "%s referenced by index.html is missing", path);
    if (!b)
        return;
    size_t l = strlen(rel);
    if (l > 4 && !strcmp(rel + l - 4, ".png"))
        CHECK(n > 100 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8), "%s is not a PNG", path);
    else if (l > 4 && !strcmp(rel + l - 4, ".svg"))
        CHECK(n > 100 && strstr(b, "<svg") && strstr(b, "</svg>"), "%s is not an SVG", path);
    free(b);
}

/* Every src="..." and href="..." of index.html that is a local file. */
static int check_html(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/index.html", dir);
    char *html = slurp(path, NULL);
    CHECK(html != NULL, "%s missing", path);
    if (!html)
        return 0;
    int refs = 0;
    const char *attrs[] = {"src=\"", "href=\""};
    for (int a = 0; a < 2; a++)
        for (const char *p = strstr(html, attrs[a]); p; p = strstr(p + 1, attrs[a])) {
            const char *s = p + strlen(attrs[a]), *e = strchr(s, '"');
            if (!e || e == s || *s == '#' || !strncmp(s, "http", 4))
                continue;
            char rel[512];
            snprintf(rel, sizeof rel, "%.*s", (int)(e - s), s);
            check_file(dir, rel);
            refs++;
        }
    free(html);
    return refs;
}

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

static int test_tsne(const char *prog, const char *src, const char *work)
{
    char out[1024];
    run_report(prog, src, work, "report-tsne",
               "--no-kmeans --no-mlp --no-names --tsne-rows 1500 --tsne-iter 300 "
               "--perplexity 30 --tsne-dims 2,3",
               out, sizeof out);
    const char *files[] = {"plots/tsne_2d_p30.png", "plots/tsne_2d_p30.svg",
                           "plots/tsne_3d_p30.png", "plots/tsne_3d_p30.svg", "metrics.json"};
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++)
        check_file(out, files[k]);
    check_html(out);
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

/* Runs cmd with stderr to err_path; the exit status. */
static int run_capture(const char *cmd, const char *err_path)
{
    char full[21200];
    snprintf(full, sizeof full, "%.20000s 2>'%.1100s'", cmd, err_path);
    return run_program(full);
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

/* ---- output folders (issue 16) ---- */

/* The cheapest real run: load, clean, split, impute, linear; seconds. */
#define FAST "--no-tsne --no-kmeans --no-mlp --no-plots --no-names"

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int file_is(const char *path, const char *text)
{
    char *b = slurp(path, NULL);
    int same = b && !strcmp(b, text);
    free(b);
    return same;
}

static int exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

/* How many entries dir holds whose name starts with prefix. */
static int count_prefix(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            !strncmp(e->d_name, prefix, strlen(prefix)))
            n++;
    if (d)
        closedir(d);
    return n;
}

/* Runs genre-analysis in folder cwd with opts; exit status, stderr in err. */
static int run_in(const char *cwd, const char *prog, const char *src, const char *opts,
                  const char *err)
{
    char cmd[8000];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s -i '%s/data/music_genre.csv.gz'", cwd, prog,
             opts, src);
    return run_capture(cmd, err);
}

static int err_has(const char *err, const char *what)
{
    char *e = slurp(err, NULL);
    int has = e && strstr(e, what);
    if (!has)
        fprintf(stderr, "stderr lacks \"%s\": %s\n", what, e ? e : "(none)");
    free(e);
    return has;
}

static int test_outdir_refuse(const char *prog, const char *src, const char *work)
{
    char w[1100], p[1300], err[1300], opts[4000];
    snprintf(w, sizeof w, "%.900s/outdir-refuse", work);
    snprintf(err, sizeof err, "%s.err", w);
    snprintf(opts, sizeof opts, "rm -rf '%s' && mkdir -p '%s/user' '%s/target'", w, w, w);
    CHECK(run_program(opts) == 0, "cannot make %s", w);
    /* (a) a folder holding a user's file */
    snprintf(p, sizeof p, "%s/user/notes.txt", w);
    write_text(p, "mine\n");
    int rc = run_in(w, prog, src, FAST " -o user", err);
    CHECK(rc != 0, "-o user (holding notes.txt): exit 0");
    CHECK(file_is(p, "mine\n"), "-o user: notes.txt changed or gone");
    CHECK(err_has(err, "--force"), "-o user: the message does not say how to proceed");
    snprintf(p, sizeof p, "%s/user", w);
    CHECK(count_prefix(p, "") == 1, "-o user: the folder holds more than notes.txt");
    /* (b) the working folder, as . and as $PWD/, and /: refused even with --force */
    snprintf(p, sizeof p, "%s/target/keep.txt", w);
    write_text(p, "keep\n");
    snprintf(p, sizeof p, "%s/target", w);
    const char *forms[] = {"-o .", "-o \"$PWD/\"", "-o . --force", "-o \"$PWD//\" --force",
                           "-o / --force", "-o .. --force"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        snprintf(opts, sizeof opts, FAST " %s", forms[i]);
        rc = run_in(p, prog, src, opts, err);
        CHECK(rc == 1, "%s from the working folder: exit %d, expected 1", forms[i], rc);
        CHECK(err_has(err, "working folder"), "%s: no clear message", forms[i]);
        CHECK(count_prefix(p, "") == 1, "%s: the working folder changed", forms[i]);
        CHECK(count_prefix(w, ".") == 0 && count_prefix(w, "target") == 1,
              "%s: something was left beside the working folder", forms[i]);
    }
    snprintf(opts, sizeof opts, "%s/target/keep.txt", w);
    CHECK(file_is(opts, "keep\n"), "the working folder lost keep.txt");
    /* (c) a symbolic link and a file as -o, even with --force */
    snprintf(p, sizeof p, "cd '%s' && ln -s user link && echo data > file", w);
    CHECK(run_program(p) == 0, "cannot make the link");
    const char *paths[] = {"link", "file"};
    for (int i = 0; i < 2; i++)
        for (int force = 0; force < 2; force++) {
            snprintf(opts, sizeof opts, FAST " -o %s%s", paths[i], force ? " --force" : "");
            rc = run_in(w, prog, src, opts, err);
            CHECK(rc != 0, "-o %s%s: exit 0", paths[i], force ? " --force" : "");
            CHECK(err_has(err, i ? "a file, not a folder" : "a symbolic link"),
                  "-o %s: no clear message", paths[i]);
            snprintf(p, sizeof p, ".%s.tmp-", paths[i]);
            CHECK(count_prefix(w, p) == 0, "-o %s: left a temporary folder", paths[i]);
        }
    struct stat sb;
    snprintf(p, sizeof p, "%s/link", w);
    CHECK(lstat(p, &sb) == 0 && S_ISLNK(sb.st_mode), "the symbolic link was replaced");
    snprintf(p, sizeof p, "%s/file", w);
    CHECK(file_is(p, "data\n"), "the file changed");
    snprintf(p, sizeof p, "%s/user/notes.txt", w);
    CHECK(file_is(p, "mine\n"), "the link's target lost notes.txt");
    /* (d) a mount point (a volume given to a container as -o): rename()
     * cannot move it, so it is refused before the analysis, not after it
     * with the report left beside it. /dev/shm where it is one. */
    struct stat dev, shm;
    if (stat("/dev", &dev) || stat("/dev/shm", &shm) || dev.st_dev == shm.st_dev) {
        fprintf(stderr, "(d) skipped: /dev/shm is not a mount point here\n");
    } else {
        int before = count_prefix("/dev", ".shm.tmp-");
        rc = run_in(w, prog, src, FAST " -o /dev/shm", err);
        CHECK(rc == 1 && err_has(err, "mount point"), "-o /dev/shm: exit %d, expected 1 and "
              "a message naming the mount point", rc);
        CHECK(count_prefix("/dev", ".shm.tmp-") == before, "-o /dev/shm left a temporary "
              "folder in /dev");
    }
    return 0;
}

static const char *MARK = ".genre-analysis-report";

/* A fake temporary folder <w>/<name> with a file, and our marker listing it
 * when marker is set; it is locked (the fd returned) when lock is set. */
static int fake_tmp(const char *w, const char *name, int marker, int lock)
{
    char p[1400];
    snprintf(p, sizeof p, "%s/%s", w, name);
    CHECK(mkdir(p, 0755) == 0, "cannot make %s", p);
    snprintf(p, sizeof p, "%s/%s/index.html", w, name);
    write_text(p, "old\n");
    if (marker) {
        /* 1: the marker names this folder; 2: another one (a user's cp -a
         * copy of one of ours) */
        struct stat sb;
        snprintf(p, sizeof p, marker == 1 ? "%s/%s" : "%s", w, name);
        CHECK(stat(p, &sb) == 0, "cannot stat %s", p);
        char text[300];
        snprintf(text, sizeof text,
                 "genre-analysis report folder 1\nfolder %llu %llu\nstate writing\n"
                 "file index.html\n",
                 (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino);
        snprintf(p, sizeof p, "%s/%s/%s", w, name, MARK);
        write_text(p, text);
    }
    if (!lock)
        return -1;
    snprintf(p, sizeof p, "%s/%s", w, name);
    int fd = open(p, O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0, "cannot lock %s", p);
    return fd;
}

static int test_outdir_replace(const char *prog, const char *src, const char *work)
{
    char w[1100], p[4000], err[1300];
    snprintf(w, sizeof w, "%.900s/outdir-replace", work);
    snprintf(err, sizeof err, "%s.err", w);
    snprintf(p, sizeof p, "rm -rf '%s' && mkdir -p '%s'", w, w);
    CHECK(run_program(p) == 0, "cannot make %s", w);
    /* (d) our own earlier report is replaced; the first run under umask
     * 077: the folder is the user's private one, like the files in it */
    mode_t um = umask(077);
    int rc = run_in(w, prog, src, FAST " --seed 11 -o rep", err);
    umask(um);
    CHECK(rc == 0, "first run: exit %d", rc);
    struct stat sb;
    snprintf(p, sizeof p, "%s/rep", w);
    CHECK(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0700,
          "under umask 077 the report folder has mode %o, expected 700", sb.st_mode & 0777);
    snprintf(p, sizeof p, "%s/rep/%s", w, MARK);
    CHECK(exists(p), "the report has no marker %s", MARK);
    /* (e) stale temporary folders: ours (marker, unlocked) removed; a
     * user's of the same name pattern and a live run's (locked) kept */
    fake_tmp(w, ".rep.tmp-STALE1", 1, 0);
    fake_tmp(w, ".rep.tmp-USER01", 0, 0);
    fake_tmp(w, ".rep.tmp-COPY01", 2, 0);
    int lock = fake_tmp(w, ".rep.tmp-LIVE01", 1, 1);
    rc = run_in(w, prog, src, FAST " --seed 12 -o rep", err);
    CHECK(rc == 0, "second run over our own report: exit %d", rc);
    snprintf(p, sizeof p, "%s/rep/metrics.json", w);
    char *j = slurp(p, NULL);
    CHECK(j && num_after(j, "seed") == 12,
          "rep/metrics.json is not the second run's (seed %g)", j ? num_after(j, "seed") : NAN);
    free(j);
    snprintf(p, sizeof p, "%s/.rep.tmp-STALE1", w);
    CHECK(!exists(p), "the stale temporary folder of our own was not removed");
    snprintf(p, sizeof p, "%s/.rep.tmp-USER01/index.html", w);
    CHECK(file_is(p, "old\n"), "a user's folder named like ours was touched");
    snprintf(p, sizeof p, "%s/.rep.tmp-COPY01/index.html", w);
    CHECK(file_is(p, "old\n"), "a user's copy of one of our folders (its marker names "
                               "another folder) was emptied");
    snprintf(p, sizeof p, "%s/.rep.tmp-LIVE01/index.html", w);
    CHECK(file_is(p, "old\n"), "a live run's (locked) temporary folder was removed");
    if (lock >= 0)
        close(lock);
    CHECK(count_prefix(w, ".rep.tmp-") == 3, "%d temporary folders beside rep, expected 3",
          count_prefix(w, ".rep.tmp-"));
    /* --force: beside a user's file, twice (the second replaces our files
     * only); never over a user's file that has one of the report's names */
    char mk[6000];
    snprintf(mk, sizeof mk, "mkdir -p '%s/mixed' '%s/clash' && echo mine > '%s/mixed/notes.txt' "
             "&& echo mine > '%s/clash/index.html' && echo mine > '%s/mixed/%s.merge'", w, w, w, w,
             w, MARK);
    CHECK(run_program(mk) == 0, "cannot make the user's folders");
    for (int seed = 21; seed <= 22; seed++) {
        char opts[200];
        snprintf(opts, sizeof opts, FAST " --force --seed %d -o mixed", seed);
        rc = run_in(w, prog, src, opts, err);
        CHECK(rc == 0, "--force beside a user's file (seed %d): exit %d", seed, rc);
        snprintf(p, sizeof p, "%s/mixed/metrics.json", w);
        j = slurp(p, NULL);
        CHECK(j && num_after(j, "seed") == seed, "mixed/metrics.json is not seed %d's", seed);
        free(j);
        snprintf(p, sizeof p, "%s/mixed/notes.txt", w);
        CHECK(file_is(p, "mine\n"), "--force touched the user's notes.txt");
        /* the name of the merge's own temporary marker, but the user's */
        snprintf(p, sizeof p, "%s/mixed/%s.merge", w, MARK);
        CHECK(file_is(p, "mine\n"), "--force (seed %d) deleted the user's %s.merge", seed, MARK);
    }
    snprintf(p, sizeof p, "%s/mixed/%s.merge", w, MARK);
    CHECK(unlink(p) == 0, "cannot remove %s", p); /* so notes.txt is the foreign file named */
    rc = run_in(w, prog, src, FAST " -o mixed", err);
    CHECK(rc == 1 && err_has(err, "notes.txt"), "without --force, mixed was not refused");
    rc = run_in(w, prog, src, FAST " --force -o clash", err);
    CHECK(rc == 1 && err_has(err, "index.html was not written by genre-analysis"),
          "--force over a user's index.html: exit %d", rc);
    snprintf(p, sizeof p, "%s/clash/index.html", w);
    CHECK(file_is(p, "mine\n"), "--force replaced the user's index.html");
    return 0;
}

static int is_link_to(const char *path, const char *target)
{
    char b[1200];
    ssize_t n = readlink(path, b, sizeof b - 1);
    if (n < 0)
        return 0;
    b[n] = 0;
    return !strcmp(b, target);
}

static int test_outdir_links(const char *prog, const char *src, const char *work)
{
    char w[1100], p[4000], q[4000], err[1300];
    snprintf(w, sizeof w, "%.900s/outdir-links", work);
    snprintf(err, sizeof err, "%s.err", w);
    snprintf(p, sizeof p, "rm -rf '%s' && mkdir -p '%s/user' '%s/.rep2.tmp-abc123'", w, w, w);
    CHECK(run_program(p) == 0, "cannot make %s", w);
    snprintf(q, sizeof q, "%s/user/secret.txt", w);
    write_text(q, "secret\n");
    /* (a) the user replaced the report's index.html by a link to their file */
    int rc = run_in(w, prog, src, FAST " -o rep", err);
    CHECK(rc == 0, "first run: exit %d", rc);
    snprintf(p, sizeof p, "%s/rep/index.html", w);
    CHECK(unlink(p) == 0 && symlink("../user/secret.txt", p) == 0, "cannot make %s", p);
    for (int force = 0; force < 2; force++) {
        rc = run_in(w, prog, src, force ? FAST " --force -o rep" : FAST " -o rep", err);
        CHECK(rc == 1 && err_has(err, "index.html"),
              "-o rep%s over a user's link rep/index.html: exit %d, expected 1",
              force ? " --force" : "", rc);
        CHECK(is_link_to(p, "../user/secret.txt"), "rep/index.html, a user's link, is gone%s",
              force ? " (--force)" : "");
    }
    /* (b) a stale temporary folder whose forged marker lists a user's link */
    snprintf(p, sizeof p, "%s/.rep2.tmp-abc123/index.html", w);
    CHECK(symlink("../user/secret.txt", p) == 0, "cannot make %s", p);
    snprintf(p, sizeof p, "%s/.rep2.tmp-abc123/%s", w, MARK);
    write_text(p, "genre-analysis report folder 1\nstate writing\nfile index.html\n");
    rc = run_in(w, prog, src, FAST " -o rep2", err);
    CHECK(rc == 0, "-o rep2: exit %d", rc);
    snprintf(p, sizeof p, "%s/.rep2.tmp-abc123/index.html", w);
    CHECK(is_link_to(p, "../user/secret.txt"),
          "the link .rep2.tmp-abc123/index.html (listed by a forged marker) was deleted");
    CHECK(file_is(q, "secret\n"), "the user's secret.txt changed");
    return 0;
}

static int test_outdir_killed(const char *prog, const char *src, const char *work)
{
    char w[1100], p[4000], err[1300];
    if (run_program("strace -f -qq -o /dev/null true >/dev/null 2>&1") != 0) {
        fprintf(stderr, "skipped: strace cannot run here\n");
        return 0;
    }
    snprintf(w, sizeof w, "%.900s/outdir-killed", work);
    snprintf(err, sizeof err, "%s.err", w);
    snprintf(p, sizeof p, "rm -rf '%s' && mkdir -p '%s/mixed'", w, w);
    CHECK(run_program(p) == 0, "cannot make %s", w);
    char notes[1200];
    snprintf(notes, sizeof notes, "%s/mixed/notes.txt", w);
    write_text(notes, "mine\n");
    int rc = run_in(w, prog, src, FAST " --force -o mixed", err);
    CHECK(rc == 0, "first --force run: exit %d", rc);
    /* a run with plots (names the first report's marker lacks), killed
     * once its merge has moved a file or two */
    snprintf(p, sizeof p,
             "cd '%s' && strace -f -qq -o /dev/null -e trace=renameat "
             "-e inject=renameat:signal=SIGKILL:when=3 '%s' --no-tsne --no-kmeans --no-mlp "
             "--no-names --force -o mixed -i '%.900s/data/music_genre.csv.gz' >/dev/null 2>&1",
             w, prog, src);
    rc = run_program(p);
    CHECK(rc != 0, "the run to be killed exited with 0");
    snprintf(p, sizeof p, "%s/mixed/plots", w);
    CHECK(count_prefix(p, "") > 0, "the kill came before any plot was moved into mixed");
    rc = run_in(w, prog, src, FAST " --force -o mixed", err);
    CHECK(rc == 0, "--force after the killed run: exit %d", rc);
    CHECK(count_prefix(p, "") == 0, "the killed run's plots stayed in mixed/plots");
    CHECK(count_prefix(w, ".mixed.tmp-") == 0, "a temporary folder was left beside mixed");
    CHECK(file_is(notes, "mine\n"), "the user's notes.txt changed");
    return 0;
}

static int test_outdir_race(const char *prog, const char *src, const char *work)
{
    char w[1100], p[4000], q[4000], err[1300], data[1200];
    if (run_program("strace -f -qq -o /dev/null true >/dev/null 2>&1") != 0) {
        fprintf(stderr, "skipped: strace cannot run here\n");
        return 0;
    }
    snprintf(w, sizeof w, "%.900s/outdir-race", work);
    snprintf(err, sizeof err, "%s.err", w);
    snprintf(data, sizeof data, "%.900s/data/music_genre.csv.gz", src);
    snprintf(p, sizeof p, "rm -rf '%s' && mkdir -p '%s/mixed' '%s/user'", w, w, w);
    CHECK(run_program(p) == 0, "cannot make %s", w);
    snprintf(p, sizeof p, "%s/mixed/notes.txt", w);
    write_text(p, "mine\n");
    int rc = run_in(w, prog, src, FAST " --force -o mixed", err);
    CHECK(rc == 0, "first --force run: exit %d", rc);
    pid_t pid = fork();
    if (pid == 0) {
        if (chdir(w) || !freopen(err, "w", stderr) || !freopen("/dev/null", "w", stdout))
            _exit(127);
        execlp("strace", "strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=renameat", "-e",
               "inject=renameat:delay_enter=3000000:when=2", prog, "--no-tsne", "--no-kmeans",
               "--no-mlp", "--no-names", "--force", "-o", "mixed", "-i", data, (char *)NULL);
        _exit(127);
    }
    /* the merge marker has landed: the first file's move is being held */
    snprintf(p, sizeof p, "%s/mixed/%s", w, MARK);
    int swapped = 0;
    for (int i = 0; pid > 0 && i < 6000 && !swapped; i++) {
        char *m = slurp(p, NULL);
        if (m && strstr(m, "state merging")) {
            snprintf(p, sizeof p, "%s/mixed/plots", w);
            snprintf(q, sizeof q, "%s/mixed/plots.moved", w);
            CHECK(rename(p, q) == 0 && symlink("../user", p) == 0,
                  "cannot swap mixed/plots for a link");
            swapped = 1;
        }
        free(m);
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    CHECK(swapped, "the run never reached its merge");
    snprintf(p, sizeof p, "%s/user", w);
    CHECK(count_prefix(p, "") == 0, "%d files moved into the user's folder through the link "
          "swapped for mixed/plots", count_prefix(p, ""));
    snprintf(p, sizeof p, "%s/mixed/plots", w);
    CHECK(is_link_to(p, "../user"), "the user's link mixed/plots is gone");
    /* (b) another run's clean-up holds our new temporary folder's lock for
     * a moment (strace holds our flock 2 s, the test locks the folder for
     * 2.5 s meanwhile): the run waits for it instead of failing */
    pid = fork();
    if (pid == 0) {
        if (chdir(w) || !freopen(err, "w", stderr) || !freopen("/dev/null", "w", stdout))
            _exit(127);
        execlp("strace", "strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=flock", "-e",
               "inject=flock:delay_enter=2000000:when=1", prog, "--no-tsne", "--no-kmeans",
               "--no-mlp", "--no-plots", "--no-names", "-o", "rep2", "-i", data, (char *)NULL);
        _exit(127);
    }
    int held = 0;
    for (int i = 0; pid > 0 && i < 6000 && !held; i++) {
        DIR *dir = opendir(w);
        struct dirent *e;
        while (dir && !held && (e = readdir(dir)))
            if (!strncmp(e->d_name, ".rep2.tmp-", 10)) {
                snprintf(p, sizeof p, "%s/%s", w, e->d_name);
                int fd = open(p, O_RDONLY | O_DIRECTORY);
                held = fd >= 0 && flock(fd, LOCK_EX) == 0;
                struct timespec ts = {2, 500000000};
                nanosleep(&ts, NULL);
                if (fd >= 0)
                    close(fd);
            }
        if (dir)
            closedir(dir);
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    CHECK(held, "never saw the run's temporary folder");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "a run whose new folder was locked for a moment: status %d", st);
    snprintf(p, sizeof p, "%s/rep2/index.html", w);
    CHECK(exists(p), "no report in rep2");
    return 0;
}

static int test_outdir_partial(const char *prog, const char *src, const char *work)
{
    char w[1100], p[4000], err[1300], out[1300], data[1200];
    snprintf(w, sizeof w, "%.900s/outdir-partial", work);
    snprintf(err, sizeof err, "%s.err", w);
    snprintf(out, sizeof out, "%s.out", w);
    snprintf(data, sizeof data, "%.900s/data/music_genre.csv.gz", src);
    snprintf(p, sizeof p, "rm -rf '%s' && mkdir -p '%s'", w, w);
    CHECK(run_program(p) == 0, "cannot make %s", w);
    int rc = run_in(w, prog, src, FAST " -o rep", err);
    CHECK(rc == 0, "complete run: exit %d", rc);
    snprintf(p, sizeof p, "%s/rep/metrics.json", w);
    char *before = slurp(p, NULL);
    CHECK(before && strstr(before, "\"complete\": true"), "the first report is not complete");
    /* the MLPs run for many seconds: SIGINT once the data stage is done
     * (err is emptied first: it holds the complete run's lines) */
    write_text(err, "");
    pid_t pid = fork();
    if (pid == 0) {
        if (chdir(w) || !freopen(err, "w", stderr) || !freopen(out, "w", stdout))
            _exit(127);
        execl(prog, prog, "--no-tsne", "--no-kmeans", "--no-plots", "--no-names", "-i", data,
              "-o", "rep", (char *)NULL);
        _exit(127);
    }
    int sent = 0;
    for (int i = 0; pid > 0 && i < 1200 && !sent; i++) {
        char *e = slurp(err, NULL);
        if (e && strstr(e, "load + impute: done")) {
            struct timespec ts = {0, 300000000};
            nanosleep(&ts, NULL);
            kill(pid, SIGINT);
            sent = 1;
        }
        free(e);
        if (!sent) {
            struct timespec ts = {0, 50000000};
            nanosleep(&ts, NULL);
        }
    }
    if (pid > 0 && !sent)
        kill(pid, SIGINT);
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    CHECK(sent, "the data stage never finished");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 130, "cancelled run: status %d, expected exit "
          "130", st);
    char *after = slurp(p, NULL);
    CHECK(before && after && !strcmp(before, after),
          "the complete report was replaced by the cancelled run");
    snprintf(p, sizeof p, "%s/rep.partial/metrics.json", w);
    char *part = slurp(p, NULL);
    CHECK(part && strstr(part, "\"complete\": false"), "no partial report in rep.partial");
    char *o = slurp(out, NULL);
    CHECK(o && strstr(o, "PARTIAL") && strstr(o, "rep.partial/index.html"),
          "the printed line does not name rep.partial: %s", o ? o : "(none)");
    free(before), free(after), free(part), free(o);
    CHECK(count_prefix(w, ".rep.tmp-") == 0, "the cancelled run left a temporary folder");
    return 0;
}

/* ---- the attack of issue 18 on output folders and split files ---- */

static int lacks(const char *err, const char *what)
{
    char *e = slurp(err, NULL);
    int ok = e && !strstr(e, what);
    if (!ok)
        fprintf(stderr, "stderr has \"%s\": %s\n", what, e ? e : "(none)");
    free(e);
    return ok;
}

static int test_outdir_root(const char *prog, const char *src, const char *work)
{
    char w[1100], p[2400], err[1300], opts[400];
    snprintf(w, sizeof w, "%.900s/outdir-root", work);
    snprintf(err, sizeof err, "%s.err", w);
    snprintf(p, sizeof p, "rm -rf '%s' && mkdir -p '%s'", w, w);
    CHECK(run_program(p) == 0, "cannot make %s", w);
    const char *outs[] = {"/proc", "/proc/", "/sys"};
    struct stat root, sb;
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
        if (stat("/", &root) || stat(outs[i], &sb) || sb.st_dev == root.st_dev) {
            fprintf(stderr, "%s skipped: not a mount point here\n", outs[i]);
            continue;
        }
        snprintf(opts, sizeof opts, FAST " --force -o %s", outs[i]);
        int rc = run_in(w, prog, src, opts, err);
        snprintf(p, sizeof p, "-o %.4s/genre-report", outs[i] + 1);
        CHECK(rc == 1 && err_has(err, "mount point") && err_has(err, p + 3),
              "-o %s: exit %d, expected 1 and a suggestion of %s", outs[i], rc, p + 3);
        CHECK(lacks(err, "//"), "-o %s: a path with // in the message", outs[i]);
    }
    return 0;
}

/* The plots a run draws, first name (plots/NAME) into name. */
#define PLOTS "--no-tsne --no-kmeans --no-mlp --no-names"

static int test_outdir_clash(const char *prog, const char *src, const char *work)
{
    char w[1100], p[4000], err[1300], name[300] = "";
    snprintf(w, sizeof w, "%.900s/outdir-clash", work);
    snprintf(err, sizeof err, "%s.err", w);
    snprintf(p, sizeof p, "rm -rf '%s' && mkdir -p '%s/mixed'", w, w);
    CHECK(run_program(p) == 0, "cannot make %s", w);
    /* a plot's name, from a run of our own */
    int rc = run_in(w, prog, src, PLOTS " -o scratch", err);
    snprintf(p, sizeof p, "%s/scratch/plots", w);
    DIR *d = opendir(p);
    struct dirent *e;
    while (d && !name[0] && (e = readdir(d)))
        if (e->d_name[0] != '.')
            snprintf(name, sizeof name, "%s", e->d_name);
    if (d)
        closedir(d);
    CHECK(rc == 0 && name[0], "the run with plots: exit %d, no plot", rc);
    /* mixed: a user's notes.txt, our report (no plots), a user's plot file */
    snprintf(p, sizeof p, "%s/mixed/notes.txt", w);
    write_text(p, "mine\n");
    rc = run_in(w, prog, src, FAST " --force -o mixed", err);
    CHECK(rc == 0, "--force beside notes.txt: exit %d", rc);
    snprintf(p, sizeof p, "%s/mixed/plots/%s", w, name);
    write_text(p, "mine\n");
    write_text(err, "");
    rc = run_in(w, prog, src, PLOTS " --force -o mixed", err);
    char want[400];
    snprintf(want, sizeof want, "its plots/%s was not written by genre-analysis", name);
    CHECK(rc == 1 && err_has(err, want), "--force over a user's plots/%s: exit %d", name, rc);
    CHECK(lacks(err, "load + impute"), "the clash was found after the analysis ran");
    CHECK(file_is(p, "mine\n"), "the user's plots/%s changed", name);
    CHECK(count_prefix(w, ".mixed.tmp-") == 0, "a temporary folder was left beside mixed");
    return 0;
}

static int test_outdir_late(const char *prog, const char *src, const char *work)
{
    char w[1100], p[4000], err[1300];
    if (run_program("strace -f -qq -o /dev/null true >/dev/null 2>&1") != 0) {
        fprintf(stderr, "skipped: strace cannot run here\n");
        return 0;
    }
    snprintf(w, sizeof w, "%.900s/outdir-late", work);
    snprintf(err, sizeof err, "%s.err", w);
    snprintf(p, sizeof p, "rm -rf '%s' && mkdir -p '%s'", w, w);
    CHECK(run_program(p) == 0, "cannot make %s", w);
    int rc = run_in(w, prog, src, FAST " --seed 11 -o rep", err);
    CHECK(rc == 0, "first run: exit %d", rc);
    snprintf(p, sizeof p,
             "cd '%s' && strace -f -qq -o /dev/null -e trace=renameat2 "
             "-e inject=renameat2:error=EPERM '%s' " FAST " --seed 12 -o rep "
             "-i '%.900s/data/music_genre.csv.gz'",
             w, prog, src);
    rc = run_capture(p, err);
    CHECK(rc == 1 && err_has(err, "the report was not written"),
          "the final exchange failed: exit %d, expected 1 and a message", rc);
    snprintf(p, sizeof p, "%s/rep/metrics.json", w);
    char *j = slurp(p, NULL);
    CHECK(j && num_after(j, "seed") == 11, "the earlier report is not intact");
    free(j);
    CHECK(count_prefix(w, ".rep.tmp-") == 0, "a temporary folder was left beside rep");
    return 0;
}

static int test_split_sides(const char *prog, const char *src, const char *work)
{
    char w[1100], p[6000], err[1300], opts[300];
    snprintf(w, sizeof w, "%.900s/split-sides", work);
    snprintf(err, sizeof err, "%s.err", w);
    snprintf(p, sizeof p,
             "rm -rf '%s' && mkdir -p '%s' && cd '%s' && gzip -dc "
             "'%.900s/tests/fixtures/real_split.csv.gz' > s.csv && "
             "sed '2,$s/^1,/0,/' s.csv > train.csv && sed '2,$s/^0,/1,/' s.csv > test.csv",
             w, w, w, src);
    CHECK(run_program(p) == 0, "cannot make the split files in %s", w);
    const char *files[] = {"train.csv", "test.csv"};
    const char *side[] = {"marks no row as test (1)", "marks no row as training (0)"};
    for (int i = 0; i < 2; i++) {
        snprintf(opts, sizeof opts, FAST " --split-file %s -o rep", files[i]);
        int rc = run_in(w, prog, src, opts, err);
        snprintf(p, sizeof p, "%s: the split file %s", files[i], side[i]);
        CHECK(rc == 1 && err_has(err, p), "%s: exit %d, expected 1 naming it", files[i], rc);
        CHECK(lacks(err, "load + impute: done"), "%s: refused only after the data stage",
              files[i]);
        snprintf(p, sizeof p, "%s/rep", w);
        CHECK(!exists(p) && count_prefix(w, ".rep.tmp-") == 0, "%s: a report or a temporary "
              "folder was left", files[i]);
    }
    return 0;
}

static int test_split_strict(const char *prog, const char *src, const char *work)
{
    char w[1100], p[4000], err[1300], opts[3000];
    snprintf(w, sizeof w, "%.900s/split-strict", work);
    snprintf(err, sizeof err, "%s.err", w);
    snprintf(p, sizeof p,
             "rm -rf '%s' && mkdir -p '%s' && gzip -dc '%s/tests/fixtures/real_split.csv.gz' | "
             "sed '3s/^0,/0.0,/' > '%s/split.csv'",
             w, w, src, w);
    CHECK(run_program(p) == 0, "cannot make %s/split.csv", w);
    snprintf(opts, sizeof opts, FAST " --split-file split.csv -o rep");
    int rc = run_in(w, prog, src, opts, err);
    CHECK(rc == 1, "a split file with 0.0: exit %d, expected 1", rc);
    CHECK(err_has(err, "split.csv:3: the assignment is '0.0'"),
          "the message does not name the file, line 3 and 0.0");
    snprintf(p, sizeof p, "%s/rep", w);
    CHECK(!exists(p), "a report was written");
    CHECK(count_prefix(w, ".rep.tmp-") == 0, "a temporary folder was left");
    return 0;
}

static int test_split_lines(const char *prog, const char *src, const char *work)
{
    char w[1100], p[4000], err[1300], opts[3000];
    snprintf(w, sizeof w, "%.900s/split-lines", work);
    snprintf(err, sizeof err, "%s.err", w);
    /* energy (field 8) emptied on the last line: a declared marker, not
     * imputed, so exporting the training rows stops there */
    snprintf(p, sizeof p,
             "rm -rf '%s' && mkdir -p '%s' && gzip -dc '%s/data/music_genre.csv.gz' | "
             "awk -F, -v OFS=, 'NR == 50006 { $8 = \"\" } { print }' > '%s/holed.csv'",
             w, w, src, w);
    CHECK(run_program(p) == 0, "cannot make %s/holed.csv", w);
    snprintf(opts, sizeof opts,
             "cd '%s' && '%s' " FAST " --tempo-median --split-file "
             "'%.900s/tests/fixtures/real_split.csv.gz' -o rep -i holed.csv",
             w, prog, src);
    int rc = run_capture(opts, err);
    CHECK(rc == 1, "a missing energy: exit %d, expected 1", rc);
    CHECK(err_has(err, "holed.csv:50006: column 'energy': value is missing"),
          "the message does not name holed.csv and its line 50006");
    return 0;
}

/* ---- any labelled table (issue 18; program18's modes, one block) ---- */

/* The generated table: 300 rows, classes red/green/blue in turn; x1 empty
 * on every 17th row, x2 "NA" on every 23rd; colour a..d (unordered); note
 * text. */
static void write_generic_table(const char *dir, int rows, const char *const *classes, int k)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/gen.csv", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (!f)
        return;
    fputs("id,x1,x2,x3,colour,note,kind\n", f);
    for (int i = 0; i < rows; i++) {
        int c = i % k;
        double x1 = c + 0.9 * sin(i * 1.3), x2 = -c + 0.9 * cos(i * 0.7), x3 = sin(i * 2.1);
        char s1[32] = "", s2[32] = "NA";
        if (i % 17)
            snprintf(s1, sizeof s1, "%.4f", x1);
        if (i % 23)
            snprintf(s2, sizeof s2, "%.4f", x2);
        fprintf(f, "%d,%s,%s,%.4f,%c,word%d text%d,%s\n", i, s1, s2, x3, "abcd"[(c + i % 2) % 4],
                i % 7, i % 5, classes[c]);
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/gen.schema", dir);
    write_text(path, "* missing=\"\"\nid ignore\nx1 numeric\nx2 numeric missing=NA\n"
                     "x3 numeric\ncolour categorical\nnote text\nkind label\n");
}

static int test_generic_schema(const char *prog, const char *src, const char *work)
{
    (void)src;
    char w[1100], cmd[4000], err[1300];
    snprintf(w, sizeof w, "%.900s/generic-schema", work);
    snprintf(err, sizeof err, "%s.err", w);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", w, w);
    CHECK(run_program(cmd) == 0, "cannot make %s", w);
    static const char *const cls[] = {"red", "green", "blue"};
    write_generic_table(w, 300, cls, 3);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' --no-tsne --no-names --schema gen.schema -i gen.csv -o rep", w,
             prog);
    int rc = run_capture(cmd, err);
    CHECK(rc == 0, "the generated table: exit %d", rc);
    char path[1200];
    snprintf(path, sizeof path, "%s/rep/metrics.json", w);
    char *j = slurp(path, NULL);
    CHECK(j != NULL, "%s missing", path);
    if (!j)
        return 0;
    CHECK(strstr(j, "\"complete\": true") != NULL, "report not complete");
    CHECK(!strstr(j, "\"reference_"), "a reference_* key on a user's table");
    CHECK(num_after(j, "n_classes") == 3, "n_classes %g", num_after(j, "n_classes"));
    static const char *const keys[] = {"\"schema\"", "\"classes\"", "\"split\"",
                                       "\"imputation\": [", "\"unused_columns\"",
                                       "\"warnings\"", "\"is_reference_table\": false"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        CHECK(strstr(j, keys[k]) != NULL, "metrics.json lacks %s", keys[k]);
    /* 300 rows, 100 per class: 20 test rows each at the default fraction */
    const char *sp = strstr(j, "\"split\"");
    CHECK(num_after(sp, "train") == 240 && num_after(sp, "test") == 60, "split %g / %g",
          num_after(sp, "train"), num_after(sp, "test"));
    const char *red = sp ? strstr(sp, "\"red\"") : NULL;
    CHECK(num_after(red, "test") == 20, "red test rows %g", num_after(red, "test"));
    /* x1: 18 empty cells (rows 0, 17, ..., 289), x2: 14 NA cells */
    const char *imp = strstr(j, "\"imputation\": [");
    const char *x1 = imp ? strstr(imp, "\"column\": \"x1\"") : NULL;
    const char *x2 = imp ? strstr(imp, "\"column\": \"x2\"") : NULL;
    CHECK(num_after(x1, "missing_read") == 18, "x1 missing %g", num_after(x1, "missing_read"));
    CHECK(num_after(x1, "filled_train") + num_after(x1, "filled_test") == 18, "x1 filled");
    CHECK(num_after(x2, "missing_read") == 14, "x2 missing %g", num_after(x2, "missing_read"));
    CHECK(x2 && strstr(x2, "\"missing_markers\": \"\\\"\\\", NA\""), "x2's markers");
    const char *un = strstr(j, "\"unused_columns\"");
    CHECK(un && strstr(un, "\"column\": \"note\""), "the text column is not listed unused");
    CHECK(strstr(j, "\"colour=a\"") && strstr(j, "\"colour=d\""), "colour is not one-hot");
    CHECK(strstr(j, "\"layers\": \"7-20-15-3\""), "no MLP 7-20-15-3");
    CHECK(strstr(j, "\"name\": \"LDA classifier\""), "no LDA classifier entry");
    CHECK(num_after(strstr(j, "\"name\": \"LDA classifier\""), "test_macro_auroc") > 0.8,
          "LDA classifier AUROC");
    free(j);
    snprintf(path, sizeof path, "%s/rep", w);
    CHECK(check_html(path) > 10, "index.html references too few files");
    snprintf(path, sizeof path, "%s/rep/index.html", w);
    char *h = slurp(path, NULL);
    CHECK(h && strstr(h, "x2 missing (&quot;&quot;, NA)"), "x2's count not labelled with its markers");
    CHECK(h && !strstr(h, "duration_ms") && !strstr(h, "gradient boosting") &&
              !strstr(h, "silhouette 0.44"),
          "reference figures on a user's table");
    free(h);
    /* --group: note as the group column (35 groups); no group on both sides */
    snprintf(path, sizeof path, "%s/group.schema", w);
    write_text(path, "* missing=\"\"\nid ignore\nx1 numeric\nx2 numeric missing=NA\n"
                     "x3 numeric\ncolour categorical\nnote group\nkind label\n");
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' --no-tsne --no-names --no-plots --no-mlp --group note "
             "--schema group.schema -i gen.csv -o rep-group",
             w, prog);
    CHECK(run_capture(cmd, err) == 0, "--group note failed");
    snprintf(path, sizeof path, "%s/rep-group/metrics.json", w);
    j = slurp(path, NULL);
    const char *lk = j ? strstr(j, "\"leakage\"") : NULL;
    CHECK(lk && num_after(lk, "shared_groups") == 0, "--group: groups on both sides (%g)",
          num_after(lk, "shared_groups"));
    CHECK(j && strstr(j, "\"method\": \"by group (note)"), "--group: not a group split");
    sp = j ? strstr(j, "\"split\"") : NULL;
    CHECK(num_after(sp, "test") > 30 && num_after(sp, "test") < 90, "--group: %g test rows",
          num_after(sp, "test"));
    free(j);
    /* no schema file: --label infers it (id ignored, colour and note
     * categorical); x3's "oops" on line 12 is an odd cell, read as missing
     * and listed in the warnings with its line */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && awk -F, -v OFS=, 'NR == 12 { $4 = \"oops\" } { print }' gen.csv > "
             "odd.csv && '%s' --no-tsne --no-names --no-plots -i odd.csv --label kind -o rep-infer",
             w, prog);
    CHECK(run_capture(cmd, err) == 0, "--label kind failed");
    char *e = slurp(err, NULL);
    CHECK(e && strstr(e, "the schema inferred from odd.csv") && strstr(e, "colour categorical"),
          "no summary of the inferred schema on stderr");
    free(e);
    snprintf(path, sizeof path, "%s/rep-infer/metrics.json", w);
    j = slurp(path, NULL);
    CHECK(j && strstr(j, "\"source\": \"inferred\""), "--label: schema not inferred");
    CHECK(j && !strstr(j, "\"reference_"), "--label: a reference_* key");
    CHECK(num_after(j, "n_classes") == 3, "--label: n_classes %g", num_after(j, "n_classes"));
    /* note (35 distinct values) is inferred categorical: 7 + 35 columns */
    CHECK(j && strstr(j, "\"layers\": \"42-20-15-3\""), "--label: no MLP 42-20-15-3");
    imp = j ? strstr(j, "\"imputation\": [") : NULL;
    x2 = imp ? strstr(imp, "\"column\": \"x2\"") : NULL;
    const char *x3 = imp ? strstr(imp, "\"column\": \"x3\"") : NULL;
    CHECK(num_after(x2, "missing_read") == 14, "--label: x2 missing %g",
          num_after(x2, "missing_read"));
    CHECK(num_after(x3, "missing_read") == 1, "--label: x3 missing %g",
          num_after(x3, "missing_read"));
    const char *wn = j ? strstr(j, "\"warnings\"") : NULL;
    CHECK(wn && strstr(wn, "odd.csv:12") && strstr(wn, "oops"),
          "--label: the odd cell is not in the warnings with its line");
    free(j);
    /* --print-schema writes the inferred schema (with --group note: note
     * declared group) and exits; passed back with --schema it runs */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' -i gen.csv --label kind --group note --print-schema > "
             "printed.schema && '%s' --no-tsne --no-names --no-plots --no-mlp --schema "
             "printed.schema -i gen.csv -o rep-printed",
             w, prog, prog);
    CHECK(run_capture(cmd, err) == 0, "--print-schema, then --schema: failed");
    snprintf(path, sizeof path, "%s/printed.schema", w);
    char *ps = slurp(path, NULL);
    const char *nl = ps ? strstr(ps, "\nnote ") : NULL;
    CHECK(nl && strstr(nl, " group\n") && strstr(nl, " group\n") < strchr(nl + 1, '\n') + 1,
          "--print-schema: note is not declared group: %s", ps ? ps : "(none)");
    CHECK(ps && strstr(ps, "\nid ") && strstr(ps, "ignore"), "--print-schema: no id line");
    free(ps);
    snprintf(path, sizeof path, "%s/rep-printed/metrics.json", w);
    j = slurp(path, NULL);
    CHECK(num_after(j, "n_classes") == 3, "printed schema: n_classes %g",
          num_after(j, "n_classes"));
    CHECK(j && strstr(j, "\"group\": \"note\""), "printed schema: group is not note");
    free(j);
    return 0;
}

static int test_generic_errors(const char *prog, const char *src, const char *work)
{
    (void)src;
    char w[1100], cmd[4000], err[1300];
    snprintf(w, sizeof w, "%.900s/generic-errors", work);
    snprintf(err, sizeof err, "%s.err", w);
    static const char *const one[] = {"only"};
    static const char *const three[] = {"red", "green", "blue"};
    static const struct {
        int rows, k;
        const char *const *cls;
        const char *opts, *expect;
    } bad[] = {
        /* 301 rows: red has 101 rows, then a fourth class "rare" on one row */
        {1, 1, NULL, "", "class 'rare' has 1 row"},
        {30, 1, one, "", "the label column 'kind' has 1 class"},
        {30, 3, three, "--features x1,note", "--features: 'note' is not numeric or categorical"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", w, w);
        CHECK(run_program(cmd) == 0, "cannot make %s", w);
        if (bad[i].cls) {
            write_generic_table(w, bad[i].rows, bad[i].cls, bad[i].k);
        } else {
            write_generic_table(w, 300, three, 3);
            char path[1200];
            snprintf(path, sizeof path, "%s/gen.csv", w);
            FILE *f = fopen(path, "a");
            if (f) {
                fputs("300,1,2,3,a,word,rare\n", f);
                fclose(f);
            }
        }
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && '%s' --no-tsne --no-names %s --schema gen.schema -i gen.csv -o rep",
                 w, prog, bad[i].opts);
        int rc = run_capture(cmd, err);
        CHECK(rc == 1, "case %zu: exit %d, expected 1", i, rc);
        char *e = slurp(err, NULL);
        CHECK(e && strstr(e, bad[i].expect), "case %zu: message lacks \"%s\": %s", i,
              bad[i].expect, e ? e : "(none)");
        if (i == 0)
            CHECK(e && strstr(e, "--test-fraction") && strstr(e, "--split-file"),
                  "the small class's message names no remedy");
        free(e);
        char path[1200];
        snprintf(path, sizeof path, "%s/rep", w);
        CHECK(!exists(path), "case %zu wrote a report", i);
    }
    return 0;
}

/* ---- end of the any-labelled-table block ---- */

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
        return failures ? 1 : 0;
    }
    if (argc != 5) {
        fprintf(stderr, "usage: test_analysis report|tsne|schema|names|outdir_refuse|outdir_replace|"
                        "outdir_partial|outdir_links|outdir_killed|outdir_race|outdir_root|"
                        "outdir_clash|outdir_late|split_sides|split_strict|split_lines|"
                        "generic_schema|generic_errors "
                        "<genre-analysis> <src> <work>\n"
                        "       test_analysis installed <cmake> <build> <work>\n");
        return 2;
    }
    if (!strcmp(argv[1], "report"))
        test_report(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "schema"))
        test_schema(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "installed"))
        test_installed(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "outdir_refuse"))
        test_outdir_refuse(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "outdir_replace"))
        test_outdir_replace(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "outdir_links"))
        test_outdir_links(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "outdir_killed"))
        test_outdir_killed(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "outdir_race"))
        test_outdir_race(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "outdir_partial"))
        test_outdir_partial(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "outdir_root"))
        test_outdir_root(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "outdir_clash"))
        test_outdir_clash(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "outdir_late"))
        test_outdir_late(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "split_sides"))
        test_split_sides(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "split_strict"))
        test_split_strict(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "split_lines"))
        test_split_lines(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "names"))
        test_names(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "generic_schema"))
        test_generic_schema(argv[2], argv[3], argv[4]);
    else if (!strcmp(argv[1], "generic_errors"))
        test_generic_errors(argv[2], argv[3], argv[4]);
    else
        test_tsne(argv[2], argv[3], argv[4]);
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
