/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 WRITE request/response bodies (MS-SMB2 2.2.21, 2.2.22). */
#ifndef SKIFF_WIRE_WRITE_H
#define SKIFF_WIRE_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"
#include "smb2/wire/types.h"

/* Request Flags (2.2.21). */
#define SMB2_WRITEFLAG_WRITE_THROUGH    0x00000001u
#define SMB2_WRITEFLAG_WRITE_UNBUFFERED 0x00000002u

struct smb2_write_req {
	const uint8_t *data;          /* NULL when length is 0 */
	uint32_t length;
	uint64_t offset;
	struct smb2_fileid file_id;
	uint32_t channel;
	uint32_t remaining_bytes;
	const uint8_t *channel_info;  /* WriteChannelInfo, NULL when its length is 0 */
	uint16_t channel_info_len;
	uint32_t flags;
};

/* StructureSize 49; a write of 0 bytes may come without a Buffer byte. Data and channel info
 * must lie inside the message after the fixed part (0x70). */
NTSTATUS smb2_write_req_decode(const uint8_t *msg, size_t len, struct smb2_write_req *req);

struct smb2_write_rsp {
	uint32_t count;
	uint32_t remaining;
};

/* StructureSize 17, 16 bytes, no channel info. */
void smb2_write_rsp_encode(struct wr *w, size_t hdr_off, const struct smb2_write_rsp *rsp);

#endif
