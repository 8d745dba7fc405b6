/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for the NEGOTIATE codec (src/smb2/wire/negotiate*.c) and the SMB1 multi-protocol
 * NEGOTIATE decoder (smb1_negotiate.c): valid requests, every structural error, the response
 * layout at MS-SMB2 2.2.4 offsets, and context lists round-tripped through the decoder. */
#include "wire_test.h"

#include <stdlib.h>

#include "smb2/wire/negotiate.h"
#include "smb2/wire/smb1_negotiate.h"

static const uint8_t guid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

/* A NEGOTIATE request body up to (not including) the dialects; returns the offset of the
 * NegotiateContextOffset field so tests can patch it. */
static size_t neg_fixed(struct wr *w, uint16_t ndialects, uint32_t ctx_off, uint16_t ctx_count)
{
	size_t at;

	wr_u16(w, 36);
	wr_u16(w, ndialects);
	wr_u16(w, SMB2_NEGOTIATE_SIGNING_ENABLED);
	wr_u16(w, 0);
	wr_u32(w, SMB2_GLOBAL_CAP_DFS | SMB2_GLOBAL_CAP_LEASING | SMB2_GLOBAL_CAP_ENCRYPTION);
	wr_bytes(w, guid, 16);
	at = w->len;
	wr_u32(w, ctx_off);
	wr_u16(w, ctx_count);
	wr_u16(w, 0);
	return at;
}

