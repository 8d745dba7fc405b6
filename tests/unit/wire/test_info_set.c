/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/smb2/wire/info_set.c: every SET_INFO decoder's layout, its short-buffer
 * status, its value checks, and the class check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "smb2/wire/info_file.h"
#include "smb2/wire/info_set.h"

static void test_basic(void **state)
{
	uint8_t b[48];
	struct smb2_set_basic out;
	size_t n;

	memset(b, 0xEE, sizeof(b));
	put_le64(b + 0, 0x01D9000000000001ull);
	put_le64(b + 8, 0);
	put_le64(b + 16, UINT64_MAX);        /* -1 */
	put_le64(b + 24, UINT64_MAX - 1);    /* -2 */
	put_le32(b + 32, 0x21);
	/* Reserved (36..39) and anything after 40 are ignored. */
	assert_int_equal(smb2_set_basic_decode(b, 40, &out), STATUS_SUCCESS);
	assert_true(out.btime == 0x01D9000000000001ull);
	assert_true(out.atime == SMB2_SET_TIME_LEAVE);
	assert_true(out.mtime == SMB2_SET_TIME_FREEZE);
	assert_true(out.ctime == SMB2_SET_TIME_RESUME);
	assert_int_equal(out.attrs, 0x21);
	assert_int_equal(smb2_set_basic_decode(b, 48, &out), STATUS_SUCCESS);

	for (n = 0; n < 40; n++)
		assert_int_equal(smb2_set_basic_decode(b, n, &out), STATUS_INFO_LENGTH_MISMATCH);

	/* -3 in any time field is invalid (MS-FSA 2.1.5.15.2); so is INT64_MIN. */
	for (n = 0; n < 4; n++) {
		uint8_t c[40];

		memcpy(c, b, 40);
		put_le64(c + 8 * n, UINT64_MAX - 2);
		assert_int_equal(smb2_set_basic_decode(c, 40, &out), STATUS_INVALID_PARAMETER);
		put_le64(c + 8 * n, 0x8000000000000000ull);
		assert_int_equal(smb2_set_basic_decode(c, 40, &out), STATUS_INVALID_PARAMETER);
		put_le64(c + 8 * n, (uint64_t)INT64_MAX);
		assert_int_equal(smb2_set_basic_decode(c, 40, &out), STATUS_SUCCESS);
	}
}

static void test_sizes(void **state)
{
	uint8_t b[16] = { 0 };
	uint64_t v = 99;
	size_t n;

	put_le64(b, 0x123456789ull);
	assert_int_equal(smb2_set_eof_decode(b, 8, &v), STATUS_SUCCESS);
	assert_true(v == 0x123456789ull);
	assert_int_equal(smb2_set_allocation_decode(b, 16, &v), STATUS_SUCCESS);
	assert_true(v == 0x123456789ull);
	assert_int_equal(smb2_set_position_decode(b, 8, &v), STATUS_SUCCESS);
	assert_true(v == 0x123456789ull);

	for (n = 0; n < 8; n++) {
		assert_int_equal(smb2_set_eof_decode(b, n, &v), STATUS_INFO_LENGTH_MISMATCH);
		assert_int_equal(smb2_set_allocation_decode(b, n, &v), STATUS_INFO_LENGTH_MISMATCH);
		assert_int_equal(smb2_set_position_decode(b, n, &v), STATUS_INFO_LENGTH_MISMATCH);
	}

	/* Negative values. */
	v = 7;
	put_le64(b, UINT64_MAX);
	assert_int_equal(smb2_set_eof_decode(b, 8, &v), STATUS_INVALID_PARAMETER);
	assert_int_equal(smb2_set_allocation_decode(b, 8, &v), STATUS_INVALID_PARAMETER);
	assert_int_equal(smb2_set_position_decode(b, 8, &v), STATUS_INVALID_PARAMETER);
	assert_int_equal(v, 7);
	put_le64(b, (uint64_t)INT64_MAX);
	assert_int_equal(smb2_set_eof_decode(b, 8, &v), STATUS_SUCCESS);
}

static void test_disposition(void **state)
{
	uint8_t b[4] = { 0 };
	bool del = true;
	uint32_t flags = 99;

	assert_int_equal(smb2_set_disposition_decode(b, 1, &del), STATUS_SUCCESS);
	assert_false(del);
	b[0] = 1;
	assert_int_equal(smb2_set_disposition_decode(b, 1, &del), STATUS_SUCCESS);
	assert_true(del);
	b[0] = 0x80;  /* any non-zero BOOLEAN is TRUE */
	del = false;
	assert_int_equal(smb2_set_disposition_decode(b, 4, &del), STATUS_SUCCESS);
	assert_true(del);
	assert_int_equal(smb2_set_disposition_decode(b, 0, &del), STATUS_INFO_LENGTH_MISMATCH);

	put_le32(b, FILE_DISPOSITION_DELETE | FILE_DISPOSITION_POSIX_SEMANTICS |
		    FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE);
	assert_int_equal(smb2_set_disposition_ex_decode(b, 4, &flags), STATUS_SUCCESS);
	assert_int_equal(flags, 0x13);
	put_le32(b, 0);
	assert_int_equal(smb2_set_disposition_ex_decode(b, 4, &flags), STATUS_SUCCESS);
	assert_int_equal(flags, FILE_DISPOSITION_DO_NOT_DELETE);
	for (size_t n = 0; n < 4; n++)
		assert_int_equal(smb2_set_disposition_ex_decode(b, n, &flags),
				 STATUS_INFO_LENGTH_MISMATCH);
	flags = 5;
	put_le32(b, 0x20);
	assert_int_equal(smb2_set_disposition_ex_decode(b, 4, &flags), STATUS_INVALID_PARAMETER);
	assert_int_equal(flags, 5);
}

