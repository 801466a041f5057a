/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where the schema of a run comes from (the built-in one, --schema FILE or
 * inferred from --input with --label), whether it is the reference table's,
 * --group, --print-schema, and the columns the report lists, read back
 * through the library's schema getters and written text (analysis.h). */
#define _XOPEN_SOURCE 700

#include "analysis.h"
#include "schema_file.h"

#include <stdlib.h>
#include <string.h>

/* The schema as a schema file (genre_dataset_schema_save_to_memory()), or NULL. */
static char *schema_text(const genre_dataset_schema *s)
{
    size_t need = 0;
    if (genre_dataset_schema_save_to_memory(s, NULL, 0, &need) || !need)
        return NULL;
    char *t = malloc(need);
    if (t && genre_dataset_schema_save_to_memory(s, t, need, NULL)) {
        free(t);
        t = NULL;
    }
    return t;
}

/* The next blank-separated token of a schema-file line at *p (quotes keep
 * blanks; the token stays raw, quotes included); 0 at the line's end. */
static size_t next_token(const char **p, const char **start)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t' || *s == '\r')
        s++;
    *start = s;
    int inq = 0;
    while (*s && *s != '\n' && (inq || (*s != ' ' && *s != '\t' && *s != '\r'))) {
        if (*s == '"')
            inq = !inq;
        s++;
    }
    *p = s;
    return (size_t)(s - *start);
}

/* A raw token without its quotes ("" inside quotes is one quote). */
static void unquote(const char *raw, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    int inq = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        if (raw[i] == '"') {
            if (inq && i + 1 < n && raw[i + 1] == '"')
                out[o++] = '"', i++;
            else
                inq = !inq;
            continue;
        }
        out[o++] = raw[i];
    }
    out[o] = 0;
}

static int add_marker(char **list, const char *v)
{
    size_t n = strlen(*list), k = strlen(v);
    char *q = realloc(*list, n + k + 5);
    if (!q)
        return -1;
    snprintf(q + n, k + 5, "%s%s", n ? ", " : "", k ? v : "\"\"");
    *list = q;
    return 0;
}

/* Each column's missing markers from the schema's written text: its own
 * missing= and missing-value= after those of the `*` line. */
static int markers_from_text(run *r, const char *text)
{
    char *global = strdup("");
    char name[1024], value[1024];
    size_t next = 0; /* the text names columns in order: look there first */
    if (!global)
        return -1;
    for (const char *line = text; line && *line;) {
        const char *p = line, *t;
        size_t n = next_token(&p, &t);
        table_col *c = NULL;
        int star = n == 1 && *t == '*';
        if (n && !star && *t != '#') {
            unquote(t, n, name, sizeof name);
            if (next < r->n_cols && !strcmp(r->cols[next].name, name))
                c = &r->cols[next];
            else
                c = table_column(r, name); /* a 100,000-column header: not n^2 */
            if (c)
                next = (size_t)(c - r->cols) + 1;
        }
        while (n && (star || c) && (n = next_token(&p, &t)) > 0) {
            const char *eq = memchr(t, '=', n);
            size_t k = eq ? (size_t)(eq - t) : 0;
            if (!eq || !((k == 7 && !strncmp(t, "missing", 7)) ||
                         (k == 13 && !strncmp(t, "missing-value", 13))))
                continue;
            unquote(eq + 1, n - k - 1, value, sizeof value);
            if (add_marker(star ? &global : &c->markers, value))
                goto nomem;
        }
        const char *nl = strchr(line, '\n');
        line = nl ? nl + 1 : NULL;
    }
    for (size_t i = 0; i < r->n_cols; i++) {
        table_col *c = &r->cols[i];
        if (c->role == GENRE_COL_IGNORE) {
            c->markers[0] = 0;
            continue;
        }
        size_t n = strlen(global) + strlen(c->markers) + 3;
        char *m = malloc(n);
        if (!m)
            goto nomem;
        snprintf(m, n, "%s%s%s", global, global[0] && c->markers[0] ? ", " : "", c->markers);
        free(c->markers);
        c->markers = m;
    }
    free(global);
    return 0;
nomem:
    free(global);
    return -1;
}

