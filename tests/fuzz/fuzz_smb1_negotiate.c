// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the SMB1 multi-protocol NEGOTIATE decoder. Input: the whole SMB1 message. */
#include "fuzz_wire.h"

#include "smb2/wire/smb1_negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg = fuzz_copy(data, size);
	struct smb1_negotiate_req req;
	size_t pos = 0, nl;
	const char *name;

	if (msg == NULL)
		return 0;
	if (smb1_negotiate_req_decode(msg, size, &req) == STATUS_SUCCESS) {
		while (smb1_negotiate_next_dialect(&req, &pos, &name, &nl))
			fuzz_sink += nl ? (uint8_t)name[nl - 1] : 0;
	}
	free(msg);
	return 0;
}
