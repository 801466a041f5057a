/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The preparation's statistics over a stream (genre_dataset_prep_partial,
 * issue 19 item 2): chunks of 1, 7, 1,000 and all rows, in passes, fit the
 * same preparation as genre_dataset_prep_fit_apply() on all rows (compared
 * by their saved bytes: categories and codes, means, most frequent values,
 * medians and group medians), on the reference table and on a small table
 * with categoricals; many passes when brackets are forced small; merges,
 * save/load between passes, damaged states refused, the documented errors.
 */
#include "harness.h"

#include "alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern size_t genre__prep_partial_buf_cap;

typedef void (*steps_fn)(genre_dataset_prep *p);

static void *saved(const genre_dataset_prep *p, size_t *n)
{
    ck_assert_status(genre_dataset_prep_save_to_memory(p, NULL, 0, n), GENRE_E_BUFFER_TOO_SMALL);
    void *b = malloc(*n);
    ck_assert_ptr_nonnull(b);
    ck_assert_ok(genre_dataset_prep_save_to_memory(p, b, *n, n));
    return b;
}

static void *state_bytes(const genre_dataset_prep_partial *p, size_t *n)
{
    ck_assert_status(genre_dataset_prep_partial_save_to_memory(p, NULL, 0, n),
                     GENRE_E_BUFFER_TOO_SMALL);
    void *b = malloc(*n);
    ck_assert_ptr_nonnull(b);
    ck_assert_ok(genre_dataset_prep_partial_save_to_memory(p, b, *n, n));
    return b;
}

/* Reloads the state through its bytes (what a worker receives). */
static genre_dataset_prep_partial *round_trip(genre_dataset_prep_partial *p)
{
    size_t n;
    void *b = state_bytes(p, &n);
    genre_dataset_prep_partial *q = NULL;
    ck_assert_ok(genre_dataset_prep_partial_load_from_memory(&q, b, n));
    size_t m;
    void *c = state_bytes(q, &m);
    ck_assert_uint_eq(n, m);
    ck_assert_int_eq(memcmp(b, c, n), 0);
    free(b);
    free(c);
    genre_dataset_prep_partial_free(p);
    return q;
}

/* The fit_apply reference: the prep's saved bytes. */
static void *reference(const genre_dataset_schema *s, const char *path, steps_fn steps,
                       size_t *n)
{
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read(&ds, s, path));
    ck_assert_ok(genre_dataset_drop_empty_rows(ds));
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    steps(p);
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    void *b = saved(p, n);
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    return b;
}

/* Streams the file in chunks of `chunk` rows, in passes; `ways` states per
 * pass (chunks dealt round-robin; merged in order; pass states shipped by
 * save/load when reload). Returns the fitted prep's bytes and the passes. */
