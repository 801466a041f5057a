/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Crafted model files: every loader validates each size field against the
 * payload before it allocates from it (issue 16). A valid small model of each
 * kind is saved to memory, re-encoded with one record changed (the container's
 * checksum stays right, so the loader's decoder sees the change), and loaded:
 * the load is GENRE_E_CORRUPT or GENRE_OK, never GENRE_E_NOMEM, and no
 * allocation asks for more bytes than the file holds (genre__alloc_largest).
 *
 * The same models seed the loader fuzz targets: after a deliberate payload
 * change, rewrite tests/fuzz/corpus/<kind>_load/ with
 *     GENRE_REGEN_SEEDS=1 build/tests/test_core_model_crafted
 * run from the source tree's root.
 */
#include "harness.h"

#include "alloc.h"
#include "model_file.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Small valid models ---------------------------------------------------- */

/* 12 rows x 3 columns, three well separated groups of four rows. */
static const double X[36] = {0.0, 0.1, 0.2,  0.2, 0.0, 0.1,  0.1, 0.2, 0.0,  0.3, 0.1, 0.1,
                             5.0, 5.1, 4.9,  5.2, 4.8, 5.0,  4.9, 5.0, 5.2,  5.1, 5.2, 4.8,
                             9.0, 0.2, 9.1,  9.2, 0.1, 8.9,  8.8, 0.0, 9.0,  9.1, 0.3, 9.2};
static const int32_t Y3[12] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2};
static const int32_t Y2[12] = {0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0};

/* Saves through the module's save_to_memory into a new malloc'd buffer. */
#define SAVED(mod, m, len)                                                             \
    do {                                                                               \
        size_t need_ = 0;                                                              \
        ck_assert_status(genre_##mod##_save_to_memory((m), NULL, 0, &need_),           \
                         GENRE_E_BUFFER_TOO_SMALL);                                    \
        buf = malloc(need_);                                                           \
        ck_assert_ptr_nonnull(buf);                                                    \
        ck_assert_ok(genre_##mod##_save_to_memory((m), buf, need_, &need_));           \
        *(len) = need_;                                                                \
    } while (0)

static unsigned char *scaler_model(size_t *len)
{
    unsigned char *buf;
    genre_scaler *s = NULL;
    ck_assert_ok(genre_scaler_create(&s));
    ck_assert_ok(genre_scaler_fit(s, X, 12, 3, 3));
    SAVED(scaler, s, len);
    genre_scaler_free(s);
    return buf;
}

static unsigned char *pca_model(size_t *len)
{
    unsigned char *buf;
    genre_pca *p = NULL;
    ck_assert_ok(genre_pca_create(&p));
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, 2));
    ck_assert_ok(genre_pca_fit(p, X, 12, 3, 3));
    SAVED(pca, p, len);
    genre_pca_free(p);
    return buf;
}

static unsigned char *lda_model(size_t *len)
{
    unsigned char *buf;
    genre_lda *l = NULL;
    ck_assert_ok(genre_lda_create(&l));
    ck_assert_ok(genre_lda_fit(l, X, 12, 3, 3, Y3));
    SAVED(lda, l, len);
    genre_lda_free(l);
    return buf;
}

static unsigned char *kmeans_model(size_t *len)
{
    unsigned char *buf;
    genre_kmeans *k = NULL;
    ck_assert_ok(genre_kmeans_create(&k));
    ck_assert_ok(genre_kmeans_set_i64(k, GENRE_KMEANS_K, 3));
    ck_assert_ok(genre_kmeans_fit(k, X, 12, 3, 3));
    SAVED(kmeans, k, len);
    genre_kmeans_free(k);
    return buf;
}

