/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Damaged model-file containers: every flipped byte and truncation,
 * trailing bytes, bad magic, records that lie about their size, type, count
 * or order, the wrong kind and a newer format are refused with a message. */
#include "model_file_fixture.h"

#include <stdlib.h>
#include <string.h>

/* ---- Damage ------------------------------------------------------------------- */

START_TEST(every_single_byte_flip_is_rejected)
{
    size_t len;
    unsigned char *g = sample_container(&len);
    unsigned char *b = malloc(len);
    ck_assert_ptr_nonnull(b);
    genre__mf_reader r;
    for (size_t pos = 0; pos < len; pos++) {
        for (unsigned x = 1; x < 256; x++) {
            memcpy(b, g, len);
            b[pos] ^= (unsigned char)x;
            genre_status st = genre__mf_reader_open(&r, b, len, GENRE__MF_KIND_TEST);
            /* The version is read before the checksum (a newer format may
             * checksum differently), so a larger version reads as newer. */
            int version_byte = pos >= 8 && pos < 12;
            ck_assert_msg(st == GENRE_E_CORRUPT || (version_byte && st == GENRE_E_VERSION),
                          "byte %zu ^ 0x%02x: %s: %s", pos, x, genre_status_name(st),
                          genre_last_error());
        }
    }
    /* A flip in the payload is caught by the checksum, which says so. */
    memcpy(b, g, len);
    b[len - 1] ^= 1;
    ck_assert_status(genre__mf_reader_open(&r, b, len, GENRE__MF_KIND_TEST),
                     GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "checksum mismatch"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "byte offset 32"));
    free(b);
    free(g);
}
END_TEST

START_TEST(every_truncation_is_corrupt)
{
    size_t len;
    unsigned char *g = sample_container(&len);
    genre__mf_reader r;
    for (size_t n = 0; n < len; n++) {
        /* A buffer of exactly n bytes, so a read past it is a sanitizer error. */
        unsigned char *b = malloc(n ? n : 1);
        ck_assert_ptr_nonnull(b);
        memcpy(b, g, n);
        ck_assert_msg(genre__mf_reader_open(&r, b, n, GENRE__MF_KIND_TEST) ==
                          GENRE_E_CORRUPT,
                      "truncated to %zu bytes: %s", n, genre_last_error());
        ck_assert_ptr_nonnull(strstr(genre_last_error(), "byte offset"));
        ck_assert_status(genre_model_peek_from_memory(b, n, NULL, NULL), GENRE_E_CORRUPT);
        free(b);
    }
    ck_assert_status(genre__mf_reader_open(&r, NULL, 0, GENRE__MF_ANY_KIND),
                     GENRE_E_CORRUPT);
    free(g);
}
END_TEST

START_TEST(trailing_bytes_are_corrupt)
{
    size_t len;
    unsigned char *g = sample_container(&len);
    unsigned char *b = malloc(len + 3);
    ck_assert_ptr_nonnull(b);
    memcpy(b, g, len);
    memset(b + len, 0, 3);
    genre__mf_reader r;
    ck_assert_status(genre__mf_reader_open(&r, b, len + 3, GENRE__MF_ANY_KIND),
                     GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "3 unexpected bytes"));
    free(b);
    free(g);
}
END_TEST

START_TEST(not_a_model_names_the_magic)
{
    const char text[] = "tempo,loudness,genre\n120,-5,jazz\n";
    genre__mf_reader r;
    ck_assert_status(genre__mf_reader_open(&r, text, sizeof text - 1, GENRE__MF_ANY_KIND),
                     GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "bad magic at byte offset 0"));
    /* Text-mode CRLF -> LF damage shows in the magic, not just the checksum. */
    size_t len;
    unsigned char *g = sample_container(&len);
    memmove(g + 6, g + 7, len - 7);
    ck_assert_status(genre__mf_reader_open(&r, g, len - 1, GENRE__MF_ANY_KIND),
                     GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "bad magic at byte offset 6"));
    free(g);
}
END_TEST