/* r->cols, the label and the group column from the schema's getters. */
static int cols_from_schema(run *r, const genre_dataset_schema *s, const char *text)
{
    size_t n = 0;
    genre_dataset_schema_column_count(s, &n);
    r->cols = xcalloc(n, sizeof *r->cols);
    if (!r->cols)
        return -1;
    for (size_t i = 0; i < n; i++) {
        table_col *c = &r->cols[r->n_cols++];
        size_t need = 0;
        genre_dataset_schema_column(s, i, NULL, 0, &need, &c->role);
        c->name = xcalloc(need ? need : 1, 1);
        c->markers = strdup("");
        c->missing_read = -1;
        if (!c->name || !c->markers ||
            genre_dataset_schema_column(s, i, c->name, need, NULL, NULL))
            return -1;
        genre_dataset_schema_category_order_count(s, c->name, &c->n_order);
        genre_dataset_schema_get_impute(s, c->name, &c->declared_impute);
        if (c->role == GENRE_COL_LABEL)
            snprintf(r->label_col, sizeof r->label_col, "%s", c->name);
        if (c->role == GENRE_COL_GROUP)
            snprintf(r->group_col, sizeof r->group_col, "%s", c->name);
    }
    return text ? markers_from_text(r, text) : 0;
}

/* A C-escaped "quoted" or bare word of an inference note at *p into out;
 * *p moves past it. */
static void note_word(const char **p, char *out, size_t cap)
{
    const char *s = *p;
    size_t o = 0;
    if (*s == '"') {
        for (s++; *s && *s != '"'; s++) {
            char c = *s;
            if (c == '\\' && s[1]) {
                s++;
                c = *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s == 't' ? '\t' : *s;
                if (*s == 'x' && s[1] && s[2]) {
                    char hex[3] = {s[1], s[2], 0};
                    c = (char)strtol(hex, NULL, 16);
                    s += 2;
                }
            }
            if (o + 1 < cap)
                out[o++] = c;
        }
        if (*s == '"')
            s++;
    } else {
        while (*s && *s != ' ' && *s != '\n')
            if (o + 1 < cap)
                out[o++] = *s++;
            else
                s++;
    }
    out[o] = 0;
    *p = s;
}

/* The schema inferred from --input with --label: its notes to stderr (the
 * summary of the inferred schema), its odd cells (a numeric column's cells
 * read as missing) to the report's warnings with their file:line. */
static int infer(run *r, genre_dataset_schema **out)
{
    genre_dataset_schema *opt = NULL;
    genre_status st = genre_dataset_schema_create(&opt);
    if (!st && r->opt.strict)
        st = genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_STRICT, 1);
    if (!st && r->opt.threads)
        st = genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_THREADS, r->opt.threads);
    /* --stream: the file may not fit in memory; inference reads its first
     * records only */
    if (!st && r->opt.stream)
        st = genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_MAX_ROWS, r->opt.infer_rows);
    if (!st)
        st = genre_dataset_schema_infer(out, opt, r->data_path, r->opt.label);
    if (!st && r->opt.stream)
        snprintf(r->sm.infer_note, sizeof r->sm.infer_note,
                 "inferred from the first %ld data rows of the file", r->opt.infer_rows);
    genre_dataset_schema_free(opt);
    if (st) {
        snprintf(r->error, sizeof r->error, "%s", genre_last_error());
        return -1;
    }
    size_t need = 0;
    genre_dataset_schema_infer_notes(*out, NULL, 0, &need);
    char *notes = need ? malloc(need) : NULL;
    if (!notes || genre_dataset_schema_infer_notes(*out, notes, need, NULL)) {
        free(notes);
        return 0; /* no summary: the schema itself is fine */
    }
    if (!r->opt.print_schema)
        say("genre-analysis: the schema inferred from %s (label %s):\n", r->data_path,
            r->opt.label);
    char col[512] = "", list[600] = "";
    int odd = 0;
    for (char *line = notes, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        if (!strncmp(line, "column ", 7)) {
            if (!r->opt.print_schema)
                say("  %s\n", line + 7);
            continue;
        }
        if (strncmp(line, "odd_cell ", 9))
            continue;
        /* odd_cell <file>:<line> <name> "<value>": one warning per column */
        const char *where = line + 9, *sp = strchr(where, ' ');
        const char *p = sp ? sp + 1 : "";
        char name[512];
        note_word(&p, name, sizeof name);
        if (odd && strcmp(col, name)) {
            add_warning(r, "column %s: %d odd cell%s read as missing: %s%s", col, odd,
                        odd == 1 ? "" : "s", list, odd > 5 ? ", ..." : "");
            odd = 0, list[0] = 0;
        }
        snprintf(col, sizeof col, "%s", name);
        if (odd++ < 5)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%.*s %s",
                     odd > 1 ? ", " : "", (int)(sp ? sp - where : 0), where, p + (*p == ' '));
    }
    if (odd)
        add_warning(r, "column %s: %d odd cell%s read as missing: %s%s", col, odd,
                    odd == 1 ? "" : "s", list, odd > 5 ? ", ..." : "");
    free(notes);
    return 0;
}

