/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Schema files of genre-analysis --schema (schema_file.h). */
#define _POSIX_C_SOURCE 200809L

#include "schema_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One token of a schema line: unquoted runs and "quoted" runs glued
 * together; eq is the offset of the first '=' outside quotes, or -1. */
typedef struct stok {
    char text[512];
    int eq, quoted;
} stok;

/* Splits a line into at most cap tokens; -1 on an unterminated quote or a
 * token longer than 511 bytes. */
static int schema_tokens(const char *line, stok *t, int cap)
{
    int n = 0;
    const char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (!*p || *p == '#')
            return n;
        if (n == cap)
            return -2;
        stok *k = &t[n++];
        size_t len = 0;
        int inq = 0;
        k->eq = -1;
        k->quoted = 0;
        while (*p && (inq || (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n'))) {
            if (*p == '"') {
                inq = !inq;
                k->quoted = 1;
                p++;
                continue;
            }
            if (!inq && *p == '=' && k->eq < 0)
                k->eq = (int)len;
            if (len + 1 >= sizeof k->text)
                return -1;
            k->text[len++] = *p++;
        }
        if (inq)
            return -1;
        k->text[len] = 0;
    }
}

static const char *const SCHEMA_TYPES[] = {"numeric", "categorical", "text",
                                           "label",   "group",       "ignore"};
static const int32_t SCHEMA_ROLES[] = {GENRE_COL_NUMERIC, GENRE_COL_CATEGORICAL,
                                       GENRE_COL_TEXT,    GENRE_COL_LABEL,
                                       GENRE_COL_GROUP,   GENRE_COL_IGNORE};

/* Appends a marker to a display list `a, b` ("" shown as ""). */
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

void schema_file_info_free(schema_file_info *info)
{
    for (size_t i = 0; i < info->n_cols; i++)
        free(info->cols[i].name), free(info->cols[i].markers);
    free(info->cols);
    info->cols = NULL;
    info->n_cols = 0;
}

/* Reads one schema line into the schema; 0, or -1 with the message (without
 * the "path:line: " prefix) in err. */
static int schema_line(genre_dataset_schema *sc, stok *t, int n, char global[][512],
                       int *n_global, int max_global, const schema_file_need *needs,
                       size_t n_needs, int32_t *need_role, int *n_cols,
                       schema_file_info *info, char *err, size_t cap)
{
#define LFAIL(...)                                                                     \
    do {                                                                               \
        snprintf(err, cap, __VA_ARGS__);                                               \
        return -1;                                                                     \
    } while (0)
    const char *name = t[0].text;
    if (t[0].eq >= 0 && !t[0].quoted)
        LFAIL("'%s': a line starts with a column name (or *), not an option", name);
    if (!strcmp(name, "*") && !t[0].quoted) {
        /* markers for every column */
        if (n == 1)
            LFAIL("'*' needs missing=TEXT");
        for (int i = 1; i < n; i++) {
            if (t[i].eq != 7 || strncmp(t[i].text, "missing", 7))
                LFAIL("'%s': only missing=TEXT applies to every column", t[i].text);
            if (*n_global == max_global)
                LFAIL("'%s': more than %d markers for every column", t[i].text, max_global);
            snprintf(global[(*n_global)++], 512, "%s", t[i].text + 8);
        }
        return 0;
    }
    if (n < 2)
        LFAIL("'%s': the column needs a type (numeric, categorical, text, label, group "
              "or ignore)",
              name);
    int ty = -1;
    for (int k = 0; k < 6; k++)
        if (!strcmp(t[1].text, SCHEMA_TYPES[k]))
            ty = k;
    if (ty < 0)
        LFAIL("unknown type '%.200s' for column '%.200s' (numeric, categorical, text, label, "
              "group or ignore)",
              t[1].text, name);
    if (genre_dataset_schema_add_column(sc, name, SCHEMA_ROLES[ty]))
        LFAIL("column '%.200s': %.400s", name, genre_last_error());
    schema_file_column *grown = realloc(info->cols, (info->n_cols + 1) * sizeof *grown);
    if (!grown)
        LFAIL("out of memory");
    info->cols = grown;
    schema_file_column *col = &info->cols[info->n_cols++];
    *col = (schema_file_column){.name = strdup(name), .role = SCHEMA_ROLES[ty],
                                .markers = strdup("")};
    if (!col->name || !col->markers)
        LFAIL("out of memory");
    (*n_cols)++;
    for (size_t j = 0; j < n_needs; j++)
        if (!strcmp(name, needs[j].name))
            need_role[j] = SCHEMA_ROLES[ty];
    if (SCHEMA_ROLES[ty] == GENRE_COL_LABEL)
        snprintf(info->label_col, sizeof info->label_col, "%s", name);
    if (SCHEMA_ROLES[ty] == GENRE_COL_GROUP)
        snprintf(info->group_col, sizeof info->group_col, "%s", name);
    for (int i = 2; i < n; i++) {
        const char *tok = t[i].text;
        int eq = t[i].eq;
        if (eq < 0)
            LFAIL("'%s': expected an option KEY=VALUE (missing, missing-value, order, "
                  "no-group)",
                  tok);
        const char *v = tok + eq + 1;
        genre_status st;
        if (eq == 7 && !strncmp(tok, "missing", 7)) {
            st = genre_dataset_schema_add_missing_text(sc, name, v);
            if (!st && add_marker(&col->markers, v))
                LFAIL("out of memory");
        } else if (eq == 13 && !strncmp(tok, "missing-value", 13)) {
            char *end;
            double x = strtod(v, &end);
            if (end == v || *end)
                LFAIL("'%s': not a number", tok);
            st = genre_dataset_schema_add_missing_value(sc, name, x);
            if (!st && add_marker(&col->markers, v))
                LFAIL("out of memory");
        } else if (eq == 8 && !strncmp(tok, "no-group", 8)) {
            st = genre_dataset_schema_set_no_group(sc, v);
        } else if (eq == 5 && !strncmp(tok, "order", 5)) {
            char buf[512], *names[256];
            size_t k = 0;
            snprintf(buf, sizeof buf, "%s", v);
            for (char *q = buf, *c; q && k < 256; q = c ? c + 1 : NULL) {
                c = strchr(q, ',');
                if (c)
                    *c = 0;
                names[k++] = q;
            }
            st = genre_dataset_schema_set_category_order(sc, name,
                                                         (const char *const *)names, k);
            col->n_order = k;
        } else {
            LFAIL("unknown option '%.*s' (missing, missing-value, order, no-group)", eq,
                  tok);
        }
        if (st)
            LFAIL("'%.200s' of column '%.200s': %.400s", tok, name, genre_last_error());
    }
    return 0;
#undef LFAIL
}

int schema_file_parse(const char *text, size_t len, const char *path,
                      const schema_file_need *needs, size_t n_needs,
                      genre_dataset_schema **out, schema_file_info *info, char *err,
                      size_t errcap)
{
    *out = NULL;
    info->label_col[0] = info->group_col[0] = info->global_markers[0] = 0;
    info->cols = NULL;
    info->n_cols = 0;
    genre_dataset_schema *sc = NULL;
    if (genre_dataset_schema_create(&sc)) {
        snprintf(err, errcap, "%s: %s", path, genre_last_error());
        return -1;
    }
    enum { MAXG = 16, MAXT = 16 };
    char global_missing[MAXG][512], msg[2048], line_msg[1024];
    int n_global = 0, n_cols = 0, rc = -1;
    long lineno = 0;
    int32_t *need_role = calloc(n_needs ? n_needs : 1, sizeof *need_role);
    stok *t = calloc(MAXT, sizeof *t);
    char *line = NULL;
    size_t line_cap = 0;
#define SFAIL(...)                                                                     \
    do {                                                                               \
        snprintf(msg, sizeof msg, __VA_ARGS__);                                        \
        if (lineno)                                                                    \
            snprintf(err, errcap, "%s:%ld: %s", path, lineno, msg);                    \
        else                                                                           \
            snprintf(err, errcap, "%s: %s", path, msg);                                \
        goto done;                                                                     \
    } while (0)
    if (!t || !need_role)
        SFAIL("out of memory");
    for (size_t pos = 0; pos < len;) {
        const char *s = text + pos, *e = memchr(s, '\n', len - pos);
        size_t n = e ? (size_t)(e - s) : len - pos;
        pos += n + 1;
        lineno++;
        /* the tokenizer stops at a NUL: refuse it rather than cut the line */
        const char *nul = memchr(s, '\0', n);
        if (nul)
            SFAIL("byte %zu of the line is a NUL byte (a schema file is text; a binary "
                  "file?)",
                  (size_t)(nul - s) + 1);
        if (n + 1 > line_cap) {
            char *q = realloc(line, n + 1);
            if (!q)
                SFAIL("out of memory");
            line = q, line_cap = n + 1;
        }
        memcpy(line, s, n);
        line[n] = 0;
        int k = schema_tokens(line, t, MAXT);
        if (k == -1)
            SFAIL("unterminated quote or a token over 511 bytes");
        if (k == -2)
            SFAIL("more than %d tokens", MAXT);
        if (k > 0 && schema_line(sc, t, k, global_missing, &n_global, MAXG, needs, n_needs,
                                 need_role, &n_cols, info, line_msg, sizeof line_msg))
            SFAIL("%s", line_msg);
    }
    for (int i = 0; i < n_global; i++) {
        if (genre_dataset_schema_add_missing_text(sc, NULL, global_missing[i]))
            SFAIL("'*' missing=%.500s: %.900s", global_missing[i], genre_last_error());
        size_t gl = strlen(info->global_markers);
        snprintf(info->global_markers + gl, sizeof info->global_markers - gl, "%s%s",
                 gl ? ", " : "", global_missing[i][0] ? global_missing[i] : "\"\"");
    }
    /* what the caller needs */
    lineno = 0;
    if (n_cols == 0)
        SFAIL("no column declared");
    for (size_t j = 0; j < n_needs; j++)
        if (need_role[j] != needs[j].role)
            SFAIL("the analysis needs the column '%s' declared %s", needs[j].name,
                  needs[j].role == GENRE_COL_NUMERIC ? "numeric" : "categorical");
    if (!info->label_col[0])
        SFAIL("the analysis needs a label column (type label)");
    rc = 0;
done:
#undef SFAIL
    free(line);
    free(t);
    free(need_role);
    if (rc) {
        genre_dataset_schema_free(sc);
        schema_file_info_free(info);
    } else
        *out = sc;
    return rc;
}

int schema_file_read(const char *path, const schema_file_need *needs, size_t n_needs,
                     genre_dataset_schema **out, schema_file_info *info, char *err,
                     size_t errcap)
{
    *out = NULL;
    info->cols = NULL;
    info->n_cols = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errcap, "cannot open the schema file %s: %s", path, strerror(errno));
        return -1;
    }
    /* a schema file is small: refuse anything over 1 MiB (a device, a data file) */
    enum { MAX_SCHEMA = 1 << 20 };
    char *buf = malloc(MAX_SCHEMA + 1);
    size_t n = buf ? fread(buf, 1, MAX_SCHEMA + 1, f) : 0;
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad || n > MAX_SCHEMA) {
        snprintf(err, errcap, "%s: %s", path,
                 !buf ? "out of memory" : bad ? "cannot read the schema file (a folder?)"
                                              : "over 1 MiB, not a schema file");
        free(buf);
        return -1;
    }
    int rc = schema_file_parse(buf, n, path, needs, n_needs, out, info, err, errcap);
    free(buf);
    return rc;
}
