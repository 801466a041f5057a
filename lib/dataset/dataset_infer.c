/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Schema inference (genre_dataset_schema_infer): one pass of the reader's
 * own tokenizer over the records gathers, per column, what its cells are
 * (numbers, missing markers, other texts and their distinct values), then
 * each column gets the role a careful user would give it; what was seen is
 * kept as notes in the new schema. The rules are in
 * include/genre/dataset_schema.h and docs/dataset.md.
 */
#define _GNU_SOURCE /* locale_t */
#include "dataset_infer.h"

#include "alloc.h"
#include "caller_buffer.h"
#include "error_private.h"
#include "parallel.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A non-numeric column is text when at least this share (1/10) of its
 * distinct values has a word shared with another value. */
#define TEXT_SHARE_DIVISOR 10
/* ---- Words --------------------------------------------------------------- */

static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c >= 0x80;
}

/* A hash or UUID: hex digits (with at least one letter and one digit, at
 * least 8 of them) and '-', '_', '{', '}' only. It has no words. */
static int is_hash(const char *s, size_t len)
{
    size_t hex = 0, digits = 0, letters = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= '0' && c <= '9')
            digits++;
        else if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
            letters++;
        else if (c != '-' && c != '_' && c != '{' && c != '}')
            return 0;
    }
    hex = digits + letters;
    return hex >= 8 && digits > 0 && letters > 0;
}

/* Calls fn on each word of s: a run of letters (ASCII or any non-ASCII
 * byte) of two or more, lower-cased, or a short letter-digit mix such as
 * "mp3" (at most 4 characters); digit runs, longer mixes (random ids) and
 * hashes give none. Words are cut at 64 bytes. */
typedef genre_status (*word_fn)(void *ctx, const char *w, size_t len);

static genre_status each_word(const char *s, size_t len, word_fn fn, void *ctx)
{
    if (is_hash(s, len))
        return GENRE_OK;
    size_t i = 0;
    while (i < len) {
        while (i < len && !is_alnum((unsigned char)s[i]))
            i++;
        size_t b = i, letters = 0, digits = 0;
        while (i < len && is_alnum((unsigned char)s[i])) {
            if (s[i] >= '0' && s[i] <= '9')
                digits++;
            else
                letters++;
            i++;
        }
        size_t n = i - b;
        if (letters == 0 || (digits > 0 && n > 4) || (digits == 0 && n < 2))
            continue;
        char w[64];
        if (n > sizeof w)
            n = sizeof w;
        for (size_t k = 0; k < n; k++) {
            char c = s[b + k];
            w[k] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        }
        genre_status st = fn(ctx, w, n);
        if (st != GENRE_OK)
            return st;
    }
    return GENRE_OK;
}

struct word_count {
    genre__dict words;
    int64_t *values;   /* per word: distinct values that have it */
    int64_t *last;     /* per word: the last value counted */
    size_t cap;
    int64_t value;     /* the value being read */
    int32_t *ids;      /* every value's words, value after value */
    size_t n_ids, cap_ids;
};

static genre_status count_word(void *ctx, const char *w, size_t len)
{
    struct word_count *wc = ctx;
    size_t known = wc->words.n;
    int32_t id = genre__dict_intern(&wc->words, w, len);
    if (id < 0)
        return GENRE_E_NOMEM;
    if (wc->words.n > wc->cap) {
        size_t cap = wc->cap ? wc->cap * 2 : 256;
        if (genre__realloc_array(&wc->values, cap, sizeof *wc->values) != 0 ||
            genre__realloc_array(&wc->last, cap, sizeof *wc->last) != 0)
            return GENRE_E_NOMEM;
        wc->cap = cap;
    }
    if (wc->words.n > known) {
        wc->values[id] = 0;
        wc->last[id] = -1;
    }
    if (wc->last[id] == wc->value)
        return GENRE_OK;
    wc->last[id] = wc->value;
    wc->values[id]++;
    if (wc->n_ids == wc->cap_ids) {
        size_t cap = wc->cap_ids ? wc->cap_ids * 2 : 1024;
        if (genre__realloc_array(&wc->ids, cap, sizeof *wc->ids) != 0)
            return GENRE_E_NOMEM;
        wc->cap_ids = cap;
    }
    wc->ids[wc->n_ids++] = id;
    return GENRE_OK;
}

