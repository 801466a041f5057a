/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The streaming reader's bytes (dataset_stream.h): a file read block by
 * block, gzip inflated incrementally with zlib. The rules are those of the
 * whole-input path (dataset_gzip.c) and its messages are reused: members
 * one after another, then nothing or zero bytes only. libdeflate has no
 * streaming interface, so the whole-input path's libdeflate is not used
 * here (docs/dataset.md, "Streaming reader", has the measurements).
 */
#include "dataset_stream.h"

#include "alloc.h"
#include "error_private.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Compressed bytes read ahead. */
#define IN_CAP ((size_t)1 << 18)

static genre_status io_error(const struct genre__source *s, const char *what, int err)
{
    char why[128];
    return GENRE_FAIL(genre__errno_status(err), "%s: %s: %s", s->name, what,
                      genre__errno_text(err, why, sizeof why));
}

/* One read(2) of at most n bytes at buf, EINTR retried; reports progress. */
static genre_status raw_read(struct genre__source *s, void *buf, size_t n, size_t *got)
{
    ssize_t k;
    do
        k = read(s->fd, buf, n);
    while (k < 0 && errno == EINTR);
    if (k < 0)
        return io_error(s, "read error", errno);
    *got = (size_t)k;
    if (k == 0) {
        s->in_eof = 1;
        return GENRE_OK;
    }
    s->in_bytes += (uint64_t)k;
    if (s->on_read)
        return s->on_read(s->on_read_ctx, s->in_bytes);
    if (genre__progress(s->hooks, GENRE_SCHEMA_PHASE_READ, (int64_t)s->in_bytes, s->total, NAN))
        return GENRE_FAIL(GENRE_E_CANCELLED,
                          "%s: cancelled by the progress callback after reading %llu bytes",
                          s->name, (unsigned long long)s->in_bytes);
    return GENRE_OK;
}

/* Reads more of the file behind the read-ahead bytes (kept ones moved to
 * the front); at the end of the file sets in_eof. */
static genre_status fill_in(struct genre__source *s)
{
    if (s->in_pos > 0) {
        memmove(s->in, s->in + s->in_pos, s->in_len - s->in_pos);
        s->in_base += s->in_pos;
        s->in_len -= s->in_pos;
        s->in_pos = 0;
    }
    if (s->in_eof || s->in_len == s->in_cap)
        return GENRE_OK;
    size_t got = 0;
    genre_status st = raw_read(s, s->in + s->in_len, s->in_cap - s->in_len, &got);
    s->in_len += got;
    return st;
}

genre_status genre__source_open(struct genre__source *s, const char *path,
                                const genre__hooks *hooks, int plain_only, const char *why)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->name = path;
    s->hooks = hooks;
    s->total = -1;
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0)
        return io_error(s, "cannot open", errno);
    struct stat sb;
    if (fstat(s->fd, &sb) != 0)
        return io_error(s, "cannot stat", errno);
    if (S_ISDIR(sb.st_mode))
        return GENRE_FAIL(GENRE_E_IO, "%s: is a directory, not a CSV file", path);
    s->regular = S_ISREG(sb.st_mode);
    if (s->regular)
        s->total = (int64_t)sb.st_size;
    if (plain_only && !s->regular)
        return GENRE_FAIL(GENRE_E_UNSUPPORTED, "%s: not a regular file (%s)", path, why);
    s->in_cap = IN_CAP;
    if (s->regular && (uint64_t)s->total < IN_CAP - 2)
        s->in_cap = (size_t)s->total + 2; /* small files, small buffers */
    if (!(s->in = genre__alloc_array(s->in_cap, 1)))
        return GENRE_FAIL(GENRE_E_NOMEM, "%s: out of memory for a read buffer", path);
    /* Enough bytes to see gzip's magic: a FIFO may deliver one at a time. */
    genre_status st;
    while (s->in_len < 2 && !s->in_eof)
        if ((st = fill_in(s)) != GENRE_OK)
            return st;
    s->gzip = genre__dataset_is_gzip(s->in, s->in_len);
    if (s->gzip && plain_only)
        return GENRE_FAIL(GENRE_E_UNSUPPORTED, "%s: gzip input (%s)", path, why);
    if (s->gzip) {
        if (!genre__gzip_zstart(&s->z))
            return GENRE_FAIL(GENRE_E_NOMEM, "%s: out of memory initialising zlib", path);
        s->z_live = 1;
        inflateGetHeader(&s->z, &s->head);
        s->member_fresh = 1;
    }
    return GENRE_OK;
}

uint64_t genre__source_left(const struct genre__source *s)
{
    if (s->gzip || !s->regular || (uint64_t)s->total < s->in_bytes)
        return UINT64_MAX;
    return (uint64_t)s->total - s->in_bytes + (s->in_len - s->in_pos);
}

void genre__source_close(struct genre__source *s)
{
    genre__source_stop_ahead(s);
    if (s->z_live)
        inflateEnd(&s->z);
    genre__gzip_fast_free(s->fast);
    s->fast = NULL;
    s->z_live = 0;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    genre__free(s->in);
    s->in = NULL;
}

genre_status genre__source_seek(struct genre__source *s, uint64_t offset)
{
    if (lseek(s->fd, (off_t)offset, SEEK_SET) == (off_t)-1)
        return io_error(s, "cannot seek", errno);
    s->in_pos = s->in_len = 0;
    s->in_base = s->in_bytes = offset;
    s->in_eof = 0;
    s->done = 0;
    return GENRE_OK;
}

