/* SPDX-License-Identifier: Apache-2.0 */
/* The pipe machinery (src/rpc/pipe.c): bind and alter_context negotiation, reassembly and its
 * limits, fragmentation of responses, faults and bind_naks, the READ message semantics. */
#include "rpc_test.h"

#include <stdio.h>

/* rpcclient's bind to wkssvc and NetWkstaGetInfo(100) (captured), and Samba 4.17's answer with
 * the referent ids renumbered from 0x00020000 (Samba starts at 0x00020004; any non-zero value will do) */
static const char wks_bind[] =
	"05000b03100000004800000001000000b810b81000000000010000000000010098d0ff6b12a11036"
	"983346c3f87e345a01000000045d888aeb1cc9119fe808002b10486002000000";
static const char wks_req[] =
	"050000031000000040000000020000002800000000000000000002000a000000000000000a000000"
	"3100320037002e0030002e0030002e003100000064000000";
static const char wks_rsp[] =
	"050002031000000074000000020000005c000000000000006400000000000200f401000004000200"
	"08000200060000000100000007000000000000000700000053004d00420052004500460000000000"
	"0a000000000000000a00000057004f0052004b00470052004f0055005000000000000000";

static void test_wkssvc_roundtrip(void **state)
{
	struct rpc_context ctx = test_context();
	struct rpc_pipe *p = rpc_pipe_open("\\PIPE\\wkssvc", &ctx);
	uint8_t *ack;
	size_t n;
	(void)state;

	assert_non_null(p);
	pipe_write_hex(p, wks_bind, STATUS_SUCCESS);
	pipe_write_hex(p, wks_req, STATUS_SUCCESS);
	ack = pipe_read_msg(p, &n);
	assert_non_null(ack);
	assert_int_equal(n, 0x44);
	assert_int_equal(ack[2], RPC_PTYPE_BIND_ACK);
	assert_int_equal(le16(ack + 16), 4280);
	assert_int_equal(le16(ack + 18), 4280);
	assert_int_equal(le16(ack + 24), 13);                 /* "\PIPE\wkssvc" + NUL */
	assert_memory_equal(ack + 26, "\\PIPE\\wkssvc", 13);
	assert_int_equal(ack[40], 1);                         /* one result: accepted NDR20 */
	assert_int_equal(le16(ack + 44), RPC_ACK_ACCEPTANCE);
	free(ack);
	pipe_expect_hex(p, wks_rsp);
	assert_int_equal(rpc_pipe_pending(p), 0);
	rpc_pipe_close(p);
}


/* NetrShareEnum InfoStruct for `level` with an empty container, the way clients send it */
static void enum_stub(struct ndr_push *s, uint32_t level, uint32_t max_buffer)
{
	ndr_push_init(s);
	ndr_push_ptr(s, false);                         /* ServerName */
	ndr_push_u32(s, level);
	ndr_push_u32(s, level);
	ndr_push_ptr(s, true);
	ndr_push_u32(s, 0);
	ndr_push_ptr(s, false);
	ndr_push_u32(s, max_buffer);
	ndr_push_ptr(s, true);                          /* ResumeHandle */
	ndr_push_u32(s, 0);
}

static void test_split_and_joined_writes(void **state)
{
	struct rpc_context ctx = test_context();
	struct rpc_pipe *p = rpc_pipe_open("wkssvc", &ctx);
	size_t nb, nr;
	uint8_t *bind = hex(wks_bind, &nb), *req = hex(wks_req, &nr);
	uint8_t *both = malloc(nb + nr);
	(void)state;

	/* one byte per write */
	for (size_t i = 0; i < nb; i++)
		assert_int_equal(rpc_pipe_write(p, bind + i, 1), STATUS_SUCCESS);
	assert_int_equal(rpc_pipe_pending(p), 0x44);
	for (size_t i = 0; i < nr; i++)
		assert_int_equal(rpc_pipe_write(p, req + i, 1), STATUS_SUCCESS);
	free(pipe_read_msg(p, &nb));
	pipe_expect_hex(p, wks_rsp);
	rpc_pipe_close(p);

	/* bind and request in one write (rpcclient does not wait for the bind_ack) */
	p = rpc_pipe_open("\\pipe\\WKSSVC", &ctx);
	nb = 0x48;
	memcpy(both, bind, nb);
	memcpy(both + nb, req, nr);
	assert_int_equal(rpc_pipe_write(p, both, nb + nr), STATUS_SUCCESS);
	assert_int_equal(rpc_pipe_pending(p), 0x44 + 0x74);
	free(pipe_read_msg(p, &nb));
	pipe_expect_hex(p, wks_rsp);
	rpc_pipe_close(p);
	free(bind);
	free(req);
	free(both);
}

