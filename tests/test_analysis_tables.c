/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-analysis on users' tables (issue 18): the analysis_table_* tests.
 * The tables, their split files and scikit-learn's figures are written by
 * tests/fixtures/make_user_tables.py (tests/fixtures/tables/,
 * tests/fixtures/user_tables_sklearn.txt, whose header says what each line
 * holds). A "run" is a table read with an inferred schema (wine,
 * breast_cancer, digits, quirky, leaky) or quirky read with
 * tests/fixtures/tables/quirky.schema (quirky_schema).
 *
 *   test_analysis_tables table_<run> <genre-analysis> <source-dir> <work-dir>
 *     runs `genre-analysis --input <table> --label <column>` (quirky_schema:
 *     `--schema quirky.schema`) `--split-file <table>.split --no-tsne
 *     --no-plots -o <work-dir>/user-table-<run>` and checks metrics.json:
 *     complete; n_classes = K and `classes` has K names; `split` train/test
 *     = the split file's counts; every column of `schema` with the role the
 *     fixture expects; `imputation` per used column: missing and filled
 *     cells on each side = the cells the script counted empty (and the kind
 *     the schema declares, where any was missing); no key starting with
 *     `reference_`; the LDA classifier (a `models[]` entry whose name holds
 *     "LDA", without `layers`) within 0.01 of scikit-learn's test macro
 *     AUROC on the same rows; the d-20-15-K MLP (`layers` "<d>-20-15-<K>")
 *     within max(0.01, 3 x the sd of scikit-learn's AUROC over 5 seeds) of
 *     their mean (a libgenre fit is one more draw: the seeds' spread is the
 *     yardstick); leaky: a `warnings` entry naming file_name and saying
 *     "leak", every other run: no "leak" warning; quirky_schema: the display
 *     names of its `names=` in `classes`, time_signature in `unused_columns`;
 *     and index.html's layout fits a 1,280-px window (check_html_layout()).
 *   test_analysis_tables check_json <run> <source-dir> <metrics.json>
 *     the checks above on a given metrics.json, without running the program.
 *   test_analysis_tables checks <source-dir>
 *     the checks themselves (analysis_table_checks): a metrics.json built
 *     from the fixture passes for every run, and each of a dozen wrong ones
 *     (an AUROC 0.011 off, a reference_ key, a count off by one, a leak
 *     warning missing or false, ...) fails.
 *
 * JSON is read the way tests/test_analysis.c reads it, by hand, with a small
 * walker that knows strings, nesting and the top-level keys of an object.
 */
#define _POSIX_C_SOURCE 200809L
#include "analysis_harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the fixture: one run's lines of user_tables_sklearn.txt ---- */

#define MAX_COLS 128
typedef struct {
    char name[64], file[128], label[128];
    int k, train, test, d, n_roles, n_missing;
    char role_col[MAX_COLS][128], role[MAX_COLS][16];
    char miss_col[MAX_COLS][128], miss_kind[MAX_COLS][16];
    int miss_train[MAX_COLS], miss_test[MAX_COLS];
    double lda, mlp_mean, mlp_sd, mlp_tol;
} fixture;

static void count_split(const char *path, int *n);

/* Splits a line at TABs in place; returns the field count. */
static int fields(char *line, char **f, int max)
{
    int n = 0;
    for (char *p = line; n < max; p++) {
        f[n++] = p;
        p = strchr(p, '\t');
        if (!p)
            break;
        *p = 0;
    }
    return n;
}

static int read_fixture(const char *src, const char *run, fixture *fx)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fixtures/user_tables_sklearn.txt", src);
    char *text = slurp(path, NULL);
    if (!text) {
        fprintf(stderr, "%s: cannot read\n", path);
        return -1;
    }
    memset(fx, 0, sizeof *fx);
    fx->lda = fx->mlp_mean = NAN;
    int have_run = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *f[16];
        int n = line[0] == '#' ? 0 : fields(line, f, 16);
        if (n < 3 || strcmp(f[1], run))
            continue;
        if (!strcmp(f[0], "run") && n == 8) {
            snprintf(fx->name, sizeof fx->name, "%s", f[1]);
            snprintf(fx->file, sizeof fx->file, "%s", f[2]);
            snprintf(fx->label, sizeof fx->label, "%s", f[3]);
            fx->k = atoi(f[4]), fx->train = atoi(f[5]), fx->test = atoi(f[6]);
            fx->d = atoi(f[7]);
            have_run = 1;
        } else if (!strcmp(f[0], "role") && n == 4 && fx->n_roles < MAX_COLS) {
            snprintf(fx->role_col[fx->n_roles], 128, "%s", f[2]);
            snprintf(fx->role[fx->n_roles++], 16, "%s", f[3]);
        } else if (!strcmp(f[0], "missing") && n == 6 && fx->n_missing < MAX_COLS) {
            snprintf(fx->miss_col[fx->n_missing], 128, "%s", f[2]);
            fx->miss_train[fx->n_missing] = atoi(f[3]);
            fx->miss_test[fx->n_missing] = atoi(f[4]);
            snprintf(fx->miss_kind[fx->n_missing++], 16, "%s", f[5]);
        } else if (!strcmp(f[0], "lda")) {
            fx->lda = strtod(f[2], NULL);
        } else if (!strcmp(f[0], "mlp") && n >= 5) {
            fx->mlp_mean = strtod(f[2], NULL);
            fx->mlp_sd = strtod(f[3], NULL);
            fx->mlp_tol = strtod(f[4], NULL);
        }
    }
    free(text);
    /* the split counts are the split file's (the script wrote both) */
    char base[64];
    int n[2];
    snprintf(base, sizeof base, "%.*s", (int)strcspn(fx->file, "."), fx->file);
    snprintf(path, sizeof path, "%.2000s/tests/fixtures/tables/%s.split", src, base);
    count_split(path, n);
    if (n[0] != fx->train || n[1] != fx->test) {
        fprintf(stderr, "%s: %d train / %d test lines, the fixture says %d / %d\n", path, n[0],
                n[1], fx->train, fx->test);
        return -1;
    }
    if (!have_run || fx->k < 2 || isnan(fx->lda) || isnan(fx->mlp_mean) || !fx->n_roles) {
        fprintf(stderr, "%s: no complete entry for run '%s'\n", path, run);
        return -1;
    }
    return 0;
}

