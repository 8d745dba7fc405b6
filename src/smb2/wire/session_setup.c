/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 SESSION_SETUP and LOGOFF bodies (MS-SMB2 2.2.5 - 2.2.8). */
#include "smb2/wire/session_setup.h"

#include <string.h>

#include "smb2/wire/body.h"
#include "smb2/wire/simple.h"

#define SESS_REQ_SS 25
#define SESS_RSP_SS 9

NTSTATUS smb2_session_setup_req_decode(const uint8_t *msg, size_t len,
				       struct smb2_session_setup_req *req)
{
	struct rd r;
	NTSTATUS st;
	uint16_t off;

	memset(req, 0, sizeof(*req));
	st = smb2_body_open(msg, len, SESS_REQ_SS, false, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (!rd_u8(&r, &req->flags) || !rd_u8(&r, &req->security_mode) ||
	    !rd_u32(&r, &req->capabilities) || !rd_u32(&r, &req->channel) ||
	    !rd_u16(&r, &off) || !rd_u16(&r, &req->security_buffer_len) ||
	    !rd_u64(&r, &req->previous_session_id))
		return STATUS_INVALID_PARAMETER;
	return smb2_body_buf(&r, smb2_body_end(SESS_REQ_SS), off, req->security_buffer_len,
			     &req->security_buffer);
}

void smb2_session_setup_rsp_encode(struct wr *w, size_t hdr_off,
				   const struct smb2_session_setup_rsp *rsp)
{
	wr_u16(w, SESS_RSP_SS);
	wr_u16(w, rsp->session_flags);
	wr_u16(w, (uint16_t)smb2_body_end(SESS_RSP_SS));   /* 0x48 */
	wr_u16(w, rsp->security_buffer_len);
	wr_bytes(w, rsp->security_buffer, rsp->security_buffer_len);
}

NTSTATUS smb2_logoff_req_decode(const uint8_t *msg, size_t len)
{
	return smb2_simple_req_decode(msg, len);
}

void smb2_logoff_rsp_encode(struct wr *w, size_t hdr_off)
{
	smb2_simple_rsp_encode(w, hdr_off);
}