/* How many distinct texts of c share a word with another one. */
static genre_status count_recurring(struct icol *c)
{
    struct word_count wc;
    memset(&wc, 0, sizeof wc);
    size_t *start = genre__alloc_array(c->texts.n + 1, sizeof *start);
    genre_status st = start ? GENRE_OK : GENRE_E_NOMEM;
    for (size_t v = 0; v < c->texts.n && st == GENRE_OK; v++) {
        wc.value = (int64_t)v;
        start[v] = wc.n_ids;
        st = each_word(GENRE__DICT_STR(&c->texts, v), c->texts.len[v], count_word, &wc);
    }
    c->recurring = 0;
    if (st == GENRE_OK) {
        start[c->texts.n] = wc.n_ids;
        for (size_t v = 0; v < c->texts.n; v++) {
            int hit = 0;
            for (size_t k = start[v]; k < start[v + 1] && !hit; k++)
                hit = wc.values[wc.ids[k]] >= 2;
            c->recurring += hit;
        }
    }
    genre__free(start);
    genre__dict_free(&wc.words);
    genre__free(wc.values);
    genre__free(wc.last);
    genre__free(wc.ids);
    return st;
}

/* ---- Recurring words of every column, on threads ---------------------- */

/* Columns whose words are counted, shared out among threads: each column
 * goes, largest first, to the thread with the least distinct texts so far
 * (two large text columns then land on two threads). */
struct sized {
    size_t texts, col;
};

struct word_job {
    struct icol *cols;
    struct sized *order;        /* the columns, largest first */
    size_t n;
    int *owner;                 /* per entry of order: its thread */
    genre_status *st;           /* per entry of order */
};

static void word_worker(void *ctx, size_t begin, size_t end, int worker)
{
    (void)worker;
    struct word_job *job = ctx;
    for (size_t t = begin; t < end; t++)
        for (size_t k = 0; k < job->n; k++)
            if ((size_t)job->owner[k] == t)
                job->st[k] = count_recurring(&job->cols[job->order[k].col]);
}

static int cmp_texts_desc(const void *a, const void *b)
{
    const struct sized *x = a, *y = b;
    if (x->texts != y->texts)
        return x->texts > y->texts ? -1 : 1;
    return x->col < y->col ? -1 : 1;
}

/* Words are only counted where a few thousand distinct texts pay for a
 * thread. */
#define WORDS_THREAD_MIN_TEXTS 4096

/* count_recurring on every column a role may need it for: those with texts
 * that are not numeric (with odd cells), and not the label. */
static genre_status count_all_recurring(const struct infer *in)
{
    struct sized *order = genre__alloc_array(in->n_header + 1, sizeof *order);
    int *owner = genre__alloc_array(in->n_header + 1, sizeof *owner);
    genre_status *sts = genre__alloc_array(in->n_header + 1, sizeof *sts);
    genre_status st = order && owner && sts ? GENRE_OK : GENRE_E_NOMEM;
    size_t n = 0, total = 0;
    for (size_t j = 0; st == GENRE_OK && j < in->n_header; j++)
        if (j != in->label && in->cols[j].n_text > 0 && !genre__infer_may_be_numeric(&in->cols[j])) {
            order[n].texts = in->cols[j].texts.n;
            order[n++].col = j;
            total += in->cols[j].texts.n;
        }
    int n_threads = st == GENRE_OK ? genre__resolve_threads(in->opt->n_threads) : 1;
    if (n_threads > 1 && n > 1 && total >= WORDS_THREAD_MIN_TEXTS) {
        size_t bins = (size_t)n_threads < n ? (size_t)n_threads : n;
        size_t load[GENRE__CSV_MAX_PARTS] = {0};
        if (bins > GENRE__CSV_MAX_PARTS)
            bins = GENRE__CSV_MAX_PARTS;
        qsort(order, n, sizeof *order, cmp_texts_desc);
        for (size_t k = 0; k < n; k++) {
            size_t least = 0;
            for (size_t b = 1; b < bins; b++)
                least = load[b] < load[least] ? b : least;
            owner[k] = (int)least;
            load[least] += order[k].texts + 1;
            sts[k] = GENRE_E_INTERNAL;
        }
        struct word_job job = {in->cols, order, n, owner, sts};
        genre__parallel_for((int)bins, bins, word_worker, &job);
        /* A failure again on this thread, for its message. */
        for (size_t k = 0; k < n && st == GENRE_OK; k++)
            if (sts[k] != GENRE_OK)
                st = count_recurring(&in->cols[order[k].col]);
    } else {
        for (size_t k = 0; k < n && st == GENRE_OK; k++)
            st = count_recurring(&in->cols[order[k].col]);
    }
    genre__free(order);
    genre__free(owner);
    genre__free(sts);
    return st;
}

