/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 LOCK request/response bodies (MS-SMB2 2.2.26, 2.2.26.1, 2.2.27). */
#ifndef SKIFF_WIRE_LOCK_H
#define SKIFF_WIRE_LOCK_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"
#include "smb2/wire/types.h"

/* SMB2_LOCK_ELEMENT Flags (2.2.26.1). */
#define SMB2_LOCKFLAG_SHARED_LOCK      0x00000001u
#define SMB2_LOCKFLAG_EXCLUSIVE_LOCK   0x00000002u
#define SMB2_LOCKFLAG_UNLOCK           0x00000004u
#define SMB2_LOCKFLAG_FAIL_IMMEDIATELY 0x00000010u

#define SMB2_LOCK_ELEMENT_SIZE 24

struct smb2_lock_element {
	uint64_t offset;
	uint64_t length;
	uint32_t flags;
};

struct smb2_lock_req {
	uint16_t lock_count;            /* >= 1 */
	uint32_t lock_sequence;         /* raw; see the two accessors below */
	struct smb2_fileid file_id;
	const uint8_t *locks;           /* lock_count elements of 24 bytes, inside the message */
};

/* LockSequenceNumber is the low 4 bits, LockSequenceIndex the upper 28 (2.2.26; Reserved in
 * 2.0.2). */
static inline uint8_t smb2_lock_seq_number(const struct smb2_lock_req *r)
{
	return (uint8_t)(r->lock_sequence & 0xF);
}
static inline uint32_t smb2_lock_seq_index(const struct smb2_lock_req *r)
{
	return r->lock_sequence >> 4;
}

/* StructureSize 48 (which counts one element). LockCount 0 or more elements than the
 * message holds: STATUS_INVALID_PARAMETER. */
NTSTATUS smb2_lock_req_decode(const uint8_t *msg, size_t len, struct smb2_lock_req *req);

/* Element i (< lock_count) of a decoded request. */
void smb2_lock_req_element(const struct smb2_lock_req *req, size_t i, struct smb2_lock_element *e);

/* StructureSize 4, Reserved. */
void smb2_lock_rsp_encode(struct wr *w, size_t hdr_off);

#endif