/* ---- a small JSON walker ---- */

static const char *ws(const char *p)
{
    while (p && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

/* Past the JSON value at p (NULL on malformed input). */
static const char *skip_value(const char *p)
{
    p = ws(p);
    if (!p || !*p)
        return NULL;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++)
            if (*p == '\\' && p[1])
                p++;
        return *p ? p + 1 : NULL;
    }
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p = ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (close == '}') { /* "key": value */
                p = skip_value(p);
                p = ws(p);
                if (!p || *p != ':')
                    return NULL;
                p++;
            }
            p = ws(skip_value(p));
            if (!p)
                return NULL;
            if (*p == close)
                return p + 1;
            if (*p != ',')
                return NULL;
            p = ws(p + 1);
        }
    }
    while (*p && !strchr(",}] \n\r\t", *p))
        p++;
    return p;
}

/* The JSON string at p, unescaped (ASCII \u only) into buf; 0, or -1. */
static int str_val(const char *p, char *buf, size_t cap)
{
    p = ws(p);
    if (!p || *p != '"')
        return -1;
    size_t n = 0;
    for (p++; *p && *p != '"'; p++) {
        char c = *p;
        if (c == '\\') {
            c = *++p;
            if (c == 'n')
                c = '\n';
            else if (c == 't')
                c = '\t';
            else if (c == 'u') {
                unsigned u = 0;
                if (sscanf(p + 1, "%4x", &u) != 1)
                    return -1;
                c = u < 128 ? (char)u : '?';
                p += 4;
            } else if (!c)
                return -1;
        }
        if (n + 1 < cap)
            buf[n++] = c;
    }
    buf[n] = 0;
    return *p == '"' ? 0 : -1;
}

/* The value of top-level key `key` of the object at obj, or NULL. */
static const char *get(const char *obj, const char *key)
{
    obj = ws(obj);
    if (!obj || *obj != '{')
        return NULL;
    const char *p = ws(obj + 1);
    char k[256];
    while (p && *p == '"') {
        if (str_val(p, k, sizeof k))
            return NULL;
        p = ws(skip_value(p));
        if (!p || *p != ':')
            return NULL;
        p = ws(p + 1);
        if (!strcmp(k, key))
            return p;
        p = ws(skip_value(p));
        if (!p || *p != ',')
            return NULL;
        p = ws(p + 1);
    }
    return NULL;
}

