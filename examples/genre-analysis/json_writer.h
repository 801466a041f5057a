/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A minimal streaming JSON writer for metrics.json: nested objects and
 * arrays, two-space indentation, one value per line. A key is NULL inside
 * an array. Not thread-safe (one writer per file).
 */
#ifndef GENRE_ANALYSIS_JSON_WRITER_H
#define GENRE_ANALYSIS_JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Set f, depth 0 and first[0] = 1, then write '{' and open depth 1 (as
 * write_json() does). At most 15 levels. */
typedef struct jw {
    FILE *f;
    int depth;
    int first[16];
} jw;

/* Writes the separator, indentation and "k": (nothing for a NULL k). */
void jw_key(jw *j, const char *k);
/* Opens an object ('{') or array ('[') under key k. */
void jw_open(jw *j, const char *k, char c);
/* Closes the innermost one with c ('}' or ']'). */
void jw_close(jw *j, char c);
/* A number (%.17g; null when not finite), an integer, a string (escaped),
 * an array of n numbers. */
void jw_num(jw *j, const char *k, double v);
void jw_int(jw *j, const char *k, int64_t v);
void jw_str(jw *j, const char *k, const char *v);
void jw_nums(jw *j, const char *k, const double *v, size_t n);

#endif
