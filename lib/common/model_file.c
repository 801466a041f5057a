/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The model-file container (docs/model-file-format.md): writer, reader,
 * file output through file_replace.c, and the public genre_model_peek() and
 * genre_model_peek_from_memory(). */
#include "model_file.h"

#include "alloc.h"
#include "error_private.h"
#include "file_replace.h"
#include "le_bytes.h"

#include <genre/version.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

_Static_assert(sizeof(double) == 8 && sizeof(uint64_t) == 8,
               "the format stores IEEE-754 binary64 through its 64-bit pattern");

/* 0x89 catches channels that strip the high bit, CR LF catches newline
 * translation in either direction (CRLF->LF shortens it, LF->CRLF grows it),
 * and "GENRE" tells a human with a hex dump what the file is. */
static const unsigned char mf_magic[8] = {0x89, 'G', 'E', 'N', 'R', 'E', '\r', '\n'};

/* Header field offsets; the layout is frozen for format version 1. */
enum {
    OFF_FORMAT = 8,
    OFF_KIND = 12,
    OFF_KIND_VERSION = 16,
    OFF_WRITER = 20,
    OFF_PAYLOAD_LEN = 24,
    OFF_CRC = 32
};
#define HDR GENRE__MF_HEADER_SIZE
#define REC GENRE__MF_RECORD_HEADER_SIZE

/* Two's complement back to signed without implementation-defined casts. */
static int64_t i64_of(uint64_t u)
{
    return u <= INT64_MAX ? (int64_t)u : -(int64_t)~u - 1;
}

static int32_t i32_of(uint32_t u)
{
    return u <= INT32_MAX ? (int32_t)u : -(int32_t)~u - 1;
}

