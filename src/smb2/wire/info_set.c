/* SPDX-License-Identifier: Apache-2.0 */
/* SET_INFO file class buffer decoders (MS-FSCC 2.4, sizes and value checks of MS-FSA 2.1.5.15). */
#include "smb2/wire/info_set.h"

#include "core/buf.h"
#include "smb2/wire/info_file.h"

/* FILE_RENAME_INFORMATION_TYPE_2 up to FileName, and its sizeof() with FileName[1]. */
#define RENAME_FIXED 20
#define RENAME_MIN   24

static bool negative(uint64_t v) { return v > (uint64_t)INT64_MAX; }

NTSTATUS smb2_set_basic_decode(const uint8_t *buf, size_t len, struct smb2_set_basic *out)
{
	struct rd r = rd_init(buf, len);
	uint64_t t[4];
	uint32_t attrs;
	int i;

	if (len < 40)
		return STATUS_INFO_LENGTH_MISMATCH;
	for (i = 0; i < 4; i++) {
		if (!rd_u64(&r, &t[i]))
			return STATUS_INFO_LENGTH_MISMATCH;
		/* MS-FSA 2.1.5.15.2: less than -2 is invalid; -1 and -2 are the special values. */
		if (negative(t[i]) && t[i] < SMB2_SET_TIME_RESUME)
			return STATUS_INVALID_PARAMETER;
	}
	if (!rd_u32(&r, &attrs))
		return STATUS_INFO_LENGTH_MISMATCH;
	out->btime = t[0];
	out->atime = t[1];
	out->mtime = t[2];
	out->ctime = t[3];
	out->attrs = attrs;
	return STATUS_SUCCESS;
}

