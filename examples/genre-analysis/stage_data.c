/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The data stage: read the table (built-in schema or --schema FILE), drop
 * empty rows, split (the reference table's 500 per genre, a test fraction
 * of each class, or --split-file), impute in the order asked for (the
 * reference table: and count both orders), encode and export the matrices
 * (stage_data()). */
#define _XOPEN_SOURCE 700

#include "analysis.h"
#include "split_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* --split-file: the library's split from the file's assignments, one per
 * row of ds (blank rows already dropped), so the sides keep the input's name
 * and real line numbers for every later message. */
static int split_by_file(run *r, const genre_dataset *ds, const uint8_t *unlabelled,
                         size_t n_read, genre_dataset_split **split, genre_dataset **tr,
                         genre_dataset **te)
{
    char *text = NULL;
    size_t text_len = 0;
    unsigned char *sides = NULL;
    size_t n_sides = 0;
    int64_t rows = 0;
    int rc = -1;
    if (split_file_read(r->opt.split_file, &text, &text_len)) {
        snprintf(r->error, sizeof r->error, "cannot read the split file %s: %s",
                 r->opt.split_file, errno ? strerror(errno) : "not a readable file");
        goto done;
    }
    if (split_file_parse(text, text_len, r->opt.split_file, &sides, &n_sides,
                         r->error, sizeof r->error))
        goto done;
    genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows);
    if (unlabelled) {
        /* one line per non-empty row of the file; the unlabelled ones go */
        size_t o = 0;
        for (size_t i = 0; i < n_sides && i < n_read; i++)
            if (!unlabelled[i])
                sides[o++] = sides[i];
        if (n_sides == n_read)
            n_sides = o;
        else
            rows = (int64_t)n_read;
    }
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

/* The reference table's two imputers' counts in ds (tempo_step: the
 * report step of the tempo imputer that ran), added to c when add. */
static void read_ref_counts(const genre_dataset *ds, const char *tempo_step, ref_counts *c,
                            int add)
{
    int64_t v;
    if (!genre_dataset_report_value(ds, "group_median", REF_DURATION_COL, "from_group", &v))
        c->dur_from_group = v + (add ? c->dur_from_group : 0);
    if (!genre_dataset_report_value(ds, "group_median", REF_DURATION_COL, "from_global", &v))
        c->dur_from_global = v + (add ? c->dur_from_global : 0);
    if (!genre_dataset_report_value(ds, tempo_step, REF_TEMPO_COL, "imputed", &v))
        c->tempo_imputed = v + (add ? c->tempo_imputed : 0);
}

/* The counts of the run's preparation, and of the other order's (its
 * tempo by the median). */
static void read_prep_counts(run *r, const genre_dataset *ds, int side)
{
    read_ref_counts(ds, r->tempo_mlp ? "impute_model" : "impute_median", &r->ref_imp[side], 0);
}

static void read_alt_counts(run *r, const genre_dataset *ds, int side)
{
    read_ref_counts(ds, "impute_median", &r->alt_imp[side], 0);
}

/* Every column's filled cells on one side (side 0 with --reference-order:
 * all rows), from the preparation's report counters. Every missing cell of
 * an imputed column is filled, so its missing count is its filled count. */
static void read_column_counts(run *r, const genre_dataset *ds, int side, int add)
{
    static const struct {
        const char *step, *counter, *kind;
    } steps[] = {{"group_median", "from_group", "group-median"},
                 {"group_median", "from_global", "group-median"},
                 {"impute_median", "imputed", "median"},
                 {"impute_mean", "imputed", "mean"},
                 {"impute_model", "imputed", "model"},
                 {"impute_most_frequent", "imputed", "most-frequent"}};
    for (size_t i = 0; i < r->n_cols; i++) {
        table_col *c = &r->cols[i];
        int64_t sum = add ? c->filled_side[side] : 0, v;
        const char *kind = NULL;
        for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++)
            if (!genre_dataset_report_value(ds, steps[k].step, c->name, steps[k].counter, &v)) {
                sum += v;
                kind = kind ? kind : steps[k].kind;
            }
        c->filled_side[side] = c->missing_side[side] = sum;
        /* a user's table: the step that ran says how (the reference table's
         * two imputers are described where they are added) */
        if (!r->is_ref && kind && !c->impute[0])
            snprintf(c->impute, sizeof c->impute, "%s", kind);
    }
}

