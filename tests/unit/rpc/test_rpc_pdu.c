/* SPDX-License-Identifier: Apache-2.0 */
/* Connection-oriented PDU codec (src/rpc/pdu.c): header rules, bind / alter_context and request
 * bodies (captured from rpcclient; every truncation), and the encoders against Samba's bytes. */
#include "rpc_test.h"

/* rpcclient's bind to srvsvc: 4280/4280, assoc 0, one context (srvsvc 3.0 over NDR 2.0) */
static const char srvsvc_bind[] =
	"05000b03100000004800000001000000b810b810000000000100000000000100c84f324b7016d301"
	"12785a47bf6ee18803000000045d888aeb1cc9119fe808002b10486002000000";
/* Samba 4.17's bind_ack to it (assoc group 0x0ac6, secondary address "\pipe\srvsvc") */
static const char srvsvc_bind_ack[] =
	"05000c03100000004400000001000000b810b810c60a00000d005c706970655c7372767376630000"
	"0100000000000000045d888aeb1cc9119fe808002b10486002000000";
/* Samba's fault for LsarLookupSids3 over a pipe: call 2, status 5 (access denied) */
static const char lsa_fault[] = "0500030310000000200000000200000018000000000000000500000000000000";

static struct arena A;

static int setup(void **state)
{
	(void)state;
	arena_init(&A, 4096);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_destroy(&A);
	return 0;
}

static void test_header(void **state)
{
	size_t n;
	uint8_t *b = hex(srvsvc_bind, &n);
	struct rpc_hdr h;
	(void)state;

	assert_false(rpc_hdr_decode(b, 15, &h));
	assert_true(rpc_hdr_decode(b, n, &h));
	assert_int_equal(h.vers, 5);
	assert_int_equal(h.ptype, RPC_PTYPE_BIND);
	assert_int_equal(h.flags, PFC_FIRST_FRAG | PFC_LAST_FRAG);
	assert_int_equal(h.frag_len, 72);
	assert_int_equal(h.auth_len, 0);
	assert_int_equal(h.call_id, 1);
	assert_true(rpc_hdr_valid(&h, PFC_FIRST_FRAG | PFC_LAST_FRAG));
	assert_false(rpc_hdr_valid(&h, PFC_FIRST_FRAG));        /* a flag not allowed */

	struct rpc_hdr bad = h;
	bad.vers_minor = 1;
	assert_false(rpc_hdr_valid(&bad, 0xFF));
	bad = h;
	bad.drep[0] = 0x00;                                     /* big-endian NDR */
	assert_false(rpc_hdr_valid(&bad, 0xFF));
	bad = h;
	bad.drep[1] = 1;                                        /* VAX floats */
	assert_false(rpc_hdr_valid(&bad, 0xFF));
	bad = h;
	bad.auth_len = 49;                                      /* 16 + 8 + 49 > 72 */
	assert_false(rpc_hdr_valid(&bad, 0xFF));
	bad.auth_len = 48;
	assert_true(rpc_hdr_valid(&bad, 0xFF));
	bad = h;
	bad.frag_len = 15;
	assert_false(rpc_hdr_valid(&bad, 0xFF));
	free(b);
}

