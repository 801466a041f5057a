/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The parse of a whole CSV input held in memory (genre__dataset_parse: gzip
 * is inflated first by dataset_gzip.c): the header and its mapping onto the
 * schema, the rows (cut into parts parsed on separate threads above
 * PART_MIN_BYTES, merged in order so ids and messages equal a serial
 * parse) and the read counters of the report. The whole input is held in
 * memory and parsed in one pass: the 7.5 MB reference table parses in a
 * few milliseconds, so streaming would only add complexity.
 */
#define _GNU_SOURCE /* newlocale: numbers must ignore LC_NUMERIC */
#include "dataset_csv.h"

#include "alloc.h"
#include "error_private.h"
#include "parallel.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

/* ---- Rows, possibly in parallel parts -------------------------------------- */

/* Inputs above this size are cut into parts parsed on separate threads. */
#define PART_MIN_BYTES ((size_t)1 << 20)
#define MAX_PARTS GENRE__CSV_MAX_PARTS

struct part {
    struct genre__csv_cut cut;
    genre_dataset *ds;
    int64_t *missing;       /* per schema column */
    int64_t blank_rows;
    genre_status st;
};

struct parse_job {
    const struct reader *rd;            /* the header's reader: settings, base */
    const genre_dataset_schema *schema;
    const struct colmap *map;
    const char *const *header;
    size_t n_header;
    struct part *parts;
};

/* Parses the records of one part into its own table. */
static void parse_part(struct parse_job *job, size_t t)
{
    struct part *pt = &job->parts[t];
    struct reader rd = genre__csv_reader_for_cut(job->rd, &pt->cut);
    genre_status st = GENRE_OK;
    genre_dataset *ds = pt->ds; /* a spare table, or NULL */
    pt->ds = NULL;
    size_t n_header = job->n_header;
    pt->missing = genre__calloc_array(job->schema->n_cols, sizeof *pt->missing);
    if (!pt->missing) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    /* Every line is at most one record: a cheap, exact-enough capacity
     * (the caller's count of the records when it has one). */
    size_t est = 1;
    if (rd.records && pt->cut.begin == job->rd->p && pt->cut.end == job->rd->end)
        est = rd.records;
    else
        for (const char *q = rd.p; (q = memchr(q, '\n', (size_t)(rd.end - q))) != NULL; q++)
            est++;
    if (ds) {
        genre__dataset_clear(ds);
        st = genre__dataset_reserve(ds, est);
    } else {
        st = genre__dataset_alloc(&ds, job->schema, est);
    }
    if (st != GENRE_OK)
        goto done;
    while (rd.p < rd.end) {
        int64_t line = rd.line;
        if ((st = genre__csv_read_record(&rd)) != GENRE_OK)
            goto done;
        /* An empty line is a blank record, not a one-field ragged one. */
        if (rd.n_fields == 1 && rd.fields[0].len == 0 && !rd.fields[0].quoted && n_header > 1) {
            while (rd.n_fields < n_header)
                if ((st = push_field(&rd, 0, 0, 0, 0)) != GENRE_OK)
                    goto done;
        }
        if (rd.n_fields != n_header) {
            st = GENRE_FAIL(GENRE_E_RAGGED_ROW,
                            "%s:%lld: %zu fields where the header has %zu (last column '%s')",
                            rd.name, (long long)line, rd.n_fields, n_header,
                            job->header[rd.n_fields < n_header && rd.n_fields > 0
                                            ? rd.n_fields - 1
                                            : n_header - 1]);
            goto done;
        }
        if (!rd.utf8_valid)
            for (size_t k = 0; k < n_header; k++)
                if ((st = genre__csv_check_utf8(&rd, job->header[k], &rd.fields[k], line)) !=
                    GENRE_OK)
                    goto done;
        if (ds->n_rows == ds->cap_rows &&
            (st = genre__dataset_reserve(ds, ds->cap_rows * 2)) != GENRE_OK)
            goto done;
        if ((st = genre__csv_store_row(&rd, ds, job->map, line, pt->missing)) != GENRE_OK)
            goto done;
        pt->blank_rows += ds->blank[ds->n_rows - 1];
    }
done:
    genre__free(rd.fields);
    genre__free(rd.scratch);
    pt->ds = ds;
    pt->st = st;
}