/* Bit patterns, so NaN payloads and -0.0 survive. */
static uint64_t f64_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static double f64_of(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* zlib's crc32 takes a uInt length; feed big payloads in pieces. A zero
 * length never reaches zlib, which would reset the CRC for a NULL pointer. */
static uint32_t crc_update(uint32_t crc, const unsigned char *p, size_t n)
{
    while (n > 0) {
        uInt chunk = n > (1u << 30) ? (uInt)(1u << 30) : (uInt)n;
        crc = (uint32_t)crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return crc;
}

/* The checksum covers every header byte before the CRC field, then the payload. */
static uint32_t container_crc(const unsigned char *header, const unsigned char *payload,
                              size_t payload_len)
{
    uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
    crc = crc_update(crc, header, OFF_CRC);
    return crc_update(crc, payload, payload_len);
}

static size_t type_size(uint32_t type)
{
    switch (type) {
    case GENRE__MF_U32: return 4;
    case GENRE__MF_I64: return 8;
    case GENRE__MF_F64: return 8;
    case GENRE__MF_F64_ARRAY: return 8;
    case GENRE__MF_I32_ARRAY: return 4;
    case GENRE__MF_BYTES: return 1;
    case GENRE__MF_STRING: return 1;
    default: return 0;
    }
}

static int type_is_scalar(uint32_t type)
{
    return type == GENRE__MF_U32 || type == GENRE__MF_I64 || type == GENRE__MF_F64;
}

static const char *type_name(uint32_t type)
{
    switch (type) {
    case GENRE__MF_U32: return "u32";
    case GENRE__MF_I64: return "i64";
    case GENRE__MF_F64: return "f64";
    case GENRE__MF_F64_ARRAY: return "f64 array";
    case GENRE__MF_I32_ARRAY: return "i32 array";
    case GENRE__MF_BYTES: return "bytes";
    case GENRE__MF_STRING: return "string";
    default: return "unknown type";
    }
}

/* ---- Writer --------------------------------------------------------------- */

/* Makes the writer's first failure sticky; GENRE_FAIL has already set the message. */
static genre_status writer_failed(genre__mf_writer *w, genre_status st)
{
    w->status = st;
    snprintf(w->failure, sizeof w->failure, "%s", genre_last_error());
    return st;
}

/* finish reports an earlier put's failure again, since other calls may have
 * overwritten the thread's message in between. */
static genre_status replay_failure(const genre__mf_writer *w, const char *func)
{
    return genre__fail(w->status, func, "an earlier put failed: %s", w->failure);
}

genre_status genre__mf_writer_init(genre__mf_writer *w, int32_t kind,
                                   uint32_t kind_version)
{
    GENRE_CHECK_NOT_NULL(w);
    memset(w, 0, sizeof *w);
    w->kind = kind;
    w->kind_version = kind_version;
    w->writer_version = (uint32_t)genre_version_number();
    if (kind <= 0)
        return writer_failed(w, GENRE_FAIL(GENRE_E_INVALID_ARG,
                                           "model kind %d is not valid (must be > 0)",
                                           (int)kind));
    return GENRE_OK;
}

/* Appends a record header for n elements of `size` bytes and returns where
 * the data goes, or NULL when the writer has failed (now or earlier). */
static unsigned char *begin_record(genre__mf_writer *w, const char *func, uint32_t tag,
                                   uint32_t type, size_t n, size_t size)
{
    if (w->status != GENRE_OK)
        return NULL;
    if (w->has_records && tag <= w->last_tag) {
        writer_failed(w, genre__fail(GENRE_E_INVALID_ARG, func,
                                     "tag %u put after tag %u: tags must strictly increase",
                                     (unsigned)tag, (unsigned)w->last_tag));
        return NULL;
    }
    /* Keep header + payload addressable, so finish never overflows a size_t. */
    size_t room = SIZE_MAX - HDR - REC - w->len;
    if (n > room / size) {
        writer_failed(w, genre__fail(GENRE_E_NOMEM, func,
                                     "a record of %zu x %zu bytes cannot be addressed", n,
                                     size));
        return NULL;
    }
    size_t need = w->len + REC + n * size;
    if (need > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        if (genre__realloc_array(&w->payload, cap, 1) != 0) {
            writer_failed(w, GENRE_E_NOMEM);
            return NULL;
        }
        w->cap = cap;
    }
    unsigned char *p = w->payload + w->len;
    genre__le32_store(p, tag);
    genre__le32_store(p + 4, type);
    genre__le64_store(p + 8, (uint64_t)n);
    w->len = need;
    w->last_tag = tag;
    w->has_records = 1;
    return p + REC;
}

/* Shared argument check of the array puts: NULL data is a sticky failure. */
static int bad_data(genre__mf_writer *w, const char *func, const void *data, size_t n)
{
    if (data != NULL || n == 0 || w->status != GENRE_OK)
        return 0;
    writer_failed(w, genre__fail(GENRE_E_INVALID_ARG, func,
                                 "argument 'data' is NULL with %zu elements", n));
    return 1;
}

genre_status genre__mf_put_u32(genre__mf_writer *w, uint32_t tag, uint32_t v)
{
    GENRE_CHECK_NOT_NULL(w);
    unsigned char *p = begin_record(w, __func__, tag, GENRE__MF_U32, 1, 4);
    if (p)
        genre__le32_store(p, v);
    return w->status;
}

genre_status genre__mf_put_i64(genre__mf_writer *w, uint32_t tag, int64_t v)
{
    GENRE_CHECK_NOT_NULL(w);
    unsigned char *p = begin_record(w, __func__, tag, GENRE__MF_I64, 1, 8);
    if (p)
        genre__le64_store(p, (uint64_t)v);
    return w->status;
}

genre_status genre__mf_put_f64(genre__mf_writer *w, uint32_t tag, double v)
{
    GENRE_CHECK_NOT_NULL(w);
    unsigned char *p = begin_record(w, __func__, tag, GENRE__MF_F64, 1, 8);
    if (p)
        genre__le64_store(p, f64_bits(v));
    return w->status;
}

genre_status genre__mf_put_f64_array(genre__mf_writer *w, uint32_t tag,
                                     const double *v, size_t n)
{
    GENRE_CHECK_NOT_NULL(w);
    if (bad_data(w, __func__, v, n))
        return w->status;
    unsigned char *p = begin_record(w, __func__, tag, GENRE__MF_F64_ARRAY, n, 8);
    if (p)
        for (size_t i = 0; i < n; i++)
            genre__le64_store(p + 8 * i, f64_bits(v[i]));
    return w->status;
}

genre_status genre__mf_put_i32_array(genre__mf_writer *w, uint32_t tag,
                                     const int32_t *v, size_t n)
{
    GENRE_CHECK_NOT_NULL(w);
    if (bad_data(w, __func__, v, n))
        return w->status;
    unsigned char *p = begin_record(w, __func__, tag, GENRE__MF_I32_ARRAY, n, 4);
    if (p)
        for (size_t i = 0; i < n; i++)
            genre__le32_store(p + 4 * i, (uint32_t)v[i]);
    return w->status;
}

genre_status genre__mf_put_bytes(genre__mf_writer *w, uint32_t tag, const void *data,
                                 size_t n)
{
    GENRE_CHECK_NOT_NULL(w);
    if (bad_data(w, __func__, data, n))
        return w->status;
    unsigned char *p = begin_record(w, __func__, tag, GENRE__MF_BYTES, n, 1);
    if (p && n > 0)
        memcpy(p, data, n);
    return w->status;
}

genre_status genre__mf_put_string(genre__mf_writer *w, uint32_t tag, const char *s)
{
    GENRE_CHECK_NOT_NULL(w);
    if (s == NULL) {
        if (w->status == GENRE_OK)
            writer_failed(w, GENRE_FAIL(GENRE_E_INVALID_ARG, "argument 's' is NULL"));
        return w->status;
    }
    size_t n = strlen(s);
    unsigned char *p = begin_record(w, __func__, tag, GENRE__MF_STRING, n, 1);
    if (p && n > 0)
        memcpy(p, s, n);
    return w->status;
}

size_t genre__mf_writer_size(const genre__mf_writer *w)
{
    return w ? HDR + w->len : 0;
}

static void encode_header(const genre__mf_writer *w, unsigned char *h)
{
    memcpy(h, mf_magic, sizeof mf_magic);
    genre__le32_store(h + OFF_FORMAT, GENRE_MODEL_FORMAT_VERSION);
    genre__le32_store(h + OFF_KIND, (uint32_t)w->kind);
    genre__le32_store(h + OFF_KIND_VERSION, w->kind_version);
    genre__le32_store(h + OFF_WRITER, w->writer_version);
    genre__le64_store(h + OFF_PAYLOAD_LEN, (uint64_t)w->len);
    genre__le32_store(h + OFF_CRC, container_crc(h, w->payload, w->len));
}

genre_status genre__mf_finish_to_memory(const genre__mf_writer *w, void *buf,
                                        size_t cap, size_t *written_or_needed)
{
    GENRE_CHECK_NOT_NULL(w);
    GENRE_CHECK_NOT_NULL(written_or_needed);
    if (w->status != GENRE_OK)
        return replay_failure(w, __func__);
    size_t total = HDR + w->len;
    *written_or_needed = total;
    if (buf == NULL || cap < total)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL,
                          "the model needs %zu bytes, the buffer holds %zu", total,
                          buf ? cap : 0);
    unsigned char *out = buf;
    encode_header(w, out);
    if (w->len > 0)
        memcpy(out + HDR, w->payload, w->len);
    return GENRE_OK;
}

genre_status genre__mf_finish_to_file(const genre__mf_writer *w, const char *path)
{
    return genre__mf_finish_to_file_for(__func__, w, path);
}

genre_status genre__mf_finish_to_file_for(const char *func, const genre__mf_writer *w,
                                          const char *path)
{
    if (w == NULL || path == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument '%s' is NULL",
                           w == NULL ? "w" : "path");
    if (path[0] == '\0')
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 'path' is empty");
    if (w->status != GENRE_OK)
        return replay_failure(w, func);
    unsigned char header[HDR];
    encode_header(w, header);
    return genre__file_replace(func, path, header, HDR, w->payload, w->len);
}

void genre__mf_writer_free(genre__mf_writer *w)
{
    if (!w)
        return;
    genre__free(w->payload);
    w->payload = NULL;
    w->len = w->cap = 0;
}

/* ---- Reader --------------------------------------------------------------- */

/* Records a reader failure; `source` (a path, or NULL for a buffer) prefixes it. */
static genre_status open_failed(genre_status st, const char *func, const char *source,
                                const char *fmt, ...) GENRE_PRINTF(4, 5);

static genre_status open_failed(genre_status st, const char *func, const char *source,
                                const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (source)
        return genre__fail(st, func, "'%s': %s", source, msg);
    return genre__fail(st, func, "%s", msg);
}

/* Walks every record once, checking each length before it is used. */
static genre_status check_records(const unsigned char *payload, size_t payload_len,
                                  const char *func, const char *source, size_t *n_records)
{
    size_t off = 0, n = 0;
    uint32_t prev_tag = 0;
    while (off < payload_len) {
        size_t at = HDR + off; /* byte offset in the container, for messages */
        size_t left = payload_len - off;
        if (left < REC)
            return open_failed(GENRE_E_CORRUPT, func, source,
                               "record at byte offset %zu is truncated: %zu bytes left, "
                               "a record header needs %d",
                               at, left, REC);
        const unsigned char *p = payload + off;
        uint32_t tag = genre__le32_load(p), type = genre__le32_load(p + 4);
        uint64_t count = genre__le64_load(p + 8);
        size_t size = type_size(type);
        if (size == 0)
            return open_failed(GENRE_E_CORRUPT, func, source,
                               "record at byte offset %zu (tag %u) has unknown type %u", at,
                               (unsigned)tag, (unsigned)type);
        if (n > 0 && tag <= prev_tag)
            return open_failed(GENRE_E_CORRUPT, func, source,
                               "record at byte offset %zu has tag %u after tag %u: tags "
                               "must strictly increase",
                               at, (unsigned)tag, (unsigned)prev_tag);
        if (type_is_scalar(type) && count != 1)
            return open_failed(GENRE_E_CORRUPT, func, source,
                               "record at byte offset %zu (tag %u) is a %s with %llu "
                               "elements instead of 1",
                               at, (unsigned)tag, type_name(type), (unsigned long long)count);
        left -= REC;
        /* Divide rather than multiply: count * size may overflow. */
        if (count > left / size)
            return open_failed(GENRE_E_CORRUPT, func, source,
                               "record at byte offset %zu (tag %u) claims %llu elements of "
                               "%zu bytes, but only %zu bytes remain",
                               at, (unsigned)tag, (unsigned long long)count, size, left);
        off += REC + (size_t)count * size;
        prev_tag = tag;
        n++;
    }
    *n_records = n;
    return GENRE_OK;
}

/* Steps 1 to 3 of docs/model-file-format.md, "How a reader validates", on
 * the first len bytes of a container (a file's reader has only its header
 * yet); *payload_len receives the payload length the header announces. */
static genre_status check_header(const unsigned char *b, size_t len, const char *func,
                                 const char *source, uint64_t *payload_len)
{
    /* The magic first, on however many bytes there are: something that is
     * not a model is reported as such, not as "truncated". */
    for (size_t i = 0; i < sizeof mf_magic && i < len; i++)
        if (b[i] != mf_magic[i])
            return open_failed(GENRE_E_CORRUPT, func, source,
                               "not a libgenre model: bad magic at byte offset %zu", i);
    if (len < HDR)
        return open_failed(GENRE_E_CORRUPT, func, source,
                           "truncated at byte offset %zu: the header needs %d bytes", len,
                           HDR);

    /* The version before the checksum: a newer format may checksum differently. */
    uint32_t format = genre__le32_load(b + OFF_FORMAT);
    if (format == 0)
        return open_failed(GENRE_E_CORRUPT, func, source,
                           "format version 0 at byte offset %d", OFF_FORMAT);
    if (format > GENRE_MODEL_FORMAT_VERSION)
        return open_failed(GENRE_E_VERSION, func, source,
                           "written with container format version %u; this library reads "
                           "versions up to %d",
                           (unsigned)format, GENRE_MODEL_FORMAT_VERSION);

    *payload_len = genre__le64_load(b + OFF_PAYLOAD_LEN);
    return GENRE_OK;
}

static genre_status open_impl(genre__mf_reader *r, const void *buf, size_t len,
                              int32_t expected_kind, const char *func, const char *source)
{
    memset(r, 0, sizeof *r);
    if (buf == NULL && len > 0)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 'buf' is NULL with len %zu",
                           len);
    const unsigned char *b = buf;

    uint64_t payload_len;
    genre_status st = check_header(b, len, func, source, &payload_len);
    if (st != GENRE_OK)
        return st;

    size_t present = len - HDR;
    if (payload_len > present)
        return open_failed(GENRE_E_CORRUPT, func, source,
                           "truncated at byte offset %zu: the header (byte offset %d) "
                           "announces %llu payload bytes, %zu are present",
                           len, OFF_PAYLOAD_LEN, (unsigned long long)payload_len, present);
    if (payload_len < present)
        return open_failed(GENRE_E_CORRUPT, func, source,
                           "%zu unexpected bytes after the payload's end at byte offset %zu",
                           present - (size_t)payload_len, HDR + (size_t)payload_len);

    uint32_t stored = genre__le32_load(b + OFF_CRC);
    uint32_t computed = container_crc(b, b + HDR, present);
    if (stored != computed)
        return open_failed(GENRE_E_CORRUPT, func, source,
                           "checksum mismatch: 0x%08x stored at byte offset %d, 0x%08x "
                           "computed over the header and payload",
                           (unsigned)stored, OFF_CRC, (unsigned)computed);

    uint32_t kind = genre__le32_load(b + OFF_KIND);
    if (kind == 0 || kind > INT32_MAX)
        return open_failed(GENRE_E_CORRUPT, func, source,
                           "model kind %u at byte offset %d is not valid", (unsigned)kind,
                           OFF_KIND);

    size_t n_records = 0;
    st = check_records(b + HDR, present, func, source, &n_records);
    if (st != GENRE_OK)
        return st;

    if (expected_kind != GENRE__MF_ANY_KIND && (int32_t)kind != expected_kind)
        return open_failed(GENRE_E_MODEL_KIND, func, source,
                           "holds a '%s' model (kind %u), not the '%s' model (kind %d) "
                           "asked for",
                           genre_model_kind_name((int32_t)kind), (unsigned)kind,
                           genre_model_kind_name(expected_kind), (int)expected_kind);

    r->payload = b + HDR;
    r->payload_len = present;
    r->n_records = n_records;
    r->format_version = genre__le32_load(b + OFF_FORMAT);
    r->kind = (int32_t)kind;
    r->kind_version = genre__le32_load(b + OFF_KIND_VERSION);
    r->writer_version = genre__le32_load(b + OFF_WRITER);
    return GENRE_OK;
}

