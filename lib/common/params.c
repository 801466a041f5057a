/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Parameter tables and handle hooks (params.h). */

#include "params.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const genre__param *genre__params_find(const genre__param_table *t, int32_t key)
{
    for (size_t i = 0; i < t->n_params; i++)
        if (t->params[i].key == key)
            return &t->params[i];
    return NULL;
}

static void *slot_at(const genre__param *p, void *store) { return (char *)store + p->offset; }

int64_t genre__params_load_i64(const genre__param *p, const void *store)
{
    const void *s = (const char *)store + p->offset;
    switch (p->slot) {
    case GENRE__SLOT_I64: return *(const int64_t *)s;
    case GENRE__SLOT_I32: return *(const int32_t *)s;
    case GENRE__SLOT_INT: return *(const int *)s;
    case GENRE__SLOT_SIZE: return (int64_t) * (const size_t *)s;
    case GENRE__SLOT_U32: return *(const uint32_t *)s;
    case GENRE__SLOT_U64: {
        uint64_t u = *(const uint64_t *)s;
        int64_t v;
        memcpy(&v, &u, sizeof v); /* the bits the caller set */
        return v;
    }
    default: return 0;
    }
}

double genre__params_load_f64(const genre__param *p, const void *store)
{
    return p->slot == GENRE__SLOT_F64 ? *(const double *)((const char *)store + p->offset)
                                      : 0.0;
}

void genre__params_store_i64(const genre__param *p, void *store, int64_t value)
{
    void *s = slot_at(p, store);
    switch (p->slot) {
    case GENRE__SLOT_I64: *(int64_t *)s = value; break;
    case GENRE__SLOT_I32: *(int32_t *)s = (int32_t)value; break;
    case GENRE__SLOT_INT: *(int *)s = (int)value; break;
    case GENRE__SLOT_SIZE: *(size_t *)s = (size_t)value; break;
    case GENRE__SLOT_U32: *(uint32_t *)s = (uint32_t)value; break;
    case GENRE__SLOT_U64: {
        uint64_t u;
        memcpy(&u, &value, sizeof u);
        *(uint64_t *)s = u;
        break;
    }
    default: break;
    }
}

void genre__params_store_f64(const genre__param *p, void *store, double value)
{
    if (p->slot == GENRE__SLOT_F64)
        *(double *)slot_at(p, store) = value;
}

void genre__params_reset(const genre__param_table *t, void *store)
{
    for (size_t i = 0; i < t->n_params; i++) {
        const genre__param *p = &t->params[i];
        if (p->slot == GENRE__SLOT_NONE)
            continue;
        if (p->type == GENRE__P_F64)
            genre__params_store_f64(p, store, p->def_f);
        else
            genre__params_store_i64(p, store, p->def_i);
    }
}

/* An enumeration's range is its smallest and largest value. */
static void i64_range(const genre__param *p, int64_t *lo, int64_t *hi)
{
    if (p->n_values == 0) {
        *lo = p->lo_i;
        *hi = p->hi_i;
        return;
    }
    *lo = *hi = p->values[0];
    for (size_t i = 1; i < p->n_values; i++) {
        if (p->values[i] < *lo)
            *lo = p->values[i];
        if (p->values[i] > *hi)
            *hi = p->values[i];
    }
}

genre_status genre__params_check_i64(const genre__param *p, const char *func, int64_t value)
{
    if (p->n_values > 0) {
        for (size_t i = 0; i < p->n_values; i++)
            if (p->values[i] == value)
                return GENRE_OK;
        char list[160];
        size_t len = 0;
        list[0] = '\0';
        for (size_t i = 0; i < p->n_values && len < sizeof list; i++) {
            int w = snprintf(list + len, sizeof list - len, "%s%lld", i ? ", " : "",
                             (long long)p->values[i]);
            if (w < 0)
                break;
            len += (size_t)w;
        }
        return genre__fail(GENRE_E_INVALID_ARG, func, "%s = %lld; accepted values: %s",
                           p->name, (long long)value, list);
    }
    if (value < p->lo_i || value > p->hi_i)
        return genre__fail(GENRE_E_INVALID_ARG, func, "%s = %lld is outside [%lld, %lld]",
                           p->name, (long long)value, (long long)p->lo_i, (long long)p->hi_i);
    return GENRE_OK;
}

genre_status genre__params_check_f64(const genre__param *p, const char *func, double value)
{
    int ok = !isnan(value) && (!p->finite || isfinite(value)) &&
             (p->lo_open ? value > p->lo_f : value >= p->lo_f) &&
             (p->hi_open ? value < p->hi_f : value <= p->hi_f);
    if (!ok)
        return genre__fail(GENRE_E_INVALID_ARG, func, "%s = %g is outside %c%g, %g%c%s",
                           p->name, value, p->lo_open ? '(' : '[', p->lo_f, p->hi_f,
                           p->hi_open ? ')' : ']', p->finite ? " (finite)" : "");
    return GENRE_OK;
}

