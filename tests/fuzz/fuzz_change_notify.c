// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the CHANGE_NOTIFY request decoder. Input: the request body (a header is put in front). */
#include "fuzz_wire.h"

#include "smb2/wire/change_notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *msg = fuzz_msg(SMB2_CHANGE_NOTIFY, data, size, &len);
	struct smb2_change_notify_req req;

	if (msg == NULL)
		return 0;
	if (smb2_change_notify_req_decode(msg, len, &req) == STATUS_SUCCESS)
		fuzz_sink += req.completion_filter + req.output_buffer_length;
	free(msg);
	return 0;
}
