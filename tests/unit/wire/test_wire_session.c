/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for SESSION_SETUP, LOGOFF, TREE_CONNECT, TREE_DISCONNECT, ECHO, CANCEL and the ERROR
 * response (src/smb2/wire/{session_setup,tree_connect,simple,error}.c). */
#include "wire_test.h"

#include "smb2/wire/error.h"
#include "smb2/wire/session_setup.h"
#include "smb2/wire/simple.h"
#include "smb2/wire/tree_connect.h"

static void sess_body(struct wr *w, uint16_t off, uint16_t blen)
{
	wr_u16(w, 25);
	wr_u8(w, SMB2_SESSION_FLAG_BINDING);
	wr_u8(w, 0x02);
	wr_u32(w, 0x01);
	wr_u32(w, 0);
	wr_u16(w, off);
	wr_u16(w, blen);
	wr_u64(w, 0xAABBCCDDEEFF0011ull);
}

static void test_session_setup(void **state)
{
	struct wr w;
	struct smb2_session_setup_req req;

	tmsg_begin(&w, SMB2_SESSION_SETUP);
	sess_body(&w, 0x58, 10);
	wr_bytes(&w, "NTLMSSP\0\1\0", 10);
	assert_int_equal(smb2_session_setup_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_int_equal(req.flags, SMB2_SESSION_FLAG_BINDING);
	assert_int_equal(req.security_mode, 2);
	assert_int_equal(req.capabilities, 1);
	assert_int_equal(req.channel, 0);
	assert_true(req.previous_session_id == 0xAABBCCDDEEFF0011ull);
	assert_ptr_equal(req.security_buffer, w.buf + 0x58);
	assert_int_equal(req.security_buffer_len, 10);

	/* Buffer past the end, into the fixed part, wrong StructureSize, short. */
	wr_put_u16_at(&w, 64 + 14, 11);
	assert_int_equal(smb2_session_setup_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, 64 + 14, 10);
	wr_put_u16_at(&w, 64 + 12, 0x50);
	assert_int_equal(smb2_session_setup_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, 64 + 12, 0xFFFF);
	assert_int_equal(smb2_session_setup_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, 64 + 12, 0x58);
	wr_put_u16_at(&w, 64, 24);
	assert_int_equal(smb2_session_setup_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, 64, 25);
	assert_int_equal(smb2_session_setup_req_decode(w.buf, 64 + 24, &req), STATUS_INVALID_PARAMETER);
	assert_int_equal(smb2_session_setup_req_decode(w.buf, 64 + 20, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	/* Zero-length buffer: pointer NULL, any offset accepted. */
	tmsg_begin(&w, SMB2_SESSION_SETUP);
	sess_body(&w, 0, 0);
	wr_u8(&w, 0);
	assert_int_equal(smb2_session_setup_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_null(req.security_buffer);
	wr_free(&w);
}

static void test_session_setup_rsp(void **state)
{
	struct wr w;
	size_t h = trsp_begin(&w, SMB2_SESSION_SETUP);
	struct smb2_session_setup_rsp rsp = { .session_flags = SMB2_SESSION_FLAG_IS_GUEST,
					      .security_buffer = (const uint8_t *)"TOKEN",
					      .security_buffer_len = 5 };

	smb2_session_setup_rsp_encode(&w, h, &rsp);
	assert_int_equal(TBODY_LEN(&w, h), 8 + 5);
	assert_int_equal(T16(&w, h, 0x40), 9);
	assert_int_equal(T16(&w, h, 0x42), SMB2_SESSION_FLAG_IS_GUEST);
	assert_int_equal(T16(&w, h, 0x44), 0x48);
	assert_int_equal(T16(&w, h, 0x46), 5);
	assert_memory_equal(w.buf + h + 0x48, "TOKEN", 5);
	wr_free(&w);
}

static void test_simple_bodies(void **state)
{
	struct wr w;
	size_t h;

	tmsg_begin(&w, SMB2_LOGOFF);
	wr_u16(&w, 4);
	wr_u16(&w, 0x1234);             /* Reserved is ignored */
	assert_int_equal(smb2_logoff_req_decode(w.buf, w.len), STATUS_SUCCESS);
	assert_int_equal(smb2_tree_disconnect_req_decode(w.buf, w.len), STATUS_SUCCESS);
	assert_int_equal(smb2_echo_req_decode(w.buf, w.len), STATUS_SUCCESS);
	assert_int_equal(smb2_cancel_req_decode(w.buf, w.len), STATUS_SUCCESS);
	assert_int_equal(smb2_echo_req_decode(w.buf, w.len - 1), STATUS_INVALID_PARAMETER);
	assert_int_equal(smb2_logoff_req_decode(w.buf, 64), STATUS_INVALID_PARAMETER);
	w.buf[64] = 5;
	assert_int_equal(smb2_echo_req_decode(w.buf, w.len), STATUS_INVALID_PARAMETER);
	assert_int_equal(smb2_cancel_req_decode(w.buf, w.len), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	h = trsp_begin(&w, SMB2_ECHO);
	smb2_echo_rsp_encode(&w, h);
	assert_int_equal(TBODY_LEN(&w, h), 4);
	assert_int_equal(T16(&w, h, 0x40), 4);
	assert_int_equal(T16(&w, h, 0x42), 0);
	smb2_logoff_rsp_encode(&w, h);
	smb2_tree_disconnect_rsp_encode(&w, h);
	assert_int_equal(TBODY_LEN(&w, h), 12);
	wr_free(&w);
}

static void tcon_body(struct wr *w, uint16_t flags, uint16_t off, uint16_t plen)
{
	wr_u16(w, 9);
	wr_u16(w, flags);
	wr_u16(w, off);
	wr_u16(w, plen);
}

static void test_tree_connect(void **state)
{
	struct wr w;
	struct smb2_tree_connect_req req;
	size_t n;

	tmsg_begin(&w, SMB2_TREE_CONNECT);
	tcon_body(&w, 0, 0x48, 0);
	n = t_utf16(&w, "\\\\127.0.0.1\\share");
	wr_put_u16_at(&w, 64 + 6, (uint16_t)n);
	assert_int_equal(smb2_tree_connect_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_int_equal(req.flags, 0);
	assert_ptr_equal(req.path, w.buf + 0x48);
	assert_int_equal(req.path_len, n);
	assert_int_equal(req.context_count, 0);
	assert_null(req.contexts);

	/* Path past the end; path over the fixed part; no Buffer byte at all; bad size. */
	wr_put_u16_at(&w, 64 + 6, (uint16_t)n + 2);
	assert_int_equal(smb2_tree_connect_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, 64 + 6, (uint16_t)n);
	wr_put_u16_at(&w, 64 + 4, 0x46);
	assert_int_equal(smb2_tree_connect_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, 64 + 4, 0x48);
	assert_int_equal(smb2_tree_connect_req_decode(w.buf, 0x48, &req), STATUS_INVALID_PARAMETER);
	w.buf[64] = 8;
	assert_int_equal(smb2_tree_connect_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);
}

static void test_tree_connect_extension(void **state)
{
	struct wr w;
	struct smb2_tree_connect_req req;
	size_t n, ctx_field;

	tmsg_begin(&w, SMB2_TREE_CONNECT);
	tcon_body(&w, SMB2_TREE_CONNECT_FLAG_EXTENSION_PRESENT | SMB2_TREE_CONNECT_FLAG_REDIRECT_TO_OWNER,
		  0x58, 0);
	ctx_field = w.len;
	wr_u32(&w, 0);                  /* TreeConnectContextOffset, patched */
	wr_u16(&w, 1);
	wr_zero(&w, 10);
	n = t_utf16(&w, "\\\\srv\\share");
	wr_put_u16_at(&w, 64 + 6, (uint16_t)n);
	wr_align(&w, 8);
	wr_put_u32_at(&w, ctx_field, (uint32_t)(w.len - 64));   /* from the request body */
	wr_u16(&w, SMB2_REMOTED_IDENTITY_TREE_CONNECT_CONTEXT_ID);
	wr_u16(&w, 4);
	wr_u32(&w, 0);
	wr_u32(&w, 0xCAFE);
	assert_int_equal(smb2_tree_connect_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_ptr_equal(req.path, w.buf + 0x58);
	assert_int_equal(req.path_len, n);
	assert_int_equal(req.context_count, 1);
	assert_int_equal(req.contexts_len, 12);
	assert_int_equal(le16(req.contexts), SMB2_REMOTED_IDENTITY_TREE_CONNECT_CONTEXT_ID);

	/* The path may not overlap the extension header. */
	wr_put_u16_at(&w, 64 + 4, 0x50);
	assert_int_equal(smb2_tree_connect_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, 64 + 4, 0x58);
	/* Context count bigger than the packet holds; offset past the end / into the header. */
	wr_put_u16_at(&w, ctx_field + 4, 3);
	assert_int_equal(smb2_tree_connect_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, ctx_field + 4, 1);
	wr_put_u32_at(&w, ctx_field, 0xFFFFFFF0u);
	assert_int_equal(smb2_tree_connect_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u32_at(&w, ctx_field, 4);
	assert_int_equal(smb2_tree_connect_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	/* Extension flag with a message too short for the extension header. */
	assert_int_equal(smb2_tree_connect_req_decode(w.buf, 0x50, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);
}

static void test_tree_connect_rsp(void **state)
{
	struct wr w;
	size_t h = trsp_begin(&w, SMB2_TREE_CONNECT);
	struct smb2_tree_connect_rsp rsp = {
		.share_type = SMB2_SHARE_TYPE_DISK,
		.share_flags = SMB2_SHAREFLAG_ACCESS_BASED_DIRECTORY_ENUM | SMB2_SHAREFLAG_NO_CACHING,
		.capabilities = SMB2_SHARE_CAP_DFS,
		.maximal_access = 0x001F01FF,
	};

	smb2_tree_connect_rsp_encode(&w, h, &rsp);
	assert_int_equal(TBODY_LEN(&w, h), 16);
	assert_int_equal(T16(&w, h, 0x40), 16);
	assert_int_equal(w.buf[h + 0x42], 1);
	assert_int_equal(w.buf[h + 0x43], 0);
	assert_int_equal(T32(&w, h, 0x44), 0x830);
	assert_int_equal(T32(&w, h, 0x48), 8);
	assert_int_equal(T32(&w, h, 0x4C), 0x001F01FF);
	wr_free(&w);
}

static void test_error_rsp(void **state)
{
	struct wr w, ctx;
	size_t h = trsp_begin(&w, SMB2_CREATE);
	struct smb2_error_rsp rsp;

	smb2_error_rsp_encode_empty(&w, h);
	/* 9 bytes: StructureSize 9, count 0, reserved, ByteCount 0 and one zero ErrorData byte. */
	assert_int_equal(TBODY_LEN(&w, h), 9);
	assert_int_equal(T16(&w, h, 0x40), 9);
	assert_int_equal(w.buf[h + 0x42], 0);
	assert_int_equal(T32(&w, h, 0x44), 0);
	assert_int_equal(w.buf[h + 0x48], 0);
	wr_free(&w);

	h = trsp_begin(&w, SMB2_QUERY_INFO);
	smb2_error_rsp_encode_buffer_too_small(&w, h, 0x68);
	assert_int_equal(TBODY_LEN(&w, h), 12);
	assert_int_equal(T32(&w, h, 0x44), 4);
	assert_int_equal(T32(&w, h, 0x48), 0x68);
	wr_free(&w);

	/* 3.1.1 error contexts: second one 8-aligned. */
	wr_init(&ctx, 64);
	smb2_error_ctx_append(&ctx, SMB2_ERROR_ID_DEFAULT, (const uint8_t *)"\x02\x03", 2);
	smb2_error_ctx_append(&ctx, SMB2_ERROR_ID_SHARE_REDIRECT, (const uint8_t *)"abcd", 4);
	assert_int_equal(ctx.len, 16 + 12);
	h = trsp_begin(&w, SMB2_TREE_CONNECT);
	rsp = (struct smb2_error_rsp){ .error_context_count = 2, .error_data = ctx.buf,
				       .byte_count = (uint32_t)ctx.len };
	smb2_error_rsp_encode(&w, h, &rsp);
	assert_int_equal(w.buf[h + 0x42], 2);
	assert_int_equal(T32(&w, h, 0x44), 28);
	assert_int_equal(T32(&w, h, 0x48), 2);
	assert_int_equal(T32(&w, h, 0x4C), SMB2_ERROR_ID_DEFAULT);
	assert_int_equal(T32(&w, h, 0x58), 4);
	assert_int_equal(T32(&w, h, 0x5C), SMB2_ERROR_ID_SHARE_REDIRECT);
	assert_memory_equal(w.buf + h + 0x60, "abcd", 4);
	wr_free(&w);
	wr_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_setup),
		cmocka_unit_test(test_session_setup_rsp),
		cmocka_unit_test(test_simple_bodies),
		cmocka_unit_test(test_tree_connect),
		cmocka_unit_test(test_tree_connect_extension),
		cmocka_unit_test(test_tree_connect_rsp),
		cmocka_unit_test(test_error_rsp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
