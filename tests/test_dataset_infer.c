/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Schema inference (genre_dataset_schema_infer): each rule, the ambiguous
 * cases, bad input, and that the inferred schema reads the table. */
#include "harness.h"
#include "text_builder.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static genre_status infer(genre_dataset_schema **out, const genre_dataset_schema *opt,
                          const char *csv, const char *label)
{
    return genre_dataset_schema_infer_from_memory(out, opt, csv, strlen(csv), "t.csv", label);
}

/* The notes of an inferred schema (a static buffer). */
static const char *notes_of(const genre_dataset_schema *s)
{
    static char buf[1 << 16];
    size_t need = 0;
    ck_assert_ok(genre_dataset_schema_infer_notes(s, NULL, 0, &need));
    ck_assert_uint_le(need, sizeof buf);
    ck_assert_ok(genre_dataset_schema_infer_notes(s, buf, sizeof buf, NULL));
    ck_assert_uint_eq(strlen(buf) + 1, need);
    return buf;
}

/* Asserts the notes give column `name` the role word, with `detail` (or
 * NULL) in its line. */
static void assert_role(const genre_dataset_schema *s, const char *name, const char *role,
                        const char *detail)
{
    char head[256];
    snprintf(head, sizeof head, "column %s %s", name, role);
    const char *notes = notes_of(s);
    const char *at = strstr(notes, head);
    ck_assert_msg(at && (at == notes || at[-1] == '\n') &&
                      (at[strlen(head)] == ' ' || at[strlen(head)] == '\n'),
                  "no '%s' in the notes:\n%s", head, notes);
    if (detail) {
        const char *eol = strchr(at, '\n');
        const char *d = strstr(at, detail);
        ck_assert_msg(d && d < eol, "no '%s' in the line of '%s':\n%s", detail, head, notes);
    }
}

/* Reads csv with s and returns the "read" "missing" count of column. */
static int64_t missing_when_read(const genre_dataset_schema *s, const char *csv,
                                 const char *column)
{
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), "t.csv"));
    int64_t v = -1;
    ck_assert_ok(genre_dataset_report_value(ds, "read", column, "missing", &v));
    genre_dataset_free(ds);
    return v;
}

static const char *GENRES[] = {"blues", "jazz", "rock", "pop"};

/* 200 rows, one column per rule. Line of data row r (0-based) is r + 2. */
static char *rule_table(void)
{
    text t = {0};
    add(&t, "id,uuid,file,genre,x,c,k,empty,const,title,code\n");
    for (int r = 0; r < 200; r++) {
        const char *g = GENRES[r % 4];
        add(&t, "%d,%08x-%04x-4%03x-a%03x-%012x,%s.%05d.wav,%s,", r + 1,
            (unsigned)(r * 2654435761u), (unsigned)(r * 40503u) & 0xffff,
            (unsigned)(r * 977u) & 0xfff, (unsigned)(r * 131u) & 0xfff,
            (unsigned)(r * 2246822519u), g, r, g);
        if (r % 10 == 3)
            add(&t, "NA");
        else if (r % 10 == 7)
            add(&t, "");
        else
            add(&t, "%d.%02d", r % 17, r % 100);
        add(&t, ",%s,%d,,same,", r % 3 == 0 ? "low" : r % 3 == 1 ? "mid" : "high", r % 4);
        add(&t, "%s %s of the %s %d,Q%dZ%d\n", r % 2 ? "Love" : "Song", GENRES[(r / 4) % 4],
            r % 3 ? "night" : "day", r, r * 7919 % 1000, r);
    }
    return t.s;
}

START_TEST(each_rule_on_one_table)
{
    char *csv = rule_table();
    genre_dataset_schema *s = NULL;
    ck_assert_ok(infer(&s, NULL, csv, "genre"));
    assert_role(s, "id", "ignore", "running integer id 1 to 200");
    assert_role(s, "uuid", "ignore", "an id");
    assert_role(s, "file", "text", "200 distinct values");
    assert_role(s, "genre", "label", "4 classes");
    assert_role(s, "x", "numeric", "40 missing (empty 20) marker \"NA\"");
    assert_role(s, "c", "categorical", "3 distinct values");
    assert_role(s, "k", "numeric", "(integers)");
    assert_role(s, "empty", "ignore", "all 200 cells missing");
    assert_role(s, "const", "ignore", "constant \"same\"");
    assert_role(s, "title", "text", "200 distinct values, 200 share words");
    assert_role(s, "code", "ignore", "an id");
    ck_assert_ptr_null(strstr(notes_of(s), "odd_cell"));
    /* the string label has no order: the label line says nothing more */
    ck_assert_ptr_null(strstr(notes_of(s), "numeric order"));
    /* the schema reads the table: NA and empty are x's missing cells */
    ck_assert_int_eq(missing_when_read(s, csv, "x"), 40);
    ck_assert_int_eq(missing_when_read(s, csv, "c"), 0);
    int64_t sep = 0;
    ck_assert_ok(genre_dataset_schema_get_i64(s, GENRE_SCHEMA_SEPARATOR, &sep));
    ck_assert_int_eq(sep, ',');
    genre_dataset_schema_free(s);
    /* integers with few values become categorical only when asked */
    genre_dataset_schema *opt = NULL;
    ck_assert_ok(genre_dataset_schema_create(&opt));
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_INTEGER_CATEGORIES, 1));
    ck_assert_ok(infer(&s, opt, csv, "genre"));
    assert_role(s, "k", "categorical", "4 distinct integers");
    assert_role(s, "id", "ignore", "running integer id"); /* 200 values: too many */
    assert_role(s, "x", "numeric", NULL);                 /* not integers */
    ck_assert_int_eq(missing_when_read(s, csv, "k"), 0);
    genre_dataset_schema_free(s);
    /* a smaller category limit turns c into... an ignored column of 3 words
     * that recur? No: each value is its own word, shared with no other. */
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_MAX_CATEGORIES, 2));
    ck_assert_ok(infer(&s, opt, csv, "genre"));
    assert_role(s, "c", "ignore", "3 distinct values, too many for a category");
    genre_dataset_schema_free(s);
    genre_dataset_schema_free(opt);
    free(csv);
}
END_TEST