static double num(const char *obj, const char *key)
{
    const char *v = get(obj, key);
    char *e;
    double x = v ? strtod(v, &e) : NAN;
    return v && e != v ? x : NAN;
}

/* Elements of the array at arr: first with i = 0, next with the previous one. */
static const char *elem(const char *arr, const char *prev)
{
    const char *p;
    if (!prev) {
        p = ws(arr);
        if (!p || *p != '[')
            return NULL;
        p = ws(p + 1);
        return *p == ']' ? NULL : p;
    }
    p = ws(skip_value(prev));
    return p && *p == ',' ? ws(p + 1) : NULL;
}

/* The element of the array at arr whose key `key` is the string s. */
static const char *find_by(const char *arr, const char *key, const char *s)
{
    char v[256];
    for (const char *e = elem(arr, NULL); e; e = elem(arr, e))
        if (!str_val(get(e, key), v, sizeof v) && !strcmp(v, s))
            return e;
    return NULL;
}

/* ---- the checks ---- */

/* Train (0) and test (1) lines of a split file after its header. */
static void count_split(const char *path, int *n)
{
    char *t = slurp(path, NULL);
    n[0] = n[1] = -1;
    if (!t)
        return;
    n[0] = n[1] = 0;
    const char *p = strchr(t, '\n');
    for (; p && p[1]; p = strchr(p + 1, '\n'))
        if (p[1] == '0' || p[1] == '1')
            n[p[1] - '0']++;
    free(t);
}

