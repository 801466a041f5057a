/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Schema files: the text form of a schema (docs/dataset.md, "Schema
 * files"), parsed into a schema through the public setters and written back
 * so that parsing the text gives the same schema. */
#define _POSIX_C_SOURCE 200809L

#include "dataset_private.h"

#include "alloc.h"
#include "caller_buffer.h"
#include "error_private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A schema file is small: a bigger file is a data file or a device. */
#define MAX_SCHEMA_FILE ((size_t)1 << 20)

/* ---- Tokens ----------------------------------------------------------------- */

/* One token of a line: unquoted runs and "quoted" runs glued together (""
 * inside quotes is one literal quote; \n \r \t inside quotes are a line
 * feed, carriage return and tab, any other backslash is itself). q[i] is 1
 * for bytes that were inside
 * quotes, so list separators (, and :) and = are only seen outside them;
 * eq is the offset of the first '=' outside quotes, or -1. */
typedef struct tok {
    char *text;
    unsigned char *q;
    size_t len;
    long eq;
    int quoted;
} tok;

typedef struct toks {
    tok *t;
    size_t n, cap;
    char *buf;          /* every token's text, NUL-terminated, end to end */
    unsigned char *qbuf;
    size_t buf_cap;
} toks;

static void toks_free(toks *k)
{
    genre__free(k->t);
    genre__free(k->buf);
    genre__free(k->qbuf);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Splits line[0..n) (no NUL, no '\n'); GENRE_OK, GENRE_E_PARSE (an
 * unterminated quote: *bad_at receives its byte, 1-based) or
 * GENRE_E_NOMEM. */
static genre_status tokenize(const char *line, size_t n, toks *k, size_t *bad_at)
{
    k->n = 0;
    /* Each token's bytes plus its NUL fit in 2n + 1 bytes. */
    if (2 * n + 1 > k->buf_cap) {
        size_t cap = 2 * n + 1;
        if (genre__realloc_array(&k->buf, cap, 1) != 0 ||
            genre__realloc_array(&k->qbuf, cap, 1) != 0)
            return GENRE_E_NOMEM;
        k->buf_cap = cap;
    }
    size_t p = 0, w = 0;
    for (;;) {
        while (p < n && is_blank(line[p]))
            p++;
        if (p == n || line[p] == '#')
            return GENRE_OK;
        if (k->n == k->cap) {
            size_t cap = k->cap ? 2 * k->cap : 16;
            if (genre__realloc_array(&k->t, cap, sizeof *k->t) != 0)
                return GENRE_E_NOMEM;
            k->cap = cap;
        }
        tok *t = &k->t[k->n++];
        t->text = k->buf + w;
        t->q = k->qbuf + w;
        t->eq = -1;
        t->quoted = 0;
        size_t len = 0, open_at = 0;
        int inq = 0;
        while (p < n && (inq || !is_blank(line[p]))) {
            char c = line[p];
            if (c == '"') {
                if (inq && p + 1 < n && line[p + 1] == '"') {
                    t->text[len] = '"';
                    t->q[len++] = 1;
                    p += 2;
                    continue;
                }
                if (!inq)
                    open_at = p;
                inq = !inq;
                t->quoted = 1;
                p++;
                continue;
            }
            if (inq && c == '\\' && p + 1 < n) {
                /* the escapes a line cannot hold otherwise (a line feed) or
                 * that keep a written name visible (CR, tab); no "\\": files
                 * written before hold backslashes as themselves */
                const char *esc = strchr("nrt", line[p + 1]);
                if (esc && *esc) {
                    t->text[len] = "\n\r\t"[esc - "nrt"];
                    t->q[len++] = 1;
                    p += 2;
                    continue;
                }
            }
            if (!inq && c == '=' && t->eq < 0)
                t->eq = (long)len;
            t->q[len] = (unsigned char)inq;
            t->text[len++] = c;
            p++;
        }
        if (inq) {
            *bad_at = open_at + 1;
            return GENRE_E_PARSE;
        }
        t->text[len] = '\0';
        t->len = len;
        w += len + 1;
    }
}

/* The values of a list option: the text after '=' cut at each `sep` outside
 * quotes, in place. *n receives the count (at least 1: "" is one empty
 * value). */
static genre_status split_list(tok *t, size_t from, char sep, char ***out, size_t *n)
{
    size_t count = 1;
    for (size_t i = from; i < t->len; i++)
        count += t->text[i] == sep && !t->q[i];
    char **v = genre__alloc_array(count, sizeof *v);
    if (!v)
        return GENRE_E_NOMEM;
    size_t m = 0;
    v[m++] = t->text + from;
    for (size_t i = from; i < t->len; i++)
        if (t->text[i] == sep && !t->q[i]) {
            t->text[i] = '\0';
            v[m++] = t->text + i + 1;
        }
    *out = v;
    *n = m;
    return GENRE_OK;
}

/* ---- Parsing ---------------------------------------------------------------- */

static const char *const TYPE_WORDS[] = {"numeric", "categorical", "text",
                                         "label",   "group",       "ignore"};
static const char *const IMPUTE_WORDS[] = {"none",         "median",       "mean",
                                           "most-frequent", "group-median", "model"};

/* genre_last_error() without its leading "genre_function: ". */
static const char *last_reason(void)
{
    const char *e = genre_last_error(), *c = strstr(e, ": ");
    if (strncmp(e, "genre_", 6) == 0 && c && !memchr(e, ' ', (size_t)(c - e)))
        return c + 2;
    return e;
}

/* A group-median declaration checked once every line is read. */
typedef struct group_check {
    int32_t col;
    long line;
    char *group; /* the named group column, or NULL */
} group_check;

typedef struct parser {
    genre_dataset_schema *s;
    const char *func, *name;
    long line;
    group_check *checks;
    size_t n_checks, cap_checks;
} parser;

#define LINE_FAIL(ps, st, ...) line_fail((ps), (st), __VA_ARGS__)

static genre_status line_fail(const parser *ps, genre_status st, const char *fmt, ...)
    GENRE_PRINTF(3, 4);
static genre_status line_fail(const parser *ps, genre_status st, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (st == GENRE_E_NOMEM)
        return genre__fail(st, ps->func, "%s", genre_status_str(st));
    if (ps->line > 0)
        return genre__fail(st, ps->func, "%.300s:%ld: %s", ps->name, ps->line, msg);
    return genre__fail(st, ps->func, "%.300s: %s", ps->name, msg);
}

/* A setter's refusal of an option, as a line error. */
static genre_status option_fail(const parser *ps, genre_status st, const tok *t,
                                const char *column)
{
    if (st == GENRE_E_NOMEM)
        return LINE_FAIL(ps, st, "out of memory");
    return LINE_FAIL(ps, GENRE_E_PARSE, "'%.200s' of column '%.200s': %.400s", t->text, column,
                     last_reason());
}

static genre_status star_line(parser *ps, tok *t, size_t n)
{
    if (n == 1)
        return LINE_FAIL(ps, GENRE_E_PARSE, "'*' needs missing=TEXT or separator=SEP");
    for (size_t i = 1; i < n; i++) {
        const char *v = t[i].text + t[i].eq + 1;
        genre_status st;
        if (t[i].eq == 7 && !strncmp(t[i].text, "missing", 7)) {
            st = genre_dataset_schema_add_missing_text(ps->s, NULL, v);
            if (st != GENRE_OK)
                return option_fail(ps, st, &t[i], "*");
        } else if (t[i].eq == 9 && !strncmp(t[i].text, "separator", 9)) {
            if (!strcmp(v, ","))
                ps->s->separator = ',';
            else if (!strcmp(v, ";"))
                ps->s->separator = ';';
            else if (!strcmp(v, "tab"))
                ps->s->separator = '\t';
            else
                return LINE_FAIL(ps, GENRE_E_PARSE,
                                 "'%.200s': the separator is ',', ';' or tab", t[i].text);
        } else {
            return LINE_FAIL(ps, GENRE_E_PARSE,
                             "'%.200s': only missing=TEXT and separator=SEP apply to every "
                             "column",
                             t[i].text);
        }
    }
    return GENRE_OK;
}

static genre_status impute_option(parser *ps, tok *t, const char *column, const char *v)
{
    int32_t j = genre__schema_find(ps->s, column);
    int kind = -1;
    const char *group = NULL;
    for (int k = 0; k <= GENRE_IMPUTE_MODEL; k++)
        if (!strcmp(v, IMPUTE_WORDS[k]))
            kind = k;
    if (kind < 0 && !strncmp(v, "group-median:", 13)) {
        kind = GENRE_IMPUTE_GROUP_MEDIAN;
        group = v + 13;
    }
    if (kind < 0)
        return LINE_FAIL(ps, GENRE_E_PARSE,
                         "'%.200s': impute= takes none, median, mean, most-frequent, "
                         "group-median[:GROUP] or model",
                         t->text);
    genre_status st = genre_dataset_schema_set_impute(ps->s, column, kind);
    if (st != GENRE_OK)
        return option_fail(ps, st, t, column);
    if (kind != GENRE_IMPUTE_GROUP_MEDIAN)
        return GENRE_OK;
    if (ps->n_checks == ps->cap_checks) {
        /* doubling: one realloc per group-median column is quadratic in a
         * file of many (where realloc cannot grow in place) */
        size_t cap = ps->cap_checks ? ps->cap_checks * 2 : 8;
        if (genre__realloc_array(&ps->checks, cap, sizeof *ps->checks) != 0)
            return LINE_FAIL(ps, GENRE_E_NOMEM, "out of memory");
        ps->cap_checks = cap;
    }
    group_check *c = &ps->checks[ps->n_checks];
    c->col = j;
    c->line = ps->line;
    c->group = group ? genre__strdup(group) : NULL;
    if (group && !c->group)
        return LINE_FAIL(ps, GENRE_E_NOMEM, "out of memory");
    ps->n_checks++;
    return GENRE_OK;
}

static genre_status names_option(parser *ps, tok *t, const char *column)
{
    char **items = NULL;
    size_t n = 0;
    tok whole = *t; /* the token as written, for messages: the split cuts it */
    whole.text = genre__strdup(t->text);
    genre_status st = whole.text ? split_list(t, (size_t)t->eq + 1, ',', &items, &n)
                                 : GENRE_E_NOMEM;
    const char **names = st == GENRE_OK ? genre__alloc_array(n, sizeof *names) : NULL;
    if (!names) {
        genre__free(items);
        genre__free(whole.text);
        return LINE_FAIL(ps, GENRE_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; st == GENRE_OK && i < n; i++) {
        char *colon = NULL;
        for (char *c = items[i]; *c && !colon; c++)
            if (*c == ':' && !t->q[c - t->text])
                colon = c;
        if (!colon) {
            st = LINE_FAIL(ps, GENRE_E_PARSE,
                           "'%.200s': names= takes VALUE:NAME pairs separated by commas "
                           "('%.100s' has no ':')",
                           whole.text, items[i]);
            break;
        }
        *colon = '\0';
        names[i] = colon + 1;
    }
    if (st == GENRE_OK) {
        st = genre_dataset_schema_set_category_names(ps->s, column, (const char *const *)items,
                                                     names, n);
        if (st != GENRE_OK)
            st = option_fail(ps, st, &whole, column);
    }
    genre__free(whole.text);
    genre__free(items);
    genre__free((void *)names);
    return st;
}

static genre_status column_option(parser *ps, tok *t, const char *column)
{
    if (t->eq < 0)
        return LINE_FAIL(ps, GENRE_E_PARSE,
                         "'%.200s': expected an option KEY=VALUE (missing, missing-value, "
                         "order, names, impute, no-group)",
                         t->text);
    const char *key = t->text, *v = t->text + t->eq + 1;
    size_t eq = (size_t)t->eq;
    genre_status st;
#define IS(word) (eq == sizeof(word) - 1 && !strncmp(key, word, eq))
    if (IS("missing")) {
        st = genre_dataset_schema_add_missing_text(ps->s, column, v);
    } else if (IS("missing-value")) {
        char *end;
        errno = 0;
        double x = strtod(v, &end);
        if (end == v || *end)
            return LINE_FAIL(ps, GENRE_E_PARSE, "'%.200s': not a number", t->text);
        st = genre_dataset_schema_add_missing_value(ps->s, column, x);
    } else if (IS("no-group")) {
        /* the library setter applies to whichever column is the group: here
         * the line's own column must be it */
        int32_t j = genre__schema_find(ps->s, column);
        if (j < 0 || ps->s->cols[j].role != GENRE_COL_GROUP)
            return LINE_FAIL(ps, GENRE_E_PARSE,
                             "'%.200s' of column '%.200s': only a group column takes no-group=",
                             t->text, column);
        st = genre_dataset_schema_set_no_group(ps->s, v);
    } else if (IS("order")) {
        char **names = NULL;
        size_t n = 0;
        /* keep the whole token for messages: split a copy */
        tok copy = *t;
        char *text = genre__strdup(t->text);
        unsigned char *q = genre__alloc_array(t->len + 1, 1);
        if (!text || !q) {
            genre__free(text);
            genre__free(q);
            return LINE_FAIL(ps, GENRE_E_NOMEM, "out of memory");
        }
        memcpy(q, t->q, t->len);
        copy.text = text;
        copy.q = q;
        st = split_list(&copy, eq + 1, ',', &names, &n);
        if (st == GENRE_OK) {
            st = genre_dataset_schema_set_category_order(ps->s, column,
                                                         (const char *const *)names, n);
            genre__free(names);
        }
        genre__free(text);
        genre__free(q);
    } else if (IS("impute")) {
        return impute_option(ps, t, column, v);
    } else if (IS("names")) {
        return names_option(ps, t, column);
    } else {
        return LINE_FAIL(ps, GENRE_E_PARSE,
                         "unknown option '%.*s' (missing, missing-value, order, names, impute, "
                         "no-group)",
                         (int)(eq < 200 ? eq : 200), key);
    }
#undef IS
    return st == GENRE_OK ? GENRE_OK : option_fail(ps, st, t, column);
}

static genre_status parse_line(parser *ps, tok *t, size_t n)
{
    const char *name = t[0].text;
    if (t[0].eq >= 0 && !t[0].quoted)
        return LINE_FAIL(ps, GENRE_E_PARSE,
                         "'%.200s': a line starts with a column name (or *), not an option",
                         name);
    if (!strcmp(name, "*") && !t[0].quoted)
        return star_line(ps, t, n);
    if (n < 2)
        return LINE_FAIL(ps, GENRE_E_PARSE,
                         "'%.200s': the column needs a type (numeric, categorical, text, "
                         "label, group or ignore)",
                         name);
    int ty = -1;
    for (int k = 0; k < 6; k++)
        if (!strcmp(t[1].text, TYPE_WORDS[k]))
            ty = k;
    if (ty < 0)
        return LINE_FAIL(ps, GENRE_E_PARSE,
                         "unknown type '%.200s' for column '%.200s' (numeric, categorical, "
                         "text, label, group or ignore)",
                         t[1].text, name);
    genre_status st = genre_dataset_schema_add_column(ps->s, name, GENRE_COL_NUMERIC + ty);
    if (st != GENRE_OK)
        return st == GENRE_E_NOMEM
                   ? LINE_FAIL(ps, st, "out of memory")
                   : LINE_FAIL(ps, GENRE_E_PARSE, "%.400s", last_reason()); /* names it */
    for (size_t i = 2; i < n && st == GENRE_OK; i++)
        st = column_option(ps, &t[i], name);
    return st;
}

/* What the lines alone cannot check: some column, and group medians that
 * have the group column they name. */
static genre_status check_whole(parser *ps)
{
    const genre_dataset_schema *s = ps->s;
    ps->line = 0;
    if (s->n_cols == 0)
        return LINE_FAIL(ps, GENRE_E_SCHEMA, "no column declared");
    for (size_t i = 0; i < ps->n_checks; i++) {
        const group_check *c = &ps->checks[i];
        ps->line = c->line;
        /* a later impute= on the same column replaced this one */
        if (s->cols[c->col].impute_decl != GENRE_IMPUTE_GROUP_MEDIAN + 1)
            continue;
        if (s->group_col < 0)
            return LINE_FAIL(ps, GENRE_E_SCHEMA,
                             "column '%.200s': impute=group-median needs a group column "
                             "(type group) and the schema has none",
                             s->cols[c->col].name);
        if (c->group && strcmp(c->group, s->cols[s->group_col].name) != 0)
            return LINE_FAIL(ps, GENRE_E_SCHEMA,
                             "column '%.200s': impute=group-median:%.200s names a column that "
                             "is not the group column ('%.200s')",
                             s->cols[c->col].name, c->group, s->cols[s->group_col].name);
    }
    return GENRE_OK;
}

static genre_status parse_text(genre_dataset_schema **out, const char *text, size_t len,
                               const char *name, const char *func)
{
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.func = func;
    ps.name = name ? name : "<schema>";
    toks k;
    memset(&k, 0, sizeof k);
    genre_status st = genre_dataset_schema_create(&ps.s);
    if (st != GENRE_OK)
        return st;
    for (size_t pos = 0; st == GENRE_OK && pos < len;) {
        const char *s = text + pos, *e = memchr(s, '\n', len - pos);
        size_t n = e ? (size_t)(e - s) : len - pos;
        pos += n + 1;
        ps.line++;
        const char *nul = memchr(s, '\0', n);
        if (nul) {
            st = LINE_FAIL(&ps, GENRE_E_PARSE,
                           "byte %zu of the line is a NUL byte (a schema file is text; a "
                           "binary file?)",
                           (size_t)(nul - s) + 1);
            break;
        }
        size_t bad_at = 0;
        st = tokenize(s, n, &k, &bad_at);
        if (st == GENRE_E_PARSE)
            st = LINE_FAIL(&ps, st, "unterminated quote (opened at byte %zu of the line)",
                           bad_at);
        else if (st == GENRE_E_NOMEM)
            st = LINE_FAIL(&ps, st, "out of memory");
        else if (k.n > 0)
            st = parse_line(&ps, k.t, k.n);
    }
    if (st == GENRE_OK)
        st = check_whole(&ps);
    toks_free(&k);
    for (size_t i = 0; i < ps.n_checks; i++)
        genre__free(ps.checks[i].group);
    genre__free(ps.checks);
    if (st != GENRE_OK) {
        genre_dataset_schema_free(ps.s);
        return st;
    }
    *out = ps.s;
    return GENRE_OK;
}

genre_status genre_dataset_schema_load_from_memory(genre_dataset_schema **out, const char *text,
                                                   size_t len, const char *name)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    if (!text && len)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "argument 'text' is NULL");
    return GENRE_PASS(parse_text(out, text ? text : "", len, name, __func__));
}

genre_status genre_dataset_schema_load(genre_dataset_schema **out, const char *path)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(path);
    char why[128];
    FILE *f = fopen(path, "rb");
    if (!f) {
        int err = errno;
        return GENRE_FAIL(genre__errno_status(err), "cannot open the schema file %s: %s", path,
                          genre__errno_text(err, why, sizeof why));
    }
    char *buf = genre__alloc_array(MAX_SCHEMA_FILE + 1, 1);
    size_t n = buf ? fread(buf, 1, MAX_SCHEMA_FILE + 1, f) : 0;
    int err = ferror(f) ? errno : 0;
    fclose(f);
    genre_status st = GENRE_OK;
    if (!buf)
        st = GENRE_FAIL(GENRE_E_NOMEM, "out of memory");
    else if (err)
        st = GENRE_FAIL(genre__errno_status(err), "%s: cannot read the schema file: %s", path,
                        genre__errno_text(err, why, sizeof why));
    else if (n > MAX_SCHEMA_FILE)
        st = GENRE_FAIL(GENRE_E_INPUT_TOO_LARGE, "%s: over 1 MiB, not a schema file", path);
    else
        st = parse_text(out, buf, n, path, __func__);
    genre__free(buf);
    return GENRE_PASS(st);
}

