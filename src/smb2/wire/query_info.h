/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 QUERY_INFO and SET_INFO request/response bodies (MS-SMB2 2.2.37 - 2.2.40). */
#ifndef SKIFF_WIRE_QUERY_INFO_H
#define SKIFF_WIRE_QUERY_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"
#include "smb2/wire/types.h"

#define SMB2_0_INFO_FILE       0x01
#define SMB2_0_INFO_FILESYSTEM 0x02
#define SMB2_0_INFO_SECURITY   0x03
#define SMB2_0_INFO_QUOTA      0x04

struct smb2_query_info_req {
	uint8_t info_type;
	uint8_t file_info_class;
	uint32_t output_buffer_length;
	const uint8_t *input;            /* NULL when input_len is 0 */
	uint32_t input_len;
	uint32_t additional_information;
	uint32_t flags;
	struct smb2_fileid file_id;
};

NTSTATUS smb2_query_info_req_decode(const uint8_t *msg, size_t len, struct smb2_query_info_req *req);
/* The 8-byte fixed part with OutputBufferOffset 0x48; the caller appends out_len bytes. */
void smb2_query_info_rsp_encode_fixed(struct wr *w, size_t hdr_off, uint32_t out_len);

struct smb2_set_info_req {
	uint8_t info_type;
	uint8_t file_info_class;
	const uint8_t *buffer;           /* NULL when buffer_len is 0 */
	uint32_t buffer_len;
	uint32_t additional_information;
	struct smb2_fileid file_id;
};

NTSTATUS smb2_set_info_req_decode(const uint8_t *msg, size_t len, struct smb2_set_info_req *req);
void smb2_set_info_rsp_encode(struct wr *w, size_t hdr_off);

#endif