static void parse_part_worker(void *ctx, size_t begin, size_t end, int worker)
{
    (void)worker;
    for (size_t t = begin; t < end; t++)
        parse_part(ctx, t);
}

static void free_part(struct part *pt)
{
    genre_dataset_free(pt->ds);
    genre__free(pt->missing);
    pt->ds = NULL;
    pt->missing = NULL;
}

/*
 * Cuts the data records into parts at record boundaries. A line feed ends a
 * record exactly when an even number of quotes precedes it (doubled quotes
 * count twice), so one pass counting quotes finds safe cuts. Each part's
 * first line number is counted here too, so messages stay exact. Returns
 * the number of parts (1: parse on this thread).
 */
size_t genre__csv_plan_cuts(const struct reader *rd, int64_t n_threads_param,
                            struct genre__csv_cut *cuts)
{
    size_t len = (size_t)(rd->end - rd->p);
    cuts[0].begin = rd->p;
    cuts[0].end = rd->end;
    cuts[0].first_line = rd->line;
    if (len < 2 * PART_MIN_BYTES)
        return 1; /* before asking the system for its cores: chunks are often small */
    int n_threads = genre__resolve_threads(n_threads_param);
    size_t n = n_threads < 1 ? 1 : (size_t)n_threads;
    if (n > MAX_PARTS)
        n = MAX_PARTS;
    if (n > len / PART_MIN_BYTES)
        n = len / PART_MIN_BYTES;
    if (n <= 1)
        return 1;
    const char *pos = rd->p;
    int64_t line = rd->line;
    int odd = 0;
    size_t k = 0;
    for (size_t t = 1; t < n; t++) {
        const char *target = rd->p + len / n * t;
        if (target <= pos)
            continue;
        /* Quotes and lines up to the target... */
        for (const char *q = pos; (q = memchr(q, '"', (size_t)(target - q))) != NULL; q++)
            odd ^= 1;
        for (const char *q = pos; (q = memchr(q, '\n', (size_t)(target - q))) != NULL; q++)
            line++;
        pos = target;
        /* ...then forward to the next line feed outside quotes, counting
         * those inside quotes on the way. */
        while (pos < rd->end && (*pos != '\n' || odd)) {
            if (*pos == '"')
                odd ^= 1;
            else if (*pos == '\n')
                line++;
            pos++;
        }
        if (pos >= rd->end - 1)
            break;
        pos++;
        line++;
        cuts[k].end = pos;
        k++;
        cuts[k].begin = pos;
        cuts[k].first_line = line;
    }
    cuts[k].end = rd->end;
    return k + 1;
}

/* Appends parts 1.. to part 0, re-interning their strings in order so ids
 * (first-appearance order) are exactly those of a serial parse. */
