/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fuzz target for the model-file reader: open, every getter on every record,
 * and genre_model_peek_from_memory, on arbitrary bytes. Built as a libFuzzer binary
 * (GENRE_FUZZ=ON with clang) and, always, into the corpus replay test.
 * Broken invariants abort(), which both drivers report as a crash.
 */
#include "alloc.h"
#include "model_file.h"

#include <genre/genre.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int ok)
{
    if (!ok)
        abort();
}

/* Calls every getter on one record: exactly the one of its type succeeds. */
static void read_record(const genre__mf_reader *r, uint32_t tag, uint32_t type,
                        uint64_t count)
{
    uint32_t u;
    int64_t i;
    double d;
    size_t n = 0;
    require((genre__mf_get_u32(r, tag, &u) == GENRE_OK) == (type == GENRE__MF_U32));
    require((genre__mf_get_i64(r, tag, &i) == GENRE_OK) == (type == GENRE__MF_I64));
    require((genre__mf_get_f64(r, tag, &d) == GENRE_OK) == (type == GENRE__MF_F64));
    require(genre__mf_get_count(r, tag, type, &n) == GENRE_OK && n == count);

    /* The buffer holds the data, so n is small enough to allocate. */
    void *out = malloc(n * 8 + 1);
    require(out != NULL);
    genre_status f = genre__mf_get_f64_array(r, tag, out, n);
    genre_status i32 = genre__mf_get_i32_array(r, tag, out, n);
    genre_status b = genre__mf_get_bytes(r, tag, out, n);
    require((f == GENRE_OK) == (type == GENRE__MF_F64_ARRAY));
    require((i32 == GENRE_OK) == (type == GENRE__MF_I32_ARRAY));
    require((b == GENRE_OK) == (type == GENRE__MF_BYTES));
    if (n > 0)
        require(genre__mf_get_f64_array(r, tag, out, n - 1) != GENRE_OK);

    char *s = NULL;
    genre_status st = genre__mf_get_string_alloc(r, tag, &s);
    genre_status sc = genre__mf_get_string(r, tag, out, n + 1);
    require(st == sc);
    if (st == GENRE_OK) {
        require(type == GENRE__MF_STRING && strlen(s) == n && strcmp(s, out) == 0);
        if (n > 0)
            require(genre__mf_get_string(r, tag, out, n) == GENRE_E_CORRUPT);
    }
    genre__free(s);
    free(out);
}

static void exercise(const uint8_t *data, size_t size)
{
    genre__mf_reader r;
    int32_t kind = 0, version = 0;
    genre_status peek = genre_model_peek_from_memory(data, size, &kind, &version);
    genre_status st = genre__mf_reader_open(&r, data, size, GENRE__MF_ANY_KIND);
    require(st == peek);
    require(st == GENRE_OK || st == GENRE_E_CORRUPT || st == GENRE_E_VERSION);
    if (st != GENRE_OK)
        return;
    require(kind == r.kind && version == (int32_t)r.format_version);
    genre__mf_reader other;
    require(genre__mf_reader_open(&other, data, size, kind == GENRE_MODEL_MLP
                                                          ? GENRE_MODEL_PCA
                                                          : GENRE_MODEL_MLP) ==
            GENRE_E_MODEL_KIND);

    size_t cursor = 0, seen = 0;
    uint32_t tag, type;
    uint64_t count;
    while (genre__mf_next(&r, &cursor, &tag, &type, &count)) {
        require(genre__mf_has(&r, tag));
        read_record(&r, tag, type, count);
        if (tag < UINT32_MAX && !genre__mf_has(&r, tag + 1)) {
            uint32_t u;
            require(genre__mf_get_u32(&r, tag + 1, &u) == GENRE_E_CORRUPT);
        }
        seen++;
    }
    require(seen == r.n_records && cursor == r.payload_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    exercise(data, size);
    /* Random bytes almost never carry a valid CRC, so run again with the
     * payload length and CRC repaired (docs/model-file-format.md): that
     * lets the fuzzer reach the record walker and the getters. */
    if (size >= GENRE__MF_HEADER_SIZE) {
        uint8_t *fixed = malloc(size);
        require(fixed != NULL);
        memcpy(fixed, data, size);
        uint64_t plen = size - GENRE__MF_HEADER_SIZE;
        for (int i = 0; i < 8; i++)
            fixed[24 + i] = (uint8_t)(plen >> (8 * i));
        uLong crc = crc32(0L, Z_NULL, 0);
        crc = crc32(crc, fixed, 32);
        if (plen > 0)
            crc = crc32(crc, fixed + GENRE__MF_HEADER_SIZE, (uInt)plen);
        for (int i = 0; i < 4; i++)
            fixed[32 + i] = (uint8_t)(crc >> (8 * i));
        exercise(fixed, size);
        free(fixed);
    }
    return 0;
}
