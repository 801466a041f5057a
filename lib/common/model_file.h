/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the model-file container every module's save/load goes through.
 * The byte layout is specified in docs/model-file-format.md; keep the two in
 * step.
 *
 * Saving:
 *     genre__mf_writer w;
 *     genre__mf_writer_init(&w, GENRE_MODEL_PCA, PCA_PAYLOAD_VERSION);
 *     genre__mf_put_u32(&w, TAG_N_COMPONENTS, k);        // tags ascending
 *     genre__mf_put_f64_array(&w, TAG_MEAN, mean, n);
 *     st = genre__mf_finish_to_file(&w, path);           // one check
 *     genre__mf_writer_free(&w);
 *
 * Loading:
 *     genre__mf_reader r;
 *     st = genre__mf_reader_open(&r, buf, len, GENRE_MODEL_PCA);
 *     if (r.kind_version > PCA_PAYLOAD_VERSION) -> GENRE_E_VERSION
 *     genre__mf_get_u32(&r, TAG_N_COMPONENTS, &k);
 *     genre__mf_get_count(&r, TAG_MEAN, GENRE__MF_F64_ARRAY, &n); allocate;
 *     genre__mf_get_f64_array(&r, TAG_MEAN, mean, n);
 */
#ifndef GENRE_MODEL_FILE_H
#define GENRE_MODEL_FILE_H

#include <genre/error.h>
#include <genre/model.h>

#include <stddef.h>
#include <stdint.h>

/* Record types. Values are part of the format: frozen, new ones need a new
 * container format version (a reader cannot skip a type it cannot size). */
#define GENRE__MF_U32 1       /* one uint32 */
#define GENRE__MF_I64 2       /* one int64 */
#define GENRE__MF_F64 3       /* one IEEE-754 binary64 */
#define GENRE__MF_F64_ARRAY 4 /* n binary64 */
#define GENRE__MF_I32_ARRAY 5 /* n int32 */
#define GENRE__MF_BYTES 6     /* n opaque bytes */
#define GENRE__MF_STRING 7    /* n bytes of text, no NUL stored or allowed */

/* Bytes before the first record. */
#define GENRE__MF_HEADER_SIZE 36
/* Bytes of a record's tag, type and count. */
#define GENRE__MF_RECORD_HEADER_SIZE 16

/* genre__mf_reader_open(): accept any kind (genre_model_peek_from_memory). */
#define GENRE__MF_ANY_KIND 0
/* A kind reserved for the container's own tests and fuzzer; no module uses it. */
#define GENRE__MF_KIND_TEST 0x7fff0001

/* Default size limit for genre__mf_read_file(): far above any model we
 * write; a header announcing more is refused before anything is read. */
#define GENRE__MF_MAX_FILE_BYTES ((size_t)1 << 30)

/* ---- Writer ----------------------------------------------------------------
 * Accumulates records in memory. Fields are private to model_file.c, except
 * writer_version, which the golden-file test pins. */
typedef struct genre__mf_writer {
    unsigned char *payload; /* records, encoded; NULL until the first put */
    size_t len, cap;
    int32_t kind;
    uint32_t kind_version;
    uint32_t writer_version; /* genre_version_number() unless a test pins it */
    uint32_t last_tag;
    int has_records;
    genre_status status;    /* first failure; sticky */
    char failure[256];      /* that failure's message, replayed by finish */
} genre__mf_writer;

/* Starts an empty container of `kind` (> 0) whose payload follows the kind's
 * own layout version `kind_version`. Allocates nothing, so it fails only on
 * bad arguments: GENRE_E_INVALID_ARG (w NULL, kind <= 0). */
genre_status genre__mf_writer_init(genre__mf_writer *w, int32_t kind,
                                   uint32_t kind_version);

/* Appends one record. Tags must strictly increase from put to put: that keeps
 * the encoding canonical (same model, same bytes) and lets readers reject
 * duplicates in one pass.
 * Failures are sticky: after the first one every put is a no-op and finish
 * returns it, so a save can chain puts and check once. Each put returns the
 * writer's status: GENRE_OK, GENRE_E_NOMEM, or GENRE_E_INVALID_ARG (w NULL,
 * data NULL with n > 0, tag not above the previous one). */
