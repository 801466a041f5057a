/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The gzip input of the CSV reader (lib/dataset/dataset_gzip.c): what may
 * follow a member, cut headers, and the memory of inflation. Built twice:
 * dataset_gzip tests the library as built (libdeflate when found), and
 * dataset_gzip_zlib links its own copy of dataset_gzip.c without
 * libdeflate, so the zlib path passes the same tests.
 */
#include "harness.h"

#include "alloc.h"
#include "dataset_private.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static const char *CSV = "x\n1.5\n2.5\n3.5\n4.5\n";

static genre_dataset_schema *schema_x(void)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    return s;
}

/* text[0..len) as one gzip member appended at out + *n (cap bytes in all). */
static void add_member(const char *text, size_t len, unsigned char *out, size_t cap, size_t *n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)text;
    z.avail_in = (uInt)len;
    z.next_out = out + *n;
    z.avail_out = (uInt)(cap - *n);
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    *n = cap - z.avail_out;
    deflateEnd(&z);
}

/* CSV as two members (the header and first rows, then the rest); *second
 * receives where the second one starts. */
static size_t two_members(unsigned char *out, size_t cap, size_t *second)
{
    size_t n = 0, half = 8;
    add_member(CSV, half, out, cap, &n);
    *second = n;
    add_member(CSV + half, strlen(CSV) - half, out, cap, &n);
    return n;
}

static int64_t rows_of(const genre_dataset *ds)
{
    int64_t n = -1;
    ck_assert_ok(genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &n));
    return n;
}

static void assert_message_has(const char *needle)
{
    ck_assert_msg(strstr(genre_last_error(), needle) != NULL, "'%s' not in '%s'", needle,
                  genre_last_error());
}

/* The compressed byte offset a failure names ("at byte N"), or -1. */
static long long offset_named(void)
{
    const char *e = strstr(genre_last_error(), "at byte ");
    return e ? strtoll(e + 8, NULL, 10) : -1;
}

/* buf as the file path (a new temporary file; the caller removes it). */
static void write_file(char *path, size_t cap, const void *buf, size_t len)
{
    genre_test_temp_file(path, cap);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* Bytes after a member that are neither another member nor zero padding
 * were taken as padding: a damaged second member gave half the table. */
START_TEST(only_a_member_or_zero_padding_may_follow_a_member)
{
    genre_dataset_schema *s = schema_x();
    genre_dataset *ds = NULL;
    unsigned char gz[1024];
    size_t second = 0, n = two_members(gz, sizeof gz, &second);
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, gz, n, "two.csv.gz"));
    ck_assert_int_eq(rows_of(ds), 4);
    genre_dataset_free(ds);
    /* the second member's magic damaged, from a file */
    gz[second] = 0x1e;
    char path[256];
    write_file(path, sizeof path, gz, n);
    ck_assert_status(genre_dataset_read(&ds, s, path), GENRE_E_PARSE);
    ck_assert_ptr_null(ds);
    assert_message_has(path);
    assert_message_has("neither another member");
    ck_assert_int_eq(offset_named(), (long long)second);
    remove(path);
    gz[second] = 0x1f;
    /* a member, then text appended */
    size_t one = 0;
    add_member(CSV, strlen(CSV), gz, sizeof gz, &one);
    memcpy(gz + one, "garbage", 7);
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, gz, one + 7, "g.csv.gz"),
                     GENRE_E_PARSE);
    assert_message_has("g.csv.gz: corrupt gzip data at byte");
    ck_assert_int_eq(offset_named(), (long long)one);
    /* zero padding (a tape block) after one member, and after two: read */
    memset(gz + one, 0, 512);
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, gz, one + 512, "z.csv.gz"));
    ck_assert_int_eq(rows_of(ds), 4);
    genre_dataset_free(ds);
    n = two_members(gz, sizeof gz, &second);
    memset(gz + n, 0, 512);
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, gz, n + 512, "z2.csv.gz"));
    ck_assert_int_eq(rows_of(ds), 4);
    genre_dataset_free(ds);
    /* zeros, then something else: the first byte that is not zero */
    gz[n + 100] = 'x';
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, gz, n + 512, "zx.csv.gz"),
                     GENRE_E_PARSE);
    ck_assert_int_eq(offset_named(), (long long)(n + 100));
    /* a lone 0x1f after a member: the next member, cut in its header */
    gz[n] = 0x1f;
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, gz, n + 1, "cut.csv.gz"),
                     GENRE_E_PARSE);
    assert_message_has("truncated gzip data");
    genre_dataset_schema_free(s);
}
END_TEST

/* A .gz cut after 1 or 2 bytes: the lone 0x1f was read as CSV text, and the
 * bare magic did not say the header was cut. Both are truncated gzip. */
