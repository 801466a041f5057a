/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The input's bytes to a table: gzip detection and inflation (libdeflate
 * when built with it, else zlib), then the CSV parse (dataset_parse.c).
 * Getting the bytes (files, FIFOs, limits) is dataset_input.c.
 */
#include "dataset_csv.h"

#include "alloc.h"
#include "error_private.h"

#include <string.h>

#include <zlib.h>
#ifdef GENRE_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

/* ---- Decompression --------------------------------------------------------- */

static int is_gzip(const unsigned char *b, size_t len)
{
    return len >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

#ifdef GENRE_HAVE_LIBDEFLATE
/* libdeflate inflates whole members at memory speed (about twice zlib). At
 * most limit bytes come out: past that, GENRE_E_INPUT_TOO_LARGE. */
static genre_status inflate_all(const char *name, const unsigned char *in, size_t in_len,
                                size_t limit, char **out, size_t *out_len)
{
    /* ISIZE of the last member is a good first guess for one-member files. */
    size_t cap = 1u << 16;
    if (in_len >= 18) {
        const unsigned char *t = in + in_len - 4;
        size_t isize = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 |
                       (size_t)t[3] << 24;
        if (isize + 1 > cap)
            cap = isize + 1;
    }
    if (cap > limit + 1)
        cap = limit + 1;
    char *buf = genre__alloc_array(cap, 1);
    if (!buf)
        return GENRE_E_NOMEM;
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
            if ((st = genre__dataset_grow(&buf, &cap, limit)) != GENRE_OK)
                break;
            continue;
        }
        if (r != LIBDEFLATE_SUCCESS) {
            st = GENRE_FAIL(GENRE_E_PARSE, "%s: corrupt or truncated gzip data at byte %zu",
                            name, pos);
            break;
        }
        used += got;
        pos += in_used;
        if (used > limit) {
            st = genre__dataset_too_large(name, limit, "inflates to");
            break;
        }
        /* Padding after the last member is tolerated, as gzip(1) does. */
        if (pos < in_len && !is_gzip(in + pos, in_len - pos))
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

static genre_status inflate_all(const char *name, const unsigned char *in, size_t in_len,
                                size_t limit, char **out, size_t *out_len)
{
    size_t cap = in_len * 4 + 1024, used = 0;
    if (cap > limit + 1)
        cap = limit + 1;
    char *buf = genre__alloc_array(cap, 1);
    if (!buf)
        return GENRE_E_NOMEM;
    z_stream z;
    memset(&z, 0, sizeof z);
    z.zalloc = z_alloc;
    z.zfree = z_free;
    if (inflateInit2(&z, 15 + 16) != Z_OK) {
        genre__free(buf);
        return GENRE_FAIL(GENRE_E_NOMEM, "%s: cannot initialise zlib", name);
    }
    size_t pos = 0;
    genre_status st = GENRE_OK;
    for (;;) {
        if (used > limit) {
            st = genre__dataset_too_large(name, limit, "inflates to");
            break;
        }
        if (used == cap) {
            if ((st = genre__dataset_grow(&buf, &cap, limit)) != GENRE_OK)
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
            if (pos < in_len && is_gzip(in + pos, in_len - pos)) {
                inflateReset(&z);
                continue;
            }
            break;
        }
        if (r == Z_MEM_ERROR) {
            st = GENRE_E_NOMEM;
            break;
        }
        if (r != Z_OK && r != Z_BUF_ERROR) {
            st = GENRE_FAIL(GENRE_E_PARSE, "%s: corrupt gzip data at byte %zu", name, pos);
            break;
        }
        if (r == Z_BUF_ERROR && pos == in_len && used < cap) {
            st = GENRE_FAIL(GENRE_E_PARSE, "%s: truncated gzip data", name);
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

genre_status genre__dataset_parse(genre_dataset **out, const genre_dataset_schema *schema,
                                  const void *buf, size_t len, const char *name)
{
    const size_t limit = (uint64_t)schema->max_input < SIZE_MAX - 1 ? (size_t)schema->max_input
                                                                     : SIZE_MAX - 1;
    if (len > limit)
        return genre__dataset_too_large(name, limit, "holds");
    if (!is_gzip(buf, len))
        return genre__csv_read_plain(out, schema, buf, len, name);
    char *plain = NULL;
    size_t plain_len = 0;
    genre_status st = inflate_all(name, buf, len, limit, &plain, &plain_len);
    if (st != GENRE_OK)
        return st;
    st = genre__csv_read_plain(out, schema, plain, plain_len, name);
    genre__free(plain);
    return st;
}