/* Message-mode reads: a short read leaves the rest of the message; reads never join two. */
static void test_read_messages(void **state)
{
	struct rpc_context ctx = test_context();
	struct rpc_pipe *p = rpc_pipe_open("wkssvc", &ctx);
	uint8_t buf[0x100];
	size_t n;
	bool more;
	(void)state;

	assert_int_equal(rpc_pipe_read(p, buf, sizeof(buf), &n, &more), STATUS_PIPE_EMPTY);
	assert_int_equal(n, 0);
	pipe_write_hex(p, wks_bind, STATUS_SUCCESS);
	pipe_write_hex(p, wks_req, STATUS_SUCCESS);
	assert_int_equal(rpc_pipe_message_left(p), 0x44);
	assert_int_equal(rpc_pipe_read(p, buf, 0x40, &n, &more), STATUS_SUCCESS);
	assert_int_equal(n, 0x40);
	assert_true(more);
	assert_int_equal(rpc_pipe_message_left(p), 4);
	assert_int_equal(rpc_pipe_read(p, buf, sizeof(buf), &n, &more), STATUS_SUCCESS);
	assert_int_equal(n, 4);                         /* the bind_ack's tail only */
	assert_false(more);
	assert_int_equal(rpc_pipe_message_left(p), 0x74);
	assert_int_equal(rpc_pipe_pending(p), 0x74);
	assert_int_equal(rpc_pipe_read(p, buf, sizeof(buf), &n, &more), STATUS_SUCCESS);
	assert_int_equal(n, 0x74);
	assert_false(more);
	assert_int_equal(rpc_pipe_read(p, buf, sizeof(buf), &n, &more), STATUS_PIPE_EMPTY);
	rpc_pipe_close(p);
}

static void test_pipe_names(void **state)
{
	struct rpc_context ctx = test_context();
	(void)state;

	assert_true(rpc_pipe_exists("srvsvc"));
	assert_true(rpc_pipe_exists("\\PIPE\\srvsvc"));
	assert_true(rpc_pipe_exists("\\pipe\\LSARPC"));
	assert_true(rpc_pipe_exists("lsass"));
	assert_true(rpc_pipe_exists("WkSsVc"));
	assert_false(rpc_pipe_exists("samr"));
	assert_false(rpc_pipe_exists("\\PIPE\\"));
	assert_false(rpc_pipe_exists("srvsvc\\"));
	assert_false(rpc_pipe_exists(""));
	assert_false(rpc_pipe_exists(NULL));
	assert_null(rpc_pipe_open("spoolss", &ctx));
	rpc_pipe_close(NULL);
}

static void expect_nak(struct rpc_pipe *p, uint16_t reason)
{
	size_t n;
	uint8_t *m = pipe_read_msg(p, &n);

	assert_non_null(m);
	assert_int_equal(n, 24);
	assert_int_equal(m[2], RPC_PTYPE_BIND_NAK);
	assert_int_equal(le16(m + 16), reason);
	free(m);
}