void data_count_imputed(run *r, const genre_dataset *ds, int side, int add)
{
    if (r->is_ref)
        read_ref_counts(ds, r->tempo_mlp ? "impute_model" : "impute_median", &r->ref_imp[side],
                        add);
    read_column_counts(r, ds, side, add);
}

/* The imputation steps: the reference table's two imputers, else what
 * the schema declares per column (genre_dataset_prep_add_declared(): by
 * default the median of a numeric column and the most frequent value of a
 * categorical one, fit on the training rows). A column declared
 * impute=model gets the MLP imputer when it is the only one (the hook has
 * one model for all such columns) and the run is not --stream, else the
 * median, with a warning. */
genre_status data_add_imputers(run *r, genre_dataset_prep *prep, tempo_model *tm)
{
    genre_status st = GENRE_OK;
    if (r->is_ref) {
        table_col *dur = table_column(r, REF_DURATION_COL), *tempo = table_column(r, REF_TEMPO_COL);
        snprintf(dur->impute, sizeof dur->impute, "artist median, else global median");
        snprintf(tempo->impute, sizeof tempo->impute, "%s",
                 r->tempo_mlp ? "MLP regressor 12-32-16-1" : "median");
        if ((st = genre_dataset_prep_add_group_median(prep, REF_DURATION_COL)))
            return st;
        if (r->tempo_mlp)
            return genre_dataset_prep_add_model_impute(prep, REF_TEMPO_COL, TEMPO_FEATURES,
                                                       NF - 1, tempo_fit, tempo_predict, tm);
        return genre_dataset_prep_add_impute(prep, REF_TEMPO_COL, GENRE_IMPUTE_MEDIAN);
    }
    int models = 0;
    const char *first = NULL;
    for (size_t i = 0; i < r->n_cols; i++)
        if (r->cols[i].declared_impute == GENRE_IMPUTE_MODEL && !models++)
            first = r->cols[i].name;
    if (models == 1 && !r->opt.no_mlp && !r->opt.stream)
        return genre_dataset_prep_add_declared(prep, tempo_fit, tempo_predict, tm);
    if (models)
        add_warning(r, "%d columns declare impute=model (the first: %s); %s: filled with the "
                       "median of the training rows instead",
                    models, first,
                    r->opt.no_mlp   ? "--no-mlp"
                    : r->opt.stream ? "--stream fits the imputation in passes, a model cannot"
                                    : "genre-analysis has one model imputer per table");
    st = genre_dataset_prep_add_declared(prep, NULL, NULL, NULL);
    return st;
}

/* The split of a user's table: a test fraction of each class, with
 * --group keeping each group on one side. */
static genre_status split_fraction(run *r, const genre_dataset *ds,
                                   const genre_dataset_schema *schema, genre_dataset_split **split)
{
    double f = r->opt.test_fraction > 0 ? r->opt.test_fraction : 0.2;
    if (r->opt.group) {
        snprintf(r->split_desc, sizeof r->split_desc,
                 "by group (%.100s), test fraction %g of each class", r->group_col, f);
        return split_groups(r, ds, schema, f, split);
    }
    snprintf(r->split_desc, sizeof r->split_desc, "stratified, test fraction %g", f);
    genre_status st = genre_dataset_split_stratified_fraction(split, ds, f, r->opt.seed);
    if (st == GENRE_E_INVALID_ARG)
        snprintf(r->error, sizeof r->error,
                 "%s. Remedy: more rows of that class, another --test-fraction, or a "
                 "--split-file that chooses the test rows",
                 genre_last_error());
    return st;
}

