/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/smb2/wire/info_dir.c: the six QUERY_DIRECTORY entry layouts (MS-FSCC 2.4
 * field offsets), 8-byte alignment, NextEntryOffset chaining and the "does not fit" rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "smb2/wire/info_dir.h"
#include "smb2/wire/info_file.h"

#define FILE_ATTRIBUTE_ARCHIVE 0x20u

static struct smb2_dir_entry entry(const char *name)
{
	return (struct smb2_dir_entry){
		.name = name,
		.btime = 0x0101010101010101ull,
		.atime = 0x0202020202020202ull,
		.mtime = 0x0303030303030303ull,
		.ctime = 0x0404040404040404ull,
		.eof = 1234,
		.alloc_size = 4096,
		.attrs = FILE_ATTRIBUTE_ARCHIVE,
		.file_id = 0x1122334455667788ull,
	};
}

/* Check the fields shared by all classes but FileNamesInformation at entry offset `o`. */
static void check_common(const uint8_t *p, const struct smb2_dir_entry *e, size_t name_len)
{
	assert_int_equal(le32(p + 4), 0);  /* FileIndex */
	assert_true(le64(p + 8) == e->btime);
	assert_true(le64(p + 16) == e->atime);
	assert_true(le64(p + 24) == e->mtime);
	assert_true(le64(p + 32) == e->ctime);
	assert_int_equal(le64(p + 40), e->eof);
	assert_int_equal(le64(p + 48), e->alloc_size);
	assert_int_equal(le32(p + 56), e->attrs);
	assert_int_equal(le32(p + 60), name_len);
}

static void check_name(const uint8_t *p, const char *name)
{
	for (size_t i = 0; name[i]; i++) {
		assert_int_equal(p[2 * i], (uint8_t)name[i]);
		assert_int_equal(p[2 * i + 1], 0);
	}
}

static void one(uint8_t cls, struct wr *w, const struct smb2_dir_entry *e)
{
	struct smb2_dir_enc enc;

	wr_init(w, 16);
	assert_int_equal(smb2_dir_enc_init(&enc, cls, 65536, w), STATUS_SUCCESS);
	assert_int_equal(smb2_dir_enc_add(&enc, e), STATUS_SUCCESS);
	assert_int_equal(smb2_dir_enc_count(&enc), 1);
	assert_int_equal(smb2_dir_enc_len(&enc), w->len);
}

static void test_directory_layout(void **state)
{
	struct smb2_dir_entry e = entry("abc");
	struct wr w;

	one(FileDirectoryInformation, &w, &e);
	assert_int_equal(w.len, 64 + 6);
	assert_int_equal(le32(w.buf), 0);
	check_common(w.buf, &e, 6);
	check_name(w.buf + 64, "abc");
	wr_free(&w);
}

static void test_full_directory_layout(void **state)
{
	struct smb2_dir_entry e = entry("abc");
	struct wr w;

	one(FileFullDirectoryInformation, &w, &e);
	assert_int_equal(w.len, 68 + 6);
	check_common(w.buf, &e, 6);
	assert_int_equal(le32(w.buf + 64), 0);  /* EaSize */
	check_name(w.buf + 68, "abc");
	wr_free(&w);
}

static void test_both_directory_layout(void **state)
{
	struct smb2_dir_entry e = entry("abc");
	uint8_t zero[26] = { 0 };
	struct wr w;

	one(FileBothDirectoryInformation, &w, &e);
	assert_int_equal(w.len, 94 + 6);
	check_common(w.buf, &e, 6);
	/* EaSize 64, ShortNameLength 68, Reserved 69, ShortName 70..93 */
	assert_int_equal(le32(w.buf + 64), 0);
	assert_memory_equal(w.buf + 68, zero, 26);
	check_name(w.buf + 94, "abc");
	wr_free(&w);
}

static void test_names_layout(void **state)
{
	struct smb2_dir_entry e = entry("abc");
	struct wr w;

	/* NextEntryOffset 0, FileIndex 4, FileNameLength 8, FileName 12. */
	one(FileNamesInformation, &w, &e);
	assert_int_equal(w.len, 12 + 6);
	assert_int_equal(le32(w.buf), 0);
	assert_int_equal(le32(w.buf + 4), 0);
	assert_int_equal(le32(w.buf + 8), 6);
	check_name(w.buf + 12, "abc");
	wr_free(&w);
}

