/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Getting the reader's bytes: a file (regular, FIFO, device, stdin) or a
 * caller's buffer, within GENRE_SCHEMA_MAX_INPUT_BYTES. Parsing them is
 * dataset_parse.c. Every message names the public function the user called.
 */
#include "dataset_private.h"
#include "dataset_stream.h"

#include "alloc.h"
#include "error_private.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

genre_status genre__dataset_too_large(const char *name, size_t limit, const char *verb)
{
    return GENRE_FAIL(GENRE_E_INPUT_TOO_LARGE,
                      "%s %s more than %zu bytes, the limit "
                      "(GENRE_SCHEMA_MAX_INPUT_BYTES)",
                      name, verb, limit);
}

genre_status genre__dataset_grow(char **buf, size_t *cap, size_t limit)
{
    size_t grown = *cap > SIZE_MAX / 2 || *cap * 2 > limit + 1 ? limit + 1 : *cap * 2;
    if (genre__realloc_array(buf, grown, 1) != 0)
        return GENRE_E_NOMEM;
    *cap = grown;
    return GENRE_OK;
}

genre_status genre__dataset_check_nul(const char *buf, size_t len, const char *name)
{
    const char *nul = memchr(buf, '\0', len);
    if (!nul)
        return GENRE_OK;
    long long line = 1;
    const char *line_start = buf;
    for (const char *p = buf; p < nul; p++)
        if (*p == '\n') {
            line++;
            line_start = p + 1;
        }
    return GENRE_FAIL(GENRE_E_PARSE,
                      "%s:%lld: byte %zu of the line is a NUL byte (not CSV text; a "
                      "binary file?)",
                      name, line, (size_t)(nul - line_start) + 1);
}

/* Input limit of the schema as a size_t (it may exceed the address space). */
static size_t input_limit(const genre_dataset_schema *schema)
{
    return (uint64_t)schema->max_input < SIZE_MAX - 1 ? (size_t)schema->max_input
                                                      : SIZE_MAX - 1;
}

/* Bytes read per call while a progress hook watches: its step size. */
#define READ_CHUNK ((size_t)1 << 20)

static genre_status cancelled(const char *name, const char *what, size_t done)
{
    return GENRE_FAIL(GENRE_E_CANCELLED, "%s: cancelled by the progress callback %s %zu bytes",
                      name, what, done);
}

static genre_status out_of_memory(const char *path, size_t bytes)
{
    return GENRE_FAIL(GENRE_E_NOMEM, "%s: out of memory reading it into a %zu-byte buffer",
                      path, bytes);
}

/* Reads f to its end into a new buffer, at most limit bytes (then
 * GENRE_E_INPUT_TOO_LARGE). A plain-text input stops at its first NUL byte,
 * which the parser then reports: /dev/zero or a binary file fails after one
 * block instead of filling memory. With a progress hook, reads go by
 * READ_CHUNK and each reports GENRE_SCHEMA_PHASE_READ (total: the file's
 * size, or -1). */
