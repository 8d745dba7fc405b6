// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the WRITE request decoder. Input: the request body (a header is put in front). */
#include "fuzz_wire.h"

#include "smb2/wire/write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *msg = fuzz_msg(SMB2_WRITE, data, size, &len);
	struct smb2_write_req req;

	if (msg == NULL)
		return 0;
	if (smb2_write_req_decode(msg, len, &req) == STATUS_SUCCESS) {
		if (req.length)
			fuzz_sink += req.data[req.length - 1];
		if (req.channel_info_len)
			fuzz_sink += req.channel_info[req.channel_info_len - 1];
	}
	free(msg);
	return 0;
}
