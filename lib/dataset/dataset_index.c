/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The record index of a plain CSV file (docs/dataset.md, "Streaming
 * reader"): one sequential pass of the streaming reader's record scan
 * records the offset and line of every `every`-th data record, so range
 * readers start exactly at a record even when quoted fields hold line
 * breaks. Saved in the model container (kind GENRE_MODEL_DATASET_INDEX).
 */
#include "dataset_stream.h"

#include "alloc.h"
#include "error_private.h"
#include "model_file.h"

#include <genre/model.h>

#include <string.h>

struct build {
    genre_dataset_index *ix;
    size_t cap;
    int64_t count;
};

static genre_status on_record(void *ctx, uint64_t off, int64_t line)
{
    struct build *b = ctx;
    genre_dataset_index *ix = b->ix;
    if (b->count++ % ix->every != 0)
        return GENRE_OK;
    if (ix->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        if (genre__realloc_array(&ix->off, cap, sizeof *ix->off) != 0 ||
            genre__realloc_array(&ix->line, cap, sizeof *ix->line) != 0)
            return GENRE_FAIL(GENRE_E_NOMEM, "out of memory for %zu index entries", cap);
        b->cap = cap;
    }
    ix->off[ix->n] = off;
    ix->line[ix->n] = line;
    ix->n++;
    return GENRE_OK;
}

void genre_dataset_index_free(genre_dataset_index *ix)
{
    if (!ix)
        return;
    genre__free(ix->off);
    genre__free(ix->line);
    genre__free(ix);
}

genre_status genre_dataset_index_build(genre_dataset_index **out,
                                       const genre_dataset_schema *schema, const char *path,
                                       int64_t every)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(schema);
    GENRE_CHECK_NOT_NULL(path);
    if (every < 1)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "every is %lld, not at least 1",
                          (long long)every);
    if (schema->n_cols == 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "the schema names no column");
    genre_dataset_index *ix = GENRE_NEW(genre_dataset_index);
    if (!ix)
        return GENRE_FAIL(GENRE_E_NOMEM, "%s: out of memory for an index", path);
    ix->every = every;
    genre_dataset_reader *r = NULL;
    genre_status st = genre__reader_open(&r, schema, path, 1);
    if (st == GENRE_OK) {
        ix->data_begin = genre__reader_offset(r);
        struct build b = {ix, 0, 0};
        st = genre__reader_skip(r, UINT64_MAX, on_record, &b);
        ix->n_records = b.count;
        /* The file must not have changed during the pass. */
        if (st == GENRE_OK) {
            ix->file_bytes = genre__reader_offset(r);
            if ((int64_t)ix->file_bytes != genre__reader_file_bytes(r))
                st = GENRE_FAIL(GENRE_E_IO, "%s: changed while it was indexed (%llu bytes read, "
                                "%lld at the start)",
                                path, (unsigned long long)ix->file_bytes,
                                (long long)genre__reader_file_bytes(r));
        }
    }
    genre_dataset_reader_free(r);
    if (st != GENRE_OK) {
        genre_dataset_index_free(ix);
        return GENRE_PASS(st);
    }
    *out = ix;
    return GENRE_OK;
}

genre_status genre_dataset_index_get_i64(const genre_dataset_index *ix, int32_t key,
                                         int64_t *out)
{
    GENRE_CHECK_NOT_NULL(ix);
    GENRE_CHECK_NOT_NULL(out);
    switch (key) {
    case GENRE_INDEX_RECORDS:
        *out = ix->n_records;
        return GENRE_OK;
    case GENRE_INDEX_FILE_BYTES:
        *out = (int64_t)ix->file_bytes;
        return GENRE_OK;
    case GENRE_INDEX_EVERY:
        *out = ix->every;
        return GENRE_OK;
    case GENRE_INDEX_ENTRIES:
        *out = (int64_t)ix->n;
        return GENRE_OK;
    case GENRE_INDEX_DATA_BEGIN:
        *out = (int64_t)ix->data_begin;
        return GENRE_OK;
    default:
        return GENRE_FAIL(GENRE_E_UNKNOWN_PARAM, "index property %d unknown", (int)key);
    }
}

/* ---- Save / load ------------------------------------------------------------ */

#define INDEX_PAYLOAD_VERSION 1u
#define T_FILE_BYTES 1u
#define T_DATA_BEGIN 2u
#define T_RECORDS 3u
#define T_EVERY 4u
#define T_OFFSETS 5u /* n little-endian uint64 */
#define T_LINES 6u   /* n little-endian int64 */

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static genre_status write_index(const void *model, genre__mf_writer *w)
{
    const genre_dataset_index *ix = model;
    genre__mf_put_i64(w, T_FILE_BYTES, (int64_t)ix->file_bytes);
    genre__mf_put_i64(w, T_DATA_BEGIN, (int64_t)ix->data_begin);
    genre__mf_put_i64(w, T_RECORDS, ix->n_records);
    genre__mf_put_i64(w, T_EVERY, ix->every);
    unsigned char *b = genre__alloc_array(ix->n ? ix->n : 1, 8);
    if (!b)
        return GENRE_E_NOMEM;
    for (size_t k = 0; k < ix->n; k++)
        put_le64(b + 8 * k, ix->off[k]);
    genre__mf_put_bytes(w, T_OFFSETS, b, 8 * ix->n);
    for (size_t k = 0; k < ix->n; k++)
        put_le64(b + 8 * k, (uint64_t)ix->line[k]);
    genre_status st = genre__mf_put_bytes(w, T_LINES, b, 8 * ix->n);
    genre__free(b);
    return st;
}

