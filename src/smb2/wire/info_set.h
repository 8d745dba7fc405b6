/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SET_INFO (SMB2_0_INFO_FILE) buffer decoders: every class Skiff applies, bounds-checked, with
 * the status Windows gives for a malformed buffer. Semantics (which open may do what, directory
 * checks, name resolution) stay with the handler.
 */
#ifndef SKIFF_WIRE_INFO_SET_H
#define SKIFF_WIRE_INFO_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ntstatus.h"

/* Special values of the FILE_BASIC_INFORMATION times when set (MS-FSCC 2.4.7). */
#define SMB2_SET_TIME_LEAVE   0u                 /* do not change */
#define SMB2_SET_TIME_FREEZE  UINT64_MAX         /* -1: stop updating on this handle */
#define SMB2_SET_TIME_RESUME  (UINT64_MAX - 1)   /* -2: resume updating */

/* FileModeInformation.Mode bits (MS-FSCC FILE_MODE_INFORMATION) */
#define FILE_MODE_WRITE_THROUGH             0x00000002u
#define FILE_MODE_SEQUENTIAL_ONLY           0x00000004u
#define FILE_MODE_NO_INTERMEDIATE_BUFFERING 0x00000008u
#define FILE_MODE_SYNCHRONOUS_IO_ALERT      0x00000010u
#define FILE_MODE_SYNCHRONOUS_IO_NONALERT   0x00000020u
#define FILE_MODE_DELETE_ON_CLOSE           0x00001000u

/* FILE_DISPOSITION_INFORMATION_EX.Flags */
#define FILE_DISPOSITION_DO_NOT_DELETE             0x00000000u
#define FILE_DISPOSITION_DELETE                    0x00000001u
#define FILE_DISPOSITION_POSIX_SEMANTICS           0x00000002u
#define FILE_DISPOSITION_FORCE_IMAGE_SECTION_CHECK 0x00000004u
#define FILE_DISPOSITION_ON_CLOSE                  0x00000008u
#define FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE 0x00000010u

/* FILE_RENAME_INFORMATION_EX.Flags */
#define FILE_RENAME_REPLACE_IF_EXISTS                    0x00000001u
#define FILE_RENAME_POSIX_SEMANTICS                      0x00000002u
#define FILE_RENAME_SUPPRESS_PIN_STATE_INHERITANCE       0x00000004u
#define FILE_RENAME_SUPPRESS_STORAGE_RESERVE_INHERITANCE 0x00000008u
#define FILE_RENAME_NO_INCREASE_AVAILABLE_SPACE          0x00000010u
#define FILE_RENAME_NO_DECREASE_AVAILABLE_SPACE          0x00000020u
#define FILE_RENAME_IGNORE_READONLY_ATTRIBUTE            0x00000040u
#define FILE_RENAME_FORCE_RESIZE_TARGET_SR               0x00000080u
#define FILE_RENAME_FORCE_RESIZE_SOURCE_SR               0x00000100u

/*
 * All decoders take the SET_INFO Buffer (buf, len) and return:
 *   STATUS_SUCCESS;
 *   STATUS_INFO_LENGTH_MISMATCH — len below the structure's size (MS-FSA 2.1.5.15.x "If
 *     InputBufferSize is less than sizeof(...)"); longer buffers are accepted and the tail
 *     ignored, as Windows does;
 *   STATUS_INVALID_PARAMETER — a field value Windows rejects before looking at the file
 *     (listed per decoder).
 * Nothing is written to *out unless STATUS_SUCCESS is returned.
 */

/* FileBasicInformation (40 bytes). Times are raw: 0 leave, -1 freeze, -2 resume (see above);
 * a time below -2 (as a signed value) is STATUS_INVALID_PARAMETER (MS-FSA 2.1.5.15.2).
 * attrs 0 means "leave"; the directory/temporary checks against the open are the handler's. */
struct smb2_set_basic {
	uint64_t btime, atime, mtime, ctime;
	uint32_t attrs;
};
NTSTATUS smb2_set_basic_decode(const uint8_t *buf, size_t len, struct smb2_set_basic *out);

