/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the built-in music-genre schema
 * (genre_dataset_schema_create_music_genre) through the CSV reader, then
 * the steps genre-analysis runs on it: drop empty rows, a grouped or
 * stratified split, group-median and median imputation of the numeric
 * columns fitted on the training side and applied to the test side, and
 * the exports (features, labels, groups, track names).
 *
 * Byte 0 picks options; with bit 0 set the table's real header line is put
 * before the rest, so the fuzzer spends its time on records, not on
 * rediscovering 18 column names.
 */
#include <genre/genre.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char header[] =
    "instance_id,artist_name,track_name,popularity,acousticness,danceability,duration_ms,"
    "energy,instrumentalness,key,liveness,loudness,mode,speechiness,tempo,obtained_date,"
    "valence,music_genre\n";

static const char *const numeric[] = {
    "popularity", "acousticness", "danceability", "duration_ms", "energy", "instrumentalness",
    "liveness",   "loudness",     "speechiness",  "tempo",       "valence"};
#define N_NUMERIC (sizeof numeric / sizeof numeric[0])

static void check(int ok)
{
    if (!ok)
        abort();
}

static void exports(const genre_dataset *ds, int encoded, int reserved)
{
    int64_t rows = 0;
    check(genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows) == GENRE_OK);
    size_t n = (size_t)rows;
    const char *const feats[] = {"popularity", "tempo", "duration_ms", "key", "mode"};
    double *x = malloc((n ? n : 1) * 5 * sizeof *x);
    if (genre_dataset_export_matrix(ds, feats, encoded ? 5 : 3, x, n * 5, NULL) == GENRE_OK)
        for (size_t i = 0; i < n * (encoded ? 5 : 3); i++)
            check(isfinite(x[i]));
    free(x);
    int32_t *lab = malloc((n ? n : 1) * sizeof *lab);
    if (genre_dataset_export_labels(ds, lab, n, NULL) == GENRE_OK)
        for (size_t i = 0; i < n; i++)
            check((lab[i] >= 0 && lab[i] < 10) || (reserved && lab[i] == -1));
    free(lab);
    int64_t *grp = malloc((n ? n : 1) * sizeof *grp);
    genre_dataset_export_groups(ds, grp, n, NULL);
    free(grp);
    size_t need = 0;
    if (genre_dataset_export_text(ds, "track_name", NULL, 0, &need, NULL) == GENRE_OK) {
        char *buf = malloc(need ? need : 1);
        size_t *off = malloc((n + 1) * sizeof *off);
        check(genre_dataset_export_text(ds, "track_name", buf, need, NULL, off) == GENRE_OK);
        free(buf);
        free(off);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t opt = data[0];
    genre_dataset_schema *s = NULL;
    check(genre_dataset_schema_create_music_genre(&s) == GENRE_OK);
    genre_dataset_schema_set_i64(s, GENRE_SCHEMA_THREADS, 1);
    genre_dataset_schema_set_i64(s, GENRE_SCHEMA_UNSEEN_CATEGORY,
                                 opt & 2 ? GENRE_UNSEEN_RESERVED_CODE : GENRE_UNSEEN_ERROR);
    if (opt & 4)
        genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_INPUT_BYTES, 512);
    size_t hl = (opt & 1) ? sizeof header - 1 : 0, len = hl + size - 1;
    char *csv = malloc(len ? len : 1);
    memcpy(csv, header, hl);
    memcpy(csv + hl, data + 1, size - 1);
    genre_dataset *ds = NULL;
    genre_status st = genre_dataset_read_from_memory(&ds, s, csv, len, "fuzz.csv");
    free(csv);
    if (st != GENRE_OK) {
        check(ds == NULL &&
              strncmp(genre_last_error(), "genre_dataset_read_from_memory: ", 32) == 0);
        genre_dataset_schema_free(s);
        return 0;
    }
    check(genre_dataset_drop_empty_rows(ds) == GENRE_OK);
    const int reserved = (opt & 2) != 0; /* unseen labels get code -1 */
    exports(ds, 0, reserved);
    genre_dataset_split *sp = NULL;
    if ((opt & 8 ? genre_dataset_split_grouped(&sp, ds, 1, opt)
                 : genre_dataset_split_stratified(&sp, ds, 1, opt)) == GENRE_OK) {
        genre_dataset *train = NULL, *test = NULL;
        if (genre_dataset_subset(&train, ds, sp, GENRE_SPLIT_TRAIN) == GENRE_OK &&
            genre_dataset_subset(&test, ds, sp, GENRE_SPLIT_TEST) == GENRE_OK) {
            genre_dataset_prep *p = NULL;
            check(genre_dataset_prep_create(&p, s) == GENRE_OK);
            for (size_t j = 0; j < N_NUMERIC; j++) {
                if (opt & 16)
                    genre_dataset_prep_add_group_median(p, numeric[j]);
                genre_dataset_prep_add_impute(p, numeric[j], opt & 32 ? GENRE_IMPUTE_MEAN
                                                                      : GENRE_IMPUTE_MEDIAN);
            }
            if (genre_dataset_prep_fit_apply(p, train) == GENRE_OK) {
                exports(train, 1, reserved);
                if (genre_dataset_prep_apply(p, test) == GENRE_OK)
                    exports(test, 1, reserved);
                /* A fitted preparation saves and loads back. */
                size_t n = 0;
                genre_dataset_prep_save_to_memory(p, NULL, 0, &n);
                unsigned char *buf = malloc(n);
                check(genre_dataset_prep_save_to_memory(p, buf, n, &n) == GENRE_OK);
                genre_dataset_prep *q = NULL;
                check(genre_dataset_prep_load_from_memory(&q, buf, n) == GENRE_OK);
                genre_dataset_prep_free(q);
                free(buf);
            }
            genre_dataset_prep_free(p);
        }
        genre_dataset_free(train);
        genre_dataset_free(test);
        genre_dataset_split_free(sp);
    }
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    return 0;
}
