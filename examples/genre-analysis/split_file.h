/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The split file of genre-analysis --split-file: a CSV whose first line is a
 * header and whose every other line starts with the field 0 (train) or 1
 * (test), one line per non-empty data row of the input, in order
 * (tests/fixtures/real_split.csv.gz). A line may have more fields after a
 * comma; a CR before the newline is allowed; nothing else is.
 */
#ifndef GENRE_EXAMPLES_SPLIT_FILE_H
#define GENRE_EXAMPLES_SPLIT_FILE_H

#include <stddef.h>

/*
 * Parses the split file's text (len bytes, need not end in NUL or a
 * newline). On success *sides is a new array (free() it) of *n entries,
 * each 0 or 1, and the result is 0. On failure the result is -1, *sides is
 * NULL and err holds one message naming path, the real (1-based) line and
 * the value found, e.g. "split.csv:3: the assignment is '0.0', expected 0
 * (train) or 1 (test)". Thread-safe (no shared state).
 */
int split_file_parse(const char *text, size_t len, const char *path, unsigned char **sides,
                     size_t *n, char *err, size_t errcap);

/*
 * Splits the CSV text data (len bytes: a header line, then records; a
 * quoted field may span lines; a record whose fields are all empty is
 * skipped and takes no assignment) by sides, the n_sides assignments of
 * split_file_parse(): *train and *test are new NUL-terminated buffers
 * (free() them), each the header followed by its records, with their
 * lengths in *train_len and *test_len. Returns 0, or -1 with both left NULL
 * and err holding one message naming data_name and split_name (no data
 * row, a count that differs, out of memory). Thread-safe.
 */
int split_file_apply(const char *data, size_t len, const char *data_name,
                     const unsigned char *sides, size_t n_sides, const char *split_name,
                     char **train, size_t *train_len, char **test, size_t *test_len, char *err,
                     size_t errcap);

/*
 * Reads the whole file at path, gzip or plain, into *text (a new
 * NUL-terminated buffer, free() it) of *len bytes. Returns 0, or -1 with
 * *text NULL (cannot open or read it, or out of memory; errno may say).
 */
int split_file_read(const char *path, char **text, size_t *len);

#endif
