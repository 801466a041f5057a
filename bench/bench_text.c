/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-bench-text: hashed name features and the names + audio model on
 * the real data, against scikit-learn in the same run
 * (bench/bench_text_sklearn.py through /usr/bin/python3).
 *
 * Data: data/music_genre.csv.gz, empty rows dropped, the reference random
 * split (500 test rows per genre, seed 1), duration imputed by artist
 * median and tempo by median (fit on the training rows), the 13 features
 * standardized (key and mode passed through).
 *
 * Timed:
 * - features: genre_text fit on the 45,000 training rows (artist, track;
 *   words + char_wb 2-4-grams, 2^15 buckets per field, TF-IDF, L2) and
 *   transform of the training and test rows (size query + fill), median of
 *   the repeats; scikit-learn does the same work with HashingVectorizer +
 *   TfidfTransformer;
 * - training: the names + audio model of the study (CSR names with the 13
 *   features appended, one hidden layer of 64, 12 epochs, batch 256), once;
 *   scikit-learn's MLPClassifier trains the same network on its own features
 *   for 2 epochs (it is slow on sparse input), and the time per epoch is
 *   compared.
 * BENCH lines: text_features (s), text_names_audio_epoch (s, the 12-epoch
 * fit over 12), text_names_audio_test_auroc, then the peer ratios
 * text_names_audio_epoch_vs_sklearn (per epoch) and, last,
 * text_features_vs_sklearn (scikit-learn's feature time over libgenre's),
 * or "missing" without the peer.
 * Usage: genre-bench-text [repeats]
 */
#include "bench_common.h"

#include <genre/genre.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef GENRE_BENCH_SOURCE_DIR
#define GENRE_BENCH_SOURCE_DIR "."
#endif

#define NF 13
#define NC 10

static const char *const FEAT[NF] = {"popularity", "acousticness", "danceability",
                                     "duration_ms", "energy", "instrumentalness", "key",
                                     "liveness", "loudness", "mode", "speechiness", "tempo",
                                     "valence"};

static void check(genre_status st, const char *what)
{
    genre_bench_check("genre-bench-text", st, what);
}

typedef struct side {
    size_t n;
    double *x;
    int32_t *y;
    char *abuf, *tbuf;
    const char **names;
} side;

static void export_side(const genre_dataset *ds, side *s)
{
    int64_t rows;
    check(genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows), "rows");
    s->n = (size_t)rows;
    s->x = malloc(s->n * NF * sizeof *s->x);
    s->y = malloc(s->n * sizeof *s->y);
    size_t *oa = malloc(s->n * sizeof *oa), *ot = malloc(s->n * sizeof *ot), na = 0, nt = 0;
    s->names = malloc(2 * s->n * sizeof *s->names);
    if (!s->x || !s->y || !oa || !ot || !s->names)
        check(GENRE_E_NOMEM, "allocation");
    check(genre_dataset_export_matrix(ds, FEAT, NF, s->x, s->n * NF, NULL), "features");
    check(genre_dataset_export_labels(ds, s->y, s->n, NULL), "labels");
    genre_dataset_export_text(ds, "artist_name", NULL, 0, &na, NULL);
    genre_dataset_export_text(ds, "track_name", NULL, 0, &nt, NULL);
    s->abuf = malloc(na);
    s->tbuf = malloc(nt);
    if (!s->abuf || !s->tbuf)
        check(GENRE_E_NOMEM, "allocation");
    check(genre_dataset_export_text(ds, "artist_name", s->abuf, na, NULL, oa), "artists");
    check(genre_dataset_export_text(ds, "track_name", s->tbuf, nt, NULL, ot), "tracks");
    for (size_t i = 0; i < s->n; i++) {
        s->names[2 * i] = s->abuf + oa[i];
        s->names[2 * i + 1] = s->tbuf + ot[i];
    }
    free(oa);
    free(ot);
}

typedef struct csr {
    size_t *rp;
    uint32_t *ci;
    double *v;
    size_t nnz;
} csr;

static void vectorise(const genre_text *t, const side *s, csr *m)
{
    m->rp = malloc((s->n + 1) * sizeof *m->rp);
    genre_status st = genre_text_transform(t, s->names, s->n, 2, m->rp, NULL, NULL, 0, &m->nnz);
    if (st != GENRE_E_BUFFER_TOO_SMALL)
        check(st ? st : GENRE_E_INTERNAL, "transform size");
    m->ci = malloc(m->nnz * sizeof *m->ci);
    m->v = malloc(m->nnz * sizeof *m->v);
    if (!m->rp || !m->ci || !m->v)
        check(GENRE_E_NOMEM, "allocation");
    check(genre_text_transform(t, s->names, s->n, 2, m->rp, m->ci, m->v, m->nnz, NULL),
          "transform");
}

static void csr_free(csr *m)
{
    free(m->rp);
    free(m->ci);
    free(m->v);
}

