/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One named pipe's DCE/RPC association: PDU framing of the written bytes, bind / alter_context
 * and presentation contexts, request reassembly with limits, dispatch to the service, response
 * fragmentation, faults, and the message queue READ drains. Rules follow MS-RPCE 3.3.3 and what
 * Windows does as Samba's dcesrv_core records it.
 */
#include "rpc/rpc_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/utf16.h"

/* MS-RPCE 2.1.1.2: ncacn_np fragments are at most 4280 bytes; binds may ask for less, but not
 * below 2048 (Windows rounds small values up, as Samba found). */
#define RPC_NP_MAX_FRAG 4280u
#define RPC_MIN_FRAG    2048u
#define RPC_MAX_CONTEXTS 8

struct rpc_pipe {
	const struct rpc_iface *iface;
	const struct rpc_context *ctx;
	void *state;                   /* the service's */
	bool bound;
	bool broken;                   /* association dropped: no more input */
	uint16_t max_frag;             /* negotiated fragment size, both directions */
	uint32_t assoc_group;
	uint16_t ctx_ids[RPC_MAX_CONTEXTS];
	size_t nctx;

	struct wr in;                  /* bytes of the PDU being received */

	bool in_call;                  /* a fragmented request is being reassembled */
	uint32_t call_id;
	uint16_t call_ctx, call_opnum;
	struct wr stub;

	struct wr out;                 /* queued PDUs, each one message */
	size_t out_off;                /* first unread byte */
	size_t msg_left;               /* unread bytes of the message at out_off (0: at a boundary) */

	struct arena arena;            /* per call */
};

static uint32_t next_assoc_group = 0x53f0;

/* "\\PIPE\\srvsvc", "srvsvc", "\\pipe\\lsarpc" -> the interface. */
const struct rpc_iface *rpc_iface_by_pipe_name(const char *name)
{
	static const struct {
		const char *name;
		const struct rpc_iface *iface;
	} names[] = {
		{ "srvsvc", &rpc_srvsvc_iface },
		{ "wkssvc", &rpc_wkssvc_iface },
		{ "lsarpc", &rpc_lsarpc_iface },
		{ "lsass", &rpc_lsarpc_iface },
	};

	if (name == NULL)
		return NULL;
	if (strncasecmp(name, "\\PIPE\\", 6) == 0)
		name += 6;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (utf8_casecmp(name, names[i].name) == 0)
			return names[i].iface;
	return NULL;
}

bool rpc_pipe_exists(const char *name)
{
	return rpc_iface_by_pipe_name(name) != NULL;
}

struct rpc_pipe *rpc_pipe_open(const char *name, const struct rpc_context *ctx)
{
	const struct rpc_iface *iface = rpc_iface_by_pipe_name(name);
	struct rpc_pipe *p;

	if (iface == NULL || ctx == NULL)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->iface = iface;
	p->ctx = ctx;
	p->max_frag = RPC_NP_MAX_FRAG;
	if (iface->state_new != NULL) {
		p->state = iface->state_new();
		if (p->state == NULL) {
			free(p);
			return NULL;
		}
	}
	wr_init(&p->in, 256);
	wr_init(&p->stub, 256);
	wr_init(&p->out, 1024);
	arena_init(&p->arena, 16384);
	if (p->in.failed || p->stub.failed || p->out.failed) {
		rpc_pipe_close(p);
		return NULL;
	}
	return p;
}

void rpc_pipe_close(struct rpc_pipe *p)
{
	if (p == NULL)
		return;
	if (p->state != NULL && p->iface->state_free != NULL)
		p->iface->state_free(p->state);
	wr_free(&p->in);
	wr_free(&p->stub);
	wr_free(&p->out);
	arena_destroy(&p->arena);
	free(p);
}

size_t rpc_pipe_pending(const struct rpc_pipe *p)
{
	return p->out.len - p->out_off;
}