/* `rows` rows of x with 'NA' cells (rows 5, 55, ...) and odd cells at the
 * given rows. */
static char *odd_table_of(int rows, const int *odd_rows, size_t n_odd, const char *odd_text)
{
    text t = {0};
    add(&t, "x,y\n");
    for (int r = 0; r < rows; r++) {
        int odd = 0;
        for (size_t k = 0; k < n_odd; k++)
            odd |= odd_rows[k] == r;
        if (odd)
            add(&t, "%s,%c\n", odd_text, 'a' + r % 2);
        else if (r % 50 == 5)
            add(&t, "NA,%c\n", 'a' + r % 2);
        else
            add(&t, "%d.5,%c\n", r, 'a' + r % 2);
    }
    return t.s;
}

static char *odd_table(const int *odd_rows, size_t n_odd, const char *odd_text)
{
    return odd_table_of(300, odd_rows, n_odd, odd_text);
}

START_TEST(numeric_with_na_and_one_odd_cell)
{
    const int one[] = {120};
    char *csv = odd_table(one, 1, "abc");
    genre_dataset_schema *s = NULL;
    ck_assert_ok(infer(&s, NULL, csv, "y"));
    assert_role(s, "x", "numeric", "1 odd cells read as missing, 6 missing marker \"NA\"");
    ck_assert_ptr_nonnull(strstr(notes_of(s), "\nodd_cell t.csv:122 x \"abc\"\n"));
    /* read: 6 NA + the odd cell are missing */
    ck_assert_int_eq(missing_when_read(s, csv, "x"), 7);
    genre_dataset_schema_free(s);
    /* strict: the odd cell is an error naming file, line, column, value */
    genre_dataset_schema *opt = NULL;
    ck_assert_ok(genre_dataset_schema_create(&opt));
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_STRICT, 1));
    ck_assert_status(infer(&s, opt, csv, "y"), GENRE_E_NOT_A_NUMBER);
    ck_assert_ptr_null(s);
    ck_assert_str_eq(genre_last_error(),
                     "genre_dataset_schema_infer_from_memory: t.csv:122: column 'x': 'abc' is not "
                     "a number in a column of 293 numbers (GENRE_SCHEMA_INFER_STRICT is set; 1 "
                     "odd cells in all)");
    genre_dataset_schema_free(opt);
    free(csv);
    /* 3 odd cells in 300 (1 %): still numeric; 4 (over 1 %): not numeric */
    const int three[] = {10, 20, 30, 40};
    csv = odd_table(three, 3, "x?");
    ck_assert_ok(infer(&s, NULL, csv, "y"));
    assert_role(s, "x", "numeric", "3 odd cells");
    ck_assert_int_eq(missing_when_read(s, csv, "x"), 9);
    genre_dataset_schema_free(s);
    free(csv);
    csv = odd_table(three, 4, "x?");
    ck_assert_ok(infer(&s, NULL, csv, "y"));
    /* mostly numbers: the note says why the column is not numeric */
    assert_role(s, "x", "ignore", "290 numbers and 4 texts, too many texts for a numeric column");
    genre_dataset_schema_free(s);
    free(csv);
}
END_TEST

/* A small table's one typo: one odd cell among 20 or more numbers keeps the
 * column numeric whatever its share (1 in 80 is over 1 %); two odd cells,
 * or one among fewer than 20 numbers, do not, and the note says why. */
START_TEST(small_table_one_odd_cell)
{
    static const char *const odd_texts[] = {"abc", "1e400"};
    for (size_t k = 0; k < 2; k++) {
        const int one[] = {40, 60};
        char *csv = odd_table_of(80, one, 1, odd_texts[k]);
        genre_dataset_schema *s = NULL;
        ck_assert_ok(infer(&s, NULL, csv, "y"));
        assert_role(s, "x", "numeric", "1 odd cells read as missing");
        ck_assert_ptr_nonnull(strstr(notes_of(s), "\nodd_cell t.csv:42 x \""));
        ck_assert_int_eq(missing_when_read(s, csv, "x"), 3); /* 2 NA + the odd cell */
        genre_dataset_schema_free(s);
        free(csv);
        csv = odd_table_of(80, one, 2, odd_texts[k]);
        ck_assert_ok(infer(&s, NULL, csv, "y"));
        assert_role(s, "x", "ignore", "76 numbers and 2 texts, too many texts for a numeric");
        genre_dataset_schema_free(s);
        free(csv);
    }
    /* 19 numbers and one odd cell: too few numbers for the exception */
    const int one[] = {10};
    char *csv = odd_table_of(21, one, 1, "abc");
    genre_dataset_schema *s = NULL;
    ck_assert_ok(infer(&s, NULL, csv, "y"));
    assert_role(s, "x", "ignore", "19 numbers and 1 texts");
    genre_dataset_schema_free(s);
    free(csv);
    csv = odd_table_of(22, one, 1, "abc"); /* 20 numbers */
    ck_assert_ok(infer(&s, NULL, csv, "y"));
    assert_role(s, "x", "numeric", "1 odd cells read as missing");
    genre_dataset_schema_free(s);
    free(csv);
}
END_TEST

