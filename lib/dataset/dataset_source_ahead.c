/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gzip inflated ahead on a thread of its own (dataset_stream.h): while the
 * reader parses a chunk, the next blocks of text are inflated, so a pass
 * over a .csv.gz costs about the larger of inflation and parsing rather
 * than their sum (docs/dataset.md, "Streaming reader").
 *
 * The inflating thread runs the source's own gzip code into a ring of
 * blocks; the reading thread copies text out of them. Everything the user
 * sees stays on the reading thread: the progress callback (each read of
 * the file noted with its block, the calls replayed in order as the block
 * is taken: the calls of a one-thread read, a block earlier), cancellation,
 * and a failure, which the inflating thread records with its message and
 * the reading thread raises after the text before it, as a one-thread
 * read does. Only regular files: a FIFO may block the inflating thread in
 * read(2) for ever, and closing the reader must never wait on a writer.
 */
#include "dataset_stream.h"

#include "alloc.h"
#include "error_private.h"
#include "parallel.h"
#include "thread_spawn.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* Blocks of text in the ring, and their size: 4 MiB inflated ahead at
 * most. A block is handed over once its room is smaller than the largest
 * member text seen (a member inflated at once by libdeflate needs room for
 * all of its text), and at least half full. */
#define AHEAD_BLOCKS 4
#define AHEAD_BLOCK ((size_t)1 << 20)
#define AHEAD_MIN_ROOM ((size_t)1 << 16)
/* A smaller file is read on the calling thread (as GENRE_SCHEMA_THREADS
 * says: threads on inputs over 1 MiB), without the ring's 4 MiB. */
#define AHEAD_MIN_FILE ((int64_t)1 << 20)

/* Reads noted per block at first; more are made room for as they come. */
#define AHEAD_STEPS 16

struct ahead_block {
    char *text;
    size_t len;
    uint64_t *steps;     /* the file's bytes read after each read while filling it */
    size_t n_steps, cap_steps;
    genre_status status; /* a failure after the block's text, or GENRE_OK */
    int last;            /* the text ends after this block */
};

struct genre__ahead {
    /* The inflating thread's once started, but for its name and total,
     * fixed when the source opened. */
    struct genre__source *src;
    struct ahead_block *filling; /* the inflating thread's block being filled */
    pthread_mutex_t mu;
    pthread_cond_t filled, freed;
    pthread_t thread;
    struct ahead_block block[AHEAD_BLOCKS];
    size_t head;   /* the block the reading thread reads (under mu) */
    size_t n_full; /* handed-over blocks, the one being read included (under mu) */
    atomic_int stop;
    char message[1024]; /* the inflating thread's failure, for the reading thread */
    /* The reading thread's own. */
    int holding;   /* block[head] is taken */
    size_t pos;    /* text of block[head] already copied out */
    uint64_t in_bytes; /* the last read replayed to the progress callback */
    int finished;  /* the last block was read out */
};

/* Fills one block: reads until the room left could not hold a member as
 * large as the largest seen, or the text ends, or a read fails. */
static void fill_block(struct genre__ahead *a, struct ahead_block *b, size_t *fit)
{
    struct genre__source *s = a->src;
    a->filling = b;
    b->len = 0;
    b->n_steps = 0;
    b->status = GENRE_OK;
    while (!s->done && !atomic_load_explicit(&a->stop, memory_order_relaxed)) {
        size_t room = AHEAD_BLOCK - b->len;
        if (b->len > 0 && room < *fit)
            break;
        size_t got = 0;
        b->status = genre__source_read_here(s, b->text + b->len, room, &got);
        if (b->status != GENRE_OK) {
            snprintf(a->message, sizeof a->message, "%s", genre_last_error());
            break;
        }
        b->len += got;
        /* A read that stopped short of the room ended a member: a later
         * member of that size must find room in the block. */
        if (got < room && got > *fit)
            *fit = got < AHEAD_BLOCK / 2 ? got : AHEAD_BLOCK / 2;
    }
    b->last = s->done || b->status != GENRE_OK;
}

/* The source's on_read while inflating ahead: a read noted with its block. */
static genre_status note_read(void *ctx, uint64_t in_bytes)
{
    struct genre__ahead *a = ctx;
    struct ahead_block *b = a->filling;
    if (b->n_steps == b->cap_steps) {
        if (genre__realloc_array(&b->steps, 2 * b->cap_steps, sizeof *b->steps) != 0)
            return GENRE_FAIL(GENRE_E_NOMEM, "%s: out of memory noting %zu reads",
                              a->src->name, 2 * b->cap_steps);
        b->cap_steps *= 2;
    }
    b->steps[b->n_steps++] = in_bytes;
    return GENRE_OK;
}

static void *inflate_ahead(void *arg)
{
    struct genre__ahead *a = arg;
    size_t fit = AHEAD_MIN_ROOM;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        while (a->n_full == AHEAD_BLOCKS && !atomic_load(&a->stop))
            pthread_cond_wait(&a->freed, &a->mu);
        size_t k = (a->head + a->n_full) % AHEAD_BLOCKS;
        pthread_mutex_unlock(&a->mu);
        if (atomic_load(&a->stop))
            return NULL;
        struct ahead_block *b = &a->block[k];
        fill_block(a, b, &fit);
        pthread_mutex_lock(&a->mu);
        a->n_full++;
        pthread_cond_signal(&a->filled);
        pthread_mutex_unlock(&a->mu);
        if (b->last)
            return NULL;
    }
}

