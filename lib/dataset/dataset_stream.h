/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the streaming reader's pieces. The byte source (a file read
 * block by block, gzip inflated as a stream: dataset_source.c), the record
 * index (dataset_index.c) and the reader's entry points the index builder
 * shares (dataset_reader.c).
 */
#ifndef GENRE_DATASET_STREAM_H
#define GENRE_DATASET_STREAM_H

#include "dataset_private.h"

#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

/* Bytes read from the file per call: the step of GENRE_SCHEMA_PHASE_READ. */
#define GENRE__SOURCE_BLOCK ((size_t)1 << 20)

/* A file's text: the file's bytes, or their inflation when it starts with
 * gzip's magic bytes (members one after another, then nothing or zero
 * padding, as genre_dataset_read() accepts). */
struct genre__source {
    int fd;
    const char *name;
    const genre__hooks *hooks;  /* PHASE_READ after each read, or NULL */
    int64_t total;              /* the file's size, or -1 (FIFO, device) */
    int regular;
    uint64_t in_bytes;          /* file offset of the next read */
    int in_eof;
    /* Bytes read ahead: compressed input, or the plain text peeked at. */
    unsigned char *in;
    size_t in_cap, in_pos, in_len;
    uint64_t in_base;           /* file offset of in[0] */
    int gzip;
    int done;                   /* no more text */
    z_stream z;
    int z_live;
    gz_header head;
    uint64_t member;            /* file offset of the current member */
    int member_fresh;           /* nothing of it inflated yet: libdeflate may try */
    void *fast;                 /* libdeflate's decompressor, or NULL */
    int between;                /* a member ended: another, padding or the end */
    /* gzip inflated ahead on a thread of its own (dataset_source_ahead.c):
     * then every other field is that thread's, but for name, total and
     * hooks, fixed at open. Its reads go to on_read instead of the progress
     * callback, for the reading thread to replay. */
    struct genre__ahead *ahead;
    genre_status (*on_read)(void *ctx, uint64_t in_bytes);
    void *on_read_ctx;
};

/* Opens path (regular file, FIFO, device, "/dev/stdin") and peeks at its
 * first bytes to tell gzip from plain text; with plain_only, gzip input is
 * GENRE_E_UNSUPPORTED and the file must be regular. GENRE_E_IO,
 * GENRE_E_NOMEM, GENRE_E_CANCELLED (the progress hook), recorded with the
 * path. Close with genre__source_close, also after a failure. */
genre_status genre__source_open(struct genre__source *s, const char *path,
                                const genre__hooks *hooks, int plain_only, const char *why);
/* Reads at most cap bytes of text into buf: *got = 0 only at the end of the
 * text. GENRE_E_IO, GENRE_E_PARSE (gzip damage), GENRE_E_CANCELLED,
 * GENRE_E_NOMEM. */
genre_status genre__source_read(struct genre__source *s, char *buf, size_t cap, size_t *got);
/* genre__source_read() on the calling thread, whatever the source: the
 * inflating thread's read. */
genre_status genre__source_read_here(struct genre__source *s, char *buf, size_t cap,
                                     size_t *got);
/* Bytes read from the file so far (compressed for gzip; ahead: as of the
 * text handed to the reads). */
uint64_t genre__source_in_bytes(const struct genre__source *s);
/* When the source is gzip in a regular file over 1 MiB and n_threads (a
 * GENRE_SCHEMA_THREADS value) resolves to 2 or more, moves the inflation to
 * a thread of its own that keeps up to 4 MiB of text ahead of the reads;
 * reads, failures, their messages and the progress callback stay as they
 * were, on the reading thread. GENRE_E_NOMEM (the blocks of text); without
 * a thread (the system's limits) the reads stay on the calling thread. The
 * source cannot be used in a child after fork() then. */
genre_status genre__source_start_ahead(struct genre__source *s, int64_t n_threads);
/* The reading side of it (genre__source_read() calls it). */
genre_status genre__source_read_ahead(struct genre__source *s, char *buf, size_t cap,
                                      size_t *got);
uint64_t genre__source_ahead_in_bytes(const struct genre__source *s);
/* Stops and joins the inflating thread (genre__source_close() calls it). */
void genre__source_stop_ahead(struct genre__source *s);
/* The text bytes still to come from a plain regular file (as its size
 * said at open), or UINT64_MAX when unknown (gzip, FIFO, device). */
uint64_t genre__source_left(const struct genre__source *s);
/* Moves a plain regular file's next read to offset. GENRE_E_IO. */
genre_status genre__source_seek(struct genre__source *s, uint64_t offset);
void genre__source_close(struct genre__source *s);

/* The record index: entry k is data record k * every (0-based, file order):
 * its byte offset and line. */
struct genre_dataset_index {
    uint64_t file_bytes;        /* the file's size when built */
    uint64_t data_begin;        /* the first data record's offset */
    int64_t n_records;          /* data records in the file */
    int64_t every;
    size_t n;                   /* entries: ceil(n_records / every) */
    uint64_t *off;
    int64_t *line;
};

/* Opens a reader over path with its header read; range: a plain regular
 * file is required (why names the public function's reason). */
genre_status genre__reader_open(genre_dataset_reader **out, const genre_dataset_schema *schema,
                                const char *path, int range);
/* Called for each data record the scan passes: its offset and line. */
typedef genre_status (*genre__record_fn)(void *ctx, uint64_t off, int64_t line);
/* Passes the reader's records without parsing them (found by quote parity)
 * until one starts at or after `until` or the input ends, calling fn (when
 * not NULL) for each record passed. */
genre_status genre__reader_skip(genre_dataset_reader *r, uint64_t until, genre__record_fn fn,
                                void *ctx);
/* The file offset of the next record, and its line. */
uint64_t genre__reader_offset(const genre_dataset_reader *r);
int64_t genre__reader_line(const genre_dataset_reader *r);
/* 1 when the reader's gzip is inflated on a thread of its own (tests). */
int genre__reader_inflates_ahead(const genre_dataset_reader *r);
/* The file's size (-1 when not regular). */
int64_t genre__reader_file_bytes(const genre_dataset_reader *r);

#endif