static void test_bind_decode(void **state)
{
	size_t n;
	uint8_t *b = hex(srvsvc_bind, &n);
	struct rpc_hdr h;
	struct rpc_bind bind;
	(void)state;

	assert_true(rpc_hdr_decode(b, n, &h));
	assert_int_equal(rpc_bind_decode(&h, b, &A, &bind), STATUS_SUCCESS);
	assert_int_equal(bind.max_xmit, 4280);
	assert_int_equal(bind.max_recv, 4280);
	assert_int_equal(bind.assoc_group, 0);
	assert_int_equal(bind.n_ctx, 1);
	assert_int_equal(bind.ctx[0].ctx_id, 0);
	assert_int_equal(bind.ctx[0].n_ts, 1);
	assert_true(rpc_syntax_equal(&bind.ctx[0].abstract, &rpc_srvsvc_iface.syntax));
	assert_true(rpc_syntax_equal(&bind.ctx[0].ts[0], &rpc_ndr20_syntax));

	/* the body cut anywhere (frag_len says so) */
	for (uint16_t len = RPC_HDR_SIZE; len < n; len++) {
		h.frag_len = len;
		assert_int_equal(rpc_bind_decode(&h, b, &A, &bind), STATUS_INVALID_PARAMETER);
	}
	h.frag_len = (uint16_t)n;
	/* an auth verifier takes its bytes from the end: the context no longer fits */
	h.auth_len = 1;
	assert_int_equal(rpc_bind_decode(&h, b, &A, &bind), STATUS_INVALID_PARAMETER);
	h.auth_len = 0;
	/* more contexts than bytes, a context with no transfer syntax, too many transfer syntaxes */
	b[24] = 2;
	assert_int_equal(rpc_bind_decode(&h, b, &A, &bind), STATUS_INVALID_PARAMETER);
	b[24] = 255;
	assert_int_equal(rpc_bind_decode(&h, b, &A, &bind), STATUS_INVALID_PARAMETER);
	b[24] = 1;
	b[30] = 0;
	assert_int_equal(rpc_bind_decode(&h, b, &A, &bind), STATUS_INVALID_PARAMETER);
	b[30] = 2;
	assert_int_equal(rpc_bind_decode(&h, b, &A, &bind), STATUS_INVALID_PARAMETER);
	/* no contexts at all decodes (the pipe answers it with a bind_nak) */
	b[24] = 0;
	assert_int_equal(rpc_bind_decode(&h, b, &A, &bind), STATUS_SUCCESS);
	assert_int_equal(bind.n_ctx, 0);
	free(b);
}

static void test_btfn(void **state)
{
	/* Windows' third context: 6cb71c2c-9812-4540-0300-000000000000 v1.0 (both features) */
	struct rpc_syntax s = {
		{ 0x2c, 0x1c, 0xb7, 0x6c, 0x12, 0x98, 0x40, 0x45, 3, 0, 0, 0, 0, 0, 0, 0 }, 1, 0
	};
	uint16_t f;
	(void)state;

	assert_true(rpc_syntax_is_btfn(&s, &f));
	assert_int_equal(f, RPC_BTFN_SEC_CONTEXT_MULTIPLEXING | RPC_BTFN_KEEP_ORPHAN);
	s.major = 2;
	assert_false(rpc_syntax_is_btfn(&s, &f));
	assert_false(rpc_syntax_is_btfn(&rpc_ndr20_syntax, &f));
}

static void test_request_decode(void **state)
{
	/* request call 7, ctx 1, opnum 21, object uuid, 8 stub bytes, then an 8-byte trailer and
	 * 4 bytes of credentials */
	uint8_t b[16 + 8 + 16 + 8 + 8 + 4];
	struct rpc_hdr h;
	struct rpc_request rq;
	(void)state;

	memset(b, 0, sizeof(b));
	b[0] = 5;
	b[2] = RPC_PTYPE_REQUEST;
	b[3] = PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_OBJECT_UUID;
	b[4] = RPC_DREP_LE;
	put_le16(b + 8, sizeof(b));
	put_le16(b + 10, 4);
	put_le32(b + 12, 7);
	put_le32(b + 16, 8);
	put_le16(b + 20, 1);
	put_le16(b + 22, 21);
	for (int i = 0; i < 16; i++)
		b[24 + i] = (uint8_t)(0xA0 + i);
	memcpy(b + 40, "STUBDATA", 8);
	assert_true(rpc_hdr_decode(b, sizeof(b), &h));
	assert_int_equal(rpc_request_decode(&h, b, &rq), STATUS_SUCCESS);
	assert_int_equal(rq.alloc_hint, 8);
	assert_int_equal(rq.ctx_id, 1);
	assert_int_equal(rq.opnum, 21);
	assert_true(rq.has_object);
	assert_int_equal(rq.object[15], 0xAF);
	assert_int_equal(rq.stub_len, 8);
	assert_memory_equal(rq.stub, "STUBDATA", 8);

	/* without the object flag the uuid is stub */
	h.flags &= (uint8_t)~PFC_OBJECT_UUID;
	assert_int_equal(rpc_request_decode(&h, b, &rq), STATUS_SUCCESS);
	assert_false(rq.has_object);
	assert_int_equal(rq.stub_len, 24);
	h.flags |= PFC_OBJECT_UUID;
	/* cut short: the fixed part or the uuid missing */
	for (uint16_t len = RPC_HDR_SIZE; len < 40 + 12; len++) {
		h.frag_len = len;
		if (len - 12 < 40)
			assert_int_equal(rpc_request_decode(&h, b, &rq), STATUS_INVALID_PARAMETER);
	}
	/* auth verifier larger than the body */
	h.frag_len = sizeof(b);
	h.auth_len = 60;
	assert_int_equal(rpc_request_decode(&h, b, &rq), STATUS_INVALID_PARAMETER);
}

