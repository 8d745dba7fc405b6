/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers every PDU codec in src/smb2/wire uses: opening a request body after the 64-byte header
 * with its StructureSize checked, resolving (offset, length) buffers against the message, and
 * padding/aligning response bodies relative to their header.
 */
#ifndef SKIFF_WIRE_BODY_H
#define SKIFF_WIRE_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"
#include "smb2/wire/header.h"
#include "smb2/wire/types.h"

/* Size of the fixed part of a body whose StructureSize is `ss`: an odd StructureSize counts the
 * first byte of the variable Buffer (MS-SMB2 2.2.13 "regardless of how long Buffer[] actually
 * is"), so the fixed part is ss rounded down to even. */
static inline size_t smb2_body_fixed(uint16_t ss) { return (size_t)(ss & ~1u); }

/* Offset from the start of the header of the first byte after the fixed part. */
static inline size_t smb2_body_end(uint16_t ss) { return SMB2_HDR_SIZE + smb2_body_fixed(ss); }

/*
 * Open the body of the message `msg` (header start, `len` bytes): the message must hold the
 * header, the fixed part and — when `ss` is odd and `empty_dyn_ok` is false — at least one byte
 * of the variable part; the StructureSize read must equal `ss`. On success `r` covers the whole
 * message (so body offsets, which count from the header, are reader offsets) and is positioned
 * just after StructureSize.
 */
NTSTATUS smb2_body_open(const uint8_t *msg, size_t len, uint16_t ss, bool empty_dyn_ok,
			struct rd *r);

/*
 * Resolve a client buffer given as (offset from header, length). Length 0 yields NULL and is
 * always accepted (clients put anything in the offset then). Otherwise the buffer must start
 * at or after `min_off` (the end of the fixed part: it may not overlap the header or the fixed
 * fields) and end inside the message.
 */
NTSTATUS smb2_body_buf(const struct rd *r, size_t min_off, uint64_t off, uint64_t blen,
		       const uint8_t **p);

bool smb2_rd_fileid(struct rd *r, struct smb2_fileid *f);
void smb2_wr_fileid(struct wr *w, const struct smb2_fileid *f);

/* Bytes written since the header at hdr_off: the value body offset fields carry. */
static inline size_t smb2_body_pos(const struct wr *w, size_t hdr_off) { return w->len - hdr_off; }

/* Zero-pad so that the next byte sits at a multiple of `a` from the header at hdr_off. */
void smb2_body_align(struct wr *w, size_t hdr_off, size_t a);

#endif
