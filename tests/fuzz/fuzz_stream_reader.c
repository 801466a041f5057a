/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the streaming reader (genre_dataset_reader_*) and the
 * record index with range readers, against genre_dataset_read() of
 * the same file. The first input byte picks options (chunk size, a small
 * record limit, the index's spacing and where three ranges are cut); the
 * rest is the file (plain or gzip), with header names g (group), x
 * (numeric), c (categorical), t (text), y (label), as fuzz_dataset_csv.
 *
 * Invariants (abort() otherwise): the reader fails exactly when read_file
 * fails, with a message under the public name; when read_file succeeds the
 * chunks hold its rows in order (row count, every line and blank flag, the
 * x values) and so do three range readers over a plain file with an index.
 */
#include "dataset_private.h"

#include <genre/genre.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int ok)
{
    if (!ok)
        abort();
}

static const char *input_path(void)
{
    static char path[64];
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/fuzz-stream-%ld.csv", (long)getpid());
    }
    return path;
}

static genre_dataset_schema *schema(uint8_t opt)
{
    genre_dataset_schema *s = NULL;
    require(genre_dataset_schema_create(&s) == GENRE_OK);
    genre_dataset_schema_add_column(s, "g", GENRE_COL_GROUP);
    genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC);
    genre_dataset_schema_add_column(s, "c", GENRE_COL_CATEGORICAL);
    genre_dataset_schema_add_column(s, "t", GENRE_COL_TEXT);
    genre_dataset_schema_add_column(s, "y", GENRE_COL_LABEL);
    genre_dataset_schema_add_missing_text(s, NULL, "");
    genre_dataset_schema_add_missing_text(s, "x", "?");
    if (opt & 4)
        genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_RECORD_BYTES, 32);
    return s;
}

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Reads r to its end, checking each chunk against full from *at; returns
 * the status. */
static genre_status drain(genre_dataset_reader *r, size_t max_rows, const genre_dataset *full,
                          size_t *at)
{
    for (;;) {
        genre_dataset *ds = NULL;
        genre_status st = genre_dataset_reader_next(r, max_rows, &ds);
        if (st != GENRE_OK) {
            require(ds == NULL && strncmp(genre_last_error(), "genre_dataset_reader_next: ",
                                          27) == 0);
            return st;
        }
        if (!ds)
            return GENRE_OK;
        require(ds->n_rows >= 1 && ds->n_rows <= max_rows);
        if (full) {
            require(*at + ds->n_rows <= full->n_rows);
            for (size_t i = 0; i < ds->n_rows; i++) {
                require(ds->line[i] == full->line[*at + i]);
                require(ds->blank[i] == full->blank[*at + i]);
                require(same_double(ds->cols[1].num[i], full->cols[1].num[*at + i]));
            }
        }
        *at += ds->n_rows;
        genre_dataset_free(ds);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t opt = data[0];
    const char *path = input_path();
    FILE *f = fopen(path, "wb");
    require(f != NULL);
    require(fwrite(data + 1, 1, size - 1, f) == size - 1);
    require(fclose(f) == 0);
    genre_dataset_schema *s = schema(opt);
    genre_dataset *full = NULL;
    genre_status want = genre_dataset_read(&full, s, path);
    static const size_t chunk[4] = {1, 2, 7, 1000};
    genre_dataset_reader *r = NULL;
    genre_status st = genre_dataset_reader_open(&r, s, path);
    size_t at = 0;
    if (st == GENRE_OK)
        st = drain(r, chunk[opt & 3], want == GENRE_OK ? full : NULL, &at);
    else
        require(r == NULL &&
                strncmp(genre_last_error(), "genre_dataset_reader_open: ", 27) == 0);
    genre_dataset_reader_free(r);
    require((st == GENRE_OK) == (want == GENRE_OK));
    if (want == GENRE_OK) {
        require(at == full->n_rows);
        /* ranges with an index (plain input only) */
        genre_dataset_index *ix = NULL;
        genre_status ist = genre_dataset_index_build(&ix, s, path, 1 + ((opt >> 3) & 3));
        require(ist == GENRE_OK || ist == GENRE_E_UNSUPPORTED);
        if (ix) {
            uint64_t n = size - 1;
            uint64_t cut[4] = {0, n * ((opt >> 5) & 3) / 4, n * (1 + ((opt >> 5) & 3)) / 5, n};
            if (cut[2] < cut[1])
                cut[2] = cut[1];
            at = 0;
            for (int k = 0; k < 3; k++) {
                r = NULL;
                require(genre_dataset_reader_open_range(&r, s, path, cut[k], cut[k + 1], ix) ==
                        GENRE_OK);
                require(drain(r, chunk[(opt + k) & 3], full, &at) == GENRE_OK);
                genre_dataset_reader_free(r);
            }
            require(at == full->n_rows);
            genre_dataset_index_free(ix);
        }
    }
    genre_dataset_free(full);
    genre_dataset_schema_free(s);
    remove(path);
    return 0;
}
