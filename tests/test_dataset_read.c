/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The CSV reader: syntax, numbers, locales, gzip and every error path. */
#include "harness.h"

#include "alloc.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* Schema: name (group), x (numeric), c (categorical), y (label). */
static genre_dataset_schema *small_schema(void)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "name", GENRE_COL_GROUP));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "c", GENRE_COL_CATEGORICAL));
    ck_assert_ok(genre_dataset_schema_add_column(s, "y", GENRE_COL_LABEL));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, NULL, ""));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, "x", "?"));
    ck_assert_ok(genre_dataset_schema_add_missing_value(s, "x", -1.0));
    ck_assert_ok(genre_dataset_schema_set_no_group(s, "none"));
    return s;
}

static genre_status read_str(genre_dataset **out, const genre_dataset_schema *s, const char *csv)
{
    return genre_dataset_read_from_memory(out, s, csv, strlen(csv), "t.csv");
}

static double number_of(const char *text)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "v", GENRE_COL_NUMERIC));
    char csv[512];
    snprintf(csv, sizeof csv, "v\n%s\n", text);
    genre_dataset *ds = NULL;
    ck_assert_ok(read_str(&ds, s, csv));
    double v = NAN;
    const char *cols[] = {"v"};
    ck_assert_ok(genre_dataset_export_matrix(ds, cols, 1, &v, 1, NULL));
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    return v;
}

static genre_status number_status(const char *text)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "v", GENRE_COL_NUMERIC));
    char csv[512];
    snprintf(csv, sizeof csv, "v\n%s\n", text);
    genre_dataset *ds = NULL;
    genre_status st = read_str(&ds, s, csv);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    return st;
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

START_TEST(rfc4180_quotes_newlines_crlf_bom)
{
    genre_dataset_schema *s = small_schema();
    const char *csv = "\xEF\xBB\xBF"
                      "name,x,c,y\r\n"
                      "\"Smith, \"\"Jr\"\"\",1.5,a,P\r\n"
                      "\"two\nlines\",2,b,Q\n"
                      "R\xC3\xB6yksopp,\"3\",a,P";
    genre_dataset *ds = NULL;
    ck_assert_ok(read_str(&ds, s, csv));
    int64_t n = 0;
    ck_assert_ok(genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &n));
    ck_assert_int_eq(n, 3);
    size_t need = 0, off[3];
    ck_assert_ok(genre_dataset_export_text(ds, "name", NULL, 0, &need, NULL));
    char *text = malloc(need);
    ck_assert_ok(genre_dataset_export_text(ds, "name", text, need, NULL, off));
    ck_assert_str_eq(text + off[0], "Smith, \"Jr\"");
    ck_assert_str_eq(text + off[1], "two\nlines");
    ck_assert_str_eq(text + off[2], "R\xC3\xB6yksopp");
    free(text);
    ck_assert_status(genre_dataset_export_text(ds, "name", (char[4]){0}, 4, &need, NULL),
                     GENRE_E_BUFFER_TOO_SMALL);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(numbers_round_correctly)
{
    ck_assert(same_bits(number_of("-5.2010000000000005"), -5.2010000000000005));
    ck_assert(same_bits(number_of("0.1"), 0.1));
    ck_assert(same_bits(number_of("115.00200000000001"), 115.00200000000001));
    ck_assert(same_bits(number_of("9007199254740993"), 9007199254740992.0));
    ck_assert(same_bits(number_of("1e23"), 1e23));
    ck_assert(same_bits(number_of("2.2250738585072011e-308"), 2.2250738585072011e-308));
    ck_assert(same_bits(number_of("4.9e-324"), 4.9e-324));
    ck_assert(same_bits(number_of("1.7976931348623157e308"), 1.7976931348623157e308));
    ck_assert(same_bits(number_of("0.33333333333333333333333333"), 0.33333333333333333333333333));
    ck_assert(same_bits(number_of("123456789012345678901234567890"),
                        123456789012345678901234567890.0));
    ck_assert(same_bits(number_of("3.54e-06"), 3.54e-06));
    ck_assert(same_bits(number_of("+.5"), 0.5));
    ck_assert(same_bits(number_of("5."), 5.0));
    ck_assert(same_bits(number_of("-0"), -0.0));
    ck_assert(same_bits(number_of("1E+2"), 100.0));
    ck_assert(same_bits(number_of("0.000000000000000000000000000001"), 1e-30));
}
END_TEST

START_TEST(non_numbers_are_errors)
{
    ck_assert_int_eq(number_status("1,5"), GENRE_E_RAGGED_ROW);
    ck_assert_int_eq(number_status("abc"), GENRE_E_NOT_A_NUMBER);
    ck_assert_int_eq(number_status(" 1"), GENRE_E_NOT_A_NUMBER);
    ck_assert_int_eq(number_status("1e"), GENRE_E_NOT_A_NUMBER);
    ck_assert_int_eq(number_status("0x10"), GENRE_E_NOT_A_NUMBER);
    ck_assert_int_eq(number_status("."), GENRE_E_NOT_A_NUMBER);
    ck_assert_int_eq(number_status("?"), GENRE_E_NOT_A_NUMBER);
    ck_assert_int_eq(number_status("NaN"), GENRE_E_NONFINITE_TEXT);
    ck_assert_int_eq(number_status("-inf"), GENRE_E_NONFINITE_TEXT);
    ck_assert_int_eq(number_status("Infinity"), GENRE_E_NONFINITE_TEXT);
    ck_assert_int_eq(number_status("1e999"), GENRE_E_NONFINITE_TEXT);
    /* An empty field is missing only when "" is a declared marker (a
     * one-column record with an empty field is a blank row, kept as such). */
    genre_dataset_schema *sc = NULL;
    ck_assert_ok(genre_dataset_schema_create(&sc));
    ck_assert_ok(genre_dataset_schema_add_column(sc, "v", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(sc, "w", GENRE_COL_TEXT));
    genre_dataset *ds = NULL;
    ck_assert_status(read_str(&ds, sc, "v,w\n,a\n"), GENRE_E_NOT_A_NUMBER);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "not a declared missing marker"));
    genre_dataset_schema_free(sc);
}
END_TEST

/* Random decimal spellings, one per row, against glibc's correctly rounded
 * strtod in the C locale. */
