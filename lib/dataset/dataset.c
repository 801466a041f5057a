/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The dataset module's schema and table: the schema and its columns, the
 * music_genre preset, table storage and cleaning. */
#include "dataset_private.h"

#include "alloc.h"
#include "error_private.h"

#include <math.h>
#include <string.h>

/* ---- Schema ----------------------------------------------------------------- */

void genre__free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        genre__free(v[i]);
    genre__free(v);
}

void genre_dataset_schema_free(genre_dataset_schema *s)
{
    if (!s)
        return;
    for (size_t j = 0; j < s->n_cols; j++) {
        struct genre__schema_col *c = &s->cols[j];
        genre__free(c->name);
        genre__free_strings(c->missing_text, c->n_missing_text);
        genre__free(c->missing_value);
        genre__free_strings(c->order, c->n_order);
        genre__schema_free_info(c);
    }
    genre__free(s->cols);
    genre__dict_free(&s->col_ids);
    genre__free_strings(s->missing_text, s->n_missing_text);
    genre__free(s->no_group);
    genre__free(s->infer_notes);
    genre__free(s);
}

genre_status genre_dataset_schema_create(genre_dataset_schema **out)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    genre_dataset_schema *s = GENRE_NEW(genre_dataset_schema);
    if (!s)
        return GENRE_PASS(GENRE_E_NOMEM);
    genre__params_reset(&genre__dataset_schema_param_table, s);
    s->label_col = s->group_col = -1;
    *out = s;
    return GENRE_OK;
}

int32_t genre__schema_find(const genre_dataset_schema *s, const char *name)
{
    /* a hash lookup: a pairwise scan made wide tables (10^4..10^5 columns)
     * quadratic in every schema build, copy and read */
    return genre__dict_find(&s->col_ids, name, strlen(name));
}

genre_status genre__schema_column(const genre_dataset_schema *s, const char *name, int32_t *j)
{
    if (!name)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column name is NULL");
    *j = genre__schema_find(s, name);
    if (*j < 0)
        return GENRE_FAIL(GENRE_E_MISSING_COLUMN, "column '%s' is not in the schema", name);
    return GENRE_OK;
}

genre_status genre_dataset_schema_add_column(genre_dataset_schema *s, const char *name,
                                             int32_t role)
{
    GENRE_CHECK_NOT_NULL(s);
    GENRE_CHECK_NOT_NULL(name);
    if (role < GENRE_COL_NUMERIC || role > GENRE_COL_IGNORE)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s': unknown role %d", name, (int)role);
    if (genre__schema_find(s, name) >= 0)
        return GENRE_FAIL(GENRE_E_DUPLICATE_COLUMN, "column '%s' is already in the schema",
                          name);
    if (role == GENRE_COL_LABEL && s->label_col >= 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s': the schema already has label '%s'",
                          name, s->cols[s->label_col].name);
    if (role == GENRE_COL_GROUP && s->group_col >= 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s': the schema already has group '%s'",
                          name, s->cols[s->group_col].name);
    if (s->n_cols >= INT32_MAX - 1)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "too many columns");
    if (s->n_cols == s->cap_cols) {
        /* start small: a crafted prep file may not make a loader allocate more than its size */
        size_t cap = s->cap_cols ? s->cap_cols * 2 : 4;
        if (genre__realloc_array(&s->cols, cap, sizeof *s->cols) != 0)
            return GENRE_PASS(GENRE_E_NOMEM);
        s->cap_cols = cap;
    }
    struct genre__schema_col *c = &s->cols[s->n_cols];
    memset(c, 0, sizeof *c);
    c->name = genre__strdup(name);
    if (!c->name)
        return GENRE_PASS(GENRE_E_NOMEM);
    /* a new name's id is the next one, n_cols: ids follow the columns */
    if (genre__dict_intern(&s->col_ids, name, strlen(name)) < 0) {
        genre__free(c->name);
        c->name = NULL;
        return GENRE_PASS(GENRE_E_NOMEM);
    }
    c->role = role;
    if (role == GENRE_COL_LABEL)
        s->label_col = (int32_t)s->n_cols;
    if (role == GENRE_COL_GROUP)
        s->group_col = (int32_t)s->n_cols;
    s->n_cols++;
    return GENRE_OK;
}