START_TEST(line_numbers_count_crlf_quoted_newlines_and_bom)
{
    text t = {0};
    add(&t, "\xEF\xBB\xBF\"a\r\nname\",x,y\r\n");
    for (int r = 0; r < 150; r++) {
        if (r == 3)
            add(&t, "\"two\r\nlines, and a \"\"quote\"\"\",1,p\r\n");
        else if (r == 100)
            add(&t, "n%d,oops,q\r\n", r);
        else
            add(&t, "n%d,%d,%c\r\n", r, r * 3, r % 2 ? 'p' : 'q');
    }
    genre_dataset_schema *s = NULL;
    ck_assert_ok(infer(&s, NULL, t.s, "y"));
    /* the header spans lines 1-2, row 3 lines 6-7: row 100 is line 104 */
    ck_assert_ptr_nonnull(strstr(notes_of(s), "odd_cell t.csv:104 x \"oops\"\n"));
    assert_role(s, "\"a\\r\\nname\"", "ignore", "an id");
    ck_assert_int_eq(missing_when_read(s, t.s, "x"), 1);
    genre_dataset_schema_free(s);
    free(t.s);
}
END_TEST

START_TEST(semicolons_and_quoted_separators)
{
    text t = {0};
    add(&t, "\"Artist Name\";\"duration_in min/ms\";Class\n");
    for (int r = 0; r < 60; r++)
        add(&t, "\"The %s; Band, %d\";%s;%d\n", GENRES[r % 4], r / 4,
            r % 7 == 0 ? "" : r % 2 ? "3,5" : "4.25", r % 3 * 5);
    genre_dataset_schema *s = NULL;
    ck_assert_ok(infer(&s, NULL, t.s, "Class"));
    int64_t sep = 0;
    ck_assert_ok(genre_dataset_schema_get_i64(s, GENRE_SCHEMA_SEPARATOR, &sep));
    ck_assert_int_eq(sep, ';');
    assert_role(s, "\"Artist Name\"", "text", NULL);
    /* "3,5" is not a number (no decimal comma): 26 of 60 cells, so not numeric */
    assert_role(s, "\"duration_in min/ms\"", "categorical", "2 distinct values");
    /* a numeric label: its values in numeric order */
    assert_role(s, "Class", "label", "3 classes in numeric order");
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, t.s, t.len, "t.csv"));
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    const char *want[] = {"0", "5", "10"};
    for (int32_t code = 0; code < 3; code++) {
        char name[8];
        ck_assert_ok(genre_dataset_prep_category_name(p, "Class", code, name, sizeof name,
                                                      NULL));
        ck_assert_str_eq(name, want[code]);
    }
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    free(t.s);
}
END_TEST

START_TEST(tab_separated_and_forced_separator)
{
    const char *csv = "a\tb\ty\n1\tuu vv\tp\n2\tvv ww\tq\n3\tww uu\tp\n4\tuu xx\tq\n";
    genre_dataset_schema *s = NULL;
    ck_assert_ok(infer(&s, NULL, csv, "y"));
    assert_role(s, "a", "ignore", "running integer id 1 to 4");
    assert_role(s, "b", "text", "4 share words");
    genre_dataset_schema_free(s);
    /* forced ',' on a TAB file: one column, so no label */
    genre_dataset_schema *opt = NULL;
    ck_assert_ok(genre_dataset_schema_create(&opt));
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_SEPARATOR, ','));
    ck_assert_status(infer(&s, opt, csv, "y"), GENRE_E_MISSING_COLUMN);
    ck_assert_str_eq(genre_last_error(),
                     "genre_dataset_schema_infer_from_memory: t.csv:1: the label column 'y' is not "
                     "in the header (1 columns split at ',': 'a\tb\ty')");
    genre_dataset_schema_free(opt);
}
END_TEST

START_TEST(gzip_input_from_memory_and_file)
{
    char *csv = rule_table();
    uLongf cap = compressBound((uLong)strlen(csv)) + 64;
    unsigned char *gz = malloc(cap);
    z_stream z;
    memset(&z, 0, sizeof z);
    ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)csv;
    z.avail_in = (uInt)strlen(csv);
    z.next_out = gz;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t gz_len = z.total_out;
    deflateEnd(&z);
    genre_dataset_schema *plain = NULL, *s = NULL;
    ck_assert_ok(infer(&plain, NULL, csv, "genre"));
    char *plain_notes = strdup(notes_of(plain));
    ck_assert_ok(genre_dataset_schema_infer_from_memory(&s, NULL, gz, gz_len, "t.csv", "genre"));
    ck_assert_str_eq(notes_of(s), plain_notes);
    ck_assert_ptr_nonnull(strstr(plain_notes, "column file text"));
    free(plain_notes);
    genre_dataset_schema_free(s);
    char path[256];
    genre_test_temp_file(path, sizeof path);
    FILE *f = fopen(path, "wb");
    ck_assert_uint_eq(fwrite(gz, 1, gz_len, f), gz_len);
    fclose(f);
    ck_assert_ok(genre_dataset_schema_infer(&s, NULL, path, "genre"));
    assert_role(s, "file", "text", NULL);
    assert_role(s, "x", "numeric", "marker \"NA\"");
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read(&ds, s, path));
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    /* truncated: the gzip message, under this function's name */
    f = fopen(path, "wb");
    ck_assert_uint_eq(fwrite(gz, 1, gz_len / 2, f), gz_len / 2);
    fclose(f);
    ck_assert_status(genre_dataset_schema_infer(&s, NULL, path, "genre"), GENRE_E_PARSE);
    ck_assert_int_eq(strncmp(genre_last_error(), "genre_dataset_schema_infer: ", 28), 0);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), path));
    remove(path);
    ck_assert_status(genre_dataset_schema_infer(&s, NULL, path, "genre"), GENRE_E_IO);
    ck_assert_int_eq(strncmp(genre_last_error(), "genre_dataset_schema_infer: ", 28), 0);
    genre_dataset_schema_free(plain);
    free(gz);
    free(csv);
}
END_TEST

