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
 * (train) or 1 (test)", or saying which side has no row ("split.csv: the
 * split file marks no row as test (1) ..."): both sides must have one.
 * Thread-safe (no shared state).
 */
int split_file_parse(const char *text, size_t len, const char *path, unsigned char **sides,
                     size_t *n, char *err, size_t errcap);

/*
 * Reads the whole file at path, gzip or plain, into *text (a new
 * NUL-terminated buffer, free() it) of *len bytes. Returns 0, or -1 with
 * *text NULL (cannot open or read it, or out of memory; errno says why,
 * 0 when zlib did not say).
 */
int split_file_read(const char *path, char **text, size_t *len);

#endif
