/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 IOCTL codec (MS-SMB2 2.2.31, 2.2.32). */
#include "smb2/wire/ioctl.h"

#include <string.h>

#include "smb2/wire/body.h"

#define IOCTL_REQ_SS 57
#define IOCTL_RSP_SS 49

NTSTATUS smb2_ioctl_req_decode(const uint8_t *msg, size_t len, struct smb2_ioctl_req *req)
{
	struct rd r;
	uint16_t reserved;
	uint32_t in_off, out_off, out_len, reserved2;
	const uint8_t *out_buf;
	NTSTATUS st;

	memset(req, 0, sizeof(*req));
	st = smb2_body_open(msg, len, IOCTL_REQ_SS, true, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (!rd_u16(&r, &reserved) || !rd_u32(&r, &req->ctl_code) ||
	    !smb2_rd_fileid(&r, &req->file_id) || !rd_u32(&r, &in_off) ||
	    !rd_u32(&r, &req->input_len) || !rd_u32(&r, &req->max_input_response) ||
	    !rd_u32(&r, &out_off) || !rd_u32(&r, &out_len) ||
	    !rd_u32(&r, &req->max_output_response) || !rd_u32(&r, &req->flags) ||
	    !rd_u32(&r, &reserved2))
		return STATUS_INVALID_PARAMETER;
	st = smb2_body_buf(&r, smb2_body_end(IOCTL_REQ_SS), in_off, req->input_len, &req->input);
	if (st != STATUS_SUCCESS)
		return st;
	return smb2_body_buf(&r, smb2_body_end(IOCTL_REQ_SS), out_off, out_len, &out_buf);
}

void smb2_ioctl_rsp_encode(struct wr *w, size_t hdr_off, const struct smb2_ioctl_rsp *rsp)
{
	size_t fixed = w->len;
	uint32_t in_off = 0, out_off = 0;

	wr_u16(w, IOCTL_RSP_SS);
	wr_u16(w, 0);
	wr_u32(w, rsp->ctl_code);
	smb2_wr_fileid(w, &rsp->file_id);
	wr_u32(w, 0);               /* InputOffset, patched */
	wr_u32(w, rsp->input_len);
	wr_u32(w, 0);               /* OutputOffset, patched */
	wr_u32(w, rsp->output_len);
	wr_u32(w, rsp->flags);
	wr_u32(w, 0);
	if (rsp->input_len) {
		in_off = (uint32_t)smb2_body_pos(w, hdr_off);
		wr_bytes(w, rsp->input, rsp->input_len);
		smb2_body_align(w, hdr_off, 8);
	}
	if (rsp->output_len) {
		out_off = (uint32_t)smb2_body_pos(w, hdr_off);
		wr_bytes(w, rsp->output, rsp->output_len);
	}
	/* MS-SMB2 2.2.32: offsets of empty buffers point where the buffer would start. */
	uint32_t end = (uint32_t)(fixed - hdr_off) + 48;
	wr_put_u32_at(w, fixed + 24, in_off ? in_off : end);
	wr_put_u32_at(w, fixed + 32, out_off ? out_off : (in_off ? in_off + rsp->input_len : end));
}
