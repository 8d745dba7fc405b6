/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 CREATE request decoder and response encoder (MS-SMB2 2.2.13, 2.2.14). */
#include "smb2/wire/create.h"

#include <string.h>

#include "smb2/wire/body.h"

#define CREATE_REQ_SS 57
#define CREATE_RSP_SS 89

NTSTATUS smb2_create_req_decode(const uint8_t *msg, size_t len, struct smb2_create_req *req)
{
	struct rd r;
	NTSTATUS st;
	uint64_t reserved;
	uint16_t name_off;
	uint32_t ctx_off;
	size_t min_off = smb2_body_end(CREATE_REQ_SS);

	memset(req, 0, sizeof(*req));
	st = smb2_body_open(msg, len, CREATE_REQ_SS, false, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (!rd_u8(&r, &req->security_flags) || !rd_u8(&r, &req->requested_oplock_level) ||
	    !rd_u32(&r, &req->impersonation_level) || !rd_u64(&r, &req->smb_create_flags) ||
	    !rd_u64(&r, &reserved) || !rd_u32(&r, &req->desired_access) ||
	    !rd_u32(&r, &req->file_attributes) || !rd_u32(&r, &req->share_access) ||
	    !rd_u32(&r, &req->create_disposition) || !rd_u32(&r, &req->create_options) ||
	    !rd_u16(&r, &name_off) || !rd_u16(&r, &req->name_len) ||
	    !rd_u32(&r, &ctx_off) || !rd_u32(&r, &req->contexts_len))
		return STATUS_INVALID_PARAMETER;
	st = smb2_body_buf(&r, min_off, name_off, req->name_len, &req->name);
	if (st != STATUS_SUCCESS)
		return st;
	st = smb2_body_buf(&r, min_off, ctx_off, req->contexts_len, &req->contexts_buf);
	if (st != STATUS_SUCCESS)
		return st;
	return smb2_create_ctx_parse(req->contexts_buf, req->contexts_len, &req->contexts);
}

void smb2_create_rsp_encode(struct wr *w, size_t hdr_off, const struct smb2_create_rsp *rsp)
{
	size_t ctx_field;

	wr_u16(w, CREATE_RSP_SS);
	wr_u8(w, rsp->oplock_level);
	wr_u8(w, rsp->flags);
	wr_u32(w, rsp->create_action);
	wr_u64(w, rsp->creation_time);
	wr_u64(w, rsp->last_access_time);
	wr_u64(w, rsp->last_write_time);
	wr_u64(w, rsp->change_time);
	wr_u64(w, rsp->allocation_size);
	wr_u64(w, rsp->end_of_file);
	wr_u32(w, rsp->file_attributes);
	wr_u32(w, 0);                      /* Reserved2 */
	smb2_wr_fileid(w, &rsp->file_id);
	ctx_field = w->len;
	wr_u32(w, 0);                      /* CreateContextsOffset, patched below */
	wr_u32(w, rsp->contexts_len);
	if (rsp->contexts_len == 0)
		return;
	smb2_body_align(w, hdr_off, 8);
	wr_put_u32_at(w, ctx_field, (uint32_t)smb2_body_pos(w, hdr_off));
	wr_bytes(w, rsp->contexts, rsp->contexts_len);
}