static void *streamed(const genre_dataset_schema *s, const char *path, steps_fn steps,
                      size_t chunk, int ways, int reload, size_t *n, int *passes)
{
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    steps(p);
    genre_dataset_prep_partial *st = NULL;
    ck_assert_ok(genre_dataset_prep_partial_create(&st, p));
    int more = 1;
    *passes = 0;
    while (more) {
        genre_dataset_prep_partial *w[3] = {st, NULL, NULL};
        size_t nb;
        void *b = ways > 1 ? state_bytes(st, &nb) : NULL;
        for (int k = 1; k < ways; k++)
            ck_assert_ok(genre_dataset_prep_partial_load_from_memory(&w[k], b, nb));
        free(b);
        genre_dataset_reader *r = NULL;
        ck_assert_ok(genre_dataset_reader_open(&r, s, path));
        genre_dataset *ds = NULL;
        /* contiguous blocks per worker, so merging in order keeps row order */
        size_t i = 0;
        genre_dataset **held = NULL;
        size_t n_held = 0;
        for (;;) {
            ck_assert_ok(genre_dataset_reader_next(r, chunk, &ds));
            if (!ds)
                break;
            ck_assert_ok(genre_dataset_drop_empty_rows(ds));
            held = realloc(held, (n_held + 1) * sizeof *held);
            held[n_held++] = ds;
        }
        genre_dataset_reader_free(r);
        for (i = 0; i < n_held; i++) {
            int k = (int)(i * (size_t)ways / n_held);
            ck_assert_ok(genre_dataset_prep_partial_add(w[k], held[i]));
            genre_dataset_free(held[i]);
        }
        free(held);
        for (int k = 1; k < ways; k++) {
            if (reload)
                w[k] = round_trip(w[k]);
            ck_assert_ok(genre_dataset_prep_partial_merge(st, w[k]));
            genre_dataset_prep_partial_free(w[k]);
        }
        if (reload)
            st = round_trip(st);
        ck_assert_ok(genre_dataset_prep_partial_end_pass(st, &more));
        (*passes)++;
        ck_assert_int_le(*passes, 5);
    }
    if (reload)
        st = round_trip(st);
    ck_assert_ok(genre_dataset_prep_fit_partial(p, st));
    genre_dataset_prep_partial_free(st);
    void *out = saved(p, n);
    genre_dataset_prep_free(p);
    return out;
}

/* The streamed fit's bytes equal the reference's (fit_apply's bytes, taken
 * once per table and steps: they do not depend on the chunks, workers or
 * the partial state's buffer cap). */
static void same_fit(const genre_dataset_schema *s, const char *path, steps_fn steps,
                     const void *ref, size_t nref, size_t chunk, int ways, int reload,
                     int min_passes)
{
    size_t nb;
    int passes = 0;
    void *b = streamed(s, path, steps, chunk, ways, reload, &nb, &passes);
    ck_assert_uint_eq(nref, nb);
    ck_assert_msg(memcmp(ref, b, nref) == 0, "chunk %zu, %d ways: the fitted preps differ",
                  chunk, ways);
    ck_assert_int_ge(passes, min_passes);
    free(b);
}

/* ---- A small table with categoricals, groups, ties, markers -------------------- */

static char small_path[64];

static genre_dataset_schema *small_schema(void)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "g", GENRE_COL_GROUP));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "z", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "w", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "v", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "c", GENRE_COL_CATEGORICAL));
    ck_assert_ok(genre_dataset_schema_add_column(s, "d", GENRE_COL_CATEGORICAL));
    ck_assert_ok(genre_dataset_schema_add_column(s, "y", GENRE_COL_LABEL));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, NULL, ""));
    ck_assert_ok(genre_dataset_schema_add_missing_value(s, "x", -1));
    ck_assert_ok(genre_dataset_schema_set_no_group(s, "none"));
    const char *order[] = {"lo", "mid", "hi"};
    ck_assert_ok(genre_dataset_schema_set_category_order(s, "d", order, 3));
    return s;
}

static void small_steps(genre_dataset_prep *p)
{
    ck_assert_ok(genre_dataset_prep_add_group_median(p, "x"));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "z", GENRE_IMPUTE_MEDIAN));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "w", GENRE_IMPUTE_MEAN));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "v", GENRE_IMPUTE_MOST_FREQUENT));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "c", GENRE_IMPUTE_MOST_FREQUENT));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "d", GENRE_IMPUTE_MOST_FREQUENT));
}

/* 3,001 rows: 40 groups (and "none"), negative and tied values, -0.0,
 * huge and tiny magnitudes, missing cells, blank records. */