genre_status genre__mf_reader_open(genre__mf_reader *r, const void *buf, size_t len,
                                   int32_t expected_kind)
{
    GENRE_CHECK_NOT_NULL(r);
    return open_impl(r, buf, len, expected_kind, __func__, NULL);
}

/* One record of an open reader; open_impl has validated every length. */
static int next_record(const genre__mf_reader *r, size_t *cursor, uint32_t *tag,
                       uint32_t *type, uint64_t *count, const unsigned char **data)
{
    if (r->payload == NULL || *cursor >= r->payload_len)
        return 0;
    const unsigned char *p = r->payload + *cursor;
    *tag = genre__le32_load(p);
    *type = genre__le32_load(p + 4);
    *count = genre__le64_load(p + 8);
    *data = p + REC;
    *cursor += REC + (size_t)*count * type_size(*type);
    return 1;
}

/* Tags strictly increase, so the search stops at the first larger one. */
static int find_record(const genre__mf_reader *r, uint32_t tag, uint32_t *type,
                       uint64_t *count, const unsigned char **data)
{
    size_t cursor = 0;
    uint32_t t;
    while (next_record(r, &cursor, &t, type, count, data)) {
        if (t == tag)
            return 1;
        if (t > tag)
            return 0;
    }
    return 0;
}