static void expect_fault(struct rpc_pipe *p, uint32_t call_id, uint8_t flags, uint32_t status)
{
	size_t n;
	uint8_t *m = pipe_read_msg(p, &n);

	assert_non_null(m);
	assert_int_equal(n, RPC_FAULT_SIZE);
	assert_int_equal(m[2], RPC_PTYPE_FAULT);
	assert_int_equal(m[3], PFC_FIRST_FRAG | PFC_LAST_FRAG | flags);
	assert_int_equal(le32(m + 12), call_id);
	assert_int_equal(le32(m + 24), status);
	free(m);
}

/* After a bind_nak or a fatal fault the association is gone: what was queued can still be
 * read, then the pipe reports itself disconnected. */
static void expect_disconnected(struct rpc_pipe *p)
{
	uint8_t b[4];
	size_t n;
	bool more;

	assert_int_equal(rpc_pipe_pending(p), 0);
	assert_int_equal(rpc_pipe_write(p, b, 1), STATUS_PIPE_DISCONNECTED);
	assert_int_equal(rpc_pipe_read(p, b, sizeof(b), &n, &more), STATUS_PIPE_DISCONNECTED);
}

static void test_bind_errors(void **state)
{
	struct rpc_context ctx = test_context();
	const struct rpc_syntax *ts[] = { &rpc_ndr20_syntax };
	struct rpc_pipe *p;
	struct wr w;
	(void)state;

	/* the first PDU must be a bind */
	p = rpc_pipe_open("wkssvc", &ctx);
	pipe_write_hex(p, wks_req, STATUS_SUCCESS);
	expect_nak(p, RPC_NAK_PROTOCOL_VERSION_NOT_SUPPORTED);
	expect_disconnected(p);
	rpc_pipe_close(p);

	/* one bind per association */
	p = open_bound("wkssvc", &ctx);
	pipe_write_hex(p, wks_bind, STATUS_SUCCESS);
	expect_nak(p, RPC_NAK_REASON_NOT_SPECIFIED);
	expect_disconnected(p);
	rpc_pipe_close(p);

	/* RPC authentication (an auth verifier on the bind) is not offered on these pipes */
	p = rpc_pipe_open("srvsvc", &ctx);
	wr_init(&w, 128);
	build_bind(&w, RPC_PTYPE_BIND, 1, 4280, 4280, &rpc_srvsvc_iface.syntax, ts, 1);
	static const uint8_t verifier[] = { 10, 2, 0, 0, 0, 0, 0, 0, 'N', 'T', 'L', 'M' };
	wr_bytes(&w, verifier, sizeof(verifier));
	wr_put_u16_at(&w, 8, (uint16_t)w.len);
	wr_put_u16_at(&w, 10, 4);
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	expect_nak(p, RPC_NAK_INVALID_AUTH_TYPE);
	rpc_pipe_close(p);

	/* version 5.1, big-endian, no contexts */
	for (int i = 0; i < 3; i++) {
		p = rpc_pipe_open("srvsvc", &ctx);
		w.len = 0;
		build_bind(&w, RPC_PTYPE_BIND, 1, 4280, 4280, &rpc_srvsvc_iface.syntax, ts, i == 2 ? 0 : 1);
		if (i == 0)
			w.buf[1] = 1;
		if (i == 1)
			w.buf[4] = 0;
		assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
		expect_nak(p, RPC_NAK_PROTOCOL_VERSION_NOT_SUPPORTED);
		rpc_pipe_close(p);
	}
	wr_free(&w);

	/* not DCE/RPC at all: the write fails and the pipe is dead */
	p = rpc_pipe_open("srvsvc", &ctx);
	static const uint8_t junk[20] = { 4, 0, 11, 3, 0x10, 0, 0, 0, 20, 0 };
	assert_int_equal(rpc_pipe_write(p, junk, sizeof(junk)), STATUS_INVALID_PARAMETER);
	expect_disconnected(p);
	rpc_pipe_close(p);
	p = rpc_pipe_open("srvsvc", &ctx);
	uint8_t short_frag[16] = { 5, 0, 11, 3, 0x10, 0, 0, 0, 15, 0 };
	assert_int_equal(rpc_pipe_write(p, short_frag, 10), STATUS_SUCCESS);   /* not yet known */
	assert_int_equal(rpc_pipe_write(p, short_frag + 10, 6), STATUS_INVALID_PARAMETER);
	rpc_pipe_close(p);
}