/* func with its type suffix swapped ("genre_mlp_set_i64" -> "genre_mlp_set_f64")
 * or its set_ made get_, into buf; "" when func has no such shape. */
static const char *sibling(const char *func, const char *from, const char *to, char *buf,
                           size_t n)
{
    const char *at = strstr(func, from);
    size_t len = strlen(func), flen = strlen(from);
    if (!at || len >= n || strlen(to) != flen)
        return "";
    memcpy(buf, func, len + 1);
    memcpy(buf + (at - func), to, flen);
    return buf;
}

/* The entry for a key of the wanted type, or NULL with the failure
 * recorded: unknown, the other type, or (for setters) read-only. */
static const genre__param *entry_for(const genre__param_table *t, const char *func,
                                     int32_t key, genre__ptype want, int setting)
{
    const genre__param *p = genre__params_find(t, key);
    const char *tn = want == GENRE__P_F64 ? "f64" : "i64";
    const char *other = want == GENRE__P_F64 ? "i64" : "f64";
    char buf[96];
    if (!p) {
        genre__fail(GENRE_E_UNKNOWN_PARAM, func, "no %s parameter has key %d", t->kind,
                    (int)key);
        return NULL;
    }
    if (p->type != want) {
        const char *use = sibling(func, tn, other, buf, sizeof buf);
        genre__fail(GENRE_E_UNKNOWN_PARAM, func, "%s is not an %s key (it is %s%s%s)", p->name,
                    tn, other, use[0] ? ": use " : "", use);
        return NULL;
    }
    if (setting && p->slot == GENRE__SLOT_NONE) {
        const char *use = sibling(func, "_set_", "_get_", buf, sizeof buf);
        genre__fail(GENRE_E_UNKNOWN_PARAM, func, "%s is read-only%s%s%s", p->name,
                    use[0] ? " (" : "", use, use[0] ? " reads it)" : "");
        return NULL;
    }
    return p;
}

genre_status genre__params_set_i64(const genre__param_table *t, void *store, const char *func,
                                   int32_t key, int64_t value)
{
    const genre__param *p = entry_for(t, func, key, GENRE__P_I64, 1);
    if (!p)
        return genre_last_status();
    genre_status st = genre__params_check_i64(p, func, value);
    if (st == GENRE_OK)
        genre__params_store_i64(p, store, value);
    return st;
}

genre_status genre__params_set_f64(const genre__param_table *t, void *store, const char *func,
                                   int32_t key, double value)
{
    const genre__param *p = entry_for(t, func, key, GENRE__P_F64, 1);
    if (!p)
        return genre_last_status();
    genre_status st = genre__params_check_f64(p, func, value);
    if (st == GENRE_OK)
        genre__params_store_f64(p, store, value);
    return st;
}

genre_status genre__params_get_i64(const genre__param_table *t, const void *store,
                                   const void *handle, const char *func, int32_t key,
                                   int64_t *out)
{
    const genre__param *p = entry_for(t, func, key, GENRE__P_I64, 0);
    if (!p)
        return genre_last_status();
    if (p->slot == GENRE__SLOT_NONE)
        return t->read_only ? t->read_only(handle, func, key, out, NULL)
                            : genre__fail(GENRE_E_INTERNAL, func, "%s has no reader", p->name);
    *out = genre__params_load_i64(p, store);
    return GENRE_OK;
}

genre_status genre__params_get_f64(const genre__param_table *t, const void *store,
                                   const void *handle, const char *func, int32_t key,
                                   double *out)
{
    const genre__param *p = entry_for(t, func, key, GENRE__P_F64, 0);
    if (!p)
        return genre_last_status();
    if (p->slot == GENRE__SLOT_NONE)
        return t->read_only ? t->read_only(handle, func, key, NULL, out)
                            : genre__fail(GENRE_E_INTERNAL, func, "%s has no reader", p->name);
    *out = genre__params_load_f64(p, store);
    return GENRE_OK;
}

/* A settable key of either type, or NULL with the failure recorded. */
static const genre__param *settable(const genre__param_table *t, const char *func, int32_t key)
{
    const genre__param *p = genre__params_find(t, key);
    if (!p) {
        genre__fail(GENRE_E_UNKNOWN_PARAM, func, "no %s parameter has key %d", t->kind,
                    (int)key);
        return NULL;
    }
    if (p->slot == GENRE__SLOT_NONE) {
        genre__fail(GENRE_E_UNKNOWN_PARAM, func, "%s is read-only: it has no bounds", p->name);
        return NULL;
    }
    return p;
}