/* ---- Notes ---------------------------------------------------------------- */

struct notes {
    char *buf;
    size_t len, cap;
    int failed;
};

static void notes_add(struct notes *n, const char *fmt, ...) GENRE_PRINTF(2, 3);

static void notes_add(struct notes *n, const char *fmt, ...)
{
    if (n->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(n->buf ? n->buf + n->len : NULL, n->buf ? n->cap - n->len : 0, fmt,
                          ap);
        va_end(ap);
        if (w < 0) {
            n->failed = 1;
            return;
        }
        if (n->buf && n->len + (size_t)w < n->cap) {
            n->len += (size_t)w;
            return;
        }
        size_t cap = n->cap ? n->cap : 1024;
        while (cap <= n->len + (size_t)w)
            cap *= 2;
        if (genre__realloc_array(&n->buf, cap, 1) != 0) {
            n->failed = 1;
            return;
        }
        n->cap = cap;
    }
}

/* s[0..len) C-escaped in double quotes. */
static void notes_quoted(struct notes *n, const char *s, size_t len)
{
    notes_add(n, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            notes_add(n, "\\%c", c);
        else if (c == '\n')
            notes_add(n, "\\n");
        else if (c == '\r')
            notes_add(n, "\\r");
        else if (c == '\t')
            notes_add(n, "\\t");
        else if (c < 0x20 || c == 0x7f)
            notes_add(n, "\\x%02x", c);
        else
            notes_add(n, "%c", c);
    }
    notes_add(n, "\"");
}

/* A column name: bare when it has no space, quote, backslash or control
 * byte, else quoted as a value. */
static void notes_name(struct notes *n, const char *s)
{
    size_t len = strlen(s);
    int bare = len > 0;
    for (size_t i = 0; i < len && bare; i++)
        bare = (unsigned char)s[i] > 0x20 && s[i] != '"' && s[i] != '\\' && s[i] != 0x7f;
    if (bare)
        notes_add(n, "%s", s);
    else
        notes_quoted(n, s, len);
}

/* "missing: empty 3, NA 2" for the markers c saw, or nothing. */
static void notes_missing(struct notes *n, const struct icol *c)
{
    if (c->empty == 0 && c->marker_texts.n == 0)
        return;
    notes_add(n, ", %lld missing", (long long)(c->empty + c->marked));
    if (c->empty)
        notes_add(n, " (empty %lld)", (long long)c->empty);
    for (size_t k = 0; k < c->marker_texts.n; k++) {
        notes_add(n, " marker ");
        notes_quoted(n, GENRE__DICT_STR(&c->marker_texts, k), c->marker_texts.len[k]);
    }
}

/* ---- Roles ---------------------------------------------------------------- */


/* The role of a column other than the label, with the reason in the notes.
 * A non-numeric column's values are its texts and its numbers; numbers have
 * no words, and their distinct count is known up to max_categories + 1. */
