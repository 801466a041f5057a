/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Integration tests of genre-analysis on the user's inputs (issue 18): split
 * files that take exactly 0/1, and any labelled table through a schema file
 * or --label. Registered as analysis_split_* and analysis_generic_* with the
 * label `data`; seconds each.
 *
 *   test_analysis_inputs split_sides <genre-analysis> <source-dir> <work-dir>
 *     a split file with no test row, or no training row, is refused as soon
 *     as it is read (in the data stage), naming the file and the empty side;
 *     no report.
 *   test_analysis_inputs split_strict <genre-analysis> <source-dir> <work-dir>
 *     a split file whose line 3 is `0.0` is refused naming file, line and
 *     value, and no report is written.
 *   test_analysis_inputs split_lines <genre-analysis> <source-dir> <work-dir>
 *     with --split-file, a value missing on the table's last line (50006,
 *     a training row) is reported with the input's name and that line, not
 *     a line of the program's training copy.
 *   test_analysis_inputs generic_schema <genre-analysis> <source-dir> <work-dir>
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
 *   test_analysis_inputs generic_newlines <genre-analysis> <source-dir> <work-dir>
 *     a table whose header quotes a name across two lines and whose numeric
 *     column has an odd cell holding a line break: --print-schema writes
 *     the inferred schema (escapes in quotes); passed back with --schema
 *     and printed again it is the same file, and the analysis runs with it.
 *   test_analysis_inputs generic_names_features <genre-analysis> <source-dir> <work-dir>
 *     the generated table with its text column (--names-quick): with
 *     --features x1,colour the name study's audio model uses those columns
 *     (metrics.json name_study.feature_columns, and 5 features, x1 and
 *     colour's 4 one-hot columns, on its random split), as the main models
 *     do; without --features, every numeric and categorical column (7).
 *   test_analysis_inputs generic_errors <genre-analysis> <source-dir> <work-dir>
 *     a class with one row, a label with one class and --features naming a
 *     text column each stop with exit 1, one message naming the class (and
 *     its count and the remedy), the label column or the column, and no
 *     report.
 *   test_analysis_inputs generic_attack <genre-analysis> <source-dir> <work-dir>
 *     inferred schemas (--label) on tables unlike the reference: a category
 *     met only in test rows (a split file) runs, its one-hot columns those
 *     of the training rows; a string label value met only in test rows
 *     stops with a message and no report; a label with empty cells runs
 *     without those rows (a warning, with and without a split file); 200
 *     classes of 10 rows run the MLPs (each small class gives a validation
 *     row); a 100,000-column header is inferred and printed in seconds; a
 *     --split-file that is a folder or missing is refused saying why.
 *   test_analysis_inputs generic_few_columns <genre-analysis> <source-dir> <work-dir>
 *     a table of two feature columns: the 3-D t-SNE fits start at random
 *     (PCA start needs three columns), the 2-D ones from PCA; the report is
 *     complete and metrics.json and index.html say which start each took.
 */
#define _POSIX_C_SOURCE 200809L
#include "analysis_harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- split files (the attack of issue 18) ---- */

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
    /* names in table cells carry <wbr> break opportunities: read without */
    for (char *q = h ? strstr(h, "<wbr>") : NULL; q; q = strstr(q, "<wbr>"))
        memmove(q, q + 5, strlen(q + 5) + 1);
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


/* ---- tables unlike the reference (the final attack of issues 18 and 19) ---- */

/* rows of "a,b,colour,y": y = class i % k (names[] when given, else the
 * number), empty on rows i % empty_every == 1 when empty_every; colour is
 * "purple" from row purple_from on, else red/green/blue by class. */
static void write_attack_table(const char *path, int rows, int k, const char *const *names,
                               int empty_every, int purple_from)
{
    static const char *const colour[] = {"red", "green", "blue"};
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (!f)
        return;
    fputs("a,b,colour,y\n", f);
    for (int i = 0; i < rows; i++) {
        int c = i % k;
        char y[64];
        if (empty_every && i % empty_every == 1)
            y[0] = 0;
        else if (names)
            snprintf(y, sizeof y, "%s", names[c]);
        else
            snprintf(y, sizeof y, "%d", c);
        fprintf(f, "%.4f,%.4f,%s,%s\n", c + 0.8 * sin(i * 1.3), -c + 0.8 * cos(i * 0.7),
                i >= purple_from ? "purple" : colour[c % 3], y);
    }
    fclose(f);
}

/* A split file of rows lines: test when i % 5 == 0, or i % 3 == 2 when
 * class_two_test (every row of class 2 of 3 in test), or i >= tail_test. */
static void write_attack_split(const char *path, int rows, int class_two_test, int tail_test)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (!f)
        return;
    fputs("is_test\n", f);
    for (int i = 0; i < rows; i++)
        fprintf(f, "%d\n", i % 5 == 0 || (class_two_test && i % 3 == 2) || i >= tail_test);
    fclose(f);
}

