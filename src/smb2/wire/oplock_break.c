/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 OPLOCK_BREAK codecs (MS-SMB2 2.2.23 - 2.2.25). */
#include "smb2/wire/oplock_break.h"

#include <string.h>

#include "smb2/wire/body.h"

NTSTATUS smb2_oplock_break_req_decode(const uint8_t *msg, size_t len,
				      struct smb2_oplock_break_req *req)
{
	struct rd r = rd_init(msg, len);
	uint16_t ss;
	uint8_t reserved;
	uint16_t reserved16;
	uint32_t reserved2;
	NTSTATUS st;

	memset(req, 0, sizeof(*req));
	/* The StructureSize says which acknowledgment this is (3.3.5.22). */
	if (!rd_seek(&r, SMB2_HDR_SIZE) || !rd_u16(&r, &ss))
		return STATUS_INVALID_PARAMETER;
	if (ss != SMB2_OPLOCK_BREAK_SS && ss != SMB2_LEASE_BREAK_ACK_SS)
		return STATUS_INVALID_PARAMETER;
	st = smb2_body_open(msg, len, ss, false, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (ss == SMB2_OPLOCK_BREAK_SS) {
		if (!rd_u8(&r, &req->oplock_level) || !rd_u8(&r, &reserved) ||
		    !rd_u32(&r, &reserved2) || !smb2_rd_fileid(&r, &req->file_id))
			return STATUS_INVALID_PARAMETER;
		return STATUS_SUCCESS;
	}
	req->lease = true;
	if (!rd_u16(&r, &reserved16) || !rd_u32(&r, &req->flags) ||
	    !rd_copy(&r, req->lease_key, 16) || !rd_u32(&r, &req->lease_state) ||
	    !rd_u64(&r, &req->lease_duration))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

void smb2_oplock_break_encode(struct wr *w, size_t hdr_off, uint8_t oplock_level,
			      const struct smb2_fileid *file_id)
{
	wr_u16(w, SMB2_OPLOCK_BREAK_SS);
	wr_u8(w, oplock_level);
	wr_u8(w, 0);
	wr_u32(w, 0);
	smb2_wr_fileid(w, file_id);
}

void smb2_lease_break_notify_encode(struct wr *w, size_t hdr_off,
				    const struct smb2_lease_break_notify *n)
{
	wr_u16(w, SMB2_LEASE_BREAK_NOTIFY_SS);
	wr_u16(w, n->new_epoch);
	wr_u32(w, n->flags);
	wr_bytes(w, n->lease_key, 16);
	wr_u32(w, n->current_lease_state);
	wr_u32(w, n->new_lease_state);
	wr_u32(w, 0);              /* BreakReason */
	wr_u32(w, 0);              /* AccessMaskHint */
	wr_u32(w, 0);              /* ShareMaskHint */
}

void smb2_lease_break_rsp_encode(struct wr *w, size_t hdr_off, uint32_t flags,
				 const uint8_t lease_key[16], uint32_t lease_state,
				 uint64_t lease_duration)
{
	wr_u16(w, SMB2_LEASE_BREAK_ACK_SS);
	wr_u16(w, 0);
	wr_u32(w, flags);
	wr_bytes(w, lease_key, 16);
	wr_u32(w, lease_state);
	wr_u64(w, lease_duration);
}
