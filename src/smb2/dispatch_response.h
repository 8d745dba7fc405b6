/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dispatcher's response side (dispatch_response.c), used by dispatch.c: a message's answer
 * made whole once its body and status are known. Sending lives there too (smb2_send_response*,
 * declared in smb2.h).
 */
#ifndef SKIFF_SMB2_DISPATCH_RESPONSE_H
#define SKIFF_SMB2_DISPATCH_RESPONSE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ntstatus.h"

struct smb2_req;

/* What the dispatcher decided about one message's answer. */
struct smb2_rsp_seal {
	NTSTATUS status;    /* the header's status */
	uint16_t credits;   /* granted */
	bool related;       /* the request was a related message */
	bool first, last;   /* its place in the compound */
};

/*
 * Finish the answer whose body ends req->out: pad it inside a compound, write its header over
 * the room left at req->hdr_off, sign it, hash it into the preauth hash if asked. False when it
 * cannot be built (the connection must go).
 */
bool smb2_response_seal(struct smb2_req *req, const struct smb2_rsp_seal *seal);

#endif