int genre__mf_has(const genre__mf_reader *r, uint32_t tag)
{
    uint32_t type;
    uint64_t count;
    const unsigned char *data;
    return r != NULL && find_record(r, tag, &type, &count, &data);
}

int genre__mf_next(const genre__mf_reader *r, size_t *cursor, uint32_t *tag,
                   uint32_t *type, uint64_t *count)
{
    uint32_t t, ty;
    uint64_t c;
    const unsigned char *data;
    if (r == NULL || cursor == NULL || !next_record(r, cursor, &t, &ty, &c, &data))
        return 0;
    if (tag)
        *tag = t;
    if (type)
        *type = ty;
    if (count)
        *count = c;
    return 1;
}

/* The function a reader's messages name: the loader's public one when set. */
static const char *who(const genre__mf_reader *r, const char *func)
{
    return r != NULL && r->func != NULL ? r->func : func;
}

/* The record with this tag and type, or a failure naming the tag. */
static genre_status lookup(const genre__mf_reader *r, const char *func, uint32_t tag,
                           uint32_t type, uint64_t *count, const unsigned char **data)
{
    if (r == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 'r' is NULL");
    if (r->payload == NULL)
        return genre__fail(GENRE_E_BAD_STATE, func, "the reader is not open");
    func = who(r, func);
    uint32_t found;
    if (!find_record(r, tag, &found, count, data))
        return genre__fail(GENRE_E_CORRUPT, func, "the '%s' model has no record with tag %u",
                           genre_model_kind_name(r->kind), (unsigned)tag);
    if (found != type)
        return genre__fail(GENRE_E_CORRUPT, func,
                           "the '%s' model's record with tag %u is a %s, not a %s",
                           genre_model_kind_name(r->kind), (unsigned)tag, type_name(found),
                           type_name(type));
    return GENRE_OK;
}

static genre_status check_count(const genre__mf_reader *r, const char *func, uint32_t tag,
                                uint64_t count, size_t expected_n)
{
    if (count != (uint64_t)expected_n)
        return genre__fail(GENRE_E_CORRUPT, who(r, func),
                           "the '%s' model's record with tag %u holds %llu elements, "
                           "expected %zu",
                           genre_model_kind_name(r->kind), (unsigned)tag,
                           (unsigned long long)count, expected_n);
    return GENRE_OK;
}

/* What every typed getter does before it copies: checks out, then finds the
 * record. unit NULL: a scalar (out required; its size is fixed by its type).
 * Otherwise an array of `unit` (out may be NULL only when expected_n is 0)
 * whose record must hold exactly expected_n of them. */
static genre_status lookup_into(const genre__mf_reader *r, const char *func, uint32_t tag,
                                uint32_t type, const void *out, size_t expected_n,
                                const char *unit, const unsigned char **data)
{
    if (out == NULL && unit == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument '%s' is NULL", "out");
    if (out == NULL && expected_n > 0)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 'out' is NULL with %zu %s",
                           expected_n, unit);
    uint64_t count;
    genre_status st = lookup(r, func, tag, type, &count, data);
    if (st == GENRE_OK && unit != NULL)
        st = check_count(r, func, tag, count, expected_n);
    return st;
}

genre_status genre__mf_get_u32(const genre__mf_reader *r, uint32_t tag, uint32_t *out)
{
    const unsigned char *data;
    genre_status st = lookup_into(r, __func__, tag, GENRE__MF_U32, out, 1, NULL, &data);
    if (st == GENRE_OK)
        *out = genre__le32_load(data);
    return st;
}

genre_status genre__mf_get_i64(const genre__mf_reader *r, uint32_t tag, int64_t *out)
{
    const unsigned char *data;
    genre_status st = lookup_into(r, __func__, tag, GENRE__MF_I64, out, 1, NULL, &data);
    if (st == GENRE_OK)
        *out = i64_of(genre__le64_load(data));
    return st;
}

genre_status genre__mf_get_f64(const genre__mf_reader *r, uint32_t tag, double *out)
{
    const unsigned char *data;
    genre_status st = lookup_into(r, __func__, tag, GENRE__MF_F64, out, 1, NULL, &data);
    if (st == GENRE_OK)
        *out = f64_of(genre__le64_load(data));
    return st;
}

genre_status genre__mf_get_count(const genre__mf_reader *r, uint32_t tag, uint32_t type,
                                 size_t *count)
{
    GENRE_CHECK_NOT_NULL(count);
    uint64_t n;
    const unsigned char *data;
    genre_status st = lookup(r, __func__, tag, type, &n, &data);
    if (st == GENRE_OK)
        *count = (size_t)n; /* fits: open_impl checked it against the buffer */
    return st;
}

genre_status genre__mf_get_f64_array(const genre__mf_reader *r, uint32_t tag, double *out,
                                     size_t expected_n)
{
    const unsigned char *data;
    genre_status st =
        lookup_into(r, __func__, tag, GENRE__MF_F64_ARRAY, out, expected_n, "elements", &data);
    if (st == GENRE_OK)
        for (size_t i = 0; i < expected_n; i++)
            out[i] = f64_of(genre__le64_load(data + 8 * i));
    return st;
}

genre_status genre__mf_get_i32_array(const genre__mf_reader *r, uint32_t tag, int32_t *out,
                                     size_t expected_n)
{
    const unsigned char *data;
    genre_status st =
        lookup_into(r, __func__, tag, GENRE__MF_I32_ARRAY, out, expected_n, "elements", &data);
    if (st == GENRE_OK)
        for (size_t i = 0; i < expected_n; i++)
            out[i] = i32_of(genre__le32_load(data + 4 * i));
    return st;
}

genre_status genre__mf_get_bytes(const genre__mf_reader *r, uint32_t tag, void *out,
                                 size_t expected_n)
{
    const unsigned char *data;
    genre_status st =
        lookup_into(r, __func__, tag, GENRE__MF_BYTES, out, expected_n, "bytes", &data);
    if (st == GENRE_OK && expected_n > 0)
        memcpy(out, data, expected_n);
    return st;
}

/* The string record with this tag, which must hold no NUL byte. */
static genre_status lookup_string(const genre__mf_reader *r, const char *func, uint32_t tag,
                                  size_t *n, const unsigned char **data)
{
    uint64_t count;
    genre_status st = lookup(r, func, tag, GENRE__MF_STRING, &count, data);
    if (st != GENRE_OK)
        return st;
    *n = (size_t)count;
    if (*n > 0 && memchr(*data, 0, *n) != NULL)
        return genre__fail(GENRE_E_CORRUPT, who(r, func),
                           "the '%s' model's string with tag %u holds a NUL byte",
                           genre_model_kind_name(r->kind), (unsigned)tag);
    return GENRE_OK;
}

genre_status genre__mf_get_string(const genre__mf_reader *r, uint32_t tag, char *out,
                                  size_t cap)
{
    GENRE_CHECK_NOT_NULL(out);
    if (cap == 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "cap is 0: no room for the NUL");
    size_t n;
    const unsigned char *data;
    genre_status st = lookup_string(r, __func__, tag, &n, &data);
    if (st != GENRE_OK)
        return st;
    if (n >= cap)
        return genre__fail(GENRE_E_CORRUPT, who(r, __func__),
                          "the '%s' model's string with tag %u has %zu bytes, more than "
                          "the %zu allowed",
                          genre_model_kind_name(r->kind), (unsigned)tag, n, cap - 1);
    if (n > 0)
        memcpy(out, data, n);
    out[n] = '\0';
    return GENRE_OK;
}

genre_status genre__mf_get_string_alloc(const genre__mf_reader *r, uint32_t tag, char **out)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    size_t n;
    const unsigned char *data;
    genre_status st = lookup_string(r, __func__, tag, &n, &data);
    if (st != GENRE_OK)
        return st;
    /* n < the buffer's length, so n + 1 cannot overflow. */
    char *s = genre__alloc_array(n + 1, 1);
    if (!s)
        return GENRE_E_NOMEM;
    if (n > 0)
        memcpy(s, data, n);
    s[n] = '\0';
    *out = s;
    return GENRE_OK;
}

