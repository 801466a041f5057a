/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Schema files of genre-analysis --schema (schema_file.h): the library
 * parses them (genre_dataset_schema_load_from_memory/_read_file); this file checks what
 * the analysis needs of the schema. */
#include "schema_file.h"

#include <stdio.h>
#include <string.h>

/* The library's message without its leading "genre_function: ", so the
 * user reads "my.schema:3: ...". */
static void library_message(char *err, size_t errcap)
{
    const char *e = genre_last_error(), *c = strstr(e, ": ");
    if (!strncmp(e, "genre_", 6) && c && !memchr(e, ' ', (size_t)(c - e)))
        e = c + 2;
    snprintf(err, errcap, "%s", e);
}

/* The checks of schema_file_parse() on a parsed schema; 0 or -1 with err. */
static int check_needs(genre_dataset_schema *sc, const char *path,
                       const schema_file_need *needs, size_t n_needs, schema_file_info *info,
                       char *err, size_t errcap)
{
    size_t n = 0;
    genre_dataset_schema_column_count(sc, &n);
    for (size_t j = 0; j < n_needs; j++) {
        int found = 0;
        for (size_t i = 0; i < n && !found; i++) {
            char name[512];
            int32_t role = 0;
            if (genre_dataset_schema_column(sc, i, name, sizeof name, NULL, &role) == GENRE_OK &&
                !strcmp(name, needs[j].name) && role == needs[j].role)
                found = 1;
        }
        if (!found) {
            snprintf(err, errcap, "%s: the analysis needs the column '%s' declared %s", path,
                     needs[j].name,
                     needs[j].role == GENRE_COL_NUMERIC ? "numeric" : "categorical");
            return -1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        int32_t role = 0;
        char name[512];
        if (genre_dataset_schema_column(sc, i, name, sizeof name, NULL, &role) != GENRE_OK)
            continue; /* a name over 511 bytes names no role we need */
        if (role == GENRE_COL_LABEL)
            snprintf(info->label_col, sizeof info->label_col, "%s", name);
        if (role == GENRE_COL_GROUP)
            snprintf(info->group_col, sizeof info->group_col, "%s", name);
    }
    if (!info->label_col[0]) {
        snprintf(err, errcap, "%s: the analysis needs a label column (type label)", path);
        return -1;
    }
    return 0;
}

int schema_file_parse(const char *text, size_t len, const char *path,
                      const schema_file_need *needs, size_t n_needs,
                      genre_dataset_schema **out, schema_file_info *info, char *err,
                      size_t errcap)
{
    *out = NULL;
    info->label_col[0] = info->group_col[0] = 0;
    genre_dataset_schema *sc = NULL;
    if (genre_dataset_schema_load_from_memory(&sc, text, len, path)) {
        library_message(err, errcap);
        return -1;
    }
    if (check_needs(sc, path, needs, n_needs, info, err, errcap)) {
        genre_dataset_schema_free(sc);
        return -1;
    }
    *out = sc;
    return 0;
}

int schema_file_read(const char *path, const schema_file_need *needs, size_t n_needs,
                     genre_dataset_schema **out, schema_file_info *info, char *err,
                     size_t errcap)
{
    *out = NULL;
    info->label_col[0] = info->group_col[0] = 0;
    genre_dataset_schema *sc = NULL;
    if (genre_dataset_schema_load(&sc, path)) {
        library_message(err, errcap);
        return -1;
    }
    if (check_needs(sc, path, needs, n_needs, info, err, errcap)) {
        genre_dataset_schema_free(sc);
        return -1;
    }
    *out = sc;
    return 0;
}
