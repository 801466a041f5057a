/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The model-file container (lib/common/model_file.c, docs/model-file-format.md).
 *
 * Golden file: tests/golden/model_file_v1.genre holds the records of
 * put_sample() below. After a deliberate format change, regenerate it (and
 * the fuzz seeds in tests/fuzz/corpus/model_file/) with
 *     GENRE_REGEN_GOLDEN=1 build/tests/test_core_model_file
 * then bump GENRE_MODEL_FORMAT_VERSION if old files no longer read.
 */
#include "harness.h"

#include "alloc.h"
#include "error_private.h"
#include "model_file.h"

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#define GOLDEN_PATH "tests/golden/model_file_v1.genre"
#define CORPUS_DIR "tests/fuzz/corpus/model_file"
/* The golden file pins the writer version so a release bump keeps it valid. */
#define GOLDEN_WRITER_VERSION 100u
#define GOLDEN_KIND_VERSION 3u

/* Tags of the test kind, ascending as the writer requires. */
enum {
    T_U32 = 1,
    T_I64,
    T_F64_NEG_ZERO,
    T_F64_NAN,
    T_F64S,
    T_F64S_EMPTY,
    T_I32S,
    T_I32S_EMPTY,
    T_BYTES,
    T_BYTES_EMPTY,
    T_STRING,
    T_STRING_EMPTY,
    T_I64_MIN,
    T_U32_MAX = 1000
};

static const uint64_t NAN_BITS = 0x7ff80000deadbeefULL;     /* quiet NaN, payload */
static const uint64_t NEG_NAN_BITS = 0xfff8000000000001ULL; /* negative NaN */
static const int32_t sample_i32[] = {0, -1, INT32_MIN, INT32_MAX, 42};
static const unsigned char sample_bytes[] = {0x00, 0xff, 0x10, 0x89, 0x0d, 0x0a};
static const char sample_string[] = "jazz \xc3\xa9t\xc3\xa9 \"live\"";

static double from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static uint64_t to_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static void sample_f64(double out[8])
{
    out[0] = 1.5;
    out[1] = -0.0;
    out[2] = from_bits(NAN_BITS);
    out[3] = from_bits(NEG_NAN_BITS);
    out[4] = INFINITY;
    out[5] = -INFINITY;
    out[6] = 4.9406564584124654e-324; /* smallest subnormal */
    out[7] = DBL_MAX;
}

/* Every record type, empty arrays, and the awkward bit patterns. */
static genre_status put_sample(genre__mf_writer *w)
{
    double f[8];
    sample_f64(f);
    genre__mf_put_u32(w, T_U32, 0xdeadbeefu);
    genre__mf_put_i64(w, T_I64, -1234567890123LL);
    genre__mf_put_f64(w, T_F64_NEG_ZERO, -0.0);
    genre__mf_put_f64(w, T_F64_NAN, from_bits(NAN_BITS));
    genre__mf_put_f64_array(w, T_F64S, f, 8);
    genre__mf_put_f64_array(w, T_F64S_EMPTY, NULL, 0);
    genre__mf_put_i32_array(w, T_I32S, sample_i32, 5);
    genre__mf_put_i32_array(w, T_I32S_EMPTY, NULL, 0);
    genre__mf_put_bytes(w, T_BYTES, sample_bytes, sizeof sample_bytes);
    genre__mf_put_bytes(w, T_BYTES_EMPTY, NULL, 0);
    genre__mf_put_string(w, T_STRING, sample_string);
    genre__mf_put_string(w, T_STRING_EMPTY, "");
    genre__mf_put_i64(w, T_I64_MIN, INT64_MIN);
    return genre__mf_put_u32(w, T_U32_MAX, UINT32_MAX);
}

/* The sample container in a new malloc'd buffer. */
static unsigned char *sample_container(size_t *len)
{
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE__MF_KIND_TEST, GOLDEN_KIND_VERSION));
    w.writer_version = GOLDEN_WRITER_VERSION;
    ck_assert_ok(put_sample(&w));
    ck_assert_status(genre__mf_finish_to_memory(&w, NULL, 0, len), GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *buf = malloc(*len);
    ck_assert_ptr_nonnull(buf);
    size_t written = 0;
    ck_assert_ok(genre__mf_finish_to_memory(&w, buf, *len, &written));
    ck_assert_uint_eq(written, *len);
    genre__mf_writer_free(&w);
    return buf;
}