static int test_generic_attack(const char *prog, const char *src, const char *work)
{
    (void)src;
    char w[1100], cmd[4000], err[1300], path[1300];
    snprintf(w, sizeof w, "%.900s/generic-attack", work);
    snprintf(err, sizeof err, "%s.err", w);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", w, w);
    CHECK(run_program(cmd) == 0, "cannot make %s", w);
    static const char *const utf8[] = {"\xc3\x89lectro", "\xe6\x97\xa5\xe6\x9c\xac",
                                       "M\xc3\xbcsli"};
    snprintf(path, sizeof path, "%s/unseen.csv", w);
    write_attack_table(path, 300, 3, NULL, 0, 240);
    snprintf(path, sizeof path, "%s/unseen.split", w);
    write_attack_split(path, 300, 0, 240);
    snprintf(path, sizeof path, "%s/strlabel.csv", w);
    write_attack_table(path, 300, 3, utf8, 0, 1000);
    snprintf(path, sizeof path, "%s/class2.split", w);
    write_attack_split(path, 300, 1, 1000);
    snprintf(path, sizeof path, "%s/empty.csv", w);
    write_attack_table(path, 300, 3, NULL, 17, 1000);
    snprintf(path, sizeof path, "%s/empty.split", w);
    write_attack_split(path, 300, 0, 1000);
    snprintf(path, sizeof path, "%s/k200.csv", w);
    write_attack_table(path, 2000, 200, NULL, 0, 5000);

    /* 1. purple only in the test rows: all-0 one-hot columns, not a stop */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' " FAST " --label y -i unseen.csv --split-file unseen.split -o r1",
             w, prog);
    int rc = run_capture(cmd, err);
    CHECK(rc == 0, "a category met only in test rows: exit %d", rc);
    CHECK(lacks(err, "not seen when fitting"), "a category met only in test rows stopped");
    snprintf(path, sizeof path, "%s/r1/metrics.json", w);
    char *m = slurp(path, NULL);
    CHECK(m && strstr(m, "\"colour=red\"") && !strstr(m, "colour=purple"),
          "not the one-hot columns of the training categories: %s",
          m ? "no" : "no metrics.json");
    free(m);

    /* 2. a string label value only in test rows: stopped, no report */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' " FAST " --label y -i strlabel.csv --split-file class2.split -o r2",
             w, prog);
    rc = run_capture(cmd, err);
    CHECK(rc == 1, "a label value only in test rows: exit %d, expected 1", rc);
    CHECK(err_has(err, "no training row has"), "a label value only in test rows: no message");
    snprintf(path, sizeof path, "%s/r2", w);
    CHECK(!exists(path), "a label value only in test rows wrote a report");

    /* 3. empty label cells: those rows left out, with a warning */
    for (int with_split = 0; with_split < 2; with_split++) {
        snprintf(cmd, sizeof cmd, "cd '%s' && '%s' " FAST " --label y -i empty.csv %s -o r3%d",
                 w, prog, with_split ? "--split-file empty.split" : "", with_split);
        rc = run_capture(cmd, err);
        CHECK(rc == 0, "empty label cells (split file %d): exit %d", with_split, rc);
        snprintf(path, sizeof path, "%s/r3%d/metrics.json", w, with_split);
        m = slurp(path, NULL);
        CHECK(m && strstr(m, "18 rows without a value in the label column"),
              "empty label cells (split file %d): no warning", with_split);
        /* 18 unlabelled rows (i % 17 == 1), 4 of them test (35, 120, 205, 290) */
        if (m && with_split)
            CHECK(num_after(strstr(m, "\"split\""), "test") == 56 &&
                      num_after(strstr(m, "\"split\""), "train") == 226,
                  "empty label cells with a split file: not 226/56 rows");
        free(m);
    }

    /* 4. 200 classes of 10 rows: 8 training rows each, the MLPs still fit */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' --no-tsne --no-kmeans --no-plots --no-names --epochs 2 "
             "--label y -i k200.csv -o r4",
             w, prog);
    rc = run_capture(cmd, err);
    CHECK(rc == 0, "200 classes of 10 rows: exit %d", rc);
    CHECK(lacks(err, "x_val"), "200 classes of 10 rows: the MLP had no validation rows");

    /* 5. a 100,000-column header (constant columns, ignored): the schema's
     * markers were matched to columns by a linear search per column, about
     * a minute of strcmp before the first stage; now about 2 s */
    snprintf(path, sizeof path, "%s/wide.csv", w);
    FILE *f = fopen(path, "w");
    CHECK(f, "cannot write %s", path);
    if (f) {
        for (int j = 0; j < 100000; j++)
            fprintf(f, "c%d,", j);
        fputs("a,b,y\n", f);
        for (int i = 0; i < 20; i++) {
            for (int j = 0; j < 100000; j++)
                fputs("3,", f);
            fprintf(f, "%d,%d,%s\n", i * 7 % 11, i * 5 % 13, i % 2 ? "p" : "q");
        }
        fclose(f);
    }
    snprintf(cmd, sizeof cmd, "cd '%s' && timeout 30 '%s' --label y -i wide.csv --print-schema",
             w, prog);
    rc = run_capture(cmd, err);
    CHECK(rc == 0, "a 100,000-column header: exit %d (124: over 30 s)", rc);
    remove(path);

    /* 6. a split file that is a folder, or missing: the message says why */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' " FAST " --label y -i unseen.csv --split-file . -o r6", w, prog);
    CHECK(run_capture(cmd, err) == 1, "a folder as --split-file did not stop the run");
    CHECK(err_has(err, "cannot read the split file .: Is a directory"),
          "a folder as --split-file: the message does not say why");
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' " FAST " --label y -i unseen.csv --split-file no.split -o r6", w,
             prog);
    CHECK(run_capture(cmd, err) == 1, "a missing --split-file did not stop the run");
    CHECK(err_has(err, "no.split: No such file or directory"),
          "a missing --split-file: the message does not say why");

    /* 7. a class of two rows (one training, one test): stopped before the
     * stages, naming the class; the LDA used to fail naming its internal
     * class number and training row */
    snprintf(path, sizeof path, "%s/lonely.csv", w);
    write_attack_table(path, 300, 3, NULL, 0, 5000);
    f = fopen(path, "a");
    CHECK(f, "cannot append to %s", path);
    if (f) {
        fputs("0.5,0.5,red,lonely\n0.6,0.4,red,lonely\n", f);
        fclose(f);
    }
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' " FAST " --label y -i lonely.csv -o r7", w, prog);
    CHECK(run_capture(cmd, err) == 1, "a class of two rows did not stop the run");
    CHECK(err_has(err, "class 'lonely'") && err_has(err, "at least two training rows"),
          "a class of two rows: the message does not name the class and the rule");
    CHECK(lacks(err, "genre_lda_fit"), "a class of two rows reached the LDA");
    return 0;
}

