/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reference table's facts and the reference analysis's figures
 * (reference_table.h); ref_init_models() sets up the four reference MLPs. */
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

const char REF_KMEANS_HTML[] =
    "<p>Reference: k = 3 best, silhouette 0.44 (2-D) and 0.35 (3-D).</p>\n";

const char REF_GB_ROW_HTML[] =
    "<tr><td>gradient boosting on LDA 3-D (reference benchmark)</td><td>100 trees</td>"
    "<td></td><td></td><td></td><td></td><td>&ndash;</td><td>0.89</td><td>&ndash;</td>"
    "<td>49%</td><td></td><td></td><td></td><td>41</td></tr>\n";

void ref_init_models(run *r)
{
    model_result *m = r->m;
    m[0] = (model_result){.name = "all 13 features", .ref_layers = "13-20-15-10",
                          .hidden = {20, 15}, .n_hidden = 2, .n_in = 13, .ref_auroc = 0.93,
                          .ref_acc = 0.58, .ref_epochs = 125, .ref_time = 34};
    m[1] = (model_result){.name = "LDA 3-D", .ref_layers = "3-15-10", .hidden = {15},
                          .n_hidden = 1, .n_in = 3, .lda_inputs = 3, .ref_auroc = 0.91, .ref_acc = 0.50,
                          .ref_epochs = 100, .ref_time = 24};
    m[2] = (model_result){.name = "LDA 2-D", .ref_layers = "2-15-10", .hidden = {15},
                          .n_hidden = 1, .n_in = 2, .lda_inputs = 2, .ref_auroc = 0.88, .ref_acc = 0.42,
                          .ref_epochs = 150, .ref_time = 17};
    m[3] = (model_result){.name = "first LDA discriminant only", .ref_layers = "1-15-10",
                          .hidden = {15}, .n_hidden = 1, .n_in = 1, .lda_inputs = 1, .ref_auroc = 0.82,
                          .ref_acc = NAN, .ref_epochs = NAN, .ref_time = NAN};
    r->n_models = 4;
}