/* Plain text: the bytes peeked at, then straight from the file. */
static genre_status read_plain(struct genre__source *s, char *buf, size_t cap, size_t *got)
{
    if (s->in_pos < s->in_len) {
        size_t n = s->in_len - s->in_pos < cap ? s->in_len - s->in_pos : cap;
        memcpy(buf, s->in + s->in_pos, n);
        s->in_pos += n;
        *got = n;
        return GENRE_OK;
    }
    if (s->in_eof) {
        s->done = 1;
        return GENRE_OK;
    }
    genre_status st = raw_read(s, buf, cap < GENRE__SOURCE_BLOCK ? cap : GENRE__SOURCE_BLOCK,
                               got);
    if (st == GENRE_OK && *got == 0)
        s->done = 1;
    return st;
}

/* After a member that ends at the read-ahead position: the end (done),
 * another member (*more) or zero bytes to the end; anything else is the
 * whole-input path's error, which names how many bytes follow the member. */
static genre_status after_member(struct genre__source *s, int *more)
{
    genre_status st;
    const uint64_t member_end = s->in_base + s->in_pos;
    *more = 0;
    for (;;) {
        if (s->in_len - s->in_pos < 2 && !s->in_eof) {
            if ((st = fill_in(s)) != GENRE_OK)
                return st;
            continue;
        }
        size_t avail = s->in_len - s->in_pos;
        if (avail == 0) {
            s->done = 1;
            return GENRE_OK;
        }
        if (genre__dataset_is_gzip(s->in + s->in_pos, avail) &&
            (avail >= 2 || s->in_eof)) {
            *more = 1;
            return GENRE_OK;
        }
        while (s->in_pos < s->in_len && s->in[s->in_pos] == 0)
            s->in_pos++;
        if (s->in_pos == s->in_len) {
            if (s->in_eof) {
                s->done = 1;
                return GENRE_OK;
            }
            if ((st = fill_in(s)) != GENRE_OK)
                return st;
            continue;
        }
        /* Garbage: the message counts the bytes to the end of the file. */
        const uint64_t at = s->in_base + s->in_pos;
        const unsigned char byte = s->in[s->in_pos];
        while (!s->in_eof) {
            s->in_pos = s->in_len;
            if ((st = fill_in(s)) != GENRE_OK)
                return st;
        }
        return genre__gzip_garbage(s->name, (size_t)at, byte, (size_t)(s->in_bytes - member_end),
                                   (size_t)member_end);
    }
}

static genre_status read_gzip(struct genre__source *s, char *buf, size_t cap, size_t *got)
{
    genre_status st;
    if (cap > UINT32_MAX)
        cap = UINT32_MAX;
    for (;;) {
        if (s->between) {
            int more = 0;
            if ((st = after_member(s, &more)) != GENRE_OK || !more)
                return st;
            inflateReset(&s->z);
            memset(&s->head, 0, sizeof s->head);
            inflateGetHeader(&s->z, &s->head);
            s->member = s->in_base + s->in_pos;
            s->between = 0;
            s->member_fresh = 1;
        }
        if (s->member_fresh) {
            s->member_fresh = 0;
            /* Top the read-ahead up when half of it is used (each byte is
             * moved at most once per half buffer). */
            if (!s->in_eof && s->in_len - s->in_pos < s->in_cap / 2 &&
                (st = fill_in(s)) != GENRE_OK)
                return st;
            size_t used = 0, n = 0;
            if (genre__gzip_member_fast(&s->fast, s->in + s->in_pos, s->in_len - s->in_pos, buf,
                                        cap, &used, &n)) {
                s->in_pos += used;
                s->between = 1;
                if (n > 0) {
                    *got = n;
                    return GENRE_OK;
                }
                continue;
            }
        }
        if (s->in_pos == s->in_len && !s->in_eof && (st = fill_in(s)) != GENRE_OK)
            return st;
        size_t avail = s->in_len - s->in_pos;
        s->z.next_in = s->in + s->in_pos;
        s->z.avail_in = (uInt)avail;
        s->z.next_out = (Bytef *)buf;
        s->z.avail_out = (uInt)cap;
        int r = inflate(&s->z, Z_NO_FLUSH);
        s->in_pos += avail - s->z.avail_in;
        size_t produced = cap - s->z.avail_out;
        if (r == Z_STREAM_END) {
            s->between = 1;
            if (produced > 0) {
                *got = produced;
                return GENRE_OK;
            }
            continue;
        }
        if (r == Z_MEM_ERROR)
            return GENRE_FAIL(GENRE_E_NOMEM, "%s: out of memory in zlib", s->name);
        if (r != Z_OK && r != Z_BUF_ERROR)
            return genre__gzip_corrupt(s->name, (size_t)(s->in_base + s->in_pos), s->z.msg);
        if (produced > 0) {
            *got = produced;
            return GENRE_OK;
        }
        if (s->in_pos == s->in_len && s->in_eof)
            return genre__gzip_truncated(s->name, (size_t)s->in_bytes, (size_t)s->member,
                                         s->head.done != 1);
    }
}

genre_status genre__source_read_here(struct genre__source *s, char *buf, size_t cap,
                                     size_t *got)
{
    *got = 0;
    if (s->done || cap == 0)
        return GENRE_OK;
    return s->gzip ? read_gzip(s, buf, cap, got) : read_plain(s, buf, cap, got);
}

genre_status genre__source_read(struct genre__source *s, char *buf, size_t cap, size_t *got)
{
    *got = 0;
    if (cap == 0)
        return GENRE_OK;
    return s->ahead ? genre__source_read_ahead(s, buf, cap, got)
                    : genre__source_read_here(s, buf, cap, got);
}

uint64_t genre__source_in_bytes(const struct genre__source *s)
{
    return s->ahead ? genre__source_ahead_in_bytes(s) : s->in_bytes;
}
