/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QUERY_INFO file information classes (MS-FSCC 2.4): byte layouts, minimum buffer sizes and the
 * truncation rules of MS-FSA 2.1.5.12 for the variable-length ones.
 */
#include "smb2/wire/info_file.h"

#include <string.h>

#include "core/utf16.h"

/* How a class answers a buffer that holds its fixed part but not all of it. */
enum trunc {
	TRUNC_NONE,   /* fixed size: the minimum is the whole structure */
	TRUNC_NAME,   /* ends in FILE_NAME_INFORMATION: cut the name at a whole UTF-16 unit */
	TRUNC_ENTRY,  /* list of entries: only whole entries (FileStreamInformation) */
};

struct file_class {
	uint8_t level;
	uint32_t min;   /* smaller buffer: STATUS_INFO_LENGTH_MISMATCH */
	enum trunc trunc;
	/* Offset of FileNameLength for TRUNC_NAME classes. */
	uint32_t name_len_off;
};

/*
 * Minimum sizes are sizeof() of the Windows structure, i.e. the fixed part with FileName[1]
 * rounded up to the structure's alignment: that is what smbtorture's qfile_buffercheck expects
 * (Basic 40 ... All 104, AlternateName 8, Stream 32) and what MS-FSA states as
 * BlockAlign(FieldOffset(FileName) + 2, ...) for the name classes.
 */
static const struct file_class file_classes[] = {
	{ FileBasicInformation, 40, TRUNC_NONE, 0 },
	{ FileStandardInformation, 24, TRUNC_NONE, 0 },
	{ FileInternalInformation, 8, TRUNC_NONE, 0 },
	{ FileEaInformation, 4, TRUNC_NONE, 0 },
	{ FileAccessInformation, 4, TRUNC_NONE, 0 },
	{ FilePositionInformation, 8, TRUNC_NONE, 0 },
	{ FileModeInformation, 4, TRUNC_NONE, 0 },
	{ FileAlignmentInformation, 4, TRUNC_NONE, 0 },
	{ FileAllInformation, 104, TRUNC_NAME, 96 },
	{ FileAlternateNameInformation, 8, TRUNC_NAME, 0 },
	{ FileStreamInformation, 32, TRUNC_ENTRY, 0 },
	{ FileCompressionInformation, 16, TRUNC_NONE, 0 },
	{ FileNetworkOpenInformation, 56, TRUNC_NONE, 0 },
	{ FileAttributeTagInformation, 8, TRUNC_NONE, 0 },
	{ FileNormalizedNameInformation, 8, TRUNC_NAME, 0 },
	{ FileIdInformation, 24, TRUNC_NONE, 0 },
};

/* MS-FSCC 2.4 table of file information classes (Query, Set or LOCAL). */
bool smb2_file_info_class_documented(uint8_t level)
{
	if (level >= 1 && level <= 40)
		return level != 30;  /* FileCompletionInformation is not in MS-FSCC */
	switch (level) {
	case 44: case 45: case 46: case 48: case 50: case 54: case 59: case 60:
	case 64: case 65: case 78: case 79: case 80: case 81:
		return true;
	default:
		return false;
	}
}

bool smb2_info_is_8dot3(const char *name)
{
	/* MS-FSCC 2.1.5.2.1: 1-8 character base, optional '.' and 1-3 character extension, ASCII
	 * without the characters DOS forbids. "." and ".." are not names that get a short name. */
	static const char bad[] = "\"*+,/:;<=>?[\\]| .";
	size_t base = 0, ext = 0;
	bool dot = false;
	const char *p;

	for (p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '.') {
			if (dot || base == 0)
				return false;
			dot = true;
			continue;
		}
		if (c < 0x21 || c > 0x7E || strchr(bad, c))
			return false;
		if (dot)
			ext++;
		else
			base++;
	}
	if (base == 0 || base > 8)
		return false;
	if (dot && (ext == 0 || ext > 3))
		return false;
	return true;
}

/* Append `s` (UTF-8) as UTF-16LE with '/' turned into '\'; returns false on invalid UTF-8. */
static bool put_path16(struct wr *w, const char *s)
{
	size_t start = w->len, i;

	if (!utf8_to_utf16le(w, s))
		return false;
	if (w->failed)
		return true;
	for (i = start; i + 1 < w->len; i += 2) {
		if (w->buf[i] == '/' && w->buf[i + 1] == 0)
			w->buf[i] = '\\';
	}
	return true;
}

