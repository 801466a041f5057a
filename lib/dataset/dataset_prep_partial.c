/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The preparation's statistics over a stream of chunks (genre/dataset_prep.h,
 * "Partial fits"): the categories of every encoded column, means, most
 * frequent values and exact medians (global and per group), in passes.
 *
 * Exact medians: a value's 64-bit order key (its IEEE bits with the sign
 * folded so unsigned order is numeric order) is refined 16 bits a pass. A
 * selection keeps the values of its bracket (keys sharing `bits` leading
 * bits with `prefix`) while they are at most SEL_BUF, else a histogram of
 * their next 16 bits; at the end of a pass a buffer answers exactly and a
 * histogram narrows the bracket to the bin holding the rank. At 64 bits a
 * bracket is one key, one value: at most 4 passes. */
#include "dataset_prep_partial.h"

#include "alloc.h"
#include "error_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t genre__prep_partial_buf_cap = SEL_BUF;

/* ---- Order keys and selections -------------------------------------------- */

static uint64_t key_of(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return (u >> 63) ? ~u : u | ((uint64_t)1 << 63);
}

static double value_of(uint64_t k)
{
    uint64_t u = (k >> 63) ? k & ~((uint64_t)1 << 63) : ~k;
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static void sel_clear(struct sel *s)
{
    genre__free(s->buf);
    genre__free(s->hist);
    s->buf = NULL;
    s->hist = NULL;
    s->cap = 0;
}

static int in_bracket(const struct sel *s, uint64_t k)
{
    return s->bits == 0 || (k >> (64 - s->bits)) == (s->prefix >> (64 - s->bits));
}

static void hist_put(struct sel *s, uint64_t k)
{
    s->hist[(k >> (48 - s->bits)) & (SEL_BINS - 1)]++;
}

/* The buffered values into a histogram: GENRE_E_NOMEM leaves s as it was. */
static genre_status sel_to_hist(struct sel *s, size_t n_buf)
{
    s->hist = genre__calloc_array(SEL_BINS, sizeof *s->hist);
    if (!s->hist)
        return GENRE_E_NOMEM;
    for (size_t i = 0; i < n_buf; i++)
        hist_put(s, key_of(s->buf[i]));
    genre__free(s->buf);
    s->buf = NULL;
    s->cap = 0;
    return GENRE_OK;
}

static genre_status sel_reserve(struct sel *s, size_t need)
{
    if (need <= s->cap)
        return GENRE_OK;
    size_t cap = s->cap ? s->cap : 16;
    while (cap < need)
        cap *= 2;
    if (genre__realloc_array(&s->buf, cap, sizeof *s->buf) != 0)
        return GENRE_E_NOMEM;
    s->cap = cap;
    return GENRE_OK;
}

static genre_status sel_add(struct sel *s, double x)
{
    uint64_t k = key_of(x);
    if (s->done || !in_bracket(s, k))
        return GENRE_OK;
    if (!s->hist && s->n < genre__prep_partial_buf_cap) {
        genre_status st = sel_reserve(s, (size_t)s->n + 1);
        if (st != GENRE_OK)
            return st;
        s->buf[s->n++] = x;
        return GENRE_OK;
    }
    if (!s->hist) {
        genre_status st = sel_to_hist(s, (size_t)s->n);
        if (st != GENRE_OK)
            return st;
    }
    hist_put(s, k);
    s->n++;
    return GENRE_OK;
}

/* End of a pass: exact from a buffer, else a narrower bracket.
 * GENRE_E_BAD_STATE when the pass saw fewer values than the rank needs
 * (another table than the first pass's). */
static genre_status sel_resolve(struct sel *s)
{
    if (s->done)
        return GENRE_OK;
    if (s->rank >= s->n)
        return GENRE_E_BAD_STATE;
    if (!s->hist) {
        qsort(s->buf, (size_t)s->n, sizeof *s->buf, genre__prep_cmp_double);
        s->value = s->buf[s->rank];
        s->done = 1;
    } else {
        uint64_t below = 0, b = 0;
        while (below + s->hist[b] <= s->rank)
            below += s->hist[b++];
        s->rank -= below;
        s->prefix |= b << (48 - s->bits);
        s->bits += 16;
        if (s->bits == 64) {
            s->value = value_of(s->prefix);
            s->done = 1;
        }
    }
    sel_clear(s);
    s->n = 0;
    return GENRE_OK;
}

static genre_status sel_copy(struct sel *dst, const struct sel *src)
{
    *dst = *src;
    dst->buf = NULL;
    dst->hist = NULL;
    dst->cap = 0;
    if (src->hist) {
        dst->hist = genre__alloc_array(SEL_BINS, sizeof *dst->hist);
        if (!dst->hist)
            return GENRE_E_NOMEM;
        memcpy(dst->hist, src->hist, SEL_BINS * sizeof *dst->hist);
    } else if (src->n) {
        if (sel_reserve(dst, (size_t)src->n) != GENRE_OK)
            return GENRE_E_NOMEM;
        memcpy(dst->buf, src->buf, (size_t)src->n * sizeof *dst->buf);
    }
    return GENRE_OK;
}

/* into += from (same bracket); GENRE_E_NOMEM may leave into converted to a
 * histogram but never with a wrong count. */
static genre_status sel_merge(struct sel *into, const struct sel *from)
{
    if (into->done || from->n == 0)
        return GENRE_OK;
    genre_status st = GENRE_OK;
    if (!into->hist && !from->hist && into->n + from->n <= genre__prep_partial_buf_cap) {
        st = sel_reserve(into, (size_t)(into->n + from->n));
        if (st == GENRE_OK) {
            memcpy(into->buf + into->n, from->buf, (size_t)from->n * sizeof *from->buf);
            into->n += from->n;
        }
        return st;
    }
    if (!into->hist && (st = sel_to_hist(into, (size_t)into->n)) != GENRE_OK)
        return st;
    if (from->hist)
        for (size_t b = 0; b < SEL_BINS; b++)
            into->hist[b] += from->hist[b];
    else
        for (size_t i = 0; i < from->n; i++)
            hist_put(into, key_of(from->buf[i]));
    into->n += from->n;
    return GENRE_OK;
}

static void med_clear(struct med *m)
{
    sel_clear(&m->t[0]);
    sel_clear(&m->t[1]);
}

static genre_status med_add(struct med *m, uint32_t pass, double x)
{
    if (pass == 1)
        m->n_obs++;
    genre_status st = sel_add(&m->t[0], x);
    if (st == GENRE_OK && pass > 1)
        st = sel_add(&m->t[1], x);
    return st;
}

static genre_status med_merge(struct med *into, const struct med *from, uint32_t pass)
{
    if (pass == 1)
        into->n_obs += from->n_obs;
    genre_status st = sel_merge(&into->t[0], &from->t[0]);
    if (st == GENRE_OK && pass > 1)
        st = sel_merge(&into->t[1], &from->t[1]);
    return st;
}

/* End of a pass; *open set when another pass is needed. */
static genre_status med_end_pass(struct med *m, uint32_t pass, int *open)
{
    if (pass == 1) {
        if (m->n_obs == 0) {
            m->t[0].done = m->t[1].done = 1;
            return GENRE_OK;
        }
        genre_status st = sel_copy(&m->t[1], &m->t[0]);
        if (st != GENRE_OK)
            return st;
        m->t[0].rank = (m->n_obs - 1) / 2;
        m->t[1].rank = m->n_obs / 2;
    }
    if (sel_resolve(&m->t[0]) != GENRE_OK || sel_resolve(&m->t[1]) != GENRE_OK)
        return GENRE_E_BAD_STATE;
    *open |= !m->t[0].done || !m->t[1].done;
    return GENRE_OK;
}

/* median_of()'s answer: the middle value, or the mean of the middle two. */
static double med_value(const struct med *m)
{
    return m->n_obs % 2 ? m->t[1].value : (m->t[0].value + m->t[1].value) / 2.0;
}

/* ---- Create / free ------------------------------------------------------------ */

static void free_step(struct pstep *s)
{
    genre__free(s->mf_v);
    genre__free(s->mf_c);
    med_clear(&s->global);
    for (size_t g = 0; s->gm && g < s->groups.n; g++)
        med_clear(&s->gm[g]);
    genre__free(s->gm);
    genre__dict_free(&s->groups);
}

void genre_dataset_prep_partial_free(genre_dataset_prep_partial *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_cats; i++) {
        genre__dict_free(&p->cats[i].names);
        genre__free(p->cats[i].count);
    }
    for (size_t i = 0; i < p->n_steps; i++)
        free_step(&p->steps[i]);
    genre__free(p->cats);
    genre__free(p->steps);
    genre_dataset_schema_free(p->schema);
    genre__free(p);
}