static void check_sample(const genre__mf_reader *r)
{
    uint32_t u;
    int64_t i;
    double d, f[8], expect[8];
    int32_t i32[5];
    unsigned char bytes[sizeof sample_bytes];
    char str[64];
    size_t n;

    ck_assert_int_eq(r->kind, GENRE__MF_KIND_TEST);
    ck_assert_uint_eq(r->format_version, GENRE_MODEL_FORMAT_VERSION);
    ck_assert_uint_eq(r->kind_version, GOLDEN_KIND_VERSION);
    ck_assert_uint_eq(r->n_records, 14);

    ck_assert_ok(genre__mf_get_u32(r, T_U32, &u));
    ck_assert_uint_eq(u, 0xdeadbeefu);
    ck_assert_ok(genre__mf_get_u32(r, T_U32_MAX, &u));
    ck_assert_uint_eq(u, UINT32_MAX);
    ck_assert_ok(genre__mf_get_i64(r, T_I64, &i));
    ck_assert(i == -1234567890123LL);
    ck_assert_ok(genre__mf_get_i64(r, T_I64_MIN, &i));
    ck_assert(i == INT64_MIN);
    ck_assert_ok(genre__mf_get_f64(r, T_F64_NEG_ZERO, &d));
    ck_assert(to_bits(d) == to_bits(-0.0));
    ck_assert_ok(genre__mf_get_f64(r, T_F64_NAN, &d));
    ck_assert(to_bits(d) == NAN_BITS);

    sample_f64(expect);
    ck_assert_ok(genre__mf_get_count(r, T_F64S, GENRE__MF_F64_ARRAY, &n));
    ck_assert_uint_eq(n, 8);
    ck_assert_ok(genre__mf_get_f64_array(r, T_F64S, f, 8));
    for (int k = 0; k < 8; k++)
        ck_assert_msg(to_bits(f[k]) == to_bits(expect[k]), "f64 element %d changed", k);

    ck_assert_ok(genre__mf_get_count(r, T_F64S_EMPTY, GENRE__MF_F64_ARRAY, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_ok(genre__mf_get_f64_array(r, T_F64S_EMPTY, NULL, 0));
    ck_assert_ok(genre__mf_get_i32_array(r, T_I32S, i32, 5));
    ck_assert_mem_eq(i32, sample_i32, sizeof i32);
    ck_assert_ok(genre__mf_get_i32_array(r, T_I32S_EMPTY, NULL, 0));
    ck_assert_ok(genre__mf_get_count(r, T_BYTES, GENRE__MF_BYTES, &n));
    ck_assert_uint_eq(n, sizeof sample_bytes);
    ck_assert_ok(genre__mf_get_bytes(r, T_BYTES, bytes, sizeof bytes));
    ck_assert_mem_eq(bytes, sample_bytes, sizeof bytes);
    ck_assert_ok(genre__mf_get_bytes(r, T_BYTES_EMPTY, NULL, 0));

    ck_assert_ok(genre__mf_get_count(r, T_STRING, GENRE__MF_STRING, &n));
    ck_assert_uint_eq(n, strlen(sample_string));
    ck_assert_ok(genre__mf_get_string(r, T_STRING, str, n + 1)); /* exactly fits */
    ck_assert_str_eq(str, sample_string);
    char *s = NULL;
    ck_assert_ok(genre__mf_get_string_alloc(r, T_STRING, &s));
    ck_assert_str_eq(s, sample_string);
    genre__free(s);
    ck_assert_ok(genre__mf_get_string(r, T_STRING_EMPTY, str, 1));
    ck_assert_str_eq(str, "");
    ck_assert_ok(genre__mf_get_string_alloc(r, T_STRING_EMPTY, &s));
    ck_assert_str_eq(s, "");
    genre__free(s);
}

/* ---- Byte-level helpers for crafting damaged containers --------------------- */

static void le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Recomputes the CRC (docs/model-file-format.md), so a test reaches the
 * check after it. */
static void fix_crc(unsigned char *b, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, b, 32);
    if (len > 36)
        crc = crc32(crc, b + 36, (uInt)(len - 36));
    le32(b + 32, (uint32_t)crc);
}

/* A container around an arbitrary payload, with a correct CRC, in a buffer
 * of exactly its size (so sanitizers see any over-read). */
static unsigned char *craft(uint32_t format, uint32_t kind, const unsigned char *payload,
                            size_t plen, size_t *len)
{
    *len = 36 + plen;
    unsigned char *b = malloc(*len);
    ck_assert_ptr_nonnull(b);
    memcpy(b, "\x89GENRE\r\n", 8);
    le32(b + 8, format);
    le32(b + 12, kind);
    le32(b + 16, 1);
    le32(b + 20, GOLDEN_WRITER_VERSION);
    le64(b + 24, plen);
    if (plen > 0)
        memcpy(b + 36, payload, plen);
    fix_crc(b, *len);
    return b;
}

/* One record header (+ data) into p; returns the bytes written. */
static size_t record(unsigned char *p, uint32_t tag, uint32_t type, uint64_t count,
                     const void *data, size_t data_len)
{
    le32(p, tag);
    le32(p + 4, type);
    le64(p + 8, count);
    if (data_len > 0)
        memcpy(p + 16, data, data_len);
    return 16 + data_len;
}

/* Opens a crafted payload and expects `status` with `needle` in the message. */
static void expect_payload(const unsigned char *payload, size_t plen, genre_status status,
                           const char *needle)
{
    size_t len;
    unsigned char *b = craft(1, GENRE__MF_KIND_TEST, payload, plen, &len);
    genre__mf_reader r;
    ck_assert_status(genre__mf_reader_open(&r, b, len, GENRE__MF_ANY_KIND), status);
    ck_assert_msg(strstr(genre_last_error(), needle) != NULL, "'%s' not in '%s'", needle,
                  genre_last_error());
    ck_assert_ptr_null(r.payload); /* left closed */
    ck_assert_status(genre_model_peek(b, len, NULL, NULL), status);
    free(b);
}

static unsigned char *read_all(const char *path, size_t *len)
{
    void *buf = NULL;
    ck_assert_ok(genre__mf_read_file(path, GENRE__MF_MAX_FILE_BYTES, &buf, len));
    unsigned char *copy = malloc(*len ? *len : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, buf, *len);
    genre__free(buf);
    return copy;
}

static void write_all(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* ---- Temporary directories -------------------------------------------------- */

/* ---- Round trip and golden file ---------------------------------------------- */

START_TEST(round_trip_every_record_type)
{
    size_t len;
    unsigned char *buf = sample_container(&len);
    genre__mf_reader r;
    ck_assert_ok(genre__mf_reader_open(&r, buf, len, GENRE__MF_KIND_TEST));
    ck_assert_uint_eq(r.writer_version, GOLDEN_WRITER_VERSION);
    check_sample(&r);
    free(buf);

    /* Without pinning, the writer stamps the library's version. */
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_SCALER, 7));
    ck_assert_ok(genre__mf_put_f64(&w, 5, 2.25));
    unsigned char small[64];
    ck_assert_ok(genre__mf_finish_to_memory(&w, small, sizeof small, &len));
    ck_assert_uint_eq(len, genre__mf_writer_size(&w));
    genre__mf_writer_free(&w);
    ck_assert_ok(genre__mf_reader_open(&r, small, len, GENRE_MODEL_SCALER));
    ck_assert_uint_eq(r.writer_version, (uint32_t)genre_version_number());
    ck_assert_uint_eq(r.kind_version, 7);
    double d;
    ck_assert_ok(genre__mf_get_f64(&r, 5, &d));
    ck_assert(d == 2.25);
}
END_TEST