static void test_negotiate_plain(void **state)
{
	struct wr w;
	struct smb2_negotiate_req req;
	const uint16_t d[] = { 0x0202, 0x0210, 0x0300, 0x0302 };

	tmsg_begin(&w, SMB2_NEGOTIATE);
	neg_fixed(&w, 4, 0xdeadbeef, 0xffff);   /* ClientStartTime: garbage is fine */
	for (size_t i = 0; i < 4; i++)
		wr_u16(&w, d[i]);
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_int_equal(req.security_mode, SMB2_NEGOTIATE_SIGNING_ENABLED);
	assert_int_equal(req.capabilities, 0x43);
	assert_memory_equal(req.client_guid, guid, 16);
	assert_int_equal(req.dialects.count, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(smb2_u16_list_get(&req.dialects, i), d[i]);
	assert_false(req.has_contexts);
	assert_int_equal(req.context_count, 0);
	assert_true(smb2_u16_list_has(&req.dialects, SMB2_DIALECT_302));
	assert_false(smb2_u16_list_has(&req.dialects, SMB2_DIALECT_311));
	/* The dialects point into the message. */
	assert_ptr_equal(req.dialects.p, w.buf + 100);
	wr_free(&w);
}

/* A 3.1.1 request with preauth, encryption, signing, netname, compression, transport, rdma. */
static uint8_t salt[32];

static void build_311(struct wr *w, size_t *ctx_field, size_t *ctx_start)
{
	uint8_t pre[SMB2_NEG_PREAUTH_RSP_LEN], enc[8], sig[6], net[8], comp[12], tr[4], rdma[10];
	struct smb2_neg_context c[7];

	for (size_t i = 0; i < 32; i++)
		salt[i] = (uint8_t)(0xA0 + i);
	smb2_neg_ctx_preauth(&c[0], pre, salt);
	put_le16(enc, 3); put_le16(enc + 2, SMB2_ENCRYPTION_AES128_GCM);
	put_le16(enc + 4, SMB2_ENCRYPTION_AES128_CCM); put_le16(enc + 6, SMB2_ENCRYPTION_AES256_GCM);
	c[1] = (struct smb2_neg_context){ SMB2_ENCRYPTION_CAPABILITIES, 8, enc };
	put_le16(sig, 2); put_le16(sig + 2, SMB2_SIGNING_AES_GMAC); put_le16(sig + 4, SMB2_SIGNING_AES_CMAC);
	c[2] = (struct smb2_neg_context){ SMB2_SIGNING_CAPABILITIES, 6, sig };
	memcpy(net, "h\0o\0s\0t\0", 8);
	c[3] = (struct smb2_neg_context){ SMB2_NETNAME_NEGOTIATE_CONTEXT_ID, 8, net };
	put_le16(comp, 2); put_le16(comp + 2, 0); put_le32(comp + 4, SMB2_COMPRESSION_CAPABILITIES_FLAG_CHAINED);
	put_le16(comp + 8, SMB2_COMPRESSION_LZ77); put_le16(comp + 10, SMB2_COMPRESSION_PATTERN_V1);
	c[4] = (struct smb2_neg_context){ SMB2_COMPRESSION_CAPABILITIES, 12, comp };
	put_le32(tr, SMB2_ACCEPT_TRANSPORT_LEVEL_SECURITY);
	c[5] = (struct smb2_neg_context){ SMB2_TRANSPORT_CAPABILITIES, 4, tr };
	put_le16(rdma, 1); put_le16(rdma + 2, 0); put_le32(rdma + 4, 0);
	put_le16(rdma + 8, SMB2_RDMA_TRANSFORM_ENCRYPTION);
	c[6] = (struct smb2_neg_context){ SMB2_RDMA_TRANSFORM_CAPABILITIES, 10, rdma };

	tmsg_begin(w, SMB2_NEGOTIATE);
	*ctx_field = neg_fixed(w, 5, 0, 7);
	wr_u16(w, 0x0202); wr_u16(w, 0x0210); wr_u16(w, 0x0300); wr_u16(w, 0x0302); wr_u16(w, 0x0311);
	wr_align(w, 8);
	*ctx_start = w->len;
	wr_put_u32_at(w, *ctx_field, (uint32_t)w->len);
	smb2_neg_contexts_encode(w, 0, c, 7);
}

static void test_negotiate_311_contexts(void **state)
{
	struct wr w;
	size_t field, start;
	struct smb2_negotiate_req req;
	struct smb2_preauth_caps pre;
	struct smb2_encryption_caps enc;
	struct smb2_signing_caps sig;
	struct smb2_netname net;
	struct smb2_compression_caps comp;
	struct smb2_transport_caps tr;
	struct smb2_rdma_transform_caps rdma;

	build_311(&w, &field, &start);
	assert_int_equal(start, 112);   /* 100 + 10 bytes of dialects, aligned to 8 */
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_true(req.has_contexts);
	assert_int_equal(req.context_count, 7);
	assert_int_equal(req.contexts[0].type, SMB2_PREAUTH_INTEGRITY_CAPABILITIES);
	assert_ptr_equal(req.contexts[0].data, w.buf + start + 8);

	assert_int_equal(smb2_neg_preauth_decode(smb2_negotiate_req_find(&req,
			 SMB2_PREAUTH_INTEGRITY_CAPABILITIES), &pre), STATUS_SUCCESS);
	assert_int_equal(pre.hash_algorithms.count, 1);
	assert_int_equal(smb2_u16_list_get(&pre.hash_algorithms, 0), SMB2_PREAUTH_INTEGRITY_SHA512);
	assert_int_equal(pre.salt_len, 32);
	assert_memory_equal(pre.salt, salt, 32);

	assert_int_equal(smb2_neg_encryption_decode(&req.contexts[1], &enc), STATUS_SUCCESS);
	assert_int_equal(enc.ciphers.count, 3);
	assert_int_equal(smb2_u16_list_get(&enc.ciphers, 2), SMB2_ENCRYPTION_AES256_GCM);
	assert_int_equal(smb2_neg_signing_decode(&req.contexts[2], &sig), STATUS_SUCCESS);
	assert_int_equal(sig.algorithms.count, 2);
	assert_int_equal(smb2_u16_list_get(&sig.algorithms, 0), SMB2_SIGNING_AES_GMAC);
	assert_int_equal(smb2_neg_netname_decode(&req.contexts[3], &net), STATUS_SUCCESS);
	assert_int_equal(net.name_len, 8);
	assert_memory_equal(net.name, "h\0o\0s\0t\0", 8);
	assert_int_equal(smb2_neg_compression_decode(&req.contexts[4], &comp), STATUS_SUCCESS);
	assert_int_equal(comp.flags, SMB2_COMPRESSION_CAPABILITIES_FLAG_CHAINED);
	assert_int_equal(comp.algorithms.count, 2);
	assert_int_equal(smb2_u16_list_get(&comp.algorithms, 1), SMB2_COMPRESSION_PATTERN_V1);
	assert_int_equal(smb2_neg_transport_decode(&req.contexts[5], &tr), STATUS_SUCCESS);
	assert_int_equal(tr.flags, SMB2_ACCEPT_TRANSPORT_LEVEL_SECURITY);
	assert_int_equal(smb2_neg_rdma_decode(&req.contexts[6], &rdma), STATUS_SUCCESS);
	assert_int_equal(rdma.transform_ids.count, 1);
	assert_int_equal(smb2_u16_list_get(&rdma.transform_ids, 0), SMB2_RDMA_TRANSFORM_ENCRYPTION);
	assert_null(smb2_negotiate_req_find(&req, 0x0042));

	/* Every later context sits at an 8-aligned offset from the header. */
	for (size_t i = 0; i < req.context_count; i++)
		assert_int_equal((size_t)(req.contexts[i].data - 8 - w.buf) % 8, 0);
	wr_free(&w);
}

static void test_negotiate_errors(void **state)
{
	struct wr w;
	struct smb2_negotiate_req req;
	size_t field, start;

	/* DialectCount 0 (MS-SMB2 3.3.5.4). */
	tmsg_begin(&w, SMB2_NEGOTIATE);
	neg_fixed(&w, 0, 0, 0);
	wr_u16(&w, 0x0202);
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	/* DialectCount larger than the message holds. */
	tmsg_begin(&w, SMB2_NEGOTIATE);
	neg_fixed(&w, 3, 0, 0);
	wr_u16(&w, 0x0202); wr_u16(&w, 0x0210);
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	/* Wrong StructureSize; short body; header only. */
	tmsg_begin(&w, SMB2_NEGOTIATE);
	neg_fixed(&w, 1, 0, 0);
	wr_u16(&w, 0x0202);
	w.buf[64] = 37;
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	w.buf[64] = 36;
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_int_equal(smb2_negotiate_req_decode(w.buf, 64 + 35, &req), STATUS_INVALID_PARAMETER);
	assert_int_equal(smb2_negotiate_req_decode(w.buf, 64, &req), STATUS_INVALID_PARAMETER);
	assert_int_equal(smb2_negotiate_req_decode(w.buf, 10, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	/* 3.1.1: truncated last context. */
	build_311(&w, &field, &start);
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len - 1, &req), STATUS_INVALID_PARAMETER);
	/* Count bigger than the packet can hold. */
	wr_put_u16_at(&w, field + 4, 8);
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, field + 4, 0xffff);
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, field + 4, 7);
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	/* Misaligned offset, offset over the dialects, offset past the end. */
	wr_put_u32_at(&w, field, (uint32_t)start + 2);
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u32_at(&w, field, 104);
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u32_at(&w, field, 0x10000000);
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u32_at(&w, field, (uint32_t)start);
	/* A context DataLength running past the message. */
	wr_put_u16_at(&w, start + 2, 0x4000);
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	/* Without 0x0311 the same garbage offset/count is ignored. */
	tmsg_begin(&w, SMB2_NEGOTIATE);
	neg_fixed(&w, 1, 3, 0xffff);
	wr_u16(&w, 0x0300);
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	wr_free(&w);
}