/* The bare state of a schema and its steps (kind, col), counts empty. */
genre_status genre__prep_partial_make(genre_dataset_prep_partial **out,
                                      const genre_dataset_schema *schema,
                                      const int32_t *kind_col, size_t n_steps)
{
    genre_dataset_prep_partial *p = GENRE_NEW(genre_dataset_prep_partial);
    if (!p)
        return GENRE_E_NOMEM;
    p->pass = 1;
    genre_status st = genre__schema_copy(&p->schema, schema);
    if (st == GENRE_OK) {
        p->cats = genre__calloc_array(schema->n_cols ? schema->n_cols : 1, sizeof *p->cats);
        p->steps = genre__calloc_array(n_steps ? n_steps : 1, sizeof *p->steps);
        if (!p->cats || !p->steps)
            st = GENRE_E_NOMEM;
    }
    if (st != GENRE_OK) {
        genre_dataset_prep_partial_free(p);
        return st;
    }
    for (size_t j = 0; j < schema->n_cols; j++)
        if (schema->cols[j].role == GENRE_COL_CATEGORICAL || schema->cols[j].role == GENRE_COL_LABEL)
            p->cats[p->n_cats++].col = (int32_t)j;
    for (size_t i = 0; i < n_steps; i++) {
        p->steps[i].kind = kind_col[2 * i];
        p->steps[i].col = kind_col[2 * i + 1];
    }
    p->n_steps = n_steps;
    *out = p;
    return GENRE_OK;
}

