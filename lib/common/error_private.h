/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Private: how library code records a failure for genre_last_error(). */
#ifndef GENRE_ERROR_PRIVATE_H
#define GENRE_ERROR_PRIVATE_H

#include <genre/error.h>

#if defined(__GNUC__)
#  define GENRE_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#else
#  define GENRE_PRINTF(fmt_idx, arg_idx)
#endif

/* Records "func: message" as the calling thread's last error and returns
 * status, so a failing path reads `return GENRE_FAIL(GENRE_E_SHAPE, "...")`. */
genre_status genre__fail(genre_status status, const char *func,
                         const char *fmt, ...) GENRE_PRINTF(3, 4);

#define GENRE_FAIL(status, ...) genre__fail((status), __func__, __VA_ARGS__)

/* For a public function passing on a failure recorded by a private helper or
 * by another public function it calls: the message's leading function name
 * becomes func (the function the user called), with context, when not NULL,
 * put before the rest ("func: context: why"). Returns status; GENRE_OK is
 * passed through untouched, and a failure recorded without a message gets
 * one. */
genre_status genre__fail_as(genre_status status, const char *func, const char *context);

/* `return GENRE_PASS(st);` at the end of a public function. */
#define GENRE_PASS(status) genre__fail_as((status), __func__, NULL)

/* The status of a failed system call: ENOMEM (a kernel or stdio
 * allocation) is GENRE_E_NOMEM like any other, the rest GENRE_E_IO. */
genre_status genre__errno_status(int err);

/* errno's text in buf (n bytes), thread-safe; returns buf. */
const char *genre__errno_text(int err, char *buf, size_t n);

/* Fails with GENRE_E_INVALID_ARG when the pointer argument is NULL. */
#define GENRE_CHECK_NOT_NULL(ptr)                                              \
    do {                                                                       \
        if ((ptr) == NULL)                                                     \
            return GENRE_FAIL(GENRE_E_INVALID_ARG, "argument '%s' is NULL", #ptr); \
    } while (0)

#endif