/* ---- Writing ---------------------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    genre_status st;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    if (b->st != GENRE_OK)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (genre__realloc_array(&b->p, cap, 1) != 0) {
            b->st = GENRE_E_NOMEM;
            return;
        }
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(sbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* A name or value as the tokenizer reads it back: bare when it can be
 * (a backslash outside quotes is itself), else in quotes with " doubled
 * and a line feed, CR or tab escaped. A backslash followed by n, r or t is
 * written with the quote closed after it (`"a\"n"b"` is a\nb): a backslash
 * before the closing quote is itself, and the letter goes bare. */
static void put_value(sbuf *b, const char *s)
{
    int quote = *s == '\0' || *s == '#' || strcmp(s, "*") == 0;
    for (const char *c = s; *c && !quote; c++)
        quote = strchr(" \t\r\n\",:=", *c) != NULL;
    if (!quote) {
        puts_(b, s);
        return;
    }
    put(b, "\"", 1);
    for (const char *c = s; *c; c++) {
        const char *esc = *c == '"'    ? "\"\""
                          : *c == '\n' ? "\\n"
                          : *c == '\r' ? "\\r"
                          : *c == '\t' ? "\\t"
                                       : NULL;
        if (esc) {
            put(b, esc, 2);
        } else if (*c == '\\' && c[1] && strchr("nrt", c[1])) {
            put(b, "\\\"", 2); /* the backslash, the quote closed */
            put(b, ++c, 1);     /* the letter, bare */
            put(b, "\"", 1);    /* the rest quoted again */
        } else {
            put(b, c, 1);
        }
    }
    put(b, "\"", 1);
}