static void test_id_both_directory_layout(void **state)
{
	struct smb2_dir_entry e = entry("abc");
	uint8_t zero[28] = { 0 };
	struct wr w;

	one(FileIdBothDirectoryInformation, &w, &e);
	assert_int_equal(w.len, 104 + 6);
	check_common(w.buf, &e, 6);
	/* EaSize 64, ShortNameLength 68, Reserved1 69, ShortName 70..93, Reserved2 94, FileId 96 */
	assert_memory_equal(w.buf + 68, zero, 28);
	assert_true(le64(w.buf + 96) == e.file_id);
	check_name(w.buf + 104, "abc");
	wr_free(&w);
}

static void test_id_full_directory_layout(void **state)
{
	struct smb2_dir_entry e = entry("abc");
	struct wr w;

	one(FileIdFullDirectoryInformation, &w, &e);
	assert_int_equal(w.len, 80 + 6);
	check_common(w.buf, &e, 6);
	/* EaSize 64, Reserved 68, FileId 72, FileName 80 */
	assert_int_equal(le32(w.buf + 64), 0);
	assert_int_equal(le32(w.buf + 68), 0);
	assert_true(le64(w.buf + 72) == e.file_id);
	check_name(w.buf + 80, "abc");
	wr_free(&w);
}

static void test_chaining_and_alignment(void **state)
{
	static const uint8_t classes[] = {
		FileDirectoryInformation, FileFullDirectoryInformation, FileBothDirectoryInformation,
		FileNamesInformation, FileIdBothDirectoryInformation, FileIdFullDirectoryInformation,
	};
	const char *names[] = { ".", "..", "a", "file one.txt", "zz" };

	for (size_t c = 0; c < sizeof(classes); c++) {
		struct smb2_dir_enc enc;
		struct wr w;
		size_t off = 0, i;

		wr_init(&w, 8);
		wr_bytes(&w, "PFX", 3);  /* a response prefix: offsets count from the buffer start */
		assert_int_equal(smb2_dir_enc_init(&enc, classes[c], 65536, &w), STATUS_SUCCESS);
		for (i = 0; i < 5; i++) {
			struct smb2_dir_entry e = entry(names[i]);

			assert_int_equal(smb2_dir_enc_add(&enc, &e), STATUS_SUCCESS);
		}
		assert_int_equal(smb2_dir_enc_count(&enc), 5);
		assert_int_equal(smb2_dir_enc_len(&enc), w.len - 3);
		/* Walk the chain: every entry on an 8-byte boundary, the last NextEntryOffset 0, no
		 * padding after the last entry. */
		for (i = 0; i < 5; i++) {
			const uint8_t *p = w.buf + 3 + off;
			uint32_t next = le32(p);
			size_t fixed = smb2_dir_class_fixed(classes[c]);
			uint32_t nlen = le32(p + (classes[c] == FileNamesInformation ? 8 : 60));

			assert_int_equal(off % 8, 0);
			assert_int_equal(nlen, 2 * strlen(names[i]));
			check_name(p + fixed, names[i]);
			if (i < 4) {
				assert_int_equal(next, (fixed + nlen + 7) / 8 * 8);
				/* padding is zero */
				for (size_t k = fixed + nlen; k < next; k++)
					assert_int_equal(p[k], 0);
			} else {
				assert_int_equal(next, 0);
				assert_int_equal(3 + off + fixed + nlen, w.len);
			}
			off += next;
		}
		wr_free(&w);
	}
}

static void test_fit_boundaries(void **state)
{
	struct smb2_dir_entry a = entry("abc");   /* 64 + 6 = 70 bytes */
	struct smb2_dir_entry b = entry("d");     /* 64 + 2 = 66 bytes, starts at 72 */
	struct smb2_dir_enc enc;
	struct wr w;

	/* Exactly room for one entry. */
	wr_init(&w, 8);
	assert_int_equal(smb2_dir_enc_init(&enc, FileDirectoryInformation, 70, &w), STATUS_SUCCESS);
	assert_int_equal(smb2_dir_enc_add(&enc, &a), STATUS_SUCCESS);
	assert_int_equal(smb2_dir_enc_add(&enc, &b), STATUS_BUFFER_OVERFLOW);
	assert_int_equal(w.len, 70);
	assert_int_equal(le32(w.buf), 0);  /* NextEntryOffset untouched by the failed add */
	wr_free(&w);

	/* The second entry needs 72 + 66 = 138: the padding before it counts. */
	wr_init(&w, 8);
	assert_int_equal(smb2_dir_enc_init(&enc, FileDirectoryInformation, 137, &w), STATUS_SUCCESS);
	assert_int_equal(smb2_dir_enc_add(&enc, &a), STATUS_SUCCESS);
	assert_int_equal(smb2_dir_enc_add(&enc, &b), STATUS_BUFFER_OVERFLOW);
	assert_int_equal(w.len, 70);
	assert_int_equal(smb2_dir_enc_count(&enc), 1);
	wr_free(&w);

	wr_init(&w, 8);
	assert_int_equal(smb2_dir_enc_init(&enc, FileDirectoryInformation, 138, &w), STATUS_SUCCESS);
	assert_int_equal(smb2_dir_enc_add(&enc, &a), STATUS_SUCCESS);
	assert_int_equal(smb2_dir_enc_add(&enc, &b), STATUS_SUCCESS);
	assert_int_equal(w.len, 138);
	assert_int_equal(le32(w.buf), 72);
	wr_free(&w);

	/* Not even the first entry fits: the caller answers STATUS_INFO_LENGTH_MISMATCH. */
	wr_init(&w, 8);
	assert_int_equal(smb2_dir_enc_init(&enc, FileDirectoryInformation, 69, &w), STATUS_SUCCESS);
	assert_int_equal(smb2_dir_enc_add(&enc, &a), STATUS_BUFFER_OVERFLOW);
	assert_int_equal(smb2_dir_enc_count(&enc), 0);
	assert_int_equal(w.len, 0);
	wr_free(&w);
}