START_TEST(numbers_agree_with_strtod_on_random_spellings)
{
    setlocale(LC_NUMERIC, "C");
    srand(4242);
    enum { N = 20000 };
    char *csv = malloc((size_t)N * 48 + 8);
    char(*texts)[48] = malloc(sizeof(*texts) * N);
    size_t len = (size_t)sprintf(csv, "v\n");
    for (int i = 0; i < N; i++) {
        char *t = texts[i];
        int k = 0;
        if (rand() % 3 == 0)
            t[k++] = '-';
        int int_digits = rand() % 10, frac_digits = rand() % 20;
        if (int_digits + frac_digits == 0)
            int_digits = 1;
        for (int d = 0; d < int_digits; d++)
            t[k++] = (char)('0' + rand() % 10);
        if (frac_digits || rand() % 2) {
            t[k++] = '.';
            for (int d = 0; d < frac_digits; d++)
                t[k++] = (char)('0' + rand() % 10);
        }
        if (rand() % 4 == 0)
            k += sprintf(t + k, "e%d", rand() % 80 - 40);
        t[k] = '\0';
        len += (size_t)sprintf(csv + len, "%s\n", t);
    }
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "v", GENRE_COL_NUMERIC));
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, len, NULL));
    double *v = malloc(N * sizeof *v);
    const char *cols[] = {"v"};
    ck_assert_ok(genre_dataset_export_matrix(ds, cols, 1, v, N, NULL));
    for (int i = 0; i < N; i++)
        ck_assert_msg(same_bits(v[i], strtod(texts[i], NULL)), "'%s' read as %.17g, strtod %.17g",
                      texts[i], v[i], strtod(texts[i], NULL));
    free(v);
    free(texts);
    free(csv);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

/* A locale whose decimal point is ',' (generated under $TMPDIR when the
 * system has none), or NULL. */
static const char *comma_locale(char *dir, size_t cap)
{
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "de_DE"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (setlocale(LC_NUMERIC, names[i]) && strcmp(localeconv()->decimal_point, ",") == 0)
            return names[i];
    snprintf(dir, cap, "/tmp/genre-locale-XXXXXX");
    if (!mkdtemp(dir))
        return NULL;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1", dir);
    if (system(cmd) != 0)
        return NULL;
    setenv("LOCPATH", dir, 1);
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") && strcmp(localeconv()->decimal_point, ",") == 0)
        return "de_DE.UTF-8 (generated)";
    return NULL;
}

START_TEST(numbers_ignore_the_host_locale)
{
    char dir[128] = "";
    const char *name = comma_locale(dir, sizeof dir);
    if (!name) {
        setlocale(LC_NUMERIC, "C");
        fprintf(stderr, "SKIP numbers_ignore_the_host_locale: no locale with ',' decimal "
                        "point and localedef unavailable\n");
        return;
    }
    /* The locale really is in force: the C library now stops at '.'. */
    ck_assert(strtod("1.5", NULL) == 1.0);
    ck_assert(same_bits(number_of("-5.2010000000000005"), -5.2010000000000005));
    ck_assert(same_bits(number_of("0.00468"), 0.00468));
    ck_assert(same_bits(number_of("115.00200000000001"), 115.00200000000001));
    ck_assert_int_eq(number_status("1,5"), GENRE_E_RAGGED_ROW);
    ck_assert_int_eq(number_status("\"1,5\""), GENRE_E_NOT_A_NUMBER);
    setlocale(LC_NUMERIC, "C");
    if (dir[0]) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        ck_assert_int_eq(system(cmd), 0);
        unsetenv("LOCPATH");
    }
}
END_TEST

static genre_status status_of(const char *csv, const char *must_mention)
{
    genre_dataset_schema *s = small_schema();
    genre_dataset *ds = NULL;
    genre_clear_error();
    genre_status st = read_str(&ds, s, csv);
    ck_assert_ptr_null(ds);
    if (must_mention)
        ck_assert_msg(strstr(genre_last_error(), must_mention) != NULL,
                      "'%s' not in the message '%s'", must_mention, genre_last_error());
    genre_dataset_schema_free(s);
    return st;
}

START_TEST(every_reading_failure_has_its_code)
{
    ck_assert_int_eq(status_of("", "t.csv"), GENRE_E_EMPTY_INPUT);
    ck_assert_int_eq(status_of("\xEF\xBB\xBF", "t.csv"), GENRE_E_EMPTY_INPUT);
    ck_assert_int_eq(status_of("name,x,c,y\n", "t.csv"), GENRE_E_NO_DATA_ROWS);
    ck_assert_int_eq(status_of("name,x,c,y", NULL), GENRE_E_NO_DATA_ROWS);
    ck_assert_int_eq(status_of("name,x,c,y\na,1,b,P\na,1,b\n", "t.csv:3"), GENRE_E_RAGGED_ROW);
    ck_assert_int_eq(status_of("name,x,c,y\na,1,b,P,extra\n", "t.csv:2"), GENRE_E_RAGGED_ROW);
    ck_assert_int_eq(status_of("name,x,c,y\n\"a,1,b,P\n", "t.csv:2"),
                     GENRE_E_UNTERMINATED_QUOTE);
    ck_assert_int_eq(status_of("name,x,c,y\na,1,b,P\na,one,b,P\n", "t.csv:3: column 'x': 'one'"),
                     GENRE_E_NOT_A_NUMBER);
    ck_assert_int_eq(status_of("name,x,c,y\na,nan,b,P\n", "column 'x': 'nan'"),
                     GENRE_E_NONFINITE_TEXT);
    ck_assert_int_eq(status_of("name,x,c,y\nR\xC3\x28,1,b,P\n", "column 'name'"),
                     GENRE_E_INVALID_UTF8);
    ck_assert_int_eq(status_of("name,x,c,y\n\xC0\xAF,1,b,P\n", NULL), GENRE_E_INVALID_UTF8);
    ck_assert_int_eq(status_of("name,x,c,y\n\xED\xA0\x80,1,b,P\n", NULL), GENRE_E_INVALID_UTF8);
    ck_assert_int_eq(status_of("name,x,c,y\na,1,b,\xF4\x90\x80\x80\n", "column 'y'"),
                     GENRE_E_INVALID_UTF8);
    ck_assert_int_eq(status_of("name,x,c,y\na,1,b,P\xE2\x82\n", NULL), GENRE_E_INVALID_UTF8);
    ck_assert_int_eq(status_of("name,x,c,x,y\na,1,b,2,P\n", "'x' appears twice"),
                     GENRE_E_DUPLICATE_COLUMN);
    ck_assert_int_eq(status_of("name,x,y\na,1,P\n", "'c'"), GENRE_E_MISSING_COLUMN);
    ck_assert_int_eq(status_of("name,x,c,y\na\"b,1,b,P\n", "t.csv:2"), GENRE_E_PARSE);
    ck_assert_int_eq(status_of("name,x,c,y\n\"ab\"c,1,b,P\n", "t.csv:2"), GENRE_E_PARSE);
    ck_assert_int_eq(status_of("name,x,c,y\na,1,b,P\rb,1,b,P\n", NULL), GENRE_E_PARSE);
    ck_assert_int_eq(status_of("\x1f\x8b\x08\x00garbage", "t.csv"), GENRE_E_PARSE);
}
END_TEST

