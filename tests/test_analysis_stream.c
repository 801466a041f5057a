/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-analysis --stream (issue 19 point 3), one mode per CTest:
 *   small      a user's table (digits, 1,797 rows) in chunks of 100 and 37:
 *              completes, metrics.json has the stream object, the split
 *              counts sum to the rows, the chunk sizes agree, and the LDA
 *              and MLP test macro AUROC are within AUROC_TOL of the
 *              in-memory run's; t-SNE and silhouettes run on the sample;
 *   reference  the same on the reference table (50,005 rows) in chunks of
 *              3,000 and 20,000;
 *   memory     the reference table written 4 times over (200,000 rows):
 *              the peak resident set grows by less than RSS_SLACK_KB over
 *              the 1x run with the same chunk (in memory it grows with the
 *              rows); inferring the schema (--label) reads only a prefix;
 *   errors     a bad cell names file:line; a truncated .gz names the byte;
 *              rows without a label are left out, counted and warned about;
 *              a FIFO as --input (read twice) is refused, not waited on;
 *              the largest --chunk-rows runs; a missing TMPDIR (where the
 *              spills go) stops the run naming the folder and the reason;
 *              the file replaced between passes stops the run.
 * AUROC_TOL: the stream run splits by a hash of each row (other test rows
 * than the in-memory stratified split), trains one learning rate for a
 * fixed number of epochs and shuffles within windows: on a few hundred to a
 * few thousand test rows that moves a macro AUROC by up to about 0.01.
 */
#define _POSIX_C_SOURCE 200809L
#include "analysis_harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define AUROC_TOL 0.02
#define RSS_SLACK_KB (24 * 1024)
#define INFER_SLACK_KB (8 * 1024)

static const char *prog, *src, *bin;

/* Up to cap numbers of the array after `"key": [` (one per line). */
static size_t nums_after(const char *from, const char *key, double *out, size_t cap)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\": [", key);
    const char *p = from ? strstr(from, pat) : NULL;
    size_t n = 0;
    if (!p)
        return 0;
    p += strlen(pat);
    while (n < cap) {
        while (*p == ' ' || *p == '\n' || *p == ',')
            p++;
        if (*p == ']' || !*p)
            break;
        char *end;
        out[n++] = strtod(p, &end);
        if (end == p)
            break;
        p = end;
    }
    return n;
}

/* The text of metrics.json in dir (free it), or NULL with a failed CHECK. */
static char *metrics(const char *dir)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    char *m = slurp(path, NULL);
    CHECK(m, "no %s", path);
    return m;
}

/* The test macro AUROC of the first model whose name contains what. */
static double model_auroc(const char *m, const char *what)
{
    const char *p = m ? strstr(m, "\"models\": [") : NULL;
    while (p && (p = strstr(p, "\"name\": \"")) != NULL) {
        const char *e = strchr(p + 9, '"');
        char name[256];
        snprintf(name, sizeof name, "%.*s", e ? (int)(e - p - 9) : 0, p + 9);
        if (strstr(name, what))
            return num_after(p, "test_macro_auroc");
        p += 9;
    }
    return NAN;
}

/* The "split" object's text (the per-class counts). */
static char *split_text(const char *m)
{
    const char *a = m ? strstr(m, "\"split\": {") : NULL, *b = a ? strstr(a, "\"stages\"") : NULL;
    return a && b ? strndup(a, (size_t)(b - a)) : NULL;
}

static int run_stream(const char *in, const char *opts, const char *out, const char *err)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "nice %s --stream -i '%s' -o '%s' %s 2>'%s' >/dev/null", prog, in,
             out, opts, err);
    return run_program(cmd);
}