genre_status genre_dataset_prep_partial_create(genre_dataset_prep_partial **out,
                                               const genre_dataset_prep *prep)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(prep);
    if (prep->fitted)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the preparation is already fitted");
    for (size_t i = 0; i < prep->n_steps; i++) {
        const struct genre__prep_step *s = &prep->steps[i];
        const char *name = prep->schema->cols[s->col].name;
        if (s->kind == GENRE__STEP_MODEL)
            return GENRE_FAIL(GENRE_E_UNSUPPORTED,
                              "impute_model of '%s': a caller's model cannot be fitted over a "
                              "stream; fit the preparation with genre_dataset_prep_fit_apply()",
                              name);
        for (size_t k = 0; k < i; k++)
            if (prep->steps[k].col == s->col)
                return GENRE_FAIL(GENRE_E_UNSUPPORTED,
                                  "%s of '%s' follows %s of the same column: over a stream each "
                                  "column takes one step",
                                  genre__prep_step_name(s->kind), name,
                                  genre__prep_step_name(prep->steps[k].kind));
    }
    int32_t *kc = genre__alloc_array(prep->n_steps ? 2 * prep->n_steps : 1, sizeof *kc);
    if (!kc)
        return GENRE_PASS(GENRE_E_NOMEM);
    for (size_t i = 0; i < prep->n_steps; i++) {
        kc[2 * i] = prep->steps[i].kind;
        kc[2 * i + 1] = prep->steps[i].col;
    }
    genre_status st = genre__prep_partial_make(out, prep->schema, kc, prep->n_steps);
    genre__free(kc);
    return GENRE_PASS(st);
}

/* ---- Adding a chunk ------------------------------------------------------------ */

static genre_status check_chunk(const genre_dataset_prep_partial *p, const genre_dataset *ds)
{
    const genre_dataset_schema *a = p->schema, *b = ds->schema;
    if (ds->encoded)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "a preparation was already applied to this table");
    if (a->n_cols != b->n_cols)
        return GENRE_FAIL(GENRE_E_SHAPE, "table has %zu schema columns, preparation %zu",
                          b->n_cols, a->n_cols);
    for (size_t j = 0; j < a->n_cols; j++)
        if (strcmp(a->cols[j].name, b->cols[j].name) != 0 || a->cols[j].role != b->cols[j].role)
            return GENRE_FAIL(GENRE_E_SHAPE,
                              "schema column %zu is '%s' in the table, '%s' in the preparation",
                              j, b->cols[j].name, a->cols[j].name);
    for (size_t r = 0; r < ds->n_rows; r++)
        if (ds->blank[r])
            return GENRE_FAIL(GENRE_E_BAD_STATE,
                              GENRE__AT_FMT " is an empty record: call "
                              "genre_dataset_drop_empty_rows() first",
                              GENRE__AT(ds, r));
    return GENRE_OK;
}

/* Grows cat->count to the names held (new names count 0). */
static genre_status cat_fit_counts(struct cat *c, size_t had)
{
    if (c->names.n == had && c->count)
        return GENRE_OK;
    if (genre__realloc_array(&c->count, c->names.n ? c->names.n : 1, sizeof *c->count) != 0)
        return GENRE_E_NOMEM;
    for (size_t i = had; i < c->names.n; i++)
        c->count[i] = 0;
    return GENRE_OK;
}