START_TEST(record_limit_is_configurable)
{
    genre_dataset_schema *s = small_schema();
    ck_assert_status(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_RECORD_BYTES, 8),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_set_i64(s, 999, 8), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_RECORD_BYTES, 16));
    genre_dataset *ds = NULL;
    ck_assert_ok(read_str(&ds, s, "name,x,c,y\nab,1,b,P\n"));
    genre_dataset_free(ds);
    ck_assert_status(read_str(&ds, s, "name,x,c,y\nabcdefghijklmnop,1,b,P\n"),
                     GENRE_E_RECORD_TOO_LONG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "t.csv:2"));
    ck_assert_status(read_str(&ds, s, "name,x,c,y\n\"abcdefghijklmnop\",1,b,P\n"),
                     GENRE_E_RECORD_TOO_LONG);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(markers_sentinels_and_blank_rows)
{
    genre_dataset_schema *s = small_schema();
    genre_dataset *ds = NULL;
    ck_assert_ok(read_str(&ds, s,
                          "name,x,c,y\n"
                          "a,-1,b,P\n"
                          "a,-1.0,b,P\n"
                          ",,,\n"
                          "\n"
                          "none,-1e0,b,P\n"
                          "b,?,,Q\n"
                          "b,-2,b,Q\n"));
    int64_t v = 0;
    ck_assert_ok(genre_dataset_report_value(ds, "read", NULL, "rows", &v));
    ck_assert_int_eq(v, 7);
    ck_assert_ok(genre_dataset_report_value(ds, "read", NULL, "blank_rows", &v));
    ck_assert_int_eq(v, 2);
    ck_assert_ok(genre_dataset_report_value(ds, "read", "x", "missing", &v));
    ck_assert_int_eq(v, 4);
    ck_assert_ok(genre_dataset_report_value(ds, "read", "c", "missing", &v));
    ck_assert_int_eq(v, 1);
    ck_assert_ok(genre_dataset_report_value(ds, "read", "name", "groups", &v));
    ck_assert_int_eq(v, 2);
    ck_assert_ok(genre_dataset_report_value(ds, "read", "name", "no_group_rows", &v));
    ck_assert_int_eq(v, 1);
    ck_assert_status(genre_dataset_report_value(ds, "read", NULL, "nope", &v), GENRE_E_BAD_STATE);
    ck_assert_ok(genre_dataset_drop_empty_rows(ds));
    ck_assert_ok(genre_dataset_report_value(ds, "drop_empty_rows", NULL, "dropped", &v));
    ck_assert_int_eq(v, 2);
    ck_assert_ok(genre_dataset_report_value(ds, "drop_empty_rows", NULL, "kept", &v));
    ck_assert_int_eq(v, 5);
    size_t need = 0;
    ck_assert_ok(genre_dataset_report_text(ds, NULL, 0, &need));
    char *text = malloc(need);
    ck_assert_status(genre_dataset_report_text(ds, text, need - 1, NULL),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_ok(genre_dataset_report_text(ds, text, need, NULL));
    ck_assert_ptr_nonnull(strstr(text, "drop_empty_rows - dropped 2\n"));
    ck_assert_ptr_nonnull(strstr(text, "read x missing 4\n"));
    free(text);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

static size_t gzip_bytes(const char *in, unsigned char *out, size_t cap, int members)
{
    size_t total = 0, len = strlen(in), half = members > 1 ? len / 2 : len;
    for (int m = 0; m < members; m++) {
        z_stream z;
        memset(&z, 0, sizeof z);
        ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
        const char *part = m == 0 ? in : in + half;
        z.next_in = (Bytef *)(uintptr_t)part;
        z.avail_in = (uInt)(m == 0 ? half : len - half);
        z.next_out = out + total;
        z.avail_out = (uInt)(cap - total);
        ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
        total += cap - total - z.avail_out;
        deflateEnd(&z);
    }
    return total;
}

START_TEST(gzip_in_memory_and_from_file)
{
    const char *csv = "name,x,c,y\na,1.25,b,P\nb,2.5,b,Q\nc,3.75,d,P\n";
    unsigned char gz[512];
    genre_dataset_schema *s = small_schema();
    for (int members = 1; members <= 2; members++) {
        size_t n = gzip_bytes(csv, gz, sizeof gz, members);
        genre_dataset *ds = NULL;
        ck_assert_ok(genre_dataset_read_from_memory(&ds, s, gz, n, NULL));
        int64_t rows = 0;
        ck_assert_ok(genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows));
        ck_assert_int_eq(rows, 3);
        genre_dataset_free(ds);
        /* Truncated gzip is an error, never a silently short table. */
        ck_assert_status(genre_dataset_read_from_memory(&ds, s, gz, n - 6, NULL), GENRE_E_PARSE);
    }
    char path[] = "/tmp/genre-ds-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    size_t n = gzip_bytes(csv, gz, sizeof gz, 1);
    ck_assert_int_eq(write(fd, gz, n), (ssize_t)n);
    close(fd);
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read(&ds, s, path));
    const char *cols[] = {"x"};
    double x[3];
    ck_assert_ok(genre_dataset_export_matrix(ds, cols, 1, x, 3, NULL));
    ck_assert(x[0] == 1.25 && x[1] == 2.5 && x[2] == 3.75);
    genre_dataset_free(ds);
    unlink(path);
    ck_assert_status(genre_dataset_read(&ds, s, path), GENRE_E_IO);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), path));
    genre_dataset_schema_free(s);
}
END_TEST

/* A table of rows rows for the small schema, its digits varied enough that
 * deflate writes several blocks (a new malloc'd string). */
static char *table_text(int rows)
{
    size_t cap = 32 + (size_t)rows * 48, len = 0;
    char *t = malloc(cap);
    ck_assert_ptr_nonnull(t);
    len += (size_t)snprintf(t, cap, "name,x,c,y\n");
    unsigned v = 12345;
    for (int i = 0; i < rows; i++) {
        v = v * 1103515245u + 12345u;
        len += (size_t)snprintf(t + len, cap - len, "n%u,%u.%u,c%u,%s\n", (v >> 8) % 9973,
                                (v >> 4) % 100000, v % 97, (v >> 20) % 13, v & 1 ? "P" : "Q");
    }
    return t;
}

