/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Schema files (genre_dataset_schema_load_from_memory, _read_file, _write): every
 * documented error with its message, round trips, the vendored
 * examples/music_genre.schema, and the introspection getters. */
#include "harness.h"

#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The schema's text (caller frees). */
static char *write_text(const genre_dataset_schema *s)
{
    size_t need = 0;
    ck_assert_ok(genre_dataset_schema_save_to_memory(s, NULL, 0, &need));
    char *buf = malloc(need);
    ck_assert_ptr_nonnull(buf);
    ck_assert_ok(genre_dataset_schema_save_to_memory(s, buf, need, NULL));
    ck_assert_uint_eq(strlen(buf) + 1, need);
    return buf;
}

static genre_dataset_schema *parse(const char *text)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_load_from_memory(&s, text, strlen(text), "t.schema"));
    return s;
}

/* parse(text) fails with status and a message containing want. */
static void refused(const char *text, size_t len, genre_status status, const char *want)
{
    genre_dataset_schema *s = (genre_dataset_schema *)1;
    genre_status st = genre_dataset_schema_load_from_memory(&s, text, len, "t.schema");
    ck_assert_msg(st == status, "%s: status %s, expected %s (%s)", text, genre_status_name(st),
                  genre_status_name(status), genre_last_error());
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(genre_last_error(), want) != NULL, "message \"%s\" lacks \"%s\"",
                  genre_last_error(), want);
    ck_assert_msg(strncmp(genre_last_error(), "genre_dataset_schema_load_from_memory: ", 39) == 0,
                  "message \"%s\" does not name the public function", genre_last_error());
}

static void refused_text(const char *text, genre_status status, const char *want)
{
    refused(text, strlen(text), status, want);
}