/* Windows binds with [NDR64, NDR20, bind time features]: the NDR20 context is accepted, NDR64
 * refused as a transfer syntax, the features acknowledged (keep-orphan only). */
static void test_bind_negotiation(void **state)
{
	struct rpc_context ctx = test_context();
	struct rpc_syntax btfn = {
		{ 0x2c, 0x1c, 0xb7, 0x6c, 0x12, 0x98, 0x40, 0x45, 3, 0, 0, 0, 0, 0, 0, 0 }, 1, 0
	};
	const struct rpc_syntax *ts[] = { &rpc_ndr64_syntax, &rpc_ndr20_syntax, &btfn };
	struct rpc_syntax other = rpc_srvsvc_iface.syntax;
	struct rpc_pipe *p = rpc_pipe_open("srvsvc", &ctx);
	struct wr w;
	uint8_t *m;
	size_t n, r;
	(void)state;

	wr_init(&w, 256);
	build_bind(&w, RPC_PTYPE_BIND, 1, 5840, 5840, &rpc_srvsvc_iface.syntax, ts, 3);
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	m = pipe_read_msg(p, &n);
	assert_int_equal(m[2], RPC_PTYPE_BIND_ACK);
	assert_int_equal(le16(m + 16), 4280);           /* capped at the SMB maximum */
	assert_int_equal(le16(m + 18), 4280);
	assert_memory_equal(m + 26, "\\PIPE\\srvsvc", 13);
	r = 40;                                         /* 26 + 13 = 39, padded to 40 */
	assert_int_equal(m[r], 3);
	assert_int_equal(le16(m + r + 4), RPC_ACK_PROVIDER_REJECTION);
	assert_int_equal(le16(m + r + 6), RPC_REASON_PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED);
	assert_int_equal(le16(m + r + 28), RPC_ACK_ACCEPTANCE);
	assert_true(memcmp(m + r + 32, rpc_ndr20_syntax.uuid, 16) == 0);
	assert_int_equal(le16(m + r + 52), RPC_ACK_NEGOTIATE_ACK);
	assert_int_equal(le16(m + r + 54), RPC_BTFN_KEEP_ORPHAN);
	free(m);
	rpc_pipe_close(p);

	/* an interface this pipe does not serve: refused in the ack, calls fault unknown_if; small
	 * fragment sizes are rounded up to 2048 */
	p = rpc_pipe_open("srvsvc", &ctx);
	other.major = 2;
	w.len = 0;
	build_bind(&w, RPC_PTYPE_BIND, 1, 1024, 1024, &other, ts + 1, 1);
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	m = pipe_read_msg(p, &n);
	assert_int_equal(le16(m + 16), 2048);
	assert_int_equal(le16(m + r + 4), RPC_ACK_PROVIDER_REJECTION);
	assert_int_equal(le16(m + r + 6), RPC_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED);
	free(m);
	w.len = 0;
	build_request(&w, 2, PFC_FIRST_FRAG | PFC_LAST_FRAG, 0, 21, 0, NULL, 0);
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	expect_fault(p, 2, PFC_DID_NOT_EXECUTE, NCA_S_UNKNOWN_IF);
	/* the association survives that; an alter_context adds the right one as context 0 */
	w.len = 0;
	build_bind(&w, RPC_PTYPE_ALTER_CONTEXT, 3, 4280, 4280, &rpc_srvsvc_iface.syntax, ts + 1, 1);
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	m = pipe_read_msg(p, &n);
	assert_int_equal(m[2], RPC_PTYPE_ALTER_CONTEXT_RESP);
	assert_int_equal(le16(m + 16), 2048);           /* unchanged by the alter */
	assert_int_equal(le16(m + 24), 0);              /* no secondary address */
	assert_int_equal(le16(m + 32), RPC_ACK_ACCEPTANCE);
	free(m);
	uint32_t level = 100, fault;
	uint8_t stub[8] = { 0 };
	put_le32(stub + 4, level);
	uint8_t *out = pipe_call(p, 21, stub, sizeof(stub), &n, &fault);
	assert_non_null(out);
	assert_int_equal(fault, 0);
	free(out);
	rpc_pipe_close(p);
	wr_free(&w);
}