static void test_negotiate_too_many_contexts(void **state)
{
	struct wr w;
	struct smb2_negotiate_req req;
	size_t field;

	tmsg_begin(&w, SMB2_NEGOTIATE);
	field = neg_fixed(&w, 1, 0, SMB2_NEG_CONTEXTS_MAX + 1);
	wr_u16(&w, 0x0311);
	wr_align(&w, 8);
	wr_put_u32_at(&w, field, (uint32_t)w.len);
	for (int i = 0; i < SMB2_NEG_CONTEXTS_MAX + 1; i++) {
		wr_u16(&w, 0x0100 + (uint16_t)i);
		wr_u16(&w, 0);
		wr_u32(&w, 0);
	}
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, field + 4, SMB2_NEG_CONTEXTS_MAX);
	assert_int_equal(smb2_negotiate_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_int_equal(req.context_count, SMB2_NEG_CONTEXTS_MAX);
	/* Empty contexts are back to back (8 bytes is already aligned). */
	assert_int_equal(req.contexts[15].type, 0x010F);
	wr_free(&w);
}

static void test_negotiate_context_bodies_errors(void **state)
{
	uint8_t b[64] = { 0 };
	struct smb2_neg_context c = { 0, 0, b };
	struct smb2_preauth_caps pre;
	struct smb2_encryption_caps enc;
	struct smb2_signing_caps sig;
	struct smb2_compression_caps comp;
	struct smb2_transport_caps tr;
	struct smb2_rdma_transform_caps rdma;

	/* Preauth: count 0; count too big; salt too big; too short for the counts. */
	put_le16(b, 0); put_le16(b + 2, 0); c.len = 6;
	assert_int_equal(smb2_neg_preauth_decode(&c, &pre), STATUS_INVALID_PARAMETER);
	put_le16(b, 2); put_le16(b + 2, 0); c.len = 6;
	assert_int_equal(smb2_neg_preauth_decode(&c, &pre), STATUS_INVALID_PARAMETER);
	put_le16(b, 1); put_le16(b + 2, 33); c.len = 6 + 32;
	assert_int_equal(smb2_neg_preauth_decode(&c, &pre), STATUS_INVALID_PARAMETER);
	put_le16(b + 2, 32);
	assert_int_equal(smb2_neg_preauth_decode(&c, &pre), STATUS_SUCCESS);
	c.len = 3;
	assert_int_equal(smb2_neg_preauth_decode(&c, &pre), STATUS_INVALID_PARAMETER);

	/* Encryption / signing: count 0, count beyond DataLength. */
	put_le16(b, 0); c.len = 2;
	assert_int_equal(smb2_neg_encryption_decode(&c, &enc), STATUS_INVALID_PARAMETER);
	assert_int_equal(smb2_neg_signing_decode(&c, &sig), STATUS_INVALID_PARAMETER);
	put_le16(b, 3); c.len = 6;
	assert_int_equal(smb2_neg_encryption_decode(&c, &enc), STATUS_INVALID_PARAMETER);
	assert_int_equal(smb2_neg_signing_decode(&c, &sig), STATUS_INVALID_PARAMETER);
	c.len = 8;
	assert_int_equal(smb2_neg_encryption_decode(&c, &enc), STATUS_SUCCESS);
	assert_int_equal(smb2_neg_signing_decode(&c, &sig), STATUS_SUCCESS);

	/* Compression: header short, count 0, count beyond. */
	c.len = 7;
	assert_int_equal(smb2_neg_compression_decode(&c, &comp), STATUS_INVALID_PARAMETER);
	put_le16(b, 0); c.len = 8;
	assert_int_equal(smb2_neg_compression_decode(&c, &comp), STATUS_INVALID_PARAMETER);
	put_le16(b, 2); c.len = 11;
	assert_int_equal(smb2_neg_compression_decode(&c, &comp), STATUS_INVALID_PARAMETER);
	c.len = 12;
	assert_int_equal(smb2_neg_compression_decode(&c, &comp), STATUS_SUCCESS);

	/* Transport: needs its 4-byte Flags. RDMA: like compression. */
	c.len = 3;
	assert_int_equal(smb2_neg_transport_decode(&c, &tr), STATUS_INVALID_PARAMETER);
	put_le16(b, 0); c.len = 10;
	assert_int_equal(smb2_neg_rdma_decode(&c, &rdma), STATUS_INVALID_PARAMETER);
	put_le16(b, 2);
	assert_int_equal(smb2_neg_rdma_decode(&c, &rdma), STATUS_INVALID_PARAMETER);
	c.len = 12;
	assert_int_equal(smb2_neg_rdma_decode(&c, &rdma), STATUS_SUCCESS);
}

