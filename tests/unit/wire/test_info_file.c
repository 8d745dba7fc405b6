/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/smb2/wire/info_file.c: the byte layout of every QUERY_INFO file class
 * against the MS-FSCC field offsets, and the buffer-size behaviour smbtorture's
 * smb2.getinfo.qfile_buffercheck expects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "smb2/wire/info_file.h"

#define FILE_ATTRIBUTE_ARCHIVE   0x20u
#define FILE_ATTRIBUTE_DIRECTORY 0x10u

static struct smb2_info_file sample(void)
{
	return (struct smb2_info_file){
		.btime = 0x0101010101010101ull,
		.atime = 0x0202020202020202ull,
		.mtime = 0x0303030303030303ull,
		.ctime = 0x0404040404040404ull,
		.alloc_size = 4096,
		.eof = 1234,
		.attrs = FILE_ATTRIBUTE_ARCHIVE,
		.nlink = 1,
		.delete_pending = false,
		.is_dir = false,
		.file_id = 0x1122334455667788ull,
		.volume_serial = 0xA1B2C3D4E5F60718ull,
		.access = 0x001F01FF,
		.position = 77,
		.mode = 0x20,
		.reparse_tag = 0,
		.path = "dir/bufsize.txt",
		.dialect = 0x0311,
	};
}

/* Encode into a fresh writer; returns the status, fills *w (caller frees). */
static NTSTATUS enc(uint8_t cls, const struct smb2_info_file *f, uint32_t max, struct wr *w)
{
	wr_init(w, 16);
	return smb2_info_file_encode(cls, f, max, w);
}

/* UTF-16LE of an ASCII string. */
static size_t u16(const char *s, uint8_t *out)
{
	size_t n = 0;

	for (; *s; s++) {
		out[n++] = (uint8_t)*s;
		out[n++] = 0;
	}
	return n;
}