static void test_call_faults(void **state)
{
	struct rpc_context ctx = test_context();
	struct rpc_pipe *p = open_bound("srvsvc", &ctx);
	uint8_t stub[8] = { 0, 0, 0, 0, 1, 0, 0, 0 };
	uint32_t fault;
	size_t n;
	struct wr w;
	(void)state;

	assert_null(pipe_call(p, 99, stub, sizeof(stub), &n, &fault));
	assert_int_equal(fault, NCA_S_OP_RNG_ERROR);
	assert_null(pipe_call(p, 21, stub, 7, &n, &fault));   /* the level cut short */
	assert_int_equal(fault, NCA_S_FAULT_NDR);
	/* neither kills the association */
	uint8_t *out = pipe_call(p, 21, stub, sizeof(stub), &n, &fault);
	assert_non_null(out);
	free(out);

	/* a request with an auth verifier: no security context exists, the association ends */
	wr_init(&w, 64);
	build_request(&w, 7, PFC_FIRST_FRAG | PFC_LAST_FRAG, 0, 21, 8, stub, sizeof(stub));
	static const uint8_t verifier[] = { 10, 5, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4 };
	wr_bytes(&w, verifier, sizeof(verifier));
	wr_put_u16_at(&w, 8, (uint16_t)w.len);
	wr_put_u16_at(&w, 10, 4);
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	expect_fault(p, 7, 0, NCA_S_FAULT_ACCESS_DENIED);
	expect_disconnected(p);
	rpc_pipe_close(p);

	/* PDU types a client may not send end the association with a protocol error */
	p = open_bound("srvsvc", &ctx);
	w.len = 0;
	build_request(&w, 8, PFC_FIRST_FRAG | PFC_LAST_FRAG, 0, 21, 8, stub, sizeof(stub));
	w.buf[2] = RPC_PTYPE_RESPONSE;
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	expect_fault(p, 8, PFC_DID_NOT_EXECUTE, NCA_S_PROTO_ERROR);
	expect_disconnected(p);
	rpc_pipe_close(p);

	/* co_cancel and orphaned are ignored */
	p = open_bound("srvsvc", &ctx);
	w.len = 0;
	build_request(&w, 9, PFC_FIRST_FRAG | PFC_LAST_FRAG, 0, 21, 0, NULL, 0);
	w.buf[2] = RPC_PTYPE_CO_CANCEL;
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	w.buf[2] = RPC_PTYPE_ORPHANED;
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	assert_int_equal(rpc_pipe_pending(p), 0);
	/* a request with PFC_PENDING_CANCEL has no call to cancel */
	w.len = 0;
	build_request(&w, 10, PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_PENDING_CANCEL, 0, 21, 0,
		      stub, sizeof(stub));
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	expect_fault(p, 10, PFC_DID_NOT_EXECUTE, NCA_S_FAULT_NO_CALL_ACTIVE);
	rpc_pipe_close(p);
	wr_free(&w);
}

