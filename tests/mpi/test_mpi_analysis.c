/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-analysis-mpi (issue 20 item 5), one mode per CTest; the program
 * launches mpiexec itself (--oversubscribe, --allow-run-as-root when root):
 *   same P    a table written here (4,000 rows sorted by class, missing
 *             cells, a categorical column, unlabelled and empty rows) by
 *             genre-analysis --stream and by genre-analysis-mpi on P ranks:
 *             metrics.json the same, token by token: strings and whole
 *             numbers exactly (split counts, k-means cluster compositions:
 *             the same assignments), the metrics (AUROCs, accuracies)
 *             exactly, the scaler's, PCA's and LDA's numbers to 1e-12
 *             relative, every other number (MLP losses, silhouettes,
 *             inertias) to 1e-9; timings, memory and the pass count
 *             (P > 1 reads once more) left out. With P = 3 also t-SNE on the
 *             stratified sample, gathered to rank 0;
 *   errors    a bad cell in the last rank's part: every rank exits 1, the
 *             message (file:line) printed once; the spill folder missing on
 *             rank 1 only, or the file: every rank stops (no hang), naming
 *             it; an
 *             existing folder that is not a report refused as genre-analysis
 *             refuses it; a .gz input on 2 ranks refused.
 */
#define _POSIX_C_SOURCE 200809L
#include "analysis_harness.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *one, *mpi, *mpiexec, *bin;
static char flags[128];

static void write_table(const char *path, int bad_line)
{
    FILE *f = fopen(path, "w");
    CHECK(f, "cannot write %s", path);
    if (!f)
        return;
    fputs("x1,x2,x3,x4,x5,kind,y\n", f);
    uint64_t s = 20261205;
    int line = 1;
    for (int c = 0; c < 4; c++) /* sorted by class, as the reference table */
        for (int i = 0; i < 1000; i++) {
            double u[5];
            for (int j = 0; j < 5; j++) {
                s = s * 6364136223846793005ULL + 1442695040888963407ULL;
                u[j] = (double)(s >> 11) * 0x1p-53;
            }
            line++;
            if (line == bad_line) {
                fputs("1,oops,2,3,4,a,c0\n", f);
                continue;
            }
            if (i == 500 && c == 1) {
                fputs(",,,,,,\n", f); /* an empty row: dropped */
                continue;
            }
            char x2[32] = "";
            if (i % 37) /* missing cells: imputed by the training median */
                snprintf(x2, sizeof x2, "%.6f", u[1] * 3 - c);
            fprintf(f, "%.6f,%s,%.6f,%.6f,%d,%c,%s\n", u[0] + 0.4 * c, x2, u[2] * u[3] + c * 0.3,
                    u[4] - 0.2 * c, (int)(u[3] * 5) + c, "abc"[(i + c) % 3],
                    i % 97 == 5 ? "" : (const char *[]){"c0", "c1", "c2", "c3"}[c]);
        }
    fclose(f);
}

/* ---- metrics.json compared token by token ---- */

typedef struct tok {
    const char *p;
    size_t n;
    char kind; /* '"' string, '0' number, 'l' literal, else punctuation */
} tok;

static const char *next_tok(const char *p, tok *t)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    t->p = p;
    if (!*p) {
        t->n = 0, t->kind = 0;
        return p;
    }
    if (*p == '"') {
        const char *q = p + 1;
        while (*q && *q != '"')
            q += *q == '\\' && q[1] ? 2 : 1;
        t->n = (size_t)(q - p) + (*q == '"'), t->kind = '"';
    } else if (*p == '-' || isdigit((unsigned char)*p)) {
        const char *q = p + 1;
        while (*q && strchr("0123456789.eE+-", *q))
            q++;
        t->n = (size_t)(q - p), t->kind = '0';
    } else if (isalpha((unsigned char)*p)) {
        const char *q = p;
        while (isalpha((unsigned char)*q))
            q++;
        t->n = (size_t)(q - p), t->kind = 'l';
    } else {
        t->n = 1, t->kind = *p;
    }
    return p + t->n;
}

/* Skips one value starting at token t (nested ones whole). */
static const char *skip_value(const char *p, tok *t)
{
    int depth = 0;
    do {
        if (t->kind == '{' || t->kind == '[')
            depth++;
        else if (t->kind == '}' || t->kind == ']')
            depth--;
        if (depth == 0)
            break;
        p = next_tok(p, t);
    } while (t->kind);
    return p;
}

static int key_is(const tok *k, const char *name)
{
    size_t n = strlen(name);
    return k->n == n + 2 && !strncmp(k->p + 1, name, n);
}