/* Makes room for element n of an array that only ever grows by appending
 * here: its capacity is derived from its count (4, then the next power of
 * two), so no field stores it and appending n items copies O(n) in all,
 * not O(n^2) as growing by one does wherever realloc cannot grow in place
 * (ASan, valgrind; inference adds up to 100 markers per column). */
static int grow_for_append(void *v, size_t n, size_t size)
{
    if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
        return 0;
    return genre__realloc_array(v, n ? n * 2 : 4, size);
}

static genre_status push_string(char ***v, size_t *n, const char *text)
{
    char *copy = genre__strdup(text);
    if (!copy)
        return GENRE_E_NOMEM;
    if (grow_for_append(v, *n, sizeof **v) != 0) {
        genre__free(copy);
        return GENRE_E_NOMEM;
    }
    (*v)[(*n)++] = copy;
    return GENRE_OK;
}

genre_status genre_dataset_schema_add_missing_text(genre_dataset_schema *s, const char *column,
                                                   const char *text)
{
    GENRE_CHECK_NOT_NULL(s);
    GENRE_CHECK_NOT_NULL(text);
    if (!column)
        return GENRE_PASS(push_string(&s->missing_text, &s->n_missing_text, text));
    int32_t j;
    genre_status st = genre__schema_column(s, column, &j);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    return GENRE_PASS(push_string(&s->cols[j].missing_text, &s->cols[j].n_missing_text, text));
}

genre_status genre_dataset_schema_add_missing_value(genre_dataset_schema *s, const char *column,
                                                    double value)
{
    GENRE_CHECK_NOT_NULL(s);
    int32_t j;
    genre_status st = genre__schema_column(s, column, &j);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    struct genre__schema_col *c = &s->cols[j];
    if (c->role != GENRE_COL_NUMERIC)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s' is not numeric", column);
    if (!isfinite(value))
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s': sentinel %g is not finite", column,
                          value);
    if (grow_for_append(&c->missing_value, c->n_missing_value, sizeof(double)) != 0)
        return GENRE_PASS(GENRE_E_NOMEM);
    c->missing_value[c->n_missing_value++] = value;
    return GENRE_OK;
}

genre_status genre_dataset_schema_set_no_group(genre_dataset_schema *s, const char *value)
{
    GENRE_CHECK_NOT_NULL(s);
    GENRE_CHECK_NOT_NULL(value);
    if (s->group_col < 0)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the schema has no group column yet");
    char *copy = genre__strdup(value);
    if (!copy)
        return GENRE_PASS(GENRE_E_NOMEM);
    genre__free(s->no_group);
    s->no_group = copy;
    return GENRE_OK;
}

genre_status genre_dataset_schema_set_category_order(genre_dataset_schema *s, const char *column,
                                                     const char *const *names, size_t n)
{
    GENRE_CHECK_NOT_NULL(s);
    GENRE_CHECK_NOT_NULL(names);
    int32_t j;
    genre_status st = genre__schema_column(s, column, &j);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    struct genre__schema_col *c = &s->cols[j];
    if (c->role != GENRE_COL_CATEGORICAL && c->role != GENRE_COL_LABEL)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s' is neither categorical nor a label",
                          column);
    if (n == 0 || n > INT32_MAX)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s': %zu categories", column, n);
    for (size_t i = 0; i < n; i++)
        if (!names[i])
            return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s': name %zu is NULL", column, i);
    size_t rep = 0;
    int repeat = genre__first_repeat(names, n, &rep);
    if (repeat < 0)
        return GENRE_PASS(GENRE_E_NOMEM);
    if (repeat)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s': category '%s' repeated", column,
                          names[rep]);
    /* sized once: growing by one per name copies the list n times over
     * wherever realloc cannot grow in place (ASan, valgrind) */
    char **order = genre__calloc_array(n, sizeof *order);
    if (!order)
        return GENRE_PASS(GENRE_E_NOMEM);
    for (size_t i = 0; i < n; i++)
        if (!(order[i] = genre__strdup(names[i]))) {
            genre__free_strings(order, i);
            return GENRE_PASS(GENRE_E_NOMEM);
        }
    genre__free_strings(c->order, c->n_order);
    c->order = order;
    c->n_order = n;
    return GENRE_OK;
}