static void pad_to(sbuf *b, size_t line_start, size_t width)
{
    while (b->st == GENRE_OK && b->len - line_start < width) /* put() fails: no growth */
        put(b, " ", 1);
    put(b, " ", 1);
}

static void write_column(sbuf *b, const genre_dataset_schema *s, size_t j, size_t name_width)
{
    const struct genre__schema_col *c = &s->cols[j];
    size_t start = b->len;
    put_value(b, c->name);
    pad_to(b, start, name_width);
    size_t type_start = b->len;
    puts_(b, TYPE_WORDS[c->role - GENRE_COL_NUMERIC]);
    int has_options = c->n_missing_text || c->n_missing_value || c->order || c->n_names ||
                      c->impute_decl || ((int32_t)j == s->group_col && s->no_group);
    if (has_options)
        pad_to(b, type_start, 12);
    const char *sep = "";
    for (size_t k = 0; k < c->n_missing_text; k++, sep = " ") {
        puts_(b, sep);
        puts_(b, "missing=");
        put_value(b, c->missing_text[k]);
    }
    for (size_t k = 0; k < c->n_missing_value; k++, sep = " ") {
        char num[40];
        snprintf(num, sizeof num, "%.17g", c->missing_value[k]);
        puts_(b, sep);
        puts_(b, "missing-value=");
        puts_(b, num);
    }
    if ((int32_t)j == s->group_col && s->no_group) {
        puts_(b, sep);
        puts_(b, "no-group=");
        put_value(b, s->no_group);
        sep = " ";
    }
    if (c->order) {
        puts_(b, sep);
        puts_(b, "order=");
        for (size_t k = 0; k < c->n_order; k++) {
            if (k)
                put(b, ",", 1);
            put_value(b, c->order[k]);
        }
        sep = " ";
    }
    if (c->n_names) {
        puts_(b, sep);
        puts_(b, "names=");
        for (size_t k = 0; k < c->n_names; k++) {
            if (k)
                put(b, ",", 1);
            put_value(b, c->name_value[k]);
            put(b, ":", 1);
            put_value(b, c->name_text[k]);
        }
        sep = " ";
    }
    if (c->impute_decl) {
        puts_(b, sep);
        puts_(b, "impute=");
        puts_(b, IMPUTE_WORDS[c->impute_decl - 1]);
    }
    put(b, "\n", 1);
}

