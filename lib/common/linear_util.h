/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private, transitional: the former name of caller_buffer.h plus
 * linear_fit.h, with the caller-buffer rule's former function names. Only
 * lib/pca.c and lib/lda.c still include it (their owners are editing them
 * at the same time); switch them to "caller_buffer.h" and "linear_fit.h"
 * with genre__buffer_check, genre__buffer_copy and genre__buffer_count, then
 * delete this file.
 */
#ifndef GENRE_LINEAR_UTIL_H
#define GENRE_LINEAR_UTIL_H

#include "caller_buffer.h"
#include "linear_fit.h"

#define genre__lin_out genre__buffer_check
#define genre__lin_copy_out genre__buffer_copy
#define genre__lin_count genre__buffer_count

#endif