START_TEST(every_error_names_the_line_and_token)
{
    refused_text("popularity numeric\nkey categorial\n", GENRE_E_PARSE,
                 "t.schema:2: unknown type 'categorial' for column 'key'");
    refused_text("# c\n\nmusic_genre label order=Rock,Rock\n", GENRE_E_PARSE,
                 "t.schema:3: 'order=Rock,Rock' of column 'music_genre': column "
                 "'music_genre': category 'Rock' repeated");
    refused_text("popularity numeric missing=\"\n", GENRE_E_PARSE,
                 "t.schema:1: unterminated quote (opened at byte 28 of the line)");
    refused_text("popularity numeric foo=1\n", GENRE_E_PARSE,
                 "t.schema:1: unknown option 'foo' (missing, missing-value, order, names, "
                 "impute, no-group)");
    refused_text("popularity numeric\npopularity numeric\n", GENRE_E_PARSE,
                 "t.schema:2: column 'popularity' is already in the schema");
    refused_text("duration_ms numeric missing-value=x\n", GENRE_E_PARSE,
                 "t.schema:1: 'missing-value=x': not a number");
    refused_text("x numeric\ny\n", GENRE_E_PARSE, "t.schema:2: 'y': the column needs a type");
    refused_text("missing=x numeric\n", GENRE_E_PARSE,
                 "t.schema:1: 'missing=x': a line starts with a column name (or *), not an "
                 "option");
    refused_text("*\n", GENRE_E_PARSE, "t.schema:1: '*' needs missing=TEXT or separator=SEP");
    refused_text("* order=a\n", GENRE_E_PARSE,
                 "t.schema:1: 'order=a': only missing=TEXT and separator=SEP apply");
    refused_text("* separator=|\n", GENRE_E_PARSE,
                 "t.schema:1: 'separator=|': the separator is ',', ';' or tab");
    refused_text("x numeric order=a\n", GENRE_E_PARSE,
                 "t.schema:1: 'order=a' of column 'x': column 'x' is neither categorical nor a "
                 "label");
    refused_text("x numeric missing\n", GENRE_E_PARSE,
                 "t.schema:1: 'missing': expected an option KEY=VALUE");
    refused_text("y label\nz label\n", GENRE_E_PARSE,
                 "t.schema:2: column 'z': the schema already has label 'y'");
    refused_text("x numeric no-group=none\n", GENRE_E_PARSE,
                 "t.schema:1: 'no-group=none' of column 'x': only a group column takes "
                 "no-group=");
    /* attack18: after a group column it was moved there silently */
    refused_text("g group\nx numeric no-group=none\n", GENRE_E_PARSE,
                 "t.schema:2: 'no-group=none' of column 'x': only a group column takes "
                 "no-group=");
    refused_text("y label names=0:a,1\n", GENRE_E_PARSE,
                 "t.schema:1: 'names=0:a,1': names= takes VALUE:NAME pairs separated by commas "
                 "('1' has no ':')");
    refused_text("y label names=0:a,0:b\n", GENRE_E_PARSE,
                 "t.schema:1: 'names=0:a,0:b' of column 'y': column 'y': value '0' is given a name "
                 "twice");
    refused_text("x numeric names=0:a\n", GENRE_E_PARSE,
                 "t.schema:1: 'names=0:a' of column 'x': column 'x' is neither categorical");
    refused_text("x numeric impute=knn\n", GENRE_E_PARSE,
                 "t.schema:1: 'impute=knn': impute= takes none, median, mean, most-frequent, "
                 "group-median[:GROUP] or model");
    refused_text("c categorical impute=mean\n", GENRE_E_PARSE,
                 "t.schema:1: 'impute=mean' of column 'c': column 'c': mean imputation needs a "
                 "numeric column");
    refused_text("t text impute=most-frequent\n", GENRE_E_PARSE,
                 "most-frequent imputation needs a numeric or categorical column");
    /* What only the whole file tells. */
    refused_text("# nothing\n\n", GENRE_E_SCHEMA, "t.schema: no column declared");
    refused_text("", GENRE_E_SCHEMA, "t.schema: no column declared");
    refused_text("x numeric\nd numeric impute=group-median\n", GENRE_E_SCHEMA,
                 "t.schema:2: column 'd': impute=group-median needs a group column");
    refused_text("a group\nd numeric impute=group-median:b\n", GENRE_E_SCHEMA,
                 "t.schema:2: column 'd': impute=group-median:b names a column that is not the "
                 "group column ('a')");
    /* A NUL byte: its line and byte, not a cut line. */
    static const char nul[] = "x numeric\nd numeric missing-value=-1\0 missing=?\n";
    refused(nul, sizeof nul - 1, GENRE_E_PARSE,
            "t.schema:2: byte 27 of the line is a NUL byte");
    /* Arguments. */
    genre_dataset_schema *s = NULL;
    ck_assert_status(genre_dataset_schema_load_from_memory(NULL, "x numeric", 9, "n"),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_load_from_memory(&s, NULL, 3, "n"), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_load_from_memory(&s, "x numeric", 9, NULL), GENRE_OK);
    genre_dataset_schema_free(s);
    ck_assert_status(genre_dataset_schema_load_from_memory(&s, "x", 1, NULL), GENRE_E_PARSE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "<schema>:1: 'x'"));
}
END_TEST

START_TEST(group_median_accepts_its_group_wherever_declared)
{
    genre_dataset_schema *s = parse("d numeric impute=group-median:artist\nartist group\n");
    int32_t kind = -1;
    ck_assert_ok(genre_dataset_schema_get_impute(s, "d", &kind));
    ck_assert_int_eq(kind, GENRE_IMPUTE_GROUP_MEDIAN);
    genre_dataset_schema_free(s);
    /* A later impute= replaces the earlier one. */
    s = parse("d numeric impute=group-median impute=mean\n");
    ck_assert_ok(genre_dataset_schema_get_impute(s, "d", &kind));
    ck_assert_int_eq(kind, GENRE_IMPUTE_MEAN);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(read_file_errors)
{
    genre_dataset_schema *s = (genre_dataset_schema *)1;
    ck_assert_status(genre_dataset_schema_load(&s, "/nonexistent/x.schema"), GENRE_E_IO);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_dataset_schema_load: cannot "
                                                     "open the schema file /nonexistent/x.schema"));
    ck_assert_status(genre_dataset_schema_load(&s, "/tmp"), GENRE_E_IO);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "/tmp: cannot read the schema file"));
    ck_assert_status(genre_dataset_schema_load(&s, NULL), GENRE_E_INVALID_ARG);
    char path[256];
    genre_test_temp_file(path, sizeof path);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < (1 << 20) / 16 + 1; i++)
        fputs("x numeric      \n", f);
    fclose(f);
    ck_assert_status(genre_dataset_schema_load(&s, path), GENRE_E_INPUT_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "over 1 MiB, not a schema file"));
    /* A line error names the path. */
    f = fopen(path, "wb");
    fputs("x numeric\n\ny nonsense\n", f);
    fclose(f);
    ck_assert_status(genre_dataset_schema_load(&s, path), GENRE_E_PARSE);
    char want[400];
    snprintf(want, sizeof want, "genre_dataset_schema_load: %.256s:3: unknown type 'nonsense'",
             path);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), want));
    unlink(path);
}
END_TEST

