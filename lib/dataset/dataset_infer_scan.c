/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Schema inference's pass over the records: per column, what its cells are
 * (numbers, missing markers, other texts and their distinct values). Above
 * the reader's part size the records are cut where the reader cuts them
 * (genre__csv_plan_cuts) and each part is read on its own thread with the
 * reader's record splitting; the parts' columns are then merged in file
 * order into exactly what one pass would have gathered (first-seen order of
 * the distinct values, the running-id test across the cuts, the point
 * where a column stops being a numeric candidate), so the schema and its
 * notes do not depend on the thread count.
 */
#define _GNU_SOURCE /* locale_t */
#include "dataset_infer.h"

#include "alloc.h"
#include "error_private.h"
#include "parallel.h"

#include <math.h>
#include <string.h>

/* Texts that mean "missing", compared ignoring ASCII case (besides the
 * empty field). */
static const char *const MISSING_WORDS[] = {"?",    "na",  "n/a", "#n/a", "<na>", "nan",
                                            "-nan", "null", "none", "nil"};

void genre__infer_col_init(struct icol *c)
{
    memset(c, 0, sizeof *c);
    c->all_int = 1;
    c->running = 1;
    c->maybe_id = 1;
    c->prev_text = -1;
}

void genre__infer_col_free(struct icol *c)
{
    genre__dict_free(&c->marker_texts);
    genre__dict_free(&c->num_set);
    genre__dict_free(&c->texts);
    genre__free(c->text_first);
    genre__free(c->odd);
    genre__free(c->ints);
    c->text_first = NULL;
    c->odd = NULL;
    c->ints = NULL;
}

/* Parts are only worth their per-column setup and merge with at least
 * this many bytes of records per column each. */
#define PART_BYTES_PER_COLUMN 4096

/* One part of the records and what its columns held. */
struct part {
    const struct infer *in;
    struct genre__csv_cut cut;
    int64_t max_records;      /* 0: all of the part */
    int64_t lines_before;     /* physical lines of the data before the part */
    int64_t row_bound;        /* no input has more data rows than this */
    struct icol *cols;
    int64_t rows;
    genre_status st;
};

static int is_marker_word(const char *f, size_t len)
{
    for (size_t k = 0; k < sizeof MISSING_WORDS / sizeof *MISSING_WORDS; k++)
        if (genre__ieq(f, len, MISSING_WORDS[k]))
            return 1;
    return 0;
}

static int is_extra_marker(const struct infer *in, const char *f, size_t len)
{
    for (size_t k = 0; k < in->n_extra; k++)
        if (strlen(in->extra[k]) == len && memcmp(in->extra[k], f, len) == 0)
            return 1;
    return 0;
}

static inline int is_marker(const struct infer *in, const char *f, size_t len)
{
    /* Every word starts with one of these: most cells are ruled out at once. */
    char c0 = len ? f[0] : 0;
    if (len <= 5 && (c0 == '?' || c0 == 'n' || c0 == 'N' || c0 == '#' || c0 == '<' ||
                     c0 == '-') &&
        is_marker_word(f, len))
        return 1;
    return in->n_extra > 0 && is_extra_marker(in, f, len);
}

/* a[0..len) == b[0..len): a short text by its first and last bytes as
 * words, without a call (categories and labels are short). */
