/* SPDX-License-Identifier: Apache-2.0 */
/* Create context chains: request parser, response builder, fixed context bodies
 * (MS-SMB2 2.2.13.2, 2.2.14.2). */
#include "smb2/wire/create_contexts.h"

#include <string.h>

#include "smb2/wire/body.h"

#define CC_HDR 16    /* Next, NameOffset, NameLength, Reserved, DataOffset, DataLength */

/* One context at the start of `r` (which spans exactly this context's extent). */
static NTSTATUS cc_one(const struct rd *r, uint16_t name_off, uint16_t name_len,
		       uint16_t data_off, uint32_t data_len, struct smb2_create_ctx *c)
{
	struct rd sub;

	if (name_off < CC_HDR || name_len < 4 || !rd_at(r, name_off, name_len, &sub))
		return STATUS_INVALID_PARAMETER;
	c->name = sub.base;
	c->name_len = name_len;
	c->data = NULL;
	c->data_len = data_len;
	if (data_len == 0)
		return STATUS_SUCCESS;
	/* 2.2.13.2: DataOffset is 8-aligned; the data may not overlap header or name. */
	if (data_off % 8 != 0 || data_off < (size_t)name_off + name_len ||
	    !rd_at(r, data_off, data_len, &sub))
		return STATUS_INVALID_PARAMETER;
	c->data = sub.base;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_create_ctx_parse(const uint8_t *buf, size_t len, struct smb2_create_ctx_list *out)
{
	struct rd chain = rd_init(buf, len), r;
	size_t pos = 0;

	out->count = 0;
	if (len == 0)
		return STATUS_SUCCESS;
	for (;;) {
		uint32_t next, data_len;
		uint16_t name_off, name_len, reserved, data_off;
		size_t extent;
		NTSTATUS st;

		if (out->count == SMB2_CREATE_CTX_MAX || !rd_seek(&chain, pos) ||
		    !rd_u32(&chain, &next) || !rd_u16(&chain, &name_off) ||
		    !rd_u16(&chain, &name_len) || !rd_u16(&chain, &reserved) ||
		    !rd_u16(&chain, &data_off) || !rd_u32(&chain, &data_len))
			return STATUS_INVALID_PARAMETER;
		/* 2.2.13.2: Next points at the next 8-byte aligned context, 0 for the last. */
		if (next != 0 && (next % 8 != 0 || next < CC_HDR || next > len - pos))
			return STATUS_INVALID_PARAMETER;
		extent = next != 0 ? next : len - pos;
		if (!rd_at(&chain, pos, extent, &r))
			return STATUS_INVALID_PARAMETER;
		st = cc_one(&r, name_off, name_len, data_off, data_len, &out->ctx[out->count]);
		if (st != STATUS_SUCCESS)
			return st;
		out->count++;
		if (next == 0)
			return STATUS_SUCCESS;
		pos += next;
	}
}

bool smb2_create_ctx_name_eq(const struct smb2_create_ctx *c, const char *name, size_t name_len)
{
	return c->name_len == name_len && memcmp(c->name, name, name_len) == 0;
}

const struct smb2_create_ctx *smb2_create_ctx_find_n(const struct smb2_create_ctx_list *l,
						     const char *name, size_t name_len)
{
	for (size_t i = 0; i < l->count; i++)
		if (smb2_create_ctx_name_eq(&l->ctx[i], name, name_len))
			return &l->ctx[i];
	return NULL;
}

NTSTATUS smb2_create_ctx_lease_decode(const struct smb2_create_ctx *c, struct smb2_lease_req *out)
{
	struct rd r = rd_init(c->data, c->data_len);
	uint16_t reserved;

	memset(out, 0, sizeof(*out));
	if (c->data_len != 32 && c->data_len != 52)
		return STATUS_INVALID_PARAMETER;
	out->v2 = c->data_len == 52;
	if (!rd_copy(&r, out->key, 16) || !rd_u32(&r, &out->state) || !rd_u32(&r, &out->flags) ||
	    !rd_u64(&r, &out->duration))
		return STATUS_INVALID_PARAMETER;
	if (out->v2 && (!rd_copy(&r, out->parent_key, 16) || !rd_u16(&r, &out->epoch) ||
			!rd_u16(&r, &reserved)))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_create_ctx_dh2q_decode(const struct smb2_create_ctx *c,
				     struct smb2_durable_v2_req *out)
{
	struct rd r = rd_init(c->data, c->data_len);

	if (c->data_len != 32 || !rd_u32(&r, &out->timeout) || !rd_u32(&r, &out->flags) ||
	    !rd_skip(&r, 8) || !rd_copy(&r, out->create_guid, 16))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_create_ctx_dh2c_decode(const struct smb2_create_ctx *c,
				     struct smb2_durable_v2_reconnect *out)
{
	struct rd r = rd_init(c->data, c->data_len);

	if (c->data_len != 36 || !smb2_rd_fileid(&r, &out->file_id) ||
	    !rd_copy(&r, out->create_guid, 16) || !rd_u32(&r, &out->flags))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_create_ctx_dhnc_decode(const struct smb2_create_ctx *c, struct smb2_fileid *out)
{
	struct rd r = rd_init(c->data, c->data_len);

	if (c->data_len != 16 || !smb2_rd_fileid(&r, out))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_create_ctx_dhnq_decode(const struct smb2_create_ctx *c)
{
	return c->data_len == 16 ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
}

NTSTATUS smb2_create_ctx_durable_decode(const struct smb2_create_ctx_list *l,
					struct smb2_durable_ctx *out)
{
	const struct smb2_create_ctx *dhnq = smb2_create_ctx_find(l, SMB2_CREATE_DURABLE_HANDLE_REQUEST);
	const struct smb2_create_ctx *dhnc = smb2_create_ctx_find(l, SMB2_CREATE_DURABLE_HANDLE_RECONNECT);
	const struct smb2_create_ctx *dh2q = smb2_create_ctx_find(l, SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2);
	const struct smb2_create_ctx *dh2c = smb2_create_ctx_find(l, SMB2_CREATE_DURABLE_HANDLE_RECONNECT_V2);
	NTSTATUS st;

	memset(out, 0, sizeof(*out));
	if ((dh2q || dh2c) && (dhnq || dhnc))
		return STATUS_INVALID_PARAMETER;
	if (dh2q && dh2c)
		return STATUS_INVALID_PARAMETER;
	if (dh2c) {
		struct smb2_durable_v2_reconnect rc;
		st = smb2_create_ctx_dh2c_decode(dh2c, &rc);
		if (st != STATUS_SUCCESS)
			return st;
		out->reconnect = out->v2 = true;
		out->file_id = rc.file_id;
		memcpy(out->create_guid, rc.create_guid, 16);
		out->flags = rc.flags;
	} else if (dh2q) {
		struct smb2_durable_v2_req rq;
		st = smb2_create_ctx_dh2q_decode(dh2q, &rq);
		if (st != STATUS_SUCCESS)
			return st;
		out->request = out->v2 = true;
		out->timeout = rq.timeout;
		out->flags = rq.flags;
		memcpy(out->create_guid, rq.create_guid, 16);
	} else if (dhnc) {
		st = smb2_create_ctx_dhnc_decode(dhnc, &out->file_id);
		if (st != STATUS_SUCCESS)
			return st;
		out->reconnect = true;
	} else if (dhnq) {
		st = smb2_create_ctx_dhnq_decode(dhnq);
		if (st != STATUS_SUCCESS)
			return st;
		out->request = true;
	}
	return STATUS_SUCCESS;
}

NTSTATUS smb2_create_ctx_u64_decode(const struct smb2_create_ctx *c, uint64_t *out)
{
	struct rd r = rd_init(c->data, c->data_len);

	if (c->data_len != 8 || !rd_u64(&r, out))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_create_ctx_mxac_decode(const struct smb2_create_ctx *c, bool *has_ts, uint64_t *ts)
{
	*has_ts = false;
	*ts = 0;
	if (c->data_len == 0)
		return STATUS_SUCCESS;
	*has_ts = true;
	return smb2_create_ctx_u64_decode(c, ts);
}

void smb2_create_ctx_builder_init(struct smb2_create_ctx_builder *b, struct wr *w)
{
	b->w = w;
	b->base = w->len;
	b->last = w->len;
	b->count = 0;
}

size_t smb2_create_ctx_builder_len(const struct smb2_create_ctx_builder *b)
{
	return b->w->len - b->base;
}

void smb2_create_ctx_add(struct smb2_create_ctx_builder *b, const void *name, uint16_t name_len,
			 const void *data, uint32_t data_len)
{
	struct wr *w = b->w;
	size_t start;
	uint16_t data_off = 0;

	if (b->count > 0) {
		smb2_body_align(w, b->base, 8);
		wr_put_u32_at(w, b->last, (uint32_t)(w->len - b->last));
	}
	start = w->len;
	if (data_len > 0)
		data_off = (uint16_t)((CC_HDR + name_len + 7u) & ~7u);
	wr_u32(w, 0);                  /* Next: patched when another context follows */
	wr_u16(w, CC_HDR);             /* NameOffset */
	wr_u16(w, name_len);
	wr_u16(w, 0);                  /* Reserved */
	wr_u16(w, data_off);
	wr_u32(w, data_len);
	wr_bytes(w, name, name_len);
	if (data_len > 0) {
		smb2_body_align(w, start, 8);
		wr_bytes(w, data, data_len);
	}
	b->last = start;
	b->count++;
}

void smb2_create_ctx_add_mxac(struct smb2_create_ctx_builder *b, uint32_t query_status,
			      uint32_t maximal_access)
{
	uint8_t d[8];

	put_le32(d, query_status);
	put_le32(d + 4, maximal_access);
	smb2_create_ctx_add(b, SMB2_CREATE_QUERY_MAXIMAL_ACCESS_REQUEST, 4, d, sizeof(d));
}

void smb2_create_ctx_add_qfid(struct smb2_create_ctx_builder *b, uint64_t disk_file_id,
			      uint64_t volume_id)
{
	uint8_t d[32] = { 0 };

	put_le64(d, disk_file_id);
	put_le64(d + 8, volume_id);
	smb2_create_ctx_add(b, SMB2_CREATE_QUERY_ON_DISK_ID, 4, d, sizeof(d));
}

void smb2_create_ctx_add_lease(struct smb2_create_ctx_builder *b, const struct smb2_lease_req *l)
{
	uint8_t d[52] = { 0 };

	memcpy(d, l->key, 16);
	put_le32(d + 16, l->state);
	put_le32(d + 20, l->flags);
	put_le64(d + 24, l->duration);
	if (l->v2) {
		memcpy(d + 32, l->parent_key, 16);
		put_le16(d + 48, l->epoch);
	}
	smb2_create_ctx_add(b, SMB2_CREATE_REQUEST_LEASE, 4, d, l->v2 ? 52 : 32);
}

void smb2_create_ctx_add_dhnq(struct smb2_create_ctx_builder *b)
{
	uint8_t d[8] = { 0 };

	smb2_create_ctx_add(b, SMB2_CREATE_DURABLE_HANDLE_REQUEST, 4, d, sizeof(d));
}

void smb2_create_ctx_add_dh2q(struct smb2_create_ctx_builder *b, uint32_t timeout, uint32_t flags)
{
	uint8_t d[8];

	put_le32(d, timeout);
	put_le32(d + 4, flags);
	smb2_create_ctx_add(b, SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2, 4, d, sizeof(d));
}
