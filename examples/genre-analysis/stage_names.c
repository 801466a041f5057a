/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The name study (DESIGN.md step 6, examples/name_study.c) as a stage of
 * genre-analysis, on a thread of its own: names_start(), names_wait(). */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* name_study_run() reports each step by name; the bar advances by a rough
 * weight per step (the three names+audio fits take most of the time). */
static int ns_step_weight(const char *what)
{
    if (strstr(what, "names scaled by"))
        return 10;
    if (strstr(what, "out-of-fold"))
        return 1;
    if (strstr(what, "reduced names+audio"))
        return 2;
    if (strstr(what, ": names model") || strstr(what, ": audio model"))
        return 3;
    if (strstr(what, "leak check"))
        return 3;
    if (strstr(what, "name features") || strstr(what, "bootstrap"))
        return 1;
    return 0;
}

static bar g_ns_bar;

static void ns_progress(void *user, const char *what)
{
    run *r = user;
    if (r->ns_abandoned)
        return;
    r->ns_weight_done += r->ns_weight_prev;
    r->ns_weight_prev = ns_step_weight(what);
    if (r->ns_weight_total > 0)
        bar_show(&g_ns_bar, r->ns_weight_done / r->ns_weight_total);
}

static int ns_cancel(void *user)
{
    (void)user;
    return g_cancel ? 1 : 0;
}

/* The feature columns (first and width left to the caller): those of the
 * main models (table_choose_features(): the reference table's 13 in the
 * order of its matrices, --features, or every numeric and categorical
 * column), from the study's own copy r->ns_src. *out: malloc()ed; the
 * names are r->cols'. */
static size_t ns_sources(run *r, feature_src **out)
{
    *out = xcalloc(r->ns_n_src, sizeof **out);
    for (size_t j = 0; *out && j < r->ns_n_src; j++)
        (*out)[j] = (feature_src){.name = r->ns_src[j].name, .role = r->ns_src[j].role,
                                  .n_order = r->ns_src[j].n_order};
    return *out ? r->ns_n_src : 0;
}

/* The study's numeric features of a split (name_study_features_fn), fit on
 * the split's training rows: the main models' feature columns. The
 * reference table: its 13 features, imputed as the data stage does in its
 * leak-free order (duration_ms by artist median, tempo by median: the MLP
 * tempo imputer stays the main split's). Any other table: imputed as the
 * schema declares (a model column by median). Numeric columns are
 * standardised; ordered codes and one-hot columns pass as they are.
 * user: the run. */
static int ns_features(void *user, genre_dataset *train, genre_dataset *test,
                       name_study_features *out, char *error, size_t cap)
{
    run *r = user;
    const int ref = r->is_ref;
    feature_src *src = NULL;
    size_t n_rows = 0;
    size_t m = ns_sources(r, &src), d = 0;
    genre_dataset_prep *prep = NULL;
    genre_status st = genre_dataset_prep_create(&prep, r->schema);
    if (!st && !m)
        st = GENRE_E_INVALID_ARG;
    if (!st && ref)
        st = genre_dataset_prep_add_group_median(prep, "duration_ms");
    if (!st && ref)
        st = genre_dataset_prep_add_impute(prep, "tempo", GENRE_IMPUTE_MEDIAN);
    if (!st && !ref)
        st = genre_dataset_prep_add_declared(prep, NULL, NULL, NULL);
    if (!st)
        st = genre_dataset_prep_fit_apply(prep, train);
    if (!st)
        st = genre_dataset_prep_apply(prep, test);
    for (size_t k = 0; k < m && !st; k++) {
        int32_t n_cat = 1;
        if (src[k].role == GENRE_COL_CATEGORICAL && !src[k].n_order)
            st = genre_dataset_prep_category_count(prep, src[k].name, &n_cat);
        src[k].first = d;
        src[k].width = n_cat > 0 ? (size_t)n_cat : 0;
        d += src[k].width;
    }
    if (!st)
        st = table_export_sources(train, src, m, d, &out->x_train, &out->y_train, &n_rows);
    if (!st)
        st = table_export_sources(test, src, m, d, &out->x_test, &out->y_test, &n_rows);
    if (!st && !(out->standardise = xcalloc(d, 1)))
        st = GENRE_E_NOMEM;
    for (size_t k = 0; k < m && !st; k++)
        for (size_t w = 0; w < src[k].width; w++)
            out->standardise[src[k].first + w] = src[k].role == GENRE_COL_NUMERIC;
    out->d = d;
    genre_dataset_prep_free(prep);
    free(src);
    if (st) {
        snprintf(error, cap, "%s", m ? genre_last_error() : "no numeric or categorical column");
        free(out->x_train), free(out->x_test), free(out->y_train), free(out->y_test);
        free(out->standardise);
        memset(out, 0, sizeof *out);
        return -1;
    }
    return 0;
}

