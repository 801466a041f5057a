/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Export of a table's columns into caller buffers: the numeric matrix, the
 * encoded labels, dense group ids and text columns. */
#include "dataset_private.h"

#include "alloc.h"
#include "caller_buffer.h"
#include "error_private.h"

#include <math.h>
#include <string.h>

genre_status genre_dataset_export_matrix(const genre_dataset *ds, const char *const *columns,
                                         size_t n_columns, double *out, size_t cap,
                                         size_t *needed)
{
    GENRE_CHECK_NOT_NULL(ds);
    GENRE_CHECK_NOT_NULL(columns);
    if (n_columns == 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "no column selected");
    int32_t small[64];
    int32_t *idx = n_columns <= 64 ? small : genre__alloc_array(n_columns, sizeof *idx);
    if (!idx)
        return GENRE_PASS(GENRE_E_NOMEM);
    genre_status st = GENRE_OK;
    for (size_t k = 0; k < n_columns && st == GENRE_OK; k++) {
        st = genre__schema_column(ds->schema, columns[k], &idx[k]);
        if (st != GENRE_OK)
            break;
        int32_t role = ds->schema->cols[idx[k]].role;
        if (role != GENRE_COL_NUMERIC && role != GENRE_COL_CATEGORICAL && role != GENRE_COL_LABEL)
            st = GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s' is not numeric or categorical",
                            columns[k]);
        else if (role != GENRE_COL_NUMERIC && !ds->cols[idx[k]].code)
            st = GENRE_FAIL(GENRE_E_BAD_STATE,
                            "column '%s' is not encoded yet (apply a genre_dataset_prep)",
                            columns[k]);
    }
    size_t n = ds->n_rows;
    if (st == GENRE_OK && n_columns > SIZE_MAX / (n ? n : 1))
        st = GENRE_FAIL(GENRE_E_INVALID_ARG, "matrix size overflows");
    if (st == GENRE_OK)
        st = genre__buffer_query(__func__, out, cap, n * n_columns, needed);
    /* Find a missing value before writing anything. */
    for (size_t k = 0; st == GENRE_OK && out && k < n_columns; k++) {
        const struct genre__col *c = &ds->cols[idx[k]];
        for (size_t r = 0; r < n; r++) {
            int missing = c->num ? isnan(c->num[r]) : c->code[r] == GENRE__CODE_MISSING;
            if (missing) {
                st = GENRE_FAIL(GENRE_E_MISSING_VALUE,
                                GENRE__AT_FMT ": column '%s': value is missing",
                                GENRE__AT(ds, r), columns[k]);
                break;
            }
        }
    }
    for (size_t k = 0; st == GENRE_OK && out && k < n_columns; k++) {
        const struct genre__col *c = &ds->cols[idx[k]];
        for (size_t r = 0; r < n; r++)
            out[r * n_columns + k] = c->num ? c->num[r] : (double)c->code[r];
    }
    if (idx != small)
        genre__free(idx);
    return GENRE_PASS(st);
}

genre_status genre_dataset_export_labels(const genre_dataset *ds, int32_t *out, size_t cap,
                                         size_t *needed)
{
    GENRE_CHECK_NOT_NULL(ds);
    int32_t j = ds->schema->label_col;
    if (j < 0)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the schema has no label column");
    const struct genre__col *c = &ds->cols[j];
    if (!c->code)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "labels are not encoded yet (apply a prep)");
    genre_status st = genre__buffer_query(__func__, out, cap, ds->n_rows, needed);
    if (st != GENRE_OK || !out)
        return GENRE_PASS(st);
    for (size_t r = 0; r < ds->n_rows; r++)
        if (c->code[r] == GENRE__CODE_MISSING)
            return GENRE_FAIL(GENRE_E_MISSING_VALUE, GENRE__AT_FMT ": label is missing",
                              GENRE__AT(ds, r));
    memcpy(out, c->code, ds->n_rows * sizeof *out);
    return GENRE_OK;
}

genre_status genre_dataset_export_groups(const genre_dataset *ds, int64_t *out, size_t cap,
                                         size_t *needed)
{
    GENRE_CHECK_NOT_NULL(ds);
    int32_t j = ds->schema->group_col;
    if (j < 0)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the schema has no group column");
    genre_status st = genre__buffer_query(__func__, out, cap, ds->n_rows, needed);
    if (st != GENRE_OK || !out)
        return GENRE_PASS(st);
    const struct genre__col *c = &ds->cols[j];
    /* Dense ids in order of first appearance in this table. */
    int64_t *dense = genre__alloc_array(c->dict.n, sizeof *dense);
    if (!dense)
        return GENRE_PASS(GENRE_E_NOMEM);
    for (size_t i = 0; i < c->dict.n; i++)
        dense[i] = -1;
    int64_t next = 0;
    for (size_t r = 0; r < ds->n_rows; r++)
        if (genre__has_group(ds, r) && dense[c->id[r]] < 0)
            dense[c->id[r]] = next++;
    for (size_t r = 0; r < ds->n_rows; r++)
        out[r] = genre__has_group(ds, r) ? dense[c->id[r]] : next++;
    genre__free(dense);
    return GENRE_OK;
}

genre_status genre_dataset_export_text(const genre_dataset *ds, const char *column, char *buf,
                                       size_t cap, size_t *needed, size_t *offsets)
{
    GENRE_CHECK_NOT_NULL(ds);
    int32_t j;
    genre_status st = genre__schema_column(ds->schema, column, &j);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    int32_t role = ds->schema->cols[j].role;
    if (role == GENRE_COL_NUMERIC || role == GENRE_COL_IGNORE)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "column '%s' holds no text", column);
    const struct genre__col *c = &ds->cols[j];
    size_t total = 0;
    for (size_t r = 0; r < ds->n_rows; r++)
        total += (c->id[r] >= 0 ? c->dict.len[c->id[r]] : 0) + 1;
    if (needed)
        *needed = total;
    if (buf && cap < total)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL, "column '%s' needs %zu bytes, got %zu",
                          column, total, cap);
    size_t pos = 0;
    for (size_t r = 0; r < ds->n_rows; r++) {
        size_t len = c->id[r] >= 0 ? c->dict.len[c->id[r]] : 0;
        if (offsets)
            offsets[r] = pos;
        if (buf) {
            if (len)
                memcpy(buf + pos, GENRE__DICT_STR(&c->dict, c->id[r]), len);
            buf[pos + len] = '\0';
        }
        pos += len + 1;
    }
    return GENRE_OK;
}
