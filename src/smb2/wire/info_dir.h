/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QUERY_DIRECTORY entry encoder: FileDirectory/FullDirectory/BothDirectory/Names/IdBothDirectory/
 * IdFullDirectoryInformation (MS-FSCC 2.4) appended one by one into the output buffer, each
 * entry 8-byte aligned with the previous entry's NextEntryOffset patched.
 */
#ifndef SKIFF_WIRE_INFO_DIR_H
#define SKIFF_WIRE_INFO_DIR_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"

/* One directory entry as the handler has it (from struct vfs_dirent). */
struct smb2_dir_entry {
	const char *name;       /* UTF-8, no path */
	uint64_t btime, atime, mtime, ctime;
	uint64_t eof, alloc_size;
	uint32_t attrs;         /* FILE_ATTRIBUTE_*, never 0 */
	uint64_t file_id;       /* FileId of the Id* classes */
};

/* Encoder state; everything is counted from `base`, the start of the output buffer in w. */
struct smb2_dir_enc {
	struct wr *w;
	size_t base;            /* w->len when the encoder was set up */
	uint32_t limit;         /* OutputBufferLength */
	uint8_t info_class;
	uint32_t count;         /* entries written */
	size_t last;            /* offset from base of the last entry written */
};

/*
 * Set up for info_class, entries to be appended to w from its current length.
 *   STATUS_INVALID_INFO_CLASS   — not one of the six classes (Samba: smb2_query_directory.c);
 *   STATUS_INFO_LENGTH_MISMATCH — output_buffer_length below the class's fixed part
 *                                 (MS-FSA 2.1.5.6.3.x: FieldOffset(FileName)).
 */
NTSTATUS smb2_dir_enc_init(struct smb2_dir_enc *e, uint8_t info_class,
			   uint32_t output_buffer_length, struct wr *w);

/*
 * Append one entry. ShortName is always empty (ShortNameLength 0; no 8.3 names are generated),
 * EaSize 0, FileIndex 0 (MS-FSA 2.1.5.6.3.x).
 *   STATUS_SUCCESS          — written;
 *   STATUS_BUFFER_OVERFLOW  — it does not fit in what is left of OutputBufferLength (counting
 *                             the alignment padding before it); nothing was written. The handler
 *                             pushes the entry back (vfs_dir_unread) and stops. If no entry was
 *                             written yet (smb2_dir_enc_count() == 0) the request fails with
 *                             STATUS_INFO_LENGTH_MISMATCH — what Samba answers (smbd
 *                             smb2_query_directory.c) and MS-FSA 2.1.5.6.3 ("less than the size
 *                             needed to return a single entry");
 *   STATUS_OBJECT_NAME_INVALID — the name is not valid UTF-8: nothing written, skip the entry;
 *   STATUS_NO_MEMORY        — the writer failed.
 */
NTSTATUS smb2_dir_enc_add(struct smb2_dir_enc *e, const struct smb2_dir_entry *ent);

static inline uint32_t smb2_dir_enc_count(const struct smb2_dir_enc *e) { return e->count; }

/* Bytes of output written so far (the OutputBufferLength of the response). */
static inline size_t smb2_dir_enc_len(const struct smb2_dir_enc *e) { return e->w->len - e->base; }

/* Size of the fixed part (offset of FileName) of a directory class, 0 if not one. */
uint32_t smb2_dir_class_fixed(uint8_t info_class);

#endif