/* The compressed byte offset a gzip failure names ("at byte N"), or -1. */
static long long gzip_offset(void)
{
    const char *e = strstr(genre_last_error(), "at byte ");
    return e ? strtoll(e + 8, NULL, 10) : -1;
}

static void assert_message_has(const char *needle)
{
    ck_assert_msg(strstr(genre_last_error(), needle) != NULL, "'%s' not in '%s'", needle,
                  genre_last_error());
}

/* A bad .gz names the file and the compressed byte offset where decoding
 * failed: for a cut file, the cut (it said "at byte 0"). */
START_TEST(gzip_failures_name_the_compressed_offset)
{
    char *csv = table_text(3000);
    size_t cap = strlen(csv) + 4096;
    unsigned char *gz = malloc(cap);
    ck_assert_ptr_nonnull(gz);
    size_t n = gzip_bytes(csv, gz, cap, 1);
    ck_assert_uint_gt(n, 4096);
    genre_dataset_schema *s = small_schema();
    char path[256];
    genre_test_temp_file(path, sizeof path);
    genre_dataset *ds = NULL;
    const size_t cuts[] = {5, 11, n / 3, n / 2, n * 9 / 10, n - 8, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(gz, 1, cuts[i], f), cuts[i]);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_status(genre_dataset_read(&ds, s, path), GENRE_E_PARSE);
        assert_message_has(path);
        assert_message_has("truncated gzip data");
        ck_assert_msg(gzip_offset() == (long long)cuts[i], "cut at %zu: %s", cuts[i],
                      genre_last_error());
    }
    /* Corrupt bytes in the middle: decoding fails at or after them. */
    unsigned char *bad = malloc(n);
    ck_assert_ptr_nonnull(bad);
    memcpy(bad, gz, n);
    memset(bad + n / 2, 0xff, 16);
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, bad, n, "bad.csv.gz"), GENRE_E_PARSE);
    assert_message_has("bad.csv.gz: corrupt gzip data at byte");
    ck_assert_msg(gzip_offset() > (long long)(n / 2) && gzip_offset() <= (long long)n, "%s",
                  genre_last_error());
    /* A second member cut short: the cut, and where that member starts. */
    size_t n2 = gzip_bytes(csv, gz, cap, 2), first = 0;
    for (size_t k = 10; k + 1 < n2; k++)
        if (gz[k] == 0x1f && gz[k + 1] == 0x8b && gz[k + 2] == 8) {
            first = k;
            break;
        }
    ck_assert_uint_gt(first, 0);
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, gz, n2 - 100, "two.csv.gz"),
                     GENRE_E_PARSE);
    char want[128];
    snprintf(want, sizeof want, "ends at byte %zu, inside the gzip member that starts at byte %zu",
             n2 - 100, first);
    assert_message_has(want);
    remove(path);
    genre_dataset_schema_free(s);
    free(bad);
    free(gz);
    free(csv);
}
END_TEST

/* ISIZE (the last 4 bytes) is the inflated length mod 2^32 as the file says:
 * a 104-byte file claiming 4 GiB asked for 4 GiB at once. */
START_TEST(gzip_isize_is_not_trusted)
{
    char *csv = table_text(40);
    unsigned char gz[4096];
    size_t n = gzip_bytes(csv, gz, sizeof gz, 1);
    ck_assert_uint_gt(n, 104);
    genre_dataset_schema *s = small_schema();
    genre_dataset *ds = NULL;
    /* 100 bytes of a member, then ISIZE 0xFFFFFFFF */
    unsigned char crafted[104];
    memcpy(crafted, gz, 100);
    memset(crafted + 100, 0xff, 4);
    genre__alloc_fail_at(0);
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, crafted, 104, "crafted.gz"),
                     GENRE_E_PARSE);
    ck_assert_ptr_null(ds);
    ck_assert_msg(genre__alloc_largest() <= (size_t)1 << 20, "asked for %zu bytes",
                  genre__alloc_largest());
    /* A whole member whose ISIZE lies: zlib's length check, at the end. */
    memset(gz + n - 4, 0xff, 4);
    genre__alloc_fail_at(0);
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, gz, n, "lying.gz"), GENRE_E_PARSE);
    assert_message_has("incorrect length check");
    ck_assert_int_eq(gzip_offset(), (long long)n);
    ck_assert_msg(genre__alloc_largest() <= (size_t)1 << 20, "asked for %zu bytes",
                  genre__alloc_largest());
    genre_dataset_schema_free(s);
    free(csv);
}
END_TEST

