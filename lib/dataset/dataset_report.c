/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The dataset's report: the counters every step records (genre__report_set)
 * and their queries, genre_dataset_report_value and _report_text. */
#include "dataset_private.h"

#include "alloc.h"
#include "error_private.h"

#include <stdio.h>
#include <string.h>

/* An entry's key in ds->rep_keys: its step and counter as stored (cut to
 * the entry's fields, as the scan this replaced compared them) and its
 * column. A scan per counter made reading a wide table quadratic: one
 * "missing" counter per column, on every chunk of a streaming reader. */
static size_t report_key(char *key, const char *step, int32_t col, const char *counter)
{
    struct genre__report_entry e;
    size_t n = (size_t)snprintf(key, sizeof e.step, "%s", step);
    n = n < sizeof e.step ? n : sizeof e.step - 1;
    key[n++] = '\0';
    size_t m = (size_t)snprintf(key + n, sizeof e.counter, "%s", counter);
    n += m < sizeof e.counter ? m : sizeof e.counter - 1;
    key[n++] = '\0';
    memcpy(key + n, &col, sizeof col);
    return n + sizeof col;
}

#define REPORT_KEY_MAX (sizeof(((struct genre__report_entry *)0)->step) + \
                        sizeof(((struct genre__report_entry *)0)->counter) + sizeof(int32_t))

genre_status genre__report_set(genre_dataset *ds, const char *step, int32_t col,
                               const char *counter, int64_t value)
{
    char key[REPORT_KEY_MAX];
    size_t key_len = report_key(key, step, col, counter);
    int32_t at = genre__dict_find(&ds->rep_keys, key, key_len);
    if (at >= 0) {
        ds->rep[at].value = value;
        return GENRE_OK;
    }
    if (ds->n_rep == ds->cap_rep) {
        size_t cap = ds->cap_rep ? ds->cap_rep * 2 : 32;
        if (genre__realloc_array(&ds->rep, cap, sizeof *ds->rep) != 0)
            return GENRE_E_NOMEM;
        ds->cap_rep = cap;
    }
    /* ids follow the entries: the new key's id is n_rep */
    if (genre__dict_intern(&ds->rep_keys, key, key_len) < 0)
        return GENRE_E_NOMEM;
    struct genre__report_entry *e = &ds->rep[ds->n_rep++];
    memset(e, 0, sizeof *e);
    snprintf(e->step, sizeof e->step, "%s", step);
    snprintf(e->counter, sizeof e->counter, "%s", counter);
    e->col = col;
    e->value = value;
    return GENRE_OK;
}

genre_status genre_dataset_report_value(const genre_dataset *ds, const char *step,
                                        const char *column, const char *counter, int64_t *out)
{
    GENRE_CHECK_NOT_NULL(ds);
    GENRE_CHECK_NOT_NULL(step);
    GENRE_CHECK_NOT_NULL(counter);
    GENRE_CHECK_NOT_NULL(out);
    int32_t col = -1;
    if (column) {
        col = genre__schema_find(ds->schema, column);
        if (col < 0)
            return GENRE_FAIL(GENRE_E_BAD_STATE, "no report for column '%s': not in the schema",
                              column);
    }
    for (size_t i = 0; i < ds->n_rep; i++) {
        const struct genre__report_entry *e = &ds->rep[i];
        if (e->col == col && strcmp(e->step, step) == 0 && strcmp(e->counter, counter) == 0) {
            *out = e->value;
            return GENRE_OK;
        }
    }
    return GENRE_FAIL(GENRE_E_BAD_STATE, "no counter '%s %s %s' in the report", step,
                      column ? column : "-", counter);
}

genre_status genre_dataset_report_text(const genre_dataset *ds, char *buf, size_t cap,
                                       size_t *needed)
{
    GENRE_CHECK_NOT_NULL(ds);
    size_t total = 1;
    for (int pass = 0; pass < 2; pass++) {
        size_t pos = 0;
        for (size_t i = 0; i < ds->n_rep; i++) {
            const struct genre__report_entry *e = &ds->rep[i];
            const char *col = e->col >= 0 ? ds->schema->cols[e->col].name : "-";
            char line[256];
            int n = snprintf(line, sizeof line, "%s %s %s %lld\n", e->step, col, e->counter,
                             (long long)e->value);
            if (n < 0)
                return GENRE_FAIL(GENRE_E_INTERNAL, "report formatting failed");
            size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
            if (pass == 1)
                memcpy(buf + pos, line, len);
            pos += len;
        }
        if (pass == 0) {
            total = pos + 1;
            if (needed)
                *needed = total;
            if (!buf)
                return GENRE_OK;
            if (cap < total)
                return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL, "report needs %zu bytes, got %zu",
                                  total, cap);
        } else {
            buf[pos] = '\0';
        }
    }
    return GENRE_OK;
}
