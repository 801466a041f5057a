/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Saving and loading the preparation's partial state: the model container
 * (kind GENRE_MODEL_DATASET_PREP_PARTIAL) around one record, the state in
 * little-endian fields (docs/partial-fits.md). The loader checks every
 * count against the bytes left before it allocates. */
#include "dataset_prep_partial.h"

#include "alloc.h"
#include "error_private.h"
#include "model_file.h"
#include "le_bytes.h"

#include <genre/model.h>

#include <math.h>
#include <string.h>

#define PAYLOAD_VERSION 1u
#define TAG_SCHEMA 1u /* the preparation's schema, as a saved preparation holds it */
#define TAG_STATE 2u

/* ---- Writing ------------------------------------------------------------------- */

typedef struct {
    unsigned char *b;
    size_t n, cap;
    int nomem;
} wbuf;

static void put(wbuf *w, const void *v, size_t n)
{
    if (w->nomem)
        return;
    if (w->n + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->n + n)
            cap *= 2;
        if (genre__realloc_array(&w->b, cap, 1) != 0) {
            w->nomem = 1;
            return;
        }
        w->cap = cap;
    }
    memcpy(w->b + w->n, v, n);
    w->n += n;
}

static void put_u64(wbuf *w, uint64_t v)
{
    unsigned char b[8];
    genre__le64_store(b, v);
    put(w, b, 8);
}

static void put_f64(wbuf *w, double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    put_u64(w, u);
}

static void put_dict(wbuf *w, const genre__dict *d)
{
    put_u64(w, d->n);
    for (size_t i = 0; i < d->n; i++) {
        put_u64(w, d->len[i]);
        put(w, GENRE__DICT_STR(d, i), d->len[i]);
    }
}

static void put_sel(wbuf *w, const struct sel *s)
{
    put_u64(w, s->prefix);
    put_u64(w, s->rank);
    put_u64(w, s->n);
    put_u64(w, s->bits);
    put_u64(w, (uint64_t)s->done | (s->hist ? 2u : 0u));
    put_f64(w, s->value);
    if (s->hist)
        for (size_t b = 0; b < SEL_BINS; b++)
            put_u64(w, s->hist[b]);
    else
        for (size_t i = 0; i < s->n; i++)
            put_f64(w, s->buf[i]);
}

static void put_med(wbuf *w, const struct med *m)
{
    put_u64(w, m->n_obs);
    put_sel(w, &m->t[0]);
    put_sel(w, &m->t[1]);
}

static void put_state(wbuf *w, const genre_dataset_prep_partial *p)
{
    put_u64(w, p->pass);
    put_u64(w, p->n_steps);
    for (size_t i = 0; i < p->n_steps; i++) {
        put_u64(w, (uint64_t)p->steps[i].kind);
        put_u64(w, (uint64_t)p->steps[i].col);
    }
    for (size_t i = 0; i < p->n_cats; i++) {
        put_dict(w, &p->cats[i].names);
        for (size_t k = 0; k < p->cats[i].names.n; k++)
            put_u64(w, p->cats[i].count[k]);
    }
    for (size_t i = 0; i < p->n_steps; i++) {
        const struct pstep *s = &p->steps[i];
        /* the long double sum as two doubles: exact for x87's 64-bit mantissa */
        double hi = (double)s->sum, lo = (double)(s->sum - (long double)hi);
        put_f64(w, hi);
        put_f64(w, lo);
        put_u64(w, s->n);
        put_u64(w, s->mf_n);
        for (size_t k = 0; k < s->mf_n; k++) {
            put_f64(w, s->mf_v[k]);
            put_u64(w, s->mf_c[k]);
        }
        put_med(w, &s->global);
        put_dict(w, &s->groups);
        for (size_t g = 0; g < s->groups.n; g++)
            put_med(w, &s->gm[g]);
    }
}

/* The schema travels as a saved preparation of it with no step and no
 * category (the preparation file's schema records). */
static genre_status schema_bytes(const genre_dataset_schema *s, void **out, size_t *len)
{
    genre_dataset_prep *prep = NULL;
    genre_status st = genre_dataset_prep_create(&prep, s);
    if (st == GENRE_OK) {
        prep->fitted = 1;
        st = genre_dataset_prep_save_to_memory(prep, NULL, 0, len);
        if (st == GENRE_E_BUFFER_TOO_SMALL)
            st = GENRE_OK;
    }
    if (st == GENRE_OK && !(*out = genre__alloc_array(*len, 1)))
        st = GENRE_E_NOMEM;
    if (st == GENRE_OK)
        st = genre_dataset_prep_save_to_memory(prep, *out, *len, len);
    genre_dataset_prep_free(prep);
    return st;
}

