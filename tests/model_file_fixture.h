/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The sample container and the byte-level crafting helpers the model-file
 * container suites (test_core_model_file_*.c) share.
 *
 * Golden file: tests/golden/model_file_v1.genre holds the records of
 * put_sample(). After a deliberate format change, regenerate it (and the
 * fuzz seeds in tests/fuzz/corpus/model_file/) with
 *     GENRE_REGEN_GOLDEN=1 build/tests/test_core_model_file_format
 * then bump GENRE_MODEL_FORMAT_VERSION if old files no longer read.
 */
#ifndef GENRE_TEST_MODEL_FILE_FIXTURE_H
#define GENRE_TEST_MODEL_FILE_FIXTURE_H

#include "harness.h"

#include "model_file.h"

#include <stddef.h>
#include <stdint.h>

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

/* Every record type, empty arrays, and the awkward bit patterns. */
genre_status put_sample(genre__mf_writer *w);
/* The sample container in a new malloc'd buffer. */
unsigned char *sample_container(size_t *len);
/* Asserts that r holds exactly the sample's records. */
void check_sample(const genre__mf_reader *r);

/* Little-endian stores. */
void le32(unsigned char *p, uint32_t v);
void le64(unsigned char *p, uint64_t v);
/* Recomputes the CRC (docs/model-file-format.md), so a test reaches the
 * check after it. */
void fix_crc(unsigned char *b, size_t len);
/* A container around an arbitrary payload, with a correct CRC, in a buffer
 * of exactly its size (so sanitizers see any over-read). */
unsigned char *craft(uint32_t format, uint32_t kind, const unsigned char *payload, size_t plen,
                     size_t *len);
/* One record header (+ data) into p; returns the bytes written. */
size_t record(unsigned char *p, uint32_t tag, uint32_t type, uint64_t count, const void *data,
              size_t data_len);
/* Opens a crafted payload and expects `status` with `needle` in the message. */
void expect_payload(const unsigned char *payload, size_t plen, genre_status status,
                    const char *needle);

/* A whole file in a new malloc'd buffer; fails the running test on error. */
unsigned char *read_all(const char *path, size_t *len);
/* Writes len bytes to path; fails the running test on error. */
void write_all(const char *path, const void *data, size_t len);

#endif