static int left_out(const tok *k)
{
    static const char *const skip[] = {"seconds", "total_seconds", "train_seconds",
                                       "cpu_seconds", "total_cpu_seconds",
                                       "peak_rss_kb", "passes", "ranks", "kl_divergence"};
    for (size_t i = 0; i < sizeof skip / sizeof *skip; i++)
        if (key_is(k, skip[i]))
            return 1;
    return 0;
}

static int key_has(const tok *k, const char *part)
{
    size_t n = strlen(part);
    for (size_t i = 1; i + n < k->n; i++)
        if (!strncmp(k->p + i, part, n))
            return 1;
    return 0;
}

/* The tolerance of the numbers under key k: the metrics (AUROCs from the
 * merged metrics states, accuracies) exactly. */
static double tolerance(const tok *k)
{
    if (key_has(k, "auroc") || key_has(k, "accuracy"))
        return 0;
    return key_is(k, "scaler_mean") || key_is(k, "scaler_scale") ||
                   key_is(k, "explained_variance_ratio")
               ? 1e-12
               : 1e-9;
}

static void compare_json(const char *a, const char *b, const char *what)
{
    tok ta, tb, key = {"\"\"", 2, '"'};
    const char *pa = a, *pb = b;
    int diffs = 0, numbers = 0;
    double worst = 0;
    for (;;) {
        pa = next_tok(pa, &ta);
        pb = next_tok(pb, &tb);
        if (!ta.kind || !tb.kind) {
            CHECK(ta.kind == tb.kind, "%s: one metrics.json ends early", what);
            break;
        }
        if (ta.kind == '"') { /* a key? */
            const char *q = pa;
            while (isspace((unsigned char)*q))
                q++;
            if (*q == ':') {
                CHECK(ta.n == tb.n && !memcmp(ta.p, tb.p, ta.n), "%s: key %.*s vs %.*s", what,
                      (int)ta.n, ta.p, (int)tb.n, tb.p);
                if (ta.n != tb.n || memcmp(ta.p, tb.p, ta.n))
                    return;
                key = ta;
                pa = next_tok(pa, &ta), pb = next_tok(pb, &tb); /* the colons */
                if (left_out(&key)) {
                    pa = skip_value(next_tok(pa, &ta), &ta);
                    pb = skip_value(next_tok(pb, &tb), &tb);
                }
                continue;
            }
        }
        if (ta.kind == '0' && tb.kind == '0') {
            double x = strtod(ta.p, NULL), y = strtod(tb.p, NULL);
            int whole = !memchr(ta.p, '.', ta.n) && !memchr(ta.p, 'e', ta.n);
            double rel = fabs(x - y) / fmax(fmax(fabs(x), fabs(y)), 1e-300);
            double tol = whole ? 0 : tolerance(&key);
            numbers++;
            if ((tol == 0 ? x != y : fabs(x - y) > 1e-15) && rel > tol) {
                if (diffs++ < 10)
                    CHECK(0, "%s: %.*s: %.17g vs %.17g (relative %.2g, allowed %g)", what,
                          (int)key.n, key.p, x, y, rel, tol);
            } else if (rel > worst && fabs(x - y) > 1e-15) {
                worst = rel;
            }
            continue;
        }
        if (ta.n != tb.n || memcmp(ta.p, tb.p, ta.n)) {
            if (diffs++ < 10)
                CHECK(0, "%s: under %.*s: %.*s vs %.*s", what, (int)key.n, key.p,
                      (int)(ta.n < 200 ? ta.n : 200), ta.p, (int)(tb.n < 200 ? tb.n : 200),
                      tb.p);
            if (ta.kind != tb.kind)
                return;
        }
    }
    fprintf(stderr, "%s: %d numbers compared, %d differences beyond the tolerances, the "
                    "largest within them %.2g relative\n",
            what, numbers, diffs, worst);
}

/* ---- runs ---- */

static int run_mpi(int ranks, const char *env, const char *args, const char *err)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "timeout 120 %s %s -n %d %s %s %s", mpiexec, flags, ranks,
             env ? env : "", mpi, args);
    return run_capture(cmd, err);
}

static char *metrics(const char *dir)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    char *m = slurp(path, NULL);
    CHECK(m, "no %s", path);
    return m;
}