static void write_small(void)
{
    snprintf(small_path, sizeof small_path, "/tmp/genre_stream_prep_XXXXXX");
    int fd = mkstemp(small_path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "g,x,z,w,v,c,d,y\n");
    uint64_t s = 99;
    const char *cats[] = {"kiwi", "apple", "fig", "Banana", "date"};
    const char *ds[] = {"hi", "lo", "mid"};
    for (int i = 0; i < 3001; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        unsigned u = (unsigned)(s >> 33);
        if (i % 97 == 50) {
            fprintf(f, ",,,,,,,\n");
            continue;
        }
        char g[16];
        if (u % 11 == 0)
            snprintf(g, sizeof g, "none");
        else
            snprintf(g, sizeof g, "g%u", (u >> 4) % 40);
        double x = (u % 7 == 0) ? -1 : ((double)((u >> 8) % 1000) - 300.0) / 8.0;
        double z = (u % 5 == 0) ? -0.0 : ldexp((double)((u >> 10) % 999) - 500.0, (int)((u >> 3) % 60) - 30);
        fprintf(f, "%s,%.17g,", g, x);
        if (u % 13 == 0)
            fprintf(f, ",");
        else
            fprintf(f, "%.17g,", z);
        if (u % 9 == 0)
            fprintf(f, ",");
        else
            fprintf(f, "%.17g,", 0.1 * (double)((u >> 12) % 1000) + 1e6);
        if (u % 6 == 0)
            fprintf(f, ",");
        else
            fprintf(f, "%d,", (int)((u >> 14) % 9) - 4);
        fprintf(f, "%s,%s,%s\n", (u % 17 == 0) ? "" : cats[(u >> 5) % 5],
                (u % 19 == 0) ? "" : ds[(u >> 6) % 3], (u >> 7) % 2 ? "P" : "Q");
    }
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(small_table_chunks)
{
    static const size_t chunks[] = {1, 7, 1000, 100000};
    genre_dataset_schema *s = small_schema();
    write_small();
    size_t nref;
    void *ref = reference(s, small_path, small_steps, &nref);
    for (size_t i = 0; i < 4; i++)
        same_fit(s, small_path, small_steps, ref, nref, chunks[i], 1, 0, 1);
    free(ref);
    genre_dataset_schema_free(s);
    unlink(small_path);
}
END_TEST

/* Brackets of at most 8 values: histograms, every pass up to 4, merges of
 * three workers per pass shipped through save/load. */
START_TEST(small_table_many_passes)
{
    genre_dataset_schema *s = small_schema();
    write_small();
    size_t nref;
    void *ref = reference(s, small_path, small_steps, &nref);
    size_t cap = genre__prep_partial_buf_cap;
    genre__prep_partial_buf_cap = 8;
    same_fit(s, small_path, small_steps, ref, nref, 7, 1, 0, 3);
    same_fit(s, small_path, small_steps, ref, nref, 1000, 3, 1, 3);
    same_fit(s, small_path, small_steps, ref, nref, 100000, 2, 1, 3);
    genre__prep_partial_buf_cap = cap;
    free(ref);
    genre_dataset_schema_free(s);
    unlink(small_path);
}
END_TEST

/* ---- The reference table ------------------------------------------------------- */

static void reference_steps(genre_dataset_prep *p)
{
    ck_assert_ok(genre_dataset_prep_add_group_median(p, "duration_ms"));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "popularity", GENRE_IMPUTE_MOST_FREQUENT));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "danceability", GENRE_IMPUTE_MEAN));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "tempo", GENRE_IMPUTE_MEDIAN));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "loudness", GENRE_IMPUTE_MEDIAN));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "key", GENRE_IMPUTE_MOST_FREQUENT));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "mode", GENRE_IMPUTE_MOST_FREQUENT));
}

START_TEST(reference_table_chunks)
{
    static const size_t chunks[] = {1, 7, 1000, 100000};
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create_music_genre(&s));
    const char *path = genre_test_source_path("data/music_genre.csv.gz");
    size_t i = (size_t)_i, nref;
    void *ref = reference(s, path, reference_steps, &nref);
    same_fit(s, path, reference_steps, ref, nref, chunks[i], 1, 0, 1);
    if (i == 2) { /* forced multi-pass, merged workers, shipped states */
        size_t cap = genre__prep_partial_buf_cap;
        genre__prep_partial_buf_cap = 64;
        same_fit(s, path, reference_steps, ref, nref, chunks[i], 3, 1, 2);
        genre__prep_partial_buf_cap = cap;
    }
    free(ref);
    genre_dataset_schema_free(s);
}
END_TEST