/* ---- names and values with line breaks through schema files (rest18) ---- */

static int test_generic_newlines(const char *prog, const char *src, const char *work)
{
    (void)src;
    char w[1100], cmd[4000], err[1300], path[1200];
    snprintf(w, sizeof w, "%.900s/generic-newlines", work);
    snprintf(err, sizeof err, "%s.err", w);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", w, w);
    CHECK(run_program(cmd) == 0, "cannot make %s", w);
    snprintf(path, sizeof path, "%s/nl.csv", w);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (!f)
        return 0;
    /* "x\none": a name on two lines; "back\\slash \"q\"": backslash, quotes
     * and a blank; row 40's x2 is an odd cell "n/\na" (a line break) */
    fprintf(f, "\"x\none\",x2,\"back\\slash \"\"q\"\"\",kind\n");
    for (int i = 0; i < 300; i++) {
        int c = i % 3;
        char x2[32];
        if (i == 40)
            snprintf(x2, sizeof x2, "\"n/\na\"");
        else
            snprintf(x2, sizeof x2, "%.4f", -c + 0.9 * cos(i * 0.7));
        fprintf(f, "%.4f,%s,%.4f,%s\n", c + 0.9 * sin(i * 1.3), x2, sin(i * 2.1),
                c == 0 ? "red" : c == 1 ? "green" : "blue");
    }
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' -i nl.csv --label kind --print-schema > printed.schema && "
             "'%s' -i nl.csv --schema printed.schema --print-schema > again.schema",
             w, prog, prog);
    int rc = run_capture(cmd, err);
    CHECK(rc == 0, "--print-schema on a name with a line break, then --schema: exit %d", rc);
    snprintf(path, sizeof path, "%s/printed.schema", w);
    char *ps = slurp(path, NULL);
    snprintf(path, sizeof path, "%s/again.schema", w);
    char *again = slurp(path, NULL);
    CHECK(ps && strstr(ps, "\n\"x\\none\" ") && strstr(ps, " numeric"),
          "printed schema: no \"x\\none\" line: %s", ps ? ps : "(none)");
    CHECK(ps && strstr(ps, "\n\"back\\slash \"\"q\"\"\" "),
          "printed schema: the backslash name is not quoted as it was: %s", ps ? ps : "(none)");
    CHECK(ps && strstr(ps, "missing=\"n/\\na\""), "printed schema: the odd cell's marker: %s",
          ps ? ps : "(none)");
    CHECK(ps && again && !strcmp(ps, again), "the schema read back prints differently:\n%s\n"
          "---\n%s", ps ? ps : "(none)", again ? again : "(none)");
    free(ps);
    free(again);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' --no-tsne --no-names --no-plots --no-mlp --schema printed.schema "
             "-i nl.csv -o rep",
             w, prog);
    rc = run_capture(cmd, err);
    CHECK(rc == 0, "the analysis with the printed schema: exit %d", rc);
    snprintf(path, sizeof path, "%s/rep/metrics.json", w);
    char *j = slurp(path, NULL);
    const char *imp = j ? strstr(j, "\"imputation\": [") : NULL;
    const char *x2 = imp ? strstr(imp, "\"column\": \"x2\"") : NULL;
    CHECK(num_after(x2, "missing_read") == 1, "x2: the odd cell is not missing (%g)",
          num_after(x2, "missing_read"));
    CHECK(j && (strstr(j, "\"x\\none\"") || strstr(j, "\"x\\u000aone\"")),
          "metrics.json: no column \"x\\none\"");
    free(j);
    return 0;
}