START_TEST(prefix_only_misses_a_later_odd_cell)
{
    const int late[] = {250};
    char *csv = odd_table(late, 1, "late");
    genre_dataset_schema *opt = NULL, *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&opt));
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_MAX_ROWS, 100));
    ck_assert_ok(infer(&s, opt, csv, "y"));
    assert_role(s, "x", "numeric", "98 numbers, 2 missing marker \"NA\"");
    ck_assert_ptr_null(strstr(notes_of(s), "odd_cell"));
    genre_dataset *ds = NULL;
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), "t.csv"),
                     GENRE_E_NOT_A_NUMBER);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "t.csv:252: column 'x': 'late'"));
    genre_dataset_schema_free(s);
    /* every row: the odd cell is found and read as missing */
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_MAX_ROWS, 0));
    ck_assert_ok(infer(&s, opt, csv, "y"));
    ck_assert_ptr_nonnull(strstr(notes_of(s), "odd_cell t.csv:252 x \"late\"\n"));
    ck_assert_int_eq(missing_when_read(s, csv, "x"), 7);
    genre_dataset_schema_free(s);
    genre_dataset_schema_free(opt);
    free(csv);
}
END_TEST

/* With GENRE_SCHEMA_INFER_MAX_ROWS a file is read only up to the end of
 * those records: a NUL byte or broken gzip after them is not seen (the whole
 * file was read and failed before), and the result is the inference of the
 * prefix alone. A quoted line break inside the prefix does not end a record. */
static void write_bytes(const char *path, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(bytes, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(prefix_is_all_that_is_read)
{
    enum { ROWS = 4000, MAX = 100 };
    size_t cap = 64 * (size_t)ROWS + 64, len = 0, prefix_len = 0;
    char *csv = malloc(cap);
    ck_assert_ptr_nonnull(csv);
    len += (size_t)snprintf(csv, cap, "x,name,y\n");
    for (int i = 0; i < ROWS; i++) {
        if (i == MAX)
            prefix_len = len;
        len += (size_t)snprintf(csv + len, cap - len,
                                i == 7 ? "%d.5,\"two\nlines %d\",c%d\n" : "%d.5,song %d,c%d\n",
                                (i * 7919) % 1000, i % 9, i % 3);
    }
    char *prefix = strndup(csv, prefix_len);
    genre_dataset_schema *opt = NULL, *s = NULL, *want = NULL;
    ck_assert_ok(genre_dataset_schema_create(&opt));
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_MAX_ROWS, MAX));
    ck_assert_ok(genre_dataset_schema_infer_from_memory(&want, opt, prefix, prefix_len, "t.csv",
                                                   "y"));
    char *want_notes = strdup(notes_of(want));
    char path[256];
    genre_test_temp_file(path, sizeof path);

    /* plain, with a NUL byte far after the prefix */
    memcpy(csv + len - 20, "\0\0garbage\n", 10);
    write_bytes(path, csv, len);
    ck_assert_ok(genre_dataset_schema_infer(&s, opt, path, "y"));
    ck_assert_str_eq(notes_of(s), want_notes);
    genre_dataset_schema_free(s);
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_MAX_ROWS, 0));
    ck_assert_status(genre_dataset_schema_infer(&s, opt, path, "y"), GENRE_E_PARSE);
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_MAX_ROWS, MAX));

    /* gzip cut off far after the prefix */
    memcpy(csv + len - 20, "1.5,song 1,c1\n", 14);
    uLongf zcap = compressBound((uLong)len) + 64;
    unsigned char *gz = malloc(zcap);
    z_stream z;
    memset(&z, 0, sizeof z);
    ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)csv;
    z.avail_in = (uInt)len;
    z.next_out = gz;
    z.avail_out = (uInt)zcap;
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t gz_len = z.total_out;
    deflateEnd(&z);
    write_bytes(path, gz, gz_len / 2);
    ck_assert_ok(genre_dataset_schema_infer(&s, opt, path, "y"));
    ck_assert_str_eq(notes_of(s), want_notes);
    genre_dataset_schema_free(s);
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_MAX_ROWS, 0));
    ck_assert_status(genre_dataset_schema_infer(&s, opt, path, "y"), GENRE_E_PARSE);

    /* reading stops at a NUL byte and at a record past the record limit
     * (it read /dev/zero, or a quote never closed, until memory ran out) */
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_MAX_ROWS, MAX));
    ck_assert_status(genre_dataset_schema_infer(&s, opt, "/dev/zero", "y"), GENRE_E_PARSE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "NUL byte"));
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_MAX_RECORD_BYTES, 4096));
    len = (size_t)snprintf(csv, cap, "x,\"name,y\n"); /* a quote never closed */
    for (int i = 0; i < ROWS; i++)
        len += (size_t)snprintf(csv + len, cap - len, "%d.5,song,c\n", i);
    write_bytes(path, csv, len);
    ck_assert_status(genre_dataset_schema_infer(&s, opt, path, "y"), GENRE_E_UNTERMINATED_QUOTE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), ":1: column 2: quoted field"));
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_MAX_RECORD_BYTES, 1 << 20));

    /* a file shorter than the limit is read whole, as before */
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_MAX_ROWS, 1000000));
    write_bytes(path, prefix, prefix_len);
    ck_assert_ok(genre_dataset_schema_infer(&s, opt, path, "y"));
    ck_assert_str_eq(notes_of(s), want_notes);
    genre_dataset_schema_free(s);

    remove(path);
    free(gz);
    free(want_notes);
    genre_dataset_schema_free(want);
    genre_dataset_schema_free(opt);
    free(prefix);
    free(csv);
}
END_TEST

