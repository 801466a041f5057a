/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The reference table's facts as genre-analysis uses them: the "Prediction
 * of Music Genre" table (data/music_genre.csv.gz) read with the built-in
 * schema (genre_dataset_schema_create_music_genre()), its 13 features in the
 * order of the reference analysis, its 500 test rows per genre, its two
 * imputers (duration_ms by artist median, tempo by an MLP or the median)
 * and the reference analysis's own figures. Used only when the run is on
 * the reference table (run.is_ref, decided by table.c from the schema,
 * never from the file's content); every other table gets what its schema
 * says.
 */
#ifndef GENRE_ANALYSIS_REFERENCE_TABLE_H
#define GENRE_ANALYSIS_REFERENCE_TABLE_H

#include <stdio.h>

#define NF 13       /* the 13 features */
#define REF_TEST_PER_CLASS 500     /* the stratified split's test rows per genre */
#define REF_LABEL_COL "music_genre" /* the built-in schema's label column */
#define REF_GROUP_COL "artist_name" /* and its group (artist) column */
#define REF_DURATION_COL "duration_ms" /* imputed by artist median */
#define REF_TEMPO_COL "tempo"          /* imputed by the MLP regressor or median */

/* The 13 features, in the order of every matrix the program exports. */
extern const char *const FEAT[NF];

/* The inputs of the tempo imputer: every feature but tempo. */
extern const char *const TEMPO_FEATURES[NF - 1];

/* The reference analysis's LDA explained-variance ratios (first three). */
extern const double REF_LDA_RATIO[3];

/* The reference analysis's k-means result and gradient-boosting row, as
 * HTML (a paragraph; a table row of the classifier table's 14 columns). */
extern const char REF_KMEANS_HTML[];
extern const char REF_GB_ROW_HTML[];

#endif