/* FileEndOfFileInformation / FileAllocationInformation (8 bytes): a negative size is
 * STATUS_INVALID_PARAMETER (beyond any maximum file size, MS-FSA 2.1.5.15.4 / .1). */
NTSTATUS smb2_set_eof_decode(const uint8_t *buf, size_t len, uint64_t *eof);
NTSTATUS smb2_set_allocation_decode(const uint8_t *buf, size_t len, uint64_t *alloc);

/* FileDispositionInformation (1 byte, DeletePending: any non-zero is TRUE). */
NTSTATUS smb2_set_disposition_decode(const uint8_t *buf, size_t len, bool *delete_pending);

/* FileDispositionInformationEx (4 bytes of FILE_DISPOSITION_* flags; undefined bits are
 * STATUS_INVALID_PARAMETER). */
NTSTATUS smb2_set_disposition_ex_decode(const uint8_t *buf, size_t len, uint32_t *flags);

/*
 * FileRenameInformation / FileLinkInformation in their SMB2 form (FILE_RENAME_INFORMATION_TYPE_2:
 * ReplaceIfExists u8, 7 reserved, RootDirectory u64, FileNameLength u32, FileName) and
 * FileRenameInformationEx (Flags u32, 4 reserved, then the same). The buffer must hold
 * sizeof(FILE_RENAME_INFORMATION_TYPE_2) = 24 bytes (MS-SMB2 3.3.5.21.1; Windows 10 enforces 24,
 * see Samba bug 14403), else STATUS_INFO_LENGTH_MISMATCH. An odd FileNameLength or one running
 * past the buffer is STATUS_INVALID_PARAMETER. `name` points into buf (UTF-16LE, not converted,
 * for vfs_path_from_wire); name_len may be 0 — the handler decides what an empty target means.
 * RootDirectory is passed through: MS-FSCC says it MUST be zero for network operations.
 */
struct smb2_set_rename {
	uint32_t flags;            /* Ex: FILE_RENAME_*; plain: FILE_RENAME_REPLACE_IF_EXISTS or 0 */
	bool replace_if_exists;
	uint64_t root_directory;
	const uint8_t *name;
	uint32_t name_len;         /* bytes */
};
NTSTATUS smb2_set_rename_decode(const uint8_t *buf, size_t len, struct smb2_set_rename *out);
NTSTATUS smb2_set_rename_ex_decode(const uint8_t *buf, size_t len, struct smb2_set_rename *out);
NTSTATUS smb2_set_link_decode(const uint8_t *buf, size_t len, struct smb2_set_rename *out);

/* FilePositionInformation (8 bytes): a negative offset is STATUS_INVALID_PARAMETER
 * (MS-FSA 2.1.5.15.9). */
NTSTATUS smb2_set_position_decode(const uint8_t *buf, size_t len, uint64_t *pos);

/* FileModeInformation (4 bytes): bits other than WRITE_THROUGH, SEQUENTIAL_ONLY,
 * SYNCHRONOUS_IO_ALERT, SYNCHRONOUS_IO_NONALERT, or both SYNCHRONOUS flags together, are
 * STATUS_INVALID_PARAMETER (MS-FSA 2.1.5.15.7). The checks against the open's own mode are the
 * handler's. */
NTSTATUS smb2_set_mode_decode(const uint8_t *buf, size_t len, uint32_t *mode);

/*
 * Which status a SET_INFO of this file class gets before any decoding (MS-SMB2 3.3.5.21.1):
 * STATUS_SUCCESS for the classes above; STATUS_NOT_SUPPORTED for classes MS-FSCC documents as
 * settable that Skiff does not apply (FileFullEaInformation, FilePipeInformation,
 * FileValidDataLengthInformation, FileShortNameInformation, FileQuotaInformation);
 * STATUS_INVALID_INFO_CLASS for query-only, local-only or unknown classes.
 */
NTSTATUS smb2_set_info_file_class_check(uint8_t info_class);

#endif