START_TEST(ids_hashes_and_file_names)
{
    text t = {0};
    add(&t, "run,down,hash,shuffled,fname,y\n");
    for (int r = 0; r < 40; r++)
        add(&t, "%d,%d,%016llx,%d,%s.%05d.wav,%c\n", r, 1000 - r,
            (unsigned long long)(r + 1) * 0x9e3779b97f4a7c15ull, (r * 17) % 40,
            GENRES[r % 4], r, 'a' + r % 2);
    genre_dataset_schema *s = NULL;
    ck_assert_ok(infer(&s, NULL, t.s, "y"));
    assert_role(s, "run", "ignore", "running integer id 0 to 39");
    assert_role(s, "down", "ignore", "running integer id 1000 to 961");
    assert_role(s, "hash", "ignore", "an id");
    /* a permutation of 0..39 is not a running id: a numeric column */
    assert_role(s, "shuffled", "numeric", NULL);
    assert_role(s, "fname", "text", "40 distinct values, 40 share words");
    genre_dataset_schema_free(s);
    free(t.s);
}
END_TEST

START_TEST(bad_input_gives_clear_errors)
{
    genre_dataset_schema *s = (genre_dataset_schema *)1, *opt = NULL;
    ck_assert_status(infer(&s, NULL, "", "y"), GENRE_E_EMPTY_INPUT);
    ck_assert_ptr_null(s);
    ck_assert_str_eq(genre_last_error(),
                     "genre_dataset_schema_infer_from_memory: t.csv: the input is empty");
    ck_assert_status(infer(&s, NULL, "\xEF\xBB\xBF", "y"), GENRE_E_EMPTY_INPUT);
    ck_assert_status(infer(&s, NULL, "x,y\n", "y"), GENRE_E_NO_DATA_ROWS);
    ck_assert_str_eq(genre_last_error(),
                     "genre_dataset_schema_infer_from_memory: t.csv: a header and no data rows");
    ck_assert_status(infer(&s, NULL, "x,y\n,\n\n", "y"), GENRE_E_NO_DATA_ROWS);
    ck_assert_status(infer(&s, NULL, "x,y,x\n1,2,3\n", "y"), GENRE_E_DUPLICATE_COLUMN);
    ck_assert_str_eq(genre_last_error(),
                     "genre_dataset_schema_infer_from_memory: t.csv:1: column 'x' appears twice in "
                     "the header (fields 1 and 3)");
    ck_assert_status(infer(&s, NULL, "x,Genre\n1,a\n", "genre"), GENRE_E_MISSING_COLUMN);
    ck_assert_str_eq(genre_last_error(),
                     "genre_dataset_schema_infer_from_memory: t.csv:1: the label column 'genre' is "
                     "not in the header (2 columns split at ',': 'x', 'Genre')");
    ck_assert_status(infer(&s, NULL, "x,y\n1,a\n2\n", "y"), GENRE_E_RAGGED_ROW);
    ck_assert_str_eq(genre_last_error(),
                     "genre_dataset_schema_infer_from_memory: t.csv:3: 1 fields "
                     "where the header has 2 (last column 'x')");
    ck_assert_status(infer(&s, NULL, "x,y\n1,\"a\n", "y"), GENRE_E_UNTERMINATED_QUOTE);
    ck_assert_status(infer(&s, NULL, "x,y\n1,\xff\n", "y"), GENRE_E_INVALID_UTF8);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "t.csv:2: column 'y'"));
    ck_assert_status(infer(&s, NULL, "x,y\n1,\n2,NA\n", "y"), GENRE_E_SCHEMA);
    ck_assert_str_eq(genre_last_error(), "genre_dataset_schema_infer_from_memory: t.csv: the label "
                                         "column 'y' has no value in 2 rows");
    /* a long header is cut in the message */
    text t = {0};
    for (int k = 0; k < 80; k++)
        add(&t, "%scolumn_number_%d", k ? "," : "", k);
    add(&t, "\n");
    for (int k = 0; k < 80; k++)
        add(&t, "%s1", k ? "," : "");
    add(&t, "\n");
    ck_assert_status(infer(&s, NULL, t.s, "label"), GENRE_E_MISSING_COLUMN);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "(80 columns split at ','"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "...)"));
    ck_assert_uint_lt(strlen(genre_last_error()), 400);
    free(t.s);
    /* arguments */
    ck_assert_status(infer(&s, NULL, "x,y\n1,a\n", NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_infer_from_memory(&s, NULL, NULL, 3, "t", "y"),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_infer_from_memory(NULL, NULL, "x", 1, "t", "y"),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_schema_infer(&s, NULL, NULL, "y"), GENRE_E_INVALID_ARG);
    ck_assert_str_eq(genre_last_error(), "genre_dataset_schema_infer: argument 'path' is NULL");
    ck_assert_ok(genre_dataset_schema_create(&opt));
    ck_assert_ok(genre_dataset_schema_add_column(opt, "x", GENRE_COL_NUMERIC));
    ck_assert_status(infer(&s, opt, "x,y\n1,a\n", "y"), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "names 1 columns"));
    genre_dataset_schema_free(opt);
    ck_assert_ptr_null(s);
}
END_TEST

