/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Private: replacing a file by path, whole or not at all, and only a
 * regular file (docs/model-file-format.md, "Writing files"). */
#ifndef GENRE_FILE_REPLACE_H
#define GENRE_FILE_REPLACE_H

#include <genre/error.h>

#include <stddef.h>
#include <sys/types.h>

/*
 * Writes head then body (either may be empty; a pointer is read only when
 * its length is > 0) as the new content of the file named by path:
 *   - final symbolic links in path are followed (a chain, up to 40) and
 *     their target is replaced; a dangling link's target is created;
 *   - anything that exists and is not a regular file (directory, FIFO,
 *     device, socket) is refused before anything is written;
 *   - the bytes go to an unnamed temporary file in the target's directory
 *     (O_TMPFILE), or, where the file system has none, to a new file
 *     "<target>.tmp-<16 hex>" that every failure path removes; the file is
 *     fsync'ed, linked, checked again and renamed over the target, then the
 *     directory is fsync'ed (best effort);
 *   - a new file gets 0666 less the umask, a replaced one its permission
 *     bits (0777; not the set-id and sticky bits).
 * Returns GENRE_OK; GENRE_E_IO naming func, the path (and the symlink's
 * target) and the reason; GENRE_E_NOMEM. On failure the target is untouched
 * and nothing this call created is left. Thread-safe: concurrent calls on
 * one path each write a whole file and the last rename wins.
 */
genre_status genre__file_replace(const char *func, const char *path, const void *head,
                                 size_t head_len, const void *body, size_t body_len);

/* What a file that is not a regular file is, for messages: "a directory",
 * "a FIFO", "a character device", ... (static text). */
const char *genre__file_kind(mode_t mode);

#ifdef GENRE_TESTING
/* Non-zero makes genre__file_replace() use the named temporary file, as on a
 * file system without O_TMPFILE; 0 restores the default. Process-wide. */
void genre__file_replace_force_named(int on);
#endif

#endif