/* Build a FILE_RENAME_INFORMATION_TYPE_2 with an ASCII name; returns its length. */
static size_t rename_buf(uint8_t *b, size_t cap, uint8_t replace, const char *name, size_t pad)
{
	size_t n = strlen(name), i;

	assert_true(20 + 2 * n + pad <= cap);
	memset(b, 0xAB, 20 + 2 * n + pad);  /* reserved bytes carry junk: must be ignored */
	b[0] = replace;
	put_le64(b + 8, 0);
	put_le32(b + 16, (uint32_t)(2 * n));
	for (i = 0; i < n; i++) {
		b[20 + 2 * i] = (uint8_t)name[i];
		b[21 + 2 * i] = 0;
	}
	return 20 + 2 * n + pad;
}

static void test_rename(void **state)
{
	uint8_t b[128];
	struct smb2_set_rename r;
	size_t len;

	len = rename_buf(b, sizeof(b), 1, "dir\\new.txt", 0);
	assert_int_equal(smb2_set_rename_decode(b, len, &r), STATUS_SUCCESS);
	assert_true(r.replace_if_exists);
	assert_int_equal(r.flags, FILE_RENAME_REPLACE_IF_EXISTS);
	assert_int_equal(r.root_directory, 0);
	assert_int_equal(r.name_len, 22);
	assert_ptr_equal(r.name, b + 20);

	b[0] = 0;
	assert_int_equal(smb2_set_rename_decode(b, len, &r), STATUS_SUCCESS);
	assert_false(r.replace_if_exists);
	assert_int_equal(r.flags, 0);

	/* Link has the same shape. */
	assert_int_equal(smb2_set_link_decode(b, len, &r), STATUS_SUCCESS);
	assert_int_equal(r.name_len, 22);

	/* RootDirectory is passed through. */
	put_le64(b + 8, 0x55);
	assert_int_equal(smb2_set_rename_decode(b, len, &r), STATUS_SUCCESS);
	assert_int_equal(r.root_directory, 0x55);
}

static void test_rename_lengths(void **state)
{
	uint8_t b[64];
	struct smb2_set_rename r;
	size_t len, n;

	/* One-character name: 22 bytes, under sizeof(FILE_RENAME_INFORMATION_TYPE_2) = 24
	 * (Windows 10 answers INFO_LENGTH_MISMATCH; Samba's client pads to 24). */
	len = rename_buf(b, sizeof(b), 0, "a", 0);
	assert_int_equal(len, 22);
	assert_int_equal(smb2_set_rename_decode(b, len, &r), STATUS_INFO_LENGTH_MISMATCH);
	assert_int_equal(smb2_set_link_decode(b, len, &r), STATUS_INFO_LENGTH_MISMATCH);
	len = rename_buf(b, sizeof(b), 0, "a", 2);
	assert_int_equal(smb2_set_rename_decode(b, len, &r), STATUS_SUCCESS);
	assert_int_equal(r.name_len, 2);

	for (n = 0; n < 24; n++) {
		assert_int_equal(smb2_set_rename_decode(b, n, &r), STATUS_INFO_LENGTH_MISMATCH);
		assert_int_equal(smb2_set_rename_ex_decode(b, n, &r), STATUS_INFO_LENGTH_MISMATCH);
		assert_int_equal(smb2_set_link_decode(b, n, &r), STATUS_INFO_LENGTH_MISMATCH);
	}

	/* FileNameLength odd, past the end, or huge. */
	len = rename_buf(b, sizeof(b), 0, "abcd", 0);
	put_le32(b + 16, 7);
	assert_int_equal(smb2_set_rename_decode(b, len, &r), STATUS_INVALID_PARAMETER);
	put_le32(b + 16, 10);
	assert_int_equal(smb2_set_rename_decode(b, len, &r), STATUS_INVALID_PARAMETER);
	put_le32(b + 16, UINT32_MAX - 1);
	assert_int_equal(smb2_set_rename_decode(b, len, &r), STATUS_INVALID_PARAMETER);
	assert_int_equal(smb2_set_rename_ex_decode(b, len, &r), STATUS_INVALID_PARAMETER);
	/* Exactly the buffer; shorter than the buffer (trailing padding) is fine too. */
	put_le32(b + 16, 8);
	assert_int_equal(smb2_set_rename_decode(b, len, &r), STATUS_SUCCESS);
	put_le32(b + 16, 4);
	assert_int_equal(smb2_set_rename_decode(b, len, &r), STATUS_SUCCESS);
	assert_int_equal(r.name_len, 4);

	/* Empty name: decoded, the handler decides. */
	put_le32(b + 16, 0);
	assert_int_equal(smb2_set_rename_decode(b, len, &r), STATUS_SUCCESS);
	assert_int_equal(r.name_len, 0);
	assert_null(r.name);
}

