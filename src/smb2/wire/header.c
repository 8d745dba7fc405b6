/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 header codec (MS-SMB2 2.2.1.1 async, 2.2.1.2 sync). */
#include "smb2/wire/header.h"

#include <string.h>

bool smb2_hdr_decode(const uint8_t *msg, size_t len, struct smb2_hdr *h)
{
	struct rd r = rd_init(msg, len);
	uint32_t proto, reserved;
	uint16_t size;

	if (!rd_u32(&r, &proto) || proto != SMB2_PROTOCOL_ID)
		return false;
	if (!rd_u16(&r, &size) || size != SMB2_HDR_SIZE)
		return false;
	if (!rd_u16(&r, &h->credit_charge) || !rd_u32(&r, &h->status) ||
	    !rd_u16(&r, &h->command) || !rd_u16(&r, &h->credits) || !rd_u32(&r, &h->flags) ||
	    !rd_u32(&r, &h->next_command) || !rd_u64(&r, &h->message_id))
		return false;
	if (h->flags & SMB2_FLAGS_ASYNC_COMMAND) {
		if (!rd_u64(&r, &h->async_id))
			return false;
		h->tree_id = 0;
	} else {
		if (!rd_u32(&r, &reserved) || !rd_u32(&r, &h->tree_id))
			return false;
		h->async_id = 0;
	}
	return rd_u64(&r, &h->session_id) && rd_copy(&r, h->signature, 16);
}

void smb2_hdr_encode(struct wr *w, const struct smb2_hdr *h)
{
	wr_u32(w, SMB2_PROTOCOL_ID);
	wr_u16(w, SMB2_HDR_SIZE);
	wr_u16(w, h->credit_charge);
	wr_u32(w, h->status);
	wr_u16(w, h->command);
	wr_u16(w, h->credits);
	wr_u32(w, h->flags);
	wr_u32(w, h->next_command);
	wr_u64(w, h->message_id);
	if (h->flags & SMB2_FLAGS_ASYNC_COMMAND) {
		wr_u64(w, h->async_id);
	} else {
		wr_u32(w, 0xFEFF);   /* Reserved: Windows sends 0x0000FEFF */
		wr_u32(w, h->tree_id);
	}
	wr_u64(w, h->session_id);
	wr_bytes(w, h->signature, 16);
}
