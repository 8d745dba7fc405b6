// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the SESSION_SETUP (and LOGOFF) request decoders. Input: the request body. */
#include "fuzz_wire.h"

#include "smb2/wire/session_setup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *msg = fuzz_msg(SMB2_SESSION_SETUP, data, size, &len);
	struct smb2_session_setup_req req;

	if (msg == NULL)
		return 0;
	if (smb2_session_setup_req_decode(msg, len, &req) == STATUS_SUCCESS &&
	    req.security_buffer_len)
		fuzz_sink += req.security_buffer[req.security_buffer_len - 1];
	fuzz_sink += smb2_logoff_req_decode(msg, len);
	free(msg);
	return 0;
}