START_TEST(schema_arguments)
{
    genre_dataset_schema *s = NULL;
    ck_assert_status(genre_dataset_schema_create(NULL), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_dataset_schema_create(&s));
    genre_dataset *ds = NULL;
    ck_assert_status(read_str(&ds, s, "a\n1\n"), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_set_no_group(s, "x"), GENRE_E_BAD_STATE);
    ck_assert_ok(genre_dataset_schema_add_column(s, "a", GENRE_COL_NUMERIC));
    ck_assert_status(genre_dataset_schema_add_column(s, "a", GENRE_COL_TEXT),
                     GENRE_E_DUPLICATE_COLUMN);
    ck_assert_status(genre_dataset_schema_add_column(s, "b", 99), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_dataset_schema_add_column(s, "l", GENRE_COL_LABEL));
    ck_assert_status(genre_dataset_schema_add_column(s, "l2", GENRE_COL_LABEL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_add_missing_text(s, "zz", "?"), GENRE_E_MISSING_COLUMN);
    ck_assert_status(genre_dataset_schema_add_missing_value(s, "l", -1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_add_missing_value(s, "a", NAN), GENRE_E_INVALID_ARG);
    const char *dup[] = {"p", "p"};
    ck_assert_status(genre_dataset_schema_set_category_order(s, "l", dup, 2),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_set_category_order(s, "a", dup, 1),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, NULL, 3, NULL), GENRE_E_INVALID_ARG);
    genre_dataset_schema_free(s);
    genre_dataset_schema_free(NULL);
    genre_dataset_free(NULL);
    genre_dataset_prep_free(NULL);
    genre_dataset_split_free(NULL);
}
END_TEST

/* A generated table large enough for the parallel reader, with quoted
 * commas, doubled quotes and line feeds inside fields everywhere. */
static char *big_csv(size_t *len, int bad_row)
{
    size_t cap = 4u << 20, n = 0;
    char *b = malloc(cap);
    n += (size_t)snprintf(b + n, cap - n, "name,x,c,y\n");
    for (int r = 0; n < (3u << 20); r++) {
        if (r == bad_row)
            n += (size_t)snprintf(b + n, cap - n, "oops,1.5,a\n");
        else if (r % 3 == 0)
            n += (size_t)snprintf(b + n, cap - n, "\"n%d,\n\"\"q\"\"\",%d.25,c%d,L%d\n", r % 997,
                                  r, r % 5, r % 4);
        else if (r % 101 == 0)
            n += (size_t)snprintf(b + n, cap - n, ",,,\r\n");
        else
            n += (size_t)snprintf(b + n, cap - n, "n%d,?,c%d,\"L%d\"\n", r % 997, r % 5, r % 4);
    }
    *len = n;
    return b;
}

static char *all_text(const genre_dataset *ds, const char *col, size_t *len)
{
    ck_assert_ok(genre_dataset_export_text(ds, col, NULL, 0, len, NULL));
    char *t = malloc(*len);
    ck_assert_ok(genre_dataset_export_text(ds, col, t, *len, NULL, NULL));
    return t;
}

/* Records whose fields end at every offset of the reader's 16-byte blocks,
 * plain, quoted (some with doubled quotes) or ending in CR LF, read back
 * cell for cell: the common record (no quote, no CR) is cut by a bitmask
 * and any other by the general path, which must agree. */
START_TEST(fields_at_every_offset_read_back)
{
    enum { ROWS = 3000 };
    size_t cap = (size_t)ROWS * 160 + 64, len = 0;
    char *csv = malloc(cap);
    char (*name)[48] = malloc(ROWS * sizeof *name), (*cat)[48] = malloc(ROWS * sizeof *cat);
    int *x = malloc(ROWS * sizeof *x);
    len += (size_t)snprintf(csv, cap, "name,x,c,y\n");
    uint64_t q = 7;
    for (int r = 0; r < ROWS; r++) {
        q = q * 6364136223846793005ull + 1442695040888963407ull;
        int ln = 1 + (int)((q >> 20) % 40), lc = 1 + (int)((q >> 30) % 40), kind = (int)((q >> 40) % 6);
        x[r] = (int)((q >> 45) % 100000);
        for (int i = 0; i < ln; i++)
            name[r][i] = (char)('a' + (r + i) % 26);
        name[r][ln] = '\0';
        for (int i = 0; i < lc; i++)
            cat[r][i] = (char)('A' + (r * 3 + i) % 26);
        cat[r][lc] = '\0';
        if (kind == 4 && ln > 2)
            name[r][ln / 2] = '"'; /* written doubled inside quotes */
        char field[100];
        size_t k = 0;
        if (kind >= 3) {
            field[k++] = '"';
            for (int i = 0; i < ln; i++) {
                if (name[r][i] == '"')
                    field[k++] = '"';
                field[k++] = name[r][i];
            }
            field[k++] = '"';
        } else {
            memcpy(field, name[r], (size_t)ln);
            k = (size_t)ln;
        }
        field[k] = '\0';
        len += (size_t)snprintf(csv + len, cap - len, "%s,%d,%s,y%s", field, x[r], cat[r],
                                kind == 1 || kind == 5 ? "\r\n" : "\n");
    }
    ck_assert_uint_lt(len, cap);
    genre_dataset_schema *s = small_schema();
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, len, "offsets.csv"));
    size_t tlen;
    char *names = all_text(ds, "name", &tlen), *cats = all_text(ds, "c", &tlen);
    double *v = malloc(ROWS * sizeof *v);
    const char *cols[1] = {"x"};
    ck_assert_ok(genre_dataset_export_matrix(ds, cols, 1, v, ROWS, NULL));
    const char *pn = names, *pc = cats;
    for (int r = 0; r < ROWS; r++) {
        ck_assert_str_eq(pn, name[r]);
        ck_assert_str_eq(pc, cat[r]);
        ck_assert_double_eq(v[r], (double)x[r]);
        pn += strlen(pn) + 1;
        pc += strlen(pc) + 1;
    }
    free(v), free(names), free(cats), free(x), free(name), free(cat), free(csv);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

/* A record of exactly GENRE_SCHEMA_MAX_RECORD_BYTES is read and one byte
 * more is GENRE_E_RECORD_TOO_LONG, for limits that put the record's end at
 * every offset of a 16-byte block, with LF and CR LF endings. */
START_TEST(record_limit_is_exact_at_every_length)
{
    char csv[256], nm[128];
    for (int limit = 16; limit <= 80; limit++)
        for (int over = 0; over <= 1; over++)
            for (int crlf = 0; crlf <= 1; crlf++) {
                genre_dataset_schema *s = small_schema();
                ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_RECORD_BYTES, limit));
                int ln = limit - 6 + over; /* ",1,b,P" is 6 bytes */
                memset(nm, 'n', (size_t)ln);
                nm[ln] = '\0';
                snprintf(csv, sizeof csv, "name,x,c,y\n%s,1,b,P%s%s,1,b,P\n", nm,
                         crlf ? "\r\n" : "\n", "m");
                genre_dataset *ds = NULL;
                genre_status st = read_str(&ds, s, csv);
                if (over)
                    ck_assert_msg(st == GENRE_E_RECORD_TOO_LONG, "limit %d crlf %d: %s", limit,
                                  crlf, genre_status_name(st));
                else
                    ck_assert_msg(st == GENRE_OK, "limit %d crlf %d: %s", limit, crlf,
                                  genre_status_name(st));
                genre_dataset_free(ds);
                genre_dataset_schema_free(s);
            }
}
END_TEST

/* Strings of every length up to 40 that differ from each other in one
 * byte, at every place: the dictionary's hash and its comparison see the
 * first and last (up to) 8 bytes of short strings in one word each, so a
 * byte they missed would merge two groups. Each name appears twice. */
START_TEST(names_differing_in_one_byte_stay_apart)
{
    size_t cap = 1 << 16, len = 0, n = 0;
    char *csv = malloc(cap);
    len += (size_t)snprintf(csv, cap, "name,x,c,y\n");
    for (int twice = 0; twice < 2; twice++)
        for (int l = 1; l <= 40; l++)
            for (int k = -1; k < l; k++) {
                char name[41];
                for (int i = 0; i < l; i++)
                    name[i] = (char)('a' + i % 7);
                if (k >= 0)
                    name[k] = 'Z';
                name[l] = '\0';
                len += (size_t)snprintf(csv + len, cap - len, "%s,1,c,y\n", name);
                n += twice == 0;
            }
    ck_assert_uint_lt(len, cap);
    genre_dataset_schema *s = small_schema();
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, len, "names.csv"));
    int64_t rows = 0;
    ck_assert_ok(genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows));
    ck_assert_int_eq(rows, (int64_t)(2 * n));
    int64_t *g = malloc(2 * n * sizeof *g);
    ck_assert_ok(genre_dataset_export_groups(ds, g, 2 * n, NULL));
    for (size_t r = 0; r < n; r++) {
        ck_assert_int_eq(g[r], (int64_t)r);     /* all apart */
        ck_assert_int_eq(g[n + r], (int64_t)r); /* and found again */
    }
    free(g);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    free(csv);
}
END_TEST