/* Each class needs two training rows (the LDA's within-class scatter) and
 * a test row (a split file may leave one out): said here, with the class's
 * name, rather than by a fit naming its internal class number. 0, or -1
 * with the class in r->error. */
static int check_classes(run *r)
{
    for (int k = 0; k < r->K; k++)
        if (r->train_per_class[k] < 2 || !r->test_per_class[k]) {
            snprintf(r->error, sizeof r->error,
                     "class '%s' of the label '%s' has %lld training and %lld test rows; "
                     "every class needs at least two training rows and one test row (more "
                     "rows of that class, another --test-fraction or --split-file)",
                     r->genre[k], r->label_col, (long long)r->train_per_class[k],
                     (long long)r->test_per_class[k]);
            return -1;
        }
    return 0;
}

/* A test row whose label no training row has: its code is -1 when the
 * schema reads unseen categories as -1 (table_schema.c: a user's table with
 * unordered categoricals), and a label outside [0, K) would reach the
 * metrics. 0, or -1 with the count in r->error. */
static int check_test_labels(run *r)
{
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < r->nte; i++)
        if (r->yte[i] < 0 || r->yte[i] >= r->K)
            first = bad++ ? first : i;
    if (!bad)
        return 0;
    snprintf(r->error, sizeof r->error,
             "%zu test row%s (the first: test row %zu) %s a value of the label '%s' that no "
             "training row has; every class needs at least one training and one test row "
             "(another --test-fraction or --split-file)",
             bad, bad == 1 ? "" : "s", first + 1, bad == 1 ? "has" : "have", r->label_col);
    return -1;
}

/* The class names (K of them) of the fitted preparation. */
int data_class_names(run *r, const genre_dataset_prep *prep)
{
    int32_t n = 0;
    if (genre_dataset_prep_category_count(prep, r->label_col, &n)) {
        snprintf(r->error, sizeof r->error, "%s", genre_last_error());
        return -1;
    }
    if (n < 2) {
        snprintf(r->error, sizeof r->error,
                 "the label column '%s' has %d class%s in the training rows; a classifier "
                 "needs at least 2",
                 r->label_col, (int)n, n == 1 ? "" : "es");
        return -1;
    }
    r->K = n;
    r->genre = xcalloc((size_t)n, sizeof *r->genre);
    r->genre_ptr = xcalloc((size_t)n, sizeof *r->genre_ptr);
    r->train_per_class = xcalloc((size_t)n, sizeof *r->train_per_class);
    r->test_per_class = xcalloc((size_t)n, sizeof *r->test_per_class);
    if (!r->genre || !r->genre_ptr || !r->train_per_class || !r->test_per_class) {
        snprintf(r->error, sizeof r->error, "out of memory");
        return -1;
    }
    for (int k = 0; k < n; k++) {
        size_t need = 0;
        genre_dataset_prep_category_name(prep, r->label_col, k, NULL, 0, &need);
        r->genre[k] = xcalloc(need ? need : 1, 1);
        if (!r->genre[k] ||
            genre_dataset_prep_category_name(prep, r->label_col, k, r->genre[k], need, NULL)) {
            snprintf(r->error, sizeof r->error, "class names: %s", genre_last_error());
            return -1;
        }
        r->genre_ptr[k] = r->genre[k];
    }
    return 0;
}

/* Rows with an empty (missing) label cannot be trained on or scored: they
 * are left out before the split, with a warning. *unlabelled receives the
 * mask over the n_read rows read (NULL when every row has a label) so that
 * a split file, one line per row read, can skip the same rows. 0, or -1
 * with r->error. */
