/* SPDX-License-Identifier: Apache-2.0 */
/* Connection-oriented PDU codec (see pdu.h). Offsets are from the start of the PDU. */
#include "rpc/pdu.h"

#include <string.h>

const struct rpc_syntax rpc_ndr20_syntax = {
	{ 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
	  0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 }, 2, 0
};

const struct rpc_syntax rpc_ndr64_syntax = {
	{ 0x33, 0x05, 0x71, 0x71, 0xba, 0xbe, 0x37, 0x49,
	  0x83, 0x19, 0xb5, 0xdb, 0xef, 0x9c, 0xcc, 0x36 }, 1, 0
};

/* 6cb71c2c-9812-4540: the fixed half of the bind time feature negotiation uuid (MS-RPCE 3.3.1.5.3) */
static const uint8_t btfn_prefix[8] = { 0x2c, 0x1c, 0xb7, 0x6c, 0x12, 0x98, 0x40, 0x45 };

bool rpc_syntax_equal(const struct rpc_syntax *a, const struct rpc_syntax *b)
{
	return memcmp(a->uuid, b->uuid, 16) == 0 && a->major == b->major && a->minor == b->minor;
}

bool rpc_syntax_is_btfn(const struct rpc_syntax *s, uint16_t *features)
{
	if (memcmp(s->uuid, btfn_prefix, sizeof(btfn_prefix)) != 0 || s->major != 1 || s->minor != 0)
		return false;
	*features = le16(s->uuid + 8);
	return true;
}

bool rpc_hdr_decode(const uint8_t *p, size_t len, struct rpc_hdr *h)
{
	if (len < RPC_HDR_SIZE)
		return false;
	h->vers = p[0];
	h->vers_minor = p[1];
	h->ptype = p[2];
	h->flags = p[3];
	memcpy(h->drep, p + 4, 4);
	h->frag_len = le16(p + 8);
	h->auth_len = le16(p + 10);
	h->call_id = le32(p + 12);
	return true;
}

bool rpc_hdr_valid(const struct rpc_hdr *h, uint8_t allowed_flags)
{
	if (h->vers != 5 || h->vers_minor != 0)
		return false;
	/* integers little-endian, characters ASCII, floats IEEE; Skiff does not speak big-endian NDR */
	if (h->drep[0] != RPC_DREP_LE || h->drep[1] != 0 || h->drep[2] != 0 || h->drep[3] != 0)
		return false;
	if (h->frag_len < RPC_HDR_SIZE)
		return false;
	if (h->auth_len && (size_t)h->auth_len + RPC_AUTH_TRAILER > (size_t)h->frag_len - RPC_HDR_SIZE)
		return false;
	return (h->flags & ~allowed_flags) == 0;
}

/* The PDU minus its auth verifier (trailer + credentials), as a reader over the whole PDU. */
static bool body_reader(const struct rpc_hdr *h, const uint8_t *pdu, struct rd *r)
{
	size_t end = h->frag_len;

	if (h->frag_len < RPC_HDR_SIZE)
		return false;
	if (h->auth_len) {
		if ((size_t)h->auth_len + RPC_AUTH_TRAILER > end - RPC_HDR_SIZE)
			return false;
		end -= (size_t)h->auth_len + RPC_AUTH_TRAILER;
	}
	*r = rd_init(pdu, end);
	return rd_seek(r, RPC_HDR_SIZE);
}

static bool syntax_decode(struct rd *r, struct rpc_syntax *s)
{
	return rd_copy(r, s->uuid, 16) && rd_u16(r, &s->major) && rd_u16(r, &s->minor);
}

NTSTATUS rpc_bind_decode(const struct rpc_hdr *h, const uint8_t *pdu, struct arena *a,
			 struct rpc_bind *b)
{
	struct rd r;
	uint8_t pad8;
	uint16_t pad16;

	memset(b, 0, sizeof(*b));
	if (!body_reader(h, pdu, &r) || !rd_u16(&r, &b->max_xmit) || !rd_u16(&r, &b->max_recv) ||
	    !rd_u32(&r, &b->assoc_group) || !rd_u8(&r, &b->n_ctx) || !rd_u8(&r, &pad8) ||
	    !rd_u16(&r, &pad16))
		return STATUS_INVALID_PARAMETER;
	/* each context element takes at least 4 + 20 + 20 bytes */
	if (b->n_ctx > rd_left(&r) / 44)
		return STATUS_INVALID_PARAMETER;
	if (b->n_ctx) {
		b->ctx = arena_alloc(a, b->n_ctx * sizeof(*b->ctx));
		if (b->ctx == NULL)
			return STATUS_NO_MEMORY;
	}
	for (unsigned i = 0; i < b->n_ctx; i++) {
		struct rpc_ctx_elem *c = &b->ctx[i];

		if (!rd_u16(&r, &c->ctx_id) || !rd_u8(&r, &c->n_ts) || !rd_u8(&r, &pad8) ||
		    !syntax_decode(&r, &c->abstract))
			return STATUS_INVALID_PARAMETER;
		if (c->n_ts == 0 || c->n_ts > rd_left(&r) / 20)
			return STATUS_INVALID_PARAMETER;
		c->ts = arena_alloc(a, c->n_ts * sizeof(*c->ts));
		if (c->ts == NULL)
			return STATUS_NO_MEMORY;
		for (unsigned j = 0; j < c->n_ts; j++)
			if (!syntax_decode(&r, &c->ts[j]))
				return STATUS_INVALID_PARAMETER;
	}
	return STATUS_SUCCESS;
}