static genre_status corrupt(const char *func, const char *why, long long a, long long b)
{
    return genre__fail(GENRE_E_CORRUPT, func, "inconsistent dataset index: %s (%lld, %lld)", why,
                       a, b);
}

/* Every entry must be a record the reader could start at: offsets strictly
 * increasing from data_begin within the file, lines increasing from 2. */
static genre_status read_index(const genre__mf_reader *r, void *dest, const char *func)
{
    genre_dataset_index **out = dest;
    *out = NULL;
    if (r == NULL)
        return GENRE_OK;
    int64_t file_bytes, data_begin, records, every;
    genre_status st;
    if ((st = genre__mf_get_i64(r, T_FILE_BYTES, &file_bytes)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, T_DATA_BEGIN, &data_begin)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, T_RECORDS, &records)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, T_EVERY, &every)) != GENRE_OK)
        return st;
    if (file_bytes < 0 || data_begin < 0 || data_begin > file_bytes)
        return corrupt(func, "data_begin outside the file", data_begin, file_bytes);
    if (records < 0 || records > file_bytes - data_begin + 1 || every < 1)
        return corrupt(func, "records and every", records, every);
    uint64_t n = (uint64_t)(records / every + (records % every != 0));
    if ((st = genre__mf_check_room(r, func, "index entries", n, 16)) != GENRE_OK ||
        (st = genre__mf_expect_count(r, func, T_OFFSETS, GENRE__MF_BYTES, "offsets", 8 * n)) !=
            GENRE_OK ||
        (st = genre__mf_expect_count(r, func, T_LINES, GENRE__MF_BYTES, "lines", 8 * n)) !=
            GENRE_OK)
        return st;
    genre_dataset_index *ix = GENRE_NEW(genre_dataset_index);
    unsigned char *b = genre__alloc_array(n ? n : 1, 8);
    if (ix && n) {
        ix->off = genre__alloc_array(n, sizeof *ix->off);
        ix->line = genre__alloc_array(n, sizeof *ix->line);
    }
    if (!ix || !b || (n && (!ix->off || !ix->line))) {
        genre__free(b);
        genre_dataset_index_free(ix);
        return GENRE_E_NOMEM;
    }
    ix->file_bytes = (uint64_t)file_bytes;
    ix->data_begin = (uint64_t)data_begin;
    ix->n_records = records;
    ix->every = every;
    ix->n = (size_t)n;
    if ((st = genre__mf_get_bytes(r, T_OFFSETS, b, 8 * n)) == GENRE_OK) {
        for (size_t k = 0; k < n; k++)
            ix->off[k] = get_le64(b + 8 * k);
        st = genre__mf_get_bytes(r, T_LINES, b, 8 * n);
    }
    for (size_t k = 0; k < n && st == GENRE_OK; k++) {
        ix->line[k] = (int64_t)get_le64(b + 8 * k);
        uint64_t prev_off = k ? ix->off[k - 1] : ix->data_begin;
        int64_t prev_line = k ? ix->line[k - 1] : 1;
        if ((k == 0 ? ix->off[k] != prev_off : ix->off[k] <= prev_off) ||
            ix->off[k] >= ix->file_bytes || ix->line[k] <= prev_line)
            st = corrupt(func, "entry offset and line", (long long)ix->off[k],
                         (long long)ix->line[k]);
    }
    genre__free(b);
    if (st != GENRE_OK) {
        genre_dataset_index_free(ix);
        return st;
    }
    *out = ix;
    return GENRE_OK;
}

static const genre__mf_codec codec = {GENRE_MODEL_DATASET_INDEX, INDEX_PAYLOAD_VERSION,
                                      "dataset index", write_index, read_index};

genre_status genre_dataset_index_save_to_memory(const genre_dataset_index *ix, void *buf,
                                                size_t cap, size_t *written_or_needed)
{
    GENRE_CHECK_NOT_NULL(ix);
    return genre__mf_save_memory(__func__, ix, buf, cap, written_or_needed, &codec);
}

genre_status genre_dataset_index_save(const genre_dataset_index *ix, const char *path)
{
    GENRE_CHECK_NOT_NULL(ix);
    return genre__mf_save_file(__func__, ix, path, &codec);
}

genre_status genre_dataset_index_load_from_memory(genre_dataset_index **out, const void *buf,
                                                  size_t len)
{
    return genre__mf_load_memory(__func__, out, buf, len, &codec);
}

genre_status genre_dataset_index_load(genre_dataset_index **out, const char *path)
{
    return genre__mf_load_file(__func__, out, path, &codec);
}