genre_status genre__mf_put_u32(genre__mf_writer *w, uint32_t tag, uint32_t v);
genre_status genre__mf_put_i64(genre__mf_writer *w, uint32_t tag, int64_t v);
genre_status genre__mf_put_f64(genre__mf_writer *w, uint32_t tag, double v);
genre_status genre__mf_put_f64_array(genre__mf_writer *w, uint32_t tag,
                                     const double *v, size_t n);
genre_status genre__mf_put_i32_array(genre__mf_writer *w, uint32_t tag,
                                     const int32_t *v, size_t n);
genre_status genre__mf_put_bytes(genre__mf_writer *w, uint32_t tag,
                                 const void *data, size_t n);
/* s: NUL-terminated; stored without its NUL. */
genre_status genre__mf_put_string(genre__mf_writer *w, uint32_t tag, const char *s);

/* The whole container's size in bytes (what finish_to_memory needs). */
size_t genre__mf_writer_size(const genre__mf_writer *w);

/* Encodes the container into buf. *written_or_needed always receives the
 * container's size, so a NULL buf is a size query. The writer is left as it
 * was: finish may be called again (query, then write).
 * Returns GENRE_OK; GENRE_E_BUFFER_TOO_SMALL (buf NULL or cap too small);
 * GENRE_E_INVALID_ARG (w or written_or_needed NULL); or the sticky failure
 * of an earlier put (GENRE_E_NOMEM, GENRE_E_INVALID_ARG). */
genre_status genre__mf_finish_to_memory(const genre__mf_writer *w, void *buf,
                                        size_t cap, size_t *written_or_needed);

/* Writes the container to path through genre__file_replace() (file_replace.h):
 * whole or not at all, only over a regular file, a symlink followed.
 * Returns GENRE_OK; GENRE_E_IO (names the path and the reason, or what the
 * path is when it is not a regular file); GENRE_E_NOMEM; GENRE_E_INVALID_ARG
 * (w or path NULL, path empty); or the sticky failure of an earlier put.
 * Messages name this function; _for() names func, the public caller. */
genre_status genre__mf_finish_to_file(const genre__mf_writer *w, const char *path);
genre_status genre__mf_finish_to_file_for(const char *func, const genre__mf_writer *w,
                                          const char *path);

/* Frees the records; w may then be initialised again. NULL is a no-op. */
void genre__mf_writer_free(genre__mf_writer *w);

/* ---- Reader ----------------------------------------------------------------
 * A validated view of a container in the caller's buffer, which must outlive
 * the reader. The reader allocates nothing and needs no free. The header
 * fields below are public and read-only. */
typedef struct genre__mf_reader {
    const unsigned char *payload; /* first record; NULL when not open */
    size_t payload_len;
    size_t n_records;
    uint32_t format_version;
    int32_t kind;
    uint32_t kind_version; /* the loader compares it with what it knows */
    uint32_t writer_version;
    /* The public function the getters' messages name (a loader sets it after
     * opening; genre__mf_load_file/_memory do); NULL: the getter's own name. */
    const char *func;
} genre__mf_reader;

/* Validates the whole container before anything is trusted: magic, format
 * version, lengths, CRC-32, every record's type and length (overflow-safe),
 * tag order, and finally the kind. On failure *r is left closed.
 * expected_kind: a GENRE_MODEL_* value, or GENRE__MF_ANY_KIND.
 * Returns GENRE_OK; GENRE_E_INVALID_ARG (r NULL, buf NULL with len > 0);
 * GENRE_E_CORRUPT (message gives the byte offset); GENRE_E_VERSION (newer
 * container format); GENRE_E_MODEL_KIND (valid, but another kind; the
 * message names both). */
genre_status genre__mf_reader_open(genre__mf_reader *r, const void *buf, size_t len,
                                   int32_t expected_kind);