static genre_text *make_text(void)
{
    genre_text *t;
    check(genre_text_create(&t), "text");
    check(genre_text_set_i64(t, GENRE_TEXT_N_BUCKETS, (int64_t)1 << 15), "text");
    return t;
}

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 5;
    if (repeats < 1 || repeats > 101)
        repeats = 5;
    const char *dir = GENRE_BENCH_SOURCE_DIR;
    char path[4096], cmd[8192], split_path[] = "/tmp/genre_bench_text_split_XXXXXX";
    snprintf(path, sizeof path, "%s/data/music_genre.csv.gz", dir);

    genre_dataset_schema *schema;
    genre_dataset *ds, *dtr, *dte;
    genre_dataset_split *split;
    genre_dataset_prep *prep;
    check(genre_dataset_schema_create_music_genre(&schema), "schema");
    check(genre_dataset_read(&ds, schema, path), "read");
    check(genre_dataset_drop_empty_rows(ds), "drop empty rows");
    check(genre_dataset_split_stratified(&split, ds, 500, 1), "split");
    check(genre_dataset_subset(&dtr, ds, split, GENRE_SPLIT_TRAIN), "subset");
    check(genre_dataset_subset(&dte, ds, split, GENRE_SPLIT_TEST), "subset");
    check(genre_dataset_prep_create(&prep, schema), "prep");
    check(genre_dataset_prep_add_group_median(prep, "duration_ms"), "prep");
    check(genre_dataset_prep_add_impute(prep, "tempo", GENRE_IMPUTE_MEDIAN), "prep");
    check(genre_dataset_prep_fit_apply(prep, dtr), "imputation");
    check(genre_dataset_prep_apply(prep, dte), "imputation");
    side tr, te;
    export_side(dtr, &tr);
    export_side(dte, &te);

    /* the split for the peer: one 0/1 line per row of the table */
    int64_t n_all;
    check(genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &n_all), "rows");
    unsigned char *sets = calloc((size_t)n_all, 1);
    int64_t *test_rows = malloc(te.n * sizeof *test_rows);
    if (!sets || !test_rows)
        check(GENRE_E_NOMEM, "allocation");
    check(genre_dataset_split_rows(split, GENRE_SPLIT_TEST, test_rows, te.n, NULL), "split rows");
    for (size_t i = 0; i < te.n; i++)
        sets[test_rows[i]] = 1;
    int fd = mkstemp(split_path);
    FILE *sf = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!sf) {
        fprintf(stderr, "genre-bench-text: cannot write %s\n", split_path);
        return EXIT_FAILURE;
    }
    for (int64_t i = 0; i < n_all; i++)
        fputs(sets[i] ? "1\n" : "0\n", sf);
    fclose(sf);

    uint8_t mask[NF];
    for (int j = 0; j < NF; j++)
        mask[j] = j != 6 && j != 9;
    genre_scaler *sc;
    check(genre_scaler_create(&sc), "scaler");
    check(genre_scaler_set_mask(sc, mask, NF), "scaler");
    check(genre_scaler_fit(sc, tr.x, tr.n, NF, NF), "scaler");
    check(genre_scaler_transform(sc, tr.x, tr.n, NF, NF, tr.x, tr.n * NF, NULL), "scaler");
    check(genre_scaler_transform(sc, te.x, te.n, NF, NF, te.x, te.n * NF, NULL), "scaler");

    /* features */
    double t_feat[101];
    csr a = {0}, b = {0};
    genre_text *t = NULL;
    for (int r = 0; r < repeats; r++) {
        csr_free(&a);
        csr_free(&b);
        genre_text_free(t);
        double t0 = genre_bench_now();
        t = make_text();
        check(genre_text_fit(t, tr.names, tr.n, 2), "text fit");
        vectorise(t, &tr, &a);
        vectorise(t, &te, &b);
        t_feat[r] = genre_bench_now() - t0;
    }
    genre_bench_sort(t_feat, (size_t)repeats);
    double feat_s = t_feat[repeats / 2];
    int64_t ncols;
    check(genre_text_get_i64(t, GENRE_TEXT_N_FEATURES, &ncols), "columns");

    /* names + audio model */
    double t0 = genre_bench_now();
    size_t ntr = a.nnz + tr.n * NF, nte = b.nnz + te.n * NF;
    csr ta = {malloc((tr.n + 1) * sizeof(size_t)), malloc(ntr * sizeof(uint32_t)),
              malloc(ntr * sizeof(double)), ntr};
    csr tb = {malloc((te.n + 1) * sizeof(size_t)), malloc(nte * sizeof(uint32_t)),
              malloc(nte * sizeof(double)), nte};
    if (!ta.rp || !ta.ci || !ta.v || !tb.rp || !tb.ci || !tb.v)
        check(GENRE_E_NOMEM, "allocation");
    check(genre_text_csr_append_dense(tr.n, (size_t)ncols, a.rp[tr.n], a.rp, a.ci, a.v, tr.x, NF,
                                      NF, ta.rp, ta.ci, ta.v, ntr, NULL),
          "append");
    check(genre_text_csr_append_dense(te.n, (size_t)ncols, b.rp[te.n], b.rp, b.ci, b.v, te.x, NF,
                                      NF, tb.rp, tb.ci, tb.v, nte, NULL),
          "append");
    double t_append = genre_bench_now() - t0;
    genre_mlp *m;
    const int32_t hidden[] = {64};
    check(genre_mlp_create(&m), "mlp");
    check(genre_mlp_set_hidden_layers(m, hidden, 1), "mlp");
    check(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 3e-3), "mlp");
    check(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 12), "mlp");
    check(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, 256), "mlp");
    check(genre_mlp_set_i64(m, GENRE_MLP_N_CLASSES, NC), "mlp");
    check(genre_mlp_set_i64(m, GENRE_MLP_SEED, 1), "mlp");
    size_t cols = (size_t)ncols + NF;
    t0 = genre_bench_now();
    check(genre_mlp_fit_csr(m, tr.n, cols, ta.rp[tr.n], ta.rp, ta.ci, ta.v, tr.y, 0, 0, NULL, NULL,
                            NULL, NULL),
          "names+audio fit");
    double fit_s = genre_bench_now() - t0;
    double *proba = malloc(te.n * NC * sizeof *proba), auroc = -1;
    if (!proba)
        check(GENRE_E_NOMEM, "allocation");
    check(genre_mlp_predict_proba_csr(m, te.n, cols, tb.rp[te.n], tb.rp, tb.ci, tb.v, proba,
                                      te.n * NC, NULL),
          "predict");
    check(genre_metrics_roc_auc_ovr(te.y, proba, te.n, NC, NC, GENRE_METRICS_AVERAGE_MACRO,
                                    &auroc),
          "auroc");

    char load[64];
    genre_bench_loadavg(load, sizeof load);
    const char *bt = getenv("OPENBLAS_NUM_THREADS");
    printf("%s\n", genre_version_string());
    printf("data: %zu training / %zu test rows (random split, 500 per genre, seed 1)\n", tr.n,
           te.n);
    printf("OPENBLAS_NUM_THREADS=%s, load average %s\n", bt ? bt : "unset", load);
    printf("libgenre features (fit + transform train + test, %lld columns, %zu + %zu entries): "
           "%.3f s (median of %d)\n",
           (long long)ncols, a.nnz, b.nnz, feat_s, repeats);
    printf("libgenre append 13 audio columns: %.3f s\n", t_append);
    printf("libgenre names+audio MLP fit (%zu -> 64 -> 10, 12 epochs): %.3f s, test macro AUROC "
           "%.4f\n",
           cols, fit_s, auroc);

    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/bench/bench_text_sklearn.py' '%s' '%s' %d",
             dir, path, split_path, repeats);
    FILE *f = popen(cmd, "r");
    double sk_feat = -1, sk_epoch = -1, sk_auc = -1, sk_nnz = -1, sk_epochs = -1;
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        double v;
        if (sscanf(line, "sklearn_features_s %lf", &v) == 1)
            sk_feat = v;
        else if (sscanf(line, "sklearn_epoch_s %lf", &v) == 1)
            sk_epoch = v;
        else if (sscanf(line, "sklearn_epochs %lf", &v) == 1)
            sk_epochs = v;
        else if (sscanf(line, "sklearn_auroc %lf", &v) == 1)
            sk_auc = v;
        else if (sscanf(line, "sklearn_nnz %lf", &v) == 1)
            sk_nnz = v;
    }
    int prc = f ? pclose(f) : -1;
    remove(split_path);
    printf("BENCH text_features %.4f s\n", feat_s);
    printf("BENCH text_names_audio_epoch %.3f s\n", fit_s / 12);
    printf("BENCH text_names_audio_test_auroc %.4f auroc\n", auroc);
    if (prc != 0 || sk_feat <= 0) {
        printf("scikit-learn peer: missing (python3 exit %d)\n", prc);
        printf("BENCH text_names_audio_epoch_vs_sklearn missing\n");
        printf("BENCH text_features_vs_sklearn missing\n");
    } else {
        printf("scikit-learn features (HashingVectorizer words + char_wb 2-4, TfidfTransformer, "
               "%.0f training entries): %.3f s (median of %d)\n",
               sk_nnz, sk_feat, repeats);
        printf("scikit-learn MLPClassifier names+audio (same network): %.3f s per epoch, test "
               "macro AUROC %.4f after %.0f epochs\n",
               sk_epoch, sk_auc, sk_epochs);
        printf("names_audio_epoch_vs_sklearn %.2f x (libgenre %.3f s per epoch)\n",
               sk_epoch / (fit_s / 12), fit_s / 12);
        printf("BENCH text_names_audio_epoch_vs_sklearn %.2f x\n", sk_epoch / (fit_s / 12));
        printf("BENCH text_features_vs_sklearn %.2f x\n", sk_feat / feat_s);
    }
    free(proba);
    genre_mlp_free(m);
    csr_free(&ta);
    csr_free(&tb);
    csr_free(&a);
    csr_free(&b);
    genre_text_free(t);
    genre_scaler_free(sc);
    free(sets);
    free(test_rows);
    genre_dataset_prep_free(prep);
    genre_dataset_free(dtr);
    genre_dataset_free(dte);
    genre_dataset_free(ds);
    genre_dataset_split_free(split);
    genre_dataset_schema_free(schema);
    return 0;
}
