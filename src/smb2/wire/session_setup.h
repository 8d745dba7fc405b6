/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 SESSION_SETUP request/response (MS-SMB2 2.2.5, 2.2.6) and LOGOFF (2.2.7, 2.2.8). */
#ifndef SKIFF_WIRE_SESSION_SETUP_H
#define SKIFF_WIRE_SESSION_SETUP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"

/* Request Flags (2.2.5). */
#define SMB2_SESSION_FLAG_BINDING 0x01

/* Response SessionFlags (2.2.6). */
#define SMB2_SESSION_FLAG_IS_GUEST     0x0001
#define SMB2_SESSION_FLAG_IS_NULL      0x0002
#define SMB2_SESSION_FLAG_ENCRYPT_DATA 0x0004

struct smb2_session_setup_req {
	uint8_t flags;
	uint8_t security_mode;
	uint32_t capabilities;
	uint32_t channel;
	uint64_t previous_session_id;
	const uint8_t *security_buffer;    /* NULL when the length is 0 */
	uint16_t security_buffer_len;
};

/* StructureSize 25; the security buffer must lie after the fixed part inside the message. */
NTSTATUS smb2_session_setup_req_decode(const uint8_t *msg, size_t len,
				       struct smb2_session_setup_req *req);

struct smb2_session_setup_rsp {
	uint16_t session_flags;
	const uint8_t *security_buffer;
	uint16_t security_buffer_len;
};

/* Security buffer at offset 0x48 from the header. */
void smb2_session_setup_rsp_encode(struct wr *w, size_t hdr_off,
				   const struct smb2_session_setup_rsp *rsp);

/* LOGOFF has only StructureSize 4 and Reserved, both ways. */
NTSTATUS smb2_logoff_req_decode(const uint8_t *msg, size_t len);
void smb2_logoff_rsp_encode(struct wr *w, size_t hdr_off);

#endif