static genre_status add_cat(const genre_dataset_prep_partial *p, struct cat *c,
                            const genre_dataset *ds)
{
    const struct genre__schema_col *sc = &p->schema->cols[c->col];
    const struct genre__col *col = &ds->cols[c->col];
    int32_t *map = genre__alloc_array(col->dict.n ? col->dict.n : 1, sizeof *map);
    if (!map)
        return GENRE_E_NOMEM;
    genre_status st = GENRE_OK;
    size_t had = c->names.n;
    if (sc->order && had == 0)
        for (size_t i = 0; i < sc->n_order && st == GENRE_OK; i++)
            if (genre__dict_intern(&c->names, sc->order[i], strlen(sc->order[i])) < 0)
                st = GENRE_E_NOMEM;
    for (size_t i = 0; i < col->dict.n && st == GENRE_OK; i++) {
        const char *s = GENRE__DICT_STR(&col->dict, i);
        map[i] = sc->order ? genre__dict_find(&c->names, s, col->dict.len[i])
                           : genre__dict_intern(&c->names, s, col->dict.len[i]);
        if (!sc->order && map[i] < 0)
            st = GENRE_E_NOMEM;
    }
    if (st == GENRE_OK)
        st = cat_fit_counts(c, had);
    /* An unseen category of a declared order fails as fit_apply's encoding does. */
    for (size_t r = 0; r < ds->n_rows && st == GENRE_OK; r++) {
        int32_t id = col->id[r];
        if (id < 0)
            continue;
        if (map[id] >= 0)
            c->count[map[id]]++;
        else if (p->schema->unseen_policy != GENRE_UNSEEN_RESERVED_CODE)
            st = GENRE_FAIL(GENRE_E_UNSEEN_CATEGORY,
                            GENRE__AT_FMT ": column '%s': category '%s' was not seen when fitting",
                            GENRE__AT(ds, r), sc->name, GENRE__DICT_STR(&col->dict, id));
    }
    genre__free(map);
    return st;
}

/* Merges the sorted distinct (value, count) of the chunk's observed values
 * into the step's. */
static genre_status add_most_frequent(struct pstep *s, const double *x, size_t n_rows)
{
    size_t n = 0;
    for (size_t r = 0; r < n_rows; r++)
        n += !isnan(x[r]);
    if (n == 0)
        return GENRE_OK;
    double *v = genre__alloc_array(n, sizeof *v);
    double *mv = genre__alloc_array(n + s->mf_n, sizeof *mv);
    uint64_t *mc = genre__alloc_array(n + s->mf_n, sizeof *mc);
    if (!v || !mv || !mc) {
        genre__free(v);
        genre__free(mv);
        genre__free(mc);
        return GENRE_E_NOMEM;
    }
    n = 0;
    for (size_t r = 0; r < n_rows; r++)
        if (!isnan(x[r]))
            v[n++] = x[r];
    qsort(v, n, sizeof *v, genre__prep_cmp_double);
    size_t i = 0, j = 0, m = 0;
    while (i < s->mf_n || j < n) {
        double val;
        uint64_t c = 0;
        if (j >= n || (i < s->mf_n && s->mf_v[i] <= v[j])) {
            val = s->mf_v[i];
            c = s->mf_c[i++];
        } else {
            val = v[j];
        }
        while (j < n && v[j] == val) {
            c++;
            j++;
        }
        mv[m] = val;
        mc[m++] = c;
    }
    genre__free(v);
    genre__free(s->mf_v);
    genre__free(s->mf_c);
    s->mf_v = mv;
    s->mf_c = mc;
    s->mf_n = m;
    return GENRE_OK;
}

/* Room for one more group's median, made before the group is interned (so
 * a failure leaves the dictionary as it was). Doubling: a table of many
 * groups grew the array by one per new group, O(groups^2) copying wherever
 * realloc cannot grow in place. The new entries are zero (empty medians). */
static genre_status gm_reserve(struct pstep *s)
{
    if (s->groups.n < s->gm_cap)
        return GENRE_OK;
    size_t cap = s->gm_cap ? s->gm_cap * 2 : 16;
    if (genre__realloc_array(&s->gm, cap, sizeof *s->gm) != 0)
        return GENRE_E_NOMEM;
    memset(&s->gm[s->gm_cap], 0, (cap - s->gm_cap) * sizeof *s->gm);
    s->gm_cap = cap;
    return GENRE_OK;
}

/* The group median's group ids of the chunk's rows, interning new groups in
 * row order (fit_apply's order: first appearance in the table). */
