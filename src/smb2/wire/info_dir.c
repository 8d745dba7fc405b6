/* SPDX-License-Identifier: Apache-2.0 */
/* QUERY_DIRECTORY entries (MS-FSCC 2.4 directory classes): layout, alignment and chaining. */
#include "smb2/wire/info_dir.h"

#include "core/utf16.h"
#include "smb2/wire/info_file.h"

/* Entries start on 8-byte boundaries (MS-FSCC: "each MUST be aligned on an 8-byte boundary";
 * no padding after the last one). */
#define DIR_ALIGN 8

uint32_t smb2_dir_class_fixed(uint8_t info_class)
{
	/* Offset of FileName in each structure (MS-FSCC 2.4). */
	switch (info_class) {
	case FileDirectoryInformation:
		return 64;
	case FileFullDirectoryInformation:
		return 68;
	case FileBothDirectoryInformation:
		return 94;
	case FileNamesInformation:
		return 12;
	case FileIdBothDirectoryInformation:
		return 104;
	case FileIdFullDirectoryInformation:
		return 80;
	default:
		return 0;
	}
}

NTSTATUS smb2_dir_enc_init(struct smb2_dir_enc *e, uint8_t info_class,
			   uint32_t output_buffer_length, struct wr *w)
{
	uint32_t fixed = smb2_dir_class_fixed(info_class);

	if (!fixed)
		return STATUS_INVALID_INFO_CLASS;
	if (output_buffer_length < fixed)
		return STATUS_INFO_LENGTH_MISMATCH;
	e->w = w;
	e->base = w->len;
	e->limit = output_buffer_length;
	e->info_class = info_class;
	e->count = 0;
	e->last = 0;
	return STATUS_SUCCESS;
}

/* The part every class but FileNamesInformation shares: FileIndex through FileNameLength. */
static void put_common(struct wr *w, const struct smb2_dir_entry *ent, uint32_t name_len)
{
	wr_u32(w, 0);  /* FileIndex */
	wr_u64(w, ent->btime);
	wr_u64(w, ent->atime);
	wr_u64(w, ent->mtime);
	wr_u64(w, ent->ctime);
	wr_u64(w, ent->eof);
	wr_u64(w, ent->alloc_size);
	wr_u32(w, ent->attrs);
	wr_u32(w, name_len);
}

NTSTATUS smb2_dir_enc_add(struct smb2_dir_enc *e, const struct smb2_dir_entry *ent)
{
	struct wr *w = e->w;
	size_t used = w->len - e->base;
	size_t start = e->count ? (used + DIR_ALIGN - 1) / DIR_ALIGN * DIR_ALIGN : 0;
	size_t name_len = utf8_utf16le_len(ent->name);
	size_t fixed = smb2_dir_class_fixed(e->info_class);

	if (name_len == SIZE_MAX)
		return STATUS_OBJECT_NAME_INVALID;
	if (name_len > e->limit || start > e->limit - name_len || fixed > e->limit - name_len - start)
		return STATUS_BUFFER_OVERFLOW;

	wr_zero(w, start - used);
	if (e->count)
		wr_put_u32_at(w, e->base + e->last, (uint32_t)(start - e->last));

	wr_u32(w, 0);  /* NextEntryOffset: patched when another entry follows */
	switch (e->info_class) {
	case FileNamesInformation:
		wr_u32(w, 0);  /* FileIndex */
		wr_u32(w, (uint32_t)name_len);
		break;
	case FileDirectoryInformation:
		put_common(w, ent, (uint32_t)name_len);
		break;
	case FileFullDirectoryInformation:
		put_common(w, ent, (uint32_t)name_len);
		wr_u32(w, 0);  /* EaSize */
		break;
	case FileIdFullDirectoryInformation:
		put_common(w, ent, (uint32_t)name_len);
		wr_u32(w, 0);  /* EaSize */
		wr_u32(w, 0);  /* Reserved */
		wr_u64(w, ent->file_id);
		break;
	case FileBothDirectoryInformation:
	case FileIdBothDirectoryInformation:
		put_common(w, ent, (uint32_t)name_len);
		wr_u32(w, 0);   /* EaSize */
		wr_u8(w, 0);    /* ShortNameLength */
		wr_u8(w, 0);    /* Reserved */
		wr_zero(w, 24); /* ShortName[12] */
		if (e->info_class == FileIdBothDirectoryInformation) {
			wr_u16(w, 0);  /* Reserved2 */
			wr_u64(w, ent->file_id);
		}
		break;
	}
	(void)utf8_to_utf16le(w, ent->name);
	if (w->failed)
		return STATUS_NO_MEMORY;
	e->last = start;
	e->count++;
	return STATUS_SUCCESS;
}
