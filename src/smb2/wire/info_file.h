/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MS-FSCC 2.4 file information classes: their level numbers, and the encoder for the classes
 * QUERY_INFO (SMB2_0_INFO_FILE) answers. A pure codec: the handler fills struct smb2_info_file
 * from the VFS and this file turns it into bytes with the status Windows gives.
 */
#ifndef SKIFF_WIRE_INFO_FILE_H
#define SKIFF_WIRE_INFO_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"

/* MS-FSCC 2.4 FILE_INFORMATION_CLASS levels (the spec's names, so they can be searched). */
enum smb2_file_info_class {
	FileDirectoryInformation = 1,
	FileFullDirectoryInformation = 2,
	FileBothDirectoryInformation = 3,
	FileBasicInformation = 4,
	FileStandardInformation = 5,
	FileInternalInformation = 6,
	FileEaInformation = 7,
	FileAccessInformation = 8,
	FileNameInformation = 9,
	FileRenameInformation = 10,
	FileLinkInformation = 11,
	FileNamesInformation = 12,
	FileDispositionInformation = 13,
	FilePositionInformation = 14,
	FileFullEaInformation = 15,
	FileModeInformation = 16,
	FileAlignmentInformation = 17,
	FileAllInformation = 18,
	FileAllocationInformation = 19,
	FileEndOfFileInformation = 20,
	FileAlternateNameInformation = 21,
	FileStreamInformation = 22,
	FilePipeInformation = 23,
	FilePipeLocalInformation = 24,
	FilePipeRemoteInformation = 25,
	FileCompressionInformation = 28,
	FileQuotaInformation = 32,
	FileNetworkOpenInformation = 34,
	FileAttributeTagInformation = 35,
	FileIdBothDirectoryInformation = 37,
	FileIdFullDirectoryInformation = 38,
	FileValidDataLengthInformation = 39,
	FileShortNameInformation = 40,
	FileNormalizedNameInformation = 48,
	FileIdInformation = 59,
	FileDispositionInformationEx = 64,
	FileRenameInformationEx = 65,
};

/* SMB2 dialect numbers the encoder needs to gate classes on (MS-SMB2 3.3.5.20.1). */
#define SMB2_INFO_DIALECT_300 0x0300
#define SMB2_INFO_DIALECT_311 0x0311

/*
 * What the file classes report. The handler fills it from struct vfs_meta and the open;
 * the codec applies no file-system semantics of its own. Windows/Samba conventions the
 * handler is expected to have applied already:
 *   - directories: eof = 0, alloc_size = 0, attrs include FILE_ATTRIBUTE_DIRECTORY;
 *   - attrs never 0 (FILE_ATTRIBUTE_NORMAL when nothing else is set);
 *   - nlink: Samba reports 1 for directories and subtracts 1 while delete is pending.
 */
struct smb2_info_file {
	uint64_t btime, atime, mtime, ctime;  /* NT times */
	uint64_t alloc_size;                  /* AllocationSize */
	uint64_t eof;                         /* EndOfFile */
	uint32_t attrs;                       /* FILE_ATTRIBUTE_* */
	uint32_t nlink;                       /* NumberOfLinks */
	bool delete_pending;
	bool is_dir;
	uint64_t file_id;                     /* IndexNumber; FileId of FileIdInformation */
	uint64_t volume_serial;               /* FileIdInformation.VolumeSerialNumber */
	uint32_t access;                      /* the open's granted access (FileAccessInformation) */
	uint32_t ea_size;                     /* EaSize of FileAllInformation (FILE_EA_INFORMATION) */
	uint64_t position;                    /* CurrentByteOffset (MS-SMB2 3.3.5.20.1 says SHOULD be 0;
						 Samba reports the stored value) */
	uint32_t mode;                        /* FileModeInformation.Mode */
	uint32_t reparse_tag;                 /* FileAttributeTagInformation; 0 without reparse points */
	/* Share-relative UTF-8 path, '/'-separated, "" for the share root, in on-disk case.
	 * FileAllInformation sends "\" + path, FileNormalizedNameInformation the bare path,
	 * FileAlternateNameInformation the last component when it already is a valid 8.3 name. */
	const char *path;
	uint16_t dialect;                     /* Connection.Dialect, e.g. 0x0311 */
};

/*
 * Append the info_class structure for `src` to w, never more than output_buffer_length bytes.
 * Returns, as Windows does (MS-FSA 2.1.5.12; smbtorture smb2.getinfo.qfile_buffercheck):
 *   STATUS_SUCCESS          — everything written;
 *   STATUS_BUFFER_OVERFLOW  — variable-length class cut short: the fixed part and as much of the
 *                             name as fits (whole UTF-16 units; whole stream entries) are written,
 *                             length fields still give the full length. The response still
 *                             carries the data (MS-SMB2 3.3.5.20);
 *   STATUS_INFO_LENGTH_MISMATCH — buffer smaller than the class's minimum (nothing written);
 *   STATUS_NOT_SUPPORTED    — documented in MS-FSCC 2.4 but not answered over SMB2 (including
 *                             FileNormalizedNameInformation before 3.1.1 and FileIdInformation
 *                             before 3.0), nothing written;
 *   STATUS_INVALID_INFO_CLASS — not a documented class;
 *   STATUS_OBJECT_NAME_NOT_FOUND — FileAlternateNameInformation for a file without an 8.3 name;
 *   STATUS_NO_EAS_ON_FILE   — FileFullEaInformation: Skiff stores no EAs, so every file has none
 *                             (EA lists themselves are out of scope for this codec);
 *   STATUS_OBJECT_NAME_INVALID — path is not valid UTF-8;
 *   STATUS_NO_MEMORY        — the writer failed.
 * Minimum sizes: Basic 40, Standard 24, Internal 8, Ea 4, Access 4, Position 8, Mode 4,
 * Alignment 4, All 104, AlternateName 8, Stream 32, Compression 16, NetworkOpen 56,
 * AttributeTag 8, NormalizedName 8, Id 24.
 */
NTSTATUS smb2_info_file_encode(uint8_t info_class, const struct smb2_info_file *src,
			       uint32_t output_buffer_length, struct wr *w);

/* True if the UTF-8 name is already a legal 8.3 name (then it is its own short name, as Samba
 * answers); Skiff generates no mangled short names. */
bool smb2_info_is_8dot3(const char *name);

/* True if `level` is a file information class documented in MS-FSCC 2.4 (used to choose between
 * STATUS_NOT_SUPPORTED and STATUS_INVALID_INFO_CLASS, MS-SMB2 3.3.5.20.1 and 3.3.5.21.1). */
bool smb2_file_info_class_documented(uint8_t level);

#endif