static genre_status write_state(const void *state, genre__mf_writer *w)
{
    const genre_dataset_prep_partial *p = state;
    void *sb = NULL;
    size_t sn = 0;
    genre_status st = schema_bytes(p->schema, &sb, &sn);
    if (st == GENRE_OK)
        st = genre__mf_put_bytes(w, TAG_SCHEMA, sb, sn);
    genre__free(sb);
    wbuf b = {0};
    if (st == GENRE_OK) {
        put_state(&b, p);
        st = b.nomem ? GENRE_E_NOMEM : genre__mf_put_bytes(w, TAG_STATE, b.b, b.n);
    }
    genre__free(b.b);
    return st;
}

/* ---- Reading ------------------------------------------------------------------- */

typedef struct {
    const unsigned char *b;
    size_t n, at;
    int bad;
} rbuf;

static uint64_t get_u64(rbuf *r)
{
    if (r->bad || r->n - r->at < 8) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = genre__le64_load(r->b + r->at);
    r->at += 8;
    return v;
}

static double get_f64(rbuf *r)
{
    uint64_t u = get_u64(r);
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* A count of items of at least `each` bytes that the bytes left can hold. */
static size_t get_count(rbuf *r, size_t each)
{
    uint64_t n = get_u64(r);
    if (r->bad || n > (r->n - r->at) / each) {
        r->bad = 1;
        return 0;
    }
    return (size_t)n;
}

static genre_status get_dict(rbuf *r, genre__dict *d)
{
    size_t n = get_count(r, 8);
    for (size_t i = 0; i < n && !r->bad; i++) {
        size_t len = get_count(r, 1);
        if (r->bad)
            break;
        const char *s = (const char *)r->b + r->at;
        if (memchr(s, 0, len)) {
            r->bad = 1;
            break;
        }
        r->at += len;
        size_t had = d->n;
        if (genre__dict_intern(d, s, len) < 0)
            return GENRE_E_NOMEM;
        if (d->n == had) /* a repeated name */
            r->bad = 1;
    }
    return GENRE_OK;
}

static genre_status get_sel(rbuf *r, struct sel *s)
{
    s->prefix = get_u64(r);
    s->rank = get_u64(r);
    s->n = get_u64(r);
    uint64_t bits = get_u64(r), flags = get_u64(r);
    s->value = get_f64(r);
    if (r->bad || bits > 64 || bits % 16 || flags > 2 || ((flags & 1) && s->n) ||
        (flags == 2 && s->n <= genre__prep_partial_buf_cap) || (!(flags & 2) && s->n > genre__prep_partial_buf_cap) ||
        ((flags & 1) && !isfinite(s->value)) ||
        (bits < 64 && (s->prefix << bits) != 0) || (bits == 64 && !(flags & 1))) {
        r->bad = 1;
        return GENRE_OK;
    }
    s->bits = (uint32_t)bits;
    s->done = (int)(flags & 1);
    if (flags & 2) {
        if (r->n - r->at < (size_t)SEL_BINS * 8) {
            r->bad = 1;
            return GENRE_OK;
        }
        if (!(s->hist = genre__alloc_array(SEL_BINS, sizeof *s->hist)))
            return GENRE_E_NOMEM;
        uint64_t total = 0;
        for (size_t b = 0; b < SEL_BINS; b++) {
            s->hist[b] = get_u64(r);
            if (s->hist[b] > UINT64_MAX - total)
                r->bad = 1;
            total += s->hist[b];
        }
        if (total != s->n)
            r->bad = 1;
    } else if (s->n) {
        if (s->n > (r->n - r->at) / 8) {
            r->bad = 1;
            return GENRE_OK;
        }
        if (!(s->buf = genre__alloc_array((size_t)s->n, sizeof *s->buf)))
            return GENRE_E_NOMEM;
        s->cap = (size_t)s->n;
        for (size_t i = 0; i < s->n; i++) {
            s->buf[i] = get_f64(r);
            if (isnan(s->buf[i]))
                r->bad = 1;
        }
    }
    return GENRE_OK;
}

/* A median consistent with its pass (pass 0: every selection done). */
static genre_status get_med(rbuf *r, struct med *m, uint32_t pass)
{
    m->n_obs = get_u64(r);
    genre_status st = get_sel(r, &m->t[0]);
    if (st == GENRE_OK)
        st = get_sel(r, &m->t[1]);
    if (st != GENRE_OK || r->bad)
        return st;
    const struct sel *a = &m->t[0], *b = &m->t[1];
    int ok = 1;
    if (pass == 1)
        ok = a->bits == 0 && !a->done && a->n == m->n_obs && b->n == 0 && !b->done &&
             b->bits == 0;
    for (int k = 0; pass != 1 && k < 2; k++) {
        const struct sel *s = &m->t[k];
        if (m->n_obs == 0 || pass == 0)
            ok = ok && s->done;
        else if (!s->done)
            ok = ok && s->rank < m->n_obs && s->n <= m->n_obs && s->bits > 0;
    }
    if (!ok)
        r->bad = 1;
    return GENRE_OK;
}

static genre_status read_body(rbuf *r, genre_dataset_prep_partial **out,
                              const genre_dataset_schema *schema)
{
    uint64_t pass = get_u64(r);
    size_t n_steps = get_count(r, 16);
    if (r->bad || pass > 5)
        return GENRE_E_CORRUPT;
    int32_t *kc = genre__alloc_array(n_steps ? 2 * n_steps : 1, sizeof *kc);
    if (!kc)
        return GENRE_E_NOMEM;
    for (size_t i = 0; i < n_steps; i++) {
        uint64_t kind = get_u64(r), col = get_u64(r);
        int ok = !r->bad && col < schema->n_cols &&
                 (kind == GENRE__STEP_GROUP_MEDIAN || kind == GENRE__STEP_MEDIAN ||
                  kind == GENRE__STEP_MEAN || kind == GENRE__STEP_MOST_FREQUENT);
        if (ok) {
            int32_t role = schema->cols[col].role;
            ok = role == GENRE_COL_NUMERIC ||
                 (kind == GENRE__STEP_MOST_FREQUENT && role == GENRE_COL_CATEGORICAL);
            if (kind == GENRE__STEP_GROUP_MEDIAN && schema->group_col < 0)
                ok = 0;
            for (size_t k = 0; ok && k < i; k++)
                ok = kc[2 * k + 1] != (int32_t)col;
        }
        if (!ok) {
            genre__free(kc);
            return GENRE_E_CORRUPT;
        }
        kc[2 * i] = (int32_t)kind;
        kc[2 * i + 1] = (int32_t)col;
    }
    genre_dataset_prep_partial *p = NULL;
    genre_status st = genre__prep_partial_make(&p, schema, kc, n_steps);
    genre__free(kc);
    if (st != GENRE_OK)
        return st;
    p->pass = (uint32_t)pass;
    for (size_t i = 0; i < p->n_cats && st == GENRE_OK && !r->bad; i++) {
        struct cat *c = &p->cats[i];
        st = get_dict(r, &c->names);
        if (st == GENRE_OK && !r->bad && c->names.n > (r->n - r->at) / 8)
            r->bad = 1;
        if (st == GENRE_OK && !r->bad &&
            !(c->count = genre__alloc_array(c->names.n ? c->names.n : 1, sizeof *c->count)))
            st = GENRE_E_NOMEM;
        for (size_t k = 0; st == GENRE_OK && !r->bad && k < c->names.n; k++)
            c->count[k] = get_u64(r);
        const struct genre__schema_col *sc = &schema->cols[c->col];
        for (size_t k = 0; sc->order && st == GENRE_OK && !r->bad && k < c->names.n; k++)
            if (k >= sc->n_order || strcmp(GENRE__DICT_STR(&c->names, k), sc->order[k]) != 0)
                r->bad = 1;
    }
    for (size_t i = 0; i < p->n_steps && st == GENRE_OK && !r->bad; i++) {
        struct pstep *s = &p->steps[i];
        double hi = get_f64(r), lo = get_f64(r);
        s->sum = (long double)hi + (long double)lo;
        s->n = get_u64(r);
        s->mf_n = get_count(r, 16);
        if (!r->bad && (!isfinite(hi) || !isfinite(lo) || (s->kind != GENRE__STEP_MEAN &&
                                                           (s->n || hi != 0 || lo != 0))))
            r->bad = 1;
        if (!r->bad && s->mf_n && s->kind != GENRE__STEP_MOST_FREQUENT)
            r->bad = 1;
        if (!r->bad && s->mf_n) {
            s->mf_v = genre__alloc_array(s->mf_n, sizeof *s->mf_v);
            s->mf_c = genre__alloc_array(s->mf_n, sizeof *s->mf_c);
            if (!s->mf_v || !s->mf_c)
                st = GENRE_E_NOMEM;
        }
        for (size_t k = 0; st == GENRE_OK && !r->bad && k < s->mf_n; k++) {
            s->mf_v[k] = get_f64(r);
            s->mf_c[k] = get_u64(r);
            if (isnan(s->mf_v[k]) || s->mf_c[k] == 0 || (k && !(s->mf_v[k - 1] < s->mf_v[k])))
                r->bad = 1;
        }
        int is_med = s->kind == GENRE__STEP_MEDIAN || s->kind == GENRE__STEP_GROUP_MEDIAN;
        if (st == GENRE_OK && !r->bad)
            st = get_med(r, &s->global, is_med ? p->pass : 1);
        if (st == GENRE_OK && !r->bad && !is_med && s->global.n_obs)
            r->bad = 1;
        if (st == GENRE_OK && !r->bad)
            st = get_dict(r, &s->groups);
        if (st == GENRE_OK && !r->bad && s->groups.n && s->kind != GENRE__STEP_GROUP_MEDIAN)
            r->bad = 1;
        if (st == GENRE_OK && !r->bad && s->groups.n &&
            !(s->gm = genre__calloc_array(s->groups.n, sizeof *s->gm)))
            st = GENRE_E_NOMEM;
        else if (s->gm)
            s->gm_cap = s->groups.n;
        for (size_t g = 0; st == GENRE_OK && !r->bad && g < s->groups.n; g++)
            st = get_med(r, &s->gm[g], p->pass);
    }
    if (st == GENRE_OK && (r->bad || r->at != r->n))
        st = GENRE_E_CORRUPT;
    if (st != GENRE_OK) {
        genre_dataset_prep_partial_free(p);
        return st;
    }
    *out = p;
    return GENRE_OK;
}

static genre_status get_record(const genre__mf_reader *r, uint32_t tag, void **out, size_t *n)
{
    genre_status st = genre__mf_get_count(r, tag, GENRE__MF_BYTES, n);
    if (st != GENRE_OK)
        return st;
    if (!(*out = genre__alloc_array(*n ? *n : 1, 1)))
        return GENRE_E_NOMEM;
    return genre__mf_get_bytes(r, tag, *out, *n);
}

static genre_status read_state(const genre__mf_reader *r, void *dest, const char *func)
{
    genre_dataset_prep_partial **out = dest;
    *out = NULL;
    if (r == NULL)
        return GENRE_OK;
    void *sb = NULL, *body = NULL;
    size_t sn = 0, bn = 0;
    genre_dataset_prep *prep = NULL;
    genre_status st = get_record(r, TAG_SCHEMA, &sb, &sn);
    if (st == GENRE_OK) {
        st = genre_dataset_prep_load_from_memory(&prep, sb, sn);
        if (st == GENRE_OK && prep->n_steps != 0)
            st = GENRE_E_CORRUPT;
        if (st != GENRE_OK && st != GENRE_E_NOMEM)
            st = genre__fail(GENRE_E_CORRUPT, func,
                             "dataset prep partial state: its schema record is damaged");
    }
    if (st == GENRE_OK)
        st = get_record(r, TAG_STATE, &body, &bn);
    if (st == GENRE_OK) {
        rbuf rb = {body, bn, 0, 0};
        st = read_body(&rb, out, prep->schema);
        if (st == GENRE_E_CORRUPT)
            st = genre__fail(GENRE_E_CORRUPT, func,
                             "dataset prep partial state: inconsistent state near byte %zu of "
                             "its state record",
                             rb.at);
    }
    genre_dataset_prep_free(prep);
    genre__free(sb);
    genre__free(body);
    return st;
}

static const genre__mf_codec codec = {GENRE_MODEL_DATASET_PREP_PARTIAL, PAYLOAD_VERSION,
                                      "dataset prep partial state", write_state, read_state};

genre_status genre_dataset_prep_partial_save_to_memory(const genre_dataset_prep_partial *p,
                                                       void *buf, size_t cap, size_t *needed)
{
    GENRE_CHECK_NOT_NULL(p);
    return GENRE_PASS(genre__mf_save_memory(__func__, p, buf, cap, needed, &codec));
}

genre_status genre_dataset_prep_partial_load_from_memory(genre_dataset_prep_partial **out,
                                                         const void *buf, size_t len)
{
    return genre__mf_load_memory(__func__, out, buf, len, &codec);
}