/* ---- Refusals and errors ------------------------------------------------------- */

static genre_status fake_fit(void *u, const double *x, size_t n, size_t d, const double *y)
{
    (void)u, (void)x, (void)n, (void)d, (void)y;
    return 0;
}
static genre_status fake_predict(void *u, const double *x, size_t n, size_t d, double *y)
{
    (void)u, (void)x, (void)d;
    for (size_t i = 0; i < n; i++)
        y[i] = 0;
    return 0;
}

START_TEST(refusals)
{
    genre_dataset_schema *s = small_schema();
    genre_dataset_prep *p = NULL;
    genre_dataset_prep_partial *st = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    const char *f[] = {"z"};
    ck_assert_ok(genre_dataset_prep_add_model_impute(p, "x", f, 1, fake_fit, fake_predict, NULL));
    ck_assert_status(genre_dataset_prep_partial_create(&st, p), GENRE_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_dataset_prep_partial_create"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "impute_model of 'x'"));
    ck_assert_ptr_null(st);
    genre_dataset_prep_free(p);

    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "z", GENRE_IMPUTE_MEDIAN));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "z", GENRE_IMPUTE_MEAN));
    ck_assert_status(genre_dataset_prep_partial_create(&st, p), GENRE_E_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "same column"));
    genre_dataset_prep_free(p);

    /* no observed value: end of pass 1, as fit_apply */
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "z", GENRE_IMPUTE_MEDIAN));
    ck_assert_ok(genre_dataset_prep_partial_create(&st, p));
    genre_dataset *ds = NULL;
    const char *csv = "g,x,z,w,v,c,d,y\na,1,,1,1,kiwi,lo,P\n";
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), "t.csv"));
    ck_assert_ok(genre_dataset_prep_partial_add(st, ds));
    int more = 7;
    ck_assert_status(genre_dataset_prep_fit_partial(p, st), GENRE_E_BAD_STATE);
    ck_assert_status(genre_dataset_prep_partial_end_pass(st, &more), GENRE_E_BAD_STATE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "impute_median of 'z'"));
    genre_dataset_prep_partial_free(st);

    /* other schema, blank records, unseen declared category, bad args */
    ck_assert_ok(genre_dataset_prep_partial_create(&st, p));
    genre_dataset_schema *s2 = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s2));
    ck_assert_ok(genre_dataset_schema_add_column(s2, "z", GENRE_COL_NUMERIC));
    genre_dataset *other = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&other, s2, "z\n1\n", 4, "o.csv"));
    ck_assert_status(genre_dataset_prep_partial_add(st, other), GENRE_E_SHAPE);
    genre_dataset_free(other);
    genre_dataset_schema_free(s2);
    genre_dataset *blank = NULL;
    const char *bcsv = "g,x,z,w,v,c,d,y\na,1,2,1,1,kiwi,lo,P\n,,,,,,,\n";
    ck_assert_ok(genre_dataset_read_from_memory(&blank, s, bcsv, strlen(bcsv), "b.csv"));
    ck_assert_status(genre_dataset_prep_partial_add(st, blank), GENRE_E_BAD_STATE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "b.csv:3"));
    genre_dataset_free(blank);
    ck_assert_status(genre_dataset_prep_partial_add(NULL, ds), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_prep_partial_add(st, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_prep_partial_merge(st, st), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_prep_partial_end_pass(st, NULL), GENRE_E_INVALID_ARG);
    genre_dataset_prep_partial_free(st);
    genre_dataset_free(ds);

    /* states of other preps, other passes; a prep fitted already */
    genre_dataset_prep *q = NULL;
    genre_dataset_prep_partial *a = NULL, *b = NULL;
    ck_assert_ok(genre_dataset_prep_create(&q, s));
    ck_assert_ok(genre_dataset_prep_add_impute(q, "x", GENRE_IMPUTE_MEDIAN));
    ck_assert_ok(genre_dataset_prep_partial_create(&a, p));
    ck_assert_ok(genre_dataset_prep_partial_create(&b, q));
    ck_assert_status(genre_dataset_prep_partial_merge(a, b), GENRE_E_SHAPE);
    ds = NULL;
    const char *ok = "g,x,z,w,v,c,d,y\na,1,2,1,1,kiwi,lo,P\n";
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, ok, strlen(ok), "k.csv"));
    ck_assert_ok(genre_dataset_prep_partial_add(b, ds));
    ck_assert_ok(genre_dataset_prep_partial_end_pass(b, &more));
    ck_assert_int_eq(more, 0);
    ck_assert_status(genre_dataset_prep_partial_add(b, ds), GENRE_E_BAD_STATE);
    ck_assert_status(genre_dataset_prep_partial_end_pass(b, &more), GENRE_E_BAD_STATE);
    ck_assert_status(genre_dataset_prep_fit_partial(p, b), GENRE_E_SHAPE);
    ck_assert_status(genre_dataset_prep_fit_partial(q, a), GENRE_E_BAD_STATE); /* passes left */
    ck_assert_ok(genre_dataset_prep_fit_partial(q, b));
    ck_assert_status(genre_dataset_prep_fit_partial(q, b), GENRE_E_BAD_STATE);
    genre_dataset_prep_partial_free(a);
    ck_assert_status(genre_dataset_prep_partial_create(&a, q), GENRE_E_BAD_STATE);
    ck_assert_ptr_null(a);
    genre_dataset_free(ds);
    genre_dataset_prep_partial_free(b);
    genre_dataset_prep_free(q);
    genre_dataset_prep_free(p);
    genre_dataset_schema_free(s);
}
END_TEST

