/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for the CREATE codec and create-context chains (src/smb2/wire/create*.c): decoding,
 * every structural error, the response layout at MS-SMB2 2.2.14 offsets, and chains built by
 * the response builder parsed back by the request parser. */
#include "wire_test.h"

#include "smb2/wire/create.h"

static const uint8_t lease_key[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
				       0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00 };

/* The fixed part of a CREATE request; returns the offset of NameOffset. */
static size_t create_fixed(struct wr *w)
{
	size_t at;

	wr_u16(w, 57);
	wr_u8(w, 0);
	wr_u8(w, SMB2_OPLOCK_LEVEL_BATCH);
	wr_u32(w, SMB2_IMPERSONATION_IMPERSONATION);
	wr_u64(w, 0);
	wr_u64(w, 0);
	wr_u32(w, 0x0012019F);     /* DesiredAccess */
	wr_u32(w, 0x80);           /* FILE_ATTRIBUTE_NORMAL */
	wr_u32(w, 7);              /* share all */
	wr_u32(w, 3);              /* FILE_OPEN_IF */
	wr_u32(w, 0x40);           /* FILE_NON_DIRECTORY_FILE */
	at = w->len;
	wr_u16(w, 0);
	wr_u16(w, 0);
	wr_u32(w, 0);
	wr_u32(w, 0);
	return at;
}

/* A request chain: MxAc (no data), QFid (no data), RqLs v2, DH2Q. */
static void request_chain(struct wr *c)
{
	struct smb2_create_ctx_builder b;
	struct smb2_lease_req l = { .v2 = true, .state = 7, .flags = 4, .epoch = 3 };
	uint8_t dh2q[32] = { 0 };

	memcpy(l.key, lease_key, 16);
	memset(l.parent_key, 0x5A, 16);
	put_le32(dh2q, 60000);
	put_le32(dh2q + 4, SMB2_DHANDLE_FLAG_PERSISTENT);
	memset(dh2q + 16, 0xC7, 16);
	wr_init(c, 256);
	smb2_create_ctx_builder_init(&b, c);
	smb2_create_ctx_add(&b, "MxAc", 4, NULL, 0);
	smb2_create_ctx_add(&b, "QFid", 4, NULL, 0);
	smb2_create_ctx_add_lease(&b, &l);
	smb2_create_ctx_add(&b, "DH2Q", 4, dh2q, 32);
}

static void build_create(struct wr *w, const char *name, const struct wr *chain)
{
	size_t at, n;

	tmsg_begin(w, SMB2_CREATE);
	at = create_fixed(w);
	wr_put_u16_at(w, at, 0x78);
	n = t_utf16(w, name);
	wr_put_u16_at(w, at + 2, (uint16_t)n);
	if (n == 0)
		wr_u8(w, 0);        /* the pad byte clients send for an empty name */
	if (chain != NULL) {
		wr_align(w, 8);
		wr_put_u32_at(w, at + 4, (uint32_t)w->len);
		wr_put_u32_at(w, at + 8, (uint32_t)chain->len);
		wr_bytes(w, chain->buf, chain->len);
	}
}