static genre_status add_group_median(const genre_dataset_prep_partial *p, struct pstep *s,
                                     const genre_dataset *ds, const double *x)
{
    const struct genre__col *gc = &ds->cols[p->schema->group_col];
    int32_t *map = genre__alloc_array(gc->dict.n ? gc->dict.n : 1, sizeof *map);
    if (!map)
        return GENRE_E_NOMEM;
    for (size_t i = 0; i < gc->dict.n; i++)
        map[i] = -2;
    genre_status st = GENRE_OK;
    for (size_t r = 0; r < ds->n_rows && st == GENRE_OK; r++) {
        if (!genre__has_group(ds, r))
            continue;
        int32_t id = gc->id[r];
        if (map[id] == -2) {
            if (p->pass > 1) {
                map[id] = genre__dict_find(&s->groups, GENRE__DICT_STR(&gc->dict, id),
                                           gc->dict.len[id]);
            } else {
                if (gm_reserve(s) != GENRE_OK) {
                    st = GENRE_E_NOMEM;
                    break;
                }
                map[id] = genre__dict_intern(&s->groups, GENRE__DICT_STR(&gc->dict, id),
                                             gc->dict.len[id]);
                if (map[id] < 0) {
                    st = GENRE_E_NOMEM;
                    break;
                }
            }
        }
        if (map[id] >= 0 && !isnan(x[r]))
            st = med_add(&s->gm[map[id]], p->pass, x[r]);
    }
    genre__free(map);
    return st;
}

static genre_status add_step(const genre_dataset_prep_partial *p, struct pstep *s,
                             const genre_dataset *ds)
{
    const double *x = ds->cols[s->col].num;
    genre_status st = GENRE_OK;
    if (p->pass == 1 && s->kind == GENRE__STEP_MEAN) {
        for (size_t r = 0; r < ds->n_rows; r++)
            if (!isnan(x[r])) {
                s->sum += x[r];
                s->n++;
            }
    } else if (p->pass == 1 && s->kind == GENRE__STEP_MOST_FREQUENT) {
        if (x)
            st = add_most_frequent(s, x, ds->n_rows);
    } else if (s->kind == GENRE__STEP_MEDIAN || s->kind == GENRE__STEP_GROUP_MEDIAN) {
        for (size_t r = 0; r < ds->n_rows && st == GENRE_OK; r++)
            if (!isnan(x[r]))
                st = med_add(&s->global, p->pass, x[r]);
        if (st == GENRE_OK && s->kind == GENRE__STEP_GROUP_MEDIAN)
            st = add_group_median(p, s, ds, x);
    }
    return st;
}

genre_status genre_dataset_prep_partial_add(genre_dataset_prep_partial *p,
                                            const genre_dataset *chunk)
{
    GENRE_CHECK_NOT_NULL(p);
    GENRE_CHECK_NOT_NULL(chunk);
    if (p->pass == 0)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "every pass is done: call "
                                             "genre_dataset_prep_fit_partial()");
    genre_status st = check_chunk(p, chunk);
    /* A failure part-way leaves counts of part of the chunk: the state is
     * then unusable, as a failed fit is (documented). */
    for (size_t i = 0; i < p->n_cats && st == GENRE_OK && p->pass == 1; i++)
        st = add_cat(p, &p->cats[i], chunk);
    for (size_t i = 0; i < p->n_steps && st == GENRE_OK; i++)
        st = add_step(p, &p->steps[i], chunk);
    return GENRE_PASS(st);
}

/* ---- Passes, merge ------------------------------------------------------------- */

genre_status genre_dataset_prep_partial_end_pass(genre_dataset_prep_partial *p, int *more)
{
    GENRE_CHECK_NOT_NULL(p);
    GENRE_CHECK_NOT_NULL(more);
    *more = 0;
    if (p->pass == 0)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "every pass is already done");
    int open = 0;
    genre_status st = GENRE_OK;
    for (size_t i = 0; i < p->n_steps && st == GENRE_OK; i++) {
        struct pstep *s = &p->steps[i];
        uint64_t n_obs = s->kind == GENRE__STEP_MEAN ? s->n
                         : s->kind == GENRE__STEP_MOST_FREQUENT ? 0
                                                                : s->global.n_obs;
        if (s->kind == GENRE__STEP_MOST_FREQUENT) {
            if (s->mf_n)
                n_obs = 1;
            for (size_t c = 0; !n_obs && c < p->n_cats; c++)
                for (size_t k = 0; p->cats[c].col == s->col && k < p->cats[c].names.n; k++)
                    n_obs += p->cats[c].count[k];
        }
        if (p->pass == 1 && n_obs == 0) {
            return GENRE_FAIL(GENRE_E_BAD_STATE, "%s of '%s': the fit rows have no observed value",
                              genre__prep_step_name(s->kind), p->schema->cols[s->col].name);
        }
        if (s->kind != GENRE__STEP_MEDIAN && s->kind != GENRE__STEP_GROUP_MEDIAN)
            continue;
        st = med_end_pass(&s->global, p->pass, &open);
        for (size_t g = 0; st == GENRE_OK && s->kind == GENRE__STEP_GROUP_MEDIAN &&
                           g < s->groups.n; g++)
            st = med_end_pass(&s->gm[g], p->pass, &open);
    }
    if (st == GENRE_E_BAD_STATE)
        st = GENRE_FAIL(st, "pass %u saw fewer values than pass 1 in a median's bracket: "
                            "every pass must read the same rows",
                        (unsigned)p->pass);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    p->pass = open ? p->pass + 1 : 0;
    *more = open;
    return GENRE_OK;
}

