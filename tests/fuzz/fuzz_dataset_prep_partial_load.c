/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre_dataset_prep_partial_load_from_memory (issue 19 item 2): the preparation's
 * statistics over a stream. The input gets a valid header of kind
 * GENRE_MODEL_DATASET_PREP_PARTIAL (fuzz_load.h), so every execution reaches
 * the decoder (the schema record, then the state record).
 *
 * Invariants (abort() on failure): a load returns GENRE_OK, GENRE_E_CORRUPT
 * or GENRE_E_VERSION and asks for no allocation above the input's size; a
 * loaded state saves to bytes that load and save again identically, merges
 * with a copy of itself (or is refused as done), and ends its pass or is
 * refused with GENRE_E_BAD_STATE (no observed value, a later pass that saw
 * no rows, already done); never a crash.
 */
#include "fuzz_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len;
    uint8_t *b = fuzz_load_repair(data, size, GENRE_MODEL_DATASET_PREP_PARTIAL, &len);
    genre_dataset_prep_partial *p = NULL;
    fuzz_load_begin();
    genre_status st = genre_dataset_prep_partial_load_from_memory(&p, b, len);
    fuzz_load_check(st, len, 0);
    fuzz_require((st == GENRE_OK) == (p != NULL));
    if (p) {
        size_t l1, l2;
        unsigned char *s1, *s2;
        FUZZ_SAVED(genre_dataset_prep_partial_save_to_memory, p, s1, &l1);
        genre_dataset_prep_partial *q = NULL;
        fuzz_require(genre_dataset_prep_partial_load_from_memory(&q, s1, l1) == GENRE_OK);
        FUZZ_SAVED(genre_dataset_prep_partial_save_to_memory, q, s2, &l2);
        fuzz_require(l1 == l2 && memcmp(s1, s2, l1) == 0);
        genre_status ms = genre_dataset_prep_partial_merge(q, p);
        fuzz_require(ms == GENRE_OK || ms == GENRE_E_BAD_STATE);
        int more = 0;
        genre_status es = genre_dataset_prep_partial_end_pass(q, &more);
        fuzz_require(es == GENRE_OK || es == GENRE_E_BAD_STATE);
        genre_dataset_prep_partial_free(q);
        free(s1);
        free(s2);
        genre_dataset_prep_partial_free(p);
    }
    free(b);
    return 0;
}
