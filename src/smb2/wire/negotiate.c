/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 NEGOTIATE request decoder and response encoder (MS-SMB2 2.2.3, 2.2.4). */
#include "smb2/wire/negotiate.h"

#include <string.h>

#include "smb2/wire/body.h"

#define NEG_REQ_SS 36
#define NEG_RSP_SS 65
#define NEG_CTX_HDR 8     /* ContextType, DataLength, Reserved */

bool smb2_u16_list_has(const struct smb2_u16_list *l, uint16_t v)
{
	for (size_t i = 0; i < l->count; i++)
		if (smb2_u16_list_get(l, i) == v)
			return true;
	return false;
}

/* Read `count` negotiate contexts starting at `off` (from the header). MS-SMB2 2.2.3.1: the
 * first at an 8-aligned offset, each later one at the first 8-aligned offset after the
 * previous; the last need not be padded. */
static NTSTATUS neg_contexts_decode(struct rd *r, size_t min_off, uint32_t off, uint16_t count,
				    struct smb2_negotiate_req *req)
{
	req->context_count = 0;
	if (count == 0)
		return STATUS_SUCCESS;
	if (count > SMB2_NEG_CONTEXTS_MAX || off % 8 != 0 || off < min_off || off > r->len)
		return STATUS_INVALID_PARAMETER;
	/* Every context takes at least its 8-byte header: reject impossible counts up front. */
	if ((size_t)count * NEG_CTX_HDR > r->len - off)
		return STATUS_INVALID_PARAMETER;
	if (!rd_seek(r, off))
		return STATUS_INVALID_PARAMETER;
	for (uint16_t i = 0; i < count; i++) {
		struct smb2_neg_context *c = &req->contexts[i];
		uint32_t reserved;

		if (i > 0 && !rd_align(r, 8))
			return STATUS_INVALID_PARAMETER;
		if (!rd_u16(r, &c->type) || !rd_u16(r, &c->len) || !rd_u32(r, &reserved) ||
		    !rd_bytes(r, c->len, &c->data))
			return STATUS_INVALID_PARAMETER;
		req->context_count++;
	}
	return STATUS_SUCCESS;
}

NTSTATUS smb2_negotiate_req_decode(const uint8_t *msg, size_t len, struct smb2_negotiate_req *req)
{
	struct rd r;
	NTSTATUS st;
	uint16_t reserved, ctx_count, reserved2;
	uint32_t ctx_off;

	memset(req, 0, sizeof(*req));
	st = smb2_body_open(msg, len, NEG_REQ_SS, true, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (!rd_u16(&r, &req->dialects.count) || !rd_u16(&r, &req->security_mode) ||
	    !rd_u16(&r, &reserved) || !rd_u32(&r, &req->capabilities) ||
	    !rd_copy(&r, req->client_guid, 16) || !rd_u32(&r, &ctx_off) ||
	    !rd_u16(&r, &ctx_count) || !rd_u16(&r, &reserved2))
		return STATUS_INVALID_PARAMETER;
	/* MS-SMB2 3.3.5.4: DialectCount 0 fails with STATUS_INVALID_PARAMETER. */
	if (req->dialects.count == 0 ||
	    !rd_bytes(&r, (size_t)req->dialects.count * 2, &req->dialects.p))
		return STATUS_INVALID_PARAMETER;

	/* NegotiateContextOffset/Count mean something only when 3.1.1 is offered (2.2.3);
	 * otherwise those 8 bytes are ClientStartTime and are ignored. */
	req->has_contexts = smb2_u16_list_has(&req->dialects, SMB2_DIALECT_311);
	if (!req->has_contexts)
		return STATUS_SUCCESS;
	return neg_contexts_decode(&r, r.off, ctx_off, ctx_count, req);
}

const struct smb2_neg_context *smb2_negotiate_req_find(const struct smb2_negotiate_req *req,
						       uint16_t type)
{
	for (size_t i = 0; i < req->context_count; i++)
		if (req->contexts[i].type == type)
			return &req->contexts[i];
	return NULL;
}

void smb2_neg_contexts_encode(struct wr *w, size_t hdr_off, const struct smb2_neg_context *c,
			      size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (i > 0)
			smb2_body_align(w, hdr_off, 8);
		wr_u16(w, c[i].type);
		wr_u16(w, c[i].len);
		wr_u32(w, 0);
		wr_bytes(w, c[i].data, c[i].len);
	}
}

void smb2_negotiate_rsp_encode(struct wr *w, size_t hdr_off, const struct smb2_negotiate_rsp *rsp)
{
	size_t ctx_off_field;

	wr_u16(w, NEG_RSP_SS);
	wr_u16(w, rsp->security_mode);
	wr_u16(w, rsp->dialect_revision);
	wr_u16(w, rsp->context_count);     /* Reserved (0) unless 3.1.1 contexts follow */
	wr_bytes(w, rsp->server_guid, 16);
	wr_u32(w, rsp->capabilities);
	wr_u32(w, rsp->max_transact_size);
	wr_u32(w, rsp->max_read_size);
	wr_u32(w, rsp->max_write_size);
	wr_u64(w, rsp->system_time);
	wr_u64(w, rsp->server_start_time);
	/* The fixed part ends at 0x80 from the header: the security buffer starts there. */
	wr_u16(w, (uint16_t)(SMB2_HDR_SIZE + NEG_RSP_SS - 1));
	wr_u16(w, rsp->security_buffer_len);
	ctx_off_field = w->len;
	wr_u32(w, 0);                      /* NegotiateContextOffset, patched below */
	wr_bytes(w, rsp->security_buffer, rsp->security_buffer_len);
	if (rsp->context_count == 0)
		return;
	smb2_body_align(w, hdr_off, 8);
	wr_put_u32_at(w, ctx_off_field, (uint32_t)smb2_body_pos(w, hdr_off));
	smb2_neg_contexts_encode(w, hdr_off, rsp->contexts, rsp->context_count);
}
