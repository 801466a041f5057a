/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The name study: see name_study.h and docs/text.md. The study's parts:
 * name_study_private.h. */
#include "name_study_private.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const name_study_model_names[NAME_STUDY_N_MODELS] = {
    "names", "audio", "names+audio", "reduced names+audio"};

/* The names' weights tried for names+audio (chosen on the validation rows). */
const double name_study_scales[NAME_STUDY_N_SCALES] = {0.3, 0.1, 0.03};

void name_study_default_options(name_study_options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->test_per_class = 500;
    o->test_fraction = 0.2;
    o->n_buckets = (int64_t)1 << 15;
    o->ngram_min = 2;
    o->ngram_max = 4;
    o->folds = 5;
    o->names_epochs = 30;
    o->both_epochs = 30;
    o->both_hidden = 64;
    o->audio_epochs = 300;
    o->n_resamples = 1000;
    o->threads = 2;
}

/* ---- The study ------------------------------------------------------------- */

/* "artist" from "artist_name" or "Artist Name": the column's name less a
 * "name" ending and the separator before it. */
static void group_word_of(const char *column, char *out, size_t cap)
{
    size_t n = strlen(column);
    if (n > 5) {
        const char *end = column + n - 4, sep = column[n - 5];
        if ((!strcmp(end, "name") || !strcmp(end, "Name")) &&
            (sep == '_' || sep == ' ' || sep == '-'))
            n -= 5;
    }
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), column);
}

static int bad_input(name_study_result *out, const char *msg)
{
    snprintf(out->error, sizeof out->error, "%s", msg);
    return -1;
}

/* The group-disjoint split's test rows per class: as the random split's,
 * or with a fraction the smallest class's share (at least 1). */
static int group_target(const name_study_input *in, const name_study_options *o, int64_t *out)
{
    if (o->test_per_class > 0) {
        *out = o->test_per_class;
        return 0;
    }
    genre_dataset_split *sp = NULL;
    int64_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    int rc = -1;
    if (genre_dataset_split_stratified_fraction(&sp, in->ds, o->test_fraction, o->seed) ||
        genre_dataset_split_class_counts(sp, GENRE_SPLIT_TRAIN, NULL, 0, &na) ||
        genre_dataset_split_class_counts(sp, GENRE_SPLIT_TEST, NULL, 0, &nb) || na != nb ||
        !(a = malloc((na ? na : 1) * sizeof *a)) || !(b = malloc((na ? na : 1) * sizeof *b)) ||
        genre_dataset_split_class_counts(sp, GENRE_SPLIT_TRAIN, a, na, NULL) ||
        genre_dataset_split_class_counts(sp, GENRE_SPLIT_TEST, b, na, NULL))
        goto done;
    int64_t smallest = INT64_MAX;
    for (size_t k = 0; k < na; k++)
        if (a[k] + b[k] > 0 && a[k] + b[k] < smallest)
            smallest = a[k] + b[k];
    *out = (int64_t)floor(o->test_fraction * (double)smallest + 0.5);
    if (*out < 1)
        *out = 1;
    rc = 0;
done:
    free(a);
    free(b);
    genre_dataset_split_free(sp);
    return rc;
}

int name_study_run(const name_study_input *in, const name_study_options *opt,
                   name_study_result *out)
{
    memset(out, 0, sizeof *out);
    name_study_options o;
    if (opt)
        o = *opt;
    else
        name_study_default_options(&o);
    out->opt = o;
    if (o.folds < 2 || o.n_resamples < 1 || o.both_hidden < 1 ||
        (o.test_per_class < 1 && !(o.test_fraction > 0 && o.test_fraction < 1)))
        return bad_input(out, "invalid options (folds >= 2, resamples and hidden width >= 1, "
                              "test rows >= 1 or a test fraction in (0, 1))");
    if (!in || !in->ds || !in->features || !in->text_columns || in->n_text_columns < 1 ||
        in->n_text_columns > NAME_STUDY_MAX_TEXT || in->n_classes == 1 || in->n_classes < 0)
        return bad_input(out, "invalid input (a table, 1 to 32 text columns, K >= 2 classes "
                              "or 0 and a features callback are needed)");
    out->n_fields = in->n_text_columns;
    for (size_t j = 0; j < in->n_text_columns; j++) {
        snprintf(out->field[j], sizeof out->field[j], "%s", in->text_columns[j]);
        out->field_val_auroc[j] = NAN;
        out->field_combined[j] = 1;
    }
    if (in->group_word)
        snprintf(out->group_word, sizeof out->group_word, "%s", in->group_word);
    else if (in->group_column)
        group_word_of(in->group_column, out->group_word, sizeof out->group_word);
    const char *cw = in->class_word ? in->class_word : "class";
    if (o.test_per_class > 0)
        snprintf(out->split[0].name, sizeof out->split[0].name, "random (%lld per %s)",
                 (long long)o.test_per_class, cw);
    else
        snprintf(out->split[0].name, sizeof out->split[0].name, "random (%g%% of each %s)",
                 100 * o.test_fraction, cw);
    out->split[0].available = 1;
    if (in->group_column) {
        snprintf(out->split[1].name, sizeof out->split[1].name, "%s-disjoint", out->group_word);
        out->split[1].available = 1;
    } else {
        snprintf(out->split[1].name, sizeof out->split[1].name, "group-disjoint");
        snprintf(out->split[1].skipped, sizeof out->split[1].skipped,
                 "no group column: only the random split is run");
    }
    double t0 = ns_now_s();
    table tab = {0};
    int64_t group_tpc = 0;
    if (ns_load_table(in, &tab, out)) {
        ns_table_free(&tab);
        return -1;
    }
    out->n_rows = (int64_t)tab.n;
    if (in->group_column && group_target(in, &o, &group_tpc)) {
        ns_table_free(&tab);
        snprintf(out->error, sizeof out->error, "group-disjoint split size: %s",
                 genre_last_error());
        return -1;
    }
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    leak_gate gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    ctx sc[NAME_STUDY_N_SPLITS];
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++)
        sc[s] = (ctx){.o = &o, .in = in, .tab = &tab, .out = out, .progress_lock = &lock,
                      .gate = &gate, .group_test_per_class = group_tpc, .which = s};
    /* The two splits share the (const) table and the leak decision: side by
     * side when asked, each on its own thread, else one after the other. */
    pthread_t th;
    int second = out->split[NS_SPLIT_GROUP].available;
    int threaded =
        second && o.threads >= 2 && pthread_create(&th, NULL, ns_split_main, &sc[1]) == 0;
    ns_split_main(&sc[0]);
    if (threaded)
        pthread_join(th, NULL);
    else if (second && sc[0].rc == 0)
        ns_split_main(&sc[1]);
    int rc = 0;
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++)
        out->cancelled |= sc[s].stop;
    for (int s = 0; s < NAME_STUDY_N_SPLITS && rc == 0; s++)
        if (sc[s].rc) {
            rc = -1;
            memcpy(out->error, sc[s].error, sizeof out->error);
        }
    out->n_text_columns = out->split[0].n_text_columns;
    out->seconds = ns_now_s() - t0;
    ns_table_free(&tab);
    return rc;
}