NTSTATUS rpc_request_decode(const struct rpc_hdr *h, const uint8_t *pdu, struct rpc_request *rq)
{
	struct rd r;

	memset(rq, 0, sizeof(*rq));
	if (!body_reader(h, pdu, &r) || !rd_u32(&r, &rq->alloc_hint) || !rd_u16(&r, &rq->ctx_id) ||
	    !rd_u16(&r, &rq->opnum))
		return STATUS_INVALID_PARAMETER;
	if (h->flags & PFC_OBJECT_UUID) {
		if (!rd_copy(&r, rq->object, 16))
			return STATUS_INVALID_PARAMETER;
		rq->has_object = true;
	}
	rq->stub_len = rd_left(&r);
	rq->stub = pdu + r.off;
	return STATUS_SUCCESS;
}

/* Common header with frag_len 0; the caller patches it with hdr_finish. */
static size_t hdr_begin(struct wr *w, uint8_t ptype, uint8_t flags, uint32_t call_id)
{
	size_t start = w->len;
	static const uint8_t drep[4] = { RPC_DREP_LE, 0, 0, 0 };

	wr_u8(w, 5);
	wr_u8(w, 0);
	wr_u8(w, ptype);
	wr_u8(w, flags);
	wr_bytes(w, drep, 4);
	wr_u16(w, 0);       /* frag_length */
	wr_u16(w, 0);       /* auth_length */
	wr_u32(w, call_id);
	return start;
}

static void hdr_finish(struct wr *w, size_t start)
{
	if (w->len - start > UINT16_MAX) {
		w->failed = true;
		return;
	}
	wr_put_u16_at(w, start + 8, (uint16_t)(w->len - start));
}

static void pad_from(struct wr *w, size_t start, size_t a)
{
	wr_zero(w, (a - (w->len - start) % a) % a);
}

void rpc_bind_ack_encode(struct wr *w, uint8_t ptype, uint32_t call_id, uint16_t max_xmit,
			 uint16_t max_recv, uint32_t assoc_group, const char *sec_addr,
			 const struct rpc_ack_result *res, size_t nres)
{
	size_t start = hdr_begin(w, ptype, PFC_FIRST_FRAG | PFC_LAST_FRAG, call_id);
	size_t alen = sec_addr && *sec_addr ? strlen(sec_addr) + 1 : 0;

	wr_u16(w, max_xmit);
	wr_u16(w, max_recv);
	wr_u32(w, assoc_group);
	wr_u16(w, (uint16_t)alen);
	wr_bytes(w, sec_addr ? sec_addr : "", alen);
	pad_from(w, start, 4);
	wr_u8(w, (uint8_t)nres);
	wr_u8(w, 0);
	wr_u16(w, 0);
	for (size_t i = 0; i < nres; i++) {
		wr_u16(w, res[i].result);
		wr_u16(w, res[i].reason);
		wr_bytes(w, res[i].ts.uuid, 16);
		wr_u16(w, res[i].ts.major);
		wr_u16(w, res[i].ts.minor);
	}
	hdr_finish(w, start);
}

void rpc_bind_nak_encode(struct wr *w, uint32_t call_id, uint16_t reason)
{
	size_t start = hdr_begin(w, RPC_PTYPE_BIND_NAK, PFC_FIRST_FRAG | PFC_LAST_FRAG, call_id);

	wr_u16(w, reason);
	wr_u8(w, 1);        /* one supported protocol version: 5.0 */
	wr_u8(w, 5);
	wr_u8(w, 0);
	pad_from(w, start, 4);
	hdr_finish(w, start);
}

void rpc_fault_encode(struct wr *w, uint32_t call_id, uint16_t ctx_id, uint8_t extra_flags,
		      uint32_t status)
{
	size_t start = hdr_begin(w, RPC_PTYPE_FAULT,
				 PFC_FIRST_FRAG | PFC_LAST_FRAG | extra_flags, call_id);

	wr_u32(w, RPC_FAULT_SIZE - 8);   /* alloc_hint as Windows and Samba send it */
	wr_u16(w, ctx_id);
	wr_u8(w, 0);                     /* cancel_count */
	wr_u8(w, 0);                     /* flags */
	wr_u32(w, status);
	wr_u32(w, 0);                    /* reserved */
	hdr_finish(w, start);
}

void rpc_response_encode(struct wr *w, uint32_t call_id, uint16_t ctx_id, uint8_t flags,
			 uint32_t alloc_hint, const uint8_t *stub, size_t len)
{
	size_t start = hdr_begin(w, RPC_PTYPE_RESPONSE, flags, call_id);

	wr_u32(w, alloc_hint);
	wr_u16(w, ctx_id);
	wr_u8(w, 0);
	wr_u8(w, 0);
	wr_bytes(w, stub, len);
	hdr_finish(w, start);
}
