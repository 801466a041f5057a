/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The steps the fault walk runs (fault_steps.c). */
#ifndef GENRE_FAULT_STEPS_H
#define GENRE_FAULT_STEPS_H

#include <genre/genre.h>

#include <stddef.h>
#include <stdint.h>

/* One step: a whole use of the library that frees everything it made and
 * returns its first failing status. It allocates nothing of its own: its
 * inputs and output buffers come from fault_steps_setup(). */
typedef struct fault_step {
    const char *name;
    genre_status (*run)(void);
    int leak_free; /* set by the walker: the step leaves no live block */
} fault_step;

/* The step table (static storage); returns its length. */
size_t fault_steps_get(fault_step **steps);

/* A digest of everything a step writes (output buffers and files), taken
 * after it: a step that returns GENRE_OK after a failed allocation must
 * give the same digest as without injection. */
uint64_t fault_steps_digest(void);

/* Builds the inputs (data, fitted models, files in a temporary folder);
 * 0 on success. Teardown removes the folder. */
int fault_steps_setup(void);
void fault_steps_teardown(void);

#endif
