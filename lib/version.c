/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Run-time version and build description. */
#include <genre/version.h>

#include "parallel.h"

#include <gsl/gsl_version.h>
#include <pthread.h>
#include <stdio.h>
#include <zlib.h>

/* From OpenBLAS; declared here so this file does not pull in <cblas.h>. */
char *openblas_get_config(void);

#define STR_(x) #x
#define STR(x) STR_(x)

int32_t genre_version_number(void)
{
    return GENRE_VERSION_NUMBER;
}

const char *genre_version_string(void)
{
    return STR(GENRE_VERSION_MAJOR) "." STR(GENRE_VERSION_MINOR) "." STR(GENRE_VERSION_PATCH);
}

uint32_t genre_features(void)
{
    return GENRE_FEATURE_THREADS | GENRE_FEATURE_GZIP | GENRE_FEATURE_OPENBLAS |
           GENRE_FEATURE_GSL;
}

int32_t genre_default_threads(void)
{
    return genre__default_threads();
}

static char build_info[512];
static pthread_once_t build_info_once = PTHREAD_ONCE_INIT;

static void describe_build(void)
{
    const char *blas = openblas_get_config();
    snprintf(build_info, sizeof build_info,
             "libgenre %s (ABI %d); threads: pthreads; GSL %s; BLAS: %s; zlib %s",
             genre_version_string(), GENRE_ABI_VERSION, gsl_version,
             blas ? blas : "OpenBLAS (no config string)", zlibVersion());
}

const char *genre_build_info(void)
{
    pthread_once(&build_info_once, describe_build);
    return build_info;
}