/* --group COLUMN on a schema whose group column is another one (or none,
 * as inference gives): the schema again, from its text, with COLUMN
 * declared group (its missing markers kept) and the old group column text. */
static int regroup(run *r, genre_dataset_schema **s)
{
    char *text = schema_text(*s), name[1024];
    size_t len = text ? strlen(text) : 0;
    char *out = malloc(2 * len + 64);
    int found = 0;
    if (!text || !out) {
        free(text), free(out);
        snprintf(r->error, sizeof r->error, "out of memory");
        return -1;
    }
    size_t o = 0;
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n'), *end = nl ? nl : line + strlen(line);
        const char *p = line, *t, *tt;
        size_t n = next_token(&p, &t), nt = 0;
        if (n)
            unquote(t, n, name, sizeof name);
        if (n && *t != '*' && *t != '#')
            nt = next_token(&p, &tt);
        int mine = nt && !strcmp(name, r->opt.group);
        int old = nt && !mine && nt == 5 && !strncmp(tt, "group", 5);
        if (mine && nt == 5 && !strncmp(tt, "label", 5)) {
            snprintf(r->error, sizeof r->error, "--group %s: that is the label column",
                     r->opt.group);
            free(text), free(out);
            return -1;
        }
        if (mine || old) {
            found |= mine;
            o += (size_t)snprintf(out + o, 2 * len + 64 - o, "%.*s %s", (int)n, t,
                                  mine ? "group" : "text");
            size_t k;
            while ((k = next_token(&p, &t)) > 0)
                if (!strncmp(t, "missing=", 8) || !strncmp(t, "missing-value=", 14))
                    o += (size_t)snprintf(out + o, 2 * len + 64 - o, " %.*s", (int)k, t);
            out[o++] = '\n';
        } else {
            memcpy(out + o, line, (size_t)(end - line));
            o += (size_t)(end - line);
            out[o++] = '\n';
        }
        line = nl ? nl + 1 : end;
    }
    out[o] = 0;
    free(text);
    if (!found) {
        snprintf(r->error, sizeof r->error, "--group %s: no such column in the schema",
                 r->opt.group);
        free(out);
        return -1;
    }
    genre_dataset_schema *g = NULL;
    if (genre_dataset_schema_load_from_memory(&g, out, o, "--group")) {
        snprintf(r->error, sizeof r->error, "--group %s: %s", r->opt.group, genre_last_error());
        free(out);
        return -1;
    }
    free(out);
    genre_dataset_schema_free(*s);
    *s = g;
    return 0;
}

