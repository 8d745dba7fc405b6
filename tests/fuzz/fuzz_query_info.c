// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the QUERY_INFO request decoder. Input: the request body (a header is put in front). */
#include "fuzz_wire.h"

#include "smb2/wire/query_info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *msg = fuzz_msg(SMB2_QUERY_INFO, data, size, &len);
	struct smb2_query_info_req req;

	if (msg == NULL)
		return 0;
	if (smb2_query_info_req_decode(msg, len, &req) == STATUS_SUCCESS && req.input_len)
		fuzz_sink += req.input[req.input_len - 1];
	free(msg);
	return 0;
}