static int32_t decide(const struct infer *in, const struct icol *c, struct notes *n)
{
    int64_t present = c->n_num + c->n_text;
    if (present == 0) {
        notes_add(n, " ignore all %lld cells missing", (long long)c->cells);
        return GENRE_COL_IGNORE;
    }
    if (genre__infer_may_be_numeric(c)) {
        if (c->n_text == 0 && c->min == c->max) {
            notes_add(n, " ignore constant %.17g", c->min);
            return GENRE_COL_IGNORE;
        }
        if (c->n_text == 0 && c->running && c->n_num >= 3 && c->n_num == c->cells) {
            double first = c->prev - (double)(c->n_num - 1) * c->run_dir;
            notes_add(n, " ignore running integer id %.17g to %.17g", first, c->prev);
            return GENRE_COL_IGNORE;
        }
        if (c->n_text == 0 && c->dense_id) {
            notes_add(n,
                      " ignore unique integer id, %lld distinct integers from %.17g to %.17g "
                      "(a span of at most %d x the rows, no missing cell): row numbers in "
                      "shuffled order? To use it as a feature, declare it numeric in a schema "
                      "file (genre-analysis --print-schema, edit, --schema)",
                      (long long)c->n_num, c->min, c->max, ID_SPAN_FACTOR);
            return GENRE_COL_IGNORE;
        }
        if (c->n_text == 0 && c->all_int && in->opt->infer_integer_categories &&
            c->num_set.n <= (size_t)in->opt->infer_max_categories &&
            (int64_t)c->num_set.n * 2 <= c->n_num) {
            notes_add(n, " categorical %zu distinct integers "
                         "(GENRE_SCHEMA_INFER_INTEGER_CATEGORIES)",
                      c->num_set.n);
            return GENRE_COL_CATEGORICAL;
        }
        notes_add(n, " numeric %lld numbers%s", (long long)c->n_num,
                  c->all_int ? " (integers)" : "");
        if (c->n_text)
            notes_add(n, ", %lld odd cells read as missing", (long long)c->n_text);
        return GENRE_COL_NUMERIC;
    }
    int num_full = c->num_set.n > (size_t)in->opt->infer_max_categories || c->texts_full;
    size_t d = c->texts.n + c->num_set.n;
    if (d == 1) {
        notes_add(n, " ignore constant ");
        if (c->texts.n)
            notes_quoted(n, GENRE__DICT_STR(&c->texts, 0), c->texts.len[0]);
        else
            notes_quoted(n, GENRE__DICT_STR(&c->num_set, 0), c->num_set.len[0]);
        return GENRE_COL_IGNORE;
    }
    if (!num_full && d <= (size_t)in->opt->infer_max_categories && (int64_t)d * 2 <= present) {
        notes_add(n, " categorical %zu distinct values", d);
        return GENRE_COL_CATEGORICAL;
    }
    const char *at_least = num_full ? "over " : "";
    if (c->recurring >= 2 && c->recurring * TEXT_SHARE_DIVISOR >= (int64_t)d) {
        notes_add(n, " text %s%zu distinct values, %lld share words with others", at_least, d,
                  (long long)c->recurring);
        return GENRE_COL_TEXT;
    }
    if (c->n_num >= c->n_text) /* mostly numbers: say why it is not numeric */
        notes_add(n,
                  " ignore %lld numbers and %lld texts, too many texts for a numeric column "
                  "(at most 1 %% of its cells, or one cell among %d or more numbers, and %d "
                  "distinct texts): to "
                  "read them as missing, declare the column numeric with them as missing "
                  "markers in a schema file (genre-analysis --print-schema, edit, --schema)",
                  (long long)c->n_num, (long long)c->n_text, ODD_ONE_MIN_NUMBERS,
                  ODD_MAX_DISTINCT);
    else if (!num_full && (int64_t)d == present)
        notes_add(n, " ignore unique in every row, no shared words: an id");
    else
        notes_add(n, " ignore %s%zu distinct values, too many for a category, no shared words",
                  at_least, d);
    return GENRE_COL_IGNORE;
}

