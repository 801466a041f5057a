/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The model-file suites' sample container and crafting helpers
 * (model_file_fixture.h). */
#include "model_file_fixture.h"

#include "alloc.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

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
genre_status put_sample(genre__mf_writer *w)
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
unsigned char *sample_container(size_t *len)
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

void check_sample(const genre__mf_reader *r)
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

void le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

void le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Recomputes the CRC (docs/model-file-format.md), so a test reaches the
 * check after it. */
void fix_crc(unsigned char *b, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, b, 32);
    if (len > 36)
        crc = crc32(crc, b + 36, (uInt)(len - 36));
    le32(b + 32, (uint32_t)crc);
}

/* A container around an arbitrary payload, with a correct CRC, in a buffer
 * of exactly its size (so sanitizers see any over-read). */
unsigned char *craft(uint32_t format, uint32_t kind, const unsigned char *payload,
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
size_t record(unsigned char *p, uint32_t tag, uint32_t type, uint64_t count,
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
void expect_payload(const unsigned char *payload, size_t plen, genre_status status,
                           const char *needle)
{
    size_t len;
    unsigned char *b = craft(1, GENRE__MF_KIND_TEST, payload, plen, &len);
    genre__mf_reader r;
    ck_assert_status(genre__mf_reader_open(&r, b, len, GENRE__MF_ANY_KIND), status);
    ck_assert_msg(strstr(genre_last_error(), needle) != NULL, "'%s' not in '%s'", needle,
                  genre_last_error());
    ck_assert_ptr_null(r.payload); /* left closed */
    ck_assert_status(genre_model_peek_from_memory(b, len, NULL, NULL), status);
    free(b);
}

unsigned char *read_all(const char *path, size_t *len)
{
    void *buf = NULL;
    ck_assert_ok(genre__mf_read_file(path, GENRE__MF_MAX_FILE_BYTES, &buf, len));
    unsigned char *copy = malloc(*len ? *len : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, buf, *len);
    genre__free(buf);
    return copy;
}

void write_all(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}
