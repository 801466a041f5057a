/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/version.h
 * @brief Compile-time and run-time versions, and the build's features.
 *
 * The project version (below) and the ABI version are kept apart: the ABI
 * version is the SONAME major (libgenre.so.GENRE_ABI_VERSION) and changes only
 * when the binary interface breaks. CMake reads these lines; they are the
 * single place the version is written.
 */
#ifndef GENRE_VERSION_H
#define GENRE_VERSION_H

#include <genre/common.h>

GENRE_BEGIN_DECLS

#define GENRE_VERSION_MAJOR 1
#define GENRE_VERSION_MINOR 1
#define GENRE_VERSION_PATCH 0
/** The ABI (SONAME) major version. */
#define GENRE_ABI_VERSION 1

/** Version as one integer: major * 10000 + minor * 100 + patch. */
#define GENRE_VERSION_NUMBER \
    (GENRE_VERSION_MAJOR * 10000 + GENRE_VERSION_MINOR * 100 + GENRE_VERSION_PATCH)

/** Non-zero when the headers are at least version ma.mi.pa. */
#define GENRE_VERSION_AT_LEAST(ma, mi, pa) \
    (GENRE_VERSION_NUMBER >= ((ma) * 10000 + (mi) * 100 + (pa)))

/**
 * The version of the library actually loaded, encoded as GENRE_VERSION_NUMBER.
 * Compare with GENRE_VERSION_NUMBER to detect a header/library mismatch.
 * Thread-safe. @since 0.1
 */
GENRE_API int32_t genre_version_number(void);

/** The loaded library's version as "major.minor.patch"; static, never NULL.
 *  Thread-safe. @since 0.1 */
GENRE_API const char *genre_version_string(void);

/** Bits of genre_features(). */
#define GENRE_FEATURE_THREADS 0x1u   /**< libgenre's own loops run on threads */
#define GENRE_FEATURE_GZIP    0x2u   /**< gzip-compressed input is read */
#define GENRE_FEATURE_OPENBLAS 0x4u  /**< matrix products go to OpenBLAS */
#define GENRE_FEATURE_GSL     0x8u   /**< eigen-decompositions use GSL */

/** Bitmask of GENRE_FEATURE_* compiled into the loaded library.
 *  Thread-safe. @since 0.1 */
GENRE_API uint32_t genre_features(void);

/**
 * The thread count libgenre uses wherever a thread parameter is 0 (its
 * default, e.g. GENRE_KMEANS_N_THREADS): the CPUs of the calling thread's
 * affinity mask (sched_getaffinity), not the machine's cores, so a process
 * bound to one core (taskset -c 0, an MPI launcher's binding, a container's
 * cpuset) gets 1 and is not oversubscribed; the online cores where the
 * system reports no mask; 1 when neither is known; at most 256. Read on
 * every call, so a changed mask counts from the next fit on. Thread-safe.
 * @since 1.0
 */
GENRE_API int32_t genre_default_threads(void);

/**
 * One line describing the build: version, ABI, threading, and the versions of
 * GSL, OpenBLAS and zlib the library runs with (read at run time).
 * @return static text, never NULL. Thread-safe. @since 0.1
 */
GENRE_API const char *genre_build_info(void);

GENRE_END_DECLS

#endif /* GENRE_VERSION_H */
