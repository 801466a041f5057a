/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: schema inference (genre_dataset_schema_infer_from_memory),
 * plain and gzip. The first input byte picks the options (separator,
 * strict, integer categories, a row prefix, a small category limit); the
 * rest is the file, whose label column is `y`. A failure must explain
 * itself under the public function's name; an inferred schema must have
 * notes with one `column` line per header column, and, when every record
 * was looked at, read the same input.
 */
#include <genre/genre.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int64_t SEPARATORS[] = {0, '\t', ',', ';'};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t opt = data[0];
    genre_dataset_schema *o = NULL;
    if (genre_dataset_schema_create(&o) != GENRE_OK)
        return 0;
    genre_dataset_schema_set_i64(o, GENRE_SCHEMA_SEPARATOR, SEPARATORS[opt & 3]);
    genre_dataset_schema_set_i64(o, GENRE_SCHEMA_INFER_STRICT, (opt >> 2) & 1);
    genre_dataset_schema_set_i64(o, GENRE_SCHEMA_INFER_INTEGER_CATEGORIES, (opt >> 3) & 1);
    int prefix = (opt >> 4) & 1;
    if (prefix)
        genre_dataset_schema_set_i64(o, GENRE_SCHEMA_INFER_MAX_ROWS, 3);
    if (opt & 32)
        genre_dataset_schema_set_i64(o, GENRE_SCHEMA_INFER_MAX_CATEGORIES, 2);
    if (opt & 64)
        genre_dataset_schema_set_i64(o, GENRE_SCHEMA_MAX_RECORD_BYTES, 64);
    if (opt & 128)
        genre_dataset_schema_add_missing_text(o, NULL, "-1");
    genre_dataset_schema *s = NULL;
    genre_status st =
        genre_dataset_schema_infer_from_memory(&s, o, data + 1, size - 1, "fuzz", "y");
    if (st != GENRE_OK) {
        static const char func[] = "genre_dataset_schema_infer_from_memory: ";
        if (s != NULL || strncmp(genre_last_error(), func, sizeof func - 1) != 0)
            abort(); /* no schema; a message under the public name */
        genre_dataset_schema_free(o);
        return 0;
    }
    size_t need = 0;
    if (genre_dataset_schema_infer_notes(s, NULL, 0, &need) != GENRE_OK || need < 2)
        abort();
    char *notes = malloc(need);
    if (!notes || genre_dataset_schema_infer_notes(s, notes, need, NULL) != GENRE_OK ||
        strlen(notes) + 1 != need || strncmp(notes, "column ", 7) != 0 ||
        notes[need - 2] != '\n')
        abort();
    genre_dataset *ds = NULL;
    st = genre_dataset_read_from_memory(&ds, s, data + 1, size - 1, "fuzz");
    if (!prefix && st != GENRE_OK)
        abort(); /* the schema inferred from every record reads them */
    if (st == GENRE_OK) {
        int64_t cols = 0;
        size_t lines = 0;
        genre_dataset_get_i64(ds, GENRE_DATASET_N_COLUMNS, &cols);
        for (const char *p = notes; (p = strstr(p, "column ")) != NULL; p++)
            lines += p == notes || p[-1] == '\n';
        if (lines != (size_t)cols)
            abort(); /* one `column` line per header column */
    }
    free(notes);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    genre_dataset_schema_free(o);
    return 0;
}
