/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for CHANGE_NOTIFY (+FILE_NOTIFY_INFORMATION), LOCK, OPLOCK_BREAK, the TRANSFORM
 * header and NETWORK_INTERFACE_INFO (src/smb2/wire/{change_notify,lock,oplock_break,transform,
 * fsctl}.c). */
#include "wire_test.h"

#include "smb2/wire/change_notify.h"
#include "smb2/wire/fsctl.h"
#include "smb2/wire/lock.h"
#include "smb2/wire/oplock_break.h"
#include "smb2/wire/transform.h"

static const struct smb2_fileid fid = { 0x0123456789ABCDEFull, 0xFEDCBA9876543210ull };
static const uint8_t key[16] = { 0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7,
				 0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF };

static void put_fid(struct wr *w)
{
	wr_u64(w, fid.persistent);
	wr_u64(w, fid.volatile_);
}

static void test_change_notify(void **state)
{
	struct wr w, n;
	struct smb2_change_notify_req req;
	struct smb2_notify_info_builder b;
	struct smb2_change_notify_rsp rsp;
	size_t h;

	tmsg_begin(&w, SMB2_CHANGE_NOTIFY);
	wr_u16(&w, 32);
	wr_u16(&w, SMB2_WATCH_TREE);
	wr_u32(&w, 4096);
	put_fid(&w);
	wr_u32(&w, FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_DIR_NAME);
	wr_u32(&w, 0);
	assert_int_equal(smb2_change_notify_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_int_equal(req.flags, SMB2_WATCH_TREE);
	assert_int_equal(req.output_buffer_length, 4096);
	assert_true(req.file_id.persistent == fid.persistent);
	assert_int_equal(req.completion_filter, 3);
	assert_int_equal(smb2_change_notify_req_decode(w.buf, w.len - 1, &req), STATUS_INVALID_PARAMETER);
	w.buf[64] = 33;
	assert_int_equal(smb2_change_notify_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	/* FILE_NOTIFY_INFORMATION: "a" (2 bytes) then "bcd" (6 bytes), 4-aligned. */
	wr_init(&n, 64);
	smb2_notify_info_builder_init(&b, &n);
	smb2_notify_info_add(&b, FILE_ACTION_ADDED, (const uint8_t *)"a\0", 2);
	smb2_notify_info_add(&b, FILE_ACTION_RENAMED_NEW_NAME, (const uint8_t *)"b\0c\0d\0", 6);
	assert_int_equal(le32(n.buf), 16);              /* 12 + 2 rounded up to 4 */
	assert_int_equal(le32(n.buf + 4), FILE_ACTION_ADDED);
	assert_int_equal(le32(n.buf + 8), 2);
	assert_int_equal(le32(n.buf + 16), 0);          /* last entry */
	assert_int_equal(le32(n.buf + 20), FILE_ACTION_RENAMED_NEW_NAME);
	assert_int_equal(le32(n.buf + 24), 6);
	assert_int_equal(n.len, 16 + 12 + 6);           /* no padding after the last */

	h = trsp_begin(&w, SMB2_CHANGE_NOTIFY);
	rsp = (struct smb2_change_notify_rsp){ n.buf, (uint32_t)n.len };
	smb2_change_notify_rsp_encode(&w, h, &rsp);
	assert_int_equal(T16(&w, h, 0x40), 9);
	assert_int_equal(T16(&w, h, 0x42), 0x48);
	assert_int_equal(T32(&w, h, 0x44), n.len);
	assert_memory_equal(w.buf + h + 0x48, n.buf, n.len);
	wr_free(&w);
	h = trsp_begin(&w, SMB2_CHANGE_NOTIFY);
	smb2_change_notify_rsp_encode_fixed(&w, h, 77);
	assert_int_equal(TBODY_LEN(&w, h), 8);
	assert_int_equal(T32(&w, h, 0x44), 77);
	wr_free(&w);
	wr_free(&n);
}

static size_t lock_body(struct wr *w, uint16_t count, uint32_t seq, size_t nelems)
{
	size_t at = w->len;

	wr_u16(w, 48);
	wr_u16(w, count);
	wr_u32(w, seq);
	put_fid(w);
	for (size_t i = 0; i < nelems; i++) {
		wr_u64(w, 100 * (i + 1));
		wr_u64(w, 10);
		wr_u32(w, i == 0 ? SMB2_LOCKFLAG_EXCLUSIVE_LOCK | SMB2_LOCKFLAG_FAIL_IMMEDIATELY
				 : SMB2_LOCKFLAG_UNLOCK);
		wr_u32(w, 0);
	}
	return at;
}

static void test_lock(void **state)
{
	struct wr w;
	struct smb2_lock_req req;
	struct smb2_lock_element e;
	size_t h, at;

	tmsg_begin(&w, SMB2_LOCK);
	at = lock_body(&w, 3, 0x12345675, 3);
	assert_int_equal(smb2_lock_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_int_equal(req.lock_count, 3);
	assert_int_equal(smb2_lock_seq_number(&req), 5);
	assert_int_equal(smb2_lock_seq_index(&req), 0x1234567);
	assert_true(req.file_id.volatile_ == fid.volatile_);
	assert_ptr_equal(req.locks, w.buf + 64 + 24);
	smb2_lock_req_element(&req, 0, &e);
	assert_true(e.offset == 100 && e.length == 10);
	assert_int_equal(e.flags, SMB2_LOCKFLAG_EXCLUSIVE_LOCK | SMB2_LOCKFLAG_FAIL_IMMEDIATELY);
	smb2_lock_req_element(&req, 2, &e);
	assert_true(e.offset == 300);
	assert_int_equal(e.flags, SMB2_LOCKFLAG_UNLOCK);
	smb2_lock_req_element(&req, 3, &e);             /* out of range: zeroed, no read */
	assert_true(e.offset == 0 && e.flags == 0);

	/* LockCount bigger than the message holds; 0; bad size; truncated. */
	wr_put_u16_at(&w, at + 2, 4);
	assert_int_equal(smb2_lock_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, at + 2, 0xFFFF);
	assert_int_equal(smb2_lock_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, at + 2, 0);
	assert_int_equal(smb2_lock_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, at + 2, 3);
	assert_int_equal(smb2_lock_req_decode(w.buf, w.len - 1, &req), STATUS_INVALID_PARAMETER);
	w.buf[64] = 24;
	assert_int_equal(smb2_lock_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	/* What smbtorture's lock.valid-request sends with LockCount 0: only 24 bytes of body. */
	tmsg_begin(&w, SMB2_LOCK);
	lock_body(&w, 0, 0, 0);
	assert_int_equal(smb2_lock_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	h = trsp_begin(&w, SMB2_LOCK);
	smb2_lock_rsp_encode(&w, h);
	assert_int_equal(TBODY_LEN(&w, h), 4);
	assert_int_equal(T16(&w, h, 0x40), 4);
	wr_free(&w);
}

static void test_oplock_break(void **state)
{
	struct wr w;
	struct smb2_oplock_break_req req;
	struct smb2_lease_break_notify n = { .new_epoch = 2, .flags = SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED,
					     .current_lease_state = 7, .new_lease_state = 1 };
	size_t h;

	/* Oplock acknowledgment. */
	tmsg_begin(&w, SMB2_OPLOCK_BREAK);
	wr_u16(&w, 24);
	wr_u8(&w, SMB2_OPLOCK_LEVEL_II);
	wr_u8(&w, 0);
	wr_u32(&w, 0);
	put_fid(&w);
	assert_int_equal(smb2_oplock_break_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_false(req.lease);
	assert_int_equal(req.oplock_level, SMB2_OPLOCK_LEVEL_II);
	assert_true(req.file_id.persistent == fid.persistent);
	assert_int_equal(smb2_oplock_break_req_decode(w.buf, w.len - 1, &req), STATUS_INVALID_PARAMETER);
	w.buf[64] = 44;                 /* the notification size is not an acknowledgment */
	assert_int_equal(smb2_oplock_break_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	assert_int_equal(smb2_oplock_break_req_decode(w.buf, 65, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	/* Lease acknowledgment. */
	tmsg_begin(&w, SMB2_OPLOCK_BREAK);
	wr_u16(&w, 36);
	wr_u16(&w, 0);
	wr_u32(&w, 0);
	wr_bytes(&w, key, 16);
	wr_u32(&w, SMB2_OPLOCK_LEVEL_II);   /* lease state READ */
	wr_u64(&w, 0);
	assert_int_equal(smb2_oplock_break_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_true(req.lease);
	assert_memory_equal(req.lease_key, key, 16);
	assert_int_equal(req.lease_state, 1);
	/* A lease ack cut to the oplock ack's length. */
	assert_int_equal(smb2_oplock_break_req_decode(w.buf, 64 + 24, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	/* Encoders at the MS-SMB2 2.2.23 / 2.2.25 offsets. */
	h = trsp_begin(&w, SMB2_OPLOCK_BREAK);
	smb2_oplock_break_encode(&w, h, SMB2_OPLOCK_LEVEL_NONE, &fid);
	assert_int_equal(TBODY_LEN(&w, h), 24);
	assert_int_equal(T16(&w, h, 0x40), 24);
	assert_int_equal(w.buf[h + 0x42], 0);
	assert_true(T64(&w, h, 0x48) == fid.persistent && T64(&w, h, 0x50) == fid.volatile_);
	wr_free(&w);

	h = trsp_begin(&w, SMB2_OPLOCK_BREAK);
	memcpy(n.lease_key, key, 16);
	smb2_lease_break_notify_encode(&w, h, &n);
	assert_int_equal(TBODY_LEN(&w, h), 44);
	assert_int_equal(T16(&w, h, 0x40), 44);
	assert_int_equal(T16(&w, h, 0x42), 2);
	assert_int_equal(T32(&w, h, 0x44), 1);
	assert_memory_equal(w.buf + h + 0x48, key, 16);
	assert_int_equal(T32(&w, h, 0x58), 7);
	assert_int_equal(T32(&w, h, 0x5C), 1);
	assert_int_equal(T32(&w, h, 0x60), 0);
	assert_int_equal(T32(&w, h, 0x64), 0);
	assert_int_equal(T32(&w, h, 0x68), 0);
	wr_free(&w);

	h = trsp_begin(&w, SMB2_OPLOCK_BREAK);
	smb2_lease_break_rsp_encode(&w, h, 0, key, 1, 0);
	assert_int_equal(TBODY_LEN(&w, h), 36);
	assert_int_equal(T16(&w, h, 0x40), 36);
	assert_memory_equal(w.buf + h + 0x48, key, 16);
	assert_int_equal(T32(&w, h, 0x58), 1);
	assert_true(T64(&w, h, 0x5C) == 0);
	wr_free(&w);
}

/* MS-SMB2 2.2.32.5: 152-byte entries chained by Next, SockAddr_Storage with the family's
 * SOCKADDR_IN / SOCKADDR_IN6 (port 0, address in network order) zero-padded to 128 bytes. */
static void test_net_iface_info(void **state)
{
	struct smb2_net_iface ifs[2] = {
		{ .if_index = 2, .capability = SMB2_NET_IFACE_RSS_CAPABLE, .link_speed = 10000000000ull,
		  .addr = { 192, 0, 2, 7 } },
		{ .if_index = 3, .link_speed = 1000000000ull, .ipv6 = true, .scope_id = 5,
		  .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 } },
	};
	struct wr w;

	(void)state;
	wr_init(&w, 64);
	smb2_net_iface_info_encode(&w, ifs, 2);
	assert_false(w.failed);
	assert_int_equal(w.len, 2 * SMB2_NET_IFACE_INFO_SIZE);
	const uint8_t *a = w.buf, *b = w.buf + SMB2_NET_IFACE_INFO_SIZE;
	assert_int_equal(le32(a), SMB2_NET_IFACE_INFO_SIZE);   /* Next */
	assert_int_equal(le32(a + 4), 2);
	assert_int_equal(le32(a + 8), SMB2_NET_IFACE_RSS_CAPABLE);
	assert_int_equal(le64(a + 16), 10000000000ull);
	assert_int_equal(le16(a + 24), 0x0002);                   /* InterNetwork */
	assert_int_equal(le16(a + 26), 0);                        /* Port */
	assert_memory_equal(a + 28, "\xc0\x00\x02\x07", 4);
	for (size_t i = 32; i < SMB2_NET_IFACE_INFO_SIZE; i++)
		assert_int_equal(a[i], 0);
	assert_int_equal(le32(b), 0);                             /* the last */
	assert_int_equal(le32(b + 4), 3);
	assert_int_equal(le16(b + 24), 0x0017);                   /* InterNetworkV6 */
	assert_int_equal(le32(b + 28), 0);                        /* FlowInfo */
	assert_memory_equal(b + 32, ifs[1].addr, 16);
	assert_int_equal(le32(b + 48), 5);                        /* ScopeId */
	for (size_t i = 52; i < SMB2_NET_IFACE_INFO_SIZE; i++)
		assert_int_equal(b[i], 0);
	wr_free(&w);
}

static void test_transform(void **state)
{
	struct wr w;
	struct smb2_transform_hdr h = { .original_message_size = 0x1234, .flags = SMB2_TRANSFORM_FLAG_ENCRYPTED,
					.session_id = 0x1122334455667788ull }, back;

	memset(h.signature, 0x5A, 16);
	for (int i = 0; i < 16; i++)
		h.nonce[i] = (uint8_t)i;
	wr_init(&w, 64);
	smb2_transform_hdr_encode(&w, &h);
	assert_int_equal(w.len, SMB2_TRANSFORM_HDR_SIZE);
	/* MS-SMB2 2.2.41 layout. */
	assert_memory_equal(w.buf, "\xFDSMB", 4);
	assert_memory_equal(w.buf + 4, h.signature, 16);
	assert_memory_equal(w.buf + 0x14, h.nonce, 16);
	assert_int_equal(le32(w.buf + 0x24), 0x1234);
	assert_int_equal(le16(w.buf + 0x28), 0);
	assert_int_equal(le16(w.buf + 0x2A), 1);
	assert_true(le64(w.buf + 0x2C) == 0x1122334455667788ull);
	assert_int_equal(SMB2_TRANSFORM_AAD_OFFSET + SMB2_TRANSFORM_AAD_SIZE, SMB2_TRANSFORM_HDR_SIZE);
	/* Round trip. */
	assert_true(smb2_transform_hdr_decode(w.buf, w.len, &back));
	assert_memory_equal(back.signature, h.signature, 16);
	assert_memory_equal(back.nonce, h.nonce, 16);
	assert_int_equal(back.original_message_size, 0x1234);
	assert_int_equal(back.flags, 1);
	assert_true(back.session_id == h.session_id);
	/* Short; wrong protocol id (an SMB2 header is not a transform header). */
	assert_false(smb2_transform_hdr_decode(w.buf, 51, &back));
	w.buf[0] = 0xFE;
	assert_false(smb2_transform_hdr_decode(w.buf, w.len, &back));
	wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_change_notify),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_oplock_break),
		cmocka_unit_test(test_transform),
		cmocka_unit_test(test_net_iface_info),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
