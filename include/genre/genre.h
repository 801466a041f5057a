/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/genre.h
 * @brief Umbrella header: `#include <genre/genre.h>` brings in the whole
 *        stable public API.
 */
#ifndef GENRE_GENRE_H
#define GENRE_GENRE_H

#include <genre/common.h>
#include <genre/error.h>
#include <genre/version.h>
#include <genre/model.h>
#include <genre/scaler.h>
#include <genre/pca.h>
#include <genre/lda.h>
#include <genre/tsne.h>
#include <genre/kmeans.h>
#include <genre/mlp.h>
#include <genre/metrics.h>
#include <genre/dataset_types.h>
#include <genre/dataset_schema.h>
#include <genre/dataset.h>
#include <genre/dataset_reader.h>
#include <genre/dataset_prep.h>
#include <genre/text.h>

#endif /* GENRE_GENRE_H */