/* The stream object's counts add up to the rows of the table. */
static void check_counts(const char *m, const char *dir)
{
    const char *s = m ? strstr(m, "\"stream\": {") : NULL;
    CHECK(s, "%s: metrics.json has no stream object", dir);
    double tr = num_after(s, "train_rows"), te = num_after(s, "test_rows"),
           lab = num_after(s, "rows_labelled"), unl = num_after(s, "rows_without_label"),
           kept = num_after(m, "rows_kept");
    CHECK(tr > 0 && te > 0 && tr + te == lab, "%s: train %g + test %g != labelled %g", dir, tr,
          te, lab);
    CHECK(lab + unl == kept, "%s: labelled %g + unlabelled %g != kept %g", dir, lab, unl, kept);
    CHECK(!isnan(model_auroc(m, "LDA")), "%s: no LDA entry", dir);
    CHECK(m && strstr(m, "-20-15-"), "%s: no d-20-15-K MLP entry", dir);
}

/* Two chunk sizes: the same split exactly, the scaler, PCA and LDA numbers
 * to 1e-12 relative (the partial states merge chunk by chunk: rounding). */
static void check_same(const char *a, const char *b)
{
    char *sa = split_text(a), *sb = split_text(b);
    CHECK(sa && sb && !strcmp(sa, sb), "the split differs between chunk sizes");
    free(sa), free(sb);
    static const char *const keys[] = {"scaler_mean", "scaler_scale",
                                       "explained_variance_ratio"};
    const char *from[2][4] = {{strstr(a, "\"stream\""), strstr(a, "\"stream\""),
                               strstr(a, "\"pca\""), strstr(a, "\"lda\"")},
                              {strstr(b, "\"stream\""), strstr(b, "\"stream\""),
                               strstr(b, "\"pca\""), strstr(b, "\"lda\"")}};
    for (int k = 0; k < 4; k++) {
        double x[256], y[256];
        size_t nx = nums_after(from[0][k], keys[k < 3 ? k : 2], x, 256),
               ny = nums_after(from[1][k], keys[k < 3 ? k : 2], y, 256);
        CHECK(nx > 0 && nx == ny, "%s: %zu vs %zu values", keys[k < 3 ? k : 2], nx, ny);
        double worst = 0, big = 0;
        for (size_t i = 0; i < nx && i < ny; i++)
            big = fmax(big, fabs(y[i]));
        for (size_t i = 0; i < nx && i < ny; i++)
            worst = fmax(worst, fabs(x[i] - y[i]) / big);
        CHECK(worst <= 1e-12, "%s (%s): chunk sizes differ by %g relative", keys[k < 3 ? k : 2],
              k == 2 ? "PCA" : k == 3 ? "LDA" : "scaler", worst);
    }
}

/* Stream runs at two chunk sizes and the in-memory run of the same table. */
static void compare(const char *name, const char *in, const char *table_opts, int chunk_a,
                    int chunk_b, const char *mem_opts, int epochs)
{
    char da[1200], db[1200], dm[1200], err[1200], opts[1024], cmd[4096];
    snprintf(da, sizeof da, "%s/stream_%s_a", bin, name);
    snprintf(db, sizeof db, "%s/stream_%s_b", bin, name);
    snprintf(dm, sizeof dm, "%s/stream_%s_mem", bin, name);
    snprintf(err, sizeof err, "%s/stream_%s.err", bin, name);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s' '%s'", da, db, dm);
    run_program(cmd);
    snprintf(opts, sizeof opts, "%s --no-tsne --epochs %d --chunk-rows %d", table_opts, epochs,
             chunk_a);
    CHECK(run_stream(in, opts, da, err) == 0, "%s: --stream failed (%s)", name, err);
    snprintf(opts, sizeof opts, "%s --no-tsne --epochs %d --chunk-rows %d", table_opts, epochs,
             chunk_b);
    CHECK(run_stream(in, opts, db, err) == 0, "%s: --stream failed (%s)", name, err);
    snprintf(cmd, sizeof cmd, "nice %s -i '%s' %s %s --epochs %d -o '%s' 2>'%s' >/dev/null", prog,
             in, table_opts, mem_opts, epochs, dm, err);
    CHECK(run_program(cmd) == 0, "%s: the in-memory run failed (%s)", name, err);
    char *a = metrics(da), *b = metrics(db), *m = metrics(dm);
    char html[1300];
    snprintf(html, sizeof html, "%s/index.html", da);
    char *h = slurp(html, NULL);
    CHECK(h && strstr(h, "<h2>Stream mode</h2>") && strstr(h, "hash of the seed"),
          "%s: the HTML report does not say what stream mode changed", html);
    free(h);
    if (a && b && m) {
        check_counts(a, da);
        check_counts(b, db);
        check_same(a, b);
        double la = model_auroc(a, "LDA classifier"), lm = model_auroc(m, "LDA classifier");
        CHECK(fabs(la - lm) <= AUROC_TOL, "%s: LDA classifier test macro AUROC %.4f (stream) vs "
              "%.4f (in memory)", name, la, lm);
        double ma = model_auroc(a, "all "), mm = model_auroc(m, "all ");
        CHECK(fabs(ma - mm) <= AUROC_TOL, "%s: MLP d-20-15-K test macro AUROC %.4f (stream) vs "
              "%.4f (in memory)", name, ma, mm);
        fprintf(stderr, "%s: LDA %.4f / %.4f, MLP %.4f / %.4f (stream / in memory)\n", name, la,
                lm, ma, mm);
    }
    free(a), free(b), free(m);
}

