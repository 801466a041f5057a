/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/dataset_reader.h
 * @brief Tables larger than memory: the streaming reader, which reads a CSV
 *        file chunk by chunk, each chunk a table as genre_dataset_read()
 *        builds it, and the record index, which lets several range readers
 *        share one file.
 *
 * A reader is opened with a schema (genre/dataset_schema.h); its chunks are
 * ordinary ::genre_dataset tables (genre/dataset.h: freed with
 * genre_dataset_free(), cleaned, split and exported like any table), and a
 * preparation is fitted over them by its partial state
 * (genre/dataset_prep.h). genre/dataset.h and genre/genre.h include this
 * header.
 */
#ifndef GENRE_DATASET_READER_H
#define GENRE_DATASET_READER_H

#include <genre/common.h>
#include <genre/dataset_types.h>
#include <genre/dataset_schema.h>

GENRE_BEGIN_DECLS

/* ======================================================================== */
/* Streaming reader (tables larger than memory)                             */
/* ======================================================================== */

/** A file read chunk by chunk (genre_dataset_reader_open()). */
typedef struct genre_dataset_reader genre_dataset_reader;
/** Record offsets of a plain CSV file (genre_dataset_index_build()). */
typedef struct genre_dataset_index genre_dataset_index;

/* Reader properties (genre_dataset_reader_get_i64()). */
/** Rows returned by genre_dataset_reader_next() so far. @since 1.0 */
#define GENRE_READER_ROWS 1
/** The file line of the next record (the line after the last one read). @since 1.0 */
#define GENRE_READER_LINE 2
/** The text offset of the next record: a byte offset of the file for
 *  plain input, of the inflated text for gzip. @since 1.0 */
#define GENRE_READER_OFFSET 3
/** Bytes read from the file so far (compressed for gzip; the reader reads
 *  ahead by up to 1 MiB; a gzip inflated on a thread of its own counts the
 *  bytes behind the text handed to the chunks). @since 1.0 */
#define GENRE_READER_INPUT_BYTES 4

/* Index properties (genre_dataset_index_get_i64()). */
/** Data records in the file (the header excluded). @since 1.0 */
#define GENRE_INDEX_RECORDS 1
/** The file's size when the index was built. @since 1.0 */
#define GENRE_INDEX_FILE_BYTES 2
/** One entry every this many records. @since 1.0 */
#define GENRE_INDEX_EVERY 3
/** Entries held: ceil(records / every). @since 1.0 */
#define GENRE_INDEX_ENTRIES 4
/** The byte offset of the first data record (after a byte-order mark and
 *  the header). @since 1.0 */
#define GENRE_INDEX_DATA_BEGIN 5

/**
 * Opens a CSV file (plain or gzip; a regular file, a FIFO, a character
 * device or "/dev/stdin") for reading in chunks with
 * genre_dataset_reader_next(). The header is read and checked here, once.
 * Chunks are tables exactly as genre_dataset_read() would build from
 * the same records: the same cleaning and missing markers, separator
 * (GENRE_SCHEMA_SEPARATOR, detected from the header when 0), messages and
 * the file's real line numbers ("file:line"); their concatenation is
 * read_file's table (category and text ids are per chunk, in
 * first-appearance order within it). gzip is inflated as a stream; in a
 * regular file over 1 MiB, with GENRE_SCHEMA_THREADS other than 1 on a
 * machine of 2 or more CPUs, on a thread the reader starts and ends, up to
 * 4 MiB of text ahead of the chunks (the chunks, errors and progress
 * reports are the same; a reader so opened cannot be used in a child
 * process after fork()). Memory: the current chunk's text and table plus
 * one record and a 1 MiB read-ahead (and those 4 MiB), whatever the file's
 * length; GENRE_SCHEMA_MAX_INPUT_BYTES does not apply
 * (GENRE_SCHEMA_MAX_RECORD_BYTES does).
 *
 * Where read_file, which holds the whole input before parsing, reports an
 * error of the input as a whole first (a NUL byte, a damaged gzip stream),
 * the reader reports it when it reaches it: the chunks before it are
 * returned. A record longer than GENRE_SCHEMA_MAX_RECORD_BYTES is
 * GENRE_E_RECORD_TOO_LONG at its first line, where read_file may name a
 * quoting error it finds past the limit inside that record.
 *
 * The schema is copied; its progress callback is kept (it must stay valid
 * while the reader is open) and receives, on the thread calling the reader,
 * GENRE_SCHEMA_PHASE_READ after each read of at most 1 MiB (step: bytes
 * read from the file, total: its size or -1); its log callback is not
 * used.
 *
 * @param[out] out    receives the reader; free it with
 *                    genre_dataset_reader_free().
 * @param[in]  schema the schema; copied.
 * @param[in]  path   the file.
 * @return GENRE_OK; the errors of genre_dataset_read() met in the
 *   header or the first bytes (GENRE_E_INVALID_ARG, GENRE_E_IO,
 *   GENRE_E_EMPTY_INPUT, GENRE_E_NO_DATA_ROWS, GENRE_E_DUPLICATE_COLUMN,
 *   GENRE_E_MISSING_COLUMN, GENRE_E_PARSE, GENRE_E_INVALID_UTF8,
 *   GENRE_E_RECORD_TOO_LONG, GENRE_E_UNTERMINATED_QUOTE, GENRE_E_CANCELLED,
 *   GENRE_E_NOMEM); never GENRE_E_INPUT_TOO_LARGE.
 * Thread-safe for distinct outputs (the schema is only read). One reader
 * belongs to one thread at a time. @since 1.0
 */