static void check_metrics(const char *json, const fixture *fx)
{
    const char *top = ws(json);
    const char *nm = fx->name;
    CHECK(top && *top == '{' && skip_value(top), "%s: metrics.json is not one JSON object", nm);
    if (!top || *top != '{' || !skip_value(top))
        return;
    const char *c = get(top, "complete");
    CHECK(c && !strncmp(c, "true", 4), "%s: report not complete", nm);
    CHECK(num(top, "n_classes") == fx->k, "%s: n_classes %g, expected %d", nm,
          num(top, "n_classes"), fx->k);
    int n = 0;
    for (const char *e = elem(get(top, "classes"), NULL); e; e = elem(get(top, "classes"), e))
        n++;
    CHECK(n == fx->k, "%s: `classes` has %d names, expected %d", nm, n, fx->k);
    const char *sp = get(top, "split");
    CHECK(num(sp, "train") == fx->train && num(sp, "test") == fx->test,
          "%s: split %g train / %g test, the split file has %d / %d", nm, num(sp, "train"),
          num(sp, "test"), fx->train, fx->test);
    /* the schema: an array of columns, or an object holding one as `columns` */
    const char *sc = get(top, "schema");
    if (sc && *sc == '{')
        sc = get(sc, "columns");
    CHECK(sc && *sc == '[', "%s: no `schema` column list", nm);
    for (int i = 0; sc && i < fx->n_roles; i++) {
        const char *col = find_by(sc, "name", fx->role_col[i]);
        char role[64] = "";
        if (col)
            str_val(get(col, "role"), role, sizeof role);
        CHECK(col && !strcmp(role, fx->role[i]), "%s: schema column '%s' has role '%s', "
              "expected '%s'", nm, fx->role_col[i], col ? role : "(absent)", fx->role[i]);
    }
    const char *imp = get(top, "imputation");
    CHECK(imp && *imp == '[', "%s: no `imputation` list", nm);
    for (int i = 0; imp && i < fx->n_missing; i++) {
        const char *col = find_by(imp, "column", fx->miss_col[i]);
        int a = fx->miss_train[i], b = fx->miss_test[i];
        if (!col) {
            CHECK(a == 0 && b == 0, "%s: no imputation entry for '%s' (%d + %d cells missing)",
                  nm, fx->miss_col[i], a, b);
            continue;
        }
        CHECK(num(col, "missing_train") == a && num(col, "missing_test") == b &&
                  num(col, "filled_train") == a && num(col, "filled_test") == b,
              "%s: column '%s': missing %g/%g, filled %g/%g (train/test), expected %d/%d", nm,
              fx->miss_col[i], num(col, "missing_train"), num(col, "missing_test"),
              num(col, "filled_train"), num(col, "filled_test"), a, b);
        char kind[64] = "";
        str_val(get(col, "kind"), kind, sizeof kind);
        /* "most-frequent" may be spelt most_frequent: its last word decides */
        const char *want = strstr(fx->miss_kind[i], "frequent") ? "frequent" : fx->miss_kind[i];
        CHECK(a + b == 0 || strstr(kind, want), "%s: column '%s' imputed by '%s', expected %s",
              nm, fx->miss_col[i], kind, fx->miss_kind[i]);
    }
    CHECK(!strstr(json, "\"reference_"), "%s: a reference_* key in a user's table's report: %.60s",
          nm, strstr(json, "\"reference_"));
    /* the models */
    const char *models = get(top, "models");
    const char *lda = NULL, *mlp = NULL;
    int mlp_d = 0;
    char name[256], layers[64], want[64];
    snprintf(want, sizeof want, "-20-15-%d", fx->k);
    for (const char *e = elem(models, NULL); e; e = elem(models, e)) {
        if (str_val(get(e, "name"), name, sizeof name))
            continue;
        if (str_val(get(e, "layers"), layers, sizeof layers)) {
            if (strstr(name, "LDA")) {
                CHECK(!lda, "%s: two LDA classifier entries", nm);
                lda = e;
            }
        } else {
            /* d-20-15-K on the features: not a row on LDA scores, the widest */
            size_t l = strlen(layers), w = strlen(want);
            if (l > w && !strcmp(layers + l - w, want) && atoi(layers) > mlp_d &&
                strspn(layers, "0123456789") == l - w && !strstr(name, "LDA"))
                mlp = e, mlp_d = atoi(layers);
        }
    }
    CHECK(lda, "%s: no LDA classifier in models[]", nm);
    CHECK(mlp, "%s: no d%s MLP in models[]", nm, want);
    double a = num(lda, "test_macro_auroc");
    CHECK(fabs(a - fx->lda) <= 0.01, "%s: LDA test macro AUROC %.4f, scikit-learn %.4f", nm, a,
          fx->lda);
    if (lda && !analysis_quiet)
        fprintf(stderr, "%s: LDA test macro AUROC %.4f (scikit-learn %.4f)\n", nm, a, fx->lda);
    a = num(mlp, "test_macro_auroc");
    CHECK(fabs(a - fx->mlp_mean) <= fx->mlp_tol, "%s: MLP test macro AUROC %.4f, scikit-learn "
          "%.4f +- %.4f (5 seeds), allowed %.4f", nm, a, fx->mlp_mean, fx->mlp_sd, fx->mlp_tol);
    if (mlp && !analysis_quiet) {
        str_val(get(mlp, "layers"), layers, sizeof layers);
        fprintf(stderr, "%s: MLP %s test macro AUROC %.4f (scikit-learn %.4f +- %.4f; its "
                "inputs: %d)\n", nm, layers, a, fx->mlp_mean, fx->mlp_sd, fx->d);
    }
    /* leak warnings: on leaky one naming file_name, on no other run any */
    const char *warn = get(top, "warnings");
    int leak_named = 0, leak_any = 0;
    char w[1024];
    for (const char *e = elem(warn, NULL); e; e = elem(warn, e))
        if (!str_val(e, w, sizeof w) && strstr(w, "leak")) {
            leak_any = 1;
            leak_named |= strstr(w, "file_name") != NULL;
        }
    if (!strcmp(nm, "leaky"))
        CHECK(leak_named, "%s: no `warnings` entry naming file_name and saying leak", nm);
    else
        CHECK(!leak_any, "%s: a leak warning on a table that leaks nothing", nm);
    if (!strcmp(nm, "quirky_schema")) {
        const char *cl = get(top, "classes");
        CHECK(find_by(get(top, "unused_columns"), "column", "time_signature"),
              "%s: time_signature (declared ignore) not in unused_columns", nm);
        int named = 0;
        for (const char *e = elem(cl, NULL); e; e = elem(cl, e))
            named += !str_val(e, w, sizeof w) && (!strcmp(w, "Acoustic/Folk") ||
                                                  !strcmp(w, "Indie Alt"));
        CHECK(named == 2, "%s: `classes` lacks the names= display names", nm);
    }
}

static int check_json_file(const char *run, const char *src, const char *path)
{
    fixture fx;
    if (read_fixture(src, run, &fx))
        return 2;
    char *j = slurp(path, NULL);
    CHECK(j != NULL, "%s missing", path);
    if (j)
        check_metrics(j, &fx);
    free(j);
    return analysis_failures ? 1 : 0;
}

