/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Every public function that returns a handle through `T **out` (create,
 * load, load_from_memory, read, parse, split, subset) sets *out to NULL when it
 * fails: walked with the n-th allocation failing for every n the call makes.
 */
#include "harness.h"

#include "alloc.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* What the makers below read: saved models, files, a table. */
static struct {
    genre_dataset_schema *schema;
    genre_dataset *ds;
    genre_dataset_split *split;
    unsigned char *saved[8];
    size_t saved_len[8];
    char path[8][64];
    char csv_path[64];
} fx;

enum { K_SCALER, K_PCA, K_LDA, K_KMEANS, K_MLP, K_TSNE, K_TEXT, K_PREP };

static const char csv[] = "name,x,c,y\n"
                          "a,1.5,p,P\nb,2.5,q,Q\nc,,p,P\nd,4.5,q,Q\n"
                          "e,5.5,p,P\nf,6.5,q,Q\ng,7.5,p,P\nh,8.5,q,Q\n";

static double x12[12 * 3];
/* the t-SNE affinity makers' parameters and source (fixtures_make) */
static genre_tsne *aff_t;
static genre_tsne_affinity *aff_from;
static int32_t y12[12];

/* Keeps a saved model in memory and in a temporary file. */
static void keep(int kind, genre_status st, unsigned char *buf, size_t len)
{
    ck_assert_msg(st == GENRE_OK, "fixture %d: %s", kind, genre_last_error());
    fx.saved[kind] = buf;
    fx.saved_len[kind] = len;
    genre_test_temp_file(fx.path[kind], sizeof fx.path[kind]);
    FILE *f = fopen(fx.path[kind], "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
    fclose(f);
}

#define SAVE_MODEL(kind, mod, handle)                                            \
    do {                                                                         \
        size_t n_ = 0;                                                           \
        genre_##mod##_save_to_memory(handle, NULL, 0, &n_);                      \
        unsigned char *b_ = malloc(n_);                                          \
        keep(kind, genre_##mod##_save_to_memory(handle, b_, n_, &n_), b_, n_);   \
    } while (0)

static void fixtures_make(void)
{
    for (int i = 0; i < 12; i++) {
        y12[i] = i % 3;
        for (int j = 0; j < 3; j++)
            x12[i * 3 + j] = (double)((i * 7 + j * 3) % 11) + 0.25 * y12[i] * j;
    }
    genre_scaler *sc = NULL;
    ck_assert_ok(genre_scaler_create(&sc));
    ck_assert_ok(genre_scaler_fit(sc, x12, 12, 3, 3));
    SAVE_MODEL(K_SCALER, scaler, sc);
    genre_scaler_free(sc);
    genre_pca *pca = NULL;
    ck_assert_ok(genre_pca_create(&pca));
    ck_assert_ok(genre_pca_fit(pca, x12, 12, 3, 3));
    SAVE_MODEL(K_PCA, pca, pca);
    genre_pca_free(pca);
    genre_lda *lda = NULL;
    ck_assert_ok(genre_lda_create(&lda));
    ck_assert_ok(genre_lda_fit(lda, x12, 12, 3, 3, y12));
    SAVE_MODEL(K_LDA, lda, lda);
    genre_lda_free(lda);
    genre_kmeans *km = NULL;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 2));
    ck_assert_ok(genre_kmeans_fit(km, x12, 12, 3, 3));
    SAVE_MODEL(K_KMEANS, kmeans, km);
    genre_kmeans_free(km);
    genre_mlp *mlp = NULL;
    ck_assert_ok(genre_mlp_create(&mlp));
    ck_assert_ok(genre_mlp_set_i64(mlp, GENRE_MLP_EPOCHS, 2));
    ck_assert_ok(genre_mlp_fit(mlp, x12, 12, 3, 3, y12, NULL, 0, 0, NULL));
    SAVE_MODEL(K_MLP, mlp, mlp);
    genre_mlp_free(mlp);
    genre_tsne *ts = NULL;
    ck_assert_ok(genre_tsne_create(&ts));
    ck_assert_ok(genre_tsne_set_f64(ts, GENRE_TSNE_PERPLEXITY, 3.0));
    ck_assert_ok(genre_tsne_set_i64(ts, GENRE_TSNE_MAX_ITER, 260));
    double emb[24];
    ck_assert_ok(genre_tsne_fit_embed(ts, x12, 12, 3, 3, emb, 24, NULL));
    SAVE_MODEL(K_TSNE, tsne, ts);
    /* the affinity makers: perplexity 3 (9 neighbours) from 3.5's 10 */
    ck_assert_ok(genre_tsne_set_i64(ts, GENRE_TSNE_METHOD, GENRE_TSNE_METHOD_BARNES_HUT));
    ck_assert_ok(genre_tsne_set_f64(ts, GENRE_TSNE_PERPLEXITY, 3.5));
    ck_assert_ok(genre_tsne_affinity_create(&aff_from, ts, x12, 12, 3, 3));
    ck_assert_ok(genre_tsne_set_f64(ts, GENRE_TSNE_PERPLEXITY, 3.0));
    aff_t = ts;
    genre_text *tx = NULL;
    const char *names[] = {"Daft Punk", "Around the World", "Miles Davis", "So What"};
    ck_assert_ok(genre_text_create(&tx));
    ck_assert_ok(genre_text_fit(tx, names, 2, 2));
    SAVE_MODEL(K_TEXT, text, tx);
    genre_text_free(tx);

    ck_assert_ok(genre_dataset_schema_create(&fx.schema));
    ck_assert_ok(genre_dataset_schema_add_column(fx.schema, "name", GENRE_COL_GROUP));
    ck_assert_ok(genre_dataset_schema_add_column(fx.schema, "x", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(fx.schema, "c", GENRE_COL_CATEGORICAL));
    ck_assert_ok(genre_dataset_schema_add_column(fx.schema, "y", GENRE_COL_LABEL));
    ck_assert_ok(genre_dataset_schema_add_missing_text(fx.schema, NULL, ""));
    ck_assert_ok(genre_dataset_read_from_memory(&fx.ds, fx.schema, csv, sizeof csv - 1, "t.csv"));
    ck_assert_ok(genre_dataset_split_stratified(&fx.split, fx.ds, 1, 7));
    genre_dataset_prep *prep = NULL;
    ck_assert_ok(genre_dataset_prep_create(&prep, fx.schema));
    ck_assert_ok(genre_dataset_prep_add_impute(prep, "x", GENRE_IMPUTE_MEDIAN));
    genre_dataset *copy = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&copy, fx.schema, csv, sizeof csv - 1, "t.csv"));
    ck_assert_ok(genre_dataset_prep_fit_apply(prep, copy));
    genre_dataset_free(copy);
    size_t n = 0;
    genre_dataset_prep_save_to_memory(prep, NULL, 0, &n);
    unsigned char *b = malloc(n);
    keep(K_PREP, genre_dataset_prep_save_to_memory(prep, b, n, &n), b, n);
    genre_dataset_prep_free(prep);

    genre_test_temp_file(fx.csv_path, sizeof fx.csv_path);
    FILE *f = fopen(fx.csv_path, "wb");
    ck_assert_uint_eq(fwrite(csv, 1, sizeof csv - 1, f), sizeof csv - 1);
    fclose(f);
}