/* 1 when a record with this tag exists (for optional records), else 0. */
int genre__mf_has(const genre__mf_reader *r, uint32_t tag);

/* Iterates records in file order: start with *cursor = 0; returns 1 and
 * fills the (optional) outputs per record, 0 at the end. */
int genre__mf_next(const genre__mf_reader *r, size_t *cursor, uint32_t *tag,
                   uint32_t *type, uint64_t *count);

/* Typed lookups. All return GENRE_OK; GENRE_E_INVALID_ARG (NULL r or output);
 * GENRE_E_BAD_STATE (r not open); GENRE_E_CORRUPT (tag missing, another
 * type, or a count other than expected; the message names the tag). */
genre_status genre__mf_get_u32(const genre__mf_reader *r, uint32_t tag, uint32_t *out);
genre_status genre__mf_get_i64(const genre__mf_reader *r, uint32_t tag, int64_t *out);
genre_status genre__mf_get_f64(const genre__mf_reader *r, uint32_t tag, double *out);
/* Element count of an array/bytes/string record of the given type, so the
 * loader can allocate before copying. */
genre_status genre__mf_get_count(const genre__mf_reader *r, uint32_t tag,
                                 uint32_t type, size_t *count);
/* Copy exactly expected_n elements; out may be NULL when expected_n is 0. */
genre_status genre__mf_get_f64_array(const genre__mf_reader *r, uint32_t tag,
                                     double *out, size_t expected_n);
genre_status genre__mf_get_i32_array(const genre__mf_reader *r, uint32_t tag,
                                     int32_t *out, size_t expected_n);
genre_status genre__mf_get_bytes(const genre__mf_reader *r, uint32_t tag,
                                 void *out, size_t expected_n);
/* Copies the string and its NUL into out[cap]. A string that does not fit is
 * GENRE_E_CORRUPT (the loader's cap is its limit for a valid model), as is
 * one holding a NUL byte. */
genre_status genre__mf_get_string(const genre__mf_reader *r, uint32_t tag,
                                  char *out, size_t cap);
/* As genre__mf_get_string() into a new buffer (genre__free it); may also
 * return GENRE_E_NOMEM. */
genre_status genre__mf_get_string_alloc(const genre__mf_reader *r, uint32_t tag,
                                        char **out);

/* ---- Size fields: validate before allocating ---------------------------------
 * A loader allocates from counts it reads in the payload. Each such count is
 * first checked against the bytes that really carry it, so a crafted file is
 * GENRE_E_CORRUPT and never an allocation the file cannot justify. Both name
 * func (the public function), the field and its value in the message. */

/* GENRE_OK when the payload holds at least count elements of elem_size bytes
 * (overflow-safe: a division, never a product), else GENRE_E_CORRUPT. For a
 * size field whose elements are stored (one or more records' worth), before
 * anything is allocated or multiplied from it. */
genre_status genre__mf_check_room(const genre__mf_reader *r, const char *func,
                                  const char *field, uint64_t count, size_t elem_size);

/* GENRE_OK when the record `tag` exists, has `type` and holds exactly
 * `expected` elements; else GENRE_E_CORRUPT naming field (what the record
 * holds), the stored and the expected count. Checked for every array before
 * the first allocation sized from any of them. */
genre_status genre__mf_expect_count(const genre__mf_reader *r, const char *func, uint32_t tag,
                                    uint32_t type, const char *field, uint64_t expected);

/* ---- Files -------------------------------------------------------------------
 * Reads a model file into a new buffer (genre__free it) for a loader, as
 * include/genre/model.h ("Loading from a file") promises: only a regular
 * file or a FIFO (a FIFO without a writer fails at once instead of
 * blocking); the header first, so a non-model fails after 36 bytes; then
 * the length the header announces (at most max_len in all), never more: a
 * regular file of another size is reported from its size without reading
 * it, a stream's buffer grows with the bytes that arrive, and a byte past
 * the announced end is an error. A shorter input is returned as read, for
 * the reader to report as truncated.
 * Returns GENRE_OK; GENRE_E_INVALID_ARG (a NULL argument); GENRE_E_IO (names
 * the path and the reason: the system's, or what the path is);
 * GENRE_E_CORRUPT and GENRE_E_VERSION (the header, as the reader reports it,
 * or a length over max_len or past the announced end); GENRE_E_NOMEM. */
