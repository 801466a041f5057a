/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gzip input of the CSV reader (docs/dataset.md, "Reading"): detection and
 * inflation of whole inputs, one member after another, with libdeflate when
 * available and zlib otherwise; failures name the input and the compressed
 * byte offset. After a member comes another one or zero padding, nothing
 * else; the inflated text never takes more than the input limit.
 */
#include "dataset_private.h"

#include "alloc.h"
#include "error_private.h"

#include <stdint.h>
#include <string.h>

#include <zlib.h>
#ifdef GENRE_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

/* A lone 0x1f (a .gz cut after its first byte) is gzip too, so it fails as
 * truncated: CSV text never holds that control byte, let alone alone. */
int genre__dataset_is_gzip(const void *buf, size_t len)
{
    const unsigned char *b = buf;
    return (len >= 2 && b[0] == 0x1f && b[1] == 0x8b) || (len == 1 && b[0] == 0x1f);
}

/* The first size of the inflated buffer. ISIZE (the last 4 bytes) is a good
 * guess for a one-member file, but it is the length mod 2^32 and anyone's
 * to write: a 104-byte file can claim 4 GiB. So it is believed only up to
 * GZIP_GUESS_RATIO times the compressed length (CSV text compresses 3-10
 * times; data/music_genre.csv.gz 2.7); past that the buffer grows with the
 * bytes that really come out. */
#define GZIP_GUESS_RATIO 32
static size_t first_capacity(const unsigned char *in, size_t in_len, size_t limit)
{
    size_t cap = (size_t)1 << 16;
    if (in_len >= 18) {
        const unsigned char *t = in + in_len - 4;
        size_t isize = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 |
                       (size_t)t[3] << 24;
        size_t most = in_len > (SIZE_MAX - cap) / GZIP_GUESS_RATIO
                          ? SIZE_MAX
                          : in_len * GZIP_GUESS_RATIO + cap;
        if (isize > most - 1)
            isize = most - 1;
        if (isize + 1 > cap)
            cap = isize + 1;
    }
    return cap > limit + 1 ? limit + 1 : cap;
}

/* Failures name the compressed byte offset: where the input ends for a
 * truncated member (in_header: before its header was whole), where decoding
 * stopped for a corrupt one. */
static genre_status gzip_truncated(const char *name, size_t in_len, size_t member,
                                   int in_header)
{
    return GENRE_FAIL(GENRE_E_PARSE,
                      "%s: truncated gzip data: the input ends at byte %zu, inside the %sgzip "
                      "member that starts at byte %zu",
                      name, in_len, in_header ? "header of the " : "", member);
}

static genre_status gzip_corrupt(const char *name, size_t at, const char *why)
{
    return GENRE_FAIL(GENRE_E_PARSE, "%s: corrupt gzip data at byte %zu of the input (%s)",
                      name, at, why ? why : "zlib gives no reason");
}

genre_status genre__gzip_garbage(const char *name, size_t at, unsigned char byte,
                                 size_t n_after, size_t pos)
{
    return GENRE_FAIL(GENRE_E_PARSE,
                      "%s: corrupt gzip data at byte %zu of the input (byte 0x%02x: the "
                      "%zu bytes after the gzip member that ends at byte %zu are neither "
                      "another member, which starts 1f 8b, nor zero padding)",
                      name, at, byte, n_after, pos);
}

/* What follows a whole member that ends at pos: the end, another member
 * (*more = 1) or zero bytes to the end (padding, e.g. tape blocks, which
 * gzip(1) accepts too). Anything else is a damaged member or appended
 * garbage: taking the members before it would be a silently short table. */
static genre_status after_member(const char *name, const unsigned char *in, size_t in_len,
                                 size_t pos, int *more)
{
    *more = 0;
    if (pos == in_len)
        return GENRE_OK;
    if (genre__dataset_is_gzip(in + pos, in_len - pos)) {
        *more = 1;
        return GENRE_OK;
    }
    size_t at = pos;
    while (at < in_len && in[at] == 0)
        at++;
    if (at == in_len)
        return GENRE_OK;
    return genre__gzip_garbage(name, at, in[at], in_len - pos, pos);
}