static void put_basic(struct wr *w, const struct smb2_info_file *f)
{
	/* MS-FSCC FILE_BASIC_INFORMATION */
	wr_u64(w, f->btime);
	wr_u64(w, f->atime);
	wr_u64(w, f->mtime);
	wr_u64(w, f->ctime);
	wr_u32(w, f->attrs);
	wr_u32(w, 0);  /* Reserved */
}

static void put_standard(struct wr *w, const struct smb2_info_file *f)
{
	/* MS-FSCC FILE_STANDARD_INFORMATION */
	wr_u64(w, f->alloc_size);
	wr_u64(w, f->eof);
	wr_u32(w, f->nlink);
	wr_u8(w, f->delete_pending ? 1 : 0);
	wr_u8(w, f->is_dir ? 1 : 0);
	wr_u16(w, 0);  /* Reserved */
}

/* FILE_NAME_INFORMATION (MS-FSCC 2.1.7): FileNameLength, then the name. */
static NTSTATUS put_name_info(struct wr *w, const char *prefix, const char *path)
{
	size_t len_off = w->len, start;

	wr_u32(w, 0);
	start = w->len;
	if (prefix && !put_path16(w, prefix))
		return STATUS_OBJECT_NAME_INVALID;
	if (!put_path16(w, path))
		return STATUS_OBJECT_NAME_INVALID;
	wr_put_u32_at(w, len_off, (uint32_t)(w->len - start));
	return STATUS_SUCCESS;
}

