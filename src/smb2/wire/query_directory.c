/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 QUERY_DIRECTORY codec (MS-SMB2 2.2.33, 2.2.34). */
#include "smb2/wire/query_directory.h"

#include <string.h>

#include "smb2/wire/body.h"

#define QUERY_DIRECTORY_REQ_SS 33
#define QUERY_DIRECTORY_RSP_SS 9

NTSTATUS smb2_query_directory_req_decode(const uint8_t *msg, size_t len,
					 struct smb2_query_directory_req *req)
{
	struct rd r;
	uint16_t name_off;
	NTSTATUS st;

	memset(req, 0, sizeof(*req));
	st = smb2_body_open(msg, len, QUERY_DIRECTORY_REQ_SS, true, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (!rd_u8(&r, &req->file_info_class) || !rd_u8(&r, &req->flags) ||
	    !rd_u32(&r, &req->file_index) || !smb2_rd_fileid(&r, &req->file_id) ||
	    !rd_u16(&r, &name_off) || !rd_u16(&r, &req->pattern_len) ||
	    !rd_u32(&r, &req->output_buffer_length))
		return STATUS_INVALID_PARAMETER;
	return smb2_body_buf(&r, smb2_body_end(QUERY_DIRECTORY_REQ_SS), name_off, req->pattern_len,
			     &req->pattern);
}

void smb2_query_directory_rsp_encode_fixed(struct wr *w, size_t hdr_off, uint32_t out_len)
{
	wr_u16(w, QUERY_DIRECTORY_RSP_SS);
	wr_u16(w, out_len ? (uint16_t)(smb2_body_pos(w, hdr_off) + 6) : 0);
	wr_u32(w, out_len);
}
