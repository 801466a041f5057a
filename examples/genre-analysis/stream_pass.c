/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --stream: one pass over the file, chunk by chunk, and the hash split
 * (stream.h). */
#define _XOPEN_SOURCE 700

#include "stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

uint64_t stream_hash(uint64_t seed, uint64_t salt, uint64_t row)
{
    return mix(mix(mix(seed) ^ salt) ^ row);
}

/* The top 53 bits as a uniform double in [0, 1). */
static double unit(uint64_t h)
{
    return (double)(h >> 11) * 0x1p-53;
}

int stream_side(uint64_t seed, uint64_t row, double test_fraction, double val_fraction)
{
    if (unit(stream_hash(seed, 1, row)) < test_fraction)
        return SIDE_TEST;
    return unit(stream_hash(seed, 2, row)) < val_fraction ? SIDE_VAL : SIDE_TRAIN;
}

/* The read counters of one chunk, added to the run's (the first pass). */
static void add_read_counters(run *r, const genre_dataset *ch)
{
    int64_t v;
    if (!genre_dataset_report_value(ch, "read", NULL, "rows", &v))
        r->rows_read += v;
    if (!genre_dataset_report_value(ch, "read", NULL, "blank_rows", &v))
        r->blank_rows += v;
    for (size_t i = 0; i < r->n_cols; i++)
        if (!genre_dataset_report_value(ch, "read", r->cols[i].name, "missing", &v))
            r->cols[i].missing_read += v;
    if (r->group_col[0] &&
        !genre_dataset_report_value(ch, "read", r->group_col, "no_group_rows", &v))
        r->no_group_rows += v;
}

/* Which rows of ch (n of them) have an empty label: mask[i] = 1. Returns
 * their count, or -1 with a status in *st. */
static int64_t unlabelled_rows(const run *r, const genre_dataset *ch, size_t n, uint8_t *mask,
                               genre_status *st)
{
    size_t need = 0;
    memset(mask, 0, n);
    if (genre_dataset_export_text(ch, r->label_col, NULL, 0, &need, NULL))
        return 0; /* not a text-readable label: every row has one */
    char *buf = malloc(need ? need : 1);
    size_t *off = xcalloc(n, sizeof *off);
    int64_t bad = -1;
    if (!buf || !off)
        *st = GENRE_E_NOMEM;
    else if (!(*st = genre_dataset_export_text(ch, r->label_col, buf, need, NULL, off)))
        for (size_t i = bad = 0; i < n; i++)
            bad += mask[i] = buf[off[i]] == 0;
    free(buf), free(off);
    return bad;
}

/* The side of a chunk's table ch given by is_test (n entries). */
static genre_status take_side(genre_dataset **out, const genre_dataset *ch, const uint8_t *is_test,
                              size_t n, int32_t side)
{
    genre_dataset_split *sp = NULL;
    genre_status st = genre_dataset_split_from_mask(&sp, ch, is_test, n);
    if (!st)
        st = genre_dataset_subset(out, ch, sp, side);
    genre_dataset_split_free(sp);
    return st;
}

/* Prepares, exports and (with a scaler) scales one side in place. */
static genre_status features(stream_ctx *c, genre_dataset *ds, int side, double **x,
                             int32_t **y, size_t *n)
{
    run *r = c->r;
    genre_status st = genre_dataset_prep_apply(c->prep, ds);
    if (st)
        return st;
    if (c->count_imputed)
        data_count_imputed(r, ds, side, 1);
    if ((st = table_export(r, ds, x, y, n)) || !c->sc || !*n)
        return st;
    double *s = xcalloc(*n * r->d, sizeof *s);
    if (!s)
        return GENRE_E_NOMEM;
    st = genre_scaler_transform(c->sc, *x, *n, r->d, r->d, s, *n * r->d, NULL);
    free(*x);
    *x = s;
    return st;
}

/* One chunk: drop, split, prepare and hand over. */
static genre_status one_chunk(stream_ctx *c, genre_dataset *ch, int64_t *index, int raw,
                              chunk_fn fn, void *ud)
{
    run *r = c->r;
    genre_status st;
    int64_t n64 = 0, v;
    if (c->first)
        add_read_counters(r, ch);
    if ((st = genre_dataset_drop_empty_rows(ch)))
        return st;
    if (c->first) {
        if (!genre_dataset_report_value(ch, "drop_empty_rows", NULL, "dropped", &v))
            r->dropped += v;
        if (!genre_dataset_report_value(ch, "drop_empty_rows", NULL, "kept", &v))
            r->kept += v;
    }
    genre_dataset_get_i64(ch, GENRE_DATASET_N_ROWS, &n64);
    size_t n = (size_t)n64, nl = 0;
    if (!n)
        return GENRE_OK;
    uint8_t *mask = xcalloc(n, 1), *is_test = xcalloc(n, 1), *is_val = xcalloc(n, 1);
    genre_dataset *lab = NULL, *tr = NULL, *te = NULL;
    double *xtr = NULL, *xte = NULL;
    int32_t *ytr = NULL, *yte = NULL;
    size_t ntr = 0, nte = 0;
    st = GENRE_E_NOMEM;
    if (!mask || !is_test || !is_val)
        goto out;
    int64_t bad = unlabelled_rows(r, ch, n, mask, &st);
    if (bad < 0)
        goto out;
    if (c->first)
        r->sm.unlabelled += bad;
    if (c->count_only) { /* several ranks: the first pass counts the rows */
        *index += (int64_t)n;
        st = GENRE_OK;
        goto out;
    }
    /* the side of each labelled row, by its index among the non-empty rows */
    for (size_t i = 0; i < n; i++) {
        if (mask[i])
            continue;
        int side = stream_side(r->opt.seed, (uint64_t)(*index + (int64_t)i),
                               r->sm.test_fraction, r->sm.val_fraction);
        is_test[nl++] = side == SIDE_TEST;
        if (side != SIDE_TEST)
            is_val[ntr++] = side == SIDE_VAL;
    }
    *index += (int64_t)n;
    if (bad && (st = take_side(&lab, ch, mask, n, GENRE_SPLIT_TRAIN)))
        goto out;
    const genre_dataset *src = bad ? lab : ch;
    if (!nl) {
        st = GENRE_OK;
        goto out;
    }
    if ((st = take_side(&tr, src, is_test, nl, GENRE_SPLIT_TRAIN)) ||
        (st = take_side(&te, src, is_test, nl, GENRE_SPLIT_TEST)))
        goto out;
    chunk_view cv = {.is_val = is_val};
    if (raw) {
        cv.train_raw = tr;
        cv.ntr = ntr;
    } else {
        if ((st = features(c, tr, 0, &xtr, &ytr, &ntr)) ||
            (st = features(c, te, 1, &xte, &yte, &nte)))
            goto out;
        cv.xtr = xtr, cv.ytr = ytr, cv.ntr = ntr;
        cv.xte = xte, cv.yte = yte, cv.nte = nte;
    }
    st = fn(c, &cv, ud);
out:
    free(mask), free(is_test), free(is_val), free(xtr), free(xte), free(ytr), free(yte);
    genre_dataset_free(lab);
    genre_dataset_free(tr);
    genre_dataset_free(te);
    return st;
}