static void test_rename_ex(void **state)
{
	uint8_t b[64];
	struct smb2_set_rename r;
	size_t len = rename_buf(b, sizeof(b), 0, "x.txt", 0);

	put_le32(b, FILE_RENAME_REPLACE_IF_EXISTS | FILE_RENAME_POSIX_SEMANTICS);
	assert_int_equal(smb2_set_rename_ex_decode(b, len, &r), STATUS_SUCCESS);
	assert_int_equal(r.flags, 3);
	assert_true(r.replace_if_exists);
	assert_int_equal(r.name_len, 10);
	assert_ptr_equal(r.name, b + 20);

	put_le32(b, FILE_RENAME_IGNORE_READONLY_ATTRIBUTE);
	assert_int_equal(smb2_set_rename_ex_decode(b, len, &r), STATUS_SUCCESS);
	assert_false(r.replace_if_exists);
}

static void test_mode(void **state)
{
	uint8_t b[8] = { 0 };
	uint32_t mode = 1234;
	static const uint32_t ok[] = {
		0, FILE_MODE_WRITE_THROUGH, FILE_MODE_SEQUENTIAL_ONLY,
		FILE_MODE_WRITE_THROUGH | FILE_MODE_SEQUENTIAL_ONLY,
		FILE_MODE_SYNCHRONOUS_IO_ALERT, FILE_MODE_SYNCHRONOUS_IO_NONALERT | FILE_MODE_WRITE_THROUGH,
	};
	static const uint32_t bad[] = {
		FILE_MODE_NO_INTERMEDIATE_BUFFERING, FILE_MODE_DELETE_ON_CLOSE, 0x1, 0x40, 0x80000000u,
		FILE_MODE_SYNCHRONOUS_IO_ALERT | FILE_MODE_SYNCHRONOUS_IO_NONALERT,
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		put_le32(b, ok[i]);
		assert_int_equal(smb2_set_mode_decode(b, 4, &mode), STATUS_SUCCESS);
		assert_int_equal(mode, ok[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_le32(b, bad[i]);
		mode = 1234;
		assert_int_equal(smb2_set_mode_decode(b, 8, &mode), STATUS_INVALID_PARAMETER);
		assert_int_equal(mode, 1234);
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(smb2_set_mode_decode(b, i, &mode), STATUS_INFO_LENGTH_MISMATCH);
}

static void test_class_check(void **state)
{
	assert_int_equal(smb2_set_info_file_class_check(FileBasicInformation), STATUS_SUCCESS);
	assert_int_equal(smb2_set_info_file_class_check(FileRenameInformation), STATUS_SUCCESS);
	assert_int_equal(smb2_set_info_file_class_check(FileLinkInformation), STATUS_SUCCESS);
	assert_int_equal(smb2_set_info_file_class_check(FileDispositionInformation), STATUS_SUCCESS);
	assert_int_equal(smb2_set_info_file_class_check(FilePositionInformation), STATUS_SUCCESS);
	assert_int_equal(smb2_set_info_file_class_check(FileModeInformation), STATUS_SUCCESS);
	assert_int_equal(smb2_set_info_file_class_check(FileAllocationInformation), STATUS_SUCCESS);
	assert_int_equal(smb2_set_info_file_class_check(FileEndOfFileInformation), STATUS_SUCCESS);
	assert_int_equal(smb2_set_info_file_class_check(FileDispositionInformationEx),
			 STATUS_SUCCESS);
	assert_int_equal(smb2_set_info_file_class_check(FileRenameInformationEx), STATUS_SUCCESS);
	assert_int_equal(smb2_set_info_file_class_check(FileFullEaInformation), STATUS_NOT_SUPPORTED);
	assert_int_equal(smb2_set_info_file_class_check(FileShortNameInformation),
			 STATUS_NOT_SUPPORTED);
	assert_int_equal(smb2_set_info_file_class_check(FileValidDataLengthInformation),
			 STATUS_NOT_SUPPORTED);
	/* Query-only and unknown classes. */
	assert_int_equal(smb2_set_info_file_class_check(FileStandardInformation),
			 STATUS_INVALID_INFO_CLASS);
	assert_int_equal(smb2_set_info_file_class_check(FileAllInformation),
			 STATUS_INVALID_INFO_CLASS);
	assert_int_equal(smb2_set_info_file_class_check(0), STATUS_INVALID_INFO_CLASS);
	assert_int_equal(smb2_set_info_file_class_check(250), STATUS_INVALID_INFO_CLASS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_disposition),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_rename_lengths),
		cmocka_unit_test(test_rename_ex),
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_class_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
