/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 WRITE request decoder and response encoder (MS-SMB2 2.2.21, 2.2.22). */
#include "smb2/wire/write.h"

#include <string.h>

#include "smb2/wire/body.h"

#define WRITE_REQ_SS 49
#define WRITE_RSP_SS 17

NTSTATUS smb2_write_req_decode(const uint8_t *msg, size_t len, struct smb2_write_req *req)
{
	struct rd r;
	NTSTATUS st;
	uint16_t data_off, ci_off;
	size_t min_off = smb2_body_end(WRITE_REQ_SS);

	memset(req, 0, sizeof(*req));
	/* Samba accepts WRITE without the Buffer byte (zero-length writes). */
	st = smb2_body_open(msg, len, WRITE_REQ_SS, true, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (!rd_u16(&r, &data_off) || !rd_u32(&r, &req->length) || !rd_u64(&r, &req->offset) ||
	    !smb2_rd_fileid(&r, &req->file_id) || !rd_u32(&r, &req->channel) ||
	    !rd_u32(&r, &req->remaining_bytes) || !rd_u16(&r, &ci_off) ||
	    !rd_u16(&r, &req->channel_info_len) || !rd_u32(&r, &req->flags))
		return STATUS_INVALID_PARAMETER;
	st = smb2_body_buf(&r, min_off, data_off, req->length, &req->data);
	if (st != STATUS_SUCCESS)
		return st;
	/* WriteChannelInfo describes RDMA buffers (MS-SMB2 2.2.21): without an RDMA channel its
	 * offset and length mean nothing and are not checked, as Samba does not (smbtorture 4.17's
	 * smb2.lease.dynamic_share sends them uninitialised). */
	if (req->channel != SMB2_CHANNEL_RDMA_V1 && req->channel != SMB2_CHANNEL_RDMA_V1_INVALIDATE &&
	    req->channel != SMB2_CHANNEL_RDMA_TRANSFORM) {
		req->channel_info_len = 0;
		return STATUS_SUCCESS;
	}
	return smb2_body_buf(&r, min_off, ci_off, req->channel_info_len, &req->channel_info);
}

void smb2_write_rsp_encode(struct wr *w, size_t hdr_off, const struct smb2_write_rsp *rsp)
{
	wr_u16(w, WRITE_RSP_SS);
	wr_u16(w, 0);                       /* Reserved */
	wr_u32(w, rsp->count);
	wr_u32(w, rsp->remaining);
	wr_u16(w, 0);                       /* WriteChannelInfoOffset */
	wr_u16(w, 0);                       /* WriteChannelInfoLength */
}