START_TEST(empty_container_round_trips)
{
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_PCA, 1));
    unsigned char buf[GENRE__MF_HEADER_SIZE];
    size_t len;
    ck_assert_ok(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len));
    ck_assert_uint_eq(len, GENRE__MF_HEADER_SIZE);
    genre__mf_writer_free(&w);
    genre__mf_writer_free(NULL);
    genre__mf_reader r;
    ck_assert_ok(genre__mf_reader_open(&r, buf, len, GENRE_MODEL_PCA));
    ck_assert_uint_eq(r.n_records, 0);
    size_t cursor = 0;
    ck_assert_int_eq(genre__mf_next(&r, &cursor, NULL, NULL, NULL), 0);
    ck_assert_int_eq(genre__mf_has(&r, 1), 0);
}
END_TEST

/* Writes the golden file and the fuzz seeds (GENRE_REGEN_GOLDEN=1). */
static void regenerate(void)
{
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE__MF_KIND_TEST, GOLDEN_KIND_VERSION));
    w.writer_version = GOLDEN_WRITER_VERSION;
    ck_assert_ok(put_sample(&w));
    ck_assert_ok(genre__mf_finish_to_file(&w, genre_test_source_path(GOLDEN_PATH)));
    genre__mf_writer_free(&w);

    size_t len;
    unsigned char *g = sample_container(&len);
    char path[4096];
#define SEED(name, data, n)                                                           \
    do {                                                                              \
        snprintf(path, sizeof path, "%s/%s", genre_test_source_path(CORPUS_DIR), name); \
        write_all(path, data, n);                                                     \
    } while (0)
    SEED("golden.genre", g, len);
    SEED("truncated-header", g, 20);
    SEED("truncated-payload", g, len - 7);
    unsigned char *m = malloc(len);
    ck_assert_ptr_nonnull(m);
    memcpy(m, g, len);
    m[len / 2] ^= 0x40;
    SEED("bad-checksum", m, len);
    /* Damaged records behind a valid checksum reach the record walker. */
    memcpy(m, g, len);
    le64(m + 36 + 8, UINT64_C(1) << 61); /* the first record's count */
    fix_crc(m, len);
    SEED("huge-count", m, len);
    memcpy(m, g, len);
    le32(m + 36 + 4, 99); /* the first record's type */
    fix_crc(m, len);
    SEED("unknown-type", m, len);
    memcpy(m, g, len);
    le32(m + 8, GENRE_MODEL_FORMAT_VERSION + 1);
    fix_crc(m, len);
    SEED("newer-format", m, len);
    size_t elen;
    unsigned char *e = craft(1, GENRE_MODEL_PCA, NULL, 0, &elen);
    SEED("empty-pca", e, elen);
#undef SEED
    free(e);
    free(m);
    free(g);
}

START_TEST(golden_file_is_reproduced_byte_for_byte)
{
    const char *regen = getenv("GENRE_REGEN_GOLDEN");
    if (regen && strcmp(regen, "1") == 0)
        regenerate();
    size_t glen, len;
    unsigned char *golden = read_all(genre_test_source_path(GOLDEN_PATH), &glen);
    unsigned char *fresh = sample_container(&len);
    ck_assert_uint_eq(len, glen);
    for (size_t i = 0; i < len; i++)
        ck_assert_msg(fresh[i] == golden[i],
                      "byte %zu differs: wrote 0x%02x, golden has 0x%02x (format change? "
                      "see the top of this file)",
                      i, fresh[i], golden[i]);
    /* Little-endian regardless of host: spot-check the header by hand. */
    ck_assert_mem_eq(golden, "\x89GENRE\r\n", 8);
    ck_assert_mem_eq(golden + 8, "\x01\x00\x00\x00", 4);
    ck_assert_mem_eq(golden + 12, "\x01\x00\xff\x7f", 4); /* GENRE__MF_KIND_TEST */
    ck_assert_mem_eq(golden + 20, "\x64\x00\x00\x00", 4); /* writer 100 = 0.1.0 */
    /* First record: tag 1, type u32 (1), count 1, 0xdeadbeef. */
    ck_assert_mem_eq(golden + 36,
                     "\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"
                     "\xef\xbe\xad\xde",
                     20);
    free(golden);
    free(fresh);
}
END_TEST

START_TEST(golden_file_reads_known_values)
{
    genre__mf_reader r;
    void *buf = NULL;
    ck_assert_ok(genre__mf_open_file(&r, genre_test_source_path(GOLDEN_PATH),
                                     GENRE__MF_KIND_TEST, &buf));
    ck_assert_uint_eq(r.writer_version, GOLDEN_WRITER_VERSION);
    check_sample(&r);

    /* Iteration sees the records in tag order. */
    size_t cursor = 0, n = 0;
    uint32_t tag, type, prev = 0;
    uint64_t count;
    while (genre__mf_next(&r, &cursor, &tag, &type, &count)) {
        ck_assert(n == 0 || tag > prev);
        ck_assert_int_eq(genre__mf_has(&r, tag), 1);
        prev = tag;
        n++;
    }
    ck_assert_uint_eq(n, r.n_records);
    ck_assert_uint_eq(tag, T_U32_MAX);
    ck_assert_uint_eq(type, GENRE__MF_U32);
    ck_assert_uint_eq(count, 1);
    ck_assert_int_eq(genre__mf_has(&r, 999), 0);
    ck_assert_int_eq(genre__mf_has(NULL, 1), 0);
    genre__free(buf);
}
END_TEST

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
        ck_assert_status(genre_model_peek(b, n, NULL, NULL), GENRE_E_CORRUPT);
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
    ck_assert_status(genre_model_peek(b, len, NULL, NULL), GENRE_E_VERSION);
    /* Even when the rest would not parse with this version's rules. */
    le64(b + 24, 12345);
    ck_assert_status(genre__mf_reader_open(&r, b, len, GENRE__MF_ANY_KIND), GENRE_E_VERSION);
    free(b);
}
END_TEST

/* ---- Writer contracts ------------------------------------------------------------ */