static void z_median_steps(genre_dataset_prep *p)
{
    ck_assert_ok(genre_dataset_prep_add_impute(p, "z", GENRE_IMPUTE_MEDIAN));
}

/* The small table (written by write_small) read whole, blank rows dropped
 * (*ds), a prep with steps (*p), and its partial state (*st) after adding
 * the table and ending pass 1; whether end_pass asks for another pass. */
static int small_first_pass(const genre_dataset_schema *s, steps_fn steps, genre_dataset_prep **p,
                            genre_dataset_prep_partial **st, genre_dataset **ds)
{
    ck_assert_ok(genre_dataset_prep_create(p, s));
    steps(*p);
    ck_assert_ok(genre_dataset_prep_partial_create(st, *p));
    ck_assert_ok(genre_dataset_read(ds, s, small_path));
    ck_assert_ok(genre_dataset_drop_empty_rows(*ds));
    ck_assert_ok(genre_dataset_prep_partial_add(*st, *ds));
    int more = 0;
    ck_assert_ok(genre_dataset_prep_partial_end_pass(*st, &more));
    return more;
}

/* A later pass fed fewer rows than pass 1 is refused, not read past. */
START_TEST(later_pass_other_rows)
{
    genre_dataset_schema *s = small_schema();
    write_small();
    size_t cap = genre__prep_partial_buf_cap;
    genre__prep_partial_buf_cap = 8;
    genre_dataset_prep *p = NULL;
    genre_dataset_prep_partial *st = NULL;
    genre_dataset *ds = NULL;
    int more = small_first_pass(s, z_median_steps, &p, &st, &ds);
    ck_assert_int_eq(more, 1);
    const char *csv = "g,x,z,w,v,c,d,y\na,1,2,1,1,kiwi,lo,P\n";
    genre_dataset *one = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&one, s, csv, strlen(csv), "t.csv"));
    ck_assert_ok(genre_dataset_prep_partial_add(st, one));
    ck_assert_status(genre_dataset_prep_partial_end_pass(st, &more), GENRE_E_BAD_STATE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "same rows"));
    genre__prep_partial_buf_cap = cap;
    genre_dataset_free(one);
    genre_dataset_free(ds);
    genre_dataset_prep_partial_free(st);
    genre_dataset_prep_free(p);
    genre_dataset_schema_free(s);
    unlink(small_path);
}
END_TEST