/* Out of memory for the inflated text (at most limit + 1 bytes). */
static genre_status out_of_memory(const char *name, size_t cap, size_t limit)
{
    return GENRE_FAIL(GENRE_E_NOMEM,
                      "%s: out of memory inflating the gzip input (a %zu-byte buffer; "
                      "GENRE_SCHEMA_MAX_INPUT_BYTES, now %zu, bounds it)",
                      name, cap, limit);
}

/* Doubles the inflated text's buffer, to at most limit + 1 bytes. */
static genre_status grow(const char *name, char **buf, size_t *cap, size_t limit)
{
    size_t was = *cap;
    if (genre__dataset_grow(buf, cap, limit) != GENRE_OK)
        return out_of_memory(name, was > limit / 2 ? limit + 1 : was * 2, limit);
    return GENRE_OK;
}

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return genre__alloc_array(items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    genre__free(p);
}

static int z_start(z_stream *z)
{
    memset(z, 0, sizeof *z);
    z->zalloc = z_alloc;
    z->zfree = z_free;
    return inflateInit2(z, 15 + 16) == Z_OK;
}

#ifdef GENRE_HAVE_LIBDEFLATE
/* libdeflate says only that a member failed: zlib inflates it again from
 * member (output dropped) to tell where, and why. */
static genre_status gzip_failure(const char *name, const unsigned char *in, size_t in_len,
                                 size_t member)
{
    z_stream z;
    gz_header head;
    memset(&head, 0, sizeof head);
    if (!z_start(&z))
        return GENRE_FAIL(GENRE_E_NOMEM, "%s: out of memory initialising zlib", name);
    inflateGetHeader(&z, &head);
    unsigned char scratch[16384];
    size_t pos = member;
    genre_status st;
    for (;;) {
        size_t in_chunk = in_len - pos > 1u << 30 ? 1u << 30 : in_len - pos;
        z.next_in = (Bytef *)(uintptr_t)(in + pos);
        z.avail_in = (uInt)in_chunk;
        z.next_out = scratch;
        z.avail_out = sizeof scratch;
        int r = inflate(&z, Z_NO_FLUSH);
        pos += in_chunk - z.avail_in;
        if (r == Z_OK)
            continue;
        if (r == Z_MEM_ERROR)
            st = GENRE_FAIL(GENRE_E_NOMEM, "%s: out of memory in zlib", name);
        else if (r == Z_BUF_ERROR && pos == in_len)
            st = gzip_truncated(name, in_len, member, head.done != 1);
        else /* Z_STREAM_END: zlib takes what libdeflate refused */
            st = gzip_corrupt(name, pos, r == Z_STREAM_END ? "refused by libdeflate" : z.msg);
        break;
    }
    inflateEnd(&z);
    return st;
}

/* libdeflate inflates whole members at memory speed (about twice zlib). At
 * most limit bytes come out: past that, GENRE_E_INPUT_TOO_LARGE. */