START_TEST(buffer_too_small_reports_the_size)
{
    size_t len;
    unsigned char *g = sample_container(&len);
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE__MF_KIND_TEST, GOLDEN_KIND_VERSION));
    w.writer_version = GOLDEN_WRITER_VERSION;
    ck_assert_ok(put_sample(&w));
    ck_assert_uint_eq(genre__mf_writer_size(&w), len);
    ck_assert_uint_eq(genre__mf_writer_size(NULL), 0);

    size_t needed = 0;
    ck_assert_status(genre__mf_finish_to_memory(&w, NULL, 0, &needed),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(needed, len);
    unsigned char *b = malloc(len);
    ck_assert_ptr_nonnull(b);
    memset(b, 0xaa, len);
    needed = 0;
    ck_assert_status(genre__mf_finish_to_memory(&w, b, len - 1, &needed),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(needed, len);
    char expect[96];
    snprintf(expect, sizeof expect, "needs %zu bytes, the buffer holds %zu", len, len - 1);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), expect));
    ck_assert_uint_eq(b[0], 0xaa); /* nothing written */
    ck_assert_ok(genre__mf_finish_to_memory(&w, b, len, &needed));
    ck_assert_mem_eq(b, g, len);
    /* finish leaves the writer as it was: again, same bytes. */
    ck_assert_ok(genre__mf_finish_to_memory(&w, b, len, &needed));
    ck_assert_mem_eq(b, g, len);
    ck_assert_status(genre__mf_finish_to_memory(&w, b, len, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_finish_to_memory(NULL, b, len, &needed), GENRE_E_INVALID_ARG);
    genre__mf_writer_free(&w);
    free(b);
    free(g);
}
END_TEST