static void test_negotiate_rsp_layout(void **state)
{
	struct wr w;
	size_t h = trsp_begin(&w, SMB2_NEGOTIATE);
	uint8_t blob[11] = "SPNEGOTOKEN";
	uint8_t pre[SMB2_NEG_PREAUTH_RSP_LEN], enc[4], sig[4];
	struct smb2_neg_context c[3];
	struct smb2_negotiate_rsp rsp = {
		.security_mode = SMB2_NEGOTIATE_SIGNING_ENABLED | SMB2_NEGOTIATE_SIGNING_REQUIRED,
		.dialect_revision = SMB2_DIALECT_311,
		.capabilities = SMB2_GLOBAL_CAP_LEASING | SMB2_GLOBAL_CAP_LARGE_MTU,
		.max_transact_size = 8388608, .max_read_size = 8388609, .max_write_size = 8388610,
		.system_time = 0x01D0000000000001ull, .server_start_time = 0x01D0000000000002ull,
		.security_buffer = blob, .security_buffer_len = sizeof(blob),
		.contexts = c, .context_count = 3,
	};
	size_t ctx;

	memcpy(rsp.server_guid, guid, 16);
	uint8_t rsalt[32] = { 9 };

	smb2_neg_ctx_preauth(&c[0], pre, rsalt);
	smb2_neg_ctx_encryption(&c[1], enc, SMB2_ENCRYPTION_AES128_GCM);
	smb2_neg_ctx_signing(&c[2], sig, SMB2_SIGNING_AES_CMAC);
	smb2_negotiate_rsp_encode(&w, h, &rsp);
	assert_false(w.failed);

	/* MS-SMB2 2.2.4 offsets from the header. */
	assert_int_equal(T16(&w, h, 0x40), 65);
	assert_int_equal(T16(&w, h, 0x42), 3);
	assert_int_equal(T16(&w, h, 0x44), 0x0311);
	assert_int_equal(T16(&w, h, 0x46), 3);
	assert_memory_equal(w.buf + h + 0x48, guid, 16);
	assert_int_equal(T32(&w, h, 0x58), 6);
	assert_int_equal(T32(&w, h, 0x5C), 8388608);
	assert_int_equal(T32(&w, h, 0x60), 8388609);
	assert_int_equal(T32(&w, h, 0x64), 8388610);
	assert_true(T64(&w, h, 0x68) == 0x01D0000000000001ull);
	assert_true(T64(&w, h, 0x70) == 0x01D0000000000002ull);
	assert_int_equal(T16(&w, h, 0x78), 0x80);
	assert_int_equal(T16(&w, h, 0x7A), 11);
	assert_memory_equal(w.buf + h + 0x80, blob, 11);
	ctx = T32(&w, h, 0x7C);
	assert_int_equal(ctx, 0x90);                       /* 0x80 + 11 rounded up to 8 */
	assert_int_equal(w.buf[h + 0x8B], 0);              /* padding is zero */
	/* Preauth: type 1, DataLength 38, reserved, count 1, salt 32, SHA-512. */
	assert_int_equal(T16(&w, h, ctx), SMB2_PREAUTH_INTEGRITY_CAPABILITIES);
	assert_int_equal(T16(&w, h, ctx + 2), 38);
	assert_int_equal(T32(&w, h, ctx + 4), 0);
	assert_int_equal(T16(&w, h, ctx + 8), 1);
	assert_int_equal(T16(&w, h, ctx + 10), 32);
	assert_int_equal(T16(&w, h, ctx + 12), SMB2_PREAUTH_INTEGRITY_SHA512);
	assert_int_equal(w.buf[h + ctx + 14], 9);
	/* Encryption context at the next 8-aligned offset: 0x90 + 8 + 38 = 0xBE -> 0xC0. */
	assert_int_equal(T16(&w, h, 0xC0), SMB2_ENCRYPTION_CAPABILITIES);
	assert_int_equal(T16(&w, h, 0xC2), 4);
	assert_int_equal(T16(&w, h, 0xC8), 1);
	assert_int_equal(T16(&w, h, 0xCA), SMB2_ENCRYPTION_AES128_GCM);
	assert_int_equal(T16(&w, h, 0xD0), SMB2_SIGNING_CAPABILITIES);
	assert_int_equal(T16(&w, h, 0xDA), SMB2_SIGNING_AES_CMAC);
	assert_int_equal(w.len - h, 0xDC);                 /* no padding after the last */
	wr_free(&w);
}