/* epochs: also GENRE_MLP_EPOCHS, so a test can find its record by value. */
static unsigned char *mlp_model(size_t *len, int regression, int64_t epochs)
{
    unsigned char *buf;
    genre_mlp *m = NULL;
    const int32_t hidden[2] = {5, 4};
    ck_assert_ok(genre_mlp_create(&m));
    ck_assert_ok(genre_mlp_set_hidden_layers(m, hidden, 2));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, epochs));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, 1));
    if (regression) {
        double y[12];
        for (int i = 0; i < 12; i++)
            y[i] = X[3 * i] - X[3 * i + 2];
        ck_assert_ok(genre_mlp_fit_regression(m, X, 12, 3, 3, y, 1, NULL, 0, 0, NULL));
    } else {
        ck_assert_ok(genre_mlp_fit(m, X, 12, 3, 3, Y2, NULL, 0, 0, NULL));
    }
    SAVED(mlp, m, len);
    genre_mlp_free(m);
    return buf;
}

static unsigned char *tsne_model(size_t *len)
{
    unsigned char *buf;
    genre_tsne *t = NULL;
    double emb[24];
    ck_assert_ok(genre_tsne_create(&t));
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 3.0));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_MAX_ITER, 50));
    ck_assert_ok(genre_tsne_fit_embed(t, X, 12, 3, 3, emb, 24, NULL));
    SAVED(tsne, t, len);
    genre_tsne_free(t);
    return buf;
}

static unsigned char *text_model(size_t *len)
{
    unsigned char *buf;
    genre_text *t = NULL;
    static const char *const docs[] = {"Bohemian Rhapsody", "Queen",
                                       "Blue in Green",     "Miles Davis",
                                       "So What",           "Miles Davis",
                                       "Love of My Life",   "Queen"};
    ck_assert_ok(genre_text_create(&t));
    ck_assert_ok(genre_text_set_i64(t, GENRE_TEXT_N_BUCKETS, 64));
    ck_assert_ok(genre_text_fit(t, docs, 4, 2));
    SAVED(text, t, len);
    genre_text_free(t);
    return buf;
}