/* Every truncation and every single-byte change of a saved state (one in
 * pass 2, with histograms) is refused or loads to a valid state; the
 * container's checksum refuses flips, so the body is also checked by
 * loading crafted bodies through the fuzz target's seed. */
START_TEST(damaged_states)
{
    genre_dataset_schema *s = small_schema();
    write_small();
    size_t cap = genre__prep_partial_buf_cap;
    genre__prep_partial_buf_cap = 8;
    genre_dataset_prep *p = NULL;
    genre_dataset_prep_partial *st = NULL;
    genre_dataset *ds = NULL;
    small_first_pass(s, small_steps, &p, &st, &ds);
    ck_assert_ok(genre_dataset_prep_partial_add(st, ds));
    size_t n;
    unsigned char *b = state_bytes(st, &n);
    genre_dataset_prep_partial *q = NULL;
    for (size_t len = 0; len < n; len += (len < 64 ? 1 : 97)) {
        ck_assert_int_ne(genre_dataset_prep_partial_load_from_memory(&q, b, len), GENRE_OK);
        ck_assert_ptr_null(q);
    }
    for (size_t i = 0; i < n; i += (i < 200 ? 1 : 211)) {
        b[i] ^= 0x41;
        genre_status r = genre_dataset_prep_partial_load_from_memory(&q, b, n);
        ck_assert_int_ne(r, GENRE_OK);
        ck_assert_ptr_null(q);
        b[i] ^= 0x41;
    }
    ck_assert_ok(genre_dataset_prep_partial_load_from_memory(&q, b, n));
    genre_dataset_prep_partial_free(q);
    ck_assert_status(genre_dataset_prep_partial_load_from_memory(NULL, b, n), GENRE_E_INVALID_ARG);
    /* a saved preparation is another kind */
    size_t pn;
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    void *pb = saved(p, &pn);
    ck_assert_status(genre_dataset_prep_partial_load_from_memory(&q, pb, pn), GENRE_E_MODEL_KIND);
    free(pb);
    free(b);
    genre__prep_partial_buf_cap = cap;
    genre_dataset_free(ds);
    genre_dataset_prep_partial_free(st);
    genre_dataset_prep_free(p);
    genre_dataset_schema_free(s);
    unlink(small_path);
}
END_TEST

/* ---- Allocation failures ------------------------------------------------------- */

struct walk_ctx {
    genre_dataset_schema *s;
    genre_dataset *half[2];
};

/* Two workers, a merge, a round trip per pass, histograms (brackets of 4),
 * the fit: every failing allocation ends in GENRE_E_NOMEM, nothing leaks. */