/* ---- Size fields ------------------------------------------------------------ */

genre_status genre__mf_check_room(const genre__mf_reader *r, const char *func,
                                  const char *field, uint64_t count, size_t elem_size)
{
    if (r == NULL || r->payload == NULL || elem_size == 0)
        return genre__fail(GENRE_E_INVALID_ARG, func, "%s: no open reader or element size",
                           field);
    /* Divide rather than multiply: count * elem_size may overflow. */
    if (count > r->payload_len / elem_size)
        return genre__fail(GENRE_E_CORRUPT, func,
                           "the '%s' model's %s is %llu: that needs at least %llu x %zu "
                           "bytes, and the payload holds %zu",
                           genre_model_kind_name(r->kind), field, (unsigned long long)count,
                           (unsigned long long)count, elem_size, r->payload_len);
    return GENRE_OK;
}

genre_status genre__mf_expect_count(const genre__mf_reader *r, const char *func, uint32_t tag,
                                    uint32_t type, const char *field, uint64_t expected)
{
    uint64_t count;
    const unsigned char *data;
    genre_status st = lookup(r, func, tag, type, &count, &data);
    if (st == GENRE_OK && count != expected)
        st = genre__fail(GENRE_E_CORRUPT, func,
                         "the '%s' model's %s (record tag %u) holds %llu elements; its "
                         "sizes need %llu",
                         genre_model_kind_name(r->kind), field, (unsigned)tag,
                         (unsigned long long)count, (unsigned long long)expected);
    return st;
}

