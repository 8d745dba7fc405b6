/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 ERROR response encoder (MS-SMB2 2.2.2, 3.3.4.4). */
#include "smb2/wire/error.h"

#define ERROR_RSP_SS 9

void smb2_error_rsp_encode(struct wr *w, size_t hdr_off, const struct smb2_error_rsp *rsp)
{
	wr_u16(w, ERROR_RSP_SS);
	wr_u8(w, rsp->error_context_count);
	wr_u8(w, 0);
	wr_u32(w, rsp->byte_count);
	if (rsp->byte_count == 0)
		wr_u8(w, 0);
	else
		wr_bytes(w, rsp->error_data, rsp->byte_count);
}

void smb2_error_rsp_encode_empty(struct wr *w, size_t hdr_off)
{
	struct smb2_error_rsp rsp = { 0 };

	smb2_error_rsp_encode(w, hdr_off, &rsp);
}

void smb2_error_rsp_encode_buffer_too_small(struct wr *w, size_t hdr_off, uint32_t needed)
{
	uint8_t b[4];
	struct smb2_error_rsp rsp = { .error_data = b, .byte_count = sizeof(b) };

	put_le32(b, needed);
	smb2_error_rsp_encode(w, hdr_off, &rsp);
}

void smb2_error_ctx_append(struct wr *ctx, uint32_t error_id, const uint8_t *data, uint32_t len)
{
	if (ctx->len > 0)
		wr_align(ctx, 8);
	wr_u32(ctx, len);
	wr_u32(ctx, error_id);
	wr_bytes(ctx, data, len);
}
