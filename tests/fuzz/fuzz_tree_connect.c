// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the TREE_CONNECT (and TREE_DISCONNECT) request decoders. Input: the request body. */
#include "fuzz_wire.h"

#include "smb2/wire/tree_connect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;
	uint8_t *msg = fuzz_msg(SMB2_TREE_CONNECT, data, size, &len);
	struct smb2_tree_connect_req req;

	if (msg == NULL)
		return 0;
	if (smb2_tree_connect_req_decode(msg, len, &req) == STATUS_SUCCESS) {
		if (req.path_len)
			fuzz_sink += req.path[req.path_len - 1];
		if (req.contexts_len)
			fuzz_sink += req.contexts[req.contexts_len - 1];
	}
	fuzz_sink += smb2_tree_disconnect_req_decode(msg, len);
	free(msg);
	return 0;
}