static unsigned char *prep_model(size_t *len)
{
    static const char csv[] = "g,x,z,c,y\n"
                              "a,10,0,u,P\n"
                              "a,20,0,u,P\n"
                              "a,-1,3,u,P\n"
                              "b,1,0,v,Q\n"
                              "b,9,,v,Q\n"
                              "b,,0,v,Q\n"
                              "none,-1,0,u,Q\n";
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "g", GENRE_COL_GROUP));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "z", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "c", GENRE_COL_CATEGORICAL));
    ck_assert_ok(genre_dataset_schema_add_column(s, "y", GENRE_COL_LABEL));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, NULL, ""));
    ck_assert_ok(genre_dataset_schema_add_missing_value(s, "x", -1));
    ck_assert_ok(genre_dataset_schema_set_no_group(s, "none"));
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), "p.csv"));
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_group_median(p, "x"));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "z", GENRE_IMPUTE_MEDIAN));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    size_t need = 0;
    ck_assert_status(genre_dataset_prep_save_to_memory(p, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *buf = malloc(need);
    ck_assert_ptr_nonnull(buf);
    ck_assert_ok(genre_dataset_prep_save_to_memory(p, buf, need, len));
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    return buf;
}

/* ---- Loading through the public loaders ------------------------------------ */

typedef genre_status (*load_fn)(const void *buf, size_t len);

#define LOADER(mod)                                                                    \
    static genre_status load_##mod(const void *buf, size_t len)                       \
    {                                                                                  \
        genre_##mod *m = NULL;                                                         \
        genre_status st = genre_##mod##_load_from_memory(&m, buf, len);                \
        genre_##mod##_free(m);                                                         \
        return st;                                                                     \
    }
LOADER(scaler)
LOADER(pca)
LOADER(lda)
LOADER(kmeans)
LOADER(mlp)
LOADER(tsne)
LOADER(text)

static genre_status load_prep(const void *buf, size_t len)
{
    genre_dataset_prep *p = NULL;
    genre_status st = genre_dataset_prep_load_from_memory(&p, buf, len);
    genre_dataset_prep_free(p);
    return st;
}

/* ---- Re-encoding with one record changed ------------------------------------ */

/* What replaces record `tag`: a scalar (u32 and i64 records take v), or an
 * array of n elements (element i = v when i == at, else the stored one or 0). */
typedef struct {
    uint32_t tag;
    int64_t v;
    int array;     /* 1: resize the array record to n elements */
    size_t n, at;  /* at >= n: no element set */
} patch;

/* buf re-encoded record by record with the patches applied; a new malloc'd
 * buffer of *len bytes whose checksum is right. */
static unsigned char *rewrite(const unsigned char *buf, size_t len, const patch *pt,
                              size_t n_patch, size_t *out_len)
{
    genre__mf_reader r;
    ck_assert_ok(genre__mf_reader_open(&r, buf, len, GENRE__MF_ANY_KIND));
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, r.kind, r.kind_version));
    size_t cursor = 0;
    uint32_t tag, type;
    uint64_t count;
    while (genre__mf_next(&r, &cursor, &tag, &type, &count)) {
        const patch *p = NULL;
        for (size_t i = 0; i < n_patch; i++)
            if (pt[i].tag == tag)
                p = &pt[i];
        size_t n = p && p->array ? p->n : (size_t)count;
        size_t elem = type == GENRE__MF_I32_ARRAY ? 4 : type == GENRE__MF_F64_ARRAY ? 8 : 1;
        unsigned char *data = calloc(n > count ? n : count, elem) ;
        if (!data)
            data = malloc(1);
        ck_assert_ptr_nonnull(data);
        switch (type) {
        case GENRE__MF_U32: {
            uint32_t u;
            ck_assert_ok(genre__mf_get_u32(&r, tag, &u));
            ck_assert_ok(genre__mf_put_u32(&w, tag, p ? (uint32_t)p->v : u));
            break;
        }
        case GENRE__MF_I64: {
            int64_t v;
            ck_assert_ok(genre__mf_get_i64(&r, tag, &v));
            ck_assert_ok(genre__mf_put_i64(&w, tag, p ? p->v : v));
            break;
        }
        case GENRE__MF_F64: {
            double d;
            ck_assert_ok(genre__mf_get_f64(&r, tag, &d));
            ck_assert_ok(genre__mf_put_f64(&w, tag, d));
            break;
        }
        case GENRE__MF_F64_ARRAY: {
            double *d = (double *)data;
            ck_assert_ok(genre__mf_get_f64_array(&r, tag, d, (size_t)count));
            if (p && p->at < n)
                d[p->at] = (double)p->v;
            ck_assert_ok(genre__mf_put_f64_array(&w, tag, d, n));
            break;
        }
        case GENRE__MF_I32_ARRAY: {
            int32_t *d = (int32_t *)data;
            ck_assert_ok(genre__mf_get_i32_array(&r, tag, d, (size_t)count));
            if (p && p->at < n)
                d[p->at] = (int32_t)p->v;
            ck_assert_ok(genre__mf_put_i32_array(&w, tag, d, n));
            break;
        }
        case GENRE__MF_BYTES:
            ck_assert_ok(genre__mf_get_bytes(&r, tag, data, (size_t)count));
            ck_assert_ok(genre__mf_put_bytes(&w, tag, data, n));
            break;
        case GENRE__MF_STRING: {
            char *s = NULL;
            ck_assert_ok(genre__mf_get_string_alloc(&r, tag, &s));
            ck_assert_ok(genre__mf_put_string(&w, tag, s));
            genre__free(s);
            break;
        }
        default:
            ck_abort_msg("record type %u", (unsigned)type);
        }
        free(data);
    }
    return genre_test_mf_finish(&w, out_len);
}

/* Loads the crafted bytes: expects GENRE_E_CORRUPT (or, with may_load,
 * GENRE_OK), a message naming `func` and holding `text`, and no allocation
 * above `allowance` bytes (the file's size unless a kind documents a cache). */