static genre_status merge_parts(struct part *parts, size_t n_parts, size_t n_cols)
{
    genre_dataset *ds = parts[0].ds;
    size_t total = 0;
    for (size_t t = 0; t < n_parts; t++)
        total += parts[t].ds->n_rows;
    genre_status st = genre__dataset_reserve(ds, total);
    if (st != GENRE_OK)
        return st;
    for (size_t t = 1; t < n_parts; t++) {
        const genre_dataset *src = parts[t].ds;
        size_t base = ds->n_rows;
        for (size_t j = 0; j < n_cols; j++) {
            struct genre__col *d = &ds->cols[j];
            const struct genre__col *c = &src->cols[j];
            parts[0].missing[j] += parts[t].missing[j];
            if (c->num) {
                memcpy(d->num + base, c->num, src->n_rows * sizeof *c->num);
                continue;
            }
            if (!c->id)
                continue;
            int32_t *remap = genre__alloc_array(c->dict.n, sizeof *remap);
            if (!remap)
                return GENRE_E_NOMEM;
            int text = ds->schema->cols[j].role == GENRE_COL_TEXT;
            for (size_t i = 0; i < c->dict.n; i++) {
                const char *str = GENRE__DICT_STR(&c->dict, i);
                remap[i] = text ? genre__dict_append(&d->dict, str, c->dict.len[i])
                                : genre__dict_intern(&d->dict, str, c->dict.len[i]);
                if (remap[i] < 0) {
                    genre__free(remap);
                    return GENRE_E_NOMEM;
                }
            }
            for (size_t r = 0; r < src->n_rows; r++)
                d->id[base + r] = c->id[r] < 0 ? -1 : remap[c->id[r]];
            genre__free(remap);
        }
        memcpy(ds->blank + base, src->blank, src->n_rows);
        memcpy(ds->line + base, src->line, src->n_rows * sizeof *src->line);
        ds->n_rows += src->n_rows;
        parts[0].blank_rows += parts[t].blank_rows;
    }
    return GENRE_OK;
}

/* A schema column absent from the header. A header read as one column that
 * holds another separator was most likely split with the wrong one: say so. */
static genre_status missing_column(const struct reader *rd, const genre_dataset_schema *schema,
                                   const char *const *header, size_t n_header, int64_t line,
                                   const char *column)
{
    char other = 0;
    if (n_header == 1)
        for (const char *c = header[0]; *c && !other; c++)
            if ((*c == ',' || *c == ';' || *c == '\t') && *c != rd->sep)
                other = *c;
    if (other)
        return GENRE_FAIL(GENRE_E_MISSING_COLUMN,
                          "%s:%lld: column '%s' named by the schema is not in the header, "
                          "which is one column when split at %s (GENRE_SCHEMA_SEPARATOR %lld) "
                          "but holds %s: set GENRE_SCHEMA_SEPARATOR to %d, or to 0 to detect it",
                          rd->name, (long long)line, column, genre__csv_separator_name(rd->sep),
                          (long long)schema->separator, genre__csv_separator_name(other),
                          (int)other);
    return GENRE_FAIL(GENRE_E_MISSING_COLUMN,
                      "%s:%lld: column '%s' named by the schema is not in the header",
                      rd->name, (long long)line, column);
}

void genre__csv_head_free(struct genre__csv_head *h, size_t n_cols)
{
    for (size_t k = 0; h->header && k < h->n_header; k++)
        genre__free(h->header[k]);
    genre__free(h->header);
    for (size_t j = 0; h->map && j < n_cols; j++)
        genre__free(h->map[j].markers);
    genre__free(h->map);
    memset(h, 0, sizeof *h);
}

static genre_status header_names(struct reader *rd, char **header, size_t n_header, int64_t line,
                                 genre__dict *names)
{
    genre_status st;
    for (size_t k = 0; k < n_header; k++) {
        char col_label[32];
        snprintf(col_label, sizeof col_label, "#%zu (header)", k + 1);
        if ((st = genre__csv_check_utf8(rd, col_label, &rd->fields[k], line)) != GENRE_OK)
            return st;
        const char *f = field_ptr(rd, &rd->fields[k]);
        header[k] = genre__alloc_array(rd->fields[k].len + 1, 1);
        if (!header[k])
            return GENRE_E_NOMEM;
        memcpy(header[k], f, rd->fields[k].len);
        header[k][rd->fields[k].len] = '\0';
        size_t before = names->n;
        int32_t first = genre__dict_intern(names, header[k], rd->fields[k].len);
        if (first < 0)
            return GENRE_E_NOMEM;
        if (names->n == before)
            return GENRE_FAIL(GENRE_E_DUPLICATE_COLUMN,
                              "%s:%lld: column '%s' appears twice in the header "
                              "(fields %zu and %zu)",
                              rd->name, (long long)line, header[k], (size_t)first + 1, k + 1);
    }
    return GENRE_OK;
}