static int same_sel(const struct sel *a, const struct sel *b)
{
    return a->prefix == b->prefix && a->bits == b->bits && a->rank == b->rank &&
           a->done == b->done && (!a->done || memcmp(&a->value, &b->value, sizeof a->value) == 0);
}

static int same_med(const struct med *a, const struct med *b)
{
    return a->n_obs == b->n_obs && same_sel(&a->t[0], &b->t[0]) && same_sel(&a->t[1], &b->t[1]);
}

/* Two states of a later pass must come from one state's end of pass: the
 * statistics of the passes before agree. */
static int same_frozen(const genre_dataset_prep_partial *a, const genre_dataset_prep_partial *b)
{
    for (size_t i = 0; i < a->n_cats; i++) {
        const struct cat *x = &a->cats[i], *y = &b->cats[i];
        if (x->names.n != y->names.n || x->names.arena_len != y->names.arena_len ||
            (x->names.n && (memcmp(x->names.arena, y->names.arena, x->names.arena_len) != 0 ||
                            memcmp(x->count, y->count, x->names.n * sizeof *x->count) != 0)))
            return 0;
    }
    for (size_t i = 0; i < a->n_steps; i++) {
        const struct pstep *x = &a->steps[i], *y = &b->steps[i];
        if (x->n != y->n || x->sum != y->sum || x->mf_n != y->mf_n ||
            !same_med(&x->global, &y->global) || x->groups.n != y->groups.n)
            return 0;
        if (x->mf_n && (memcmp(x->mf_v, y->mf_v, x->mf_n * sizeof *x->mf_v) != 0 ||
                        memcmp(x->mf_c, y->mf_c, x->mf_n * sizeof *x->mf_c) != 0))
            return 0;
        for (size_t g = 0; g < x->groups.n; g++)
            if (!same_med(&x->gm[g], &y->gm[g]))
                return 0;
    }
    return 1;
}

static genre_status merge_cat(struct cat *into, const struct cat *from)
{
    size_t had = into->names.n;
    int32_t *map = genre__alloc_array(from->names.n ? from->names.n : 1, sizeof *map);
    if (!map)
        return GENRE_E_NOMEM;
    genre_status st = GENRE_OK;
    for (size_t i = 0; i < from->names.n && st == GENRE_OK; i++)
        if ((map[i] = genre__dict_intern(&into->names, GENRE__DICT_STR(&from->names, i),
                                         from->names.len[i])) < 0)
            st = GENRE_E_NOMEM;
    if (st == GENRE_OK)
        st = cat_fit_counts(into, had);
    for (size_t i = 0; i < from->names.n && st == GENRE_OK; i++)
        into->count[map[i]] += from->count[i];
    genre__free(map);
    return st;
}

static genre_status merge_most_frequent(struct pstep *into, const struct pstep *from)
{
    size_t cap = into->mf_n + from->mf_n;
    if (cap == 0)
        return GENRE_OK;
    double *mv = genre__alloc_array(cap, sizeof *mv);
    uint64_t *mc = genre__alloc_array(cap, sizeof *mc);
    if (!mv || !mc) {
        genre__free(mv);
        genre__free(mc);
        return GENRE_E_NOMEM;
    }
    size_t i = 0, j = 0, m = 0;
    while (i < into->mf_n || j < from->mf_n) {
        if (j >= from->mf_n || (i < into->mf_n && into->mf_v[i] < from->mf_v[j])) {
            mv[m] = into->mf_v[i];
            mc[m++] = into->mf_c[i++];
        } else if (i >= into->mf_n || from->mf_v[j] < into->mf_v[i]) {
            mv[m] = from->mf_v[j];
            mc[m++] = from->mf_c[j++];
        } else {
            mv[m] = into->mf_v[i];
            mc[m++] = into->mf_c[i++] + from->mf_c[j++];
        }
    }
    genre__free(into->mf_v);
    genre__free(into->mf_c);
    into->mf_v = mv;
    into->mf_c = mc;
    into->mf_n = m;
    return GENRE_OK;
}

