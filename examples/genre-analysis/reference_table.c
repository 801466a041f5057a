/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reference table's facts and the reference analysis's figures
 * (reference_table.h); init_models() sets up the four reference MLPs. */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <math.h>

const char *const FEAT[NF] = {"popularity", "acousticness", "danceability",
                              "duration_ms", "energy", "instrumentalness", "key",
                              "liveness", "loudness", "mode", "speechiness", "tempo",
                              "valence"};

const char *const TEMPO_FEATURES[NF - 1] = {
    "popularity", "acousticness", "danceability", "duration_ms", "energy",
    "instrumentalness", "key", "liveness", "loudness", "mode", "speechiness", "valence"};

const double REF_LDA_RATIO[3] = {0.64, 0.17, 0.11};

void init_models(run *r)
{
    model_result *m = r->m;
    m[0] = (model_result){.name = "all 13 features", .ref_layers = "13-20-15-10",
                          .hidden = {20, 15}, .n_hidden = 2, .n_in = 13, .ref_auroc = 0.93,
                          .ref_acc = 0.58, .ref_epochs = 125, .ref_time = 34};
    m[1] = (model_result){.name = "LDA 3-D", .ref_layers = "3-15-10", .hidden = {15},
                          .n_hidden = 1, .n_in = 3, .ref_auroc = 0.91, .ref_acc = 0.50,
                          .ref_epochs = 100, .ref_time = 24};
    m[2] = (model_result){.name = "LDA 2-D", .ref_layers = "2-15-10", .hidden = {15},
                          .n_hidden = 1, .n_in = 2, .ref_auroc = 0.88, .ref_acc = 0.42,
                          .ref_epochs = 150, .ref_time = 17};
    m[3] = (model_result){.name = "first LDA discriminant only", .ref_layers = "1-15-10",
                          .hidden = {15}, .n_hidden = 1, .n_in = 1, .ref_auroc = 0.82,
                          .ref_acc = NAN, .ref_epochs = NAN, .ref_time = NAN};
    r->n_models = 4;
}
