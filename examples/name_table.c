/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The name study's table of names (name_study_private.h). */
#include "name_study_private.h"

#include <stdlib.h>
#include <string.h>


void ns_table_free(table *t)
{
    for (size_t j = 0; j <= NAME_STUDY_MAX_TEXT; j++)
        free(t->buf[j]);
    free(t->names);
    free(t->group);
    memset(t, 0, sizeof *t);
}

/* One text column of ds into buf (its strings) and at[i * stride] (row i's). */
static genre_status export_column(const genre_dataset *ds, const char *column, size_t n,
                                  char **buf, const char **at, size_t stride)
{
    size_t need = 0;
    size_t *off = malloc((n ? n : 1) * sizeof *off);
    genre_status st = off ? GENRE_OK : GENRE_E_NOMEM;
    if (!st) {
        st = genre_dataset_export_text(ds, column, NULL, 0, &need, NULL);
        if (st == GENRE_E_BUFFER_TOO_SMALL || st == GENRE_OK) /* a size query */
            st = (*buf = malloc(need ? need : 1)) ? GENRE_OK : GENRE_E_NOMEM;
    }
    if (!st)
        st = genre_dataset_export_text(ds, column, *buf, need, NULL, off);
    for (size_t i = 0; i < n && !st; i++)
        at[i * stride] = *buf + off[i];
    free(off);
    return st;
}

typedef struct text_id {
    const char *text;
    int64_t id;
} text_id;

static int cmp_text_id(const void *a, const void *b)
{
    const text_id *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* Rows the table keeps apart from every group (the schema's "no group"
 * value, or a missing group) get "" as their group text: the value
 * is no name. The library gives each such row a group id of its own, so
 * a group text seen under two ids is such a value. */
static int blank_no_group(const genre_dataset *ds, table *t)
{
    size_t n = t->n;
    int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
    text_id *p = malloc((n ? n : 1) * sizeof *p);
    int rc = -1;
    if (!ids || !p || genre_dataset_export_groups(ds, ids, n, NULL))
        goto done;
    for (size_t i = 0; i < n; i++)
        p[i] = (text_id){t->group[i], ids[i]};
    qsort(p, n, sizeof *p, cmp_text_id);
    for (size_t a = 0, b; a < n; a = b) {
        for (b = a + 1; b < n && !strcmp(p[b].text, p[a].text); b++)
            ;
        if (p[b - 1].id != p[a].id) /* one text, several ids: not a group */
            for (size_t i = 0; i < n; i++)
                if (t->group[i] == p[a].text || !strcmp(t->group[i], p[a].text))
                    t->group[i] = "";
    }
    rc = 0;
done:
    free(ids);
    free(p);
    return rc;
}
/* The names of every row, the group texts with "no group" blanked, and the
 * counts of invalid and empty names. */
int ns_load_table(const name_study_input *in, table *t, name_study_result *out)
{
    int64_t rows = 0;
    genre_status st = genre_dataset_get_i64(in->ds, GENRE_DATASET_N_ROWS, &rows);
    t->n = (size_t)rows;
    t->m = in->n_text_columns;
    if (!st)
        st = (t->names = malloc((t->n ? t->n : 1) * t->m * sizeof *t->names)) ? GENRE_OK
                                                                               : GENRE_E_NOMEM;
    for (size_t j = 0; j < t->m && !st; j++)
        if ((st = export_column(in->ds, in->text_columns[j], t->n, &t->buf[j], t->names + j,
                                t->m)))
            snprintf(out->error, sizeof out->error, "text column '%s': %s", in->text_columns[j],
                     genre_last_error());
    if (!st && in->group_column) {
        st = (t->group = malloc((t->n ? t->n : 1) * sizeof *t->group)) ? GENRE_OK
                                                                       : GENRE_E_NOMEM;
        if (!st && (st = export_column(in->ds, in->group_column, t->n,
                                       &t->buf[NAME_STUDY_MAX_TEXT], t->group, 1)))
            snprintf(out->error, sizeof out->error, "group column '%s': %s", in->group_column,
                     genre_last_error());
        if (!st && blank_no_group(in->ds, t)) {
            snprintf(out->error, sizeof out->error, "group column '%s': %s", in->group_column,
                     genre_last_error());
            st = GENRE_E_INVALID_ARG;
        }
        /* the group column hashed as a name: its "no group" value is no name */
        for (size_t j = 0; j < t->m && !st; j++)
            if (!strcmp(in->text_columns[j], in->group_column))
                for (size_t i = 0; i < t->n; i++)
                    t->names[i * t->m + j] = t->group[i];
    }
    if (st && !out->error[0])
        snprintf(out->error, sizeof out->error, "names: %s", genre_last_error());
    if (!st)
        genre_text_count_issues(t->names, t->n, t->m, &out->invalid_utf8_names,
                                &out->empty_names);
    return st ? -1 : 0;
}