static void same(int ranks)
{
    char in[1200], d1[1200], dp[1200], err[1200], args[4096], cmd[8192];
    snprintf(in, sizeof in, "%s/mpi_analysis_np%d.csv", bin, ranks);
    snprintf(d1, sizeof d1, "%s/mpi_analysis_np%d_one", bin, ranks);
    snprintf(dp, sizeof dp, "%s/mpi_analysis_np%d_mpi", bin, ranks);
    snprintf(err, sizeof err, "%s/mpi_analysis_np%d.err", bin, ranks);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", d1, dp);
    run_program(cmd);
    write_table(in, 0);
    const char *opts = ranks == 3 ? "--label y --epochs 3 --chunk-rows 300 --threads 1 "
                                    "--sample-rows 400 --tsne-iter 250 --perplexity 30 "
                                    "--tsne-dims 2"
                                  : "--label y --epochs 3 --chunk-rows 300 --threads 1 "
                                    "--sample-rows 400 --no-tsne";
    snprintf(cmd, sizeof cmd, "%s --stream -i '%s' %s -o '%s'", one, in, opts, d1);
    CHECK(run_capture(cmd, err) == 0, "genre-analysis --stream failed (%s)", err);
    snprintf(args, sizeof args, "-i '%s' %s -o '%s'", in, opts, dp);
    CHECK(run_mpi(ranks, NULL, args, err) == 0, "genre-analysis-mpi on %d ranks failed (%s)",
          ranks, err);
    char *a = metrics(d1), *b = metrics(dp);
    if (a && b) {
        char what[64];
        snprintf(what, sizeof what, "%d rank%s vs one process", ranks, ranks > 1 ? "s" : "");
        compare_json(a, b, what);
        CHECK(num_after(strstr(b, "\"stream\""), "ranks") == ranks, "metrics.json: ranks %g",
              num_after(strstr(b, "\"stream\""), "ranks"));
        const char *ta = strstr(a, "\"tsne\": ["), *tb = strstr(b, "\"tsne\": [");
        if (ranks == 3) { /* t-SNE amplifies rounding: its KL to 1e-3 */
            double ka = num_after(ta, "kl_divergence"), kb = num_after(tb, "kl_divergence");
            CHECK(num_after(tb, "rows") == num_after(strstr(b, "\"stream\""), "sample_rows") &&
                      num_after(tb, "rows") > 0,
                  "t-SNE embedded %g rows, not the sample's", num_after(tb, "rows"));
            CHECK(fabs(ka - kb) <= 1e-3 * fabs(ka), "t-SNE KL %g vs %g", ka, kb);
        }
    }
    free(a), free(b);
    remove(in);
}

/* How often s occurs in the file. */
static int count_in(const char *path, const char *s)
{
    char *t = slurp(path, NULL);
    int n = 0;
    for (const char *p = t; p && (p = strstr(p, s)) != NULL; p += strlen(s))
        n++;
    free(t);
    return n;
}

