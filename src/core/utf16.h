/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-16LE (wire) <-> UTF-8 (Linux names), surrogate pairs included, unpaired ones rejected. */
#ifndef SKIFF_UTF16_H
#define SKIFF_UTF16_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"

/* Decode `nbytes` of UTF-16LE into a NUL-terminated UTF-8 string allocated from `a`.
 * Returns NULL on odd length, unpaired surrogate, embedded NUL or allocation failure. */
char *utf16le_to_utf8(struct arena *a, const uint8_t *p, size_t nbytes);
/* Same, into a malloc'ed string the caller frees. */
char *utf16le_to_utf8_dup(const uint8_t *p, size_t nbytes);
/* Append the UTF-16LE form of a UTF-8 string (no terminator) to w; false on invalid UTF-8. */
bool utf8_to_utf16le(struct wr *w, const char *s);
/* Number of UTF-16LE bytes utf8_to_utf16le would write, or SIZE_MAX for invalid UTF-8. */
size_t utf8_utf16le_len(const char *s);
/* Case-insensitive compare of two UTF-8 names (ASCII and Latin-1/basic Unicode folding). */
int utf8_casecmp(const char *a, const char *b);

#endif
