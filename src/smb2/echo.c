/* SPDX-License-Identifier: Apache-2.0 */
/* ECHO (MS-SMB2 3.3.5.19) and CANCEL (3.3.5.16). */
#include "smb2/smb2.h"
#include "smb2/wire/simple.h"

NTSTATUS smb2_echo(struct smb2_req *req)
{
	NTSTATUS st = smb2_echo_req_decode(req->msg, req->len);
	if (st != STATUS_SUCCESS)
		return st;
	smb2_echo_rsp_encode(req->out, req->hdr_off);
	return STATUS_SUCCESS;
}

/*
 * CANCEL targets a request that went async; none do yet (every request completes before the
 * next one of its connection is read), so there is never anything to cancel. CANCEL itself
 * gets no response (3.3.5.16): the dispatcher drops it.
 */
NTSTATUS smb2_cancel(struct smb2_req *req)
{
	(void)smb2_cancel_req_decode(req->msg, req->len);
	return STATUS_CANCELLED;
}