static void test_create_decode(void **state)
{
	struct wr w, c;
	struct smb2_create_req req;
	const struct smb2_create_ctx *x;
	struct smb2_lease_req l;
	struct smb2_durable_v2_req d;
	bool has_ts;
	uint64_t ts;

	request_chain(&c);
	build_create(&w, "dir\\file.txt", &c);
	assert_int_equal(smb2_create_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_int_equal(req.requested_oplock_level, SMB2_OPLOCK_LEVEL_BATCH);
	assert_int_equal(req.impersonation_level, SMB2_IMPERSONATION_IMPERSONATION);
	assert_int_equal(req.desired_access, 0x0012019F);
	assert_int_equal(req.file_attributes, 0x80);
	assert_int_equal(req.share_access, 7);
	assert_int_equal(req.create_disposition, 3);
	assert_int_equal(req.create_options, 0x40);
	assert_ptr_equal(req.name, w.buf + 0x78);
	assert_int_equal(req.name_len, 24);
	assert_memory_equal(req.name, "d\0i\0r\0\\\0", 8);
	assert_int_equal(req.contexts_len, c.len);
	assert_int_equal(req.contexts.count, 4);

	x = smb2_create_ctx_find(&req.contexts, SMB2_CREATE_QUERY_MAXIMAL_ACCESS_REQUEST);
	assert_non_null(x);
	assert_int_equal(x->data_len, 0);
	assert_null(x->data);
	assert_int_equal(smb2_create_ctx_mxac_decode(x, &has_ts, &ts), STATUS_SUCCESS);
	assert_false(has_ts);
	assert_non_null(smb2_create_ctx_find(&req.contexts, SMB2_CREATE_QUERY_ON_DISK_ID));
	assert_null(smb2_create_ctx_find(&req.contexts, SMB2_CREATE_EA_BUFFER));
	assert_null(smb2_create_ctx_find(&req.contexts, SMB2_CREATE_APP_INSTANCE_ID));

	x = smb2_create_ctx_find(&req.contexts, SMB2_CREATE_REQUEST_LEASE);
	assert_non_null(x);
	assert_int_equal(smb2_create_ctx_lease_decode(x, &l), STATUS_SUCCESS);
	assert_true(l.v2);
	assert_memory_equal(l.key, lease_key, 16);
	assert_int_equal(l.state, 7);
	assert_int_equal(l.flags, 4);
	assert_int_equal(l.epoch, 3);
	assert_int_equal(l.parent_key[15], 0x5A);
	/* Data is 8-aligned from the header (the chain itself starts 8-aligned). */
	assert_int_equal((size_t)(x->data - w.buf) % 8, 0);

	x = smb2_create_ctx_find(&req.contexts, SMB2_CREATE_DURABLE_HANDLE_REQUEST_V2);
	assert_non_null(x);
	assert_int_equal(smb2_create_ctx_dh2q_decode(x, &d), STATUS_SUCCESS);
	assert_int_equal(d.timeout, 60000);
	assert_int_equal(d.flags, SMB2_DHANDLE_FLAG_PERSISTENT);
	assert_int_equal(d.create_guid[0], 0xC7);
	wr_free(&w);
	wr_free(&c);

	/* Empty name (share root) with its pad byte, no contexts. */
	build_create(&w, "", NULL);
	assert_int_equal(smb2_create_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_null(req.name);
	assert_int_equal(req.name_len, 0);
	assert_int_equal(req.contexts.count, 0);
	/* ...but without the Buffer byte the request is short. */
	assert_int_equal(smb2_create_req_decode(w.buf, w.len - 1, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);
}

static void test_create_errors(void **state)
{
	struct wr w, c;
	struct smb2_create_req req;
	size_t at = 64 + 0x2C;          /* NameOffset */
	size_t ctx;

	request_chain(&c);
	build_create(&w, "a.txt", &c);
	ctx = le32(w.buf + at + 4);
	assert_int_equal(smb2_create_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);

	w.buf[64] = 56;
	assert_int_equal(smb2_create_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	w.buf[64] = 57;
	/* Name past the end / into the fixed part. */
	wr_put_u16_at(&w, at + 2, 0xFFFE);
	assert_int_equal(smb2_create_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, at + 2, 10);
	wr_put_u16_at(&w, at, 0x70);
	assert_int_equal(smb2_create_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, at, 0x78);
	/* Chain past the end, offset past the end, oversized length wrapping. */
	wr_put_u32_at(&w, at + 8, (uint32_t)c.len + 1);
	assert_int_equal(smb2_create_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u32_at(&w, at + 8, 0xFFFFFFFF);
	assert_int_equal(smb2_create_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u32_at(&w, at + 8, (uint32_t)c.len);
	wr_put_u32_at(&w, at + 4, 0xFFFFFFF8u);
	assert_int_equal(smb2_create_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u32_at(&w, at + 4, (uint32_t)ctx);
	assert_int_equal(smb2_create_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	/* A broken chain fails the whole request. */
	wr_put_u32_at(&w, ctx, 20);     /* Next not 8-aligned */
	assert_int_equal(smb2_create_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);
	wr_free(&c);
}

/* One hand-made context at the start of b: header fields as given. */
static void ctx_hdr(uint8_t *b, uint32_t next, uint16_t name_off, uint16_t name_len,
		    uint16_t data_off, uint32_t data_len)
{
	put_le32(b, next);
	put_le16(b + 4, name_off);
	put_le16(b + 6, name_len);
	put_le16(b + 8, 0);
	put_le16(b + 10, data_off);
	put_le32(b + 12, data_len);
}

static void test_create_ctx_parse_errors(void **state)
{
	uint8_t b[128];
	struct smb2_create_ctx_list l;

	memset(b, 'x', sizeof(b));
	/* Valid: one context with name at 16 and 8 bytes of data at 24. */
	ctx_hdr(b, 0, 16, 4, 24, 8);
	assert_int_equal(smb2_create_ctx_parse(b, 32, &l), STATUS_SUCCESS);
	assert_int_equal(l.count, 1);
	assert_ptr_equal(l.ctx[0].name, b + 16);
	assert_ptr_equal(l.ctx[0].data, b + 24);
	/* Empty chain. */
	assert_int_equal(smb2_create_ctx_parse(b, 0, &l), STATUS_SUCCESS);
	assert_int_equal(l.count, 0);
	/* Shorter than a header; data past the end; name past the end. */
	assert_int_equal(smb2_create_ctx_parse(b, 15, &l), STATUS_INVALID_PARAMETER);
	assert_int_equal(smb2_create_ctx_parse(b, 31, &l), STATUS_INVALID_PARAMETER);
	ctx_hdr(b, 0, 16, 40, 0, 0);
	assert_int_equal(smb2_create_ctx_parse(b, 32, &l), STATUS_INVALID_PARAMETER);
	/* NameOffset inside the header; NameLength < 4. */
	ctx_hdr(b, 0, 8, 4, 0, 0);
	assert_int_equal(smb2_create_ctx_parse(b, 32, &l), STATUS_INVALID_PARAMETER);
	ctx_hdr(b, 0, 16, 3, 0, 0);
	assert_int_equal(smb2_create_ctx_parse(b, 32, &l), STATUS_INVALID_PARAMETER);
	/* DataOffset misaligned; data overlapping the name. */
	ctx_hdr(b, 0, 16, 4, 20, 4);
	assert_int_equal(smb2_create_ctx_parse(b, 32, &l), STATUS_INVALID_PARAMETER);
	ctx_hdr(b, 0, 16, 12, 24, 4);
	assert_int_equal(smb2_create_ctx_parse(b, 32, &l), STATUS_INVALID_PARAMETER);
	/* DataLength 0 with a junk DataOffset is fine. */
	ctx_hdr(b, 0, 16, 4, 0xFFFF, 0);
	assert_int_equal(smb2_create_ctx_parse(b, 32, &l), STATUS_SUCCESS);
	assert_null(l.ctx[0].data);
	/* Next: misaligned, smaller than a header, past the chain, data past Next. */
	ctx_hdr(b, 12, 16, 4, 0, 0);
	assert_int_equal(smb2_create_ctx_parse(b, 64, &l), STATUS_INVALID_PARAMETER);
	ctx_hdr(b, 8, 16, 4, 0, 0);
	assert_int_equal(smb2_create_ctx_parse(b, 64, &l), STATUS_INVALID_PARAMETER);
	ctx_hdr(b, 72, 16, 4, 0, 0);
	assert_int_equal(smb2_create_ctx_parse(b, 64, &l), STATUS_INVALID_PARAMETER);
	ctx_hdr(b, 24, 16, 4, 24, 8);
	ctx_hdr(b + 24, 0, 16, 4, 0, 0);
	assert_int_equal(smb2_create_ctx_parse(b, 64, &l), STATUS_INVALID_PARAMETER);
	/* Two contexts, the second too short for its header. */
	ctx_hdr(b, 56, 16, 4, 0, 0);
	assert_int_equal(smb2_create_ctx_parse(b, 64, &l), STATUS_INVALID_PARAMETER);
	ctx_hdr(b + 56, 0, 16, 4, 0, 0);
	assert_int_equal(smb2_create_ctx_parse(b, 76, &l), STATUS_SUCCESS);
	assert_int_equal(l.count, 2);
}

static void test_create_ctx_too_many(void **state)
{
	struct wr c;
	struct smb2_create_ctx_builder b;
	struct smb2_create_ctx_list l;

	wr_init(&c, 64);
	smb2_create_ctx_builder_init(&b, &c);
	for (int i = 0; i < SMB2_CREATE_CTX_MAX; i++)
		smb2_create_ctx_add(&b, "Abcd", 4, "x", 1);
	assert_int_equal(smb2_create_ctx_parse(c.buf, c.len, &l), STATUS_SUCCESS);
	assert_int_equal(l.count, SMB2_CREATE_CTX_MAX);
	smb2_create_ctx_add(&b, "Abcd", 4, "x", 1);
	assert_int_equal(smb2_create_ctx_parse(c.buf, c.len, &l), STATUS_INVALID_PARAMETER);
	wr_free(&c);
}

static void test_create_ctx_bodies(void **state)
{
	uint8_t d[64] = { 0 };
	struct smb2_create_ctx c = { (const uint8_t *)"DH2C", 4, d, 36 };
	struct smb2_durable_v2_reconnect rc;
	struct smb2_fileid f;
	struct smb2_lease_req l;
	uint64_t v;
	bool has_ts;

	put_le64(d, 0x1111);
	put_le64(d + 8, 0x2222);
	d[16] = 0x33;
	put_le32(d + 32, SMB2_DHANDLE_FLAG_PERSISTENT);
	assert_int_equal(smb2_create_ctx_dh2c_decode(&c, &rc), STATUS_SUCCESS);
	assert_true(rc.file_id.persistent == 0x1111 && rc.file_id.volatile_ == 0x2222);
	assert_int_equal(rc.create_guid[0], 0x33);
	assert_int_equal(rc.flags, SMB2_DHANDLE_FLAG_PERSISTENT);
	c.data_len = 35;
	assert_int_equal(smb2_create_ctx_dh2c_decode(&c, &rc), STATUS_INVALID_PARAMETER);
	c.data_len = 16;
	assert_int_equal(smb2_create_ctx_dhnc_decode(&c, &f), STATUS_SUCCESS);
	assert_true(f.volatile_ == 0x2222);
	c.data_len = 8;
	assert_int_equal(smb2_create_ctx_u64_decode(&c, &v), STATUS_SUCCESS);
	assert_true(v == 0x1111);
	assert_int_equal(smb2_create_ctx_mxac_decode(&c, &has_ts, &v), STATUS_SUCCESS);
	assert_true(has_ts);
	c.data_len = 4;
	assert_int_equal(smb2_create_ctx_mxac_decode(&c, &has_ts, &v), STATUS_INVALID_PARAMETER);
	assert_int_equal(smb2_create_ctx_dhnc_decode(&c, &f), STATUS_INVALID_PARAMETER);
	c.data_len = 32;
	assert_int_equal(smb2_create_ctx_lease_decode(&c, &l), STATUS_SUCCESS);
	assert_false(l.v2);
	c.data_len = 40;
	assert_int_equal(smb2_create_ctx_lease_decode(&c, &l), STATUS_INVALID_PARAMETER);
}

/* A chain holding the durable contexts named in `which` (a string of 'q' DHnQ, 'c' DHnC,
 * 'Q' DH2Q, 'C' DH2C), each with valid bodies; parsed into l. */
static void durable_chain(const char *which, struct wr *w, struct smb2_create_ctx_list *l)
{
	struct smb2_create_ctx_builder b;
	uint8_t dhnq[16] = { 0 }, dhnc[16] = { 0 }, dh2q[32] = { 0 }, dh2c[36] = { 0 };

	put_le64(dhnc, 0x1111);
	put_le64(dhnc + 8, 0x2222);
	put_le32(dh2q, 5000);
	memset(dh2q + 16, 0xAB, 16);
	put_le64(dh2c, 0x3333);
	memset(dh2c + 16, 0xCD, 16);
	wr_init(w, 256);
	smb2_create_ctx_builder_init(&b, w);
	for (const char *p = which; *p; p++) {
		if (*p == 'q')
			smb2_create_ctx_add(&b, "DHnQ", 4, dhnq, sizeof(dhnq));
		else if (*p == 'c')
			smb2_create_ctx_add(&b, "DHnC", 4, dhnc, sizeof(dhnc));
		else if (*p == 'Q')
			smb2_create_ctx_add(&b, "DH2Q", 4, dh2q, sizeof(dh2q));
		else
			smb2_create_ctx_add(&b, "DH2C", 4, dh2c, sizeof(dh2c));
	}
	assert_int_equal(smb2_create_ctx_parse(w->buf, w->len, l), STATUS_SUCCESS);
}

/* The durable contexts together (MS-SMB2 3.3.5.9.12; smbtorture durable-v2-open.create-blob). */
static void test_create_ctx_durable(void **state)
{
	static const char *const invalid[] = { "Cq", "cQ", "cC", "QC", "qQ", "qC" };
	struct smb2_create_ctx_list l;
	struct smb2_durable_ctx d;
	struct wr w;

	(void)state;
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		durable_chain(invalid[i], &w, &l);
		assert_int_equal(smb2_create_ctx_durable_decode(&l, &d), STATUS_INVALID_PARAMETER);
		wr_free(&w);
	}
	durable_chain("", &w, &l);
	assert_int_equal(smb2_create_ctx_durable_decode(&l, &d), STATUS_SUCCESS);
	assert_false(d.request || d.reconnect);
	wr_free(&w);
	durable_chain("q", &w, &l);
	assert_int_equal(smb2_create_ctx_durable_decode(&l, &d), STATUS_SUCCESS);
	assert_true(d.request && !d.reconnect && !d.v2);
	wr_free(&w);
	/* DHnQ beside DHnC is ignored: a reconnect (smbtorture durable-open.reopen2) */
	durable_chain("qc", &w, &l);
	assert_int_equal(smb2_create_ctx_durable_decode(&l, &d), STATUS_SUCCESS);
	assert_true(!d.request && d.reconnect && !d.v2);
	assert_true(d.file_id.persistent == 0x1111 && d.file_id.volatile_ == 0x2222);
	wr_free(&w);
	durable_chain("Q", &w, &l);
	assert_int_equal(smb2_create_ctx_durable_decode(&l, &d), STATUS_SUCCESS);
	assert_true(d.request && d.v2 && d.timeout == 5000 && d.create_guid[15] == 0xAB);
	wr_free(&w);
	durable_chain("C", &w, &l);
	assert_int_equal(smb2_create_ctx_durable_decode(&l, &d), STATUS_SUCCESS);
	assert_true(d.reconnect && d.v2 && d.file_id.persistent == 0x3333 && d.create_guid[0] == 0xCD);
	wr_free(&w);
	/* a DHnQ of the wrong size is malformed */
	struct smb2_create_ctx_builder b;
	uint8_t short_body[8] = { 0 };
	wr_init(&w, 64);
	smb2_create_ctx_builder_init(&b, &w);
	smb2_create_ctx_add(&b, "DHnQ", 4, short_body, sizeof(short_body));
	assert_int_equal(smb2_create_ctx_parse(w.buf, w.len, &l), STATUS_SUCCESS);
	assert_int_equal(smb2_create_ctx_durable_decode(&l, &d), STATUS_INVALID_PARAMETER);
	wr_free(&w);
}

static void test_create_rsp(void **state)
{
	struct wr w, c;
	size_t h = trsp_begin(&w, SMB2_CREATE);
	struct smb2_create_ctx_builder b;
	struct smb2_create_ctx_list l;
	struct smb2_lease_req lease = { .state = 5 }, back;
	struct smb2_create_rsp rsp = {
		.oplock_level = SMB2_OPLOCK_LEVEL_LEASE, .flags = 0, .create_action = 2,
		.creation_time = 1, .last_access_time = 2, .last_write_time = 3, .change_time = 4,
		.allocation_size = 4096, .end_of_file = 6, .file_attributes = 0x20,
		.file_id = { 0x0102030405060708ull, 0x1112131415161718ull },
	};
	uint32_t off, len;

	memcpy(lease.key, lease_key, 16);
	wr_init(&c, 128);
	smb2_create_ctx_builder_init(&b, &c);
	smb2_create_ctx_add_mxac(&b, STATUS_SUCCESS, 0x001F01FF);
	smb2_create_ctx_add_qfid(&b, 0xAABBCCDD, 0x77);
	smb2_create_ctx_add_lease(&b, &lease);
	smb2_create_ctx_add_dh2q(&b, 180000, 0);
	smb2_create_ctx_add_dhnq(&b);
	assert_int_equal(smb2_create_ctx_builder_len(&b), c.len);
	/* MxAc: Next 32 (16 header + 4 name + 4 pad + 8 data), NameOffset 16, DataOffset 24. */
	assert_int_equal(le32(c.buf), 32);
	assert_int_equal(le16(c.buf + 4), 16);
	assert_int_equal(le16(c.buf + 6), 4);
	assert_int_equal(le16(c.buf + 10), 24);
	assert_int_equal(le32(c.buf + 12), 8);
	assert_memory_equal(c.buf + 16, "MxAc", 4);
	assert_int_equal(le32(c.buf + 24), 0);
	assert_int_equal(le32(c.buf + 28), 0x001F01FF);
	/* QFid at 32: 32 bytes of data, DiskFileId then VolumeId then 16 zero bytes. */
	assert_memory_equal(c.buf + 32 + 16, "QFid", 4);
	assert_int_equal(le32(c.buf + 32), 56);
	assert_int_equal(le32(c.buf + 32 + 12), 32);
	assert_true(le64(c.buf + 32 + 24) == 0xAABBCCDD);
	assert_true(le64(c.buf + 32 + 32) == 0x77);
	assert_true(le64(c.buf + 32 + 40) == 0 && le64(c.buf + 32 + 48) == 0);

	rsp.contexts = c.buf;
	rsp.contexts_len = (uint32_t)c.len;
	smb2_create_rsp_encode(&w, h, &rsp);
	/* MS-SMB2 2.2.14 offsets. */
	assert_int_equal(T16(&w, h, 0x40), 89);
	assert_int_equal(w.buf[h + 0x42], SMB2_OPLOCK_LEVEL_LEASE);
	assert_int_equal(T32(&w, h, 0x44), 2);
	assert_true(T64(&w, h, 0x48) == 1 && T64(&w, h, 0x50) == 2 && T64(&w, h, 0x58) == 3 &&
		    T64(&w, h, 0x60) == 4 && T64(&w, h, 0x68) == 4096 && T64(&w, h, 0x70) == 6);
	assert_int_equal(T32(&w, h, 0x78), 0x20);
	assert_int_equal(T32(&w, h, 0x7C), 0);
	assert_true(T64(&w, h, 0x80) == 0x0102030405060708ull);
	assert_true(T64(&w, h, 0x88) == 0x1112131415161718ull);
	off = T32(&w, h, 0x90);
	len = T32(&w, h, 0x94);
	assert_int_equal(off, 0x98);
	assert_int_equal(len, c.len);
	assert_int_equal(TBODY_LEN(&w, h), 88 + c.len);

	/* Round trip: the encoded chain parses back. */
	assert_int_equal(smb2_create_ctx_parse(w.buf + h + off, len, &l), STATUS_SUCCESS);
	assert_int_equal(l.count, 5);
	assert_true(smb2_create_ctx_name_eq(&l.ctx[2], "RqLs", 4));
	assert_int_equal(smb2_create_ctx_lease_decode(&l.ctx[2], &back), STATUS_SUCCESS);
	assert_false(back.v2);
	assert_int_equal(back.state, 5);
	assert_memory_equal(back.key, lease_key, 16);
	assert_int_equal(l.ctx[3].data_len, 8);
	assert_int_equal(le32(l.ctx[3].data), 180000);
	assert_int_equal(l.ctx[4].data_len, 8);
	for (size_t i = 0; i < l.count; i++)
		assert_int_equal((size_t)(l.ctx[i].name - 16 - w.buf - h) % 8, 0);
	wr_free(&w);
	wr_free(&c);

	/* No contexts: offset and length 0, 88 bytes. */
	h = trsp_begin(&w, SMB2_CREATE);
	rsp.contexts = NULL;
	rsp.contexts_len = 0;
	smb2_create_rsp_encode(&w, h, &rsp);
	assert_int_equal(TBODY_LEN(&w, h), 88);
	assert_int_equal(T32(&w, h, 0x90), 0);
	assert_int_equal(T32(&w, h, 0x94), 0);
	wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_decode),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_create_ctx_parse_errors),
		cmocka_unit_test(test_create_ctx_too_many),
		cmocka_unit_test(test_create_ctx_bodies),
		cmocka_unit_test(test_create_ctx_durable),
		cmocka_unit_test(test_create_rsp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
