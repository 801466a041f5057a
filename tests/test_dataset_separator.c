/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The CSV reader's field separator (GENRE_SCHEMA_SEPARATOR): ',' ';' TAB,
 * detected from the header line or forced. */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Schema: name (group), x (numeric), c (categorical), t (text), y (label). */
static genre_dataset_schema *schema_with(int64_t sep)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "name", GENRE_COL_GROUP));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "c", GENRE_COL_CATEGORICAL));
    ck_assert_ok(genre_dataset_schema_add_column(s, "t", GENRE_COL_TEXT));
    ck_assert_ok(genre_dataset_schema_add_column(s, "y", GENRE_COL_LABEL));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, NULL, ""));
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_SEPARATOR, sep));
    return s;
}

/* The same table written with separator `sep` ("@" in the template). Quoted
 * fields hold every separator, a doubled quote and a line break. */
static char *table_with(char sep)
{
    static const char tmpl[] = "name@x@c@t@y\r\n"
                               "\"Smith, Jr; \"\"A\"\"\t\"@1.5@a@\"one, two; three\"@P\r\n"
                               "B@@b@\"two\nlines\"@Q\n"
                               "@@@@\n"
                               "C@-2e3@a@plain@P\n";
    char *s = strdup(tmpl);
    ck_assert_ptr_nonnull(s);
    for (char *c = s; *c; c++)
        if (*c == '@')
            *c = sep;
    return s;
}

/* Everything the table holds, as text: numbers, texts, lines, report. */
static void describe(const genre_dataset *ds, char *out, size_t cap)
{
    int64_t n = 0;
    ck_assert_ok(genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &n));
    size_t used = (size_t)snprintf(out, cap, "rows %lld\n", (long long)n);
    const char *cols[] = {"name", "c", "t", "y"};
    for (size_t k = 0; k < 4; k++) {
        char buf[256];
        size_t off[8], need = 0;
        ck_assert_ok(genre_dataset_export_text(ds, cols[k], buf, sizeof buf, &need, off));
        for (int64_t r = 0; r < n; r++)
            used += (size_t)snprintf(out + used, cap - used, "%s[%lld]=%s\n", cols[k],
                                     (long long)r, buf + off[r]);
    }
    char rep[1024];
    ck_assert_ok(genre_dataset_report_text(ds, rep, sizeof rep, NULL));
    used += (size_t)snprintf(out + used, cap - used, "%s", rep);
    ck_assert_uint_lt(used, cap);
}

START_TEST(semicolon_and_tab_files_read_like_the_comma_file)
{
    char want[4096], got[4096];
    genre_dataset_schema *s = schema_with(0);
    char *csv = table_with(',');
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), "t.csv"));
    describe(ds, want, sizeof want);
    ck_assert_ptr_nonnull(strstr(want, "name[0]=Smith, Jr; \"A\"\t\n"));
    ck_assert_ptr_nonnull(strstr(want, "t[1]=two\nlines\n"));
    ck_assert_ptr_nonnull(strstr(want, "read - rows 4\n"));
    genre_dataset_free(ds);
    free(csv);
    genre_dataset_schema_free(s);
    const char seps[] = {';', '\t'};
    for (size_t i = 0; i < 2; i++)
        for (int forced = 0; forced < 2; forced++) {
            s = schema_with(forced ? seps[i] : 0);
            csv = table_with(seps[i]);
            ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), "t.csv"));
            describe(ds, got, sizeof got);
            ck_assert_str_eq(got, want);
            /* the numbers too: 1.5, missing, missing (blank row), -2000 */
            double x[4];
            const char *col[] = {"x"};
            ck_assert_status(genre_dataset_export_matrix(ds, col, 1, x, 4, NULL),
                             GENRE_E_MISSING_VALUE);
            genre_dataset_free(ds);
            ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), "t.csv"));
            ck_assert_ok(genre_dataset_drop_empty_rows(ds));
            int64_t missing = -1;
            ck_assert_ok(genre_dataset_report_value(ds, "read", "x", "missing", &missing));
            ck_assert_int_eq(missing, 1);
            genre_dataset_free(ds);
            free(csv);
            genre_dataset_schema_free(s);
        }
}
END_TEST

/* Reads csv with a schema of two text columns c1 and c2: GENRE_OK exactly
 * when the detected separator splits the header into fields named so. */
static genre_status reads(const char *csv, const char *c1, const char *c2)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, c1, GENRE_COL_TEXT));
    ck_assert_ok(genre_dataset_schema_add_column(s, c2, GENRE_COL_TEXT));
    genre_dataset *ds = NULL;
    genre_status st = genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), "d.csv");
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    return st;
}

START_TEST(detection_counts_the_header_outside_quotes)
{
    /* the most frequent wins */
    ck_assert_ok(reads("a;b;c,d\n1;2;3,4\n", "a", "c,d"));
    ck_assert_ok(reads("a,b;c;d\n1,2;3;4\n", "a,b", "d"));
    ck_assert_ok(reads("a\tb\tc;d,e\n1\t2\t3\n", "a", "c;d,e"));
    /* quotes hide separators: three ';' inside, two ',' outside */
    ck_assert_ok(reads("\"x;y;z;\",a,b\n1,2,3\n", "x;y;z;", "b"));
    /* a doubled quote stays inside its field */
    ck_assert_ok(reads("\"p\"\";q;r\",a\n1,2\n", "p\";q;r", "a"));
    /* ties: ',' before ';' before TAB */
    ck_assert_ok(reads("a,b;c\n1,2;3\n", "a", "b;c"));
    ck_assert_ok(reads("a;b\tc\n1;2\t3\n", "a", "b\tc"));
    ck_assert_ok(reads("a\tb,c;d\n1\t2,3;4\n", "a\tb", "c;d"));
    /* none: ',' (a one-column header) */
    ck_assert_ok(reads("a;b\n1;2\n", "a", "b"));
    ck_assert_status(reads("ab\n1\n", "ab", "b"), GENRE_E_MISSING_COLUMN);
    /* the header line alone votes: the data rows' ';' do not */
    ck_assert_ok(reads("a,b\n\"1;2;3\",4\n", "a", "b"));
    ck_assert_status(reads("a,b\n1;2;3;4,5\n", "a", "b"), GENRE_OK);
    ck_assert_status(reads("a,b\r\n1;2;3;4\r\n", "a", "b"), GENRE_E_RAGGED_ROW);
}
END_TEST