static void test_init_errors(void **state)
{
	struct smb2_dir_enc enc;
	struct wr w;

	wr_init(&w, 8);
	assert_int_equal(smb2_dir_enc_init(&enc, 0, 65536, &w), STATUS_INVALID_INFO_CLASS);
	assert_int_equal(smb2_dir_enc_init(&enc, FileBasicInformation, 65536, &w),
			 STATUS_INVALID_INFO_CLASS);
	assert_int_equal(smb2_dir_enc_init(&enc, 60, 65536, &w), STATUS_INVALID_INFO_CLASS);
	/* Below FieldOffset(FileName): MS-FSA 2.1.5.6.3.x. */
	assert_int_equal(smb2_dir_enc_init(&enc, FileDirectoryInformation, 63, &w),
			 STATUS_INFO_LENGTH_MISMATCH);
	assert_int_equal(smb2_dir_enc_init(&enc, FileIdBothDirectoryInformation, 103, &w),
			 STATUS_INFO_LENGTH_MISMATCH);
	assert_int_equal(smb2_dir_enc_init(&enc, FileNamesInformation, 11, &w),
			 STATUS_INFO_LENGTH_MISMATCH);
	assert_int_equal(smb2_dir_enc_init(&enc, FileNamesInformation, 12, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 0);
	wr_free(&w);
}

static void test_invalid_name_skipped(void **state)
{
	struct smb2_dir_entry bad = entry("x\xff");
	struct smb2_dir_entry good = entry("ok");
	struct smb2_dir_enc enc;
	struct wr w;

	wr_init(&w, 8);
	assert_int_equal(smb2_dir_enc_init(&enc, FileNamesInformation, 65536, &w), STATUS_SUCCESS);
	assert_int_equal(smb2_dir_enc_add(&enc, &good), STATUS_SUCCESS);
	assert_int_equal(smb2_dir_enc_add(&enc, &bad), STATUS_OBJECT_NAME_INVALID);
	assert_int_equal(w.len, 16);
	assert_int_equal(le32(w.buf), 0);
	assert_int_equal(smb2_dir_enc_add(&enc, &good), STATUS_SUCCESS);
	assert_int_equal(le32(w.buf), 16);
	wr_free(&w);
}

static void test_non_ascii_name(void **state)
{
	/* U+00E9 and U+1F600 (a surrogate pair): 2 + 4 bytes of UTF-16. */
	struct smb2_dir_entry e = entry("\xc3\xa9\xf0\x9f\x98\x80");
	struct wr w;

	one(FileNamesInformation, &w, &e);
	assert_int_equal(le32(w.buf + 8), 6);
	assert_int_equal(le16(w.buf + 12), 0x00E9);
	assert_int_equal(le16(w.buf + 14), 0xD83D);
	assert_int_equal(le16(w.buf + 16), 0xDE00);
	wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directory_layout),
		cmocka_unit_test(test_full_directory_layout),
		cmocka_unit_test(test_both_directory_layout),
		cmocka_unit_test(test_names_layout),
		cmocka_unit_test(test_id_both_directory_layout),
		cmocka_unit_test(test_id_full_directory_layout),
		cmocka_unit_test(test_chaining_and_alignment),
		cmocka_unit_test(test_fit_boundaries),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_invalid_name_skipped),
		cmocka_unit_test(test_non_ascii_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
