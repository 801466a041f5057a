/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Schema files of genre-analysis --schema (format in docs/dataset.md,
 * example examples/music_genre.schema), read by the library
 * (genre_dataset_schema_load_from_memory, genre_dataset_schema_load); here, the
 * checks of what the analysis needs of the schema.
 */
#ifndef GENRE_EXAMPLES_SCHEMA_FILE_H
#define GENRE_EXAMPLES_SCHEMA_FILE_H

#include <genre/genre.h>

#include <stddef.h>

/* A column the caller needs declared, and the role it needs
 * (GENRE_COL_NUMERIC or GENRE_COL_CATEGORICAL). */
typedef struct schema_file_need {
    const char *name;
    int32_t role;
} schema_file_need;

/* What a schema file declared beyond the schema itself. */
typedef struct schema_file_info {
    char label_col[512], group_col[512]; /* "" when not declared */
} schema_file_info;

/*
 * Parses a schema file's text (len bytes, need not end in NUL; a NUL byte in
 * it is an error naming its line and byte) into a new schema (*out, free
 * with genre_dataset_schema_free) and checks that it declares each of the
 * n_needs columns with its role and a label column (a group column is
 * optional).
 * Returns 0, or -1 with *out left NULL and err holding one message naming
 * path, the real line and the token ("path:3: unknown type 'x' ..."). path
 * is used in messages only. Thread-safe (no shared state; uses
 * genre_last_error() of the calling thread).
 */
int schema_file_parse(const char *text, size_t len, const char *path,
                      const schema_file_need *needs, size_t n_needs,
                      genre_dataset_schema **out, schema_file_info *info, char *err,
                      size_t errcap);

/* Reads the file at path and parses it as schema_file_parse() does; a file
 * that cannot be read (or over 1 MiB) gives -1 and a message with the
 * reason. */
int schema_file_read(const char *path, const schema_file_need *needs, size_t n_needs,
                     genre_dataset_schema **out, schema_file_info *info, char *err,
                     size_t errcap);

#endif
