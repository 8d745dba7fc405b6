/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 TREE_CONNECT and TREE_DISCONNECT bodies (MS-SMB2 2.2.9 - 2.2.12). */
#include "smb2/wire/tree_connect.h"

#include <string.h>

#include "smb2/wire/body.h"
#include "smb2/wire/simple.h"

#define TCON_REQ_SS  9
#define TCON_RSP_SS  16
#define TCON_EXT_HDR 16      /* TreeConnectContextOffset, Count, Reserved[10] */
#define TCON_CTX_HDR 8

static NTSTATUS tcon_extension_decode(struct rd *r, struct smb2_tree_connect_req *req)
{
	uint32_t ctx_off;
	uint64_t abs;

	if (!rd_seek(r, smb2_body_end(TCON_REQ_SS)) || !rd_u32(r, &ctx_off) ||
	    !rd_u16(r, &req->context_count) || !rd_skip(r, 10))
		return STATUS_INVALID_PARAMETER;
	if (req->context_count == 0)
		return STATUS_SUCCESS;
	abs = (uint64_t)SMB2_HDR_SIZE + ctx_off;
	if (abs < smb2_body_end(TCON_REQ_SS) + TCON_EXT_HDR || abs > r->len ||
	    (size_t)req->context_count * TCON_CTX_HDR > r->len - abs)
		return STATUS_INVALID_PARAMETER;
	req->contexts_len = (uint32_t)(r->len - abs);
	return smb2_body_buf(r, abs, abs, req->contexts_len, &req->contexts);
}

NTSTATUS smb2_tree_connect_req_decode(const uint8_t *msg, size_t len,
				      struct smb2_tree_connect_req *req)
{
	struct rd r;
	NTSTATUS st;
	uint16_t off;
	size_t min_off = smb2_body_end(TCON_REQ_SS);

	memset(req, 0, sizeof(*req));
	st = smb2_body_open(msg, len, TCON_REQ_SS, false, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (!rd_u16(&r, &req->flags) || !rd_u16(&r, &off) || !rd_u16(&r, &req->path_len))
		return STATUS_INVALID_PARAMETER;
	if (req->flags & SMB2_TREE_CONNECT_FLAG_EXTENSION_PRESENT) {
		st = tcon_extension_decode(&r, req);
		if (st != STATUS_SUCCESS)
			return st;
		min_off += TCON_EXT_HDR;
	}
	return smb2_body_buf(&r, min_off, off, req->path_len, &req->path);
}

void smb2_tree_connect_rsp_encode(struct wr *w, size_t hdr_off,
				  const struct smb2_tree_connect_rsp *rsp)
{
	wr_u16(w, TCON_RSP_SS);
	wr_u8(w, rsp->share_type);
	wr_u8(w, 0);
	wr_u32(w, rsp->share_flags);
	wr_u32(w, rsp->capabilities);
	wr_u32(w, rsp->maximal_access);
}

NTSTATUS smb2_tree_disconnect_req_decode(const uint8_t *msg, size_t len)
{
	return smb2_simple_req_decode(msg, len);
}

void smb2_tree_disconnect_rsp_encode(struct wr *w, size_t hdr_off)
{
	smb2_simple_rsp_encode(w, hdr_off);
}