/* ---- Files ----------------------------------------------------------------- */

/* Reads up to n bytes from a blocking fd into p, fewer only at the end of
 * the input; -1 with errno on an error. */
static ssize_t read_upto(int fd, unsigned char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        size_t want = n - got > ((size_t)1 << 30) ? (size_t)1 << 30 : n - got;
        ssize_t r = read(fd, p + got, want);
        if (r > 0)
            got += (size_t)r;
        else if (r == 0)
            break;
        else if (errno != EINTR)
            return -1;
    }
    return (ssize_t)got;
}

static genre_status read_failed(const char *path, int err)
{
    char why[128];
    return GENRE_FAIL(genre__errno_status(err), "cannot read '%s': %s", path,
                      genre__errno_text(err, why, sizeof why));
}

/* A FIFO is opened non-blocking, so that one nobody writes to cannot hold
 * the caller in open() forever. One non-blocking read tells: the end of the
 * input at once means no writer (or one that left without writing), which is
 * an error rather than a wait; otherwise a writer is there and the rest is
 * read blocking, as from any pipe. The bytes read go to head (*n of them). */
static genre_status start_fifo(int fd, const char *path, unsigned char *head, size_t *n)
{
    ssize_t r;
    do
        r = read(fd, head, HDR);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return GENRE_FAIL(GENRE_E_IO,
                          "cannot read '%s': a FIFO with no writer (a model is read from a "
                          "FIFO only while a process has it open for writing)",
                          path);
    if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        return read_failed(path, errno);
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
        return read_failed(path, errno);
    *n = r > 0 ? (size_t)r : 0;
    return GENRE_OK;
}

