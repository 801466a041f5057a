/* SPDX-License-Identifier: GPL-3.0-or-later */
/* genre-quickstart: load, split, scale, fit one MLP, print the test AUROC.
 * Usage: genre-quickstart [music_genre.csv.gz] */
#include <genre/genre.h>
#include <stdio.h>
#include <stdlib.h>

#define TRY(call) do { if ((call) != GENRE_OK) { fprintf(stderr, "%s\n", genre_last_error()); return 1; } } while (0)

int main(int argc, char **argv)
{
    static const char *const cols[] = {"popularity", "acousticness", "danceability", "duration_ms",
        "energy", "instrumentalness", "key", "liveness", "loudness", "mode", "speechiness", "tempo", "valence"};
    genre_dataset_schema *schema; genre_dataset *ds, *side[2]; genre_dataset_split *split;
    genre_dataset_prep *prep; genre_scaler *sc; genre_mlp *mlp;
    TRY(genre_dataset_schema_create_music_genre(&schema));
    TRY(genre_dataset_read(&ds, schema, argc > 1 ? argv[1] : "data/music_genre.csv.gz"));
    TRY(genre_dataset_drop_empty_rows(ds));
    TRY(genre_dataset_split_stratified(&split, ds, 500, 1));          /* 500 test rows per genre */
    TRY(genre_dataset_prep_create(&prep, schema));
    TRY(genre_dataset_prep_add_group_median(prep, "duration_ms"));   /* artist median */
    TRY(genre_dataset_prep_add_impute(prep, "tempo", GENRE_IMPUTE_MEDIAN));
    double *x[2]; int32_t *y[2]; size_t n[2];
    for (int s = 0; s < 2; s++) {
        TRY(genre_dataset_subset(&side[s], ds, split, s));
        TRY(s == 0 ? genre_dataset_prep_fit_apply(prep, side[s]) : genre_dataset_prep_apply(prep, side[s]));
        int64_t rows;
        TRY(genre_dataset_get_i64(side[s], GENRE_DATASET_N_ROWS, &rows));
        n[s] = (size_t)rows;
        x[s] = malloc(n[s] * 13 * sizeof(double)); y[s] = malloc(n[s] * sizeof(int32_t));
        TRY(genre_dataset_export_matrix(side[s], cols, 13, x[s], n[s] * 13, NULL));
        TRY(genre_dataset_export_labels(side[s], y[s], n[s], NULL));
    }
    const int32_t hidden[] = {20, 15};
    double *proba = malloc(n[1] * 10 * sizeof(double)), auroc;
    TRY(genre_scaler_create(&sc));
    TRY(genre_scaler_fit(sc, x[0], n[0], 13, 13));
    for (int s = 0; s < 2; s++) TRY(genre_scaler_transform(sc, x[s], n[s], 13, 13, x[s], n[s] * 13, NULL));
    TRY(genre_mlp_create(&mlp));
    TRY(genre_mlp_set_hidden_layers(mlp, hidden, 2));
    TRY(genre_mlp_set_f64(mlp, GENRE_MLP_LEARNING_RATE, 0.01));
    TRY(genre_mlp_set_i64(mlp, GENRE_MLP_EPOCHS, 100));
    TRY(genre_mlp_fit(mlp, x[0], n[0], 13, 13, y[0], NULL, 0, 0, NULL));
    TRY(genre_mlp_predict_proba(mlp, x[1], n[1], 13, 13, proba, n[1] * 10, NULL));
    TRY(genre_metrics_roc_auc_ovr(y[1], proba, n[1], 10, 10, GENRE_METRICS_AVERAGE_MACRO, &auroc));
    printf("13-20-15-10 MLP: test macro AUROC %.4f on %zu test rows\n", auroc, n[1]);
    genre_mlp_free(mlp); genre_scaler_free(sc); genre_dataset_prep_free(prep); genre_dataset_split_free(split);
    for (int s = 0; s < 2; s++) { genre_dataset_free(side[s]); free(x[s]); free(y[s]); }
    genre_dataset_free(ds); genre_dataset_schema_free(schema); free(proba);
    return 0;
}