size_t rpc_pipe_message_left(const struct rpc_pipe *p)
{
	if (p->out_off == p->out.len)
		return 0;
	/* at a boundary the next message's length is its frag_length (we wrote it) */
	return p->msg_left ? p->msg_left : le16(p->out.buf + p->out_off + 8);
}

NTSTATUS rpc_pipe_read(struct rpc_pipe *p, uint8_t *buf, size_t max, size_t *n, bool *more)
{
	size_t left = rpc_pipe_message_left(p), take;

	*n = 0;
	*more = false;
	if (left == 0)
		return p->broken ? STATUS_PIPE_DISCONNECTED : STATUS_PIPE_EMPTY;
	take = left < max ? left : max;
	if (take)
		memcpy(buf, p->out.buf + p->out_off, take);
	p->out_off += take;
	p->msg_left = left - take;
	*n = take;
	*more = p->msg_left != 0;
	if (p->out_off == p->out.len) {
		p->out.len = 0;
		p->out_off = 0;
	}
	return STATUS_SUCCESS;
}

/* Drop what has been read, so a pipe that is read as it is written keeps a small buffer. */
static void out_compact(struct rpc_pipe *p)
{
	if (p->out_off == 0)
		return;
	memmove(p->out.buf, p->out.buf + p->out_off, p->out.len - p->out_off);
	p->out.len -= p->out_off;
	p->out_off = 0;
}

static void drop_call(struct rpc_pipe *p)
{
	p->in_call = false;
	p->stub.len = 0;
	if (p->stub.cap > 65536) {     /* give back what a large request took */
		wr_free(&p->stub);
		wr_init(&p->stub, 256);
	}
}

/* The association ends after this PDU (bind_nak, or a fault Windows drops the connection on). */
static void disconnect(struct rpc_pipe *p)
{
	p->broken = true;
	drop_call(p);
}

static void fault(struct rpc_pipe *p, uint32_t call_id, uint16_t ctx_id, uint8_t flags,
		  uint32_t status)
{
	log_debug("rpc %s: fault 0x%08x on call %u", p->iface->name, status, call_id);
	rpc_fault_encode(&p->out, call_id, ctx_id, flags, status);
}

static void fault_disconnect(struct rpc_pipe *p, uint32_t call_id, uint16_t ctx_id,
			     uint8_t flags, uint32_t status)
{
	fault(p, call_id, ctx_id, flags, status);
	disconnect(p);
}

static void bind_nak(struct rpc_pipe *p, uint32_t call_id, uint16_t reason)
{
	log_debug("rpc %s: bind_nak reason %u", p->iface->name, reason);
	rpc_bind_nak_encode(&p->out, call_id, reason);
	disconnect(p);
}

static bool context_known(const struct rpc_pipe *p, uint16_t id)
{
	for (size_t i = 0; i < p->nctx; i++)
		if (p->ctx_ids[i] == id)
			return true;
	return false;
}

/*
 * Answer each presentation context of a bind or alter_context (MS-RPCE 3.3.1.5.3, C706 12.6.4.1):
 * at most one new context is accepted per PDU, with NDR20 as the transfer syntax; the bind time
 * feature negotiation context is acknowledged with the features we keep (none but keep-orphan).
 * Returns false for a protocol error (a context id reused for another interface, two feature
 * contexts).
 */