static void test_encoders(void **state)
{
	struct wr w;
	size_t n;
	uint8_t *want;
	struct rpc_ack_result ok = { RPC_ACK_ACCEPTANCE, 0, rpc_ndr20_syntax };
	(void)state;

	/* byte for byte what Samba sends, given its assoc group and secondary address */
	wr_init(&w, 64);
	wr_u32(&w, 0xDEADBEEF);                         /* PDUs are padded from their own start */
	rpc_bind_ack_encode(&w, RPC_PTYPE_BIND_ACK, 1, 4280, 4280, 0x0ac6, "\\pipe\\srvsvc", &ok, 1);
	want = hex(srvsvc_bind_ack, &n);
	assert_int_equal(w.len, 4 + n);
	assert_memory_equal(w.buf + 4, want, n);
	free(want);

	w.len = 0;
	rpc_fault_encode(&w, 2, 0, 0, NCA_S_FAULT_ACCESS_DENIED);
	want = hex(lsa_fault, &n);
	assert_int_equal(w.len, n);
	assert_memory_equal(w.buf, want, n);
	free(want);

	/* bind_nak: reason, one version 5.0, padded to 24 bytes (as Samba) */
	w.len = 0;
	rpc_bind_nak_encode(&w, 9, RPC_NAK_INVALID_AUTH_TYPE);
	static const uint8_t nak[] = {
		5, 0, 13, 3, 0x10, 0, 0, 0, 24, 0, 0, 0, 9, 0, 0, 0, 8, 0, 1, 5, 0, 0, 0, 0,
	};
	assert_int_equal(w.len, sizeof(nak));
	assert_memory_equal(w.buf, nak, sizeof(nak));

	/* alter_context_resp with an empty secondary address: length 0, no bytes, then pad */
	w.len = 0;
	rpc_bind_ack_encode(&w, RPC_PTYPE_ALTER_CONTEXT_RESP, 3, 4280, 4280, 7, "", &ok, 1);
	assert_int_equal(w.len, 16 + 8 + 2 + 2 + 4 + 24);
	assert_int_equal(w.buf[2], RPC_PTYPE_ALTER_CONTEXT_RESP);
	assert_int_equal(le16(w.buf + 24), 0);
	assert_int_equal(w.buf[28], 1);

	/* response: header, alloc_hint, context, no cancel, stub */
	w.len = 0;
	rpc_response_encode(&w, 5, 1, PFC_LAST_FRAG, 100, (const uint8_t *)"abcd", 4);
	assert_int_equal(w.len, 28);
	assert_int_equal(w.buf[3], PFC_LAST_FRAG);
	assert_int_equal(le16(w.buf + 8), 28);
	assert_int_equal(le32(w.buf + 12), 5);
	assert_int_equal(le32(w.buf + 16), 100);
	assert_int_equal(le16(w.buf + 20), 1);
	assert_memory_equal(w.buf + 24, "abcd", 4);
	wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_bind_decode),
		cmocka_unit_test(test_btfn),
		cmocka_unit_test(test_request_decode),
		cmocka_unit_test(test_encoders),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