/* A non-negative 64-bit size or offset. */
static NTSTATUS decode_size(const uint8_t *buf, size_t len, uint64_t *v)
{
	struct rd r = rd_init(buf, len);
	uint64_t x;

	if (!rd_u64(&r, &x))
		return STATUS_INFO_LENGTH_MISMATCH;
	if (negative(x))
		return STATUS_INVALID_PARAMETER;
	*v = x;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_set_eof_decode(const uint8_t *buf, size_t len, uint64_t *eof)
{
	return decode_size(buf, len, eof);
}

NTSTATUS smb2_set_allocation_decode(const uint8_t *buf, size_t len, uint64_t *alloc)
{
	return decode_size(buf, len, alloc);
}

NTSTATUS smb2_set_position_decode(const uint8_t *buf, size_t len, uint64_t *pos)
{
	return decode_size(buf, len, pos);
}

NTSTATUS smb2_set_disposition_decode(const uint8_t *buf, size_t len, bool *delete_pending)
{
	struct rd r = rd_init(buf, len);
	uint8_t v;

	if (!rd_u8(&r, &v))
		return STATUS_INFO_LENGTH_MISMATCH;
	*delete_pending = v != 0;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_set_disposition_ex_decode(const uint8_t *buf, size_t len, uint32_t *flags)
{
	const uint32_t valid = FILE_DISPOSITION_DELETE | FILE_DISPOSITION_POSIX_SEMANTICS |
			       FILE_DISPOSITION_FORCE_IMAGE_SECTION_CHECK |
			       FILE_DISPOSITION_ON_CLOSE | FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE;
	struct rd r = rd_init(buf, len);
	uint32_t v;

	if (!rd_u32(&r, &v))
		return STATUS_INFO_LENGTH_MISMATCH;
	if (v & ~valid)
		return STATUS_INVALID_PARAMETER;
	*flags = v;
	return STATUS_SUCCESS;
}

/* The shared tail of the rename/link forms: RootDirectory at 8, FileNameLength at 16, FileName
 * at 20. `flags` is already decoded from the first 4 (or 1) bytes. */
static NTSTATUS decode_rename_tail(const uint8_t *buf, size_t len, uint32_t flags,
				   struct smb2_set_rename *out)
{
	struct rd r = rd_init(buf, len);
	uint64_t root;
	uint32_t name_len;
	const uint8_t *name;

	if (len < RENAME_MIN)
		return STATUS_INFO_LENGTH_MISMATCH;
	if (!rd_seek(&r, 8) || !rd_u64(&r, &root) || !rd_u32(&r, &name_len))
		return STATUS_INFO_LENGTH_MISMATCH;
	/* MS-FSA 2.1.5.15.11: odd or overlong FileNameLength is an invalid parameter. */
	if (name_len % 2 || name_len > rd_left(&r) || !rd_bytes(&r, name_len, &name))
		return STATUS_INVALID_PARAMETER;
	out->flags = flags;
	out->replace_if_exists = (flags & FILE_RENAME_REPLACE_IF_EXISTS) != 0;
	out->root_directory = root;
	out->name = name_len ? name : NULL;
	out->name_len = name_len;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_set_rename_decode(const uint8_t *buf, size_t len, struct smb2_set_rename *out)
{
	/* ReplaceIfExists is a BOOLEAN: any non-zero byte is TRUE; the 7 reserved bytes are
	 * ignored. */
	if (len < RENAME_MIN)
		return STATUS_INFO_LENGTH_MISMATCH;
	return decode_rename_tail(buf, len, buf[0] ? FILE_RENAME_REPLACE_IF_EXISTS : 0, out);
}

NTSTATUS smb2_set_link_decode(const uint8_t *buf, size_t len, struct smb2_set_rename *out)
{
	/* FILE_LINK_INFORMATION_TYPE_2 has the same shape as the rename form. */
	return smb2_set_rename_decode(buf, len, out);
}

NTSTATUS smb2_set_rename_ex_decode(const uint8_t *buf, size_t len, struct smb2_set_rename *out)
{
	struct rd r = rd_init(buf, len);
	uint32_t flags;

	if (len < RENAME_MIN || !rd_u32(&r, &flags))
		return STATUS_INFO_LENGTH_MISMATCH;
	return decode_rename_tail(buf, len, flags, out);
}

NTSTATUS smb2_set_mode_decode(const uint8_t *buf, size_t len, uint32_t *mode)
{
	const uint32_t valid = FILE_MODE_WRITE_THROUGH | FILE_MODE_SEQUENTIAL_ONLY |
			       FILE_MODE_SYNCHRONOUS_IO_ALERT | FILE_MODE_SYNCHRONOUS_IO_NONALERT;
	const uint32_t sync = FILE_MODE_SYNCHRONOUS_IO_ALERT | FILE_MODE_SYNCHRONOUS_IO_NONALERT;
	struct rd r = rd_init(buf, len);
	uint32_t v;

	if (!rd_u32(&r, &v))
		return STATUS_INFO_LENGTH_MISMATCH;
	if ((v & ~valid) || (v & sync) == sync)
		return STATUS_INVALID_PARAMETER;
	*mode = v;
	return STATUS_SUCCESS;
}

NTSTATUS smb2_set_info_file_class_check(uint8_t info_class)
{
	switch (info_class) {
	case FileBasicInformation:
	case FileRenameInformation:
	case FileLinkInformation:
	case FileDispositionInformation:
	case FilePositionInformation:
	case FileModeInformation:
	case FileAllocationInformation:
	case FileEndOfFileInformation:
	case FileDispositionInformationEx:
	case FileRenameInformationEx:
		return STATUS_SUCCESS;
	case FileFullEaInformation:
	case FilePipeInformation:
	case FileQuotaInformation:
	case FileValidDataLengthInformation:
	case FileShortNameInformation:
		/* Settable per MS-FSCC 2.4 but not applied by Skiff. */
		return STATUS_NOT_SUPPORTED;
	default:
		/* MS-SMB2 3.3.5.21.1: query-only, local-only and undocumented classes. */
		return STATUS_INVALID_INFO_CLASS;
	}
}
