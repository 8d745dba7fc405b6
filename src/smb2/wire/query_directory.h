/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 QUERY_DIRECTORY request/response bodies (MS-SMB2 2.2.33, 2.2.34). */
#ifndef SKIFF_WIRE_QUERY_DIRECTORY_H
#define SKIFF_WIRE_QUERY_DIRECTORY_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"
#include "smb2/wire/types.h"

#define SMB2_RESTART_SCANS       0x01
#define SMB2_RETURN_SINGLE_ENTRY 0x02
#define SMB2_INDEX_SPECIFIED     0x04
#define SMB2_REOPEN              0x10

struct smb2_query_directory_req {
	uint8_t file_info_class;
	uint8_t flags;
	uint32_t file_index;
	struct smb2_fileid file_id;
	const uint8_t *pattern;        /* UTF-16LE, NULL when pattern_len is 0 */
	uint16_t pattern_len;          /* bytes */
	uint32_t output_buffer_length;
};

/* STATUS_INVALID_PARAMETER for a bad StructureSize, a truncated body or a pattern outside
 * the message. */
NTSTATUS smb2_query_directory_req_decode(const uint8_t *msg, size_t len,
					 struct smb2_query_directory_req *req);
/* The 8-byte fixed part with OutputBufferOffset 0x48; the caller appends out_len bytes. */
void smb2_query_directory_rsp_encode_fixed(struct wr *w, size_t hdr_off, uint32_t out_len);

#endif
