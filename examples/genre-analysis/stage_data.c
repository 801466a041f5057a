/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The data stage: read the table (built-in schema or --schema FILE), drop
 * empty rows, split (stratified or --split-file), impute in the order asked
 * for and count both orders, export the matrices (stage_data()). */
#define _XOPEN_SOURCE 700

#include "analysis.h"
#include "schema_file.h"
#include "split_file.h"

#include <stdlib.h>

/* --split-file: the library's split from the file's assignments, one per
 * row of ds (blank rows already dropped), so the sides keep the input's name
 * and real line numbers for every later message. */
static int split_by_file(run *r, const genre_dataset *ds, genre_dataset_split **split,
                         genre_dataset **tr, genre_dataset **te)
{
    char *text = NULL;
    size_t text_len = 0;
    unsigned char *sides = NULL;
    size_t n_sides = 0;
    int64_t rows = 0;
    int rc = -1;
    if (split_file_read(r->opt.split_file, &text, &text_len)) {
        snprintf(r->error, sizeof r->error, "cannot read the split file %s",
                 r->opt.split_file);
        goto done;
    }
    if (split_file_parse(text, text_len, r->opt.split_file, &sides, &n_sides,
                         r->error, sizeof r->error))
        goto done;
    genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows);
    if (n_sides != (size_t)rows) {
        snprintf(r->error, sizeof r->error,
                 "the split file %.300s has %zu assignments (lines after its header) but "
                 "%.300s has %lld non-empty rows: it needs one 0/1 line per row",
                 r->opt.split_file, n_sides, r->data_path, (long long)rows);
        goto done;
    }
    genre_status st = genre_dataset_split_from_mask(split, ds, sides, n_sides);
    if (!st)
        st = genre_dataset_subset(tr, ds, *split, GENRE_SPLIT_TRAIN);
    if (!st)
        st = genre_dataset_subset(te, ds, *split, GENRE_SPLIT_TEST);
    if (st) {
        snprintf(r->error, sizeof r->error, "%s", genre_last_error());
        goto done;
    }
    rc = 0;
done:
    free(text), free(sides);
    return rc;
}

static int export_side(run *r, const genre_dataset *ds, double **x, int32_t **y, size_t *n)
{
    int64_t rows = 0;
    genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows);
    *n = (size_t)rows;
    *x = xcalloc(*n * NF, sizeof **x);
    *y = xcalloc(*n, sizeof **y);
    if (!*x || !*y)
        return GENRE_E_NOMEM;
    genre_status st = genre_dataset_export_matrix(ds, FEAT, NF, *x, *n * NF, NULL);
    if (!st)
        st = genre_dataset_export_labels(ds, *y, *n, NULL);
    (void)r;
    return st;
}

static void read_prep_counts(run *r, const genre_dataset *ds, int side)
{
    int64_t v;
    if (!genre_dataset_report_value(ds, "group_median", "duration_ms", "from_group", &v))
        r->dur_from_group[side] = v;
    if (!genre_dataset_report_value(ds, "group_median", "duration_ms", "from_global", &v))
        r->dur_from_global[side] = v;
    if (!genre_dataset_report_value(ds, r->tempo_mlp ? "impute_model" : "impute_median",
                                    "tempo", "imputed", &v))
        r->tempo_imputed[side] = v;
}

/* The same counts for the other order (median tempo preparation). */
static void read_alt_counts(run *r, const genre_dataset *ds, int side)
{
    int64_t v;
    if (!genre_dataset_report_value(ds, "group_median", "duration_ms", "from_group", &v))
        r->alt_dur_from_group[side] = v;
    if (!genre_dataset_report_value(ds, "group_median", "duration_ms", "from_global", &v))
        r->alt_dur_from_global[side] = v;
    if (!genre_dataset_report_value(ds, "impute_median", "tempo", "imputed", &v))
        r->alt_tempo_imputed[side] = v;
}

/* Reads --schema FILE (schema_file.c) and checks that it declares what the
 * analysis needs: the 13 features under their reference names, a label and
 * a group column. 0, or -1 with a message naming the file, line and token
 * in r->error. */
static int read_schema_file(run *r, const char *path, genre_dataset_schema **out)
{
    schema_file_need needs[NF];
    for (int j = 0; j < NF; j++) {
        needs[j].name = FEAT[j];
        needs[j].role =
            (j == KEY_COL || j == MODE_COL) ? GENRE_COL_CATEGORICAL : GENRE_COL_NUMERIC;
    }
    schema_file_info info;
    if (schema_file_read(path, needs, NF, out, &info, r->error, sizeof r->error))
        return -1;
    snprintf(r->label_col, sizeof r->label_col, "%s", info.label_col);
    snprintf(r->group_col, sizeof r->group_col, "%s", info.group_col);
    return 0;
}

