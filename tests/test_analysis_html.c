/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * index.html fits a 1,280-px-wide window (issue 18, point 5), checked on its
 * text without a browser (analysis_html_width, label `data`; seconds).
 *
 *   test_analysis_html <genre-analysis> <work-dir>
 *     first the checks themselves: check_html_layout() refuses a page with
 *     the CSS that squeezed words at 1,280 px (overflow-wrap:anywhere), a
 *     table outside its box, a 1,400-px width, a 40-character name without
 *     a break and a 15-column table; then a generated table built to be
 *     wide (12 classes with 45-character names, columns named with 44 and
 *     52 characters, one without a blank or underscore): the report passes
 *     check_html_layout(), every long name in a cell has break
 *     opportunities (<wbr>), and the cluster composition tables have a row
 *     per class (transposed: K > 10).
 *
 * How the layout was verified in a browser (docs/analysis.md): Chromium
 * headless at --window-size=1280, on the reference table's report and on
 * the digits, quirky and this generated table's: the document's scrollWidth
 * was 1,280 and no table's box scrolled.
 */
#define _POSIX_C_SOURCE 200809L
#include "analysis_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define K 12
static const char LONG_COLUMN[] = "averylongcolumnnamewithoutanybreakopportunityatall_x";

static const char GOOD_CSS[] = "<style>body{max-width:1100px}.tw{max-width:100%;overflow-x:auto}"
                               "td,th{padding:4px 7px}</style>";

/* check_html_layout() on a page: the CSS, then body. */
static int problems(const char *css, const char *body)
{
    char page[4096];
    snprintf(page, sizeof page, "<html><head>%s</head><body>%s</body></html>", css, body);
    analysis_quiet = 1;
    const int before = analysis_failures;
    int n = check_html_layout(page, "page");
    analysis_failures = before;
    analysis_quiet = 0;
    return n;
}

static void check_the_checks(void)
{
    const char *ok = "<div class=\"tw\"><table><tr><th>model</th><th>test macro AUROC</th></tr>"
                     "<tr><td>spectral_<wbr>centroid_<wbr>mean</td><td>0.9124</td></tr>"
                     "</table></div>";
    CHECK(problems(GOOD_CSS, ok) == 0, "a page that fits is refused");
    const char *old_css = "<style>body{max-width:1100px}table{max-width:100%}"
                          "td,th{overflow-wrap:anywhere}</style>";
    CHECK(problems(old_css, ok) > 0, "the CSS that broke words inside is accepted");
    CHECK(problems(GOOD_CSS, "<table><tr><td>1</td></tr></table>") > 0,
          "a table outside its box is accepted");
    CHECK(problems("<style>body{max-width:1400px}.tw{max-width:100%;overflow-x:auto}</style>",
                   ok) > 0,
          "a 1,400-px width is accepted");
    CHECK(problems(GOOD_CSS, "<div class=\"tw\"><table><tr><td>"
                             "averylongcolumnnamewithoutanybreakatall</td></tr></table></div>") > 0,
          "a 38-character name without a break opportunity is accepted");
    char wide[1024] = "<div class=\"tw\"><table><tr>";
    for (int c = 0; c < 15; c++)
        strcat(wide, "<th>c</th>");
    strcat(wide, "</tr></table></div>");
    CHECK(problems(GOOD_CSS, wide) > 0, "a 15-column table is accepted");
}

/* 1,200 rows, 6 numeric columns, 12 classes with long names. */
static void write_wide_table(const char *path)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (!f)
        return;
    for (int j = 0; j < 5; j++)
        fprintf(f, "spectral_centroid_mean_over_the_whole_track_%d,", j);
    fprintf(f, "%s,genre_label_with_a_long_name\n", LONG_COLUMN);
    unsigned s = 12345;
    for (int i = 0; i < 1200; i++) {
        int k = i % K;
        for (int j = 0; j < 6; j++) {
            s = s * 1103515245u + 12345u;
            double noise = (double)((s >> 8) % 2000) / 1000.0 - 1.0;
            fprintf(f, "%.4f,", (k * 3 * (j + 1)) % 5 * 0.4 + noise);
        }
        fprintf(f, "\"Class number %d with a rather long descriptive name\"\n", k);
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_analysis_html <genre-analysis> <work-dir>\n");
        return 2;
    }
    check_the_checks();
    char w[1100], cmd[4000], path[1200];
    snprintf(w, sizeof w, "%.900s/html-width", argv[2]);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", w, w);
    CHECK(run_program(cmd) == 0, "cannot make %s", w);
    snprintf(path, sizeof path, "%s/wide.csv", w);
    write_wide_table(path);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' --no-tsne --no-names --no-plots --epochs 1 -i wide.csv "
             "--label genre_label_with_a_long_name -o rep",
             w, argv[1]);
    int rc = run_program(cmd);
    CHECK(rc == 0, "genre-analysis on the wide table: exit %d", rc);
    snprintf(path, sizeof path, "%s/rep/index.html", w);
    char *h = slurp(path, NULL);
    CHECK(h != NULL, "%s missing", path);
    if (!h)
        return 1;
    CHECK(check_html_layout(h, path) == 0, "the wide table's report does not fit 1,280 px");
    /* the long names appear in cells only with break opportunities */
    const char *t = strstr(h, "<table");
    CHECK(t && !strstr(t, LONG_COLUMN), "%s is in a table without a break", LONG_COLUMN);
    CHECK(t && strstr(t, "averylongcolumnn<wbr>"), "%s has no <wbr> in the tables",
          LONG_COLUMN);
    CHECK(t && strstr(t, "spectral_<wbr>centroid_<wbr>"), "a column name has no <wbr>");
    /* K = 12 > 10: each cluster composition table has a row per class */
    int transposed = 0;
    for (const char *c = strstr(h, "composition of the clusters"); c;
         c = strstr(c + 1, "composition of the clusters")) {
        const char *tab = strstr(c, "<table>");
        CHECK(tab && !strncmp(tab, "<table><tr><th>class</th><th>cluster 1</th>", 43),
              "a cluster composition table is not transposed");
        transposed++;
    }
    CHECK(transposed == 2, "%d cluster composition tables, expected 2", transposed);
    free(h);
    fprintf(stderr, "%s\n", analysis_failures ? "FAILED" : "ok");
    return analysis_failures ? 1 : 0;
}
