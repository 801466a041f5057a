/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: schema files as genre-analysis --schema reads them
 * (examples/genre-analysis/schema_file.c over the library's
 * genre_dataset_schema_load_from_memory). The input is the file. It must give a schema or
 * one message naming the file; an accepted schema then reads a small CSV
 * whose header names the columns the needs list asks for (x numeric, c
 * categorical, plus y and g).
 */
#include "schema_file.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const schema_file_need NEEDS[] = {{"x", GENRE_COL_NUMERIC},
                                         {"c", GENRE_COL_CATEGORICAL}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    genre_dataset_schema *s = (genre_dataset_schema *)1;
    schema_file_info info;
    char err[1024] = "";
    int rc = schema_file_parse((const char *)data, size, "f.schema", NEEDS, 2, &s, &info, err,
                               sizeof err);
    if (rc != 0) {
        /* failure: no schema, one message that names the file */
        if (s != NULL || strncmp(err, "f.schema", 8))
            abort();
        return 0;
    }
    if (!s || !info.label_col[0] || rc != 0)
        abort();
    /* what the library writes it parses back to the same text */
    size_t need = 0;
    if (genre_dataset_schema_save_to_memory(s, NULL, 0, &need) == GENRE_OK) {
        char *a = malloc(need), *b = NULL;
        genre_dataset_schema *t = NULL;
        if (a && genre_dataset_schema_save_to_memory(s, a, need, NULL) == GENRE_OK &&
            genre_dataset_schema_load_from_memory(&t, a, need - 1, "w") == GENRE_OK) {
            size_t need2 = 0;
            if (genre_dataset_schema_save_to_memory(t, NULL, 0, &need2) != GENRE_OK ||
                need2 != need || !(b = malloc(need2)) ||
                genre_dataset_schema_save_to_memory(t, b, need2, NULL) != GENRE_OK ||
                memcmp(a, b, need) != 0)
                abort();
        } else if (a) {
            abort(); /* written text must parse */
        }
        free(a);
        free(b);
        genre_dataset_schema_free(t);
    }
    static const char csv[] = "x,c,y,g\n1,a,b,z\n2,b,a,z\n,?,b,\n";
    genre_dataset *ds = NULL;
    if (genre_dataset_read_from_memory(&ds, s, csv, sizeof csv - 1, "fuzz") == GENRE_OK)
        genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    return 0;
}