int stage_data(run *r)
{
    stage *s = stage_begin(r, "load, clean, split, impute");
    bar b;
    bar_start(&b, "load + impute");
    genre_dataset_schema *schema = NULL;
    genre_dataset *ds = NULL, *tr = NULL, *te = NULL;
    genre_dataset_prep *prep = NULL, *alt = NULL;
    genre_dataset_split *split = NULL, *all_split = NULL;
    genre_dataset *all = NULL;
    tempo_model tm = {.r = r, .bar = &b};
    genre_status st;
    const char *what = "read";
    r->tempo_mlp = !r->opt.tempo_median && !r->opt.no_mlp;
    if (r->opt.schema) {
        if (read_schema_file(r, r->opt.schema, &schema)) {
            bar_end(&b, "stopped");
            r->failed = 1;
            stage_note(s, "%s", r->error);
            stage_end(s, ST_FAILED);
            goto cleanup;
        }
    } else if ((st = genre_dataset_schema_create_music_genre(&schema))) {
        goto fail;
    }
    if (r->opt.threads)
        genre_dataset_schema_set_i64(schema, GENRE_SCHEMA_THREADS, r->opt.threads);
    if ((st = genre_dataset_read_file(&ds, schema, r->data_path)))
        goto fail;
    genre_dataset_report_value(ds, "read", NULL, "rows", &r->rows_read);
    genre_dataset_report_value(ds, "read", NULL, "blank_rows", &r->blank_rows);
    genre_dataset_report_value(ds, "read", "duration_ms", "missing", &r->missing_duration);
    genre_dataset_report_value(ds, "read", "tempo", "missing", &r->missing_tempo);
    genre_dataset_report_value(ds, "read", r->group_col, "groups", &r->groups);
    genre_dataset_report_value(ds, "read", r->group_col, "no_group_rows", &r->no_group_rows);
    what = "drop empty rows";
    if ((st = genre_dataset_drop_empty_rows(ds)))
        goto fail;
    genre_dataset_report_value(ds, "drop_empty_rows", NULL, "dropped", &r->dropped);
    genre_dataset_report_value(ds, "drop_empty_rows", NULL, "kept", &r->kept);
    bar_show(&b, 0.1);

    what = "preparation";
    if ((st = genre_dataset_prep_create(&prep, schema)) ||
        (st = genre_dataset_prep_add_group_median(prep, "duration_ms")))
        goto fail;
    if (r->tempo_mlp)
        st = genre_dataset_prep_add_model_impute(prep, "tempo", TEMPO_FEATURES, NF - 1, tempo_fit,
                                                 tempo_predict, &tm);
    else
        st = genre_dataset_prep_add_impute(prep, "tempo", GENRE_IMPUTE_MEDIAN);
    if (st)
        goto fail;

    if (r->opt.split_file) {
        what = "split file";
        if (r->opt.reference_order) {
            snprintf(r->error, sizeof r->error,
                     "--split-file and --reference-order cannot be combined");
            r->failed = 1;
            stage_note(s, "%s", r->error);
            stage_end(s, ST_FAILED);
            goto cleanup;
        }
        if (split_by_file(r, ds, &split, &tr, &te)) {
            r->failed = 1;
            stage_note(s, "%s", r->error);
            stage_end(s, ST_FAILED);
            goto cleanup;
        }
    } else {
        what = "split";
        if ((st = genre_dataset_split_stratified(&split, ds, REF_TEST_PER_CLASS, r->opt.seed)) ||
            (st = genre_dataset_subset(&tr, ds, split, GENRE_SPLIT_TRAIN)) ||
            (st = genre_dataset_subset(&te, ds, split, GENRE_SPLIT_TEST)))
            goto fail;
        if (!genre_dataset_leakage(ds, split, &r->shared_groups, &r->test_in_train_groups,
                                   &r->duplicate_rows))
            r->have_leak = 1;
    }
    bar_show(&b, 0.2);
    /* The report shows the imputation counts of both orders: the one run and
     * the other one, counted with a second preparation (artist-median
     * duration, median tempo: the counts do not depend on the tempo model). */
    what = "imputation counts of the other order";
    if ((st = genre_dataset_prep_create(&alt, schema)) ||
        (st = genre_dataset_prep_add_group_median(alt, "duration_ms")) ||
        (st = genre_dataset_prep_add_impute(alt, "tempo", GENRE_IMPUTE_MEDIAN)))
        goto fail;
    if (r->opt.reference_order) {
        /* the leak-free counts on the raw split, then the reference order:
         * impute over all rows, split again (same seed, same rows) */
        if ((st = genre_dataset_prep_fit_apply(alt, tr)))
            goto fail;
        read_alt_counts(r, tr, 0);
        if ((st = genre_dataset_prep_apply(alt, te)))
            goto fail;
        read_alt_counts(r, te, 1);
        genre_dataset_free(tr);
        genre_dataset_free(te);
        tr = te = NULL;
        what = "imputation over all rows (reference order)";
        if ((st = genre_dataset_prep_fit_apply(prep, ds)))
            goto fail;
        read_prep_counts(r, ds, 0);
        what = "split";
        if ((st = genre_dataset_subset(&tr, ds, split, GENRE_SPLIT_TRAIN)) ||
            (st = genre_dataset_subset(&te, ds, split, GENRE_SPLIT_TEST)))
            goto fail;
    } else {
        what = "imputation fit on the training rows";
        if ((st = genre_dataset_prep_fit_apply(prep, tr)))
            goto fail;
        read_prep_counts(r, tr, 0);
        what = "imputation applied to the test rows";
        if ((st = genre_dataset_prep_apply(prep, te)))
            goto fail;
        read_prep_counts(r, te, 1);
        /* on a copy of all rows (a split with no test rows; shuffled, which
         * the counts do not depend on), so that ds stays as loaded for the
         * name study, which imputes from its own training rows */
        what = "imputation counts of the reference order";
        if ((st = genre_dataset_split_stratified(&all_split, ds, 0, r->opt.seed)) ||
            (st = genre_dataset_subset(&all, ds, all_split, GENRE_SPLIT_TRAIN)) ||
            (st = genre_dataset_prep_fit_apply(alt, all)))
            goto fail;
        read_alt_counts(r, all, 0);
    }
    r->have_alt = 1;
    what = "genre names";
    int32_t n_classes = 0;
    if ((st = genre_dataset_prep_category_count(prep, r->label_col, &n_classes)))
        goto fail;
    if (n_classes != NC) {
        bar_end(&b, "stopped");
        snprintf(r->error, sizeof r->error,
                 "the label column '%s' has %lld classes; the analysis needs %d genres",
                 r->label_col, (long long)n_classes, NC);
        r->failed = 1;
        stage_note(s, "%s", r->error);
        stage_end(s, ST_FAILED);
        goto cleanup;
    }
    for (int k = 0; k < NC; k++) {
        if ((st = genre_dataset_prep_category_name(prep, r->label_col, k, r->genre[k],
                                                   sizeof r->genre[k], NULL)))
            goto fail;
        r->genre_ptr[k] = r->genre[k];
    }
    what = "export";
    if ((st = export_side(r, tr, &r->xtr, &r->ytr, &r->ntr)) ||
        (st = export_side(r, te, &r->xte, &r->yte, &r->nte)))
        goto fail;
    for (size_t i = 0; i < r->ntr; i++)
        if (r->ytr[i] >= 0 && r->ytr[i] < NC)
            r->train_per_class[r->ytr[i]]++;
    for (size_t i = 0; i < r->nte; i++)
        if (r->yte[i] >= 0 && r->yte[i] < NC)
            r->test_per_class[r->yte[i]]++;
    stage_note(s, "%zu train / %zu test rows", r->ntr, r->nte);
    stage_end(s, ST_DONE);
    bar_end(&b, "done");
    goto cleanup;
fail:
    bar_end(&b, "stopped");
    stage_fail(r, s, st, what);
cleanup:
    genre_mlp_free(tm.mlp);
    genre_dataset_split_free(split);
    genre_dataset_prep_free(prep);
    genre_dataset_prep_free(alt);
    genre_dataset_free(tr);
    genre_dataset_free(te);
    genre_dataset_free(all);
    genre_dataset_split_free(all_split);
    /* kept for the name study (with --reference-order imputed over all rows) */
    if (!stopping(r))
        r->ds = ds;
    else
        genre_dataset_free(ds);
    genre_dataset_schema_free(schema);
    return stopping(r) ? -1 : 0;
}