genre_status genre__dataset_inflate(const char *name, const unsigned char *in, size_t in_len,
                                    size_t limit, char **out, size_t *out_len)
{
    size_t cap = first_capacity(in, in_len, limit);
    char *buf = genre__alloc_array(cap, 1);
    if (!buf)
        return out_of_memory(name, cap, limit);
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d) {
        genre__free(buf);
        return GENRE_FAIL(GENRE_E_NOMEM, "%s: cannot allocate a decompressor", name);
    }
    size_t used = 0, pos = 0;
    genre_status st = GENRE_OK;
    while (pos < in_len) {
        size_t in_used = 0, got = 0;
        enum libdeflate_result r = libdeflate_gzip_decompress_ex(
            d, in + pos, in_len - pos, buf + used, cap - used, &in_used, &got);
        if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
            if (cap > limit) {
                st = genre__dataset_too_large(name, limit, "inflates to");
                break;
            }
            if ((st = grow(name, &buf, &cap, limit)) != GENRE_OK)
                break;
            continue;
        }
        if (r != LIBDEFLATE_SUCCESS) {
            st = gzip_failure(name, in, in_len, pos);
            break;
        }
        used += got;
        pos += in_used;
        if (used > limit) {
            st = genre__dataset_too_large(name, limit, "inflates to");
            break;
        }
        int more = 0;
        if ((st = after_member(name, in, in_len, pos, &more)) != GENRE_OK || !more)
            break;
    }
    libdeflate_free_decompressor(d);
    if (st != GENRE_OK) {
        genre__free(buf);
        return st;
    }
    *out = buf;
    *out_len = used;
    return GENRE_OK;
}
#else
genre_status genre__dataset_inflate(const char *name, const unsigned char *in, size_t in_len,
                                    size_t limit, char **out, size_t *out_len)
{
    size_t cap = first_capacity(in, in_len, limit), used = 0;
    char *buf = genre__alloc_array(cap, 1);
    if (!buf)
        return out_of_memory(name, cap, limit);
    z_stream z;
    gz_header head;
    memset(&head, 0, sizeof head);
    if (!z_start(&z)) {
        genre__free(buf);
        return GENRE_FAIL(GENRE_E_NOMEM, "%s: out of memory initialising zlib", name);
    }
    inflateGetHeader(&z, &head);
    size_t pos = 0, member = 0;
    genre_status st = GENRE_OK;
    for (;;) {
        if (used > limit) {
            st = genre__dataset_too_large(name, limit, "inflates to");
            break;
        }
        if (used == cap) {
            if ((st = grow(name, &buf, &cap, limit)) != GENRE_OK)
                break;
        }
        size_t in_chunk = in_len - pos > 1u << 30 ? 1u << 30 : in_len - pos;
        size_t out_chunk = cap - used > 1u << 30 ? 1u << 30 : cap - used;
        z.next_in = (Bytef *)(uintptr_t)(in + pos);
        z.avail_in = (uInt)in_chunk;
        z.next_out = (Bytef *)(buf + used);
        z.avail_out = (uInt)out_chunk;
        int r = inflate(&z, Z_NO_FLUSH);
        pos += in_chunk - z.avail_in;
        used += out_chunk - z.avail_out;
        if (used > limit) {
            st = genre__dataset_too_large(name, limit, "inflates to");
            break;
        }
        if (r == Z_STREAM_END) {
            int more = 0;
            if ((st = after_member(name, in, in_len, pos, &more)) != GENRE_OK || !more)
                break;
            inflateReset(&z);
            memset(&head, 0, sizeof head);
            inflateGetHeader(&z, &head);
            member = pos;
            continue;
        }
        if (r == Z_MEM_ERROR) {
            st = GENRE_FAIL(GENRE_E_NOMEM, "%s: out of memory in zlib", name);
            break;
        }
        if (r != Z_OK && r != Z_BUF_ERROR) {
            st = gzip_corrupt(name, pos, z.msg);
            break;
        }
        if (r == Z_BUF_ERROR && pos == in_len && used < cap) {
            st = gzip_truncated(name, in_len, member, head.done != 1);
            break;
        }
    }
    inflateEnd(&z);
    if (st != GENRE_OK) {
        genre__free(buf);
        return st;
    }
    *out = buf;
    *out_len = used;
    return GENRE_OK;
}
#endif

/* ---- For the streaming reader (dataset_source.c) ---------------------------- */

int genre__gzip_zstart(void *z)
{
    return z_start(z);
}

genre_status genre__gzip_truncated(const char *name, size_t in_len, size_t member,
                                   int in_header)
{
    return gzip_truncated(name, in_len, member, in_header);
}

genre_status genre__gzip_corrupt(const char *name, size_t at, const char *why)
{
    return gzip_corrupt(name, at, why);
}

int genre__gzip_member_fast(void **state, const unsigned char *in, size_t in_len, char *out,
                            size_t cap, size_t *used, size_t *got)
{
#ifdef GENRE_HAVE_LIBDEFLATE
    if (!*state && !(*state = libdeflate_alloc_decompressor()))
        return 0; /* zlib will do */
    return libdeflate_gzip_decompress_ex(*state, in, in_len, out, cap, used, got) ==
           LIBDEFLATE_SUCCESS;
#else
    (void)state, (void)in, (void)in_len, (void)out, (void)cap, (void)used, (void)got;
    return 0;
#endif
}

void genre__gzip_fast_prepare(void **state)
{
#ifdef GENRE_HAVE_LIBDEFLATE
    if (!*state)
        *state = libdeflate_alloc_decompressor(); /* NULL: zlib will do */
#else
    (void)state;
#endif
}

void genre__gzip_fast_free(void *state)
{
#ifdef GENRE_HAVE_LIBDEFLATE
    libdeflate_free_decompressor(state);
#else
    (void)state;
#endif
}
