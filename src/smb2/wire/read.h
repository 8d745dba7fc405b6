/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 READ request/response bodies (MS-SMB2 2.2.19, 2.2.20). */
#ifndef SKIFF_WIRE_READ_H
#define SKIFF_WIRE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"
#include "smb2/wire/types.h"

/* Request Flags (2.2.19). */
#define SMB2_READFLAG_READ_UNBUFFERED    0x01
#define SMB2_READFLAG_REQUEST_COMPRESSED 0x02
/* Response Flags (2.2.20). */
#define SMB2_READFLAG_RESPONSE_NONE           0x00000000u
#define SMB2_READFLAG_RESPONSE_RDMA_TRANSFORM 0x00000001u

/* The response data starts right after the 16-byte fixed part: 0x50 from the header. */
#define SMB2_READ_RSP_DATA_OFFSET 0x50

struct smb2_read_req {
	uint8_t padding;              /* where the client wants the data (ignored by most servers) */
	uint8_t flags;
	uint32_t length;
	uint64_t offset;
	struct smb2_fileid file_id;
	uint32_t minimum_count;
	uint32_t channel;
	uint32_t remaining_bytes;
	const uint8_t *channel_info;  /* ReadChannelInfo, NULL when its length is 0 */
	uint16_t channel_info_len;
};

/* StructureSize 49 with its Buffer byte; ReadChannelInfo inside the message after 0x70. */
NTSTATUS smb2_read_req_decode(const uint8_t *msg, size_t len, struct smb2_read_req *req);

/* Append the 16-byte fixed response (DataOffset 0x50); the caller appends data_len bytes
 * right after it. */
void smb2_read_rsp_encode_fixed(struct wr *w, size_t hdr_off, uint32_t data_len,
				uint32_t data_remaining);
/* The same with `padding` zero bytes between the fixed part and the data (DataOffset moves);
 * clients must honour DataOffset (Samba bug 14607), which a test hook checks. */
void smb2_read_rsp_encode_fixed_padded(struct wr *w, size_t hdr_off, uint32_t data_len,
				       uint32_t data_remaining, uint8_t padding);

#endif