static void *ns_main(void *arg)
{
    run *r = arg;
    name_study_options o;
    name_study_default_options(&o);
    o.seed = r->opt.seed;
    o.keep_leaking = r->opt.keep_leaking;
    if (!r->is_ref) /* a user's table: a fraction of each class */
        o.test_per_class = 0;
    if (r->opt.names_quick) {
        /* as genre-name-study --quick */
        o.folds = 3;
        o.names_epochs = 5;
        o.both_epochs = 4;
        o.audio_epochs = 40;
        o.n_resamples = 200;
    }
    o.progress = ns_progress;
    o.cancel = ns_cancel;
    o.user = r;
    const char *text[NAME_STUDY_MAX_TEXT];
    for (size_t j = 0; j < r->ns_n_text; j++)
        text[j] = r->ns_text[j];
    const name_study_input in = {
        .ds = r->ds,
        .text_columns = text,
        .n_text_columns = r->ns_n_text,
        .group_column = r->group_col[0] ? r->group_col : NULL,
        .class_word = r->is_ref ? "genre" : NULL,
        .n_classes = 0, /* the labels' */
        .features = ns_features,
        .features_user = r};
    r->ns_weight_total = NAME_STUDY_N_SPLITS * (1 + 3 + 3 + 10 * NAME_STUDY_N_SCALES +
                                                o.folds + 2 + 1) + 3;
    int rc = name_study_run(&in, &o, r->ns);
    /* The main thread may have given up on this one (Ctrl-C): then it owns
     * nothing here any more and the stage is already marked. */
    pthread_mutex_lock(&g_reg);
    if (!r->ns_abandoned) {
        stage *s = r->ns_stage;
        if (rc == 0) {
            r->have_ns = 1;
            const name_study_split *a = &r->ns->split[NS_SPLIT_GROUP];
            if (a->available)
                stage_note(s, "%s; names+audio - audio on the %s split %+.4f "
                              "(95%% interval %+.4f to %+.4f)%s",
                           r->opt.names_quick ? "quick settings" : "full settings", a->name,
                           a->diff, a->diff_lo, a->diff_hi,
                           r->ns->n_warnings ? "; a text column leaks the label" : "");
            else
                stage_note(s, "%s; %s%s", r->opt.names_quick ? "quick settings" : "full settings",
                           a->skipped,
                           r->ns->n_warnings ? "; a text column leaks the label" : "");
            stage_end(s, ST_DONE);
        } else if (r->ns->cancelled) {
            r->cancelled = 1;
            stage_note(s, "cancelled by Ctrl-C; its numbers are left out");
            stage_end(s, ST_CANCELLED);
        } else {
            r->failed = 1;
            stage_note(s, "%s", r->ns->error);
            snprintf(r->error, sizeof r->error, "name study: %s", r->ns->error);
            stage_end(s, ST_FAILED);
        }
        r->ns_done = 1;
    }
    pthread_mutex_unlock(&g_reg);
    if (!r->ns_abandoned)
        bar_end(&g_ns_bar, rc == 0 ? "done" : r->ns->cancelled ? "cancelled" : "failed");
    return NULL;
}

/* The columns hashed as names, from the schema: the group column's text
 * first, then the text columns in declaration order. None when the schema
 * has no text column. */
