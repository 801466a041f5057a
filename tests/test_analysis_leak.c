/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-analysis's leak warning, end to end (analysis_names_leak, label
 * `data`): a quarter of the vendored table with track_name replaced by file
 * names that hold the genre ("Rock.00012.wav"). The name study's leak check
 * flags track_name: metrics.json's top-level warnings name it with the word
 * "leak", index.html shows it at the top, and the name study leaves it out
 * of the combined models; with --keep-leaking it stays in (and the warning
 * says so).
 *
 *   test_analysis_leak <genre-analysis> <source-dir> <work-dir>
 */
#include "analysis_harness.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Field boundaries outside quotes: start[k], end[k] of up to cap fields. */
static int split_fields(const char *s, const char **start, const char **end, int cap)
{
    int n = 0, q = 0;
    start[0] = s;
    for (const char *p = s;; p++) {
        if (*p == '"')
            q = !q;
        if ((*p == ',' && !q) || *p == 0) {
            if (n < cap)
                end[n] = p;
            if (*p == 0 || ++n >= cap)
                return *p == 0 ? n + 1 : n;
            start[n] = p + 1;
        }
    }
}

/* Every 4th non-blank row of the vendored table, track_name (field 2) as
 * <genre>.<row>.wav. 0, or -1. */
static int write_leaky(const char *src, const char *path)
{
    char in[4200];
    snprintf(in, sizeof in, "%s/data/music_genre.csv.gz", src);
    gzFile g = gzopen(in, "rb");
    FILE *f = fopen(path, "w");
    if (!g || !f) {
        if (g)
            gzclose(g);
        if (f)
            fclose(f);
        return -1;
    }
    static char line[1 << 16];
    long row = 0;
    int first = 1;
    while (gzgets(g, line, sizeof line)) {
        line[strcspn(line, "\r\n")] = 0;
        if (first) {
            fprintf(f, "%s\n", line);
            first = 0;
            continue;
        }
        const char *a[32], *b[32];
        int n = split_fields(line, a, b, 32);
        if (n != 18 || b[17] == a[17] || row++ % 4) /* blank rows, 3 of 4 rows */
            continue;
        fprintf(f, "%.*s,%.*s.%05ld.wav,%s\n", (int)(b[1] - line), line, (int)(b[17] - a[17]),
                a[17], row, b[2] + 1);
    }
    gzclose(g);
    return fclose(f) ? -1 : 0;
}

static int run(const char *prog, const char *table, const char *out, const char *extra)
{
    char cmd[13000];
    snprintf(cmd, sizeof cmd,
             "rm -rf '%s' && '%s' --no-tsne --no-kmeans --no-mlp --no-plots --names-quick %s "
             "-i '%s' -o '%s'",
             out, prog, extra, table, out);
    return run_program(cmd);
}

/* The report's metrics.json and index.html, checked for the warning. */
static void check_report(const char *out, int keep)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/metrics.json", out);
    char *j = slurp(path, NULL);
    CHECK(j != NULL, "%s missing", path);
    if (!j)
        return;
    const char *w = strstr(j, "\"warnings\": [");
    const char *w_end = w ? strchr(w, ']') : NULL;
    const char *t = w ? strstr(w, "'track_name' alone predicts the label") : NULL;
    CHECK(t && t < w_end, "metrics.json's warnings do not name track_name");
    const char *l = t ? strstr(t, "leak") : NULL;
    CHECK(l && l < w_end, "the warning lacks the word leak");
    const char *k = t ? strstr(t, keep ? "kept in the combined models" : "left out of the "
                                                                         "combined models")
                      : NULL;
    CHECK(k && k < w_end, "the warning does not say the column is %s",
          keep ? "kept" : "left out");
    /* name_study.fields (the schema, imputation and unused-column lists
     * before it name these columns too) */
    const char *ns = strstr(j, "\"name_study\"");
    const char *a = ns ? strstr(ns, "\"column\": \"artist_name\"") : NULL;
    const char *c = ns ? strstr(ns, "\"column\": \"track_name\"") : NULL;
    CHECK(a && strstr(a, "\"leak\": false") && strstr(a, "\"leak\": false") < c,
          "artist_name flagged as a leak");
    CHECK(c && strstr(c, "\"leak\": true"), "track_name not flagged in name_study.fields");
    CHECK(c && strstr(c, keep ? "\"in_combined_models\": true" : "\"in_combined_models\": false"),
          "track_name's in_combined_models is wrong");
    free(j);
    snprintf(path, sizeof path, "%s/index.html", out);
    char *h = slurp(path, NULL);
    const char *hw = h ? strstr(h, "<p class=\"warn\"><b>Warning:</b> name study: column "
                                   "'track_name'")
                       : NULL;
    CHECK(hw && strstr(h, "<h2>Stages</h2>") && hw < strstr(h, "<h2>Stages</h2>"),
          "index.html does not show the warning at its top");
    free(h);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: test_analysis_leak <genre-analysis> <source-dir> <work-dir>\n");
        return 2;
    }
    char table[4200], out[4200];
    snprintf(table, sizeof table, "%s/leaky_music_genre.csv", argv[3]);
    if (write_leaky(argv[2], table)) {
        fprintf(stderr, "FAIL: cannot write %s\n", table);
        return 1;
    }
    snprintf(out, sizeof out, "%s/report-names-leak", argv[3]);
    int rc = run(argv[1], table, out, "");
    CHECK(rc == 0, "genre-analysis exited with %d", rc);
    check_report(out, 0);
    snprintf(out, sizeof out, "%s/report-names-leak-kept", argv[3]);
    rc = run(argv[1], table, out, "--keep-leaking");
    CHECK(rc == 0, "genre-analysis --keep-leaking exited with %d", rc);
    check_report(out, 1);
    fprintf(stderr, "%s\n", analysis_failures ? "FAILED" : "ok");
    return analysis_failures ? 1 : 0;
}