/* ---- The whole inference ------------------------------------------------- */

struct numbered {
    double v;
    const char *text;
};

static int cmp_numbered(const void *a, const void *b)
{
    const struct numbered *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return strcmp(x->text, y->text);
}

/* The label: too many classes fail; numbers get their numeric order. */
static genre_status label_column(struct infer *in, genre_dataset_schema *s, struct notes *n)
{
    const struct icol *c = &in->cols[in->label];
    const char *name = in->header[in->label];
    size_t d = c->texts.n;
    if (d == 0)
        return GENRE_FAIL(GENRE_E_SCHEMA, "%s: the label column '%s' has no value in %lld rows",
                          in->rd.name, name, (long long)in->rows);
    if (d > (size_t)in->opt->infer_max_label_classes)
        return GENRE_FAIL(GENRE_E_SCHEMA,
                          "%s: the label column '%s' has %zu distinct values, more than "
                          "GENRE_SCHEMA_INFER_MAX_LABEL_CLASSES (%lld): a continuous column "
                          "named as the label? (raise the key if it really is a label)",
                          in->rd.name, name, d, (long long)in->opt->infer_max_label_classes);
    notes_add(n, " label %zu classes", d);
    if (c->n_text > 0)
        return GENRE_OK;
    /* Every value is a number: declare them in numeric order. */
    struct numbered *num = genre__alloc_array(d, sizeof *num);
    const char **order = genre__alloc_array(d, sizeof *order);
    genre_status st = num && order ? GENRE_OK : GENRE_E_NOMEM;
    for (size_t k = 0; k < d && st == GENRE_OK; k++) {
        num[k].text = GENRE__DICT_STR(&c->texts, k);
        if (genre__csv_parse_number(num[k].text, c->texts.len[k], in->rd.c_locale,
                                    &num[k].v) < 0)
            st = GENRE_E_NOMEM;
    }
    if (st == GENRE_OK) {
        qsort(num, d, sizeof *num, cmp_numbered);
        /* The reader compares label texts: "1" and "1.0" would be two classes. */
        for (size_t k = 1; k < d && st == GENRE_OK; k++)
            if (num[k].v == num[k - 1].v)
                st = GENRE_FAIL(GENRE_E_SCHEMA,
                                "%s: the label column '%s' spells the number %.17g two ways "
                                "('%s' and '%s'), which would be two classes: write each "
                                "class one way",
                                in->rd.name, name, num[k].v, num[k - 1].text, num[k].text);
    }
    if (st == GENRE_OK) {
        for (size_t k = 0; k < d; k++)
            order[k] = num[k].text;
        st = genre_dataset_schema_set_category_order(s, name, order, d);
    }
    genre__free(num);
    genre__free(order);
    if (st == GENRE_OK)
        notes_add(n, " in numeric order");
    return st;
}

/* Declares a column's markers: empty, the words it met, and for a numeric
 * column its odd texts. */
static genre_status declare_markers(const struct infer *in, genre_dataset_schema *s, size_t j)
{
    const struct icol *c = &in->cols[j];
    const char *name = in->header[j];
    genre_status st = GENRE_OK;
    if (c->empty)
        st = genre_dataset_schema_add_missing_text(s, name, "");
    for (size_t k = 0; k < c->marker_texts.n && st == GENRE_OK; k++)
        st = genre_dataset_schema_add_missing_text(s, name,
                                                   GENRE__DICT_STR(&c->marker_texts, k));
    if (c->role == GENRE_COL_NUMERIC)
        for (size_t k = 0; k < c->texts.n && st == GENRE_OK; k++)
            st = genre_dataset_schema_add_missing_text(s, name, GENRE__DICT_STR(&c->texts, k));
    return st;
}

