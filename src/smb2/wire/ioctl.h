/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 IOCTL request/response bodies (MS-SMB2 2.2.31, 2.2.32). */
#ifndef SKIFF_WIRE_IOCTL_H
#define SKIFF_WIRE_IOCTL_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ntstatus.h"
#include "smb2/wire/types.h"

struct smb2_ioctl_req {
	uint32_t ctl_code;
	struct smb2_fileid file_id;
	const uint8_t *input;          /* NULL when input_len is 0 */
	uint32_t input_len;
	uint32_t max_input_response;
	uint32_t max_output_response;
	uint32_t flags;
};

/* STATUS_INVALID_PARAMETER for a bad StructureSize, a truncated body or an input buffer
 * outside the message (the request's output buffer, unused by any FSCTL we serve, is
 * checked the same way). */
NTSTATUS smb2_ioctl_req_decode(const uint8_t *msg, size_t len, struct smb2_ioctl_req *req);

struct smb2_ioctl_rsp {
	uint32_t ctl_code;
	struct smb2_fileid file_id;
	const uint8_t *input;
	uint32_t input_len;
	const uint8_t *output;
	uint32_t output_len;
	uint32_t flags;
};

/* Input buffer (if any) at offset 0x70, output 8-aligned after it. */
void smb2_ioctl_rsp_encode(struct wr *w, size_t hdr_off, const struct smb2_ioctl_rsp *rsp);

#endif
