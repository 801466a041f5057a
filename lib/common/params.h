/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: parameter tables, the one way a handle kind declares, checks,
 * stores, resets and describes its keys, and the hooks (log, progress) every
 * handle carries.
 *
 * A handle kind lists each key once in a genre__param_table: its name, type,
 * default, accepted values (an inclusive range, optionally open at either
 * end, or an enumerated list) and the slot in the kind's parameter struct
 * that stores it. Read-only keys (fitted properties) are listed too, without
 * a slot; their values come from the table's `read_only` callback. The
 * public genre_<kind>_set_i64 / _set_f64 / _get_i64 / _get_f64 /
 * _param_bounds / _param_values / _reset_params are then one-line wrappers
 * over the functions below, so every kind answers alike:
 *
 * - a key the table does not list: GENRE_E_UNKNOWN_PARAM;
 * - a listed key of the other type, or a read-only key given to a setter:
 *   GENRE_E_UNKNOWN_PARAM too (the key is not a parameter of that call),
 *   with a message that says which call to use;
 * - a value outside the key's range or list: GENRE_E_INVALID_ARG naming the
 *   key, the value and what is accepted (never clamped).
 *
 * Every message names the public function (the `func` argument).
 */
#ifndef GENRE_PARAMS_H
#define GENRE_PARAMS_H

#include "error_private.h"

#include <genre/common.h>

#include <stddef.h>
#include <stdint.h>

/* How a key's value is stored in the kind's parameter struct. F64 keys are
 * doubles; every other slot holds an i64 key in a narrower or unsigned
 * field (the range must fit the field: genre__params_check_table tests). */
typedef enum genre__slot {
    GENRE__SLOT_NONE, /* read-only key: no storage */
    GENRE__SLOT_F64,  /* double */
    GENRE__SLOT_I64,  /* int64_t */
    GENRE__SLOT_I32,  /* int32_t */
    GENRE__SLOT_INT,  /* int */
    GENRE__SLOT_SIZE, /* size_t */
    GENRE__SLOT_U64,  /* uint64_t: the i64 value's two's-complement bits (seeds) */
    GENRE__SLOT_U32   /* uint32_t: a range within [0, 2^32 - 1] */
} genre__slot;

typedef enum genre__ptype { GENRE__P_I64, GENRE__P_F64 } genre__ptype;

typedef struct genre__param {
    int32_t key;
    const char *name;    /* the public macro's name, for messages */
    genre__ptype type;
    genre__slot slot;    /* GENRE__SLOT_NONE: read-only */
    size_t offset;       /* offsetof(<kind's params struct>, field) */
    int64_t def_i, lo_i, hi_i;             /* i64 keys: default, inclusive range */
    double def_f, lo_f, hi_f;              /* f64 keys: default, range */
    unsigned char lo_open, hi_open;        /* f64 keys: open ends */
    unsigned char finite;                  /* f64 keys: also refuse +-inf */
    const int64_t *values;                 /* i64 enumerations: the accepted values */
    size_t n_values;                       /* 0: any value in range */
    const char *since;                     /* the version that added the key */
} genre__param;

/* Value of a read-only key for a handle: GENRE_OK, or GENRE_E_BAD_STATE
 * (recorded with genre__fail(..., func, ...)) when it needs a fit. Exactly
 * one of i_out / f_out is non-NULL, matching the key's type. */
typedef genre_status (*genre__read_only_fn)(const void *handle, const char *func, int32_t key,
                                            int64_t *i_out, double *f_out);

typedef struct genre__param_table {
    const char *kind; /* "k-means", "MLP", ... for messages */
    const genre__param *params;
    size_t n_params;
    genre__read_only_fn read_only; /* NULL when the kind has no read-only keys */
} genre__param_table;

/* Table entries. F64 ranges: lo/hi with open flags; I64: inclusive range;
 * ENUM: an i64 key that accepts the listed values only (range = min..max). */
#define GENRE__F64(k, st, field, def, lo, hi, lo_open, hi_open, since)                    \
    {(k), #k, GENRE__P_F64, GENRE__SLOT_F64, offsetof(st, field), 0, 0, 0, (def), (lo),     \
     (hi), (lo_open), (hi_open), 1, NULL, 0, (since)}
/* As GENRE__F64 for a key whose range includes an infinity on purpose. */
#define GENRE__F64_INF(k, st, field, def, lo, hi, since)                                   \
    {(k), #k, GENRE__P_F64, GENRE__SLOT_F64, offsetof(st, field), 0, 0, 0, (def), (lo),     \
     (hi), 0, 0, 0, NULL, 0, (since)}
#define GENRE__I64(k, slot, st, field, def, lo, hi, since)                                 \
    {(k), #k, GENRE__P_I64, (slot), offsetof(st, field), (def), (lo), (hi), 0, 0, 0, 0, 0,  \
     0, NULL, 0, (since)}