genre_status genre__mf_read_file(const char *path, size_t max_len, void **buf,
                                 size_t *len);

/* What a loader's *_load_file needs: reads path (GENRE__MF_MAX_FILE_BYTES
 * limit) and opens it, naming the path in any message. On GENRE_OK, *buf
 * holds the bytes r points into: genre__free it when done with r; on failure
 * *buf is NULL. Returns what genre__mf_read_file() and
 * genre__mf_reader_open() return. */
genre_status genre__mf_open_file(genre__mf_reader *r, const char *path,
                                 int32_t expected_kind, void **buf);

/* ---- Saving and loading a module's model -------------------------------------
 * The bodies of every module's public genre_X_save, genre_X_save_to_memory,
 * genre_X_load and genre_X_load_from_memory, which stay one-line calls (after
 * the module's own fitted check for the saves) passing their own __func__, so
 * that messages name the public function:
 *     static const genre__mf_codec codec = {GENRE_MODEL_PCA, PCA_PAYLOAD_VERSION,
 *                                           "PCA", write_model, read_model};
 *     return genre__mf_load_file(__func__, out, path, &codec);
 *
 * encode(model, w): puts the model's records into w, which the helper has
 * initialised for the codec's kind and version (and frees); returns the
 * writer's status (the puts are sticky) or its own failure.
 *
 * decode(r, out, func): out is the public function's `genre_X **out`. The
 * loader calls it first with r NULL, before anything can fail: it then only
 * sets *out to NULL (so *out is NULL on every failure); then, once the
 * container is open and its payload version checked, with the reader: it
 * decodes the model, naming func in its messages, and stores it in *out only
 * on success. */
typedef genre_status (*genre__mf_encode_fn)(const void *model, genre__mf_writer *w);
typedef genre_status (*genre__mf_decode_fn)(const genre__mf_reader *r, void *out,
                                            const char *func);

typedef struct genre__mf_codec {
    int32_t kind;                /* GENRE_MODEL_* */
    uint32_t version;            /* the payload layout written, the newest read */
    const char *what;            /* the payload's name in messages ("k-means") */
    genre__mf_encode_fn encode;
    genre__mf_decode_fn decode;
} genre__mf_codec;

/* GENRE_E_INVALID_ARG naming func when path is NULL; otherwise encodes model
 * and genre__mf_finish_to_file_for(func, ...). Returns what those return. */
genre_status genre__mf_save_file(const char *func, const void *model, const char *path,
                                 const genre__mf_codec *codec);

/* GENRE_E_INVALID_ARG naming func when written_or_needed is NULL; otherwise
 * encodes model and genre__mf_finish_to_memory() (so a NULL or short buf is
 * GENRE_E_BUFFER_TOO_SMALL with the size). */
genre_status genre__mf_save_memory(const char *func, const void *model, void *buf, size_t cap,
                                   size_t *written_or_needed, const genre__mf_codec *codec);

/* Fails with GENRE_E_INVALID_ARG naming func when out or path is NULL (out is
 * checked before *out is cleared, path after); otherwise genre__mf_open_file()
 * for the codec's kind, GENRE_E_VERSION ("<what> payload version N is newer
 * than this library's (M)") when the payload is newer than the codec's
 * version, then decode. Returns what those return. */
genre_status genre__mf_load_file(const char *func, void *out, const char *path,
                                 const genre__mf_codec *codec);

/* As genre__mf_load_file() from the caller's buffer, through
 * genre__mf_reader_open() (buf is not kept). */
genre_status genre__mf_load_memory(const char *func, void *out, const void *buf, size_t len,
                                   const genre__mf_codec *codec);

#endif