static genre_status map_columns(struct reader *rd, const genre_dataset_schema *schema,
                                struct genre__csv_head *h, const genre__dict *names,
                                int64_t line)
{
    char **header = h->header;
    size_t n_header = h->n_header;
    struct colmap *map = genre__calloc_array(schema->n_cols, sizeof *map);
    if (!map)
        return GENRE_E_NOMEM;
    h->map = map;
    for (size_t j = 0; j < schema->n_cols; j++) {
        map[j].sc = &schema->cols[j];
        map[j].file_col =
            genre__dict_find(names, schema->cols[j].name, strlen(schema->cols[j].name));
        const struct genre__schema_col *sc = &schema->cols[j];
        map[j].markers = genre__alloc_array(sc->n_missing_text + schema->n_missing_text,
                                            sizeof *map[j].markers);
        if (!map[j].markers)
            return GENRE_E_NOMEM;
        for (size_t k = 0; k < sc->n_missing_text + schema->n_missing_text; k++) {
            const char *t = k < sc->n_missing_text ? sc->missing_text[k]
                                                   : schema->missing_text[k - sc->n_missing_text];
            struct marker *mk = &map[j].markers[map[j].n_markers++];
            mk->text = t;
            mk->len = strlen(t);
            if (mk->len > map[j].max_marker_len)
                map[j].max_marker_len = mk->len;
        }
        if (map[j].file_col < 0)
            return missing_column(rd, schema, (const char *const *)header, n_header, line,
                                  schema->cols[j].name);
    }
    return GENRE_OK;
}

genre_status genre__csv_read_header(struct reader *rd, const genre_dataset_schema *schema,
                                    struct genre__csv_head *h)
{
    genre_status st;
    memset(h, 0, sizeof *h);
    int64_t line = rd->line;
    if ((st = genre__csv_read_record(rd)) != GENRE_OK)
        return st;
    size_t n_header = rd->n_fields;
    char **header = genre__calloc_array(n_header, sizeof *header);
    if (!header)
        return GENRE_E_NOMEM;
    h->header = header;
    h->n_header = n_header;
    /* The names in a hash set (ids are field indices): a pairwise check for
     * repeats and a scan per schema column made a wide header quadratic
     * (40,000 columns took 11 s); inference's header check is the same. */
    genre__dict names;
    memset(&names, 0, sizeof names);
    st = header_names(rd, header, n_header, line, &names);
    if (st == GENRE_OK)
        st = map_columns(rd, schema, h, &names, line);
    genre__dict_free(&names);
    return st;
}

genre_status genre__csv_read_rows(struct reader *rd, const genre_dataset_schema *schema,
                                  const struct genre__csv_head *h, genre_dataset **out)
{
    return genre__csv_read_rows_reuse(rd, schema, h, NULL, out);
}