START_TEST(writer_argument_errors_are_sticky)
{
    genre__mf_writer w;
    unsigned char buf[256];
    size_t len;
    ck_assert_status(genre__mf_writer_init(NULL, 1, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_writer_init(&w, 0, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_put_u32(&w, 1, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "model kind 0 is not valid"));
    genre__mf_writer_free(&w);
    ck_assert_status(genre__mf_writer_init(&w, -5, 1), GENRE_E_INVALID_ARG);
    genre__mf_writer_free(&w);

    /* Tags must increase; the first offence sticks and finish repeats it. */
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_LDA, 1));
    ck_assert_ok(genre__mf_put_u32(&w, 5, 1));
    ck_assert_status(genre__mf_put_u32(&w, 5, 2), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "tag 5 put after tag 5"));
    ck_assert_status(genre__mf_put_u32(&w, 9, 2), GENRE_E_INVALID_ARG); /* no-op now */
    genre_clear_error();
    ck_assert_status(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "an earlier put failed"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "tag 5 put after tag 5"));
    ck_assert_status(genre__mf_finish_to_file(&w, "/nonexistent-dir/never.genre"),
                     GENRE_E_INVALID_ARG);
    genre__mf_writer_free(&w);

    /* NULL data with elements, per array kind, and a NULL string. */
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_LDA, 1));
    ck_assert_status(genre__mf_put_f64_array(&w, 1, NULL, 3), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "'data' is NULL with 3 elements"));
    genre__mf_writer_free(&w);
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_LDA, 1));
    ck_assert_status(genre__mf_put_i32_array(&w, 1, NULL, 1), GENRE_E_INVALID_ARG);
    genre__mf_writer_free(&w);
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_LDA, 1));
    ck_assert_status(genre__mf_put_bytes(&w, 1, NULL, 1), GENRE_E_INVALID_ARG);
    genre__mf_writer_free(&w);
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_LDA, 1));
    ck_assert_status(genre__mf_put_string(&w, 1, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_put_string(&w, 2, NULL), GENRE_E_INVALID_ARG);
    genre__mf_writer_free(&w);

    ck_assert_status(genre__mf_put_u32(NULL, 1, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_put_i64(NULL, 1, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_put_f64(NULL, 1, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_put_f64_array(NULL, 1, NULL, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_put_i32_array(NULL, 1, NULL, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_put_bytes(NULL, 1, NULL, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_put_string(NULL, 1, ""), GENRE_E_INVALID_ARG);

    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_LDA, 1));
    ck_assert_status(genre__mf_finish_to_file(&w, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_finish_to_file(&w, ""), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_finish_to_file(NULL, "x"), GENRE_E_INVALID_ARG);
    genre__mf_writer_free(&w);
}
END_TEST

START_TEST(allocation_failure_in_put_is_sticky)
{
    char dir[256], path[300];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    snprintf(path, sizeof path, "%s/model.genre", dir);
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_MLP, 1));
    genre__alloc_fail_at(1);
    ck_assert_status(genre__mf_put_f64(&w, 1, 1.0), GENRE_E_NOMEM);
    genre__alloc_fail_at(0);
    /* Later puts are no-ops, even ones that would succeed or be invalid. */
    ck_assert_status(genre__mf_put_u32(&w, 2, 1), GENRE_E_NOMEM);
    ck_assert_status(genre__mf_put_u32(&w, 1, 1), GENRE_E_NOMEM);
    ck_assert_status(genre__mf_put_f64_array(&w, 3, NULL, 4), GENRE_E_NOMEM);
    ck_assert_status(genre__mf_put_string(&w, 4, NULL), GENRE_E_NOMEM);
    ck_assert_uint_eq(w.len, 0);
    unsigned char buf[128];
    size_t len;
    ck_assert_status(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len), GENRE_E_NOMEM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "out of memory"));
    ck_assert_status(genre__mf_finish_to_file(&w, path), GENRE_E_NOMEM);
    ck_assert_int_eq(genre_test_count_entries(dir), 0);
    genre__mf_writer_free(&w);
    genre_test_remove_tree(dir);
}
END_TEST

/* ---- Reader contracts ------------------------------------------------------------ */

START_TEST(getter_errors_name_the_tag)
{
    size_t len;
    unsigned char *g = sample_container(&len);
    genre__mf_reader r;
    ck_assert_ok(genre__mf_reader_open(&r, g, len, GENRE__MF_KIND_TEST));
    uint32_t u;
    int64_t i;
    double d, f[9];
    int32_t i32[6];
    unsigned char bytes[16];
    char s[8];
    size_t n;

    ck_assert_status(genre__mf_get_u32(&r, 77, &u), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "no record with tag 77"));
    ck_assert_status(genre__mf_get_u32(&r, 5000, &u), GENRE_E_CORRUPT); /* past the last */
    ck_assert_status(genre__mf_get_i64(&r, T_U32, &i), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "tag 1 is a u32, not a i64"));
    ck_assert_status(genre__mf_get_f64(&r, T_F64S, &d), GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_u32(&r, T_F64_NAN, &u), GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_count(&r, T_F64S, GENRE__MF_I32_ARRAY, &n),
                     GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_f64_array(&r, T_I32S, f, 5), GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_i32_array(&r, T_F64S, i32, 8), GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_bytes(&r, T_STRING, bytes, 3), GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_string(&r, T_BYTES, s, sizeof s), GENRE_E_CORRUPT);
    char *a;
    ck_assert_status(genre__mf_get_string_alloc(&r, 404, &a), GENRE_E_CORRUPT);

    /* Count mismatches, both ways. */
    ck_assert_status(genre__mf_get_f64_array(&r, T_F64S, f, 9), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "tag 5 holds 8 elements, expected 9"));
    ck_assert_status(genre__mf_get_f64_array(&r, T_F64S, f, 7), GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_i32_array(&r, T_I32S, i32, 6), GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_bytes(&r, T_BYTES, bytes, 2), GENRE_E_CORRUPT);
    ck_assert_status(genre__mf_get_f64_array(&r, T_F64S_EMPTY, f, 1), GENRE_E_CORRUPT);
    /* A string longer than the loader allows. */
    ck_assert_status(genre__mf_get_string(&r, T_STRING, s, sizeof s), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "more than the 7 allowed"));

    /* Caller errors. */
    ck_assert_status(genre__mf_get_u32(&r, T_U32, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_i64(&r, T_I64, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_f64(&r, T_F64_NAN, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_count(&r, T_F64S, GENRE__MF_F64_ARRAY, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_f64_array(&r, T_F64S, NULL, 8), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_i32_array(&r, T_I32S, NULL, 5), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_bytes(&r, T_BYTES, NULL, 6), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_string(&r, T_STRING, NULL, 8), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_string(&r, T_STRING, s, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_string_alloc(&r, T_STRING, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_get_u32(NULL, T_U32, &u), GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_reader_open(NULL, g, len, GENRE__MF_ANY_KIND),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_reader_open(&r, NULL, 10, GENRE__MF_ANY_KIND),
                     GENRE_E_INVALID_ARG);
    ck_assert_int_eq(genre__mf_next(&r, NULL, NULL, NULL, NULL), 0);

    /* A reader that is not open. */
    genre__mf_reader closed;
    memset(&closed, 0, sizeof closed);
    ck_assert_status(genre__mf_get_u32(&closed, T_U32, &u), GENRE_E_BAD_STATE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "not open"));
    ck_assert_status(genre__mf_get_i64(&closed, T_I64, &i), GENRE_E_BAD_STATE);
    ck_assert_status(genre__mf_get_f64(&closed, T_F64_NAN, &d), GENRE_E_BAD_STATE);
    ck_assert_status(genre__mf_get_count(&closed, T_F64S, GENRE__MF_F64_ARRAY, &n),
                     GENRE_E_BAD_STATE);
    ck_assert_status(genre__mf_get_f64_array(&closed, T_F64S, f, 8), GENRE_E_BAD_STATE);
    ck_assert_status(genre__mf_get_i32_array(&closed, T_I32S, i32, 5), GENRE_E_BAD_STATE);
    ck_assert_status(genre__mf_get_bytes(&closed, T_BYTES, bytes, 6), GENRE_E_BAD_STATE);
    ck_assert_status(genre__mf_get_string(&closed, T_STRING, s, 8), GENRE_E_BAD_STATE);
    ck_assert_status(genre__mf_get_string_alloc(&closed, T_STRING, &a), GENRE_E_BAD_STATE);
    ck_assert_int_eq(genre__mf_has(&closed, T_U32), 0);
    size_t cursor = 0;
    ck_assert_int_eq(genre__mf_next(&closed, &cursor, NULL, NULL, NULL), 0);
    free(g);
}
END_TEST

/* ---- Files ----------------------------------------------------------------------- */

START_TEST(file_save_replaces_atomically)
{
    char dir[256], path[300];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    snprintf(path, sizeof path, "%s/model.genre", dir);
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE__MF_KIND_TEST, GOLDEN_KIND_VERSION));
    w.writer_version = GOLDEN_WRITER_VERSION;
    ck_assert_ok(put_sample(&w));
    mode_t old_mask = umask(027);
    ck_assert_ok(genre__mf_finish_to_file(&w, path));
    umask(old_mask);
    genre__mf_writer_free(&w);
    ck_assert_int_eq(genre_test_count_entries(dir), 1);
    struct stat fresh;
    ck_assert_int_eq(stat(path, &fresh), 0);
    ck_assert_int_eq(fresh.st_mode & 07777, 0640); /* 0666 less the umask */
    size_t len, glen;
    unsigned char *got = read_all(path, &len);
    unsigned char *g = sample_container(&glen);
    ck_assert_uint_eq(len, glen);
    ck_assert_mem_eq(got, g, len);
    free(got);
    free(g);

    /* Overwriting: new content, the old file's permissions. */
    ck_assert_int_eq(chmod(path, 0640), 0);
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_KMEANS, 2));
    ck_assert_ok(genre__mf_put_i64(&w, 1, 42));
    ck_assert_ok(genre__mf_finish_to_file(&w, path));
    genre__mf_writer_free(&w);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0640);
    int32_t kind = 0, version = 0;
    ck_assert_ok(genre_model_peek_file(path, &kind, &version));
    ck_assert_int_eq(kind, GENRE_MODEL_KMEANS);
    ck_assert_int_eq(version, GENRE_MODEL_FORMAT_VERSION);
    ck_assert_int_eq(genre_test_count_entries(dir), 1);

    /* A relative path (the temporary file goes to the current directory). */
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(dir), 0);
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_TSNE, 1));
    ck_assert_ok(genre__mf_finish_to_file(&w, "relative.genre"));
    genre__mf_writer_free(&w);
    ck_assert_ok(genre_model_peek_file("relative.genre", &kind, NULL));
    ck_assert_int_eq(kind, GENRE_MODEL_TSNE);
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_int_eq(genre_test_count_entries(dir), 2);
    genre_test_remove_tree(dir);
}
END_TEST

/* A writer with enough records to need more than one write(). */
static void init_big_writer(genre__mf_writer *w)
{
    static double zeros[4096];
    ck_assert_ok(genre__mf_writer_init(w, GENRE_MODEL_MLP, 1));
    ck_assert_ok(genre__mf_put_f64_array(w, 1, zeros, 4096));
}