START_TEST(forcing_the_wrong_separator_names_the_right_one)
{
    char *csv = table_with(';');
    genre_dataset_schema *s = schema_with(',');
    genre_dataset *ds = NULL;
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), "t.csv"),
                     GENRE_E_MISSING_COLUMN);
    ck_assert_ptr_null(ds);
    ck_assert_str_eq(genre_last_error(),
                     "genre_dataset_read_from_memory: t.csv:1: column 'name' named by the schema "
                     "is not in the header, which is one column when split at ',' "
                     "(GENRE_SCHEMA_SEPARATOR 44) but holds ';': set GENRE_SCHEMA_SEPARATOR "
                     "to 59, or to 0 to detect it");
    genre_dataset_schema_free(s);
    free(csv);
    /* a comma file forced to TAB names the comma */
    csv = table_with(',');
    s = schema_with('\t');
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), "t.csv"),
                     GENRE_E_MISSING_COLUMN);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "split at TAB (GENRE_SCHEMA_SEPARATOR 9) "
                                                     "but holds ','"));
    genre_dataset_schema_free(s);
    free(csv);
    /* a plain missing column keeps the plain message */
    ck_assert_status(reads("a\n1\n", "a", "b"), GENRE_E_MISSING_COLUMN);
    ck_assert_str_eq(genre_last_error(),
                     "genre_dataset_read_from_memory: d.csv:1: column 'b' named "
                     "by the schema is not in the header");
}
END_TEST

START_TEST(separator_is_an_enumerated_option)
{
    genre_dataset_schema *s = schema_with(0);
    int64_t v = -1, vals[4];
    size_t n = 0;
    ck_assert_ok(genre_dataset_schema_get_i64(s, GENRE_SCHEMA_SEPARATOR, &v));
    ck_assert_int_eq(v, 0);
    ck_assert_ok(genre_dataset_schema_param_values(GENRE_SCHEMA_SEPARATOR, vals, 4, &n));
    ck_assert_uint_eq(n, 4);
    ck_assert(vals[0] == 0 && vals[1] == 9 && vals[2] == 44 && vals[3] == 59);
    ck_assert_status(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_SEPARATOR, '|'),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "GENRE_SCHEMA_SEPARATOR = 124"));
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_SEPARATOR, ';'));
    ck_assert_ok(genre_dataset_schema_reset_params(s));
    ck_assert_ok(genre_dataset_schema_get_i64(s, GENRE_SCHEMA_SEPARATOR, &v));
    ck_assert_int_eq(v, 0);
    genre_dataset_schema_free(s);
}
END_TEST

/* Above 1 MiB the reader cuts the input into parts: the cuts ignore the
 * separator, so a ';' table parses the same on one thread and on three. */
START_TEST(parallel_parse_with_semicolons)
{
    size_t cap = (size_t)3 << 20, len = 0;
    char *csv = malloc(cap);
    ck_assert_ptr_nonnull(csv);
    len += (size_t)snprintf(csv, cap, "name;x;c;t;y\n");
    for (int r = 0; len + 128 < (size_t)5 << 19; r++)
        len += (size_t)snprintf(csv + len, cap - len, "n%d;%d.25;%c;\"w; %d\n,x\";%c\n", r % 97,
                                r, 'a' + r % 3, r, 'P' + r % 2);
    double *x[2] = {NULL, NULL};
    int64_t rows[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        genre_dataset_schema *s = schema_with(0);
        ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_THREADS, i == 0 ? 1 : 3));
        genre_dataset *ds = NULL;
        ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, len, "big.csv"));
        ck_assert_ok(genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows[i]));
        x[i] = malloc((size_t)rows[i] * sizeof *x[i]);
        const char *col[] = {"x"};
        ck_assert_ok(genre_dataset_export_matrix(ds, col, 1, x[i], (size_t)rows[i], NULL));
        genre_dataset_free(ds);
        genre_dataset_schema_free(s);
    }
    ck_assert_int_eq(rows[0], rows[1]);
    ck_assert_int_gt(rows[0], 20000);
    ck_assert_int_eq(memcmp(x[0], x[1], (size_t)rows[0] * sizeof *x[0]), 0);
    ck_assert(x[0][rows[0] - 1] == (double)(rows[0] - 1) + 0.25);
    free(x[0]);
    free(x[1]);
    free(csv);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dataset_separator");
    TCase *tc = tcase_create("separator");
    tcase_add_test(tc, semicolon_and_tab_files_read_like_the_comma_file);
    tcase_add_test(tc, detection_counts_the_header_outside_quotes);
    tcase_add_test(tc, forcing_the_wrong_separator_names_the_right_one);
    tcase_add_test(tc, separator_is_an_enumerated_option);
    tcase_add_test(tc, parallel_parse_with_semicolons);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
