/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 TRANSFORM_HEADER codec (MS-SMB2 2.2.41). */
#include "smb2/wire/transform.h"

#include "smb2/wire/header.h"

bool smb2_transform_hdr_decode(const uint8_t *buf, size_t len, struct smb2_transform_hdr *h)
{
	struct rd r = rd_init(buf, len);
	uint32_t proto;
	uint16_t reserved;

	return rd_u32(&r, &proto) && proto == SMB2_TRANSFORM_ID &&
	       rd_copy(&r, h->signature, 16) && rd_copy(&r, h->nonce, 16) &&
	       rd_u32(&r, &h->original_message_size) && rd_u16(&r, &reserved) &&
	       rd_u16(&r, &h->flags) && rd_u64(&r, &h->session_id);
}

void smb2_transform_hdr_encode(struct wr *w, const struct smb2_transform_hdr *h)
{
	wr_u32(w, SMB2_TRANSFORM_ID);
	wr_bytes(w, h->signature, 16);
	wr_bytes(w, h->nonce, 16);
	wr_u32(w, h->original_message_size);
	wr_u16(w, 0);
	wr_u16(w, h->flags);
	wr_u64(w, h->session_id);
}
