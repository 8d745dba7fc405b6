// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the OPLOCK_BREAK acknowledgment decoder (oplock and lease shapes). Input: the request
 * body (a header is put in front). */
#include "fuzz_wire.h"

#include "smb2/wire/oplock_break.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *msg = fuzz_msg(SMB2_OPLOCK_BREAK, data, size, &len);
	struct smb2_oplock_break_req req;

	if (msg == NULL)
		return 0;
	if (smb2_oplock_break_req_decode(msg, len, &req) == STATUS_SUCCESS)
		fuzz_sink += req.lease ? req.lease_state + req.lease_key[15] : req.oplock_level;
	free(msg);
	return 0;
}