static bool negotiate(struct rpc_pipe *p, const struct rpc_bind *b, struct rpc_ack_result *res)
{
	bool accepted = false, btfn = false;

	for (unsigned i = 0; i < b->n_ctx; i++) {
		const struct rpc_ctx_elem *c = &b->ctx[i];
		struct rpc_ack_result *r = &res[i];
		uint16_t features;
		bool ndr20 = false;

		memset(r, 0, sizeof(*r));
		r->result = RPC_ACK_PROVIDER_REJECTION;
		r->reason = RPC_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED;
		if (rpc_syntax_is_btfn(&c->ts[0], &features)) {
			if (btfn)
				return false;
			btfn = true;
			r->result = RPC_ACK_NEGOTIATE_ACK;
			r->reason = features & RPC_BTFN_KEEP_ORPHAN;
			continue;
		}
		if (!rpc_syntax_equal(&c->abstract, &p->iface->syntax))
			continue;
		r->reason = RPC_REASON_PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED;
		if (accepted)
			continue;
		for (unsigned j = 0; j < c->n_ts; j++)
			if (rpc_syntax_equal(&c->ts[j], &rpc_ndr20_syntax))
				ndr20 = true;
		if (!ndr20)
			continue;
		/* every context here is of our one interface and NDR20, so a known id is the same */
		if (!context_known(p, c->ctx_id)) {
			if (p->nctx == RPC_MAX_CONTEXTS) {
				r->result = RPC_ACK_USER_REJECTION;
				r->reason = RPC_REASON_LOCAL_LIMIT_EXCEEDED;
				continue;
			}
			p->ctx_ids[p->nctx++] = c->ctx_id;
		}
		r->result = RPC_ACK_ACCEPTANCE;
		r->reason = RPC_REASON_NOT_SPECIFIED;
		r->ts = rpc_ndr20_syntax;
		accepted = true;
	}
	return true;
}

/* A context id that was bound to another interface: we serve one interface per pipe, so any
 * context id in use maps to it; a bind naming that id with another interface is an error. */
static bool contexts_conflict(const struct rpc_pipe *p, const struct rpc_bind *b)
{
	for (unsigned i = 0; i < b->n_ctx; i++) {
		uint16_t f;
		if (context_known(p, b->ctx[i].ctx_id) &&
		    !rpc_syntax_is_btfn(&b->ctx[i].ts[0], &f) &&
		    !rpc_syntax_equal(&b->ctx[i].abstract, &p->iface->syntax))
			return true;
	}
	return false;
}

static void on_bind(struct rpc_pipe *p, const struct rpc_hdr *h, const uint8_t *pdu)
{
	const uint8_t allowed = PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_PENDING_CANCEL |
				PFC_RESERVED_1 | PFC_CONC_MPX | PFC_DID_NOT_EXECUTE | PFC_MAYBE |
				PFC_OBJECT_UUID;
	struct rpc_bind b;
	struct rpc_ack_result *res;
	unsigned req;

	if (p->bound) {                 /* one bind per association */
		bind_nak(p, h->call_id, RPC_NAK_REASON_NOT_SPECIFIED);
		return;
	}
	if (h->ptype != RPC_PTYPE_BIND || !rpc_hdr_valid(h, allowed) ||
	    rpc_bind_decode(h, pdu, &p->arena, &b) != STATUS_SUCCESS || b.n_ctx == 0) {
		bind_nak(p, h->call_id, RPC_NAK_PROTOCOL_VERSION_NOT_SUPPORTED);
		return;
	}
	/* SMB has authenticated the caller; these pipes take no RPC-level authentication */
	if (h->auth_len != 0) {
		bind_nak(p, h->call_id, RPC_NAK_INVALID_AUTH_TYPE);
		return;
	}
	res = arena_alloc(&p->arena, b.n_ctx * sizeof(*res));
	if (res == NULL) {
		bind_nak(p, h->call_id, RPC_NAK_TEMPORARY_CONGESTION);
		return;
	}
	if (!negotiate(p, &b, res)) {
		bind_nak(p, h->call_id, RPC_NAK_REASON_NOT_SPECIFIED);
		return;
	}
	/* both directions get the same size: the smaller client value, 2048..4280, 8-aligned */
	req = b.max_xmit < b.max_recv ? b.max_xmit : b.max_recv;
	if (req < RPC_MIN_FRAG)
		req = RPC_MIN_FRAG;
	if (req > RPC_NP_MAX_FRAG)
		req = RPC_NP_MAX_FRAG;
	p->max_frag = (uint16_t)(req & ~7u);
	if (b.assoc_group != 0)
		p->assoc_group = b.assoc_group;
	else
		p->assoc_group = __atomic_add_fetch(&next_assoc_group, 1, __ATOMIC_RELAXED);
	p->bound = true;
	rpc_bind_ack_encode(&p->out, RPC_PTYPE_BIND_ACK, h->call_id, p->max_frag, p->max_frag,
			    p->assoc_group, p->iface->sec_addr, res, b.n_ctx);
}

