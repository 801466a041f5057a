/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/model.h
 * @brief What every saved libgenre model has in common: its container.
 *
 * Every module saves to one versioned, checksummed, little-endian container
 * (docs/model-file-format.md), to a file or to a memory buffer. These calls
 * tell what a file or buffer holds without loading it.
 *
 * Saving to a file (every genre_*_save(..., path) and
 * genre_dataset_prep_save()):
 * - The file is written whole or not at all: the bytes go to a temporary
 *   file in the target's directory, which is fsync'ed and renamed over the
 *   target only when complete, so a reader sees the old file or the new
 *   one. The temporary file is unnamed (Linux O_TMPFILE) where the file
 *   system allows, so a killed process leaves nothing (bar the instant
 *   between naming it and renaming it over an existing file); elsewhere it
 *   is "<target>.tmp-<16 hex digits>", removed on every failure, which a
 *   kill can leave behind. Nothing else is ever deleted.
 * - Only a regular file is replaced. A path naming a directory, FIFO,
 *   device or socket fails with GENRE_E_IO (the message says what it is)
 *   and is left untouched; a FIFO is never opened.
 * - A symbolic link is followed (a chain too) and its final target is
 *   replaced; the link stays a link. A dangling link's target is created,
 *   as cp does.
 * - A new file gets mode 0666 less the process umask. A replaced file keeps
 *   its permission bits (rwx for owner, group, others) but not the set-id
 *   and sticky bits, and belongs to the user who saves; other hard links to
 *   it keep the old content.
 * - Concurrent saves to one path (threads or processes) each write a whole
 *   file; the last rename wins. A target that becomes something other than
 *   a regular file during a save is refused when the save checks again,
 *   just before the rename; a change in the instant between that check and
 *   the rename is not detected.
 *
 * Loading from a file (every genre_*_load(..., path),
 * genre_dataset_prep_load() and genre_model_peek()):
 * - A model is read from a regular file or a FIFO (a named pipe, a shell's
 *   <(...), /dev/stdin fed by a pipe). A directory, a device (/dev/zero, a
 *   terminal) or a socket fails with GENRE_E_IO, saying what it is, before
 *   a byte is read.
 * - A FIFO is read while a process has it open for writing: one with no
 *   writer when the load starts fails at once with GENRE_E_IO ("a FIFO with
 *   no writer") instead of waiting for one; so start the writer first. A
 *   writer that is there but slow is waited for, as by any pipe reader.
 * - The 36-byte header is read first: anything that is not a model fails
 *   there (GENRE_E_CORRUPT, or GENRE_E_VERSION for a newer format). Then
 *   exactly the length the header announces is read (at most 1 GiB): a
 *   regular file of another size is GENRE_E_CORRUPT from its size alone,
 *   and a stream that goes on past that length is GENRE_E_CORRUPT at the
 *   first byte too many. Memory follows the bytes really read.
 * Messages name the function called and the path.
 */
#ifndef GENRE_MODEL_H
#define GENRE_MODEL_H

#include <genre/common.h>

GENRE_BEGIN_DECLS

/* Model kinds stored in the container. Values are frozen; new kinds are appended. */
#define GENRE_MODEL_DATASET_PREP 1 /**< fitted cleaning/encoding state of a dataset */
#define GENRE_MODEL_SCALER 2
#define GENRE_MODEL_PCA 3
#define GENRE_MODEL_LDA 4
#define GENRE_MODEL_KMEANS 5
#define GENRE_MODEL_MLP 6
#define GENRE_MODEL_TSNE 7
#define GENRE_MODEL_TEXT 8
/* ---- Partial states of the online fits (larger-than-memory tables) ---- */
/** genre_scaler_partial (genre/scaler.h). @since 1.0 */
#define GENRE_MODEL_SCALER_PARTIAL 9
/** genre_pca_partial (genre/pca.h). @since 1.0 */
#define GENRE_MODEL_PCA_PARTIAL 10
/** genre_lda_partial (genre/lda.h). @since 1.0 */
#define GENRE_MODEL_LDA_PARTIAL 11
/** genre_metrics_partial (genre/metrics.h). @since 1.0 */
#define GENRE_MODEL_METRICS_PARTIAL 12
/** A partial Lloyd pass (genre_kmeans_partial_save_to_memory(); genre/kmeans.h). @since 1.0 */
#define GENRE_MODEL_KMEANS_PARTIAL 13
/** Record offsets of a CSV file (genre_dataset_index_build();
 *  genre/dataset_reader.h). @since 1.0 */
#define GENRE_MODEL_DATASET_INDEX 14
/** genre_dataset_prep_partial (genre/dataset_prep.h). @since 1.0 */
#define GENRE_MODEL_DATASET_PREP_PARTIAL 15

/** The container format version this library writes (and the newest it reads). */
#define GENRE_MODEL_FORMAT_VERSION 1

/**
 * The name of a model kind ("mlp", "pca", ...).
 * @return static text, never NULL; "unknown" for values this version does not know.
 * Thread-safe. @since 0.1
 */
GENRE_API const char *genre_model_kind_name(int32_t kind);

/**
 * Checks a model held in memory (header, every length, checksum) and
 * reports what it holds, without decoding the model itself.
 *
 * @param[in]  buf            the bytes; not kept after the call.
 * @param[in]  len            their count.
 * @param[out] kind           receives a GENRE_MODEL_* value; may be NULL.
 * @param[out] format_version receives the container version; may be NULL.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (buf NULL with len > 0);
 *         GENRE_E_CORRUPT (not a libgenre model, truncated, bad checksum);
 *         GENRE_E_VERSION (written by a newer format).
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_model_peek_from_memory(const void *buf, size_t len, int32_t *kind,
                                                    int32_t *format_version);

/**
 * genre_model_peek_from_memory() on a file.
 * @param[in] path UTF-8 path of the file (read as "Loading from a file"
 *                 above says).
 * @return as genre_model_peek_from_memory(), plus GENRE_E_IO when the file cannot be read
 *         (also: path is neither a regular file nor a FIFO with a writer)
 *         and GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_model_peek(const char *path, int32_t *kind, int32_t *format_version);

GENRE_END_DECLS

#endif /* GENRE_MODEL_H */