static genre_status read_header(struct infer *in, const char *label, genre__dict *names)
{
    struct reader *rd = &in->rd;
    in->header_line = rd->line;
    genre_status st = genre__csv_read_record(rd);
    if (st != GENRE_OK)
        return st;
    in->n_header = rd->n_fields;
    in->header = genre__calloc_array(in->n_header, sizeof *in->header);
    if (!in->header)
        return GENRE_E_NOMEM;
    in->label = SIZE_MAX;
    for (size_t k = 0; k < in->n_header; k++) {
        char col_label[32];
        snprintf(col_label, sizeof col_label, "#%zu (header)", k + 1);
        if ((st = genre__csv_check_utf8(rd, col_label, &rd->fields[k], in->header_line)) !=
            GENRE_OK)
            return st;
        size_t len = rd->fields[k].len;
        if (!(in->header[k] = genre__alloc_array(len + 1, 1)))
            return GENRE_E_NOMEM;
        memcpy(in->header[k], field_ptr(rd, &rd->fields[k]), len);
        in->header[k][len] = '\0';
        /* a hash set: a pairwise check is quadratic in a wide header */
        size_t before = names->n;
        int32_t id = genre__dict_intern(names, in->header[k], len);
        if (id < 0)
            return GENRE_E_NOMEM;
        if (names->n == before)
            return GENRE_FAIL(GENRE_E_DUPLICATE_COLUMN,
                              "%s:%lld: column '%s' appears twice in the header "
                              "(fields %d and %zu)",
                              rd->name, (long long)in->header_line, in->header[k], id + 1, k + 1);
        if (strcmp(in->header[k], label) == 0)
            in->label = k;
    }
    if (in->label == SIZE_MAX) {
        char list[256];
        size_t used = 0;
        for (size_t k = 0; k < in->n_header && used < sizeof list; k++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s'%s'", k ? ", " : "",
                                     in->header[k]);
        if (used >= sizeof list)
            memcpy(list + sizeof list - 5, "...", 4);
        return GENRE_FAIL(GENRE_E_MISSING_COLUMN,
                          "%s:%lld: the label column '%s' is not in the header (%zu columns "
                          "split at %s: %s)",
                          rd->name, (long long)in->header_line, label, in->n_header,
                          genre__csv_separator_name(rd->sep), list);
    }
    in->data_start = rd->p;
    in->data_line = rd->line;
    if (rd->p == rd->end)
        return GENRE_FAIL(GENRE_E_NO_DATA_ROWS, "%s: a header and no data rows", rd->name);
    return GENRE_OK;
}

/* In strict mode: the first odd cell (by line) of a numeric column. */
static genre_status strict_check(const struct infer *in)
{
    const struct odd_cell *first = NULL;
    size_t first_col = 0;
    for (size_t j = 0; j < in->n_header; j++) {
        const struct icol *c = &in->cols[j];
        if (c->role == GENRE_COL_NUMERIC && c->n_odd > 0 &&
            (!first || c->odd[0].line < first->line)) {
            first = &c->odd[0];
            first_col = j;
        }
    }
    if (!first)
        return GENRE_OK;
    const struct icol *c = &in->cols[first_col];
    return GENRE_FAIL(GENRE_E_NOT_A_NUMBER,
                      "%s:%lld: column '%s': '%.*s' is not a number in a column of %lld numbers "
                      "(GENRE_SCHEMA_INFER_STRICT is set; %zu odd cells in all)",
                      in->rd.name, (long long)first->line, in->header[first_col],
                      (int)(c->texts.len[first->text] < SHOW ? c->texts.len[first->text] : SHOW),
                      GENRE__DICT_STR(&c->texts, first->text), (long long)c->n_num, c->n_odd);
}

