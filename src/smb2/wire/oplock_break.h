/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SMB2 OPLOCK_BREAK in its four shapes (MS-SMB2 2.2.23 - 2.2.25): the server's oplock and lease
 * break notifications, the client's acknowledgments (told apart by StructureSize) and the
 * server's responses to them.
 */
#ifndef SKIFF_WIRE_OPLOCK_BREAK_H
#define SKIFF_WIRE_OPLOCK_BREAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"
#include "smb2/wire/types.h"

/* Lease Break Notification Flags (2.2.23.2). */
#define SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED 0x00000001u

#define SMB2_OPLOCK_BREAK_SS 24      /* oplock notification, acknowledgment and response */
#define SMB2_LEASE_BREAK_ACK_SS 36   /* lease acknowledgment and response */
#define SMB2_LEASE_BREAK_NOTIFY_SS 44

/* A client acknowledgment: an oplock one (2.2.24.1) or a lease one (2.2.24.2). */
struct smb2_oplock_break_req {
	bool lease;
	/* oplock */
	uint8_t oplock_level;
	struct smb2_fileid file_id;
	/* lease */
	uint32_t flags;
	uint8_t lease_key[16];
	uint32_t lease_state;
	uint64_t lease_duration;
};

/* StructureSize 24 (oplock) or 36 (lease); anything else is STATUS_INVALID_PARAMETER. */
NTSTATUS smb2_oplock_break_req_decode(const uint8_t *msg, size_t len,
				      struct smb2_oplock_break_req *req);

/* Oplock Break Notification (2.2.23.1) and Oplock Break Response (2.2.25.1) share a layout. */
void smb2_oplock_break_encode(struct wr *w, size_t hdr_off, uint8_t oplock_level,
			      const struct smb2_fileid *file_id);

struct smb2_lease_break_notify {
	uint16_t new_epoch;
	uint32_t flags;
	uint8_t lease_key[16];
	uint32_t current_lease_state;
	uint32_t new_lease_state;
};

/* Lease Break Notification (2.2.23.2); BreakReason and the two hints are 0. */
void smb2_lease_break_notify_encode(struct wr *w, size_t hdr_off,
				    const struct smb2_lease_break_notify *n);

/* Lease Break Response (2.2.25.2). */
void smb2_lease_break_rsp_encode(struct wr *w, size_t hdr_off, uint32_t flags,
				 const uint8_t lease_key[16], uint32_t lease_state,
				 uint64_t lease_duration);

#endif