genre_status genre__csv_read_rows_reuse(struct reader *rd, const genre_dataset_schema *schema,
                                        const struct genre__csv_head *h, genre_dataset **spare,
                                        genre_dataset **out)
{
    genre_status st;
    genre_dataset *ds = NULL;
    int64_t *missing = genre__calloc_array(schema->n_cols, sizeof *missing);
    if (!missing)
        return GENRE_E_NOMEM;
    int64_t blank_rows = 0;
    struct part parts[MAX_PARTS];
    memset(parts, 0, sizeof parts);
    struct genre__csv_cut cuts[MAX_PARTS];
    size_t n_parts = genre__csv_plan_cuts(rd, schema->n_threads, cuts);
    for (size_t t = 0; t < n_parts; t++)
        parts[t].cut = cuts[t];
    struct parse_job job = {rd, schema, h->map, (const char *const *)h->header, h->n_header,
                            parts};
    for (size_t t = 0; spare && t < n_parts; t++) {
        parts[t].ds = spare[t];
        spare[t] = NULL;
    }
    if (n_parts > 1) {
        genre__parallel_for((int)n_parts, n_parts, parse_part_worker, &job);
        st = GENRE_OK;
        for (size_t t = 0; t < n_parts && st == GENRE_OK; t++)
            st = parts[t].st;
        /* Any failure: parse again on this thread, which gives the same
         * verdict with its message (worker messages stay on their threads). */
        if (st == GENRE_OK)
            st = merge_parts(parts, n_parts, schema->n_cols);
        if (st != GENRE_OK) {
            for (size_t t = 0; t < n_parts; t++)
                free_part(&parts[t]);
            memset(parts, 0, sizeof parts);
            n_parts = 0;
        }
    }
    if (n_parts <= 1) {
        parts[0].cut.begin = rd->p;
        parts[0].cut.end = rd->end;
        parts[0].cut.first_line = rd->line;
        parse_part(&job, 0);
        st = parts[0].st;
        if (st != GENRE_OK) {
            genre_dataset_free(parts[0].ds);
            genre__free(parts[0].missing);
            goto done;
        }
    } else {
        for (size_t t = 1; t < n_parts; t++) {
            if (spare) { /* the part's memory serves the next input's part t */
                spare[t] = parts[t].ds;
                parts[t].ds = NULL;
            }
            free_part(&parts[t]);
        }
    }
    ds = parts[0].ds;
    for (size_t j = 0; j < schema->n_cols; j++)
        missing[j] = parts[0].missing[j];
    blank_rows = parts[0].blank_rows;
    genre__free(parts[0].missing);

    /* The "no group" value and the read counters. */
    if (schema->group_col >= 0 && schema->no_group) {
        const genre__dict *d = &ds->cols[schema->group_col].dict;
        ds->no_group_id = genre__dict_find(d, schema->no_group, strlen(schema->no_group));
    }
    if ((st = genre__report_set(ds, "read", -1, "rows", (int64_t)ds->n_rows)) != GENRE_OK ||
        (st = genre__report_set(ds, "read", -1, "blank_rows", blank_rows)) != GENRE_OK)
        goto done;
    for (size_t j = 0; j < schema->n_cols; j++) {
        if (schema->cols[j].role == GENRE_COL_IGNORE)
            continue;
        if ((st = genre__report_set(ds, "read", (int32_t)j, "missing", missing[j])) != GENRE_OK)
            goto done;
    }
    if (schema->group_col >= 0) {
        int64_t no_group = 0;
        size_t n_dict = ds->cols[schema->group_col].dict.n;
        for (size_t r = 0; r < ds->n_rows; r++)
            no_group += !ds->blank[r] && !genre__has_group(ds, r);
        int64_t groups = (int64_t)n_dict - (ds->no_group_id >= 0 ? 1 : 0);
        if ((st = genre__report_set(ds, "read", schema->group_col, "groups", groups)) != GENRE_OK ||
            (st = genre__report_set(ds, "read", schema->group_col, "no_group_rows", no_group)) !=
                GENRE_OK)
            goto done;
    }
    *out = ds;
    ds = NULL;
    st = GENRE_OK;
done:
    genre_dataset_free(ds);
    genre__free(missing);
    return st;
}

static genre_status parse_all(struct reader *rd, const genre_dataset_schema *schema,
                              genre_dataset **out)
{
    struct genre__csv_head h;
    genre_status st = genre__csv_read_header(rd, schema, &h);
    if (st == GENRE_OK && rd->p == rd->end)
        st = GENRE_FAIL(GENRE_E_NO_DATA_ROWS, "%s: a header and no data rows", rd->name);
    if (st == GENRE_OK)
        st = genre__csv_read_rows(rd, schema, &h, out);
    genre__csv_head_free(&h, schema->n_cols);
    return st;
}