static genre_status build(struct infer *in, genre_dataset_schema **out)
{
    genre_dataset_schema *s = NULL;
    genre_status st = genre_dataset_schema_create(&s);
    if (st != GENRE_OK)
        return st;
    for (size_t k = 0; k < genre__dataset_schema_param_table.n_params; k++) {
        const genre__param *p = &genre__dataset_schema_param_table.params[k];
        genre__params_store_i64(p, s, genre__params_load_i64(p, in->opt));
    }
    s->separator = (unsigned char)in->rd.sep;
    struct notes n = {NULL, 0, 0, 0};
    for (size_t j = 0; j < in->n_header && st == GENRE_OK; j++) {
        struct icol *c = &in->cols[j];
        notes_add(&n, "column ");
        notes_name(&n, in->header[j]);
        if (j == in->label) {
            c->role = GENRE_COL_LABEL;
            st = genre_dataset_schema_add_column(s, in->header[j], c->role);
            if (st == GENRE_OK)
                st = label_column(in, s, &n);
        } else {
            c->role = decide(in, c, &n);
            st = genre_dataset_schema_add_column(s, in->header[j], c->role);
        }
        if (c->comma_numbers > 0)
            notes_add(&n, ", %lld cells are numbers written with a comma (decimal comma "
                          "'1,5' or thousands '1,000'), which the reader does not take: "
                          "write them with '.' decimals and no separators",
                      (long long)c->comma_numbers);
        if (c->role != GENRE_COL_IGNORE) {
            notes_missing(&n, c);
            if (st == GENRE_OK)
                st = declare_markers(in, s, j);
        }
        notes_add(&n, "\n");
    }
    for (size_t k = 0; k < in->n_extra && st == GENRE_OK; k++)
        st = genre_dataset_schema_add_missing_text(s, NULL, in->extra[k]);
    for (size_t j = 0; j < in->n_header && st == GENRE_OK; j++) {
        const struct icol *c = &in->cols[j];
        if (c->role != GENRE_COL_NUMERIC)
            continue;
        for (size_t k = 0; k < c->n_odd; k++) {
            notes_add(&n, "odd_cell %s:%lld ", in->rd.name, (long long)c->odd[k].line);
            notes_name(&n, in->header[j]);
            notes_add(&n, " ");
            notes_quoted(&n, GENRE__DICT_STR(&c->texts, c->odd[k].text),
                         c->texts.len[c->odd[k].text]);
            notes_add(&n, "\n");
        }
    }
    if (st == GENRE_OK && n.failed)
        st = GENRE_E_NOMEM;
    if (st == GENRE_OK && in->opt->infer_strict)
        st = strict_check(in);
    if (st != GENRE_OK) {
        genre__free(n.buf);
        genre_dataset_schema_free(s);
        return st;
    }
    s->infer_notes = n.buf ? n.buf : genre__strdup("");
    if (!s->infer_notes) {
        genre_dataset_schema_free(s);
        return GENRE_E_NOMEM;
    }
    *out = s;
    return GENRE_OK;
}

static genre_status infer_plain(genre_dataset_schema **out, const genre_dataset_schema *opt,
                                const char *buf, size_t len, const char *name,
                                const char *label)
{
    struct infer in;
    memset(&in, 0, sizeof in);
    in.opt = opt;
    in.extra = (const char *const *)opt->missing_text;
    in.n_extra = opt->n_missing_text;
    /* UTF-8 is checked by the scan, part by part on its threads. */
    genre_status st = genre__csv_open_unchecked(&in.rd, opt, buf, len, name);
    genre__dict names; /* the header's, while it is read */
    memset(&names, 0, sizeof names);
    if (st == GENRE_OK)
        st = read_header(&in, label, &names);
    genre__dict_free(&names);
    if (st == GENRE_OK)
        st = genre__infer_scan(&in);
    if (st == GENRE_OK && in.rows == 0)
        st = GENRE_FAIL(GENRE_E_NO_DATA_ROWS, "%s: a header and no data rows (%s)", name,
                        opt->infer_max_rows ? "in the first GENRE_SCHEMA_INFER_MAX_ROWS records"
                                            : "only blank records");
    if (st == GENRE_OK)
        st = count_all_recurring(&in);
    if (st == GENRE_OK)
        st = build(&in, out);
    for (size_t j = 0; in.cols && j < in.n_header; j++)
        genre__infer_col_free(&in.cols[j]);
    for (size_t k = 0; in.header && k < in.n_header; k++)
        genre__free(in.header[k]);
    genre__free(in.header);
    genre__free(in.cols);
    genre__csv_close(&in.rd);
    return st;
}