START_TEST(record_longer_than_what_remains)
{
    unsigned char p[64];
    double one = 1.0;
    size_t n = record(p, 1, GENRE__MF_F64_ARRAY, 2, &one, 8); /* claims 16, has 8 */
    expect_payload(p, n, GENRE_E_CORRUPT, "record at byte offset 36 (tag 1) claims 2");

    unsigned char q[64];
    n = record(q, 1, GENRE__MF_U32, 1, "\1\0\0\0", 4);
    n += record(q + n, 2, GENRE__MF_STRING, 5, "abc", 3);
    expect_payload(q, n, GENRE_E_CORRUPT, "byte offset 56 (tag 2) claims 5 elements");

    /* A record header cut short. */
    n = record(q, 1, GENRE__MF_U32, 1, "\1\0\0\0", 4);
    memset(q + n, 0, 5);
    expect_payload(q, n + 5, GENRE_E_CORRUPT, "record at byte offset 56 is truncated");
}
END_TEST

START_TEST(huge_counts_do_not_overflow)
{
    /* count * size wraps to a small number (or 0) if multiplied naively. */
    static const struct {
        uint32_t type;
        uint64_t count;
    } cases[] = {
        {GENRE__MF_F64_ARRAY, UINT64_C(1) << 61}, /* * 8 == 2^64 -> 0 */
        {GENRE__MF_F64_ARRAY, (UINT64_C(1) << 61) + 1},
        {GENRE__MF_I32_ARRAY, (UINT64_C(1) << 62) + 1}, /* * 4 -> 4 */
        {GENRE__MF_BYTES, UINT64_MAX},
        {GENRE__MF_STRING, UINT64_MAX - 15}, /* + header wraps */
        {GENRE__MF_F64_ARRAY, SIZE_MAX / 8 + 1},
        {GENRE__MF_I32_ARRAY, UINT64_MAX},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char p[32];
        size_t n = record(p, 7, cases[i].type, cases[i].count, "\0\0\0\0\0\0\0\0", 8);
        expect_payload(p, n, GENRE_E_CORRUPT, "(tag 7) claims");
    }
}
END_TEST

START_TEST(malformed_records_are_corrupt)
{
    unsigned char p[128];
    size_t n = record(p, 1, 99, 1, "\0\0\0\0", 4);
    expect_payload(p, n, GENRE_E_CORRUPT, "byte offset 36 (tag 1) has unknown type 99");
    n = record(p, 1, 0, 0, NULL, 0);
    expect_payload(p, n, GENRE_E_CORRUPT, "unknown type 0");
    n = record(p, 1, GENRE__MF_U32, 2, "\0\0\0\0\0\0\0\0", 8);
    expect_payload(p, n, GENRE_E_CORRUPT, "is a u32 with 2 elements instead of 1");
    n = record(p, 1, GENRE__MF_F64, 0, NULL, 0);
    expect_payload(p, n, GENRE_E_CORRUPT, "is a f64 with 0 elements instead of 1");
    /* Duplicated and descending tags. */
    n = record(p, 4, GENRE__MF_U32, 1, "\0\0\0\0", 4);
    size_t m = n + record(p + n, 4, GENRE__MF_U32, 1, "\0\0\0\0", 4);
    expect_payload(p, m, GENRE_E_CORRUPT, "byte offset 56 has tag 4 after tag 4");
    m = n + record(p + n, 3, GENRE__MF_U32, 1, "\0\0\0\0", 4);
    expect_payload(p, m, GENRE_E_CORRUPT, "tag 3 after tag 4");

    /* Header fields the checksum cannot vouch for. */
    size_t len;
    genre__mf_reader r;
    unsigned char *b = craft(0, GENRE__MF_KIND_TEST, NULL, 0, &len);
    ck_assert_status(genre__mf_reader_open(&r, b, len, GENRE__MF_ANY_KIND), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "format version 0 at byte offset 8"));
    free(b);
    b = craft(1, 0, NULL, 0, &len);
    ck_assert_status(genre__mf_reader_open(&r, b, len, GENRE__MF_ANY_KIND), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "model kind 0 at byte offset 12"));
    free(b);
    b = craft(1, 0x80000000u, NULL, 0, &len);
    ck_assert_status(genre__mf_reader_open(&r, b, len, GENRE__MF_ANY_KIND), GENRE_E_CORRUPT);
    free(b);
}
END_TEST