START_TEST(file_save_failures_leave_no_temporary_file)
{
    char dir[256], path[400];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    genre__mf_writer w;
    init_big_writer(&w);

    /* A directory that does not exist: mkstemp fails. */
    snprintf(path, sizeof path, "%s/missing/model.genre", dir);
    ck_assert_status(genre__mf_finish_to_file(&w, path), GENRE_E_IO);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), path));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), strerror(ENOENT)));
    ck_assert_int_eq(genre_test_count_entries(dir), 0);

    /* The target is a directory: refused before anything is written
     * (tests/test_core_model_save.c tests every kind of target). */
    snprintf(path, sizeof path, "%s/is-a-dir", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    ck_assert_status(genre__mf_finish_to_file(&w, path), GENRE_E_IO);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "it is a directory"));
    ck_assert_int_eq(genre_test_count_entries(dir), 1);
    ck_assert_int_eq(rmdir(path), 0);

    /* Writing fails half-way (file size limit): the old file survives. */
    snprintf(path, sizeof path, "%s/model.genre", dir);
    genre__mf_writer old;
    ck_assert_ok(genre__mf_writer_init(&old, GENRE_MODEL_PCA, 1));
    ck_assert_ok(genre__mf_finish_to_file(&old, path));
    genre__mf_writer_free(&old);
    /* In a child process, so the lowered limit cannot touch the files the
     * test framework itself writes (Check's message file). */
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct rlimit small;
        signal(SIGXFSZ, SIG_IGN);
        if (getrlimit(RLIMIT_FSIZE, &small) != 0)
            _exit(2);
        small.rlim_cur = 1000;
        if (setrlimit(RLIMIT_FSIZE, &small) != 0)
            _exit(3);
        genre_status st = genre__mf_finish_to_file(&w, path);
        _exit(st == GENRE_E_IO && strstr(genre_last_error(), "cannot write") ? 0 : 1);
    }
    int wstatus = 0;
    ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
    ck_assert_msg(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0,
                  "a save under a 1000-byte file size limit did not fail with GENRE_E_IO "
                  "'cannot write' (child status %d)", wstatus);
    ck_assert_int_eq(genre_test_count_entries(dir), 1);
    int32_t kind = 0;
    ck_assert_ok(genre_model_peek_file(path, &kind, NULL));
    ck_assert_int_eq(kind, GENRE_MODEL_PCA);

    /* A read-only directory (meaningless for root, who may write anyway). */
    char ro[300];
    snprintf(ro, sizeof ro, "%s/read-only", dir);
    ck_assert_int_eq(mkdir(ro, 0500), 0);
    if (access(ro, W_OK) != 0) {
        snprintf(path, sizeof path, "%s/model.genre", ro);
        ck_assert_status(genre__mf_finish_to_file(&w, path), GENRE_E_IO);
        ck_assert_ptr_nonnull(strstr(genre_last_error(), "temporary file"));
        ck_assert_int_eq(genre_test_count_entries(ro), 0);
    }
    genre__mf_writer_free(&w);
    genre_test_remove_tree(dir);
}
END_TEST

START_TEST(peek_reports_kind_and_version)
{
    size_t len;
    unsigned char *g = sample_container(&len);
    int32_t kind = 0, version = 0;
    ck_assert_ok(genre_model_peek(g, len, &kind, &version));
    ck_assert_int_eq(kind, GENRE__MF_KIND_TEST);
    ck_assert_int_eq(version, GENRE_MODEL_FORMAT_VERSION);
    ck_assert_ok(genre_model_peek(g, len, NULL, NULL));
    ck_assert_status(genre_model_peek(NULL, 5, &kind, &version), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_model_peek(NULL, 0, &kind, &version), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_model_peek: "));
    g[len - 1] ^= 0x10;
    ck_assert_status(genre_model_peek(g, len, &kind, &version), GENRE_E_CORRUPT);

    char dir[256], path[300];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    snprintf(path, sizeof path, "%s/damaged.genre", dir);
    write_all(path, g, len);
    ck_assert_status(genre_model_peek_file(path, &kind, &version), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), path)); /* names the file */
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "checksum mismatch"));

    size_t vlen;
    unsigned char *v = craft(GENRE_MODEL_FORMAT_VERSION + 1, GENRE_MODEL_MLP, NULL, 0, &vlen);
    write_all(path, v, vlen);
    ck_assert_status(genre_model_peek_file(path, &kind, &version), GENRE_E_VERSION);
    free(v);

    ck_assert_ok(genre_model_peek_file(genre_test_source_path(GOLDEN_PATH), &kind, &version));
    ck_assert_int_eq(kind, GENRE__MF_KIND_TEST);
    ck_assert_status(genre_model_peek_file(NULL, &kind, &version), GENRE_E_INVALID_ARG);
    snprintf(path, sizeof path, "%s/absent.genre", dir);
    ck_assert_status(genre_model_peek_file(path, &kind, &version), GENRE_E_IO);
    genre__alloc_fail_at(1);
    genre_status st = genre_model_peek_file(genre_test_source_path(GOLDEN_PATH), &kind, NULL);
    genre__alloc_fail_at(0);
    ck_assert_int_eq(st, GENRE_E_NOMEM);
    free(g);
    genre_test_remove_tree(dir);
}
END_TEST

/* The modules' public loaders go through genre__mf_load_file/_memory: their
 * messages must still name the public function (the helper takes its
 * __func__), and *out must be NULL after every failure. Each wrapper calls a
 * loader with a typed handle (NULL out when with_out is 0), reports whether
 * the handle was cleared, and frees what a success returned. */
