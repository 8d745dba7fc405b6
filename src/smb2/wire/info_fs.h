/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MS-FSCC 2.5 file system information classes: level numbers, attribute and device constants,
 * and the QUERY_INFO (SMB2_0_INFO_FILESYSTEM) encoder. The handler fills struct smb2_info_fs
 * from vfs_statfs and the share.
 */
#ifndef SKIFF_WIRE_INFO_FS_H
#define SKIFF_WIRE_INFO_FS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"

/* MS-FSCC 2.5 FS_INFORMATION_CLASS levels. */
enum smb2_fs_info_class {
	FileFsVolumeInformation = 1,
	FileFsLabelInformation = 2,
	FileFsSizeInformation = 3,
	FileFsDeviceInformation = 4,
	FileFsAttributeInformation = 5,
	FileFsControlInformation = 6,
	FileFsFullSizeInformation = 7,
	FileFsObjectIdInformation = 8,
	FileFsDriverPathInformation = 9,
	FileFsVolumeFlagsInformation = 10,
	FileFsSectorSizeInformation = 11,
};

/* FileSystemAttributes (MS-FSCC 2.5.1) */
#define FILE_CASE_SENSITIVE_SEARCH        0x00000001u
#define FILE_CASE_PRESERVED_NAMES         0x00000002u
#define FILE_UNICODE_ON_DISK              0x00000004u
#define FILE_PERSISTENT_ACLS              0x00000008u
#define FILE_FILE_COMPRESSION             0x00000010u
#define FILE_VOLUME_QUOTAS                0x00000020u
#define FILE_SUPPORTS_SPARSE_FILES        0x00000040u
#define FILE_SUPPORTS_REPARSE_POINTS      0x00000080u
#define FILE_SUPPORTS_REMOTE_STORAGE      0x00000100u
#define FILE_VOLUME_IS_COMPRESSED         0x00008000u
#define FILE_SUPPORTS_OBJECT_IDS          0x00010000u
#define FILE_SUPPORTS_ENCRYPTION          0x00020000u
#define FILE_NAMED_STREAMS                0x00040000u
#define FILE_READ_ONLY_VOLUME             0x00080000u
#define FILE_SEQUENTIAL_WRITE_ONCE        0x00100000u
#define FILE_SUPPORTS_TRANSACTIONS        0x00200000u
#define FILE_SUPPORTS_HARD_LINKS          0x00400000u
#define FILE_SUPPORTS_EXTENDED_ATTRIBUTES 0x00800000u
#define FILE_SUPPORTS_OPEN_BY_FILE_ID     0x01000000u
#define FILE_SUPPORTS_USN_JOURNAL         0x02000000u

/*
 * What Skiff claims: names keep their case, are Unicode, ACLs persist (the core issue requires
 * it), and files have named streams (user xattrs, docs/VFS.md). Not claimed: case-sensitive search
 * (lookups are case-insensitive only), sparse files, object ids, reparse points; EAs are kept
 * (user xattrs), so FILE_SUPPORTS_EXTENDED_ATTRIBUTES is.
 */
#define SMB2_FS_ATTRIBUTES_DEFAULT \
	(FILE_CASE_PRESERVED_NAMES | FILE_UNICODE_ON_DISK | FILE_PERSISTENT_ACLS | FILE_NAMED_STREAMS | \
	 FILE_SUPPORTS_EXTENDED_ATTRIBUTES)

/* DeviceType and Characteristics (MS-FSCC 2.5.10) */
#define FILE_DEVICE_CD_ROM      0x00000002u
#define FILE_DEVICE_DISK        0x00000007u
#define FILE_REMOVABLE_MEDIA    0x00000001u
#define FILE_READ_ONLY_DEVICE   0x00000002u
#define FILE_FLOPPY_DISKETTE    0x00000004u
#define FILE_WRITE_ONCE_MEDIA   0x00000008u
#define FILE_REMOTE_DEVICE      0x00000010u
#define FILE_DEVICE_IS_MOUNTED  0x00000020u
#define FILE_VIRTUAL_VOLUME     0x00000040u

/* FileFsSectorSizeInformation.Flags (MS-FSCC 2.5, FILE_FS_SECTOR_SIZE_INFORMATION) */
#define SSINFO_FLAGS_ALIGNED_DEVICE              0x00000001u
#define SSINFO_FLAGS_PARTITION_ALIGNED_ON_DEVICE 0x00000002u
#define SSINFO_FLAGS_NO_SEEK_PENALTY             0x00000004u
#define SSINFO_FLAGS_TRIM_ENABLED                0x00000008u

struct smb2_info_fs {
	uint64_t volume_ctime;       /* NT time */
	uint64_t volume_serial;      /* FileFsVolumeInformation sends the low 32 bits;
					FileFsObjectIdInformation's ObjectId is derived from all 64 */
	const char *volume_label;    /* UTF-8; Samba sends the share name. At most 32 UTF-16
					units are sent (MAXIMUM_VOLUME_LABEL_LENGTH) */
	uint64_t total_units;        /* allocation units */
	uint64_t caller_avail_units; /* available to the caller (statvfs f_bavail) */
	uint64_t actual_avail_units; /* free on the volume (f_bfree) */
	uint32_t sectors_per_unit;
	uint32_t bytes_per_sector;
	uint32_t fs_attributes;      /* SMB2_FS_ATTRIBUTES_DEFAULT */
	uint32_t max_name_len;       /* MaximumComponentNameLength: 255 */
	const char *fs_name;         /* "NTFS" */
	bool read_only;              /* adds FILE_READ_ONLY_DEVICE */
};

/*
 * Append the info_class structure, at most output_buffer_length bytes. Statuses as
 * smb2_info_file_encode: SUCCESS; BUFFER_OVERFLOW (Volume and Attribute classes with the label /
 * name cut to what fits, length field unchanged — MS-FSA 2.1.5.13.1, 2.1.5.13.5);
 * INFO_LENGTH_MISMATCH below the minimum — Volume 24, Size 24, Device 8, Attribute 16,
 * Control 48, FullSize 32, ObjectId 64, SectorSize 28 (smbtorture qfs_buffercheck);
 * NOT_SUPPORTED for documented classes not answered over SMB2 (Label, DriverPath, VolumeFlags,
 * MS-SMB2 3.3.5.20.2); INVALID_INFO_CLASS otherwise; OBJECT_NAME_INVALID for invalid UTF-8;
 * NO_MEMORY.
 */
NTSTATUS smb2_info_fs_encode(uint8_t info_class, const struct smb2_info_fs *src,
			     uint32_t output_buffer_length, struct wr *w);

#endif