static void expect_rejected(load_fn load, const unsigned char *b, size_t len, int may_load,
                            size_t allowance, const char *func, const char *text)
{
    genre__alloc_fail_at(0);
    genre_status st = load(b, len);
    size_t largest = genre__alloc_largest();
    ck_assert_msg(st == GENRE_E_CORRUPT || (may_load && st == GENRE_OK),
                  "load of a crafted %zu-byte file returned %s: %s", len,
                  genre_status_name(st), genre_last_error());
    ck_assert_msg(largest <= allowance,
                  "a crafted %zu-byte file made the loader ask for %zu bytes (%s: %s)", len,
                  largest, genre_status_name(st), genre_last_error());
    if (st == GENRE_OK)
        return;
    if (func)
        ck_assert_msg(strncmp(genre_last_error(), func, strlen(func)) == 0 &&
                          genre_last_error()[strlen(func)] == ':',
                      "message does not name %s: %s", func, genre_last_error());
    if (text)
        ck_assert_msg(strstr(genre_last_error(), text) != NULL, "'%s' not in: %s", text,
                      genre_last_error());
}

static void expect_patch_rejected(load_fn load, const unsigned char *buf, size_t len,
                                  const patch *pt, size_t n_patch, const char *func,
                                  const char *text)
{
    size_t clen = 0;
    unsigned char *c = rewrite(buf, len, pt, n_patch, &clen);
    expect_rejected(load, c, clen, 0, clen, func, text);
    free(c);
}

/* ---- MLP ------------------------------------------------------------------- */

enum { MLP_WIDTHS = 3, MLP_PARAMS = 4, MLP_I64_BASE = 30, MLP_HIST_TRAIN = 60 };

/* The audit's 1,188-byte file: an input width of 2^31 - 1 made the loader
 * allocate the parameters those widths need before it compared them with
 * the parameters stored. */
START_TEST(mlp_huge_input_width)
{
    size_t len;
    unsigned char *buf = mlp_model(&len, _i, 5);
    patch pt = {MLP_WIDTHS, INT32_MAX, 1, 4, 0};
    expect_patch_rejected(load_mlp, buf, len, &pt, 1, "genre_mlp_load_from_memory",
                          "2147483647");
    /* Other large widths, as in the audit's 6,464-byte file (16,777,216,703
     * x 8 bytes asked for): an input width of 2^24, a hidden one at its
     * limit of 10^6. */
    patch wide[2] = {{MLP_WIDTHS, 1 << 24, 1, 4, 0}, {MLP_WIDTHS, 1000000, 1, 4, 1}};
    for (int i = 0; i < 2; i++)
        expect_patch_rejected(load_mlp, buf, len, &wide[i], 1, "genre_mlp_load_from_memory",
                              "parameters");
    free(buf);
}
END_TEST

/* The training history is three arrays of one length: the second and third
 * are checked before the three are allocated from the first one's length. */
START_TEST(mlp_history_lengths_agree)
{
    size_t len;
    unsigned char *buf = mlp_model(&len, 0, 7);
    genre__mf_reader r;
    ck_assert_ok(genre__mf_reader_open(&r, buf, len, GENRE_MODEL_MLP));
    /* GENRE_MLP_EPOCHS' record, the one i64 parameter holding 7: raised so
     * that a long history is allowed. */
    uint32_t epochs_tag = 0;
    int found = 0;
    for (uint32_t t = MLP_I64_BASE; t < MLP_HIST_TRAIN; t++) {
        int64_t v;
        if (genre__mf_has(&r, t) && genre__mf_get_i64(&r, t, &v) == GENRE_OK && v == 7) {
            epochs_tag = t;
            found++;
        }
    }
    ck_assert_int_eq(found, 1);
    patch pt[2] = {{epochs_tag, 100000, 0, 0, 0}, {MLP_HIST_TRAIN, 0, 1, 20000, 20000}};
    expect_patch_rejected(load_mlp, buf, len, pt, 2, "genre_mlp_load_from_memory", "20000");
    free(buf);
}
END_TEST