/* ---- the name study follows --features (rest18) ---- */

static int test_generic_names_features(const char *prog, const char *src, const char *work)
{
    (void)src;
    char w[1100], cmd[4000], err[1300], path[1200];
    snprintf(w, sizeof w, "%.900s/generic-names-features", work);
    snprintf(err, sizeof err, "%s.err", w);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", w, w);
    CHECK(run_program(cmd) == 0, "cannot make %s", w);
    static const char *const cls[] = {"red", "green", "blue"};
    write_generic_table(w, 300, cls, 3);
    static const struct {
        const char *opts, *out, *columns;
        int d;
    } runs[] = {
        {"--features x1,colour", "rep-f", "\"feature_columns\": [\n      \"x1\",\n"
                                          "      \"colour\"\n    ]", 5},
        {"", "rep-all", "\"feature_columns\": [\n      \"x1\",\n      \"x2\",\n      \"x3\",\n"
                        "      \"colour\"\n    ]", 7},
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && '%s' --no-tsne --no-kmeans --no-mlp --no-plots --names-quick %s "
                 "--schema gen.schema -i gen.csv -o %s",
                 w, prog, runs[i].opts, runs[i].out);
        int rc = run_capture(cmd, err);
        CHECK(rc == 0, "'%s': exit %d", runs[i].opts, rc);
        snprintf(path, sizeof path, "%s/%s/metrics.json", w, runs[i].out);
        char *j = slurp(path, NULL);
        const char *ns = j ? strstr(j, "\"name_study\": {") : NULL;
        CHECK(ns != NULL, "'%s': no name study in metrics.json", runs[i].opts);
        CHECK(ns && strstr(ns, runs[i].columns), "'%s': the name study's feature_columns are "
              "not %s", runs[i].opts, runs[i].columns);
        const char *rnd = ns ? strstr(ns, "\"random\": {") : NULL;
        CHECK(num_after(rnd, "features") == runs[i].d, "'%s': the name study's random split "
              "has %g features, the main models %d", runs[i].opts, num_after(rnd, "features"),
              runs[i].d);
        /* the main models' encoded features: as many */
        const char *f = j ? strstr(j, "\"features\": [") : NULL;
        int n = 0;
        for (const char *q = f; q && *q && *q != ']'; q++)
            n += *q == '"';
        CHECK(n / 2 - 1 == runs[i].d, "'%s': the main models have %d features, not %d",
              runs[i].opts, n / 2 - 1, runs[i].d);
        free(j);
    }
    return 0;
}

