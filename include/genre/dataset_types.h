/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/dataset_types.h
 * @brief The handle types of the dataset module: the table, its schema, its
 *        preparation and a train/test split.
 *
 * Declared on their own so that every header of the module can name them
 * without including the others: genre/dataset_schema.h,
 * genre/dataset_prep.h, genre/dataset_reader.h and genre/dataset.h all
 * include this one, and genre/dataset.h includes them all. The functions
 * on these handles are in those headers.
 */
#ifndef GENRE_DATASET_TYPES_H
#define GENRE_DATASET_TYPES_H

#include <genre/common.h>

GENRE_BEGIN_DECLS

/** A table read from CSV: rows, typed columns, and the report of what was
 *  done to it. Opaque. */
typedef struct genre_dataset genre_dataset;
/** What each CSV column is and what marks a missing value. Opaque. */
typedef struct genre_dataset_schema genre_dataset_schema;
/** Fitted cleaning and encoding state: fit on training rows, apply to any
 *  table of the same schema. Opaque. */
typedef struct genre_dataset_prep genre_dataset_prep;
/** The row indices of a train/test split of one dataset. Opaque. */
typedef struct genre_dataset_split genre_dataset_split;

GENRE_END_DECLS

#endif /* GENRE_DATASET_TYPES_H */
