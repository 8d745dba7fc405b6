// layer: wire
/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the TRANSFORM header decoder and check that what it accepts re-encodes to the same
 * 52 bytes (Reserved aside). Input: the whole encrypted PDU. */
#include "fuzz_wire.h"

#include "smb2/wire/transform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg = fuzz_copy(data, size);
	struct smb2_transform_hdr h;
	struct wr w;

	if (msg == NULL)
		return 0;
	if (smb2_transform_hdr_decode(msg, size, &h)) {
		wr_init(&w, SMB2_TRANSFORM_HDR_SIZE);
		smb2_transform_hdr_encode(&w, &h);
		if (!w.failed && (w.len != SMB2_TRANSFORM_HDR_SIZE || memcmp(w.buf, msg, 40) != 0 ||
				  memcmp(w.buf + 42, msg + 42, 10) != 0))
			abort();
		wr_free(&w);
	}
	free(msg);
	return 0;
}