genre_status genre__params_bounds(const genre__param_table *t, const char *func, int32_t key,
                                  double *lo, double *hi)
{
    const genre__param *p = settable(t, func, key);
    if (!p)
        return genre_last_status();
    if (p->type == GENRE__P_F64) {
        *lo = p->lo_open ? nextafter(p->lo_f, HUGE_VAL) : p->lo_f;
        *hi = p->hi_open ? nextafter(p->hi_f, -HUGE_VAL) : p->hi_f;
    } else {
        int64_t l, h;
        i64_range(p, &l, &h);
        *lo = (double)l;
        *hi = (double)h;
    }
    return GENRE_OK;
}

genre_status genre__params_values(const genre__param_table *t, const char *func, int32_t key,
                                  int64_t *out, size_t cap, size_t *n_values)
{
    const genre__param *p = settable(t, func, key);
    if (!p)
        return genre_last_status();
    size_t n = p->n_values;
    *n_values = n;
    if (n == 0)
        return GENRE_OK;
    if (out == NULL || cap < n)
        return genre__fail(GENRE_E_BUFFER_TOO_SMALL, func,
                           "%s has %zu accepted values; the buffer holds %zu", p->name, n,
                           out == NULL ? (size_t)0 : cap);
    /* Ascending, whatever order the table lists them in (insertion sort:
     * enumerations are short). */
    for (size_t i = 0; i < n; i++) {
        int64_t v = p->values[i];
        size_t j = i;
        for (; j > 0 && out[j - 1] > v; j--)
            out[j] = out[j - 1];
        out[j] = v;
    }
    return GENRE_OK;
}

static int slot_holds(genre__slot slot, int64_t lo, int64_t hi)
{
    switch (slot) {
    case GENRE__SLOT_I64: case GENRE__SLOT_U64: return 1;
    case GENRE__SLOT_I32: return lo >= INT32_MIN && hi <= INT32_MAX;
    case GENRE__SLOT_INT: return lo >= INT_MIN && hi <= INT_MAX;
    case GENRE__SLOT_SIZE: return lo >= 0 && (uint64_t)hi <= (uint64_t)SIZE_MAX;
    case GENRE__SLOT_U32: return lo >= 0 && hi <= (int64_t)UINT32_MAX;
    default: return 0;
    }
}

const char *genre__params_check_table(const genre__param_table *t)
{
    static _Thread_local char why[200];
    for (size_t i = 0; i < t->n_params; i++) {
        const genre__param *p = &t->params[i];
#define BAD(...) do { snprintf(why, sizeof why, __VA_ARGS__); return why; } while (0)
        if (!p->name || !p->name[0] || !p->since)
            BAD("entry %zu has no name or no since-version", i);
        for (size_t j = 0; j < i; j++)
            if (t->params[j].key == p->key)
                BAD("%s and %s share key %d", t->params[j].name, p->name, (int)p->key);
        if (p->slot == GENRE__SLOT_NONE) {
            if (!t->read_only)
                BAD("%s is read-only but the table has no reader", p->name);
            continue;
        }
        if ((p->type == GENRE__P_F64) != (p->slot == GENRE__SLOT_F64))
            BAD("%s: type and slot disagree", p->name);
        if (p->type == GENRE__P_F64) {
            if (!(p->lo_f <= p->hi_f) || genre__params_check_f64(p, "check", p->def_f) != GENRE_OK)
                BAD("%s: default %g outside its range", p->name, p->def_f);
            continue;
        }
        int64_t lo, hi;
        i64_range(p, &lo, &hi);
        if (lo > hi || !slot_holds(p->slot, lo, hi))
            BAD("%s: range [%lld, %lld] does not fit its slot", p->name, (long long)lo,
                (long long)hi);
        if (genre__params_check_i64(p, "check", p->def_i) != GENRE_OK)
            BAD("%s: default %lld not accepted", p->name, (long long)p->def_i);
#undef BAD
    }
    genre_clear_error();
    return NULL;
}

/* ---- Hooks ----------------------------------------------------------------- */

void genre__log(const genre__hooks *h, int32_t level, const char *fmt, ...)
{
    if (!h || !h->log)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    h->log(h->log_data, level, buf);
}

int genre__progress(const genre__hooks *h, int32_t phase, int64_t step, int64_t total,
                    double objective)
{
    if (!h || !h->progress)
        return 0;
    return h->progress(h->progress_data, phase, step, total, objective) != 0;
}

genre_status genre__reduce(const genre__hooks *h, const char *func, const char *hook_name,
                           int32_t what, int64_t step, double *buf, size_t len)
{
    if (!h || !h->reduce)
        return GENRE_OK;
    const int32_t rc = h->reduce(h->reduce_data, what, step, buf, len);
    if (rc == 0)
        return GENRE_OK;
    /* its own GENRE_E_* status passes through; anything else is a cancel */
    const int known = rc < 0 && strcmp(genre_status_name(rc), "GENRE_E_UNKNOWN") != 0;
    return genre__fail(known ? rc : GENRE_E_CANCELLED, func,
                       "%s returned %d at step %lld (%s)", hook_name, (int)rc, (long long)step,
                       known ? genre_status_name(rc) : "non-zero: the fit is cancelled");
}