static inline int same_text(const char *a, const char *b, size_t len)
{
    uint64_t a0, a1, b0, b1;
    if (len > 16)
        return memcmp(a, b, len) == 0;
    if (len >= 8) {
        memcpy(&a0, a, 8), memcpy(&a1, a + len - 8, 8);
        memcpy(&b0, b, 8), memcpy(&b1, b + len - 8, 8);
    } else if (len >= 4) {
        uint32_t x0, x1, y0, y1;
        memcpy(&x0, a, 4), memcpy(&x1, a + len - 4, 4);
        memcpy(&y0, b, 4), memcpy(&y1, b + len - 4, 4);
        a0 = x0, a1 = x1, b0 = y0, b1 = y1;
    } else {
        for (size_t i = 0; i < len; i++)
            if (a[i] != b[i])
                return 0;
        return 1;
    }
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* The id of text f in c's texts, trying the previous text first; a new
 * text of a column other than the label notes where it first came. */
static int32_t intern_text(struct icol *c, const char *f, size_t len, int is_label)
{
    int32_t p = c->prev_text;
    if (p >= 0 && c->texts.len[p] == len && same_text(GENRE__DICT_STR(&c->texts, p), f, len))
        return p;
    size_t before = c->texts.n;
    int32_t id = genre__dict_intern(&c->texts, f, len);
    if (id < 0 || is_label || c->texts.n == before)
        return c->prev_text = id;
    if (c->texts.n > c->cap_text_first) {
        size_t cap = c->cap_text_first ? c->cap_text_first * 2 : 64;
        if (genre__realloc_array(&c->text_first, cap, sizeof *c->text_first) != 0)
            return -1;
        c->cap_text_first = cap;
    }
    c->text_first[id] = c->n_text;
    return c->prev_text = id;
}

static genre_status push_odd(struct icol *c, int64_t line, int32_t text)
{
    if (c->n_odd == c->cap_odd) {
        size_t cap = c->cap_odd ? c->cap_odd * 2 : 16;
        if (genre__realloc_array(&c->odd, cap, sizeof *c->odd) != 0)
            return GENRE_E_NOMEM;
        c->cap_odd = cap;
    }
    c->odd[c->n_odd].line = line;
    c->odd[c->n_odd].text = text;
    c->n_odd++;
    return GENRE_OK;
}

/* Where the text cells are is no longer recorded: c cannot be numeric. */
static void stop_odd(struct icol *c)
{
    c->odd_stopped = 1;
    genre__free(c->odd);
    c->odd = NULL;
    c->n_odd = c->cap_odd = 0;
}

/* Column c cannot be an integer id: its values are no longer kept. */
static void not_an_id(struct icol *c)
{
    if (!c->maybe_id && !c->ints)
        return;
    c->maybe_id = 0;
    genre__free(c->ints);
    c->ints = NULL;
    c->n_ints = c->cap_ints = 0;
}

static genre_status push_int(struct icol *c, double v)
{
    if (c->n_ints == c->cap_ints) {
        size_t cap = c->cap_ints ? c->cap_ints * 2 : 64;
        if (genre__realloc_array(&c->ints, cap, sizeof *c->ints) != 0)
            return GENRE_E_NOMEM;
        c->cap_ints = cap;
    }
    c->ints[c->n_ints++] = (int64_t)v;
    return GENRE_OK;
}

/* One number of column c (text f): range, integrality, the running-id test,
 * the distinct number texts while they are few enough to matter, and the
 * values while the column may be an integer id. */
static genre_status see_number(const struct infer *in, struct icol *c, double v, const char *f,
                               size_t len)
{
    if (v == 0.0)
        v = 0.0; /* -0 and 0 are one value */
    int integral = fabs(v) < 9007199254740992.0 && v == floor(v);
    if (c->n_num == 0) {
        c->min = c->max = c->first = v;
    } else {
        c->min = v < c->min ? v : c->min;
        c->max = v > c->max ? v : c->max;
        if (c->running) {
            /* The first step sets the direction; a repeat (step 0) is
             * never a step of a running id, not even before it. */
            double step = v - c->prev;
            if (c->run_dir == 0 && (step == 1.0 || step == -1.0))
                c->run_dir = step > 0 ? 1 : -1;
            else if (c->run_dir == 0 || step != (double)c->run_dir)
                c->running = 0;
        }
    }
    c->prev = v;
    c->n_num++;
    if (!integral) {
        c->all_int = 0;
        c->running = 0;
        not_an_id(c);
    }
    if (c->num_set.n <= (size_t)in->opt->infer_max_categories) {
        size_t before = c->num_set.n;
        if (genre__dict_intern(&c->num_set, f, len) < 0)
            return GENRE_E_NOMEM;
        /* a repeated text while every text is interned: no id (a column of
         * few values stops being kept at once) */
        if (c->num_set.n == before)
            not_an_id(c);
    }
    /* Neither an id nor running, min < max and the distinct number texts
     * past the category limit: later numbers only count (and may end
     * all_int), so their value is not needed. */
    c->settled = !c->running && !c->maybe_id && c->min < c->max &&
                 c->num_set.n > (size_t)in->opt->infer_max_categories;
    return c->maybe_id ? push_int(c, v) : GENRE_OK;
}

/* 1 when f is a number written with one comma where the reader wants '.'
 * ("1,5" with a decimal comma, "1,000" with a thousands separator), 0 when
 * not, -1 out of memory. The reader takes neither: the note says so. */
static int comma_number(const struct infer *in, const char *f, size_t len)
{
    /* A number starts so (",5" is ".5"): names and categories stop here. */
    unsigned char c0 = (unsigned char)f[0];
    if (!((c0 >= '0' && c0 <= '9') || c0 == '+' || c0 == '-' || c0 == '.' || c0 == ','))
        return 0;
    const char *comma = memchr(f, ',', len);
    if (!comma || len > 64 || memchr(comma + 1, ',', len - (size_t)(comma + 1 - f)))
        return 0;
    char tmp[64];
    memcpy(tmp, f, len);
    tmp[comma - f] = '.';
    double v;
    int k = genre__csv_parse_number(tmp, len, in->rd.c_locale, &v);
    return k < 0 ? -1 : k == NUM_OK;
}

/* Text cell `id` (in c's texts) of column c, not the label, at line: a
 * numeric candidate records it as an odd cell. */
static genre_status see_text(const struct part *pt, struct icol *c, int32_t id, int64_t line)
{
    if (c->odd_stopped)
        return GENRE_OK;
    /* Cells that rule out a numeric column whatever the other parts hold:
     * more distinct texts than a numeric column may have, more texts than
     * 1 % of the most rows the input can have (one text may still be the
     * one odd cell allowed among enough numbers), or more texts than
     * numbers (and over the distinct limit's worth) even if every line
     * before the part held a number. */
    if (c->texts.n > ODD_MAX_DISTINCT ||
        (c->n_text > 1 && c->n_text * ODD_SHARE_DIVISOR > pt->row_bound) ||
        c->n_text > c->n_num + ODD_MAX_DISTINCT + pt->lines_before) {
        stop_odd(c);
        return GENRE_OK;
    }
    return push_odd(c, line, id);
}

/* The memo's flag on a text that is a number written with a comma. */
#define MEMO_COMMA (INT32_C(1) << 30)

/* One non-blank cell of column j of part pt; f[0..bound) may be read. */
static genre_status see_cell(const struct part *pt, size_t j, const char *f, size_t len,
                             const char *bound, int64_t line)
{
    const struct infer *in = pt->in;
    struct icol *c = &pt->cols[j];
    const int is_label = j == in->label;
    int st_comma = 0;
    c->cells++;
    if (len == 0) {
        c->empty++;
        c->running = 0;
        not_an_id(c);
        return GENRE_OK;
    }
    /* A settled column (not the label, no caller's markers, which may
     * look like numbers) takes a number without its value; one whose
     * integrality only the parse knows, while that still matters, is
     * parsed. */
    int plain;
    if (c->settled && !is_label && in->n_extra == 0 &&
        (plain = genre__infer_plain_decimal(f, len, bound)) != 0 &&
        (plain != 3 || !c->all_int)) {
        c->n_num++;
        if (plain == 2)
            c->all_int = 0;
        return GENRE_OK;
    }
    /* A text this column (not the label, whose texts include numbers)
     * already holds was a text cell: the parse, the marker and the comma
     * checks give what they gave then, so it only counts. The memo finds
     * the texts of a column of few (a category). */
    const int memo = !is_label && c->texts.n <= TEXT_MEMO_MAX_TEXTS;
    const unsigned slot = memo ? genre__infer_memo_slot(f, len) : 0;
    if (memo && c->memo[slot] != 0) {
        const int32_t id = (c->memo[slot] & ~MEMO_COMMA) - 1;
        if (c->texts.len[id] == len && same_text(GENRE__DICT_STR(&c->texts, id), f, len)) {
            c->running = 0;
            not_an_id(c);
            c->n_text++;
            if (c->n_text - c->n_num > c->peak)
                c->peak = c->n_text - c->n_num;
            c->comma_numbers += (c->memo[slot] & MEMO_COMMA) != 0;
            c->prev_text = id;
            return see_text(pt, c, id, line);
        }
    }
    double v = 0.0;
    /* Names and categories mostly start so that they cannot be numbers. */
    int k = genre__csv_may_be_number((unsigned char)f[0])
                ? genre__csv_parse_number(f, len, in->rd.c_locale, &v)
                : NUM_SYNTAX;
    if (k < 0)
        return GENRE_E_NOMEM;
    int marker = k != NUM_OK && is_marker(in, f, len);
    if (k == NUM_OK && in->n_extra && is_marker(in, f, len))
        marker = 1; /* a caller's numeric-looking marker, e.g. "-999" */
    if (marker) {
        c->marked++;
        c->running = 0;
        not_an_id(c);
        return genre__dict_intern(&c->marker_texts, f, len) < 0 ? GENRE_E_NOMEM : GENRE_OK;
    }
    if (k == NUM_OK) {
        if (is_label && intern_text(c, f, len, 1) < 0)
            return GENRE_E_NOMEM;
        return see_number(in, c, v, f, len);
    }
    c->running = 0;
    not_an_id(c);
    c->n_text++;
    if (c->n_text - c->n_num > c->peak)
        c->peak = c->n_text - c->n_num;
    if (k == NUM_SYNTAX && (st_comma = comma_number(in, f, len)) != 0) {
        if (st_comma < 0)
            return GENRE_E_NOMEM;
        c->comma_numbers++;
    }
    if (c->texts.n >= TEXT_SAMPLE && !is_label) {
        c->texts_full = 1;
        if (!c->odd_stopped)
            stop_odd(c);
        return GENRE_OK;
    }
    int32_t id = intern_text(c, f, len, is_label);
    if (id < 0)
        return GENRE_E_NOMEM;
    if (is_label)
        return GENRE_OK;
    if (memo)
        c->memo[slot] = (id + 1) | (st_comma ? MEMO_COMMA : 0);
    return see_text(pt, c, id, line);
}

/* The records of one part, at most max_records of them (0: all). */
static void scan_part(struct part *pt)
{
    const struct infer *in = pt->in;
    struct reader rd = genre__csv_reader_for_cut(&in->rd, &pt->cut);
    /* The part's bytes at once; only a part with a bad byte checks its
     * fields one by one (to name the first bad one). */
    const size_t bytes = (size_t)(rd.end - rd.p);
    rd.utf8_valid = genre__csv_utf8_check((const unsigned char *)rd.p, bytes) == bytes;
    int64_t records = 0;
    const size_t n_header = in->n_header;
    genre_status st = GENRE_OK;
    while (rd.p < rd.end && (pt->max_records == 0 || records < pt->max_records)) {
        int64_t line = rd.line;
        if ((st = genre__csv_read_record(&rd)) != GENRE_OK)
            break;
        records++;
        int blank = 1;
        for (size_t k = 0; k < rd.n_fields && blank; k++)
            blank = rd.fields[k].len == 0;
        /* An empty line is a blank record, as for the reader. */
        if (blank && rd.n_fields == 1 && !rd.fields[0].quoted && n_header > 1)
            continue;
        if (rd.n_fields != n_header) {
            st = GENRE_FAIL(GENRE_E_RAGGED_ROW,
                            "%s:%lld: %zu fields where the header has %zu (last column '%s')",
                            rd.name, (long long)line, rd.n_fields, n_header,
                            in->header[rd.n_fields < n_header && rd.n_fields > 0
                                           ? rd.n_fields - 1
                                           : n_header - 1]);
            break;
        }
        if (blank)
            continue;
        if (!rd.utf8_valid)
            for (size_t k = 0; k < n_header && st == GENRE_OK; k++)
                st = genre__csv_check_utf8(&rd, in->header[k], &rd.fields[k], line);
        if (st != GENRE_OK)
            break;
        pt->rows++;
        for (size_t j = 0; j < n_header && st == GENRE_OK; j++) {
            const struct field *fd = &rd.fields[j];
            const char *f = field_ptr(&rd, fd);
            /* A field in the input may be read on to its end; one
             * unescaped into scratch only to its own. */
            st = see_cell(pt, j, f, fd->len, fd->in_scratch ? f + fd->len : in->rd.end, line);
        }
        if (st != GENRE_OK)
            break;
    }
    genre__free(rd.fields);
    genre__free(rd.scratch);
    pt->st = st;
}

static void scan_worker(void *ctx, size_t begin, size_t end, int worker)
{
    (void)worker;
    struct part *parts = ctx;
    for (size_t t = begin; t < end; t++)
        scan_part(&parts[t]);
}

/* ---- The merge, in file order ---------------------------------------------- */

/* The running-id test over a's numbers followed by b's. */
static void merge_running(struct icol *a, const struct icol *b)
{
    if (!a->running || !b->running) {
        a->running = 0;
    } else if (a->n_num == 0) {
        a->run_dir = b->run_dir; /* a had no cell */
    } else if (b->n_num > 0) {
        double step = b->first - a->prev;
        int dir = a->run_dir;
        if (dir == 0 && (step == 1.0 || step == -1.0))
            dir = step > 0 ? 1 : -1;
        else if (dir == 0 || step != (double)dir)
            a->running = 0;
        if (b->run_dir != 0 && b->run_dir != dir)
            a->running = 0;
        a->run_dir = dir;
    }
}

/* Interns b's texts into a's as they came, the cap on a column's texts
 * included; remap[k] is a's id of b's text k, -1 past the cap. */
static genre_status merge_texts(struct icol *a, const struct icol *b, int is_label,
                                int32_t *remap)
{
    for (size_t k = 0; k < b->texts.n; k++) {
        if (!is_label && a->texts.n >= TEXT_SAMPLE) {
            remap[k] = -1;
            continue;
        }
        size_t before = a->texts.n;
        remap[k] = genre__dict_intern(&a->texts, GENRE__DICT_STR(&b->texts, k), b->texts.len[k]);
        if (remap[k] < 0)
            return GENRE_E_NOMEM;
        /* The cap reached at b's text k: one pass would have met the cap
         * at the next text cell, if b has one after k's first. */
        if (!is_label && a->texts.n > before && a->texts.n == TEXT_SAMPLE &&
            b->n_text > b->text_first[k])
            a->texts_full = 1;
    }
    return GENRE_OK;
}

/* Appends column b (of the part after a's) to a. */
static genre_status merge_col(const struct infer *in, size_t j, struct icol *a,
                              const struct icol *b)
{
    const int is_label = j == in->label;
    genre_status st = GENRE_OK;
    /* The peak of n_text - n_num over the cells of both, in order. */
    if (a->n_text - a->n_num + b->peak > a->peak)
        a->peak = a->n_text - a->n_num + b->peak;
    if (!is_label && !a->texts_full && a->texts.n >= TEXT_SAMPLE && b->n_text > 0)
        a->texts_full = 1;
    int32_t small[16];
    int32_t *remap = b->texts.n <= 16 ? small : genre__alloc_array(b->texts.n, sizeof *remap);
    if (!remap)
        return GENRE_E_NOMEM;
    if (!a->texts_full)
        st = merge_texts(a, b, is_label, remap);
    if (st == GENRE_OK && !is_label) {
        if (a->texts_full || b->odd_stopped || a->texts.n > ODD_MAX_DISTINCT) {
            if (!a->odd_stopped)
                stop_odd(a);
        } else if (!a->odd_stopped) {
            for (size_t k = 0; k < b->n_odd && st == GENRE_OK; k++)
                st = remap[b->odd[k].text] < 0 ? GENRE_E_INTERNAL
                                               : push_odd(a, b->odd[k].line, remap[b->odd[k].text]);
        }
    }
    if (remap != small)
        genre__free(remap);
    for (size_t k = 0; k < b->marker_texts.n && st == GENRE_OK; k++)
        if (genre__dict_intern(&a->marker_texts, GENRE__DICT_STR(&b->marker_texts, k),
                               b->marker_texts.len[k]) < 0)
            st = GENRE_E_NOMEM;
    for (size_t k = 0; k < b->num_set.n && st == GENRE_OK &&
                       a->num_set.n <= (size_t)in->opt->infer_max_categories;
         k++)
        if (genre__dict_intern(&a->num_set, GENRE__DICT_STR(&b->num_set, k), b->num_set.len[k]) <
            0)
            st = GENRE_E_NOMEM;
    if (st != GENRE_OK)
        return st;
    merge_running(a, b);
    if (b->n_num > 0) {
        if (a->n_num == 0) {
            a->min = b->min;
            a->max = b->max;
            a->first = b->first;
        } else {
            a->min = b->min < a->min ? b->min : a->min;
            a->max = b->max > a->max ? b->max : a->max;
        }
        a->prev = b->prev;
    }
    a->all_int = a->all_int && b->all_int;
    if (a->maybe_id && b->maybe_id) {
        /* b's values after a's, in one copy */
        if (a->n_ints + b->n_ints > a->cap_ints) {
            if (genre__realloc_array(&a->ints, a->n_ints + b->n_ints, sizeof *a->ints) != 0)
                return GENRE_E_NOMEM;
            a->cap_ints = a->n_ints + b->n_ints;
        }
        if (b->n_ints > 0)
            memcpy(a->ints + a->n_ints, b->ints, b->n_ints * sizeof *b->ints);
        a->n_ints += b->n_ints;
    } else if (a->maybe_id) {
        not_an_id(a);
    }
    a->cells += b->cells;
    a->empty += b->empty;
    a->marked += b->marked;
    a->n_num += b->n_num;
    a->n_text += b->n_text;
    a->comma_numbers += b->comma_numbers;
    a->prev_text = -1;
    return st;
}

static genre_status init_cols(const struct infer *in, struct icol **out)
{
    struct icol *cols = genre__calloc_array(in->n_header, sizeof *cols);
    if (!cols)
        return GENRE_E_NOMEM;
    for (size_t j = 0; j < in->n_header; j++)
        genre__infer_col_init(&cols[j]);
    if (in->label < in->n_header)
        cols[in->label].maybe_id = 0;
    *out = cols;
    return GENRE_OK;
}

static void free_cols(const struct infer *in, struct icol *cols)
{
    for (size_t j = 0; cols && j < in->n_header; j++)
        genre__infer_col_free(&cols[j]);
    genre__free(cols);
}

/* Runs the parts (on threads when there are several) and merges them into
 * parts[0]; a failure gives the first failed part's status (its message
 * stays on that part's thread). */
static genre_status run_parts(struct infer *in, struct part *parts, size_t n_parts)
{
    genre_status st = GENRE_OK;
    for (size_t t = 0; t < n_parts && st == GENRE_OK; t++)
        st = init_cols(in, &parts[t].cols);
    if (st != GENRE_OK)
        return st;
    if (n_parts > 1)
        genre__parallel_for((int)n_parts, n_parts, scan_worker, parts);
    else
        scan_part(&parts[0]);
    for (size_t t = 0; t < n_parts && st == GENRE_OK; t++)
        st = parts[t].st;
    for (size_t t = 1; t < n_parts && st == GENRE_OK; t++) {
        for (size_t j = 0; j < in->n_header && st == GENRE_OK; j++)
            st = merge_col(in, j, &parts[0].cols[j], &parts[t].cols[j]);
        parts[0].rows += parts[t].rows;
    }
    return st;
}

/* Whether c, kept as a possible id to the end, is one: enough rows, every
 * cell an integer, dense, all distinct (a bitmap over the span, at most
 * ID_SPAN_FACTOR bits a row). Its values are freed; GENRE_E_NOMEM. */
static genre_status find_dense_id(struct icol *c)
{
    c->dense_id = 0;
    if (c->maybe_id && c->n_num >= ID_MIN_ROWS && c->n_num == c->cells &&
        (size_t)c->n_num == c->n_ints &&
        c->max - c->min + 1.0 <= (double)ID_SPAN_FACTOR * (double)c->n_num) {
        const size_t span = (size_t)(c->max - c->min) + 1;
        const int64_t lo = (int64_t)c->min;
        unsigned char *seen = genre__calloc_array(span / 8 + 1, 1);
        if (!seen) {
            not_an_id(c);
            return GENRE_E_NOMEM;
        }
        c->dense_id = 1;
        for (size_t k = 0; k < c->n_ints && c->dense_id; k++) {
            const size_t at = (size_t)(c->ints[k] - lo);
            c->dense_id = !(seen[at / 8] & (1u << (at % 8)));
            seen[at / 8] |= (unsigned char)(1u << (at % 8));
        }
        genre__free(seen);
    }
    not_an_id(c);
    return GENRE_OK;
}

genre_status genre__infer_scan(struct infer *in)
{
    struct reader head = in->rd;
    head.p = in->data_start;
    head.line = in->data_line;
    struct genre__csv_cut cuts[GENRE__CSV_MAX_PARTS];
    /* A record limit is counted in one pass. */
    size_t n_parts = in->opt->infer_max_rows > 0
                         ? 1
                         : genre__csv_plan_cuts(&head, in->opt->n_threads, cuts);
    /* Each part sets up and merges every column: a wide table with few
     * rows reads faster in one pass. */
    if (n_parts > 1 && (size_t)(head.end - head.p) / n_parts < in->n_header * PART_BYTES_PER_COLUMN)
        n_parts = 1;
    if (n_parts == 1) {
        cuts[0].begin = head.p;
        cuts[0].end = head.end;
        cuts[0].first_line = head.line;
    }
    const size_t len = (size_t)(head.end - head.p);
    struct part parts[GENRE__CSV_MAX_PARTS];
    genre_status st = GENRE_E_INTERNAL;
    for (int attempt = 0; attempt < 2 && st != GENRE_OK; attempt++) {
        /* A failure in parts: read again in one part, which meets the first
         * error in file order and records its message on this thread. */
        if (attempt == 1) {
            if (n_parts == 1)
                break;
            n_parts = 1;
            cuts[0].end = head.end;
        }
        memset(parts, 0, sizeof parts);
        for (size_t t = 0; t < n_parts; t++) {
            parts[t].in = in;
            parts[t].cut = cuts[t];
            parts[t].max_records = in->opt->infer_max_rows;
            parts[t].lines_before = cuts[t].first_line - in->data_line;
            parts[t].row_bound = (int64_t)(len / in->n_header) + 1;
        }
        st = run_parts(in, parts, n_parts);
        if (st == GENRE_OK) {
            in->cols = parts[0].cols;
            in->rows = parts[0].rows;
            parts[0].cols = NULL;
        }
        for (size_t t = 0; t < n_parts; t++)
            free_cols(in, parts[t].cols);
    }
    if (st != GENRE_OK)
        return st;
    /* One pass's verdict: a column stops being a numeric candidate when it
     * meets the cap on texts or has had more texts than numbers by the
     * distinct limit. */
    for (size_t j = 0; j < in->n_header && st == GENRE_OK; j++) {
        struct icol *c = &in->cols[j];
        c->odd_dropped = c->texts_full || c->peak > ODD_MAX_DISTINCT;
        if (c->odd_dropped && !c->odd_stopped)
            stop_odd(c);
        /* A column that may still be numeric has every text cell recorded
         * (the parts stop recording only where no merge could make it
         * numeric). */
        if (j != in->label && genre__infer_may_be_numeric(c) &&
            (c->odd_stopped || (int64_t)c->n_odd != c->n_text))
            st = GENRE_FAIL(GENRE_E_INTERNAL,
                            "%s: column '%s': %zu of %lld odd cells recorded", in->rd.name,
                            in->header[j], c->n_odd, (long long)c->n_text);
        if (st == GENRE_OK)
            st = find_dense_id(c);
    }
    return st;
}