/* The vendored file is the built-in schema: same text once written. */
START_TEST(vendored_file_is_the_builtin_schema)
{
    genre_dataset_schema *file = NULL, *builtin = NULL;
    ck_assert_ok(genre_dataset_schema_load(
        &file, genre_test_source_path("examples/music_genre.schema")));
    ck_assert_ok(genre_dataset_schema_create_music_genre(&builtin));
    char *a = write_text(file), *b = write_text(builtin);
    ck_assert_str_eq(a, b);
    /* parse(write(s)) writes the same text again */
    genre_dataset_schema *again = parse(b);
    char *c = write_text(again);
    ck_assert_str_eq(b, c);
    int32_t kind = -1;
    ck_assert_ok(genre_dataset_schema_get_impute(builtin, "duration_ms", &kind));
    ck_assert_int_eq(kind, GENRE_IMPUTE_GROUP_MEDIAN);
    ck_assert_ok(genre_dataset_schema_get_impute(builtin, "tempo", &kind));
    ck_assert_int_eq(kind, GENRE_IMPUTE_MODEL);
    ck_assert_ok(genre_dataset_schema_get_impute(builtin, "energy", &kind));
    ck_assert_int_eq(kind, GENRE_IMPUTE_NONE);
    free(a);
    free(b);
    free(c);
    genre_dataset_schema_free(file);
    genre_dataset_schema_free(builtin);
    genre_dataset_schema_free(again);
}
END_TEST