static genre_status merge_groups(struct pstep *into, const struct pstep *from, uint32_t pass)
{
    genre_status st = GENRE_OK;
    for (size_t g = 0; g < from->groups.n && st == GENRE_OK; g++) {
        if (gm_reserve(into) != GENRE_OK)
            return GENRE_E_NOMEM;
        int32_t id = genre__dict_intern(&into->groups, GENRE__DICT_STR(&from->groups, g),
                                        from->groups.len[g]);
        if (id < 0)
            return GENRE_E_NOMEM;
        st = med_merge(&into->gm[id], &from->gm[g], pass);
    }
    return st;
}

genre_status genre_dataset_prep_partial_merge(genre_dataset_prep_partial *into,
                                              const genre_dataset_prep_partial *from)
{
    GENRE_CHECK_NOT_NULL(into);
    GENRE_CHECK_NOT_NULL(from);
    if (into == from)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "a state cannot be merged into itself");
    const genre_dataset_schema *a = into->schema, *b = from->schema;
    int same = a->n_cols == b->n_cols && into->n_steps == from->n_steps &&
               a->group_col == b->group_col;
    for (size_t j = 0; same && j < a->n_cols; j++)
        same = strcmp(a->cols[j].name, b->cols[j].name) == 0 && a->cols[j].role == b->cols[j].role;
    for (size_t i = 0; same && i < into->n_steps; i++)
        same = into->steps[i].kind == from->steps[i].kind &&
               into->steps[i].col == from->steps[i].col;
    if (!same)
        return GENRE_FAIL(GENRE_E_SHAPE, "the states come from different preparations (into: %zu "
                                         "columns, %zu steps; from: %zu columns, %zu steps)",
                          a->n_cols, into->n_steps, b->n_cols, from->n_steps);
    if (into->pass != from->pass)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the states are in different passes (into: %u, "
                                             "from: %u; 0 = done)",
                          (unsigned)into->pass, (unsigned)from->pass);
    if (into->pass == 0)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "every pass is done: there is nothing to merge");
    if (into->pass > 1 && !same_frozen(into, from))
        return GENRE_FAIL(GENRE_E_BAD_STATE,
                          "pass %u: the states disagree on the passes before; merge states "
                          "loaded from one genre_dataset_prep_partial_end_pass()",
                          (unsigned)into->pass);
    genre_status st = GENRE_OK;
    for (size_t i = 0; i < into->n_cats && st == GENRE_OK && into->pass == 1; i++)
        st = merge_cat(&into->cats[i], &from->cats[i]);
    for (size_t i = 0; i < into->n_steps && st == GENRE_OK; i++) {
        struct pstep *x = &into->steps[i];
        const struct pstep *y = &from->steps[i];
        if (into->pass == 1) {
            x->sum += y->sum;
            x->n += y->n;
            st = merge_most_frequent(x, y);
        }
        if (st == GENRE_OK)
            st = med_merge(&x->global, &y->global, into->pass);
        if (st == GENRE_OK && x->kind == GENRE__STEP_GROUP_MEDIAN)
            st = into->pass == 1 ? merge_groups(x, y, 1) : GENRE_OK;
        for (size_t g = 0; st == GENRE_OK && into->pass > 1 && x->kind == GENRE__STEP_GROUP_MEDIAN &&
                           g < x->groups.n; g++)
            st = med_merge(&x->gm[g], &y->gm[g], into->pass);
    }
    return GENRE_PASS(st);
}

/* ---- The fitted preparation ---------------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* fit_encoding()'s names: the declared order, or the names seen in byte
 * order; *order receives, per state name id, its code. */
static genre_status fit_names(const struct cat *c, const struct genre__schema_col *sc,
                              genre__dict *names, int32_t *code)
{
    if (sc->order) {
        for (size_t i = 0; i < sc->n_order; i++)
            if (genre__dict_intern(names, sc->order[i], strlen(sc->order[i])) < 0)
                return GENRE_E_NOMEM;
    } else {
        const char **v = genre__alloc_array(c->names.n ? c->names.n : 1, sizeof *v);
        if (!v)
            return GENRE_E_NOMEM;
        for (size_t i = 0; i < c->names.n; i++)
            v[i] = GENRE__DICT_STR(&c->names, i);
        qsort(v, c->names.n, sizeof *v, cmp_name);
        for (size_t i = 0; i < c->names.n; i++)
            if (genre__dict_intern(names, v[i], strlen(v[i])) < 0) {
                genre__free((void *)v);
                return GENRE_E_NOMEM;
            }
        genre__free((void *)v);
    }
    for (size_t i = 0; i < c->names.n; i++)
        code[i] = genre__dict_find(names, GENRE__DICT_STR(&c->names, i), c->names.len[i]);
    return GENRE_OK;
}

