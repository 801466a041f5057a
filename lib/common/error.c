/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Status names and the thread-local last-error message. */
#include "error_private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define GENRE_ERROR_MESSAGE_MAX 1024

static _Thread_local char last_message[GENRE_ERROR_MESSAGE_MAX];
static _Thread_local genre_status last_status;
static _Thread_local size_t last_head; /* length of the "func: " that starts it */

struct status_entry {
    genre_status code;
    const char *name;
    const char *text;
};

/* One row per code; the tests walk it to check every code has a distinct name. */
static const struct status_entry status_table[] = {
    {GENRE_OK, "GENRE_OK", "success"},
    {GENRE_E_NOMEM, "GENRE_E_NOMEM", "out of memory"},
    {GENRE_E_INVALID_ARG, "GENRE_E_INVALID_ARG", "invalid argument"},
    {GENRE_E_UNKNOWN_PARAM, "GENRE_E_UNKNOWN_PARAM", "unknown parameter key"},
    {GENRE_E_BAD_STATE, "GENRE_E_BAD_STATE", "handle is not in a state that allows this call"},
    {GENRE_E_SHAPE, "GENRE_E_SHAPE", "matrix shapes disagree"},
    {GENRE_E_NONFINITE, "GENRE_E_NONFINITE", "NaN or infinity in numeric input"},
    {GENRE_E_BUFFER_TOO_SMALL, "GENRE_E_BUFFER_TOO_SMALL", "output buffer too small"},
    {GENRE_E_IO, "GENRE_E_IO", "input/output error"},
    {GENRE_E_CORRUPT, "GENRE_E_CORRUPT", "corrupt or truncated model data"},
    {GENRE_E_VERSION, "GENRE_E_VERSION", "model written by a newer format version"},
    {GENRE_E_MODEL_KIND, "GENRE_E_MODEL_KIND", "model file holds another kind of model"},
    {GENRE_E_NUMERIC, "GENRE_E_NUMERIC", "numerical failure"},
    {GENRE_E_CANCELLED, "GENRE_E_CANCELLED", "cancelled by the progress callback"},
    {GENRE_E_UNSUPPORTED, "GENRE_E_UNSUPPORTED", "feature not compiled into this build"},
    {GENRE_E_PARSE, "GENRE_E_PARSE", "input does not parse"},
    {GENRE_E_SCHEMA, "GENRE_E_SCHEMA", "input does not match the schema"},
    {GENRE_E_INTERNAL, "GENRE_E_INTERNAL", "internal error (a libgenre bug)"},
    {GENRE_E_EMPTY_INPUT, "GENRE_E_EMPTY_INPUT", "input is empty"},
    {GENRE_E_NO_DATA_ROWS, "GENRE_E_NO_DATA_ROWS", "input has a header but no data rows"},
    {GENRE_E_RAGGED_ROW, "GENRE_E_RAGGED_ROW", "record has a different number of fields than the header"},
    {GENRE_E_UNTERMINATED_QUOTE, "GENRE_E_UNTERMINATED_QUOTE", "input ends inside a quoted field"},
    {GENRE_E_NOT_A_NUMBER, "GENRE_E_NOT_A_NUMBER", "text in a numeric column"},
    {GENRE_E_NONFINITE_TEXT, "GENRE_E_NONFINITE_TEXT", "NaN or infinity not declared as missing"},
    {GENRE_E_RECORD_TOO_LONG, "GENRE_E_RECORD_TOO_LONG", "record longer than the configured limit"},
    {GENRE_E_INVALID_UTF8, "GENRE_E_INVALID_UTF8", "invalid UTF-8"},
    {GENRE_E_DUPLICATE_COLUMN, "GENRE_E_DUPLICATE_COLUMN", "duplicate column name"},
    {GENRE_E_MISSING_COLUMN, "GENRE_E_MISSING_COLUMN", "column not found"},
    {GENRE_E_UNSEEN_CATEGORY, "GENRE_E_UNSEEN_CATEGORY", "category not seen when fitting"},
    {GENRE_E_MISSING_VALUE, "GENRE_E_MISSING_VALUE", "value still missing"},
    {GENRE_E_INPUT_TOO_LARGE, "GENRE_E_INPUT_TOO_LARGE", "input larger than the configured limit"},
};

static const struct status_entry *find_status(genre_status code)
{
    for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
        if (status_table[i].code == code)
            return &status_table[i];
    return NULL;
}

const char *genre_status_str(genre_status code)
{
    const struct status_entry *e = find_status(code);
    return e ? e->text : "unknown status code";
}

const char *genre_status_name(genre_status code)
{
    const struct status_entry *e = find_status(code);
    return e ? e->name : "GENRE_E_UNKNOWN";
}

const char *genre_last_error(void)
{
    return last_message;
}

genre_status genre_last_status(void)
{
    return last_status;
}

void genre_clear_error(void)
{
    last_message[0] = '\0';
    last_status = GENRE_OK;
}

genre_status genre_set_error(genre_status status, const char *message)
{
    if (status >= 0 || message == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, __func__,
                           message ? "status %d is not a failure" : "argument 'message' is NULL",
                           (int)status);
    snprintf(last_message, sizeof last_message, "%s", message);
    last_status = status;
    /* the leading "function: ", when there is one, as genre__fail records it */
    size_t head = strspn(last_message, "abcdefghijklmnopqrstuvwxyz0123456789_");
    last_head = (head > 0 && last_message[head] == ':' && last_message[head + 1] == ' ')
                    ? head + 2 : 0;
    return status;
}

genre_status genre__fail(genre_status status, const char *func,
                         const char *fmt, ...)
{
    int head = snprintf(last_message, sizeof last_message, "%s: ", func);
    if (head < 0 || (size_t)head >= sizeof last_message)
        head = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message + head, sizeof last_message - (size_t)head, fmt, ap);
    va_end(ap);
    last_status = status;
    last_head = (size_t)head;
    return status;
}

genre_status genre__fail_as(genre_status status, const char *func, const char *context)
{
    if (status == GENRE_OK)
        return status;
    if (last_status != status || last_message[last_head] == '\0')
        return genre__fail(status, func, "%s", genre_status_str(status));
    size_t name_len = strlen(func);
    if (!context && last_head == name_len + 2 && memcmp(last_message, func, name_len) == 0)
        return status;
    char tail[GENRE_ERROR_MESSAGE_MAX];
    snprintf(tail, sizeof tail, "%s", last_message + last_head);
    return context ? genre__fail(status, func, "%s: %s", context, tail)
                   : genre__fail(status, func, "%s", tail);
}

genre_status genre__errno_status(int err)
{
    return err == ENOMEM ? GENRE_E_NOMEM : GENRE_E_IO;
}

/* This file sees the XSI strerror_r (_POSIX_C_SOURCE, no _GNU_SOURCE). */
const char *genre__errno_text(int err, char *buf, size_t n)
{
    if (strerror_r(err, buf, n) != 0)
        snprintf(buf, n, "error %d", err);
    return buf;
}