/* Names and values that need quoting survive write and parse. */
START_TEST(round_trip_quotes_what_needs_it)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "Artist Name", GENRE_COL_GROUP));
    ck_assert_ok(genre_dataset_schema_add_column(s, "duration_in min/ms", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "#hash", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "a=b", GENRE_COL_CATEGORICAL));
    ck_assert_ok(genre_dataset_schema_add_column(s, "say \"hi\"", GENRE_COL_TEXT));
    ck_assert_ok(genre_dataset_schema_add_column(s, "*", GENRE_COL_IGNORE));
    ck_assert_ok(genre_dataset_schema_add_column(s, "", GENRE_COL_IGNORE));
    ck_assert_ok(genre_dataset_schema_add_column(s, "Class", GENRE_COL_LABEL));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, NULL, ""));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, NULL, "N/A"));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, "duration_in min/ms", "?"));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, "duration_in min/ms", "a \"b\" c"));
    ck_assert_ok(genre_dataset_schema_add_missing_value(s, "duration_in min/ms", -1));
    ck_assert_ok(genre_dataset_schema_add_missing_value(s, "duration_in min/ms", 0.1));
    ck_assert_ok(genre_dataset_schema_set_no_group(s, "no one"));
    const char *cats[] = {"x,y", "p:q", "#1", "", "C#"};
    ck_assert_ok(genre_dataset_schema_set_category_order(s, "a=b", cats, 5));
    const char *values[] = {"1", "2", "10"}, *names[] = {"Rock, roll", "Hip:Hop", "\"Q\""};
    ck_assert_ok(genre_dataset_schema_set_category_names(s, "Class", values, names, 3));
    ck_assert_ok(genre_dataset_schema_set_impute(s, "duration_in min/ms",
                                                 GENRE_IMPUTE_GROUP_MEDIAN));
    ck_assert_ok(genre_dataset_schema_set_impute(s, "#hash", GENRE_IMPUTE_NONE));
    ck_assert_ok(genre_dataset_schema_set_impute(s, "a=b", GENRE_IMPUTE_MOST_FREQUENT));
    char *text = write_text(s);
    genre_dataset_schema *back = parse(text);
    char *again = write_text(back);
    ck_assert_str_eq(text, again);
    /* and the parsed schema holds the same things, seen through the API */
    size_t n = 0;
    ck_assert_ok(genre_dataset_schema_column_count(back, &n));
    ck_assert_uint_eq(n, 8);
    const char *want[] = {"Artist Name", "duration_in min/ms", "#hash", "a=b", "say \"hi\"",
                          "*", "", "Class"};
    const int32_t roles[] = {GENRE_COL_GROUP,       GENRE_COL_NUMERIC, GENRE_COL_NUMERIC,
                             GENRE_COL_CATEGORICAL, GENRE_COL_TEXT,    GENRE_COL_IGNORE,
                             GENRE_COL_IGNORE,      GENRE_COL_LABEL};
    for (size_t i = 0; i < n; i++) {
        char name[64];
        int32_t role = 0;
        ck_assert_ok(genre_dataset_schema_column(back, i, name, sizeof name, NULL, &role));
        ck_assert_str_eq(name, want[i]);
        ck_assert_int_eq(role, roles[i]);
    }
    size_t n_order = 0;
    ck_assert_ok(genre_dataset_schema_category_order_count(back, "a=b", &n_order));
    ck_assert_uint_eq(n_order, 5);
    int32_t kind = -1;
    ck_assert_ok(genre_dataset_schema_get_impute(back, "a=b", &kind));
    ck_assert_int_eq(kind, GENRE_IMPUTE_MOST_FREQUENT);
    /* "impute=none" is written for #hash only: declared none differs from undeclared */
    ck_assert_ptr_nonnull(strstr(text, "\"#hash\""));
    ck_assert_ptr_nonnull(strstr(text, "impute=none"));
    ck_assert_ptr_null(strstr(strstr(text, "impute=none") + 1, "impute=none"));
    /* A table read with the parsed schema sees the markers, order and names. */
    const char *csv = "Artist Name,duration_in min/ms,#hash,a=b,\"say \"\"hi\"\"\",*,,Class\n"
                      "no one,\"a \"\"b\"\" c\",1,\"x,y\",t,,,10\n"
                      "x,-1,N/A,p:q,t,,,1\n"
                      "y,5,2,,t,,,2\n";
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, back, csv, strlen(csv), "q.csv"));
    int64_t missing = -1;
    ck_assert_ok(genre_dataset_report_value(ds, "read", "duration_in min/ms", "missing",
                                            &missing));
    ck_assert_int_eq(missing, 2);
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, back));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    char name[32];
    /* label codes follow the byte order of the values seen: "1", "10", "2" */
    ck_assert_ok(genre_dataset_prep_category_name(p, "Class", 0, name, sizeof name, NULL));
    ck_assert_str_eq(name, "Rock, roll");
    ck_assert_ok(genre_dataset_prep_category_name(p, "Class", 1, name, sizeof name, NULL));
    ck_assert_str_eq(name, "\"Q\"");
    ck_assert_ok(genre_dataset_prep_category_name(p, "a=b", 0, name, sizeof name, NULL));
    ck_assert_str_eq(name, "x,y");
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    free(text);
    free(again);
    genre_dataset_schema_free(back);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(separator_and_global_markers_round_trip)
{
    static const struct {
        const char *line;
        const char *sep;
    } cases[] = {{"* separator=tab\n", "separator=tab"},
                 {"* separator=;\n", "separator=;"},
                 {"* separator=,\n", "separator=,"}};
    for (size_t i = 0; i < 3; i++) {
        char text[128];
        snprintf(text, sizeof text, "%sx numeric\n", cases[i].line);
        genre_dataset_schema *s = parse(text);
        char *w = write_text(s);
        ck_assert_ptr_nonnull(strstr(w, cases[i].sep));
        genre_dataset_schema *b = parse(w);
        char *w2 = write_text(b);
        ck_assert_str_eq(w, w2);
        free(w);
        free(w2);
        genre_dataset_schema_free(s);
        genre_dataset_schema_free(b);
    }
    /* No separator declared: no '*' line unless markers. */
    genre_dataset_schema *s = parse("x numeric\n");
    char *w = write_text(s);
    ck_assert_str_eq(w, "x numeric\n");
    free(w);
    genre_dataset_schema_free(s);
    /* "" "" in quotes is one literal quote; glued quoted runs are one token. */
    s = parse("* missing=\"\"\"\" missing=\"a\"\"b\" missing=a\"b c\"d\nx numeric\n");
    w = write_text(s);
    ck_assert_str_eq(w, "* missing=\"\"\"\" missing=\"a\"\"b\" missing=\"ab cd\"\nx numeric\n");
    free(w);
    genre_dataset_schema_free(s);
}
END_TEST