START_TEST(a_cut_header_is_truncated_gzip)
{
    genre_dataset_schema *s = schema_x();
    genre_dataset *ds = NULL;
    unsigned char gz[1024];
    size_t n = 0;
    add_member(CSV, strlen(CSV), gz, sizeof gz, &n);
    const size_t cuts[] = {1, 2, 9};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        char path[256], want[96];
        write_file(path, sizeof path, gz, cuts[i]);
        ck_assert_status(genre_dataset_read(&ds, s, path), GENRE_E_PARSE);
        assert_message_has(path);
        snprintf(want, sizeof want, "truncated gzip data: the input ends at byte %zu", cuts[i]);
        assert_message_has(want);
        assert_message_has("inside the header of the gzip member that starts at byte 0");
        remove(path);
    }
    /* past the header, no word of it */
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, gz, n - 4, "t.gz"), GENRE_E_PARSE);
    assert_message_has("inside the gzip member that starts at byte 0");
    /* one byte that is not 0x1f stays text */
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, "x", 1, "x.csv"), GENRE_E_NO_DATA_ROWS);
    genre_dataset_schema_free(s);
}
END_TEST

/* rows lines "1\n" after the header: about rows * 2 bytes that deflate to
 * a thousandth of that (a gzip bomb); a new malloc'd buffer of *n bytes. */
static unsigned char *bomb(size_t rows, size_t *n)
{
    size_t len = 2 + rows * 2;
    char *text = malloc(len);
    ck_assert_ptr_nonnull(text);
    memcpy(text, "x\n", 2);
    for (size_t i = 0; i < rows; i++)
        memcpy(text + 2 + 2 * i, "1\n", 2);
    size_t cap = len / 500 + 4096;
    unsigned char *gz = malloc(cap);
    ck_assert_ptr_nonnull(gz);
    *n = 0;
    add_member(text, len, gz, cap, n);
    free(text);
    return gz;
}

/* A bomb under a small limit: GENRE_E_INPUT_TOO_LARGE naming the file, and
 * no request above the limit (plus its one byte) was made. */
START_TEST(a_bomb_stops_at_the_limit)
{
    size_t n = 0;
    unsigned char *gz = bomb((size_t)8 << 20, &n); /* 16 MiB of text */
    ck_assert_uint_lt(n, 64 * 1024);
    char path[256];
    write_file(path, sizeof path, gz, n);
    genre_dataset_schema *s = schema_x();
    const size_t limit = (size_t)1 << 20;
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_INPUT_BYTES, (int64_t)limit));
    genre_dataset *ds = NULL;
    genre__alloc_fail_at(0);
    ck_assert_status(genre_dataset_read(&ds, s, path), GENRE_E_INPUT_TOO_LARGE);
    assert_message_has(path);
    assert_message_has("inflates to more than 1048576 bytes");
    ck_assert_msg(genre__alloc_largest() <= limit + 1, "asked for %zu bytes",
                  genre__alloc_largest());
    remove(path);
    genre_dataset_schema_free(s);
    free(gz);
}
END_TEST

/* Out of memory while inflating: the message named no file ("out of memory
 * allocating ..."). Every allocation of the inflation fails in turn. */
START_TEST(out_of_memory_names_the_input)
{
    size_t n = 0;
    unsigned char *gz = bomb(1 << 18, &n); /* 512 KiB of text: the buffer grows */
    long live = genre__alloc_live(), failed = 0;
    for (long k = 1; k < 64; k++) {
        char *out = NULL;
        size_t len = 0;
        genre__alloc_fail_at(k);
        genre_status st = genre__dataset_inflate("bomb.csv.gz", gz, n, (size_t)1 << 30, &out,
                                                 &len);
        genre__alloc_fail_at(0);
        if (st == GENRE_OK) {
            ck_assert_uint_eq(len, 2 + ((size_t)1 << 19));
            genre__free(out);
            break;
        }
        ck_assert_int_eq(st, GENRE_E_NOMEM);
        ck_assert_ptr_null(out);
        assert_message_has("bomb.csv.gz: out of memory");
        failed++;
    }
    ck_assert_int_ge(failed, 2); /* the first buffer and at least one growth */
    ck_assert_int_eq(genre__alloc_live(), live);
    /* the compressed bytes' own buffer, the first allocation of a read */
    char path[256];
    write_file(path, sizeof path, gz, n);
    genre_dataset_schema *s = schema_x();
    genre_dataset *ds = NULL;
    genre__alloc_fail_at(1);
    genre_status st = genre_dataset_read(&ds, s, path);
    genre__alloc_fail_at(0);
    ck_assert_int_eq(st, GENRE_E_NOMEM);
    assert_message_has(path);
    assert_message_has("out of memory reading it");
    remove(path);
    genre_dataset_schema_free(s);
    free(gz);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("dataset_gzip");
    TCase *tc = tcase_create("gzip");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, only_a_member_or_zero_padding_may_follow_a_member);
    tcase_add_test(tc, a_cut_header_is_truncated_gzip);
    tcase_add_test(tc, a_bomb_stops_at_the_limit);
    tcase_add_test(tc, out_of_memory_names_the_input);
    suite_add_tcase(suite, tc);
    return genre_test_run(suite);
}
