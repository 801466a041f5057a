/* SPDX-License-Identifier: GPL-3.0-or-later */
/* <genre/dataset.h> alone still declares the whole dataset module, which is
 * split into headers by concern that it includes: a name from each of them.
 * Compiled with the header hygiene checks (tests/CMakeLists.txt), never run. */
#include <genre/dataset.h>

typedef void (*genre_header_fn)(void);

/* dataset_types.h */
const size_t genre_header_dataset_types = sizeof(genre_dataset *) +
                                          sizeof(genre_dataset_schema *) +
                                          sizeof(genre_dataset_prep *) +
                                          sizeof(genre_dataset_split *);

const int genre_header_dataset_keys[] = {
    GENRE_COL_LABEL, GENRE_SCHEMA_SEPARATOR, GENRE_SCHEMA_PHASE_READ, /* dataset_schema.h */
    GENRE_IMPUTE_MODEL, GENRE_UNSEEN_RESERVED_CODE,
    GENRE_SPLIT_TEST, GENRE_DATASET_ENCODED,                           /* dataset.h */
    GENRE_READER_ROWS, GENRE_INDEX_DATA_BEGIN,                         /* dataset_reader.h */
};

const genre_header_fn genre_header_dataset_calls[] = {
    (genre_header_fn)genre_dataset_schema_create,      /* dataset_schema.h */
    (genre_header_fn)genre_dataset_schema_infer,
    (genre_header_fn)genre_dataset_schema_load,
    (genre_header_fn)genre_dataset_read,          /* dataset.h */
    (genre_header_fn)genre_dataset_split_stratified,
    (genre_header_fn)genre_dataset_export_matrix,
    (genre_header_fn)genre_dataset_prep_fit_apply,     /* dataset_prep.h */
    (genre_header_fn)genre_dataset_prep_add_declared,
    (genre_header_fn)genre_dataset_prep_partial_create,
    (genre_header_fn)genre_dataset_reader_open,        /* dataset_reader.h */
    (genre_header_fn)genre_dataset_index_build,
};