static genre_status scenario(void *ctx)
{
    struct walk_ctx *w = ctx;
    genre_dataset_prep *p = NULL;
    genre_dataset_prep_partial *a = NULL, *b = NULL, *c = NULL;
    static unsigned char buf[1 << 22];
    size_t n = 0;
    int more = 1;
    genre_status st = genre_dataset_prep_create(&p, w->s);
#define T(call)                                                                          \
    do {                                                                                 \
        if (st == GENRE_OK)                                                              \
            st = (call);                                                                 \
    } while (0)
    T(genre_dataset_prep_add_group_median(p, "x"));
    T(genre_dataset_prep_add_impute(p, "z", GENRE_IMPUTE_MEDIAN));
    T(genre_dataset_prep_add_impute(p, "w", GENRE_IMPUTE_MEAN));
    T(genre_dataset_prep_add_impute(p, "v", GENRE_IMPUTE_MOST_FREQUENT));
    T(genre_dataset_prep_add_impute(p, "c", GENRE_IMPUTE_MOST_FREQUENT));
    T(genre_dataset_prep_add_impute(p, "d", GENRE_IMPUTE_MOST_FREQUENT));
    T(genre_dataset_prep_partial_create(&a, p));
    while (st == GENRE_OK && more) {
        T(genre_dataset_prep_partial_save_to_memory(a, buf, sizeof buf, &n));
        T(genre_dataset_prep_partial_load_from_memory(&b, buf, n));
        T(genre_dataset_prep_partial_add(a, w->half[0]));
        T(genre_dataset_prep_partial_add(b, w->half[1]));
        T(genre_dataset_prep_partial_merge(a, b));
        genre_dataset_prep_partial_free(b);
        b = NULL;
        T(genre_dataset_prep_partial_save_to_memory(a, buf, sizeof buf, &n));
        T(genre_dataset_prep_partial_load_from_memory(&c, buf, n));
        genre_dataset_prep_partial_free(a);
        a = c;
        c = NULL;
        T(genre_dataset_prep_partial_end_pass(a, &more));
    }
    T(genre_dataset_prep_fit_partial(p, a));
#undef T
    genre_dataset_prep_partial_free(a);
    genre_dataset_prep_partial_free(b);
    genre_dataset_prep_free(p);
    return st;
}

START_TEST(allocation_failures)
{
    struct walk_ctx w;
    w.s = small_schema();
    static const char *cats[] = {"kiwi", "apple", "fig"}, *ds3[] = {"hi", "lo", "mid"};
    for (int h = 0; h < 2; h++) {
        char text[8192];
        size_t len = (size_t)snprintf(text, sizeof text, "g,x,z,w,v,c,d,y\n");
        for (int i = 0; i < 40; i++) {
            int k = 40 * h + i;
            char z[32] = "";
            if (k % 9)
                snprintf(z, sizeof z, "%g", k * 0.25);
            len += (size_t)snprintf(text + len, sizeof text - len, "g%d,%d,%s,%d,%d,%s,%s,%s\n",
                                    k % 3, (k * 37) % 101 - 1, z,
                                    k % 5, k % 4, cats[k % 3], ds3[(k / 3) % 3],
                                    k % 2 ? "P" : "Q");
        }
        ck_assert_ok(genre_dataset_read_from_memory(&w.half[h], w.s, text, len, "walk.csv"));
    }
    size_t cap = genre__prep_partial_buf_cap;
    genre__prep_partial_buf_cap = 4;
    ck_assert_int_gt(genre_test_alloc_walk(scenario, &w), 50);
    genre__prep_partial_buf_cap = cap;
    genre_dataset_free(w.half[0]);
    genre_dataset_free(w.half[1]);
    genre_dataset_schema_free(w.s);
}
END_TEST

/* The fuzz target's seeds (tests/fuzz/corpus/dataset_prep_partial_load/):
 * a state in pass 1 and a finished one, written when GENRE_WRITE_FUZZ_SEEDS
 * is set, else checked to load. */
