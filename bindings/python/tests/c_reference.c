/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The C side of the Python binding's bit-for-bit tests: runs the reference
 * analysis (scale, LDA, MLP, AUROC) with the C API on raw little-endian
 * inputs written by the test, writes every result as raw doubles/int32 and
 * saves the fitted models, so Python can compare bytes and load files the C
 * side wrote.
 *
 * usage: c_reference DIR      (DIR holds x_train.f64 y_train.i32 x_test.f64
 *                              y_test.i32 and receives the outputs)
 *        c_reference --predict DIR   (loads DIR/py_*.genre written by Python and
 *                              writes DIR/c_from_py_*.f64) */
#include <genre/genre.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D 13

static const char *dir;

static void die(const char *what, genre_status s)
{
    fprintf(stderr, "c_reference: %s: %s (%s): %s\n", what, genre_status_name(s),
            genre_status_str(s), genre_last_error());
    exit(1);
}
#define CHECK(call) do { genre_status s_ = (call); if (s_) die(#call, s_); } while (0)

static void *slurp(const char *name, size_t *bytes)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    void *p = malloc((size_t)n + 1);
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) { perror(path); exit(1); }
    fclose(f);
    *bytes = (size_t)n;
    return p;
}

static void spit(const char *name, const void *p, size_t bytes)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, bytes, f) != bytes || fclose(f)) { perror(path); exit(1); }
}

static char *at(const char *name)
{
    static char path[4][4096];
    static int i;
    i = (i + 1) % 4;
    snprintf(path[i], sizeof path[i], "%s/%s", dir, name);
    return path[i];
}

/* Key (6) and mode (9) stay codes, as in the reference analysis. */
static const uint8_t MASK[D] = {1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1};
static const int32_t HIDDEN[2] = {20, 15};

static int predict_mode(void)
{
    size_t b;
    double *xte = slurp("x_test.f64", &b);
    size_t n = b / (D * sizeof(double));
    genre_scaler *s;
    genre_lda *l;
    genre_mlp *m;
    CHECK(genre_scaler_load(&s, at("py_scaler.genre")));
    CHECK(genre_lda_load(&l, at("py_lda.genre")));
    CHECK(genre_mlp_load(&m, at("py_mlp.genre")));
    double *z = malloc(n * D * sizeof *z), *p = malloc(n * 10 * sizeof *p);
    CHECK(genre_scaler_transform(s, xte, n, D, D, z, n * D, NULL));
    CHECK(genre_lda_predict_proba(l, z, n, D, D, p, n * 10, NULL));
    spit("c_from_py_lda_proba.f64", p, n * 10 * sizeof *p);
    CHECK(genre_mlp_predict_proba(m, z, n, D, D, p, n * 10, NULL));
    spit("c_from_py_mlp_proba.f64", p, n * 10 * sizeof *p);
    genre_scaler_free(s), genre_lda_free(l), genre_mlp_free(m);
    free(xte), free(z), free(p);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--predict") == 0) {
        dir = argv[2];
        return predict_mode();
    }
    if (argc != 2) {
        fprintf(stderr, "usage: c_reference [--predict] DIR\n");
        return 2;
    }
    dir = argv[1];
    size_t b;
    double *xtr = slurp("x_train.f64", &b);
    size_t ntr = b / (D * sizeof(double));
    int32_t *ytr = slurp("y_train.i32", &b);
    double *xte = slurp("x_test.f64", &b);
    size_t nte = b / (D * sizeof(double));
    int32_t *yte = slurp("y_test.i32", &b);

    genre_scaler *s;
    CHECK(genre_scaler_create(&s));
    CHECK(genre_scaler_set_mask(s, MASK, D));
    CHECK(genre_scaler_fit(s, xtr, ntr, D, D));
    double *ztr = malloc(ntr * D * sizeof *ztr), *zte = malloc(nte * D * sizeof *zte);
    CHECK(genre_scaler_transform(s, xtr, ntr, D, D, ztr, ntr * D, NULL));
    CHECK(genre_scaler_transform(s, xte, nte, D, D, zte, nte * D, NULL));
    spit("c_z_test.f64", zte, nte * D * sizeof *zte);
    CHECK(genre_scaler_save(s, at("c_scaler.genre")));

    genre_lda *l;
    CHECK(genre_lda_create(&l));
    CHECK(genre_lda_fit(l, ztr, ntr, D, D, ytr));
    double *proj = malloc(nte * 9 * sizeof *proj), *p = malloc(nte * 10 * sizeof *p);
    CHECK(genre_lda_transform(l, zte, nte, D, D, proj, nte * 9, NULL));
    spit("c_lda_proj.f64", proj, nte * 9 * sizeof *proj);
    CHECK(genre_lda_predict_proba(l, zte, nte, D, D, p, nte * 10, NULL));
    spit("c_lda_proba.f64", p, nte * 10 * sizeof *p);
    double auc[2];
    CHECK(genre_metrics_roc_auc_ovr(yte, p, nte, 10, 10, GENRE_METRICS_AVERAGE_MACRO, &auc[0]));
    CHECK(genre_lda_save(l, at("c_lda.genre")));

    genre_mlp *m;
    CHECK(genre_mlp_create(&m));
    CHECK(genre_mlp_set_hidden_layers(m, HIDDEN, 2));
    CHECK(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 3));
    CHECK(genre_mlp_set_i64(m, GENRE_MLP_SEED, 20261125));
    CHECK(genre_mlp_fit(m, ztr, ntr, D, D, ytr, NULL, 0, 0, NULL));
    CHECK(genre_mlp_predict_proba(m, zte, nte, D, D, p, nte * 10, NULL));
    spit("c_mlp_proba.f64", p, nte * 10 * sizeof *p);
    CHECK(genre_metrics_roc_auc_ovr(yte, p, nte, 10, 10, GENRE_METRICS_AVERAGE_MACRO, &auc[1]));
    spit("c_auc.f64", auc, sizeof auc);
    CHECK(genre_mlp_save(m, at("c_mlp.genre")));

    genre_scaler_free(s), genre_lda_free(l), genre_mlp_free(m);
    free(xtr), free(ytr), free(xte), free(yte), free(ztr), free(zte), free(proj), free(p);
    return 0;
}