/* ---- Schema parameters ----------------------------------------------------- */

static const int64_t UNSEEN_POLICIES[] = {GENRE_UNSEEN_ERROR, GENRE_UNSEEN_RESERVED_CODE};
static const int64_t SEPARATORS[] = {0, '\t', ',', ';'};
static const int64_t FLAGS[] = {0, 1};

static const genre__param schema_params[] = {
    GENRE__I64(GENRE_SCHEMA_MAX_RECORD_BYTES, GENRE__SLOT_I64, genre_dataset_schema, max_record,
               (int64_t)1 << 20, 16, (int64_t)1 << 31, "0.1"),
    GENRE__ENUM(GENRE_SCHEMA_UNSEEN_CATEGORY, GENRE__SLOT_I32, genre_dataset_schema,
                unseen_policy, GENRE_UNSEEN_ERROR, UNSEEN_POLICIES, "0.1"),
    GENRE__I64(GENRE_SCHEMA_THREADS, GENRE__SLOT_I64, genre_dataset_schema, n_threads, 0, 0, 256,
               "0.1"),
    GENRE__I64(GENRE_SCHEMA_MAX_INPUT_BYTES, GENRE__SLOT_I64, genre_dataset_schema, max_input,
               GENRE__DEFAULT_MAX_INPUT, 1, (int64_t)1 << 62, "0.4"),
    GENRE__ENUM(GENRE_SCHEMA_SEPARATOR, GENRE__SLOT_I64, genre_dataset_schema, separator, 0,
                SEPARATORS, "0.4"),
    GENRE__I64(GENRE_SCHEMA_INFER_MAX_ROWS, GENRE__SLOT_I64, genre_dataset_schema,
               infer_max_rows, 0, 0, (int64_t)1 << 62, "0.4"),
    GENRE__ENUM(GENRE_SCHEMA_INFER_INTEGER_CATEGORIES, GENRE__SLOT_I32, genre_dataset_schema,
                infer_integer_categories, 0, FLAGS, "0.4"),
    GENRE__I64(GENRE_SCHEMA_INFER_MAX_CATEGORIES, GENRE__SLOT_I64, genre_dataset_schema,
               infer_max_categories, 50, 2, INT32_MAX, "0.4"),
    GENRE__I64(GENRE_SCHEMA_INFER_MAX_LABEL_CLASSES, GENRE__SLOT_I64, genre_dataset_schema,
               infer_max_label_classes, 1000, 2, INT32_MAX, "0.4"),
    GENRE__ENUM(GENRE_SCHEMA_INFER_STRICT, GENRE__SLOT_I32, genre_dataset_schema, infer_strict,
                0, FLAGS, "0.4"),
};

const genre__param_table genre__dataset_schema_param_table = {
    "dataset schema", schema_params, sizeof schema_params / sizeof schema_params[0], NULL};
#define SCHEMA_TABLE (&genre__dataset_schema_param_table)

genre_status genre_dataset_schema_set_i64(genre_dataset_schema *s, int32_t key, int64_t value)
{
    GENRE_CHECK_NOT_NULL(s);
    return genre__params_set_i64(SCHEMA_TABLE, s, __func__, key, value);
}

genre_status genre_dataset_schema_set_f64(genre_dataset_schema *s, int32_t key, double value)
{
    GENRE_CHECK_NOT_NULL(s);
    return genre__params_set_f64(SCHEMA_TABLE, s, __func__, key, value);
}

genre_status genre_dataset_schema_get_i64(const genre_dataset_schema *s, int32_t key,
                                          int64_t *out)
{
    GENRE_CHECK_NOT_NULL(s);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_i64(SCHEMA_TABLE, s, s, __func__, key, out);
}

genre_status genre_dataset_schema_get_f64(const genre_dataset_schema *s, int32_t key,
                                          double *out)
{
    GENRE_CHECK_NOT_NULL(s);
    GENRE_CHECK_NOT_NULL(out);
    return genre__params_get_f64(SCHEMA_TABLE, s, s, __func__, key, out);
}