/* ---- PCA ------------------------------------------------------------------- */

enum { PCA_N_FEATURES = 1, PCA_N_SAMPLES = 2, PCA_N_COMPONENTS = 3, PCA_COMPONENTS = 9 };

/* n_components x n_features = 2^32 x 2^32 wraps to 0 in 64 bits: an empty
 * components record matched it and 2^32 features were allocated. */
START_TEST(pca_sizes_wrapping_to_the_stored_count)
{
    size_t len;
    unsigned char *buf = pca_model(&len);
    const int64_t big = (int64_t)1 << 32;
    patch pt[4] = {{PCA_N_FEATURES, big, 0, 0, 0},
                   {PCA_N_SAMPLES, 2 * big, 0, 0, 0},
                   {PCA_N_COMPONENTS, big, 0, 0, 0},
                   {PCA_COMPONENTS, 0, 1, 0, 0}};
    expect_patch_rejected(load_pca, buf, len, pt, 4, "genre_pca_load_from_memory",
                          "4294967296");
    free(buf);
}
END_TEST

/* ---- Dataset preparation ----------------------------------------------------- */

enum { PREP_N_STEPS = 8 };

/* A step count was allocated (up to 1,044,480 steps of some hundred bytes)
 * before any step's records were looked for. */
START_TEST(prep_huge_step_count)
{
    size_t len;
    unsigned char *buf = prep_model(&len);
    patch pt = {PREP_N_STEPS, 0xff000, 0, 0, 0};
    expect_patch_rejected(load_prep, buf, len, &pt, 1, "genre_dataset_prep_load_from_memory",
                          "1044480");
    free(buf);
}
END_TEST

/* ---- Every kind: every size-like field made huge ----------------------------- */

typedef struct {
    const char *name;
    unsigned char *(*make)(size_t *len);
    load_fn load;
    size_t cache; /* bytes a valid model of the kind may allocate beyond its file */
    const char *func; /* the public loader its messages name */
} kind_case;

static unsigned char *mlp_classifier(size_t *len) { return mlp_model(len, 0, 5); }
static unsigned char *mlp_regressor(size_t *len) { return mlp_model(len, 1, 5); }

static const kind_case kinds[] = {
    {"scaler", scaler_model, load_scaler, 0, "genre_scaler_load_from_memory"},
    {"pca", pca_model, load_pca, 0, "genre_pca_load_from_memory"},
    {"lda", lda_model, load_lda, 0, "genre_lda_load_from_memory"},
    {"kmeans", kmeans_model, load_kmeans, 0, "genre_kmeans_load_from_memory"},
    {"mlp", mlp_classifier, load_mlp, 0, "genre_mlp_load_from_memory"},
    {"mlp_regression", mlp_regressor, load_mlp, 0, "genre_mlp_load_from_memory"},
    {"tsne", tsne_model, load_tsne, 0, "genre_tsne_load_from_memory"},
    /* The text vectoriser keeps idf as a dense table up to 2^22 columns
     * (lib/text.c, DENSE_IDF_MAX): a valid model with that many buckets
     * allocates it whatever its file's size. */
    {"text", text_model, load_text, ((size_t)1 << 22) * sizeof(double),
     "genre_text_load_from_memory"},
    {"dataset_prep", prep_model, load_prep, 0, "genre_dataset_prep_load_from_memory"},
};

