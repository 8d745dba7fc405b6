/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 CHANGE_NOTIFY request/response bodies (MS-SMB2 2.2.35, 2.2.36) and the
 * FILE_NOTIFY_INFORMATION entries the response carries (MS-FSCC 2.7.1). */
#ifndef SKIFF_WIRE_CHANGE_NOTIFY_H
#define SKIFF_WIRE_CHANGE_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"
#include "smb2/wire/types.h"

/* Flags (2.2.35). */
#define SMB2_WATCH_TREE 0x0001

/* CompletionFilter (2.2.35). */
#define FILE_NOTIFY_CHANGE_FILE_NAME    0x00000001u
#define FILE_NOTIFY_CHANGE_DIR_NAME     0x00000002u
#define FILE_NOTIFY_CHANGE_ATTRIBUTES   0x00000004u
#define FILE_NOTIFY_CHANGE_SIZE         0x00000008u
#define FILE_NOTIFY_CHANGE_LAST_WRITE   0x00000010u
#define FILE_NOTIFY_CHANGE_LAST_ACCESS  0x00000020u
#define FILE_NOTIFY_CHANGE_CREATION     0x00000040u
#define FILE_NOTIFY_CHANGE_EA           0x00000080u
#define FILE_NOTIFY_CHANGE_SECURITY     0x00000100u
#define FILE_NOTIFY_CHANGE_STREAM_NAME  0x00000200u
#define FILE_NOTIFY_CHANGE_STREAM_SIZE  0x00000400u
#define FILE_NOTIFY_CHANGE_STREAM_WRITE 0x00000800u

/* FILE_NOTIFY_INFORMATION Action (MS-FSCC 2.7.1). */
#define FILE_ACTION_ADDED            0x00000001u
#define FILE_ACTION_REMOVED          0x00000002u
#define FILE_ACTION_MODIFIED         0x00000003u
#define FILE_ACTION_RENAMED_OLD_NAME 0x00000004u
#define FILE_ACTION_RENAMED_NEW_NAME 0x00000005u
#define FILE_ACTION_ADDED_STREAM     0x00000006u
#define FILE_ACTION_REMOVED_STREAM   0x00000007u
#define FILE_ACTION_MODIFIED_STREAM  0x00000008u

struct smb2_change_notify_req {
	uint16_t flags;
	uint32_t output_buffer_length;
	struct smb2_fileid file_id;
	uint32_t completion_filter;
};

/* StructureSize 32. */
NTSTATUS smb2_change_notify_req_decode(const uint8_t *msg, size_t len,
				       struct smb2_change_notify_req *req);

struct smb2_change_notify_rsp {
	const uint8_t *output;       /* FILE_NOTIFY_INFORMATION entries */
	uint32_t output_len;
};

/* StructureSize 9, OutputBufferOffset 0x48, the buffer copied after. */
void smb2_change_notify_rsp_encode(struct wr *w, size_t hdr_off,
				   const struct smb2_change_notify_rsp *rsp);
/* The 8-byte fixed part only; the caller appends out_len bytes. */
void smb2_change_notify_rsp_encode_fixed(struct wr *w, size_t hdr_off, uint32_t out_len);

/*
 * FILE_NOTIFY_INFORMATION list builder: entries start 4-aligned from the base (the writer's
 * end at init) and each one's NextEntryOffset is patched when another follows; the last is
 * not padded (MS-FSCC 2.7.1).
 */
struct smb2_notify_info_builder {
	struct wr *w;
	size_t base;
	size_t last;
	size_t count;
};

void smb2_notify_info_builder_init(struct smb2_notify_info_builder *b, struct wr *w);
/* name: UTF-16LE, name_len bytes, relative to the watched directory. */
void smb2_notify_info_add(struct smb2_notify_info_builder *b, uint32_t action,
			  const uint8_t *name, uint32_t name_len);

#endif