static genre_status read_stream(FILE *f, const char *path, size_t size_hint, size_t limit,
                                const genre__hooks *hooks, int64_t total, char **out,
                                size_t *out_len)
{
    size_t cap = size_hint > 0 ? size_hint + 1 : (size_t)1 << 16;
    if (cap > limit + 1)
        cap = limit + 1;
    char *buf = genre__alloc_array(cap, 1);
    if (!buf)
        return out_of_memory(path, cap);
    size_t len = 0;
    genre_status st = GENRE_OK;
    for (;;) {
        if (len == cap) {
            if (cap > limit) {
                st = genre__dataset_too_large(path, limit, "holds");
                break;
            }
            if (genre__dataset_grow(&buf, &cap, limit) != GENRE_OK) {
                st = out_of_memory(path, cap > limit / 2 ? limit + 1 : cap * 2);
                break;
            }
        }
        size_t want = cap - len;
        if (hooks->progress && want > READ_CHUNK)
            want = READ_CHUNK;
        size_t got = fread(buf + len, 1, want, f);
        int gzip = len + got >= 2 && (unsigned char)buf[0] == 0x1f &&
                   (unsigned char)buf[1] == 0x8b;
        int nul = !gzip && got > 0 && memchr(buf + len, '\0', got) != NULL;
        len += got;
        if (got > 0 &&
            genre__progress(hooks, GENRE_SCHEMA_PHASE_READ, (int64_t)len, total, NAN)) {
            st = cancelled(path, "after reading", len);
            break;
        }
        if (nul)
            break;
        if (got == 0) {
            if (ferror(f))
                st = GENRE_FAIL(GENRE_E_IO, "%s: read error: %s", path, strerror(errno));
            break;
        }
    }
    if (st != GENRE_OK) {
        genre__free(buf);
        return st;
    }
    *out = buf;
    *out_len = len;
    return GENRE_OK;
}

/* The schema's log notice about a table just read: blank records are kept
 * as all-missing rows (nothing is dropped while reading). */
static void log_read(const genre_dataset_schema *schema, const genre_dataset *ds,
                     const char *name)
{
    if (!schema->hooks.log)
        return;
    size_t blank = 0, first = 0;
    for (size_t r = 0; r < ds->n_rows; r++)
        if (ds->blank[r] && blank++ == 0)
            first = r;
    if (blank == 0)
        genre__log(&schema->hooks, GENRE_LOG_INFO, "%s: %zu data records read, none dropped",
                   name, ds->n_rows);
    else
        genre__log(&schema->hooks, GENRE_LOG_INFO,
                   "%s: %zu data records read, none dropped; %zu blank records (every field "
                   "empty, the first at line %lld) are kept as all-missing rows: "
                   "genre_dataset_drop_empty_rows() removes them",
                   name, ds->n_rows, blank, (long long)ds->line[first]);
}

/* genre__dataset_parse between GENRE_SCHEMA_PHASE_PARSE reports at 0 and
 * at len bytes (the parse may run on worker threads, where the hook may not
 * be called); a cancel at either leaves no table. */
static genre_status parse_watched(genre_dataset **out, const genre_dataset_schema *schema,
                                  const void *buf, size_t len, const char *name)
{
    const genre__hooks *h = &schema->hooks;
    if (genre__progress(h, GENRE_SCHEMA_PHASE_PARSE, 0, (int64_t)len, NAN))
        return cancelled(name, "before parsing", len);
    genre_status st = genre__dataset_parse(out, schema, buf, len, name);
    if (st != GENRE_OK)
        return st;
    if (!((*out)->source = genre__strdup(name))) {
        genre_dataset_free(*out);
        *out = NULL;
        return GENRE_E_NOMEM;
    }
    log_read(schema, *out, name);
    if (genre__progress(h, GENRE_SCHEMA_PHASE_PARSE, (int64_t)len, (int64_t)len, NAN)) {
        genre_dataset_free(*out);
        *out = NULL;
        return cancelled(name, "after parsing", len);
    }
    return GENRE_OK;
}