genre_status genre_dataset_schema_param_bounds(int32_t key, double *lo, double *hi)
{
    GENRE_CHECK_NOT_NULL(lo);
    GENRE_CHECK_NOT_NULL(hi);
    return genre__params_bounds(SCHEMA_TABLE, __func__, key, lo, hi);
}

genre_status genre_dataset_schema_param_values(int32_t key, int64_t *out, size_t cap,
                                               size_t *n_values)
{
    GENRE_CHECK_NOT_NULL(n_values);
    return genre__params_values(SCHEMA_TABLE, __func__, key, out, cap, n_values);
}

genre_status genre_dataset_schema_reset_params(genre_dataset_schema *s)
{
    GENRE_CHECK_NOT_NULL(s);
    genre__params_reset(SCHEMA_TABLE, s);
    return GENRE_OK;
}

genre_status genre_dataset_schema_set_log(genre_dataset_schema *s, genre_log_fn fn,
                                          void *user_data)
{
    GENRE_CHECK_NOT_NULL(s);
    s->hooks.log = fn;
    s->hooks.log_data = user_data;
    return GENRE_OK;
}

genre_status genre_dataset_schema_set_progress(genre_dataset_schema *s, genre_progress_fn fn,
                                               void *user_data)
{
    GENRE_CHECK_NOT_NULL(s);
    s->hooks.progress = fn;
    s->hooks.progress_data = user_data;
    return GENRE_OK;
}

genre_status genre__schema_copy(genre_dataset_schema **out, const genre_dataset_schema *s)
{
    genre_dataset_schema *c = NULL;
    genre_status st = genre_dataset_schema_create(&c);
    if (st != GENRE_OK)
        return st;
    for (size_t j = 0; j < s->n_cols && st == GENRE_OK; j++) {
        const struct genre__schema_col *sc = &s->cols[j];
        st = genre_dataset_schema_add_column(c, sc->name, sc->role);
        for (size_t k = 0; k < sc->n_missing_text && st == GENRE_OK; k++)
            st = genre_dataset_schema_add_missing_text(c, sc->name, sc->missing_text[k]);
        for (size_t k = 0; k < sc->n_missing_value && st == GENRE_OK; k++)
            st = genre_dataset_schema_add_missing_value(c, sc->name, sc->missing_value[k]);
        if (sc->order && st == GENRE_OK)
            st = genre_dataset_schema_set_category_order(c, sc->name,
                                                         (const char *const *)sc->order,
                                                         sc->n_order);
        if (st == GENRE_OK)
            st = genre__schema_copy_info(c, s, j);
    }
    for (size_t k = 0; k < s->n_missing_text && st == GENRE_OK; k++)
        st = genre_dataset_schema_add_missing_text(c, NULL, s->missing_text[k]);
    if (s->no_group && st == GENRE_OK)
        st = genre_dataset_schema_set_no_group(c, s->no_group);
    if (st != GENRE_OK) {
        genre_dataset_schema_free(c);
        return st;
    }
    /* Every option, whatever the table lists (inference notes are not copied). */
    for (size_t k = 0; k < genre__dataset_schema_param_table.n_params; k++) {
        const genre__param *p = &genre__dataset_schema_param_table.params[k];
        genre__params_store_i64(p, c, genre__params_load_i64(p, s));
    }
    *out = c;
    return GENRE_OK;
}

static const char *const music_numeric[] = {
    "popularity", "acousticness", "danceability", "duration_ms", "energy",
    "instrumentalness", "liveness", "loudness", "speechiness", "tempo", "valence"};
static const char *const music_keys[] = {"C",  "C#", "D",  "D#", "E",  "F",
                                         "F#", "G",  "G#", "A",  "A#", "B"};
static const char *const music_modes[] = {"Minor", "Major"};
static const char *const music_genres[] = {"Electronic", "Anime", "Jazz",  "Alternative",
                                           "Country",    "Rap",   "Blues", "Rock",
                                           "Classical",  "Hip-Hop"};

genre_status genre_dataset_schema_create_music_genre(genre_dataset_schema **out)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    genre_dataset_schema *s = NULL;
    genre_status st = genre_dataset_schema_create(&s);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