/* A request in three fragments gives the same answer as in one (MS-RPCE 3.3.3.5.4). */
static void test_reassembly(void **state)
{
	struct rpc_context ctx = test_context();
	struct rpc_pipe *p = open_bound("srvsvc", &ctx);
	struct ndr_push s;
	struct wr w;
	uint8_t *whole, *m;
	size_t whole_len, n;
	uint32_t fault;
	(void)state;

	enum_stub(&s, 1, 0xFFFFFFFF);
	whole = pipe_call(p, 15, s.w.buf, s.w.len, &whole_len, &fault);
	assert_non_null(whole);
	wr_init(&w, 256);
	build_request(&w, 5, PFC_FIRST_FRAG, 0, 15, (uint32_t)s.w.len, s.w.buf, 8);
	build_request(&w, 5, 0, 0, 15, (uint32_t)s.w.len - 8, s.w.buf + 8, 8);
	build_request(&w, 5, PFC_LAST_FRAG, 0, 15, (uint32_t)s.w.len - 16, s.w.buf + 16,
		      s.w.len - 16);
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	m = pipe_read_msg(p, &n);
	assert_int_equal(m[2], RPC_PTYPE_RESPONSE);
	assert_int_equal(le32(m + 12), 5);
	assert_int_equal(n - RPC_RESPONSE_HDR, whole_len);
	assert_memory_equal(m + RPC_RESPONSE_HDR, whole, whole_len);
	free(m);
	free(whole);

	/* a middle fragment of another call: protocol error on the call in progress */
	w.len = 0;
	build_request(&w, 6, PFC_FIRST_FRAG, 0, 15, (uint32_t)s.w.len, s.w.buf, 8);
	build_request(&w, 7, 0, 0, 15, 8, s.w.buf + 8, 8);
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	expect_fault(p, 6, 0, NCA_S_PROTO_ERROR);
	expect_disconnected(p);
	rpc_pipe_close(p);

	/* a new first fragment while one call is being reassembled */
	p = open_bound("srvsvc", &ctx);
	w.len = 0;
	build_request(&w, 6, PFC_FIRST_FRAG, 0, 15, (uint32_t)s.w.len, s.w.buf, 8);
	build_request(&w, 7, PFC_FIRST_FRAG, 0, 15, (uint32_t)s.w.len, s.w.buf, 8);
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	expect_fault(p, 6, 0, NCA_S_PROTO_ERROR);
	rpc_pipe_close(p);

	/* a continuation with no call */
	p = open_bound("srvsvc", &ctx);
	w.len = 0;
	build_request(&w, 6, PFC_LAST_FRAG, 0, 15, 8, s.w.buf, 8);
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	expect_fault(p, 6, 0, NCA_S_PROTO_ERROR);
	rpc_pipe_close(p);

	/* alloc_hint beyond the request limit: refused at once */
	p = open_bound("srvsvc", &ctx);
	w.len = 0;
	build_request(&w, 6, PFC_FIRST_FRAG, 0, 15, RPC_MAX_REQUEST_SIZE + 1, s.w.buf, 8);
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	expect_fault(p, 6, 0, NCA_S_FAULT_ACCESS_DENIED);
	expect_disconnected(p);
	rpc_pipe_close(p);

	/* fragments adding up past the limit (each one small, hints honest) */
	p = open_bound("srvsvc", &ctx);
	uint8_t *chunk = calloc(1, 8192);
	size_t sent = 0;
	w.len = 0;
	build_request(&w, 6, PFC_FIRST_FRAG, 0, 15, 4096, chunk, 4096);
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	sent = 4096;
	while (sent <= RPC_MAX_REQUEST_SIZE) {
		w.len = 0;
		build_request(&w, 6, 0, 0, 15, 4096, chunk, 4096);
		assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
		sent += 4096;
		if (rpc_pipe_pending(p))
			break;
	}
	assert_int_equal(sent, RPC_MAX_REQUEST_SIZE + 4096);
	expect_fault(p, 6, 0, NCA_S_FAULT_ACCESS_DENIED);
	expect_disconnected(p);
	rpc_pipe_close(p);

	/* a request fragment above 4280 bytes */
	p = open_bound("srvsvc", &ctx);
	w.len = 0;
	build_request(&w, 6, PFC_FIRST_FRAG | PFC_LAST_FRAG, 0, 15, 4096, chunk, 4257);
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	expect_fault(p, 6, 0, NCA_S_PROTO_ERROR);
	rpc_pipe_close(p);
	free(chunk);
	wr_free(&w);
	ndr_push_free(&s);
}