/* The reference table's text written `times` times over (one header). */
static int write_copies(const char *out, int times)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/data/music_genre.csv.gz", src);
    gzFile g = gzopen(path, "rb");
    FILE *f = fopen(out, "wb");
    size_t cap = 64u << 20, n = 0;
    char *buf = malloc(cap);
    int k;
    while (g && buf && (k = gzread(g, buf + n, (unsigned)(cap - n))) > 0)
        n += (size_t)k;
    if (g)
        gzclose(g);
    char *body = buf ? memchr(buf, '\n', n) : NULL;
    int ok = f && body;
    if (ok) {
        body++;
        fwrite(buf, 1, (size_t)(body - buf), f);
        for (int t = 0; t < times; t++)
            fwrite(body, 1, n - (size_t)(body - buf), f);
    }
    ok = ok && !ferror(f);
    if (f)
        ok = !fclose(f) && ok;
    free(buf);
    return ok ? 0 : -1;
}

/* t-SNE and the silhouettes on the stratified sample (--sample-rows). */
static void sample_tsne(const char *in)
{
    char d[1200], err[1200], cmd[1400];
    snprintf(d, sizeof d, "%s/stream_tsne", bin);
    snprintf(err, sizeof err, "%s/stream_tsne.err", bin);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    run_program(cmd);
    CHECK(run_stream(in, "--label digit --chunk-rows 100 --epochs 2 --sample-rows 600 "
                         "--tsne-iter 250 --perplexity 30 --tsne-dims 2", d, err) == 0,
          "--stream with t-SNE failed (%s)", err);
    char *m = metrics(d);
    const char *t = m ? strstr(m, "\"tsne\": [") : NULL;
    CHECK(num_after(t, "rows") == 600, "t-SNE embedded %g rows, not the sample's 600",
          num_after(t, "rows"));
    CHECK(num_after(m ? strstr(m, "\"stream\"") : NULL, "sample_rows") == 600,
          "the sample is not 600 rows");
    double sil[8];
    CHECK(nums_after(m ? strstr(m, "\"lda_2d\"") : NULL, "silhouette", sil, 8) == 7 &&
              sil[0] > -1 && sil[0] < 1, "no silhouettes for k = 2..8");
    free(m);
}

/* The peak resident KiB after pass 1, from the program's stderr. */
static double pass1_peak(const char *err)
{
    char *e = slurp(err, NULL);
    const char *p = e ? strstr(e, "pass 1 (") : NULL;
    const char *q = p ? strstr(p, "(peak ") : NULL;
    double mb = q ? strtod(q + 6, NULL) : -1;
    free(e);
    return mb * 1024;
}

