// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the FLUSH request decoder. Input: the request body (a header is put in front). */
#include "fuzz_wire.h"

#include "smb2/wire/close.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *msg = fuzz_msg(SMB2_FLUSH, data, size, &len);
	struct smb2_flush_req req;

	if (msg == NULL)
		return 0;
	if (smb2_flush_req_decode(msg, len, &req) == STATUS_SUCCESS) {
		fuzz_sink += req.file_id.volatile_;
	}
	free(msg);
	return 0;
}