START_TEST(too_many_label_classes)
{
    text t = {0};
    add(&t, "x,target\n");
    for (int r = 0; r < 1200; r++)
        add(&t, "%d,%d.%d\n", r % 5, r, r % 10);
    genre_dataset_schema *s = NULL, *opt = NULL;
    ck_assert_status(infer(&s, NULL, t.s, "target"), GENRE_E_SCHEMA);
    ck_assert_str_eq(genre_last_error(),
                     "genre_dataset_schema_infer_from_memory: t.csv: the label column 'target' has "
                     "1200 distinct values, more than GENRE_SCHEMA_INFER_MAX_LABEL_CLASSES "
                     "(1000): a continuous column named as the label? (raise the key if it "
                     "really is a label)");
    ck_assert_ok(genre_dataset_schema_create(&opt));
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_MAX_LABEL_CLASSES, 1200));
    ck_assert_ok(infer(&s, opt, t.s, "target"));
    assert_role(s, "target", "label", "1200 classes in numeric order");
    genre_dataset_schema_free(s);
    /* the limit is exact: 1199 is one too few */
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_MAX_LABEL_CLASSES, 1199));
    ck_assert_status(infer(&s, opt, t.s, "target"), GENRE_E_SCHEMA);
    genre_dataset_schema_free(opt);
    free(t.s);
}
END_TEST

START_TEST(options_markers_limits_and_notes)
{
    const char *csv = "x,y\n1,a\n-999,b\n3,a\n4,b\n5,a\n";
    genre_dataset_schema *opt = NULL, *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&opt));
    ck_assert_ok(genre_dataset_schema_add_missing_text(opt, NULL, "-999"));
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_MAX_RECORD_BYTES, 64));
    ck_assert_ok(infer(&s, opt, csv, "y"));
    assert_role(s, "x", "numeric", "1 missing marker \"-999\"");
    int64_t v = 0;
    ck_assert_ok(genre_dataset_schema_get_i64(s, GENRE_SCHEMA_MAX_RECORD_BYTES, &v));
    ck_assert_int_eq(v, 64);
    ck_assert_int_eq(missing_when_read(s, csv, "x"), 1);
    /* notes: size query, short buffer, and none on a schema not inferred */
    size_t need = 0;
    char small[4];
    ck_assert_ok(genre_dataset_schema_infer_notes(s, NULL, 0, &need));
    ck_assert_status(genre_dataset_schema_infer_notes(s, small, sizeof small, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_ok(genre_dataset_schema_infer_notes(opt, small, sizeof small, &need));
    ck_assert_uint_eq(need, 1);
    ck_assert_str_eq(small, "");
    ck_assert_status(genre_dataset_schema_infer_notes(NULL, small, 4, NULL),
                     GENRE_E_INVALID_ARG);
    genre_dataset_schema_free(s);
    /* the record limit applies while inferring too */
    ck_assert_status(infer(&s, opt,
                           "x,y\n1,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                           "aaaaaaaaaaaaaaaaaaaa\n",
                           "y"),
                     GENRE_E_RECORD_TOO_LONG);
    genre_dataset_schema_free(opt);
}
END_TEST

/* attack18: a repeated value is no step of a running id: 5,5,5,6 (and a
 * sorted flag 0,0,...,0,1) is a numeric column, not "running id 3 to 6". */
START_TEST(repeats_before_the_first_step_are_no_running_id)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(infer(&s, NULL, "x,y\n5,a\n5,b\n5,a\n6,b\n", "y"));
    assert_role(s, "x", "numeric", "4 numbers (integers)");
    genre_dataset_schema_free(s);
    ck_assert_ok(infer(&s, NULL, "x,y\n-0,a\n0,b\n1,a\n", "y"));
    assert_role(s, "x", "numeric", NULL);
    genre_dataset_schema_free(s);
    /* a real running id still is one */
    ck_assert_ok(infer(&s, NULL, "x,y\n7,a\n8,b\n9,a\n", "y"));
    assert_role(s, "x", "ignore", "running integer id 7 to 9");
    genre_dataset_schema_free(s);
}
END_TEST

/* attack18: decimal commas ("1,5" in a ';' file) are not numbers to the
 * reader; the column is not numeric, and the notes say why, with a count,
 * instead of calling it an id. A few such cells in a numeric column are odd
 * cells, and the note says what they are. */