static int drop_unlabelled(run *r, genre_dataset **ds, uint8_t **unlabelled, size_t *n_read)
{
    int64_t rows = 0;
    size_t need = 0;
    genre_dataset_get_i64(*ds, GENRE_DATASET_N_ROWS, &rows);
    *n_read = (size_t)rows;
    if (genre_dataset_export_text(*ds, r->label_col, NULL, 0, &need, NULL))
        return 0; /* no label column: the split says so */
    char *buf = malloc(need ? need : 1);
    size_t *off = xcalloc(*n_read ? *n_read : 1, sizeof *off);
    uint8_t *mask = xcalloc(*n_read ? *n_read : 1, 1);
    size_t n_bad = 0;
    genre_dataset_split *sp = NULL;
    genre_dataset *kept = NULL;
    int rc = -1;
    if (!buf || !off || !mask ||
        genre_dataset_export_text(*ds, r->label_col, buf, need, NULL, off)) {
        snprintf(r->error, sizeof r->error, "the label column: %s",
                 buf && off && mask ? genre_last_error() : "out of memory");
        goto done;
    }
    for (size_t i = 0; i < *n_read; i++)
        n_bad += mask[i] = buf[off[i]] == 0;
    rc = 0;
    if (!n_bad)
        goto done;
    if (n_bad == *n_read) {
        snprintf(r->error, sizeof r->error, "the label column '%s' is empty in every row",
                 r->label_col);
        rc = -1;
        goto done;
    }
    if (genre_dataset_split_from_mask(&sp, *ds, mask, *n_read) ||
        genre_dataset_subset(&kept, *ds, sp, GENRE_SPLIT_TRAIN)) {
        snprintf(r->error, sizeof r->error, "rows without a label: %s", genre_last_error());
        rc = -1;
        goto done;
    }
    add_warning(r, "%zu row%s without a value in the label column '%s' left out", n_bad,
                n_bad == 1 ? "" : "s", r->label_col);
    genre_dataset_free(*ds);
    *ds = kept;
    *unlabelled = mask;
    mask = NULL;
done:
    genre_dataset_split_free(sp);
    free(buf), free(off), free(mask);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every class needs two training rows and a test row (check_classes()), so
 * at least 3 rows: a class with fewer is named here, before any split, with
 * that limit (a split's own message counts only the rows it needs). 0, or
 * -1 with r->error. */
static int check_class_rows(run *r, const genre_dataset *ds)
{
    size_t need = 0;
    int64_t rows = 0;
    genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows);
    if (rows <= 0 || genre_dataset_export_text(ds, r->label_col, NULL, 0, &need, NULL))
        return 0; /* no label column: the split says so */
    size_t n = (size_t)rows;
    char *buf = malloc(need ? need : 1);
    size_t *off = xcalloc(n, sizeof *off);
    const char **v = xcalloc(n, sizeof *v);
    int rc = 0;
    if (buf && off && v && !genre_dataset_export_text(ds, r->label_col, buf, need, NULL, off)) {
        for (size_t i = 0; i < n; i++)
            v[i] = buf + off[i];
        qsort(v, n, sizeof *v, cmp_str);
        /* every such class named (the first in full), so one run shows them all */
        size_t len = 0;
        for (size_t i = 0, j; i < n; i = j) {
            for (j = i + 1; j < n && !strcmp(v[i], v[j]);)
                j++;
            if (j - i >= 3 || len >= sizeof r->error - 1)
                continue;
            int w = rc ? snprintf(r->error + len, sizeof r->error - len, "; also '%.100s' (%zu)",
                                  v[i], j - i)
                       : snprintf(r->error, sizeof r->error,
                                  "class '%.200s' has %zu row%s; every class of the label "
                                  "'%.200s' needs at least two training rows and one test row, "
                                  "3 rows (more rows of that class, another --test-fraction or "
                                  "--split-file)",
                                  v[i], j - i, j - i == 1 ? "" : "s", r->label_col);
            len = w < 0 ? len : len + (size_t)w;
            rc = -1;
        }
    }
    free(buf), free(off), free(v);
    return rc;
}

/* A failure of the data stage with the message in r->error. */
static void data_failed(run *r, stage *s, bar *b)
{
    bar_end(b, "stopped");
    r->failed = 1;
    stage_note(s, "%s", r->error);
    stage_end(s, ST_FAILED);
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
    uint8_t *unlabelled = NULL; /* rows of the file without a label, or NULL */
    size_t n_read = 0;
    genre_dataset *all = NULL;
    tempo_model tm = {.r = r, .bar = &b};
    genre_status st;
    const char *what = "read";
    if (table_schema(r, &schema) || table_choose_features(r))
        goto failed;
    r->tempo_mlp = r->is_ref && !r->opt.tempo_median && !r->opt.no_mlp;
    if (r->opt.threads)
        genre_dataset_schema_set_i64(schema, GENRE_SCHEMA_THREADS, r->opt.threads);
    if ((st = genre_dataset_read(&ds, schema, r->data_path)))
        goto fail;
    genre_dataset_report_value(ds, "read", NULL, "rows", &r->rows_read);
    genre_dataset_report_value(ds, "read", NULL, "blank_rows", &r->blank_rows);
    for (size_t i = 0; i < r->n_cols; i++)
        if (genre_dataset_report_value(ds, "read", r->cols[i].name, "missing",
                                       &r->cols[i].missing_read))
            r->cols[i].missing_read = -1;
    if (r->group_col[0]) {
        genre_dataset_report_value(ds, "read", r->group_col, "groups", &r->groups);
        genre_dataset_report_value(ds, "read", r->group_col, "no_group_rows",
                                   &r->no_group_rows);
    }
    what = "drop empty rows";
    if ((st = genre_dataset_drop_empty_rows(ds)))
        goto fail;
    genre_dataset_report_value(ds, "drop_empty_rows", NULL, "dropped", &r->dropped);
    genre_dataset_report_value(ds, "drop_empty_rows", NULL, "kept", &r->kept);
    bar_show(&b, 0.1);

    what = "rows without a label";
    if (drop_unlabelled(r, &ds, &unlabelled, &n_read))
        goto failed;

    if (!r->is_ref && check_class_rows(r, ds))
        goto failed;

    what = "preparation";
    if ((st = genre_dataset_prep_create(&prep, schema)) || (st = data_add_imputers(r, prep, &tm)))
        goto fail;

    if (r->opt.split_file) {
        what = "split file";
        snprintf(r->split_desc, sizeof r->split_desc, "%s", r->opt.split_file);
        if (r->opt.reference_order) {
            snprintf(r->error, sizeof r->error,
                     "--split-file and --reference-order cannot be combined");
            goto failed;
        }
        if (split_by_file(r, ds, unlabelled, n_read, &split, &tr, &te))
            goto failed;
    } else {
        what = "split";
        if (r->is_ref) {
            snprintf(r->split_desc, sizeof r->split_desc, "stratified %d per genre",
                     REF_TEST_PER_CLASS);
            st = genre_dataset_split_stratified(&split, ds, REF_TEST_PER_CLASS, r->opt.seed);
        } else if ((st = split_fraction(r, ds, schema, &split)) == GENRE_E_INVALID_ARG &&
                   !r->opt.group) {
            goto failed;
        }
        if (st || (st = genre_dataset_subset(&tr, ds, split, GENRE_SPLIT_TRAIN)) ||
            (st = genre_dataset_subset(&te, ds, split, GENRE_SPLIT_TEST)))
            goto fail;
        if (r->group_col[0] &&
            !genre_dataset_leakage(ds, split, &r->shared_groups, &r->test_in_train_groups,
                                   &r->duplicate_rows))
            r->have_leak = 1;
    }
    bar_show(&b, 0.2);
    if (r->is_ref) {
        /* The report shows the imputation counts of both orders: the one
         * run and the other one, counted with a second preparation
         * (artist-median duration, median tempo: the counts do not depend on
         * the tempo model). */
        what = "imputation counts of the other order";
        if ((st = genre_dataset_prep_create(&alt, schema)) ||
            (st = genre_dataset_prep_add_group_median(alt, REF_DURATION_COL)) ||
            (st = genre_dataset_prep_add_impute(alt, REF_TEMPO_COL, GENRE_IMPUTE_MEDIAN)))
            goto fail;
    }
    if (r->opt.reference_order) {
        /* the leak-free counts on the raw split, then the reference order:
         * impute over all rows, split again (same seed, same rows) */
        if (alt) {
            if ((st = genre_dataset_prep_fit_apply(alt, tr)))
                goto fail;
            read_alt_counts(r, tr, 0);
            if ((st = genre_dataset_prep_apply(alt, te)))
                goto fail;
            read_alt_counts(r, te, 1);
        }
        genre_dataset_free(tr);
        genre_dataset_free(te);
        tr = te = NULL;
        what = "imputation over all rows (reference order)";
        if ((st = genre_dataset_prep_fit_apply(prep, ds)))
            goto fail;
        read_prep_counts(r, ds, 0);
        read_column_counts(r, ds, 0, 0);
        what = "split";
        if ((st = genre_dataset_subset(&tr, ds, split, GENRE_SPLIT_TRAIN)) ||
            (st = genre_dataset_subset(&te, ds, split, GENRE_SPLIT_TEST)))
            goto fail;
    } else {
        what = "imputation fit on the training rows";
        if ((st = genre_dataset_prep_fit_apply(prep, tr)))
            goto fail;
        read_prep_counts(r, tr, 0);
        read_column_counts(r, tr, 0, 0);
        what = "imputation applied to the test rows";
        if ((st = genre_dataset_prep_apply(prep, te)))
            goto fail;
        read_prep_counts(r, te, 1);
        read_column_counts(r, te, 1, 0);
        /* on a copy of all rows (a split with no test rows; shuffled, which
         * the counts do not depend on), so that ds stays as loaded for the
         * name study, which imputes from its own training rows */
        what = "imputation counts of the reference order";
        if (alt && ((st = genre_dataset_split_stratified(&all_split, ds, 0, r->opt.seed)) ||
                    (st = genre_dataset_subset(&all, ds, all_split, GENRE_SPLIT_TRAIN)) ||
                    (st = genre_dataset_prep_fit_apply(alt, all))))
            goto fail;
        if (alt)
            read_alt_counts(r, all, 0);
    }
    r->have_alt = alt != NULL;
    if (data_class_names(r, prep) || table_encode(r, prep))
        goto failed;
    what = "export";
    if ((st = table_export(r, tr, &r->xtr, &r->ytr, &r->ntr)) ||
        (st = table_export(r, te, &r->xte, &r->yte, &r->nte)))
        goto fail;
    for (size_t i = 0; i < r->ntr; i++)
        if (r->ytr[i] >= 0 && r->ytr[i] < r->K)
            r->train_per_class[r->ytr[i]]++;
    for (size_t i = 0; i < r->nte; i++)
        if (r->yte[i] >= 0 && r->yte[i] < r->K)
            r->test_per_class[r->yte[i]]++;
    if (check_classes(r) || check_test_labels(r))
        goto failed;
    stage_note(s, "%zu train / %zu test rows, %d classes, %zu feature columns", r->ntr, r->nte,
               r->K, r->d);
    stage_end(s, ST_DONE);
    bar_end(&b, "done");
    goto cleanup;
failed:
    data_failed(r, s, &b);
    goto cleanup;
fail:
    bar_end(&b, "stopped");
    stage_fail(r, s, st, what);
cleanup:
    free(unlabelled);
    genre_mlp_free(tm.mlp);
    free(tm.xm), free(tm.xs);
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
    r->schema = schema; /* the name study prepares its splits with it */
    return stopping(r) ? -1 : 0;
}