START_TEST(parallel_reader_matches_serial)
{
    size_t len;
    char *csv = big_csv(&len, -1);
    genre_dataset *ds[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        genre_dataset_schema *s = small_schema();
        ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_THREADS, i == 0 ? 1 : 3));
        ck_assert_ok(genre_dataset_read_from_memory(&ds[i], s, csv, len, "big.csv"));
        genre_dataset_schema_free(s);
    }
    size_t la, lb;
    size_t textlen[2];
    char *rep[2];
    for (int i = 0; i < 2; i++) {
        ck_assert_ok(genre_dataset_report_text(ds[i], NULL, 0, &textlen[i]));
        rep[i] = malloc(textlen[i]);
        ck_assert_ok(genre_dataset_report_text(ds[i], rep[i], textlen[i], NULL));
    }
    ck_assert_str_eq(rep[0], rep[1]);
    free(rep[0]);
    free(rep[1]);
    const char *cols[] = {"name", "c", "y"};
    for (int k = 0; k < 3; k++) {
        char *a = all_text(ds[0], cols[k], &la), *b = all_text(ds[1], cols[k], &lb);
        ck_assert_uint_eq(la, lb);
        ck_assert_int_eq(memcmp(a, b, la), 0);
        free(a);
        free(b);
    }
    /* Same rows in the same order: the same split. */
    genre_dataset_split *sp[2];
    int64_t rows[2][64];
    for (int i = 0; i < 2; i++) {
        ck_assert_ok(genre_dataset_drop_empty_rows(ds[i]));
        ck_assert_ok(genre_dataset_split_stratified(&sp[i], ds[i], 16, 7));
        ck_assert_ok(genre_dataset_split_rows(sp[i], GENRE_SPLIT_TEST, rows[i], 64, NULL));
        genre_dataset_split_free(sp[i]);
        genre_dataset_free(ds[i]);
    }
    ck_assert_int_eq(memcmp(rows[0], rows[1], sizeof rows[0]), 0);
    free(csv);

    /* A bad record far into the input: the same code and message either way. */
    csv = big_csv(&len, 60000);
    char msg[2][1024];
    for (int i = 0; i < 2; i++) {
        genre_dataset_schema *s = small_schema();
        genre_dataset *d = NULL;
        ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_THREADS, i == 0 ? 1 : 3));
        ck_assert_status(genre_dataset_read_from_memory(&d, s, csv, len, "big.csv"),
                         GENRE_E_RAGGED_ROW);
        snprintf(msg[i], sizeof msg[i], "%s", genre_last_error());
        genre_dataset_schema_free(s);
    }
    ck_assert_str_eq(msg[0], msg[1]);
    free(csv);
}
END_TEST

struct alloc_ctx {
    const char *csv;
};