/* The body of genre__mf_read_file() on an open fd: the header first (a
 * non-model fails after 36 bytes), then exactly the length it announces; a
 * regular file's size is checked against it before anything is allocated,
 * and a stream's buffer grows with the bytes that really arrive. */
static genre_status read_model(int fd, const char *path, size_t max_len, unsigned char **out,
                               size_t *out_len)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return read_failed(path, errno);
    int fifo = S_ISFIFO(sb.st_mode);
    if (!fifo && !S_ISREG(sb.st_mode))
        return GENRE_FAIL(GENRE_E_IO,
                          "cannot read '%s': it is %s; a model is read from a regular file "
                          "or a FIFO",
                          path, genre__file_kind(sb.st_mode));
    unsigned char head[HDR];
    size_t n = 0;
    genre_status st = fifo ? start_fifo(fd, path, head, &n) : GENRE_OK;
    if (st != GENRE_OK)
        return st;
    ssize_t r = read_upto(fd, head + n, HDR - n);
    if (r < 0)
        return read_failed(path, errno);
    n += (size_t)r;
    uint64_t payload_len;
    st = check_header(head, n, __func__, path, &payload_len);
    if (st != GENRE_OK)
        return st;
    if (max_len < HDR || payload_len > max_len - HDR)
        return open_failed(GENRE_E_CORRUPT, __func__, path,
                           "the header (byte offset %d) announces %llu payload bytes, more "
                           "than the %zu a model may have",
                           OFF_PAYLOAD_LEN, (unsigned long long)payload_len,
                           max_len < HDR ? 0 : max_len - HDR);
    size_t total = HDR + (size_t)payload_len;
    /* What may be allocated: the announced length, or a regular file's size
     * when smaller (the reader then reports it truncated). */
    size_t most = total;
    if (!fifo) {
        if ((uintmax_t)sb.st_size > total)
            return open_failed(GENRE_E_CORRUPT, __func__, path,
                               "%jd unexpected bytes after the payload's end at byte offset "
                               "%zu (the file has %jd bytes)",
                               (intmax_t)sb.st_size - (intmax_t)total, total,
                               (intmax_t)sb.st_size);
        if ((uintmax_t)sb.st_size < total)
            most = (size_t)sb.st_size > HDR ? (size_t)sb.st_size : HDR;
    }
    size_t cap = fifo && most > 65536 ? 65536 : most;
    unsigned char *data = genre__alloc_array(cap, 1);
    if (!data)
        return GENRE_E_NOMEM;
    memcpy(data, head, HDR);
    for (;;) {
        if (n == cap && cap < most) { /* a stream that keeps coming */
            size_t grown = cap > most / 2 ? most : cap * 2;
            if (genre__realloc_array(&data, grown, 1) != 0) {
                genre__free(data);
                return GENRE_E_NOMEM;
            }
            cap = grown;
        }
        size_t want = cap - n;
        r = want ? read_upto(fd, data + n, want) : 0;
        if (r < 0) {
            int err = errno;
            genre__free(data);
            return read_failed(path, err);
        }
        n += (size_t)r;
        if ((size_t)r < want || n == most)
            break;
    }
    if (n == total) { /* all announced bytes are here: nothing may follow */
        unsigned char extra;
        r = read_upto(fd, &extra, 1);
        if (r != 0) {
            int err = errno;
            genre__free(data);
            if (r < 0)
                return read_failed(path, err);
            return open_failed(GENRE_E_CORRUPT, __func__, path,
                               "unexpected bytes after the payload's end at byte offset %zu",
                               total);
        }
    }
    *out = data;
    *out_len = n;
    return GENRE_OK;
}

genre_status genre__mf_read_file(const char *path, size_t max_len, void **buf, size_t *len)
{
    GENRE_CHECK_NOT_NULL(path);
    GENRE_CHECK_NOT_NULL(buf);
    GENRE_CHECK_NOT_NULL(len);
    *buf = NULL;
    *len = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer (start_fifo);
     * O_NOCTTY: a terminal named by mistake must not become ours. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        char why[128];
        return GENRE_FAIL(genre__errno_status(err), "cannot open '%s': %s", path,
                          genre__errno_text(err, why, sizeof why));
    }
    unsigned char *data = NULL;
    size_t n = 0;
    genre_status st = read_model(fd, path, max_len, &data, &n);
    close(fd);
    if (st == GENRE_OK) {
        *buf = data;
        *len = n;
    }
    return st;
}

genre_status genre__mf_open_file(genre__mf_reader *r, const char *path,
                                 int32_t expected_kind, void **buf)
{
    GENRE_CHECK_NOT_NULL(r);
    GENRE_CHECK_NOT_NULL(buf);
    memset(r, 0, sizeof *r);
    size_t len;
    genre_status st = genre__mf_read_file(path, GENRE__MF_MAX_FILE_BYTES, buf, &len);
    if (st != GENRE_OK)
        return st;
    st = open_impl(r, *buf, len, expected_kind, __func__, path);
    if (st != GENRE_OK) {
        genre__free(*buf);
        *buf = NULL;
    }
    return st;
}