static int test_table(const char *run, const char *prog, const char *src, const char *work)
{
    fixture fx;
    if (read_fixture(src, run, &fx))
        return 2;
    /* paths cut at 1,000 bytes: the buffers below always hold the command */
    char out[1100], cmd[8192], base[64], tables[1100], how[1300];
    snprintf(base, sizeof base, "%.*s", (int)strcspn(fx.file, "."), fx.file);
    snprintf(out, sizeof out, "%.1000s/user-table-%.60s", work, run);
    snprintf(tables, sizeof tables, "%.1000s/tests/fixtures/tables", src);
    if (!strcmp(run, "quirky_schema"))
        snprintf(how, sizeof how, "--schema '%s/quirky.schema'", tables);
    else
        snprintf(how, sizeof how, "--label '%s'", fx.label);
    snprintf(cmd, sizeof cmd,
             "rm -rf '%s' && '%.1000s' --input '%s/%s' %s --split-file '%s/%s.split' "
             "--no-tsne --no-plots -o '%s'",
             out, prog, tables, fx.file, how, tables, base, out);
    int rc = run_program(cmd);
    CHECK(rc == 0, "genre-analysis exited with %d", rc);
    char path[2100];
    /* the page fits a 1,280-px window (the widest fixtures: digits' 64
     * features, quirky's 11 classes) */
    snprintf(path, sizeof path, "%s/index.html", out);
    char *html = slurp(path, NULL);
    CHECK(html != NULL, "%s missing", path);
    if (html)
        check_html_layout(html, path);
    free(html);
    snprintf(path, sizeof path, "%s/metrics.json", out);
    return check_json_file(run, src, path);
}

/* ---- the checks of the checks ---- */

/* A metrics.json the program should write for fx, with `bad` applied:
 * 0 none, else one defect (see BAD[]). */
static char *fake_metrics(const fixture *fx, int bad)
{
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
#define PUT(...) (n += (size_t)snprintf(b + n, n < cap ? cap - n : 0, __VA_ARGS__))
    PUT("{\n  \"complete\": %s,\n  \"n_classes\": %d,\n  \"classes\": [", bad == 1 ? "false" : "true",
        fx->k + (bad == 2));
    int quirky = !strcmp(fx->name, "quirky_schema");
    for (int c = 0; c < fx->k; c++)
        PUT("%s\"%s\"", c ? ", " : "", quirky && c == 0 ? "Acoustic\\/Folk"
                                      : quirky && c == 6 ? "Indie Alt" : "x");
    PUT("],\n  \"split\": {\"train\": %d, \"test\": %d, \"per_class\": [{\"class\": \"a\", "
        "\"train\": 1, \"test\": 1}]},\n  \"schema\": {\"separator\": \";\", \"columns\": [",
        fx->train, fx->test + (bad == 3));
    for (int i = 0; i < fx->n_roles; i++) {
        /* another role than expected for the first column */
        const char *role = bad == 4 && i == 0
                               ? (strcmp(fx->role[i], "ignore") ? "ignore" : "numeric")
                               : fx->role[i];
        PUT("%s\n    {\"name\": \"", i ? "," : "");
        for (const char *s = fx->role_col[i]; *s; s++) /* '/' escaped, as writers may */
            PUT(*s == '/' ? "\\/" : "%c", *s);
        PUT("\", \"role\": \"%s\", \"missing\": [\"\", \"NA\"], \"impute\": \"median\"}", role);
    }
    PUT("]},\n  \"imputation\": [");
    for (int i = 0, first = 1; i < fx->n_missing; i++) {
        int a = fx->miss_train[i] + (bad == 5 && fx->miss_train[i] > 0);
        if (bad == 13 && a + fx->miss_test[i] > 0)
            continue;
        PUT("%s\n    {\"column\": \"%s\", \"kind\": \"%s\", \"missing_train\": %d, "
            "\"missing_test\": %d, \"filled_train\": %d, \"filled_test\": %d}",
            first ? "" : ",", fx->miss_col[i], bad == 6 ? "none" : fx->miss_kind[i], a,
            fx->miss_test[i], a, fx->miss_test[i]);
        first = 0;
    }
    PUT("],\n  \"unused_columns\": [%s],\n",
        quirky && bad != 7 ? "{\"column\": \"time_signature\", \"reason\": \"ignore\"}" : "");
    PUT("  \"warnings\": [%s],\n", !strcmp(fx->name, "leaky") != (bad == 8)
                                      ? "\"text column 'file_name' alone predicts the label "
                                        "(validation macro AUROC 1.000): a leak\""
                                      : "");
    if (bad == 9)
        PUT("  \"reference_test_macro_auroc\": 0.93,\n");
    PUT("  \"models\": [\n    {\"name\": \"LDA classifier\", \"test_macro_auroc\": %.6f, "
        "\"per_class\": {\"a\": 0.5}},\n",
        fx->lda - (bad == 10 ? 0.0101 : 0.0099));
    PUT("    {\"name\": \"LDA 2-D\", \"layers\": \"2-15-%d\", \"test_macro_auroc\": 0.5},\n",
        fx->k);
    PUT("    {\"name\": \"LDA 3-D\", \"layers\": \"3-20-15-%d\", \"test_macro_auroc\": 0.5},\n",
        fx->k);
    PUT("    {\"name\": \"all features\", \"layers\": \"%d-20-15-%d\", \"test_macro_auroc\": "
        "%.6f}\n  ]\n}\n",
        fx->d, bad == 11 ? fx->k + 1 : fx->k,
        fx->mlp_mean + fx->mlp_tol + (bad == 12 ? 0.0005 : -0.0005));
#undef PUT
    if (n >= cap) {
        free(b);
        return NULL;
    }
    return b;
}