GENRE_API genre_status genre_dataset_reader_open(genre_dataset_reader **out,
                                                 const genre_dataset_schema *schema,
                                                 const char *path);

/**
 * genre_dataset_reader_open() for the data records of a plain regular
 * file that START in [begin_byte, end_byte): P readers over the ranges
 * [k * size / P, (k + 1) * size / P), k = 0..P-1, of a file of size bytes
 * return every data record exactly once between them (ranges that hold no
 * record start return none). Line numbers are the file's.
 *
 * With an index of this file (genre_dataset_index_build()), the reader
 * seeks to the last indexed record at or before begin_byte and passes the
 * records up to begin_byte by their quotes, so quoted fields may hold line
 * breaks. Without one (index NULL), the reader passes every record from the
 * header to begin_byte (one sequential read of that part, not parsed) and
 * requires that no record it passes or reads holds a line break inside
 * quotes: the first one is GENRE_E_UNSUPPORTED naming its line, so when
 * every range reader of a file succeeds, the ranges were cut at records.
 *
 * @param[in] index an index of path, or NULL; only read, and not kept.
 * @return as genre_dataset_reader_open(), plus GENRE_E_INVALID_ARG
 *   (begin_byte > end_byte; an index of another file: its size or data
 *   start differ), GENRE_E_UNSUPPORTED (gzip input, not a regular file, a
 *   quoted line break without an index), GENRE_E_RECORD_TOO_LONG (a record
 *   passed to reach begin_byte).
 * Thread-safe for distinct outputs; several range readers may share one
 * index. @since 1.0
 */
GENRE_API genre_status genre_dataset_reader_open_range(genre_dataset_reader **out,
                                                       const genre_dataset_schema *schema,
                                                       const char *path, uint64_t begin_byte,
                                                       uint64_t end_byte,
                                                       const genre_dataset_index *index);

/**
 * The next chunk: a table of at most max_rows records (at least one), in
 * file order, with the "read" counters of the report (rows, blank_rows,
 * per column missing; groups and no_group_rows of the group column) for
 * this chunk. At the end of the input (or of the range) *out is NULL and
 * the return GENRE_OK, again on every later call.
 * @param[out] out receives the chunk (free it with genre_dataset_free()),
 *             or NULL at the end.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, max_rows 0); the reading
 *   errors of genre_dataset_read() (and of the range: GENRE_E_UNSUPPORTED),
 *   naming the file and real line; after any failure the reader is spent:
 *   GENRE_E_BAD_STATE.
 * Needs exclusive access to the reader. @since 1.0
 */
GENRE_API genre_status genre_dataset_reader_next(genre_dataset_reader *reader,
                                                 size_t max_rows, genre_dataset **out);

