/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for the QUERY_DIRECTORY, QUERY_INFO, SET_INFO and IOCTL codecs
 * (src/smb2/wire/{query_directory,query_info,ioctl}.c): decoding, structural errors, and the
 * response layouts at MS-SMB2 2.2.34, 2.2.38, 2.2.40 and 2.2.32 offsets. */
#include "wire_test.h"

#include "smb2/wire/ioctl.h"
#include "smb2/wire/query_directory.h"
#include "smb2/wire/query_info.h"

static const struct smb2_fileid fid = { 0x0123456789ABCDEFull, 0xFEDCBA9876543210ull };

static void put_fid(struct wr *w)
{
	wr_u64(w, fid.persistent);
	wr_u64(w, fid.volatile_);
}

static void test_query_directory(void **state)
{
	struct wr w;
	struct smb2_query_directory_req req;
	size_t h, at, n;

	tmsg_begin(&w, SMB2_QUERY_DIRECTORY);
	wr_u16(&w, 33);
	wr_u8(&w, 0x25);                /* FileIdBothDirectoryInformation */
	wr_u8(&w, SMB2_RESTART_SCANS | SMB2_RETURN_SINGLE_ENTRY);
	wr_u32(&w, 0);
	put_fid(&w);
	at = w.len;
	wr_u16(&w, 0x60);
	wr_u16(&w, 0);
	wr_u32(&w, 65536);
	n = t_utf16(&w, "*.txt");
	wr_put_u16_at(&w, at + 2, (uint16_t)n);
	assert_int_equal(smb2_query_directory_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_int_equal(req.file_info_class, 0x25);
	assert_int_equal(req.flags, SMB2_RESTART_SCANS | SMB2_RETURN_SINGLE_ENTRY);
	assert_true(req.file_id.persistent == fid.persistent && req.file_id.volatile_ == fid.volatile_);
	assert_ptr_equal(req.pattern, w.buf + 0x60);
	assert_int_equal(req.pattern_len, 10);
	assert_int_equal(req.output_buffer_length, 65536);

	/* Pattern past the end, over the fixed part; bad size; truncated fixed part. */
	wr_put_u16_at(&w, at + 2, (uint16_t)n + 2);
	assert_int_equal(smb2_query_directory_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, at + 2, (uint16_t)n);
	wr_put_u16_at(&w, at, 0x58);
	assert_int_equal(smb2_query_directory_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, at, 0x60);
	w.buf[64] = 32;
	assert_int_equal(smb2_query_directory_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	w.buf[64] = 33;
	assert_int_equal(smb2_query_directory_req_decode(w.buf, 64 + 31, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	h = trsp_begin(&w, SMB2_QUERY_DIRECTORY);
	smb2_query_directory_rsp_encode_fixed(&w, h, 3);
	wr_bytes(&w, "abc", 3);
	assert_int_equal(T16(&w, h, 0x40), 9);
	assert_int_equal(T16(&w, h, 0x42), 0x48);
	assert_int_equal(T32(&w, h, 0x44), 3);
	assert_memory_equal(w.buf + h + 0x48, "abc", 3);
	wr_free(&w);
}

static size_t qi_body(struct wr *w, uint16_t in_off, uint32_t in_len)
{
	size_t at = w->len;

	wr_u16(w, 41);
	wr_u8(w, SMB2_0_INFO_SECURITY);
	wr_u8(w, 0);
	wr_u32(w, 4096);
	wr_u16(w, in_off);
	wr_u16(w, 0);
	wr_u32(w, in_len);
	wr_u32(w, 0x7);                 /* OWNER | GROUP | DACL */
	wr_u32(w, 0);
	put_fid(w);
	return at;
}

static void test_query_info(void **state)
{
	struct wr w;
	struct smb2_query_info_req req;
	size_t h, at;

	/* No input buffer and no Buffer byte: accepted (Samba accepts it too). */
	tmsg_begin(&w, SMB2_QUERY_INFO);
	qi_body(&w, 0, 0);
	assert_int_equal(smb2_query_info_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_int_equal(req.info_type, SMB2_0_INFO_SECURITY);
	assert_int_equal(req.output_buffer_length, 4096);
	assert_int_equal(req.additional_information, 7);
	assert_true(req.file_id.volatile_ == fid.volatile_);
	assert_null(req.input);
	assert_int_equal(smb2_query_info_req_decode(w.buf, w.len - 1, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	/* With an input buffer (e.g. a quota SID list). */
	tmsg_begin(&w, SMB2_QUERY_INFO);
	at = qi_body(&w, 0x68, 8);
	wr_bytes(&w, "SIDLIST!", 8);
	assert_int_equal(smb2_query_info_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_ptr_equal(req.input, w.buf + 0x68);
	assert_int_equal(req.input_len, 8);
	wr_put_u32_at(&w, at + 12, 9);
	assert_int_equal(smb2_query_info_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u32_at(&w, at + 12, 0xFFFFFFFF);
	assert_int_equal(smb2_query_info_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u32_at(&w, at + 12, 8);
	wr_put_u16_at(&w, at + 8, 0x60);
	assert_int_equal(smb2_query_info_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	w.buf[64] = 40;
	assert_int_equal(smb2_query_info_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	h = trsp_begin(&w, SMB2_QUERY_INFO);
	smb2_query_info_rsp_encode_fixed(&w, h, 24);
	assert_int_equal(TBODY_LEN(&w, h), 8);
	assert_int_equal(T16(&w, h, 0x40), 9);
	assert_int_equal(T16(&w, h, 0x42), 0x48);
	assert_int_equal(T32(&w, h, 0x44), 24);
	wr_free(&w);
}

static void test_set_info(void **state)
{
	struct wr w;
	struct smb2_set_info_req req;
	size_t h, at;

	tmsg_begin(&w, SMB2_SET_INFO);
	at = w.len;
	wr_u16(&w, 33);
	wr_u8(&w, SMB2_0_INFO_FILE);
	wr_u8(&w, 20);                  /* FileEndOfFileInformation */
	wr_u32(&w, 8);
	wr_u16(&w, 0x60);
	wr_u16(&w, 0);
	wr_u32(&w, 0);
	put_fid(&w);
	wr_u64(&w, 12345);
	assert_int_equal(smb2_set_info_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_int_equal(req.info_type, SMB2_0_INFO_FILE);
	assert_int_equal(req.file_info_class, 20);
	assert_ptr_equal(req.buffer, w.buf + 0x60);
	assert_int_equal(req.buffer_len, 8);
	assert_true(le64(req.buffer) == 12345);
	assert_true(req.file_id.persistent == fid.persistent);
	/* Buffer past the end, over the fixed part; bad size. */
	wr_put_u32_at(&w, at + 4, 9);
	assert_int_equal(smb2_set_info_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u32_at(&w, at + 4, 8);
	wr_put_u16_at(&w, at + 8, 0x50);
	assert_int_equal(smb2_set_info_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u16_at(&w, at + 8, 0x60);
	w.buf[64] = 32;
	assert_int_equal(smb2_set_info_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	h = trsp_begin(&w, SMB2_SET_INFO);
	smb2_set_info_rsp_encode(&w, h);
	assert_int_equal(TBODY_LEN(&w, h), 2);
	assert_int_equal(T16(&w, h, 0x40), 2);
	wr_free(&w);
}

static size_t ioctl_body(struct wr *w, uint32_t in_off, uint32_t in_len, uint32_t out_off,
			 uint32_t out_len)
{
	size_t at = w->len;

	wr_u16(w, 57);
	wr_u16(w, 0);
	wr_u32(w, 0x00140204);          /* FSCTL_VALIDATE_NEGOTIATE_INFO */
	put_fid(w);
	wr_u32(w, in_off);
	wr_u32(w, in_len);
	wr_u32(w, 0);
	wr_u32(w, out_off);
	wr_u32(w, out_len);
	wr_u32(w, 24);
	wr_u32(w, 1);                   /* SMB2_0_IOCTL_IS_FSCTL */
	wr_u32(w, 0);
	return at;
}

static void test_ioctl(void **state)
{
	struct wr w;
	struct smb2_ioctl_req req;
	size_t h, at;
	struct smb2_ioctl_rsp rsp = { .ctl_code = 0x00140204, .file_id = fid, .flags = 0,
				      .output = (const uint8_t *)"0123456789abcdefghijklmn",
				      .output_len = 24 };

	tmsg_begin(&w, SMB2_IOCTL);
	at = ioctl_body(&w, 0x78, 32, 0x78, 0);
	wr_zero(&w, 32);
	assert_int_equal(smb2_ioctl_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_int_equal(req.ctl_code, 0x00140204);
	assert_true(req.file_id.persistent == fid.persistent);
	assert_ptr_equal(req.input, w.buf + 0x78);
	assert_int_equal(req.input_len, 32);
	assert_int_equal(req.max_output_response, 24);
	assert_int_equal(req.flags, 1);
	/* Input past the end, into the fixed part, huge offset; output past the end. */
	wr_put_u32_at(&w, at + 28, 33);
	assert_int_equal(smb2_ioctl_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u32_at(&w, at + 28, 32);
	wr_put_u32_at(&w, at + 24, 0x70);
	assert_int_equal(smb2_ioctl_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u32_at(&w, at + 24, 0xFFFFFFF0u);
	assert_int_equal(smb2_ioctl_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u32_at(&w, at + 24, 0x78);
	wr_put_u32_at(&w, at + 40, 64);
	assert_int_equal(smb2_ioctl_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_put_u32_at(&w, at + 40, 0);
	w.buf[64] = 56;
	assert_int_equal(smb2_ioctl_req_decode(w.buf, w.len, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	/* No buffers at all and no Buffer byte: accepted (Samba too). */
	tmsg_begin(&w, SMB2_IOCTL);
	ioctl_body(&w, 0, 0, 0, 0);
	assert_int_equal(smb2_ioctl_req_decode(w.buf, w.len, &req), STATUS_SUCCESS);
	assert_null(req.input);
	assert_int_equal(smb2_ioctl_req_decode(w.buf, w.len - 1, &req), STATUS_INVALID_PARAMETER);
	wr_free(&w);

	/* Response: output only. */
	h = trsp_begin(&w, SMB2_IOCTL);
	smb2_ioctl_rsp_encode(&w, h, &rsp);
	assert_int_equal(T16(&w, h, 0x40), 49);
	assert_int_equal(T32(&w, h, 0x44), 0x00140204);
	assert_true(T64(&w, h, 0x48) == fid.persistent && T64(&w, h, 0x50) == fid.volatile_);
	assert_int_equal(T32(&w, h, 0x58), 0x70);           /* InputOffset */
	assert_int_equal(T32(&w, h, 0x5C), 0);
	assert_int_equal(T32(&w, h, 0x60), 0x70);           /* OutputOffset */
	assert_int_equal(T32(&w, h, 0x64), 24);
	assert_int_equal(T32(&w, h, 0x68), 0);
	assert_memory_equal(w.buf + h + 0x70, rsp.output, 24);
	assert_int_equal(TBODY_LEN(&w, h), 48 + 24);
	wr_free(&w);

	/* Response: input and output, output 8-aligned after the input. */
	h = trsp_begin(&w, SMB2_IOCTL);
	rsp.input = (const uint8_t *)"IN3";
	rsp.input_len = 3;
	smb2_ioctl_rsp_encode(&w, h, &rsp);
	assert_int_equal(T32(&w, h, 0x58), 0x70);
	assert_int_equal(T32(&w, h, 0x5C), 3);
	assert_memory_equal(w.buf + h + 0x70, "IN3", 3);
	assert_int_equal(T32(&w, h, 0x60), 0x78);
	assert_memory_equal(w.buf + h + 0x78, rsp.output, 24);
	wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_directory),
		cmocka_unit_test(test_query_info),
		cmocka_unit_test(test_set_info),
		cmocka_unit_test(test_ioctl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
