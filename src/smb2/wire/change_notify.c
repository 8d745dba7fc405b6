/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 CHANGE_NOTIFY codec and FILE_NOTIFY_INFORMATION builder (MS-SMB2 2.2.35, 2.2.36,
 * MS-FSCC 2.7.1). */
#include "smb2/wire/change_notify.h"

#include <string.h>

#include "smb2/wire/body.h"

#define NOTIFY_REQ_SS 32
#define NOTIFY_RSP_SS 9

NTSTATUS smb2_change_notify_req_decode(const uint8_t *msg, size_t len,
				       struct smb2_change_notify_req *req)
{
	struct rd r;
	NTSTATUS st;
	uint32_t reserved;

	memset(req, 0, sizeof(*req));
	st = smb2_body_open(msg, len, NOTIFY_REQ_SS, false, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (!rd_u16(&r, &req->flags) || !rd_u32(&r, &req->output_buffer_length) ||
	    !smb2_rd_fileid(&r, &req->file_id) || !rd_u32(&r, &req->completion_filter) ||
	    !rd_u32(&r, &reserved))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

void smb2_change_notify_rsp_encode_fixed(struct wr *w, size_t hdr_off, uint32_t out_len)
{
	wr_u16(w, NOTIFY_RSP_SS);
	wr_u16(w, (uint16_t)smb2_body_end(NOTIFY_RSP_SS));     /* 0x48 */
	wr_u32(w, out_len);
}

void smb2_change_notify_rsp_encode(struct wr *w, size_t hdr_off,
				   const struct smb2_change_notify_rsp *rsp)
{
	smb2_change_notify_rsp_encode_fixed(w, hdr_off, rsp->output_len);
	wr_bytes(w, rsp->output, rsp->output_len);
}

void smb2_notify_info_builder_init(struct smb2_notify_info_builder *b, struct wr *w)
{
	b->w = w;
	b->base = w->len;
	b->last = w->len;
	b->count = 0;
}

void smb2_notify_info_add(struct smb2_notify_info_builder *b, uint32_t action,
			  const uint8_t *name, uint32_t name_len)
{
	struct wr *w = b->w;

	if (b->count > 0) {
		/* MS-FSCC 2.7.1: NextEntryOffset is a multiple of 4. */
		smb2_body_align(w, b->base, 4);
		wr_put_u32_at(w, b->last, (uint32_t)(w->len - b->last));
	}
	b->last = w->len;
	wr_u32(w, 0);
	wr_u32(w, action);
	wr_u32(w, name_len);
	wr_bytes(w, name, name_len);
	b->count++;
}