/**
 * genre_dataset_reader_next() building the chunk on the memory of the
 * previous one: a loop that hands each chunk back reads without allocating
 * its tables anew (their arrays and dictionaries keep their capacity).
 * @param[in,out] inout NULL or the chunk this reader returned last (by
 *   either function; the caller may have cleaned, imputed or encoded it):
 *   that table is consumed and *inout receives the next chunk, or NULL at
 *   the end (then free nothing). Any pointer into the old table (cell
 *   strings, exported views) is invalid afterwards.
 * @return as genre_dataset_reader_next(); GENRE_E_INVALID_ARG also when
 *   *inout is another table (it is then left as it was). On any other
 *   failure the old table is freed and *inout is NULL.
 * Needs exclusive access to the reader and the table. @since 1.0
 */
GENRE_API genre_status genre_dataset_reader_next_into(genre_dataset_reader *reader,
                                                      size_t max_rows, genre_dataset **inout);

/**
 * Reads a reader property (GENRE_READER_*).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_dataset_reader_get_i64(const genre_dataset_reader *reader,
                                                    int32_t key, int64_t *out);

/** Closes the file and frees the reader; NULL is a no-op. Chunks already
 *  returned stay valid. Needs exclusive access. @since 1.0 */
GENRE_API void genre_dataset_reader_free(genre_dataset_reader *reader);

/**
 * Builds the record index of a plain regular CSV file in one sequential
 * pass: the byte offset and line of data records 0, every, 2 * every, ...
 * Records are found by their quotes (a line feed after an even number of
 * quotes in the record ends it), without parsing the fields: a file that
 * genre_dataset_read() reads has a correct index, and a range reader
 * over a damaged one reports the damage where it reads it.
 * @param[out] out   receives the index; free it with
 *                   genre_dataset_index_free().
 * @param[in] schema the schema (the header is read and checked with it;
 *                   its progress callback sees GENRE_SCHEMA_PHASE_READ).
 * @param[in] every  entries every this many records (>= 1): a range reader
 *                   passes at most every - 1 records to reach its start.
 *                   The index takes 16 bytes per entry.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL, every < 1); the errors of
 *   genre_dataset_reader_open_range() with index NULL except the quoted
 *   line break; GENRE_E_RECORD_TOO_LONG; GENRE_E_IO (also: the file changed
 *   size during the pass).
 * Thread-safe for distinct outputs. @since 1.0
 */
GENRE_API genre_status genre_dataset_index_build(genre_dataset_index **out,
                                                 const genre_dataset_schema *schema,
                                                 const char *path, int64_t every);

/**
 * Reads an index property (GENRE_INDEX_*).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_UNKNOWN_PARAM.
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_dataset_index_get_i64(const genre_dataset_index *index,
                                                   int32_t key, int64_t *out);

/**
 * Saves the index in the model container (kind GENRE_MODEL_DATASET_INDEX;
 * genre/model.h).
 * @param[out] buf destination or NULL for a size query; cap its size.
 * @param[out] written_or_needed receives the container's size in bytes.
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_BUFFER_TOO_SMALL (also for
 *   buf NULL); GENRE_E_NOMEM.
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_dataset_index_save_to_memory(const genre_dataset_index *index,
                                                          void *buf, size_t cap,
                                                          size_t *written_or_needed);

/**
 * genre_dataset_index_save_to_memory() to a file, written whole or not at all
 * (genre/model.h).
 * @return as genre_dataset_index_save_to_memory(), plus GENRE_E_IO.
 * Thread-safe on a const handle. @since 1.0
 */
GENRE_API genre_status genre_dataset_index_save(const genre_dataset_index *index, const char *path);

/**
 * Loads an index saved by genre_dataset_index_save_to_memory(). A range reader
 * checks it against the file (size and data start).
 * @param[out] out receives it; free with genre_dataset_index_free().
 * @return GENRE_OK; GENRE_E_INVALID_ARG; GENRE_E_CORRUPT (bad container,
 *   or entries that are not increasing offsets and lines within the file);
 *   GENRE_E_VERSION; GENRE_E_MODEL_KIND; GENRE_E_NOMEM.
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_dataset_index_load_from_memory(genre_dataset_index **out,
                                                            const void *buf, size_t len);

/**
 * genre_dataset_index_load_from_memory() from a file (read as genre/model.h says).
 * @return as genre_dataset_index_load_from_memory(), plus GENRE_E_IO.
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_dataset_index_load(genre_dataset_index **out, const char *path);

/** Frees an index; NULL is a no-op. Needs exclusive access. @since 1.0 */
GENRE_API void genre_dataset_index_free(genre_dataset_index *index);

GENRE_END_DECLS

#endif /* GENRE_DATASET_READER_H */
