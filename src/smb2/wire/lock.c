/* SPDX-License-Identifier: Apache-2.0 */
/* SMB2 LOCK codec (MS-SMB2 2.2.26, 2.2.27). */
#include "smb2/wire/lock.h"

#include <string.h>

#include "smb2/wire/body.h"
#include "smb2/wire/simple.h"

#define LOCK_REQ_SS 48

NTSTATUS smb2_lock_req_decode(const uint8_t *msg, size_t len, struct smb2_lock_req *req)
{
	struct rd r;
	NTSTATUS st;

	memset(req, 0, sizeof(*req));
	st = smb2_body_open(msg, len, LOCK_REQ_SS, false, &r);
	if (st != STATUS_SUCCESS)
		return st;
	if (!rd_u16(&r, &req->lock_count) || !rd_u32(&r, &req->lock_sequence) ||
	    !smb2_rd_fileid(&r, &req->file_id))
		return STATUS_INVALID_PARAMETER;
	/* 2.2.26: LockCount MUST be greater than or equal to 1; the elements must be there. */
	if (req->lock_count == 0 ||
	    !rd_bytes(&r, (size_t)req->lock_count * SMB2_LOCK_ELEMENT_SIZE, &req->locks))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

void smb2_lock_req_element(const struct smb2_lock_req *req, size_t i, struct smb2_lock_element *e)
{
	struct rd r = rd_init(req->locks, (size_t)req->lock_count * SMB2_LOCK_ELEMENT_SIZE);
	uint32_t reserved;

	memset(e, 0, sizeof(*e));
	if (i >= req->lock_count)
		return;                        /* a caller bug, not client input */
	if (!rd_seek(&r, i * SMB2_LOCK_ELEMENT_SIZE) || !rd_u64(&r, &e->offset) ||
	    !rd_u64(&r, &e->length) || !rd_u32(&r, &e->flags) || !rd_u32(&r, &reserved))
		memset(e, 0, sizeof(*e));
}

void smb2_lock_rsp_encode(struct wr *w, size_t hdr_off)
{
	smb2_simple_rsp_encode(w, hdr_off);
}