START_TEST(decimal_commas_are_named_in_the_notes)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(infer(&s, NULL, "x;y\n1,5;a\n2,25;b\n-3,5;a\n", "y"));
    assert_role(s, "x", "ignore", "3 cells are numbers written with a comma");
    genre_dataset_schema_free(s);
    text t = {0};
    add(&t, "x;y\n");
    for (int r = 0; r < 200; r++)
        add(&t, r == 150 ? "7,5;%c\n" : "%d;%c\n", r % 7, r % 2 ? 'a' : 'b');
    ck_assert_ok(infer(&s, NULL, t.s, "y"));
    assert_role(s, "x", "numeric", "1 cells are numbers written with a comma");
    ck_assert_ptr_nonnull(strstr(notes_of(s), "odd_cell t.csv:152 x \"7,5\""));
    genre_dataset_schema_free(s);
    free(t.s);
    /* one comma only: "1,2,3" is no number */
    ck_assert_ok(infer(&s, NULL, "x;y\n1,2,3;a\n4,5,6;b\n", "y"));
    ck_assert_ptr_null(strstr(notes_of(s), "written with a comma"));
    genre_dataset_schema_free(s);
}
END_TEST

/* infer18c: a text a column already holds is counted without its checks
 * (a memo of the texts of a column of few): two texts that share a memo
 * entry stay two, a number written with a comma is named each time it
 * comes, and a numeric column's repeated odd text is listed at every line. */
START_TEST(repeated_texts_count_as_the_first)
{
    static const char *const C[] = {"aXbcd", "aYbcd", "\"1,5\"", "4-Apr", "aXbcd"};
    text t = {0};
    add(&t, "c,n,y\n");
    int commas = 0;
    for (int r = 0; r < 300; r++) {
        commas += r % 5 == 2;
        add(&t, "%s,", C[r % 5]);
        if (r == 40 || r == 250)
            add(&t, "x,");
        else
            add(&t, "%d.%d,", r, r % 7);
        add(&t, "%c\n", r % 2 ? 'a' : 'b');
    }
    genre_dataset_schema *s = NULL;
    ck_assert_ok(infer(&s, NULL, t.s, "y"));
    char want[96];
    snprintf(want, sizeof want, "%d cells are numbers written with a comma", commas);
    assert_role(s, "c", "categorical", "4 distinct values");
    assert_role(s, "c", "categorical", want);
    assert_role(s, "n", "numeric", "2 odd cells");
    ck_assert_ptr_nonnull(strstr(notes_of(s), "odd_cell t.csv:42 n \"x\""));
    ck_assert_ptr_nonnull(strstr(notes_of(s), "odd_cell t.csv:252 n \"x\""));
    genre_dataset_schema_free(s);
    free(t.s);
}
END_TEST

/* attack18: a numeric label that spells one number two ways ("1" and
 * "1.0", "0" and "-0") would read as two classes: refused, naming both. */
START_TEST(label_spelling_one_number_twice_is_refused)
{
    genre_dataset_schema *s = NULL;
    ck_assert_status(infer(&s, NULL, "x,y\n1.5,1\n2.5,2\n3.5,1.0\n", "y"),
                     GENRE_E_SCHEMA);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "'1' and '1.0'"));
    ck_assert_status(infer(&s, NULL, "x,y\n1.5,0\n2.5,-0\n3.5,1\n", "y"), GENRE_E_SCHEMA);
    /* one spelling each: fine, in numeric order */
    ck_assert_ok(infer(&s, NULL, "x,y\n1.5,2.0\n2.5,1.0\n3.5,10.0\n", "y"));
    ck_assert_int_eq(missing_when_read(s, "x,y\n1.5,2.0\n2.5,1.0\n3.5,10.0\n", "x"), 0);
    genre_dataset_schema_free(s);
}
END_TEST

/* attack18: a header of 100,000 columns is inferred, and its schema written
 * and parsed back, in linear time (pairwise name checks in the header and in
 * every schema lookup took 37 s for inference alone; this case has 30 s,
 * about 2 s of CPU here, so a machine loaded tenfold still passes). */
START_TEST(a_wide_header_is_linear)
{
    enum { W = 100000 };
    text t = {0};
    for (int j = 0; j < W; j++)
        add(&t, "c%d,", j);
    add(&t, "y\n");
    for (int r = 0; r < 3; r++) {
        for (int j = 0; j < W; j++)
            add(&t, "%d,", (j + r) % 5);
        add(&t, "%c\n", r % 2 ? 'a' : 'b');
    }
    genre_dataset_schema *s = NULL, *p = NULL;
    ck_assert_ok(infer(&s, NULL, t.s, "y"));
    size_t n = 0, need = 0;
    ck_assert_ok(genre_dataset_schema_column_count(s, &n));
    ck_assert_uint_eq(n, W + 1);
    ck_assert_ok(genre_dataset_schema_save_to_memory(s, NULL, 0, &need));
    char *txt = malloc(need);
    ck_assert_ptr_nonnull(txt);
    ck_assert_ok(genre_dataset_schema_save_to_memory(s, txt, need, NULL));
    ck_assert_ok(genre_dataset_schema_load_from_memory(&p, txt, need - 1, "wide.schema"));
    ck_assert_ok(genre_dataset_schema_column_count(p, &n));
    ck_assert_uint_eq(n, W + 1);
    genre_dataset_schema_free(p);
    genre_dataset_schema_free(s);
    /* a repeated name is still found, naming both fields */
    memcpy(t.s, "c1,", 3); /* "c0,c1," -> "c1,c1," */
    ck_assert_status(infer(&s, NULL, t.s, "y"), GENRE_E_DUPLICATE_COLUMN);
    ck_assert_ptr_nonnull(
        strstr(genre_last_error(), "column 'c1' appears twice in the header (fields 1 and 2)"));
    free(txt);
    free(t.s);
}
END_TEST

