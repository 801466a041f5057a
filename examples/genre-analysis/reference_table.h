/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The reference table's facts as genre-analysis uses them: the "Prediction
 * of Music Genre" table (data/music_genre.csv.gz) with its 13 features under
 * their reference names, key and mode categorical, the music_genre label
 * with 10 genres, the artist_name group column and 500 test rows per genre,
 * plus the reference analysis's own figures. This is the program's one copy;
 * issue 18 replaces it with values read from the schema.
 *
 * Other copies of the same facts, outside this program's folder: the
 * built-in schema genre_dataset_schema_create_music_genre() in
 * lib/dataset/dataset.c, examples/music_genre.schema and the name study
 * (examples/name_study.c, shared with genre-name-study). Still spelled where
 * they are used here: the two imputed columns (duration_ms by artist median,
 * tempo by model or median; stage_data.c, report_json.c, report_html.c), and
 * the reference figures quoted in the report's prose (k-means "k = 3 best,
 * silhouette 0.44 / 0.35", the gradient-boosting row; report_html.c).
 */
#ifndef GENRE_ANALYSIS_REFERENCE_TABLE_H
#define GENRE_ANALYSIS_REFERENCE_TABLE_H

#define NF 13       /* the 13 features */
#define NC 10       /* the 10 genres */
#define KEY_COL 6
#define MODE_COL 9
#define REF_TEST_PER_CLASS 500     /* the stratified split's test rows per genre */
#define REF_LABEL_COL "music_genre" /* the built-in schema's label column */
#define REF_GROUP_COL "artist_name" /* and its group (artist) column */

/* The 13 features, in the order of every matrix the program exports. */
extern const char *const FEAT[NF];

/* The inputs of the tempo imputer: every feature but tempo. */
extern const char *const TEMPO_FEATURES[NF - 1];

/* The reference analysis's LDA explained-variance ratios (first three). */
extern const double REF_LDA_RATIO[3];

#endif
