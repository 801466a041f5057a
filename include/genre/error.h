/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/error.h
 * @brief Status codes and the thread-local error message.
 *
 * Values are frozen: a code is never renumbered or reused, new codes are
 * only appended (more negative). A caller that meets a negative value it does
 * not know should treat it as a failure and show genre_last_error().
 * Each code names one kind of failure; there is no catch-all.
 */
#ifndef GENRE_ERROR_H
#define GENRE_ERROR_H

#include <genre/common.h>

GENRE_BEGIN_DECLS

#define GENRE_OK 0
/** An allocation failed; nothing was changed. */
#define GENRE_E_NOMEM (-1)
/** NULL where a pointer is required, a size of zero, an out-of-range
 *  parameter value, or an invalid combination of arguments. */
#define GENRE_E_INVALID_ARG (-2)
/** A parameter key this version of the library does not know. */
#define GENRE_E_UNKNOWN_PARAM (-3)
/** The handle is not in a state that allows the call (e.g. predict before fit). */
#define GENRE_E_BAD_STATE (-4)
/** Matrix shapes disagree (columns differ from the fitted model, etc.). */
#define GENRE_E_SHAPE (-5)
/** NaN or infinity in numeric input; the message names row, column, value. */
#define GENRE_E_NONFINITE (-6)
/** An output buffer is too small; the needed size is reported. */
#define GENRE_E_BUFFER_TOO_SMALL (-7)
/** Opening, reading, writing or renaming a file failed. */
#define GENRE_E_IO (-8)
/** A model file or buffer is not valid: bad magic, truncated, a length that
 *  does not fit, a checksum mismatch, or a payload that does not decode. */
#define GENRE_E_CORRUPT (-9)
/** A model file written by a newer, unknown format version. */
#define GENRE_E_VERSION (-10)
/** A valid model file that holds another kind of model than requested. */
#define GENRE_E_MODEL_KIND (-11)
/** A numerical failure: an eigen-solver did not converge, a matrix is
 *  singular, an optimisation diverged to NaN. */
#define GENRE_E_NUMERIC (-12)
/** A progress callback asked to stop. */
#define GENRE_E_CANCELLED (-13)
/** A feature not compiled into this build (see genre_features()). */
#define GENRE_E_UNSUPPORTED (-14)
/** Text input that does not parse (syntax): the message names file, line,
 *  column and the offending text. */
#define GENRE_E_PARSE (-15)
/** Input that parses but does not match the schema (missing or duplicate
 *  column, unknown category, wrong column role). */
#define GENRE_E_SCHEMA (-16)
/** A bug in libgenre; please report it with the message. */
#define GENRE_E_INTERNAL (-17)
/** Text input with no bytes at all (or only a byte-order mark). */
#define GENRE_E_EMPTY_INPUT (-18)
/** A CSV with a header and no data record. */
#define GENRE_E_NO_DATA_ROWS (-19)
/** A CSV record with more or fewer fields than the header. */
#define GENRE_E_RAGGED_ROW (-20)
/** Input ends inside a quoted CSV field. */
#define GENRE_E_UNTERMINATED_QUOTE (-21)
/** Text in a numeric column that is not a number nor a declared missing marker. */
#define GENRE_E_NOT_A_NUMBER (-22)
/** NaN, infinity or an overflowing number spelled in a numeric column
 *  where it is not a declared missing marker. */
#define GENRE_E_NONFINITE_TEXT (-23)
/** A CSV record longer than the configured limit. */
#define GENRE_E_RECORD_TOO_LONG (-24)
/** Text that is not valid UTF-8. */
#define GENRE_E_INVALID_UTF8 (-25)
/** A column name that occurs twice (in a header or a schema). */
#define GENRE_E_DUPLICATE_COLUMN (-26)
/** A column the schema or the call names is absent. */
#define GENRE_E_MISSING_COLUMN (-27)
/** A category never seen when the encoding was fit (or outside a fixed order). */
#define GENRE_E_UNSEEN_CATEGORY (-28)
/** A value is still missing where a complete one is needed (export, model features). */
#define GENRE_E_MISSING_VALUE (-29)
/** An input larger than the configured limit (GENRE_SCHEMA_MAX_INPUT_BYTES
 *  for the dataset reader); the message names the input and the limit. */
#define GENRE_E_INPUT_TOO_LARGE (-30)

/**
 * A short static description of a status code, e.g. "out of memory".
 * @return never NULL; "unknown status code" for values this version does not know.
 * Thread-safe. @since 0.1
 */
GENRE_API const char *genre_status_str(genre_status code);

/**
 * The static name of a status code, e.g. "GENRE_E_NOMEM".
 * @return never NULL; "GENRE_E_UNKNOWN" for values this version does not know.
 * Thread-safe. @since 0.1
 */
GENRE_API const char *genre_status_name(genre_status code);

/**
 * The message of the most recent failure on the calling thread: which
 * function failed and why, with the argument, row, column and value where
 * they apply.
 *
 * @return never NULL; "" when no libgenre call on this thread has failed
 *         since the last genre_clear_error(). Successful calls do not clear
 *         it. The text belongs to the library and stays valid until the next
 *         failing libgenre call on this thread.
 * Thread-safe (the message is thread-local). @since 0.1
 */
GENRE_API const char *genre_last_error(void);

/**
 * The status code that goes with genre_last_error(), or GENRE_OK.
 * Thread-safe (thread-local). @since 0.1
 */
GENRE_API genre_status genre_last_status(void);

/** Clears the calling thread's error message and status. @since 0.1 */
GENRE_API void genre_clear_error(void);

/**
 * Records a failure as the calling thread's last error, for a library
 * layered on libgenre (libgenre_mpi, a binding) whose own failures must
 * reach genre_last_error() and genre_last_status() like libgenre's.
 *
 * @param status  a failure (negative; need not be a code this version knows).
 * @param message "function: why", the function being the public one the
 *                user called; copied (truncated to the message limit,
 *                1023 bytes).
 * @return status, so a layer can `return genre_set_error(st, msg);`;
 *         GENRE_E_INVALID_ARG (recorded as such) when status is not negative
 *         or message is NULL.
 * Thread-safe (the message is thread-local). @since 1.0
 */
GENRE_API genre_status genre_set_error(genre_status status, const char *message);

GENRE_END_DECLS

#endif /* GENRE_ERROR_H */