genre_status genre__dataset_read_path(const genre_dataset_schema *schema, const char *path,
                                      char **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return GENRE_FAIL(genre__errno_status(errno), "%s: cannot open: %s",
                          path, strerror(errno));
    /* Only a regular file's size is known in advance; a directory opens on
     * Linux and then reads as nothing useful (its "size" is 2^63-1). */
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0) {
        int e = errno;
        fclose(f);
        return GENRE_FAIL(GENRE_E_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (S_ISDIR(sb.st_mode)) {
        fclose(f);
        return GENRE_FAIL(GENRE_E_IO, "%s: is a directory, not a CSV file", path);
    }
    const size_t limit = input_limit(schema);
    size_t hint = 0;
    if (S_ISREG(sb.st_mode) && sb.st_size > 0) {
        if ((uint64_t)sb.st_size > limit) {
            fclose(f);
            return genre__dataset_too_large(path, limit, "holds");
        }
        hint = (size_t)sb.st_size;
    }
    genre_status st = read_stream(f, path, hint, limit, &schema->hooks,
                                  hint > 0 ? (int64_t)hint : -1, out, out_len);
    fclose(f);
    return st;
}

/* The end of the n-th record in buf[from..len), records ending at a line
 * feed outside quotes (every quote toggles, as the streaming reader pairs
 * them); *odd, *seen and *last (the end of the last record found) carry the
 * scan across calls. 0 while not reached. */
static size_t nth_record_end(const char *buf, size_t from, size_t len, int *odd,
                             int64_t *seen, int64_t n, size_t *last)
{
    for (size_t i = from; i < len; i++) {
        if (buf[i] == '"')
            *odd ^= 1;
        else if (buf[i] == '\n' && !*odd) {
            *last = i + 1;
            if (++*seen == n)
                return i + 1;
        }
    }
    return 0;
}

genre_status genre__dataset_read_prefix(const genre_dataset_schema *schema, const char *path,
                                        int64_t n_records, char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    struct genre__source src;
    genre_status st = genre__source_open(&src, path, &schema->hooks, 0, NULL);
    const size_t limit = input_limit(schema);
    char *buf = NULL;
    size_t len = 0, cap = 0, cut = 0, last = 0;
    int odd = 0;
    int64_t seen = 0;
    while (st == GENRE_OK && cut == 0) {
        if (cap - len < GENRE__SOURCE_BLOCK) {
            size_t want = cap ? 2 * cap : GENRE__SOURCE_BLOCK + 1;
            if (want < len + GENRE__SOURCE_BLOCK)
                want = len + GENRE__SOURCE_BLOCK;
            if (genre__realloc_array(&buf, want, 1) != 0) {
                st = out_of_memory(path, want);
                break;
            }
            cap = want;
        }
        size_t got = 0;
        st = genre__source_read(&src, buf + len, cap - len, &got);
        if (st != GENRE_OK || got == 0)
            break;
        cut = nth_record_end(buf, len, len + got, &odd, &seen, n_records, &last);
        const int nul = memchr(buf + len, '\0', got) != NULL;
        len += got;
        /* A NUL byte, or a record past the record limit (a quote never
         * closed, a device without line feeds): reading on cannot help; the
         * parse of what was read names the error. */
        if (cut == 0 && (nul || (int64_t)(len - last) > schema->max_record + 2))
            break;
        if (cut == 0 && len > limit)
            st = genre__dataset_too_large(path, limit, "holds");
    }
    genre__source_close(&src);
    if (st != GENRE_OK) {
        genre__free(buf);
        return st;
    }
    *out = buf;
    *out_len = cut ? cut : len;
    return GENRE_OK;
}

genre_status genre_dataset_read(genre_dataset **out, const genre_dataset_schema *schema,
                                const char *path)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(schema);
    GENRE_CHECK_NOT_NULL(path);
    if (schema->n_cols == 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "the schema names no column");
    char *buf = NULL;
    size_t len = 0;
    genre_status st = genre__dataset_read_path(schema, path, &buf, &len);
    if (st == GENRE_OK)
        st = parse_watched(out, schema, buf, len, path);
    genre__free(buf);
    return GENRE_PASS(st);
}

genre_status genre_dataset_read_from_memory(genre_dataset **out, const genre_dataset_schema *schema,
                                            const void *buf, size_t len, const char *name)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(schema);
    if (!buf && len > 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "argument 'buf' is NULL with len %zu", len);
    if (schema->n_cols == 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "the schema names no column");
    return GENRE_PASS(parse_watched(out, schema, len ? buf : "", len, name ? name : "<memory>"));
}