/* A response larger than a fragment goes out in several, each a message of its own. */
static void test_response_fragments(void **state)
{
	struct rpc_context ctx = test_context();
	struct rpc_share_info many[300];
	char names[300][16];
	struct ndr_push s;
	struct wr w;
	struct rpc_pipe *p;
	size_t total = 0, frags = 0, n;
	uint32_t hint_expected = 0;
	(void)state;

	for (int i = 0; i < 300; i++) {
		snprintf(names[i], sizeof(names[i]), "share%03d", i);
		many[i] = (struct rpc_share_info){ .name = names[i], .comment = "a share with a comment",
						   .path = "/srv/x", .browseable = true };
	}
	ctx.shares = many;
	ctx.nshares = 300;
	p = open_bound("srvsvc", &ctx);
	enum_stub(&s, 2, 0xFFFFFFFF);
	wr_init(&w, 256);
	build_request(&w, 2, PFC_FIRST_FRAG | PFC_LAST_FRAG, 0, 15, (uint32_t)s.w.len, s.w.buf,
		      s.w.len);
	assert_int_equal(rpc_pipe_write(p, w.buf, w.len), STATUS_SUCCESS);
	for (;;) {
		uint8_t *m = pipe_read_msg(p, &n);
		assert_non_null(m);
		assert_int_equal(m[2], RPC_PTYPE_RESPONSE);
		assert_true(n <= 4280);
		assert_int_equal(le16(m + 8), n);
		assert_int_equal(!!(m[3] & PFC_FIRST_FRAG), frags == 0);
		if (frags == 0)
			hint_expected = le32(m + 16);
		assert_int_equal(le32(m + 16), hint_expected - total);   /* bytes still to come */
		if (!(m[3] & PFC_LAST_FRAG))
			assert_int_equal((n - RPC_RESPONSE_HDR) % 8, 0);
		total += n - RPC_RESPONSE_HDR;
		frags++;
		bool last = m[3] & PFC_LAST_FRAG;
		free(m);
		if (last)
			break;
	}
	assert_true(frags > 5);
	assert_int_equal(total, hint_expected);
	assert_int_equal(rpc_pipe_pending(p), 0);
	rpc_pipe_close(p);
	wr_free(&w);
	ndr_push_free(&s);
}

/* A client that writes and never reads is stopped before the pipe holds too much. */
static void test_output_limit(void **state)
{
	struct rpc_context ctx = test_context();
	struct rpc_pipe *p = open_bound("srvsvc", &ctx);
	uint8_t stub[8] = { 0, 0, 0, 0, 102, 0, 0, 0 };
	struct wr w;
	NTSTATUS st = STATUS_SUCCESS;
	int i;
	(void)state;

	wr_init(&w, 64);
	build_request(&w, 2, PFC_FIRST_FRAG | PFC_LAST_FRAG, 0, 21, 8, stub, sizeof(stub));
	for (i = 0; i < 100000 && st == STATUS_SUCCESS; i++)
		st = rpc_pipe_write(p, w.buf, w.len);
	assert_int_equal(st, STATUS_INSUFFICIENT_RESOURCES);
	assert_true(rpc_pipe_pending(p) > RPC_MAX_PENDING_OUTPUT);
	assert_true(rpc_pipe_pending(p) < RPC_MAX_PENDING_OUTPUT + 4280);
	rpc_pipe_close(p);
	wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wkssvc_roundtrip),
		cmocka_unit_test(test_split_and_joined_writes),
		cmocka_unit_test(test_read_messages),
		cmocka_unit_test(test_pipe_names),
		cmocka_unit_test(test_bind_errors),
		cmocka_unit_test(test_bind_negotiation),
		cmocka_unit_test(test_call_faults),
		cmocka_unit_test(test_reassembly),
		cmocka_unit_test(test_response_fragments),
		cmocka_unit_test(test_output_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