/* Inflates gzip input, then infers. */
static genre_status infer_bytes(genre_dataset_schema **out, const genre_dataset_schema *opt,
                                const void *buf, size_t len, const char *name,
                                const char *label)
{
    const size_t limit = (uint64_t)opt->max_input < SIZE_MAX - 1 ? (size_t)opt->max_input
                                                                  : SIZE_MAX - 1;
    if (len > limit)
        return genre__dataset_too_large(name, limit, "holds");
    if (!genre__dataset_is_gzip(buf, len))
        return infer_plain(out, opt, buf, len, name, label);
    char *plain = NULL;
    size_t plain_len = 0;
    genre_status st = genre__dataset_inflate(name, buf, len, limit, &plain, &plain_len);
    if (st == GENRE_OK)
        st = infer_plain(out, opt, plain, plain_len, name, label);
    genre__free(plain);
    return st;
}

/* The options' schema, or the defaults when NULL (*made is then freed by the
 * caller). */
static genre_status options_of(const genre_dataset_schema *options,
                               const genre_dataset_schema **opt, genre_dataset_schema **made)
{
    *made = NULL;
    if (options) {
        if (options->n_cols != 0)
            return GENRE_FAIL(GENRE_E_INVALID_ARG,
                              "the options schema names %zu columns; inference takes one "
                              "without columns (only its options and markers are used)",
                              options->n_cols);
        *opt = options;
        return GENRE_OK;
    }
    genre_status st = genre_dataset_schema_create(made);
    *opt = *made;
    return st;
}

genre_status genre_dataset_schema_infer(genre_dataset_schema **out,
                                        const genre_dataset_schema *options, const char *path,
                                        const char *label)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(path);
    GENRE_CHECK_NOT_NULL(label);
    const genre_dataset_schema *opt = NULL;
    genre_dataset_schema *made = NULL;
    genre_status st = options_of(options, &opt, &made);
    char *buf = NULL;
    size_t len = 0;
    /* With a record limit only the header and those records are read (a
     * prefix of a file far larger than memory); the source inflates gzip. */
    if (st == GENRE_OK && opt->infer_max_rows > 0) {
        st = genre__dataset_read_prefix(opt, path, opt->infer_max_rows + 1, &buf, &len);
        if (st == GENRE_OK)
            st = infer_plain(out, opt, buf, len, path, label);
    } else if (st == GENRE_OK) {
        st = genre__dataset_read_path(opt, path, &buf, &len);
        if (st == GENRE_OK)
            st = infer_bytes(out, opt, buf, len, path, label);
    }
    genre__free(buf);
    genre_dataset_schema_free(made);
    return GENRE_PASS(st);
}

genre_status genre_dataset_schema_infer_from_memory(genre_dataset_schema **out,
                                                    const genre_dataset_schema *options,
                                                    const void *buf, size_t len, const char *name,
                                                    const char *label)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    if (!buf && len > 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "argument 'buf' is NULL with len %zu", len);
    GENRE_CHECK_NOT_NULL(label);
    const genre_dataset_schema *opt = NULL;
    genre_dataset_schema *made = NULL;
    genre_status st = options_of(options, &opt, &made);
    if (st == GENRE_OK)
        st = infer_bytes(out, opt, len ? buf : "", len, name ? name : "<memory>", label);
    genre_dataset_schema_free(made);
    return GENRE_PASS(st);
}

genre_status genre_dataset_schema_infer_notes(const genre_dataset_schema *schema, char *buf,
                                              size_t cap, size_t *needed)
{
    GENRE_CHECK_NOT_NULL(schema);
    const char *notes = schema->infer_notes ? schema->infer_notes : "";
    size_t need = strlen(notes) + 1;
    genre_status st = genre__buffer_query(__func__, buf, cap, need, needed);
    if (st != GENRE_OK || !buf)
        return st;
    memcpy(buf, notes, need);
    return GENRE_OK;
}