genre_status genre_dataset_schema_save_to_memory(const genre_dataset_schema *s, char *buf,
                                                 size_t cap, size_t *needed)
{
    GENRE_CHECK_NOT_NULL(s);
    sbuf b = {NULL, 0, 0, GENRE_OK};
    if (s->n_missing_text || s->separator) {
        puts_(&b, "*");
        for (size_t k = 0; k < s->n_missing_text; k++) {
            puts_(&b, " missing=");
            put_value(&b, s->missing_text[k]);
        }
        if (s->separator)
            puts_(&b, s->separator == '\t' ? " separator=tab"
                                           : s->separator == ';' ? " separator=;"
                                                                 : " separator=,");
        put(&b, "\n", 1);
    }
    size_t width = 0;
    for (size_t j = 0; j < s->n_cols; j++) {
        size_t w = strlen(s->cols[j].name);
        if (w > width && w <= 24)
            width = w;
    }
    for (size_t j = 0; j < s->n_cols; j++)
        write_column(&b, s, j, width);
    if (b.st == GENRE_OK && !b.p)
        put(&b, "", 0);
    if (b.st != GENRE_OK) {
        genre__free(b.p);
        return GENRE_FAIL(GENRE_E_NOMEM, "out of memory");
    }
    genre_status st = genre__buffer_query(__func__, buf, cap, b.len + 1, needed);
    if (st == GENRE_OK && buf)
        memcpy(buf, b.p, b.len + 1);
    genre__free(b.p);
    return st;
}