/* Two feature columns: the PCA scores have 2 columns, so the 3-D t-SNE
 * fits cannot start from PCA (the library refuses: too few columns) and
 * start at random instead; the report stays complete and says so. */
static int test_generic_few_columns(const char *prog, const char *src, const char *work)
{
    (void)src;
    char w[1100], cmd[4000], err[1300], path[1200];
    snprintf(w, sizeof w, "%.900s/generic-few-columns", work);
    snprintf(err, sizeof err, "%s.err", w);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", w, w);
    CHECK(run_program(cmd) == 0, "cannot make %s", w);
    snprintf(path, sizeof path, "%s/two.csv", w);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (!f)
        return 0;
    fputs("a,b,kind\n", f);
    for (int i = 0; i < 300; i++) {
        int c = i % 3;
        fprintf(f, "%.4f,%.4f,%c\n", c + 0.9 * sin(i * 1.3), -c + 0.9 * cos(i * 0.7),
                "xyz"[c]);
    }
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' --no-names --no-mlp --no-kmeans --tsne-iter 300 -i two.csv "
             "--label kind -o rep",
             w, prog);
    int rc = run_capture(cmd, err);
    CHECK(rc == 0, "two feature columns: exit %d", rc);
    snprintf(path, sizeof path, "%s/rep/metrics.json", w);
    char *j = slurp(path, NULL);
    CHECK(j && strstr(j, "\"complete\": true"), "two feature columns: report not complete");
    int n2 = 0, n3 = 0;
    for (const char *t = j ? strstr(j, "\"dimensions\": ") : NULL; t;
         t = strstr(t + 1, "\"dimensions\": ")) {
        int dim = atoi(t + strlen("\"dimensions\": "));
        const char *init = strstr(t, "\"initialisation\": \"");
        const char *want = dim == 3 ? "random" : "pca";
        CHECK(init && !strncmp(init + strlen("\"initialisation\": \""), want, strlen(want)),
              "the %d-D fit does not start from %s", dim, want);
        n2 += dim == 2, n3 += dim == 3;
    }
    CHECK(n2 == 2 && n3 == 2, "%d 2-D and %d 3-D t-SNE fits, not 2 and 2", n2, n3);
    free(j);
    snprintf(path, sizeof path, "%s/rep/index.html", w);
    char *h = slurp(path, NULL);
    CHECK(h && strstr(h, "<td>random</td>") && strstr(h, "random start"),
          "index.html does not say the 3-D fits start at random");
    free(h);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: test_analysis_inputs split_sides|split_strict|split_lines|"
                        "generic_schema|generic_errors|generic_attack|generic_newlines|"
                        "generic_names_features|generic_few_columns <genre-analysis> <src> "
                        "<work>\n");
        return 2;
    }
    static const struct {
        const char *mode;
        int (*run)(const char *, const char *, const char *);
    } modes[] = {
        {"split_sides", test_split_sides},       {"split_strict", test_split_strict},
        {"split_lines", test_split_lines},       {"generic_schema", test_generic_schema},
        {"generic_errors", test_generic_errors}, {"generic_attack", test_generic_attack},
        {"generic_newlines", test_generic_newlines},
        {"generic_names_features", test_generic_names_features},
        {"generic_few_columns", test_generic_few_columns},
    };
    size_t i = 0;
    while (i < sizeof modes / sizeof modes[0] && strcmp(argv[1], modes[i].mode))
        i++;
    if (i == sizeof modes / sizeof modes[0]) {
        fprintf(stderr, "test_analysis_inputs: unknown mode %s\n", argv[1]);
        return 2;
    }
    modes[i].run(argv[2], argv[3], argv[4]);
    if (analysis_failures)
        fprintf(stderr, "%d check(s) failed\n", analysis_failures);
    return analysis_failures ? 1 : 0;
}
