/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/smb2/wire/info_fs.c: MS-FSCC 2.5 layouts of every file system class and the
 * buffer sizes smbtorture's smb2.getinfo.qfs_buffercheck expects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "smb2/wire/info_fs.h"

static struct smb2_info_fs sample(void)
{
	return (struct smb2_info_fs){
		.volume_ctime = 0x01D0000000000000ull,
		.volume_serial = 0x1122334455667788ull,
		.volume_label = "share",
		.total_units = 1000000,
		.caller_avail_units = 250000,
		.actual_avail_units = 300000,
		.sectors_per_unit = 8,
		.bytes_per_sector = 512,
		.fs_attributes = SMB2_FS_ATTRIBUTES_DEFAULT,
		.max_name_len = 255,
		.fs_name = "NTFS",
		.read_only = false,
	};
}

static NTSTATUS enc(uint8_t cls, const struct smb2_info_fs *s, uint32_t max, struct wr *w)
{
	wr_init(w, 16);
	return smb2_info_fs_encode(cls, s, max, w);
}

static size_t u16(const char *s, uint8_t *out)
{
	size_t n = 0;

	for (; *s; s++) {
		out[n++] = (uint8_t)*s;
		out[n++] = 0;
	}
	return n;
}

static void test_volume_layout(void **state)
{
	struct smb2_info_fs s = sample();
	uint8_t label[16];
	size_t n = u16("share", label);
	struct wr w;

	/* FILE_FS_VOLUME_INFORMATION: VolumeCreationTime 0, VolumeSerialNumber 8,
	 * VolumeLabelLength 12, SupportsObjects 16, Reserved 17, VolumeLabel 18. */
	assert_int_equal(enc(FileFsVolumeInformation, &s, 65535, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 18 + n);
	assert_true(le64(w.buf) == s.volume_ctime);
	assert_int_equal(le32(w.buf + 8), 0x55667788);
	assert_int_equal(le32(w.buf + 12), n);
	assert_int_equal(w.buf[16], 0);
	assert_int_equal(w.buf[17], 0);
	assert_memory_equal(w.buf + 18, label, n);
	wr_free(&w);

	/* Partial label: cut to the buffer, length field still the full length. */
	assert_int_equal(enc(FileFsVolumeInformation, &s, 24, &w), STATUS_BUFFER_OVERFLOW);
	assert_int_equal(w.len, 24);
	assert_int_equal(le32(w.buf + 12), n);
	assert_memory_equal(w.buf + 18, label, 6);
	wr_free(&w);

	/* An empty label: 18 bytes, still under the 24-byte minimum for smaller buffers. */
	s.volume_label = "";
	assert_int_equal(enc(FileFsVolumeInformation, &s, 24, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 18);
	assert_int_equal(le32(w.buf + 12), 0);
	wr_free(&w);
	assert_int_equal(enc(FileFsVolumeInformation, &s, 18, &w), STATUS_INFO_LENGTH_MISMATCH);
	wr_free(&w);
}

static void test_volume_label_cap(void **state)
{
	struct smb2_info_fs s = sample();
	char label[80];
	struct wr w;

	memset(label, 'x', 40);
	label[40] = '\0';
	s.volume_label = label;
	assert_int_equal(enc(FileFsVolumeInformation, &s, 65535, &w), STATUS_SUCCESS);
	assert_int_equal(le32(w.buf + 12), 64);
	assert_int_equal(w.len, 18 + 64);
	wr_free(&w);

	/* 31 ASCII characters then a character outside the BMP: the pair would end at unit 33,
	 * so it is dropped whole rather than split. */
	memset(label, 'y', 31);
	memcpy(label + 31, "\xf0\x9f\x98\x80", 5);
	assert_int_equal(enc(FileFsVolumeInformation, &s, 65535, &w), STATUS_SUCCESS);
	assert_int_equal(le32(w.buf + 12), 62);
	wr_free(&w);
}

static void test_size_layouts(void **state)
{
	struct smb2_info_fs s = sample();
	struct wr w;

	/* FILE_FS_SIZE_INFORMATION: TotalAllocationUnits 0, AvailableAllocationUnits 8,
	 * SectorsPerAllocationUnit 16, BytesPerSector 20. */
	assert_int_equal(enc(FileFsSizeInformation, &s, 24, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 24);
	assert_int_equal(le64(w.buf), 1000000);
	assert_int_equal(le64(w.buf + 8), 250000);
	assert_int_equal(le32(w.buf + 16), 8);
	assert_int_equal(le32(w.buf + 20), 512);
	wr_free(&w);

	/* FILE_FS_FULL_SIZE_INFORMATION: Total 0, CallerAvailable 8, ActualAvailable 16,
	 * SectorsPerAllocationUnit 24, BytesPerSector 28. */
	assert_int_equal(enc(FileFsFullSizeInformation, &s, 32, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 32);
	assert_int_equal(le64(w.buf), 1000000);
	assert_int_equal(le64(w.buf + 8), 250000);
	assert_int_equal(le64(w.buf + 16), 300000);
	assert_int_equal(le32(w.buf + 24), 8);
	assert_int_equal(le32(w.buf + 28), 512);
	wr_free(&w);
}

static void test_device_layout(void **state)
{
	struct smb2_info_fs s = sample();
	struct wr w;

	assert_int_equal(enc(FileFsDeviceInformation, &s, 8, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 8);
	assert_int_equal(le32(w.buf), FILE_DEVICE_DISK);
	assert_int_equal(le32(w.buf + 4), FILE_DEVICE_IS_MOUNTED);
	wr_free(&w);

	s.read_only = true;
	assert_int_equal(enc(FileFsDeviceInformation, &s, 8, &w), STATUS_SUCCESS);
	assert_int_equal(le32(w.buf + 4), FILE_DEVICE_IS_MOUNTED | FILE_READ_ONLY_DEVICE);
	wr_free(&w);
}

static void test_attribute_layout(void **state)
{
	struct smb2_info_fs s = sample();
	uint8_t name[16];
	size_t n = u16("NTFS", name);
	struct wr w;

	/* FILE_FS_ATTRIBUTE_INFORMATION: FileSystemAttributes 0, MaximumComponentNameLength 4,
	 * FileSystemNameLength 8, FileSystemName 12. */
	assert_int_equal(enc(FileFsAttributeInformation, &s, 65535, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 12 + n);
	assert_int_equal(le32(w.buf), FILE_CASE_PRESERVED_NAMES | FILE_UNICODE_ON_DISK |
					  FILE_PERSISTENT_ACLS | FILE_NAMED_STREAMS |
					  FILE_SUPPORTS_EXTENDED_ATTRIBUTES);
	assert_int_equal(le32(w.buf + 4), 255);
	assert_int_equal(le32(w.buf + 8), n);
	assert_memory_equal(w.buf + 12, name, n);
	wr_free(&w);

	/* 16 bytes: "NT" of "NTFS", BUFFER_OVERFLOW, length 8 kept (MS-FSA 2.1.5.13.5). */
	assert_int_equal(enc(FileFsAttributeInformation, &s, 16, &w), STATUS_BUFFER_OVERFLOW);
	assert_int_equal(w.len, 16);
	assert_int_equal(le32(w.buf + 8), 8);
	assert_memory_equal(w.buf + 12, name, 4);
	wr_free(&w);
}

static void test_control_layout(void **state)
{
	struct smb2_info_fs s = sample();
	struct wr w;

	/* FILE_FS_CONTROL_INFORMATION: 3 filtering values, DefaultQuotaThreshold 24,
	 * DefaultQuotaLimit 32, FileSystemControlFlags 40, padding to 48. */
	assert_int_equal(enc(FileFsControlInformation, &s, 48, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 48);
	assert_int_equal(le64(w.buf), 0);
	assert_int_equal(le64(w.buf + 8), 0);
	assert_int_equal(le64(w.buf + 16), 0);
	assert_true(le64(w.buf + 24) == UINT64_MAX);
	assert_true(le64(w.buf + 32) == UINT64_MAX);
	assert_int_equal(le32(w.buf + 40), 0);
	assert_int_equal(le32(w.buf + 44), 0);
	wr_free(&w);
}

static void test_object_id_layout(void **state)
{
	struct smb2_info_fs s = sample();
	uint8_t zero[56] = { 0 };
	struct wr w;

	/* FILE_FS_OBJECTID_INFORMATION: ObjectId (16), ExtendedInfo (48). */
	assert_int_equal(enc(FileFsObjectIdInformation, &s, 64, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 64);
	assert_true(le64(w.buf) == s.volume_serial);
	assert_memory_equal(w.buf + 8, zero, 56);
	wr_free(&w);

	/* MS-FSA 2.1.5.13.8: smaller than the structure is INFO_LENGTH_MISMATCH. */
	assert_int_equal(enc(FileFsObjectIdInformation, &s, 63, &w), STATUS_INFO_LENGTH_MISMATCH);
	assert_int_equal(w.len, 0);
	wr_free(&w);
}

static void test_sector_size_layout(void **state)
{
	struct smb2_info_fs s = sample();
	struct wr w;
	int i;

	/* FILE_FS_SECTOR_SIZE_INFORMATION: four sector sizes 0..15, Flags 16,
	 * ByteOffsetForSectorAlignment 20, ByteOffsetForPartitionAlignment 24. */
	assert_int_equal(enc(FileFsSectorSizeInformation, &s, 28, &w), STATUS_SUCCESS);
	assert_int_equal(w.len, 28);
	for (i = 0; i < 4; i++)
		assert_int_equal(le32(w.buf + 4 * i), 512);
	assert_int_equal(le32(w.buf + 16), SSINFO_FLAGS_ALIGNED_DEVICE |
					   SSINFO_FLAGS_PARTITION_ALIGNED_ON_DEVICE);
	assert_int_equal(le32(w.buf + 20), 0);
	assert_int_equal(le32(w.buf + 24), 0);
	wr_free(&w);
}

static void test_unknown_classes(void **state)
{
	struct smb2_info_fs s = sample();
	struct wr w;

	assert_int_equal(enc(0, &s, 65535, &w), STATUS_INVALID_INFO_CLASS);
	wr_free(&w);
	assert_int_equal(enc(12, &s, 65535, &w), STATUS_INVALID_INFO_CLASS);
	wr_free(&w);
	assert_int_equal(enc(FileFsLabelInformation, &s, 65535, &w), STATUS_NOT_SUPPORTED);
	wr_free(&w);
	assert_int_equal(enc(FileFsDriverPathInformation, &s, 65535, &w), STATUS_NOT_SUPPORTED);
	wr_free(&w);
	assert_int_equal(enc(FileFsVolumeFlagsInformation, &s, 65535, &w), STATUS_NOT_SUPPORTED);
	assert_int_equal(w.len, 0);
	wr_free(&w);
}

/* smbtorture smb2.getinfo.qfs_buffercheck, replayed against the encoder. */
static void buffercheck(uint8_t cls, const struct smb2_info_fs *s, size_t fixed)
{
	struct wr w;
	size_t full, i;

	assert_int_equal(enc(cls, s, 65535, &w), STATUS_SUCCESS);
	full = w.len;
	wr_free(&w);

	for (i = 0; i <= full || i < fixed; i++) {
		NTSTATUS st = enc(cls, s, (uint32_t)i, &w);

		if (i < fixed) {
			assert_int_equal(st, STATUS_INFO_LENGTH_MISMATCH);
			assert_int_equal(w.len, 0);
		} else if (i < full) {
			assert_int_equal(st, STATUS_BUFFER_OVERFLOW);
			assert_int_equal(w.len, i);
		} else {
			assert_int_equal(st, STATUS_SUCCESS);
			assert_int_equal(w.len, full);
		}
		wr_free(&w);
	}
}

static void test_qfs_buffercheck(void **state)
{
	struct smb2_info_fs s = sample();

	buffercheck(FileFsVolumeInformation, &s, 24);
	buffercheck(FileFsSizeInformation, &s, 24);
	buffercheck(FileFsDeviceInformation, &s, 8);
	buffercheck(FileFsAttributeInformation, &s, 16);
	buffercheck(FileFsControlInformation, &s, 48);
	buffercheck(FileFsFullSizeInformation, &s, 32);
	buffercheck(FileFsObjectIdInformation, &s, 64);
	buffercheck(FileFsSectorSizeInformation, &s, 28);
}

static void test_invalid_utf8(void **state)
{
	struct smb2_info_fs s = sample();
	struct wr w;

	s.volume_label = "\xc3";
	assert_int_equal(enc(FileFsVolumeInformation, &s, 65535, &w), STATUS_OBJECT_NAME_INVALID);
	assert_int_equal(w.len, 0);
	wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_volume_layout),
		cmocka_unit_test(test_volume_label_cap),
		cmocka_unit_test(test_size_layouts),
		cmocka_unit_test(test_device_layout),
		cmocka_unit_test(test_attribute_layout),
		cmocka_unit_test(test_control_layout),
		cmocka_unit_test(test_object_id_layout),
		cmocka_unit_test(test_sector_size_layout),
		cmocka_unit_test(test_unknown_classes),
		cmocka_unit_test(test_qfs_buffercheck),
		cmocka_unit_test(test_invalid_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
