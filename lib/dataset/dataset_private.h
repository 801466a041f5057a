/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the dataset module's shared structures and helpers: string
 * dictionaries, the schema, the table and its report, the reader's entry
 * points (parse, input limits), the fitted preparation and the split.
 */
#ifndef GENRE_DATASET_PRIVATE_H
#define GENRE_DATASET_PRIVATE_H

#include <genre/dataset.h>
#include <genre/error.h>

#include "params.h"

#include <stddef.h>
#include <stdint.h>

/* String interning: ids are dense, in first-insertion order. */
typedef struct genre__dict {
    char *arena;             /* the strings, each NUL-terminated */
    size_t arena_len, arena_cap;
    size_t *off;             /* per id: offset in arena */
    uint32_t *len;           /* per id: length without the NUL */
    uint64_t *hash;          /* per id: its hash, kept for rehashing */
    size_t n, cap;
    uint64_t *slots;         /* open addressing: hash tag | id */
    size_t n_slots;          /* power of two */
} genre__dict;

void genre__dict_free(genre__dict *d);
/* Empties d, keeping its memory for the strings to come. */
void genre__dict_clear(genre__dict *d);
/* Id of the string, inserting it when new; -1 on allocation failure. */
int32_t genre__dict_intern(genre__dict *d, const char *s, size_t len);
/* Appends without deduplication or indexing (free text); find never sees it. */
int32_t genre__dict_append(genre__dict *d, const char *s, size_t len);
/* Id of the string or -1. */
int32_t genre__dict_find(const genre__dict *d, const char *s, size_t len);
int genre__dict_copy(genre__dict *dst, const genre__dict *src);
/* The first i with s[i] equal to an earlier string (*at = i): 1; none: 0;
 * -1 on allocation failure. Linear time (a caller's list may be long). */