/* rest18: names and values with line breaks (a CSV header may quote one),
 * CR and tab are written with escapes inside quotes, one declaration per
 * line, and parse back to the same schema, as do backslashes (one before
 * n, r or t is written with the quote closed after it). */
START_TEST(line_breaks_and_backslashes_round_trip)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "track\nname", GENRE_COL_TEXT));
    ck_assert_ok(genre_dataset_schema_add_column(s, "who\r\nby", GENRE_COL_GROUP));
    ck_assert_ok(genre_dataset_schema_add_column(s, "tab\there", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "back\\slash", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "C:\\new dir\\", GENRE_COL_CATEGORICAL));
    ck_assert_ok(genre_dataset_schema_add_column(s, "y\n", GENRE_COL_LABEL));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, NULL, "multi\nline"));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, "tab\there", "\\N"));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, "tab\there", "\\n \n"));
    ck_assert_ok(genre_dataset_schema_set_no_group(s, "no\none"));
    const char *cats[] = {"a\nb", "a\\nb", "\t"};
    ck_assert_ok(genre_dataset_schema_set_category_order(s, "C:\\new dir\\", cats, 3));
    const char *values[] = {"0", "1\n"}, *names[] = {"Hip\nHop", "\\"};
    ck_assert_ok(genre_dataset_schema_set_category_names(s, "y\n", values, names, 2));
    char *text = write_text(s);
    /* one declaration per line: a '*' line and 6 columns */
    size_t lines = 0;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    ck_assert_msg(lines == 7, "%zu lines:\n%s", lines, text);
    ck_assert_ptr_nonnull(strstr(text, "* missing=\"multi\\nline\""));
    ck_assert_ptr_nonnull(strstr(text, "\"track\\nname\""));
    ck_assert_ptr_nonnull(strstr(text, "\"who\\r\\nby\""));
    ck_assert_ptr_nonnull(strstr(text, "\"tab\\there\""));
    ck_assert_ptr_nonnull(strstr(text, "missing=\\N ")); /* bare: a backslash is itself */
    /* a backslash before n: the quote closed after it, the n bare */
    ck_assert_ptr_nonnull(strstr(text, "missing=\"\\\"n\" \\n\""));
    ck_assert_ptr_nonnull(strstr(text, "\nback\\slash ")); /* bare */
    ck_assert_ptr_nonnull(strstr(text, "\"C:\\\"n\"ew dir\\\" "));
    ck_assert_ptr_nonnull(strstr(text, "order=\"a\\nb\",a\\nb,\"\\t\""));
    ck_assert_ptr_nonnull(strstr(text, "names=0:\"Hip\\nHop\",\"1\\n\":\\"));
    genre_dataset_schema *back = parse(text);
    char *again = write_text(back);
    ck_assert_str_eq(text, again);
    const char *want[] = {"track\nname", "who\r\nby",     "tab\there",
                          "back\\slash", "C:\\new dir\\", "y\n"};
    for (size_t i = 0; i < 6; i++) {
        char name[64];
        ck_assert_ok(genre_dataset_schema_column(back, i, name, sizeof name, NULL, NULL));
        ck_assert_str_eq(name, want[i]);
    }
    /* a table with those names and values reads with the parsed schema */
    const char *csv = "\"track\nname\",\"who\r\nby\",\"tab\there\",back\\slash,"
                      "\"C:\\new dir\\\",\"y\n\"\n"
                      "a b,\"no\none\",\\N,1,\"a\nb\",0\n"
                      "c d,x,\"\\n \n\",2,a\\nb,\"1\n\"\n"
                      "e f,x,\"multi\nline\",3,\t,0\n";
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, back, csv, strlen(csv), "nl.csv"));
    int64_t missing = -1;
    ck_assert_ok(genre_dataset_report_value(ds, "read", "tab\there", "missing", &missing));
    ck_assert_int_eq(missing, 3);
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, back));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    char name[32];
    ck_assert_ok(genre_dataset_prep_category_name(p, "y\n", 0, name, sizeof name, NULL));
    ck_assert_str_eq(name, "Hip\nHop");
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    free(text);
    free(again);
    genre_dataset_schema_free(back);
    genre_dataset_schema_free(s);
}
END_TEST