START_TEST(every_size_field_is_checked_before_allocating)
{
    static const int64_t huge[] = {INT32_MAX, UINT32_MAX, (int64_t)1 << 32,
                                   (int64_t)1 << 62, -1, 0xff00, 1 << 24};
    const kind_case *k = &kinds[_i];
    size_t len;
    unsigned char *buf = k->make(&len);
    genre__mf_reader r;
    ck_assert_ok(genre__mf_reader_open(&r, buf, len, GENRE__MF_ANY_KIND));
    size_t cursor = 0, tried = 0;
    uint32_t tag, type;
    uint64_t count;
    while (genre__mf_next(&r, &cursor, &tag, &type, &count)) {
        for (size_t h = 0; h < sizeof huge / sizeof huge[0]; h++) {
            size_t n_cases = type == GENRE__MF_I32_ARRAY ? (size_t)count : 1;
            for (size_t at = 0; at < n_cases && at < 8; at++) {
                patch pt = {tag, huge[h], type == GENRE__MF_I32_ARRAY, (size_t)count, at};
                if (type != GENRE__MF_U32 && type != GENRE__MF_I64 &&
                    type != GENRE__MF_I32_ARRAY)
                    continue;
                size_t clen = 0;
                unsigned char *c = rewrite(buf, len, &pt, 1, &clen);
                /* Some fields take any value (a seed): those load. A
                 * rejection names the public loader, the value when it is
                 * a size. */
                expect_rejected(k->load, c, clen, 1, clen + k->cache, k->func, NULL);
                free(c);
                tried++;
            }
        }
    }
    ck_assert_uint_gt(tried, 10);
    ck_assert_int_eq(k->load(buf, len), GENRE_OK);
    free(buf);
}
END_TEST

/* ---- Fuzz seeds ------------------------------------------------------------- */

static void write_seed(const char *target, const char *name, const unsigned char *b,
                       size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "tests/fuzz/corpus/%s/%s", target, name);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s (run from the source root)", path);
    ck_assert_uint_eq(fwrite(b, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(regenerate_fuzz_seeds)
{
    if (!getenv("GENRE_REGEN_SEEDS"))
        return;
    static const char *const targets[] = {"scaler_load", "pca_load", "lda_load",
                                          "kmeans_load", "mlp_load", "mlp_load",
                                          "tsne_load",   "text_load", "dataset_prep_load"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t len;
        unsigned char *b = kinds[i].make(&len);
        char name[64];
        snprintf(name, sizeof name, "%s.genre", kinds[i].name);
        write_seed(targets[i], name, b, len);
        free(b);
    }
    /* The crafted files of the regression tests above, as replayed inputs. */
    size_t len, clen;
    unsigned char *b = mlp_model(&len, 0, 5), *c;
    patch wide = {MLP_WIDTHS, INT32_MAX, 1, 4, 0};
    c = rewrite(b, len, &wide, 1, &clen);
    write_seed("mlp_load", "crafted-input-width.genre", c, clen);
    free(c);
    free(b);
    b = pca_model(&len);
    const int64_t big = (int64_t)1 << 32;
    patch wrap[4] = {{PCA_N_FEATURES, big, 0, 0, 0},
                     {PCA_N_SAMPLES, 2 * big, 0, 0, 0},
                     {PCA_N_COMPONENTS, big, 0, 0, 0},
                     {PCA_COMPONENTS, 0, 1, 0, 0}};
    c = rewrite(b, len, wrap, 4, &clen);
    write_seed("pca_load", "crafted-size-wrap.genre", c, clen);
    free(c);
    free(b);
    b = prep_model(&len);
    patch steps = {PREP_N_STEPS, 0xff000, 0, 0, 0};
    c = rewrite(b, len, &steps, 1, &clen);
    write_seed("dataset_prep_load", "crafted-step-count.genre", c, clen);
    free(c);
    free(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_model_crafted");
    TCase *tc = tcase_create("crafted");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, mlp_huge_input_width, 0, 2);
    tcase_add_test(tc, mlp_history_lengths_agree);
    tcase_add_test(tc, pca_sizes_wrapping_to_the_stored_count);
    tcase_add_test(tc, prep_huge_step_count);
    tcase_add_loop_test(tc, every_size_field_is_checked_before_allocating, 0,
                        (int)(sizeof kinds / sizeof kinds[0]));
    suite_add_tcase(s, tc);
    tc = tcase_create("seeds");
    tcase_add_test(tc, regenerate_fuzz_seeds);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