int genre__first_repeat(const char *const *s, size_t n, size_t *at);
/* Frees the n strings of v (v may be NULL) and v. */
void genre__free_strings(char **v, size_t n);
/* s[0..len) equals the lower-case word, ignoring ASCII case. */
static inline int genre__ieq(const char *s, size_t len, const char *word)
{
    size_t i = 0;
    for (; i < len && word[i]; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return i == len && !word[i];
}
#define GENRE__DICT_STR(d, id) ((d)->arena + (d)->off[(id)])

struct genre__schema_col {
    char *name;
    int32_t role;
    char **missing_text;     /* column-specific markers */
    size_t n_missing_text;
    double *missing_value;   /* numeric sentinels */
    size_t n_missing_value;
    char **order;            /* fixed category order, or NULL */
    size_t n_order;
    /* Schema files and introspection (dataset_schema_info.c). */
    int32_t impute_decl;     /* 0 = nothing declared, else GENRE_IMPUTE_* + 1 */
    char **name_value;       /* display names: name_value[i] shows as name_text[i] */
    char **name_text;
    size_t n_names;
};

struct genre_dataset_schema {
    struct genre__schema_col *cols;
    size_t n_cols, cap_cols;
    genre__dict col_ids;     /* column names; id == index (lookups of wide tables) */
    char **missing_text;     /* markers of every column */
    size_t n_missing_text;
    char *no_group;          /* the group value meaning "no group", or NULL */
    int64_t max_record;
    int64_t n_threads;       /* reader threads, 0 = online cores */
    int64_t max_input;       /* bytes an in-memory read may hold (uncompressed) */
    int32_t unseen_policy;
    int32_t label_col, group_col; /* schema indices or -1 */
    genre__hooks hooks;      /* the user's handle only: copies start silent */
    /* GENRE_SCHEMA_SEPARATOR and the inference keys (dataset_infer.c). */
    int64_t separator;       /* 0 = detect, else ',' ';' or TAB */
    int64_t infer_max_rows;  /* 0 = every row */
    int64_t infer_max_categories, infer_max_label_classes;
    int32_t infer_integer_categories, infer_strict;
    char *infer_notes;       /* what inference saw, or NULL; never copied */
};

/* GENRE_SCHEMA_MAX_INPUT_BYTES's default: 16 GiB. */
#define GENRE__DEFAULT_MAX_INPUT ((int64_t)16 << 30)

/* Parses a whole CSV input held in memory, plain or gzip (inflated to at most
 * schema->max_input bytes); messages call the input `name`. The caller names
 * the public function (genre__fail_as). */
genre_status genre__dataset_parse(genre_dataset **out, const genre_dataset_schema *schema,
                                  const void *buf, size_t len, const char *name);

/* Whether buf starts with gzip's magic bytes, or is the lone byte 0x1f (a
 * .gz cut after one byte, which then fails as truncated gzip). */
int genre__dataset_is_gzip(const void *buf, size_t len);
/* Inflates the whole gzip input in[0..in_len) (members one after another,
 * then nothing or zero bytes only, as gzip(1) accepts) into a new buffer
 * (*out, genre__free it) of *out_len bytes, at most limit; the buffer grows
 * by doubling and is never above limit + 1 bytes. Returns GENRE_OK;
 * GENRE_E_PARSE (truncated or corrupt, or other bytes after a member,
 * naming `name` and the compressed byte offset); GENRE_E_INPUT_TOO_LARGE;
 * GENRE_E_NOMEM (naming `name`). */
genre_status genre__dataset_inflate(const char *name, const unsigned char *in, size_t in_len,
                                    size_t limit, char **out, size_t *out_len);
/* The gzip pieces the streaming reader shares (dataset_source.c): zlib's
 * inflateInit2 for gzip on a z_stream, with the library's allocator (0 when
 * out of memory); and the messages of a truncated member, a corrupt one, and
 * of n_after bytes after the member ending at pos that are neither a member
 * nor zero padding (the first offending byte at `at`). */
int genre__gzip_zstart(void *z_stream);
genre_status genre__gzip_truncated(const char *name, size_t in_len, size_t member,
                                   int in_header);
genre_status genre__gzip_corrupt(const char *name, size_t at, const char *why);
genre_status genre__gzip_garbage(const char *name, size_t at, unsigned char byte,
                                 size_t n_after, size_t pos);
/* Inflates the gzip member at in[0..in_len) whole into out[0..cap) with
 * libdeflate when the library has it (*state: its decompressor, NULL at
 * first; genre__gzip_fast_free it): 1 with the member's compressed bytes in
 * *used and its text's in *got; 0 when it could not (no libdeflate, the
 * member not whole in `in`, its text over cap, damage): zlib then inflates
 * the member and names any damage. */
int genre__gzip_member_fast(void **state, const unsigned char *in, size_t in_len, char *out,
                            size_t cap, size_t *used, size_t *got);
/* Makes *state's decompressor now when it has none (left NULL when
 * libdeflate is not built in or has no memory: zlib will do). */
void genre__gzip_fast_prepare(void **state);
void genre__gzip_fast_free(void *state);
/* GENRE_E_INPUT_TOO_LARGE for the input `name` that `verb` ("holds",
 * "inflates to") more than limit bytes. */
genre_status genre__dataset_too_large(const char *name, size_t limit, const char *verb);
/* Doubles the input buffer *buf of *cap bytes, to at most limit + 1 bytes
 * (one past the limit, so a caller sees the input exceed it); GENRE_OK or
 * GENRE_E_NOMEM (*buf then unchanged). */
genre_status genre__dataset_grow(char **buf, size_t *cap, size_t limit);
/* GENRE_E_PARSE naming the line and column of the first NUL byte in
 * buf[0..len), else GENRE_OK. */
genre_status genre__dataset_check_nul(const char *buf, size_t len, const char *name);

/* Reads the file at path (regular, FIFO, device, stdin) to its end into a
 * new buffer (*out, genre__free it) within GENRE_SCHEMA_MAX_INPUT_BYTES,
 * reporting GENRE_SCHEMA_PHASE_READ to the schema's progress hook:
 * GENRE_E_IO, GENRE_E_INPUT_TOO_LARGE, GENRE_E_CANCELLED, GENRE_E_NOMEM,
 * recorded with path. */
genre_status genre__dataset_read_path(const genre_dataset_schema *schema, const char *path,
                                      char **out, size_t *out_len);

/* The text of path (gzip inflated as a stream) up to the end of its first
 * n_records records, or all of it when it holds fewer; nothing after them is
 * read, so damage there is not seen. Reading stops early at a NUL byte or a
 * record past the schema's record limit, whose parse then names the error. Errors as genre__dataset_read_path,
 * plus GENRE_E_PARSE for gzip damage inside the prefix. */
genre_status genre__dataset_read_prefix(const genre_dataset_schema *schema, const char *path,
                                        int64_t n_records, char **out, size_t *out_len);

genre_status genre__schema_copy(genre_dataset_schema **out, const genre_dataset_schema *s);
/* The declarations of dataset_schema_info.c (imputation, display names) of
 * src's column j onto dst's column of the same name; and freeing them. */
genre_status genre__schema_copy_info(genre_dataset_schema *dst, const genre_dataset_schema *src,
                                     size_t j);
void genre__schema_free_info(struct genre__schema_col *c);
/* The display name of category value v of column j, or NULL. */
const char *genre__schema_display_name(const genre_dataset_schema *s, int32_t j, const char *v);
int32_t genre__schema_find(const genre_dataset_schema *s, const char *name);
/* The index of column name in *j: GENRE_E_INVALID_ARG (name NULL) or
 * GENRE_E_MISSING_COLUMN recorded when it is not in the schema. */
genre_status genre__schema_column(const genre_dataset_schema *s, const char *name, int32_t *j);

/* Encoded codes of categorical/label columns: a missing value, and the
 * reserved code given to unseen categories under GENRE_UNSEEN_RESERVED_CODE. */
#define GENRE__CODE_MISSING INT32_MIN
#define GENRE__CODE_UNSEEN (-1)

struct genre__col {
    double *num;      /* numeric: value, NaN when missing */
    int32_t *id;      /* string roles: dict id, -1 when missing */
    int32_t *code;    /* categorical/label after encoding, else NULL */
    genre__dict dict;
};

struct genre__report_entry {
    char step[24];
    char counter[24];
    int32_t col;      /* schema index or -1 */
    int64_t value;
};

struct genre_dataset {
    genre_dataset_schema *schema; /* own copy */
    struct genre__col *cols;      /* one per schema column */
    size_t n_rows, cap_rows;
    uint8_t *blank;               /* 1 when every field of the record was empty */
    int64_t *line;                /* line of the record in its source */
    char *source;                 /* the source's name (path or read_memory's name) */
    int32_t no_group_id;          /* dict id of the "no group" value or -1 */
    int encoded;
    struct genre__report_entry *rep;
    size_t n_rep, cap_rep;
    genre__dict rep_keys;         /* rep[i]'s step, counter and column as id i */
};

genre_status genre__dataset_alloc(genre_dataset **out, const genre_dataset_schema *schema,
                                  size_t cap_rows);
genre_status genre__dataset_reserve(genre_dataset *ds, size_t rows);
/* Empties ds for the rows of a table of the same schema (a reader's next
 * chunk): no rows, report, source or encoding; row arrays and dictionaries
 * keep their memory. */
void genre__dataset_clear(genre_dataset *ds);
genre_status genre__report_set(genre_dataset *ds, const char *step, int32_t col,
                               const char *counter, int64_t value);

/* Row-level messages name the record as "source:line", the form of the
 * reader's messages; subsets keep both, so the line is the input's. */
#define GENRE__AT_FMT "%s:%lld"
#define GENRE__AT(ds, r) genre__source(ds), (long long)(ds)->line[(r)]
static inline const char *genre__source(const genre_dataset *ds)
{
    return ds->source ? ds->source : "<memory>";
}

/* Is row r's group a real group (not missing, not the "no group" value)? */
static inline int genre__has_group(const genre_dataset *ds, size_t r)
{
    int32_t g = ds->cols[ds->schema->group_col].id[r];
    return g >= 0 && g != ds->no_group_id;
}

/* The fitted preparation: kinds of imputation step, a categorical column's
 * encoding, a step with its fitted state, and the handle. */
#define GENRE__STEP_GROUP_MEDIAN 1
#define GENRE__STEP_MEDIAN 2
#define GENRE__STEP_MEAN 3
#define GENRE__STEP_MODEL 4
#define GENRE__STEP_MOST_FREQUENT 5

/* The step's name in reports and messages ("impute_median", ...). */
const char *genre__prep_step_name(int32_t kind);
/* qsort's ascending order of doubles (no NaN among them). */
int genre__prep_cmp_double(const void *a, const void *b);

struct genre__prep_encoding {
    int32_t col;
    genre__dict names; /* id == code */
};

struct genre__prep_step {
    int32_t kind;
    int32_t col;
    int32_t *features;
    size_t n_features;
    genre_dataset_fit_fn fit;
    genre_dataset_predict_fn predict;
    void *user_data;
    int fill_features;        /* model: fill missing features (add_declared) */
    /* Fitted state. */
    double *feature_fill;     /* model with fill_features: per feature, the fit
                               * rows' median (numeric) or most frequent code */
    double value;             /* global median, median or mean */
    genre__dict groups;       /* group names with an observed value */
    double *group_median;     /* per groups id */
};

struct genre_dataset_prep {
    genre_dataset_schema *schema;
    struct genre__prep_encoding *enc;
    size_t n_enc;
    struct genre__prep_step *steps;
    size_t n_steps, cap_steps;
    int fitted;
    genre__hooks hooks;
};

/* A split: each side's table rows and class counts. */
struct genre_dataset_split {
    size_t n_table_rows;
    size_t *rows[2];
    size_t n[2];
    int64_t *class_counts[2];
    size_t n_classes;
};

#endif