static void test_negotiate_rsp_no_contexts(void **state)
{
	struct wr w;
	size_t h = trsp_begin(&w, SMB2_NEGOTIATE);
	struct smb2_negotiate_rsp rsp = { .dialect_revision = SMB2_DIALECT_WILDCARD,
					  .security_buffer = (const uint8_t *)"ab",
					  .security_buffer_len = 2 };

	smb2_negotiate_rsp_encode(&w, h, &rsp);
	assert_int_equal(TBODY_LEN(&w, h), 66);
	assert_int_equal(T16(&w, h, 0x44), 0x02FF);
	assert_int_equal(T16(&w, h, 0x46), 0);
	assert_int_equal(T32(&w, h, 0x7C), 0);
	wr_free(&w);
}

/* ---- SMB1 ---- */

static void smb1_begin(struct wr *w, uint8_t cmd)
{
	wr_init(w, 256);
	wr_u32(w, SMB1_PROTOCOL_ID);
	wr_u8(w, cmd);
	wr_u32(w, 0);             /* Status */
	wr_u8(w, 0x18);           /* Flags */
	wr_u16(w, 0xC853);        /* Flags2 */
	wr_u16(w, 0);             /* PIDHigh */
	wr_zero(w, 8 + 2);        /* SecurityFeatures, Reserved */
	wr_u16(w, 0);             /* TID */
	wr_u16(w, 0xFEFF);        /* PIDLow */
	wr_u16(w, 0);             /* UID */
	wr_u16(w, 0);             /* MID */
}

