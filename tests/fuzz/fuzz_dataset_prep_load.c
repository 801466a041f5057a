/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fuzz target: genre_dataset_prep_load_from_memory (the dataset preparation file), then
 * re-save and reload (fuzz_load.h). Applying it needs a table of its
 * schema's columns, which the public API does not list: the round trip is
 * what this target checks beyond the loader.
 */
#include "fuzz_load.h"

static void resave(const genre_dataset_prep *p)
{
    size_t l1, l2;
    unsigned char *s1, *s2;
    FUZZ_SAVED(genre_dataset_prep_save_to_memory, p, s1, &l1);
    genre_dataset_prep *q = NULL;
    fuzz_require(genre_dataset_prep_load_from_memory(&q, s1, l1) == GENRE_OK);
    FUZZ_SAVED(genre_dataset_prep_save_to_memory, q, s2, &l2);
    fuzz_require(l1 == l2 && memcmp(s1, s2, l1) == 0);
    genre_dataset_prep_free(q);
    free(s1);
    free(s2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len;
    uint8_t *b = fuzz_load_repair(data, size, GENRE_MODEL_DATASET_PREP, &len);
    genre_dataset_prep *p = NULL;
    fuzz_load_begin();
    genre_status st = genre_dataset_prep_load_from_memory(&p, b, len);
    fuzz_load_check(st, len, 0);
    fuzz_require((st == GENRE_OK) == (p != NULL));
    if (p) {
        resave(p);
        genre_dataset_prep_free(p);
    }
    free(b);
    return 0;
}