char genre__csv_detect_separator(const char *buf, size_t len)
{
    size_t comma = 0, semicolon = 0, tab = 0;
    int quoted = 0;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '"')
            quoted = !quoted; /* a doubled quote toggles twice */
        else if (quoted)
            continue;
        else if (c == '\n' || c == '\r')
            break;
        else {
            comma += c == ',';
            semicolon += c == ';';
            tab += c == '\t';
        }
    }
    if (semicolon > comma && semicolon >= tab)
        return ';';
    if (tab > comma && tab > semicolon)
        return '\t';
    return ',';
}

const char *genre__csv_separator_name(char sep)
{
    return sep == ';' ? "';'" : sep == '\t' ? "TAB" : "','";
}

genre_status genre__csv_open(struct reader *rd, const genre_dataset_schema *schema,
                             const char *buf, size_t len, const char *name)
{
    genre_status st = genre__csv_open_unchecked(rd, schema, buf, len, name);
    /* One pass over the whole input is far cheaper than checking field by
     * field; only a bad input pays for the per-field search that names the
     * line and column. */
    if (st == GENRE_OK)
        rd->utf8_valid = genre__csv_utf8_check((const unsigned char *)rd->p,
                                               (size_t)(rd->end - rd->p)) ==
                         (size_t)(rd->end - rd->p);
    return st;
}

genre_status genre__csv_open_unchecked(struct reader *rd, const genre_dataset_schema *schema,
                                       const char *buf, size_t len, const char *name)
{
    memset(rd, 0, sizeof *rd);
    /* A UTF-8 byte-order mark is accepted and skipped. */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    if (len == 0)
        return GENRE_FAIL(GENRE_E_EMPTY_INPUT, "%s: the input is empty", name);
    genre_status st = genre__dataset_check_nul(buf, len, name);
    if (st != GENRE_OK)
        return st;
    rd->name = name;
    rd->base = buf;
    rd->p = buf;
    rd->end = buf + len;
    rd->line = 1;
    rd->max_record = schema->max_record;
    rd->sep = schema->separator ? (char)schema->separator : genre__csv_detect_separator(buf, len);
    rd->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (rd->c_locale == (locale_t)0)
        return GENRE_FAIL(GENRE_E_NOMEM, "%s: cannot create the C locale", name);
    return GENRE_OK;
}

void genre__csv_close(struct reader *rd)
{
    if (rd->c_locale != (locale_t)0)
        freelocale(rd->c_locale);
    rd->c_locale = (locale_t)0;
    genre__free(rd->fields);
    genre__free(rd->scratch);
    rd->fields = NULL;
    rd->scratch = NULL;
}

genre_status genre__csv_read_plain(genre_dataset **out, const genre_dataset_schema *schema,
                                   const char *buf, size_t len, const char *name)
{
    struct reader rd;
    genre_status st = genre__csv_open(&rd, schema, buf, len, name);
    if (st == GENRE_OK)
        st = parse_all(&rd, schema, out);
    genre__csv_close(&rd);
    return st;
}

genre_status genre__dataset_parse(genre_dataset **out, const genre_dataset_schema *schema,
                                  const void *buf, size_t len, const char *name)
{
    const size_t limit = (uint64_t)schema->max_input < SIZE_MAX - 1 ? (size_t)schema->max_input
                                                                     : SIZE_MAX - 1;
    if (len > limit)
        return genre__dataset_too_large(name, limit, "holds");
    if (!genre__dataset_is_gzip(buf, len))
        return genre__csv_read_plain(out, schema, buf, len, name);
    char *plain = NULL;
    size_t plain_len = 0;
    genre_status st = genre__dataset_inflate(name, buf, len, limit, &plain, &plain_len);
    if (st != GENRE_OK)
        return st;
    st = genre__csv_read_plain(out, schema, plain, plain_len, name);
    genre__free(plain);
    return st;
}