/* The contract every handle kind answers (docs/api-conventions.md). */
START_TEST(schema_parameters_one_mechanism)
{
    genre_dataset_schema *s = small_schema();
    int64_t v;
    double f, lo, hi;
    size_t n = 9;
    struct {
        int32_t key;
        int64_t def;
    } keys[] = {{GENRE_SCHEMA_MAX_RECORD_BYTES, 1 << 20},
                {GENRE_SCHEMA_UNSEEN_CATEGORY, GENRE_UNSEEN_ERROR},
                {GENRE_SCHEMA_THREADS, 0},
                {GENRE_SCHEMA_MAX_INPUT_BYTES, (int64_t)16 << 30}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        ck_assert_ok(genre_dataset_schema_get_i64(s, keys[i].key, &v));
        ck_assert_int_eq(v, keys[i].def);
    }
    ck_assert_status(genre_dataset_schema_get_i64(s, 999, &v), GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_dataset_schema_get_i64: "));
    ck_assert_status(genre_dataset_schema_set_f64(s, 999, 1.0), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_dataset_schema_get_f64(s, 999, &f), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_dataset_schema_set_f64(s, GENRE_SCHEMA_THREADS, 1.0),
                     GENRE_E_UNKNOWN_PARAM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "GENRE_SCHEMA_THREADS is not an f64 key"));
    ck_assert_status(genre_dataset_schema_get_f64(s, GENRE_SCHEMA_THREADS, &f),
                     GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_dataset_schema_param_bounds(999, &lo, &hi), GENRE_E_UNKNOWN_PARAM);
    ck_assert_status(genre_dataset_schema_param_values(999, NULL, 0, &n), GENRE_E_UNKNOWN_PARAM);
    /* out of range or list: refused with key and value, not clamped */
    ck_assert_status(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_THREADS, 257),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "GENRE_SCHEMA_THREADS = 257"));
    ck_assert_status(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_UNSEEN_CATEGORY, 2),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "accepted values: 0, 1"));
    ck_assert_ok(genre_dataset_schema_get_i64(s, GENRE_SCHEMA_UNSEEN_CATEGORY, &v));
    ck_assert_int_eq(v, GENRE_UNSEEN_ERROR);
    /* bounds and values */
    ck_assert_ok(genre_dataset_schema_param_bounds(GENRE_SCHEMA_MAX_RECORD_BYTES, &lo, &hi));
    ck_assert(lo == 16.0 && hi == 2147483648.0);
    ck_assert_ok(genre_dataset_schema_param_bounds(GENRE_SCHEMA_MAX_INPUT_BYTES, &lo, &hi));
    ck_assert(lo == 1.0 && hi == ldexp(1.0, 62));
    int64_t vals[2];
    ck_assert_status(genre_dataset_schema_param_values(GENRE_SCHEMA_UNSEEN_CATEGORY, vals, 1, &n),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(n, 2);
    ck_assert_ok(genre_dataset_schema_param_values(GENRE_SCHEMA_UNSEEN_CATEGORY, vals, 2, &n));
    ck_assert(vals[0] == GENRE_UNSEEN_ERROR && vals[1] == GENRE_UNSEEN_RESERVED_CODE);
    ck_assert_ok(genre_dataset_schema_param_values(GENRE_SCHEMA_THREADS, vals, 2, &n));
    ck_assert_uint_eq(n, 0);
    /* reset: options back, columns kept */
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_THREADS, 3));
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_RECORD_BYTES, 16));
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_UNSEEN_CATEGORY,
                                              GENRE_UNSEEN_RESERVED_CODE));
    ck_assert_ok(genre_dataset_schema_reset_params(s));
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        ck_assert_ok(genre_dataset_schema_get_i64(s, keys[i].key, &v));
        ck_assert_int_eq(v, keys[i].def);
    }
    genre_dataset *ds = NULL;
    ck_assert_ok(read_str(&ds, s, "name,x,c,y\nabcdefghijklmnopqrstuvwxyz,1,b,P\n"));
    genre_dataset_free(ds);
    ck_assert_status(genre_dataset_schema_get_i64(NULL, GENRE_SCHEMA_THREADS, &v),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_get_f64(s, GENRE_SCHEMA_THREADS, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_param_bounds(GENRE_SCHEMA_THREADS, NULL, &hi),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_param_values(GENRE_SCHEMA_THREADS, NULL, 0, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_reset_params(NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_set_log(NULL, NULL, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_set_progress(NULL, NULL, NULL), GENRE_E_INVALID_ARG);
    genre_dataset_schema_free(s);
}
END_TEST

typedef struct log_seen {
    int count;
    int32_t level;
    char msg[512];
} log_seen;

static void on_log(void *ud, int32_t level, const char *msg)
{
    log_seen *seen = ud;
    seen->count++;
    seen->level = level;
    snprintf(seen->msg, sizeof seen->msg, "%s", msg);
}

START_TEST(schema_log_reports_the_read)
{
    genre_dataset_schema *s = small_schema();
    log_seen seen = {0};
    ck_assert_ok(genre_dataset_schema_set_log(s, on_log, &seen));
    genre_dataset *ds = NULL;
    ck_assert_ok(read_str(&ds, s, "name,x,c,y\na,1,b,P\n,,,\nb,2,c,Q\n,,,\n"));
    ck_assert_int_eq(seen.count, 1);
    ck_assert_int_eq(seen.level, GENRE_LOG_INFO);
    ck_assert_ptr_nonnull(strstr(seen.msg, "t.csv: 4 data records read, none dropped; 2 blank "
                                           "records"));
    ck_assert_ptr_nonnull(strstr(seen.msg, "the first at line 3"));
    /* the dataset's copy of the schema does not carry the hook */
    genre_dataset *sub = NULL;
    genre_dataset_split *sp = NULL;
    ck_assert_ok(genre_dataset_drop_empty_rows(ds));
    ck_assert_ok(genre_dataset_split_stratified(&sp, ds, 0.5, 1));
    ck_assert_ok(genre_dataset_subset(&sub, ds, sp, GENRE_SPLIT_TRAIN));
    ck_assert_int_eq(seen.count, 1);
    genre_dataset_free(sub);
    genre_dataset_split_free(sp);
    genre_dataset_free(ds);
    ck_assert_ok(read_str(&ds, s, "name,x,c,y\na,1,b,P\n"));
    ck_assert_int_eq(seen.count, 2);
    ck_assert_ptr_nonnull(strstr(seen.msg, "t.csv: 1 data records read, none dropped"));
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

typedef struct progress_seen {
    int calls[3];     /* per phase */
    int64_t last_step[3], last_total[3];
    int monotone;
    int stop_phase;   /* cancel at the first call of this phase (0: never) */
    int stop_call;    /* ... at this call of it (1-based) */
} progress_seen;

static int32_t on_progress(void *ud, int32_t phase, int64_t step, int64_t total, double obj)
{
    progress_seen *p = ud;
    ck_assert(phase == GENRE_SCHEMA_PHASE_READ || phase == GENRE_SCHEMA_PHASE_PARSE);
    ck_assert(isnan(obj));
    if (p->calls[phase] > 0 && step < p->last_step[phase])
        p->monotone = 0;
    p->calls[phase]++;
    p->last_step[phase] = step;
    p->last_total[phase] = total;
    return phase == p->stop_phase && p->calls[phase] == p->stop_call;
}

START_TEST(schema_progress_and_cancel)
{
    genre_dataset_schema *s = small_schema();
    size_t len = 0;
    char *csv = big_csv(&len, -1);
    char path[64];
    genre_test_temp_file(path, sizeof path);
    FILE *f = fopen(path, "wb");
    ck_assert_uint_eq(fwrite(csv, 1, len, f), len);
    fclose(f);
    /* a 3 MiB file: READ once per MiB, with the file's size as total */
    progress_seen ps = {.monotone = 1};
    ck_assert_ok(genre_dataset_schema_set_progress(s, on_progress, &ps));
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read(&ds, s, path));
    genre_dataset_free(ds);
    ck_assert_int_ge(ps.calls[GENRE_SCHEMA_PHASE_READ], 3);
    ck_assert_int_eq(ps.last_step[GENRE_SCHEMA_PHASE_READ], (int64_t)len);
    ck_assert_int_eq(ps.last_total[GENRE_SCHEMA_PHASE_READ], (int64_t)len);
    ck_assert_int_eq(ps.calls[GENRE_SCHEMA_PHASE_PARSE], 2);
    ck_assert_int_eq(ps.last_step[GENRE_SCHEMA_PHASE_PARSE], (int64_t)len);
    ck_assert(ps.monotone);
    /* in memory: PARSE only, at 0 and at the end */
    progress_seen pm = {.monotone = 1};
    ck_assert_ok(genre_dataset_schema_set_progress(s, on_progress, &pm));
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, len, "big.csv"));
    genre_dataset_free(ds);
    ck_assert_int_eq(pm.calls[GENRE_SCHEMA_PHASE_READ], 0);
    ck_assert_int_eq(pm.calls[GENRE_SCHEMA_PHASE_PARSE], 2);
    ck_assert_int_eq(pm.last_total[GENRE_SCHEMA_PHASE_PARSE], (int64_t)len);
    /* a non-zero return cancels: GENRE_E_CANCELLED and no table, at each point */
    const struct {
        int phase, call;
        int file;
    } stops[] = {{GENRE_SCHEMA_PHASE_READ, 2, 1}, {GENRE_SCHEMA_PHASE_PARSE, 1, 0},
                 {GENRE_SCHEMA_PHASE_PARSE, 2, 0}, {GENRE_SCHEMA_PHASE_PARSE, 2, 1}};
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
        progress_seen pc = {.monotone = 1, .stop_phase = stops[i].phase,
                            .stop_call = stops[i].call};
        ck_assert_ok(genre_dataset_schema_set_progress(s, on_progress, &pc));
        ds = (genre_dataset *)&pc; /* must be overwritten */
        genre_status st = stops[i].file
                              ? genre_dataset_read(&ds, s, path)
                              : genre_dataset_read_from_memory(&ds, s, csv, len, "big.csv");
        ck_assert_int_eq(st, GENRE_E_CANCELLED);
        ck_assert_ptr_null(ds);
        ck_assert_ptr_nonnull(strstr(genre_last_error(), stops[i].file
                                                             ? "genre_dataset_read: "
                                                             : "genre_dataset_read_from_memory: "));
        ck_assert_ptr_nonnull(strstr(genre_last_error(), "cancelled by the progress callback"));
    }
    /* removed: no more calls */
    progress_seen none = {.monotone = 1};
    ck_assert_ok(genre_dataset_schema_set_progress(s, on_progress, &none));
    ck_assert_ok(genre_dataset_schema_set_progress(s, NULL, NULL));
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, len, "big.csv"));
    genre_dataset_free(ds);
    ck_assert_int_eq(none.calls[GENRE_SCHEMA_PHASE_PARSE], 0);
    unlink(path);
    free(csv);
    genre_dataset_schema_free(s);
}
END_TEST