static int test_checks(const char *src)
{
    static const char *const RUNS[] = {"wine", "breast_cancer", "digits", "quirky", "leaky",
                                       "quirky_schema"};
    static const char *const BAD[] = {
        "none", "incomplete", "n_classes off by one", "a test count off by one",
        "a column with another role", "a missing count off by one", "another impute kind",
        "time_signature not listed unused", "leak warning flipped", "a reference_ key",
        "LDA 0.0101 off", "MLP layers ending in K+1", "MLP 0.0005 beyond its tolerance",
        "no entry for the columns that missed cells"};
    int wrong = 0;
    analysis_quiet = 1;
    for (size_t r = 0; r < sizeof RUNS / sizeof RUNS[0]; r++) {
        fixture fx;
        if (read_fixture(src, RUNS[r], &fx))
            return 2;
        for (int bad = 0; bad < (int)(sizeof BAD / sizeof BAD[0]); bad++) {
            if (bad == 7 && strcmp(RUNS[r], "quirky_schema"))
                continue; /* only that run has an unused column */
            int any_missing = 0;
            for (int i = 0; i < fx.n_missing; i++)
                any_missing |= fx.miss_train[i] + fx.miss_test[i] > 0;
            if ((bad == 5 || bad == 6 || bad == 13) && !any_missing)
                continue; /* wine, breast_cancer and digits miss no cell */
            char *j = fake_metrics(&fx, bad);
            if (!j)
                return 2;
            int before = analysis_failures;
            fprintf(stderr, "-- %s, %s: ", RUNS[r], BAD[bad]);
            check_metrics(j, &fx);
            int found = analysis_failures - before;
            analysis_failures = before;
            free(j);
            int ok = bad ? found > 0 : found == 0;
            fprintf(stderr, "%d finding(s): %s\n", found, ok ? "as it should" : "WRONG");
            wrong += !ok;
        }
    }
    if (wrong)
        fprintf(stderr, "%d case(s) judged wrongly\n", wrong);
    return wrong ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "checks"))
        return test_checks(argv[2]);
    if (argc == 5 && !strcmp(argv[1], "check_json"))
        return check_json_file(argv[2], argv[3], argv[4]);
    if (argc == 5 && !strncmp(argv[1], "table_", 6)) {
        int rc = test_table(argv[1] + 6, argv[2], argv[3], argv[4]);
        if (analysis_failures)
            fprintf(stderr, "%d check(s) failed\n", analysis_failures);
        return rc;
    }
    fprintf(stderr, "usage: test_analysis_tables table_<run> <genre-analysis> <src> <work>\n"
                    "       test_analysis_tables skip table_<run>\n"
                    "       test_analysis_tables check_json <run> <src> <metrics.json>\n"
                    "       test_analysis_tables checks <src>\n");
    return 2;
}