/* The reader of this rank's part: the whole file, or with several ranks
 * the records that start in its share [k size / P, (k + 1) size / P) of the
 * bytes (no index: the reader refuses a quoted line break, which would
 * make the ranges ambiguous, naming its line). */
static genre_status open_part(stream_ctx *c, genre_dataset_reader **rd)
{
    run *r = c->r;
    if (cl_size() == 1)
        return genre_dataset_reader_open(rd, c->schema, r->data_path);
    struct stat sb;
    if (stat(r->data_path, &sb)) {
        snprintf(r->error, sizeof r->error, "cannot read %.500s: %s", r->data_path,
                 strerror(errno));
        return STREAM_E_PROGRAM;
    }
    const uint64_t size = (uint64_t)sb.st_size, k = (uint64_t)cl_rank(), p = (uint64_t)cl_size();
    /* k * size / P without overflow for any file size */
    const uint64_t begin = size / p * k + size % p * k / p,
                   end = size / p * (k + 1) + size % p * (k + 1) / p;
    return genre_dataset_reader_open_range(rd, c->schema, r->data_path, begin, end, NULL);
}

genre_status stream_pass(stream_ctx *c, int raw, chunk_fn fn, void *ud, const char *what)
{
    run *r = c->r;
    double t0 = now_s();
    genre_dataset_reader *rd = NULL;
    genre_dataset *ch = NULL;
    int64_t index = c->row_base, rows = 0;
    genre_status st = open_part(c, &rd);
    int read_failed = 0;
    while (!st && !stopping(r)) {
        if ((st = genre_dataset_reader_next_into(rd, (size_t)r->opt.chunk_rows, &ch)) || !ch) {
            read_failed = st != GENRE_OK;
            break;
        }
        int64_t n = 0;
        genre_dataset_get_i64(ch, GENRE_DATASET_N_ROWS, &n);
        rows += n;
        st = one_chunk(c, ch, &index, raw, fn, ud);
    }
    if (!st && g_cancel)
        st = GENRE_E_CANCELLED;
    /* a range reader refuses a quoted line break, advising an index: that
     * is for library callers; a user of the program reads it on one rank */
    if (read_failed && st == GENRE_E_UNSUPPORTED && cl_size() > 1) {
        snprintf(r->error, sizeof r->error,
                 "%.700s; genre-analysis-mpi splits a table between ranks only when no quoted "
                 "field holds a line break: run it on one rank (mpiexec -n 1), or "
                 "genre-analysis --stream",
                 genre_last_error());
        st = STREAM_E_PROGRAM;
    }
    genre_dataset_free(ch);
    genre_dataset_reader_free(rd);
    /* every pass reads the file again: one replaced or written to while
     * the run reads it would mix statistics of different tables */
    if (!st && !stopping(r) && c->pass_rows && rows != c->pass_rows) {
        snprintf(r->error, sizeof r->error,
                 "%.500s changed during the run: pass %d read %lld rows, the first pass %lld "
                 "(--stream reads the file once per pass; it must not change until the end)",
                 r->data_path, r->sm.passes + 1, (long long)rows, (long long)c->pass_rows);
        st = STREAM_E_PROGRAM;
    }
    if (!st && !stopping(r) && !c->pass_rows)
        c->pass_rows = rows;
    c->local_rows = index - c->row_base;
    r->sm.passes++;
    if (!st)
        say("genre-analysis: pass %d (%s): %lld rows in %.1f s, resident %.0f MB (peak %.0f)\n",
            r->sm.passes, what, (long long)rows, now_s() - t0,
            (double)stream_status_kb("VmRSS:") / 1024, (double)stream_status_kb("VmHWM:") / 1024);
    return st;
}

int stream_fail(run *r, stage *s, genre_status st, const char *what)
{
    if (st != STREAM_E_PROGRAM)
        return stage_fail(r, s, st, what);
    r->failed = 1;
    stage_note(s, "%s", r->error);
    stage_end(s, ST_FAILED);
    return -1;
}

int64_t stream_status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long long kb = -1;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, n))
            kb = strtoll(line + n, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}