static void errors(void)
{
    char in[1200], out[1200], err[1200], args[4096], cmd[16384], where[1300], env[10000];
    snprintf(in, sizeof in, "%s/mpi_analysis_bad.csv", bin);
    snprintf(out, sizeof out, "%s/mpi_analysis_bad_out", bin);
    snprintf(err, sizeof err, "%s/mpi_analysis_bad.err", bin);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
    run_program(cmd);
    /* a bad cell at file line 3,700: in the last rank's part */
    char schema[1200];
    snprintf(schema, sizeof schema, "%s/mpi_analysis_bad.schema", bin);
    write_text(schema, "* missing=\"\"\nx1 numeric\nx2 numeric\nx3 numeric\nx4 numeric\nx5 numeric\n"
                       "kind categorical\ny label\n");
    write_table(in, 3700);
    snprintf(where, sizeof where, "%s:3700", in);
    for (int ranks = 2; ranks <= 3; ranks++) {
        snprintf(err, sizeof err, "%s/mpi_analysis_bad_np%d.err", bin, ranks);
        snprintf(args, sizeof args, "-i '%s' --schema '%s' --no-tsne --epochs 1 -o '%s'", in,
                 schema, out);
        CHECK(run_mpi(ranks, NULL, args, err) == 1, "a bad cell on %d ranks did not exit 1",
              ranks);
        CHECK(count_in(err, where) == 1, "%d ranks: %s is not named once in %s", ranks, where,
              err);
        char rank[64];
        snprintf(rank, sizeof rank, "rank %d of %d", ranks - 1, ranks);
        CHECK(count_in(err, rank) == 1, "the message does not name %s", rank);
        CHECK(!exists(out), "a report was written after the failure");
    }
    /* rank 1 alone cannot create its spill files: every rank stops */
    write_table(in, 0);
    char missing[1300];
    snprintf(missing, sizeof missing, "%s/mpi_analysis_no_tmpdir", bin);
    snprintf(args, sizeof args, "-i '%s' --label y --no-tsne --epochs 1 -o '%s'", in, out);
    snprintf(env, sizeof env, "%s %s : -n 1 -x TMPDIR='%s' %s %s", mpi, args, missing, mpi,
             args);
    snprintf(cmd, sizeof cmd, "timeout 120 %s %s -n 1 %s", mpiexec, flags, env);
    CHECK(run_capture(cmd, err) == 1, "a spill folder missing on rank 1 did not stop the run");
    CHECK(count_in(err, "rank 1 of 2") == 1 && count_in(err, missing) == 1,
          "the message does not name rank 1 and %s once", missing);
    /* the file unreadable on rank 1 only (another path there) */
    snprintf(env, sizeof env, "%s %s : -n 1 %s -i '%s.missing' --label y --no-tsne -o '%s'", mpi,
             args, mpi, in, out);
    snprintf(cmd, sizeof cmd, "timeout 120 %s %s -n 1 %s", mpiexec, flags, env);
    CHECK(run_capture(cmd, err) == 1, "a file missing on rank 1 did not stop the run");
    CHECK(count_in(err, "rank 1 of 2") == 1 && count_in(err, ".missing") == 1,
          "the message does not name rank 1 and the missing file once");
    CHECK(!exists(out), "a report was written");
    /* an existing folder that is not a report: refused as genre-analysis does */
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s' && echo x > '%s/mine.txt'", out, out,
             out);
    run_program(cmd);
    CHECK(run_mpi(2, NULL, args, err) == 1, "an existing folder was not refused");
    CHECK(count_in(err, "refusing to write the report into") == 1 &&
              count_in(err, "mine.txt") == 1,
          "no single refusal naming mine.txt");
    char one_err[1300];
    snprintf(one_err, sizeof one_err, "%s.one", err);
    snprintf(cmd, sizeof cmd, "%s --stream %s", one, args);
    CHECK(run_capture(cmd, one_err) == 1, "genre-analysis did not refuse it either");
    /* a gzip input cannot be cut in byte ranges */
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && gzip -kf '%s'", out, in);
    run_program(cmd);
    snprintf(args, sizeof args, "-i '%s.gz' --label y --no-tsne --epochs 1 -o '%s'", in, out);
    CHECK(run_mpi(2, NULL, args, err) == 1, "a .gz input on 2 ranks was not refused");
    CHECK(count_in(err, "is gzip-compressed") == 1, "no message on the .gz input");
    /* a quoted line break (file line 3,001, the second rank's part): the
     * ranges cannot be placed; the message names the line once and says
     * what a user of the program can do (the reader's advice, an index, is
     * for library callers) */
    write_table(in, 0);
    char *t = slurp(in, NULL);
    char *p = t;
    for (int line = 1; p && line < 3001; line++)
        p = strchr(p, '\n') + 1;
    FILE *f = p ? fopen(in, "w") : NULL;
    if (f) {
        fwrite(t, 1, (size_t)(p - t), f);
        fputs("1,2,3,4,5,\"two\nlines\",c2\n", f);
        fputs(p, f);
        fclose(f);
    }
    free(t);
    snprintf(args, sizeof args, "-i '%s' --label y --no-tsne --epochs 1 -o '%s'", in, out);
    CHECK(run_mpi(2, NULL, args, err) == 1, "a quoted line break on 2 ranks did not exit 1");
    snprintf(where, sizeof where, "%s:3001: a quoted field holds a line break", in);
    CHECK(count_in(err, where) == 1, "%s is not named once in %s", where, err);
    CHECK(count_in(err, "run it on one rank (mpiexec -n 1)") == 1,
          "the message does not say to run one rank: %s", err);
    CHECK(!exists(out), "a report was written after the failure");
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s.gz' '%s' '%s'", out, in, in, schema);
    run_program(cmd);
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s same|errors RANKS GENRE-ANALYSIS GENRE-ANALYSIS-MPI "
                        "MPIEXEC BIN\n", argv[0]);
        return 2;
    }
    one = argv[3], mpi = argv[4], mpiexec = argv[5], bin = argv[6];
    if (!*mpiexec || access(mpiexec, X_OK)) {
        printf("no mpiexec: skipped\n");
        return 77;
    }
    snprintf(flags, sizeof flags, "--oversubscribe%s",
             getuid() == 0 ? " --allow-run-as-root" : "");
    /* one thread per rank; copies through the shared segment (run-mpi.sh) */
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
    if (!strcmp(argv[1], "same"))
        same(atoi(argv[2]));
    else if (!strcmp(argv[1], "errors"))
        errors();
    else
        return 2;
    return analysis_failures ? 1 : 0;
}
