/* SPDX-License-Identifier: Apache-2.0 */
/* FILE_STREAM_INFORMATION encoder (src/smb2/wire/stream_info.c): layout, 8-byte entry alignment,
 * whole entries only under a limit, the 32-byte minimum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "smb2/wire/stream_info.h"

static void test_stream_info(void **state)
{
	const struct smb2_stream_entry e[] = {
		{ .name = "", .size = 10, .alloc_size = 4096 },
		{ .name = "s", .size = 3, .alloc_size = 4096 },
	};
	struct wr w;
	(void)state;

	/* "::$DATA" alone: 24 + 14 bytes */
	wr_init(&w, 64);
	assert_int_equal(smb2_stream_info_encode(e, 1, 1000, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 38);
	assert_int_equal(le32(w.buf), 0);
	assert_int_equal(le32(w.buf + 4), 14);
	assert_int_equal(le64(w.buf + 8), 10);
	assert_int_equal(le64(w.buf + 16), 4096);
	assert_int_equal(le16(w.buf + 24), ':');
	assert_int_equal(le16(w.buf + 26), ':');
	assert_int_equal(le16(w.buf + 28), '$');
	wr_free(&w);

	/* two entries: the second starts on the next 8-byte boundary (40) */
	wr_init(&w, 64);
	assert_int_equal(smb2_stream_info_encode(e, 2, 1000, &w), STATUS_SUCCESS);
	assert_int_equal(le32(w.buf), 40);
	assert_int_equal(w.len, 40 + 24 + 16);   /* ":s:$DATA" */
	assert_int_equal(le32(w.buf + 44), 16);
	wr_free(&w);

	/* whole entries only; below the minimum nothing at all */
	wr_init(&w, 64);
	assert_int_equal(smb2_stream_info_encode(e, 2, 79, &w), STATUS_BUFFER_OVERFLOW);
	assert_int_equal(w.len, 38);
	assert_int_equal(le32(w.buf), 0);
	wr_free(&w);
	wr_init(&w, 64);
	assert_int_equal(smb2_stream_info_encode(e, 1, 37, &w), STATUS_BUFFER_OVERFLOW);
	assert_int_equal(w.len, 0);
	assert_int_equal(smb2_stream_info_encode(e, 1, 31, &w), STATUS_INFO_LENGTH_MISMATCH);
	/* a directory without streams: nothing, successfully */
	assert_int_equal(smb2_stream_info_encode(e, 0, 32, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 0);
	wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_info),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
