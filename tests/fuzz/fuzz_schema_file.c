/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the schema-file parser of genre-analysis --schema
 * (examples/genre-analysis/schema_file.c). The input is the file. It must give a schema or
 * one message naming the file; an accepted schema then reads a small CSV
 * whose header names the columns the needs list asks for (x numeric, c
 * categorical, plus y and g; the group column is optional).
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
    schema_file_info_free(&info);
    static const char csv[] = "x,c,y,g\n1,a,b,z\n2,b,a,z\n,?,b,\n";
    genre_dataset *ds = NULL;
    if (genre_dataset_read_memory(&ds, s, csv, sizeof csv - 1, "fuzz") == GENRE_OK)
        genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    return 0;
}