static const char *last_component(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Write the complete structure; the caller applies the buffer limit. */
static NTSTATUS put_class(uint8_t level, const struct smb2_info_file *f, struct wr *w)
{
	const char *path = f->path ? f->path : "";

	switch (level) {
	case FileBasicInformation:
		put_basic(w, f);
		break;
	case FileStandardInformation:
		put_standard(w, f);
		break;
	case FileInternalInformation:
		wr_u64(w, f->file_id);  /* FILE_INTERNAL_INFORMATION.IndexNumber */
		break;
	case FileEaInformation:
		wr_u32(w, f->ea_size);
		break;
	case FileAccessInformation:
		wr_u32(w, f->access);
		break;
	case FilePositionInformation:
		wr_u64(w, f->position);
		break;
	case FileModeInformation:
		wr_u32(w, f->mode);
		break;
	case FileAlignmentInformation:
		wr_u32(w, 0);  /* FILE_BYTE_ALIGNMENT */
		break;
	case FileAllInformation:
		/* MS-FSCC FILE_ALL_INFORMATION: Basic, Standard, Internal, Ea, Access, Position, Mode,
		 * Alignment, then the name. Windows and Samba send the share-relative path with a
		 * leading '\'. */
		put_basic(w, f);
		put_standard(w, f);
		wr_u64(w, f->file_id);
		wr_u32(w, f->ea_size);
		wr_u32(w, f->access);
		wr_u64(w, f->position);
		wr_u32(w, f->mode);
		wr_u32(w, 0);
		return put_name_info(w, "\\", path);
	case FileAlternateNameInformation: {
		const char *last = last_component(path);

		/* MS-FSCC FileAlternateNameInformation: no short name is
		 * STATUS_OBJECT_NAME_NOT_FOUND. */
		if (!smb2_info_is_8dot3(last))
			return STATUS_OBJECT_NAME_NOT_FOUND;
		return put_name_info(w, NULL, last);
	}
	case FileStreamInformation:
		/* MS-FSCC FILE_STREAM_INFORMATION: a file has its one unnamed data stream, a
		 * directory none (Samba's vfs_default streaminfo does the same). */
		if (f->is_dir)
			break;
		wr_u32(w, 0);            /* NextEntryOffset */
		wr_u32(w, 14);           /* StreamNameLength of "::$DATA" */
		wr_u64(w, f->eof);       /* StreamSize */
		wr_u64(w, f->alloc_size);
		(void)utf8_to_utf16le(w, "::$DATA");
		break;
	case FileCompressionInformation:
		/* MS-FSCC FILE_COMPRESSION_INFORMATION: uncompressed, so CompressedFileSize is the
		 * file size and the format COMPRESSION_FORMAT_NONE. */
		wr_u64(w, f->eof);
		wr_u16(w, 0);  /* CompressionFormat: COMPRESSION_FORMAT_NONE */
		wr_u8(w, 0);   /* CompressionUnitShift */
		wr_u8(w, 0);   /* ChunkShift */
		wr_u8(w, 0);   /* ClusterShift */
		wr_zero(w, 3); /* Reserved */
		break;
	case FileNetworkOpenInformation:
		/* MS-FSCC FILE_NETWORK_OPEN_INFORMATION */
		wr_u64(w, f->btime);
		wr_u64(w, f->atime);
		wr_u64(w, f->mtime);
		wr_u64(w, f->ctime);
		wr_u64(w, f->alloc_size);
		wr_u64(w, f->eof);
		wr_u32(w, f->attrs);
		wr_u32(w, 0);
		break;
	case FileAttributeTagInformation:
		wr_u32(w, f->attrs);
		wr_u32(w, f->reparse_tag);
		break;
	case FileNormalizedNameInformation:
		/* MS-FSCC FileNormalizedNameInformation: the share-relative path without a leading
		 * '\'; "" for the root (smbtorture smb2.getinfo.normalized). */
		return put_name_info(w, NULL, path);
	case FileIdInformation:
		/* MS-FSCC FILE_ID_INFORMATION: VolumeSerialNumber (8), FileId (16): the 64-bit id,
		 * zero-extended. */
		wr_u64(w, f->volume_serial);
		wr_u64(w, f->file_id);
		wr_u64(w, 0);
		break;
	default:
		return STATUS_INVALID_INFO_CLASS;
	}
	return STATUS_SUCCESS;
}

static const struct file_class *find_class(uint8_t level)
{
	size_t i;

	for (i = 0; i < sizeof(file_classes) / sizeof(file_classes[0]); i++) {
		if (file_classes[i].level == level)
			return &file_classes[i];
	}
	return NULL;
}

NTSTATUS smb2_info_file_encode(uint8_t info_class, const struct smb2_info_file *src,
			       uint32_t output_buffer_length, struct wr *w)
{
	const struct file_class *c = find_class(info_class);
	size_t start = w->len, full;
	NTSTATUS st;

	if (!c) {
		if (info_class == FileFullEaInformation)
			return STATUS_NO_EAS_ON_FILE;
		/* MS-SMB2 3.3.5.20.1 */
		return smb2_file_info_class_documented(info_class) ? STATUS_NOT_SUPPORTED
								   : STATUS_INVALID_INFO_CLASS;
	}
	if (info_class == FileNormalizedNameInformation && src->dialect < SMB2_INFO_DIALECT_311)
		return STATUS_NOT_SUPPORTED;
	if (info_class == FileIdInformation && src->dialect < SMB2_INFO_DIALECT_300)
		return STATUS_NOT_SUPPORTED;
	if (output_buffer_length < c->min)
		return STATUS_INFO_LENGTH_MISMATCH;

	st = put_class(info_class, src, w);
	if (st == STATUS_SUCCESS && w->failed)
		st = STATUS_NO_MEMORY;
	if (st != STATUS_SUCCESS) {
		if (!w->failed)
			w->len = start;
		return st;
	}

	full = w->len - start;
	if (full <= output_buffer_length)
		return STATUS_SUCCESS;

	switch (c->trunc) {
	case TRUNC_NAME: {
		/* MS-FSA 2.1.5.12 (name classes): AvailableNameLength =
		 * BlockAlignTruncate(OutputBufferSize - FieldOffset(FileName), 2); FileNameLength
		 * keeps the full length. */
		size_t name_off = c->name_len_off + 4;
		size_t avail = (output_buffer_length - name_off) & ~(size_t)1;

		w->len = start + name_off + avail;
		break;
	}
	case TRUNC_ENTRY:
		/* MS-FSA 2.1.5.12.29: only whole entries; with a single entry, none. */
		w->len = start;
		break;
	case TRUNC_NONE:
		/* Fixed classes never exceed their minimum. */
		w->len = start + output_buffer_length;
		break;
	}
	return STATUS_BUFFER_OVERFLOW;
}