static void memory_bound(void)
{
    char t1[1200], t4[1200], d1[1200], d4[1200], err[1200], cmd[4096];
    snprintf(t1, sizeof t1, "%s/stream_x1.csv", bin);
    snprintf(t4, sizeof t4, "%s/stream_x4.csv", bin);
    snprintf(d1, sizeof d1, "%s/stream_mem_x1", bin);
    snprintf(d4, sizeof d4, "%s/stream_mem_x4", bin);
    snprintf(err, sizeof err, "%s/stream_mem.err", bin);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", d1, d4);
    run_program(cmd);
    CHECK(write_copies(t1, 1) == 0 && write_copies(t4, 4) == 0, "cannot write the tables");
    const char *opts = "--no-tsne --chunk-rows 2000 --epochs 1";
    CHECK(run_stream(t1, opts, d1, err) == 0, "--stream on 1x failed (%s)", err);
    CHECK(run_stream(t4, opts, d4, err) == 0, "--stream on 4x failed (%s)", err);
    char *a = metrics(d1), *b = metrics(d4);
    double r1 = num_after(a ? strstr(a, "\"stream\"") : NULL, "peak_rss_kb"),
           r4 = num_after(b ? strstr(b, "\"stream\"") : NULL, "peak_rss_kb");
    double rows4 = num_after(b, "rows_read");
    CHECK(rows4 == 200020, "the 4x table has %g rows", rows4);
    CHECK(r1 > 0 && r4 > 0 && r4 - r1 < RSS_SLACK_KB,
          "peak RSS %g KiB on 200,020 rows vs %g KiB on 50,005: grows with the rows", r4, r1);
    fprintf(stderr, "peak RSS: %.0f KiB (50,005 rows), %.0f KiB (200,020 rows)\n", r1, r4);
    free(a), free(b);
    /* --label infers the schema from --infer-rows rows without reading the
     * whole file: the peak after pass 1 (inference included) is the
     * built-in schema's, give or take INFER_SLACK_KB (genre_dataset_schema_
     * infer() on the whole 4x table peaks about 22 MB higher) */
    char errl[1200];
    snprintf(errl, sizeof errl, "%s/stream_mem_label.err", bin);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d4);
    run_program(cmd);
    CHECK(run_stream(t4, "--no-tsne --chunk-rows 2000 --epochs 1 --label music_genre "
                         "--infer-rows 2000", d4, errl) == 0,
          "--stream --label on 4x failed (%s)", errl);
    double p_builtin = pass1_peak(err), p_label = pass1_peak(errl);
    CHECK(p_builtin > 0 && p_label > 0 && p_label - p_builtin < INFER_SLACK_KB,
          "peak after pass 1: %g KiB inferring the schema, %g KiB with the built-in one",
          p_label, p_builtin);
    fprintf(stderr, "peak after pass 1: %.0f KiB (inferred schema), %.0f KiB (built-in)\n",
            p_label, p_builtin);
    b = metrics(d4);
    CHECK(b && strstr(b, "inferred from the first 2000 data rows"), "the report does not say "
          "how the schema was inferred");
    free(b);
    remove(t1), remove(t4);
}