#define TRY(call)                                                                              \
    if (st == GENRE_OK)                                                                        \
    st = (call)
    TRY(genre_dataset_schema_add_column(s, "instance_id", GENRE_COL_IGNORE));
    TRY(genre_dataset_schema_add_column(s, "artist_name", GENRE_COL_GROUP));
    TRY(genre_dataset_schema_add_column(s, "track_name", GENRE_COL_TEXT));
    for (size_t i = 0; i < sizeof music_numeric / sizeof *music_numeric; i++)
        TRY(genre_dataset_schema_add_column(s, music_numeric[i], GENRE_COL_NUMERIC));
    TRY(genre_dataset_schema_add_column(s, "key", GENRE_COL_CATEGORICAL));
    TRY(genre_dataset_schema_add_column(s, "mode", GENRE_COL_CATEGORICAL));
    TRY(genre_dataset_schema_add_column(s, "obtained_date", GENRE_COL_IGNORE));
    TRY(genre_dataset_schema_add_column(s, "music_genre", GENRE_COL_LABEL));
    TRY(genre_dataset_schema_add_missing_text(s, NULL, ""));
    TRY(genre_dataset_schema_add_missing_text(s, "tempo", "?"));
    TRY(genre_dataset_schema_add_missing_value(s, "duration_ms", -1.0));
    TRY(genre_dataset_schema_set_no_group(s, "empty_field"));
    TRY(genre_dataset_schema_set_category_order(s, "key", music_keys, 12));
    TRY(genre_dataset_schema_set_category_order(s, "mode", music_modes, 2));
    TRY(genre_dataset_schema_set_category_order(s, "music_genre", music_genres, 10));
    /* What genre-analysis does with the reference table (reading is unchanged). */
    TRY(genre_dataset_schema_set_impute(s, "duration_ms", GENRE_IMPUTE_GROUP_MEDIAN));
    TRY(genre_dataset_schema_set_impute(s, "tempo", GENRE_IMPUTE_MODEL));
#undef TRY
    if (st != GENRE_OK) {
        genre_dataset_schema_free(s);
        return GENRE_PASS(st);
    }
    *out = s;
    return GENRE_OK;
}

/* ---- Table storage ---------------------------------------------------------- */

void genre_dataset_free(genre_dataset *ds)
{
    if (!ds)
        return;
    for (size_t j = 0; ds->cols && j < ds->schema->n_cols; j++) {
        genre__free(ds->cols[j].num);
        genre__free(ds->cols[j].id);
        genre__free(ds->cols[j].code);
        genre__dict_free(&ds->cols[j].dict);
    }
    genre__free(ds->cols);
    genre__free(ds->blank);
    genre__free(ds->line);
    genre__free(ds->source);
    genre__free(ds->rep);
    genre__dict_free(&ds->rep_keys);
    genre_dataset_schema_free(ds->schema);
    genre__free(ds);
}

genre_status genre__dataset_reserve(genre_dataset *ds, size_t rows)
{
    if (rows <= ds->cap_rows)
        return GENRE_OK;
    if (rows < 16)
        rows = 16;
    for (size_t j = 0; j < ds->schema->n_cols; j++) {
        struct genre__col *c = &ds->cols[j];
        int32_t role = ds->schema->cols[j].role;
        if (role == GENRE_COL_IGNORE)
            continue;
        if (role == GENRE_COL_NUMERIC) {
            if (genre__realloc_array(&c->num, rows, sizeof *c->num) != 0)
                return GENRE_E_NOMEM;
        } else if (genre__realloc_array(&c->id, rows, sizeof *c->id) != 0) {
            return GENRE_E_NOMEM;
        }
        if (c->code && genre__realloc_array(&c->code, rows, sizeof *c->code) != 0)
            return GENRE_E_NOMEM;
    }
    if (genre__realloc_array(&ds->blank, rows, 1) != 0 ||
        genre__realloc_array(&ds->line, rows, sizeof *ds->line) != 0)
        return GENRE_E_NOMEM;
    ds->cap_rows = rows;
    return GENRE_OK;
}