static void ahead_free(struct genre__ahead *a)
{
    pthread_cond_destroy(&a->freed);
    pthread_cond_destroy(&a->filled);
    pthread_mutex_destroy(&a->mu);
    for (size_t k = 0; k < AHEAD_BLOCKS; k++) {
        genre__free(a->block[k].text);
        genre__free(a->block[k].steps);
    }
    genre__free(a);
}

genre_status genre__source_start_ahead(struct genre__source *s, int64_t n_threads)
{
    if (!s->gzip || !s->regular || s->total <= AHEAD_MIN_FILE || s->ahead ||
        genre__resolve_threads(n_threads) < 2)
        return GENRE_OK;
    struct genre__ahead *a = GENRE_NEW(struct genre__ahead);
    if (!a)
        return GENRE_FAIL(GENRE_E_NOMEM, "%s: out of memory for the inflation ahead", s->name);
    a->mu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
    a->filled = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
    a->freed = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
    for (size_t k = 0; k < AHEAD_BLOCKS; k++) {
        struct ahead_block *b = &a->block[k];
        b->cap_steps = AHEAD_STEPS;
        if (!(b->text = genre__alloc_array(AHEAD_BLOCK, 1)) ||
            !(b->steps = genre__alloc_array(AHEAD_STEPS, sizeof *b->steps))) {
            ahead_free(a);
            return GENRE_FAIL(GENRE_E_NOMEM, "%s: out of memory for %d blocks of %zu bytes "
                              "inflated ahead", s->name, AHEAD_BLOCKS, AHEAD_BLOCK);
        }
    }
    /* libdeflate's decompressor made here, so that the inflating thread
     * allocates nothing of its own (zlib's window aside). */
    genre__gzip_fast_prepare(&s->fast);
    a->src = s;
    a->in_bytes = s->in_bytes; /* what open's read reported */
    atomic_init(&a->stop, 0);
    /* The callback is the reading thread's to call. Without a thread (the
     * system's limits) the reads stay on the calling thread, as with
     * GENRE_SCHEMA_THREADS = 1. */
    s->on_read = note_read;
    s->on_read_ctx = a;
    if (genre__spawn_thread(&a->thread, inflate_ahead, a) != 0) {
        s->on_read = NULL;
        ahead_free(a);
        return GENRE_OK;
    }
    s->ahead = a;
    return GENRE_OK;
}

/* Takes the next handed-over block, waiting for it; its progress report
 * may cancel. */
static genre_status take_block(struct genre__ahead *a)
{
    pthread_mutex_lock(&a->mu);
    if (a->holding) {
        a->head = (a->head + 1) % AHEAD_BLOCKS;
        a->n_full--;
        a->holding = 0;
        pthread_cond_signal(&a->freed);
    }
    while (a->n_full == 0)
        pthread_cond_wait(&a->filled, &a->mu);
    a->holding = 1;
    a->pos = 0;
    pthread_mutex_unlock(&a->mu);
    const struct ahead_block *b = &a->block[a->head];
    for (size_t i = 0; i < b->n_steps; i++) {
        a->in_bytes = b->steps[i];
        if (genre__progress(a->src->hooks, GENRE_SCHEMA_PHASE_READ, (int64_t)a->in_bytes,
                            a->src->total, NAN))
            return GENRE_FAIL(GENRE_E_CANCELLED,
                              "%s: cancelled by the progress callback after reading %llu "
                              "bytes",
                              a->src->name, (unsigned long long)a->in_bytes);
    }
    return GENRE_OK;
}

genre_status genre__source_read_ahead(struct genre__source *s, char *buf, size_t cap,
                                      size_t *got)
{
    struct genre__ahead *a = s->ahead;
    genre_status st;
    for (;;) {
        if (a->holding) {
            const struct ahead_block *b = &a->block[a->head];
            if (a->pos < b->len) {
                size_t n = b->len - a->pos < cap ? b->len - a->pos : cap;
                memcpy(buf, b->text + a->pos, n);
                a->pos += n;
                *got = n;
                return GENRE_OK;
            }
            if (b->status != GENRE_OK) /* the text before the failure is out */
                return genre_set_error(b->status, a->message);
            if (b->last) {
                a->finished = 1;
                return GENRE_OK;
            }
        }
        if (a->finished)
            return GENRE_OK;
        if ((st = take_block(a)) != GENRE_OK)
            return st;
    }
}

uint64_t genre__source_ahead_in_bytes(const struct genre__source *s)
{
    return s->ahead->in_bytes;
}

void genre__source_stop_ahead(struct genre__source *s)
{
    struct genre__ahead *a = s->ahead;
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    atomic_store(&a->stop, 1);
    pthread_cond_signal(&a->freed);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    s->on_read = NULL;
    ahead_free(a);
    s->ahead = NULL;
}