static void test_basic_layout(void **state)
{
	struct smb2_info_file f = sample();
	struct wr w;

	assert_int_equal(enc(FileBasicInformation, &f, 65535, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 40);
	/* MS-FSCC FILE_BASIC_INFORMATION: CreationTime 0, LastAccessTime 8, LastWriteTime 16,
	 * ChangeTime 24, FileAttributes 32, Reserved 36. */
	assert_true(le64(w.buf + 0) == f.btime);
	assert_true(le64(w.buf + 8) == f.atime);
	assert_true(le64(w.buf + 16) == f.mtime);
	assert_true(le64(w.buf + 24) == f.ctime);
	assert_int_equal(le32(w.buf + 32), FILE_ATTRIBUTE_ARCHIVE);
	assert_int_equal(le32(w.buf + 36), 0);
	wr_free(&w);
}

static void test_standard_layout(void **state)
{
	struct smb2_info_file f = sample();
	struct wr w;

	f.nlink = 3;
	f.delete_pending = true;
	assert_int_equal(enc(FileStandardInformation, &f, 65535, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 24);
	/* AllocationSize 0, EndOfFile 8, NumberOfLinks 16, DeletePending 20, Directory 21,
	 * Reserved 22. */
	assert_int_equal(le64(w.buf + 0), 4096);
	assert_int_equal(le64(w.buf + 8), 1234);
	assert_int_equal(le32(w.buf + 16), 3);
	assert_int_equal(w.buf[20], 1);
	assert_int_equal(w.buf[21], 0);
	assert_int_equal(le16(w.buf + 22), 0);
	wr_free(&w);

	f.is_dir = true;
	f.delete_pending = false;
	assert_int_equal(enc(FileStandardInformation, &f, 24, &w), STATUS_SUCCESS);
	assert_int_equal(w.buf[20], 0);
	assert_int_equal(w.buf[21], 1);
	wr_free(&w);
}

static void test_small_fixed_layouts(void **state)
{
	struct smb2_info_file f = sample();
	struct wr w;

	assert_int_equal(enc(FileInternalInformation, &f, 8, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 8);
	assert_true(le64(w.buf) == f.file_id);
	wr_free(&w);

	assert_int_equal(enc(FileEaInformation, &f, 4, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 4);
	assert_int_equal(le32(w.buf), 0);
	wr_free(&w);

	assert_int_equal(enc(FileAccessInformation, &f, 4, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 4);
	assert_int_equal(le32(w.buf), 0x001F01FF);
	wr_free(&w);

	assert_int_equal(enc(FilePositionInformation, &f, 8, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 8);
	assert_int_equal(le64(w.buf), 77);
	wr_free(&w);

	assert_int_equal(enc(FileModeInformation, &f, 4, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 4);
	assert_int_equal(le32(w.buf), 0x20);
	wr_free(&w);

	assert_int_equal(enc(FileAlignmentInformation, &f, 4, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 4);
	assert_int_equal(le32(w.buf), 0);
	wr_free(&w);

	/* FILE_COMPRESSION_INFORMATION: CompressedFileSize 0, CompressionFormat 8,
	 * CompressionUnitShift 10, ChunkShift 11, ClusterShift 12, Reserved 13..15. */
	assert_int_equal(enc(FileCompressionInformation, &f, 16, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 16);
	assert_int_equal(le64(w.buf), 1234);
	for (size_t i = 8; i < 16; i++)
		assert_int_equal(w.buf[i], 0);
	wr_free(&w);

	/* FILE_ATTRIBUTE_TAG_INFORMATION: FileAttributes 0, ReparseTag 4. */
	f.reparse_tag = 0xA000000C;
	assert_int_equal(enc(FileAttributeTagInformation, &f, 8, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 8);
	assert_int_equal(le32(w.buf), FILE_ATTRIBUTE_ARCHIVE);
	assert_int_equal(le32(w.buf + 4), 0xA000000C);
	wr_free(&w);
}

static void test_network_open_layout(void **state)
{
	struct smb2_info_file f = sample();
	struct wr w;

	assert_int_equal(enc(FileNetworkOpenInformation, &f, 56, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 56);
	/* Times 0..31, AllocationSize 32, EndOfFile 40, FileAttributes 48, Reserved 52. */
	assert_true(le64(w.buf + 0) == f.btime);
	assert_true(le64(w.buf + 24) == f.ctime);
	assert_int_equal(le64(w.buf + 32), 4096);
	assert_int_equal(le64(w.buf + 40), 1234);
	assert_int_equal(le32(w.buf + 48), FILE_ATTRIBUTE_ARCHIVE);
	assert_int_equal(le32(w.buf + 52), 0);
	wr_free(&w);
}

static void test_all_layout(void **state)
{
	struct smb2_info_file f = sample();
	uint8_t name[64];
	size_t n = u16("\\dir\\bufsize.txt", name);
	struct wr w;

	f.delete_pending = true;
	assert_int_equal(enc(FileAllInformation, &f, 65535, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 100 + n);
	/* BasicInformation 0..39 */
	assert_true(le64(w.buf + 0) == f.btime);
	assert_true(le64(w.buf + 24) == f.ctime);
	assert_int_equal(le32(w.buf + 32), FILE_ATTRIBUTE_ARCHIVE);
	/* StandardInformation 40..63 */
	assert_int_equal(le64(w.buf + 40), 4096);
	assert_int_equal(le64(w.buf + 48), 1234);
	assert_int_equal(le32(w.buf + 56), 1);
	assert_int_equal(w.buf[60], 1);
	assert_int_equal(w.buf[61], 0);
	/* Internal 64, Ea 72, Access 76, Position 80, Mode 88, Alignment 92, Name 96 */
	assert_true(le64(w.buf + 64) == f.file_id);
	assert_int_equal(le32(w.buf + 72), 0);
	assert_int_equal(le32(w.buf + 76), 0x001F01FF);
	assert_int_equal(le64(w.buf + 80), 77);
	assert_int_equal(le32(w.buf + 88), 0x20);
	assert_int_equal(le32(w.buf + 92), 0);
	assert_int_equal(le32(w.buf + 96), n);
	assert_memory_equal(w.buf + 100, name, n);
	wr_free(&w);

	/* The root is "\". */
	f.path = "";
	assert_int_equal(enc(FileAllInformation, &f, 65535, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 102);
	assert_int_equal(le32(w.buf + 96), 2);
	assert_int_equal(le16(w.buf + 100), '\\');
	wr_free(&w);
}

static void test_all_partial_name(void **state)
{
	struct smb2_info_file f = sample();
	struct wr w;

	/* 105 bytes: the name is cut to whole UTF-16 units (MS-FSA BlockAlignTruncate), and
	 * FileNameLength still says the full length. */
	assert_int_equal(enc(FileAllInformation, &f, 105, &w), STATUS_BUFFER_OVERFLOW);
	assert_int_equal(w.len, 104);
	assert_int_equal(le32(w.buf + 96), 32);
	assert_int_equal(le16(w.buf + 100), '\\');
	assert_int_equal(le16(w.buf + 102), 'd');
	wr_free(&w);
}

static void test_alternate_name(void **state)
{
	struct smb2_info_file f = sample();
	uint8_t name[32];
	size_t n = u16("bufsize.txt", name);
	struct wr w;

	assert_int_equal(enc(FileAlternateNameInformation, &f, 65535, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 4 + n);
	assert_int_equal(le32(w.buf), n);
	assert_memory_equal(w.buf + 4, name, n);
	wr_free(&w);

	f.path = "dir/a long file name.txt";
	assert_int_equal(enc(FileAlternateNameInformation, &f, 65535, &w),
			 STATUS_OBJECT_NAME_NOT_FOUND);
	assert_int_equal(w.len, 0);
	wr_free(&w);

	f.path = "";
	assert_int_equal(enc(FileAlternateNameInformation, &f, 65535, &w),
			 STATUS_OBJECT_NAME_NOT_FOUND);
	wr_free(&w);
}

static void test_8dot3(void **state)
{
	assert_true(smb2_info_is_8dot3("A"));
	assert_true(smb2_info_is_8dot3("bufsize.txt"));
	assert_true(smb2_info_is_8dot3("ABCDEFGH.XYZ"));
	assert_true(smb2_info_is_8dot3("README"));
	assert_false(smb2_info_is_8dot3(""));
	assert_false(smb2_info_is_8dot3("."));
	assert_false(smb2_info_is_8dot3(".."));
	assert_false(smb2_info_is_8dot3(".profile"));
	assert_false(smb2_info_is_8dot3("ABCDEFGHI"));
	assert_false(smb2_info_is_8dot3("A.ABCD"));
	assert_false(smb2_info_is_8dot3("A."));
	assert_false(smb2_info_is_8dot3("A.B.C"));
	assert_false(smb2_info_is_8dot3("a b.txt"));
	assert_false(smb2_info_is_8dot3("a+b.txt"));
	assert_false(smb2_info_is_8dot3("caf\xc3\xa9.txt"));
}

static void test_stream(void **state)
{
	struct smb2_info_file f = sample();
	uint8_t name[32];
	size_t n = u16("::$DATA", name);
	struct wr w;

	/* FILE_STREAM_INFORMATION: NextEntryOffset 0, StreamNameLength 4, StreamSize 8,
	 * StreamAllocationSize 16, StreamName 24. */
	assert_int_equal(enc(FileStreamInformation, &f, 65535, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 24 + n);
	assert_int_equal(le32(w.buf), 0);
	assert_int_equal(le32(w.buf + 4), n);
	assert_int_equal(le64(w.buf + 8), 1234);
	assert_int_equal(le64(w.buf + 16), 4096);
	assert_memory_equal(w.buf + 24, name, n);
	wr_free(&w);

	/* Room for the fixed part but not the whole entry: no entry, BUFFER_OVERFLOW. */
	assert_int_equal(enc(FileStreamInformation, &f, 37, &w), STATUS_BUFFER_OVERFLOW);
	assert_int_equal(w.len, 0);
	wr_free(&w);

	/* A directory has no unnamed data stream: an empty, successful answer. */
	f.is_dir = true;
	assert_int_equal(enc(FileStreamInformation, &f, 32, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 0);
	wr_free(&w);
	assert_int_equal(enc(FileStreamInformation, &f, 31, &w), STATUS_INFO_LENGTH_MISMATCH);
	wr_free(&w);
}

static void test_normalized_name(void **state)
{
	struct smb2_info_file f = sample();
	uint8_t name[64];
	size_t n = u16("dir\\bufsize.txt", name);
	struct wr w;

	assert_int_equal(enc(FileNormalizedNameInformation, &f, 65535, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 4 + n);
	assert_int_equal(le32(w.buf), n);
	assert_memory_equal(w.buf + 4, name, n);
	wr_free(&w);

	/* The root: an empty name (smbtorture smb2.getinfo.normalized "should be empty"). */
	f.path = "";
	assert_int_equal(enc(FileNormalizedNameInformation, &f, 8, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 4);
	assert_int_equal(le32(w.buf), 0);
	wr_free(&w);

	/* Only from SMB 3.1.1 on (MS-SMB2 3.3.5.20.1). */
	f.dialect = 0x0302;
	assert_int_equal(enc(FileNormalizedNameInformation, &f, 65535, &w), STATUS_NOT_SUPPORTED);
	assert_int_equal(w.len, 0);
	wr_free(&w);
}

static void test_file_id(void **state)
{
	struct smb2_info_file f = sample();
	struct wr w;

	/* FILE_ID_INFORMATION: VolumeSerialNumber 0 (8), FileId 8 (16). */
	assert_int_equal(enc(FileIdInformation, &f, 24, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 24);
	assert_true(le64(w.buf) == f.volume_serial);
	assert_true(le64(w.buf + 8) == f.file_id);
	assert_int_equal(le64(w.buf + 16), 0);
	wr_free(&w);

	assert_int_equal(enc(FileIdInformation, &f, 23, &w), STATUS_INFO_LENGTH_MISMATCH);
	wr_free(&w);

	f.dialect = 0x0210;
	assert_int_equal(enc(FileIdInformation, &f, 24, &w), STATUS_NOT_SUPPORTED);
	wr_free(&w);
}

static void test_unknown_classes(void **state)
{
	struct smb2_info_file f = sample();
	struct wr w;

	assert_int_equal(enc(0, &f, 65535, &w), STATUS_INVALID_INFO_CLASS);
	wr_free(&w);
	assert_int_equal(enc(30, &f, 65535, &w), STATUS_INVALID_INFO_CLASS);
	wr_free(&w);
	assert_int_equal(enc(200, &f, 65535, &w), STATUS_INVALID_INFO_CLASS);
	wr_free(&w);
	/* Documented in MS-FSCC 2.4, not a QUERY_INFO class (MS-SMB2 3.3.5.20.1). */
	assert_int_equal(enc(FileDirectoryInformation, &f, 65535, &w), STATUS_NOT_SUPPORTED);
	wr_free(&w);
	assert_int_equal(enc(FileNameInformation, &f, 65535, &w), STATUS_NOT_SUPPORTED);
	wr_free(&w);
	assert_int_equal(enc(FileEndOfFileInformation, &f, 65535, &w), STATUS_NOT_SUPPORTED);
	assert_int_equal(w.len, 0);
	wr_free(&w);
	/* No EAs are stored anywhere. */
	assert_int_equal(enc(FileFullEaInformation, &f, 65535, &w), STATUS_NO_EAS_ON_FILE);
	wr_free(&w);
}

/*
 * smbtorture smb2.getinfo.qfile_buffercheck, replayed against the encoder: below the fixed
 * size INFO_LENGTH_MISMATCH with nothing written, then BUFFER_OVERFLOW with at most the
 * buffer's size written until the buffer holds everything, then SUCCESS.
 */
static void buffercheck(uint8_t cls, const struct smb2_info_file *f, size_t fixed)
{
	struct wr w;
	size_t full, i;

	assert_int_equal(enc(cls, f, 65535, &w), STATUS_SUCCESS);
	full = w.len;
	wr_free(&w);

	for (i = 0; i <= full || i < fixed; i++) {
		NTSTATUS st = enc(cls, f, (uint32_t)i, &w);

		if (i < fixed) {
			assert_int_equal(st, STATUS_INFO_LENGTH_MISMATCH);
			assert_int_equal(w.len, 0);
		} else if (i < full) {
			assert_int_equal(st, STATUS_BUFFER_OVERFLOW);
			assert_true(w.len <= i);
		} else {
			assert_int_equal(st, STATUS_SUCCESS);
			assert_int_equal(w.len, full);
		}
		wr_free(&w);
	}
}

static void test_qfile_buffercheck(void **state)
{
	struct smb2_info_file f = sample();

	f.path = "bufsize.txt";
	buffercheck(FileBasicInformation, &f, 40);
	buffercheck(FileStandardInformation, &f, 24);
	buffercheck(FileInternalInformation, &f, 8);
	buffercheck(FileEaInformation, &f, 4);
	buffercheck(FileAccessInformation, &f, 4);
	buffercheck(FileModeInformation, &f, 4);
	buffercheck(FileAlignmentInformation, &f, 4);
	buffercheck(FileAllInformation, &f, 104);
	buffercheck(FileAlternateNameInformation, &f, 8);
	buffercheck(FileStreamInformation, &f, 32);
	buffercheck(FileCompressionInformation, &f, 16);
	buffercheck(FileNetworkOpenInformation, &f, 56);
	buffercheck(FileAttributeTagInformation, &f, 8);
	buffercheck(FilePositionInformation, &f, 8);
	buffercheck(FileNormalizedNameInformation, &f, 8);
	buffercheck(FileIdInformation, &f, 24);
}

static void test_appends_to_existing_writer(void **state)
{
	struct smb2_info_file f = sample();
	struct wr w;

	wr_init(&w, 8);
	wr_bytes(&w, "HDR", 3);
	assert_int_equal(smb2_info_file_encode(FileAllInformation, &f, 104, &w),
			 STATUS_BUFFER_OVERFLOW);
	assert_int_equal(w.len, 3 + 104);
	assert_memory_equal(w.buf, "HDR", 3);
	/* Errors leave the writer as it was. */
	assert_int_equal(smb2_info_file_encode(FileAllInformation, &f, 10, &w),
			 STATUS_INFO_LENGTH_MISMATCH);
	assert_int_equal(w.len, 3 + 104);
	wr_free(&w);
}

static void test_invalid_utf8_path(void **state)
{
	struct smb2_info_file f = sample();
	struct wr w;

	f.path = "bad\xff";
	assert_int_equal(enc(FileAllInformation, &f, 65535, &w), STATUS_OBJECT_NAME_INVALID);
	assert_int_equal(w.len, 0);
	wr_free(&w);
	assert_int_equal(enc(FileNormalizedNameInformation, &f, 65535, &w),
			 STATUS_OBJECT_NAME_INVALID);
	assert_int_equal(w.len, 0);
	wr_free(&w);
}

static void test_documented_classes(void **state)
{
	assert_true(smb2_file_info_class_documented(FileBasicInformation));
	assert_true(smb2_file_info_class_documented(FileShortNameInformation));
	assert_true(smb2_file_info_class_documented(FileNormalizedNameInformation));
	assert_true(smb2_file_info_class_documented(FileIdInformation));
	assert_false(smb2_file_info_class_documented(0));
	assert_false(smb2_file_info_class_documented(30));
	assert_false(smb2_file_info_class_documented(41));
	assert_false(smb2_file_info_class_documented(255));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_layout),
		cmocka_unit_test(test_standard_layout),
		cmocka_unit_test(test_small_fixed_layouts),
		cmocka_unit_test(test_network_open_layout),
		cmocka_unit_test(test_all_layout),
		cmocka_unit_test(test_all_partial_name),
		cmocka_unit_test(test_alternate_name),
		cmocka_unit_test(test_8dot3),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_normalized_name),
		cmocka_unit_test(test_file_id),
		cmocka_unit_test(test_unknown_classes),
		cmocka_unit_test(test_qfile_buffercheck),
		cmocka_unit_test(test_appends_to_existing_writer),
		cmocka_unit_test(test_invalid_utf8_path),
		cmocka_unit_test(test_documented_classes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