/* rest18: a shuffled row id (every cell an integer, all distinct, dense:
 * max - min + 1 at most 4 x the rows, 100 rows or more) is an id, ignored,
 * like a running one. Unique integers spread wide (durations in ms), an id
 * with one repeat or one missing cell, and small tables stay numeric. */
START_TEST(shuffled_dense_ids_are_ignored)
{
    enum { N = 500 };
    text t = {0};
    add(&t, "sid,gappy,wide,dur_ms,rep,holed,sfloat,y\n");
    for (int r = 0; r < N; r++) {
        int p = (r * 7919) % N; /* a permutation of 0..N-1 */
        add(&t, "%d,%d,%d,%d,%d,", 1000 + p, 5 + 3 * p, 5 * p, 180000 + 397 * p,
            r == 77 ? (254 * 7919) % N : p);
        if (r == 300)
            add(&t, ",");
        else
            add(&t, "%d,", p);
        add(&t, "%d.0,%c\n", 20002 + p, 'a' + r % 3);
    }
    genre_dataset_schema *s = NULL;
    ck_assert_ok(infer(&s, NULL, t.s, "y"));
    assert_role(s, "sid", "ignore", "unique integer id, 500 distinct integers from 1000 to 1499");
    assert_role(s, "sid", "ignore", "--print-schema");
    assert_role(s, "gappy", "ignore", "unique integer id"); /* span 1498 <= 2000 */
    assert_role(s, "sfloat", "ignore", "from 20002 to 20501"); /* "20002.0": integral */
    assert_role(s, "wide", "numeric", "500 numbers (integers)"); /* span 2496 > 2000 */
    assert_role(s, "dur_ms", "numeric", "500 numbers (integers)");
    assert_role(s, "rep", "numeric", "500 numbers (integers)");
    assert_role(s, "holed", "numeric", "499 numbers (integers), 1 missing");
    /* the schema reads the table; the id is not a column of the models */
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, t.s, t.len, "t.csv"));
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    free(t.s);
    /* 99 rows: too few to tell an id from a feature; 100 rows: an id */
    for (int n = 99; n <= 100; n++) {
        text u = {0};
        add(&u, "sid,y\n");
        for (int r = 0; r < n; r++)
            add(&u, "%d,%c\n", (r * 37) % n, 'a' + r % 2);
        ck_assert_ok(infer(&s, NULL, u.s, "y"));
        assert_role(s, "sid", n < 100 ? "numeric" : "ignore", NULL);
        genre_dataset_schema_free(s);
        free(u.s);
    }
}
END_TEST

static genre_status infer_scenario(void *ctx)
{
    genre_dataset_schema *s = NULL;
    genre_status st = infer(&s, NULL, ctx, "y");
    if (st == GENRE_OK) {
        size_t need = 0;
        st = genre_dataset_schema_infer_notes(s, NULL, 0, &need);
    }
    genre_dataset_schema_free(s);
    return st;
}

START_TEST(allocation_failures_are_clean)
{
    text t = {0};
    add(&t, "id,name,x,c,y\n");
    for (int r = 0; r < 120; r++)
        add(&t, "%d,%s song %d,%s,%s,%d\n", r, GENRES[r % 4], r,
            r == 50 ? "odd" : r % 9 == 0 ? "NA" : "1.5", r % 2 ? "a" : "b", r % 3);
    ck_assert_int_gt(genre_test_alloc_walk(infer_scenario, t.s), 10);
    free(t.s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dataset_infer");
    TCase *tc = tcase_create("infer");
    tcase_add_test(tc, each_rule_on_one_table);
    tcase_add_test(tc, numeric_with_na_and_one_odd_cell);
    tcase_add_test(tc, small_table_one_odd_cell);
    tcase_add_test(tc, line_numbers_count_crlf_quoted_newlines_and_bom);
    tcase_add_test(tc, semicolons_and_quoted_separators);
    tcase_add_test(tc, tab_separated_and_forced_separator);
    tcase_add_test(tc, gzip_input_from_memory_and_file);
    tcase_add_test(tc, prefix_is_all_that_is_read);
    tcase_add_test(tc, prefix_only_misses_a_later_odd_cell);
    tcase_add_test(tc, ids_hashes_and_file_names);
    tcase_add_test(tc, bad_input_gives_clear_errors);
    tcase_add_test(tc, too_many_label_classes);
    tcase_add_test(tc, options_markers_limits_and_notes);
    tcase_add_test(tc, allocation_failures_are_clean);
    tcase_add_test(tc, repeats_before_the_first_step_are_no_running_id);
    tcase_add_test(tc, decimal_commas_are_named_in_the_notes);
    tcase_add_test(tc, label_spelling_one_number_twice_is_refused);
    tcase_add_test(tc, repeated_texts_count_as_the_first);
    tcase_add_test(tc, shuffled_dense_ids_are_ignored);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    TCase *wide = tcase_create("wide");
    tcase_add_test(wide, a_wide_header_is_linear);
    tcase_set_timeout(wide, 30);
    suite_add_tcase(s, wide);
    return genre_test_run(s);
}
