/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 QUERY_INFO and SET_INFO codecs (MS-SMB2 2.2.37 - 2.2.40). */
#include "smb2/wire/query_info.h"

#include <string.h>

#include "smb2/wire/body.h"

#define QUERY_INFO_REQ_SS 41
#define QUERY_INFO_RSP_SS 9
#define SET_INFO_REQ_SS 33
#define SET_INFO_RSP_SS 2

NTSTATUS smb2_query_info_req_decode(const uint8_t *msg, size_t len, struct smb2_query_info_req *req)
{
	struct rd r;
	uint16_t in_off, reserved;
	NTSTATUS st;

	memset(req, 0, sizeof(*req));
	st = smb2_body_open(msg, len, QUERY_INFO_REQ_SS, true, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (!rd_u8(&r, &req->info_type) || !rd_u8(&r, &req->file_info_class) ||
	    !rd_u32(&r, &req->output_buffer_length) || !rd_u16(&r, &in_off) ||
	    !rd_u16(&r, &reserved) || !rd_u32(&r, &req->input_len) ||
	    !rd_u32(&r, &req->additional_information) || !rd_u32(&r, &req->flags) ||
	    !smb2_rd_fileid(&r, &req->file_id))
		return STATUS_INVALID_PARAMETER;
	return smb2_body_buf(&r, smb2_body_end(QUERY_INFO_REQ_SS), in_off, req->input_len, &req->input);
}

void smb2_query_info_rsp_encode_fixed(struct wr *w, size_t hdr_off, uint32_t out_len)
{
	wr_u16(w, QUERY_INFO_RSP_SS);
	wr_u16(w, (uint16_t)(smb2_body_pos(w, hdr_off) + 6));
	wr_u32(w, out_len);
}

NTSTATUS smb2_set_info_req_decode(const uint8_t *msg, size_t len, struct smb2_set_info_req *req)
{
	struct rd r;
	uint16_t buf_off, reserved;
	NTSTATUS st;

	memset(req, 0, sizeof(*req));
	st = smb2_body_open(msg, len, SET_INFO_REQ_SS, true, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (!rd_u8(&r, &req->info_type) || !rd_u8(&r, &req->file_info_class) ||
	    !rd_u32(&r, &req->buffer_len) || !rd_u16(&r, &buf_off) || !rd_u16(&r, &reserved) ||
	    !rd_u32(&r, &req->additional_information) || !smb2_rd_fileid(&r, &req->file_id))
		return STATUS_INVALID_PARAMETER;
	return smb2_body_buf(&r, smb2_body_end(SET_INFO_REQ_SS), buf_off, req->buffer_len, &req->buffer);
}

void smb2_set_info_rsp_encode(struct wr *w, size_t hdr_off)
{
	(void)hdr_off;
	wr_u16(w, SET_INFO_RSP_SS);
}