static void on_alter(struct rpc_pipe *p, const struct rpc_hdr *h, const uint8_t *pdu)
{
	const uint8_t allowed = PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_PENDING_CANCEL |
				PFC_RESERVED_1 | PFC_CONC_MPX | PFC_DID_NOT_EXECUTE | PFC_MAYBE |
				PFC_OBJECT_UUID;
	struct rpc_bind b;
	struct rpc_ack_result *res;

	if (!rpc_hdr_valid(h, allowed) || rpc_bind_decode(h, pdu, &p->arena, &b) != STATUS_SUCCESS ||
	    b.n_ctx == 0) {
		fault_disconnect(p, h->call_id, 0, PFC_DID_NOT_EXECUTE, NCA_S_PROTO_ERROR);
		return;
	}
	if (h->auth_len != 0) {
		fault_disconnect(p, h->call_id, 0, PFC_DID_NOT_EXECUTE, NCA_S_FAULT_ACCESS_DENIED);
		return;
	}
	res = arena_alloc(&p->arena, b.n_ctx * sizeof(*res));
	if (res == NULL) {
		fault(p, h->call_id, 0, PFC_DID_NOT_EXECUTE, NCA_S_FAULT_OUT_OF_RESOURCES);
		return;
	}
	if (contexts_conflict(p, &b) || !negotiate(p, &b, res)) {
		fault_disconnect(p, h->call_id, 0, PFC_DID_NOT_EXECUTE, NCA_S_PROTO_ERROR);
		return;
	}
	rpc_bind_ack_encode(&p->out, RPC_PTYPE_ALTER_CONTEXT_RESP, h->call_id, p->max_frag,
			    p->max_frag, p->assoc_group, "", res, b.n_ctx);
}

/* Cut the response stub into fragments of at most max_frag bytes (MS-RPCE 3.3.3.5.1). */
static void respond(struct rpc_pipe *p, uint32_t call_id, uint16_t ctx_id, const uint8_t *stub,
		    size_t len)
{
	size_t chunk = ((size_t)p->max_frag - RPC_RESPONSE_HDR) & ~(size_t)7;
	size_t off = 0;

	do {
		size_t n = len - off < chunk ? len - off : chunk;
		uint8_t flags = (off == 0 ? PFC_FIRST_FRAG : 0) | (off + n == len ? PFC_LAST_FRAG : 0);

		rpc_response_encode(&p->out, call_id, ctx_id, flags, (uint32_t)(len - off), stub + off,
				    n);
		off += n;
	} while (off < len);
}

static void run_call(struct rpc_pipe *p, uint32_t call_id, uint16_t ctx_id, uint16_t opnum,
		     const uint8_t *stub, size_t len)
{
	struct rpc_call c = { .ctx = p->ctx, .state = p->state, .a = &p->arena, .opnum = opnum };

	ndr_pull_init(&c.in, stub, len, &p->arena);
	ndr_push_init(&c.out);
	p->iface->dispatch(&c);
	if (c.fault == 0 && c.out.w.failed)
		c.fault = NCA_S_FAULT_OUT_OF_RESOURCES;
	if (c.fault == 0 && c.out.w.len > RPC_MAX_PENDING_OUTPUT)
		c.fault = NCA_S_FAULT_OUT_OF_RESOURCES;
	if (c.fault != 0)
		fault(p, call_id, ctx_id, c.fault_flags, c.fault);
	else
		respond(p, call_id, ctx_id, c.out.w.buf, c.out.w.len);
	ndr_push_free(&c.out);
}

