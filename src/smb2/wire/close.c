/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 CLOSE and FLUSH codecs (MS-SMB2 2.2.15 - 2.2.18). */
#include "smb2/wire/close.h"

#include <string.h>

#include "smb2/wire/body.h"
#include "smb2/wire/simple.h"

#define CLOSE_REQ_SS 24
#define CLOSE_RSP_SS 60
#define FLUSH_REQ_SS 24

NTSTATUS smb2_close_req_decode(const uint8_t *msg, size_t len, struct smb2_close_req *req)
{
	struct rd r;
	NTSTATUS st;
	uint32_t reserved;

	memset(req, 0, sizeof(*req));
	st = smb2_body_open(msg, len, CLOSE_REQ_SS, false, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (!rd_u16(&r, &req->flags) || !rd_u32(&r, &reserved) ||
	    !smb2_rd_fileid(&r, &req->file_id))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

void smb2_close_rsp_encode(struct wr *w, size_t hdr_off, const struct smb2_close_rsp *rsp)
{
	wr_u16(w, CLOSE_RSP_SS);
	wr_u16(w, rsp->flags);
	wr_u32(w, 0);
	wr_u64(w, rsp->creation_time);
	wr_u64(w, rsp->last_access_time);
	wr_u64(w, rsp->last_write_time);
	wr_u64(w, rsp->change_time);
	wr_u64(w, rsp->allocation_size);
	wr_u64(w, rsp->end_of_file);
	wr_u32(w, rsp->file_attributes);
}

NTSTATUS smb2_flush_req_decode(const uint8_t *msg, size_t len, struct smb2_flush_req *req)
{
	struct rd r;
	NTSTATUS st;
	uint16_t reserved1;
	uint32_t reserved2;

	memset(req, 0, sizeof(*req));
	st = smb2_body_open(msg, len, FLUSH_REQ_SS, false, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (!rd_u16(&r, &reserved1) || !rd_u32(&r, &reserved2) ||
	    !smb2_rd_fileid(&r, &req->file_id))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

void smb2_flush_rsp_encode(struct wr *w, size_t hdr_off)
{
	smb2_simple_rsp_encode(w, hdr_off);
}