#define GENRE__ENUM(k, slot, st, field, def, values, since)                                \
    {(k), #k, GENRE__P_I64, (slot), offsetof(st, field), (def), 0, 0, 0, 0, 0, 0, 0, 0,     \
     (values), sizeof(values) / sizeof((values)[0]), (since)}
#define GENRE__RO_I64(k, since)                                                            \
    {(k), #k, GENRE__P_I64, GENRE__SLOT_NONE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, 0, (since)}
#define GENRE__RO_F64(k, since)                                                            \
    {(k), #k, GENRE__P_F64, GENRE__SLOT_NONE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, 0, (since)}

/* The table's entry for key, or NULL. */
const genre__param *genre__params_find(const genre__param_table *t, int32_t key);

/* Writes every settable key's default into store. */
void genre__params_reset(const genre__param_table *t, void *store);

/* Checks value against the key's range or list (GENRE_E_INVALID_ARG
 * recorded under func); used by the setters and by loaders that validate a
 * stored parameter. */
genre_status genre__params_check_i64(const genre__param *p, const char *func, int64_t value);
genre_status genre__params_check_f64(const genre__param *p, const char *func, double value);

/* The bodies of the public setters and getters; store is the handle's
 * parameter struct, handle is passed to the table's read_only callback. */
genre_status genre__params_set_i64(const genre__param_table *t, void *store, const char *func,
                                   int32_t key, int64_t value);
genre_status genre__params_set_f64(const genre__param_table *t, void *store, const char *func,
                                   int32_t key, double value);
genre_status genre__params_get_i64(const genre__param_table *t, const void *store,
                                   const void *handle, const char *func, int32_t key,
                                   int64_t *out);
genre_status genre__params_get_f64(const genre__param_table *t, const void *store,
                                   const void *handle, const char *func, int32_t key,
                                   double *out);

/* Reads / writes a settable key's slot without checks (file loaders and
 * writers that walk the table). */
int64_t genre__params_load_i64(const genre__param *p, const void *store);
double genre__params_load_f64(const genre__param *p, const void *store);
void genre__params_store_i64(const genre__param *p, void *store, int64_t value);
void genre__params_store_f64(const genre__param *p, void *store, double value);

/* genre_<kind>_param_bounds: the inclusive range of a settable key as
 * doubles; an open end is the nearest double inside it; an enumerated key
 * answers its smallest and largest value. */
genre_status genre__params_bounds(const genre__param_table *t, const char *func, int32_t key,
                                  double *lo, double *hi);

/* genre_<kind>_param_values: an enumerated key's accepted values in
 * ascending order into out[cap] (the caller-buffer rule: *n_values receives
 * the count; out NULL or cap short is GENRE_E_BUFFER_TOO_SMALL); a settable
 * key that is a range answers *n_values = 0 and GENRE_OK. */
genre_status genre__params_values(const genre__param_table *t, const char *func, int32_t key,
                                  int64_t *out, size_t cap, size_t *n_values);

/* A table's own consistency, for the tests: keys unique, defaults
 * accepted, every range representable in its slot, read-only keys backed by
 * the callback. Returns NULL when sound, else what is wrong (static text
 * naming the key). */
const char *genre__params_check_table(const genre__param_table *t);

/* ---- Hooks ----------------------------------------------------------------- */

/* The log and progress callbacks a handle carries (zeroed: silent, no
 * progress). */
typedef struct genre__hooks {
    genre_log_fn log;
    void *log_data;
    genre_progress_fn progress;
    void *progress_data;
    genre_reduce_fn reduce;   /* NULL: the fit sees only its own rows */
    void *reduce_data;
} genre__hooks;

/* Formats and sends a message to the log hook, if one is set. */
void genre__log(const genre__hooks *h, int32_t level, const char *fmt, ...)
    GENRE_PRINTF(3, 4);

/* Reports progress; returns 1 when the hook asks to cancel (the caller then
 * fails with GENRE_E_CANCELLED), 0 otherwise or without a hook. */
int genre__progress(const genre__hooks *h, int32_t phase, int64_t step, int64_t total,
                    double objective);

/* Calls the reduction hook (genre/common.h) on buf[len]; GENRE_OK, or the
 * failure it asked for (its GENRE_E_* status, else GENRE_E_CANCELLED),
 * recorded for func with the hook's name (hook_name, e.g. "the gradient
 * reducer"), its return value and the step. Without a hook: GENRE_OK. */
genre_status genre__reduce(const genre__hooks *h, const char *func, const char *hook_name,
                           int32_t what, int64_t step, double *buf, size_t len);

/* ---- The kinds' tables (defined with their kind; read by the tests) -------- */

extern const genre__param_table genre__mlp_param_table;
extern const genre__param_table genre__kmeans_param_table;
extern const genre__param_table genre__tsne_param_table;
extern const genre__param_table genre__scaler_param_table;
extern const genre__param_table genre__pca_param_table;
extern const genre__param_table genre__lda_param_table;
extern const genre__param_table genre__text_param_table;
extern const genre__param_table genre__dataset_schema_param_table;
extern const genre__param_table genre__dataset_prep_param_table;

#endif
