/* SPDX-License-Identifier: Apache-2.0 */
/* The four-byte bodies (StructureSize 4, Reserved) shared by LOGOFF, TREE_DISCONNECT, ECHO,
 * CANCEL, FLUSH and LOCK responses. */
#include "smb2/wire/simple.h"

#include "smb2/wire/body.h"

#define SIMPLE_SS 4

NTSTATUS smb2_simple_req_decode(const uint8_t *msg, size_t len)
{
	struct rd r;

	/* Reserved is not checked: MS-SMB2 says the server MUST ignore it. */
	return smb2_body_open(msg, len, SIMPLE_SS, true, &r);
}

void smb2_simple_rsp_encode(struct wr *w, size_t hdr_off)
{
	wr_u16(w, SIMPLE_SS);
	wr_u16(w, 0);
}

NTSTATUS smb2_echo_req_decode(const uint8_t *msg, size_t len)
{
	return smb2_simple_req_decode(msg, len);
}

void smb2_echo_rsp_encode(struct wr *w, size_t hdr_off)
{
	smb2_simple_rsp_encode(w, hdr_off);
}

NTSTATUS smb2_cancel_req_decode(const uint8_t *msg, size_t len)
{
	return smb2_simple_req_decode(msg, len);
}