static genre_status fit_step(const genre_dataset_prep_partial *p, const struct pstep *s,
                             struct genre__prep_step *t, const int32_t *const *codes)
{
    if (s->kind == GENRE__STEP_MEAN) {
        t->value = (double)(s->sum / (long double)s->n);
    } else if (s->kind == GENRE__STEP_MOST_FREQUENT && s->mf_n) {
        size_t best = 0; /* ties: the smallest value */
        for (size_t i = 1; i < s->mf_n; i++)
            if (s->mf_c[i] > s->mf_c[best])
                best = i;
        t->value = s->mf_v[best];
    } else if (s->kind == GENRE__STEP_MOST_FREQUENT) {
        size_t ci = 0;
        while (p->cats[ci].col != s->col)
            ci++;
        const struct cat *c = &p->cats[ci];
        int32_t best = -1; /* by code; ties: the smallest code */
        uint64_t best_n = 0;
        for (size_t i = 0; i < c->names.n; i++) {
            int32_t code = codes[ci][i];
            if (code >= 0 && c->count[i] > 0 &&
                (best < 0 || c->count[i] > best_n || (c->count[i] == best_n && code < best))) {
                best = code;
                best_n = c->count[i];
            }
        }
        t->value = best < 0 ? 0.0 : (double)best;
    } else {
        t->value = med_value(&s->global);
        if (s->kind == GENRE__STEP_GROUP_MEDIAN) {
            t->group_median = genre__alloc_array(s->groups.n ? s->groups.n : 1, sizeof(double));
            if (!t->group_median)
                return GENRE_E_NOMEM;
            for (size_t g = 0; g < s->groups.n; g++) {
                if (s->gm[g].n_obs == 0)
                    continue;
                int32_t id = genre__dict_intern(&t->groups, GENRE__DICT_STR(&s->groups, g),
                                                s->groups.len[g]);
                if (id < 0)
                    return GENRE_E_NOMEM;
                t->group_median[id] = med_value(&s->gm[g]);
            }
        }
    }
    return GENRE_OK;
}

genre_status genre_dataset_prep_fit_partial(genre_dataset_prep *prep,
                                            const genre_dataset_prep_partial *p)
{
    GENRE_CHECK_NOT_NULL(prep);
    GENRE_CHECK_NOT_NULL(p);
    if (prep->fitted)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the preparation is already fitted");
    if (p->pass != 0)
        return GENRE_FAIL(GENRE_E_BAD_STATE,
                          "pass %u is not finished: call genre_dataset_prep_partial_end_pass() "
                          "until it answers no more passes",
                          (unsigned)p->pass);
    int same = prep->schema->n_cols == p->schema->n_cols && prep->n_steps == p->n_steps;
    for (size_t j = 0; same && j < p->schema->n_cols; j++)
        same = strcmp(prep->schema->cols[j].name, p->schema->cols[j].name) == 0 &&
               prep->schema->cols[j].role == p->schema->cols[j].role;
    for (size_t i = 0; same && i < p->n_steps; i++)
        same = prep->steps[i].kind == p->steps[i].kind && prep->steps[i].col == p->steps[i].col;
    if (!same)
        return GENRE_FAIL(GENRE_E_SHAPE,
                          "the state was made for another preparation (%zu columns, %zu steps; "
                          "this one has %zu columns, %zu steps)",
                          p->schema->n_cols, p->n_steps, prep->schema->n_cols, prep->n_steps);
    int32_t **codes = genre__calloc_array(p->n_cats ? p->n_cats : 1, sizeof *codes);
    genre_status st = codes ? GENRE_OK : GENRE_E_NOMEM;
    for (size_t i = 0; i < p->n_cats && st == GENRE_OK; i++) {
        const struct cat *c = &p->cats[i];
        codes[i] = genre__alloc_array(c->names.n ? c->names.n : 1, sizeof **codes);
        if (!codes[i])
            st = GENRE_E_NOMEM;
        else
            st = fit_names(c, &p->schema->cols[c->col], &prep->enc[i].names, codes[i]);
    }
    for (size_t i = 0; i < p->n_steps && st == GENRE_OK; i++)
        st = fit_step(p, &p->steps[i], &prep->steps[i], (const int32_t *const *)codes);
    for (size_t i = 0; codes && i < p->n_cats; i++)
        genre__free(codes[i]);
    genre__free(codes);
    if (st != GENRE_OK) {
        for (size_t i = 0; i < prep->n_enc; i++)
            genre__dict_free(&prep->enc[i].names);
        for (size_t i = 0; i < prep->n_steps; i++) {
            genre__dict_free(&prep->steps[i].groups);
            genre__free(prep->steps[i].group_median);
            prep->steps[i].group_median = NULL;
        }
        return GENRE_PASS(st);
    }
    prep->fitted = 1;
    return GENRE_OK;
}
