/* SPDX-License-Identifier: Apache-2.0 */
/* ECHO (MS-SMB2 3.3.5.19) and CANCEL (3.3.5.16). */
#include "smb2/async.h"
#include "smb2/conn.h"
#include "smb2/handlers.h"
#include "smb2/req.h"
#include "smb2/wire/simple.h"

NTSTATUS smb2_echo(struct smb2_req *req)
{
	NTSTATUS st = smb2_echo_req_decode(req->msg, req->len);
	if (st != STATUS_SUCCESS)
		return st;
	smb2_echo_rsp_encode(req->out, req->hdr_off);
	return STATUS_SUCCESS;
}

/* 3.3.5.16: CANCEL names its target by AsyncId (async flag set) or by MessageId. The target
 * ends with STATUS_CANCELLED; CANCEL itself gets no response (the dispatcher drops it). */
NTSTATUS smb2_cancel(struct smb2_req *req)
{
	bool by_async = req->hdr.flags & SMB2_FLAGS_ASYNC_COMMAND;

	if (smb2_cancel_req_decode(req->msg, req->len) != STATUS_SUCCESS)
		return STATUS_INVALID_PARAMETER;
	struct smb2_async *a = smb2_async_find(req->conn, by_async,
					       by_async ? req->hdr.async_id : req->hdr.message_id);
	/* Only a request of the session the CANCEL names, whose signature the dispatcher has
	 * checked: one session cannot cancel another's requests. */
	if (a && a->session_id == req->hdr.session_id) {
		smb2_async_complete_status(req->conn, a, STATUS_CANCELLED);
		smb2_async_drop(req->conn, a);
	}
	return STATUS_CANCELLED;
}