/* MS-RPCE 3.3.3.5.4 (reassembly) with the limits and faults Windows uses. */
static void on_request(struct rpc_pipe *p, const struct rpc_hdr *h, const uint8_t *pdu)
{
	struct rpc_request rq;

	if (!rpc_hdr_valid(h, 0xFF) || h->frag_len > RPC_NP_MAX_FRAG ||
	    rpc_request_decode(h, pdu, &rq) != STATUS_SUCCESS) {
		uint32_t id = p->in_call ? p->call_id : h->call_id;
		fault_disconnect(p, id, p->in_call ? p->call_ctx : 0, 0, NCA_S_PROTO_ERROR);
		return;
	}
	if (h->auth_len != 0) {         /* no security context was ever set up */
		fault_disconnect(p, h->call_id, 0, 0, NCA_S_FAULT_ACCESS_DENIED);
		return;
	}
	if (h->flags & PFC_FIRST_FRAG) {
		if (p->in_call) {       /* no concurrent calls without PFC_CONC_MPX */
			fault_disconnect(p, p->call_id, p->call_ctx, 0, NCA_S_PROTO_ERROR);
			return;
		}
		if (h->flags & PFC_PENDING_CANCEL) {
			fault_disconnect(p, h->call_id, 0, PFC_DID_NOT_EXECUTE,
					 NCA_S_FAULT_NO_CALL_ACTIVE);
			return;
		}
		if (!context_known(p, rq.ctx_id)) {
			fault(p, h->call_id, 0, PFC_DID_NOT_EXECUTE, NCA_S_UNKNOWN_IF);
			return;
		}
		if (h->flags & PFC_LAST_FRAG) {         /* the common case: one fragment */
			run_call(p, h->call_id, rq.ctx_id, rq.opnum, rq.stub, rq.stub_len);
			return;
		}
		if (rq.alloc_hint > RPC_MAX_REQUEST_SIZE) {
			fault_disconnect(p, h->call_id, rq.ctx_id, 0, NCA_S_FAULT_ACCESS_DENIED);
			return;
		}
		p->in_call = true;
		p->call_id = h->call_id;
		p->call_ctx = rq.ctx_id;
		p->call_opnum = rq.opnum;
		p->stub.len = 0;
	} else if (!p->in_call || h->call_id != p->call_id) {
		uint32_t id = p->in_call ? p->call_id : h->call_id;
		fault_disconnect(p, id, p->in_call ? p->call_ctx : 0, 0, NCA_S_PROTO_ERROR);
		return;
	}
	if (rq.stub_len > RPC_MAX_REQUEST_SIZE - p->stub.len ||
	    rq.alloc_hint > RPC_MAX_REQUEST_SIZE - p->stub.len) {
		fault_disconnect(p, p->call_id, p->call_ctx, 0, NCA_S_FAULT_ACCESS_DENIED);
		return;
	}
	wr_bytes(&p->stub, rq.stub, rq.stub_len);
	if (p->stub.failed) {
		fault_disconnect(p, p->call_id, p->call_ctx, PFC_DID_NOT_EXECUTE,
				 NCA_S_FAULT_OUT_OF_RESOURCES);
		return;
	}
	if (h->flags & PFC_LAST_FRAG) {
		run_call(p, p->call_id, p->call_ctx, p->call_opnum, p->stub.buf, p->stub.len);
		drop_call(p);
	}
}