static void smb1_dialects(struct wr *w, const char *const *names, size_t n)
{
	size_t bc_at;

	wr_u8(w, 0);              /* WordCount */
	bc_at = w->len;
	wr_u16(w, 0);
	for (size_t i = 0; i < n; i++) {
		wr_u8(w, 0x02);
		wr_bytes(w, names[i], strlen(names[i]) + 1);
	}
	wr_put_u16_at(w, bc_at, (uint16_t)(w->len - bc_at - 2));
}

static void test_smb1_negotiate(void **state)
{
	static const char *const names[] = { "PC NETWORK PROGRAM 1.0", "LANMAN1.0", "NT LM 0.12",
					     "SMB 2.002", "SMB 2.???" };
	struct wr w;
	struct smb1_negotiate_req req;
	size_t pos = 0, n = 0, nl;
	const char *name;

	smb1_begin(&w, SMB1_COM_NEGOTIATE);
	smb1_dialects(&w, names, 5);
	assert_int_equal(smb1_negotiate_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_int_equal(req.dialect_count, 5);
	assert_true(req.smb2_002);
	assert_true(req.smb2_wildcard);
	assert_int_equal(req.flags2, 0xC853);
	assert_int_equal(req.pid_low, 0xFEFF);
	while (smb1_negotiate_next_dialect(&req, &pos, &name, &nl)) {
		assert_int_equal(nl, strlen(names[n]));
		assert_memory_equal(name, names[n], nl);
		n++;
	}
	assert_int_equal(n, 5);
	wr_free(&w);

	/* Only SMB1 dialects. */
	smb1_begin(&w, SMB1_COM_NEGOTIATE);
	smb1_dialects(&w, names, 3);
	assert_int_equal(smb1_negotiate_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_false(req.smb2_002);
	assert_false(req.smb2_wildcard);
	/* A name that only starts like an SMB2 one does not count. */
	wr_free(&w);
	smb1_begin(&w, SMB1_COM_NEGOTIATE);
	smb1_dialects(&w, (const char *const[]){ "SMB 2.0021" }, 1);
	assert_int_equal(smb1_negotiate_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_false(req.smb2_002);
	wr_free(&w);
}

static void test_smb1_negotiate_errors(void **state)
{
	static const char *const names[] = { "NT LM 0.12", "SMB 2.002" };
	struct wr w;
	struct smb1_negotiate_req req;
	size_t full;

	smb1_begin(&w, SMB1_COM_NEGOTIATE);
	smb1_dialects(&w, names, 2);
	full = w.len;
	/* Truncated: ByteCount beyond the message, a missing NUL. */
	assert_int_equal(smb1_negotiate_req_decode(w.buf, full - 1, &req), STATUS_INVALID_PARAMETER);
	assert_int_equal(smb1_negotiate_req_decode(w.buf, 20, &req), STATUS_INVALID_PARAMETER);
	w.buf[full - 1] = 'x';
	wr_put_u16_at(&w, 33, (uint16_t)(full - 35));
	assert_int_equal(smb1_negotiate_req_decode(w.buf, full, &req), STATUS_INVALID_PARAMETER);
	w.buf[full - 1] = 0;
	assert_int_equal(smb1_negotiate_req_decode(w.buf, full, &req), STATUS_SUCCESS);
	/* Bad BufferFormat. */
	w.buf[35] = 0x04;
	assert_int_equal(smb1_negotiate_req_decode(w.buf, full, &req), STATUS_INVALID_PARAMETER);
	w.buf[35] = 0x02;
	/* WordCount != 0, wrong command, wrong protocol id. */
	w.buf[32] = 1;
	assert_int_equal(smb1_negotiate_req_decode(w.buf, full, &req), STATUS_INVALID_PARAMETER);
	w.buf[32] = 0;
	w.buf[4] = 0x73;
	assert_int_equal(smb1_negotiate_req_decode(w.buf, full, &req), STATUS_INVALID_PARAMETER);
	w.buf[4] = SMB1_COM_NEGOTIATE;
	w.buf[0] = 0xFE;
	assert_int_equal(smb1_negotiate_req_decode(w.buf, full, &req), STATUS_INVALID_PARAMETER);
	w.buf[0] = 0xFF;
	/* ByteCount 0: no dialects at all. */
	wr_put_u16_at(&w, 33, 0);
	assert_int_equal(smb1_negotiate_req_decode(w.buf, full, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate_plain),
		cmocka_unit_test(test_negotiate_311_contexts),
		cmocka_unit_test(test_negotiate_errors),
		cmocka_unit_test(test_negotiate_too_many_contexts),
		cmocka_unit_test(test_negotiate_context_bodies_errors),
		cmocka_unit_test(test_negotiate_rsp_layout),
		cmocka_unit_test(test_negotiate_rsp_no_contexts),
		cmocka_unit_test(test_smb1_negotiate),
		cmocka_unit_test(test_smb1_negotiate_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
