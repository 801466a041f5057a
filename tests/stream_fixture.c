/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "stream_fixture.h"

#include "harness.h"

#include "dataset_private.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void put(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        *cap = (*cap + n + 1) * 2;
        *buf = realloc(*buf, *cap);
        ck_assert_ptr_nonnull(*buf);
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

char *stream_fixture_text(size_t n_rows, size_t quoted_nl, int crlf, size_t *len)
{
    char *buf = NULL;
    size_t n = 0, cap = 0;
    const char *eol = crlf ? "\r\n" : "\n";
    char row[512];
    put(&buf, &n, &cap, "id,artist,title,x,y,key,genre");
    put(&buf, &n, &cap, eol);
    for (size_t i = 0; i < n_rows; i++) {
        if (i % 29 == 28) {
            put(&buf, &n, &cap, eol); /* a blank record */
            continue;
        }
        char artist[32], title[96], x[32], y[32];
        if (i % 11 == 0)
            strcpy(artist, "none");
        else if (i % 13 == 0)
            artist[0] = '\0';
        else
            snprintf(artist, sizeof artist, "a%zu", i % 37);
        if (quoted_nl && i % quoted_nl == quoted_nl - 1)
            snprintf(title, sizeof title, "\"line one%sline \"\"two\"\" %zu\"", eol, i);
        else if (i % 5 == 0)
            snprintf(title, sizeof title, "\"t, %zu\"", i);
        else
            snprintf(title, sizeof title, "t%zu", i);
        if (i % 17 == 0)
            x[0] = '\0';
        else
            snprintf(x, sizeof x, "%.17g", (double)i * 0.25 + 1e-3 * (double)(i % 9));
        if (i % 19 == 0)
            strcpy(y, "?");
        else
            snprintf(y, sizeof y, "%.1f", (double)(i % 7) - 3.5);
        const char *keys[] = {"C", "D", "E"};
        snprintf(row, sizeof row, "%zu,%s,%s,%s,%s,%s,g%zu%s", i, artist, title, x, y,
                 i % 23 == 0 ? "" : keys[i % 3], i % 4, eol);
        put(&buf, &n, &cap, row);
    }
    *len = n;
    return buf;
}

void stream_fixture_file_make(stream_fixture_file *f, size_t n_rows, size_t quoted_nl, int crlf,
                              int gzip, size_t member)
{
    f->text = stream_fixture_text(n_rows, quoted_nl, crlf, &f->len);
    stream_fixture_write(f->path, sizeof f->path, f->text, f->len, gzip, member);
}

void stream_fixture_file_drop(stream_fixture_file *f)
{
    remove(f->path);
    free(f->text);
    f->text = NULL;
}

genre_dataset_schema *stream_fixture_schema(void)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "id", GENRE_COL_IGNORE));
    ck_assert_ok(genre_dataset_schema_add_column(s, "artist", GENRE_COL_GROUP));
    ck_assert_ok(genre_dataset_schema_add_column(s, "title", GENRE_COL_TEXT));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "y", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "key", GENRE_COL_CATEGORICAL));
    ck_assert_ok(genre_dataset_schema_add_column(s, "genre", GENRE_COL_LABEL));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, NULL, ""));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, "y", "?"));
    ck_assert_ok(genre_dataset_schema_set_no_group(s, "none"));
    return s;
}

static void write_member(FILE *f, const char *text, size_t len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)len);
    unsigned char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    z.next_in = (Bytef *)(uintptr_t)text;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    ck_assert_uint_eq(fwrite(out, 1, cap - z.avail_out, f), cap - z.avail_out);
    deflateEnd(&z);
    free(out);
}

void stream_fixture_write(char *path, size_t cap, const char *text, size_t len, int gzip,
                          size_t member)
{
    genre_test_temp_file(path, cap);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    if (!gzip) {
        ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    } else {
        size_t step = member ? member : (len ? len : 1);
        size_t at = 0;
        do {
            size_t n = len - at < step ? len - at : step;
            write_member(f, text + at, n);
            at += n;
        } while (at < len);
    }
    ck_assert_int_eq(fclose(f), 0);
}

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Cell checks are plain comparisons that abort on a mismatch: Check marks
 * every passing assertion through a pipe, which would dominate the time. */