static void on_pdu(struct rpc_pipe *p, const uint8_t *pdu, size_t len)
{
	struct rpc_hdr h;

	if (!rpc_hdr_decode(pdu, len, &h))
		return;
	log_trace("rpc %s: ptype %u flags 0x%02x len %u call %u", p->iface->name, h.ptype, h.flags,
		  h.frag_len, h.call_id);
	if (!p->bound) {
		on_bind(p, &h, pdu);    /* the first PDU must be a bind */
		goto out;
	}
	switch (h.ptype) {
	case RPC_PTYPE_BIND:
		on_bind(p, &h, pdu);
		break;
	case RPC_PTYPE_ALTER_CONTEXT:
		on_alter(p, &h, pdu);
		break;
	case RPC_PTYPE_REQUEST:
		on_request(p, &h, pdu);
		break;
	case RPC_PTYPE_CO_CANCEL:
	case RPC_PTYPE_ORPHANED:
		/* calls run to completion at once; like Windows, nothing to cancel */
		break;
	default:
		fault_disconnect(p, h.call_id, 0, PFC_DID_NOT_EXECUTE, NCA_S_PROTO_ERROR);
		break;
	}
out:
	arena_reset(&p->arena);
}

NTSTATUS rpc_pipe_write(struct rpc_pipe *p, const uint8_t *data, size_t len)
{
	if (p->broken)
		return STATUS_PIPE_DISCONNECTED;
	if (rpc_pipe_pending(p) > RPC_MAX_PENDING_OUTPUT)
		return STATUS_INSUFFICIENT_RESOURCES;
	out_compact(p);
	while (len > 0 && !p->broken) {
		size_t need = p->in.len < RPC_HDR_SIZE ? RPC_HDR_SIZE : le16(p->in.buf + 8);
		size_t take = need - p->in.len < len ? need - p->in.len : len;

		wr_bytes(&p->in, data, take);
		if (p->in.failed)
			return STATUS_NO_MEMORY;
		data += take;
		len -= take;
		if (p->in.len == RPC_HDR_SIZE && need == RPC_HDR_SIZE) {
			/* not DCE/RPC at all: no way to find the next PDU */
			if (p->in.buf[0] != 5 || le16(p->in.buf + 8) < RPC_HDR_SIZE) {
				log_debug("rpc %s: not a DCE/RPC PDU", p->iface->name);
				disconnect(p);
				p->in.len = 0;
				return STATUS_INVALID_PARAMETER;
			}
		}
		if (p->in.len >= RPC_HDR_SIZE && p->in.len == le16(p->in.buf + 8)) {
			on_pdu(p, p->in.buf, p->in.len);
			p->in.len = 0;
		}
		if (p->out.failed) {    /* a half-written answer cannot be read: drop it all */
			wr_free(&p->out);
			wr_init(&p->out, 1024);
			p->out_off = p->msg_left = 0;
			disconnect(p);
			return STATUS_INSUFFICIENT_RESOURCES;
		}
	}
	return STATUS_SUCCESS;
}

void rpc_call_run(const struct rpc_iface *iface, const struct rpc_context *ctx, void *state,
		  uint16_t opnum, const uint8_t *stub, size_t len, uint8_t **out, size_t *out_len,
		  uint32_t *fault_status)
{
	struct arena a;
	void *own = NULL;
	struct rpc_call c = { .ctx = ctx, .state = state, .a = &a, .opnum = opnum };

	*out = NULL;
	*out_len = 0;
	if (c.state == NULL && iface->state_new != NULL)
		c.state = own = iface->state_new();
	arena_init(&a, 16384);
	ndr_pull_init(&c.in, stub, len, &a);
	ndr_push_init(&c.out);
	iface->dispatch(&c);
	if (c.fault == 0 && c.out.w.failed)
		c.fault = NCA_S_FAULT_OUT_OF_RESOURCES;
	*fault_status = c.fault;
	if (c.fault == 0)
		*out = wr_steal(&c.out.w, out_len);
	ndr_push_free(&c.out);
	arena_destroy(&a);
	if (own != NULL)
		iface->state_free(own);
}