static void errors(void)
{
    char in[1200], gz[1200], out[1200], err[1200], path[1200];
    snprintf(in, sizeof in, "%s/stream_bad.csv", bin);
    snprintf(gz, sizeof gz, "%s/stream_cut.csv.gz", bin);
    snprintf(out, sizeof out, "%s/stream_err_out", bin);
    snprintf(err, sizeof err, "%s/stream_err.err", bin);
    /* a table whose data line 3 (file line 4) has a word in a numeric column */
    FILE *f = fopen(in, "w");
    CHECK(f, "cannot write %s", in);
    if (f) {
        fputs("a,b,y\n1,2,p\n3,4,q\n5,oops,p\n", f);
        for (int i = 0; i < 200; i++)
            fprintf(f, "%d,%d,%s\n", i, i % 7, i % 2 ? "p" : "q");
        fclose(f);
    }
    CHECK(run_stream(in, "--no-tsne --schema /dev/null", out, err) != 0,
          "a bad schema was accepted");
    char schema[1200];
    snprintf(schema, sizeof schema, "%s/stream_bad.schema", bin);
    write_text(schema, "a numeric\nb numeric\ny label\n");
    char opts[1400];
    snprintf(opts, sizeof opts, "--no-tsne --schema '%s' --chunk-rows 2", schema);
    CHECK(run_stream(in, opts, out, err) == 1, "a bad cell did not stop the run");
    char where[1300];
    snprintf(where, sizeof where, "%s:4", in);
    CHECK(err_has(err, where), "the error does not name %s", where);
    /* the first 200,000 bytes of the gzip reference table */
    snprintf(path, sizeof path, "%s/data/music_genre.csv.gz", src);
    size_t len = 0;
    char *z = slurp(path, &len);
    f = fopen(gz, "wb");
    CHECK(z && f && len > 200000, "cannot cut %s", path);
    if (z && f)
        fwrite(z, 1, 200000, f);
    if (f)
        fclose(f);
    free(z);
    CHECK(run_stream(gz, "--no-tsne", out, err) == 1, "a truncated gzip did not stop the run");
    CHECK(err_has(err, "byte 200000"), "the truncation is not named by its byte offset");
    /* rows without a label are left out and counted; an empty row is dropped */
    f = fopen(in, "w");
    CHECK(f, "cannot write %s", in);
    if (f) {
        fputs("a,b,y\n", f);
        for (int i = 0; i < 300; i++)
            fprintf(f, i == 150 ? ",,\n" : "%d,%d,%s\n", i, (i * 7) % 11,
                    i % 10 == 3 ? "" : i % 3 ? "p" : "q");
        fclose(f);
    }
    snprintf(out, sizeof out, "%s/stream_unlabelled", bin);
    CHECK(run_stream(in, "--no-tsne --label y --chunk-rows 16 --epochs 1", out, err) == 0,
          "a table with unlabelled rows failed (%s)", err);
    char *m = metrics(out);
    check_counts(m, out);
    CHECK(num_after(m, "rows_without_label") == 30, "%g rows without a label, not 30",
          num_after(m, "rows_without_label"));
    CHECK(num_after(m, "rows_kept") == 299, "%g rows kept, not 299", num_after(m, "rows_kept"));
    CHECK(m && strstr(m, "30 rows without a value in the label column 'y' left out"),
          "no warning about the unlabelled rows");
    free(m);
    /* the largest --chunk-rows: the MLP's window is the spill's size, not
     * 2^30 rows (whose allocation failed and left the MLP untrained:
     * "the model is not fitted" when scoring) */
    f = fopen(in, "w"); /* 24 features: a 2^30-row window would be 200 GB */
    CHECK(f, "cannot write %s", in);
    if (f) {
        for (int j = 0; j < 24; j++)
            fprintf(f, "x%d,", j);
        fputs("y\n", f);
        for (int i = 0; i < 200; i++) {
            for (int j = 0; j < 24; j++)
                fprintf(f, "%d,", (i * (j + 3)) % 17);
            fputs(i % 2 ? "p\n" : "q\n", f);
        }
        fclose(f);
    }
    CHECK(run_stream(in, "--no-tsne --label y --chunk-rows 1073741824 --epochs 1", out, err) ==
              0,
          "--chunk-rows 1073741824 failed (%s)", err);
    /* the spills go to $TMPDIR (tmpfile() ignored it); one that is missing
     * stops the run with a message naming the folder and the reason */
    char cmd2[8192], missing[1300];
    snprintf(missing, sizeof missing, "%s/stream_no_such_tmpdir", bin);
    snprintf(cmd2, sizeof cmd2,
             "TMPDIR='%s' nice %s --stream -i '%s' -o '%s' --no-tsne --label y --epochs 1 "
             "2>'%s' >/dev/null",
             missing, prog, in, out, err);
    CHECK(run_program(cmd2) == 1, "a missing TMPDIR did not stop the run");
    CHECK(err_has(err, "spill file in ") && err_has(err, missing) &&
              err_has(err, "No such file or directory"),
          "the spill failure does not name TMPDIR's folder and the reason");
    /* the file replaced by a shorter one after the first pass (each pass
     * opens it again): stopped, not statistics of two tables mixed. The
     * error file is removed first: the run before this one wrote "pass 1"
     * to it, and a wait that saw that replaced the file before this run
     * opened it (one run in four failed). */
    char chg[1200], cmd3[16384];
    snprintf(chg, sizeof chg, "%s/stream_changed.csv", bin);
    f = fopen(in, "w");
    CHECK(f, "cannot write %s", in);
    if (f) {
        fputs("a,b,y\n", f);
        for (int i = 0; i < 200000; i++)
            fprintf(f, "%d,%d,%s\n", i % 13, i * 7 % 11, i % 2 ? "p" : "q");
        fclose(f);
    }
    snprintf(cmd3, sizeof cmd3,
             "rm -f '%s' && cp '%s' '%s' && (%s --stream -i '%s' --label y --chunk-rows 1 "
             "--epochs 1 --no-tsne --no-kmeans -o '%s' >'%s' 2>&1; echo $? >'%s.rc') & "
             "for i in $(seq 1 1200); do grep -qs 'pass 1 ' '%s' && break; sleep 0.05; done; "
             "head -1000 '%s' > '%s.new' && mv '%s.new' '%s'; wait; exit $(cat '%s.rc')",
             err, in, chg, prog, chg, out, err, err, err, in, chg, chg, chg, err);
    CHECK(run_program(cmd3) == 1, "a file replaced between passes was not noticed");
    CHECK(err_has(err, "changed during the run"), "no message on the changed file");
    remove(chg);
    /* a FIFO cannot be read in passes (a second open waits for a writer
     * forever): refused at once, naming it, with --stream and with an
     * inferred schema; timeout turns a hang (no writer) into a failure */
    char fifo[1200], cmd[4096];
    snprintf(fifo, sizeof fifo, "%s/stream_fifo.csv", bin);
    snprintf(cmd, sizeof cmd, "rm -f '%s' && mkfifo '%s'", fifo, fifo);
    CHECK(run_program(cmd) == 0, "cannot make the FIFO %s", fifo);
    const char *modes[] = {"--stream", ""};
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd,
                 "timeout 30 %s %s -i '%s' --label y --no-tsne -o '%s' 2>'%s' >/dev/null",
                 prog, modes[i], fifo, out, err);
        CHECK(run_program(cmd) == 1, "a FIFO as --input %s was not refused", modes[i]);
        CHECK(err_has(err, "is a pipe (FIFO), not a regular file"), "no message on the FIFO");
    }
    remove(fifo);
    remove(in), remove(gz), remove(schema);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s small|reference|memory|errors PROG SRC BIN\n", argv[0]);
        return 2;
    }
    prog = argv[2], src = argv[3], bin = argv[4];
    char in[1200];
    if (!strcmp(argv[1], "small")) {
        snprintf(in, sizeof in, "%s/tests/fixtures/tables/digits.csv.gz", src);
        compare("small", in, "--label digit", 100, 37,
                "--no-tsne --no-kmeans --no-plots --no-names", 30);
        sample_tsne(in);
    } else if (!strcmp(argv[1], "reference")) {
        snprintf(in, sizeof in, "%s/data/music_genre.csv.gz", src);
        compare("reference", in, "", 3000, 20000,
                "--no-tsne --no-kmeans --no-plots --no-names --tempo-median", 20);
    } else if (!strcmp(argv[1], "memory")) {
        memory_bound();
    } else if (!strcmp(argv[1], "errors")) {
        errors();
    } else {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    return analysis_failures ? 1 : 0;
}