static size_t ns_text_columns(run *r)
{
    size_t count = 0, n_text = 0;
    r->ns_n_text = 0;
    if (genre_dataset_schema_column_count(r->schema, &count))
        return 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < count && r->ns_n_text < NAME_STUDY_MAX_TEXT; i++) {
            int32_t role = 0;
            char *name = r->ns_text[r->ns_n_text];
            if (genre_dataset_schema_column(r->schema, i, name, sizeof r->ns_text[0], NULL,
                                            &role) ||
                role != (pass ? GENRE_COL_TEXT : GENRE_COL_GROUP))
                continue;
            r->ns_n_text++;
            n_text += pass;
        }
    if (n_text == 0)
        r->ns_n_text = 0;
    return r->ns_n_text;
}

/* Starts the study beside the other stages, or records why it does not run. */
void names_start(run *r)
{
    stage *s = stage_begin(r, "name study (names, audio, names+audio; 2 splits)");
    r->ns_stage = s;
    if (r->opt.no_names) {
        stage_note(s, "--no-names");
        stage_end(s, ST_SKIPPED);
        return;
    }
    if (ns_text_columns(r) == 0) {
        stage_note(s, "the schema has no text columns");
        stage_end(s, ST_SKIPPED);
        return;
    }
    r->ns = calloc(1, sizeof *r->ns);
    /* the main models' feature columns, copied: free_run() may free fsrc
     * while an abandoned study still reads its own copy */
    r->ns_src = xcalloc(r->n_fsrc, sizeof *r->ns_src);
    if (r->ns_src && r->fsrc)
        memcpy(r->ns_src, r->fsrc, r->n_fsrc * sizeof *r->ns_src);
    r->ns_n_src = r->n_fsrc;
    if (!r->ns || !r->ns_src) {
        stage_note(s, "out of memory");
        stage_end(s, ST_FAILED);
        r->failed = 1;
        return;
    }
    bar_start(&g_ns_bar, "name study");
    if (pthread_create(&r->ns_thread, NULL, ns_main, r) == 0) {
        r->ns_started = 1;
    } else {
        ns_main(r); /* no thread: run it here */
    }
}

/* The study's leak warnings, on the main thread, for the report's top. */
static void ns_warnings(run *r)
{
    if (r->have_ns)
        for (size_t w = 0; w < r->ns->n_warnings; w++) {
            add_warning(r, "name study: %s", r->ns->warning[w]);
            say("genre-analysis: warning: name study: %s\n", r->ns->warning[w]);
        }
}

/* Waits for the study. On Ctrl-C the study stops at its next epoch or step
 * (name_study_options.cancel); should it not have stopped within
 * NS_CANCEL_WAIT_S, the report is written without it and the thread is left
 * to the program's exit. */
#define NS_CANCEL_WAIT_S 10.0
void names_wait(run *r)
{
    if (!r->ns_started) {
        ns_warnings(r); /* run without a thread, or not at all */
        return;
    }
    double cancel_seen = -1;
    for (;;) {
        if (r->ns_done) {
            pthread_join(r->ns_thread, NULL);
            r->ns_started = 0;
            ns_warnings(r);
            return;
        }
        if (g_cancel) {
            const double t = now_s();
            if (cancel_seen < 0)
                cancel_seen = t;
            if (t - cancel_seen > NS_CANCEL_WAIT_S) {
                pthread_mutex_lock(&g_reg);
                if (!r->ns_done) {
                    r->ns_abandoned = 1;
                    r->cancelled = 1;
                    stage_note(r->ns_stage, "cancelled by Ctrl-C (the study did not stop "
                                            "within %.0f s; its numbers are left out)",
                               NS_CANCEL_WAIT_S);
                    stage_end(r->ns_stage, ST_CANCELLED);
                }
                pthread_mutex_unlock(&g_reg);
                if (r->ns_abandoned) {
                    bar_end(&g_ns_bar, "cancelled");
                    pthread_detach(r->ns_thread);
                    return;
                }
                continue;
            }
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}
