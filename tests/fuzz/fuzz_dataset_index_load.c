/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: genre_dataset_index_load_from_memory (the record index of a CSV file,
 * kind GENRE_MODEL_DATASET_INDEX), its properties, re-save and reload
 * (fuzz_load.h). */
#include "fuzz_load.h"

static void use(const genre_dataset_index *ix)
{
    int64_t records, entries, every, bytes, begin;
    fuzz_require(genre_dataset_index_get_i64(ix, GENRE_INDEX_RECORDS, &records) == GENRE_OK);
    fuzz_require(genre_dataset_index_get_i64(ix, GENRE_INDEX_ENTRIES, &entries) == GENRE_OK);
    fuzz_require(genre_dataset_index_get_i64(ix, GENRE_INDEX_EVERY, &every) == GENRE_OK);
    fuzz_require(genre_dataset_index_get_i64(ix, GENRE_INDEX_FILE_BYTES, &bytes) == GENRE_OK);
    fuzz_require(genre_dataset_index_get_i64(ix, GENRE_INDEX_DATA_BEGIN, &begin) == GENRE_OK);
    fuzz_require(every >= 1 && records >= 0 && entries == records / every + (records % every != 0));
    fuzz_require(begin >= 0 && begin <= bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len;
    uint8_t *b = fuzz_load_repair(data, size, GENRE_MODEL_DATASET_INDEX, &len);
    genre_dataset_index *ix = NULL;
    fuzz_load_begin();
    genre_status st = genre_dataset_index_load_from_memory(&ix, b, len);
    fuzz_load_check(st, len, 0);
    fuzz_require((st == GENRE_OK) == (ix != NULL));
    if (ix) {
        use(ix);
        size_t l1, l2;
        unsigned char *s1, *s2;
        FUZZ_SAVED(genre_dataset_index_save_to_memory, ix, s1, &l1);
        genre_dataset_index *q = NULL;
        fuzz_require(genre_dataset_index_load_from_memory(&q, s1, l1) == GENRE_OK);
        FUZZ_SAVED(genre_dataset_index_save_to_memory, q, s2, &l2);
        fuzz_require(l1 == l2 && memcmp(s1, s2, l1) == 0);
        genre_dataset_index_free(q);
        genre_dataset_index_free(ix);
        free(s1);
        free(s2);
    }
    free(b);
    return 0;
}