void genre__dataset_clear(genre_dataset *ds)
{
    for (size_t j = 0; j < ds->schema->n_cols; j++) {
        genre__free(ds->cols[j].code); /* encoding makes new ones */
        ds->cols[j].code = NULL;
        genre__dict_clear(&ds->cols[j].dict);
    }
    genre__free(ds->source);
    ds->source = NULL;
    ds->n_rows = 0;
    ds->n_rep = 0;
    genre__dict_clear(&ds->rep_keys);
    ds->no_group_id = -1;
    ds->encoded = 0;
}

genre_status genre__dataset_alloc(genre_dataset **out, const genre_dataset_schema *schema,
                                  size_t cap_rows)
{
    genre_dataset *ds = GENRE_NEW(genre_dataset);
    if (!ds)
        return GENRE_E_NOMEM;
    ds->no_group_id = -1;
    genre_status st = genre__schema_copy(&ds->schema, schema);
    if (st == GENRE_OK) {
        ds->cols = genre__calloc_array(schema->n_cols, sizeof *ds->cols);
        if (!ds->cols)
            st = GENRE_E_NOMEM;
    }
    if (st == GENRE_OK)
        st = genre__dataset_reserve(ds, cap_rows);
    if (st != GENRE_OK) {
        genre_dataset_free(ds);
        return st;
    }
    *out = ds;
    return GENRE_OK;
}

genre_status genre_dataset_get_i64(const genre_dataset *ds, int32_t key, int64_t *out)
{
    GENRE_CHECK_NOT_NULL(ds);
    GENRE_CHECK_NOT_NULL(out);
    switch (key) {
    case GENRE_DATASET_N_ROWS:
        *out = (int64_t)ds->n_rows;
        return GENRE_OK;
    case GENRE_DATASET_N_COLUMNS:
        *out = (int64_t)ds->schema->n_cols;
        return GENRE_OK;
    case GENRE_DATASET_ENCODED:
        *out = ds->encoded;
        return GENRE_OK;
    default:
        return GENRE_FAIL(GENRE_E_UNKNOWN_PARAM, "dataset property %d unknown", (int)key);
    }
}

/* ---- Cleaning --------------------------------------------------------------- */

/* Keeps the rows with keep[r] != 0, in order, in place; one array at a
 * time, moving runs of kept rows with memmove. */
static size_t compact_array(void *base, size_t elem, const uint8_t *keep, size_t n)
{
    char *a = base;
    size_t w = 0, r = 0;
    while (r < n) {
        while (r < n && !keep[r])
            r++;
        size_t start = r;
        while (r < n && keep[r])
            r++;
        if (r > start && w != start)
            memmove(a + w * elem, a + start * elem, (r - start) * elem);
        w += r - start;
    }
    return w;
}

static void compact_rows(genre_dataset *ds, const uint8_t *keep)
{
    size_t n = ds->n_rows;
    for (size_t j = 0; j < ds->schema->n_cols; j++) {
        struct genre__col *c = &ds->cols[j];
        if (c->num)
            compact_array(c->num, sizeof *c->num, keep, n);
        if (c->id)
            compact_array(c->id, sizeof *c->id, keep, n);
        if (c->code)
            compact_array(c->code, sizeof *c->code, keep, n);
    }
    compact_array(ds->line, sizeof *ds->line, keep, n);
    ds->n_rows = compact_array(ds->blank, 1, keep, n);
}

genre_status genre_dataset_drop_empty_rows(genre_dataset *ds)
{
    GENRE_CHECK_NOT_NULL(ds);
    size_t before = ds->n_rows;
    uint8_t *keep = genre__alloc_array(before, 1);
    if (!keep)
        return GENRE_PASS(GENRE_E_NOMEM);
    for (size_t r = 0; r < before; r++)
        keep[r] = !ds->blank[r];
    /* Record first: on failure the table is untouched. */
    size_t kept = 0;
    for (size_t r = 0; r < before; r++)
        kept += keep[r];
    genre_status st = genre__report_set(ds, "drop_empty_rows", -1, "dropped",
                                        (int64_t)(before - kept));
    if (st == GENRE_OK)
        st = genre__report_set(ds, "drop_empty_rows", -1, "kept", (int64_t)kept);
    if (st == GENRE_OK)
        compact_rows(ds, keep);
    genre__free(keep);
    return GENRE_PASS(st);
}