void stream_fixture_same_rows(const genre_dataset *full, size_t at, const genre_dataset *chunk)
{
    if (at + chunk->n_rows > full->n_rows)
        ck_abort_msg("%zu rows past the table's %zu", at + chunk->n_rows, full->n_rows);
    for (size_t j = 0; j < full->schema->n_cols; j++) {
        const struct genre__col *a = &full->cols[j], *b = &chunk->cols[j];
        if ((a->num == NULL) != (b->num == NULL) || (a->id == NULL) != (b->id == NULL))
            ck_abort_msg("column %zu stored differently", j);
        for (size_t r = 0; r < chunk->n_rows; r++) {
            if (a->num && !same_double(a->num[at + r], b->num[r]))
                ck_abort_msg("column %zu row %zu: %.17g vs %.17g", j, at + r, a->num[at + r],
                             b->num[r]);
            if (!a->id)
                continue;
            int32_t ia = a->id[at + r], ib = b->id[r];
            if ((ia < 0) != (ib < 0) ||
                (ia >= 0 &&
                 strcmp(GENRE__DICT_STR(&a->dict, ia), GENRE__DICT_STR(&b->dict, ib)) != 0))
                ck_abort_msg("column %zu row %zu: '%s' vs '%s'", j, at + r,
                             ia < 0 ? "(missing)" : GENRE__DICT_STR(&a->dict, ia),
                             ib < 0 ? "(missing)" : GENRE__DICT_STR(&b->dict, ib));
        }
    }
    for (size_t r = 0; r < chunk->n_rows; r++)
        if (full->blank[at + r] != chunk->blank[r] || full->line[at + r] != chunk->line[r])
            ck_abort_msg("row %zu: blank %d line %lld vs blank %d line %lld", at + r,
                         full->blank[at + r], (long long)full->line[at + r], chunk->blank[r],
                         (long long)chunk->line[r]);
    if (chunk->no_group_id >= 0 &&
        strcmp(GENRE__DICT_STR(&chunk->cols[chunk->schema->group_col].dict, chunk->no_group_id),
               chunk->schema->no_group) != 0)
        ck_abort_msg("the no-group id names another value");
}

/* Counters summed: rows, blank_rows, then per column missing, then the
 * group column's no_group_rows. */
void stream_fixture_counters_add(const genre_dataset *chunk, int64_t *sum)
{
    int64_t v = 0;
    if (genre_dataset_report_value(chunk, "read", NULL, "rows", &v) != GENRE_OK ||
        v != (int64_t)chunk->n_rows)
        ck_abort_msg("read/rows %lld: %s", (long long)v, genre_last_error());
    sum[0] += v;
    if (genre_dataset_report_value(chunk, "read", NULL, "blank_rows", &v) != GENRE_OK)
        ck_abort_msg("%s", genre_last_error());
    sum[1] += v;
    for (size_t j = 0; j < chunk->schema->n_cols && j + 2 < STREAM_FIXTURE_SUMS - 1; j++) {
        if (chunk->schema->cols[j].role == GENRE_COL_IGNORE)
            continue;
        if (genre_dataset_report_value(chunk, "read", chunk->schema->cols[j].name, "missing",
                                       &v) != GENRE_OK)
            ck_abort_msg("%s", genre_last_error());
        sum[2 + j] += v;
    }
    if (chunk->schema->group_col >= 0) {
        if (genre_dataset_report_value(chunk, "read",
                                       chunk->schema->cols[chunk->schema->group_col].name,
                                       "no_group_rows", &v) != GENRE_OK)
            ck_abort_msg("%s", genre_last_error());
        sum[STREAM_FIXTURE_SUMS - 1] += v;
    }
}

void stream_fixture_counters_equal(const genre_dataset *full, const int64_t *sum)
{
    int64_t want[STREAM_FIXTURE_SUMS] = {0};
    stream_fixture_counters_add(full, want);
    for (size_t k = 0; k < STREAM_FIXTURE_SUMS; k++)
        ck_assert_msg(want[k] == sum[k], "counter %zu: %lld in the table, %lld in the chunks", k,
                      (long long)want[k], (long long)sum[k]);
}

size_t stream_fixture_check_reader(genre_dataset_reader *r, size_t max_rows,
                                   const genre_dataset *full, size_t *at, int64_t *sum)
{
    size_t chunks = 0;
    for (;;) {
        genre_dataset *ds = NULL;
        if (genre_dataset_reader_next(r, max_rows, &ds) != GENRE_OK)
            ck_abort_msg("after %zu rows: %s", *at, genre_last_error());
        if (!ds)
            break;
        if (ds->n_rows < 1 || ds->n_rows > max_rows)
            ck_abort_msg("a chunk of %zu rows", ds->n_rows);
        stream_fixture_same_rows(full, *at, ds);
        stream_fixture_counters_add(ds, sum);
        *at += ds->n_rows;
        chunks++;
        genre_dataset_free(ds);
    }
    /* The end stays the end. */
    genre_dataset *ds = (genre_dataset *)1;
    ck_assert_ok(genre_dataset_reader_next(r, max_rows, &ds));
    ck_assert_ptr_null(ds);
    return chunks;
}

const char *stream_fixture_message_tail(void)
{
    const char *m = genre_last_error();
    const char *c = strstr(m, ": ");
    return c ? c + 2 : m;
}

size_t stream_fixture_check_whole(genre_dataset_reader *r, size_t max_rows,
                                  const genre_dataset *full)
{
    size_t at = 0;
    int64_t sum[STREAM_FIXTURE_SUMS] = {0};
    size_t chunks = stream_fixture_check_reader(r, max_rows, full, &at, sum);
    ck_assert_uint_eq(at, full->n_rows);
    stream_fixture_counters_equal(full, sum);
    return chunks;
}
