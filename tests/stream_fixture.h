/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tables for the streaming reader's suites (stream_reader, stream_index):
 * generated CSV text with every kind of column, quoted fields, blank
 * records and markers, its schema, files, and the comparison of chunks
 * with genre_dataset_read()'s table. */
#ifndef GENRE_STREAM_FIXTURE_H
#define GENRE_STREAM_FIXTURE_H

#include <genre/genre.h>

#include <stddef.h>

/* n_rows data records (and a blank record every 29th row); every
 * quoted_nl-th row's title is a quoted field holding a line break (0:
 * none); CR LF line ends when crlf. A new malloc'd text of *len bytes. */
char *stream_fixture_text(size_t n_rows, size_t quoted_nl, int crlf, size_t *len);
/* The fixture's schema (group, text, numeric with markers, categorical,
 * label). */
genre_dataset_schema *stream_fixture_schema(void);
/* Writes bytes to a new temporary file (path, cap bytes); gzip: as gzip
 * members of at most member bytes of text each (0: one member). */
void stream_fixture_write(char *path, size_t cap, const char *text, size_t len, int gzip,
                          size_t member);

/* A generated table in a temporary file: its text and its path. */
typedef struct {
    char *text;
    size_t len;
    char path[256];
} stream_fixture_file;
/* stream_fixture_text(n_rows, quoted_nl, crlf) written by
 * stream_fixture_write(gzip, member) into f. */
void stream_fixture_file_make(stream_fixture_file *f, size_t n_rows, size_t quoted_nl, int crlf,
                              int gzip, size_t member);
/* Removes f's file and frees its text. */
void stream_fixture_file_drop(stream_fixture_file *f);

/* Compares rows [at, at + chunk's rows) of full with chunk: every cell (by
 * value, ids by their strings), blank flags and lines. */
void stream_fixture_same_rows(const genre_dataset *full, size_t at, const genre_dataset *chunk);
/* Reads the whole reader in chunks of max_rows, checks each chunk against
 * full, adding its counters to sum; *at advances by the rows seen. Returns
 * the number of chunks. */
size_t stream_fixture_check_reader(genre_dataset_reader *r, size_t max_rows,
                                   const genre_dataset *full, size_t *at, int64_t *sum);
/* stream_fixture_check_reader() over all of r from its start, and then
 * that it read full's rows (every one once) and the counters add up to
 * full's. Returns the number of chunks. */
size_t stream_fixture_check_whole(genre_dataset_reader *r, size_t max_rows,
                                  const genre_dataset *full);
/* The "read" counters that add up over chunks (rows, blank_rows, per
 * column missing, no_group_rows), added to sum[STREAM_FIXTURE_SUMS]; and
 * whether the sums equal full's. */
#define STREAM_FIXTURE_SUMS 16
void stream_fixture_counters_add(const genre_dataset *chunk, int64_t *sum);
void stream_fixture_counters_equal(const genre_dataset *full, const int64_t *sum);
/* What follows "function: " in genre_last_error(). */
const char *stream_fixture_message_tail(void);

#endif