/* Files without escapes read as before: a backslash outside quotes, or
 * before any byte but n, r and t inside quotes (another backslash too), or
 * before the closing quote, is itself; such names are written as before. */
START_TEST(backslashes_without_escapes_read_as_before)
{
    genre_dataset_schema *s =
        parse("* missing=\\N missing=\"\\x41\" missing=\"C:\\\" missing=a\\nb\n"
              "\"q\\\"\"\" numeric\n\"a \\\\ b\" numeric\n");
    char name[16];
    ck_assert_ok(genre_dataset_schema_column(s, 0, name, sizeof name, NULL, NULL));
    ck_assert_str_eq(name, "q\\\"");
    ck_assert_ok(genre_dataset_schema_column(s, 1, name, sizeof name, NULL, NULL));
    ck_assert_str_eq(name, "a \\\\ b"); /* two backslashes */
    char *w = write_text(s);
    ck_assert_ptr_nonnull(strstr(w, "\n\"a \\\\ b\" numeric\n")); /* as it was */
    /* the markers \N, \x41, C:\ and a\nb (four bytes): read back the same */
    genre_dataset_schema *back = parse(w);
    char *w2 = write_text(back);
    ck_assert_str_eq(w, w2);
    const char *csv = "\"q\\\"\"\",a \\\\ b\n\\N,1\n\\x41,2\nC:\\,3\na\\nb,4\n1,5\n";
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, back, csv, strlen(csv), "b.csv"));
    int64_t missing = -1;
    ck_assert_ok(genre_dataset_report_value(ds, "read", "q\\\"", "missing", &missing));
    ck_assert_int_eq(missing, 4);
    genre_dataset_free(ds);
    free(w);
    free(w2);
    genre_dataset_schema_free(back);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(write_and_getters_refuse_what_they_must)
{
    genre_dataset_schema *s = parse("x numeric\nc categorical order=a,b\nt text\n");
    ck_assert_status(genre_dataset_schema_save_to_memory(NULL, NULL, 0, NULL), GENRE_E_INVALID_ARG);
    char small[4];
    size_t need = 0;
    ck_assert_status(genre_dataset_schema_save_to_memory(s, small, sizeof small, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_gt(need, sizeof small);
    size_t n = 0;
    ck_assert_status(genre_dataset_schema_column_count(NULL, &n), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_column_count(s, NULL), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_dataset_schema_column_count(s, &n));
    ck_assert_uint_eq(n, 3);
    int32_t role = 0;
    ck_assert_ok(genre_dataset_schema_column(s, 1, NULL, 0, &need, &role));
    ck_assert_uint_eq(need, 2);
    ck_assert_int_eq(role, GENRE_COL_CATEGORICAL);
    ck_assert_status(genre_dataset_schema_column(s, 1, small, 1, &need, NULL),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_status(genre_dataset_schema_column(s, 3, small, sizeof small, NULL, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "column 3: the schema has 3 columns"));
    ck_assert_ok(genre_dataset_schema_category_order_count(s, "c", &n));
    ck_assert_uint_eq(n, 2);
    ck_assert_ok(genre_dataset_schema_category_order_count(s, "x", &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_status(genre_dataset_schema_category_order_count(s, "w", &n),
                     GENRE_E_MISSING_COLUMN);
    ck_assert_status(genre_dataset_schema_set_impute(s, "x", 6), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_set_impute(s, "x", -1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_set_impute(s, "t", GENRE_IMPUTE_NONE),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_set_impute(s, "c", GENRE_IMPUTE_MODEL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_set_impute(s, "w", GENRE_IMPUTE_MEAN),
                     GENRE_E_MISSING_COLUMN);
    int32_t kind = 9;
    ck_assert_status(genre_dataset_schema_get_impute(s, "w", &kind), GENRE_E_MISSING_COLUMN);
    ck_assert_status(genre_dataset_schema_get_impute(s, "x", NULL), GENRE_E_INVALID_ARG);
    const char *v[] = {"a"}, *nm[] = {"A"};
    ck_assert_status(genre_dataset_schema_set_category_names(s, "c", v, nm, 0),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_set_category_names(s, "t", v, nm, 1),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_set_category_names(s, "c", NULL, nm, 1),
                     GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_dataset_schema_set_category_names(s, "c", v, nm, 1));
    genre_dataset_schema_free(s);
}
END_TEST

/* Sets an order and display names of n values "v0".."v{n-1}" (the last one
 * "v7" when repeat) on a new schema; the seconds taken, or -1 when a call's
 * status is not the expected one (errors checked by the caller). */
static double set_long_lists(size_t n, int repeat, genre_status *order_st,
                             genre_status *names_st)
{
    char **v = malloc(n * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < n; i++) {
        v[i] = malloc(16);
        ck_assert_ptr_nonnull(v[i]);
        snprintf(v[i], 16, "v%zu", repeat && i == n - 1 ? (size_t)7 : i);
    }
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "c", GENRE_COL_CATEGORICAL));
    struct timespec a, b;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    *order_st = genre_dataset_schema_set_category_order(s, "c", (const char *const *)v, n);
    *names_st = genre_dataset_schema_set_category_names(s, "c", (const char *const *)v,
                                                        (const char *const *)v, n);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    genre_dataset_schema_free(s);
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
    return (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
}

/* attack18: an order or names= list is checked for repeats in linear time
 * (a pairwise check took minutes on 100,000 values: a hostile schema file
 * well under the 1 MiB limit stalled the caller). Timed as a ratio, so a
 * slow build (ASan, valgrind) cannot fail it: 4 times the values must take
 * well under 16 times as long, in process CPU time (other processes' load
 * does not count). The quarter second of slack absorbs a loaded
 * machine (40,000 values once took 0.06 s against 0.002 s there); a pairwise
 * check takes seconds at this size. */
START_TEST(long_order_and_names_lists_are_linear)
{
    enum { N = 40000 };
    genre_status o, n;
    double small = 1e30, big = 1e30;
    for (int rep = 0; rep < 3; rep++) { /* best of three */
        double t = set_long_lists(N / 4, 0, &o, &n);
        ck_assert_ok(o);
        ck_assert_ok(n);
        small = t < small ? t : small;
        t = set_long_lists(N, 0, &o, &n);
        ck_assert_ok(o);
        ck_assert_ok(n);
        big = t < big ? t : big;
    }
    ck_assert_msg(big < 10 * small + 0.25, "%d values took %.3f s, %d took %.3f s", N, big,
                  N / 4, small);
    /* a repeat at the end is still found, and named */
    set_long_lists(N, 1, &o, &n);
    ck_assert_int_eq(o, GENRE_E_INVALID_ARG);
    ck_assert_int_eq(n, GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "value 'v7' is given a name twice"));
}
END_TEST

/* Missing markers (inference adds up to 100 per column, a schema file any
 * number) grow their lists by doubling: counted allocations, so a build
 * whose realloc grows in place cannot hide one realloc per marker. */
START_TEST(many_missing_markers_do_not_realloc_each)
{
    enum { N = 10000 };
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    char text[32];
    genre__alloc_fail_at(0); /* counts from here */
    for (int i = 0; i < N; i++) {
        snprintf(text, sizeof text, "m%d", i);
        ck_assert_ok(genre_dataset_schema_add_missing_text(s, NULL, text));
        ck_assert_ok(genre_dataset_schema_add_missing_text(s, "x", text));
        ck_assert_ok(genre_dataset_schema_add_missing_value(s, "x", -1.0 - i));
    }
    long calls = genre__alloc_attempts();
    /* one copy per text; the three lists' growth adds a few dozen */
    ck_assert_msg(calls < 2 * N + 200, "%d markers of each kind took %ld allocations", N,
                  calls);
    /* the last of each is still there and in order */
    size_t need = 0;
    ck_assert_ok(genre_dataset_schema_save_to_memory(s, NULL, 0, &need));
    char *w = malloc(need);
    ck_assert_ptr_nonnull(w);
    ck_assert_ok(genre_dataset_schema_save_to_memory(s, w, need, &need));
    ck_assert_ptr_nonnull(strstr(w, "m9999"));
    ck_assert_ptr_nonnull(strstr(w, "-10000"));
    free(w);
    genre_dataset_schema_free(s);
}
END_TEST

/* The allocations of parsing a file of a group column and n numeric
 * columns declaring impute=word. */
static long parse_allocations(int n, const char *word)
{
    size_t cap = 64 + (size_t)n * 64, len = 0;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    len += (size_t)snprintf(text, cap, "g group\n");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "x%d numeric impute=%s\n", i, word);
    genre_dataset_schema *s = NULL;
    genre__alloc_fail_at(0); /* counts from here */
    ck_assert_ok(genre_dataset_schema_load_from_memory(&s, text, len, "many.schema"));
    long calls = genre__alloc_attempts();
    genre_dataset_schema_free(s);
    free(text);
    return calls;
}

/* A file of many group-median columns keeps its checks in a list grown by
 * doubling: the same allocations, give or take a few, as median columns
 * (one realloc per column before). */
START_TEST(many_group_median_columns_do_not_realloc_each)
{
    enum { N = 4000 };
    long median = parse_allocations(N, "median");
    long group = parse_allocations(N, "group-median");
    ck_assert_msg(group < median + 100, "%d group-median columns took %ld allocations, "
                  "median ones %ld", N, group, median);
}
END_TEST

/* attack18: every allocation of parse and write may fail: NOMEM with a
 * message, no leak, no hang (write's column padding looped forever once its
 * buffer could not grow). Long names and options make write pad and grow. */
static genre_status parse_write_scenario(void *ctx)
{
    const char *text = ctx;
    genre_dataset_schema *s = NULL;
    genre_status st = genre_dataset_schema_load_from_memory(&s, text, strlen(text), "walk.schema");
    size_t need = 0;
    if (st == GENRE_OK)
        st = genre_dataset_schema_save_to_memory(s, NULL, 0, &need);
    genre_dataset_schema_free(s);
    return st;
}

START_TEST(allocation_failures_are_clean)
{
    static char text[] =
        "* missing=\"\" missing=NA separator=;\n"
        "artist group no-group=\"\"\n"
        "\"a column with a rather long name\" numeric missing=? missing-value=-1 "
        "impute=group-median\n"
        "k categorical order=C,C#,D impute=most-frequent names=C:\"do, c\",D:re\n"
        "t numeric impute=model\n"
        "label label order=0,1,2 names=0:blues,1:jazz,2:\"hip hop\"\n";
    ck_assert_int_gt(genre_test_alloc_walk(parse_write_scenario, text), 10);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dataset_schema_text");
    TCase *tc = tcase_create("schema_text");
    tcase_add_test(tc, every_error_names_the_line_and_token);
    tcase_add_test(tc, group_median_accepts_its_group_wherever_declared);
    tcase_add_test(tc, read_file_errors);
    tcase_add_test(tc, vendored_file_is_the_builtin_schema);
    tcase_add_test(tc, round_trip_quotes_what_needs_it);
    tcase_add_test(tc, separator_and_global_markers_round_trip);
    tcase_add_test(tc, write_and_getters_refuse_what_they_must);
    tcase_add_test(tc, line_breaks_and_backslashes_round_trip);
    tcase_add_test(tc, backslashes_without_escapes_read_as_before);
    tcase_add_test(tc, allocation_failures_are_clean);
    suite_add_tcase(s, tc);
    /* timed inside the test, as a ratio; room for valgrind */
    TCase *big = tcase_create("long_lists");
    tcase_set_timeout(big, 120);
    tcase_add_test(big, long_order_and_names_lists_are_linear);
    tcase_add_test(big, many_missing_markers_do_not_realloc_each);
    tcase_add_test(big, many_group_median_columns_do_not_realloc_each);
    suite_add_tcase(s, big);
    return genre_test_run(s);
}
