// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the SMB2 header decoder and re-encode what it accepts. Input: the whole message. */
#include "fuzz_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg = fuzz_copy(data, size);
	struct smb2_hdr h;
	struct wr w;

	if (msg == NULL)
		return 0;
	if (smb2_hdr_decode(msg, size, &h)) {
		wr_init(&w, SMB2_HDR_SIZE);
		smb2_hdr_encode(&w, &h);
		/* Async and sync headers both re-encode to 64 bytes. */
		if (!w.failed && w.len != SMB2_HDR_SIZE)
			abort();
		wr_free(&w);
	}
	free(msg);
	return 0;
}