START_TEST(fuzz_seeds)
{
    genre_dataset_schema *s = small_schema();
    genre_dataset_prep *p = NULL;
    genre_dataset_prep_partial *st = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    small_steps(p);
    ck_assert_ok(genre_dataset_prep_partial_create(&st, p));
    const char *csv = "g,x,z,w,v,c,d,y\na,1,2,3,4,kiwi,lo,P\nb,5,,7,4,fig,hi,Q\n"
                      "a,-1,0.5,2,1,,mid,P\nnone,8,3,,2,fig,,Q\n";
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), "seed.csv"));
    ck_assert_ok(genre_dataset_prep_partial_add(st, ds));
    for (int k = 0; k < 2; k++) {
        if (k == 1) {
            int more = 1;
            ck_assert_ok(genre_dataset_prep_partial_end_pass(st, &more));
            ck_assert_int_eq(more, 0);
        }
        size_t n;
        unsigned char *b = state_bytes(st, &n);
        char rel[96];
        snprintf(rel, sizeof rel, "tests/fuzz/corpus/dataset_prep_partial_load/%s.genre",
                 k ? "done" : "pass1");
        const char *path = genre_test_source_path(rel);
        if (getenv("GENRE_WRITE_FUZZ_SEEDS")) {
            FILE *f = fopen(path, "wb");
            ck_assert_ptr_nonnull(f);
            ck_assert_uint_eq(fwrite(b, 1, n, f), n);
            ck_assert_int_eq(fclose(f), 0);
        } else {
            FILE *f = fopen(path, "rb");
            ck_assert_ptr_nonnull(f);
            unsigned char *c = malloc(n + 1);
            ck_assert_uint_eq(fread(c, 1, n + 1, f), n);
            fclose(f);
            ck_assert_int_eq(memcmp(b, c, n), 0);
            free(c);
        }
        free(b);
    }
    genre_dataset_free(ds);
    genre_dataset_prep_partial_free(st);
    genre_dataset_prep_free(p);
    genre_dataset_schema_free(s);
}
END_TEST

/* A group median over many groups grows its per-group medians by doubling,
 * in a chunk and in a merge: allocations counted, so a build whose realloc
 * grows in place cannot hide one realloc per new group (O(groups^2) copying
 * where it cannot). Each group's first value allocates its own buffer. */
START_TEST(many_groups_do_not_realloc_each)
{
    enum { N = 5000 };
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "g", GENRE_COL_GROUP));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    size_t cap = 16 + (size_t)N * 24, len = 0;
    char *csv = malloc(cap);
    ck_assert_ptr_nonnull(csv);
    len += (size_t)snprintf(csv, cap, "g,x\n");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(csv + len, cap - len, "g%d,%d\n", i, i % 7);
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, len, "groups.csv"));
    genre_dataset_prep *p = NULL;
    genre_dataset_prep_partial *a = NULL, *b = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_group_median(p, "x"));
    ck_assert_ok(genre_dataset_prep_partial_create(&a, p));
    ck_assert_ok(genre_dataset_prep_partial_create(&b, p));
    genre__alloc_fail_at(0); /* counts from here */
    ck_assert_ok(genre_dataset_prep_partial_add(a, ds));
    long add = genre__alloc_attempts();
    genre__alloc_fail_at(0);
    ck_assert_ok(genre_dataset_prep_partial_merge(b, a));
    long merge = genre__alloc_attempts();
    ck_assert_msg(add < N + 200, "adding %d groups took %ld allocations", N, add);
    ck_assert_msg(merge < N + 200, "merging %d groups took %ld allocations", N, merge);
    /* and the medians are the groups' values */
    int more = 1;
    while (more)
        ck_assert_ok(genre_dataset_prep_partial_end_pass(b, &more));
    ck_assert_ok(genre_dataset_prep_fit_partial(p, b));
    genre_dataset_prep_partial_free(a);
    genre_dataset_prep_partial_free(b);
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    free(csv);
    genre_dataset_schema_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stream_prep");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 600);
    tcase_add_test(t, small_table_chunks);
    tcase_add_test(t, small_table_many_passes);
    tcase_add_loop_test(t, reference_table_chunks, 0, 4);
    tcase_add_test(t, refusals);
    tcase_add_test(t, later_pass_other_rows);
    tcase_add_test(t, damaged_states);
    tcase_add_test(t, allocation_failures);
    tcase_add_test(t, fuzz_seeds);
    tcase_add_test(t, many_groups_do_not_realloc_each);
    suite_add_tcase(s, t);
    return genre_test_run(s);
}
