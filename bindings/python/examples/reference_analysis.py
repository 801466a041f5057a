#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reference analysis from Python: split, clean, scale, LDA, MLP, AUROC."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import numpy as np
import genre

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "data", "music_genre.csv.gz")
FEATURES = ["popularity", "acousticness", "danceability", "duration_ms", "energy",
            "instrumentalness", "key", "liveness", "loudness", "mode", "speechiness",
            "tempo", "valence"]

with genre.Schema.music_genre() as schema:
    table = genre.Dataset.read_csv(path, schema).drop_empty_rows()
    split = table.split_grouped(500, seed=20261125)       # no artist on both sides
    train, test = table.subset(split, "train"), table.subset(split, "test")
    prep = genre.Prep(schema).add_group_median("duration_ms").add_impute("tempo")
    prep.fit_apply(train), prep.apply(test)                # statistics from train only
xtr, ytr = train.to_numpy(FEATURES), train.labels()
xte, yte = test.to_numpy(FEATURES), test.labels()

mask = [f not in ("key", "mode") for f in FEATURES]      # codes stay codes
with genre.StandardScaler(mask=mask) as scaler:
    ztr, zte = scaler.fit_transform(xtr), scaler.transform(xte)
with genre.LinearDiscriminantAnalysis() as lda:
    lda.fit(ztr, ytr)
    print("LDA explained variance (top 3):", np.round(lda.explained_variance_ratio_[:3], 3))
    print("LDA test macro AUROC %.4f" % genre.metrics.roc_auc_ovr(yte, lda.predict_proba(zte)))
with genre.MLPClassifier(hidden_layer_sizes=(20, 15), epochs=30, seed=20261125) as mlp:
    mlp.fit(ztr, ytr)
    auc = genre.metrics.roc_auc_ovr(yte, mlp.predict_proba(zte), average=None)
print("MLP test macro AUROC %.4f" % auc.mean())
for name, a in zip(prep.category_names("music_genre"), auc):
    print("  %-12s %.3f" % (name, a))