/* A user's table whose categoricals are all unordered (one-hot): a category
 * met only in test rows enters as all-0 one-hot columns (table.c), as
 * scikit-learn's handle_unknown="ignore" does, instead of stopping the run
 * in genre_dataset_prep_apply. With a declared order the value is a code
 * and -1 would be a value, so such a schema keeps the error. The label is
 * read the same way: stage_data.c refuses a test label outside the
 * training classes. */
static genre_status unseen_as_zeros(genre_dataset_schema *s)
{
    size_t n = 0;
    genre_status st = genre_dataset_schema_column_count(s, &n);
    for (size_t i = 0; i < n && !st; i++) {
        char name[1024];
        int32_t role = 0;
        size_t k = 0;
        if (genre_dataset_schema_column(s, i, name, sizeof name, NULL, &role) ||
            role != GENRE_COL_CATEGORICAL)
            continue;
        if (!genre_dataset_schema_category_order_count(s, name, &k) && k)
            return GENRE_OK;
    }
    if (!st)
        st = genre_dataset_schema_set_i64(s, GENRE_SCHEMA_UNSEEN_CATEGORY,
                                          GENRE_UNSEEN_RESERVED_CODE);
    return st;
}

int table_schema(run *r, genre_dataset_schema **out)
{
    *out = NULL;
    genre_status st = GENRE_OK;
    if (r->opt.schema) {
        schema_file_info info;
        if (schema_file_read(r->opt.schema, NULL, 0, out, &info, r->error, sizeof r->error))
            return -1;
    } else if (r->opt.label) {
        if (infer(r, out))
            return -1;
    } else if ((st = genre_dataset_schema_create_music_genre(out))) {
        snprintf(r->error, sizeof r->error, "built-in schema: %s", genre_last_error());
        return -1;
    }
    if (r->opt.group) {
        /* the group column of the schema, or another one made so */
        size_t n = 0;
        int32_t role = 0;
        genre_dataset_schema_column_count(*out, &n);
        int is_group = 0;
        for (size_t i = 0; i < n && !is_group; i++) {
            char name[1024];
            if (!genre_dataset_schema_column(*out, i, name, sizeof name, NULL, &role))
                is_group = role == GENRE_COL_GROUP && !strcmp(name, r->opt.group);
        }
        if (!is_group && regroup(r, out))
            return -1;
    }
    char *text = schema_text(*out);
    genre_dataset_schema *builtin = NULL;
    char *ref = NULL;
    if (!genre_dataset_schema_create_music_genre(&builtin))
        ref = schema_text(builtin);
    genre_dataset_schema_free(builtin);
    /* the reference table: the built-in schema's text, never the data */
    r->is_ref = text && ref && !strcmp(text, ref);
    free(ref);
    int rc = cols_from_schema(r, *out, text);
    r->schema_text = text;
    if (rc) {
        snprintf(r->error, sizeof r->error, "out of memory");
        return -1;
    }
    if (!r->label_col[0]) {
        snprintf(r->error, sizeof r->error, "the schema has no label column");
        return -1;
    }
    if (r->opt.label && strcmp(r->opt.label, r->label_col)) {
        snprintf(r->error, sizeof r->error, "--label %s: the schema's label column is '%s'",
                 r->opt.label, r->label_col);
        return -1;
    }
    /* a choice of features or split makes it a user's analysis of the table */
    if (r->opt.features || r->opt.test_fraction > 0 || r->opt.group)
        r->is_ref = 0;
    if (!r->is_ref && unseen_as_zeros(*out)) {
        snprintf(r->error, sizeof r->error, "%s", genre_last_error());
        return -1;
    }
    return 0;
}

int table_print_schema(run *r)
{
    genre_dataset_schema *s = NULL;
    if (table_schema(r, &s)) {
        fprintf(stderr, "genre-analysis: %s\n", r->error);
        genre_dataset_schema_free(s);
        return 1;
    }
    genre_dataset_schema_free(s);
    if (!r->schema_text) {
        fprintf(stderr, "genre-analysis: cannot write the schema: %s\n", genre_last_error());
        return 1;
    }
    fputs(r->schema_text, stdout);
    return fflush(stdout) ? 1 : 0;
}