/* ---- Saving and loading a module's model ------------------------------------ */

/* Starts w for the codec's kind and version and puts the model's records;
 * the caller finishes and frees w (also on failure). */
static genre_status encode_with(const genre__mf_codec *codec, const void *model,
                                genre__mf_writer *w)
{
    genre_status st = genre__mf_writer_init(w, codec->kind, codec->version);
    return st ? st : codec->encode(model, w);
}

genre_status genre__mf_save_file(const char *func, const void *model, const char *path,
                                 const genre__mf_codec *codec)
{
    if (path == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument '%s' is NULL", "path");
    genre__mf_writer w;
    genre_status st = encode_with(codec, model, &w);
    if (st == GENRE_OK)
        st = genre__mf_finish_to_file_for(func, &w, path);
    genre__mf_writer_free(&w);
    return st;
}

genre_status genre__mf_save_memory(const char *func, const void *model, void *buf, size_t cap,
                                   size_t *written_or_needed, const genre__mf_codec *codec)
{
    if (written_or_needed == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument '%s' is NULL",
                           "written_or_needed");
    genre__mf_writer w;
    genre_status st = encode_with(codec, model, &w);
    if (st == GENRE_OK)
        st = genre__mf_finish_to_memory(&w, buf, cap, written_or_needed);
    genre__mf_writer_free(&w);
    return st;
}

static genre_status decode_open(const char *func, void *out, const genre__mf_reader *r,
                                const genre__mf_codec *codec)
{
    if (r->kind_version > codec->version)
        return genre__fail(GENRE_E_VERSION, func,
                           "%s payload version %u is newer than this library's (%u)",
                           codec->what, (unsigned)r->kind_version,
                           (unsigned)codec->version);
    return codec->decode(r, out, func);
}

genre_status genre__mf_load_file(const char *func, void *out, const char *path,
                                 const genre__mf_codec *codec)
{
    if (out == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument '%s' is NULL", "out");
    codec->decode(NULL, out, func);
    if (path == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument '%s' is NULL", "path");
    genre__mf_reader r;
    void *buf = NULL;
    genre_status st = genre__mf_open_file(&r, path, codec->kind, &buf);
    r.func = func;
    if (st == GENRE_OK)
        st = decode_open(func, out, &r, codec);
    genre__free(buf);
    return genre__fail_as(st, func, NULL);
}

genre_status genre__mf_load_memory(const char *func, void *out, const void *buf, size_t len,
                                   const genre__mf_codec *codec)
{
    if (out == NULL)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument '%s' is NULL", "out");
    codec->decode(NULL, out, func);
    genre__mf_reader r;
    genre_status st = genre__mf_reader_open(&r, buf, len, codec->kind);
    r.func = func;
    return genre__fail_as(st ? st : decode_open(func, out, &r, codec), func, NULL);
}

/* ---- Public --------------------------------------------------------------- */

const char *genre_model_kind_name(int32_t kind)
{
    switch (kind) {
    case GENRE_MODEL_DATASET_PREP: return "dataset_prep";
    case GENRE_MODEL_SCALER: return "scaler";
    case GENRE_MODEL_PCA: return "pca";
    case GENRE_MODEL_LDA: return "lda";
    case GENRE_MODEL_KMEANS: return "kmeans";
    case GENRE_MODEL_MLP: return "mlp";
    case GENRE_MODEL_TSNE: return "tsne";
    case GENRE_MODEL_TEXT: return "text";
    case GENRE_MODEL_SCALER_PARTIAL: return "scaler_partial";
    case GENRE_MODEL_PCA_PARTIAL: return "pca_partial";
    case GENRE_MODEL_LDA_PARTIAL: return "lda_partial";
    case GENRE_MODEL_METRICS_PARTIAL: return "metrics_partial";
    case GENRE_MODEL_KMEANS_PARTIAL: return "kmeans_partial";
    case GENRE_MODEL_DATASET_INDEX: return "dataset_index";
    case GENRE_MODEL_DATASET_PREP_PARTIAL: return "dataset_prep_partial";
    default: return "unknown";
    }
}

static void report(const genre__mf_reader *r, int32_t *kind, int32_t *format_version)
{
    if (kind)
        *kind = r->kind;
    if (format_version)
        *format_version = (int32_t)r->format_version;
}

genre_status genre_model_peek_from_memory(const void *buf, size_t len, int32_t *kind,
                                          int32_t *format_version)
{
    genre__mf_reader r;
    genre_status st = open_impl(&r, buf, len, GENRE__MF_ANY_KIND, __func__, NULL);
    if (st == GENRE_OK)
        report(&r, kind, format_version);
    return st;
}

genre_status genre_model_peek(const char *path, int32_t *kind, int32_t *format_version)
{
    GENRE_CHECK_NOT_NULL(path);
    void *buf;
    size_t len;
    genre_status st = genre__mf_read_file(path, GENRE__MF_MAX_FILE_BYTES, &buf, &len);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    genre__mf_reader r;
    st = open_impl(&r, buf, len, GENRE__MF_ANY_KIND, __func__, path);
    if (st == GENRE_OK)
        report(&r, kind, format_version);
    genre__free(buf);
    return st;
}