static int sentinel;
#define LOADER_WRAPPERS(mod)                                                        \
    static genre_status mod##_file(int with_out, const char *path, int *cleared)    \
    {                                                                               \
        genre_##mod *m = (genre_##mod *)&sentinel;                                  \
        genre_status st = genre_##mod##_load(with_out ? &m : NULL, path);           \
        *cleared = m == NULL;                                                       \
        if (m != (genre_##mod *)&sentinel)                                          \
            genre_##mod##_free(m);                                                  \
        return st;                                                                  \
    }                                                                               \
    static genre_status mod##_memory(int with_out, const void *b, size_t n,         \
                                     int *cleared)                                  \
    {                                                                               \
        genre_##mod *m = (genre_##mod *)&sentinel;                                  \
        genre_status st = genre_##mod##_load_from_memory(with_out ? &m : NULL, b, n); \
        *cleared = m == NULL;                                                       \
        if (m != (genre_##mod *)&sentinel)                                          \
            genre_##mod##_free(m);                                                  \
        return st;                                                                  \
    }
LOADER_WRAPPERS(scaler)
LOADER_WRAPPERS(pca)
LOADER_WRAPPERS(lda)
LOADER_WRAPPERS(kmeans)
LOADER_WRAPPERS(tsne)
LOADER_WRAPPERS(text)
LOADER_WRAPPERS(mlp)
#undef LOADER_WRAPPERS

static const struct {
    int32_t kind;
    const char *file_name, *memory_name, *version_text;
    genre_status (*load_file)(int with_out, const char *path, int *cleared);
    genre_status (*load_memory)(int with_out, const void *b, size_t n, int *cleared);
} module_loaders[] = {
#define LOADER(kind, mod, text)                                                     \
    {kind, "genre_" #mod "_load", "genre_" #mod "_load_from_memory", text, mod##_file, \
     mod##_memory}
    LOADER(GENRE_MODEL_SCALER, scaler, "scaler payload version 99 is newer"),
    LOADER(GENRE_MODEL_PCA, pca, "PCA payload version 99 is newer"),
    LOADER(GENRE_MODEL_LDA, lda, "LDA payload version 99 is newer"),
    LOADER(GENRE_MODEL_KMEANS, kmeans, "k-means payload version 99 is newer"),
    LOADER(GENRE_MODEL_TSNE, tsne, "t-SNE payload version 99 is newer"),
    LOADER(GENRE_MODEL_TEXT, text, "text payload version 99 is newer"),
    LOADER(GENRE_MODEL_MLP, mlp, "MLP payload version 99 is newer"),
#undef LOADER
};

static void assert_error_is(const char *func, const char *what)
{
    char want[256];
    snprintf(want, sizeof want, "%s: %s", func, what);
    ck_assert_msg(strncmp(genre_last_error(), want, strlen(want)) == 0,
                  "'%s' does not start with '%s'", genre_last_error(), want);
}

START_TEST(module_loaders_name_the_public_function)
{
    char dir[256], path[300];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    snprintf(path, sizeof path, "%s/model.genre", dir);
    for (size_t i = 0; i < sizeof module_loaders / sizeof module_loaders[0]; i++) {
        const char *fn = module_loaders[i].file_name, *mn = module_loaders[i].memory_name;
        int cleared = 0;
        ck_assert_status(module_loaders[i].load_file(0, path, &cleared), GENRE_E_INVALID_ARG);
        assert_error_is(fn, "argument 'out' is NULL");
        ck_assert_status(module_loaders[i].load_file(1, NULL, &cleared), GENRE_E_INVALID_ARG);
        assert_error_is(fn, "argument 'path' is NULL");
        ck_assert(cleared);
        ck_assert_status(module_loaders[i].load_memory(0, "", 0, &cleared),
                         GENRE_E_INVALID_ARG);
        assert_error_is(mn, "argument 'out' is NULL");

        /* A valid container of the kind with a payload from the future: the
         * module's decoder fails, naming the public function. */
        genre__mf_writer w;
        ck_assert_ok(genre__mf_writer_init(&w, module_loaders[i].kind, 99));
        ck_assert_ok(genre__mf_finish_to_file(&w, path));
        size_t len = genre__mf_writer_size(&w);
        unsigned char *b = malloc(len);
        ck_assert_ptr_nonnull(b);
        ck_assert_ok(genre__mf_finish_to_memory(&w, b, len, &len));
        genre__mf_writer_free(&w);
        cleared = 0;
        ck_assert_status(module_loaders[i].load_file(1, path, &cleared), GENRE_E_VERSION);
        assert_error_is(fn, module_loaders[i].version_text);
        ck_assert(cleared);
        cleared = 0;
        ck_assert_status(module_loaders[i].load_memory(1, b, len, &cleared), GENRE_E_VERSION);
        assert_error_is(mn, module_loaders[i].version_text);
        ck_assert(cleared);
        /* The container's own failures name the public function too. */
        cleared = 0;
        ck_assert_status(module_loaders[i].load_memory(1, b, len - 1, &cleared),
                         GENRE_E_CORRUPT);
        assert_error_is(mn, "truncated");
        ck_assert(cleared);
        cleared = 0;
        ck_assert_status(module_loaders[i].load_file(1, dir, &cleared), GENRE_E_IO);
        assert_error_is(fn, "cannot read '");
        ck_assert_ptr_nonnull(strstr(genre_last_error(), dir));
        ck_assert(cleared);
        free(b);
    }
    genre_test_remove_tree(dir);
}
END_TEST

START_TEST(open_file_for_loaders)
{
    genre__mf_reader r;
    void *buf = (void *)1;
    const char *golden = genre_test_source_path(GOLDEN_PATH);
    ck_assert_status(genre__mf_open_file(&r, golden, GENRE_MODEL_MLP, &buf),
                     GENRE_E_MODEL_KIND);
    ck_assert_ptr_null(buf);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), golden));
    ck_assert_status(genre__mf_open_file(&r, "/nonexistent/x.genre", GENRE_MODEL_MLP, &buf),
                     GENRE_E_IO);
    ck_assert_ptr_null(buf);
    ck_assert_status(genre__mf_open_file(NULL, golden, GENRE_MODEL_MLP, &buf),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_open_file(&r, golden, GENRE_MODEL_MLP, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre__mf_open_file(&r, NULL, GENRE_MODEL_MLP, &buf),
                     GENRE_E_INVALID_ARG);

    char dir[256], path[300];
    genre_test_temp_dir(dir, sizeof dir, "genre-mf");
    snprintf(path, sizeof path, "%s/model.genre", dir);
    size_t len;
    unsigned char *b = craft(GENRE_MODEL_FORMAT_VERSION + 1, GENRE_MODEL_MLP, NULL, 0, &len);
    write_all(path, b, len);
    ck_assert_status(genre__mf_open_file(&r, path, GENRE_MODEL_MLP, &buf), GENRE_E_VERSION);
    ck_assert_ptr_null(buf);
    write_all(path, b, len - 1);
    ck_assert_status(genre__mf_open_file(&r, path, GENRE_MODEL_MLP, &buf), GENRE_E_CORRUPT);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), path));
    ck_assert_ptr_null(buf);
    free(b);
    b = craft(1, GENRE_MODEL_MLP, NULL, 0, &len);
    write_all(path, b, len);
    ck_assert_ok(genre__mf_open_file(&r, path, GENRE_MODEL_MLP, &buf));
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(r.n_records, 0);
    genre__free(buf);
    free(b);
    genre_test_remove_tree(dir);
}
END_TEST