static void fixtures_free(void)
{
    for (int k = 0; k < 8; k++) {
        free(fx.saved[k]);
        unlink(fx.path[k]);
    }
    unlink(fx.csv_path);
    genre_dataset_split_free(fx.split);
    genre_dataset_free(fx.ds);
    genre_dataset_schema_free(fx.schema);
    memset(&fx, 0, sizeof fx);
    genre_tsne_affinity_free(aff_from);
    genre_tsne_free(aff_t);
    aff_from = NULL;
    aff_t = NULL;
}

/* One call under test: fills *out (typed as void *) and says how to free it. */
struct maker {
    const char *name;
    genre_status (*make)(void **out);
    void (*release)(void *handle);
};

#define MAKER(label, type, call, free_fn)                                     \
    static genre_status make_##label(void **out)                             \
    {                                                                         \
        type **o = (type **)out;                                              \
        return call;                                                          \
    }                                                                         \
    static void release_##label(void *h) { free_fn((type *)h); }

#define MODEL_MAKERS(mod, kind)                                                              \
    MAKER(mod##_create, genre_##mod, genre_##mod##_create(o), genre_##mod##_free)             \
    MAKER(mod##_load_from_memory, genre_##mod,                                               \
          genre_##mod##_load_from_memory(o, fx.saved[kind], fx.saved_len[kind]),             \
          genre_##mod##_free)                                                                \
    MAKER(mod##_load, genre_##mod, genre_##mod##_load(o, fx.path[kind]), genre_##mod##_free)

MODEL_MAKERS(scaler, K_SCALER)
MODEL_MAKERS(pca, K_PCA)
MODEL_MAKERS(lda, K_LDA)
MODEL_MAKERS(kmeans, K_KMEANS)
MODEL_MAKERS(mlp, K_MLP)
MODEL_MAKERS(tsne, K_TSNE)
MODEL_MAKERS(text, K_TEXT)
MAKER(tsne_affinity_create, genre_tsne_affinity,
      genre_tsne_affinity_create(o, aff_t, x12, 12, 3, 3), genre_tsne_affinity_free)
MAKER(tsne_affinity_derive, genre_tsne_affinity, genre_tsne_affinity_derive(o, aff_t, aff_from),
      genre_tsne_affinity_free)
MAKER(schema_create, genre_dataset_schema, genre_dataset_schema_create(o),
      genre_dataset_schema_free)
MAKER(schema_create_music_genre, genre_dataset_schema,
      genre_dataset_schema_create_music_genre(o), genre_dataset_schema_free)
static const char schema_text[] = "* missing=\"\" separator=;\n\"a b\" group no-group=x\n"
                                  "d numeric missing-value=-1 impute=group-median:\"a b\"\n"
                                  "c categorical order=p,q names=p:P,q:\"Q q\"\ny label\n";
MAKER(schema_parse, genre_dataset_schema,
      genre_dataset_schema_load_from_memory(o, schema_text, sizeof schema_text - 1, "s.schema"),
      genre_dataset_schema_free)
MAKER(schema_read_file, genre_dataset_schema,
      genre_dataset_schema_load(o, genre_test_source_path("examples/music_genre.schema")),
      genre_dataset_schema_free)
MAKER(read_memory, genre_dataset,
      genre_dataset_read_from_memory(o, fx.schema, csv, sizeof csv - 1, "t.csv"),
      genre_dataset_free)
MAKER(read_file, genre_dataset, genre_dataset_read(o, fx.schema, fx.csv_path),
      genre_dataset_free)
MAKER(prep_create, genre_dataset_prep, genre_dataset_prep_create(o, fx.schema),
      genre_dataset_prep_free)
MAKER(prep_load, genre_dataset_prep,
      genre_dataset_prep_load_from_memory(o, fx.saved[K_PREP], fx.saved_len[K_PREP]),
      genre_dataset_prep_free)
MAKER(prep_load_file, genre_dataset_prep, genre_dataset_prep_load(o, fx.path[K_PREP]),
      genre_dataset_prep_free)
MAKER(split_stratified, genre_dataset_split, genre_dataset_split_stratified(o, fx.ds, 1, 7),
      genre_dataset_split_free)
MAKER(split_grouped, genre_dataset_split, genre_dataset_split_grouped(o, fx.ds, 1, 7),
      genre_dataset_split_free)
static const uint8_t mask8[8] = {1, 0, 0, 1, 0, 0, 0, 0};
static const int64_t rows2[2] = {6, 1};
MAKER(split_stratified_fraction, genre_dataset_split,
      genre_dataset_split_stratified_fraction(o, fx.ds, 0.25, 7), genre_dataset_split_free)
MAKER(split_from_mask, genre_dataset_split, genre_dataset_split_from_mask(o, fx.ds, mask8, 8),
      genre_dataset_split_free)
MAKER(split_from_indices, genre_dataset_split,
      genre_dataset_split_from_indices(o, fx.ds, rows2, 2), genre_dataset_split_free)
MAKER(subset, genre_dataset, genre_dataset_subset(o, fx.ds, fx.split, GENRE_SPLIT_TEST),
      genre_dataset_free)

#define ENTRY(label) {#label, make_##label, release_##label}
#define MODEL_ENTRIES(mod) ENTRY(mod##_create), ENTRY(mod##_load_from_memory), ENTRY(mod##_load)

static const struct maker makers[] = {
    MODEL_ENTRIES(scaler), MODEL_ENTRIES(pca), MODEL_ENTRIES(lda), MODEL_ENTRIES(kmeans),
    MODEL_ENTRIES(mlp),    MODEL_ENTRIES(tsne), MODEL_ENTRIES(text),
    ENTRY(tsne_affinity_create), ENTRY(tsne_affinity_derive),
    ENTRY(schema_create),  ENTRY(schema_create_music_genre), ENTRY(schema_parse),
    ENTRY(schema_read_file), ENTRY(read_memory),
    ENTRY(read_file),      ENTRY(prep_create), ENTRY(prep_load), ENTRY(prep_load_file),
    ENTRY(split_stratified), ENTRY(split_grouped), ENTRY(split_stratified_fraction),
    ENTRY(split_from_mask), ENTRY(split_from_indices), ENTRY(subset),
};

START_TEST(every_out_is_null_after_a_failed_allocation)
{
    fixtures_make();
    const long live0 = genre__alloc_live();
    for (size_t m = 0; m < sizeof makers / sizeof makers[0]; m++) {
        const struct maker *mk = &makers[m];
        void *h = NULL;
        genre__alloc_fail_at(0);
        ck_assert_msg(mk->make(&h) == GENRE_OK, "%s: %s", mk->name, genre_last_error());
        const long total = genre__alloc_attempts();
        mk->release(h);
        ck_assert_msg(total > 0, "%s allocates nothing: the walk would test nothing", mk->name);
        long failed = 0;
        for (long n = 1; n <= total; n++) {
            h = (void *)&h; /* a sentinel the call must overwrite on failure */
            genre__alloc_fail_at(n);
            genre_status st = mk->make(&h);
            genre__alloc_fail_at(0);
            if (st == GENRE_OK) { /* that allocation was optional */
                ck_assert_ptr_nonnull(h);
                mk->release(h);
                continue;
            }
            failed++;
            ck_assert_msg(h == NULL, "%s: allocation %ld of %ld failed (%s) and *out was left "
                                     "set", mk->name, n, total, genre_status_name(st));
        }
        ck_assert_msg(failed > 0, "%s: no injected failure was reported", mk->name);
        ck_assert_msg(genre__alloc_live() == live0, "%s leaks %ld block(s)", mk->name,
                      genre__alloc_live() - live0);
    }
    fixtures_free();
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("core_out_null");
    TCase *tc = tcase_create("out_null");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_out_is_null_after_a_failed_allocation);
    suite_add_tcase(suite, tc);
    return genre_test_run(suite);
}