START_TEST(string_with_nul_is_corrupt)
{
    unsigned char p[64];
    size_t n = record(p, 2, GENRE__MF_STRING, 3, "a\0b", 3);
    size_t len;
    unsigned char *b = craft(1, GENRE__MF_KIND_TEST, p, n, &len);
    genre__mf_reader r;
    ck_assert_ok(genre__mf_reader_open(&r, b, len, GENRE__MF_KIND_TEST));
    char s[8];
    ck_assert_status(genre__mf_get_string(&r, 2, s, sizeof s), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "string with tag 2 holds a NUL"));
    char *a = (char *)1;
    ck_assert_status(genre__mf_get_string_alloc(&r, 2, &a), GENRE_E_CORRUPT);
    ck_assert_ptr_null(a);
    free(b);
}
END_TEST

START_TEST(wrong_kind_names_both_kinds)
{
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_PCA, 1));
    ck_assert_ok(genre__mf_put_u32(&w, 1, 3));
    unsigned char buf[128];
    size_t len;
    ck_assert_ok(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len));
    genre__mf_writer_free(&w);
    genre__mf_reader r;
    ck_assert_status(genre__mf_reader_open(&r, buf, len, GENRE_MODEL_MLP), GENRE_E_MODEL_KIND);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "'pca' model (kind 3)"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "'mlp' model (kind 6)"));
    uint32_t v;
    ck_assert_status(genre__mf_get_u32(&r, 1, &v), GENRE_E_BAD_STATE); /* left closed */
    ck_assert_ok(genre__mf_reader_open(&r, buf, len, GENRE_MODEL_PCA));
    ck_assert_ok(genre__mf_get_u32(&r, 1, &v));
    ck_assert_uint_eq(v, 3);
}
END_TEST

START_TEST(newer_format_is_a_version_error)
{
    size_t len;
    unsigned char *b = craft(GENRE_MODEL_FORMAT_VERSION + 1, GENRE_MODEL_PCA, NULL, 0, &len);
    genre__mf_reader r;
    ck_assert_status(genre__mf_reader_open(&r, b, len, GENRE_MODEL_PCA), GENRE_E_VERSION);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "format version 2"));
    ck_assert_status(genre_model_peek_from_memory(b, len, NULL, NULL), GENRE_E_VERSION);
    /* Even when the rest would not parse with this version's rules. */
    le64(b + 24, 12345);
    ck_assert_status(genre__mf_reader_open(&r, b, len, GENRE__MF_ANY_KIND), GENRE_E_VERSION);
    free(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_model_file_damage");
    TCase *tc = tcase_create("damage");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_single_byte_flip_is_rejected);
    tcase_add_test(tc, every_truncation_is_corrupt);
    tcase_add_test(tc, trailing_bytes_are_corrupt);
    tcase_add_test(tc, not_a_model_names_the_magic);
    tcase_add_test(tc, record_longer_than_what_remains);
    tcase_add_test(tc, huge_counts_do_not_overflow);
    tcase_add_test(tc, malformed_records_are_corrupt);
    tcase_add_test(tc, string_with_nul_is_corrupt);
    tcase_add_test(tc, wrong_kind_names_both_kinds);
    tcase_add_test(tc, newer_format_is_a_version_error);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