START_TEST(kind_names)
{
    static const struct {
        int32_t kind;
        const char *name;
    } kinds[] = {
        {GENRE_MODEL_DATASET_PREP, "dataset_prep"}, {GENRE_MODEL_SCALER, "scaler"},
        {GENRE_MODEL_PCA, "pca"},   {GENRE_MODEL_LDA, "lda"},
        {GENRE_MODEL_KMEANS, "kmeans"}, {GENRE_MODEL_MLP, "mlp"},
        {GENRE_MODEL_TSNE, "tsne"}, {GENRE_MODEL_TEXT, "text"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        ck_assert_int_eq(kinds[i].kind, (int32_t)(i + 1)); /* frozen values */
        ck_assert_str_eq(genre_model_kind_name(kinds[i].kind), kinds[i].name);
    }
    ck_assert_str_eq(genre_model_kind_name(0), "unknown");
    ck_assert_str_eq(genre_model_kind_name(-1), "unknown");
    ck_assert_str_eq(genre_model_kind_name(9), "unknown");
    ck_assert_str_eq(genre_model_kind_name(GENRE__MF_KIND_TEST), "unknown");
}
END_TEST

/* ---- Allocation failures ------------------------------------------------------- */

struct walk_ctx {
    char dir[256];
};

/* write -> finish_to_memory -> open -> get -> save -> read back, freeing all. */
static genre_status save_load_scenario(void *arg)
{
    struct walk_ctx *ctx = arg;
    char path[300];
    snprintf(path, sizeof path, "%s/walk.genre", ctx->dir);
    genre__mf_writer w;
    genre__mf_reader r;
    unsigned char *mem = NULL;
    void *file = NULL, *opened = NULL;
    char *s = NULL;
    size_t len = 0, flen = 0;
    double f[8];
    genre_status st = genre__mf_writer_init(&w, GENRE__MF_KIND_TEST, 1);
    if (st == GENRE_OK) {
        /* Enough records that the payload buffer grows more than once. */
        static const double big[200];
        put_sample(&w);
        genre__mf_put_f64_array(&w, 2000, big, 200);
        st = genre__mf_put_f64_array(&w, 2001, big, 200);
    }
    if (st == GENRE_OK) {
        st = genre__mf_finish_to_memory(&w, NULL, 0, &len);
        if (st == GENRE_E_BUFFER_TOO_SMALL)
            st = GENRE_OK;
    }
    if (st == GENRE_OK) {
        mem = genre__alloc_array(len, 1);
        if (!mem)
            st = GENRE_E_NOMEM;
    }
    if (st == GENRE_OK)
        st = genre__mf_finish_to_memory(&w, mem, len, &len);
    if (st == GENRE_OK)
        st = genre__mf_reader_open(&r, mem, len, GENRE__MF_KIND_TEST);
    if (st == GENRE_OK)
        st = genre__mf_get_f64_array(&r, T_F64S, f, 8);
    if (st == GENRE_OK)
        st = genre__mf_get_string_alloc(&r, T_STRING, &s);
    if (st == GENRE_OK)
        st = genre__mf_finish_to_file(&w, path);
    if (st == GENRE_OK)
        st = genre__mf_read_file(path, GENRE__MF_MAX_FILE_BYTES, &file, &flen);
    if (st == GENRE_OK && (flen != len || memcmp(file, mem, len) != 0))
        st = GENRE_FAIL(GENRE_E_INTERNAL, "the file differs from the memory image");
    if (st == GENRE_OK)
        st = genre__mf_open_file(&r, path, GENRE__MF_KIND_TEST, &opened);
    if (st == GENRE_OK)
        st = genre_model_peek_file(path, NULL, NULL);
    genre__free(opened);
    genre__free(file);
    genre__free(s);
    genre__free(mem);
    genre__mf_writer_free(&w);
    return st;
}

START_TEST(allocation_failures_are_clean)
{
    struct walk_ctx ctx;
    genre_test_temp_dir(ctx.dir, sizeof ctx.dir, "genre-mf");
    long k = genre_test_alloc_walk(save_load_scenario, &ctx);
    ck_assert_int_ge(k, 7); /* writer growth x2+, buffer, string, tmp name, 3 reads */
    ck_assert_int_eq(genre_test_count_entries(ctx.dir), 1); /* only walk.genre, no temp files */
    genre_test_remove_tree(ctx.dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_model_file");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, round_trip_every_record_type);
    tcase_add_test(tc, empty_container_round_trips);
    tcase_add_test(tc, golden_file_is_reproduced_byte_for_byte);
    tcase_add_test(tc, golden_file_reads_known_values);
    tcase_add_test(tc, kind_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("damage");
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

    tc = tcase_create("contracts");
    tcase_add_test(tc, buffer_too_small_reports_the_size);
    tcase_add_test(tc, writer_argument_errors_are_sticky);
    tcase_add_test(tc, allocation_failure_in_put_is_sticky);
    tcase_add_test(tc, getter_errors_name_the_tag);
    suite_add_tcase(s, tc);

    tc = tcase_create("files");
    tcase_add_test(tc, file_save_replaces_atomically);
    tcase_add_test(tc, file_save_failures_leave_no_temporary_file);
    tcase_add_test(tc, peek_reports_kind_and_version);
    tcase_add_test(tc, open_file_for_loaders);
    tcase_add_test(tc, module_loaders_name_the_public_function);
    suite_add_tcase(s, tc);

    tc = tcase_create("alloc");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, allocation_failures_are_clean);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
