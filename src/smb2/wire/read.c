/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 READ request decoder and response fixed-part encoder (MS-SMB2 2.2.19, 2.2.20). */
#include "smb2/wire/read.h"

#include <string.h>

#include "smb2/wire/body.h"

#define READ_REQ_SS 49
#define READ_RSP_SS 17

NTSTATUS smb2_read_req_decode(const uint8_t *msg, size_t len, struct smb2_read_req *req)
{
	struct rd r;
	NTSTATUS st;
	uint16_t ci_off;

	memset(req, 0, sizeof(*req));
	st = smb2_body_open(msg, len, READ_REQ_SS, false, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (!rd_u8(&r, &req->padding) || !rd_u8(&r, &req->flags) || !rd_u32(&r, &req->length) ||
	    !rd_u64(&r, &req->offset) || !smb2_rd_fileid(&r, &req->file_id) ||
	    !rd_u32(&r, &req->minimum_count) || !rd_u32(&r, &req->channel) ||
	    !rd_u32(&r, &req->remaining_bytes) || !rd_u16(&r, &ci_off) ||
	    !rd_u16(&r, &req->channel_info_len))
		return STATUS_INVALID_PARAMETER;
	return smb2_body_buf(&r, smb2_body_end(READ_REQ_SS), ci_off, req->channel_info_len,
			     &req->channel_info);
}

void smb2_read_rsp_encode_fixed(struct wr *w, size_t hdr_off, uint32_t data_len,
				uint32_t data_remaining)
{
	smb2_read_rsp_encode_fixed_padded(w, hdr_off, data_len, data_remaining, 0);
}

void smb2_read_rsp_encode_fixed_padded(struct wr *w, size_t hdr_off, uint32_t data_len,
				       uint32_t data_remaining, uint8_t padding)
{
	(void)hdr_off;
	wr_u16(w, READ_RSP_SS);
	wr_u8(w, (uint8_t)(SMB2_READ_RSP_DATA_OFFSET + padding));
	wr_u8(w, 0);                        /* Reserved */
	wr_u32(w, data_len);
	wr_u32(w, data_remaining);
	wr_u32(w, SMB2_READFLAG_RESPONSE_NONE);
	wr_zero(w, padding);
}