static genre_status read_scenario(void *arg)
{
    const struct alloc_ctx *ctx = arg;
    genre_dataset_schema *s = NULL;
    genre_status st = genre_dataset_schema_create_music_genre(&s);
    genre_dataset *ds = NULL;
    if (st == GENRE_OK)
        st = read_str(&ds, s, ctx->csv);
    if (st == GENRE_OK)
        st = genre_dataset_drop_empty_rows(ds);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    return st;
}

START_TEST(allocation_failures_are_clean)
{
    struct alloc_ctx ctx = {
        "instance_id,artist_name,track_name,popularity,acousticness,danceability,"
        "duration_ms,energy,instrumentalness,key,liveness,loudness,mode,speechiness,"
        "tempo,obtained_date,valence,music_genre\n"
        "1.0,A,\"t, \"\"1\"\"\",27.0,0.1,0.6,-1.0,0.9,0.7,A#,0.1,-5.2010000000000005,Minor,"
        "0.07,?,4-Apr,0.7,Electronic\n"
        ",,,,,,,,,,,,,,,,,\n"};
    ck_assert_int_gt(genre_test_alloc_walk(read_scenario, &ctx), 10);
}
END_TEST

/* Reads a one-row table of n numeric columns c0..c{n-1} (a schema naming
 * them in reverse order, so no lookup is found first try); the seconds
 * taken; *st the read's status (the header repeats its first name last
 * when repeat). */
static double read_wide(size_t n, int repeat, genre_status *st)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    char name[32];
    for (size_t j = n; j-- > 0;) {
        snprintf(name, sizeof name, "c%zu", j);
        ck_assert_ok(genre_dataset_schema_add_column(s, name, GENRE_COL_NUMERIC));
    }
    size_t cap = n * 24 + 16, len = 0;
    char *csv = malloc(cap);
    ck_assert_ptr_nonnull(csv);
    for (size_t j = 0; j < n; j++)
        len += (size_t)snprintf(csv + len, cap - len, "%sc%zu", j ? "," : "",
                                repeat && j == n - 1 ? (size_t)0 : j);
    for (size_t j = 0; j < n; j++)
        len += (size_t)snprintf(csv + len, cap - len, "%s1", j ? "," : "\n");
    csv[len++] = '\n';
    genre_dataset *ds = NULL;
    struct timespec a, b;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    *st = genre_dataset_read_from_memory(&ds, s, csv, len, "wide.csv");
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    free(csv);
    return (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
}

/* A wide header (inference's tables: 10^4..10^5 columns) is checked for
 * repeats and mapped to the schema in linear time, not by pairwise name
 * comparisons. Timed as a ratio of process CPU time (4 times the columns
 * well under 16 times as long), so other processes' load does not count,
 * with room for an instrumented build. */
START_TEST(wide_header_is_linear)
{
    enum { N = 40000 };
    genre_status st;
    double small = 1e30, big = 1e30;
    for (int rep = 0; rep < 3; rep++) { /* best of three */
        double t = read_wide(N / 4, 0, &st);
        ck_assert_ok(st);
        small = t < small ? t : small;
        t = read_wide(N, 0, &st);
        ck_assert_ok(st);
        big = t < big ? t : big;
    }
    ck_assert_msg(big < 10 * small + 0.25, "%d columns took %.3f s, %d took %.3f s", N, big,
                  N / 4, small);
    /* a repeat at the end is still found, and named with both fields */
    read_wide(N, 1, &st);
    ck_assert_int_eq(st, GENRE_E_DUPLICATE_COLUMN);
    char want[96];
    snprintf(want, sizeof want, "column 'c0' appears twice in the header (fields 1 and %d)", N);
    ck_assert_msg(strstr(genre_last_error(), want), "%s", genre_last_error());
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dataset_read");
    TCase *tc = tcase_create("read");
    tcase_add_test(tc, rfc4180_quotes_newlines_crlf_bom);
    tcase_add_test(tc, numbers_round_correctly);
    tcase_add_test(tc, non_numbers_are_errors);
    tcase_add_test(tc, numbers_agree_with_strtod_on_random_spellings);
    tcase_add_test(tc, numbers_ignore_the_host_locale);
    tcase_add_test(tc, every_reading_failure_has_its_code);
    tcase_add_test(tc, record_limit_is_configurable);
    tcase_add_test(tc, markers_sentinels_and_blank_rows);
    tcase_add_test(tc, gzip_in_memory_and_from_file);
    tcase_add_test(tc, gzip_failures_name_the_compressed_offset);
    tcase_add_test(tc, gzip_isize_is_not_trusted);
    tcase_add_test(tc, schema_arguments);
    tcase_add_test(tc, allocation_failures_are_clean);
    tcase_add_test(tc, parallel_reader_matches_serial);
    tcase_add_test(tc, schema_parameters_one_mechanism);
    tcase_add_test(tc, schema_log_reports_the_read);
    tcase_add_test(tc, names_differing_in_one_byte_stay_apart);
    tcase_add_test(tc, fields_at_every_offset_read_back);
    tcase_add_test(tc, record_limit_is_exact_at_every_length);
    tcase_add_test(tc, schema_progress_and_cancel);
    tcase_set_timeout(tc, 60);
    TCase *wide = tcase_create("wide");
    tcase_set_timeout(wide, 120);
    tcase_add_test(wide, wide_header_is_linear);
    suite_add_tcase(s, wide);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
